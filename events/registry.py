"""Maps each stable event type name to its payload model, schema version and upcasters.

Type names are never renamed. When a payload changes shape, its schema version
goes up and an upcaster turning the previous version's data into the new one is
registered, so events stored long ago are read in today's shape.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from events.vocabulary import (
    ConditionStated,
    CountReported,
    EventCorrected,
    EventRetracted,
    MeetingConvened,
    MeetingScheduled,
    Payload,
    PledgeMade,
    PledgeWithdrawn,
    PositionConsidering,
    PositionDeclined,
    PositionInTalks,
    PositionUndecided,
    SourceRegistered,
)

__all__ = ["REGISTRY", "EventSpec", "Upcaster", "spec_for", "upcast"]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventSpec:
    """What the log knows about one event type."""

    name: str
    model: type[Payload]
    schema_version: int = 1
    actor_required: bool = True
    needs_source: bool = True
    # upcasters[n] turns data of schema version n into data of version n + 1
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)


REGISTRY: dict[str, EventSpec] = {
    spec.name: spec
    for spec in (
        EventSpec("source.registered", SourceRegistered, actor_required=False, needs_source=False),
        EventSpec("meeting.scheduled", MeetingScheduled),
        EventSpec("meeting.convened", MeetingConvened),
        EventSpec("pledge.made", PledgeMade),
        EventSpec("pledge.withdrawn", PledgeWithdrawn),
        EventSpec("position.declined", PositionDeclined),
        EventSpec("position.undecided", PositionUndecided),
        EventSpec("position.considering", PositionConsidering),
        EventSpec("position.in_talks", PositionInTalks),
        EventSpec("condition.stated", ConditionStated),
        EventSpec("count.reported", CountReported, actor_required=False),
        EventSpec("event.corrected", EventCorrected, actor_required=False),
        EventSpec("event.retracted", EventRetracted, actor_required=False),
    )
}


class UnknownEventTypeError(ValueError):
    """An event type name that is not in the registry."""


def spec_for(type_name: str) -> EventSpec:
    """Return the spec of an event type; raise ValueError naming close matches if unknown."""
    try:
        return REGISTRY[type_name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(type_name), list(REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known types: {', '.join(REGISTRY)}"
        raise UnknownEventTypeError(f"unknown event type {type_name!r}{hint}") from None


def upcast(type_name: str, schema_version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring data stored at an older schema version up to the type's current version."""
    spec = REGISTRY.get(type_name)
    if spec is None:
        return data
    version = schema_version
    while version < spec.schema_version:
        data = spec.upcasters[version](data)
        version += 1
    return data
