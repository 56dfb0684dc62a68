//! The pipeline on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::future::pending;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookbook::pipeline::{self, Probe, Stage};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};

use crate::common::{InFlight, TICK, nonzero};

fn stage(workers: usize, capacity: usize) -> Stage {
    Stage {
        workers: nonzero(workers),
        capacity: nonzero(capacity),
    }
}

/// Each stage takes one tick and appends its index to the item's trail.
async fn trail(s: usize, mut item: Vec<usize>) -> Result<Vec<usize>, ()> {
    sleep(TICK).await;
    item.push(s);
    Ok(item)
}

#[tokio::test(start_paused = true)]
async fn stages_work_on_different_items_at_once() {
    // Three stages of one tick and one worker each, eight items: pipelined, the last item
    // leaves after 8 + 2 ticks; stage after stage, it would take 24.
    let start = Instant::now();
    let items = (0..8).map(|_| Vec::new());
    let done = pipeline::run(items, &[stage(1, 1); 3], false, trail).await;
    assert_eq!(done.expect("nothing fails"), vec![vec![0, 1, 2]; 8]);
    assert_eq!(start.elapsed(), 10 * TICK);
}

#[tokio::test(start_paused = true)]
async fn the_end_of_the_input_reaches_the_last_stage() {
    let none = pipeline::run(Vec::<Vec<usize>>::new(), &[stage(2, 1); 3], false, trail).await;
    assert_eq!(none, Ok(Vec::new()), "no items: returns at once");
    // Four workers a stage and two items: the idle workers must see the end too, and a stage
    // must end its output only when all its workers are done.
    let start = Instant::now();
    let items = (0..2).map(|_| Vec::new());
    let done = pipeline::run(items, &[stage(4, 2); 2], false, trail).await;
    assert_eq!(done, Ok(vec![vec![0, 1]; 2]));
    assert_eq!(start.elapsed(), 2 * TICK);
}

#[tokio::test(start_paused = true)]
async fn ordered_results_come_in_input_order_without_serialising_the_stages() {
    // Item i takes (4 - i) ticks in its one stage, with four workers: they finish in reverse.
    let slow_first = |_, i: u32| async move {
        sleep(TICK * (4 - i)).await;
        Ok::<_, ()>(i)
    };
    let start = Instant::now();
    let ordered = pipeline::run(0..4, &[stage(4, 4)], true, slow_first).await;
    assert_eq!(ordered, Ok(vec![0, 1, 2, 3]));
    // All four ran at once: order costs nothing but the wait for the slowest.
    assert_eq!(start.elapsed(), 4 * TICK);
    let unordered = pipeline::run(0..4, &[stage(4, 4)], false, slow_first).await;
    assert_eq!(unordered, Ok(vec![3, 2, 1, 0]));
}

#[tokio::test(start_paused = true)]
async fn a_failure_stops_every_stage_before_run_returns() {
    let in_flight = Arc::new(InFlight::default());
    let counter = Arc::clone(&in_flight);
    let start = Instant::now();
    // Item 0 fails in stage 1 after a tick there; every other transform after stage 0
    // would take an hour, and the later items would wait for them.
    let failed = pipeline::run(0..30_u32, &[stage(2, 2); 3], false, move |s, id| {
        let counter = Arc::clone(&counter);
        async move {
            if (s, id) == (1, 0) {
                counter.hold(TICK).await;
                return Err((id, s));
            }
            counter
                .hold(if s == 0 {
                    TICK
                } else {
                    Duration::from_hours(1)
                })
                .await;
            Ok(id)
        }
    })
    .await;
    assert_eq!(failed, Err((0, 1)));
    // A tick in stage 0, a tick in stage 1, and the pipeline returns.
    assert_eq!(start.elapsed(), 2 * TICK);
    // Read at once: `shutdown` waited for every task, so nothing is still running.
    assert_eq!(
        in_flight.now(),
        0,
        "transforms still running after the failure"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failure_when_ordered_does_not_wait_for_the_result_that_never_comes() {
    // The reorder buffer waits for item 0 before handing anything on; item 0 fails.
    let failing_first = |_, i: u32| async move {
        sleep(TICK).await;
        if i == 0 { Err(i) } else { Ok(i) }
    };
    let failed = timeout(
        Duration::from_secs(1),
        pipeline::run(0..10, &[stage(2, 2)], true, failing_first),
    )
    .await;
    assert_eq!(failed, Ok(Err(0)));
}

/// Counts what each queue certainly holds: raised when a put returns, lowered when a worker
/// is about to ask for an item (which it may take), so the count never shows more than the
/// queue held; queue 2 is the collector's.
#[derive(Default)]
struct Occupancy {
    now: [AtomicI64; 3],
    peak: [AtomicI64; 3],
}

impl Probe<u32> for Occupancy {
    type Put = usize;
    type Take = ();

    fn putting(&self, queue: usize, _: &u32) -> usize {
        queue
    }

    fn queued(&self, queue: usize) {
        let now = self.now[queue].fetch_add(1, Ordering::SeqCst) + 1;
        self.peak[queue].fetch_max(now, Ordering::SeqCst);
    }

    fn getting(&self, stage: usize, _: usize) {
        self.now[stage].fetch_sub(1, Ordering::SeqCst);
    }

    fn got(&self, (): &mut (), _: &u32) {}

    fn done(&self, (): ()) {}
}

#[tokio::test(start_paused = true)]
async fn a_slow_stage_makes_the_fast_one_wait_at_its_queue() {
    // Stage 0 is instant and stage 1 takes a tick an item, behind a queue of 2: stage 0 must
    // wait at that queue, so 20 items take 20 ticks in stage 1 however fast stage 0 is.
    let stages = [stage(1, 1), stage(1, 2)];
    let sent = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&sent);
    let start = Instant::now();
    let probe = Arc::new(Occupancy::default());
    let done = pipeline::run_with_probe(
        0..20_u32,
        &stages,
        false,
        move |s, i| {
            let log = Arc::clone(&log);
            async move {
                if s == 0 {
                    log.lock().expect("not poisoned").push(start.elapsed());
                } else {
                    sleep(TICK).await;
                }
                Ok::<_, ()>(i)
            }
        },
        Arc::clone(&probe),
    )
    .await;
    assert_eq!(done.expect("nothing fails").len(), 20);
    assert_eq!(start.elapsed(), 20 * TICK);
    // Stage 0 took item 19 only once stage 1 had made room for the items before it: a
    // queue without a bound would have let it through at once.
    let sent = sent.lock().expect("not poisoned");
    assert!(
        sent[19] >= 15 * TICK,
        "item 19 entered stage 0 at {:?}",
        sent[19]
    );
    // Each queue certainly held no more than its capacity.
    assert!(probe.peak[0].load(Ordering::SeqCst) <= 1);
    assert!(probe.peak[1].load(Ordering::SeqCst) <= 2);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_pipeline_stops_every_task() {
    let (alive, mut all_gone) = mpsc::channel::<()>(1);
    let stages = [stage(2, 2); 3];
    let run = pipeline::run(0..10_u32, &stages, false, move |_, i| {
        let alive = alive.clone();
        async move {
            pending::<()>().await;
            drop(alive);
            Ok::<_, ()>(i)
        }
    });
    assert!(timeout(TICK, run).await.is_err());
    let closed = timeout(Duration::from_secs(1), all_gone.recv()).await;
    assert_eq!(closed, Ok(None), "a task outlived the pipeline");
}
