"""Replay pages (core.pages) give exactly the events and states the bodies give, on SQLite and PostgreSQL.

A differential test on random logs — two streams, back-dated events, fuzzy dates and
intervals, corrections and retractions — rebuilt into pages after some batches and not
others, so that a replay reads pages only, pages and a tail of bodies (with amendments
recorded since the pages to apply), or bodies only: every window gives the effective events
an independent reading of the whole log gives, in the same order, and every state document
is byte-identical to the one folded from that reading.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, inspect, select, update

from core import EventStore, Located, Location
from core.page_format import FOLD_DATA, FOLD_SOURCES
from core.pages import FORMAT
from core.schema import replay_pages
from events import RecordedEvent, edtf_bounds, parse_event
from projections.coalition import coalition_state, state_document
from projections.engine import Replayer, ReplayWindow
from projections.replay import fold_order
from tests.integration.test_replay_snapshots import full_replay, logs
from tests.support import cited, example_objects, register_test_source

AMENDMENTS = {"event.corrected", "event.retracted"}


def _expected_window(store: EventStore, window: ReplayWindow) -> list[RecordedEvent]:
    """The window's effective events read independently: every row, amended, filtered and sorted here."""
    known = [event for event in store.read() if event.position <= window.known_position]
    wanted = []
    for event in fold_order(known):
        latest = edtf_bounds(event.occurred)[1]
        if (
            (window.stream is None or event.stream == window.stream)
            and (window.after_day is None or latest > window.after_day)
            and (window.until_day is None or latest <= window.until_day)
        ):
            wanted.append(_unhashed(event))
    return wanted


def _unhashed(event: RecordedEvent) -> RecordedEvent:
    """The event without its hashes: a replay leaves them out (the pages do not keep them)."""
    return event._replace(prev_hash="", hash="")


def _effective(store: EventStore, window: ReplayWindow) -> list[RecordedEvent]:
    return [_unhashed(event) for event in store.effective_events(window)]


def _fold_fields(event: RecordedEvent) -> tuple[Any, ...]:
    """What a fold reads of an event: every field before the data, the data keys and source ids it reads."""
    data = {key: value for key, value in event.data.items() if key in FOLD_DATA.get(event.type, ())}
    sources = [source for source, _ in event.sources] if event.type in FOLD_SOURCES else []
    return (*event[: RecordedEvent._fields.index("data")], data, sources)


def _generations(store: EventStore) -> list[int]:
    with store.database.reading() as connection:
        query = select(replay_pages.c.generation).where(replay_pages.c.page == 0).order_by(replay_pages.c.generation)
        return list(connection.execute(query).scalars())


windows = st.tuples(
    st.one_of(st.none(), st.integers(0, 1)),  # stream
    st.one_of(st.none(), st.integers(0, 25)),  # known at: base + offset
    st.one_of(st.none(), st.integers(0, 45)),  # after day: 2025-02-10 + offset
    st.one_of(st.none(), st.integers(0, 60)),  # until day
)


def start_generated(store: EventStore, batches: list[list[dict[str, Any]]]) -> tuple[list[str], int]:
    """Ready a log for generated batches (their source registered, a clock a second a write); return their
    streams and the head before them."""
    if not store.sources():
        register_test_source(store)
    clock = itertools.count()
    store._clock = lambda: datetime(2025, 4, 1, tzinfo=UTC) + timedelta(seconds=next(clock))
    base, _ = store.head()
    return sorted({obj["stream"] for batch in batches for obj in batch}), base


def window_asked(
    offsets: tuple[int | None, int | None, int | None, int | None], streams: list[str], head: int, base: int
) -> ReplayWindow:
    """The window a drawn tuple of `windows` asks for: a stream, known at base + offset, after and until days."""
    stream_index, known_offset, after_offset, until_offset = offsets
    return ReplayWindow(
        None if stream_index is None else streams[stream_index % len(streams)],
        head if known_offset is None else min(head, base + known_offset),
        None if after_offset is None else date(2025, 2, 10) + timedelta(days=after_offset),
        None if until_offset is None else date(2025, 2, 10) + timedelta(days=until_offset),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches=logs(),
    rebuilds=st.lists(st.booleans(), min_size=4, max_size=4),
    asked=st.lists(windows, min_size=3, max_size=3),
    days=st.lists(st.integers(0, 39), min_size=2, max_size=2),
)
def test_pages_give_the_events_and_states_the_bodies_give(
    store: EventStore,
    batches: list[list[dict[str, Any]]],
    rebuilds: list[bool],
    asked: list[tuple[int | None, int | None, int | None, int | None]],
    days: list[int],
) -> None:
    streams, base = start_generated(store, batches)
    for batch, rebuild in zip(batches, rebuilds, strict=False):
        store.append_many([Located(parse_event(cited(obj), "s"), Location("generated", 1)) for obj in batch])
        if rebuild:
            assert store.refresh_replay_pages(at_least=1)
        for offsets in asked:
            head, _ = store.head()
            window = window_asked(offsets, streams, head, base)
            expected = _expected_window(store, window)
            assert _effective(store, window) == expected
            for_fold = store.effective_events(replace(window, fold_fields_only=True))
            assert [_fold_fields(event) for event in for_fold] == [_fold_fields(event) for event in expected]
        replayer = Replayer(store)
        for stream, day_offset in itertools.product(streams, days):
            as_of = date(2025, 2, 20) + timedelta(days=day_offset)
            for known_at in (None, base + len(batch)):
                replay = replayer.state(as_of=as_of, stream=stream, known_at=known_at)
                actual = state_document(
                    replay.state, stream=stream, as_of=as_of, known_at=known_at, position=replay.known_position
                )
                assert json.dumps(actual) == json.dumps(full_replay(store, stream, as_of, known_at))
    assert len(_generations(store)) <= 1, "a rebuild leaves one generation"


def _example(store: EventStore) -> None:
    store.append_many(
        [Located(parse_event(obj, "ukraine-coalition"), Location("example", 1)) for obj in example_objects()]
    )


def _state(store: EventStore) -> Any:
    return Replayer(store).state(as_of=date(2025, 3, 17), stream="ukraine-coalition").state


def test_a_rebuild_waits_until_enough_events_are_missing(store: EventStore) -> None:
    _example(store)
    assert not store.refresh_replay_pages()  # 49 events: not worth pages yet
    assert _generations(store) == []
    assert store.refresh_replay_pages(at_least=1)
    assert not store.refresh_replay_pages(at_least=1), "nothing recorded since: nothing to rebuild"
    assert len(_generations(store)) == 1


def test_an_unfinished_generation_or_one_of_other_code_is_never_read(store: EventStore) -> None:
    _example(store)
    full = _state(store)
    assert store.refresh_replay_pages(at_least=1)
    (number,) = _generations(store)

    def rewrite(statement: Any) -> None:
        store.database.writing(lambda connection: connection.execute(statement))

    # pages that would change the answer if they were read: every event's page emptied
    with store.database.reading() as connection:
        pages = connection.execute(select(func.count()).select_from(replay_pages)).scalar_one()
    assert pages >= 2
    rewrite(update(replay_pages).where(replay_pages.c.page > 0).values(body=b"\x90", fold=b"\x90"))  # msgpack: []
    assert _state(store) != full, "the pages are read"
    rewrite(update(replay_pages).where(replay_pages.c.page == 0).values(format="other-code"))
    assert _state(store) == full, "pages written by other code are ignored"
    rewrite(delete(replay_pages).where(replay_pages.c.page == 0, replay_pages.c.generation == number))
    assert _state(store) == full, "a generation without its page 0 is not whole"
    assert store.refresh_replay_pages(at_least=1)
    assert _generations(store) == [number + 1]
    with store.database.reading() as connection:
        left = connection.execute(select(replay_pages.c.generation).distinct()).scalars().all()
        formats = connection.execute(select(replay_pages.c.format).distinct()).scalars().all()
    assert left == [number + 1], "the rebuild deleted the unfinished generation's rows"
    assert formats == [FORMAT]
    assert _state(store) == full


@pytest.mark.parametrize("events_per_page", [1, 3])
def test_pages_of_any_size_and_a_tail_give_the_same_state(
    store: EventStore, monkeypatch: pytest.MonkeyPatch, events_per_page: int
) -> None:
    import core.pages

    monkeypatch.setattr(core.pages, "PAGE_EVENTS", events_per_page)
    objects = example_objects()
    store.append_many([Located(parse_event(obj, "ukraine-coalition"), Location("example", 1)) for obj in objects[:30]])
    assert store.refresh_replay_pages(at_least=1)
    store.append_many([Located(parse_event(obj, "ukraine-coalition"), Location("example", 1)) for obj in objects[30:]])
    paged_then_tail = _state(store)
    store.database.writing(lambda connection: connection.execute(delete(replay_pages)))
    assert paged_then_tail == _state(store)


def test_a_window_known_before_the_pages_end_leaves_out_what_came_after(store: EventStore) -> None:
    _example(store)
    assert store.refresh_replay_pages(at_least=1)
    for known_position in (1, 20, 35):
        window = ReplayWindow(None, known_position)
        assert _effective(store, window) == _expected_window(store, window)
        known = Replayer(store).state(as_of=date(2025, 3, 17), stream="ukraine-coalition", known_at=known_position)
        assert known.state == full_state_at(store, known_position)


def full_state_at(store: EventStore, known_position: int) -> Any:
    events = [event for event in store.read() if event.position <= known_position]
    effective = [event for event in fold_order(events) if event.stream == "ukraine-coalition"]
    return coalition_state(effective, date(2025, 3, 17))


def _amend(store: EventStore, cited_source: str, amendments: list[dict[str, Any]]) -> None:
    objects = [{**obj, "occurred": "2025-03-10", "sources": [{"source": cited_source}]} for obj in amendments]
    store.append_many([Located(parse_event(obj, "ukraine-coalition"), Location("amendments", 1)) for obj in objects])


def test_amendments_recorded_after_the_pages_apply_to_the_events_in_them(store: EventStore) -> None:
    _example(store)
    assert store.refresh_replay_pages(at_least=1)
    paged = [event for event in store.read() if event.type == "pledge.made"]
    first, second = paged[0], paged[1]
    moved = {"occurred": "2025-03-01"}
    _amend(
        store,
        first.sources[0][0],
        [
            {
                "id": "c-after",
                "type": "event.corrected",
                "data": {"target": first.id, "changes": moved, "reason": "misdated"},
            },
            {"id": "r-after", "type": "event.retracted", "data": {"target": second.id, "reason": "misreported"}},
        ],
    )
    head, _ = store.head()
    for window in (ReplayWindow(None, head), ReplayWindow("ukraine-coalition", head, until_day=date(2025, 3, 17))):
        effective = _effective(store, window)
        assert effective == _expected_window(store, window)
        assert second.id not in {event.id for event in effective}
    assert [event.occurred for event in store.effective_events(ReplayWindow(None, head)) if event.id == first.id] == [
        "2025-03-01"
    ]
    assert _state(store) == full_state_at(store, head)


def test_pages_replaced_after_their_position_was_read_are_passed_over(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.store

    _example(store)
    assert store.refresh_replay_pages(at_least=1)
    through = core.store.covered_through
    # as if a rebuild had replaced the generation between the header's read and the pages' read
    monkeypatch.setattr(core.store, "covered_through", lambda connection: through(connection) - 1)
    head, _ = store.head()
    window = ReplayWindow(None, head)
    assert _effective(store, window) == _expected_window(store, window)
    assert _state(store) == full_state_at(store, head)


def test_the_fold_column_comes_before_the_body(store: EventStore) -> None:
    # SQLite reaches a column past a large value only by walking its overflow pages: a fold reading
    # its column after the body read both (measured: 178 ms of a cold `dtl state` over 100k events, not 17)
    columns = [column["name"] for column in inspect(store.database.engine).get_columns("replay_pages")]
    assert columns.index("fold") < columns.index("body")
    assert list(replay_pages.c.keys()) == columns, "the table as migrated is the table the code declares"
