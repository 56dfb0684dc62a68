/**
 * The observation recorder: what the harness uses to prove concurrency instead of trusting it.
 * It wraps a job function, so the concurrency code itself knows nothing about observation.
 *
 * Times come from `process.hrtime.bigint()`, Node's monotonic clock, in nanoseconds since the
 * recorder was created, and are reported as numbers: a double holds whole nanoseconds exactly
 * for over 100 days.
 *
 * @module
 */

export interface JobEvent {
  readonly id: number | string;
  readonly startNs: number;
  readonly endNs: number;
}

export interface Observed {
  readonly elapsedNs: number;
  readonly maxInFlight: number;
  readonly events: readonly JobEvent[];
}

export class Recorder {
  readonly #origin = process.hrtime.bigint();
  readonly #events: JobEvent[] = [];
  #inFlight = 0;
  #maxInFlight = 0;

  /** Nanoseconds since the recorder was created. */
  now(): number {
    return Number(process.hrtime.bigint() - this.#origin);
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
  finish(): Observed {
    return { elapsedNs: this.now(), maxInFlight: this.#maxInFlight, events: this.#events };
  }
}
