//! The fan-in pattern (`docs/patterns/fan-in.md`): `op` picks one of its two halves, each
//! in its own module around `cookbook::fan_in`.

mod merge;
mod scatter_gather;

use serde_json::Value;

use super::{Benchmark, Run};
use crate::validate::{FieldError, Object, Path};

#[derive(Debug, Clone, Copy)]
enum Op {
    Merge,
    ScatterGather,
}

const OPS: &[(&str, Op)] = &[("merge", Op::Merge), ("scatter-gather", Op::ScatterGather)];

/// Validates `op` first, then the fields of that operation in its documented order.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let input = Object::new(Path::Input, input)?;
    match input.required_choice("op", OPS)? {
        Op::Merge => merge::run(&input),
        Op::ScatterGather => scatter_gather::run(&input),
    }
}

/// The benchmark measures the merge: `params.op` must say so.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    params.required_choice("op", &[("merge", ())])?;
    merge::bench(size, params)
}
