"""Each stream's version, kept by the writer in the streams table (migration 0008), on both backends.

The unique (stream, stream_version) index is gone: the writer gives versions under the write
lock and writes each stream's last one once a transaction. Rows written other than by the
writer (a log copied in row by row) still count: they are read from the events past the
table's head and taken in by the next write.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from core import EventStore
from core.copying import copy_log
from core.schema import HEAD_REVISION, streams
from core.store import Located
from errors import ConcurrencyError
from events import NewEvent, parse_event
from tests.conftest import initialised_store
from tests.support import cited, migrated, plant, register_test_source


def _event(event_id: str, stream: str = "s") -> NewEvent:
    return parse_event(cited({"id": event_id, "type": "position.in_talks", "occurred": "2025-03-10",
                              "actor": "PL", "stream": stream}), "s")  # fmt: skip


def _append_together(store: EventStore, *batch: NewEvent) -> None:
    """Append events in one write transaction."""
    store.append_many([Located(event) for event in batch])


def _kept(store: EventStore) -> dict[str, int]:
    """The streams table: each stream's version as the writer wrote it."""
    with store.database.engine.connect() as connection:
        return dict(connection.execute(select(streams.c.stream, streams.c.version)).all())


def _versions(store: EventStore) -> list[tuple[str, str, int]]:
    return [(event.id, event.stream, event.stream_version) for event in store.read()]


def test_each_write_moves_its_streams_once_and_versions_count_on(store: EventStore) -> None:
    register_test_source(store)
    _append_together(store, _event("a1", "a"), _event("b1", "b"), _event("a2", "a"))
    store.append(_event("a3", "a"))
    assert _kept(store) == {"sources": 1, "a": 3, "b": 1}
    assert [store.stream_version(name) for name in ("a", "b", "absent")] == [3, 1, 0]
    assert _versions(store)[1:] == [("a1", "a", 1), ("b1", "b", 1), ("a2", "a", 2), ("a3", "a", 3)]


def test_a_row_written_other_than_by_the_writer_counts_and_the_next_write_takes_it_in(store: EventStore) -> None:
    register_test_source(store)
    store.append(_event("a1", "a"))
    plant(store, cited({"id": "planted", "type": "position.in_talks", "occurred": "2025-03-10", "actor": "FR",
                        "stream": "a"}))  # fmt: skip
    plant(store, cited({"id": "elsewhere", "type": "position.in_talks", "occurred": "2025-03-10", "actor": "FR",
                        "stream": "b"}))  # fmt: skip
    assert _kept(store) == {"sources": 1, "a": 1}  # not written by the writer
    assert (store.stream_version("a"), store.stream_version("b")) == (2, 1)
    store.append(_event("a3", "a"))
    assert _kept(store) == {"sources": 1, "a": 3, "b": 1}
    store.append(_event("b2", "b"))
    assert _versions(store)[-2:] == [("a3", "a", 3), ("b2", "b", 2)]
    assert store.verify().count == 6


def test_a_stream_moved_under_the_writer_fails_the_write_and_nothing_is_written(store: EventStore) -> None:
    register_test_source(store)
    store.append(_event("a1", "a"))

    def _moved(transaction: object) -> None:
        transaction.advance_streams({"a": (5, 6)}, 99)  # type: ignore[attr-defined]

    with pytest.raises(ConcurrencyError, match="stream 'a' is at version 1, not the expected version 5"):
        store._recorder.writing(_moved)
    assert _kept(store) == {"sources": 1, "a": 1}


def test_a_log_at_revision_0007_upgrades_with_its_streams_and_sqlite_keeps_events_by_position(
    database_url: str,
) -> None:
    with initialised_store(database_url) as store:
        register_test_source(store)
        _append_together(store, _event("a1", "a"), _event("b1", "b"), _event("a2", "a"))
        before = _versions(store)
    migrated(database_url, "0007", down=True)
    store = EventStore.open(database_url)
    try:
        assert store.initialise() == ("0007", HEAD_REVISION)
        assert _kept(store) == {"sources": 1, "a": 2, "b": 1}
        assert _versions(store) == before
        assert store.verify().count == 4
        store.append(_event("a3", "a"))
        assert _versions(store)[-1] == ("a3", "a", 3)
        with store.database.engine.connect() as connection:
            if store.database.dialect == "sqlite":
                # the position is the rowid: no index beside the table for the primary key
                origins = [row[3] for row in connection.execute(text("PRAGMA index_list(events)"))]
                assert "pk" not in origins
                assert connection.execute(text("SELECT count(*) FROM events WHERE rowid = position")).scalar() == 5
            else:
                query = "SELECT count(*) FROM pg_constraint WHERE conname = 'uq_events_stream_version'"
                assert connection.execute(text(query)).scalar() == 0
    finally:
        store.close()


def test_a_copy_makes_each_streams_version_again_from_the_events(sqlite_url: str, tmp_path: Path) -> None:
    with initialised_store(sqlite_url) as source:
        register_test_source(source)
        _append_together(source, _event("a1", "a"), _event("b1", "b"), _event("a2", "a"))
        plant(source, cited({"id": "planted", "type": "position.in_talks", "occurred": "2025-03-10",
                             "actor": "FR", "stream": "b"}))  # fmt: skip
        with initialised_store(f"sqlite:///{tmp_path / 'copy.sqlite'}") as target:
            copy_log(source.database, target.database)
            assert _kept(target) == {"sources": 1, "a": 2, "b": 2}
            target.append(_event("b3", "b"))
            assert _versions(target)[-1] == ("b3", "b", 3)


def test_sqlite_finds_a_streams_rows_past_the_streams_head_by_position_not_by_the_streams_index(
    sqlite_url: str,
) -> None:
    """Both ways of reading a stream's version on SQLite (the store's, core.sqlite_reads') look only at the rows past
    the streams table's head: by the stream's index, SQLite read every row of the stream (11 ms at 100k events)."""
    from sqlalchemy.dialects import sqlite

    from core import recorder, sqlite_reads

    store_statement = str(recorder._VERSION_PAST_SQLITE.compile(dialect=sqlite.dialect()))
    with initialised_store(sqlite_url) as opened, opened.database.reading() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        for statement in (store_statement, sqlite_reads._VERSION_PAST):
            plan = " ".join(str(row) for row in driver.execute(f"EXPLAIN QUERY PLAN {statement}", (0, "s")))
            assert "INTEGER PRIMARY KEY" in plan, (statement, plan)
            assert "ix_events_stream_fold" not in plan, (statement, plan)
