"""The use cases, called as both doors call them: plain values in, answers and DESIGN.md documents out.

No click and no HTTP here (cosmicpython tests its services without the web
framework): each door's own tests only check that it parses, calls and prints.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest

from errors import InputError, NotFound
from service import Query
from service.timeline import Timeline
from tests.support import EXAMPLE, drop_append_only_guards, execute_sql, plant

STREAM = "ukraine-coalition"


@pytest.fixture
def timeline(database_url: str) -> Iterator[Timeline]:
    """A timeline holding the bundled example (without the articles' texts)."""
    opened = Timeline(database_url)
    opened.init()
    for name in ("sources.jsonl", "events.jsonl"):
        with (EXAMPLE / name).open("rb") as lines:
            opened.import_lines(lines, name)
    try:
        yield opened
    finally:
        opened.close()


def test_the_state_document_says_who_is_in_as_of_a_day(timeline: Timeline) -> None:
    document = timeline.state(Query.parse(STREAM, "2025-03-17")).to_json()
    assert document["members"]["PL"]["stance"] == "supporting"
    assert document["members"]["PL"]["ruled_out"] == ["troops"]
    assert (document["reported_size"]["latest"]["comparator"], document["reported_size"]["latest"]["amount"]) == (
        ">",
        30,
    )
    assert document["position"] == timeline.head_position()


def test_known_at_a_position_answers_with_what_the_log_held_then(timeline: Timeline) -> None:
    early = timeline.state(Query.parse(STREAM, "2025-03-17", "5"))
    assert early.position == 5
    assert early.to_json()["known_at"] == 5
    assert len(early.state.members) < len(timeline.state(Query.parse(STREAM, "2025-03-17")).state.members)


def test_every_question_is_answered_by_the_one_replayer_the_timeline_built(timeline: Timeline) -> None:
    assert timeline.replayer is timeline.replayer
    timeline.state(Query(STREAM, date(2025, 3, 12)))
    timeline.diff(STREAM, "2025-03-12", "2025-03-17")
    assert timeline.replayer is timeline.replayer


@pytest.mark.parametrize(
    ("ask", "field"),
    [
        (lambda t: Query.parse(STREAM, "2025-02-30"), "as_of"),
        (lambda t: Query.parse(STREAM, "2025-03-17", "last tuesday"), "known_at"),
        (lambda t: Query.parse(STREAM, "2025-03-17", "²"), "known_at"),
        (lambda t: Query.parse(STREAM, "2025-03-17", "２"), "known_at"),
        (lambda t: t.why(Query.parse(STREAM, "2025-03-17"), "Atlantis"), "actor"),
        (lambda t: t.timeline(STREAM, start="2025-03-17", end="2025-02-31"), "to"),
        (lambda t: t.report(STREAM, start="2025-03-17", end="2025-03-10"), "to"),
        (lambda t: t.diff(STREAM, "2025-03-12", "tomorrow"), "after"),
        (lambda t: t.resolve_date("soon", "2025-03-10"), "phrase"),
        (lambda t: t.resolve_date("last week", "10/03/2025"), "anchor"),
    ],
)
def test_a_value_that_cannot_be_read_is_refused_naming_its_field(timeline: Timeline, ask, field: str) -> None:
    with pytest.raises(InputError) as refused:
        ask(timeline)
    assert refused.value.location.field == field
    assert "--" not in str(refused.value)


def test_an_unknown_source_or_stream_is_not_found(timeline: Timeline) -> None:
    with pytest.raises(NotFound) as source:
        timeline.show_source("nope")
    assert source.value.location.field == "source_id"
    with pytest.raises(NotFound) as stream:
        timeline.audit("typo")
    assert stream.value.location.field == "stream"


def test_append_resolves_a_phrase_against_its_first_sources_publication_date(timeline: Timeline) -> None:
    answer = timeline.append(
        {
            "type": "position.in_talks",
            "actor": "Netherlands",
            "occurred_text": "last week",
            "sources": [{"source": "ft-2025-03-17"}],
        }
    )
    assert answer.resolution is not None
    assert answer.resolution.edtf == "2025-03-10/2025-03-16"
    document = answer.to_json()
    assert document["resolved"]["edtf"] == "2025-03-10/2025-03-16"
    [logged] = [item.event for item in timeline.log(actor="NL")]
    assert (logged.occurred, logged.occurred_text) == ("2025-03-10/2025-03-16", "last week")


def test_appending_the_same_event_again_changes_nothing(timeline: Timeline) -> None:
    event = {"id": "svc-nl", "type": "position.in_talks", "actor": "NL", "occurred": "2025-03-17",
             "sources": [{"source": "ft-2025-03-17"}]}  # fmt: skip
    first = timeline.append(event)
    again = timeline.append(event)
    assert first.to_json()["appended"]["id"] == "svc-nl"
    assert again.to_json() == {"appended": None, "unchanged": ["svc-nl"]}


def test_why_explains_an_actor_down_to_its_quotes(timeline: Timeline) -> None:
    document = timeline.why(Query.parse(STREAM, "2025-03-17"), "Poland").to_json()
    assert document["actor"] == "PL"
    assert document["member"]["stance"] == "supporting"
    assert "ft-0310-pl-logistics" in str(document["events"])
    assert "Poland, for example, has offered logistics support" in str(document["events"])


def test_the_audit_and_the_reports_audit_both_survive_rows_damaged_past_reading(timeline: Timeline) -> None:
    """The report's audit once lacked the audit's fallback and crashed where `dtl audit` reported the break."""
    timeline.append({"id": "elsewhere", "type": "position.in_talks", "actor": "NL", "occurred": "2025-03-17",
                     "stream": "other", "sources": [{"source": "ft-2025-03-17"}]})  # fmt: skip
    drop_append_only_guards(timeline.store)
    execute_sql(timeline.store, "UPDATE events SET body = '{not json' WHERE event_id = 'elsewhere'")
    audited = timeline.audit()
    assert [finding.kind for finding in audited.findings] == ["broken_hash_chain"]
    report = timeline.report(STREAM)
    assert report.errors == 1
    assert "broken_hash_chain" in report.html


def test_an_exported_log_imports_into_a_new_timeline_as_the_same_events(timeline: Timeline, tmp_path) -> None:
    exported = io.StringIO()
    timeline.export("jsonl", STREAM)(exported)
    copy = Timeline(f"sqlite:///{tmp_path / 'copy.db'}")
    copy.init()
    with (EXAMPLE / "sources.jsonl").open("rb") as sources:
        copy.import_lines(sources, "sources.jsonl")
    copy.import_lines(io.BytesIO(exported.getvalue().encode()), "export.jsonl")
    original = [item.event.envelope() for item in timeline.log(stream=STREAM)]
    assert [item.event.envelope() for item in copy.log(stream=STREAM)] == original
    copy.close()


def test_verify_answers_the_head_it_checked(timeline: Timeline) -> None:
    document = timeline.verify().to_json()
    assert document["ok"] is True
    assert document["events"] == document["head"]["position"] == timeline.head_position()


@pytest.mark.parametrize(
    "ask",
    [
        lambda t: t.state(Query.parse("ukraine-coalitoin", "2025-03-17")),
        lambda t: t.count(Query.parse("ukraine-coalitoin", "2025-03-17")),
        lambda t: t.count_series("ukraine-coalitoin"),
        lambda t: t.timeline("ukraine-coalitoin"),
        lambda t: t.diff("ukraine-coalitoin", "2025-03-12", "2025-03-17"),
        lambda t: t.history("ukraine-coalitoin", "PL"),
        lambda t: t.why(Query.parse("ukraine-coalitoin", "2025-03-17"), "PL"),
        lambda t: t.why_count(Query.parse("ukraine-coalitoin", "2025-03-17")),
        lambda t: list(t.log(stream="ukraine-coalitoin")),
        lambda t: t.audit("ukraine-coalitoin"),
        lambda t: t.report("ukraine-coalitoin"),
        lambda t: t.chart("size", "svg", "ukraine-coalitoin"),
        lambda t: t.export("jsonl", "ukraine-coalitoin"),
    ],
)
def test_every_use_case_refuses_an_unknown_stream_alike_naming_the_close_match(timeline: Timeline, ask) -> None:
    """`state --stream typo` once printed an empty coalition and exited 0 while `audit` and `report` refused it."""
    with pytest.raises(NotFound) as refused:
        ask(timeline)
    assert refused.value.location.field == "stream"
    assert "did you mean ukraine-coalition?" in str(refused.value)
    assert "sources" in (refused.value.hint or "")


def test_an_unknown_event_type_is_refused_naming_the_close_matches(timeline: Timeline) -> None:
    """`log --type pledge.mad` once printed nothing and exited 0."""
    with pytest.raises(InputError) as refused:
        list(timeline.log(type="pledge.mad"))
    assert refused.value.location.field == "type"
    assert "did you mean pledge.made" in str(refused.value)


def test_a_reversed_window_is_refused_by_the_timeline_as_by_the_report(timeline: Timeline) -> None:
    """The timeline once accepted --from after --to (and showed nothing) where the report refused it."""
    with pytest.raises(InputError) as refused:
        timeline.timeline(STREAM, start="2025-03-17", end="2025-03-10")
    assert refused.value.location.field == "to"


def test_a_known_at_position_past_the_head_says_it_was_read_as_a_position(timeline: Timeline) -> None:
    """`--known-at 2025` means position 2025, everything on a small log: the answer now says so."""
    answer = timeline.state(Query.parse(STREAM, "2025-03-17", "2025"))
    [note] = answer.notes
    assert "read as a log position" in note
    assert "2025-12-31" in note
    assert timeline.state(Query.parse(STREAM, "2025-03-17", "5")).notes == ()


def test_a_known_at_day_before_anything_was_recorded_says_why_the_answer_is_empty(timeline: Timeline) -> None:
    """`--known-at 2025-03-20` on a log recorded today once showed "(no members)" with no word of why."""
    answer = timeline.why(Query.parse(STREAM, "2025-03-17", "2025-03-20"), "PL")
    [note] = answer.notes
    assert "nothing had been recorded by" in note
    assert timeline.state(Query.parse(STREAM, "2025-03-17")).notes == ()


def correct_publication(timeline: Timeline, source_id: str, published: str, title: str) -> None:
    """Correct a source's metadata as an analyst does: an event.corrected of its registration, with its whole data."""
    [source] = [source for source in timeline.sources() if source.id == source_id]
    data = {"source_id": source.id, "publisher": source.publisher, "published": published, "title": title}
    data.update({key: value for key, value in (("url", source.url), ("sha256", source.sha256)) if value is not None})
    timeline.append(
        {"id": f"fix-{source_id}", "type": "event.corrected", "occurred": source.published,
         "data": {"target": f"source:{source_id}", "changes": {"data": data}, "reason": "the print date"},
         "sources": [{"source": source_id}]}
    )  # fmt: skip


def test_a_corrected_publication_date_is_what_the_list_why_relative_dates_and_the_report_use(
    timeline: Timeline,
) -> None:
    correct_publication(timeline, "ft-2025-03-17", "2025-03-24", "Coalition to pass 30 (corrected)")
    [source] = [source for source in timeline.sources() if source.id == "ft-2025-03-17"]
    assert (source.published, source.title, source.sha256 is not None) == (
        "2025-03-24",
        "Coalition to pass 30 (corrected)",
        True,
    )
    cited = [
        citation
        for event in timeline.why(Query.parse(STREAM, "2025-03-17"), "Australia").to_json()["events"]
        for citation in event["sources"]
        if citation["source"] == "ft-2025-03-17"
    ]
    assert cited
    assert {(citation["published"], citation["title"]) for citation in cited} == {
        ("2025-03-24", "Coalition to pass 30 (corrected)")
    }
    answer = timeline.append(
        {
            "type": "position.in_talks",
            "actor": "NL",
            "occurred_text": "last week",
            "sources": [{"source": "ft-2025-03-17"}],
        }
    )
    assert answer.resolution is not None
    assert (answer.resolution.anchor.isoformat(), answer.resolution.edtf) == ("2025-03-24", "2025-03-17/2025-03-23")
    assert "Coalition to pass 30 (corrected)" in timeline.report(STREAM).html


def test_the_audit_dates_events_against_a_corrected_publication(timeline: Timeline) -> None:
    plant(
        timeline.store,
        {"id": "nl-late", "type": "position.in_talks", "actor": "NL", "occurred": "2025-03-20",
         "sources": [{"source": "ft-2025-03-17"}]},
    )  # fmt: skip
    assert "nl-late" in {
        e
        for finding in timeline.audit().findings
        if finding.kind == "occurred_after_publication"
        for e in finding.events
    }
    correct_publication(timeline, "ft-2025-03-17", "2025-03-21", "Coalition to pass 30")
    assert not [finding for finding in timeline.audit().findings if finding.kind == "occurred_after_publication"]


def test_why_known_at_a_position_before_a_source_correction_shows_the_metadata_known_then(timeline: Timeline) -> None:
    """Sources were once read as they stand now even when why was asked as the log stood earlier."""
    before = timeline.head_position()
    correct_publication(timeline, "ft-2025-03-17", "2025-03-24", "Coalition to pass 30 (corrected)")

    def titles(known_at: str | None) -> set[str]:
        explained = timeline.why(Query.parse(STREAM, "2025-03-17", known_at), "Australia").to_json()
        return {c["title"] for e in explained["events"] for c in e["sources"] if c["source"] == "ft-2025-03-17"}

    assert titles(None) == {"Coalition to pass 30 (corrected)"}
    assert titles(str(before)) == {
        "Downing Street expects more than 30 countries to join Ukraine 'coalition of the willing'"
    }
