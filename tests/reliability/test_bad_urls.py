"""Input dtl cannot use is refused as bad input (exit 2) saying what it takes: a database URL it cannot open, or
an expected head hash that is no hash. Neither is a bug, nor tampering."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import assert_no_traceback, invoke, run_dtl

PASSWORD = "pa/ss@w:rd"
FORMS = ("sqlite:///path/to/timeline.db", "postgresql+psycopg://user@host/db")
BAD_URLS = [
    "sqlite://",
    "sqlite:///",
    "sqlite:///:memory:",
    "not a url",
    "timeline.db",
    f"postgresql+psycopg2://analyst:{PASSWORD}@127.0.0.1:1/nowhere",
    f"postgresql+asyncpg://analyst:{PASSWORD}@127.0.0.1:1/nowhere",
    f"postgresql://analyst:{PASSWORD}@127.0.0.1:port/nowhere",
]


def _assert_refused_as_bad_input(code: int, output: str) -> None:
    assert code == 2, output
    assert_no_traceback(output)
    assert "database_url" in output
    assert all(form in output for form in FORMS), output
    assert "--db" in output
    assert "DTL_DATABASE_URL" in output
    for piece in (PASSWORD, "pa/ss", "w:rd"):
        assert piece not in output


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("command", [["init"], ["log"], ["verify"], ["state", "--as-of", "2025-03-01"]])
def test_a_database_url_dtl_cannot_open_is_bad_input_naming_the_forms_it_takes(url: str, command: list[str]) -> None:
    result = invoke(url, *command)
    _assert_refused_as_bad_input(result.exit_code, result.output)


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_database_url_in_the_environment_is_bad_input_in_a_real_process(url: str) -> None:
    result = run_dtl(None, "log", env={"DTL_DATABASE_URL": url})
    assert result.stdout == ""
    _assert_refused_as_bad_input(result.returncode, result.stderr)
