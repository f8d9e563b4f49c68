"""Maps each event type to its payload model, beside what events.kinds knows of it.

This is the half of the vocabulary that validates (pydantic); reading the log
needs only events.kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.kinds import KINDS, EventKind, kind_of
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
    StatementMade,
)

__all__ = ["REGISTRY", "EventSpec", "spec_for"]


@dataclass(frozen=True)
class EventSpec:
    """An event type's kind (name, schema version, what it requires) and the model its data must fit."""

    kind: EventKind
    model: type[Payload]


_MODELS: dict[str, type[Payload]] = {
    "source.registered": SourceRegistered,
    "meeting.scheduled": MeetingScheduled,
    "meeting.convened": MeetingConvened,
    "pledge.made": PledgeMade,
    "pledge.withdrawn": PledgeWithdrawn,
    "position.declined": PositionDeclined,
    "position.undecided": PositionUndecided,
    "position.considering": PositionConsidering,
    "position.in_talks": PositionInTalks,
    "condition.stated": ConditionStated,
    "count.reported": CountReported,
    "statement.made": StatementMade,
    "event.corrected": EventCorrected,
    "event.retracted": EventRetracted,
}
if set(_MODELS) != set(KINDS):  # pragma: no cover - a programming error, caught on import
    raise RuntimeError(f"event types without both a kind and a model: {sorted(set(_MODELS) ^ set(KINDS))}")

REGISTRY: dict[str, EventSpec] = {name: EventSpec(kind, _MODELS[name]) for name, kind in KINDS.items()}


def spec_for(type_name: str) -> EventSpec:
    """Return the spec of an event type; raise UnknownEventTypeError naming close matches if unknown."""
    return REGISTRY[kind_of(type_name).name]
