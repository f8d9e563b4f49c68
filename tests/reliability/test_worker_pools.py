"""A worker process that dies mid-task or mid-answer stops the command within seconds, with a clear error.

Each case runs `dtl` in a separate process with a fault injected into the workers' task (fork
copies the patched module into them) and a timeout, so a pool that waits forever fails the test
instead of hanging the suite. Afterwards no worker process is left: not running, not a zombie.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import assert_no_traceback, dump_database, events_file, invoke, load_fixture_log
from tests.reliability.test_line_cap import _source_line
from tests.support import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts child processes in /proc")

# Runs `dtl ARGS...` (sys.argv[1:]) after the test's fault is injected, then reports the worker
# processes still there: multiprocessing's, and any process whose parent this is (zombies too).
_RUN = """
import multiprocessing, os, sys, signal
import core.chain, core.interchange, core.store
from cli.main import main

core.interchange.worker_processes = core.store.worker_processes = lambda **_: 2
core.interchange.PARALLEL_AFTER, core.interchange.CHUNK_LINES, core.interchange.FIRST_TASK_LINES = 10, 7, 7
core.interchange.HELP_WORKERS = False  # every chunk goes to a worker, the faulty ones too
core.chain.PARALLEL_FROM, core.chain.RANGE_SIZE = 1, 5
PARENT = os.getpid()

def die():
    os.kill(os.getpid(), signal.SIGKILL)

{fault}

def children():
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{{entry}}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == PARENT:
                    found.append(entry)
        except OSError:
            pass
    return found

try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
print(f"left: {{len(multiprocessing.active_children())}} {{len(children())}}")
sys.exit(code)
"""

# the fourth task of each (lines 22-28 of a long input in chunks of 7; positions 16-20 of 30 in ranges
# of 5) kills its worker before it answers
_KILLED_PARSING = """
parse = core.interchange._parse_chunk
def _parse_chunk(*task):
    if (task[0][0] if len(task) == 1 else task[0])[0][0] == 22:
        die()
    return parse(*task)
core.interchange._parse_chunk = _parse_chunk
"""
_KILLED_CHECKING = """
check = core.chain._checked_in_worker
def _checked_in_worker(task):
    if task[1].first == 16:
        die()
    return check(task)
core.chain._checked_in_worker = _checked_in_worker
"""
# the second task's worker answers 8 MB and dies when it has sent half of them
_KILLED_ANSWERING = """
import multiprocessing.connection
parse = core.interchange._parse_chunk
def _parse_chunk(*task):
    if (task[0][0] if len(task) == 1 else task[0])[0][0] != 8:
        return parse(*task)
    send = multiprocessing.connection.Connection._send
    def send_half_then_die(self, buffer, *rest):
        if len(buffer) < 1_000_000:
            return send(self, buffer, *rest)
        send(self, memoryview(buffer)[: len(buffer) // 2], *rest)
        die()
    multiprocessing.connection.Connection._send = send_half_then_die
    return [(8, b"x" * 8_000_000)], None
core.interchange._parse_chunk = _parse_chunk
"""


def _dtl_with(fault: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    return subprocess.run(
        [sys.executable, "-c", _RUN.format(fault=fault), "--db", url, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def empty_log(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    assert invoke(url, "init").exit_code == 0
    return url


@pytest.mark.parametrize(
    ("fault", "lines"), [(_KILLED_PARSING, "22-28"), (_KILLED_ANSWERING, "8-14")], ids=["mid-task", "mid-answer"]
)
def test_an_import_whose_worker_dies_exits_1_naming_the_lines_and_writes_nothing(
    empty_log: str, tmp_path: Path, fault: str, lines: str
) -> None:
    path = events_file(tmp_path / "sources.jsonl", [_source_line(index) for index in range(60)])
    before = dump_database(empty_log)
    result = _dtl_with(fault, empty_log, "import", str(path))
    assert result.returncode == 1, result.stderr
    # a worker holds two tasks: the error names both (the one it ran cannot be told from outside)
    held = re.search(r"error: a worker process (.+) died \(signal 9, SIGKILL\); nothing was written\n", result.stderr)
    assert held is not None, result.stderr
    ranges = re.fullmatch(
        rf"parsing lines (\d+-\d+) of {re.escape(str(path))}(?: and parsing lines (\d+-\d+) of \S+)?", held[1]
    )
    assert ranges is not None, held[1]
    assert lines in ranges.groups()
    assert_no_traceback(result.stderr)
    assert result.stdout.endswith("left: 0 0\n")
    assert dump_database(empty_log) == before


def test_a_verify_whose_worker_dies_exits_1_naming_the_positions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    load_fixture_log(url)
    result = _dtl_with(_KILLED_CHECKING, url, "verify")
    assert result.returncode == 1, result.stderr
    held = re.search(r"error: a worker process (.+) died \(signal 9, SIGKILL\)", result.stderr)
    assert held is not None, result.stderr
    assert "checking positions 16-20" in held[1].split(" and ")
    assert_no_traceback(result.stderr)
    assert result.stdout.endswith("left: 0 0\n")


def test_workers_that_live_are_stopped_and_the_import_succeeds(empty_log: str, tmp_path: Path) -> None:
    path = events_file(tmp_path / "sources.jsonl", [_source_line(index) for index in range(60)])
    result = _dtl_with("", empty_log, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("imported 60 events from " + f"{path} (positions 1-60)\nleft: 0 0\n")


# every task takes a second, and each worker writes its process id down when it starts one
_SLOW_PARSING = """
parse = core.interchange._parse_chunk
def _parse_chunk(*task):
    with open(os.environ["WORKER_PIDS"], "a") as pids:
        pids.write(f"{os.getpid()}\\n")
    time.sleep(1)
    return parse(*task)
core.interchange._parse_chunk = _parse_chunk
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
    except OSError:
        return False


def test_workers_leave_when_the_importing_process_is_killed(empty_log: str, tmp_path: Path) -> None:
    path = events_file(tmp_path / "sources.jsonl", [_source_line(index) for index in range(60)])
    pids = tmp_path / "workers.txt"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    command = [sys.executable, "-c", "import time\n" + _RUN.format(fault=_SLOW_PARSING), "--db", empty_log]
    process = subprocess.Popen([*command, "import", str(path)], cwd=ROOT, env={**environment, "WORKER_PIDS": str(pids)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (pids.exists() and len(set(pids.read_text().split())) == 2):
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    workers = {int(pid) for pid in pids.read_text().split()}
    assert len(workers) == 2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_running(pid) for pid in workers):
        time.sleep(0.1)
    lingering = [pid for pid in workers if _running(pid)]
    for pid in lingering:
        os.kill(pid, signal.SIGKILL)
    assert not lingering
