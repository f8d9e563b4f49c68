"""A SQLite log on read-only media reads and verifies in place; writing to it is refused clearly, and nothing changes.

Read-only media are made in a temporary directory: as root, a private mount namespace bind-mounts the folder
read-only for the one command (`unshare -m`, so nothing outside the command sees it); as another user, the
folder and file lose their write permission.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from core.database import Database
from core.schema import source_texts
from errors import StoreUnavailable
from tests.reliability.conftest import run_dtl
from tests.support import EXAMPLE, ROOT

_MOUNT_READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def _can_mount_read_only(folder: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", _MOUNT_READ_ONLY, str(folder), "true"], capture_output=True, check=False
    )
    return probe.returncode == 0


@pytest.fixture
def archived_log(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A log of the bundled example in a folder of its own, made read-only for the commands run on it."""
    folder = tmp_path / "archive"
    folder.mkdir()
    url = f"sqlite:///{folder / 'timeline.db'}"
    assert run_dtl(url, "init").returncode == 0
    for name in ("sources.jsonl", "events.jsonl"):
        imported = run_dtl(url, "import", str(EXAMPLE / name))
        assert imported.returncode == 0, imported.stderr
    yield url, folder
    for path in (folder, *folder.iterdir()):
        path.chmod(0o700)


def _run_read_only(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `dtl --db URL ARGS` with `folder` on read-only media."""
    command = [sys.executable, "-m", "cli", "--db", url, *args]
    if _can_mount_read_only(folder):
        command = ["unshare", "-m", "sh", "-c", _MOUNT_READ_ONLY, str(folder), *command]
    elif os.geteuid() != 0:
        for path in (*folder.iterdir(), folder):
            path.chmod(0o500 if path.is_dir() else 0o400)
    elif os.environ.get("CI") == "true":
        pytest.fail("as root this test needs `unshare -m` and mount to make read-only media; neither works here")
    else:
        pytest.skip("as root, read-only media need `unshare -m` and mount, which do not work here")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    completed = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, timeout=120, check=False)
    return subprocess.CompletedProcess(
        completed.args, completed.returncode, completed.stdout.decode(), completed.stderr.decode()
    )


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def test_a_log_on_read_only_media_lists_verifies_and_answers(archived_log: tuple[str, Path]) -> None:
    url, folder = archived_log
    expected_head = run_dtl(url, "verify", "--checkpoint").stdout.strip().split()[-1]
    before = _digests(folder)

    listed = _run_read_only(folder, url, "log")
    assert listed.returncode == 0, listed.stderr
    assert "ft-0310-pl-logistics" in listed.stdout

    verified = _run_read_only(folder, url, "verify", "--expect", expected_head)
    assert verified.returncode == 0, verified.stderr
    assert "hash chain intact" in verified.stdout

    state = _run_read_only(folder, url, "state", "--as-of", "2025-03-17", "--json")
    assert state.returncode == 0, state.stderr
    assert '"PL"' in state.stdout
    assert _digests(folder) == before


def test_writing_to_a_log_on_read_only_media_is_refused_and_says_why(archived_log: tuple[str, Path]) -> None:
    url, folder = archived_log
    before = _digests(folder)

    refused = _run_read_only(
        folder, url, "source", "add", "--id", "wire-1", "--publisher", "Wire", "--published", "2025-03-18",
        "--sha256", "ab" * 32,
    )  # fmt: skip

    assert refused.returncode == 3
    assert "read-only here: it can be read and verified, not written" in refused.stderr
    assert "unexpected" not in refused.stderr
    assert _digests(folder) == before


def test_a_read_transaction_cannot_write(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'timeline.db'}", create=True)
    database.migrate()
    try:
        with pytest.raises(StoreUnavailable, match="readonly"), database.reading() as connection:
            connection.execute(insert(source_texts).values(sha256="0" * 64, text="x", attached_at="2025"))
    finally:
        database.dispose()
