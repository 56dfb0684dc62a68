//! The circuit breaker (`docs/patterns/circuit-breaker.md`): `cookbook::circuit_breaker::Breaker`
//! deciding on given call times, or `cookbook::circuit_breaker::CircuitBreaker` on the real
//! clock, called by concurrent callers whose calls take `runMs` and end as scripted.

use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cookbook::circuit_breaker::{Breaker, Change, CircuitBreaker, Settings, State};
use cookbook::clock::Clock;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::limiter::{self, Mode};
use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::Log;
use crate::validate::{FieldError, Object, Path, SAFE_INTEGER, array, not_before};

const MAX_THRESHOLD: u32 = 1_000;
const MAX_WINDOW_MS: u64 = 600_000;
const MAX_OPEN_MS: u64 = 600_000;
const MAX_PROBES: u32 = 1_000;
const MAX_CALLERS: usize = 100;
const MAX_STEP_MS: u64 = 1_000;
const NS_PER_MS: NonZeroU64 = NonZeroU64::new(1_000_000).expect("not zero");

/// A call ends as it is scripted to, if it runs: `true` for a success.
const OUTCOMES: &[(&str, bool)] = &[("ok", true), ("fail", false)];

/// A breaker's parameters, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Breaking {
    failure_threshold: NonZeroUsize,
    window_ms: NonZeroU64,
    open_ms: NonZeroU64,
    half_open_probes: NonZeroUsize,
}

impl Breaking {
    /// Validates `failureThreshold`, `windowMs`, `openMs`, `halfOpenProbes`.
    fn read(input: &Object<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            failure_threshold: input.required_count("failureThreshold", MAX_THRESHOLD)?,
            window_ms: input.required_positive("windowMs", MAX_WINDOW_MS)?,
            open_ms: input.required_positive("openMs", MAX_OPEN_MS)?,
            half_open_probes: input.required_count("halfOpenProbes", MAX_PROBES)?,
        })
    }

    /// The settings on a clock of `ticks_per_ms` ticks per millisecond.
    fn settings(self, ticks_per_ms: NonZeroU64) -> Settings {
        Settings {
            failure_threshold: self.failure_threshold,
            window: self.window_ms.saturating_mul(ticks_per_ms),
            open_for: self.open_ms.saturating_mul(ticks_per_ms),
            half_open_probes: self.half_open_probes,
        }
    }
}

fn state(state: State) -> &'static str {
    match state {
        State::Closed => "closed",
        State::Open => "open",
        State::HalfOpen => "half-open",
    }
}

/// Validates `mode`, the breaker, then the fields of the mode, and returns the run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let input = Object::new(Path::Input, input)?;
    let mode = limiter::mode(&input)?;
    let breaking = Breaking::read(&input)?;
    Ok(match mode {
        Mode::Decide => {
            let calls = calls(&input)?;
            let settings = breaking.settings(limiter::MILLISECONDS);
            Box::pin(async move {
                let clock = crate::observe::Clock::start();
                let (decisions, changes) = decide(settings, &calls);
                let elapsed_ns = clock.now_ns();
                let decisions: Vec<&str> = decisions
                    .into_iter()
                    .map(|ran| if ran { "ran" } else { "rejected" })
                    .collect();
                let changes: Vec<Value> = changes
                    .into_iter()
                    .map(|change| json!({ "atMs": change.at, "to": state(change.to) }))
                    .collect();
                Ran::new(
                    &json!({ "decisions": decisions, "changes": changes }),
                    &json!({ "elapsedNs": elapsed_ns }),
                )
            })
        }
        Mode::Live => {
            let callers = callers(&input)?;
            Box::pin(live(breaking.settings(NS_PER_MS), callers))
        }
    })
}

/// `calls`: each an object (itself, `atMs`, a decreasing `atMs`, `outcome`); answers each
/// call's time and whether it succeeds if it runs.
fn calls(input: &Object<'_>) -> Result<Vec<(u64, bool)>, FieldError> {
    let path = input.path("calls");
    let mut calls: Vec<(u64, bool)> = Vec::new();
    for (i, call) in input.required_array("calls")?.iter().enumerate() {
        let call = Object::new(path.index(i), call)?;
        let previous = calls.last().map_or(0, |&(at, _)| at);
        let at = call.required_int("atMs", SAFE_INTEGER)?;
        let at = not_before(call.path("atMs"), previous, at)?;
        calls.push((at, call.required_choice("outcome", OUTCOMES)?));
    }
    Ok(calls)
}

/// Decides every call, in order: whether it ran, and the changes of state.
fn decide(settings: Settings, calls: &[(u64, bool)]) -> (Vec<bool>, Vec<Change>) {
    let mut changes = Vec::new();
    let mut breaker = Breaker::new(settings, |change| changes.push(change));
    let decisions = calls
        .iter()
        .map(|&(at, succeeds)| match breaker.admit(at) {
            // Calls are instantaneous: each ends, and is counted, where it began.
            Some(permit) => {
                breaker.record(permit, at, succeeds);
                true
            }
            None => false,
        })
        .collect();
    (decisions, changes)
}

/// One scripted call of a live caller.
#[derive(Debug, Clone, Copy)]
struct Step {
    succeeds: bool,
    run: Duration,
    gap: Duration,
}

/// `callers`: 1 to 100 arrays, each of objects (itself, `outcome`, `runMs`, `gapMs`).
fn callers(input: &Object<'_>) -> Result<Vec<Vec<Step>>, FieldError> {
    let path = input.path("callers");
    let listed = input.required_array_of("callers", 1..=MAX_CALLERS)?;
    let mut callers = Vec::with_capacity(listed.len());
    for (i, steps) in listed.iter().enumerate() {
        let caller = path.index(i);
        let mut script = Vec::new();
        for (j, step) in array(caller, steps)?.iter().enumerate() {
            let step = Object::new(caller.index(j), step)?;
            script.push(Step {
                succeeds: step.required_choice("outcome", OUTCOMES)?,
                run: Duration::from_millis(step.required_int("runMs", 0..=MAX_STEP_MS)?),
                gap: Duration::from_millis(step.required_int("gapMs", 0..=MAX_STEP_MS)?),
            });
        }
        callers.push(script);
    }
    Ok(callers)
}

/// A live call, as its caller saw it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Call {
    caller: usize,
    index: usize,
    decided_ns: u64,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_ns: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_ns: Option<u64>,
}

/// A change of state, on the breaker's clock.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Changed {
    at_ns: u64,
    to: &'static str,
}

/// Each caller makes its calls through one breaker: waits its gap, then calls. The measured
/// region starts with the breaker's clock, so every time is on the clock it decides with.
async fn live(settings: Settings, callers: Vec<Vec<Step>>) -> serde_json::Result<Ran> {
    let clock = Clock::start();
    let changes = Arc::new(Log::default());
    let breaker = {
        let changes = Arc::clone(&changes);
        Arc::new(CircuitBreaker::new(
            settings,
            clock,
            move |change: Change| {
                changes.push(Changed {
                    at_ns: change.at,
                    to: state(change.to),
                });
            },
        ))
    };
    let mut tasks = JoinSet::new();
    for (caller, script) in callers.into_iter().enumerate() {
        let breaker = Arc::clone(&breaker);
        tasks.spawn(async move {
            let mut calls = Vec::with_capacity(script.len());
            for (index, step) in script.into_iter().enumerate() {
                tokio::time::sleep(step.gap).await;
                let call = match breaker.try_acquire() {
                    Ok(admitted) => {
                        let decided_ns = admitted.decided_ns();
                        let start_ns = clock.now_ns();
                        tokio::time::sleep(step.run).await;
                        // Taken before the outcome gives the probe's place back.
                        let end_ns = clock.now_ns();
                        admitted.finish(step.succeeds);
                        Call {
                            caller,
                            index,
                            decided_ns,
                            decision: "ran",
                            start_ns: Some(start_ns),
                            end_ns: Some(end_ns),
                        }
                    }
                    Err(rejected) => Call {
                        caller,
                        index,
                        decided_ns: rejected.at_ns,
                        decision: "rejected",
                        start_ns: None,
                        end_ns: None,
                    },
                };
                calls.push(call);
            }
            calls
        });
    }
    let calls: Vec<Call> = tasks.join_all().await.into_iter().flatten().collect();
    let elapsed_ns = clock.now_ns();
    Ran::new(
        &json!({ "calls": calls.len() }),
        &json!({ "elapsedNs": elapsed_ns, "calls": calls, "changes": changes.take() }),
    )
}

/// `size` calls, call `i` at `i` ms, failing when `i mod 10 < 3`, with the breaker of
/// `params`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let settings = Breaking::read(params)?.settings(limiter::MILLISECONDS);
    let calls = (0..size).map(|i| (i, i % 10 >= 3)).collect();
    Ok(Box::new(Bench { settings, calls }))
}

struct Bench {
    settings: Settings,
    calls: Vec<(u64, bool)>,
}

impl Benchmark for Bench {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let start = Instant::now();
            let (decisions, changes) = decide(self.settings, &self.calls);
            let elapsed = start.elapsed();
            self_check(&changes, self.settings.open_for.get())?;
            let ran = decisions.iter().filter(|&&ran| ran).count();
            Ok(Measured {
                elapsed,
                launch: None,
                check: json!({ "count": self.calls.len(), "ran": ran, "changes": changes.len() }),
            })
        })
    }
}

/// The changes go closed, open, half-open, then open or closed, in time order, and each open
/// period lasts at least `open_for`.
fn self_check(changes: &[Change], open_for: u64) -> Result<(), String> {
    let mut from = Change {
        at: 0,
        to: State::Closed,
    };
    for &change in changes {
        let allowed = match from.to {
            State::Closed => change.to == State::Open,
            State::Open => change.to == State::HalfOpen && change.at >= from.at + open_for,
            State::HalfOpen => change.to != State::HalfOpen,
        };
        if !allowed || change.at < from.at {
            return Err(format!("{change:?} after {from:?}"));
        }
        from = change;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::bench_check;

    #[test]
    fn the_bench_answers_the_calls_that_ran_and_the_changes() {
        // Threshold 3 in 50 ms, open 5 ms, 2 probes: each ten calls, the first three fail and
        // open it (at 2, 12, 22); 3-6 are rejected; it is half-open at 7, and 7 and 8 close it.
        let params = json!({
            "failureThreshold": 3, "windowMs": 50, "openMs": 5, "halfOpenProbes": 2
        });
        let check = bench_check(bench, 30, &params);
        assert_eq!(
            check,
            json!({ "count": 30, "ran": 30 - 3 * 4, "changes": 9 })
        );
    }
}
