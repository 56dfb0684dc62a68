//! What the cookbook's contract observes (`docs/contract.md`), recorded where only Rust can see
//! it, inside a worker's slot or under the cache's lock, by recorders that the public API takes
//! as an optional `observer`. The Python runner's `rust` variant passes them; without one, a
//! call records nothing and carries no probe, so a program that uses the patterns never pays for
//! recording.
//!
//! - [`jobs`]: `PoolRecorder`, for `WorkerPool.map`: one event per job and the in-flight count.
//! - [`watch`] and [`cache`]: `CacheRecorder`, for `Cache`: a probe that records every lock a
//!   client takes and holds it as long as the case says, and every compute.

pub(crate) mod cache;
pub(crate) mod clock;
pub(crate) mod jobs;
pub(crate) mod watch;
