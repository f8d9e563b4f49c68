"""The arrows of DESIGN.md: cli -> core, projections -> events; core and projections never meet."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

ALLOWED = {
    "events": {"events"},
    "core": {"core", "events"},
    "projections": {"projections", "events"},
    "cli": {"cli", "core", "projections", "events"},
}
THIRD_PARTY_IN_EVENTS = {"pydantic", "pycountry"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_along_the_arrows(package: str) -> None:
    project = set(ALLOWED)
    for path in (ROOT / package).rglob("*.py"):
        wrong = (imported_packages(path) & project) - ALLOWED[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_events_depends_only_on_pydantic_and_the_standard_library() -> None:
    import sys

    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for path in (ROOT / "events").rglob("*.py"):
        foreign = imported_packages(path) - stdlib - THIRD_PARTY_IN_EVENTS - {"events"}
        assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


def test_head_revision_constant_matches_the_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from core.schema import HEAD_REVISION

    config = Config()
    config.set_main_option("script_location", str(ROOT / "core" / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_every_name_of_the_events_package_loads_from_the_module_it_names() -> None:
    import importlib

    import events

    for name in events.__all__:
        home = events._HOME_OF[name]
        assert getattr(events, name) is getattr(importlib.import_module(home), name), name
    assert set(events._HOME_OF) == set(events.__all__)
    # what type checkers see (the TYPE_CHECKING imports) names the same homes as what runs
    tree = ast.parse((ROOT / "events" / "__init__.py").read_text(encoding="utf-8"))
    checked = {
        alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("events.")
        for alias in node.names
    }
    assert checked == events._HOME_OF


def test_reading_and_replaying_the_log_loads_no_validation_library(tmp_path: Path) -> None:
    """`dtl state` starts faster without pydantic: nothing on the read path may import it."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'log.db'}"
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from core import EventStore\n"
        "from core.snapshots import SnapshotRecorder\n"
        "from projections.engine import Replayer, Snapshot\n"
        "from projections.coalition import state_document\n"
        f"store = EventStore.open({url!r}, create=True)\n"
        "store.database.migrate()\n"
        "replay = Replayer(store, SnapshotRecorder(store.database, Snapshot)).state(as_of=date(2025, 3, 17))\n"
        "state_document(replay.state, stream=None, as_of=date(2025, 3, 17), known_at=None, position=0)\n"
        "list(store.read())\n"
        "store.verify()\n"
        "assert 'pydantic' not in sys.modules, sorted(m for m in sys.modules if 'pydantic' in m)[:3]\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
