//! The publish-subscribe pattern (`docs/patterns/pub-sub.md`): one publisher runs the script on
//! a `cookbook::pub_sub::Bus`, and each subscriber is a task that reads its stream, stamping
//! every message and notice of lag it sees.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use cookbook::pub_sub::{Bus, Delivery, Policy, Stream, SubscriptionId};
use cookbook::work::hex;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::Clock;
use crate::validate::{
    FieldError, Object, Path, SAFE_INTEGER, SLEEP_MS, Unique, each_with_unique_id,
};

const MAX_BUFFER: u32 = 10_000;
const MAX_SUBSCRIBERS: u32 = 1_000;
const MAX_TOPIC_CHARS: usize = 100;

const POLICIES: &[(&str, Policy)] = &[("block", Policy::Block), ("lag", Policy::Lag)];

/// One subscriber, as the contract defines it.
#[derive(Debug, Clone)]
struct Subscriber {
    id: u64,
    topic: String,
    sleep_ms: u64,
    paused: bool,
}

/// One operation of the script; subscribers are named by their index in `subscribers`.
#[derive(Debug, Clone)]
enum Op {
    Subscribe(usize),
    Unsubscribe(usize),
    Resume(usize),
    Publish { topic: String, id: u64 },
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Publish,
    Subscriber(Turn),
}

/// An operation on a subscriber, which has its turn.
#[derive(Debug, Clone, Copy)]
enum Turn {
    Subscribe,
    Unsubscribe,
    Resume,
}

const KINDS: &[(&str, Kind)] = &[
    ("subscribe", Kind::Subscriber(Turn::Subscribe)),
    ("unsubscribe", Kind::Subscriber(Turn::Unsubscribe)),
    ("resume", Kind::Subscriber(Turn::Resume)),
    ("publish", Kind::Publish),
];

struct Input {
    policy: Policy,
    buffer: NonZeroUsize,
    subscribers: Vec<Subscriber>,
    script: Vec<Op>,
}

/// A topic: 1 to 100 characters.
fn topic(object: &Object<'_>, key: &str) -> Result<String, FieldError> {
    let topic = object.required_str(key)?;
    let chars = topic.chars().count();
    if !(1..=MAX_TOPIC_CHARS).contains(&chars) {
        return Err(FieldError::new(
            object.path(key),
            format_args!("must have 1 to {MAX_TOPIC_CHARS} characters, got {chars}"),
        ));
    }
    Ok(topic.to_owned())
}

/// Validates in the documented order: `policy`, `bufferSize`, `subscribers`, each subscriber
/// (itself, `id`, a duplicate `id`, `topic`, `sleepMs`, `paused`, a paused one under block),
/// `script`, each operation (itself, `op`, then its fields, in turn).
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let policy = input.required_choice("policy", POLICIES)?;
    let buffer = input.required_count("bufferSize", MAX_BUFFER)?;
    let listed = input.required_array_at_most("subscribers", MAX_SUBSCRIBERS as usize)?;
    let mut subscribers = Vec::with_capacity(listed.len());
    each_with_unique_id(root.key("subscribers"), listed, |_, subscriber, id| {
        let topic = topic(subscriber, "topic")?;
        let sleep_ms = subscriber.optional_int("sleepMs", SLEEP_MS, 0)?;
        let paused = subscriber.optional_bool("paused", false)?;
        if paused && policy == Policy::Block {
            return Err(FieldError::new(
                subscriber.path("paused"),
                "must be false under the block policy, got true: the publisher would wait forever",
            ));
        }
        subscribers.push(Subscriber {
            id,
            topic,
            sleep_ms,
            paused,
        });
        Ok(())
    })?;
    let script = Script::new(&subscribers).read(&input)?;
    Ok(Input {
        policy,
        buffer,
        subscribers,
        script,
    })
}

/// What the script has done so far, to refuse operations out of turn.
struct Script {
    /// Each subscriber's index, by its id.
    index: HashMap<u64, usize>,
    subscribed: Vec<bool>,
    unsubscribed: Vec<bool>,
    /// Paused and not resumed yet.
    paused: Vec<bool>,
}

impl Script {
    fn new(subscribers: &[Subscriber]) -> Self {
        Self {
            index: subscribers
                .iter()
                .enumerate()
                .map(|(k, s)| (s.id, k))
                .collect(),
            subscribed: vec![false; subscribers.len()],
            unsubscribed: vec![false; subscribers.len()],
            paused: subscribers.iter().map(|s| s.paused).collect(),
        }
    }

    fn read(mut self, input: &Object<'_>) -> Result<Vec<Op>, FieldError> {
        let script_path = input.path("script");
        let mut messages = Unique::with_capacity(0);
        let mut script = Vec::new();
        for (n, op) in input.required_array("script")?.iter().enumerate() {
            let op = Object::new(script_path.index(n), op)?;
            script.push(match op.required_choice("op", KINDS)? {
                Kind::Publish => {
                    let topic = topic(&op, "topic")?;
                    let id = op.required_int("id", SAFE_INTEGER)?;
                    messages.insert(op.path("id"), id, n, |first| {
                        script_path.index(first).to_string()
                    })?;
                    Op::Publish { topic, id }
                }
                Kind::Subscriber(turn) => self.subscriber_op(&op, turn)?,
            });
        }
        Ok(script)
    }

    /// A subscribe, unsubscribe or resume: a known subscriber, in its turn.
    fn subscriber_op(&mut self, op: &Object<'_>, turn: Turn) -> Result<Op, FieldError> {
        let id = op.required_int("subscriber", SAFE_INTEGER)?;
        let out_of_turn =
            |why| FieldError::new(op.path("subscriber"), format_args!("{why}, got {id}"));
        let &k = self
            .index
            .get(&id)
            .ok_or_else(|| out_of_turn("must be the id of one of subscribers"))?;
        Ok(match turn {
            Turn::Subscribe if self.subscribed[k] => {
                return Err(out_of_turn("must not be subscribed twice"));
            }
            Turn::Subscribe => {
                self.subscribed[k] = true;
                Op::Subscribe(k)
            }
            Turn::Unsubscribe if !self.subscribed[k] || self.unsubscribed[k] => {
                return Err(out_of_turn("must be subscribed, and not unsubscribed yet"));
            }
            Turn::Unsubscribe => {
                self.unsubscribed[k] = true;
                Op::Unsubscribe(k)
            }
            Turn::Resume if !self.paused[k] => {
                return Err(out_of_turn("must be paused, and not resumed yet"));
            }
            Turn::Resume => {
                self.paused[k] = false;
                Op::Resume(k)
            }
        })
    }
}

/// What a stream yielded, stamped.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Seen {
    Message { id: u64, ns: u64 },
    Missed { missed: u64, ns: u64 },
}

/// One subscriber's stream, read to its end.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Read {
    #[serde(skip)]
    received: Vec<u64>,
    #[serde(skip)]
    missed: u64,
    #[serde(skip)]
    max_buffered: usize,
    subscriber: u64,
    seen: Vec<Seen>,
    end_ns: u64,
}

/// A subscriber's task: waits until it is resumed if paused (a resume, or the close dropping
/// the sender), then reads its stream to the end, taking `sleep` over each message.
async fn read(
    clock: Clock,
    subscriber: u64,
    sleep: Duration,
    mut stream: Stream<u64>,
    resumed: Option<oneshot::Receiver<()>>,
) -> Read {
    if let Some(resumed) = resumed {
        // Either answer is a resume: the send of a `resume`, or the close dropping it.
        let _ = resumed.await;
    }
    let (mut received, mut missed, mut seen) = (Vec::new(), 0, Vec::new());
    while let Some(delivery) = stream.next().await {
        let ns = clock.now_ns();
        match delivery {
            Delivery::Message(id) => {
                seen.push(Seen::Message { id, ns });
                received.push(id);
                if !sleep.is_zero() {
                    tokio::time::sleep(sleep).await;
                }
            }
            Delivery::Missed(n) => {
                seen.push(Seen::Missed { missed: n, ns });
                missed += n;
            }
        }
    }
    Read {
        received,
        missed,
        max_buffered: stream.max_buffered(),
        subscriber,
        seen,
        end_ns: clock.now_ns(),
    }
}

/// One publish, stamped around the call.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Published {
    id: u64,
    start_ns: u64,
    end_ns: u64,
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        policy,
        buffer,
        subscribers,
        script,
    } = validate(input)?;
    Ok(Box::pin(async move {
        let clock = Clock::start();
        let mut bus = Bus::new(policy, buffer);
        let mut readers = JoinSet::new();
        let mut subscriptions: HashMap<usize, SubscriptionId> = HashMap::new();
        let mut pauses: HashMap<usize, oneshot::Sender<()>> = HashMap::new();
        let mut resumed = vec![false; subscribers.len()];
        let mut publishes = Vec::new();
        for op in script {
            match op {
                Op::Subscribe(k) => {
                    let subscriber = &subscribers[k];
                    let (id, stream) = bus.subscribe(&subscriber.topic);
                    subscriptions.insert(k, id);
                    let waits = (subscriber.paused && !resumed[k]).then(|| {
                        let (resume, waits) = oneshot::channel();
                        pauses.insert(k, resume);
                        waits
                    });
                    let sleep = Duration::from_millis(subscriber.sleep_ms);
                    let reading = read(clock, subscriber.id, sleep, stream, waits);
                    readers.spawn(async move { (k, reading.await) });
                }
                Op::Unsubscribe(k) => {
                    if let Some(id) = subscriptions.remove(&k) {
                        bus.unsubscribe(id);
                    }
                }
                Op::Resume(k) => {
                    resumed[k] = true;
                    if let Some(resume) = pauses.remove(&k) {
                        let _ = resume.send(());
                    }
                }
                Op::Publish { topic, id } => {
                    let start_ns = clock.now_ns();
                    bus.publish(&topic, &id).await;
                    let end_ns = clock.now_ns();
                    publishes.push(Published {
                        id,
                        start_ns,
                        end_ns,
                    });
                }
            }
        }
        // The close: every buffer closes, and every subscriber still paused is resumed.
        drop((bus, pauses));
        let closed_ns = clock.now_ns();
        let mut reads: Vec<Option<Read>> = (0..subscribers.len()).map(|_| None).collect();
        for (k, read) in readers.join_all().await {
            reads[k] = Some(read);
        }
        let elapsed_ns = clock.now_ns();
        // A subscriber that never subscribed had an empty stream, ended at the close.
        let reads: Vec<Read> = reads
            .into_iter()
            .zip(&subscribers)
            .map(|(read, subscriber)| {
                read.unwrap_or(Read {
                    received: Vec::new(),
                    missed: 0,
                    max_buffered: 0,
                    subscriber: subscriber.id,
                    seen: Vec::new(),
                    end_ns: closed_ns,
                })
            })
            .collect();
        let output: Vec<Value> = reads
            .iter()
            .map(|read| {
                json!({ "id": read.subscriber, "received": read.received, "missed": read.missed })
            })
            .collect();
        let max_buffered: Vec<Value> = reads
            .iter()
            .map(|read| json!({ "subscriber": read.subscriber, "max": read.max_buffered }))
            .collect();
        Ran::new(
            &json!({ "subscribers": output }),
            &json!({
                "elapsedNs": elapsed_ns,
                "publishes": publishes,
                "streams": reads,
                "maxBuffered": max_buffered,
            }),
        )
    }))
}

/// `size` messages with ids `0 .. size - 1` published to topic `"t"`, after `params.subscribers`
/// subscribers of `"t"` subscribed, each with a buffer of `params.bufferSize`, under block, with
/// no sleeps. Validates `subscribers`, `bufferSize`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let subscribers = params.required_count("subscribers", MAX_SUBSCRIBERS)?;
    let buffer = params.required_count("bufferSize", MAX_BUFFER)?;
    Ok(Box::new(Bench {
        size,
        subscribers,
        buffer,
    }))
}

struct Bench {
    size: u64,
    subscribers: NonZeroUsize,
    buffer: NonZeroUsize,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let start = Instant::now();
            let mut bus = Bus::new(Policy::Block, self.buffer);
            let mut readers = JoinSet::new();
            for _ in 0..self.subscribers.get() {
                let (_, mut stream) = bus.subscribe("t");
                readers.spawn(async move {
                    let (mut count, mut sum, mut next) = (0_u64, 0_u64, 0);
                    while let Some(delivery) = stream.next().await {
                        match delivery {
                            Delivery::Message(id) if id == next => {
                                count += 1;
                                sum = sum.wrapping_add(id);
                                next += 1;
                            }
                            other => return Err(format!("{other:?} where {next} was due")),
                        }
                    }
                    Ok((count, sum))
                });
            }
            for id in 0..self.size {
                bus.publish("t", &id).await;
            }
            drop(bus);
            let tallies = readers.join_all().await;
            let elapsed = start.elapsed();
            let (mut delivered, mut digest) = (0_u64, 0_u64);
            for tally in tallies {
                let (count, sum) = tally?;
                if count != self.size {
                    return Err(format!("a subscriber received {count} of {}", self.size));
                }
                delivered += count;
                digest = digest.wrapping_add(sum);
            }
            Ok(Measured {
                elapsed,
                launch: None,
                check: json!({ "count": self.size, "delivered": delivered, "digest": hex(digest) }),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::bench_check;

    #[test]
    fn the_bench_answers_what_every_subscriber_received() {
        let params = json!({ "subscribers": 3, "bufferSize": 2 });
        let check = bench_check(bench, 100, &params);
        assert_eq!(
            check,
            json!({ "count": 100, "delivered": 300, "digest": hex(3 * 4950) })
        );
    }
}
