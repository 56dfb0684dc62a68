import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { BoundedQueue, produceConsume } from "../src/producer-consumer.js";
import { xorDigest } from "../src/runner/jobs.js";
import * as runner from "../src/runner/producer-consumer.js";
import { work } from "../src/work.js";
import { deferred, settled } from "./support/deferred.js";
import { advance, flush, useRealTime, useVirtualTime } from "./support/virtual-time.js";

/** Producer `p` of `counts[p]` items, numbered `p * 100 + i`. */
function producersOf(counts: readonly number[]): number[][] {
  return counts.map((count, p) => Array.from({ length: count }, (_, i) => p * 100 + i));
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

describe("BoundedQueue", () => {
  test("a full queue makes put wait until a get makes room, and never holds more", async () => {
    const queue = new BoundedQueue<number>(2);
    await queue.put(1);
    await queue.put(2);
    const third = queue.put(3);
    assert.equal(await settled(third), false, "put did not wait on a full queue");
    assert.equal(queue.size, 2);
    assert.deepEqual(await queue.get(), { done: false, value: 1 });
    assert.equal(await settled(third), true);
    assert.equal(queue.size, 2);
  });

  test("the room a get makes goes to the putter that waited longest, before any later put", async () => {
    const queue = new BoundedQueue<string>(1);
    await queue.put("a");
    const order: string[] = [];
    const waiting = ["b", "c"].map((item) => queue.put(item).then(() => order.push(item)));
    // Two puts found no room at once: neither got in beside "a".
    assert.equal(queue.size, 1);
    await queue.get();
    assert.equal(queue.size, 1);
    // A put made now must queue behind "c", though the queue just had room.
    const late = queue.put("late").then(() => order.push("late"));
    const taken: string[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await queue.get();
      if (next.done !== true) taken.push(next.value);
    }
    await Promise.all([...waiting, late]);
    assert.deepEqual(taken, ["b", "c", "late"]);
    assert.deepEqual(order, ["b", "c", "late"]);
    assert.equal(queue.peak, 1);
  });

  test("fifo takes the oldest item present, lifo the newest", async () => {
    for (const [discipline, want] of [
      ["fifo", [1, 2, 3, 4]],
      ["lifo", [3, 4, 2, 1]],
    ] as const) {
      const queue = new BoundedQueue<number>(3, discipline);
      for (const item of [1, 2, 3]) await queue.put(item);
      const taken: number[] = [];
      const first = await queue.get();
      if (first.done !== true) taken.push(first.value);
      await queue.put(4);
      queue.close();
      for (let next = await queue.get(); next.done !== true; next = await queue.get()) {
        taken.push(next.value);
      }
      assert.deepEqual(taken, want, discipline);
    }
  });

  test("closing ends every waiting get, and a closed queue drains before it answers done", async () => {
    const waiting = new BoundedQueue<number>(4);
    const gets = [waiting.get(), waiting.get(), waiting.get()];
    assert.equal(await settled(Promise.race(gets)), false);
    waiting.close();
    assert.deepEqual(await Promise.all(gets), Array(3).fill({ done: true, value: undefined }));

    const full = new BoundedQueue<number>(4);
    await full.put(7);
    full.close();
    assert.deepEqual(await full.get(), { done: false, value: 7 });
    assert.deepEqual(await full.get(), { done: true, value: undefined });
    await assert.rejects(full.put(8), /closed queue/);
  });

  test("an aborted get leaves its line: the next item goes to a getter still waiting", async () => {
    const queue = new BoundedQueue<number>(1);
    const controller = new AbortController();
    const abandoned = queue.get(controller.signal);
    const waiting = queue.get();
    controller.abort(new Error("gave up"));
    await assert.rejects(abandoned, /gave up/);
    await queue.put(1);
    assert.deepEqual(await waiting, { done: false, value: 1 });
  });
});

describe("produceConsume", () => {
  test("every item is consumed once, and the run returns, for any numbers of producers and consumers", async () => {
    // Zero producers, producers with nothing to put, more consumers than items, one consumer for
    // many producers: a sentinel per producer or per consumer gets one of these wrong.
    const shapes: [counts: number[], consumers: number][] = [
      [[], 1],
      [[], 5],
      [[0, 0], 3],
      [[3], 8],
      [[5, 0, 7, 1], 1],
      [[20, 20, 20], 2],
    ];
    for (const [counts, consumers] of shapes) {
      const producers = producersOf(counts);
      const results = await produceConsume(
        producers,
        new BoundedQueue<number>(2),
        consumers,
        async (item) => {
          await Promise.resolve();
          return item * 2;
        },
      );
      const label = `${JSON.stringify(counts)}, ${String(consumers)} consumers`;
      assert.deepEqual(
        results.map((r) => (r.ok ? r.value : r.error)).sort((a, b) => Number(a) - Number(b)),
        producers.flat().map((item) => item * 2),
        label,
      );
    }
  });

  test("a failing item is its own result, and its consumer goes on with the next", async () => {
    const consumedBy: number[] = [];
    const results = await produceConsume(
      [[1, 2, 3, 4]],
      new BoundedQueue<number>(1),
      1,
      (item, consumer) => {
        consumedBy.push(consumer);
        return item === 2 ? Promise.reject(new Error("item 2 failed")) : Promise.resolve(item);
      },
    );
    assert.deepEqual(
      results.map((r) => (r.ok ? r.value : (r.error as Error).message)),
      [1, "item 2 failed", 3, 4],
    );
    assert.deepEqual(consumedBy, [0, 0, 0, 0]);
  });

  test("a consume that throws before it returns a promise is a result too", async () => {
    const results = await produceConsume([[1, 2]], new BoundedQueue<number>(1), 1, (item) => {
      if (item === 1) throw new Error("synchronous");
      return Promise.resolve(item);
    });
    assert.deepEqual(
      results.map((r) => r.ok),
      [false, true],
    );
  });
});

describe("produceConsume, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("the queue is closed when the last producer is done, not the first", async () => {
    // One producer has nothing to put; the other puts its items 10 ms apart. A producer that
    // closed the queue when it finished would end the consumers before the first of them.
    async function* late(): AsyncGenerator<number> {
      for (const item of [1, 2, 3]) {
        await sleep(10);
        yield item;
      }
    }
    let done = false;
    const run = produceConsume([[], late()], new BoundedQueue<number>(4), 2, (item) =>
      Promise.resolve(item),
    ).finally(() => (done = true));
    // Each sleep starts once the one before has fired, so the clock moves in its steps.
    await advance(10);
    await advance(10);
    await advance(5);
    assert.equal(done, false);
    await advance(5);
    assert.equal(done, true);
    assert.deepEqual(
      (await run).map((r) => r.ok && r.value),
      [1, 2, 3],
    );
  });

  test("slow consumers hold a fast producer to the queue's capacity", async () => {
    // Two consumers of 10 ms each behind a queue of 2: the producer is at most 2 items ahead
    // of what the consumers have taken, however many it has.
    const queue = new BoundedQueue<number>(2);
    let produced = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 10; i++) {
        produced = i + 1;
        yield i;
      }
    }
    let taken = 0;
    const run = produceConsume([items()], queue, 2, async (item) => {
      taken += 1;
      await sleep(10);
      return item;
    });
    for (let ms = 0; ms <= 50; ms += 10) {
      await advance(ms === 0 ? 0 : 10);
      assert.ok(queue.size <= 2, `${String(queue.size)} items queued at ${String(ms)} ms`);
      // The one being put waits in the producer's hand, not in the queue.
      assert.ok(produced <= taken + 3, `${String(produced)} produced, ${String(taken)} taken`);
    }
    await advance(10);
    assert.equal((await run).length, 10);
  });

  test("consumers overlap: each takes the next item while the others work", async () => {
    const gate = deferred();
    let inFlight = 0;
    let maxInFlight = 0;
    const run = produceConsume([[1, 2, 3]], new BoundedQueue<number>(1), 3, async (item) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate.promise;
      inFlight -= 1;
      return item;
    });
    await flush();
    assert.equal(maxInFlight, 3);
    gate.resolve();
    assert.equal((await run).length, 3);
  });
});

describe("produceConsume cancellation", () => {
  test("aborting stops producers and consumers, rejects with the reason, and leaves no timer", async () => {
    const timersBefore = timeouts();
    const controller = new AbortController();
    const reason = new Error("shutting down");
    let started = 0;
    let running = 0;
    const run = produceConsume(
      [producersOf([50])[0] ?? [], producersOf([0, 50])[1] ?? []],
      new BoundedQueue<number>(2),
      3,
      async (item, _consumer, signal) => {
        started += 1;
        running += 1;
        try {
          await sleep(10_000, undefined, { signal });
          return item;
        } finally {
          running -= 1;
        }
      },
      { signal: controller.signal },
    );
    await sleep(20);
    const abortedAt = performance.now();
    controller.abort(reason);
    await assert.rejects(run, (error) => error === reason);
    assert.ok(performance.now() - abortedAt < 1_000, "the run waited for its sleeping consumers");
    assert.equal(started, 3, "a consumer took an item after the abort");
    assert.equal(running, 0, "a consumer was still running when the run settled");
    assert.equal(timeouts(), timersBefore, "a timer was left pending");
  });
});

test("the benchmark answers the check of its own input: every item's value, XORed", async () => {
  const input = runner.benchInput(10, { producers: 3, consumers: 2, capacity: 2, cost: 5 });
  assert.deepEqual(
    input.producers.map((items) => items.map(({ id }) => id)),
    [
      [0, 3, 6, 9],
      [1, 4, 7],
      [2, 5, 8],
    ],
  );
  const want = xorDigest(Array.from({ length: 10 }, (_, id) => work(id, 5)));
  assert.deepEqual((await runner.bench(input)).check, { count: 10, digest: want });
});
