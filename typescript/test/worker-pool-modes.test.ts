import assert from "node:assert/strict";
import { createHook } from "node:async_hooks";
import { availableParallelism } from "node:os";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { work } from "../src/work.js";
import { FieldError } from "../src/runner/fields.js";
import type { Job, JobResult } from "../src/runner/jobs.js";
import { ParallelPool, threadCount } from "../src/runner/parallel-pool.js";
import { bench, benchInput, release } from "../src/runner/worker-pool.js";

const SIZE = 30;
const PARAMS = { workers: 3, cost: 100, sleepMs: 1 };

function expectedCheck(): { count: number; digest: string } {
  let digest = 0n;
  for (let id = 0; id < SIZE; id++) digest ^= BigInt(`0x${work(id, PARAMS.cost)}`);
  return { count: SIZE, digest: digest.toString(16).padStart(16, "0") };
}

/**
 * Counts the worker threads started while `body` runs, and those still alive once it is done:
 * each `Worker` is an async resource of type `WORKER`, destroyed once its thread has ended.
 */
async function threadsDuring(
  body: () => Promise<void>,
): Promise<{ started: number; left: number }> {
  const alive = new Set<number>();
  let started = 0;
  const hook = createHook({
    init(id, type) {
      if (type !== "WORKER") return;
      started += 1;
      alive.add(id);
    },
    destroy(id) {
      alive.delete(id);
    },
  }).enable();
  try {
    await body();
    // A thread's resource is destroyed once its handle has closed, a few turns of the event
    // loop after it has exited: wait for that, but not for ever, since a leaked thread never is.
    for (let turn = 0; turn < 200 && alive.size > 0; turn++) await sleep(5);
    return { started, left: alive.size };
  } finally {
    hook.disable();
  }
}

/** Two runs, as `bench` makes them, then the release of what they shared. */
async function measureTwice(mode: string | undefined): Promise<unknown[]> {
  const input = benchInput(SIZE, mode === undefined ? PARAMS : { ...PARAMS, mode });
  try {
    return [(await bench(input)).check, (await bench(input)).check];
  } finally {
    await release(input);
  }
}

describe("worker-pool bench modes", () => {
  test("every mode answers the same check, run after run", async () => {
    const expected = expectedCheck();
    for (const mode of [undefined, "event-loop", "parallel"]) {
      assert.deepEqual(await measureTwice(mode), [expected, expected], String(mode));
    }
  });

  test("event-loop and no mode run every job on this thread: no worker thread is started", async () => {
    for (const mode of [undefined, "event-loop"]) {
      const threads = await threadsDuring(async () => {
        await measureTwice(mode);
      });
      assert.deepEqual(threads, { started: 0, left: 0 }, String(mode));
    }
  });

  test("parallel starts a thread per worker up to the cores, once for every run, and ends them", async () => {
    const threads = await threadsDuring(async () => {
      await measureTwice("parallel");
    });
    assert.deepEqual(threads, { started: threadCount(PARAMS.workers), left: 0 });
  });

  test("parallel: a job that panics on a thread is that job's result, and the threads run on", async () => {
    // Job 6 both fails and panics: the panic wins.
    const jobs = Array.from({ length: 12 }, (_, id): Job => ({
      id,
      cost: 10,
      sleepMs: 1,
      fail: id === 4 || id === 6,
      panic: id % 5 === 1,
    }));
    const expected = jobs.map(({ id, cost, fail, panic }): JobResult => {
      if (panic) return { id, error: `job ${String(id)} panicked` };
      if (fail) return { id, error: `job ${String(id)} failed` };
      return { id, value: work(id, cost) };
    });
    const threads = new ParallelPool(jobs, 3);
    try {
      await threads.ready();
      // A second run on the same threads: none of them was lost to the panics of the first.
      for (const run of [1, 2]) {
        await threads.run();
        const results = (await threads.reports()).flatMap((report) => report.results);
        assert.deepEqual(
          [...results].sort((a, b) => a.id - b.id),
          expected,
          `run ${String(run)}`,
        );
      }
    } finally {
      await threads.close();
    }
  });

  test("parallel runs a thread per worker, at most one per usable core", () => {
    const cores = availableParallelism();
    assert.equal(threadCount(1), 1);
    assert.equal(threadCount(cores), cores);
    assert.equal(threadCount(10_000), cores);
  });

  test("an invalid mode names params.mode, validated after workers, cost and sleepMs", () => {
    const invalid = (params: Record<string, unknown>) => {
      try {
        benchInput(1, params);
      } catch (error) {
        if (error instanceof FieldError) return [error.field, error.message];
      }
      assert.fail(`valid: ${JSON.stringify(params)}`);
    };
    assert.deepEqual(invalid({ ...PARAMS, mode: "threads" }), [
      "params.mode",
      'params.mode must be one of "event-loop", "parallel", got "threads"',
    ]);
    assert.deepEqual(invalid({ ...PARAMS, mode: 1 })[0], "params.mode");
    assert.deepEqual(invalid({ ...PARAMS, sleepMs: -1, mode: "threads" })[0], "params.sleepMs");
    assert.deepEqual(invalid({ ...PARAMS, cost: -1, mode: "threads" })[0], "params.cost");
    assert.deepEqual(invalid({ workers: 0, mode: "threads" })[0], "params.workers");
  });
});
