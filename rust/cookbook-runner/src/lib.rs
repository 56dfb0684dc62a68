//! The Rust runner of the concurrency cookbook: it speaks the runner protocol
//! (`docs/contract.md`) for the patterns of the `cookbook` crate.
//!
//! The shared plumbing is [`protocol`] (`run`), [`bench`], [`list`], [`validate`] and
//! [`observe`]; each pattern adds a module under [`patterns`] and a row in its table.

pub mod bench;
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
        Command::List => protocol::write_line(&mut output, &list::listing()),
        Command::Run => protocol::run_lines(&runtime()?, io::stdin().lock(), &mut output),
        Command::Bench => bench::bench(&runtime()?, io::stdin().lock(), &mut output),
    }
}

/// A multi-threaded runtime, one worker thread per core, as a server would run. Only the timer
/// is enabled: jobs sleep, and there is no socket or file to drive.
fn runtime() -> Result<Runtime, Failure> {
    Builder::new_multi_thread()
        .enable_time()
        .build()
        .map_err(Failure::Runtime)
}
