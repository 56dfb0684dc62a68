"""Producer-consumer, the pipeline and the priority queue through the runner's protocol:
validation order beyond the spec's cases, the benchmarks against the harness's reference and
their self-checks, the threads variant's refusal of the pipeline, and a signal in the middle of a
case that waits in a queue, a sleep or a timer."""

import json
import signal
from typing import Any

import pytest
from cookbook_harness.reference import BENCH_CHECKS

import cookbook.producer_consumer
from cookbook.runner import protocol
from cookbook.runner.fields import FieldError, Fields
from cookbook.runner.registry import TABLES, implementation
from tests.spec import load_spec
from tests.test_runner_fan_in_rwlock_cache import bench
from tests.test_runner_stopping import QUICK, first_answer, start, stop

ITEM = {"id": 0}
ONE_PRODUCER = {"capacity": 1, "consumers": 1}
ONE_STAGE = {"stages": [{"workers": 1, "capacity": 1}]}
ONE_WORKER = {"workers": 1, "maxAttempts": 1}


@pytest.mark.parametrize(
    ("slug", "input", "field", "message"),
    [
        ("producer-consumer", {"capacity": 1, "discipline": "stack"}, "discipline", '"stack"'),
        (
            "producer-consumer",
            {**ONE_PRODUCER, "producers": [{}] * 1001},
            "producers",
            "at most 1000 elements",
        ),
        (
            "producer-consumer",
            {**ONE_PRODUCER, "producers": [{"items": [ITEM]}, {"items": [{"id": 1}, ITEM]}]},
            "producers[1].items[1].id",
            "got 0 again (first at producers[0].items[0])",
        ),
        (
            "producer-consumer",
            {**ONE_PRODUCER, "producers": [{"items": [{"id": 0, "delayMs": -1, "cost": -1}]}]},
            "producers[0].items[0].delayMs",
            "",
        ),
        ("producer-consumer", {**ONE_PRODUCER, "producers": [3]}, "producers[0]", "got int"),
        ("pipeline", {"stages": []}, "stages", "at least 1 element"),
        ("pipeline", {"stages": [{"capacity": 0}]}, "stages[0].workers", "is required"),
        (
            "pipeline",
            {**ONE_STAGE, "items": [{"id": 0, "failAt": 1}]},
            "items[0].failAt",
            "from 0 to 0, got 1",
        ),
        (
            "pipeline",
            {**ONE_STAGE, "items": [{"id": 0, "sleepMs": -1, "failAt": 9}]},
            "items[0].sleepMs",
            "",
        ),
        ("pipeline", {**ONE_STAGE, "items": [], "ordered": 1}, "ordered", "got int"),
        (
            "priority-queue",
            {
                **ONE_WORKER,
                "jobs": [{"id": 0, "priority": 0, "arriveMs": 10}, {"id": 1, "priority": 0}],
            },
            "jobs[1].arriveMs",
            "must not be earlier than jobs[0].arriveMs (10)",
        ),
        (
            "priority-queue",
            {**ONE_WORKER, "jobs": [{"id": 0, "arriveMs": -1}]},
            "jobs[0].priority",
            "is required",
        ),
        (
            "priority-queue",
            {**ONE_WORKER, "jobs": [{"id": 0, "priority": 1_000_001}]},
            "jobs[0].priority",
            "from 0 to 1000000",
        ),
    ],
)
def test_fields_in_documented_order(
    slug: str, input: dict[str, Any], field: str, message: str
) -> None:
    assert_refused(slug, input, field, message)


def assert_refused(slug: str, input: dict[str, Any], field: str, message: str) -> None:
    """The asyncio variant refuses `input` at `field`, with a message naming it and saying
    `message`."""
    with pytest.raises(FieldError) as caught:
        TABLES["asyncio"][slug].validate(Fields(input))
    assert caught.value.field == field
    assert caught.value.message.startswith(field + " ")
    assert message in caught.value.message


BENCHES = [
    ("producer-consumer", {"producers": 3, "consumers": 2, "capacity": 4, "cost": 7}),
    ("pipeline", {"stages": 3, "workers": 2, "capacity": 2, "cost": 5, "ordered": True}),
    ("pipeline", {"stages": 1, "workers": 4, "capacity": 1, "cost": 0, "ordered": False}),
    ("priority-queue", {"workers": 3, "cost": 9}),
]


@pytest.mark.parametrize("variant", ["asyncio", "threads"])
@pytest.mark.parametrize(("slug", "params"), BENCHES)
def test_bench_answers_the_reference_check(variant: str, slug: str, params: dict[str, Any]) -> None:
    if variant == "threads" and slug == "pipeline":  # listed, not implemented: refused
        assert bench(variant, slug, 301, params)["error"]["field"] == "params.stages"
        return
    answer = bench(variant, slug, 301, params)
    assert answer["status"] == "ok", answer
    assert answer["check"] == BENCH_CHECKS[slug](301, params)
    assert len(answer["elapsedNs"]) == 2


@pytest.mark.parametrize(
    ("slug", "params", "field"),
    [
        # Every parameter is required, each read in its documented order.
        ("producer-consumer", {}, "params.producers"),
        ("producer-consumer", {"producers": 1, "consumers": 1, "capacity": 1}, "params.cost"),
        ("producer-consumer", {"producers": 1, "consumers": 1001}, "params.consumers"),
        ("pipeline", {"stages": 17}, "params.stages"),
        ("pipeline", {"stages": 1, "workers": 1, "capacity": 1, "cost": 0}, "params.ordered"),
        ("priority-queue", {"workers": 1}, "params.cost"),
    ],
)
def test_bench_names_the_parameter_by_its_path(
    slug: str, params: dict[str, Any], field: str
) -> None:
    answer = bench("asyncio", slug, 10, params)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == field


def test_a_consumer_that_loses_an_item_fails_the_bench_self_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = cookbook.producer_consumer.produce_consume

    async def loses_one(*args: Any, **kwargs: Any) -> list[tuple[Any, Any]]:
        return (await real(*args, **kwargs))[1:]

    monkeypatch.setattr(cookbook.producer_consumer, "produce_consume", loses_one)
    params = {"producers": 1, "consumers": 1, "capacity": 1, "cost": 0}
    with pytest.raises(protocol.SelfCheckFailed, match="10 items put, 9 consumed"):
        bench("asyncio", "producer-consumer", 10, params)


def test_a_value_reported_twice_fails_the_bench_self_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = cookbook.producer_consumer.produce_consume

    async def twice(*args: Any, **kwargs: Any) -> list[tuple[Any, Any]]:
        done = await real(*args, **kwargs)
        return [*done[:-1], done[0]]

    monkeypatch.setattr(cookbook.producer_consumer, "produce_consume", twice)
    params = {"producers": 2, "consumers": 1, "capacity": 1, "cost": 0}
    with pytest.raises(protocol.SelfCheckFailed, match="9 distinct"):
        bench("asyncio", "producer-consumer", 10, params)


def test_threads_list_the_pipeline_skip_every_case_and_refuse_a_new_one() -> None:
    impl = implementation("threads")
    assert set(impl.skips["pipeline"]) == {case.id for case in load_spec("pipeline").cases}
    answer = protocol.answer(impl, {"pattern": "pipeline", "id": "new", "input": {}})
    assert answer["error"]["field"] == "stages"
    assert answer["error"]["message"].startswith("stages is not available in python-threads")


def line(slug: str, case_id: str, input: dict[str, Any]) -> bytes:
    return json.dumps({"pattern": slug, "id": case_id, "input": input}).encode() + b"\n"


# Cases that wait for long where the runner must still stop at once: in a consumer's sleep and a
# producer's full `put`; in a stage's sleep and a full queue between stages; in the submitter's
# wait for a late arrival and a worker's sleep.
WAITING = {
    "producer-consumer": line(
        "producer-consumer",
        "waits",
        {
            "capacity": 1,
            "consumers": 1,
            "producers": [
                {"items": [{"id": n, "sleepMs": 30_000} for n in range(4)]},
                {"items": [{"id": 10, "delayMs": 30_000}]},
            ],
        },
    ),
    "pipeline": line(
        "pipeline",
        "waits",
        {
            "stages": [
                {"workers": 1, "capacity": 1},
                {"workers": 1, "capacity": 1, "sleepMs": 30_000},
            ],
            "items": [{"id": n} for n in range(5)],
        },
    ),
    "priority-queue": line(
        "priority-queue",
        "waits",
        {
            "workers": 1,
            "maxAttempts": 1,
            "jobs": [
                {"id": 0, "priority": 0, "sleepMs": 30_000},
                {"id": 1, "priority": 0, "arriveMs": 60_000},
            ],
        },
    ),
}


@pytest.mark.parametrize(
    ("variant", "slug"),
    [("asyncio", slug) for slug in WAITING]
    + [("threads", "producer-consumer"), ("threads", "priority-queue")],
)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_case_that_waits(variant: str, slug: str, signum: int) -> None:
    runner = start(variant, "run", QUICK + WAITING[slug] + QUICK)
    assert first_answer(runner)["id"] == "quick"
    stdout, _ = stop(runner, signum)
    assert stdout == b""
