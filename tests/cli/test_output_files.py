"""`--out` cannot be turned against the user: only a regular file (or nothing) at the target is replaced."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import IO

import pytest

import cli.files
from errors import InputError
from tests.cli.conftest import Dtl
from tests.support import FIXTURES


@pytest.fixture
def loaded(initialised: Dtl) -> Dtl:
    """The runner, on a log holding the fixture sources and events."""
    for name in ("sources.jsonl", "events.jsonl"):
        result = initialised("import", str(FIXTURES / name))
        assert result.exit_code == 0, result.output
    return initialised


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder for the outputs alone (the SQLite log lives in tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def leftovers(folder: Path, *keep: Path) -> list[str]:
    """Files in the folder other than those named: a temporary file left behind would show here."""
    return sorted(path.name for path in folder.iterdir() if path not in keep)


def test_a_named_pipe_at_the_target_is_refused_without_opening_it(loaded: Dtl, folder: Path) -> None:
    pipe = folder / "out.jsonl"
    os.mkfifo(pipe)
    result = loaded("export", "--out", str(pipe))
    assert result.exit_code == 2, result.output
    assert "named pipe" in result.output
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert leftovers(folder, pipe) == []


def test_a_folder_at_the_target_is_refused(folder: Path) -> None:
    target = folder / "report.html"
    target.mkdir()
    with pytest.raises(InputError) as caught:
        cli.files.write_atomically(str(target), lambda handle: handle.write("<html>"))
    assert caught.value.location.file == str(target)
    assert "folder" in str(caught.value)
    assert target.is_dir()
    assert list(target.iterdir()) == []
    assert leftovers(folder, target) == []


def test_a_symlink_at_the_target_is_refused_and_what_it_points_to_is_unchanged(loaded: Dtl, folder: Path) -> None:
    precious = folder / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    link = folder / "report.html"
    link.symlink_to(precious)
    result = loaded("report", "--out", str(link))
    assert result.exit_code == 2, result.output
    assert "symbolic link" in result.output
    assert link.is_symlink()
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    assert leftovers(folder, link, precious) == []


def test_a_symlink_planted_at_the_old_partial_name_is_not_followed(loaded: Dtl, folder: Path) -> None:
    precious = folder / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    planted = folder / "report.html.partial"
    planted.symlink_to(precious)
    out = folder / "report.html"
    result = loaded("report", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    assert stat.S_ISREG(os.lstat(out).st_mode)
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert planted.is_symlink()
    assert leftovers(folder, out, planted, precious) == []


def test_a_regular_file_at_the_target_is_replaced_keeping_its_permissions(loaded: Dtl, folder: Path) -> None:
    out = folder / "log.jsonl"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)
    result = loaded("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30
    assert all(json.loads(line) for line in lines)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert leftovers(folder, out) == []


def test_dash_writes_the_export_to_standard_output(loaded: Dtl, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    result = loaded("export", "--out", "-")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 30
    assert all(json.loads(line) for line in lines)
    assert leftovers(folder) == []


def test_an_empty_out_is_refused_with_a_hint(loaded: Dtl, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    result = loaded("export", "--out", "")
    assert result.exit_code == 2, result.output
    assert "this is a bug" not in result.output
    assert "--out" in result.output
    assert leftovers(folder) == []


def test_an_interrupted_write_leaves_no_temporary_file_and_the_old_file_whole(folder: Path) -> None:
    out = folder / "report.html"
    out.write_text("old report\n", encoding="utf-8")

    def interrupted(target: IO[str]) -> None:
        target.write("<html>half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cli.files.write_atomically(str(out), interrupted)
    assert out.read_text(encoding="utf-8") == "old report\n"
    assert leftovers(folder, out) == []


def test_a_symlink_planted_at_the_target_during_the_write_is_refused(folder: Path) -> None:
    precious = folder / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    out = folder / "report.html"

    def planting(target: IO[str]) -> None:
        target.write("<html>")
        out.symlink_to(precious)

    with pytest.raises(InputError, match="symbolic link"):
        cli.files.write_atomically(str(out), planting)
    assert out.is_symlink()
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    assert leftovers(folder, out, precious) == []


def test_dash_writes_the_report_to_standard_output_and_the_note_to_standard_error(
    loaded: Dtl, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    result = loaded("report", "--out", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().lower().startswith("<!doctype html")
    assert result.stdout.rstrip().lower().endswith("</html>")
    assert "wrote -" in result.stderr
    assert leftovers(folder) == []
