//! The worker-pool pattern (`docs/patterns/worker-pool.md`): input validation, the job the
//! contract defines, and the observed run and benchmark around `cookbook::worker_pool`.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cookbook::panicked::Panicked;
use cookbook::work::{hex, work};
use cookbook::worker_pool;
use serde_json::{Value, json};

use super::{Benchmark, BoxFuture, Measured, Ran, Run, panic_as_asked};
use crate::Flavor;
use crate::observe::Recorder;
use crate::validate::{COST, FieldError, Object, Path, SLEEP_MS, each_with_unique_id};

const MAX_WORKERS: u32 = 10_000;

/// One job, as the contract defines it.
#[derive(Debug, Clone, Copy)]
struct Job {
    id: u64,
    cost: u64,
    sleep_ms: u64,
    fail: bool,
    panic: bool,
}

/// A job that was asked to fail.
#[derive(Debug, Clone, Copy)]
struct Failed {
    id: u64,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job {} failed", self.id)
    }
}

/// A job's result: its value, or its failure.
#[derive(Debug)]
struct Done {
    id: u64,
    value: Result<u64, Failed>,
}

impl Done {
    fn to_json(&self) -> Value {
        match self.value {
            Ok(value) => json!({ "id": self.id, "value": hex(value) }),
            Err(failed) => json!({ "id": self.id, "error": failed.to_string() }),
        }
    }
}

/// A job's answer: its own, or the pool's for a job that panicked, named by `ids`, the jobs'
/// ids in the order they were given.
fn to_json(done: &Result<Done, Panicked>, ids: &[u64]) -> Value {
    match done {
        Ok(done) => done.to_json(),
        Err(panicked) => {
            let id = ids[panicked.index()];
            json!({ "id": id, "error": format!("job {id} panicked") })
        }
    }
}

/// Sleeps without blocking the runtime, then computes `work(id, cost)`, then panics or fails
/// if asked (a panic wins).
async fn perform(job: Job) -> Done {
    if job.sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
    }
    // Runs on the runtime thread: at the contract's largest cost, 10^8 steps, this holds the
    // thread for a fraction of a second. The module docs of `cookbook::worker_pool` say when a
    // production job moves such work to `spawn_blocking` or rayon.
    let value = work(job.id, job.cost);
    if job.panic {
        panic_as_asked();
    }
    let value = if job.fail {
        Err(Failed { id: job.id })
    } else {
        Ok(value)
    };
    Done { id: job.id, value }
}

struct Input {
    workers: NonZeroUsize,
    jobs: Vec<Job>,
}

/// Validates in the documented order: `workers`, `jobs`, then each job in order (the job
/// itself, its `id`, a duplicate `id`, `cost`, `sleepMs`, `fail`, `panic`).
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let workers = input.required_count("workers", MAX_WORKERS)?;
    let listed = input.required_array("jobs")?;
    let mut jobs = Vec::with_capacity(listed.len());
    each_with_unique_id(root.key("jobs"), listed, |_, job, id| {
        jobs.push(Job {
            id,
            cost: job.optional_int("cost", COST, 0)?,
            sleep_ms: job.optional_int("sleepMs", SLEEP_MS, 0)?,
            fail: job.optional_bool("fail", false)?,
            panic: job.optional_bool("panic", false)?,
        });
        Ok(())
    })?;
    Ok(Input { workers, jobs })
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input { workers, jobs } = validate(input)?;
    let ids: Vec<u64> = jobs.iter().map(|job| job.id).collect();
    Ok(Box::pin(async move {
        let recorder = Arc::new(Recorder::start());
        // The pool knows nothing of observation: the recorder wraps the job it is given.
        let observed_job = {
            let recorder = Arc::clone(&recorder);
            move |job: Job| {
                let recorder = Arc::clone(&recorder);
                async move { recorder.observe(job.id, perform(job)).await }
            }
        };
        let done = worker_pool::run_catching(workers, jobs, observed_job).await;
        let observed = recorder.finish();
        let results: Vec<Value> = done.iter().map(|done| to_json(done, &ids)).collect();
        Ran::new(&json!({ "results": results }), &observed)
    }))
}

/// The runtime `params.mode` asks for; without `mode`, the runner's usual one.
///
/// In both, each job computes in its own task, as in `run`. `parallel` is the multi-thread
/// runtime itself: its worker threads poll tasks on every core, as Go's scheduler does with
/// `GOMAXPROCS` at the number of cores. Moving each `work` to `spawn_blocking` instead would
/// cost every job two hand-offs between threads (to the blocking pool and back), each a thread
/// wake-up: more than the job itself at the benchmark's costs, where a job computes for
/// microseconds, well within tokio's budget of 10 to 100 microseconds between `.await`s. A
/// tokio user moves work off the runtime when it runs long or the runtime has other tasks to
/// serve promptly; neither holds here.
const MODES: &[(&str, Flavor)] = &[
    // Concurrency without parallelism: one thread polls every job and computes every `work`.
    ("event-loop", Flavor::CurrentThread),
    ("parallel", Flavor::MultiThread),
];

/// `size` jobs with ids `0 .. size - 1`, each with the `cost` and `sleepMs` of `params`, none
/// failing, run by `params.workers` workers on the runtime `params.mode` asks for. Validates
/// `workers`, `cost`, `sleepMs`, `mode`, in that order.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let workers = params.required_count("workers", MAX_WORKERS)?;
    let cost = params.optional_int("cost", COST, 0)?;
    let sleep_ms = params.optional_int("sleepMs", SLEEP_MS, 0)?;
    let flavor = params
        .optional_choice("mode", MODES)?
        .unwrap_or(Flavor::MultiThread);
    let jobs = (0..size)
        .map(|id| Job {
            id,
            cost,
            sleep_ms,
            fail: false,
            panic: false,
        })
        .collect();
    Ok(Box::new(Bench {
        workers,
        jobs,
        flavor,
    }))
}

struct Bench {
    workers: NonZeroUsize,
    jobs: Vec<Job>,
    flavor: Flavor,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let jobs = self.jobs.clone();
            // The bare job, unobserved: the benchmark times the pool, not the recorder.
            let start = Instant::now();
            let done = worker_pool::run_catching(self.workers, jobs, perform).await;
            let elapsed = start.elapsed();
            let check = self_check(&done, self.jobs.len())?;
            Ok(Measured {
                elapsed,
                launch: None,
                check,
            })
        })
    }

    fn flavor(&self) -> Flavor {
        self.flavor
    }
}

/// Every id from 0 to `size - 1` answered once with a value; the check is the number of
/// results and the XOR of their values.
fn self_check(done: &[Result<Done, Panicked>], size: usize) -> Result<Value, String> {
    if done.len() != size {
        return Err(format!("{} results for {size} jobs", done.len()));
    }
    let mut seen = vec![false; size];
    let mut digest = 0;
    for result in done {
        let result = result.as_ref().map_err(Panicked::to_string)?;
        let slot = usize::try_from(result.id)
            .ok()
            .and_then(|index| seen.get_mut(index));
        match slot {
            Some(slot) if !*slot => *slot = true,
            Some(_) => return Err(format!("job {} answered twice", result.id)),
            None => return Err(format!("job {} was never given", result.id)),
        }
        match result.value {
            Ok(value) => digest ^= value,
            Err(failed) => return Err(failed.to_string()),
        }
    }
    Ok(json!({ "count": size, "digest": hex(digest) }))
}

#[cfg(test)]
mod tests {
    use std::thread;

    use tokio::runtime::RuntimeFlavor;

    use super::*;
    use crate::patterns::build_bench;
    use crate::runtime;

    fn params(mode: Option<&str>) -> Value {
        let mut params = json!({ "workers": 3, "cost": 100, "sleepMs": 1 });
        if let Some(mode) = mode {
            params["mode"] = json!(mode);
        }
        params
    }

    /// Builds the benchmark, then measures it on the runtime it names, as `bench` does.
    fn measure(mode: Option<&str>) -> Measured {
        let bench = build_bench(bench, 20, &params(mode)).expect("valid params");
        let runtime = runtime(bench.flavor()).expect("a runtime");
        runtime.block_on(bench.measure()).expect("the check holds")
    }

    #[test]
    fn every_mode_answers_the_same_check() {
        let digest = (0..20).fold(0, |digest, id| digest ^ work(id, 100));
        let expected = json!({ "count": 20, "digest": hex(digest) });
        for mode in [None, Some("event-loop"), Some("parallel")] {
            assert_eq!(measure(mode).check, expected, "{mode:?}");
        }
    }

    #[test]
    fn event_loop_runs_every_job_on_the_calling_thread() {
        let bench = build_bench(bench, 1, &params(Some("event-loop"))).expect("valid params");
        let runtime = runtime(bench.flavor()).expect("a runtime");
        assert_eq!(
            runtime.handle().runtime_flavor(),
            RuntimeFlavor::CurrentThread
        );
        assert_eq!(runtime.metrics().num_workers(), 1);
        // The pool spawns its workers onto that runtime: they all run here, interleaved at
        // their `.await`s.
        let workers = NonZeroUsize::new(4).expect("non-zero");
        let threads = runtime.block_on(worker_pool::run(workers, 0..16, |_| async {
            tokio::task::yield_now().await;
            thread::current().id()
        }));
        assert_eq!(threads.len(), 16);
        assert!(threads.iter().all(|id| *id == thread::current().id()));
    }

    #[test]
    fn the_other_modes_run_on_the_usual_runtime() {
        for mode in [None, Some("parallel")] {
            let bench = build_bench(bench, 1, &params(mode)).expect("valid params");
            assert_eq!(bench.flavor(), Flavor::MultiThread, "{mode:?}");
        }
    }

    #[test]
    fn an_unknown_mode_names_params_mode() {
        for (mode, received) in [(json!("threads"), r#""threads""#), (json!(1), "1")] {
            let mut params = params(None);
            params["mode"] = mode;
            let error = build_bench(bench, 1, &params).err().expect("invalid");
            assert_eq!(error.field, "params.mode");
            assert_eq!(
                error.message,
                format!(r#"params.mode must be one of "event-loop", "parallel", got {received}"#)
            );
        }
    }
}
