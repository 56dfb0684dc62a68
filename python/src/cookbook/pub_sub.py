"""Publish-subscribe on asyncio: publishers send messages to topics, and every subscriber of a
topic gets its own copy through a buffer of its own.

In production, reach for one `asyncio.Queue(maxsize=...)` per subscriber behind a map of topics,
as below: the queue is the subscriber's buffer and its `put` is the `block` policy. For
fire-and-forget callbacks with no buffer, a list of callables per topic is enough; across
processes, a broker (Redis pub/sub, NATS) does this with the same two policies to choose from.

The hard part is the slow subscriber. Under `block`, the publisher waits for room in its buffer:
nothing is lost, and the slowest subscriber sets everyone's pace. Under `lag`, the publisher never
waits: a full buffer drops its oldest message, and the subscriber is told how many it missed
before its next message, as tokio's `broadcast` channel does.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

Policy = Literal["block", "lag"]


# --8<-- [start:pub-sub]
@dataclass(frozen=True)
class Missed:
    """What a lagging subscriber's stream yields before its next message: the number of messages
    its full buffer dropped since it last read."""

    count: int


class _Ended:
    """Put into an empty buffer to wake a reader waiting in `get()` when its subscription ends."""


class Subscription(Generic[T]):
    """One subscriber's buffer on one topic, and the stream it reads: `async for message in
    subscription`, which ends once the subscription is over and its buffer drained."""

    def __init__(self, topic: str, size: int, policy: Policy) -> None:
        self.topic = topic
        self._buffer: asyncio.Queue[T | _Ended] = asyncio.Queue(maxsize=size)
        self._lag = policy == "lag"
        self._missed = 0
        self._ended = False
        self.high_water = 0
        """The most messages the buffer has held: how close this subscriber came to its bound."""

    async def _deliver(self, message: T) -> None:
        if self._ended:
            return  # unsubscribed while the publisher waited for room in another buffer
        if self._lag and self._buffer.full():
            self._buffer.get_nowait()  # drop the oldest: the newest are the ones worth having
            self._missed += 1
        # Under `block`, this waits while the buffer is full; under `lag` there is room now.
        await self._buffer.put(message)
        self.high_water = max(self.high_water, self._buffer.qsize())

    def _end(self) -> None:
        # What is buffered is still delivered: the stream ends once it is drained. A reader
        # already waiting on an empty buffer would wait forever, so it is woken with `_Ended`,
        # which fits: the buffer is empty, and nothing is delivered to it any more.
        self._ended = True
        if self._buffer.empty():
            self._buffer.put_nowait(_Ended())

    def __aiter__(self) -> AsyncIterator[T | Missed]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[T | Missed]:
        while not (self._ended and self._buffer.empty()):
            message = await self._buffer.get()
            if isinstance(message, _Ended):
                return
            if self._missed:
                # Read and reset before yielding: drops that happen while the reader handles
                # the notice belong to the next one.
                missed, self._missed = self._missed, 0
                yield Missed(missed)
            yield message


class Bus(Generic[T]):
    """Topics and their subscriptions, each with a buffer of `buffer_size`, under one policy."""

    def __init__(self, buffer_size: int, policy: Policy) -> None:
        if buffer_size < 1:
            # A buffer of 0 would make every publish under `block` wait forever.
            raise ValueError(f"buffer_size must be at least 1, got {buffer_size}")
        self._size = buffer_size
        self._policy: Policy = policy
        self._topics: dict[str, list[Subscription[T]]] = {}

    def subscribe(self, topic: str) -> Subscription[T]:
        """A new subscription to `topic`: it gets every message published from now on."""
        subscription: Subscription[T] = Subscription(topic, self._size, self._policy)
        self._topics.setdefault(topic, []).append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription[T]) -> None:
        """No new messages for `subscription`; its stream ends once it has read the rest."""
        subscribers = self._topics.get(subscription.topic, [])
        if subscription in subscribers:
            subscribers.remove(subscription)
            subscription._end()

    async def publish(self, topic: str, message: T) -> None:
        """Put `message` into the buffer of every current subscriber of `topic`: under `block`,
        waiting for room in each full buffer in turn."""
        # A copy: the list may change while this waits for room in one of the buffers, and one
        # that joins meanwhile gets only later messages.
        for subscription in list(self._topics.get(topic, ())):
            await subscription._deliver(message)

    def close(self) -> None:
        """End every subscription: each stream ends once its subscriber has read what it holds."""
        for subscribers in self._topics.values():
            for subscription in subscribers:
                subscription._end()
        self._topics.clear()


# --8<-- [end:pub-sub]
