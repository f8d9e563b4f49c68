"""Keeps fold snapshots in the database between runs (satisfies projections.engine.SnapshotStore).

Snapshots are a cache beside the log: never hashed, safe to delete, and only
used when the engine has checked nothing recorded since could change them.
The snapshots a recorder saved last are also kept in memory, so the same
process asking again skips reading and decoding them (the table still decides
whether they exist and are valid).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, LargeBinary, cast, delete, insert, or_, select

from core.database import Database
from core.recorder import AMENDMENT_TYPES
from core.replay_reads import SNAPSHOT_CANDIDATES, KeptSnapshots
from core.schema import events, snapshots
from errors import StoreBusy

__all__ = ["SnapshotRecorder"]


class SnapshotRecorder(KeptSnapshots):
    """Reads and writes the snapshots table through SQLAlchemy; builds snapshot values with a given factory."""

    def __init__(self, database: Database, factory: Any) -> None:
        super().__init__(factory)
        self._database = database
        # SQLite hands the text over as its UTF-8 bytes, which the projection decodes as they are: read as a
        # str (not all ASCII), tens of megabytes at a million events would be held twice, once more in UTF-8
        self._state_column = cast(snapshots.c.state, LargeBinary) if database.dialect == "sqlite" else snapshots.c.state

    @contextmanager
    def _reading(self) -> Iterator[_Reads]:
        with self._database.reading() as connection:
            yield _Reads(connection, self._state_column)

    def _stored(self, rows: list[dict[str, Any]]) -> bool:
        if not self._database.writable:
            return False  # a log on read-only media: the cache is skipped, the answer stands
        try:
            # a cache: never keep a reader waiting behind a long import to save it
            self._database.writing(lambda connection: connection.execute(insert(snapshots), rows), wait=0.2)
        except StoreBusy:
            return False
        return True

    def clear(self) -> int:
        """Delete every snapshot; return how many there were."""
        self._recent = {}
        return int(self._database.writing(lambda connection: connection.execute(delete(snapshots)).rowcount))


class _Reads:
    """What choosing a snapshot reads (core.replay_reads.SnapshotReads), on one connection."""

    def __init__(self, connection: Connection, state_column: Any) -> None:
        self._connection, self._state_column = connection, state_column

    def candidates(
        self, projection: str, stream: str, version: str, known_position: int, day: str
    ) -> list[tuple[Any, int, str]]:
        query = (
            select(snapshots.c.snapshot_id, snapshots.c.position, snapshots.c.day)
            .where(
                snapshots.c.projection == projection,
                snapshots.c.stream == stream,
                snapshots.c.version == version,
                snapshots.c.position <= known_position,
                snapshots.c.day <= day,
            )
            .order_by(snapshots.c.day.desc(), snapshots.c.position.desc())
            .limit(SNAPSHOT_CANDIDATES)
        )
        return [tuple(row) for row in self._connection.execute(query)]

    def changed_since(self, stream: str | None, position: int, day: str, known_position: int) -> bool:
        dated_before = events.c.occurred_latest <= day
        if stream is not None:
            dated_before = dated_before & (events.c.stream == stream)
        query = (
            select(events.c.position)
            .where(
                events.c.position > position,
                events.c.position <= known_position,
                or_(events.c.type.in_(AMENDMENT_TYPES), dated_before),
            )
            .limit(1)
        )
        return self._connection.execute(query).first() is not None

    def state(self, snapshot_id: Any) -> str | bytes:
        state = self._connection.execute(
            select(self._state_column).where(snapshots.c.snapshot_id == snapshot_id)
        ).scalar_one()
        if self._connection.dialect.name == "sqlite":
            # the pages the state came through would stay cached beside it while it is decoded
            self._connection.exec_driver_sql("PRAGMA shrink_memory")
        return state  # type: ignore[no-any-return]
