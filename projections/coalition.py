"""Folds effective events into the state of a coalition as of a day: members, reported sizes, meetings.

The fold is a small mutable accumulator, fed one event at a time in fold order
(see `projections.replay.fold_order`); `CoalitionFold.result` hands out frozen
values. Stances follow DESIGN.md's "How a stance is derived": the most recent
stance statement decides (a pledge, a decline of participation, undecided,
considering); a later undecided or considering sets a pledge's offers aside as
offered but not standing; supporting needs standing offers, and without them the
stance falls back to the most recent statement other than a pledge; otherwise in
talks, from talks or a meeting a member convened; otherwise not a member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from sys import intern
from types import MappingProxyType
from typing import Any, cast

import msgspec

from events import STANCE_ORDER, SUBJECTS, RecordedEvent, edtf_bounds
from projections.structs import Claim, Meeting, decode_snapshot, pack_numbers, unpack_numbers

__all__ = [
    "STANCE_ORDER",
    "Claim",
    "CoalitionFold",
    "CoalitionState",
    "FactEvents",
    "Meeting",
    "Member",
    "ReportedSize",
    "claim_of",
    "coalition_state",
    "meeting_of",
    "state_document",
    "state_view",
]

# The order stances are counted and listed in, most committed first.

# Version 5: actors, claims (by subject) and meetings as arrays, which msgspec decodes straight into claims
# and meetings; the actors' touched ids numbered in one list (each actor's numbers packed in one string),
# their facts as steps between positions in their touched ids. Bump on any change.
# (4: an actor's numbers as a JSON array; 3: actors keep their offers set aside as not standing, and which
# standing offers are tentative.)
_SNAPSHOT_VERSION = 5

# An actor's `touched` list is pruned of ids no fact can rest on again once it holds this many,
# and then once it has grown _PRUNE_GROWTH times what the last prune kept. Most of what an actor
# touched stays behind some fact (its talks, its offers), so a prune seldom drops much: growing 4
# times, not twice, halves how often it runs (the fold of 1M events in one stream, 1.85 s to 1.65 s,
# medians of alternating runs), for some 3 MB more at 1M.
_PRUNE_AFTER = 64
_PRUNE_GROWTH = 4


def _shared(text: str | None) -> str | None:
    """Return the one shared copy of a string many facts repeat (codes, dates, vocabulary); None as it is.

    Each parsed event brings its own copies, and a fold keeps every meeting
    and claim: at a million events, sharing them saves about 100 MB.
    """
    return None if text is None else intern(text)


def claim_of(event: RecordedEvent) -> Claim:
    """Return the claim a count.reported event makes."""
    data = event.data
    return Claim(
        intern(data["comparator"]),
        data["amount"],
        intern(event.occurred),
        _shared(data.get("attributed_to")),
        _shared(data.get("raw")),
        event.id,
        tuple([intern(source) for source, _ in event.sources]),
    )


def meeting_of(event: RecordedEvent) -> Meeting:
    """Return the meeting a meeting.convened or meeting.scheduled event describes."""
    data = event.data
    participants = data.get("participants")
    return Meeting(
        data.get("meeting_id"),
        _shared(event.actor),
        intern(event.occurred),
        _shared(data.get("scheduled_for")),
        _shared(data.get("format")),
        _shared(data.get("location")),
        None if participants is None else tuple(map(intern, participants)),
        _shared(data.get("topic")),
        event.id,
    )


@dataclass(frozen=True, slots=True)
class Member:
    """One actor's stance and the facts behind it, as of a day.

    `offers` are the standing offers; `tentative_offers` those of them that
    only tentative pledges made; `offered_earlier` the offers a later undecided
    or considering set aside, still listed but no longer standing.
    """

    stance: str
    offers: tuple[str, ...]
    tentative_offers: tuple[str, ...]
    offered_earlier: tuple[str, ...]
    ruled_out: tuple[str, ...]
    conditions: tuple[str, ...]
    since: str
    events: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the member as the `members` entry of the state document."""
        return {
            "stance": self.stance,
            "offers": list(self.offers),
            "tentative_offers": list(self.tentative_offers),
            "offered_earlier": list(self.offered_earlier),
            "ruled_out": list(self.ruled_out),
            "conditions": list(self.conditions),
            "since": self.since,
            "events": list(self.events),
        }


@dataclass(frozen=True, slots=True)
class FactEvents:
    """The ids behind each of one actor's facts separately, each in fold order (stance None: not a member)."""

    stance: str | None
    stance_events: tuple[str, ...]
    offers: Mapping[str, tuple[str, ...]]
    offered_earlier: Mapping[str, tuple[str, ...]]
    tentative_offers: tuple[str, ...]
    ruled_out: Mapping[str, tuple[str, ...]]
    conditions: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class ReportedSize:
    """Every claim about one subject counted as of a day, oldest first, and the floor the named members set."""

    subject: str
    claims: tuple[Claim, ...]
    named_floor: int | None

    @property
    def latest(self) -> Claim | None:
        """The last claim in fold order, or None when nobody has claimed anything yet."""
        return self.claims[-1] if self.claims else None

    def to_json(self) -> dict[str, Any]:
        """Return the `reported_size` object of the state document."""
        size: dict[str, Any] = _plain(_size_view(self))
        return size


@dataclass(frozen=True, slots=True)
class CoalitionState:
    """The coalition as of a day: members by code, stance counts, reported sizes by subject, meetings.

    Meetings are held (convened; one entry per meeting id), upcoming (scheduled
    for after the day) or unconfirmed (scheduled for the day or before, and no
    report that they were held).
    """

    as_of: date
    members: Mapping[str, Member]
    stance_counts: Mapping[str, int]
    reported_sizes: Mapping[str, ReportedSize]
    held: tuple[Meeting, ...]
    upcoming: tuple[Meeting, ...]
    unconfirmed: tuple[Meeting, ...]

    @property
    def reported_size(self) -> ReportedSize:
        """The claims about how many countries take part."""
        return self.reported_sizes["participants"]


class _Actor:
    """What the fold knows of one actor; each fact maps to the ids of the events behind it.

    `offers` are the standing offers: an actor has them only while its most
    recent stance statement is a pledge (a later undecided or considering moves
    them to `earlier`, a decline of participation clears them), so supporting is
    simply "has standing offers". `position` is the most recent statement other
    than a pledge, the stance to fall back to when the offers are gone.
    """

    __slots__ = (
        "conditions",
        "earlier",
        "offers",
        "position",
        "position_events",
        "prune_at",
        "ruled_out",
        "since",
        "stance",
        "stance_event",
        "talks",
        "tentative",
        "touched",
    )

    def __init__(self) -> None:
        self.offers: dict[str, list[str]] = {}
        self.earlier: dict[str, list[str]] = {}  # offered, but set aside by a later undecided or considering
        self.tentative: set[str] = set()  # the standing offers every pledge of which is tentative
        self.ruled_out: dict[str, list[str]] = {}
        self.conditions: dict[str, list[str]] = {}
        self.position: str | None = None  # the latest of declined / undecided / considering
        self.position_events: list[str] = []  # the unbroken run of events stating that position
        self.talks: list[str] = []
        self.stance: str | None = None
        self.since: str | None = None
        self.stance_event: str | None = None
        self.touched: list[str] = []  # the events that reached this actor and may still be behind a fact, in fold order
        self.prune_at = _PRUNE_AFTER

    def touch(self, event_id: str) -> None:
        """Record that an event reached the actor, pruning `touched` first once it has grown since the last prune."""
        if len(self.touched) >= self.prune_at:
            self.prune()  # before the append: this event is not behind a fact yet, but is about to be
        self.touched.append(event_id)

    def prune(self) -> None:
        """Drop ids behind no fact, not even one the actor may fall back to: they can never be behind one again.

        A fact only ever gains the id of the event being folded, so an id
        that has left every fact stays out. This keeps memory in proportion
        to the live facts (amortised: the list must grow _PRUNE_GROWTH times before the next prune).
        """
        live = self.ids_behind(fallbacks=True)
        self.touched = [event_id for event_id in self.touched if event_id in live]
        self.prune_at = max(_PRUNE_AFTER, _PRUNE_GROWTH * len(self.touched))

    def settle(self, event: RecordedEvent) -> None:
        """Derive the stance again; when it changes, it holds from this event."""
        if self.offers:
            stance: str | None = "supporting"
        else:
            stance = self.position or ("in_talks" if self.talks else None)
        if stance != self.stance:
            self.stance, self.since, self.stance_event = stance, event.occurred, event.id

    def drop_offer(self, capability: str) -> None:
        """Forget an offer, standing or set aside (withdrawn, ruled out)."""
        self.offers.pop(capability, None)
        self.earlier.pop(capability, None)
        self.tentative.discard(capability)

    def set_offers_aside(self) -> None:
        """Keep the standing offers as offered earlier, no longer standing (a later undecided or considering)."""
        offers, earlier = self.offers, self.earlier
        self.offers = {}
        if earlier:
            earlier.update(offers)  # never both standing and set aside: a new offer leaves `earlier`
        else:
            self.earlier = offers
        if self.tentative:
            self.tentative.clear()

    def ids_behind(self, *, fallbacks: bool = False) -> set[str | None]:
        """Return the ids behind the actor's facts; with fallbacks, also those behind stances it may fall back to."""
        ids = {self.stance_event}
        for facts in (self.offers, self.earlier, self.ruled_out, self.conditions):
            for event_ids in facts.values():
                ids.update(event_ids)
        if fallbacks or self.stance == "in_talks":
            ids.update(self.talks)
        if fallbacks or self.stance != "supporting":
            ids.update(self.position_events)
        return ids

    def member(self) -> Member | None:
        """Return the frozen member, or None when the actor has no stance."""
        if self.stance is None or self.since is None:
            return None
        behind = self.ids_behind()
        tentative = self.tentative
        return Member(
            self.stance,
            tuple(self.offers),
            tuple(capability for capability in self.offers if capability in tentative) if tentative else (),
            tuple(self.earlier),
            tuple(self.ruled_out),
            tuple(self.conditions),
            self.since,
            tuple(filter(behind.__contains__, self.touched)),
        )

    def fact_events(self) -> FactEvents:
        """Return the ids behind each fact: the stance rests on its first event and what keeps it standing."""
        stance_ids = {self.stance_event}
        if self.stance == "supporting":
            stance_ids.update(event_id for event_ids in self.offers.values() for event_id in event_ids)
        elif self.stance == "in_talks":
            stance_ids.update(self.talks)
        elif self.stance is not None:
            stance_ids.update(self.position_events)
        return FactEvents(
            self.stance,
            tuple(event_id for event_id in self.touched if event_id in stance_ids),
            MappingProxyType({key: tuple(ids) for key, ids in self.offers.items()}),
            MappingProxyType({key: tuple(ids) for key, ids in self.earlier.items()}),
            tuple(capability for capability in self.offers if capability in self.tentative),
            MappingProxyType({key: tuple(ids) for key, ids in self.ruled_out.items()}),
            MappingProxyType({key: tuple(ids) for key, ids in self.conditions.items()}),
        )

    def copy(self) -> _Actor:
        """Return a copy whose lists and mappings are its own (the fold goes on changing the original's)."""
        twin = _Actor()
        twin.offers = {key: list(ids) for key, ids in self.offers.items()}
        twin.earlier = {key: list(ids) for key, ids in self.earlier.items()}
        twin.tentative = set(self.tentative)
        twin.ruled_out = {key: list(ids) for key, ids in self.ruled_out.items()}
        twin.conditions = {key: list(ids) for key, ids in self.conditions.items()}
        twin.position, twin.position_events = self.position, list(self.position_events)
        twin.talks = list(self.talks)
        twin.stance, twin.since, twin.stance_event = self.stance, self.since, self.stance_event
        twin.touched, twin.prune_at = list(self.touched), self.prune_at
        return twin

    def to_row(self, code: str, numbers: dict[str, int]) -> list[Any]:
        """Return a copy of the accumulator as a JSON array (see `from_row`); ordered mappings become lists of pairs.

        The ids an actor touched are numbered in `numbers`, shared by every actor of a
        snapshot (a meeting reaches each participant): read back, each id is one string,
        as in the fold. The row holds its numbers packed in one string (`pack_numbers`):
        read back, they make no object each (at a million events in one stream, 1.2
        million numbers, most too large for Python to share one object of, would be alive
        at once while the snapshot is read). Pruned first, `touched` holds every id
        behind a fact, so a fact lists where its ids sit in `touched`, as the steps from
        one to the next (small numbers, mostly 1, which Python and msgspec never
        allocate): at a million events, a million talks read back with no string and no
        number of their own.
        """
        self.prune()
        where = {event_id: number for number, event_id in enumerate(self.touched)}

        return [
            code,
            self.stance,
            self.since,
            self.stance_event,
            self.position,
            pack_numbers([numbers.setdefault(event_id, len(numbers)) for event_id in self.touched]),
            _steps(where, self.position_events),
            _steps(where, self.talks),
            [[key, _steps(where, ids)] for key, ids in self.offers.items()],
            [[key, _steps(where, ids)] for key, ids in self.ruled_out.items()],
            [[key, _steps(where, ids)] for key, ids in self.conditions.items()],
            [[key, _steps(where, ids)] for key, ids in self.earlier.items()],
            [key for key in self.offers if key in self.tentative],  # in offer order: the same fold, the same row
        ]

    @classmethod
    def from_row(cls, row: list[Any], ids: list[str]) -> tuple[str, _Actor]:
        """Return the actor code and accumulator that `to_row` described, its touched ids numbered in `ids`."""
        code, actor = row[0], cls()
        actor.stance, actor.since, actor.stance_event, actor.position = row[1:5]
        numbers, position_events, talks, offers, ruled_out, conditions, earlier, tentative = row[5:]
        touched = _picked(ids, unpack_numbers(numbers).tolist())

        actor.touched, actor.position_events = touched, _named(touched, position_events)
        actor.talks = _named(touched, talks)
        actor.prune_at = max(_PRUNE_AFTER, _PRUNE_GROWTH * len(touched))
        actor.offers = {key: _named(touched, steps) for key, steps in offers}
        actor.ruled_out = {key: _named(touched, steps) for key, steps in ruled_out}
        actor.conditions = {key: _named(touched, steps) for key, steps in conditions}
        actor.earlier = {key: _named(touched, steps) for key, steps in earlier}
        actor.tentative = set(tentative)
        return code, actor


def _steps(where: dict[str, int], event_ids: list[str]) -> list[int] | list[str]:
    """Return the ids of a fact as steps along the actor's touched ids (`where` numbers them), or as they are."""
    taken: list[int] = []
    before = 0
    for event_id in event_ids:
        at = where.get(event_id)
        if at is None:  # an id the actor never touched (no fold leaves one): ids as they are
            return list(event_ids)
        taken.append(at - before)
        before = at
    return taken


def _picked(ids: list[str], numbers: list[int]) -> list[str]:
    """Return the ids at these numbers (compiled, a loop over machine integers: no call per number)."""
    return [ids[number] for number in numbers]


def _named(touched: list[str], steps: list[int] | list[str]) -> list[str]:
    """Return the ids a fact of a snapshot's actor row lists: steps along `touched` (see `_Actor.to_row`), or ids."""
    if steps and isinstance(steps[0], str):
        return list(steps)
    # a loop, not accumulate(): compiled, the running position is a machine integer, where accumulate makes an
    # int object of each (at a million events in one stream, a million talks are read back)
    names: list[str] = []
    at = 0
    for step in cast("list[int]", steps):
        at += step
        names.append(touched[at])
    return names


def _latest_day(value: str) -> date:
    return edtf_bounds(value)[1]


def _add(facts: dict[str, list[str]], key: str, event_id: str) -> None:
    facts.setdefault(key, []).append(event_id)


class FoldCapture:
    """A fold as it stood at one moment, taken while it went on; turned into a snapshot's JSON later."""

    __slots__ = ("_actors", "_claim_counts", "_claims", "_held", "_held_count", "_scheduled")

    def __init__(
        self,
        actors: dict[str, _Actor],
        claims: dict[str, list[Claim]],
        claim_counts: dict[str, int],
        held: list[Meeting],
        held_count: int,
        scheduled: list[Meeting],
    ) -> None:
        self._actors, self._claims, self._claim_counts = actors, claims, claim_counts
        self._held, self._held_count, self._scheduled = held, held_count, scheduled

    def to_snapshot(self) -> dict[str, Any]:
        """Return the captured accumulator ready for JSON (see CoalitionFold.to_snapshot)."""
        claims = self._claims
        numbers: dict[str, int] = {}  # every id the actors touched, numbered once
        actors = [actor.to_row(code, numbers) for code, actor in self._actors.items()]
        return {
            "version": _SNAPSHOT_VERSION,
            "ids": list(numbers),
            "actors": actors,
            "claims": {subject: claims[subject][:count] for subject, count in self._claim_counts.items()},
            "held": self._held[: self._held_count],
            "scheduled": list(self._scheduled),
        }


class CoalitionFold:
    """Accumulates effective events, in fold order, into what `result` turns into a CoalitionState."""

    __slots__ = ("_actors", "_claims", "_held", "_held_ids", "_scheduled")

    def __init__(self) -> None:
        self._actors: dict[str, _Actor] = {}
        self._claims: dict[str, list[Claim]] = {subject: [] for subject in SUBJECTS}
        self._held: list[Meeting] = []  # one entry per meeting id (the first report), every meeting without one
        self._held_ids: set[str] = set()
        # by meeting id, in the order last announced; a meeting leaves once it is reported held
        self._scheduled: dict[str, Meeting] = {}

    def apply(self, event: RecordedEvent) -> None:
        """Fold one effective event; types that do not bear on the coalition are ignored."""
        self._dispatch(event)

    def apply_all(self, events: Iterable[RecordedEvent]) -> tuple[int, RecordedEvent | None]:
        """Fold every event of an iterable, in the order given; return how many, and the last (None if none)."""
        count, event = 0, None
        for count, event in enumerate(events, 1):  # noqa: B007 - the last pair is the answer
            self._dispatch(event)
        return count, event

    def _dispatch(self, event: RecordedEvent) -> None:
        """Hand an event to the handler of its type, if any.

        A chain of comparisons, the commonest types first, rather than a table of
        handlers: compiled, each branch is a direct call, where a handler looked up
        in a dict is called as a Python object (its arguments packed and parsed).
        """
        kind = event.type
        if kind == "pledge.made":
            self._pledge_made(event)
        elif kind == "count.reported":
            self._count_reported(event)
        elif kind == "meeting.convened":
            self._meeting_convened(event)
        elif kind == "position.in_talks":
            self._position_in_talks(event)
        elif kind == "meeting.scheduled":
            self._meeting_scheduled(event)
        elif kind == "condition.stated":
            self._condition_stated(event)
        elif kind == "position.considering":
            self._position_considering(event)
        elif kind == "position.declined":
            self._position_declined(event)
        elif kind == "position.undecided":
            self._position_undecided(event)
        elif kind == "pledge.withdrawn":
            self._pledge_withdrawn(event)

    def apply_until(self, events: Iterable[RecordedEvent], as_of: date) -> None:
        """Fold events in fold order, stopping at the first whose latest day is after as_of."""
        apply = self.apply
        for event in events:
            if edtf_bounds(event.occurred)[1] > as_of:
                break
            apply(event)

    @property
    def named_floor(self) -> int:
        """The number of actors whose stance is supporting."""
        return sum(actor.stance == "supporting" for actor in self._actors.values())

    def stance(self, code: str | None) -> str | None:
        """Return one actor's stance so far, None when it is not a member."""
        actor = None if code is None else self._actors.get(code)
        return None if actor is None else actor.stance

    def convened_by_member(self, event: RecordedEvent) -> bool:
        """Say whether a meeting.convened event, folded now, makes its participants in talks.

        Only a meeting its host convened as a member (an actor with a stance by
        then), and not marked external, does: a US-Russia-Ukraine meeting hosted
        by Saudi Arabia makes none of them a member of this coalition.
        """
        return not event.data.get("external") and self.stance(event.actor) is not None

    def member(self, code: str) -> Member | None:
        """Return one actor's member facts, or None when it is not a member."""
        actor = self._actors.get(code)
        return None if actor is None else actor.member()

    def fact_events(self, code: str) -> FactEvents | None:
        """Return the ids behind each of one actor's facts, or None when no event has reached it."""
        actor = self._actors.get(code)
        return None if actor is None else actor.fact_events()

    def result(self, as_of: date) -> CoalitionState:
        """Return the frozen state as of a day (the events folded so far are taken to count by then)."""
        members = {code: member for code in sorted(self._actors) if (member := self._actors[code].member()) is not None}
        counts = dict.fromkeys(STANCE_ORDER, 0)
        for member in members.values():
            counts[member.stance] += 1
        sizes = {
            subject: ReportedSize(subject, tuple(claims), counts["supporting"] if subject == "participants" else None)
            for subject, claims in self._claims.items()
        }
        upcoming: list[Meeting] = []
        unconfirmed: list[Meeting] = []
        for meeting in self._scheduled.values():
            # a meeting scheduled for the day asked or before, never reported held, is unconfirmed, not dropped
            due = meeting.scheduled_for is None or _latest_day(meeting.scheduled_for) > as_of
            (upcoming if due else unconfirmed).append(meeting)
        return CoalitionState(
            as_of,
            MappingProxyType(members),
            MappingProxyType(counts),
            MappingProxyType(sizes),
            tuple(self._held),
            tuple(upcoming),
            tuple(unconfirmed),
        )

    def to_snapshot(self, as_of: date | None = None) -> dict[str, Any]:
        """Return the whole accumulator for `msgspec.json.encode`, a copy: actors as arrays, claims and meetings too.

        Claims and meetings are the frozen structs they are (msgspec writes each as an
        array, and a snapshot's reader decodes them straight back). `as_of` (the day the
        snapshot is taken on) leaves nothing out any more:
        a scheduled meeting whose day is past may be unconfirmed at every later day,
        and held once a report of it comes; a held one left the schedule.
        """
        del as_of
        # each actor's row is made of new lists (after a prune, which changes no answer): no copy of the actors
        return self._captured(self._actors).to_snapshot()

    def capture(self) -> FoldCapture:
        """Return the accumulator as it stands, cheaply, while the fold goes on: to_snapshot() of it comes later.

        Claims and held meetings are only ever appended (and never changed), so how many
        there are now is enough; the actors and the schedule are copied (a few hundred).
        """
        return self._captured({code: actor.copy() for code, actor in self._actors.items()})

    def _captured(self, actors: dict[str, _Actor]) -> FoldCapture:
        return FoldCapture(
            actors,
            self._claims,
            {subject: len(claims) for subject, claims in self._claims.items()},
            self._held,
            len(self._held),
            list(self._scheduled.values()),
        )

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any] | str | bytes) -> CoalitionFold:
        """Return the fold a snapshot captured, ready to take the events after it.

        `data` is a snapshot's JSON text as stored, decoded here into claims and meetings
        in one pass, or the value `to_snapshot` returned (or its JSON read back).
        """
        if not isinstance(data, str | bytes):
            if data.get("version") != _SNAPSHOT_VERSION:
                raise ValueError(f"unsupported coalition snapshot version {data.get('version')!r}")
            data = msgspec.json.encode(data)
        try:
            state = decode_snapshot(data)
        except msgspec.ValidationError as error:
            raise ValueError(f"unsupported coalition snapshot version or shape ({error})") from None
        if state.version != _SNAPSHOT_VERSION:
            raise ValueError(f"unsupported coalition snapshot version {state.version!r}")
        fold = cls()
        for row in state.actors:
            try:
                code, actor = _Actor.from_row(row, state.ids)
            except (IndexError, TypeError, ValueError) as error:  # a row of another shape, numbers beyond the ids
                raise ValueError(f"a coalition snapshot's actor row does not read back ({error})") from None
            fold._actors[code] = actor
        for subject, claims in state.claims.items():
            fold._claims[subject].extend(claims)
        fold._held = state.held
        fold._held_ids = {meeting.meeting_id for meeting in fold._held if meeting.meeting_id is not None}
        for meeting in state.scheduled:
            assert meeting.meeting_id is not None, "a scheduled meeting always has an id"
            fold._scheduled[meeting.meeting_id] = meeting
        return fold

    def _touch(self, code: str | None, event_id: str) -> _Actor:
        assert code is not None, "events that bear on an actor always name one"
        actor = self._actors.get(code)
        if actor is None:
            actor = self._actors[code] = _Actor()
        actor.touch(event_id)
        return actor

    def _pledge_made(self, event: RecordedEvent) -> None:
        event_id = event.id
        actor = self._touch(event.actor, event_id)
        data = event.data
        offers, ruled_out, earlier = actor.offers, actor.ruled_out, actor.earlier
        for capability in data.get("ruled_out", ()):
            offers.pop(capability, None)  # `drop_offer`, inlined: the replay's hot path
            if earlier:
                earlier.pop(capability, None)
            if actor.tentative:
                actor.tentative.discard(capability)
            _add(ruled_out, capability, event_id)
        tentative = data.get("firmness") == "tentative"
        for capability in data["offers"]:
            if ruled_out:
                ruled_out.pop(capability, None)
            if earlier:
                earlier.pop(capability, None)  # offered again: it stands on this pledge, no longer set aside
            ids = offers.get(capability)
            if ids is None:
                offers[capability] = [event_id]
                if tentative:
                    actor.tentative.add(capability)
            else:
                ids.append(event_id)
                if not tentative and actor.tentative:
                    actor.tentative.discard(capability)  # one firm pledge makes the offer firm
        for condition in data.get("conditions", ()):
            _add(actor.conditions, condition, event_id)
        actor.settle(event)

    def _pledge_withdrawn(self, event: RecordedEvent) -> None:
        actor = self._touch(event.actor, event.id)
        named = event.data.get("offers")
        if named is None:
            actor.offers.clear()
            actor.earlier.clear()
            actor.tentative.clear()
        else:
            offers, earlier = actor.offers, actor.earlier
            for capability in named:
                offers.pop(capability, None)  # `drop_offer`, inlined: the replay's hot path
                if earlier:
                    earlier.pop(capability, None)
                if actor.tentative:
                    actor.tentative.discard(capability)
        actor.settle(event)

    def _take_position(self, event: RecordedEvent, position: str, doubts_offers: bool = False) -> _Actor:
        """Make a stance statement other than a pledge; `doubts_offers`: it sets standing offers aside."""
        actor = self._touch(event.actor, event.id)
        offers = actor.offers
        # a pledge since the last statement of the same position breaks its run: the statement is made anew
        if actor.position == position and not offers:
            actor.position_events.append(event.id)
        else:
            actor.position, actor.position_events = position, [event.id]
            if offers and doubts_offers:
                actor.set_offers_aside()
        return actor

    def _position_declined(self, event: RecordedEvent) -> None:
        scope = event.data.get("scope", "participation")
        if scope == "participation":
            actor = self._take_position(event, "declined")
            actor.offers.clear()
            actor.earlier.clear()
            actor.tentative.clear()
        else:
            actor = self._touch(event.actor, event.id)
            actor.drop_offer(scope)
            _add(actor.ruled_out, scope, event.id)
        actor.settle(event)

    def _position_undecided(self, event: RecordedEvent) -> None:
        self._take_position(event, "undecided", True).settle(event)

    def _position_considering(self, event: RecordedEvent) -> None:
        actor = self._take_position(event, "considering", True)
        for condition in event.data.get("conditions", ()):
            _add(actor.conditions, condition, event.id)
        actor.settle(event)

    def _position_in_talks(self, event: RecordedEvent) -> None:
        actor = self._touch(event.actor, event.id)
        actor.talks.append(event.id)
        actor.settle(event)

    def _condition_stated(self, event: RecordedEvent) -> None:
        actor = self._touch(event.actor, event.id)
        _add(actor.conditions, event.data["condition"], event.id)
        actor.settle(event)

    def _meeting_convened(self, event: RecordedEvent) -> None:
        data = event.data
        meeting_id = data.get("meeting_id")
        if meeting_id is None:
            self._held.append(meeting_of(event))
        elif meeting_id not in self._held_ids:  # a second report of the same meeting is not a second meeting
            self._held_ids.add(meeting_id)
            self._held.append(meeting_of(event))
            self._scheduled.pop(meeting_id, None)
        participants = data.get("participants")
        if participants and not data.get("external"):
            actors = self._actors
            host = actors.get(event.actor or "")  # `convened_by_member`, inlined: the replay's hot path
            if host is not None and host.stance is not None:
                event_id, occurred = event.id, event.occurred
                for code in participants:
                    # `_touch` and `settle`, inlined: the replay's hottest loop (a meeting reaches every participant)
                    actor = actors.get(code)
                    if actor is None:
                        actor = actors[code] = _Actor()
                    if len(actor.touched) >= actor.prune_at:
                        actor.prune()
                    actor.touched.append(event_id)
                    actor.talks.append(event_id)
                    # in talks now, so the stance is supporting (with offers), the position held, or in talks
                    stance = "supporting" if actor.offers else (actor.position or "in_talks")
                    if stance != actor.stance:
                        actor.stance, actor.since, actor.stance_event = stance, occurred, event_id

    def _meeting_scheduled(self, event: RecordedEvent) -> None:
        meeting_id = event.data["meeting_id"]
        if meeting_id in self._held_ids:
            return  # reported held already (an announcement folded after the report of the meeting)
        self._scheduled.pop(meeting_id, None)  # a new announcement replaces the old and moves to the end
        self._scheduled[meeting_id] = meeting_of(event)

    def _count_reported(self, event: RecordedEvent) -> None:
        self._claims[event.data["subject"]].append(claim_of(event))


def coalition_state(events: Iterable[RecordedEvent], as_of: date) -> CoalitionState:
    """Fold effective events in fold order into the coalition as of a day, ignoring later events."""
    fold = CoalitionFold()
    fold.apply_until(events, as_of)
    return fold.result(as_of)


def state_view(
    state: CoalitionState, *, stream: str | None, as_of: date, known_at: int | str | None, position: int
) -> dict[str, Any]:
    """Return the JSON document `dtl state --json` prints (DESIGN.md) ready for an encoder, members sorted by code.

    Members (dataclasses), claims and meetings (msgspec structs) stay as they
    are, their fields the document's keys in its order, and tuples stand for
    arrays: `render.documents` writes this without building a dict per meeting
    and claim first (at a million events, two hundred thousand of them).
    `state_document` is the same document as plain dicts and lists.
    """
    return {
        "stream": stream,
        "as_of": as_of.isoformat(),
        "known_at": known_at,
        "position": position,
        "members": dict(state.members),
        "stance_counts": dict(state.stance_counts),
        "reported_size": _size_view(state.reported_size),
        "reported_sizes": {subject: _size_view(size) for subject, size in state.reported_sizes.items()},
        "meetings": {"held": state.held, "upcoming": state.upcoming, "unconfirmed": state.unconfirmed},
    }


def state_document(
    state: CoalitionState, *, stream: str | None, as_of: date, known_at: int | str | None, position: int
) -> dict[str, Any]:
    """Return the JSON document `dtl state --json` prints (DESIGN.md) as plain dicts and lists."""
    document: dict[str, Any] = _plain(
        state_view(state, stream=stream, as_of=as_of, known_at=known_at, position=position)
    )
    return document


def _size_view(size: ReportedSize) -> dict[str, Any]:
    return {"latest": size.latest, "claims": size.claims, "named_floor": size.named_floor}


def _plain(value: Any) -> Any:
    """Return a document's value as plain JSON: structs and dataclasses as objects of their fields, tuples as lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, msgspec.Struct):
        return _plain(msgspec.structs.asdict(value))
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}
    return value
