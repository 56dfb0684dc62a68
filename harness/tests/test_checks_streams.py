"""The batching and publish-subscribe checks, each shown holding and failing on its mistake."""

from __future__ import annotations

from typing import Any

from cookbook_harness.checks import check_case
from cookbook_harness.spec import Case

MS = 1_000_000


def judge(
    inp: dict[str, Any], observed: dict[str, Any], *checks: dict[str, Any], output: Any = None
) -> list[str]:
    return check_case(Case("x", "t", "Catches nothing.", inp, {}, {}, checks), observed, output)


# Items at 0, 10 and 200 ms, batches of at most 2, due 100 ms after their first item, end at 220.
LIVE: dict[str, Any] = {
    "mode": "live",
    "maxSize": 2,
    "maxWaitMs": 100,
    "items": [{"id": 0, "atMs": 0}, {"id": 1, "atMs": 10}, {"id": 2, "atMs": 200}],
    "endMs": 220,
}
BATCHES = {
    "batches": [{"ids": [0, 1], "reason": "full"}, {"ids": [2], "reason": "end"}],
}
PARTITION = {"check": "batches-partition-items", "maxSize": 2}
NOT_EARLY = {"check": "flushed-not-early", "maxWaitMs": 100}
WHEN_DUE = {"check": "flushed-when-due", "maxWaitMs": 100, "slackMs": 20}


def live(flushes_ms: list[float], end_ms: float = 220) -> dict[str, Any]:
    return {
        "elapsedNs": 300 * MS,
        "arrivals": [{"id": i["id"], "ns": i["atMs"] * MS} for i in LIVE["items"]],
        "endNs": int(end_ms * MS),
        "flushes": [{"batch": n, "ns": int(t * MS)} for n, t in enumerate(flushes_ms)],
    }


def test_a_correct_live_batcher_passes() -> None:
    assert judge(LIVE, live([10.1, 220.2]), PARTITION, NOT_EARLY, WHEN_DUE, output=BATCHES) == []


def test_an_item_lost_or_batched_twice_is_caught() -> None:
    lost = {"batches": [{"ids": [0, 1], "reason": "full"}]}
    assert judge(LIVE, live([10.1]), PARTITION, output=lost) == [
        "batches-partition-items (safety): items in no batch: [2]"
    ]
    twice = {"batches": [{"ids": [0, 1], "reason": "full"}, {"ids": [1, 2], "reason": "end"}]}
    assert (
        "items in more than one batch: [1]"
        in judge(LIVE, live([10.1, 220.2]), PARTITION, output=twice)[0]
    )


def test_a_batch_over_max_size_is_caught() -> None:
    big = {"batches": [{"ids": [0, 1, 2], "reason": "end"}]}
    [problem] = judge(LIVE, live([220.2]), PARTITION, output=big)
    assert "batch 0 holds 3 items, outside 1 to 2" in problem


def test_a_batch_flushed_before_it_is_due_is_caught() -> None:
    inp = {**LIVE, "maxSize": 10}
    early = {"batches": [{"ids": [0, 1], "reason": "due"}, {"ids": [2], "reason": "end"}]}
    problems = judge(inp, live([60, 220.2]), NOT_EARLY, output=early)
    assert problems == [
        "flushed-not-early (safety): batch 0 (due) was flushed at 60.000 ms, before 100.000 ms"
    ]


def test_a_batch_called_full_that_is_not_is_caught() -> None:
    wrong = {"batches": [{"ids": [0], "reason": "full"}, {"ids": [1, 2], "reason": "end"}]}
    problems = judge(LIVE, live([0.1, 220.2]), NOT_EARLY, output=wrong)
    assert "batch 0 is said to be full with 1 items, not 2" in problems[0]


def test_a_stalled_batch_flushed_only_at_the_end_is_caught() -> None:
    inp = {**LIVE, "maxSize": 10, "items": LIVE["items"][:2], "endMs": 400}
    due = {"batches": [{"ids": [0, 1], "reason": "due"}]}
    observed = {**live([400.1], end_ms=400), "arrivals": live([])["arrivals"][:2]}
    [problem] = judge(inp, observed, WHEN_DUE, output=due)
    assert "more than 20 ms after 100.0 ms" in problem


# Subscribers 0 and 1 on topic "t"; 1 unsubscribes after message 1.
PS: dict[str, Any] = {
    "policy": "block",
    "bufferSize": 2,
    "subscribers": [{"id": 0, "topic": "t"}, {"id": 1, "topic": "t"}],
    "script": [
        {"op": "subscribe", "subscriber": 0},
        {"op": "subscribe", "subscriber": 1},
        {"op": "publish", "topic": "t", "id": 0},
        {"op": "publish", "topic": "t", "id": 1},
        {"op": "unsubscribe", "subscriber": 1},
        {"op": "publish", "topic": "t", "id": 2},
    ],
}


def streams(seen: dict[int, list[dict[str, int]]], maxes: int = 1) -> dict[str, Any]:
    return {
        "elapsedNs": 50 * MS,
        "publishes": [{"id": i, "startNs": i * MS, "endNs": i * MS + 1000} for i in range(3)],
        "streams": [{"subscriber": k, "seen": s, "endNs": 40 * MS} for k, s in seen.items()],
        "maxBuffered": [{"subscriber": k, "max": maxes} for k in seen],
    }


def msg(*ids: int) -> list[dict[str, int]]:
    return [{"id": i, "ns": (i + 1) * MS} for i in ids]


def out(**received: tuple[list[int], int]) -> dict[str, Any]:
    return {
        "subscribers": [
            {"id": int(k[1:]), "received": r, "missed": m} for k, (r, m) in received.items()
        ]
    }


PS_CHECKS: list[dict[str, Any]] = [
    {"check": "delivered-while-subscribed"},
    {"check": "buffers-within-size", "limit": 2},
    {"check": "streams-ended"},
]


def test_a_correct_bus_passes() -> None:
    observed = streams({0: msg(0, 1, 2), 1: msg(0, 1)})
    assert judge(PS, observed, *PS_CHECKS, output=out(s0=([0, 1, 2], 0), s1=([0, 1], 0))) == []


def test_a_message_after_unsubscribe_is_caught() -> None:
    observed = streams({0: msg(0, 1, 2), 1: msg(0, 1, 2)})
    problems = judge(PS, observed, PS_CHECKS[0], output=out(s0=([0, 1, 2], 0), s1=([0, 1, 2], 0)))
    assert problems == [
        "delivered-while-subscribed (safety): subscriber 1 saw message 2, which was not "
        "published to it while it was subscribed"
    ]


def test_a_block_policy_that_drops_is_caught() -> None:
    observed = streams({0: msg(0, 2), 1: msg(0, 1)})
    [problem] = judge(PS, observed, PS_CHECKS[0], output=out(s0=([0, 2], 0), s1=([0, 1], 0)))
    assert "message 2 after skipping 1 (block loses nothing)" in problem


def test_output_that_is_not_the_stream_is_caught() -> None:
    observed = streams({0: msg(0, 1, 2), 1: msg(0, 1)})
    [problem] = judge(PS, observed, PS_CHECKS[0], output=out(s0=([0, 1, 2], 0), s1=([0], 0)))
    assert "subscriber 1's output is not what its stream yielded" in problem


LAG = {**PS, "policy": "lag"}


def test_a_lagging_subscriber_told_the_right_count_passes() -> None:
    seen = {0: [{"missed": 2, "ns": MS}, *msg(2)], 1: msg(0, 1)}
    output = out(s0=([2], 2), s1=([0, 1], 0))
    assert judge(LAG, streams(seen), PS_CHECKS[0], output=output) == []


def test_a_lagging_subscriber_told_the_wrong_count_is_caught() -> None:
    seen = {0: [{"missed": 1, "ns": MS}, *msg(2)], 1: msg(0, 1)}
    [problem] = judge(LAG, streams(seen), PS_CHECKS[0], output=out(s0=([2], 1), s1=([0, 1], 0)))
    assert "message 2 after skipping 2, but it was told it missed 1" in problem


def test_a_lag_that_drops_the_newest_is_caught() -> None:
    seen = {0: [*msg(0), {"missed": 2, "ns": 5 * MS}], 1: msg(0, 1)}
    [problem] = judge(LAG, streams(seen), PS_CHECKS[0], output=out(s0=([0], 2), s1=([0, 1], 0)))
    assert "missed 2 with no message after it: the newest were lost" in problem


def test_a_buffer_over_its_size_is_caught() -> None:
    observed = streams({0: msg(0, 1, 2), 1: msg(0, 1)}, maxes=3)
    problems = judge(PS, observed, PS_CHECKS[1])
    assert problems[0].endswith("subscriber 0's buffer held 3 messages, above 2")


def test_a_stream_that_never_ends_is_caught() -> None:
    observed = streams({0: msg(0, 1, 2)})
    [problem] = judge(PS, observed, PS_CHECKS[2])
    assert "subscriber 1's stream never ended" in problem


def test_a_publisher_that_never_waits_is_caught() -> None:
    [problem] = judge(PS, streams({0: msg(0)}), {"check": "publisher-waited", "atLeastMs": 5})
    assert "no publish waited" in problem
