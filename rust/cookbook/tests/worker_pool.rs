//! The pool on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cookbook::worker_pool;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};

use crate::common::{InFlight, TICK, nonzero as workers};

/// Runs `jobs` jobs of one tick each; answers (virtual time taken, highest count in flight).
async fn ticks(pool_size: usize, jobs: u64) -> (Duration, usize) {
    let in_flight = Arc::new(InFlight::default());
    let counter = Arc::clone(&in_flight);
    let start = Instant::now();
    let done = worker_pool::run(workers(pool_size), 0..jobs, move |id| {
        let counter = Arc::clone(&counter);
        async move {
            counter.hold(TICK).await;
            id
        }
    })
    .await;
    let elapsed = start.elapsed();
    let mut done = done;
    done.sort_unstable();
    assert_eq!(done, (0..jobs).collect::<Vec<_>>(), "every job runs once");
    (elapsed, in_flight.max())
}

#[tokio::test(start_paused = true)]
async fn jobs_run_in_rounds_of_workers() {
    // 10 jobs on 3 workers: rounds of 3, 3, 3 and 1. Serial would take 10 ticks, unbounded 1.
    assert_eq!(ticks(3, 10).await, (4 * TICK, 3));
}

#[tokio::test(start_paused = true)]
async fn one_worker_runs_jobs_one_after_the_other() {
    assert_eq!(ticks(1, 5).await, (5 * TICK, 1));
}

#[tokio::test(start_paused = true)]
async fn idle_workers_do_not_hold_up_the_pool() {
    assert_eq!(ticks(8, 3).await, (TICK, 3));
}

#[tokio::test(start_paused = true)]
async fn no_jobs_returns_at_once() {
    assert_eq!(ticks(4, 0).await, (Duration::ZERO, 0));
}

#[tokio::test(start_paused = true)]
async fn a_failing_job_leaves_the_others_running() {
    let mut done = worker_pool::run(workers(2), 0..6_u64, |id| async move {
        sleep(TICK).await;
        if id % 3 == 1 { Err(id) } else { Ok(id) }
    })
    .await;
    done.sort_unstable();
    assert_eq!(done, [Ok(0), Ok(2), Ok(3), Ok(5), Err(1), Err(4)]);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_job_is_its_own_result_and_its_worker_carries_on() {
    let start = Instant::now();
    let done = worker_pool::run_catching(workers(2), 0..6_u64, |id| async move {
        sleep(TICK).await;
        assert!(id % 3 != 1, "job {id} is a bug");
        id
    })
    .await;
    let mut answers: Vec<Result<u64, String>> = done
        .into_iter()
        .map(|result| result.map_err(|panicked| panicked.to_string()))
        .collect();
    answers.sort_unstable();
    let panicked = |id| format!("item {id} panicked: job {id} is a bug");
    assert_eq!(
        answers,
        [
            Ok(0),
            Ok(2),
            Ok(3),
            Ok(5),
            Err(panicked(1)),
            Err(panicked(4))
        ]
    );
    // Three rounds of two: a worker that died with its job would leave the other to run the
    // rest alone, in more rounds.
    assert_eq!(start.elapsed(), 3 * TICK);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "job 2 is a bug")]
async fn run_raises_a_panic_again_once_every_job_has_run() {
    let finished = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&finished);
    let pool = tokio::spawn(worker_pool::run(workers(2), 0..4_u64, move |id| {
        let counter = Arc::clone(&counter);
        async move {
            assert_ne!(id, 2, "job 2 is a bug");
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }));
    let raised = pool.await.expect_err("the pool panics");
    assert_eq!(finished.load(Ordering::SeqCst), 3, "the other jobs ran");
    std::panic::resume_unwind(raised.into_panic());
}

#[tokio::test(start_paused = true)]
async fn dropping_the_pool_stops_every_job() {
    let started = Arc::new(AtomicUsize::new(0));
    // Every job holds a clone of `alive`, so the channel closes only once every job future,
    // and the workers that own the job function, have been dropped.
    let (alive, mut all_gone) = mpsc::channel::<()>(1);
    let counter = Arc::clone(&started);
    let pool = worker_pool::run(workers(3), 0..10_u64, move |_| {
        let alive = alive.clone();
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            pending::<()>().await;
            drop(alive);
        }
    });
    // The jobs never finish, so the timeout fires and drops the pool.
    assert!(timeout(Duration::from_secs(1), pool).await.is_err());
    assert_eq!(
        started.load(Ordering::SeqCst),
        3,
        "one job per worker had started"
    );
    // A job that outlived the pool would keep the channel open, and this timeout would fire.
    let closed = timeout(Duration::from_secs(1), all_gone.recv()).await;
    assert_eq!(closed, Ok(None));
}
