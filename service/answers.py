"""What the use cases answer: plain values for people's tables, and the JSON documents of DESIGN.md.

Every document a read prints (`--json` on the command line, the body of the
HTTP API) is built here, once, by an answer's `to_json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from core import AppendResult, VerifyReport
    from events import RecordedEvent, Source
    from projections.audit import Finding
    from projections.coalition import Claim as Claim
    from projections.coalition import CoalitionState, ReportedSize
    from projections.provenance import ActorProvenance as ActorProvenance
    from projections.provenance import Citation as Citation
    from projections.provenance import CountProvenance as CountProvenance
    from projections.provenance import Evidence as Evidence
    from projections.provenance import QuoteSpan
    from service.dates import Resolution
    from service.queries import Query

__all__ = [
    "AppendAnswer",
    "AppendedAnswer",
    "AuditAnswer",
    "CopyAnswer",
    "CountAnswer",
    "DiffAnswer",
    "HistoryAnswer",
    "InitAnswer",
    "LoggedEvent",
    "ReportAnswer",
    "SeriesAnswer",
    "SourceAnswer",
    "StateAnswer",
    "TimelineAnswer",
    "VerifyAnswer",
    "WhyAnswer",
    "sources_document",
]


@dataclass(frozen=True)
class InitAnswer:
    """The database initialised or upgraded: its masked URL and the schema revisions before and after."""

    url: str
    before: str | None
    after: str


@dataclass(frozen=True)
class AppendAnswer:
    """What an append wrote, and how a relative date phrase was resolved when one was."""

    result: AppendResult
    resolution: Resolution | None = None

    def to_json(self) -> dict[str, Any]:
        """Return `{"appended": ..., "unchanged": ...}`, with `resolved` when a phrase was resolved."""
        last = self.result.last
        document: dict[str, Any] = {
            "appended": None if last is None else last.__dict__,
            "unchanged": self.result.unchanged or None,
        }
        if self.resolution is not None:
            document["resolved"] = self.resolution.to_json()
        return document


@dataclass(frozen=True)
class LoggedEvent:
    """An event as recorded, and whether its quotes check out (None: nothing to check them against)."""

    event: RecordedEvent
    verified: bool | None

    def to_json(self) -> dict[str, Any]:
        """Return the event's envelope with what the store added, as `dtl log --json` lists it."""
        event = self.event
        record = event.envelope()
        record.update(
            position=event.position,
            stream_version=event.stream_version,
            recorded_at=event.recorded_at,
            recorded_by=event.recorded_by,
            hash=event.hash,
            verified=self.verified,
        )
        return record


def sources_document(sources: list[Source]) -> dict[str, Any]:
    """Return `{"sources": [...]}`: every registered source and whether its text is stored."""
    return {"sources": [{**source.to_json(), "text": source.has_text} for source in sources]}


@dataclass(frozen=True)
class SourceAnswer:
    """One source: its metadata, its stored text (if any), and where each citing quote stands in it."""

    source: Source
    text: str | None
    spans: tuple[QuoteSpan, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the source, its citations with character offsets, and its text."""
        return {
            "source": {
                **self.source.to_json(),
                "registered_by": self.source.event_id,
                "text_attached": self.text is not None,
            },
            "citations": [span.to_json() for span in self.spans],
            "text": self.text,
        }


@dataclass(frozen=True)
class StateAnswer:
    """The coalition as of a day, known at a bound, and the log position that answered."""

    query: Query
    position: int
    state: CoalitionState
    notes: tuple[str, ...] = ()  # what the answer means when the question reached outside the log

    def to_json(self) -> dict[str, Any]:
        """Return the state document of DESIGN.md as plain dicts and lists."""
        from projections.coalition import state_document

        query = self.query
        return state_document(
            self.state, stream=query.stream, as_of=query.as_of, known_at=query.known_at, position=self.position
        )

    def view(self) -> dict[str, Any]:
        """Return the same document ready for an encoder, without a dict per member, claim and meeting."""
        from projections.coalition import state_view

        query = self.query
        return state_view(
            self.state, stream=query.stream, as_of=query.as_of, known_at=query.known_at, position=self.position
        )


@dataclass(frozen=True)
class CountAnswer:
    """Every claim about one quantity as of a day, with the named floor."""

    query: Query
    subject: str
    position: int
    size: ReportedSize
    notes: tuple[str, ...] = ()  # what the answer means when the question reached outside the log

    def to_json(self) -> dict[str, Any]:
        """Return the claims about the subject as of the day, the latest and the named floor."""
        query = self.query
        return {
            "stream": query.stream,
            "subject": self.subject,
            "as_of": query.as_of.isoformat(),
            "known_at": query.known_at,
            "position": self.position,
            **self.size.to_json(),
        }


@dataclass(frozen=True)
class SeriesAnswer:
    """Every claim about one quantity over time, with the named floor beside each."""

    stream: str
    subject: str
    known_at: int | str | None
    points: list[dict[str, Any]]
    notes: tuple[str, ...] = ()  # what the answer means when the question reached outside the log

    def to_json(self) -> dict[str, Any]:
        """Return the series of claims."""
        return {"stream": self.stream, "subject": self.subject, "known_at": self.known_at, "series": self.points}


@dataclass(frozen=True)
class TimelineAnswer:
    """Events in the order they happened within a window, as asked (`start` and `end` as given)."""

    stream: str
    start: str | None
    end: str | None
    entries: list[dict[str, Any]]
    notes: tuple[str, ...] = ()  # what the answer means when the question reached outside the log

    def to_json(self) -> dict[str, Any]:
        """Return the window and its events."""
        return {"stream": self.stream, "from": self.start, "to": self.end, "events": self.entries}


@dataclass(frozen=True)
class DiffAnswer:
    """What changed between two days, with both states for people's wording."""

    stream: str
    changes: dict[str, Any]
    before: CoalitionState
    after: CoalitionState
    notes: tuple[str, ...] = ()  # what the answer means when the question reached outside the log

    def to_json(self) -> dict[str, Any]:
        """Return who joined and left, stance and fact changes, claims that appeared or disappeared."""
        return {"stream": self.stream, **self.changes}


@dataclass(frozen=True)
class HistoryAnswer:
    """One actor's events in fold order, each with the actor's facts right after it."""

    stream: str
    actor: str
    entries: list[dict[str, Any]]
    notes: tuple[str, ...] = ()  # what the answer means when the question reached outside the log

    def to_json(self) -> dict[str, Any]:
        """Return the actor's history."""
        return {"stream": self.stream, "actor": self.actor, "history": self.entries}


# what a why answer explains: an actor's standing, or the reported size
Explained = TypeVar("Explained", "ActorProvenance", "CountProvenance")


@dataclass(frozen=True)
class WhyAnswer(Generic[Explained]):
    """Why an actor stands where it does, or the size is what it is, as of a day: down to sources and quotes."""

    query: Query
    position: int
    explained: Explained
    notes: tuple[str, ...] = ()  # what the answer means when the question reached outside the log

    def to_json(self) -> dict[str, Any]:
        """Return the question and its explanation."""
        query = self.query
        asked = {"stream": query.stream, "as_of": query.as_of.isoformat(), "known_at": query.known_at}
        return {**asked, "position": self.position, **self.explained.to_json()}


@dataclass(frozen=True)
class AuditAnswer:
    """What the audit found, errors first."""

    stream: str | None
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(finding.severity == "error" for finding in self.findings)

    @property
    def warnings(self) -> int:
        """How many findings are warnings."""
        return len(self.findings) - self.errors

    def to_json(self) -> dict[str, Any]:
        """Return the findings with their tally."""
        errors = self.errors
        return {
            "stream": self.stream,
            "ok": errors == 0,
            "errors": errors,
            "warnings": len(self.findings) - errors,
            "findings": [finding.to_json() for finding in self.findings],
        }


@dataclass(frozen=True)
class VerifyAnswer:
    """The hash chain checked: how many rows, and the head."""

    report: VerifyReport

    def to_json(self) -> dict[str, Any]:
        """Return the outcome and the head position and hash."""
        report = self.report
        return {
            "ok": True,
            "events": report.count,
            "head": {"position": report.head_position, "hash": report.head_hash},
        }


@dataclass(frozen=True)
class AppendedAnswer:
    """Where each event of an append is: those it wrote, in position order, then those the log held already."""

    landed: tuple[tuple[str, int, int, str], ...]  # (id, position, stream version, hash)

    def to_json(self) -> dict[str, Any]:
        """Return `{"appended": [{"id", "position", "stream_version", "hash"}, ...]}`."""
        keys = ("id", "position", "stream_version", "hash")
        return {"appended": [dict(zip(keys, entry, strict=True)) for entry in self.landed]}


@dataclass(frozen=True)
class CopyAnswer:
    """A whole log copied into another database, and the copy verified there."""

    to: str
    report: VerifyReport
    texts: int

    def to_json(self) -> dict[str, Any]:
        """Return where the copy went, what it holds and its head (the source's head)."""
        report = self.report
        return {
            "to": self.to,
            "events": report.count,
            "texts": self.texts,
            "head": {"position": report.head_position, "hash": report.head_hash},
            "verified": True,
        }


@dataclass(frozen=True)
class ReportAnswer:
    """The offline HTML report, and what it holds."""

    html: str
    events: int
    errors: int
    warnings: int
