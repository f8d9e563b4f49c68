"""Turns the log into the events a fold sees: amendments applied (events.amendments), in valid-time order."""

from __future__ import annotations

from collections.abc import Iterable

from events import RecordedEvent, fold_key
from events.amendments import AMENDMENT_TYPES, Amendments, amended

__all__ = ["AMENDMENT_TYPES", "Amendments", "amended", "fold_key", "fold_order"]


def fold_order(events: Iterable[RecordedEvent]) -> list[RecordedEvent]:
    """Return the effective events, amendments applied, sorted in fold order (in memory)."""
    events = list(events)
    return sorted(amended(events, Amendments.collect(events)), key=fold_key)
