"""The store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import exc, insert, text

from core import (
    ConcurrencyError,
    DuplicateIdError,
    EventFilter,
    EventStore,
    InputError,
    IntegrityViolation,
    Located,
    Location,
    utc_timestamp,
)
from core.mapper import to_row
from core.schema import events
from events import NewEvent, RecordedEvent, parse_event
from tests.support import ARTICLES, cited, drop_append_only_guards, execute_sql, register_test_source

QUOTE = "Poland's contribution is logistics support, though Warsaw has ruled out sending its own soldiers."


@pytest.fixture(autouse=True)
def _test_source(store: EventStore) -> None:
    """Every log here starts with the source its events cite (position 1): the log refuses unsourced events.

    Registered on 1 January 2025 by SQLite's (local) clock, before any time a test pins it to.
    """
    with freeze_time("2025-01-01"):
        register_test_source(store)


def pledge(
    event_id: str | None = "pl-logistics", *, stream: str = "ukraine-coalition", quote: str | None = None, **data
):
    """Poland's pledge of 10 March, citing the fixture's first article with `quote`, else the test source."""
    raw = {
        "type": "pledge.made",
        "stream": stream,
        "occurred": "2025-03-10",
        "actor": "Poland",
        "data": data or {"offers": ["logistics"], "ruled_out": ["troops"]},
    }
    if event_id is not None:
        raw["id"] = event_id
    if quote is not None:
        raw["sources"] = [{"source": "nc-2025-03-10", "quote": quote}]
    return parse_event(cited(raw), "ukraine-coalition")


def register_article(store: EventStore, *, with_text: bool) -> None:
    """Register the fixture log's first article, by its sha256, with or without its text."""
    text = ARTICLES["nc-2025-03-10"].read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    store.register_source(
        source_id="nc-2025-03-10",
        publisher="Northgate Courier",
        published="2025-03-10",
        sha256=digest,
        text=text if with_text else None,
    )


def appended(store: EventStore) -> list[RecordedEvent]:
    """The events in the log other than source registrations, in position order."""
    return [event for event in store.read() if event.type != "source.registered"]


def count(store: EventStore) -> int:
    """How many events other than source registrations the log holds."""
    return len(appended(store))


def on_postgres(store: EventStore) -> bool:
    return store.database.dialect == "postgresql"


def database_now(store: EventStore) -> str:
    """The database server's time now, as the log records times."""
    with store.database.engine.connect() as connection:
        return utc_timestamp(connection.execute(text("SELECT now()")).scalar_one())


def insert_recorded_at(store: EventStore, event: NewEvent, recorded_at: str) -> None:
    """Insert an event's row as `dtl copy` would from another log: recorded at that time, chained onto the head."""
    position, head_hash = store.head()
    version = store.stream_version(event.stream) + 1
    row = to_row(event, position=position + 1, stream_version=version, recorded_at=recorded_at, prev_hash=head_hash)
    with store.database.engine.begin() as connection:
        connection.execute(insert(events).values(**row))


def test_appended_event_reads_back_with_what_the_store_added(store: EventStore) -> None:
    [registration] = store.read()
    with freeze_time("2025-03-11 09:30:00"):
        result = store.append(pledge())
    [event] = appended(store)
    assert result.last is not None
    assert (event.position, event.stream_version, event.id) == (2, 1, "pl-logistics")
    assert event.actor == "PL"
    assert event.data == {"offers": ["logistics"], "ruled_out": ["troops"]}
    if on_postgres(store):  # the server's clock, never the client's
        assert event.recorded_at <= database_now(store) < event.recorded_at[:4] + "-12-31T23:59:59.999999Z"
        assert event.recorded_at != "2025-03-11T09:30:00.000000Z"
    else:  # SQLite has no server: the local clock
        assert event.recorded_at == "2025-03-11T09:30:00.000000Z"
    assert len(event.hash) == 64
    assert registration.prev_hash == "0" * 64
    assert event.prev_hash == registration.hash


def test_positions_are_gapless_across_streams_and_versions_count_per_stream(store: EventStore) -> None:
    for index in range(3):
        store.append(pledge(f"a-{index}", stream="alpha"))
        store.append(pledge(f"b-{index}", stream="beta"))
    events = appended(store)
    assert [e.position for e in events] == [2, 3, 4, 5, 6, 7]
    assert [e.stream_version for e in events if e.stream == "alpha"] == [1, 2, 3]
    assert [e.stream_version for e in events if e.stream == "beta"] == [1, 2, 3]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_expected_version_conflict_writes_nothing(store: EventStore) -> None:
    store.append(pledge("first"), expected_version=0)
    with pytest.raises(ConcurrencyError) as raised:
        store.append(pledge("second"), expected_version=0)
    assert (raised.value.stream, raised.value.expected, raised.value.actual) == ("ukraine-coalition", 0, 1)
    assert "version 1" in str(raised.value)
    assert count(store) == 1
    store.append(pledge("second"), expected_version=1)
    assert store.stream_version("ukraine-coalition") == 2


def test_same_id_and_content_is_a_no_op(store: EventStore) -> None:
    store.append(pledge())
    again = store.append(pledge())
    assert again.count == 0
    assert again.unchanged == ["pl-logistics"]
    assert count(store) == 1


def test_same_id_with_other_content_is_a_conflict(store: EventStore) -> None:
    store.append(pledge())
    with pytest.raises(DuplicateIdError, match="already in the log at position 2"):
        store.append(pledge(offers=["troops"]))
    assert count(store) == 1


def test_generated_ids_are_unique(store: EventStore) -> None:
    store.append(pledge(None))
    store.append(pledge(None))
    ids = [e.id for e in appended(store)]
    assert len(set(ids)) == 2


def test_update_and_delete_are_refused_by_the_database(store: EventStore) -> None:
    store.append(pledge())
    with pytest.raises(exc.DBAPIError, match="append-only"):
        execute_sql(store, "UPDATE events SET body = 'x'")
    with pytest.raises(exc.DBAPIError, match="append-only"):
        execute_sql(store, "DELETE FROM events")
    assert count(store) == 1
    store.verify()


def test_verify_names_the_first_modified_row(store: EventStore) -> None:
    for index in range(4):
        store.append(pledge(f"e-{index}"))
    store.verify()
    drop_append_only_guards(store)
    execute_sql(store, "UPDATE events SET body = replace(body, 'logistics', 'troops') WHERE position = 4")
    with pytest.raises(IntegrityViolation, match="position 4") as raised:
        store.verify()
    assert raised.value.position == 4


def test_verify_detects_an_indexed_column_changed_behind_the_body(store: EventStore) -> None:
    store.append(pledge())
    drop_append_only_guards(store)
    execute_sql(store, "UPDATE events SET actor = 'IT' WHERE position = 2")
    with pytest.raises(IntegrityViolation, match="column actor"):
        store.verify()


def test_verify_expect_detects_a_truncated_tail(store: EventStore) -> None:
    for index in range(3):
        store.append(pledge(f"e-{index}"))
    _, published_head = store.head()
    drop_append_only_guards(store)
    execute_sql(store, "DELETE FROM events WHERE position = 4")
    store.verify()  # the shorter chain is consistent in itself
    with pytest.raises(IntegrityViolation, match="truncated or rewritten"):
        store.verify(expect=published_head)


def test_a_batch_with_one_bad_event_writes_nothing(store: EventStore) -> None:
    store.append(pledge("existing"))
    good = Located(pledge("new-1"), Location("events.jsonl", 1))
    unknown_source = Located(pledge("new-2", quote="anything"), Location("events.jsonl", 2))
    with pytest.raises(InputError) as raised:
        store.append_many([good, unknown_source])
    assert str(raised.value.location) == "events.jsonl:2, field sources[0].source"
    assert [e.id for e in appended(store)] == ["existing"]


def test_duplicate_id_within_one_batch_with_other_content_is_refused(store: EventStore) -> None:
    batch = [Located(pledge("same"), Location("f", 1)), Located(pledge("same", offers=["naval"]), Location("f", 2))]
    with pytest.raises(DuplicateIdError, match="used twice"):
        store.append_many(batch)
    assert count(store) == 0


@pytest.mark.parametrize("between", [0, 1500], ids=["same-chunk", "across-chunks"])
def test_an_id_repeated_within_one_batch_is_recorded_once_when_its_content_is_the_same(
    store: EventStore, between: int
) -> None:
    others = [Located(pledge(f"other-{index}"), Location("f", index + 2)) for index in range(between)]
    batch = [Located(pledge("same"), Location("f", 1)), *others, Located(pledge("same"), Location("f", between + 2))]
    result = store.append_many(batch)
    assert (result.count, result.unchanged) == (between + 1, ["same"])
    filler = [Located(pledge(f"filler-{index}"), Location("f", index + 2)) for index in range(between)]
    changed = Located(pledge("again", offers=["naval"]), Location("f", between + 2))
    with pytest.raises(DuplicateIdError, match="used twice"):
        store.append_many([Located(pledge("again"), Location("f", 1)), *filler, changed])
    assert count(store) == between + 1


def test_quote_is_checked_against_a_stored_text(store: EventStore) -> None:
    register_article(store, with_text=True)
    store.append(pledge(quote=QUOTE.replace("'", "\u2019").replace(" ", "  ")))
    with pytest.raises(InputError, match="not in the text") as raised:
        store.append(pledge("invented", quote="Poland offered tanks"))
    assert raised.value.location.field == "sources[0].quote"
    store.append(pledge("invented", quote="Poland offered tanks"), unverified=True)
    assert count(store) == 2


def test_quotes_wait_unverified_until_the_text_is_attached(store: EventStore) -> None:
    register_article(store, with_text=False)
    store.append(pledge(quote=QUOTE))
    assert store.source_texts() == {}
    with pytest.raises(InputError, match="sha256"):
        store.attach_source_text("nc-2025-03-10", "some other text")
    attached = store.attach_source_text("nc-2025-03-10", ARTICLES["nc-2025-03-10"].read_text(encoding="utf-8"))
    assert attached.has_text
    assert set(store.source_texts()) == {"nc-2025-03-10"}
    store.verify()


def test_registering_the_same_source_twice_is_a_no_op_but_other_metadata_conflicts(store: EventStore) -> None:
    register_article(store, with_text=False)
    register_article(store, with_text=False)
    assert [s.id for s in store.sources()] == ["test-wire", "nc-2025-03-10"]
    with pytest.raises(DuplicateIdError, match="other metadata"):
        store.register_source(source_id="nc-2025-03-10", publisher="Someone else", published="2025-03-10")


def test_correction_needs_an_existing_target_and_valid_data_for_its_type(store: EventStore) -> None:
    store.append(pledge())

    def correction(target: str, data: dict) -> NewEvent:
        return parse_event(
            cited(
                {
                    "type": "event.corrected",
                    "occurred": "2025-03-12",
                    "data": {"target": target, "changes": {"data": data}, "reason": "misread"},
                }
            ),
            "ukraine-coalition",
        )

    with pytest.raises(InputError, match="no event with id 'nope'"):
        store.append(correction("nope", {"offers": ["troops"]}))
    with pytest.raises(InputError) as raised:
        store.append(correction("pl-logistics", {"offers": ["tanks"]}))
    assert raised.value.location.field == "data.changes.data.offers[0]"
    store.append(correction("pl-logistics", {"offers": ["troops"]}))
    assert count(store) == 2


def test_read_filters_by_known_at_position_and_timestamp(store: EventStore) -> None:
    with freeze_time(datetime(2025, 3, 10, 12, tzinfo=UTC)):
        store.append(pledge("early"))
    with freeze_time(datetime(2025, 3, 20, 12, tzinfo=UTC)):
        store.append(pledge("late"))
    _, early, late = store.read()
    # SQLite records the (frozen) local clock; PostgreSQL its own, so the moment between is read off the log
    between = "2025-03-15T00:00:00.000000Z" if not on_postgres(store) else early.recorded_at
    assert early.recorded_at <= between < late.recorded_at
    assert [e.id for e in store.read(EventFilter(known_at=2))] == ["source:test-wire", "early"]
    assert [e.id for e in store.read(EventFilter(known_at=between))] == ["source:test-wire", "early"]
    assert [e.id for e in store.read(EventFilter(since=2))] == ["late"]


def test_a_correction_can_fix_a_quote_and_its_new_quote_is_checked(store: EventStore) -> None:
    register_article(store, with_text=True)
    store.append(pledge(quote="Poland offered tanks"), unverified=True)

    def fix(quote: str) -> NewEvent:
        return parse_event(
            {
                "type": "event.corrected",
                "occurred": "2025-03-10",  # no later than the article it cites
                "data": {
                    "target": "pl-logistics",
                    "changes": {"sources": [{"source": "nc-2025-03-10", "quote": quote}]},
                    "reason": "the quote was paraphrased",
                },
                "sources": [{"source": "nc-2025-03-10", "quote": QUOTE}],
            },
            "ukraine-coalition",
        )

    with pytest.raises(InputError) as raised:
        store.append(fix("Poland offered tanks, again"))
    assert raised.value.location.field == "data.changes.sources[0].quote"
    store.append(fix(QUOTE))
    from projections.replay import fold_order

    [effective] = [e for e in fold_order(store.read()) if e.type == "pledge.made"]
    assert effective.sources == (("nc-2025-03-10", QUOTE),)


def test_recorded_at_never_goes_back_along_positions(store: EventStore) -> None:
    if on_postgres(store):
        # the server's clock decides, but the head may be ahead of it: a log copied from a machine whose clock ran ahead
        insert_recorded_at(store, pledge("later-clock"), "2031-01-01T00:00:00.000000Z")
        store.append(pledge("earlier-clock"))
        ahead = "2031-01-01T00:00:00.000000Z"
    else:
        with freeze_time("2025-03-20 12:00:00"):
            store.append(pledge("later-clock"))
        with freeze_time("2025-03-19 08:00:00"):  # another writer whose clock runs behind
            store.append(pledge("earlier-clock"))
        ahead = "2025-03-20T12:00:00.000000Z"
    first, second = appended(store)
    assert (first.id, second.id) == ("later-clock", "earlier-clock")
    assert second.recorded_at == first.recorded_at == ahead
    just_before = utc_timestamp(datetime.fromisoformat(ahead) - timedelta(microseconds=1))
    assert [e.id for e in store.read(EventFilter(known_at=just_before))] == ["source:test-wire"]


@pytest.mark.parametrize("gap", [False, True], ids=["gapless", "a row deleted"])
def test_known_at_a_time_is_the_prefix_recorded_by_then(store: EventStore, gap: bool) -> None:
    # no index on recorded_at: the end of the prefix is found by a binary search over the positions (migration 0009)
    [registration] = store.read()
    start = datetime.fromisoformat(registration.recorded_at) + timedelta(seconds=1)
    moments = [utc_timestamp(start + timedelta(seconds=step // 3)) for step in range(40)]
    for number, moment in enumerate(moments):  # three rows a second, the last second with one
        insert_recorded_at(store, pledge(f"e{number}"), moment)
    if gap:  # only tampering leaves one: the answer is then the scan's, which `dtl verify` would not let pass
        drop_append_only_guards(store)
        execute_sql(store, "DELETE FROM events WHERE position = 20")
    rows = [(event.position, event.recorded_at) for event in store.read()]
    asked = {"2000-01-01T00:00:00.000000Z", "2099-01-01T00:00:00.000000Z"}
    for _, moment in rows:
        at = datetime.fromisoformat(moment)
        asked |= {moment, utc_timestamp(at - timedelta(microseconds=1)), utc_timestamp(at + timedelta(microseconds=1))}
    for moment in sorted(asked):
        expected = max((position for position, recorded in rows if recorded <= moment), default=0)
        assert store.known_position(moment) == expected, moment
        assert [event.position for event in store.read(EventFilter(known_at=moment))] == [
            position for position, _ in rows if position <= expected
        ]


def test_one_at_a_time_appends_reuse_the_known_sources_until_a_new_one_is_registered(store: EventStore) -> None:
    register_article(store, with_text=False)
    store.append(pledge("a", quote="anything"))
    store.register_source(source_id="other", publisher="Reuters", published="2025-03-11")
    other = parse_event(
        {"id": "b", "type": "position.in_talks", "occurred": "2025-03-11", "actor": "FI",
         "sources": [{"source": "other", "quote": "Finland is in talks"}]},
        "ukraine-coalition",
    )  # fmt: skip
    store.append(other)  # the source registered after the cache was filled is found
    assert [e.id for e in store.read()][-1] == "b"
