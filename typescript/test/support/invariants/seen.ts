/**
 * What one invariant looks at, as the harness's checks do: the case's input, the answer's output
 * and observations, and the invariant's own parameters with `$input.` references resolved.
 */

import assert from "node:assert/strict";

import type { Observed } from "../../../src/runner/observe.js";
import type { Invariant } from "../spec.js";

export const NS_PER_MS = 1_000_000;

export interface Seen<I = Record<string, unknown>, O extends Observed = Observed> {
  readonly input: I;
  readonly output: unknown;
  readonly observed: O;
  /** The invariant's numeric parameter `name`, required. */
  readonly param: (name: string) => number;
}

/** One invariant: asserts it holds, failing with a message that says what was seen. */
export type Check = (seen: Seen) => void;

/**
 * A family of checks, each written for its own patterns' input and observations: a check is
 * named only by the specs of those patterns, so it is only ever given what it was written for.
 */
export function family<I, O extends Observed>(
  checks: Readonly<Record<string, (seen: Seen<I, O>) => void>>,
): Readonly<Record<string, Check>> {
  return checks as unknown as Readonly<Record<string, Check>>;
}

export function seen(
  invariant: Invariant,
  input: unknown,
  output: unknown,
  observed: Observed,
): Seen {
  const fields = input as Record<string, unknown>;
  const param = (name: string): number => {
    const value = invariant[name];
    if (typeof value === "number") return value;
    assert.ok(value?.startsWith("$input.") === true, `${invariant.check}: no parameter ${name}`);
    const resolved = fields[value.slice("$input.".length)];
    assert.equal(typeof resolved, "number", `${value} must name a number`);
    return resolved as number;
  };
  return { input: fields, output, observed, param };
}

/** A start and an end, in nanoseconds: a job's run, a lock's hold, a compute. */
export interface Interval {
  readonly startNs: number;
  readonly endNs: number;
}

/**
 * The most intervals in flight at any instant. Intervals are half-open: one that ends at t and
 * one that starts at t did not overlap, so ends sort before starts at equal times.
 */
export function maxOverlap(intervals: readonly Interval[]): number {
  const edges = intervals.flatMap((e) => [
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

/** Sorted string forms, so that lists compare as multisets. */
export function sortedKeys(values: readonly unknown[]): string[] {
  return values.map((value) => JSON.stringify(value)).sort();
}
