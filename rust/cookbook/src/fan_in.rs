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
//! # Cancellation
//!
//! Every task lives in a `JoinSet`, which aborts its tasks when dropped: dropping a [`Merged`]
//! stops the sources that are still producing, and dropping the future of a gather stops its
//! calls. [`gather_fail_fast`] goes further when a call fails: it aborts the others and waits
//! until each has stopped before it returns the error, so the caller never races a call that
//! is still finishing. A task is stopped at its next `.await`; abort cannot interrupt code that
//! does not yield.

use std::num::NonZeroUsize;
use std::panic::resume_unwind;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::{JoinError, JoinSet};

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
/// and the other calls carry on.
pub async fn gather<T, R, F, Fut>(
    limit: NonZeroUsize,
    items: impl IntoIterator<Item = T>,
    call: F,
) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let mut calls = scatter(limit, items, call, |_| false);
    let mut done = Vec::with_capacity(calls.len());
    while let Some(finished) = calls.join_next().await {
        // Every call gets its turn: nothing ever stops the scatter.
        done.extend(joined(finished));
    }
    in_input_order(done)
}

/// Like [`gather`], but the first call to fail cancels every call still running or still
/// waiting for its turn, and its error is returned once all of them have stopped. No call
/// starts once one has failed: the place the failed call gives back goes to no one.
pub async fn gather_fail_fast<T, V, E, F, Fut>(
    limit: NonZeroUsize,
    items: impl IntoIterator<Item = T>,
    call: F,
) -> Result<Vec<V>, E>
where
    T: Send + 'static,
    V: Send + 'static,
    E: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<V, E>> + Send + 'static,
{
    let mut calls = scatter(limit, items, call, Result::is_err);
    let mut done = Vec::with_capacity(calls.len());
    while let Some(finished) = calls.join_next().await {
        match joined(finished) {
            Some((index, Ok(value))) => done.push((index, value)),
            // Turned away once a call had failed; that call's error is on its way.
            None => {}
            Some((_, Err(error))) => {
                // Dropping the set would abort the calls but not wait for them; `shutdown`
                // aborts them and waits until each has stopped, so none is still running
                // when the caller sees the error.
                calls.shutdown().await;
                return Err(error);
            }
        }
    }
    Ok(in_input_order(done))
}

/// Spawns a task per item, each tagged with its index. A task runs its call only once it
/// holds one of `limit` permits, and gives the permit back after the call has ended (or has
/// been dropped, when the task is aborted), so at most `limit` calls are ever in flight.
///
/// A result that `stops` the scatter closes the semaphore before its permit goes back, so
/// every task still waiting for a permit, then or later, ends without its call (`None`).
fn scatter<T, R, F, Fut>(
    limit: NonZeroUsize,
    items: impl IntoIterator<Item = T>,
    call: F,
    stops: fn(&R) -> bool,
) -> JoinSet<Option<(usize, R)>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.get()));
    let call = Arc::new(call);
    let mut calls = JoinSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let call = Arc::clone(&call);
        calls.spawn(async move {
            // `acquire` fails only once a result has stopped the scatter. The permit is
            // declared before the call's future, so an aborted task drops the call first and
            // the permit after it.
            let permit = permits.acquire().await.ok()?;
            let result = call(item).await;
            if stops(&result) {
                permits.close();
            }
            drop(permit);
            Some((index, result))
        });
    }
    calls
}

fn in_input_order<R>(mut done: Vec<(usize, R)>) -> Vec<R> {
    done.sort_unstable_by_key(|&(index, _)| index);
    done.into_iter().map(|(_, result)| result).collect()
}
// --8<-- [end:scatter-gather]

/// A finished task's output, or its panic raised again here. These sets abort their tasks only
/// in `shutdown` or when dropped, and no result is read after either, so an error is a panic.
fn joined<R>(finished: Result<R, JoinError>) -> R {
    finished.unwrap_or_else(|error| resume_unwind(error.into_panic()))
}
