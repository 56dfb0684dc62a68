/**
 * The worker-pool pattern as the runner serves it: input validation in the documented order,
 * the job semantics (sleep, work, maybe fail), one observed case run, and one benchmark run.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { work } from "../work.js";
import { pool, type Settled } from "../worker-pool.js";
import {
  FieldError,
  fieldPath,
  indexPath,
  optionalBoolean,
  optionalInteger,
  requireArray,
  type Fields,
  requireInteger,
  requireObject,
} from "./fields.js";
import { Recorder, type Observed } from "./observe.js";
import { SelfCheckError, type Check, type PatternParts } from "./protocol.js";

export interface Job {
  readonly id: number;
  readonly cost: number;
  readonly sleepMs: number;
  readonly fail: boolean;
}

export interface WorkerPoolInput {
  readonly workers: number;
  readonly jobs: readonly Job[];
}

export type JobResult =
  { readonly id: number; readonly value: string } | { readonly id: number; readonly error: string };

const MAX_WORKERS = 10_000;
const MAX_COST = 100_000_000;
const MAX_SLEEP_MS = 60_000;

function validateWorkers(value: unknown, path: string): number {
  return requireInteger(value, path, 1, MAX_WORKERS);
}

function validateJob(value: unknown, path: string, seen: Map<number, string>): Job {
  const fields = requireObject(value, path);
  const idPath = fieldPath(path, "id");
  const id = requireInteger(fields.id, idPath, 0, Number.MAX_SAFE_INTEGER);
  const first = seen.get(id);
  if (first !== undefined) {
    throw new FieldError(
      idPath,
      `${idPath} must be unique, got ${String(id)} again (first at ${first})`,
    );
  }
  seen.set(id, idPath);
  return {
    id,
    cost: optionalInteger(fields.cost, fieldPath(path, "cost"), 0, MAX_COST, 0),
    sleepMs: optionalInteger(fields.sleepMs, fieldPath(path, "sleepMs"), 0, MAX_SLEEP_MS, 0),
    fail: optionalBoolean(fields.fail, fieldPath(path, "fail"), false),
  };
}

/** Validates `workers`, `jobs`, then each job in order: the first problem is the one reported. */
export function validate(input: Fields): WorkerPoolInput {
  const workers = validateWorkers(input.workers, "workers");
  const seen = new Map<number, string>();
  const jobs = requireArray(input.jobs, "jobs").map((job, i) =>
    validateJob(job, indexPath("jobs", i), seen),
  );
  return { workers, jobs };
}

export class JobFailedError extends Error {
  override readonly name = "JobFailedError";

  constructor(readonly id: number) {
    super(`job ${String(id)} failed`);
  }
}

/**
 * One job: sleep without blocking, compute, maybe fail. `work` is synchronous and blocks the
 * event loop while it runs: no other job, timer or I/O callback advances meanwhile, so on Node
 * CPU cost is run one job at a time whatever the number of workers, and only the sleeps overlap.
 */
export async function runJob(job: Job, signal: AbortSignal): Promise<string> {
  // A zero sleep is skipped rather than awaited: Node turns a 0 ms timer into 1 ms, which would
  // add a millisecond per job to a benchmark of pure CPU work.
  if (job.sleepMs > 0) await sleep(job.sleepMs, undefined, { signal });
  const value = work(job.id, job.cost);
  if (job.fail) throw new JobFailedError(job.id);
  return value;
}

function toResult(settled: Settled<Job, string>): JobResult {
  const { id } = settled.job;
  if (settled.ok) return { id, value: settled.value };
  return {
    id,
    error: settled.error instanceof Error ? settled.error.message : String(settled.error),
  };
}

export async function run(
  input: WorkerPoolInput,
): Promise<{ output: { results: JobResult[] }; observed: Observed }> {
  const recorder = new Recorder();
  const observedJob = recorder.observe((job: Job) => job.id, runJob);
  const settled = await pool(input.jobs, input.workers, observedJob);
  const observed = recorder.finish();
  const results = settled.map(toResult);
  return { output: { results }, observed };
}

/** `size` jobs with ids `0 .. size-1`, each with the `cost` and `sleepMs` of `params`. */
export function benchInput(size: number, params: Fields): WorkerPoolInput {
  const workers = validateWorkers(params.workers, "params.workers");
  const cost = optionalInteger(params.cost, "params.cost", 0, MAX_COST, 0);
  const sleepMs = optionalInteger(params.sleepMs, "params.sleepMs", 0, MAX_SLEEP_MS, 0);
  const jobs = Array.from({ length: size }, (_, id): Job => ({ id, cost, sleepMs, fail: false }));
  return { workers, jobs };
}

/** XOR of 16-hex-digit values, folded as two 32-bit halves so no BigInt is needed. */
function xorDigest(values: readonly string[]): string {
  let hi = 0;
  let lo = 0;
  for (const value of values) {
    hi ^= Number.parseInt(value.slice(0, 8), 16);
    lo ^= Number.parseInt(value.slice(8), 16);
  }
  return (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}

/** Ids `0 .. size-1`, each exactly once, or the self-check fails saying which job did not. */
function checkEachIdOnce(ids: readonly number[], size: number, verb: string): void {
  const seen = new Uint8Array(size);
  for (const id of ids) {
    if (seen[id] === undefined) throw new SelfCheckError(`unknown job ${String(id)} ${verb}`);
    if (seen[id] !== 0) throw new SelfCheckError(`job ${String(id)} ${verb} more than once`);
    seen[id] = 1;
  }
  if (ids.length !== size) {
    throw new SelfCheckError(`${String(ids.length)} of ${String(size)} jobs ${verb}`);
  }
}

/**
 * One measured run, then its self-check: the job function notes each id it runs, so the check
 * covers what the pool ran as well as what it answered.
 */
export async function bench(input: WorkerPoolInput): Promise<{ elapsedNs: number; check: Check }> {
  const ran: number[] = [];
  const countedJob = (job: Job, signal: AbortSignal): Promise<string> => {
    ran.push(job.id);
    return runJob(job, signal);
  };
  const start = process.hrtime.bigint();
  const settled = await pool(input.jobs, input.workers, countedJob);
  const elapsedNs = Number(process.hrtime.bigint() - start);

  const size = input.jobs.length;
  checkEachIdOnce(ran, size, "ran");
  checkEachIdOnce(
    settled.map((outcome) => outcome.job.id),
    size,
    "answered",
  );
  const values = settled.map((outcome) => {
    if (!outcome.ok) throw new SelfCheckError(`job ${String(outcome.job.id)} failed`);
    return outcome.value;
  });
  return { elapsedNs, check: { count: values.length, digest: xorDigest(values) } };
}

export const workerPool: PatternParts<WorkerPoolInput> = { validate, run, benchInput, bench };
