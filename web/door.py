"""One timeline per server process, kept warm, and the one lock every question and write takes.

Why a lock. FastAPI runs the routes (plain functions) in a thread pool, and
`service.Timeline` was built for one caller at a time: it opens its store and
builds its replayer on first use (two threads could build two), the replay
and the write pause Python's cyclic garbage collector with a process-wide
switch that two threads interleaving can leave off for good, and the source
and snapshot caches are plain attributes replaced without a lock. The
database engines themselves are thread-safe (SQLAlchemy's pool; SQLite opened
with check_same_thread off) and the write lock is the database's. So every
call into the timeline holds one `threading.Lock`. It costs little: a warm
replay is pure Python under the GIL, so two threads would not answer faster
than one, and the lock is never held while a request body arrives (a body is
read first, then handed over whole). A long import does keep this process's
readers waiting; `dtl serve --workers N` runs N processes, each with its own
timeline and lock, over the same log.

Measured on the example log (49 events; GET /api/state?as_of=2025-03-17, warm,
one in-process client, token checked, 300 requests on a shared 2-CPU machine):
p50 8.9 ms, p99 19.5 ms; on the 30-event fixture log p50 4.9 ms.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from service.timeline import Timeline

__all__ = ["SharedTimeline"]

_log = logging.getLogger("dtl.web")

_T = TypeVar("_T")


class SharedTimeline:
    """The process's timeline, built on first use and asked one question at a time."""

    def __init__(self, url: str | None) -> None:
        self._url = url
        self._timeline: Timeline | None = None
        self._lock = threading.Lock()
        # the caches a question left (snapshots, replay pages) are saved by this thread once the answer is out
        self._saver: ThreadPoolExecutor | None = None

    def _built(self) -> Timeline:
        if self._timeline is None:
            from service.timeline import Timeline

            self._timeline = Timeline(self._url)
        return self._timeline

    def run(self, work: Callable[[Timeline], _T]) -> _T:
        """Run `work` on the timeline, alone: no other thread of this process uses it meanwhile."""
        with self._lock:
            answer = work(self._built())
            if self._saver is None:
                self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dtl-snapshots")
            # submitted under the lock, so close() cannot shut the saver down in between
            self._saver.submit(self._save_caches)
        return answer

    def _save_caches(self) -> None:
        try:
            with self._lock:
                if self._timeline is not None:
                    self._timeline.save_caches()
        except Exception:  # a cache not saved is no request's failure: say so and go on
            _log.exception("the caches could not be saved")

    def close(self) -> None:
        """Save what waits and release the database connections (a later question opens them again)."""
        with self._lock:
            saver, self._saver = self._saver, None
        if saver is not None:
            saver.shutdown(wait=True)
        with self._lock:
            if self._timeline is not None:
                self._timeline.close()
                self._timeline = None
