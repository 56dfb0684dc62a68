"""work(seed, n) against every vector of harness/spec/work.json."""

from typing import Any

import pytest

from cookbook.work import MASK, to_hex, work
from tests.spec import load_data

VECTORS: list[dict[str, Any]] = load_data("work")["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{v['seed']}-{v['n']}" for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    assert to_hex(work(vector["seed"], vector["n"])) == vector["value"]


def test_zero_steps_is_the_seed() -> None:
    assert work(MASK, 0) == MASK


def test_values_stay_within_64_bits() -> None:
    assert all(0 <= work(seed, 7) <= MASK for seed in (0, 1, MASK - 1, MASK))


@pytest.mark.parametrize(("seed", "n"), [(-1, 1), (MASK + 1, 1), (0, -1)])
def test_rejects_what_64_bits_cannot_hold(seed: int, n: int) -> None:
    with pytest.raises(ValueError, match="must"):
        work(seed, n)


def test_hex_is_16_lowercase_digits() -> None:
    assert to_hex(0) == "0000000000000000"
    assert to_hex(0xABC) == "0000000000000abc"
    assert to_hex(MASK) == "ffffffffffffffff"
    with pytest.raises(ValueError, match="unsigned 64-bit"):
        to_hex(MASK + 1)
