"""Replays the log into a coalition state as of a date, resuming from snapshots when they are still true.

A snapshot is the fold's state after every effective event of one stream with
position <= P and latest day <= d. It answers a query (as of D >= d, known at
position K >= P) exactly when nothing recorded in (P, K] could have changed
that prefix: no amendment (they apply at every date) and no event of the
stream dated on or before d (a back-dated event). The store checks that in one
indexed query; otherwise the next candidate, or a full replay, is used. The
engine then folds only the effective events dated in (d, D], which the log
hands out with the amendments known at K applied (their dates may have moved).

The engine reaches the log through two small protocols that `core` satisfies
structurally; it never imports `core`.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import Any, Protocol

from events import RecordedEvent, amendments, edtf_bounds, order
from projections import coalition, replay
from projections.coalition import CoalitionFold, CoalitionState, FoldCapture
from projections.native import source_beside

__all__ = ["Replay", "ReplayLog", "ReplayWindow", "Replayer", "Snapshot", "SnapshotStore", "fold_version"]

PROJECTION = "coalition"

# A replay that folded at least this many events saves its final state even when `snapshot_every` is larger.
_WORTH_SAVING = 10_000


@dataclass(frozen=True)
class ReplayWindow:
    """Which effective events to read, in fold order: a stream (None for all), what is known, a span of days."""

    stream: str | None
    known_position: int
    after_day: date | None = None
    until_day: date | None = None
    # for a fold: the events may come with only the fields a fold reads (quotes, recording details left empty)
    fold_fields_only: bool = False


class ReplayLog(Protocol):
    """What the engine needs from the log."""

    def known_position(self, known_at: int | str | None) -> int:
        """Return the last position known at a timestamp or position (the head for None)."""
        ...

    def effective_batches(self, window: ReplayWindow) -> Iterable[Sequence[RecordedEvent]]:
        """Return the window's events, amendments known applied, in fold order, in batches."""
        ...


@dataclass(frozen=True)
class Snapshot:
    """A fold state saved at (position, day) for one projection, stream and fold version."""

    projection: str
    stream: str | None
    version: str
    position: int
    day: date
    # what the fold's to_snapshot returned, or its JSON text as a store read it back (from_snapshot takes both)
    state: Mapping[str, Any] | str | bytes
    # The answer as of `day`, when this process computed it: a store may hand the same value back, saving the decoding.
    result: CoalitionState | None = field(default=None, compare=False, repr=False)


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

    def save_snapshots(self, snapshots: Sequence[Snapshot]) -> None:
        """Keep snapshots for later runs."""
        ...


@lru_cache(maxsize=1)
def fold_version() -> str:
    """Return a fingerprint of the fold's code: snapshots from other code are never reused."""
    digest = hashlib.sha256()
    for path in fold_sources():
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fold_sources() -> list[Path]:
    """Return the source files whose code decides a fold's state: the fold, the amendments, the fold order.

    The sources, also for a fold compiled from its source (projections.native loads the
    compiled module only while its source is the one it was compiled from): both forms
    give the same snapshots (tests/unit/test_native_fold.py), so either reuses the other's.
    """
    return [source_beside(module.__file__ or "", module.__name__) for module in (coalition, replay, amendments, order)]


@dataclass(frozen=True)
class Replay:
    """A state together with what it was computed from."""

    state: CoalitionState
    known_position: int
    resumed_from: Snapshot | None  # which snapshot, its state left out
    folded: int


class Replayer:
    """Answers as-of questions over a log, with snapshots when a store for them is given."""

    def __init__(
        self,
        log: ReplayLog,
        snapshots: SnapshotStore | None = None,
        *,
        snapshot_every: int = 250_000,
        defer_saves: bool = False,
    ) -> None:
        if snapshot_every < 1:
            raise ValueError(f"snapshot_every must be at least 1, not {snapshot_every}")
        self._log = log
        self._snapshots = snapshots
        self._snapshot_every = snapshot_every
        # with defer_saves, the snapshots a replay leaves wait for save_snapshots(): the answer goes out first
        self._defer_saves = defer_saves
        self._pending: Callable[[], None] | None = None

    def state(self, *, as_of: date, stream: str | None = None, known_at: int | str | None = None) -> Replay:
        """Return the coalition state as of a day, known at a timestamp or position."""
        with _collector_paused():
            # in a call of its own, so the collector comes back after everything but the answer is gone
            return self._state(as_of, stream, known_at)

    def save_snapshots(self) -> None:
        """Save the snapshots the last replay left waiting (with defer_saves); nothing when none wait."""
        pending, self._pending = self._pending, None
        if pending is not None:
            with _collector_paused():
                pending()

    def _state(self, as_of: date, stream: str | None, known_at: int | str | None) -> Replay:
        # one replay's fold waits at most: a second question saves the first's snapshots before it starts
        self.save_snapshots()
        known_position = self._log.known_position(known_at)
        start = self._usable_snapshot(stream, known_position, as_of)
        if start is not None and start.day == as_of and start.result is not None:
            return Replay(start.result, known_position, _described(start), 0)  # this process's own answer
        fold = CoalitionFold()
        if start is not None:
            try:
                fold = CoalitionFold.from_snapshot(start.state)
            except ValueError:  # a cache that no longer reads (damaged from outside): as if it were not there
                start = None
        if start is not None and start.day == as_of:
            # still true and taken on the very day: nothing more counts, so the snapshot is the answer
            return Replay(fold.result(as_of), known_position, _described(start), 0)
        return self._replay(as_of, stream, known_position, start, fold)

    def _replay(
        self, as_of: date, stream: str | None, known_position: int, start: Snapshot | None, fold: CoalitionFold
    ) -> Replay:
        after_day = None if start is None else start.day
        batches = self._log.effective_batches(ReplayWindow(stream, known_position, after_day, as_of, True))
        taken: list[tuple[date, FoldCapture]] = []
        if self._snapshots is None:
            folded = sum(fold.apply_all(batch)[0] for batch in batches)
        else:
            folded = self._fold_taking_snapshots(fold, batches, self._snapshot_every, taken)
        result = fold.result(as_of)
        snapshots = self._snapshots
        if snapshots is not None and (folded >= min(self._snapshot_every, _WORTH_SAVING) or taken):

            def save() -> None:
                # the captures taken along the way become snapshots only now (after the answer, when deferred)
                saved = [self._snapshot(capture, stream, known_position, day) for day, capture in taken]
                saved.append(self._snapshot(fold, stream, known_position, as_of, result))
                snapshots.save_snapshots(_thinned(saved))

            if self._defer_saves:
                self._pending = save
            else:
                save()
        return Replay(result, known_position, None if start is None else _described(start), folded)

    def _fold_taking_snapshots(
        self,
        fold: CoalitionFold,
        batches: Iterable[Sequence[RecordedEvent]],
        every: int,
        taken: list[tuple[date, FoldCapture]],
    ) -> int:
        """Fold every event, taking a snapshot at the first change of day after each `every` events; return how many.

        The fold then holds every event dated up to the day before the change and none
        after, so the snapshot is true until then. Between snapshots the events go to the
        fold in runs (apply_all); days are looked at only while a change of day is awaited.
        """
        folded, due, previous = 0, every, date.min
        for batch in batches:
            start, size = 0, len(batch)
            while start < size:
                if due:
                    # a whole batch as it is: the compiled fold walks a list faster than any other iterable
                    whole = start == 0 and due >= size
                    count, last = fold.apply_all(batch if whole else islice(batch, start, start + due))
                    folded, due, start = folded + count, due - count, start + count
                    if last is not None:
                        previous = edtf_bounds(last.occurred)[1]
                    continue
                event = batch[start]
                latest = edtf_bounds(event.occurred)[1]
                if latest > previous:
                    taken.append((latest - timedelta(days=1), fold.capture()))  # cheap: to_snapshot() comes later
                    due = every  # this event is the first of the next `every`
                    continue
                fold.apply(event)
                folded, start, previous = folded + 1, start + 1, latest
        return folded

    def effective_events(
        self, *, stream: str | None = None, known_at: int | str | None = None, until_day: date | None = None
    ) -> Iterator[RecordedEvent]:
        """Yield every effective event known at K, amendments applied, in fold order."""
        window = ReplayWindow(stream, self._log.known_position(known_at), until_day=until_day)
        return chain.from_iterable(self._log.effective_batches(window))

    def _usable_snapshot(self, stream: str | None, known_position: int, as_of: date) -> Snapshot | None:
        if self._snapshots is None:
            return None
        return self._snapshots.find_snapshot(PROJECTION, stream, fold_version(), known_position, as_of)

    @staticmethod
    def _snapshot(
        taken: CoalitionFold | FoldCapture,
        stream: str | None,
        known_position: int,
        day: date,
        result: CoalitionState | None = None,
    ) -> Snapshot:
        # to_snapshot hands out copies of plain JSON values, so a fold can go on
        return Snapshot(PROJECTION, stream, fold_version(), known_position, day, taken.to_snapshot(), result)


def _described(snapshot: Snapshot) -> Snapshot:
    """Return the snapshot without its state: a replay says where it resumed from, and a large state is not kept."""
    return replace(snapshot, state={}, result=None)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of a replay.

    A replay allocates millions of short-lived objects while keeping a large
    fold alive, so the collector's generational passes scan the fold over and
    over (measured: two thirds of the time spent parsing bodies). Nothing in
    a replay makes reference cycles, so there is nothing for it to find; it
    runs again as soon as the replay is over.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _thinned(snapshots: list[Snapshot]) -> list[Snapshot]:
    """Keep one snapshot per day (the last taken), oldest first."""
    by_day = {snapshot.day: snapshot for snapshot in snapshots}
    return [by_day[day] for day in sorted(by_day)]
