//! Benchmark-only workloads (`docs/benchmarks.md`): `bench` measures them as it measures a
//! pattern and `list` names them under `benchmarks`, but they have no spec and no cases to
//! `run`. Adding one is a module with a `bench` function and a row in [`BENCHMARKS`].

mod many_tasks;

use crate::patterns::BenchFn;

/// One benchmark-only workload.
#[derive(Debug)]
pub struct Workload {
    /// The kebab-case name used across languages, in the `pattern` field of a bench request.
    pub slug: &'static str,
    /// Answers `bench` requests.
    pub bench: BenchFn,
}

/// Every benchmark-only workload this runner implements.
pub static BENCHMARKS: &[Workload] = &[Workload {
    slug: "many-tasks",
    bench: many_tasks::bench,
}];

/// The workload named `slug`, if this runner implements it.
pub fn find(slug: &str) -> Option<&'static Workload> {
    BENCHMARKS.iter().find(|workload| workload.slug == slug)
}
