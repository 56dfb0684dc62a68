//! The bounded queue and its producers and consumers, on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::future::pending;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookbook::producer_consumer::{self, Consumer, Discipline, Producer, queue};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};

use crate::common::{TICK, nonzero};

/// A consumer that takes until the queue ends, holding each item `hold` first.
fn taker(hold: Duration) -> impl FnOnce(Consumer<u32>) -> TakerFuture {
    move |queue| {
        Box::pin(async move {
            let mut taken = Vec::new();
            while let Some(item) = queue.get().await {
                sleep(hold).await;
                taken.push(item);
            }
            taken
        })
    }
}

type TakerFuture = std::pin::Pin<Box<dyn Future<Output = Vec<u32>> + Send>>;

/// A producer that puts `items`, waiting `delay` before each.
fn putter(items: Vec<u32>, delay: Duration) -> impl FnOnce(Producer<u32>) -> PutterFuture {
    move |queue| {
        Box::pin(async move {
            for item in items {
                sleep(delay).await;
                queue.put(item).await.expect("a consumer is there");
            }
        })
    }
}

type PutterFuture = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

fn sorted(taken: Vec<Vec<u32>>) -> Vec<u32> {
    let mut all: Vec<u32> = taken.into_iter().flatten().collect();
    all.sort_unstable();
    all
}

#[tokio::test(start_paused = true)]
async fn no_producers_ends_every_consumer_at_once() {
    let start = Instant::now();
    let taken = producer_consumer::run(
        nonzero(4),
        Discipline::Fifo,
        Vec::<fn(Producer<u32>) -> PutterFuture>::new(),
        (0..3).map(|_| taker(TICK)),
    )
    .await;
    assert_eq!(taken, [[], [], []]);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn consumers_outlast_the_first_producer_to_finish() {
    // The pitfall of one sentinel per producer: producer 0 is done at once, producer 1 puts
    // its items over the next five ticks. A consumer that stopped at the first end it heard
    // of would leave producer 1's items behind.
    let producers = vec![
        putter(vec![0], Duration::ZERO),
        putter(vec![10, 11, 12, 13, 14], TICK),
    ];
    let taken = producer_consumer::run(
        nonzero(2),
        Discipline::Fifo,
        producers,
        (0..3).map(|_| taker(TICK)),
    )
    .await;
    assert_eq!(sorted(taken), [0, 10, 11, 12, 13, 14]);
}

#[tokio::test(start_paused = true)]
async fn more_consumers_than_items_all_end() {
    // Five consumers, two items: three consumers never get one and must still see the end.
    let done = timeout(
        Duration::from_mins(1),
        producer_consumer::run(
            nonzero(1),
            Discipline::Fifo,
            [putter(vec![1, 2], Duration::ZERO)],
            (0..5).map(|_| taker(TICK)),
        ),
    )
    .await
    .expect("every consumer ended");
    assert_eq!(sorted(done), [1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_makes_the_producer_wait() {
    // Capacity 2, a consumer that takes a tick over each item: the producer's third put has
    // to wait for the consumer to take the first, and so on, one tick per item.
    let puts = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&puts);
    let start = Instant::now();
    let producer = move |queue: Producer<u32>| async move {
        for item in 0..6 {
            queue.put(item).await.expect("a consumer is there");
            log.lock().expect("not poisoned").push(start.elapsed());
        }
    };
    let taken =
        producer_consumer::run(nonzero(2), Discipline::Fifo, [producer], [taker(TICK)]).await;
    assert_eq!(taken, [[0, 1, 2, 3, 4, 5]]);
    // Items 0 and 1 (and 2, once the consumer has taken 0 at once) go in at 0; each later
    // put returns when the consumer, one tick per item, takes the next.
    let returned = puts.lock().expect("not poisoned").clone();
    assert_eq!(
        returned,
        [
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
            TICK,
            2 * TICK,
            3 * TICK
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn the_queue_never_holds_more_than_its_capacity() {
    let (producer, consumer) = queue(nonzero(3), Discipline::Fifo);
    for item in 0..3 {
        producer.put(item).await.expect("room");
    }
    // The fourth waits: there is no room until an item is taken.
    assert!(timeout(TICK, producer.put(3)).await.is_err());
    assert_eq!(consumer.get().await, Some(0));
    timeout(TICK, producer.put(3))
        .await
        .expect("room again")
        .expect("a consumer is there");
    assert!(timeout(TICK, producer.put(4)).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn fifo_takes_the_oldest_and_lifo_the_newest() {
    for (discipline, expected) in [
        (Discipline::Fifo, [1, 2, 3, 4]),
        (Discipline::Lifo, [4, 3, 2, 1]),
    ] {
        let (producer, consumer) = queue(nonzero(4), discipline);
        for item in 1..=4 {
            producer.put(item).await.expect("room");
        }
        drop(producer);
        let mut taken = Vec::new();
        while let Some(item) = consumer.get().await {
            taken.push(item);
        }
        assert_eq!(taken, expected, "{discipline:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn lifo_takes_the_newest_item_present_while_producers_wait() {
    let (producer, consumer) = queue(nonzero(3), Discipline::Lifo);
    for item in 1..=3 {
        producer.put(item).await.expect("room");
    }
    // The queue is full: 4 waits for room.
    let waiting = tokio::spawn(async move { producer.put(4).await });
    assert_eq!(consumer.get().await, Some(3));
    // 4 takes the slot 3 left, and is now the newest.
    waiting
        .await
        .expect("no panic")
        .expect("a consumer is there");
    let mut rest = Vec::new();
    while let Some(item) = consumer.get().await {
        rest.push(item);
    }
    assert_eq!(rest, [4, 2, 1]);
}

#[tokio::test(start_paused = true)]
async fn fifo_serves_older_items_of_one_producer_before_newer_of_another() {
    // Producer 0 puts at 10, 20 and 30 ms; producer 1 at 7, 14 and 21 ms.
    let producers = vec![
        putter(vec![0, 2, 4], TICK),
        putter(vec![1, 3, 5], Duration::from_millis(7)),
    ];
    // One consumer, far slower than both producers, so the queue alone decides the order.
    let taken =
        producer_consumer::run(nonzero(6), Discipline::Fifo, producers, [taker(10 * TICK)]).await;
    assert_eq!(taken, [[1, 0, 3, 2, 5, 4]]);
}

#[tokio::test(start_paused = true)]
async fn a_failing_item_is_its_result_and_its_consumer_goes_on() {
    let producer = putter((0..5).collect(), Duration::ZERO);
    let consumer = |queue: Consumer<u32>| async move {
        let mut results = Vec::new();
        while let Some(item) = queue.get().await {
            sleep(TICK).await;
            results.push(if item % 2 == 1 { Err(item) } else { Ok(item) });
        }
        results
    };
    let start = Instant::now();
    let results =
        producer_consumer::run(nonzero(1), Discipline::Fifo, [producer], [consumer]).await;
    assert_eq!(results, [[Ok(0), Err(1), Ok(2), Err(3), Ok(4)]]);
    assert_eq!(start.elapsed(), 5 * TICK);
}

#[tokio::test(start_paused = true)]
async fn a_put_with_no_consumer_left_hands_the_item_back() {
    let (producer, consumer) = queue(nonzero(1), Discipline::Fifo);
    producer.put(1).await.expect("room");
    // The producer waits for room that only a consumer could make; the consumer goes away.
    let waiting = tokio::spawn(async move { producer.put(2).await });
    sleep(TICK).await;
    drop(consumer);
    let put = timeout(TICK, waiting)
        .await
        .expect("the put stopped waiting");
    assert_eq!(put.expect("no panic"), Err(2));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_run_stops_every_producer_and_consumer() {
    // Every task holds a clone of `alive`, so the channel closes only once all are dropped.
    let (alive, mut all_gone) = mpsc::channel::<()>(1);
    let producers = (0..2).map(|_| {
        let alive = alive.clone();
        move |queue: Producer<u32>| async move {
            // Fills the queue, then waits for room forever.
            for item in 0.. {
                queue.put(item).await.expect("a consumer is there");
            }
            drop(alive);
        }
    });
    let consumers = (0..2).map(|_| {
        let alive = alive.clone();
        move |queue: Consumer<u32>| async move {
            queue.get().await;
            pending::<()>().await;
            drop(alive);
        }
    });
    let run = producer_consumer::run(nonzero(2), Discipline::Fifo, producers, consumers);
    assert!(timeout(TICK, run).await.is_err());
    drop(alive);
    let closed = timeout(Duration::from_secs(1), all_gone.recv()).await;
    assert_eq!(closed, Ok(None), "a task outlived the run");
}
