"""`Cache`: its API, its errors, and threads hammering one cache."""

import random
from collections import Counter
from typing import Any

import pytest

from concurrently import together
from cookbook_rs import Cache, work
from cookbook_rs.observed import AsClient, CacheRecorder


def hex_work(key: int, cost: int) -> str:
    return f"{work(key, cost):016x}"


def test_get_answers_what_set_stored_and_none_for_a_missing_key() -> None:
    cache = Cache()
    assert cache.get(1) is None
    cache.set(1, "a")
    cache.set(1, "b")
    assert cache.get(1) == "b"
    assert cache.get(2**64 - 1) is None


def test_get_or_compute_computes_a_miss_and_keeps_what_is_there() -> None:
    cache = Cache()
    assert cache.get_or_compute(7, 50) == hex_work(7, 50)
    assert cache.get(7) == hex_work(7, 50)
    cache.set(8, "set first")
    assert cache.get_or_compute(8, 50) == "set first"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda c: c.get(-1), ValueError, "key must be an integer from 0 to 2**64 - 1, got -1"),
        (lambda c: c.get("1"), TypeError, "key must be an int, got str"),
        (lambda c: c.set(1, 5), TypeError, "value must be a str, got int"),
        (lambda c: c.set(1.5, "a"), TypeError, "key must be an int, got float"),
        (
            lambda c: c.get_or_compute(1, -1),
            ValueError,
            "cost must be an integer from 0 to 2**64 - 1, got -1",
        ),
    ],
)
def test_a_bad_argument_is_named_with_its_rule(
    call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        call(Cache())
    assert str(caught.value) == message


def test_threads_missing_the_same_keys_all_get_one_computed_value() -> None:
    cache = Cache()
    keys = list(range(8)) * 25

    def client(t: int) -> list[str]:
        order = keys[:]
        random.Random(t).shuffle(order)
        return [cache.get_or_compute(key, 20_000) for key in order]

    for t, answers in enumerate(together(16, client)):
        order = keys[:]
        random.Random(t).shuffle(order)
        assert answers == [hex_work(key, 20_000) for key in order]


def test_threads_hammering_an_observed_cache_compute_each_key_once() -> None:
    # The recorder counts the computes, which the cache alone does not show.
    recorder = CacheRecorder()
    cache = Cache(observer=recorder)

    def client(t: int) -> None:
        rng = random.Random(t)
        with AsClient(t):
            for _ in range(200):
                key = rng.randrange(12)
                if rng.random() < 0.2:
                    cache.set(100 + key, f"client {t}")
                elif rng.random() < 0.5:
                    assert cache.get(100 + key) in (None, *(f"client {c}" for c in range(16)))
                else:
                    assert cache.get_or_compute(key, 20_000) == hex_work(key, 20_000)

    together(16, client)
    seen = recorder.take()
    computes = Counter(compute.key for compute in seen.computes)
    assert set(computes.values()) == {1}
    assert {key: cache.get(key) for key in computes} == {k: hex_work(k, 20_000) for k in computes}
    assert {lock.client for lock in seen.locks} == set(range(16))
