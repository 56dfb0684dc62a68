/**
 * Timeout as the runner serves it (docs/patterns/timeout.md): one operation under a deadline,
 * with an inner one nested in it when given (`single`), or every operation under one deadline
 * (`group`). Each operation runs its cleanup once, however it ended, before the call returns.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { allWithin, TimeoutError, withTimeout, type Operation } from "../timeout.js";
import {
  FieldError,
  fieldPath,
  indexPath,
  optionalInteger,
  requireArrayLength,
  requireChoice,
  requireInteger,
  requireObject,
  type Fields,
} from "./fields.js";
import { checkBenchResults, JobFailedError, type JobResult } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import {
  benchResults,
  OperationLog,
  runOperation,
  validateOperation,
  type Operation as Simulated,
  type OperationRecord,
} from "./operations.js";
import type { CaseResult, Measurement, PatternParts } from "./protocol.js";

const MAX_DEADLINE_MS = 60_000;
const MAX_GROUP = 1_000;
const MAX_CLEANUP_MS = 1_000;
const NOUN = "operation";

export interface TimedOperation extends Simulated {
  readonly cleanupMs: number;
}

export interface TimeoutInput {
  readonly kind: "single" | "group";
  readonly deadlineMs: number;
  /** Only with `single`. */
  readonly innerDeadlineMs: number | undefined;
  readonly operations: readonly TimedOperation[];
}

export interface TimeoutRecord extends OperationRecord {
  readonly cleanupStartNs: number;
  readonly cleanupEndNs: number;
}

export interface TimeoutObserved extends Observed {
  readonly operations: readonly TimeoutRecord[];
}

/** An operation's result as the protocol writes it. */
export type TimeoutResult =
  JobResult | { readonly id: number; readonly timedOut: "outer" | "inner" };

/**
 * `kind`, `deadlineMs`, `innerDeadlineMs`, `operations` (exactly one for `single`, up to 1000 for
 * `group`), then each operation: itself, `id`, `sleepMs`, `fail`, `cleanupMs`.
 */
export function validate(input: Fields): TimeoutInput {
  const kind = requireChoice(input.kind, "kind", ["single", "group"]);
  const deadlineMs = requireInteger(input.deadlineMs, "deadlineMs", 1, MAX_DEADLINE_MS);
  let innerDeadlineMs: number | undefined;
  if (input.innerDeadlineMs !== undefined) {
    if (kind === "group") {
      throw new FieldError(
        "innerDeadlineMs",
        'innerDeadlineMs is only for kind "single", got it with kind "group"',
      );
    }
    innerDeadlineMs = requireInteger(input.innerDeadlineMs, "innerDeadlineMs", 1, MAX_DEADLINE_MS);
  }
  const most = kind === "single" ? 1 : MAX_GROUP;
  const seen = new Map<number, string>();
  const operations = requireArrayLength(input.operations, "operations", 1, most).map(
    (value, i): TimedOperation => {
      const path = indexPath("operations", i);
      const fields = requireObject(value, path);
      const operation = validateOperation(fields, path, seen);
      const cleanupPath = fieldPath(path, "cleanupMs");
      return {
        ...operation,
        cleanupMs: optionalInteger(fields.cleanupMs, cleanupPath, 0, MAX_CLEANUP_MS, 0),
      };
    },
  );
  return { kind, deadlineMs, innerDeadlineMs, operations };
}

/** What the call did with the operation: its value, its own error, or which deadline stopped it. */
function resultOf(
  id: number,
  settled: PromiseSettledResult<string> | undefined,
  innerDeadlineMs: number | undefined,
): TimeoutResult {
  if (settled === undefined) throw new Error(`operation ${String(id)} has no result`);
  if (settled.status === "fulfilled") return { id, value: settled.value };
  const error: unknown = settled.reason;
  if (error instanceof TimeoutError) {
    // The two deadlines never have the same length: the one that fired says which it was.
    return { id, timedOut: error.ms === innerDeadlineMs ? "inner" : "outer" };
  }
  if (error instanceof JobFailedError) return { id, error: error.message };
  throw error;
}

async function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: "fulfilled", value: await promise };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}

/**
 * Each operation is recorded from when it began to when its body stopped (`OperationLog`), and
 * then runs its cleanup in a `finally`, stamped on either side. The cleanup is a sleep without
 * the signal: the deadline may have fired, and an aborted signal would end it at once.
 */
export async function run(input: TimeoutInput): Promise<CaseResult> {
  const clock = new Clock();
  const log = new OperationLog(clock);
  const cleanups = new Map<number, { cleanupStartNs: number; cleanupEndNs: number }>();
  const cleanedUp = (operation: TimedOperation): Operation<string> => {
    const body = log.observe(operation.id, (signal) => runOperation(operation, signal, NOUN));
    return async (signal) => {
      try {
        return await body(signal);
      } finally {
        const cleanupStartNs = clock.now();
        if (operation.cleanupMs > 0) await sleep(operation.cleanupMs);
        cleanups.set(operation.id, { cleanupStartNs, cleanupEndNs: clock.now() });
      }
    };
  };
  const options = { clock: () => clock.now() };

  let output: { result: TimeoutResult } | { results: TimeoutResult[] };
  if (input.kind === "group") {
    const settled = await allWithin(input.deadlineMs, input.operations.map(cleanedUp), options);
    output = {
      results: input.operations.map(({ id }, i) => resultOf(id, settled[i], undefined)),
    };
  } else {
    const [only] = input.operations as [TimedOperation];
    const operation = cleanedUp(only);
    const { innerDeadlineMs } = input;
    // The inner deadline is a timeout inside the outer one's operation, given the outer signal.
    const nested: Operation<string> =
      innerDeadlineMs === undefined
        ? operation
        : (signal) => withTimeout(innerDeadlineMs, operation, { ...options, signal });
    const settled = await settle(withTimeout(input.deadlineMs, nested, options));
    output = { result: resultOf(only.id, settled, innerDeadlineMs) };
  }
  const elapsedNs = clock.now();
  // Every operation that began has cleaned up by now: the call returned only after they had.
  const records = log.records.map((record): TimeoutRecord => {
    const cleanup = cleanups.get(record.id);
    if (cleanup === undefined) throw new Error(`operation ${String(record.id)} did not clean up`);
    return { ...record, ...cleanup };
  });
  const observed: TimeoutObserved = { elapsedNs, operations: records };
  return { output, observed };
}

/**
 * `size` operations with ids `0 .. size-1`, with neither sleep nor cleanup, in a group under
 * `params.deadlineMs`.
 */
export function benchInput(size: number, params: Fields): TimeoutInput {
  const deadlineMs = requireInteger(params.deadlineMs, "params.deadlineMs", 1, MAX_DEADLINE_MS);
  const operations = Array.from({ length: size }, (_, id) => ({
    id,
    sleepMs: 0,
    fail: false,
    cleanupMs: 0,
  }));
  return { kind: "group", deadlineMs, innerDeadlineMs: undefined, operations };
}

/**
 * One measured group, then its self-check: every operation answered in time with its value; the
 * check is their number and the XOR of their values, which are their ids.
 */
export async function bench(input: TimeoutInput): Promise<Measurement> {
  const clock = new Clock();
  const settled = await allWithin(
    input.deadlineMs,
    input.operations.map((operation) => (signal) => runOperation(operation, signal, NOUN)),
  );
  const elapsedNs = clock.now();
  const results = benchResults(settled);
  return { elapsedNs, check: checkBenchResults(results, input.operations.length, 0, NOUN) };
}

export const timeout: PatternParts<TimeoutInput> = { validate, run, benchInput, bench };
