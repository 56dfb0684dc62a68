/** A merged stream: every item once, each source's order kept, nothing held back. */

import assert from "node:assert/strict";

import type { MergeObserved, Received } from "../../../src/runner/merge.js";
import { family, NS_PER_MS, sortedKeys } from "./seen.js";

interface MergeInput {
  readonly sources: readonly (readonly number[])[];
}

/** When each item is ready, in ms from the start, if its source's sleeps took no longer. */
function scheduled(sources: MergeInput["sources"]): Map<string, number> {
  const ready = new Map<string, number>();
  for (const [source, delays] of sources.entries()) {
    let at = 0;
    for (const [index, delay] of delays.entries()) {
      at += delay;
      ready.set(`${String(source)}/${String(index)}`, at);
    }
  }
  return ready;
}

const itemKey = ({ source, index }: { source: number; index: number }) =>
  `${String(source)}/${String(index)}`;

function assertInOrder(items: readonly { source: number; index: number }[], what: string): void {
  const next = new Map<number, number>();
  for (const { source, index } of items) {
    const due = next.get(source) ?? 0;
    assert.equal(index, due, `${what}: source ${String(source)} gave item ${String(index)}`);
    next.set(source, index + 1);
  }
}

export const mergeChecks = family<MergeInput, MergeObserved>({
  "merge-each-item-once": ({ input, observed }) => {
    const want = [...scheduled(input.sources).keys()];
    assert.deepEqual(sortedKeys(observed.received.map(itemKey)), sortedKeys(want), "items");
  },

  "source-order-kept": ({ output, observed }) => {
    assertInOrder(observed.received, "received");
    assertInOrder((output as { items: Received[] }).items, "output");
  },

  "merge-not-held": ({ input, observed, param }) => {
    const ready = scheduled(input.sources);
    const slackMs = param("slackMs");
    for (const item of observed.received) {
      const dueMs = ready.get(itemKey(item)) ?? 0;
      const late = item.atNs > (dueMs + slackMs) * NS_PER_MS;
      assert.ok(
        !late,
        `${itemKey(item)} ready at ${String(dueMs)} ms, got at ${String(item.atNs)} ns`,
      );
    }
  },
});
