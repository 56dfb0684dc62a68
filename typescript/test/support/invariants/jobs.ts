/** Jobs run by a bounded number of workers: the worker pool and fan-in's scatter-gather. */

import assert from "node:assert/strict";

import type { GatherObserved } from "../../../src/runner/scatter-gather.js";
import { family, maxOverlap, NS_PER_MS, sortedKeys, type Seen } from "./seen.js";

interface JobsInput {
  readonly jobs?: readonly { readonly id: number; readonly sleepMs?: number }[];
  readonly items?: readonly { readonly sleepMs?: number; readonly fail?: boolean }[];
}

/** The worker pool observes no `runningAfter`; only scatter-gather's cases check it. */
type JobsSeen = Seen<JobsInput, GatherObserved>;

/** A worker pool's jobs carry ids; scatter-gather's items are known by their index. */
function jobs({ input }: JobsSeen): { id: number; sleepMs: number }[] {
  if (input.jobs !== undefined) {
    return input.jobs.map(({ id, sleepMs = 0 }) => ({ id, sleepMs }));
  }
  return (input.items ?? []).map(({ sleepMs = 0 }, id) => ({ id, sleepMs }));
}

export const jobChecks = family<JobsInput, GatherObserved>({
  "each-job-once": (seen) => {
    const ran = seen.observed.events.map((e) => e.id);
    assert.deepEqual(sortedKeys(ran), sortedKeys(jobs(seen).map((j) => j.id)), "job ids run");
  },

  "events-within-elapsed": ({ observed }) => {
    for (const e of observed.events) {
      const within = 0 <= e.startNs && e.startNs <= e.endNs && e.endNs <= observed.elapsedNs;
      assert.ok(within, `${JSON.stringify(e)} outside [0, ${String(observed.elapsedNs)}]`);
    }
  },

  "max-in-flight-at-most": ({ observed, param }) => {
    const limit = param("limit");
    const { maxInFlight } = observed;
    assert.ok(maxInFlight <= limit, `maxInFlight ${String(maxInFlight)} > ${String(limit)}`);
    const overlap = maxOverlap(observed.events);
    assert.ok(overlap <= limit, `${String(overlap)} events overlap, limit ${String(limit)}`);
  },

  "max-in-flight-reached": ({ observed, param }) => {
    const [overlap, target] = [maxOverlap(observed.events), param("target")];
    assert.ok(overlap >= target, `at most ${String(overlap)} in flight, target ${String(target)}`);
  },

  "elapsed-below-serial": (seen) => {
    const serialNs = jobs(seen).reduce((sum, j) => sum + j.sleepMs, 0) * NS_PER_MS;
    const bound = seen.param("fraction") * serialNs;
    const { elapsedNs } = seen.observed;
    assert.ok(elapsedNs <= bound, `elapsed ${String(elapsedNs)} ns > ${String(bound)} ns`);
  },

  "nothing-running-after": ({ observed }) => {
    assert.equal(observed.runningAfter, 0, "calls still running after the gather returned");
  },

  "cancelled-promptly": ({ input, observed, param }) => {
    const failing = (input.items ?? []).findIndex((item) => item.fail === true);
    const failed = observed.events.find((e) => e.id === failing);
    assert.ok(failed !== undefined, `no event for the failing item ${String(failing)}`);
    const deadline = failed.endNs + param("slackMs") * NS_PER_MS;
    for (const e of observed.events) {
      assert.ok(e.startNs <= deadline && e.endNs <= deadline, `late: ${JSON.stringify(e)}`);
    }
    assert.ok(observed.elapsedNs <= deadline, "the gather returned late after the failure");
  },
});
