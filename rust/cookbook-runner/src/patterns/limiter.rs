//! What the two rate limiters' runners share (`docs/snippets/limiter-modes.md`): the `mode`,
//! deciding on given arrival times, the live run of callers through one
//! `cookbook::limiter::Limiter`, and the benchmark. Each limiter only reads its own parameters
//! and builds its policy.

use std::num::NonZeroU64;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Instant;

use cookbook::limiter::{Decision, Limiter, Policy};
use serde::{Serialize, Serializer};
use serde_json::json;
use tokio::task::JoinSet;

use super::{Benchmark, BoxFuture, Measured, Ran, Run};
use crate::observe::Clock;
use crate::validate::{FieldError, Object, SAFE_INTEGER, integer, not_before};

/// Decisions on given times count in milliseconds.
pub(super) const MILLISECONDS: NonZeroU64 = NonZeroU64::MIN;
/// The live clock counts in nanoseconds.
const NANOSECONDS_PER_MS: NonZeroU64 = NonZeroU64::new(1_000_000).expect("not zero");

const MAX_CALLERS: u32 = 1_000;
const MAX_REQUESTS: u64 = 10_000;

/// Time as data, or the real clock.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mode {
    Decide,
    Live,
}

/// Reads `mode`, the first field of a limiter's input.
pub(super) fn mode(input: &Object<'_>) -> Result<Mode, FieldError> {
    input.required_choice("mode", &[("decide", Mode::Decide), ("live", Mode::Live)])
}

/// Validates the fields of `mode` (`arrivalsMs`, or `callers` then `requestsPerCaller`),
/// which come after the limiter's own, and returns the run. `policy` builds the limiter's
/// core for a number of ticks per millisecond.
pub(super) fn run<P>(
    mode: Mode,
    input: &Object<'_>,
    policy: impl FnOnce(NonZeroU64) -> P,
) -> Result<Run, FieldError>
where
    P: Policy + Send + 'static,
{
    Ok(match mode {
        Mode::Decide => {
            let arrivals = arrivals(input, &SAFE_INTEGER)?;
            let policy = policy(MILLISECONDS);
            Box::pin(async move { decide(policy, &arrivals) })
        }
        Mode::Live => {
            let callers = input.required_count("callers", MAX_CALLERS)?.get();
            let requests = input.required_int("requestsPerCaller", 0..=MAX_REQUESTS)?;
            let limiter = policy(NANOSECONDS_PER_MS);
            Box::pin(live(limiter, callers, requests))
        }
    })
}

/// `arrivalsMs`: integers within `times`, none before the one it follows. Shared with the
/// throttle and the debouncer, which read their arrivals the same way.
pub(super) fn arrivals(
    input: &Object<'_>,
    times: &RangeInclusive<u64>,
) -> Result<Vec<u64>, FieldError> {
    let path = input.path("arrivalsMs");
    let mut previous = 0;
    let mut arrivals = Vec::new();
    for (i, value) in input.required_array("arrivalsMs")?.iter().enumerate() {
        let at = not_before(
            path.index(i),
            previous,
            integer(path.index(i), value, times)?,
        )?;
        previous = at;
        arrivals.push(at);
    }
    Ok(arrivals)
}

/// Decides on every arrival. Only the decisions are measured: they go into a plain `Vec`, and
/// their JSON is written after the region ends.
fn decide(mut policy: impl Policy, arrivals: &[u64]) -> serde_json::Result<Ran> {
    let clock = Clock::start();
    let decisions: Vec<Decision> = arrivals.iter().map(|&at| policy.decide(at)).collect();
    let elapsed_ns = clock.now_ns();
    Ran::new(
        &Decided {
            decisions: Decisions(&decisions),
        },
        &json!({ "elapsedNs": elapsed_ns }),
    )
}

/// The `output` of a decide run.
#[derive(Serialize)]
struct Decided<'a> {
    decisions: Decisions<'a>,
}

/// Decisions as the contract writes them: `{"admit": true}` or
/// `{"admit": false, "waitMs": 3}`.
struct Decisions<'a>(&'a [Decision]);

impl Serialize for Decisions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Answered {
            admit: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            wait_ms: Option<u64>,
        }
        serializer.collect_seq(self.0.iter().map(|decision| match *decision {
            Decision::Admit => Answered {
                admit: true,
                wait_ms: None,
            },
            Decision::Deny { wait } => Answered {
                admit: false,
                wait_ms: Some(wait),
            },
        }))
    }
}

/// One acquire, as the contract observes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Acquired {
    caller: usize,
    request_ns: u64,
    at_ns: u64,
    woke_ns: u64,
}

/// `callers` tasks each acquire `requests` times, back to back, through one limiter. The
/// measured region starts with the limiter's clock, so every time is on the clock it decides
/// with.
async fn live(
    policy: impl Policy + Send + 'static,
    callers: usize,
    requests: u64,
) -> serde_json::Result<Ran> {
    let limiter = Arc::new(Limiter::new(policy));
    let mut tasks = JoinSet::new();
    for caller in 0..callers {
        let limiter = Arc::clone(&limiter);
        tasks.spawn(async move {
            let mut acquired = Vec::new();
            for _ in 0..requests {
                let admission = limiter.acquire().await;
                acquired.push(Acquired {
                    caller,
                    request_ns: admission.requested_ns,
                    at_ns: admission.at_ns,
                    woke_ns: admission.woke_ns,
                });
            }
            acquired
        });
    }
    let admissions: Vec<Acquired> = tasks.join_all().await.into_iter().flatten().collect();
    let elapsed_ns = limiter.now_ns();
    Ran::new(
        &json!({ "admitted": admissions.len() }),
        &LiveObserved {
            elapsed_ns,
            admissions,
        },
    )
}

/// The `observed` field of a live run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LiveObserved {
    elapsed_ns: u64,
    admissions: Vec<Acquired>,
}

/// `size` decisions on arrivals `0, 1, 2, ...` ms. A fresh limiter admits at least
/// `admits_first` requests before it refuses one (its burst, or its limit), which the
/// benchmark checks.
pub(super) fn bench<P>(size: u64, policy: P, admits_first: u64) -> Box<dyn Benchmark>
where
    P: Policy + Clone + Send + Sync + 'static,
{
    Box::new(Bench {
        size,
        policy,
        admits_first,
    })
}

struct Bench<P> {
    size: u64,
    policy: P,
    admits_first: u64,
}

impl<P: Policy + Clone + Send + Sync> Benchmark for Bench<P> {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let mut policy = self.policy.clone();
            let start = Instant::now();
            let admitted = (0..self.size)
                .filter(|&at| policy.decide(at) == Decision::Admit)
                .count();
            let elapsed = start.elapsed();
            let admitted = u64::try_from(admitted).unwrap_or(u64::MAX);
            let least = self.admits_first.min(self.size);
            if admitted < least {
                return Err(format!(
                    "{admitted} admitted, but a fresh limiter admits the first {least}"
                ));
            }
            Ok(Measured {
                elapsed,
                launch: None,
                check: json!({ "count": self.size, "admitted": admitted }),
            })
        })
    }
}
