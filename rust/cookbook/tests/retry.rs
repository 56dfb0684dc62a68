//! Retry with backoff: the decision core on given times, and the live loop on tokio's paused
//! clock (see `common`), where every delay is exact.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::cell::RefCell;
use std::num::{NonZeroU32, NonZeroU64};
use std::time::Duration;

use cookbook::retry::{Backoff, Failure, GaveUp, Jitter, Next, Policy, RetryError, draw, retry};
use cookbook::work::work;
use tokio::time::{Instant, sleep, timeout};

use crate::common::TICK;

const MS: NonZeroU64 = NonZeroU64::MIN;

fn policy(base_ms: u64, factor: u64, cap_ms: u64, max_attempts: u32, jitter: Jitter) -> Policy {
    Policy {
        base_ms,
        factor,
        cap_ms,
        max_attempts: NonZeroU32::new(max_attempts).expect("not zero"),
        deadline_ms: None,
        jitter,
        seed: 0,
    }
}

/// The starts of a call whose attempts all fail retryably and take no time, until it gives up.
fn starts(policy: Policy) -> (Vec<u64>, GaveUp) {
    let mut backoff = Backoff::new(policy, MS);
    let mut starts = vec![0];
    loop {
        match backoff.after_failure(Failure::Retryable, *starts.last().expect("one")) {
            Next::RetryAt(at) => starts.push(at),
            Next::GiveUp(why) => return (starts, why),
        }
    }
}

#[test]
fn draws_are_one_splitmix64_step_of_the_seed_plus_n_golden_gammas() {
    for (seed, n) in [
        (0_u64, 0_u64),
        (42, 1),
        (9_007_199_254_740_991, 3),
        (u64::MAX, 7),
    ] {
        let x = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        assert_eq!(draw(seed, n), work(x, 1));
    }
}

#[test]
fn delays_grow_by_the_factor_up_to_the_cap() {
    let (at, why) = starts(policy(100, 2, 250, 6, Jitter::None));
    assert_eq!(at, [0, 100, 300, 550, 800, 1050]);
    assert_eq!(why, GaveUp::Exhausted);
}

#[test]
fn max_attempts_counts_the_first_attempt() {
    // Pitfall: `for _ in 0..=max_retries` makes one attempt too many, and sleeps after the last.
    let (at, why) = starts(policy(100, 2, 10_000, 3, Jitter::None));
    assert_eq!((at, why), (vec![0, 100, 300], GaveUp::Exhausted));
    let (at, _) = starts(policy(100, 2, 10_000, 1, Jitter::None));
    assert_eq!(at, [0]);
}

#[test]
fn a_fatal_error_gives_up_at_once() {
    let mut backoff = Backoff::new(policy(100, 2, 10_000, 5, Jitter::None), MS);
    assert_eq!(
        backoff.after_failure(Failure::Retryable, 0),
        Next::RetryAt(100)
    );
    assert_eq!(
        backoff.after_failure(Failure::Fatal, 100),
        Next::GiveUp(GaveUp::Fatal)
    );
    assert_eq!(backoff.attempts(), 2);
}

#[test]
fn a_huge_exponent_saturates_at_the_cap() {
    // Pitfall: `base * factor.pow(k)` overflows a u64 by attempt 21 with a factor of 10.
    let (at, _) = starts(policy(60_000, 10, 600_000, 100, Jitter::None));
    assert_eq!(at.len(), 100);
    assert_eq!(at[99], 60_000 + 98 * 600_000);
}

#[test]
fn no_attempt_is_scheduled_after_the_deadline() {
    let at_deadline = |deadline_ms| {
        let policy = Policy {
            deadline_ms: Some(deadline_ms),
            ..policy(100, 2, 10_000, 10, Jitter::None)
        };
        starts(policy)
    };
    assert_eq!(at_deadline(350), (vec![0, 100, 300], GaveUp::Deadline));
    // Exactly at the deadline is not after it.
    assert_eq!(at_deadline(700), (vec![0, 100, 300, 700], GaveUp::Deadline));
}

#[test]
fn jitter_is_the_spec_generator_drawn_inside_the_cap() {
    let seeded = |jitter, seed, cap_ms, max_attempts| Policy {
        seed,
        ..policy(100, 2, cap_ms, max_attempts, jitter)
    };
    // The spec's cases, computed by the same generator in every language.
    assert_eq!(
        starts(seeded(Jitter::Full, 42, 10_000, 6)).0,
        [0, 23, 72, 183, 840, 1876]
    );
    assert_eq!(
        starts(seeded(Jitter::Equal, 7, 10_000, 6)).0,
        [0, 50, 209, 556, 982, 2482]
    );
    assert_eq!(
        starts(seeded(Jitter::Decorrelated, 2024, 3000, 8)).0,
        [0, 182, 323, 450, 713, 1391, 1780, 2815]
    );
    // Pitfall: jitter added on top of the capped delay waits past the cap.
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        for seed in 0..100 {
            let (at, _) = starts(seeded(jitter, seed, 250, 20));
            assert!(at.windows(2).all(|pair| pair[1] - pair[0] <= 250), "{at:?}");
        }
    }
}

#[test]
fn a_zero_base_never_waits() {
    let (at, _) = starts(policy(0, 2, 1000, 4, Jitter::Decorrelated));
    assert_eq!(at, [0, 0, 0, 0]);
}

/// A live call whose attempts take `attempt` and end as `script` says (success past its end);
/// answers the result and when each attempt started, in ms since the call.
async fn live(
    policy: Policy,
    attempt: Duration,
    script: &[Result<(), Failure>],
) -> (Result<u32, RetryError<Failure>>, Vec<u128>) {
    let start = Instant::now();
    let started = RefCell::new(Vec::new());
    let result = retry(
        policy,
        |n| {
            started.borrow_mut().push(start.elapsed().as_millis());
            let outcome = script.get(n as usize - 1).copied().unwrap_or(Ok(()));
            async move {
                sleep(attempt).await;
                outcome.map(|()| n)
            }
        },
        |failure| *failure,
    )
    .await;
    (result, started.into_inner())
}

#[tokio::test(start_paused = true)]
async fn live_delays_run_from_the_end_of_each_attempt() {
    let retryable = [Err(Failure::Retryable); 2];
    let (result, started) = live(
        policy(100, 2, 10_000, 5, Jitter::None),
        3 * TICK,
        &retryable,
    )
    .await;
    assert_eq!(result, Ok(3));
    // Pitfall: delays measured from an attempt's start would give 0, 100, 300.
    assert_eq!(started, [0, 130, 360]);
}

#[tokio::test(start_paused = true)]
async fn live_gives_up_with_the_last_error_and_no_sleep_after_it() {
    let start = Instant::now();
    let (result, started) = live(
        policy(100, 2, 10_000, 3, Jitter::None),
        Duration::ZERO,
        &[Err(Failure::Retryable); 10],
    )
    .await;
    let error = result.expect_err("exhausted");
    assert_eq!((error.gave_up, error.attempts), (GaveUp::Exhausted, 3));
    assert_eq!(started, [0, 100, 300]);
    // It returned when the last attempt failed, not one delay later.
    assert_eq!(start.elapsed(), Duration::from_millis(300));
}

#[tokio::test(start_paused = true)]
async fn live_deadline_ends_the_call_without_waiting_for_it() {
    let policy = Policy {
        deadline_ms: Some(180),
        ..policy(50, 2, 10_000, 10, Jitter::None)
    };
    let start = Instant::now();
    let (result, started) = live(policy, Duration::ZERO, &[Err(Failure::Retryable); 10]).await;
    assert_eq!(result.expect_err("deadline").gave_up, GaveUp::Deadline);
    assert_eq!(started, [0, 50, 150]);
    // Pitfall: a deadline checked only after sleeping starts an attempt at 350; it is checked
    // before, so the call ends at once.
    assert_eq!(start.elapsed(), Duration::from_millis(150));
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_call_starts_no_more_attempts() {
    let attempts = RefCell::new(0);
    let call = retry(
        policy(100, 2, 10_000, 10, Jitter::None),
        |_| {
            *attempts.borrow_mut() += 1;
            async { Err::<(), _>(Failure::Retryable) }
        },
        |failure| *failure,
    );
    // Dropped in the sleep after the second attempt, which started at 100 ms.
    assert!(timeout(Duration::from_millis(150), call).await.is_err());
    sleep(Duration::from_secs(10)).await;
    assert_eq!(*attempts.borrow(), 2);
}
