"""Fixtures: a fresh log on SQLite and, when DTL_TEST_DATABASE_URL names one, on PostgreSQL.

Each PostgreSQL test gets a schema of its own (search_path set in the URL), dropped afterwards.
Under CI=true an unreachable PostgreSQL fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core import EventStore

PG_URL = os.environ.get("DTL_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_or_skip() -> str:
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but DTL_TEST_DATABASE_URL is not set: the PostgreSQL half cannot run")
        pytest.skip("set DTL_TEST_DATABASE_URL to run the PostgreSQL half")
    try:
        import psycopg

        with psycopg.connect(_libpq(PG_URL), connect_timeout=5):
            pass
    except Exception as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL at DTL_TEST_DATABASE_URL is unreachable under CI: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    return PG_URL


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """Yield a PostgreSQL URL whose search_path is a new, empty schema, dropped afterwards."""
    import psycopg

    base = _postgres_or_skip()
    schema = f"dtl_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(base), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema."""
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL for a SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'timeline.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@contextmanager
def initialised_store(url: str) -> Iterator[EventStore]:
    """Open the log at a URL, initialised (a SQLite file is created), and close it afterwards."""
    opened = EventStore.open(url, create=True)
    opened.initialise()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def store(database_url: str) -> Iterator[EventStore]:
    """An initialised, empty log on each backend."""
    with initialised_store(database_url) as opened:
        yield opened


# Debian's chromium, driven by Playwright through its path (tests/cli/test_report_browser.py, tests/browser/)
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"  # screenshots the browser tests keep (gitignored)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_NO_CHROMIUM = "chromium is not on PATH: install Debian's chromium: `make browser`"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's chromium; without it the test is skipped, or under CI=true fails. Nothing is installed."""
    import shutil

    found = shutil.which("chromium")
    if found is None:
        if IN_CI:
            pytest.fail(f"CI=true and {_NO_CHROMIUM} (.ci/run runs it before `make test`)")
        pytest.skip(_NO_CHROMIUM)
    return found
