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

    single_source               a member's facts, with the amendments that changed them, rest on one source
    disagreeing_claims          claims about one quantity on one day disagree
    claim_below_named_floor     a claim allows fewer participants than the actors named as supporting by then
    text_absent                 a source is registered without its text
    unverified_quote            a quote that cannot be checked while its source's text is absent
    missing_quote               a citation without a quote

Events are checked as they now stand: corrections applied (a correction may
fix a quote or a date), retracted events left out, amendments checked for
their own sources but not their dates (an amendment's `occurred` is when it was
made). A meeting.scheduled event's `occurred` is its announcement and is
checked; its `scheduled_for` may lie after publication. Member facts are taken
as of the last day the log speaks of, when every effective event counts.
"""

from __future__ import annotations

import hashlib
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
        sources: Mapping[str, Source],
        texts: Mapping[str, str],
        stream: str | None,
    ) -> None:
        self.events = {event.id: event for event in events}
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
            first = self.events.get(ids[0]) if ids else None
            position = _UNPLACED if first is None else first.position
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
            if target not in self.events:
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
            if dated and event.earliest > date.fromisoformat(info.published):
                message = f"{event.id} occurred {event.occurred}, after {source_id} was published on {info.published}"
                self.report("occurred_after_publication", ids, [source_id], message)

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
    run = _Audit(list(events), sources, texts, stream)
    if chain is not None:
        at = [event.id for event in run.events.values() if event.position == chain.position]
        run.report("broken_hash_chain", at, [], chain.message, position=chain.position)
    run.check_events()
    run.check_sources()
    run.check_facts()
    run.check_claims()
    return run.findings()
