"""A SQLite log read through sqlite3 alone (core.sqlite_reads) answers as the store answers through SQLAlchemy.

A differential test on random logs (two streams, back-dated events, fuzzy dates and
intervals, corrections and retractions; replay pages rebuilt after some batches and not
others, so a window reads pages only, pages and a tail, or bodies only): every window's
effective events, the head, the streams and their versions, and the positions known at a
moment are the store's; a replay with snapshots kept by either gives byte-identical state
documents, and each finds and trusts the snapshots the other saved. Then the edges: which
URLs and files it leaves to the store, and a writer holding the log (read-only media:
tests/reliability/test_read_only.py, whose `dtl state` reads through it).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import EventStore, Located, Location
from core.snapshots import SnapshotRecorder
from core.sqlite_reads import SQLiteLog, sqlite_file
from events import parse_event
from projections.coalition import state_document
from projections.engine import Replayer, Snapshot
from service import Query
from service.timeline import Timeline
from tests.conftest import initialised_store
from tests.integration.test_replay_pages import start_generated, window_asked, windows
from tests.integration.test_replay_snapshots import full_replay, logs
from tests.support import cited, example_objects


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[EventStore]:
    with initialised_store(sqlite_url) as opened:
        yield opened


@pytest.fixture
def sqlite_log(sqlite_store: EventStore, sqlite_url: str) -> Iterator[SQLiteLog]:
    log = SQLiteLog.open(sqlite_url)
    assert log is not None, "a plain SQLite URL of an initialised log is read through sqlite3"
    try:
        yield log
    finally:
        log.close()


def _document(replayer: Replayer, stream: str, as_of: date, known_at: int | None) -> str:
    replay = replayer.state(as_of=as_of, stream=stream, known_at=known_at)
    replayer.save_snapshots()
    document = state_document(
        replay.state, stream=stream, as_of=as_of, known_at=known_at, position=replay.known_position
    )
    return json.dumps(document)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches=logs(),
    rebuilds=st.lists(st.booleans(), min_size=4, max_size=4),
    asked=st.lists(st.tuples(windows, st.booleans()), min_size=3, max_size=3),  # the fold's fields only, or all
    days=st.lists(st.integers(0, 39), min_size=2, max_size=2),
)
def test_sqlite_reads_answer_as_the_store_does(
    sqlite_store: EventStore,
    sqlite_log: SQLiteLog,
    batches: list[list[dict[str, Any]]],
    rebuilds: list[bool],
    asked: list[tuple[tuple[int | None, int | None, int | None, int | None], bool]],
    days: list[int],
) -> None:
    store = sqlite_store
    streams, base = start_generated(store, batches)
    # snapshots every 2 events, kept by each side: each also reads what the other saved
    ours = Replayer(sqlite_log, sqlite_log.snapshots(Snapshot), snapshot_every=2, defer_saves=True)
    theirs = Replayer(store, SnapshotRecorder(store.database, Snapshot), snapshot_every=2, defer_saves=True)
    for batch, rebuild in zip(batches, rebuilds, strict=False):
        store.append_many([Located(parse_event(cited(obj), "s"), Location("generated", 1)) for obj in batch])
        if rebuild:
            assert sqlite_log.replay_pages_due() == store.replay_pages_due()
            assert store.refresh_replay_pages(at_least=1)
        head = store.head()
        assert sqlite_log.head() == head
        assert sqlite_log.streams() == store.streams()
        for stream in [*streams, "no-such-stream"]:
            assert sqlite_log.stream_version(stream) == store.stream_version(stream)
        for known_at in (None, 0, base + 1, head[0] + 5, "2025-04-01T00:00:00.000000Z", "2025-04-01T00:00:03.000000Z"):
            assert sqlite_log.known_position(known_at) == store.known_position(known_at)
        for offsets, fold_fields_only in asked:
            window = replace(window_asked(offsets, streams, head[0], base), fold_fields_only=fold_fields_only)
            assert list(sqlite_log.effective_batches(window)) == list(store.effective_batches(window))
        for (stream, day_offset), replayer in itertools.product(itertools.product(streams, days), (ours, theirs)):
            as_of = date(2025, 2, 20) + timedelta(days=day_offset)
            for known_at in (None, base + len(batch)):
                expected = json.dumps(full_replay(store, stream, as_of, known_at))
                assert _document(replayer, stream, as_of, known_at) == expected


def test_a_replay_through_sqlite_resumes_from_the_snapshot_the_store_saved(
    sqlite_store: EventStore, sqlite_log: SQLiteLog
) -> None:
    sqlite_store.append_many(
        [Located(parse_event(obj, "ukraine-coalition"), Location("example", 1)) for obj in example_objects()]
    )
    day = date(2025, 3, 17)
    theirs = Replayer(sqlite_store, SnapshotRecorder(sqlite_store.database, Snapshot), snapshot_every=10)
    cold = theirs.state(as_of=day, stream="ukraine-coalition")
    ours = Replayer(sqlite_log, sqlite_log.snapshots(Snapshot))
    warm = ours.state(as_of=day, stream="ukraine-coalition")
    assert warm.resumed_from is not None, "the snapshot the store saved is found through sqlite3"
    assert warm.state == cold.state
    # and the other way: a snapshot saved through sqlite3 is one the store finds
    SnapshotRecorder(sqlite_store.database, Snapshot).clear()
    Replayer(sqlite_log, sqlite_log.snapshots(Snapshot), snapshot_every=10).state(as_of=day, stream="ukraine-coalition")
    again = Replayer(sqlite_store, SnapshotRecorder(sqlite_store.database, Snapshot)).state(
        as_of=day, stream="ukraine-coalition"
    )
    assert again.resumed_from is not None
    assert again.state == cold.state


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////var/log.db", "/var/log.db"),
        ("sqlite:///relative/log.db", "relative/log.db"),
        ("sqlite:///log.db?mode=ro", None),  # a query SQLAlchemy reads
        ("sqlite:///log%20one.db", None),  # an escape SQLAlchemy reads
        ("sqlite:///:memory:", None),
        ("sqlite://", None),
        ("sqlite+pysqlite:///log.db", None),
        ("postgresql+psycopg://postgres@localhost/test", None),
    ],
)
def test_only_a_plain_sqlite_url_names_a_file_read_through_sqlite3(url: str, path: str | None) -> None:
    assert sqlite_file(url) == (None if path is None else Path(path))


def test_a_log_out_of_the_ordinary_is_left_to_the_store_and_its_words(tmp_path: Path, sqlite_url: str) -> None:
    assert SQLiteLog.open(f"sqlite:///{tmp_path / 'missing.db'}") is None
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("not a database at all, but long enough to be read as one's header\n" * 20)
    assert SQLiteLog.open(f"sqlite:///{not_a_database}") is None
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert SQLiteLog.open(f"sqlite:///{empty}") is None, "no schema"
    with pytest.raises(Exception, match="has no timeline schema"):  # the store's words, as ever
        Timeline(f"sqlite:///{empty}").state(Query("ukraine-coalition", date(2025, 3, 17)))
    store = EventStore.open(sqlite_url, create=True)
    store.initialise()
    store.database.migrate("0007", down=True)
    store.close()
    assert SQLiteLog.open(sqlite_url) is None, "a schema behind this code's"


def test_a_snapshot_waits_for_no_writer_and_the_answer_stands(sqlite_store: EventStore, sqlite_log: SQLiteLog) -> None:
    sqlite_store.append_many(
        [Located(parse_event(obj, "ukraine-coalition"), Location("example", 1)) for obj in example_objects()]
    )
    day = date(2025, 3, 17)
    expected = Replayer(sqlite_store).state(as_of=day, stream="ukraine-coalition").state
    replayer = Replayer(sqlite_log, sqlite_log.snapshots(Snapshot), snapshot_every=10, defer_saves=True)
    assert replayer.state(as_of=day, stream="ukraine-coalition").state == expected
    writer = sqlite3.connect(sqlite_log.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process writing
        replayer.save_snapshots()  # skipped, not waited for past its 0.2 s
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with sqlite3.connect(sqlite_log.path) as reader:
        assert reader.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)
    replayer.state(as_of=day, stream="ukraine-coalition")
    replayer.save_snapshots()
    with sqlite3.connect(sqlite_log.path) as reader:
        assert reader.execute("SELECT count(*) FROM snapshots").fetchone()[0] > 0
