/**
 * Fan-in's `scatter-gather` operation as the runner serves it: items are jobs numbered by
 * their position (`item 2 failed`), gathered with or without fail-fast, observed like a pool.
 *
 * @module
 */

import { gather, gatherFailFast } from "../fan-in.js";
import {
  indexPath,
  optionalBoolean,
  requireArray,
  requireInteger,
  requireObject,
  type Fields,
} from "./fields.js";
import { JobFailedError, outcome, runJob, validateJobFields, type Job } from "./jobs.js";
import { Recorder, type PoolObserved } from "./observe.js";

const MAX_LIMIT = 10_000;

export interface GatherInput {
  readonly op: "scatter-gather";
  readonly limit: number;
  readonly failFast: boolean;
  /** Item `i` is the job with id `i`. */
  readonly items: readonly Job[];
}

export type GatherOutput =
  | { readonly results: readonly ({ value: string } | { error: string })[] }
  | { readonly failure: string };

export interface GatherObserved extends PoolObserved {
  /** The in-flight counter read just after the gather returned. */
  readonly runningAfter: number;
}

/** `limit`, `failFast`, `items`, then each item (itself, `cost`, `sleepMs`, `fail`). */
export function validateGather(input: Fields): GatherInput {
  const limit = requireInteger(input.limit, "limit", 1, MAX_LIMIT);
  const failFast = optionalBoolean(input.failFast, "failFast", false);
  const items = requireArray(input.items, "items").map((item, id): Job => {
    const path = indexPath("items", id);
    return { id, ...validateJobFields(requireObject(item, path), path) };
  });
  return { op: "scatter-gather", limit, failFast, items };
}

async function gathered(
  input: GatherInput,
  call: (job: Job, signal: AbortSignal) => Promise<string>,
): Promise<GatherOutput> {
  if (!input.failFast) {
    return { results: (await gather(input.items, input.limit, call)).map(outcome) };
  }
  try {
    const values = await gatherFailFast(input.items, input.limit, call);
    return { results: values.map((value) => ({ value })) };
  } catch (error) {
    // An item's own failure is the answer; anything else is a bug and must not look like one.
    if (!(error instanceof JobFailedError)) throw error;
    return { failure: error.message };
  }
}

export async function runGather(
  input: GatherInput,
): Promise<{ output: GatherOutput; observed: GatherObserved }> {
  const recorder = new Recorder();
  const call = recorder.observe(
    (job: Job) => job.id,
    (job: Job, signal: AbortSignal) => runJob(job, signal, "item"),
  );
  const output = await gathered(input, call);
  const runningAfter = recorder.running;
  return { output, observed: { ...recorder.finish(), runningAfter } };
}
