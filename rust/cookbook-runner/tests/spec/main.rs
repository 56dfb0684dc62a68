//! Every case of every spec, run through the runner's own code path (`protocol::answer`) and
//! checked for what it answers: the output, compared field by field as the spec says, or the
//! field an invalid input names. The invariants on what was observed are the harness's to
//! check (`harness/src/cookbook_harness/invariants.py`), and only the harness's.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

use std::collections::BTreeMap;

use cookbook_runner::list::{skip_reason, skipped_patterns};
use cookbook_runner::patterns::{PATTERNS, find};
use cookbook_runner::protocol::{Request, answer};
use serde::Deserialize;
use serde_json::{Value, json};

/// The parts of a spec (`harness/spec/<slug>.json`) this test reads; the rest is ignored.
#[derive(Debug, Deserialize)]
struct Spec {
    pattern: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    id: String,
    input: Value,
    expected: Expected,
    /// How each top-level output field is compared; `exact` when absent.
    #[serde(default)]
    compare: BTreeMap<String, Compare>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expected {
    Output(Value),
    Error { field: String },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Compare {
    Exact,
    Multiset,
    Set,
}

fn load(slug: &str) -> Spec {
    let path = format!(
        "{}/../../harness/spec/{slug}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let spec: Spec = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"));
    assert_eq!(spec.pattern, slug, "{path} names its own pattern");
    spec
}

/// An array's elements as sorted JSON texts, without duplicates for `set`.
fn sorted(array: &Value, compare: Compare) -> Vec<String> {
    let items = array.as_array().expect("a compared field is an array");
    let mut texts: Vec<String> = items.iter().map(Value::to_string).collect();
    texts.sort();
    if matches!(compare, Compare::Set) {
        texts.dedup();
    }
    texts
}

fn compare_output(id: &str, actual: &Value, case: &Case, expected: &Value) {
    let keys = |output: &Value| -> Vec<String> {
        output
            .as_object()
            .expect("an object output")
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(actual), keys(expected), "{id}: output fields");
    for (field, want) in expected.as_object().into_iter().flatten() {
        let got = &actual[field];
        match case.compare.get(field).copied().unwrap_or(Compare::Exact) {
            Compare::Exact => assert_eq!(got, want, "{id}: {field}"),
            compare => assert_eq!(sorted(got, compare), sorted(want, compare), "{id}: {field}"),
        }
    }
}

async fn check_spec(slug: &str) {
    let spec = load(slug);
    for case in &spec.cases {
        let id = case.id.as_str();
        let line = json!({ "pattern": slug, "id": id, "input": case.input }).to_string();
        let request = Request::parse(&line).expect("a well-formed request");
        let answer = answer(request).await.expect("an answer");
        let answer = serde_json::to_value(answer).expect("answers serialize");
        assert_eq!(answer["id"], id);
        if let Some(reason) = skip_reason(slug, id) {
            assert_eq!(answer["status"], "unsupported", "{id} is skipped");
            assert_eq!(answer["reason"], reason, "{id}");
            continue;
        }
        match &case.expected {
            Expected::Output(expected) => {
                assert_eq!(answer["status"], "ok", "{id}: {answer}");
                compare_output(id, &answer["output"], case, expected);
            }
            Expected::Error { field } => {
                assert_eq!(answer["status"], "error", "{id}: {answer}");
                assert_eq!(answer["error"]["field"], field.as_str(), "{id}");
                let message = answer["error"]["message"].as_str().unwrap_or_default();
                assert!(message.starts_with(field.as_str()), "{id}: {message}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_spec_case_is_answered_as_expected() {
    for pattern in PATTERNS {
        check_spec(pattern.slug).await;
    }
}

#[test]
fn skips_name_only_patterns() {
    for slug in skipped_patterns() {
        assert!(
            find(slug).is_some(),
            "skips.json names {slug}, not a pattern"
        );
    }
}
