//! The read-heavy cache: lock intervals, single flight, a complete and linearizable history.

use std::collections::{BTreeMap, HashSet};

use cookbook::work::{hex, work};
use serde::Deserialize;

use super::{Seen, int, most_overlapping};
use crate::spec_file::Param;

const NS_PER_MS: u64 = 1_000_000;

#[derive(Debug, Clone, Deserialize)]
#[serde(
    tag = "check",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub(crate) enum CacheCheck {
    WriterExclusive,
    SingleFlight,
    Linearizable,
    OpsComplete,
    ReadersOverlap { target: Param },
    ComputesOverlap { target: Param },
    WriterNotStarved { bound_ms: u64 },
}

/// One lock taken.
struct Lock {
    client: u64,
    write: bool,
    request: u64,
    acquired: u64,
    released: u64,
}

fn locks(seen: &Seen<'_>) -> Vec<Lock> {
    seen.records("locks")
        .iter()
        .map(|lock| Lock {
            client: int(lock, "client"),
            write: match lock["mode"].as_str() {
                Some("write") => true,
                Some("read") => false,
                _ => panic!("{}: lock mode read or write in {lock}", seen.case),
            },
            request: int(lock, "requestNs"),
            acquired: int(lock, "acquiredNs"),
            released: int(lock, "releasedNs"),
        })
        .collect()
}

/// Observed computes per key.
fn computes_per_key(seen: &Seen<'_>) -> BTreeMap<u64, u64> {
    let mut counts = BTreeMap::new();
    for compute in seen.records("computes") {
        *counts.entry(int(compute, "key")).or_default() += 1;
    }
    counts
}

pub(crate) fn check(seen: &Seen<'_>, check: &CacheCheck) {
    let case = seen.case;
    match check {
        CacheCheck::WriterExclusive => {
            let locks = locks(seen);
            for (n, write) in locks.iter().enumerate().filter(|(_, lock)| lock.write) {
                for (m, other) in locks.iter().enumerate() {
                    assert!(
                        m == n
                            || other.acquired >= write.released
                            || write.acquired >= other.released,
                        "{case}: client {}'s write lock overlaps client {}'s lock",
                        write.client,
                        other.client
                    );
                }
            }
        }
        CacheCheck::SingleFlight => {
            let counts = computes_per_key(seen);
            assert!(
                counts.values().all(|&count| count == 1),
                "{case}: computes per key {counts:?}"
            );
            let reported: BTreeMap<u64, u64> = seen.output["computes"]
                .as_array()
                .expect("output.computes")
                .iter()
                .map(|entry| (int(entry, "key"), int(entry, "count")))
                .collect();
            assert_eq!(reported, counts, "{case}: output.computes");
        }
        CacheCheck::Linearizable => linearizable(seen),
        CacheCheck::OpsComplete => ops_complete(seen),
        CacheCheck::ReadersOverlap { target } => {
            let reads = locks(seen).into_iter().filter(|lock| !lock.write);
            let most = most_overlapping(reads.map(|lock| (lock.acquired, lock.released)));
            let target = target.resolve(seen.input);
            assert!(most >= target, "{case}: at most {most} readers at once");
        }
        CacheCheck::ComputesOverlap { target } => {
            let computes = seen.records("computes").iter();
            let most = most_overlapping(
                computes.map(|compute| (int(compute, "startNs"), int(compute, "endNs"))),
            );
            let target = target.resolve(seen.input);
            assert!(most >= target, "{case}: at most {most} computes at once");
        }
        CacheCheck::WriterNotStarved { bound_ms } => {
            for write in locks(seen).iter().filter(|lock| lock.write) {
                let waited = write.acquired - write.request;
                assert!(
                    waited <= bound_ms * NS_PER_MS,
                    "{case}: client {} waited {waited} ns for the write lock",
                    write.client
                );
            }
        }
    }
}

/// Every get, set and getOrCompute of every script is in the history once, as itself.
fn ops_complete(seen: &Seen<'_>) {
    let case = seen.case;
    let clients = seen.input["clients"].as_array().expect("input.clients");
    let mut want = BTreeMap::new();
    for (client, script) in (0..).zip(clients) {
        for (index, op) in (0..).zip(script.as_array().expect("a script")) {
            if op["op"] != "sleep" {
                want.insert((client, index), (op["op"].clone(), int(op, "key")));
            }
        }
    }
    let mut got = BTreeMap::new();
    for op in seen.records("ops") {
        let at = (int(op, "client"), int(op, "index"));
        let previous = got.insert(at, (op["op"].clone(), int(op, "key")));
        assert!(
            previous.is_none(),
            "{case}: op {at:?} is in the history twice"
        );
    }
    assert_eq!(
        got, want,
        "{case}: the history is every script's operations"
    );
}

/// One operation on one key, as the history holds it.
struct Op {
    kind: String,
    value: Option<String>,
    invoke: u64,
    ret: u64,
}

/// Every key's history has a serial order consistent with real time in which each read
/// returns the last value written.
fn linearizable(seen: &Seen<'_>) {
    let mut by_key: BTreeMap<u64, Vec<Op>> = BTreeMap::new();
    for op in seen.records("ops") {
        by_key.entry(int(op, "key")).or_default().push(Op {
            kind: op["op"].as_str().expect("op").to_owned(),
            value: op["value"].as_str().map(str::to_owned),
            invoke: int(op, "invokeNs"),
            ret: int(op, "returnNs"),
        });
    }
    let cost = seen.input["computeCost"].as_u64().unwrap_or(0);
    for (key, history) in &by_key {
        assert!(
            has_serial_order(history, &hex(work(*key, cost))),
            "{}: key {key}: no serial order of its {} operations explains the values read",
            seen.case,
            history.len()
        );
    }
}

/// Wing and Gong's search, memoised on (operations done, value): an operation can go next
/// only if no pending one returned before it was invoked. The state is the key's value
/// (`None`: absent); a getOrCompute on an absent key stores `computed`.
fn has_serial_order(history: &[Op], computed: &str) -> bool {
    assert!(history.len() <= 128, "a history of at most 128 operations");
    let all = u128::MAX >> (128 - history.len());
    let mut seen: HashSet<(u128, Option<String>)> = HashSet::new();
    let mut stack: Vec<(u128, Option<String>)> = vec![(0, None)];
    while let Some((done, state)) = stack.pop() {
        if done == all {
            return true;
        }
        if !seen.insert((done, state.clone())) {
            continue;
        }
        let pending = || (0..history.len()).filter(|&k| done >> k & 1 == 0);
        let horizon = pending().map(|k| history[k].ret).min().unwrap_or(u64::MAX);
        for k in pending().filter(|&k| history[k].invoke <= horizon) {
            let op = &history[k];
            let next = done | 1 << k;
            match op.kind.as_str() {
                "set" => stack.push((next, op.value.clone())),
                "get" if op.value == state => stack.push((next, state.clone())),
                "getOrCompute" => {
                    let after = state.clone().unwrap_or_else(|| computed.to_owned());
                    if op.value.as_deref() == Some(after.as_str()) {
                        stack.push((next, Some(after)));
                    }
                }
                _ => {}
            }
        }
    }
    false
}
