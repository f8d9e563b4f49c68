"""The vocabulary: what can be said in the log, and how it is validated."""

from __future__ import annotations

from events.actors import ORGANISATIONS, UnknownActorError, actor_name, normalise_actor
from events.dates import EdtfError, edtf_bounds, normalise_edtf, parse_day
from events.envelope import (
    EventValidationError,
    FieldProblem,
    NewEvent,
    RecordedEvent,
    SourceRef,
    interchange,
    parse_event,
    validate_payload,
)
from events.quotes import SourceText, normalise_quote, source_text
from events.registry import REGISTRY, EventSpec, spec_for, upcast
from events.vocabulary import CAPABILITIES, COMPARATORS, STANCES, SUBJECTS

__all__ = [
    "CAPABILITIES",
    "COMPARATORS",
    "ORGANISATIONS",
    "REGISTRY",
    "STANCES",
    "SUBJECTS",
    "EdtfError",
    "EventSpec",
    "EventValidationError",
    "FieldProblem",
    "NewEvent",
    "RecordedEvent",
    "SourceRef",
    "SourceText",
    "UnknownActorError",
    "actor_name",
    "edtf_bounds",
    "interchange",
    "normalise_actor",
    "normalise_edtf",
    "normalise_quote",
    "parse_day",
    "parse_event",
    "source_text",
    "spec_for",
    "upcast",
    "validate_payload",
]
