//! Scatter-gather: each item sleeps, computes its work, and panics or fails if asked; the calls
//! run through `cookbook::fan_in::gather` or `gather_fail_fast`, observed by the recorder.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use cookbook::fan_in::{GatherError, gather, gather_fail_fast};
use cookbook::panicked::Panicked;
use cookbook::work::{hex, work};
use serde_json::{Value, json};

use crate::observe::Recorder;
use crate::patterns::{Ran, Run, panic_as_asked};
use crate::validate::{COST, FieldError, Object, SLEEP_MS};

const MAX_LIMIT: u32 = 10_000;

/// One item, as the contract defines it.
#[derive(Debug, Clone, Copy)]
struct Item {
    cost: u64,
    sleep_ms: u64,
    fail: bool,
    panic: bool,
}

/// An item that was asked to fail.
#[derive(Debug, Clone, Copy)]
struct Failed {
    index: u64,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} failed", self.index)
    }
}

/// The contract's error for a call that panicked; the gather knows the call by its index.
fn panicked(panicked: &Panicked) -> String {
    format!("item {} panicked", panicked.index())
}

/// Sleeps (a cancelled call stops here), computes `work(index, cost)`, then panics or fails if
/// asked (a panic wins).
async fn call(index: u64, item: Item) -> Result<u64, Failed> {
    if item.sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(item.sleep_ms)).await;
    }
    let value = work(index, item.cost);
    if item.panic {
        panic_as_asked();
    }
    if item.fail {
        Err(Failed { index })
    } else {
        Ok(value)
    }
}

struct Input {
    limit: NonZeroUsize,
    fail_fast: bool,
    items: Vec<Item>,
}

/// Validates in the documented order: `limit`, `failFast`, `items`, then each item in order
/// (the item itself, its `cost`, `sleepMs`, `fail`, `panic`).
fn validate(input: &Object<'_>) -> Result<Input, FieldError> {
    let limit = input.required_count("limit", MAX_LIMIT)?;
    let fail_fast = input.optional_bool("failFast", false)?;
    let path = input.path("items");
    let items = input
        .required_array("items")?
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let item = Object::new(path.index(index), item)?;
            Ok(Item {
                cost: item.optional_int("cost", COST, 0)?,
                sleep_ms: item.optional_int("sleepMs", SLEEP_MS, 0)?,
                fail: item.optional_bool("fail", false)?,
                panic: item.optional_bool("panic", false)?,
            })
        })
        .collect::<Result<_, FieldError>>()?;
    Ok(Input {
        limit,
        fail_fast,
        items,
    })
}

/// Validates a scatter-gather and returns its observed run.
pub(super) fn run(input: &Object<'_>) -> Result<Run, FieldError> {
    let Input {
        limit,
        fail_fast,
        items,
    } = validate(input)?;
    Ok(Box::pin(async move {
        let recorder = Arc::new(Recorder::start());
        // The gather knows nothing of observation: the recorder wraps the call it is given.
        let observed_call = {
            let recorder = Arc::clone(&recorder);
            move |(index, item): (u64, Item)| {
                let recorder = Arc::clone(&recorder);
                async move { recorder.observe(index, call(index, item)).await }
            }
        };
        let indexed = (0..).zip(items);
        let gathered = if fail_fast {
            Gathered::FailFast(gather_fail_fast(limit, indexed, observed_call).await)
        } else {
            Gathered::All(gather(limit, indexed, observed_call).await)
        };
        // Read once the gather has returned: a call still running now would count here. The
        // answer's JSON is built after, outside the measured region.
        let observed = recorder.finish();
        let output = match gathered {
            Gathered::FailFast(Ok(values)) => results(values.into_iter().map(Ok)),
            Gathered::FailFast(Err(GatherError::Failed(failed))) => {
                json!({ "failure": failed.to_string() })
            }
            Gathered::FailFast(Err(GatherError::Panicked(call))) => {
                json!({ "failure": panicked(&call) })
            }
            Gathered::All(done) => results(done.into_iter().map(|done| match done {
                Ok(result) => result.map_err(|failed| failed.to_string()),
                Err(call) => Err(panicked(&call)),
            })),
        };
        Ran::new(&output, &observed)
    }))
}

/// What a gather returned, in the shape of the gather that returned it.
enum Gathered {
    FailFast(Result<Vec<u64>, GatherError<Failed>>),
    All(Vec<Result<Result<u64, Failed>, Panicked>>),
}

/// `{"results": [...]}`, one value or error per item, in input order.
fn results(done: impl IntoIterator<Item = Result<u64, String>>) -> Value {
    let results: Vec<Value> = done
        .into_iter()
        .map(|result| match result {
            Ok(value) => json!({ "value": hex(value) }),
            Err(error) => json!({ "error": error }),
        })
        .collect();
    json!({ "results": results })
}
