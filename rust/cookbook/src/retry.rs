//! Retry with backoff: a failing call is tried again after a delay that grows by a factor each
//! time, up to a cap, with jitter so that many clients do not retry in step. It stops at a
//! maximum of attempts or at an overall deadline, and at once on an error that is not worth
//! another attempt.
//!
//! # In production
//!
//! Reach for `backon`: `ExponentialBuilder` is this policy (`with_min_delay`, `with_factor`,
//! `with_max_delay`, `with_max_times`, `with_total_delay`, `with_jitter`), and `.when(...)` says
//! which errors are retryable. Its jitter draws from a random generator, which is right for
//! clients and wrong for a cookbook whose every language must compute the same schedule.
//!
//! # One core, two clocks
//!
//! [`Backoff`] is the decision core: told how each attempt failed and when it ended, it answers
//! when the next attempt starts or why the call gives up, in integer ticks, with no clock and no
//! sleep. Given times as data it answers exactly, in any language, to the millisecond; [`retry`]
//! runs the attempts on the real clock and sleeps until the core's answer.
//!
//! # The jitter is deterministic
//!
//! Draw `n` of a call is one splitmix64 step of `seed + n * 0x9E3779B97F4A7C15`: a generator
//! every language computes bit for bit, so that a schedule with jitter can be held by a test.
//!
//! # Fallback
//!
//! A fallback is what the caller does with the error: `retry(...).await.or_else(|_| cached)`.

use std::num::{NonZeroU32, NonZeroU64};

use crate::clock::Clock;
use crate::work::step;

/// Nanoseconds in a millisecond: the live core's ticks.
const NS_PER_MS: NonZeroU64 = NonZeroU64::new(1_000_000).expect("not zero");

/// How the exponential delay is spread out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// The exponential delay itself: every client retries in step.
    None,
    /// A draw from 0 to the delay.
    Full,
    /// Half the delay, plus a draw up to the other half.
    Equal,
    /// AWS's "decorrelated jitter": a draw from the base to three times the last delay, capped.
    Decorrelated,
}

/// When to try again, and when to stop; delays in whole milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The delay after the first attempt, before jitter.
    pub base_ms: u64,
    /// What each delay is multiplied by, before jitter; 1 keeps it constant.
    pub factor: u64,
    /// No delay is longer than this, jitter included.
    pub cap_ms: u64,
    /// Attempts, not retries: 3 is the first attempt and two more.
    pub max_attempts: NonZeroU32,
    /// No attempt starts later than this after the first; `None` for no deadline.
    pub deadline_ms: Option<u64>,
    /// How the delays are spread out.
    pub jitter: Jitter,
    /// The jitter generator's seed.
    pub seed: u64,
}

/// How an attempt failed, as the caller classifies its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Transient: a 503, a dropped connection. Worth another attempt.
    Retryable,
    /// Another attempt would fail the same way: a 400, a bug.
    Fatal,
}

/// Why a call gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// An attempt failed with a fatal error.
    Fatal,
    /// The last attempt the policy allows failed.
    Exhausted,
    /// The next attempt would start after the deadline.
    Deadline,
}

/// The core's answer after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The next attempt starts at this tick.
    RetryAt(u64),
    /// The call ends without success.
    GiveUp(GaveUp),
}

// --8<-- [start:retry]
/// The golden-ratio increment of splitmix64: draw `n` starts from `seed + n * GOLDEN_GAMMA`.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Draw `n` of the generator seeded with `seed`: one splitmix64 step of `seed + n *
/// GOLDEN_GAMMA`, with wrap-around. Each draw is computed from its number, not from the draw
/// before, so any language recomputes any draw of a schedule bit for bit.
pub const fn draw(seed: u64, n: u64) -> u64 {
    step(seed.wrapping_add(n.wrapping_mul(GOLDEN_GAMMA)))
}

/// The decision core of one call, on integer ticks (`ticks_per_ms` to a millisecond). Attempt 1
/// starts at tick 0.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: Policy,
    ticks_per_ms: u64,
    attempts: u32,
    draws: u64,
    /// The next exponential delay, `min(cap, base * factor^(k-1))`, kept as a running product
    /// that stops at the cap: `base * factor.pow(k - 1)` itself overflows a `u64` by attempt 21
    /// with a factor of 10.
    exponential: u64,
    /// The last delay, which decorrelated jitter grows from.
    previous: u64,
}

impl Backoff {
    /// The core of a call that has just started its first attempt.
    pub fn new(policy: Policy, ticks_per_ms: NonZeroU64) -> Self {
        Self {
            policy,
            ticks_per_ms: ticks_per_ms.get(),
            attempts: 1,
            draws: 0,
            exponential: policy.cap_ms.min(policy.base_ms),
            previous: policy.base_ms,
        }
    }

    /// How many attempts have started.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The latest attempt failed with `failure` and ended at tick `ended`: when the next one
    /// starts, or why the call gives up.
    pub fn after_failure(&mut self, failure: Failure, ended: u64) -> Next {
        if failure == Failure::Fatal {
            return Next::GiveUp(GaveUp::Fatal);
        }
        // No delay is computed, let alone slept, after the last attempt: nothing follows it.
        if self.attempts == self.policy.max_attempts.get() {
            return Next::GiveUp(GaveUp::Exhausted);
        }
        let at = ended.saturating_add(self.delay_ms().saturating_mul(self.ticks_per_ms));
        // Checked before the sleep, against when the attempt would start: an attempt that
        // would start after the deadline is neither slept for nor started.
        if let Some(deadline_ms) = self.policy.deadline_ms
            && at > deadline_ms.saturating_mul(self.ticks_per_ms)
        {
            return Next::GiveUp(GaveUp::Deadline);
        }
        self.attempts += 1;
        Next::RetryAt(at)
    }

    /// The delay after the latest attempt. The jitter draws inside the capped delay, never on
    /// top of it: a cap plus a draw would wait longer than the cap that was meant to bound it.
    fn delay_ms(&mut self) -> u64 {
        let Policy {
            base_ms,
            factor,
            cap_ms,
            ..
        } = self.policy;
        let exponential = self.exponential;
        self.exponential = cap_ms.min(exponential.saturating_mul(factor));
        match self.policy.jitter {
            Jitter::None => exponential,
            Jitter::Full => self.rand(0, exponential),
            Jitter::Equal => {
                let half = exponential / 2;
                half + self.rand(0, exponential - half)
            }
            Jitter::Decorrelated => {
                // Up to three times the last delay: it spreads out as fast as the exponential
                // would, without the factor.
                let ceiling = base_ms.max(self.previous.saturating_mul(3));
                let delay = cap_ms.min(self.rand(base_ms, ceiling));
                self.previous = delay;
                delay
            }
        }
    }

    /// `lo + u mod (hi - lo + 1)` for the call's next draw `u`: an integer from `lo` to `hi`.
    fn rand(&mut self, lo: u64, hi: u64) -> u64 {
        let u = draw(self.policy.seed, self.draws);
        self.draws += 1;
        lo + u % (hi - lo + 1)
    }
}

/// A call that did not succeed: why it gave up, after how many attempts, and the last error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryError<E> {
    /// Why the call gave up.
    pub gave_up: GaveUp,
    /// How many attempts were made.
    pub attempts: u32,
    /// The last attempt's error.
    pub last: E,
}

/// Calls `attempt` (numbered from 1) until it succeeds, and answers its value, or the last error
/// once it is `Fatal` by `classify` or the policy gives up. Each delay runs from the end of the
/// attempt before, on the real clock, and the deadline from the start of the call.
///
/// Dropping the future cancels the call wherever it is: in an attempt, or in the sleep between
/// two. Nothing is left running, and no attempt starts after that.
pub async fn retry<T, E, A>(
    policy: Policy,
    mut attempt: impl FnMut(u32) -> A,
    classify: impl Fn(&E) -> Failure,
) -> Result<T, RetryError<E>>
where
    A: Future<Output = Result<T, E>>,
{
    let clock = Clock::start();
    let mut backoff = Backoff::new(policy, NS_PER_MS);
    loop {
        let error = match attempt(backoff.attempts()).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        // The attempt's real end: a slow attempt does not eat into the delay after it.
        match backoff.after_failure(classify(&error), clock.now_ns()) {
            Next::RetryAt(at) => {
                clock.sleep_until(at).await;
            }
            Next::GiveUp(gave_up) => {
                return Err(RetryError {
                    gave_up,
                    attempts: backoff.attempts(),
                    last: error,
                });
            }
        }
    }
}
// --8<-- [end:retry]
