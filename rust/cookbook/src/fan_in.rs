//! Fan-in and fan-out. [`merge`] reads several concurrent sources as one stream, each item as
//! soon as it is ready; [`gather`] and [`gather_fail_fast`] map a call over inputs with at most
//! `limit` calls in flight and return the results in input order.
//!
//! # In production
//!
//! Reach for a well-kept library before this module:
//!
//! - Merging: `tokio_stream::StreamExt::merge` for two streams, `tokio_stream::StreamMap` or
//!   `futures::stream::select_all` for many. They poll every source inside the consumer's own
//!   task, with no spawning and no channel.
//! - Scatter-gather: `futures::stream::iter(items).map(call).buffered(limit)`, which keeps at
//!   most `limit` calls in flight and yields results in input order; `.collect()` gathers them
//!   all, and `TryStreamExt::try_collect` stops at the first error and drops the calls still
//!   running.
//!
//! Those run every future inside one task. This module spawns a task per source and per call,
//! as code does when the work must run in parallel on the runtime's threads, and shows what the
//! libraries guarantee: nothing is lost or held back, the bound holds, and no task outlives the
//! call that spawned it.
//!
//! # A call that panics
//!
//! Each call is a task, and tokio catches a task's panic at its boundary: the gather reads it
//! from the task's `JoinError` and answers [`Panicked`] as that call's result, or, in
//! [`gather_fail_fast`], as the failure that cancels the rest. A panic that was raised again
//! instead would lose every other result, and one that was dropped would lose the call.
//!
//! # Cancellation
//!
//! Every task lives in a `JoinSet`, which aborts its tasks when dropped: dropping a [`Merged`]
//! stops the sources that are still producing, and dropping the future of a gather stops its
//! calls. [`gather_fail_fast`] goes further when a call fails or panics: it aborts the others
//! and waits until each has stopped before it returns the failure, so the caller never races a
//! call that is still finishing. A task is stopped at its next `.await`; abort cannot interrupt
//! code that does not yield.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::panic::resume_unwind;
use std::sync::Arc;
use std::thread;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::{self, JoinError, JoinSet};

use crate::panicked::Panicked;

// --8<-- [start:fan-in]
/// The merged stream of [`merge`]: it owns the source tasks, so dropping it stops them.
#[derive(Debug)]
pub struct Merged<T> {
    items: mpsc::Receiver<T>,
    sources: JoinSet<()>,
}

/// Runs every source as its own task, each sending its items on a clone of one channel, and
/// returns the single stream they all feed.
///
/// `buffer` is how many items may wait for the consumer. It is bounded on purpose: when the
/// consumer falls behind, fast sources wait at `send` instead of queueing without limit, so
/// memory stays bounded by `buffer` whatever the sources do.
pub fn merge<T, S, Fut>(sources: impl IntoIterator<Item = S>, buffer: NonZeroUsize) -> Merged<T>
where
    T: Send + 'static,
    S: FnOnce(mpsc::Sender<T>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (sender, items) = mpsc::channel(buffer.get());
    let mut tasks = JoinSet::new();
    for source in sources {
        tasks.spawn(source(sender.clone()));
    }
    // The receiver ends when the last sender is dropped. Each source drops its clone when it
    // returns; this original must go too, or the stream would wait forever for a sender that
    // nobody uses (and with no sources at all, it now ends at once).
    drop(sender);
    Merged {
        items,
        sources: tasks,
    }
}

impl<T> Merged<T> {
    /// The next item from whichever source has one, in the order they were sent; `None` once
    /// every source has returned.
    pub async fn recv(&mut self) -> Option<T> {
        let item = self.items.recv().await;
        if item.is_none() {
            // Every sender is gone, so every source has returned or panicked: a panic ends a
            // source early and silently, so it is raised again here rather than passed off as
            // the end of the stream.
            while let Some(done) = self.sources.join_next().await {
                joined(done);
            }
        }
        item
    }
}
// --8<-- [end:fan-in]

// --8<-- [start:scatter-gather]
/// Runs `call` on every item, at most `limit` at once, and returns every result in input
/// order, whatever order the calls finish in. A failure is just a result: make `R` a `Result`
/// and the other calls carry on. A call that panics is a bug in that call alone: its result is
/// the [`Panicked`], and the other calls carry on too.
pub async fn gather<T, R, F, Fut>(
    limit: NonZeroUsize,
    items: impl IntoIterator<Item = T>,
    call: F,
) -> Vec<Result<R, Panicked>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let mut calls = scatter(limit, items, call, None);
    let mut done = Vec::with_capacity(calls.tasks.len());
    // Every call gets its turn: nothing ever stops the scatter.
    while let Some(ended) = calls.next().await {
        done.push(ended);
    }
    in_input_order(done)
}

/// Why [`gather_fail_fast`] stopped.
#[derive(Debug)]
pub enum GatherError<E> {
    /// The first call to fail, with its error.
    Failed(E),
    /// The first call to panic, before any had failed.
    Panicked(Panicked),
}

/// Like [`gather`], but the first call to fail or to panic cancels every call still running
/// or still waiting for its turn, and that failure is returned once all of them have stopped.
/// No call starts once one has failed: the place the failed call gives back goes to no one.
pub async fn gather_fail_fast<T, V, E, F, Fut>(
    limit: NonZeroUsize,
    items: impl IntoIterator<Item = T>,
    call: F,
) -> Result<Vec<V>, GatherError<E>>
where
    T: Send + 'static,
    V: Send + 'static,
    E: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<V, E>> + Send + 'static,
{
    let mut calls = scatter(limit, items, call, Some(Result::is_err));
    let mut done = Vec::with_capacity(calls.tasks.len());
    while let Some((index, ended)) = calls.next().await {
        let failure = match ended {
            Ok(Ok(value)) => {
                done.push((index, value));
                continue;
            }
            Ok(Err(error)) => GatherError::Failed(error),
            Err(panicked) => GatherError::Panicked(panicked),
        };
        // Dropping the set would abort the calls but not wait for them; `shutdown` aborts
        // them and waits until each has stopped, so none is still running when the caller
        // sees the failure.
        calls.tasks.shutdown().await;
        return Err(failure);
    }
    Ok(in_input_order(done))
}

/// The calls of one scatter, each a task, and the item each task calls.
struct Calls<R> {
    tasks: JoinSet<Option<(usize, R)>>,
    /// A task that panicked returns nothing: its `JoinError` names the task, and this its item.
    items: HashMap<task::Id, usize>,
}

impl<R: Send + 'static> Calls<R> {
    /// The next call to end, with its item's index, and its result or its panic; `None` once
    /// every call has ended.
    async fn next(&mut self) -> Option<(usize, Result<R, Panicked>)> {
        while let Some(finished) = self.tasks.join_next().await {
            match finished {
                Ok(Some((index, result))) => return Some((index, Ok(result))),
                // Turned away once a call had failed; that call's failure is on its way.
                Ok(None) => {}
                // Tokio caught the panic at the task's boundary. The tasks are aborted only in
                // `shutdown` or when dropped, and none is joined after either, so an error is a
                // panic, never a cancellation.
                Err(error) => {
                    let index = self.items[&error.id()];
                    return Some((index, Err(Panicked::new(index, error.into_panic()))));
                }
            }
        }
        None
    }
}

/// Spawns a task per item. A task runs its call only once it holds one of `limit` permits,
/// and gives the permit back after the call has ended (or has been dropped, when the task is
/// aborted or its call panics), so at most `limit` calls are ever in flight.
///
/// With `stops` (fail-fast), a result that `stops` the scatter, or a panic, closes the
/// semaphore before its permit goes back, so every task still waiting for a permit, then or
/// later, ends without its call.
fn scatter<T, R, F, Fut>(
    limit: NonZeroUsize,
    items: impl IntoIterator<Item = T>,
    call: F,
    stops: Option<fn(&R) -> bool>,
) -> Calls<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.get()));
    let call = Arc::new(call);
    let mut calls = Calls {
        tasks: JoinSet::new(),
        items: HashMap::new(),
    };
    for (index, item) in items.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let call = Arc::clone(&call);
        let task = calls.tasks.spawn(async move {
            // `acquire` fails only once a failure or a panic has stopped the scatter. The
            // permit is declared before the call's future, so an aborted task drops the call
            // first and the permit after it.
            let permit = permits.acquire().await.ok()?;
            // Declared after the permit, so a panic drops it first: the scatter is closed
            // before the panicking call's permit goes back, as for a failing call below.
            let _closes = stops.map(|_| ClosesOnPanic(&permits));
            let result = call(item).await;
            if stops.is_some_and(|stops| stops(&result)) {
                permits.close();
            }
            drop(permit);
            Some((index, result))
        });
        calls.items.insert(task.id(), index);
    }
    calls
}

/// Closes the scatter's semaphore if it is dropped while its call's panic unwinds.
struct ClosesOnPanic<'a>(&'a Semaphore);

impl Drop for ClosesOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.close();
        }
    }
}

fn in_input_order<R>(mut done: Vec<(usize, R)>) -> Vec<R> {
    done.sort_unstable_by_key(|&(index, _)| index);
    done.into_iter().map(|(_, result)| result).collect()
}
// --8<-- [end:scatter-gather]

/// A source's end, or its panic raised again here. A merge aborts its sources only when it is
/// dropped, and no result is read after that, so an error is a panic.
fn joined<R>(finished: Result<R, JoinError>) -> R {
    finished.unwrap_or_else(|error| resume_unwind(error.into_panic()))
}
