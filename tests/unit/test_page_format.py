"""The fold column of the replay pages keeps what the coalition fold reads of each event, and nothing it needs less.

`core.page_format.FOLD_DATA` names the data keys the fold reads by type and `FOLD_SOURCES` the types whose
sources it reads. These tests fold random logs through the fold's Python source (where every key it asks of
an event's data can be watched) and hold the table to what it asked, then fold the same events whole and
as the fold column keeps them, to the same state and snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec
from hypothesis import given, settings

from core.page_format import FOLD_DATA, FOLD_SOURCES, _fold_fields
from events import RecordedEvent, edtf_bounds
from projections.coalition import CoalitionFold
from projections.replay import fold_order
from tests.support import recorded
from tests.unit.test_coalition_snapshot_property import days, logs
from tests.unit.test_native_fold import SOURCE_FOLD

_PAGE_EVENTS = msgspec.msgpack.Decoder(list[RecordedEvent])


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
