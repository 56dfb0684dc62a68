//! Concurrency patterns for tokio, one module each, held to the cookbook's language-neutral
//! contract so that they can be compared with their Python, Go and TypeScript counterparts.
//!
//! - [`work`]: the deterministic CPU cost that every language computes bit for bit.
//! - [`worker_pool`]: a fixed number of workers drain a list of jobs.

pub mod work;
pub mod worker_pool;
