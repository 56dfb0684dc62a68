import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { Backoff, retry, RetryError, type Failure, type RetryPolicy } from "../src/retry.js";
import * as runner from "../src/runner/retry.js";
import { work } from "../src/work.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

const MS = 1_000_000;

const POLICY: RetryPolicy = {
  baseMs: 100,
  factor: 2,
  capMs: 10_000,
  maxAttempts: 5,
  jitter: "none",
};

/** The attempts' starts on data, every attempt failing `failure` after `attemptMs`. */
function starts(policy: RetryPolicy, attemptMs = 0, failure: Failure = "retryable"): number[] {
  const backoff = new Backoff(policy);
  const at = [0];
  for (;;) {
    const step = backoff.next(failure, (at.at(-1) ?? 0) + attemptMs);
    if ("gaveUp" in step) return at;
    at.push(step.retryAt);
  }
}

/** The delays between attempts that take no time: the differences of their starts. */
function delays(policy: RetryPolicy): number[] {
  const at = starts(policy);
  return at.slice(1).map((start, i) => start - (at[i] ?? 0));
}

describe("Backoff, the decision core", () => {
  test("delays grow by the factor up to the cap", () => {
    assert.deepEqual(delays({ ...POLICY, capMs: 250, maxAttempts: 6 }), [100, 200, 250, 250, 250]);
  });

  test("maxAttempts counts attempts, not retries: no delay follows the last one", () => {
    // The pitfall is `for (let retry = 0; retry <= maxRetries; retry++)` with a sleep after each
    // failure: one attempt more than asked, and a sleep after the last that nothing follows.
    const backoff = new Backoff({ ...POLICY, maxAttempts: 3 });
    assert.deepEqual(backoff.next("retryable", 0), { retryAt: 100 });
    assert.deepEqual(backoff.next("retryable", 100), { retryAt: 300 });
    assert.deepEqual(backoff.next("retryable", 300), { gaveUp: "exhausted" });
    assert.equal(backoff.attempts, 3);
    assert.deepEqual(starts({ ...POLICY, maxAttempts: 1 }), [0]);
  });

  test("a fatal failure gives up at once, whatever attempts are left", () => {
    const backoff = new Backoff(POLICY);
    assert.deepEqual(backoff.next("fatal", 0), { gaveUp: "fatal" });
    assert.equal(backoff.attempts, 1);
  });

  test("the deadline is checked against the next attempt's start, before any sleep", () => {
    // An attempt may start exactly at the deadline, never after it.
    assert.deepEqual(starts({ ...POLICY, deadlineMs: 300 }), [0, 100, 300]);
    const backoff = new Backoff({ ...POLICY, deadlineMs: 350 });
    backoff.next("retryable", 0);
    backoff.next("retryable", 100);
    assert.deepEqual(backoff.next("retryable", 300), { gaveUp: "deadline" });
  });

  test("each delay runs from the end of the attempt before", () => {
    assert.deepEqual(starts({ ...POLICY, maxAttempts: 3 }, 30), [0, 130, 360]);
  });

  test("a huge exponent saturates at the cap instead of overflowing", () => {
    // 60000 * 10^38 is far past 2^53: computed as a power, it would round, then go to Infinity.
    const waits = delays({
      baseMs: 60_000,
      factor: 10,
      capMs: 600_000,
      maxAttempts: 100,
      jitter: "none",
    });
    assert.equal(waits.length, 99);
    assert.deepEqual(new Set(waits.slice(1)), new Set([600_000]));
    const full = delays({
      baseMs: 60_000,
      factor: 10,
      capMs: 600_000,
      maxAttempts: 100,
      jitter: "full",
    });
    assert.ok(full.every((wait) => Number.isSafeInteger(wait) && wait >= 0 && wait <= 600_000));
  });

  test("full jitter's delay k is draw k-1 of the contract's generator, modulo the delay + 1", () => {
    const seed = 42n;
    const gamma = 0x9e3779b97f4a7c15n;
    const draw = (n: number) =>
      BigInt(`0x${work(BigInt.asUintN(64, seed + BigInt(n) * gamma), 1)}`);
    const want = [100, 200, 400, 800, 1_600].map((e, k) => Number(draw(k) % BigInt(e + 1)));
    assert.deepEqual(delays({ ...POLICY, maxAttempts: 6, jitter: "full", seed: 42 }), want);
  });

  test("the same seed gives the same schedule, another seed another one", () => {
    const policy: RetryPolicy = { ...POLICY, maxAttempts: 8, jitter: "decorrelated", seed: 7 };
    assert.deepEqual(starts(policy), starts({ ...policy }));
    assert.notDeepEqual(starts(policy), starts({ ...policy, seed: 8 }));
  });

  test("jitter stays inside the capped delay: the cap is never exceeded", () => {
    // The pitfall is jitter added on top of the capped delay (`delay + random(0, delay / 2)`).
    for (const jitter of ["full", "equal", "decorrelated"] as const) {
      for (let seed = 0; seed < 200; seed++) {
        const policy: RetryPolicy = {
          baseMs: 100,
          factor: 3,
          capMs: 250,
          maxAttempts: 12,
          jitter,
          seed,
        };
        const waits = delays(policy);
        assert.ok(
          waits.every((wait) => wait <= 250),
          `${jitter}, seed ${String(seed)}: ${String(waits)}`,
        );
        if (jitter === "equal") assert.ok(waits.slice(2).every((wait) => wait >= 125));
        if (jitter === "decorrelated") assert.ok(waits.every((wait) => wait >= 100));
      }
    }
  });
});

/** An attempt that fails with `failure`, or succeeds with its number once `failures` run out. */
class Flaky extends Error {
  constructor(readonly failure: Failure) {
    super(failure);
  }
}

const retryable = (error: unknown) => error instanceof Flaky && error.failure === "retryable";

describe("retry, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("waits each delay after the attempt before, and resolves with the first success", async () => {
    const started: number[] = [];
    const call = retry(
      async (n) => {
        started.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (n < 3) throw new Flaky("retryable");
        return `attempt ${String(n)}`;
      },
      POLICY,
      { retryable, clock: virtualNs },
    );
    for (let ms = 0; ms < 400; ms += 10) await advance(10);
    assert.equal(await call, "attempt 3");
    assert.deepEqual(started, [0, 130, 360]);
  });

  test("gives up on a fatal error at once, with the error as the cause", async () => {
    const fatal = new Flaky("fatal");
    let attempts = 0;
    const call = retry(
      () => {
        attempts += 1;
        return Promise.reject(fatal);
      },
      POLICY,
      { retryable, clock: virtualNs },
    );
    await assert.rejects(call, (error) => {
      assert.ok(error instanceof RetryError);
      assert.deepEqual([error.gaveUp, error.attempts, error.cause], ["fatal", 1, fatal]);
      return true;
    });
    assert.equal(attempts, 1);
  });

  test("gives up at the end of the last attempt, without sleeping once more", async () => {
    const call = retry(
      () => Promise.reject(new Flaky("retryable")),
      { ...POLICY, maxAttempts: 3 },
      {
        retryable,
        clock: virtualNs,
      },
    );
    // Each attempt's failure is let in (`advance(0)`) before the clock moves on.
    await advance(0);
    await advance(100);
    assert.equal(await settled(call), false);
    await advance(200);
    // Attempt 3 failed at 300 ms: the call has given up then, not after another 400 ms.
    await assert.rejects(call, { name: "RetryError", gaveUp: "exhausted", attempts: 3 });
    assert.equal(Date.now(), 300);
  });

  test("gives up at the deadline without sleeping for an attempt that could not start", async () => {
    const call = retry(
      () => Promise.reject(new Flaky("retryable")),
      { ...POLICY, deadlineMs: 350 },
      {
        retryable,
        clock: virtualNs,
      },
    );
    const gaveUp = assert.rejects(call, { name: "RetryError", gaveUp: "deadline", attempts: 3 });
    await advance(0);
    await advance(100);
    await advance(200);
    await gaveUp;
    assert.equal(Date.now(), 300);
  });

  test("aborting ends the wait between attempts at once, and leaves no timer", async () => {
    const controller = new AbortController();
    let attempts = 0;
    const call = retry(
      () => {
        attempts += 1;
        return Promise.reject(new Flaky("retryable"));
      },
      { ...POLICY, baseMs: 60_000, capMs: 60_000 },
      { retryable, clock: virtualNs, signal: controller.signal },
    );
    await advance(0);
    await advance(10);
    controller.abort();
    await assert.rejects(call, { name: "AbortError" });
    await advance(60_000);
    assert.equal(attempts, 1);
  });

  test("sleeps again when its timer fires before the clock reaches the next attempt", async () => {
    // The timers run on the event loop's cached time, which can lag the monotonic clock: the
    // clock reads half a millisecond ahead when the call starts, and in step with the timers
    // when they fire, so the first timer fires half a millisecond before the next attempt.
    let skewNs = MS / 2;
    const clock = () => virtualNs() + skewNs;
    const started: number[] = [];
    const call = retry(
      (n) => {
        started.push(clock());
        return n === 1 ? Promise.reject(new Flaky("retryable")) : Promise.resolve();
      },
      POLICY,
      { retryable, clock },
    );
    await advance(0);
    skewNs = 0;
    await advance(100);
    assert.deepEqual(started, [MS / 2], "started before its delay had passed by the clock");
    await advance(1);
    await call;
    assert.deepEqual(started, [MS / 2, 101 * MS]);
  });
});

test("the benchmark answers the check of its own input", async () => {
  // No jitter, maxAttempts 4: the last starts at 10 + 20 + 40 = 70 ms, in each of 5 schedules.
  const input = runner.benchInput(5, { maxAttempts: 4, jitter: "none" });
  const digest = (5 * 70).toString(16).padStart(16, "0");
  assert.deepEqual((await runner.bench(input)).check, { count: 5, attempts: 20, digest });
});
