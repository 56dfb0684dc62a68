//! Items flow through stages, each stage with its own workers, connected by bounded queues:
//! while one item is in stage 2, the next is in stage 1. Each queue's capacity bounds the memory
//! between two stages and makes a fast stage wait for a slow one. The end of the input flows
//! through every stage, and the first failure in any stage stops all of them.
//!
//! # In production
//!
//! Reach for streams before this module when the stages need no workers of their own:
//! `futures::StreamExt::then` for a stage, `buffered(n)` (input order) or
//! `buffer_unordered(n)` (completion order) for a stage with `n` calls in flight, and
//! `TryStreamExt` to stop at the first error. They run every stage inside the caller's task,
//! with no spawning and no channel. This module spawns a task per worker, as code does when the
//! stages must run in parallel on the runtime's threads, and shows what the streams hide.
//!
//! # Queues, and who ends them
//!
//! Each stage reads from a `tokio::sync::mpsc` channel of its own capacity. Its workers share
//! the one receiver behind an `Arc<tokio::sync::Mutex<_>>`: a tokio mutex, because the guard is
//! held across `recv().await`. Only the waiting is serialised (the worker holding the lock is
//! the one that gets the next item), never the work, which happens after the lock is dropped.
//! Every worker of a stage holds a clone of the next stage's sender, and nothing else does: when
//! the last worker of a stage returns, its clone is dropped, and the next stage's `recv`
//! answers `None` once it has taken everything already sent. The end of the input is the
//! source dropping the first sender, and it reaches the collector stage by stage, each stage
//! finishing what it holds first. No sentinel values, and no count of workers to get wrong.
//!
//! # Failure
//!
//! Every task lives in one `JoinSet`, and [`run`] reads each task's end as it comes. The first
//! failure is the pipeline's: `JoinSet::shutdown` aborts every other task, the source and the
//! collector included, and waits until each has stopped, so no stage is still running when
//! the caller sees the failure. (`tokio_util::sync::CancellationToken` does the same for tasks
//! that are not in one set, or that must clean up before they stop.)
//!
//! # Order
//!
//! Workers finish out of order. With `ordered`, the collector keeps a reorder buffer: each item
//! carries its place in the input, and the collector hands results on only when every earlier
//! one has been handed on. Serialising the stages instead would keep the order by losing the
//! point of the pipeline. The buffer holds at most what is in flight, which the capacities and
//! the workers bound.
//!
//! # Cancellation
//!
//! Dropping the future of [`run`] drops the `JoinSet`, which aborts every task at its next
//! `.await`. A task in the middle of a computation stops only at its next `.await`.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::panic::resume_unwind;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;

/// One stage's shape: how many workers it runs, and the capacity of the queue that feeds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// Items this stage processes at once.
    pub workers: NonZeroUsize,
    /// The most items waiting for this stage.
    pub capacity: NonZeroUsize,
}

/// Watches the hand-offs of a pipeline from outside: every put into a queue, every get by a
/// worker, and when the worker is done with what it got. The pipeline works the same with or
/// without one; `()` watches nothing.
///
/// Queue `s` feeds stage `s`; queue `stages.len()` feeds the collector.
pub trait Probe<T>: Send + Sync + 'static {
    /// What the probe remembers of a put until it returns.
    type Put: Send;
    /// What the probe remembers of a get until the worker is done with the item.
    type Take: Send;
    /// `item` is about to be put into queue `queue`.
    fn putting(&self, queue: usize, item: &T) -> Self::Put;
    /// The put returned: the item is in the queue.
    fn queued(&self, put: Self::Put);
    /// Worker `worker` of stage `stage` is about to ask for an item.
    fn getting(&self, stage: usize, worker: usize) -> Self::Take;
    /// The worker got `item`.
    fn got(&self, take: &mut Self::Take, item: &T);
    /// The worker is done with the item it got: transformed, failed, or cancelled.
    fn done(&self, take: Self::Take);
}

impl<T> Probe<T> for () {
    type Put = ();
    type Take = ();
    fn putting(&self, _: usize, _: &T) {}
    fn queued(&self, (): ()) {}
    fn getting(&self, _: usize, _: usize) {}
    fn got(&self, (): &mut (), _: &T) {}
    fn done(&self, (): ()) {}
}

/// [`run_with_probe`] with nothing watching.
pub async fn run<T, E, F, Fut>(
    items: impl IntoIterator<Item = T, IntoIter: Send + 'static>,
    stages: &[Stage],
    ordered: bool,
    transform: F,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
    F: Fn(usize, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    run_with_probe(items, stages, ordered, transform, Arc::new(())).await
}

// --8<-- [start:pipeline]
/// An item on its way, with its place in the input.
type Numbered<T> = (usize, T);

/// Passes every item through every stage: stage `s` turns an item into
/// `transform(s, item).await`. Answers the results, in input order when `ordered`, else in the
/// order they came out; or the first failure, once every task has stopped.
pub async fn run_with_probe<T, E, F, Fut, P>(
    items: impl IntoIterator<Item = T, IntoIter: Send + 'static>,
    stages: &[Stage],
    ordered: bool,
    transform: F,
    probe: Arc<P>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
    F: Fn(usize, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    P: Probe<T>,
{
    let Some(first) = stages.first() else {
        return Ok(Vec::new());
    };
    let transform = Arc::new(transform);
    let mut tasks = JoinSet::new();
    let (source, mut input) = mpsc::channel(first.capacity.get());
    tasks.spawn(feed(items.into_iter(), source, Arc::clone(&probe)));
    for (s, stage) in stages.iter().enumerate() {
        // The next stage's queue, or the collector's: as many places as this stage has
        // workers, so that none waits to hand its result on while the collector is busy.
        let next_capacity = stages
            .get(s + 1)
            .map_or(stage.workers, |next| next.capacity);
        let (output, next_input) = mpsc::channel(next_capacity.get());
        let shared_input = Arc::new(Mutex::new(input));
        for w in 0..stage.workers.get() {
            let worker = Worker {
                stage: s,
                index: w,
                input: Arc::clone(&shared_input),
                output: output.clone(),
                probe: Arc::clone(&probe),
            };
            tasks.spawn(worker.run(Arc::clone(&transform)));
        }
        // Only this stage's workers may keep the next queue open.
        drop(output);
        input = next_input;
    }
    tasks.spawn(collect(input, ordered));
    let mut results = Vec::new();
    while let Some(ended) = tasks.join_next().await {
        // Nothing aborts a task before `shutdown`, so an error is a panic: raised again here.
        match ended.unwrap_or_else(|error| resume_unwind(error.into_panic())) {
            Ok(Ended::Collected(collected)) => results = collected,
            Ok(Ended::Fed | Ended::Worked) => {}
            Err(failure) => {
                // Aborts every other task and waits until each has stopped.
                tasks.shutdown().await;
                return Err(failure);
            }
        }
    }
    Ok(results)
}

/// What a task ended with, when it did not fail.
enum Ended<T> {
    Fed,
    Worked,
    Collected(Vec<T>),
}

/// The source: puts every item, numbered, into the first queue; dropping `queue` at the end
/// is the end of the input.
async fn feed<T, E, P: Probe<T>>(
    items: impl Iterator<Item = T>,
    queue: mpsc::Sender<Numbered<T>>,
    probe: Arc<P>,
) -> Result<Ended<T>, E> {
    for (place, item) in items.enumerate() {
        let put = probe.putting(0, &item);
        // Fails only once every worker of stage 0 is gone: the pipeline is stopping.
        if queue.send((place, item)).await.is_err() {
            break;
        }
        probe.queued(put);
    }
    Ok(Ended::Fed)
}

/// One worker of one stage, and the queues on either side of it.
struct Worker<T, P> {
    stage: usize,
    index: usize,
    input: Arc<Mutex<mpsc::Receiver<Numbered<T>>>>,
    output: mpsc::Sender<Numbered<T>>,
    probe: Arc<P>,
}

impl<T: Send, P: Probe<T>> Worker<T, P> {
    /// Takes items until the stage's input ends, transforms each and puts it into the next
    /// queue; a failure ends the worker, and `run` stops the rest.
    async fn run<E, F, Fut>(self, transform: Arc<F>) -> Result<Ended<T>, E>
    where
        F: Fn(usize, T) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        loop {
            let mut take = self.probe.getting(self.stage, self.index);
            // The guard is a temporary: the lock is released as soon as `recv` returns.
            let Some((place, item)) = self.input.lock().await.recv().await else {
                return Ok(Ended::Worked);
            };
            self.probe.got(&mut take, &item);
            let held = Held::new(&*self.probe, take);
            let item = transform(self.stage, item).await?;
            drop(held);
            let put = self.probe.putting(self.stage + 1, &item);
            if self.output.send((place, item)).await.is_err() {
                return Ok(Ended::Worked);
            }
            self.probe.queued(put);
        }
    }
}

/// The collector: every result, in input order if `ordered`, else as they come.
async fn collect<T, E>(
    mut queue: mpsc::Receiver<Numbered<T>>,
    ordered: bool,
) -> Result<Ended<T>, E> {
    let mut results = Vec::new();
    // Results that came before an earlier one, by their place in the input.
    let mut early: HashMap<usize, T> = HashMap::new();
    while let Some((place, item)) = queue.recv().await {
        if !ordered {
            results.push(item);
            continue;
        }
        early.insert(place, item);
        while let Some(next) = early.remove(&results.len()) {
            results.push(next);
        }
    }
    Ok(Ended::Collected(results))
}
// --8<-- [end:pipeline]

/// Tells the probe that a worker is done with its item when dropped: after the transform, when
/// it fails, or when the worker is aborted in the middle of it.
struct Held<'a, T, P: Probe<T>> {
    probe: &'a P,
    take: Option<P::Take>,
    item: PhantomData<fn(&T)>,
}

impl<'a, T, P: Probe<T>> Held<'a, T, P> {
    fn new(probe: &'a P, take: P::Take) -> Self {
        Self {
            probe,
            take: Some(take),
            item: PhantomData,
        }
    }
}

impl<T, P: Probe<T>> Drop for Held<'_, T, P> {
    fn drop(&mut self) {
        if let Some(take) = self.take.take() {
            self.probe.done(take);
        }
    }
}
