"""`dtl copy --to URL`: the whole log, row for row, into an empty database; all or nothing; verified there.

Before it, the only backup and the only way from SQLite to PostgreSQL was `export` then `import`,
which lost every attached text (every quote unverified again) and every recorded time (all "known at"
history collapsed onto the moment of the import).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import copying as copying_module
from core.copying import copy_log
from errors import InputError, IntegrityViolation
from tests.conftest import initialised_store
from tests.reliability.conftest import assert_no_traceback, count_events, dump_database, invoke, load_fixture_log
from tests.support import drop_append_only_guards, execute_sql

# every question whose answer a faithful copy must leave unchanged, as `dtl` arguments
_QUESTIONS = [
    ("log", "--json"),
    ("source", "list", "--json"),
    ("source", "show", "nc-2025-03-10", "--json"),
    ("audit", "--json"),
    ("state", "--as-of", "2025-03-17", "--json"),
    ("state", "--as-of", "2025-03-17", "--known-at", "12", "--json"),
    ("why", "PL", "--as-of", "2025-03-17", "--json"),
    ("verify", "--json"),
]


def _answers(url: str, *extra: tuple[str, ...]) -> dict[str, str]:
    answers = {}
    for question in (*_QUESTIONS, *extra):
        result = invoke(url, *question)
        assert result.exit_code in (0, 1), result.output  # audit exits 1 when it finds errors
        answers[" ".join(question)] = result.stdout
    return answers


def _head(url: str) -> str:
    result = invoke(url, "verify", "--checkpoint")
    assert result.exit_code == 0, result.output
    return result.stdout.split()[-1]


def _known_at_a_recorded_time(url: str) -> tuple[str, ...]:
    """`state --known-at T` at the recorded time of the log's 20th event: a question only recorded times answer."""
    events = json.loads(invoke(url, "log", "--json").stdout)["events"]
    return ("state", "--as-of", "2025-03-17", "--known-at", events[19]["recorded_at"], "--json")


def test_a_copy_to_postgresql_and_back_answers_every_question_as_the_original(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    load_fixture_log(sqlite_url)
    head = _head(sqlite_url)
    known_at = _known_at_a_recorded_time(sqlite_url)
    original = _answers(sqlite_url, known_at)
    back = f"sqlite:///{tmp_path / 'back' / 'timeline.db'}"

    to_postgres = invoke(sqlite_url, "copy", "--to", postgres_url)
    assert to_postgres.exit_code == 0, to_postgres.output
    to_sqlite = invoke(postgres_url, "copy", "--to", back, "--json")
    assert to_sqlite.exit_code == 0, to_sqlite.output

    document = json.loads(to_sqlite.stdout)
    assert document["head"]["hash"] == head
    assert document["events"] == 30
    assert document["texts"] == 1
    assert document["verified"] is True
    for url in (postgres_url, back):
        assert invoke(url, "verify", "--expect", head).exit_code == 0
        assert _answers(url, known_at) == original  # texts, recorded times, positions and hashes all came along
    listed = json.loads(original["source list --json"])["sources"]
    assert [source["text"] for source in listed] == [True, False]  # the attached text is among what came along


def test_a_copy_says_what_it_wrote_and_that_the_copy_verifies(sqlite_url: str, tmp_path: Path) -> None:
    load_fixture_log(sqlite_url)
    destination = f"sqlite:///{tmp_path / 'backup.db'}"

    copied = invoke(sqlite_url, "copy", "--to", destination)

    assert copied.exit_code == 0, copied.output
    assert copied.stdout.startswith(f"copied 30 events and 1 source texts to {destination}; verified there: ")
    assert _head(sqlite_url) in copied.stdout


def test_a_copy_into_a_log_that_holds_events_is_refused_and_changes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    load_fixture_log(sqlite_url)
    destination = f"sqlite:///{tmp_path / 'other.db'}"
    assert invoke(destination, "init").exit_code == 0
    assert invoke(destination, "source", "add", "--id", "w", "--publisher", "W", "--published", "2025-01-01",
                  "--sha256", "ab" * 32).exit_code == 0  # fmt: skip
    before = dump_database(destination)

    refused = invoke(sqlite_url, "copy", "--to", destination)

    assert refused.exit_code == 2
    assert "--to" in refused.output
    assert "is not empty (1 rows in events)" in refused.output
    assert_no_traceback(refused.output)
    assert dump_database(destination) == before


def test_a_copy_onto_its_own_log_is_refused(sqlite_url: str) -> None:
    load_fixture_log(sqlite_url)

    refused = invoke(sqlite_url, "copy", "--to", sqlite_url)

    assert refused.exit_code == 2
    assert "is not empty" in refused.output


def test_a_copy_to_an_initialised_but_empty_log_is_accepted(sqlite_url: str, tmp_path: Path) -> None:
    load_fixture_log(sqlite_url)
    destination = f"sqlite:///{tmp_path / 'empty.db'}"
    assert invoke(destination, "init").exit_code == 0

    assert invoke(sqlite_url, "copy", "--to", destination).exit_code == 0
    assert count_events(destination) == 30


@pytest.mark.parametrize("target", ["not a url", "sqlite://", "postgresql+asyncpg://u@h/db"])
def test_a_bad_destination_url_is_bad_input_naming_the_flag(sqlite_url: str, target: str) -> None:
    load_fixture_log(sqlite_url)

    refused = invoke(sqlite_url, "copy", "--to", target)

    assert refused.exit_code == 2
    assert "--to" in refused.output
    assert_no_traceback(refused.output)


def test_a_tampered_log_is_not_copied(sqlite_url: str, tmp_path: Path) -> None:
    load_fixture_log(sqlite_url)
    with initialised_store(sqlite_url) as store:
        drop_append_only_guards(store)
        execute_sql(store, "UPDATE events SET body = body || ' ' WHERE position = 7")
    destination = f"sqlite:///{tmp_path / 'copy.db'}"

    refused = invoke(sqlite_url, "copy", "--to", destination)

    assert refused.exit_code == 1
    assert "position 7 was modified" in refused.output
    assert count_events(destination) == 0


def test_a_copy_that_fails_midway_leaves_the_destination_empty(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_fixture_log(sqlite_url)
    destination = f"sqlite:///{tmp_path / 'copy.db'}"
    monkeypatch.setattr(copying_module, "_BATCH", 7)  # several batches of events before the texts

    def _fail(*_args: object) -> int:
        raise OSError("the disk filled up")

    monkeypatch.setattr(copying_module, "_copy_table", _fail)
    with (
        initialised_store(sqlite_url) as source,
        initialised_store(destination) as target,
        pytest.raises(OSError, match="disk filled up"),
    ):
        copy_log(source.database, target.database)
    assert count_events(destination) == 0


def test_copy_log_refuses_a_non_empty_destination_under_its_write_lock(sqlite_url: str, tmp_path: Path) -> None:
    load_fixture_log(sqlite_url)
    with initialised_store(sqlite_url) as source, pytest.raises(InputError) as refused:
        copy_log(source.database, source.database)
    assert refused.value.location.field == "to"


def test_integrity_violation_names_the_missing_position(sqlite_url: str, tmp_path: Path) -> None:
    load_fixture_log(sqlite_url)
    with initialised_store(sqlite_url) as store:
        drop_append_only_guards(store)
        execute_sql(store, "DELETE FROM events WHERE position = 12")
        with (
            initialised_store(f"sqlite:///{tmp_path / 'copy.db'}") as destination,
            pytest.raises(IntegrityViolation, match="position 12 is missing"),
        ):
            copy_log(store.database, destination.database)


def test_the_caches_are_left_behind_and_the_copy_answers_as_the_original(sqlite_url: str, tmp_path: Path) -> None:
    """Snapshots and replay pages are derived from the log: a copy takes the log and builds its own."""
    from sqlalchemy import func, select

    from core import EventStore
    from core.schema import replay_pages

    load_fixture_log(sqlite_url)
    with initialised_store(sqlite_url) as store:
        assert store.refresh_replay_pages(at_least=1)
    before = invoke(sqlite_url, "state", "--as-of", "2025-03-17", "--json").stdout
    destination = f"sqlite:///{tmp_path / 'backup.db'}"

    assert invoke(sqlite_url, "copy", "--to", destination).exit_code == 0

    copy = EventStore.open(destination)
    try:
        with copy.database.reading() as connection:
            assert connection.execute(select(func.count()).select_from(replay_pages)).scalar_one() == 0
    finally:
        copy.close()
    assert invoke(destination, "state", "--as-of", "2025-03-17", "--json").stdout == before
