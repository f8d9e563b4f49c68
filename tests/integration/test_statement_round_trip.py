"""A statement and a speaker survive the store, an export and an import into a new log, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core import DEFAULT_STREAM, EventStore, interchange, read_jsonl
from events import parse_event
from tests.conftest import fresh_postgres_schema, initialised_store
from tests.support import ARTICLES

_SOURCE = "nc-2025-03-17"
_STATEMENT = {
    "id": "gb-more-than-30",
    "type": "statement.made",
    "stream": "ukraine-coalition",
    "occurred": "2025-03-17",
    "occurred_text": "on Monday",
    "actor": "GB",
    "speaker": "A Downing Street spokesperson",
    "data": {
        "speaker": "A Downing Street spokesperson",
        "summary": "London counts on more than 30 nations joining",
        "topic": "the coalition's size",
    },
    "sources": [{"source": _SOURCE, "quote": "London now counts on “more than 30” nations joining the coalition"}],
    "note": "said to reporters",
}
_COUNT_WITH_SPEAKER = {
    "id": "gb-force-size",
    "type": "count.reported",
    "stream": "ukraine-coalition",
    "occurred": "2025-03-17",
    "speaker": "British officials",
    "data": {"subject": "troops", "comparator": "<=", "amount": 25000, "raw": "as many as 25,000"},
    "sources": [{"source": _SOURCE, "quote": "put the possible size of a multinational force"}],
}
_UNSAID = {
    "id": "fi-in-talks",
    "type": "position.in_talks",
    "stream": "ukraine-coalition",
    "occurred": "2025-03-17",
    "actor": "FI",
    "data": {},
    "sources": [{"source": _SOURCE, "quote": "have taken an active part in the talks"}],
}


def _register_article(store: EventStore) -> None:
    import hashlib

    text = ARTICLES[_SOURCE].read_text(encoding="utf-8")
    store.register_source(
        source_id=_SOURCE,
        publisher="Northgate Courier",
        published="2025-03-17",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
    )


@contextmanager
def _another_log(database_url: str, tmp_path: Path) -> Iterator[EventStore]:
    """A second, empty log on the same backend as database_url."""
    with (
        fresh_postgres_schema() if database_url.startswith("postgresql") else _sqlite(tmp_path / "copy.db") as url,
        initialised_store(url) as store,
    ):
        yield store


@contextmanager
def _sqlite(path: Path) -> Iterator[str]:
    yield f"sqlite:///{path}"


def test_a_statement_and_speakers_round_trip_through_the_store_export_and_import(
    store: EventStore, database_url: str, tmp_path: Path
) -> None:
    _register_article(store)
    for raw in (_STATEMENT, _COUNT_WITH_SPEAKER, _UNSAID):
        store.append(parse_event(raw, DEFAULT_STREAM))

    read_back = {event.id: event for event in store.read()}
    assert read_back["gb-more-than-30"].speaker == "A Downing Street spokesperson"
    assert read_back["gb-more-than-30"].data == _STATEMENT["data"]
    assert read_back["gb-force-size"].speaker == "British officials"
    assert read_back["fi-in-talks"].speaker is None
    for raw in (_STATEMENT, _COUNT_WITH_SPEAKER, _UNSAID):
        assert read_back[str(raw["id"])].envelope() == raw
    assert store.verify().count == 4

    exported = [json.dumps(event.envelope(), ensure_ascii=False) + "\n" for event in store.read()]
    assert '"speaker"' not in exported[-1]  # an event without a speaker exports none
    with _another_log(database_url, tmp_path) as copy:
        copy.append_many(read_jsonl([line.encode() for line in exported], "log.jsonl", DEFAULT_STREAM))
        assert [event.envelope() for event in copy.read()] == [event.envelope() for event in store.read()]
        assert copy.verify().count == 4
        # importing the same export again changes nothing: the speaker is part of what makes it the same event
        again = copy.append_many(read_jsonl([line.encode() for line in exported], "log.jsonl", DEFAULT_STREAM))
        assert again.count == 0


def test_the_same_id_with_another_speaker_is_a_conflict(store: EventStore) -> None:
    from core import DuplicateIdError

    _register_article(store)
    store.append(parse_event(_COUNT_WITH_SPEAKER, DEFAULT_STREAM))
    with pytest.raises(DuplicateIdError):
        store.append(parse_event({**_COUNT_WITH_SPEAKER, "speaker": "Downing Street"}, DEFAULT_STREAM))


def test_workers_carry_the_speaker_like_every_other_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interchange, "PARALLEL_AFTER", 3)
    monkeypatch.setattr(interchange, "CHUNK_LINES", 2)
    lines = [
        json.dumps({**raw, "id": f"{raw['id']}-{copy}"}).encode() + b"\n"
        for copy in range(4)
        for raw in (_STATEMENT, _COUNT_WITH_SPEAKER, _UNSAID)
    ]
    sequential = list(read_jsonl(lines, "log.jsonl", DEFAULT_STREAM, workers=0))
    parallel = list(read_jsonl(lines, "log.jsonl", DEFAULT_STREAM, workers=2))
    assert parallel == sequential
    assert [located.event.speaker for located in parallel[-3:]] == [
        "A Downing Street spokesperson",
        "British officials",
        None,
    ]
