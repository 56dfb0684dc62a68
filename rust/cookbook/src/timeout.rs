//! Timeouts: an operation, or a group of operations, under a deadline. On time, the result is
//! kept; late, the operation is cancelled and its cleanup runs exactly once before the call
//! returns; with nested deadlines, the earlier one fires and is the one reported.
//!
//! # In production
//!
//! `tokio::time::timeout` and `timeout_at` around the future: dropping the future is the
//! cancellation, and `Elapsed` is an error of its own, never one of the future's. Nest them
//! freely; whichever `Err` comes back says which deadline fired. That is all most code needs.
//!
//! This module adds what they cannot give: a cleanup that awaits (a rollback, a cancel request
//! to the server, a lease given back) and must finish before the caller moves on.
//!
//! # Why each operation is a task of its own
//!
//! `timeout(d, operation)` cancels `operation` by dropping it at the `.await` it is waiting
//! at: the rest of its async block never runs, and `Drop` cannot await, so an async cleanup
//! written after the work, or in a drop guard, is skipped. Here each operation runs as a task:
//! its body in a `select!` with a stop signal, its cleanup after the `select!`, as plain code
//! that runs whichever branch won. The caller's deadlines wrap a *borrow* of the task's
//! handle: a deadline that fires drops only the waiting, and the task is still there to be
//! told to stop and then awaited, cleanup included.
//!
//! # Exactly once, even when the call is dropped
//!
//! Nothing ever aborts an operation's task, and a dropped `JoinHandle` detaches its task rather
//! than cancelling it, so the code after the `select!` runs once the body has ended, on every
//! path. Dropping the future of [`single`] or [`group`] before it returns drops the
//! [`Cancel`](crate::cancel::Cancel) it holds, which is the stop signal: each task stops its
//! body and runs its cleanup to the end, exactly once, in the background. Only the waiting is
//! lost, because a drop cannot await. (A runtime that shuts down drops every task, cleanups
//! included: no code runs then.)

use std::fmt;
use std::panic::resume_unwind;

use tokio::task::{JoinError, JoinHandle};
use tokio::time::error::Elapsed;
use tokio::time::{Instant, timeout_at};

use crate::cancel::{self, Cancelled};

// --8<-- [start:timeout]
/// The deadline that fired. An error of its own, so that a caller can never take it for the
/// operation's own failure, which may well be a timeout of some other deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimedOut {
    /// The call's deadline: the only one a group has.
    Outer,
    /// The deadline nested inside it.
    Inner,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Outer => f.write_str("the deadline passed"),
            Self::Inner => f.write_str("the inner deadline passed"),
        }
    }
}

impl std::error::Error for TimedOut {}

/// Runs `body` under the deadline `outer` and, when given, the deadline `inner` nested inside
/// it: whichever comes first cancels the body and is the one reported. `cleanup` runs once the
/// body has ended, whatever ended it, and the call returns only after it.
pub async fn single<T, B, C>(
    outer: Instant,
    inner: Option<Instant>,
    body: B,
    cleanup: C,
) -> Result<T, TimedOut>
where
    T: Send + 'static,
    B: Future<Output = T> + Send + 'static,
    C: Future<Output = ()> + Send + 'static,
{
    let (cancel, stop) = cancel::signal();
    let mut operation = spawn_guarded(body, cleanup, stop);
    // Nested as any code nests them: the outer `Err` is the outer deadline, the inner one the
    // inner. Both wrap `&mut operation`, so neither can drop the task itself.
    let fired = match timeout_at(outer, within(inner, &mut operation)).await {
        Ok(Ok(ended)) => Ok(ended),
        Ok(Err(Elapsed { .. })) => Err(TimedOut::Inner),
        Err(Elapsed { .. }) => Err(TimedOut::Outer),
    };
    // From here the operation may not run on: stop its body if it is still running (one that
    // has ended ignores the signal), then wait for its cleanup.
    cancel.cancel();
    match fired {
        // Only a deadline stops the body, so it ended by itself and its output is there.
        Ok(ended) => finished(ended).ok_or(TimedOut::Outer),
        // A body that ended just as the deadline fired keeps its result.
        Err(fired) => finished(operation.await).ok_or(fired),
    }
}

/// Runs every `(body, cleanup)` at once under the one `deadline`, and returns each result in
/// input order: those that ended in time keep their result, the others are cancelled then.
/// Every cleanup has run when the call returns.
pub async fn group<T, B, C>(
    deadline: Instant,
    operations: impl IntoIterator<Item = (B, C)>,
) -> Vec<Result<T, TimedOut>>
where
    T: Send + 'static,
    B: Future<Output = T> + Send + 'static,
    C: Future<Output = ()> + Send + 'static,
{
    let (cancel, stop) = cancel::signal();
    // Plain handles, not a `JoinSet`: dropping a `JoinSet` aborts its tasks, which would cut
    // the cleanups short if this call were dropped; a dropped handle lets its task finish.
    let mut operations: Vec<JoinHandle<Option<T>>> = operations
        .into_iter()
        .map(|(body, cleanup)| spawn_guarded(body, cleanup, stop.clone()))
        .collect();
    // They all run already, so waiting for them one after the other costs nothing: once the
    // deadline has passed, each wait returns at once, with the output of one that has ended.
    let mut in_time = Vec::with_capacity(operations.len());
    for operation in &mut operations {
        in_time.push(timeout_at(deadline, operation).await.ok());
    }
    // Stop every late one at once, and only then wait for them: stopping and awaiting them
    // one by one would run their cleanups one after the other, each after the last.
    cancel.cancel();
    let mut results = Vec::with_capacity(operations.len());
    for (ended, operation) in in_time.into_iter().zip(operations) {
        let ended = match ended {
            Some(ended) => ended,
            None => operation.await,
        };
        results.push(finished(ended).ok_or(TimedOut::Outer));
    }
    results
}

/// Spawns the task of one operation: its body until it ends or `stop` fires, then its
/// cleanup, which runs exactly once because it is plain code after the `select!` in a task
/// that nothing aborts. The output is the body's, or `None` when `stop` cancelled it first.
fn spawn_guarded<T, B, C>(body: B, cleanup: C, stop: Cancelled) -> JoinHandle<Option<T>>
where
    T: Send + 'static,
    B: Future<Output = T> + Send + 'static,
    C: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let ended = tokio::select! {
            // The body first: one that is ready as the signal comes has finished, and keeps
            // its output.
            biased;
            output = body => Some(output),
            // Drops `body` where it waits: how tokio cancels any future.
            () = stop.cancelled() => None,
        };
        cleanup.await;
        ended
    })
}

/// Awaits `future` until `deadline`, or for as long as it takes when there is none.
async fn within<F: Future>(deadline: Option<Instant>, future: F) -> Result<F::Output, Elapsed> {
    match deadline {
        Some(deadline) => timeout_at(deadline, future).await,
        None => Ok(future.await),
    }
}

/// What a task answered, with a panic of its body or cleanup raised again here. The task is
/// never aborted, so its only other error is the runtime shutting down, which stopped the
/// body as surely as a deadline would.
fn finished<T>(ended: Result<Option<T>, JoinError>) -> Option<T> {
    match ended {
        Ok(output) => output,
        Err(error) if error.is_panic() => resume_unwind(error.into_panic()),
        Err(_) => None,
    }
}
// --8<-- [end:timeout]
