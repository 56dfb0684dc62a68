//! The tokio runtimes the patterns run on, and how a Python thread waits for them.
//!
//! The `cookbook` patterns are async; Python calls them from its own threads. A call hands its
//! future to `Runtime::block_on`, which polls it on the calling thread while the runtime's
//! threads drive the timers, and it does so with the GIL released (`Python::detach`): the thread
//! is waiting for a lock, a timer or a computation, and other Python threads run meanwhile.
//! Nothing here ever calls back into Python, so no thread of a runtime needs the GIL.
//!
//! - Each `WorkerPool` owns a runtime whose threads run its jobs: CPU-bound jobs hold their
//!   thread until they finish, and on a runtime of their own they cannot delay anyone's timer.
//! - Everything else (the caches, the limiters) shares one runtime of one thread, which does
//!   nothing but drive timers: their futures run on the Python threads that wait for them.

use std::io;
use std::num::NonZeroUsize;
use std::thread;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::runtime::{Builder, Runtime};

static TIMERS: PyOnceLock<Runtime> = PyOnceLock::new();

/// The runtime shared by the caches and the limiters, started on first use.
pub(crate) fn timers(py: Python<'_>) -> PyResult<&'static Runtime> {
    TIMERS.get_or_try_init(py, || {
        Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cookbook-rs-timers")
            .enable_time()
            .build()
            .map_err(|error| cannot_start("the timer thread", &error))
    })
}

/// A runtime for `workers` workers of CPU-bound jobs: one thread per worker, but no more than
/// the machine has cores, since a computation gains nothing from a thread without a core.
pub(crate) fn pool(workers: NonZeroUsize) -> PyResult<Runtime> {
    let cores = thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
    Builder::new_multi_thread()
        .worker_threads(workers.min(cores).get())
        .thread_name("cookbook-rs-worker")
        // The contract's jobs sleep to model I/O.
        .enable_time()
        .build()
        .map_err(|error| cannot_start("the pool's threads", &error))
}

fn cannot_start(what: &str, error: &io::Error) -> PyErr {
    PyRuntimeError::new_err(format!("cannot start {what}: {error}"))
}
