//! The cookbook's Rust patterns (the `cookbook` crate), callable in-process from Python as the
//! extension module `cookbook_rs._native`. The Python package `cookbook_rs` (in `python/`)
//! re-exports its public API; this crate only binds, and every pattern is the library's own.
//!
//! - [`pool`]: `work`, and `WorkerPool` mapping it over seeds or `Job`s with
//!   `cookbook::worker_pool`.
//! - [`cache`]: `Cache`, over `cookbook::rwlock_cache`.
//! - [`limiters`]: the decision cores `TokenBucket` and `SlidingWindow`, and the live
//!   `Limiter` over `cookbook::limiter`.
//! - [`observed`]: the recorders that `WorkerPool.map` and `Cache` take as an optional
//!   observer, recording what the cookbook's contract observes, for the Python runner's `rust`
//!   variant.
//!
//! Every call that blocks or computes releases the GIL, and lets Python handle its signals
//! while it waits ([`runtime`] says how), so Python threads calling into the module run in
//! parallel, and Ctrl-C stops a call in the main thread.

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
    use crate::observed::cache::{AsClient, CacheObservation, CacheRecorder};
    #[pymodule_export]
    use crate::observed::jobs::{Event, PoolObservation, PoolRecorder};
    #[pymodule_export]
    use crate::observed::watch::{Compute, Lock};
    #[pymodule_export]
    use crate::pool::{Job, JobFailed, WorkerPool, work};
}
