"""Checks the stored log against its hash chain, in ranges of positions checked side by side.

Every row stores the hash it follows (prev_hash), so each row can be checked
knowing only the row before it: a range of positions is checked on its own,
reading one row before it. A long log is cut into ranges that worker
processes check at once, each on its own connection; the rows at or below the
head read first never change (appends only add positions after it). The first
bad row in position order is reported, as a sequential walk would.

A plain SQLite file is read through the standard library's sqlite3 (core.sqlite_reads),
so `dtl verify` never loads SQLAlchemy for it (a fifth of a second, in the parent and in
every worker); any other log through its Database. Both read the same rows with the same
statement, and tests/reliability/test_tampering.py holds them to the same verdicts.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.config import resolve_lock_timeout
from core.mapper import COLUMNS, GENESIS_HASH, first_mismatch, row_mismatch
from core.sqlite_reads import SQLiteLog, sqlite_file
from errors import IntegrityViolation

if TYPE_CHECKING:
    from core.database import Database

__all__ = ["ChainReport", "VerifyReport", "check_chain", "verified"]

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
_NEXT_QUERY = "SELECT position FROM events WHERE position > {p} ORDER BY position LIMIT 1"
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
class VerifyReport:
    """The outcome of checking the hash chain: how many rows, and the head."""

    count: int
    head_position: int
    head_hash: str


@dataclass(frozen=True)
class _Range:
    first: int
    last: int


def check_chain(
    url: str,
    head: int,
    *,
    expect: str | None,
    on_progress: Progress | None,
    workers: int | None = None,
    database: Database | None = None,
) -> ChainReport:
    """Check every row at positions 1..head of the log at `url`; raise IntegrityViolation at the first bad one.

    A long log is checked by `workers` processes (default: one per usable core). A plain
    SQLite file is read through sqlite3 (SQLAlchemy never loaded for it), any other URL
    through `database` in this process and a Database of each worker's own in workers.
    """
    from core.workers import worker_pool, worker_processes  # with its worker processes, loaded by verify alone

    if workers is None:
        workers = worker_processes(beside_this_one=False)
    if head == 0:
        return ChainReport(0, GENESIS_HASH, expect in (None, GENESIS_HASH))
    if workers < 1 or head < PARALLEL_FROM:
        with _range_reads(url, database) as reads:
            return _check_range(reads, _Range(1, head), expect, on_progress)

    ranges = [_Range(first, min(first + RANGE_SIZE - 1, head)) for first in range(1, head + 1, RANGE_SIZE)]
    reports: list[ChainReport] = []
    # each worker opens its own connections (see _checked_in_worker)
    with worker_pool(workers) as pool:
        tasks = ((url, part, expect) for part in ranges)
        results = pool.imap(_checked_in_worker, tasks, _described)
        for part, (report, violation) in zip(ranges, results, strict=True):
            if violation is not None:  # ranges arrive in order: this is the first bad row
                message, position = violation
                raise IntegrityViolation(message, position)
            reports.append(report)
            if on_progress is not None:
                on_progress(part.last - part.first + 1)
    return ChainReport(head, reports[-1].last_hash, any(report.expect_found for report in reports))


def verified(report: ChainReport, head: int, texts: dict[str, str], expect: str | None) -> VerifyReport:
    """Return the report of a chain checked through `head`, once the stored texts match their hashes too.

    Raise IntegrityViolation when a text no longer matches its sha256, or when a head hash
    published earlier (`expect`) was not met along the chain.
    """
    for digest, stored_text in texts.items():
        if hashlib.sha256(stored_text.encode("utf-8")).hexdigest() != digest:
            raise IntegrityViolation(f"the stored text with sha256 {digest} no longer matches its hash")
    if not report.expect_found:
        raise IntegrityViolation(
            f"the published head hash {expect} is not in the chain: history was truncated or rewritten "
            f"since it was published (the chain now ends at position {head}, hash {report.last_hash})"
        )
    return VerifyReport(count=report.count, head_position=head, head_hash=report.last_hash)


def _described(task: tuple[str, _Range, str | None]) -> str:
    _, part, _ = task
    return f"checking positions {part.first}-{part.last}"


def _checked_in_worker(
    task: tuple[str, _Range, str | None],
) -> tuple[ChainReport, tuple[str, int | None] | None]:
    """Check one range in a worker process, on connections of its own; return a violation rather than raise it."""
    url, part, expect = task
    try:
        # never the parent's connections, which the fork copied
        with _range_reads(url, None) as reads:
            return _check_range(reads, part, expect, None), None
    except IntegrityViolation as violation:
        return ChainReport(0, "", False), (str(violation), violation.position)


@dataclass(frozen=True)
class _RangeReads:
    """A read of the log under way: a cursor of the driver's that streams, the dialect, and what follows a gap."""

    cursor: Callable[[], Any]
    dialect: str
    position_after: Callable[[int], int | None]


@contextmanager
def _range_reads(url: str, database: Database | None) -> Iterator[_RangeReads]:
    """Open a read of the log: a plain SQLite file through sqlite3, anything else through `database` (or a new one)."""
    path = sqlite_file(url)
    if path is not None:
        log = SQLiteLog(path, url, resolve_lock_timeout())
        try:
            with log.reading() as connection:
                yield _RangeReads(connection.cursor, "sqlite", _position_after(connection.execute, "sqlite"))
        finally:
            log.close()
        return
    if database is not None:
        with _database_reads(database) as reads:
            yield reads
        return
    from core.database import Database

    own = Database(url)
    try:
        with _database_reads(own) as reads:
            yield reads
    finally:
        own.dispose()


@contextmanager
def _database_reads(database: Database) -> Iterator[_RangeReads]:
    with database.reading() as connection:
        dialect = connection.dialect.name
        driver = connection.connection.driver_connection

        def cursor() -> Any:
            # on PostgreSQL a named (server-side) cursor, which streams
            return driver.cursor(name="dtl_verify") if dialect == "postgresql" else driver.cursor()  # type: ignore[union-attr]

        def execute(sql: str, parameters: tuple[int]) -> Any:
            return connection.exec_driver_sql(sql, parameters)

        yield _RangeReads(cursor, dialect, _position_after(execute, dialect))


def _position_after(execute: Callable[[str, tuple[int]], Any], dialect: str) -> Callable[[int], int | None]:
    def position_after(missing: int) -> int | None:
        row = execute(_NEXT_QUERY.format(p=_PLACEHOLDER[dialect]), (missing,)).fetchone()
        return None if row is None else int(row[0])

    return position_after


def _check_range(reads: _RangeReads, part: _Range, expect: str | None, on_progress: Progress | None) -> ChainReport:
    # the driver's own cursor: SQLAlchemy's rows cost more than checking a row (closed here, whatever happens)
    with closing(reads.cursor()) as cursor:
        dialect = reads.dialect
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
        after = reads.position_after(missing)
        where = "the log ends before it" if after is None else f"the next row is at {after}"
        raise IntegrityViolation(f"position {missing} is missing ({where})", missing)
    return report


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
