//! The token bucket (`docs/patterns/token-bucket.md`): its parameters, and
//! `cookbook::token_bucket::TokenBucket` as the policy of the shared limiter runs.

use std::num::NonZeroU64;

use cookbook::token_bucket::TokenBucket;
use serde_json::Value;

use super::limiter::{self, MILLISECONDS};
use super::{Benchmark, Run};
use crate::validate::{FieldError, Object, Path};

const MAX_TOKENS: u64 = 1_000_000;
const MAX_EVERY_MS: u64 = 86_400_000;

/// A bucket's parameters, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: NonZeroU64,
    every_ms: NonZeroU64,
    burst: NonZeroU64,
}

impl Bucket {
    /// Validates `refill` (itself, then `tokens`, `everyMs`), then `burst`.
    fn read(input: &Object<'_>) -> Result<Self, FieldError> {
        let refill = input.required_object("refill")?;
        Ok(Self {
            tokens: refill.required_positive("tokens", MAX_TOKENS)?,
            every_ms: refill.required_positive("everyMs", MAX_EVERY_MS)?,
            burst: input.required_positive("burst", MAX_TOKENS)?,
        })
    }

    /// The bucket on a clock of `ticks_per_ms` ticks per millisecond.
    fn policy(self, ticks_per_ms: NonZeroU64) -> TokenBucket {
        let every = self.every_ms.saturating_mul(ticks_per_ms);
        TokenBucket::new(self.tokens, every, self.burst)
    }
}

/// Validates `mode`, the bucket, then the fields of the mode, and returns the run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let input = Object::new(Path::Input, input)?;
    let mode = limiter::mode(&input)?;
    let bucket = Bucket::read(&input)?;
    limiter::run(mode, &input, |ticks_per_ms| bucket.policy(ticks_per_ms))
}

/// `size` decisions with `params.refill` and `params.burst`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let bucket = Bucket::read(params)?;
    Ok(limiter::bench(
        size,
        bucket.policy(MILLISECONDS),
        bucket.burst.get(),
    ))
}
