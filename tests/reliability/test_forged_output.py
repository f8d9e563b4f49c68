"""Forged output: no stored string, whatever it holds, adds, removes or splits a line of what `dtl` prints for people.

Newlines, tabs, bidirectional and zero-width characters in every stored text an event carries (its id, note, date
phrase, speaker, quote, data strings, the cited source's id and metadata) are shown escaped, so `dtl log`,
`dtl why ACTOR` and `dtl timeline` print as many lines as for the same log holding plain strings.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import BACKENDS, events_file, fresh_database, invoke

# what could forge a line or a cell, or reorder or hide what a line shows
FORGING = "\n\r\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u061c\u200b\u200c\u200d\u200e\u200f\u2060\ufeff" + "".join(
    map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
)
# stored text: plain words mixed with forging characters, never blank (the log refuses a blank field)
stored_text = st.text(st.sampled_from(f"ab yes RU 99 :-[]{FORGING}"), max_size=24).map(lambda text: f"v{text}")
TEXT_FIELDS = ("source_id", "publisher", "title", "url", "id", "occurred_text", "speaker", "note", "quote",
               "condition", "description", "conditions", "attributed_to", "raw", "summary", "topic", "location",
               "meeting_id", "reason")  # fmt: skip


# each forging character's own plain stand-in (none in the alphabet above, nor the prefix v): distinct texts stay
# distinct, as two conditions differing only in a tab and a newline are two conditions, plain or not
_STAND_INS = dict(zip(FORGING, "cdfghijklmnopqtuwxz012345678", strict=True))


def _plain(text: str) -> str:
    return "".join(_STAND_INS.get(character, character) for character in text)


def _objects(texts: dict[str, str], stream: str) -> list[dict[str, Any]]:
    """A source registered with the texts, and events by GB and FR citing it, every text field holding its text."""
    t = {
        field: f"{text}-{stream}" if field in ("source_id", "id", "meeting_id") else text
        for field, text in texts.items()
    }
    registration = {
        "id": f"source:{t['source_id']}", "type": "source.registered", "stream": "sources", "occurred": "2025-12-31",
        "data": {"source_id": t["source_id"], "publisher": t["publisher"], "published": "2025-12-31",
                 "title": t["title"], "url": t["url"], "sha256": "0" * 63 + "2"},
    }  # fmt: skip
    envelope = {
        "stream": stream, "occurred": "2025-03-10", "occurred_text": t["occurred_text"], "actor": "GB",
        "speaker": t["speaker"], "note": t["note"], "sources": [{"source": t["source_id"], "quote": t["quote"]}],
    }  # fmt: skip
    events = [
        ("pledge.made", {"offers": ["troops"], "conditions": [t["conditions"]]}),
        ("condition.stated", {"condition": t["condition"], "description": t["description"]}),
        ("count.reported", {"subject": "participants", "comparator": ">", "amount": 30,
                            "attributed_to": t["attributed_to"], "raw": t["raw"]}),
        ("statement.made", {"speaker": t["speaker"], "summary": t["summary"], "topic": t["topic"]}),
        ("meeting.convened", {"meeting_id": t["meeting_id"], "participants": ["FR"], "location": t["location"],
                              "topic": t["topic"]}),
        ("position.undecided", {"reason": t["reason"]}),
    ]  # fmt: skip
    return [registration] + [
        {**envelope, "id": f"{t['id']}-{number}", "type": kind, "data": data}
        for number, (kind, data) in enumerate(events, start=1)
    ]


def _lines(url: str, stream: str) -> dict[str, int]:
    counts = {}
    for command in (("log", "--stream", stream), ("why", "GB", "--stream", stream), ("timeline", "--stream", stream)):
        result = invoke(url, *command)
        assert result.exit_code == 0, result.output
        counts[command[0]] = len(result.stdout.splitlines())
    return counts


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.fixed_dictionaries(dict.fromkeys(TEXT_FIELDS, stored_text)))
def test_stored_strings_never_change_how_many_lines_dtl_prints(
    backend: str, tmp_path_factory: pytest.TempPathFactory, texts: dict[str, str]
) -> None:
    plain = {field: _plain(text) for field, text in texts.items()}
    with fresh_database(backend, tmp_path_factory) as url:
        folder = tmp_path_factory.mktemp("forged")
        lines = [json.dumps(obj) for obj in _objects(texts, "forged") + _objects(plain, "plain")]
        assert invoke(url, "init").exit_code == 0
        result = invoke(url, "import", str(events_file(folder / "events.jsonl", lines)))
        assert result.exit_code == 0, result.output
        assert _lines(url, "forged") == _lines(url, "plain")
