//! A token bucket: it holds up to `burst` tokens and starts full, tokens flow back in
//! continuously at the refill rate, and a request takes one token or is refused. Bursts up to
//! the bucket's size go through at once, then requests are admitted at the refill rate.
//!
//! # In production
//!
//! Reach for `governor`: its GCRA admits exactly what this bucket admits, in one atomic
//! integer instead of a lock, with `check` for a decision and `until_ready` for the waiting
//! caller. Go's `golang.org/x/time/rate` has the same semantics (`Allow`, `Wait`).
//!
//! # In integers
//!
//! One token costs `every` credits and each tick adds `tokens` credits, so the rate
//! `tokens / every` needs no division and no float: the bucket holds at most `burst * every`
//! credits. `i128` holds every product the bounds allow, and credits go below zero when the
//! live limiter reserves ahead.

use std::num::NonZeroU64;

use crate::limiter::{Decision, Policy, div_ceil, ticks};

// --8<-- [start:token-bucket]
/// The bucket's state, on integer ticks.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: i128,
    cost: i128,
    capacity: i128,
    credits: i128,
    /// The tick of the last refill; `None` until the first request, when the bucket is full.
    last: Option<u64>,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens that gains `tokens` tokens every `every` ticks.
    pub fn new(tokens: NonZeroU64, every: NonZeroU64, burst: NonZeroU64) -> Self {
        let cost = i128::from(every.get());
        let capacity = i128::from(burst.get()) * cost;
        Self {
            tokens: i128::from(tokens.get()),
            cost,
            capacity,
            credits: capacity,
            last: None,
        }
    }

    /// Adds the credits earned since the last refill, up to the bucket's size: an idle bucket
    /// fills up and stops there, it never saves more than a burst.
    fn refill(&mut self, now: u64) {
        let last = self.last.replace(now).unwrap_or(now);
        let earned = i128::from(now.saturating_sub(last)) * self.tokens;
        self.credits = self.capacity.min(self.credits + earned);
    }
}

impl Policy for TokenBucket {
    fn decide(&mut self, now: u64) -> Decision {
        self.refill(now);
        if self.credits >= self.cost {
            self.credits -= self.cost;
            Decision::Admit
        } else {
            let wait = div_ceil(self.cost - self.credits, self.tokens);
            Decision::Deny { wait: ticks(wait) }
        }
    }

    fn reserve(&mut self, now: u64) -> u64 {
        self.refill(now);
        // Take the token even if it is not there yet: the debt is paid back by the refill,
        // and the caller is admitted once it has been.
        self.credits -= self.cost;
        if self.credits >= 0 {
            now
        } else {
            ticks(i128::from(now) + div_ceil(-self.credits, self.tokens))
        }
    }
}
// --8<-- [end:token-bucket]
