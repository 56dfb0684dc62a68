//! Error groups on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::sync::{Arc, Mutex};

use cookbook::cancel::{self, Cancelled};
use cookbook::error_group::{Policy, Results, run};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

use crate::common::{InFlight, TICK, nonzero};

const HOUR: u32 = 360_000;

/// Why a leaf did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Failed(u32),
    Cancelled,
}

/// Leaves that record when they start and count how many are running.
#[derive(Debug, Default)]
struct Leaves {
    started: Mutex<Vec<u32>>,
    running: InFlight,
}

impl Leaves {
    /// Leaf `id`: runs `ticks` ticks, then succeeds or fails; returns early, cancelled, when
    /// its group's signal fires.
    fn leaf(
        self: &Arc<Self>,
        id: u32,
        ticks: u32,
        fails: bool,
    ) -> impl FnOnce(Cancelled) -> Leaf + Send + 'static {
        let leaves = Arc::clone(self);
        move |cancelled: Cancelled| -> Leaf {
            Box::pin(async move {
                leaves.started.lock().expect("not poisoned").push(id);
                tokio::select! {
                    () = leaves.running.hold(ticks * TICK) => {}
                    () = cancelled.cancelled() => return Err(Stop::Cancelled),
                }
                if fails { Err(Stop::Failed(id)) } else { Ok(id) }
            })
        }
    }

    fn started(&self) -> Vec<u32> {
        self.started.lock().expect("not poisoned").clone()
    }
}

type Leaf = std::pin::Pin<Box<dyn Future<Output = Result<u32, Stop>> + Send>>;

/// A top-level group's parent signal, which nothing cancels.
fn top() -> (cancel::Cancel, Cancelled) {
    cancel::signal()
}

#[tokio::test(start_paused = true)]
async fn collect_all_reports_every_outcome_in_input_order() {
    let leaves = Arc::new(Leaves::default());
    let (_cancel, parent) = top();
    let tasks = [(0, 1, false), (1, 2, true), (2, 3, false), (3, 1, true)]
        .map(|(id, ticks, fails)| leaves.leaf(id, ticks, fails));
    let results = run(Policy::CollectAll, None, &parent, tasks).await;
    let expected: Results<u32, Stop> = vec![
        Some(Ok(0)),
        Some(Err(Stop::Failed(1))),
        Some(Ok(2)),
        Some(Err(Stop::Failed(3))),
    ];
    assert_eq!(results, Ok(expected));
}

#[tokio::test(start_paused = true)]
async fn fail_fast_cancels_the_siblings_and_returns_once_they_have_stopped() {
    let leaves = Arc::new(Leaves::default());
    let (_cancel, parent) = top();
    let start = Instant::now();
    let tasks = [
        (0, 2, false),
        (1, 5, true),
        (2, HOUR, false),
        (3, HOUR, false),
    ]
    .map(|(id, ticks, fails)| leaves.leaf(id, ticks, fails));
    let failed = run(Policy::FailFast, None, &parent, tasks).await;
    assert_eq!(failed, Err(Stop::Failed(1)));
    assert_eq!(start.elapsed(), 5 * TICK, "returned at the failure");
    assert_eq!(leaves.running.now(), 0, "a sibling outlived the group");
}

#[tokio::test(start_paused = true)]
async fn fail_fast_starts_nothing_once_a_task_has_failed() {
    let leaves = Arc::new(Leaves::default());
    let (_cancel, parent) = top();
    // Two at a time: 0 fails while 1 runs for an hour. The room 0 leaves must not go to 2.
    let tasks = [(0, 3, true), (1, HOUR, false), (2, 1, false), (3, 1, false)]
        .map(|(id, ticks, fails)| leaves.leaf(id, ticks, fails));
    let failed = run(Policy::FailFast, Some(nonzero(2)), &parent, tasks).await;
    assert_eq!(failed, Err(Stop::Failed(0)));
    assert_eq!(leaves.started(), [0, 1]);
}

#[tokio::test(start_paused = true)]
async fn collect_all_keeps_to_its_limit_and_past_a_failure() {
    let leaves = Arc::new(Leaves::default());
    let (_cancel, parent) = top();
    let start = Instant::now();
    let tasks = (0..7).map(|id| leaves.leaf(id, 1, id == 0));
    let results = run(Policy::CollectAll, Some(nonzero(3)), &parent, tasks)
        .await
        .expect("collect-all never fails");
    assert_eq!(results[0], Some(Err(Stop::Failed(0))));
    assert!(
        results[1..]
            .iter()
            .all(|result| matches!(result, Some(Ok(_))))
    );
    // Rounds of 3, 3 and 1, in input order.
    assert_eq!(start.elapsed(), 3 * TICK);
    assert_eq!(leaves.running.max(), 3);
    assert_eq!(leaves.started(), (0..7).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn an_empty_group_returns_at_once() {
    let (_cancel, parent) = top();
    let none: Vec<fn(Cancelled) -> Leaf> = Vec::new();
    assert_eq!(
        run(Policy::FailFast, None, &parent, none).await,
        Ok(Vec::new())
    );
}

/// A group task: runs `inner` as a group under the signal its own group gives it.
fn inner_group(
    policy: Policy,
    inner: Vec<impl FnOnce(Cancelled) -> Leaf + Send + 'static>,
) -> impl FnOnce(Cancelled) -> Leaf + Send + 'static {
    move |cancelled: Cancelled| -> Leaf {
        Box::pin(async move {
            let ended = run(policy, None, &cancelled, inner).await;
            match ended {
                _ if cancelled.is_cancelled() => Err(Stop::Cancelled),
                Ok(_) => Ok(100),
                Err(error) => Err(error),
            }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn an_inner_failure_fails_the_outer_group_and_cancels_its_tasks() {
    let leaves = Arc::new(Leaves::default());
    let (_cancel, parent) = top();
    let inner = vec![leaves.leaf(10, 3, true), leaves.leaf(11, HOUR, false)];
    let group: Vec<Box<dyn FnOnce(Cancelled) -> Leaf + Send>> = vec![
        Box::new(inner_group(Policy::FailFast, inner)),
        Box::new(leaves.leaf(1, HOUR, false)),
    ];
    let failed = run(Policy::FailFast, None, &parent, group).await;
    assert_eq!(failed, Err(Stop::Failed(10)));
    assert_eq!(leaves.running.now(), 0);
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_group_task_cancels_its_inner_group_and_waits_for_it() {
    let leaves = Arc::new(Leaves::default());
    let (_cancel, parent) = top();
    let start = Instant::now();
    let inner = vec![leaves.leaf(10, HOUR, false), leaves.leaf(11, 1, false)];
    let group: Vec<Box<dyn FnOnce(Cancelled) -> Leaf + Send>> = vec![
        Box::new(leaves.leaf(0, 4, true)),
        Box::new(inner_group(Policy::CollectAll, inner)),
    ];
    let failed = run(Policy::FailFast, None, &parent, group).await;
    assert_eq!(failed, Err(Stop::Failed(0)));
    assert_eq!(start.elapsed(), 4 * TICK);
    // Read at once: the inner group's tasks had stopped before the outer group returned.
    assert_eq!(
        leaves.running.now(),
        0,
        "an inner task outlived the outer group"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_parent_stops_the_group_and_it_still_waits() {
    let leaves = Arc::new(Leaves::default());
    let (cancel, parent) = cancel::signal();
    let tasks = (0..4).map(|id| leaves.leaf(id, HOUR, false));
    let group = run(Policy::CollectAll, Some(nonzero(2)), &parent, tasks);
    let (results, ()) = tokio::join!(group, async move {
        sleep(2 * TICK).await;
        cancel.cancel();
    });
    let cancelled = Some(Err(Stop::Cancelled));
    assert_eq!(results, Ok(vec![cancelled, cancelled, None, None]));
    assert_eq!(leaves.running.now(), 0);
}

#[tokio::test(start_paused = true)]
async fn pitfall_aborting_a_task_leaves_what_it_spawned_running() {
    // A task that starts its inner work with `tokio::spawn` rather than in a set it owns gives
    // it away: aborting the task, and joining it, stops none of that work. The inner group
    // here owns its tasks, and hears its cancellation through the signal it is given.
    let running = Arc::new(InFlight::default());
    let inner = Arc::clone(&running);
    let mut outer = JoinSet::new();
    outer.spawn(async move {
        let detached: Vec<_> = (0..3)
            .map(|_| {
                let inner = Arc::clone(&inner);
                tokio::spawn(async move { inner.hold(HOUR * TICK).await })
            })
            .collect();
        for task in detached {
            task.await.expect("no panic");
        }
    });
    sleep(TICK).await;
    assert_eq!(running.now(), 3);
    outer.abort_all();
    let joined = outer.join_next().await.expect("one task");
    assert!(joined.expect_err("aborted").is_cancelled());
    sleep(TICK).await;
    assert_eq!(
        running.now(),
        3,
        "the outer task is gone, what it spawned runs on"
    );
}
