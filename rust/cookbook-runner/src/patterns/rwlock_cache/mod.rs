//! The read-heavy cache (`docs/patterns/rwlock-cache.md`): clients run their scripts of
//! operations together on one `cookbook::rwlock_cache::Cache`, whose probe records every lock.

mod bench;
mod watch;

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use cookbook::rwlock_cache::Cache;
use cookbook::work::{hex, work};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::task::JoinSet;

pub(super) use self::bench::bench;
use self::watch::{CLIENT, Compute, Watch};
use super::{Ran, Run};
use crate::validate::{COST, FieldError, Object, Path, SAFE_INTEGER, SLEEP_MS, array};

const MAX_CLIENTS: u32 = 1_000;
const HOLD_MS: RangeInclusive<u64> = 0..=10_000;

/// One operation of a client's script.
#[derive(Debug, Clone)]
enum Op {
    Get(u64),
    Set(u64, String),
    GetOrCompute(u64),
    Sleep(u64),
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Get,
    Set,
    GetOrCompute,
    Sleep,
}

const KINDS: &[(&str, Kind)] = &[
    ("get", Kind::Get),
    ("set", Kind::Set),
    ("getOrCompute", Kind::GetOrCompute),
    ("sleep", Kind::Sleep),
];

/// What a compute does: sleep, then the deterministic work on the key.
#[derive(Debug, Clone, Copy)]
struct ComputeCost {
    sleep: Duration,
    cost: u64,
}

struct Input {
    read_hold: Duration,
    write_hold: Duration,
    compute: ComputeCost,
    clients: Vec<Vec<Op>>,
}

/// Validates in the documented order: the settings, `clients`, then each client's operations
/// in order, each operation's fields in the order `op`, `key`, `value`, `ms`.
fn validate(input: &Value) -> Result<Input, FieldError> {
    let root = Path::Input;
    let input = Object::new(root, input)?;
    let millis = |key| {
        input
            .optional_int(key, HOLD_MS, 0)
            .map(Duration::from_millis)
    };
    let read_hold = millis("readHoldMs")?;
    let write_hold = millis("writeHoldMs")?;
    let compute = ComputeCost {
        sleep: Duration::from_millis(input.optional_int("computeMs", SLEEP_MS, 0)?),
        cost: input.optional_int("computeCost", COST, 0)?,
    };
    let scripts = input.required_array_at_most("clients", MAX_CLIENTS as usize)?;
    let path = input.path("clients");
    let clients = scripts
        .iter()
        .enumerate()
        .map(|(c, script)| {
            let script_path = path.index(c);
            array(script_path, script)?
                .iter()
                .enumerate()
                .map(|(i, op)| operation(&Object::new(script_path.index(i), op)?))
                .collect()
        })
        .collect::<Result<_, FieldError>>()?;
    Ok(Input {
        read_hold,
        write_hold,
        compute,
        clients,
    })
}

fn operation(op: &Object<'_>) -> Result<Op, FieldError> {
    let kind = op.required_choice("op", KINDS)?;
    let key = || op.required_int("key", SAFE_INTEGER);
    Ok(match kind {
        Kind::Get => Op::Get(key()?),
        Kind::Set => Op::Set(key()?, op.required_str("value")?.to_owned()),
        Kind::GetOrCompute => Op::GetOrCompute(key()?),
        Kind::Sleep => Op::Sleep(op.required_int("ms", SLEEP_MS)?),
    })
}

/// One get, set or getOrCompute as its client saw it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Done {
    client: usize,
    index: usize,
    op: &'static str,
    key: u64,
    /// The value written or returned; `None` (null) for a missing key.
    value: Option<String>,
    invoke_ns: u64,
    return_ns: u64,
}

type WatchedCache = Cache<u64, String, Watch>;

/// Runs one client's script in order; answers the operations it did.
async fn client(cache: Arc<WatchedCache>, compute: ComputeCost, script: Vec<Op>) -> Vec<Done> {
    let clock = cache.probe().clock;
    let mut done = Vec::with_capacity(script.len());
    for (index, op) in script.into_iter().enumerate() {
        let invoke_ns = clock.now_ns();
        let (name, key, value) = match op {
            Op::Sleep(ms) => {
                if ms > 0 {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                continue;
            }
            Op::Get(key) => ("get", key, cache.get(&key).await),
            Op::Set(key, value) => {
                cache.set(key, value.clone()).await;
                ("set", key, Some(value))
            }
            Op::GetOrCompute(key) => {
                let value = cache
                    .get_or_compute(key, || computed(&cache, compute, key))
                    .await;
                ("getOrCompute", key, Some(value))
            }
        };
        done.push(Done {
            client: CLIENT.get(),
            index,
            op: name,
            key,
            value,
            invoke_ns,
            return_ns: clock.now_ns(),
        });
    }
    done
}

/// Computes `key`'s value and records the compute.
async fn computed(cache: &WatchedCache, compute: ComputeCost, key: u64) -> String {
    let watch = cache.probe();
    let start_ns = watch.clock.now_ns();
    if !compute.sleep.is_zero() {
        tokio::time::sleep(compute.sleep).await;
    }
    let value = hex(work(key, compute.cost));
    let end_ns = watch.clock.now_ns();
    watch.computes.push(Compute {
        key,
        start_ns,
        end_ns,
    });
    value
}

/// Validates a case and returns its observed run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        read_hold,
        write_hold,
        compute,
        clients,
    } = validate(input)?;
    Ok(Box::pin(async move {
        let cache = Arc::new(Cache::with_probe(Watch::start(read_hold, write_hold)));
        let clock = cache.probe().clock;
        // All clients start together, each in its own task.
        let mut tasks = JoinSet::new();
        for (c, script) in clients.into_iter().enumerate() {
            tasks.spawn(CLIENT.scope(c, client(Arc::clone(&cache), compute, script)));
        }
        let ops: Vec<Done> = tasks.join_all().await.into_iter().flatten().collect();
        let elapsed_ns = clock.now_ns();
        let watch = cache.probe();
        let (locks, computes) = (watch.locks.take(), watch.computes.take());
        // Every client task has ended and dropped its handle, so this one is the last.
        let entries = Arc::into_inner(cache).map(Cache::into_entries);
        let entries: Vec<Value> = entries
            .into_iter()
            .flatten()
            .map(|(key, value)| json!({ "key": key, "value": value }))
            .collect();
        Ran::new(
            &json!({ "final": entries, "computes": counts(&computes) }),
            &json!({
                "elapsedNs": elapsed_ns,
                "locks": locks,
                "computes": computes,
                "ops": ops,
            }),
        )
    }))
}

/// How many computes ran per computed key.
fn counts(computes: &[Compute]) -> Vec<Value> {
    let mut counts: BTreeMap<u64, u64> = BTreeMap::new();
    for compute in computes {
        *counts.entry(compute.key).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(key, count)| json!({ "key": key, "count": count }))
        .collect()
}
