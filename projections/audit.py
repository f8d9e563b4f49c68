"""Audits the log for what does not add up: each finding with a severity, the events and sources, one line.

Errors (the log asserts something it cannot back):

    missing_source              an event that needs a source cites none (corrections and retractions need one too)
    unknown_source              an event cites a source that was never registered
    quote_not_found             a quote is not in its source's stored text
    source_text_mismatch        a stored text no longer matches the sha256 its source was registered with
    occurred_after_publication  an event's earliest day is after the publication of a source reporting it
    missing_target              a correction or retraction amends an event the log does not hold
    broken_hash_chain           the hash chain does not verify

Warnings (honest, but weak):

    single_source                    a member's facts, with the amendments that changed them, rest on one source
    disagreeing_claims               claims about one quantity on one day disagree
    claim_below_named_floor          a claim allows fewer participants than the actors named as supporting by then
    text_absent                      a source is registered without its text
    unverified_quote                 a quote that cannot be checked while its source's text is absent
    missing_quote                    a citation without a quote
    stance_reversed                  an undecided or considering after a pledge whose offers stood: a missing
                                     pledge.withdrawn, or a real change of mind, an analyst should say which
    possible_duplicate               events of one stream, type and actor on overlapping dates, citing a source in
                                     common, that say the same thing (the same data, or the same quote for the same
                                     fact): one report entered twice? (Two sources reporting one fact are not
                                     duplicates: they are what single_source asks for.)
    occurred_long_before_publication an event dated more than ten years before a source reporting it was published

Events are checked as they now stand: corrections applied (a correction may
fix a quote or a date), retracted events left out, amendments checked for
their own sources but not their dates (an amendment's `occurred` is when it was
made). A meeting.scheduled event's `occurred` is its announcement and is
checked; its `scheduled_for` may lie after publication. Member facts are taken
as of the last day the log speaks of, when every effective event counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from events import RecordedEvent, Source, edtf_bounds, kind_of
from projections.coalition import CoalitionFold
from projections.counts import count_series
from projections.provenance import Scope
from projections.replay import AMENDMENT_TYPES
from projections.verification import QuoteChecker

__all__ = ["KINDS", "ChainBreak", "Finding", "Severity", "audit"]

Severity = Literal["error", "warning"]

KINDS: dict[str, Severity] = {
    "missing_source": "error",
    "unknown_source": "error",
    "quote_not_found": "error",
    "source_text_mismatch": "error",
    "occurred_after_publication": "error",
    "missing_target": "error",
    "broken_hash_chain": "error",
    "single_source": "warning",
    "disagreeing_claims": "warning",
    "claim_below_named_floor": "warning",
    "text_absent": "warning",
    "unverified_quote": "warning",
    "missing_quote": "warning",
    "stance_reversed": "warning",
    "possible_duplicate": "warning",
    "occurred_long_before_publication": "warning",
}

# Years between an event and the publication reporting it beyond which the date is likely a typo.
_LONG_BEFORE_YEARS = 10

# The types whose statement downgrades a pledge (DESIGN.md: the audit warns, stance_reversed).
_DOWNGRADING = frozenset({"position.undecided", "position.considering"})

# For each type, the fields that say which fact an event states: two events quoting the same sentence
# are one report entered twice only when they state the same fact (one sentence may give two conditions).
_FACT_FIELDS: dict[str, tuple[str, ...]] = {
    "pledge.made": ("offers",),
    "pledge.withdrawn": ("offers",),
    "position.declined": ("scope",),
    "position.undecided": (),
    "position.considering": (),
    "position.in_talks": (),
    "condition.stated": ("condition",),
    "meeting.scheduled": ("meeting_id",),
    "meeting.convened": ("meeting_id",),
    "count.reported": ("subject", "comparator", "amount"),
    "statement.made": ("summary",),
    "source.registered": ("source_id",),
}

_UNPLACED = 1 << 62  # sorts findings tied to no known event last within their severity


@dataclass(frozen=True)
class ChainBreak:
    """The first row at which the hash chain failed to verify, as the store reported it."""

    position: int
    message: str


@dataclass(frozen=True)
class Finding:
    """One thing the audit found: how bad, what kind, which events and sources, and why in one line."""

    severity: Severity
    kind: str
    events: tuple[str, ...]
    sources: tuple[str, ...]
    message: str

    def to_json(self) -> dict[str, Any]:
        """Return the finding as JSON."""
        return {
            "severity": self.severity,
            "kind": self.kind,
            "events": list(self.events),
            "sources": list(self.sources),
            "message": self.message,
        }


def _excerpt(quote: str, limit: int = 60) -> str:
    flat = " ".join(quote.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _upper_bound(comparator: str, amount: int) -> int | None:
    """Return the most a claim allows: "about" stretches by a fifth; "more than" sets no bound."""
    bounds = {"=": amount, "<=": amount, "<": amount - 1, "~": amount * 6 // 5}
    return bounds.get(comparator)


class _Audit:
    """Collects findings about one scope of the log, each with the position it sorts by."""

    def __init__(
        self,
        events: list[RecordedEvent],
        positions: Mapping[str, int],
        sources: Mapping[str, Source],
        texts: Mapping[str, str],
        stream: str | None,
    ) -> None:
        self.events = {event.id: event for event in events}
        self.positions = positions  # of every event in the log, the ones of other streams too
        self.scope = Scope.of(events, stream)
        self.own_amendments = [
            event for event in events if event.type in AMENDMENT_TYPES and (stream is None or event.stream == stream)
        ]
        self.sources = sources
        self.texts = texts
        self.checker = QuoteChecker(texts)
        self.found: list[tuple[int, Finding]] = []

    def report(
        self, kind: str, events: Iterable[str], sources: Iterable[str], message: str, position: int | None = None
    ) -> None:
        ids = tuple(events)
        if position is None:
            position = self.positions.get(ids[0], _UNPLACED) if ids else _UNPLACED
        self.found.append((position, Finding(KINDS[kind], kind, ids, tuple(sources), message)))

    def findings(self) -> tuple[Finding, ...]:
        ordered = sorted(self.found, key=lambda item: (item[1].severity != "error", item[0], item[1].kind))
        return tuple(finding for _, finding in ordered)

    def check_events(self) -> None:
        amendments = self.scope.amendments
        for event in self.scope.plain:
            effective = amendments.apply(event)
            if effective is not None:
                self.check_citations(effective, (event.id, *amendments.ids_behind(event.id)), dated=True)
        for amendment in self.own_amendments:
            target = amendment.data["target"]
            if target not in self.positions:
                self.report(
                    "missing_target", [amendment.id], [], f"{amendment.type} targets {target!r}, not in the log"
                )
            self.check_citations(amendment, (amendment.id,), dated=False)

    def check_citations(self, event: RecordedEvent, ids: tuple[str, ...], *, dated: bool) -> None:
        if not event.sources and kind_of(event.type).needs_source:
            self.report("missing_source", ids, [], f"{event.type} {event.id} cites no source")
        for source_id, quote in event.sources:
            info = self.sources.get(source_id)
            if info is None:
                self.report("unknown_source", ids, [source_id], f"{event.id} cites {source_id!r}, never registered")
                continue
            status = self.checker.quote_status(source_id, quote)
            if status == "not_found" and quote is not None:
                self.report(
                    "quote_not_found", ids, [source_id], f'"{_excerpt(quote)}" is not in the text of {source_id}'
                )
            elif status == "text_absent":
                self.report(
                    "unverified_quote", ids, [source_id], f"unverified: the text of {source_id} is not attached"
                )
            elif status == "no_quote":
                self.report("missing_quote", ids, [source_id], f"{event.id} cites {source_id} without a quote")
            if not dated:
                continue
            published = date.fromisoformat(info.published)
            if event.earliest > published:
                message = f"{event.id} occurred {event.occurred}, after {source_id} was published on {info.published}"
                self.report("occurred_after_publication", ids, [source_id], message)
            elif event.latest < _years_before(published, _LONG_BEFORE_YEARS):
                message = (
                    f"{event.id} occurred {event.occurred}, more than {_LONG_BEFORE_YEARS} years before "
                    f"{source_id} was published on {info.published}: is the year right?"
                )
                self.report("occurred_long_before_publication", ids, [source_id], message)

    def check_sources(self) -> None:
        cited = {source for event in self.scope.effective for source in event.source_ids}
        cited |= {source for amendment in self.own_amendments for source in amendment.source_ids}
        cited |= {e.data["source_id"] for e in self.scope.plain if e.type == "source.registered"}
        for info in self.sources.values():
            text = self.texts.get(info.id)
            if text is not None and hashlib.sha256(text.encode("utf-8")).hexdigest() != info.sha256:
                message = f"the stored text of {info.id} no longer matches its sha256 {info.sha256}"
                self.report("source_text_mismatch", [info.event_id], [info.id], message)
            elif text is None and info.id in cited:
                fix = "attach it to verify them" if info.sha256 else "no sha256 either, so none can be attached"
                message = f"{info.id} is registered without its text, so its quotes cannot be verified ({fix})"
                self.report("text_absent", [info.event_id], [info.id], message)

    def check_facts(self) -> None:
        effective = self.scope.effective
        fold = CoalitionFold()
        for event in effective:
            if event.type in _DOWNGRADING and fold.stance(event.actor) == "supporting":
                self.check_reversal(fold, event)
            fold.apply(event)
        last_day = max((event.latest for event in effective), default=date.min)
        current = {event.id: event for event in effective}
        amendments = self.scope.amendments
        for code, member in fold.result(last_day).members.items():
            ids = [i for event_id in member.events for i in (event_id, *amendments.ids_behind(event_id))]
            cited = dict.fromkeys(source for i in ids for source in (current.get(i) or self.events[i]).source_ids)
            if len(cited) == 1:
                message = f"{code} ({member.stance}) rests on a single source, {next(iter(cited))}"
                self.report("single_source", ids, cited, message)

    def check_reversal(self, fold: CoalitionFold, event: RecordedEvent) -> None:
        """Warn that an undecided or considering is about to set aside a pledge's standing offers."""
        assert event.actor is not None, "position events always name an actor"
        behind = fold.fact_events(event.actor)
        assert behind is not None, "a supporting actor has facts"
        pledges = list(dict.fromkeys(event_id for ids in behind.offers.values() for event_id in ids))
        sources = dict.fromkeys(s for i in (*pledges, event.id) for s in self.events[i].source_ids)
        said = event.type.removeprefix("position.")
        message = (
            f"{event.actor} said {said} on {event.occurred} ({event.id}) after pledging "
            f"{', '.join(behind.offers)} ({', '.join(pledges)}): a change of mind, or a pledge.withdrawn missing?"
        )
        self.report("stance_reversed", [*pledges, event.id], sources, message, position=event.position)

    def check_duplicates(self) -> None:
        """Warn about events of one stream, type and actor on overlapping dates that say the same thing.

        The same thing, as one source reports it: they cite a source in common
        and carry the same data, or the same quote of it for the same fact.
        """
        # candidates by a hash of (stream, type, actor, source, data) for each source cited and of (stream, type,
        # actor, source, fact, quote) for each quote; a list only for a hash seen twice (most events are alone),
        # and every pair is compared again
        first_seen: dict[int, RecordedEvent] = {}
        buckets: dict[int, list[RecordedEvent]] = {}
        for event in self.scope.effective:
            head = (event.stream, event.type, event.actor)
            data = json.dumps(event.data, sort_keys=True)
            keys = [hash((*head, source, data)) for source in event.source_ids]
            quoted = [(source, " ".join(quote.split())) for source, quote in event.sources if quote]
            if quoted:
                fact = _fact_of(event)
                keys += [hash((*head, source, fact, quote)) for source, quote in quoted]
            for key in set(keys):  # a set: two keys of one event whose hashes meet make no pair
                seen = first_seen.setdefault(key, event)
                if seen is not event:
                    buckets.setdefault(key, [seen]).append(event)
        del first_seen
        linked = _Links()
        for bucket in buckets.values():
            # sorted by earliest day, an event overlaps the run before it when it starts by the run's last day
            bucket.sort(key=lambda event: (event.earliest, event.latest, event.position))
            previous, reach = bucket[0], bucket[0].latest
            for event in bucket[1:]:
                if event.earliest <= reach and _same_report(previous, event):
                    linked.join(previous, event)
                    reach = max(reach, event.latest)
                else:
                    reach = event.latest
                previous = event
        for group in linked.groups():
            first = group[0]
            sources = dict.fromkeys(source for event in group for source in event.source_ids)
            who = f" about {first.actor}" if first.actor else ""
            message = (
                f"{len(group)} {first.type} events{who} on overlapping dates say the same thing "
                f"({', '.join(event.id for event in group)}): one report entered twice?"
            )
            self.report("possible_duplicate", [event.id for event in group], sources, message)

    def check_claims(self) -> None:
        by_day: dict[tuple[str, str], list[RecordedEvent]] = {}
        for event in self.scope.effective:
            if event.type == "count.reported":
                earliest, latest = edtf_bounds(event.occurred)
                day = earliest.isoformat() if earliest == latest else event.occurred
                by_day.setdefault((event.data["subject"], day), []).append(event)
        for (subject, day), claims in by_day.items():
            values = dict.fromkeys(f"{claim.data['comparator']} {claim.data['amount']:,}" for claim in claims)
            if len(values) > 1:
                claims.sort(key=lambda claim: claim.position)
                sources = dict.fromkeys(source for claim in claims for source in claim.source_ids)
                message = f"{len(claims)} claims about {subject} on {day} disagree: {', '.join(values)}"
                self.report("disagreeing_claims", [claim.id for claim in claims], sources, message)
        for point in count_series(self.scope.effective, "participants"):
            upper = _upper_bound(point["comparator"], point["amount"])
            if upper is not None and upper < point["named_floor"]:
                claim = f"{point['comparator']} {point['amount']}" + (f" ({point['raw']})" if point["raw"] else "")
                message = (
                    f"the claim {claim} allows at most {upper} participants, "
                    f"but {point['named_floor']} actors are named as supporting by {point['as_of']}"
                )
                self.report("claim_below_named_floor", [point["event"]], point["sources"], message)


def _years_before(day: date, years: int) -> date:
    """Return the same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _fact_of(event: RecordedEvent) -> str:
    """Return which fact an event states, as a comparable string (all its data for types not listed)."""
    fields = _FACT_FIELDS.get(event.type)
    data = event.data
    chosen = data if fields is None else {field: data.get(field) for field in fields}
    if event.type == "position.declined":
        chosen = {"scope": data.get("scope", "participation")}
    return json.dumps(chosen, sort_keys=True)


def _same_report(first: RecordedEvent, second: RecordedEvent) -> bool:
    """Say whether two events of one stream, type and actor, citing a source in common, say the same thing.

    The same thing: the same data, or the same quote (of the same source) for the same fact.
    """
    if (first.stream, first.type, first.actor) != (second.stream, second.type, second.actor):
        return False  # two keys' hashes met
    if first.data == second.data:
        return not set(first.source_ids).isdisjoint(second.source_ids)
    quotes = {(source, " ".join(quote.split())) for source, quote in first.sources if quote}
    shared = any(quote and (source, " ".join(quote.split())) in quotes for source, quote in second.sources)
    return shared and _fact_of(first) == _fact_of(second)


class _Links:
    """Groups of events linked pairwise (union-find), each group listed in position order."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._events: dict[str, RecordedEvent] = {}

    def _root(self, event_id: str) -> str:
        parent = self._parent
        while parent[event_id] != event_id:
            parent[event_id] = parent[parent[event_id]]
            event_id = parent[event_id]
        return event_id

    def join(self, first: RecordedEvent, second: RecordedEvent) -> None:
        for event in (first, second):
            if event.id not in self._parent:
                self._parent[event.id] = event.id
                self._events[event.id] = event
        self._parent[self._root(first.id)] = self._root(second.id)

    def groups(self) -> list[list[RecordedEvent]]:
        by_root: dict[str, list[RecordedEvent]] = {}
        for event_id, event in self._events.items():
            by_root.setdefault(self._root(event_id), []).append(event)
        groups = [sorted(group, key=lambda event: event.position) for group in by_root.values()]
        return sorted(groups, key=lambda group: group[0].position)


def audit(
    events: Iterable[RecordedEvent],
    sources: Mapping[str, Source],
    texts: Mapping[str, str],
    *,
    stream: str | None = None,
    chain: ChainBreak | None = None,
) -> tuple[Finding, ...]:
    """Audit the whole log, or one stream of it, and return the findings: errors first, then by event position.

    `events` is the whole log (amendment targets are looked up in all of it);
    `sources` maps every registered source id to its metadata; `texts` maps
    source ids to their stored texts; `chain` is where the hash chain broke.
    """
    # only the stream's events and every amendment are held whole; of the others, their position is enough
    held: list[RecordedEvent] = []
    positions: dict[str, int] = {}
    for event in events:
        positions[event.id] = event.position
        if stream is None or event.stream == stream or event.type in AMENDMENT_TYPES:
            held.append(event)
    run = _Audit(held, positions, sources, texts, stream)
    if chain is not None:
        at = [event_id for event_id, position in positions.items() if position == chain.position]
        run.report("broken_hash_chain", at, [], chain.message, position=chain.position)
    run.check_events()
    run.check_sources()
    run.check_facts()
    run.check_duplicates()
    run.check_claims()
    return run.findings()
