//! Producers put items into one bounded queue and consumers take them out: the queue's capacity
//! is the backpressure, so a full queue makes producers wait instead of piling work up in
//! memory. Every item is taken exactly once, and the consumers stop once every producer is done
//! and the queue is drained, however many of each there are.
//!
//! # In production
//!
//! Reach for a well-kept channel before this module:
//!
//! - `tokio::sync::mpsc::channel(capacity)` when one consumer drains the queue. Several
//!   consumers can share its single `Receiver` behind an `Arc<tokio::sync::Mutex<_>>` (a tokio
//!   mutex, because the guard is held across `recv().await`); that serialises the waiting, not
//!   the work, which is what the pipeline in [`crate::pipeline`] does between its stages.
//! - `async-channel` when several consumers are the point: a bounded multi-producer,
//!   multi-consumer channel whose every `Receiver` is `Clone`, with no lock in the way.
//! - `crossbeam-channel` for threads rather than tasks.
//!
//! # Why a queue of its own
//!
//! All of those are first in, first out by construction. The contract also asks for a
//! last-in, first-out discipline, the newest item first (a stack of undo steps, a crawler that
//! goes deep before wide), so the buffer has to be ours. The queue is built the way tokio builds
//! its own bounded `mpsc`: a plain buffer under a short lock, and a semaphore of free slots that
//! producers wait on. A second semaphore counts the items consumers may take.
//!
//! # Who closes the queue
//!
//! Nobody calls `close`. The queue has two kinds of handle, as a channel does: [`Producer`] and
//! [`Consumer`], both `Clone`. When the last producer is dropped, the queue is closed: consumers
//! take what is left and then [`Consumer::get`] answers `None`, every one of them, with no
//! sentinel values to count (a sentinel per consumer stops one early when a producer's item
//! comes after it, and leaves one waiting when the count is wrong). With no producer at all,
//! the consumers end at once. When the last consumer is dropped, [`Producer::put`] fails and
//! hands the item back: nobody would ever take it.
//!
//! # Cancellation
//!
//! `put` and `get` are cancel safe: a `put` dropped while it waits for room has put nothing,
//! and a `get` dropped while it waits has taken nothing. Dropping the future of [`run`] drops
//! the `JoinSet` of producers and consumers, which aborts every one of them at its next
//! `.await`.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::panic::resume_unwind;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

// --8<-- [start:producer-consumer]
/// Which item a consumer takes when several are waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discipline {
    /// The oldest: first in, first out.
    Fifo,
    /// The newest: last in, first out.
    Lifo,
}

/// A bounded queue of `capacity` items, taken in `discipline` order. Drop every [`Producer`] to
/// close it; its consumers then drain it and end.
pub fn queue<T>(capacity: NonZeroUsize, discipline: Discipline) -> (Producer<T>, Consumer<T>) {
    let shared = Arc::new(Shared {
        discipline,
        buffer: Mutex::new(Buffer {
            items: VecDeque::with_capacity(capacity.get()),
            producers: 1,
            consumers: 1,
        }),
        room: Semaphore::new(capacity.get()),
        ready: Semaphore::new(0),
    });
    let producer = Producer {
        shared: Arc::clone(&shared),
    };
    (producer, Consumer { shared })
}

/// What the two kinds of handle share.
struct Shared<T> {
    discipline: Discipline,
    /// A std `Mutex`, not tokio's: it is held to push or pop one item, never across an
    /// `.await`. The waiting is done on the semaphores, outside it.
    buffer: Mutex<Buffer<T>>,
    /// Free slots. A producer takes one before it pushes and a consumer gives one back after
    /// it pops, so the buffer never holds more than the capacity.
    room: Semaphore,
    /// Items a consumer may take, plus one more once the queue is closed: the end of the
    /// stream, which each consumer that sees it passes on to the next.
    ready: Semaphore,
}

struct Buffer<T> {
    items: VecDeque<T>,
    producers: usize,
    consumers: usize,
}

impl<T> Shared<T> {
    fn buffer(&self) -> MutexGuard<'_, Buffer<T>> {
        // Poisoned only by a panic between two lines that cannot panic: the buffer is whole.
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The putting end of a [`queue`]; the queue closes when the last one is dropped.
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Producer<T> {
    /// Puts `item`, waiting while the queue is full. Fails, handing the item back, once every
    /// consumer is gone.
    pub async fn put(&self, item: T) -> Result<(), T> {
        let shared = &self.shared;
        // Closed only when the last consumer went away.
        let Ok(slot) = shared.room.acquire().await else {
            return Err(item);
        };
        // The slot now belongs to the item: the consumer that pops it gives it back.
        slot.forget();
        shared.buffer().items.push_back(item);
        shared.ready.add_permits(1);
        Ok(())
    }
}

/// The taking end of a [`queue`].
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Consumer<T> {
    /// Takes the next item in the queue's discipline, waiting while it is empty; `None` once
    /// every producer is gone and every item has been taken.
    pub async fn get(&self) -> Option<T> {
        let shared = &self.shared;
        // Never closed: the end of the stream is a permit too, so it waits its turn behind
        // the items put before it.
        let ticket = shared.ready.acquire().await.ok()?;
        let item = {
            let mut buffer = shared.buffer();
            match shared.discipline {
                Discipline::Fifo => buffer.items.pop_front(),
                Discipline::Lifo => buffer.items.pop_back(),
            }
        };
        match item {
            Some(item) => {
                // One item, one ticket: spent. Its slot goes back only now that it has left.
                ticket.forget();
                shared.room.add_permits(1);
                Some(item)
            }
            // Every ticket but the last stands for an item still buffered, so an empty buffer
            // means the queue is closed. Dropping the ticket hands the end on to the next
            // consumer, so every consumer sees it.
            None => None,
        }
    }
}

impl<T> Clone for Producer<T> {
    fn clone(&self) -> Self {
        self.shared.buffer().producers += 1;
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        let mut buffer = self.shared.buffer();
        buffer.producers -= 1;
        if buffer.producers == 0 {
            // The last put has returned: every item has its ticket, and this one is the end.
            self.shared.ready.add_permits(1);
        }
    }
}

impl<T> Clone for Consumer<T> {
    fn clone(&self) -> Self {
        self.shared.buffer().consumers += 1;
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        let mut buffer = self.shared.buffer();
        buffer.consumers -= 1;
        if buffer.consumers == 0 {
            // Wakes every producer waiting for room: no one will make any.
            self.shared.room.close();
        }
    }
}

/// Runs every producer and every consumer as a task of its own on one [`queue`], and returns
/// what each consumer returned, in the order the consumers were given.
///
/// Each producer gets a [`Producer`] and each consumer a [`Consumer`]; the originals are
/// dropped here, so the queue closes when the last producer returns, and a consumer that loops
/// until [`Consumer::get`] answers `None` ends once the queue is drained.
pub async fn run<T, R, P, PFut, C, CFut>(
    capacity: NonZeroUsize,
    discipline: Discipline,
    producers: impl IntoIterator<Item = P>,
    consumers: impl IntoIterator<Item = C>,
) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    P: FnOnce(Producer<T>) -> PFut,
    PFut: Future<Output = ()> + Send + 'static,
    C: FnOnce(Consumer<T>) -> CFut,
    CFut: Future<Output = R> + Send + 'static,
{
    let (producer, consumer) = queue(capacity, discipline);
    let mut tasks = JoinSet::new();
    for produce in producers {
        tasks.spawn(Ended::producer(produce(producer.clone())));
    }
    for (index, consume) in consumers.into_iter().enumerate() {
        tasks.spawn(Ended::consumer(index, consume(consumer.clone())));
    }
    // Only the tasks hold handles now: the queue closes when the last producer task returns.
    drop((producer, consumer));
    let mut done: Vec<(usize, R)> = Vec::new();
    while let Some(ended) = tasks.join_next().await {
        // Nothing aborts these tasks while they are joined, so an error is a panic: raised
        // again here, not passed off as a consumer that had nothing to say.
        match ended.unwrap_or_else(|error| resume_unwind(error.into_panic())) {
            Ended::Producer => {}
            Ended::Consumer(index, result) => done.push((index, result)),
        }
    }
    done.sort_unstable_by_key(|&(index, _)| index);
    done.into_iter().map(|(_, result)| result).collect()
}

/// What a task of [`run`] ended with.
enum Ended<R> {
    Producer,
    Consumer(usize, R),
}

impl<R> Ended<R> {
    async fn producer(produce: impl Future<Output = ()>) -> Self {
        produce.await;
        Self::Producer
    }

    async fn consumer(index: usize, consume: impl Future<Output = R>) -> Self {
        Self::Consumer(index, consume.await)
    }
}
// --8<-- [end:producer-consumer]
