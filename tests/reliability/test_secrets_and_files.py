"""Passwords never show, a new SQLite log is its owner's alone, and an unreachable database says how to fix it."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import assert_no_traceback, invoke, run_dtl, write_lock_held
from tests.support import EXAMPLE, TEST_SOURCE_ADD

PASSWORD = "s3cret-Pa55"


def _with_password(url: str, form: str) -> str:
    """The same PostgreSQL URL carrying a password (the test server trusts local users, so any password works)."""
    if form == "userinfo":
        return url.replace("://postgres@", f"://postgres:{PASSWORD}@", 1)
    return f"{url}&password={PASSWORD}"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """A permissive umask, as most accounts have: new files would be world-readable by default."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize(("form", "given_by"), [("userinfo", "--db"), ("query", "DTL_DATABASE_URL")])
def test_a_password_in_the_database_url_never_shows_in_any_output(
    postgres_url: str, tmp_path: Path, form: str, given_by: str
) -> None:
    url = _with_password(postgres_url, form)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "pledge.made", "occurred": "2025-02-30", "actor": "PL"}\n', encoding="utf-8")
    in_talks = ("append", "position.in_talks", "--actor", "PL", "--occurred", "2025-03-10")

    def dtl(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        if given_by == "--db":
            result = invoke(url, *args, env=env)
        else:
            result = invoke(None, *args, env={"DTL_DATABASE_URL": url, **(env or {})})
        assert_no_traceback(result.output)
        return result.exit_code, result.output

    # a real process for the migrations, whose libraries could log
    created = run_dtl(url, "init") if given_by == "--db" else run_dtl(None, "init", env={"DTL_DATABASE_URL": url})
    outputs = [
        (created.returncode, created.stdout + created.stderr),
        dtl("init"),
        dtl("import", str(EXAMPLE / "sources.jsonl")),
        dtl("import", str(bad)),
        dtl("log"),
        dtl("verify", "--expect", "f" * 64),
        dtl(*in_talks, "--expected-version", "7"),
    ]
    with write_lock_held(postgres_url):  # a separate process with a deadline: a regression fails, never hangs
        busy = run_dtl(url, *in_talks, env={"DTL_LOCK_TIMEOUT": "0.2"}, timeout=30)
        outputs.append((busy.returncode, busy.stdout + busy.stderr))
    assert [code for code, _ in outputs] == [0, 0, 0, 2, 0, 1, 1, 3]
    assert "***" in outputs[0][1]
    for _, output in outputs:
        assert PASSWORD not in output


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://analyst:{PASSWORD}@127.0.0.1:1/nowhere",
        f"postgresql://analyst:{PASSWORD}@127.0.0.1:1/nowhere?connect_timeout=2",
        f"postgresql+psycopg://127.0.0.1:1/nowhere?user=analyst&password={PASSWORD}",
        f"mysql://analyst:{PASSWORD}@127.0.0.1/nowhere",
    ],
)
def test_an_unreachable_database_exits_3_with_a_hint_and_the_password_masked(url: str) -> None:
    result = run_dtl(url, "log", timeout=60)
    assert result.returncode == 3, result.stderr
    assert "error:" in result.stderr
    assert "hint:" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert "***" in result.stderr
    assert_no_traceback(result.stdout, result.stderr)


def _not_a_database(tmp_path: Path) -> str:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a SQLite database" * 100)
    return f"sqlite:///{path}"


def _under_a_file(tmp_path: Path) -> str:
    (tmp_path / "a-file").write_text("not a directory", encoding="utf-8")
    return f"sqlite:///{tmp_path / 'a-file' / 'timeline.db'}"


def _a_directory(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}"


@pytest.mark.parametrize("make_url", [_not_a_database, _under_a_file, _a_directory])
@pytest.mark.parametrize("command", [["init"], ["log"]])
def test_a_sqlite_path_that_cannot_hold_a_log_exits_3_with_a_hint(
    tmp_path: Path, make_url: object, command: list[str]
) -> None:
    url = make_url(tmp_path)  # type: ignore[operator]
    result = run_dtl(url, *command)
    assert result.returncode == 3, result.stderr
    assert "error:" in result.stderr
    assert "hint:" in result.stderr
    assert_no_traceback(result.stdout, result.stderr)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_log_and_its_journal_files_are_readable_by_their_owner_only(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "new" / "timeline.db"
    url = f"sqlite:///{path}"
    assert run_dtl(url, "init").returncode == 0
    assert _mode(path) == 0o600
    reader = sqlite3.connect(path)  # keeps the write-ahead log and shared memory files in place
    try:
        reader.execute("SELECT count(*) FROM events").fetchone()
        written = run_dtl(url, *TEST_SOURCE_ADD)  # the first append: a source's registration
        assert written.returncode == 0, written.stderr
        journals = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(journal.exists() for journal in journals)
        assert {journal.name: _mode(journal) for journal in journals} == {journal.name: 0o600 for journal in journals}
    finally:
        reader.close()
    assert _mode(path) == 0o600
