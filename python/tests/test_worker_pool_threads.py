"""The threads pool: limits, outcomes and threads that do not outlive the call."""

import threading
import time

import pytest

from cookbook.outcome import Failed, Ok
from cookbook.worker_pool_threads import run_pool


def test_runs_workers_jobs_at_once_and_never_more() -> None:
    # Each job waits at a barrier for `workers` parties: the barrier opens only if the pool runs
    # exactly that many jobs at once, and breaks (failing the jobs) if it runs fewer.
    workers = 3
    barrier = threading.Barrier(workers, timeout=5)
    lock = threading.Lock()
    in_flight = peak = 0

    def job(n: int) -> int:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        barrier.wait()
        with lock:
            in_flight -= 1
        return n

    assert run_pool(range(3 * workers), workers, job) == [Ok(n) for n in range(3 * workers)]
    assert peak == workers


def test_outcomes_come_back_in_job_order() -> None:
    def slower_first(n: int) -> int:
        time.sleep((5 - n) / 1000)
        return n * n

    assert run_pool(range(5), 5, slower_first) == [Ok(n * n) for n in range(5)]


def test_a_failing_job_is_an_outcome_and_the_others_complete() -> None:
    error = ValueError("odd")

    def even_only(n: int) -> int:
        if n % 2:
            raise error
        return n

    outcomes = run_pool(range(6), 2, even_only)
    assert outcomes == [Ok(0), Failed(error), Ok(2), Failed(error), Ok(4), Failed(error)]


def test_no_jobs_gives_no_outcomes() -> None:
    assert run_pool([], 4, str) == []


@pytest.mark.parametrize("workers", [0, -1])
def test_rejects_fewer_than_one_worker(workers: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_pool([1], workers, str)


def test_leaves_no_thread_behind() -> None:
    before = set(threading.enumerate())
    run_pool(range(20), 4, lambda n: time.sleep(0.001))
    assert set(threading.enumerate()) == before
