"""`dtl token create/list/revoke`, and who the command line records as having appended: --by, DTL_RECORDED_BY, login."""

from __future__ import annotations

import getpass
import json

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.cli.conftest import Dtl
from tests.support import CITE_TEST_SOURCE, TEST_SOURCE_ADD


def test_a_token_is_printed_once_listed_without_its_secret_and_revoked(initialised: Dtl) -> None:
    created = initialised("token", "create", "alice", "--role", "writer")
    secret = created.stdout.strip()

    listed = initialised("token", "list", "--json")
    revoked = initialised("token", "revoke", "alice")
    table = initialised("token", "list")

    assert created.exit_code == 0
    assert secret.startswith("dtl_")
    assert "shown only now" in created.stderr
    assert secret not in listed.stdout
    assert [(t["name"], t["role"], t["revoked_at"]) for t in json.loads(listed.stdout)["tokens"]] == [
        ("alice", "writer", None)
    ]
    assert revoked.exit_code == 0
    assert "revoked token 'alice' (writer)" in revoked.stdout
    assert "live" not in table.stdout.splitlines()[1]


def test_token_mistakes_exit_2_naming_the_argument_or_flag(initialised: Dtl) -> None:
    assert initialised("token", "create", "alice", "--role", "reader").exit_code == 0

    again = initialised("token", "create", "alice", "--role", "reader")
    bad_role = initialised("token", "create", "bob", "--role", "root")
    unknown = initialised("token", "revoke", "nobody")

    assert (again.exit_code, bad_role.exit_code, unknown.exit_code) == (2, 2, 2)
    assert "NAME" in again.stderr
    assert "live already" in again.stderr
    assert "--role" in bad_role.stderr
    assert "reader, writer, admin" in bad_role.stderr
    assert "no live token is named 'nobody'" in unknown.stderr


def _recorded_by(dtl: Dtl, event_id: str) -> str | None:
    events = json.loads(dtl("log", "--json").stdout)["events"]
    return next(event["recorded_by"] for event in events if event["id"] == event_id)


def _append(runner: CliRunner, url: str, event_id: str, *before: str) -> int:
    args = [
        "--db", url, *before, "append", "position.in_talks", "--id", event_id, "--actor", "PL",
        "--occurred", "2025-03-10", *CITE_TEST_SOURCE,
    ]  # fmt: skip
    return runner.invoke(main, args).exit_code


def test_the_command_line_records_by_flag_else_setting_else_login_name(database_url: str, initialised: Dtl) -> None:
    assert initialised(*TEST_SOURCE_ADD).exit_code == 0
    plain = CliRunner(env={"DTL_RECORDED_BY": None})
    configured = CliRunner(env={"DTL_RECORDED_BY": "Desk 3"})

    assert _append(configured, database_url, "by-flag", "--by", "Ann Analyst") == 0
    assert _append(configured, database_url, "by-setting") == 0
    assert _append(plain, database_url, "by-login") == 0

    assert _recorded_by(initialised, "by-flag") == "Ann Analyst"
    assert _recorded_by(initialised, "by-setting") == "Desk 3"
    assert _recorded_by(initialised, "by-login") == getpass.getuser()
    assert "Ann Analyst" in initialised("log").stdout.splitlines()[-3]


@pytest.mark.parametrize("name", ["a\tb", "x" * 65, " "])
def test_a_recorder_name_that_is_no_name_exits_2_with_a_hint(database_url: str, initialised: Dtl, name: str) -> None:
    assert initialised(*TEST_SOURCE_ADD).exit_code == 0
    result = CliRunner().invoke(main, ["--db", database_url, "--by", name, "log"])
    assert result.exit_code == 0  # reading records nothing: the name is checked where it is recorded

    refused = CliRunner().invoke(
        main,
        ["--db", database_url, "--by", name, "append", "position.in_talks", "--actor", "PL",
         "--occurred", "2025-03-10", *CITE_TEST_SOURCE],
    )  # fmt: skip

    assert refused.exit_code == 2
    assert "recorded_by" in refused.stderr
    assert "--by NAME or DTL_RECORDED_BY" in refused.stderr
