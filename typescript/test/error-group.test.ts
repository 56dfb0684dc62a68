import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { collectAll, failFast, type Task } from "../src/error-group.js";
import * as runner from "../src/runner/error-group.js";
import { settled } from "./support/deferred.js";
import { advance, useRealTime, useVirtualTime } from "./support/virtual-time.js";

/** What the tasks did, in virtual milliseconds: `[name, started, stopped, how]`. */
type Log = [string, number, number, string][];

/** Sleeps `ms` (ended early by its signal), then fails if `fail`, else answers its name. */
function leaf(log: Log, name: string, ms: number, fail = false): Task<string> {
  return async (signal) => {
    const started = Date.now();
    let how = "ok";
    try {
      await sleep(ms, undefined, { signal });
      if (fail) throw new Error(`${name} failed`);
      return name;
    } catch (error) {
      how = signal.aborted ? "cancelled" : "failed";
      throw error;
    } finally {
      log.push([name, started, Date.now(), how]);
    }
  };
}

/** Moves the clock `ms` forward a millisecond at a time, so each continuation reads its own time. */
async function step(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) await advance(1);
}

const byName = (log: Log) => [...log].sort(([a], [b]) => (a < b ? -1 : 1));

describe("failFast, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("the first failure cancels the running siblings, and the group rejects once they have stopped", async () => {
    const log: Log = [];
    const tasks = [leaf(log, "a", 20), leaf(log, "b", 50, true), leaf(log, "c", 3_000)];
    const group = assert.rejects(failFast(tasks), { message: "b failed" });
    await step(50);
    await group;
    assert.deepEqual(byName(log), [
      ["a", 0, 20, "ok"],
      ["b", 0, 50, "failed"],
      ["c", 0, 50, "cancelled"],
    ]);
  });

  test("with a limit, no queued task starts after the failure", async () => {
    const log: Log = [];
    const tasks = [
      leaf(log, "a", 30, true),
      leaf(log, "b", 3_000),
      leaf(log, "c", 10),
      leaf(log, "d", 10),
    ];
    const group = assert.rejects(failFast(tasks, { limit: 2 }), { message: "a failed" });
    await step(30);
    await group;
    assert.deepEqual(byName(log), [
      ["a", 0, 30, "failed"],
      ["b", 0, 30, "cancelled"],
    ]);
  });

  test("resolves with every value in input order when none fails; an empty group at once", async () => {
    const log: Log = [];
    const group = failFast([leaf(log, "a", 30), leaf(log, "b", 10)], { limit: 1 });
    await step(40);
    assert.deepEqual(await group, ["a", "b"]);
    assert.deepEqual(log, [
      ["a", 0, 30, "ok"],
      ["b", 30, 40, "ok"],
    ]);
    assert.deepEqual(await failFast([]), []);
  });
});

describe("collectAll, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("runs every task to its end, a failure being an outcome, and keeps to its limit", async () => {
    const log: Log = [];
    const tasks = [leaf(log, "a", 10, true), leaf(log, "b", 10), leaf(log, "c", 10)];
    const group = collectAll(tasks, { limit: 1 });
    await step(30);
    const outcomes = (await group).map((one) =>
      one.status === "fulfilled" ? one.value : (one.reason as Error).message,
    );
    assert.deepEqual(outcomes, ["a failed", "b", "c"]);
    assert.deepEqual(log, [
      ["a", 0, 10, "failed"],
      ["b", 10, 20, "ok"],
      ["c", 20, 30, "ok"],
    ]);
  });
});

describe("nested groups, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  /** A task that runs `inner` as its own group under the signal it was given. */
  const groupTask =
    (inner: (signal: AbortSignal) => Promise<unknown>): Task<string> =>
    async (signal) => {
      await inner(signal);
      return "group";
    };

  test("an inner fail-fast failure fails its task, and so cancels the outer group's other tasks", async () => {
    const log: Log = [];
    const inner = [leaf(log, "inner-a", 30, true), leaf(log, "inner-b", 3_000)];
    const outer = [groupTask((signal) => failFast(inner, { signal })), leaf(log, "outer-b", 3_000)];
    const group = assert.rejects(failFast(outer), { message: "inner-a failed" });
    await step(30);
    await group;
    assert.deepEqual(byName(log), [
      ["inner-a", 0, 30, "failed"],
      ["inner-b", 0, 30, "cancelled"],
      ["outer-b", 0, 30, "cancelled"],
    ]);
  });

  test("an inner collect-all group never fails its task: the outer fail-fast group runs on", async () => {
    const log: Log = [];
    const inner = [leaf(log, "inner-a", 20, true), leaf(log, "inner-b", 40)];
    const outer = [groupTask((signal) => collectAll(inner, { signal })), leaf(log, "outer-b", 80)];
    const group = failFast(outer);
    await step(80);
    assert.deepEqual(await group, ["group", "outer-b"]);
  });

  test("an outer failure cancels an inner group's running tasks and starts none of its queue", async () => {
    const log: Log = [];
    const inner = [leaf(log, "inner-a", 3_000), leaf(log, "inner-b", 10)];
    const outer = [
      leaf(log, "outer-a", 40, true),
      groupTask((signal) => collectAll(inner, { signal, limit: 1 })),
    ];
    const group = assert.rejects(failFast(outer), { message: "outer-a failed" });
    await step(40);
    await group;
    assert.deepEqual(byName(log), [
      ["inner-a", 0, 40, "cancelled"],
      ["outer-a", 0, 40, "failed"],
    ]);
  });
});

describe("pitfalls, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  test("Promise.all taken for fail-fast rejects at once, and the other tasks run on", async () => {
    const log: Log = [];
    const { signal } = new AbortController();
    const all = assert.rejects(
      Promise.all([leaf(log, "a", 20, true)(signal), leaf(log, "b", 500)(signal)]),
      { message: "a failed" },
    );
    await step(20);
    await all;
    assert.deepEqual(log, [["a", 0, 20, "failed"]], "b is still running");
    await step(480);
    assert.deepEqual(log.at(-1), ["b", 0, 500, "ok"]);
  });

  test("a task that ignores its signal delays the group's rejection until it ends, but is never abandoned", async () => {
    const log: Log = [];
    const stubborn: Task<string> = async () => {
      await sleep(200);
      log.push(["stubborn", 0, Date.now(), "ok"]);
      return "stubborn";
    };
    const group = failFast([leaf(log, "a", 20, true), stubborn]);
    await step(20);
    assert.equal(await settled(group), false, "the group rejected with a task still running");
    await step(180);
    await assert.rejects(group, { message: "a failed" });
    assert.deepEqual(log.at(-1), ["stubborn", 0, 200, "ok"]);
  });
});

describe("groups", () => {
  test("many tasks listening on the group's one signal raise no listener warning", async () => {
    const warnings: Error[] = [];
    const listen = (warning: Error) => warnings.push(warning);
    process.on("warning", listen);
    try {
      const tasks = Array.from({ length: 50 }, (_, i) => leaf([], String(i), 1));
      assert.equal((await collectAll(tasks, { limit: 50 })).length, 50);
      assert.equal((await failFast(tasks)).length, 50);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listen);
    }
    assert.deepEqual(
      warnings.map(({ name }) => name),
      [],
    );
  });
});

describe("the runner's error-group", () => {
  test("the benchmark answers the check of its own input", async () => {
    // The XOR of the ids 0 to 4 is 4.
    const input = runner.benchInput(5, { limit: 2 });
    assert.deepEqual((await runner.bench(input)).check, { count: 5, digest: "0000000000000004" });
  });
});
