/**
 * Priority queue: workers take the most urgent job waiting, not the oldest. Equal priorities are
 * served in the order they were pushed, a running job is never preempted, and a failing job goes
 * back into the queue less urgent than before, until its last attempt.
 *
 * In production, reach for `p-queue`: its `priority` option orders waiting tasks (higher first,
 * stable for equal priorities) under a concurrency limit, and its events and `onIdle` cover the
 * rest. Its retries are the caller's, which is the part this page writes out.
 *
 * @module
 */

import { requirePositive } from "./rate-limit.js";

/** One attempt at a job: its number, from 1, and the priority it was pushed with. */
export interface Attempt<J> {
  readonly job: J;
  readonly number: number;
  readonly priority: number;
}

/** How a job ended: the value of its successful attempt, or the error of its last one. */
export type Outcome<J, R> = { readonly job: J; readonly attempts: number } & (
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown }
);

export interface ServeOptions {
  /** Attempts per job, the first included. */
  readonly maxAttempts: number;
  /** Aborting stops the workers and the submitter; the run then rejects with the reason. */
  readonly signal?: AbortSignal;
}

// --8<-- [start:priority-queue]
interface Entry<T> {
  readonly priority: number;
  /** The order of pushes: it breaks ties, so that two items are never compared themselves. */
  readonly seq: number;
  readonly item: T;
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}

/**
 * A min-heap by (priority, push order) that workers wait on: `take` answers the most urgent item,
 * waiting while there is none, and `undefined` once the queue is closed and empty.
 */
export class PriorityQueue<T> {
  readonly #heap: Entry<T>[] = [];
  readonly #takers: ((item: T | undefined) => void)[] = [];
  #seq = 0;
  #closed = false;

  get size(): number {
    return this.#heap.length;
  }

  /** Lower `priority` is more urgent; equal ones are taken in the order they were pushed. */
  push(item: T, priority: number): void {
    if (this.#closed) throw new Error("push to a closed queue");
    // A taker waits only while the heap is empty: the item is the most urgent there is.
    const taker = this.#takers.shift();
    if (taker !== undefined) {
      taker(item);
      return;
    }
    const entry = { priority, seq: this.#seq++, item };
    const heap = this.#heap;
    // Sift up: parents less urgent than the new entry move down until its place is found.
    let i = heap.length;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent];
      if (above === undefined || !before(entry, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  take(signal?: AbortSignal): Promise<T | undefined> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const top = this.#pop();
    if (top !== undefined) return Promise.resolve(top.item);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const taker = (item: T | undefined): void => {
        signal?.removeEventListener("abort", leave);
        resolve(item);
      };
      const leave = (): void => {
        this.#takers.splice(this.#takers.indexOf(taker), 1);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener("abort", leave, { once: true });
      this.#takers.push(taker);
    });
  }

  /** No more pushes: once the heap is empty, every waiting and later `take` answers undefined. */
  close(): void {
    this.#closed = true;
    for (const taker of this.#takers.splice(0)) taker(undefined);
  }

  #pop(): Entry<T> | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return top;
    // Sift down: the last entry takes the root's place, and the more urgent child of its place
    // moves up while it is more urgent than the entry.
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      let below = heap[child];
      const right = heap[child + 1];
      if (below !== undefined && right !== undefined && before(right, below)) {
        child += 1;
        below = right;
      }
      if (below === undefined || !before(below, last)) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

/**
 * Pushes each job of `submissions` as it comes and runs `attempt` on the most urgent waiting
 * one with `workers` workers. A failed attempt is pushed back at `priority + 1`, behind every
 * job already waiting there, while attempts remain. Resolves with one outcome per job, in the
 * order they ended, once every job has ended and every worker has stopped.
 */
export async function serve<J, R>(
  submissions: Iterable<{ job: J; priority: number }> | AsyncIterable<{ job: J; priority: number }>,
  workers: number,
  attempt: (attempt: Attempt<J>, signal: AbortSignal) => Promise<R>,
  { maxAttempts, signal = new AbortController().signal }: ServeOptions,
): Promise<Outcome<J, R>[]> {
  requirePositive("workers", workers);
  requirePositive("maxAttempts", maxAttempts);
  const queue = new PriorityQueue<Attempt<J>>();
  const outcomes: Outcome<J, R>[] = [];
  // The queue closes when nothing more can be pushed: every job submitted and ended. An empty
  // queue is not enough: a running attempt may fail and push its job back, and a worker that
  // stopped at the first empty moment would leave that retry, and every later arrival, alone.
  let submitted = false;
  let unfinished = 0;
  const closeIfDone = (): void => {
    if (submitted && unfinished === 0) queue.close();
  };
  const end = (outcome: Outcome<J, R>): void => {
    outcomes.push(outcome);
    unfinished -= 1;
    closeIfDone();
  };

  async function submit(): Promise<void> {
    try {
      for await (const { job, priority } of submissions) {
        signal.throwIfAborted();
        unfinished += 1;
        queue.push({ job, number: 1, priority }, priority);
      }
    } finally {
      submitted = true;
      closeIfDone();
    }
  }

  async function worker(): Promise<void> {
    for (let next = await queue.take(signal); next !== undefined; next = await queue.take(signal)) {
      const { job, number, priority } = next;
      try {
        end({ job, attempts: number, ok: true, value: await attempt(next, signal) });
      } catch (error) {
        if (number < maxAttempts && !signal.aborted) {
          queue.push({ job, number: number + 1, priority: priority + 1 }, priority + 1);
        } else end({ job, attempts: number, ok: false, error });
      }
    }
  }

  const tasks = await Promise.allSettled([
    submit(),
    ...Array.from({ length: workers }, () => worker()),
  ]);
  signal.throwIfAborted();
  for (const task of tasks) if (task.status === "rejected") throw task.reason;
  return outcomes;
}
// --8<-- [end:priority-queue]
