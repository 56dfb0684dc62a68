/**
 * Sliding-window log: at most `limit` admissions in any window of `window` ticks. On Node,
 * `rate-limiter-flexible` and `bottleneck` are the well-kept limiters (`rate-limit.ts`); a log
 * like this one is what a sliding window means when every admission must be counted exactly.
 * A fixed-window counter is cheaper (one integer per window) but lets twice the limit through
 * across a boundary: `limit` requests at the end of one window and `limit` more at the start
 * of the next.
 *
 * @module
 */

import { requirePositive, Schedule } from "./rate-limit.js";

/** Once this many entries have left the front of the log, the array is compacted. */
const COMPACT_AFTER = 1024;

// --8<-- [start:sliding-window]
/**
 * Admission times, oldest first; an admission at `a` is in the window at `t` while
 * `t - a < window`, so it leaves the window exactly `window` ticks later.
 */
export class SlidingWindowLog extends Schedule {
  readonly #limit: number;
  readonly #window: number;
  // Only the `limit` most recent admissions can decide anything: the next one must wait until
  // the oldest of them leaves the window. Older ones are dropped, so the log's memory is bounded
  // by `limit`, not by the rate of requests. The live entries are `#log[#head ..]`.
  #log: number[] = [];
  #head = 0;

  constructor(limit: number, window: number) {
    super();
    requirePositive("limit", limit);
    requirePositive("window", window);
    this.#limit = limit;
    this.#window = window;
  }

  protected wait(now: number): number {
    let oldest = this.#log[this.#head];
    while (oldest !== undefined && now - oldest >= this.#window) {
      this.#head += 1;
      oldest = this.#log[this.#head];
    }
    // Reservations are logged at their admission time, which may be in the future: a new one
    // never goes before the last (first come, first served), and when the log is full it waits
    // for the oldest of the last `limit` to leave the window.
    let at = now;
    const newest = this.#log.at(-1);
    if (oldest !== undefined && newest !== undefined) {
      at = Math.max(at, newest);
      if (this.#log.length - this.#head === this.#limit) at = Math.max(at, oldest + this.#window);
    }
    return at - now;
  }

  protected take(at: number): void {
    // Denied requests never get here: only admissions count against the limit, so a caller
    // that keeps retrying does not lock itself out for longer.
    this.#log.push(at);
    if (this.#log.length - this.#head > this.#limit) this.#head += 1;
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#log.length) {
      this.#log = this.#log.slice(this.#head);
      this.#head = 0;
    }
  }
}
// --8<-- [end:sliding-window]
