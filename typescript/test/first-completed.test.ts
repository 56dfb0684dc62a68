import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { any, hedge, race, type Operation } from "../src/first-completed.js";
import * as runner from "../src/runner/first-completed.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime, virtualNs } from "./support/virtual-time.js";

/** What an operation did, in virtual milliseconds. */
interface Trace {
  started?: number;
  stopped?: number;
  signal?: AbortSignal;
}

/** Sleeps `ms` (ended early by its signal), then fails if `fail`, else answers its name. */
function operation(
  name: string,
  ms: number,
  fail = false,
): { trace: Trace; run: Operation<string> } {
  const trace: Trace = {};
  const run = async (signal: AbortSignal) => {
    trace.started = Date.now();
    trace.signal = signal;
    try {
      await sleep(ms, undefined, { signal });
      if (fail) throw new Error(`${name} failed`);
      return name;
    } finally {
      trace.stopped = Date.now();
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

describe("race and any, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("race answers with the first to finish, and returns once every loser has stopped", async () => {
    const ops = [operation("slow", 300), operation("fast", 20), operation("middle", 200)];
    const call = race(ops.map(({ run }) => run));
    await step(20);
    assert.equal(await call, "fast");
    assert.deepEqual(
      ops.map(({ trace }) => trace.stopped),
      [20, 20, 20],
    );
    // Only the losers were aborted: the winner's signal stays live for whatever it answered.
    assert.deepEqual(
      ops.map(({ trace }) => trace.signal?.aborted),
      [true, false, true],
    );
  });

  test("race takes a failure that finishes first; any skips it for the first success", async () => {
    const ops = () => [operation("a", 20, true), operation("b", 80), operation("c", 300)];
    const raced = assert.rejects(race(ops().map(({ run }) => run)), { message: "a failed" });
    await step(20);
    await raced;
    const anyOf = any(ops().map(({ run }) => run));
    await step(80);
    assert.equal(await anyOf, "b");
  });

  test("any that fails reports every error in input order, not in the order they failed", async () => {
    const ops = [operation("a", 80, true), operation("b", 20, true), operation("c", 50, true)];
    const call = assert.rejects(any(ops.map(({ run }) => run)), (error) => {
      assert.ok(error instanceof AggregateError);
      assert.deepEqual(
        error.errors.map((one: Error) => one.message),
        ["a failed", "b failed", "c failed"],
      );
      return true;
    });
    await step(80);
    await call;
  });
});

describe("hedge, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("a primary that answers in time is the answer, and the backup is never sent", async () => {
    const primary = operation("primary", 20);
    const backup = operation("backup", 10);
    const call = hedge(primary.run, backup.run, 150, { clock: virtualNs });
    await step(20);
    assert.deepEqual(await call, { value: "primary", hedged: false });
    assert.equal(backup.trace.started, undefined);
  });

  test("a late primary sends the backup at hedgeAfterMs; the first success wins, the other is cancelled", async () => {
    const primary = operation("primary", 3_000);
    const backup = operation("backup", 30);
    const call = hedge(primary.run, backup.run, 60, { clock: virtualNs });
    await step(59);
    assert.equal(backup.trace.started, undefined, "the backup was sent early");
    await step(1);
    assert.equal(backup.trace.started, 60);
    await step(30);
    assert.deepEqual(await call, { value: "backup", hedged: true });
    assert.equal(primary.trace.stopped, 90);
  });

  test("the primary can still win after the backup was sent", async () => {
    const primary = operation("primary", 100);
    const backup = operation("backup", 3_000);
    const call = hedge(primary.run, backup.run, 50, { clock: virtualNs });
    await step(100);
    assert.deepEqual(await call, { value: "primary", hedged: true });
    assert.deepEqual([backup.trace.started, backup.trace.stopped], [50, 100]);
  });

  test("a primary that fails early sends the backup at once, not at hedgeAfterMs", async () => {
    const primary = operation("primary", 20, true);
    const backup = operation("backup", 30);
    const call = hedge(primary.run, backup.run, 400, { clock: virtualNs });
    await step(20);
    assert.equal(backup.trace.started, 20);
    await step(30);
    assert.deepEqual(await call, { value: "backup", hedged: true });
  });

  test("when both fail, both errors are reported, the primary's first", async () => {
    const primary = operation("primary", 80, true);
    const backup = operation("backup", 20, true);
    const call = assert.rejects(hedge(primary.run, backup.run, 30, { clock: virtualNs }), {
      errors: [new Error("primary failed"), new Error("backup failed")],
    });
    await step(80);
    await call;
  });

  test("a timer that fires before hedgeAfterMs by the clock does not send the backup", async () => {
    // The clock reads half a millisecond ahead when the hedge starts and in step when the timer
    // fires: a plain `setTimeout` would send the backup half a millisecond early by the clock.
    let skewNs = 500_000;
    const clock = () => virtualNs() + skewNs;
    const primary = operation("primary", 3_000);
    const backup = operation("backup", 10);
    const call = hedge(primary.run, backup.run, 60, { clock });
    skewNs = 0;
    await step(60);
    assert.equal(backup.trace.started, undefined);
    await step(1);
    assert.equal(backup.trace.started, 61);
    await step(10);
    assert.equal((await call).value, "backup");
  });
});

describe("pitfalls, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("a bare Promise.race answers, but its losers run on: nothing told them to stop", async () => {
    const controller = new AbortController();
    const ops = [operation("slow", 500), operation("fast", 20)];
    const call = Promise.race(ops.map(({ run }) => run(controller.signal)));
    await step(20);
    assert.equal(await call, "fast");
    assert.equal(ops[0]?.trace.stopped, undefined, "the loser is still running");
    await step(480);
    assert.equal(ops[0]?.trace.stopped, 500, "and it ran to its end, its result thrown away");
  });
});

describe("hedge", () => {
  test("leaves no timer behind when the primary answers in time", async () => {
    const timersBefore = timeouts();
    const answer = hedge(
      () => Promise.resolve("primary"),
      () => sleep(60_000, "backup"),
      60_000,
    );
    assert.equal(await settled(answer), true);
    assert.deepEqual(await answer, { value: "primary", hedged: false });
    assert.equal(timeouts(), timersBefore, "the hedge's timer was left pending");
  });
});

describe("the runner's first-completed", () => {
  test("the benchmark answers the check of its own input", async () => {
    // Three calls, each won by operation 3, the only one that succeeds: 3 ^ 3 ^ 3 = 3.
    const input = runner.benchInput(3, { operations: 4 });
    assert.deepEqual((await runner.bench(input)).check, { count: 3, digest: "0000000000000003" });
  });
});
