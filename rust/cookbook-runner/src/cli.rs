//! The command line: one word, no options.

use std::ffi::OsString;

/// The line printed, after the problem, for a wrong command line.
pub const USAGE: &str = "usage: cookbook-runner list | run | bench";

/// What the runner was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Print what this runner implements and skips.
    List,
    /// Answer JSON-lines cases from standard input.
    Run,
    /// Measure one benchmark request from standard input.
    Bench,
}

/// Reads the arguments after the program name; the error names the problem (exit 2).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(word) = args.next() else {
        return Err("no command".to_owned());
    };
    let command = match word.to_str() {
        Some("list") => Command::List,
        Some("run") => Command::Run,
        Some("bench") => Command::Bench,
        _ => return Err(format!("unknown command {:?}", word.to_string_lossy())),
    };
    match args.next() {
        Some(extra) => Err(format!("unexpected argument {:?}", extra.to_string_lossy())),
        None => Ok(command),
    }
}
