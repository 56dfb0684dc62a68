//! The timeout pattern (`docs/patterns/timeout.md`): operations that sleep and fail or answer,
//! each with a cleanup that sleeps, run by `cookbook::timeout` under the input's deadlines,
//! with every body and cleanup stamped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cookbook::timeout::{self, TimedOut};
use serde::Serialize;
use serde_json::{Value, json};

use super::operations::{self, Failed, Noun, Operation, Runs, Stopped};
use super::{Benchmark, BoxFuture, Measured, Ran, Run, xor_check};
use crate::observe::Log;
use crate::validate::{FieldError, Object, Path, each_with_unique_id};

const DEADLINE_MS: std::ops::RangeInclusive<u64> = 1..=60_000;
const CLEANUP_MS: std::ops::RangeInclusive<u64> = 0..=1_000;
const MAX_GROUP: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Single,
    Group,
}

const KINDS: &[(&str, Kind)] = &[("single", Kind::Single), ("group", Kind::Group)];

/// An operation and how long its cleanup sleeps.
#[derive(Debug, Clone, Copy)]
struct Timed {
    operation: Operation,
    cleanup_ms: u64,
}

struct Input {
    kind: Kind,
    deadline_ms: u64,
    inner_deadline_ms: Option<u64>,
    operations: Vec<Timed>,
}

/// Validates in the documented order: `kind`, `deadlineMs`, `innerDeadlineMs` (single only),
/// `operations` (how many the kind takes), then each operation (itself, `id`, a duplicate
/// `id`, `sleepMs`, `fail`, `cleanupMs`).
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let kind = input.required_choice("kind", KINDS)?;
    let deadline_ms = input.required_int("deadlineMs", DEADLINE_MS)?;
    let inner_deadline_ms = input.maybe_int("innerDeadlineMs", DEADLINE_MS)?;
    if kind == Kind::Group && inner_deadline_ms.is_some() {
        return Err(FieldError::new(
            input.path("innerDeadlineMs"),
            r#"is only for kind "single", got it with kind "group""#,
        ));
    }
    let listed = input.required_array("operations")?;
    let path = root.key("operations");
    match kind {
        Kind::Single if listed.len() != 1 => {
            return Err(FieldError::new(
                path,
                format_args!(
                    r#"must have exactly 1 element with kind "single", got {}"#,
                    listed.len()
                ),
            ));
        }
        Kind::Group if !(1..=MAX_GROUP).contains(&listed.len()) => {
            return Err(FieldError::new(
                path,
                format_args!("must have 1 to {MAX_GROUP} elements, got {}", listed.len()),
            ));
        }
        _ => {}
    }
    let mut operations = Vec::with_capacity(listed.len());
    each_with_unique_id(path, listed, |_, element, id| {
        operations.push(Timed {
            operation: Operation::read(id, element)?,
            cleanup_ms: element.optional_int("cleanupMs", CLEANUP_MS, 0)?,
        });
        Ok(())
    })?;
    Ok(Input {
        kind,
        deadline_ms,
        inner_deadline_ms,
        operations,
    })
}

/// The stamps around one operation's cleanup.
#[derive(Debug, Clone, Copy)]
struct Cleanup {
    id: u64,
    start_ns: u64,
    end_ns: u64,
}

/// One operation's record in `observed.operations`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    #[serde(flatten)]
    body: Stopped,
    cleanup_start_ns: u64,
    cleanup_end_ns: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Observed {
    elapsed_ns: u64,
    operations: Vec<Record>,
}

/// The operations of one run, each body and cleanup stamped on the run's clock.
struct Probe {
    runs: Arc<Runs>,
    cleanups: Arc<Log<Cleanup>>,
}

impl Probe {
    /// The cleanup of `timed`, which the timeout runs to its end whatever ended the body.
    fn cleanup(&self, timed: Timed) -> impl Future<Output = ()> + Send + 'static {
        let clock = self.runs.clock;
        let cleanups = Arc::clone(&self.cleanups);
        async move {
            let start_ns = clock.now_ns();
            if timed.cleanup_ms > 0 {
                tokio::time::sleep(Duration::from_millis(timed.cleanup_ms)).await;
            }
            cleanups.push(Cleanup {
                id: timed.operation.id,
                start_ns,
                end_ns: clock.now_ns(),
            });
        }
    }

    /// Ends the measured region: every body's record beside its cleanup's stamps.
    fn finish(&self) -> Observed {
        let elapsed_ns = self.runs.clock.now_ns();
        let cleanups: HashMap<u64, Cleanup> = self
            .cleanups
            .take()
            .into_iter()
            .map(|cleanup| (cleanup.id, cleanup))
            .collect();
        // A body without a cleanup is left out, for the harness to report as missing.
        let operations = self
            .runs
            .stopped
            .take()
            .into_iter()
            .filter_map(|body| {
                let cleanup = cleanups.get(&body.id)?;
                Some(Record {
                    body,
                    cleanup_start_ns: cleanup.start_ns,
                    cleanup_end_ns: cleanup.end_ns,
                })
            })
            .collect();
        Observed {
            elapsed_ns,
            operations,
        }
    }
}

/// An operation's answer: its own, or the deadline that cancelled it.
fn answer(id: u64, result: &Result<Result<u64, Failed>, TimedOut>) -> Value {
    match result {
        Ok(result) => operations::answer(id, result),
        Err(TimedOut::Outer) => json!({ "id": id, "timedOut": "outer" }),
        Err(TimedOut::Inner) => json!({ "id": id, "timedOut": "inner" }),
    }
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        kind,
        deadline_ms,
        inner_deadline_ms,
        operations,
    } = validate(input)?;
    Ok(Box::pin(async move {
        let probe = Probe {
            runs: Arc::new(Runs::start()),
            cleanups: Arc::default(),
        };
        let body = |operation| operations::observed(&probe.runs, operation, Noun::Operation);
        // The deadlines count from the start of the measured region, read just after it.
        let start = tokio::time::Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let output = match kind {
            Kind::Single => {
                let timed = operations[0];
                let result = timeout::single(
                    at(deadline_ms),
                    inner_deadline_ms.map(at),
                    body(timed.operation),
                    probe.cleanup(timed),
                )
                .await;
                json!({ "result": answer(timed.operation.id, &result) })
            }
            Kind::Group => {
                let timed = operations
                    .iter()
                    .map(|&timed| (body(timed.operation), probe.cleanup(timed)));
                let results = timeout::group(at(deadline_ms), timed).await;
                let results: Vec<Value> = operations
                    .iter()
                    .zip(&results)
                    .map(|(timed, result)| answer(timed.operation.id, result))
                    .collect();
                json!({ "results": results })
            }
        };
        let observed = probe.finish();
        Ran::new(&output, &observed)
    }))
}

/// `size` operations with ids `0 .. size - 1`, no sleep and no cleanup, in one group under
/// `params.deadlineMs`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let deadline = Duration::from_millis(params.required_int("deadlineMs", DEADLINE_MS)?);
    Ok(Box::new(Bench { size, deadline }))
}

struct Bench {
    size: u64,
    deadline: Duration,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            // The bare operations, unobserved: the benchmark times the timeout, not the probe.
            let operations = (0..self.size)
                .map(|id| (Operation::instant(id).perform(Noun::Operation), async {}));
            let start = Instant::now();
            let results =
                timeout::group(tokio::time::Instant::now() + self.deadline, operations).await;
            let elapsed = start.elapsed();
            let done = (0..)
                .zip(results)
                .map(|(id, result)| match result {
                    Ok(Ok(value)) => Ok((id, value)),
                    Ok(Err(failed)) => Err(failed.to_string()),
                    Err(timed_out) => Err(format!("operation {id}: {timed_out}")),
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Measured {
                elapsed,
                launch: None,
                check: xor_check(done, self.size)?,
            })
        })
    }
}
