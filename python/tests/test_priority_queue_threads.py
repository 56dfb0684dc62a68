"""The threads priority queue: urgency, ties in push order without comparing jobs, retries behind
the queue, attempts, the bound on workers, and no thread left behind."""

import threading
from collections.abc import Iterator

import pytest

from cookbook.outcome import Failed, Ok
from cookbook.priority_queue_threads import run_by_priority
from tests.test_priority_queue import Job


class Log:
    """Attempts in the order they start; the first holds its worker until the rest are pushed."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    def attempt(self, job: Job, number: int) -> str:
        self.started.append((job.name, number))
        if len(self.started) == 1:
            self.holding.set()
            assert self.release.wait(timeout=5)
        if number <= job.fails:
            raise ValueError(f"{job.name} failed")
        return job.name


def while_the_first_runs(log: Log, first: Job, rest: list[tuple[int, Job]]) -> None:
    def arrivals() -> Iterator[tuple[int, Job]]:
        yield 0, first
        assert log.holding.wait(timeout=5)  # a worker holds `first`: the rest queue up
        yield from rest
        log.release.set()

    run_by_priority(arrivals(), 1, log.attempt, max_attempts=3)


def test_the_most_urgent_job_waiting_starts_next() -> None:
    log = Log()
    while_the_first_runs(log, Job("a"), [(5, Job("b")), (5, Job("c")), (1, Job("urgent"))])
    assert [name for name, _ in log.started] == ["a", "urgent", "b", "c"]


def test_ties_start_in_push_order_and_the_jobs_are_never_compared() -> None:
    log = Log()
    while_the_first_runs(log, Job("first"), [(2, Job(name)) for name in "qwerty"])
    assert [name for name, _ in log.started] == ["first", *"qwerty"]


def test_a_retry_goes_back_less_urgent_behind_the_jobs_waiting_there() -> None:
    log = Log()
    flaky = Job("flaky", fails=1)
    while_the_first_runs(log, Job("first"), [(1, flaky), (2, Job("two")), (1, Job("one"))])
    assert log.started == [("first", 1), ("flaky", 1), ("one", 1), ("two", 1), ("flaky", 2)]


def test_a_job_that_keeps_failing_ends_after_its_last_attempt() -> None:
    log = Log()
    log.release.set()
    doomed = Job("doomed", fails=100)
    [done] = run_by_priority([(0, doomed)], 2, log.attempt, max_attempts=3)
    assert (done.job, done.attempts) == (doomed, 3)
    assert isinstance(done.outcome, Failed)


def test_never_more_attempts_at_once_than_workers_and_no_thread_left() -> None:
    before = set(threading.enumerate())
    workers = 3
    # Each attempt waits for `workers` parties: the barrier opens only if that many run at once,
    # and breaks (failing the attempt) if fewer do.
    barrier = threading.Barrier(workers, timeout=5)
    lock = threading.Lock()
    running = peak = 0

    def attempt(job: int, number: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        barrier.wait()
        with lock:
            running -= 1
        return job

    finished = run_by_priority([(n % 4, n) for n in range(9)], workers, attempt, max_attempts=1)
    assert sorted(done.job for done in finished) == list(range(9))
    assert all(isinstance(done.outcome, Ok) for done in finished)
    assert peak == workers
    assert set(threading.enumerate()) == before


@pytest.mark.parametrize("workers", [1, 4])
def test_no_jobs_ends_at_once(workers: int) -> None:
    assert run_by_priority([], workers, lambda job, number: job, max_attempts=2) == []
