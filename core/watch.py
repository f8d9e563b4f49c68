"""What tells a process that the log's head moved: PostgreSQL's NOTIFY, or the head read again and again.

One `HeadWatcher` per process, shared by everyone waiting for new events (the
subscriptions of a server). It follows the head in a background thread of its
own and tells its listeners the new last position; nothing an append does waits
for it.

- PostgreSQL: every append transaction sends `NOTIFY dtl_appended, 'SCHEMA POSITION'`
  (core.recorder), delivered when it commits. The watcher keeps one dedicated
  connection (autocommit) that LISTENs on that channel and keeps only its own
  schema's payloads (several logs may share a database, one per schema). If
  that connection is lost (PostgreSQL restarting), it polls the head meanwhile
  and listens again as soon as it can, reading the head once on reconnecting
  for what it missed.
- SQLite sends nothing: the head is read every `poll_seconds` (0.25 s).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.recorder import APPENDED_CHANNEL
from errors import TimelineError

if TYPE_CHECKING:
    from core.store import EventStore

__all__ = ["POLL_SECONDS", "HeadWatcher"]

_log = logging.getLogger("dtl.watch")

# how often the head is read where nothing announces appends (SQLite, or PostgreSQL while its listener is away)
POLL_SECONDS = 0.25
# how long a listening connection waits for a notification before it looks whether it should stop
_LISTEN_SLICE = 0.25
# after losing the listening connection: poll this long before trying to listen again
_RECONNECT_SECONDS = 2.0
# a listening connection that heard nothing this long asks PostgreSQL whether it is still there
_PROBE_SECONDS = 10.0
# libpq keepalives: a silently dead connection is noticed within about half a minute
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}

Listener = Callable[[int], None]


class HeadWatcher:
    """Follows the log's last position in a background thread and tells each listener when it moves."""

    def __init__(self, url: str, *, poll_seconds: float = POLL_SECONDS) -> None:
        """Watch the log at `url`; `poll_seconds` is how often the head is read where nothing announces appends."""
        self.url = url
        self.poll_seconds = poll_seconds
        self._head = 0
        self._listening = False
        self._backend_pid: int | None = None
        self._listeners: list[Listener] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what callers see ------------------------------------------------------------------------

    @property
    def head(self) -> int:
        """The last position seen (0 until the first read)."""
        with self._changed:
            return self._head

    @property
    def listening(self) -> bool:
        """Whether appends are announced to this watcher now (PostgreSQL's listener is up), rather than polled."""
        return self._listening

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL process serving the listening connection while it is up (what an operator sees)."""
        return self._backend_pid if self._listening else None

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(position)` from the watcher's thread each time the head moves (it must not block)."""
        with self._changed:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling `listener` (nothing happens if it was not added)."""
        with self._changed:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def wait_beyond(self, position: int, timeout: float) -> int:
        """Block until the head is past `position` or `timeout` seconds passed (or the watcher stops); return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._head <= position and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return self._head

    # -- starting and stopping -------------------------------------------------------------------

    def start(self) -> HeadWatcher:
        """Start following the head in a daemon thread (once; later calls do nothing) and return the watcher."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dtl-head-watcher", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait up to `timeout` seconds for it to close its connections."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the watcher's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    # -- the thread ------------------------------------------------------------------------------

    def _moved(self, position: int) -> None:
        """Record a head seen; tell the listeners when it is past the last one."""
        with self._changed:
            if position <= self._head:
                return
            self._head = position
            listeners = list(self._listeners)
            self._changed.notify_all()
        for listener in listeners:
            try:
                listener(position)
            except Exception:  # a listener's bug must not stop the others being told
                _log.exception("a listener of the log's head failed")

    def _run(self) -> None:
        from core.store import EventStore

        store: EventStore | None = None
        try:
            store = EventStore.open(self.url)
            self._read_head(store)
            postgres = store.database.dialect == "postgresql"
            while not self._stopping.is_set():
                if postgres:
                    try:
                        self._listen(store)
                    except Exception as error:  # the connection was lost or refused: poll meanwhile
                        self._listening = False
                        _log.warning(
                            "listening for appends failed (%s); reading the head instead", type(error).__name__
                        )
                    self._poll(store, time.monotonic() + _RECONNECT_SECONDS)
                else:
                    self._poll(store, float("inf"))
        except Exception:
            _log.exception("the watcher of the log's head stopped")
        finally:
            self._listening = False
            if store is not None:
                store.close()

    def _read_head(self, store: EventStore) -> None:
        try:
            position, _ = store.head()
        except TimelineError as error:  # the database is away for now: try again at the next poll
            _log.debug("reading the head failed: %s", error)
            return
        self._moved(position)

    def _poll(self, store: EventStore, until: float) -> None:
        while not self._stopping.is_set() and time.monotonic() < until:
            self._read_head(store)
            self._stopping.wait(self.poll_seconds)

    def _listen(self, store: EventStore) -> None:
        """LISTEN on a connection of its own until stopped; raise when the connection fails."""
        import psycopg

        with psycopg.connect(**self._connect_arguments(), autocommit=True) as connection:
            schema_row = connection.execute("SELECT current_schema()").fetchone()
            schema = None if schema_row is None else str(schema_row[0])
            connection.execute(f"LISTEN {APPENDED_CHANNEL}")
            self._backend_pid = connection.info.backend_pid
            self._listening = True
            self._read_head(store)  # what was appended while nobody listened
            heard = time.monotonic()
            while not self._stopping.is_set():
                for notice in connection.notifies(timeout=_LISTEN_SLICE):
                    heard = time.monotonic()
                    named, _, position = notice.payload.rpartition(" ")
                    if named == schema and position.isdigit():
                        self._moved(int(position))
                if time.monotonic() - heard > _PROBE_SECONDS:
                    connection.execute("SELECT 1")  # raises if PostgreSQL went away without a word
                    heard = time.monotonic()

    def _connect_arguments(self) -> dict[str, Any]:
        """Return psycopg's keyword arguments for this URL (host, database, user, options such as search_path)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        _, arguments = url.get_dialect()().create_connect_args(url)
        return {"connect_timeout": 5, "application_name": "timeline head watcher", **_KEEPALIVES, **arguments}
