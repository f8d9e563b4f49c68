"""Writes the log in the formats analysts take elsewhere: CSV for spreadsheets, TimelineJS3 JSON for a viewer.

Also the one-line headline an event is shown by, shared with the HTML report.
Stored strings are untrusted: TimelineJS reads `text` as HTML, so every stored
string in it is escaped; spreadsheet cells that would run as formulas get a
leading apostrophe, whatever their column.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from events import RecordedEvent, Source
    from projections.verification import QuoteChecker

__all__ = [
    "CSV_COLUMNS",
    "amount_text",
    "headline",
    "said_by",
    "speaker_of",
    "timelinejs_document",
    "words",
    "write_csv",
]

CSV_COLUMNS = (
    "position",
    "id",
    "type",
    "stream",
    "occurred",
    "earliest",
    "latest",
    "occurred_text",
    "actor",
    "actor_name",
    "speaker",
    "headline",
    "data",
    "note",
    "source",
    "publisher",
    "published",
    "title",
    "url",
    "quote",
    "quote_status",
    "recorded_at",
    "recorded_by",
    "hash",
)
# what a spreadsheet takes for the start of a formula (CSV injection, OWASP): any cell, whatever its column, since
# ids, source ids and types are stored strings too; some spreadsheets skip leading blanks before they look
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LEADING_BLANKS = " \n\t\r\x0b\x0c\u00a0\u3000"

_COMPARATOR_WORDS = {"=": "", "~": "about ", ">": "more than ", ">=": "at least ", "<": "fewer than ", "<=": "up to "}


def amount_text(comparator: str, amount: int, raw: str | None = None) -> str:
    """Say a claimed amount as the source worded it, else in words: "more than 30"."""
    return raw or f"{_COMPARATOR_WORDS[comparator]}{amount:,}"


def words(items: Iterable[str]) -> str:
    """Join vocabulary words for reading: ["air_cover", "troops"] -> "air cover and troops"."""
    shown = ["unspecified help" if item == "unspecified" else item.replace("_", " ") for item in items]
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else "".join(shown)


def headline(event: RecordedEvent) -> str:
    """Say in one line what an event reports, such as "Poland offers logistics; rules out troops"."""
    from events import actor_name

    who = actor_name(event.actor) if event.actor else "Someone"
    data = event.data
    kind = event.type
    if kind == "pledge.made":
        ruled_out = f"; rules out {words(data['ruled_out'])}" if data.get("ruled_out") else ""
        return f"{who} offers {words(data['offers'])}{ruled_out}"
    if kind == "pledge.withdrawn":
        return f"{who} withdraws {words(data['offers']) if data.get('offers') else 'its offers'}"
    if kind == "position.declined":
        scope = data.get("scope", "participation")
        return f"{who} declines to take part" if scope == "participation" else f"{who} rules out {words([scope])}"
    if kind == "count.reported":
        amount = amount_text(data["comparator"], data["amount"], data.get("raw"))
        return f"{data.get('attributed_to') or who}: {amount} {data['subject']}"
    if kind == "statement.made":
        return f"{data['speaker']}: {data['summary']}"
    if kind in ("meeting.convened", "meeting.scheduled"):
        verb = "hosts a meeting" if kind == "meeting.convened" else f"announces a meeting for {data['scheduled_for']}"
        return f"{who} {verb}" + (f": {data['topic']}" if data.get("topic") else "")
    simple = {
        "position.undecided": f"{who} is undecided",
        "position.considering": f"{who} considers taking part",
        "position.in_talks": f"{who} is in talks",
        "condition.stated": f"{who} sets a condition: {words([data.get('condition', '')])}",
        "event.corrected": f"Correction of {data.get('target')}",
        "event.retracted": f"Retraction of {data.get('target')}",
        "source.registered": f"Source {data.get('source_id')} registered",
    }
    return simple.get(kind, f"{kind} ({who})")


def speaker_of(event: RecordedEvent) -> str | None:
    """Say who said what an event reports: its speaker, else a statement's speaker, else None."""
    if event.speaker is not None:
        return event.speaker
    return event.data.get("speaker") if event.type == "statement.made" else None


def said_by(event: RecordedEvent) -> str | None:
    """Return the speaker to show beside an event's headline: None when there is none or the headline names it."""
    if event.speaker is None or (event.type == "statement.made" and event.data.get("speaker") == event.speaker):
        return None
    return event.speaker


def _cell(value: object) -> str:
    """Write a value as a cell a spreadsheet shows as text: a leading apostrophe where it would run as a formula.

    Numbers the log writes (positions) and dates never start with a trigger, so they stay as they are.
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) or text.lstrip(_LEADING_BLANKS).startswith(_FORMULA_START):
        return "'" + text
    return text


def write_csv(
    events: Iterable[RecordedEvent], sources: Mapping[str, Source], checker: QuoteChecker, handle: IO[str]
) -> int:
    """Write one row per event and cited source (an event citing none gets one row); return the rows written."""
    from events import actor_name

    writer = csv.writer(handle)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for event in events:
        common = {
            "position": event.position,
            "id": event.id,
            "type": event.type,
            "stream": event.stream,
            "occurred": event.occurred,
            "earliest": event.earliest.isoformat(),
            "latest": event.latest.isoformat(),
            "occurred_text": event.occurred_text,
            "actor": event.actor,
            "actor_name": actor_name(event.actor) if event.actor else None,
            "speaker": speaker_of(event),
            "headline": headline(event),
            "data": json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            "note": event.note,
            "recorded_at": event.recorded_at,
            "recorded_by": event.recorded_by,
            "hash": event.hash,
        }
        for source_id, quote in event.sources or ((None, None),):
            info = sources.get(source_id) if source_id is not None else None
            row = {
                **common,
                "source": source_id,
                "publisher": info and info.publisher,
                "published": info and info.published,
                "title": info and info.title,
                "url": info and info.url,
                "quote": quote,
                "quote_status": None if source_id is None else checker.quote_status(source_id, quote),
            }
            writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
            rows += 1
    return rows


def _date_parts(day: Any) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def _citation_html(source_id: str, quote: str | None, info: Source | None) -> str:
    said = f"<blockquote>“{html.escape(quote)}”</blockquote>" if quote else ""
    if info is None:
        return f"{said}<p>— {html.escape(source_id)} (not a registered source)</p>"
    title = html.escape(info.title or source_id)
    if info.url and info.url.startswith(("https://", "http://")):
        title = f'<a href="{html.escape(info.url)}">{title}</a>'
    return f"{said}<p>— {html.escape(info.publisher)}, {title}, {html.escape(info.published)}</p>"


def timelinejs_document(
    events: Iterable[RecordedEvent], sources: Mapping[str, Source], *, title: str, description: str
) -> dict[str, Any]:
    """Return a TimelineJS3 JSON document: one slide per event, its span as start/end dates, grouped by actor.

    TimelineJS reads `text.headline` and `text.text` as HTML, so every stored string is escaped.
    """
    from events import actor_name

    slides = []
    for event in events:
        if event.type == "source.registered":
            continue
        body = []
        if event.occurred_text:
            body.append(f"<p><em>When:</em> {html.escape(event.occurred_text)}</p>")
        speaker = said_by(event)
        if speaker is not None:
            body.append(f"<p><em>Said by:</em> {html.escape(speaker)}</p>")
        body += [_citation_html(source_id, quote, sources.get(source_id)) for source_id, quote in event.sources]
        if event.note:
            body.append(f"<p><em>Note:</em> {html.escape(event.note)}</p>")
        slide: dict[str, Any] = {"start_date": _date_parts(event.earliest)}
        if event.latest != event.earliest:
            slide["end_date"] = _date_parts(event.latest)
        slide["display_date"] = event.occurred
        slide["text"] = {"headline": html.escape(headline(event)), "text": "".join(body)}
        if event.actor:
            slide["group"] = actor_name(event.actor)
        slide["unique_id"] = event.id
        slides.append(slide)
    return {"title": {"text": {"headline": html.escape(title), "text": html.escape(description)}}, "events": slides}
