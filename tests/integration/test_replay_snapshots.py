"""Snapshot-assisted replay gives exactly the answers of a full replay, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from core import EventStore, Located, Location
from core.schema import snapshots
from core.snapshots import SnapshotRecorder
from events import parse_event
from projections.coalition import coalition_state, state_document
from projections.engine import Replayer, Snapshot
from projections.replay import fold_order
from tests.support import cited, register_test_source

ACTORS = ["PL", "IT", "DE", "FR", "GB", "AU"]
CAPABILITIES = ["troops", "logistics", "naval", "funding"]
_sequence = itertools.count()


def days(first: int, last: int) -> str:
    return f"2025-03-{first:02d}" if first == last else f"2025-03-{first:02d}/2025-03-{last:02d}"


occurred = st.one_of(
    st.integers(1, 28).map(lambda day: f"2025-03-{day:02d}"),
    st.tuples(st.integers(1, 28), st.integers(0, 6)).map(lambda t: days(t[0], min(28, t[0] + t[1]))),
    st.just("2025-03"),
    st.integers(1, 28).map(lambda day: f"2025-03-{day:02d}?"),
    st.integers(1, 9).map(lambda day: f"2025-02-{day:02d}"),
)
capabilities = st.lists(st.sampled_from(CAPABILITIES), min_size=1, max_size=3, unique=True)
plain_events = st.one_of(
    st.builds(
        lambda offers, ruled: ("pledge.made", {"offers": offers, "ruled_out": ruled}),
        capabilities,
        st.lists(st.sampled_from(CAPABILITIES), max_size=1),
    ),
    st.builds(
        lambda offers: ("pledge.withdrawn", {"offers": offers} if offers else {}),
        st.lists(st.sampled_from(CAPABILITIES), max_size=2, unique=True),
    ),
    st.builds(lambda scope: ("position.declined", {"scope": scope}), st.sampled_from(["participation", "troops"])),
    st.just(("position.undecided", {})),
    st.builds(
        lambda c: ("position.considering", {"conditions": c}),
        st.lists(st.sampled_from(["legal_basis", "us_backstop"]), max_size=1),
    ),
    st.just(("position.in_talks", {})),
    st.builds(lambda c: ("condition.stated", {"condition": c}), st.sampled_from(["legal_basis", "us_backstop"])),
    st.builds(
        lambda a, c: ("count.reported", {"subject": "participants", "comparator": c, "amount": a}),
        st.integers(5, 40),
        st.sampled_from(["~", ">", "="]),
    ),
    st.builds(
        lambda p: ("meeting.convened", {"participants": p}), st.lists(st.sampled_from(ACTORS), max_size=3, unique=True)
    ),
)


@st.composite
def logs(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    """Batches of interchange objects over two streams, with corrections and retractions of earlier events."""
    prefix = f"h{next(_sequence)}"
    streams = [f"{prefix}-a", f"{prefix}-b"]
    batches: list[list[dict[str, Any]]] = []
    earlier: list[dict[str, Any]] = []
    for batch_number in range(draw(st.integers(1, 4))):
        batch = []
        for index in range(draw(st.integers(1, 7))):
            event_id = f"{prefix}-{batch_number}-{index}"
            if earlier and draw(st.integers(0, 3)) == 0:
                target = draw(st.sampled_from(earlier))
                if draw(st.booleans()):
                    obj = {"type": "event.retracted", "data": {"target": target["id"], "reason": "wrong"}}
                else:
                    changes: dict[str, Any] = draw(
                        st.one_of(
                            occurred.map(lambda value: {"occurred": value}),
                            st.sampled_from(ACTORS).map(lambda actor: {"actor": actor}),
                        )
                    )
                    if target["type"] == "pledge.made" and draw(st.booleans()):
                        changes = {"data": {"offers": draw(capabilities)}}
                    obj = {
                        "type": "event.corrected",
                        "data": {"target": target["id"], "changes": changes, "reason": "r"},
                    }
                # amendments are recorded later than what they amend: dated after every as-of asked
                amended_on = f"2025-04-{draw(st.integers(2, 9)):02d}"
                obj.update(id=event_id, stream=draw(st.sampled_from(streams)), occurred=amended_on)
            else:
                event_type, data = draw(plain_events)
                obj = {
                    "id": event_id,
                    "type": event_type,
                    "stream": draw(st.sampled_from(streams)),
                    "occurred": draw(occurred),
                    "actor": draw(st.sampled_from(ACTORS)),
                    "data": data,
                }
                batch.append(obj)
                earlier.append(obj)
                continue
            batch.append(obj)
        batches.append(batch)
    return batches


queries = st.lists(
    st.tuples(st.integers(0, 39), st.one_of(st.none(), st.integers(0, 60)), st.integers(0, 1)), min_size=1, max_size=4
)


def full_replay(store: EventStore, stream: str, as_of: date, known_at: int | None) -> dict[str, Any]:
    known = store.known_position(known_at)
    events = [event for event in store.read() if event.position <= known]
    effective = [event for event in fold_order(events) if event.stream == stream]
    return state_document(
        coalition_state(effective, as_of), stream=stream, as_of=as_of, known_at=known_at, position=known
    )


def snapshot_replay(replayer: Replayer, stream: str, as_of: date, known_at: int | None) -> tuple[dict[str, Any], bool]:
    replay = replayer.state(as_of=as_of, stream=stream, known_at=known_at)
    document = state_document(
        replay.state, stream=stream, as_of=as_of, known_at=known_at, position=replay.known_position
    )
    return document, replay.resumed_from is not None


def check_snapshots_agree_with_full_replay(
    store: EventStore, resumed: list[bool], *, defer_saves: bool = False
) -> Callable[..., None]:
    clock = itertools.count()
    store._clock = lambda: datetime(2025, 4, 1, tzinfo=UTC) + timedelta(seconds=next(clock))
    register_test_source(store)  # every generated event cites it
    replayer = Replayer(store, SnapshotRecorder(store.database, Snapshot), snapshot_every=2, defer_saves=defer_saves)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(batches=logs(), asked=st.lists(queries, min_size=4, max_size=4))
    def check(batches: list[list[dict[str, Any]]], asked: list[list[tuple[int, int | None, int]]]) -> None:
        streams = sorted({obj["stream"] for batch in batches for obj in batch})
        base, _ = store.head()
        for batch, batch_queries in zip(batches, asked, strict=False):
            store.append_many([Located(parse_event(cited(obj), "s"), Location("generated", 1)) for obj in batch])
            for day_offset, known_offset, stream_index in batch_queries:
                as_of = date(2025, 2, 20) + timedelta(days=day_offset)
                known_at = None if known_offset is None else base + known_offset
                stream = streams[stream_index % len(streams)]
                expected = full_replay(store, stream, as_of, known_at)
                # asked twice: the second time from what the first left (or an older snapshot), every time
                for _ in range(2):
                    actual, used_snapshot = snapshot_replay(replayer, stream, as_of, known_at)
                    resumed.append(used_snapshot)
                    assert json.dumps(actual) == json.dumps(expected)

    return check


@pytest.mark.parametrize("defer_saves", [False, True], ids=["saved-at-once", "saved-after-the-answer"])
def test_snapshot_replay_equals_full_replay_for_random_logs_and_queries(store: EventStore, defer_saves: bool) -> None:
    resumed: list[bool] = []
    check_snapshots_agree_with_full_replay(store, resumed, defer_saves=defer_saves)()
    assert any(resumed), "no query resumed from a snapshot: the property was not exercised"


def _example_store(store: EventStore) -> Replayer:
    from tests.support import example_objects

    store.append_many(
        [Located(parse_event(obj, "ukraine-coalition"), Location("example", 1)) for obj in example_objects()]
    )
    return Replayer(store, SnapshotRecorder(store.database, Snapshot), snapshot_every=1)


def test_a_back_dated_event_after_a_snapshot_is_not_missed(store: EventStore) -> None:
    replayer = _example_store(store)
    first = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert "IT" in first.state.members
    late_news = parse_event(
        {"id": "late", "type": "pledge.made", "occurred": "2025-03-14", "actor": "IT", "data": {"offers": ["naval"]},
         "sources": [{"source": "ft-2025-03-17"}]},
        "ukraine-coalition",
    )  # fmt: skip
    store.append(late_news)
    again = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert again.resumed_from is None or again.resumed_from.day < date(2025, 3, 14)
    assert again.state.members["IT"].offers == ("naval",)


def test_a_retraction_recorded_after_known_at_does_not_change_that_answer(store: EventStore) -> None:
    replayer = _example_store(store)
    before_retraction, _ = store.head()
    store.append(
        parse_event(
            {"id": "r1", "type": "event.retracted", "occurred": "2025-03-17",
             "data": {"target": "ft-0310-it-declined", "reason": "misread"}, "sources": [{"source": "ft-2025-03-17"}]},
            "ukraine-coalition",
        )
    )  # fmt: skip
    now = replayer.state(as_of=date(2025, 3, 12), stream="ukraine-coalition")
    then = replayer.state(as_of=date(2025, 3, 12), stream="ukraine-coalition", known_at=before_retraction)
    assert "IT" not in now.state.members
    assert then.state.members["IT"].stance == "declined"


def test_repeated_queries_resume_from_a_snapshot(store: EventStore) -> None:
    replayer = _example_store(store)
    cold = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    warm = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert cold.resumed_from is None
    assert warm.resumed_from is not None
    assert warm.folded == 0
    assert warm.state == cold.state


def test_saving_a_snapshot_never_keeps_a_reader_waiting_behind_a_writer(store: EventStore, database_url: str) -> None:
    import time

    from tests.reliability.conftest import write_lock_held

    replayer = _example_store(store)
    replay = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    snapshot = Snapshot("coalition", "ukraine-coalition", "v", replay.known_position, date(2025, 3, 17), {})
    recorder = SnapshotRecorder(store.database, Snapshot)
    with write_lock_held(database_url):
        started = time.monotonic()
        recorder.save_snapshots([snapshot])  # skipped: the cache is not worth the wait
        waited = time.monotonic() - started
    assert waited < 5
    assert (
        recorder.find_snapshot("coalition", "ukraine-coalition", "v", replay.known_position, date(2025, 3, 17)) is None
    )
    recorder.save_snapshots([snapshot])
    assert recorder.find_snapshot("coalition", "ukraine-coalition", "v", replay.known_position, date(2025, 3, 17))


class _CountingLog:
    """The store, counting what a replay asks of it."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.asked: list[str] = []

    def known_position(self, known_at: int | str | None) -> int:
        return self.store.known_position(known_at)

    def effective_batches(self, window: Any) -> Any:
        self.asked.append("effective_batches")
        return self.store.effective_batches(window)


def test_a_snapshot_taken_on_the_day_asked_answers_without_reading_the_log(store: EventStore) -> None:
    _example_store(store).state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    log = _CountingLog(store)
    # a new recorder, as in a new process: the snapshot is read from the table
    replayer = Replayer(log, SnapshotRecorder(store.database, Snapshot))
    warm = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    full = Replayer(store).state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert warm.resumed_from is not None
    assert warm.folded == 0
    assert log.asked == []
    assert warm.state == full.state


_ACTOR_ROW = '["IT", "declined", "2025-03-01", "e1", "declined", "{numbers}", [0], [], [], [], [], [], []]'
_DAMAGED_ACTOR = '{{"version": 5, "ids": ["e1"], "actors": [{row}], "claims": {{}}, "held": [], "scheduled": []}}'


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        '{"version": 4}',
        "[]",
        '{"version": 5, "ids": [1]}',
        _DAMAGED_ACTOR.format(row=_ACTOR_ROW.format(numbers="AAA=")),  # numbers packed wrongly
        _DAMAGED_ACTOR.format(row=_ACTOR_ROW.format(numbers="AQAAAA==")),  # number 1, beyond the one id
        _DAMAGED_ACTOR.format(row='["IT"]'),  # a row cut short
    ],
)
def test_a_snapshot_damaged_from_outside_is_passed_over_and_the_log_replayed(store: EventStore, damage: str) -> None:
    day = date(2025, 3, 17)
    _example_store(store).state(as_of=day, stream="ukraine-coalition")
    assert _saved(store) > 0
    store.database.writing(lambda connection: connection.execute(update(snapshots).values(state=damage)))
    # a new recorder, as in a new process: the snapshot is read from the table
    replayer = Replayer(store, SnapshotRecorder(store.database, Snapshot))
    for asked in (day, day + timedelta(days=3)):  # the day it was taken on, and one after
        again = replayer.state(as_of=asked, stream="ukraine-coalition")
        assert again.resumed_from is None
        assert again.state == Replayer(store).state(as_of=asked, stream="ukraine-coalition").state


def test_clearing_snapshots_also_forgets_the_ones_kept_in_memory(store: EventStore) -> None:
    recorder = SnapshotRecorder(store.database, Snapshot)
    _example_store(store)
    replayer = Replayer(store, recorder, snapshot_every=1)
    replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition").resumed_from is not None
    recorder.clear()
    again = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert again.resumed_from is None


def _saved(store: EventStore) -> int:
    with store.database.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(snapshots)).scalar_one())


def test_deferred_snapshots_are_saved_only_once_asked_and_give_the_same_answers(store: EventStore) -> None:
    _example_store(store)
    replayer = Replayer(store, SnapshotRecorder(store.database, Snapshot), snapshot_every=1, defer_saves=True)
    cold = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert _saved(store) == 0, "the answer came before any snapshot was written"
    replayer.save_snapshots()
    saved = _saved(store)
    assert saved > 0
    replayer.save_snapshots()  # nothing waits any more: nothing is written twice
    assert _saved(store) == saved
    warm = replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    assert warm.resumed_from is not None
    assert warm.state == cold.state


def test_a_second_question_saves_what_the_first_left_before_it_replays(store: EventStore) -> None:
    _example_store(store)
    replayer = Replayer(store, SnapshotRecorder(store.database, Snapshot), snapshot_every=1, defer_saves=True)
    replayer.state(as_of=date(2025, 3, 17), stream="ukraine-coalition")
    second = replayer.state(as_of=date(2025, 3, 20), stream="ukraine-coalition")
    assert _saved(store) > 0
    assert second.resumed_from is not None
