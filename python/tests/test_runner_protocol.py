"""The protocol's plumbing in process: skips, field messages, the bench self-check."""

import io
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pytest

import cookbook.worker_pool
from cookbook.outcome import Ok, Outcome
from cookbook.runner import cli, protocol
from cookbook.runner.fields import FieldError, Fields
from cookbook.runner.registry import TABLES, implementation
from tests.spec import load_spec


@pytest.mark.parametrize("variant", sorted(TABLES))
def test_skips_name_only_implemented_patterns_and_existing_cases(variant: str) -> None:
    impl = implementation(variant)
    assert impl.name == f"python-{variant}"
    for slug, skips in impl.skips.items():
        assert slug in impl.patterns
        case_ids = {case.id for case in load_spec(slug).cases}
        assert set(skips) <= case_ids
        assert all(reason.strip() for reason in skips.values())


def test_a_skipped_case_is_answered_unsupported_with_its_reason() -> None:
    impl = protocol.Implementation(
        name="python-test",
        patterns=TABLES["asyncio"],
        skips={"worker-pool": {"one-worker": "no slot for it"}},
    )
    request = {"pattern": "worker-pool", "id": "one-worker", "input": {}}
    assert protocol.answer(impl, request) == {
        "id": "one-worker",
        "status": "unsupported",
        "reason": "no slot for it",
    }
    assert protocol.describe(impl)["patterns"]["worker-pool"] == {
        "skip": {"one-worker": "no slot for it"}
    }


@pytest.mark.parametrize(
    ("input", "field", "message"),
    [
        ({"workers": True}, "workers", "workers must be an integer, got bool"),
        ({"workers": None}, "workers", "workers must be an integer, got null"),
        ({"workers": 2.0}, "workers", "workers must be an integer, got float"),
        ({"workers": 10_001}, "workers", "workers must be an integer from 1 to 10000, got 10001"),
        ({"workers": 1, "jobs": [{"id": 1, "cost": "3"}]}, "jobs[0].cost", "got str"),
        ({"workers": 1, "jobs": [{"id": 2**53}]}, "jobs[0].id", "got 9007199254740992"),
        ({"workers": 1, "jobs": [{"id": 1, "fail": 0}]}, "jobs[0].fail", "a boolean, got int"),
        ({"workers": 1, "jobs": [None]}, "jobs[0]", "jobs[0] must be an object, got null"),
        # The documented order: a duplicate id is reported before the bad cost that follows it.
        ({"workers": 1, "jobs": [{"id": 1}, {"id": 1, "cost": -1}]}, "jobs[1].id", "unique"),
        ({"workers": 0, "jobs": 3}, "workers", "got 0"),
    ],
)
def test_field_errors_name_the_path_the_rule_and_what_was_received(
    input: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(FieldError) as caught:
        TABLES["threads"]["worker-pool"].validate(Fields(input))
    assert caught.value.field == field
    assert message in caught.value.message
    assert caught.value.message.startswith(field + " ")


def test_a_failed_bench_self_check_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def runs_the_first_job_twice(
        jobs: Iterable[Any], workers: int, fn: Callable[[Any], Awaitable[Any]]
    ) -> list[Outcome[Any]]:
        first, *rest = list(jobs)
        return [Ok(await fn(first)) for _ in [first, *rest]]

    monkeypatch.setattr(cookbook.worker_pool, "run_pool", runs_the_first_job_twice)
    line = {"pattern": "worker-pool", "size": 3, "params": {"workers": 2}}
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(line).encode())))
    assert cli.main(["--variant", "asyncio", "bench"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: bench self-check failed: the result for job 1 came from job 0\n"
