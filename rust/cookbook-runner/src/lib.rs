//! The Rust runner of the concurrency cookbook: it speaks the runner protocol
//! (`docs/contract.md`) for the patterns of the `cookbook` crate.
//!
//! The shared plumbing is [`protocol`] (`run`), [`bench`], [`list`], [`validate`] and
//! [`observe`]; each pattern adds a module under [`patterns`] and a row in its table, and each
//! benchmark-only workload a module under [`benchmarks`].

pub mod bench;
pub mod benchmarks;
pub mod cli;
pub mod list;
pub mod observe;
pub mod patterns;
pub mod protocol;
pub mod validate;

use std::fmt;
use std::io::{self, BufWriter};

use tokio::runtime::{Builder, Runtime};

use crate::cli::Command;

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
    /// Standard output could not be written: the harness has gone, or the disk is full.
    Output(io::Error),
    /// The tokio runtime could not start.
    Runtime(io::Error),
}

impl Failure {
    /// A failure of line `line` for `problem`.
    pub fn unusable(line: usize, problem: impl Into<String>) -> Self {
        Self::Unusable {
            line,
            problem: problem.into(),
        }
    }

    /// The exit code the contract gives this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Unusable { .. } => 3,
            Self::SelfCheck(_) | Self::Output(_) | Self::Runtime(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unusable { line, problem } => write!(f, "line {line}: {problem}"),
            Self::SelfCheck(problem) => write!(f, "self-check failed: {problem}"),
            Self::Output(error) => write!(f, "cannot write standard output: {error}"),
            Self::Runtime(error) => write!(f, "cannot start the tokio runtime: {error}"),
        }
    }
}

/// Runs `command` on standard input and output.
pub fn execute(command: Command) -> Result<(), Failure> {
    let mut output = BufWriter::new(io::stdout().lock());
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
