"""Explains why each fact holds: the events behind it, their amendments, and what their sources really say.

Everything here is a pure function of plain inputs: the recorded events
(amendments included), the registered sources' metadata and the stored texts.
The facts themselves come from `CoalitionFold`; this module follows their event
ids back to sources and quotes, and lists every other event about the actor
too, saying what each changed or why it changed nothing (a stance already
held, a meeting a non-member convened, a statement that changes no stance).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from events import RecordedEvent, Source, SourceText
from projections.changes import touches
from projections.coalition import CoalitionFold, FactEvents, Member, ReportedSize
from projections.replay import AMENDMENT_TYPES, Amendments, amended, fold_key
from projections.verification import QuoteChecker, QuoteStatus

__all__ = [
    "ActorProvenance",
    "Citation",
    "CountProvenance",
    "Effect",
    "Evidence",
    "Fact",
    "QuoteSpan",
    "Scope",
    "explain_actor",
    "explain_count",
    "quote_spans",
]


@dataclass(frozen=True)
class Scope:
    """What one stream's projections see: its own events, with amendments from any stream applied."""

    plain: tuple[RecordedEvent, ...]
    amendments: Amendments
    effective: tuple[RecordedEvent, ...]

    @classmethod
    def of(cls, events: Iterable[RecordedEvent], stream: str | None) -> Scope:
        """Split events into the stream's plain events, every amendment, and the effective events in fold order."""
        events = list(events)
        plain = tuple(e for e in events if e.type not in AMENDMENT_TYPES and (stream is None or e.stream == stream))
        amendments = Amendments.collect(events)
        return cls(plain, amendments, tuple(sorted(amended(plain, amendments), key=fold_key)))


@dataclass(frozen=True)
class Citation:
    """One source an event cites, its quote, and whether the quote was found in the stored text."""

    source: str
    quote: str | None
    status: QuoteStatus
    info: Source | None

    @property
    def verified(self) -> bool:
        """Say whether the quote was found in the source's stored text."""
        return self.status == "verified"

    def to_json(self) -> dict[str, Any]:
        """Return the citation with the source's metadata (null fields when the source is unknown)."""
        info = self.info
        return {
            "source": self.source,
            "publisher": None if info is None else info.publisher,
            "published": None if info is None else info.published,
            "title": None if info is None else info.title,
            "url": None if info is None else info.url,
            "quote": self.quote,
            "status": self.status,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class Effect:
    """What one event did to the actor explained: the facts it changed, or why it changed nothing."""

    changed: tuple[str, ...]
    unchanged_because: str | None

    @classmethod
    def nothing(cls, because: str) -> Effect:
        """Return the effect of an event that changed none of the actor's facts."""
        return cls((), because)


@dataclass(frozen=True)
class Evidence:
    """An event as it now stands, its citations, and the corrections and retractions that changed it.

    `effect` says what the event did to the actor explained (None where the
    question is not about an actor: amendments, claims about a quantity).
    """

    event: RecordedEvent
    citations: tuple[Citation, ...]
    amendments: tuple[Evidence, ...] = ()
    effect: Effect | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the event, its sources and its amendments as JSON, with its effect when it has one.

        `speaker` is there only when the event names who said it (as timelines list events).
        """
        event = self.event
        effect = self.effect
        document: dict[str, Any] = {
            "id": event.id,
            "type": event.type,
            "stream": event.stream,
            "position": event.position,
            "recorded_by": event.recorded_by,
            "occurred": event.occurred,
            "occurred_text": event.occurred_text,
            "actor": event.actor,
            "data": event.data,
            "note": event.note,
            "sources": [citation.to_json() for citation in self.citations],
            "amendments": [amendment.to_json() for amendment in self.amendments],
            "changed": None if effect is None else list(effect.changed),
            "changed_nothing_because": None if effect is None else effect.unchanged_because,
        }
        if event.speaker is not None:
            document["speaker"] = event.speaker
        return document


@dataclass(frozen=True)
class Fact:
    """One fact about an actor and the events behind it.

    Names: `stance`, `offer` (standing; note "tentative" when only tentative
    pledges made it), `offered_earlier` (set aside by a later undecided or
    considering, no longer standing), `ruled_out`, `condition`.
    """

    name: str
    value: str
    events: tuple[str, ...]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the fact as JSON."""
        return {"fact": self.name, "value": self.value, "events": list(self.events), "note": self.note}


@dataclass(frozen=True)
class ActorProvenance:
    """Why an actor stands where it does as of a day.

    `evidence` is every event about the actor that counts by then (as its
    actor or a participant), in fold order, each with its effect; `set_aside`
    holds the events amendments took away from it.
    """

    actor: str
    as_of: date
    member: Member | None
    facts: tuple[Fact, ...]
    evidence: tuple[Evidence, ...]
    set_aside: tuple[Evidence, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the explanation as the document `dtl why ACTOR --json` prints (without its query fields)."""
        return {
            "actor": self.actor,
            "as_of": self.as_of.isoformat(),
            "member": None if self.member is None else self.member.to_json(),
            "facts": [fact.to_json() for fact in self.facts],
            "events": [item.to_json() for item in self.evidence],
            "set_aside": [item.to_json() for item in self.set_aside],
        }


@dataclass(frozen=True)
class CountProvenance:
    """Why a quantity is reported as it is as of a day: every claim with its evidence, and the named floor."""

    as_of: date
    size: ReportedSize
    supporting: tuple[str, ...]
    evidence: tuple[Evidence, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the explanation as the document `dtl why --count --json` prints (without its query fields)."""
        latest = self.size.latest
        return {
            "subject": self.size.subject,
            "as_of": self.as_of.isoformat(),
            "latest": None if latest is None else latest.event,
            "named_floor": self.size.named_floor,
            "named_supporting": list(self.supporting) if self.size.named_floor is not None else None,
            "claims": [claim.to_json() for claim in self.size.claims],
            "events": [item.to_json() for item in self.evidence],
        }


@dataclass(frozen=True)
class QuoteSpan:
    """Where one citing event's quote sits in a source's text: character offsets, None when not found."""

    event: str
    type: str
    position: int
    quote: str | None
    status: QuoteStatus
    start: int | None
    end: int | None

    def to_json(self) -> dict[str, Any]:
        """Return the span as JSON."""
        return {
            "event": self.event,
            "type": self.type,
            "position": self.position,
            "quote": self.quote,
            "status": self.status,
            "start": self.start,
            "end": self.end,
        }


class _Citer:
    """Builds evidence from events: each citation checked once against the stored texts."""

    def __init__(self, scope: Scope, sources: Mapping[str, Source], texts: Mapping[str, str]) -> None:
        self._scope = scope
        self._sources = sources
        self._checker = QuoteChecker(texts)

    def citations(self, event: RecordedEvent) -> tuple[Citation, ...]:
        return tuple(
            Citation(source, quote, self._checker.quote_status(source, quote), self._sources.get(source))
            for source, quote in event.sources
        )

    def evidence(self, event: RecordedEvent, effect: Effect | None = None) -> Evidence:
        amendments = self._scope.amendments
        retraction = amendments.retractions.get(event.id)
        changes = [*amendments.corrections.get(event.id, ()), *([retraction] if retraction else [])]
        return Evidence(event, self.citations(event), tuple(Evidence(a, self.citations(a)) for a in changes), effect)


def _fold(scope: Scope, as_of: date) -> CoalitionFold:
    fold = CoalitionFold()
    fold.apply_until(scope.effective, as_of)
    return fold


def explain_actor(
    events: Iterable[RecordedEvent],
    actor: str,
    as_of: date,
    sources: Mapping[str, Source],
    texts: Mapping[str, str],
    *,
    stream: str | None = None,
) -> ActorProvenance:
    """Return the actor's facts as of a day, each with the events behind it, down to sources and quotes.

    Every event about the actor that counts by then is listed with its effect,
    including those that changed nothing.
    """
    scope = Scope.of(events, stream)
    citer = _Citer(scope, sources, texts)
    fold = CoalitionFold()
    evidence = []
    for event in scope.effective:
        if event.latest > as_of:
            break
        if not touches(event, actor):
            fold.apply(event)
            continue
        before, by_member = _values(fold.fact_events(actor)), fold.convened_by_member(event)
        fold.apply(event)
        after = _values(fold.fact_events(actor))
        changed = _changes(before, after)
        effect = Effect(changed, None) if changed else Effect.nothing(_unchanged(event, actor, before, by_member))
        evidence.append(citer.evidence(event, effect))
    set_aside = tuple(citer.evidence(event) for event in _set_aside(scope, actor, as_of))
    return ActorProvenance(
        actor, as_of, fold.member(actor), _facts(fold.fact_events(actor)), tuple(evidence), set_aside
    )


def _facts(behind: FactEvents | None) -> tuple[Fact, ...]:
    """Return the actor's facts, each with the ids behind it, in the order the state lists them."""
    if behind is None:
        return ()
    facts = [] if behind.stance is None else [Fact("stance", behind.stance, behind.stance_events)]
    tentative = set(behind.tentative_offers)
    facts.extend(
        Fact("offer", value, ids, "tentative" if value in tentative else None) for value, ids in behind.offers.items()
    )
    facts.extend(Fact("offered_earlier", value, ids, "not standing") for value, ids in behind.offered_earlier.items())
    facts.extend(Fact("ruled_out", value, ids) for value, ids in behind.ruled_out.items())
    facts.extend(Fact("condition", value, ids) for value, ids in behind.conditions.items())
    return tuple(facts)


# An actor's facts as plain values: stance, offers, tentative offers, offered earlier, ruled out, conditions.
_Values = tuple[str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_LIST_FACTS = ("offers", "tentative offers", "offered earlier, not standing", "ruled out", "conditions")


def _values(behind: FactEvents | None) -> _Values:
    if behind is None:
        return None, (), (), (), (), ()
    return (
        behind.stance,
        tuple(behind.offers),
        behind.tentative_offers,
        tuple(behind.offered_earlier),
        tuple(behind.ruled_out),
        tuple(behind.conditions),
    )


def _changes(before: _Values, after: _Values) -> tuple[str, ...]:
    """Return, one phrase each, the facts that differ: "stance undecided -> considering", "offers + troops"."""
    changes = []
    if before[0] != after[0]:
        changes.append(f"stance {before[0] or 'not a member'} -> {after[0] or 'not a member'}")
    for name, was, now in zip(_LIST_FACTS, before[1:], after[1:], strict=True):
        added, removed = [v for v in now if v not in was], [v for v in was if v not in now]
        if added:
            changes.append(f"{name} + {', '.join(added)}")
        if removed:
            changes.append(f"{name} - {', '.join(removed)}")
    return tuple(changes)


# Why an event of these types never changes a stance, whatever the actor's facts.
_NEVER_CHANGES = {
    "statement.made": "a statement changes no stance",
    "count.reported": "a claim about a quantity changes no stance",
    "meeting.scheduled": "an announced meeting changes no stance",
}


def _unchanged(event: RecordedEvent, actor: str, before: _Values, by_member: bool) -> str:
    """Say why an event about the actor changed none of its facts (`by_member`: as the fold judged a meeting)."""
    kind, data, stance = event.type, event.data, before[0]
    held = f"stance already {stance}" if stance is not None else "not a member"
    if kind in _NEVER_CHANGES:
        return _NEVER_CHANGES[kind]
    if kind == "meeting.convened":
        if actor not in data.get("participants", ()):
            return "hosting a meeting changes no stance"
        if data.get("external"):
            return "a meeting marked external makes nobody a member"
        if not by_member:
            return f"a meeting convened by a non-member ({event.actor})"
        return f"{held}: in talks never lowers a stance"
    if kind == "position.in_talks":
        return f"{held}: in talks never lowers a stance"
    if kind in ("position.undecided", "position.considering"):
        return held
    if kind == "position.declined":
        scope = data.get("scope", "participation")
        return held if scope == "participation" else f"{scope} already ruled out"
    if kind == "pledge.made":
        return "an offer already standing" if len(data["offers"]) == 1 else "its offers already standing"
    if kind == "pledge.withdrawn":
        return "no such offer standing"
    if kind == "condition.stated":
        return "the condition already stated"
    return "changes no fact about the actor"


def _set_aside(scope: Scope, actor: str, as_of: date) -> list[RecordedEvent]:
    """Return the actor's events counted by as_of as first recorded that amendments retracted, moved or re-assigned."""
    targets = scope.amendments.targets()
    return [
        event
        for event in scope.plain
        if event.id in targets
        and _counts(event, actor, as_of)
        and not _counts(scope.amendments.apply(event), actor, as_of)
    ]


def _counts(event: RecordedEvent | None, actor: str, as_of: date) -> bool:
    return event is not None and touches(event, actor) and event.latest <= as_of


def explain_count(
    events: Iterable[RecordedEvent],
    subject: str,
    as_of: date,
    sources: Mapping[str, Source],
    texts: Mapping[str, str],
    *,
    stream: str | None = None,
) -> CountProvenance:
    """Return every claim about a quantity counted as of a day, with its evidence, beside the named floor."""
    scope = Scope.of(events, stream)
    state = _fold(scope, as_of).result(as_of)
    size = state.reported_sizes[subject]
    claimed = {claim.event for claim in size.claims}
    citer = _Citer(scope, sources, texts)
    supporting = tuple(code for code, member in state.members.items() if member.stance == "supporting")
    evidence = tuple(citer.evidence(event) for event in scope.effective if event.id in claimed)
    return CountProvenance(as_of, size, supporting, evidence)


def quote_spans(events: Iterable[RecordedEvent], source_id: str, text: str | None) -> tuple[QuoteSpan, ...]:
    """Return where each quote citing a source sits in its text: as events now stand, amendments' own included.

    A retracted event cites nothing; a corrected one cites what its correction says.
    """
    events = list(events)
    amendments = [event for event in events if event.type in AMENDMENT_TYPES]
    citing = sorted([*Scope.of(events, None).effective, *amendments], key=lambda event: event.position)
    located = None if text is None else SourceText(text)
    checker = QuoteChecker({} if text is None else {source_id: text})
    spans = []
    for event in citing:
        for cited, quote in event.sources:
            if cited != source_id:
                continue
            span = None if located is None or quote is None else located.locate(quote)
            start, end = (None, None) if span is None else span
            status = checker.quote_status(source_id, quote)
            spans.append(QuoteSpan(event.id, event.type, event.position, quote, status, start, end))
    return tuple(spans)
