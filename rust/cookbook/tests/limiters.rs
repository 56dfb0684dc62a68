//! The token bucket and the sliding window: their decision cores on given times, and the live
//! limiter on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::num::NonZeroU64;
use std::sync::Arc;

use cookbook::limiter::{Decision, Limiter, Policy};
use cookbook::sliding_window::SlidingWindow;
use cookbook::token_bucket::TokenBucket;
use tokio::task::JoinSet;

use crate::common::nonzero;

const ADMIT: Decision = Decision::Admit;

const fn deny(wait: u64) -> Decision {
    Decision::Deny { wait }
}

fn positive(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).expect("not zero")
}

fn bucket(tokens: u64, every: u64, burst: u64) -> TokenBucket {
    TokenBucket::new(positive(tokens), positive(every), positive(burst))
}

fn window(limit: usize, window: u64) -> SlidingWindow {
    SlidingWindow::new(nonzero(limit), positive(window))
}

fn decide(mut policy: impl Policy, arrivals: &[u64]) -> Vec<Decision> {
    arrivals.iter().map(|&at| policy.decide(at)).collect()
}

fn reserve(mut policy: impl Policy, arrivals: &[u64]) -> Vec<u64> {
    arrivals.iter().map(|&at| policy.reserve(at)).collect()
}

#[test]
fn a_bucket_starts_full_then_refills_continuously() {
    // 3 tokens per 1000 ms, 3 at most: a token every 333.3 ms, and a wait rounded up.
    let got = decide(bucket(3, 1000, 3), &[0, 0, 0, 0, 333, 334, 667, 1000, 1000]);
    let want = [
        ADMIT,
        ADMIT,
        ADMIT,
        deny(334),
        deny(1),
        ADMIT,
        ADMIT,
        ADMIT,
        deny(334),
    ];
    assert_eq!(got, want);
}

#[test]
fn an_idle_bucket_saves_no_more_than_its_burst() {
    let got = decide(bucket(1, 100, 2), &[0, 0, 10_000, 10_000, 10_000]);
    assert_eq!(got, [ADMIT, ADMIT, ADMIT, ADMIT, deny(100)]);
}

#[test]
fn a_bucket_reserves_a_burst_then_one_token_per_period() {
    let got = reserve(bucket(1, 10, 3), &[0, 0, 0, 0, 0, 35]);
    assert_eq!(got, [0, 0, 0, 10, 20, 35]);
}

#[test]
fn an_admission_leaves_the_window_exactly_one_window_later() {
    let got = decide(window(2, 1000), &[0, 500, 999, 1000, 1001, 1499, 1500]);
    let want = [ADMIT, ADMIT, deny(1), ADMIT, deny(499), deny(1), ADMIT];
    assert_eq!(got, want);
}

#[test]
fn a_window_never_lets_twice_its_limit_across_a_boundary() {
    let got = decide(window(3, 1000), &[990, 995, 999, 1000, 1001, 1989, 1990]);
    let want = [ADMIT, ADMIT, ADMIT, deny(990), deny(989), deny(1), ADMIT];
    assert_eq!(got, want);
}

#[test]
fn denied_requests_are_not_logged() {
    let got = decide(window(1, 100), &[0, 10, 99, 100]);
    assert_eq!(got, [ADMIT, deny(90), deny(1), ADMIT]);
}

#[test]
fn a_window_reserves_its_limit_per_window() {
    let got = reserve(window(2, 100), &[0, 0, 0, 0, 0, 50, 450]);
    assert_eq!(got, [0, 0, 100, 100, 200, 200, 450]);
}

/// `callers` tasks each acquire `requests` times through one limiter; answers every
/// admission time, in order, after checking that no caller woke before its admission.
async fn live(policy: impl Policy + Send + 'static, callers: usize, requests: usize) -> Vec<u64> {
    let limiter = Arc::new(Limiter::new(policy));
    let mut tasks = JoinSet::new();
    for _ in 0..callers {
        let limiter = Arc::clone(&limiter);
        tasks.spawn(async move {
            let mut admissions = Vec::new();
            for _ in 0..requests {
                admissions.push(limiter.acquire().await);
            }
            admissions
        });
    }
    let admissions: Vec<_> = tasks.join_all().await.into_iter().flatten().collect();
    for a in &admissions {
        assert!(a.requested_ns <= a.at_ns && a.at_ns <= a.woke_ns, "{a:?}");
    }
    let mut at: Vec<u64> = admissions.iter().map(|a| a.at_ns).collect();
    at.sort_unstable();
    at
}

const MS: u64 = 1_000_000;

#[tokio::test(start_paused = true)]
async fn live_callers_get_a_burst_then_the_refill_rate() {
    let at = live(bucket(1, 10 * MS, 2), 3, 2).await;
    assert_eq!(at, [0, 0, 10 * MS, 20 * MS, 30 * MS, 40 * MS]);
}

#[tokio::test(start_paused = true)]
async fn live_callers_get_the_limit_per_window() {
    let at = live(window(2, 50 * MS), 3, 2).await;
    assert_eq!(at, [0, 0, 50 * MS, 50 * MS, 100 * MS, 100 * MS]);
}

#[tokio::test(start_paused = true)]
async fn no_caller_wakes_before_its_admission_between_timer_ticks() {
    // A token every 1.5 ms: admissions fall between the timer's millisecond ticks, and
    // `live` checks that every caller still woke at or after its own.
    let at = live(bucket(2, 3 * MS, 1), 2, 2).await;
    assert_eq!(at, [0, 1_500_000, 3 * MS, 4_500_000]);
}
