//! The `bench` command: one request line, `repeat` measured runs, one answer line.

use std::io::{BufRead, Write};

use serde::Serialize;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::lines::Lines;
use crate::observe::nanos;
use crate::patterns::{self, BenchFn, Benchmark};
use crate::protocol::write_line;
use crate::validate::{FieldError, Object, Path};
use crate::{Failure, benchmarks, json, runtime};

/// Bounds that keep a mistyped request from exhausting memory or running for days.
const MAX_SIZE: u64 = 10_000_000;
const MAX_REPEAT: u64 = 1_000;

/// The answer line.
#[derive(Debug, Serialize)]
#[serde(
    tag = "status",
    rename_all = "lowercase",
    rename_all_fields = "camelCase"
)]
enum BenchAnswer {
    Ok {
        pattern: &'static str,
        size: u64,
        elapsed_ns: Vec<u64>,
        /// One per run, for the workloads that time their launch (`many-tasks`).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        launch_ns: Vec<u64>,
        check: Value,
    },
    Error {
        error: FieldError,
    },
}

/// A validated request.
struct Plan {
    pattern: &'static str,
    size: u64,
    repeat: u64,
    benchmark: Box<dyn Benchmark>,
}

/// Reads the request line, runs the benchmark on the runtime it names and writes the answer.
pub fn bench(input: impl BufRead, output: &mut impl Write) -> Result<(), Failure> {
    // Exactly one request: blank lines are skipped but counted, as in `run`.
    let mut lines = Lines::new(input);
    let Some((number, line)) = lines.next_line()? else {
        return Err(Failure::unusable(1, "expected one bench request, got none"));
    };
    let request =
        json::parse(line).map_err(|error| Failure::unusable(number, error.to_string()))?;
    if let Some((another, _)) = lines.next_line()? {
        return Err(Failure::unusable(
            another,
            "expected one bench request, got another",
        ));
    }
    let answer = match plan(&request, number)? {
        Ok(plan) => measure(&runtime(plan.benchmark.flavor())?, &plan)?,
        Err(error) => BenchAnswer::Error { error },
    };
    write_line(output, &answer)
}

/// Validates the request: an unusable one is a failure, an invalid field an answer. Fields
/// are validated in the order of the contract's example request: `size`, `params`, `repeat`.
fn plan(request: &Value, line: usize) -> Result<Result<Plan, FieldError>, Failure> {
    let Value::Object(fields) = request else {
        return Err(Failure::unusable(line, "not a JSON object"));
    };
    let (slug, bench) =
        patterns::requested(fields, find).map_err(|problem| Failure::unusable(line, problem))?;
    let root = Path::Input;
    let plan = Object::new(root, request).and_then(|request| {
        let size = request.required_int("size", 1..=MAX_SIZE)?;
        let benchmark = bench(size, &request.required_object("params")?)?;
        let repeat = request.optional_int("repeat", 1..=MAX_REPEAT, 1)?;
        Ok(Plan {
            pattern: slug,
            size,
            repeat,
            benchmark,
        })
    });
    Ok(plan)
}

/// The slug and benchmark of a pattern, or else of a benchmark-only workload.
fn find(slug: &str) -> Option<(&'static str, BenchFn)> {
    patterns::find(slug)
        .map(|pattern| (pattern.slug, pattern.bench))
        .or_else(|| benchmarks::find(slug).map(|workload| (workload.slug, workload.bench)))
}

/// Runs the benchmark `repeat` times. Every run checks its own answer, and every run's check
/// must equal the first one's: a pool that loses a job only now and then is caught here.
fn measure(runtime: &Runtime, plan: &Plan) -> Result<BenchAnswer, Failure> {
    let mut elapsed_ns = Vec::new();
    let mut launch_ns = Vec::new();
    let mut first_check: Option<Value> = None;
    for run in 1..=plan.repeat {
        let measured = runtime
            .block_on(plan.benchmark.measure())
            .map_err(|problem| Failure::SelfCheck(format!("run {run}: {problem}")))?;
        elapsed_ns.push(nanos(measured.elapsed));
        launch_ns.extend(measured.launch.map(nanos));
        match &first_check {
            None => first_check = Some(measured.check),
            Some(first) if *first != measured.check => {
                return Err(Failure::SelfCheck(format!(
                    "run {run}: check {} differs from run 1's {first}",
                    measured.check
                )));
            }
            Some(_) => {}
        }
    }
    Ok(BenchAnswer::Ok {
        pattern: plan.pattern,
        size: plan.size,
        elapsed_ns,
        launch_ns,
        check: first_check.unwrap_or(Value::Null),
    })
}
