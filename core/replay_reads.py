"""What a replay reads of a log, whichever way it reaches the database: its window, its effective events, its snapshots.

Two things read a log for a replay: the store, through SQLAlchemy (either database), and
`core.sqlite_reads`, through the standard library's sqlite3 (a SQLite log, when the question
needs nothing else: `dtl state` then never loads SQLAlchemy). Each gives the few reads below
(`LogReads`); how the effective events follow from them, and what a snapshot row holds, is
decided here once for both.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

import msgspec

from core.mapper import from_body
from core.page_format import PageWindow
from events import RecordedEvent, fold_key, slotted_batches
from events.amendments import Amendments, amended

__all__ = [
    "SNAPSHOT_CANDIDATES",
    "Everything",
    "KeptSnapshots",
    "LogReads",
    "ReplayWindow",
    "SnapshotLike",
    "SnapshotReads",
    "effective_batches",
    "known_position",
    "page_window",
    "pages_due",
    "plain_events",
    "snapshot_key",
    "snapshot_rows",
    "stream_key",
    "utc_timestamp",
]

# the snapshots looked at, latest first, for one still valid
SNAPSHOT_CANDIDATES = 8
_ALL_STREAMS = "*"
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# pages are rebuilt once they miss this many events and a quarter of those they hold (see pages_due)
_PAGES_AT_LEAST = 20_000


class ReplayWindow(Protocol):
    """The part of a replay query the store answers (the projections' ReplayWindow fits it)."""

    @property
    def stream(self) -> str | None:
        """The stream replayed, or None for every stream."""
        ...

    @property
    def known_position(self) -> int:
        """The last position the replay knows."""
        ...

    @property
    def after_day(self) -> date | None:
        """Only events whose latest day is after this one, or None."""
        ...

    @property
    def until_day(self) -> date | None:
        """Only events whose latest day is on or before this one, or None."""
        ...

    @property
    def fold_fields_only(self) -> bool:
        """Whether the events need only the fields a fold reads (core.page_format._fold_fields), the rest left empty."""
        ...


@dataclass(frozen=True)
class Everything:
    """The replay window of every effective event known at a position: what the replay pages hold."""

    known_position: int
    stream: None = None
    after_day: None = None
    until_day: None = None
    fold_fields_only: bool = False


class LogReads(Protocol):
    """The reads a replay makes of a log, within one read of it (what `effective_batches` needs)."""

    def covered_through(self) -> int:
        """Return the through_position of the newest whole generation of replay pages (0 when there is none)."""
        ...

    def amendment_events(self, known_position: int, *, after_position: int = 0) -> list[RecordedEvent]:
        """Every correction and retraction at positions after_position..known_position, in position order."""
        ...

    def paged(
        self, window: PageWindow, through_position: int
    ) -> AbstractContextManager[Iterator[list[RecordedEvent]] | None]:
        """Yield the window's events of the generation that holds the log through a position (None: no longer whole)."""
        ...

    def body_batches(
        self, window: ReplayWindow, excluded: Collection[str], *, after_position: int = 0
    ) -> Iterator[list[RecordedEvent]]:
        """Yield the window's plain events after a position, from their bodies, in fold order, the excluded left out."""
        ...

    def events_by_id(self, ids: Collection[str]) -> list[RecordedEvent]:
        """Return the events with these ids, in position order."""
        ...


def effective_batches(reads: LogReads, window: ReplayWindow) -> Iterator[Sequence[RecordedEvent]]:
    """Yield a window's effective events in fold order, streamed, in batches (lists of a few thousand).

    Effective: every correction and retraction known at the window's position applied
    (events.amendments), the amendments themselves left out; the window's days and
    stream are those of the events as amended. The replay pages (core.pages) hold the
    effective events as known at their through_position: a window that knows that much
    reads them, with only the amendments recorded since to apply (their targets' copies
    left out, the amended forms slotted in) and the events recorded since read from their
    bodies. A window that knows less, or a log with no pages, reads every body it knows.
    Batches let a replay fold each one in a tight loop, with no generator between per event.
    """
    known = window.known_position
    through = reads.covered_through()  # the header alone: no page is read to learn it
    if 0 < through <= known:
        since = Amendments.collect(reads.amendment_events(known, after_position=through))
        targets = since.targets()
        amendments = Amendments.collect(reads.amendment_events(known)) if targets else since
        with reads.paged(page_window(window, targets), through) as pages:
            if pages is not None:  # else replaced by a rebuild since `through` was read: the bodies
                tail = reads.body_batches(window, targets, after_position=through) if known > through else ()
                plain = slotted_batches(pages, itertools.chain.from_iterable(tail))
                yield from _amended_slotted(reads, plain, window, amendments, targets)
                return
    amendments = Amendments.collect(reads.amendment_events(known))
    targets = amendments.targets()
    yield from _amended_slotted(reads, reads.body_batches(window, targets), window, amendments, targets)


def _amended_slotted(
    reads: LogReads,
    plain: Iterable[Sequence[RecordedEvent]],
    window: ReplayWindow,
    amendments: Amendments,
    targets: Collection[str],
) -> Iterable[Sequence[RecordedEvent]]:
    """Return batches with the targets' amended forms (those the window wants) slotted in by fold key."""
    if not targets:
        return plain
    stream, after_day, until_day = window.stream, window.after_day, window.until_day
    moved = [
        event
        for event in amended(reads.events_by_id(targets), amendments)
        if (stream is None or event.stream == stream)
        and event.position <= window.known_position
        and (after_day is None or event.latest > after_day)
        and (until_day is None or event.latest <= until_day)
    ]
    return slotted_batches(plain, sorted(moved, key=fold_key))


def plain_events(bodies: Iterable[str | bytes], excluded: Collection[str]) -> list[RecordedEvent]:
    """Return the events of stored bodies, those with an excluded id left out (an amendment's target)."""
    batch = list(map(from_body, bodies))
    return [event for event in batch if event.id not in excluded] if excluded else batch


def page_window(window: ReplayWindow, excluded: Collection[str]) -> PageWindow:
    """Return what a window asks of the replay pages, days as ISO text, leaving out the excluded ids."""
    after, until = window.after_day, window.until_day
    return PageWindow(
        window.stream,
        None if after is None else after.isoformat(),
        None if until is None else until.isoformat(),
        excluded,
        window.fold_fields_only,
    )


def pages_due(head: int, covered: int, at_least: int | None = None) -> bool:
    """Say whether the replay pages, holding the log through `covered`, are worth building again at `head`.

    By default once they miss 20,000 events and a quarter of those they hold: a rebuild
    reads every event, so it is done once the replays it speeds up would have paid for it.
    """
    return head - covered >= (max(_PAGES_AT_LEAST, covered // 4) if at_least is None else at_least)


def known_position(head: int, known_at: int | str | None, recorded_by: Callable[[str], int]) -> int:
    """Return the last position known at a timestamp or position (the head for None).

    recorded_by(timestamp): the last position recorded at or before it (0 when none was).
    """
    if known_at is None:
        return head
    if isinstance(known_at, int):
        return min(known_at, head)
    return recorded_by(known_at)


def utc_timestamp(moment: datetime) -> str:
    """Format a moment as the fixed-width UTC timestamp the log records."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(_TIMESTAMP_FORMAT)


# -- snapshots ---------------------------------------------------------------------------------


class SnapshotLike(Protocol):
    """What a snapshot store keeps of a snapshot (projections.engine.Snapshot fits it)."""

    @property
    def projection(self) -> str:
        """The projection the state is of."""
        ...

    @property
    def stream(self) -> str | None:
        """The stream folded, or None for every stream."""
        ...

    @property
    def version(self) -> str:
        """The fold's version: a snapshot of another fold is never read."""
        ...

    @property
    def position(self) -> int:
        """The last position the fold knew."""
        ...

    @property
    def day(self) -> date:
        """The day the state holds as of."""
        ...

    @property
    def state(self) -> Mapping[str, Any] | str | bytes:
        """The fold's state, as the projection encodes it."""
        ...


def stream_key(stream: str | None) -> str:
    """Return how the snapshots table names a stream (every stream: '*')."""
    return _ALL_STREAMS if stream is None else stream


def snapshot_key(projection: str, stream: str | None, version: str, position: int, day: str) -> tuple[str, ...]:
    """Return a snapshot's identity in the table, to know it again in memory."""
    return (projection, stream_key(stream), version, str(position), day)


def snapshot_rows(taken: Sequence[SnapshotLike]) -> list[dict[str, Any]]:
    """Return the rows of the snapshots table that keep these snapshots, created now."""
    created_at = utc_timestamp(datetime.now(UTC))
    return [
        {
            "projection": snapshot.projection,
            "stream": stream_key(snapshot.stream),
            "version": snapshot.version,
            "position": snapshot.position,
            "day": snapshot.day.isoformat(),
            "state": msgspec.json.encode(snapshot.state).decode(),  # structs as the projection declared them
            "created_at": created_at,
        }
        for snapshot in taken
    ]


class SnapshotReads(Protocol):
    """What choosing a snapshot reads, within one read of the log (KeptSnapshots)."""

    def candidates(
        self, projection: str, stream: str, version: str, known_position: int, day: str
    ) -> list[tuple[Any, int, str]]:
        """Return (id, position, day) of the latest SNAPSHOT_CANDIDATES snapshots at or before both, latest first."""
        ...

    def changed_since(self, stream: str | None, position: int, day: str, known_position: int) -> bool:
        """Say whether an amendment, or an event of the stream dated on or before day, came after position."""
        ...

    def state(self, snapshot_id: Any) -> str | bytes:
        """Return a snapshot's state as stored (JSON text, or its bytes)."""
        ...


class KeptSnapshots:
    """The snapshots kept beside a log (projections.engine.SnapshotStore): which one a replay may start from.

    How a snapshot is chosen, and the last one saved kept in memory, are decided here; a
    subclass reads (`_reading`) and writes (`_stored`) the snapshots table its own way.
    """

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        # the latest snapshot this process saved, by its identity in the table, with the answer of its day
        self._recent: dict[tuple[str, ...], Any] = {}

    def find_snapshot(
        self, projection: str, stream: str | None, version: str, known_position: int, day: date
    ) -> Any | None:
        """Return the latest still-valid snapshot at or before (known_position, day), its state decoded."""
        with self._reading() as reads:
            for snapshot_id, position, snapshot_day in reads.candidates(
                projection, stream_key(stream), version, known_position, day.isoformat()
            ):
                if known_position != position and reads.changed_since(stream, position, snapshot_day, known_position):
                    continue
                recent = self._recent.get(snapshot_key(projection, stream, version, position, snapshot_day))
                if recent is not None:
                    return recent
                # only the chosen snapshot's state is read and decoded: states can be large; not kept undecoded
                # either: the text would only spare a read, and at a million events weigh 50 MB
                return self._factory(
                    projection=projection,
                    stream=stream,
                    version=version,
                    position=position,
                    day=date.fromisoformat(snapshot_day),
                    state=reads.state(snapshot_id),  # the projection decodes its own states, in one typed pass
                )
        return None

    def save_snapshots(self, taken: Sequence[SnapshotLike]) -> None:
        """Store snapshots in one transaction, unless the cache is skipped; keep the last one in memory too."""
        rows = snapshot_rows(taken)
        if not rows or not self._stored(rows):
            return
        last = taken[-1]
        self._recent = {
            snapshot_key(last.projection, last.stream, last.version, last.position, last.day.isoformat()): last
        }

    def _reading(self) -> AbstractContextManager[SnapshotReads]:
        raise NotImplementedError

    def _stored(self, rows: list[dict[str, Any]]) -> bool:
        """Insert rows into the snapshots table; return False when the cache was skipped (read-only, or busy)."""
        raise NotImplementedError
