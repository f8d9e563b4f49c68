"""Fixtures for driving `dtl` in-process (CliRunner) against a fresh log on each backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from tests.support import TEST_SOURCE_ADD

Dtl = Callable[..., Result]


@pytest.fixture
def dtl(database_url: str) -> Dtl:
    """Run `dtl --db URL ARGS...` in-process and return click's Result."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(main, ["--db", database_url, *args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def initialised(dtl: Dtl) -> Dtl:
    """The same runner, on a log that `dtl init` has created."""
    result = dtl("init")
    assert result.exit_code == 0, result.output
    return dtl


@pytest.fixture
def sourced(initialised: Dtl) -> Dtl:
    """The same runner, on a log holding the test source (position 1) that ad-hoc events cite (`--source test-wire`)."""
    result = initialised(*TEST_SOURCE_ADD)
    assert result.exit_code == 0, result.output
    return initialised
