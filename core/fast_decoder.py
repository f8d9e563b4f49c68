"""A fast decoder for interchange lines: msgspec structs that accept exactly what events.envelope accepts.

Importing validates every line, and the pydantic models cost 9-11 µs an event. The
structs here decode a line's JSON and check its shape in one pass, then apply the
same normalisers (events.actors, events.dates, the vocabulary's de-duplication), so
an accepted line gives the NewEvent `parse_event` would give. They never explain a
refusal: `decode_event` returns None for anything it does not accept, and the
caller asks `parse_event`, whose messages name the field. A differential test
(tests/unit/test_fast_decoder.py) holds the two to the same answers.

What the JSON layer refuses (core.interchange.parse_json) is refused here too, or
left to it: a NUL escape, deep nesting, and integers orjson reads as floats.

It lives in core, beside the reader that uses it, because the events package may
use no third-party library but pydantic and pycountry (tests/unit/test_architecture.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Union

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from events.actors import normalise_actor
from events.dates import edtf_bounds, normalise_edtf
from events.kinds import KINDS
from events.records import NewEvent
from events.words import Capability, Comparator, Subject

__all__ = ["RowParts", "decode_event", "decode_payload", "row_parts"]

# `\Z`, not `$`: pydantic's regex engine ends `$` at the end of the text, Python's also before a last newline
_Identifier = Annotated[str, Meta(min_length=1, max_length=128)]
_ShortText = Annotated[str, Meta(min_length=1, max_length=2000)]
_Stream = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*\Z")]
_Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}\Z")]
_Quote = Annotated[str, Meta(min_length=1, max_length=4000)]
_Format = Literal["virtual", "in_person"]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _actors(values: list[str]) -> list[str]:
    return list(dict.fromkeys(normalise_actor(value) for value in values))


def _single_day(text: str) -> str:
    """Return a date that must be one day, stripped (events.vocabulary's IsoDay, without loading pydantic)."""
    earliest, latest = edtf_bounds(text)
    if earliest != latest or len(text.strip()) != 10:
        raise ValueError(f"{text!r} must be a single day, YYYY-MM-DD")
    return text.strip()


def _sources(refs: list[_SourceRef]) -> list[dict[str, Any]]:
    return [_dumped(ref) for ref in refs]


def _changes(changes: _CorrectionChanges) -> dict[str, Any]:
    if changes.occurred is None and changes.actor is None and changes.data is None and changes.sources is None:
        raise ValueError("a correction must change occurred, actor, data or sources")
    if changes.data is not None and not _plain(changes.data, _ANY_DEPTH):
        raise ValueError("left to the JSON layer")
    return _dumped(changes)


# How a field's value is normalised on its way into the event's data, as the pydantic model's validators do.
_Normaliser = Callable[[Any], Any]


class _Payload(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A payload: its fields in the pydantic model's order, and how each is normalised.

    A field left at its default is not encoded (see row_parts): every default is None but the
    scope of a refusal, which is UNSET until normalised.
    """

    normalised: ClassVar[dict[str, _Normaliser]] = {}


class _SourceRef(_Payload):
    source: _Identifier
    quote: _Quote | None = None


class _SourceRegistered(_Payload):
    source_id: _Identifier
    publisher: _ShortText
    published: str
    title: _ShortText | None = None
    url: _ShortText | None = None
    sha256: _Sha256 | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {"published": _single_day}


class _MeetingScheduled(_Payload):
    meeting_id: _Identifier
    scheduled_for: str
    format: _Format
    location: _ShortText | None = None
    participants: list[str] | None = None
    topic: _ShortText | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {"scheduled_for": normalise_edtf, "participants": _actors}


class _MeetingConvened(_Payload):
    meeting_id: _Identifier | None = None
    participants: list[str] | None = None
    format: _Format | None = None
    location: _ShortText | None = None
    topic: _ShortText | None = None
    external: bool | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {"participants": _actors}


class _PledgeMade(_Payload):
    offers: Annotated[list[Capability], Meta(min_length=1)]
    ruled_out: list[Capability] | None = None
    conditions: list[_ShortText] | None = None
    firmness: Literal["firm", "tentative"] | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {"offers": _unique, "ruled_out": _unique, "conditions": _unique}


class _PledgeWithdrawn(_Payload):
    offers: list[Capability] | None = None
    reason: _ShortText | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {"offers": _unique}


def _scope(given: str | UnsetType) -> str:
    return "participation" if given is UNSET else given


class _PositionDeclined(_Payload):
    scope: Literal["participation"] | Capability | UnsetType = UNSET
    reason: _ShortText | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {"scope": _scope}


class _PositionUndecided(_Payload):
    reason: _ShortText | None = None


class _PositionConsidering(_Payload):
    conditions: list[_ShortText] | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {"conditions": _unique}


class _PositionInTalks(_Payload):
    pass


class _ConditionStated(_Payload):
    condition: _ShortText
    description: _ShortText | None = None


class _CountReported(_Payload):
    subject: Subject
    comparator: Comparator
    amount: Annotated[int, Meta(ge=0, le=100_000_000)]
    attributed_to: _ShortText | None = None
    raw: _ShortText | None = None


class _StatementMade(_Payload):
    speaker: _ShortText
    summary: _ShortText
    topic: _ShortText | None = None


class _CorrectionChanges(_Payload):
    occurred: str | None = None
    actor: str | None = None
    data: dict[str, Any] | None = None
    sources: Annotated[list[_SourceRef], Meta(min_length=1, max_length=50)] | None = None
    normalised: ClassVar[dict[str, _Normaliser]] = {
        "occurred": normalise_edtf,
        "actor": normalise_actor,
        "sources": _sources,
    }


class _EventCorrected(_Payload):
    target: _Identifier
    changes: _CorrectionChanges
    reason: _ShortText
    normalised: ClassVar[dict[str, _Normaliser]] = {"changes": _changes}


class _EventRetracted(_Payload):
    target: _Identifier
    reason: _ShortText


_PAYLOADS: dict[str, type[_Payload]] = {
    "source.registered": _SourceRegistered,
    "meeting.scheduled": _MeetingScheduled,
    "meeting.convened": _MeetingConvened,
    "pledge.made": _PledgeMade,
    "pledge.withdrawn": _PledgeWithdrawn,
    "position.declined": _PositionDeclined,
    "position.undecided": _PositionUndecided,
    "position.considering": _PositionConsidering,
    "position.in_talks": _PositionInTalks,
    "condition.stated": _ConditionStated,
    "count.reported": _CountReported,
    "statement.made": _StatementMade,
    "event.corrected": _EventCorrected,
    "event.retracted": _EventRetracted,
}
if set(_PAYLOADS) != set(KINDS):  # pragma: no cover - a programming error, caught on import
    raise RuntimeError(f"event types without a fast decoder: {sorted(set(_PAYLOADS) ^ set(KINDS))}")


class _Envelope(Struct, forbid_unknown_fields=True, tag_field="type", omit_defaults=True):
    """The envelope's fields; each event type's subclass adds its data (absent ones are not encoded)."""

    occurred: str
    id: _Identifier | None = None
    stream: _Stream | None = None
    occurred_text: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    actor: str | None = None
    speaker: _ShortText | None = None
    sources: Annotated[list[_SourceRef], Meta(max_length=50)] = []
    note: Annotated[str, Meta(max_length=4000)] | None = None


def _variant(name: str, payload: type[_Payload]) -> type[_Envelope]:
    # absent data is an empty object, checked against the payload like any other
    annotations = {"data": payload | UnsetType}
    namespace = {"__annotations__": annotations, "data": UNSET}
    return type(f"_{name.replace('.', '_')}", (_Envelope,), namespace, tag=name)


_VARIANTS = tuple(_variant(name, payload) for name, payload in _PAYLOADS.items())
_DECODER: msgspec.json.Decoder[Any] = msgspec.json.Decoder(Union[_VARIANTS])  # noqa: UP007
_ACTOR_REQUIRED = frozenset(name for name, kind in KINDS.items() if kind.actor_required)
_ALL_PAYLOADS: tuple[type[_Payload], ...] = (*_PAYLOADS.values(), _SourceRef, _CorrectionChanges)
# each payload's fields in order, and those normalised with how
_FIELDS: dict[type[_Payload], tuple[tuple[str, ...], tuple[tuple[str, _Normaliser], ...]]] = {
    payload: (payload.__struct_fields__, tuple(payload.normalised.items())) for payload in _ALL_PAYLOADS
}
_TYPE_OF: dict[type[_Envelope], str] = {variant: variant.__struct_config__.tag for variant in _VARIANTS}  # type: ignore[misc]
# orjson reads a larger integer as a float; leave such values to the path that reads them with it
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_ANY_DEPTH = 24  # the JSON layer refuses 32 levels in all; changes.data begins 4 levels down
# a NUL escape: \u0000 whose backslash is not itself escaped (an even number of backslashes before it)
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul_escape(json_bytes: bytes) -> bool:
    """Whether JSON text escapes a NUL (one scan for the letters first: they are rare)."""
    return b"\\u0000" in json_bytes and _NUL_ESCAPE.search(json_bytes) is not None


def _judged(line: bytes) -> tuple[Any, str, _Payload] | None:
    """Decode a line into its envelope, type name and data (an empty object where it has none).

    None for what only the full path judges: a NUL escape (the JSON layer names its field), or no
    actor where the type needs one. Any other refusal raises.
    """
    if _has_nul_escape(line):
        return None
    envelope = _DECODER.decode(line)
    type_name = _TYPE_OF[type(envelope)]
    if envelope.actor is None and type_name in _ACTOR_REQUIRED:
        return None
    if envelope.data is UNSET:
        envelope.data = msgspec.convert({}, _PAYLOADS[type_name])
    return envelope, type_name, envelope.data


def decode_event(line: bytes, default_stream: str) -> NewEvent | None:
    """Return the event one interchange line (UTF-8) holds, or None when the line needs the full path to be judged.

    None means "not accepted here", never "invalid": the caller then runs the JSON
    layer and `parse_event`, which accept it or say what is wrong.
    """
    try:
        judged = _judged(line)
        if judged is None:
            return None
        envelope, type_name, payload = judged
        actor = envelope.actor
        return NewEvent(  # positionally: a third faster than by name, once per line
            envelope.id,
            type_name,
            envelope.stream or default_stream,
            normalise_edtf(envelope.occurred),
            None if actor is None else normalise_actor(actor),
            _dumped(payload),
            tuple((ref.source, ref.quote) for ref in envelope.sources),
            envelope.occurred_text,
            envelope.note,
            envelope.speaker,
        )
    except Exception:  # any refusal is judged again, and explained, by parse_event
        return None


class RowParts(NamedTuple):
    """What a row is made of, read from one line: the event's columns, and its canonical body in parts.

    core.mapper.spliced_body joins the parts (head, middle, tail) around where the event lands.
    """

    id: str
    type: str
    stream: str
    occurred: str
    actor: str | None
    sources: list[tuple[str, str | None]]
    head: bytes
    middle: bytes
    tail: bytes


# The types whose body the structs cannot spell as canonical_json does: a correction's free-form data may hold
# floats, which orjson and msgspec write differently (1e+300, 1e300).
_NO_ROW_PARTS = frozenset({"event.corrected"})
# The body's keys are sorted: the store's position, recorded_at and recorded_by go before `sources` (with
# schema_version, written here), its stream_version before `type`, the last key. Cut at the last of each:
# text before is escaped inside strings, and only the event's data, before both, holds objects of its own.
_BODY_ENCODER = msgspec.json.Encoder(order="sorted")
_SOURCES_CUT = b',"sources":['
_TYPE_CUT = b',"type":'
_STREAM_VERSION_KEY = b',"stream_version":'
_SCHEMA_VERSION_KEYS = {name: b'"schema_version":%d,' % kind.schema_version for name, kind in KINDS.items()}


def row_parts(line: bytes, default_stream: str) -> RowParts | None:
    """Return what the row of an event with sources is made of, its body encoded from the decoded line.

    The line is judged as decode_event judges it and its values normalised alike (a missing id is a new
    uuid4), so the parts are those of `decode_event`'s event cut by core.mapper, without building the
    event and its interchange object: the body is encoded in one step, from the structs. None for a line
    decode_event declines, an event with no sources, or a correction (see _NO_ROW_PARTS).
    """
    try:
        judged = _judged(line)
        if judged is None:
            return None
        envelope, type_name, payload = judged
        if not envelope.sources or type_name in _NO_ROW_PARTS:
            return None
        actor = envelope.actor
        if actor is not None:
            actor = envelope.actor = normalise_actor(actor)
        for name, normalise in _FIELDS[type(payload)][1]:
            value = getattr(payload, name)
            if value is not None:
                setattr(payload, name, normalise(value))
        occurred = envelope.occurred = normalise_edtf(envelope.occurred)
        stream = envelope.stream
        if stream is None:
            stream = envelope.stream = default_stream
        event_id = envelope.id
        if event_id is None:
            event_id = envelope.id = str(uuid.uuid4())
        body = _BODY_ENCODER.encode(envelope)
        cut = body.rindex(_SOURCES_CUT) + 1
        end = body.rindex(_TYPE_CUT)
        return RowParts(
            event_id,
            type_name,
            stream,
            occurred,
            actor,
            [(ref.source, ref.quote) for ref in envelope.sources],
            body[:cut],
            _SCHEMA_VERSION_KEYS[type_name] + body[cut:end] + _STREAM_VERSION_KEY,
            body[end:],
        )
    except Exception:  # any refusal is judged again, and explained, by parse_event
        return None


def decode_payload(type_name: str, data: object) -> dict[str, Any] | None:
    """Return one event type's data validated and normalised as `events.validate_payload` would, or None.

    A correction's new data is checked against its target's type this way: through
    JSON, with the structs a line's data is decoded with, so an accepted value is one
    a line would have been accepted with. None, as for a line, means "not accepted
    here": the caller asks the pydantic models, which accept it or say what is wrong.
    """
    payload_type = _PAYLOADS.get(type_name)
    if payload_type is None or not isinstance(data, dict) or not _plain(data, _ANY_DEPTH):
        return None
    try:
        encoded = msgspec.json.encode(data)
        if _has_nul_escape(encoded):
            return None  # the JSON layer names the field a NUL is in
        return _dumped(msgspec.json.decode(encoded, type=payload_type))
    except Exception:  # any refusal is judged again, and explained, by the pydantic models
        return None


def _dumped(payload: _Payload) -> dict[str, Any]:
    """Return a payload as pydantic's `model_dump(mode="json", exclude_none=True)` would, normalised."""
    names, normalisers = _FIELDS[type(payload)]
    data = {}
    for name in names:
        value = getattr(payload, name)
        if value is not None:
            data[name] = value
    for name, normalise in normalisers:
        value = data.get(name)
        if value is not None:
            data[name] = normalise(value)
    return data


def _plain(value: object, depth: int) -> bool:
    """Whether a free-form JSON value is one orjson reads alike and nests at most `depth` levels."""
    if isinstance(value, dict):
        return depth > 0 and all(_plain(item, depth - 1) for item in value.values())
    if isinstance(value, list):
        return depth > 0 and all(_plain(item, depth - 1) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _INT_MIN <= value <= _INT_MAX
    return True
