"""`dtl report`, `chart`, `export --format csv|timelinejs`, `date` and `append --occurred-text`, on each backend."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.cli.conftest import Dtl
from tests.support import ARTICLES, FIXTURES, fixture_objects, read_jsonl

# The shape TimelineJS3 reads (its JSON format documentation and TimelineConfig/TLDate): a timeline has events,
# each a slide with a start_date whose parts are whole numbers; text.headline and text.text are HTML strings.
_DATE = {
    "type": "object",
    "required": ["year"],
    "properties": {
        "year": {"type": "integer"},
        "month": {"type": "integer", "minimum": 1, "maximum": 12},
        "day": {"type": "integer", "minimum": 1, "maximum": 31},
        "hour": {"type": "integer"},
        "minute": {"type": "integer"},
        "second": {"type": "integer"},
        "millisecond": {"type": "integer"},
        "display_date": {"type": "string"},
        "format": {"type": "string"},
    },
    "additionalProperties": False,
}
_TEXT = {
    "type": "object",
    "properties": {"headline": {"type": "string"}, "text": {"type": "string"}},
    "additionalProperties": False,
}
_SLIDE_PROPERTIES = {
    "start_date": _DATE,
    "end_date": _DATE,
    "text": _TEXT,
    "media": {"type": "object", "required": ["url"]},
    "group": {"type": "string"},
    "display_date": {"type": "string"},
    "background": {"type": "object"},
    "autolink": {"type": "boolean"},
    "unique_id": {"type": "string"},
}
TIMELINEJS3_SCHEMA = {
    "type": "object",
    "required": ["events"],
    "properties": {
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["start_date"],
                "properties": _SLIDE_PROPERTIES,
                "additionalProperties": False,
            },
        },
        "title": {"type": "object", "properties": _SLIDE_PROPERTIES, "additionalProperties": False},
        "eras": {"type": "array"},
        "scale": {"enum": ["human", "cosmological"]},
    },
    "additionalProperties": False,
}


# the fixture log (tests/fixtures/): 2 sources, then 28 events citing them
FIXTURE_EVENTS = 28


@pytest.fixture
def logged(initialised: Dtl) -> Dtl:
    """A log holding the fixture log, with the text of its first article attached (the second's is not)."""
    for name in ("sources.jsonl", "events.jsonl"):
        assert initialised("import", str(FIXTURES / name)).exit_code == 0
    assert initialised("source", "attach", "nc-2025-03-10", str(ARTICLES["nc-2025-03-10"])).exit_code == 0
    return initialised


def run(dtl: Dtl, *args: str, code: int = 0):
    result = dtl(*args)
    assert result.exit_code == code, result.output
    return result


def test_the_report_is_one_html_file_with_both_charts_the_timeline_and_the_audit(logged: Dtl, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run(logged, "report", "--out", str(out))
    assert "wrote" in result.output
    assert f"{FIXTURE_EVENTS} events" in result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 2
    assert 'id="size-chart"' in page
    assert 'id="stance-chart"' in page
    assert page.count("<li class=event") == FIXTURE_EVENTS
    assert "nc-0310-pl-logistics" in page
    assert "Poland offers logistics; rules out troops" in page
    assert "more than 30" in page
    assert '<section id="audit">' in page
    assert "unverified_quote" in page  # the second article's text is not attached
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left beside the target


def test_the_report_loads_nothing_from_anywhere(logged: Dtl, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run(logged, "report", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page.replace('href="https://', ""))
    assert "default-src 'none'" in page
    assert "@font-face" not in page


def test_the_report_is_the_same_every_time(logged: Dtl, tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    run(logged, "report", "--out", str(first))
    run(logged, "report", "--out", str(second))
    assert first.read_bytes() == second.read_bytes()


def test_stored_text_is_escaped_in_the_report(logged: Dtl, tmp_path: Path) -> None:
    run(
        logged,
        "append",
        "position.in_talks",
        "--actor",
        "FI",
        "--occurred",
        "2025-03-17",
        "--id",
        "hostile",
        "--note",
        "<script>alert(1)</script>",
        "--source",
        "nc-2025-03-17",
        "--quote",
        "<img src=x onerror=alert(1)>",
        "--unverified",
    )
    run(
        logged,
        "append",
        "count.reported",
        "--actor",
        "GB",
        "--occurred",
        "2025-03-17",
        "--source",
        "nc-2025-03-17",
        "--data",
        json.dumps(
            {
                "subject": "participants",
                "comparator": ">",
                "amount": 30,
                "attributed_to": "--><script>alert(2)</script> $\\frac{1}{$",
                "raw": "<b>30</b>",
            }
        ),
    )
    out = tmp_path / "report.html"
    run(logged, "report", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "<b>30</b>" not in page


def test_a_report_window_limits_the_timeline(logged: Dtl, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run(logged, "report", "--from", "2025-03-17", "--to", "2025-03-17", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert "nc-0310-pl-logistics'" not in page
    assert "nc-0317-gb-more-than-30" in page
    assert "<h2>As of 2025-03-17</h2>" in page


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--stream", "nope"), "--stream"),
        (("--from", "2025-03-17", "--to", "2025-03-10"), "--to"),
        (("--to", "17 March"), "--to"),
    ],
)
def test_report_refuses_bad_input_with_a_next_step(logged: Dtl, tmp_path: Path, args, field) -> None:
    result = run(logged, "report", "--out", str(tmp_path / "r.html"), *args, code=2)
    assert f"field {field}" in result.output
    assert "hint:" in result.output or "EDTF" in result.output
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("suffix", ["png", "svg"])
@pytest.mark.parametrize("kind", ["size", "stances"])
def test_each_chart_is_written_alone_as_png_or_svg(logged: Dtl, tmp_path: Path, kind: str, suffix: str) -> None:
    out = tmp_path / f"{kind}.{suffix.upper() if kind == 'size' else suffix}"
    run(logged, "chart", kind, "--out", str(out))
    data = out.read_bytes()
    if suffix == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"<svg" in data
        assert b"<dc:date>" not in data  # no clock in the file: the same log gives the same bytes


def test_a_chart_needs_an_image_file_name(logged: Dtl, tmp_path: Path) -> None:
    result = run(logged, "chart", "size", "--out", str(tmp_path / "size.pdf"), code=2)
    assert "hint: end the name in .png or .svg" in result.output


def test_the_troop_size_chart_draws_the_troop_claims(logged: Dtl, tmp_path: Path) -> None:
    out = tmp_path / "troops.svg"
    run(logged, "chart", "size", "--subject", "troops", "--out", str(out))
    drawn = out.read_text(encoding="utf-8")
    assert "<!-- “as many as 25,000” -->" in drawn  # glyphs are paths; matplotlib notes the text


def test_csv_export_has_one_row_per_event_and_source(logged: Dtl, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    run(logged, "export", "--format", "csv", "--out", str(out))
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    events = fixture_objects()
    assert len(rows) == sum(max(1, len(event.get("sources", []))) for event in events)
    poland = next(row for row in rows if row["id"] == "nc-0310-pl-logistics")
    assert poland["actor_name"] == "Poland"
    assert poland["earliest"] == poland["latest"] == "2025-03-10"
    assert poland["publisher"] == "Northgate Courier"
    assert poland["quote_status"] == "verified"
    assert json.loads(poland["data"]) == {"offers": ["logistics"], "ruled_out": ["troops"]}
    registered = next(row for row in rows if row["id"] == "source:nc-2025-03-10")
    assert registered["source"] == ""  # an event citing no source still gets its row


def test_csv_export_defuses_cells_a_spreadsheet_would_run(logged: Dtl) -> None:
    run(
        logged,
        "append",
        "position.in_talks",
        "--actor",
        "FI",
        "--occurred",
        "2025-03-17",
        "--note",
        '=HYPERLINK("http://evil")',
        "--source",
        "nc-2025-03-17",
        "--quote",
        "x",
        "--unverified",
    )
    rows = list(csv.DictReader(io.StringIO(run(logged, "export", "--format", "csv").output)))
    assert rows[-1]["note"] == '\'=HYPERLINK("http://evil")'


def test_csv_export_respects_the_stream(logged: Dtl) -> None:
    rows = list(csv.DictReader(io.StringIO(run(logged, "export", "--format", "csv", "--stream", "sources").output)))
    assert {row["type"] for row in rows} == {"source.registered"}


def test_the_timelinejs_export_has_the_shape_timelinejs3_reads(logged: Dtl, tmp_path: Path) -> None:
    out = tmp_path / "timeline.json"
    run(logged, "export", "--format", "timelinejs", "--stream", "ukraine-coalition", "--out", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(document, TIMELINEJS3_SCHEMA)
    slides = document["events"]
    assert len(slides) == FIXTURE_EVENTS
    assert len({slide["unique_id"] for slide in slides}) == len(slides)
    for slide in slides:
        assert set(slide["start_date"]) == {"year", "month", "day"}
        assert slide["text"]["headline"]
        if "end_date" in slide:
            start, end = (tuple(slide[key].values()) for key in ("start_date", "end_date"))
            assert start < end
    last_week = next(slide for slide in slides if slide["unique_id"] == "nc-0310-gb-about-20")
    assert last_week["start_date"] == {"year": 2025, "month": 3, "day": 3}
    assert last_week["end_date"] == {"year": 2025, "month": 3, "day": 9}
    assert last_week["group"] == "United Kingdom"
    assert "&quot;about 20&quot;" in last_week["text"]["text"]  # the quote, escaped: TimelineJS reads HTML
    assert "Northgate Courier" in last_week["text"]["text"]
    assert document["title"]["text"]["headline"].startswith("ukraine-coalition")


def test_the_timelinejs_export_shows_what_happened_after_corrections(logged: Dtl) -> None:
    run(
        logged,
        "append",
        "event.retracted",
        "--occurred",
        "2025-03-10",
        "--source",
        "nc-2025-03-10",
        "--data",
        '{"target": "nc-0310-pl-logistics", "reason": "misread"}',
    )
    document = json.loads(run(logged, "export", "--format", "timelinejs").output)
    ids = {slide["unique_id"] for slide in document["events"]}
    assert "nc-0310-pl-logistics" not in ids
    assert not any(slide["unique_id"].startswith("source:") for slide in document["events"])


def test_jsonl_export_still_round_trips(logged: Dtl, tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    run(logged, "export", "--out", str(out))
    assert len(read_jsonl(out)) == 2 + FIXTURE_EVENTS


def test_export_to_a_missing_folder_says_what_to_do(logged: Dtl, tmp_path: Path) -> None:
    result = run(logged, "export", "--format", "csv", "--out", str(tmp_path / "no" / "such.csv"), code=2)
    assert "hint: check that the folder exists" in result.output


def test_date_shows_the_edtf_value_its_days_and_the_rule(initialised: Dtl) -> None:
    result = run(initialised, "date", "last week", "--anchor", "2025-03-10")
    assert "2025-03-03/2025-03-09" in result.output
    assert "earliest  2025-03-03 (Monday)" in result.output
    assert "latest    2025-03-09 (Sunday)" in result.output
    document = json.loads(run(initialised, "date", "at the weekend", "--anchor", "2025-03-17", "--json").output)
    assert document["edtf"] == "2025-03-15/2025-03-16"


def test_date_refuses_an_ambiguous_phrase_with_exit_2(initialised: Dtl) -> None:
    result = run(initialised, "date", "Saturday", "--anchor", "2025-03-10", code=2)
    assert "field PHRASE" in result.output
    assert 'hint: write "on Saturday"' in result.output


def test_append_resolves_the_phrase_against_the_sources_publication_date(logged: Dtl) -> None:
    result = run(
        logged,
        "append",
        "position.in_talks",
        "--actor",
        "NO",
        "--id",
        "no-talks",
        "--occurred-text",
        "on Sunday",
        "--source",
        "nc-2025-03-10",
        "--quote",
        "Norway's foreign minister said on Sunday",
    )
    assert "'on Sunday' written on 2025-03-10 is 2025-03-09" in result.output
    (event,) = json.loads(run(logged, "log", "--actor", "NO", "--type", "position.in_talks", "--json").output)["events"]
    assert (event["occurred"], event["occurred_text"]) == ("2025-03-09", "on Sunday")


def test_append_resolves_against_published_and_reports_it_in_json(logged: Dtl) -> None:
    result = run(
        logged,
        "append",
        "position.in_talks",
        "--actor",
        "FI",
        "--occurred-text",
        "last week",
        "--published",
        "2025-03-17",
        "--source",
        "nc-2025-03-17",
        "--json",
    )
    document = json.loads(result.output)
    assert document["resolved"]["edtf"] == "2025-03-10/2025-03-16"
    assert document["appended"]["position"] == 2 + FIXTURE_EVENTS + 1


def test_append_refuses_an_ambiguous_phrase_and_asks_for_a_date(logged: Dtl) -> None:
    result = run(
        logged,
        "append",
        "position.in_talks",
        "--actor",
        "FI",
        "--occurred-text",
        "recently",
        "--source",
        "nc-2025-03-17",
        code=2,
    )
    assert "field --occurred-text" in result.output
    assert "give the date explicitly as EDTF" in result.output
    assert json.loads(run(logged, "log", "--json").output)["events"][-1]["id"] == "nc-0317-us-no-air-cover"


def test_append_keeps_the_phrase_as_given_when_the_date_is_explicit(logged: Dtl) -> None:
    run(
        logged,
        "append",
        "position.in_talks",
        "--actor",
        "FI",
        "--id",
        "fi",
        "--occurred",
        "2025-03-12",
        "--occurred-text",
        "recently",
        "--source",
        "nc-2025-03-17",
    )
    event = json.loads(run(logged, "log", "--json").output)["events"][-1]
    assert (event["occurred"], event["occurred_text"]) == ("2025-03-12", "recently")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((), "--occurred"),
        (("--occurred-text", "last week"), "--occurred-text"),
        (("--occurred-text", "last week", "--source", "nope"), "--source"),
        (("--occurred-text", "last week", "--published", "10/03/2025"), "--published"),
    ],
)
def test_append_without_a_usable_date_names_the_flag_and_the_next_step(logged: Dtl, args, field) -> None:
    result = run(logged, "append", "position.in_talks", "--actor", "FI", *args, code=2)
    assert f"field {field}" in result.output
    assert "hint:" in result.output


def test_the_report_says_who_recorded_each_event(logged: Dtl, tmp_path: Path) -> None:
    run(
        logged, "--by", "Ann <Analyst>", "append", "position.in_talks", "--actor", "FI", "--occurred", "2025-03-17",
        "--id", "by-ann", "--source", "nc-2025-03-17", "--unverified",
    )  # fmt: skip
    out = tmp_path / "report.html"

    run(logged, "report", "--out", str(out))

    page = out.read_text(encoding="utf-8")
    entry = page[page.index("id='event-by-ann'") :].split("<li class=event", 1)[0]
    assert "log position 31 · recorded by Ann &lt;Analyst&gt;</div>" in entry
