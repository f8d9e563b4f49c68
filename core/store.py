"""The event log: append (one event or a whole file in one transaction), read, verify, sources.

EventStore is the facade: it opens one write transaction per append, runs the
checks (core.checks) on each event, stages the rows (core.mapper builds them)
and has the recorder (core.recorder) insert them; sources are registered and
their texts attached by core.sources. Every write runs in one serialised
transaction (see core.database): checks and inserts succeed together or leave
the database exactly as it was.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
from collections import deque
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from core import tokens
from core.chain import VerifyReport
from core.checks import checked, checked_name
from core.database import Database
from core.lines import Located, PreparedEvent, PreparedLines
from core.mapper import COLUMNS, GENESIS_HASH, from_body, from_row, landing, row_values
from core.pages import PageWindow, covered_through, paged, written_pages
from core.recorder import AMENDMENT_TYPES, EventFilter, Transaction, recorder_for
from core.replay_reads import (
    Everything,
    ReplayWindow,
    effective_batches,
    known_position,
    pages_due,
    plain_events,
    utc_timestamp,
)
from core.snapshots import SnapshotRecorder
from core.sources import (
    SourceCache,
    StoreText,
    attach_source_text,
    corrected_source,
    read_sources,
    register_source,
    registration_id,
    texts_by_source,
)
from core.tokens import IssuedToken, Token
from errors import ConcurrencyError, Location, StoreBusy
from events import NewEvent, RecordedEvent, Source, SourceText, source_text

__all__ = [
    "AppendResult",
    "Appended",
    "EventFilter",
    "EventStore",
    "Located",
    "PreparedEvent",
    "PreparedLines",
    "Source",
    "VerifyReport",
    "utc_timestamp",
]

Clock = Callable[[], datetime]
Progress = Callable[[int], None]

# events checked, staged and inserted together
_INSERT_CHUNK = 1000
# events staged before a write reads every stored text at once rather than each as first cited
_TEXTS_AT_ONCE_AFTER = 100
# A long write reads the ids of the events stored before it at once, rather than look up each chunk's ids,
# when they number at most this many times the events it has staged so far, and at most the cap (memory).
_IDS_AT_ONCE_PER_STAGED = 4
_IDS_AT_ONCE_CAP = 500_000
# Chunks of rows a write keeps at hand once inserted, by id: the events amendments mostly amend are recent ones.
_RECENT_CHUNKS_KEPT = 8


def _now() -> datetime:
    return datetime.now(UTC)


def _ids_of(item: Located | PreparedLines) -> Iterable[str | None]:
    return [entry[1] for entry in item.entries] if type(item) is PreparedLines else (item.event.id,)  # type: ignore[union-attr]


def _stream_of(item: Located | PreparedLines) -> str:
    return item.entries[0][3] if type(item) is PreparedLines else item.event.stream  # type: ignore[union-attr]


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


_Item = Located | PreparedLines
# where a staged row (values in COLUMNS order) holds what event_as_recorded reads back
_BODY, _PREV_HASH, _HASH = (COLUMNS.index(name) for name in ("body", "prev_hash", "hash"))


class _StoreReads:
    """The reads of a replay (core.replay_reads.LogReads) through the store, its pages on one connection."""

    def __init__(self, store: EventStore, connection: Connection) -> None:
        self._store, self._connection = store, connection

    def covered_through(self) -> int:
        return covered_through(self._connection)

    def amendment_events(self, known_position: int, *, after_position: int = 0) -> list[RecordedEvent]:
        return self._store.amendment_events(known_position, after_position=after_position)

    def paged(
        self, window: PageWindow, through_position: int
    ) -> AbstractContextManager[Iterator[list[RecordedEvent]] | None]:
        return paged(self._connection, window, through_position)

    def body_batches(
        self, window: ReplayWindow, excluded: Collection[str], *, after_position: int = 0
    ) -> Iterator[list[RecordedEvent]]:
        with self._store._recorder.replay_bodies(window, after_position=after_position) as partitions:
            for bodies in partitions:
                yield plain_events(bodies, excluded)

    def events_by_id(self, ids: Collection[str]) -> list[RecordedEvent]:
        return self._store.events_by_id(ids)


class _WriteBatch:
    """What one write transaction knows while it checks and stages events (core.checks.Batch is what checks ask)."""

    def __init__(
        self, transaction: Transaction, recorded_at: str, source_cache: SourceCache, recorded_by: str | None
    ) -> None:
        self.transaction = transaction
        self.recorded_at = recorded_at
        self.recorded_by = recorded_by
        self.source_cache = source_cache
        head = transaction.head()
        self.position: int = head.position if head else 0
        self.position_before = self.position
        # the ids of the events stored before this transaction, once a long write has read them (see prefetch)
        self.stored_ids: set[str] | None = None
        self.hash: str = head.hash if head else GENESIS_HASH
        transaction.take_in_streams(head)
        # recorded_at never goes back along the positions, so "known at a time" is a prefix of the log
        if head is not None and head.recorded_at > recorded_at:
            self.recorded_at = head.recorded_at
        self.landing = landing(self.recorded_at, recorded_by)
        self.count = 0
        # (id, position, stream, stream version) of the first and last events staged
        self.first_staged: tuple[str, int, str, int] | None = None
        self.last_staged: tuple[str, int, str, int] | None = None
        self.rows: list[tuple[Any, ...]] = []
        # the rows staged lately by id, a mapping a chunk, oldest first: the last chunks inserted
        # (_RECENT_CHUNKS_KEPT), then those not inserted yet (`pending`, where staging puts each row)
        self.pending: dict[str, tuple[Any, ...]] = {}
        self.at_hand: deque[dict[str, tuple[Any, ...]]] = deque([self.pending])
        # the type of each event staged in this transaction, by id
        self.staged: dict[str, str] = {}
        self.existing: dict[str, RecordedEvent] = {}
        self.stream_versions: dict[str, int] = {}
        self.versions_before: dict[str, int] = {}  # each stream's version as read, before this transaction
        self.sources: dict[str, Source] | None = None
        self.texts_absent: set[str] = set()  # sha256s with no stored text (yet)
        # every stored text by sha256, once a long write has asked for one (texts are attached outside imports)
        self.stored_texts: dict[str, str] | None = None
        self.target_types: dict[str, str | None] = {}
        # every correction's changes by the id of its target, and the retracted ids: read when first asked for
        self.corrections: dict[str, list[Mapping[str, Any]]] | None = None
        self.retractions: set[str] = set()

    def prefetch(self, chunk: Sequence[_Item]) -> None:
        """Load the stored events whose ids a chunk of input reuses (staged ones included), in one query."""
        ids = [event_id for item in chunk for event_id in _ids_of(item) if event_id is not None]
        targets = []  # what the checks of the amendments read
        for item in chunk:
            if type(item) is Located:
                event = item.event
                if event.id is None and event.type == "source.registered":
                    # a registration given no id takes its source's (`source:ID`): it may be the one stored
                    ids.append(registration_id(event.data["source_id"]))
                elif event.type in AMENDMENT_TYPES:
                    targets.append(event.data["target"])
        # an amendment of an event staged lately is checked against its row at hand, with no query
        targets = [target for target in targets if self._row_at_hand(target) is None]
        stored = self._ids_stored_before()
        if stored is None:
            ids += targets
        else:  # only ids stored before can be found; an id this write staged is looked up by its checks (rare)
            staged = self.staged
            ids = [event_id for event_id in ids if event_id in stored]
            ids += [target for target in targets if target in stored or target in staged]
        self.existing = {event.id: event for event in self._stored_with_ids(ids)} if ids else {}

    def _ids_stored_before(self) -> set[str] | None:
        """Return the ids stored before this transaction once a long write into a small enough log has read them.

        A chunk's ids are then asked for only when stored before (an amendment's target also when this
        write staged it and holds its row no longer): in a long import of new events, one query in all
        rather than one a chunk (on PostgreSQL, each of which ends the COPY and waits for the server).
        Nobody else writes meanwhile: the write lock is held.
        """
        before = self.position_before
        if self.stored_ids is None and before <= min(_IDS_AT_ONCE_CAP, _IDS_AT_ONCE_PER_STAGED * self.count):
            self.stored_ids = self.transaction.ids_through(before)
        return self.stored_ids

    def staged_event(self, event_id: str) -> RecordedEvent:
        """Return an event staged earlier in this transaction, as stored."""
        found = self.event_as_recorded(event_id)
        assert found is not None  # it was staged
        return found

    def _row_at_hand(self, event_id: str) -> tuple[Any, ...] | None:
        """Return the row staged lately (inserted or not) with this id, or None."""
        for rows in self.at_hand:
            row = rows.get(event_id)
            if row is not None:
                return row
        return None

    def _at_hand(self, event_id: str) -> RecordedEvent | None:
        """Return the event with this id among the rows staged lately (inserted or not), or None."""
        row = self._row_at_hand(event_id)
        return None if row is None else from_body(row[_BODY], prev_hash=row[_PREV_HASH], hash=row[_HASH])

    def _stored_with_ids(self, ids: Sequence[str]) -> Iterator[RecordedEvent]:
        for body, prev_hash, hash_ in self.transaction.rows_with_ids(ids):
            yield from_body(body, prev_hash=prev_hash, hash=hash_)

    def stream_version(self, stream: str) -> int:
        if stream not in self.stream_versions:
            self.stream_versions[stream] = self.versions_before[stream] = self.transaction.stream_version(stream)
        return self.stream_versions[stream]

    def advance_streams(self) -> None:
        """Write each stream's version after this transaction's events (once, at its end)."""
        before = self.versions_before
        moved = {name: (before[name], after) for name, after in self.stream_versions.items() if after != before[name]}
        if moved:
            self.transaction.advance_streams(moved, self.position)

    def known_sources(self) -> dict[str, Source]:
        if self.sources is None:
            self.sources = dict(self.source_cache.sources(self.transaction))
        return self.sources

    def text_of(self, source: Source) -> SourceText | None:
        digest = source.sha256
        if digest is None:
            return None
        known = self.source_cache.texts.get(digest)
        if known is not None:
            return known
        if digest not in self.texts_absent:
            if self.count >= _TEXTS_AT_ONCE_AFTER and self.stored_texts is None:
                # a long write: the texts of every source known, in one query, not one query each
                self.stored_texts = self.transaction.texts()
            if self.stored_texts is not None:
                stored = self.stored_texts.get(digest)
            else:
                stored = self.transaction.stored_text(digest)
            if stored is not None:
                self.source_cache.texts[digest] = known = source_text(stored)
                return known
            self.texts_absent.add(digest)
        return None

    def type_of(self, event_id: str) -> str | None:
        if event_id in self.staged:
            return self.staged[event_id]
        if event_id in self.existing:  # prefetched with the chunk: an amendment's target
            return self.existing[event_id].type
        if event_id not in self.target_types:
            self.target_types[event_id] = self.transaction.type_of(event_id)
        return self.target_types[event_id]

    def event_as_recorded(self, event_id: str) -> RecordedEvent | None:
        """Return the event with this id, staged or stored, as recorded (no amendment applied), or None.

        Looked up without inserting the rows staged so far: on PostgreSQL each insert ends a COPY and
        waits for the server, and an import of corrections would otherwise wait once per correction.
        """
        found = self.existing.get(event_id) or self._at_hand(event_id)
        if found is not None:
            return found
        return next(self._stored_with_ids([event_id]), None)

    def corrections_of(self, event_id: str) -> list[Mapping[str, Any]]:
        """Return the changes of every correction of an event, staged or stored, in the order they were recorded."""
        return self._amendments().get(event_id, [])

    def is_retracted(self, event_id: str) -> bool:
        """Say whether a retraction of this event is staged or stored."""
        self._amendments()
        return event_id in self.retractions

    def _amendments(self) -> dict[str, list[Mapping[str, Any]]]:
        # read once per transaction, when a check first needs them (corrections are rare); stage() keeps them current
        if self.corrections is None:
            self.flush()
            self.corrections = {}
            for body in self.transaction.amendment_bodies():
                self._note_amendment(from_body(body))
        return self.corrections

    def _note_amendment(self, event: NewEvent | RecordedEvent) -> None:
        assert self.corrections is not None
        target = event.data["target"]
        if event.type == "event.retracted":
            self.retractions.add(target)
        else:
            self.corrections.setdefault(target, []).append(event.data["changes"])

    def citing(self, source_id: str) -> Iterator[RecordedEvent]:
        """Yield every event, staged or stored, whose body names this source, in position order (a scan: rare)."""
        self.flush()
        needle = '"source":' + orjson.dumps(source_id).decode()
        for body in self.transaction.bodies_containing(needle):
            yield from_body(body)

    def stage(self, event: NewEvent) -> None:
        assert event.id is not None
        version = self.stream_version(event.stream) + 1
        self.position += 1
        row = row_values(event, self.position, version, self.recorded_at, self.hash, self.recorded_by)
        self.hash = row[-1]
        self.stream_versions[event.stream] = version
        self.rows.append(row)
        self.pending[event.id] = row
        self.staged[event.id] = event.type
        self.count += 1
        self.last_staged = (event.id, self.position, event.stream, version)
        if self.first_staged is None:
            self.first_staged = self.last_staged
        if event.type == "source.registered":
            self.known_sources()[event.data["source_id"]] = Source.registered_by(event.id, event.data, has_text=False)
        elif event.type in AMENDMENT_TYPES:
            if self.corrections is not None:
                self._note_amendment(event)
            if self.type_of(event.data["target"]) == "source.registered":
                self._amend_source(event)

    def stage_prepared(self, entries: Sequence[tuple[Any, ...]], start: int, *, unverified: bool) -> int:
        """Stage prepared lines (laid out as PreparedEvent) from `start` on while every check passes at once.

        Returns the index of the first line that calls for the full checks (nothing of it staged), or
        len(entries). What passes is what core.checks.checked accepts unchanged: a new id, sources
        known and published on or after the event's earliest day, and each quote found in its source's
        stored text (the worker names the text it found it in), or given no text, or unverified.
        """
        # locals, not attributes: this loop runs once per line of a long import
        staged, existing, versions = self.staged, self.existing, self.stream_versions
        rows, pending = self.rows, self.pending
        known = self.sources if self.sources is not None else self.known_sources()
        landing_, recorded_at, recorded_by = self.landing, self.recorded_at, self.recorded_by
        position, hash_, counted = self.position, self.hash, self.count
        first_needed = self.first_staged is None
        sha256 = hashlib.sha256
        index = start
        try:
            for index in range(start, len(entries)):
                (_, event_id, kind, stream, occurred, earliest, latest, actor, schema_version, sources, head, middle,
                 tail) = entries[index]  # fmt: skip
                if event_id in staged or event_id in existing or not sources:
                    return index
                for source_id, quoted, found_in in sources:
                    source = known.get(source_id)
                    # ISO days compare as text
                    if source is None or earliest > source.published:
                        return index
                    if quoted and not unverified and found_in != source.sha256:
                        self.count = counted + index - start  # text_of reads how long the write is so far
                        if self.text_of(source) is not None:
                            return index
                version = (versions[stream] if stream in versions else self.stream_version(stream)) + 1
                versions[stream] = version
                position += 1
                prev_hash = hash_
                body = b'%s"position":%d%s%s%d%s' % (head, position, landing_, middle, version, tail)
                hash_ = sha256(prev_hash.encode("ascii") + body).hexdigest()
                # values in COLUMNS order
                row = (position, event_id, stream, version, kind, schema_version, occurred, earliest, latest, actor,
                       recorded_at, recorded_by, body.decode("utf-8"), prev_hash, hash_)  # fmt: skip
                rows.append(row)
                pending[event_id] = row
                staged[event_id] = kind
                if first_needed:
                    self.first_staged, first_needed = (event_id, position, stream, version), False
            index = len(entries)
            return index
        finally:
            if index > start:  # entries[start:index] are staged
                self.count = counted + index - start
                self.position, self.hash = position, hash_
                last = entries[index - 1]
                self.last_staged = (last[1], position, last[3], versions[last[3]])

    def _amend_source(self, amendment: NewEvent) -> None:
        """Apply a staged correction or retraction of a registration to the sources this transaction knows."""
        sources = self.known_sources()
        target = amendment.data["target"]
        source = next((source for source in sources.values() if source.event_id == target), None)
        if source is None:
            return
        if amendment.type == "event.retracted":
            del sources[source.id]
        elif "data" in amendment.data["changes"]:
            sources[source.id] = corrected_source(source, amendment.data["changes"]["data"])

    def flush(self) -> None:
        if self.rows:
            self.transaction.insert(self.rows)
            self.rows, self.pending = [], {}
            self.at_hand.append(self.pending)
            if len(self.at_hand) > _RECENT_CHUNKS_KEPT + 1:
                self.at_hand.popleft()  # a whole chunk's rows at once


def _chunks(items: Iterable[_Item], size: int) -> Iterator[tuple[list[_Item], int]]:
    """Yield lists of items holding at least `size` events each (but the last), with how many they hold.

    A run of prepared lines counts as its lines, and is never split.
    """
    chunk: list[_Item] = []
    events = 0
    for item in items:
        chunk.append(item)
        events += len(item.entries) if type(item) is PreparedLines else 1
        if events >= size:
            yield chunk, events
            chunk, events = [], 0
    if chunk:
        yield chunk, events


def _check_and_stage(state: _WriteBatch, located: Located, unchanged: list[str], unverified: bool) -> None:
    """Run the full checks on an event and stage it, or note its id among those already stored unchanged."""
    event = checked(state, located.event, located.location, unverified=unverified)
    if event is None:
        # only a registration can be given no id and be found: its id is its source's
        unchanged.append(located.event.id or registration_id(located.event.data["source_id"]))
    else:
        state.stage(event)


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


class EventStore:
    """The append-only log of events on one database."""

    def __init__(self, database: Database, *, clock: Clock = _now) -> None:
        self.database = database
        self._clock = clock
        self._recorder = recorder_for(database)
        self._source_cache = SourceCache()

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

    def _recorded_at(self, transaction: Transaction) -> str:
        """Return the time a write transaction records: PostgreSQL's transaction time, else the local clock.

        Never a client's clock where the database has one: one writer whose clock ran years
        ahead would stamp its appends, and (recorded_at never going back) every later one, in
        its future, freezing "known at" for everyone. `clock` pins the local clock for tests.
        """
        moment = transaction.transaction_time()
        return utc_timestamp(self._clock() if moment is None else moment)

    # -- writing -------------------------------------------------------------------------------

    def append(
        self,
        event: NewEvent,
        *,
        expected_version: int | None = None,
        unverified: bool = False,
        recorded_by: str | None = None,
    ) -> AppendResult:
        """Append one event; with expected_version, only if its stream is at that version."""
        return self.append_many(
            [Located(event)], expected_version=expected_version, unverified=unverified, recorded_by=recorded_by
        )

    def append_many(
        self,
        batch: Iterable[Located | PreparedLines],
        *,
        expected_version: int | None = None,
        unverified: bool = False,
        on_progress: Progress | None = None,
        recorded_by: str | None = None,
        alone: bool = False,
    ) -> AppendResult:
        """Append events (or lines a worker prepared) in one transaction: all of them, or (on any error) none.

        An event whose id the log already holds with the same content is left
        alone; with other content it is a DuplicateIdError. `expected_version`
        applies to the stream of the first event. `on_progress` is called with
        the number of events handled since its last call. `recorded_by` names
        who appends them (stored in each hashed row). `alone`: a long import by
        the log's only user, which may hold a SQLite log alone (Database.writing).
        """
        return self._append(
            batch,
            expected_version=expected_version,
            unverified=unverified,
            on_progress=on_progress,
            recorded_by=recorded_by,
            alone=alone,
        )

    def _append(
        self,
        batch: Iterable[Located | PreparedLines],
        *,
        expected_version: int | None = None,
        unverified: bool = False,
        on_progress: Progress | None = None,
        also: StoreText | None = None,
        recorded_by: str | None = None,
        alone: bool = False,
    ) -> AppendResult:
        self.database.require_schema()
        recorded_by = checked_name(recorded_by, "recorded_by")

        def _work(transaction: Transaction) -> AppendResult:
            state = _WriteBatch(transaction, self._recorded_at(transaction), self._source_cache, recorded_by)
            unchanged: list[str] = []
            for chunk, events in _chunks(batch, _INSERT_CHUNK):
                if expected_version is not None and state.count == 0 and not unchanged:
                    stream = _stream_of(chunk[0])
                    actual = state.stream_version(stream)
                    if actual != expected_version:
                        raise ConcurrencyError(stream, expected_version, actual)
                state.prefetch(chunk)
                # the previous chunk's rows go in now, after the query above: on PostgreSQL the server
                # inserts them while this chunk is checked (the COPY stays open until the next statement)
                state.flush()
                for item in chunk:
                    if type(item) is not PreparedLines:
                        _check_and_stage(state, item, unchanged, unverified)  # type: ignore[arg-type]
                        continue
                    entries, index = item.entries, 0
                    # what the fast path declines goes through the full checks, in its turn
                    while (index := state.stage_prepared(entries, index, unverified=unverified)) < len(entries):
                        _check_and_stage(state, item.located(index), unchanged, unverified)
                        index += 1
                if on_progress is not None:
                    on_progress(events)
            state.flush()
            state.advance_streams()
            if also is not None:
                also(transaction, state.recorded_at)
            first, last = state.first_staged, state.last_staged
            if last is not None:
                transaction.announce(last[1])  # wakes the subscribers of every server on this log
            return AppendResult(
                count=state.count,
                first=None if first is None else Appended(*first),
                last=None if last is None else Appended(*last),
                unchanged=unchanged,
            )

        with _collector_paused():
            return self._recorder.writing(_work, alone=alone)

    def _append_located(
        self, event: NewEvent, location: Location, also: StoreText, recorded_by: str | None = None
    ) -> AppendResult:
        return self._append([Located(event, location)], also=also, recorded_by=recorded_by)

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
        recorded_by: str | None = None,
    ) -> AppendResult:
        """Register a source as a source.registered event, storing its text (read from `file`) when given."""
        return register_source(
            functools.partial(self._append_located, recorded_by=recorded_by),
            source_id=source_id,
            publisher=publisher,
            published=published,
            title=title,
            url=url,
            sha256=sha256,
            text=text,
            stream=stream,
            file=file,
        )

    def attach_source_text(self, source_id: str, text: str, *, file: str | None = None) -> Source:
        """Store a registered source's text; refused unless it matches the registered sha256."""
        return attach_source_text(self._recorder, source_id, text, recorded_at=self._recorded_at, file=file)

    # -- tokens -------------------------------------------------------------------------------

    def _now_text(self) -> str:
        return utc_timestamp(self._clock())

    def create_token(self, name: str, role: str) -> IssuedToken:
        """Create a bearer token of the HTTP API with a role; only its hash is kept."""
        return tokens.create_token(self.database, name, role, now=self._now_text)

    def tokens(self) -> list[Token]:
        """Return every token, live and revoked, oldest first."""
        return tokens.list_tokens(self.database)

    def revoke_token(self, name: str) -> Token:
        """Revoke the live token of this name."""
        return tokens.revoke_token(self.database, name, now=self._now_text)

    def authenticate(self, secret: str) -> Token | None:
        """Return the live token whose secret this is, or None."""
        return tokens.authenticate(self.database, secret)

    # -- reading -------------------------------------------------------------------------------

    def read(self, criteria: EventFilter | None = None) -> Generator[RecordedEvent, None, None]:
        """Yield events in position order, streamed, filtered by `criteria` (close it to stop early)."""
        criteria = criteria or EventFilter()
        self.database.require_schema()
        with self._recorder.read(criteria) as rows:
            for row in rows:
                yield from_row(row)

    def get(self, event_id: str) -> RecordedEvent | None:
        """Return the event with this id, or None."""
        self.database.require_schema()
        row = self._recorder.get(event_id)
        return None if row is None else from_row(row)

    def head(self) -> tuple[int, str]:
        """Return the last position and its hash (0 and the genesis hash for an empty log)."""
        self.database.require_schema()
        return self._recorder.head() or (0, GENESIS_HASH)

    def version(self) -> tuple[int, int]:
        """Return the last position and how many source texts are stored (attaching a text moves no position)."""
        self.database.require_schema()
        return self._recorder.version()

    def stream_version(self, stream: str) -> int:
        """Return the version a stream is at (0 when it has no events)."""
        self.database.require_schema()
        return self._recorder.stream_version(stream)

    def streams(self) -> list[str]:
        """Return the name of every stream that holds events, sorted."""
        self.database.require_schema()
        return self._recorder.streams()

    def sources(self, known_position: int | None = None) -> list[Source]:
        """Return every registered source in registration order, its metadata as corrected.

        With `known_position`, as the log knew them then: the corrections and retractions recorded by that position.
        """
        self.database.require_schema()
        with self._recorder.reading() as transaction:
            return read_sources(transaction, until=known_position)

    def source_texts(self, known_position: int | None = None) -> dict[str, str]:
        """Return the stored text of each registered source (known at `known_position`) that has one, by source id."""
        self.database.require_schema()
        with self._recorder.reading() as transaction:
            return texts_by_source(transaction, until=known_position)

    def known_position(self, known_at: int | str | None) -> int:
        """Return the last position known at a timestamp or position (the head for None)."""
        head, _ = self.head()
        return known_position(head, known_at, self._recorder.position_recorded_by)

    def amendment_events(self, known_position: int, *, after_position: int = 0) -> list[RecordedEvent]:
        """Return every correction and retraction in any stream at positions after_position..known_position."""
        rows = self._recorder.amendment_rows(known_position, after_position=after_position)
        return [from_row(row) for row in rows]

    def landed(self, result: AppendResult) -> list[tuple[str, int, int, str]]:
        """Return where each event of an append is, as (id, position, stream version, hash).

        Those it wrote come first, in position order, then those it found already there, in the order given.
        """
        self.database.require_schema()
        first = result.first.position if result.first is not None else 1
        last = result.last.position if result.last is not None else 0
        return self._recorder.landed(first, last, result.unchanged)

    def events_by_id(self, ids: Collection[str]) -> list[RecordedEvent]:
        """Return the events with these ids, in position order."""
        found = [from_row(row) for row in self._recorder.rows_by_id(ids)]
        return sorted(found, key=lambda event: event.position)

    def effective_events(self, window: ReplayWindow) -> Iterator[RecordedEvent]:
        """Yield a window's effective events (see effective_batches), streamed."""
        return itertools.chain.from_iterable(self.effective_batches(window))

    def effective_batches(self, window: ReplayWindow) -> Iterator[Sequence[RecordedEvent]]:
        """Yield a window's effective events in fold order, streamed, in batches (core.replay_reads)."""
        self.database.require_schema()
        with self.database.reading() as connection:
            yield from effective_batches(_StoreReads(self, connection), window)

    def snapshots(self, factory: Any) -> SnapshotRecorder:
        """Return the snapshots kept beside this log, built with `factory` when read."""
        return SnapshotRecorder(self.database, factory)

    def replay_pages_due(self, at_least: int | None = None) -> bool:
        """Say whether the replay pages miss enough events to be built again (core.replay_reads.pages_due).

        Never on a log this process may not write: the pages are a cache, written after an answer.
        """
        if not self.database.writable:
            return False
        self.database.require_schema()
        head, _ = self.head()
        with self.database.reading() as connection:
            covered = covered_through(connection)  # the header alone: no page is read to learn it
        return pages_due(head, covered, at_least)

    def refresh_replay_pages(self, *, at_least: int | None = None) -> bool:
        """Rebuild the replay pages when the events they miss number `at_least`; return whether it did.

        By default, when they miss 20,000 events and a quarter of those they hold: a rebuild
        reads every event, so it is done once the replays it speeds up would have paid for it.

        A cache written after an answer has gone out: skipped on a log this process may not
        write, and abandoned (to be tried again later) when a writer holds the log.
        """
        if not self.replay_pages_due(at_least):
            return False
        head, _ = self.head()
        everything = self.effective_events(Everything(head))
        try:
            written_pages(lambda work: self.database.writing(work, wait=0.2), everything, through_position=head)
        except StoreBusy:
            return False
        return True

    # -- checking ------------------------------------------------------------------------------

    def verify(
        self, *, on_progress: Progress | None = None, expect: str | None = None, workers: int | None = None
    ) -> VerifyReport:
        """Recompute the hash chain and check every row; raise IntegrityViolation at the first bad one.

        With `expect`, a head hash published earlier must still be the hash of
        some position: otherwise history was truncated or rewritten since. A
        long log is checked by `workers` processes (default: one per usable core).
        """
        from core.chain import check_chain, verified

        self.database.require_schema()
        head, _ = self.head()
        report = check_chain(
            self.database.url, head, expect=expect, on_progress=on_progress, workers=workers, database=self.database
        )
        with self._recorder.reading() as transaction:
            texts = transaction.texts()
        return verified(report, head, texts, expect)
