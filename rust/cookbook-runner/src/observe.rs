//! What an implementation observes while it runs a case, so that the harness can prove
//! concurrency rather than trust it: one event per job and an in-flight counter, all on the
//! monotonic clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
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

/// The `observed` field of an `ok` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    /// Length of the measured region.
    pub elapsed_ns: u64,
    /// The highest value the in-flight counter reached.
    pub max_in_flight: u64,
    /// One event per job, in the order the jobs ended.
    pub events: Vec<Event>,
}

/// Records events and counts jobs in flight; shared by every task of a run.
#[derive(Debug)]
pub struct Recorder {
    origin: Instant,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    /// Starts the measured region: call it just before the first job is handed out.
    pub fn start() -> Self {
        Self {
            origin: Instant::now(),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            events: Mutex::new(Vec::new()),
        }
    }

    /// Runs `job` as job `id`: call it once the job holds its slot, and the event ends before
    /// the slot is given back.
    ///
    /// Relaxed ordering is enough for the counters. Each is only read-modify-written, and every
    /// read-modify-write sees the latest value of its atomic, so the count is exact; ordering
    /// one job's end before the next one's start is the pool's job (its slot hand-off), not
    /// the recorder's.
    pub async fn observe<T>(&self, id: u64, job: impl Future<Output = T>) -> T {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        let start_ns = self.now_ns();
        let output = job.await;
        let end_ns = self.now_ns();
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        // A poisoned lock only means a panic elsewhere; the list of events is still whole.
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Event {
                id,
                start_ns,
                end_ns,
            });
        output
    }

    /// Ends the measured region: call it just after the last result is in.
    pub fn finish(&self) -> Observed {
        let elapsed_ns = self.now_ns();
        let events =
            std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner));
        Observed {
            elapsed_ns,
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
            events,
        }
    }

    fn now_ns(&self) -> u64 {
        nanos(self.origin.elapsed())
    }
}

/// A duration in whole nanoseconds; 2^64 ns is 584 years, so saturating never happens.
pub fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
