"""Turns events into stored rows (canonical JSON body, chained hash) and rows back into events."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from sys import intern
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
import orjson

from events import KINDS, NewEvent, RecordedEvent, edtf_bounds, interchange, kind_of, upcast

__all__ = [
    "COLUMNS",
    "GENESIS_HASH",
    "BodyParts",
    "canonical_json",
    "chain_hash",
    "first_mismatch",
    "from_body",
    "from_row",
    "iso_bounds",
    "landing",
    "row_mismatch",
    "row_values",
    "spliced_body",
    "to_row",
]

GENESIS_HASH = "0" * 64

# The columns of a stored row, in the order bulk inserts write them.
COLUMNS = (
    "position",
    "event_id",
    "stream",
    "stream_version",
    "type",
    "schema_version",
    "occurred",
    "occurred_earliest",
    "occurred_latest",
    "actor",
    "recorded_at",
    "recorded_by",
    "body",
    "prev_hash",
    "hash",
)


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value canonically: sorted keys, no spaces, UTF-8 (the bytes the hash chain covers)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def chain_hash(prev_hash: str, body: str | bytes) -> str:
    """Return sha256(prev_hash || body), body in UTF-8: the hash that links a row to the one before it."""
    return _chained(prev_hash, body.encode("utf-8") if isinstance(body, str) else body)


def _chained(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def to_row(
    event: NewEvent,
    *,
    position: int,
    stream_version: int,
    recorded_at: str,
    prev_hash: str,
    recorded_by: str | None = None,
) -> dict[str, Any]:
    """Return the row that stores `event` at `position`, its body hashed onto `prev_hash`."""
    values = row_values(event, position, stream_version, recorded_at, prev_hash, recorded_by)
    return dict(zip(COLUMNS, values, strict=True))


def row_values(
    event: NewEvent, position: int, stream_version: int, recorded_at: str, prev_hash: str, recorded_by: str | None
) -> tuple[Any, ...]:
    """Return a row's values in COLUMNS order (hash last): the event's interchange content plus where it landed.

    The body holds `recorded_by` only when there is one, so bodies recorded before it existed hash as they did.
    """
    assert event.id is not None, "the store assigns ids before mapping"
    schema_version = kind_of(event.type).schema_version
    # the body is the interchange object (events.records.interchange) with the store's four fields
    record = interchange(event)
    record["position"] = position
    record["stream_version"] = stream_version
    record["recorded_at"] = recorded_at
    record["schema_version"] = schema_version
    if recorded_by is not None:
        record["recorded_by"] = recorded_by
    body = canonical_json(record)
    earliest, latest = _iso_bounds(event.occurred)
    return (
        position,
        event.id,
        event.stream,
        stream_version,
        event.type,
        schema_version,
        event.occurred,
        earliest,
        latest,
        event.actor,
        recorded_at,
        recorded_by,
        body.decode("utf-8"),
        prev_hash,
        _chained(prev_hash, body),
    )


# A canonical body cut where the store's fields go: (head, middle, tail); see core.fast_decoder.row_parts.
BodyParts = tuple[bytes, bytes, bytes]


def landing(recorded_at: str, recorded_by: str | None) -> bytes:
    """Return the store's fields after `position` as spliced_body writes them (one value per transaction)."""
    by = b"" if recorded_by is None else b',"recorded_by":' + canonical_json(recorded_by)
    return b',"recorded_at":' + canonical_json(recorded_at) + by + b","


def spliced_body(parts: BodyParts, position: int, stream_version: int, landed: bytes) -> bytes:
    """Return the canonical body of a row from an event's parts, its position, stream version and `landing`."""
    head, middle, tail = parts
    return b'%s"position":%d%s%s%d%s' % (head, position, landed, middle, stream_version, tail)


@lru_cache(maxsize=65536)
def _iso_bounds(occurred: str) -> tuple[str, str]:
    earliest, latest = edtf_bounds(occurred)
    return earliest.isoformat(), latest.isoformat()


def iso_bounds(occurred: str) -> tuple[str, str]:
    """Return the earliest and latest day of an EDTF value as ISO dates (the indexed columns)."""
    return _iso_bounds(occurred)


def from_body(stored: str | bytes, *, prev_hash: str = "", hash: str = "") -> RecordedEvent:
    """Return the event a stored body holds (replay needs no hashes, so they may be left out)."""
    return _decoded(stored, prev_hash, hash, _keep)


def from_row(row: Mapping[Any, Any]) -> RecordedEvent:
    """Return the event a stored row holds, its data brought up to the current schema version.

    Rows are read this way where a whole log may be held at once (the audit, the report, `dtl log`), so the
    strings events share (type, stream, actor, days, source ids, recorded_at: one per transaction) are
    interned: one copy each, about a sixth less memory per event held. Replays decode with `from_body`,
    which holds nothing and skips that work.
    """
    return _decoded(row["body"], row["prev_hash"], row["hash"], intern)


def _keep(text: str) -> str:
    return text


def _decoded(stored: str | bytes, prev_hash: str, hash: str, share: Callable[[str], str]) -> RecordedEvent:
    try:
        body = _decode_body(stored)
    except msgspec.DecodeError:
        # a body the struct does not describe (never one the store wrote): read as plain JSON, or refused as before
        return _decoded_plain(stored, prev_hash, hash, share)
    kind = body.type
    data = body.data
    version = body.schema_version
    if version != _current_versions.get(kind, version):
        data = upcast(kind, version, data)
    actor = body.actor
    # positional: this runs once per event of every replay
    return RecordedEvent(
        body.position,
        body.id,
        share(kind),
        share(body.stream),
        body.stream_version,
        share(body.occurred),
        actor if actor is None else share(actor),
        data,
        tuple([(share(ref.source), ref.quote) for ref in body.sources]),
        share(body.recorded_at),
        version,
        body.occurred_text,
        body.note,
        prev_hash,
        hash,
        body.speaker,
        body.recorded_by,
    )


def _decoded_plain(stored: str | bytes, prev_hash: str, hash: str, share: Callable[[str], str]) -> RecordedEvent:
    body = orjson.loads(stored)
    kind = body["type"]
    data = body["data"]
    version = body["schema_version"]
    if version != _current_versions.get(kind, version):
        data = upcast(kind, version, data)
    get = body.get
    actor = get("actor")
    return RecordedEvent(
        body["position"],
        body["id"],
        share(kind),
        share(body["stream"]),
        body["stream_version"],
        share(body["occurred"]),
        actor if actor is None else share(actor),
        data,
        tuple([(share(ref["source"]), ref.get("quote")) for ref in body["sources"]]),
        share(body["recorded_at"]),
        version,
        get("occurred_text"),
        get("note"),
        prev_hash,
        hash,
        get("speaker"),
        get("recorded_by"),
    )


class _StoredSource(msgspec.Struct, frozen=True):
    source: str
    quote: str | None = None


class _StoredBody(msgspec.Struct, frozen=True):
    """A stored body as the store writes it (mapper.row_values): decoded by msgspec, not validated further.

    Decoding into a struct skips building the body's own dict and its sources' dicts (measured on the
    bench's 100k log: 2.1-2.5 µs per event instead of 3.7-4.1). tests/unit/test_stored_bodies.py shows it
    gives the events the plain JSON reading gives.
    """

    position: int
    id: str
    type: str
    stream: str
    stream_version: int
    occurred: str
    data: dict[str, Any]
    sources: list[_StoredSource]
    recorded_at: str
    schema_version: int
    actor: str | None = None
    occurred_text: str | None = None
    note: str | None = None
    speaker: str | None = None
    recorded_by: str | None = None


_decode_body = msgspec.json.Decoder(_StoredBody).decode


_current_versions = {name: kind.schema_version for name, kind in KINDS.items()}


def row_mismatch(values: Sequence[Any]) -> str | None:
    """Say which column of a stored row (values in COLUMNS order) disagrees with its hashed body, or None."""
    try:
        body = orjson.loads(values[_BODY])
        earliest, latest = _iso_bounds(body["occurred"])
        expected = (
            body["position"],
            body["id"],
            body["stream"],
            body["stream_version"],
            body["type"],
            body["schema_version"],
            body["occurred"],
            earliest,
            latest,
            body.get("actor"),
            body["recorded_at"],
            body.get("recorded_by"),
        )
    except (ValueError, KeyError, TypeError) as error:
        return f"the stored body cannot be read ({error})"
    if tuple(values[: len(expected)]) == expected:
        return None
    for column, stored, value in zip(COLUMNS, values, expected, strict=False):
        if stored != value:
            return f"column {column} holds {stored!r} but the hashed body says {value!r}"
    return None  # pragma: no cover - the tuples differed, so some column did


def first_mismatch(rows: Sequence[tuple[Any, ...]]) -> int | None:
    """Return the index of the first row (a tuple in COLUMNS order) row_mismatch finds fault with, or None.

    `dtl verify` runs it on every row of a log. A body msgspec reads as _CheckedBody and whose fields the
    columns repeat passes at once; every other row is judged by row_mismatch itself (which words the
    fault). msgspec's reading is only trusted to say "these are the fields, and orjson reads them so too":
    a differential test (hypothesis, with garbled bytes, big numbers, bad UTF-8, deep nesting) holds the
    two to the same verdict.
    """
    decode = _CHECKED_BODY.decode
    bounds = _iso_bounds
    for index, row in enumerate(rows):
        try:
            body = decode(row[_BODY])
            earliest, latest = bounds(body.occurred)
            agrees = row[:_BODY] == (
                body.position,
                body.id,
                body.stream,
                body.stream_version,
                body.type,
                body.schema_version,
                body.occurred,
                earliest,
                latest,
                body.actor,
                body.recorded_at,
                body.recorded_by,
            )
        except (msgspec.MsgspecError, ValueError, TypeError):
            agrees = False
        if not agrees and row_mismatch(row) is not None:
            return index
    return None


def _nested_data(depth: int) -> Any:
    """Return the type of what a body's data may hold, up to `depth` lists or objects deep, numbers as floats."""
    value: Any = str | float | bool | None
    for _ in range(depth):
        value = str | float | bool | None | list[value] | dict[str, value]
    return value


# What msgspec must read of a stored body for verify to trust it: every field the store writes, typed, and
# nothing else. msgspec checks neither the UTF-8 nor the size of the numbers of the content it skips, where
# orjson refuses bad UTF-8 and a number beyond a double: so nothing is skipped, and data's numbers are read as
# floats, which msgspec refuses beyond a double as orjson does. The integer fields are bounded to 64 bits
# (orjson reads no integer beyond an unsigned 64-bit one; one between is refused here and judged by
# row_mismatch): a larger one under a key the body repeats passed, the later value read, where orjson
# refuses the whole body. Data nested deeper than
# any event's (an event.corrected's offers: four) is refused here and judged by row_mismatch.
if TYPE_CHECKING:
    _DataValue = Any
else:
    _DataValue = _nested_data(5)
_Integer = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class _CheckedSource(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    source: str
    quote: str | None = None


class _CheckedBody(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    position: _Integer
    id: str
    stream: str
    stream_version: _Integer
    type: str
    schema_version: _Integer
    occurred: str
    recorded_at: str
    data: dict[str, _DataValue]
    sources: list[_CheckedSource]
    actor: str | None = None
    recorded_by: str | None = None
    occurred_text: str | None = None
    note: str | None = None
    speaker: str | None = None


_CHECKED_BODY = msgspec.json.Decoder(_CheckedBody)
_BODY = COLUMNS.index("body")
