//! A merged stream: every item once, each source's order kept, nothing held back.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{Seen, int};

#[derive(Debug, Clone, Deserialize)]
#[serde(
    tag = "check",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub(crate) enum MergeCheck {
    MergeEachItemOnce,
    SourceOrderKept,
    MergeNotHeld { slack_ms: u64 },
}

/// `(source, index)` of each item, in the order given.
fn items(records: &[Value]) -> Vec<(u64, u64)> {
    records
        .iter()
        .map(|item| (int(item, "source"), int(item, "index")))
        .collect()
}

/// When each item is ready, in ms from the start, if its source's sleeps took no longer.
fn scheduled(input: &Value) -> BTreeMap<(u64, u64), u64> {
    let sources = input["sources"].as_array().expect("input.sources");
    let mut ready = BTreeMap::new();
    for (source, delays) in (0..).zip(sources) {
        let mut at = 0;
        for (index, delay) in (0..).zip(delays.as_array().expect("a source's delays")) {
            at += delay.as_u64().expect("a delay");
            ready.insert((source, index), at);
        }
    }
    ready
}

/// Each source's items come in their own order: 0, 1, 2, ...
fn assert_in_source_order(case: &str, what: &str, items: &[(u64, u64)]) {
    let mut next: BTreeMap<u64, u64> = BTreeMap::new();
    for &(source, index) in items {
        let due = next.entry(source).or_default();
        assert_eq!(index, *due, "{case}: {what}: source {source} out of order");
        *due += 1;
    }
}

pub(crate) fn check(seen: &Seen<'_>, check: &MergeCheck) {
    let case = seen.case;
    let received = seen.records("received");
    match check {
        MergeCheck::MergeEachItemOnce => {
            let mut got = items(received);
            got.sort_unstable();
            let want: Vec<(u64, u64)> = scheduled(seen.input).into_keys().collect();
            assert_eq!(got, want, "{case}: each item once");
        }
        MergeCheck::SourceOrderKept => {
            assert_in_source_order(case, "received", &items(received));
            let output = seen.output["items"].as_array().expect("output.items");
            assert_in_source_order(case, "output", &items(output));
        }
        MergeCheck::MergeNotHeld { slack_ms } => {
            let ready = scheduled(seen.input);
            for item in received {
                let key = (int(item, "source"), int(item, "index"));
                let at = int(item, "atNs");
                let due = ready[&key];
                assert!(
                    at <= (due + slack_ms) * 1_000_000,
                    "{case}: item {key:?} ready at {due} ms, received at {at} ns"
                );
            }
        }
    }
}
