//! The Rust runner of the concurrency cookbook: it speaks the runner protocol
//! (`docs/contract.md`) for the patterns of the `cookbook` crate.
//!
//! The shared plumbing is [`protocol`] (`run`), [`bench`], [`list`], [`lines`] and [`json`]
//! (what a line is, and what JSON is), [`validate`], [`observe`] and [`signals`]; each pattern
//! adds a module under [`patterns`] and a row in its table, and each benchmark-only workload a
//! module under [`benchmarks`].

pub mod bench;
pub mod benchmarks;
pub mod cli;
pub mod json;
pub mod lines;
pub mod list;
pub mod observe;
pub mod patterns;
pub mod protocol;
pub mod signals;
pub mod validate;

use std::fmt;
use std::io::{self, ErrorKind};
use std::panic;

use tokio::runtime::{Builder, Runtime};

use crate::cli::Command;
use crate::patterns::RequestedPanic;

/// Why a command stopped before answering everything.
#[derive(Debug)]
pub enum Failure {
    /// A line that cannot be answered as a request at all.
    Unusable {
        /// Its 1-based number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A benchmark's check of its own answer failed.
    SelfCheck(String),
    /// Standard output's reader went away before every answer was written.
    OutputClosed,
    /// Standard output could not be written otherwise: the disk is full, say.
    Output(io::Error),
    /// The tokio runtime could not start.
    Runtime(io::Error),
    /// The signal handlers could not be installed.
    Signals(io::Error),
}

impl Failure {
    /// A failure of line `line` for `problem`.
    pub fn unusable(line: usize, problem: impl Into<String>) -> Self {
        Self::Unusable {
            line,
            problem: problem.into(),
        }
    }

    /// A failure to write standard output.
    pub fn output(error: io::Error) -> Self {
        if error.kind() == ErrorKind::BrokenPipe {
            Self::OutputClosed
        } else {
            Self::Output(error)
        }
    }

    /// The exit code the contract gives this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Unusable { .. } => 3,
            // 128 + SIGPIPE, as a shell reports a pipeline member whose reader went away.
            Self::OutputClosed => 141,
            Self::SelfCheck(_) | Self::Output(_) | Self::Runtime(_) | Self::Signals(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unusable { line, problem } => write!(f, "line {line}: {problem}"),
            Self::SelfCheck(problem) => write!(f, "self-check failed: {problem}"),
            Self::OutputClosed => f.write_str("standard output was closed"),
            Self::Output(error) => write!(f, "cannot write standard output: {error}"),
            Self::Runtime(error) => write!(f, "cannot start the tokio runtime: {error}"),
            Self::Signals(error) => write!(f, "cannot watch for SIGINT and SIGTERM: {error}"),
        }
    }
}

/// Runs `command` on standard input and output, until it is done or a signal stops it.
pub fn execute(command: Command) -> Result<(), Failure> {
    signals::stop_on_signals()?;
    // Each answer is written whole and flushed at once: a buffer would only add a copy.
    let mut output = io::stdout();
    match command {
        Command::List => {
            let listing = list::listing(&runtime(Flavor::MultiThread)?);
            protocol::write_line(&mut output, &listing)
        }
        Command::Run => protocol::run_lines(
            &runtime(Flavor::MultiThread)?,
            io::stdin().lock(),
            &mut output,
        ),
        // Each benchmark names its runtime, so `bench` builds it once the request is read.
        Command::Bench => bench::bench(io::stdin().lock(), &mut output),
    }
}

/// Keeps the panics that cases ask for off standard error. The default hook writes "thread ...
/// panicked at ..." for every panic, even one the pattern under test catches and reports as a
/// job's result; any other panic is a bug and still goes to the hook that was there before.
///
/// For the binary alone: a test that installed it would hide what it is testing.
pub fn quiet_requested_panics() {
    let report = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !info.payload().is::<RequestedPanic>() {
            report(info);
        }
    }));
}

/// The kind of tokio runtime a command runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// One worker thread per core (or `TOKIO_WORKER_THREADS`), as a server would run: the
    /// runner's usual runtime.
    MultiThread,
    /// Every task on the thread that blocks on the runtime: an event loop, as in Node or asyncio.
    CurrentThread,
}

/// A runtime of `flavor`. Only the timer is enabled: jobs sleep, and there is no socket or file
/// to drive.
pub fn runtime(flavor: Flavor) -> Result<Runtime, Failure> {
    let mut builder = match flavor {
        Flavor::MultiThread => Builder::new_multi_thread(),
        Flavor::CurrentThread => Builder::new_current_thread(),
    };
    builder.enable_time().build().map_err(Failure::Runtime)
}
