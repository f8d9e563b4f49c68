"""The order a fold sees events in, and how a few events join a long stream already in that order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from events.dates import edtf_bounds
from events.records import RecordedEvent

__all__ = ["fold_key", "slotted"]


def fold_key(event: RecordedEvent) -> tuple[date, date, int]:
    """Return the order in which a fold sees events: latest day, earliest day, position."""
    earliest, latest = edtf_bounds(event.occurred)
    return latest, earliest, event.position


def slotted(plain: Iterable[RecordedEvent], extra: Iterable[RecordedEvent]) -> Iterator[RecordedEvent]:
    """Yield two streams in fold order, each already in it, the plain one long and the extra one (usually) short.

    Like heapq.merge, but a plain event's whole key is only built when its latest
    day is not already before the waiting extra event's, and not at all once none waits.
    """
    pending = iter(extra)
    waiting = next(pending, None)
    if waiting is None:
        yield from plain
        return
    waiting_key = fold_key(waiting)
    events = iter(plain)
    for event in events:
        if edtf_bounds(event.occurred)[1] < waiting_key[0]:
            yield event
            continue
        key = fold_key(event)
        while waiting is not None and waiting_key < key:
            yield waiting
            waiting = next(pending, None)
            if waiting is not None:
                waiting_key = fold_key(waiting)
        yield event
        if waiting is None:
            yield from events
            return
    if waiting is not None:
        yield waiting
        yield from pending
