"""Stored bodies decode to the same events through the struct decoder as through plain JSON.

`core.mapper.from_body` and `from_row` read a stored body with msgspec into a struct
(`_StoredBody`), falling back to orjson for anything the struct does not describe. A
differential test: every body goes through both readers and must give the same event,
down to key order and the types of the values in `data` (compared by repr, where 1 and
1.0 differ), or both must refuse it with the same error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.mapper import _decoded, _decoded_plain, canonical_json, from_body, from_row
from events import KINDS

ROOT = Path(__file__).resolve().parents[2]

_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**64 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        _TEXT,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=12,
)
_OPTIONAL = {
    "actor": _TEXT,
    "occurred_text": _TEXT,
    "note": _TEXT,
    "speaker": _TEXT,
    "recorded_by": _TEXT,
}


@st.composite
def _bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A body as the store writes one (mapper.row_values): the interchange object and the store's four fields."""
    kinds = sorted(KINDS)
    body: dict[str, Any] = {
        "id": draw(_TEXT),
        "type": draw(st.one_of(st.sampled_from(kinds), _TEXT)),
        "stream": draw(_TEXT),
        "occurred": draw(st.sampled_from(["2025-03-17", "2025-03", "2025", "2025-03-XX", "2025-03-17/2025-03-20"])),
        "data": draw(st.dictionaries(_TEXT, _JSON, max_size=5)),
        "sources": draw(
            st.lists(st.fixed_dictionaries({"source": _TEXT}, optional={"quote": _TEXT}), min_size=1, max_size=3)
        ),
        "position": draw(st.integers(1, 2**62)),
        "stream_version": draw(st.integers(1, 2**62)),
        "recorded_at": draw(_TEXT),
        "schema_version": draw(st.integers(1, 3)),
    }
    body.update(draw(st.fixed_dictionaries({}, optional=_OPTIONAL)))
    return body


def _plain(stored: bytes) -> str:
    return repr(_decoded_plain(stored, "p", "h", str))


def _fast(stored: bytes) -> str:
    return repr(_decoded(stored, "p", "h", str))


def _outcome(read: Callable[[bytes], str], stored: bytes) -> str:
    try:
        return read(stored)
    except Exception as error:  # the outcome compared is the error itself
        return f"{type(error).__module__}.{type(error).__qualname__}: {error}"


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bodies())
def test_generated_bodies_decode_to_the_same_events(body: dict[str, Any]) -> None:
    stored = canonical_json(body)
    assert _fast(stored) == _plain(stored)
    assert repr(from_body(stored)) == repr(_decoded_plain(stored, "", "", str))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bodies(), st.sampled_from(["drop", "null", "number", "text", "list"]), st.data())
def test_bodies_the_struct_does_not_describe_are_read_as_before(body: dict[str, Any], how: str, data: Any) -> None:
    """A field dropped or of another type: the struct declines and the plain reading decides, as it always did."""
    field = data.draw(st.sampled_from(sorted(body)))
    if how == "drop":
        del body[field]
    else:
        body[field] = {"null": None, "number": 7, "text": "x", "list": [1]}[how]
    stored = canonical_json(body)
    assert _outcome(_fast, stored) == _outcome(_plain, stored)


_WHOLE = (
    '{"data":%s,"id":"e1","occurred":"2025","position":1,"recorded_at":"t","schema_version":1,'
    '"sources":[{"source":"s"}],"stream":"main","stream_version":1,"type":"count.reported"}'
)


@pytest.mark.parametrize(
    "stored",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"type": "pledge.made"}',
        b'{"id":"a","id":"b"}',
        *[
            (_WHOLE % data).encode()
            for data in [
                '{"amount":1e400}',
                '{"a":1,"a":2}',
                '{"s":"\\ud800"}',
            ]
        ],
        (_WHOLE % "{}").replace('"id":"e1"', '"id":"e1","id":"e2"').encode(),
        (_WHOLE % "{}").replace('"stream":"main"', '"stream":"main","extra":[1,{}]').encode(),
    ],
)
def test_what_no_store_wrote_is_refused_or_read_alike(stored: bytes) -> None:
    assert _outcome(_fast, stored) == _outcome(_plain, stored)


def test_from_row_interns_the_shared_strings_on_the_fast_path() -> None:
    stored = _example_bodies()[0]
    body = orjson.loads(stored)
    row = {"body": stored.decode(), "prev_hash": "0" * 64, "hash": "1" * 64}
    event = from_row(row)
    assert event == _decoded_plain(stored, "0" * 64, "1" * 64, str)
    assert event.stream is sys.intern(body["stream"])


def _example_bodies() -> list[bytes]:
    """Bodies of the example log's events, built as the store builds them."""
    lines = (ROOT / "examples" / "coalition-of-the-willing" / "events.jsonl").read_text(encoding="utf-8")
    bodies = []
    for position, line in enumerate(lines.splitlines(), start=1):
        if not line.strip():
            continue
        event = json.loads(line)
        event.setdefault("stream", "main")
        event.setdefault("sources", [])
        event.setdefault("data", {})
        event.update(position=position, stream_version=position, recorded_at="2025-03-17T00:00:00Z", schema_version=1)
        bodies.append(canonical_json(event))
    return bodies


def test_the_example_log_decodes_alike() -> None:
    bodies = _example_bodies()
    assert len(bodies) > 10
    for stored in bodies:
        assert _fast(stored) == _plain(stored)


def test_integers_past_64_bits_are_never_in_a_stored_body() -> None:
    """The one value the readers would read differently (orjson: a float; msgspec: an int) cannot be stored.

    canonical_json, the only writer of bodies, refuses it; a body edited to hold one fails `dtl verify`.
    """
    with pytest.raises(TypeError, match="64-bit"):
        canonical_json({"n": 2**70})
    stored = (_WHOLE % f'{{"n":{2**70}}}').encode()
    assert orjson.loads(stored)["data"]["n"] == float(2**70)
    assert from_body(stored).data["n"] == 2**70
