"""The fold column of the replay pages keeps what the coalition fold reads of each event, and nothing it needs less.

`core.page_format.FOLD_DATA` names the data keys the fold reads by type and `FOLD_SOURCES` the types whose
sources it reads. These tests fold random logs through the fold's Python source (where every key it asks of
an event's data can be watched) and hold the table to what it asked, then fold the same events whole and
as the fold column keeps them, to the same state and snapshot. A page of the fold column, read with the
words it holds decoded as the one string each is, gives the events a plain reading gives.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec
from hypothesis import given, settings

from core.page_format import FOLD_DATA, FOLD_SOURCES, PageWindow, _fold_fields, header_row, page_batches, page_row
from events import RecordedEvent, edtf_bounds
from projections.coalition import CoalitionFold
from projections.replay import fold_order
from tests.support import recorded
from tests.unit.test_coalition_snapshot_property import days, logs
from tests.unit.test_native_fold import SOURCE_FOLD

_PAGE_EVENTS = msgspec.msgpack.Decoder(list[RecordedEvent])
_FOLD_WINDOW = PageWindow(stream=None, after_day=None, until_day=None, excluded=(), fold_fields_only=True)


class _WatchedData(dict[str, Any]):
    """An event's data that notes every key asked of it, present or not."""

    def __init__(self, data: dict[str, Any], asked: set[str]) -> None:
        super().__init__(data)
        self.asked = asked

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


class _WatchedSources(tuple[tuple[str, str | None], ...]):
    """An event's sources that note being read."""

    read: list[bool]

    def __iter__(self) -> Any:
        self.read.append(True)
        return super().__iter__()


def _watched(event: RecordedEvent, asked: set[str], read: list[bool]) -> RecordedEvent:
    sources = _WatchedSources(event.sources)
    sources.read = read
    return event._replace(data=_WatchedData(event.data, asked), sources=sources)


def _in_fold_order(objects: list[dict[str, Any]], as_of: Any) -> list[RecordedEvent]:
    return [event for event in fold_order(recorded(objects)) if edtf_bounds(event.occurred)[1] <= as_of]


@settings(deadline=None, max_examples=150)
@given(objects=logs(), as_of=days)
def test_the_fold_reads_no_data_key_and_no_sources_the_fold_column_leaves_out(objects, as_of):
    asked: dict[str, set[str]] = defaultdict(set)
    read: dict[str, list[bool]] = defaultdict(list)
    fold = SOURCE_FOLD.CoalitionFold()  # the source: compiled, a dict's get is not one a subclass can watch
    for event in _in_fold_order(objects, as_of):
        fold.apply(_watched(event, asked[event.type], read[event.type]))
        fold.result(as_of)  # what the answer reads too
    for type_, keys in asked.items():
        assert keys <= set(FOLD_DATA.get(type_, ())), f"the fold reads {sorted(keys)} of {type_}"
    assert {type_ for type_, reads in read.items() if reads} <= FOLD_SOURCES


@settings(deadline=None)
@given(objects=logs(), as_of=days)
def test_events_as_the_fold_column_keeps_them_fold_to_the_state_of_whole_events(objects, as_of):
    events = _in_fold_order(objects, as_of)
    # as a page holds them: trimmed, encoded and read back as events
    kept = _PAGE_EVENTS.decode(msgspec.msgpack.encode([_fold_fields(event) for event in events]))
    whole, trimmed = CoalitionFold(), CoalitionFold()
    whole.apply_all(events)
    trimmed.apply_all(kept)
    assert trimmed.result(as_of) == whole.result(as_of)
    assert trimmed.to_snapshot() == whole.to_snapshot()
    for event, page_event in zip(events, kept, strict=True):
        assert page_event[: RecordedEvent._fields.index("data")] == event[: RecordedEvent._fields.index("data")]
        assert set(page_event.data) <= set(FOLD_DATA.get(event.type, ()))


def _fold_pages(events: list[RecordedEvent], size: int) -> tuple[bytes, list[tuple[str, str, bytes]]]:
    """Return page 0's fold column and the fold column of each page, as a generation of pages of `size` holds them."""
    actors: set[str] = set()
    rows = [
        page_row(number, 0, events[start : start + size], actors)
        for number, start in enumerate(range(0, len(events), size), 1)
    ]
    return header_row(1, 0, actors)["fold"], [(row["first_latest"], row["last_latest"], row["fold"]) for row in rows]


@settings(deadline=None)
@given(objects=logs(), as_of=days)
def test_a_page_of_the_fold_column_reads_as_its_plain_events_with_each_word_one_string(objects, as_of):
    events = _in_fold_order(objects, as_of)
    header, pages = _fold_pages(events, 7)
    read = [event for batch in page_batches(pages, _FOLD_WINDOW, memoryview(header)) for event in batch]
    plain = [event for _, _, body in pages for event in _PAGE_EVENTS.decode(body)]
    assert read == plain
    assert [event.data for event in read] == [event.data for event in plain]
    assert all(isinstance(event, RecordedEvent) for event in read)
    # an actor code, a type and a capability are each one string however many events name them
    words: dict[str, int] = {}
    for event in read:
        named = [event.type, event.actor, *event.data.get("participants", ()), *event.data.get("offers", ())]
        for word in filter(None, named):
            assert id(word) == words.setdefault(word, id(word)), word
    fold = CoalitionFold()
    fold.apply_all(read)
    whole = CoalitionFold()
    whole.apply_all(events)
    assert fold.to_snapshot() == whole.to_snapshot()


def test_a_page_naming_an_actor_page_0_does_not_list_is_read_as_it_is():
    objects = [
        {"type": "meeting.convened", "actor": "GB", "occurred": "2025-03-01", "data": {"participants": ["FR", "PL"]}},
        {"type": "pledge.made", "actor": "PL", "occurred": "2025-03-02", "data": {"offers": ["logistics"]}},
    ]
    events = recorded([{**obj, "id": f"e{n}", "sources": [{"source": "s1"}]} for n, obj in enumerate(objects)])
    _, pages = _fold_pages(events, 4096)
    listed = header_row(1, 0, ["GB", "FR"])["fold"]  # PL is missing: a page 0 from elsewhere
    read = [event for batch in page_batches(pages, _FOLD_WINDOW, listed) for event in batch]
    assert read == _PAGE_EVENTS.decode(pages[0][2])
    assert [event.data for event in read] == [{"participants": ["FR", "PL"]}, {"offers": ["logistics"]}]


def test_every_data_key_the_fold_column_keeps_is_read_back():
    values = {"participants": ["GB"], "offers": ["logistics"], "ruled_out": ["troops"], "firmness": "firm"}
    values |= {"scope": "participation", "format": "virtual", "subject": "participants", "comparator": "~"}
    for kind, keys in FOLD_DATA.items():
        data = {key: values.get(key, f"{key} value") for key in keys}
        event = RecordedEvent(1, "e1", kind, "s", 1, "2025-03-01", "GB", data, (), "")
        header, pages = _fold_pages([event], 1)
        (read,) = [event for batch in page_batches(pages, _FOLD_WINDOW, header) for event in batch]
        assert read.data == data, kind
