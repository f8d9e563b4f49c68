"""Shared test helpers: build recorded events without a database, find the example and the fixture log.

The fixture log (tests/fixtures/) is ours: two short synthetic articles and events quoting them. The
founding articles in ../shared/seeds are not, and only the golden layer reads them (tests/golden/conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from events import RecordedEvent, parse_event

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "coalition-of-the-willing"
FIXTURES = ROOT / "tests" / "fixtures"
# the fixture log's two articles, by source id: registered by sha256 in FIXTURES / "sources.jsonl"
ARTICLES = {
    "nc-2025-03-10": FIXTURES / "article-2025-03-10.txt",
    "nc-2025-03-17": FIXTURES / "article-2025-03-17.txt",
}

# A source the tests' own events cite, so they pass the log's write-time checks (every event but a registration
# cites a registered source published on or after its earliest day): registered by sha256 alone, so quotes
# citing it stay unverified, and published at the end of 2025, after every day the tests date events on.
TEST_SOURCE = "test-wire"
TEST_SOURCE_PUBLISHED = "2025-12-31"
TEST_SOURCE_SHA256 = "0" * 63 + "1"
TEST_SOURCE_REGISTRATION: dict[str, Any] = {
    "id": f"source:{TEST_SOURCE}",
    "type": "source.registered",
    "stream": "sources",
    "occurred": TEST_SOURCE_PUBLISHED,
    "data": {
        "source_id": TEST_SOURCE,
        "publisher": "Test wire",
        "published": TEST_SOURCE_PUBLISHED,
        "sha256": TEST_SOURCE_SHA256,
    },
}
# `dtl ARGS` that register it
TEST_SOURCE_ADD = (
    "source", "add", "--id", TEST_SOURCE, "--publisher", "Test wire",
    "--published", TEST_SOURCE_PUBLISHED, "--sha256", TEST_SOURCE_SHA256,
)  # fmt: skip
# `dtl append` ARGS that cite it
CITE_TEST_SOURCE = ("--source", TEST_SOURCE)


def cited(obj: Mapping[str, Any], quote: str | None = None) -> dict[str, Any]:
    """Return an interchange object citing the test source, unless it cites sources of its own."""
    if obj.get("sources") or obj.get("type") == "source.registered":
        return dict(obj)
    return {**obj, "sources": [{"source": TEST_SOURCE} if quote is None else {"source": TEST_SOURCE, "quote": quote}]}


def register_test_source(store: Any) -> None:
    """Register the test source in a store (an EventStore); a no-op when it is there already."""
    store.register_source(
        source_id=TEST_SOURCE, publisher="Test wire", published=TEST_SOURCE_PUBLISHED, sha256=TEST_SOURCE_SHA256
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def example_objects() -> list[dict[str, Any]]:
    """The example's interchange objects: sources first, then events."""
    return read_jsonl(EXAMPLE / "sources.jsonl") + read_jsonl(EXAMPLE / "events.jsonl")


def recorded(
    objects: Iterable[Mapping[str, Any]],
    *,
    default_stream: str = "ukraine-coalition",
    first_position: int = 1,
    recorded_at: str | Iterable[str] = "2025-04-01T00:00:00.000000Z",
) -> list[RecordedEvent]:
    """Validate interchange objects and number them as the store would, without a database."""
    stamps = iter([recorded_at]) if isinstance(recorded_at, str) else iter(recorded_at)
    stamp = recorded_at if isinstance(recorded_at, str) else None
    versions: dict[str, int] = {}
    out = []
    for offset, obj in enumerate(objects):
        event = parse_event(dict(obj), default_stream)
        versions[event.stream] = versions.get(event.stream, 0) + 1
        out.append(
            RecordedEvent(
                position=first_position + offset,
                id=event.id or f"generated-{first_position + offset}",
                type=event.type,
                stream=event.stream,
                stream_version=versions[event.stream],
                occurred=event.occurred,
                actor=event.actor,
                data=event.data,
                sources=event.sources,
                recorded_at=stamp if stamp is not None else next(stamps),
                occurred_text=event.occurred_text,
                note=event.note,
                speaker=event.speaker,
            )
        )
    return out


def example_events() -> list[RecordedEvent]:
    """The bundled example log as the store would record it."""
    return recorded(example_objects())


def fixture_objects() -> list[dict[str, Any]]:
    """The fixture log's interchange objects: its two sources first, then its events."""
    return read_jsonl(FIXTURES / "sources.jsonl") + read_jsonl(FIXTURES / "events.jsonl")


def fixture_events() -> list[RecordedEvent]:
    """The fixture log as the store would record it."""
    return recorded(fixture_objects())


def article_texts() -> dict[str, str]:
    """The fixture articles' texts by source id, as a log holding both would give them."""
    return {source_id: path.read_text(encoding="utf-8") for source_id, path in ARTICLES.items()}


def drop_append_only_guards(store: Any) -> None:
    """Do what a hostile admin could: drop the triggers that keep the log append-only."""
    from sqlalchemy import text

    with store.database.engine.begin() as connection:
        if store.database.dialect == "postgresql":
            for table in ("events", "source_texts"):
                connection.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
                connection.execute(text(f"DROP TRIGGER {table}_no_truncate ON {table}"))
        else:
            for table in ("events", "source_texts"):
                for operation in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER {table}_no_{operation}"))


def plant(store: Any, obj: Mapping[str, Any], recorded_at: str = "2025-03-20T00:00:00.000000Z") -> None:
    """Write an event the log would refuse, as a log kept before its write-time checks (or copied in) may hold it.

    Its row is chained onto the head (the chain verifies) but nothing checks its sources, dates or target.
    """
    from sqlalchemy import insert

    from core.mapper import to_row
    from core.schema import events

    event = parse_event(dict(obj), "ukraine-coalition")
    position, head = store.head()
    version = store.stream_version(event.stream) + 1
    row = to_row(event, position=position + 1, stream_version=version, recorded_at=recorded_at, prev_hash=head)
    with store.database.engine.begin() as connection:
        connection.execute(insert(events).values(**row))


def execute_sql(store: Any, statement: str, **params: Any) -> None:
    """Run raw SQL against the store's database in its own transaction."""
    from sqlalchemy import text

    with store.database.engine.begin() as connection:
        connection.execute(text(statement), params)


def migrated(url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with `down`, downgrade) the log at a URL to an Alembic revision, its rows kept."""
    from core.database import Database

    database = Database(url, create=True)
    try:
        database.migrate(revision, down=down)
    finally:
        database.dispose()
