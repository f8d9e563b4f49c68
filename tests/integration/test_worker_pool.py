"""A worker pool's answers come in the order of the tasks, whether a worker or this process ran each."""

from __future__ import annotations

import time

import pytest

from core.workers import worker_pool


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
