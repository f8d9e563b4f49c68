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
