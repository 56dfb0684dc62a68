//! The sliding-window log (`docs/patterns/sliding-window.md`): its parameters, and
//! `cookbook::sliding_window::SlidingWindow` as the policy of the shared limiter runs.

use std::num::{NonZeroU64, NonZeroUsize};

use cookbook::sliding_window::SlidingWindow;
use serde_json::Value;

use super::limiter::{self, MILLISECONDS};
use super::{Benchmark, Run};
use crate::validate::{FieldError, Object, Path};

const MAX_LIMIT: u32 = 1_000_000;
const MAX_WINDOW_MS: u64 = 86_400_000;

/// A window's parameters, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Window {
    limit: NonZeroUsize,
    window_ms: NonZeroU64,
}

impl Window {
    /// Validates `limit`, then `windowMs`.
    fn read(input: &Object<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            limit: input.required_count("limit", MAX_LIMIT)?,
            window_ms: input.required_positive("windowMs", MAX_WINDOW_MS)?,
        })
    }

    /// The window on a clock of `ticks_per_ms` ticks per millisecond.
    fn policy(self, ticks_per_ms: NonZeroU64) -> SlidingWindow {
        SlidingWindow::new(self.limit, self.window_ms.saturating_mul(ticks_per_ms))
    }
}

/// Validates `mode`, the window, then the fields of the mode, and returns the run.
pub(super) fn run(input: &Value) -> Result<Run, FieldError> {
    let input = Object::new(Path::Input, input)?;
    let mode = limiter::mode(&input)?;
    let window = Window::read(&input)?;
    limiter::run(mode, &input, |ticks_per_ms| window.policy(ticks_per_ms))
}

/// `size` decisions with `params.limit` and `params.windowMs`.
pub(super) fn bench(size: u64, params: &Object<'_>) -> Result<Box<dyn Benchmark>, FieldError> {
    let window = Window::read(params)?;
    let limit = u64::try_from(window.limit.get()).unwrap_or(u64::MAX);
    Ok(limiter::bench(size, window.policy(MILLISECONDS), limit))
}
