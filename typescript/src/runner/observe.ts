/**
 * The observation recorder: what the harness uses to prove concurrency instead of trusting it.
 * It wraps a job function, so the concurrency code itself knows nothing about observation.
 *
 * Times come from `process.hrtime.bigint()`, Node's monotonic clock, in nanoseconds since the
 * start of the measured region, and are reported as numbers: a double holds whole nanoseconds
 * exactly for over 100 days.
 *
 * @module
 */

import { NS_PER_MS, sleepUntil as sleepUntilNs } from "../clock.js";

/** What every run observes: the length of the measured region. Each pattern adds its own. */
export interface Observed {
  readonly elapsedNs: number;
}

export interface JobEvent {
  readonly id: number | string;
  readonly startNs: number;
  readonly endNs: number;
}

/** Jobs run with a bound on how many are in flight: the worker pool and scatter-gather. */
export interface PoolObserved extends Observed {
  readonly maxInFlight: number;
  readonly events: readonly JobEvent[];
}

/** Nanoseconds since the clock was created, on the monotonic clock. */
export class Clock {
  readonly #origin = process.hrtime.bigint();

  now(): number {
    return Number(process.hrtime.bigint() - this.#origin);
  }
}

/** Sleeps until `ms` after the clock's start; a timer that fires early is slept again. */
export function sleepUntil(clock: Clock, ms: number): Promise<void> {
  return sleepUntilNs(ms * NS_PER_MS, () => clock.now());
}

export class Recorder {
  readonly #clock = new Clock();
  readonly #events: JobEvent[] = [];
  #inFlight = 0;
  #maxInFlight = 0;

  /** Nanoseconds since the recorder was created. */
  now(): number {
    return this.#clock.now();
  }

  /** How many jobs are in flight now: zero once a pool has stopped every job it started. */
  get running(): number {
    return this.#inFlight;
  }

  /**
   * Wraps `fn` so that every call is recorded as one event. The counter is raised before
   * `startNs` is taken and lowered after `endNs` is: each interval lies inside the time its job
   * held a slot, so the intervals never show more jobs in flight than there really were.
   */
  observe<J, R>(
    idOf: (job: J) => number | string,
    fn: (job: J, signal: AbortSignal) => Promise<R>,
  ): (job: J, signal: AbortSignal) => Promise<R> {
    return async (job, signal) => {
      this.#inFlight += 1;
      this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
      const startNs = this.now();
      try {
        return await fn(job, signal);
      } finally {
        this.#events.push({ id: idOf(job), startNs, endNs: this.now() });
        this.#inFlight -= 1;
      }
    };
  }

  /** Ends the measured region. */
  finish(): PoolObserved {
    return { elapsedNs: this.now(), maxInFlight: this.#maxInFlight, events: this.#events };
  }
}
