/**
 * The simulated operation that timeout, first-completed and error-group run, and the record of
 * each one: it sleeps (the sleep ends early when its signal is aborted), then fails with
 * `<noun> <id> failed` or returns its value, `work(id, 0)`. Each record says when it began, when
 * it stopped and how it ended, so that the harness can tell a cancelled operation from one that
 * finished, and see that none ran on after the call returned.
 *
 * @module
 */

import {
  fieldPath,
  optionalBoolean,
  optionalInteger,
  requireUniqueId,
  type Fields,
} from "./fields.js";
import { JobFailedError, MAX_SLEEP_MS, runJob, type JobResult } from "./jobs.js";
import type { Clock } from "./observe.js";

export interface Operation {
  readonly id: number;
  readonly sleepMs: number;
  readonly fail: boolean;
}

export type Outcome = "ok" | "failed" | "cancelled";

export interface OperationRecord {
  readonly id: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly outcome: Outcome;
}

/** `sleepMs`, then `fail`, of the object `fields` at `path`. */
export function validateLeaf(fields: Fields, path: string): Omit<Operation, "id"> {
  return {
    sleepMs: optionalInteger(fields.sleepMs, fieldPath(path, "sleepMs"), 0, MAX_SLEEP_MS, 0),
    fail: optionalBoolean(fields.fail, fieldPath(path, "fail"), false),
  };
}

/** The operation object `fields` at `path`: `id` (unique among `seen`), `sleepMs`, `fail`. */
export function validateOperation(
  fields: Fields,
  path: string,
  seen: Map<number, string>,
): Operation {
  const id = requireUniqueId(fields.id, fieldPath(path, "id"), seen);
  return { id, ...validateLeaf(fields, path) };
}

/** Runs `operation`: its sleep ends early, rejecting with an `AbortError`, if `signal` aborts. */
export function runOperation(
  operation: Operation,
  signal: AbortSignal,
  noun: string,
): Promise<string> {
  const { id, sleepMs, fail } = operation;
  return runJob({ id, cost: 0, sleepMs, fail, panic: false }, signal, noun);
}

/**
 * How a run that threw `error` ended. A failure is the operation's own `JobFailedError`; anything
 * else, the sleep's `AbortError` or the abort's reason passed on by an inner group, is its signal
 * taking effect. (A group's first failure becomes its signal's reason, but only after the task
 * that failed has been recorded, so that task is never taken for a cancelled one.)
 */
export function outcomeOf(error: unknown, signal: AbortSignal): Outcome {
  return error instanceof JobFailedError && !(signal.aborted && error === signal.reason)
    ? "failed"
    : "cancelled";
}

/** The records of the operations run, stamped on `clock`, the measured region's. */
export class OperationLog {
  readonly records: OperationRecord[] = [];
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Nanoseconds since the start of the measured region. */
  now(): number {
    return this.#clock.now();
  }

  /**
   * `fn` for operation `id`, recorded: `startNs` as it begins, `endNs` once it has stopped, and
   * its outcome. Only a call that began has a record.
   */
  observe<T>(
    id: number,
    fn: (signal: AbortSignal) => Promise<T>,
  ): (signal: AbortSignal) => Promise<T> {
    return async (signal) => {
      const startNs = this.now();
      let outcome: Outcome = "ok";
      try {
        return await fn(signal);
      } catch (error) {
        outcome = outcomeOf(error, signal);
        throw error;
      } finally {
        this.records.push({ id, startNs, endNs: this.now(), outcome });
      }
    };
  }
}

/**
 * The results of a benchmark whose operations are ids `0 .. size-1`, in that order, as
 * `checkBenchResults` reads them: a value, or the message of whatever was thrown.
 */
export function benchResults(settled: readonly PromiseSettledResult<string>[]): JobResult[] {
  return settled.map((one, id) => {
    if (one.status === "fulfilled") return { id, value: one.value };
    return { id, error: one.reason instanceof Error ? one.reason.message : String(one.reason) };
  });
}
