import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { gather, gatherFailFast, merge } from "../src/fan-in.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime } from "./support/virtual-time.js";

/** A source that waits each delay, then yields `<name><index>`; `closed` once it has ended. */
function source(name: string, delays: readonly number[]) {
  const state = { closed: false };
  async function* produce(): AsyncGenerator<string> {
    try {
      for (const [index, delay] of delays.entries()) {
        await sleep(delay);
        yield `${name}${String(index)}`;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, items: produce() };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

describe("merge, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("yields each item when its source produces it, never held behind a slower source", async () => {
    const slow = source("slow", [25, 30]);
    const fast = source("fast", [10, 10, 10, 10]);
    const received: [string, number][] = [];
    const consumer = (async () => {
      for await (const item of merge([slow.items, fast.items])) received.push([item, Date.now()]);
    })();
    for (let ms = 0; ms < 60; ms++) await advance(1);
    // Checked before awaiting: a merge that drains one source after another is still waiting.
    assert.deepEqual(received, [
      ["fast0", 10],
      ["fast1", 20],
      ["slow0", 25],
      ["fast2", 30],
      ["fast3", 40],
      ["slow1", 55],
    ]);
    await consumer;
  });

  test("runs each source one item ahead of a busy consumer, and no further", async () => {
    const fast = source("fast", [10, 10, 10]);
    const stream = merge([fast.items]);
    const first = stream.next();
    await advance(10);
    assert.deepEqual(await first, { done: false, value: "fast0" });
    // The consumer takes 25 ms over its item: the source made its next item meanwhile...
    await advance(25);
    const second = stream.next();
    assert.ok(await settled(second), "fast1 was not made while the consumer was busy");
    assert.deepEqual(await second, { done: false, value: "fast1" });
    // ...but not the one after: a slow consumer holds each source to one buffered item.
    const third = stream.next();
    assert.equal(await settled(third), false);
    await advance(10);
    assert.deepEqual(await third, { done: false, value: "fast2" });
  });
});

describe("merge", () => {
  test("loses and repeats no item when every source is ready at once", async () => {
    async function* count(name: number, n: number): AsyncGenerator<[number, number]> {
      for (let i = 0; i < n; i++) {
        await Promise.resolve();
        yield [name, i];
      }
    }
    const sources = Array.from({ length: 50 }, (_, name) => count(name, 20));
    const items = await collect(merge(sources));
    assert.equal(items.length, 50 * 20);
    const next = new Map<number, number>();
    for (const [name, i] of items) {
      assert.equal(i, next.get(name) ?? 0, `source ${String(name)} out of order`);
      next.set(name, i + 1);
    }
  });

  test("ends at once with no sources, and with only empty ones", async () => {
    assert.deepEqual(await collect(merge([])), []);
    assert.deepEqual(await collect(merge([source("a", []).items, source("b", []).items])), []);
  });

  test("closes every source when the consumer stops early", async () => {
    const sources = [source("a", [1, 1, 1]), source("b", [5, 5]), source("c", [10])];
    for await (const item of merge(sources.map((s) => s.items))) {
      assert.equal(item, "a0");
      break;
    }
    assert.deepEqual(
      sources.map((s) => s.state.closed),
      [true, true, true],
    );
  });

  test("rethrows a source's error once the other sources are closed", async () => {
    const boom = new Error("source failed");
    async function* failing(): AsyncGenerator<string> {
      yield "failing0";
      await sleep(2);
      throw boom;
    }
    const other = source("other", [1, 50]);
    await assert.rejects(collect(merge([failing(), other.items])), boom);
    assert.equal(other.state.closed, true);
  });
});

/** A call that sleeps `ms`, tracking the calls in flight; fails when `ms` is negative. */
function tracked() {
  const state = { inFlight: 0, maxInFlight: 0, started: [] as number[] };
  const call = async (ms: number, signal: AbortSignal): Promise<number> => {
    state.started.push(ms);
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      await sleep(Math.abs(ms), undefined, { signal });
      if (ms < 0) throw new Error(`${String(ms)} failed`);
      return ms * 2;
    } finally {
      state.inFlight -= 1;
    }
  };
  return { state, call };
}

describe("gather, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("keeps to its bound and answers in input order, failures as values", async () => {
    const { state, call } = tracked();
    let done = false;
    const run = gather([30, -10, 20, 10], 2, call).finally(() => (done = true));
    await advance(0);
    assert.deepEqual(state.started, [30, -10]);
    await advance(10);
    assert.deepEqual(state.started, [30, -10, 20]);
    await advance(20);
    assert.deepEqual(state.started, [30, -10, 20, 10]);
    await advance(10);
    assert.equal(done, true);
    assert.equal(state.maxInFlight, 2);
    const results = (await run).map((r) => (r.ok ? r.value : (r.error as Error).message));
    assert.deepEqual(results, [60, "-10 failed", 40, 20]);
  });
});

describe("gatherFailFast", () => {
  test("cancels the running calls, starts no more, and settles only once all have stopped", async () => {
    const timersBefore = timeouts();
    const { state, call } = tracked();
    const started = performance.now();
    await assert.rejects(gatherFailFast([10_000, -20, 10_000, 10_000, 10_000], 3, call), {
      message: "-20 failed",
    });
    assert.ok(performance.now() - started < 2_000, "it waited for the sleeping calls");
    assert.deepEqual(state.started, [10_000, -20, 10_000], "a call started after the failure");
    assert.equal(state.inFlight, 0, "a call was still running when it settled");
    assert.equal(timeouts(), timersBefore, "a timer was left pending");
  });

  test("a call that panics is a result of gather, and the failure that cancels the rest here", async () => {
    const bug = new Error("a bug");
    const { state, call } = tracked();
    // The 5 ms call sleeps and works as the others do, then throws what no one expected.
    const panicking = async (ms: number, signal: AbortSignal): Promise<number> => {
      const value = await call(ms, signal);
      if (ms === 5) throw bug;
      return value;
    };
    const results = await gather([10, 5, 10], 2, panicking);
    assert.deepEqual(
      results.map((r) => (r.ok ? r.value : r.error)),
      [20, bug, 20],
    );

    state.started.length = 0;
    const started = performance.now();
    await assert.rejects(
      gatherFailFast([10_000, 5, 10_000], 2, panicking),
      (error) => error === bug,
    );
    assert.ok(performance.now() - started < 2_000, "it waited for the sleeping call");
    assert.deepEqual(state.started, [10_000, 5], "a call started after the panic");
    assert.equal(state.inFlight, 0, "a call was still running when it settled");
  });

  test("answers every value in input order when nothing fails", async () => {
    const { call } = tracked();
    assert.deepEqual(await gatherFailFast([3, 1, 2], 2, call), [6, 2, 4]);
    assert.deepEqual(await gatherFailFast([], 2, call), []);
  });
});
