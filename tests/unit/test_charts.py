"""The chart data: size claims with their bounds, the named floor as steps, stances as segments per actor."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import pytest

from projections.charts import FloorStep, claim_bounds, floor_steps, size_chart, stance_lanes
from projections.coalition import coalition_state
from projections.counts import count_series
from projections.replay import fold_order
from tests.support import ROOT, example_events, recorded
from tests.unit.test_architecture import imported_packages

MARCH = date(2025, 3, 1)


def day(n: int) -> date:
    return MARCH + timedelta(days=n - 1)


@pytest.fixture(scope="module")
def example() -> list:
    return fold_order(example_events())


def event(id: str, type: str, occurred: str, actor: str | None = "PL", **data) -> dict:
    obj = {"id": id, "type": type, "occurred": occurred, "data": data, "sources": [{"source": "s", "quote": "q"}]}
    if actor is not None:
        obj["actor"] = actor
    return obj


@pytest.mark.parametrize(
    ("comparator", "amount", "bounds", "shape"),
    [
        ("=", 12, (12, 12), "point"),
        ("~", 20, (16, 24), "band"),
        ("~", 7, (6, 8), "band"),
        (">", 30, (31, None), "at_least"),
        (">=", 30, (30, None), "at_least"),
        ("<", 10, (None, 9), "at_most"),
        ("<=", 30000, (None, 30000), "at_most"),
    ],
)
def test_each_comparator_bounds_a_claim_and_decides_how_it_is_drawn(comparator, amount, bounds, shape) -> None:
    assert claim_bounds(comparator, amount) == bounds
    claim = event(
        "c", "count.reported", "2025-03-10", "GB", subject="participants", comparator=comparator, amount=amount
    )
    (drawn,) = size_chart(recorded([claim])).claims
    assert (drawn.lower, drawn.upper, drawn.shape) == (*bounds, shape)


def test_the_example_size_chart_holds_both_claims_where_they_count_from(example) -> None:
    chart = size_chart(example)
    about, more = chart.claims
    assert (about.day, about.earliest, about.raw, about.lower, about.upper) == (day(9), day(3), "about 20", 16, 24)
    assert (more.day, more.comparator, more.amount, more.shape) == (day(17), ">", 30, "at_least")
    assert [claim.event for claim in chart.claims] == [
        point["event"] for point in count_series(example, "participants")
    ]
    assert (chart.first_day, chart.last_day) == (day(3), day(17))


def test_the_named_floor_steps_up_as_actors_are_named_as_supporting(example) -> None:
    assert floor_steps(example) == (FloorStep(day(9), 1), FloorStep(day(10), 5), FloorStep(day(17), 9))
    for step in floor_steps(example):
        assert coalition_state(example, step.day).reported_size.named_floor == step.floor


def test_a_window_keeps_later_claims_and_starts_the_floor_at_its_first_day(example) -> None:
    chart = size_chart(example, start=day(12), end=day(16))
    assert chart.claims == ()
    assert chart.floor == (FloorStep(day(12), 5),)
    assert (chart.first_day, chart.last_day) == (day(12), day(16))
    assert [claim.amount for claim in size_chart(example, start=day(12)).claims] == [30]


def test_troop_claims_come_without_a_floor(example) -> None:
    chart = size_chart(example, "troops")
    assert [(claim.amount, claim.shape) for claim in chart.claims] == [(30000, "at_most")]
    assert chart.floor == ()


def test_an_empty_log_gives_empty_charts() -> None:
    assert size_chart([]) == size_chart([], "participants")
    assert size_chart([]).first_day is None
    assert stance_lanes([]).actors == ()


def test_stance_lanes_agree_with_the_state_on_every_day(example) -> None:
    lanes = stance_lanes(example)
    for n in range(1, 20):
        members = coalition_state(example, day(n)).members
        drawn = {
            segment.actor: segment.stance
            for segment in lanes.segments
            if segment.start <= day(n) and (segment.end is None or day(n) < segment.end)
        }
        assert drawn == {code: member.stance for code, member in members.items()}, day(n)


def test_australia_considers_from_the_weekend_call_and_supports_from_the_second_article(example) -> None:
    considering, supporting = stance_lanes(example).lane("AU")
    assert (considering.stance, considering.start, considering.end, considering.possible_from) == (
        "considering",
        day(9),
        day(17),
        day(8),
    )
    assert (supporting.stance, supporting.start, supporting.end, supporting.event) == (
        "supporting",
        day(17),
        None,
        "ft-0317-au-troops",
    )


def test_lanes_list_the_most_committed_first_and_leave_out_actors_without_a_stance(example) -> None:
    lanes = stance_lanes(example)
    assert lanes.actors[0] == "AU"
    assert lanes.actors[-1] == "IT"
    assert "US" not in lanes.actors  # it only ruled out air cover: not a member
    final = [lanes.lane(code)[-1].stance for code in lanes.actors]
    assert final == sorted(final, key=["supporting", "considering", "undecided", "in_talks", "declined"].index)


def test_a_stance_that_changes_twice_in_one_day_draws_only_where_it_ends_up() -> None:
    events = fold_order(
        recorded(
            [
                event("a", "position.considering", "2025-03-05"),
                event("b", "pledge.made", "2025-03-09", offers=["logistics"]),
                event("c", "pledge.withdrawn", "2025-03-09"),
                event("d", "position.declined", "2025-03-12"),
            ]
        )
    )
    segments = stance_lanes(events).lane("PL")
    assert [(s.stance, s.start, s.end) for s in segments] == [
        ("considering", day(5), day(12)),
        ("declined", day(12), None),
    ]


def test_an_actor_that_loses_its_stance_ends_its_lane() -> None:
    events = fold_order(
        recorded(
            [
                event("a", "pledge.made", "2025-03-05", offers=["troops"]),
                event("b", "pledge.withdrawn", "2025-03-08"),
            ]
        )
    )
    (segment,) = stance_lanes(events).lane("PL")
    assert (segment.stance, segment.start, segment.end) == ("supporting", day(5), day(8))


def test_a_window_drops_segments_that_ended_before_it(example) -> None:
    lanes = stance_lanes(example, start=day(11), end=day(14))
    assert [segment.stance for segment in lanes.lane("GB")] == ["supporting"]
    assert "DK" not in lanes.actors  # supporting only from 17 March
    assert (lanes.first_day, lanes.last_day) == (day(11), day(14))


def test_a_window_after_the_last_event_shows_the_stances_still_held(example) -> None:
    lanes = stance_lanes(example, start=date(2030, 1, 1))
    assert (lanes.first_day, lanes.last_day) == (date(2030, 1, 1), date(2030, 1, 1))
    assert [segment.stance for segment in lanes.lane("AU")] == ["supporting"]


def test_chart_data_imports_only_events_and_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"__future__", "events", "projections"}
    assert imported_packages(ROOT / "projections" / "charts.py") <= allowed
