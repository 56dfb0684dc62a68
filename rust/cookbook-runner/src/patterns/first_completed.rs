//! The first-completed pattern (`docs/patterns/first-completed.md`): operations that sleep and
//! fail or answer, raced, taken at their first success, or hedged by `cookbook::first_completed`,
//! each stamped from its first poll to its end or its cancellation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cookbook::first_completed::{self, Hedged};
use cookbook::work::hex;
use serde::Serialize;
use serde_json::{Value, json};

use super::operations::{self, Failed, Noun, Operation, Runs, Stopped};
use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::validate::{FieldError, Object, Path, each_with_unique_id};

const MAX_OPERATIONS: usize = 1_000;
/// A hedge has a primary and a backup.
const HEDGED: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Race,
    Any,
    Hedge,
}

const MODES: &[(&str, Mode)] = &[
    ("race", Mode::Race),
    ("any", Mode::Any),
    ("hedge", Mode::Hedge),
];

enum Input {
    Race(Vec<Operation>),
    Any(Vec<Operation>),
    Hedge {
        after: Duration,
        primary: Operation,
        backup: Operation,
    },
}

/// Validates in the documented order: `mode`, `operations` (1 to 1000, or exactly 2 to hedge),
/// each operation (itself, `id`, a duplicate `id`, `sleepMs`, `fail`), then `hedgeAfterMs` for
/// a hedge alone.
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let mode = input.required_choice("mode", MODES)?;
    let path = root.key("operations");
    let not_a_pair = |got: usize| {
        FieldError::new(
            path,
            format_args!(
                "must have exactly {HEDGED} elements to hedge, the primary then the backup, \
                 got {got}"
            ),
        )
    };
    let listed = if mode == Mode::Hedge {
        let listed = input.required_array("operations")?;
        if listed.len() != HEDGED {
            return Err(not_a_pair(listed.len()));
        }
        listed
    } else {
        input.required_array_of("operations", 1..=MAX_OPERATIONS)?
    };
    let mut operations = Vec::with_capacity(listed.len());
    each_with_unique_id(path, listed, |_, element, id| {
        operations.push(Operation::read(id, element)?);
        Ok(())
    })?;
    Ok(match mode {
        Mode::Race => Input::Race(operations),
        Mode::Any => Input::Any(operations),
        Mode::Hedge => {
            let after = input.required_int("hedgeAfterMs", 1..=60_000)?;
            let [primary, backup] = <[Operation; HEDGED]>::try_from(operations)
                .map_err(|operations| not_a_pair(operations.len()))?;
            Input::Hedge {
                after: Duration::from_millis(after),
                primary,
                backup,
            }
        }
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Observed {
    elapsed_ns: u64,
    /// One per operation that started: a backup that never started has none.
    operations: Vec<Stopped>,
}

/// `{"first": R}`, or `{"errors": [...]}` when every operation failed.
fn first_or_errors(ids: &[u64], first: Result<(usize, u64), Vec<Failed>>) -> Value {
    match first {
        Ok((index, value)) => json!({ "first": operations::answer(ids[index], &Ok(value)) }),
        Err(errors) => {
            let errors: Vec<String> = errors.iter().map(Failed::to_string).collect();
            json!({ "errors": errors })
        }
    }
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let input = validate(input)?;
    Ok(Box::pin(async move {
        let runs = Arc::new(Runs::start());
        // A future does nothing until it is polled: each operation is stamped from its first
        // poll, in its own task, and a backup that is never spawned is never stamped.
        let observed = |operation| operations::observed(&runs, operation, Noun::Operation);
        let output = match input {
            Input::Race(operations) => {
                let ids = ids(&operations);
                match first_completed::race(operations.into_iter().map(observed)).await {
                    Some((index, result)) => {
                        json!({ "first": operations::answer(ids[index], &result) })
                    }
                    // No operations: validated away.
                    None => json!({}),
                }
            }
            Input::Any(operations) => {
                let ids = ids(&operations);
                let first = first_completed::any(operations.into_iter().map(observed)).await;
                first_or_errors(&ids, first)
            }
            Input::Hedge {
                after,
                primary,
                backup,
            } => {
                let ids = [primary.id, backup.id];
                let Hedged { first, hedged } =
                    first_completed::hedge(after, observed(primary), observed(backup)).await;
                let mut output = first_or_errors(&ids, first);
                output["hedged"] = json!(hedged);
                output
            }
        };
        let observed = Observed {
            elapsed_ns: runs.clock.now_ns(),
            operations: runs.stopped.take(),
        };
        Ran::new(&output, &observed)
    }))
}

fn ids(operations: &[Operation]) -> Vec<u64> {
    operations.iter().map(|operation| operation.id).collect()
}

/// `size` calls of mode `any`, one after the other, each over `params.operations` operations
/// with no sleep, every one failing but the last.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let count = params.required_int("operations", 1..=1_000)?;
    let operations = (0..count)
        .map(|id| Operation {
            id,
            sleep_ms: 0,
            fail: id + 1 != count,
        })
        .collect();
    Ok(Box::new(Bench { size, operations }))
}

struct Bench {
    size: u64,
    operations: Vec<Operation>,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let mut digest = 0;
            let start = Instant::now();
            for _ in 0..self.size {
                let calls = self
                    .operations
                    .iter()
                    .map(|operation| operation.perform(Noun::Operation));
                match first_completed::any(calls).await {
                    Ok((index, value)) if index + 1 == self.operations.len() => digest ^= value,
                    Ok((index, _)) => {
                        return Err(format!("operation {index} won, though it fails"));
                    }
                    Err(errors) => return Err(format!("{} errors and no winner", errors.len())),
                }
            }
            let elapsed = start.elapsed();
            Ok(Measured {
                elapsed,
                launch: None,
                check: json!({ "count": self.size, "digest": hex(digest) }),
            })
        })
    }
}
