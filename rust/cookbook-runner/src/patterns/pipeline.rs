//! The pipeline pattern (`docs/patterns/pipeline.md`): the stage transform the contract
//! defines, run by `cookbook::pipeline`, with a probe that stamps every put, get and end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cookbook::pipeline::{self, Probe, Stage};
use cookbook::work::{hex, work};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::{Clock, Handoff, Log, Span};
use crate::validate::{COST, FieldError, Object, Path, SLEEP_MS, each_with_unique_id};

const MAX_STAGES: usize = 16;
const MAX_WORKERS: u32 = 1_000;
const MAX_CAPACITY: u32 = 10_000;

/// A stage as the contract defines it: its shape, and what its transform costs.
#[derive(Debug, Clone, Copy)]
struct StageSpec {
    stage: Stage,
    cost: u64,
    sleep_ms: u64,
}

/// An item on its way: its id, its value so far, and what the input says of it.
#[derive(Debug, Clone, Copy)]
struct Item {
    id: u64,
    value: u64,
    sleep_ms: u64,
    fail_at: Option<usize>,
}

/// The item that failed, and where.
#[derive(Debug, Clone, Copy, Serialize)]
struct Failed {
    id: u64,
    stage: usize,
}

/// Stage `s`: sleeps the stage's and the item's time, then fails if the item is to fail here,
/// else turns its value `v` into `work(v XOR (s + 1), cost)`.
async fn transform(specs: &[StageSpec], s: usize, item: Item) -> Result<Item, Failed> {
    let spec = specs[s];
    let sleep_ms = spec.sleep_ms + item.sleep_ms;
    if sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sleep_ms)).await;
    }
    if item.fail_at == Some(s) {
        return Err(Failed {
            id: item.id,
            stage: s,
        });
    }
    let value = work(item.value ^ (s as u64 + 1), spec.cost);
    Ok(Item { value, ..item })
}

struct Input {
    stages: Vec<StageSpec>,
    items: Vec<Item>,
    ordered: bool,
}

/// Validates in the documented order: `stages`, each stage (itself, `workers`, `capacity`,
/// `cost`, `sleepMs`), `items`, each item (itself, `id`, a duplicate `id`, `sleepMs`,
/// `failAt`), `ordered`.
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let stages_path = root.key("stages");
    let stages = input
        .required_array_of("stages", 1..=MAX_STAGES)?
        .iter()
        .enumerate()
        .map(|(s, stage)| {
            let stage = Object::new(stages_path.index(s), stage)?;
            Ok(StageSpec {
                stage: Stage {
                    workers: stage.required_count("workers", MAX_WORKERS)?,
                    capacity: stage.required_count("capacity", MAX_CAPACITY)?,
                },
                cost: stage.optional_int("cost", COST, 0)?,
                sleep_ms: stage.optional_int("sleepMs", SLEEP_MS, 0)?,
            })
        })
        .collect::<Result<Vec<_>, FieldError>>()?;
    let last_stage = stages.len() as u64 - 1;
    let listed = input.required_array("items")?;
    let mut items = Vec::with_capacity(listed.len());
    each_with_unique_id(root.key("items"), listed, |_, item, id| {
        let sleep_ms = item.optional_int("sleepMs", SLEEP_MS, 0)?;
        let fail_at = match item.optional_int("failAt", 0..=last_stage, u64::MAX)? {
            u64::MAX => None,
            // At most 15: always a `usize`.
            stage => usize::try_from(stage).ok(),
        };
        items.push(Item {
            id,
            value: id,
            sleep_ms,
            fail_at,
        });
        Ok(())
    })?;
    let ordered = input.optional_bool("ordered", false)?;
    Ok(Input {
        stages,
        items,
        ordered,
    })
}

/// One item's record in one stage, as the contract observes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: u64,
    stage: usize,
    worker: usize,
    #[serde(flatten)]
    handoff: Handoff,
}

/// The probe of one run: its clock, and every put and take it has seen.
#[derive(Debug)]
struct Watch {
    clock: Clock,
    /// `(id, queue, span)`: the put of an item into a queue.
    puts: Log<(u64, usize, Span)>,
    /// `(id, stage, worker, get, endNs)`: a worker's take of an item, and its end.
    takes: Log<(u64, usize, usize, Span, u64)>,
}

/// A take in progress: the get's start, then what it got and when.
#[derive(Debug)]
struct Taking {
    stage: usize,
    worker: usize,
    get_ns: u64,
    got: Option<(u64, u64)>,
}

impl Probe<Item> for Watch {
    type Put = (u64, usize, u64);
    type Take = Taking;

    fn putting(&self, queue: usize, item: &Item) -> Self::Put {
        (item.id, queue, self.clock.now_ns())
    }

    fn queued(&self, (id, queue, start_ns): Self::Put) {
        let end_ns = self.clock.now_ns();
        self.puts.push((id, queue, Span { start_ns, end_ns }));
    }

    fn getting(&self, stage: usize, worker: usize) -> Taking {
        Taking {
            stage,
            worker,
            get_ns: self.clock.now_ns(),
            got: None,
        }
    }

    fn got(&self, take: &mut Taking, item: &Item) {
        take.got = Some((item.id, self.clock.now_ns()));
    }

    fn done(&self, take: Taking) {
        let end_ns = self.clock.now_ns();
        if let Some((id, got_ns)) = take.got {
            let get = Span {
                start_ns: take.get_ns,
                end_ns: got_ns,
            };
            self.takes.push((id, take.stage, take.worker, get, end_ns));
        }
    }
}

impl Watch {
    /// One record per take, joined to the put into the stage's queue.
    fn records(&self) -> Vec<Record> {
        let puts: HashMap<(u64, usize), Span> = self
            .puts
            .take()
            .into_iter()
            .map(|(id, queue, span)| ((id, queue), span))
            .collect();
        self.takes
            .take()
            .into_iter()
            .filter_map(|(id, stage, worker, get, end_ns)| {
                let put = *puts.get(&(id, stage))?;
                Some(Record {
                    id,
                    stage,
                    worker,
                    handoff: Handoff::new(put, get, end_ns),
                })
            })
            .collect()
    }
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        stages: specs,
        items,
        ordered,
    } = validate(input)?;
    Ok(Box::pin(async move {
        let specs: Arc<[StageSpec]> = specs.into();
        let stages: Vec<Stage> = specs.iter().map(|spec| spec.stage).collect();
        let watch = Arc::new(Watch {
            clock: Clock::start(),
            puts: Log::default(),
            takes: Log::default(),
        });
        let stage_transform = move |s, item| {
            let specs = Arc::clone(&specs);
            async move { transform(&specs, s, item).await }
        };
        let done =
            pipeline::run_with_probe(items, &stages, ordered, stage_transform, Arc::clone(&watch))
                .await;
        let elapsed_ns = watch.clock.now_ns();
        let output = match done {
            Ok(results) => {
                let results: Vec<Value> = results
                    .iter()
                    .map(|item| json!({ "id": item.id, "value": hex(item.value) }))
                    .collect();
                json!({ "results": results })
            }
            Err(failed) => json!({ "failed": failed }),
        };
        Ran::new(
            &output,
            &json!({ "elapsedNs": elapsed_ns, "records": watch.records() }),
        )
    }))
}

/// `size` items with ids `0 .. size - 1` through `params.stages` identical stages of
/// `params.workers` workers, queues of `params.capacity` and `params.cost`, no sleeps, in
/// input order if `params.ordered`. Validates `stages`, `workers`, `capacity`, `cost`,
/// `ordered`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let stages = params.required_int("stages", 1..=MAX_STAGES as u64)?;
    let workers = params.required_count("workers", MAX_WORKERS)?;
    let capacity = params.required_count("capacity", MAX_CAPACITY)?;
    let cost = params.required_int("cost", COST)?;
    let ordered = params.required_bool("ordered")?;
    Ok(Box::new(Bench {
        size,
        stages: (0..stages).map(|_| Stage { workers, capacity }).collect(),
        cost,
        ordered,
    }))
}

struct Bench {
    size: u64,
    stages: Vec<Stage>,
    cost: u64,
    ordered: bool,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let cost = self.cost;
            let items = (0..self.size).map(|id| (id, id));
            // The bare transform, unobserved: the benchmark times the pipeline, not a probe.
            let stage = move |s: usize, (id, value): (u64, u64)| async move {
                Ok::<_, ()>((id, work(value ^ (s as u64 + 1), cost)))
            };
            let start = Instant::now();
            let done = pipeline::run(items, &self.stages, self.ordered, stage).await;
            let elapsed = start.elapsed();
            let results = done.map_err(|()| "an item failed".to_owned())?;
            if self.ordered && results.iter().zip(0..).any(|(&(id, _), place)| id != place) {
                return Err("ordered results out of input order".to_owned());
            }
            let check = super::xor_check(results, self.size)?;
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

    fn value(id: u64, stages: u64, cost: u64) -> u64 {
        (0..stages).fold(id, |value, s| work(value ^ (s + 1), cost))
    }

    #[test]
    fn the_bench_answers_the_count_and_the_xor_of_the_values() {
        for ordered in [false, true] {
            let params = json!({
                "stages": 3, "workers": 2, "capacity": 4, "cost": 5, "ordered": ordered,
            });
            let check = bench_check(bench, 40, &params);
            let digest = (0..40).fold(0, |digest, id| digest ^ value(id, 3, 5));
            assert_eq!(check, json!({ "count": 40, "digest": hex(digest) }));
        }
    }

    #[test]
    fn bench_params_are_validated_in_order() {
        let params = json!({ "stages": 17, "workers": 0 });
        let error = build_bench(bench, 1, &params).err().expect("invalid");
        assert_eq!(error.field, "params.stages");
        let params = json!({ "stages": 1, "workers": 1, "capacity": 1, "cost": 0 });
        let error = build_bench(bench, 1, &params).err().expect("invalid");
        assert_eq!(error.field, "params.ordered");
    }
}
