"""The worker pool bench's `params.mode`: the same check in every mode, the event loop on one
thread, the jobs' work in other processes in `parallel`, and `mode` refused where there is none."""

import threading
from functools import reduce
from operator import xor
from typing import Any

import pytest

import cookbook.runner.worker_pool
from cookbook.runner import parallel_pool, protocol
from cookbook.runner.fields import FieldError, Fields
from cookbook.runner.registry import TABLES
from cookbook.work import to_hex, work

SIZE, COST = 20, 100


def params(mode: str | None, workers: int = 3) -> dict[str, Any]:
    # Three workers: on a machine with fewer cores, `parallel` deals them over fewer processes.
    return {"workers": workers, "cost": COST, "sleepMs": 1} | ({"mode": mode} if mode else {})


def bench_asyncio(mode: str | None, workers: int = 3) -> protocol.Measured:
    pattern = TABLES["asyncio"]["worker-pool"]
    return pattern.bench(pattern.bench_input(SIZE, Fields(params(mode, workers), "params")))


class ThreadsThatWork:
    """Stands in for `work` where the runner's jobs call it, noting the thread of each call."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self, seed: int, n: int) -> int:
        self.threads.append(threading.get_ident())
        return work(seed, n)


@pytest.fixture
def work_here(monkeypatch: pytest.MonkeyPatch) -> ThreadsThatWork:
    """The threads of this process that compute a job; a process started afresh (`parallel`)
    imports the real `work` and notes nothing here."""
    noted = ThreadsThatWork()
    monkeypatch.setattr(cookbook.runner.worker_pool, "work", noted)
    return noted


def test_every_mode_answers_the_same_check() -> None:
    digest = to_hex(reduce(xor, (work(i, COST) for i in range(SIZE)), 0))
    for mode in [None, "event-loop", "parallel"]:
        assert bench_asyncio(mode)["check"] == {"count": SIZE, "digest": digest}, mode


@pytest.mark.parametrize("mode", [None, "event-loop"])
def test_the_event_loop_computes_every_job_on_the_calling_thread(
    mode: str | None, work_here: ThreadsThatWork
) -> None:
    bench_asyncio(mode)
    assert work_here.threads == [threading.get_ident()] * SIZE


def test_parallel_computes_every_job_in_other_processes(work_here: ThreadsThatWork) -> None:
    assert bench_asyncio("parallel")["check"]["count"] == SIZE
    assert work_here.threads == []


@pytest.mark.parametrize(("workers", "processes"), [(1, 1), (2, 2), (3, 2), (7, 3), (64, 2)])
def test_the_workers_are_dealt_evenly_over_the_processes(workers: int, processes: int) -> None:
    shares = parallel_pool.shares(workers, processes)
    assert len(shares) == processes
    assert sum(shares) == workers
    assert max(shares) - min(shares) <= 1
    assert min(shares) >= 1


def test_parallel_starts_a_process_per_worker_and_no_more_than_the_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert [parallel_pool.process_count(w) for w in [1, 3, 4, 10]] == [1, 3, 4, 4]
    monkeypatch.setattr("os.cpu_count", lambda: None)  # unknown: one process
    assert parallel_pool.process_count(8) == 1


@pytest.mark.parametrize(
    ("mode", "got"),
    [("threads", '"threads"'), ("", '""'), (1, "int"), (None, "null")],
)
def test_an_unknown_mode_names_params_mode(mode: object, got: str) -> None:
    with pytest.raises(FieldError) as caught:
        TABLES["asyncio"]["worker-pool"].bench_input(
            1, Fields({"workers": 1, "mode": mode}, "params")
        )
    assert caught.value.field == "params.mode"
    assert caught.value.message == (
        f'params.mode must be one of "event-loop", "parallel", got {got}'
    )


def test_mode_is_validated_after_the_pools_other_parameters() -> None:
    for name, bad in [("workers", 0), ("cost", -1), ("sleepMs", -1)]:
        given = {"workers": 1, "mode": "threads", name: bad}
        with pytest.raises(FieldError) as caught:
            TABLES["asyncio"]["worker-pool"].bench_input(1, Fields(given, "params"))
        assert caught.value.field == f"params.{name}"


@pytest.mark.parametrize("variant", ["threads", "rust"])
@pytest.mark.parametrize(("mode", "got"), [("event-loop", '"event-loop"'), (False, "bool")])
def test_a_variant_without_modes_refuses_any_mode(variant: str, mode: object, got: str) -> None:
    with pytest.raises(FieldError) as caught:
        TABLES[variant]["worker-pool"].bench_input(
            1, Fields({"workers": 1, "mode": mode}, "params")
        )
    assert caught.value.field == "params.mode"
    assert (
        caught.value.message == f"params.mode must be absent: this variant has no modes, got {got}"
    )
