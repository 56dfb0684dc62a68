//! Stopping early (`docs/contract.md`, exit codes 130, 141 and 143): on SIGINT or SIGTERM
//! within a second, in the middle of a case or a benchmark, and at once when the reader of
//! standard output goes away; always with one line of error and never a half-written answer.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{case, command, wait_at_most};

/// The second the contract gives a runner to stop, and one more for a loaded machine: a late
/// stop is a liveness failure, so it gets tolerance, as in the harness's fault tests.
const STOP_WITHIN: Duration = Duration::from_secs(2);

/// Starts the runner with `args`, every stream piped.
fn start(args: &[&str]) -> Child {
    command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the runner")
}

/// Sends `signal` (`INT`, `TERM`) to `child`.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal}");
}

/// Everything left on `child`'s standard error.
fn rest_of_stderr(child: &mut Child) -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut text)
        .expect("read standard error");
    text
}

/// A worker-pool case of one job that sleeps `sleep_ms`.
fn sleeper(id: &str, sleep_ms: u64) -> String {
    case(
        id,
        &json!({ "workers": 1, "jobs": [{ "id": 0, "sleepMs": sleep_ms }] }),
    )
}

#[test]
fn a_signal_stops_a_long_benchmark_within_a_second() {
    for (name, code, message) in [
        ("INT", 130, "error: interrupted by SIGINT\n"),
        ("TERM", 143, "error: terminated by SIGTERM\n"),
    ] {
        // 400 jobs of 10 ms, one at a time: four seconds.
        let request = json!({
            "pattern": "worker-pool",
            "size": 400,
            "params": { "workers": 1, "sleepMs": 10 },
        });
        let mut child = start(&["bench"]);
        let mut stdin = child.stdin.take().expect("piped");
        writeln!(stdin, "{request}").expect("write the request");
        drop(stdin);
        thread::sleep(Duration::from_millis(300));
        signal(&child, name);
        let (took, status) = wait_at_most(&mut child, Duration::from_secs(5));
        assert_eq!(status, Some(code), "SIG{name}");
        assert!(took < STOP_WITHIN, "SIG{name}: stopped after {took:?}");
        assert_eq!(rest_of_stderr(&mut child), message);
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().expect("piped"), &mut stdout)
            .expect("read standard output");
        assert_eq!(stdout, "", "SIG{name}: no answer");
    }
}

#[test]
fn a_signal_stops_a_run_in_the_middle_of_a_case() {
    for (name, code, message) in [
        ("TERM", 143, "error: terminated by SIGTERM\n"),
        ("INT", 130, "error: interrupted by SIGINT\n"),
    ] {
        let mut child = start(&["run"]);
        let mut stdin = child.stdin.take().expect("piped");
        // The first case is answered; the second sleeps for a minute.
        write!(stdin, "{}{}", sleeper("quick", 1), sleeper("slow", 60_000)).expect("write");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("read the first answer");
        let first: Value = serde_json::from_str(&first).expect("a whole answer line");
        assert_eq!(first["id"], "quick");
        thread::sleep(Duration::from_millis(200));
        signal(&child, name);
        let (took, status) = wait_at_most(&mut child, Duration::from_secs(5));
        assert_eq!(status, Some(code), "SIG{name}");
        assert!(took < STOP_WITHIN, "SIG{name}: stopped after {took:?}");
        assert_eq!(rest_of_stderr(&mut child), message);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read standard output");
        assert_eq!(rest, "", "SIG{name}: nothing after the first answer");
        // Standard input is still open: the runner stopped while it was waiting on a case.
        drop(stdin);
    }
}

#[test]
fn a_signal_stops_a_run_waiting_for_input() {
    let mut child = start(&["run"]);
    let stdin = child.stdin.take().expect("piped");
    thread::sleep(Duration::from_millis(200));
    signal(&child, "TERM");
    let (_, status) = wait_at_most(&mut child, Duration::from_secs(5));
    assert_eq!(status, Some(143));
    assert_eq!(rest_of_stderr(&mut child), "error: terminated by SIGTERM\n");
    drop(stdin);
}

#[test]
fn a_closed_standard_output_stops_the_run_with_exit_141() {
    let mut child = start(&["run"]);
    let mut stdin = child.stdin.take().expect("piped");
    let feeder = thread::spawn(move || {
        for n in 0..200 {
            // The runner stops reading once it has stopped: the write fails then.
            if stdin
                .write_all(sleeper(&n.to_string(), 5).as_bytes())
                .is_err()
            {
                return;
            }
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("read the first answer");
    drop(stdout);
    let (_, status) = wait_at_most(&mut child, Duration::from_secs(10));
    feeder.join().expect("the feeder ends");
    assert_eq!(status, Some(141));
    assert_eq!(
        rest_of_stderr(&mut child),
        "error: standard output was closed\n"
    );
}
