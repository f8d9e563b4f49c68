"""A stored row's indexed columns must say what its hashed body says; verify's batch test judges as row_mismatch."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from core.mapper import COLUMNS, canonical_json, chain_hash, first_mismatch, row_mismatch

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
_BODY_KEYS = st.sampled_from(
    ["id", "type", "stream", "occurred", "actor", "position", "stream_version", "recorded_at", "schema_version",
     "recorded_by", "data"]
)  # fmt: skip


@st.composite
def _tampered_row(draw: st.DrawFn, position: int) -> tuple[Any, ...]:
    """An honest row, or one with a column rewritten, a body field changed or dropped, or the body's bytes garbled."""
    row = list(_honest_row(position, occurred=draw(st.sampled_from(["2025-03-10", "2025-03"]))))
    how = draw(st.sampled_from(["honest", "column", "field", "drop", "bytes", "json"]))
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
    return tuple(row)


@settings(max_examples=400, deadline=None)
@given(st.data(), st.integers(min_value=0, max_value=6))
def test_the_batch_test_finds_the_row_row_mismatch_first_speaks_of(data: st.DataObject, count: int) -> None:
    rows = [data.draw(_tampered_row(position)) for position in range(1, count + 1)]
    assert first_mismatch(rows) == _first_said(rows)
