"""Input dtl cannot use is refused as bad input (exit 2) saying what it takes: a database URL it cannot open, or
an expected head hash that is no hash. Neither is a bug, nor tampering."""

from __future__ import annotations

import json

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


def _head_hash(url: str) -> str:
    result = invoke(url, "verify", "--json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["head"]["hash"])


@pytest.mark.parametrize(
    "expect", ["deadbeef", "", "g" * 64, "f" * 63, "f" * 65, "0x" + "f" * 62, "f" * 32 + " " + "f" * 31]
)
def test_an_expected_head_that_is_no_hash_is_bad_input_not_tampering(logged_url: str, expect: str) -> None:
    result = invoke(logged_url, "verify", "--expect", expect)
    assert result.exit_code == 2, result.output
    assert_no_traceback(result.output)
    assert "--expect" in result.output
    assert "not a head hash" in result.output
    assert "truncated or rewritten" not in result.output


def test_an_expected_head_in_capitals_is_the_same_hash(logged_url: str) -> None:
    head = _head_hash(logged_url)
    for given in (head.upper(), f" {head} "):
        result = invoke(logged_url, "verify", "--expect", given)
        assert result.exit_code == 0, result.output
        assert "hash chain intact" in result.output
