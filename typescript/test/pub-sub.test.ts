import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { Bus, type Delivery, type Subscription } from "../src/pub-sub.js";
import * as runner from "../src/runner/pub-sub.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime } from "./support/virtual-time.js";

/** Everything `stream` yields until it ends, sleeping `ms` over each message. */
async function readAll<T>(stream: Subscription<T>, ms = 0): Promise<Delivery<T>[]> {
  const seen: Delivery<T>[] = [];
  for await (const delivery of stream) {
    seen.push(delivery);
    if (ms > 0 && "message" in delivery) await sleep(ms);
  }
  return seen;
}

const messages = (...ids: number[]) => ids.map((message) => ({ message }));

describe("Bus", () => {
  test("every subscriber of a topic gets every message published after it subscribed, in order", async () => {
    const bus = new Bus<number>("block", 2);
    const early = bus.subscribe("t");
    const other = bus.subscribe("u");
    const reading = [readAll(early), readAll(other)];
    await bus.publish("t", 1);
    const late = bus.subscribe("t");
    const lateReading = readAll(late);
    await bus.publish("t", 2);
    await bus.publish("u", 3);
    bus.close();
    assert.deepEqual(await Promise.all([...reading, lateReading]), [
      messages(1, 2),
      messages(3),
      messages(2),
    ]);
  });

  test("after unsubscribing, nothing new arrives, but what was buffered is still read, then the stream ends", async () => {
    const bus = new Bus<number>("block", 4);
    const stream = bus.subscribe("t");
    await bus.publish("t", 1);
    await bus.publish("t", 2);
    bus.unsubscribe(stream);
    await bus.publish("t", 3);
    // Read only now: the two buffered messages were kept for it.
    assert.deepEqual(await readAll(stream), messages(1, 2));
    bus.close();
  });

  test("closing ends every stream, a waiting reader's too, once its buffer is drained", async () => {
    const bus = new Bus<number>("lag", 2);
    const idle = readAll(bus.subscribe("t"));
    assert.equal(await settled(idle), false);
    const full = bus.subscribe("t");
    await bus.publish("t", 1);
    bus.close();
    assert.deepEqual(await idle, messages(1));
    assert.deepEqual(await readAll(full), messages(1));
    await assert.rejects(bus.publish("t", 2), /closed bus/);
  });

  test("lag: a full buffer drops its oldest, and the next message is preceded by how many were missed", async () => {
    const bus = new Bus<number>("lag", 3);
    const stream = bus.subscribe("t");
    for (let id = 0; id < 10; id++) await bus.publish("t", id);
    bus.close();
    assert.deepEqual(await readAll(stream), [{ missed: 7 }, ...messages(7, 8, 9)]);
    assert.equal(stream.maxBuffered, 3);
  });

  test("lag: a notice counts exactly what was dropped before the message it precedes, whatever comes meanwhile", async () => {
    // The reader asks for its next delivery, which takes message 1 (0 was dropped) out of the
    // buffer; before it resumes, the publisher drops 2 and 3 as well. Counted by the gap in the
    // numbers, the notice before 1 says 1; a shared counter read on resuming would say 3, and
    // the notice before 4 would say nothing.
    const bus = new Bus<number>("lag", 2);
    const stream = bus.subscribe("t");
    for (const id of [0, 1, 2]) await bus.publish("t", id);
    const deliveries = stream[Symbol.asyncIterator]();
    const first = deliveries.next();
    for (const id of [3, 4, 5]) void bus.publish("t", id);
    bus.close();
    const seen = [(await first).value];
    for (let next = await deliveries.next(); next.done !== true; next = await deliveries.next()) {
      seen.push(next.value);
    }
    assert.deepEqual(seen, [
      { missed: 1 },
      { message: 1 },
      { missed: 2 },
      { message: 4 },
      { message: 5 },
    ]);
  });

  test("lag within the buffer loses nothing and sends no notice", async () => {
    const bus = new Bus<number>("lag", 8);
    const stream = bus.subscribe("t");
    for (let id = 0; id < 6; id++) await bus.publish("t", id);
    bus.close();
    assert.deepEqual(await readAll(stream), messages(0, 1, 2, 3, 4, 5));
  });

  test("a publish to a topic nobody subscribed to returns at once", async () => {
    const bus = new Bus<number>("block", 1);
    await bus.publish("t", 1);
    await bus.publish("t", 2);
    bus.close();
  });
});

describe("Bus, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("block: a slow subscriber's full buffer makes the publisher wait, and the others still get every message", async () => {
    const bus = new Bus<number>("block", 1);
    const slow = readAll(bus.subscribe("t"), 30);
    const fast = readAll(bus.subscribe("t"));
    const published: [number, number][] = [];
    const publishing = (async () => {
      for (let id = 0; id < 4; id++) {
        await bus.publish("t", id);
        published.push([id, Date.now()]);
      }
      bus.close();
    })();
    for (let ms = 0; ms <= 120; ms += 10) await advance(ms === 0 ? 0 : 10);
    await publishing;
    // The slow reader holds one message and its buffer one more: the third publish waits
    // until it takes the second, 30 ms on, and so on.
    assert.deepEqual(published, [
      [0, 0],
      [1, 0],
      [2, 30],
      [3, 60],
    ]);
    assert.deepEqual(await Promise.all([slow, fast]), [messages(0, 1, 2, 3), messages(0, 1, 2, 3)]);
  });
});

test("the benchmark answers the check of its own input: every id to every subscriber", async () => {
  const input = runner.benchInput(10, { subscribers: 3, bufferSize: 2 });
  // 3 subscribers, each given ids 0 to 9: 30 deliveries, whose ids add up to 3 * 45.
  const digest = (3 * 45).toString(16).padStart(16, "0");
  assert.deepEqual((await runner.bench(input)).check, { count: 10, delivered: 30, digest });
});
