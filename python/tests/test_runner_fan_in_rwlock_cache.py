"""Fan-in and the cache through the runner's protocol: validation order, the benchmarks and their
self-checks."""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from operator import xor
from typing import Any

import pytest

import cookbook.fan_in_threads
from cookbook.runner import protocol
from cookbook.runner.fields import FieldError, Fields
from cookbook.runner.registry import TABLES, implementation
from cookbook.work import to_hex, work


@pytest.mark.parametrize(
    ("slug", "input", "field", "message"),
    [
        ("fan-in", {"op": 1}, "op", 'op must be one of "merge", "scatter-gather", got int'),
        ("fan-in", {"op": "merge", "sources": [[]] * 1001}, "sources", "at most 1000 elements"),
        ("fan-in", {"op": "merge", "sources": [[0, True]]}, "sources[0][1]", "got bool"),
        # The fields of the other operation are ignored.
        ("fan-in", {"op": "scatter-gather", "sources": 3, "limit": 0}, "limit", "got 0"),
        (
            "fan-in",
            {"op": "scatter-gather", "limit": 1, "items": [{"fail": 0}]},
            "items[0].fail",
            "",
        ),
        ("rwlock-cache", {"readHoldMs": 1, "writeHoldMs": -1, "clients": 3}, "writeHoldMs", ""),
        ("rwlock-cache", {"clients": [[{"op": "get"}]]}, "clients[0][0].key", "is required"),
        # `op` first, then the fields that operation needs, and only those.
        ("rwlock-cache", {"clients": [[{"key": -1}]]}, "clients[0][0].op", "is required"),
        ("rwlock-cache", {"clients": [[{"op": "sleep", "key": -1}]]}, "clients[0][0].ms", ""),
        ("rwlock-cache", {"clients": [[{"op": "set", "key": 1}]]}, "clients[0][0].value", ""),
        ("rwlock-cache", {"clients": [[{"op": "get", "key": 2**53}]]}, "clients[0][0].key", ""),
        ("rwlock-cache", {"clients": [[]] * 1001}, "clients", "at most 1000 elements"),
    ],
)
def test_fields_in_documented_order(
    slug: str, input: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(FieldError) as caught:
        TABLES["asyncio"][slug].validate(Fields(input))
    assert caught.value.field == field
    assert caught.value.message.startswith(field + " ")
    assert message in caught.value.message


def bench(variant: str, slug: str, size: int, params: dict[str, Any]) -> dict[str, Any]:
    line = {"pattern": slug, "size": size, "params": params, "repeat": 2}
    return protocol.bench(implementation(variant), [json.dumps(line).encode()])


# The extension does not expose fan-in: merging Python async iterators belongs to asyncio.
@pytest.mark.parametrize("variant", sorted(set(TABLES) - {"rust"}))
def test_merge_bench_reports_every_item_of_every_source(variant: str) -> None:
    answer = bench(variant, "fan-in", 1001, {"op": "merge", "sources": 4})
    digest = reduce(xor, (work((k % 4) << 32 | k // 4, 1) for k in range(1001)), 0)
    assert answer["check"] == {"count": 1001, "digest": to_hex(digest)}
    assert len(answer["elapsedNs"]) == 2


@pytest.mark.parametrize("variant", sorted(TABLES))
def test_cache_bench_counts_operations_and_reads(variant: str) -> None:
    answer = bench(variant, "rwlock-cache", 500, {"clients": 3, "readPercent": 70, "keys": 8})
    reads = sum(1 for n in range(500) if work(n, 1) % 100 < 70)
    assert answer["check"] == {"count": 500, "reads": reads}
    assert len(answer["elapsedNs"]) == 2


@pytest.mark.parametrize(
    ("slug", "params", "field"),
    [
        ("fan-in", {"op": "scatter-gather", "sources": 4}, "params.op"),
        ("fan-in", {"op": "merge", "sources": 0}, "params.sources"),
        ("rwlock-cache", {"clients": 2, "readPercent": 101, "keys": 8}, "params.readPercent"),
        ("rwlock-cache", {"clients": 2, "readPercent": 90}, "params.keys"),
    ],
)
def test_bench_names_the_parameter_by_its_path(
    slug: str, params: dict[str, Any], field: str
) -> None:
    answer = bench("threads", slug, 10, params)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == field


def test_a_merge_that_loses_an_item_fails_its_bench_self_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = cookbook.fan_in_threads.merge

    @contextmanager
    def loses_the_first(sources: Sequence[Iterator[Any]]) -> Iterator[Iterator[Any]]:
        with real(sources) as stream:
            next(stream)
            yield stream

    monkeypatch.setattr(cookbook.fan_in_threads, "merge", loses_the_first)
    with pytest.raises(protocol.SelfCheckFailed, match="where 0 was due"):
        bench("threads", "fan-in", 10, {"op": "merge", "sources": 1})
