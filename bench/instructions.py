"""Counts the instructions of a warm `dtl state`'s work, step by step, with valgrind's callgrind.

A count is the same for the same work whatever else the host does, where this host's timings
moved by half from one hour to the next: a change to the snapshot's reading or to the printing is
judged by it, and the benchmark's timings say what a user waits. Not part of `make bench`.

    python -m bench.instructions sqlite:///log.db --stream ukraine-coalition --as-of 2026-01-01

The log must hold a snapshot of the stream taken on that day by this code (a `dtl state` of it
leaves one). Each step runs in a new process under callgrind, doing every step before it too:
  0 start: load the modules and open the log;
  1 read: read the snapshot's state (its UTF-8 bytes);
  2 rebuild: the fold from it (`CoalitionFold.from_snapshot`);
  3 answer: the state as of the day (`CoalitionFold.result`);
  4 print: the JSON `dtl state --json` prints, to a file (`render.documents.json_indented_parts`).
A step's own count is its count less the one before it.
"""

from __future__ import annotations

import argparse
import gc
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

STEPS = ("start", "read", "rebuild", "answer", "print")
_STATE = (
    "SELECT CAST(state AS BLOB), position FROM snapshots WHERE projection = 'coalition' AND stream = ?"
    " AND version = ? AND day = ? ORDER BY position DESC, snapshot_id DESC LIMIT 1"
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a SQLite log: sqlite:///path")
    parser.add_argument("--stream", required=True)
    parser.add_argument("--as-of", required=True, type=date.fromisoformat)
    parser.add_argument("--inside", type=int, choices=range(len(STEPS)), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    path = arguments.url.removeprefix("sqlite:///")
    if arguments.inside is not None:
        was_enabled = gc.isenabled()
        gc.disable()  # as a replay does (projections.engine)
        try:
            _work(path, arguments.stream, arguments.as_of, arguments.inside, arguments.out)
        finally:
            if was_enabled:
                gc.enable()
        return 0
    if shutil.which("valgrind") is None:
        sys.stderr.write("valgrind is not installed (Debian: apt-get install valgrind)\n")
        return 1
    counts: list[int] = []
    with tempfile.TemporaryDirectory() as work:
        for step, name in enumerate(STEPS):
            out = Path(work) / "state.json"
            command = [
                "valgrind", "--tool=callgrind", f"--callgrind-out-file={work}/callgrind.out",
                sys.executable, "-m", "bench.instructions", arguments.url, "--stream", arguments.stream,
                "--as-of", arguments.as_of.isoformat(), "--inside", str(step), "--out", str(out),
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
            if done.returncode != 0 or found is None:
                sys.stderr.write(done.stderr[-3000:])
                return 1
            counts.append(int(found.group(1).replace(",", "")))
            own = counts[-1] - (counts[-2] if step else 0)
            print(f"{step} {name:8} {counts[-1] / 1e6:10,.0f}M in all, {own / 1e6:8,.0f}M its own", flush=True)
    return 0


def _work(path: str, stream: str, as_of: date, last: int, out: Path | None) -> None:
    """Do the steps up to `last` in this process, as `dtl state` does them on a snapshot taken on the day."""
    from projections.coalition import CoalitionFold, state_view
    from projections.engine import fold_version
    from render.documents import json_indented_parts

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    if last >= 1:
        found = connection.execute(_STATE, (stream, fold_version(), as_of.isoformat())).fetchone()
        if found is None:
            raise SystemExit(f"no snapshot of {stream} on {as_of} by this code: run `dtl state` for it first")
        state, position = found
    if last >= 2:
        fold = CoalitionFold.from_snapshot(state)
    if last >= 3:
        answer = fold.result(as_of)
    if last >= 4:
        assert out is not None, "the print step writes to a file"
        view = state_view(answer, stream=stream, as_of=as_of, known_at=None, position=position)
        with out.open("wb") as written:
            for part in json_indented_parts(view):
                written.write(part)
    connection.close()


if __name__ == "__main__":
    exit_code = main(sys.argv[1:])
    gc.freeze()  # as `dtl` ends a command: what is left is not scanned again on the way out
    sys.exit(exit_code)
