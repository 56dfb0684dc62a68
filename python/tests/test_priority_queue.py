"""The asyncio priority queue: urgency, ties in push order without comparing jobs, no preemption,
retries behind the queue, attempts, late jobs, cancellation, and virtual time."""

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

import pytest

from cookbook.outcome import Failed, Ok
from cookbook.priority_queue import Finished, run_by_priority
from tests.test_worker_pool import VirtualTimeLoop, settle


class Job:
    """A job with no ordering of its own: comparing two of them raises TypeError."""

    def __init__(self, name: str, fails: int = 0) -> None:
        self.name = name
        self.fails = fails

    def __repr__(self) -> str:
        return self.name


T = TypeVar("T")


async def pushed(entries: Iterable[tuple[int, T]]) -> AsyncIterator[tuple[int, T]]:
    for entry in entries:
        yield entry


class Log:
    """Attempts in the order they start; the first job can be held until `release` is set."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def attempt(self, job: Job, number: int) -> str:
        self.started.append((job.name, number))
        if len(self.started) == 1:
            self.holding.set()
            await self.release.wait()
        await asyncio.sleep(0)
        if number <= job.fails:
            raise ValueError(f"{job.name} failed")
        return job.name


async def while_the_first_runs(log: Log, first: Job, rest: list[tuple[int, Job]]) -> None:
    """Push `first`, wait until a worker holds it, then push `rest`, so that their order is the
    queue's to decide."""

    async def arrivals() -> AsyncIterator[tuple[int, Job]]:
        yield 0, first
        await log.holding.wait()
        for entry in rest:
            yield entry

    run = asyncio.create_task(run_by_priority(arrivals(), 1, log.attempt, max_attempts=3))
    await settle()
    log.release.set()
    await run


async def test_the_most_urgent_job_waiting_starts_next() -> None:
    log = Log()
    await while_the_first_runs(log, Job("a"), [(5, Job("b")), (5, Job("c")), (1, Job("urgent"))])
    assert [name for name, _ in log.started] == ["a", "urgent", "b", "c"]


async def test_ties_start_in_push_order_and_the_jobs_are_never_compared() -> None:
    log = Log()
    ties = [(2, Job(name)) for name in "qwerty"]
    # (priority, job) entries would compare two Jobs at the first tie and raise TypeError; with
    # the sequence number between them, the heap never looks at the job.
    await while_the_first_runs(log, Job("first"), ties)
    assert [name for name, _ in log.started] == ["first", *"qwerty"]


async def test_a_running_job_is_never_preempted() -> None:
    log = Log()
    await while_the_first_runs(log, Job("long"), [(0, Job("urgent"))])
    assert log.started == [("long", 1), ("urgent", 1)]  # "long" ran to the end first


async def test_a_retry_goes_back_less_urgent_behind_the_jobs_waiting_there() -> None:
    log = Log()
    # "flaky" (priority 1) fails once and is pushed back at 2, after "two", already waiting at 2,
    # and after "one", waiting at 1: it goes behind both.
    flaky = Job("flaky", fails=1)
    await while_the_first_runs(log, Job("first"), [(1, flaky), (2, Job("two")), (1, Job("one"))])
    assert log.started == [("first", 1), ("flaky", 1), ("one", 1), ("two", 1), ("flaky", 2)]


@pytest.mark.parametrize("max_attempts", [1, 3])
async def test_a_job_that_keeps_failing_ends_after_its_last_attempt(max_attempts: int) -> None:
    log = Log()
    log.release.set()
    doomed, fine = Job("doomed", fails=100), Job("fine")
    finished = await run_by_priority(pushed([(0, doomed), (5, fine)]), 1, log.attempt, max_attempts)
    assert log.started == [("doomed", n) for n in range(1, max_attempts + 1)] + [("fine", 1)]
    [lost] = [done for done in finished if done.job is doomed]
    assert isinstance(lost.outcome, Failed)
    assert lost.attempts == max_attempts
    assert Finished(fine, Ok("fine"), 1) in finished


async def test_the_last_allowed_attempt_still_runs() -> None:
    log = Log()
    log.release.set()
    job = Job("third-time-lucky", fails=2)
    finished = await run_by_priority(pushed([(4, job)]), 1, log.attempt, max_attempts=3)
    assert finished == [Finished(job, Ok("third-time-lucky"), 3)]


def test_workers_stay_for_a_late_job_and_leave_once_it_is_done() -> None:
    async def arrivals() -> AsyncIterator[tuple[int, str]]:
        yield 1, "early"
        await asyncio.sleep(60)  # the queue is empty meanwhile; the workers must not stop
        yield 0, "late"

    async def minute(job: str, number: int) -> str:
        await asyncio.sleep(60)
        return job

    async def timed() -> tuple[list[str], float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        finished = await run_by_priority(arrivals(), 2, minute, max_attempts=1)
        return [done.job for done in finished], loop.time() - start

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        jobs, took = runner.run(timed())
    assert jobs == ["early", "late"]
    assert took == pytest.approx(120)


@pytest.mark.parametrize(("workers", "minutes"), [(1, 12), (3, 4), (5, 3), (12, 1)])
def test_workers_run_jobs_at_once(workers: int, minutes: int) -> None:
    async def minute(job: int, number: int) -> int:
        await asyncio.sleep(60)
        return job

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        jobs = pushed((n % 3, n) for n in range(12))
        assert len(await run_by_priority(jobs, workers, minute, max_attempts=1)) == 12
        return loop.time() - start

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        assert runner.run(timed()) == pytest.approx(60 * minutes)


async def test_cancelling_the_caller_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    log = Log()  # never released: the first attempt waits until cancelled
    run = asyncio.create_task(
        run_by_priority(pushed((0, Job(str(n))) for n in range(5)), 2, log.attempt, 1)
    )
    await asyncio.wait_for(log.holding.wait(), timeout=5)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert asyncio.all_tasks() == before


@pytest.mark.parametrize(("workers", "max_attempts"), [(0, 1), (1, 0)])
async def test_rejects_no_worker_or_no_attempt(workers: int, max_attempts: int) -> None:
    log = Log()
    with pytest.raises(ValueError, match="at least 1"):
        await run_by_priority(pushed([(0, Job("a"))]), workers, log.attempt, max_attempts)
