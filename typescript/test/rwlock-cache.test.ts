import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Cache } from "../src/rwlock-cache.js";
import { deferred, settled } from "./support/deferred.js";
import { flush } from "./support/virtual-time.js";

/** A compute that returns `value(key)` once the test releases it, counting its calls. */
function manualCompute() {
  const calls: number[] = [];
  const release = deferred();
  const compute = async (key: number): Promise<string> => {
    calls.push(key);
    await release.promise;
    return `computed ${String(key)}`;
  };
  return { calls, compute, release: release.resolve };
}

describe("Cache", () => {
  test("computes a key once however many callers miss it together", async () => {
    const cache = new Cache<number, string>();
    const { calls, compute, release } = manualCompute();
    const waiting = Array.from({ length: 5 }, () => cache.getOrCompute(7, compute));
    await flush();
    release();
    assert.deepEqual(await Promise.all(waiting), Array(5).fill("computed 7"));
    assert.deepEqual(calls, [7]);
    assert.equal(await cache.getOrCompute(7, compute), "computed 7");
    assert.deepEqual(calls, [7], "a cached key was computed again");
  });

  test("computes outside the lock: a set and misses of other keys go on meanwhile", async () => {
    const cache = new Cache<number, string>();
    const { calls, compute, release } = manualCompute();
    const slow = cache.getOrCompute(1, compute);
    await flush();
    await cache.set(2, "set while computing");
    assert.equal(await cache.get(2), "set while computing");
    const other = cache.getOrCompute(3, compute);
    await flush();
    assert.deepEqual(calls, [1, 3], "the second miss waited for the first compute");
    release();
    assert.deepEqual(await Promise.all([slow, other]), ["computed 1", "computed 3"]);
  });

  test("a set that lands during the compute wins, and every waiter answers it", async () => {
    const cache = new Cache<number, string>();
    const { compute, release } = manualCompute();
    const waiting = [cache.getOrCompute(5, compute), cache.getOrCompute(5, compute)];
    await flush();
    await cache.set(5, "set first");
    release();
    assert.deepEqual(await Promise.all(waiting), ["set first", "set first"]);
    assert.deepEqual(cache.entries(), [[5, "set first"]]);
  });

  test("a failed compute fails every waiter, stores nothing, and the next miss computes again", async () => {
    const cache = new Cache<number, string>();
    const boom = new Error("compute failed");
    let calls = 0;
    const failing = async (): Promise<string> => {
      calls += 1;
      await flush();
      throw boom;
    };
    const waiting = [cache.getOrCompute(9, failing), cache.getOrCompute(9, failing)];
    for (const one of waiting) await assert.rejects(one, boom);
    assert.equal(calls, 1);
    assert.equal(await cache.get(9), undefined);
    assert.equal(await cache.getOrCompute(9, () => Promise.resolve("second try")), "second try");
  });

  test("get answers undefined for a missing key, and set then get answers the value", async () => {
    const cache = new Cache<number, string>();
    assert.equal(await cache.get(42), undefined);
    const write = cache.set(42, "x");
    assert.equal(await settled(write), true);
    assert.equal(await cache.get(42), "x");
  });
});
