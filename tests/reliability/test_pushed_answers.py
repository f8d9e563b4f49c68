"""Answers that cannot be pushed wrong: quotes that prove nothing and dates in other digits are refused at the door,
and a date at an end of the calendar does not take the report down. Through `dtl`, on SQLite and PostgreSQL.

Each case here was accepted (or crashed) before: "Rome has turned ... agreed to weigh a contribution of its own"
(two paragraphs) verified as Italy weighing a contribution; "a" and "S...p...a...i...n" verified against any
article; `--occurred ２０２５-０３-１０` was stored; one event dated 0001-01-01 made `dtl report` crash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    BACKENDS,
    assert_no_traceback,
    count_events,
    events_file,
    fresh_database,
    invoke,
    load_fixture_log,
)

ARTICLE = "nc-2025-03-10"  # the fixture log's first article, attached by load_fixture_log

# quotes whose every letter is in the article, that prove nothing
EMPTY_QUOTES = {
    "across paragraphs": "Rome has turned ... agreed to weigh a contribution of its own",
    "one letter": "a",
    "letters joined by ellipses": "S...p...a...i...n",
    "fragments of two words": "Rome has turned ... invitation down ... Germany and Spain",
}
OTHER_DIGITS = {
    "full-width": "\uff12\uff10\uff12\uff15-\uff10\uff13-\uff11\uff10",
    "Arabic-Indic": "\u0662\u0660\u0662\u0665-\u0660\u0663-\u0661\u0660",
}


@pytest.fixture(scope="module", params=BACKENDS)
def fixture_log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture log, shared by the module's tests that change nothing (every one here is refused)."""
    with fresh_database(request.param, tmp_path_factory) as url:
        load_fixture_log(url)
        yield url


@pytest.fixture
def own_log(database_url: str) -> str:
    """The fixture log, for a test of its own that appends."""
    load_fixture_log(database_url)
    return database_url


def considering(quote: str, *extra: str, occurred: str = "2025-03-10") -> tuple[str, ...]:
    return ("append", "position.considering", "--actor", "IT", "--occurred", occurred, "--source", ARTICLE,
            "--quote", quote, *extra)  # fmt: skip


@pytest.mark.parametrize("case", EMPTY_QUOTES)
def test_a_quote_that_proves_nothing_is_refused_naming_the_quote_and_nothing_is_written(
    fixture_log: str, case: str
) -> None:
    before = count_events(fixture_log)
    result = invoke(fixture_log, *considering(EMPTY_QUOTES[case]))
    assert result.exit_code == 2, result.output
    assert "field --quote:" in result.output
    assert_no_traceback(result.output)
    assert count_events(fixture_log) == before


def test_a_file_with_such_a_quote_is_refused_whole_naming_its_line_and_field(fixture_log: str, tmp_path: Path) -> None:
    def line(event_id: str, quote: str) -> str:
        return json.dumps({"id": event_id, "type": "position.considering", "occurred": "2025-03-10", "actor": "IT",
                           "sources": [{"source": ARTICLE, "quote": quote}]})  # fmt: skip

    good = line("it-considering-ok", "Rome has turned the invitation down")
    path = events_file(tmp_path / "pushed.jsonl", [good, line("it-pushed", EMPTY_QUOTES["across paragraphs"])])
    before = count_events(fixture_log)
    result = invoke(fixture_log, "import", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:2, field sources[0].quote" in result.output
    assert count_events(fixture_log) == before


def test_unverified_records_such_a_quote_as_unverified_and_the_audit_calls_it_not_found(own_log: str) -> None:
    result = invoke(own_log, *considering(EMPTY_QUOTES["across paragraphs"], "--id", "it-pushed", "--unverified"))
    assert result.exit_code == 0, result.output
    logged = json.loads(invoke(own_log, "log", "--json").output)["events"]
    assert [event["verified"] for event in logged if event["id"] == "it-pushed"] == [False]
    audit = invoke(own_log, "audit", "--json")
    assert audit.exit_code == 1, audit.output
    findings = json.loads(audit.output)["findings"]
    assert [f["severity"] for f in findings if f["kind"] == "quote_not_found" and "it-pushed" in f["events"]] == [
        "error"
    ]


def test_fragments_of_three_words_in_order_within_one_paragraph_verify(own_log: str) -> None:
    quote = "Rome has turned ... too soon to commit ... under the right mandate"
    result = invoke(own_log, *considering(quote, "--id", "it-weighs"))
    assert result.exit_code == 0, result.output
    logged = json.loads(invoke(own_log, "log", "--json").output)["events"]
    assert [event["verified"] for event in logged if event["id"] == "it-weighs"] == [True]


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_a_date_in_other_digits_is_refused_saying_how_to_write_it(fixture_log: str, digits: str) -> None:
    before = count_events(fixture_log)
    result = invoke(fixture_log, *considering("Rome has turned the invitation down", occurred=OTHER_DIGITS[digits]))
    assert result.exit_code == 2, result.output
    assert "field --occurred:" in result.output
    assert "digits other than ASCII 0-9: write '2025-03-10'" in result.output
    assert count_events(fixture_log) == before


def test_a_file_dated_in_other_digits_is_refused_naming_its_line_and_field(fixture_log: str, tmp_path: Path) -> None:
    line = {"type": "position.considering", "occurred": OTHER_DIGITS["full-width"], "actor": "IT",
            "sources": [{"source": ARTICLE, "quote": "Rome has turned the invitation down"}]}  # fmt: skip
    path = events_file(tmp_path / "digits.jsonl", [json.dumps(line, ensure_ascii=False)])
    result = invoke(fixture_log, "import", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:1, field occurred" in result.output


def test_one_event_dated_in_year_one_leaves_the_report_and_the_charts_standing(own_log: str, tmp_path: Path) -> None:
    year_one = considering("Rome has turned the invitation down", "--id", "it-year-one", occurred="0001-01-01")
    assert invoke(own_log, *year_one).exit_code == 0
    for args in (
        ("report", "--out", str(tmp_path / "report.html")),
        ("chart", "size", "--out", str(tmp_path / "size.png")),
        ("chart", "stances", "--out", str(tmp_path / "stances.svg")),
    ):
        result = invoke(own_log, *args)
        assert result.exit_code == 0, result.output
        assert_no_traceback(result.output)
