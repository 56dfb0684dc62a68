/**
 * Live rate limiters: the admissions reserved never exceed the limiter's parameters (exact, in
 * integers), nobody wakes before its admission, and callers get through near the rate.
 */

import assert from "node:assert/strict";

import type { Admission, LimiterObserved } from "../../../src/runner/limiters.js";
import { family, NS_PER_MS } from "./seen.js";

interface LiveInput {
  readonly callers: number;
  readonly requestsPerCaller: number;
  readonly refill?: { readonly tokens: number; readonly everyMs: number };
  readonly burst?: number;
  readonly limit?: number;
  readonly windowMs?: number;
}

const times = (admissions: readonly Admission[]) =>
  admissions.map((a) => a.atNs).sort((a, b) => a - b);

/** The shortest run the parameters allow for every caller's every request, in ns. */
function idealNs(input: LiveInput): number {
  const n = input.callers * input.requestsPerCaller;
  if (input.refill !== undefined && input.burst !== undefined) {
    const costNs = input.refill.everyMs * NS_PER_MS;
    return Math.ceil((Math.max(0, n - input.burst) * costNs) / input.refill.tokens);
  }
  const { limit = 1, windowMs = 0 } = input;
  return Math.max(0, Math.ceil(n / limit) - 1) * windowMs * NS_PER_MS;
}

export const limiterChecks = family<LiveInput, LimiterObserved>({
  "token-bucket-never-exceeded": ({ input, observed }) => {
    // In BigInt: burst * cost reaches 8.64e19 credits, beyond what a double counts exactly.
    const tokens = BigInt(input.refill?.tokens ?? 0);
    const cost = BigInt(input.refill?.everyMs ?? 0) * BigInt(NS_PER_MS);
    const burst = BigInt(input.burst ?? 0);
    const at = times(observed.admissions).map(BigInt);
    for (const [i, first] of at.entries()) {
      for (const [j, last] of at.entries()) {
        if (j < i) continue;
        const admitted = BigInt(j - i + 1);
        assert.ok(
          (admitted - burst) * cost <= (last - first) * tokens,
          `${String(admitted)} admitted from ${String(first)} to ${String(last)} ns`,
        );
      }
    }
  },

  "window-never-exceeded": ({ input, observed }) => {
    const windowNs = (input.windowMs ?? 0) * NS_PER_MS;
    const at = times(observed.admissions);
    for (const t of at) {
      const inside = at.filter((u) => t - windowNs < u && u <= t).length;
      assert.ok(
        inside <= (input.limit ?? 0),
        `${String(inside)} admissions in the window to ${String(t)} ns`,
      );
    }
  },

  "woke-after-admission": ({ observed }) => {
    for (const a of observed.admissions) {
      assert.ok(a.requestNs <= a.atNs && a.atNs <= a.wokeNs, JSON.stringify(a));
    }
  },

  "throughput-near-rate": ({ input, observed, param }) => {
    const bound = idealNs(input) / param("fraction") + param("slackMs") * NS_PER_MS;
    assert.ok(
      observed.elapsedNs <= bound,
      `took ${String(observed.elapsedNs)} ns, bound ${String(bound)} ns`,
    );
  },

  "no-caller-starves": ({ input, observed, param }) => {
    for (let caller = 0; caller < input.callers; caller++) {
      const admitted = observed.admissions.filter((a) => a.caller === caller).length;
      assert.equal(admitted, input.requestsPerCaller, `caller ${String(caller)}'s admissions`);
    }
    for (const a of observed.admissions) {
      assert.ok(a.wokeNs - a.requestNs <= param("boundMs") * NS_PER_MS, JSON.stringify(a));
    }
  },
});
