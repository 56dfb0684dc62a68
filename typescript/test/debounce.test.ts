import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { debounce, Debounce } from "../src/debounce.js";
import * as runner from "../src/runner/debounce.js";
import { deferred, settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

const MS = 1_000_000;

/** The firings of calls at `arrivals`, as `[call, at]`, once the last has fired. */
function decide(quiet: number, maxWait: number | undefined, arrivals: readonly number[]) {
  const fired: [number, number][] = [];
  const core = new Debounce<number>(quiet, maxWait, (call, at) => fired.push([call, at]));
  arrivals.forEach((at, call) => {
    core.call(call, at);
  });
  core.end();
  return fired;
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

describe("Debounce, the decision core", () => {
  test("a burst fires its last call once the calls have been quiet", () => {
    assert.deepEqual(decide(50, undefined, [0, 10, 20, 200, 210]), [
      [2, 70],
      [4, 260],
    ]);
  });

  test("each call restarts the quiet period: it runs from the last call, not the first", () => {
    assert.deepEqual(decide(50, undefined, [0, 40, 80, 120]), [[3, 170]]);
  });

  test("without a cap, calls closer than the quiet period never fire until they stop", () => {
    const steady = Array.from({ length: 100 }, (_, i) => i * 20);
    assert.deepEqual(decide(50, undefined, steady), [[99, 2_030]]);
  });

  test("the cap runs from the burst's first call, so a steady stream still fires", () => {
    const steady = Array.from({ length: 15 }, (_, i) => i * 20);
    assert.deepEqual(decide(50, 100, steady), [
      [4, 100],
      [9, 200],
      [14, 300],
    ]);
  });

  test("at one instant, the due firing comes before the call, which opens the next burst", () => {
    assert.deepEqual(decide(50, undefined, [0, 50, 100]), [
      [0, 50],
      [1, 100],
      [2, 150],
    ]);
  });

  test("times up to 2^53 - 1 decide exactly", () => {
    const top = Number.MAX_SAFE_INTEGER;
    assert.deepEqual(decide(50, 70, [top - 200, top - 160, top - 120, top - 71]), [
      [1, top - 130],
      [3, top - 50],
    ]);
  });

  test("refuses a quiet period that is not a positive integer, and a cap below it", () => {
    const fire = () => undefined;
    assert.throws(() => new Debounce(0, undefined, fire), RangeError);
    assert.throws(() => new Debounce(50, 49, fire), RangeError);
  });
});

describe("debounce, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("a run that has started is never cut off by a newer call", async () => {
    // The pitfall is cancelling "the task" on every call when the task is the sleep and the
    // run together: a call during the run would cancel the run half-way.
    const log: string[] = [];
    const debounced = debounce<number>(
      async (call) => {
        log.push(`start ${String(call)} at ${String(Date.now())}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        log.push(`end ${String(call)} at ${String(Date.now())}`);
      },
      30,
      undefined,
      virtualNs,
    );
    debounced.call(0);
    await advance(30);
    await advance(70);
    debounced.call(1);
    await advance(30);
    const drained = debounced.drain();
    await advance(100);
    await advance(100);
    assert.deepEqual(
      (await drained).map(({ call, at, ok }) => [call, at / MS, ok]),
      [
        [0, 30, true],
        [1, 130, true],
      ],
    );
    // Call 1's burst fired while call 0's run was still going: each firing has a run of its own.
    assert.deepEqual(log, ["start 0 at 30", "start 1 at 130", "end 0 at 230", "end 1 at 330"]);
  });

  test("a run's error is drained, not thrown where nobody waits", async () => {
    // The pitfall is a fire-and-forget run: its rejection reaches no caller, only the process's
    // unhandled-rejection handler (which ends a Node program), or nothing at all.
    const failure = new Error("call 1 failed");
    const debounced = debounce<number>(
      (call) => (call === 1 ? Promise.reject(failure) : Promise.resolve()),
      30,
      undefined,
      virtualNs,
    );
    debounced.call(0);
    debounced.call(1);
    await advance(30);
    debounced.call(2);
    await advance(30);
    assert.deepEqual(await debounced.drain(), [
      { call: 1, at: 30 * MS, ok: false, error: failure },
      { call: 2, at: 60 * MS, ok: true },
    ]);
    assert.deepEqual(await debounced.drain(), [], "a run was drained twice");
  });

  test("drain waits for the pending call and for every run, in the order they were decided", async () => {
    const slow = deferred();
    const debounced = debounce<number>(
      (call) => (call === 0 ? slow.promise : Promise.resolve()),
      30,
      60,
      virtualNs,
    );
    debounced.call(0);
    await advance(30);
    debounced.call(1);
    const drained = debounced.drain();
    await advance(30);
    assert.equal(await settled(drained), false, "drained while run 0 was still going");
    slow.resolve();
    assert.deepEqual(
      (await drained).map(({ call }) => call),
      [0, 1],
    );
  });

  test("fires at the due time by the clock, not when a timer running early says so", async () => {
    // The timers run on the event loop's cached time, which can lag the monotonic clock: when
    // the timer fires here, the clock is half a millisecond behind, so it fires too early.
    let skewNs = 0;
    const clock = () => virtualNs() + skewNs;
    const fired: number[] = [];
    const debounced = debounce<number>(
      (_call, at) => {
        fired.push(at);
        return Promise.resolve();
      },
      50,
      undefined,
      clock,
    );
    debounced.call(0);
    skewNs = -MS / 2;
    await advance(50);
    assert.deepEqual(fired, [], "fired before the quiet period had passed by the clock");
    await advance(1);
    assert.deepEqual(fired, [50 * MS]);
  });
});

describe("debounce", () => {
  test("holds one timer while a call is pending, and none once it is cancelled", async () => {
    const before = timeouts();
    const debounced = debounce<number>(() => Promise.resolve(), 60_000);
    debounced.call(0);
    debounced.call(1);
    assert.equal(timeouts(), before + 1, "each call armed a timer of its own");
    debounced.cancel();
    assert.equal(timeouts(), before, "a timer was left pending");
    assert.deepEqual(await debounced.drain(), []);
  });
});

test("the benchmark answers the check of its own input", async () => {
  // One arrival a millisecond, quiet 3 ms, capped at 5 ms: each burst of calls 5 ms long fires
  // its last call at the cap, at 5 and 10 ms, and the last call, 11, 3 ms after itself.
  const input = runner.benchInput(12, { quietMs: 3, maxWaitMs: 5, perMs: 1 });
  const digest = (5 + 10 + 14).toString(16).padStart(16, "0");
  assert.deepEqual((await runner.debouncePattern.bench(input)).check, {
    count: 12,
    fired: 3,
    digest,
  });
});
