"""DESIGN.md's "How a stance is derived", case by case: each red-team case of issue 12 at the fold that shows it.

The most recent stance statement decides; supporting needs standing offers; in talks
only from talks or a meeting a member convened; tentative offers and unconfirmed
meetings are said as such.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.coalition import CoalitionState, coalition_state
from projections.provenance import ActorProvenance, explain_actor
from projections.replay import fold_order
from tests.support import example_events, recorded

END = date(2025, 12, 31)
MARCH_12, MARCH_17 = date(2025, 3, 12), date(2025, 3, 17)


def event(type_: str, actor: str, occurred: str, event_id: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": type_, "occurred": occurred, "actor": actor, "data": data}


def pledge(actor: str, occurred: str, event_id: str, *offers: str, **data: Any) -> dict[str, Any]:
    return event("pledge.made", actor, occurred, event_id, offers=list(offers), **data)


def state(*objects: dict[str, Any], as_of: date = END) -> CoalitionState:
    return coalition_state(fold_order(recorded(objects)), as_of)


def stance(current: CoalitionState, code: str) -> tuple[str, str] | None:
    member = current.members.get(code)
    return None if member is None else (member.stance, member.since)


# --- the most recent stance statement decides ---

GERMANY = (
    pledge("DE", "2025-03-05", "de-pledge", "troops"),
    event("position.undecided", "DE", "2025-03-16", "de-too-early", reason="too early to say"),
    event("position.considering", "DE", "2025-03-17", "de-considering"),
)


def test_germany_pledging_then_too_early_to_say_then_considering_is_considering_since_17_march():
    current = state(*GERMANY)
    assert current.members["DE"].to_json() == {
        "stance": "considering",
        "offers": [],
        "tentative_offers": [],
        "offered_earlier": ["troops"],
        "ruled_out": [],
        "conditions": [],
        "since": "2025-03-17",
        "events": ["de-pledge", "de-considering"],
    }
    assert stance(state(*GERMANY, as_of=date(2025, 3, 16)), "DE") == ("undecided", "2025-03-16")
    assert stance(state(*GERMANY, as_of=date(2025, 3, 15)), "DE") == ("supporting", "2025-03-05")
    assert current.reported_size.named_floor == 0


def test_a_pledge_after_a_downgrade_makes_the_actor_supporting_with_only_what_it_offers_anew():
    current = state(
        pledge("GB", "2025-03-01", "a", "troops", "naval"),
        event("position.considering", "GB", "2025-03-02", "b"),
        pledge("GB", "2025-03-03", "c", "naval"),
    )
    gb = current.members["GB"]
    assert (gb.stance, gb.since, gb.offers, gb.offered_earlier) == ("supporting", "2025-03-03", ("naval",), ("troops",))
    assert gb.events == ("a", "c")


def test_a_decline_of_participation_after_a_downgrade_clears_the_offers_set_aside_too():
    current = state(
        pledge("IT", "2025-03-01", "a", "troops"),
        event("position.undecided", "IT", "2025-03-02", "b"),
        event("position.declined", "IT", "2025-03-03", "c", scope="participation"),
    )
    it = current.members["IT"]
    assert (it.stance, it.offers, it.offered_earlier, it.events) == ("declined", (), (), ("c",))


def test_the_same_position_stated_again_after_a_pledge_starts_a_new_run():
    current = state(
        event("position.considering", "AU", "2025-03-01", "a"),
        pledge("AU", "2025-03-02", "b", "troops"),
        event("position.considering", "AU", "2025-03-03", "c"),
    )
    assert (stance(current, "AU"), current.members["AU"].events) == (("considering", "2025-03-03"), ("b", "c"))


# --- supporting needs standing offers ---


def test_withdrawing_every_offer_falls_back_to_the_most_recent_statement_other_than_a_pledge():
    current = state(
        event("position.declined", "ES", "2025-03-01", "a"),
        event("position.undecided", "ES", "2025-03-02", "b"),
        pledge("ES", "2025-03-03", "c", "naval"),
        event("pledge.withdrawn", "ES", "2025-03-04", "d"),
    )
    assert (stance(current, "ES"), current.members["ES"].events) == (("undecided", "2025-03-04"), ("b", "d"))


def test_withdrawing_an_offer_set_aside_removes_it_and_keeps_the_stance():
    current = state(
        pledge("DE", "2025-03-01", "a", "troops", "naval"),
        event("position.considering", "DE", "2025-03-02", "b"),
        event("pledge.withdrawn", "DE", "2025-03-03", "c", offers=["troops"]),
    )
    de = current.members["DE"]
    assert (de.stance, de.since, de.offered_earlier) == ("considering", "2025-03-02", ("naval",))


# --- in talks: only talks, or a meeting a member convened ---


def test_a_us_russia_ukraine_meeting_hosted_by_saudi_arabia_makes_none_of_them_a_member():
    current = state(event("meeting.convened", "SA", "2025-03-11", "riyadh", participants=["US", "RU", "UA"]))
    assert current.members == {}
    assert [meeting.event for meeting in current.held] == ["riyadh"]


def test_a_meeting_marked_external_makes_nobody_a_member_even_when_a_member_hosts_it():
    current = state(
        pledge("GB", "2025-03-01", "gb", "troops"),
        event("meeting.convened", "GB", "2025-03-11", "m", participants=["RU", "UA"], external=True),
    )
    assert list(current.members) == ["GB"]


def test_the_host_must_be_a_member_on_the_meetings_date_not_later():
    objects = (
        event("meeting.convened", "FR", "2025-03-11", "m", participants=["DE"]),
        pledge("FR", "2025-03-12", "fr", "troops"),
    )
    assert "DE" not in state(*objects).members
    assert "DE" in state(objects[1], {**objects[0], "occurred": "2025-03-13"}).members


def test_in_talks_never_lowers_a_stance():
    current = state(
        pledge("PL", "2025-03-10", "pl", "logistics", ruled_out=["troops"]),
        event("position.in_talks", "PL", "2025-03-17", "pl-talks"),
        event("position.considering", "IE", "2025-03-10", "ie"),
        event("meeting.convened", "PL", "2025-03-17", "m", participants=["IE"]),
    )
    assert (stance(current, "PL"), current.members["PL"].events) == (("supporting", "2025-03-10"), ("pl",))
    assert (stance(current, "IE"), current.members["IE"].events) == (("considering", "2025-03-10"), ("ie",))


# --- tentative offers ---


def test_tentative_offers_are_the_standing_offers_only_tentative_pledges_made():
    current = state(
        pledge("DK", "2025-03-17", "dk", "troops", "naval", firmness="tentative"),
        pledge("DK", "2025-03-18", "dk-firm", "naval", firmness="firm"),
        pledge("SE", "2025-03-17", "se", "troops"),
        pledge("SE", "2025-03-18", "se-maybe", "troops", "logistics", firmness="tentative"),
    )
    dk, se = current.members["DK"], current.members["SE"]
    assert (dk.offers, dk.tentative_offers) == (("troops", "naval"), ("troops",))
    assert (se.offers, se.tentative_offers) == (("troops", "logistics"), ("logistics",))


def test_an_offer_withdrawn_and_offered_again_firmly_is_no_longer_tentative():
    current = state(
        pledge("DK", "2025-03-17", "a", "troops", firmness="tentative"),
        event("pledge.withdrawn", "DK", "2025-03-18", "b"),
        pledge("DK", "2025-03-19", "c", "troops"),
    )
    assert current.members["DK"].tentative_offers == ()


def test_the_example_shows_denmarks_potential_deployment_as_a_tentative_offer():
    denmark = coalition_state(fold_order(example_events()), MARCH_17).members["DK"]
    assert (denmark.stance, denmark.offers, denmark.tentative_offers) == ("supporting", ("troops",), ("troops",))


# --- meetings: held, upcoming, unconfirmed ---


def scheduled(event_id: str, occurred: str, meeting_id: str, when: str) -> dict[str, Any]:
    return event("meeting.scheduled", "GB", occurred, event_id, meeting_id=meeting_id, scheduled_for=when,
                 format="virtual")  # fmt: skip


def test_a_meeting_scheduled_for_a_past_day_and_never_reported_held_is_unconfirmed():
    leaders = scheduled("announced", "2025-03-10", "leaders", "2025-03-15")
    assert [m.event for m in state(leaders, as_of=MARCH_12).upcoming] == ["announced"]
    later = state(leaders, as_of=MARCH_17)
    assert (later.upcoming, [m.event for m in later.unconfirmed]) == ((), ["announced"])
    held = state(leaders, event("meeting.convened", "GB", "2025-03-15", "held", meeting_id="leaders"), as_of=MARCH_17)
    assert ([m.event for m in held.held], held.upcoming, held.unconfirmed) == (["held"], (), ())


def test_the_example_lists_the_15_march_leaders_meeting_as_unconfirmed_as_of_17_march():
    current = coalition_state(fold_order(example_events()), MARCH_17)
    assert "coalition-leaders-2025-03-15" in [meeting.meeting_id for meeting in current.unconfirmed]
    assert [meeting.meeting_id for meeting in current.upcoming] == ["coalition-military-planners-2025-03-20"]


def test_a_meeting_reported_held_twice_is_listed_once():
    current = state(
        event("meeting.convened", "GB", "2025-03-15", "first", meeting_id="leaders"),
        event("meeting.convened", "GB", "2025-03-15", "second-id-same-meeting", meeting_id="leaders"),
        event("meeting.convened", "GB", "2025-03-15", "no-id"),
        event("meeting.convened", "GB", "2025-03-15", "no-id-either"),
    )
    assert [meeting.event for meeting in current.held] == ["first", "no-id", "no-id-either"]


# --- why lists every event about the actor, saying what each changed or why it changed nothing ---


def why(*objects: dict[str, Any], actor: str, as_of: date = END, events: Any = None) -> ActorProvenance:
    return explain_actor(recorded(objects) if events is None else events, actor, as_of, {}, {})


def effects(explained: ActorProvenance) -> list[tuple[str, tuple[str, ...], str | None]]:
    return [
        (item.event.id, item.effect.changed, item.effect.unchanged_because)
        for item in explained.evidence
        if item.effect is not None
    ]


EARLIER = "offered earlier, not standing"


def test_why_germany_lists_the_pledge_the_too_early_to_say_and_the_considering_each_with_what_it_changed():
    explained = why(*GERMANY, actor="DE")
    assert explained.member is not None
    assert (explained.member.stance, explained.member.since) == ("considering", "2025-03-17")
    assert effects(explained) == [
        ("de-pledge", ("stance not a member -> supporting", "offers + troops"), None),
        ("de-too-early", ("stance supporting -> undecided", "offers - troops", f"{EARLIER} + troops"), None),
        ("de-considering", ("stance undecided -> considering",), None),
    ]
    assert [(f.name, f.value, f.events, f.note) for f in explained.facts] == [
        ("stance", "considering", ("de-considering",), None),
        ("offered_earlier", "troops", ("de-pledge",), "not standing"),
    ]


def test_why_poland_lists_the_17_march_report_that_it_is_in_the_discussions_as_changing_nothing():
    explained = explain_actor(example_events(), "PL", MARCH_17, {}, {})
    assert effects(explained) == [
        ("ft-0310-fr-defence-ministers", (), "an announced meeting changes no stance"),
        (
            "ft-0310-pl-logistics",
            ("stance not a member -> supporting", "offers + logistics", "ruled out + troops"),
            None,
        ),
        ("ft-0317-pl-in-talks", (), "stance already supporting: in talks never lowers a stance"),
    ]
    [in_talks] = [item for item in explained.evidence if item.event.id == "ft-0317-pl-in-talks"]
    assert in_talks.to_json()["changed_nothing_because"] == "stance already supporting: in talks never lowers a stance"
    assert in_talks.citations[0].quote is not None


def test_why_russia_lists_the_saudi_hosted_meeting_as_convened_by_a_non_member():
    explained = why(
        event("meeting.convened", "SA", "2025-03-11", "riyadh", participants=["US", "RU", "UA"]), actor="RU"
    )
    assert explained.member is None
    assert effects(explained) == [("riyadh", (), "a meeting convened by a non-member (SA)")]


def test_why_lists_a_meeting_marked_external_a_hosted_one_a_statement_and_an_offer_already_standing():
    objects = [
        pledge("GB", "2025-03-01", "gb", "troops"),
        pledge("GB", "2025-03-02", "gb-again", "troops"),
        event("meeting.convened", "GB", "2025-03-03", "external", participants=["RU", "GB"], external=True),
        event("meeting.convened", "GB", "2025-03-04", "hosted", participants=["FR"]),
        {**event("statement.made", "GB", "2025-03-05", "lammy", speaker="David Lammy, UK foreign secretary",
                 summary="the G7 have more cards that we can play")},
    ]  # fmt: skip
    explained = why(*objects, actor="GB")
    assert effects(explained)[1:] == [
        ("gb-again", (), "an offer already standing"),
        ("external", (), "a meeting marked external makes nobody a member"),
        ("hosted", (), "hosting a meeting changes no stance"),
        ("lammy", (), "a statement changes no stance"),
    ]
    assert [(f.name, f.value, f.events) for f in explained.facts] == [
        ("stance", "supporting", ("gb", "gb-again")),
        ("offer", "troops", ("gb", "gb-again")),
    ]


def test_why_notes_a_tentative_offer():
    explained = explain_actor(example_events(), "DK", MARCH_17, {}, {})
    assert [(f.name, f.value, f.note) for f in explained.facts] == [
        ("stance", "supporting", None),
        ("offer", "troops", "tentative"),
    ]
    assert explained.to_json()["facts"][1] == {
        "fact": "offer",
        "value": "troops",
        "events": ["ft-0317-dk-troops"],
        "note": "tentative",
    }


def test_why_lists_no_event_dated_after_the_day_asked():
    assert [item.event.id for item in why(*GERMANY, actor="DE", as_of=date(2025, 3, 16)).evidence] == [
        "de-pledge",
        "de-too-early",
    ]


def test_why_lists_a_statement_with_who_said_it():
    said = {
        **event("statement.made", "GB", "2025-03-17", "lammy", speaker="David Lammy",
                summary="the G7 have more cards that we can play"),
        "speaker": "David Lammy, UK foreign secretary",
    }  # fmt: skip
    [item] = why(said, actor="GB").evidence
    assert item.to_json()["speaker"] == "David Lammy, UK foreign secretary"
    assert item.to_json()["changed_nothing_because"] == "a statement changes no stance"
