//! What the pattern tests share: the tick they count in, and a counter of work in flight.
//!
//! Every test runs on tokio's paused clock: sleeps take virtual time, which advances only
//! when every task waits, so elapsed times are exact and no test depends on the machine's
//! load.

#![allow(dead_code, reason = "each test crate uses its own part of this module")]

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::sleep;

/// The unit of virtual time the tests count in.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// `n`, which a test knows is not zero.
pub(crate) fn nonzero(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).expect("not zero")
}

/// Counts calls in flight and remembers the highest count. A call that is cancelled while it
/// holds its place still leaves the count, so the count also says what is left running.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl InFlight {
    /// Counts as in flight for `how_long`.
    pub(crate) async fn hold(&self, how_long: Duration) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        let _leaving = Leaving(self);
        sleep(how_long).await;
    }

    /// How many are in flight now.
    pub(crate) fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    /// The most that were ever in flight at once.
    pub(crate) fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// Lowers the count when the call ends or is dropped.
struct Leaving<'a>(&'a InFlight);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}
