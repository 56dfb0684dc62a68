//! The `many-tasks` benchmark (`docs/benchmarks.md`): `size` tasks each sleep `params.sleepMs`
//! and are all joined. The sleep does nothing, so the figures are the cost of a task itself: the
//! time to start them all (`launchNs`), the time until the last is joined (`elapsedNs`) and,
//! seen from outside, the peak memory of a process that holds them all at once.
//!
//! # What a task costs, by variant
//!
//! - `spawn`: `tokio::spawn` into a `JoinSet`. Each task is a heap allocation of its own: a
//!   header the scheduler works with (state, run-queue link, vtable, owner), the future (here a
//!   tokio `Sleep`, whose timer entry is linked into the runtime's timer wheel) and a trailer
//!   (the join waker, the links of the runtime's list of owned tasks). Tokio aligns it to 128
//!   bytes on x86-64 and aarch64, so that two tasks run by two threads never share a cache line.
//!   The `JoinSet` adds a second, small allocation per task: the list entry holding its
//!   `JoinHandle`. What that buys: any worker thread can run any task.
//! - `join-all`: `futures_util::future::join_all` of the sleeps, nothing spawned: one task, on
//!   one thread at a time, drives them all. Up to 30 futures it keeps them inline in one boxed
//!   slice and polls every one at every wake-up; above that, it switches to `FuturesOrdered`,
//!   which puts each future in a reference-counted node of its own, with the links and flags
//!   that let it poll only the futures that were woken. A node is smaller than a spawned task
//!   (no scheduler header, no cache-line alignment, no `JoinSet` entry), but the futures never
//!   run in parallel.
//! - `work`: as `spawn`, and each task's future grows by what it holds across its sleep: its
//!   64-byte buffer, its index and a clone of the channel's sender (a pointer to the shared
//!   channel). The caller drains the channel as the tasks wake, so it holds only the indexes
//!   sent and not yet received.
//!
//! A run keeps nothing for the next one: the `JoinSet`, the channel and the futures are made in
//! the run and dropped at its end.

use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinSet;
use tokio::time::sleep;

use crate::patterns::{Benchmark, BoxFuture, Measured};
use crate::validate::{FieldError, Object};

/// From a millisecond, the timer's resolution, to ten minutes.
const SLEEP_MS: RangeInclusive<u64> = 1..=600_000;

#[derive(Debug, Clone, Copy)]
enum Variant {
    Spawn,
    JoinAll,
    Work,
}

const VARIANTS: &[(&str, Variant)] = &[
    ("spawn", Variant::Spawn),
    ("join-all", Variant::JoinAll),
    ("work", Variant::Work),
];

/// Validates `sleepMs`, then `variant`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let sleep_ms = params.required_int("sleepMs", SLEEP_MS)?;
    let variant = params.required_choice("variant", VARIANTS)?;
    Ok(Box::new(Bench {
        size,
        sleep: Duration::from_millis(sleep_ms),
        variant,
    }))
}

#[derive(Debug)]
struct Bench {
    size: u64,
    sleep: Duration,
    variant: Variant,
}

/// What one run saw: when the last task was started, how many tasks were joined, and for
/// `work` the sum of the indexes received.
#[derive(Debug)]
struct Joined {
    launch: Duration,
    count: u64,
    sum: Option<u64>,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let start = Instant::now();
            let joined = match self.variant {
                Variant::Spawn => spawn(self.size, self.sleep, start).await,
                Variant::JoinAll => join_all_sleeps(self.size, self.sleep, start).await,
                Variant::Work => work(self.size, self.sleep, start).await,
            }?;
            let elapsed = start.elapsed();
            Ok(Measured {
                elapsed,
                launch: Some(joined.launch),
                check: self.check(&joined)?,
            })
        })
    }
}

impl Bench {
    /// Every task joined once, and for `work` every index from 0 to `size - 1` received once
    /// (their sum is `size * (size - 1) / 2`, at most 5 * 10^13).
    fn check(&self, joined: &Joined) -> Result<Value, String> {
        let size = self.size;
        if joined.count != size {
            return Err(format!("{} tasks joined of {size}", joined.count));
        }
        match joined.sum {
            None => Ok(json!({ "count": size })),
            Some(sum) if sum == size * (size - 1) / 2 => Ok(json!({ "count": size, "sum": sum })),
            Some(sum) => Err(format!("indexes sum to {sum} for {size} tasks")),
        }
    }
}

/// A task is started when `spawn` has handed it to the runtime, which may run it at once.
async fn spawn(size: u64, pause: Duration, start: Instant) -> Result<Joined, String> {
    let mut tasks = JoinSet::new();
    for _ in 0..size {
        tasks.spawn(sleep(pause));
    }
    let launch = start.elapsed();
    let count = join_every(&mut tasks).await?;
    Ok(Joined {
        launch,
        count,
        sum: None,
    })
}

/// A future is started when `join_all` has taken it: from then on its first poll is up to the
/// caller's task alone, as a spawned task's is up to the runtime.
async fn join_all_sleeps(size: u64, pause: Duration, start: Instant) -> Result<Joined, String> {
    let all = join_all((0..size).map(|_| sleep(pause)));
    let launch = start.elapsed();
    let count = all.await.len() as u64;
    Ok(Joined {
        launch,
        count,
        sum: None,
    })
}

/// As `spawn`, with a buffer held across each sleep and every index sent back to the caller.
async fn work(size: u64, pause: Duration, start: Instant) -> Result<Joined, String> {
    // Unbounded, because the bound is structural: each of the `size` tasks sends once, so the
    // queue never holds more than `size` indexes. A smaller bound would make woken tasks wait
    // for the caller, and time the caller rather than the tasks.
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    for index in 0..size {
        tasks.spawn(hold_then_send(index, pause, sender.clone()));
    }
    let launch = start.elapsed();
    // Only the tasks' clones are left: the channel closes once the last task has sent.
    drop(sender);
    let (mut count, mut sum) = (0, 0);
    while let Some(index) = receiver.recv().await {
        count += 1;
        sum += index;
    }
    // Every task has sent; joining them reaps their memory and reports a task that panicked.
    join_every(&mut tasks).await?;
    Ok(Joined {
        launch,
        count,
        sum: Some(sum),
    })
}

/// One `work` task: it fills its buffer before the sleep and reads it back after, so the
/// buffer is part of the state the future saves across the sleep and cannot be optimised away.
async fn hold_then_send(index: u64, pause: Duration, sender: UnboundedSender<u64>) {
    // Eight copies of the index: 64 bytes, every one written.
    let buffer = [index.to_le_bytes(); 8];
    sleep(pause).await;
    // The copies are equal, so OR-ing them gives the index back.
    let read_back = buffer
        .iter()
        .fold(0, |value, copy| value | u64::from_le_bytes(*copy));
    // The caller receives until every sender is gone, so the send fails only when the run was
    // dropped, and then nobody is left to tell.
    let _ = sender.send(read_back);
}

/// Joins every task of `tasks`, counting them; a task that panicked fails the run.
async fn join_every(tasks: &mut JoinSet<()>) -> Result<u64, String> {
    let mut count = 0;
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|error| format!("a task failed: {error}"))?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use tokio::time::Sleep;

    use super::*;
    use crate::patterns::build_bench;

    /// The benchmark for `size` and `params`, or its first invalid field.
    fn build(size: u64, params: &Value) -> Result<Box<dyn Benchmark>, FieldError> {
        build_bench(bench, size, params)
    }

    /// Measures `variant` at `size` twice, on the runner's usual runtime: the second run shows
    /// that nothing is left over from the first.
    async fn measured(variant: &str, size: u64) -> Vec<Measured> {
        let bench = build(size, &json!({ "sleepMs": 1, "variant": variant })).expect("valid");
        let mut runs = Vec::new();
        for _ in 0..2 {
            runs.push(bench.measure().await.expect("the check holds"));
        }
        runs
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_variant_joins_every_task() {
        // 40 is above the 30 futures where `join_all` switches to `FuturesOrdered`.
        for size in [1, 40] {
            for variant in ["spawn", "join-all"] {
                for run in measured(variant, size).await {
                    assert_eq!(run.check, json!({ "count": size }), "{variant}");
                    assert!(run.launch.is_some_and(|launch| launch <= run.elapsed));
                    assert!(run.elapsed >= Duration::from_millis(1), "{variant} slept");
                }
            }
            for run in measured("work", size).await {
                let sum = size * (size - 1) / 2;
                assert_eq!(run.check, json!({ "count": size, "sum": sum }));
            }
        }
    }

    #[test]
    fn the_work_buffer_is_held_across_the_sleep() {
        let (sender, _receiver) = mpsc::unbounded_channel();
        let task = hold_then_send(7, Duration::from_millis(1), sender);
        assert!(size_of_val(&task) >= 64 + size_of::<Sleep>());
    }

    #[test]
    fn a_wrong_count_or_sum_fails_the_check() {
        let bench = Bench {
            size: 4,
            sleep: Duration::from_millis(1),
            variant: Variant::Work,
        };
        let joined = |count, sum| Joined {
            launch: Duration::ZERO,
            count,
            sum: Some(sum),
        };
        assert_eq!(
            bench.check(&joined(4, 6)),
            Ok(json!({ "count": 4, "sum": 6 }))
        );
        assert_eq!(
            bench.check(&joined(3, 6)),
            Err("3 tasks joined of 4".to_owned())
        );
        assert_eq!(
            bench.check(&joined(4, 7)),
            Err("indexes sum to 7 for 4 tasks".to_owned())
        );
    }

    #[test]
    fn invalid_params_name_their_path() {
        let cases = [
            (json!({ "variant": "spawn" }), "params.sleepMs is required"),
            (
                json!({ "sleepMs": 0, "variant": "spawn" }),
                "params.sleepMs must be an integer from 1 to 600000, got 0",
            ),
            (
                json!({ "sleepMs": 600_001, "variant": "spawn" }),
                "params.sleepMs must be an integer from 1 to 600000, got 600001",
            ),
            (
                json!({ "sleepMs": 1 }),
                r#"params.variant is required: one of "spawn", "join-all", "work""#,
            ),
            (
                json!({ "sleepMs": 1, "variant": "threads" }),
                r#"params.variant must be one of "spawn", "join-all", "work", got "threads""#,
            ),
            // `sleepMs` is validated first.
            (
                json!({ "sleepMs": "1", "variant": "threads" }),
                "params.sleepMs must be an integer, got a string",
            ),
        ];
        for (params, message) in cases {
            let error = build(1, &params).err().expect("invalid");
            assert!(error.message.starts_with(message), "{}", error.message);
            assert_eq!(
                error.field,
                error.message.split(' ').next().unwrap_or_default()
            );
        }
    }
}
