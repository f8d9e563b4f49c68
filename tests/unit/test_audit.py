"""The audit as a pure function: each error and warning kind planted in a small log, reported with its event ids."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pytest

from events import RecordedEvent, Source
from projections.audit import KINDS, ChainBreak, Finding, audit
from tests.support import example_events, recorded

TEXT = "Poland has offered logistics. Italy has declined to participate. About 20 countries are in talks."
OTHER_TEXT = "Poland confirmed its offer of logistics. Italy has again declined."


def registered(source_id: str, published: str, text: str | None = TEXT, *, sha256: bool = True) -> dict[str, Any]:
    data = {"source_id": source_id, "publisher": "Wire", "published": published}
    if sha256:
        data["sha256"] = hashlib.sha256((text or source_id).encode()).hexdigest()
    return {"id": f"source:{source_id}", "type": "source.registered", "stream": "sources", "occurred": published,
            "data": data}  # fmt: skip


def event(event_id: str, type_: str, occurred: str, actor: str | None = None, *, cites: Any = (), **data: Any):
    obj: dict[str, Any] = {"id": event_id, "type": type_, "occurred": occurred, "data": data}
    if actor is not None:
        obj["actor"] = actor
    obj["sources"] = [{"source": source, "quote": quote} if quote else {"source": source} for source, quote in cites]
    return obj


def pledge(event_id: str, actor: str = "PL", occurred: str = "2025-03-10", *, cites: Any = None, offers: Any = None):
    cites = [("a", "Poland has offered logistics")] if cites is None else cites
    return event(event_id, "pledge.made", occurred, actor, cites=cites, offers=offers or ["logistics"])


def claim(event_id: str, occurred: str, comparator: str, amount: int, *, cites: Any = None):
    cites = [("a", "About 20 countries are in talks")] if cites is None else cites
    return event(event_id, "count.reported", occurred, cites=cites, subject="participants", comparator=comparator,
                 amount=amount)  # fmt: skip


def corrected(event_id: str, target: str, changes: dict[str, Any], *, cites: Any = None, stream: str | None = None):
    cites = [("b", "Poland confirmed its offer of logistics")] if cites is None else cites
    obj = event(event_id, "event.corrected", "2025-03-20", cites=cites, target=target, changes=changes, reason="fix")
    return obj if stream is None else {**obj, "stream": stream}


def retracted(event_id: str, target: str, *, cites: Any = None):
    cites = [("b", "Italy has again declined")] if cites is None else cites
    return event(event_id, "event.retracted", "2025-03-20", cites=cites, target=target, reason="misread")


SOURCES = [registered("a", "2025-03-10"), registered("b", "2025-03-17", OTHER_TEXT)]
TEXTS = {"a": TEXT, "b": OTHER_TEXT}


def infos(events: list[RecordedEvent]) -> dict[str, Source]:
    return {
        e.data["source_id"]: Source(
            e.data["source_id"], e.data["publisher"], e.data["published"], None, None, e.data.get("sha256"), e.id
        )
        for e in events
        if e.type == "source.registered"
    }


def run(
    *objects: dict[str, Any],
    texts: Mapping[str, str] = TEXTS,
    stream: str | None = None,
    chain: ChainBreak | None = None,
) -> tuple[Finding, ...]:
    events = recorded([*SOURCES, *objects])
    return audit(events, infos(events), texts, stream=stream, chain=chain)


def found(findings: tuple[Finding, ...], *, warnings: bool = True) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.severity, f.kind, f.events) for f in findings if warnings or f.severity == "error"]


def confirmed(event_id: str, actor: str = "PL") -> dict[str, Any]:
    """A second source for an actor, so that single_source stays quiet."""
    return pledge(event_id, actor, "2025-03-17", cites=[("b", "Poland confirmed its offer of logistics")])


def test_a_log_whose_facts_rest_on_two_verified_sources_audits_clean():
    assert run(pledge("pl"), confirmed("pl-again")) == ()


def test_every_kind_has_a_severity_and_findings_are_one_line():
    assert set(KINDS.values()) == {"error", "warning"}
    findings = run(pledge("pl", cites=[]), pledge("it", "IT", cites=[("a", "Italy offers tanks")]), texts={})
    assert all("\n" not in f.message and f.message for f in findings)


# --- errors ---


def test_an_event_without_a_source_is_an_error():
    assert found(run(pledge("pl", cites=[]), confirmed("pl-again")), warnings=False) == [
        ("error", "missing_source", ("pl",))
    ]


def test_corrections_and_retractions_need_a_source_but_registrations_do_not():
    findings = run(
        pledge("pl"),
        confirmed("pl-again"),
        corrected("fix", "pl", {"occurred": "2025-03-09"}, cites=[]),
        retracted("drop", "pl-again", cites=[]),
    )
    assert ("error", "missing_source", ("fix",)) in found(findings)
    assert ("error", "missing_source", ("drop",)) in found(findings)
    assert not [f for f in findings if f.kind == "missing_source" and f.events[0].startswith("source:")]


def test_a_citation_of_an_unregistered_source_is_an_error():
    findings = run(pledge("pl", cites=[("ghost", "anything")]), confirmed("pl-again"))
    [finding] = [f for f in findings if f.severity == "error"]
    assert (finding.kind, finding.events, finding.sources) == ("unknown_source", ("pl",), ("ghost",))


def test_a_quote_not_in_its_source_text_is_an_error():
    findings = run(pledge("pl", cites=[("a", "Poland offered tanks")]), confirmed("pl-again"))
    [finding] = [f for f in findings if f.severity == "error"]
    assert (finding.kind, finding.events, finding.sources) == ("quote_not_found", ("pl",), ("a",))
    assert "Poland offered tanks" in finding.message


def test_a_correction_that_fixes_the_quote_clears_the_error_and_its_own_quote_is_checked():
    bad = pledge("pl", cites=[("a", "Poland offered tanks")])
    fixed = corrected("fix", "pl", {"sources": [{"source": "a", "quote": "Poland has offered logistics"}]})
    assert found(run(bad, confirmed("pl-again"), fixed), warnings=False) == []
    wrong_fix = corrected("fix", "pl", {"sources": [{"source": "a", "quote": "Poland offered ships"}]})
    assert found(run(bad, confirmed("pl-again"), wrong_fix), warnings=False) == [
        ("error", "quote_not_found", ("pl", "fix"))
    ]
    bad_justification = corrected("fix", "pl", {"occurred": "2025-03-09"}, cites=[("b", "nothing of the sort")])
    assert ("error", "quote_not_found", ("fix",)) in found(run(pledge("pl"), bad_justification))


def test_a_retracted_event_is_not_audited():
    findings = run(pledge("pl"), confirmed("pl-again"), pledge("it", "IT", cites=[("a", "Italy offers tanks")]),
                   retracted("drop", "it"))  # fmt: skip
    assert found(findings, warnings=False) == []


def test_a_stored_text_that_no_longer_matches_its_sha256_is_an_error():
    findings = run(pledge("pl"), confirmed("pl-again"), texts={**TEXTS, "a": TEXT.replace("Italy", "Spain")})
    [finding] = [f for f in findings if f.severity == "error"]
    assert (finding.kind, finding.events, finding.sources) == ("source_text_mismatch", ("source:a",), ("a",))


def test_an_event_that_happened_after_its_source_was_published_is_an_error():
    late = pledge("pl", occurred="2025-03-11")
    assert found(run(late, confirmed("pl-again")), warnings=False) == [("error", "occurred_after_publication", ("pl",))]
    interval = pledge("pl", occurred="2025-03-02/2025-03-12")  # may have happened before publication
    assert found(run(interval, confirmed("pl-again")), warnings=False) == []
    redated = corrected("fix", "pl", {"occurred": "2025-03-10"})
    assert found(run(late, confirmed("pl-again"), redated), warnings=False) == []


def test_a_scheduled_meeting_may_be_due_after_publication_but_not_announced_after_it():
    def meeting(occurred: str) -> dict[str, Any]:
        return event("leaders", "meeting.scheduled", occurred, "GB", cites=[("a", "About 20 countries")],
                     meeting_id="m", scheduled_for="2025-03-15", format="virtual")  # fmt: skip

    assert found(run(meeting("2025-03-10")), warnings=False) == []
    assert found(run(meeting("2025-03-11")), warnings=False) == [("error", "occurred_after_publication", ("leaders",))]


def test_an_amendment_is_not_dated_against_its_sources():
    fix = corrected("fix", "pl", {"data": {"offers": ["logistics"]}}, cites=[("a", "Poland has offered logistics")])
    assert found(run(pledge("pl"), confirmed("pl-again"), fix), warnings=False) == []


def test_an_amendment_whose_target_is_missing_is_an_error():
    findings = run(pledge("pl"), confirmed("pl-again"), retracted("drop", "nowhere"))
    assert found(findings, warnings=False) == [("error", "missing_target", ("drop",))]


def test_a_stream_audit_looks_amendment_targets_up_in_the_whole_log():
    fix = corrected("fix", "pl", {"occurred": "2025-03-09"}, stream="corrections")
    assert found(run(pledge("pl"), confirmed("pl-again"), fix, stream="corrections")) == []


def test_a_broken_hash_chain_is_an_error_naming_the_event_at_that_position():
    findings = run(pledge("pl"), confirmed("pl-again"), chain=ChainBreak(3, "position 3 was modified"))
    assert [(f.kind, f.events, f.message) for f in findings] == [
        ("broken_hash_chain", ("pl",), "position 3 was modified")
    ]


# --- warnings ---


def test_a_member_resting_on_one_source_is_a_warning_naming_every_event_behind_it():
    findings = run(pledge("pl"), pledge("pl-ships", offers=["naval"]))
    [finding] = findings
    assert (finding.severity, finding.kind, finding.events, finding.sources) == (
        "warning",
        "single_source",
        ("pl", "pl-ships"),
        ("a",),
    )


def test_a_correction_citing_another_source_counts_towards_a_fact():
    fix = corrected("fix", "pl", {"data": {"offers": ["logistics", "naval"]}})
    assert run(pledge("pl"), fix) == ()


def test_claims_about_one_quantity_on_one_day_that_disagree_are_a_warning():
    findings = run(
        claim("twenty", "2025-03-10", "~", 20),
        claim("twenty-again", "2025-03-10", "~", 20, cites=[("b", "Italy has again declined")]),
        claim("thirty", "2025-03-10", ">", 30, cites=[("b", "Italy has again declined")]),
        claim("next-day", "2025-03-11", "=", 40),
        claim("week-a", "2025-03-03/2025-03-09", "=", 3),
        claim("week-b", "2025-03-03/2025-03-09", "=", 4),
    )
    disagreeing = [(f.events, f.sources) for f in findings if f.kind == "disagreeing_claims"]
    assert disagreeing == [
        (("twenty", "twenty-again", "thirty"), ("a", "b")),
        (("week-a", "week-b"), ("a",)),
    ]


@pytest.mark.parametrize(
    ("comparator", "amount", "below"),
    [("~", 20, True), ("~", 21, False), ("=", 2, True), ("<=", 3, False), ("<", 3, True), (">", 1, False),
     (">=", 1, False)],
)  # fmt: skip
def test_a_claim_that_allows_fewer_than_the_named_floor_is_a_warning(comparator: str, amount: int, below: bool):
    floor = 25 if comparator == "~" else 3
    actors = ["PL", "FR", "DE", "IT", "ES", "PT", "NL", "BE", "LU", "IE", "DK", "SE", "FI", "NO", "IS", "EE", "LV",
              "LT", "CZ", "SK", "AT", "SI", "HR", "RO", "BG"][:floor]  # fmt: skip
    pledges = [
        pledge(f"p-{code}", code, cites=[("a", "Poland has offered logistics"), ("b", "Poland confirmed its offer")])
        for code in actors
    ]
    findings = run(*pledges, claim("estimate", "2025-03-10", comparator, amount))
    assert found(findings) == ([("warning", "claim_below_named_floor", ("estimate",))] if below else [])


def test_the_floor_is_the_one_named_by_the_claims_day():
    later = [
        pledge(f"p-{code}", code, "2025-03-12", cites=[("b", "Poland confirmed its offer")]) for code in ("PL", "FR")
    ]
    assert "claim_below_named_floor" not in {f.kind for f in run(claim("one", "2025-03-10", "=", 1), *later)}
    assert "claim_below_named_floor" in {f.kind for f in run(claim("one", "2025-03-12", "=", 1), *later)}


def test_a_source_without_its_text_is_a_warning_and_each_quote_citing_it_is_unverified():
    findings = run(pledge("pl"), confirmed("pl-again"), texts={"b": OTHER_TEXT})
    assert found(findings) == [
        ("warning", "text_absent", ("source:a",)),
        ("warning", "unverified_quote", ("pl",)),
    ]
    assert "registered without its text" in findings[0].message
    assert "attach it to verify them" in findings[0].message


def test_a_citation_without_a_quote_is_a_warning():
    findings = run(pledge("pl", cites=[("a", None)]), confirmed("pl-again"))
    assert found(findings) == [("warning", "missing_quote", ("pl",))]


def test_findings_list_errors_first_then_by_position():
    findings = run(
        pledge("pl"),
        pledge("it", "IT", cites=[("a", "Italy offers tanks")]),
        pledge("de", "DE", cites=[]),
    )
    assert found(findings) == [
        ("error", "quote_not_found", ("it",)),
        ("error", "missing_source", ("de",)),
        ("warning", "single_source", ("pl",)),
        ("warning", "single_source", ("it",)),
    ]


def test_a_stream_audit_leaves_other_streams_alone():
    elsewhere = {**pledge("de", "DE", cites=[]), "stream": "other"}
    assert found(run(pledge("pl"), confirmed("pl-again"), elsewhere, stream="ukraine-coalition")) == []


def test_the_example_has_no_errors_and_only_honest_warnings():
    events = example_events()
    sources = infos(events)
    without_texts = audit(events, sources, {})
    assert {f.kind for f in without_texts} == {"single_source", "unverified_quote", "text_absent"}
    unverified = [f.events[0] for f in without_texts if f.kind == "unverified_quote"]
    assert len(unverified) == 47


# --- a stance reversed, a possible duplicate, a date long before publication ---


def test_an_undecided_after_a_pledge_whose_offers_stood_is_a_stance_reversed_warning():
    too_early = event(
        "de-too-early", "position.undecided", "2025-03-17", "PL", cites=[("b", "Italy has again declined")]
    )
    findings = run(pledge("pl"), too_early)
    [reversed_] = [f for f in findings if f.kind == "stance_reversed"]
    assert (reversed_.severity, reversed_.events, reversed_.sources) == ("warning", ("pl", "de-too-early"), ("a", "b"))
    assert "pledge.withdrawn" in reversed_.message


def test_an_undecided_after_the_pledge_was_withdrawn_or_without_a_pledge_is_no_reversal():
    withdrawn = event("w", "pledge.withdrawn", "2025-03-12", "PL", cites=[("b", "Poland confirmed its offer")])
    considering = event("c", "position.considering", "2025-03-17", "PL", cites=[("b", "Poland confirmed its offer")])
    undecided = event("u", "position.undecided", "2025-03-10", "IT", cites=[("a", "Italy has declined to participate")])
    kinds = {f.kind for f in run(pledge("pl"), withdrawn, considering, undecided)}
    assert "stance_reversed" not in kinds


US_REFUSAL = "the US has refused to offer a military backstop"
US_TEXTS = {"a": f"{TEXT} Meanwhile {US_REFUSAL}, including air cover.", "b": f"{OTHER_TEXT} So far {US_REFUSAL}."}


def run_us(*objects: dict[str, Any]) -> tuple[Finding, ...]:
    sources = [registered("a", "2025-03-10", US_TEXTS["a"]), registered("b", "2025-03-17", US_TEXTS["b"])]
    events = recorded([*sources, *objects])
    return audit(events, infos(events), US_TEXTS)


def us_refusal(event_id: str, occurred: str = "2025-03-02/2025-03-10", source: str = "a", **data: Any):
    data = {"scope": "air_cover", "reason": "refused a military backstop", **data}
    return event(event_id, "position.declined", occurred, "US", cites=[(source, US_REFUSAL)], **data)


def test_the_us_backstop_refusal_entered_again_under_a_second_id_is_a_possible_duplicate():
    findings = run_us(us_refusal("us-no-backstop"), us_refusal("us-no-backstop-again"))
    [duplicate] = [f for f in findings if f.kind == "possible_duplicate"]
    assert (duplicate.severity, duplicate.events, duplicate.sources) == (
        "warning",
        ("us-no-backstop", "us-no-backstop-again"),
        ("a",),
    )


def test_the_same_quote_for_the_same_fact_worded_otherwise_is_a_possible_duplicate():
    reworded = us_refusal("reworded", "2025-03-10", reason="no backstop")
    findings = run_us(us_refusal("first"), reworded)
    assert [f.events for f in findings if f.kind == "possible_duplicate"] == [("first", "reworded")]


def test_two_sources_reporting_one_fact_or_one_sentence_stating_two_facts_or_days_apart_are_not_duplicates():
    corroborated = [us_refusal("us-a"), us_refusal("us-b", "2025-03-02/2025-03-17", source="b")]
    two_facts = [us_refusal("no-air-cover"), us_refusal("no-troops", scope="troops")]
    apart = [us_refusal("early", "2025-03-01"), us_refusal("late", "2025-03-09")]
    for log in (corroborated, two_facts, apart):
        assert run_us(*log) == (), log


def test_an_event_dated_more_than_ten_years_before_its_source_is_a_warning():
    typo = pledge("pl", occurred="2015-03-09")
    findings = run(typo, confirmed("pl-again"))
    assert found(findings) == [("warning", "occurred_long_before_publication", ("pl",))]
    assert "2015-03-09" in findings[0].message
    assert found(run(pledge("pl", occurred="2015-03-10"), confirmed("pl-again"))) == []
