//! The first of several operations to complete: [`race`] takes the first to finish, success or
//! failure; [`any`] the first to succeed, or every error when all fail; [`hedge`] starts a
//! backup only when the primary is late, and takes whichever of them succeeds first. No loser
//! is left running when the call returns.
//!
//! # In production
//!
//! - Two or three futures known in advance: `tokio::select!`, which polls them in the caller's
//!   own task and drops the losers when one branch completes.
//! - Many futures of one type: `futures::future::select_ok` (the first success) or
//!   `select_all` (the first to finish), which likewise drop the rest.
//!
//! Those run every operation inside the caller's task. This module spawns each operation as a
//! task of its own, as code does when the operations must run in parallel on the runtime's
//! threads, and then the losers are not futures to drop but tasks to stop.
//!
//! # Why abort and then join
//!
//! Dropping a `JoinHandle` does not stop its task: it detaches it, and the task runs on with no
//! one to read its result. So a `select!` over handles leaves every loser running. A `JoinSet`
//! owns its tasks instead: `abort_all` asks each to stop at its next `.await`, and joining them
//! afterwards (`shutdown` does both) returns only once each has stopped, so the caller never
//! races a loser that is still finishing.
//!
//! # Cancellation
//!
//! Dropping the future of any of these calls drops its `JoinSet`, which aborts every operation
//! still running, though without waiting for them: a drop cannot await.

use std::panic::resume_unwind;
use std::time::Duration;

use tokio::task::{JoinError, JoinSet};
use tokio::time::timeout;

// --8<-- [start:first-completed]
/// The first operation to finish, success or failure, as its place in the input and its
/// output; `None` when there are no operations. The others are stopped before it returns.
pub async fn race<T, Fut>(operations: impl IntoIterator<Item = Fut>) -> Option<(usize, T)>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let mut running = spawn_all(operations);
    let first = running.join_next().await.map(joined);
    // Abort the losers, and wait until every one of them has stopped.
    running.shutdown().await;
    first
}

/// The first operation to succeed, as its place in the input and its value; when every one
/// fails, every error, in input order. The others are stopped before it returns.
pub async fn any<T, E, Fut>(operations: impl IntoIterator<Item = Fut>) -> Result<(usize, T), Vec<E>>
where
    T: Send + 'static,
    E: Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    let mut running = spawn_all(operations);
    let mut errors = Vec::new();
    let first = first_success(&mut running, &mut errors).await;
    running.shutdown().await;
    first.ok_or_else(|| in_input_order(errors))
}

/// What [`hedge`] answers.
#[derive(Debug, PartialEq, Eq)]
pub struct Hedged<T, E> {
    /// The first success, `0` for the primary and `1` for the backup; or every error of the
    /// calls that started, the primary's first.
    pub first: Result<(usize, T), Vec<E>>,
    /// Whether the backup started.
    pub hedged: bool,
}

/// Starts `primary`; if it has not succeeded after `after`, starts `backup` too, and answers
/// the first of them to succeed. A primary that fails early starts the backup at once, as a
/// retry would. The one still running is stopped before it returns.
///
/// `backup` is a future, and a future does nothing until it is polled: building it costs
/// nothing, and it runs only if it is spawned.
pub async fn hedge<T, E, Fut>(after: Duration, primary: Fut, backup: Fut) -> Hedged<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    let mut running = JoinSet::new();
    running.spawn(async move { (0, primary.await) });
    let mut errors = Vec::new();
    // `join_next` is cancel-safe: when the timeout drops it, the primary's result stays in the
    // set for the next join.
    if let Ok(Some(ended)) = timeout(after, running.join_next()).await {
        match joined(ended) {
            (index, Ok(value)) => {
                return Hedged {
                    first: Ok((index, value)),
                    hedged: false,
                };
            }
            (index, Err(error)) => errors.push((index, error)),
        }
    }
    running.spawn(async move { (1, backup.await) });
    let first = first_success(&mut running, &mut errors).await;
    running.shutdown().await;
    Hedged {
        first: first.ok_or_else(|| in_input_order(errors)),
        hedged: true,
    }
}

/// Spawns every operation at once, each answering its place in the input beside its output.
fn spawn_all<T, Fut>(operations: impl IntoIterator<Item = Fut>) -> JoinSet<(usize, T)>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let mut running = JoinSet::new();
    for (index, operation) in operations.into_iter().enumerate() {
        running.spawn(async move { (index, operation.await) });
    }
    running
}

/// Joins operations as they finish until one succeeds, keeping the errors before it; `None`
/// once every operation in the set has failed.
async fn first_success<T, E>(
    running: &mut JoinSet<(usize, Result<T, E>)>,
    errors: &mut Vec<(usize, E)>,
) -> Option<(usize, T)>
where
    T: 'static,
    E: 'static,
{
    while let Some(ended) = running.join_next().await {
        match joined(ended) {
            (index, Ok(value)) => return Some((index, value)),
            (index, Err(error)) => errors.push((index, error)),
        }
    }
    None
}

/// A finished operation's output. Nothing is aborted before the joins that read it, so a
/// `JoinError` is a panic, raised again here; unwinding drops the set, which aborts the rest.
fn joined<T>(ended: Result<T, JoinError>) -> T {
    ended.unwrap_or_else(|error| resume_unwind(error.into_panic()))
}

fn in_input_order<E>(mut errors: Vec<(usize, E)>) -> Vec<E> {
    errors.sort_unstable_by_key(|&(index, _)| index);
    errors.into_iter().map(|(_, error)| error).collect()
}
// --8<-- [end:first-completed]
