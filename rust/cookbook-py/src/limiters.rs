//! The rate limiters: the decision cores `TokenBucket` and `SlidingWindow` (time as data, in
//! milliseconds), and the live `Limiter` that Python threads wait on (the real clock).

use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::{Mutex, PoisonError};

use cookbook::limiter::{self, Policy};
use cookbook::{sliding_window, token_bucket};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::args;
use crate::decider::Decider;
use crate::rules::{self, Integer, MAX_TIME_MS};
use crate::runtime;

/// The bounds of the docs' limiter pages, which also keep every product in range.
const AMOUNT: Integer = Integer(1..=1_000_000);
const PERIOD_MS: Integer = Integer(1..=86_400_000);
const TIME_MS: Integer = Integer(0..=MAX_TIME_MS);
/// The live clock counts nanoseconds.
const NANOS_PER_MS: NonZeroU64 = NonZeroU64::new(1_000_000).expect("not zero");

/// A token bucket's parameters: `tokens` every `every_ms`, a bucket of `burst`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: NonZeroU64,
    every_ms: NonZeroU64,
    burst: NonZeroU64,
}

impl Bucket {
    fn read(
        tokens: &Bound<'_, PyAny>,
        every_ms: &Bound<'_, PyAny>,
        burst: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(Self {
            tokens: positive("tokens", tokens, &AMOUNT)?,
            every_ms: positive("every_ms", every_ms, &PERIOD_MS)?,
            burst: positive("burst", burst, &AMOUNT)?,
        })
    }

    /// The bucket on ticks of `ticks_per_ms` to the millisecond.
    fn policy(self, ticks_per_ms: NonZeroU64) -> token_bucket::TokenBucket {
        let every = self.every_ms.saturating_mul(ticks_per_ms);
        token_bucket::TokenBucket::new(self.tokens, every, self.burst)
    }

    fn describe(self) -> String {
        let Self {
            tokens,
            every_ms,
            burst,
        } = self;
        format!("tokens={tokens}, every_ms={every_ms}, burst={burst}")
    }
}

/// A sliding window's parameters: at most `limit` admissions in any `window_ms`.
#[derive(Debug, Clone, Copy)]
struct Window {
    limit: NonZeroUsize,
    window_ms: NonZeroU64,
}

impl Window {
    fn read(limit: &Bound<'_, PyAny>, window_ms: &Bound<'_, PyAny>) -> PyResult<Self> {
        let limit = positive("limit", limit, &AMOUNT)?;
        Ok(Self {
            // At most a million, which every usize holds.
            limit: NonZeroUsize::try_from(limit).unwrap_or(NonZeroUsize::MAX),
            window_ms: positive("window_ms", window_ms, &PERIOD_MS)?,
        })
    }

    fn policy(self, ticks_per_ms: NonZeroU64) -> sliding_window::SlidingWindow {
        let window = self.window_ms.saturating_mul(ticks_per_ms);
        sliding_window::SlidingWindow::new(self.limit, window)
    }

    fn describe(self) -> String {
        format!("limit={}, window_ms={}", self.limit, self.window_ms)
    }
}

fn positive(name: &str, value: &Bound<'_, PyAny>, rule: &Integer) -> PyResult<NonZeroU64> {
    let number = args::integer(name, value, rule)?;
    NonZeroU64::new(number).ok_or_else(|| PyValueError::new_err(rule.violated(name, number)))
}

/// Decides at `now_ms`, a Python argument, under the core's lock.
fn decide<P: Policy>(core: &Mutex<Decider<P>>, now_ms: &Bound<'_, PyAny>) -> PyResult<u64> {
    let now = args::integer("now_ms", now_ms, &TIME_MS)?;
    // The GIL stays held: a decision is a few integer operations, and whoever holds this lock
    // never waits for the GIL, so waiting for it here cannot deadlock. The lock keeps each
    // decision whole when two threads share a core. Poisoned only by a panic mid-decision,
    // which pyo3 has raised already; the core's integers are still usable.
    let mut core = core.lock().unwrap_or_else(PoisonError::into_inner);
    core.decide(now)
        .map_err(|back| PyValueError::new_err(rules::went_back("now_ms", back.previous, back.now)))
}

/// A token bucket's decision core: a bucket of `burst` tokens, starting full, refilled with
/// `tokens` every `every_ms` milliseconds; each admission takes a token.
#[pyclass(module = "cookbook_rs", frozen)]
#[derive(Debug)]
pub(crate) struct TokenBucket {
    bucket: Bucket,
    core: Mutex<Decider<token_bucket::TokenBucket>>,
}

#[pymethods]
impl TokenBucket {
    #[new]
    fn new(
        tokens: &Bound<'_, PyAny>,
        every_ms: &Bound<'_, PyAny>,
        burst: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let bucket = Bucket::read(tokens, every_ms, burst)?;
        Ok(Self {
            bucket,
            core: Mutex::new(Decider::new(bucket.policy(NonZeroU64::MIN))),
        })
    }

    /// Decide on a request arriving at `now_ms` (never earlier than the one before): 0 when it
    /// is admitted, else the milliseconds until it would be. A denied request changes nothing.
    fn decide(&self, now_ms: &Bound<'_, PyAny>) -> PyResult<u64> {
        decide(&self.core, now_ms)
    }

    fn __repr__(&self) -> String {
        format!("TokenBucket({})", self.bucket.describe())
    }
}

/// A sliding-window log's decision core: at most `limit` admissions in any window of
/// `window_ms` milliseconds.
#[pyclass(module = "cookbook_rs", frozen)]
#[derive(Debug)]
pub(crate) struct SlidingWindow {
    window: Window,
    core: Mutex<Decider<sliding_window::SlidingWindow>>,
}

#[pymethods]
impl SlidingWindow {
    #[new]
    fn new(limit: &Bound<'_, PyAny>, window_ms: &Bound<'_, PyAny>) -> PyResult<Self> {
        let window = Window::read(limit, window_ms)?;
        Ok(Self {
            window,
            core: Mutex::new(Decider::new(window.policy(NonZeroU64::MIN))),
        })
    }

    /// Decide on a request arriving at `now_ms` (never earlier than the one before): 0 when it
    /// is admitted, else the milliseconds until it would be. A denied request changes nothing.
    fn decide(&self, now_ms: &Bound<'_, PyAny>) -> PyResult<u64> {
        decide(&self.core, now_ms)
    }

    fn __repr__(&self) -> String {
        format!("SlidingWindow({})", self.window.describe())
    }
}

/// One acquire: when it was called, the admission time the limiter reserved and when the
/// caller woke, in nanoseconds since the limiter was created, on the clock it decides with.
#[pyclass(module = "cookbook_rs", frozen)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admission {
    #[pyo3(get, name = "requested_ns")]
    requested: u64,
    #[pyo3(get, name = "at_ns")]
    at: u64,
    #[pyo3(get, name = "woke_ns")]
    woke: u64,
}

#[pymethods]
impl Admission {
    fn __repr__(&self) -> String {
        let Self {
            requested,
            at,
            woke,
        } = self;
        format!("Admission(requested_ns={requested}, at_ns={at}, woke_ns={woke})")
    }
}

impl From<limiter::Admission> for Admission {
    fn from(admission: limiter::Admission) -> Self {
        Self {
            requested: admission.requested_ns,
            at: admission.at_ns,
            woke: admission.woke_ns,
        }
    }
}

/// The live limiters, one policy each, on nanoseconds.
#[derive(Debug)]
enum Live {
    Bucket(limiter::Limiter<token_bucket::TokenBucket>),
    Window(limiter::Limiter<sliding_window::SlidingWindow>),
}

/// A live limiter shared by Python threads: `acquire()` reserves the earliest admission the
/// limit allows, first come first served, and sleeps until then. Build one with
/// `Limiter.token_bucket(...)` or `Limiter.sliding_window(...)`.
#[pyclass(module = "cookbook_rs", frozen)]
#[derive(Debug)]
pub(crate) struct Limiter {
    live: Live,
    description: String,
    runtime: &'static Runtime,
}

#[pymethods]
impl Limiter {
    /// A token bucket of `burst` tokens, starting full, refilled with `tokens` every
    /// `every_ms` milliseconds.
    #[staticmethod]
    fn token_bucket(
        py: Python<'_>,
        tokens: &Bound<'_, PyAny>,
        every_ms: &Bound<'_, PyAny>,
        burst: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let bucket = Bucket::read(tokens, every_ms, burst)?;
        let policy = bucket.policy(NANOS_PER_MS);
        Ok(Self {
            live: Live::Bucket(limiter::Limiter::new(policy)),
            description: format!("Limiter.token_bucket({})", bucket.describe()),
            runtime: runtime::timers(py)?,
        })
    }

    /// At most `limit` admissions in any window of `window_ms` milliseconds.
    #[staticmethod]
    fn sliding_window(
        py: Python<'_>,
        limit: &Bound<'_, PyAny>,
        window_ms: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let window = Window::read(limit, window_ms)?;
        let policy = window.policy(NANOS_PER_MS);
        Ok(Self {
            live: Live::Window(limiter::Limiter::new(policy)),
            description: format!("Limiter.sliding_window({})", window.describe()),
            runtime: runtime::timers(py)?,
        })
    }

    // --8<-- [start:python-rust]
    /// Block until this caller's admission; return when it was asked, admitted and let
    /// through. The GIL is released while it waits.
    fn acquire(&self, py: Python<'_>) -> PyResult<Admission> {
        let admission = match &self.live {
            Live::Bucket(limiter) => runtime::wait(py, self.runtime, limiter.acquire()),
            Live::Window(limiter) => runtime::wait(py, self.runtime, limiter.acquire()),
        };
        admission.map(Admission::from)
    }
    // --8<-- [end:python-rust]

    /// Nanoseconds since the limiter was created, on the clock it decides with.
    fn now_ns(&self) -> u64 {
        match &self.live {
            Live::Bucket(limiter) => limiter.now_ns(),
            Live::Window(limiter) => limiter.now_ns(),
        }
    }

    /// `with limiter:` acquires; the admission is the value of the `with` statement.
    fn __enter__(&self, py: Python<'_>) -> PyResult<Admission> {
        self.acquire(py)
    }

    /// Nothing to give back: an admission is spent once taken, unlike a semaphore's slot.
    #[expect(
        clippy::unused_self,
        reason = "Python calls __exit__ on the instance, which has nothing to release"
    )]
    fn __exit__(
        &self,
        _kind: &Bound<'_, PyAny>,
        _error: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) {
    }

    fn __repr__(&self) -> String {
        self.description.clone()
    }
}
