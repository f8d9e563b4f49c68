"""The arrows of DESIGN.md: cli, web -> service -> core, projections, render -> events; errors at the bottom.

core and projections never meet; the doors never reach past the service; nothing
below the doors names a flag or a command; the cli modules import no circle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support import ROOT

BELOW_ALL = {"errors"}
ALLOWED = {
    "events": {"events"},
    "core": {"core", "events"},
    "projections": {"projections", "events"},
    "render": {"render", "events"},
    "service": {"service", "core", "projections", "render", "events"},
    "cli": {"cli", "service"},
    "web": {"web", "service"},
}
# what a package may name for type checking only (render draws the projections' answers it is handed)
TYPES_ONLY = {"render": {"projections"}}
THIRD_PARTY_IN_EVENTS = {"pydantic", "pycountry"}
PROJECT = set(ALLOWED) | BELOW_ALL
BELOW_THE_DOORS = ("core", "projections", "service", "events")
# a flag (--as-of) or a command line (`dtl source add`): the doors' words, not the layers' below
DOOR_WORDS = re.compile(r"(?<![\w-])--[a-z]|\bdtl [a-z]")


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imported_modules(path: Path, *, types_too: bool = True) -> set[str]:
    """Every module a file imports (at the top, inside functions, and, with types_too, for type checking)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if types_too else _type_checking_lines(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def imported_packages(path: Path, *, types_too: bool = True) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path, types_too=types_too)}


def package_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_along_the_arrows(package: str) -> None:
    allowed = ALLOWED[package] | BELOW_ALL
    for path in package_files(package):
        at_run_time = (imported_packages(path, types_too=False) & PROJECT) - allowed
        assert not at_run_time, f"{path.relative_to(ROOT)} imports {sorted(at_run_time)}"
        for_types = (imported_packages(path) & PROJECT) - allowed - TYPES_ONLY.get(package, set())
        assert not for_types, f"{path.relative_to(ROOT)} imports {sorted(for_types)} for type checking"


def test_the_error_tree_imports_nothing_of_the_project() -> None:
    assert not imported_packages(ROOT / "errors.py") & PROJECT


def test_the_doors_import_nothing_from_core_not_even_for_types() -> None:
    for door in ("cli", "web"):
        for path in package_files(door):
            assert "core" not in imported_packages(path), f"{path.relative_to(ROOT)} imports core"


def test_the_cli_modules_import_no_circle() -> None:
    graph = {
        path.stem: {name.split(".")[1] for name in imported_modules(path) if name.startswith("cli.")}
        for path in package_files("cli")
    }
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        assert module not in visiting, f"import circle: {' -> '.join([*visiting, module])}"
        if module in done:
            return
        visiting.append(module)
        for imported in graph.get(module, set()):
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in graph:
        visit(module)


def _messages(path: Path) -> list[tuple[int, str]]:
    """The string literals of a file that are not docstrings: what it may say to a user."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("package", BELOW_THE_DOORS)
def test_nothing_below_the_doors_names_a_flag_or_a_command(package: str) -> None:
    said = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in package_files(package)
        if "migrations" not in path.parts
        for line, text in _messages(path)
        if DOOR_WORDS.search(text)
    ]
    assert not said, "\n".join(said)


def test_events_depends_only_on_pydantic_the_error_tree_and_the_standard_library() -> None:
    import sys

    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for path in package_files("events"):
        foreign = imported_packages(path) - stdlib - THIRD_PARTY_IN_EVENTS - {"events"} - BELOW_ALL
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


_NO_PYDANTIC = "assert 'pydantic' not in sys.modules, sorted(m for m in sys.modules if 'pydantic' in m)[:3]\n"


def _run_python(script: str) -> str:
    """Run a script in a new interpreter (at the root, where the packages are); return what it printed."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_reading_and_replaying_the_log_loads_no_validation_library(tmp_path: Path) -> None:
    """`dtl state` starts faster without pydantic, on SQLite without SQLAlchemy (130 ms) nor the PostgreSQL dialect
    (50 ms with pydantic), and without the import reader and worker processes; `dtl verify` without SQLAlchemy too."""

    from service.timeline import Timeline
    from tests.support import EXAMPLE

    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = Timeline(url)  # writing validates (pydantic), so the log is written here, outside the reading process
    writer.init()
    for name in ("sources.jsonl", "events.jsonl"):
        with (EXAMPLE / name).open("rb") as lines:
            writer.import_lines(lines, name)
    writer.close()
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from service import Query\nfrom service.timeline import Timeline\n"
        f"timeline = Timeline({url!r})\n"
        "timeline.state(Query('ukraine-coalition', date(2025, 3, 17))).to_json()\n"
        # nor the reader of imports and the worker processes (about 35 ms of a `dtl state`): verify alone loads them
        "machinery = sorted(m for m in ('core.interchange', 'core.chain', 'multiprocessing') if m in sys.modules)\n"
        "assert not machinery, machinery\n"
        # nor the folds other commands use (diffs, the size series, the quote checks): about 7 ms
        "others = sorted(m for m in ('projections.changes', 'projections.counts', 'projections.verification')"
        " if m in sys.modules)\n"
        "assert not others, others\n"
        # nor SQLAlchemy (130 ms): a plain SQLite log is replayed through sqlite3 alone (core.sqlite_reads)
        "timeline.close()\n"
        "assert 'sqlalchemy' not in sys.modules, sorted(m for m in sys.modules if m.startswith('sqlalchemy'))[:3]\n"
        # nor does verify, which checks the hash chain of a plain SQLite file through sqlite3 too (core.chain)
        "timeline.verify()\n"
        "assert 'sqlalchemy' not in sys.modules, sorted(m for m in sys.modules if m.startswith('sqlalchemy'))[:3]\n"
        "[item.to_json() for item in timeline.log()]\n"
        f"{_NO_PYDANTIC}"
        "postgres = sorted(m for m in sys.modules if 'dialects.postgresql' in m or m.startswith('psycopg'))\n"
        "assert not postgres, postgres[:3]\n"
    )
    _run_python(script)


def test_importing_a_correction_of_an_events_data_loads_no_validation_library(tmp_path: Path) -> None:
    """A correction's new data is checked by the fast decoder: an import of valid lines never loads pydantic (60 ms)."""
    import json

    from tests.support import FIXTURES

    correction = {
        "id": "fix-gb-offers",
        "type": "event.corrected",
        "stream": "ukraine-coalition",
        "occurred": "2025-03-17",
        "data": {
            "target": "nc-0310-gb-troops",
            "changes": {"data": {"offers": ["troops", "air_cover", "troops"], "firmness": "firm"}},
            "reason": "the later article names air cover too",
        },
        "sources": [{"source": "nc-2025-03-17"}],
    }
    lines = tmp_path / "correction.jsonl"
    lines.write_text(json.dumps(correction) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'log.db'}"
    script = (
        "import sys\n"
        "from service.timeline import Timeline\n"
        f"timeline = Timeline({url!r})\n"
        "timeline.init()\n"
        f"for path in ({str(FIXTURES / 'sources.jsonl')!r}, {str(FIXTURES / 'events.jsonl')!r}, {str(lines)!r}):\n"
        "    with open(path, 'rb') as handle:\n"
        "        timeline.import_lines(handle, path)\n"
        "stored = [item for item in timeline.log() if item.event.id == 'fix-gb-offers']\n"
        "print(stored[0].event.data['changes']['data'])\n"
        f"{_NO_PYDANTIC}"
    )
    assert _run_python(script) == "{'firmness': 'firm', 'offers': ['troops', 'air_cover']}"  # de-duplicated


def test_the_two_doors_never_import_each_other_serve_names_the_web_app_by_its_import_string() -> None:
    import importlib

    for door, other in (("cli", "web"), ("web", "cli")):
        for path in package_files(door):
            assert other not in imported_packages(path), f"{path.relative_to(ROOT)} imports {other}"
    from cli.serve_commands import APP_FACTORY

    module, _, factory = APP_FACTORY.partition(":")
    assert module.split(".")[0] == "web"
    assert callable(getattr(importlib.import_module(module), factory))
