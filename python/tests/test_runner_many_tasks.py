"""The `many-tasks` benchmark on asyncio: every variant joins every task, the check, the errors."""

import asyncio
import inspect
from typing import Any

import pytest

from cookbook.runner import many_tasks, protocol
from cookbook.runner.fields import FieldError, Fields
from cookbook.runner.many_tasks import Joined, ManyTasks
from cookbook.runner.protocol import SelfCheckFailed

NS_PER_MS = 1_000_000


def measured(variant: str, size: int) -> list[protocol.Measured]:
    """Two runs of `variant` at `size`, each sleeping 1 ms: the second shows that nothing of the
    first is left over."""
    bench_input = many_tasks.bench_input(size, Fields({"sleepMs": 1, "variant": variant}))
    return [many_tasks.bench(bench_input) for _ in range(2)]


@pytest.mark.parametrize("size", [1, 40])
@pytest.mark.parametrize("variant", ["spawn", "work"])
def test_every_variant_joins_every_task_and_says_when_the_last_started(
    variant: str, size: int
) -> None:
    expected: dict[str, int] = {"count": size}
    if variant == "work":
        expected["sum"] = size * (size - 1) // 2
    for run in measured(variant, size):
        assert run["check"] == expected
        assert 0 < run["launchNs"] <= run["elapsedNs"]
        assert run["elapsedNs"] >= NS_PER_MS  # every task slept


async def test_a_work_task_holds_its_buffer_across_the_sleep_then_sends_its_index() -> None:
    indexes: asyncio.Queue[int | None] = asyncio.Queue()
    held = many_tasks._hold_then_send(7, 0.001, indexes)
    task = asyncio.create_task(held)
    await asyncio.sleep(0)  # the task runs up to its sleep
    assert inspect.getcoroutinelocals(held)["buffer"] == bytearray((7).to_bytes(8, "little") * 8)
    await task
    assert indexes.get_nowait() == 7
    assert indexes.empty()


@pytest.mark.parametrize(
    ("variant", "joined", "problem"),
    [
        ("spawn", Joined(launch_ns=1, count=3), "3 tasks joined of 4"),
        ("work", Joined(launch_ns=1, count=5, sum=6), "5 tasks joined of 4"),
        ("work", Joined(launch_ns=1, count=4, sum=7), "indexes sum to 7 for 4 tasks"),
    ],
)
def test_a_wrong_count_or_sum_fails_the_check(variant: str, joined: Joined, problem: str) -> None:
    with pytest.raises(SelfCheckFailed, match=f"^{problem}$"):
        many_tasks.check(ManyTasks(size=4, sleep_ms=1, variant=variant), joined)
    assert many_tasks.check(ManyTasks(4, 1, "work"), Joined(1, 4, 6)) == {"count": 4, "sum": 6}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"variant": "spawn"}, "params.sleepMs", "params.sleepMs is required"),
        ({"sleepMs": 0, "variant": "spawn"}, "params.sleepMs", "from 1 to 600000, got 0"),
        ({"sleepMs": 600_001, "variant": "spawn"}, "params.sleepMs", "got 600001"),
        ({"sleepMs": True, "variant": "spawn"}, "params.sleepMs", "an integer, got bool"),
        # `sleepMs` is validated before `variant`.
        ({"sleepMs": "1", "variant": "threads"}, "params.sleepMs", "an integer, got str"),
        ({"sleepMs": 1}, "params.variant", 'params.variant is required: one of "spawn", "work"'),
        # tokio's own variant is answered as any variant this runner does not have.
        ({"sleepMs": 1, "variant": "join-all"}, "params.variant", 'got "join-all"'),
        ({"sleepMs": 1, "variant": 2}, "params.variant", '"spawn", "work", got int'),
    ],
)
def test_invalid_params_name_their_path(params: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        many_tasks.bench_input(10, Fields(params, "params"))
    assert caught.value.field == field
    assert message in caught.value.message
    assert caught.value.message.startswith(field + " ")
