import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import {
  Breaker,
  CircuitBreaker,
  CircuitOpenError,
  type BreakerOptions,
  type State,
} from "../src/circuit-breaker.js";
import * as runner from "../src/runner/circuit-breaker.js";
import { deferred } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

const MS = 1_000_000;

const OPTIONS: BreakerOptions = { failureThreshold: 3, window: 100, open: 200, halfOpenProbes: 2 };

/** Instantaneous calls `[at, fails]` decided in turn; the decisions and the changes. */
function decide(options: BreakerOptions, calls: readonly [number, boolean][]) {
  const changes: [State, number][] = [];
  const core = new Breaker(options, (to, at) => changes.push([to, at]));
  const decisions = calls.map(([at, fails]) => {
    const ticket = core.admit(at);
    if (ticket === undefined) return "rejected";
    core.record(ticket, at, fails);
    return "ran";
  });
  return { decisions, changes };
}

describe("Breaker, the decision core", () => {
  test("opens when the failures within the window reach the threshold, and rejects then", () => {
    assert.deepEqual(
      decide(OPTIONS, [
        [0, true],
        [10, true],
        [20, false],
        [30, true],
        [40, false],
      ]),
      { decisions: ["ran", "ran", "ran", "ran", "rejected"], changes: [["open", 30]] },
    );
  });

  test("failures age out of the window", () => {
    // A count that never forgets would open at the third failure, 100 ms after the first; the
    // fourth is the third within 100 ms.
    assert.deepEqual(
      decide(OPTIONS, [
        [0, true],
        [50, true],
        [100, true],
        [149, true],
      ]).changes,
      [["open", 149]],
    );
  });

  test("half-open comes at the end of the open period, dated then, before the call that sees it", () => {
    const { decisions, changes } = decide(OPTIONS, [
      [0, true],
      [1, true],
      [2, true],
      [201, false],
      [202, false],
      [203, false],
    ]);
    assert.deepEqual(decisions, ["ran", "ran", "ran", "rejected", "ran", "ran"]);
    assert.deepEqual(changes, [
      ["open", 2],
      ["half-open", 202],
      ["closed", 203],
    ]);
  });

  test("a probe that fails opens the breaker again, for a whole open period", () => {
    const { changes } = decide(OPTIONS, [
      [0, true],
      [1, true],
      [2, true],
      [210, true],
      [300, false],
      [411, false],
    ]);
    assert.deepEqual(changes, [
      ["open", 2],
      ["half-open", 202],
      ["open", 210],
      ["half-open", 410],
    ]);
  });

  test("closing forgets the failures that opened it", () => {
    const { changes } = decide({ ...OPTIONS, halfOpenProbes: 1 }, [
      [0, true],
      [1, true],
      [2, true],
      [205, false],
      [206, true],
      [207, true],
    ]);
    assert.deepEqual(changes.at(-1), ["closed", 205]);
  });

  test("in half-open, no more probes run at once than allowed", () => {
    const core = new Breaker({ ...OPTIONS, halfOpenProbes: 2 });
    for (const at of [0, 1, 2]) core.record(core.admit(at) ?? assert.fail(), at, true);
    const first = core.admit(202);
    const second = core.admit(202);
    assert.ok(first !== undefined && second !== undefined);
    assert.equal(core.admit(203), undefined, "a third probe ran beside two");
    core.record(first, 210, false);
    const third = core.admit(211);
    assert.ok(third !== undefined, "a probe's slot was not given back when it ended");
    core.record(second, 212, false);
    assert.equal(core.state, "closed");
    // The third probe was let in half-open: its result, after the breaker closed, is stale.
    core.record(third, 213, true);
    assert.equal(core.state, "closed");
  });

  test("times up to 2^53 - 1 decide exactly", () => {
    const top = Number.MAX_SAFE_INTEGER;
    const { changes } = decide(OPTIONS, [
      [top - 300, true],
      [top - 299, true],
      [top - 298, true],
      [top - 99, false],
      [top - 98, false],
      [top - 97, false],
    ]);
    assert.deepEqual(changes, [
      ["open", top - 298],
      ["half-open", top - 98],
      ["closed", top - 97],
    ]);
  });

  test("refuses parameters that are not positive integers", () => {
    assert.throws(() => new Breaker({ ...OPTIONS, failureThreshold: 0 }), RangeError);
    assert.throws(() => new Breaker({ ...OPTIONS, open: 1.5 }), RangeError);
  });
});

describe("CircuitBreaker, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  const failing = () => Promise.reject(new Error("down"));

  test("a call rejected while open never runs, and fails fast with the instant it was decided", async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      windowMs: 100,
      openMs: 50,
      halfOpenProbes: 1,
      clock: virtualNs,
    });
    await assert.rejects(breaker.call(failing), { message: "down" });
    let ran = false;
    await advance(10);
    await assert.rejects(
      breaker.call(() => {
        ran = true;
        return Promise.resolve();
      }),
      (error) => error instanceof CircuitOpenError && error.at === 10 * MS,
    );
    assert.equal(ran, false);
    await advance(40);
    assert.equal(await breaker.call(() => Promise.resolve("probe")), "probe");
    assert.equal(breaker.state, "closed");
  });

  test("callers deciding together after the breaker opened are all rejected", async () => {
    // The pitfall is check-then-act: a caller that looks at the state, awaits something, then
    // calls, gets through a breaker that another caller opened in the meantime. Here the
    // decision and the start of the call are one step.
    const changes: [State, number][] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 2,
      windowMs: 1_000,
      openMs: 80,
      halfOpenProbes: 2,
      onChange: (to, at) => changes.push([to, at / MS]),
      clock: virtualNs,
    });
    const slow = () => sleep(5).then(failing);
    const first = Array.from({ length: 3 }, () =>
      breaker.call(slow).catch((error: unknown) => error),
    );
    await advance(5);
    const outcomes = await Promise.all(first);
    assert.deepEqual(
      outcomes.map((error) => (error instanceof CircuitOpenError ? "rejected" : "ran")),
      ["ran", "ran", "ran"],
    );
    // The three ran together, and the breaker opened on the second failure, at 5 ms.
    assert.deepEqual(changes, [["open", 5]]);
    const ran: number[] = [];
    const later = Array.from({ length: 3 }, (_, i) =>
      breaker.call(() => Promise.resolve(ran.push(i))).catch((error: unknown) => error),
    );
    assert.ok((await Promise.all(later)).every((error) => error instanceof CircuitOpenError));
    assert.deepEqual(ran, []);
  });

  test("half-open lets at most halfOpenProbes calls run at once, and rejects the rest meanwhile", async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      windowMs: 100,
      openMs: 50,
      halfOpenProbes: 2,
      clock: virtualNs,
    });
    await assert.rejects(breaker.call(failing));
    await advance(50);
    const probe = deferred();
    let running = 0;
    let most = 0;
    const call = () =>
      breaker
        .call(async () => {
          running += 1;
          most = Math.max(most, running);
          await probe.promise;
          running -= 1;
        })
        .catch((error: unknown) => error);
    const calls = Array.from({ length: 6 }, call);
    probe.resolve();
    const outcomes = await Promise.all(calls);
    assert.equal(most, 2);
    assert.equal(outcomes.filter((error) => error instanceof CircuitOpenError).length, 4);
    assert.equal(breaker.state, "closed");
  });
});

test("the benchmark answers the check of its own input", async () => {
  // Calls 0, 1 and 2 fail, opening the breaker at 2 ms for 20 ms: calls 3 to 21 are rejected,
  // and call 22, the first probe, fails too, opening it again until past the last call.
  const input = runner.benchInput(40, {
    failureThreshold: 3,
    windowMs: 50,
    openMs: 20,
    halfOpenProbes: 2,
  });
  assert.deepEqual((await runner.bench(input)).check, { count: 40, ran: 4, changes: 3 });
});
