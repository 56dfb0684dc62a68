//! An error group: tasks run as one unit, at most `limit` at once. Fail-fast, the first failure
//! cancels every running sibling, starts no more, and is the group's error once every task has
//! stopped; collect-all, every task runs to its end. A task may run a group of its own, and
//! cancelling that task cancels its group's tasks too.
//!
//! # In production
//!
//! A `JoinSet`, with `join_next` in a loop and `abort_all` on the first error, is the usual
//! tokio shape for a flat group; tokio-util's `CancellationToken` (with `child_token` for
//! nesting) and `TaskTracker` are the parts to add for a tree of them. Go's `errgroup` is the
//! same idea with a context.
//!
//! # Why a signal, and not `abort`
//!
//! `abort` drops a task's future at its next `.await`, and a future that owns a `JoinSet` of
//! its own (an inner group) drops that set with it, which aborts the inner tasks but cannot
//! wait for them: the outer group would return while its grandchildren are still stopping.
//! So a group cancels through a signal ([`cancel`](crate::cancel)) that each task receives and
//! waits on: a plain task returns at once, and an inner group passes the signal on to its own
//! tasks and returns only once they have stopped, so that waiting for the direct tasks waits
//! for the whole tree.
//!
//! # Cancellation
//!
//! Cancel a group through its `parent` signal: it stops as after a failure, and returns once
//! every task has stopped. Dropping its future instead drops its `JoinSet`, which aborts the
//! tasks, without waiting for them.

use std::num::NonZeroUsize;
use std::panic::resume_unwind;

use tokio::task::JoinSet;

use crate::cancel::{self, Cancelled};

// --8<-- [start:error-group]
/// What the group does when a task fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The first failure cancels the running tasks, starts no more, and is the group's error.
    FailFast,
    /// Every task runs to its end, and the group never fails.
    CollectAll,
}

/// Every task's result, in input order; `None` for a task that never started.
pub type Results<T, E> = Vec<Option<Result<T, E>>>;

/// Runs `tasks` in input order, at most `limit` at once (`None`: all at once), each given the
/// group's own cancellation signal, which fires on a fail-fast failure or when `parent` fires.
/// Returns once every task that started has ended: every result, or a fail-fast group's first
/// failure.
///
/// A task is expected to return soon after its signal fires (with an error of its choosing:
/// it did not succeed); one that ignores it runs to its end, and the group waits for it.
pub async fn run<T, E, F, Fut>(
    policy: Policy,
    limit: Option<NonZeroUsize>,
    parent: &Cancelled,
    tasks: impl IntoIterator<Item = F>,
) -> Result<Results<T, E>, E>
where
    T: Send + 'static,
    E: Send + 'static,
    F: FnOnce(Cancelled) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    let tasks: Vec<F> = tasks.into_iter().collect();
    let mut results: Results<T, E> = tasks.iter().map(|_| None).collect();
    let limit = limit.map_or(usize::MAX, NonZeroUsize::get);
    // `Some` while the group runs; taken (dropped) to cancel every task holding `cancelled`.
    let (cancel, cancelled) = cancel::signal();
    let mut cancel = Some(cancel);
    let mut failure = None;
    let mut waiting = tasks.into_iter().enumerate();
    let mut running = JoinSet::new();
    loop {
        // A task starts only when there is room for it, so the limit needs no semaphore; and
        // none starts once the group is cancelled: the rest stay never started.
        while cancel.is_some() && running.len() < limit {
            let Some((index, task)) = waiting.next() else {
                break;
            };
            let task = task(cancelled.clone());
            running.spawn(async move { (index, task.await) });
        }
        let ended = tokio::select! {
            ended = running.join_next() => ended,
            // The parent's cancellation is this group's: passed on to every task at once.
            () = parent.cancelled(), if cancel.is_some() => {
                cancel = None;
                continue;
            }
        };
        // `None`: nothing is running, and nothing more will start.
        let Some(ended) = ended else {
            break;
        };
        // Nothing is aborted, so a `JoinError` is a task's panic: raised again here.
        let (index, result) = ended.unwrap_or_else(|error| resume_unwind(error.into_panic()));
        match result {
            Err(error) if policy == Policy::FailFast && failure.is_none() => {
                cancel = None;
                failure = Some(error);
            }
            result => results[index] = Some(result),
        }
    }
    failure.map_or(Ok(results), Err)
}
// --8<-- [end:error-group]
