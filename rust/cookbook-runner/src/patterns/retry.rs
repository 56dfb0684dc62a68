//! Retry with backoff (`docs/patterns/retry.md`): `cookbook::retry::Backoff` deciding on given
//! attempt times, or `cookbook::retry::retry` on the real clock, over attempts that take
//! `attemptMs` and end as `outcomes` says.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use cookbook::retry::{self, Backoff, Failure, GaveUp, Jitter, Next, Policy};
use cookbook::work::hex;
use serde::Serialize;
use serde_json::{Value, json};

use super::limiter::{self, MILLISECONDS, Mode};
use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::{Clock, Log};
use crate::validate::{FieldError, Object, Path, SAFE_INTEGER, SLEEP_MS, choice};

const MAX_BASE_MS: u64 = 60_000;
const MAX_FACTOR: u64 = 10;
const MAX_CAP_MS: u64 = 600_000;
const MAX_ATTEMPTS: u32 = 100;
const MAX_DEADLINE_MS: u64 = 600_000;

const JITTERS: &[(&str, Jitter)] = &[
    ("none", Jitter::None),
    ("full", Jitter::Full),
    ("equal", Jitter::Equal),
    ("decorrelated", Jitter::Decorrelated),
];

/// How a scripted attempt ends.
type Outcome = Result<(), Failure>;

const OUTCOMES: &[(&str, Outcome)] = &[
    ("ok", Ok(())),
    ("retryable", Err(Failure::Retryable)),
    ("fatal", Err(Failure::Fatal)),
];

struct Input {
    mode: Mode,
    policy: Policy,
    attempt_ms: u64,
    outcomes: Vec<Outcome>,
    fallback: bool,
}

/// Validates in the documented order: `mode`, `policy` (itself, `baseMs`, `factor`, `capMs`,
/// `maxAttempts`, `deadlineMs`, `jitter`, `seed`), `attemptMs`, `outcomes` (itself, then each
/// element), `fallback`.
fn validate(input: &Value) -> Result<Input, FieldError> {
    let input = Object::new(Path::Input, input)?;
    let mode = limiter::mode(&input)?;
    let policy = input.required_object("policy")?;
    let policy = Policy {
        base_ms: policy.required_int("baseMs", 0..=MAX_BASE_MS)?,
        factor: policy.required_int("factor", 1..=MAX_FACTOR)?,
        cap_ms: policy.required_int("capMs", 0..=MAX_CAP_MS)?,
        max_attempts: max_attempts(&policy)?,
        deadline_ms: policy.maybe_int("deadlineMs", 0..=MAX_DEADLINE_MS)?,
        jitter: policy.required_choice("jitter", JITTERS)?,
        seed: policy.optional_int("seed", SAFE_INTEGER, 0)?,
    };
    let attempt_ms = input.optional_int("attemptMs", SLEEP_MS, 0)?;
    let path = input.path("outcomes");
    let outcomes = input
        .required_array("outcomes")?
        .iter()
        .enumerate()
        .map(|(i, outcome)| choice(path.index(i), Some(outcome), OUTCOMES))
        .collect::<Result<_, _>>()?;
    Ok(Input {
        mode,
        policy,
        attempt_ms,
        outcomes,
        fallback: input.optional_bool("fallback", false)?,
    })
}

/// `maxAttempts`, from 1 to 100.
fn max_attempts(object: &Object<'_>) -> Result<NonZeroU32, FieldError> {
    let n = object.required_count("maxAttempts", MAX_ATTEMPTS)?;
    // Always converts: at most 100.
    Ok(NonZeroU32::try_from(n).unwrap_or(NonZeroU32::MAX))
}

/// Attempt `n`'s outcome: the script's, or success past its end.
fn outcome(outcomes: &[Outcome], n: u32) -> Outcome {
    usize::try_from(n - 1)
        .ok()
        .and_then(|i| outcomes.get(i))
        .copied()
        .unwrap_or(Ok(()))
}

/// How a call ended, as the contract names it.
fn ended(result: Result<(), GaveUp>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(GaveUp::Fatal) => "fatal",
        Err(GaveUp::Exhausted) => "exhausted",
        Err(GaveUp::Deadline) => "deadline",
    }
}

/// The `output` of a run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Answered {
    outcome: &'static str,
    attempts: u32,
    fell_back: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    starts_ms: Option<Vec<u64>>,
}

/// The schedule on given times, in milliseconds: how the call ended, and when each attempt
/// started.
fn decide(policy: Policy, attempt_ms: u64, outcomes: &[Outcome]) -> (Result<(), GaveUp>, Vec<u64>) {
    let mut backoff = Backoff::new(policy, MILLISECONDS);
    let mut starts = vec![0];
    let mut started = 0;
    loop {
        let Err(failure) = outcome(outcomes, backoff.attempts()) else {
            return (Ok(()), starts);
        };
        match backoff.after_failure(failure, started + attempt_ms) {
            Next::RetryAt(at) => {
                starts.push(at);
                started = at;
            }
            Next::GiveUp(gave_up) => return (Err(gave_up), starts),
        }
    }
}

/// Validates a case and returns its run in the mode it names.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let Input {
        mode,
        policy,
        attempt_ms,
        outcomes,
        fallback,
    } = validate(input)?;
    Ok(match mode {
        Mode::Decide => Box::pin(async move {
            let clock = Clock::start();
            let (result, starts) = decide(policy, attempt_ms, &outcomes);
            let elapsed_ns = clock.now_ns();
            let answered = Answered {
                outcome: ended(result),
                attempts: u32::try_from(starts.len()).unwrap_or(u32::MAX),
                fell_back: fallback && result.is_err(),
                starts_ms: Some(starts),
            };
            Ran::new(&answered, &json!({ "elapsedNs": elapsed_ns }))
        }),
        Mode::Live => Box::pin(live(policy, attempt_ms, outcomes, fallback)),
    })
}

/// One attempt, as the contract observes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Attempted {
    attempt: u32,
    start_ns: u64,
    end_ns: u64,
}

/// The attempts on the real clock: each sleeps `attempt_ms`, then ends as scripted.
async fn live(
    policy: Policy,
    attempt_ms: u64,
    outcomes: Vec<Outcome>,
    fallback: bool,
) -> serde_json::Result<Ran> {
    let clock = Clock::start();
    let attempts = Log::default();
    let attempt = |n| {
        let (attempts, outcomes) = (&attempts, &outcomes);
        async move {
            let start_ns = clock.now_ns();
            tokio::time::sleep(Duration::from_millis(attempt_ms)).await;
            attempts.push(Attempted {
                attempt: n,
                start_ns,
                end_ns: clock.now_ns(),
            });
            // A success answers its attempt's number, which the output reports.
            outcome(outcomes, n).map(|()| n)
        }
    };
    let result = retry::retry(policy, attempt, |failure| *failure).await;
    let elapsed_ns = clock.now_ns();
    let (result, made) = match result {
        Ok(n) => (Ok(()), n),
        Err(error) => (Err(error.gave_up), error.attempts),
    };
    let answered = Answered {
        outcome: ended(result),
        attempts: made,
        // The fallback's value replaces the error; this run only reports that it was used.
        fell_back: fallback && result.is_err(),
        starts_ms: None,
    };
    Ran::new(
        &answered,
        &json!({ "elapsedNs": elapsed_ns, "attempts": attempts.take() }),
    )
}

/// `size` schedules, schedule `i` with base 10 ms, factor 2, cap 1000 ms, `params.maxAttempts`,
/// `params.jitter`, seed `i`, instant attempts that all fail retryably, and no deadline.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let policy = Policy {
        base_ms: 10,
        factor: 2,
        cap_ms: 1_000,
        max_attempts: max_attempts(params)?,
        deadline_ms: None,
        jitter: params.required_choice("jitter", JITTERS)?,
        seed: 0,
    };
    Ok(Box::new(Bench { size, policy }))
}

struct Bench {
    size: u64,
    policy: Policy,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let attempts = usize::try_from(self.policy.max_attempts.get()).unwrap_or(usize::MAX);
            let failing = vec![Err(Failure::Retryable); attempts];
            let start = Instant::now();
            let schedules: Vec<_> = (0..self.size)
                .map(|seed| {
                    decide(
                        Policy {
                            seed,
                            ..self.policy
                        },
                        0,
                        &failing,
                    )
                })
                .collect();
            let elapsed = start.elapsed();
            let check = self_check(&schedules, self.policy.max_attempts.get())?;
            Ok(Measured {
                elapsed,
                launch: None,
                check: json!({ "count": self.size, "attempts": check.0, "digest": hex(check.1) }),
            })
        })
    }
}

/// Every schedule exhausted after exactly `max_attempts` attempts, starting at 0 and never
/// going back; answers the total of attempts and the sum of last starts, modulo 2^64.
fn self_check(
    schedules: &[(Result<(), GaveUp>, Vec<u64>)],
    max_attempts: u32,
) -> Result<(u64, u64), String> {
    let (mut attempts, mut digest) = (0_u64, 0_u64);
    for (i, (result, starts)) in schedules.iter().enumerate() {
        if *result != Err(GaveUp::Exhausted) || starts.len() as u64 != u64::from(max_attempts) {
            return Err(format!(
                "schedule {i} ended {} after {} attempts",
                ended(*result),
                starts.len()
            ));
        }
        if starts.first() != Some(&0) || !starts.is_sorted() {
            return Err(format!("schedule {i} starts {starts:?}"));
        }
        attempts += starts.len() as u64;
        digest = digest.wrapping_add(starts.last().copied().unwrap_or(0));
    }
    Ok((attempts, digest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::{bench_check, build_bench};

    #[test]
    fn the_bench_answers_the_attempts_and_the_last_starts() {
        // No jitter: every schedule starts at 0, 10, 30, 70.
        let params = json!({ "maxAttempts": 4, "jitter": "none" });
        let check = bench_check(bench, 3, &params);
        assert_eq!(
            check,
            json!({ "count": 3, "attempts": 12, "digest": hex(3 * 70) })
        );
    }

    #[test]
    fn the_bench_validates_its_params_in_order() {
        let field = |params: Value| {
            build_bench(bench, 1, &params)
                .err()
                .map(|error| error.field)
        };
        let max_attempts = field(json!({ "maxAttempts": 0, "jitter": "x" }));
        assert_eq!(max_attempts.as_deref(), Some("params.maxAttempts"));
        let jitter = field(json!({ "maxAttempts": 1, "jitter": "x" }));
        assert_eq!(jitter.as_deref(), Some("params.jitter"));
    }

    #[test]
    fn decide_counts_the_attempt_time_before_each_delay() {
        let policy = Policy {
            base_ms: 100,
            factor: 2,
            cap_ms: 10_000,
            max_attempts: NonZeroU32::new(5).expect("not zero"),
            deadline_ms: None,
            jitter: Jitter::None,
            seed: 0,
        };
        let failing = [Err(Failure::Retryable), Err(Failure::Retryable)];
        assert_eq!(decide(policy, 30, &failing), (Ok(()), vec![0, 130, 360]));
    }
}
