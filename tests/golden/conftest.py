"""The founding articles, for the golden layer only: found beside the repository or where DTL_SEED_TEXTS says.

The two articles the bundled example was built from are not ours to redistribute, so a clone does not
have them. They are looked for in ../shared/seeds (beside the repository root) or in the folder named by
the environment variable DTL_SEED_TEXTS. A test that reads them asks for the `seed_files` fixture, which
marks it `seeds` (`-m "not seeds"` leaves such tests out). When the articles are not there, those tests
are skipped with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.support import ROOT

# file names of the founding articles, by the source id the example cites; their sha256 is in its sources.jsonl
SEED_NAMES = {
    "ft-2025-03-10": "000_20e7820ea15acb11.txt",
    "ft-2025-03-17": "002_bb8b0bda6ea5c74b.txt",
}
NOT_HERE = "the founding articles are not here: put them in ../shared/seeds or name their folder in DTL_SEED_TEXTS"


def _seed_folder() -> Path:
    named = os.environ.get("DTL_SEED_TEXTS")
    return Path(named) if named else ROOT.parent / "shared" / "seeds"


def _missing_reason() -> str | None:
    """Why the founding articles cannot be read, or None when both are there."""
    folder = _seed_folder()
    missing = [name for name in SEED_NAMES.values() if not (folder / name).is_file()]
    return f"{NOT_HERE} (looked for {', '.join(missing)} in {folder})" if missing else None


def _needs_seeds(item: pytest.Item) -> bool:
    return "seed_files" in getattr(item, "fixturenames", ()) or item.get_closest_marker("seeds") is not None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `seeds` every test that asks for the founding articles, so that `-m "not seeds"` can leave them out."""
    for item in items:
        if "seed_files" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.seeds)


@pytest.fixture(scope="session")
def seed_files() -> dict[str, Path]:
    """The founding articles' paths by source id; when they are missing, skip the test, or under CI=true fail it.

    A skip raised here is reported at the test's own file and line, so `-ra` names each test skipped.
    """
    reason = _missing_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    folder = _seed_folder()
    return {source_id: folder / name for source_id, name in SEED_NAMES.items()}
