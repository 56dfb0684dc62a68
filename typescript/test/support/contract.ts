/**
 * The contract's checks on one answer: the expected output under each field's compare mode, the
 * expected error field, and every invariant the spec names, computed from the observations the
 * way the harness computes them.
 */

import assert from "node:assert/strict";

import type { JobEvent, Observed } from "../../src/runner/observe.js";
import type { CaseAnswer } from "../../src/runner/protocol.js";
import type { CompareMode, Invariant, Param, Spec, SpecCase } from "./spec.js";

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
  const keys = (list: unknown[]) => list.map(canonical).sort();
  const [got, want] = [keys(actual), keys(expected)];
  if (mode === "set") {
    assert.deepEqual([...new Set(got)], [...new Set(want)], `output.${field} as a set`);
  } else {
    assert.deepEqual(got, want, `output.${field} as a multiset`);
  }
}

/** The most events in flight at any instant. An end and a start at one instant do not overlap. */
export function maxOverlap(events: readonly JobEvent[]): number {
  const edges = events.flatMap((e) => [
    { at: e.startNs, delta: 1 },
    { at: e.endNs, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const edge of edges) {
    current += edge.delta;
    max = Math.max(max, current);
  }
  return max;
}

function resolve(param: Param | undefined, input: unknown): number {
  if (typeof param === "number") return param;
  assert.ok(param?.startsWith("$input.") === true, `unusable invariant parameter ${String(param)}`);
  const value = (input as Record<string, unknown>)[param.slice("$input.".length)];
  assert.equal(typeof value, "number", `${param} must name a number`);
  return value as number;
}

interface JobsInput {
  readonly jobs: readonly { readonly id: number | string; readonly sleepMs?: number }[];
}

function assertInvariant(invariant: Invariant, input: unknown, observed: Observed): void {
  const { events, elapsedNs, maxInFlight } = observed;
  const jobs = (input as JobsInput).jobs;
  switch (invariant.check) {
    case "each-job-once": {
      const sortIds = (ids: (number | string)[]) => ids.map(String).sort();
      assert.deepEqual(sortIds(events.map((e) => e.id)), sortIds(jobs.map((j) => j.id)));
      return;
    }
    case "events-within-elapsed":
      for (const e of events) {
        assert.ok(0 <= e.startNs && e.startNs <= e.endNs && e.endNs <= elapsedNs, canonical(e));
      }
      return;
    case "max-in-flight-at-most": {
      const limit = resolve(invariant.limit, input);
      assert.ok(maxInFlight <= limit, `maxInFlight ${String(maxInFlight)} > ${String(limit)}`);
      const overlap = maxOverlap(events);
      assert.ok(overlap <= limit, `${String(overlap)} events overlap, limit ${String(limit)}`);
      return;
    }
    case "max-in-flight-reached": {
      const target = resolve(invariant.target, input);
      const overlap = maxOverlap(events);
      assert.ok(
        overlap >= target,
        `at most ${String(overlap)} in flight, target ${String(target)}`,
      );
      return;
    }
    case "elapsed-below-serial": {
      const serialNs = jobs.reduce((sum, j) => sum + (j.sleepMs ?? 0), 0) * 1e6;
      const bound = resolve(invariant.fraction, input) * serialNs;
      assert.ok(elapsedNs <= bound, `elapsed ${String(elapsedNs)} ns > ${String(bound)} ns`);
      return;
    }
    default:
      assert.fail(`unknown invariant ${invariant.check}`);
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
  for (const invariant of [...spec.invariants, ...(testCase.invariants ?? [])]) {
    assertInvariant(invariant, testCase.input, answer.observed);
  }
}
