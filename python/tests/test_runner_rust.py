"""The `rust` variant's own plumbing: the advice when the extension is missing, and the patterns
the extension does not expose (fan-in, the queues, batching, pub-sub), listed with a reason for
each of their cases.

Its answers to the spec's cases are checked with the other variants' (test_spec_*.py).
"""

import json
import subprocess
import sys

import pytest

from cookbook.runner import protocol
from cookbook.runner.registry import implementation
from tests.spec import load_spec

# `sys.modules[name] = None` makes importing `name` fail as if it were not installed.
WITHOUT_THE_EXTENSION = (
    "import sys; sys.modules['cookbook_rs'] = None; "
    "from cookbook.runner.cli import main; sys.exit(main(sys.argv[1:]))"
)


def runner_without_the_extension(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_EXTENSION, *args],
        input=b"",
        capture_output=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("command", ["list", "run", "bench"])
def test_without_the_extension_the_variant_exits_1_with_one_line_of_advice(command: str) -> None:
    done = runner_without_the_extension("--variant", "rust", command)
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert done.stdout == b""
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("error: --variant rust needs the extension cookbook_rs")
    assert stderr.endswith("run `just build-py-ext`\n")
    assert "Traceback" not in stderr


def test_without_the_extension_the_other_variants_still_run() -> None:
    done = runner_without_the_extension("--variant", "threads", "list")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["implementation"] == "python-threads"


# The patterns the extension does not expose at all, and the first field each reads.
NOT_EXPOSED = {
    "producer-consumer": "capacity",
    "pipeline": "stages",
    "priority-queue": "workers",
    "batching": "mode",
    "pub-sub": "policy",
    "timeout": "kind",
    "first-completed": "mode",
    "error-group": "policy",
    "retry": "mode",
    "throttle": "mode",
    "debounce": "mode",
    "circuit-breaker": "mode",
}


def test_every_fan_in_case_is_skipped_and_one_of_the_worker_pool() -> None:
    impl = implementation("rust")
    assert impl.name == "python-rust"
    fan_in = {case.id for case in load_spec("fan-in").cases}
    assert set(impl.skips["fan-in"]) == fan_in
    assert all(
        reason.startswith("cookbook_rs does not expose fan-in")
        for reason in impl.skips["fan-in"].values()
    )
    skipping = {slug for slug, skips in impl.skips.items() if skips}
    assert skipping == {"fan-in", "worker-pool", *NOT_EXPOSED}
    assert set(impl.skips["worker-pool"]) == {"panicking-jobs"}
    assert protocol.describe(impl)["patterns"]["fan-in"] == {"skip": impl.skips["fan-in"]}


def test_a_worker_pool_job_that_would_panic_is_refused_at_its_panic() -> None:
    impl = implementation("rust")
    jobs = [{"id": 0}, {"id": 1, "panic": True}]
    request = {"pattern": "worker-pool", "id": "new", "input": {"workers": 1, "jobs": jobs}}
    answer = protocol.answer(impl, request)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == "jobs[1].panic"
    assert answer["error"]["message"].startswith("jobs[1].panic must be false in python-rust")


def test_a_fan_in_request_that_is_not_skipped_is_refused_at_op() -> None:
    impl = implementation("rust")
    request = {"pattern": "fan-in", "id": "a-new-case", "input": {"op": "merge", "sources": []}}
    answer = protocol.answer(impl, request)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == "op"
    assert answer["error"]["message"].startswith("op is not available in python-rust")
    bench = {"pattern": "fan-in", "size": 10, "params": {"op": "merge", "sources": 4}}
    assert protocol.bench(impl, [json.dumps(bench).encode()])["status"] == "error"


@pytest.mark.parametrize(("slug", "field"), NOT_EXPOSED.items())
def test_every_case_of_a_pattern_not_exposed_is_skipped_and_a_new_one_refused(
    slug: str, field: str
) -> None:
    impl = implementation("rust")
    assert set(impl.skips[slug]) == {case.id for case in load_spec(slug).cases}
    assert all(
        reason.startswith("cookbook_rs does not expose") for reason in impl.skips[slug].values()
    )
    answer = protocol.answer(impl, {"pattern": slug, "id": "a-new-case", "input": {}})
    assert answer["error"]["field"] == field
    assert answer["error"]["message"].startswith(f"{field} is not available in python-rust")
    bench = {"pattern": slug, "size": 10, "params": {}}
    assert protocol.bench(impl, [json.dumps(bench).encode()])["error"]["field"] == f"params.{field}"
