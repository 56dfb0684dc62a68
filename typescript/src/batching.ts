/**
 * Batching: items arriving one by one are grouped into batches, each flushed when it is full or
 * when its first item has waited `maxWait`, whichever comes first; the batch still open is
 * flushed when the stream ends. The time bound matters as much as the size: a source that stalls
 * must not leave items waiting for an arrival that may never come.
 *
 * Like the rate limiters (`rate-limit.ts`), this is written in two halves: `Batcher`, the
 * decision core, integers in and batches out, with no clock and no timer, and `batched`, the live
 * batcher over an async iterable, which feeds the core the real clock and arms a timer for the
 * open batch's due time. What the tests prove of the core on times given as data holds live.
 * On npm, `streaming-iterables`' `batchWithTimeout(size, timeout, iterable)` is the size-or-time
 * batcher over an async iterable; `it-batch` groups by size alone.
 *
 * @module
 */

import { requirePositive } from "./rate-limit.js";

/** Why a batch was flushed. */
export type Reason = "full" | "due" | "end";

export interface Batch<T> {
  readonly items: readonly T[];
  /** When it was flushed, in the core's ticks. */
  readonly at: number;
  readonly reason: Reason;
}

/** What `batched` yields: the batch, its flush time left to whoever reads it. */
export interface LiveBatch<T> {
  readonly items: readonly T[];
  readonly reason: Reason;
}

const NS_PER_MS = 1_000_000;
const DUE = Symbol("due");

function monotonicNs(): () => number {
  const origin = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - origin);
}

// --8<-- [start:batching]
/**
 * The decision core: it is told every arrival and the end of the stream, at times in
 * non-decreasing ticks (any unit: milliseconds on data, nanoseconds live), and hands each batch
 * to `flush` as it is flushed. Times are safe integers, so every decision is exact.
 */
export class Batcher<T> {
  readonly #maxSize: number;
  readonly #maxWait: number;
  readonly #flush: (batch: Batch<T>) => void;
  #open: T[] = [];
  #dueAt: number | undefined;

  constructor(maxSize: number, maxWait: number, flush: (batch: Batch<T>) => void) {
    requirePositive("maxSize", maxSize);
    requirePositive("maxWait", maxWait);
    this.#maxSize = maxSize;
    this.#maxWait = maxWait;
    this.#flush = flush;
  }

  /** When the open batch is due, or `undefined` when no batch is open. */
  get dueAt(): number | undefined {
    return this.#dueAt;
  }

  /** Flushes the open batch if it is due by `now`, at its due time, not at `now`. */
  advance(now: number): void {
    if (this.#dueAt !== undefined && now >= this.#dueAt) this.#out(this.#dueAt, "due");
  }

  /** `item` arrives at `now`: a batch due by then is flushed first, without it. */
  add(item: T, now: number): void {
    this.advance(now);
    // The deadline is the first item's: an arrival never pushes it back.
    if (this.#open.length === 0) this.#dueAt = now + this.#maxWait;
    this.#open.push(item);
    if (this.#open.length === this.#maxSize) this.#out(now, "full");
  }

  /** The stream ends at `now`: a batch due by then is flushed as due, else the open one as ended. */
  end(now: number): void {
    this.advance(now);
    if (this.#open.length > 0) this.#out(now, "end");
  }

  #out(at: number, reason: Reason): void {
    const items = this.#open;
    this.#open = [];
    this.#dueAt = undefined;
    this.#flush({ items, at, reason });
  }
}

/**
 * Groups the items of `source` into batches of at most `maxSize`, each flushed when full, when
 * its first item has waited `maxWaitMs`, or when `source` ends. `clock` answers nanoseconds,
 * never going back: the monotonic clock by default, virtual time in tests.
 *
 * The timer is what flushes a stalled source's batch: the batcher waits for the next item and
 * for the open batch's due time at once, whichever comes first. It is armed by the batch's
 * first item and cleared whenever the wait ends, so no timer outlives its batch or the batcher.
 * When the reader stops early, `source` is closed through its `return()`.
 */
export async function* batched<T>(
  source: AsyncIterable<T>,
  maxSize: number,
  maxWaitMs: number,
  clock: () => number = monotonicNs(),
): AsyncGenerator<LiveBatch<T>, void, undefined> {
  const ready: LiveBatch<T>[] = [];
  const core = new Batcher<T>(maxSize, maxWaitMs * NS_PER_MS, ({ items, reason }) => {
    ready.push({ items, reason });
  });
  const items = source[Symbol.asyncIterator]();
  try {
    // One `next()` is pending at a time, raced against the due time as often as need be.
    let next = items.next();
    for (;;) {
      const dueAt = core.dueAt;
      const step = dueAt === undefined ? await next : await untilDue(next, dueAt - clock());
      if (step === DUE) {
        // A timer counts whole milliseconds on the event loop's cached time and may fire a
        // little early: the core flushes only what is due by the clock, and else the wait
        // starts again for what is left.
        core.advance(clock());
      } else if (step.done === true) {
        core.end(clock());
        yield* ready.splice(0);
        return;
      } else {
        core.add(step.value, clock());
        next = items.next();
      }
      yield* ready.splice(0);
    }
  } finally {
    await items.return?.();
  }
}

/** `next`'s step, or `DUE` once `ns` have passed, whichever comes first; the timer is cleared. */
async function untilDue<T>(
  next: Promise<IteratorResult<T>>,
  ns: number,
): Promise<IteratorResult<T> | typeof DUE> {
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<typeof DUE>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, Math.ceil(ns / NS_PER_MS)), DUE);
  });
  try {
    return await Promise.race([next, due]);
  } finally {
    clearTimeout(timer);
  }
}
// --8<-- [end:batching]
