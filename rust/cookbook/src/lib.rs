//! Concurrency patterns for tokio, one module each, held to the cookbook's language-neutral
//! contract so that they can be compared with their Python, Go and TypeScript counterparts.
//!
//! - [`work`]: the deterministic CPU cost that every language computes bit for bit.
//! - [`worker_pool`]: a fixed number of workers drain a list of jobs.
//! - [`fan_in`]: merge concurrent sources into one stream; scatter work and gather the results.
//! - [`panicked`]: what those pools answer for a job or call that panicked.
//! - [`rwlock_cache`]: a read-heavy cache behind a reader-writer lock, with single-flight misses.
//! - [`limiter`]: what the rate limiters share, and the live limiter callers await.
//! - [`token_bucket`] and [`sliding_window`]: the two rate limiters' decision cores.
//! - [`producer_consumer`]: producers and consumers around one bounded queue, FIFO or LIFO.
//! - [`pipeline`]: stages of workers joined by bounded queues, stopped by the first failure.
//! - [`batching`]: items grouped by size or by time, whichever first, on given times or live.
//! - [`priority_queue`]: workers take the most urgent job first; failed attempts retry behind.
//! - [`pub_sub`]: topics whose subscribers each have a buffer, with a policy for slow ones.
//! - [`clock`]: the live clock that retry and the gates decide with, in nanosecond ticks.
//! - [`retry`]: a failing call tried again after growing, jittered delays, within limits.
//! - [`throttle`]: at most one call per interval, on the leading edge, the trailing or both.
//! - [`debounce`]: a burst of calls becomes its latest, once quiet, within a maximum wait.
//! - [`circuit_breaker`]: rejects calls while a dependency fails, then probes it again.
//! - [`cancel`]: a cancellation signal that tasks wait on, for the timeout and the error group.
//! - [`timeout`]: an operation, or a group, under a deadline, with a cleanup that runs once.
//! - [`first_completed`]: the first to finish, the first to succeed, or a hedged request.
//! - [`error_group`]: tasks that fail fast or report every outcome, in groups within groups.

pub mod batching;
pub mod cancel;
pub mod circuit_breaker;
pub mod clock;
pub mod debounce;
pub mod error_group;
pub mod fan_in;
pub mod first_completed;
pub mod limiter;
pub mod panicked;
pub mod pipeline;
pub mod priority_queue;
pub mod producer_consumer;
pub mod pub_sub;
pub mod retry;
pub mod rwlock_cache;
pub mod sliding_window;
pub mod throttle;
pub mod timeout;
pub mod token_bucket;
pub mod work;
pub mod worker_pool;
