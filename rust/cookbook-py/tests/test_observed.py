"""The recorders the public API takes as an `observer` (`cookbook_rs.observed`), which the
runner's `rust` variant passes; the harness checks what they record against the contract."""

import pytest

from cookbook_rs import Cache, Job, JobFailed, WorkerPool, work
from cookbook_rs.observed import AsClient, CacheRecorder, PoolRecorder


def test_a_pool_recorder_records_each_job_of_a_map_call() -> None:
    jobs = [Job(seed, seed, sleep_ms=50, fail=seed == 4) for seed in range(7)]
    recorder = PoolRecorder()
    with WorkerPool(3) as pool:
        answers = pool.map(jobs, observer=recorder)
    assert [a for a in answers if not isinstance(a, JobFailed)] == [
        work(i, i) for i in range(7) if i != 4
    ]
    assert isinstance(answers[4], JobFailed)
    seen = recorder.observation()
    assert sorted(event.index for event in seen.events) == list(range(7))
    assert all(0 <= e.start_ns <= e.end_ns <= seen.elapsed_ns for e in seen.events)
    # Sleeping jobs fill the three workers, and never more.
    assert seen.max_in_flight == 3


def test_a_pool_recorder_records_one_call_and_only_once_it_is_made() -> None:
    recorder = PoolRecorder()
    with pytest.raises(RuntimeError, match="no map call"):
        recorder.observation()
    with WorkerPool(1) as pool:
        assert pool.map([1, 2], 3, observer=recorder) == [work(1, 3), work(2, 3)]
        with pytest.raises(RuntimeError, match="one map call"):
            pool.map([1], observer=recorder)
    assert len(recorder.observation().events) == 2


def test_a_cache_recorder_records_its_clients_locks_holds_and_computes() -> None:
    recorder = CacheRecorder(read_hold_ms=5, write_hold_ms=5, compute_ms=5)
    cache = Cache(observer=recorder)
    with AsClient(0):
        cache.set(1, "a")
    with AsClient(1):
        assert cache.get(1) == "a"
    with AsClient(2):
        assert cache.get_or_compute(9, 3) == f"{work(9, 3):016x}"
    elapsed = recorder.now_ns()
    # Outside a client: neither recorded nor held.
    assert cache.get(9) == f"{work(9, 3):016x}"
    seen = recorder.take()
    locks = [(lock.client, lock.mode) for lock in seen.locks]
    assert locks == [(0, "write"), (1, "read"), (2, "read"), (2, "read"), (2, "write")]
    for lock in seen.locks[:2]:
        assert lock.released_ns - lock.acquired_ns >= 5_000_000
        assert lock.request_ns <= lock.acquired_ns <= lock.released_ns <= elapsed
    [compute] = seen.computes
    assert compute.key == 9
    assert compute.end_ns - compute.start_ns >= 5_000_000
    assert recorder.take().locks == []  # taken once
