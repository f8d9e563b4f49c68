"""A long import whose lines worker processes prepare (cut bodies, quotes looked for) stores what the full checks would.

The store splices, hashes and inserts a prepared line only when every check passes at
once; any line the fast path declines goes through the full checks, so a refusal names
the same line, field and words as an import without workers, and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from core import DEFAULT_STREAM, EventFilter, EventStore, InputError, Located, PreparedLines, interchange, read_jsonl
from core import store as store_module
from core.lines import PreparedEvent
from core.mapper import canonical_json
from core.recorder import Transaction
from tests.conftest import initialised_store

TEXT = (
    "Poland has offered logistics support despite ruling out troops on the ground. "
    "Italy declined to take part, and Germany said it was too early to say. "
    "Britain and France offered troops for a force to reassure Ukraine."
)
QUOTES = [
    "Poland has offered logistics support",
    "Italy declined to take part",
    "Britain and France offered troops",
    "Germany said it was ... too early to say",
]


@pytest.fixture(autouse=True)
def _small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    # an input of more than 10 lines goes to workers, 7 lines at a time, and the store inserts 6 at a time (on
    # PostgreSQL into a COPY left open while it checks the next ones), so a short input crosses many chunks of each
    monkeypatch.setattr(interchange, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(interchange, "CHUNK_LINES", 7)
    monkeypatch.setattr(store_module, "_INSERT_CHUNK", 6)
    monkeypatch.setattr(store_module, "_TEXTS_AT_ONCE_AFTER", 20)


def _with_sources(store: EventStore) -> EventStore:
    store.register_source(source_id="art", publisher="FT", published="2025-03-10", text=TEXT)
    store.register_source(source_id="notext", publisher="FT", published="2025-03-12")
    return store


@pytest.fixture
def log(store: EventStore) -> EventStore:
    return _with_sources(store)


def _objects(count: int = 60) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for number in range(count):
        source = {"source": "art", "quote": QUOTES[number % len(QUOTES)]}
        if number % 5 == 0:
            source = {"source": "notext", "quote": "anything at all here"}
        obj: dict[str, Any] = {
            "id": f"e{number}",
            "type": "pledge.made" if number % 2 else "position.in_talks",
            "stream": "gaza" if number % 3 == 0 else DEFAULT_STREAM,
            "occurred": "2025-03" if number % 4 == 0 else "2025-03-09",
            "actor": ["PL", "GB", "FR", "IT"][number % 4],
            "sources": [source] + ([{"source": "notext"}] if number % 7 == 0 else []),
        }
        if obj["type"] == "pledge.made":
            obj["data"] = {"offers": ["logistics", "troops"][: 1 + number % 2], "firmness": "firm"}
        if number % 6 == 0:
            obj["note"] = "checked — “typographic” quotes and é"
        if number % 11 == 0:
            del obj["id"]  # generated
        objects.append(obj)
    # amendments, checked in full: of an event inserted chunks before, of one in the chunk before, of one just staged
    for number, target, kind in [(26, "e2", "event.retracted"), (45, "e40", "event.corrected"), (56, "e54", "")]:
        data: dict[str, Any] = {"target": target, "reason": "misread"}
        if kind != "event.retracted":
            data["changes"] = {"occurred": "2025-03-08"}
        objects[number] = {"id": f"a{number}", "type": kind or "event.corrected", "occurred": "2025-03-10",
                           "data": data, "sources": [{"source": "notext"}]}  # fmt: skip
    return objects


def _lines(objects: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(obj, ensure_ascii=False).encode() + b"\n" for obj in objects]


def _prepared(store: EventStore, lines: list[bytes], workers: int = 1) -> Iterator[Any]:
    return read_jsonl(
        lines, "events.jsonl", DEFAULT_STREAM, workers=workers, prepare=True, quote_texts=store.source_texts
    )


def _stored(store: EventStore) -> list[tuple[Any, ...]]:
    """Each stored event as what it says and where it landed (not when, nor the hashes: recorded_at differs)."""
    found = []
    for event in store.read(EventFilter()):
        content = event.envelope()
        if event.id.count("-") == 4:  # a generated id
            content["id"] = "generated"
        found.append((event.position, event.stream_version, event.recorded_by, content))
    return found


def test_the_workers_prepare_the_ordinary_lines_in_runs_and_the_rest_come_as_events(log: EventStore) -> None:
    objects = _objects()
    objects[30] = {"type": "source.registered", "occurred": "2025-03-01",
                   "data": {"source_id": "later", "publisher": "FT", "published": "2025-03-11"}}  # fmt: skip
    items = list(_prepared(log, _lines(objects)))
    # each line once, in order: a run of prepared lines as its lines (with its index in the run)
    lines: list[tuple[Located | PreparedLines, int | None]] = []
    for item in items:
        lines += [(item, index) for index in range(len(item))] if type(item) is PreparedLines else [(item, None)]
    assert len(lines) == len(objects)
    # a long input goes to the workers from its first line: only these are not prepared
    unprepared = {26, 30, 45, 56}  # a registration and amendments: they change what later checks read
    assert {number for number, (item, _) in enumerate(lines) if type(item) is Located} == unprepared
    runs = [item for item in items if type(item) is PreparedLines]
    assert all(len(run) <= interchange.CHUNK_LINES for run in runs)  # a run never spans two workers' chunks
    assert len(runs) < len(lines) - len(unprepared)  # runs, not a line each
    sequential = list(read_jsonl(_lines(objects), "events.jsonl", DEFAULT_STREAM, workers=0))
    for number, (item, index) in enumerate(lines):
        if type(item) is Located:
            assert item == sequential[number]
            continue
        assert isinstance(item, PreparedLines)
        assert index is not None
        prepared = list(item)[index]
        assert prepared.line == number + 1
        again = item.located(index)
        assert again.location.line == number + 1
        if objects[number].get("id") is None:  # an id is generated on each reading
            again = again._replace(event=again.event._replace(id=None))
        else:
            assert prepared.id == objects[number]["id"]
        assert prepared.stream == again.event.stream
        assert prepared.type == again.event.type
        assert again == sequential[number]


def test_a_prepared_import_stores_what_an_import_without_workers_stores(log: EventStore, tmp_path: Path) -> None:
    lines = _lines(_objects())
    log.append_many(_prepared(log, lines), recorded_by="analyst")
    with initialised_store(f"sqlite:///{tmp_path / 'sequential.db'}") as sequential:
        _with_sources(sequential)
        sequential.append_many(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=0), recorded_by="analyst")
        assert _stored(log) == _stored(sequential)
    log.verify()
    with log._recorder.reading() as transaction:  # every body is in canonical form, as the chain covers it
        bodies = list(transaction.bodies_containing('"type":'))
    assert bodies
    assert all(canonical_json(orjson.loads(body)).decode() == body for body in bodies)


def _bad(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**obj, **changes}


_REFUSALS = {
    "unknown source": lambda obj: _bad(obj, sources=[{"source": "nowhere"}]),
    "quote not in the text": lambda obj: _bad(
        obj, sources=[{"source": "art", "quote": "Spain offered its navy today"}]
    ),
    "second source unknown": lambda obj: _bad(obj, sources=[{"source": "art"}, {"source": "nowhere"}]),
    "occurred after publication": lambda obj: _bad(obj, occurred="2025-03-11"),
    "too short a quote": lambda obj: _bad(obj, sources=[{"source": "art", "quote": "Poland has"}]),
    "reserved id": lambda obj: _bad(obj, id="source:art"),
    "no source": lambda obj: _bad(obj, sources=[]),
    "id used twice with other content": lambda obj: _bad(obj, id="e3"),
}


@pytest.mark.parametrize("case", sorted(_REFUSALS))
def test_a_line_the_fast_path_declines_is_refused_as_without_workers(log: EventStore, case: str) -> None:
    objects = _objects()
    objects[40] = _REFUSALS[case](objects[41])
    lines = _lines(objects)
    before = log.head()
    with pytest.raises(InputError) as sequential:
        log.append_many(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=0))
    assert log.head() == before
    with pytest.raises(InputError) as prepared:
        log.append_many(_prepared(log, lines))
    assert log.head() == before
    assert type(prepared.value) is type(sequential.value)
    assert prepared.value.location == sequential.value.location
    assert prepared.value.location.line == 41
    assert (str(prepared.value), prepared.value.hint) == (str(sequential.value), sequential.value.hint)


def test_unverified_quotes_repeated_lines_and_stored_ids_are_handled_as_without_workers(
    log: EventStore, tmp_path: Path
) -> None:
    objects = _objects()
    objects[20] = _bad(objects[21], id="e-unverified", sources=[{"source": "art", "quote": "words the text lacks"}])
    objects[35] = objects[34]  # the same event twice: the second is left alone
    log.append_many(read_jsonl(_lines(objects[:5]), "first.jsonl", DEFAULT_STREAM, workers=0))  # e1..e4 stored
    objects[25] = objects[2]  # an event the log holds already
    lines = _lines(objects)
    result = log.append_many(_prepared(log, lines), unverified=True)
    with initialised_store(f"sqlite:///{tmp_path / 'sequential.db'}") as sequential:
        _with_sources(sequential)
        sequential.append_many(read_jsonl(_lines(objects[:5]), "first.jsonl", DEFAULT_STREAM, workers=0))
        expected = sequential.append_many(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=0), unverified=True)
        assert _stored(log) == _stored(sequential)
    assert (result.count, result.unchanged) == (expected.count, expected.unchanged)
    assert result.unchanged == ["e1", "e2", "e3", "e4", "e2", "e34"]


def _noting_queries(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Return the ids of each lookup a write makes by id, as it makes them."""
    asked: list[list[str]] = []
    rows_with_ids = Transaction.rows_with_ids

    def noting(transaction: Transaction, ids: Sequence[str]) -> Iterator[tuple[str, str, str]]:
        asked.append(list(ids))
        return rows_with_ids(transaction, ids)

    monkeypatch.setattr(Transaction, "rows_with_ids", noting)
    return asked


def test_a_long_import_into_a_small_log_reads_its_ids_once_and_amends_recent_rows_with_no_query(
    log: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a query by id would end the COPY on PostgreSQL and wait for the server: a long import asks the ids of
    # its first chunk, then reads the two ids stored before it once, and amends the events it staged lately
    # (the last chunk inserted, kept at hand) from their rows
    monkeypatch.setattr(store_module, "_RECENT_CHUNKS_KEPT", 1)
    asked = _noting_queries(monkeypatch)
    objects = _objects()
    objects[50] = {**objects[51], "id": "e-late"}
    objects[58] = {**objects[50]}  # the same event again, eight lines on: the one at hand is compared with it
    result = log.append_many(_prepared(log, _lines(objects)))
    # the first chunk: a run of seven prepared lines, the first given no id; then a26 retracts e2, three chunks
    # before, not at hand
    assert [ids[1:] for ids in asked[:1]] + asked[1:] == [["e1", "e2", "e3", "e4", "e5", "e6"], ["e2"]]
    assert result.unchanged == ["e-late"]
    assert log.get("a45") is not None  # amends e40, in the chunk before
    assert log.get("a56") is not None  # amends e54, in its own chunk (not inserted yet)


@pytest.mark.parametrize("kept", [0, 8])
def test_a_long_import_finds_what_it_staged_whether_still_at_hand_or_not(
    log: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int
) -> None:
    # kept 0: only the rows not inserted yet are at hand, so every earlier target and repeated id is asked for
    monkeypatch.setattr(store_module, "_RECENT_CHUNKS_KEPT", kept)
    objects = _objects()
    objects[52] = objects[3]  # staged eight chunks before: left alone, as the same event
    objects[53] = {**objects[9], "occurred": "2025-03-01"}  # staged seven chunks before, with other content
    lines = _lines(objects)
    with pytest.raises(InputError) as prepared:
        log.append_many(_prepared(log, lines))
    with pytest.raises(InputError) as sequential:
        log.append_many(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=0))
    assert prepared.value.location == sequential.value.location
    assert prepared.value.location.line == 54
    assert str(prepared.value) == str(sequential.value)
    del objects[53]
    result = log.append_many(_prepared(log, _lines(objects)))
    assert "e3" in result.unchanged
    with initialised_store(f"sqlite:///{tmp_path / 'sequential.db'}") as other:
        _with_sources(other)
        other.append_many(read_jsonl(_lines(objects), "events.jsonl", DEFAULT_STREAM, workers=0))
        assert _stored(log) == _stored(other)


def test_workers_started_ahead_look_for_quotes_in_the_texts_read_when_the_events_are_asked_for(
    log: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `dtl import` enters the reader before it opens the store: the workers parse meanwhile, and are told the
    # texts stored when the write begins
    monkeypatch.setattr(interchange, "FIRST_TASK_LINES", 30)
    objects = _objects()
    lines = _lines(objects)
    read: list[int] = []

    def texts() -> dict[str, str]:
        read.append(len(read))
        return log.source_texts()

    with interchange.Reader(lines, "events.jsonl", DEFAULT_STREAM, workers=1, prepare=True, ahead=True) as reader:
        time.sleep(0.2)  # the worker parses its first task
        assert read == []
        ahead = list(reader.events(texts))
    assert read == [0]
    entries = [entry for item in ahead if type(item) is PreparedLines for entry in item]
    assert entries[0].line == 1  # the first task, of 30 lines, was prepared as well
    digest = hashlib.sha256(TEXT.encode()).hexdigest()
    quoted = [found for entry in entries for source, given, found in entry.sources if source == "art" and given]
    assert quoted
    assert set(quoted) == {digest}  # each quote found in the text told after the task began

    def comparable(entry: PreparedEvent) -> tuple[Any, ...]:
        given = objects[entry.line - 1].get("id") is not None  # else a new id each reading, in the head too
        return (*entry[:1], *entry[2:10], *entry[11:], *(entry[1:2] + entry[10:11] if given else ()))

    unhurried = [entry for item in _prepared(log, lines) if type(item) is PreparedLines for entry in item]
    assert [comparable(entry) for entry in entries] == [comparable(entry) for entry in unhurried]


def test_a_reader_left_before_its_events_are_asked_for_stops_its_workers_at_once(log: EventStore) -> None:
    lines = _lines(_objects())
    with interchange.Reader(lines, "events.jsonl", DEFAULT_STREAM, workers=2, prepare=True, ahead=True) as reader:
        # opening the store failed, say: the workers wait for texts that never come
        assert reader._pool is not None
        processes = [worker.process for worker in reader._pool._workers]
    assert [process.exitcode for process in processes] == [0, 0]  # they left when told, not killed after a grace
