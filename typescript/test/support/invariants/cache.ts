/** The read-heavy cache: lock intervals, single flight, and a linearizable history per key. */

import assert from "node:assert/strict";

import type { CacheObserved, LockRecord, OpRecord } from "../../../src/runner/rwlock-cache.js";
import { work } from "../../../src/work.js";
import { family, maxOverlap, NS_PER_MS } from "./seen.js";

/** A case's input as the spec writes it: defaults left out. */
interface CacheInput {
  readonly computeCost?: number;
  readonly clients: readonly (readonly { readonly op: string; readonly key?: number }[])[];
}

const held = (lock: LockRecord) => ({ startNs: lock.acquiredNs, endNs: lock.releasedNs });

/**
 * Whether one key's history has a serial order that respects real time and in which every
 * operation sees the state the ones before it left (Wing and Gong's search, memoised on the
 * operations done and the state). The state is the key's value, `null` when absent.
 */
export function linearizable(history: readonly OpRecord[], computed: string): boolean {
  const all = (1n << BigInt(history.length)) - 1n;
  const visited = new Set<string>();
  const stack: [bigint, string | null][] = [[0n, null]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [done, state] = top;
    if (done === all) return true;
    const memo = `${done.toString(36)}/${String(state)}`;
    if (visited.has(memo)) continue;
    visited.add(memo);
    const pending = history.filter((_, k) => ((done >> BigInt(k)) & 1n) === 0n);
    // An operation can go next only if no pending one returned before it was invoked.
    const horizon = Math.min(...pending.map((op) => op.returnNs));
    for (const [k, op] of history.entries()) {
      if (((done >> BigInt(k)) & 1n) === 1n || op.invokeNs > horizon) continue;
      const after = op.op === "set" ? op.value : op.op === "get" ? state : (state ?? computed);
      const seesState = op.op === "set" || op.value === after;
      if (seesState) stack.push([done | (1n << BigInt(k)), after]);
    }
  }
  return false;
}

export const cacheChecks = family<CacheInput, CacheObserved>({
  "writer-exclusive": ({ observed }) => {
    for (const [n, w] of observed.locks.entries()) {
      if (w.mode !== "write") continue;
      for (const [m, other] of observed.locks.entries()) {
        const overlap = other.acquiredNs < w.releasedNs && w.acquiredNs < other.releasedNs;
        assert.ok(m === n || !overlap, `${JSON.stringify(w)} overlaps ${JSON.stringify(other)}`);
      }
    }
  },

  "readers-overlap": ({ observed, param }) => {
    const peak = maxOverlap(observed.locks.filter((l) => l.mode === "read").map(held));
    assert.ok(peak >= param("target"), `at most ${String(peak)} readers held the lock at once`);
  },

  "computes-overlap": ({ observed, param }) => {
    const peak = maxOverlap(observed.computes);
    assert.ok(peak >= param("target"), `at most ${String(peak)} computes ran at once`);
  },

  "single-flight": ({ output, observed }) => {
    const counts = new Map<number, number>();
    for (const { key } of observed.computes) counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const [key, count] of counts) assert.equal(count, 1, `key ${String(key)} computes`);
    const reported = (output as { computes: { key: number; count: number }[] }).computes;
    assert.deepEqual(new Map(reported.map(({ key, count }) => [key, count])), counts);
  },

  "writer-not-starved": ({ observed, param }) => {
    for (const w of observed.locks.filter((l) => l.mode === "write")) {
      const waited = w.acquiredNs - w.requestNs;
      assert.ok(waited <= param("boundMs") * NS_PER_MS, `a writer waited ${String(waited)} ns`);
    }
  },

  "ops-complete": ({ input, observed }) => {
    const want = input.clients.flatMap((script, client) =>
      script.flatMap((op, index) =>
        op.op === "sleep" ? [] : [`${String(client)}/${String(index)}/${op.op}/${String(op.key)}`],
      ),
    );
    const got = observed.ops.map(
      ({ client, index, op, key }) => `${String(client)}/${String(index)}/${op}/${String(key)}`,
    );
    assert.deepEqual(got.sort(), want.sort(), "the history's operations");
  },

  linearizable: ({ input, observed }) => {
    const byKey = new Map<number, OpRecord[]>();
    for (const op of observed.ops) byKey.set(op.key, [...(byKey.get(op.key) ?? []), op]);
    for (const [key, history] of byKey) {
      const computed = work(key, input.computeCost ?? 0);
      assert.ok(linearizable(history, computed), `key ${String(key)}: not linearizable`);
    }
  },
});
