"""Replay pages: the log's effective events in fold order, already decoded, kept beside the log as a cache.

A replay reads the effective events of a window in fold order (latest day, earliest
day, position): the plain events with every correction and retraction known applied.
From the events table that costs, per event, a place in SQLite's sort, a JSON body to
parse and turn into a `RecordedEvent` (about 5 µs together on the bench's logs), and
the amendments known to read and apply. The pages hold the effective events as known
at their generation's `through_position`, every field but the hashes (which a replay
leaves out too), as msgpack arrays that msgspec turns straight into `RecordedEvent`s,
PAGE_EVENTS events to a row (about 1.3 µs an event). A replay (core.replay_reads.effective_batches,
through the store or core.sqlite_reads) reads them for a window that knows at least that much,
applying only the amendments recorded since and slotting in the events recorded since, read from
their bodies;
tests/integration/test_replay_pages.py compares what it gives, and the states, with an
independent reading of the whole log on random logs.

Like the snapshots, the pages are a cache: never hashed, never copied, safe to
delete, rebuilt from the log. A generation is written in several short transactions
(it may be large), its page 0 last: a generation without page 0 is not whole and is
never read. A rebuild happens after an answer has gone out (see `Timeline.save_caches`),
once the tail is long enough to be worth it; pages written by other code (another
`RecordedEvent` or other schema versions) are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select

from core.page_format import FORMAT, PAGE_EVENTS, PageWindow, header_row, page_batches, page_row
from core.schema import replay_pages
from events import RecordedEvent

__all__ = ["FORMAT", "PAGE_EVENTS", "PageWindow", "covered_through", "paged", "written_pages"]


def _newest_whole_generation() -> Any:
    """Return, as a subquery, the newest generation in this code's format that its page 0 says is whole."""
    column = replay_pages.c
    return select(func.max(column.generation)).where(column.page == 0, column.format == FORMAT).scalar_subquery()


def covered_through(connection: Connection) -> int:
    """Return the through_position of the newest whole generation in this code's format (0 when there is none)."""
    column = replay_pages.c
    newest = _newest_whole_generation()
    query = select(column.through_position).where(column.generation == newest, column.page == 0)
    return int(connection.execute(query).scalar() or 0)


@contextmanager
def paged(
    connection: Connection, window: PageWindow, through_position: int
) -> Iterator[Iterator[list[RecordedEvent]] | None]:
    """Yield the window's events from the generation that holds the log through a position, in batches.

    None when that generation is not kept whole (a rebuild may have replaced it since its
    position was read). One statement reads its header and pages (one consistent view: a
    rebuild that deletes it meanwhile cannot take pages from under it); a page is decoded
    only when the replay reaches it.
    """
    column = replay_pages.c
    generation = (
        select(func.max(column.generation))
        .where(column.page == 0, column.format == FORMAT, column.through_position == through_position)
        .scalar_subquery()
    )
    wanted = column.page > 0
    if window.after_day is not None:
        wanted = wanted & (column.last_latest > window.after_day)
    if window.until_day is not None:
        wanted = wanted & (column.first_latest <= window.until_day)
    body = column.fold if window.fold_fields_only else column.body
    query = (
        select(column.first_latest, column.last_latest, body)
        .where(column.generation == generation, or_(column.page == 0, wanted))
        .order_by(column.page)
    )
    result = connection.execution_options(yield_per=4).execute(query)
    with closing(result):
        header = next(iter(result), None)
        yield None if header is None else page_batches(result, window, header[2])


def written_pages(
    write: Callable[[Callable[[Connection], Any]], Any],
    events: Iterable[RecordedEvent],
    *,
    through_position: int,
    pages_per_write: int = 16,
) -> None:
    """Write a new generation from every plain event at or before through_position, given in fold order.

    `write(work)` runs `work` in a short write transaction. Pages go a few at a time
    (a generation may be large; appends must not wait for all of it); page 0, written
    last together with the deletion of every older generation, makes it whole. Its
    number is taken in the transaction of its first rows, so two rebuilds never share one.
    """
    number: int | None = None

    def add(rows: list[dict[str, Any]], last: bool) -> None:
        def work(connection: Connection) -> None:
            nonlocal number
            if number is None:
                newest = connection.execute(select(func.max(replay_pages.c.generation))).scalar()
                number = (newest or 0) + 1
            numbered = [{**row, "generation": number} for row in rows]
            if last:
                numbered.append(header_row(number, through_position, actors))
            if numbered:
                connection.execute(insert(replay_pages), numbered)
            if last:
                connection.execute(delete(replay_pages).where(replay_pages.c.generation < number))

        write(work)

    iterator = iter(events)
    page, rows = 0, []
    actors: set[str] = set()  # the actor codes of every page, for page 0
    while chunk := list(islice(iterator, PAGE_EVENTS)):
        page += 1
        rows.append(page_row(page, through_position, chunk, actors))
        if len(rows) == pages_per_write:
            add(rows, last=False)
            rows = []
    add(rows, last=True)
