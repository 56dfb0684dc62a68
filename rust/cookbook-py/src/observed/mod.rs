//! The instrumented entry points: the same patterns, recording what the cookbook's contract
//! observes (`docs/contract.md`) where only Rust can see it, inside a worker's slot or under
//! the cache's lock. The Python runner's `rust` variant drives them; the public API above
//! stays free of probes, and a program that uses the patterns never pays for recording.
//!
//! - [`jobs`] and [`pool`]: the contract's jobs (sleep, work, maybe fail) on a `WorkerPool`,
//!   with one event per job and the in-flight count.
//! - [`watch`] and [`cache`]: a cache whose probe records every lock a client takes and holds
//!   it as long as the case says, and every compute.

pub(crate) mod cache;
pub(crate) mod clock;
pub(crate) mod jobs;
pub(crate) mod pool;
pub(crate) mod watch;
