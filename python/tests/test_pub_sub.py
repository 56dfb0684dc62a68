"""The asyncio bus: copies per subscriber, topics, subscribing late and leaving, the block policy's
waiting publisher, the lag policy's notices, and streams that end when the bus closes."""

import asyncio

import pytest

from cookbook.pub_sub import Bus, Missed, Subscription
from tests.test_worker_pool import settle


async def read_all(subscription: Subscription[int]) -> list[int | Missed]:
    return [message async for message in subscription]


async def test_every_subscriber_of_a_topic_gets_every_message_in_order() -> None:
    bus: Bus[int] = Bus(2, "block")
    a, b, other = bus.subscribe("a"), bus.subscribe("a"), bus.subscribe("b")
    async with asyncio.TaskGroup() as group:
        readers = [group.create_task(read_all(s)) for s in (a, b, other)]
        for n in range(10):
            await bus.publish("a" if n % 3 else "b", n)
        bus.close()
    assert readers[0].result() == readers[1].result() == [1, 2, 4, 5, 7, 8]
    assert readers[2].result() == [0, 3, 6, 9]


async def test_a_late_subscriber_gets_only_what_is_published_after() -> None:
    bus: Bus[int] = Bus(4, "block")
    early = bus.subscribe("t")
    await bus.publish("t", 0)
    late = bus.subscribe("t")
    await bus.publish("t", 1)
    bus.close()
    assert await read_all(early) == [0, 1]
    assert await read_all(late) == [1]


async def test_unsubscribing_keeps_what_was_buffered_then_ends_the_stream() -> None:
    bus: Bus[int] = Bus(4, "block")
    leaving = bus.subscribe("t")
    for n in range(3):
        await bus.publish("t", n)
    bus.unsubscribe(leaving)
    await bus.publish("t", 3)  # not for it any more
    assert await asyncio.wait_for(read_all(leaving), timeout=5) == [0, 1, 2]


async def test_block_makes_the_publisher_wait_for_room() -> None:
    bus: Bus[int] = Bus(1, "block")
    slow = bus.subscribe("t")
    await bus.publish("t", 0)  # fills the buffer
    publishing = asyncio.create_task(bus.publish("t", 1))
    await settle()
    assert not publishing.done()  # the buffer is full and nobody reads: the publisher waits
    stream = aiter(slow)
    assert await anext(stream) == 0  # room: the publish completes
    await asyncio.wait_for(publishing, timeout=5)
    assert await anext(stream) == 1
    assert slow.high_water == 1


async def test_lag_drops_the_oldest_and_says_how_many_before_the_next_message() -> None:
    bus: Bus[int] = Bus(3, "lag")
    paused = bus.subscribe("t")
    for n in range(10):
        await asyncio.wait_for(bus.publish("t", n), timeout=1)  # never waits, however full
    bus.close()
    assert await read_all(paused) == [Missed(7), 7, 8, 9]
    assert paused.high_water == 3


async def test_each_notice_counts_the_messages_lost_since_the_last_read() -> None:
    bus: Bus[int] = Bus(2, "lag")
    lagging = bus.subscribe("t")
    stream = aiter(lagging)
    for n in range(5):  # 0, 1, 2 dropped
        await bus.publish("t", n)
    assert [await anext(stream), await anext(stream), await anext(stream)] == [Missed(3), 3, 4]
    for n in range(5, 9):  # 5, 6 dropped
        await bus.publish("t", n)
    bus.close()
    assert [m async for m in stream] == [Missed(2), 7, 8]  # the counts add up to the gap: 5


async def test_lag_within_the_buffer_loses_nothing() -> None:
    bus: Bus[int] = Bus(8, "lag")
    subscription = bus.subscribe("t")
    for n in range(6):
        await bus.publish("t", n)
    bus.close()
    assert await read_all(subscription) == list(range(6))


async def test_closing_ends_a_stream_that_waits_on_an_empty_buffer() -> None:
    bus: Bus[int] = Bus(1, "block")
    idle = asyncio.create_task(read_all(bus.subscribe("t")))
    await settle()  # waiting in `get()` on an empty buffer
    bus.close()
    assert await asyncio.wait_for(idle, timeout=5) == []


async def test_publishing_to_a_topic_nobody_reads_does_not_wait() -> None:
    bus: Bus[int] = Bus(1, "block")
    for n in range(3):
        await asyncio.wait_for(bus.publish("nobody", n), timeout=1)


def test_rejects_a_buffer_of_nothing() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Bus(0, "block")
