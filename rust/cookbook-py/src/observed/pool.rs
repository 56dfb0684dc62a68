//! `run_jobs` and `observe_jobs`: the contract's jobs on a `WorkerPool`, from Python.

use pyo3::prelude::*;

use super::jobs::{self, Job, Outcome, PoolObservation};
use crate::pool::WorkerPool;

/// A job as Python passes it: `(id, cost, sleep_ms, fail)`.
type JobTuple = (u64, u64, u64, bool);

fn job((id, cost, sleep_ms, fail): JobTuple) -> Job {
    Job {
        id,
        cost,
        sleep_ms,
        fail,
    }
}

/// Run the contract's jobs on `pool`, unobserved; `(id, value)` per job in completion order,
/// the value None for a job that failed. The GIL is released until every job is done.
#[pyfunction]
pub(crate) fn run_jobs(
    py: Python<'_>,
    pool: &Bound<'_, WorkerPool>,
    jobs: Vec<JobTuple>,
) -> PyResult<Vec<Outcome>> {
    let pool = pool.get();
    let jobs = jobs.into_iter().map(job).collect();
    pool.run(py, |runtime| runtime.block_on(jobs::run(pool.size(), jobs)))
}

/// Run the contract's jobs on `pool` like `run_jobs`, and return what was observed with them.
#[pyfunction]
pub(crate) fn observe_jobs(
    py: Python<'_>,
    pool: &Bound<'_, WorkerPool>,
    jobs: Vec<JobTuple>,
) -> PyResult<(Vec<Outcome>, PoolObservation)> {
    let pool = pool.get();
    let jobs = jobs.into_iter().map(job).collect();
    pool.run(py, |runtime| {
        runtime.block_on(jobs::observe(pool.size(), jobs))
    })
}
