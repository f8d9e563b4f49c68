"""A long import from the command line holds a SQLite log nobody else has open under a rollback journal.

Its rows are then written once, into the file, instead of into the write-ahead log and again by
its checkpoint (core.database). The log is in WAL mode again afterwards; a log another connection
holds open is imported into through the WAL, its reader never waiting; and an import killed under
the rollback journal leaves a hot journal that the next read rolls back, as a writer would.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from core import interchange
from core import store as store_module
from core.sqlite_reads import connect_read_only
from service.timeline import Timeline
from tests.conftest import initialised_store
from tests.support import TEST_SOURCE, register_test_source

LINES = 40


@pytest.fixture(autouse=True)
def _small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    # more than 10 lines make a long input (read by workers), and the store inserts 6 rows at a time
    monkeypatch.setattr(interchange, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(interchange, "CHUNK_LINES", 7)
    monkeypatch.setattr(interchange, "FIRST_TASK_LINES", 7)
    monkeypatch.setattr(store_module, "_INSERT_CHUNK", 6)


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    """A SQLite log holding the test source, closed."""
    path = tmp_path / "timeline.db"
    with initialised_store(f"sqlite:///{path}") as store:
        register_test_source(store)
    return path


def _lines(count: int = LINES) -> Iterator[bytes]:
    for index in range(count):
        event = {"id": f"alone-{index}", "type": "position.in_talks", "stream": "s", "occurred": "2025-03-10",
                 "actor": "PL", "sources": [{"source": TEST_SOURCE}]}  # fmt: skip
        yield json.dumps(event).encode() + b"\n"


def _watching_inserts(monkeypatch: pytest.MonkeyPatch, look: Callable[[], None]) -> None:
    """Call `look` after each batch of rows the import inserts, inside its transaction."""
    flush = store_module._WriteBatch.flush

    def flushed(batch: store_module._WriteBatch) -> None:
        inserting = bool(batch.rows)
        flush(batch)
        if inserting:
            look()

    monkeypatch.setattr(store_module._WriteBatch, "flush", flushed)


def _imported(log_file: Path, lines: Iterator[bytes], *, alone: bool) -> int:
    """Import lines into the log through a timeline of its own, as `dtl import` does; return how many."""
    timeline = Timeline(f"sqlite:///{log_file}")
    try:
        return timeline.import_lines(lines, "imported.jsonl", alone=alone).count
    finally:
        timeline.close()


def _journal_mode(path: Path) -> str:
    with closing(sqlite3.connect(path)) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def _count(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT count(*) FROM events").fetchone()[0])


def test_a_long_import_alone_writes_under_a_rollback_journal_and_leaves_the_log_in_wal_mode(
    log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bool, bool]] = []  # (a rollback journal beside the log, a write-ahead log beside it)
    journal, wal = Path(f"{log_file}-journal"), Path(f"{log_file}-wal")
    _watching_inserts(monkeypatch, lambda: seen.append((journal.exists(), wal.exists())))
    assert _imported(log_file, _lines(), alone=True) == LINES
    assert len(seen) > 2, "the import inserted its rows in batches"
    assert all(rollback and not ahead for rollback, ahead in seen), seen
    assert _journal_mode(log_file) == "wal"
    assert not journal.exists()
    with closing(connect_read_only(log_file, 1.0)) as reader:
        assert _count(reader) == 1 + LINES


@pytest.mark.parametrize("alone", [True, False], ids=["alone asked", "not asked"])
def test_a_log_held_open_elsewhere_is_imported_into_through_the_wal_and_its_reader_never_waits(
    log_file: Path, monkeypatch: pytest.MonkeyPatch, alone: bool
) -> None:
    # another process's connection, as a server keeps one: it fails at once rather than wait for a lock
    elsewhere = sqlite3.connect(log_file, timeout=0, isolation_level=None)
    try:
        assert _count(elsewhere) == 1
        journal = Path(f"{log_file}-journal")
        read_meanwhile: list[tuple[int, bool]] = []
        _watching_inserts(monkeypatch, lambda: read_meanwhile.append((_count(elsewhere), journal.exists())))
        assert _imported(log_file, _lines(), alone=alone) == LINES
        assert read_meanwhile
        assert read_meanwhile == [(1, False)] * len(read_meanwhile)
        assert _count(elsewhere) == 1 + LINES
    finally:
        elsewhere.close()
    assert _journal_mode(log_file) == "wal"


def test_a_short_import_stays_in_the_wal_though_alone(log_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Path(f"{log_file}-journal")
    seen: list[bool] = []
    _watching_inserts(monkeypatch, lambda: seen.append(journal.exists()))
    assert _imported(log_file, _lines(8), alone=True) == 8  # not more than PARALLEL_AFTER lines
    assert seen
    assert not any(seen)


# A writer killed under a rollback journal after its first pages reached the file: a tiny page cache makes
# it write them early, and it dies without committing (os._exit runs no clean-up), leaving the journal hot.
_KILLED_WRITER = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=DELETE")
connection.execute("PRAGMA cache_size=2")
connection.execute("BEGIN IMMEDIATE")
for index in range(400):
    connection.execute("INSERT INTO source_texts VALUES (?, ?, ?)", (f"{index:064x}", "x" * 4000, "2025-03-10"))
os._exit(0)
"""


def test_a_read_rolls_back_the_hot_journal_of_a_write_killed_under_it(log_file: Path) -> None:
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(log_file)], capture_output=True, check=False)
    assert killed.returncode == 0, killed.stderr
    assert Path(f"{log_file}-journal").stat().st_size > 0
    size = log_file.stat().st_size

    with closing(connect_read_only(log_file, 1.0)) as reader:  # refused before: "attempt to write a readonly database"
        assert reader.execute("SELECT count(*) FROM source_texts").fetchone()[0] == 0
        assert _count(reader) == 1
    assert not Path(f"{log_file}-journal").exists()
    assert log_file.stat().st_size < size  # the pages the killed writer added are gone
