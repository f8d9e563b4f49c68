"""The fold compiled by mypyc (tools/build_native.py) and its Python source give the same answers.

Where `make install` built it, `projections.coalition` is the compiled module: every
other test checks it. These load the source beside it under another name and fold the
same random logs (back-dated events, fuzzy dates, corrections and retractions) through
both, comparing bytes. Under CI=true the compiled fold must be there: a build that
failed quietly would otherwise leave the whole suite checking the source alone.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import edtf_bounds
from projections import coalition
from projections.native import is_compiled
from projections.replay import fold_order
from render.documents import json_bytes
from tests.conftest import IN_CI
from tests.support import recorded
from tests.unit.test_coalition_snapshot_property import ACTORS, days, logs

SOURCE = Path(coalition.__file__).parent / "coalition.py"
_NOT_COMPILED = "the fold is not compiled here: `make install` builds it (tools/build_native.py needs a C compiler)"


def _source_module() -> ModuleType:
    """Load projections/coalition.py itself, whatever form `projections.coalition` was loaded in."""
    spec = importlib.util.spec_from_file_location("tests_coalition_source", SOURCE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


SOURCE_FOLD = _source_module()


def _require_compiled() -> None:
    if not is_compiled(coalition):
        if IN_CI:
            pytest.fail(f"CI=true and {_NOT_COMPILED}")
        pytest.skip(_NOT_COMPILED)


def _answers(module: ModuleType, events: list, split: int, as_of) -> tuple[bytes, bytes, bytes, str, list[str]]:
    """Fold the events up to `split`, resume from that snapshot's JSON, fold the rest; return what comes out."""
    first = module.CoalitionFold()
    first.apply_until(events[:split], as_of)
    snapshot = msgspec.json.encode(first.to_snapshot())
    fold = module.CoalitionFold.from_snapshot(snapshot)
    fold.apply_until(events[split:], as_of)
    state = fold.result(as_of)
    view = json_bytes(module.state_view(state, stream="s", as_of=as_of, known_at=None, position=0))
    document = json.dumps(module.state_document(state, stream="s", as_of=as_of, known_at=None, position=0))
    facts = [repr(fold.fact_events(code)) for code in ACTORS]
    # the resumed fold's own snapshot: what it read back (claims and meetings as structs, not dicts) is kept alike
    return snapshot, msgspec.json.encode(fold.to_snapshot()), view, document, facts


def test_the_fold_is_compiled_where_make_install_built_it():
    _require_compiled()
    assert is_compiled(coalition)
    assert not is_compiled(SOURCE_FOLD)


@settings(deadline=None)
@given(objects=logs(), as_of=days, data=st.data())
def test_the_compiled_fold_answers_byte_for_byte_as_its_source(objects, as_of, data):
    events = [item for item in fold_order(recorded(objects)) if edtf_bounds(item.occurred)[1] <= as_of]
    split = data.draw(st.integers(0, len(events)), label="split")
    assert _answers(coalition, events, split, as_of) == _answers(SOURCE_FOLD, events, split, as_of)


def test_a_snapshot_of_one_form_is_read_back_by_the_other():
    objects = [
        {"id": "p", "type": "pledge.made", "occurred": "2025-03-02", "actor": "GB", "data": {"offers": ["troops"]}},
        {
            "id": "m",
            "type": "meeting.convened",
            "occurred": "2025-03-03",
            "actor": "GB",
            "data": {"participants": ["FR"]},
        },
        {
            "id": "c",
            "type": "count.reported",
            "occurred": "2025-03",
            "actor": "GB",
            "data": {"subject": "participants", "comparator": "~", "amount": 20},
        },
    ]
    events = fold_order(recorded([{**item, "sources": [{"source": "src"}]} for item in objects]))
    as_of = edtf_bounds("2025-03-31")[1]
    for writer, reader in ((coalition, SOURCE_FOLD), (SOURCE_FOLD, coalition)):
        fold = writer.CoalitionFold()
        fold.apply_until(events, as_of)
        read_back = reader.CoalitionFold.from_snapshot(msgspec.json.encode(fold.to_snapshot()))
        documents = [
            json.dumps(module.state_document(item.result(as_of), stream="s", as_of=as_of, known_at=None, position=0))
            for module, item in ((writer, fold), (reader, read_back))
        ]
        assert documents[0] == documents[1]
        assert '"amount": 20' in documents[1]


def _loaded_form(package_parent: Path, environment: dict[str, str]) -> str:
    probe = "import projections.coalition as c; from projections.native import is_compiled; print(is_compiled(c))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=package_parent, env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_changed_source_is_loaded_in_place_of_its_stale_compiled_form(tmp_path):
    _require_compiled()
    shutil.copytree(SOURCE.parent, tmp_path / "projections", ignore=shutil.ignore_patterns("__pycache__"))
    environment = {key: value for key, value in os.environ.items() if key != "DTL_PURE_PYTHON"}
    assert _loaded_form(tmp_path, environment) == "True"  # built from this very source

    copied = tmp_path / "projections" / "coalition.py"
    copied.write_text(SOURCE.read_text(encoding="utf-8") + "\n# changed since it was compiled\n", encoding="utf-8")
    assert _loaded_form(tmp_path, environment) == "False"


def test_dtl_pure_python_rules_the_compiled_fold_out(tmp_path):
    _require_compiled()
    shutil.copytree(SOURCE.parent, tmp_path / "projections", ignore=shutil.ignore_patterns("__pycache__"))
    assert _loaded_form(tmp_path, {**os.environ, "DTL_PURE_PYTHON": "1"}) == "False"


def _fold_version(environment: dict[str, str]) -> str:
    probe = "from projections.engine import fold_version; print(fold_version())"
    done = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_both_forms_fingerprint_the_same_sources_so_either_reuses_the_others_snapshots():
    _require_compiled()
    from projections.engine import fold_sources

    compiled = {key: value for key, value in os.environ.items() if key != "DTL_PURE_PYTHON"}
    assert _fold_version(compiled) == _fold_version({**os.environ, "DTL_PURE_PYTHON": "1"})
    # the amendments decide the effective events a fold sees: a change to them must not reuse old snapshots
    assert {path.relative_to(SOURCE.parent.parent).as_posix() for path in fold_sources()} >= {
        "projections/coalition.py",
        "events/amendments.py",
        "events/order.py",
    }
