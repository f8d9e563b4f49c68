"""GET /api/subscribe: the log's new events as Server-Sent Events, as they are appended anywhere.

Each event is sent as

    id: POSITION
    event: TYPE
    data: EVENT JSON (one line: the object `dtl log --json` lists)

after an opening comment; a comment `: heartbeat` goes out when nothing else
did for DTL_HEARTBEAT_SECONDS (default 15). Where to start: `after` is a log
position or an ISO date or timestamp (the last position recorded by then);
without it, the current head (only new events). A reconnecting EventSource
sends `Last-Event-ID`, which wins over `after`: it is where that client
really stopped.

One watcher per process follows the head (PostgreSQL NOTIFY, or SQLite's head
polled every 0.25 s) and wakes every subscription; each reads on its own, a
page at a time, through a timeline kept for the subscriptions (its own
connections and lock, not the door's): nothing an append does waits for a
subscriber, and a slow one only falls behind in the log. When the client goes away its subscription ends and the open-
subscriptions gauge goes down. On SIGTERM or SIGINT every subscription ends at
once (uvicorn waits for open responses before it stops, so they must end
first); when the application stops the watcher stops too.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import AsyncGenerator, Callable, Mapping
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from errors import InputError, Location
from service.subscriptions import HeadWatcher, Subscription, start_position, watch
from service.words import json_text
from web.auth import Caller, require
from web.door import SharedTimeline
from web.errors import DoorError
from web.metrics import Metrics
from web.models import ErrorDocument

if TYPE_CHECKING:
    from service.answers import LoggedEvent

__all__ = ["Subscriptions", "install", "router"]

# seconds between heartbeats unless DTL_HEARTBEAT_SECONDS says (DESIGN.md: at least every 15 s)
DEFAULT_HEARTBEAT = 15.0
# milliseconds an EventSource waits before it reconnects
_RETRY_MS = 2000
_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)

router = APIRouter(prefix="/api", responses={status: {"model": ErrorDocument} for status in (400, 401, 403, 503)})

_Handler = Callable[[int, FrameType | None], Any] | int | None


def _heartbeat(environ: Mapping[str, str]) -> float:
    """Return the seconds between heartbeats DTL_HEARTBEAT_SECONDS asks for (above 0, at most 15; default 15)."""
    given = environ.get("DTL_HEARTBEAT_SECONDS", "").strip()
    if not given:
        return DEFAULT_HEARTBEAT
    try:
        seconds = float(given)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= DEFAULT_HEARTBEAT:
        raise InputError(
            f"{given!r} is not a number of seconds above 0 and at most 15",
            Location(field="DTL_HEARTBEAT_SECONDS"),
            hint="set DTL_HEARTBEAT_SECONDS to how often an idle subscription gets a heartbeat, such as 15",
        )
    return seconds


class Subscriptions:
    """A server's open subscriptions, the one watcher of the log's head they share, and how they all end."""

    def __init__(self, url: str | None, metrics: Metrics, heartbeat_seconds: float) -> None:
        """Keep the subscriptions to the log at `url`, counted in `metrics`."""
        self.heartbeat_seconds = heartbeat_seconds
        # a timeline of their own, with its own lock: a subscriber's read never waits for a write, nor a write for
        # it (50 subscribers reading after each append behind the door's lock tripled an append's time)
        self.reader = SharedTimeline(url)
        self._metrics = metrics
        self._open: set[Subscription] = set()
        self._watcher: HeadWatcher | None = None
        self._lock = threading.Lock()
        self._closing = False
        self._chained: dict[int, _Handler] = {}

    @property
    def open(self) -> int:
        """How many subscriptions are open now."""
        return len(self._open)

    def watcher(self) -> HeadWatcher:
        """Return the process's watcher of the head, started on first use (call it in a worker thread)."""
        with self._lock:
            if self._watcher is None:
                url = self.reader.run(lambda timeline: timeline.url)
                self._watcher = watch(url)
            return self._watcher

    def close_all(self) -> None:
        """End every open subscription now, and any opened from now on (safe from a signal handler)."""
        self._closing = True
        for subscription in list(self._open):
            subscription.close()

    def stop(self) -> None:
        """End the subscriptions, stop the watcher and give the exit signals back (when the application stops)."""
        self.close_all()
        self._unchain_exit_signals()
        with self._lock:
            watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
        self.reader.close()

    async def stream(self, subscription: Subscription) -> AsyncGenerator[str, None]:
        """Yield the subscription's Server-Sent Events text, counted open until it ends however it ends."""
        self._chain_exit_signals()
        self._open.add(subscription)
        self._metrics.subscriptions.inc()
        try:
            if self._closing:
                subscription.close()
            yield f"retry: {_RETRY_MS}\n: subscribed after position {subscription.position}\n\n"
            async for batch in subscription.batches():
                yield "".join(_event_frame(item) for item in batch) if batch else ": heartbeat\n\n"
        finally:
            subscription.close()
            self._open.discard(subscription)
            self._metrics.subscriptions.dec()

    def _chain_exit_signals(self) -> None:
        """Have SIGINT and SIGTERM end the subscriptions, then do what they did (uvicorn's graceful stop)."""
        if self._chained or threading.current_thread() is not threading.main_thread():
            return  # signals are the main thread's: an in-process test client runs the app elsewhere
        for number in _EXIT_SIGNALS:
            previous: _Handler = signal.getsignal(number)
            self._chained[number] = previous
            signal.signal(number, self._on_exit_signal)

    def _on_exit_signal(self, number: int, frame: FrameType | None) -> None:
        self.close_all()
        previous = self._chained.get(number)
        if callable(previous):
            previous(number, frame)
        elif previous == signal.SIG_DFL:
            signal.signal(number, signal.SIG_DFL)
            signal.raise_signal(number)

    def _unchain_exit_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for number, previous in self._chained.items():
            if signal.getsignal(number) == self._on_exit_signal:
                signal.signal(number, previous)
        self._chained.clear()


def _event_frame(item: LoggedEvent) -> str:
    event = item.event
    return f"id: {event.position}\nevent: {event.type}\ndata: {json_text(item.to_json())}\n\n"


class _EventStream(StreamingResponse):
    """A streamed response whose generator is closed as soon as the response ends, however it ends."""

    body_iterator: AsyncGenerator[str, None]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.body_iterator.aclose()


def install(app: FastAPI) -> None:
    """Add GET /api/subscribe to the application, and end its subscriptions and watcher when it stops."""
    subscriptions = Subscriptions(app.state.settings.url, app.state.metrics, _heartbeat(os.environ))
    app.state.subscriptions = subscriptions
    app.state.on_shutdown.append(subscriptions.stop)
    app.include_router(router)


def _resume_position(last_event_id: str | None) -> str | None:
    """Return the position a reconnecting client sent, refusing anything but one."""
    if last_event_id is None or not last_event_id.strip():
        return None
    given = last_event_id.strip()
    if not (given.isascii() and given.isdigit()):
        raise DoorError(
            400,
            f"Last-Event-ID {given[:40]!r} is not a log position",
            hint="send the id of the last event received, or leave Last-Event-ID out and give after",
        )
    return given


@router.get(
    "/subscribe",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "the events"}},
    summary="New events as they are appended (Server-Sent Events)",
)
async def subscribe(
    request: Request,
    _: Annotated[Caller, Depends(require("reader", read=True))],
    after: Annotated[
        str | None,
        Query(description="Start after this log position, or after what was recorded by this ISO time (default: now)."),
    ] = None,
    stream: Annotated[str | None, Query(description="Only this stream.")] = None,
    type: Annotated[str | None, Query(description="Only this event type.")] = None,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", description="Resume after this position (wins over after).")
    ] = None,
) -> StreamingResponse:
    """Stream each event appended after a position as `id`, `event` and `data`, with a heartbeat while idle."""
    subscriptions: Subscriptions = request.app.state.subscriptions
    reader = subscriptions.reader
    resume = _resume_position(last_event_id)
    start = resume if resume is not None else after
    position = await run_in_threadpool(reader.run, lambda timeline: start_position(timeline, start))
    watcher = await run_in_threadpool(subscriptions.watcher)
    subscription = Subscription(
        reader, watcher, after=position, stream=stream, type=type, heartbeat_seconds=subscriptions.heartbeat_seconds
    )
    await run_in_threadpool(subscription.check)
    return _EventStream(subscriptions.stream(subscription), media_type="text/event-stream", headers=_HEADERS)
