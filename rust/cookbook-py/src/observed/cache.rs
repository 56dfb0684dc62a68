//! `ObservedCache`: `cookbook::rwlock_cache::Cache` with the probe of `watch`, for clients on
//! Python threads.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use cookbook::rwlock_cache;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use super::clock::Clock;
use super::watch::{CLIENT, Compute, Costs, Lock, Watch};
use crate::runtime;

type Watched = rwlock_cache::Cache<u64, String, Watch>;

/// A cache that records every lock its clients take and every compute, holding each lock as
/// long as a case of the contract asks. Every call names its client; every wait happens with
/// the GIL released, as in `Cache`.
#[pyclass(module = "cookbook_rs.observed", frozen)]
#[derive(Debug)]
pub(crate) struct ObservedCache {
    /// The invariant this lock protects: `finish` takes the cache only once no call is using
    /// it. Calls share it (read); `finish` takes it alone (write).
    cache: RwLock<Option<Watched>>,
    clock: Clock,
    runtime: &'static Runtime,
}

#[pymethods]
impl ObservedCache {
    /// Starts the run's clock.
    #[new]
    #[pyo3(signature = (*, read_hold_ms = 0, write_hold_ms = 0, compute_ms = 0, compute_cost = 0))]
    fn new(
        py: Python<'_>,
        read_hold_ms: u64,
        write_hold_ms: u64,
        compute_ms: u64,
        compute_cost: u64,
    ) -> PyResult<Self> {
        let watch = Watch::start(Costs {
            read_hold: Duration::from_millis(read_hold_ms),
            write_hold: Duration::from_millis(write_hold_ms),
            compute_sleep: Duration::from_millis(compute_ms),
            compute_cost,
        });
        let clock = watch.clock;
        Ok(Self {
            cache: RwLock::new(Some(rwlock_cache::Cache::with_probe(watch))),
            clock,
            runtime: runtime::timers(py)?,
        })
    }

    /// `client`'s get of `key`.
    fn get(&self, py: Python<'_>, client: usize, key: u64) -> PyResult<Option<String>> {
        self.call(py, client, async |cache| cache.get(&key).await)
    }

    /// `client`'s set of `key` to `value`.
    fn set(&self, py: Python<'_>, client: usize, key: u64, value: String) -> PyResult<()> {
        self.call(py, client, async |cache| cache.set(key, value).await)
    }

    /// `client`'s get-or-compute of `key`, the compute costing what the cache was made with.
    fn get_or_compute(&self, py: Python<'_>, client: usize, key: u64) -> PyResult<String> {
        self.call(py, client, async |cache| {
            let compute = || cache.probe().compute(key);
            cache.get_or_compute(key, compute).await
        })
    }

    /// Nanoseconds since the cache was made, on the clock of every record.
    fn now_ns(&self) -> u64 {
        self.clock.now_ns()
    }

    /// Ends the run: the cache's entries, and every lock and compute recorded. The cache can
    /// take no more calls.
    fn finish(&self, py: Python<'_>) -> PyResult<CacheObservation> {
        // Waits for calls still running, so the GIL is released meanwhile.
        let cache = py
            .detach(|| {
                let mut slot = self.cache.write().unwrap_or_else(PoisonError::into_inner);
                slot.take()
            })
            .ok_or_else(finished)?;
        let (locks, computes) = cache.probe().take();
        Ok(CacheObservation {
            entries: cache.into_entries(),
            locks,
            computes,
        })
    }
}

impl ObservedCache {
    /// Runs `operation` on the cache as `client`, with the GIL released.
    fn call<T: Send>(
        &self,
        py: Python<'_>,
        client: usize,
        operation: impl AsyncFnOnce(&Watched) -> T + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            let slot = self.slot();
            let cache = slot.as_ref()?;
            Some(
                self.runtime
                    .block_on(CLIENT.scope(client, operation(cache))),
            )
        })
        .ok_or_else(finished)
    }

    fn slot(&self) -> RwLockReadGuard<'_, Option<Watched>> {
        // Poisoned only by a panic in another call, which pyo3 has raised in Python already.
        self.cache.read().unwrap_or_else(PoisonError::into_inner)
    }
}

fn finished() -> PyErr {
    PyRuntimeError::new_err("the ObservedCache is finished")
}

/// What an observed cache ended with: its entries, and every lock and compute, in the order
/// they were recorded.
#[pyclass(module = "cookbook_rs.observed", frozen, get_all)]
#[derive(Debug, Clone)]
pub(crate) struct CacheObservation {
    entries: HashMap<u64, String>,
    locks: Vec<Lock>,
    computes: Vec<Compute>,
}
