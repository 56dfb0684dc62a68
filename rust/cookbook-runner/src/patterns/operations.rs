//! What the patterns of work under deadlines and failures share (timeout, first-completed,
//! error-group): an operation that sleeps, then fails or returns its value; how its fields are
//! read; and the record of how it ran, written even when it is cancelled.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use crate::observe::{Clock, Log};
use crate::validate::{FieldError, Object, SLEEP_MS};

/// An operation, or a leaf task, as the contracts define it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Operation {
    pub(super) id: u64,
    pub(super) sleep_ms: u64,
    pub(super) fail: bool,
}

impl Operation {
    /// Operation `id` that neither sleeps nor fails, as the benchmarks run them.
    pub(super) fn instant(id: u64) -> Self {
        Self {
            id,
            sleep_ms: 0,
            fail: false,
        }
    }

    /// Reads `sleepMs` then `fail` of the element whose `id` was read as `id`.
    pub(super) fn read(id: u64, element: &Object<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            id,
            sleep_ms: element.optional_int("sleepMs", SLEEP_MS, 0)?,
            fail: element.optional_bool("fail", false)?,
        })
    }

    /// Sleeps `sleepMs` (a cancelled operation stops here), then fails as the `noun` it is
    /// (`operation 3 failed`, `task 3 failed`) or returns its value: `work(id, 0)`, its id.
    pub(super) async fn perform(self, noun: Noun) -> Result<u64, Failed> {
        if self.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        }
        if self.fail {
            Err(Failed { noun, id: self.id })
        } else {
            Ok(self.id)
        }
    }
}

/// What a pattern calls the things it runs, in its error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Noun {
    Operation,
    Task,
}

/// An operation that was asked to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Failed {
    pub(super) noun: Noun,
    pub(super) id: u64,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = match self.noun {
            Noun::Operation => "operation",
            Noun::Task => "task",
        };
        write!(f, "{noun} {} failed", self.id)
    }
}

/// An operation's answer, `{"id", "value"}` or `{"id", "error"}`.
pub(super) fn answer(id: u64, result: &Result<u64, Failed>) -> Value {
    match result {
        Ok(value) => json!({ "id": id, "value": cookbook::work::hex(*value) }),
        Err(failed) => json!({ "id": id, "error": failed.to_string() }),
    }
}

/// How an operation's body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Outcome {
    Ok,
    Failed,
    Cancelled,
}

impl Outcome {
    /// `ok` or `failed`, as `result` says.
    pub(super) fn of<T, E>(result: &Result<T, E>) -> Self {
        if result.is_ok() {
            Self::Ok
        } else {
            Self::Failed
        }
    }
}

/// One operation's run, in nanoseconds since the start of the measured region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Stopped {
    pub(super) id: u64,
    /// When it began: its first poll.
    pub(super) start_ns: u64,
    /// When its body stopped: it returned, or it was cancelled.
    pub(super) end_ns: u64,
    pub(super) outcome: Outcome,
}

/// The clock of one run and the record of every operation that began in it.
#[derive(Debug)]
pub(super) struct Runs {
    pub(super) clock: Clock,
    pub(super) stopped: Log<Stopped>,
}

impl Runs {
    /// Starts the measured region.
    pub(super) fn start() -> Self {
        Self {
            clock: Clock::start(),
            stopped: Log::default(),
        }
    }

    /// Operation `id` begins now. Its record is written when the guard is ended, or, if its
    /// future is dropped first, when the guard is dropped with it: `cancelled`.
    pub(super) fn begin(&self, id: u64) -> Running<'_> {
        Running {
            runs: self,
            id,
            start_ns: self.clock.now_ns(),
            outcome: Outcome::Cancelled,
        }
    }
}

/// Performs `operation` as the `noun` it is, observed by `runs`: its record begins at its first
/// poll and ends when it returns, or when it is dropped (`cancelled`).
pub(super) fn observed(
    runs: &Arc<Runs>,
    operation: Operation,
    noun: Noun,
) -> impl Future<Output = Result<u64, Failed>> + Send + 'static {
    let runs = Arc::clone(runs);
    async move {
        let running = runs.begin(operation.id);
        let result = operation.perform(noun).await;
        running.end(Outcome::of(&result));
        result
    }
}

/// An operation under way; see [`Runs::begin`].
#[derive(Debug)]
pub(super) struct Running<'a> {
    runs: &'a Runs,
    id: u64,
    start_ns: u64,
    outcome: Outcome,
}

impl Running<'_> {
    /// The body ended as `outcome`.
    pub(super) fn end(mut self, outcome: Outcome) {
        self.outcome = outcome;
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let end_ns = self.runs.clock.now_ns();
        self.runs.stopped.push(Stopped {
            id: self.id,
            start_ns: self.start_ns,
            end_ns,
            outcome: self.outcome,
        });
    }
}
