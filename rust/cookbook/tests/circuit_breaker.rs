//! The breaker's rules on given times, and the live breaker on tokio's paused clock (see
//! `common`), with concurrent callers in half-open.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::num::NonZeroU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookbook::circuit_breaker::{Breaker, CallError, Change, CircuitBreaker, Settings, State};
use cookbook::clock::Clock;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

use crate::common::{InFlight, TICK, nonzero};

fn settings(threshold: usize, window: u64, open_for: u64, probes: usize) -> Settings {
    let ticks = |n| NonZeroU64::new(n).expect("not zero");
    Settings {
        failure_threshold: nonzero(threshold),
        window: ticks(window),
        open_for: ticks(open_for),
        half_open_probes: nonzero(probes),
    }
}

/// Instantaneous calls `(at, succeeds)`: whether each ran, and the changes `(at, to)`.
fn decide(settings: Settings, calls: &[(u64, bool)]) -> (Vec<bool>, Vec<(u64, State)>) {
    let mut changes = Vec::new();
    let mut breaker = Breaker::new(settings, |change: Change| {
        changes.push((change.at, change.to));
    });
    let ran = calls
        .iter()
        .map(|&(at, succeeds)| {
            breaker
                .admit(at)
                .map(|permit| breaker.record(permit, at, succeeds))
                .is_some()
        })
        .collect();
    (ran, changes)
}

const OK: bool = true;
const FAIL: bool = false;

#[test]
fn it_opens_at_the_threshold_and_rejects_while_open() {
    let (ran, changes) = decide(
        settings(3, 100, 200, 2),
        &[(0, FAIL), (10, FAIL), (20, OK), (30, FAIL), (40, OK)],
    );
    // Successes change nothing: the third failure opens it.
    assert_eq!(ran, [true, true, true, true, false]);
    assert_eq!(changes, [(30, State::Open)]);
}

#[test]
fn failures_leave_the_window() {
    // Pitfall: a count that never ages out opens on the third failure, 100 ms after the first.
    let (ran, changes) = decide(
        settings(3, 100, 200, 2),
        &[(0, FAIL), (50, FAIL), (100, FAIL), (150, FAIL)],
    );
    assert_eq!(ran, [true; 4]);
    assert_eq!(changes, []);
}

#[test]
fn it_is_half_open_from_the_instant_the_open_period_ends() {
    let (ran, changes) = decide(
        settings(3, 100, 200, 1),
        &[(0, FAIL), (0, FAIL), (0, FAIL), (199, OK), (200, OK)],
    );
    assert_eq!(ran, [true, true, true, false, true]);
    assert_eq!(
        changes,
        [
            (0, State::Open),
            (200, State::HalfOpen),
            (200, State::Closed)
        ]
    );
}

#[test]
fn a_failed_probe_opens_it_again() {
    // Pitfall: a probe failure that leaves it half-open keeps the load on a dependency down.
    let (ran, changes) = decide(
        settings(3, 100, 200, 2),
        &[
            (0, FAIL),
            (1, FAIL),
            (2, FAIL),
            (210, FAIL),
            (300, OK),
            (411, OK),
        ],
    );
    assert_eq!(ran, [true, true, true, true, false, true]);
    assert_eq!(
        changes,
        [
            (2, State::Open),
            (202, State::HalfOpen),
            (210, State::Open),
            (410, State::HalfOpen)
        ]
    );
}

#[test]
fn closing_forgets_the_failures_from_before() {
    // Pitfall: counting them still, 206 and 207 would open it again with 0, 1 or 2.
    let (ran, changes) = decide(
        settings(3, 1000, 200, 1),
        &[
            (0, FAIL),
            (1, FAIL),
            (2, FAIL),
            (205, OK),
            (206, FAIL),
            (207, FAIL),
        ],
    );
    assert_eq!(ran, [true; 6]);
    assert_eq!(
        changes,
        [
            (2, State::Open),
            (202, State::HalfOpen),
            (205, State::Closed)
        ]
    );
}

#[test]
fn an_outcome_from_an_earlier_state_changes_nothing() {
    let mut changes = Vec::new();
    let mut breaker = Breaker::new(settings(1, 100, 50, 1), |change: Change| {
        changes.push((change.at, change.to));
    });
    let slow = breaker.admit(0).expect("closed");
    let fast = breaker.admit(1).expect("closed");
    breaker.record(fast, 2, FAIL);
    // The slow call fails after the breaker opened, and again after it is half-open and
    // closed: neither its failure nor a second count of it reopens the breaker.
    let probe = breaker.admit(60).expect("half-open");
    breaker.record(probe, 61, OK);
    breaker.record(slow, 62, FAIL);
    assert!(breaker.admit(63).is_some());
    assert_eq!(
        changes,
        [(2, State::Open), (52, State::HalfOpen), (61, State::Closed)]
    );
}

type Changes = Arc<Mutex<Vec<(u64, State)>>>;

/// A live breaker that remembers its changes, on the paused clock: ticks are ns.
fn live_breaker(settings: Settings) -> (Arc<CircuitBreaker<impl FnMut(Change) + Send>>, Changes) {
    let changes = Changes::default();
    let seen = Arc::clone(&changes);
    let breaker = CircuitBreaker::new(settings, Clock::start(), move |change: Change| {
        seen.lock()
            .expect("not poisoned")
            .push((change.at, change.to));
    });
    (Arc::new(breaker), changes)
}

fn ns(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).expect("short")
}

#[tokio::test(start_paused = true)]
async fn half_open_lets_only_its_probes_run_at_once() {
    let (breaker, changes) = live_breaker(settings(1, ns(TICK), ns(8 * TICK), 2));
    let failed = breaker.call(async { Err::<(), _>("down") }).await;
    assert_eq!(failed, Err(CallError::Failed("down")));
    sleep(8 * TICK).await;
    // Ten callers at once, each call taking 40 ms. Pitfall: letting every waiting caller
    // through would put the full load on a dependency that is only recovering.
    let running = Arc::new(InFlight::default());
    let mut callers = JoinSet::new();
    for _ in 0..10 {
        let (breaker, running) = (Arc::clone(&breaker), Arc::clone(&running));
        callers.spawn(async move {
            let call = async {
                running.hold(4 * TICK).await;
                Ok::<_, ()>(())
            };
            breaker.call(call).await.is_ok()
        });
    }
    let ran = callers
        .join_all()
        .await
        .into_iter()
        .filter(|&ran| ran)
        .count();
    assert_eq!((ran, running.max()), (2, 2));
    let to: Vec<State> = changes
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|c| c.1)
        .collect();
    assert_eq!(to, [State::Open, State::HalfOpen, State::Closed]);
}

#[tokio::test(start_paused = true)]
async fn no_call_runs_while_it_is_open() {
    let (breaker, changes) = live_breaker(settings(2, ns(100 * TICK), ns(8 * TICK), 1));
    let mut callers = JoinSet::new();
    for caller in 0..4 {
        let breaker = Arc::clone(&breaker);
        callers.spawn(async move {
            sleep(caller * TICK).await;
            // Decided and admitted in one step under the lock: once two failures have opened
            // it, the next callers are rejected, whatever they read before.
            let outcome = breaker.call(async {
                sleep(TICK / 2).await;
                Err::<(), _>(())
            });
            matches!(outcome.await, Err(CallError::Rejected(_)))
        });
    }
    let rejected: Vec<bool> = callers.join_all().await;
    assert_eq!(rejected.iter().filter(|&&r| r).count(), 2);
    let changes = changes.lock().expect("not poisoned").clone();
    assert_eq!(changes, [(ns(TICK + TICK / 2), State::Open)]);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_probe_gives_its_place_back() {
    let (breaker, _) = live_breaker(settings(1, ns(TICK), ns(TICK), 1));
    let _ = breaker.call(async { Err::<(), _>(()) }).await;
    sleep(TICK).await;
    // The only probe hangs and is cancelled: without giving its place back, the breaker
    // would reject every call from now on.
    let hung = breaker.call(async {
        sleep(Duration::from_hours(1)).await;
        Ok::<_, ()>(())
    });
    assert!(timeout(TICK, hung).await.is_err());
    assert_eq!(breaker.call(async { Ok::<_, ()>(7) }).await, Ok(7));
}
