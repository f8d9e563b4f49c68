"""Speaks SQL to the log's tables, in stored rows: what a write transaction reads and inserts, and the read queries.

Rows go in as core.mapper builds them (values in COLUMNS order) and come out as
rows or stored bodies for core.mapper to turn back into events: nothing here
builds an event, checks one or decides anything. The two backends differ in two
statements only, inserting many rows and finding rows by many ids:
SQLiteRecorder and PostgresRecorder.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

import orjson
from sqlalchemy import BigInteger, Connection, Integer, RowMapping, bindparam, func, insert, select, text, update

from core.database import Database
from core.mapper import COLUMNS
from core.replay_reads import ReplayWindow
from core.schema import RARE_TYPES, RECORDED_THROUGH, events, source_texts, streams
from errors import ConcurrencyError

__all__ = [
    "AMENDMENT_TYPES",
    "APPENDED_CHANNEL",
    "EventFilter",
    "Head",
    "PostgresRecorder",
    "Recorder",
    "ReplayWindow",
    "SQLiteRecorder",
    "Transaction",
    "recorder_for",
]

_T = TypeVar("_T")

AMENDMENT_TYPES = ("event.corrected", "event.retracted")
# The PostgreSQL channel each append transaction notifies, with the payload "SCHEMA POSITION".
APPENDED_CHANNEL = "dtl_appended"
# ids per statement when many events are looked up by id
_IDS_PER_QUERY = 1000


@dataclass(frozen=True)
class EventFilter:
    """Which events to read; every criterion is optional."""

    stream: str | None = None
    type: str | None = None
    actor: str | None = None
    since: int | None = None
    known_at: int | str | None = None


class Head(NamedTuple):
    """The last row of the log, as a write transaction finds it."""

    position: int
    hash: str
    recorded_at: str
    streams_through: int  # the greatest head the streams table was written at (see take_in_streams)


# Statements every write transaction runs, built once (SQLAlchemy then reuses their compiled form).
# The streams table (migration 0008): each stream's version, and the head when it was written.
_STREAMS_THROUGH = select(func.coalesce(func.max(streams.c.through_position), 0))
_HEAD = (
    select(events.c.position, events.c.hash, events.c.recorded_at, _STREAMS_THROUGH.scalar_subquery())
    .order_by(events.c.position.desc())
    .limit(1)
)
_STREAM_VERSION = select(streams.c.version).where(streams.c.stream == bindparam("stream"))
_VERSION_PAST = select(func.max(events.c.stream_version)).where(
    events.c.position > bindparam("through"), events.c.stream == bindparam("stream")
)
# SQLite would find those few rows by reading every row of the stream through its fold index (11 ms at 100k events
# in one stream); `+stream` leaves it the range of positions, the rowid (core.sqlite_reads does the same)
_VERSION_PAST_SQLITE = select(func.max(events.c.stream_version)).where(
    events.c.position > bindparam("through"), text("+stream = :stream")
)
_VERSIONS_PAST = (
    select(events.c.stream, func.max(events.c.stream_version))
    .where(events.c.position > bindparam("through"))
    .group_by(events.c.stream)
)
_IDS_THROUGH = select(events.c.event_id).where(events.c.position <= bindparam("through"))
_ADVANCE_STREAM = (
    update(streams)
    .where(streams.c.stream == bindparam("name"), streams.c.version == bindparam("before"))
    .values(version=bindparam("after"), through_position=bindparam("through"))
)


def _stream_version(connection: Connection, stream: str) -> int:
    """Return the version a stream is at (0 when it has no events), rows past the streams table's head included.

    Rows written other than by the writer (a log copied in row by row) are not in the streams table until
    the next write takes them in: they are past its head, and read from the events (by position, the key).
    """
    through = connection.execute(_STREAMS_THROUGH).scalar_one()
    kept = connection.execute(_STREAM_VERSION, {"stream": stream}).scalar_one_or_none()
    statement = _VERSION_PAST_SQLITE if connection.dialect.name == "sqlite" else _VERSION_PAST
    past = connection.execute(statement, {"through": through, "stream": stream}).scalar_one_or_none()
    return max(kept or 0, past or 0)


# the last registration, correction or retraction: what the registered sources, as corrected, depend on
_LAST_RARE = select(func.max(events.c.position)).where(text(RARE_TYPES))
_STORED_TEXT = select(source_texts.c.text).where(source_texts.c.sha256 == bindparam("sha256"))
_TYPE_OF = select(events.c.type).where(events.c.event_id == bindparam("event_id"))


class Recorder:
    """The SQL both backends share; SQLiteRecorder and PostgresRecorder add the two statements that differ."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # -- transactions ----------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """Yield a read transaction."""
        with self.database.reading() as connection:
            yield Transaction(self, connection)

    def writing(self, work: Callable[[Transaction], _T], *, alone: bool = False) -> _T:
        """Run `work` once in one serialised write transaction (see Database.writing, and its `alone`)."""

        def _run(connection: Connection) -> _T:
            transaction = Transaction(self, connection)
            try:
                done = work(transaction)
            except BaseException as error:
                transaction.abandon(error)
                raise
            transaction.settle()
            return done

        return self.database.writing(_run, alone=alone)

    # -- the statements that differ by backend ---------------------------------------------------

    def insert_rows(self, connection: Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows (values in COLUMNS order) through the driver, with no per-row SQL compilation."""
        raise NotImplementedError

    def stream_rows(
        self, connection: Connection, rows: list[tuple[Any, ...]], stream: RowStream | None
    ) -> RowStream | None:
        """Send rows to the database, leaving the statement open where the backend streams (see Transaction.insert).

        Returns the open stream, to be given again and settled before any other statement; by default
        (SQLite) the rows are inserted at once and nothing stays open.
        """
        self.insert_rows(connection, rows)
        return None

    def rows_with_ids(self, connection: Connection, ids: Sequence[str]) -> Iterator[tuple[str, str, str]]:
        """Yield (body, prev_hash, hash) of the stored rows among these ids: one statement, the ids one parameter."""
        raise NotImplementedError

    def transaction_time(self, connection: Connection) -> datetime | None:
        """Return the database's own time for the transaction, or None when the database keeps no clock of its own."""
        return None

    def announce(self, connection: Connection, position: int) -> None:
        """Tell listeners, when the transaction commits, that the log now ends at `position` (where the database can).

        SQLite cannot: its subscribers poll the head instead.
        """

    # -- read queries, each in a read transaction of its own --------------------------------------

    @contextmanager
    def read(self, criteria: EventFilter) -> Iterator[Iterable[RowMapping]]:
        """Yield the matching rows (body, prev_hash, hash) in position order, streamed while the block runs."""
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
        with self.database.reading() as connection:
            if isinstance(criteria.known_at, str):
                query = query.where(events.c.position <= recorded_through(connection, criteria.known_at))
            result = connection.execution_options(stream_results=True, yield_per=2000).execute(query)
            # the caller iterates the driver's result itself: a generator between would cost ~3% of a read
            with closing(result):
                yield result.mappings()

    def get(self, event_id: str) -> RowMapping | None:
        """Return the whole row of the event with this id, or None."""
        with self.database.reading() as connection:
            return connection.execute(select(events).where(events.c.event_id == event_id)).mappings().first()

    def head(self) -> tuple[int, str] | None:
        """Return the last position and its hash, or None for an empty log."""
        with self.database.reading() as connection:
            row = connection.execute(
                select(events.c.position, events.c.hash).order_by(events.c.position.desc()).limit(1)
            ).first()
        return (row.position, row.hash) if row else None

    def version(self) -> tuple[int, int]:
        """Return the last position and how many source texts are stored: what every answer depends on."""
        with self.database.reading() as connection:
            position = connection.execute(select(func.max(events.c.position))).scalar_one_or_none()
            texts = connection.execute(select(func.count()).select_from(source_texts)).scalar_one()
        return int(position or 0), int(texts)

    def stream_version(self, stream: str) -> int:
        """Return the version a stream is at (0 when it has no events)."""
        with self.database.reading() as connection:
            return _stream_version(connection, stream)

    def streams(self) -> list[str]:
        """Return the name of every stream that holds events, sorted."""
        with self.database.reading() as connection:
            return sorted(connection.execute(select(events.c.stream).distinct()).scalars())

    def position_recorded_by(self, timestamp: str) -> int:
        """Return the last position recorded at or before a timestamp (0 when none was)."""
        with self.database.reading() as connection:
            return recorded_through(connection, timestamp)

    def amendment_rows(self, known_position: int, *, after_position: int = 0) -> list[RowMapping]:
        """Return the rows (body, prev_hash, hash) of the corrections and retractions at positions after..known."""
        query = (
            select(events.c.body, events.c.prev_hash, events.c.hash)
            .where(text(RARE_TYPES), events.c.type.in_(AMENDMENT_TYPES), events.c.position <= known_position)
            .order_by(events.c.position)
        )
        if after_position:
            query = query.where(events.c.position > after_position)
        with self.database.reading() as connection:
            return list(connection.execute(query).mappings())

    def landed(self, first: int, last: int, ids: Collection[str]) -> list[tuple[str, int, int, str]]:
        """Return (id, position, stream version, hash) of the rows at positions first..last, then of these ids."""
        columns = (events.c.event_id, events.c.position, events.c.stream_version, events.c.hash)
        found: list[tuple[str, int, int, str]] = []
        wanted = list(ids)
        with self.database.reading() as connection:
            if first <= last:
                query = select(*columns).where(events.c.position.between(first, last)).order_by(events.c.position)
                found.extend(tuple(row) for row in connection.execute(query))
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                part = wanted[start : start + _IDS_PER_QUERY]
                query = select(*columns).where(events.c.event_id.in_(part))
                by_id = {row[0]: tuple(row) for row in connection.execute(query)}
                found.extend(by_id[event_id] for event_id in part if event_id in by_id)
        return found

    def rows_by_id(self, ids: Collection[str]) -> list[RowMapping]:
        """Return the rows (body, prev_hash, hash) of the events with these ids, in no particular order."""
        found: list[RowMapping] = []
        wanted = list(ids)
        with self.database.reading() as connection:
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                query = select(events.c.body, events.c.prev_hash, events.c.hash).where(
                    events.c.event_id.in_(wanted[start : start + _IDS_PER_QUERY])
                )
                found.extend(connection.execute(query).mappings())
        return found

    @contextmanager
    def replay_bodies(self, window: ReplayWindow, *, after_position: int = 0) -> Iterator[Iterable[Sequence[str]]]:
        """Yield the bodies of a window's plain events in partitions, by (latest day, earliest day, position), streamed.

        Only positions after `after_position` (those the replay pages do not hold). The window's
        excluded ids are the caller's to drop: they are known only once a body is read.
        """
        query = (
            select(events.c.body)
            .where(events.c.position <= window.known_position, events.c.type.not_in(AMENDMENT_TYPES))
            .order_by(events.c.occurred_latest, events.c.occurred_earliest, events.c.position)
        )
        if after_position:
            query = query.where(events.c.position > after_position)
        if window.stream is not None:
            query = query.where(events.c.stream == window.stream)
        if window.after_day is not None:
            query = query.where(events.c.occurred_latest > window.after_day.isoformat())
        if window.until_day is not None:
            query = query.where(events.c.occurred_latest <= window.until_day.isoformat())
        with self.database.reading() as connection:
            result = connection.execution_options(yield_per=5000).execute(query)
            with closing(result):
                # whole partitions of bare values: SQLAlchemy's per-row fetching and Row objects cost
                # more than the row itself (measured: scalars save a third of the reading time)
                yield result.scalars().partitions()


_RECORDED_THROUGH = text(RECORDED_THROUGH)


def recorded_through(connection: Connection, timestamp: str) -> int:
    """Return the last position recorded at or before a timestamp (0 when none was), by RECORDED_THROUGH."""
    return int(connection.execute(_RECORDED_THROUGH, {"recorded_at": timestamp}).scalar_one())


_SQLITE_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_SQLITE_WITH_IDS = "SELECT body, prev_hash, hash FROM events WHERE event_id IN (SELECT value FROM json_each(?))"


class SQLiteRecorder(Recorder):
    """Inserts with executemany; finds many ids through json_each of one JSON array parameter."""

    def insert_rows(self, connection: Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows (values in COLUMNS order) with the driver's executemany."""
        connection.exec_driver_sql(_SQLITE_INSERT, rows)

    def rows_with_ids(self, connection: Connection, ids: Sequence[str]) -> Iterator[tuple[str, str, str]]:
        """Yield (body, prev_hash, hash) of the stored rows among these ids, passed as one JSON array."""
        yield from connection.exec_driver_sql(_SQLITE_WITH_IDS, (orjson.dumps(list(ids)).decode(),))


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
_POSTGRES_WITH_IDS = "SELECT body, prev_hash, hash FROM events WHERE event_id = ANY(%s)"
# the schema names the log: several logs may share one database, each in its schema
_POSTGRES_ANNOUNCE = "SELECT pg_notify(%s, current_schema() || ' ' || %s)"


class PostgresRecorder(Recorder):
    """Inserts with binary COPY; finds many ids with = ANY of one array parameter."""

    def insert_rows(self, connection: Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows (values in COLUMNS order) with the driver's binary COPY."""
        driver_connection = connection.connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(_POSTGRES_COPY) as copy:  # type: ignore[union-attr]
            copy.set_types(_POSTGRES_TYPES)
            for row in rows:
                copy.write_row(row)

    def stream_rows(self, connection: Connection, rows: list[tuple[Any, ...]], stream: RowStream | None) -> RowStream:
        """Write rows into a binary COPY left open: the server inserts them while this process checks the next ones."""
        if stream is None:
            stream = _CopyStream(connection)
        stream.write(rows)
        return stream

    def rows_with_ids(self, connection: Connection, ids: Sequence[str]) -> Iterator[tuple[str, str, str]]:
        """Yield (body, prev_hash, hash) of the stored rows among these ids, passed as one array."""
        yield from connection.exec_driver_sql(_POSTGRES_WITH_IDS, (list(ids),))

    def transaction_time(self, connection: Connection) -> datetime:
        """Return the server's transaction time (now()): every writer of one log shares the server's clock."""
        moment: datetime = connection.exec_driver_sql("SELECT transaction_timestamp()").scalar_one()
        return moment

    def announce(self, connection: Connection, position: int) -> None:
        """NOTIFY `APPENDED_CHANNEL` with "SCHEMA POSITION": PostgreSQL delivers it to every listener on commit."""
        connection.exec_driver_sql(_POSTGRES_ANNOUNCE, (APPENDED_CHANNEL, str(position)))


class RowStream(Protocol):
    """A statement inserting rows that stays open while they are sent (a COPY), until settled or abandoned."""

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        """Send more rows."""
        ...

    def settle(self, error: BaseException | None = None) -> None:
        """End the statement (failing it when given the error that stops the write) and wait for the server."""
        ...


class _CopyStream:
    """A binary COPY into events kept open across writes (PostgreSQL)."""

    def __init__(self, connection: Connection) -> None:
        driver_connection = connection.connection.driver_connection
        self._cursor = driver_connection.cursor()  # type: ignore[union-attr]
        self._block = self._cursor.copy(_POSTGRES_COPY)
        self._copy = self._block.__enter__()
        self._copy.set_types(_POSTGRES_TYPES)

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        write_row = self._copy.write_row
        for row in rows:
            write_row(row)

    def settle(self, error: BaseException | None = None) -> None:
        try:
            if error is None:
                self._block.__exit__(None, None, None)
            else:
                self._block.__exit__(type(error), error, error.__traceback__)
        finally:
            self._cursor.close()


def recorder_for(database: Database) -> Recorder:
    """Return the recorder for a database's backend."""
    return PostgresRecorder(database) if database.dialect == "postgresql" else SQLiteRecorder(database)


class Transaction:
    """The statements run inside one transaction the caller holds (a write transaction holds the write lock)."""

    __slots__ = ("_connection", "_recorder", "_stream")

    def __init__(self, recorder: Recorder, connection: Connection) -> None:
        self._recorder = recorder
        self._connection = connection
        self._stream: RowStream | None = None

    @property
    def connection(self) -> Connection:
        """The transaction's connection, rows still being sent settled first: every statement goes through here."""
        if self._stream is not None:
            self.settle()
        return self._connection

    def settle(self) -> None:
        """Finish sending the rows inserted so far (PostgreSQL: end the COPY and wait for the server)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.settle()

    def abandon(self, error: BaseException) -> None:
        """Fail the rows still being sent, as the transaction rolls back because of `error`."""
        stream, self._stream = self._stream, None
        if stream is not None:
            with suppress(Exception):  # the error that stops the write is the one to report
                stream.settle(error)

    def head(self) -> Head | None:
        """Return the last row's position, hash and recorded_at, or None for an empty log."""
        row = self.connection.execute(_HEAD).first()
        return None if row is None else Head(*row)

    def stream_version(self, stream: str) -> int:
        """Return the version a stream is at (0 when it has no events), once take_in_streams has run."""
        return self.connection.execute(_STREAM_VERSION, {"stream": stream}).scalar_one_or_none() or 0

    def take_in_streams(self, head: Head | None) -> None:
        """Bring the streams table up to the head (None: an empty log): the versions of rows written otherwise."""
        if head is None or head.streams_through >= head.position:
            return
        changes = {}
        found = self.connection.execute(_VERSIONS_PAST, {"through": head.streams_through}).all()
        for stream, past in found:
            kept = self.stream_version(stream)
            changes[stream] = (kept, max(kept, past))
        self.advance_streams(changes, head.position)

    def advance_streams(self, versions: dict[str, tuple[int, int]], through: int) -> None:
        """Move each stream from its version before to its version after, the log's head now being `through`.

        A stream not at its version before (another writer moved it: the write lock makes that a bug)
        fails the write with a ConcurrencyError, as the unique (stream, version) index once did.
        """
        connection = self.connection
        for stream, (before, after) in versions.items():
            values = {"name": stream, "before": before, "after": after, "through": through}
            if connection.execute(_ADVANCE_STREAM, values).rowcount == 1:
                continue
            if before == 0 and connection.execute(_STREAM_VERSION, {"stream": stream}).first() is None:
                connection.execute(insert(streams).values(stream=stream, version=after, through_position=through))
                continue
            raise ConcurrencyError(stream, before, _stream_version(connection, stream))

    def type_of(self, event_id: str) -> str | None:
        """Return the type of the stored event with this id, or None."""
        return self.connection.execute(_TYPE_OF, {"event_id": event_id}).scalar_one_or_none()

    def ids_through(self, position: int) -> set[str]:
        """Return the id of every stored event up to a position."""
        return set(self.connection.execute(_IDS_THROUGH, {"through": position}).scalars())

    def rows_with_ids(self, ids: Sequence[str]) -> Iterator[tuple[str, str, str]]:
        """Yield (body, prev_hash, hash) of the stored rows among these ids (rows inserted in this transaction too)."""
        return self._recorder.rows_with_ids(self.connection, ids)

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows, values in COLUMNS order (SQLite executemany, PostgreSQL binary COPY).

        On PostgreSQL the COPY stays open until the next statement of the transaction (or its end),
        so the server inserts these rows while the caller goes on checking the next ones.
        """
        self._stream = self._recorder.stream_rows(self._connection, rows, self._stream)

    def transaction_time(self) -> datetime | None:
        """Return the database's own time for this transaction (PostgreSQL), or None (SQLite: no server clock)."""
        return self._recorder.transaction_time(self.connection)

    def announce(self, position: int) -> None:
        """Tell listeners, on commit, that the log now ends at `position` (PostgreSQL NOTIFY; SQLite: nothing)."""
        self._recorder.announce(self.connection, position)

    def last_rare_event(self) -> int | None:
        """Return the position of the last registration, correction or retraction, or None when there is none."""
        return self.connection.execute(_LAST_RARE).scalar_one_or_none()

    def registration_rows(self, *, until: int | None = None) -> Iterator[RowMapping]:
        """Yield the whole rows of the source.registered events (at or before `until`), in position order."""
        query = select(events).where(text(RARE_TYPES), events.c.type == "source.registered").order_by(events.c.position)
        if until is not None:
            query = query.where(events.c.position <= until)
        return iter(self.connection.execute(query).mappings())

    def amendment_bodies(self, *, containing: str | None = None, until: int | None = None) -> list[str]:
        """Return the bodies of the corrections and retractions (at or before `until`), in position order.

        With `containing`, only those whose body holds that text: a filter SQL applies (SQLite's LIKE ignores
        the case of ASCII letters), so callers check what they parse.
        """
        query = (
            select(events.c.body)
            .where(text(RARE_TYPES), events.c.type.in_(AMENDMENT_TYPES))
            .order_by(events.c.position)
        )
        if containing is not None:
            query = query.where(events.c.body.contains(containing, autoescape=True))
        if until is not None:
            query = query.where(events.c.position <= until)
        return list(self.connection.execute(query).scalars())

    def bodies_containing(self, fragment: str) -> list[str]:
        """Return the bodies of every event whose body holds this text, in position order.

        A scan of the whole table, for the rare writes that must find every event citing a source; as with
        amendment_bodies, callers check what they parse.
        """
        query = select(events.c.body).where(events.c.body.contains(fragment, autoescape=True))
        return list(self.connection.execute(query.order_by(events.c.position)).scalars())

    def text_digests(self) -> set[str]:
        """Return the sha256 of every stored text."""
        return set(self.connection.execute(select(source_texts.c.sha256)).scalars())

    def stored_text(self, sha256: str) -> str | None:
        """Return the stored text with this sha256, or None."""
        return self.connection.execute(_STORED_TEXT, {"sha256": sha256}).scalar_one_or_none()

    def texts(self) -> dict[str, str]:
        """Return every stored text by its sha256."""
        return dict(self.connection.execute(select(source_texts.c.sha256, source_texts.c.text)).all())

    def store_text(self, sha256: str, text: str, attached_at: str) -> None:
        """Store a text under its sha256, unless a text with that sha256 is stored already."""
        present = self.connection.execute(select(source_texts.c.sha256).where(source_texts.c.sha256 == sha256)).first()
        if present is None:
            self.connection.execute(insert(source_texts).values(sha256=sha256, text=text, attached_at=attached_at))
