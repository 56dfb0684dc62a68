"""The limiters through the runner's protocol: validation order and the benchmark."""

import json
from typing import Any

import pytest

from cookbook.runner import protocol
from cookbook.runner.fields import FieldError, Fields
from cookbook.runner.registry import TABLES, implementation

BUCKET = {"refill": {"tokens": 1, "everyMs": 2}, "burst": 3}
WINDOW = {"limit": 2, "windowMs": 5}


@pytest.mark.parametrize(
    ("input", "field", "message"),
    [
        ({**WINDOW}, "mode", 'mode is required: one of "decide", "live"'),
        ({"mode": 1, **WINDOW}, "mode", "got int"),
        # Each element whole before the next: out of order at [1] before the string at [2]...
        ({"mode": "decide", **WINDOW, "arrivalsMs": [5, 4, "x"]}, "arrivalsMs[1]", "(5)"),
        # ...and the string at [1] before the order of [2].
        ({"mode": "decide", **WINDOW, "arrivalsMs": [5, "x", 4]}, "arrivalsMs[1]", "got str"),
        ({"mode": "decide", **WINDOW, "arrivalsMs": [2**53]}, "arrivalsMs[0]", "9007199254740991"),
        # The limiter's own parameters come before the mode's fields.
        ({"mode": "live", "limit": 0, "callers": 0}, "limit", "got 0"),
        ({"mode": "live", **WINDOW, "callers": 1}, "requestsPerCaller", "is required"),
        ({"mode": "live", **WINDOW, "callers": 1001}, "callers", "from 1 to 1000"),
    ],
)
def test_window_fields_in_documented_order(input: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        TABLES["asyncio"]["sliding-window"].validate(Fields(input))
    assert caught.value.field == field
    assert caught.value.message.startswith(field + " ")
    assert message in caught.value.message


def test_bucket_reads_refill_before_its_fields() -> None:
    with pytest.raises(FieldError) as caught:
        TABLES["threads"]["token-bucket"].validate(Fields({"mode": "decide", "refill": 3}))
    assert caught.value.field == "refill"


def test_each_mode_ignores_the_other_mode_s_fields() -> None:
    live = {"mode": "live", **WINDOW, "callers": 2, "requestsPerCaller": 0, "arrivalsMs": "x"}
    decide = {"mode": "decide", **WINDOW, "arrivalsMs": [], "callers": "x"}
    impl = implementation("threads")
    for case_input in (live, decide):
        request = {"pattern": "sliding-window", "id": "x", "input": case_input}
        assert protocol.answer(impl, request)["status"] == "ok"


@pytest.mark.parametrize("variant", sorted(TABLES))
@pytest.mark.parametrize(
    ("slug", "params", "admitted"),
    [
        # 2 credits a token, 6 to start: 0 1 2 3 4 admitted, then every other millisecond.
        ("token-bucket", BUCKET, 7),
        ("sliding-window", WINDOW, 4),  # 0 1, then 5 6
    ],
)
def test_bench_counts_decisions_and_admissions(
    variant: str, slug: str, params: dict[str, Any], admitted: int
) -> None:
    line = {"pattern": slug, "size": 10, "params": params, "repeat": 2}
    answer = protocol.bench(implementation(variant), [json.dumps(line).encode()])
    assert answer["check"] == {"count": 10, "admitted": admitted}
    assert len(answer["elapsedNs"]) == 2


def test_bench_names_the_parameter_by_its_path() -> None:
    params = {"refill": {"tokens": 1, "everyMs": 0}, "burst": 3}
    line = {"pattern": "token-bucket", "size": 10, "params": params}
    answer = protocol.bench(implementation("asyncio"), [json.dumps(line).encode()])
    assert answer["error"]["field"] == "params.refill.everyMs"
