"""The vocabulary: dates, actors and event validation (quotes: test_quotes.py)."""

from __future__ import annotations

from datetime import date

import pytest

from events import (
    ORGANISATIONS,
    EdtfError,
    EventValidationError,
    UnknownActorError,
    edtf_bounds,
    normalise_actor,
    parse_event,
)


@pytest.mark.parametrize(
    ("value", "earliest", "latest"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-03-15", date(2025, 3, 15), date(2025, 3, 15)),
        ("2025-03-15?", date(2025, 3, 15), date(2025, 3, 15)),
        ("2025-03~", date(2025, 3, 1), date(2025, 3, 31)),
        ("2025-03-03/2025-03-09", date(2025, 3, 3), date(2025, 3, 9)),
        ("2025-03/2025-04-02", date(2025, 3, 1), date(2025, 4, 2)),
    ],
)
def test_edtf_values_have_earliest_and_latest_days(value: str, earliest: date, latest: date) -> None:
    assert edtf_bounds(value) == (earliest, latest)


@pytest.mark.parametrize(
    "value", ["2025-02-30", "2025-13", "2025-03-10/2025-03-01", "10 March 2025", "2025-03-01/..", "", "2025-3-1"]
)
def test_invalid_or_unsupported_dates_are_rejected(value: str) -> None:
    with pytest.raises(EdtfError):
        edtf_bounds(value)


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("Britain", "GB"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("GBR", "GB"),
        ("gb", "GB"),
        ("US", "US"),
        ("USA", "US"),
        ("Poland", "PL"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Russia", "RU"),
        ("Australia", "AU"),
        ("eu", "EU"),
        ("Nato", "NATO"),
        ("G7", "G7"),
    ],
)
def test_actors_are_normalised_to_codes(given: str, code: str) -> None:
    assert normalise_actor(given) == code


def test_unknown_actor_suggests_close_matches() -> None:
    with pytest.raises(UnknownActorError) as raised:
        normalise_actor("Polnd")
    assert raised.value.suggestions == ["PL (Poland)"]


def test_organisation_codes_never_shadow_a_country() -> None:
    import pycountry

    alpha2 = {country.alpha_2 for country in pycountry.countries}
    assert not set(ORGANISATIONS) & alpha2


def test_event_fields_are_validated_with_their_path() -> None:
    with pytest.raises(EventValidationError) as raised:
        parse_event(
            {"type": "count.reported", "occurred": "2025-03-10", "data": {"subject": "tanks", "comparator": "~"}}, "s"
        )
    fields = [problem.field for problem in raised.value.problems]
    assert fields == ["data.subject", "data.amount"]


def test_actor_is_required_where_the_type_needs_one() -> None:
    with pytest.raises(EventValidationError, match="needs an actor"):
        parse_event({"type": "position.undecided", "occurred": "2025-03-10"}, "s")


def test_events_are_frozen_and_normalised() -> None:
    event = parse_event(
        {
            "type": "meeting.convened",
            "occurred": "2025-03-15",
            "actor": "Britain",
            "data": {"participants": ["France", "FR", "Italy"]},
        },
        "s",
    )
    assert event.actor == "GB"
    assert event.data == {"participants": ["FR", "IT"]}
    with pytest.raises(AttributeError):
        event.actor = "FR"  # type: ignore[misc]


_WELL_FORMED = [
    {"type": "position.in_talks", "occurred": "2025-03", "actor": "uk"},
    {"type": "position.in_talks", "occurred": "2025-03-10", "actor": "GB", "data": {}, "note": None},
    {
        "id": "e1",
        "type": "pledge.made",
        "stream": "s-2",
        "occurred": " 2025-03-10~ ",
        "occurred_text": "on Monday",
        "actor": "Australia",
        "data": {"offers": ["troops", "troops"], "ruled_out": None, "conditions": ["a mandate"]},
        "sources": [{"source": "ft", "quote": "we are ready"}, {"source": "ft", "quote": None}],
    },
    {
        "type": "event.corrected",
        "occurred": "2025-03-11",
        "data": {"target": "e1", "changes": {"actor": "nz", "data": {"offers": ["naval"]}}, "reason": "misread"},
        "sources": [{"source": "ft"}],
    },
    {
        "type": "count.reported",
        "occurred": "2025-03-10/2025-03-12",
        "data": {"subject": "participants", "comparator": ">", "amount": 30},
    },
    {
        "type": "statement.made",
        "occurred": "2025-03-15",
        "actor": "Britain",
        "speaker": "David Lammy, UK foreign secretary",
        "data": {"speaker": "David Lammy, UK foreign secretary", "summary": "the G7 have more cards to play"},
    },
    {"type": "statement.made", "occurred": "2025-03-15", "data": {"speaker": "Downing Street", "summary": "s"}},
    {
        "type": "meeting.convened",
        "occurred": "2025-02-18",
        "actor": "Saudi Arabia",
        "data": {"participants": ["US", "RU"], "external": True},
    },
]
_ILL_FORMED = [
    "not an object",
    {"type": "position.in_talks", "occurred": "2025-03-10"},
    {"type": "position.in_talks", "occurred": "2025-02-30", "actor": "GB"},
    {"type": "position.intalks", "occurred": "2025-03-10", "actor": "GB"},
    {"type": "position.in_talks", "occurred": "2025-03-10", "actor": "GB", "data": None},
    {"type": "position.in_talks", "occurred": "2025-03-10", "actor": "GB", "colour": "red"},
    {"type": "pledge.made", "occurred": "2025-03-10", "actor": "GB", "data": {"offers": []}},
    {"type": "pledge.made", "occurred": "2025-03-10", "actor": "GB", "data": {"offers": ["tanks"]}},
    {"type": "event.corrected", "occurred": "2025-03-10", "data": {"target": "e1", "changes": {}, "reason": "r"}},
    {
        "type": "count.reported",
        "occurred": "2025-03-10",
        "data": {"subject": "participants", "comparator": "~", "amount": "20"},
    },
    {"type": "statement.made", "occurred": "2025-03-15", "data": {"summary": "the G7 have more cards to play"}},
    {"type": "statement.made", "occurred": "2025-03-15", "data": {"speaker": "", "summary": "s"}},
    {"type": "statement.made", "occurred": "2025-03-15", "data": {"speaker": "Lammy", "summary": "s", "mood": "x"}},
    {"type": "position.in_talks", "occurred": "2025-03-10", "actor": "GB", "speaker": ""},
    {"type": "position.in_talks", "occurred": "2025-03-10", "actor": "GB", "speaker": ["Lammy"]},
    {"type": "meeting.convened", "occurred": "2025-02-18", "actor": "SA", "data": {"external": "yes"}},
]


@pytest.mark.parametrize("raw", _WELL_FORMED)
def test_the_one_step_validator_accepts_what_the_two_step_one_does_alike(raw: dict[str, object]) -> None:
    from events.envelope import _parse_in_two_steps

    assert parse_event(raw, "s") == _parse_in_two_steps(raw, "s")


@pytest.mark.parametrize("raw", _ILL_FORMED)
def test_ill_formed_events_are_explained_by_the_two_step_validator(raw: object) -> None:
    from events.envelope import _parse_in_two_steps

    with pytest.raises(EventValidationError) as fast:
        parse_event(raw, "s")
    with pytest.raises(EventValidationError) as careful:
        _parse_in_two_steps(raw, "s")
    assert fast.value.problems == careful.value.problems


def _statement(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "type": "statement.made",
        "occurred": "2025-03-15",
        "actor": "UK",
        "data": {"speaker": "David Lammy, UK foreign secretary", "summary": "the G7 have more cards that we can play"},
        "sources": [{"source": "ft", "quote": "the G7 have more cards that we can play"}],
    }
    raw.update(changes)
    return raw


def test_a_statement_names_its_speaker_and_summary_and_may_name_a_topic() -> None:
    event = parse_event(_statement(data={"speaker": "Downing Street", "summary": "more than 30", "topic": "size"}), "s")
    assert event.type == "statement.made"
    assert event.actor == "GB"
    assert event.data == {"speaker": "Downing Street", "summary": "more than 30", "topic": "size"}


def test_a_statement_needs_no_actor_but_a_speaker_and_a_summary() -> None:
    without_actor = _statement()
    del without_actor["actor"]
    assert parse_event(without_actor, "s").actor is None
    with pytest.raises(EventValidationError) as raised:
        parse_event(_statement(data={}), "s")
    assert [problem.field for problem in raised.value.problems] == ["data.speaker", "data.summary"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"speaker": "Lammy", "summary": "s", "quote": "x"}, "data.quote"),  # unknown fields are refused
        ({"speaker": "", "summary": "s"}, "data.speaker"),
        ({"speaker": "Lammy", "summary": "x" * 2001}, "data.summary"),
        ({"speaker": "L" * 2001, "summary": "s"}, "data.speaker"),
        ({"speaker": "Lammy", "summary": "s", "topic": ""}, "data.topic"),
        ({"speaker": ["Lammy"], "summary": "s"}, "data.speaker"),
        ({"speaker": "GB", "summary": 3}, "data.summary"),
    ],
)
def test_a_bad_statement_is_refused_naming_its_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(EventValidationError) as raised:
        parse_event(_statement(data=data), "s")
    assert raised.value.field == field


def test_a_speaker_is_text_on_any_event_and_travels_in_the_envelope() -> None:
    raw = {
        "id": "gb-size",
        "type": "count.reported",
        "occurred": "2025-03-17",
        "actor": "GB",
        "speaker": "Downing Street",
        "data": {"subject": "participants", "comparator": ">", "amount": 30},
        "sources": [{"source": "ft", "quote": "more than thirty countries"}],
        "note": "n",
    }
    event = parse_event(raw, "s")
    assert event.speaker == "Downing Street"
    assert event.actor == "GB"  # a speaker never becomes an actor, nor an actor a speaker
    assert list(event.content()) == ["id", "type", "stream", "occurred", "actor", "speaker", "data", "sources", "note"]
    assert parse_event(event.content(), "s") == event


def test_an_event_without_a_speaker_has_none_and_writes_no_speaker_key() -> None:
    event = parse_event({"type": "position.in_talks", "occurred": "2025-03-10", "actor": "PL", "speaker": None}, "s")
    assert event.speaker is None
    assert "speaker" not in event.content()


@pytest.mark.parametrize(
    ("speaker", "message"),
    [("", "at least 1 character"), ("x" * 2001, "at most 2000 characters"), (7, "valid string")],
)
def test_a_bad_speaker_is_refused_naming_the_field(speaker: object, message: str) -> None:
    raw = {"type": "position.in_talks", "occurred": "2025-03-10", "actor": "PL", "speaker": speaker}
    with pytest.raises(EventValidationError, match=message) as raised:
        parse_event(raw, "s")
    assert raised.value.field == "speaker"


def test_the_envelope_keys_list_the_speaker_in_the_order_events_are_written() -> None:
    from events.envelope import ENVELOPE_KEYS, _Envelope

    assert tuple(_Envelope.model_fields) == ENVELOPE_KEYS
    assert ENVELOPE_KEYS.index("speaker") == ENVELOPE_KEYS.index("actor") + 1


@pytest.mark.parametrize(("external", "stored"), [(True, {"external": True}), (False, {"external": False}), (None, {})])
def test_a_convened_meeting_may_be_marked_external(external: bool | None, stored: dict[str, object]) -> None:
    data: dict[str, object] = {"participants": ["US", "Russia"]}
    if external is not None:
        data["external"] = external
    event = parse_event({"type": "meeting.convened", "occurred": "2025-02-18", "actor": "SA", "data": data}, "s")
    assert event.data == {"participants": ["US", "RU"], **stored}


def test_external_is_a_boolean_and_only_for_convened_meetings() -> None:
    with pytest.raises(EventValidationError) as raised:
        parse_event({"type": "meeting.convened", "occurred": "2025-02-18", "actor": "SA", "data": {"external": 1}}, "s")
    assert raised.value.field == "data.external"
    scheduled = {
        "type": "meeting.scheduled",
        "occurred": "2025-02-10",
        "actor": "SA",
        "data": {"meeting_id": "m", "scheduled_for": "2025-02-18", "format": "in_person", "external": True},
    }
    with pytest.raises(EventValidationError, match="unknown field"):
        parse_event(scheduled, "s")


def test_statement_made_is_version_1_needs_a_source_and_changes_no_stance() -> None:
    from events import kind_of
    from projections.coalition import coalition_state
    from tests.support import recorded

    kind = kind_of("statement.made")
    assert (kind.schema_version, kind.actor_required, kind.needs_source) == (1, False, True)
    state = coalition_state(recorded([_statement()]), date(2025, 3, 31))
    assert state.members == {}
