"""`dtl` as a process: what the entry point does around the command (the collector, the exit code)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main as cli_main


def test_the_entry_point_passes_the_exit_code_through_and_freezes_what_is_left_out_of_the_last_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, object]] = []

    def command(**arguments: object) -> None:
        calls.append(arguments)
        raise SystemExit(3)

    monkeypatch.setattr(cli_main, "main", command)
    try:
        with pytest.raises(SystemExit) as exited:
            cli_main.run()
        assert exited.value.code == 3
        assert calls == [{"prog_name": "dtl"}]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_command_leaves_the_collector_on_with_nothing_young_left_of_it(tmp_path: Path) -> None:
    assert gc.isenabled()
    result = CliRunner().invoke(cli_main.main, ["--db", f"sqlite:///{tmp_path}/t.db", "init"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    # what the command left went to the oldest generation: the next young pass has only what came since
    young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
    assert young < 1_000
