/**
 * The simulated job that the worker pool and scatter-gather both run: sleep (I/O), compute
 * (`work`), maybe fail. Each pattern names its jobs in its own words (`job 3 failed`, `item 3
 * failed`) and validates their fields with the same rules.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { work } from "../work.js";
import type { Settled } from "../worker-pool.js";
import { fieldPath, optionalBoolean, optionalInteger, type Fields } from "./fields.js";

export interface Job {
  /** The seed of `work`, and the number in the job's error. */
  readonly id: number;
  readonly cost: number;
  readonly sleepMs: number;
  readonly fail: boolean;
}

export const MAX_COST = 100_000_000;
export const MAX_SLEEP_MS = 60_000;

/** `cost`, `sleepMs`, then `fail` of the job object at `path`, in that order. */
export function validateJobFields(fields: Fields, path: string): Omit<Job, "id"> {
  return {
    cost: optionalInteger(fields.cost, fieldPath(path, "cost"), 0, MAX_COST, 0),
    sleepMs: optionalInteger(fields.sleepMs, fieldPath(path, "sleepMs"), 0, MAX_SLEEP_MS, 0),
    fail: optionalBoolean(fields.fail, fieldPath(path, "fail"), false),
  };
}

export class JobFailedError extends Error {
  override readonly name = "JobFailedError";

  constructor(noun: string, id: number) {
    super(`${noun} ${String(id)} failed`);
  }
}

/**
 * One job: sleep without blocking, compute, maybe fail with `<noun> <id> failed`. The sleep
 * ends early, rejecting with an `AbortError`, when `signal` is aborted, and its timer is cleared
 * then. `work` is synchronous and blocks the event loop while it runs: no other job, timer or
 * I/O callback advances meanwhile, so on Node CPU cost is run one job at a time whatever the
 * number of workers, and only the sleeps overlap.
 */
export async function runJob(job: Job, signal: AbortSignal, noun: string): Promise<string> {
  // A zero sleep is skipped rather than awaited: Node turns a 0 ms timer into 1 ms, which would
  // add a millisecond per job to a benchmark of pure CPU work.
  if (job.sleepMs > 0) await sleep(job.sleepMs, undefined, { signal });
  const value = work(job.id, job.cost);
  if (job.fail) throw new JobFailedError(noun, job.id);
  return value;
}

/** A job's result as the protocol writes it: its id, then its value or its error's message. */
export type JobResult =
  { readonly id: number; readonly value: string } | { readonly id: number; readonly error: string };

/** A settled job as the protocol writes it: its value, or its error's message. */
export function outcome<J>(
  settled: Settled<J, string>,
): { readonly value: string } | { readonly error: string } {
  if (settled.ok) return { value: settled.value };
  return { error: settled.error instanceof Error ? settled.error.message : String(settled.error) };
}

/** XOR of 16-hex-digit values, folded as two 32-bit halves so no BigInt is needed. */
export function xorDigest(values: Iterable<string>): string {
  let hi = 0;
  let lo = 0;
  for (const value of values) {
    hi ^= Number.parseInt(value.slice(0, 8), 16);
    lo ^= Number.parseInt(value.slice(8), 16);
  }
  return (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}
