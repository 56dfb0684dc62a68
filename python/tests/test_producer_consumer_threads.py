"""The threads producer-consumer: every item once for any counts, backpressure, the discipline,
failures, a producer's error, and no thread left behind."""

import threading
import time
from collections.abc import Iterator
from queue import LifoQueue

import pytest

from cookbook.outcome import Failed, Ok
from cookbook.producer_consumer_threads import produce_consume
from tests.test_runner_stopping import eventually


@pytest.mark.parametrize(("producers", "consumers"), [(0, 3), (1, 1), (5, 2), (2, 7), (3, 3)])
def test_every_item_is_processed_once_for_any_counts(producers: int, consumers: int) -> None:
    before = set(threading.enumerate())
    dealt = [range(p, 30, producers) for p in range(producers)]
    done = produce_consume(dealt, consumers, lambda item: item, capacity=2)
    assert sorted(item for item, _ in done) == sorted(i for d in dealt for i in d)
    assert all(outcome == Ok(item) for item, outcome in done)
    assert set(threading.enumerate()) == before  # every producer and consumer joined


def test_a_full_queue_makes_the_producer_wait() -> None:
    pulled = 0
    release = threading.Event()

    def counted() -> Iterator[int]:
        nonlocal pulled
        for item in range(10):
            pulled += 1
            yield item

    def held(item: int) -> int:
        release.wait()
        return item

    run = threading.Thread(
        target=produce_consume, args=([counted()], 1, held), kwargs={"capacity": 2}
    )
    run.start()
    # One item held by the consumer, two in the queue, one in the producer's blocked `put`.
    assert eventually(lambda: pulled == 4, 5)
    time.sleep(0.05)
    assert pulled == 4  # and no further: the producer waits
    release.set()
    run.join(timeout=5)
    assert not run.is_alive()


def test_lifo_hands_out_the_newest_item_present() -> None:
    first_taken = threading.Event()
    release = threading.Event()
    order: list[int] = []

    def record(item: int) -> int:
        order.append(item)
        if item == 0:
            first_taken.set()
            release.wait()
        return item

    def after_the_first() -> Iterator[int]:
        yield 0
        first_taken.wait()  # the rest queue up while item 0 is being processed
        yield from range(1, 5)
        release.set()

    produce_consume([after_the_first()], 1, record, capacity=8, queue_type=LifoQueue)
    # A stop put by the producer as it ended would have come out first and lost 4, 3, 2, 1.
    assert order == [0, 4, 3, 2, 1]


def test_failing_items_are_outcomes_and_the_run_still_ends() -> None:
    error = ValueError("bad item")

    def fails(item: int) -> int:
        raise error

    # A consumer that let the error escape would stop (the items after it stuck in the queue), and
    # one that skipped `task_done()` for a failed item would leave `join()` waiting forever.
    done = produce_consume([range(8)], 2, fails, capacity=1)
    assert sorted(item for item, _ in done) == list(range(8))
    assert all(outcome == Failed(error) for _, outcome in done)


def test_a_producer_s_error_is_raised_once_every_thread_is_done() -> None:
    before = set(threading.enumerate())

    def broken() -> Iterator[int]:
        yield 0
        raise LookupError("source gone")

    with pytest.raises(LookupError, match="source gone"):
        produce_consume([broken(), range(1, 20)], 2, lambda item: item, capacity=2)
    assert set(threading.enumerate()) == before


@pytest.mark.parametrize(("consumers", "capacity"), [(0, 1), (1, 0)])
def test_rejects_no_consumer_or_an_unbounded_queue(consumers: int, capacity: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        produce_consume([[1]], consumers, str, capacity=capacity)
