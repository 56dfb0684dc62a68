"""The priority queue as the runner speaks it (docs/patterns/priority-queue.md).

Validation, the jobs the contract defines, and the run and bench functions of both variants. The
queues (`cookbook.priority_queue`, `cookbook.priority_queue_threads`) know nothing of observation:
the submitter hands each job over at its arrival time, and each attempt stamps itself as it runs.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Any, TypedDict

from cookbook import priority_queue, priority_queue_threads
from cookbook.outcome import Ok
from cookbook.priority_queue import Finished
from cookbook.runner.fields import Fields, Unique, not_earlier
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.work import to_hex, work

MAX_WORKERS = 1_000
MAX_ATTEMPTS = 100
MAX_ID = 2**53 - 1
MAX_PRIORITY = 1_000_000
MAX_ARRIVE_MS = 60_000
MAX_COST = 100_000_000
MAX_SLEEP_MS = 60_000
NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class Job:
    id: int
    priority: int
    arrive_ms: int = 0
    cost: int = 0
    sleep_ms: int = 0
    fail_attempts: int = 0


@dataclass(frozen=True)
class QueueInput:
    workers: int
    max_attempts: int
    jobs: Sequence[Job]


class AttemptRecord(TypedDict):
    id: int
    attempt: int
    priority: int
    startNs: int
    endNs: int


class PriorityObserved(Observed):
    attempts: list[AttemptRecord]


class AttemptFailed(Exception):
    """An attempt within the job's `failAttempts`: `job <id> failed`."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id} failed")


def validate(input: Fields) -> QueueInput:
    """`workers`, `maxAttempts`, `jobs`, then each job (itself, `id`, a duplicate id, `priority`,
    `arriveMs`, an `arriveMs` earlier than the one before, `cost`, `sleepMs`, `failAttempts`)."""
    workers = input.integer("workers", 1, MAX_WORKERS)
    max_attempts = input.integer("maxAttempts", 1, MAX_ATTEMPTS)
    ids = Unique()
    jobs: list[Job] = []
    for i, job in enumerate(input.objects("jobs")):
        job_id = job.integer("id", 0, MAX_ID)
        ids.check(job, "id", job_id)
        priority = job.integer("priority", 0, MAX_PRIORITY)
        arrive_ms = job.integer("arriveMs", 0, MAX_ARRIVE_MS, default=0)
        if jobs:
            before = f"{input.at('jobs')}[{i - 1}].arriveMs"
            not_earlier(
                job.at("arriveMs"), arrive_ms, before, jobs[-1].arrive_ms, "jobs arrive in order"
            )
        jobs.append(
            Job(
                id=job_id,
                priority=priority,
                arrive_ms=arrive_ms,
                cost=job.integer("cost", 0, MAX_COST, default=0),
                sleep_ms=job.integer("sleepMs", 0, MAX_SLEEP_MS, default=0),
                fail_attempts=job.integer("failAttempts", 0, MAX_ATTEMPTS, default=0),
            )
        )
    return QueueInput(workers, max_attempts, jobs)


def bench_input(size: int, params: Fields) -> QueueInput:
    """`size` jobs with ids `0 .. size-1` at priority `(id * 7919) mod 100`, all arriving at 0,
    costing `cost`, none failing, one attempt each: `workers`, `cost`, both required."""
    workers = params.integer("workers", 1, MAX_WORKERS)
    cost = params.integer("cost", 0, MAX_COST)
    return QueueInput(workers, 1, [Job(i, (i * 7919) % 100, cost=cost) for i in range(size)])


def _fails(job: Job, number: int, value: int) -> int:
    if number <= job.fail_attempts:
        raise AttemptFailed(job.id)
    return value


async def attempt_async(job: Job, number: int) -> int:
    """Sleep without blocking the loop, compute, then fail if this attempt is one that fails."""
    if job.sleep_ms:
        await asyncio.sleep(job.sleep_ms / 1000)
    return _fails(job, number, work(job.id, job.cost))


def attempt_blocking(job: Job, number: int) -> int:
    if job.sleep_ms:
        time.sleep(job.sleep_ms / 1000)
    return _fails(job, number, work(job.id, job.cost))


class _Log:
    """Each attempt, as it starts (`started`) and once it is over (`attempts`), on one clock."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.started: list[int] = []
        self.attempts: list[AttemptRecord] = []

    def start(self, job: Job) -> int:
        # list.append is atomic: threads need no lock to append.
        self.started.append(job.id)
        return self.clock.now()

    def end(self, job: Job, number: int, start: int) -> None:
        record: AttemptRecord = {
            "id": job.id,
            "attempt": number,
            "priority": job.priority + number - 1,
            "startNs": start,
            "endNs": self.clock.now(),
        }
        self.attempts.append(record)

    def ran(self, finished: Sequence[Finished[Job, int]]) -> Ran:
        elapsed = self.clock.now()
        observed: PriorityObserved = {"elapsedNs": elapsed, "attempts": self.attempts}
        return {"output": _output(finished, self.started), "observed": observed}


def run_asyncio(case: QueueInput) -> Ran:
    async def observed_run() -> Ran:
        log = _Log()

        async def arrivals() -> AsyncIterator[tuple[int, Job]]:
            for job in case.jobs:
                await log.clock.sleep_until(job.arrive_ms * NS_PER_MS)
                yield job.priority, job

        async def observed(job: Job, number: int) -> int:
            start = log.start(job)
            try:
                return await attempt_async(job, number)
            finally:
                log.end(job, number, start)

        finished = await priority_queue.run_by_priority(
            arrivals(), case.workers, observed, case.max_attempts
        )
        return log.ran(finished)

    return asyncio.run(observed_run())


def run_threads(case: QueueInput) -> Ran:
    log = _Log()

    def arrivals() -> Iterator[tuple[int, Job]]:
        for job in case.jobs:
            log.clock.sleep_until_blocking(job.arrive_ms * NS_PER_MS)
            yield job.priority, job

    def observed(job: Job, number: int) -> int:
        start = log.start(job)
        try:
            return attempt_blocking(job, number)
        finally:
            log.end(job, number, start)

    finished = priority_queue_threads.run_by_priority(
        arrivals(), case.workers, observed, case.max_attempts
    )
    return log.ran(finished)


def _output(finished: Sequence[Finished[Job, int]], started: list[int]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for done in finished:
        if isinstance(done.outcome, Ok):
            value = to_hex(done.outcome.value)
            results.append({"id": done.job.id, "value": value, "attempts": done.attempts})
        else:
            plural = "s" if done.attempts > 1 else ""
            error = f"job {done.job.id} failed after {done.attempts} attempt{plural}"
            results.append({"id": done.job.id, "error": error, "attempts": done.attempts})
    return {"results": results, "started": started}


def _pushed(jobs: Sequence[Job]) -> list[tuple[int, Job]]:
    return [(job.priority, job) for job in jobs]


async def _all_at_once(jobs: Sequence[Job]) -> AsyncIterator[tuple[int, Job]]:
    for entry in _pushed(jobs):
        yield entry


def bench_asyncio(case: QueueInput) -> Measured:
    async def timed() -> tuple[int, list[Finished[Job, int]]]:
        start = time.perf_counter_ns()
        finished = await priority_queue.run_by_priority(
            _all_at_once(case.jobs), case.workers, attempt_async, case.max_attempts
        )
        return time.perf_counter_ns() - start, finished

    elapsed, finished = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": _check(case, finished)}


def bench_threads(case: QueueInput) -> Measured:
    start = time.perf_counter_ns()
    finished = priority_queue_threads.run_by_priority(
        _pushed(case.jobs), case.workers, attempt_blocking, case.max_attempts
    )
    elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": _check(case, finished)}


ASYNCIO = Pattern(validate=validate, run=run_asyncio, bench_input=bench_input, bench=bench_asyncio)
THREADS = Pattern(validate=validate, run=run_threads, bench_input=bench_input, bench=bench_threads)


def _check(case: QueueInput, finished: Sequence[Finished[Job, int]]) -> dict[str, Any]:
    """`count` and `digest` (XOR of all values) of a bench run, once the run is known to be right:
    every job finished exactly once, at its first attempt. Each value is computed from its own
    job's id, so the harness's digest catches a job run in another's place."""
    ids = {done.job.id for done in finished}
    if len(finished) != len(case.jobs) or len(ids) != len(case.jobs):
        raise SelfCheckFailed(
            f"{len(case.jobs)} jobs, {len(finished)} finished, {len(ids)} distinct"
        )
    values = []
    for done in finished:
        if not isinstance(done.outcome, Ok) or done.attempts != 1:
            raise SelfCheckFailed(f"job {done.job.id} ended {done.outcome} after {done.attempts}")
        values.append(done.outcome.value)
    return {"count": len(values), "digest": to_hex(reduce(xor, values, 0))}
