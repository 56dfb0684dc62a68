//! The built binary, as the harness drives it: exit codes, standard error, answer lines.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use cookbook::work::{hex, work};
use serde_json::{Value, json};

use crate::common::{answers, case, command, run_command, runner, stderr};

#[test]
fn list_names_the_implementation_and_its_patterns() {
    let output = runner(&["list"], None);
    assert_eq!(output.status.code(), Some(0));
    let listing = &answers(&output)[0];
    assert_eq!(listing["protocol"], 1);
    assert_eq!(listing["implementation"], "rust");
    for slug in [
        "worker-pool",
        "fan-in",
        "rwlock-cache",
        "token-bucket",
        "sliding-window",
    ] {
        assert_eq!(listing["patterns"][slug]["skip"], json!({}), "{slug}");
    }
}

#[test]
fn list_names_the_benchmarks_and_the_runtime_that_measures_them() {
    let list = |threads: Option<&str>| {
        let mut list = command(&["list"]);
        list.env_remove("TOKIO_WORKER_THREADS");
        if let Some(threads) = threads {
            list.env("TOKIO_WORKER_THREADS", threads);
        }
        let output = run_command(&mut list, None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        answers(&output).remove(0)
    };
    let cores = std::thread::available_parallelism().expect("a CPU count");
    let listing = list(None);
    assert_eq!(listing["benchmarks"], json!(["many-tasks"]));
    assert_eq!(
        listing["runtime"],
        json!({ "tokioWorkerThreads": cores.get() })
    );
    // The count is the runtime's own, so it follows tokio's setting.
    assert_eq!(list(Some("3"))["runtime"]["tokioWorkerThreads"], 3);
}

#[test]
fn a_line_that_is_not_json_exits_3_with_one_line_of_error() {
    let output = runner(&["run"], Some(b"not json\n"));
    assert_eq!(output.status.code(), Some(3));
    assert!(output.stdout.is_empty());
    let stderr = stderr(&output);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: line 1: not JSON"), "{stderr}");
}

#[test]
fn lines_before_an_unusable_line_stay_answered() {
    let good = case("ok", &json!({ "workers": 1, "jobs": [{ "id": 7 }] }));
    let unusable = [
        ("[1, 2]", "not a JSON object"),
        (
            r#"{"pattern": "worker-pool", "id": 4}"#,
            r#"no string "id""#,
        ),
        (r#"{"id": "x", "input": {}}"#, r#"no string "pattern""#),
        (
            r#"{"pattern": "worker-pool", "id": "x"}"#,
            r#"no object "input""#,
        ),
        (
            r#"{"pattern": "worker-pool", "id": "x", "input": []}"#,
            r#"no object "input""#,
        ),
        (
            r#"{"pattern": "fan-out", "id": "x"}"#,
            r#"pattern "fan-out" is not implemented"#,
        ),
        // A benchmark-only workload has no cases to run.
        (
            r#"{"pattern": "many-tasks", "id": "x", "input": {}}"#,
            r#"pattern "many-tasks" is not implemented"#,
        ),
    ];
    for (line, problem) in unusable {
        // Line 2 is blank: skipped, but counted.
        let output = runner(&["run"], Some(format!("{good}\n{line}\n{good}").as_bytes()));
        assert_eq!(output.status.code(), Some(3), "{line}");
        assert_eq!(
            answers(&output).len(),
            1,
            "{line}: the first case stays answered"
        );
        let stderr = stderr(&output);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: line 3: {problem}")),
            "{stderr}"
        );
    }
}

#[test]
fn a_wrong_command_line_exits_2_with_one_line_of_usage() {
    for args in [&[][..], &["frobnicate"], &["run", "--variant"]] {
        let output = runner(args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = stderr(&output);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("usage: cookbook-runner"), "{stderr}");
    }
}

#[test]
fn invalid_workers_are_answered_not_fatal() {
    let input = case("zero", &json!({ "workers": 0, "jobs": [] }))
        + &case("four", &json!({ "workers": "four", "jobs": [] }));
    let output = runner(&["run"], Some(input.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let answers = answers(&output);
    assert_eq!(
        answers,
        [
            json!({ "id": "zero", "status": "error", "error": {
                "field": "workers",
                "message": "workers must be an integer from 1 to 10000, got 0" } }),
            json!({ "id": "four", "status": "error", "error": {
                "field": "workers",
                "message": "workers must be an integer, got a string" } }),
        ]
    );
}

#[test]
fn run_answers_with_results_and_observations() {
    let input = case(
        "two",
        &json!({ "workers": 2, "jobs": [{ "id": 1, "cost": 1 }, { "id": 2, "fail": true }] }),
    );
    let output = runner(&["run"], Some(input.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let answer = &answers(&output)[0];
    assert_eq!(answer["status"], "ok");
    let mut results = answer["output"]["results"]
        .as_array()
        .expect("results")
        .clone();
    results.sort_by_key(|result| result["id"].as_u64());
    assert_eq!(
        results,
        [
            json!({ "id": 1, "value": hex(work(1, 1)) }),
            json!({ "id": 2, "error": "job 2 failed" })
        ]
    );
    assert_eq!(
        answer["observed"]["events"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn panics_that_cases_ask_for_are_answered_and_print_nothing() {
    let jobs = json!({ "workers": 1, "jobs": [{ "id": 5, "panic": true }, { "id": 6 }] });
    let items = json!({
        "op": "scatter-gather",
        "limit": 1,
        "failFast": true,
        "items": [{ "panic": true }, {}],
    });
    let fan_in = json!({ "pattern": "fan-in", "id": "items", "input": items }).to_string();
    let input = case("jobs", &jobs) + &fan_in + "\n";
    let output = runner(&["run"], Some(input.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // The panic hook is the binary's own: the default one would write "thread ... panicked".
    assert_eq!(stderr(&output), "");
    let answers = answers(&output);
    let mut results = answers[0]["output"]["results"].clone();
    results
        .as_array_mut()
        .expect("results")
        .sort_by_key(|result| result["id"].as_u64());
    assert_eq!(
        results,
        json!([
            { "id": 5, "error": "job 5 panicked" },
            { "id": 6, "value": hex(work(6, 0)) },
        ])
    );
    assert_eq!(
        answers[1]["output"],
        json!({ "failure": "item 0 panicked" })
    );
}

#[test]
fn bench_answers_times_and_a_check() {
    let request = json!({
        "pattern": "worker-pool",
        "size": 1000,
        "params": { "workers": 4, "cost": 100, "sleepMs": 0 },
        "repeat": 3,
    });
    let output = runner(&["bench"], Some(format!("{request}\n").as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let answer = &answers(&output)[0];
    let digest = (0..1000).fold(0, |digest, id| digest ^ work(id, 100));
    assert_eq!(answer["status"], "ok");
    assert_eq!(answer["pattern"], "worker-pool");
    assert_eq!(answer["size"], 1000);
    assert_eq!(
        answer["check"],
        json!({ "count": 1000, "digest": hex(digest) })
    );
    assert_eq!(answer["elapsedNs"].as_array().map(Vec::len), Some(3));
    assert!(
        answer.get("launchNs").is_none(),
        "only many-tasks times its launch"
    );
}

#[test]
fn many_tasks_answers_launch_times_and_a_check() {
    for (variant, check) in [
        ("spawn", json!({ "count": 100 })),
        ("join-all", json!({ "count": 100 })),
        ("work", json!({ "count": 100, "sum": 4950 })),
    ] {
        let request = json!({
            "pattern": "many-tasks",
            "size": 100,
            "params": { "sleepMs": 1, "variant": variant },
            "repeat": 2,
        });
        let output = runner(&["bench"], Some(format!("{request}\n").as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let answer = &answers(&output)[0];
        assert_eq!(answer["status"], "ok", "{variant}");
        assert_eq!(answer["pattern"], "many-tasks");
        assert_eq!(answer["check"], check, "{variant}");
        let times = |field: &str| -> Vec<u64> {
            let times = answer[field].as_array().expect("one time per run");
            times.iter().filter_map(Value::as_u64).collect()
        };
        let (elapsed, launch) = (times("elapsedNs"), times("launchNs"));
        assert_eq!((elapsed.len(), launch.len()), (2, 2), "{variant}");
        assert!(launch.iter().zip(&elapsed).all(|(l, e)| 0 < *l && l <= e));
    }
}

#[test]
fn worker_pool_modes_answer_the_same_check() {
    let check = |mode: &str| {
        let request = json!({
            "pattern": "worker-pool",
            "size": 100,
            "params": { "workers": 2, "cost": 100, "mode": mode },
        });
        let output = runner(&["bench"], Some(format!("{request}\n").as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        answers(&output).remove(0)["check"].take()
    };
    assert_eq!(check("event-loop"), check("parallel"));
}

#[test]
fn bench_answers_invalid_params_as_errors() {
    let cases = [
        (
            json!({ "pattern": "worker-pool", "size": 10, "params": { "workers": 0 } }),
            "params.workers",
        ),
        (
            json!({ "pattern": "worker-pool", "size": 0, "params": { "workers": 1 } }),
            "size",
        ),
        (json!({ "pattern": "worker-pool", "size": 10 }), "params"),
        (
            json!({ "pattern": "worker-pool", "size": 10, "params": { "workers": 1, "cost": -1 } }),
            "params.cost",
        ),
        (
            json!({ "pattern": "worker-pool", "size": 10, "params": { "workers": 1 }, "repeat": 0 }),
            "repeat",
        ),
        (
            json!({ "pattern": "worker-pool", "size": 10,
                    "params": { "workers": 1, "mode": "threads" } }),
            "params.mode",
        ),
        (
            json!({ "pattern": "many-tasks", "size": 10, "params": { "variant": "spawn" } }),
            "params.sleepMs",
        ),
        (
            json!({ "pattern": "many-tasks", "size": 10,
                    "params": { "sleepMs": 600_001, "variant": "spawn" } }),
            "params.sleepMs",
        ),
        (
            json!({ "pattern": "many-tasks", "size": 10,
                    "params": { "sleepMs": 1, "variant": "goroutine" } }),
            "params.variant",
        ),
        (
            json!({ "pattern": "many-tasks", "size": 0,
                    "params": { "sleepMs": 1, "variant": "spawn" } }),
            "size",
        ),
        (
            json!({ "pattern": "fan-in", "size": 10, "params": { "op": "scatter-gather" } }),
            "params.op",
        ),
        (
            json!({ "pattern": "fan-in", "size": 10, "params": { "op": "merge", "sources": 0 } }),
            "params.sources",
        ),
        (
            json!({ "pattern": "rwlock-cache", "size": 10,
                    "params": { "clients": 2, "readPercent": 101, "keys": 4 } }),
            "params.readPercent",
        ),
        (
            json!({ "pattern": "token-bucket", "size": 10,
                    "params": { "refill": { "tokens": 0, "everyMs": 1 }, "burst": 1 } }),
            "params.refill.tokens",
        ),
        (
            json!({ "pattern": "sliding-window", "size": 10, "params": { "limit": 5 } }),
            "params.windowMs",
        ),
    ];
    for (request, field) in cases {
        let output = runner(&["bench"], Some(format!("{request}\n").as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let answer = &answers(&output)[0];
        assert_eq!(answer["status"], "error", "{request}");
        assert_eq!(answer["error"]["field"], field, "{request}");
    }
}

#[test]
fn bench_without_a_usable_request_exits_3() {
    for stdin in ["", "nope\n", "[]\n", r#"{"pattern": "fan-out", "size": 1}"#] {
        let output = runner(&["bench"], Some(stdin.as_bytes()));
        assert_eq!(output.status.code(), Some(3), "{stdin:?}");
        assert!(
            stderr(&output).starts_with("error: line 1: "),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn bench_with_a_second_request_exits_3() {
    let request = r#"{"pattern": "worker-pool", "size": 1, "params": {"workers": 1}}"#;
    let output = runner(
        &["bench"],
        Some(format!("{request}\n\n{request}\n").as_bytes()),
    );
    assert_eq!(output.status.code(), Some(3));
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).starts_with("error: line 3: expected one bench request"),
        "{}",
        stderr(&output)
    );
}
