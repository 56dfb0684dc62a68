//! `work` and `WorkerPool`: the contract's CPU-bound work, and `cookbook::worker_pool` mapping
//! it over many seeds on Rust threads.

use std::num::NonZeroUsize;
use std::sync::{PoisonError, RwLock};

use cookbook::worker_pool;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::args;
use crate::rules::Integer;
use crate::runtime;

/// Apply `n` splitmix64 steps to `seed`, in unsigned 64-bit arithmetic; `work(seed, 0) == seed`.
///
/// The GIL is released while it computes, so Python threads calling it run in parallel.
#[pyfunction]
pub(crate) fn work(py: Python<'_>, seed: &Bound<'_, PyAny>, n: &Bound<'_, PyAny>) -> PyResult<u64> {
    let seed = args::integer("seed", seed, &Integer::UNSIGNED)?;
    let n = args::integer("n", n, &Integer::UNSIGNED)?;
    Ok(py.detach(|| cookbook::work::work(seed, n)))
}

/// A pool of `workers` Rust workers (`cookbook::worker_pool`) with threads of its own, one per
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
    /// `work(seed, cost)` for every seed, computed by the pool's workers, in the order of
    /// `seeds`. The GIL is released until every value is in.
    fn map(
        &self,
        py: Python<'_>,
        seeds: &Bound<'_, PyAny>,
        cost: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<u64>> {
        let seeds = args::integers("seeds", seeds, &Integer::UNSIGNED)?;
        let cost = args::integer("cost", cost, &Integer::UNSIGNED)?;
        let count = seeds.len();
        let workers = self.workers;
        let done = self.run(py, |runtime| {
            // Each job carries its position, so the values can go back in the caller's order
            // whatever order the workers finish in.
            let jobs = seeds.into_iter().enumerate();
            runtime.block_on(worker_pool::run(
                workers,
                jobs,
                move |(at, seed)| async move { (at, cookbook::work::work(seed, cost)) },
            ))
        })?;
        let mut values = vec![0; count];
        for (at, value) in done {
            values[at] = value;
        }
        Ok(values)
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
    /// The number of workers, for the instrumented runs (`observed`).
    pub(crate) fn size(&self) -> NonZeroUsize {
        self.workers
    }

    /// Runs `call` on the pool's runtime with the GIL released, or fails if the pool is closed.
    pub(crate) fn run<T: Send>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(&Runtime) -> T + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            // Poisoned only by a panic in another call, which pyo3 has already raised in
            // Python; the runtime itself is still whole.
            let slot = self.runtime.read().unwrap_or_else(PoisonError::into_inner);
            slot.as_ref().map(call)
        })
        .ok_or_else(|| PyRuntimeError::new_err("the WorkerPool is closed"))
    }
}
