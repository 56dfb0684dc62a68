/**
 * Retry with backoff: a failing call is tried again after a delay that grows by a factor each
 * time, up to a cap, with jitter so that many clients do not retry in step. It stops at a
 * maximum of attempts or at an overall deadline, and at once on a fatal error.
 *
 * In production, reach for `p-retry`: `retries`, `factor`, `minTimeout` and `maxTimeout` are
 * this policy, an `AbortError` thrown by the attempt is the fatal error, and `signal` ends the
 * waiting. Its jitter (`randomize`) draws from `Math.random`, which is right for clients and
 * wrong for a cookbook whose every language must compute the same schedule.
 *
 * Like the rate limiters (`rate-limit.ts`), this is written in two halves: `Backoff`, the
 * decision core, which answers after each attempt when the next one starts or how the call
 * ends, in integer ticks and with a deterministic generator for the jitter; and `retry`, the
 * live loop, which runs the attempts and sleeps on the real clock until the core's answer.
 *
 * @module
 */

import { monotonicNs, NS_PER_MS, sleepUntil } from "./clock.js";
import { requirePositive } from "./rate-limit.js";
import { workBigInt } from "./work.js";

export type Jitter = "none" | "full" | "equal" | "decorrelated";

/** How a failed attempt failed: worth another attempt, or not. */
export type Failure = "retryable" | "fatal";

/** Why a call gave up: a fatal error, or no attempts or no time left for another. */
export type GaveUp = "fatal" | "exhausted" | "deadline";

export interface RetryPolicy {
  readonly baseMs: number;
  readonly factor: number;
  readonly capMs: number;
  readonly maxAttempts: number;
  /** No attempt starts later than this after the first; without it, no deadline. */
  readonly deadlineMs?: number | undefined;
  readonly jitter: Jitter;
  readonly seed?: number | undefined;
}

/** The core's answer after a failed attempt: when the next one starts, or why the call ends. */
export type Step = { readonly retryAt: number } | { readonly gaveUp: GaveUp };

// --8<-- [start:retry]
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

/**
 * Draw `n` of a generator seeded with `seed`: one splitmix64 step (`work(x, 1)`) of
 * `seed + n * GOLDEN_GAMMA`, in unsigned 64-bit arithmetic. Each draw is computed from its own
 * number rather than from the draw before, so a schedule can be recomputed from any point, by
 * any language, bit for bit. The 64 bits need a BigInt: a double holds only 53.
 */
function draw(seed: bigint, n: number): bigint {
  return workBigInt(BigInt.asUintN(64, seed + BigInt(n) * GOLDEN_GAMMA), 1);
}

/**
 * The decision core. Attempt 1 starts at time 0; a success ends the call, and after each failed
 * attempt the core is told how it failed and when it ended, and answers when the next attempt
 * starts or why the call gives up. Times are integer ticks, `ticksPerMs` to a millisecond (1 on
 * data, `NS_PER_MS` live); delays are computed in whole milliseconds, so the schedule is the
 * same on either clock.
 */
export class Backoff {
  readonly #policy: RetryPolicy;
  readonly #ticksPerMs: number;
  readonly #seed: bigint;
  #attempts = 1;
  #draws = 0;
  // e_k = min(cap, base * factor^(k-1)), kept as a running product that stops growing at the
  // cap: `base * factor ** (k - 1)` itself is 60000 * 10^39 by attempt 40, far past what a
  // double counts exactly, and past every machine integer.
  #exponential: number;
  #previous: number; // the last delay, which decorrelated jitter grows from

  constructor(policy: RetryPolicy, ticksPerMs = 1) {
    requirePositive("factor", policy.factor);
    requirePositive("maxAttempts", policy.maxAttempts);
    for (const name of ["baseMs", "capMs"] as const) {
      // A delay may be zero (retry at once), never negative.
      if (!Number.isSafeInteger(policy[name]) || policy[name] < 0) {
        throw new RangeError(`${name} must be a non-negative integer, got ${String(policy[name])}`);
      }
    }
    this.#policy = policy;
    this.#ticksPerMs = ticksPerMs;
    this.#seed = BigInt(policy.seed ?? 0);
    this.#exponential = Math.min(policy.capMs, policy.baseMs);
    this.#previous = policy.baseMs;
  }

  /** How many attempts have started. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The latest attempt failed at `now`: when the next one starts, or why the call gives up. */
  next(failure: Failure, now: number): Step {
    if (failure === "fatal") return { gaveUp: "fatal" };
    // Attempts, not retries: `maxAttempts` 3 is the first try and two more, and no delay is
    // slept after the last one, which nothing would follow.
    if (this.#attempts === this.#policy.maxAttempts) return { gaveUp: "exhausted" };
    const retryAt = now + this.#delayMs() * this.#ticksPerMs;
    // Checked before sleeping, against when the attempt would start: an attempt that would
    // start after the deadline is never slept for, and never started.
    const { deadlineMs } = this.#policy;
    if (deadlineMs !== undefined && retryAt > deadlineMs * this.#ticksPerMs) {
      return { gaveUp: "deadline" };
    }
    this.#attempts += 1;
    return { retryAt };
  }

  #delayMs(): number {
    const { baseMs, factor, capMs, jitter } = this.#policy;
    const exponential = this.#exponential;
    this.#exponential = Math.min(capMs, exponential * factor);
    // The jitter draws inside the capped delay, never on top of it: `cap + random` would go
    // past the cap that was meant to bound the wait.
    switch (jitter) {
      case "none":
        return exponential;
      case "full":
        return this.#rand(0, exponential);
      case "equal": {
        const half = Math.floor(exponential / 2);
        return half + this.#rand(0, exponential - half);
      }
      case "decorrelated": {
        // AWS's "decorrelated jitter": up to three times the last delay, so it spreads out as
        // fast as the exponential would, without the factor.
        const delay = Math.min(capMs, this.#rand(baseMs, Math.max(baseMs, 3 * this.#previous)));
        this.#previous = delay;
        return delay;
      }
    }
  }

  /** `lo + u mod (hi - lo + 1)` for the call's next draw `u`: an integer from `lo` to `hi`. */
  #rand(lo: number, hi: number): number {
    const u = draw(this.#seed, this.#draws);
    this.#draws += 1;
    return lo + Number(u % BigInt(hi - lo + 1));
  }
}

/** A call that did not succeed: why it gave up, after how many attempts, and the last error. */
export class RetryError extends Error {
  override readonly name = "RetryError";

  constructor(
    readonly gaveUp: GaveUp,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`gave up after ${String(attempts)} attempts (${gaveUp})`, { cause });
  }
}

export interface RetryOptions {
  /**
   * Whether an attempt's error is worth another attempt. It is the caller's to say: a 503 or a
   * reset connection is, a 400 or a bug is not, and retrying those only repeats the failure.
   */
  readonly retryable: (error: unknown) => boolean;
  /** Aborting ends the wait between attempts at once, rejecting with an `AbortError`. */
  readonly signal?: AbortSignal;
  /** Answers nanoseconds, never going back; the monotonic clock by default. */
  readonly clock?: () => number;
}

/**
 * Calls `attempt` (numbered from 1) until it resolves, and resolves with its value; rejects with
 * a `RetryError`, whose `cause` is the last error, when an error is fatal or the policy gives
 * up. Each delay runs from the end of the attempt before, on the real clock, and the deadline
 * from the start of the call.
 */
export async function retry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  { retryable, signal, clock = monotonicNs() }: RetryOptions,
): Promise<T> {
  const backoff = new Backoff(policy, NS_PER_MS);
  const start = clock();
  for (;;) {
    let error: unknown;
    try {
      return await attempt(backoff.attempts);
    } catch (caught) {
      error = caught;
    }
    const step = backoff.next(retryable(error) ? "retryable" : "fatal", clock() - start);
    if ("gaveUp" in step) throw new RetryError(step.gaveUp, backoff.attempts, error);
    await sleepUntil(start + step.retryAt, clock, signal);
  }
}
// --8<-- [end:retry]
