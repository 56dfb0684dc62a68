//! What the throttle's and the debouncer's runners share: deciding on given arrival times, and
//! the benchmark over arrivals `i / perMs`. Each gate only reads its own parameters and feeds
//! its own core.

use std::num::NonZeroU64;
use std::time::Instant;

use cookbook::clock::{Clock, Fired};
use cookbook::work::hex;
use serde::Serialize;
use serde_json::json;

use super::{Benchmark, BoxFuture, Measured, Ran, Run};

/// The firings of a gate over arrival times in ms: which call (its index), and when.
pub(super) trait Rules: Fn(&[u64]) -> Vec<Fired<usize>> + Send + Sync + 'static {}

impl<F: Fn(&[u64]) -> Vec<Fired<usize>> + Send + Sync + 'static> Rules for F {}

/// A firing as `decide` answers it: the index of the call, and when it fired.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Decided {
    call: usize,
    at_ms: u64,
}

/// The run of a decide case: every firing over `arrivals`. Only the decisions are measured.
pub(super) fn decide(arrivals: Vec<u64>, rules: impl Rules) -> Run {
    Box::pin(async move {
        let clock = Clock::start();
        let fired = rules(&arrivals);
        let elapsed_ns = clock.now_ns();
        let fired: Vec<Decided> = fired
            .into_iter()
            .map(|fired| Decided {
                call: fired.call,
                at_ms: fired.at,
            })
            .collect();
        Ran::new(
            &json!({ "fired": fired }),
            &json!({ "elapsedNs": elapsed_ns }),
        )
    })
}

/// `size` arrivals, arrival `i` at `i / per_ms` ms, decided by `rules`, whose firings must come
/// in call order and at least `spacing` ms apart.
pub(super) fn bench(
    size: u64,
    per_ms: NonZeroU64,
    spacing: u64,
    rules: impl Rules,
) -> Box<dyn Benchmark> {
    Box::new(Bench {
        size,
        arrivals: (0..size).map(|i| i / per_ms).collect(),
        spacing,
        rules,
    })
}

struct Bench<R> {
    size: u64,
    arrivals: Vec<u64>,
    spacing: u64,
    rules: R,
}

impl<R: Rules> Benchmark for Bench<R> {
    fn measure(&self) -> BoxFuture<'_, Result<Measured, String>> {
        Box::pin(async move {
            let start = Instant::now();
            let fired = (self.rules)(&self.arrivals);
            let elapsed = start.elapsed();
            let digest = self.self_check(&fired)?;
            Ok(Measured {
                elapsed,
                launch: None,
                check: json!({ "count": self.size, "fired": fired.len(), "digest": hex(digest) }),
            })
        })
    }
}

impl<R> Bench<R> {
    /// Firings of calls in order, `spacing` apart or more; answers the sum of their times,
    /// modulo 2^64.
    fn self_check(&self, fired: &[Fired<usize>]) -> Result<u64, String> {
        for pair in fired.windows(2) {
            if pair[1].call <= pair[0].call || pair[1].at < pair[0].at + self.spacing {
                return Err(format!("{:?} fired after {:?}", pair[1], pair[0]));
            }
        }
        Ok(fired
            .iter()
            .fold(0_u64, |digest, fired| digest.wrapping_add(fired.at)))
    }
}
