"""Batching and publish-subscribe through the runner's protocol: validation order beyond the spec's
cases, the benchmarks against the harness's reference, the threads variant's refusal of both, and
a signal in the middle of a case that waits on a batch's timer or a full subscriber's buffer."""

import signal
from typing import Any

import pytest
from cookbook_harness.reference import BENCH_CHECKS

from cookbook.runner import protocol
from cookbook.runner.registry import implementation
from tests.spec import load_spec
from tests.test_runner_fan_in_rwlock_cache import bench
from tests.test_runner_queues import assert_refused, line
from tests.test_runner_stopping import QUICK, first_answer, start, stop

DECIDE = {"mode": "decide", "maxSize": 2, "maxWaitMs": 10}
BLOCK = {"policy": "block", "bufferSize": 1, "subscribers": [{"id": 0, "topic": "t"}]}
LAG = {"policy": "lag", "bufferSize": 1, "subscribers": [{"id": 0, "topic": "t", "paused": True}]}


SUBSCRIBE = {"op": "subscribe", "subscriber": 0}
UNSUBSCRIBE = {"op": "unsubscribe", "subscriber": 0}
RESUME = {"op": "resume", "subscriber": 0}


@pytest.mark.parametrize(
    ("slug", "input", "field", "message"),
    [
        # The range of a time is the mode's: beyond a minute is fine on data, not live.
        ("batching", {**DECIDE, "items": [{"id": 0, "atMs": 2**53}]}, "items[0].atMs", ""),
        (
            "batching",
            {**DECIDE, "mode": "live", "items": [], "endMs": 60_001},
            "endMs",
            "from 0 to 60000",
        ),
        (
            "batching",
            {**DECIDE, "items": [{"id": 0, "atMs": 5}, {"id": 1, "atMs": 7}], "endMs": 6},
            "endMs",
            "must not be earlier than items[1].atMs (7)",
        ),
        ("batching", {**DECIDE, "items": [{"atMs": -1}]}, "items[0].id", "is required"),
        (
            "pub-sub",
            {**BLOCK, "subscribers": [{"id": 0, "topic": "t" * 101}]},
            "subscribers[0].topic",
            "101",
        ),
        (
            "pub-sub",
            {**BLOCK, "subscribers": [{"id": 0, "topic": "t", "sleepMs": -1, "paused": True}]},
            "subscribers[0].sleepMs",
            "",
        ),
        (
            "pub-sub",
            {**BLOCK, "script": [{"op": "publish", "id": -1}]},
            "script[0].topic",
            "required",
        ),
        (
            "pub-sub",
            {**BLOCK, "script": [SUBSCRIBE, UNSUBSCRIBE, UNSUBSCRIBE]},
            "script[2].subscriber",
            "must be subscribed to unsubscribe",
        ),
        (
            "pub-sub",
            {**BLOCK, "script": [SUBSCRIBE, UNSUBSCRIBE, SUBSCRIBE]},
            "script[2].subscriber",
            "must not subscribe twice",
        ),
        (
            "pub-sub",
            {**LAG, "script": [RESUME, SUBSCRIBE, RESUME]},
            "script[2].subscriber",
            "must be a paused subscriber to resume",
        ),
    ],
)
def test_fields_in_documented_order(
    slug: str, input: dict[str, Any], field: str, message: str
) -> None:
    assert_refused(slug, input, field, message)


def test_a_paused_subscriber_may_be_resumed_before_it_subscribes() -> None:
    case = {**LAG, "script": [RESUME, SUBSCRIBE, {"op": "publish", "topic": "t", "id": 7}]}
    request = {"pattern": "pub-sub", "id": "x", "input": case}
    answer = protocol.answer(implementation("asyncio"), request)
    assert answer["output"] == {"subscribers": [{"id": 0, "received": [7], "missed": 0}]}


@pytest.mark.parametrize(
    ("slug", "params"),
    [
        ("batching", {"maxSize": 7, "maxWaitMs": 3, "perMs": 2}),
        ("batching", {"maxSize": 1, "maxWaitMs": 1, "perMs": 1000}),
        ("pub-sub", {"subscribers": 3, "bufferSize": 2}),
    ],
)
def test_bench_answers_the_reference_check(slug: str, params: dict[str, Any]) -> None:
    answer = bench("asyncio", slug, 301, params)
    assert answer["status"] == "ok", answer
    assert answer["check"] == BENCH_CHECKS[slug](301, params)
    assert len(answer["elapsedNs"]) == 2


@pytest.mark.parametrize(
    ("slug", "params", "field"),
    [
        ("batching", {"maxSize": 1, "maxWaitMs": 1}, "params.perMs"),
        ("batching", {"maxSize": 1, "maxWaitMs": 60_001, "perMs": 1}, "params.maxWaitMs"),
        ("pub-sub", {"subscribers": 0}, "params.subscribers"),
        ("pub-sub", {"subscribers": 1}, "params.bufferSize"),
    ],
)
def test_bench_names_the_parameter_by_its_path(
    slug: str, params: dict[str, Any], field: str
) -> None:
    answer = bench("asyncio", slug, 10, params)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == field


@pytest.mark.parametrize(("slug", "field"), [("batching", "mode"), ("pub-sub", "policy")])
def test_threads_list_it_skip_every_case_and_refuse_a_new_one(slug: str, field: str) -> None:
    impl = implementation("threads")
    assert set(impl.skips[slug]) == {case.id for case in load_spec(slug).cases}
    answer = protocol.answer(impl, {"pattern": slug, "id": "new", "input": {}})
    assert answer["error"]["field"] == field
    assert answer["error"]["message"].startswith(f"{field} is not available in python-threads")
    assert bench("threads", slug, 10, {})["error"]["field"] == f"params.{field}"


# A batch due in a minute, and a publisher waiting for a subscriber that sleeps for one.
WAITING = {
    "batching": line(
        "batching",
        "waits",
        {
            "mode": "live",
            "maxSize": 10,
            "maxWaitMs": 60_000,
            "items": [{"id": 0, "atMs": 0}],
            "endMs": 60_000,
        },
    ),
    "pub-sub": line(
        "pub-sub",
        "waits",
        {
            **BLOCK,
            "subscribers": [{"id": 0, "topic": "t", "sleepMs": 60_000}],
            "script": [SUBSCRIBE, *({"op": "publish", "topic": "t", "id": n} for n in range(3))],
        },
    ),
}


@pytest.mark.parametrize("slug", WAITING)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_case_that_waits(slug: str, signum: int) -> None:
    runner = start("asyncio", "run", QUICK + WAITING[slug] + QUICK)
    assert first_answer(runner)["id"] == "quick"
    stdout, _ = stop(runner, signum)
    assert stdout == b""
