/**
 * Every case of a pattern's spec, run through the runner's own handling of a line, as one test
 * each. Only the answer is checked here: the output under each field's compare mode, the field
 * an error names, and that a skipped case is answered unsupported. The invariants on what the
 * runner observed are checked by the harness, the one place that holds them.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { serve } from "../../src/runner/engine.js";
import { patterns } from "../../src/runner/patterns.js";
import { loadSkips, type Skips } from "../../src/runner/skips.js";
import { loadSpec, type CompareMode, type SpecCase } from "./spec.js";

/** JSON with sorted keys, so that equal values compare equal as strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}

/** `exact` as written; `multiset` ignores order; `set` ignores order and duplicates too. */
function comparable(value: unknown, mode: CompareMode): unknown {
  if (mode === "exact") return value;
  assert.ok(Array.isArray(value), `a ${mode} is compared as a list, got ${canonical(value)}`);
  const sorted = value.map(canonical).sort();
  return mode === "set" ? [...new Set(sorted)] : sorted;
}

interface Answer {
  readonly id: string;
  readonly status: string;
  readonly output?: Readonly<Record<string, unknown>>;
  readonly error?: { readonly field: string; readonly message: string };
  readonly reason?: string;
}

async function answer(pattern: string, testCase: SpecCase, skips: Skips): Promise<Answer> {
  const request = JSON.stringify({ pattern, id: testCase.id, input: testCase.input });
  const reply = await serve(
    { command: "run", line: { number: 1, bytes: Buffer.from(request) } },
    skips,
  );
  assert.ok("answer" in reply, `unusable: ${"stop" in reply ? reply.stop.message : ""}`);
  return JSON.parse(reply.answer) as Answer;
}

export async function testSpecCases(slug: string): Promise<void> {
  const { pattern, cases } = loadSpec(slug);
  const skips = await loadSkips(patterns.keys());
  for (const testCase of cases) {
    test(`${pattern}: ${testCase.id}`, async () => {
      const got = await answer(pattern, testCase, skips);
      assert.equal(got.id, testCase.id);
      const skipped = skips.get(pattern)?.get(testCase.id);
      if (skipped !== undefined) {
        assert.deepEqual([got.status, got.reason], ["unsupported", skipped]);
        return;
      }
      const { expected } = testCase;
      if ("error" in expected) {
        const { field, message } = got.error ?? { field: undefined, message: canonical(got) };
        assert.equal(field, expected.error.field, message);
        assert.ok(message.startsWith(field), message);
        return;
      }
      assert.equal(got.status, "ok", canonical(got));
      const output = got.output ?? {};
      assert.deepEqual(Object.keys(output).sort(), Object.keys(expected.output).sort());
      for (const [field, want] of Object.entries(expected.output)) {
        const mode = testCase.compare?.[field] ?? "exact";
        assert.deepEqual(comparable(output[field], mode), comparable(want, mode), field);
      }
    });
  }
}
