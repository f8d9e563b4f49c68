"""Checks the stored log against its hash chain, in ranges of positions checked side by side.

Every row stores the hash it follows (prev_hash), so each row can be checked
knowing only the row before it: a range of positions is checked on its own,
reading one row before it. A long log is cut into ranges that worker
processes check at once, each on its own connection; the rows at or below the
head read first never change (appends only add positions after it). The first
bad row in position order is reported, as a sequential walk would.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from core.database import Database
from core.mapper import COLUMNS, GENESIS_HASH, first_mismatch, row_mismatch
from core.schema import events
from core.workers import worker_pool
from errors import IntegrityViolation

__all__ = ["ChainReport", "check_chain"]

Progress = Callable[[int], None]

# Logs below this many rows are checked in this process. Starting two workers costs about 20 ms and
# a range about 1 ms, while a row costs about 5 us: from here on, two workers halve the walk.
PARALLEL_FROM = 100_000
# Positions per range a worker checks: small enough that a log of PARALLEL_FROM rows keeps two workers busy.
RANGE_SIZE = 50_000
# Rows fetched at once: a batch this small stays in the processor's caches while it is checked.
_FETCH = 1_000

# Every column of the rows of a range and the one before it, the body as the bytes the hash covers
# (the str a driver would decode is only encoded again); {body} and {p} are each dialect's.
_RANGE_QUERY = "SELECT {columns} FROM events WHERE position BETWEEN {p} AND {p} ORDER BY position"
_BODY_BYTES = {"sqlite": "CAST(body AS BLOB)", "postgresql": "convert_to(body, 'UTF8')"}
_PLACEHOLDER = {"sqlite": "?", "postgresql": "%s"}
_POSITION, _BODY, _PREV_HASH, _HASH = (COLUMNS.index(name) for name in ("position", "body", "prev_hash", "hash"))


@dataclass(frozen=True)
class ChainReport:
    """What a walk along positions first..last found: rows checked, the last hash, whether `expect` was seen."""

    count: int
    last_hash: str
    expect_found: bool


@dataclass(frozen=True)
class _Range:
    first: int
    last: int


def check_chain(
    database: Database, head: int, *, expect: str | None, on_progress: Progress | None, workers: int
) -> ChainReport:
    """Check every row at positions 1..head; raise IntegrityViolation at the first bad one."""
    if head == 0:
        return ChainReport(0, GENESIS_HASH, expect in (None, GENESIS_HASH))
    if workers < 1 or head < PARALLEL_FROM:
        return _check_range(database, _Range(1, head), expect, on_progress)
    ranges = [_Range(first, min(first + RANGE_SIZE - 1, head)) for first in range(1, head + 1, RANGE_SIZE)]
    reports: list[ChainReport] = []
    # each worker opens its own connections (see _checked_in_worker)
    with worker_pool(workers) as pool:
        tasks = ((database.url, part, expect) for part in ranges)
        results = pool.imap(_checked_in_worker, tasks, _described)
        for part, (report, violation) in zip(ranges, results, strict=True):
            if violation is not None:  # ranges arrive in order: this is the first bad row
                message, position = violation
                raise IntegrityViolation(message, position)
            reports.append(report)
            if on_progress is not None:
                on_progress(part.last - part.first + 1)
    return ChainReport(head, reports[-1].last_hash, any(report.expect_found for report in reports))


def _described(task: tuple[str, _Range, str | None]) -> str:
    _, part, _ = task
    return f"checking positions {part.first}-{part.last}"


def _checked_in_worker(
    task: tuple[str, _Range, str | None],
) -> tuple[ChainReport, tuple[str, int | None] | None]:
    """Check one range in a worker process, on connections of its own; return a violation rather than raise it."""
    url, part, expect = task
    database = Database(url)  # never the parent's pooled connections, which the fork copied
    try:
        return _check_range(database, part, expect, None), None
    except IntegrityViolation as violation:
        return ChainReport(0, "", False), (str(violation), violation.position)
    finally:
        database.dispose()


def _check_range(database: Database, part: _Range, expect: str | None, on_progress: Progress | None) -> ChainReport:
    with database.reading() as connection, closing(_driver_cursor(connection)) as cursor:
        # the driver's own cursor: SQLAlchemy's rows cost more than checking a row (closed here, whatever happens)
        dialect = connection.dialect.name
        columns = ", ".join(_BODY_BYTES[dialect] if column == "body" else column for column in COLUMNS)
        cursor.execute(_RANGE_QUERY.format(columns=columns, p=_PLACEHOLDER[dialect]), (part.first - 1, part.last))
        batches: Iterator[Sequence[tuple[Any, ...]]] = iter(lambda: cursor.fetchmany(_FETCH), [])
        prev_hash: str | None = GENESIS_HASH
        if part.first > 1:
            first = next(batches, [])
            before = first[0] if first else None
            # a missing row before the range is reported by the range that holds it
            prev_hash = before[_HASH] if before is not None and before[_POSITION] == part.first - 1 else None
            batches = itertools.chain([first if prev_hash is None else first[1:]], batches)
        report = _walk(batches, part, prev_hash, expect, on_progress)
        if report.count < part.last - part.first + 1:  # the rows ran out inside the range
            missing = part.first + report.count
            after = connection.execute(
                select(events.c.position).where(events.c.position > missing).order_by(events.c.position).limit(1)
            ).scalar_one_or_none()
            where = "the log ends before it" if after is None else f"the next row is at {after}"
            raise IntegrityViolation(f"position {missing} is missing ({where})", missing)
        return report


def _driver_cursor(connection: Connection) -> Any:
    """Return a cursor of the driver that streams: on PostgreSQL a named (server-side) one."""
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        return driver.cursor(name="dtl_verify")  # type: ignore[union-attr]
    return driver.cursor()  # type: ignore[union-attr]


def _walk(
    batches: Iterable[Sequence[tuple[Any, ...]]],
    part: _Range,
    prev_hash: str | None,
    expect: str | None,
    on_progress: Progress | None,
) -> ChainReport:
    """Walk the batches of rows (values in COLUMNS order) of one range; the report's count says how many were there.

    prev_hash None: the row before the range is missing, which the range holding it reports.
    """
    expected_position = part.first
    expect_found = expect is None or (part.first == 1 and expect == GENESIS_HASH)
    last_hash = prev_hash or ""
    sha256 = hashlib.sha256
    for batch in batches:
        # first the links and hashes along the batch, then the columns of the rows that passed: a row's own
        # link or hash is named before its columns, and any fault of a row before a later row's
        broken = None
        for index, row in enumerate(batch):
            last_hash = row[_HASH]
            prev = row[_PREV_HASH]
            if (
                row[_POSITION] != expected_position
                or (prev != prev_hash and prev_hash is not None)
                or sha256(prev.encode("ascii") + row[_BODY]).hexdigest() != last_hash
            ):
                broken = index
                break
            prev_hash = last_hash
            expected_position += 1
            if last_hash == expect:
                expect_found = True
        linked = batch if broken is None else batch[:broken]
        mismatch = first_mismatch(linked)
        if mismatch is not None:
            position = linked[mismatch][_POSITION]
            raise IntegrityViolation(f"position {position} was modified: {row_mismatch(linked[mismatch])}", position)
        if broken is not None:
            raise _broken_link(batch[broken], expected_position, prev_hash)
        if on_progress is not None:
            on_progress(len(batch))
    return ChainReport(expected_position - part.first, last_hash, expect_found)


def _broken_link(row: Sequence[Any], expected_position: int, prev_hash: str | None) -> IntegrityViolation:
    """Say how a row breaks the chain: out of place, not following the row before it, or its hash not matching."""
    position = row[_POSITION]
    if position != expected_position:
        return IntegrityViolation(
            f"position {expected_position} is missing (the next row is at {position})", expected_position
        )
    if prev_hash is not None and row[_PREV_HASH] != prev_hash:
        return IntegrityViolation(
            f"position {position} does not follow position {position - 1}: its prev_hash does not match", position
        )
    return IntegrityViolation(f"position {position} was modified: its hash does not match", position)
