//! `Cache`: `cookbook::rwlock_cache::Cache` of integer keys and text values, for Python
//! threads.

use cookbook::rwlock_cache;
use cookbook::work::{hex, work};
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::args;
use crate::observed::cache::CacheRecorder;
use crate::observed::watch::Watch;
use crate::rules::Integer;
use crate::runtime;

/// The cache, watched by a recorder or not: an unwatched one carries no probe at all.
#[derive(Debug)]
enum Inner {
    Plain(rwlock_cache::Cache<u64, String>),
    Watched(rwlock_cache::Cache<u64, String, Watch>),
}

/// A read-heavy cache: readers share a fair reader-writer lock, a writer has it alone, and a
/// missing key is computed once however many threads miss it at the same moment.
///
/// Every method waits for the lock (and `get_or_compute` for its computation) with the GIL
/// released, so Python threads using one cache run in parallel and never deadlock on it.
#[pyclass(module = "cookbook_rs", frozen)]
#[derive(Debug)]
pub(crate) struct Cache {
    inner: Inner,
    runtime: &'static Runtime,
}

#[pymethods]
impl Cache {
    /// With an `observer`, the cache's locks and computes are recorded (see
    /// `cookbook_rs.observed`).
    #[new]
    #[pyo3(signature = (*, observer = None))]
    fn new(py: Python<'_>, observer: Option<&Bound<'_, CacheRecorder>>) -> PyResult<Self> {
        let inner = match observer {
            None => Inner::Plain(rwlock_cache::Cache::new()),
            Some(recorder) => {
                Inner::Watched(rwlock_cache::Cache::with_probe(recorder.get().watch()))
            }
        };
        Ok(Self {
            inner,
            runtime: runtime::timers(py)?,
        })
    }

    // --8<-- [start:python-rust]
    /// The value of `key`, or None if the cache holds none.
    fn get(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        let key = args::integer("key", key, &Integer::UNSIGNED)?;
        match &self.inner {
            Inner::Plain(cache) => runtime::wait(py, self.runtime, cache.get(&key)),
            Inner::Watched(cache) => runtime::wait(py, self.runtime, cache.get(&key)),
        }
    }

    /// Store `value` under `key`, replacing what was there.
    fn set(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let key = args::integer("key", key, &Integer::UNSIGNED)?;
        let value = args::text("value", value)?;
        match &self.inner {
            Inner::Plain(cache) => runtime::wait(py, self.runtime, cache.set(key, value)),
            Inner::Watched(cache) => runtime::wait(py, self.runtime, cache.set(key, value)),
        }
    }

    /// The value of `key`. On a miss, the first caller computes `work(key, cost)` as 16 hex
    /// digits, outside the lock, and stores it unless a `set` got there first; every caller
    /// that missed meanwhile waits for that one computation and returns what the cache holds.
    fn get_or_compute(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        cost: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let key = args::integer("key", key, &Integer::UNSIGNED)?;
        let cost = args::integer("cost", cost, &Integer::UNSIGNED)?;
        match &self.inner {
            Inner::Plain(cache) => {
                let compute = || async move { hex(work(key, cost)) };
                runtime::wait(py, self.runtime, cache.get_or_compute(key, compute))
            }
            Inner::Watched(cache) => {
                let compute = || cache.probe().compute(key, cost);
                runtime::wait(py, self.runtime, cache.get_or_compute(key, compute))
            }
        }
    }
    // --8<-- [end:python-rust]
}
