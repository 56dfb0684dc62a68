//! Live rate limiters: the reserved admissions never exceed the limiter's parameters (exact,
//! in integers), and callers get through at close to the configured rate.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Seen, int};

const NS_PER_MS: u64 = 1_000_000;

#[derive(Debug, Clone, Deserialize)]
#[serde(
    tag = "check",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub(crate) enum LimiterCheck {
    TokenBucketNeverExceeded,
    WindowNeverExceeded,
    WokeAfterAdmission,
    ThroughputNearRate { fraction: f64, slack_ms: u64 },
    NoCallerStarves { bound_ms: u64 },
}

/// One acquire.
struct Admission {
    caller: u64,
    request: u64,
    at: u64,
    woke: u64,
}

/// The admissions, in the order of their admission times.
fn admissions(seen: &Seen<'_>) -> Vec<Admission> {
    let mut admissions: Vec<Admission> = seen
        .records("admissions")
        .iter()
        .map(|a| Admission {
            caller: int(a, "caller"),
            request: int(a, "requestNs"),
            at: int(a, "atNs"),
            woke: int(a, "wokeNs"),
        })
        .collect();
    admissions.sort_by_key(|a| a.at);
    admissions
}

fn input(seen: &Seen<'_>, path: &[&str]) -> u64 {
    let value = path.iter().fold(seen.input, |value, key| &value[*key]);
    value.as_u64().expect("a number in the input")
}

/// The shortest run the parameters allow for every caller's every request.
fn ideal_ns(seen: &Seen<'_>) -> u64 {
    let n = input(seen, &["callers"]) * input(seen, &["requestsPerCaller"]);
    if seen.input.get("refill").is_some() {
        let tokens = input(seen, &["refill", "tokens"]);
        let cost = input(seen, &["refill", "everyMs"]) * NS_PER_MS;
        (n.saturating_sub(input(seen, &["burst"])) * cost).div_ceil(tokens)
    } else {
        let window = input(seen, &["windowMs"]) * NS_PER_MS;
        n.div_ceil(input(seen, &["limit"])).saturating_sub(1) * window
    }
}

pub(crate) fn check(seen: &Seen<'_>, check: &LimiterCheck) {
    let case = seen.case;
    let admissions = admissions(seen);
    match check {
        LimiterCheck::TokenBucketNeverExceeded => {
            // In integers: between admissions i <= j at most burst + (at_j - at_i) * tokens /
            // cost may be admitted.
            let tokens = i128::from(input(seen, &["refill", "tokens"]));
            let cost = i128::from(input(seen, &["refill", "everyMs"]) * NS_PER_MS);
            let burst = i128::from(input(seen, &["burst"]));
            let at: Vec<i128> = admissions.iter().map(|a| i128::from(a.at)).collect();
            for i in 0..at.len() {
                for j in i..at.len() {
                    let count = i128::try_from(j - i + 1).expect("a count");
                    assert!(
                        (count - burst) * cost <= (at[j] - at[i]) * tokens,
                        "{case}: {count} admissions from {} to {} ns",
                        at[i],
                        at[j]
                    );
                }
            }
        }
        LimiterCheck::WindowNeverExceeded => {
            let limit = input(seen, &["limit"]);
            let window = input(seen, &["windowMs"]) * NS_PER_MS;
            for t in admissions.iter().map(|a| a.at) {
                let inside = admissions
                    .iter()
                    .filter(|a| a.at <= t && a.at + window > t)
                    .count();
                assert!(
                    inside as u64 <= limit,
                    "{case}: {inside} admissions in the window ending at {t} ns"
                );
            }
        }
        LimiterCheck::WokeAfterAdmission => {
            for a in &admissions {
                assert!(
                    a.request <= a.at && a.at <= a.woke,
                    "{case}: caller {} asked at {}, admitted at {}, woke at {} ns",
                    a.caller,
                    a.request,
                    a.at,
                    a.woke
                );
            }
        }
        LimiterCheck::ThroughputNearRate { fraction, slack_ms } => {
            let elapsed = seen.observed_u64("elapsedNs");
            #[expect(clippy::cast_precision_loss, reason = "times far below 2^52 ns")]
            let bound = ideal_ns(seen) as f64 / fraction + (slack_ms * NS_PER_MS) as f64;
            #[expect(clippy::cast_precision_loss, reason = "times far below 2^52 ns")]
            let elapsed_f = elapsed as f64;
            assert!(
                elapsed_f <= bound,
                "{case}: took {elapsed} ns, bound {bound}"
            );
        }
        LimiterCheck::NoCallerStarves { bound_ms } => {
            let mut per_caller: BTreeMap<u64, u64> = BTreeMap::new();
            for a in &admissions {
                *per_caller.entry(a.caller).or_default() += 1;
                assert!(
                    a.woke - a.request <= bound_ms * NS_PER_MS,
                    "{case}: caller {} waited {} ns",
                    a.caller,
                    a.woke - a.request
                );
            }
            let callers = input(seen, &["callers"]);
            let want = input(seen, &["requestsPerCaller"]);
            for caller in 0..callers {
                assert_eq!(
                    per_caller.get(&caller).copied().unwrap_or(0),
                    want,
                    "{case}: admissions of caller {caller}"
                );
            }
        }
    }
}
