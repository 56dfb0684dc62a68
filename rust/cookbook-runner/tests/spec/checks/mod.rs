//! The harness's checks of an answer, done natively: output comparison, and the invariants,
//! one module per family as in the harness (`cookbook_harness/checks/`).

pub(crate) mod cache;
pub(crate) mod jobs;
pub(crate) mod limiters;
pub(crate) mod merge;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::spec_file::{Compare, Invariant};

/// What one check looks at: the case, and the answer's output and observations.
pub(crate) struct Seen<'a> {
    pub(crate) case: &'a str,
    pub(crate) input: &'a Value,
    pub(crate) output: &'a Value,
    pub(crate) observed: &'a Value,
}

impl Seen<'_> {
    /// A non-negative integer field of `observed`.
    pub(crate) fn observed_u64(&self, field: &str) -> u64 {
        let case = self.case;
        self.observed[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{case}: observed.{field} is a non-negative integer"))
    }

    /// An array field of `observed`.
    pub(crate) fn records(&self, field: &str) -> &[Value] {
        let case = self.case;
        self.observed[field]
            .as_array()
            .unwrap_or_else(|| panic!("{case}: observed.{field} is an array"))
    }
}

/// Field `field` of a record, an integer.
pub(crate) fn int(record: &Value, field: &str) -> u64 {
    record[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} is an integer in {record}"))
}

/// Checks one invariant of the case on the answer.
pub(crate) fn check_invariant(seen: &Seen<'_>, invariant: &Invariant) {
    match invariant {
        Invariant::Jobs(check) => jobs::check(seen, check),
        Invariant::Merge(check) => merge::check(seen, check),
        Invariant::Cache(check) => cache::check(seen, check),
        Invariant::Limiter(check) => limiters::check(seen, check),
    }
}

/// The most intervals open at one instant. Intervals are half-open: one that ends when
/// another starts does not overlap it, because the slot was handed over.
pub(crate) fn most_overlapping(intervals: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut edges: Vec<(u64, bool)> = intervals
        .into_iter()
        .flat_map(|(start, end)| [(start, true), (end, false)])
        .collect();
    // At equal times ends (false) sort before starts (true).
    edges.sort_unstable();
    let (mut open, mut most) = (0, 0);
    for (_, starts) in edges {
        if starts {
            open += 1;
            most = most.max(open);
        } else {
            open -= 1;
        }
    }
    most
}

/// Compares `actual` with `expected`, each top-level field by its `compare` mode.
pub(crate) fn compare_output(
    case: &str,
    actual: &Value,
    expected: &Value,
    modes: &BTreeMap<String, Compare>,
) {
    let (Some(actual), Some(expected)) = (actual.as_object(), expected.as_object()) else {
        panic!("{case}: outputs are objects");
    };
    let fields = |object: &Map<String, Value>| object.keys().cloned().collect::<Vec<_>>();
    assert_eq!(fields(actual), fields(expected), "{case}: output fields");
    for (field, want) in expected {
        let got = &actual[field];
        match modes.get(field).copied().unwrap_or(Compare::Exact) {
            Compare::Exact => assert_eq!(got, want, "{case}: {field}"),
            Compare::Multiset => {
                assert_eq!(sorted(got, false), sorted(want, false), "{case}: {field}");
            }
            Compare::Set => assert_eq!(sorted(got, true), sorted(want, true), "{case}: {field}"),
        }
    }
}

/// An array's elements as sorted JSON texts, optionally without duplicates.
fn sorted(array: &Value, dedup: bool) -> Vec<String> {
    let items = array.as_array().expect("a compared field is an array");
    let mut texts: Vec<String> = items.iter().map(Value::to_string).collect();
    texts.sort();
    if dedup {
        texts.dedup();
    }
    texts
}
