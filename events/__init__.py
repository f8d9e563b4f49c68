"""The vocabulary: what can be said in the log, and how it is validated.

Names load their module on first use: reading and replaying the log touch only
events.records, events.dates, events.kinds and events.words, never the
validation models (pydantic), which cost a command's start about 100 ms.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers and readers see them
    from events.actors import ORGANISATIONS, UnknownActorError, actor_name, normalise_actor
    from events.amendments import AMENDMENT_TYPES, Amendments, amended
    from events.dates import EdtfError, edtf_bounds, normalise_edtf, parse_day
    from events.envelope import EventValidationError, FieldProblem, SourceRef, parse_event, validate_payload
    from events.kinds import KINDS, EventKind, UnknownEventTypeError, kind_of, upcast
    from events.order import fold_key, slotted_batches
    from events.quotes import SourceText, normalise_quote, quote_shortfall, source_text
    from events.records import NewEvent, RecordedEvent, interchange
    from events.registry import REGISTRY, EventSpec, spec_for
    from events.sources import Source
    from events.words import CAPABILITIES, COMPARATORS, STANCE_ORDER, STANCES, SUBJECTS

__all__ = [
    "AMENDMENT_TYPES",
    "CAPABILITIES",
    "COMPARATORS",
    "KINDS",
    "ORGANISATIONS",
    "REGISTRY",
    "STANCES",
    "STANCE_ORDER",
    "SUBJECTS",
    "Amendments",
    "EdtfError",
    "EventKind",
    "EventSpec",
    "EventValidationError",
    "FieldProblem",
    "NewEvent",
    "RecordedEvent",
    "Source",
    "SourceRef",
    "SourceText",
    "UnknownActorError",
    "UnknownEventTypeError",
    "actor_name",
    "amended",
    "edtf_bounds",
    "fold_key",
    "interchange",
    "kind_of",
    "normalise_actor",
    "normalise_edtf",
    "normalise_quote",
    "parse_day",
    "parse_event",
    "quote_shortfall",
    "slotted_batches",
    "source_text",
    "spec_for",
    "upcast",
    "validate_payload",
]

_HOMES = {
    "events.amendments": ("AMENDMENT_TYPES", "Amendments", "amended"),
    "events.actors": ("ORGANISATIONS", "UnknownActorError", "actor_name", "normalise_actor"),
    "events.dates": ("EdtfError", "edtf_bounds", "normalise_edtf", "parse_day"),
    "events.envelope": ("EventValidationError", "FieldProblem", "SourceRef", "parse_event", "validate_payload"),
    "events.kinds": ("KINDS", "EventKind", "UnknownEventTypeError", "kind_of", "upcast"),
    "events.order": ("fold_key", "slotted_batches"),
    "events.quotes": ("SourceText", "normalise_quote", "quote_shortfall", "source_text"),
    "events.records": ("NewEvent", "RecordedEvent", "interchange"),
    "events.sources": ("Source",),
    "events.registry": ("REGISTRY", "EventSpec", "spec_for"),
    "events.words": ("CAPABILITIES", "COMPARATORS", "STANCE_ORDER", "STANCES", "SUBJECTS"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Load the module that defines a name on first use (PEP 562)."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'events' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME_OF])
