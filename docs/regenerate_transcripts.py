"""Runs every `$ ` command of docs/audit-session.md again and writes what it prints back under it.

Run from the repository root with the founding articles in ../shared/seeds (the session attaches them):
    .venv/bin/python docs/regenerate_transcripts.py
Each console block's commands run in order against one fresh SQLite log; `echo $?` prints the exit code
of the command before it. Prose outside the console blocks is left as it is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = ROOT / "docs" / "audit-session.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _run_block(block: str, env: dict[str, str], state: dict[str, int]) -> str:
    lines = []
    for line in block.splitlines():
        if not line.startswith("$ "):
            continue  # the old output: written anew below its command
        command = line[2:]
        lines.append(line)
        if command.startswith("export "):
            name, value = command.removeprefix("export ").split("=", 1)
            env[name] = value
            continue
        if command == "echo $?":
            lines.append(str(state["rc"]))
            continue
        done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        state["rc"] = done.returncode
        lines.extend((done.stdout + done.stderr).rstrip("\n").splitlines())
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write docs/audit-session.md again with the output its commands print today."""
    text = SESSION.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "timeline.db"
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        state = {"rc": 0}
        # the session's own `export` names /tmp/session; point it at a folder of our own instead
        text = text.replace("sqlite:////tmp/session/timeline.db", f"sqlite:///{database}")
        written = BLOCK.sub(lambda match: "```console\n" + _run_block(match.group(1), env, state) + "```", text)
    SESSION.write_text(written.replace(f"sqlite:///{database}", "sqlite:////tmp/session/timeline.db"), encoding="utf-8")


if __name__ == "__main__":
    main()
