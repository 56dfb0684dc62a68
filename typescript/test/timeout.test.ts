import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import * as runner from "../src/runner/timeout.js";
import { allWithin, TimeoutError, withTimeout, type Operation } from "../src/timeout.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

/** What an operation did, in virtual milliseconds: when its body stopped and its cleanup ran. */
interface Trace {
  bodyEnd?: number;
  cleanup?: [number, number];
  signal?: AbortSignal;
}

/**
 * An operation that sleeps `ms` (ended early by its signal), then fails if `fail` or returns
 * `ms`; its cleanup sleeps `cleanupMs` in a `finally`, without the signal, whatever happened.
 */
function operation(
  ms: number,
  { fail = false, cleanupMs = 0 } = {},
): { trace: Trace; run: Operation<number> } {
  const trace: Trace = {};
  const run = async (signal: AbortSignal) => {
    trace.signal = signal;
    try {
      await sleep(ms, undefined, { signal });
      if (fail) throw new Error(`failed after ${String(ms)} ms`);
      return ms;
    } finally {
      trace.bodyEnd = Date.now();
      const start = Date.now();
      // A zero sleep is skipped: with virtual time, even a 0 ms timer waits for the clock.
      if (cleanupMs > 0) await sleep(cleanupMs);
      trace.cleanup = [start, Date.now()];
    }
  };
  return { trace, run };
}

/** Moves the clock `ms` forward a millisecond at a time, so each continuation reads its own time. */
async function step(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) await advance(1);
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

const clock = virtualNs;

describe("withTimeout, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("an operation that finishes in time keeps its value", async () => {
    const { trace, run } = operation(20, { cleanupMs: 5 });
    const call = withTimeout(100, run, { clock });
    await step(20);
    assert.equal(await settled(call), false, "returned before the cleanup ended");
    await step(5);
    assert.equal(await call, 20);
    assert.deepEqual(trace.cleanup, [20, 25]);
    assert.equal(trace.signal?.aborted, false);
  });

  test("a late operation is cancelled at the deadline, and the call returns once its cleanup has run", async () => {
    const { trace, run } = operation(10_000, { cleanupMs: 30 });
    const call = withTimeout(100, run, { clock });
    await step(99);
    assert.equal(trace.bodyEnd, undefined);
    await step(1);
    assert.equal(trace.bodyEnd, 100, "the deadline did not stop the operation");
    assert.equal(await settled(call), false, "returned before the cleanup ended");
    await step(30);
    await assert.rejects(call, (error) => error instanceof TimeoutError && error.ms === 100);
    assert.deepEqual(trace.cleanup, [100, 130]);
    assert.ok(
      trace.signal?.reason instanceof TimeoutError,
      "the signal's reason names the deadline",
    );
  });

  test("the operation's own error is not a timeout, even when its cleanup runs past the deadline", async () => {
    const { run } = operation(90, { fail: true, cleanupMs: 50 });
    const call = assert.rejects(withTimeout(100, run, { clock }), {
      message: "failed after 90 ms",
    });
    await step(90);
    // The deadline fires at 100 ms, in the middle of the cleanup.
    await step(50);
    await call;
  });

  test("nested deadlines: the earlier one stops the operation and is the one reported", async () => {
    const innerFirst = operation(10_000);
    const outerFirst = operation(10_000);
    const nested = (innerMs: number, op: Operation<number>) => (signal: AbortSignal) =>
      withTimeout(innerMs, op, { signal, clock });
    const timedOut = (ms: number) => (error: unknown) =>
      error instanceof TimeoutError && error.ms === ms;
    const inner = assert.rejects(
      withTimeout(400, nested(100, innerFirst.run), { clock }),
      timedOut(100),
    );
    const outer = assert.rejects(
      withTimeout(100, nested(400, outerFirst.run), { clock }),
      timedOut(100),
    );
    await step(100);
    await Promise.all([inner, outer]);
    // Both were stopped at 100 ms; what differs is which deadline claims the timeout.
    assert.equal(innerFirst.trace.bodyEnd, 100);
    assert.equal(outerFirst.trace.bodyEnd, 100);
  });

  test("the caller's own abort is passed on as it is, not taken for a timeout", async () => {
    const controller = new AbortController();
    const stop = new Error("the caller gave up");
    const { run } = operation(10_000);
    const call = assert.rejects(
      withTimeout(1_000, run, { signal: controller.signal, clock }),
      (error) => error instanceof Error && error.cause === stop,
    );
    await step(10);
    controller.abort(stop);
    await call;
  });

  test("a timer that fires before the deadline by the clock stops nothing, and waits again", async () => {
    // A timer counts milliseconds of the event loop's cached time, which lags the monotonic
    // clock: here the clock reads half a millisecond ahead when the deadline is set, and in
    // step with the timers when they fire, so the first timer fires half a millisecond early.
    // `AbortSignal.timeout` would abort there, before the deadline by the clock.
    let skewNs = 500_000;
    const skewed = () => virtualNs() + skewNs;
    const { trace, run } = operation(10_000);
    const call = assert.rejects(withTimeout(100, run, { clock: skewed }), TimeoutError);
    skewNs = 0;
    await step(100);
    assert.equal(trace.bodyEnd, undefined, "stopped before the deadline by the clock");
    await step(1);
    assert.equal(trace.bodyEnd, 101);
    await call;
  });
});

describe("allWithin, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("keeps what finished in time, cancels the rest at the deadline, and waits for every cleanup", async () => {
    const ops = [
      operation(10),
      operation(2_000, { cleanupMs: 20 }),
      operation(30, { fail: true }),
      operation(3_000, { cleanupMs: 5 }),
    ];
    const call = allWithin(
      150,
      ops.map(({ run }) => run),
      { clock },
    );
    await step(150);
    assert.equal(await settled(call), false, "returned before the cleanups ended");
    await step(20);
    const results = (await call).map((one) =>
      one.status === "fulfilled" ? one.value : (one.reason as Error).name,
    );
    assert.deepEqual(results, [10, "TimeoutError", "Error", "TimeoutError"]);
    assert.deepEqual(
      ops.map(({ trace }) => trace.bodyEnd),
      [10, 150, 30, 150],
    );
  });

  test("runs every operation under the one signal", async () => {
    const ops = Array.from({ length: 50 }, (_, i) => operation(i % 2 === 0 ? 10 : 10_000));
    const call = allWithin(
      100,
      ops.map(({ run }) => run),
      { clock },
    );
    await step(100);
    assert.equal(new Set(ops.map(({ trace }) => trace.signal)).size, 1);
    assert.equal((await call).filter((one) => one.status === "rejected").length, 25);
  });
});

describe("allWithin and withTimeout", () => {
  test("leave no timer behind when every operation finishes before the deadline", async () => {
    const timersBefore = timeouts();
    assert.equal(await withTimeout(60_000, () => sleep(1, 7)), 7);
    const results = await allWithin(60_000, [() => sleep(1, 1), () => sleep(2, 2)]);
    assert.deepEqual(
      results.map((one) => one.status),
      ["fulfilled", "fulfilled"],
    );
    assert.equal(timeouts(), timersBefore, "the deadline's timer was left pending");
  });
});

describe("pitfalls, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("a Promise.race against a timer only stops waiting: the operation runs on after the call returns", async () => {
    const { trace, run } = operation(500, { cleanupMs: 10 });
    const controller = new AbortController();
    const raced = assert.rejects(
      Promise.race([
        run(controller.signal),
        sleep(100).then(() => {
          throw new Error("timed out");
        }),
      ]),
      { message: "timed out" },
    );
    await step(100);
    await raced;
    assert.equal(trace.bodyEnd, undefined, "the operation is still running");
    await step(410);
    assert.deepEqual(trace.cleanup, [500, 510], "its cleanup ran long after the timeout");
  });

  test("a cleanup that waits on the aborted signal is cut short at once", async () => {
    let cleanedUp = false;
    const call = assert.rejects(
      withTimeout(
        100,
        async (signal) => {
          try {
            await sleep(10_000, undefined, { signal });
          } finally {
            // Wrong: the signal has fired, so this sleep rejects at once and the rest is skipped.
            await sleep(50, undefined, { signal });
            cleanedUp = true;
          }
        },
        { clock },
      ),
      TimeoutError,
    );
    await step(100);
    await call;
    assert.equal(cleanedUp, false);
  });
});

describe("the runner's timeout", () => {
  test("the benchmark answers the check of its own input", async () => {
    const input = runner.benchInput(7, { deadlineMs: 60_000 });
    // The XOR of the ids 0 to 6 is 7.
    assert.deepEqual((await runner.bench(input)).check, { count: 7, digest: "0000000000000007" });
  });
});
