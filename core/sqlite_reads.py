"""A SQLite log read for replays through the standard library's sqlite3, SQLAlchemy never loaded.

`dtl state` over a SQLite log spends most of a cold start loading SQLAlchemy (130 ms of the
650 ms of a 100k-event log on the bench's machine): what it asks needs none of it. So a
timeline reads a plain `sqlite:///FILE` log for its replays through `SQLiteLog`: the head,
the streams, the replay pages, the bodies after them, the amendments, and the snapshots
(found, and saved after the answer); `dtl verify` checks its hash chain through it too
(core.chain). How the effective events follow from those reads is core.replay_reads'
(shared with the store); the statements here are the store's, written as SQLite runs them.
tests/integration/test_sqlite_reads.py holds the two to the same answers.

Anything out of the ordinary (another URL form, no file, a schema not at this code's
revision) is left to the store, which says what is wrong as it always has. Reads go through
a connection opened read-only (immutable on read-only media), each in a transaction of its
own; a snapshot goes through a writing connection opened when the first one is saved, which
waits at most 0.2 s for the write lock and otherwise skips the cache, as the store does.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.config import mask_url, mask_urls, resolve_lock_timeout
from core.failures import is_locked, refusal
from core.mapper import GENESIS_HASH, from_row
from core.page_format import FORMAT, PageWindow, page_batches
from core.replay_reads import (
    SNAPSHOT_CANDIDATES,
    KeptSnapshots,
    ReplayWindow,
    effective_batches,
    known_position,
    pages_due,
    plain_events,
)
from core.schema_facts import HEAD_REVISION, RARE_TYPES, RECORDED_THROUGH
from errors import TimelineError
from events import RecordedEvent

if TYPE_CHECKING:
    from core.chain import VerifyReport

__all__ = ["SQLiteLog", "SQLiteSnapshots", "connect_read_only", "sqlite_file", "writable"]

_AMENDMENTS = "('event.corrected', 'event.retracted')"
_SNAPSHOT_WAIT = 0.2  # seconds a snapshot waits for the write lock before the cache is skipped
_BODIES_AT_ONCE = 5000

_HEAD = "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1"
_STREAMS_THROUGH = "SELECT coalesce(max(through_position), 0) FROM streams"
_STREAM_VERSION = "SELECT version FROM streams WHERE stream = ?"
# `+stream`: by position (the rowid) from the streams table's head, not every row of the stream by its index,
# which SQLite would otherwise choose (20 ms on a one-stream log of 100k events, for none past the head)
_VERSION_PAST = "SELECT max(stream_version) FROM events WHERE position > ? AND +stream = ?"
_STREAMS = "SELECT DISTINCT stream FROM events"
_TEXTS = "SELECT sha256, text FROM source_texts"
_AMENDMENT_ROWS = (
    f"SELECT body, prev_hash, hash FROM events WHERE {RARE_TYPES} AND type IN {_AMENDMENTS}"
    " AND position <= ? AND position > ? ORDER BY position"
)
_ROWS_WITH_IDS = "SELECT body, prev_hash, hash FROM events WHERE event_id IN (SELECT value FROM json_each(?))"
_NEWEST_WHOLE = "SELECT max(generation) FROM replay_pages WHERE page = 0 AND format = ?"
_COVERED_THROUGH = f"SELECT through_position FROM replay_pages WHERE generation = ({_NEWEST_WHOLE}) AND page = 0"
_SNAPSHOT_CANDIDATES = (
    "SELECT snapshot_id, position, day FROM snapshots WHERE projection = ? AND stream = ? AND version = ?"
    " AND position <= ? AND day <= ? ORDER BY day DESC, position DESC LIMIT ?"
)
_SNAPSHOT_STATE = "SELECT CAST(state AS BLOB) FROM snapshots WHERE snapshot_id = ?"
_SNAPSHOT_INSERT = (
    "INSERT INTO snapshots (projection, stream, version, position, day, state, created_at)"
    " VALUES (:projection, :stream, :version, :position, :day, :state, :created_at)"
)


def sqlite_file(url: str) -> Path | None:
    """Return the file a plain `sqlite:///PATH` URL names (as SQLAlchemy reads it), or None for any other URL."""
    prefix = "sqlite:///"
    path = url[len(prefix) :] if url.startswith(prefix) else ""
    if not path or path == ":memory:" or path.startswith("file:") or any(mark in path for mark in "?#%"):
        return None  # no file, or a URL whose query or escapes SQLAlchemy reads: the store's to read
    return Path(path)


def writable(path: Path) -> bool:
    """Say whether this process may write a SQLite log (not on read-only media, nor without permission)."""
    return os.access(path, os.W_OK) and os.access(path.absolute().parent, os.W_OK)


def connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """Open a SQLite log read-only; on read-only media, as immutable.

    There SQLite cannot create the shared-memory file a WAL reader needs, and nobody can
    write the file, so it is read as immutable (no locks, no shared memory). A write killed
    under a rollback journal (a long import, core.database) leaves a hot journal that only
    a connection that may write can roll back: one is opened for that, then the log is read.
    """
    location = path.absolute().as_uri()
    try:
        return _open_read_only(f"{location}?mode=ro", timeout)
    except sqlite3.OperationalError as error:
        if not writable(path):
            return _open_read_only(f"{location}?immutable=1", timeout)
        if getattr(error, "sqlite_errorname", None) != "SQLITE_READONLY_ROLLBACK":
            raise
    with closing(sqlite3.connect(path, timeout=timeout, isolation_level=None)) as recovering:
        recovering.execute("PRAGMA schema_version").fetchone()  # reading first rolls the journal back
    return _open_read_only(f"{location}?mode=ro", timeout)


def _open_read_only(uri: str, timeout: float) -> sqlite3.Connection:
    """Open a read-only SQLite connection by URI, reading the file once so that a file it cannot read fails here."""
    connection = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA query_only=ON")
        connection.execute("PRAGMA cache_size=-65536")
        connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error:
        connection.close()
        raise
    return connection


class SQLiteLog:
    """A SQLite log as replays read it (projections.engine.ReplayLog), and what a timeline asks around them."""

    def __init__(self, path: Path, url: str, lock_timeout: float) -> None:
        self.path = path
        self.url = url
        self._masked_url = mask_url(url)
        self._lock_timeout = lock_timeout
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._depth = 0  # reads under way on the reader: only the outermost begins and ends its transaction

    @classmethod
    def open(cls, url: str, *, lock_timeout: float | None = None) -> SQLiteLog | None:
        """Return the log a plain SQLite URL names, at this code's schema; None when the store should read it."""
        path = sqlite_file(url)
        if path is None or not path.is_file():
            return None
        log = cls(path, url, resolve_lock_timeout() if lock_timeout is None else lock_timeout)
        try:
            with log.reading() as connection:
                revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except (TimelineError, sqlite3.Error):
            revision = None  # the store says what is wrong, in its words
        if revision is None or revision[0] != HEAD_REVISION:
            log.close()
            return None
        return log

    # -- what a timeline asks --------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """Return the last position and its hash (0 and the genesis hash for an empty log)."""
        with self.reading() as connection:
            row = connection.execute(_HEAD).fetchone()
        return (0, GENESIS_HASH) if row is None else (int(row[0]), row[1])

    def known_position(self, known_at: int | str | None) -> int:
        """Return the last position known at a timestamp or position (the head for None)."""
        head, _ = self.head()
        return known_position(head, known_at, self._recorded_by)

    def _recorded_by(self, timestamp: str) -> int:
        with self.reading() as connection:
            return int(connection.execute(RECORDED_THROUGH, {"recorded_at": timestamp}).fetchone()[0])

    def stream_version(self, stream: str) -> int:
        """Return the version a stream is at (0 when it has no events), as the store's streams table and rows say."""
        with self.reading() as connection:
            through = connection.execute(_STREAMS_THROUGH).fetchone()[0]
            kept = connection.execute(_STREAM_VERSION, (stream,)).fetchone()
            past = connection.execute(_VERSION_PAST, (through, stream)).fetchone()[0]
        return max(0 if kept is None else kept[0], past or 0)

    def streams(self) -> list[str]:
        """Return the name of every stream that holds events, sorted."""
        with self.reading() as connection:
            return sorted(stream for (stream,) in connection.execute(_STREAMS))

    def effective_batches(self, window: ReplayWindow) -> Iterator[Sequence[RecordedEvent]]:
        """Yield a window's effective events in fold order, in batches (core.replay_reads), in one read."""
        with self.reading() as connection:
            yield from effective_batches(_Reads(connection), window)

    def replay_pages_due(self) -> bool:
        """Say whether the replay pages are worth building again (the store builds them: core.pages)."""
        if not writable(self.path):
            return False
        with self.reading() as connection:  # one read: the head and the pages' position as of one moment
            covered = _Reads(connection).covered_through()
            head, _ = self.head()
        return pages_due(head, covered)

    def verify(
        self, *, on_progress: Callable[[int], None] | None = None, expect: str | None = None, workers: int | None = None
    ) -> VerifyReport:
        """Recompute the hash chain and check every row and stored text, as the store's verify does (core.chain)."""
        from core.chain import check_chain, verified

        head, _ = self.head()
        report = check_chain(self.url, head, expect=expect, on_progress=on_progress, workers=workers)
        with self.reading() as connection:
            texts = dict(connection.execute(_TEXTS).fetchall())
        return verified(report, head, texts, expect)

    def snapshots(self, factory: Any) -> SQLiteSnapshots:
        """Return the snapshots kept beside this log, built with `factory` when read."""
        return SQLiteSnapshots(self, factory)

    def close(self) -> None:
        """Close the connections, the writer last: the last to close checkpoints the write-ahead log if it may write."""
        for connection in (self._reader, self._writer):
            if connection is not None:
                connection.close()
        self._reader = self._writer = None

    # -- connections -----------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Yield the reader in a read transaction (the one under way, when a read is already)."""
        with self._translated():
            if self._reader is None:
                self._reader = connect_read_only(self.path, self._lock_timeout)
            connection = self._reader
            if self._depth == 0:
                connection.execute("BEGIN")
            self._depth += 1
            try:
                yield connection
            finally:
                self._depth -= 1
                if self._depth == 0 and connection.in_transaction:
                    connection.execute("ROLLBACK")  # it only read: nothing to keep

    def write_skippable(self, sql: str, rows: list[dict[str, Any]]) -> bool:
        """Run one statement over rows in a write transaction, if the lock comes within 0.2 s; return whether it did.

        For caches only: the log's own rows are written by the store.
        """
        if not writable(self.path):
            return False  # read-only media: the cache is skipped, the answer stands
        with self._translated():
            if self._writer is None:
                self._writer = sqlite3.connect(
                    self.path, timeout=_SNAPSHOT_WAIT, isolation_level=None, check_same_thread=False
                )
                self._writer.execute("PRAGMA synchronous=NORMAL")
            try:
                self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if is_locked(str(error)):
                    return False  # a writer holds the log: never keep a reader waiting to save a cache
                raise
            try:
                self._writer.executemany(sql, rows)
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")
        return True

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            message = mask_urls(str(error)).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise refusal(
                message,
                locked=is_locked(message),
                unreachable=isinstance(error, sqlite3.OperationalError),
                dialect="sqlite",
                masked_url=self._masked_url,
                lock_timeout=self._lock_timeout,
                writable=writable(self.path),
            ) from error


class _Reads:
    """The reads of a replay (core.replay_reads.LogReads) on the reader, within its transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def covered_through(self) -> int:
        row = self._connection.execute(_COVERED_THROUGH, (FORMAT,)).fetchone()
        return int(row[0]) if row is not None and row[0] is not None else 0

    def amendment_events(self, known_position: int, *, after_position: int = 0) -> list[RecordedEvent]:
        return _events(self._connection.execute(_AMENDMENT_ROWS, (known_position, after_position)))

    @contextmanager
    def paged(self, window: PageWindow, through_position: int) -> Iterator[Iterator[list[RecordedEvent]] | None]:
        # as core.pages.paged: one statement reads the generation's header and the pages the window wants
        wanted, parameters = "page > 0", [FORMAT, through_position]
        if window.after_day is not None:
            wanted += " AND last_latest > ?"
            parameters.append(window.after_day)
        if window.until_day is not None:
            wanted += " AND first_latest <= ?"
            parameters.append(window.until_day)
        column = "fold" if window.fold_fields_only else "body"
        query = (
            f"SELECT first_latest, last_latest, {column} FROM replay_pages"
            f" WHERE generation = ({_NEWEST_WHOLE} AND through_position = ?) AND (page = 0 OR ({wanted}))"
            " ORDER BY page"
        )
        with closing(self._connection.execute(query, parameters)) as cursor:
            header = cursor.fetchone()
            yield None if header is None else page_batches(cursor, window, header[2])

    def body_batches(
        self, window: ReplayWindow, excluded: Collection[str], *, after_position: int = 0
    ) -> Iterator[list[RecordedEvent]]:
        # as Recorder.replay_bodies: the plain events' bodies in fold order
        where = f"position <= ? AND type NOT IN {_AMENDMENTS} AND position > ?"
        parameters: list[Any] = [window.known_position, after_position]
        if window.stream is not None:
            where += " AND stream = ?"
            parameters.append(window.stream)
        if window.after_day is not None:
            where += " AND occurred_latest > ?"
            parameters.append(window.after_day.isoformat())
        if window.until_day is not None:
            where += " AND occurred_latest <= ?"
            parameters.append(window.until_day.isoformat())
        query = f"SELECT body FROM events WHERE {where} ORDER BY occurred_latest, occurred_earliest, position"
        with closing(self._connection.execute(query, parameters)) as cursor:
            while rows := cursor.fetchmany(_BODIES_AT_ONCE):
                yield plain_events([body for (body,) in rows], excluded)

    def events_by_id(self, ids: Collection[str]) -> list[RecordedEvent]:
        found = _events(self._connection.execute(_ROWS_WITH_IDS, (json.dumps(list(ids)),)))
        return sorted(found, key=lambda event: event.position)


def _events(rows: Iterable[tuple[str, str, str]]) -> list[RecordedEvent]:
    """Return the events of rows (body, prev_hash, hash), as the store reads them (core.mapper.from_row)."""
    return [from_row({"body": body, "prev_hash": prev_hash, "hash": hash}) for body, prev_hash, hash in rows]


class SQLiteSnapshots(KeptSnapshots):
    """The snapshots kept beside a SQLite log, read and written through sqlite3 (as core.snapshots keeps them)."""

    def __init__(self, log: SQLiteLog, factory: Any) -> None:
        super().__init__(factory)
        self._log = log

    @contextmanager
    def _reading(self) -> Iterator[_SnapshotReads]:
        with self._log.reading() as connection:
            yield _SnapshotReads(connection)

    def _stored(self, rows: list[dict[str, Any]]) -> bool:
        return self._log.write_skippable(_SNAPSHOT_INSERT, rows)


class _SnapshotReads:
    """What choosing a snapshot reads (core.replay_reads.SnapshotReads), within a read of the reader."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def candidates(
        self, projection: str, stream: str, version: str, known_position: int, day: str
    ) -> list[tuple[Any, int, str]]:
        parameters = (projection, stream, version, known_position, day, SNAPSHOT_CANDIDATES)
        return self._connection.execute(_SNAPSHOT_CANDIDATES, parameters).fetchall()

    def changed_since(self, stream: str | None, position: int, day: str, known_position: int) -> bool:
        dated_before, parameters = "occurred_latest <= ?", [position, known_position, day]
        if stream is not None:
            dated_before += " AND stream = ?"
            parameters.append(stream)
        query = (
            "SELECT position FROM events WHERE position > ? AND position <= ?"
            f" AND (type IN {_AMENDMENTS} OR ({dated_before})) LIMIT 1"
        )
        return self._connection.execute(query, parameters).fetchone() is not None

    def state(self, snapshot_id: Any) -> str | bytes:
        (state,) = self._connection.execute(_SNAPSHOT_STATE, (snapshot_id,)).fetchone()
        self._connection.execute("PRAGMA shrink_memory")  # the state's pages would stay cached beside it
        return state  # type: ignore[no-any-return]
