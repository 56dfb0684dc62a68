//! The throttle's rules on given times, and the live throttle on tokio's paused clock (see
//! `common`), with callers that arrive together.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::num::NonZeroU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookbook::clock::{Clock, Fired};
use cookbook::throttle::{self, Edges, Throttle};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use crate::common::TICK;

/// Every firing over `arrivals` (ms), with `interval` ms on `edges`, time running on at the end.
fn decide(interval: u64, edges: Edges, arrivals: &[u64]) -> Vec<(usize, u64)> {
    let interval = NonZeroU64::new(interval).expect("not zero");
    let mut throttle = Throttle::new(interval, edges);
    let mut fired: Vec<Fired<usize>> = Vec::new();
    for (call, &at) in arrivals.iter().enumerate() {
        fired.extend(throttle.call(at, call));
    }
    fired.extend(throttle.end());
    fired.into_iter().map(|f| (f.call, f.at)).collect()
}

#[test]
fn neither_edge_is_no_throttle() {
    assert_eq!(Edges::new(false, false), None);
    assert_eq!(Edges::new(true, false), Some(Edges::Leading));
}

#[test]
fn the_leading_edge_fires_at_once_and_drops_the_rest_of_the_window() {
    let got = decide(100, Edges::Leading, &[0, 10, 20, 150]);
    assert_eq!(got, [(0, 0), (3, 150)]);
    // Dropped calls never fire later.
    assert_eq!(decide(100, Edges::Leading, &[0, 30, 60, 90]), [(0, 0)]);
}

#[test]
fn a_call_at_the_end_of_a_window_starts_the_next() {
    let got = decide(100, Edges::Leading, &[0, 100, 200, 299]);
    assert_eq!(got, [(0, 0), (1, 100), (2, 200)]);
}

#[test]
fn the_trailing_edge_fires_the_latest_call_at_the_end_of_the_window() {
    // Pitfall: firing the first dropped call (1) instead of the latest (2).
    let got = decide(100, Edges::Trailing, &[0, 10, 20, 150]);
    assert_eq!(got, [(2, 100), (3, 200)]);
}

#[test]
fn a_trailing_firing_opens_a_window_of_its_own() {
    // Pitfall: without it, call 2 at 110 would fire at once, 10 ms after the firing at 100.
    let got = decide(100, Edges::Both, &[0, 90, 110, 190]);
    assert_eq!(got, [(0, 0), (1, 100), (3, 200)]);
}

#[test]
fn simultaneous_calls_fire_once() {
    assert_eq!(decide(100, Edges::Leading, &[5, 5, 5, 5]), [(0, 5)]);
    assert_eq!(decide(100, Edges::Both, &[5, 5, 5, 5]), [(0, 5), (3, 105)]);
}

#[test]
fn no_call_no_firing() {
    assert_eq!(decide(100, Edges::Both, &[]), []);
}

/// Live: each caller of `callers` calls at the given ms (since the start); answers every
/// firing: the caller that fired, and when (ms since the start) it reached the receiver.
async fn live(interval: Duration, edges: Edges, callers: &[&[u64]]) -> Vec<(usize, u64)> {
    let clock = Clock::start();
    let start = Instant::now();
    let (call, calls) = mpsc::unbounded_channel();
    let (fired, mut firings) = mpsc::channel(1);
    let throttle = tokio::spawn(throttle::run(calls, fired, interval, edges, clock));
    let mut tasks = JoinSet::new();
    for (caller, &times) in callers.iter().enumerate() {
        let call = call.clone();
        let times = times.to_vec();
        tasks.spawn(async move {
            for at in times {
                sleep_until(start + Duration::from_millis(at)).await;
                call.send(caller).expect("the throttle runs");
            }
        });
    }
    drop(call);
    let mut got = Vec::new();
    while let Some(firing) = firings.recv().await {
        let ms = u64::try_from(start.elapsed().as_millis()).expect("short");
        // The throttle fires as of its rules' tick, never after the receiver saw it.
        assert!(firing.at <= clock.now_ns());
        got.push((firing.call, ms));
    }
    tasks.join_all().await;
    throttle.await.expect("the throttle ends with its callers");
    got
}

#[tokio::test(start_paused = true)]
async fn live_callers_that_arrive_together_fire_once_per_interval() {
    // Eight callers, each calling every 5 ms for 50 ms, through a 40 ms throttle.
    let times: Vec<u64> = (0..10).map(|n| n * 5).collect();
    let callers = vec![times.as_slice(); 8];
    let got = live(4 * TICK, Edges::Leading, &callers).await;
    let at: Vec<u64> = got.iter().map(|&(_, at)| at).collect();
    assert_eq!(at, [0, 40]);
}

#[tokio::test(start_paused = true)]
async fn live_trailing_call_fires_after_the_callers_are_gone() {
    let got = live(10 * TICK, Edges::Both, &[&[0, 10, 20], &[30]]).await;
    // The last call (caller 1's, at 30) fires at the end of the window, at 100, although
    // every caller was gone by then.
    assert_eq!(got, [(0, 0), (1, 100)]);
}

/// The pitfall: read the last time, sleep out the rest of the interval, then record the time.
/// Callers that arrive together all read the same last time, sleep alike and go together.
#[derive(Default)]
struct SleepOutTheInterval {
    last: Mutex<Option<Instant>>,
}

impl SleepOutTheInterval {
    async fn call(&self, interval: Duration) -> Instant {
        let last = *self.last.lock().expect("not poisoned");
        if let Some(last) = last {
            sleep_until(last + interval).await;
        }
        let now = Instant::now();
        *self.last.lock().expect("not poisoned") = Some(now);
        now
    }
}

#[tokio::test(start_paused = true)]
async fn sleeping_out_the_interval_lets_callers_through_together() {
    let naive = Arc::new(SleepOutTheInterval::default());
    let start = naive.call(4 * TICK).await;
    let mut callers = JoinSet::new();
    for _ in 0..3 {
        let naive = Arc::clone(&naive);
        callers.spawn(async move { naive.call(4 * TICK).await });
    }
    let went = callers.join_all().await;
    // All three went through at 40 ms, inside one interval: the throttle above fires one.
    assert!(went.iter().all(|&at| at - start == 4 * TICK));
}
