//! The debouncing rules on given times, and the live debouncer on tokio's paused clock (see
//! `common`), with runs that outlast the next call.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cookbook::clock::{Clock, Fired};
use cookbook::debounce::{self, Debouncer};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until, timeout};

use crate::common::{InFlight, TICK};

fn ms(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).expect("not zero")
}

/// Every firing over `arrivals` (ms): the call's index, and when it fired.
fn decide(quiet: u64, max_wait: Option<u64>, arrivals: &[u64]) -> Vec<(usize, u64)> {
    let mut debouncer = Debouncer::new(ms(quiet), max_wait.map(ms));
    let mut fired: Vec<Fired<usize>> = Vec::new();
    for (call, &at) in arrivals.iter().enumerate() {
        fired.extend(debouncer.call(at, call));
    }
    fired.extend(debouncer.end());
    fired.into_iter().map(|f| (f.call, f.at)).collect()
}

#[test]
fn a_burst_fires_its_latest_call_after_the_quiet_period() {
    assert_eq!(decide(50, None, &[0, 10, 20]), [(2, 70)]);
    assert_eq!(decide(50, None, &[7]), [(0, 57)]);
    assert_eq!(decide(50, None, &[]), []);
}

#[test]
fn each_call_restarts_the_quiet_period() {
    // Pitfall: a quiet period measured from the first call would fire at 50.
    assert_eq!(decide(50, None, &[0, 40, 80, 120]), [(3, 170)]);
}

#[test]
fn bursts_apart_fire_apart() {
    assert_eq!(decide(50, None, &[0, 10, 200, 210]), [(1, 60), (3, 260)]);
}

#[test]
fn a_firing_due_at_an_arrival_comes_first() {
    assert_eq!(
        decide(50, None, &[0, 50, 100]),
        [(0, 50), (1, 100), (2, 150)]
    );
}

#[test]
fn the_maximum_wait_caps_a_steady_stream() {
    let steady: Vec<u64> = (0..15).map(|n| n * 20).collect();
    // Pitfall: without a cap, calls 20 ms apart under a 50 ms quiet period never fire until
    // the stream stops.
    assert_eq!(decide(50, None, &steady), [(14, 330)]);
    assert_eq!(
        decide(50, Some(100), &steady),
        [(4, 100), (9, 200), (14, 300)]
    );
}

/// Live: calls at the given ms, runs of `run_for` that fail for the calls in `failing`; answers
/// each run's call, result, and when (ms) it started and ended, in firing order.
async fn live(
    quiet: Duration,
    max_wait: Option<Duration>,
    arrivals: &[u64],
    run_for: Duration,
    failing: &[usize],
) -> Vec<(usize, Result<(), String>, u64, u64)> {
    let clock = Clock::start();
    let start = Instant::now();
    let elapsed = move || u64::try_from(start.elapsed().as_millis()).expect("short");
    let (call, calls) = mpsc::unbounded_channel();
    let arrivals = arrivals.to_vec();
    let failing = failing.to_vec();
    let feed = async move {
        for (index, at) in arrivals.into_iter().enumerate() {
            sleep_until(start + Duration::from_millis(at)).await;
            call.send(index).expect("the debouncer runs");
        }
    };
    let run = move |fired: Fired<usize>| {
        let fails = failing.contains(&fired.call);
        async move {
            let started = elapsed();
            sleep(run_for).await;
            let result = if fails {
                Err(format!("call {} failed", fired.call))
            } else {
                Ok(())
            };
            (fired.call, result, started, elapsed())
        }
    };
    let ((), runs) = tokio::join!(feed, debounce::run(calls, quiet, max_wait, clock, run));
    runs
}

#[tokio::test(start_paused = true)]
async fn live_fires_once_per_burst_after_the_quiet_period() {
    let runs = live(6 * TICK, None, &[0, 20, 40, 200, 220], Duration::ZERO, &[]).await;
    assert_eq!(runs, [(2, Ok(()), 100, 100), (4, Ok(()), 280, 280)]);
}

#[tokio::test(start_paused = true)]
async fn live_caps_a_steady_stream_at_the_maximum_wait() {
    let steady: Vec<u64> = (0..14).map(|n| n * 30).collect();
    let runs = live(6 * TICK, Some(12 * TICK), &steady, Duration::ZERO, &[]).await;
    let fired: Vec<(usize, u64)> = runs.iter().map(|run| (run.0, run.2)).collect();
    assert_eq!(fired, [(3, 120), (7, 240), (11, 360), (13, 450)]);
}

#[tokio::test(start_paused = true)]
async fn a_running_call_is_not_cut_off_by_the_next() {
    // Each run takes 200 ms; the next call comes 100 ms after the first, while it runs.
    let runs = live(3 * TICK, None, &[0, 100, 300], 20 * TICK, &[]).await;
    assert_eq!(
        runs,
        [
            (0, Ok(()), 30, 230),
            (1, Ok(()), 130, 330),
            (2, Ok(()), 330, 530)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_run_error_is_answered() {
    let runs = live(3 * TICK, None, &[0, 10, 150], 2 * TICK, &[1]).await;
    let results: Vec<_> = runs.into_iter().map(|run| (run.0, run.1)).collect();
    // Pitfall: a run spawned and never awaited loses this error.
    assert_eq!(results, [(1, Err("call 1 failed".to_owned())), (2, Ok(()))]);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_debouncer_leaves_no_run_running() {
    let running = Arc::new(InFlight::default());
    let (call, calls) = mpsc::unbounded_channel();
    call.send(()).expect("open");
    let runs = {
        let running = Arc::clone(&running);
        debounce::run(calls, TICK, None, Clock::start(), move |_| {
            let running = Arc::clone(&running);
            async move { running.hold(100 * TICK).await }
        })
    };
    // The call fires at 10 ms and its run is under way at 20 ms, when the future is dropped.
    assert!(timeout(2 * TICK, runs).await.is_err());
    tokio::task::yield_now().await;
    assert_eq!((running.max(), running.now()), (1, 0));
}

/// The pitfall: one task for "wait, then run", cancelled by every call. A call that comes
/// while the previous one runs cuts that run off.
#[derive(Default)]
struct CancelThePrevious {
    task: Option<JoinHandle<()>>,
}

impl CancelThePrevious {
    fn call(&mut self, quiet: Duration, run: impl Future<Output = ()> + Send + 'static) {
        if let Some(previous) = self.task.take() {
            previous.abort();
        }
        self.task = Some(tokio::spawn(async move {
            sleep(quiet).await;
            run.await;
        }));
    }
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_previous_task_cuts_a_running_call_off() {
    let (started, finished) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut naive = CancelThePrevious::default();
    let start = Instant::now();
    for at in [0, 100] {
        sleep_until(start + Duration::from_millis(at)).await;
        let (started, finished) = (Arc::clone(&started), Arc::clone(&finished));
        naive.call(3 * TICK, async move {
            started.fetch_add(1, Ordering::SeqCst);
            sleep(20 * TICK).await;
            finished.fetch_add(1, Ordering::SeqCst);
        });
    }
    sleep(100 * TICK).await;
    // The first run started at 30 ms and was aborted at 100 ms, in its middle: two runs
    // started, one finished. The debouncer above runs both to their end.
    assert_eq!(started.load(Ordering::SeqCst), 2);
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}
