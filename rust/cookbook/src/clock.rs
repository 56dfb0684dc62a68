//! The live clock of the patterns that decide on time (retry, throttle, debounce, circuit
//! breaker): integer ticks, in nanoseconds since an origin, so that the live patterns drive the
//! same integer cores as time given as data.
//!
//! # Why tokio's clock
//!
//! It reads `tokio::time::Instant`, which is the monotonic clock at run time and a virtual one in
//! tests on a paused runtime (`#[tokio::test(start_paused = true)]`): a test then waits an hour in
//! no time, and every tick it reads is exact.
//!
//! # Never early
//!
//! tokio's timer counts in whole milliseconds. [`Clock::sleep_until`] reads the clock again when
//! the timer fires, rather than trusting its rounding, so that nothing it guards happens a
//! nanosecond before its time.

use std::time::Duration;

use tokio::time::{Instant, sleep_until};

/// Nanoseconds since an origin, on tokio's clock. Copies share the origin: every task that
/// decides, and every record it writes, reads the same ticks.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
}

impl Clock {
    /// A clock whose origin is now.
    pub fn start() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Nanoseconds since the origin.
    pub fn now_ns(&self) -> u64 {
        nanos(self.origin.elapsed())
    }

    /// The instant `at_ns` nanoseconds after the origin, for tokio's timers.
    pub fn instant(&self, at_ns: u64) -> Instant {
        self.origin + Duration::from_nanos(at_ns)
    }

    /// Sleeps until `at_ns` and answers the tick it woke at, never before `at_ns`. Dropping the
    /// future cancels the sleep.
    pub async fn sleep_until(&self, at_ns: u64) -> u64 {
        let mut now = self.now_ns();
        while now < at_ns {
            sleep_until(self.instant(at_ns)).await;
            now = self.now_ns();
        }
        now
    }
}

/// A call that a gate (a throttle, a debouncer) let through, and the tick it fired at: the
/// instant the rules say, which is never after the gate decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired<T> {
    /// The call.
    pub call: T,
    /// When it fired, in the gate's ticks.
    pub at: u64,
}

/// A duration in whole nanoseconds; 2^64 ns is 584 years, so saturating never happens.
pub fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
