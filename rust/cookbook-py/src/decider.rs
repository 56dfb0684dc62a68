//! A limiter's decision core as Python sees it: times that must not go back, and a wait in
//! place of a `Decision`.
//!
//! `cookbook::limiter::Policy` expects ticks that never go back in time and saturates when
//! they do, handing out credit that was never earned. A caller passing times is exactly who
//! can get that wrong, so the binding refuses such a time instead of answering it.

use cookbook::limiter::{Decision, Policy};

/// A policy and the last time it decided at.
#[derive(Debug)]
pub(crate) struct Decider<P> {
    policy: P,
    last: Option<u64>,
}

/// A time earlier than the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WentBack {
    pub(crate) previous: u64,
    pub(crate) now: u64,
}

impl<P: Policy> Decider<P> {
    pub(crate) fn new(policy: P) -> Self {
        Self { policy, last: None }
    }

    /// The policy's answer at `now`, as the ticks to wait: 0 when admitted. A policy never
    /// denies with a wait of 0 (a request that could go now is admitted), so 0 is unambiguous.
    pub(crate) fn decide(&mut self, now: u64) -> Result<u64, WentBack> {
        if let Some(previous) = self.last.filter(|&previous| now < previous) {
            return Err(WentBack { previous, now });
        }
        self.last = Some(now);
        Ok(match self.policy.decide(now) {
            Decision::Admit => 0,
            Decision::Deny { wait } => wait,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::num::{NonZeroU64, NonZeroUsize};

    use cookbook::sliding_window::SlidingWindow;
    use cookbook::token_bucket::TokenBucket;

    use super::*;

    fn bucket(tokens: u64, every: u64, burst: u64) -> Decider<TokenBucket> {
        let n = |value| NonZeroU64::new(value).expect("not zero");
        Decider::new(TokenBucket::new(n(tokens), n(every), n(burst)))
    }

    #[test]
    fn admits_as_zero_and_denies_with_the_wait() {
        // The spec's `steady-refill`: one token every 100 ms, a bucket of one.
        let mut decider = bucket(1, 100, 1);
        let waits: Vec<u64> = [0, 50, 99, 100, 150]
            .into_iter()
            .map(|at| decider.decide(at).expect("in time order"))
            .collect();
        assert_eq!(waits, [0, 50, 1, 0, 50]);
    }

    #[test]
    fn equal_times_are_fine_and_a_time_going_back_is_refused_without_a_decision() {
        let window = SlidingWindow::new(NonZeroUsize::MIN, NonZeroU64::new(100).expect("100"));
        let mut decider = Decider::new(window);
        assert_eq!(decider.decide(500), Ok(0));
        assert_eq!(decider.decide(500), Ok(100));
        assert_eq!(
            decider.decide(499),
            Err(WentBack {
                previous: 500,
                now: 499
            })
        );
        // The refused time changed nothing: the window still ends at 600.
        assert_eq!(decider.decide(599), Ok(1));
        assert_eq!(decider.decide(600), Ok(0));
    }
}
