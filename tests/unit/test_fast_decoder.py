"""The fast decoder (core.fast_decoder) accepts exactly the lines the pydantic path accepts, as the same events.

A differential test: every line goes through both, the reference being what an import
did before the fast path (core.interchange.parse_json, then events.parse_event).
Where the fast decoder declines, the import asks the reference, so its messages are
the reference's own; the only lines it may decline that the reference accepts are the
few it leaves to the JSON layer on purpose (tested by name below).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.fast_decoder import decode_event, decode_payload
from core.interchange import parse_json
from errors import InputError, Location
from events import EventValidationError, NewEvent, parse_event, validate_payload
from events.kinds import KINDS
from events.words import CAPABILITIES, COMPARATORS, SUBJECTS

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STREAM = "main"


def _reference(line: bytes) -> NewEvent | str:
    """The event the pydantic path makes of a line, or its refusal's message."""
    try:
        return parse_event(parse_json(line.decode("utf-8"), Location()), DEFAULT_STREAM)
    except InputError as error:
        return error.reason


def _ordered(value: Any) -> Any:
    """A JSON value with each object's key order made visible to ==."""
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


def _beyond(value: Any, depth: int) -> bool:
    """Whether a JSON value holds an integer past 64 bits or nests deeper than `depth` (orjson's to judge)."""
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return depth == 0 or any(_beyond(item, depth - 1) for item in items)
    return isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64


def _left_to_the_json_layer(line: bytes) -> bool:
    """Whether a correction's free-form data holds an integer past 64 bits or nests deeply (orjson's to judge)."""
    event = json.loads(line)
    return event["type"] == "event.corrected" and _beyond(event["data"]["changes"].get("data"), 24)


def _assert_same(line: bytes) -> NewEvent | None:
    fast = decode_event(line, DEFAULT_STREAM)
    reference = _reference(line)
    if fast is None:
        if isinstance(reference, NewEvent):
            assert _left_to_the_json_layer(line), f"the fast decoder declined a line pydantic accepts: {line!r}"
        return None
    assert isinstance(reference, NewEvent), f"the fast decoder accepted a line pydantic refuses ({reference}): {line!r}"
    assert fast == reference
    assert _ordered(fast.data) == _ordered(reference.data)
    assert [type(value) for value in fast] == [type(value) for value in reference]
    return fast


# --- values for every field: valid ones, and near misses at each boundary ---------------------------------


def _mostly(valid: st.SearchStrategy[Any], near_miss: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid values, and now and then one just past a boundary (most generated events should be accepted)."""
    return st.integers(0, 11).flatmap(lambda roll: near_miss if roll == 7 else valid)


_TEXT = _mostly(
    st.one_of(
        st.sampled_from(["a", " ", "a\n", "é", "😀", "x" * 128, "x" * 200, "x" * 2000, "é" * 2000, "y" * 4000]),
        st.text(min_size=1, max_size=6),
    ),
    st.sampled_from(["", "\n", "x" * 129, "x" * 201, "x" * 2001, "😀" * 2001, "y" * 4001]),
)
_DATES = _mostly(
    st.one_of(
        st.sampled_from(
            [
                "2025",
                "2025-03",
                "2025-03-10",
                " 2025-03-10 ",
                "2025-03-10\n",
                "2025-03-10?",
                "2025-03~",
                "2025-03-03/2025-03-09",
                "2024-02-29",
            ]
        ),
        st.dates().map(str),
    ),
    st.sampled_from(
        ["2025-03-10/2025-03-01", "2025-02-30", "0000", "2025-3-1", "２０２５", "2025/..", "", "10 March 2025"]
    ),
)
_ACTORS = _mostly(
    st.sampled_from(["uk", "UK", "GB", "France", "fr", "FRA", "Côte d'Ivoire", "nato", "EU", "U.S.", "us", " uk "]),
    st.sampled_from(["Atlantis", "", " ", "Frnce"]),
)
_CAPABILITY = _mostly(st.sampled_from(CAPABILITIES), st.sampled_from(["participation", "Troops", "", "tanks"]))
_IDS = _mostly(
    st.one_of(st.sampled_from(["e1", "src-1", "x" * 128, "a b"]), st.text(min_size=1, max_size=4)),
    st.sampled_from(["x" * 129, ""]),
)
_STREAMS = _mostly(
    st.one_of(
        st.sampled_from(["main", "ukraine", "a.b:c-d_e", "x" * 128]),
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,6}", fullmatch=True),
    ),
    st.sampled_from(["", "-x", "a b", "a\n", "x" * 129, "é"]),
)
_SHA = _mostly(
    st.sampled_from(["a" * 64, "0123456789abcdef" * 4]), st.sampled_from(["A" * 64, "a" * 63, "a" * 64 + "\n", ""])
)
# a value of the wrong JSON type, for any field
_ANY_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=4),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8,
)


def _list(element: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(element, max_size=4)


def _source_ref() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"source": _IDS}, optional={"quote": st.one_of(st.none(), _TEXT)})


_OPTIONAL_TEXT = st.one_of(st.none(), _TEXT)
_PAYLOADS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # type: (required fields, optional fields)
    "source.registered": (
        {"source_id": _IDS, "publisher": _TEXT, "published": _DATES},
        {"title": _OPTIONAL_TEXT, "url": _OPTIONAL_TEXT, "sha256": st.one_of(st.none(), _SHA)},
    ),
    "meeting.scheduled": (
        {
            "meeting_id": _IDS,
            "scheduled_for": _DATES,
            "format": _mostly(st.sampled_from(["virtual", "in_person"]), st.just("phone")),
        },
        {"location": _OPTIONAL_TEXT, "participants": st.one_of(st.none(), _list(_ACTORS)), "topic": _OPTIONAL_TEXT},
    ),
    "meeting.convened": (
        {},
        {
            "meeting_id": st.one_of(st.none(), _IDS),
            "participants": st.one_of(st.none(), _list(_ACTORS)),
            "format": st.sampled_from([None, "virtual", "in_person", "Virtual"]),
            "location": _OPTIONAL_TEXT,
            "topic": _OPTIONAL_TEXT,
            "external": st.sampled_from([None, True, False, 0, 1, "true"]),
        },
    ),
    "pledge.made": (
        {"offers": _list(_CAPABILITY)},
        {
            "ruled_out": st.one_of(st.none(), _list(_CAPABILITY)),
            "conditions": st.one_of(st.none(), _list(_TEXT)),
            "firmness": st.sampled_from([None, "firm", "tentative", "soft"]),
        },
    ),
    "pledge.withdrawn": ({}, {"offers": st.one_of(st.none(), _list(_CAPABILITY)), "reason": _OPTIONAL_TEXT}),
    "position.declined": ({}, {"scope": st.one_of(st.none(), _CAPABILITY), "reason": _OPTIONAL_TEXT}),
    "position.undecided": ({}, {"reason": _OPTIONAL_TEXT}),
    "position.considering": ({}, {"conditions": st.one_of(st.none(), _list(_TEXT))}),
    "position.in_talks": ({}, {}),
    "condition.stated": ({"condition": _TEXT}, {"description": _OPTIONAL_TEXT}),
    "count.reported": (
        {
            "subject": _mostly(st.sampled_from(SUBJECTS), st.just("ships")),
            "comparator": _mostly(st.sampled_from(COMPARATORS), st.just("==")),
            "amount": _mostly(
                st.one_of(st.sampled_from([0, 100_000_000]), st.integers(0, 10**8)),
                st.sampled_from([-1, 100_000_001, 2**64, 20.0, 20.5, True, "20"]),
            ),
        },
        {"attributed_to": _OPTIONAL_TEXT, "raw": _OPTIONAL_TEXT},
    ),
    "statement.made": ({"speaker": _TEXT, "summary": _TEXT}, {"topic": _OPTIONAL_TEXT}),
    "event.corrected": (
        {
            "target": _IDS,
            "reason": _TEXT,
            "changes": st.fixed_dictionaries(
                {},
                optional={
                    "occurred": st.one_of(st.none(), _DATES),
                    "actor": st.one_of(st.none(), _ACTORS),
                    "data": st.one_of(st.none(), st.dictionaries(st.text(max_size=4), _ANY_JSON, max_size=3)),
                    "sources": st.one_of(st.none(), st.lists(_source_ref(), max_size=2)),
                },
            ),
        },
        {},
    ),
    "event.retracted": ({"target": _IDS, "reason": _TEXT}, {}),
}
assert set(_PAYLOADS) == set(KINDS)

_ENVELOPE_OPTIONAL: dict[str, st.SearchStrategy[Any]] = {
    "id": st.one_of(st.none(), _IDS),
    "stream": st.one_of(st.none(), _STREAMS),
    "occurred_text": _OPTIONAL_TEXT,
    "actor": st.one_of(st.none(), _ACTORS),
    "speaker": _OPTIONAL_TEXT,
    "sources": _mostly(
        st.lists(_source_ref(), max_size=3), st.sampled_from([None, [{"source": "s"}] * 50, [{"source": "s"}] * 51])
    ),
    "note": _OPTIONAL_TEXT,
}


@st.composite
def _events(draw: st.DrawFn) -> dict[str, Any]:
    type_name = draw(st.sampled_from(sorted(_PAYLOADS)))
    required, optional = _PAYLOADS[type_name]
    data = draw(st.fixed_dictionaries(required, optional=optional))
    event = draw(st.fixed_dictionaries({"type": st.just(type_name), "occurred": _DATES}, optional=_ENVELOPE_OPTIONAL))
    if draw(st.integers(0, 3)) != 2:  # mostly with an actor, which most types need
        event["actor"] = draw(_ACTORS)
    if draw(st.integers(0, 9)) != 7:  # mostly with data, sometimes without (an empty object)
        event["data"] = data
    return event


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    """An event with one thing changed: a field dropped, added, or given a value of any JSON type."""
    event = draw(_events())
    target = event.get("data") if isinstance(event.get("data"), dict) and draw(st.booleans()) else event
    how = draw(st.sampled_from(["drop", "add", "replace"]))
    keys = sorted(target)
    if how == "drop" and keys:
        del target[draw(st.sampled_from(keys))]
    elif how == "add":
        target[draw(st.sampled_from(["extra", "Type", "data", "id", "changes", "type"]))] = draw(_ANY_JSON)
    elif keys:
        target[draw(st.sampled_from(keys))] = draw(_ANY_JSON)
    return event


def _spelled(draw: st.DrawFn, event: dict[str, Any]) -> bytes:
    """One of the ways a line may spell an event: compact, spaced, or with non-ASCII escaped."""
    how = draw(st.sampled_from(["compact", "ascii", "spaced"]))
    if how == "compact":
        return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if how == "ascii":
        return json.dumps(event).encode("utf-8")
    return json.dumps(event, ensure_ascii=False, indent=1).replace("\n", " ").encode("utf-8")


_SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.data())
def test_generated_events_are_accepted_alike_and_made_into_equal_events(data: st.DataObject) -> None:
    _assert_same(_spelled(data.draw, data.draw(_events())))


@_SETTINGS
@given(st.data())
def test_mutated_events_are_refused_alike(data: st.DataObject) -> None:
    _assert_same(_spelled(data.draw, data.draw(_mutated())))


@_SETTINGS
@given(_ANY_JSON)
def test_any_json_value_is_refused_alike(value: Any) -> None:
    _assert_same(json.dumps(value).encode("utf-8"))


def _assert_same_payload(type_name: str, data: Any) -> None:
    """A correction's new data for a target of this type: the fast decoder accepts it as the models do, or declines."""
    fast = decode_payload(type_name, data)
    try:
        reference: dict[str, Any] | None = validate_payload(type_name, data)
    except EventValidationError:
        reference = None
    if fast is None:
        if reference is not None:  # only what the JSON layer judges before any check may be declined
            assert "\\u0000" in json.dumps(data) or _beyond(data, 24), f"declined what pydantic accepts: {data!r}"
        return
    assert reference is not None, f"the fast decoder accepted data pydantic refuses for {type_name}: {data!r}"
    assert _ordered(fast) == _ordered(reference)


@_SETTINGS
@given(st.data())
def test_a_corrections_new_data_is_judged_alike_for_its_targets_type(data: st.DataObject) -> None:
    event = data.draw(st.one_of(_events(), _mutated()))
    # a target's type is a stored event's: always one of the vocabulary (a mutation may have changed the event's)
    given = event.get("type")
    type_name = given if isinstance(given, str) and given in KINDS else data.draw(st.sampled_from(sorted(KINDS)))
    _assert_same_payload(type_name, json.loads(json.dumps(event.get("data", {}))))  # as a line's JSON gives it


# one valid event's data per type (a correction's changes included), each field of which is tried with every near miss
_VALID_DATA: dict[str, dict[str, Any]] = {
    "source.registered": {
        "source_id": "s",
        "publisher": "p",
        "published": "2025-03-10",
        "title": "t",
        "url": "u",
        "sha256": "a" * 64,
    },
    "meeting.scheduled": {
        "meeting_id": "m",
        "scheduled_for": "2025-03",
        "format": "virtual",
        "location": "Paris",
        "participants": ["uk"],
        "topic": "t",
    },
    "meeting.convened": {
        "meeting_id": "m",
        "participants": ["uk", "France", "GB"],
        "format": "in_person",
        "location": "l",
        "topic": "t",
        "external": True,
    },
    "pledge.made": {"offers": ["troops", "troops"], "ruled_out": [], "conditions": ["c", "c"], "firmness": "firm"},
    "pledge.withdrawn": {"offers": ["naval"], "reason": "r"},
    "position.declined": {"scope": "troops", "reason": "r"},
    "position.undecided": {"reason": "too early"},
    "position.considering": {"conditions": ["a", "a"]},
    "position.in_talks": {},
    "condition.stated": {"condition": "a mandate", "description": "d"},
    "count.reported": {"subject": "troops", "comparator": "~", "amount": 30000, "attributed_to": "a", "raw": "r"},
    "statement.made": {"speaker": "a minister", "summary": "said so", "topic": "t"},
    "event.corrected": {
        "target": "e1",
        "changes": {"occurred": "2025", "actor": "fr", "data": {"x": [1, None]}, "sources": [{"source": "s"}]},
        "reason": "r",
    },
    "event.retracted": {"target": "e1", "reason": "r"},
}
_VALID_ENVELOPE: dict[str, Any] = {
    "id": "e1",
    "stream": "main",
    "occurred": "2025-03-10",
    "occurred_text": "on Monday",
    "actor": "uk",
    "speaker": "a minister",
    "sources": [{"source": "s", "quote": "q"}],
    "note": "n",
}
_NEAR_MISSES: list[Any] = [
    *["", " ", "\n", "a\n", "\na", " a ", "x" * 64, "x" * 128, "x" * 129, "x" * 200, "x" * 201, "x" * 2000],
    *["x" * 2001, "😀" * 2000, "😀" * 2001, "y" * 4000, "y" * 4001, "é", "a b", "-a", "a:b.c_d-e"],
    *["a" * 64, "a" * 64 + "\n", "A" * 64, "a" * 63, "a" * 65],
    *[" 2025-03-10 ", "2025-03-10\n", "2025-03-10?", "2025-03~", "2025-03-03/2025-03-09", "2025-03-10/2025-03-01"],
    *["2025-02-30", "0000", "2025-3-1", "２０２５", "2025/..", "2025-03", "2025", "10 March 2025"],
    *["uk", " uk ", "UK", "U.S.", "Atlantis", "Frnce", "nato", "troops", "participation", "Troops", "virtual"],
    *["in_person", "firm", "tentative", "~", "==", "participants", "ships"],
    *[None, True, False, 0, 1, -1, 20.0, 100_000_000, 100_000_001, 2**63, 2**64, [], [None], {}, {"a": 1}],
    *[["uk", "uk"], ["Atlantis"], ["troops", "troops"], ["tanks"], [""], ["a"] * 3, [{"source": "s"}] * 51],
    *[[{"source": "s", "quote": ""}], [{"source": "s", "quote": None}], [{"source": ""}], [{"source": "s", "x": 1}]],
]


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def test_every_event_type_is_decoded_fast() -> None:
    assert set(_VALID_DATA) == set(KINDS)
    for type_name, data in _VALID_DATA.items():
        assert _assert_same(_line({"type": type_name, **_VALID_ENVELOPE, "data": data})) is not None, type_name
        assert _assert_same(_line({"type": type_name, "occurred": "2025", "actor": "fr", "data": data})) is not None


@pytest.mark.parametrize("type_name", sorted(_VALID_DATA))
def test_each_field_given_each_near_miss_is_judged_alike(type_name: str) -> None:
    data = _VALID_DATA[type_name]
    for value in _NEAR_MISSES:
        for name in [*_VALID_ENVELOPE, "type", "data", "extra"]:
            _assert_same(_line({"type": type_name, **_VALID_ENVELOPE, "data": data, name: value}))
        for name in [*data, "extra"]:
            _assert_same(_line({"type": type_name, **_VALID_ENVELOPE, "data": {**data, name: value}}))
        for name in ["occurred", "actor", "data", "sources", "extra"] if type_name == "event.corrected" else []:
            for changes in ({name: value}, {**data["changes"], name: value}):
                _assert_same(_line({"type": type_name, "occurred": "2025", "data": {**data, "changes": changes}}))
    for name in [*_VALID_ENVELOPE, "data"]:  # each envelope field left out
        event = {"type": type_name, **_VALID_ENVELOPE, "data": data}
        del event[name]
        _assert_same(_line(event))
    for name in data:  # each data field left out
        _assert_same(
            _line({"type": type_name, **_VALID_ENVELOPE, "data": {k: v for k, v in data.items() if k != name}})
        )


@pytest.mark.parametrize(
    "line",
    [
        # a NUL escaped anywhere: the JSON layer names its field
        rb'{"type":"position.undecided","actor":"uk","occurred":"2025","note":"a\u0000b"}',
        # an integer orjson reads as a float
        b'{"type":"event.corrected","occurred":"2025","data":{"target":"e","reason":"r","changes":{"data":{"n":'
        + b"1" * 30
        + b"}}}}",
        # free-form data nested more deeply than the decoder checks
        b'{"type":"event.corrected","occurred":"2025","data":{"target":"e","reason":"r","changes":{"data":{"n":'
        + b"[" * 30
        + b"]" * 30
        + b"}}}}",
        # a lone surrogate
        rb'{"type":"position.undecided","actor":"uk","occurred":"2025","note":"\ud800"}',
    ],
)
def test_what_the_json_layer_judges_is_left_to_it(line: bytes) -> None:
    assert decode_event(line, DEFAULT_STREAM) is None
    _assert_same(line)


@pytest.mark.parametrize(
    "line",
    [
        # a backslash written out, then the letters u0000: text, not a NUL (found by the hypothesis test above)
        rb'{"type":"condition.stated","occurred":"2025","actor":"uk","data":{"condition":"\\u0000"}}',
        # three backslashes: one written out, then a NUL escape, which the JSON layer judges
        rb'{"type":"condition.stated","occurred":"2025","actor":"uk","data":{"condition":"\\\u0000"}}',
    ],
)
def test_the_text_of_a_nul_escape_is_told_from_the_escape(line: bytes) -> None:
    _assert_same(line)


def test_a_corrections_new_data_holding_the_text_of_a_nul_escape_is_decoded_fast() -> None:
    written_out = {"condition": "\\u0000"}  # a backslash, then the letters u0000
    assert decode_payload("condition.stated", written_out) == validate_payload("condition.stated", written_out)
    assert decode_payload("condition.stated", {"condition": "a\x00b"}) is None  # a NUL: the models judge it


def _lines(*patterns: str) -> list[bytes]:
    found = [path for pattern in patterns for path in sorted(ROOT.glob(pattern))]
    assert found
    return [line.rstrip(b"\r") for path in found for line in path.read_bytes().split(b"\n") if line.strip()]


@pytest.mark.parametrize(
    "pattern",
    [
        "tests/reliability/corpus/refused/*.jsonl",
        "tests/reliability/corpus/accepted/*.jsonl",
        "examples/**/*.jsonl",
        "tests/fixtures/*.jsonl",
    ],
)
def test_corpus_examples_and_fixtures_are_judged_alike(pattern: str) -> None:
    for line in _lines(pattern):
        line = line.removeprefix(b"\xef\xbb\xbf")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue  # refused before either decoder sees it
        _assert_same(line)
