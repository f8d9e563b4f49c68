"""Copies a whole log, row for row, into an empty database: the backup, and the way from SQLite to PostgreSQL.

Every row of every table of the log is copied as stored — positions, recorded
times, bodies, hashes, source texts — so the copy's chain is the same chain,
with the same head hash; only the caches (snapshots, replay pages) are left
behind (the copy rebuilds them), and each stream's version is made again from
the events. The source is read in one read transaction (one consistent
moment, appends may go on meanwhile) and the destination is written in one
write transaction: a copy that fails for any reason leaves the destination
empty. Each row is checked against the chain as it passes, so a tampered log
is never copied; the destination is then verified from what it stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select

from core.database import Database
from core.mapper import COLUMNS, GENESIS_HASH, chain_hash, row_mismatch
from core.recorder import Transaction, recorder_for
from core.schema import events, metadata, replay_pages, snapshots, streams
from errors import InputError, IntegrityViolation, Location

__all__ = ["CopyReport", "copy_log"]

Progress = Callable[[int], None]

# Rows per batch read from the source and written to the destination.
_BATCH = 5_000
# Every table of the log but the events (copied through the recorder's bulk insert), the caches, and each
# stream's version (made again from the events copied).
_OTHER_TABLES = tuple(
    table for table in metadata.sorted_tables if table not in (events, snapshots, replay_pages, streams)
)
_POSITION, _BODY, _PREV_HASH, _HASH = (COLUMNS.index(name) for name in ("position", "body", "prev_hash", "hash"))


@dataclass(frozen=True)
class CopyReport:
    """What a copy wrote: events, rows of the other tables by table, and the head the copy ends at."""

    events: int
    rows: dict[str, int]
    head_position: int
    head_hash: str


def copy_log(source: Database, destination: Database, *, on_progress: Progress | None = None) -> CopyReport:
    """Copy every row of the log in `source` into `destination`, which must hold no log yet (it is created).

    Raises InputError (field `to`) when the destination already holds rows, and
    IntegrityViolation when a source row does not match the chain; either way
    the destination holds nothing of the source.
    """
    source.require_schema()
    if destination.revision() is not None:
        _refuse_unless_empty(destination)
    destination.migrate()

    def _work(target: Connection) -> CopyReport:
        _refuse_unless_empty(destination, target)
        with source.reading() as reader:
            count, head_hash = _copy_events(reader, target, destination, on_progress)
            transaction = Transaction(recorder_for(destination), target)
            transaction.take_in_streams(transaction.head())
            rows = {table.name: _copy_table(table, reader, target) for table in _OTHER_TABLES}
        return CopyReport(count, rows, count, head_hash)

    return destination.writing(_work)


def _refuse_unless_empty(destination: Database, connection: Connection | None = None) -> None:
    """Refuse a destination that holds rows in any table the copy writes."""

    def _held(reader: Connection) -> list[str]:
        return [
            f"{rows:,} rows in {table.name}"
            for table in (events, *_OTHER_TABLES)
            for rows in (reader.execute(select(func.count()).select_from(table)).scalar_one(),)
            if rows
        ]

    if connection is None:
        with destination.reading() as reader:
            held = _held(reader)
    else:
        held = _held(connection)
    if held:
        raise InputError(
            f"{destination.masked_url} is not empty ({', '.join(held)}): a copy goes into an empty database only",
            Location(field="to"),
            hint="name a new SQLite file or an empty PostgreSQL database or schema; nothing was written",
        )


def _copy_events(
    reader: Connection, target: Connection, destination: Database, on_progress: Progress | None
) -> tuple[int, str]:
    """Copy the events in position order, checking each row against the chain; return the count and head hash."""
    recorder = recorder_for(destination)
    query = select(*(events.c[name] for name in COLUMNS)).order_by(events.c.position)
    result = reader.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
    prev_hash, position = GENESIS_HASH, 0
    for batch in result.partitions(_BATCH):
        rows = [tuple(row) for row in batch]
        for row in rows:
            position += 1
            prev_hash = _checked(row, position, prev_hash)
        recorder.insert_rows(target, rows)
        if on_progress is not None:
            on_progress(len(rows))
    return position, prev_hash


def _checked(row: tuple[Any, ...], position: int, prev_hash: str) -> str:
    """Check one row (values in COLUMNS order) follows the chain at `position`; return its hash."""
    if row[_POSITION] != position:
        raise IntegrityViolation(f"position {position} is missing (the next row is at {row[_POSITION]})", position)
    if row[_PREV_HASH] != prev_hash:
        raise IntegrityViolation(
            f"position {position} does not follow position {position - 1}: its prev_hash does not match", position
        )
    if chain_hash(prev_hash, row[_BODY]) != row[_HASH]:
        raise IntegrityViolation(f"position {position} was modified: its hash does not match", position)
    mismatch = row_mismatch(row)
    if mismatch is not None:
        raise IntegrityViolation(f"position {position} was modified: {mismatch}", position)
    return str(row[_HASH])


def _copy_table(table: Table, reader: Connection, target: Connection) -> int:
    """Copy every row of one table as it is; return how many."""
    copied = 0
    for batch in _batches(reader, table):
        target.execute(insert(table), batch)
        copied += len(batch)
    return copied


def _batches(reader: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    query = select(table).order_by(*table.primary_key.columns)
    result = reader.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
    for batch in result.mappings().partitions(_BATCH):
        yield [dict(row) for row in batch]
