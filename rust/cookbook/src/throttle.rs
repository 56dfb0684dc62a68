//! A throttle: at most one call goes through per interval; the others are dropped, or the latest
//! of them goes through when the interval ends (the trailing edge). It bounds how often something
//! expensive runs in answer to a stream of events: a save on every keystroke, a refresh on every
//! scroll.
//!
//! # In production
//!
//! Reach for `governor` when calls should be limited to a rate: its GCRA admits or refuses each
//! call, and `until_ready` delays it. Neither keeps the latest refused call to run at the end of
//! the interval; that is the trailing edge, and a throttle like this one.
//!
//! # One core, two clocks
//!
//! [`Throttle`] holds the rules on integer ticks that never go back in time and knows nothing of
//! clocks, like the rate limiters' and the batcher's cores: given arrival times as data, it
//! answers exactly, in any language, to the millisecond. [`run`] drives the same core with the
//! real clock, in nanoseconds: one task owns it, takes the calls from a channel, and wakes for
//! the end of the window while a trailing call is pending.
//!
//! # Callers that arrive together
//!
//! A throttle that reads the time, sleeps the rest of the interval, then records the time lets
//! callers that arrive together all through together: each computed the same sleep from the same
//! last time. Here one task decides every call, one after the other, so only the first of them
//! opens the window.

use std::num::NonZeroU64;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::timeout_at;

use crate::clock::{Clock, Fired, nanos};

/// Which edges of the interval fire. A throttle with neither would never fire, so there is no
/// such value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edges {
    /// A call with no window open fires at once; the others are dropped.
    Leading,
    /// The latest call of a window fires when the window ends.
    Trailing,
    /// Both.
    Both,
}

impl Edges {
    /// The edges from the usual pair of flags; `None` for neither.
    pub fn new(leading: bool, trailing: bool) -> Option<Self> {
        match (leading, trailing) {
            (true, false) => Some(Self::Leading),
            (false, true) => Some(Self::Trailing),
            (true, true) => Some(Self::Both),
            (false, false) => None,
        }
    }

    fn leading(self) -> bool {
        matches!(self, Self::Leading | Self::Both)
    }

    fn trailing(self) -> bool {
        matches!(self, Self::Trailing | Self::Both)
    }
}

// --8<-- [start:throttle]
/// The throttle's rules on integer ticks: the decision core shared by given times and the live
/// clock. A window opens with each firing and lasts `interval` ticks.
#[derive(Debug, Clone)]
pub struct Throttle<T> {
    interval: u64,
    edges: Edges,
    /// When the open window ends; `None` while no window is open.
    window_end: Option<u64>,
    /// The call that fires when the window ends.
    pending: Option<T>,
}

impl<T> Throttle<T> {
    /// At most one firing per `interval` ticks, on `edges`.
    pub fn new(interval: NonZeroU64, edges: Edges) -> Self {
        Self {
            interval: interval.get(),
            edges,
            window_end: None,
            pending: None,
        }
    }

    /// When the pending call fires, if one is pending: the time a live throttle must wake at.
    pub fn due(&self) -> Option<u64> {
        self.window_end.filter(|_| self.pending.is_some())
    }

    /// Brings the throttle up to `now`. A window that has ended by then fires its pending call as
    /// of its end, not of `now`, and that firing opens the next window: without it, a call right
    /// after would fire at once, closer than the interval. A window with none pending closes.
    pub fn advance(&mut self, now: u64) -> Option<Fired<T>> {
        let mut fired = None;
        while let Some(end) = self.window_end.filter(|&end| end <= now) {
            match self.pending.take() {
                Some(call) => {
                    self.window_end = Some(end.saturating_add(self.interval));
                    fired = Some(Fired { call, at: end });
                }
                None => self.window_end = None,
            }
        }
        fired
    }

    /// `call` arrives at `now`. A window ending at `now` is over before the call is looked at,
    /// so a call exactly at the end of an interval starts the next one. Answers the firings, in
    /// order: the ended window's trailing call, then this call if it fires at once.
    pub fn call(&mut self, now: u64, call: T) -> impl Iterator<Item = Fired<T>> + use<T> {
        let trailing = self.advance(now);
        let leading = if self.window_end.is_none() {
            self.window_end = Some(now.saturating_add(self.interval));
            if self.edges.leading() {
                Some(Fired { call, at: now })
            } else {
                // Trailing only: the call opens the window, and fires at its end unless a later
                // call takes its place.
                self.pending = Some(call);
                None
            }
        } else {
            if self.edges.trailing() {
                // The latest call wins: it carries the newest state, which is what the trailing
                // edge is for (the text after the last keystroke, not after the first dropped one).
                self.pending = Some(call);
            }
            None
        };
        trailing.into_iter().chain(leading)
    }

    /// No call comes after this: time runs on until the pending call, if any, has fired.
    pub fn end(&mut self) -> Option<Fired<T>> {
        self.advance(u64::MAX)
    }
}

/// Throttles `calls` on the real clock and sends each firing to `fired`, until `calls` ends and
/// the last pending call has fired. Ticks are nanoseconds of `clock`, the clock the throttle
/// decides with.
///
/// The channel of calls is unbounded because a call never waits for the throttle: this task
/// takes each call as it comes and decides it in a few integer operations, so the channel holds
/// only the calls that arrived together.
pub async fn run<T>(
    mut calls: mpsc::UnboundedReceiver<T>,
    fired: mpsc::Sender<Fired<T>>,
    interval: Duration,
    edges: Edges,
    clock: Clock,
) {
    let interval = NonZeroU64::new(nanos(interval)).unwrap_or(NonZeroU64::MIN);
    let mut throttle = Throttle::new(interval, edges);
    loop {
        let next = match throttle.due() {
            // A trailing call is pending: wake at the end of its window, call or no call.
            Some(due) => match timeout_at(clock.instant(due), calls.recv()).await {
                Ok(next) => next,
                Err(_elapsed) => {
                    // The clock is read again rather than the timer trusted to the nanosecond:
                    // a window is never closed before it ends.
                    if let Some(firing) = throttle.advance(clock.now_ns())
                        && fired.send(firing).await.is_err()
                    {
                        return;
                    }
                    continue;
                }
            },
            None => calls.recv().await,
        };
        // Every caller is gone: the pending call, if any, still fires at its time.
        let Some(call) = next else {
            if let Some(due) = throttle.due() {
                clock.sleep_until(due).await;
            }
            if let Some(firing) = throttle.end() {
                // Nobody may be receiving any more; the throttle is done either way.
                let _ = fired.send(firing).await;
            }
            return;
        };
        for firing in throttle.call(clock.now_ns(), call) {
            // Nobody receives the firings any more: there is nothing left to throttle for.
            if fired.send(firing).await.is_err() {
                return;
            }
        }
    }
}
// --8<-- [end:throttle]
