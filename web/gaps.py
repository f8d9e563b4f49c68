"""What the HTTP door needs that service.Timeline does not offer yet, kept apart so it can move there.

Two questions: one event by its id (GET /api/events/{id}; an idempotent
re-post answers with the positions the events already have), and the full
entries of what an append wrote (the service returns the first, the last
and a count). Both read the log through the timeline's public methods but
one: looking an id up asks the timeline's store, the one place this door
reaches past the service. `Timeline.event(id) -> LoggedEvent | None` would
take its place.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.answers import LoggedEvent
    from service.timeline import Timeline

__all__ = ["appended_entries", "event_by_id"]


def event_by_id(timeline: Timeline, event_id: str) -> LoggedEvent | None:
    """Return the event with this id as the log lists it (with whether its quotes check out), or None."""
    found = timeline.store.get(event_id)
    if found is None:
        return None
    return next(iter(_logged(timeline, found.position - 1, 1)), None)


def _logged(timeline: Timeline, after: int, count: int) -> list[LoggedEvent]:
    logged = timeline.log(since=after or None)
    try:
        return list(itertools.islice(logged, count))
    finally:
        close = getattr(logged, "close", None)
        if close is not None:
            close()


def _entry(item: LoggedEvent) -> dict[str, Any]:
    event = item.event
    return {"id": event.id, "position": event.position, "stream_version": event.stream_version, "hash": event.hash}


def appended_entries(timeline: Timeline, result: Any) -> list[dict[str, Any]]:
    """Return where every posted event is: those written now (in position order), then those already present."""
    entries = []
    if result.first is not None:
        entries = [_entry(item) for item in _logged(timeline, result.first.position - 1, result.count)]
    for event_id in result.unchanged:
        found = timeline.store.get(event_id)
        if found is not None:
            entries.append(
                {"id": found.id, "position": found.position, "stream_version": found.stream_version, "hash": found.hash}
            )
    return entries
