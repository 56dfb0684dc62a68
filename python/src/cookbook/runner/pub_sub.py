"""Publish-subscribe as the runner speaks it (docs/patterns/pub-sub.md), on asyncio.

Validation, the subscribers and the script the contract defines, and the run and bench functions.
The bus (`cookbook.pub_sub`) knows nothing of observation: the publisher stamps each publish call,
each subscriber's task stamps what its stream yields and when it ends, and each subscription
reports the most its buffer held. The threads variant lists publish-subscribe without implementing
it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from cookbook.pub_sub import Bus, Missed, Policy, Subscription
from cookbook.runner.fields import Fields, Unique
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed, unavailable
from cookbook.work import MASK, to_hex

MAX_BUFFER = 10_000
MAX_SUBSCRIBERS = 1_000
MAX_ID = 2**53 - 1
MAX_TOPIC = 100
MAX_SLEEP_MS = 60_000
OPS = ("subscribe", "unsubscribe", "resume", "publish")


@dataclass(frozen=True)
class Subscriber:
    id: int
    topic: str
    sleep_ms: int = 0
    paused: bool = False


@dataclass(frozen=True)
class Op:
    kind: str
    """One of `OPS`."""
    subscriber: int = 0
    """What `subscribe`, `unsubscribe` and `resume` act on."""
    topic: str = ""
    message: int = 0
    """What `publish` sends, and where."""


@dataclass(frozen=True)
class BusInput:
    policy: Policy
    buffer_size: int
    subscribers: Sequence[Subscriber]
    script: Sequence[Op]


class Publish(TypedDict):
    id: int
    startNs: int
    endNs: int


class Stream(TypedDict):
    subscriber: int
    seen: list[dict[str, int]]
    endNs: int


class Buffered(TypedDict):
    subscriber: int
    max: int


class BusObserved(Observed):
    publishes: list[Publish]
    streams: list[Stream]
    maxBuffered: list[Buffered]


def _topic(fields: Fields, key: str) -> str:
    topic = fields.string(key)
    if not 1 <= len(topic) <= MAX_TOPIC:
        fields.reject(key, f"must be 1 to {MAX_TOPIC} characters long, got {len(topic)}")
    return topic


def validate(input: Fields) -> BusInput:
    """`policy`, `bufferSize`, `subscribers`, each subscriber (itself, `id`, a duplicate id,
    `topic`, `sleepMs`, `paused`, which `block` refuses), `script`, each operation (itself, `op`,
    then `subscriber`, or `topic` and `id`, out of turn or a duplicate message id)."""
    policy: Policy = "lag" if input.choice("policy", ("block", "lag")) == "lag" else "block"
    buffer_size = input.integer("bufferSize", 1, MAX_BUFFER)
    ids = Unique()
    subscribers: list[Subscriber] = []
    for sub in input.objects("subscribers", most=MAX_SUBSCRIBERS):
        sub_id = sub.integer("id", 0, MAX_ID)
        ids.check(sub, "id", sub_id)
        topic = _topic(sub, "topic")
        sleep_ms = sub.integer("sleepMs", 0, MAX_SLEEP_MS, default=0)
        paused = sub.boolean("paused", default=False)
        if paused and policy == "block":
            sub.reject(
                "paused", "must be false under block: a paused reader would stall it, got true"
            )
        subscribers.append(Subscriber(sub_id, topic, sleep_ms, paused))
    return BusInput(policy, buffer_size, subscribers, _script(input, subscribers))


def _script(input: Fields, subscribers: Sequence[Subscriber]) -> list[Op]:
    """The operations, each checked against the state the ones before it leave."""
    paused = {sub.id for sub in subscribers if sub.paused}
    known = {sub.id for sub in subscribers}
    subscribed: set[int] = set()
    left: set[int] = set()
    messages = Unique()
    script: list[Op] = []
    for op in input.objects("script"):
        kind = op.choice("op", OPS)
        if kind == "publish":
            topic = _topic(op, "topic")
            message = op.integer("id", 0, MAX_ID)
            messages.check(op, "id", message)
            script.append(Op(kind, topic=topic, message=message))
            continue
        who = op.integer("subscriber", 0, MAX_ID)
        if who not in known:
            op.reject("subscriber", f"must be the id of one of subscribers, got {who}")
        if kind == "subscribe" and (who in subscribed or who in left):
            op.reject("subscriber", f"must not subscribe twice, got {who} again")
        if kind == "unsubscribe" and who not in subscribed:
            op.reject("subscriber", f"must be subscribed to unsubscribe, got {who}")
        if kind == "resume" and who not in paused:
            op.reject("subscriber", f"must be a paused subscriber to resume, got {who}")
        if kind == "subscribe":
            subscribed.add(who)
        elif kind == "unsubscribe":
            subscribed.discard(who)
            left.add(who)
        else:
            paused.discard(who)
        script.append(Op(kind, subscriber=who))
    return script


def bench_input(size: int, params: Fields) -> BusInput:
    """`size` messages with ids `0 .. size-1` published to "t", once `subscribers` subscribers of
    "t" subscribed, each with a buffer of `bufferSize`, under `block`, no sleeps: `subscribers`,
    `bufferSize`, both required."""
    count = params.integer("subscribers", 1, MAX_SUBSCRIBERS)
    buffer_size = params.integer("bufferSize", 1, MAX_BUFFER)
    subscribers = [Subscriber(k, "t") for k in range(count)]
    script = [Op("subscribe", subscriber=k) for k in range(count)]
    script += [Op("publish", topic="t", message=m) for m in range(size)]
    return BusInput("block", buffer_size, subscribers, script)


def run(case: BusInput) -> Ran:
    return asyncio.run(_run(case))


async def _run(case: BusInput) -> Ran:
    clock = Clock()
    bus: Bus[int] = Bus(case.buffer_size, case.policy)
    loop = asyncio.get_running_loop()
    # Each subscriber's task starts at once and waits for its subscription: None, at the close,
    # for one that never subscribed, whose stream is then empty and ends.
    subscriptions: dict[int, asyncio.Future[Subscription[int] | None]] = {
        sub.id: loop.create_future() for sub in case.subscribers
    }
    resumed = {sub.id: asyncio.Event() for sub in case.subscribers}
    streams: dict[int, Stream] = {}
    publishes: list[Publish] = []

    async def read(sub: Subscriber) -> None:
        subscription: Subscription[int] | None = await subscriptions[sub.id]
        seen: list[dict[str, int]] = []
        if subscription is not None:
            await resumed[sub.id].wait()  # a paused subscriber reads nothing until resumed
            async for message in subscription:
                if isinstance(message, Missed):
                    seen.append({"missed": message.count, "ns": clock.now()})
                    continue
                seen.append({"id": message, "ns": clock.now()})
                if sub.sleep_ms:
                    await asyncio.sleep(sub.sleep_ms / 1000)
        streams[sub.id] = {"subscriber": sub.id, "seen": seen, "endNs": clock.now()}

    async with asyncio.TaskGroup() as group:
        for sub in case.subscribers:
            if not sub.paused:
                resumed[sub.id].set()
            group.create_task(read(sub))
        for op in case.script:
            if op.kind == "subscribe":
                topic = next(sub.topic for sub in case.subscribers if sub.id == op.subscriber)
                subscriptions[op.subscriber].set_result(bus.subscribe(topic))
            elif op.kind == "unsubscribe":
                subscription = subscriptions[op.subscriber].result()
                assert subscription is not None, "validated: only a subscriber unsubscribes"
                bus.unsubscribe(subscription)
            elif op.kind == "resume":
                resumed[op.subscriber].set()
            else:
                start = clock.now()
                await bus.publish(op.topic, op.message)
                publishes.append({"id": op.message, "startNs": start, "endNs": clock.now()})
            # Between two operations the publisher lets the subscribers run, as one that waits
            # for its own events would: a subscriber that keeps up then misses nothing under lag.
            await asyncio.sleep(0)
        bus.close()
        for sub in case.subscribers:
            if not subscriptions[sub.id].done():
                subscriptions[sub.id].set_result(None)
            resumed[sub.id].set()  # the close resumes the paused: every stream drains and ends
    elapsed = clock.now()
    return _ran(case, subscriptions, streams, publishes, elapsed)


def _ran(
    case: BusInput,
    subscriptions: dict[int, asyncio.Future[Subscription[int] | None]],
    streams: dict[int, Stream],
    publishes: list[Publish],
    elapsed: int,
) -> Ran:
    output = []
    for sub in case.subscribers:
        seen = streams[sub.id]["seen"]
        received = [entry["id"] for entry in seen if "id" in entry]
        missed = sum(entry["missed"] for entry in seen if "missed" in entry)
        output.append({"id": sub.id, "received": received, "missed": missed})
    buffered: list[Buffered] = []
    for sub in case.subscribers:
        subscription = subscriptions[sub.id].result()
        most = subscription.high_water if subscription is not None else 0
        buffered.append({"subscriber": sub.id, "max": most})
    observed: BusObserved = {
        "elapsedNs": elapsed,
        "publishes": publishes,
        "streams": [streams[sub.id] for sub in case.subscribers],
        "maxBuffered": buffered,
    }
    return {"output": {"subscribers": output}, "observed": observed}


def bench(case: BusInput) -> Measured:
    async def timed() -> tuple[int, list[list[int]]]:
        bus: Bus[int] = Bus(case.buffer_size, case.policy)
        subscriptions = [bus.subscribe("t") for _ in case.subscribers]

        async def read(subscription: Subscription[int]) -> list[int]:
            return [m async for m in subscription if not isinstance(m, Missed)]

        start = time.perf_counter_ns()
        async with asyncio.TaskGroup() as group:
            readers = [group.create_task(read(s)) for s in subscriptions]
            for op in case.script:
                if op.kind == "publish":
                    await bus.publish(op.topic, op.message)
            bus.close()
        return time.perf_counter_ns() - start, [reader.result() for reader in readers]

    elapsed, received = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": _check(case, received)}


ASYNCIO = Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)
THREADS: Pattern[Any] = unavailable(
    "policy", "is not available in python-threads: publish-subscribe is written on asyncio alone"
)


def _check(case: BusInput, received: Sequence[Sequence[int]]) -> dict[str, Any]:
    """`count` (published), `delivered` and `digest` (the sum of the delivered ids, modulo 2^64)
    of a bench run, once every subscriber is known to have received every message, in order."""
    published = [op.message for op in case.script if op.kind == "publish"]
    for k, got in enumerate(received):
        if list(got) != published:
            raise SelfCheckFailed(
                f"subscriber {k} received {len(got)} of {len(published)}, or out of order"
            )
    digest = sum(sum(got) for got in received) & MASK
    delivered = sum(len(got) for got in received)
    return {"count": len(published), "delivered": delivered, "digest": to_hex(digest)}
