//! The patterns this runner implements. Adding one is a module with a `run` and a `bench`
//! function, and a row in [`PATTERNS`]; the protocol, validation helpers and recorder are shared.

mod batching;
mod circuit_breaker;
mod debounce;
mod error_group;
mod fan_in;
mod first_completed;
mod gate;
mod limiter;
mod operations;
mod pipeline;
mod priority_queue;
mod producer_consumer;
mod pub_sub;
mod retry;
mod rwlock_cache;
mod sliding_window;
mod throttle;
mod timeout;
mod token_bucket;
mod worker_pool;

use std::pin::Pin;
use std::time::Duration;

use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Map, Value};

use crate::Flavor;
use crate::validate::{FieldError, Object};

/// A boxed future, so that patterns with different future types fit in one table.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A case's run, validated and ready: awaiting it runs the pattern and measures it.
pub type Run = BoxFuture<'static, serde_json::Result<Ran>>;

/// What a run answers: the pattern's output and what was observed, written as JSON once the
/// measured region has ended. Written straight from the pattern's own types, with no `Value`
/// in between: a million decisions would otherwise be a million maps.
#[derive(Debug)]
pub struct Ran {
    /// The `output` field of the answer, in the pattern's own shape.
    pub output: Box<RawValue>,
    /// The `observed` field of the answer, in the pattern's own shape.
    pub observed: Box<RawValue>,
}

impl Ran {
    /// The answer's `output` and `observed`.
    pub fn new(output: &impl Serialize, observed: &impl Serialize) -> serde_json::Result<Self> {
        Ok(Self {
            output: to_raw_value(output)?,
            observed: to_raw_value(observed)?,
        })
    }
}

/// A benchmark, built once from `size` and `params` and measured `repeat` times.
pub trait Benchmark: Send + Sync {
    /// Runs the measured region once and checks its answer. The error says what did not match.
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>>;

    /// The runtime to measure on: the runner's usual one unless the request asks for another.
    fn flavor(&self) -> Flavor {
        Flavor::MultiThread
    }
}

/// One measured run of a benchmark.
#[derive(Debug)]
pub struct Measured {
    /// The measured region only: building the input and checking the answer are outside it.
    pub elapsed: Duration,
    /// For workloads that start many tasks, the time from the start until the last of them
    /// was started; `None` for the others.
    pub launch: Option<Duration>,
    /// What the harness checks against its reference, in the pattern's own shape.
    pub check: Value,
}

/// Validates a case's input and returns its run; the error is the first invalid field, in the
/// pattern's documented order.
pub type RunFn = fn(&Value) -> Result<Run, FieldError>;

/// Builds the benchmark for `size` from the bench request's `params`.
pub type BenchFn = fn(u64, &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError>;

/// One pattern: its slug and its two entry points.
#[derive(Debug)]
pub struct Pattern {
    /// The kebab-case name used across languages.
    pub slug: &'static str,
    /// Answers `run` requests.
    pub run: RunFn,
    /// Answers `bench` requests.
    pub bench: BenchFn,
}

/// Every pattern this runner implements.
pub static PATTERNS: &[Pattern] = &[
    Pattern {
        slug: "worker-pool",
        run: worker_pool::run,
        bench: worker_pool::bench,
    },
    Pattern {
        slug: "fan-in",
        run: fan_in::run,
        bench: fan_in::bench,
    },
    Pattern {
        slug: "rwlock-cache",
        run: rwlock_cache::run,
        bench: rwlock_cache::bench,
    },
    Pattern {
        slug: "token-bucket",
        run: token_bucket::run,
        bench: token_bucket::bench,
    },
    Pattern {
        slug: "sliding-window",
        run: sliding_window::run,
        bench: sliding_window::bench,
    },
    Pattern {
        slug: "producer-consumer",
        run: producer_consumer::run,
        bench: producer_consumer::bench,
    },
    Pattern {
        slug: "pipeline",
        run: pipeline::run,
        bench: pipeline::bench,
    },
    Pattern {
        slug: "batching",
        run: batching::run,
        bench: batching::bench,
    },
    Pattern {
        slug: "priority-queue",
        run: priority_queue::run,
        bench: priority_queue::bench,
    },
    Pattern {
        slug: "pub-sub",
        run: pub_sub::run,
        bench: pub_sub::bench,
    },
    Pattern {
        slug: "retry",
        run: retry::run,
        bench: retry::bench,
    },
    Pattern {
        slug: "throttle",
        run: throttle::run,
        bench: throttle::bench,
    },
    Pattern {
        slug: "debounce",
        run: debounce::run,
        bench: debounce::bench,
    },
    Pattern {
        slug: "circuit-breaker",
        run: circuit_breaker::run,
        bench: circuit_breaker::bench,
    },
    Pattern {
        slug: "timeout",
        run: timeout::run,
        bench: timeout::bench,
    },
    Pattern {
        slug: "first-completed",
        run: first_completed::run,
        bench: first_completed::bench,
    },
    Pattern {
        slug: "error-group",
        run: error_group::run,
        bench: error_group::bench,
    },
];

/// The pattern named `slug`, if this runner implements it.
pub fn find(slug: &str) -> Option<&'static Pattern> {
    PATTERNS.iter().find(|pattern| pattern.slug == slug)
}

/// What a request's `pattern` field names, looked up with `find` (`bench` also looks among the
/// benchmark-only workloads); the error says why the request is unusable.
pub fn requested<T>(
    request: &Map<String, Value>,
    find: impl FnOnce(&str) -> Option<T>,
) -> Result<T, String> {
    match request.get("pattern") {
        Some(Value::String(slug)) => {
            find(slug).ok_or_else(|| format!("pattern {slug:?} is not implemented by this runner"))
        }
        _ => Err(r#"no string "pattern""#.to_owned()),
    }
}

/// The payload of a panic that a case's input asks for (`jobs[i].panic`, `items[i].panic`). A
/// type of its own, so that [`crate::quiet_requested_panics`] can tell such a panic from a bug
/// without reading its message.
#[derive(Debug, Clone, Copy)]
pub struct RequestedPanic;

/// Panics as the input asked. The pattern under test catches the panic; the contract reports
/// it by the job's id, so the payload says nothing more.
fn panic_as_asked() -> ! {
    std::panic::panic_any(RequestedPanic)
}

/// The check of a benchmark whose answer is one value per id: every id from 0 to `size - 1`
/// answered once, and the check is their number and the XOR of their values.
fn xor_check(done: impl IntoIterator<Item = (u64, u64)>, size: u64) -> Result<Value, String> {
    let mut seen = vec![false; usize::try_from(size).map_err(|_| "too many ids")?];
    let mut digest = 0;
    let mut count: u64 = 0;
    for (id, value) in done {
        let slot = usize::try_from(id)
            .ok()
            .and_then(|index| seen.get_mut(index));
        match slot {
            Some(slot) if !*slot => *slot = true,
            Some(_) => return Err(format!("{id} answered twice")),
            None => return Err(format!("{id} was never given")),
        }
        digest ^= value;
        count += 1;
    }
    if count != size {
        return Err(format!("{count} answers for {size} ids"));
    }
    Ok(serde_json::json!({ "count": size, "digest": cookbook::work::hex(digest) }))
}

/// Builds a benchmark in unit tests as a bench request does, measures it once on the
/// runtime it names, and answers its check.
#[cfg(test)]
pub(crate) fn bench_check(bench: BenchFn, size: u64, params: &Value) -> Value {
    let bench = build_bench(bench, size, params).expect("valid params");
    let runtime = crate::runtime(bench.flavor()).expect("a runtime");
    let measured = runtime.block_on(bench.measure());
    measured.expect("the check holds").check
}

/// Builds benchmarks in unit tests as a bench request does.
#[cfg(test)]
pub(crate) fn build_bench(
    bench: BenchFn,
    size: u64,
    params: &Value,
) -> Result<Box<dyn Benchmark>, FieldError> {
    let request = serde_json::json!({ "params": params });
    let request = Object::new(crate::validate::Path::Input, &request)?;
    bench(size, &request.required_object("params")?)
}
