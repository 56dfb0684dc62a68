//! Race, any and hedge on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cookbook::first_completed::{Hedged, any, hedge, race};
use tokio::time::{Instant, sleep};

use crate::common::{InFlight, TICK};

/// Operations that count how many started and how many are still running.
#[derive(Debug, Default)]
struct Calls {
    started: AtomicUsize,
    running: InFlight,
}

impl Calls {
    /// Runs for `ticks` ticks, then answers `Ok(id)`, or `Err(id)` when it `fails`.
    fn call(
        self: &Arc<Self>,
        id: u32,
        ticks: u32,
        fails: bool,
    ) -> impl Future<Output = Result<u32, u32>> + Send + 'static {
        let calls = Arc::clone(self);
        async move {
            calls.started.fetch_add(1, Ordering::SeqCst);
            calls.running.hold(ticks * TICK).await;
            if fails { Err(id) } else { Ok(id) }
        }
    }

    fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }
}

#[tokio::test(start_paused = true)]
async fn race_answers_the_first_to_finish_not_the_first_listed() {
    let calls = Arc::new(Calls::default());
    let start = Instant::now();
    let first = race([(0, 30), (1, 2), (2, 20)].map(|(id, ticks)| calls.call(id, ticks, false)));
    assert_eq!(first.await, Some((1, Ok(1))));
    assert_eq!(start.elapsed(), 2 * TICK);
}

#[tokio::test(start_paused = true)]
async fn race_takes_a_failure_that_finished_first() {
    let calls = Arc::new(Calls::default());
    let first = race([(0, 30, false), (1, 2, true)].map(|(id, t, fails)| calls.call(id, t, fails)));
    assert_eq!(first.await, Some((1, Err(1))));
    assert_eq!(race(Vec::<std::future::Ready<()>>::new()).await, None);
}

#[tokio::test(start_paused = true)]
async fn no_loser_is_running_when_the_call_returns() {
    let calls = Arc::new(Calls::default());
    let hour = 360_000;
    let ticks = [hour, hour, 2, hour, hour];
    let first = race(
        (0..)
            .zip(ticks)
            .map(|(id, ticks)| calls.call(id, ticks, false)),
    )
    .await;
    assert_eq!(first, Some((2, Ok(2))));
    // Read at once, with no time for a loser to stop by itself: the call waited for them.
    assert_eq!(calls.running.now(), 0, "a loser outlived the race");
    assert_eq!(calls.running.max(), 5, "every operation started at once");
    let first = any((0..)
        .zip(ticks)
        .map(|(id, ticks)| calls.call(id, ticks, false)))
    .await;
    assert_eq!(first, Ok((2, 2)));
    assert_eq!(calls.running.now(), 0, "a loser outlived the any");
}

#[tokio::test(start_paused = true)]
async fn any_skips_failures_for_the_first_success() {
    let calls = Arc::new(Calls::default());
    let start = Instant::now();
    let ops = [(0, 2, true), (1, 8, false), (2, 30, false)];
    let first = any(ops.map(|(id, ticks, fails)| calls.call(id, ticks, fails))).await;
    assert_eq!(first, Ok((1, 1)));
    assert_eq!(start.elapsed(), 8 * TICK);
}

#[tokio::test(start_paused = true)]
async fn any_that_all_fail_answers_every_error_in_input_order() {
    let calls = Arc::new(Calls::default());
    // They fail in the order 1, 2, 0: the errors still come back as 0, 1, 2.
    let ops = [(0, 8), (1, 2), (2, 5)];
    let first = any(ops.map(|(id, ticks)| calls.call(id, ticks, true))).await;
    assert_eq!(first, Err(vec![0, 1, 2]));
}

#[tokio::test(start_paused = true)]
async fn hedge_starts_no_backup_when_the_primary_is_on_time() {
    let calls = Arc::new(Calls::default());
    let hedged = hedge(15 * TICK, calls.call(0, 2, false), calls.call(1, 1, false)).await;
    let expected = Hedged {
        first: Ok((0, 0)),
        hedged: false,
    };
    assert_eq!(hedged, expected);
    assert_eq!(
        calls.started(),
        1,
        "the backup ran although it was not needed"
    );
}

#[tokio::test(start_paused = true)]
async fn hedge_starts_the_backup_once_the_primary_is_late() {
    let calls = Arc::new(Calls::default());
    let start = Instant::now();
    let hedged = hedge(6 * TICK, calls.call(0, 300, false), calls.call(1, 3, false)).await;
    assert_eq!(hedged.first, Ok((1, 1)));
    assert!(hedged.hedged);
    assert_eq!(
        start.elapsed(),
        9 * TICK,
        "the backup started at the hedge delay"
    );
    assert_eq!(calls.running.now(), 0, "the primary outlived the hedge");
}

#[tokio::test(start_paused = true)]
async fn a_late_primary_may_still_win_once_hedged() {
    let calls = Arc::new(Calls::default());
    let hedged = hedge(
        5 * TICK,
        calls.call(0, 10, false),
        calls.call(1, 300, false),
    )
    .await;
    assert_eq!(hedged.first, Ok((0, 0)));
    assert!(hedged.hedged);
    assert_eq!(calls.running.now(), 0, "the backup outlived the hedge");
}

#[tokio::test(start_paused = true)]
async fn a_primary_that_fails_early_starts_the_backup_at_once() {
    let calls = Arc::new(Calls::default());
    let start = Instant::now();
    let hedged = hedge(40 * TICK, calls.call(0, 2, true), calls.call(1, 3, false)).await;
    assert_eq!(hedged.first, Ok((1, 1)));
    assert!(hedged.hedged);
    assert_eq!(
        start.elapsed(),
        5 * TICK,
        "waited out the hedge delay after a failure"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hedge_whose_calls_both_fail_reports_both() {
    let calls = Arc::new(Calls::default());
    let hedged = hedge(3 * TICK, calls.call(0, 8, true), calls.call(1, 2, true)).await;
    // The backup failed first; the primary's error still comes first.
    assert_eq!(hedged.first, Err(vec![0, 1]));
    assert!(hedged.hedged);
}

#[tokio::test(start_paused = true)]
async fn pitfall_select_over_join_handles_leaves_the_loser_running() {
    // Dropping a `JoinHandle` detaches its task: `select!` returns with the winner and the
    // loser runs on, unseen. A `JoinSet` aborts and joins it instead.
    let calls = Arc::new(Calls::default());
    let fast = tokio::spawn(calls.call(0, 1, false));
    let slow = tokio::spawn(calls.call(1, 10, false));
    let first = tokio::select! {
        done = fast => done.expect("no panic"),
        done = slow => done.expect("no panic"),
    };
    assert_eq!(first, Ok(0));
    assert_eq!(calls.running.now(), 1, "the loser still runs");
    sleep(Duration::from_secs(1)).await;
    assert_eq!(calls.running.now(), 0, "and it ran to its end");
}
