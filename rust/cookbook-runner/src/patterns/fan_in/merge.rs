//! Merge: each source sleeps its delays and yields its items; the consumer reads them all from
//! `cookbook::fan_in::merge`, stamping each item when it arrives.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use cookbook::fan_in::merge;
use cookbook::work::{hex, work};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::Sender;

use crate::observe::Clock;
use crate::patterns::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::validate::{FieldError, Object, SLEEP_MS, array, integer};

const MAX_SOURCES: u32 = 1_000;

/// Items that may wait for the consumer: enough to absorb every source of the benchmark
/// yielding at once without making them wait, while a consumer that falls behind still
/// pushes back on the sources instead of letting the queue grow.
const BUFFER: NonZeroUsize = NonZeroUsize::new(64).expect("64 is not zero");

/// Item `index` of source `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct Item {
    source: usize,
    index: usize,
}

/// An item as the consumer received it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Received {
    #[serde(flatten)]
    item: Item,
    at_ns: u64,
}

/// Source `source`: waits each delay in milliseconds, then sends the next item.
async fn produce(source: usize, delays: impl IntoIterator<Item = u64>, items: Sender<Item>) {
    for (index, delay) in delays.into_iter().enumerate() {
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        // A send fails only once the merged stream has been dropped: no one is reading, so
        // the source stops.
        if items.send(Item { source, index }).await.is_err() {
            return;
        }
    }
}

/// Validates `sources`, then each source, then each of its delays.
fn validate(input: &Object<'_>) -> Result<Vec<Vec<u64>>, FieldError> {
    let sources = input.required_array_at_most("sources", MAX_SOURCES as usize)?;
    let path = input.path("sources");
    sources
        .iter()
        .enumerate()
        .map(|(s, delays)| {
            let source_path = path.index(s);
            array(source_path, delays)?
                .iter()
                .enumerate()
                .map(|(i, delay)| integer(source_path.index(i), delay, &SLEEP_MS))
                .collect()
        })
        .collect()
}

/// Validates a merge and returns its observed run.
pub(super) fn run(input: &Object<'_>) -> Result<Run, FieldError> {
    let sources = validate(input)?;
    Ok(Box::pin(async move {
        let clock = Clock::start();
        let mut merged = merge(
            sources
                .into_iter()
                .enumerate()
                .map(|(s, delays)| move |items| produce(s, delays, items)),
            BUFFER,
        );
        let mut received = Vec::new();
        while let Some(item) = merged.recv().await {
            let at_ns = clock.now_ns();
            received.push(Received { item, at_ns });
        }
        let elapsed_ns = clock.now_ns();
        let items: Vec<Item> = received.iter().map(|r| r.item).collect();
        Ran::new(
            &json!({ "items": items }),
            &json!({ "elapsedNs": elapsed_ns, "received": received }),
        )
    }))
}

/// A merge of `size` items over `params.sources` sources: item `k` is source `k % sources`'s
/// item `k / sources`, and every delay is 0.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let sources = params.required_count("sources", MAX_SOURCES)?.get();
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Box::new(Bench { size, sources }))
}

struct Bench {
    size: usize,
    sources: usize,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let (size, sources) = (self.size, self.sources);
            let lengths = (0..sources).map(|s| size / sources + usize::from(s < size % sources));
            let mut received = Vec::with_capacity(size);
            let start = Instant::now();
            let mut merged = merge(
                lengths.enumerate().map(|(s, length)| {
                    move |items| produce(s, std::iter::repeat_n(0, length), items)
                }),
                BUFFER,
            );
            while let Some(item) = merged.recv().await {
                received.push(item);
            }
            let elapsed = start.elapsed();
            let check = self_check(&received, size, sources)?;
            Ok(Measured {
                elapsed,
                launch: None,
                check,
            })
        })
    }
}

/// Every item once, each source's items in order; the check is the count and the XOR of
/// `work(source * 2^32 + index, 1)` over the items.
fn self_check(received: &[Item], size: usize, sources: usize) -> Result<Value, String> {
    if received.len() != size {
        return Err(format!("{} items received of {size}", received.len()));
    }
    let mut next = vec![0; sources];
    let mut digest = 0;
    for &Item { source, index } in received {
        let due = next.get_mut(source).ok_or(format!("no source {source}"))?;
        if index != *due {
            return Err(format!(
                "source {source}: item {index} came where {due} was due"
            ));
        }
        *due += 1;
        digest ^= work(((source as u64) << 32) | index as u64, 1);
    }
    Ok(json!({ "count": size, "digest": hex(digest) }))
}
