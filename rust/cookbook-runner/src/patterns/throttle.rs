//! The throttle (`docs/patterns/throttle.md`): `cookbook::throttle::Throttle` deciding on given
//! arrival times, or `cookbook::throttle::run` on the real clock, called by concurrent callers
//! that never wait for it.

use std::num::NonZeroU64;
use std::time::Duration;

use cookbook::clock::{Clock, Fired};
use cookbook::throttle::{self, Edges, Throttle};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::limiter::{self, Mode};
use super::{Benchmark, Ran, Run, gate};
use crate::validate::{FieldError, Object, Path, SAFE_INTEGER};

const MAX_INTERVAL_MS: u64 = 60_000;
const MAX_CALLERS: u32 = 100;
const MAX_CALLS: u64 = 1_000;
const MAX_GAP_MS: u64 = 1_000;
const MAX_PER_MS: u64 = 1_000_000;

/// `trailing` after `leading`: neither edge is an error of `trailing`. `optional` gives the
/// contract's defaults (leading, not trailing); a bench names both.
fn edges(input: &Object<'_>, optional: bool) -> Result<Edges, FieldError> {
    let (leading, trailing) = if optional {
        (
            input.optional_bool("leading", true)?,
            input.optional_bool("trailing", false)?,
        )
    } else {
        (
            input.required_bool("leading")?,
            input.required_bool("trailing")?,
        )
    };
    Edges::new(leading, trailing).ok_or_else(|| {
        FieldError::new(
            input.path("trailing"),
            "must be true when leading is false, or nothing would ever fire",
        )
    })
}

/// Every firing over `arrivals`, in order, time running on after the last one.
fn decide(interval_ms: NonZeroU64, edges: Edges, arrivals: &[u64]) -> Vec<Fired<usize>> {
    let mut throttle = Throttle::new(interval_ms, edges);
    let mut fired = Vec::new();
    for (call, &at) in arrivals.iter().enumerate() {
        fired.extend(throttle.call(at, call));
    }
    fired.extend(throttle.end());
    fired
}

/// Validates `mode`, `intervalMs`, `leading`, `trailing`, then the fields of the mode
/// (`arrivalsMs`, or `callers`, `callsPerCaller`, `gapMs`), and returns the run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let input = Object::new(Path::Input, input)?;
    let mode = limiter::mode(&input)?;
    let interval_ms = input.required_positive("intervalMs", MAX_INTERVAL_MS)?;
    let edges = edges(&input, true)?;
    Ok(match mode {
        Mode::Decide => gate::decide(limiter::arrivals(&input, &SAFE_INTEGER)?, move |arrivals| {
            decide(interval_ms, edges, arrivals)
        }),
        Mode::Live => {
            let live = Live {
                interval: Duration::from_millis(interval_ms.get()),
                edges,
                callers: input.required_count("callers", MAX_CALLERS)?.get(),
                calls: input.required_int("callsPerCaller", 0..=MAX_CALLS)?,
                gap: Duration::from_millis(input.required_int("gapMs", 0..=MAX_GAP_MS)?),
            };
            Box::pin(live.run())
        }
    })
}

/// A live case: `callers` tasks each call `calls` times, `gap` apart.
struct Live {
    interval: Duration,
    edges: Edges,
    callers: usize,
    calls: u64,
    gap: Duration,
}

/// A call, as the caller made it.
#[derive(Debug, Serialize)]
struct Call {
    caller: usize,
    ns: u64,
}

/// A firing, as the throttled function saw it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Fire {
    at_ns: u64,
    start_ns: u64,
}

impl Live {
    /// The callers, the throttle and the throttled function run concurrently; all are done when
    /// this returns. The measured region starts with the throttle's clock, so every time is on
    /// the clock it decides with.
    async fn run(self) -> serde_json::Result<Ran> {
        let clock = Clock::start();
        let (call, calls) = mpsc::unbounded_channel();
        // One firing in hand at a time: the throttled function keeps up, or the throttle waits.
        let (fire, mut firings) = mpsc::channel::<Fired<usize>>(1);
        let mut callers = JoinSet::new();
        for caller in 0..self.callers {
            let (call, calls, gap) = (call.clone(), self.calls, self.gap);
            callers.spawn(async move {
                let mut made = Vec::new();
                for n in 0..calls {
                    if n > 0 {
                        tokio::time::sleep(gap).await;
                    }
                    made.push(Call {
                        caller,
                        ns: clock.now_ns(),
                    });
                    // The throttle runs until every caller is gone, so the send cannot fail.
                    let _ = call.send(caller);
                }
                made
            });
        }
        // The callers hold the only senders: the throttle's input ends when the last is done.
        drop(call);
        let throttled = async {
            let mut began = Vec::new();
            while let Some(firing) = firings.recv().await {
                began.push(Fire {
                    at_ns: firing.at,
                    start_ns: clock.now_ns(),
                });
            }
            began
        };
        let (made, (), began) = tokio::join!(
            callers.join_all(),
            throttle::run(calls, fire, self.interval, self.edges, clock),
            throttled
        );
        let elapsed_ns = clock.now_ns();
        let calls: Vec<Call> = made.into_iter().flatten().collect();
        Ran::new(
            &json!({ "calls": calls.len() }),
            &json!({ "elapsedNs": elapsed_ns, "calls": calls, "fires": began }),
        )
    }
}

/// `size` arrivals, arrival `i` at `i / params.perMs` ms, throttled by `params.intervalMs` on
/// `params.leading` and `params.trailing`. Validates `intervalMs`, `perMs`, `leading`,
/// `trailing`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let interval_ms = params.required_positive("intervalMs", MAX_INTERVAL_MS)?;
    let per_ms = params.required_positive("perMs", MAX_PER_MS)?;
    let edges = edges(params, false)?;
    Ok(gate::bench(
        size,
        per_ms,
        interval_ms.get(),
        move |arrivals| decide(interval_ms, edges, arrivals),
    ))
}

#[cfg(test)]
mod tests {
    use cookbook::work::hex;

    use super::*;
    use crate::patterns::{bench_check, build_bench};

    #[test]
    fn the_bench_answers_the_firings_and_their_times() {
        // Two calls a millisecond, an interval of 2 ms, both edges: calls 0 and 1 at 0, 2 and 3
        // at 1, 4 at 2. Fired: 0 at 0, 3 at 2 (trailing), then 4 pending at 2 fires at 4.
        let params = json!({ "intervalMs": 2, "perMs": 2, "leading": true, "trailing": true });
        let check = bench_check(bench, 5, &params);
        assert_eq!(
            check,
            json!({ "count": 5, "fired": 3, "digest": hex(2 + 4) })
        );
    }

    #[test]
    fn the_bench_needs_an_edge() {
        let params = json!({ "intervalMs": 2, "perMs": 2, "leading": false, "trailing": false });
        let error = build_bench(bench, 5, &params)
            .err()
            .map(|error| error.field);
        assert_eq!(error.as_deref(), Some("params.trailing"));
    }
}
