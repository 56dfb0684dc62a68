//! A pattern's spec file (`harness/spec/<slug>.json`), read as the harness reads it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::checks::{cache::CacheCheck, jobs::JobCheck, limiters::LimiterCheck, merge::MergeCheck};

/// The parts of a spec that native tests use; other fields are ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct Spec {
    pub(crate) pattern: String,
    /// Checks that apply to every case expecting an output.
    #[serde(default)]
    pub(crate) invariants: Vec<Invariant>,
    pub(crate) cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Case {
    pub(crate) id: String,
    pub(crate) input: Value,
    pub(crate) expected: Expected,
    /// How each top-level output field is compared; `exact` when absent.
    #[serde(default)]
    pub(crate) compare: BTreeMap<String, Compare>,
    #[serde(default)]
    pub(crate) invariants: Vec<Invariant>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Expected {
    Output(Value),
    Error { field: String },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Compare {
    Exact,
    Multiset,
    Set,
}

/// An invariant of the contract, by family as the harness groups them. A check that no
/// family knows fails to parse, so a spec that gains one fails here until the native tests
/// check it too.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Invariant {
    Jobs(JobCheck),
    Merge(MergeCheck),
    Cache(CacheCheck),
    Limiter(LimiterCheck),
}

/// A number, or `"$input.<field>"` for that field of the case's input.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Param {
    Number(u64),
    Input(String),
}

impl Param {
    pub(crate) fn resolve(&self, input: &Value) -> u64 {
        match self {
            Self::Number(n) => *n,
            Self::Input(reference) => {
                let field = reference
                    .strip_prefix("$input.")
                    .expect("a $input.<field> reference");
                input[field]
                    .as_u64()
                    .expect("the referenced input field is a number")
            }
        }
    }
}

/// Loads `harness/spec/<slug>.json` from the repository.
pub(crate) fn load(slug: &str) -> Spec {
    let path = format!(
        "{}/../../harness/spec/{slug}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"));
    let spec: Spec =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {path}: {error}"));
    assert_eq!(spec.pattern, slug, "{path} names its own pattern");
    spec
}
