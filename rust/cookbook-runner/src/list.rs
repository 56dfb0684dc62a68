//! The `list` command, and the cases this language skips (`rust/skips.json`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Serialize;
use tokio::runtime::Runtime;

use crate::benchmarks::BENCHMARKS;
use crate::patterns::PATTERNS;

/// The protocol version this runner speaks.
const PROTOCOL: u32 = 1;

/// Pattern slug, then case id, then the reason the case is skipped.
type Skips = BTreeMap<String, BTreeMap<String, String>>;

static SKIPS: LazyLock<Skips> = LazyLock::new(parse_skips);

#[expect(
    clippy::expect_used,
    reason = "skips.json is compiled in, and a test parses it: it is never input"
)]
fn parse_skips() -> Skips {
    serde_json::from_str(include_str!("../../skips.json"))
        .expect("skips.json maps pattern to case id to reason")
}

/// Why case `id` of pattern `slug` is skipped, if it is.
pub fn skip_reason(slug: &str, id: &str) -> Option<&'static str> {
    SKIPS.get(slug)?.get(id).map(String::as_str)
}

/// The answer to `list`.
#[derive(Debug, Serialize)]
pub struct Listing {
    protocol: u32,
    implementation: &'static str,
    patterns: BTreeMap<&'static str, Listed>,
    benchmarks: Vec<&'static str>,
    runtime: Settings,
}

#[derive(Debug, Serialize)]
struct Listed {
    skip: BTreeMap<String, String>,
}

/// The runtime settings that shape the benchmarks' figures.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    tokio_worker_threads: usize,
}

/// What this runner implements and what it skips. `runtime` is the runner's usual runtime,
/// asked rather than predicted: tokio reads `TOKIO_WORKER_THREADS` and the CPUs this process
/// may use.
pub fn listing(runtime: &Runtime) -> Listing {
    let patterns = PATTERNS
        .iter()
        .map(|pattern| {
            let skip = SKIPS.get(pattern.slug).cloned().unwrap_or_default();
            (pattern.slug, Listed { skip })
        })
        .collect();
    Listing {
        protocol: PROTOCOL,
        implementation: "rust",
        patterns,
        benchmarks: BENCHMARKS.iter().map(|workload| workload.slug).collect(),
        runtime: Settings {
            tokio_worker_threads: runtime.metrics().num_workers(),
        },
    }
}

/// The slugs `skips.json` names: each must be a pattern of [`PATTERNS`].
pub fn skipped_patterns() -> impl Iterator<Item = &'static str> {
    SKIPS.keys().map(String::as_str)
}
