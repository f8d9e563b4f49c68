"""Worker processes for the work that parallelises: parsing a long import, checking the hash chain in ranges.

Each worker holds up to two tasks: the one it runs and the next, which a thread of the worker
reads as soon as it is sent, while another thread sends the answers back as they are ready. A
worker thus never waits for this process between tasks (with one task at a time, a worker that
finished first sat idle until this process had taken in the answer before, about a fifth of
a long import's time). Tasks go over one pipe and answers come back over another, each made
large enough to hold a whole task or answer where the system lets it (about 1 MB): a writer
then hands over a message in one step, without waiting for the reader to take it in pieces.

A worker that dies (killed from outside, out of memory) can never leave this process waiting:
each worker talks to this process over pipes of its own, which no other process holds, so its
death ends them, even halfway through a message, and the task it held becomes a WorkerDied
error naming the task. (multiprocessing.Pool and ProcessPoolExecutor share one
result queue and its lock among their workers: a worker killed while sending holds the lock
and leaves half a message, and the pool waits forever.) Leaving the pool's block, however it
is left, stops every worker: none lingers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, NamedTuple, TypeVar

from errors import WorkerDied

__all__ = ["WorkerLeaving", "WorkerPool", "shared", "worker_pool", "worker_processes"]

# Worker processes never number more than this, however many cores there are.
_MAX_WORKERS = 4
# Seconds a worker is given to leave once told to (or once stopped), before it is killed.
_GRACE = 5.0
# Tasks a worker holds at once: the one it runs and the next, read while it runs.
_TASKS_HELD = 2
# Seconds a worker's running thread holds the interpreter while its reader or sender waits for it.
_SWITCH_INTERVAL = 0.0002
# Bytes each pipe to or from a worker is asked to hold: a task or an answer of an import is 0.6-0.9 MB.
# Linux lets any process make a pipe this large; a pipe holds 64 KiB by default, and the socket pair
# used before about 200 KiB: a task went over in steps, each waiting for the worker's reader thread.
_PIPE_BYTES = 1 << 20

_Task = TypeVar("_Task")
_Result = TypeVar("_Result")

# This process's ends of its workers' pipes: a worker started later by fork closes its copies,
# so that this process's death ends every worker's pipes, and every worker.
_OUR_ENDS: list[Connection] = []
# Held from making a worker's pipes until the worker has its ends alone, so that no other thread's
# fork copies them (which would keep them open after the worker dies).
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
    tasks: Connection  # this process writes the tasks
    answers: Connection  # and reads the answers

    @property
    def ends(self) -> tuple[Connection, Connection]:
        return self.tasks, self.answers


def _pipes(context: Any) -> tuple[tuple[Connection, Connection], tuple[Connection, Connection]]:
    """Return a worker's two pipes, as (this process's ends: tasks, answers) and (the worker's: tasks, answers)."""
    task_reader, task_writer = context.Pipe(duplex=False)
    answer_reader, answer_writer = context.Pipe(duplex=False)
    for end in (task_writer, answer_writer):
        _widen(end)
    return (task_writer, answer_reader), (task_reader, answer_writer)


def _widen(end: Connection) -> None:
    """Ask that a pipe hold _PIPE_BYTES; where the system refuses (or has no such call) it keeps its size."""
    if sys.platform != "linux":
        return
    import fcntl

    with suppress(OSError):  # above the system's limit (fs.pipe-max-size): the pipe works as it is
        fcntl.fcntl(end.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


class WorkerPool:
    """Worker processes that run a function over tasks, each worker holding at most two tasks at a time.

    Fork starts a worker in milliseconds and shares the imported modules (spawn where there is no
    fork); a worker never touches the pipes it inherits. Workers ignore Ctrl-C: this process
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
                    ours, theirs = _pipes(context)
                    process = context.Process(
                        target=_serve, args=(*theirs, initializer, initargs), name="dtl-worker", daemon=True
                    )
                    _OUR_ENDS.extend(ours)  # the worker closes its copies of these ends too
                    try:
                        process.start()
                    except BaseException:
                        for end in ours:
                            _OUR_ENDS.remove(end)
                            end.close()
                        raise
                    finally:
                        for end in theirs:
                            end.close()  # only the worker holds its ends: its death ends the pipes
                self._workers.append(_Worker(process, *ours))
        except BaseException:
            self.stop(at_once=True)
            raise

    def imap(
        self,
        function: Callable[[_Task], _Result],
        tasks: Iterable[_Task],
        describe: Callable[[_Task], str],
        *,
        here: Callable[[_Task], _Result] | None = None,
    ) -> Iterator[_Result]:
        """Yield function(task) for each task, in order, while the workers run the tasks after it.

        The tasks are taken as workers take them in (never all at once: at most two a worker). A
        task's exception is raised here, in its turn; a worker that dies raises WorkerDied, naming
        the tasks it held as describe(task) puts each ("parsing lines 1-2000"). `function` must be
        a module-level function.

        here: what this process runs on the next task itself, rather than wait for an answer that is
        not in yet (at most two tasks ahead): when the workers are the slower side, this process
        works beside them instead of waiting (`function` as this process can run it).

        The first tasks are handed out at once, before the first answer is asked for: the workers
        start while this process does something else.
        """
        pending = iter(tasks)
        # oldest first: the worker running each task, or None and the outcome of a task run here
        in_flight: deque[tuple[_Worker | None, _Task, tuple[bool, Any] | None]] = deque()
        try:
            for _ in range(_TASKS_HELD):  # in turn, so that a short input is shared among the workers
                for each in self._workers:
                    for task in itertools.islice(pending, 1):  # the next task, if there is one
                        self._hand(each, function, task, in_flight)
        except _Gone as gone:
            raise self._died_holding(gone.worker, in_flight, describe) from None
        return self._answers(function, pending, in_flight, describe, here)

    def share(self, name: str, value: Any) -> None:
        """Hand every worker a value, which its tasks take with `shared(name)` (waiting for it until it comes).

        A worker that has died meanwhile is passed over: asking for its answers says so.
        """
        for worker in self._workers:
            with suppress(_Gone):
                self._post(worker, _Shared(name, value))

    def _answers(
        self,
        function: Callable[[_Task], _Result],
        pending: Iterator[_Task],
        in_flight: deque[tuple[_Worker | None, _Task, tuple[bool, Any] | None]],
        describe: Callable[[_Task], str],
        here: Callable[[_Task], _Result] | None,
    ) -> Iterator[_Result]:
        try:
            yield from self._in_order(function, pending, in_flight, here)
        except _Gone as gone:
            raise self._died_holding(gone.worker, in_flight, describe) from None

    def _died_holding(
        self,
        worker: _Worker,
        in_flight: deque[tuple[_Worker | None, _Task, tuple[bool, Any] | None]],
        describe: Callable[[_Task], str],
    ) -> WorkerDied:
        # it died holding these (its answer to the first not in): which one it was running cannot be told
        held = [task for each, task, _ in in_flight if each is worker]
        return self._died(worker, " and ".join(map(describe, held)))

    def _in_order(
        self,
        function: Callable[[_Task], _Result],
        pending: Iterator[_Task],
        in_flight: deque[tuple[_Worker | None, _Task, tuple[bool, Any] | None]],
        here: Callable[[_Task], _Result] | None,
    ) -> Iterator[_Result]:
        run_here = 0  # tasks run here whose turn has not come
        while in_flight:
            worker, _, outcome = in_flight[0]
            if worker is None:
                assert outcome is not None
                in_flight.popleft()
                run_here -= 1
                succeeded, value = outcome
                if not succeeded:
                    raise value
                yield value
                continue
            while here is not None and run_here < _TASKS_HELD and not self._answered(worker):
                following = next(pending, _NO_TASK)
                if following is _NO_TASK:
                    break
                in_flight.append((None, following, _outcome(here, following)))
                run_here += 1
            result: _Result = self._receive(worker)
            in_flight.popleft()
            for following in itertools.islice(pending, 1):
                self._hand(worker, function, following, in_flight)
            yield result

    @staticmethod
    def _answered(worker: _Worker) -> bool:
        """Say whether a worker's next answer has begun to arrive (or its connection has ended)."""
        try:
            return worker.answers.poll()
        except (EOFError, OSError):
            return True  # receiving says how it died

    def stop(self, *, at_once: bool) -> None:
        """Stop every worker and wait for it: told to leave, or at once (terminated, then killed)."""
        if not at_once:
            for worker in self._workers:
                with suppress(OSError):  # it is gone already
                    worker.tasks.send(None)
        for worker in self._workers:
            if at_once and worker.process.is_alive():
                worker.process.terminate()
            worker.process.join(_GRACE)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(_GRACE)
            for end in worker.ends:
                end.close()
                if end in _OUR_ENDS:
                    _OUR_ENDS.remove(end)
        self._workers = []

    def _hand(
        self,
        worker: _Worker,
        function: Callable[[Any], Any],
        task: Any,
        in_flight: deque[tuple[_Worker | None, Any, tuple[bool, Any] | None]],
    ) -> None:
        """Send a worker a task, noting it among those in flight (first: if it dies, it held this one)."""
        in_flight.append((worker, task, None))
        self._post(worker, (function, task))

    def _post(self, worker: _Worker, message: Any) -> None:
        try:
            worker.tasks.send(message)
        except OSError:
            raise _Gone(worker) from None

    def _receive(self, worker: _Worker) -> Any:
        try:
            succeeded, value = worker.answers.recv()
        except (EOFError, OSError):  # the worker died: before, while or instead of answering
            raise _Gone(worker) from None
        if not succeeded:
            raise value
        return value

    def _died(self, worker: _Worker, doing: str) -> WorkerDied:
        worker.process.join(_GRACE)  # it has closed its end: it is dead or dying
        code = worker.process.exitcode
        if code is None:
            how = "it closed its pipes"
        elif code < 0:
            how = f"signal {-code}"
            if -code in signal.valid_signals():
                how += f", {signal.Signals(-code).name}"
        else:
            how = f"exit status {code}"
        return WorkerDied(f"a worker process {doing} died ({how})")


_NO_TASK: Any = object()


class _Shared(NamedTuple):
    """A value this process hands every worker (WorkerPool.share): the worker keeps it on arrival, not as a task."""

    name: str
    value: Any


class WorkerLeaving(Exception):
    """Raised in a worker's task that waits for a shared value the parent will never send: it is gone, or stopping."""


# In a worker process: the values its parent shared, by name, and a condition set when one arrives or none
# ever will (made when the worker starts: a worker's copy of its parent's would be a copy of a lock it may hold).
_shared: dict[str, Any] = {}
_shared_arrived: threading.Condition | None = None
_LEFT = object()  # under its own key in _shared: the parent said to leave, or is gone


def shared(name: str) -> Any:
    """In a worker: return the value the parent shared under this name, waiting for it (WorkerLeaving: never)."""
    assert _shared_arrived is not None, "shared() is for a worker's tasks"
    with _shared_arrived:
        while name not in _shared:
            if _LEFT in _shared:
                raise WorkerLeaving(f"the value {name!r} was never shared")
            _shared_arrived.wait()
        return _shared[name]


def _keep(key: Any, value: Any) -> None:
    assert _shared_arrived is not None
    with _shared_arrived:
        _shared[key] = value
        _shared_arrived.notify_all()


class _Gone(Exception):
    """A worker's connection ended: it died."""

    def __init__(self, worker: _Worker) -> None:
        super().__init__(worker)
        self.worker = worker


def _outcome(function: Callable[[_Task], _Result], task: _Task) -> tuple[bool, Any]:
    """Run a task here: (True, result), or (False, its exception), kept for when its turn comes."""
    try:
        return True, function(task)
    except Exception as error:
        return False, error


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


def _serve(
    tasks_in: Connection,
    answers_out: Connection,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
    """Run tasks as they arrive, answering (True, result) or (False, exception), until told to leave.

    A thread reads the tasks as they come and another sends the answers: this one only runs them.
    """
    global _shared_arrived
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for inherited in _OUR_ENDS:  # fork copied the parent's ends (this worker's too): the parent's death ends it
        inherited.close()
    _shared.clear()
    _shared_arrived = threading.Condition()
    if initializer is not None:
        initializer(*initargs)
    # the threads move a message a buffer at a time, each time waiting for this one to let go of the
    # interpreter: at the default 5 ms a wait, a 1 MB task took 70 ms to arrive
    sys.setswitchinterval(_SWITCH_INTERVAL)
    tasks: queue.SimpleQueue[tuple[Callable[[Any], Any], Any] | None] = queue.SimpleQueue()
    answers: queue.SimpleQueue[tuple[bool, Any] | None] = queue.SimpleQueue()
    threading.Thread(target=_read_tasks, args=(tasks_in, tasks), daemon=True).start()
    sender = threading.Thread(target=_send_answers, args=(answers_out, answers), daemon=True)
    sender.start()
    try:
        while (message := tasks.get()) is not None:
            function, task = message
            try:
                answers.put((True, function(task)))
            except Exception as error:
                answers.put((False, error))
    finally:
        answers.put(None)
        sender.join()


def _read_tasks(connection: Connection, tasks: queue.SimpleQueue[tuple[Callable[[Any], Any], Any] | None]) -> None:
    """Queue each task as it arrives, keeping what is shared; queue None once told to leave, or the parent is gone."""
    try:
        while (message := connection.recv()) is not None:
            if type(message) is _Shared:
                _keep(message.name, message.value)
            else:
                tasks.put(message)
    except (EOFError, OSError):
        pass  # the parent is gone
    _keep(_LEFT, True)  # a task waiting for a value gives up
    tasks.put(None)


def _send_answers(connection: Connection, answers: queue.SimpleQueue[tuple[bool, Any] | None]) -> None:
    """Send each answer as it is ready, in order, until None."""
    while (answer := answers.get()) is not None:
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return  # the parent is gone
        except Exception as error:  # the answer does not pickle: say so instead
            connection.send((False, RuntimeError(f"a worker's answer could not be sent back: {error!r}")))
