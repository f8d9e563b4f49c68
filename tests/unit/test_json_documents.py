"""The JSON a command prints: in parts or whole, from plain values or a projection's structs, the same bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from render.documents import json_bytes, json_indented, json_indented_parts, json_text

# what json.dumps leaves raw and the output escapes: DEL, C1 controls, lone surrogates
RAW = {chr(code) for code in (*range(0x7F, 0xA0), *range(0xD800, 0xE000))}


def expected(value: Any) -> bytes:
    """The reference: json.dumps indented by two, every raw control escaped."""
    dumped = json.dumps(value, ensure_ascii=False, indent=2)
    return "".join(f"\\u{ord(char):04x}" if char in RAW else char for char in dumped).encode("utf-8")


strings = st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | strings
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(strings, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=values, items=st.integers(1, 4))
def test_the_parts_join_into_json_dumps_indented_by_two_with_controls_escaped(value, items):
    assert b"".join(json_indented_parts(value, items=items)) == expected(value)
    assert json_indented(value) == expected(value)
    assert json_text(value, indent=2) == expected(value).decode("utf-8")


def test_long_arrays_go_out_in_parts_each_indented_where_it_sits():
    document = {"stream": "s", "meetings": {"held": list(range(10)), "upcoming": []}}
    parts = list(json_indented_parts(document, items=4))
    assert len(parts) > 4  # the key, three slices of the array, the closing brackets
    assert max(len(part) for part in parts) < len(json_indented(document)) / 2
    assert b"".join(parts) == expected(document)


def test_an_object_with_keys_other_than_strings_is_written_whole_as_json_dumps_writes_it():
    document = {1: list(range(6)), None: [True], "a": {2.5: list(range(3))}}
    assert b"".join(json_indented_parts(document, items=2)) == expected(document)


def test_an_array_met_twice_is_written_at_each_depth_from_one_encoding():
    claims = tuple({"amount": number, "sources": ["a", "b"]} for number in range(9))
    deeper_second = {"reported_size": {"claims": claims}, "reported_sizes": {"participants": {"claims": claims}}}
    shallower_second = {"sizes": {"participants": {"claims": claims}}, "claims": claims}
    same_depth = {"a": claims, "b": claims, "c": [claims, {"d": [claims]}]}
    for document in (deeper_second, shallower_second, same_depth):
        for items in (1, 2, 4, 8):
            assert b"".join(json_indented_parts(document, items=items)) == expected(document)


class Row(msgspec.Struct, frozen=True, array_like=True):
    name: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Named:
    name: str
    rows: tuple[Row, ...]
    _hidden: int = 0


def test_structs_and_dataclasses_are_written_as_objects_of_their_fields():
    document = {"named": Named("a", (Row("x", ("GB", "FR")), Row("y\x85", ())))}
    plain = {"named": {"name": "a", "rows": [{"name": "x", "codes": ["GB", "FR"]}, {"name": "y\x85", "codes": []}]}}
    for items in (1, 2, 4096):
        assert b"".join(json_indented_parts(document, items=items)) == expected(plain)
    assert json_bytes(document) == json_bytes(plain)
    assert json_text(document) == json_text(plain)
    # what orjson refuses goes through json.dumps: the same structs, the same bytes
    refused = {"named": Named("\ud800", (Row("x", ()),))}
    assert json_indented(refused) == expected({"named": {"name": "\ud800", "rows": [{"name": "x", "codes": []}]}})
