//! `cookbook-runner list | run | bench`: see `docs/contract.md`.

use std::io::{self, Write};
use std::process::ExitCode;

use cookbook_runner::{cli, execute, quiet_requested_panics};

fn main() -> ExitCode {
    quiet_requested_panics();
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(problem) => {
            report(format_args!("{problem}; {}", cli::USAGE));
            return ExitCode::from(2);
        }
    };
    match execute(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            report(format_args!("{failure}"));
            ExitCode::from(failure.exit_code())
        }
    }
}

/// One line on standard error. A standard error that is gone too is no reason to panic: the
/// exit code still says what happened.
fn report(problem: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "error: {problem}");
}
