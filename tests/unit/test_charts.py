"""The chart data: size claims with their bounds, the named floor as steps, stances as segments per actor."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import pytest

from projections.charts import (
    FloorStep,
    LeftOut,
    claim_bounds,
    drawn_window,
    floor_steps,
    size_chart,
    stance_lanes,
)
from projections.coalition import coalition_state
from projections.counts import count_series
from projections.replay import fold_order
from render.charts import render_size_chart, render_stance_chart
from tests.support import ROOT, example_events, fixture_events, fixture_objects, recorded
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


# -- days at the ends of the calendar: any date the parser accepts is drawn, or named as left off the axis ----------

EXTREMES = ["0001-01-01", "9999-12-31", "0001-01-01/9999-12-31", "9999"]


def with_one_event_dated(occurred: str, type: str = "position.undecided", **data) -> list:
    """The fixture log and one more event, of Malta (not in the fixture log), dated at an end of the calendar."""
    return fold_order(recorded([*fixture_objects(), event("far", type, occurred, "MT", **data)]))


def test_without_outlying_days_a_chart_draws_every_day_as_before(example) -> None:
    assert drawn_window(example) == (None, None, ())
    assert size_chart(example).left_out == stance_lanes(example).left_out == ()


def test_a_day_in_year_one_is_left_off_the_axis_and_named_but_its_stance_still_holds() -> None:
    events = with_one_event_dated("0001-01-01")
    first, last, left_out = drawn_window(events)
    assert (first, last) == (day(2), None)  # the fixture log's first day, its end left open
    assert left_out == (LeftOut("far", "0001-01-01"),)
    lanes = stance_lanes(events)
    assert (lanes.first_day, lanes.last_day, lanes.left_out) == (day(2), day(17), left_out)
    assert [(s.stance, s.start, s.end) for s in lanes.lane("MT")] == [("undecided", date(1, 1, 1), None)]  # held since
    chart = size_chart(events)
    assert (chart.first_day, chart.last_day, chart.left_out) == (day(2), day(17), left_out)
    assert chart.floor[0] == FloorStep(day(2), 0)  # the floor in force on the first day drawn, not year one's


def test_a_day_in_year_9999_is_left_off_the_axis_and_does_not_count() -> None:
    events = with_one_event_dated("9999-12-31", "pledge.made", offers=["troops"])
    lanes = stance_lanes(events)
    assert (lanes.first_day, lanes.last_day, lanes.left_out) == (day(2), day(17), (LeftOut("far", "9999-12-31"),))
    assert "MT" not in lanes.actors
    chart = size_chart(events)
    assert chart.last_day == day(17)
    assert chart.floor[-1].floor == size_chart(fold_order(fixture_events())).floor[-1].floor


def test_a_claim_said_over_ten_thousand_years_counts_from_its_last_day_and_is_named() -> None:
    claim = event("far", "count.reported", "0001-01-01/9999-12-31", "GB", subject="participants", comparator="=",
                  amount=3)  # fmt: skip
    chart = size_chart(fold_order(recorded([*fixture_objects(), claim])))
    assert (chart.first_day, chart.last_day) == (day(2), day(17))
    assert [c.event for c in chart.claims if c.event == "far"] == []
    assert chart.left_out == (LeftOut("far", "0001-01-01/9999-12-31"),)


def test_a_window_asked_for_is_kept_as_asked_even_over_the_whole_calendar() -> None:
    events = with_one_event_dated("0001-01-01")
    whole = (date(1, 1, 1), date(9999, 12, 31))
    assert drawn_window(events, *whole) == (*whole, ())
    lanes = stance_lanes(events, start=whole[0], end=whole[1])
    assert (lanes.first_day, lanes.last_day, lanes.left_out) == (*whole, ())
    assert drawn_window(events, start=date(1, 1, 1)) == (date(1, 1, 1), None, ())  # the other side stays open


def test_the_body_with_more_events_is_drawn_and_of_equals_the_later() -> None:
    early = [event(f"e{n}", "position.undecided", f"1990-01-0{n}", code) for n, code in ((1, "SE"), (2, "NO"))]
    late = [event("l1", "position.undecided", "2025-03-10", "FI")]
    events = fold_order(recorded([*early, *late]))
    assert drawn_window(events) == (None, date(1990, 1, 2), (LeftOut("l1", "2025-03-10"),))
    events = fold_order(recorded([early[0], *late]))
    assert drawn_window(events) == (day(10), None, (LeftOut("e1", "1990-01-01"),))


@pytest.mark.parametrize("occurred", EXTREMES)
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_both_charts_render_with_an_event_at_an_end_of_the_calendar_and_say_what_they_left_off(occurred, fmt) -> None:
    events = with_one_event_dated(occurred)
    size, lanes = render_size_chart(size_chart(events), fmt), render_stance_chart(stance_lanes(events), fmt)
    assert size.startswith(b"<?xml" if fmt == "svg" else b"\x89PNG")
    assert lanes.startswith(b"<?xml" if fmt == "svg" else b"\x89PNG")
    if fmt == "svg":
        assert b'id="left-out"' in size
        assert b'id="left-out"' in lanes


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(1, 1, 1), date(9999, 12, 31)),
        (date(1, 1, 1), date(1, 1, 7)),
        (date(9999, 12, 25), date(9999, 12, 31)),
        (date(9999, 12, 31), date(9999, 12, 31)),
    ],
)
def test_both_charts_render_any_window_of_the_calendar(start, end) -> None:
    events = with_one_event_dated("9999-12-31", "count.reported", subject="participants", comparator=">", amount=3)
    size = render_size_chart(size_chart(events, start=start, end=end))
    lanes = render_stance_chart(stance_lanes(events, start=start, end=end))
    assert b'id="left-out"' not in size + lanes


def test_charts_of_the_example_name_nothing_left_off(example) -> None:
    assert b'id="left-out"' not in render_size_chart(size_chart(example)) + render_stance_chart(stance_lanes(example))
