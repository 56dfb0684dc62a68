//! The batching rules on given times, and the live batcher on tokio's paused clock (see
//! `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::num::NonZeroU64;
use std::time::Duration;

use cookbook::batching::{self, Batch, Batcher, Reason};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

use crate::common::{TICK, nonzero};

/// Batches of `max_size` or `max_wait` ms, over `(id, atMs)` arrivals and an end at `end`.
fn decide(max_size: usize, max_wait: u64, items: &[(u32, u64)], end: u64) -> Vec<Batch<u32>> {
    let max_wait = NonZeroU64::new(max_wait).expect("not zero");
    let mut rules = Batcher::new(nonzero(max_size), max_wait);
    let mut batches = Vec::new();
    for &(id, at) in items {
        batches.extend(rules.arrive(at, id));
    }
    batches.extend(rules.end(end));
    batches
}

fn batch(items: &[u32], flushed_at: u64, reason: Reason) -> Batch<u32> {
    Batch {
        items: items.to_vec(),
        flushed_at,
        reason,
    }
}

#[test]
fn a_full_batch_is_flushed_by_the_arrival_that_fills_it() {
    let got = decide(3, 50, &[(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)], 4);
    assert_eq!(
        got,
        [
            batch(&[0, 1, 2], 2, Reason::Full),
            batch(&[3, 4], 4, Reason::End)
        ]
    );
}

#[test]
fn a_batch_is_flushed_when_due_even_if_nothing_arrives() {
    // The source stalls after three items; the batch goes out at 50, not at the end (500).
    let got = decide(10, 50, &[(0, 0), (1, 10), (2, 20)], 500);
    assert_eq!(got, [batch(&[0, 1, 2], 50, Reason::Due)]);
}

#[test]
fn the_deadline_runs_from_the_first_item_not_the_latest() {
    // An item every 30 ms: a deadline restarted by each arrival would never fall due.
    let got = decide(10, 50, &[(0, 0), (1, 30), (2, 60), (3, 90)], 90);
    assert_eq!(
        got,
        [
            batch(&[0, 1], 50, Reason::Due),
            batch(&[2, 3], 90, Reason::End)
        ]
    );
}

#[test]
fn a_batch_due_at_an_arrival_is_flushed_before_the_item_is_added() {
    let got = decide(10, 50, &[(0, 0), (1, 50)], 60);
    assert_eq!(
        got,
        [batch(&[0], 50, Reason::Due), batch(&[1], 60, Reason::End)]
    );
}

#[test]
fn a_batch_due_when_the_stream_ends_is_due_not_ended() {
    assert_eq!(
        decide(10, 50, &[(0, 0)], 50),
        [batch(&[0], 50, Reason::Due)]
    );
}

#[test]
fn one_instant_can_fill_several_batches_in_input_order() {
    let got = decide(2, 50, &[(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)], 0);
    assert_eq!(
        got,
        [
            batch(&[0, 1], 0, Reason::Full),
            batch(&[2, 3], 0, Reason::Full),
            batch(&[4], 0, Reason::End)
        ]
    );
}

#[test]
fn nothing_arrives_nothing_is_flushed() {
    assert_eq!(decide(3, 50, &[], 100), []);
}

#[test]
fn times_near_the_top_of_the_range_are_exact() {
    let late = (1 << 53) - 30;
    let got = decide(10, 20, &[(0, late), (1, late + 5)], late + 25);
    assert_eq!(got, [batch(&[0, 1], late + 20, Reason::Due)]);
}

/// The live batcher of `max_size` items or `max_wait`: `arrivals` are `(id, delay since the
/// previous)`, then the stream ends `end` later. Answers each batch's items and reason, with
/// the virtual time it was received at.
async fn live(
    max_size: usize,
    max_wait: Duration,
    arrivals: &[(u32, Duration)],
    end: Duration,
) -> Vec<(Vec<u32>, Reason, Duration)> {
    let start = Instant::now();
    let (source, items) = mpsc::channel(4);
    let (output, mut batches) = mpsc::channel(1);
    let running = tokio::spawn(batching::run(items, output, nonzero(max_size), max_wait));
    let arrivals = arrivals.to_vec();
    let feed = tokio::spawn(async move {
        for (id, delay) in arrivals {
            sleep(delay).await;
            source.send(id).await.expect("the batcher reads");
        }
        sleep(end).await;
    });
    let mut got = Vec::new();
    while let Some(batch) = batches.recv().await {
        got.push((batch.items, batch.reason, start.elapsed()));
    }
    feed.await.expect("no panic");
    running.await.expect("no panic");
    got
}

#[tokio::test(start_paused = true)]
async fn live_flushes_a_stalled_batch_when_it_is_due() {
    // Three items in the first 2 ticks, then nothing for an hour: the timer armed by the first
    // item flushes the batch at 5 ticks, not when the stream ends.
    let got = live(
        10,
        5 * TICK,
        &[(0, Duration::ZERO), (1, TICK), (2, TICK)],
        Duration::from_hours(1),
    )
    .await;
    assert_eq!(got, [(vec![0, 1, 2], Reason::Due, 5 * TICK)]);
}

#[tokio::test(start_paused = true)]
async fn live_keeps_the_first_items_deadline_through_a_trickle() {
    // An item every 3 ticks, from tick 3 on; batches due 5 ticks after their first item.
    // Restarted at every arrival, the deadline would never come before the end, at 15.
    let trickle: Vec<(u32, Duration)> = (0..4).map(|id| (id, 3 * TICK)).collect();
    let got = live(10, 5 * TICK, &trickle, 3 * TICK).await;
    assert_eq!(
        got,
        [
            (vec![0, 1], Reason::Due, 8 * TICK),
            (vec![2, 3], Reason::Due, 14 * TICK)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn live_flushes_a_full_batch_at_once_and_the_rest_at_the_end() {
    let burst = [(0, TICK), (1, Duration::ZERO), (2, Duration::ZERO)];
    let got = live(2, 5 * TICK, &burst, TICK).await;
    assert_eq!(
        got,
        [
            (vec![0, 1], Reason::Full, TICK),
            (vec![2], Reason::End, 2 * TICK)
        ]
    );
}
