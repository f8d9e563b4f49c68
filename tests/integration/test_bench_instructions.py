"""The work `python -m bench.instructions` counts is the work of a warm `dtl state`: it prints the same bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.instructions import main as count_instructions
from cli.main import main as dtl
from core import Located, Location
from core.snapshots import SnapshotRecorder
from events import parse_event
from projections.engine import Replayer, Snapshot
from tests.conftest import initialised_store
from tests.support import example_objects

STREAM, DAY = "ukraine-coalition", "2025-03-17"


def test_the_counted_steps_print_what_dtl_state_prints_from_the_snapshot_of_the_day(
    sqlite_url: str, tmp_path: Path
) -> None:
    with initialised_store(sqlite_url) as store:
        store.append_many([Located(parse_event(obj, STREAM), Location("example", 1)) for obj in example_objects()])
        # a snapshot on the day asked, as a long replay leaves one (this log is short: one every event)
        Replayer(store, SnapshotRecorder(store.database, Snapshot), snapshot_every=1).state(
            as_of=date.fromisoformat(DAY), stream=STREAM
        )
    counted = tmp_path / "counted.json"
    asked = [sqlite_url, "--stream", STREAM, "--as-of", DAY]
    assert count_instructions([*asked, "--inside", "4", "--out", str(counted)]) == 0
    printed = CliRunner().invoke(dtl, ["--db", sqlite_url, "state", "--json", "--stream", STREAM, "--as-of", DAY])
    assert printed.exit_code == 0, printed.output
    assert counted.read_bytes() + b"\n" == printed.stdout_bytes


def test_no_snapshot_of_the_day_is_said_plainly(sqlite_url: str, tmp_path: Path) -> None:
    with initialised_store(sqlite_url):
        pass
    asked = [sqlite_url, "--stream", STREAM, "--as-of", DAY, "--inside", "1", "--out", str(tmp_path / "x.json")]
    with pytest.raises(SystemExit, match="no snapshot of ukraine-coalition on 2025-03-17"):
        count_instructions(asked)
