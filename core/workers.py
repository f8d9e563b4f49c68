"""Worker processes for the work that parallelises: parsing a long import, checking the hash chain in ranges."""

from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing.pool import Pool

__all__ = ["worker_pool", "worker_processes"]

# Worker processes never number more than this, however many cores there are.
_MAX_WORKERS = 4


def worker_processes(*, beside_this_one: bool) -> int:
    """Return how many worker processes a parallel task should use: one per usable core, at most four.

    beside_this_one: this process works too (so one core fewer is left for workers).
    """
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(_MAX_WORKERS, usable - 1 if beside_this_one else usable))


def worker_pool(processes: int) -> Pool:
    """Return a pool of worker processes (use it in a `with` block: leaving it stops them).

    Fork starts a worker in milliseconds and shares the imported modules (spawn where there is
    no fork); a worker never touches the connections it inherits. Workers ignore Ctrl-C: this
    process receives it too, and stops them as it unwinds.
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method).Pool(
        processes, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN)
    )
