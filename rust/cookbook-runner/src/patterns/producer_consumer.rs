//! The producer-consumer pattern (`docs/patterns/producer-consumer.md`): producers that sleep
//! and put, consumers that take and process, on one `cookbook::producer_consumer` queue, with
//! every put and get stamped.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cookbook::producer_consumer::{self, Consumer, Discipline, Producer};
use cookbook::work::{hex, work};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::{Clock, Handoff, Log, Span};
use crate::validate::{COST, FieldError, Object, Path, SAFE_INTEGER, SLEEP_MS, Unique};

const MAX_CAPACITY: u32 = 10_000;
const MAX_CONSUMERS: u32 = 1_000;
const MAX_PRODUCERS: u32 = 1_000;

const DISCIPLINES: &[(&str, Discipline)] =
    &[("fifo", Discipline::Fifo), ("lifo", Discipline::Lifo)];

/// One item, as the contract defines it.
#[derive(Debug, Clone, Copy)]
struct Item {
    id: u64,
    delay_ms: u64,
    cost: u64,
    sleep_ms: u64,
    fail: bool,
}

/// An item that was asked to fail.
#[derive(Debug, Clone, Copy)]
struct Failed {
    id: u64,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} failed", self.id)
    }
}

/// Sleeps, computes `work(id, cost)`, then fails if asked: a failure is the item's result,
/// and the consumer goes on with the next item.
async fn process(item: Item) -> Result<u64, Failed> {
    if item.sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(item.sleep_ms)).await;
    }
    let value = work(item.id, item.cost);
    if item.fail {
        Err(Failed { id: item.id })
    } else {
        Ok(value)
    }
}

struct Input {
    capacity: NonZeroUsize,
    discipline: Discipline,
    consumers: NonZeroUsize,
    producers: Vec<Vec<Item>>,
}

/// Validates in the documented order: `capacity`, `discipline`, `consumers`, `producers`, then
/// each producer (itself, its `items`, then each item: itself, `id`, a duplicate `id`,
/// `delayMs`, `cost`, `sleepMs`, `fail`).
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let capacity = input.required_count("capacity", MAX_CAPACITY)?;
    let discipline = input
        .optional_choice("discipline", DISCIPLINES)?
        .unwrap_or(Discipline::Fifo);
    let consumers = input.required_count("consumers", MAX_CONSUMERS)?;
    let listed = input.required_array_at_most("producers", MAX_PRODUCERS as usize)?;
    let producers_path = root.key("producers");
    let items_of = |p| producers_path.index(p).key("items").to_string();
    let mut ids = Unique::with_capacity(0);
    let mut producers = Vec::with_capacity(listed.len());
    for (p, producer) in listed.iter().enumerate() {
        let producer = Object::new(producers_path.index(p), producer)?;
        let items_path = producer.path("items");
        let listed_items = producer.required_array("items")?;
        let mut items = Vec::with_capacity(listed_items.len());
        for (i, item) in listed_items.iter().enumerate() {
            let item = Object::new(items_path.index(i), item)?;
            let id = item.required_int("id", SAFE_INTEGER)?;
            ids.insert(item.path("id"), id, (p, i), |(p, i)| {
                format!("{}[{i}]", items_of(p))
            })?;
            items.push(Item {
                id,
                delay_ms: item.optional_int("delayMs", SLEEP_MS, 0)?,
                cost: item.optional_int("cost", COST, 0)?,
                sleep_ms: item.optional_int("sleepMs", SLEEP_MS, 0)?,
                fail: item.optional_bool("fail", false)?,
            });
        }
        producers.push(items);
    }
    Ok(Input {
        capacity,
        discipline,
        consumers,
        producers,
    })
}

/// One item's record, as the contract observes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: u64,
    producer: usize,
    consumer: usize,
    #[serde(flatten)]
    handoff: Handoff,
}

/// What the producers and consumers stamp, on the clock of the measured region.
#[derive(Debug)]
struct Watch {
    clock: Clock,
    /// Each item's put, by its producer.
    puts: Log<(u64, usize, Span)>,
    /// Each item's get and end, by its consumer.
    takes: Log<(u64, usize, Span, u64)>,
}

impl Watch {
    /// Producer `p`: sleeps each item's delay, then puts it, stamped around the put.
    async fn produce(&self, p: usize, items: Vec<Item>, queue: Producer<Item>) {
        for item in items {
            if item.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(item.delay_ms)).await;
            }
            let (put, span) = self.clock.around(queue.put(item)).await;
            // A put fails only once every consumer is gone: no one would take the rest.
            if put.is_err() {
                return;
            }
            self.puts.push((item.id, p, span));
        }
    }

    /// Consumer `c`: takes items until the queue is closed and drained, processing each,
    /// stamped around the get and at the end of its processing.
    async fn consume(&self, c: usize, queue: Consumer<Item>) -> Vec<(u64, Result<u64, Failed>)> {
        let mut done = Vec::new();
        loop {
            let (next, get) = self.clock.around(queue.get()).await;
            let Some(item) = next else {
                return done;
            };
            let result = process(item).await;
            self.takes.push((item.id, c, get, self.clock.now_ns()));
            done.push((item.id, result));
        }
    }

    /// One record per item taken, its put joined to its take by the item's id.
    fn records(&self) -> Vec<Record> {
        let puts: HashMap<u64, (usize, Span)> = self
            .puts
            .take()
            .into_iter()
            .map(|(id, p, span)| (id, (p, span)))
            .collect();
        self.takes
            .take()
            .into_iter()
            .filter_map(|(id, consumer, get, end_ns)| {
                let &(producer, put) = puts.get(&id)?;
                Some(Record {
                    id,
                    producer,
                    consumer,
                    handoff: Handoff::new(put, get, end_ns),
                })
            })
            .collect()
    }
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        capacity,
        discipline,
        consumers,
        producers,
    } = validate(input)?;
    Ok(Box::pin(async move {
        let watch = Arc::new(Watch {
            clock: Clock::start(),
            puts: Log::default(),
            takes: Log::default(),
        });
        let producers = producers.into_iter().enumerate().map(|(p, items)| {
            let watch = Arc::clone(&watch);
            move |queue| async move { watch.produce(p, items, queue).await }
        });
        let consumers = (0..consumers.get()).map(|c| {
            let watch = Arc::clone(&watch);
            move |queue| async move { watch.consume(c, queue).await }
        });
        let done = producer_consumer::run(capacity, discipline, producers, consumers).await;
        let elapsed_ns = watch.clock.now_ns();
        let results: Vec<Value> = done
            .into_iter()
            .flatten()
            .map(|(id, result)| match result {
                Ok(value) => json!({ "id": id, "value": hex(value) }),
                Err(failed) => json!({ "id": id, "error": failed.to_string() }),
            })
            .collect();
        Ran::new(
            &json!({ "results": results }),
            &json!({ "elapsedNs": elapsed_ns, "items": watch.records() }),
        )
    }))
}

/// `size` items with ids `0 .. size - 1`, dealt round-robin to `params.producers` producers,
/// each of `params.cost` and no sleeps, taken by `params.consumers` consumers from a `fifo`
/// queue of `params.capacity`. Validates `producers`, `consumers`, `capacity`, `cost`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let producers = params.required_count("producers", MAX_PRODUCERS)?;
    let consumers = params.required_count("consumers", MAX_CONSUMERS)?;
    let capacity = params.required_count("capacity", MAX_CAPACITY)?;
    let cost = params.required_int("cost", COST)?;
    Ok(Box::new(Bench {
        size,
        producers,
        consumers,
        capacity,
        cost,
    }))
}

struct Bench {
    size: u64,
    producers: NonZeroUsize,
    consumers: NonZeroUsize,
    capacity: NonZeroUsize,
    cost: u64,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let (stride, size, cost) = (self.producers.get(), self.size, self.cost);
            let start = Instant::now();
            let dealt = (0..stride).map(|p| {
                move |queue: Producer<u64>| async move {
                    for id in (p as u64..size).step_by(stride) {
                        if queue.put(id).await.is_err() {
                            return;
                        }
                    }
                }
            });
            let consumers = (0..self.consumers.get()).map(|_| {
                move |queue: Consumer<u64>| async move {
                    let mut done = Vec::new();
                    while let Some(id) = queue.get().await {
                        done.push((id, work(id, cost)));
                    }
                    done
                }
            });
            let done =
                producer_consumer::run(self.capacity, Discipline::Fifo, dealt, consumers).await;
            let elapsed = start.elapsed();
            let check = super::xor_check(done.into_iter().flatten(), self.size)?;
            Ok(Measured {
                elapsed,
                launch: None,
                check,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::{bench_check, build_bench};

    #[test]
    fn the_bench_answers_the_count_and_the_xor_of_the_values() {
        let params = json!({ "producers": 3, "consumers": 2, "capacity": 4, "cost": 10 });
        let check = bench_check(bench, 50, &params);
        let digest = (0..50).fold(0, |digest, id| digest ^ work(id, 10));
        assert_eq!(check, json!({ "count": 50, "digest": hex(digest) }));
    }

    #[test]
    fn bench_params_are_validated_in_order() {
        let params = json!({ "producers": 0, "consumers": 0 });
        let error = build_bench(bench, 1, &params).err().expect("invalid");
        assert_eq!(error.field, "params.producers");
        let params = json!({ "producers": 1, "consumers": 1, "capacity": 1 });
        let error = build_bench(bench, 1, &params).err().expect("invalid");
        assert_eq!(error.field, "params.cost");
    }
}
