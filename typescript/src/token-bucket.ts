/**
 * Token bucket: bursts up to the bucket's size, then a steady rate. These are the semantics of
 * Go's `golang.org/x/time/rate`: `decide` is its `Allow`, `reserve` its `Reserve`, and a
 * `Limiter` (`rate-limit.ts`) over a `TokenBucket` its `Wait`. On Node, `bottleneck`'s
 * reservoir and the `limiter` package's `TokenBucket` are the well-kept ones.
 *
 * Tokens are counted in credits so that a fractional token is still an integer: one token
 * costs `every` credits and each tick adds `tokens`, so the rate `tokens / every` per tick is
 * exact whatever the two numbers are (1 token every 2500 ms is 2 credits short of a token
 * after 2498 ms, not 0.9992 of a token rounded somewhere).
 *
 * @module
 */

import { requirePositive, Schedule } from "./rate-limit.js";

// --8<-- [start:token-bucket]
/** A bucket of `burst` tokens, starting full, refilled by `tokens` every `every` ticks. */
export class TokenBucket extends Schedule {
  // Credits are BigInts: live, a tick is a nanosecond, and a bucket of a million tokens that
  // refills once a day holds 8.64e19 credits, past the 2^53 a double counts exactly.
  readonly #tokens: bigint;
  readonly #cost: bigint;
  readonly #capacity: bigint;
  #credits: bigint;
  #last: number | undefined; // the bucket starts full at the first request

  constructor(tokens: number, every: number, burst: number) {
    super();
    requirePositive("tokens", tokens);
    requirePositive("every", every);
    requirePositive("burst", burst);
    this.#tokens = BigInt(tokens);
    this.#cost = BigInt(every);
    this.#capacity = BigInt(burst) * this.#cost;
    this.#credits = this.#capacity;
  }

  protected wait(now: number): number {
    if (this.#last !== undefined) {
      // The cap is what makes a long idle period earn at most a full bucket, not a burst the
      // size of the idle time.
      const refilled = this.#credits + BigInt(now - this.#last) * this.#tokens;
      this.#credits = refilled < this.#capacity ? refilled : this.#capacity;
    }
    this.#last = now;
    // Credits below zero are tokens already promised to earlier reservations: the next caller
    // waits for those to be refilled as well as its own. Rounding up, the wait is the first
    // whole tick at which the bucket holds a full token, never one tick too early.
    const missing = this.#cost - this.#credits;
    return missing > 0n ? Number((missing + this.#tokens - 1n) / this.#tokens) : 0;
  }

  protected take(): void {
    // Taken now even for an admission in the future: the refill up to then is what pays for
    // it, and the next `wait` counts that refill from `now`, so nothing is paid twice.
    this.#credits -= this.#cost;
  }
}
// --8<-- [end:token-bucket]
