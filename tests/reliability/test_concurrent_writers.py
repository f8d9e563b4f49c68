"""Many writers at once: nothing lost, nothing doubled, no gap, no fork; conflicts and locks are clean errors."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest

from core import DEFAULT_STREAM, EventStore, StoreBusy, read_jsonl
from events import parse_event
from tests.reliability.conftest import (
    assert_no_traceback,
    count_events,
    dump_database,
    init_sourced,
    invoke,
    run_dtl,
    start_dtl,
    wait_for,
    write_lock_held,
    write_lock_waiters,
)
from tests.support import CITE_TEST_SOURCE, cited

WRITERS = 8
EVENTS_PER_WRITER = 500
STREAMS = 5
ACTORS = ("PL", "FR", "DE", "IT", "ES", "GB", "AU")
IMPORT_SIZE = 23  # each writer: two single appends, then an import of 23 events in one transaction, 20 times


def _event(writer: int, index: int) -> dict[str, Any]:
    return cited(
        {
            "id": f"w{writer}-e{index:03d}",
            "type": "position.in_talks",
            "stream": f"shared-{(writer + index) % STREAMS}",
            "occurred": "2025-03-10",
            "actor": ACTORS[index % len(ACTORS)],
        }
    )


def _write(url: str, writer: int, start: Any) -> None:
    """One writer: single appends and small imports, mixed."""
    store = EventStore.open(url)
    try:
        start.wait()
        index = 0
        while index < EVENTS_PER_WRITER:
            if index % (IMPORT_SIZE + 2) < 2:
                store.append(parse_event(_event(writer, index), DEFAULT_STREAM))
                index += 1
            else:
                lines = [json.dumps(_event(writer, i)).encode() + b"\n" for i in range(index, index + IMPORT_SIZE)]
                store.append_many(read_jsonl(lines, f"writer-{writer}.jsonl", DEFAULT_STREAM))
                index += IMPORT_SIZE
    finally:
        store.close()


def test_eight_writers_of_500_events_leave_4000_gapless_contiguous_verified_events(database_url: str) -> None:
    init_sourced(database_url)  # position 1: the source the writers' events cite
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WRITERS + 1)
    writers = [context.Process(target=_write, args=(database_url, writer, start)) for writer in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        start.wait(timeout=60)  # every writer has imported the code and opened the store: they start together
        for writer in writers:
            writer.join(timeout=150)
    finally:
        for writer in writers:
            if writer.is_alive():
                writer.kill()
                writer.join()
    assert [writer.exitcode for writer in writers] == [0] * WRITERS

    store = EventStore.open(database_url)
    try:
        events = list(store.read())[1:]
    finally:
        store.close()
    total = WRITERS * EVENTS_PER_WRITER
    assert len(events) == total
    assert [event.position for event in events] == list(range(2, total + 2))
    assert sorted(event.id for event in events) == sorted(
        _event(writer, index)["id"] for writer in range(WRITERS) for index in range(EVENTS_PER_WRITER)
    )
    for stream in {event.stream for event in events}:
        versions = [event.stream_version for event in events if event.stream == stream]
        assert versions == list(range(1, len(versions) + 1)), f"stream {stream} has gaps or repeats"
    for writer in range(WRITERS):
        own = [event.id for event in events if event.id.startswith(f"w{writer}-")]
        assert own == sorted(own), f"writer {writer}'s events were reordered"
    writers_interleaved = len({event.id.split("-")[0] for event in events[: total // 2]})
    assert writers_interleaved > 1, "the writers did not run at the same time"
    verified = run_dtl(database_url, "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"ok: {total + 1} events, hash chain intact" in verified.stdout


CONTENDERS = 4
IN_TALKS = ("append", "position.in_talks", "--actor", "PL", "--occurred", "2025-03-10", *CITE_TEST_SOURCE)


def _contender(n: int) -> list[str]:
    return ["append", "pledge.made", "--actor", "FR", "--occurred", "2025-03-10", "--data", '{"offers": ["troops"]}',
            "--stream", "contested", "--id", f"contender-{n}", *CITE_TEST_SOURCE]  # fmt: skip


def test_competing_writers_at_one_expected_version_one_wins_the_others_get_a_clean_conflict(
    database_url: str,
) -> None:
    init_sourced(database_url)
    for day in ("2025-03-06", "2025-03-07", "2025-03-08"):
        appended = invoke(database_url, "append", "position.in_talks", "--actor", "PL", "--occurred", day,
                          "--stream", "contested", *CITE_TEST_SOURCE)  # fmt: skip
        assert appended.exit_code == 0, appended.output
    before = dump_database(database_url)

    with write_lock_held(database_url):  # the contenders queue behind a held lock, then race for it
        contenders = [start_dtl(database_url, *_contender(n), "--expected-version", "3") for n in range(CONTENDERS)]
        if database_url.startswith("postgresql"):
            wait_for(
                lambda: write_lock_waiters(database_url) == CONTENDERS,
                timeout=30,
                message="the contenders never queued for the write lock",
            )
        else:
            time.sleep(1.5)  # long enough for each to start and block on the lock
    outcomes = []
    for process in contenders:
        stdout, stderr = process.communicate(timeout=60)
        outcomes.append((process.returncode, stdout.decode(), stderr.decode()))

    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0] + [1] * (CONTENDERS - 1), outcomes
    for code, stdout, stderr in outcomes:
        assert_no_traceback(stdout, stderr)
        if code == 1:
            assert "stream 'contested' is at version 4, not the expected version 3; nothing was written" in stderr
            assert "hint: read the stream again" in stderr
    after = dump_database(database_url)
    new_rows = set(after["events"]) - set(before["events"])
    assert len(new_rows) == 1
    assert count_events(database_url) == 1 + 4
    assert invoke(database_url, "verify").exit_code == 0


def test_a_lock_held_past_the_bounded_wait_gives_a_clear_busy_error_exit_3(database_url: str) -> None:
    init_sourced(database_url)
    with write_lock_held(database_url):
        started = time.monotonic()
        result = run_dtl(database_url, *IN_TALKS, env={"DTL_LOCK_TIMEOUT": "1"}, timeout=60)
        waited = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    assert "stayed locked by another writer for 1 seconds" in result.stderr
    assert "hint: another process is writing; try again in a moment" in result.stderr
    assert "DTL_LOCK_TIMEOUT" in result.stderr
    assert "database is locked" not in result.stderr  # the driver's words never reach the user
    assert_no_traceback(result.stdout, result.stderr)
    assert 1 <= waited < 15, f"waited {waited:.1f}s for a bounded wait of 1s"
    assert count_events(database_url) == 1  # the test source alone


@pytest.mark.postgres
def test_logs_in_two_schemas_of_one_postgresql_database_do_not_block_each_other(postgres_url: str) -> None:
    import psycopg

    base, _, _ = postgres_url.partition("?")
    other_schema = f"{postgres_url.rpartition('%3D')[2]}_other"
    with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{other_schema}"')
    other_url = f"{base}?options=-csearch_path%3D{other_schema}"
    try:
        for url in (postgres_url, other_url):
            init_sourced(url)
        with write_lock_held(postgres_url):
            result = run_dtl(other_url, *IN_TALKS, env={"DTL_LOCK_TIMEOUT": "5"}, timeout=60)
        assert result.returncode == 0, result.stderr
        assert count_events(other_url) == 1 + 1
    finally:
        with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{other_schema}" CASCADE')


def test_an_import_waits_a_bounded_time_too_and_writes_nothing(database_url: str, tmp_path: Path) -> None:
    init_sourced(database_url)
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps(_event(0, index)) + "\n" for index in range(2)), encoding="utf-8")
    with write_lock_held(database_url):  # a separate process with a deadline: a regression fails, never hangs
        result = run_dtl(database_url, "import", str(path), env={"DTL_LOCK_TIMEOUT": "0.5"}, timeout=30)
    assert result.returncode == 3, result.stderr
    assert "stayed locked by another writer for 0.5 seconds" in result.stderr
    assert count_events(database_url) == 1  # the test source alone


def test_a_writer_waits_for_a_lock_released_within_the_bounded_wait_and_succeeds(database_url: str) -> None:
    init_sourced(database_url)
    with write_lock_held(database_url):
        writer = start_dtl(database_url, *IN_TALKS, env={"DTL_LOCK_TIMEOUT": "30"})
        time.sleep(1.5)  # the writer starts and queues for the lock meanwhile
        waited = writer.poll() is None
    stdout, stderr = writer.communicate(timeout=60)
    assert waited, "the writer did not wait for the lock"
    assert writer.returncode == 0, stderr.decode()
    assert b"appended" in stdout
    assert count_events(database_url) == 1 + 1


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_lock_timeout_setting_is_a_usage_error_naming_the_variable(sqlite_url: str, value: str) -> None:
    result = invoke(sqlite_url, "init", env={"DTL_LOCK_TIMEOUT": value})
    assert result.exit_code == 2, result.output
    assert f"error: field DTL_LOCK_TIMEOUT: {value!r} is not a number of seconds" in result.output


def test_a_lock_error_midway_through_an_import_writes_nothing_and_never_reruns_a_half_read_file(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from sqlalchemy import exc

    import core.store
    from core.recorder import Transaction

    init_sourced(database_url)
    inserted_chunks: list[int] = []
    real_insert = Transaction.insert

    # every chunk of rows goes in through Transaction.insert (SQLite executemany, or PostgreSQL's COPY)
    def insert_then_find_the_database_locked(transaction: Any, rows: list[Any]) -> None:
        inserted_chunks.append(len(rows))
        if len(inserted_chunks) == 2:  # the second chunk: as if SQLite reported a lock in the middle of the work
            raise exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        real_insert(transaction, rows)

    monkeypatch.setattr(core.store, "_INSERT_CHUNK", 2)
    monkeypatch.setattr(Transaction, "insert", insert_then_find_the_database_locked)
    lines = [json.dumps(_event(0, index)).encode() + b"\n" for index in range(5)]
    store = EventStore.open(database_url)
    try:
        with pytest.raises(StoreBusy):
            store.append_many(read_jsonl(iter(lines), "five.jsonl", DEFAULT_STREAM))
    finally:
        store.close()
    assert inserted_chunks == [2, 2]  # the work ran once: a rerun would have found the file half read
    assert count_events(database_url) == 1  # the test source alone
