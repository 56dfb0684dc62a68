import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { pool } from "../src/worker-pool.js";
import { advance, useRealTime, useVirtualTime } from "./support/virtual-time.js";

/** A job function that sleeps `ms` and tracks how many calls are in flight. */
function tracked() {
  const state = { inFlight: 0, maxInFlight: 0, started: [] as number[], finished: [] as number[] };
  const fn = async (ms: number, signal: AbortSignal): Promise<number> => {
    state.started.push(ms);
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      await sleep(ms, undefined, { signal });
      state.finished.push(ms);
      return ms * 2;
    } finally {
      state.inFlight -= 1;
    }
  };
  return { state, fn };
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

describe("pool, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("runs at most `workers` jobs at once, in waves as slots free up", async () => {
    const { state, fn } = tracked();
    let settled = false;
    const run = pool([100, 100, 100, 100, 100, 100, 100], 3, fn).finally(() => (settled = true));

    await advance(0);
    assert.equal(state.inFlight, 3);
    await advance(100);
    assert.equal(state.finished.length, 3);
    assert.equal(state.inFlight, 3);
    await advance(100);
    assert.equal(state.finished.length, 6);
    assert.equal(settled, false);
    await advance(100);
    assert.equal(settled, true);
    assert.equal(state.maxInFlight, 3);
    const results = await run;
    assert.deepEqual(
      results,
      Array.from({ length: 7 }, () => ({ job: 100, ok: true, value: 200 })),
    );
  });

  test("a worker takes the next job as soon as it is free, not when its batch is", async () => {
    // One long job and three short ones on two workers: the short ones run back to back beside
    // the long one, so everything is done at 300 ms. A pool that waits for a whole batch of
    // `workers` jobs before starting the next would need 400 ms.
    const { state, fn } = tracked();
    let settled = false;
    const run = pool([300, 100, 100, 100], 2, fn).finally(() => (settled = true));
    await advance(0);
    await advance(100);
    await advance(100);
    assert.deepEqual(state.finished, [100, 100]);
    await advance(100);
    assert.equal(settled, true);
    assert.deepEqual(await run, [
      { job: 300, ok: true, value: 600 },
      { job: 100, ok: true, value: 200 },
      { job: 100, ok: true, value: 200 },
      { job: 100, ok: true, value: 200 },
    ]);
  });

  test("results keep the order of the jobs, not the order of completion", async () => {
    const { fn } = tracked();
    let settled = false;
    const run = pool([300, 200, 100], 3, fn).finally(() => (settled = true));
    await advance(300);
    // Checked before awaiting: a pool that is still waiting would otherwise hang the test.
    assert.equal(settled, true);
    assert.deepEqual(
      (await run).map((r) => [r.job, r.ok ? r.value : r.error]),
      [
        [300, 600],
        [200, 400],
        [100, 200],
      ],
    );
  });
});

describe("pool", () => {
  test("a failing job is a result, and the other jobs still complete", async () => {
    const results = await pool([1, 2, 3, 4, 5], 2, (n) =>
      n % 2 === 0 ? Promise.reject(new Error(`job ${String(n)} failed`)) : Promise.resolve(n),
    );
    assert.deepEqual(
      results.map((r) => (r.ok ? r.value : (r.error as Error).message)),
      [1, "job 2 failed", 3, "job 4 failed", 5],
    );
  });

  test("a job that throws before returning a promise is a failed result too", async () => {
    const results = await pool([0], 1, () => {
      throw new Error("synchronous");
    });
    assert.equal(results[0]?.ok, false);
  });

  test("a job that panics ends neither its worker nor the pool: the jobs behind it still run", async () => {
    // One worker, so that every job after the panicking one runs on the worker it panicked on.
    class Refused extends Error {}
    const results = await pool([1, 2, 3, 4], 1, async (n) => {
      await Promise.resolve();
      if (n === 2) throw new Error("a bug");
      if (n === 3) throw new Refused("job 3 failed");
      return n;
    });
    // The pool keeps whatever was thrown; its caller tells a failure from a bug by its class.
    assert.deepEqual(
      results.map((r) => {
        if (r.ok) return r.value;
        return r.error instanceof Refused ? r.error.message : `job ${String(r.job)} panicked`;
      }),
      [1, "job 2 panicked", "job 3 failed", 4],
    );
  });

  test("no jobs resolve at once with no results, whatever the number of workers", async () => {
    let calls = 0;
    const fn = () => Promise.resolve((calls += 1));
    assert.deepEqual(await pool([], 1, fn), []);
    assert.deepEqual(await pool([], 10_000, fn), []);
    assert.equal(calls, 0);
  });

  test("jobs are pulled lazily, one per free worker", async () => {
    let pulled = 0;
    function* jobs() {
      for (let i = 0; i < 10; i++) {
        pulled += 1;
        yield i;
      }
    }
    const release: (() => void)[] = [];
    const run = pool(jobs(), 3, () => new Promise<void>((resolve) => release.push(resolve)));
    await Promise.resolve();
    assert.equal(pulled, 3);
    release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pulled, 4);
    while (release.length > 0) {
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal((await run).length, 10);
  });

  test("rejects a worker count that is not a positive integer", async () => {
    const fn = () => Promise.resolve(0);
    for (const workers of [0, -1, 1.5, Number.NaN, Infinity]) {
      await assert.rejects(pool([1], workers, fn), RangeError, String(workers));
    }
  });

  test("rejects with the iterable's error, after the running jobs end", async () => {
    const boom = new Error("no more jobs");
    function* jobs() {
      yield 20;
      throw boom;
    }
    const { state, fn } = tracked();
    await assert.rejects(pool(jobs(), 2, fn), boom);
    assert.equal(state.inFlight, 0);
    assert.deepEqual(state.finished, [20]);
  });
});

describe("pool cancellation", () => {
  test("aborting mid-run stops the hand-out, rejects promptly and leaves no timer", async () => {
    const timersBefore = timeouts();
    const { state, fn } = tracked();
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const jobs = Array.from({ length: 20 }, () => 10_000);

    const run = pool(jobs, 4, fn, { signal: controller.signal });
    await sleep(20);
    assert.equal(state.started.length, 4);
    const abortedAt = performance.now();
    controller.abort(reason);

    await assert.rejects(run, (error) => error === reason);
    assert.ok(performance.now() - abortedAt < 1_000, "the pool waited for its sleeping jobs");
    assert.equal(state.started.length, 4, "a job started after the abort");
    assert.equal(state.inFlight, 0, "a job was still running when the pool settled");
    assert.equal(timeouts(), timersBefore, "a timer was left pending");
  });

  test("an already aborted signal rejects without starting any job", async () => {
    const { state, fn } = tracked();
    const signal = AbortSignal.abort(new Error("too late"));
    await assert.rejects(pool([1, 2, 3], 2, fn, { signal }), /too late/);
    assert.deepEqual(state.started, []);
  });
});
