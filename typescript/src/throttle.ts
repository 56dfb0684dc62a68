/**
 * Throttle: at most one call goes through per interval; the others are dropped, or the latest of
 * them runs when the interval ends (the trailing edge). It bounds how often something expensive
 * runs in answer to a stream of events: a save on every keystroke, a refresh on every scroll.
 *
 * In production, reach for `lodash.throttle(fn, wait, { leading, trailing })`: this page follows
 * its edge options. (Its defaults differ: lodash runs both edges unless told otherwise; here the
 * trailing edge is asked for.)
 *
 * Like the rate limiters (`rate-limit.ts`), this is written in two halves: `Throttle`, the
 * decision core, told every call and the time, in integer ticks, with no clock and no timer; and
 * `throttle`, the live throttle, which feeds the core the real clock and arms one timer for the
 * end of the window while a trailing call is pending.
 *
 * @module
 */

import { DueTimer, monotonicNs, NS_PER_MS } from "./clock.js";
import { requirePositive } from "./rate-limit.js";

export interface Edges {
  /** A call with no window open runs at once (default true). */
  readonly leading?: boolean;
  /** The latest call inside a window runs when the window ends (default false). */
  readonly trailing?: boolean;
}

// --8<-- [start:throttle]
/**
 * The decision core. A window opens with each firing and lasts `interval` ticks; `fire` is
 * handed each call that goes through and the time it fires at. Times are safe integers in
 * non-decreasing ticks (milliseconds on data, nanoseconds live), so every decision is exact.
 */
export class Throttle<T> {
  readonly #interval: number;
  readonly #leading: boolean;
  readonly #trailing: boolean;
  readonly #fire: (call: T, at: number) => void;
  #windowEnd: number | undefined; // while a window is open
  #pending: { readonly call: T } | undefined; // boxed: a pending `undefined` is still a call

  constructor(interval: number, edges: Edges, fire: (call: T, at: number) => void) {
    const { leading = true, trailing = false } = edges;
    requirePositive("interval", interval);
    if (!leading && !trailing) throw new RangeError("a throttle needs a leading or trailing edge");
    this.#interval = interval;
    this.#leading = leading;
    this.#trailing = trailing;
    this.#fire = fire;
  }

  /** When the pending call fires, or `undefined` when none is pending. */
  get dueAt(): number | undefined {
    return this.#pending === undefined ? undefined : this.#windowEnd;
  }

  /**
   * Brings the throttle up to `now`: a window that has ended by then fires its pending call at
   * its end, not at `now`, and that firing opens the next window; a window with none just closes.
   */
  advance(now: number): void {
    while (this.#windowEnd !== undefined && this.#windowEnd <= now) {
      const pending = this.#pending;
      if (pending === undefined) {
        this.#windowEnd = undefined;
        return;
      }
      this.#pending = undefined;
      // A trailing firing opens a window of its own: without it, a call right after would go
      // through at once, two firings closer than the interval.
      this.#open(pending.call, this.#windowEnd);
    }
  }

  /** A call at `now`: it fires now, becomes the pending call, or is dropped. */
  call(value: T, now: number): void {
    // A window ending at `now` is over before this call is looked at: a call exactly at the end
    // of the interval starts the next one, it is not inside the last.
    this.advance(now);
    if (this.#windowEnd === undefined) {
      if (this.#leading) {
        this.#open(value, now);
      } else {
        // Trailing only: the call opens a window without firing, and fires at its end unless
        // a later call has taken its place.
        this.#windowEnd = now + this.#interval;
        this.#pending = { call: value };
      }
    } else if (this.#trailing) {
      // The latest call wins: it carries the newest arguments, which is what a trailing edge
      // is for (the state after the last keystroke, not after the first dropped one).
      this.#pending = { call: value };
    }
  }

  /** Forgets the pending call. The window stays open to its end: the interval still holds. */
  drop(): void {
    this.#pending = undefined;
  }

  /** No call comes after this: time runs on until the pending call, if any, has fired. */
  end(): void {
    this.advance(Number.POSITIVE_INFINITY);
  }

  #open(call: T, at: number): void {
    // The window is set before `fire` runs, so a call that `fire` makes is decided against it.
    this.#windowEnd = at + this.#interval;
    this.#fire(call, at);
  }
}

/** What `throttle` answers: call it as often as you like; it never waits. */
export interface Throttled<T> {
  /** Offers one call: it runs now, at the end of the window, or never. */
  call(value: T): void;
  /** Resolves once no call is pending: the trailing call, if there was one, has run. */
  idle(): Promise<void>;
  /** Drops the pending call, which clears the timer; the throttle stays usable. */
  cancel(): void;
}

/**
 * A live throttle over `run`, which is handed each call that goes through and the instant the
 * throttle decided it, on `clock` (nanoseconds, never going back; the monotonic clock by default).
 *
 * Every caller shares one core, and no lock guards it: a call reads the clock and decides
 * without an `await` in between, so callers that arrive together are decided one after the
 * other, and only the first of them opens the window. (A throttle that reads the time, sleeps
 * the rest of the interval and then records the time lets them all through together.) The one
 * timer is armed only while a trailing call is pending, so an idle throttle holds no timer.
 * `run` is called synchronously, from `call` or from the timer: like an event listener, it
 * handles its own errors, and starts whatever async work it has without making a caller wait.
 */
export function throttle<T>(
  run: (call: T, at: number) => void,
  intervalMs: number,
  edges: Edges = {},
  clock: () => number = monotonicNs(),
): Throttled<T> {
  const core = new Throttle<T>(intervalMs * NS_PER_MS, edges, run);
  const idle: (() => void)[] = [];
  const timer = new DueTimer(clock, () => {
    core.advance(clock());
    settle();
  });
  // After every decision: the timer follows the pending call, and those waiting for quiet are
  // woken once there is none.
  function settle(): void {
    timer.set(core.dueAt);
    if (core.dueAt !== undefined) return;
    for (const resolve of idle.splice(0)) resolve();
  }
  return {
    call(value) {
      core.call(value, clock());
      settle();
    },
    idle() {
      if (core.dueAt === undefined) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    cancel() {
      core.drop();
      settle();
    },
  };
}
// --8<-- [end:throttle]
