/**
 * First completed as the runner serves it (docs/patterns/first-completed.md): `race`, `any` or
 * `hedge` over operations that sleep, then fail or answer; the benchmark makes calls of `any`.
 *
 * @module
 */

import { any, hedge, race, type Operation } from "../first-completed.js";
import { work } from "../work.js";
import {
  indexPath,
  requireArrayLength,
  requireChoice,
  requireInteger,
  requireObject,
  type Fields,
} from "./fields.js";
import { JobFailedError, xorDigest } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import {
  OperationLog,
  runOperation,
  validateOperation,
  type Operation as Simulated,
  type OperationRecord,
} from "./operations.js";
import {
  SelfCheckError,
  type CaseResult,
  type Measurement,
  type PatternParts,
} from "./protocol.js";

const MODES = ["race", "any", "hedge"] as const;
const MAX_OPERATIONS = 1_000;
const MAX_HEDGE_AFTER_MS = 60_000;
const NOUN = "operation";

export type FirstCompletedInput =
  | { readonly mode: "race" | "any"; readonly operations: readonly Simulated[] }
  | {
      readonly mode: "hedge";
      readonly operations: readonly [Simulated, Simulated];
      readonly hedgeAfterMs: number;
    };

export interface FirstCompletedObserved extends Observed {
  readonly operations: readonly OperationRecord[];
}

/** An operation's answer as the protocol writes it. */
type Answer =
  { readonly id: number; readonly value: string } | { readonly id: number; readonly error: string };

type Output =
  | { readonly first: Answer; readonly hedged?: boolean }
  | { readonly errors: readonly string[]; readonly hedged?: boolean };

/**
 * `mode`, `operations` (1 to 1000, or exactly the primary and the backup for `hedge`), each
 * operation (itself, `id`, `sleepMs`, `fail`), then `hedgeAfterMs` for `hedge` alone.
 */
export function validate(input: Fields): FirstCompletedInput {
  const mode = requireChoice(input.mode, "mode", MODES);
  const [least, most] = mode === "hedge" ? [2, 2] : [1, MAX_OPERATIONS];
  const seen = new Map<number, string>();
  const operations = requireArrayLength(input.operations, "operations", least, most).map(
    (value, i) => {
      const path = indexPath("operations", i);
      return validateOperation(requireObject(value, path), path, seen);
    },
  );
  if (mode !== "hedge") return { mode, operations };
  const hedgeAfterMs = requireInteger(input.hedgeAfterMs, "hedgeAfterMs", 1, MAX_HEDGE_AFTER_MS);
  return { mode, operations: operations as [Simulated, Simulated], hedgeAfterMs };
}

/** The operation's own failure, as the protocol writes it; anything else is a bug. */
function failureOf(error: unknown): Answer {
  if (error instanceof JobFailedError) return { id: error.id, error: error.message };
  throw error;
}

/** Every operation's error, in input order, from the `AggregateError` that `any` rejects with. */
function errorsOf(error: unknown): string[] {
  if (!(error instanceof AggregateError)) throw error;
  return error.errors.map((one: unknown) => {
    if (one instanceof JobFailedError) return one.message;
    throw one;
  });
}

async function answer(
  input: FirstCompletedInput,
  clock: Clock,
  log: OperationLog,
): Promise<Output> {
  // Each operation answers with its id, and its failure names it (`JobFailedError.id`).
  const operations = input.operations.map((operation): Operation<Answer> =>
    log.observe(operation.id, async (signal) => ({
      id: operation.id,
      value: await runOperation(operation, signal, NOUN),
    })),
  );
  switch (input.mode) {
    case "race":
      try {
        return { first: await race(operations) };
      } catch (error) {
        return { first: failureOf(error) };
      }
    case "any":
      try {
        return { first: await any(operations) };
      } catch (error) {
        return { errors: errorsOf(error) };
      }
    case "hedge": {
      const [primary, backup] = operations as [Operation<Answer>, Operation<Answer>];
      try {
        const { value, hedged } = await hedge(primary, backup, input.hedgeAfterMs, {
          clock: () => clock.now(),
        });
        return { first: value, hedged };
      } catch (error) {
        // Both failed, so the backup was sent: a failed primary sends it at once.
        return { errors: errorsOf(error), hedged: true };
      }
    }
  }
}

export async function run(input: FirstCompletedInput): Promise<CaseResult> {
  const clock = new Clock();
  const log = new OperationLog(clock);
  const output = await answer(input, clock, log);
  const observed: FirstCompletedObserved = { elapsedNs: clock.now(), operations: log.records };
  return { output, observed };
}

export interface FirstCompletedBench {
  readonly calls: number;
  /** Every one fails but the last. */
  readonly operations: readonly Simulated[];
}

/** `size` calls of `any`, each over `params.operations` operations that do not sleep. */
export function benchInput(size: number, params: Fields): FirstCompletedBench {
  const count = requireInteger(params.operations, "params.operations", 1, MAX_OPERATIONS);
  const operations = Array.from({ length: count }, (_, id) => ({
    id,
    sleepMs: 0,
    fail: id < count - 1,
  }));
  return { calls: size, operations };
}

/**
 * The calls one after the other, measured, then the self-check: every call answered with the
 * last operation, the only one to succeed; the digest is the XOR of the winners' values, their
 * ids.
 */
export async function bench(input: FirstCompletedBench): Promise<Measurement> {
  const operations = input.operations.map(
    (operation) => (signal: AbortSignal) => runOperation(operation, signal, NOUN),
  );
  const clock = new Clock();
  const winners: string[] = [];
  for (let call = 0; call < input.calls; call++) winners.push(await any(operations));
  const elapsedNs = clock.now();
  const want = work(input.operations.length - 1, 0);
  const wrong = winners.findIndex((winner) => winner !== want);
  if (wrong !== -1) {
    throw new SelfCheckError(
      `call ${String(wrong)} answered ${String(winners[wrong])}, expected ${want}`,
    );
  }
  return { elapsedNs, check: { count: winners.length, digest: xorDigest(winners) } };
}

export const firstCompleted: PatternParts<FirstCompletedInput, FirstCompletedBench> = {
  validate,
  run,
  benchInput,
  bench,
};
