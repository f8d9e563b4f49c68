"""Keeps fold snapshots in the database between runs (satisfies projections.engine.SnapshotStore).

Snapshots are a cache beside the log: never hashed, safe to delete, and only
used when the engine has checked nothing recorded since could change them.
The snapshots a recorder saved last are also kept in memory, so the same
process asking again skips reading and decoding them (the table still decides
whether they exist and are valid).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, LargeBinary, cast, delete, insert, or_, select

from core.database import Database
from core.recorder import AMENDMENT_TYPES
from core.replay_reads import SNAPSHOT_CANDIDATES, SnapshotLike, snapshot_key, snapshot_rows, stream_key
from core.schema import events, snapshots
from errors import StoreBusy

__all__ = ["SnapshotRecorder"]


class SnapshotRecorder:
    """Reads and writes the snapshots table; builds snapshot values with a given factory."""

    def __init__(self, database: Database, factory: Any) -> None:
        self._database = database
        self._factory = factory
        # SQLite hands the text over as its UTF-8 bytes, which the projection decodes as they are: read as a
        # str (not all ASCII), tens of megabytes at a million events would be held twice, once more in UTF-8
        self._state_column = cast(snapshots.c.state, LargeBinary) if database.dialect == "sqlite" else snapshots.c.state
        # the latest snapshot this recorder saved, by its identity in the table, with the answer of its day
        self._recent: dict[tuple[str, ...], Any] = {}

    def find_snapshot(
        self, projection: str, stream: str | None, version: str, known_position: int, day: date
    ) -> Any | None:
        """Return the latest still-valid snapshot at or before (known_position, day), its state decoded."""
        candidates = (
            select(snapshots.c.snapshot_id, snapshots.c.position, snapshots.c.day)
            .where(
                snapshots.c.projection == projection,
                snapshots.c.stream == stream_key(stream),
                snapshots.c.version == version,
                snapshots.c.position <= known_position,
                snapshots.c.day <= day.isoformat(),
            )
            .order_by(snapshots.c.day.desc(), snapshots.c.position.desc())
            .limit(SNAPSHOT_CANDIDATES)
        )
        with self._database.reading() as connection:
            for snapshot_id, position, snapshot_day in connection.execute(candidates).all():
                if not self._still_valid(connection, stream, position, snapshot_day, known_position):
                    continue
                recent = self._recent.get(snapshot_key(projection, stream, version, position, snapshot_day))
                if recent is not None:
                    return recent
                # only the chosen snapshot's state is read and decoded: states can be large
                state = connection.execute(
                    select(self._state_column).where(snapshots.c.snapshot_id == snapshot_id)
                ).scalar_one()
                if self._database.dialect == "sqlite":
                    # the pages the state came through would stay cached beside it while it is decoded
                    connection.exec_driver_sql("PRAGMA shrink_memory")
                found = self._factory(
                    projection=projection,
                    stream=stream,
                    version=version,
                    position=position,
                    day=date.fromisoformat(snapshot_day),
                    state=state,  # JSON text (or its bytes): the projection decodes its own states, in one typed pass
                )
                # not kept: undecoded, the text would only spare a read, and at a million events weigh 50 MB
                return found
        return None

    @staticmethod
    def _still_valid(connection: Connection, stream: str | None, position: int, day: str, known_position: int) -> bool:
        """Say whether no amendment, and no event of the stream dated on or before day, came after position."""
        if known_position == position:
            return True
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
        return connection.execute(query).first() is None

    def save_snapshots(self, taken: Sequence[SnapshotLike]) -> None:
        """Store snapshots in one transaction; keep the last one in memory too."""
        rows = snapshot_rows(taken)
        if not rows or not self._database.writable:
            return  # nothing to keep, or a log on read-only media: the cache is skipped, the answer stands
        try:
            # a cache: never keep a reader waiting behind a long import to save it
            self._database.writing(lambda connection: connection.execute(insert(snapshots), rows), wait=0.2)
        except StoreBusy:
            return
        last = taken[-1]
        key = snapshot_key(last.projection, last.stream, last.version, last.position, last.day.isoformat())
        self._recent = {key: last}

    def clear(self) -> int:
        """Delete every snapshot; return how many there were."""
        self._recent = {}
        return int(self._database.writing(lambda connection: connection.execute(delete(snapshots)).rowcount))
