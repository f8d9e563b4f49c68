"""A long input is parsed by worker processes: the same events in the same order, the same errors at the same lines."""

from __future__ import annotations

import json

import pytest

from core import DEFAULT_STREAM, EventStore, InputError, interchange, read_jsonl
from tests.support import example_objects


@pytest.fixture(autouse=True)
def _small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    # an input of more than 10 lines goes to workers, 7 lines at a time, so a short input crosses many chunks
    monkeypatch.setattr(interchange, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(interchange, "CHUNK_LINES", 7)


def _lines(objects: list[dict[str, object]]) -> list[bytes]:
    return [json.dumps(obj).encode() + b"\n" for obj in objects]


def _events_only() -> list[dict[str, object]]:
    """The example's events (not its source registrations), enough of them to span many chunks."""
    events = [obj for obj in example_objects() if obj["type"] != "source.registered"]
    return [{**obj, "id": f"{obj['id']}-{copy}"} for copy in range(3) for obj in events]


def test_workers_yield_the_events_the_sequential_parser_does_in_order() -> None:
    lines = _lines(_events_only())
    lines.insert(40, b"   \n")  # blank lines are skipped, and later line numbers still count them
    sequential = list(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=0))
    parallel = list(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=2))
    assert len(parallel) == len(lines) - 1
    assert parallel == sequential


def test_an_input_parsed_before_the_workers_would_start_starts_none_and_reads_no_texts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_pool(*_: object) -> None:
        raise AssertionError("a worker pool was started for lines already parsed")

    def no_texts() -> dict[str, str]:
        raise AssertionError("the stored texts were read for lines already parsed")

    monkeypatch.setattr(interchange, "worker_pool", no_pool)
    lines = _lines(_events_only())[:10]  # PARALLEL_AFTER lines: all parsed in this process
    parsed = list(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=2, prepare=True, quote_texts=no_texts))
    assert parsed == list(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=0))
    assert len(parsed) == 10


@pytest.mark.parametrize(
    ("bad_line", "content", "field"),
    [
        (5, b'{"type": "position.in_talks"', None),  # in the first chunk
        (57, b'{"type": "position.in_talks", "occurred": "2025-02-30", "actor": "GB"}', "occurred"),
        (
            98,
            b'{"type": "pledge.made", "occurred": "2025-03-10", "actor": "Atlantis", "data": {"offers": []}}',
            "actor",
        ),
    ],
)
def test_workers_stop_at_the_first_bad_line_with_the_sequential_error(
    bad_line: int, content: bytes, field: str | None
) -> None:
    lines = _lines(_events_only())
    lines[bad_line - 1] = content + b"\n"
    lines[bad_line + 3] = b"not json either\n"  # only the first bad line is reported
    with pytest.raises(InputError) as sequential:
        list(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=0))
    with pytest.raises(InputError) as parallel:
        list(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=2))
    assert (parallel.value.location.line, parallel.value.location.field) == (bad_line, field)
    assert str(parallel.value) == str(sequential.value)
    assert parallel.value.hint == sequential.value.hint


def test_an_import_refused_deep_in_a_long_input_writes_nothing(store: EventStore) -> None:
    sources = [obj for obj in example_objects() if obj["type"] == "source.registered"]
    store.append_many(read_jsonl(_lines(sources), "sources.jsonl", DEFAULT_STREAM), unverified=True)
    before = store.head()
    lines = _lines(_events_only())
    lines[-2] = b'{"type": "position.in_talks", "occurred": "2025-03-10", "actor": "GB", "colour": "red"}\n'
    with pytest.raises(InputError) as refused:
        store.append_many(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=1), unverified=True)
    assert (refused.value.location.line, refused.value.location.field) == (len(lines) - 1, "colour")
    assert store.head() == before
