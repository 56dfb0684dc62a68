//! Merge and scatter-gather on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::future::pending;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookbook::fan_in::{GatherError, gather, gather_fail_fast, merge};
use cookbook::panicked::Panicked;
use tokio::sync::mpsc::{self, Sender};
use tokio::time::{Instant, sleep, timeout};

use crate::common::{InFlight, TICK, nonzero};

/// Source `name`: waits `delays[i]` ticks, then sends `(name, i)`.
async fn source(name: char, delays: &'static [u32], items: Sender<(char, usize)>) {
    for (index, &delay) in delays.iter().enumerate() {
        sleep(TICK * delay).await;
        items.send((name, index)).await.expect("the merge is read");
    }
}

/// Every item, with the tick it was received at.
async fn received(sources: Vec<(char, &'static [u32])>) -> Vec<((char, usize), u32)> {
    let start = Instant::now();
    let mut merged = merge(
        sources
            .into_iter()
            .map(|(name, delays)| move |items| source(name, delays, items)),
        nonzero(1),
    );
    let mut received = Vec::new();
    while let Some(item) = merged.recv().await {
        let ticks = start.elapsed().as_millis() / TICK.as_millis();
        received.push((item, u32::try_from(ticks).expect("a few ticks")));
    }
    received
}

#[tokio::test(start_paused = true)]
async fn merge_passes_each_item_on_when_it_is_ready() {
    // A slow source first, then a fast one: a merge that drained the sources one after the
    // other would hold every fast item behind the slow ones.
    let got = received(vec![('s', &[10, 10]), ('f', &[1, 1, 1])]).await;
    assert_eq!(
        got,
        [
            (('f', 0), 1),
            (('f', 1), 2),
            (('f', 2), 3),
            (('s', 0), 10),
            (('s', 1), 20)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn merge_ends_once_every_source_has_ended() {
    let got = received(vec![('a', &[]), ('b', &[2]), ('c', &[])]).await;
    assert_eq!(got, [(('b', 0), 2)]);
    assert_eq!(received(Vec::new()).await, [], "no sources: ends at once");
}

#[tokio::test(start_paused = true)]
async fn dropping_the_merge_stops_every_source() {
    // Every source holds a clone of `alive`, so the channel closes only once every source
    // task has been dropped.
    let (alive, mut all_gone) = mpsc::channel::<()>(1);
    let sources = (0..3).map(|_| {
        let alive = alive.clone();
        move |items: Sender<u32>| async move {
            items.send(1).await.expect("the merge is read");
            pending::<()>().await;
            drop(alive);
        }
    });
    let mut merged = merge(sources, nonzero(4));
    assert_eq!(merged.recv().await, Some(1));
    drop(merged);
    drop(alive);
    let closed = timeout(Duration::from_secs(1), all_gone.recv()).await;
    assert_eq!(closed, Ok(None), "a source outlived the merge");
}

/// The results of a gather in which no call panics.
fn values<R>(results: Vec<Result<R, Panicked>>) -> Vec<R> {
    let no_panic = |result: Result<R, Panicked>| result.expect("no call panics");
    results.into_iter().map(no_panic).collect()
}

/// The answer of a fail-fast gather in which no call panics.
fn plain<V, E>(answer: Result<Vec<V>, GatherError<E>>) -> Result<Vec<V>, E> {
    answer.map_err(|failure| match failure {
        GatherError::Failed(error) => error,
        GatherError::Panicked(panicked) => panic!("no call panics, got {panicked}"),
    })
}

/// Item `i` sleeps `ticks[i]` ticks; answers the results, the ticks taken and the most in
/// flight at once.
async fn gathered(limit: usize, ticks: &[u32]) -> (Vec<usize>, Duration, usize) {
    let in_flight = Arc::new(InFlight::default());
    let counter = Arc::clone(&in_flight);
    let start = Instant::now();
    let items: Vec<(usize, u32)> = ticks.iter().copied().enumerate().collect();
    let results = gather(nonzero(limit), items, move |(index, ticks)| {
        let counter = Arc::clone(&counter);
        async move {
            counter.hold(TICK * ticks).await;
            index
        }
    })
    .await;
    (values(results), start.elapsed(), in_flight.max())
}

#[tokio::test(start_paused = true)]
async fn gather_answers_in_input_order_whatever_finishes_first() {
    let (results, elapsed, most) = gathered(3, &[3, 2, 1]).await;
    assert_eq!(results, [0, 1, 2]);
    assert_eq!((elapsed, most), (3 * TICK, 3));
}

#[tokio::test(start_paused = true)]
async fn gather_keeps_to_its_limit() {
    // 10 calls of one tick, 3 at a time: rounds of 3, 3, 3 and 1.
    let (results, elapsed, most) = gathered(3, &[1; 10]).await;
    assert_eq!(results, (0..10).collect::<Vec<_>>());
    assert_eq!((elapsed, most), (4 * TICK, 3));
}

#[tokio::test(start_paused = true)]
async fn gather_of_nothing_returns_at_once() {
    assert_eq!(gathered(4, &[]).await, (Vec::new(), Duration::ZERO, 0));
}

#[tokio::test(start_paused = true)]
async fn failures_are_results_and_the_others_carry_on() {
    let results = gather(nonzero(2), 0..5_u32, |i| async move {
        sleep(TICK).await;
        if i % 2 == 1 { Err(i) } else { Ok(i) }
    })
    .await;
    assert_eq!(values(results), [Ok(0), Err(1), Ok(2), Err(3), Ok(4)]);
}

#[tokio::test(start_paused = true)]
async fn fail_fast_stops_everything_before_it_returns() {
    let in_flight = Arc::new(InFlight::default());
    let counter = Arc::clone(&in_flight);
    let start = Instant::now();
    // Item 1 fails after one tick. The others would run for an hour: three hold a place, and
    // the rest wait for one, which they never get.
    let failed = gather_fail_fast(nonzero(3), 0..6_u32, move |i| {
        let counter = Arc::clone(&counter);
        async move {
            if i == 1 {
                counter.hold(TICK).await;
                return Err(i);
            }
            counter.hold(Duration::from_hours(1)).await;
            Ok(i)
        }
    })
    .await;
    assert_eq!(plain(failed), Err(1));
    assert_eq!(start.elapsed(), TICK, "returned at the failure");
    // Read at once, with no time for a straggler to finish: `shutdown` waited for them all.
    assert_eq!(in_flight.now(), 0, "calls still running after the gather");
    assert_eq!(in_flight.max(), 3);
}

#[tokio::test(start_paused = true)]
async fn fail_fast_starts_nothing_once_a_call_has_failed() {
    let started = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&started);
    // Two places: item 0 fails after one tick while item 1 runs for an hour. The place item
    // 0 gives back must not go to item 2: the gather has failed by then.
    let failed = gather_fail_fast(nonzero(2), 0..5_u32, move |i| {
        let log = Arc::clone(&log);
        async move {
            log.lock().expect("not poisoned").push(i);
            if i == 0 {
                sleep(TICK).await;
                return Err(i);
            }
            sleep(Duration::from_hours(1)).await;
            Ok(i)
        }
    })
    .await;
    assert_eq!(plain(failed), Err(0));
    assert_eq!(*started.lock().expect("not poisoned"), [0, 1]);
}

#[tokio::test(start_paused = true)]
async fn fail_fast_without_a_failure_answers_everything_in_order() {
    let results = gather_fail_fast(nonzero(2), 0..5_u32, |i| async move {
        sleep(TICK * (5 - i)).await;
        Ok::<_, ()>(i * 10)
    })
    .await;
    assert_eq!(plain(results), Ok(vec![0, 10, 20, 30, 40]));
}

#[tokio::test(start_paused = true)]
async fn dropping_a_gather_stops_its_calls() {
    let (alive, mut all_gone) = mpsc::channel::<()>(1);
    let calls = gather(nonzero(2), 0..4_u32, move |_| {
        let alive = alive.clone();
        async move {
            pending::<()>().await;
            drop(alive);
        }
    });
    assert!(timeout(TICK, calls).await.is_err());
    let closed = timeout(Duration::from_secs(1), all_gone.recv()).await;
    assert_eq!(closed, Ok(None), "a call outlived the gather");
}

#[tokio::test(start_paused = true)]
async fn a_panicking_call_is_its_own_result_and_the_others_carry_on() {
    let results = gather(nonzero(2), 0..4_u32, |i| async move {
        sleep(TICK).await;
        assert!(i != 2, "call 2 is a bug");
        i
    })
    .await;
    let answers: Vec<Result<u32, (usize, Option<&str>)>> = results
        .iter()
        .map(|result| match result {
            Ok(value) => Ok(*value),
            Err(panicked) => Err((panicked.index(), panicked.message())),
        })
        .collect();
    assert_eq!(
        answers,
        [Ok(0), Ok(1), Err((2, Some("call 2 is a bug"))), Ok(3)]
    );
}

#[tokio::test(start_paused = true)]
async fn fail_fast_stops_at_a_panic_as_at_a_failure() {
    let in_flight = Arc::new(InFlight::default());
    let started = Arc::new(Mutex::new(Vec::new()));
    let (counter, log) = (Arc::clone(&in_flight), Arc::clone(&started));
    let start = Instant::now();
    // As in `fail_fast_starts_nothing_once_a_call_has_failed`, but item 0 panics: its place
    // is given back while the panic unwinds, and must not go to item 2 either.
    let failed = gather_fail_fast(nonzero(2), 0..5_u32, move |i| {
        let (counter, log) = (Arc::clone(&counter), Arc::clone(&log));
        async move {
            log.lock().expect("not poisoned").push(i);
            if i == 0 {
                counter.hold(TICK).await;
                panic!("call 0 is a bug");
            }
            counter.hold(Duration::from_hours(1)).await;
            Ok::<_, ()>(i)
        }
    })
    .await;
    let Err(GatherError::Panicked(panicked)) = failed else {
        panic!("the panic is the failure, got {failed:?}");
    };
    assert_eq!(panicked.to_string(), "item 0 panicked: call 0 is a bug");
    assert_eq!(start.elapsed(), TICK, "returned at the panic");
    assert_eq!(in_flight.now(), 0, "calls still running after the gather");
    assert_eq!(*started.lock().expect("not poisoned"), [0, 1]);
}
