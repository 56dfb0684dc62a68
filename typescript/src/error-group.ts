/**
 * Error group: tasks that run as one unit, in input order and at most `limit` at once. With
 * `failFast`, the first failure cancels every running sibling, starts no further task, and the
 * group rejects with that failure once every task has stopped. With `collectAll`, every task runs
 * to its end and the group answers every outcome. Groups nest: a task may run a group of its own
 * under the signal it was given, so that cancelling the task cancels its group.
 *
 * In production, `Promise.allSettled` is collect-all as it stands. `Promise.all` is fail-fast
 * only in what it reports: it rejects at the first error, and the other promises run on. The
 * fail-fast group needs an `AbortController` that the first failure aborts, and a wait for the
 * rest before it rejects; `p-map` with `stopOnError` and a `signal` does both, with a
 * `concurrency` bound, and `p-limit` bounds a plain `Promise.all`. Here the bound, the in-order
 * hand-out and the wait come from the worker pool (`worker-pool.ts`).
 *
 * @module
 */

import { setMaxListeners } from "node:events";

import { pool } from "./worker-pool.js";

export type Task<T> = (signal: AbortSignal) => Promise<T>;

export interface GroupOptions {
  /** At most this many tasks run at once; without it, every task starts at once. */
  readonly limit?: number | undefined;
  /** The caller's cancellation: the enclosing group's signal, when this group is one of its tasks. */
  readonly signal?: AbortSignal | undefined;
}

// --8<-- [start:error-group]
/**
 * Runs every task, each with a signal that the group aborts at its first failure. Resolves with
 * every value, in input order, when none failed; otherwise rejects with the first failure, once
 * every task it started has stopped and without starting any other. A task that ignores its
 * signal delays the rejection until it ends, but is never abandoned.
 */
export async function failFast<T>(
  tasks: readonly Task<T>[],
  options: GroupOptions = {},
): Promise<T[]> {
  const settled = await group(tasks, options, true);
  // Any failure aborted the group, and the pool then rejected: every result here is a value.
  return settled.map((one) => {
    if (one.ok) return one.value;
    throw one.error;
  });
}

/**
 * Runs every task to its end, a failure being an outcome like a value: resolves, as
 * `Promise.allSettled` does, with one result per task in input order. Only the enclosing
 * signal cancels it: then no further task starts, and it rejects with that signal's reason once
 * the running ones have stopped.
 */
export async function collectAll<T>(
  tasks: readonly Task<T>[],
  options: GroupOptions = {},
): Promise<PromiseSettledResult<T>[]> {
  const settled = await group(tasks, options, false);
  return settled.map((one) =>
    one.ok ? { status: "fulfilled", value: one.value } : { status: "rejected", reason: one.error },
  );
}

async function group<T>(
  tasks: readonly Task<T>[],
  { limit = Math.max(1, tasks.length), signal: enclosing }: GroupOptions,
  cancelOnFailure: boolean,
) {
  const controller = new AbortController();
  // Aborted by whichever comes first, the enclosing group or this one's first failure; its
  // reason is that first cause.
  const signal =
    enclosing === undefined ? controller.signal : AbortSignal.any([enclosing, controller.signal]);
  // Every running task listens on this one signal: more listeners than Node's warning
  // threshold of 10 is the design here, not a leak.
  setMaxListeners(limit + 1, signal);
  const run = async (task: Task<T>, signal: AbortSignal): Promise<T> => {
    try {
      return await task(signal);
    } catch (error) {
      // The first reason sticks: the siblings that this abort cancels reject too, and change
      // nothing.
      if (cancelOnFailure) controller.abort(error);
      throw error;
    }
  };
  // The pool hands the tasks out in order as slots free up. Once the signal is aborted it starts
  // no more, waits for the running ones to stop, then rejects with the signal's reason: that
  // wait is what makes the cancellation structured, where `Promise.all` would reject at once.
  return pool(tasks, limit, run, { signal });
}
// --8<-- [end:error-group]
