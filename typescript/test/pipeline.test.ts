import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { runPipeline, type StageEvent, type StageOptions } from "../src/pipeline.js";
import { xorDigest } from "../src/runner/jobs.js";
import * as runner from "../src/runner/pipeline.js";
import { work } from "../src/work.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime } from "./support/virtual-time.js";

/** A stage of `workers` that sleeps `ms` and adds `add`, counting the items it holds at once. */
function sleeping(workers: number, capacity: number, ms: number, add = 0) {
  const state = { inFlight: 0, maxInFlight: 0, started: 0 };
  const stage: StageOptions<number> = {
    workers,
    capacity,
    transform: async (value, signal) => {
      state.started += 1;
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        await sleep(ms, undefined, { signal });
        return value + add;
      } finally {
        state.inFlight -= 1;
      }
    },
  };
  return { state, stage };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

/**
 * For each stage, the most items its queue held at once: put in (`queued`) and not yet taken
 * by a worker (`got`). A taker can get an item before its put has returned, so a `got` is
 * counted against the item whenever it comes.
 */
function queuePeaks(events: readonly StageEvent<number>[], stages: number): number[] {
  const held = Array.from({ length: stages }, () => new Set<number>());
  const taken = Array.from({ length: stages }, () => new Set<number>());
  const peaks = Array.from({ length: stages }, () => 0);
  for (const event of events) {
    const [queue, gone] = [held[event.stage], taken[event.stage]];
    if (queue === undefined || gone === undefined || !("value" in event)) continue;
    if (event.kind === "queued" && !gone.has(event.value)) queue.add(event.value);
    if (event.kind === "got") {
      gone.add(event.value);
      queue.delete(event.value);
    }
    peaks[event.stage] = Math.max(peaks[event.stage] ?? 0, queue.size);
  }
  return peaks;
}

describe("runPipeline, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("stages work at once: while one item is in stage 1, the next is in stage 0", async () => {
    // Two stages of 10 ms and one worker each: three items take 40 ms through a pipeline, and
    // 60 ms if each item went through both stages before the next one started.
    const first = sleeping(1, 1, 10, 1);
    const second = sleeping(1, 1, 10, 10);
    let done = false;
    const run = runPipeline(range(3), [first.stage, second.stage]).finally(() => (done = true));
    await advance(0);
    for (let ms = 0; ms < 40; ms += 10) await advance(10);
    assert.equal(done, true, "not done after 40 ms");
    assert.deepEqual(await run, [11, 12, 13]);
  });

  test("a stage works on up to `workers` items at once, not one at a time as a Transform does", async () => {
    const wide = sleeping(3, 3, 10);
    let done = false;
    const run = runPipeline(range(6), [wide.stage]).finally(() => (done = true));
    await advance(0);
    await advance(10);
    await advance(10);
    assert.equal(done, true, "six items on three workers of 10 ms took more than 20 ms");
    assert.equal(wide.state.maxInFlight, 3);
    assert.equal((await run).length, 6);
  });

  test("a fast stage waits for a slow one: no queue ever holds more than its capacity", async () => {
    // Stage 0 is ten times as fast as stage 1, whose queue holds 2. Buffered by `highWaterMark`
    // alone, the queue between them would hold 2 in stage 0's readable side, 2 more in stage
    // 1's writable side, and every result stage 0's workers pushed meanwhile.
    const events: StageEvent<number>[] = [];
    const fast = sleeping(3, 4, 1);
    const slow = sleeping(1, 2, 10);
    const run = runPipeline(range(20), [fast.stage, slow.stage], {
      onEvent: (event) => events.push(event),
    });
    await advance(0);
    for (let ms = 0; ms < 250; ms++) {
      await advance(1);
      // Between the two stages, at most stage 1's queue and stage 0's workers, each holding
      // the result it waits to put: stage 0 is held back, not run to the end.
      const ahead = fast.state.started - slow.state.started;
      assert.ok(ahead <= 2 + 3, `stage 0 was ${String(ahead)} items ahead at ${String(ms)} ms`);
    }
    assert.equal(await settled(run), true);
    assert.equal((await run).length, 20);
    assert.deepEqual(queuePeaks(events, 2), [4, 2]);
  });

  test("ordered results come out in input order, while later items overtake in the stages", async () => {
    const overtaking: StageOptions<number> = {
      workers: 4,
      capacity: 4,
      transform: async (value, signal) => {
        await sleep(value % 2 === 0 ? 30 : 5, undefined, { signal });
        return value;
      },
    };
    const doneOrder: number[] = [];
    const run = runPipeline(range(8), [overtaking], {
      ordered: true,
      onEvent: (event) => {
        if (event.kind === "done") doneOrder.push(event.value);
      },
    });
    await advance(0);
    for (let ms = 0; ms < 70; ms += 5) await advance(5);
    assert.equal(await settled(run), true);
    assert.deepEqual(await run, range(8));
    assert.notDeepEqual(doneOrder, range(8), "no item overtook another: nothing was reordered");
  });

  test("a failure stops every stage at once, and the pipeline rejects only when all have stopped", async () => {
    const boom = new Error("item 3 failed in stage 1");
    const before = sleeping(2, 2, 1_000);
    const after = sleeping(2, 2, 1_000);
    const failing: StageOptions<number> = {
      workers: 2,
      capacity: 2,
      transform: async (value, signal) => {
        await sleep(value === 3 ? 5 : 1_000, undefined, { signal });
        if (value === 3) throw boom;
        return value;
      },
    };
    const failure = runPipeline([3, ...range(10)], [before.stage, failing, after.stage]).catch(
      (error: unknown) => error,
    );
    await advance(0);
    // Stage 0 passes item 3 on after 1 s; it fails 5 ms later, with stage 0 busy again.
    await advance(1_000);
    await advance(5);
    assert.equal(await settled(failure), true, "the pipeline did not stop promptly");
    assert.equal(await failure, boom);
    assert.equal(before.state.inFlight + after.state.inFlight, 0, "a stage was still working");
  });
});

describe("runPipeline", () => {
  test("empty input ends every stage, and the pipeline returns nothing", async () => {
    const stages = [sleeping(2, 1, 1), sleeping(3, 1, 1), sleeping(1, 1, 1)];
    assert.deepEqual(
      await runPipeline(
        [],
        stages.map(({ stage }) => stage),
      ),
      [],
    );
  });

  test("more workers than items: a stage ends its output once all its workers are done", async () => {
    const a = sleeping(8, 2, 5, 1);
    const b = sleeping(8, 2, 5, 10);
    const results = await runPipeline([0, 1], [a.stage, b.stage]);
    assert.deepEqual(
      results.sort((x, y) => x - y),
      [11, 12],
    );
  });

  test("ordered: a failing item rejects the pipeline, not a reorder buffer that waits for it", async () => {
    const boom = new Error("item 0 failed");
    const stage: StageOptions<number> = {
      workers: 3,
      capacity: 3,
      transform: async (value) => {
        await sleep(value === 0 ? 30 : 1);
        if (value === 0) throw boom;
        return value;
      },
    };
    await assert.rejects(runPipeline(range(10), [stage], { ordered: true }), boom);
  });

  test("no work of a stage is still running when the pipeline rejects, however slowly it stops", async () => {
    // Node 20's `pipeline` can settle before every destroyed stream has called back from its
    // `_destroy`: the stage that is slow to stop must still have stopped when it rejects.
    const timersBefore = timeouts();
    const state = { running: 0 };
    const slowToStop: StageOptions<number> = {
      workers: 2,
      capacity: 2,
      transform: async (value, signal) => {
        state.running += 1;
        try {
          await sleep(10_000, undefined, { signal });
          return value;
        } catch (error) {
          await sleep(30);
          throw error;
        } finally {
          state.running -= 1;
        }
      },
    };
    const failing: StageOptions<number> = {
      workers: 1,
      capacity: 1,
      transform: async (value) => {
        await sleep(20);
        if (value === 3) throw new Error("item 3 failed");
        return value;
      },
    };
    const started = performance.now();
    await assert.rejects(runPipeline(range(10), [failing, slowToStop]), /item 3 failed/);
    assert.ok(performance.now() - started < 2_000);
    assert.equal(state.running, 0, "a transform was still running after the pipeline rejected");
    assert.equal(timeouts(), timersBefore, "a timer was left pending");
  });

  test("aborting the signal destroys every stage and rejects with the reason", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const a = sleeping(2, 2, 10_000);
    const b = sleeping(2, 2, 10_000);
    const run = runPipeline(range(10), [a.stage, b.stage], { signal: controller.signal });
    await sleep(20);
    controller.abort(reason);
    await assert.rejects(run, (error) => (error as Error).cause === reason || error === reason);
    assert.equal(a.state.inFlight + b.state.inFlight, 0);
  });
});

test("the benchmark answers the check of its own input: every item through every stage, XORed", async () => {
  const input = runner.benchInput(10, {
    stages: 2,
    workers: 2,
    capacity: 1,
    cost: 3,
    ordered: true,
  });
  const through = (id: number) => {
    const first = BigInt(`0x${work(BigInt(id) ^ 1n, 3)}`);
    return work(first ^ 2n, 3);
  };
  const want = xorDigest(Array.from({ length: 10 }, (_, id) => through(id)));
  assert.deepEqual((await runner.bench(input)).check, { count: 10, digest: want });
});
