/**
 * Timeout: an operation, or a group of them, under a deadline. On time, the result is kept; late,
 * the operation is cancelled through its `AbortSignal`, and the caller gets a `TimeoutError` that
 * cannot be mistaken for the operation's own error. Deadlines nest: an operation under an outer
 * deadline and an inner one is stopped by whichever comes first, and that one is reported.
 *
 * In production, `AbortSignal.timeout(ms)` is the one-line deadline and `AbortSignal.any` nests
 * it in an enclosing signal; `p-timeout` wraps a promise the same way. This module builds its
 * deadline from `DueTimer` (`clock.ts`) instead, for two reasons that a cookbook which checks
 * every stamp cannot ignore: `AbortSignal.timeout`'s timer cannot be cleared, so a call that
 * finishes early leaves it pending for the whole deadline, and it counts whole milliseconds of the
 * event loop's cached time, so it can fire up to a millisecond before the deadline on the
 * monotonic clock. The nesting is still `AbortSignal.any`'s.
 *
 * @module
 */

import { setMaxListeners } from "node:events";

import { DueTimer, monotonicNs, NS_PER_MS } from "./clock.js";

/** The deadline's own error: distinct by class from anything the operation throws. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";

  constructor(readonly ms: number) {
    super(`the deadline of ${String(ms)} ms was exceeded`);
  }
}

export type Operation<T> = (signal: AbortSignal) => Promise<T>;

export interface TimeoutOptions {
  /** The caller's own cancellation, an enclosing deadline's included. */
  readonly signal?: AbortSignal;
  /** Nanoseconds that never go back: the monotonic clock by default, virtual time in tests. */
  readonly clock?: () => number;
}

// --8<-- [start:timeout]
/**
 * Runs `operation` with a signal that aborts `ms` from now, or when `options.signal` does. If this
 * deadline is what stopped it, rejects with a `TimeoutError`; otherwise settles as the operation
 * did, its own error included, and an enclosing deadline's abort is passed on for that deadline
 * to claim.
 *
 * It never returns while the operation is running. Aborting a signal only asks: the operation
 * stops when it next looks, and its `finally` blocks run to their end, since nothing in
 * JavaScript can interrupt an `await` from outside. That is where its cleanup belongs, on success,
 * failure and cancellation alike; it must not wait on the aborted signal itself, or it would end
 * at once.
 */
export async function withTimeout<T>(
  ms: number,
  operation: Operation<T>,
  options: TimeoutOptions = {},
): Promise<T> {
  // One operation is a group of one.
  const [result] = (await allWithin(ms, [operation], options)) as [PromiseSettledResult<T>];
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

/**
 * Starts every operation at once under the one deadline, and settles, as `Promise.allSettled`
 * does, with one result per operation in input order once every one has stopped: those that
 * finished in time keep their value or their error; those the deadline stopped are rejected with
 * a `TimeoutError`. Unlike a `Promise.race` against a timer, it does not stop waiting at the
 * deadline and leave the late operations running: it cancels them and waits for them to end.
 */
export async function allWithin<T>(
  ms: number,
  operations: readonly Operation<T>[],
  { signal: enclosing, clock = monotonicNs() }: TimeoutOptions = {},
): Promise<PromiseSettledResult<T>[]> {
  // One controller and one timer for the group, however many operations share them.
  const timeout = new TimeoutError(ms);
  const deadline = new AbortController();
  const timer = new DueTimer(clock, () => {
    deadline.abort(timeout);
  });
  timer.set(clock() + ms * NS_PER_MS);
  // Under an enclosing signal, the operations stop at whichever aborts first, and
  // `AbortSignal.any` keeps that first reason: the signal's reason tells which deadline it was.
  const signal =
    enclosing === undefined ? deadline.signal : AbortSignal.any([enclosing, deadline.signal]);
  // Every operation listens on this one signal: more listeners than Node's warning threshold
  // of 10 is the design here, not a leak.
  setMaxListeners(operations.length + 1, signal);
  try {
    return await Promise.allSettled(
      operations.map(async (operation) => {
        try {
          return await operation(signal);
        } catch (error) {
          throw abortedFor(error, timeout) ? timeout : error;
        }
      }),
    );
  } finally {
    // Whatever ended the operations, the timer has nothing left to stop.
    timer.set(undefined);
  }
}

/**
 * Whether `error` is an operation giving way to an abort for `reason`: the reason itself, as
 * `signal.throwIfAborted()` and `fetch` reject, or an `AbortError` caused by it, as Node's own
 * APIs (`timers/promises`, `events.once`, streams) reject. An operation that failed on its own,
 * even after the deadline, keeps its error.
 */
function abortedFor(error: unknown, reason: unknown): boolean {
  return error === reason || (error instanceof Error && error.cause === reason);
}
// --8<-- [end:timeout]
