/**
 * Circuit breaker: after too many failures in a short window, stop calling. The breaker opens
 * and calls fail fast without running, sparing a struggling dependency; after a while it lets a
 * few trial calls through (half-open), and closes if they succeed or opens again if one fails.
 *
 * In production, reach for `opossum`: a breaker around a promise-returning function, with
 * `errorThresholdPercentage` over a rolling window, `resetTimeout` for the open period, and an
 * event for each change of state.
 *
 * Like the rate limiters (`rate-limit.ts`), this is written in two halves: `Breaker`, the
 * decision core, told each call's arrival and each result, in integer ticks, with no clock; and
 * `CircuitBreaker`, the live breaker, which asks the core before it runs a call and tells it the
 * result when the call ends, both on the real clock.
 *
 * @module
 */

import { monotonicNs, NS_PER_MS } from "./clock.js";
import { requirePositive } from "./rate-limit.js";

export type State = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** This many failures within `window` open the breaker. */
  readonly failureThreshold: number;
  readonly window: number;
  /** How long the breaker stays open before it lets probes through. */
  readonly open: number;
  /** This many probes succeeding close it; no more than this many run at once. */
  readonly halfOpenProbes: number;
}

/** A call the core let through: hand it back with the call's result. */
export interface Ticket {
  readonly generation: number;
}

// --8<-- [start:circuit-breaker]
/**
 * The decision core. Times are safe integers in non-decreasing ticks (milliseconds on data,
 * nanoseconds live), so every decision is exact; `onChange` is told each change of state and
 * the time it happened at.
 */
export class Breaker {
  readonly #options: BreakerOptions;
  readonly #onChange: (to: State, at: number) => void;
  #state: State = "closed";
  // Bumped by every change: a result from a call let through before the change is stale, and
  // must not count in the new state (a slow call from the closed state is no probe).
  #generation = 0;
  // The times of the latest failures while closed, oldest first: only the last
  // `failureThreshold` can ever open the breaker, so no more are kept.
  #failures: number[] = [];
  #openedAt = 0;
  #probesRunning = 0;
  #probesSucceeded = 0;

  constructor(
    options: BreakerOptions,
    onChange: (to: State, at: number) => void = () => undefined,
  ) {
    requirePositive("failureThreshold", options.failureThreshold);
    requirePositive("window", options.window);
    requirePositive("open", options.open);
    requirePositive("halfOpenProbes", options.halfOpenProbes);
    this.#options = options;
    this.#onChange = onChange;
  }

  get state(): State {
    return this.#state;
  }

  /** A call arrives at `now`: its ticket if it may run, or `undefined` if it is rejected. */
  admit(now: number): Ticket | undefined {
    const { open, halfOpenProbes } = this.#options;
    // The open period ends at its own instant, not at the call that notices it: the change is
    // dated when it happened, before the call arriving then is decided.
    if (this.#state === "open" && now - this.#openedAt >= open) {
      this.#change("half-open", this.#openedAt + open);
    }
    if (this.#state === "open") return undefined;
    if (this.#state === "half-open") {
      // Only a few probes at once: letting every waiting caller through would hand the
      // recovering dependency its full load again.
      if (this.#probesRunning === halfOpenProbes) return undefined;
      this.#probesRunning += 1;
    }
    return { generation: this.#generation };
  }

  /** The call let through with `ticket` ended at `now`, failed or not. */
  record(ticket: Ticket, now: number, failed: boolean): void {
    if (ticket.generation !== this.#generation) return;
    const { failureThreshold, window, halfOpenProbes } = this.#options;
    if (this.#state === "half-open") {
      this.#probesRunning -= 1;
      if (failed) {
        this.#trip(now);
        return;
      }
      this.#probesSucceeded += 1;
      if (this.#probesSucceeded === halfOpenProbes) {
        // Closing forgets the failures from before: they are what opened it, and counting them
        // again would open it on the first new failure.
        this.#failures = [];
        this.#change("closed", now);
      }
      return;
    }
    if (!failed) return;
    this.#failures.push(now);
    if (this.#failures.length > failureThreshold) this.#failures.shift();
    // Failures age out of the window: a count that is never reset or never forgets opens the
    // breaker on failures long past, after the dependency has recovered.
    const oldest = this.#failures[0] ?? now;
    if (this.#failures.length === failureThreshold && now - oldest < window) this.#trip(now);
  }

  #trip(now: number): void {
    this.#openedAt = now;
    this.#change("open", now);
  }

  #change(to: State, at: number): void {
    this.#state = to;
    this.#generation += 1;
    this.#probesRunning = 0;
    this.#probesSucceeded = 0;
    this.#onChange(to, at);
  }
}

/** What a call the breaker rejected rejects with: it never ran. */
export class CircuitOpenError extends Error {
  override readonly name = "CircuitOpenError";

  /** `at`: when the breaker decided, on its clock. */
  constructor(readonly at: number) {
    super("the circuit is open: the call was not made");
  }
}

export interface CircuitBreakerOptions {
  readonly failureThreshold: number;
  readonly windowMs: number;
  readonly openMs: number;
  readonly halfOpenProbes: number;
  /** Told each change of state and its instant on `clock`. */
  readonly onChange?: (to: State, at: number) => void;
  /** Answers nanoseconds, never going back; the monotonic clock by default. */
  readonly clock?: () => number;
}

/** `await breaker.call(fn)`: runs `fn` if the breaker lets it through. */
export class CircuitBreaker {
  readonly #core: Breaker;
  readonly #clock: () => number;

  constructor({ windowMs, openMs, onChange, clock, ...counts }: CircuitBreakerOptions) {
    this.#core = new Breaker(
      { ...counts, window: windowMs * NS_PER_MS, open: openMs * NS_PER_MS },
      onChange,
    );
    this.#clock = clock ?? monotonicNs();
  }

  get state(): State {
    return this.#core.state;
  }

  /**
   * Runs `fn`, handed the instant it was let through, and settles as it does; or rejects with a
   * `CircuitOpenError` at once, without running it. Every error `fn` throws counts as a failure.
   *
   * No lock: the clock is read, the core decides and `fn` starts without an `await` in between,
   * so no other caller on this thread can change the state in the middle. (Checking the state,
   * awaiting anything, then calling would let a call through a breaker opened meanwhile.) The
   * result is told to the core when the call ends, on the clock read then.
   */
  async call<T>(fn: (at: number) => Promise<T>): Promise<T> {
    const at = this.#clock();
    const ticket = this.#core.admit(at);
    if (ticket === undefined) throw new CircuitOpenError(at);
    let failed = true;
    try {
      const value = await fn(at);
      failed = false;
      return value;
    } finally {
      this.#core.record(ticket, this.#clock(), failed);
    }
  }
}
// --8<-- [end:circuit-breaker]
