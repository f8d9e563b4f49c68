"""Replays the log into a coalition state as of a date, resuming from snapshots when they are still true.

A snapshot is the fold's state after every effective event of one stream with
position <= P and latest day <= d. It answers a query (as of D >= d, known at
position K >= P) exactly when nothing recorded in (P, K] could have changed
that prefix: no amendment (they apply at every date) and no event of the
stream dated on or before d (a back-dated event). The store checks that in one
indexed query; otherwise the next candidate, or a full replay, is used. The
engine then folds only events dated in (d, D], merging amended events (whose
dates may have moved) from memory.

The engine reaches the log through two small protocols that `core` satisfies
structurally; it never imports `core`.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from events import RecordedEvent
from projections import coalition, replay
from projections.coalition import CoalitionFold, CoalitionState
from projections.replay import Amendments, amended, fold_key

__all__ = ["Replay", "ReplayLog", "ReplayWindow", "Replayer", "Snapshot", "SnapshotStore", "fold_version"]

PROJECTION = "coalition"


@dataclass(frozen=True)
class ReplayWindow:
    """Which plain (non-amendment) events to read, in fold order by their stored dates."""

    stream: str | None
    known_position: int
    after_day: date | None = None
    until_day: date | None = None
    exclude_ids: Collection[str] = ()


class ReplayLog(Protocol):
    """What the engine needs from the log."""

    def known_position(self, known_at: int | str | None) -> int:
        """Return the last position known at a timestamp or position (the head for None)."""
        ...

    def amendment_events(self, known_position: int) -> Iterable[RecordedEvent]:
        """Return every correction and retraction at or before a position, in any stream."""
        ...

    def events_by_id(self, ids: Collection[str]) -> Iterable[RecordedEvent]:
        """Return the events with these ids."""
        ...

    def replay_window(self, window: ReplayWindow) -> Iterable[RecordedEvent]:
        """Return the window's events sorted by (stored latest day, earliest day, position)."""
        ...


@dataclass(frozen=True)
class Snapshot:
    """A fold state saved at (position, day) for one projection, stream and fold version."""

    projection: str
    stream: str | None
    version: str
    position: int
    day: date
    state: dict[str, Any]


class SnapshotStore(Protocol):
    """Where snapshots are kept between runs."""

    def find_snapshot(
        self, projection: str, stream: str | None, version: str, known_position: int, day: date
    ) -> Snapshot | None:
        """Return the latest snapshot at or before (known_position, day) that nothing recorded since invalidates.

        Invalidating is any correction or retraction, or any event of the
        stream dated on or before the snapshot's day, recorded after its position.
        """
        ...

    def save_snapshots(self, snapshots: Iterable[Snapshot]) -> None:
        """Keep snapshots for later runs."""
        ...


@lru_cache(maxsize=1)
def fold_version() -> str:
    """Return a fingerprint of the fold's code: snapshots from other code are never reused."""
    digest = hashlib.sha256()
    for module in (coalition, replay):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Replay:
    """A state together with what it was computed from."""

    state: CoalitionState
    known_position: int
    resumed_from: Snapshot | None
    folded: int


class Replayer:
    """Answers as-of questions over a log, with snapshots when a store for them is given."""

    def __init__(
        self,
        log: ReplayLog,
        snapshots: SnapshotStore | None = None,
        *,
        snapshot_every: int = 250_000,
    ) -> None:
        self._log = log
        self._snapshots = snapshots
        self._snapshot_every = snapshot_every

    def state(self, *, as_of: date, stream: str | None = None, known_at: int | str | None = None) -> Replay:
        """Return the coalition state as of a day, known at a timestamp or position."""
        known_position = self._log.known_position(known_at)
        amendments = Amendments.collect(self._log.amendment_events(known_position))
        start = self._usable_snapshot(stream, known_position, as_of)
        fold = CoalitionFold() if start is None else CoalitionFold.from_snapshot(start.state)
        after_day = None if start is None else start.day
        events = self._effective(stream, known_position, amendments, after_day=after_day, until_day=as_of)
        folded, since_snapshot = 0, 0
        saved: list[Snapshot] = []
        keep_snapshots = self._snapshots is not None
        previous: date | None = None
        for event in events:
            latest = fold_key(event)[0]
            if keep_snapshots and since_snapshot >= self._snapshot_every and previous is not None and latest > previous:
                # the fold holds every event dated up to `previous` and none after: true until latest - 1
                saved.append(self._snapshot(fold, stream, known_position, latest - timedelta(days=1)))
                since_snapshot = 0
            fold.apply(event)
            folded += 1
            since_snapshot += 1
            previous = latest
        if self._snapshots is not None and (folded >= self._snapshot_every or saved):
            saved.append(self._snapshot(fold, stream, known_position, as_of))
            self._snapshots.save_snapshots(_thinned(saved))
        return Replay(fold.result(as_of), known_position, start, folded)

    def effective_events(
        self, *, stream: str | None = None, known_at: int | str | None = None, until_day: date | None = None
    ) -> Iterator[RecordedEvent]:
        """Yield every effective event known at K, amendments applied, in fold order."""
        known_position = self._log.known_position(known_at)
        amendments = Amendments.collect(self._log.amendment_events(known_position))
        return self._effective(stream, known_position, amendments, after_day=None, until_day=until_day)

    def _usable_snapshot(self, stream: str | None, known_position: int, as_of: date) -> Snapshot | None:
        if self._snapshots is None:
            return None
        return self._snapshots.find_snapshot(PROJECTION, stream, fold_version(), known_position, as_of)

    def _effective(
        self,
        stream: str | None,
        known_position: int,
        amendments: Amendments,
        *,
        after_day: date | None,
        until_day: date | None,
    ) -> Iterator[RecordedEvent]:
        targets = amendments.targets()
        window = ReplayWindow(stream, known_position, after_day, until_day, exclude_ids=targets)
        plain = self._log.replay_window(window)
        if not targets:
            return iter(plain)
        moved = [
            event
            for event in amended(self._log.events_by_id(targets), amendments)
            if (stream is None or event.stream == stream)
            and event.position <= known_position
            and (after_day is None or event.latest > after_day)
            and (until_day is None or event.latest <= until_day)
        ]
        return heapq.merge(plain, sorted(moved, key=fold_key), key=fold_key)

    def _snapshot(self, fold: CoalitionFold, stream: str | None, known_position: int, day: date) -> Snapshot:
        # to_snapshot hands out copies of plain JSON values, so the fold can go on
        return Snapshot(PROJECTION, stream, fold_version(), known_position, day, fold.to_snapshot())


def _thinned(snapshots: list[Snapshot]) -> list[Snapshot]:
    """Keep one snapshot per day (the last taken), oldest first."""
    by_day = {snapshot.day: snapshot for snapshot in snapshots}
    return [by_day[day] for day in sorted(by_day)]
