"""Bearer tokens (made with a role, kept as a hash, revoked by name) and who recorded each event, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from core import EventStore
from core.database import Database
from core.schema import HEAD_REVISION
from errors import DuplicateIdError, InputError, IntegrityViolation, NotFound
from events import parse_event
from tests.reliability.conftest import dump_database
from tests.support import cited, drop_append_only_guards, execute_sql, register_test_source


def _event(event_id: str) -> object:
    obj = {"id": event_id, "type": "position.in_talks", "stream": "s", "occurred": "2025-03-10", "actor": "PL"}
    return parse_event(cited(obj), "s")


def test_a_token_is_shown_once_and_kept_only_as_a_hash(store: EventStore, database_url: str) -> None:
    issued = store.create_token("alice", "writer")

    assert issued.secret.startswith("dtl_")
    assert len(issued.secret) > 40
    assert issued.token.name == "alice"
    assert issued.token.role == "writer"
    assert issued.secret not in repr(dump_database(database_url))
    assert store.authenticate(issued.secret) == issued.token


@pytest.mark.parametrize("secret", ["", "dtl_", "dtl_not-a-real-one", "Bearer x", "dtl_" + "a" * 500, "ドtl_x"])
def test_what_is_not_a_live_secret_authenticates_nobody(store: EventStore, secret: str) -> None:
    store.create_token("alice", "admin")

    assert store.authenticate(secret) is None


def test_a_revoked_token_authenticates_nobody_and_its_name_can_be_given_again(store: EventStore) -> None:
    first = store.create_token("alice", "reader")

    revoked = store.revoke_token("alice")
    second = store.create_token("alice", "admin")

    assert revoked.revoked_at is not None
    assert store.authenticate(first.secret) is None
    assert store.authenticate(second.secret) == second.token
    assert [(t.name, t.role, t.revoked_at is None) for t in store.tokens()] == [
        ("alice", "reader", False),
        ("alice", "admin", True),
    ]


def test_token_mistakes_are_refused_naming_the_field(store: EventStore) -> None:
    store.create_token("alice", "reader")

    with pytest.raises(DuplicateIdError) as duplicate:
        store.create_token("alice", "writer")
    with pytest.raises(InputError) as role:
        store.create_token("bob", "root")
    with pytest.raises(InputError) as name:
        store.create_token("bob\nfake", "reader")
    with pytest.raises(NotFound):
        store.revoke_token("nobody")

    assert duplicate.value.location.field == "name"
    assert role.value.location.field == "role"
    assert name.value.location.field == "name"
    assert len(store.tokens()) == 1


def test_roles_are_ordered_reader_writer_admin(store: EventStore) -> None:
    reader, writer, admin = (store.create_token(name, name).token for name in ("reader", "writer", "admin"))

    assert [reader.allows(role) for role in ("reader", "writer", "admin")] == [True, False, False]
    assert [writer.allows(role) for role in ("reader", "writer", "admin")] == [True, True, False]
    assert [admin.allows(role) for role in ("reader", "writer", "admin")] == [True, True, True]


def test_who_appended_is_recorded_inside_the_hashed_row(store: EventStore) -> None:
    register_test_source(store)
    store.append(_event("by-ann"), recorded_by="Ann Analyst")  # type: ignore[arg-type]
    store.append(_event("by-nobody"))  # type: ignore[arg-type]

    by_ann, by_nobody = store.get("by-ann"), store.get("by-nobody")

    assert by_ann is not None
    assert by_ann.recorded_by == "Ann Analyst"
    assert by_nobody is not None
    assert by_nobody.recorded_by is None
    store.verify()
    drop_append_only_guards(store)
    execute_sql(store, "UPDATE events SET recorded_by = 'Mallory' WHERE event_id = 'by-ann'")
    with pytest.raises(IntegrityViolation, match="column recorded_by holds 'Mallory'"):
        store.verify()


def test_a_recorder_name_that_is_no_name_is_refused_and_nothing_is_written(store: EventStore) -> None:
    register_test_source(store)
    head = store.head()

    for name in ("", "   ", "a\tb", "x" * 65, "\u202eevil"):
        with pytest.raises(InputError) as refused:
            store.append(_event("e1"), recorded_by=name)  # type: ignore[arg-type]
        assert refused.value.location.field == "recorded_by"
    assert store.head() == head


def test_a_log_recorded_before_revision_0004_upgrades_and_keeps_verifying(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url, create=True)
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parents[2] / "core" / "migrations"))

    def _upgrade_to_0003(connection: object) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")

    database.writing(_upgrade_to_0003)  # type: ignore[arg-type]
    with database.engine.begin() as connection:  # a row as revision 0003 wrote it: no recorded_by anywhere
        connection.execute(
            text(
                "INSERT INTO events (position, event_id, stream, stream_version, type, schema_version, occurred,"
                " occurred_earliest, occurred_latest, actor, recorded_at, body, prev_hash, hash) VALUES"
                " (1, 'source:w', 'sources', 1, 'source.registered', 1, '2025-01-01', '2025-01-01', '2025-01-01',"
                " NULL, '2025-03-01T00:00:00.000000Z', :body, :prev, :hash)"
            ),
            _old_row(),
        )
    database.dispose()

    store = EventStore.open(url)
    try:
        assert store.initialise() == ("0003", HEAD_REVISION)
        assert store.verify().count == 1
        old = store.get("source:w")
        assert old is not None
        assert old.recorded_by is None
    finally:
        store.close()


def _old_row() -> dict[str, str]:
    """A source registration's row exactly as revision 0003 stored it (its body has no recorded_by)."""
    from core.mapper import GENESIS_HASH, canonical_json, chain_hash

    record = {
        "id": "source:w",
        "type": "source.registered",
        "stream": "sources",
        "occurred": "2025-01-01",
        "data": {"source_id": "w", "publisher": "W", "published": "2025-01-01", "sha256": "ab" * 32},
        "sources": [],
        "position": 1,
        "stream_version": 1,
        "recorded_at": "2025-03-01T00:00:00.000000Z",
        "schema_version": 1,
    }
    body = canonical_json(record).decode("utf-8")
    return {"body": body, "prev": GENESIS_HASH, "hash": chain_hash(GENESIS_HASH, body)}
