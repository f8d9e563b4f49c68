"""`dtl report` and `dtl chart` survive one event dated at an end of the calendar (0001-01-01, 9999-12-31)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Dtl
from tests.support import ARTICLES, FIXTURES

FAR_FUTURE_TEXT = "The Far Courier, 31 December 9999.\n\nMalta says it is still considering the mission.\n"


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def with_fixture_log(initialised: Dtl) -> Dtl:
    """The fixture log, its first article attached."""
    ok(initialised("import", str(FIXTURES / "sources.jsonl")))
    ok(initialised("import", str(FIXTURES / "events.jsonl")))
    ok(initialised("source", "attach", "nc-2025-03-10", str(ARTICLES["nc-2025-03-10"])))
    return initialised


def add_year_one(dtl: Dtl) -> None:
    """Malta undecided on 0001-01-01, reported by the 10 March article (an analyst's typo, say)."""
    ok(dtl("append", "position.undecided", "--id", "mt-year-one", "--actor", "MT", "--occurred", "0001-01-01",
           "--source", "nc-2025-03-10", "--quote", "The prime minister will chair a video call"))  # fmt: skip


def add_year_9999(dtl: Dtl, tmp_path: Path) -> None:
    """Malta considering on 9999-12-31, reported by an article published that day."""
    article = tmp_path / "far.txt"
    article.write_text(FAR_FUTURE_TEXT, encoding="utf-8")
    ok(dtl("source", "add", str(article), "--id", "far-9999", "--publisher", "Far Courier",
           "--published", "9999-12-31"))  # fmt: skip
    ok(dtl("append", "position.considering", "--id", "mt-year-9999", "--actor", "MT", "--occurred", "9999-12-31",
           "--source", "far-9999", "--quote", "Malta says it is still considering"))  # fmt: skip


@pytest.mark.parametrize("ends", [("year one",), ("year 9999",), ("year one", "year 9999")])
def test_report_and_both_charts_are_written_with_events_at_the_ends_of_the_calendar(
    with_fixture_log: Dtl, tmp_path: Path, ends: tuple[str, ...]
) -> None:
    dtl = with_fixture_log
    if "year one" in ends:
        add_year_one(dtl)
    if "year 9999" in ends:
        add_year_9999(dtl, tmp_path)
    ok(dtl("report", "--out", str(tmp_path / "report.html")))
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="left-out"' in report  # the charts name the event they left off their axis
    for kind, suffix in (("size", "svg"), ("stances", "png"), ("stances", "svg"), ("size", "png")):
        ok(dtl("chart", kind, "--out", str(tmp_path / f"{kind}.{suffix}")))
        assert (tmp_path / f"{kind}.{suffix}").stat().st_size > 0


def test_a_window_over_the_whole_calendar_is_drawn(with_fixture_log: Dtl, tmp_path: Path) -> None:
    add_year_one(with_fixture_log)
    add_year_9999(with_fixture_log, tmp_path)
    window = ("--from", "0001-01-01", "--to", "9999-12-31")
    ok(with_fixture_log("report", "--out", str(tmp_path / "report.html"), *window))
    ok(with_fixture_log("chart", "stances", "--out", str(tmp_path / "stances.svg"), *window))
    ok(with_fixture_log("chart", "size", "--out", str(tmp_path / "size.svg"), "--from", "9999-12-31"))
