//! Timeouts on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cookbook::timeout::{TimedOut, group, single};
use tokio::time::error::Elapsed;
use tokio::time::{Instant, sleep, timeout};

use crate::common::{InFlight, TICK};

const HOUR: Duration = Duration::from_hours(1);

/// Counts cleanups that ran to their end, and bodies still running.
#[derive(Debug, Default)]
struct Seen {
    cleanups: AtomicUsize,
    bodies: InFlight,
}

impl Seen {
    /// A body that runs for `how_long`, counted in flight, and then answers `value`.
    fn body<T: Send + 'static>(
        self: &Arc<Self>,
        how_long: Duration,
        value: T,
    ) -> impl Future<Output = T> + Send + 'static {
        let seen = Arc::clone(self);
        async move {
            seen.bodies.hold(how_long).await;
            value
        }
    }

    /// A cleanup that awaits for `how_long`, and counts once it has.
    fn cleanup(self: &Arc<Self>, how_long: Duration) -> impl Future<Output = ()> + Send + 'static {
        let seen = Arc::clone(self);
        async move {
            sleep(how_long).await;
            seen.cleanups.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn cleanups(&self) -> usize {
        self.cleanups.load(Ordering::SeqCst)
    }
}

#[tokio::test(start_paused = true)]
async fn on_time_keeps_the_result_and_still_cleans_up() {
    let seen = Arc::new(Seen::default());
    let start = Instant::now();
    let deadline = start + 10 * TICK;
    let result = single(
        deadline,
        None,
        seen.body(2 * TICK, 7),
        seen.cleanup(3 * TICK),
    )
    .await;
    assert_eq!(result, Ok(7));
    // A cleanup written only for cancellation would be missing here.
    assert_eq!(seen.cleanups(), 1);
    assert_eq!(
        start.elapsed(),
        5 * TICK,
        "returned after the cleanup, not before"
    );
}

#[tokio::test(start_paused = true)]
async fn late_is_cancelled_at_the_deadline_and_cleaned_up_before_returning() {
    let seen = Arc::new(Seen::default());
    let start = Instant::now();
    let result = single(
        start + 10 * TICK,
        None,
        seen.body(HOUR, 7),
        seen.cleanup(3 * TICK),
    )
    .await;
    assert_eq!(result, Err(TimedOut::Outer));
    // Read at once: the body was stopped and the cleanup has run, not merely been started.
    assert_eq!(seen.bodies.now(), 0, "the body runs on after the deadline");
    assert_eq!(seen.cleanups(), 1);
    assert_eq!(start.elapsed(), 13 * TICK);
}

#[tokio::test(start_paused = true)]
async fn the_earlier_of_nested_deadlines_fires_and_is_reported() {
    let seen = Arc::new(Seen::default());
    for (outer, inner, fired) in [(40, 10, TimedOut::Inner), (10, 40, TimedOut::Outer)] {
        let start = Instant::now();
        let result = single(
            start + outer * TICK,
            Some(start + inner * TICK),
            seen.body(HOUR, ()),
            seen.cleanup(TICK),
        )
        .await;
        assert_eq!(result, Err(fired));
        assert_eq!(start.elapsed(), 11 * TICK, "{fired:?}");
    }
    assert_eq!(seen.cleanups(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_operations_own_timeout_is_not_the_deadline() {
    // The operation waits on something under a timeout of its own, which fires: that is its
    // own failure, a value it returns, and the call's deadline has not passed.
    let start = Instant::now();
    let body = async { timeout(TICK, sleep(HOUR)).await };
    let result: Result<Result<(), Elapsed>, TimedOut> =
        single(start + 10 * TICK, None, body, async {}).await;
    let own = result.expect("the deadline did not fire");
    assert!(own.is_err(), "the operation's own timeout is its result");
    assert_eq!(start.elapsed(), TICK);
}

#[tokio::test(start_paused = true)]
async fn a_group_keeps_what_finished_and_cancels_the_rest() {
    let seen = Arc::new(Seen::default());
    let start = Instant::now();
    let operations = [(1, 0), (30, 1), (2, 2), (40, 3)]
        .map(|(ticks, id)| (seen.body(ticks * TICK, id), seen.cleanup(2 * TICK)));
    let results = group(start + 10 * TICK, operations).await;
    assert_eq!(
        results,
        [Ok(0), Err(TimedOut::Outer), Ok(2), Err(TimedOut::Outer)]
    );
    assert_eq!(seen.bodies.now(), 0);
    assert_eq!(seen.cleanups(), 4, "every cleanup ran, once");
    assert_eq!(start.elapsed(), 12 * TICK);
}

#[tokio::test(start_paused = true)]
async fn a_group_stops_every_late_operation_at_once() {
    // Stopping and awaiting the late ones one by one would run their cleanups one after the
    // other: 10 + 5 * 3 ticks. All stopped at once, they clean up side by side.
    let seen = Arc::new(Seen::default());
    let start = Instant::now();
    let operations = (0..5).map(|id| (seen.body(HOUR, id), seen.cleanup(3 * TICK)));
    let results = group(start + 10 * TICK, operations).await;
    assert_eq!(results, [Err(TimedOut::Outer); 5]);
    assert_eq!(seen.cleanups(), 5);
    assert_eq!(start.elapsed(), 13 * TICK);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_still_runs_each_cleanup_exactly_once() {
    let seen = Arc::new(Seen::default());
    let start = Instant::now();
    let operations = (0..3).map(|id| (seen.body(HOUR, id), seen.cleanup(3 * TICK)));
    // The caller gives up after two ticks, long before the group's deadline: the group's
    // future is dropped mid-wait, and with it the signal that stops the operations.
    let call = group(start + 100 * TICK, operations);
    assert!(timeout(2 * TICK, call).await.is_err());
    assert_eq!(seen.cleanups(), 0, "a drop cannot wait for the cleanups");
    // They finish in the background: each once, and the bodies were stopped at the drop.
    sleep(HOUR).await;
    assert_eq!(seen.cleanups(), 3);
    assert_eq!(seen.bodies.now(), 0);
    assert_eq!(seen.bodies.max(), 3);
}

#[tokio::test(start_paused = true)]
async fn pitfall_a_plain_timeout_skips_a_cleanup_written_after_the_work() {
    // What this module exists for: `timeout` drops the future at the `.await` it waits at, so
    // the cleanup at the end of its async block never runs, and `Drop` could not await it.
    let seen = Arc::new(Seen::default());
    let work = seen.body(HOUR, ());
    let cleanup = seen.cleanup(TICK);
    let naive = timeout(10 * TICK, async move {
        work.await;
        cleanup.await;
    });
    assert!(naive.await.is_err());
    sleep(HOUR).await;
    assert_eq!(
        seen.cleanups(),
        0,
        "the cleanup was dropped with the future"
    );
}
