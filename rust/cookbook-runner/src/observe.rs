//! What an implementation observes while it runs a case, so that the harness can prove
//! concurrency rather than trust it: the measured region's monotonic [`Clock`], a [`Log`] that
//! concurrent tasks push records to, and the [`Recorder`] of jobs run under a bound (one event
//! per job and an in-flight counter).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

/// One job's run, in nanoseconds since the start of the measured region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The job's id.
    pub id: u64,
    /// Taken once the job holds its slot.
    pub start_ns: u64,
    /// Taken before the job gives its slot back.
    pub end_ns: u64,
}

/// The `observed` field of an `ok` answer for jobs run under a bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    /// Length of the measured region.
    pub elapsed_ns: u64,
    /// The highest value the in-flight counter reached.
    pub max_in_flight: u64,
    /// One event per job, in the order the jobs ended.
    pub events: Vec<Event>,
    /// The in-flight counter, read when the measured region ended: a job still running then
    /// outlived the call that ran it.
    pub running_after: u64,
}

/// The monotonic clock of one measured region, read in nanoseconds since its start.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
}

impl Clock {
    /// Starts the measured region.
    pub fn start() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Nanoseconds since the start.
    pub fn now_ns(&self) -> u64 {
        nanos(self.origin.elapsed())
    }

    /// Awaits `future`, reading the clock just before it is first polled and just after it
    /// is ready: around a put or a get, say.
    pub async fn around<T>(&self, future: impl Future<Output = T>) -> (T, Span) {
        let start_ns = self.now_ns();
        let output = future.await;
        let end_ns = self.now_ns();
        (output, Span { start_ns, end_ns })
    }
}

/// When a call began and when it returned, in nanoseconds since the start of the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Just before the call.
    pub start_ns: u64,
    /// Just after it returned.
    pub end_ns: u64,
}

/// One item's pass through a queue, as the queue patterns observe it: `putNs` and `queuedNs`
/// around the put, `getNs` and `gotNs` around the get that took it, `endNs` once the taker
/// was done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Handoff {
    /// Just before the put.
    pub put_ns: u64,
    /// Just after the put returned.
    pub queued_ns: u64,
    /// Just before the get that took the item.
    pub get_ns: u64,
    /// Just after that get returned.
    pub got_ns: u64,
    /// When the taker was done with the item, before it asked for the next one.
    pub end_ns: u64,
}

impl Handoff {
    /// The put's span, then the get's, then the end.
    pub fn new(put: Span, get: Span, end_ns: u64) -> Self {
        Self {
            put_ns: put.start_ns,
            queued_ns: put.end_ns,
            get_ns: get.start_ns,
            got_ns: get.end_ns,
            end_ns,
        }
    }
}

/// Records pushed by concurrent tasks, taken once they are done.
#[derive(Debug)]
pub struct Log<T>(Mutex<Vec<T>>);

impl<T> Default for Log<T> {
    fn default() -> Self {
        Self(Mutex::new(Vec::new()))
    }
}

impl<T> Log<T> {
    /// Adds a record. The lock is held for the push alone.
    pub fn push(&self, record: T) {
        self.records().push(record);
    }

    /// Every record pushed so far, in the order they were pushed.
    pub fn take(&self) -> Vec<T> {
        std::mem::take(&mut *self.records())
    }

    fn records(&self) -> MutexGuard<'_, Vec<T>> {
        // A poisoned lock only means a panic elsewhere; the records are still whole.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Records events and counts jobs in flight; shared by every task of a run.
#[derive(Debug)]
pub struct Recorder {
    clock: Clock,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    events: Log<Event>,
}

impl Recorder {
    /// Starts the measured region: call it just before the first job is handed out.
    pub fn start() -> Self {
        Self {
            clock: Clock::start(),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            events: Log::default(),
        }
    }

    /// Runs `job` as job `id`: call it once the job holds its slot, and the event ends before
    /// the slot is given back. A job that is cancelled (its future dropped) ends there: its
    /// event is recorded and the counter lowered all the same.
    ///
    /// Relaxed ordering is enough for the counters. Each is only read-modify-written, and every
    /// read-modify-write sees the latest value of its atomic, so the count is exact; ordering
    /// one job's end before the next one's start is the pool's job (its slot hand-off), not
    /// the recorder's.
    pub async fn observe<T>(&self, id: u64, job: impl Future<Output = T>) -> T {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        let _running = Running {
            recorder: self,
            id,
            start_ns: self.clock.now_ns(),
        };
        job.await
    }

    /// Ends the measured region: call it just after the last result is in.
    pub fn finish(&self) -> Observed {
        let elapsed_ns = self.clock.now_ns();
        Observed {
            elapsed_ns,
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
            events: self.events.take(),
            running_after: self.in_flight.load(Ordering::Relaxed),
        }
    }
}

/// A job in flight. Dropped when the job ends, or when it is cancelled: either way its event
/// ends and the counter comes down.
struct Running<'a> {
    recorder: &'a Recorder,
    id: u64,
    start_ns: u64,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let recorder = self.recorder;
        let end_ns = recorder.clock.now_ns();
        recorder.in_flight.fetch_sub(1, Ordering::Relaxed);
        recorder.events.push(Event {
            id: self.id,
            start_ns: self.start_ns,
            end_ns,
        });
    }
}

/// A duration in whole nanoseconds; 2^64 ns is 584 years, so saturating never happens.
pub fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
