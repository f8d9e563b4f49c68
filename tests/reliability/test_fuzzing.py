"""Fuzzed JSON Lines and fuzzed `dtl append` flags: every input is an event or a located input error, never a crash."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import DEFAULT_STREAM, InputError, read_jsonl
from tests.reliability.conftest import (
    BACKENDS,
    assert_no_traceback,
    dump_database,
    events_file,
    fresh_database,
    invoke,
    load_fixture_log,
)
from tests.reliability.test_hostile_input import assert_cannot_drive_a_terminal

# text as hostile as JSON can carry: control characters, NULs, lone surrogates, quotes, SQL, escapes
hostile_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.sampled_from(["'); DROP TABLE events; --", "\x1b[2J", "\x1b]0;x\x07", "\x9b31m", "\x00", "\ud800", "", " "]),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3),
    max_leaves=8,
)

VALID = {
    "id": "fuzz",
    "type": "pledge.made",
    "stream": "ukraine-coalition",
    "occurred": "2025-03-10",
    "occurred_text": "on Monday",
    "actor": "PL",
    "data": {"offers": ["logistics"], "ruled_out": ["troops"], "conditions": ["a mandate"]},
    "sources": [{"source": "nc-2025-03-10", "quote": "Poland's contribution is logistics support"}],
    "note": "a note",
}
FIELDS = [*VALID, "data.offers", "data.conditions", "data.firmness", "sources.0.quote", "sources.0.source", "extra"]


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with one to three fields replaced by anything JSON can hold."""
    event = json.loads(json.dumps(VALID))
    for path in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3)):
        target: Any = event
        *parents, last = path.split(".")
        for part in parents:  # an earlier mutation may have replaced a parent: then this one has nothing to mutate
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                target = None
        if isinstance(target, dict):
            target[last] = draw(json_values)
        elif isinstance(target, list) and last.isdigit() and int(last) < len(target):
            target[int(last)] = draw(json_values)
    return event


def _line(event: dict[str, Any]) -> str:
    """One JSON line; lone surrogates and NaN are written as a hostile file would hold them (\\ud800, NaN)."""
    return json.dumps(event, ensure_ascii=True, allow_nan=True)


def _read(lines: list[bytes]) -> InputError | None:
    """Read lines as `dtl import` does; return the input error, or None when every line is an event."""
    try:
        list(read_jsonl([line.replace(b"\n", b" ") + b"\n" for line in lines], "fuzz.jsonl", DEFAULT_STREAM))
    except InputError as error:
        return error
    return None


fuzzed_lines = st.one_of(mutated_events().map(lambda event: _line(event).encode()), st.binary(max_size=200))


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(fuzzed_lines, max_size=4))
def test_any_line_is_either_an_event_or_an_input_error_naming_file_and_line(lines: list[bytes]) -> None:
    error = _read(lines)
    if error is not None:
        assert error.location.file == "fuzz.jsonl"
        assert error.location.line is not None
        assert 1 <= error.location.line <= len(lines)


@settings(max_examples=300, deadline=None)
@given(event=mutated_events())
def test_a_refused_event_names_its_field(event: dict[str, Any]) -> None:
    error = _read([_line(event).encode()])
    if error is not None:
        assert error.location.line == 1
        assert error.location.field is not None, str(error)


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture log with its first article attached, shared by the fuzzing runs, on each backend."""
    with fresh_database(request.param, tmp_path_factory) as url:
        load_fixture_log(url)
        yield url


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(mutated_events(), min_size=1, max_size=3))
def test_fuzzed_imports_write_all_or_nothing_and_never_crash(
    fuzzed_url: str, tmp_path_factory: pytest.TempPathFactory, events: list[dict[str, Any]]
) -> None:
    path = events_file(
        tmp_path_factory.mktemp("fuzz") / "fuzz.jsonl",
        [_line(event) for event in events],
    )
    before = dump_database(fuzzed_url)
    result = invoke(fuzzed_url, "import", str(path), color=True)
    assert result.exit_code in (0, 2), result.output
    assert_no_traceback(result.output)
    assert_cannot_drive_a_terminal(result.output)
    if result.exit_code == 2:
        assert f"error: {path}:" in result.output
        assert dump_database(fuzzed_url) == before
    else:
        assert invoke(fuzzed_url, "verify").exit_code == 0


APPEND_FLAGS = ["--actor", "--occurred", "--occurred-text", "--stream", "--id", "--data", "--note", "--source",
                "--quote", "--expected-version"]  # fmt: skip
flag_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=(), exclude_characters="\x00"), max_size=30),
    st.sampled_from(["'); DROP TABLE events; --", "\x1b[2J", "2025-02-30", "Britain", "-1", "{}", "[]"]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    event_type=st.one_of(st.sampled_from(["pledge.made", "position.declined", "count.reported"]), flag_text),
    flags=st.dictionaries(
        st.sampled_from(APPEND_FLAGS),
        st.one_of(flag_text, json_values.map(lambda value: json.dumps(value, allow_nan=True))),
        max_size=5,
    ),
)
def test_fuzzed_append_flags_exit_0_or_2_and_never_crash(
    fuzzed_url: str, event_type: str, flags: dict[str, str]
) -> None:
    arguments = ["append", event_type]
    flags.setdefault("--occurred", "2025-03-10")
    for flag, value in flags.items():
        arguments += [flag, value]
    before = dump_database(fuzzed_url)
    result = invoke(fuzzed_url, *arguments, color=True)
    assert result.exit_code in (0, 2), result.output
    assert_no_traceback(result.output)
    assert_cannot_drive_a_terminal(result.output)
    if result.exit_code == 2:
        assert dump_database(fuzzed_url) == before
