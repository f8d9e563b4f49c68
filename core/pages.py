"""Replay pages: the log's effective events in fold order, already decoded, kept beside the log as a cache.

A replay reads the effective events of a window in fold order (latest day, earliest
day, position): the plain events with every correction and retraction known applied.
From the events table that costs, per event, a place in SQLite's sort, a JSON body to
parse and turn into a `RecordedEvent` (about 5 µs together on the bench's logs), and
the amendments known to read and apply. The pages hold the effective events as known
at their generation's `through_position`, every field but the hashes (which a replay
leaves out too), as msgpack arrays that msgspec turns straight into `RecordedEvent`s,
PAGE_EVENTS events to a row (about 1.3 µs an event). The store (EventStore.effective_batches)
reads them for a window that knows at least that much, applying only the amendments
recorded since and slotting in the events recorded since, read from their bodies;
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

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

import msgspec
from sqlalchemy import Connection, delete, func, insert, or_, select

from core.schema import replay_pages
from events import KINDS, RecordedEvent, edtf_bounds

__all__ = ["FORMAT", "PAGE_EVENTS", "PageWindow", "covered_through", "paged", "written_pages"]

PAGE_EVENTS = 4096


def _format() -> str:
    """Return a fingerprint of what a page holds: RecordedEvent's fields in order, and the schema versions."""
    versions = sorted(f"{name}={kind.schema_version}" for name, kind in KINDS.items())
    described = ["replay-pages/3 effective, fold column", *RecordedEvent._fields, *versions]
    return hashlib.sha256("\n".join(described).encode()).hexdigest()[:16]


FORMAT = _format()

_encoder = msgspec.msgpack.Encoder()
_decode_page = msgspec.msgpack.Decoder(list[RecordedEvent]).decode


@dataclass(frozen=True)
class PageWindow:
    """Which events of the pages a replay wants (the engine's ReplayWindow, days as ISO text)."""

    stream: str | None
    after_day: str | None
    until_day: str | None
    excluded: Collection[str]
    fold_fields_only: bool = False  # the fold column: see _fold_fields


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
        yield None if header is None else _batches(result, window)


def _batches(rows: Iterable[Any], window: PageWindow) -> Iterator[list[RecordedEvent]]:
    """Yield each page's events the window wants, a list per page, in fold order."""
    for first_latest, last_latest, body in rows:
        events = _decode_page(body)
        within_days = (window.after_day is None or first_latest > window.after_day) and (
            window.until_day is None or last_latest <= window.until_day
        )
        if within_days and window.stream is None and not window.excluded:
            yield events  # the usual case of a whole-log replay: every event of the page
        elif kept := _kept(events, window, within_days):
            yield kept


def _kept(events: list[RecordedEvent], window: PageWindow, within_days: bool) -> list[RecordedEvent]:
    stream, excluded = window.stream, window.excluded
    kept = [event for event in events if (stream is None or event.stream == stream) and event.id not in excluded]
    if within_days:
        return kept
    after, until = window.after_day, window.until_day
    return [
        event
        for event in kept
        if (after is None or _latest_text(event.occurred) > after)
        and (until is None or _latest_text(event.occurred) <= until)
    ]


def _latest_text(occurred: str) -> str:
    return edtf_bounds(occurred)[1].isoformat()


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
                numbered.append(_header(number, through_position))
            if numbered:
                connection.execute(insert(replay_pages), numbered)
            if last:
                connection.execute(delete(replay_pages).where(replay_pages.c.generation < number))

        write(work)

    iterator = iter(events)
    page, rows = 0, []
    while chunk := list(islice(iterator, PAGE_EVENTS)):
        page += 1
        rows.append(_row(page, through_position, chunk))
        if len(rows) == pages_per_write:
            add(rows, last=False)
            rows = []
    add(rows, last=True)


def _header(number: int, through_position: int) -> dict[str, Any]:
    return {
        "generation": number,
        "page": 0,
        "format": FORMAT,
        "through_position": through_position,
        "first_latest": "",
        "last_latest": "",
        "events": 0,
        "body": b"",
        "fold": b"",
    }


def _row(page: int, through_position: int, chunk: list[RecordedEvent]) -> dict[str, Any]:
    return {
        "page": page,
        "format": FORMAT,
        "through_position": through_position,
        "first_latest": _latest_text(chunk[0].occurred),
        "last_latest": _latest_text(chunk[-1].occurred),
        "events": len(chunk),
        "body": _encoder.encode([event._replace(prev_hash="", hash="") if event.hash else event for event in chunk]),
        "fold": _encoder.encode([_fold_fields(event) for event in chunk]),
    }


def _fold_fields(event: RecordedEvent) -> tuple[Any, ...]:
    """Return the leading fields of an event a fold reads, to be decoded as a `RecordedEvent` all the same.

    Up to its source ids (quotes left out) and an empty recorded_at, the fields after it
    taking their defaults: a page of these decodes in about three quarters of the time of
    whole events (measured on the bench's 1M log, decoding and freeing: 1.44 µs, not 1.82).
    A fold reads nothing after `sources` (mypyc reads a named tuple's fields by index,
    so the order is the class's own).
    """
    sources = tuple((source, None) for source, _ in event.sources)
    return (*event[:_SOURCES], sources, "")


_SOURCES = RecordedEvent._fields.index("sources")
