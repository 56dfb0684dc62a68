import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { FieldError } from "../src/runner/fields.js";
import { bench, benchInput, check, type ManyTasksInput } from "../src/runner/many-tasks.js";
import { SelfCheckError } from "../src/runner/protocol.js";

/**
 * The tasks sleep 2 ms. Node's timers count whole milliseconds of the event loop's clock, so a
 * timer of 2 ms fires once that clock has moved on by 2, which may be just over 1 ms later.
 */
const SLEPT_NS = 1_000_000;

describe("many-tasks", () => {
  // One task, and a few hundred whose timers all fire in the same turn of the event loop.
  for (const size of [1, 300]) {
    test(`spawn joins every one of ${String(size)} tasks, run after run`, async () => {
      const input = benchInput(size, { sleepMs: 2, variant: "spawn" });
      for (let run = 0; run < 2; run++) {
        const { elapsedNs, launchNs, check } = await bench(input);
        assert.deepEqual(check, { count: size });
        assert.ok(launchNs !== undefined && launchNs <= elapsedNs);
        assert.ok(elapsedNs > SLEPT_NS, "the tasks slept");
      }
    });

    test(`work receives each index of ${String(size)} tasks once, run after run`, async () => {
      const input = benchInput(size, { sleepMs: 2, variant: "work" });
      for (let run = 0; run < 2; run++) {
        const { elapsedNs, launchNs, check } = await bench(input);
        assert.deepEqual(check, { count: size, sum: (size * (size - 1)) / 2 });
        assert.ok(launchNs !== undefined && launchNs <= elapsedNs);
        assert.ok(elapsedNs > SLEPT_NS, "the tasks slept");
      }
    });
  }

  test("the check refuses a wrong count or sum", () => {
    const work: ManyTasksInput = { size: 4, sleepMs: 1, variant: "work" };
    assert.deepEqual(check(work, { launchNs: 0, count: 4, sum: 6 }), { count: 4, sum: 6 });
    assert.throws(() => check(work, { launchNs: 0, count: 3, sum: 6 }), {
      name: SelfCheckError.name,
      message: "3 tasks joined of 4",
    });
    assert.throws(() => check(work, { launchNs: 0, count: 4, sum: 7 }), {
      message: "indexes sum to 7 for 4 tasks",
    });
    const spawn: ManyTasksInput = { ...work, variant: "spawn" };
    assert.deepEqual(check(spawn, { launchNs: 0, count: 4 }), { count: 4 });
  });

  test("invalid params name their path: sleepMs first, then variant", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ variant: "spawn" }, "params.sleepMs", "from 1 to 600000, got nothing"],
      [{ sleepMs: 0, variant: "spawn" }, "params.sleepMs", "from 1 to 600000, got 0"],
      [{ sleepMs: 600_001, variant: "spawn" }, "params.sleepMs", "got 600001"],
      [{ sleepMs: "1", variant: "threads" }, "params.sleepMs", "an integer, got a string"],
      [{ sleepMs: 1 }, "params.variant", 'one of "spawn", "work", got nothing'],
      [{ sleepMs: 1, variant: "threads" }, "params.variant", 'got "threads"'],
      // tokio's alone: named as a variant this runner does not have.
      [
        { sleepMs: 1, variant: "join-all" },
        "params.variant",
        'one of "spawn", "work", got "join-all"',
      ],
    ];
    for (const [params, field, ending] of cases) {
      assert.throws(
        () => benchInput(1, params),
        (error) =>
          error instanceof FieldError &&
          error.field === field &&
          error.message.startsWith(`${field} must be`) &&
          error.message.endsWith(ending),
        JSON.stringify(params),
      );
    }
  });
});
