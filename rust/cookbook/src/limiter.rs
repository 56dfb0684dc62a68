//! What the rate limiters share: the answer to one request ([`Decision`]), the decision core
//! each limiter implements ([`Policy`]), and the live limiter that callers await
//! ([`Limiter`]), written once for the token bucket and the sliding window.
//!
//! # In production
//!
//! Reach for `governor` before this module: a lock-free limiter (GCRA, equivalent to a token
//! bucket) with `check` for a decision and `until_ready` for the waiting caller, keyed limiters
//! for per-client limits, and jitter. For the other shape, a sliding window shared across
//! processes, the log usually lives in a shared store such as a Redis sorted set.
//!
//! # Time in integers
//!
//! A policy decides on integer ticks, never floats, so that every language agrees to the last
//! unit: milliseconds when it is given arrival times, nanoseconds on the live clock.
//!
//! # Live limiting
//!
//! [`Limiter::acquire`] reserves the earliest admission the policy allows, first come first
//! served, and sleeps until then. Reserving rather than retrying means a caller waits once, for
//! exactly as long as it must, and callers are admitted in the order they asked.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::{Instant, sleep};

/// The answer to one request at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admitted now.
    Admit,
    /// Refused; it would be admitted after `wait` more ticks.
    Deny {
        /// The smallest whole number of ticks after which the request would be admitted.
        wait: u64,
    },
}

/// A limiter's decision core, on integer ticks that never go back in time.
pub trait Policy {
    /// Admits a request arriving at `now`, or refuses it and says how long it would have to
    /// wait. A refused request changes nothing.
    fn decide(&mut self, now: u64) -> Decision;
    /// Reserves the earliest admission time, at or after `now`, for a request arriving at
    /// `now`, and counts it as admitted then: the live limiter never refuses.
    fn reserve(&mut self, now: u64) -> u64;
}

/// When a live request was made, admitted and let through, in nanoseconds since the
/// limiter was created, on the clock it decides with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// When `acquire` was called.
    pub requested_ns: u64,
    /// The admission time the limiter reserved.
    pub at_ns: u64,
    /// When the caller woke, never before `at_ns`.
    pub woke_ns: u64,
}

// --8<-- [start:live-limiter]
/// A policy on the live clock, shared by every caller: its ticks are nanoseconds since the
/// limiter was created.
#[derive(Debug)]
pub struct Limiter<P> {
    /// A std `Mutex`, not tokio's: it is held only while the policy decides, which is a few
    /// integer operations, and never across the sleep. The invariant it protects is that
    /// reservations happen one at a time, in the order of the clock readings they decide on.
    policy: Mutex<P>,
    origin: Instant,
}

impl<P: Policy> Limiter<P> {
    /// A limiter whose clock starts now. `policy` must count in nanoseconds.
    pub fn new(policy: P) -> Self {
        Self {
            policy: Mutex::new(policy),
            origin: Instant::now(),
        }
    }

    /// Waits until this caller is admitted.
    pub async fn acquire(&self) -> Admission {
        let requested_ns = self.now_ns();
        let at_ns = {
            // Poisoned only if a policy panicked mid-decision; its integers are still usable.
            let mut policy = self.policy.lock().unwrap_or_else(PoisonError::into_inner);
            // The clock is read under the lock, so the policy sees times that never go back
            // even when callers race to the lock.
            policy.reserve(self.now_ns())
        };
        // The timer counts in whole milliseconds: checking the clock again, rather than
        // trusting its rounding, means no caller ever goes through before its admission.
        let mut woke_ns = self.now_ns();
        while woke_ns < at_ns {
            sleep(Duration::from_nanos(at_ns - woke_ns)).await;
            woke_ns = self.now_ns();
        }
        Admission {
            requested_ns,
            at_ns,
            woke_ns,
        }
    }

    /// Nanoseconds since the limiter was created.
    pub fn now_ns(&self) -> u64 {
        // 2^64 ns is 584 years, so saturating never happens.
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}
// --8<-- [end:live-limiter]

/// `numerator / denominator`, rounded up: a wait rounded down would send a caller back too
/// early. Both are positive.
pub(crate) fn div_ceil(numerator: i128, denominator: i128) -> i128 {
    (numerator + denominator - 1) / denominator
}

/// Ticks as a `u64`, saturating: a time beyond 2^64 ticks is never reached.
pub(crate) fn ticks(value: i128) -> u64 {
    u64::try_from(value.max(0)).unwrap_or(u64::MAX)
}
