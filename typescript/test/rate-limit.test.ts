import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { Limiter } from "../src/rate-limit.js";
import { SlidingWindowLog } from "../src/sliding-window.js";
import { TokenBucket } from "../src/token-bucket.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

const MS = 1_000_000;

describe("the decision cores", () => {
  test("a token bucket reserves a burst at once, then one token per period", () => {
    const bucket = new TokenBucket(1, 10, 2);
    assert.deepEqual(
      [0, 0, 0, 0, 35].map((now) => bucket.reserve(now)),
      [0, 0, 10, 20, 35],
    );
  });

  test("a sliding window reserves `limit` per window, first come, first served", () => {
    const log = new SlidingWindowLog(2, 100);
    assert.deepEqual(
      [0, 0, 0, 0, 0, 350].map((now) => log.reserve(now)),
      [0, 0, 100, 100, 200, 350],
    );
  });

  test("a denied request changes nothing", () => {
    const bucket = new TokenBucket(1, 100, 1);
    assert.deepEqual(
      [0, 10, 20, 30, 100].map((now) => bucket.decide(now)),
      [0, 90, 80, 70, 0],
    );
    const log = new SlidingWindowLog(1, 100);
    assert.deepEqual(
      [0, 10, 20, 100].map((now) => log.decide(now)),
      [0, 90, 80, 0],
    );
  });

  test("a bucket too large for a double still counts every credit", () => {
    // A million tokens refilled once a day, in nanoseconds: 8.64e19 credits when full.
    const day = 86_400_000 * MS;
    const bucket = new TokenBucket(1, day, 1_000_000);
    for (let i = 0; i < 1_000_000; i++) assert.equal(bucket.decide(0), 0);
    assert.equal(bucket.decide(0), day);
    assert.equal(bucket.decide(day - 1), 1);
    assert.equal(bucket.decide(day), 0);
  });

  test("refuse a clock that goes back, and parameters that are not positive integers", () => {
    const bucket = new TokenBucket(1, 10, 1);
    bucket.decide(5);
    assert.throws(() => bucket.decide(4), RangeError);
    assert.throws(() => new TokenBucket(0, 10, 1), RangeError);
    assert.throws(() => new SlidingWindowLog(1, 0.5), RangeError);
  });
});

describe("Limiter, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("admits callers first come, first served, each woken at its admission time", async () => {
    const limiter = new Limiter(new TokenBucket(1, 10 * MS, 2), virtualNs);
    const woke: [number, number][] = [];
    const callers = [0, 1, 2, 3].map(async () => {
      const at = await limiter.acquire();
      woke.push([at / MS, Date.now()]);
    });
    await advance(0);
    assert.deepEqual(woke, [
      [0, 0],
      [0, 0],
    ]);
    await advance(10);
    await advance(10);
    await Promise.all(callers);
    assert.deepEqual(woke.slice(2), [
      [10, 10],
      [20, 20],
    ]);
  });

  test("sleeps again when its timer fires before the clock reaches the admission time", async () => {
    // The timers run on the event loop's cached time, which can lag the monotonic clock: the
    // clock here reads half a millisecond ahead when the caller goes to sleep, and in step with
    // the timers when they fire, so the timer fires half a millisecond before the admission.
    let skewNs = MS / 2;
    const clock = () => virtualNs() + skewNs;
    const limiter = new Limiter(new TokenBucket(1, 10 * MS, 1), clock);
    assert.equal(await limiter.acquire(), MS / 2);
    const second = limiter.acquire();
    await advance(5);
    skewNs = 0;
    await advance(5);
    assert.equal(clock(), 10 * MS);
    assert.equal(await settled(second), false, "woke before its admission at 10.5 ms");
    await advance(1);
    assert.equal(await second, 10.5 * MS);
    assert.ok(clock() >= 10.5 * MS);
  });
});
