"""The routes of /api/: each parses its parameters, calls one service method and responds with its document.

Reads answer the document `dtl COMMAND --json` prints for the same question
(the same service method and `to_json()`), with `X-Log-Position` (the head it
was answered at) and an `ETag`; `If-None-Match` with the current ETag is 304.
Writes take the token's name as who recorded them.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from errors import InputError, Location, NotFound, TextMismatch
from service import DEFAULT_STREAM
from service import Query as Question
from web.auth import Caller, require
from web.door import SharedTimeline
from web.errors import BodyTooLarge, DoorError
from web.models import (
    AppendedEvents,
    AuditDocument,
    CountDocument,
    DiffDocument,
    DraftRequest,
    DraftsDocument,
    ErrorDocument,
    EventDocument,
    EventsPage,
    HistoryDocument,
    SourceDocument,
    SourcesDocument,
    StateDocument,
    TimelineDocument,
    VerifyDocument,
    WhyDocument,
)

if TYPE_CHECKING:
    from service.timeline import Timeline

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorDocument} for status in (400, 401, 403, 404, 409, 413, 422, 503)
}
router = APIRouter(prefix="/api", responses=_ERRORS)

Reader = Annotated[Caller, Depends(require("reader", read=True))]
Writer = Annotated[Caller, Depends(require("writer"))]

Stream = Annotated[str, Query(description="The stream asked about.")]
AsOf = Annotated[str | None, Query(description="Valid time: an EDTF date (default: today).")]
KnownAt = Annotated[str | None, Query(description="Transaction time: a log position, a date or a timestamp (UTC).")]
From = Annotated[str | None, Query(alias="from", description="The first day of the window (EDTF).")]
To = Annotated[str | None, Query(alias="to", description="The last day of the window (EDTF).")]
Actor = Annotated[str, Path(description="A country (name, alpha-2 or alpha-3) or an organisation code.")]

# a request body is read in blocks of this size; an NDJSON body is kept in memory up to _SPOOLED, then on disk
_BLOCK = 256 * 1024
_SPOOLED = 8 * 1024 * 1024
_NDJSON = {"application/x-ndjson", "application/jsonl", "application/json-seq"}
_BODY_NAME = "request body"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("diplomatic-timeline")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree not installed
        return "0"


VERSION = _version()


def shared_timeline(request: Request) -> SharedTimeline:
    """Return the process's one timeline (web.door), which every route asks its question of."""
    shared: SharedTimeline = request.app.state.timeline
    return shared


def answer_tag(request: Request, version: str) -> str:
    """Return the answer's tag: the log's version (head and texts), the question, today and the code's version."""
    query = sorted(request.query_params.multi_items())
    today = datetime.now(UTC).date().isoformat()
    key = f"{VERSION}|{version}|{today}|{request.url.path}|{query}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def tag_matches(request: Request, etag: str) -> bool:
    """Say whether the request's If-None-Match names this tag (or any, with *)."""
    given = request.headers.get("if-none-match")
    if given is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    return "*" in tags or etag in tags


def _json(document: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    from service.words import json_bytes

    return Response(json_bytes(document), status_code=status, media_type="application/json", headers=headers)


class AnswerCache:
    """The encoded answers to recent reads, by ETag, bounded in bytes and in entries (the oldest goes first).

    A question asked again while the log has not moved is sent as it was encoded, without replaying,
    building or encoding its document again (a state at 1M events is tens of megabytes of JSON).
    """

    def __init__(self, max_bytes: int = 128 * 1024 * 1024, max_entries: int = 64) -> None:
        self._answers: OrderedDict[str, bytes] = OrderedDict()
        self._bytes, self._max_bytes, self._max_entries = 0, max_bytes, max_entries
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        """Return the answer encoded under this tag, or None."""
        with self._lock:
            found = self._answers.get(etag)
            if found is not None:
                self._answers.move_to_end(etag)
            return found

    def put(self, etag: str, body: bytes) -> None:
        """Keep an encoded answer, forgetting the oldest past the bounds (an answer past them is not kept)."""
        if len(body) > self._max_bytes // 2:
            return
        with self._lock:
            if etag in self._answers:
                return
            self._answers[etag] = body
            self._bytes += len(body)
            while self._bytes > self._max_bytes or len(self._answers) > self._max_entries:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped)


def _read(
    request: Request, answer: Callable[[Timeline], Any], *, html: bool = False, words: Mapping[str, str] | None = None
) -> Response:
    """Answer a read under the timeline's lock: 304 when the caller's tag is current, else the document."""
    from service.words import json_bytes

    cache: AnswerCache = request.app.state.answers
    cached: list[bytes] = []

    def _work(timeline: Timeline) -> tuple[int, str, Any]:
        version = timeline.version()
        head = int(version.split(".")[0])
        etag = answer_tag(request, version)
        if tag_matches(request, etag):
            return head, etag, None
        found = cache.get(etag)
        if found is not None:
            cached.append(found)
            return head, etag, None
        return head, etag, answer(timeline)

    try:
        head, etag, document = shared_timeline(request).run(_work)
    except InputError as error:
        raise _reworded(error, words or {}) from None
    headers = {"ETag": etag, "X-Log-Position": str(head), "Cache-Control": "no-cache"}
    if document is None and not cached:
        return Response(status_code=304, headers=headers)
    if cached:
        body = cached[0]
    else:
        body = document.encode("utf-8") if html else json_bytes(document)
        cache.put(etag, body)
    if html:
        return HTMLResponse(body, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _reworded(error: InputError, words: Mapping[str, str]) -> InputError:
    """Return the error with its field in this route's words (a service field named otherwise here)."""
    field = error.location.field
    if field is None or field not in words:
        return error
    return error.placed(Location(error.location.file, error.location.line, words[field]))


def _unknown_actor_is_not_found(answer: Callable[[Timeline], Any]) -> Callable[[Timeline], Any]:
    """Make an unknown actor of the path a 404, as an unknown event, source or stream is."""

    def _answer(timeline: Timeline) -> Any:
        try:
            return answer(timeline)
        except InputError as error:
            if error.location.field == "actor" and not isinstance(error, NotFound):
                raise NotFound(error.reason, error.location, hint=error.hint) from None
            raise

    return _answer


# -- reads ------------------------------------------------------------------------------------------


@router.get("/state", response_model=StateDocument, summary="The coalition as of a day (dtl state --json)")
def state(
    request: Request, _: Reader, stream: Stream = DEFAULT_STREAM, as_of: AsOf = None, known_at: KnownAt = None
) -> Response:
    """Return who is in as of a day, known at a bound, with what, and how big it is said to be."""
    return _read(request, lambda t: t.state(Question.parse(stream, as_of, known_at)).view())


@router.get("/count", response_model=CountDocument, summary="Every claim about a quantity (dtl count --json)")
def count(
    request: Request,
    _: Reader,
    subject: Literal["participants", "troops"] = "participants",
    series: bool = False,
    stream: Stream = DEFAULT_STREAM,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Response:
    """Return every claim about a quantity as of a day with the named floor, or with `series`, over time."""
    if series and as_of:
        raise InputError("give either as_of or series, not both", Location(field="series"))
    if series:
        return _read(request, lambda t: t.count_series(stream, subject, known_at).to_json())
    return _read(request, lambda t: t.count(Question.parse(stream, as_of, known_at), subject).to_json())


@router.get("/diff", response_model=DiffDocument, summary="What changed between two days (dtl diff --json)")
def diff(
    request: Request,
    _: Reader,
    start: Annotated[str, Query(alias="from", description="The earlier day (EDTF).")],
    end: Annotated[str, Query(alias="to", description="The later day (EDTF).")],
    stream: Stream = DEFAULT_STREAM,
    known_at: KnownAt = None,
) -> Response:
    """Return who joined or left, changed stance or offers, and which claims appeared between two days."""
    words = {"before": "from", "after": "to"}
    return _read(request, lambda t: t.diff(stream, start, end, known_at).to_json(), words=words)


@router.get("/timeline", response_model=TimelineDocument, summary="Events in the order they happened")
def timeline(
    request: Request,
    _: Reader,
    stream: Stream = DEFAULT_STREAM,
    start: From = None,
    end: To = None,
    actor: Annotated[str | None, Query(description="Only events about this actor.")] = None,
    known_at: KnownAt = None,
) -> Response:
    """Return the events that may have happened within a window, with their sources and quotes."""
    return _read(request, lambda t: t.timeline(stream, start=start, end=end, actor=actor, known_at=known_at).to_json())


@router.get("/history/{actor}", response_model=HistoryDocument, summary="One actor's positions over time")
def history(
    request: Request,
    _: Reader,
    actor: Actor,
    stream: Stream = DEFAULT_STREAM,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Response:
    """Return one actor's events in the order they happened, with its facts after each."""
    answer = _unknown_actor_is_not_found(lambda t: t.history(stream, actor, as_of=as_of, known_at=known_at).to_json())
    return _read(request, answer)


@router.get("/why/{actor}", response_model=WhyDocument, summary="Why an actor stands where it does (dtl why --json)")
def why(
    request: Request,
    _: Reader,
    actor: Actor,
    stream: Stream = DEFAULT_STREAM,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Response:
    """Return an actor's stance, offers, ruled-out capabilities and conditions, down to sources and quotes."""
    answer = _unknown_actor_is_not_found(lambda t: t.why(Question.parse(stream, as_of, known_at), actor).to_json())
    return _read(request, answer)


@router.get("/audit", response_model=AuditDocument, summary="The audit's findings (dtl audit --json)")
def audit(
    request: Request,
    _: Reader,
    stream: Annotated[str | None, Query(description="Audit only this stream.")] = None,
) -> Response:
    """Return the audit of the whole log (or one stream): unsourced or doubtful facts and a broken chain."""
    return _read(request, lambda t: t.audit(stream).to_json())


@router.get("/verify", response_model=VerifyDocument, summary="Recompute the hash chain (dtl verify --json)")
def verify(
    request: Request,
    _: Reader,
    expect: Annotated[str | None, Query(description="A head hash published earlier that must be in the chain.")] = None,
) -> Response:
    """Return the checked chain's length and head; 409 naming the first bad position when it does not hold."""
    return _read(request, lambda t: t.verify(expect=expect).to_json())


@router.get("/events", response_model=EventsPage, summary="The log as recorded, a page at a time (dtl log --json)")
def events(
    request: Request,
    _: Reader,
    after: Annotated[int, Query(ge=0, description="Only events after this position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many events.")] = 100,
    stream: Annotated[str | None, Query(description="Only this stream.")] = None,
    type: Annotated[str | None, Query(description="Only this event type.")] = None,
    actor: Annotated[str | None, Query(description="Only this actor.")] = None,
) -> Response:
    """Return the events after a position in position order; `next` is where the next page starts."""

    def _page(t: Timeline) -> dict[str, Any]:
        logged = t.log(stream=stream, type=type, actor=actor, since=after or None)
        try:
            taken = list(itertools.islice(logged, limit + 1))
        finally:
            close = getattr(logged, "close", None)
            if close is not None:
                close()
        more = len(taken) > limit
        page = taken[:limit]
        return {"events": [item.to_json() for item in page], "next": page[-1].event.position if more else None}

    return _read(request, _page)


@router.get("/events/{event_id}", response_model=EventDocument, summary="One event as recorded")
def event(request: Request, _: Reader, event_id: str) -> Response:
    """Return one event as `dtl log --json` lists it."""

    def _one(t: Timeline) -> dict[str, Any]:
        found = t.event(event_id)
        if found is None:
            raise NotFound(f"no event with id {event_id!r}", Location(field="event_id"))
        return found.to_json()

    return _read(request, _one)


@router.get("/sources", response_model=SourcesDocument, summary="Every registered source (dtl source list --json)")
def sources(request: Request, _: Reader) -> Response:
    """Return every registered source and whether its text is stored."""
    from service.answers import sources_document

    return _read(request, lambda t: sources_document(t.sources()))


@router.get("/sources/{source_id}", response_model=SourceDocument, summary="One source (dtl source show --json)")
def source(request: Request, _: Reader, source_id: str) -> Response:
    """Return one source, its text, and where each quote citing it stands in that text."""
    return _read(request, lambda t: t.show_source(source_id).to_json())


@router.get("/report", response_class=HTMLResponse, summary="The offline HTML report (dtl report)")
def report(
    request: Request,
    _: Reader,
    stream: Stream = DEFAULT_STREAM,
    start: From = None,
    end: To = None,
    known_at: KnownAt = None,
) -> Response:
    """Return the offline HTML report: size and stance charts, the state, the timeline with quotes, the audit."""
    return _read(request, lambda t: t.report(stream, start=start, end=end, known_at=known_at).html, html=True)


# -- writes -----------------------------------------------------------------------------------------


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "application/json").split(";")[0].strip().lower()


async def _body(request: Request, limit: int) -> bytes:
    """Return the request body, refused with 413 as soon as it grows past the limit."""
    pieces: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size > limit:
            raise BodyTooLarge(limit)
        pieces.append(piece)
    return b"".join(pieces)


async def _spooled(request: Request, limit: int) -> IO[bytes]:
    """Return the request body in a temporary file (in memory while small), refused with 413 past the limit."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOLED)  # noqa: SIM115 - closed by the caller
    size = 0
    try:
        async for piece in request.stream():
            size += len(piece)
            if size > limit:
                raise BodyTooLarge(limit)
            spool.write(piece)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _text(body: bytes, field: str | None = None) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not valid UTF-8 (byte {error.start + 1})", Location(field=field)) from None


def _object(body: bytes) -> dict[str, Any]:
    """Parse a JSON body into an object with the log's own JSON reader (depth, numbers, NUL characters checked)."""
    from service.queries import parse_json_object

    value = parse_json_object(_text(body.removeprefix(b"\xef\xbb\xbf")), "")
    if not isinstance(value, dict):
        raise InputError("the body must be a JSON object", Location(field="(event)"))
    return value


def _blocks(handle: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: handle.read(_BLOCK), b"")


def _appended(request: Request, document: dict[str, Any], new: int) -> Response:
    request.app.state.metrics.appended.inc(new)
    return _json(document, status=201 if new else 200)


_EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/InterchangeEvent"}},
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "one interchange event (a JSON object) per line"}
            },
        },
    }
}


@router.post(
    "/events",
    status_code=201,
    response_model=AppendedEvents,
    responses={200: {"model": AppendedEvents, "description": "every event was already in the log"}},
    openapi_extra=_EVENTS_BODY,
    summary="Append one event (JSON) or many in one transaction (NDJSON)",
)
async def append(
    request: Request,
    caller: Writer,
    expected_version: Annotated[int | None, Query(ge=0, description="Append only if the stream is at it.")] = None,
    unverified: Annotated[bool, Query(description="Accept quotes not in their sources' stored texts.")] = False,
    published: Annotated[str | None, Query(description="The day `occurred_text` was written (YYYY-MM-DD).")] = None,
) -> Response:
    """Append one event, or many in one transaction: all of them or none; re-posting the same events is 200."""
    shared, limit = shared_timeline(request), request.app.state.settings.max_body
    media = _media_type(request)
    if media in _NDJSON:
        spool = await _spooled(request, limit)
        try:

            def _import(t: Timeline) -> tuple[dict[str, Any], int]:
                result = t.import_lines(
                    _blocks(spool), _BODY_NAME, unverified=unverified, expected_version=expected_version, by=caller.name
                )
                return t.appended(result).to_json(), result.count

            document, new = await run_in_threadpool(shared.run, _import)
        finally:
            spool.close()
        return _appended(request, document, new)
    if media != "application/json":
        raise DoorError(
            415, f"a {media} body cannot be read", hint="send application/json (one event) or application/x-ndjson"
        )
    event = _object(await _body(request, limit))

    def _append(t: Timeline) -> tuple[dict[str, Any], int]:
        answer = t.append(
            event, published=published, expected_version=expected_version, unverified=unverified, by=caller.name
        )
        return t.appended(answer.result).to_json(), answer.result.count

    document, new = await run_in_threadpool(shared.run, _append)
    return _appended(request, document, new)


_REGISTRATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SourceRegistration"}}},
    }
}
_REGISTRATION_FIELDS = {"source_id": True, "publisher": True, "published": True, "title": False, "url": False}
_REGISTRATION_FIELDS["sha256"] = False


@router.post(
    "/sources",
    status_code=201,
    response_model=AppendedEvents,
    responses={200: {"model": AppendedEvents, "description": "already registered with the same metadata"}},
    openapi_extra=_REGISTRATION_BODY,
    summary="Register a source by its metadata and sha256 (dtl source add --sha256)",
)
async def register_source(request: Request, caller: Writer) -> Response:
    """Register a source: the data of a source.registered event; attach its text later with PUT."""
    given = _object(await _body(request, request.app.state.settings.max_body))
    for name, value in given.items():
        if name not in _REGISTRATION_FIELDS:
            raise InputError(f"unknown field {name!r}", Location(field=name))
        if not isinstance(value, str) and not (value is None and not _REGISTRATION_FIELDS[name]):
            raise InputError("Input should be a valid string", Location(field=name))
    for name, required in _REGISTRATION_FIELDS.items():
        if required and name not in given:
            raise InputError("Field required", Location(field=name))

    def _register(t: Timeline) -> tuple[dict[str, Any], int]:
        result = t.register_source(**given, by=caller.name)
        return t.appended(result).to_json(), result.count

    document, new = await run_in_threadpool(shared_timeline(request).run, _register)
    return _appended(request, document, new)


@router.put(
    "/sources/{source_id}/text",
    response_model=SourceDocument,
    openapi_extra={"requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}},
    summary="Attach a registered source's text (dtl source attach)",
)
async def attach_source(request: Request, _: Writer, source_id: str) -> Response:
    """Store the source's text (the raw body, UTF-8); 409 unless its sha256 is the registered one."""
    text = _text(await _body(request, request.app.state.settings.max_body), "text")

    def _attach(t: Timeline) -> dict[str, Any]:
        try:
            t.attach_source(source_id, text)
        except TextMismatch as error:
            raise DoorError(409, error.reason, hint="send the exact text that was registered") from None
        return t.show_source(source_id).to_json()

    return _json(await run_in_threadpool(shared_timeline(request).run, _attach))


@router.post(
    "/drafts",
    response_model=DraftsDocument,
    summary="Draft the events an article reports, to review and then post (dtl draft)",
)
async def drafts(request: Request, _: Reader, asked: DraftRequest) -> Response:
    """Draft events from a registered source's text or from a text and its publication day; nothing is written."""
    if (asked.source is None) == (asked.text is None):
        raise InputError(
            "give a registered source, or a text with the day it was published: one of them", Location(field="source")
        )
    if asked.source is not None and (asked.published is not None or asked.source_id is not None):
        raise InputError(
            "published and source_id go with a text; a registered source has its own", Location(field="published")
        )

    def _draft(t: Timeline) -> dict[str, Any]:
        drafted = t.draft(
            asked.source,
            text=asked.text,
            published=asked.published,
            source_id=asked.source_id,
            stream=asked.stream,
            against=asked.against,
        )
        return {"source_id": drafted.source_id, "drafts": drafted.to_json(), "known": drafted.known}

    return _json(await run_in_threadpool(shared_timeline(request).run, _draft))
