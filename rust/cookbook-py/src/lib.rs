//! The cookbook's Rust patterns (the `cookbook` crate), callable in-process from Python as the
//! extension module `cookbook_rs._native`. The Python package `cookbook_rs` (in `python/`)
//! re-exports its public API; this crate only binds, and every pattern is the library's own.
//!
//! - [`pool`]: `work`, and `WorkerPool` mapping it over seeds with `cookbook::worker_pool`.
//! - [`cache`]: `Cache`, over `cookbook::rwlock_cache`.
//! - [`limiters`]: the decision cores `TokenBucket` and `SlidingWindow`, and the live
//!   `Limiter` over `cookbook::limiter`.
//! - [`observed`]: the same patterns, instrumented as the cookbook's contract observes them,
//!   for the Python runner's `rust` variant.
//!
//! Every call that blocks or computes releases the GIL ([`runtime`] says how), so Python
//! threads calling into the module run in parallel.

mod args;
mod cache;
mod decider;
mod limiters;
mod observed;
mod pool;
mod rules;
mod runtime;

use pyo3::prelude::*;

/// The cookbook's Rust patterns; import them from `cookbook_rs`.
#[pymodule(name = "_native")]
mod native {
    #[pymodule_export]
    use crate::cache::Cache;
    #[pymodule_export]
    use crate::limiters::{Admission, Limiter, SlidingWindow, TokenBucket};
    #[pymodule_export]
    use crate::observed::cache::{CacheObservation, ObservedCache};
    #[pymodule_export]
    use crate::observed::jobs::{Event, PoolObservation};
    #[pymodule_export]
    use crate::observed::pool::{observe_jobs, run_jobs};
    #[pymodule_export]
    use crate::observed::watch::{Compute, Lock};
    #[pymodule_export]
    use crate::pool::{WorkerPool, work};
}
