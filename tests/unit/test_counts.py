from __future__ import annotations

from datetime import date
from typing import Any

from projections.counts import count_series
from projections.replay import fold_order
from tests.support import recorded


def event(type_: str, actor: str, occurred: str, event_id: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": type_, "occurred": occurred, "actor": actor, "data": data}


def count(event_id: str, occurred: str, amount: int, subject: str = "participants") -> dict[str, Any]:
    return event("count.reported", "GB", occurred, event_id, subject=subject, comparator=">", amount=amount)


def pledge(event_id: str, actor: str, occurred: str) -> dict[str, Any]:
    return event("pledge.made", actor, occurred, event_id, offers=["troops"])


def series(*objects: dict[str, Any], subject: str = "participants", as_of: date | None = None) -> list[dict[str, Any]]:
    return count_series(fold_order(recorded(objects)), subject, as_of=as_of)


def test_series_lists_each_claim_in_fold_order_with_the_named_floor_of_its_day():
    points = series(
        pledge("gb", "GB", "2025-03-01"),
        count("a", "2025-03-03/2025-03-09", 20),
        pledge("fr", "FR", "2025-03-05"),
        count("b", "2025-03-17", 30),
    )
    assert points == [
        {
            "comparator": ">",
            "amount": 20,
            "occurred": "2025-03-03/2025-03-09",
            "attributed_to": None,
            "raw": None,
            "event": "a",
            "sources": [],
            "as_of": "2025-03-09",
            "named_floor": 2,
        },
        {
            "comparator": ">",
            "amount": 30,
            "occurred": "2025-03-17",
            "attributed_to": None,
            "raw": None,
            "event": "b",
            "sources": [],
            "as_of": "2025-03-17",
            "named_floor": 2,
        },
    ]


def test_the_floor_counts_events_folded_after_the_claim_on_the_same_day():
    points = series(
        count("a", "2025-03-10", 20),
        pledge("pl", "PL", "2025-03-10"),
        count("b", "2025-03-10", 22),
        pledge("no", "NO", "2025-03-08/2025-03-10"),
        pledge("dk", "DK", "2025-03-11"),
    )
    assert [(point["event"], point["named_floor"]) for point in points] == [("a", 2), ("b", 2)]


def test_a_series_keeps_to_its_subject_and_troop_claims_have_no_floor():
    objects = (
        pledge("gb", "GB", "2025-03-01"),
        count("a", "2025-03-02", 20),
        count("t", "2025-03-02", 30000, "troops"),
    )
    assert [(point["event"], point["named_floor"]) for point in series(*objects, subject="troops")] == [("t", None)]
    assert [point["event"] for point in series(*objects)] == ["a"]


def test_a_series_stops_at_as_of():
    objects = (count("a", "2025-03-09", 20), count("b", "2025-03-17", 30))
    assert [point["event"] for point in series(*objects, as_of=date(2025, 3, 16))] == ["a"]


def test_no_claims_make_an_empty_series():
    assert series(pledge("gb", "GB", "2025-03-01")) == []
