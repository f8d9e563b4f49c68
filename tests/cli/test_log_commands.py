"""`dtl init`, `append`, `import`, `log`, `verify`, `export` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.schema import HEAD_REVISION
from tests.cli.conftest import Dtl
from tests.support import ARTICLES, CITE_TEST_SOURCE, EXAMPLE, FIXTURES


def snapshot_of(url: str) -> list[tuple]:
    """Everything the database holds, to compare before and after a refused command."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM events ORDER BY position")).all()
            texts = connection.execute(text("SELECT * FROM source_texts ORDER BY sha256")).all()
            return [tuple(row) for row in rows] + [tuple(row) for row in texts]
    finally:
        engine.dispose()


def load_example(dtl: Dtl) -> None:
    for name in ("sources.jsonl", "events.jsonl"):
        result = dtl("import", str(EXAMPLE / name))
        assert result.exit_code == 0, result.output


def load_fixture_log(dtl: Dtl) -> None:
    """The fixture log, with the text of its first article attached (the second's is not)."""
    for name in ("sources.jsonl", "events.jsonl"):
        result = dtl("import", str(FIXTURES / name))
        assert result.exit_code == 0, result.output
    attached = dtl("source", "attach", "nc-2025-03-10", str(ARTICLES["nc-2025-03-10"]))
    assert attached.exit_code == 0, attached.output


def test_init_twice_is_harmless(dtl: Dtl) -> None:
    first = dtl("init")
    second = dtl("init")
    assert first.exit_code == 0
    assert f"schema none -> {HEAD_REVISION}" in first.output
    assert second.exit_code == 0
    assert "up to date" in second.output


def test_commands_on_an_uninitialised_database_exit_3_with_a_hint(dtl: Dtl) -> None:
    result = dtl("log")
    assert result.exit_code == 3
    assert "dtl init" in result.output


def test_append_then_log_shows_the_event(sourced: Dtl) -> None:
    result = sourced(
        "append", "position.declined", "--actor", "Italy", "--occurred", "2025-03-10", "--id", "it-declined",
        *CITE_TEST_SOURCE,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "appended it-declined at position 2" in result.output
    listed = json.loads(sourced("log", "--json").output)
    [_, event] = listed["events"]
    assert (event["actor"], event["type"], event["data"]) == ("IT", "position.declined", {"scope": "participation"})
    assert event["verified"] is False  # its source cited without a quote
    assert {"position", "stream_version", "recorded_at", "hash", "verified"} <= set(event)


def test_append_with_a_stale_expected_version_exits_1_naming_stream_and_version(sourced: Dtl) -> None:
    args = ("append", "position.undecided", "--actor", "DE", "--occurred", "2025-03-10", *CITE_TEST_SOURCE)
    assert sourced(*args, "--expected-version", "0").exit_code == 0
    result = sourced(*args, "--expected-version", "0")
    assert result.exit_code == 1
    assert "stream 'ukraine-coalition' is at version 1, not the expected version 0" in result.output


@pytest.mark.parametrize(
    ("args", "flag", "message"),
    [
        (["--actor", "Narnia"], "--actor", "unknown actor 'Narnia'"),
        (["--occurred", "2025-02-30"], "--occurred", "not a real calendar date"),
        (["--data", '{"offers": ["tanks"]}'], "--data.offers[0]", "Input should be"),
        (["--data", "{not json"], "--data", "malformed JSON"),
        (["--source", "nowhere", "--quote", "x"], "--source", "unknown source 'nowhere'"),
    ],
)
def test_bad_append_flags_exit_2_naming_the_flag(initialised: Dtl, args: list[str], flag: str, message: str) -> None:
    base = {"--actor": "PL", "--occurred": "2025-03-10", "--data": '{"offers": ["logistics"]}'}
    for name, value in zip(args[::2], args[1::2], strict=True):
        base[name] = value
    result = initialised("append", "pledge.made", *[item for pair in base.items() for item in pair])
    assert result.exit_code == 2, result.output
    assert f"field {flag}" in result.output
    assert message in result.output


BAD_LINES = [
    ('{"type": "pledge.made", "occurred": "2025-03-10", "actor": "PL", "data": {"offers": ["logistics"]}', None),
    ('{"type": "pledge.mad", "occurred": "2025-03-10", "actor": "PL", "data": {}}', "type"),
    ('{"type": "pledge.made", "occurred": "2025-03-10", "actor": "PL", "data": {"offers": ["naval"]}, "x": 1}', "x"),
    ('{"type": "pledge.made", "occurred": "2025-02-30", "actor": "PL", "data": {"offers": ["naval"]}}', "occurred"),
    ('{"type": "pledge.made", "occurred": "2025-03-10", "actor": "Atlantis", "data": {"offers": ["naval"]}}', "actor"),
    (
        '{"type": "pledge.made", "occurred": "2025-03-10", "actor": "PL", "data": {"offers": ["navy"]}}',
        "data.offers[0]",
    ),
    (
        '{"type": "pledge.made", "occurred": "2025-03-10", "actor": "PL", "data": {"offers": ["naval"]},'
        ' "sources": [{"source": "unregistered", "quote": "q"}]}',
        "sources[0].source",
    ),
    (
        '{"type": "pledge.made", "occurred": "2025-03-10", "actor": "PL", "data": {"offers": ["naval"]},'
        ' "sources": [{"source": "nc-2025-03-10", "quote": "Poland will send a navy"}]}',
        "sources[0].quote",
    ),
]


@pytest.mark.parametrize(("bad_line", "field"), BAD_LINES)
def test_bad_import_line_exits_2_naming_file_line_and_field_and_writes_nothing(
    initialised: Dtl, database_url: str, tmp_path: Path, bad_line: str, field: str | None
) -> None:
    load_fixture_log(initialised)
    good = (
        '{"id": "fine", "type": "position.undecided", "occurred": "2025-03-10", "actor": "ES",'
        ' "sources": [{"source": "nc-2025-03-10"}]}'
    )
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{good}\n\n{bad_line}\n{good.replace('fine', 'after')}\n", encoding="utf-8")
    before = snapshot_of(database_url)
    result = initialised("import", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:3" in result.output
    if field is not None:
        assert f"field {field}" in result.output
    assert snapshot_of(database_url) == before


def test_import_from_stdin_and_export_round_trip(initialised: Dtl, tmp_path: Path, sqlite_url: str) -> None:
    load_example(initialised)
    exported = initialised("export", "--format", "jsonl").output
    assert len(exported.splitlines()) == 49
    again = Path(sqlite_url.removeprefix("sqlite:///")).with_name("again.db")
    from click.testing import CliRunner

    from cli.main import main

    runner = CliRunner()
    other = f"sqlite:///{again}"
    assert runner.invoke(main, ["--db", other, "init"]).exit_code == 0
    imported = runner.invoke(main, ["--db", other, "import", "-"], input=exported)
    assert imported.exit_code == 0, imported.output
    assert runner.invoke(main, ["--db", other, "export"]).output == exported
    original = [json.loads(line) for line in exported.splitlines()]
    sources = (EXAMPLE / "sources.jsonl").read_text().splitlines() + (EXAMPLE / "events.jsonl").read_text().splitlines()
    assert [event["id"] for event in original] == [json.loads(line)["id"] for line in sources]


def test_export_to_a_file(initialised: Dtl, tmp_path: Path) -> None:
    load_example(initialised)
    out = tmp_path / "log.jsonl"
    assert initialised("export", "--out", str(out)).exit_code == 0
    assert len(out.read_text().splitlines()) == 49
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left beside the target


def test_reimporting_the_same_file_changes_nothing(initialised: Dtl) -> None:
    load_example(initialised)
    result = initialised("import", str(EXAMPLE / "events.jsonl"))
    assert result.exit_code == 0
    assert "imported no new events" in result.output
    assert "47 already present" in result.output


def test_verify_is_clean_then_names_a_tampered_position(initialised: Dtl, database_url: str) -> None:
    load_example(initialised)
    clean = initialised("verify")
    assert clean.exit_code == 0
    assert "ok: 49 events" in clean.output
    from core import EventStore
    from tests.support import drop_append_only_guards, execute_sql

    store = EventStore.open(database_url)
    try:
        drop_append_only_guards(store)
        execute_sql(store, "UPDATE events SET body = replace(body, 'logistics', 'troops') WHERE position = 10")
    finally:
        store.close()
    result = initialised("verify")
    assert result.exit_code == 1
    assert "position 10" in result.output


def test_verify_checkpoint_and_expect(initialised: Dtl) -> None:
    load_example(initialised)
    checkpoint = initialised("verify", "--checkpoint").output.split()
    assert checkpoint[0] == "position"
    assert checkpoint[1] == "49"
    assert initialised("verify", "--expect", checkpoint[3]).exit_code == 0
    assert initialised("verify", "--expect", "f" * 64).exit_code == 1


def test_source_add_from_a_file_verifies_quotes_on_append(initialised: Dtl) -> None:
    added = initialised(
        "source", "add", str(ARTICLES["nc-2025-03-10"]), "--id", "nc-2025-03-10",
        "--publisher", "Northgate Courier", "--published", "2025-03-10",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "with its text" in added.output
    listed = json.loads(initialised("source", "list", "--json").output)
    assert listed["sources"][0]["text"] is True
    ok = initialised(
        "append", "position.declined", "--actor", "IT", "--occurred", "2025-03-10",
        "--source", "nc-2025-03-10", "--quote", "Rome has turned the invitation down.",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    [event] = [e for e in json.loads(initialised("log", "--json").output)["events"] if e["type"] != "source.registered"]
    assert event["verified"] is True


def test_attaching_the_wrong_file_is_refused(initialised: Dtl) -> None:
    load_fixture_log(initialised)
    result = initialised("source", "attach", "nc-2025-03-17", str(ARTICLES["nc-2025-03-10"]))
    assert result.exit_code == 2
    assert "sha256" in result.output


def test_database_url_credentials_are_masked_in_errors() -> None:
    from click.testing import CliRunner

    from cli.main import main

    url = "postgresql+psycopg://analyst:s3cret@127.0.0.1:1/nowhere"
    result = CliRunner().invoke(main, ["--db", url, "log"])
    assert result.exit_code == 3
    assert "s3cret" not in result.output
    assert "analyst:***@" in result.output
