"""A stored row's indexed columns must say what its hashed body says; verify's batch test judges as row_mismatch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from core import mapper
from core.mapper import COLUMNS, canonical_json, chain_hash, first_mismatch, row_mismatch, to_row
from events import parse_event

_BODY = COLUMNS.index("body")


def _honest_row(position: int, occurred: str = "2025-03-10", **fields: Any) -> tuple[Any, ...]:
    """A row as the store writes it: the body's fields copied into the indexed columns."""
    body: dict[str, Any] = {
        "id": f"e{position}",
        "type": "pledge.made",
        "stream": "ukraine-coalition",
        "occurred": occurred,
        "actor": "PL",
        "data": {"offers": ["logistics"]},
        "sources": [{"source": "ft-2025-03-10", "quote": "Poland has offered logistics support"}],
        "position": position,
        "stream_version": position,
        "recorded_at": "2025-03-11T09:00:00.000000Z",
        "schema_version": 1,
        "recorded_by": "analyst",
        **fields,
    }
    body = {key: value for key, value in body.items() if value is not None}
    earliest, latest = {"2025-03-10": ("2025-03-10", "2025-03-10"), "2025-03": ("2025-03-01", "2025-03-31")}[occurred]
    encoded = canonical_json(body)
    columns = (
        position,
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
    return (*columns, encoded, "0" * 64, chain_hash("0" * 64, encoded))


_FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_every_body_the_store_writes_passes_without_row_mismatch() -> None:
    """Verify's fast reading takes every stored body (otherwise every row would be judged the slow way)."""
    lines = [line for name in ("sources", "events") for line in (_FIXTURES / f"{name}.jsonl").read_text().splitlines()]
    for position, line in enumerate(lines, start=1):
        stored = to_row(
            parse_event(json.loads(line), "s"), position=position, stream_version=position,
            recorded_at="2025-03-17T09:00:00.000000Z", prev_hash="0" * 64,
            recorded_by="analyst" if position % 2 else None,
        )  # fmt: skip
        values = tuple(stored[column] for column in COLUMNS)
        body = mapper._CHECKED_BODY.decode(values[_BODY])
        assert values[:7] == (body.position, body.id, body.stream, body.stream_version, body.type,
                                       body.schema_version, body.occurred)  # fmt: skip
        assert first_mismatch([values]) is None


def _first_said(rows: list[tuple[Any, ...]]) -> int | None:
    return next((index for index, row in enumerate(rows) if row_mismatch(row) is not None), None)


def test_honest_rows_have_no_mismatch() -> None:
    rows = [
        _honest_row(1),
        _honest_row(2, occurred="2025-03"),
        _honest_row(3, actor=None, recorded_by=None),
        _honest_row(4, note="naïve “quotes” — and a dash"),
    ]
    assert first_mismatch(rows) is None
    assert [row_mismatch(row) for row in rows] == [None] * 4


def test_the_first_row_whose_column_or_body_disagrees_is_found() -> None:
    honest = [_honest_row(position) for position in range(1, 6)]
    edited_actor = (*honest[2][:9], "IT", *honest[2][10:])
    unreadable = (*honest[1][:_BODY], b'{"id": ', *honest[1][_BODY + 1 :])
    assert first_mismatch([*honest[:2], edited_actor, *honest[3:]]) == 2
    assert first_mismatch([honest[0], unreadable, edited_actor]) == 1
    assert row_mismatch(edited_actor) == "column actor holds 'IT' but the hashed body says 'PL'"
    assert str(row_mismatch(unreadable)).startswith("the stored body cannot be read (")
    assert first_mismatch([]) is None


_COLUMN_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(["e1", "ukraine-coalition", "pledge.made", "2025-03-10", "2025-03-01", "PL", "analyst", ""]),
    st.text(max_size=12),
)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
# JSON text msgspec and orjson might read differently: numbers beyond a double, bad or overlong UTF-8, lone
# surrogates, deep nesting, escaped and repeated keys, not JSON at all
_HOSTILE_FRAGMENTS = st.sampled_from(
    [b"1e400", b"-1e309", b"1.8e308", b"1.7e308", b"1e-400", b"1" * 400, b"1" * 308, b"18446744073709551616",
     b"-0", b"5.0", b"true", b'"\xff"', b'"\xed\xa0\x80"', b'"\xc0\xaf"', b'"\xe2\x80"', b'"\\ud800"',
     b'"\\ud83d\\ude00"', b'"\\u0000"', b"[" * 6 + b"]" * 6, b"[" * 1100 + b"]" * 1100, b'{"\\u0061":1,"a":2}',
     b"NaN", b"01", b'"a\tb"', b"[1,]", b"{}", b"[]", b"null"]
)  # fmt: skip
_BODY_KEYS = st.sampled_from(
    ["id", "type", "stream", "occurred", "actor", "position", "stream_version", "recorded_at", "schema_version",
     "recorded_by", "data"]
)  # fmt: skip


@st.composite
def _tampered_row(draw: st.DrawFn, position: int) -> tuple[Any, ...]:
    """An honest row, or one with a column rewritten, a body field changed or dropped, or the body's bytes garbled."""
    row = list(_honest_row(position, occurred=draw(st.sampled_from(["2025-03-10", "2025-03"]))))
    how = draw(st.sampled_from(["honest", "column", "field", "drop", "bytes", "json", "raw"]))
    if how == "column":
        row[draw(st.integers(min_value=0, max_value=_BODY - 1))] = draw(_COLUMN_VALUES)
    elif how in ("field", "drop"):
        body = orjson.loads(row[_BODY])
        key = draw(_BODY_KEYS)
        if how == "drop":
            body.pop(key, None)
        else:
            body[key] = draw(_JSON_VALUES)
        # the standard library's encoder: integers beyond 64 bits and NaN too, which orjson's reader refuses
        row[_BODY] = json.dumps(body, sort_keys=True).encode()
    elif how == "bytes":
        encoded = bytearray(row[_BODY])
        at = draw(st.integers(min_value=0, max_value=len(encoded) - 1))
        encoded[at : at + draw(st.integers(min_value=0, max_value=3))] = draw(st.binary(max_size=4))
        row[_BODY] = bytes(encoded)
    elif how == "json":
        row[_BODY] = json.dumps(draw(_JSON_VALUES)).encode()
    elif how == "raw":  # a hostile fragment as a field's value, inside data or a source, or as a key
        key = draw(_BODY_KEYS | st.sampled_from(["note", "speaker", "unknown"]))
        fragment = draw(_HOSTILE_FRAGMENTS)
        place = draw(
            st.sampled_from(
                [b'"%s":%s,', b'"data":{"x":[%s]},', b'"sources":[{"source":"s","quote":%s}],',
                 b'"sources":[{"source":"s","more":%s}],']
            )
        )  # fmt: skip
        spliced = (place % (key.encode(), fragment)) if place.count(b"%s") == 2 else (place % fragment)
        row[_BODY] = b"{" + spliced + row[_BODY][1:]  # repeated keys: the later, honest one is read
    return tuple(row)


@settings(max_examples=400, deadline=None)
@given(st.data(), st.integers(min_value=0, max_value=6))
def test_the_batch_test_finds_the_row_row_mismatch_first_speaks_of(data: st.DataObject, count: int) -> None:
    rows = [data.draw(_tampered_row(position)) for position in range(1, count + 1)]
    assert first_mismatch(rows) == _first_said(rows)


def test_an_integer_beyond_64_bits_under_a_repeated_key_is_judged_as_row_mismatch_judges_it() -> None:
    # found by the hypothesis test above in a fresh clone: orjson refuses such a body, msgspec read the later key
    honest = _honest_row(1)
    for key in (b"position", b"stream_version", b"schema_version"):
        tampered = (*honest[:_BODY], b'{"%s":%s,' % (key, b"1" * 400) + honest[_BODY][1:], *honest[_BODY + 1 :])
        assert row_mismatch(tampered) is not None
        assert first_mismatch([tampered]) == 0
