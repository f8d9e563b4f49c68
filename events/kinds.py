"""The stable names of the event types and what reading a stored event needs to know of each.

Kept apart from the payload models (events.registry) so that reading and
replaying the log never loads pydantic: a schema version, the upcasters from
older versions, and whether the type needs an actor and a source.

Type names are never renamed. When a payload changes shape, its schema version
goes up and an upcaster turning the previous version's data into the new one is
registered, so events stored long ago are read in today's shape.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from errors import InputError

__all__ = ["KINDS", "EventKind", "UnknownEventTypeError", "Upcaster", "kind_of", "upcast"]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventKind:
    """One event type: its name, schema version, upcasters, and what it requires."""

    name: str
    schema_version: int = 1
    actor_required: bool = True
    needs_source: bool = True
    # upcasters[n] turns data of schema version n into data of version n + 1
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)


KINDS: dict[str, EventKind] = {
    kind.name: kind
    for kind in (
        EventKind("source.registered", actor_required=False, needs_source=False),
        EventKind("meeting.scheduled"),
        EventKind("meeting.convened"),
        EventKind("pledge.made"),
        EventKind("pledge.withdrawn"),
        EventKind("position.declined"),
        EventKind("position.undecided"),
        EventKind("position.considering"),
        EventKind("position.in_talks"),
        EventKind("condition.stated"),
        EventKind("count.reported", actor_required=False),
        EventKind("statement.made", actor_required=False),
        EventKind("event.corrected", actor_required=False),
        EventKind("event.retracted", actor_required=False),
    )
}


class UnknownEventTypeError(InputError, ValueError):
    """An event type name that is not in the vocabulary."""


def kind_of(type_name: str) -> EventKind:
    """Return an event type's kind; raise UnknownEventTypeError naming close matches if unknown."""
    try:
        return KINDS[type_name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(type_name), list(KINDS), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known types: {', '.join(KINDS)}"
        raise UnknownEventTypeError(f"unknown event type {type_name!r}{hint}") from None


def upcast(type_name: str, schema_version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring data stored at an older schema version up to the type's current version."""
    kind = KINDS.get(type_name)
    if kind is None:
        return data
    version = schema_version
    while version < kind.schema_version:
        data = kind.upcasters[version](data)
        version += 1
    return data
