//! A sliding-window log: at most `limit` admissions in any window of `window` ticks. The log
//! keeps the admission times still in the window and is pruned as the window slides. Unlike a
//! fixed-window counter, it never lets twice the limit through across a window boundary.
//!
//! # In production
//!
//! Reach for `governor` when the goal is a rate with a burst: its GCRA needs one integer where
//! this log needs up to `limit` entries. When the exact promise "at most N in any window" is
//! the requirement, and the limit is shared between processes, the log usually lives in a
//! Redis sorted set (`ZREMRANGEBYSCORE` to prune, `ZCARD` to count, `ZADD` to admit).
//!
//! # The window's edge
//!
//! An admission at `a` is in the window at `t` while `t - a < window`: it leaves the window
//! exactly `window` ticks later, and not one tick before.

use std::collections::VecDeque;
use std::num::{NonZeroU64, NonZeroUsize};

use crate::limiter::{Decision, Policy};

// --8<-- [start:sliding-window]
/// The log of admissions, oldest first, on integer ticks.
#[derive(Debug, Clone)]
pub struct SlidingWindow {
    limit: usize,
    window: u64,
    log: VecDeque<u64>,
}

impl SlidingWindow {
    /// At most `limit` admissions in any `window` ticks.
    pub fn new(limit: NonZeroUsize, window: NonZeroU64) -> Self {
        Self {
            limit: limit.get(),
            window: window.get(),
            log: VecDeque::new(),
        }
    }

    /// Drops the admissions that have left the window at `now`. Live reservations can lie in
    /// the future, so an entry after `now` stays.
    fn prune(&mut self, now: u64) {
        while self
            .log
            .front()
            .is_some_and(|&admitted| now.saturating_sub(admitted) >= self.window)
        {
            self.log.pop_front();
        }
    }
}

impl Policy for SlidingWindow {
    fn decide(&mut self, now: u64) -> Decision {
        self.prune(now);
        match self.log.front() {
            Some(&oldest) if self.log.len() >= self.limit => Decision::Deny {
                wait: oldest + self.window - now,
            },
            _ => {
                // Only admissions are logged: a refused request must not lock callers out
                // for longer.
                self.log.push_back(now);
                Decision::Admit
            }
        }
    }

    fn reserve(&mut self, now: u64) -> u64 {
        self.prune(now);
        // Admissions are reserved in order, so the new one comes no earlier than the last.
        let mut at = self.log.back().map_or(now, |&last| last.max(now));
        if self.log.len() >= self.limit {
            // The window ending at `at` may hold only `limit - 1` earlier admissions: wait
            // until the `limit`-th most recent one has left it.
            let leaving = self.log[self.log.len() - self.limit];
            at = at.max(leaving.saturating_add(self.window));
        }
        self.log.push_back(at);
        // Entries older than the `limit` most recent can never decide a reservation again.
        if self.log.len() > self.limit {
            self.log.pop_front();
        }
        at
    }
}
// --8<-- [end:sliding-window]
