import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { AsyncQueue } from "../src/async-queue.js";
import { batched, Batcher, type Batch, type LiveBatch } from "../src/batching.js";
import * as runner from "../src/runner/batching.js";
import { advance, flush, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

/** The batches of `arrivals` (`[item, time]`) ending at `end`, as `[items, at, reason]`. */
function decide(
  maxSize: number,
  maxWait: number,
  arrivals: readonly [number, number][],
  end: number,
) {
  const batches: Batch<number>[] = [];
  const core = new Batcher<number>(maxSize, maxWait, (batch) => batches.push(batch));
  for (const [item, at] of arrivals) core.add(item, at);
  core.end(end);
  return batches.map(({ items, at, reason }) => [items, at, reason]);
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

describe("Batcher, the decision core", () => {
  test("a batch is flushed full at once, due at its due time, and the rest at the end", () => {
    assert.deepEqual(
      decide(
        2,
        50,
        [
          [1, 0],
          [2, 5],
          [3, 10],
          [4, 100],
        ],
        120,
      ),
      [
        [[1, 2], 5, "full"],
        [[3], 60, "due"],
        [[4], 120, "end"],
      ],
    );
  });

  test("the deadline runs from the batch's first item: later arrivals never push it back", () => {
    assert.deepEqual(
      decide(
        100,
        50,
        [
          [1, 0],
          [2, 30],
          [3, 49],
          [4, 60],
        ],
        60,
      ),
      [
        [[1, 2, 3], 50, "due"],
        [[4], 60, "end"],
      ],
    );
  });

  test("at one instant, a due batch is flushed before the item arriving then is added", () => {
    assert.deepEqual(
      decide(
        10,
        50,
        [
          [1, 0],
          [2, 50],
        ],
        50,
      ),
      [
        [[1], 50, "due"],
        [[2], 50, "end"],
      ],
    );
  });

  test("a batch due when the stream ends is flushed as due; an empty stream flushes nothing", () => {
    assert.deepEqual(decide(10, 50, [[1, 0]], 50), [[[1], 50, "due"]]);
    assert.deepEqual(decide(10, 50, [], 1_000), []);
  });

  test("times up to 2^53 - 1 decide exactly, a due time past them included", () => {
    // JavaScript numbers are doubles: exact up to 2^53, and a due time beyond it rounds, but
    // stays beyond every time an input can hold, so it is never reached before the end.
    const top = Number.MAX_SAFE_INTEGER;
    assert.deepEqual(
      decide(
        3,
        7,
        [
          [0, top - 20],
          [1, top - 14],
          [2, top - 13],
        ],
        top - 1,
      ),
      [
        [[0, 1], top - 13, "due"],
        [[2], top - 6, "due"],
      ],
    );
    assert.deepEqual(decide(3, 60_000, [[0, top - 5]], top), [[[0], top, "end"]]);
  });

  test("refuses a size or a wait that is not a positive integer", () => {
    const flush = () => undefined;
    assert.throws(() => new Batcher(0, 10, flush), RangeError);
    assert.throws(() => new Batcher(1, 0.5, flush), RangeError);
  });
});

/** Reads `batches` into `got`, each with the virtual time it came out at. */
async function readAll(
  batches: AsyncIterable<LiveBatch<number>>,
  got: [number[], string, number][],
) {
  for await (const { items, reason } of batches) got.push([[...items], reason, Date.now()]);
}

describe("batched, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("a stalled source's batch is flushed when it is due, not at the next arrival", async () => {
    const source = new AsyncQueue<number>();
    const got: [number[], string, number][] = [];
    const reading = readAll(batched(source, 10, 100, virtualNs), got);
    // Each arrival is let in (`advance(0)`) before the clock moves on.
    source.push(1);
    await advance(0);
    await advance(10);
    source.push(2);
    // The source stalls: nothing arrives for a second, yet the batch is due at 100 ms.
    await advance(89);
    assert.equal(got.length, 0);
    await advance(1);
    assert.deepEqual(got, [[[1, 2], "due", 100]]);
    await advance(900);
    source.push(3);
    source.close();
    await reading;
    assert.deepEqual(got.at(-1), [[3], "end", 1_000]);
  });

  test("a timer that fires before the due time by the clock flushes nothing, and waits again", async () => {
    // The timers run on the event loop's cached time, which can lag the monotonic clock: the
    // clock reads half a millisecond ahead when the item arrives, and in step with the timers
    // when they fire, so the first timer fires half a millisecond before the batch is due.
    let skewNs = 500_000;
    const clock = () => virtualNs() + skewNs;
    const source = new AsyncQueue<number>();
    const got: [number[], string, number][] = [];
    const reading = readAll(batched(source, 10, 100, clock), got);
    source.push(1);
    await flush();
    skewNs = 0;
    await advance(100);
    assert.equal(got.length, 0, "flushed before the batch was due by the clock");
    await advance(1);
    assert.deepEqual(got, [[[1], "due", 101]]);
    source.close();
    await reading;
  });

  test("a full batch clears its timer, and the next batch's deadline is its own first item's", async () => {
    const source = new AsyncQueue<number>();
    const got: [number[], string, number][] = [];
    const reading = readAll(batched(source, 2, 100, virtualNs), got);
    source.push(1);
    await advance(0);
    await advance(60);
    source.push(2);
    await flush();
    assert.deepEqual(got, [[[1, 2], "full", 60]]);
    source.push(3);
    await advance(0);
    // Item 1's timer would have fired at 100 ms; item 3's batch is due at 160 ms.
    await advance(40);
    assert.equal(got.length, 1);
    await advance(60);
    assert.deepEqual(got.at(-1), [[3], "due", 160]);
    source.close();
    await reading;
  });
});

describe("batched", () => {
  test("leaves no timer behind, whether the source ends or the reader stops early", async () => {
    const timersBefore = timeouts();
    const ended = new AsyncQueue<number>();
    ended.push(1);
    ended.close();
    const got: [number[], string, number][] = [];
    await readAll(batched(ended, 10, 60_000), got);
    assert.deepEqual(
      got.map(([items, reason]) => [items, reason]),
      [[[1], "end"]],
    );

    const endless = new AsyncQueue<number>();
    endless.push(1);
    endless.push(2);
    for await (const batch of batched(endless, 2, 60_000)) {
      assert.deepEqual(batch, { items: [1, 2], reason: "full" });
      endless.push(3);
      // The reader stops while item 3's batch is open and its timer armed.
      await new Promise((resolve) => setImmediate(resolve));
      endless.close();
      break;
    }
    assert.equal(timeouts(), timersBefore, "a timer was left pending");
  });
});

test("the benchmark answers the check of its own input", async () => {
  // One item each millisecond, in batches of 3: full at 2, 5 and 8 ms, and item 9 alone at
  // the end, 9 ms. The digest is the sum of `flushMs * 65536 + size`: (2 + 5 + 8 + 9) * 65536
  // + 10.
  const input = runner.benchInput(10, { maxSize: 3, maxWaitMs: 100, perMs: 1 });
  const digest = (24 * 65_536 + 10).toString(16).padStart(16, "0");
  assert.deepEqual((await runner.bench(input)).check, { count: 10, batches: 4, digest });
});
