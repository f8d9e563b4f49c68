"""The README's quickstart, followed word for word as a new user would on a fresh clone."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow


def quickstart_commands() -> list[list[str]]:
    """The commands of the README's quickstart block, continuation lines joined and comments dropped."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Quickstart") :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the quickstart has no sh block"
    joined = block.group(1).replace("\\\n", " ")
    return [words for line in joined.splitlines() if (words := shlex.split(line, comments=True))]


def test_every_quickstart_command_runs_as_written_from_the_repository_root(tmp_path: Path) -> None:
    """The quickstart once named files a clone does not have, and its import clashed with an id it had made."""
    root = tmp_path / "clone"
    root.mkdir()
    (root / "examples").symlink_to(ROOT / "examples")  # the clone's files; what the commands write stays here
    env = {**os.environ, "DTL_DATABASE_URL": f"sqlite:///{tmp_path / 'timeline.db'}"}
    outputs = {}
    for words in quickstart_commands():
        assert words[0] == "dtl", words
        result = subprocess.run(
            [sys.executable, "-m", "cli", *words[1:]], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{shlex.join(words)} exited {result.returncode}: {result.stderr}"
        outputs[shlex.join(words[:3])] = result.stdout
    assert "PL" in outputs["dtl state --stream"]
    assert "supporting" in outputs["dtl state --stream"]
    assert "~ 20 (British officials)" in outputs["dtl state --stream"]
    assert (root / "report.html").is_file()
    assert (root / "log.jsonl").read_text(encoding="utf-8").count("\n") == 2 + 2 + 2 + 47
