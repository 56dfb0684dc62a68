/**
 * The contract's checks on one answer: the expected output under each field's compare mode, the
 * expected error field, and every invariant the spec names, computed from the observations the
 * way the harness computes them. Each family of invariants lives in `invariants/`.
 */

import assert from "node:assert/strict";

import type { CaseAnswer } from "../../src/runner/protocol.js";
import { cacheChecks } from "./invariants/cache.js";
import { jobChecks } from "./invariants/jobs.js";
import { limiterChecks } from "./invariants/limiters.js";
import { mergeChecks } from "./invariants/merge.js";
import { seen, sortedKeys, type Check } from "./invariants/seen.js";
import type { CompareMode, Spec, SpecCase } from "./spec.js";

const checks: ReadonlyMap<string, Check> = new Map(
  [jobChecks, mergeChecks, cacheChecks, limiterChecks].flatMap((family) => Object.entries(family)),
);

/** JSON with sorted keys, so equal values compare equal as strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}

function assertCompared(field: string, actual: unknown, expected: unknown, mode: CompareMode) {
  if (mode === "exact") {
    assert.deepEqual(actual, expected, `output.${field}`);
    return;
  }
  assert.ok(Array.isArray(actual) && Array.isArray(expected), `output.${field} must be a list`);
  const keys = (list: unknown[]) => sortedKeys(list.map(canonical));
  const [got, want] = [keys(actual), keys(expected)];
  if (mode === "set") {
    assert.deepEqual([...new Set(got)], [...new Set(want)], `output.${field} as a set`);
  } else {
    assert.deepEqual(got, want, `output.${field} as a multiset`);
  }
}

/** Asserts that `answer` is what the contract requires for `testCase` of `spec`. */
export function assertAnswer(spec: Spec, testCase: SpecCase, answer: CaseAnswer): void {
  assert.equal(answer.id, testCase.id);
  const { expected } = testCase;
  if ("error" in expected) {
    assert.equal(answer.status, "error", canonical(answer));
    assert.equal(answer.error.field, expected.error.field);
    assert.ok(answer.error.message.startsWith(expected.error.field), answer.error.message);
    return;
  }
  assert.equal(answer.status, "ok", canonical(answer));
  const output = answer.output as Record<string, unknown>;
  assert.deepEqual(Object.keys(output).sort(), Object.keys(expected.output).sort());
  for (const [field, want] of Object.entries(expected.output)) {
    assertCompared(field, output[field], want, testCase.compare?.[field] ?? "exact");
  }
  for (const invariant of [...(spec.invariants ?? []), ...(testCase.invariants ?? [])]) {
    const check = checks.get(invariant.check);
    assert.ok(check !== undefined, `unknown invariant ${invariant.check}`);
    check(seen(invariant, testCase.input, answer.output, answer.observed));
  }
}
