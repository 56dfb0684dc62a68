//! A debouncer: a burst of calls becomes one, the latest, once no call has come for a quiet
//! period; a maximum wait caps how long a steady stream of calls can hold it back. It runs the
//! expensive thing once the input has settled: a search as the user stops typing, a save after
//! the last edit.
//!
//! # In production
//!
//! No crate is the standard here. The usual shape is this one: a `tokio::time::Sleep` whose
//! deadline each call moves (`Sleep::reset`, or `timeout_at` with a new deadline, as here), in a
//! task that owns it, and each run spawned as a task of its own.
//!
//! # One core, two clocks
//!
//! [`Debouncer`] holds the rules on integer ticks that never go back in time, like the
//! throttle's and the batcher's cores: given arrival times as data, it answers exactly, in any
//! language, to the millisecond. [`run`] drives the same core with the real clock, in
//! nanoseconds, and runs each firing.
//!
//! # The timer is not the run
//!
//! A debouncer that keeps one task for "sleep, then run" and cancels it on every call cuts off
//! a run that had already started when the next call comes. Here the timer lives in the
//! debouncer's own task and each firing is spawned into a `JoinSet`: a newer call moves the
//! timer, never a run, and two runs may overlap. And the `JoinSet` is joined, so that a run's
//! error is answered, not lost in a task that nobody awaits.

use std::num::NonZeroU64;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::timeout_at;

use crate::clock::{Clock, Fired, nanos};

// --8<-- [start:debounce]
/// The debouncing rules on integer ticks: the decision core shared by given times and the live
/// clock.
#[derive(Debug, Clone)]
pub struct Debouncer<T> {
    quiet: u64,
    max_wait: Option<u64>,
    /// The latest call of the open burst; `None` while no burst is open.
    pending: Option<T>,
    /// When the open burst began: the maximum wait runs from its first call.
    first: u64,
    /// When the pending call fires.
    due: u64,
}

impl<T> Debouncer<T> {
    /// Fires `quiet` ticks after the latest call of a burst, and at most `max_wait` ticks after
    /// its first (which should be no less than `quiet`).
    pub fn new(quiet: NonZeroU64, max_wait: Option<NonZeroU64>) -> Self {
        Self {
            quiet: quiet.get(),
            max_wait: max_wait.map(NonZeroU64::get),
            pending: None,
            first: 0,
            due: 0,
        }
    }

    /// When the pending call fires, if a burst is open: the time a live debouncer must wake at.
    pub fn due(&self) -> Option<u64> {
        self.pending.as_ref().map(|_| self.due)
    }

    /// Fires the pending call if it is due by `now`, as of its due time.
    pub fn fire_due(&mut self, now: u64) -> Option<Fired<T>> {
        if self.due > now {
            return None;
        }
        let call = self.pending.take()?;
        Some(Fired { call, at: self.due })
    }

    /// `call` arrives at `now`. A burst due by then fires first, so the call opens the next
    /// burst rather than joining one that is over. Then the call becomes the pending one, and
    /// the quiet period runs from it: from the latest call, not the first.
    pub fn call(&mut self, now: u64, call: T) -> Option<Fired<T>> {
        let fired = self.fire_due(now);
        if self.pending.is_none() {
            self.first = now;
        }
        self.pending = Some(call);
        self.due = now.saturating_add(self.quiet);
        // Without a cap, calls closer than the quiet period would hold the burst back forever.
        if let Some(max_wait) = self.max_wait {
            self.due = self.due.min(self.first.saturating_add(max_wait));
        }
        fired
    }

    /// No call comes after this: the pending call, if any, fires at its due time.
    pub fn end(&mut self) -> Option<Fired<T>> {
        self.fire_due(u64::MAX)
    }
}

/// Debounces `calls` on the real clock, and runs each firing with `run` in a task of its own,
/// until `calls` ends and the last run has finished. Answers what the runs answered, in firing
/// order. Ticks are nanoseconds of `clock`, the clock the debouncer decides with.
///
/// The channel of calls is unbounded because a call never waits for the debouncer: this task
/// takes each call as it comes and decides it in a few integer operations.
///
/// Dropping the future aborts the runs still running: nothing outlives the debouncer.
pub async fn run<T, R>(
    mut calls: mpsc::UnboundedReceiver<T>,
    quiet: Duration,
    max_wait: Option<Duration>,
    clock: Clock,
    mut run: impl FnMut(Fired<T>) -> R,
) -> Vec<R::Output>
where
    R: Future<Output: Send + 'static> + Send + 'static,
{
    let ticks = |duration| NonZeroU64::new(nanos(duration)).unwrap_or(NonZeroU64::MIN);
    let mut debouncer = Debouncer::new(ticks(quiet), max_wait.map(ticks));
    let mut runs = JoinSet::new();
    let mut started = 0;
    let mut start = |fired| {
        // Runs finish in any order; their answers are put back in firing order at the end.
        let order = started;
        started += 1;
        let run = run(fired);
        runs.spawn(async move { (order, run.await) });
    };
    loop {
        let next = match debouncer.due() {
            // The deadline of the latest call: each new call moves it, and only it.
            Some(due) => match timeout_at(clock.instant(due), calls.recv()).await {
                Ok(next) => next,
                Err(_elapsed) => {
                    // The clock is read again rather than the timer trusted to the nanosecond:
                    // nothing fires before its quiet period is over.
                    if let Some(fired) = debouncer.fire_due(clock.now_ns()) {
                        start(fired);
                    }
                    continue;
                }
            },
            None => calls.recv().await,
        };
        let Some(call) = next else {
            // Every caller is gone: the pending call still waits out its quiet period.
            if let Some(due) = debouncer.due() {
                clock.sleep_until(due).await;
            }
            if let Some(fired) = debouncer.end() {
                start(fired);
            }
            break;
        };
        if let Some(fired) = debouncer.call(clock.now_ns(), call) {
            start(fired);
        }
    }
    // Every run is awaited, and its answer kept: an error is reported, not dropped.
    let mut done = runs.join_all().await;
    done.sort_unstable_by_key(|&(order, _)| order);
    done.into_iter().map(|(_, output)| output).collect()
}
// --8<-- [end:debounce]
