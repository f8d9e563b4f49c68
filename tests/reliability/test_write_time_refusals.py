"""The red-team cases of issue 12 that the log used to accept, through `dtl` on SQLite and PostgreSQL.

A pledge with no source, an unsourced retraction and an event dated after the article that reports
it appended with exit 0 into a log that can never drop them; a correction of a source's publication
date was accepted and then ignored everywhere; an event with the id `source:reuters-9` blocked that
source's registration for ever; one writer whose clock said 2031 froze "known at" for everyone. Each
is now refused with exit 2 naming the flag, leaving the database exactly as it was, or honoured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from tests.reliability.conftest import assert_no_traceback, dump_database, invoke

ARTICLE = "ft-2025-03-10"
PLEDGE = ("append", "pledge.made", "--id", "pl", "--actor", "PL", "--data", '{"offers": ["logistics"]}')


@pytest.fixture
def log(database_url: str) -> str:
    """A log holding one article, published on 10 March 2025 (registered without its text)."""
    for args in (("init",), ("source", "add", "--id", ARTICLE, "--publisher", "FT", "--published", "2025-03-10")):
        result = invoke(database_url, *args)
        assert result.exit_code == 0, result.output
    return database_url


def ok(url: str, *args: str) -> Any:
    result = invoke(url, *args)
    assert result.exit_code == 0, result.output
    return result


def refused(url: str, *args: str, flag: str, words: str) -> None:
    """Run `dtl ARGS`: exit 2 naming the flag, no traceback, and the database exactly as it was."""
    before = dump_database(url)
    result = invoke(url, *args)
    assert result.exit_code == 2, result.output
    assert f"field {flag}:" in result.output
    assert words in result.output
    assert_no_traceback(result.output)
    assert dump_database(url) == before


def test_a_pledge_with_no_source_is_refused(log: str) -> None:
    refused(log, *PLEDGE, "--occurred", "2025-03-10", flag="--source", words="cites no source")


def test_an_unsourced_retraction_is_refused(log: str) -> None:
    ok(log, *PLEDGE, "--occurred", "2025-03-10", "--source", ARTICLE)
    retract = ("append", "event.retracted", "--occurred", "2025-03-10", "--data", '{"target": "pl", "reason": "x"}')
    refused(log, *retract, flag="--source", words="cites no source")
    ok(log, *retract, "--source", ARTICLE)


def test_an_event_dated_after_the_article_that_reports_it_is_refused(log: str) -> None:
    refused(log, *PLEDGE, "--occurred", "2025-04-01", "--source", ARTICLE, flag="--occurred",
            words="after source 'ft-2025-03-10' was published on 2025-03-10")  # fmt: skip


def test_an_import_with_one_event_dated_after_its_source_writes_nothing(log: str, tmp_path: Path) -> None:
    cited = [{"source": ARTICLE}]
    lines = [
        {"id": "early", "type": "position.in_talks", "occurred": "2025-03-09", "actor": "FI", "sources": cited},
        {"id": "late", "type": "position.in_talks", "occurred": "2025-04-01", "actor": "SE", "sources": cited},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    before = dump_database(log)
    result = invoke(log, "import", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:2, field occurred:" in result.output
    assert dump_database(log) == before


def test_an_event_cannot_take_a_source_id_and_block_its_registration(log: str) -> None:
    refused(log, "append", "position.in_talks", "--id", "source:reuters-9", "--actor", "FI", "--occurred",
            "2025-03-10", "--source", ARTICLE, flag="--id", words="reserved for source registrations")  # fmt: skip
    ok(log, "source", "add", "--id", "reuters-9", "--publisher", "Reuters", "--published", "2025-03-11")


def correct_article(url: str, published: str) -> None:
    data = {"source_id": ARTICLE, "publisher": "Financial Times", "published": published, "title": "Corrected"}
    fix = {"target": f"source:{ARTICLE}", "changes": {"data": data}, "reason": "print date"}
    ok(url, "append", "event.corrected", "--id", f"fix-{published}", "--occurred", "2025-03-10", "--source", ARTICLE,
       "--data", json.dumps(fix))  # fmt: skip


def test_a_corrected_publication_date_is_used_by_the_source_list_why_relative_dates_and_the_audit(
    log: str, tmp_path: Path
) -> None:
    correct_article(log, "2025-03-17")
    [listed] = json.loads(ok(log, "source", "list", "--json").stdout)["sources"]
    assert (listed["published"], listed["publisher"], listed["title"]) == ("2025-03-17", "Financial Times", "Corrected")
    # "last week" is read from the corrected publication day, a Monday
    appended = json.loads(ok(log, "append", "position.in_talks", "--id", "fi", "--actor", "FI",
                             "--occurred-text", "last week", "--source", ARTICLE, "--json").stdout)  # fmt: skip
    assert appended["resolved"]["edtf"] == "2025-03-10/2025-03-16"
    why = json.loads(ok(log, "why", "FI", "--as-of", "2025-03-17", "--json").stdout)
    assert {citation["published"] for event in why["events"] for citation in event["sources"]} == {"2025-03-17"}
    audit = json.loads(invoke(log, "audit", "--json").stdout)
    assert not [finding for finding in audit["findings"] if finding["kind"] == "occurred_after_publication"]
    ok(log, "report", "--out", str(tmp_path / "report.html"))
    assert "2025-03-17" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_a_source_correction_cannot_change_its_sha256_nor_strand_an_event_citing_it(log: str) -> None:
    ok(log, *PLEDGE, "--occurred", "2025-03-10", "--source", ARTICLE)
    data = {"source_id": ARTICLE, "publisher": "FT", "published": "2025-03-10", "sha256": "a" * 64}
    fix = json.dumps({"target": f"source:{ARTICLE}", "changes": {"data": data}, "reason": "other text"})
    refused(log, "append", "event.corrected", "--occurred", "2025-03-10", "--source", ARTICLE, "--data", fix,
            flag="--data.changes.data.sha256", words="cannot change a source's sha256")  # fmt: skip
    earlier = {"source_id": ARTICLE, "publisher": "FT", "published": "2025-03-09"}
    fix = json.dumps({"target": f"source:{ARTICLE}", "changes": {"data": earlier}, "reason": "print date"})
    refused(log, "append", "event.corrected", "--occurred", "2025-03-09", "--source", ARTICLE, "--data", fix,
            flag="--data.changes.data.published", words="'pl' occurred 2025-03-10")  # fmt: skip


def test_a_registration_is_not_retracted_while_an_event_cites_it(log: str) -> None:
    ok(log, *PLEDGE, "--occurred", "2025-03-10", "--source", ARTICLE)
    retract = json.dumps({"target": f"source:{ARTICLE}", "reason": "registered twice"})
    refused(log, "append", "event.retracted", "--occurred", "2025-03-10", "--source", ARTICLE, "--data", retract,
            flag="--data.target", words="a registration is not retracted while events cite it")  # fmt: skip


@pytest.mark.postgres
def test_a_writer_whose_clock_says_2031_does_not_freeze_known_at_on_postgresql(postgres_url: str) -> None:
    for args in (("init",), ("source", "add", "--id", ARTICLE, "--publisher", "FT", "--published", "2025-03-10")):
        ok(postgres_url, *args)
    # this process's clock says 2031 (the driver keeps real time, so the connection itself still works)
    with freeze_time("2031-01-01", ignore=["psycopg", "sqlalchemy"]):
        ok(postgres_url, *PLEDGE, "--occurred", "2025-03-10", "--source", ARTICLE)
    ok(postgres_url, "append", "position.in_talks", "--id", "fi", "--actor", "FI", "--occurred", "2025-03-10",
       "--source", ARTICLE)  # fmt: skip
    events = json.loads(ok(postgres_url, "log", "--json").stdout)["events"]
    assert all(event["recorded_at"] < "2031" for event in events)
    state = json.loads(ok(postgres_url, "state", "--as-of", "2025-03-10", "--known-at", "2030-12-31", "--json").stdout)
    assert {"PL", "FI"} <= set(state["members"])
