/**
 * Debounce: a burst of calls produces one call, once a quiet period has passed with no new
 * call (the trailing edge), with an optional cap on how long the first call of a burst may wait.
 * It acts once a user has stopped typing, or a file has stopped changing.
 *
 * In production, reach for `lodash.debounce(fn, wait, { maxWait })`: the quiet period and its
 * cap are its `wait` and `maxWait`. It leaves the function's promise to the caller, though: a
 * rejection from a run that nobody awaits is reported nowhere, which `drain` here is for.
 *
 * Like the rate limiters (`rate-limit.ts`), this is written in two halves: `Debounce`, the
 * decision core, told every call and the time, in integer ticks, with no clock and no timer; and
 * `debounce`, the live debouncer, which feeds the core the real clock, arms one timer for the due
 * time, and keeps every run it starts until its outcome has been read.
 *
 * @module
 */

import { DueTimer, monotonicNs, NS_PER_MS } from "./clock.js";
import { requirePositive } from "./rate-limit.js";

// --8<-- [start:debounce]
/**
 * The decision core: `fire` is handed the call that ends each burst and the time it fires at.
 * Times are safe integers in non-decreasing ticks (milliseconds on data, nanoseconds live), so
 * every decision is exact.
 */
export class Debounce<T> {
  readonly #quiet: number;
  readonly #maxWait: number | undefined;
  readonly #fire: (call: T, at: number) => void;
  #pending: { readonly call: T } | undefined; // boxed: a pending `undefined` is still a call
  #burstStart = 0;
  #dueAt = 0;

  /** Without `maxWait`, a burst lasts as long as its calls come closer than `quiet`. */
  constructor(quiet: number, maxWait: number | undefined, fire: (call: T, at: number) => void) {
    requirePositive("quiet", quiet);
    if (maxWait !== undefined && !(Number.isSafeInteger(maxWait) && maxWait >= quiet)) {
      throw new RangeError(`maxWait must be an integer of at least quiet, got ${String(maxWait)}`);
    }
    this.#quiet = quiet;
    this.#maxWait = maxWait;
    this.#fire = fire;
  }

  /** When the pending call fires, or `undefined` when none is pending. */
  get dueAt(): number | undefined {
    return this.#pending === undefined ? undefined : this.#dueAt;
  }

  /** Fires the pending call if it is due by `now`, at its due time, not at `now`. */
  advance(now: number): void {
    if (this.#pending === undefined || this.#dueAt > now) return;
    const { call } = this.#pending;
    this.#pending = undefined;
    this.#fire(call, this.#dueAt);
  }

  /** A call at `now` becomes the pending call; the due time moves to a quiet period from now. */
  call(value: T, now: number): void {
    // A call due by now fires first: a call at the very instant its burst is due opens the next.
    this.advance(now);
    if (this.#pending === undefined) this.#burstStart = now;
    this.#pending = { call: value };
    // The quiet period runs from the latest call, not the burst's first: that is the difference
    // from a throttle. The cap runs from the first, or a steady stream of calls closer than the
    // quiet period would never fire at all.
    const quietEnds = now + this.#quiet;
    this.#dueAt =
      this.#maxWait === undefined
        ? quietEnds
        : Math.min(quietEnds, this.#burstStart + this.#maxWait);
  }

  /** Forgets the pending call. */
  drop(): void {
    this.#pending = undefined;
  }

  /** No call comes after this: the pending call, if any, fires at its due time. */
  end(): void {
    this.advance(Number.POSITIVE_INFINITY);
  }
}

/** A finished run: the call, the instant it was decided, and what the run did. */
export type Run<T> = { readonly call: T; readonly at: number } & (
  { readonly ok: true } | { readonly ok: false; readonly error: unknown }
);

/** What `debounce` answers: call it as often as you like; it never waits. */
export interface Debounced<T> {
  /** Offers one call: it runs once calls have been quiet long enough, unless a later one comes. */
  call(value: T): void;
  /**
   * Resolves once nothing is pending and every run has finished, with the runs finished since
   * the last `drain`, in the order they were decided. A run's error is in its `Run`: it is
   * never thrown where nobody is waiting, and never lost.
   */
  drain(): Promise<Run<T>[]>;
  /** Drops the pending call, which clears the timer. Runs already started go on to their end. */
  cancel(): void;
}

/**
 * A live debouncer over `run`, which is handed each call that fires and the instant the
 * debouncer decided it, on `clock` (nanoseconds, never going back; the monotonic clock by
 * default).
 *
 * The timer and the runs are kept apart. A new call moves the due time of the pending call,
 * never a run that has started: each run is its own promise, left to finish, so a new burst may
 * fire while an earlier run is still going. (Cancelling "the task" on each call, when the task
 * is the sleep and the run together, cuts off a run that had already started.)
 */
export function debounce<T>(
  run: (call: T, at: number) => Promise<void>,
  quietMs: number,
  maxWaitMs?: number,
  clock: () => number = monotonicNs(),
): Debounced<T> {
  const core = new Debounce<T>(
    quietMs * NS_PER_MS,
    maxWaitMs === undefined ? undefined : maxWaitMs * NS_PER_MS,
    start,
  );
  const finished: Run<T>[] = [];
  const drained: (() => void)[] = [];
  let running = 0; // runs started and not finished yet
  const timer = new DueTimer(clock, () => {
    core.advance(clock());
    settle();
  });

  function start(call: T, at: number): void {
    running += 1;
    // Each run is followed to its end, and its outcome kept until it is drained: a promise that
    // nobody holds loses its error to the unhandled-rejection handler, or to nothing. (The
    // executor turns a `run` that throws before it returns a promise into a rejection.)
    void new Promise<void>((resolve) => {
      resolve(run(call, at));
    })
      .then(
        (): Run<T> => ({ call, at, ok: true }),
        (error: unknown): Run<T> => ({ call, at, ok: false, error }),
      )
      .then((done) => {
        finished.push(done);
        running -= 1;
        settle();
      });
  }

  // After every decision and every run's end: the timer follows the pending call, and those
  // waiting to drain are woken once nothing is pending or running.
  function settle(): void {
    timer.set(core.dueAt);
    if (core.dueAt !== undefined || running > 0) return;
    for (const resolve of drained.splice(0)) resolve();
  }

  return {
    call(value) {
      core.call(value, clock());
      settle();
    },
    async drain() {
      if (core.dueAt !== undefined || running > 0) {
        await new Promise<void>((resolve) => drained.push(resolve));
      }
      // Sorted by decision, not by end: a short run decided later may finish first.
      return finished.splice(0).sort((a, b) => a.at - b.at);
    },
    cancel() {
      core.drop();
      settle();
    },
  };
}
// --8<-- [end:debounce]
