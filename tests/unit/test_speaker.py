"""Who said it: the speaker travels with an event into the stored body, the timeline, the exports and the report."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from core.mapper import from_row, row_mismatch, to_row
from events import RecordedEvent, parse_event
from projections.changes import event_document
from projections.verification import QuoteChecker
from render.exports import CSV_COLUMNS, headline, timelinejs_document, write_csv
from tests.support import recorded

_COUNT = {
    "id": "gb-count",
    "type": "count.reported",
    "stream": "ukraine-coalition",
    "occurred": "2025-03-17",
    "occurred_text": "on Monday",
    "actor": "GB",
    "data": {"subject": "participants", "comparator": ">", "amount": 30, "attributed_to": "Downing Street"},
    "sources": [{"source": "nc-2025-03-17", "quote": "more than thirty countries are expected"}],
    "note": "an analyst's note",
}

# The body and hash core.mapper stored for _COUNT (mapped as _row maps it) before events had speakers (commit 129ec26):
# an event without a speaker must keep them, byte for byte, or the logs written before would no longer verify.
_BODY_BEFORE_SPEAKERS = (
    '{"actor":"GB","data":{"amount":30,"attributed_to":"Downing Street","comparator":">","subject":"participants"},'
    '"id":"gb-count","note":"an analyst\'s note","occurred":"2025-03-17","occurred_text":"on Monday","position":7,'
    '"recorded_at":"2025-04-01T00:00:00.000000Z","schema_version":1,"sources":[{"quote":"more than thirty countries'
    ' are expected","source":"nc-2025-03-17"}],"stream":"ukraine-coalition","stream_version":3,"type":"count.reported"}'
)
_HASH_BEFORE_SPEAKERS = "2b38e579edbc2c44519812cff285400f98abec7b276e4a5ff42a149257bc6133"


def _row(raw: dict[str, Any]) -> dict[str, Any]:
    """Map an event as the store would at position 7, version 3, on a fixed previous hash."""
    event = parse_event(raw, "s")
    return to_row(event, position=7, stream_version=3, recorded_at="2025-04-01T00:00:00.000000Z", prev_hash="ab" * 32)


def test_an_event_without_a_speaker_is_stored_and_hashed_exactly_as_before() -> None:
    row = _row(_COUNT)
    assert row["body"] == _BODY_BEFORE_SPEAKERS
    assert row["hash"] == _HASH_BEFORE_SPEAKERS
    assert "speaker" not in orjson.loads(row["body"])


def test_a_speaker_is_hashed_into_the_body_and_read_back() -> None:
    event = parse_event({**_COUNT, "speaker": "A Downing Street spokesperson"}, "s")
    row = _row({**_COUNT, "speaker": "A Downing Street spokesperson"})
    assert orjson.loads(row["body"])["speaker"] == "A Downing Street spokesperson"
    assert row["hash"] != _HASH_BEFORE_SPEAKERS
    assert row_mismatch([row[column] for column in row]) is None
    back = from_row(row)
    assert back.speaker == "A Downing Street spokesperson"
    assert back.envelope() == event.content()
    assert from_row(_row(_COUNT)).speaker is None


def _statement(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "gb-lammy",
        "type": "statement.made",
        "occurred": "2025-03-15",
        "actor": "GB",
        "data": {"speaker": "David Lammy, UK foreign secretary", "summary": "the G7 have more cards to play"},
        "sources": [{"source": "nc-2025-03-17", "quote": "the G7 have more cards that we can play"}],
    }
    raw.update(changes)
    return raw


def test_timeline_entries_name_the_speaker_only_when_there_is_one() -> None:
    said, unsaid = recorded([{**_COUNT, "speaker": "Downing Street"}, {**_COUNT, "id": "other"}])
    assert event_document(said)["speaker"] == "Downing Street"
    assert "speaker" not in event_document(unsaid)


def test_a_statement_is_headlined_by_its_speaker_and_summary() -> None:
    [statement] = recorded([_statement()])
    assert headline(statement) == "David Lammy, UK foreign secretary: the G7 have more cards to play"


def _csv_rows(events: list[RecordedEvent]) -> list[dict[str, str]]:
    handle = io.StringIO()
    write_csv(events, {}, QuoteChecker({}), handle)
    handle.seek(0)
    return list(csv.DictReader(handle))


def test_the_csv_has_a_speaker_column_after_the_actor_name() -> None:
    assert CSV_COLUMNS.index("speaker") == CSV_COLUMNS.index("actor_name") + 1
    events = recorded(
        [{**_COUNT, "speaker": "Downing Street"}, {**_COUNT, "id": "silent"}, _statement(), _statement(id="by-office")]
    )
    events[3] = events[3]._replace(speaker="UK Foreign Office")
    rows = _csv_rows(events)
    assert [row["speaker"] for row in rows] == [
        "Downing Street",
        "",
        "David Lammy, UK foreign secretary",  # a statement's own speaker, when the envelope names none
        "UK Foreign Office",
    ]


@pytest.mark.parametrize("speaker", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"])
def test_a_speaker_a_spreadsheet_would_run_as_a_formula_is_defused(speaker: str) -> None:
    [row] = _csv_rows(recorded([{**_COUNT, "speaker": speaker}]))
    assert row["speaker"] == "'" + speaker


def test_timelinejs_slides_name_the_speaker_escaped() -> None:
    events = recorded([{**_COUNT, "speaker": "<b>Downing</b> & Street"}, {**_COUNT, "id": "silent"}, _statement()])
    said, silent, statement = timelinejs_document(events, {}, title="t", description="d")["events"]
    assert "<p><em>Said by:</em> &lt;b&gt;Downing&lt;/b&gt; &amp; Street</p>" in said["text"]["text"]
    assert "Said by" not in silent["text"]["text"]
    # a statement's headline names its speaker already
    assert "Said by" not in statement["text"]["text"]
    assert statement["text"]["headline"] == "David Lammy, UK foreign secretary: the G7 have more cards to play"


def _report_item(event: RecordedEvent) -> str:
    from render.report import _event_item

    content: Any = SimpleNamespace(sources={}, checker=QuoteChecker({}))
    return _event_item(event, content)


def test_the_report_says_who_said_an_event_escaped() -> None:
    [said] = recorded([{**_COUNT, "speaker": "<i>Downing Street</i>"}])
    item = _report_item(said)
    assert "said by &lt;i&gt;Downing Street&lt;/i&gt;" in item
    assert "<i>" not in item
    [silent] = recorded([_COUNT])
    assert "said by" not in _report_item(silent)


def test_the_report_shows_a_statement_s_speaker_summary_and_topic_once() -> None:
    data = {"speaker": "David Lammy", "summary": "the G7 <have> more cards", "topic": "sanctions"}
    [statement] = recorded([_statement(data=data, speaker="UK Foreign Office")])
    item = _report_item(statement)
    assert "<strong>David Lammy: the G7 &lt;have&gt; more cards</strong>" in item
    assert "said by UK Foreign Office" in item
    assert "topic: sanctions" in item
    assert item.count("the G7 &lt;have&gt; more cards") == 1
