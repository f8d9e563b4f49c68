"""Worker processes for the work that parallelises: parsing a long import, checking the hash chain in ranges.

A worker that dies (killed from outside, out of memory) can never leave this process waiting:
each worker talks to this process over a connection of its own, which no other process holds,
so its death ends the connection, even halfway through a message, and the task it held becomes
a WorkerDied error naming the task. (multiprocessing.Pool and ProcessPoolExecutor share one
result queue and its lock among their workers: a worker killed while sending holds the lock
and leaves half a message, and the pool waits forever.) Leaving the pool's block, however it
is left, stops every worker: none lingers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from errors import WorkerDied

__all__ = ["WorkerPool", "worker_pool", "worker_processes"]

# Worker processes never number more than this, however many cores there are.
_MAX_WORKERS = 4
# Seconds a worker is given to leave once told to (or once stopped), before it is killed.
_GRACE = 5.0

_Task = TypeVar("_Task")
_Result = TypeVar("_Result")

# This process's ends of its workers' connections: a worker started later by fork closes its copies,
# so that this process's death ends every worker's connection, and every worker.
_OUR_ENDS: list[Connection] = []
# Held from making a worker's connection until the worker has it alone, so that no other thread's
# fork copies the worker's end (which would keep the connection open after the worker dies).
_STARTING = threading.Lock()


def worker_processes(*, beside_this_one: bool) -> int:
    """Return how many worker processes a parallel task should use: one per usable core, at most four.

    beside_this_one: this process works too (so one core fewer is left for workers).
    """
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(_MAX_WORKERS, usable - 1 if beside_this_one else usable))


@dataclass(frozen=True)
class _Worker:
    process: BaseProcess
    connection: Connection


class WorkerPool:
    """Worker processes that run a function over tasks, each worker holding one task at a time.

    Fork starts a worker in milliseconds and shares the imported modules (spawn where there is no
    fork); a worker never touches the connections it inherits. Workers ignore Ctrl-C: this process
    receives it too, and stops them as it unwinds. Use it through worker_pool.
    """

    def __init__(
        self, processes: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
    ) -> None:
        """Start `processes` workers, each running initializer(*initargs) first (when given).

        Under fork the arguments are inherited, not pickled: a large read-only table costs nothing to hand over.
        """
        forks = "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork") if forks else multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        try:
            for _ in range(processes):
                with _STARTING:
                    ours, theirs = context.Pipe()
                    process = context.Process(
                        target=_serve, args=(theirs, initializer, initargs), name="dtl-worker", daemon=True
                    )
                    _OUR_ENDS.append(ours)  # the worker closes its copy of this end too
                    try:
                        process.start()
                    except BaseException:
                        _OUR_ENDS.remove(ours)
                        ours.close()
                        raise
                    finally:
                        theirs.close()  # only the worker holds its end: its death ends the connection
                self._workers.append(_Worker(process, ours))
        except BaseException:
            self.stop(at_once=True)
            raise

    def imap(
        self, function: Callable[[_Task], _Result], tasks: Iterable[_Task], describe: Callable[[_Task], str]
    ) -> Iterator[_Result]:
        """Yield function(task) for each task, in order, while the workers run the tasks after it.

        The tasks are taken as workers become free (never all at once). A task's exception is raised
        here; a worker that dies raises WorkerDied, naming its task as describe(task) puts it
        ("parsing lines 1-2000"). `function` must be a module-level function.
        """
        pending = iter(tasks)
        in_flight: deque[tuple[_Worker, _Task]] = deque()
        for worker in self._workers:
            for task in itertools.islice(pending, 1):  # the next task, if there is one
                self._send(worker, function, task, describe)
                in_flight.append((worker, task))
        while in_flight:
            worker, task = in_flight.popleft()
            result: _Result = self._receive(worker, task, describe)
            for following in itertools.islice(pending, 1):
                self._send(worker, function, following, describe)
                in_flight.append((worker, following))
            yield result

    def stop(self, *, at_once: bool) -> None:
        """Stop every worker and wait for it: told to leave, or at once (terminated, then killed)."""
        if not at_once:
            for worker in self._workers:
                with suppress(OSError):  # it is gone already
                    worker.connection.send(None)
        for worker in self._workers:
            if at_once and worker.process.is_alive():
                worker.process.terminate()
            worker.process.join(_GRACE)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(_GRACE)
            worker.connection.close()
            if worker.connection in _OUR_ENDS:
                _OUR_ENDS.remove(worker.connection)
        self._workers = []

    def _send(self, worker: _Worker, function: Callable[[Any], Any], task: Any, describe: Callable[[Any], str]) -> None:
        try:
            worker.connection.send((function, task))
        except OSError:
            raise self._died(worker, describe(task)) from None

    def _receive(self, worker: _Worker, task: Any, describe: Callable[[Any], str]) -> Any:
        try:
            succeeded, value = worker.connection.recv()
        except (EOFError, OSError):  # the worker died: before, while or instead of answering
            raise self._died(worker, describe(task)) from None
        if not succeeded:
            raise value
        return value

    def _died(self, worker: _Worker, doing: str) -> WorkerDied:
        worker.process.join(_GRACE)  # it has closed its end: it is dead or dying
        code = worker.process.exitcode
        if code is None:
            how = "it closed its connection"
        elif code < 0:
            how = f"signal {-code}"
            if -code in signal.valid_signals():
                how += f", {signal.Signals(-code).name}"
        else:
            how = f"exit status {code}"
        return WorkerDied(f"a worker process {doing} died ({how})")


@contextmanager
def worker_pool(
    processes: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> Iterator[WorkerPool]:
    """Start `processes` workers for a `with` block; leaving it stops them, at once if by an exception.

    Each worker runs initializer(*initargs) before its first task (see WorkerPool).
    """
    pool = WorkerPool(processes, initializer, initargs)
    try:
        yield pool
    except BaseException:  # an error, Ctrl-C, or a consumer that stopped iterating
        pool.stop(at_once=True)
        raise
    pool.stop(at_once=False)


def _serve(connection: Connection, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """Run tasks as they arrive, answering (True, result) or (False, exception), until told to leave."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for inherited in _OUR_ENDS:  # fork copied the parent's ends (this worker's too): the parent's death ends it
        inherited.close()
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if message is None:
            return
        function, task = message
        try:
            answer: tuple[bool, Any] = (True, function(task))
        except Exception as error:
            answer = (False, error)
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return
        except Exception as error:  # the answer does not pickle: say so instead
            connection.send((False, RuntimeError(f"a worker's answer could not be sent back: {error!r}")))
