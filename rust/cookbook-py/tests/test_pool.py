"""`work` and `WorkerPool`: the contract's values, the pool's API, and its errors."""

import json
from pathlib import Path
from typing import Any

import pytest

from concurrently import together
from cookbook_rs import Job, JobFailed, WorkerPool, work
from cookbook_rs.observed import PoolRecorder

WORK_JSON = Path(__file__).resolve().parents[3] / "harness" / "spec" / "work.json"
VECTORS: list[dict[str, Any]] = json.loads(WORK_JSON.read_text(encoding="utf-8"))["vectors"]
MAX = 2**64 - 1


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{v['seed']}-{v['n']}" for v in VECTORS])
def test_work_matches_every_vector_of_the_contract(vector: dict[str, Any]) -> None:
    assert f"{work(vector['seed'], vector['n']):016x}" == vector["value"]


def test_work_takes_every_64_bit_seed() -> None:
    assert work(MAX, 0) == MAX
    assert 0 <= work(MAX, 3) <= MAX


@pytest.mark.parametrize(
    ("seed", "n", "error", "message"),
    [
        (-1, 1, ValueError, "seed must be an integer from 0 to 2**64 - 1, got -1"),
        (2**64, 1, ValueError, f"seed must be an integer from 0 to 2**64 - 1, got {2**64}"),
        (0, -5, ValueError, "n must be an integer from 0 to 2**64 - 1, got -5"),
        (1.0, 1, TypeError, "seed must be an int, got float"),
        (True, 1, TypeError, "seed must be an int, got bool"),
        (0, "3", TypeError, "n must be an int, got str"),
    ],
)
def test_work_names_the_parameter_its_rule_and_what_it_got(
    seed: Any, n: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        work(seed, n)
    assert str(caught.value) == message


def test_map_answers_each_seed_in_the_order_given() -> None:
    seeds = [9, 3, MAX, 0, 3] * 40
    with WorkerPool(3) as pool:
        assert pool.map(seeds, 50) == [work(seed, 50) for seed in seeds]


def test_map_takes_any_iterable_even_an_empty_one() -> None:
    with WorkerPool(2) as pool:
        assert pool.map(iter(range(5)), 0) == [0, 1, 2, 3, 4]
        assert pool.map([], 10) == []


def test_threads_sharing_one_pool_each_get_their_own_answers() -> None:
    with WorkerPool(2) as pool:
        answers = together(8, lambda t: pool.map(range(t, t + 50), 100))
    assert answers == [[work(seed, 100) for seed in range(t, t + 50)] for t in range(8)]


@pytest.mark.parametrize(
    ("workers", "error", "message"),
    [
        (0, ValueError, "workers must be an integer of at least 1, got 0"),
        (-3, ValueError, "workers must be an integer of at least 1, got -3"),
        ("4", TypeError, "workers must be an int, got str"),
        (None, TypeError, "workers must be an int, got NoneType"),
    ],
)
def test_a_pool_needs_a_worker(workers: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        WorkerPool(workers)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("jobs", "cost", "error", "message"),
    [
        (5, 1, TypeError, "jobs must be an iterable of ints or Jobs, got int"),
        ([1, -2], 1, ValueError, "jobs[1] must be an integer from 0 to 2**64 - 1, got -2"),
        ([1, "2"], 1, TypeError, "jobs[1] must be an int or a Job, got str"),
        ([True], 1, TypeError, "jobs[0] must be an int or a Job, got bool"),
        ([1], "3", TypeError, "cost must be an int, got str"),
    ],
)
def test_map_names_the_bad_argument(
    jobs: Any, cost: Any, error: type[Exception], message: str
) -> None:
    with WorkerPool(1) as pool, pytest.raises(error) as caught:
        pool.map(jobs, cost)
    assert str(caught.value) == message


def test_jobs_carry_their_own_cost_and_a_failed_one_keeps_the_others() -> None:
    jobs: list[int | Job] = [Job(3, 10), 3, Job(5, fail=True), Job(MAX, 2, sleep_ms=20)]
    with WorkerPool(2) as pool:
        answers = pool.map(jobs, 7)
    assert answers[0] == work(3, 10)
    assert answers[1] == work(3, 7)
    assert isinstance(answers[2], JobFailed)
    assert answers[3] == work(MAX, 2)


def test_sleeping_jobs_wait_together() -> None:
    # Seen through the pool's own observations, not a clock: four sleeping jobs on four
    # workers are all in flight at once.
    recorder = PoolRecorder()
    with WorkerPool(4) as pool:
        assert pool.map([Job(n, sleep_ms=200) for n in range(4)], observer=recorder) == [0, 1, 2, 3]
    assert recorder.observation().max_in_flight == 4


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Job(-1), ValueError, "seed must be an integer from 0 to 2**64 - 1, got -1"),
        (
            lambda: Job(1, 1.5),  # type: ignore[arg-type]
            TypeError,
            "cost must be an int, got float",
        ),
        (lambda: Job(1, sleep_ms=-1), ValueError, "sleep_ms must be an integer from 0"),
        (
            lambda: Job(1, fail=1),  # type: ignore[arg-type]
            TypeError,
            "fail must be a bool, got int",
        ),
    ],
)
def test_a_bad_job_is_named_with_its_rule(make: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        make()
    assert str(caught.value).startswith(message)


def test_a_job_shows_what_it_does() -> None:
    job = Job(7, 3, sleep_ms=2, fail=True)
    assert (job.seed, job.cost, job.sleep_ms, job.fail) == (7, 3, 2, True)
    assert repr(job) == "Job(seed=7, cost=3, sleep_ms=2, fail=True)"


def test_a_closed_pool_refuses_calls_and_closing_again_does_nothing() -> None:
    pool = WorkerPool(2)
    assert not pool.closed
    pool.close()
    assert pool.closed
    with pytest.raises(RuntimeError, match=r"^the WorkerPool is closed$"):
        pool.map([1], 1)
    pool.close()


def test_leaving_the_with_block_closes_the_pool_even_on_an_error() -> None:
    with pytest.raises(KeyError), WorkerPool(2) as pool:
        raise KeyError("boom")
    assert pool.closed


def test_repr_and_workers() -> None:
    pool = WorkerPool(4)
    assert pool.workers == 4
    assert repr(pool) == "WorkerPool(workers=4)"
    pool.close()
    assert repr(pool) == "WorkerPool(workers=4, closed)"
