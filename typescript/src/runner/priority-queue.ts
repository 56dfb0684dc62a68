/**
 * The priority queue as the runner serves it (docs/patterns/priority-queue.md): input validation
 * in the documented order, one observed run, and the benchmark.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { serve, type Attempt, type Outcome } from "../priority-queue.js";
import { work } from "../work.js";
import {
  fieldPath,
  indexPath,
  optionalInteger,
  requireArray,
  requireInteger,
  requireNotBefore,
  requireObject,
  requireUniqueId,
  type Fields,
} from "./fields.js";
import { checkBenchResults, MAX_COST, MAX_SLEEP_MS } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import type { Measurement, PatternParts } from "./protocol.js";

const MAX_WORKERS = 1_000;
const MAX_ATTEMPTS = 100;
const MAX_PRIORITY = 1_000_000;
const MAX_ARRIVE_MS = 60_000;

export interface PriorityJob {
  readonly id: number;
  readonly priority: number;
  readonly arriveMs: number;
  readonly cost: number;
  readonly sleepMs: number;
  /** The job's first `failAttempts` attempts fail. */
  readonly failAttempts: number;
}

export interface PriorityInput {
  readonly workers: number;
  readonly maxAttempts: number;
  readonly jobs: readonly PriorityJob[];
}

export interface AttemptRecord {
  readonly id: number;
  readonly attempt: number;
  readonly priority: number;
  readonly startNs: number;
  readonly endNs: number;
}

export interface PriorityObserved extends Observed {
  readonly attempts: readonly AttemptRecord[];
}

export type PriorityResult =
  | { readonly id: number; readonly value: string; readonly attempts: number }
  | { readonly id: number; readonly error: string; readonly attempts: number };

/** `workers`, `maxAttempts`, `jobs`, then each job's fields in the page's order. */
export function validate(input: Fields): PriorityInput {
  const workers = requireInteger(input.workers, "workers", 1, MAX_WORKERS);
  const maxAttempts = requireInteger(input.maxAttempts, "maxAttempts", 1, MAX_ATTEMPTS);
  const seen = new Map<number, string>();
  const jobs: PriorityJob[] = [];
  for (const [i, value] of requireArray(input.jobs, "jobs").entries()) {
    const path = indexPath("jobs", i);
    const fields = requireObject(value, path);
    const at = (name: string) => fieldPath(path, name);
    const id = requireUniqueId(fields.id, at("id"), seen);
    const priority = requireInteger(fields.priority, at("priority"), 0, MAX_PRIORITY);
    const arriveMs = requireNotBefore(
      optionalInteger(fields.arriveMs, at("arriveMs"), 0, MAX_ARRIVE_MS, 0),
      at("arriveMs"),
      jobs.at(-1)?.arriveMs,
      fieldPath(indexPath("jobs", i - 1), "arriveMs"),
    );
    jobs.push({
      id,
      priority,
      arriveMs,
      cost: optionalInteger(fields.cost, at("cost"), 0, MAX_COST, 0),
      sleepMs: optionalInteger(fields.sleepMs, at("sleepMs"), 0, MAX_SLEEP_MS, 0),
      failAttempts: optionalInteger(fields.failAttempts, at("failAttempts"), 0, MAX_ATTEMPTS, 0),
    });
  }
  return { workers, maxAttempts, jobs };
}

/** An attempt: sleep, compute, then fail while its number is at most `failAttempts`. */
async function attemptJob({ job, number }: Attempt<PriorityJob>): Promise<string> {
  // A zero sleep is skipped: Node would turn a 0 ms timer into 1 ms.
  if (job.sleepMs > 0) await sleep(job.sleepMs);
  const value = work(job.id, job.cost);
  if (number <= job.failAttempts) throw new Error(`job ${String(job.id)} failed`);
  return value;
}

/** The submitter: each job pushed `arriveMs` after the clock's start, in input order. */
async function* arriving(jobs: readonly PriorityJob[], clock: Clock) {
  for (const job of jobs) {
    const waitMs = Math.ceil(job.arriveMs - clock.now() / 1_000_000);
    if (waitMs > 0) await sleep(waitMs);
    yield { job, priority: job.priority };
  }
}

function resultOf(outcome: Outcome<PriorityJob, string>): PriorityResult {
  const { job, attempts } = outcome;
  if (outcome.ok) return { id: job.id, value: outcome.value, attempts };
  const times = attempts === 1 ? "1 attempt" : `${String(attempts)} attempts`;
  return { id: job.id, error: `job ${String(job.id)} failed after ${times}`, attempts };
}

export async function run(input: PriorityInput): Promise<{
  output: { results: PriorityResult[]; started: number[] };
  observed: PriorityObserved;
}> {
  const clock = new Clock();
  const started: number[] = [];
  const attempts: AttemptRecord[] = [];
  // `startNs` once the worker holds the job, `endNs` when the attempt is over, before the
  // worker takes another.
  const observed = async (attempt: Attempt<PriorityJob>): Promise<string> => {
    started.push(attempt.job.id);
    const startNs = clock.now();
    try {
      return await attemptJob(attempt);
    } finally {
      const { job, number, priority } = attempt;
      attempts.push({ id: job.id, attempt: number, priority, startNs, endNs: clock.now() });
    }
  };
  const outcomes = await serve(arriving(input.jobs, clock), input.workers, observed, input);
  const elapsedNs = clock.now();
  return {
    output: { results: outcomes.map(resultOf), started },
    observed: { elapsedNs, attempts },
  };
}

/** A benchmark's input: `size` jobs of one `cost`, which its self-check needs to know. */
export interface PriorityBench extends PriorityInput {
  readonly cost: number;
}

/**
 * `size` jobs with ids `0 .. size-1` at priority `(id * 7919) mod 100`, all arriving at once,
 * of `cost`, one attempt each. Validates `workers`, then `cost`.
 */
export function benchInput(size: number, params: Fields): PriorityBench {
  const workers = requireInteger(params.workers, "params.workers", 1, MAX_WORKERS);
  const cost = requireInteger(params.cost, "params.cost", 0, MAX_COST);
  const jobs = Array.from({ length: size }, (_, id) => ({
    id,
    priority: (id * 7919) % 100,
    arriveMs: 0,
    cost,
    sleepMs: 0,
    failAttempts: 0,
  }));
  return { workers, maxAttempts: 1, jobs, cost };
}

/** One measured run, then its self-check (`checkBenchResults`). */
export async function bench(input: PriorityBench): Promise<Measurement> {
  const submissions = input.jobs.map((job) => ({ job, priority: job.priority }));
  const clock = new Clock();
  const outcomes = await serve(submissions, input.workers, attemptJob, input);
  const elapsedNs = clock.now();
  const check = checkBenchResults(outcomes.map(resultOf), input.jobs.length, input.cost, "job");
  return { elapsedNs, check };
}

export const priorityQueue: PatternParts<PriorityInput, PriorityBench> = {
  validate,
  run,
  benchInput,
  bench,
};
