"""The instrumented entry points the runner's `rust` variant drives (`cookbook_rs.observed`)."""

import pytest

from cookbook_rs import WorkerPool, work
from cookbook_rs.observed import Job, ObservedCache, observe_jobs, run_jobs


def peak(intervals: list[tuple[int, int]]) -> int:
    """The most intervals open at one instant; at equal times an end counts before a start."""
    edges = sorted(edge for start, end in intervals for edge in ((start, 1), (end, -1)))
    most = now = 0
    for _, change in edges:
        now += change
        most = max(most, now)
    return most


def test_observe_jobs_records_each_job_once_within_the_bound() -> None:
    jobs = [Job(id=job_id, cost=job_id, sleep_ms=50, fail=job_id == 4) for job_id in range(7)]
    with WorkerPool(3) as pool:
        outcomes, seen = observe_jobs(pool, jobs)
        assert sorted(run_jobs(pool, jobs)) == sorted(outcomes)
    assert sorted(outcomes) == [(i, None if i == 4 else work(i, i)) for i in range(7)]
    events = [(event.id, event.start_ns, event.end_ns) for event in seen.events]
    assert sorted(job_id for job_id, _, _ in events) == list(range(7))
    assert all(0 <= start <= end <= seen.elapsed_ns for _, start, end in events)
    # Sleeping jobs fill the three workers, and never more.
    assert seen.max_in_flight == 3
    assert peak([(start, end) for _, start, end in events]) == 3


def test_the_jobs_of_a_closed_pool_are_refused() -> None:
    pool = WorkerPool(1)
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        run_jobs(pool, [Job(1)])


def test_an_observed_cache_records_its_clients_locks_holds_and_computes() -> None:
    cache = ObservedCache(read_hold_ms=5, write_hold_ms=5, compute_ms=5, compute_cost=3)
    cache.set(0, 1, "a")
    assert cache.get(1, 1) == "a"
    assert cache.get_or_compute(2, 9) == f"{work(9, 3):016x}"
    elapsed = cache.now_ns()
    seen = cache.finish()
    assert seen.entries == {1: "a", 9: f"{work(9, 3):016x}"}
    locks = [(lock.client, lock.mode) for lock in seen.locks]
    assert locks == [(0, "write"), (1, "read"), (2, "read"), (2, "read"), (2, "write")]
    for lock in seen.locks[:2]:
        assert lock.released_ns - lock.acquired_ns >= 5_000_000
        assert lock.request_ns <= lock.acquired_ns <= lock.released_ns <= elapsed
    [compute] = seen.computes
    assert compute.key == 9
    assert compute.end_ns - compute.start_ns >= 5_000_000


def test_a_finished_cache_takes_no_more_calls() -> None:
    cache = ObservedCache()
    cache.finish()
    with pytest.raises(RuntimeError, match="finished"):
        cache.get(0, 1)
    with pytest.raises(RuntimeError, match="finished"):
        cache.finish()
