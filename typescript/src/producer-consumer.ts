/**
 * Producer-consumer: producers put items into one bounded queue and consumers take them out.
 * The queue's capacity is the backpressure: a full queue makes a producer wait instead of piling
 * work up in memory. Every item is consumed once, and the consumers stop once every producer is
 * done and the queue is empty, however many of each there are.
 *
 * Node's standard library has no bounded queue of values: a stream buffers and signals
 * back-pressure, but `write` never waits, and one stream has one reader. For a queue of jobs with
 * a concurrency limit, reach for `p-queue`; for this page's shape (several producers that must
 * wait, several consumers, the end of input), the queue below is the few lines it takes. Producers
 * and consumers share one thread, so it needs no lock: every method runs to its end, or to its one
 * `await`, before another caller sees the queue.
 *
 * @module
 */

import { requirePositive } from "./rate-limit.js";
import type { Settled } from "./worker-pool.js";

/** Which item `get` takes: the oldest present (`fifo`) or the newest (`lifo`). */
export type Discipline = "fifo" | "lifo";

/** What producers and consumers need of a queue; `BoundedQueue` is the one on this page. */
export interface Channel<T> {
  /** Resolves once `item` is in the queue, after waiting for room if need be. */
  put(item: T, signal?: AbortSignal): Promise<void>;
  /** The next item, after waiting for one if need be; `done` once closed and drained. */
  get(signal?: AbortSignal): Promise<IteratorResult<T, undefined>>;
  /** No more puts: once the items left are taken, every `get` answers `done`. */
  close(): void;
}

// --8<-- [start:producer-consumer]
/**
 * Parks a caller at the back of `line` until whoever takes its entry out calls the `resolve`
 * the entry was built with. If `signal` aborts first, the entry leaves the line and the promise
 * rejects with the signal's reason, so an abandoned wait is never woken in someone else's place.
 */
function park<E, V>(
  line: E[],
  entry: (resolve: (value: V) => void) => E,
  signal: AbortSignal | undefined,
): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const leave = (): void => {
      line.splice(line.indexOf(parked), 1);
      reject(signal?.reason as Error);
    };
    const parked = entry((value) => {
      signal?.removeEventListener("abort", leave);
      resolve(value);
    });
    signal?.addEventListener("abort", leave, { once: true });
    line.push(parked);
  });
}

/**
 * A queue of at most `capacity` items for any number of producers and consumers: `put` waits
 * while it is full, `get` while it is empty, each in a line of its own, first come, first served.
 */
export class BoundedQueue<T> implements Channel<T> {
  readonly #capacity: number;
  readonly #lifo: boolean;
  // At most `capacity` long, so `shift` copies little even when it copies.
  readonly #items: T[] = [];
  readonly #getters: ((next: IteratorResult<T, undefined>) => void)[] = [];
  readonly #putters: { readonly item: T; readonly admit: () => void }[] = [];
  #closed = false;
  #peak = 0;

  constructor(capacity: number, discipline: Discipline = "fifo") {
    requirePositive("capacity", capacity);
    this.#capacity = capacity;
    this.#lifo = discipline === "lifo";
  }

  /** How many items the queue holds now. */
  get size(): number {
    return this.#items.length;
  }

  /** The most items the queue has held at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Putting into a closed queue is a bug, and rejects. */
  async put(item: T, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new Error("put to a closed queue");
    signal?.throwIfAborted();
    if (this.#handOver(item)) return;
    if (this.#items.length < this.#capacity) this.#add(item);
    else await park(this.#putters, (admit) => ({ item, admit }), signal);
  }

  /**
   * Adds `item` at once, never waiting: a full queue drops its oldest item to make room. This is
   * the buffer of a reader allowed to lag (`pub-sub.ts`), which loses its oldest items rather
   * than hold up the writer; it is not for a queue that other putters wait on.
   */
  putDroppingOldest(item: T): void {
    if (this.#closed) throw new Error("put to a closed queue");
    if (this.#handOver(item)) return;
    if (this.#items.length === this.#capacity) this.#items.shift();
    this.#add(item);
  }

  /** The oldest item (`fifo`) or the newest (`lifo`); `done` once closed and drained. */
  async get(signal?: AbortSignal): Promise<IteratorResult<T, undefined>> {
    signal?.throwIfAborted();
    if (this.#items.length === 0) {
      if (this.#closed) return { done: true, value: undefined };
      return park(this.#getters, (resolve) => resolve, signal);
    }
    const value = (this.#lifo ? this.#items.pop() : this.#items.shift()) as T;
    // The room just made goes to the putter that waited longest, in this same step: a put
    // that comes later cannot take it first, and the queue never holds more than `capacity`.
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      this.#items.push(putter.item);
      putter.admit();
    }
    return { done: false, value };
  }

  /** No more puts; a put already waiting still goes in as getters make room. */
  close(): void {
    this.#closed = true;
    // Getters wait only while the queue is empty, and nothing more will come: all are done.
    for (const getter of this.#getters.splice(0)) getter({ done: true, value: undefined });
  }

  /** A getter waits only while the queue is empty: an item goes straight to the first of them. */
  #handOver(item: T): boolean {
    const getter = this.#getters.shift();
    getter?.({ done: false, value: item });
    return getter !== undefined;
  }

  #add(item: T): void {
    this.#items.push(item);
    this.#peak = Math.max(this.#peak, this.#items.length);
  }
}

/**
 * Runs one task per producer, putting its items into `queue` in order, and `consumers` tasks
 * that take items and `consume` them. Resolves with one settled result per item, in the order
 * they were consumed, once every producer is done, the queue is drained and every consumer has
 * stopped. A failing item is its own result: its consumer goes on with the next one.
 *
 * On abort, the waits in `put` and `get` reject, every `consume` sees the same `signal`, and
 * once every task has returned the run rejects with `signal.reason`.
 */
export async function produceConsume<T, R>(
  producers: readonly (Iterable<T> | AsyncIterable<T>)[],
  queue: Channel<T>,
  consumers: number,
  consume: (item: T, consumer: number, signal: AbortSignal) => Promise<R>,
  options: { readonly signal?: AbortSignal } = {},
): Promise<Settled<T, R>[]> {
  requirePositive("consumers", consumers);
  const signal = options.signal ?? new AbortController().signal;
  const results: Settled<T, R>[] = [];

  async function produce(items: Iterable<T> | AsyncIterable<T>): Promise<void> {
    for await (const item of items) await queue.put(item, signal);
  }

  async function consumer(index: number): Promise<void> {
    // No sentinel values: `done` comes from the queue itself once it is closed and empty, so
    // every consumer stops, whatever the number of producers and consumers, zero producers too.
    for (let next = await queue.get(signal); next.done !== true; next = await queue.get(signal)) {
      const item = next.value;
      try {
        results.push({ job: item, ok: true, value: await consume(item, index, signal) });
      } catch (error) {
        results.push({ job: item, ok: false, error });
      }
    }
  }

  const consuming = Promise.allSettled(Array.from({ length: consumers }, (_, i) => consumer(i)));
  // Only here is it known that every producer is done, so here, and nowhere else, the queue
  // is closed: a producer that closed it when it finished would cut off the others.
  // `allSettled`, so that a failing producer cannot close it while the others still put.
  const produced = await Promise.allSettled(producers.map(produce));
  queue.close();
  const consumed = await consuming;
  signal.throwIfAborted();
  for (const task of [...produced, ...consumed]) {
    if (task.status === "rejected") throw task.reason;
  }
  return results;
}
// --8<-- [end:producer-consumer]
