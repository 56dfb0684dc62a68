//! The harness's checks of an answer, done natively: output comparison and invariants.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::spec_file::{Compare, Invariant};

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
    let fields =
        |object: &serde_json::Map<String, Value>| object.keys().cloned().collect::<Vec<_>>();
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

/// One `{id, startNs, endNs}` event.
struct Event {
    id: u64,
    start: u64,
    end: u64,
}

fn events(observed: &Value) -> Vec<Event> {
    let events = observed["events"]
        .as_array()
        .expect("observed.events is an array");
    events
        .iter()
        .map(|event| Event {
            id: event["id"].as_u64().expect("event id"),
            start: event["startNs"].as_u64().expect("event startNs"),
            end: event["endNs"].as_u64().expect("event endNs"),
        })
        .collect()
}

/// The most intervals open at one instant. An interval that ends when another starts does
/// not overlap it: the slot was handed over.
fn most_overlapping(events: &[Event]) -> u64 {
    let mut edges: Vec<(u64, bool)> = events
        .iter()
        .flat_map(|event| [(event.start, true), (event.end, false)])
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

/// Checks one invariant on an `ok` answer's `observed`.
pub(crate) fn check_invariant(case: &str, invariant: &Invariant, input: &Value, observed: &Value) {
    let events = events(observed);
    let elapsed = observed["elapsedNs"].as_u64().expect("observed.elapsedNs");
    match invariant {
        Invariant::EachJobOnce => {
            let mut want: Vec<u64> = job_field(input, "id").collect();
            let mut got: Vec<u64> = events.iter().map(|event| event.id).collect();
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{case}: each job once");
        }
        Invariant::EventsWithinElapsed => {
            for event in &events {
                assert!(
                    event.start <= event.end && event.end <= elapsed,
                    "{case}: event of job {} outside 0..={elapsed}",
                    event.id
                );
            }
        }
        Invariant::MaxInFlightAtMost { limit } => {
            let limit = limit.resolve(input);
            let reported = observed["maxInFlight"]
                .as_u64()
                .expect("observed.maxInFlight");
            assert!(
                reported <= limit,
                "{case}: maxInFlight {reported} > {limit}"
            );
            let overlapping = most_overlapping(&events);
            assert!(
                overlapping <= limit,
                "{case}: {overlapping} events overlap, limit {limit}"
            );
        }
        Invariant::MaxInFlightReached { target } => {
            let target = target.resolve(input);
            let overlapping = most_overlapping(&events);
            assert!(
                overlapping >= target,
                "{case}: at most {overlapping} in flight, target {target}"
            );
        }
        Invariant::ElapsedBelowSerial { fraction } => {
            let serial_ms: u64 = job_field(input, "sleepMs").sum();
            #[expect(clippy::cast_precision_loss, reason = "times far below 2^52 ns")]
            let (elapsed, serial) = (elapsed as f64, serial_ms as f64 * 1e6);
            assert!(
                elapsed <= fraction * serial,
                "{case}: {elapsed} ns, serial {serial} ns"
            );
        }
    }
}

/// Field `name` of every job of the input, 0 when absent.
fn job_field<'a>(input: &'a Value, name: &'a str) -> impl Iterator<Item = u64> + 'a {
    let jobs = input["jobs"].as_array().expect("input.jobs is an array");
    jobs.iter().map(move |job| job[name].as_u64().unwrap_or(0))
}
