//! A circuit breaker: after enough failures in a window it opens and rejects calls at once,
//! sparing a dependency that is down and the callers who would wait on it; after a while it
//! lets a few probe calls through (half-open), and closes again once they have succeeded.
//!
//! # In production
//!
//! Reach for `failsafe`: `Config::new().failure_policy(...)` is the rule that opens the
//! breaker, its backoff is how long it stays open, and `call` wraps the protected call. For a
//! service mesh, the breaker usually lives in the proxy (Envoy's outlier detection), not the
//! code.
//!
//! # One core, two clocks
//!
//! [`Breaker`] holds the rules on integer ticks that never go back in time, with no clock and
//! no lock: given call times as data, it answers exactly, in any language. [`CircuitBreaker`]
//! puts the same core behind a lock, on the real clock, for concurrent callers.
//!
//! # Check and act under one lock
//!
//! A breaker that reads its state, lets go of it, then starts the call lets a call slip through
//! while another caller opens it. Here the decision and the admission are one step under the
//! lock ([`CircuitBreaker::try_acquire`]): a call is let through only by a breaker that was not
//! open at that instant, and in half-open only while fewer than `half_open_probes` probes are
//! running. The call then runs outside the lock, and its outcome is counted when it ends.
//!
//! # Outcomes that come back late
//!
//! With concurrent callers, a call may end after the breaker has moved on: a failure from
//! before it opened, a probe's success after another probe reopened it. Each admission carries
//! the epoch it was let through in, and an outcome from an earlier epoch changes nothing: it
//! belongs to a state that is over.

use std::collections::VecDeque;
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::clock::Clock;

/// When a breaker opens, how long it stays open, and how it closes, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// It opens when this many failures fall within one window.
    pub failure_threshold: NonZeroUsize,
    /// A failure counts while fewer than this many ticks have passed since it.
    pub window: NonZeroU64,
    /// How long it stays open before it lets probes through.
    pub open_for: NonZeroU64,
    /// Probes that may run at once in half-open, and that must succeed for it to close.
    pub half_open_probes: NonZeroUsize,
}

/// The three states of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls run; failures are counted.
    Closed,
    /// Calls are rejected without running.
    Open,
    /// A few probe calls run; the rest are rejected.
    HalfOpen,
}

/// A change of state, and the tick it happened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// When the breaker changed.
    pub at: u64,
    /// The state it changed to.
    pub to: State,
}

// --8<-- [start:circuit-breaker]
/// A call the breaker let through. Hand it back with the call's outcome
/// ([`Breaker::record`]), or give it back without one ([`Breaker::release`]).
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a permit must be handed back, or a half-open breaker runs out of probes"]
pub struct Permit {
    epoch: u64,
}

/// What each state remembers.
#[derive(Debug, Clone)]
enum Phase {
    /// The times of the failures still in the window, oldest first: at most the threshold.
    Closed {
        failures: VecDeque<u64>,
    },
    Open {
        since: u64,
    },
    HalfOpen {
        running: usize,
        succeeded: usize,
    },
}

/// The breaker's rules on integer ticks: the decision core shared by given times and the live
/// clock. `on_change` is told every change of state, in order.
#[derive(Debug, Clone)]
pub struct Breaker<F> {
    settings: Settings,
    phase: Phase,
    /// Counts the changes of state: a permit from an earlier epoch is out of date.
    epoch: u64,
    on_change: F,
}

impl<F: FnMut(Change)> Breaker<F> {
    /// A closed breaker with no failure recorded.
    pub fn new(settings: Settings, on_change: F) -> Self {
        Self {
            settings,
            phase: Phase::Closed {
                failures: VecDeque::new(),
            },
            epoch: 0,
            on_change,
        }
    }

    /// A call at `now`: a permit if it may run, `None` if it is rejected.
    pub fn admit(&mut self, now: u64) -> Option<Permit> {
        if let Phase::Open { since } = self.phase {
            // Half-open from the instant the open period ends, before a call arriving then.
            let ends = since.saturating_add(self.settings.open_for.get());
            if now < ends {
                return None;
            }
            self.change(
                ends,
                Phase::HalfOpen {
                    running: 0,
                    succeeded: 0,
                },
            );
        }
        if let Phase::HalfOpen { running, .. } = &mut self.phase {
            // Only a few probes: the dependency is recovering, and the full load at once
            // could knock it down again.
            if *running == self.settings.half_open_probes.get() {
                return None;
            }
            *running += 1;
        }
        Some(Permit { epoch: self.epoch })
    }

    /// The call let through by `permit` ended at `now`, and `succeeded` or not.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "the permit is taken, so that no call is counted or released twice"
    )]
    pub fn record(&mut self, permit: Permit, now: u64, succeeded: bool) {
        if permit.epoch != self.epoch {
            return;
        }
        let Settings {
            failure_threshold,
            window,
            half_open_probes,
            ..
        } = self.settings;
        let next = match &mut self.phase {
            Phase::Closed { failures } => {
                if succeeded {
                    return;
                }
                failures.push_back(now);
                // A failure leaves the window `window` ticks later: old failures must not open
                // the breaker long after the dependency recovered.
                while failures
                    .front()
                    .is_some_and(|&failed| now.saturating_sub(failed) >= window.get())
                {
                    failures.pop_front();
                }
                (failures.len() >= failure_threshold.get()).then_some(Phase::Open { since: now })
            }
            Phase::HalfOpen {
                running,
                succeeded: probes,
            } => {
                *running -= 1;
                if succeeded {
                    *probes += 1;
                    // Closing forgets the failures from before it opened.
                    (*probes == half_open_probes.get()).then(|| Phase::Closed {
                        failures: VecDeque::new(),
                    })
                } else {
                    Some(Phase::Open { since: now })
                }
            }
            // No permit of the current epoch was let through while open.
            Phase::Open { .. } => None,
        };
        if let Some(next) = next {
            self.change(now, next);
        }
    }

    /// The call let through by `permit` ended without an outcome (it was cancelled): a probe
    /// gives its place back.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "the permit is taken, so that no call is counted or released twice"
    )]
    pub fn release(&mut self, permit: Permit) {
        if let Phase::HalfOpen { running, .. } = &mut self.phase
            && permit.epoch == self.epoch
        {
            *running -= 1;
        }
    }

    fn change(&mut self, at: u64, phase: Phase) {
        let to = match phase {
            Phase::Closed { .. } => State::Closed,
            Phase::Open { .. } => State::Open,
            Phase::HalfOpen { .. } => State::HalfOpen,
        };
        self.phase = phase;
        self.epoch += 1;
        (self.on_change)(Change { at, to });
    }
}

/// The call was rejected: the breaker was open, or half-open with every probe taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    /// When the breaker decided, in nanoseconds of its clock.
    pub at_ns: u64,
}

/// What a call through the breaker can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError<E> {
    /// It was rejected without running.
    Rejected(Rejected),
    /// It ran and failed.
    Failed(E),
}

/// A breaker on the real clock, shared by concurrent callers: its ticks are nanoseconds of
/// `clock`, and its settings must count in nanoseconds.
#[derive(Debug)]
pub struct CircuitBreaker<F> {
    /// A std `Mutex`, not tokio's: it is held while the core decides, a few integer
    /// operations, and never across a call.
    core: Mutex<Breaker<F>>,
    clock: Clock,
}

impl<F: FnMut(Change) + Send> CircuitBreaker<F> {
    /// A closed breaker that decides on `clock` and tells `on_change` every change of state.
    pub fn new(settings: Settings, clock: Clock, on_change: F) -> Self {
        Self {
            core: Mutex::new(Breaker::new(settings, on_change)),
            clock,
        }
    }

    /// Lets a call through now, or rejects it. The clock is read under the lock, so decisions
    /// and outcomes reach the core in the order of the times they carry.
    pub fn try_acquire(&self) -> Result<Admitted<'_, F>, Rejected> {
        let mut core = self.core();
        let now = self.clock.now_ns();
        match core.admit(now) {
            Some(permit) => Ok(Admitted {
                breaker: self,
                permit: Some(permit),
                decided_ns: now,
            }),
            None => Err(Rejected { at_ns: now }),
        }
    }

    /// Runs `call` if the breaker lets it through, and counts its outcome when it ends.
    pub async fn call<T, E>(
        &self,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, CallError<E>> {
        let admitted = self.try_acquire().map_err(CallError::Rejected)?;
        let result = call.await;
        admitted.finish(result.is_ok());
        result.map_err(CallError::Failed)
    }

    fn core(&self) -> MutexGuard<'_, Breaker<F>> {
        // Poisoned only if `on_change` panicked; the breaker's integers are still whole.
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A call the live breaker let through. Dropped without [`Admitted::finish`], say because the
/// call was cancelled, it gives its place back without counting an outcome.
#[derive(Debug)]
#[must_use = "dropping it at once gives the call's place back before the call has run"]
pub struct Admitted<'a, F: FnMut(Change) + Send> {
    breaker: &'a CircuitBreaker<F>,
    permit: Option<Permit>,
    decided_ns: u64,
}

impl<F: FnMut(Change) + Send> Admitted<'_, F> {
    /// When the breaker let the call through, in nanoseconds of its clock.
    pub fn decided_ns(&self) -> u64 {
        self.decided_ns
    }

    /// The call ended now, and `succeeded` or not.
    pub fn finish(mut self, succeeded: bool) {
        if let Some(permit) = self.permit.take() {
            let mut core = self.breaker.core();
            let now = self.breaker.clock.now_ns();
            core.record(permit, now, succeeded);
        }
    }
}

impl<F: FnMut(Change) + Send> Drop for Admitted<'_, F> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            self.breaker.core().release(permit);
        }
    }
}
// --8<-- [end:circuit-breaker]
