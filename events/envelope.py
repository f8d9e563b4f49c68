"""The envelope every event travels in, validated as it comes in from interchange JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from errors import InputError, Location
from events.records import NewEvent, RecordedEvent, interchange
from events.registry import REGISTRY, spec_for
from events.vocabulary import Actor, EdtfDate, Payload, SourceRef, Speaker

__all__ = [
    "EventValidationError",
    "FieldProblem",
    "NewEvent",
    "RecordedEvent",
    "SourceRef",
    "interchange",
    "parse_event",
    "validate_payload",
]

# The envelope keys of the interchange format, in the order they are written.
ENVELOPE_KEYS = ("id", "type", "stream", "occurred", "occurred_text", "actor", "speaker", "data", "sources", "note")


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of an event."""

    field: str
    message: str


class EventValidationError(InputError, ValueError):
    """An event that does not fit the vocabulary; `problems` names each bad field, the first as its location."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        InputError.__init__(self, self.problems[0].message, Location(field=self.problems[0].field))

    @property
    def field(self) -> str:
        """The first offending field's path."""
        return self.problems[0].field


def _field_path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path or "(event)"


def _problems(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    problems = []
    for item in error.errors(include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(FieldProblem(_field_path(prefix, tuple(item["loc"])), message))
    return problems


class _Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    type: Annotated[str, Field(min_length=1, max_length=64)]
    stream: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")] | None = None
    occurred: EdtfDate
    occurred_text: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    actor: Actor | None = None
    # who said it, a person or an office, as text (actors stay countries and organisations)
    speaker: Speaker | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    sources: list[SourceRef] = Field(default_factory=list, max_length=50)
    note: Annotated[str, Field(max_length=4000)] | None = None


def validate_payload(type_name: str, data: Mapping[str, Any], prefix: str = "data") -> dict[str, Any]:
    """Validate an event type's data and return it normalised (actors as codes, no nulls)."""
    model: type[Payload] = spec_for(type_name).model
    try:
        payload = model.model_validate(data)
    except ValidationError as error:
        raise EventValidationError(_problems(error, prefix)) from None
    return payload.model_dump(mode="json", exclude_none=True)


@cache
def _whole_event_validator() -> TypeAdapter[Any]:
    """Return one validator for a whole event: the envelope with each type's payload, chosen by `type`.

    Built from the same fields and payload models as the two-step path below, on
    first use (it costs tens of milliseconds, which commands that only read never pay).
    """
    envelope_fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in _Envelope.model_fields.items() if name not in ("type", "data")
    }
    variants = [
        create_model(
            f"_{spec.kind.name.replace('.', '_')}_event",
            __config__=_Envelope.model_config,
            type=(Literal[spec.kind.name], ...),  # type: ignore[arg-type]  # a Literal built at run time
            # absent data is an empty object, checked against the payload like any other
            data=(spec.model, Field(default_factory=dict, validate_default=True)),
            **envelope_fields,
        )
        for spec in REGISTRY.values()
    ]
    whole_event: Any = Annotated[Union[tuple(variants)], Field(discriminator="type")]  # noqa: UP007
    return TypeAdapter(whole_event)


def parse_event(raw: Any, default_stream: str) -> NewEvent:
    """Validate one interchange JSON object and return it as a NewEvent.

    Raises EventValidationError naming every offending field.
    """
    if isinstance(raw, Mapping):
        try:
            whole = _whole_event_validator().validate_python(raw).model_dump(mode="json", exclude_none=True)
        except ValidationError:
            pass  # the two steps below say which field is wrong, in the envelope's terms
        else:
            if not spec_for(whole["type"]).kind.actor_required or "actor" in whole:
                return _new_event(whole, default_stream)
    return _parse_in_two_steps(raw, default_stream)


def _new_event(whole: dict[str, Any], default_stream: str) -> NewEvent:
    get = whole.get
    return NewEvent(
        id=get("id"),
        type=whole["type"],
        stream=get("stream") or default_stream,
        occurred=whole["occurred"],
        actor=get("actor"),
        data=whole["data"],
        sources=tuple((ref["source"], ref.get("quote")) for ref in whole["sources"]),
        occurred_text=get("occurred_text"),
        note=get("note"),
        speaker=get("speaker"),
    )


def _parse_in_two_steps(raw: Any, default_stream: str) -> NewEvent:
    """Validate the envelope, then the payload its type names: slower, but every error names its field."""
    if not isinstance(raw, Mapping):
        raise EventValidationError([FieldProblem("(event)", "an event must be a JSON object")])
    try:
        envelope = _Envelope.model_validate(raw)
    except ValidationError as error:
        raise EventValidationError(_problems(error)) from None
    try:
        spec = spec_for(envelope.type)
    except ValueError as error:
        raise EventValidationError([FieldProblem("type", str(error))]) from None
    data = validate_payload(envelope.type, envelope.data)
    if spec.kind.actor_required and envelope.actor is None:
        raise EventValidationError([FieldProblem("actor", f"{envelope.type} needs an actor")])
    return NewEvent(
        id=envelope.id,
        type=envelope.type,
        stream=envelope.stream or default_stream,
        occurred=envelope.occurred,
        actor=envelope.actor,
        data=data,
        sources=tuple((ref.source, ref.quote) for ref in envelope.sources),
        occurred_text=envelope.occurred_text,
        note=envelope.note,
        speaker=envelope.speaker,
    )
