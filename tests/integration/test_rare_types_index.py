"""The partial index of rare types (registrations, corrections, retractions): upgraded in place, and used by queries."""

from __future__ import annotations

from sqlalchemy import text

from core import EventStore
from core.recorder import _LAST_RARE
from core.schema import HEAD_REVISION, RARE_TYPES
from events import parse_event
from tests.conftest import initialised_store
from tests.support import TEST_SOURCE, cited, migrated, register_test_source


def _rare_types_index(store: EventStore) -> str:
    """The definition of the partial index, as the database keeps it."""
    with store.database.engine.connect() as connection:
        if store.database.dialect == "postgresql":
            query = (
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_events_rare_types'"
                " AND schemaname = current_schema()"
            )
        else:
            query = "SELECT sql FROM sqlite_master WHERE name = 'ix_events_rare_types'"
        return str(connection.execute(text(query)).scalar_one())


def _plan(store: EventStore, query: str) -> str:
    """How the database would run a query on the events table (PostgreSQL told to use an index the query implies)."""
    with store.database.engine.begin() as connection:
        if store.database.dialect == "postgresql":
            # only a bitmap scan of an index with a condition is left: the partial index, if its predicate applies
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            connection.execute(text("SET LOCAL enable_indexscan = off"))
            return "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {query}")))
        return "\n".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}")))


def test_a_log_at_revision_0004_upgrades_and_its_rare_types_are_found_through_the_partial_index(
    database_url: str,
) -> None:
    with initialised_store(database_url) as store:
        register_test_source(store)
        store.append(parse_event(cited({"id": "e1", "type": "position.in_talks", "occurred": "2025-03-10",
                                        "actor": "PL"}), "s"))  # fmt: skip
        store.append(parse_event(cited({"id": "r1", "type": "event.retracted", "occurred": "2025-03-10",
                                        "data": {"target": "e1", "reason": "misread"}}), "s"))  # fmt: skip
    migrated(database_url, "0004", down=True)  # the rows stay; the index is as revision 0004 made it
    store = EventStore.open(database_url)
    try:
        assert " OR " not in _rare_types_index(store).upper()  # an IN list (PostgreSQL: = ANY of an array)
        assert store.initialise() == ("0004", HEAD_REVISION)
        assert " OR " in _rare_types_index(store).upper()
        assert store.verify().count == 3
        assert [source.id for source in store.sources()] == [TEST_SOURCE]
        assert [event.id for event in store.amendment_events(3)] == ["r1"]
        with store.database.engine.connect() as connection:
            found = connection.execute(text(f"SELECT event_id FROM events WHERE {RARE_TYPES} ORDER BY position"))
            assert list(found.scalars()) == [f"source:{TEST_SOURCE}", "r1"]
        last_rare = str(_LAST_RARE.compile(store.database.engine, compile_kwargs={"literal_binds": True}))
        assert "ix_events_rare_types" in _plan(store, last_rare)
        registrations = f"SELECT position FROM events WHERE {RARE_TYPES} AND type = 'source.registered'"
        assert "ix_events_rare_types" in _plan(store, registrations)
    finally:
        store.close()
