import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import * as runner from "../src/runner/throttle.js";
import { throttle, Throttle, type Edges } from "../src/throttle.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

const MS = 1_000_000;

/** The firings of calls at `arrivals`, as `[call, at]`, once time has run on past the last. */
function decide(interval: number, edges: Edges, arrivals: readonly number[]): [number, number][] {
  const fired: [number, number][] = [];
  const core = new Throttle<number>(interval, edges, (call, at) => fired.push([call, at]));
  arrivals.forEach((at, call) => {
    core.call(call, at);
  });
  core.end();
  return fired;
}

const BOTH: Edges = { leading: true, trailing: true };

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

describe("Throttle, the decision core", () => {
  test("a leading edge fires at once and drops the rest of the window", () => {
    assert.deepEqual(decide(100, {}, [0, 10, 20, 150]), [
      [0, 0],
      [3, 150],
    ]);
  });

  test("a trailing edge fires the latest call of the window, not the first one dropped", () => {
    assert.deepEqual(decide(100, { leading: false, trailing: true }, [0, 10, 20, 150]), [
      [2, 100],
      [3, 200],
    ]);
  });

  test("a trailing firing opens a window of its own", () => {
    // Without it, call 2 at 110 ms would fire at once, 10 ms after call 1's trailing firing.
    assert.deepEqual(decide(100, BOTH, [0, 90, 110, 190]), [
      [0, 0],
      [1, 100],
      [3, 200],
    ]);
  });

  test("a call exactly at the end of a window is not inside it", () => {
    assert.deepEqual(decide(100, {}, [0, 100, 200, 299]), [
      [0, 0],
      [1, 100],
      [2, 200],
    ]);
  });

  test("calls at one instant: the first fires and the others are dropped or held", () => {
    assert.deepEqual(decide(100, {}, [5, 5, 5, 5]), [[0, 5]]);
    assert.deepEqual(decide(100, BOTH, [5, 5, 5, 5]), [
      [0, 5],
      [3, 105],
    ]);
  });

  test("a window with nothing pending closes: the next call, however late, fires at once", () => {
    assert.deepEqual(decide(100, BOTH, [0, 1_000]), [
      [0, 0],
      [1, 1_000],
    ]);
  });

  test("times up to 2^53 - 1 decide exactly", () => {
    const top = Number.MAX_SAFE_INTEGER;
    assert.deepEqual(decide(50, BOTH, [top - 100, top - 90, top - 51]), [
      [0, top - 100],
      [2, top - 50],
    ]);
    // A window ending past 2^53 cannot be held exactly, but stays past every time an input can
    // hold, so a call at the last safe integer is still inside it.
    assert.deepEqual(decide(50, {}, [top - 10, top]), [[0, top - 10]]);
  });

  test("dropping the pending call keeps the window", () => {
    const fired: number[] = [];
    const core = new Throttle<number>(100, BOTH, (call) => fired.push(call));
    core.call(0, 0);
    core.call(1, 10);
    core.drop();
    assert.equal(core.dueAt, undefined);
    core.call(2, 50);
    core.end();
    assert.deepEqual(fired, [0, 2]);
  });

  test("refuses an interval that is not a positive integer, and a throttle with no edge", () => {
    const fire = () => undefined;
    assert.throws(() => new Throttle(0, {}, fire), RangeError);
    assert.throws(() => new Throttle(1.5, {}, fire), RangeError);
    assert.throws(() => new Throttle(10, { leading: false }, fire), RangeError);
  });
});

describe("throttle, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("callers calling together are decided one after the other: only one goes through", async () => {
    // The pitfall is a throttle that reads the time, sleeps out the rest of the interval, then
    // records the time: callers that arrive together all compute the same sleep and all go
    // through when it ends.
    const fired: [number, number][] = [];
    const throttled = throttle<number>(
      (call, at) => fired.push([call, at / MS]),
      100,
      BOTH,
      virtualNs,
    );
    for (let caller = 0; caller < 8; caller++) throttled.call(caller);
    assert.deepEqual(fired, [[0, 0]]);
    await advance(99);
    assert.equal(fired.length, 1);
    await advance(1);
    assert.deepEqual(fired, [
      [0, 0],
      [7, 100],
    ]);
  });

  test("a call never waits; idle resolves once the trailing call has run", async () => {
    const fired: number[] = [];
    const throttled = throttle<number>((call) => fired.push(call), 100, BOTH, virtualNs);
    throttled.call(0);
    await advance(40);
    throttled.call(1);
    const idle = throttled.idle();
    await advance(59);
    assert.equal(await settled(idle), false);
    await advance(1);
    await idle;
    assert.deepEqual([fired, Date.now()], [[0, 1], 100]);
    // Nothing pending now: the window of call 1's firing closes with no timer left behind.
    await throttled.idle();
  });

  test("a trailing call is decided at the window's end, by the clock", async () => {
    // The timers run on the event loop's cached time, which can lag the monotonic clock: when
    // the timer fires here, the clock is half a millisecond behind, so it fires too early.
    let skewNs = 0;
    const clock = () => virtualNs() + skewNs;
    const fired: [number, number][] = [];
    const throttled = throttle<number>((call, at) => fired.push([call, at]), 100, BOTH, clock);
    throttled.call(0);
    throttled.call(1);
    skewNs = -MS / 2;
    await advance(100);
    assert.deepEqual(fired, [[0, 0]], "fired before the window had ended by the clock");
    await advance(1);
    assert.deepEqual(fired, [
      [0, 0],
      [1, 100 * MS],
    ]);
  });
});

describe("throttle", () => {
  test("holds a timer only while a trailing call is pending, and cancel clears it", async () => {
    const before = timeouts();
    const fired: number[] = [];
    const throttled = throttle<number>((call) => fired.push(call), 60_000, BOTH);
    throttled.call(0);
    assert.equal(timeouts(), before, "a leading firing armed a timer");
    throttled.call(1);
    assert.equal(timeouts(), before + 1);
    const idle = throttled.idle();
    throttled.cancel();
    await idle;
    assert.equal(timeouts(), before, "a timer was left pending");
    assert.deepEqual(fired, [0]);
  });
});

test("the benchmark answers the check of its own input", async () => {
  // One arrival a millisecond, a 3 ms window, both edges: call 0 fires at once, then each
  // window's latest call at its end, 3, 6, 9 and, for call 9, 12 ms.
  const input = runner.benchInput(10, { intervalMs: 3, perMs: 1, leading: true, trailing: true });
  const digest = (3 + 6 + 9 + 12).toString(16).padStart(16, "0");
  assert.deepEqual((await runner.throttlePattern.bench(input)).check, {
    count: 10,
    fired: 5,
    digest,
  });
});
