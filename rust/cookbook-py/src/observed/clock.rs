//! The measured region's monotonic clock, and a log that concurrent tasks push records to.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// Nanoseconds since the start of the measured region, on `std::time::Instant`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    origin: Instant,
}

impl Clock {
    /// Starts the measured region.
    pub(crate) fn start() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    pub(crate) fn now_ns(self) -> u64 {
        // 2^64 ns is 584 years, so saturating never happens.
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// Records pushed by concurrent tasks, taken once they are done.
#[derive(Debug)]
pub(crate) struct Log<T>(Mutex<Vec<T>>);

impl<T> Default for Log<T> {
    fn default() -> Self {
        Self(Mutex::new(Vec::new()))
    }
}

impl<T> Log<T> {
    /// Adds a record; the lock is held for the push alone.
    pub(crate) fn push(&self, record: T) {
        self.records().push(record);
    }

    /// Every record pushed so far, in the order they were pushed.
    pub(crate) fn take(&self) -> Vec<T> {
        std::mem::take(&mut *self.records())
    }

    fn records(&self) -> MutexGuard<'_, Vec<T>> {
        // Poisoned only by a panic elsewhere; the records are still whole.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
