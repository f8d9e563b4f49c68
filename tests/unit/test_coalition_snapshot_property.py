from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from events import CAPABILITIES, COMPARATORS, SUBJECTS, edtf_bounds
from projections.coalition import CoalitionFold, state_document, state_view
from projections.replay import fold_order
from render.documents import json_bytes, json_indented, json_text
from tests.support import recorded

ACTORS = ("GB", "FR", "PL", "DE", "IT", "AU")
MEETINGS = ("leaders", "planners", "chiefs")
CONDITIONS = ("us_backstop", "legal_basis", "rules_of_engagement")
FIRST_DAY = date(2025, 3, 1)

days = st.integers(0, 30).map(lambda offset: FIRST_DAY + timedelta(days=offset))


@st.composite
def fuzzy_dates(draw: st.DrawFn) -> str:
    start = draw(days)
    kind = draw(st.sampled_from(["day", "interval", "month", "qualified"]))
    if kind == "interval":
        return f"{start.isoformat()}/{(start + timedelta(days=draw(st.integers(0, 9)))).isoformat()}"
    if kind == "month":
        return start.isoformat()[:7]
    if kind == "qualified":
        return start.isoformat() + draw(st.sampled_from(["?", "~"]))
    return start.isoformat()


capabilities = st.lists(st.sampled_from(CAPABILITIES), min_size=1, max_size=3, unique=True)
conditions = st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2, unique=True)
participants = st.lists(st.sampled_from(ACTORS), min_size=1, max_size=3, unique=True)


def optional(data: dict[str, Any], key: str, strategy: st.SearchStrategy[Any], draw: st.DrawFn) -> None:
    if draw(st.booleans()):
        data[key] = draw(strategy)


@st.composite
def payloads(draw: st.DrawFn, type_: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if type_ == "pledge.made":
        data["offers"] = draw(capabilities)
        optional(data, "ruled_out", capabilities, draw)
        optional(data, "conditions", conditions, draw)
        optional(data, "firmness", st.sampled_from(("firm", "tentative")), draw)
    elif type_ == "pledge.withdrawn":
        optional(data, "offers", capabilities, draw)
    elif type_ == "position.declined":
        optional(data, "scope", st.sampled_from(("participation", *CAPABILITIES)), draw)
    elif type_ == "position.considering":
        optional(data, "conditions", conditions, draw)
    elif type_ == "condition.stated":
        data["condition"] = draw(st.sampled_from(CONDITIONS))
    elif type_ == "meeting.convened":
        optional(data, "meeting_id", st.sampled_from(MEETINGS), draw)
        optional(data, "participants", participants, draw)
        optional(data, "external", st.booleans(), draw)
    elif type_ == "meeting.scheduled":
        data.update(meeting_id=draw(st.sampled_from(MEETINGS)), scheduled_for=draw(fuzzy_dates()), format="virtual")
        optional(data, "participants", participants, draw)
    elif type_ == "count.reported":
        data.update(
            subject=draw(st.sampled_from(SUBJECTS)),
            comparator=draw(st.sampled_from(COMPARATORS)),
            amount=draw(st.integers(0, 50)),
        )
        optional(data, "attributed_to", st.sampled_from(["Downing Street", "Élysée"]), draw)
    elif type_ == "statement.made":
        data.update(speaker="David Lammy, UK foreign secretary", summary="the G7 have more cards to play")
    return data


DOMAIN_TYPES = (
    "pledge.made",
    "pledge.withdrawn",
    "position.declined",
    "position.undecided",
    "position.considering",
    "position.in_talks",
    "condition.stated",
    "meeting.convened",
    "meeting.scheduled",
    "count.reported",
    "statement.made",
)


@st.composite
def logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    targets: list[str] = []
    for index in range(draw(st.integers(0, 40))):
        type_ = draw(st.sampled_from(DOMAIN_TYPES))
        obj: dict[str, Any] = {
            "id": f"e{index}",
            "type": type_,
            "occurred": draw(fuzzy_dates()),
            "actor": draw(st.sampled_from(ACTORS)),
            "data": draw(payloads(type_)),
            "sources": [{"source": "src", "quote": "q"}],
        }
        objects.append(obj)
        targets.append(obj["id"])
        if draw(st.integers(0, 9)) == 0:  # now and then, amend an earlier event
            target = draw(st.sampled_from(targets))
            if draw(st.booleans()):
                amendment = {"type": "event.retracted", "data": {"target": target, "reason": "wrong"}}
            else:
                changes = {"occurred": draw(fuzzy_dates())}
                amendment = {"type": "event.corrected", "data": {"target": target, "changes": changes, "reason": "r"}}
            objects.append({"id": f"a{index}", "occurred": "2025-04-01", **amendment})
    return objects


@settings(deadline=None)
@given(objects=logs(), as_of=days, data=st.data())
def test_resuming_from_a_snapshot_equals_folding_in_one_go(objects, as_of, data):
    events = [item for item in fold_order(recorded(objects)) if edtf_bounds(item.occurred)[1] <= as_of]
    split = data.draw(st.integers(0, len(events)), label="split")

    whole = CoalitionFold()
    whole.apply_until(events, as_of)

    first = CoalitionFold()
    first.apply_until(events[:split], as_of)
    resumed = CoalitionFold.from_snapshot(msgspec.json.encode(first.to_snapshot()))  # its JSON, as stored
    resumed.apply_until(events[split:], as_of)

    assert resumed.result(as_of) == whole.result(as_of)
    assert resumed.to_snapshot() == whole.to_snapshot()
    # a fold a snapshot was taken of goes on as if it had not been (to_snapshot copies no actor: it only prunes)
    first.apply_until(events[split:], as_of)
    assert first.result(as_of) == whole.result(as_of)
    assert first.to_snapshot() == whole.to_snapshot()
    documents = [
        json.dumps(state_document(fold.result(as_of), stream="s", as_of=as_of, known_at=None, position=0))
        for fold in (resumed, whole)
    ]
    assert documents[0] == documents[1]


@settings(deadline=None)
@given(objects=logs(), as_of=days, data=st.data())
def test_a_snapshot_taken_on_a_day_leaves_out_only_what_can_never_count_again(objects, as_of, data):
    events = [item for item in fold_order(recorded(objects)) if edtf_bounds(item.occurred)[1] <= as_of]
    # as the engine takes them: every event dated up to the day in, none after; queries as of that day or later
    day = data.draw(st.dates(min_value=FIRST_DAY - timedelta(days=1), max_value=as_of), label="day")
    split = sum(edtf_bounds(item.occurred)[1] <= day for item in events)

    whole = CoalitionFold()
    whole.apply_until(events, as_of)

    first = CoalitionFold()
    first.apply_until(events[:split], day)
    resumed = CoalitionFold.from_snapshot(msgspec.json.encode(first.to_snapshot(as_of=day)))
    resumed.apply_until(events[split:], as_of)

    assert resumed.result(as_of) == whole.result(as_of)
    assert resumed.to_snapshot(as_of=as_of) == whole.to_snapshot(as_of=as_of)


@settings(deadline=None)
@given(objects=logs(), as_of=days)
def test_pruning_the_events_that_touched_an_actor_never_changes_an_answer(objects, as_of):
    from projections import coalition

    events = [item for item in fold_order(recorded(objects)) if edtf_bounds(item.occurred)[1] <= as_of]
    answers = []
    original = coalition._PRUNE_AFTER
    try:
        for prune_after in (0, 10**9):  # prune from the very first touch on (at every growth), and never
            coalition._PRUNE_AFTER = prune_after
            fold = CoalitionFold()
            fold.apply_until(events, as_of)
            answers.append((fold.result(as_of), {code: fold.fact_events(code) for code in ACTORS}))
    finally:
        coalition._PRUNE_AFTER = original
    assert answers[0] == answers[1]


@settings(deadline=None)
@given(objects=logs(), as_of=days, data=st.data())
def test_a_capture_turned_into_a_snapshot_later_is_the_snapshot_of_its_moment(objects, as_of, data):
    """The engine captures the fold along the way and writes the snapshot after the answer: the same JSON."""
    events = [item for item in fold_order(recorded(objects)) if edtf_bounds(item.occurred)[1] <= as_of]
    split = data.draw(st.integers(0, len(events)), label="split")
    fold = CoalitionFold()
    fold.apply_until(events[:split], as_of)
    at_the_moment = msgspec.json.encode(fold.to_snapshot())
    capture = fold.capture()
    fold.apply_until(events[split:], as_of)
    assert msgspec.json.encode(capture.to_snapshot()) == at_the_moment


@settings(deadline=None)
@given(objects=logs(), as_of=days, known_at=st.none() | st.integers(0, 99))
def test_the_state_view_prints_the_bytes_of_the_plain_document(objects, as_of, known_at):
    """`dtl state --json` and the API encode the view (dataclasses as they are): the document's very bytes."""
    fold = CoalitionFold()
    fold.apply_until(fold_order(recorded(objects)), as_of)
    where = {"stream": "s", "as_of": as_of, "known_at": known_at, "position": 7}
    view = state_view(fold.result(as_of), **where)
    plain = state_document(fold.result(as_of), **where)
    assert json_indented(view) == json.dumps(plain, ensure_ascii=False, indent=2).encode()
    assert json_bytes(view) == json_bytes(plain)
    assert json_text(view) == json_text(plain)  # json.dumps's path, as for what orjson refuses
