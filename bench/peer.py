"""The same work done by the `eventsourcing` library (9.5.x), for the side-by-side figures.

Each stream of the log is one aggregate (`Coalition`), each event one
`Coalition.Reported` domain event carrying the interchange fields, so the
stored state is the same JSON body give or take the library's own fields.

- bulk import: read the JSON Lines file, build the domain events, map them to
  stored events with the application's mapper (JSON transcoder) and insert them
  with the application recorder in ONE transaction, 1,000 rows per statement —
  the shape of `dtl import`. The recorder's transaction-level `_insert_events`
  (SQLite) / `_insert_stored_events` (PostgreSQL) are used for that, because the
  public `insert_events` opens a transaction per call.
- one at a time: `aggregate.trigger_event(...)` then `app.save(aggregate)`, one
  transaction per event, as an application does.
- reconstruction: `app.repository.get(id)` for every stream's aggregate: select
  the stored events, decode them with the mapper, and fold each into the
  aggregate (`apply` keeps stances, offers and size claims per actor: a fold of
  the same kind as ours, lighter — no valid-time order, no amendments).

SQLite connections get `synchronous=NORMAL`, as ours do, so neither side pays
an fsync per commit that the other does not.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteConnectionPool

__all__ = [
    "Coalition",
    "CoalitionApplication",
    "append_one_at_a_time",
    "application",
    "bulk_import",
    "open_aggregate",
    "reconstruct",
    "stream_id",
]

CHUNK = 1000
_NAMESPACE = uuid.UUID("6c6f672d-6474-6c2d-6265-6e6368000000")
_FIELDS = ("id", "type", "occurred", "occurred_text", "actor", "data", "sources", "note")


def _normal_sync_connection(original: Any) -> Any:
    def create(self: SQLiteConnectionPool) -> Any:
        connection = original(self)
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection

    return create


SQLiteConnectionPool._create_connection = _normal_sync_connection(  # type: ignore[method-assign]
    SQLiteConnectionPool._create_connection
)


class Coalition(Aggregate):
    """One stream of the log: who stands where, as the events say in the order they were recorded."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.stances: dict[str, str] = {}
        self.offers: dict[str, set[str]] = {}
        self.claims: list[tuple[str, str, int]] = []

    @classmethod
    def create_id(cls, stream: str) -> uuid.UUID:
        return stream_id(stream)

    class Reported(Aggregate.Event):
        """Something a source reported: the interchange fields of one event."""

        id: str
        type: str
        occurred: str
        occurred_text: str | None
        actor: str | None
        data: dict[str, Any]
        sources: list[dict[str, Any]]
        note: str | None

        def apply(self, aggregate: Coalition) -> None:
            kind, actor, data = self.type, self.actor, self.data
            if kind == "pledge.made" and actor:
                aggregate.offers.setdefault(actor, set()).update(data["offers"])
                aggregate.stances[actor] = "supporting"
            elif kind == "pledge.withdrawn" and actor:
                offers = aggregate.offers.setdefault(actor, set())
                offers.difference_update(data.get("offers", list(offers)))
                if not offers:
                    aggregate.stances[actor] = "considering"
            elif kind.startswith("position.") and actor:
                aggregate.stances[actor] = kind.removeprefix("position.")
                if kind == "position.declined" and data.get("scope", "participation") == "participation":
                    aggregate.offers.pop(actor, None)
            elif kind == "meeting.convened":
                for participant in data.get("participants", ()):
                    aggregate.stances.setdefault(participant, "in_talks")
            elif kind == "count.reported":
                aggregate.claims.append((data["subject"], data["comparator"], data["amount"]))


class CoalitionApplication(Application[uuid.UUID]):
    """The application that stores the peer's aggregates."""

    name = "Bench"


def stream_id(stream: str) -> uuid.UUID:
    """The aggregate id of a stream."""
    return uuid.uuid5(_NAMESPACE, stream)


def _environment(url: str) -> dict[str, str]:
    """The library's configuration for one of our database URLs (SQLite file or PostgreSQL + search_path)."""
    if url.startswith("sqlite:///"):
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": url.removeprefix("sqlite:///")}
    parts = urlsplit(url)
    options = parse_qs(parts.query).get("options", [""])[0]
    schema = options.removeprefix("-csearch_path=") if options.startswith("-csearch_path=") else ""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/"),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
    }


def application(url: str) -> CoalitionApplication:
    """Open the peer's application on a database (creating its tables when missing)."""
    for key in [key for key in os.environ if key.startswith(("POSTGRES_", "SQLITE_", "PERSISTENCE_"))]:
        del os.environ[key]  # the library reads the environment too; only ours counts here
    return CoalitionApplication(env=_environment(url))


def _domain_events(lines: Iterable[bytes], default_stream: str, versions: dict[str, int]) -> Iterator[Any]:
    """Yield a Created event for each new stream and a Reported event for each line, numbered per stream."""
    for line in lines:
        raw = json.loads(line)
        stream = raw.get("stream", default_stream)
        version = versions.get(stream, 0)
        if version == 0:
            aggregate = Coalition(stream)
            yield from aggregate.collect_events()
            version = 1
        versions[stream] = version = version + 1
        yield Coalition.Reported(
            originator_id=stream_id(stream),
            originator_version=version,
            timestamp=datetime.now(UTC),
            **{field: raw.get(field) for field in _FIELDS},
        )


def _chunks(items: Iterable[StoredEvent]) -> Iterator[list[StoredEvent]]:
    chunk: list[StoredEvent] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_import(app: CoalitionApplication, path: Path, default_stream: str) -> int:
    """Store every event of a JSON Lines file in one transaction, 1,000 per insert; return how many."""
    recorder: Any = app.recorder
    mapper = app.mapper
    versions: dict[str, int] = {}
    with path.open("rb") as handle:
        stored = (mapper.to_stored_event(event) for event in _domain_events(handle, default_stream, versions))
        if app.env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
            with recorder.datastore.transaction(commit=True) as cursor:
                for chunk in _chunks(stored):
                    recorder._insert_events(cursor, chunk)
        else:
            with (
                recorder.datastore.get_connection() as connection,
                connection.transaction(),
                connection.cursor() as cursor,
            ):
                for chunk in _chunks(stored):
                    recorder._insert_stored_events(cursor, chunk)
                    recorder._fetch_ids_after_insert_events(cursor, chunk)
    return sum(versions.values()) - len(versions)  # not counting each stream's Created event


def open_aggregate(app: CoalitionApplication, stream: str) -> Coalition:
    """Return a stream's aggregate, created and saved when the log has none yet."""
    try:
        aggregate: Coalition = app.repository.get(stream_id(stream))
    except AggregateNotFoundError:
        aggregate = Coalition(stream)
        app.save(aggregate)
    return aggregate


def append_one_at_a_time(app: CoalitionApplication, aggregate: Coalition, events: list[dict[str, Any]]) -> int:
    """Append each event in a transaction of its own, as an application saving its aggregate does."""
    for raw in events:
        aggregate.trigger_event(Coalition.Reported, **{field: raw.get(field) for field in _FIELDS})
        app.save(aggregate)
    return len(events)


def reconstruct(app: CoalitionApplication, streams: Iterable[str]) -> tuple[int, dict[str, Any]]:
    """Rebuild every stream's aggregate from its events; return how many events were folded and a summary."""
    folded = 0
    summary: dict[str, Any] = {}
    for stream in streams:
        try:
            aggregate: Coalition = app.repository.get(stream_id(stream))
        except AggregateNotFoundError:
            continue
        folded += aggregate.version - 1  # the Created event is not one of ours
        summary[stream] = {"members": len(aggregate.stances), "claims": len(aggregate.claims)}
    return folded, summary
