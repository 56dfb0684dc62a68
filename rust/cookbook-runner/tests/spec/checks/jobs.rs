//! Jobs run under a bound: the worker pool's jobs and scatter-gather's calls.

use serde::Deserialize;
use serde_json::Value;

use super::{Seen, int, most_overlapping};
use crate::spec_file::Param;

const NS_PER_MS: u64 = 1_000_000;

#[derive(Debug, Clone, Deserialize)]
#[serde(
    tag = "check",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub(crate) enum JobCheck {
    EachJobOnce,
    EventsWithinElapsed,
    MaxInFlightAtMost { limit: Param },
    MaxInFlightReached { target: Param },
    ElapsedBelowSerial { fraction: f64 },
    NothingRunningAfter,
    CancelledPromptly { slack_ms: u64 },
}

/// One `{id, startNs, endNs}` event.
struct Event {
    id: u64,
    start: u64,
    end: u64,
}

fn events(seen: &Seen<'_>) -> Vec<Event> {
    seen.records("events")
        .iter()
        .map(|event| Event {
            id: int(event, "id"),
            start: int(event, "startNs"),
            end: int(event, "endNs"),
        })
        .collect()
}

fn overlapping(events: &[Event]) -> u64 {
    most_overlapping(events.iter().map(|event| (event.start, event.end)))
}

/// The jobs of the input: a worker pool's `jobs` carry ids, scatter-gather's `items` are
/// known by their index.
fn jobs(input: &Value) -> impl Iterator<Item = (u64, &Value)> {
    let (jobs, by_id) = match input.get("jobs") {
        Some(jobs) => (jobs, true),
        None => (&input["items"], false),
    };
    let jobs = jobs
        .as_array()
        .expect("input.jobs or input.items is an array");
    (0..)
        .zip(jobs)
        .map(move |(index, job)| (if by_id { int(job, "id") } else { index }, job))
}

pub(crate) fn check(seen: &Seen<'_>, check: &JobCheck) {
    let (case, input) = (seen.case, seen.input);
    match check {
        JobCheck::EachJobOnce => {
            let mut want: Vec<u64> = jobs(input).map(|(id, _)| id).collect();
            let mut got: Vec<u64> = events(seen).iter().map(|event| event.id).collect();
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{case}: each job once");
        }
        JobCheck::EventsWithinElapsed => {
            let elapsed = seen.observed_u64("elapsedNs");
            for event in events(seen) {
                assert!(
                    event.start <= event.end && event.end <= elapsed,
                    "{case}: event of job {} outside 0..={elapsed}",
                    event.id
                );
            }
        }
        JobCheck::MaxInFlightAtMost { limit } => {
            let limit = limit.resolve(input);
            let reported = seen.observed_u64("maxInFlight");
            assert!(
                reported <= limit,
                "{case}: maxInFlight {reported} > {limit}"
            );
            let overlapping = overlapping(&events(seen));
            assert!(
                overlapping <= limit,
                "{case}: {overlapping} events overlap, limit {limit}"
            );
        }
        JobCheck::MaxInFlightReached { target } => {
            let target = target.resolve(input);
            let overlapping = overlapping(&events(seen));
            assert!(
                overlapping >= target,
                "{case}: at most {overlapping} in flight, target {target}"
            );
        }
        JobCheck::ElapsedBelowSerial { fraction } => {
            let serial_ms: u64 = jobs(input).map(|(_, job)| sleep_ms(job)).sum();
            #[expect(clippy::cast_precision_loss, reason = "times far below 2^52 ns")]
            let (elapsed, serial) = (
                seen.observed_u64("elapsedNs") as f64,
                serial_ms as f64 * 1e6,
            );
            assert!(
                elapsed <= fraction * serial,
                "{case}: {elapsed} ns, serial {serial} ns"
            );
        }
        JobCheck::NothingRunningAfter => {
            let running = seen.observed_u64("runningAfter");
            assert_eq!(running, 0, "{case}: calls still running after the gather");
        }
        JobCheck::CancelledPromptly { slack_ms } => cancelled_promptly(seen, *slack_ms),
    }
}

fn sleep_ms(job: &Value) -> u64 {
    job["sleepMs"].as_u64().unwrap_or(0)
}

/// After the first failing item ended, every call ends, none starts, and the gather returns,
/// within `slack_ms`.
fn cancelled_promptly(seen: &Seen<'_>, slack_ms: u64) {
    let case = seen.case;
    let failing = jobs(seen.input)
        .find(|(_, item)| item["fail"] == true)
        .map(|(index, _)| index)
        .expect("a failing item");
    let events = events(seen);
    let failed = events
        .iter()
        .find(|event| event.id == failing)
        .unwrap_or_else(|| panic!("{case}: an event for the failing item {failing}"));
    let deadline = failed.end + slack_ms * NS_PER_MS;
    for event in &events {
        assert!(
            event.start <= deadline && event.end <= deadline,
            "{case}: item {} ran over [{}, {}] ns, past {deadline} ns",
            event.id,
            event.start,
            event.end
        );
    }
    let elapsed = seen.observed_u64("elapsedNs");
    assert!(
        elapsed <= deadline,
        "{case}: the gather returned at {elapsed} ns, past {deadline} ns"
    );
}
