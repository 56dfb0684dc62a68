"""The worker pool through the extension: the contract's jobs on a `cookbook_rs.WorkerPool`.

A job's event must be taken once it holds its worker, which happens inside Rust, so the run goes
through `cookbook_rs.observed.observe_jobs`, which records the events and the in-flight count
there. The benchmark runs the same jobs unobserved, timing the pool and not the recorder.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from functools import reduce
from operator import xor
from typing import Any

from cookbook.runner import worker_pool
from cookbook.runner.observe import PoolObserved
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.runner.worker_pool import JobFailed, PoolInput
from cookbook.work import to_hex

with contextlib.suppress(ImportError):  # `require_extension()` reports it before any run
    import cookbook_rs
    from cookbook_rs import observed

Outcome = tuple[int, int | None]
"""A job's id and its value, None for a job that failed."""


def run(pool: PoolInput) -> Ran:
    jobs = _jobs(pool)
    # The pool's threads start here, before `observe_jobs` opens the measured region.
    with cookbook_rs.WorkerPool(pool.workers) as workers:
        outcomes, seen = observed.observe_jobs(workers, jobs)
    observations: PoolObserved = {
        "elapsedNs": seen.elapsed_ns,
        "maxInFlight": seen.max_in_flight,
        "events": [{"id": e.id, "startNs": e.start_ns, "endNs": e.end_ns} for e in seen.events],
    }
    return {"output": {"results": [_result(o) for o in outcomes]}, "observed": observations}


def bench(pool: PoolInput) -> Measured:
    jobs = _jobs(pool)
    with cookbook_rs.WorkerPool(pool.workers) as workers:
        start = time.perf_counter_ns()
        outcomes = observed.run_jobs(workers, jobs)
        elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": _check(pool, outcomes)}


PATTERN = Pattern(
    validate=worker_pool.validate, run=run, bench_input=worker_pool.bench_input, bench=bench
)


def _jobs(pool: PoolInput) -> list[observed.Job]:
    return [observed.Job(job.id, job.cost, job.sleep_ms, job.fail) for job in pool.jobs]


def _result(outcome: Outcome) -> dict[str, Any]:
    job_id, value = outcome
    if value is None:
        return {"id": job_id, "error": str(JobFailed(job_id))}
    return {"id": job_id, "value": to_hex(value)}


def _check(pool: PoolInput, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """`count` and `digest` (XOR of all values) of a bench run, once every job is known to have
    answered exactly once, with a value."""
    answered = sorted(job_id for job_id, _ in outcomes)
    if answered != sorted(job.id for job in pool.jobs):
        raise SelfCheckFailed(f"{len(outcomes)} results for {len(pool.jobs)} jobs, not one each")
    values = []
    for job_id, value in outcomes:
        if value is None:
            raise SelfCheckFailed(f"job {job_id} failed")
        values.append(value)
    return {"count": len(values), "digest": to_hex(reduce(xor, values, 0))}
