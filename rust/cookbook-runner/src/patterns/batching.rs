//! The batching pattern (`docs/patterns/batching.md`): `cookbook::batching::Batcher` deciding
//! on given arrival times, or `cookbook::batching::run` on the real clock, fed by a source task
//! that hands each item over at its time.

use std::num::{NonZeroU64, NonZeroUsize};
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use cookbook::batching::{self, Batch, Batcher, Reason};
use cookbook::work::hex;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::Clock;
use crate::validate::{FieldError, Object, Path, SAFE_INTEGER, each_with_unique_id, not_before};

const MAX_SIZE: u32 = 10_000;
const MAX_WAIT_MS: u64 = 60_000;
/// Live times are real milliseconds: a minute at most, so that no case can hang a run.
const LIVE_MS: RangeInclusive<u64> = 0..=60_000;

/// Time as data, or the real clock.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Decide,
    Live,
}

/// One item: its id and its arrival, in milliseconds since the start.
#[derive(Debug, Clone, Copy)]
struct Item {
    id: u64,
    at_ms: u64,
}

struct Input {
    mode: Mode,
    max_size: NonZeroUsize,
    max_wait_ms: NonZeroU64,
    items: Vec<Item>,
    end_ms: u64,
}

/// Validates in the documented order: `mode`, `maxSize`, `maxWaitMs`, `items`, each item
/// (itself, `id`, a duplicate `id`, `atMs`, a decreasing `atMs`), `endMs`.
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let mode = input.required_choice("mode", &[("decide", Mode::Decide), ("live", Mode::Live)])?;
    let times = match mode {
        Mode::Decide => SAFE_INTEGER,
        Mode::Live => LIVE_MS,
    };
    let max_size = input.required_count("maxSize", MAX_SIZE)?;
    let max_wait_ms = input.required_positive("maxWaitMs", MAX_WAIT_MS)?;
    let listed = input.required_array("items")?;
    let mut items: Vec<Item> = Vec::with_capacity(listed.len());
    each_with_unique_id(root.key("items"), listed, |_, item, id| {
        let previous = items.last().map_or(0, |last| last.at_ms);
        let at_ms = item.required_int("atMs", times.clone())?;
        let at_ms = not_before(item.path("atMs"), previous, at_ms)?;
        items.push(Item { id, at_ms });
        Ok(())
    })?;
    let last = items.last().map_or(0, |last| last.at_ms);
    let end_ms = input.optional_int("endMs", times, last)?;
    let end_ms = not_before(input.path("endMs"), last, end_ms)?;
    Ok(Input {
        mode,
        max_size,
        max_wait_ms,
        items,
        end_ms,
    })
}

fn reason(reason: Reason) -> &'static str {
    match reason {
        Reason::Full => "full",
        Reason::Due => "due",
        Reason::End => "end",
    }
}

/// A batch as `decide` answers it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Decided {
    ids: Vec<u64>,
    flush_ms: u64,
    reason: &'static str,
}

/// Every batch of `items`, then of the end at `end_ms`, in flush order.
fn decide(rules: &mut Batcher<u64>, items: &[Item], end_ms: u64) -> Vec<Batch<u64>> {
    let mut batches = Vec::new();
    for item in items {
        batches.extend(rules.arrive(item.at_ms, item.id));
    }
    batches.extend(rules.end(end_ms));
    batches
}

/// Validates a case and returns its run in the mode it names.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        mode,
        max_size,
        max_wait_ms,
        items,
        end_ms,
    } = validate(input)?;
    Ok(match mode {
        Mode::Decide => Box::pin(async move {
            let clock = Clock::start();
            let batches = decide(&mut Batcher::new(max_size, max_wait_ms), &items, end_ms);
            let elapsed_ns = clock.now_ns();
            let batches: Vec<Decided> = batches
                .into_iter()
                .map(|batch| Decided {
                    ids: batch.items,
                    flush_ms: batch.flushed_at,
                    reason: reason(batch.reason),
                })
                .collect();
            Ran::new(
                &json!({ "batches": batches }),
                &json!({ "elapsedNs": elapsed_ns }),
            )
        }),
        Mode::Live => Box::pin(live(
            max_size,
            Duration::from_millis(max_wait_ms.get()),
            items,
            end_ms,
        )),
    })
}

/// An item as the source handed it over.
#[derive(Debug, Serialize)]
struct Arrival {
    id: u64,
    ns: u64,
}

/// A batch as it was handed out: its index in `batches`.
#[derive(Debug, Serialize)]
struct Flush {
    batch: usize,
    ns: u64,
}

/// A batch as `live` answers it.
#[derive(Debug, Serialize)]
struct Flushed {
    ids: Vec<u64>,
    reason: &'static str,
}

/// The source hands each item to the live batcher at its time and ends the stream at
/// `end_ms`, while the batches are read as they are flushed: the three run concurrently in
/// this task, and all three are done when it returns.
async fn live(
    max_size: NonZeroUsize,
    max_wait: Duration,
    items: Vec<Item>,
    stream_end_ms: u64,
) -> serde_json::Result<Ran> {
    let clock = Clock::start();
    let start = tokio::time::Instant::now();
    // A batch's worth of room: the source never waits on a batcher that is sending a batch.
    let (source, input) = mpsc::channel(max_size.get());
    let (output, mut handed_out) = mpsc::channel(1);
    let feed = async move {
        let mut arrivals = Vec::with_capacity(items.len());
        for item in items {
            tokio::time::sleep_until(start + Duration::from_millis(item.at_ms)).await;
            arrivals.push(Arrival {
                id: item.id,
                ns: clock.now_ns(),
            });
            // The batcher reads until the stream ends, so the send cannot fail.
            let _ = source.send(item.id).await;
        }
        tokio::time::sleep_until(start + Duration::from_millis(stream_end_ms)).await;
        let end_ns = clock.now_ns();
        // Dropping the only sender is the end of the stream.
        drop(source);
        (arrivals, end_ns)
    };
    let collect = async {
        let (mut batches, mut flushes) = (Vec::new(), Vec::new());
        while let Some(batch) = handed_out.recv().await {
            let ns = clock.now_ns();
            flushes.push(Flush {
                batch: batches.len(),
                ns,
            });
            let Batch {
                items, reason: why, ..
            } = batch;
            batches.push(Flushed {
                ids: items,
                reason: reason(why),
            });
        }
        (batches, flushes)
    };
    let ((arrivals, end_ns), (), (batches, flushes)) = tokio::join!(
        feed,
        batching::run(input, output, max_size, max_wait),
        collect
    );
    let elapsed_ns = clock.now_ns();
    Ran::new(
        &json!({ "batches": batches }),
        &json!({
            "elapsedNs": elapsed_ns,
            "arrivals": arrivals,
            "endNs": end_ns,
            "flushes": flushes,
        }),
    )
}

/// `size` items with ids `0 .. size - 1`, item `i` at `i / params.perMs` ms, batched by
/// `params.maxSize` and `params.maxWaitMs` on those times, the stream ending at the last
/// item's time. Validates `maxSize`, `maxWaitMs`, `perMs`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let max_size = params.required_count("maxSize", MAX_SIZE)?;
    let max_wait_ms = params.required_positive("maxWaitMs", MAX_WAIT_MS)?;
    let per_ms = params.required_positive("perMs", 1_000_000)?;
    let items = (0..size)
        .map(|id| Item {
            id,
            at_ms: id / per_ms,
        })
        .collect();
    Ok(Box::new(Bench {
        size,
        max_size,
        max_wait_ms,
        items,
        end_ms: (size - 1) / per_ms,
    }))
}

struct Bench {
    size: u64,
    max_size: NonZeroUsize,
    max_wait_ms: NonZeroU64,
    items: Vec<Item>,
    end_ms: u64,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let mut rules = Batcher::new(self.max_size, self.max_wait_ms);
            let start = Instant::now();
            let batches = decide(&mut rules, &self.items, self.end_ms);
            let elapsed = start.elapsed();
            let check = self_check(&batches, self.size, self.max_size.get())?;
            Ok(Measured {
                elapsed,
                launch: None,
                check,
            })
        })
    }
}

/// Every id once, in order, in batches of at most `max_size`; the check is the number of
/// items, of batches, and the sum over batches of `flushMs * 65536 + size`, modulo 2^64.
fn self_check(batches: &[Batch<u64>], size: u64, max_size: usize) -> Result<Value, String> {
    let mut next = 0;
    let mut digest: u64 = 0;
    for batch in batches {
        if batch.items.is_empty() || batch.items.len() > max_size {
            return Err(format!("a batch of {} items", batch.items.len()));
        }
        for &id in &batch.items {
            if id != next {
                return Err(format!("item {id} batched where {next} was due"));
            }
            next += 1;
        }
        let len = batch.items.len() as u64;
        digest = digest.wrapping_add(batch.flushed_at.wrapping_mul(65_536).wrapping_add(len));
    }
    if next != size {
        return Err(format!("{next} items batched of {size}"));
    }
    Ok(json!({ "count": size, "batches": batches.len(), "digest": hex(digest) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::bench_check;

    #[test]
    fn the_bench_answers_the_counts_and_the_digest() {
        // Ten items a millisecond, batches of 4 items or 2 ms.
        let params = json!({ "maxSize": 4, "maxWaitMs": 2, "perMs": 10 });
        let check = bench_check(bench, 20, &params);
        // At 0: [0-3] and [4-7] full, [8, 9] opens at 0; at 1: [8, 9, 10, 11] full, [12-15]
        // full, [16-19] full.
        let digest = 4 + 4 + 65_536 + 4 + 65_536 + 4 + 65_536 + 4;
        assert_eq!(
            check,
            json!({ "count": 20, "batches": 5, "digest": hex(digest) })
        );
    }
}
