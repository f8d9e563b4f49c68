"""Why each fact holds: the events behind it, their amendments, their sources and what the texts really say.

On the fixture log (tests/fixtures/): its two articles are ours, so their texts are at hand.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from events import Source
from projections.coalition import CoalitionFold
from projections.provenance import explain_actor, explain_count, quote_spans
from projections.replay import fold_order
from tests.support import article_texts, fixture_events, fixture_objects, recorded

MARCH_12, MARCH_17 = date(2025, 3, 12), date(2025, 3, 17)
PL_QUOTE = "Poland's contribution is logistics support, though Warsaw has ruled out sending its own soldiers."
IT_QUOTE = "Rome has turned the invitation down."
CA_QUOTE = "Canada has pledged help of a kind still to be settled."


def infos(events: Any) -> dict[str, Source]:
    return {
        e.data["source_id"]: Source(
            e.data["source_id"], e.data["publisher"], e.data["published"], e.data.get("title"), None,
            e.data.get("sha256"), e.id,
        )
        for e in events
        if e.type == "source.registered"
    }  # fmt: skip


def with_fixture(*extra: dict[str, Any]) -> list[Any]:
    return recorded(fixture_objects() + list(extra))


def amendment(event_id: str, type_: str, target: str, quote: str, **data: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": type_,
        "occurred": "2025-04-01",
        "data": {"target": target, "reason": "re-read the article", **data},
        "sources": [{"source": "nc-2025-03-10", "quote": quote}],
    }


def test_polands_pledge_explains_each_of_its_facts_down_to_the_verified_quote():
    events = fixture_events()
    explained = explain_actor(events, "PL", MARCH_12, infos(events), article_texts())
    assert [(f.name, f.value, f.events) for f in explained.facts] == [
        ("stance", "supporting", ("nc-0310-pl-logistics",)),
        ("offer", "logistics", ("nc-0310-pl-logistics",)),
        ("ruled_out", "troops", ("nc-0310-pl-logistics",)),
    ]
    [evidence] = explained.evidence
    [citation] = evidence.citations
    assert (citation.source, citation.quote, citation.status, citation.verified) == (
        "nc-2025-03-10",
        PL_QUOTE,
        "verified",
        True,
    )
    assert citation.to_json()["publisher"] == "Northgate Courier"
    assert citation.to_json()["published"] == "2025-03-10"


def test_without_the_text_the_same_quote_is_unverified():
    events = fixture_events()
    [evidence] = explain_actor(events, "PL", MARCH_12, infos(events), {}).evidence
    assert [(c.status, c.verified) for c in evidence.citations] == [("text_absent", False)]


def test_a_stance_held_by_a_position_rests_on_the_run_of_events_stating_it():
    events = fixture_events()
    explained = explain_actor(events, "AU", MARCH_12, infos(events), article_texts())
    assert [(f.name, f.value, f.events) for f in explained.facts] == [
        ("stance", "considering", ("nc-0310-au-considering",)),
    ]
    later = explain_actor(events, "AU", MARCH_17, infos(events), article_texts())
    facts = {(f.name, f.value): f.events for f in later.facts}
    assert facts[("stance", "supporting")] == ("nc-0317-au-troops",)
    assert facts[("condition", "us_backstop")] == ("nc-0317-au-us-backstop",)


def test_an_actor_that_only_ruled_something_out_is_explained_though_not_a_member():
    events = fixture_events()
    explained = explain_actor(events, "US", MARCH_17, infos(events), article_texts())
    assert explained.member is None
    assert [(f.name, f.value, f.events) for f in explained.facts] == [
        ("ruled_out", "air_cover", ("nc-0310-us-no-backstop", "nc-0317-us-no-air-cover")),
    ]


def test_a_correction_shows_under_the_event_it_changed_with_its_own_sources():
    fix = amendment("fix-pl", "event.corrected", "nc-0310-pl-logistics", PL_QUOTE,
                    changes={"data": {"offers": ["logistics", "engineering"]}})  # fmt: skip
    events = with_fixture(fix)
    explained = explain_actor(events, "PL", MARCH_12, infos(events), article_texts())
    assert ("offer", "engineering", ("nc-0310-pl-logistics",)) in [(f.name, f.value, f.events) for f in explained.facts]
    [evidence] = explained.evidence
    assert evidence.event.data["offers"] == ["logistics", "engineering"]
    [correction] = evidence.amendments
    assert correction.event.id == "fix-pl"
    assert [c.status for c in correction.citations] == ["verified"]
    assert evidence.to_json()["amendments"][0]["data"]["reason"] == "re-read the article"


def test_a_retracted_event_is_set_aside_with_its_retraction():
    drop = amendment("drop-it", "event.retracted", "nc-0310-it-declined", IT_QUOTE)
    events = with_fixture(drop)
    explained = explain_actor(events, "IT", MARCH_12, infos(events), article_texts())
    assert explained.member is None
    assert explained.facts == ()
    [set_aside] = explained.set_aside
    assert set_aside.event.id == "nc-0310-it-declined"
    assert [a.event.id for a in set_aside.amendments] == ["drop-it"]


def test_an_event_moved_to_another_actor_is_set_aside_for_the_first_and_counts_for_the_second():
    move = amendment("to-de", "event.corrected", "nc-0310-es-too-soon", "Germany and Spain", changes={"actor": "DE"})
    events = with_fixture(move)
    spain = explain_actor(events, "ES", MARCH_12, infos(events), article_texts())
    assert spain.member is None
    assert [item.event.id for item in spain.set_aside] == ["nc-0310-es-too-soon"]
    germany = explain_actor(events, "DE", MARCH_12, infos(events), article_texts())
    assert [f.events for f in germany.facts] == [("nc-0310-de-too-soon", "nc-0310-es-too-soon")]
    assert germany.set_aside == ()


def test_amendments_from_another_stream_apply_to_the_stream_explained():
    fix = {**amendment("fix-pl", "event.corrected", "nc-0310-pl-logistics", PL_QUOTE,
                       changes={"data": {"offers": ["naval"]}}), "stream": "corrections"}  # fmt: skip
    events = with_fixture(fix)
    explained = explain_actor(events, "PL", MARCH_12, infos(events), article_texts(), stream="ukraine-coalition")
    assert [(f.name, f.value) for f in explained.facts] == [("stance", "supporting"), ("offer", "naval")]


def test_the_reported_size_is_explained_claim_by_claim_beside_the_named_floor():
    events = fixture_events()
    explained = explain_count(events, "participants", MARCH_17, infos(events), article_texts())
    document = explained.to_json()
    assert document["latest"] == "nc-0317-gb-more-than-30"
    assert document["named_floor"] == 9
    assert document["named_supporting"] == ["AU", "CA", "DK", "FR", "GB", "JP", "NO", "PL", "SE"]
    assert [e.event.id for e in explained.evidence] == ["nc-0310-gb-about-20", "nc-0317-gb-more-than-30"]
    assert all(c.verified for e in explained.evidence for c in e.citations)
    troops = explain_count(events, "troops", MARCH_17, infos(events), article_texts()).to_json()
    assert (troops["named_floor"], troops["named_supporting"]) == (None, None)


def test_quote_spans_are_offsets_into_the_original_text():
    events = fixture_events()
    text = article_texts()["nc-2025-03-10"]
    spans = {span.event: span for span in quote_spans(events, "nc-2025-03-10", text)}
    assert len(spans) == 16
    poland = spans["nc-0310-pl-logistics"]
    assert poland.start is not None
    assert text[poland.start : poland.end] == PL_QUOTE
    about_20 = spans["nc-0310-gb-about-20"]
    assert (
        text[about_20.start : about_20.end]
        == "Last week British officials put the number of countries in the talks at \u201cabout 20\u201d"
    )


def test_quote_spans_follow_corrections_and_retractions_and_list_the_amendments_own_quotes():
    bad = {"id": "bad", "type": "pledge.made", "occurred": "2025-03-10", "actor": "PT", "data": {"offers": ["naval"]},
           "sources": [{"source": "nc-2025-03-10", "quote": "Portugal offered ships"}]}  # fmt: skip
    dropped = {**bad, "id": "dropped", "actor": "GR"}
    canada = [{"source": "nc-2025-03-10", "quote": CA_QUOTE}]
    fix = amendment("fix", "event.corrected", "bad", CA_QUOTE, changes={"sources": canada})
    drop = amendment("drop", "event.retracted", "dropped", IT_QUOTE)
    events = with_fixture(bad, dropped, fix, drop)
    spans = quote_spans(events, "nc-2025-03-10", article_texts()["nc-2025-03-10"])
    mine = [(s.event, s.quote, s.status) for s in spans if s.event in {"bad", "dropped", "fix", "drop"}]
    assert mine == [
        ("bad", CA_QUOTE, "verified"),
        ("fix", CA_QUOTE, "verified"),
        ("drop", IT_QUOTE, "verified"),
    ]
    unfixed = quote_spans(with_fixture(bad), "nc-2025-03-10", article_texts()["nc-2025-03-10"])
    [(start, end, status)] = [(s.start, s.end, s.status) for s in unfixed if s.event == "bad"]
    assert (start, end, status) == (None, None, "not_found")
    absent = quote_spans(events, "nc-2025-03-10", None)
    assert {(s.status, s.start) for s in absent} == {("text_absent", None)}


def test_the_fold_names_the_events_behind_each_fact_separately():
    fold = CoalitionFold()
    objects = [
        {"id": "p1", "type": "pledge.made", "occurred": "2025-03-01", "actor": "PL",
         "data": {"offers": ["logistics"], "conditions": ["un_mandate"]}},
        {"id": "w", "type": "pledge.withdrawn", "occurred": "2025-03-02", "actor": "PL", "data": {}},
        {"id": "p2", "type": "pledge.made", "occurred": "2025-03-03", "actor": "PL", "data": {"offers": ["logistics"]}},
        {"id": "d", "type": "position.declined", "occurred": "2025-03-04", "actor": "PL", "data": {"scope": "troops"}},
    ]  # fmt: skip
    for event in fold_order(recorded(objects)):
        fold.apply(event)
    behind = fold.fact_events("PL")
    assert behind is not None
    assert (behind.stance, behind.stance_events) == ("supporting", ("p2",))  # the withdrawal ended p1's support
    assert dict(behind.offers) == {"logistics": ("p2",)}
    assert dict(behind.conditions) == {"un_mandate": ("p1",)}
    assert dict(behind.ruled_out) == {"troops": ("d",)}
    assert fold.fact_events("FR") is None
