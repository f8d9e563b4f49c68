"""What the audit calls an error is refused at write time, on SQLite and PostgreSQL; the database keeps the clock.

Each refusal names the field that is wrong and leaves the log exactly as it was.
Source metadata corrections are honoured by every reader of the sources, and the
`source:` ids are reserved for registrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core import EventFilter, EventStore, InputError, Located, Location
from errors import NotFound
from events import NewEvent, parse_event
from tests.support import TEST_SOURCE, register_test_source

ARTICLE = "ft-2025-03-10"


@pytest.fixture
def log(store: EventStore) -> EventStore:
    """A log holding one article published on 10 March 2025 (no text) and the test source (published 31 Dec)."""
    store.register_source(source_id=ARTICLE, publisher="Financial Times", published="2025-03-10")
    register_test_source(store)
    return store


def event(obj: dict[str, Any]) -> NewEvent:
    return parse_event(obj, "ukraine-coalition")


def pledge(event_id: str = "pl", *, occurred: str = "2025-03-10", sources: list[Any] | None = None) -> NewEvent:
    cites = [{"source": ARTICLE, "quote": "Poland has offered logistics support"}] if sources is None else sources
    return event(
        {"id": event_id, "type": "pledge.made", "occurred": occurred, "actor": "PL",
         "data": {"offers": ["logistics"]}, "sources": cites}
    )  # fmt: skip


def amendment(event_id: str, kind: str, data: dict[str, Any], *, occurred: str, sources: list[Any]) -> NewEvent:
    return event({"id": event_id, "type": kind, "occurred": occurred, "data": data, "sources": sources})


def correction(
    event_id: str, target: str, changes: dict[str, Any], *, occurred: str = "2025-03-10", source: str = ARTICLE
) -> NewEvent:
    data = {"target": target, "changes": changes, "reason": "misread"}
    return amendment(event_id, "event.corrected", data, occurred=occurred, sources=[{"source": source}])


def refused(store: EventStore, new: NewEvent, error: type[Exception] = InputError) -> InputError:
    """Append `new`, expecting a refusal that writes nothing; return the error."""
    before = store.head()
    with pytest.raises(error) as raised:  # type: ignore[misc]
        store.append(new)
    assert store.head() == before
    assert isinstance(raised.value, InputError)
    return raised.value


# -- every event needs a source --------------------------------------------------------------------


def test_a_pledge_citing_no_source_is_refused_naming_sources(log: EventStore) -> None:
    error = refused(log, pledge(sources=[]))
    assert error.location.field == "sources"
    assert "cites no source" in str(error)


def test_an_unsourced_retraction_is_refused_and_a_sourced_one_appends(log: EventStore) -> None:
    log.append(pledge())
    data = {"target": "pl", "reason": "wrong country"}
    error = refused(log, amendment("r", "event.retracted", data, occurred="2025-03-10", sources=[]))
    assert error.location.field == "sources"
    log.append(amendment("r", "event.retracted", data, occurred="2025-03-10", sources=[{"source": ARTICLE}]))
    assert log.get("r") is not None


def test_an_unsourced_correction_is_refused(log: EventStore) -> None:
    log.append(pledge())
    data = {"target": "pl", "changes": {"actor": "IT"}, "reason": "wrong country"}
    error = refused(log, amendment("c", "event.corrected", data, occurred="2025-03-10", sources=[]))
    assert error.location.field == "sources"


def test_an_unknown_source_is_refused_naming_its_reference(log: EventStore) -> None:
    error = refused(log, pledge(sources=[{"source": ARTICLE}, {"source": "nowhere"}]), NotFound)
    assert error.location.field == "sources[1].source"


def test_one_bad_event_in_an_import_writes_nothing(log: EventStore) -> None:
    before = log.head()
    batch = [
        Located(pledge("good"), Location("events.jsonl", 1)),
        Located(pledge("bad", sources=[]), Location("events.jsonl", 2)),
    ]
    with pytest.raises(InputError) as raised:
        log.append_many(batch)
    assert str(raised.value.location) == "events.jsonl:2, field sources"
    assert log.head() == before


# -- no source reports what had not happened yet ----------------------------------------------------


def test_an_event_dated_after_its_sources_publication_is_refused_naming_occurred(log: EventStore) -> None:
    error = refused(log, pledge(occurred="2025-04-01"))
    assert error.location.field == "occurred"
    assert "2025-04-01" in str(error)
    assert "published on 2025-03-10" in str(error)


def test_the_earliest_possible_day_is_what_counts_against_the_publication(log: EventStore) -> None:
    log.append(pledge("month", occurred="2025-03"))  # some day of March: possibly before the 10th
    log.append(pledge("week", occurred="2025-03-03/2025-03-16"))
    log.append(pledge("same-day", occurred="2025-03-10"))
    error = refused(log, pledge("after", occurred="2025-03-11/2025-03-12"))
    assert error.location.field == "occurred"


def test_every_cited_source_must_be_published_on_or_after_the_earliest_day(log: EventStore) -> None:
    both = [{"source": TEST_SOURCE}, {"source": ARTICLE}]
    error = refused(log, pledge(occurred="2025-03-20", sources=both))
    assert error.location.field == "occurred"
    assert ARTICLE in str(error)
    log.append(pledge(occurred="2025-03-20", sources=[{"source": TEST_SOURCE}]))


def test_a_correction_may_be_made_after_the_article_it_rests_on(log: EventStore) -> None:
    """An amendment's occurred is when the correction was made (DESIGN.md): later than its article, as a rule."""
    log.append(pledge())
    log.append(correction("c", "pl", {"actor": "IT"}, occurred="2025-04-01", source=ARTICLE))
    assert log.get("c") is not None


# -- a correction leaves its target dated no later than its sources ------------------------------------


def test_a_correction_moving_its_target_after_its_sources_publication_is_refused(log: EventStore) -> None:
    log.append(pledge())
    error = refused(log, correction("c", "pl", {"occurred": "2025-03-12"}))
    assert error.location.field == "data.changes.occurred"
    assert "'pl'" in str(error)
    log.append(correction("c", "pl", {"occurred": "2025-03-09"}))


def test_a_correction_citing_sources_published_before_its_target_happened_is_refused(log: EventStore) -> None:
    log.append(pledge("pl", occurred="2025-03-20", sources=[{"source": TEST_SOURCE}]))
    changes = {"sources": [{"source": TEST_SOURCE}, {"source": ARTICLE, "quote": "Poland has offered logistics"}]}
    error = refused(log, correction("c", "pl", changes, source=TEST_SOURCE))
    assert error.location.field == "data.changes.sources[1].source"


def test_earlier_corrections_count_when_a_later_one_is_checked(log: EventStore) -> None:
    log.append(pledge("pl", occurred="2025-03-20", sources=[{"source": TEST_SOURCE}]))
    log.append(correction("c1", "pl", {"occurred": "2025-03-05"}, source=TEST_SOURCE))
    # the target now happened on 5 March, so the 10 March article may report it
    log.append(correction("c2", "pl", {"sources": [{"source": ARTICLE}]}, source=TEST_SOURCE))
    # and no correction may now move it past that article's publication
    error = refused(log, correction("c3", "pl", {"occurred": "2025-03-15"}, source=TEST_SOURCE))
    assert error.location.field == "data.changes.occurred"


def test_corrections_staged_earlier_in_one_import_count_too(log: EventStore) -> None:
    batch = [
        pledge("pl", occurred="2025-03-20", sources=[{"source": TEST_SOURCE}]),
        correction("c1", "pl", {"occurred": "2025-03-05"}, source=TEST_SOURCE),
        correction("c2", "pl", {"sources": [{"source": ARTICLE}]}, source=TEST_SOURCE),
        correction("c3", "pl", {"occurred": "2025-03-15"}, source=TEST_SOURCE),
    ]
    before = log.head()
    with pytest.raises(InputError) as raised:
        log.append_many([Located(item, Location("events.jsonl", line)) for line, item in enumerate(batch, 1)])
    assert str(raised.value.location) == "events.jsonl:4, field data.changes.occurred"
    assert log.head() == before
    log.append_many([Located(item, Location("events.jsonl", line)) for line, item in enumerate(batch[:3], 1)])


def test_a_target_the_log_does_not_hold_is_refused(log: EventStore) -> None:
    error = refused(log, correction("c", "nope", {"actor": "IT"}))
    assert error.location.field == "data.target"


def test_only_a_quote_may_be_accepted_unverified(log: EventStore) -> None:
    with pytest.raises(InputError):
        log.append(pledge(sources=[]), unverified=True)
    with pytest.raises(InputError):
        log.append(pledge(occurred="2025-04-01"), unverified=True)
    log.append(pledge(), unverified=True)


# -- the `source:` ids are reserved ---------------------------------------------------------------------


def test_an_ordinary_event_cannot_take_a_source_id_so_the_source_stays_registrable(log: EventStore) -> None:
    squatter = event(
        {"id": "source:reuters-9", "type": "position.in_talks", "occurred": "2025-03-10", "actor": "FI",
         "sources": [{"source": ARTICLE}]}
    )  # fmt: skip
    error = refused(log, squatter)
    assert error.location.field == "id"
    assert "reserved" in str(error)
    log.register_source(source_id="reuters-9", publisher="Reuters", published="2025-03-11")
    assert log.get("source:reuters-9") is not None


def test_a_registration_cannot_take_another_sources_id(log: EventStore) -> None:
    registration = event(
        {"id": "source:reuters-9", "type": "source.registered", "stream": "sources", "occurred": "2025-03-11",
         "data": {"source_id": "reuters-10", "publisher": "Reuters", "published": "2025-03-11"}}
    )  # fmt: skip
    assert refused(log, registration).location.field == "id"


def test_a_registration_without_an_id_gets_its_source_id(log: EventStore) -> None:
    registration = event(
        {"type": "source.registered", "stream": "sources", "occurred": "2025-03-11",
         "data": {"source_id": "reuters-9", "publisher": "Reuters", "published": "2025-03-11"}}
    )  # fmt: skip
    log.append(registration)
    assert log.get("source:reuters-9") is not None
    assert log.append(registration).unchanged == ["source:reuters-9"]


# -- a source's metadata is corrected by correcting its registration -------------------------------------


def source_correction(event_id: str, data: dict[str, Any], *, occurred: str = "2025-03-10") -> NewEvent:
    full = {"source_id": ARTICLE, "publisher": "Financial Times", "published": "2025-03-10", **data}
    return correction(event_id, f"source:{ARTICLE}", {"data": full}, occurred=occurred, source=TEST_SOURCE)


def published(store: EventStore, source_id: str = ARTICLE, known_position: int | None = None) -> str:
    return {source.id: source for source in store.sources(known_position)}[source_id].published


def test_a_corrected_publication_date_is_what_every_reader_and_the_checks_use(log: EventStore) -> None:
    assert refused(log, pledge(occurred="2025-03-12")).location.field == "occurred"
    log.append(source_correction("fix-date", {"published": "2025-03-14", "title": "UK to host a meeting"}))
    position, _ = log.head()
    [corrected] = [source for source in log.sources() if source.id == ARTICLE]
    assert (corrected.published, corrected.title, corrected.publisher) == (
        "2025-03-14",
        "UK to host a meeting",
        "Financial Times",
    )
    assert published(log, known_position=position - 1) == "2025-03-10"  # as the log knew it before
    log.append(pledge(occurred="2025-03-12"))  # now reported two days after it happened


def test_a_correction_by_another_writer_reaches_a_store_that_read_the_sources_before(
    log: EventStore, database_url: str
) -> None:
    log.append(pledge("first"))  # this store has read (and keeps) the sources
    other = EventStore.open(database_url)
    try:
        other.append(source_correction("fix-date", {"published": "2025-03-14"}))
    finally:
        other.close()
    log.append(pledge("second", occurred="2025-03-13"))
    assert published(log) == "2025-03-14"


def test_a_correction_staged_earlier_in_one_import_applies_to_the_events_after_it(log: EventStore) -> None:
    batch = [source_correction("fix-date", {"published": "2025-03-14"}), pledge(occurred="2025-03-13")]
    log.append_many([Located(item, Location("events.jsonl", line)) for line, item in enumerate(batch, 1)])
    assert published(log) == "2025-03-14"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"source_id": "ft-other"}, "data.changes.data.source_id"),
        ({"sha256": "a" * 64}, "data.changes.data.sha256"),
        ({"published": "2025-02-30"}, "data.changes.data.published"),
    ],
)
def test_a_source_correction_cannot_change_its_id_or_sha256(log: EventStore, data: dict[str, Any], field: str) -> None:
    assert refused(log, source_correction("fix", data)).location.field == field


def test_a_source_correction_changes_data_only(log: EventStore) -> None:
    changes = {"occurred": "2025-03-14"}
    error = refused(log, correction("fix", f"source:{ARTICLE}", changes, source=TEST_SOURCE))
    assert error.location.field == "data.changes.occurred"


def test_a_publication_cannot_be_moved_before_an_event_citing_it(log: EventStore) -> None:
    log.append(pledge("pl", occurred="2025-03-08"))
    error = refused(log, source_correction("fix-date", {"published": "2025-03-07"}))
    assert error.location.field == "data.changes.data.published"
    assert "'pl'" in str(error)
    log.append(source_correction("fix-date", {"published": "2025-03-08"}))
    assert published(log) == "2025-03-08"


def test_an_event_corrected_to_cite_a_source_counts_as_citing_it(log: EventStore) -> None:
    log.append(pledge("pl", occurred="2025-03-08", sources=[{"source": TEST_SOURCE}]))
    log.append(correction("c", "pl", {"sources": [{"source": ARTICLE}]}, source=TEST_SOURCE))
    assert refused(log, source_correction("fix-date", {"published": "2025-03-07"})).location.field.endswith("published")


def test_a_registration_is_not_retracted_while_events_cite_it(log: EventStore) -> None:
    log.append(pledge("pl"))
    retraction = amendment(
        "r-source", "event.retracted", {"target": f"source:{ARTICLE}", "reason": "duplicate registration"},
        occurred="2025-03-10", sources=[{"source": TEST_SOURCE}],
    )  # fmt: skip
    error = refused(log, retraction)
    assert error.location.field == "data.target"
    assert "'pl'" in str(error)
    log.append(amendment("r-pl", "event.retracted", {"target": "pl", "reason": "wrong"}, occurred="2025-03-10",
                         sources=[{"source": TEST_SOURCE}]))  # fmt: skip
    log.append(retraction)  # nothing cites it any more
    assert ARTICLE not in {source.id for source in log.sources()}
    assert refused(log, pledge("again"), NotFound).location.field == "sources[0].source"


# -- the database keeps the clock ------------------------------------------------------------------------


def test_a_writer_whose_clock_says_2031_cannot_freeze_known_at_on_postgresql(
    store: EventStore, database_url: str
) -> None:
    register_test_source(store)
    ahead = EventStore.open(database_url, clock=lambda: datetime(2031, 1, 1, tzinfo=UTC))
    try:
        ahead.append(pledge("from-the-future", sources=[{"source": TEST_SOURCE}]))
    finally:
        ahead.close()
    store.append(pledge("today", sources=[{"source": TEST_SOURCE}]))
    future, today = (store.get(event_id) for event_id in ("from-the-future", "today"))
    assert future is not None
    assert today is not None
    if store.database.dialect == "postgresql":
        # the server's transaction time, not the writer's clock: a moment before 2031 still sees both
        assert future.recorded_at < "2031"
        assert today.recorded_at < "2031"
        known = [e.id for e in store.read(EventFilter(known_at="2030-12-31T00:00:00.000000Z"))]
        assert known[-2:] == ["from-the-future", "today"]
    else:
        # SQLite has no server: the local clock is the database's, and a later append never goes back before it
        assert future.recorded_at == today.recorded_at == "2031-01-01T00:00:00.000000Z"


def test_a_quote_too_short_to_prove_anything_is_refused_saying_so(log: EventStore) -> None:
    """A verbatim "Spain" was once told to "copy the quote verbatim": it is too short to prove anything instead."""
    log.register_source(source_id="es", publisher="P", published="2025-03-10", text="Spain said it was too early.\n")
    error = refused(log, pledge(sources=[{"source": "es", "quote": "Spain"}]))
    assert error.location.field == "sources[0].quote"
    assert "at least 3 words" in str(error)
    assert "verbatim" not in (error.hint or "")
