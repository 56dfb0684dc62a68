//! The debouncer (`docs/patterns/debounce.md`): `cookbook::debounce::Debouncer` deciding on
//! given arrival times, or `cookbook::debounce::run` on the real clock, fed by a task that makes
//! each call at its time, over runs that take `runMs` and fail as `failCalls` says.

use std::num::NonZeroU64;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use cookbook::clock::{Clock, Fired};
use cookbook::debounce::{self, Debouncer};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::limiter::{self, Mode};
use super::{Benchmark, Ran, Run, gate};
use crate::validate::{FieldError, Object, Path, SAFE_INTEGER, integer};

const MAX_QUIET_MS: u64 = 60_000;
const MAX_WAIT_MS: u64 = 600_000;
const MAX_RUN_MS: u64 = 1_000;
const MAX_PER_MS: u64 = 1_000_000;
/// Live arrivals are real milliseconds: a minute at most, so that no case can hang a run.
const LIVE_MS: RangeInclusive<u64> = 0..=60_000;
const NS_PER_MS: u64 = 1_000_000;

/// Every firing over `arrivals`, in order, the last burst firing after the last call.
fn decide(
    quiet_ms: NonZeroU64,
    max_wait_ms: Option<NonZeroU64>,
    arrivals: &[u64],
) -> Vec<Fired<usize>> {
    let mut debouncer = Debouncer::new(quiet_ms, max_wait_ms);
    let mut fired: Vec<_> = arrivals
        .iter()
        .enumerate()
        .filter_map(|(call, &at)| debouncer.call(at, call))
        .collect();
    fired.extend(debouncer.end());
    fired
}

/// `maxWaitMs`, optional, from `quietMs` to 600000: a shorter cap would make the quiet period
/// meaningless.
fn max_wait_ms(
    input: &Object<'_>,
    quiet_ms: NonZeroU64,
    required: bool,
) -> Result<Option<NonZeroU64>, FieldError> {
    let range = quiet_ms.get()..=MAX_WAIT_MS;
    let max_wait = if required {
        Some(input.required_int("maxWaitMs", range)?)
    } else {
        input.maybe_int("maxWaitMs", range)?
    };
    // Never zero: it is at least `quietMs`.
    Ok(max_wait.and_then(NonZeroU64::new))
}

/// Validates `mode`, `quietMs`, `maxWaitMs`, `arrivalsMs`, then in live mode `runMs` and
/// `failCalls` (itself, then each element), and returns the run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let input = Object::new(Path::Input, input)?;
    let mode = limiter::mode(&input)?;
    let quiet_ms = input.required_positive("quietMs", MAX_QUIET_MS)?;
    let max_wait_ms = max_wait_ms(&input, quiet_ms, false)?;
    Ok(match mode {
        Mode::Decide => gate::decide(limiter::arrivals(&input, &SAFE_INTEGER)?, move |arrivals| {
            decide(quiet_ms, max_wait_ms, arrivals)
        }),
        Mode::Live => {
            let arrivals = limiter::arrivals(&input, &LIVE_MS)?;
            let run_ms = input.optional_int("runMs", 0..=MAX_RUN_MS, 0)?;
            let failing = fail_calls(&input, arrivals.len())?;
            Box::pin(live(
                Duration::from_millis(quiet_ms.get()),
                max_wait_ms.map(|ms| Duration::from_millis(ms.get())),
                arrivals,
                Duration::from_millis(run_ms),
                failing,
            ))
        }
    })
}

/// `failCalls`: indices of arrivals; answers, per arrival, whether its run fails.
fn fail_calls(input: &Object<'_>, arrivals: usize) -> Result<Vec<bool>, FieldError> {
    let path = input.path("failCalls");
    let mut failing = vec![false; arrivals];
    for (i, index) in input.optional_array("failCalls")?.iter().enumerate() {
        let index = integer(path.index(i), index, &SAFE_INTEGER)?;
        let slot = usize::try_from(index)
            .ok()
            .and_then(|index| failing.get_mut(index));
        let Some(slot) = slot else {
            return Err(FieldError::new(
                path.index(i),
                format_args!("must be the index of a call, below {arrivals}, got {index}"),
            ));
        };
        *slot = true;
    }
    Ok(failing)
}

/// A call, as the feeding task made it.
#[derive(Debug, Serialize)]
struct Arrival {
    call: usize,
    ns: u64,
}

/// A run, as it ran.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Execution {
    call: usize,
    at_ns: u64,
    start_ns: u64,
    end_ns: u64,
    outcome: &'static str,
}

/// A firing as `live` answers it.
#[derive(Debug, Serialize)]
struct Answered {
    call: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A task makes each call at its time while the debouncer decides and runs the firings; both
/// are done when this returns. The measured region starts with the debouncer's clock, so
/// every time is on the clock it decides with.
async fn live(
    quiet: Duration,
    max_wait: Option<Duration>,
    arrivals: Vec<u64>,
    run_for: Duration,
    failing: Vec<bool>,
) -> serde_json::Result<Ran> {
    let clock = Clock::start();
    let (call, calls) = mpsc::unbounded_channel();
    let feed = async move {
        let mut made = Vec::with_capacity(arrivals.len());
        for (index, at_ms) in arrivals.into_iter().enumerate() {
            clock.sleep_until(at_ms * NS_PER_MS).await;
            made.push(Arrival {
                call: index,
                ns: clock.now_ns(),
            });
            // The debouncer reads until the calls end, so the send cannot fail.
            let _ = call.send(index);
        }
        // Dropping the only sender ends the calls.
        made
    };
    let failing = Arc::new(failing);
    let run = move |fired: Fired<usize>| {
        let failing = Arc::clone(&failing);
        async move {
            let start_ns = clock.now_ns();
            tokio::time::sleep(run_for).await;
            let end_ns = clock.now_ns();
            let failed = failing.get(fired.call).copied().unwrap_or(false);
            Execution {
                call: fired.call,
                at_ns: fired.at,
                start_ns,
                end_ns,
                outcome: if failed { "failed" } else { "ok" },
            }
        }
    };
    let (made, runs) = tokio::join!(feed, debounce::run(calls, quiet, max_wait, clock, run));
    let elapsed_ns = clock.now_ns();
    let fired: Vec<Answered> = runs
        .iter()
        .map(|run| Answered {
            call: run.call,
            error: (run.outcome == "failed").then(|| format!("call {} failed", run.call)),
        })
        .collect();
    Ran::new(
        &json!({ "fired": fired }),
        &json!({ "elapsedNs": elapsed_ns, "arrivals": made, "runs": runs }),
    )
}

/// `size` arrivals, arrival `i` at `i / params.perMs` ms, debounced by `params.quietMs` and
/// `params.maxWaitMs`. Validates `quietMs`, `maxWaitMs`, `perMs`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let quiet_ms = params.required_positive("quietMs", MAX_QUIET_MS)?;
    let max_wait_ms = max_wait_ms(params, quiet_ms, true)?;
    let per_ms = params.required_positive("perMs", MAX_PER_MS)?;
    // Each burst fires after its last call, and the next burst opens later still.
    Ok(gate::bench(size, per_ms, 1, move |arrivals| {
        decide(quiet_ms, max_wait_ms, arrivals)
    }))
}

#[cfg(test)]
mod tests {
    use cookbook::work::hex;

    use super::*;
    use crate::patterns::{bench_check, build_bench};

    #[test]
    fn the_bench_answers_the_firings_and_their_times() {
        // A call a millisecond, quiet 3 ms, at most 5 ms: calls 0-4 fire 4 at 5 (the cap from
        // 0), calls 5-6 fire 6 at 9 (6 + 3).
        let params = json!({ "quietMs": 3, "maxWaitMs": 5, "perMs": 1 });
        let check = bench_check(bench, 7, &params);
        assert_eq!(
            check,
            json!({ "count": 7, "fired": 2, "digest": hex(5 + 9) })
        );
    }

    #[test]
    fn the_bench_needs_a_max_wait_of_at_least_the_quiet_period() {
        let params = json!({ "quietMs": 3, "maxWaitMs": 2, "perMs": 1 });
        let error = build_bench(bench, 5, &params)
            .err()
            .map(|error| error.field);
        assert_eq!(error.as_deref(), Some("params.maxWaitMs"));
    }
}
