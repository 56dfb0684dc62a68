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
//! # A job that panics
//!
//! A panic is a bug in one job, and the pool must not lose the other jobs to it: a panic that
//! ended its worker would silently drop the jobs that worker would have taken next, and one
//! raised again in the caller would drop every result. [`run_catching`] ends the panicking job
//! alone and answers [`Panicked`] in its place. Each worker catches the panic around the one job
//! it polls, as tokio does at a task's boundary (it is how a `JoinSet` can report
//! `JoinError::is_panic`). Giving every job a task of its own, and reading its `JoinError`, would
//! say the same with a spawn and a wake-up per job: about 15 times slower than the whole pool at
//! the benchmark's job sizes, where catching costs nothing until a job panics.
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

use std::any::Any;
use std::future::poll_fn;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;

use tokio::task::JoinSet;

use crate::panicked::Panicked;

// --8<-- [start:worker-pool]
/// Runs `job` on every item of `jobs`, with at most `workers` jobs in flight at once, and
/// returns the results in completion order.
///
/// A failing job is just a result: make `R` a `Result` and the other jobs carry on. A job that
/// panics is a bug in that job alone: its result is the [`Panicked`], which says where the job
/// was in `jobs`, and every other job still runs.
pub async fn run_catching<J, R, F, Fut>(
    workers: NonZeroUsize,
    jobs: impl IntoIterator<Item = J, IntoIter: Send + 'static>,
    job: F,
) -> Vec<Result<R, Panicked>>
where
    J: Send + 'static,
    R: Send + 'static,
    F: Fn(J) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    // Each job is numbered as it is queued, so that a panic can say which job it was.
    let jobs = jobs.into_iter().enumerate();
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
            while let Some((index, next)) = take(&queue) {
                let result = caught(job(next)).await;
                done.push(result.map_err(|payload| Panicked::new(index, payload)));
            }
            done
        });
    }
    // Jobs cannot panic past `caught`, so `join_all` re-raises only a panic of the iterator.
    pool.join_all().await.into_iter().flatten().collect()
}

/// Polls `job` to its end, catching a panic as a task boundary does: the job's future is
/// dropped with whatever it held before the worker takes its next job.
///
/// `AssertUnwindSafe`, as `tokio::spawn` asks no `UnwindSafe` either: the job that panicked is
/// never polled again, and what it shared is the caller's, as with any panicking task.
async fn caught<Fut: Future>(job: Fut) -> Result<Fut::Output, Box<dyn Any + Send>> {
    let mut job = pin!(job);
    poll_fn(|context| {
        let polled = catch_unwind(AssertUnwindSafe(|| job.as_mut().poll(context)));
        match polled {
            Ok(polled) => polled.map(Ok),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    })
    .await
}

/// Takes the next job. Its own function so that the lock guard is dropped before the job runs:
/// in a `while let` condition the guard would live through the loop body.
fn take<I: Iterator>(queue: &Mutex<I>) -> Option<I::Item> {
    // A poisoned lock means another worker's iterator panicked; `join_all` re-raises that panic,
    // so the queue itself is still sound to read.
    queue.lock().unwrap_or_else(PoisonError::into_inner).next()
}
// --8<-- [end:worker-pool]

/// [`run_catching`] for jobs that must not panic: every job still runs, then the first panic,
/// if any, is raised again here.
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
    run_catching(workers, jobs, job)
        .await
        .into_iter()
        .map(|done| done.unwrap_or_else(|panicked| resume_unwind(panicked.into_panic())))
        .collect()
}
