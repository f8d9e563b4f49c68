"""The command line as a whole: help order, a fast start, --json on every read command, completion, quiet pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.main import main
from cli.output import fit_widths
from tests.cli.conftest import Dtl
from tests.support import EXAMPLE, ROOT

READ_COMMANDS = [
    ("source", "list"),
    ("source", "show"),
    ("log",),
    ("state",),
    ("count",),
    ("timeline",),
    ("diff",),
    ("history",),
    ("why",),
    ("verify",),
    ("audit",),
    ("date",),
]
DTL = Path(sys.executable).parent / "dtl"


def command(path: tuple[str, ...]) -> click.Command:
    found: click.Command = main
    for name in path:
        assert isinstance(found, click.Group)
        found = found.commands[name]
    return found


def test_help_lists_commands_in_the_order_a_new_user_needs_them() -> None:
    result = CliRunner().invoke(main, ["--help"])
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == [
        "init",
        "source",
        "append",
        "import",
        "draft",
        "state",
        "count",
        "timeline",
        "diff",
        "history",
        "why",
        "log",
        "verify",
        "audit",
        "report",
        "chart",
        "export",
        "copy",
        "serve",
        "token",
        "date",
    ]
    assert "..." not in result.output.split("Commands:")[1]  # every summary fits on its line


@pytest.mark.parametrize("path", READ_COMMANDS, ids=" ".join)
def test_every_read_command_takes_json(path: tuple[str, ...]) -> None:
    assert "--json" in {option for param in command(path).params for option in param.opts}


def test_starting_dtl_loads_no_heavy_library() -> None:
    probe = (
        "import sys, cli.main; "
        "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'matplotlib', 'dateparser', 'numpy') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"


def test_the_help_default_stream_is_the_configured_one() -> None:
    from core import DEFAULT_STREAM
    from service.queries import DEFAULT_STREAM as SHOWN_IN_HELP

    assert SHOWN_IN_HELP == DEFAULT_STREAM


@pytest.mark.skipif(not DTL.exists(), reason="the dtl script is installed with the package")
def test_shell_completion_completes_commands_and_choices() -> None:
    def complete(words: str, index: int) -> list[str]:
        env = {**os.environ, "_DTL_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(index)}
        done = subprocess.run([str(DTL)], capture_output=True, text=True, env=env, check=True)
        return done.stdout.split()

    assert complete("dtl rep", 1) == ["plain,report"]
    assert complete("dtl chart ", 2) == ["plain,size", "plain,stances"]
    assert complete("dtl export --format ", 3) == ["plain,jsonl", "plain,csv", "plain,timelinejs"]
    script = subprocess.run(
        [str(DTL)], capture_output=True, text=True, check=True, env={**os.environ, "_DTL_COMPLETE": "bash_source"}
    ).stdout
    assert "complete -o nosort -F _dtl_completion dtl" in script


def test_long_work_shows_no_progress_bar_when_piped(initialised: Dtl, tmp_path: Path) -> None:
    for name in ("sources.jsonl", "events.jsonl"):
        initialised("import", str(EXAMPLE / name))
    result = initialised("report", "--out", str(tmp_path / "report.html"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [line for line in result.output.splitlines() if line.startswith("wrote ")]


def test_tables_narrow_their_widest_columns_to_fit_a_terminal() -> None:
    assert fit_widths([10, 40, 60], 200) == [10, 40, 60]
    fitted = fit_widths([10, 40, 60], 80)
    assert sum(fitted) + 4 <= 80
    assert fitted[0] == 10
    assert fit_widths([30, 30, 30], 10) == [8, 8, 8]  # never narrower than 8


@pytest.mark.parametrize(
    "args",
    [
        ("history", "Narnia"),
        ("state", "--as-of", "17 March"),
        ("state", "--known-at", "yesterday"),
        ("import", "no-such-file.jsonl"),
        ("audit", "--stream", "nope"),
        ("source", "show", "nope"),
        ("date", "soon"),
        ("chart", "size", "--out", "size.pdf"),
    ],
)
def test_errors_say_what_to_do_next(initialised: Dtl, args: tuple[str, ...]) -> None:
    result = initialised(*args)
    assert result.exit_code == 2, result.output
    assert "hint: " in result.output
