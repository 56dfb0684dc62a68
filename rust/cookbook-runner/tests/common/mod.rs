//! What the tests of the built binary share: starting it as the harness does, and reading
//! what it printed.

#![allow(dead_code, reason = "each test crate uses only some of these helpers")]

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The runner, ready to start with `args`.
pub(crate) fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cookbook-runner"));
    command.args(args);
    command
}

/// Runs the runner with `args`, feeding `stdin` (none when `None`).
pub(crate) fn runner(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_command(&mut command(args), stdin)
}

/// Runs `command`, feeding `stdin` (none when `None`) from a thread of its own, so that a
/// runner that stops reading early (exit 3 on a long line) cannot block the test.
pub(crate) fn run_command(command: &mut Command, stdin: Option<&[u8]>) -> Output {
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the runner");
    let feeder = stdin.map(|text| {
        let text = text.to_vec();
        let mut pipe = child.stdin.take().expect("a piped standard input");
        // A runner that has stopped reading closes the pipe: the write fails, as it should.
        thread::spawn(move || drop(pipe.write_all(&text)))
    });
    let output = child.wait_with_output().expect("wait for the runner");
    if let Some(feeder) = feeder {
        feeder.join().expect("the feeder thread ends");
    }
    output
}

/// Each line of standard output, parsed.
pub(crate) fn answers(output: &Output) -> Vec<Value> {
    let stdout = std::str::from_utf8(&output.stdout).expect("UTF-8 output");
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

/// Standard error, as text.
pub(crate) fn stderr(output: &Output) -> &str {
    std::str::from_utf8(&output.stderr).expect("UTF-8 standard error")
}

/// A `run` request line of the worker pool.
pub(crate) fn case(id: &str, input: &Value) -> String {
    json!({ "pattern": "worker-pool", "id": id, "input": input }).to_string() + "\n"
}

/// Waits for `child` at most `limit`; kills it and fails if it is still running then.
pub(crate) fn wait_at_most(child: &mut Child, limit: Duration) -> (Duration, Option<i32>) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the runner") {
            return (start.elapsed(), status.code());
        }
        if start.elapsed() > limit {
            drop(child.kill());
            panic!("the runner was still running after {limit:?}");
        }
        thread::sleep(Duration::from_millis(5));
    }
}
