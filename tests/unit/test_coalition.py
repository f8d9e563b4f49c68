from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import msgspec
import pytest

from events import RecordedEvent
from projections.coalition import STANCE_ORDER, CoalitionFold, CoalitionState, coalition_state, state_document
from projections.replay import fold_order
from projections.structs import pack_numbers, unpack_numbers
from tests.support import example_events, recorded

END = date(2025, 12, 31)


def event(type_: str, actor: str | None, occurred: str, event_id: str, **data: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": event_id, "type": type_, "occurred": occurred, "data": data}
    if actor is not None:
        obj["actor"] = actor
    return obj


def state(*objects: dict[str, Any], as_of: date = END) -> CoalitionState:
    return coalition_state(fold_order(recorded(objects)), as_of)


def facts(current: CoalitionState, code: str) -> dict[str, Any]:
    return current.members[code].to_json()


# --- supporting and offers ---


def test_pledge_makes_the_actor_supporting_with_its_offers_ruled_out_and_conditions():
    current = state(
        event(
            "pledge.made",
            "PL",
            "2025-03-10",
            "pl",
            offers=["logistics"],
            ruled_out=["troops"],
            conditions=["un_mandate"],
        )
    )
    assert facts(current, "PL") == {
        "stance": "supporting",
        "offers": ["logistics"],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": ["troops"],
        "conditions": ["un_mandate"],
        "since": "2025-03-10",
        "events": ["pl"],
    }


def test_offers_keep_first_offered_order_without_duplicates():
    current = state(
        event("pledge.made", "GB", "2025-03-01", "a", offers=["troops", "naval"]),
        event("pledge.made", "GB", "2025-03-02", "b", offers=["logistics", "troops"]),
    )
    assert current.members["GB"].offers == ("troops", "naval", "logistics")


def test_offering_a_capability_removes_it_from_ruled_out():
    current = state(
        event("pledge.made", "PL", "2025-03-01", "a", offers=["logistics"], ruled_out=["troops", "naval"]),
        event("pledge.made", "PL", "2025-03-02", "b", offers=["troops"]),
    )
    assert current.members["PL"].offers == ("logistics", "troops")
    assert current.members["PL"].ruled_out == ("naval",)


def test_ruling_out_in_a_later_pledge_withdraws_that_offer():
    current = state(
        event("pledge.made", "PL", "2025-03-01", "a", offers=["troops", "logistics"]),
        event("pledge.made", "PL", "2025-03-02", "b", offers=["logistics"], ruled_out=["troops"]),
    )
    assert current.members["PL"].offers == ("logistics",)
    assert current.members["PL"].ruled_out == ("troops",)


def test_decline_of_a_capability_rules_it_out_and_removes_the_offer():
    current = state(
        event("pledge.made", "GB", "2025-03-01", "a", offers=["troops", "air_cover"]),
        event("position.declined", "GB", "2025-03-02", "b", scope="air_cover"),
    )
    assert facts(current, "GB") | {"events": None} == {
        "stance": "supporting",
        "offers": ["troops"],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": ["air_cover"],
        "conditions": [],
        "since": "2025-03-01",
        "events": None,
    }


def test_decline_of_a_capability_alone_does_not_make_a_member():
    current = state(event("position.declined", "US", "2025-03-02", "us", scope="air_cover"))
    assert "US" not in current.members


def test_decline_of_the_last_offered_capability_lets_the_stance_fall_back():
    current = state(
        event("position.considering", "AU", "2025-03-01", "a"),
        event("pledge.made", "AU", "2025-03-02", "b", offers=["troops"]),
        event("position.declined", "AU", "2025-03-03", "c", scope="troops"),
    )
    assert facts(current, "AU") == {
        "stance": "considering",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": ["troops"],
        "conditions": [],
        "since": "2025-03-03",
        "events": ["a", "c"],
    }


def test_decline_of_participation_clears_offers():
    current = state(
        event("pledge.made", "IT", "2025-03-01", "a", offers=["troops", "logistics"]),
        event("position.declined", "IT", "2025-03-02", "b", scope="participation"),
    )
    assert facts(current, "IT") == {
        "stance": "declined",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": [],
        "conditions": [],
        "since": "2025-03-02",
        "events": ["b"],
    }


def test_decline_without_scope_means_participation():
    current = state(
        event("pledge.made", "IT", "2025-03-01", "a", offers=["troops"]),
        event("position.declined", "IT", "2025-03-02", "b"),
    )
    assert current.members["IT"].stance == "declined"
    assert current.members["IT"].offers == ()


def test_decline_of_participation_keeps_what_the_cleared_pledge_ruled_out():
    current = state(
        event("pledge.made", "PL", "2025-03-01", "a", offers=["logistics"], ruled_out=["troops"]),
        event("position.declined", "PL", "2025-03-02", "b"),
    )
    assert facts(current, "PL") | {"since": None} == {
        "stance": "declined",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": ["troops"],
        "conditions": [],
        "since": None,
        "events": ["a", "b"],
    }


def test_pledge_after_a_decline_makes_the_actor_supporting_again():
    current = state(
        event("position.declined", "IT", "2025-03-01", "a"),
        event("pledge.made", "IT", "2025-03-05", "b", offers=["funding"]),
    )
    assert facts(current, "IT") == {
        "stance": "supporting",
        "offers": ["funding"],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": [],
        "conditions": [],
        "since": "2025-03-05",
        "events": ["b"],
    }


def test_withdrawal_of_named_offers_keeps_the_rest():
    current = state(
        event("pledge.made", "FR", "2025-03-01", "a", offers=["troops", "naval"]),
        event("pledge.made", "FR", "2025-03-02", "b", offers=["logistics"]),
        event("pledge.withdrawn", "FR", "2025-03-03", "c", offers=["troops", "logistics"]),
    )
    assert facts(current, "FR") == {
        "stance": "supporting",
        "offers": ["naval"],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": [],
        "conditions": [],
        "since": "2025-03-01",
        "events": ["a"],
    }


def test_withdrawal_without_offers_named_removes_all_and_the_stance_falls_back_to_the_latest_position():
    current = state(
        event("position.undecided", "DE", "2025-03-01", "a"),
        event("pledge.made", "DE", "2025-03-02", "b", offers=["troops", "naval"]),
        event("pledge.withdrawn", "DE", "2025-03-03", "c", reason="elections"),
    )
    assert facts(current, "DE") == {
        "stance": "undecided",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": [],
        "conditions": [],
        "since": "2025-03-03",
        "events": ["a", "c"],
    }


def test_withdrawal_of_every_offer_with_nothing_to_fall_back_to_ends_membership():
    current = state(
        event("pledge.made", "NO", "2025-03-01", "a", offers=["unspecified"]),
        event("pledge.withdrawn", "NO", "2025-03-02", "b"),
    )
    assert "NO" not in current.members


def test_withdrawal_falls_back_to_in_talks():
    current = state(
        event("position.in_talks", "FI", "2025-03-01", "a"),
        event("pledge.made", "FI", "2025-03-02", "b", offers=["naval"]),
        event("pledge.withdrawn", "FI", "2025-03-03", "c", offers=["naval"]),
    )
    assert (current.members["FI"].stance, current.members["FI"].events) == ("in_talks", ("a", "c"))


# --- declined, undecided, considering ---


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("position.declined", "position.undecided", "undecided"),
        ("position.undecided", "position.considering", "considering"),
        ("position.considering", "position.declined", "declined"),
        ("position.considering", "position.undecided", "undecided"),
    ],
)
def test_the_latest_of_declined_undecided_and_considering_wins(first, second, expected):
    current = state(event(first, "ES", "2025-03-01", "a"), event(second, "ES", "2025-03-02", "b"))
    assert (current.members["ES"].stance, current.members["ES"].events) == (expected, ("b",))


def test_latest_means_latest_in_fold_order_not_in_recording_order():
    current = state(
        event("position.undecided", "ES", "2025-03-05", "recorded-first"),
        event("position.considering", "ES", "2025-03-01", "recorded-second"),
    )
    assert current.members["ES"].stance == "undecided"


def test_a_later_undecided_downgrades_a_pledge_and_its_offers_stay_listed_as_not_standing():
    current = state(
        event("pledge.made", "AU", "2025-03-01", "a", offers=["troops"]),
        event("position.undecided", "AU", "2025-03-02", "b"),
    )
    assert facts(current, "AU") == {
        "stance": "undecided",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": ["troops"],
        "ruled_out": [],
        "conditions": [],
        "since": "2025-03-02",
        "events": ["a", "b"],
    }


def test_considering_adds_its_conditions():
    current = state(
        event("position.considering", "IE", "2025-03-01", "a", conditions=["legal_basis"]),
        event("condition.stated", "IE", "2025-03-02", "b", condition="rules_of_engagement"),
        event("condition.stated", "IE", "2025-03-03", "c", condition="legal_basis"),
    )
    assert facts(current, "IE") == {
        "stance": "considering",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": [],
        "conditions": ["legal_basis", "rules_of_engagement"],
        "since": "2025-03-01",
        "events": ["a", "b", "c"],
    }


def test_a_stated_condition_alone_does_not_make_a_member():
    current = state(event("condition.stated", "GB", "2025-03-01", "a", condition="us_backstop"))
    assert current.members == {}


def test_conditions_stated_before_membership_show_once_the_actor_is_a_member():
    current = state(
        event("condition.stated", "GB", "2025-03-01", "a", condition="us_backstop"),
        event("pledge.made", "GB", "2025-03-02", "b", offers=["troops"]),
    )
    assert facts(current, "GB") | {"offers": None} == {
        "stance": "supporting",
        "offers": None,
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": [],
        "conditions": ["us_backstop"],
        "since": "2025-03-02",
        "events": ["a", "b"],
    }


# --- in talks ---


def test_in_talks_event_makes_the_actor_in_talks():
    current = state(event("position.in_talks", "NZ", "2025-03-01", "a"))
    assert facts(current, "NZ") == {
        "stance": "in_talks",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": [],
        "conditions": [],
        "since": "2025-03-01",
        "events": ["a"],
    }


def test_a_position_outranks_in_talks_whatever_the_order():
    current = state(
        event("position.undecided", "DE", "2025-03-01", "a"),
        event("position.in_talks", "DE", "2025-03-02", "b"),
        event("position.in_talks", "ES", "2025-03-01", "c"),
        event("position.considering", "ES", "2025-03-02", "d"),
    )
    assert {code: (m.stance, m.events) for code, m in current.members.items()} == {
        "DE": ("undecided", ("a",)),
        "ES": ("considering", ("d",)),
    }


def test_participants_of_a_meeting_a_member_convened_are_in_talks_and_hosting_alone_changes_nothing():
    current = state(
        event("position.considering", "FR", "2025-03-10", "fr"),
        event("meeting.convened", "FR", "2025-03-11", "m", participants=["GB", "DE"]),
    )
    assert {code: (m.stance, m.since, m.events) for code, m in current.members.items()} == {
        "DE": ("in_talks", "2025-03-11", ("m",)),
        "FR": ("considering", "2025-03-10", ("fr",)),
        "GB": ("in_talks", "2025-03-11", ("m",)),
    }


def test_a_member_hosting_and_listed_among_participants_keeps_its_stance():
    current = state(
        event("position.in_talks", "GB", "2025-03-01", "gb"),
        event("meeting.convened", "GB", "2025-03-08", "m", participants=["GB", "AU"]),
    )
    assert {code: (m.stance, m.events) for code, m in current.members.items()} == {
        "AU": ("in_talks", ("m",)),
        "GB": ("in_talks", ("gb", "m")),
    }


def test_participants_of_a_scheduled_meeting_are_not_members():
    current = state(
        event(
            "meeting.scheduled",
            "FR",
            "2025-03-10",
            "m",
            meeting_id="defence",
            scheduled_for="2025-03-14",
            format="in_person",
            participants=["GB", "IT"],
        )
    )
    assert current.members == {}


def test_a_meeting_does_not_change_an_existing_stance():
    current = state(
        event("position.undecided", "DE", "2025-03-01", "a"),
        event("meeting.convened", "FR", "2025-03-11", "m", participants=["DE"]),
    )
    assert (current.members["DE"].stance, current.members["DE"].events) == ("undecided", ("a",))


# --- since and events ---


def test_since_is_kept_when_a_later_event_keeps_the_same_stance():
    current = state(
        event("position.undecided", "DE", "2025-03-01", "a"),
        event("position.undecided", "DE", "2025-03-05", "b"),
    )
    assert (current.members["DE"].since, current.members["DE"].events) == ("2025-03-01", ("a", "b"))


def test_since_of_supporting_is_the_pledge_that_began_the_current_run_of_offers():
    current = state(
        event("pledge.made", "GB", "2025-03-01", "a", offers=["troops"]),
        event("pledge.withdrawn", "GB", "2025-03-02", "b"),
        event("pledge.made", "GB", "2025-03-04", "c", offers=["naval"]),
        event("pledge.made", "GB", "2025-03-06", "d", offers=["troops"]),
    )
    assert (current.members["GB"].since, current.members["GB"].events) == ("2025-03-04", ("c", "d"))


def test_since_keeps_the_fuzzy_date_as_written():
    current = state(event("position.considering", "AU", "2025-03-08/2025-03-09", "a"))
    assert current.members["AU"].since == "2025-03-08/2025-03-09"


def test_a_superseded_position_is_no_longer_behind_the_stance():
    current = state(
        event("position.undecided", "DE", "2025-03-01", "a"),
        event("position.considering", "DE", "2025-03-02", "b"),
        event("position.undecided", "DE", "2025-03-03", "c"),
    )
    assert (current.members["DE"].since, current.members["DE"].events) == ("2025-03-03", ("c",))


def test_in_talks_events_are_not_behind_a_supporting_stance():
    current = state(
        event("position.in_talks", "PL", "2025-03-01", "a"),
        event("meeting.convened", "FR", "2025-03-02", "m", participants=["PL"]),
        event("pledge.made", "PL", "2025-03-10", "b", offers=["logistics"]),
    )
    assert current.members["PL"].events == ("b",)


def test_member_events_list_the_events_behind_each_fact_in_fold_order():
    current = state(
        event("condition.stated", "GB", "2025-03-05", "backstop", condition="us_backstop"),
        event("pledge.made", "GB", "2025-03-02/2025-03-10", "pledge", offers=["troops"]),
        event("position.declined", "GB", "2025-03-01", "no-jets", scope="fast_jets"),
        event("condition.stated", "GB", "2025-03-01/2025-03-05", "peace", condition="lasting_peace"),
    )
    assert current.members["GB"].events == ("no-jets", "peace", "backstop", "pledge")
    assert current.members["GB"].conditions == ("lasting_peace", "us_backstop")


# --- the window and the input ---


def test_events_whose_latest_day_is_after_as_of_do_not_count():
    objects = (
        event("position.considering", "AU", "2025-03-08/2025-03-09", "a"),
        event("pledge.made", "AU", "2025-03-02/2025-03-17", "b", offers=["troops"]),
    )
    assert state(*objects, as_of=date(2025, 3, 16)).members["AU"].stance == "considering"
    assert state(*objects, as_of=date(2025, 3, 17)).members["AU"].stance == "supporting"


def test_the_fold_stops_reading_at_the_first_event_after_as_of():
    events = fold_order(
        recorded(
            [
                event("position.in_talks", "NZ", "2025-03-01", "a"),
                event("position.in_talks", "FI", "2025-03-05", "b"),
            ]
        )
    )

    def feed() -> Iterator[RecordedEvent]:
        yield from events
        raise AssertionError("the fold read past the first event after as_of")

    assert list(coalition_state(feed(), date(2025, 3, 2)).members) == ["NZ"]


def test_types_that_do_not_bear_on_the_coalition_are_ignored():
    objects = [
        event(
            "source.registered",
            None,
            "2025-03-10",
            "s",
            source_id="ft",
            publisher="FT",
            published="2025-03-10",
        )
    ]
    assert state(*objects) == state()


def test_members_are_sorted_by_code_and_every_stance_is_counted_in_order():
    current = state(
        event("position.in_talks", "NZ", "2025-03-01", "a"),
        event("pledge.made", "GB", "2025-03-01", "b", offers=["troops"]),
        event("pledge.made", "FR", "2025-03-01", "c", offers=["troops"]),
        event("position.declined", "IT", "2025-03-01", "d"),
    )
    assert list(current.members) == ["FR", "GB", "IT", "NZ"]
    assert list(current.stance_counts.items()) == [
        ("supporting", 2),
        ("considering", 0),
        ("undecided", 0),
        ("in_talks", 1),
        ("declined", 1),
    ]
    assert tuple(current.stance_counts) == STANCE_ORDER


def test_state_is_frozen():
    current = state(event("position.in_talks", "NZ", "2025-03-01", "a"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        current.members["NZ"].stance = "declined"  # type: ignore[misc]
    with pytest.raises(TypeError):
        current.members["FI"] = current.members["NZ"]  # type: ignore[index]


# --- reported size ---


def count(event_id: str, occurred: str, amount: int, subject: str = "participants", **extra: Any) -> dict[str, Any]:
    obj = event("count.reported", "GB", occurred, event_id, subject=subject, comparator="~", amount=amount, **extra)
    obj["sources"] = [{"source": "ft-2025-03-10", "quote": "about 20"}]
    return obj


def test_claims_on_one_day_are_kept_side_by_side_and_the_latest_is_last_in_fold_order():
    current = state(
        count("a", "2025-03-10", 20, attributed_to="British officials", raw="about 20"),
        count("b", "2025-03-10", 25),
    )
    size = current.reported_size
    assert [claim.to_json() for claim in size.claims] == [
        {
            "comparator": "~",
            "amount": 20,
            "occurred": "2025-03-10",
            "attributed_to": "British officials",
            "raw": "about 20",
            "event": "a",
            "sources": ["ft-2025-03-10"],
        },
        {
            "comparator": "~",
            "amount": 25,
            "occurred": "2025-03-10",
            "attributed_to": None,
            "raw": None,
            "event": "b",
            "sources": ["ft-2025-03-10"],
        },
    ]
    assert size.latest == size.claims[-1]


def test_a_fuzzy_claim_counts_from_its_latest_day():
    objects = (count("a", "2025-03-03/2025-03-09", 20), count("b", "2025-03-08", 22))
    assert state(*objects, as_of=date(2025, 3, 8)).reported_size.latest.event == "b"  # type: ignore[union-attr]
    assert state(*objects, as_of=date(2025, 3, 9)).reported_size.latest.event == "a"  # type: ignore[union-attr]


def test_no_claim_means_no_latest():
    assert state().reported_size.latest is None
    assert state().reported_size.to_json() == {"latest": None, "claims": [], "named_floor": 0}


def test_named_floor_counts_supporting_members_and_troop_claims_have_none():
    current = state(
        event("pledge.made", "GB", "2025-03-01", "a", offers=["troops"]),
        event("pledge.made", "FR", "2025-03-01", "b", offers=["troops"]),
        event("position.considering", "IE", "2025-03-01", "c"),
        count("t", "2025-03-02", 30000, subject="troops"),
    )
    assert current.reported_sizes["participants"].named_floor == 2
    assert current.reported_sizes["troops"].named_floor is None
    assert [claim.event for claim in current.reported_sizes["troops"].claims] == ["t"]
    assert current.reported_size.claims == ()


# --- meetings ---


def scheduled(event_id: str, occurred: str, meeting_id: str, when: str, **extra: Any) -> dict[str, Any]:
    return event(
        "meeting.scheduled",
        "GB",
        occurred,
        event_id,
        meeting_id=meeting_id,
        scheduled_for=when,
        format="virtual",
        **extra,
    )


def test_held_meetings_are_the_convened_ones_counted_with_every_field():
    current = state(
        event("meeting.convened", "US", "2025-03-15/2025-03-16", "m", format="in_person", location="Washington")
    )
    assert [meeting.to_json() for meeting in current.held] == [
        {
            "meeting_id": None,
            "host": "US",
            "occurred": "2025-03-15/2025-03-16",
            "scheduled_for": None,
            "format": "in_person",
            "location": "Washington",
            "participants": None,
            "topic": None,
            "event": "m",
        }
    ]
    assert current.upcoming == ()


def test_upcoming_meetings_are_those_due_after_as_of():
    objects = (
        scheduled("a", "2025-03-10", "leaders", "2025-03-15", topic="ceasefire", participants=["FR"]),
        scheduled("b", "2025-03-10", "week", "2025-03-10/2025-03-16"),
    )
    assert [meeting.event for meeting in state(*objects, as_of=date(2025, 3, 12)).upcoming] == ["a", "b"]
    assert [meeting.event for meeting in state(*objects, as_of=date(2025, 3, 15)).upcoming] == ["b"]
    assert state(*objects, as_of=date(2025, 3, 16)).upcoming == ()
    assert state(*objects, as_of=date(2025, 3, 9)).upcoming == ()  # not yet announced
    assert state(*objects, as_of=date(2025, 3, 12)).upcoming[0].to_json() == {
        "meeting_id": "leaders",
        "host": "GB",
        "occurred": "2025-03-10",
        "scheduled_for": "2025-03-15",
        "format": "virtual",
        "location": None,
        "participants": ["FR"],
        "topic": "ceasefire",
        "event": "a",
    }


def test_a_convened_meeting_is_no_longer_upcoming_even_when_folded_before_its_announcement():
    current = state(
        scheduled("a", "2025-03-10", "leaders", "2025-03-20"),
        event("meeting.convened", "GB", "2025-03-01/2025-03-10", "held", meeting_id="leaders"),
        scheduled("b", "2025-03-10", "planners", "2025-03-20"),
        as_of=date(2025, 3, 12),
    )
    assert [meeting.event for meeting in current.held] == ["held"]
    assert [meeting.event for meeting in current.upcoming] == ["b"]


def test_a_new_announcement_of_a_meeting_replaces_the_earlier_one():
    current = state(
        scheduled("a", "2025-03-10", "leaders", "2025-03-15"),
        scheduled("b", "2025-03-11", "planners", "2025-03-20"),
        scheduled("c", "2025-03-12", "leaders", "2025-03-22"),
        as_of=date(2025, 3, 12),
    )
    assert [(meeting.event, meeting.scheduled_for) for meeting in current.upcoming] == [
        ("b", "2025-03-20"),
        ("c", "2025-03-22"),
    ]


# --- the document ---


def document(current: CoalitionState) -> dict[str, Any]:
    return state_document(current, stream="ukraine-coalition", as_of=current.as_of, known_at=None, position=49)


def test_state_document_follows_the_design_contract():
    doc = document(coalition_state(fold_order(example_events()), date(2025, 3, 17)))
    assert list(doc) == [
        "stream",
        "as_of",
        "known_at",
        "position",
        "members",
        "stance_counts",
        "reported_size",
        "reported_sizes",
        "meetings",
    ]
    assert doc["stream"] == "ukraine-coalition"
    assert doc["as_of"] == "2025-03-17"
    assert (doc["known_at"], doc["position"]) == (None, 49)
    assert list(doc["members"]) == sorted(doc["members"])
    assert doc["members"]["PL"] == {
        "stance": "supporting",
        "offers": ["logistics"],
        "tentative_offers": [],
        "offered_earlier": [],
        "ruled_out": ["troops"],
        "conditions": [],
        "since": "2025-03-10",
        "events": ["ft-0310-pl-logistics"],
    }
    assert doc["stance_counts"] == {"supporting": 9, "considering": 3, "undecided": 2, "in_talks": 2, "declined": 1}
    assert list(doc["reported_size"]) == ["latest", "claims", "named_floor"]
    assert doc["reported_size"] == doc["reported_sizes"]["participants"]
    assert doc["reported_size"]["named_floor"] == 9
    assert list(doc["reported_sizes"]) == ["participants", "troops"]
    assert list(doc["meetings"]) == ["held", "upcoming", "unconfirmed"]
    assert json.loads(json.dumps(doc)) == doc


def test_state_document_is_deterministic():
    first = json.dumps(document(coalition_state(fold_order(example_events()), date(2025, 3, 17))))
    second = json.dumps(document(coalition_state(fold_order(reversed(example_events())), date(2025, 3, 17))))
    assert first == second


# --- snapshots ---


def test_snapshot_round_trip_through_json_equals_the_fold_in_one_go_at_every_split():
    events = fold_order(example_events())
    whole = CoalitionFold()
    for item in events:
        whole.apply(item)
    for split in range(len(events) + 1):
        first = CoalitionFold()
        for item in events[:split]:
            first.apply(item)
        resumed = CoalitionFold.from_snapshot(msgspec.json.encode(first.to_snapshot()))  # its JSON, as stored
        for item in events[split:]:
            resumed.apply(item)
        assert resumed.result(END) == whole.result(END), split
        assert resumed.to_snapshot() == whole.to_snapshot(), split


def test_snapshot_does_not_depend_on_key_order():
    events = fold_order(example_events())
    fold = CoalitionFold()
    fold.apply_until(events, date(2025, 3, 12))
    reordered = json.dumps(json.loads(msgspec.json.encode(fold.to_snapshot())), sort_keys=True)  # keys in another order
    restored = CoalitionFold.from_snapshot(reordered)
    assert json.dumps(document(restored.result(END))) == json.dumps(document(fold.result(END)))


def test_snapshot_is_json_that_reads_back_into_the_same_fold():
    fold = CoalitionFold()
    fold.apply_until(fold_order(example_events()), END)
    text = msgspec.json.encode(fold.to_snapshot())
    plain = json.loads(text)
    assert json.loads(json.dumps(plain, allow_nan=False)) == plain
    assert plain["held"][0] == list(fold.result(END).held[0].to_json().values())  # a meeting: its fields, in order
    assert msgspec.json.encode(CoalitionFold.from_snapshot(text).to_snapshot()) == text


def test_snapshot_leaves_out_events_that_can_never_be_behind_a_fact_again():
    fold = CoalitionFold()
    fold.apply_until(
        fold_order(
            recorded(
                [
                    event("pledge.made", "IT", "2025-03-01", "a", offers=["troops"]),
                    event("position.declined", "IT", "2025-03-02", "b"),
                ]
            )
        ),
        END,
    )
    snapshot = fold.to_snapshot()
    [italy] = snapshot["actors"]
    assert italy[0] == "IT"
    assert [snapshot["ids"][number] for number in unpack_numbers(italy[5])] == ["b"]  # touched


def test_an_actor_row_names_its_facts_by_steps_through_its_touched_ids_or_else_as_they_are():
    from projections.coalition import _Actor

    actor = _Actor()
    actor.stance, actor.stance_event = "in_talks", "a"
    actor.touched = ["a", "b", "c", "d"]
    actor.talks = ["a", "x", "b", "c"]  # "x" never touched the actor: kept as itself, not lost
    actor.conditions = {"UN mandate": ["b", "d"]}
    numbers = {"z": 0}  # numbering shared with the actors before this one
    row = actor.to_row("IT", numbers)
    assert list(unpack_numbers(row[5])) == [1, 2, 3, 4]  # touched, by number
    assert row[7] == ["a", "x", "b", "c"]  # talks: an id it never touched, so as they are
    assert row[10] == [["UN mandate", [1, 2]]]  # the steps to positions 1 and 3 of touched
    code, back = _Actor.from_row(json.loads(json.dumps(row)), list(numbers))
    assert code == "IT"
    assert (back.touched, back.talks, back.conditions) == (actor.touched, actor.talks, actor.conditions)


def test_snapshot_on_a_day_keeps_past_meetings_never_reported_held_they_may_still_be():
    fold = CoalitionFold()
    fold.apply_until(
        fold_order(
            recorded(
                [
                    event(
                        "meeting.scheduled",
                        "GB",
                        "2025-03-01",
                        "a",
                        meeting_id="past",
                        scheduled_for="2025-03-05",
                        format="virtual",
                    ),
                    event(
                        "meeting.scheduled",
                        "GB",
                        "2025-03-02",
                        "b",
                        meeting_id="soon",
                        scheduled_for="2025-03-20",
                        format="virtual",
                    ),
                ]
            )
        ),
        END,
    )
    scheduled = fold.to_snapshot(as_of=date(2025, 3, 10))["scheduled"]
    assert [meeting.meeting_id for meeting in scheduled] == ["past", "soon"]
    resumed = CoalitionFold.from_snapshot(msgspec.json.encode(fold.to_snapshot(as_of=date(2025, 3, 10))))
    resumed.apply_until(
        recorded([event("meeting.convened", "GB", "2025-03-11", "held", meeting_id="past")], first_position=3), END
    )
    after = resumed.result(date(2025, 3, 12))
    assert ([m.event for m in after.held], [m.event for m in after.upcoming], after.unconfirmed) == (
        ["held"],
        ["b"],
        (),
    )
    assert [meeting.meeting_id for meeting in resumed.to_snapshot()["scheduled"]] == ["soon"]


@pytest.mark.parametrize("snapshot", [{"version": 99}, b'{"version": 99}', b'{"version": 3, "actors": []}'])
def test_snapshot_of_an_unknown_version_is_refused(snapshot: Any) -> None:
    with pytest.raises(ValueError, match="snapshot version"):
        CoalitionFold.from_snapshot(snapshot)


def test_a_snapshot_does_not_change_as_the_fold_goes_on():
    events = fold_order(example_events())
    split = sum(item.latest <= date(2025, 3, 12) for item in events)
    fold = CoalitionFold()
    fold.apply_until(events[:split], END)
    snapshot = fold.to_snapshot()
    frozen = msgspec.json.encode(snapshot)
    fold.apply_until(events[split:], END)
    assert msgspec.json.encode(snapshot) == frozen


@pytest.mark.parametrize("numbers", [[], [0], [1, 2, 3], [2**32 - 1, 0, 70_000, 5]])
def test_an_actors_numbers_are_packed_in_one_string_and_read_back_the_same(numbers):
    packed = pack_numbers(numbers)
    assert isinstance(packed, str)
    assert packed.isascii()
    assert list(unpack_numbers(packed)) == numbers


@pytest.mark.parametrize("damaged", ["not base64!", "AAA=", "AAAAAAA="])
def test_numbers_packed_wrongly_are_refused_as_a_value_error(damaged):
    with pytest.raises(ValueError, match="packed numbers that do not read back"):
        unpack_numbers(damaged)
