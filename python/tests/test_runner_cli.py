"""`python -m cookbook.runner` as the harness starts it: exit codes, stderr, answers."""

import asyncio
import json
import os
import platform
import subprocess
import sys
from functools import reduce
from operator import xor
from typing import Any

import pytest

from cookbook.runner.registry import TABLES, implementation
from cookbook.work import to_hex, work

VARIANTS = sorted(TABLES)


def runner(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cookbook.runner", *args],
        input=stdin,
        capture_output=True,
        timeout=30,
        check=False,
    )


def request(case_id: str, input: object) -> bytes:
    return json.dumps({"pattern": "worker-pool", "id": case_id, "input": input}).encode() + b"\n"


def answers(done: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def assert_one_line_error(done: subprocess.CompletedProcess[bytes], code: int) -> str:
    stderr = done.stderr.decode()
    assert done.returncode == code, stderr
    assert stderr.endswith("\n")
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    return stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_list_names_the_implementation_and_its_patterns(variant: str) -> None:
    done = runner("--variant", variant, "list")
    assert done.returncode == 0
    [listing] = answers(done)
    assert listing["protocol"] == 1
    assert listing["implementation"] == f"python-{variant}"
    assert listing["patterns"] == {
        slug: {"skip": dict(implementation(variant).skips.get(slug, {}))}
        for slug in TABLES[variant]
    }


def test_list_names_the_asyncio_benchmarks_and_the_runtime_it_runs_on() -> None:
    [listing] = answers(runner("--variant", "asyncio", "list"))
    assert listing["benchmarks"] == ["many-tasks"]
    loop = asyncio.new_event_loop()
    loop.close()
    assert listing["runtime"] == {
        "eventLoop": f"{type(loop).__module__}.{type(loop).__qualname__}",
        "python": platform.python_version(),
        "gil": True,
        "cpuCount": os.cpu_count(),
    }


@pytest.mark.parametrize("variant", ["threads", "rust"])
def test_list_has_no_benchmarks_where_there_are_none(variant: str) -> None:
    [listing] = answers(runner("--variant", variant, "list"))
    assert set(listing) == {"protocol", "implementation", "patterns"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_invalid_cases_are_answers_in_request_order(variant: str) -> None:
    stdin = (
        request("zero", {"workers": 0, "jobs": []})
        + b"\n"  # a blank line is no request
        + request("four", {"workers": "four", "jobs": []})
        + request("fine", {"workers": 2, "jobs": [{"id": 7, "cost": 1}]})
    )
    done = runner("--variant", variant, "run", stdin=stdin)
    assert done.returncode == 0, done.stderr
    zero, four, fine = answers(done)
    assert zero == {
        "id": "zero",
        "status": "error",
        "error": {
            "field": "workers",
            "message": "workers must be an integer from 1 to 10000, got 0",
        },
    }
    assert four["error"] == {"field": "workers", "message": "workers must be an integer, got str"}
    assert fine["status"] == "ok"
    assert fine["output"] == {"results": [{"id": 7, "value": to_hex(work(7, 1))}]}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'{"pattern": "worker-pool", "input": {}}', '"id" must be a string, got null'),
        (b'{"id": 3, "pattern": "worker-pool", "input": {}}', '"id" must be a string, got int'),
        (b'{"id": "x", "input": {}}', '"pattern" must be a string'),
        (b'{"id": "x", "pattern": "no-such", "input": {}}', 'pattern "no-such" is not implemented'),
        (b'{"id": "x", "pattern": "worker-pool", "input": [1]}', '"input" must be an object'),
        (b"[" * 100_000, "nested deeper than 64"),
    ],
)
def test_an_unusable_line_exits_3_with_one_line(line: bytes, problem: str) -> None:
    done = runner("--variant", "asyncio", "run", stdin=line + b"\n")
    stderr = assert_one_line_error(done, 3)
    assert stderr.startswith("error: line 1: ")
    assert problem in stderr
    assert done.stdout == b""


def test_lines_before_an_unusable_line_stay_answered() -> None:
    stdin = request("first", {"workers": 1, "jobs": []}) + b"garbage\n" + request("never", {})
    done = runner("--variant", "threads", "run", stdin=stdin)
    assert assert_one_line_error(done, 3).startswith("error: line 2: not JSON")
    assert [answer["id"] for answer in answers(done)] == ["first"]


@pytest.mark.parametrize(
    "args",
    [
        ["--variant", "asyncio", "serve"],
        ["--variant", "fibers", "run"],
        ["run"],
        ["--variant", "asyncio", "run", "--verbose"],
        [],
    ],
)
def test_a_wrong_command_line_exits_2_with_one_line_of_usage(args: list[str]) -> None:
    stderr = assert_one_line_error(runner(*args), 2)
    assert stderr.startswith("usage: python -m cookbook.runner --variant")


@pytest.mark.parametrize("variant", VARIANTS)
def test_bench_answers_times_and_a_check_the_harness_can_verify(variant: str) -> None:
    line = {
        "pattern": "worker-pool",
        "size": 300,
        "params": {"workers": 4, "cost": 20},
        "repeat": 3,
    }
    done = runner("--variant", variant, "bench", stdin=json.dumps(line).encode())
    assert done.returncode == 0, done.stderr
    [answer] = answers(done)
    digest = to_hex(reduce(xor, (work(i, 20) for i in range(300)), 0))
    assert answer["status"] == "ok"
    assert answer["pattern"] == "worker-pool"
    assert answer["size"] == 300
    assert answer["check"] == {"count": 300, "digest": digest}
    assert "launchNs" not in answer  # only many-tasks reports it
    assert len(answer["elapsedNs"]) == 3
    assert all(isinstance(ns, int) and ns > 0 for ns in answer["elapsedNs"])


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"size": 0, "params": {"workers": 4}}, "size"),
        ({"size": 10, "params": {"workers": 0}}, "params.workers"),
        ({"size": 10, "params": {"workers": 2, "cost": -1}}, "params.cost"),
        ({"size": 10, "params": 4}, "params"),
        ({"size": 10}, "params"),
        ({"size": 10, "params": {"workers": 2}, "repeat": 0}, "repeat"),
    ],
)
def test_bench_answers_invalid_parameters_as_errors(line: dict[str, Any], field: str) -> None:
    stdin = json.dumps({"pattern": "worker-pool", **line}).encode()
    done = runner("--variant", "asyncio", "bench", stdin=stdin)
    assert done.returncode == 0, done.stderr
    [answer] = answers(done)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == field
    assert answer["error"]["message"].startswith(field + " ")


@pytest.mark.parametrize("variant", ["spawn", "work"])
def test_many_tasks_answers_a_launch_time_per_run(variant: str) -> None:
    line = {"pattern": "many-tasks", "size": 50, "params": {"sleepMs": 1, "variant": variant}}
    done = runner("--variant", "asyncio", "bench", stdin=json.dumps(line | {"repeat": 2}).encode())
    assert done.returncode == 0, done.stderr
    [answer] = answers(done)
    assert answer["status"] == "ok"
    assert answer["pattern"] == "many-tasks"
    assert answer["check"] == ({"count": 50, "sum": 1225} if variant == "work" else {"count": 50})
    assert len(answer["launchNs"]) == len(answer["elapsedNs"]) == 2
    for launch, whole in zip(answer["launchNs"], answer["elapsedNs"], strict=True):
        assert 0 < launch <= whole


@pytest.mark.parametrize(
    ("variant", "pattern", "params", "field"),
    [
        ("asyncio", "many-tasks", {"variant": "spawn"}, "params.sleepMs"),
        ("asyncio", "many-tasks", {"sleepMs": 1, "variant": "join-all"}, "params.variant"),
        ("asyncio", "worker-pool", {"workers": 1, "mode": "gpu"}, "params.mode"),
        ("threads", "worker-pool", {"workers": 1, "mode": "parallel"}, "params.mode"),
        ("rust", "worker-pool", {"workers": 1, "mode": "event-loop"}, "params.mode"),
    ],
)
def test_bench_answers_invalid_benchmark_parameters_as_errors(
    variant: str, pattern: str, params: dict[str, Any], field: str
) -> None:
    line = {"pattern": pattern, "size": 5, "params": params}
    done = runner("--variant", variant, "bench", stdin=json.dumps(line).encode())
    assert done.returncode == 0, done.stderr
    [answer] = answers(done)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == field
    assert answer["error"]["message"].startswith(field + " ")


MANY_TASKS_BENCH = b'{"pattern": "many-tasks", "size": 1, "params": {}}'
MANY_TASKS_CASE = b'{"id": "x", "pattern": "many-tasks", "input": {}}'


@pytest.mark.parametrize(
    ("variant", "command", "stdin", "problem"),
    [
        ("threads", "bench", MANY_TASKS_BENCH, 'pattern "many-tasks" is not implemented by'),
        ("rust", "bench", MANY_TASKS_BENCH, 'pattern "many-tasks" is not implemented by'),
        ("asyncio", "run", MANY_TASKS_CASE, '"many-tasks" is a benchmark of python-asyncio, with'),
    ],
)
def test_many_tasks_is_a_benchmark_of_asyncio_alone(
    variant: str, command: str, stdin: bytes, problem: str
) -> None:
    done = runner("--variant", variant, command, stdin=stdin)
    assert assert_one_line_error(done, 3).startswith(f"error: line 1: {problem}")
    assert done.stdout == b""


@pytest.mark.parametrize(
    ("stdin", "problem"),
    [
        (b"", "line 1: expected one bench request, got none"),
        (b'{"pattern": "worker-pool", "size": 1, "params": {"workers": 1}}\n{}\n', "line 2:"),
        (b'{"pattern": "nope", "size": 1, "params": {}}', 'pattern "nope" is not implemented'),
    ],
)
def test_bench_without_one_usable_request_exits_3(stdin: bytes, problem: str) -> None:
    done = runner("--variant", "threads", "bench", stdin=stdin)
    assert problem in assert_one_line_error(done, 3)
