"""CSV injection: no cell of the CSV export, whatever its column, is one a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from events import RecordedEvent, Source
from projections.verification import QuoteChecker
from render.exports import CSV_COLUMNS, write_csv
from tests.support import recorded

# what a spreadsheet takes for the start of a formula (OWASP), alone and behind blanks some spreadsheets skip
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
STARTS = (*TRIGGERS, " =", "\n+", "  @", "\u00a0-")
PAYLOAD = "cmd|'/C calc'!A0"


def _events(start: str) -> list[RecordedEvent]:
    """Events whose every stored string (id, texts, data strings, cited source ids and quotes) starts with `start`."""
    bad = f"{start}{PAYLOAD}"
    envelope: dict[str, Any] = {
        "stream": "ukraine-coalition",
        "occurred": "2025-03-10",
        "occurred_text": bad,
        "actor": "GB",
        "note": bad,
        "speaker": bad,
        "sources": [{"source": f"{start}HYPERLINK(src)", "quote": bad}],
    }
    objects: list[dict[str, Any]] = [
        {**envelope, "id": f"{bad}-1", "type": "count.reported",
         "data": {"subject": "participants", "comparator": ">", "amount": 30, "attributed_to": bad, "raw": bad}},
        {**envelope, "id": f"{bad}-2", "type": "statement.made", "data": {"speaker": bad, "summary": bad}},
        {**envelope, "id": f"{bad}-3", "type": "condition.stated", "data": {"condition": bad}},
    ]  # fmt: skip
    return recorded(objects)


def _sources(start: str) -> dict[str, Source]:
    bad = f"{start}{PAYLOAD}"
    source_id = f"{start}HYPERLINK(src)"
    return {source_id: Source(source_id, bad, bad, bad, bad, None, bad)}


def _rows(events: list[RecordedEvent], sources: dict[str, Source]) -> list[list[str]]:
    handle = io.StringIO(newline="")
    write_csv(events, sources, QuoteChecker({}), handle)
    handle.seek(0)
    header, *rows = csv.reader(handle)
    assert tuple(header) == CSV_COLUMNS
    return rows


def _runs(cell: str) -> bool:
    """Whether a spreadsheet would take a cell for a formula: a trigger first, or first after blanks."""
    return cell.startswith(TRIGGERS) or cell.lstrip(" \n\t\r\u00a0").startswith(TRIGGERS)


@pytest.mark.parametrize("start", STARTS, ids=repr)
def test_no_column_of_the_csv_starts_a_formula(start: str) -> None:
    rows = _rows(_events(start), _sources(start))
    assert len(rows) == 3
    for row in rows:
        for column, cell in zip(CSV_COLUMNS, row, strict=True):
            assert not _runs(cell), (column, cell)
        # the stored text is all there, behind the apostrophe
        shown = dict(zip(CSV_COLUMNS, row, strict=True))
        for column in ("id", "source", "note", "quote", "speaker", "occurred_text", "publisher", "title", "url"):
            assert shown[column].startswith(f"'{start}"), (column, shown[column])


def test_numbers_dates_and_plain_text_stay_as_they_are() -> None:
    [event] = recorded(
        [{"id": "gb-condition", "type": "condition.stated", "stream": "ukraine-coalition", "occurred": "2025-03-10",
          "actor": "GB", "data": {"condition": "us_backstop"}, "note": "a plain note",
          "sources": [{"source": "nc-2025-03-10"}]}]
    )  # fmt: skip
    [row] = _rows([event], {})
    shown = dict(zip(CSV_COLUMNS, row, strict=True))
    assert shown["position"] == "1"
    assert (shown["occurred"], shown["earliest"], shown["latest"]) == ("2025-03-10",) * 3
    assert (shown["id"], shown["source"], shown["note"]) == ("gb-condition", "nc-2025-03-10", "a plain note")
    assert not any(cell.startswith("'") for cell in row)
