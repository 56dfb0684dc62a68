//! The bus on tokio's paused clock (see `common`).

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::time::Duration;

use cookbook::pub_sub::{Bus, Delivery, Policy, Stream};
use tokio::time::{Instant, sleep, timeout};

use crate::common::{TICK, nonzero};

use Delivery::{Message, Missed};

/// Everything `stream` yields until it ends.
async fn drain(mut stream: Stream<u32>) -> Vec<Delivery<u32>> {
    let mut seen = Vec::new();
    while let Some(delivery) = stream.next().await {
        seen.push(delivery);
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn each_subscriber_gets_its_topic_from_when_it_subscribed() {
    let mut bus = Bus::new(Policy::Block, nonzero(8));
    let (_, early) = bus.subscribe("t");
    bus.publish("t", &0).await;
    let (_, late) = bus.subscribe("t");
    let (_, other) = bus.subscribe("u");
    bus.publish("t", &1).await;
    bus.publish("u", &2).await;
    drop(bus);
    assert_eq!(drain(early).await, [Message(0), Message(1)]);
    assert_eq!(drain(late).await, [Message(1)]);
    assert_eq!(drain(other).await, [Message(2)]);
}

#[tokio::test(start_paused = true)]
async fn a_slow_subscriber_makes_the_publisher_wait_under_block() {
    let mut bus = Bus::new(Policy::Block, nonzero(1));
    let (_, stream) = bus.subscribe("t");
    let reader = tokio::spawn(async move {
        let mut stream = stream;
        let mut got = Vec::new();
        while let Some(delivery) = stream.next().await {
            got.push(delivery);
            sleep(TICK).await;
        }
        got
    });
    let start = Instant::now();
    for id in 0..5 {
        bus.publish("t", &id).await;
    }
    // The buffer holds one: each publish after the second waits for the reader's tick.
    assert_eq!(start.elapsed(), 3 * TICK);
    drop(bus);
    let got = reader.await.expect("no panic");
    assert_eq!(
        got,
        (0..5).map(Message).collect::<Vec<_>>(),
        "nothing dropped"
    );
}

#[tokio::test(start_paused = true)]
async fn lag_drops_the_oldest_and_says_how_many_before_the_next_message() {
    let mut bus = Bus::new(Policy::Lag, nonzero(3));
    let (_, mut stream) = bus.subscribe("t");
    let start = Instant::now();
    for id in 0..10 {
        bus.publish("t", &id).await;
    }
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "lag never makes the publisher wait"
    );
    assert_eq!(stream.next().await, Some(Missed(7)));
    assert_eq!(stream.next().await, Some(Message(7)));
    // A second lag is counted from the last read: 8 and 9 are still there, and 10 to 14
    // push 8 to 11 out.
    for id in 10..15 {
        bus.publish("t", &id).await;
    }
    drop(bus);
    assert_eq!(
        drain(stream).await,
        [Missed(4), Message(12), Message(13), Message(14)]
    );
}

#[tokio::test(start_paused = true)]
async fn lag_within_the_buffer_reports_nothing_missed() {
    let mut bus = Bus::new(Policy::Lag, nonzero(4));
    let (_, stream) = bus.subscribe("t");
    for id in 0..4 {
        bus.publish("t", &id).await;
    }
    drop(bus);
    assert_eq!(drain(stream).await, (0..4).map(Message).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn unsubscribe_stops_new_messages_but_delivers_what_was_buffered() {
    let mut bus = Bus::new(Policy::Block, nonzero(4));
    let (id, stream) = bus.subscribe("t");
    for message in 0..3 {
        bus.publish("t", &message).await;
    }
    bus.unsubscribe(id);
    bus.publish("t", &3).await;
    // The stream ends although the bus is still open.
    let seen = timeout(TICK, drain(stream))
        .await
        .expect("the stream ended");
    assert_eq!(seen, [Message(0), Message(1), Message(2)]);
    drop(bus);
}

#[tokio::test(start_paused = true)]
async fn closing_the_bus_ends_every_stream_and_a_publish_to_nobody_returns() {
    let mut bus = Bus::new(Policy::Block, nonzero(1));
    // Nobody subscribed: a publish under block must not wait for anyone.
    timeout(TICK, bus.publish("t", &0))
        .await
        .expect("nothing to wait for");
    let streams: Vec<Stream<u32>> = (0..3).map(|_| bus.subscribe("t").1).collect();
    drop(bus);
    for stream in streams {
        let seen = timeout(TICK, drain(stream))
            .await
            .expect("the stream ended");
        assert_eq!(seen, []);
    }
}

#[tokio::test(start_paused = true)]
async fn a_subscriber_that_goes_away_releases_a_blocked_publisher() {
    let mut bus = Bus::new(Policy::Block, nonzero(1));
    let (_, stream) = bus.subscribe("t");
    bus.publish("t", &0).await;
    let dropping = tokio::spawn(async move {
        sleep(TICK).await;
        drop(stream);
    });
    // The buffer is full and nobody reads: only the subscriber leaving lets this return.
    timeout(2 * TICK, bus.publish("t", &1))
        .await
        .expect("the publisher was released");
    dropping.await.expect("no panic");
}
