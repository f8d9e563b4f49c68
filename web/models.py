"""The request and response shapes /openapi.json describes (documentation only: answers are the service's documents).

Routes return the service's `to_json()` documents as they are, never filtered
through these models, so a document equals the CLI's `--json` output; the
models name the fields a client can count on and allow the rest.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AppendedEvents",
    "AuditDocument",
    "CountDocument",
    "DiffDocument",
    "ErrorDocument",
    "EventDocument",
    "EventsPage",
    "HistoryDocument",
    "InterchangeEvent",
    "SourceDocument",
    "SourceRegistration",
    "SourcesDocument",
    "StateDocument",
    "TimelineDocument",
    "VerifyDocument",
    "WhyDocument",
]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    """What was refused and where: a JSON pointer into the body or a parameter's name, an NDJSON line."""

    message: str
    field: str | None = None
    line: int | None = None
    hint: str | None = None


class ErrorDocument(BaseModel):
    """Every 4xx and 5xx answer."""

    error: ErrorDetail


class SourceCitation(_Open):
    """A source an event cites, and the quote from it."""

    source: str
    quote: str | None = None


class InterchangeEvent(_Open):
    """One event in the interchange format of DESIGN.md (one line of an NDJSON body)."""

    id: str | None = Field(None, max_length=128)
    type: str = Field(examples=["pledge.made"])
    stream: str | None = None
    occurred: str | None = Field(None, examples=["2025-03-10"])
    occurred_text: str | None = None
    actor: str | None = Field(None, examples=["PL"])
    speaker: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    sources: list[SourceCitation] = Field(default_factory=list)
    note: str | None = None


class AppendedEvent(BaseModel):
    """Where one posted event is in the log (new, or already there with the same content)."""

    id: str
    position: int
    stream_version: int
    hash: str


class AppendedEvents(BaseModel):
    """The answer to POST /api/events: 201 when any event was new, 200 when all were already present."""

    appended: list[AppendedEvent]


class EventDocument(_Open):
    """An event as recorded: its envelope, what the store added, and whether its quotes check out."""

    id: str
    type: str
    stream: str
    occurred: str
    position: int
    stream_version: int
    recorded_at: str
    hash: str
    verified: bool | None


class EventsPage(BaseModel):
    """A page of the log in position order; `next` is the `after` of the next page, null at the end."""

    events: list[EventDocument]
    next: int | None


class StateDocument(_Open):
    """The coalition as of a day, known at a bound: `dtl state --json`."""

    stream: str
    as_of: str
    known_at: int | str | None
    position: int
    members: dict[str, Any]
    stance_counts: dict[str, int]
    reported_size: dict[str, Any]
    meetings: dict[str, Any]


class CountDocument(_Open):
    """Every claim about a quantity as of a day, or (series) over time: `dtl count --json`."""

    stream: str
    subject: str


class DiffDocument(_Open):
    """What changed between two days: `dtl diff --json`."""

    stream: str


class TimelineDocument(_Open):
    """Events in the order they happened: `dtl timeline --json`."""

    stream: str
    events: list[dict[str, Any]]


class HistoryDocument(_Open):
    """One actor's events with its facts after each: `dtl history --json`."""

    stream: str
    actor: str
    history: list[dict[str, Any]]


class WhyDocument(_Open):
    """Why an actor stands where it does, down to sources and quotes: `dtl why --json`."""

    stream: str
    as_of: str
    position: int


class AuditDocument(_Open):
    """The audit's findings: `dtl audit --json`."""

    ok: bool
    errors: int
    warnings: int
    findings: list[dict[str, Any]]


class VerifyDocument(_Open):
    """The hash chain checked: `dtl verify --json` (a broken chain is 409)."""

    ok: Literal[True]
    events: int
    head: dict[str, Any]


class SourcesDocument(_Open):
    """Every registered source: `dtl source list --json`."""

    sources: list[dict[str, Any]]


class SourceDocument(_Open):
    """One source, its citations and its text: `dtl source show --json`."""

    source: dict[str, Any]
    citations: list[dict[str, Any]]
    text: str | None


class DraftRequest(BaseModel):
    """What to draft from: a registered source's stored text, or a text published on a day (POST /api/drafts)."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, description="a registered source whose text is stored")
    text: str | None = Field(None, description="or the article's text itself")
    published: str | None = Field(None, examples=["2025-03-10"], description="with text: the day it was published")
    source_id: str | None = Field(None, description="with text: the source id its drafts cite")
    stream: str | None = Field(None, description="the stream the drafts go to (default: the import's)")
    against: bool = Field(False, description="mark in its note each draft the log already holds")


class DraftsDocument(BaseModel):
    """Drafts to review: interchange objects, ready for POST /api/events as NDJSON once reviewed."""

    source_id: str
    drafts: list[dict[str, Any]]
    known: int


class SourceRegistration(BaseModel):
    """The data of a source.registered event: POST /api/sources."""

    model_config = ConfigDict(extra="forbid")

    source_id: str
    publisher: str
    published: str = Field(examples=["2025-03-10"])
    title: str | None = None
    url: str | None = None
    sha256: str | None = Field(None, description="the text's sha256, when the text is attached later")
