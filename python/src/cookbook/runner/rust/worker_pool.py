"""The worker pool through the extension: the contract's jobs on a `cookbook_rs.WorkerPool`.

The answers come from `WorkerPool.map`, the pool's public API, paired with the jobs by position
as any caller of `map` relies on. A job's event must be taken once it holds its worker, which
happens inside Rust, so a run passes `map` an observer, `cookbook_rs.observed.PoolRecorder`,
which records the events and the in-flight count there. The benchmark calls `map` unobserved.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from functools import reduce
from operator import xor
from typing import Any

from cookbook.runner import worker_pool
from cookbook.runner.fields import FieldError, Fields
from cookbook.runner.observe import PoolObserved
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.runner.worker_pool import JobFailed, PoolInput
from cookbook.work import to_hex

with contextlib.suppress(ImportError):  # `require_extension()` reports it before any run
    import cookbook_rs
    from cookbook_rs import observed


def run(pool: PoolInput) -> Ran:
    jobs = _jobs(pool)
    recorder = observed.PoolRecorder()
    # The pool's threads start here, before `map` opens the measured region.
    with cookbook_rs.WorkerPool(pool.workers) as workers:
        answers = workers.map(jobs, observer=recorder)
    seen = recorder.observation()
    ids = [job.id for job in pool.jobs]
    observations: PoolObserved = {
        "elapsedNs": seen.elapsed_ns,
        "maxInFlight": seen.max_in_flight,
        "events": [
            {"id": ids[e.index], "startNs": e.start_ns, "endNs": e.end_ns} for e in seen.events
        ],
    }
    results = [_result(job_id, answer) for job_id, answer in zip(ids, answers, strict=True)]
    return {"output": {"results": results}, "observed": observations}


def bench(pool: PoolInput) -> Measured:
    jobs = _jobs(pool)
    with cookbook_rs.WorkerPool(pool.workers) as workers:
        start = time.perf_counter_ns()
        answers = workers.map(jobs)
        elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": _check(pool, answers)}


def validate(input: Fields) -> PoolInput:
    """As the other variants, word for word; then a job that would panic is refused, at its
    `panic`, since the extension has no such job (see skips.json)."""
    pool = worker_pool.validate(input)
    for index, job in enumerate(pool.jobs):
        if job.panic:
            path = f"{input.at('jobs')}[{index}].panic"
            raise FieldError(
                path,
                f"{path} must be false in python-rust: cookbook_rs's WorkerPool.map raises a "
                "job's panic again rather than answering it, got true",
            )
    return pool


PATTERN = Pattern(validate=validate, run=run, bench_input=worker_pool.bench_input, bench=bench)


def _jobs(pool: PoolInput) -> list[cookbook_rs.Job]:
    # A job's value is `work(id, cost)`: its id is its seed.
    return [
        cookbook_rs.Job(job.id, job.cost, sleep_ms=job.sleep_ms, fail=job.fail) for job in pool.jobs
    ]


def _result(job_id: int, answer: int | cookbook_rs.JobFailed) -> dict[str, Any]:
    if isinstance(answer, cookbook_rs.JobFailed):
        return {"id": job_id, "error": str(JobFailed(job_id))}
    return {"id": job_id, "value": to_hex(answer)}


def _check(pool: PoolInput, answers: Sequence[int | cookbook_rs.JobFailed]) -> dict[str, Any]:
    """`count` and `digest` (XOR of all values) of a bench run, once every job is known to have
    answered, in its own place, with its own value. The digest cannot see an answer in another
    job's place, so each value is computed again here, after the clock has stopped, by
    `cookbook_rs.work`, which is not the pool."""
    if len(answers) != len(pool.jobs):
        raise SelfCheckFailed(f"{len(answers)} results for {len(pool.jobs)} jobs")
    values = []
    for job, answer in zip(pool.jobs, answers, strict=True):
        if isinstance(answer, cookbook_rs.JobFailed):
            raise SelfCheckFailed(f"job {job.id} failed")
        if answer != cookbook_rs.work(job.id, job.cost):
            raise SelfCheckFailed(f"the result in the place of job {job.id} is not its value")
        values.append(answer)
    return {"count": len(values), "digest": to_hex(reduce(xor, values, 0))}
