//! Items arriving one by one are grouped into batches: a batch is flushed when it is full or
//! when its first item has waited long enough, whichever comes first, and what is left is
//! flushed when the stream ends. The time bound matters as much as the size: a source that
//! stalls must not leave items waiting for an arrival that may never come.
//!
//! # In production
//!
//! Reach for `tokio_stream::StreamExt::chunks_timeout(max_size, max_wait)` before this module:
//! it yields a `Vec` when it holds `max_size` items or when `max_wait` has passed since the
//! first item of the chunk, and the rest when the stream ends; the same rules as here.
//!
//! # One core, two clocks
//!
//! The rules live in [`Batcher`], which decides on integer ticks that never go back in time and
//! knows nothing of clocks, like the rate limiters' cores: given arrival times as data, it
//! answers exactly, in any language, to the millisecond. [`run`] drives the same core with the
//! real clock, in nanoseconds: a task that waits for the next item or for the open batch's due
//! time, whichever comes first.
//!
//! # The deadline is the first item's
//!
//! A batch is due `max_wait` after its first item, not after its latest. The live batcher arms
//! its timer once per batch, at the first item, and waits for each next item with
//! `tokio::time::timeout_at(due, ...)`: an absolute deadline, which each arrival leaves where it
//! was. A fresh `timeout(max_wait, ...)` per item would let a steady trickle hold a batch open
//! forever. And the timer, not the next arrival, flushes a due batch: a stalled source's batch
//! goes out when it is due.
//!
//! # Cancellation
//!
//! `recv` is cancel safe, so a timeout that fires while the batcher waits loses no item.
//! Dropping the future of [`run`] drops the open batch with it.

use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};

// --8<-- [start:batching]
/// Why a batch was flushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// It reached the maximum size.
    Full,
    /// Its first item had waited the maximum time.
    Due,
    /// The stream ended.
    End,
}

/// A flushed batch: its items in arrival order, when it was flushed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch<T> {
    /// The items, in the order they arrived.
    pub items: Vec<T>,
    /// The tick the rules flushed it at: the arrival that filled it, its due time, or the end.
    pub flushed_at: u64,
    /// Which rule flushed it.
    pub reason: Reason,
}

/// The batching rules on integer ticks: the decision core shared by given times and the live
/// clock.
#[derive(Debug, Clone)]
pub struct Batcher<T> {
    max_size: usize,
    max_wait: u64,
    open: Vec<T>,
    /// When the open batch is due; meaningless while `open` is empty.
    due: u64,
}

impl<T> Batcher<T> {
    /// Batches of at most `max_size` items, each flushed at the latest `max_wait` ticks after
    /// its first item arrived.
    pub fn new(max_size: NonZeroUsize, max_wait: NonZeroU64) -> Self {
        Self {
            max_size: max_size.get(),
            max_wait: max_wait.get(),
            open: Vec::new(),
            due: 0,
        }
    }

    /// When the open batch is due, if a batch is open: the time a live batcher must wake at.
    pub fn due(&self) -> Option<u64> {
        (!self.open.is_empty()).then_some(self.due)
    }

    /// Flushes the open batch if it is due at `now`, as of its due time.
    pub fn flush_due(&mut self, now: u64) -> Option<Batch<T>> {
        let due = self.due().filter(|&due| due <= now)?;
        Some(self.flush(due, Reason::Due))
    }

    /// `item` arrives at `now`. A batch due by then is flushed first, so the item opens the
    /// next batch rather than joining a late one; then the item is added, which may fill its
    /// batch. Answers the batches flushed, in order: none, one or two.
    pub fn arrive(&mut self, now: u64, item: T) -> impl Iterator<Item = Batch<T>> + use<T> {
        let due = self.flush_due(now);
        if self.open.is_empty() {
            // The first item sets the deadline; later items never move it.
            self.due = now.saturating_add(self.max_wait);
        }
        self.open.push(item);
        let full = (self.open.len() == self.max_size).then(|| self.flush(now, Reason::Full));
        due.into_iter().chain(full)
    }

    /// The stream ends at `now`: the open batch is flushed, as due if it was due by then.
    pub fn end(&mut self, now: u64) -> Option<Batch<T>> {
        self.flush_due(now)
            .or_else(|| (!self.open.is_empty()).then(|| self.flush(now, Reason::End)))
    }

    fn flush(&mut self, at: u64, reason: Reason) -> Batch<T> {
        Batch {
            items: std::mem::take(&mut self.open),
            flushed_at: at,
            reason,
        }
    }
}

/// Batches `items` on the real clock and sends each batch to `output`, until `items` ends.
/// Ticks are nanoseconds since the call: a batch is flushed when it holds `max_size` items,
/// when `max_wait` has passed since its first item arrived, or when the stream ends.
pub async fn run<T>(
    mut items: mpsc::Receiver<T>,
    output: mpsc::Sender<Batch<T>>,
    max_size: NonZeroUsize,
    max_wait: Duration,
) {
    let start = Instant::now();
    let now = || ticks(start.elapsed());
    let max_wait = NonZeroU64::new(ticks(max_wait)).unwrap_or(NonZeroU64::MIN);
    let mut batcher = Batcher::new(max_size, max_wait);
    loop {
        let next = match batcher.due() {
            // The batch's own deadline: waiting for the next item never moves it.
            Some(due) => match timeout_at(start + Duration::from_nanos(due), items.recv()).await {
                Ok(next) => next,
                Err(_elapsed) => {
                    // The timer woke us, not an item: the batch goes out now, whatever the
                    // source does. The clock is read again rather than the timer trusted to
                    // the nanosecond, so a batch is never flushed before it is due.
                    if let Some(batch) = batcher.flush_due(now())
                        && output.send(batch).await.is_err()
                    {
                        return;
                    }
                    continue;
                }
            },
            None => items.recv().await,
        };
        // Every sender is gone: the stream has ended.
        let Some(item) = next else {
            if let Some(batch) = batcher.end(now()) {
                // Nobody may be receiving any more; the batcher is done either way.
                let _ = output.send(batch).await;
            }
            return;
        };
        for batch in batcher.arrive(now(), item) {
            // Nobody is receiving batches any more: there is no one to batch for.
            if output.send(batch).await.is_err() {
                return;
            }
        }
    }
}
// --8<-- [end:batching]

/// A duration in whole nanoseconds; 2^64 ns is 584 years, so saturating never happens.
fn ticks(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
