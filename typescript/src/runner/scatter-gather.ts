/**
 * Fan-in's `scatter-gather` operation as the runner serves it: items are jobs numbered by
 * their position (`item 2 failed`, `item 3 panicked`), gathered with or without fail-fast,
 * observed like a pool.
 *
 * @module
 */

import { gather, gatherFailFast } from "../fan-in.js";
import type { Settled } from "../worker-pool.js";
import {
  indexPath,
  optionalBoolean,
  requireArray,
  requireInteger,
  requireObject,
  type Fields,
} from "./fields.js";
import { errorOf, outcome, runJob, validateJobFields, type Job } from "./jobs.js";
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

/** `limit`, `failFast`, `items`, then each item (itself, `cost`, `sleepMs`, `fail`, `panic`). */
export function validateGather(input: Fields): GatherInput {
  const limit = requireInteger(input.limit, "limit", 1, MAX_LIMIT);
  const failFast = optionalBoolean(input.failFast, "failFast", false);
  const items = requireArray(input.items, "items").map((item, id): Job => {
    const path = indexPath("items", id);
    return { id, ...validateJobFields(requireObject(item, path), path) };
  });
  return { op: "scatter-gather", limit, failFast, items };
}

/** What the gather returned, as it returned it: the answer is built once the clock stops. */
type Gathered =
  | { readonly settled: readonly Settled<Job, string>[] }
  | { readonly values: readonly string[] }
  | { readonly failure: string };

/** The failure that ends a fail-fast gather: the first item's error, as the protocol words it. */
class ItemFailure extends Error {
  override readonly name = "ItemFailure";
}

/**
 * Item `job.id`, whose error, if it has one, is worded as the protocol says (`errorOf`) where
 * its item is known: the fail-fast gather rejects with the first error as it was thrown, and a
 * panic's plain `Error` does not say which item threw it. A call that ends because the gather
 * cancelled it is no failure, and is left as it threw.
 */
async function wordedItem(job: Job, signal: AbortSignal): Promise<string> {
  try {
    return await runJob(job, signal, "item");
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ItemFailure(errorOf("item", job.id, error), { cause: error });
  }
}

async function gathered(
  input: GatherInput,
  call: (job: Job, signal: AbortSignal) => Promise<string>,
): Promise<Gathered> {
  if (!input.failFast) return { settled: await gather(input.items, input.limit, call) };
  try {
    return { values: await gatherFailFast(input.items, input.limit, call) };
  } catch (error) {
    // An item's failure or panic is the answer; anything else is a bug and must not look like one.
    if (!(error instanceof ItemFailure)) throw error;
    return { failure: error.message };
  }
}

function outputOf(result: Gathered): GatherOutput {
  if ("settled" in result) return { results: result.settled.map((one) => outcome(one, "item")) };
  if ("values" in result) return { results: result.values.map((value) => ({ value })) };
  return { failure: result.failure };
}

export async function runGather(
  input: GatherInput,
): Promise<{ output: GatherOutput; observed: GatherObserved }> {
  const recorder = new Recorder();
  const item = input.failFast
    ? wordedItem
    : (job: Job, signal: AbortSignal) => runJob(job, signal, "item");
  const call = recorder.observe((job: Job) => job.id, item);
  const result = await gathered(input, call);
  const runningAfter = recorder.running;
  const observed = { ...recorder.finish(), runningAfter };
  return { output: outputOf(result), observed };
}
