//! A fixed number of workers drain a list of jobs: every job runs exactly once, never more than
//! `workers` at a time, and each job's result comes back whatever the others did.
//!
//! # In production
//!
//! Reach for a well-kept library before this module:
//!
//! - I/O-bound jobs (requests, queries): `futures::stream::iter(jobs).map(job)
//!   .buffer_unordered(workers)` from the `futures` crate. It polls up to `workers` futures
//!   concurrently inside the caller's own task, with no spawning at all, and cancellation is
//!   dropping the stream.
//! - CPU-bound jobs (hashing, parsing, compressing): `rayon`, with `par_iter` on a thread pool
//!   built with `num_threads(workers)`. Its work-stealing threads keep every core busy, and its
//!   threads are not the async runtime's, so timers and sockets keep running.
//!
//! This module shows the mechanism those libraries hide, with the guarantees the contract
//! checks: a hard bound on jobs in flight, and no task left behind.
//!
//! # Why N workers and not a task per job
//!
//! The other common shape spawns one task per job into a `JoinSet`, after taking a permit from
//! an `Arc<Semaphore>`. It is the right tool when jobs arrive over time from many places. With
//! the whole job list in hand, N long-lived workers draining one queue are simpler and cheaper:
//! the bound is structural (N workers can hold at most N jobs, with no permit to forget), the
//! pool spawns N tasks rather than one per job (100 000 jobs cost 4 spawns, not 100 000), and
//! results travel back once per worker rather than once per job.
//!
//! # CPU-bound jobs
//!
//! A job runs on a runtime thread, and a job that computes without reaching an `.await` holds
//! that thread: timers and I/O of other tasks wait until it yields. Tokio's rule of thumb is at
//! most 10 to 100 microseconds between two `.await`s. A job that computes for longer belongs on
//! `tokio::task::spawn_blocking` when it is an occasional heavy step among I/O, or on `rayon`
//! when the work is mostly computation.
//!
//! # Cancellation
//!
//! Dropping the future that [`run`] returns (a `timeout` that fires, a `select!` that picks
//! another branch, a parent task that is aborted) drops the `JoinSet` that owns the workers,
//! and a `JoinSet` aborts its tasks when dropped. A worker waiting at an `.await` is stopped
//! there, and its job future is dropped with it; a worker in the middle of a computation stops
//! at its next `.await`, because abort cannot interrupt code that does not yield. Jobs not yet
//! started are dropped with the queue. No worker outlives the pool, so no job keeps running for
//! a caller that has gone.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::task::JoinSet;

// --8<-- [start:worker-pool]
/// Runs `job` on every item of `jobs`, with at most `workers` jobs in flight at once, and
/// returns the results in completion order.
///
/// A failing job is just a result: make `R` a `Result` and the other jobs carry on. A job that
/// panics is a bug; the panic is raised again here and the remaining jobs are cancelled.
pub async fn run<J, R, F, Fut>(
    workers: NonZeroUsize,
    jobs: impl IntoIterator<Item = J, IntoIter: Send + 'static>,
    job: F,
) -> Vec<R>
where
    J: Send + 'static,
    R: Send + 'static,
    F: Fn(J) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let jobs = jobs.into_iter();
    // A worker beyond the number of jobs would only find the queue empty, so none is spawned;
    // but always one, because a size hint is a hint and every job must still be taken.
    let upper = jobs.size_hint().1.unwrap_or(usize::MAX);
    let workers = workers.get().min(upper).max(1);
    // One queue for all workers, so a worker that finishes early takes the next job instead of
    // idling beside a private backlog. A std Mutex rather than tokio's: it is held only to take
    // one job, never across an `.await`.
    let queue = Arc::new(Mutex::new(jobs));
    let job = Arc::new(job);
    let mut pool = JoinSet::new();
    for _ in 0..workers {
        let queue = Arc::clone(&queue);
        let job = Arc::clone(&job);
        pool.spawn(async move {
            let mut done = Vec::new();
            while let Some(next) = take(&queue) {
                done.push(job(next).await);
            }
            done
        });
    }
    // `join_all` re-raises a worker's panic and aborts the other workers.
    pool.join_all().await.into_iter().flatten().collect()
}

/// Takes the next job. Its own function so that the lock guard is dropped before the job runs:
/// in a `while let` condition the guard would live through the loop body.
fn take<I: Iterator>(queue: &Mutex<I>) -> Option<I::Item> {
    // A poisoned lock means another worker's iterator panicked; `join_all` re-raises that panic,
    // so the queue itself is still sound to read.
    queue.lock().unwrap_or_else(PoisonError::into_inner).next()
}
// --8<-- [end:worker-pool]
