/**
 * The worker-pool pattern as the runner serves it: input validation in the documented order,
 * one observed case run of the jobs (`jobs.ts`), and one benchmark run, on the event loop or
 * over threads (`parallel-pool.ts`).
 *
 * @module
 */

import { pool, type Settled } from "../worker-pool.js";
import {
  fieldPath,
  indexPath,
  optionalInteger,
  requireArray,
  requireChoice,
  type Fields,
  requireInteger,
  requireObject,
  requireUniqueId,
} from "./fields.js";
import {
  MAX_COST,
  MAX_SLEEP_MS,
  outcome,
  runJob,
  validateJobFields,
  xorDigest,
  type Job,
  type JobResult,
} from "./jobs.js";
import { Recorder, type PoolObserved } from "./observe.js";
import { ParallelPool } from "./parallel-pool.js";
import { SelfCheckError, type Check, type Measurement, type PatternParts } from "./protocol.js";

export interface WorkerPoolInput {
  readonly workers: number;
  readonly jobs: readonly Job[];
}

const MAX_WORKERS = 10_000;

function validateWorkers(value: unknown, path: string): number {
  return requireInteger(value, path, 1, MAX_WORKERS);
}

function validateJob(value: unknown, path: string, seen: Map<number, string>): Job {
  const fields = requireObject(value, path);
  const id = requireUniqueId(fields.id, fieldPath(path, "id"), seen);
  return { id, ...validateJobFields(fields, path) };
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

function runPoolJob(job: Job, signal: AbortSignal): Promise<string> {
  return runJob(job, signal, "job");
}

export async function run(
  input: WorkerPoolInput,
): Promise<{ output: { results: JobResult[] }; observed: PoolObserved }> {
  const recorder = new Recorder();
  const observedJob = recorder.observe((job: Job) => job.id, runPoolJob);
  const settled = await pool(input.jobs, input.workers, observedJob);
  const observed = recorder.finish();
  return { output: { results: resultsOf(settled) }, observed };
}

function resultsOf(settled: readonly Settled<Job, string>[]): JobResult[] {
  return settled.map((one) => ({ id: one.job.id, ...outcome(one, "job") }));
}

/**
 * How the bench runs the jobs: all on the event loop, the pool as it is, or over threads on
 * every usable core (`parallel-pool.ts`). Without `mode`, the event loop.
 */
const MODES = ["event-loop", "parallel"] as const;

export type WorkerPoolBench = WorkerPoolInput &
  ({ readonly mode: "event-loop" } | { readonly mode: "parallel"; readonly threads: ParallelPool });

/**
 * `size` jobs with ids `0 .. size-1`, each with the `cost` and `sleepMs` of `params`, run in
 * `params.mode`. Validates `workers`, `cost`, `sleepMs`, `mode`, in that order. No thread is
 * started here: the first run starts them.
 */
export function benchInput(size: number, params: Fields): WorkerPoolBench {
  const workers = validateWorkers(params.workers, "params.workers");
  const cost = optionalInteger(params.cost, "params.cost", 0, MAX_COST, 0);
  const sleepMs = optionalInteger(params.sleepMs, "params.sleepMs", 0, MAX_SLEEP_MS, 0);
  const mode =
    params.mode === undefined ? "event-loop" : requireChoice(params.mode, "params.mode", MODES);
  const jobs = Array.from({ length: size }, (_, id): Job => ({
    id,
    cost,
    sleepMs,
    fail: false,
    panic: false,
  }));
  if (mode === "event-loop") return { workers, jobs, mode };
  return { workers, jobs, mode, threads: new ParallelPool(jobs, workers) };
}

/** What one run of the bench's jobs tells the self-check: the ids run, then each result. */
export interface BenchReport {
  readonly ran: readonly number[];
  readonly results: readonly JobResult[];
}

/** The pool's settled jobs, and the id of each job as it started. */
export interface Noted {
  readonly ran: readonly number[];
  readonly settled: readonly Settled<Job, string>[];
}

/**
 * Runs `jobs` with the pool, noting each id as its job starts: the self-check then covers what
 * the pool ran as well as what it answered. Both modes run their jobs through this.
 */
export async function runNoted(jobs: Iterable<Job>, workers: number): Promise<Noted> {
  const ran: number[] = [];
  const notedJob = (job: Job, signal: AbortSignal): Promise<string> => {
    ran.push(job.id);
    return runPoolJob(job, signal);
  };
  return { ran, settled: await pool(jobs, workers, notedJob) };
}

/** Built once the clock has stopped, on the thread that ran the jobs. */
export function toReport({ ran, settled }: Noted): BenchReport {
  return { ran, results: resultsOf(settled) };
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
 * The check of every run, whatever its mode: every job ran and answered once, none failed; the
 * answer is their number and the XOR of their values, which no order of completion changes.
 */
export function selfCheck(reports: readonly BenchReport[], size: number): Check {
  checkEachIdOnce(
    reports.flatMap((report) => report.ran),
    size,
    "ran",
  );
  const results = reports.flatMap((report) => report.results);
  checkEachIdOnce(
    results.map((result) => result.id),
    size,
    "answered",
  );
  const values = results.map((result) => {
    if ("error" in result) throw new SelfCheckError(result.error);
    return result.value;
  });
  return { count: values.length, digest: xorDigest(values) };
}

/** The clock stops when the pool settles; the results are built after. */
async function onEventLoop(input: WorkerPoolInput): Promise<Measured> {
  const start = process.hrtime.bigint();
  const noted = await runNoted(input.jobs, input.workers);
  const elapsedNs = since(start);
  return { elapsedNs, reports: [toReport(noted)] };
}

/**
 * The clock starts once the threads are ready (the first run starts them, untimed) and stops
 * when the last is done; their reports are gathered after.
 */
async function inParallel(threads: ParallelPool): Promise<Measured> {
  await threads.ready();
  const start = process.hrtime.bigint();
  await threads.run();
  const elapsedNs = since(start);
  return { elapsedNs, reports: await threads.reports() };
}

interface Measured {
  readonly elapsedNs: number;
  readonly reports: readonly BenchReport[];
}

function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** One measured run in the bench's mode, then its self-check. */
export async function bench(input: WorkerPoolBench): Promise<Measurement> {
  const { elapsedNs, reports } =
    input.mode === "parallel" ? await inParallel(input.threads) : await onEventLoop(input);
  return { elapsedNs, check: selfCheck(reports, input.jobs.length) };
}

/** Terminates the threads of `parallel` mode after the last run. */
export async function release(input: WorkerPoolBench): Promise<void> {
  if (input.mode === "parallel") await input.threads.close();
}

export const workerPool: PatternParts<WorkerPoolInput, WorkerPoolBench> = {
  validate,
  run,
  benchInput,
  bench,
  release,
};
