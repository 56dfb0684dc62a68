//! `CacheRecorder`: the probe of `watch`, for a public `Cache` and its clients on Python threads.

use std::time::Duration;

use pyo3::prelude::*;

use super::watch::{self, Compute, Costs, Lock, Watch};

/// Records every lock a `Cache` made with it takes for a client, holding each as long as a
/// case of the contract asks, and every compute: `Cache(observer=recorder)`. A thread's calls
/// are a client's inside `with AsClient(n):`.
#[pyclass(module = "cookbook_rs.observed", frozen)]
#[derive(Debug)]
pub(crate) struct CacheRecorder {
    watch: Watch,
}

#[pymethods]
impl CacheRecorder {
    /// Starts the run's clock.
    #[new]
    #[pyo3(signature = (*, read_hold_ms = 0, write_hold_ms = 0, compute_ms = 0))]
    fn new(read_hold_ms: u64, write_hold_ms: u64, compute_ms: u64) -> Self {
        Self {
            watch: Watch::start(Costs {
                read_hold: Duration::from_millis(read_hold_ms),
                write_hold: Duration::from_millis(write_hold_ms),
                compute_sleep: Duration::from_millis(compute_ms),
            }),
        }
    }

    /// Nanoseconds since the recorder was made, on the clock of every record.
    fn now_ns(&self) -> u64 {
        self.watch.now_ns()
    }

    /// Every lock and compute recorded so far, in the order they were recorded; they are not
    /// returned again.
    fn take(&self) -> CacheObservation {
        let (locks, computes) = self.watch.take();
        CacheObservation { locks, computes }
    }
}

impl CacheRecorder {
    /// The probe, for the cache made with this recorder.
    pub(crate) fn watch(&self) -> Watch {
        self.watch.clone()
    }
}

/// `with AsClient(n):` makes the cache calls of the thread that enters it client `n`'s, for
/// every recorder; such blocks do not nest.
#[pyclass(module = "cookbook_rs.observed", frozen)]
#[derive(Debug)]
pub(crate) struct AsClient {
    client: usize,
}

#[pymethods]
impl AsClient {
    #[new]
    fn new(client: usize) -> Self {
        Self { client }
    }

    fn __enter__(&self) {
        watch::enter(self.client);
    }

    #[expect(
        clippy::unused_self,
        reason = "Python calls __exit__ on the instance; the client to leave is the thread's"
    )]
    fn __exit__(
        &self,
        _kind: &Bound<'_, PyAny>,
        _error: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) {
        watch::leave();
    }
}

/// Every lock and compute a recorder saw, in the order they were recorded.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone)]
pub(crate) struct CacheObservation {
    locks: Vec<Lock>,
    computes: Vec<Compute>,
}
