//! `work`, `Job` and `WorkerPool`: the contract's CPU-bound work, and `cookbook::worker_pool`
//! mapping it over many jobs on Rust threads.

use std::num::NonZeroUsize;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use cookbook::worker_pool;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};
use tokio::runtime::Runtime;

use crate::args;
use crate::observed::jobs::{PoolRecorder, Recorder};
use crate::rules::{Integer, wrong_type};
use crate::runtime;

pyo3::create_exception!(
    cookbook_rs,
    JobFailed,
    PyException,
    "What `WorkerPool.map` answers in the place of a `Job` made with `fail=True`."
);

/// Apply `n` splitmix64 steps to `seed`, in unsigned 64-bit arithmetic; `work(seed, 0) == seed`.
///
/// The GIL is released while it computes, so Python threads calling it run in parallel.
#[pyfunction]
pub(crate) fn work(py: Python<'_>, seed: &Bound<'_, PyAny>, n: &Bound<'_, PyAny>) -> PyResult<u64> {
    let seed = args::integer("seed", seed, &Integer::UNSIGNED)?;
    let n = args::integer("n", n, &Integer::UNSIGNED)?;
    Ok(py.detach(|| cookbook::work::work(seed, n)))
}

/// One job for `WorkerPool.map`: wait `sleep_ms` milliseconds, as I/O would, without holding a
/// worker's thread; compute `work(seed, cost)`; then fail if `fail` is set.
#[pyclass(module = "cookbook_rs", frozen, get_all)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Job {
    seed: u64,
    cost: u64,
    sleep_ms: u64,
    fail: bool,
}

#[pymethods]
impl Job {
    #[new]
    #[pyo3(signature = (seed, cost = None, *, sleep_ms = None, fail = None))]
    fn new(
        seed: &Bound<'_, PyAny>,
        cost: Option<&Bound<'_, PyAny>>,
        sleep_ms: Option<&Bound<'_, PyAny>>,
        fail: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let optional = |name, value: Option<&Bound<'_, PyAny>>| {
            value.map_or(Ok(0), |value| {
                args::integer(name, value, &Integer::UNSIGNED)
            })
        };
        Ok(Self {
            seed: args::integer("seed", seed, &Integer::UNSIGNED)?,
            cost: optional("cost", cost)?,
            sleep_ms: optional("sleep_ms", sleep_ms)?,
            fail: fail.map_or(Ok(false), |fail| args::boolean("fail", fail))?,
        })
    }

    fn __repr__(&self) -> String {
        let Self {
            seed,
            cost,
            sleep_ms,
            fail,
        } = self;
        let fail = if *fail { "True" } else { "False" };
        format!("Job(seed={seed}, cost={cost}, sleep_ms={sleep_ms}, fail={fail})")
    }
}

impl Job {
    /// Runs the job: its value, or `Err(())` if it was made to fail.
    async fn perform(self) -> Result<u64, ()> {
        if self.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        }
        let value = cookbook::work::work(self.seed, self.cost);
        if self.fail { Err(()) } else { Ok(value) }
    }
}

/// A job's position in the caller's jobs, and the job.
type Placed = (usize, Job);

/// A pool of `workers` Rust workers (`cookbook::worker_pool`) with threads of their own, one per
/// worker up to the number of cores. Use it as a context manager, or call `close()`.
#[pyclass(module = "cookbook_rs", frozen)]
#[derive(Debug)]
pub(crate) struct WorkerPool {
    workers: NonZeroUsize,
    /// The invariant this lock protects: the runtime is not shut down while a call runs on it.
    /// Calls share it (read); `close` takes it alone (write), so it waits for them to finish.
    runtime: RwLock<Option<Runtime>>,
}

#[pymethods]
impl WorkerPool {
    #[new]
    fn new(workers: &Bound<'_, PyAny>) -> PyResult<Self> {
        let workers = args::count("workers", workers)?;
        Ok(Self {
            workers,
            runtime: RwLock::new(Some(runtime::pool(workers)?)),
        })
    }

    // --8<-- [start:python-rust]
    /// Every job's answer, computed by the pool's workers, in the order of `jobs`. A job is a
    /// seed, which computes `work(seed, cost)`, or a `Job`, which says its own cost and may wait
    /// and fail: a failed job's answer is a `JobFailed`, in its place, and the others' values
    /// are kept. With an `observer`, the call records what its workers did (see
    /// `cookbook_rs.observed`). The GIL is released until every answer is in.
    #[pyo3(signature = (jobs, cost = None, *, observer = None))]
    fn map(
        &self,
        py: Python<'_>,
        jobs: &Bound<'_, PyAny>,
        cost: Option<&Bound<'_, PyAny>>,
        observer: Option<&Bound<'_, PoolRecorder>>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let cost = cost.map_or(Ok(0), |cost| {
            args::integer("cost", cost, &Integer::UNSIGNED)
        })?;
        let jobs = read_jobs(jobs, cost)?;
        let count = jobs.len();
        let workers = self.workers;
        // Each job carries its position, so the answers can go back in the caller's order
        // whatever order the workers finish in.
        let placed = jobs.into_iter().enumerate();
        let done = match observer {
            None => self.run(py, |runtime| {
                runtime::block_on(runtime, worker_pool::run(workers, placed, answer))
            })??,
            Some(observer) => {
                let recorder = observer.get().start()?;
                let done = self.run(py, |runtime| {
                    runtime::block_on(runtime, observe(workers, placed, &recorder))
                })??;
                observer.get().finish(&recorder);
                done
            }
        };
        let mut answers = vec![None; count];
        for (at, answer) in done {
            answers[at] = Some(answer);
        }
        answers
            .into_iter()
            .map(|answer| match answer {
                Some(Ok(value)) => Ok(value.into_pyobject(py)?.into_any().unbind()),
                Some(Err(())) => Ok(JobFailed::new_err("the job was made to fail")
                    .into_value(py)
                    .into_any()),
                None => Err(PyRuntimeError::new_err("the pool lost a job's answer")),
            })
            .collect()
    }
    // --8<-- [end:python-rust]

    /// Shut the pool's threads down, once the calls running on it have finished. A closed
    /// pool refuses new calls; closing it again does nothing.
    fn close(&self, py: Python<'_>) {
        // Waiting for the calls, then for the runtime's threads to stop, takes a while: the GIL
        // is released meanwhile, so the calls can hand their answers back to Python.
        py.detach(|| {
            let mut slot = self.runtime.write().unwrap_or_else(PoisonError::into_inner);
            drop(slot.take());
        });
    }

    /// The number of workers.
    #[getter]
    fn workers(&self) -> usize {
        self.workers.get()
    }

    /// Whether `close()` has been called.
    #[getter]
    fn closed(&self, py: Python<'_>) -> bool {
        // A `close` in progress holds the lock until the running calls end: wait for it without
        // the GIL, which those calls need to return.
        py.detach(|| {
            let slot = self.runtime.read().unwrap_or_else(PoisonError::into_inner);
            slot.is_none()
        })
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _kind: &Bound<'_, PyAny>,
        _error: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) {
        self.close(py);
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let state = if self.closed(py) { ", closed" } else { "" };
        format!("WorkerPool(workers={}{state})", self.workers)
    }
}

impl WorkerPool {
    /// Runs `call` on the pool's runtime with the GIL released, or fails if the pool is closed.
    fn run<T: Send>(&self, py: Python<'_>, call: impl FnOnce(&Runtime) -> T + Send) -> PyResult<T> {
        py.detach(|| {
            // Poisoned only by a panic in another call, which pyo3 has already raised in
            // Python; the runtime itself is still whole.
            let slot = self.runtime.read().unwrap_or_else(PoisonError::into_inner);
            slot.as_ref().map(call)
        })
        .ok_or_else(|| PyRuntimeError::new_err("the WorkerPool is closed"))
    }
}

async fn answer((at, job): Placed) -> (usize, Result<u64, ()>) {
    (at, job.perform().await)
}

/// Runs the jobs as `map` does, each one recorded by `recorder` while it holds its worker.
async fn observe(
    workers: NonZeroUsize,
    jobs: impl Iterator<Item = Placed> + Send + 'static,
    recorder: &Arc<Recorder>,
) -> Vec<(usize, Result<u64, ()>)> {
    // The pool knows nothing of observation: the recorder wraps the job it is given, so the
    // event is taken after the worker took the job and ends before it takes the next one.
    let recorder = Arc::clone(recorder);
    let observed = move |(at, job): Placed| {
        let recorder = Arc::clone(&recorder);
        async move { (at, recorder.observe(at, job.perform()).await) }
    };
    worker_pool::run(workers, jobs, observed).await
}

/// The items of `jobs`, each a seed (computed at `cost`) or a `Job`, checked as `jobs[i]`.
fn read_jobs(jobs: &Bound<'_, PyAny>, cost: u64) -> PyResult<Vec<Job>> {
    let items = jobs.try_iter().map_err(|_| {
        PyTypeError::new_err(wrong_type(
            "jobs",
            "an iterable of ints or Jobs",
            &args::type_name(jobs),
        ))
    })?;
    items
        .enumerate()
        .map(|(index, item)| {
            let item = item?;
            let name = format!("jobs[{index}]");
            if let Ok(job) = item.cast::<Job>() {
                return Ok(*job.get());
            }
            if item.is_instance_of::<PyBool>() || !item.is_instance_of::<PyInt>() {
                let got = args::type_name(&item);
                return Err(PyTypeError::new_err(wrong_type(
                    &name,
                    "an int or a Job",
                    &got,
                )));
            }
            let seed = args::integer(&name, &item, &Integer::UNSIGNED)?;
            Ok(Job {
                seed,
                cost,
                sleep_ms: 0,
                fail: false,
            })
        })
        .collect()
}
