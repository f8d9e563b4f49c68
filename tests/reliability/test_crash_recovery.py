"""An import killed with SIGKILL at random moments leaves none or all of its events, and runs again cleanly.

The kills are placed by how far the import has read its file (Linux's /proc/PID/fdinfo), so they land
inside the import's one transaction however fast the machine is: one kill at a random point of each
third of the file, and one as soon as the whole file is read, while the last rows go in and the
transaction commits. Where /proc is missing the kills fall back to random delays.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    assert_no_traceback,
    count_events,
    init_sourced,
    invoke,
    kill_hard,
    run_dtl,
    start_dtl,
    wait_for,
    write_lock_holders,
)
from tests.support import CITE_TEST_SOURCE, TEST_SOURCE

BIG_IMPORT = 100_000
APPENDED = 3
EXISTING = 1 + APPENDED  # the test source the events cite, then three appends
RUNS = 4
# seconds the whole import took on the 2-core reference machine (SQLite 3.2, PostgreSQL 4.2), for the fallback
_FALLBACK_SECONDS = 3.5
_ACTORS = ("PL", "FR", "DE", "IT", "ES", "GB")


@pytest.fixture(scope="session")
def big_import(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSON Lines file of 100,000 small valid events, written once per test session."""
    path = tmp_path_factory.mktemp("big") / "hundred-thousand.jsonl"
    with path.open("w", encoding="utf-8") as target:
        for index in range(BIG_IMPORT):
            event = {"id": f"bulk-{index}", "type": "position.in_talks", "stream": f"bulk-{index % 4}",
                     "occurred": "2025-03-10", "actor": _ACTORS[index % len(_ACTORS)],
                     "sources": [{"source": TEST_SOURCE}]}  # fmt: skip
            target.write(json.dumps(event) + "\n")
    return path


def _read_offset(process: subprocess.Popen[bytes], path: Path) -> int | None:
    """How far a process has read a file it holds open, or None while it has not opened it."""
    descriptors = Path(f"/proc/{process.pid}/fd")
    try:
        for descriptor in descriptors.iterdir():
            if os.readlink(descriptor) == str(path):
                for line in (descriptors.parent / "fdinfo" / descriptor.name).read_text().splitlines():
                    if line.startswith("pos:"):
                        return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):  # the process is gone, or closed the file meanwhile
        return None
    return None


def _kill_when_read(process: subprocess.Popen[bytes], path: Path, fraction: float) -> str:
    """SIGKILL the import once it has read `fraction` of its file; say how far it got."""
    size = path.stat().st_size
    target = min(int(size * fraction), size)
    deadline = time.monotonic() + 120
    offset = None
    while process.poll() is None and time.monotonic() < deadline:
        offset = _read_offset(process, path)
        if offset is not None and offset >= target:
            break
        time.sleep(0.002)
    kill_hard(process)
    return "finished" if offset is None else f"{offset / size:.0%} read"


def test_an_import_killed_at_random_moments_leaves_none_or_all_of_its_events(
    database_url: str, big_import: Path
) -> None:
    init_sourced(database_url)
    for actor in ("GB", "FR", "PL")[:APPENDED]:
        appended = invoke(database_url, "append", "position.in_talks", "--actor", actor, "--occurred", "2025-03-01",
                          *CITE_TEST_SOURCE)  # fmt: skip
        assert appended.exit_code == 0, appended.output
    randomness = random.Random(20251122)
    proc_available = Path(f"/proc/{os.getpid()}/fdinfo").is_dir()
    outcomes = []
    for run in range(RUNS):
        # a random point in each third of the file, then the whole file read: the last rows and the commit
        fraction = (run + randomness.random()) / (RUNS - 1) if run < RUNS - 1 else 1.0
        importer = start_dtl(database_url, "import", str(big_import))
        if proc_available:
            moment = _kill_when_read(importer, big_import, fraction)
        else:
            time.sleep(0.7 + fraction * _FALLBACK_SECONDS)
            kill_hard(importer)
            moment = f"{fraction:.0%} of the expected time"

        held = count_events(database_url)
        assert held in (EXISTING, EXISTING + BIG_IMPORT), f"run {run}: {held} events after a kill at {moment}"
        outcomes.append((moment, "none" if held == EXISTING else "all"))
        if database_url.startswith("postgresql"):  # the server saw the client go, rolled back, let go of the lock
            wait_for(lambda: write_lock_holders(database_url) == 0, timeout=30, message="the write lock is still held")
        verified = invoke(database_url, "verify")
        assert verified.exit_code == 0, verified.output
        assert f"ok: {held} events" in verified.output
    assert any(outcome == "none" for _, outcome in outcomes), f"no kill landed inside the import: {outcomes}"

    again = run_dtl(database_url, "import", str(big_import), timeout=150)
    assert again.returncode == 0, again.stderr
    assert_no_traceback(again.stdout, again.stderr)
    assert count_events(database_url) == EXISTING + BIG_IMPORT
    verified = run_dtl(database_url, "verify", timeout=150)
    assert verified.returncode == 0, verified.stderr
    assert f"ok: {EXISTING + BIG_IMPORT} events, hash chain intact" in verified.stdout
