"""The event log: append (one event or a whole file in one transaction), read, verify, sources.

Every write runs in one serialised transaction (see core.database): checks
(ids, expected versions, sources, quotes, correction targets) and inserts
succeed together or leave the database exactly as it was.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import itertools
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple, Protocol

import orjson
from sqlalchemy import BigInteger, Connection, Integer, bindparam, func, insert, select, text

from core.chain import check_chain
from core.database import Database
from core.mapper import COLUMNS, GENESIS_HASH, from_body, from_row, row_values
from core.schema import RARE_TYPES, events, source_texts
from core.workers import worker_processes
from errors import ConcurrencyError, DuplicateIdError, InputError, IntegrityViolation, Location
from events import NewEvent, RecordedEvent, Source, SourceText, source_text


class ReplayWindow(Protocol):
    """The part of a replay query the store answers (the projections' ReplayWindow fits it)."""

    @property
    def stream(self) -> str | None: ...
    @property
    def known_position(self) -> int: ...
    @property
    def after_day(self) -> date | None: ...
    @property
    def until_day(self) -> date | None: ...
    @property
    def exclude_ids(self) -> Collection[str]: ...


__all__ = [
    "AppendResult",
    "Appended",
    "EventFilter",
    "EventStore",
    "Located",
    "Source",
    "VerifyReport",
    "utc_timestamp",
]

Clock = Callable[[], datetime]
Progress = Callable[[int], None]

_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_INSERT_CHUNK = 1000
AMENDMENT_TYPES = ("event.corrected", "event.retracted")


def utc_timestamp(moment: datetime) -> str:
    """Format a moment as the fixed-width UTC timestamp the log records."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(_TIMESTAMP_FORMAT)


def _now() -> datetime:
    return datetime.now(UTC)


class Located(NamedTuple):
    """An event together with where it came from, for error messages (a named tuple: one per imported line)."""

    event: NewEvent
    location: Location = Location()


@dataclass(frozen=True)
class Appended:
    """Where one appended event landed."""

    id: str
    position: int
    stream: str
    stream_version: int


@dataclass(frozen=True)
class AppendResult:
    """What an append did: how many events it wrote, the first and last, and the ids already present."""

    count: int
    first: Appended | None
    last: Appended | None
    unchanged: list[str]


@dataclass(frozen=True)
class EventFilter:
    """Which events to read; every criterion is optional."""

    stream: str | None = None
    type: str | None = None
    actor: str | None = None
    since: int | None = None
    known_at: int | str | None = None


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking the hash chain: how many rows, and the head."""

    count: int
    head_position: int
    head_hash: str


# Statements every write transaction runs, built once (SQLAlchemy then reuses their compiled form).
_HEAD = select(events.c.position, events.c.hash, events.c.recorded_at).order_by(events.c.position.desc()).limit(1)
_LAST_REGISTRATION = select(func.max(events.c.position)).where(text(RARE_TYPES), events.c.type == "source.registered")
_STREAM_VERSION = select(func.max(events.c.stream_version)).where(events.c.stream == bindparam("stream"))
_STORED_TEXT = select(source_texts.c.text).where(source_texts.c.sha256 == bindparam("sha256"))
_TYPE_OF = select(events.c.type).where(events.c.event_id == bindparam("event_id"))


class _SourceCache:
    """The registered sources, read again only when a source.registered event was added since, and their texts.

    Texts are kept by sha256: a stored text never changes (verify checks that), so
    one found once is good for every later transaction.
    """

    def __init__(self) -> None:
        self._last_position = -1
        self._sources: dict[str, Source] = {}
        self.texts: dict[str, SourceText] = {}

    def sources(self, connection: Connection) -> dict[str, Source]:
        last = connection.execute(_LAST_REGISTRATION).scalar_one_or_none()
        if last != self._last_position:
            self._sources = {source.id: source for source in _read_sources(connection)}
            self._last_position = last if last is not None else 0
        return self._sources


class _WriteBatch:
    """What one write transaction knows while it checks and stages events."""

    def __init__(self, connection: Connection, recorded_at: str, source_cache: _SourceCache) -> None:
        self.connection = connection
        self.recorded_at = recorded_at
        self.source_cache = source_cache
        head = connection.execute(_HEAD).first()
        self.position: int = head.position if head else 0
        self.hash: str = head.hash if head else GENESIS_HASH
        # recorded_at never goes back along the positions, so "known at a time" is a prefix of the log
        if head is not None and head.recorded_at > recorded_at:
            self.recorded_at = head.recorded_at
        self.count = 0
        # (id, position, stream, stream version) of the first and last events staged
        self.first_staged: tuple[str, int, str, int] | None = None
        self.last_staged: tuple[str, int, str, int] | None = None
        self.rows: list[tuple[Any, ...]] = []
        # the type of each event staged in this transaction, by id
        self.staged: dict[str, str] = {}
        self.existing: dict[str, RecordedEvent] = {}
        self.stream_versions: dict[str, int] = {}
        self.sources: dict[str, Source] | None = None
        self.texts_absent: set[str] = set()  # sha256s with no stored text (yet)
        self.target_types: dict[str, str | None] = {}

    def prefetch(self, chunk: Sequence[Located]) -> None:
        """Load the stored events whose ids a chunk of input reuses (staged ones included), in one query."""
        ids = [item.event.id for item in chunk if item.event.id is not None]
        self.existing = {event.id: event for event in _stored_with_ids(self.connection, ids)} if ids else {}

    def staged_event(self, event_id: str) -> RecordedEvent:
        """Return an event staged earlier in this transaction, as stored."""
        self.flush()
        return next(iter(_stored_with_ids(self.connection, [event_id])))

    def stream_version(self, stream: str) -> int:
        if stream not in self.stream_versions:
            current = self.connection.execute(_STREAM_VERSION, {"stream": stream}).scalar_one_or_none()
            self.stream_versions[stream] = current or 0
        return self.stream_versions[stream]

    def known_sources(self) -> dict[str, Source]:
        if self.sources is None:
            self.sources = dict(self.source_cache.sources(self.connection))
        return self.sources

    def text_of(self, source: Source) -> SourceText | None:
        digest = source.sha256
        if digest is None:
            return None
        known = self.source_cache.texts.get(digest)
        if known is not None:
            return known
        if digest not in self.texts_absent:
            stored = self.connection.execute(_STORED_TEXT, {"sha256": digest}).scalar_one_or_none()
            if stored is not None:
                self.source_cache.texts[digest] = known = source_text(stored)
                return known
            self.texts_absent.add(digest)
        return None

    def type_of(self, event_id: str) -> str | None:
        if event_id in self.staged:
            return self.staged[event_id]
        if event_id not in self.target_types:
            self.target_types[event_id] = self.connection.execute(_TYPE_OF, {"event_id": event_id}).scalar_one_or_none()
        return self.target_types[event_id]

    def stage(self, event: NewEvent) -> None:
        assert event.id is not None
        version = self.stream_version(event.stream) + 1
        self.position += 1
        row = row_values(event, self.position, version, self.recorded_at, self.hash)
        self.hash = row[-1]
        self.stream_versions[event.stream] = version
        self.rows.append(row)
        self.staged[event.id] = event.type
        self.count += 1
        self.last_staged = (event.id, self.position, event.stream, version)
        if self.first_staged is None:
            self.first_staged = self.last_staged
        if event.type == "source.registered":
            self.known_sources()[event.data["source_id"]] = Source.registered_by(event.id, event.data, has_text=False)

    def flush(self) -> None:
        if self.rows:
            _bulk_insert(self.connection, self.rows)
            self.rows = []


_SQLITE_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
# binary COPY: no text escaping of the values on our side (measured: about 4% of a PostgreSQL import)
_POSTGRES_COPY = f"COPY events ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
_POSTGRES_TYPES = [
    "int8"
    if isinstance(events.c[column].type, BigInteger)
    else "int4"
    if isinstance(events.c[column].type, Integer)
    else "text"
    for column in COLUMNS
]


def _bulk_insert(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert rows through the driver: SQLite executemany, PostgreSQL COPY (no per-row SQL compilation)."""
    driver_connection = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with driver_connection.cursor() as cursor, cursor.copy(_POSTGRES_COPY) as copy:  # type: ignore[union-attr]
            copy.set_types(_POSTGRES_TYPES)
            for row in rows:
                copy.write_row(row)
    else:
        connection.exec_driver_sql(_SQLITE_INSERT, rows)


def _chunks(items: Iterable[Located], size: int) -> Iterator[tuple[Located, ...]]:
    """Yield tuples of up to `size` items (itertools.batched arrived only in Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(itertools.islice(iterator, size)):
        yield chunk


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a write.

    An import makes millions of small acyclic objects; each full collection would
    walk all of them again (about a third of a 100k-event import's time). Whatever
    cycles the write leaves are collected when it ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _stored_with_ids(connection: Connection, ids: Sequence[str]) -> Iterator[RecordedEvent]:
    """Yield the stored events among these ids: one statement with the ids as one parameter, not one each."""
    if connection.dialect.name == "postgresql":
        query = "SELECT body, prev_hash, hash FROM events WHERE event_id = ANY(%s)"
        parameter: Any = list(ids)
    else:
        query = "SELECT body, prev_hash, hash FROM events WHERE event_id IN (SELECT value FROM json_each(?))"
        parameter = orjson.dumps(list(ids)).decode()
    for body, prev_hash, hash_ in connection.exec_driver_sql(query, (parameter,)):
        yield from_body(body, prev_hash=prev_hash, hash=hash_)


def _read_sources(connection: Connection) -> Iterator[Source]:
    texts = set(connection.execute(select(source_texts.c.sha256)).scalars())
    rows = connection.execute(
        select(events).where(text(RARE_TYPES), events.c.type == "source.registered").order_by(events.c.position)
    ).mappings()
    for row in rows:
        event = from_row(row)
        yield Source.registered_by(event.id, event.data, has_text=event.data.get("sha256") in texts)


def _field_error(message: str, location: Location, field_path: str, *, hint: str | None = None) -> InputError:
    return InputError(message, Location(location.file, location.line, field_path), hint=hint)


class EventStore:
    """The append-only log of events on one database."""

    def __init__(self, database: Database, *, clock: Clock = _now) -> None:
        self.database = database
        self._clock = clock
        self._source_cache = _SourceCache()

    @classmethod
    def open(cls, url: str, *, create: bool = False, clock: Clock = _now) -> EventStore:
        """Open the log at a database URL; with create, make a new SQLite file if needed."""
        return cls(Database(url, create=create), clock=clock)

    def initialise(self) -> tuple[str | None, str]:
        """Create or upgrade the schema; return the revisions before and after."""
        return self.database.migrate()

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()

    # -- writing -------------------------------------------------------------------------------

    def append(self, event: NewEvent, *, expected_version: int | None = None, unverified: bool = False) -> AppendResult:
        """Append one event; with expected_version, only if its stream is at that version."""
        return self.append_many([Located(event)], expected_version=expected_version, unverified=unverified)

    def append_many(
        self,
        batch: Iterable[Located],
        *,
        expected_version: int | None = None,
        unverified: bool = False,
        on_progress: Progress | None = None,
    ) -> AppendResult:
        """Append events in one transaction: all of them, or (on any error) none.

        An event whose id the log already holds with the same content is left
        alone; with other content it is a DuplicateIdError. `expected_version`
        applies to the stream of the first event. `on_progress` is called with
        the number of events handled since its last call.
        """
        return self._append(batch, expected_version=expected_version, unverified=unverified, on_progress=on_progress)

    def _append(
        self,
        batch: Iterable[Located],
        *,
        expected_version: int | None = None,
        unverified: bool = False,
        on_progress: Progress | None = None,
        also: Callable[[Connection, str], None] | None = None,
    ) -> AppendResult:
        self.database.require_schema()
        recorded_at = utc_timestamp(self._clock())

        def _work(connection: Connection) -> AppendResult:
            state = _WriteBatch(connection, recorded_at, self._source_cache)
            unchanged: list[str] = []
            for chunk in _chunks(batch, _INSERT_CHUNK):
                if expected_version is not None and state.count == 0 and not unchanged:
                    stream = chunk[0].event.stream
                    actual = state.stream_version(stream)
                    if actual != expected_version:
                        raise ConcurrencyError(stream, expected_version, actual)
                state.prefetch(chunk)
                for item in chunk:
                    event = self._checked(state, item, unverified=unverified)
                    if event is None:
                        unchanged.append(item.event.id or "")
                    else:
                        state.stage(event)
                state.flush()
                if on_progress is not None:
                    on_progress(len(chunk))
            if also is not None:
                also(connection, recorded_at)
            first, last = state.first_staged, state.last_staged
            return AppendResult(
                count=state.count,
                first=None if first is None else Appended(*first),
                last=None if last is None else Appended(*last),
                unchanged=unchanged,
            )

        with _collector_paused():
            return self.database.writing(_work)

    def _checked(self, state: _WriteBatch, item: Located, *, unverified: bool) -> NewEvent | None:
        """Return the event ready to stage (id assigned), or None if already present; raise on bad input."""
        event, location = item.event, item.location
        if event.id is None:
            event = event._replace(id=str(uuid.uuid4()))
        assert event.id is not None
        if "\x00" in event.id:  # PostgreSQL cannot store it in the event_id column; neither backend takes it
            raise InputError("the id contains a NUL character", Location(location.file, location.line, "id"))
        if event.id in state.staged:
            if state.staged_event(event.id).envelope() == event.content():
                return None
            raise DuplicateIdError(
                f"id {event.id!r} is used twice in this input with different content",
                Location(location.file, location.line, "id"),
            )
        stored = state.existing.get(event.id)
        if stored is not None:
            if stored.envelope() == event.content():
                return None
            raise DuplicateIdError(
                f"id {event.id!r} is already in the log at position {stored.position} with different content",
                Location(location.file, location.line, "id"),
                hint="give the new event another id, or record a correction (event.corrected) of the old one",
            )
        self._check_sources(state, event.sources, location, "sources", unverified=unverified)
        if event.type in ("event.corrected", "event.retracted"):
            event = self._checked_amendment(state, event, location, unverified=unverified)
        if event.type == "source.registered":
            source_id = event.data["source_id"]
            existing = state.known_sources().get(source_id)
            if existing is not None:
                raise _field_error(
                    f"source {source_id!r} is already registered (by event {existing.event_id!r})",
                    location,
                    "data.source_id",
                )
        return event

    def _check_sources(
        self,
        state: _WriteBatch,
        references: Iterable[tuple[str, str | None]],
        location: Location,
        field_prefix: str,
        *,
        unverified: bool,
    ) -> None:
        known = state.known_sources()
        for index, (source_id, quote) in enumerate(references):
            source = known.get(source_id)
            if source is None:
                raise _field_error(
                    f"unknown source {source_id!r}",
                    location,
                    f"{field_prefix}[{index}].source",
                    hint="register it first with `dtl source add`",
                )
            text = state.text_of(source)
            if text is None or quote is None or unverified:
                continue
            if not text.contains(quote):
                raise _field_error(
                    f"the quote is not in the text of source {source_id!r}: {quote[:80]!r}",
                    location,
                    f"{field_prefix}[{index}].quote",
                    hint="copy the quote verbatim from the source, or pass --unverified to record it unverified",
                )

    def _checked_amendment(
        self, state: _WriteBatch, event: NewEvent, location: Location, *, unverified: bool
    ) -> NewEvent:
        target = event.data["target"]
        target_type = state.type_of(target)
        if target_type is None:
            raise _field_error(f"no event with id {target!r} to amend", location, "data.target")
        if target_type in ("event.corrected", "event.retracted"):
            raise _field_error(
                f"{target!r} is itself a correction or retraction; amend the original event",
                location,
                "data.target",
            )
        changes = event.data.get("changes", {})
        if "sources" in changes:
            references = [(ref["source"], ref.get("quote")) for ref in changes["sources"]]
            self._check_sources(state, references, location, "data.changes.sources", unverified=unverified)
        if event.type == "event.corrected" and "data" in changes:
            from events import EventValidationError, validate_payload  # validation (pydantic) only where writing

            try:
                corrected = validate_payload(target_type, event.data["changes"]["data"], prefix="data.changes.data")
            except EventValidationError as error:
                raise _field_error(str(error.problems[0].message), location, error.field) from None
            data = {**event.data, "changes": {**event.data["changes"], "data": corrected}}
            event = event._replace(data=data)
        return event

    def register_source(
        self,
        *,
        source_id: str,
        publisher: str,
        published: str,
        title: str | None = None,
        url: str | None = None,
        sha256: str | None = None,
        text: str | None = None,
        stream: str = "sources",
        file: str | None = None,
    ) -> AppendResult:
        """Register a source as a source.registered event, storing its text (read from `file`) when given."""
        if text is not None:
            _check_text(text, Location(file=file, field="PATH"))
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if sha256 is not None and sha256 != digest:
                raise InputError(f"the file's sha256 is {digest}, not the given {sha256}", Location(field="--sha256"))
            sha256 = digest
        data = {"source_id": source_id, "publisher": publisher, "published": published}
        data.update({k: v for k, v in (("title", title), ("url", url), ("sha256", sha256)) if v is not None})
        raw = {"id": f"source:{source_id}", "type": "source.registered", "stream": stream, "occurred": published}
        from events import EventValidationError, parse_event  # validation (pydantic) only where writing

        try:
            event = parse_event({**raw, "data": data}, stream)
        except EventValidationError as error:
            flag = "--" + error.field.removeprefix("data.").replace("source_id", "id").replace("_", "-")
            raise InputError(error.problems[0].message, Location(field=flag)) from None

        def _store(connection: Connection, recorded_at: str) -> None:
            if text is not None and sha256 is not None:
                _store_text(connection, sha256, text, recorded_at)

        try:
            return self._append([Located(event, Location(field="--id"))], also=_store)
        except DuplicateIdError:
            raise DuplicateIdError(
                f"source {source_id!r} is already registered with other metadata", Location(field="--id")
            ) from None

    def attach_source_text(self, source_id: str, text: str, *, file: str | None = None) -> Source:
        """Store a registered source's text; refused unless it matches the registered sha256."""
        _check_text(text, Location(file=file, field="PATH"))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.database.require_schema()
        recorded_at = utc_timestamp(self._clock())

        def _work(connection: Connection) -> Source:
            sources = {source.id: source for source in _read_sources(connection)}
            source = sources.get(source_id)
            if source is None:
                raise InputError(f"unknown source {source_id!r}", Location(field="ID"), hint="see `dtl source list`")
            if source.sha256 is None:
                raise InputError(
                    f"source {source_id!r} was registered without a sha256, so no text can be checked against it",
                    Location(field="ID"),
                    hint="register the article under a new id with `dtl source add PATH`",
                )
            if source.sha256 != digest:
                raise InputError(
                    f"the file's sha256 is {digest}, but source {source_id!r} was registered with {source.sha256}",
                    Location(file=file, field="PATH"),
                    hint="attach the exact file that was registered",
                )
            _store_text(connection, digest, text, recorded_at)
            return dataclasses.replace(source, has_text=True)

        return self.database.writing(_work)

    # -- reading -------------------------------------------------------------------------------

    def read(self, criteria: EventFilter | None = None) -> Iterator[RecordedEvent]:
        """Yield events in position order, streamed, filtered by `criteria`."""
        criteria = criteria or EventFilter()
        self.database.require_schema()
        query = select(events.c.body, events.c.prev_hash, events.c.hash).order_by(events.c.position)
        if criteria.stream is not None:
            query = query.where(events.c.stream == criteria.stream)
        if criteria.type is not None:
            query = query.where(events.c.type == criteria.type)
        if criteria.actor is not None:
            query = query.where(events.c.actor == criteria.actor)
        if criteria.since is not None:
            query = query.where(events.c.position > criteria.since)
        if isinstance(criteria.known_at, int):
            query = query.where(events.c.position <= criteria.known_at)
        elif isinstance(criteria.known_at, str):
            query = query.where(events.c.recorded_at <= criteria.known_at)
        with self.database.reading() as connection:
            result = connection.execution_options(stream_results=True, yield_per=2000).execute(query)
            with closing(result):
                for row in result.mappings():
                    yield from_row(row)

    def get(self, event_id: str) -> RecordedEvent | None:
        """Return the event with this id, or None."""
        self.database.require_schema()
        with self.database.reading() as connection:
            row = connection.execute(select(events).where(events.c.event_id == event_id)).mappings().first()
        return None if row is None else from_row(row)

    def head(self) -> tuple[int, str]:
        """Return the last position and its hash (0 and the genesis hash for an empty log)."""
        self.database.require_schema()
        with self.database.reading() as connection:
            row = connection.execute(
                select(events.c.position, events.c.hash).order_by(events.c.position.desc()).limit(1)
            ).first()
        return (row.position, row.hash) if row else (0, GENESIS_HASH)

    def stream_version(self, stream: str) -> int:
        """Return the version a stream is at (0 when it has no events)."""
        self.database.require_schema()
        with self.database.reading() as connection:
            current = connection.execute(
                select(func.max(events.c.stream_version)).where(events.c.stream == stream)
            ).scalar_one_or_none()
        return int(current or 0)

    def sources(self) -> list[Source]:
        """Return every registered source, in registration order."""
        self.database.require_schema()
        with self.database.reading() as connection:
            return list(_read_sources(connection))

    def source_texts(self) -> dict[str, str]:
        """Return the stored text of each registered source that has one, by source id."""
        self.database.require_schema()
        with self.database.reading() as connection:
            texts = dict(connection.execute(select(source_texts.c.sha256, source_texts.c.text)).all())
            return {
                source.id: texts[source.sha256]
                for source in _read_sources(connection)
                if source.sha256 is not None and source.sha256 in texts
            }

    def known_position(self, known_at: int | str | None) -> int:
        """Return the last position known at a timestamp or position (the head for None)."""
        head, _ = self.head()
        if known_at is None:
            return head
        if isinstance(known_at, int):
            return min(known_at, head)
        with self.database.reading() as connection:
            position = connection.execute(
                select(func.max(events.c.position)).where(events.c.recorded_at <= known_at)
            ).scalar_one_or_none()
        return int(position or 0)

    def amendment_events(self, known_position: int) -> list[RecordedEvent]:
        """Return every correction and retraction at or before a position, in any stream."""
        query = (
            select(events.c.body, events.c.prev_hash, events.c.hash)
            .where(text(RARE_TYPES), events.c.type.in_(AMENDMENT_TYPES), events.c.position <= known_position)
            .order_by(events.c.position)
        )
        with self.database.reading() as connection:
            return [from_row(row) for row in connection.execute(query).mappings()]

    def events_by_id(self, ids: Collection[str]) -> list[RecordedEvent]:
        """Return the events with these ids, in position order."""
        found: list[RecordedEvent] = []
        wanted = list(ids)
        with self.database.reading() as connection:
            for start in range(0, len(wanted), _INSERT_CHUNK):
                query = select(events.c.body, events.c.prev_hash, events.c.hash).where(
                    events.c.event_id.in_(wanted[start : start + _INSERT_CHUNK])
                )
                found.extend(from_row(row) for row in connection.execute(query).mappings())
        return sorted(found, key=lambda event: event.position)

    def replay_window(self, window: ReplayWindow) -> Iterator[RecordedEvent]:
        """Yield a window's plain events, streamed, sorted by (latest day, earliest day, position)."""
        self.database.require_schema()
        query = (
            select(events.c.body)
            .where(events.c.position <= window.known_position, events.c.type.not_in(AMENDMENT_TYPES))
            .order_by(events.c.occurred_latest, events.c.occurred_earliest, events.c.position)
        )
        if window.stream is not None:
            query = query.where(events.c.stream == window.stream)
        if window.after_day is not None:
            query = query.where(events.c.occurred_latest > window.after_day.isoformat())
        if window.until_day is not None:
            query = query.where(events.c.occurred_latest <= window.until_day.isoformat())
        excluded = set(window.exclude_ids)
        with self.database.reading() as connection:
            result = connection.execution_options(yield_per=5000).execute(query)
            with closing(result):
                # whole partitions of bare values: SQLAlchemy's per-row fetching and Row objects cost
                # more than the row itself (measured: scalars save a third of the reading time)
                for batch in result.scalars().partitions():
                    for body in batch:
                        event = from_body(body)
                        if event.id not in excluded:
                            yield event

    # -- checking ------------------------------------------------------------------------------

    def verify(
        self, *, on_progress: Progress | None = None, expect: str | None = None, workers: int | None = None
    ) -> VerifyReport:
        """Recompute the hash chain and check every row; raise IntegrityViolation at the first bad one.

        With `expect`, a head hash published earlier must still be the hash of
        some position: otherwise history was truncated or rewritten since. A
        long log is checked by `workers` processes (default: one per usable core).
        """
        self.database.require_schema()
        head, _ = self.head()
        if workers is None:
            workers = worker_processes(beside_this_one=False)
        report = check_chain(self.database, head, expect=expect, on_progress=on_progress, workers=workers)
        with self.database.reading() as connection:
            texts = connection.execute(select(source_texts.c.sha256, source_texts.c.text)).all()
        for digest, stored_text in texts:
            if hashlib.sha256(stored_text.encode("utf-8")).hexdigest() != digest:
                raise IntegrityViolation(f"the stored text with sha256 {digest} no longer matches its hash")
        if not report.expect_found:
            raise IntegrityViolation(
                f"the published head hash {expect} is not in the chain: history was truncated or rewritten "
                f"since it was published (the chain now ends at position {head}, hash {report.last_hash})"
            )
        return VerifyReport(count=report.count, head_position=head, head_hash=report.last_hash)


def _check_text(text: str, location: Location) -> None:
    """Refuse a source text neither backend can store alike (PostgreSQL text holds no NUL character)."""
    if "\x00" in text:
        raise InputError(f"the text contains a NUL character (character {text.index(chr(0)) + 1:,})", location)


def _store_text(connection: Connection, digest: str, text: str, recorded_at: str) -> None:
    present = connection.execute(select(source_texts.c.sha256).where(source_texts.c.sha256 == digest)).first()
    if present is None:
        connection.execute(insert(source_texts).values(sha256=digest, text=text, attached_at=recorded_at))
