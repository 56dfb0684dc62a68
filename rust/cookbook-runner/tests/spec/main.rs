//! Every case of every spec, run through the runner's own code path (`protocol::answer`) and
//! checked as the harness checks it. A pattern adds one test here, and its invariants to the
//! family they belong to in `checks`.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod checks;
mod spec_file;

use cookbook_runner::list::skipped_patterns;
use cookbook_runner::patterns::{PATTERNS, find};
use cookbook_runner::protocol::{Request, answer};
use serde_json::json;

use crate::checks::{Seen, check_invariant, compare_output};
use crate::spec_file::{Expected, load};

/// Runs every case of `slug`'s spec and checks each answer.
async fn check_spec(slug: &str) {
    let spec = load(slug);
    assert!(find(slug).is_some(), "{slug} is in the pattern table");
    for case in &spec.cases {
        let line = json!({ "pattern": slug, "id": case.id, "input": case.input }).to_string();
        let request = Request::parse(&line).expect("a well-formed request");
        let answer = serde_json::to_value(answer(request).await).expect("answers serialize");
        assert_eq!(answer["id"], case.id.as_str());
        let id = &case.id;
        match (&case.expected, answer["status"].as_str()) {
            (_, Some("unsupported")) => {
                assert!(
                    answer["reason"]
                        .as_str()
                        .is_some_and(|reason| !reason.is_empty()),
                    "{id}: a reason"
                );
            }
            (Expected::Error { field }, Some("error")) => {
                assert_eq!(
                    answer["error"]["field"],
                    field.as_str(),
                    "{id}: error field"
                );
                let message = answer["error"]["message"].as_str().unwrap_or_default();
                assert!(
                    message.starts_with(field.as_str()),
                    "{id}: message names {field}: {message}"
                );
            }
            (Expected::Output(expected), Some("ok")) => {
                compare_output(id, &answer["output"], expected, &case.compare);
                let seen = Seen {
                    case: id,
                    input: &case.input,
                    output: &answer["output"],
                    observed: &answer["observed"],
                };
                for invariant in spec.invariants.iter().chain(&case.invariants) {
                    check_invariant(&seen, invariant);
                }
            }
            (expected, _) => panic!("{id}: expected {expected:?}, got {answer}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_pool_spec() {
    check_spec("worker-pool").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fan_in_spec() {
    check_spec("fan-in").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rwlock_cache_spec() {
    check_spec("rwlock-cache").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn token_bucket_spec() {
    check_spec("token-bucket").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sliding_window_spec() {
    check_spec("sliding-window").await;
}

#[test]
fn every_pattern_has_a_spec_and_skips_name_only_patterns() {
    for pattern in PATTERNS {
        let spec = load(pattern.slug);
        assert!(!spec.cases.is_empty());
    }
    for slug in skipped_patterns() {
        assert!(
            find(slug).is_some(),
            "skips.json names {slug}, which is not in the pattern table"
        );
    }
}
