"""The threads merge and scatter-gather: order, bounds, failures, cooperative cancellation, and
threads that never outlive the call."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import wait
from typing import Any

import pytest

from cookbook import fan_in_threads
from cookbook.fan_in_threads import merge, scatter_gather, scatter_gather_fail_fast
from cookbook.outcome import Failed, Ok

WAIT = 10  # seconds: a bound on waits that only a broken pattern would reach


def gated(name: str, gate: threading.Event) -> Iterator[str]:
    """One item, once `gate` opens."""
    assert gate.wait(WAIT)
    yield name


def endless(name: str, stopped: list[str]) -> Iterator[str]:
    try:
        while True:
            yield name
    finally:
        stopped.append(name)


def test_a_fast_source_is_not_held_behind_a_blocked_one() -> None:
    gate = threading.Event()
    with merge([gated("slow", gate), iter(["fast0", "fast1", "fast2"])]) as stream:
        # The slow source cannot yield until the gate opens, which only happens once the reader
        # has every fast item: a merge that waited on the slow source would never get here.
        got = [next(stream) for _ in range(3)]
        gate.set()
        got += list(stream)
    assert got == ["fast0", "fast1", "fast2", "slow"]


def test_merging_no_sources_or_empty_ones_ends() -> None:
    no_sources: list[Iterator[str]] = []
    with merge(no_sources) as stream:
        assert list(stream) == []
    with merge([iter([]), iter(["a"]), iter([])]) as stream:
        assert list(stream) == ["a"]


def test_simultaneous_items_are_each_received_once_in_their_source_order() -> None:
    with merge([iter([f"{name}{n}" for n in range(200)]) for name in "abcd"]) as stream:
        got = list(stream)
    for name in "abcd":
        assert [item for item in got if item[0] == name] == [f"{name}{n}" for n in range(200)]
    assert len(got) == 800


def test_leaving_the_merge_early_stops_the_sources_and_joins_their_threads() -> None:
    before, stopped = set(threading.enumerate()), list[str]()
    with merge([endless("a", stopped), endless("b", stopped)]) as stream:
        assert next(stream) in ("a", "b")
    assert sorted(stopped) == ["a", "b"]
    assert set(threading.enumerate()) == before


def test_a_failing_source_raises_from_the_stream_and_every_thread_is_joined() -> None:
    before, stopped = set(threading.enumerate()), list[str]()

    def breaks() -> Iterator[str]:
        yield "ok"
        raise LookupError("source lost")

    def read_all() -> list[str]:
        with merge([endless("a", stopped), breaks()]) as stream:
            return list(stream)

    with pytest.raises(LookupError, match="source lost"):
        read_all()
    assert stopped == ["a"]
    assert set(threading.enumerate()) == before


def test_gathers_in_input_order_at_most_limit_at_once() -> None:
    # Each call waits at a barrier for `limit` parties: it opens only if exactly that many calls
    # run at once, and breaks (failing the calls) if fewer do.
    limit = 3
    barrier = threading.Barrier(limit, timeout=WAIT)

    def call(n: int) -> int:
        barrier.wait()
        return n * n

    assert scatter_gather(range(3 * limit), limit, call) == [Ok(n * n) for n in range(3 * limit)]


def test_failures_are_outcomes_and_every_other_call_completes() -> None:
    error = ValueError("odd")

    def even_only(n: int) -> int:
        if n % 2:
            raise error
        return n

    assert scatter_gather(range(5), 2, even_only) == [
        Ok(0),
        Failed(error),
        Ok(2),
        Failed(error),
        Ok(4),
    ]


def test_fail_fast_stops_the_running_calls_skips_the_rest_and_joins_every_thread() -> None:
    before = set(threading.enumerate())
    waiting = threading.Event()
    started, stopped = list[int](), list[int]()

    def call(n: int, cancelled: threading.Event) -> int:
        started.append(n)
        if n == 1:
            # Fail only once call 0 is waiting: it must be stopped, not waited for.
            assert waiting.wait(WAIT)
            raise LookupError("item 1 failed")
        waiting.set()
        if cancelled.wait(WAIT):
            stopped.append(n)
        return n

    with pytest.raises(LookupError, match="item 1 failed"):
        scatter_gather_fail_fast(range(6), 2, call)
    assert stopped == [0]
    assert sorted(started) == [0, 1]  # the other four never started
    assert set(threading.enumerate()) == before


def test_fail_fast_without_a_failure_returns_every_value_in_order() -> None:
    def square(n: int, cancelled: threading.Event) -> int:
        assert not cancelled.is_set()
        return n * n

    assert scatter_gather_fail_fast(range(7), 3, square) == [n * n for n in range(7)]


def test_leaves_no_thread_behind() -> None:
    before = set(threading.enumerate())
    scatter_gather(range(20), 4, str)
    assert set(threading.enumerate()) == before


def test_rejects_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        scatter_gather([1], 0, str)
    with pytest.raises(ValueError, match="at least 1"):
        scatter_gather_fail_fast([1], 0, lambda n, _: n)


def test_fail_fast_starts_no_call_after_the_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # One thread: it runs the failing call, then takes the next one off the executor's queue.
    # The main thread is made slow to wake (as it is on a busy machine), so the futures are not
    # cancelled yet: the calls behind the failure must turn themselves away.
    started: list[int] = []

    def slow_wait(*args: Any, **kwargs: Any) -> Any:
        done = wait(*args, **kwargs)
        time.sleep(0.05)
        return done

    def call(item: int, cancelled: threading.Event) -> int:
        started.append(item)
        if item == 0:
            raise ValueError("item 0 failed")
        return item

    monkeypatch.setattr(fan_in_threads, "wait", slow_wait)
    with pytest.raises(ValueError, match="item 0 failed"):
        scatter_gather_fail_fast([0, 1, 2, 3], 1, call)
    assert started == [0]
