/**
 * The real clock, as the live halves of the time-driven decision cores read it (retry, throttle,
 * debounce, the circuit breaker): nanoseconds on the monotonic clock, a sleep until an instant
 * on that clock, and one timer for a due time that keeps moving.
 *
 * A decision core never reads a clock: it is told the time. Its live half reads the clock it was
 * given, tells the core, and sleeps or arms a timer for the instant the core answers. Each live
 * half takes its clock as a parameter, the monotonic clock by default, so that tests can drive it
 * on virtual time and the runner on the clock its observations are stamped with.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

export const NS_PER_MS = 1_000_000;

/** A clock that answers nanoseconds since this call, on the monotonic clock, as a safe integer. */
export function monotonicNs(): () => number {
  const origin = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - origin);
}

/**
 * A timer counts whole milliseconds from the event loop's cached time, which lags the monotonic
 * clock, so it can fire up to a millisecond before the instant it was set for: the wait is
 * rounded up, and whoever it wakes reads the clock again before trusting it.
 */
function msUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / NS_PER_MS));
}

/**
 * Sleeps until `clock` reads `at` or later. Aborting `signal` ends the sleep at once, rejecting
 * with an `AbortError`, and clears its timer.
 */
export async function sleepUntil(
  at: number,
  clock: () => number,
  signal?: AbortSignal,
): Promise<void> {
  for (let now = clock(); now < at; now = clock()) {
    await sleep(msUntil(at, now), undefined, { signal });
  }
}

/**
 * One timer for a due time that moves, as a throttle's window end or a debouncer's quiet period:
 * `set(at)` arms it for the instant `at` on `clock`, replacing whatever it was armed for, and
 * `set(undefined)` clears it. Once the clock has reached that instant, `onDue` is called; a timer
 * that fired early is armed again for what is left. At most one timer is pending at any time,
 * and none once it is cleared, so a timer never outlives what it was set for.
 */
export class DueTimer {
  readonly #clock: () => number;
  readonly #onDue: () => void;
  #timer: NodeJS.Timeout | undefined;
  #at: number | undefined;

  constructor(clock: () => number, onDue: () => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  set(at: number | undefined): void {
    // The same due time keeps the timer already armed: most calls leave the window's end alone.
    if (at === this.#at) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = at;
    if (at !== undefined) this.#arm(at);
  }

  #arm(at: number): void {
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (this.#clock() < at) {
          this.#arm(at);
          return;
        }
        this.#at = undefined;
        this.#onDue();
      },
      msUntil(at, this.#clock()),
    );
  }
}
