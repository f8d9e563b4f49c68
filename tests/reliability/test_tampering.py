"""The database refuses to change history; when a hostile admin forces it, `dtl verify` finds the first bad position."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc, text

from core import EventStore, IntegrityViolation
from core.mapper import canonical_json, chain_hash
from tests.reliability.conftest import FIXTURE_EVENTS, dump_database, invoke, load_fixture_log, run_dtl
from tests.support import drop_append_only_guards, execute_sql


@pytest.fixture
def logged(database_url: str) -> Iterator[EventStore]:
    """The fixture log on each backend (Poland's pledge at position 10), and a store on it to tamper with."""
    load_fixture_log(database_url)
    store = EventStore.open(database_url)
    try:
        yield store
    finally:
        store.close()


def _published_head(url: str) -> str:
    """The head hash `dtl verify --checkpoint` prints, as an analyst would publish it."""
    checkpoint = invoke(url, "verify", "--checkpoint")
    assert checkpoint.exit_code == 0, checkpoint.output
    words = checkpoint.output.split()
    assert words[:2] == ["position", str(FIXTURE_EVENTS)]
    return words[3]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET body = replace(body, 'logistics', 'troops') WHERE position = 10",
        "UPDATE events SET hash = prev_hash",
        f"DELETE FROM events WHERE position = {FIXTURE_EVENTS}",
        "DELETE FROM events",
        "UPDATE source_texts SET text = 'rewritten'",
        "DELETE FROM source_texts",
    ],
)
def test_the_database_refuses_to_update_or_delete_history(logged: EventStore, statement: str) -> None:
    before = dump_database(logged.database.url)
    with pytest.raises(exc.DBAPIError, match="append-only"):
        execute_sql(logged, statement)
    assert dump_database(logged.database.url) == before
    assert invoke(logged.database.url, "verify").exit_code == 0


def test_postgresql_refuses_to_truncate_history(postgres_url: str) -> None:
    load_fixture_log(postgres_url)
    store = EventStore.open(postgres_url)
    try:
        for table in ("events", "source_texts"):
            with pytest.raises(exc.DBAPIError, match="append-only"):
                execute_sql(store, f"TRUNCATE {table}")
    finally:
        store.close()
    assert invoke(postgres_url, "verify").exit_code == 0


def _row(store: EventStore, position: int) -> dict[str, Any]:
    with store.database.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM events WHERE position = :p"), {"p": position}).mappings().one()
    return dict(row)


def _update_row(store: EventStore, position: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    execute_sql(store, f"UPDATE events SET {assignments} WHERE position = :where", **values, where=position)


def _forged_body(row: dict[str, Any]) -> str:
    body = json.loads(row["body"])
    body["note"] = "forged: Poland offered troops"
    return canonical_json(body).decode()


def modify_a_payload(store: EventStore) -> None:
    execute_sql(store, "UPDATE events SET body = replace(body, 'logistics', 'troops') WHERE position = 10")


def rewrite_an_indexed_column_behind_the_body(store: EventStore) -> None:
    execute_sql(store, "UPDATE events SET actor = 'IT' WHERE position = 10")


def delete_a_row(store: EventStore) -> None:
    execute_sql(store, "DELETE FROM events WHERE position = 10")


def delete_the_first_row(store: EventStore) -> None:
    execute_sql(store, "DELETE FROM events WHERE position = 1")


def swap_two_rows(store: EventStore) -> None:
    first, second = _row(store, 10), _row(store, 11)
    columns = [column for column in first if column != "position"]
    # through placeholders: the unique constraints would refuse the swap half-done
    _update_row(store, 10, {"event_id": "swapping", "stream_version": -1})
    _update_row(store, 11, {column: first[column] for column in columns})
    _update_row(store, 10, {column: second[column] for column in columns})


def forge_a_row_and_rehash_it_alone(store: EventStore) -> None:
    row = _row(store, 10)
    body = _forged_body(row)
    _update_row(store, 10, {"body": body, "hash": chain_hash(row["prev_hash"], body)})


def modify_a_stored_text(store: EventStore) -> None:
    execute_sql(store, "UPDATE source_texts SET text = text || ' Poland offered troops.'")


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (modify_a_payload, "position 10 was modified: its hash does not match"),
        (rewrite_an_indexed_column_behind_the_body, "position 10 was modified: column actor"),
        (delete_a_row, "position 10 is missing"),
        (delete_the_first_row, "position 1 is missing"),
        (swap_two_rows, "position 10 does not follow position 9"),
        (forge_a_row_and_rehash_it_alone, "position 11 does not follow position 10"),
        (modify_a_stored_text, "the stored text with sha256 "),
    ],
)
def test_verify_names_the_first_bad_position_of_a_tampered_log_and_exits_1(
    logged: EventStore, tamper: Callable[[EventStore], None], first_bad: str
) -> None:
    assert invoke(logged.database.url, "verify").exit_code == 0
    drop_append_only_guards(logged)
    tamper(logged)
    result = invoke(logged.database.url, "verify")
    assert result.exit_code == 1
    assert f"error: {first_bad}" in result.output


def truncate_the_tail(store: EventStore) -> None:
    execute_sql(store, "DELETE FROM events WHERE position > 20")


def forge_a_row_and_rehash_the_chain_after_it(store: EventStore) -> None:
    prev_hash = _row(store, 9)["hash"]
    for position in range(10, FIXTURE_EVENTS + 1):
        row = _row(store, position)
        body = _forged_body(row) if position == 10 else row["body"]
        new_hash = chain_hash(prev_hash, body)
        _update_row(store, position, {"body": body, "prev_hash": prev_hash, "hash": new_hash})
        prev_hash = new_hash


@pytest.mark.parametrize(
    ("tamper", "now_ends_at"),
    [(truncate_the_tail, 20), (forge_a_row_and_rehash_the_chain_after_it, FIXTURE_EVENTS)],
)
def test_a_published_head_hash_detects_history_truncated_or_rewritten_consistently(
    logged: EventStore, tamper: Callable[[EventStore], None], now_ends_at: int
) -> None:
    url = logged.database.url
    published = _published_head(url)
    drop_append_only_guards(logged)
    tamper(logged)
    assert invoke(url, "verify").exit_code == 0  # the chain is consistent in itself: only the checkpoint tells
    result = run_dtl(url, "verify", "--expect", published)
    assert result.returncode == 1, result.stdout
    assert f"the published head hash {published} is not in the chain" in result.stderr
    assert "history was truncated or rewritten" in result.stderr
    assert f"the chain now ends at position {now_ends_at}" in result.stderr


def test_a_published_head_hash_still_verifies_after_honest_appends(logged: EventStore) -> None:
    url = logged.database.url
    published = _published_head(url)
    appended = invoke(url, "append", "position.in_talks", "--actor", "NL", "--occurred", "2025-03-17",
                      "--source", "nc-2025-03-17")  # fmt: skip
    assert appended.exit_code == 0, appended.output
    result = invoke(url, "verify", "--expect", published)
    assert result.exit_code == 0, result.output
    assert f"ok: {FIXTURE_EVENTS + 1} events" in result.output


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (modify_a_payload, "position 10 was modified: its hash does not match"),
        (rewrite_an_indexed_column_behind_the_body, "position 10 was modified: column actor"),
        (delete_a_row, "position 10 is missing (the next row is at 11)"),
        (delete_the_first_row, "position 1 is missing (the next row is at 2)"),
        (swap_two_rows, "position 10 does not follow position 9"),
        (forge_a_row_and_rehash_it_alone, "position 11 does not follow position 10"),
    ],
)
def test_verify_in_parallel_ranges_names_the_same_first_bad_position(
    logged: EventStore, monkeypatch: pytest.MonkeyPatch, tamper: Callable[[EventStore], None], first_bad: str
) -> None:
    from core import chain

    # ranges of five positions checked by worker processes: 10 ends a range, 11 starts the next
    monkeypatch.setattr(chain, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chain, "RANGE_SIZE", 5)
    published = _published_head(logged.database.url)
    assert logged.verify(workers=2).head_hash == published
    assert logged.verify(workers=2, expect=_row(logged, 23)["hash"]).count == FIXTURE_EVENTS
    drop_append_only_guards(logged)
    tamper(logged)
    with pytest.raises(IntegrityViolation) as sequential:
        logged.verify(workers=0)
    with pytest.raises(IntegrityViolation) as parallel:
        logged.verify(workers=2)
    assert str(parallel.value).startswith(first_bad)
    assert (str(parallel.value), parallel.value.position) == (str(sequential.value), sequential.value.position)


@pytest.mark.parametrize(
    "tamper",
    [
        modify_a_payload,
        rewrite_an_indexed_column_behind_the_body,
        delete_a_row,
        delete_the_first_row,
        swap_two_rows,
        forge_a_row_and_rehash_it_alone,
        modify_a_stored_text,
        truncate_the_tail,
    ],
)
def test_a_sqlite_file_read_through_sqlite3_gets_the_verdicts_of_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: Callable[[EventStore], None]
) -> None:
    """A plain SQLite file is verified through sqlite3 (core.sqlite_reads), any other URL through SQLAlchemy's driver.

    The same file named with a query (which only SQLAlchemy reads) goes the other way: both say the same.
    """
    from core import chain
    from core.sqlite_reads import SQLiteLog

    url = f"sqlite:///{tmp_path / 'log.db'}"
    load_fixture_log(url)
    monkeypatch.setattr(chain, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chain, "RANGE_SIZE", 5)
    published = _published_head(url)
    through_sqlalchemy = EventStore.open(f"{url}?timeout=5")
    plain = SQLiteLog.open(url)
    assert plain is not None
    try:
        drop_append_only_guards(through_sqlalchemy)
        tamper(through_sqlalchemy)
        verdicts = []
        for log in (plain, through_sqlalchemy):
            for workers in (0, 2):
                with pytest.raises(IntegrityViolation) as refused:
                    log.verify(workers=workers, expect=published)
                verdicts.append((str(refused.value), refused.value.position))
    finally:
        plain.close()
        through_sqlalchemy.close()
    assert verdicts == [verdicts[0]] * 4, verdicts


def rewrite_a_column_then_break_a_later_link(store: EventStore) -> None:
    rewrite_an_indexed_column_behind_the_body(store)
    execute_sql(store, "UPDATE events SET prev_hash = hash WHERE position = 12")


def modify_a_payload_then_rewrite_a_later_column(store: EventStore) -> None:
    modify_a_payload(store)
    execute_sql(store, "UPDATE events SET actor = 'IT' WHERE position = 12")


def modify_a_payload_and_its_columns(store: EventStore) -> None:
    modify_a_payload(store)
    rewrite_an_indexed_column_behind_the_body(store)


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (rewrite_a_column_then_break_a_later_link, "position 10 was modified: column actor"),
        (modify_a_payload_then_rewrite_a_later_column, "position 10 was modified: its hash does not match"),
        (modify_a_payload_and_its_columns, "position 10 was modified: its hash does not match"),
    ],
)
@pytest.mark.parametrize("batch", [1, 4, 1000])
def test_verify_names_the_lowest_of_several_bad_positions_whatever_the_batches_it_reads(
    logged: EventStore,
    monkeypatch: pytest.MonkeyPatch,
    tamper: Callable[[EventStore], None],
    first_bad: str,
    batch: int,
) -> None:
    """Links and hashes are checked along a fetched batch before its columns; the first fault is still the lowest."""
    from core import chain

    monkeypatch.setattr(chain, "_FETCH", batch)
    monkeypatch.setattr(chain, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chain, "RANGE_SIZE", 7)  # 8-14 is a range: both faults fall in it
    drop_append_only_guards(logged)
    tamper(logged)
    for workers in (0, 2):
        with pytest.raises(IntegrityViolation) as refused:
            logged.verify(workers=workers)
        assert str(refused.value).startswith(first_bad)
        assert refused.value.position == 10


def test_a_refused_verify_leaves_no_half_read_cursor_to_be_closed_after_its_connection(
    logged: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    import gc

    drop_append_only_guards(logged)
    modify_a_payload(logged)
    with pytest.raises(IntegrityViolation) as refused:
        logged.verify(workers=0)
    logged.close()
    del refused  # its traceback held the walk's frames
    gc.collect()
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []
