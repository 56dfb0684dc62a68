//! The tokio runtimes the patterns run on, and how a Python thread waits for them.
//!
//! The `cookbook` patterns are async; Python calls them from its own threads. A call hands its
//! future to `Runtime::block_on`, which polls it on the calling thread while the runtime's
//! threads drive the timers, and it does so with the GIL released (`Python::detach`): the thread
//! is waiting for a lock, a timer or a computation, and other Python threads run meanwhile.
//! Nothing here ever calls back into Python, so no thread of a runtime needs the GIL.
//!
//! A call that may wait for long does so through [`wait`], which lets Python run its signal
//! handlers meanwhile, as a long computation in an extension should: Python runs them only in
//! the main thread, between bytecodes, and a main thread waiting here runs none. Without it,
//! Ctrl-C would do nothing until the call returned.
//!
//! - Each `WorkerPool` owns a runtime whose threads run its jobs: CPU-bound jobs hold their
//!   thread until they finish, and on a runtime of their own they cannot delay anyone's timer.
//! - Everything else (the caches, the limiters) shares one runtime of one thread, which does
//!   nothing but drive timers: their futures run on the Python threads that wait for them.

use std::io;
use std::num::NonZeroUsize;
use std::pin::pin;
use std::thread;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::runtime::{Builder, Runtime};

static TIMERS: PyOnceLock<Runtime> = PyOnceLock::new();

/// How often a waiting call lets Python run its signal handlers: well within the second a
/// program is given to stop.
const SIGNALS_EVERY: Duration = Duration::from_millis(50);

/// Runs `future` on `runtime` from the calling Python thread, with the GIL released, and
/// returns its output; or, if a signal handler raises meanwhile (Ctrl-C's `KeyboardInterrupt`),
/// drops the future, which cancels what it was doing, and raises that instead.
pub(crate) fn wait<F>(py: Python<'_>, runtime: &Runtime, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(|| block_on(runtime, future))
}

/// [`wait`], for a caller that has released the GIL already.
pub(crate) fn block_on<F: Future>(runtime: &Runtime, future: F) -> PyResult<F::Output> {
    runtime.block_on(async {
        let mut future = pin!(future);
        loop {
            if let Ok(output) = tokio::time::timeout(SIGNALS_EVERY, &mut future).await {
                return Ok(output);
            }
            // Does nothing outside the main thread, where Python runs no handler.
            #[expect(
                clippy::redundant_closure_for_method_calls,
                reason = "`Python::check_signals` does not take a token of every lifetime"
            )]
            Python::attach(|py| py.check_signals())?;
        }
    })
}

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
