from __future__ import annotations

import json
from datetime import date
from typing import Any

from projections.changes import diff, history, timeline
from projections.coalition import CoalitionState, coalition_state
from projections.replay import fold_order
from tests.support import recorded


def event(type_: str, actor: str, occurred: str, event_id: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": type_, "occurred": occurred, "actor": actor, "data": data}


LOG = fold_order(
    recorded(
        [
            event("position.considering", "AU", "2025-03-08/2025-03-09", "au-considering"),
            event("meeting.convened", "GB", "2025-03-08/2025-03-09", "call", participants=["GB", "AU"]),
            {
                **event("pledge.made", "PL", "2025-03-10", "pl-logistics", offers=["logistics"], ruled_out=["troops"]),
                "occurred_text": "on Monday",
                "sources": [{"source": "ft-2025-03-10", "quote": "Poland ... has offered logistics support"}],
            },
            event(
                "count.reported",
                "GB",
                "2025-03-03/2025-03-09",
                "about-20",
                subject="participants",
                comparator="~",
                amount=20,
            ),
            event("position.in_talks", "FI", "2025-03-02/2025-03-17", "fi-talks"),
            event("pledge.made", "AU", "2025-03-17", "au-troops", offers=["troops"]),
            event("condition.stated", "AU", "2025-03-02/2025-03-17", "au-backstop", condition="us_backstop"),
            event(
                "count.reported", "GB", "2025-03-17", "more-than-30", subject="participants", comparator=">", amount=30
            ),
            event("pledge.withdrawn", "PL", "2025-03-16", "pl-withdraws", offers=["logistics"]),
        ]
    )
)


def at(day: str) -> CoalitionState:
    return coalition_state(LOG, date.fromisoformat(day))


# --- timeline ---


def test_timeline_lists_events_in_fold_order_that_overlap_the_window():
    ids = [item["id"] for item in timeline(LOG, start=date(2025, 3, 10), end=date(2025, 3, 16), actor=None)]
    assert ids == ["pl-logistics", "pl-withdraws", "fi-talks", "au-backstop"]


def test_timeline_without_bounds_lists_every_effective_event():
    assert [item["id"] for item in timeline(LOG, start=None, end=None, actor=None)] == [event.id for event in LOG]


def test_timeline_of_an_actor_includes_meetings_it_took_part_in():
    ids = [item["id"] for item in timeline(LOG, start=None, end=date(2025, 3, 9), actor="AU")]
    assert ids == ["au-considering", "call", "au-backstop"]  # the backstop may have been stated by then
    assert [item["id"] for item in timeline(LOG, start=date(2025, 3, 17), end=None, actor="AU")] == [
        "au-backstop",
        "au-troops",
    ]


def test_timeline_entries_carry_the_envelope_sources_and_position():
    [entry] = timeline(LOG, start=date(2025, 3, 10), end=date(2025, 3, 10), actor="PL")
    assert entry == {
        "id": "pl-logistics",
        "type": "pledge.made",
        "occurred": "2025-03-10",
        "occurred_text": "on Monday",
        "actor": "PL",
        "data": {"offers": ["logistics"], "ruled_out": ["troops"]},
        "sources": [{"source": "ft-2025-03-10", "quote": "Poland ... has offered logistics support"}],
        "position": 3,
    }


# --- diff ---


def test_diff_names_who_joined_left_and_changed_and_which_claims_appeared():
    assert diff(at("2025-03-12"), at("2025-03-17")) == {
        "from": "2025-03-12",
        "to": "2025-03-17",
        "joined": ["FI"],
        "left": ["PL"],
        "stance_changes": {
            "AU": {"from": "considering", "to": "supporting"},
            "FI": {"from": None, "to": "in_talks"},
            "PL": {"from": "supporting", "to": None},
        },
        "facts": {
            "AU": {
                "offers": {"added": ["troops"], "removed": []},
                "conditions": {"added": ["us_backstop"], "removed": []},
            },
            "PL": {
                "offers": {"added": [], "removed": ["logistics"]},
                "ruled_out": {"added": [], "removed": ["troops"]},
            },
        },
        "claims": {
            "appeared": [
                {
                    "subject": "participants",
                    "comparator": ">",
                    "amount": 30,
                    "occurred": "2025-03-17",
                    "attributed_to": None,
                    "raw": None,
                    "event": "more-than-30",
                    "sources": [],
                }
            ],
            "disappeared": [],
        },
    }


def test_diff_backwards_names_the_claims_that_disappeared():
    changes = diff(at("2025-03-17"), at("2025-03-09"))
    assert [claim["event"] for claim in changes["claims"]["disappeared"]] == ["more-than-30"]
    assert changes["claims"]["appeared"] == []
    assert changes["joined"] == []
    assert changes["left"] == ["FI"]


def test_diff_of_a_state_with_itself_is_empty():
    assert diff(at("2025-03-17"), at("2025-03-17")) == {
        "from": "2025-03-17",
        "to": "2025-03-17",
        "joined": [],
        "left": [],
        "stance_changes": {},
        "facts": {},
        "claims": {"appeared": [], "disappeared": []},
    }


def test_diff_is_deterministic():
    assert json.dumps(diff(at("2025-03-01"), at("2025-03-17"))) == json.dumps(diff(at("2025-03-01"), at("2025-03-17")))


# --- history ---


def test_history_gives_the_actors_facts_right_after_each_event_touching_it():
    entries = history(LOG, "AU")
    assert [(entry["event"]["id"], entry["stance"], entry["offers"], entry["conditions"]) for entry in entries] == [
        ("au-considering", "considering", [], []),
        ("call", "considering", [], []),
        ("au-backstop", "considering", [], ["us_backstop"]),
        ("au-troops", "supporting", ["troops"], ["us_backstop"]),
    ]
    assert set(entries[0]) == {
        "event", "stance", "offers", "tentative_offers", "offered_earlier", "ruled_out", "conditions",
    }  # fmt: skip


def test_history_includes_meetings_an_actor_hosted_without_changing_its_facts():
    entries = history(LOG, "GB")
    # GB hosts the call before it has a stance: a meeting convened by a non-member makes nobody a member
    assert [(entry["event"]["id"], entry["stance"]) for entry in entries] == [
        ("about-20", None),
        ("call", None),
        ("more-than-30", None),
    ]


def test_history_shows_an_actor_leaving():
    entries = history(LOG, "PL")
    assert [(entry["stance"], entry["offers"], entry["ruled_out"]) for entry in entries] == [
        ("supporting", ["logistics"], ["troops"]),
        (None, [], []),
    ]


def test_history_stops_at_as_of():
    assert [entry["event"]["id"] for entry in history(LOG, "AU", as_of=date(2025, 3, 16))] == [
        "au-considering",
        "call",
    ]


def test_diff_and_history_show_offers_set_aside_by_a_later_undecided():
    log = fold_order(
        recorded(
            [
                event("pledge.made", "DE", "2025-03-05", "de-pledge", offers=["troops"]),
                event("position.undecided", "DE", "2025-03-16", "de-too-early"),
            ]
        )
    )
    changes = diff(coalition_state(log, date(2025, 3, 10)), coalition_state(log, date(2025, 3, 17)))
    assert changes["stance_changes"] == {"DE": {"from": "supporting", "to": "undecided"}}
    assert changes["facts"]["DE"] == {
        "offers": {"added": [], "removed": ["troops"]},
        "offered_earlier": {"added": ["troops"], "removed": []},
    }
    [_, after] = history(log, "DE")
    assert (after["stance"], after["offers"], after["offered_earlier"]) == ("undecided", [], ["troops"])
