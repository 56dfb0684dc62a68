/**
 * The simulated job that the worker pool and scatter-gather both run: sleep (I/O), compute
 * (`work`), maybe fail or panic. Each pattern names its jobs in its own words (`job 3 failed`,
 * `item 3 panicked`) and validates their fields with the same rules.
 *
 * JavaScript has one `throw` for both kinds of error, so they differ by what is thrown. `fail`
 * is a failure the job reports on purpose: it rejects with a `JobFailedError`, the cookbook's
 * own class, whose message is the answer. `panic` is a bug: the job throws a plain `Error`, as a
 * `TypeError` or a failed assertion would, which no caller expects by its class; its message is
 * nobody's answer, so the job is reported as `<noun> <id> panicked` (`errorOf`).
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { work } from "../work.js";
import type { Settled } from "../worker-pool.js";
import { fieldPath, optionalBoolean, optionalInteger, type Fields } from "./fields.js";
import { SelfCheckError, type Check } from "./protocol.js";

export interface Job {
  /** The seed of `work`, and the number in the job's error. */
  readonly id: number;
  readonly cost: number;
  readonly sleepMs: number;
  readonly fail: boolean;
  /** After its work, the job throws as a bug would; this wins over `fail`. */
  readonly panic: boolean;
}

export const MAX_COST = 100_000_000;
export const MAX_SLEEP_MS = 60_000;

/** `cost`, `sleepMs`, `fail`, then `panic` of the job object at `path`, in that order. */
export function validateJobFields(fields: Fields, path: string): Omit<Job, "id"> {
  return {
    cost: optionalInteger(fields.cost, fieldPath(path, "cost"), 0, MAX_COST, 0),
    sleepMs: optionalInteger(fields.sleepMs, fieldPath(path, "sleepMs"), 0, MAX_SLEEP_MS, 0),
    fail: optionalBoolean(fields.fail, fieldPath(path, "fail"), false),
    panic: optionalBoolean(fields.panic, fieldPath(path, "panic"), false),
  };
}

/** The failure `fail` asks for: expected, so answered by its message. */
export class JobFailedError extends Error {
  override readonly name = "JobFailedError";

  constructor(
    noun: string,
    /** Whose failure it is: a race's answer names the operation that failed first. */
    readonly id: number,
  ) {
    super(`${noun} ${String(id)} failed`);
  }
}

/**
 * One job: sleep without blocking, compute, then maybe throw: a plain `Error` if it panics, a
 * `JobFailedError` (`<noun> <id> failed`) if it fails. The sleep ends early, rejecting with an
 * `AbortError`, when `signal` is aborted, and its timer is cleared then. `work` is synchronous
 * and blocks the event loop while it runs: no other job, timer or I/O callback advances
 * meanwhile, so on Node CPU cost is run one job at a time whatever the number of workers, and
 * only the sleeps overlap.
 */
export async function runJob(job: Job, signal: AbortSignal, noun: string): Promise<string> {
  // A zero sleep is skipped rather than awaited: Node turns a 0 ms timer into 1 ms, which would
  // add a millisecond per job to a benchmark of pure CPU work.
  if (job.sleepMs > 0) await sleep(job.sleepMs, undefined, { signal });
  const value = work(job.id, job.cost);
  if (job.panic) throw new Error(`a bug in ${noun} ${String(job.id)}`);
  if (job.fail) throw new JobFailedError(noun, job.id);
  return value;
}

/** A job's result as the protocol writes it: its id, then its value or its error's message. */
export type JobResult =
  { readonly id: number; readonly value: string } | { readonly id: number; readonly error: string };

/**
 * What job `id` threw, as the protocol writes it: a `JobFailedError`'s message, or, for
 * anything else, `<noun> <id> panicked`. The class is read where the job ran: a structured
 * clone (`postMessage`) keeps an error's message but not its class, and would make a failure
 * that crossed threads look like a panic.
 */
export function errorOf(noun: string, id: number, error: unknown): string {
  return error instanceof JobFailedError ? error.message : `${noun} ${String(id)} panicked`;
}

/** A settled job as the protocol writes it: its value, or its error (`errorOf`). */
export function outcome(
  settled: Settled<Job, string>,
  noun: string,
): { readonly value: string } | { readonly error: string } {
  if (settled.ok) return { value: settled.value };
  return { error: errorOf(noun, settled.job.id, settled.error) };
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

/** The sum of integers modulo 2^64, as 16 hex digits: a digest of times that any order gives. */
export function sumDigest(values: Iterable<number>): string {
  let sum = 0n;
  for (const value of values) sum += BigInt(value);
  return BigInt.asUintN(64, sum).toString(16).padStart(16, "0");
}

/**
 * The self-check of a benchmark whose jobs are ids `0 .. size-1`, each of one `cost`: every job
 * answered once, with `work(id, cost)` as computed here; the check is their number and the XOR
 * of their values, which no order of completion changes.
 */
export function checkBenchResults(
  results: readonly JobResult[],
  size: number,
  cost: number,
  noun: string,
): Check {
  const seen = new Uint8Array(size);
  const values = results.map((result) => {
    const what = `${noun} ${String(result.id)}`;
    if ("error" in result) throw new SelfCheckError(`${what}: ${result.error}`);
    if (seen[result.id] !== 0) throw new SelfCheckError(`${what} unknown or answered twice`);
    seen[result.id] = 1;
    const want = work(result.id, cost);
    if (result.value !== want) {
      throw new SelfCheckError(`${what} answered ${result.value}, expected ${want}`);
    }
    return result.value;
  });
  if (values.length !== size) {
    throw new SelfCheckError(`${String(values.length)} of ${String(size)} ${noun}s answered`);
  }
  return { count: values.length, digest: xorDigest(values) };
}
