/**
 * Retry as the runner serves it (docs/patterns/retry.md): `decide` runs the decision core on the
 * outcomes given, in exact integers, and answers the schedule; `live` runs the attempts on the
 * real clock through `retry`; the benchmark computes schedules.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import {
  Backoff,
  retry,
  RetryError,
  type Failure,
  type GaveUp,
  type Jitter,
  type RetryPolicy,
} from "../retry.js";
import {
  fieldPath,
  indexPath,
  optionalBoolean,
  optionalInteger,
  requireArray,
  requireChoice,
  requireInteger,
  requireObject,
  type Fields,
} from "./fields.js";
import { sumDigest } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import {
  SelfCheckError,
  type CaseResult,
  type Measurement,
  type PatternParts,
} from "./protocol.js";

const MAX_BASE_MS = 60_000;
const MAX_FACTOR = 10;
const MAX_CAP_MS = 600_000;
const MAX_ATTEMPTS = 100;
const MAX_DEADLINE_MS = 600_000;
const MAX_ATTEMPT_MS = 60_000;
const JITTERS: readonly Jitter[] = ["none", "full", "equal", "decorrelated"];

/** What attempt `n` (from 1) does: the case's `outcomes`, and success past their end. */
export type Outcome = "ok" | Failure;
const OUTCOMES: readonly Outcome[] = ["ok", "retryable", "fatal"];

export interface RetryInput {
  readonly mode: "decide" | "live";
  readonly policy: RetryPolicy;
  readonly attemptMs: number;
  readonly outcomes: readonly Outcome[];
  readonly fallback: boolean;
}

export interface AttemptEvent {
  readonly attempt: number;
  readonly startNs: number;
  readonly endNs: number;
}

export interface RetryObserved extends Observed {
  readonly attempts: readonly AttemptEvent[];
}

/** The fields of the policy object at `path`, in the documented order. */
function validatePolicy(value: unknown, path: string): RetryPolicy {
  const fields = requireObject(value, path);
  const at = (key: string) => fieldPath(path, key);
  const baseMs = requireInteger(fields.baseMs, at("baseMs"), 0, MAX_BASE_MS);
  const factor = requireInteger(fields.factor, at("factor"), 1, MAX_FACTOR);
  const capMs = requireInteger(fields.capMs, at("capMs"), 0, MAX_CAP_MS);
  const maxAttempts = requireInteger(fields.maxAttempts, at("maxAttempts"), 1, MAX_ATTEMPTS);
  const deadlineMs =
    fields.deadlineMs === undefined
      ? undefined
      : requireInteger(fields.deadlineMs, at("deadlineMs"), 0, MAX_DEADLINE_MS);
  const jitter = requireChoice(fields.jitter, at("jitter"), JITTERS);
  const seed = optionalInteger(fields.seed, at("seed"), 0, Number.MAX_SAFE_INTEGER, 0);
  return { baseMs, factor, capMs, maxAttempts, deadlineMs, jitter, seed };
}

/** `mode`, `policy` (and its fields), `attemptMs`, `outcomes` and each one, then `fallback`. */
export function validate(input: Fields): RetryInput {
  const mode = requireChoice(input.mode, "mode", ["decide", "live"]);
  const policy = validatePolicy(input.policy, "policy");
  const attemptMs = optionalInteger(input.attemptMs, "attemptMs", 0, MAX_ATTEMPT_MS, 0);
  const outcomes = requireArray(input.outcomes, "outcomes").map((outcome, i) =>
    requireChoice(outcome, indexPath("outcomes", i), OUTCOMES),
  );
  const fallback = optionalBoolean(input.fallback, "fallback", false);
  return { mode, policy, attemptMs, outcomes, fallback };
}

interface Schedule {
  /** `undefined` when the last attempt succeeded. */
  readonly gaveUp: GaveUp | undefined;
  readonly startsMs: number[];
}

/** The start of every attempt, on data: each takes `attemptMs`; `outcomeOf(n)` is attempt n's. */
function schedule(
  policy: RetryPolicy,
  attemptMs: number,
  outcomeOf: (attempt: number) => Outcome,
): Schedule {
  const backoff = new Backoff(policy);
  const startsMs = [0];
  for (let start = 0; ;) {
    const outcome = outcomeOf(startsMs.length);
    if (outcome === "ok") return { gaveUp: undefined, startsMs };
    const step = backoff.next(outcome, start + attemptMs);
    if ("gaveUp" in step) return { gaveUp: step.gaveUp, startsMs };
    start = step.retryAt;
    startsMs.push(start);
  }
}

/** The output every mode shares: the fallback stands in for any failure, when there is one. */
function answer(gaveUp: GaveUp | undefined, attempts: number, fallback: boolean) {
  return { outcome: gaveUp ?? "ok", attempts, fellBack: fallback && gaveUp !== undefined };
}

function runDecide({ policy, attemptMs, outcomes, fallback }: RetryInput): CaseResult {
  const clock = new Clock();
  const { gaveUp, startsMs } = schedule(policy, attemptMs, (n) => outcomes[n - 1] ?? "ok");
  const observed: Observed = { elapsedNs: clock.now() };
  return { output: { ...answer(gaveUp, startsMs.length, fallback), startsMs }, observed };
}

/** What a failed attempt throws: only the attempt itself knows whether it is worth retrying. */
class AttemptFailed extends Error {
  override readonly name = "AttemptFailed";

  constructor(
    readonly failure: Failure,
    attempt: number,
  ) {
    super(`attempt ${String(attempt)} failed (${failure})`);
  }
}

/**
 * Each attempt sleeps `attemptMs`, stamped when it begins and when it ends, then succeeds or
 * throws its outcome. The waits between attempts are `retry`'s, on the clock the stamps are
 * read from.
 */
async function runLive({ policy, attemptMs, outcomes, fallback }: RetryInput): Promise<CaseResult> {
  const clock = new Clock();
  const attempts: AttemptEvent[] = [];
  const attempt = async (n: number): Promise<void> => {
    const startNs = clock.now();
    if (attemptMs > 0) await sleep(attemptMs);
    attempts.push({ attempt: n, startNs, endNs: clock.now() });
    const outcome = outcomes[n - 1] ?? "ok";
    if (outcome !== "ok") throw new AttemptFailed(outcome, n);
  };
  let gaveUp: GaveUp | undefined;
  try {
    await retry(attempt, policy, {
      retryable: (error) => error instanceof AttemptFailed && error.failure === "retryable",
      clock: () => clock.now(),
    });
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    gaveUp = error.gaveUp;
  }
  const observed: RetryObserved = { elapsedNs: clock.now(), attempts };
  return { output: answer(gaveUp, attempts.length, fallback), observed };
}

export function run(input: RetryInput): Promise<CaseResult> {
  return input.mode === "live" ? runLive(input) : Promise.resolve(runDecide(input));
}

export interface RetryBench {
  readonly size: number;
  readonly maxAttempts: number;
  readonly jitter: Jitter;
}

/** `size` schedules of attempts that all fail but may be retried. Validates `maxAttempts`, then `jitter`. */
export function benchInput(size: number, params: Fields): RetryBench {
  const maxAttempts = requireInteger(params.maxAttempts, "params.maxAttempts", 1, MAX_ATTEMPTS);
  const jitter = requireChoice(params.jitter, "params.jitter", JITTERS);
  return { size, maxAttempts, jitter };
}

const BENCH_CAP_MS = 1_000;

/**
 * Computation `i` is seeded `i`. With no deadline and every attempt retryable, each one must run
 * out of attempts, every delay within the cap; the check is the number of attempts and the sum
 * of the last starts.
 */
export function bench({ size, maxAttempts, jitter }: RetryBench): Promise<Measurement> {
  const lastStarts = new Array<number>(size).fill(0);
  let attempts = 0;
  const retryable = () => "retryable" as const;
  const clock = new Clock();
  for (let seed = 0; seed < size; seed++) {
    const policy = { baseMs: 10, factor: 2, capMs: BENCH_CAP_MS, maxAttempts, jitter, seed };
    const { gaveUp, startsMs } = schedule(policy, 0, retryable);
    const last = startsMs.at(-1) ?? 0;
    if (gaveUp !== "exhausted" || startsMs.length !== maxAttempts) {
      throw new SelfCheckError(`schedule ${String(seed)} ended ${String(gaveUp)}`);
    }
    if (last > (maxAttempts - 1) * BENCH_CAP_MS) {
      throw new SelfCheckError(`schedule ${String(seed)} waited past its cap`);
    }
    attempts += startsMs.length;
    lastStarts[seed] = last;
  }
  const elapsedNs = clock.now();
  return Promise.resolve({
    elapsedNs,
    check: { count: size, attempts, digest: sumDigest(lastStarts) },
  });
}

export const retryPattern: PatternParts<RetryInput, RetryBench> = {
  validate,
  run,
  benchInput,
  bench,
};
