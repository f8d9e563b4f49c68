"""Events after a position, optionally of one stream and one type, as they are appended: a live subscription.

A `Subscription` reads the log a page at a time through whatever runs work on
a timeline one caller at a time (the HTTP door keeps one such timeline for its
subscriptions): each read is short, and a subscriber that reads slowly only
falls behind in the log, which holds what it has not read yet. Between reads it sleeps until the process's `HeadWatcher`
says the head moved past what it has seen, or until a heartbeat is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Protocol, TypeVar

from core.watch import POLL_SECONDS, HeadWatcher
from errors import InputError, Location

if TYPE_CHECKING:
    from service.answers import LoggedEvent
    from service.timeline import Timeline

__all__ = ["DEFAULT_PAGE", "HeadWatcher", "Runner", "Subscription", "start_position", "watch"]

_T = TypeVar("_T")

# events read under the lock at a time: a backlog of a million is a thousand short reads, not one long one
DEFAULT_PAGE = 500


class Runner(Protocol):
    """What runs work on a timeline, one caller at a time (the HTTP door's shared timeline)."""

    def run(self, work: Callable[[Timeline], _T]) -> _T:
        """Run `work` on the timeline and return what it returns."""
        ...


def watch(url: str, *, poll_seconds: float = POLL_SECONDS) -> HeadWatcher:
    """Return a started watcher of the log's head at `url` (PostgreSQL: LISTEN; SQLite: the head polled)."""
    return HeadWatcher(url, poll_seconds=poll_seconds).start()


def start_position(timeline: Timeline, after: str | None, field: str = "after") -> int:
    """Return the position a subscription starts after: the head (None), a position, or the last recorded by a time.

    `after` is a log position (digits) or an ISO date or timestamp (UTC unless it says;
    a bare date means the end of that day): the position recorded by then.
    """
    from service.queries import parse_known_at

    if after is None:
        return timeline.head_position()
    try:
        bound = parse_known_at(after.strip())
    except InputError as error:
        raise error.placed(Location(field=field)) from None
    if isinstance(bound, int):
        return bound
    return timeline.store.known_position(bound)


def _closed(iterator: Iterator[object]) -> None:
    """Close a generator that may not have run to its end (its read transaction ends now)."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


class Subscription:
    """The events after a position (of one stream and type, if asked), a page at a time, as they are appended."""

    def __init__(
        self,
        runner: Runner,
        watcher: HeadWatcher,
        *,
        after: int,
        stream: str | None = None,
        type: str | None = None,
        page: int = DEFAULT_PAGE,
        heartbeat_seconds: float = 15.0,
    ) -> None:
        """Follow the log from after position `after`; a batch is at most `page` events; idle ticks every heartbeat."""
        self._runner, self._watcher = runner, watcher
        self.position = after  # the last event given (what a client resumes after)
        self.stream, self.type = stream, type
        self._page, self._heartbeat = page, heartbeat_seconds
        # every matching event up to here has been given: a head not past it needs no read
        self._scanned = after
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    @property
    def closed(self) -> bool:
        """Whether the subscription was closed (its batches end)."""
        return self._closed

    def check(self) -> None:
        """Refuse now, not once streaming, a type the log does not know (a stream with no events yet is waited for)."""
        if self.type is None:
            return
        self._runner.run(lambda timeline: _closed(timeline.log(type=self.type)))

    def read_page(self) -> list[LoggedEvent]:
        """Return the next events after the last one given (at most a page), under the runner, and move past them."""
        head = self._watcher.head
        since = max(self.position, self._scanned)

        def _read(timeline: Timeline) -> list[LoggedEvent]:
            if self.stream is not None and timeline.store.stream_version(self.stream) == 0:
                return []  # no event in that stream yet (asked cheaply: naming the streams there are reads them all)
            logged = timeline.log(stream=self.stream, type=self.type, since=since)
            try:
                return list(itertools.islice(logged, self._page))
            finally:
                _closed(logged)

        page = self._runner.run(_read)
        if page:
            self.position = page[-1].event.position
        if len(page) < self._page:
            # everything up to the head seen before reading was in that read (what came later may have been too)
            self._scanned = max(self._scanned, head, self.position)
        else:
            self._scanned = max(self._scanned, self.position)
        return page

    def close(self) -> None:
        """End the subscription: `batches` returns soon after (safe from any thread or a signal handler)."""
        self._closed = True
        self._woken()

    def _woken(self, _position: int = 0) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def batches(self) -> AsyncIterator[list[LoggedEvent]]:
        """Yield each page of new events as it is appended, and an empty list when a heartbeat is due.

        The reads run in a worker thread (the event loop never waits on the database);
        the wait between them wakes when the watcher sees the head move, or when closed.
        """
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        self._watcher.add_listener(self._woken)
        try:
            idle_since = self._loop.time()
            while not self._closed:
                self._wake.clear()
                page: list[LoggedEvent] = []
                if self._watcher.head > self._scanned or not self._watcher.running:
                    page = await asyncio.to_thread(self.read_page)
                if self._closed:
                    return
                if page:
                    yield page
                    idle_since = self._loop.time()
                    continue  # read on while the head is past what was read (a full page: more are waiting)
                left = idle_since + self._heartbeat - self._loop.time()
                if left <= 0:
                    yield []
                    idle_since = self._loop.time()
                    continue
                # without a running watcher (it failed), fall back to reading every poll interval
                timeout = left if self._watcher.running else min(left, POLL_SECONDS)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            self._watcher.remove_listener(self._woken)
