//! `Cache`: `cookbook::rwlock_cache::Cache` of integer keys and text values, for Python
//! threads.

use cookbook::rwlock_cache;
use cookbook::work::{hex, work};
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::args;
use crate::rules::Integer;
use crate::runtime;

/// A read-heavy cache: readers share a fair reader-writer lock, a writer has it alone, and a
/// missing key is computed once however many threads miss it at the same moment.
///
/// Every method waits for the lock (and `get_or_compute` for its computation) with the GIL
/// released, so Python threads using one cache run in parallel and never deadlock on it.
#[pyclass(module = "cookbook_rs", frozen)]
#[derive(Debug)]
pub(crate) struct Cache {
    inner: rwlock_cache::Cache<u64, String>,
    runtime: &'static Runtime,
}

#[pymethods]
impl Cache {
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        Ok(Self {
            inner: rwlock_cache::Cache::new(),
            runtime: runtime::timers(py)?,
        })
    }

    // --8<-- [start:python-rust]
    /// The value of `key`, or None if the cache holds none.
    fn get(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        let key = args::integer("key", key, &Integer::UNSIGNED)?;
        Ok(py.detach(|| self.runtime.block_on(self.inner.get(&key))))
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
        py.detach(|| self.runtime.block_on(self.inner.set(key, value)));
        Ok(())
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
        let compute = || async move { hex(work(key, cost)) };
        Ok(py.detach(|| {
            self.runtime
                .block_on(self.inner.get_or_compute(key, compute))
        }))
    }
    // --8<-- [end:python-rust]
}
