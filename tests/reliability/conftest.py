"""Helpers for the reliability suite: run `dtl` as a user would, dump a database whole, hold its write lock.

Every fixture here runs on SQLite and on PostgreSQL (the PostgreSQL half in a schema of its own),
like the `database_url` fixture of tests/conftest.py; under CI=true an unreachable PostgreSQL fails.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, text

from cli.main import main
from tests.conftest import _libpq, fresh_postgres_schema
from tests.support import ARTICLES, FIXTURES, ROOT, TEST_SOURCE_ADD

# the advisory lock key core.database takes around every write on PostgreSQL
WRITE_LOCK_KEY = 0x64746C


def run_dtl(
    url: str | None,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m cli [--db URL] ARGS...` as a separate process, as a user would, and wait for it."""
    command = [sys.executable, "-m", "cli", *(["--db", url] if url is not None else []), *args]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    environment.update(env or {})
    completed = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, timeout=timeout, input=input, check=False
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", errors="replace"),
        completed.stderr.decode("utf-8", errors="replace"),
    )


def start_dtl(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start `python -m cli --db URL ARGS...` without waiting for it."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    environment.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", url, *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process (no cleanup, no rollback on its side) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


def invoke(
    url: str | None,
    *args: str,
    input: str | bytes | None = None,
    color: bool = False,
    env: dict[str, str] | None = None,
) -> Result:
    """Run `dtl [--db URL] ARGS...` in-process; an exception escaping the command fails the test.

    With color, output keeps what would reach a terminal (click strips escape sequences otherwise).
    """
    unset: dict[str, str | None] = {"DTL_DATABASE_URL": None, "DTL_LOCK_TIMEOUT": None}
    runner = CliRunner(env={**unset, **(env or {})})
    arguments = [*(["--db", url] if url is not None else []), *args]
    return runner.invoke(main, arguments, input=input, color=color, catch_exceptions=False)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def dump_database(url: str) -> dict[str, Any]:
    """Every row of every table (events, source_texts, snapshots, alembic_version...), and on SQLite the file bytes.

    The SQLite file is read after a checkpoint, so that what the write-ahead log held is in it. Two
    counters of its header are left out: the file change counter and the version-valid-for number
    (bytes 24-27 and 92-95), which SQLite advances each time a connection switches the journal mode,
    as a long import does there and back (core.database), and which describe no content.
    """
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            dump: dict[str, Any] = {
                table: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
                for table in tables
            }
    finally:
        engine.dispose()
    path = sqlite_path(url)
    if path is not None:
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        content = bytearray(path.read_bytes())
        content[24:28] = content[92:96] = bytes(4)
        dump["<file bytes>"] = bytes(content)
    return dump


def count_events(url: str) -> int:
    """How many events the log holds, counted by SQL."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM events")).scalar_one())
    finally:
        engine.dispose()


# the log's write lock: advisory, keyed (class, schema hash), in this database
_THIS_LOG_LOCK = (
    "locktype = 'advisory' AND classid = %s AND objsubid = 2"
    " AND objid::bigint = (hashtext(current_schema())::bigint & 4294967295)"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Hold the log's write lock from this process, as a stuck writer would, until the block ends."""
    path = sqlite_path(url)
    if path is not None:
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    import psycopg

    with psycopg.connect(_libpq(url)) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (WRITE_LOCK_KEY,))
        yield
        holder.rollback()


def write_lock_waiters(url: str) -> int:
    """How many PostgreSQL sessions wait for the log's write lock."""
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        row = connection.execute(
            f"SELECT count(*) FROM pg_locks WHERE {_THIS_LOG_LOCK} AND NOT granted",
            (WRITE_LOCK_KEY,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def write_lock_holders(url: str) -> int:
    """How many PostgreSQL sessions hold the log's write lock."""
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        row = connection.execute(
            f"SELECT count(*) FROM pg_locks WHERE {_THIS_LOG_LOCK} AND granted",
            (WRITE_LOCK_KEY,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def wait_for(condition: Callable[[], bool], *, timeout: float, message: str) -> None:
    """Poll until a condition holds, failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.05)


def init_sourced(url: str) -> None:
    """Initialise a log holding the test source (position 1) that the tests' own events cite (`--source test-wire`)."""
    for args in (("init",), TEST_SOURCE_ADD):
        result = invoke(url, *args)
        assert result.exit_code == 0, result.output


# what load_fixture_log leaves in a log: the fixture log's 2 sources and 28 events
FIXTURE_EVENTS = 30


def load_fixture_log(url: str) -> None:
    """Initialise a log holding the fixture log (tests/fixtures/), with its first article's text attached."""
    for args in (
        ("init",),
        ("import", str(FIXTURES / "sources.jsonl")),
        ("import", str(FIXTURES / "events.jsonl")),
        ("source", "attach", "nc-2025-03-10", str(ARTICLES["nc-2025-03-10"])),
    ):
        result = invoke(url, *args)
        assert result.exit_code == 0, result.output


def assert_no_traceback(*outputs: str) -> None:
    """No output shows a Python traceback or the error dtl reports for its own bugs."""
    for output in outputs:
        assert "Traceback" not in output, output
        assert "this is a bug in dtl" not in output, output


@contextmanager
def fresh_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL for a new SQLite file, or for an empty PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('log') / 'timeline.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def logged_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A log holding the fixture log, shared by one module's tests (each must leave it unchanged), on each backend."""
    with fresh_database(request.param, tmp_path_factory) as url:
        load_fixture_log(url)
        yield url


def events_file(path: Path, lines: Sequence[str | bytes]) -> Path:
    """Write lines (text or raw bytes) to a JSON Lines file, each ended by a newline."""
    with path.open("wb") as target:
        for line in lines:
            target.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\n")
    return path
