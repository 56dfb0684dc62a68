//! What a line is, and what JSON is (`docs/contract.md`), as the built binary reads it: every
//! runner gives one bad line the same answer.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

mod common;

use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::{answers, case, command, run_command, runner, stderr};

/// 16 MiB: the longest line, not counting its line end.
const MAX_LINE: usize = 16 * 1024 * 1024;

/// A valid request, answered `ok`, without its line end.
fn good() -> String {
    case("good", &json!({ "workers": 1, "jobs": [] }))
        .trim_end()
        .to_owned()
}

/// A request whose `input` holds `extra` as the value of an unread field.
fn with_extra(extra: &str) -> String {
    format!(
        r#"{{"pattern": "worker-pool", "id": "x", "input": {{"workers": 1, "jobs": [], "extra": {extra}}}}}"#
    )
}

/// A request whose `input.workers` is written `workers`.
fn with_workers(workers: &str) -> String {
    format!(
        r#"{{"pattern": "worker-pool", "id": "x", "input": {{"workers": {workers}, "jobs": []}}}}"#
    )
}

/// `depth` arrays nested in each other.
fn nested(depth: usize) -> String {
    "[".repeat(depth) + &"]".repeat(depth)
}

/// Runs `line` as line 2, between two good lines: it must be unusable (exit 3) and leave
/// line 1 answered, with one line of error that names line 2 and, if given, `problem`.
fn assert_unusable(what: &str, line: &[u8], problem: &str) {
    let mut input = good().into_bytes();
    input.push(b'\n');
    input.extend_from_slice(line);
    input.push(b'\n');
    input.extend_from_slice(good().as_bytes());
    let output = runner(&["run"], Some(&input));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{what}: {stderr}");
    assert_eq!(answers(&output).len(), 1, "{what}: line 1 stays answered");
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    assert!(stderr.starts_with("error: line 2: "), "{what}: {stderr}");
    assert!(
        stderr.contains(problem),
        "{what}: {stderr} names {problem:?}"
    );
}

#[test]
fn lines_that_are_not_strict_json_are_unusable() {
    let w = r#""pattern": "worker-pool", "id": "x""#;
    let cases: &[(&str, String)] = &[
        ("not JSON at all", "not json".to_owned()),
        ("NaN", with_workers("NaN")),
        ("Infinity", with_workers("Infinity")),
        ("-Infinity", with_workers("-Infinity")),
        ("a leading zero", with_workers("01")),
        ("a negative leading zero", with_workers("-01")),
        ("a bare minus", with_workers("-")),
        ("a bare point", with_workers("1.")),
        ("a point first", with_workers(".5")),
        ("an empty exponent", with_workers("1e")),
        ("a plus sign", with_workers("+1")),
        ("hex", with_workers("0x10")),
        (
            "a trailing comma in an object",
            format!("{{{w}, \"input\": {{}},}}"),
        ),
        ("a trailing comma in an array", with_extra("[1, 2,]")),
        ("a missing comma", with_extra("[1 2]")),
        ("single quotes", format!("{{{w}, 'input': {{}}}}")),
        ("an unquoted name", format!("{{{w}, input: {{}}}}")),
        (
            "a line comment",
            format!("{{{w}, \"input\": {{}}}} // note"),
        ),
        (
            "a block comment",
            format!("{{{w}, /* note */ \"input\": {{}}}}"),
        ),
        ("trailing garbage", format!("{{{w}, \"input\": {{}}}} x")),
        ("a second value", format!("{} {}", good(), good())),
        ("a raw tab in a string", with_extra("\"a\tb\"")),
        ("a raw NUL in a string", with_extra("\"a\0b\"")),
        ("an unknown escape", with_extra(r#""a\qb""#)),
        ("a short \\u escape", with_extra(r#""\u12""#)),
        ("a signed \\u escape", with_extra(r#""\u+123""#)),
        ("an unterminated string", with_extra("\"abc")),
        ("an unterminated object", format!("{{{w}, \"input\": {{}}")),
        ("true misspelt", with_extra("tru")),
        ("Python's None", with_extra("None")),
        (
            "a lone \\r between two values",
            format!("{}\r{}", good(), good()),
        ),
        ("U+0085 alone", "\u{85}".to_owned()),
        ("U+2028 alone", "\u{2028}".to_owned()),
        ("a vertical tab alone", "\u{b}".to_owned()),
        ("a form feed alone", "\u{c}".to_owned()),
        ("a no-break space alone", "\u{a0}".to_owned()),
    ];
    for (what, line) in cases {
        assert_unusable(what, line.as_bytes(), "not JSON");
    }
}

#[test]
fn names_twice_in_one_object_are_unusable_at_any_depth() {
    let w = r#""pattern": "worker-pool", "id": "x""#;
    let cases = [
        ("id twice", format!(r#"{{{w}, "id": "y", "input": {{}}}}"#)),
        ("workers twice", with_workers("1, \"workers\": 2")),
        ("deep inside", with_extra(r#"[{"a": {"b": 1, "b": 1}}]"#)),
        ("spelt two ways", with_extra(r#"{"a": 1, "\u0061": 2}"#)),
    ];
    for (what, line) in cases {
        assert_unusable(what, line.as_bytes(), "twice");
    }
}

#[test]
fn lone_surrogates_are_unusable() {
    for escape in [
        r"\ud800",
        r"\udc00",
        r"\ud800x",
        r"\ud800\u0041",
        r"\ud800\ud800",
        r"\ude00\ud83d",
    ] {
        assert_unusable(
            escape,
            with_extra(&format!("\"{escape}\"")).as_bytes(),
            "surrogate",
        );
        let id = format!(r#"{{"pattern": "worker-pool", "id": "{escape}", "input": {{}}}}"#);
        assert_unusable(escape, id.as_bytes(), "surrogate");
    }
}

#[test]
fn nesting_deeper_than_64_is_unusable() {
    // The request is depth 1 and `input` depth 2: 63 arrays inside it reach depth 65.
    assert_unusable("depth 65", with_extra(&nested(63)).as_bytes(), "64");
    assert_unusable("depth 1000", with_extra(&nested(1000)).as_bytes(), "64");
    assert_unusable(
        "depth 100000",
        with_extra(&nested(100_000)).as_bytes(),
        "64",
    );
}

#[test]
fn bytes_that_are_not_utf8_are_unusable() {
    let cases: &[(&str, &[u8])] = &[
        ("a stray continuation byte", b"\x80"),
        ("a byte never in UTF-8", b"\xff"),
        ("an overlong slash", b"\xc0\xaf"),
        ("an overlong NUL", b"\xe0\x80\x80"),
        ("an encoded surrogate", b"\xed\xa0\x80"),
        ("above U+10FFFF", b"\xf4\x90\x80\x80"),
        ("a cut sequence", b"\xe2\x82"),
    ];
    for (what, bytes) in cases {
        // Inside a string of an unread field, where only the encoding is wrong.
        let line = with_extra("\"\u{0}\"");
        let (before, after) = line.split_once('\u{0}').expect("a placeholder");
        let line = [before.as_bytes(), bytes, after.as_bytes()].concat();
        assert_unusable(what, &line, "UTF-8");
    }
}

#[test]
fn a_byte_order_mark_is_unusable() {
    let line = format!("\u{feff}{}", good());
    assert_unusable("a BOM", line.as_bytes(), "byte order mark");
}

#[test]
fn a_line_longer_than_16_mib_is_unusable() {
    // Spaces are JSON whitespace: the longest line is still a valid request.
    let padded = |length: usize| {
        let good = good();
        good.clone() + &" ".repeat(length - good.len())
    };
    let longest = padded(MAX_LINE) + "\r\n" + &good();
    let output = runner(&["run"], Some(longest.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(answers(&output).len(), 2);
    assert_unusable(
        "one byte too long",
        padded(MAX_LINE + 1).as_bytes(),
        "16777216",
    );
    assert_unusable(
        "blank but too long",
        " ".repeat(MAX_LINE + 1).as_bytes(),
        "16777216",
    );
}

#[test]
fn requests_that_are_not_cases_are_unusable() {
    let cases = [
        ("not an object", "[1, 2]", "not a JSON object"),
        ("a string", r#""worker-pool""#, "not a JSON object"),
        ("null", "null", "not a JSON object"),
        (
            "id a number",
            r#"{"pattern": "worker-pool", "id": 4, "input": {}}"#,
            "\"id\"",
        ),
        (
            "no id",
            r#"{"pattern": "worker-pool", "input": {}}"#,
            "\"id\"",
        ),
        (
            "pattern a number",
            r#"{"pattern": 1, "id": "x", "input": {}}"#,
            "\"pattern\"",
        ),
        (
            "unknown pattern",
            r#"{"pattern": "fan-out", "id": "x", "input": {}}"#,
            "fan-out",
        ),
        (
            "input an array",
            r#"{"pattern": "worker-pool", "id": "x", "input": []}"#,
            "\"input\"",
        ),
        // Checked in this order: `id` before `pattern` before `input`.
        ("id before pattern", r#"{"pattern": 1, "id": 2}"#, "\"id\""),
        (
            "pattern before input",
            r#"{"pattern": 1, "id": "x"}"#,
            "\"pattern\"",
        ),
    ];
    for (what, line, problem) in cases {
        assert_unusable(what, line.as_bytes(), problem);
    }
}

#[test]
fn lines_end_at_newline_only_and_blank_lines_are_counted() {
    let good = good();
    // CRLF line ends, blank lines of spaces, tabs and CRs, and a last line without an end.
    let input = format!("{good}\r\n \t\r\n\r\n\n{good}\n\t\n{good}");
    let output = runner(&["run"], Some(input.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(answers(&output).len(), 3);
    // The blank lines count: the bad line is line 5.
    let input = format!("{good}\r\n \t\r\n\r\n\n[]\n");
    let output = runner(&["run"], Some(input.as_bytes()));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).starts_with("error: line 5: "),
        "{}",
        stderr(&output)
    );
    // A lone CR ends nothing: here it is JSON whitespace inside one line.
    let input = format!("{good}\r \r");
    let output = runner(&["run"], Some(input.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(answers(&output).len(), 1);
}

#[test]
fn ids_come_back_exactly() {
    for id in [
        "a\u{2028}b\u{2029}c\u{85}d",
        "nul \0 inside",
        "\u{1f600}",
        "",
        "é\"\\/",
    ] {
        let line =
            json!({ "pattern": "worker-pool", "id": id, "input": { "workers": 1, "jobs": [] } });
        let output = runner(&["run"], Some(format!("{line}\n").as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(answers(&output)[0]["id"], id);
    }
    // A surrogate pair is one character, and a raw U+2028 is legal inside a string.
    let line = r#"{"pattern": "worker-pool", "id": "\ud83d\ude00 \u0000", "input": {"workers": 1, "jobs": []}}"#;
    let output = runner(&["run"], Some(format!("{line}\n").as_bytes()));
    assert_eq!(answers(&output)[0]["id"], "\u{1f600} \0");
    let raw = "{\"pattern\": \"worker-pool\", \"id\": \"a\u{2028}b\", \"input\": {\"workers\": 1, \"jobs\": []}}\n";
    let output = runner(&["run"], Some(raw.as_bytes()));
    assert_eq!(answers(&output)[0]["id"], "a\u{2028}b");
}

#[test]
fn depth_64_is_usable() {
    let output = runner(&["run"], Some((with_extra(&nested(62)) + "\n").as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(answers(&output)[0]["status"], "ok");
}

#[test]
fn numbers_of_any_size_are_read() {
    let digits = "9".repeat(5000);
    // In an unread field, any number is ignored.
    for number in [
        "1e400",
        "-1e400",
        &digits,
        "0.1e-999",
        "-0",
        "1E+2",
        "123456789012345678901234567890",
    ] {
        let output = runner(&["run"], Some((with_extra(number) + "\n").as_bytes()));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{number}: {}",
            stderr(&output)
        );
        assert_eq!(answers(&output)[0]["status"], "ok", "{number}");
    }
    // Where an integer is read, it is out of range or not an integer: a field error.
    let range = "workers must be an integer from 1 to 10000, got";
    let not_integer = "workers must be an integer, got";
    for (number, message) in [
        ("1e400", format!("{range} 1e+400")),
        ("-1e400", format!("{range} -1e+400")),
        (&digits, format!("{range} {digits}")),
        (
            "18446744073709551616",
            format!("{range} 18446744073709551616"),
        ),
        ("0.1e-999", format!("{not_integer} 0.1e-999")),
        ("1e-400", format!("{not_integer} 1e-400")),
        ("2.5", format!("{not_integer} 2.5")),
        (
            "4.000000000000000001",
            format!("{not_integer} 4.000000000000000001"),
        ),
    ] {
        let output = runner(&["run"], Some((with_workers(number) + "\n").as_bytes()));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{number}: {}",
            stderr(&output)
        );
        let answer = &answers(&output)[0];
        assert_eq!(answer["status"], "error", "{number}");
        assert_eq!(answer["error"]["field"], "workers", "{number}");
        assert_eq!(answer["error"]["message"], message.as_str(), "{number}");
    }
    // A whole number written another way is an integer.
    for number in ["2", "2.0", "2e0", "0.2e1", "200e-2"] {
        let output = runner(&["run"], Some((with_workers(number) + "\n").as_bytes()));
        assert_eq!(answers(&output)[0]["status"], "ok", "{number}");
    }
    let job = r#"{"pattern": "worker-pool", "id": "x", "input": {"workers": 1, "jobs": [{"id": 1e400}]}}"#;
    let output = runner(&["run"], Some(format!("{job}\n").as_bytes()));
    assert_eq!(answers(&output)[0]["error"]["field"], "jobs[0].id");
}

#[test]
fn closed_or_empty_standard_input() {
    // `0<&-`: the runner starts with no file descriptor 0 at all.
    let closed = |args: &str| {
        let mut shell = std::process::Command::new("sh");
        shell
            .args(["-c", &format!("exec \"$0\" {args} 0<&-")])
            .arg(command(&[]).get_program())
            .stdin(Stdio::null());
        run_command(&mut shell, None)
    };
    for output in [
        closed("run"),
        runner(&["run"], Some(b"")),
        runner(&["run"], None),
    ] {
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(output.stdout.is_empty());
    }
    for output in [
        closed("bench"),
        runner(&["bench"], Some(b"")),
        runner(&["bench"], Some(b" \n\t\n")),
    ] {
        assert_eq!(output.status.code(), Some(3));
        assert!(output.stdout.is_empty());
        assert_eq!(
            stderr(&output),
            "error: line 1: expected one bench request, got none\n"
        );
    }
}

#[test]
fn bench_reads_its_line_as_run_does() {
    let request = r#"{"pattern": "worker-pool", "size": 1, "params": {"workers": 1}, "size": 2}"#;
    let output = runner(&["bench"], Some(format!("\n{request}\n").as_bytes()));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).starts_with("error: line 2: "),
        "{}",
        stderr(&output)
    );
    let request = r#"{"pattern": "worker-pool", "size": 1e400, "params": {"workers": 1}}"#;
    let output = runner(&["bench"], Some(format!("{request}\n").as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(answers(&output)[0]["error"]["field"], "size");
}

/// The decisions on given times are the whole measured region: building their JSON answer
/// comes after it. The benchmark times the same decisions with no answer at all, so a
/// region that held the JSON would take many times longer than the benchmark's.
#[test]
fn a_decide_run_measures_the_decisions_alone() {
    const ARRIVALS: u64 = 100_000;
    let params = json!({ "refill": { "tokens": 1, "everyMs": 2 }, "burst": 100 });
    for (pattern, params) in [
        ("token-bucket", params),
        ("sliding-window", json!({ "limit": 100, "windowMs": 200 })),
    ] {
        let mut input = params.clone();
        input["mode"] = json!("decide");
        input["arrivalsMs"] = (0..ARRIVALS).collect();
        let line = json!({ "pattern": pattern, "id": "many", "input": input });
        let output = runner(&["run"], Some(format!("{line}\n").as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let answer = &answers(&output)[0];
        assert_eq!(
            answer["output"]["decisions"].as_array().map(Vec::len),
            Some(100_000)
        );
        let run_ns = answer["observed"]["elapsedNs"].as_u64().expect("elapsedNs");
        let request =
            json!({ "pattern": pattern, "size": ARRIVALS, "params": params, "repeat": 5 });
        let output = runner(&["bench"], Some(format!("{request}\n").as_bytes()));
        let bench = &answers(&output)[0]["elapsedNs"];
        let bench_ns = bench
            .as_array()
            .and_then(|times| times.iter().filter_map(Value::as_u64).max())
            .expect("bench times");
        assert!(
            run_ns < 10 * bench_ns,
            "{pattern}: the run measured {run_ns} ns, the benchmark {bench_ns} ns"
        );
    }
}
