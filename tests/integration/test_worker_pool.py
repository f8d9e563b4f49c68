"""A worker pool's answers come in the order of the tasks, whether a worker or this process ran each.

Its first tasks go out at once, and a task may wait for a value handed to every worker later (share).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.workers import shared, worker_pool


def _slowly(number: int) -> int:
    time.sleep(0.02)  # slower than this process: it runs tasks beside the worker
    return number * number


def test_this_process_runs_tasks_beside_a_slower_worker_and_every_answer_comes_in_order() -> None:
    ran_here: list[int] = []

    def here(number: int) -> int:
        ran_here.append(number)
        return number * number

    with worker_pool(1) as pool:
        answers = list(pool.imap(_slowly, range(30), str, here=here))
    assert answers == [number * number for number in range(30)]
    assert ran_here  # it did not only wait
    assert 0 not in ran_here  # the worker holds the first two tasks
    assert 1 not in ran_here
    assert ran_here == sorted(ran_here)


def test_an_error_of_a_task_run_here_is_raised_in_its_turn_after_the_answers_before_it() -> None:
    def here(number: int) -> int:
        if number == 3:
            raise ValueError("three")
        return number * number

    with worker_pool(1) as pool:
        answers = pool.imap(_slowly, range(10), str, here=here)
        before = [next(answers) for _ in range(3)]
        with pytest.raises(ValueError, match="three"):
            next(answers)
    assert before == [0, 1, 4]


def test_without_here_every_task_goes_to_the_workers() -> None:
    with worker_pool(2) as pool:
        assert list(pool.imap(_slowly, range(9), str)) == [number * number for number in range(9)]


def _with_shared(number: int) -> int:
    return number * shared("factor")


def _waiting_for_what_is_never_shared(_: int) -> int:
    return int(shared("never"))  # nobody shares it: the task waits until the worker is told to leave


def test_a_task_waits_for_a_value_shared_after_it_was_handed_out() -> None:
    with worker_pool(2) as pool:
        answers = pool.imap(_with_shared, range(8), str)  # the first tasks go out at once, and wait
        time.sleep(0.1)
        pool.share("factor", 3)
        assert list(answers) == [number * 3 for number in range(8)]


def test_the_first_tasks_are_handed_out_before_any_answer_is_asked_for(tmp_path: Path) -> None:
    marks = tmp_path / "started"

    def tasks() -> Iterator[str]:
        for number in range(4):
            yield str(marks / str(number))

    marks.mkdir()
    with worker_pool(2) as pool:
        answers = pool.imap(_touched, tasks(), str)
        deadline = time.monotonic() + 30
        while len(list(marks.iterdir())) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(path.name for path in marks.iterdir()) == ["0", "1", "2", "3"]  # two a worker
        assert list(answers) == [str(marks / str(number)) for number in range(4)]


def _touched(path: str) -> str:
    Path(path).touch()
    return path


def test_a_task_waiting_for_a_value_never_shared_ends_when_the_pool_stops() -> None:
    with worker_pool(1) as pool:
        pool.imap(_waiting_for_what_is_never_shared, range(1), str)  # handed out, never answered
        processes = [worker.process for worker in pool._workers]
    assert [process.exitcode for process in processes] == [0]  # it left when told, not killed after its grace
