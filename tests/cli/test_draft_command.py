"""`dtl draft`: drafts from a registered source or a file, importable as they are; bad input exits 2, writes nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from events import parse_event
from tests.support import FIXTURES

ARTICLE = FIXTURES / "drafting" / "harbourside-2025-06-02.txt"
SOURCE = "hg-2025-06-02"


@pytest.fixture
def dtl(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", url, *args], catch_exceptions=False)

    assert run("init").exit_code == 0
    return run


@pytest.fixture
def registered(dtl):
    """A log holding the fixture article registered by its sha256, its text attached afterwards."""
    digest = hashlib.sha256(ARTICLE.read_bytes()).hexdigest()
    added = dtl("source", "add", "--id", SOURCE, "--publisher", "Harbourside Gazette", "--published", "2025-06-02",
                "--sha256", digest)  # fmt: skip
    assert added.exit_code == 0, added.output
    attached = dtl("source", "attach", SOURCE, str(ARTICLE))
    assert attached.exit_code == 0, attached.output
    return dtl


def lines(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_drafts_of_a_registered_source_import_with_their_quotes_verified(registered, tmp_path):
    drafted = registered("draft", "--source", SOURCE, "--out", str(tmp_path / "drafts.jsonl"))
    assert drafted.exit_code == 0, drafted.output
    imported = registered("import", str(tmp_path / "drafts.jsonl"))
    assert imported.exit_code == 0, imported.output
    logged = json.loads(registered("log", "--json").stdout)["events"]
    drafts = [event for event in logged if event["id"].startswith("draft-")]
    assert len(drafts) == len((tmp_path / "drafts.jsonl").read_text().splitlines()) > 10
    assert all(event["verified"] for event in drafts)


def test_importing_the_drafts_twice_adds_nothing(registered, tmp_path):
    out = tmp_path / "drafts.jsonl"
    registered("draft", "--source", SOURCE, "--out", str(out))
    registered("import", str(out))
    again = registered("import", str(out))
    assert again.exit_code == 0
    assert "no new events" in again.output


def test_drafting_twice_is_byte_identical(registered, tmp_path):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    registered("draft", "--source", SOURCE, "--out", str(first))
    registered("draft", "--source", SOURCE, "--out", str(second))
    assert first.read_bytes() == second.read_bytes()


def test_drafts_of_a_file_equal_those_of_the_registered_source(registered):
    from_source = registered("draft", "--source", SOURCE, "--stream", "grain-corridor")
    from_file = registered("draft", str(ARTICLE), "--published", "2025-06-02", "--source-id", SOURCE,
                           "--stream", "grain-corridor")  # fmt: skip
    assert from_file.exit_code == 0, from_file.output
    assert from_file.stdout == from_source.stdout


def test_every_draft_is_an_interchange_event_with_the_stream_given(dtl):
    result = dtl("draft", str(ARTICLE), "--published", "2025-06-02", "--stream", "grain-corridor")
    assert result.exit_code == 0, result.output
    for draft in lines(result):
        assert parse_event(draft, "elsewhere").stream == "grain-corridor"
        assert draft["sources"][0]["source"] == "harbourside-2025-06-02"  # the file's name by default
        assert draft["note"].startswith("drafted by rule")


def test_against_marks_the_drafts_the_log_already_holds(registered, tmp_path):
    out = tmp_path / "drafts.jsonl"
    registered("draft", "--source", SOURCE, "--out", str(out))
    kept = out.read_text().splitlines()[:3]
    (tmp_path / "some.jsonl").write_text("\n".join(kept) + "\n")
    assert registered("import", str(tmp_path / "some.jsonl")).exit_code == 0
    result = registered("draft", "--source", SOURCE, "--against")
    assert result.exit_code == 0, result.output
    marked = [draft["id"] for draft in lines(result) if "the log already holds it" in draft["note"]]
    assert set(marked) >= {json.loads(line)["id"] for line in kept}
    assert f"{len(marked)} of them already in the log" in result.stderr


# -- bad input: exit 2, a message naming what was wrong, nothing written ----------------------------------------------


def refused(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for word in words:
        assert word in result.stderr


def test_an_unknown_source_is_refused(dtl, tmp_path):
    out = tmp_path / "drafts.jsonl"
    refused(dtl("draft", "--source", "nowhere", "--out", str(out)), "--source", "unknown source 'nowhere'")
    assert not out.exists()


def test_a_source_without_its_text_is_refused(dtl):
    digest = hashlib.sha256(ARTICLE.read_bytes()).hexdigest()
    dtl("source", "add", "--id", SOURCE, "--publisher", "HG", "--published", "2025-06-02", "--sha256", digest)
    refused(dtl("draft", "--source", SOURCE), "--source", "no text stored")


def test_a_binary_file_is_refused(dtl, tmp_path):
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02")
    out = tmp_path / "drafts.jsonl"
    refused(dtl("draft", str(binary), "--published", "2025-06-02", "--out", str(out)), "scan.pdf", "binary")
    assert not out.exists()


def test_a_file_not_in_utf8_is_refused(dtl, tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 diplomacy has offered help.".encode("latin-1"))
    refused(dtl("draft", str(latin), "--published", "2025-06-02"), "latin.txt", "UTF-8")


@pytest.mark.parametrize("content", ["", "  \n\n  "])
def test_an_empty_file_is_refused(dtl, tmp_path, content):
    empty = tmp_path / "empty.txt"
    empty.write_text(content)
    refused(dtl("draft", str(empty), "--published", "2025-06-02"), "empty.txt", "empty")


def test_a_file_without_its_publication_date_is_refused(dtl):
    refused(dtl("draft", str(ARTICLE)), "--published")


@pytest.mark.parametrize("day", ["2025-02-30", "yesterday", "10/03/2025"])
def test_a_publication_date_that_is_no_day_is_refused(dtl, day):
    refused(dtl("draft", str(ARTICLE), "--published", day), "--published", "is not a day")


def test_a_missing_file_is_refused(dtl, tmp_path):
    refused(dtl("draft", str(tmp_path / "absent.txt"), "--published", "2025-06-02"), "absent.txt")


def test_file_and_source_together_are_a_usage_error(dtl):
    result = dtl("draft", str(ARTICLE), "--source", SOURCE)
    assert result.exit_code == 2
    assert result.stdout == ""
