"""The bundled example replayed: what the two FT articles say, as of the days they speak of."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from projections.changes import diff, history
from projections.coalition import CoalitionState, coalition_state, state_document
from projections.counts import count_series
from projections.replay import fold_order
from tests.support import example_events, example_objects, recorded

MARCH_8, MARCH_12, MARCH_17 = date(2025, 3, 8), date(2025, 3, 12), date(2025, 3, 17)


def at(as_of: date, extra: list[dict[str, Any]] | None = None) -> CoalitionState:
    events = example_events() if extra is None else recorded(example_objects() + extra)
    return coalition_state(fold_order(events), as_of)


def latest_claim(state: CoalitionState) -> tuple[str, int] | None:
    latest = state.reported_size.latest
    return None if latest is None else (latest.comparator, latest.amount)


def test_about_20_is_the_latest_estimate_as_of_12_march():
    assert latest_claim(at(MARCH_12)) == ("~", 20)


def test_more_than_30_is_the_latest_estimate_as_of_17_march_beside_the_earlier_one():
    state = at(MARCH_17)
    assert latest_claim(state) == (">", 30)
    assert [claim.event for claim in state.reported_size.claims] == ["ft-0310-gb-about-20", "ft-0317-gb-more-than-30"]
    assert state.reported_size.latest.attributed_to == "Downing Street"  # type: ignore[union-attr]


def test_no_estimate_counts_as_of_8_march_because_last_week_ends_on_9_march():
    assert latest_claim(at(MARCH_8)) is None
    assert at(MARCH_8).reported_size.claims == ()


def test_troop_estimate_is_kept_apart_from_the_participant_estimates():
    [claim] = at(MARCH_17).reported_sizes["troops"].claims
    assert (claim.comparator, claim.amount, claim.raw) == ("<=", 30000, "up to 30,000")


@pytest.mark.parametrize("as_of", [MARCH_12, MARCH_17])
def test_italy_declined_and_germany_and_spain_are_undecided(as_of):
    members = at(as_of).members
    assert members["IT"].stance == "declined"
    assert members["DE"].stance == "undecided"
    assert members["ES"].stance == "undecided"


def test_poland_supports_with_logistics_and_rules_out_troops():
    poland = at(MARCH_17).members["PL"]
    assert poland.to_json() == {
        "stance": "supporting",
        "offers": ["logistics"],
        "ruled_out": ["troops"],
        "conditions": [],
        "since": "2025-03-10",
        "events": ["ft-0310-pl-logistics"],
        "tentative_offers": [],
        "offered_earlier": [],
    }


def test_denmark_and_sweden_offer_troops_tentatively_a_potential_deployment():
    members = at(MARCH_17).members
    assert members["DK"].to_json()["tentative_offers"] == ["troops"]
    assert members["SE"].to_json()["tentative_offers"] == ["troops"]
    assert members["GB"].to_json()["tentative_offers"] == []


def test_australia_considers_as_of_12_march_and_supports_with_troops_as_of_17_march():
    assert at(MARCH_12).members["AU"].stance == "considering"
    australia = at(MARCH_17).members["AU"]
    assert (australia.stance, australia.offers, australia.since) == ("supporting", ("troops",), "2025-03-17")


def test_the_united_states_is_not_a_member_for_only_ruling_out_air_cover():
    assert "US" not in at(MARCH_17).members


def test_stance_counts_and_named_floor_as_of_17_march():
    state = at(MARCH_17)
    assert dict(state.stance_counts) == {
        "supporting": 9,
        "considering": 3,
        "undecided": 2,
        "in_talks": 2,
        "declined": 1,
    }
    assert state.reported_size.named_floor == 9
    supporting = sorted(code for code, member in state.members.items() if member.stance == "supporting")
    assert supporting == ["AU", "CA", "DK", "FR", "GB", "JP", "NO", "PL", "SE"]


def test_meetings_held_and_upcoming():
    march_12, march_17 = at(MARCH_12), at(MARCH_17)
    assert [meeting.event for meeting in march_12.held] == ["ft-0310-gb-albanese-call"]
    assert [meeting.meeting_id for meeting in march_12.upcoming] == [
        "coalition-leaders-2025-03-15",
        "us-ukraine-saudi-2025-03",
        "defence-ministers-2025-03",
    ]
    assert [meeting.event for meeting in march_17.held] == [
        "ft-0310-gb-albanese-call",
        "ft-0317-g7-foreign-ministers",
        "ft-0317-us-lammy-vance",
    ]
    assert [meeting.meeting_id for meeting in march_17.upcoming] == ["coalition-military-planners-2025-03-20"]


def test_diff_from_12_to_17_march_names_australias_move_from_considering_to_supporting():
    changes = diff(at(MARCH_12), at(MARCH_17))
    assert changes["stance_changes"]["AU"] == {"from": "considering", "to": "supporting"}
    assert changes["facts"]["AU"]["offers"] == {"added": ["troops"], "removed": []}
    assert changes["joined"] == ["DK", "FI", "JP", "NZ", "SE"]
    assert changes["left"] == []
    assert [claim["event"] for claim in changes["claims"]["appeared"]] == [
        "ft-0317-gb-more-than-30",
        "ft-0317-gb-up-to-30000",
    ]


def test_count_series_sets_each_estimate_beside_the_named_floor():
    points = count_series(fold_order(example_events()), "participants")
    assert [(p["raw"], p["as_of"], p["named_floor"]) for p in points] == [
        ("about 20", "2025-03-09", 1),
        ("more than 30", "2025-03-17", 9),
    ]


def test_history_of_australia():
    stances = [(entry["event"]["id"], entry["stance"]) for entry in history(fold_order(example_events()), "AU")]
    # Britain's pledge (2 to 10 March) counts only from 10 March: the call it hosted on 8-9 March was hosted by a
    # non-member then, so it makes nobody a member (DESIGN.md), and Australia's history starts outside the coalition
    assert stances == [
        ("ft-0310-gb-albanese-call", None),
        ("ft-0310-au-considering", "considering"),
        ("ft-0317-au-us-backstop", "considering"),
        ("ft-0317-au-in-talks", "considering"),
        ("ft-0317-au-troops", "supporting"),
    ]


def test_the_state_document_is_byte_identical_on_every_replay():
    documents = {
        json.dumps(state_document(at(MARCH_17), stream="ukraine-coalition", as_of=MARCH_17, known_at=None, position=49))
        for _ in range(3)
    }
    assert len(documents) == 1


# --- amendments on top of the example ---


def test_retracting_italys_decline_takes_italy_out_at_every_date():
    retraction = {
        "type": "event.retracted",
        "occurred": "2025-04-01",
        "data": {"target": "ft-0310-it-declined", "reason": "misread the article"},
    }
    for as_of in (MARCH_12, MARCH_17):
        state = at(as_of, [retraction])
        assert "IT" not in state.members
        assert state.stance_counts["declined"] == 0


def test_correcting_polands_pledge_changes_its_offers_and_what_it_rules_out():
    correction = {
        "id": "fix-pl",
        "type": "event.corrected",
        "occurred": "2025-04-01",
        "data": {
            "target": "ft-0310-pl-logistics",
            "changes": {"data": {"offers": ["logistics", "engineering"]}},
            "reason": "Poland also offered engineers",
        },
    }
    poland = at(MARCH_12, [correction]).members["PL"]
    assert (poland.stance, poland.offers, poland.ruled_out) == ("supporting", ("logistics", "engineering"), ())
    assert poland.events == ("ft-0310-pl-logistics",)


def test_correcting_when_australia_pledged_moves_its_support_earlier():
    correction = {
        "type": "event.corrected",
        "occurred": "2025-04-01",
        "data": {"target": "ft-0317-au-troops", "changes": {"occurred": "2025-03-11"}, "reason": "dated wrongly"},
    }
    australia = at(MARCH_12, [correction]).members["AU"]
    assert (australia.stance, australia.since) == ("supporting", "2025-03-11")
