/**
 * Rate limiting on Node: a pure decision core, and the live limiter that callers wait on.
 *
 * In production, reach for a well-kept library: `bottleneck` queues calls under a concurrency
 * bound and a reservoir of tokens (in one process, or shared through Redis), and
 * `rate-limiter-flexible` counts requests per key in memory, Redis or a database, which is what
 * an API server needs to refuse a client that goes too fast.
 *
 * This module writes the two halves out so that each can be read and tested on its own:
 *
 * - `Schedule`, the decision core: integers in, integers out, no clock and no I/O. A token
 *   bucket (`token-bucket.ts`) and a sliding-window log (`sliding-window.ts`) are two schedules.
 *   The same core answers "admit or deny" for arrival times given as data (`decide`) and hands
 *   out admission times to live callers (`reserve`), so what the tests prove on data holds live.
 * - `Limiter`, the live limiter: each caller reserves the earliest admission time the schedule
 *   allows, first come, first served, then sleeps until it.
 *
 * Time is an integer number of ticks: milliseconds when deciding on data, nanoseconds live,
 * always a safe integer (nanoseconds are counted from the limiter's start, which keeps them
 * exact for over 100 days). Exact integers, rather than floats, make every decision
 * reproducible to the last tick in any language.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

const NS_PER_MS = 1_000_000;

/** A schedule's parameter: a positive safe integer, or a `RangeError` naming it. */
export function requirePositive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}

// --8<-- [start:schedule]
/** A rate limit's decision core: at each call it is told the time, in non-decreasing ticks. */
export abstract class Schedule {
  #now: number | undefined;

  /**
   * Admits a request arriving at `now` (answers 0) or denies it and answers how many ticks
   * until it would be admitted. A denied request changes nothing.
   */
  decide(now: number): number {
    const wait = this.wait(this.#advance(now));
    if (wait === 0) this.take(now);
    return wait;
  }

  /**
   * Takes the earliest admission the limit allows for a request made at `now`, and returns its
   * time (at or after `now`). It is never refused: the caller waits for its turn.
   */
  reserve(now: number): number {
    const at = now + this.wait(this.#advance(now));
    this.take(at);
    return at;
  }

  #advance(now: number): number {
    // The cores subtract times: a clock that went back would hand out credit never earned.
    if (this.#now !== undefined && now < this.#now) {
      throw new RangeError(`time went back from ${String(this.#now)} to ${String(now)}`);
    }
    this.#now = now;
    return now;
  }

  /** Brings the state up to `now`; the ticks until the next admission can be taken (>= 0). */
  protected abstract wait(now: number): number;

  /** Records an admission at `at`, which is `now` or the time `wait` led to. */
  protected abstract take(at: number): void;
}
// --8<-- [end:schedule]

/** Nanoseconds since this call, on the monotonic clock. */
function monotonicNs(): () => number {
  const origin = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - origin);
}

// --8<-- [start:live-limiter]
/** `await limiter.acquire()`: returns once this caller's turn has come. */
export class Limiter {
  readonly #schedule: Schedule;
  readonly #clock: () => number;

  /**
   * `clock` answers nanoseconds, never going back; by default, the monotonic clock from now.
   * Pass another to decide on a shared clock, or on virtual time in tests.
   */
  constructor(schedule: Schedule, clock: () => number = monotonicNs()) {
    this.#schedule = schedule;
    this.#clock = clock;
  }

  /**
   * Waits for the next admission; returns its time on the limiter's clock.
   *
   * A reservation is spent once taken: a caller that gives up while it sleeps leaves its slot
   * unused. That errs on the safe side (never above the rate) at the cost of throughput;
   * giving slots back would have to undo every later reservation's arithmetic.
   */
  async acquire(): Promise<number> {
    // No lock: the clock read and the reservation run without an `await` in between, so no
    // other caller on this thread can reserve in the middle. Reservations are made in the order
    // callers reach this line, at non-decreasing times, which is what the core requires.
    const at = this.#schedule.reserve(this.#clock());
    // A timer counts whole milliseconds from the event loop's cached time, which lags the
    // monotonic clock, so it can fire up to a millisecond early: never trust one sleep,
    // read the clock again and sleep again until the admission time has come.
    for (let now = this.#clock(); now < at; now = this.#clock()) {
      await sleep(Math.ceil((at - now) / NS_PER_MS));
    }
    return at;
  }
}
// --8<-- [end:live-limiter]
