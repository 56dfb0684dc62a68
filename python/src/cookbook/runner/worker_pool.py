"""The worker-pool pattern as the runner speaks it (docs/patterns/worker-pool.md).

Validation, the job the contract defines, and the run and bench functions of both variants. The
pools themselves (`cookbook.worker_pool`, `cookbook.worker_pool_threads`) are generic and know
nothing of observation: the run functions wrap the job in a `Recorder` slot.

The asyncio bench also takes the benchmarks' `params.mode` (docs/benchmarks.md): `event-loop`,
its usual runtime, and `parallel`, the same pool in every process of a process pool
(`cookbook.runner.parallel_pool`). The threads variant has one runtime and refuses a `mode`.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import reduce
from operator import xor
from typing import Any

from cookbook import worker_pool, worker_pool_threads
from cookbook.outcome import Failed, Ok, Outcome
from cookbook.runner import stopping
from cookbook.runner.fields import Fields
from cookbook.runner.observe import Recorder
from cookbook.runner.parallel_pool import ProcessPool
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.work import to_hex, work

MAX_WORKERS = 10_000
MAX_ID = 2**53 - 1
MAX_COST = 100_000_000
MAX_SLEEP_MS = 60_000
MODES = ("event-loop", "parallel")


@dataclass(frozen=True)
class Job:
    id: int
    cost: int = 0
    sleep_ms: int = 0
    fail: bool = False
    panic: bool = False


@dataclass(frozen=True)
class PoolInput:
    workers: int
    jobs: Sequence[Job]
    mode: str | None = None
    """The runtime a bench asks for (docs/benchmarks.md); None, the usual one, for every case."""


class JobFailed(Exception):
    """The failure a job with `fail: true` reports: `job <id> failed`."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id} failed")


class JobPanicked(RuntimeError):
    """What a job with `panic: true` raises, `job <id> panicked`: not the failure it reports but
    an error it did not expect, as a bug raises, which the pool must survive all the same."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id} panicked")


def validate(input: Fields) -> PoolInput:
    """Read `workers`, `jobs`, then each job (`jobs[i]`, `id`, a duplicate id, `cost`, `sleepMs`,
    `fail`, `panic`): the first problem in that order is the one reported."""
    workers = input.integer("workers", 1, MAX_WORKERS)
    jobs: list[Job] = []
    first_index: dict[int, int] = {}
    for index, item in enumerate(input.array("jobs")):
        job = Fields(item, f"{input.at('jobs')}[{index}]")
        job_id = job.integer("id", 0, MAX_ID)
        if job_id in first_index:
            first = f"{input.at('jobs')}[{first_index[job_id]}]"
            job.reject("id", f"must be unique, got {job_id} again (first at {first})")
        first_index[job_id] = index
        jobs.append(
            Job(
                id=job_id,
                cost=job.integer("cost", 0, MAX_COST, default=0),
                sleep_ms=job.integer("sleepMs", 0, MAX_SLEEP_MS, default=0),
                fail=job.boolean("fail", default=False),
                panic=job.boolean("panic", default=False),
            )
        )
    return PoolInput(workers, jobs)


def bench_input(size: int, params: Fields) -> PoolInput:
    """`size` jobs with ids `0 .. size-1`, each with `params`' `cost` and `sleepMs`; none fails.

    For a variant with one runtime: a `mode` is refused rather than ignored, so that a benchmark
    never times another runtime than the one it asked for."""
    pool = _bench_pool(size, params)
    params.absent("mode", "this variant has no modes")
    return pool


def bench_input_with_mode(size: int, params: Fields) -> PoolInput:
    """As `bench_input`, then the optional `mode`: `workers`, `cost`, `sleepMs`, `mode`."""
    pool = _bench_pool(size, params)
    return replace(pool, mode=params.optional_choice("mode", MODES))


def _bench_pool(size: int, params: Fields) -> PoolInput:
    workers = params.integer("workers", 1, MAX_WORKERS)
    cost = params.integer("cost", 0, MAX_COST, default=0)
    sleep_ms = params.integer("sleepMs", 0, MAX_SLEEP_MS, default=0)
    return PoolInput(workers, [Job(id=i, cost=cost, sleep_ms=sleep_ms) for i in range(size)])


async def job_async(job: Job) -> int:
    """Sleep without blocking the loop, compute, then panic or fail if asked to."""
    await asyncio.sleep(job.sleep_ms / 1000)
    # `work` never awaits: while it computes, this job holds the event loop and every other job
    # waits, whatever the number of workers (see `cookbook.worker_pool`).
    return _end(job, work(job.id, job.cost))


def job_blocking(job: Job) -> int:
    """Sleep on this thread (which releases the GIL), compute, then panic or fail if asked to."""
    time.sleep(job.sleep_ms / 1000)
    return _end(job, work(job.id, job.cost))


def _end(job: Job, value: int) -> int:
    if job.panic:  # wins over `fail`
        raise JobPanicked(job.id)
    if job.fail:
        raise JobFailed(job.id)
    return value


def run_asyncio(pool: PoolInput) -> Ran:
    async def observed_run() -> Ran:
        recorder = Recorder.for_asyncio()

        async def observed(job: Job) -> int:
            with recorder.slot(job.id):
                return await job_async(job)

        outcomes = await worker_pool.run_pool(pool.jobs, pool.workers, observed)
        observations = recorder.finish()
        return {"output": _output(pool, outcomes), "observed": observations}

    return asyncio.run(observed_run())


def run_threads(pool: PoolInput) -> Ran:
    recorder = Recorder.for_threads()

    def observed(job: Job) -> int:
        with recorder.slot(job.id):
            return job_blocking(job)

    outcomes = worker_pool_threads.run_pool(pool.jobs, pool.workers, observed)
    observations = recorder.finish()
    return {"output": _output(pool, outcomes), "observed": observations}


async def job_tagged(job: Job) -> tuple[int, int]:
    """A bench job: its value with its own id, so that `_check` can tell which job answered.
    Module-level, so that it pickles for the processes of `parallel` mode."""
    return job.id, await job_async(job)


def bench_asyncio(pool: PoolInput) -> Measured:
    if pool.mode == "parallel":
        # The processes start before the clock does, and are shut down after it stops. They
        # would outlive this process if a signal ended it at once: it unwinds instead, and
        # leaving the block kills them.
        with stopping.unwinding(), ProcessPool(pool.jobs, pool.workers, job_tagged) as processes:
            start = time.perf_counter_ns()
            outcomes = processes.run()
            elapsed = time.perf_counter_ns() - start
        return {"elapsedNs": elapsed, "check": _check(pool, outcomes)}

    # `event-loop` and no mode alike: every job on this thread's event loop.
    async def timed() -> tuple[int, list[Outcome[tuple[int, int]]]]:
        start = time.perf_counter_ns()
        outcomes = await worker_pool.run_pool(pool.jobs, pool.workers, job_tagged)
        return time.perf_counter_ns() - start, outcomes

    elapsed, outcomes = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": _check(pool, outcomes)}


def bench_threads(pool: PoolInput) -> Measured:
    def tagged(job: Job) -> tuple[int, int]:
        return job.id, job_blocking(job)

    start = time.perf_counter_ns()
    outcomes = worker_pool_threads.run_pool(pool.jobs, pool.workers, tagged)
    elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": _check(pool, outcomes)}


ASYNCIO = Pattern(
    validate=validate, run=run_asyncio, bench_input=bench_input_with_mode, bench=bench_asyncio
)
THREADS = Pattern(validate=validate, run=run_threads, bench_input=bench_input, bench=bench_threads)


def _output(pool: PoolInput, outcomes: Sequence[Outcome[int]]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    # `strict`: a pool that lost or invented an outcome fails loudly instead of being truncated.
    for job, outcome in zip(pool.jobs, outcomes, strict=True):
        match outcome:
            case Ok(value):
                results.append({"id": job.id, "value": to_hex(value)})
            case Failed(error):
                results.append({"id": job.id, "error": str(error)})
    return {"results": results}


def _check(pool: PoolInput, outcomes: Sequence[Outcome[tuple[int, int]]]) -> dict[str, Any]:
    """`count` and `digest` (XOR of all values) of a bench run, once the run is known to be right:
    every job answered exactly once, in its own place, and none failed.

    Each bench job returns its own id with its value, so a pool that ran one job twice and
    skipped another is caught here rather than trusted."""
    if len(outcomes) != len(pool.jobs):
        raise SelfCheckFailed(f"expected {len(pool.jobs)} results, got {len(outcomes)}")
    values = []
    for job, outcome in zip(pool.jobs, outcomes, strict=True):
        if not isinstance(outcome, Ok):
            raise SelfCheckFailed(f"job {job.id} failed: {outcome.error}")
        answered_id, value = outcome.value
        if answered_id != job.id:
            raise SelfCheckFailed(f"the result for job {job.id} came from job {answered_id}")
        values.append(value)
    return {"count": len(values), "digest": to_hex(reduce(xor, values, 0))}
