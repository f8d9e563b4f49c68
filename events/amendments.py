"""Corrections and retractions applied to the events they amend: what the log says happened, as known.

Corrections and retractions change what we know, not what happened: every
amendment given applies to its target at every as-of date. The caller decides
what is known by what it passes in (the known-at filter). Plain values in,
plain values out: the store (core) and the folds (projections) both apply them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from events.records import RecordedEvent

__all__ = ["AMENDMENT_TYPES", "Amendments", "amended"]

AMENDMENT_TYPES = frozenset({"event.corrected", "event.retracted"})


@dataclass(frozen=True)
class Amendments:
    """The corrections and retractions known, by the id of the event they amend."""

    corrections: dict[str, list[RecordedEvent]]
    retractions: dict[str, RecordedEvent]

    @classmethod
    def collect(cls, events: Iterable[RecordedEvent]) -> Amendments:
        """Gather the amendments among events, corrections in the order they were recorded."""
        corrections: dict[str, list[RecordedEvent]] = {}
        retractions: dict[str, RecordedEvent] = {}
        for event in sorted((e for e in events if e.type in AMENDMENT_TYPES), key=lambda e: e.position):
            target = event.data["target"]
            if event.type == "event.retracted":
                retractions.setdefault(target, event)
            else:
                corrections.setdefault(target, []).append(event)
        return cls(corrections, retractions)

    def __bool__(self) -> bool:
        return bool(self.corrections or self.retractions)

    def targets(self) -> set[str]:
        """Return the ids of every amended event."""
        return set(self.corrections) | set(self.retractions)

    def apply(self, event: RecordedEvent) -> RecordedEvent | None:
        """Return the event as amended: None when retracted, its corrected fields otherwise."""
        if event.id in self.retractions:
            return None
        for correction in self.corrections.get(event.id, ()):
            changes: dict[str, Any] = correction.data["changes"]
            event = event._replace(
                occurred=changes.get("occurred", event.occurred),
                actor=changes.get("actor", event.actor),
                data=changes.get("data", event.data),
                sources=(
                    tuple((ref["source"], ref.get("quote")) for ref in changes["sources"])
                    if "sources" in changes
                    else event.sources
                ),
            )
        return event

    def ids_behind(self, event_id: str) -> list[str]:
        """Return the ids of the amendments that changed an event, oldest first."""
        ids = [correction.id for correction in self.corrections.get(event_id, ())]
        if event_id in self.retractions:
            ids.append(self.retractions[event_id].id)
        return ids


def amended(events: Iterable[RecordedEvent], amendments: Amendments) -> Iterator[RecordedEvent]:
    """Yield events with amendments applied, leaving out retracted events and the amendments themselves."""
    for event in events:
        if event.type in AMENDMENT_TYPES:
            continue
        if event.id in amendments.corrections or event.id in amendments.retractions:
            effective = amendments.apply(event)
            if effective is not None:
                yield effective
        else:
            yield event
