/**
 * Fan-out / fan-in, two halves of one idea. `merge` is fan-in: several async iterables produce
 * at their own pace and one consumer reads them all as one stream, each item as soon as it is
 * ready. `gather` and `gatherFailFast` are scatter-gather: map an async function over items with
 * at most `limit` calls in flight and collect the results in input order, whatever order they
 * finish in.
 *
 * In production, reach for a well-kept library: `p-map` maps with a `concurrency` bound, keeps
 * input order, stops on the first error (`stopOnError`) and takes an `AbortSignal`; `p-limit`
 * bounds the calls of a plain `Promise.all` or `Promise.allSettled`. For streams, `it-merge`
 * merges async iterables, and RxJS's `merge` does the same for observables, with operators to
 * go on from there.
 *
 * @module
 */

import { pool, type Settled } from "./worker-pool.js";

/** One source's next step: an item, its end, or the error it threw. */
type Step<T> = { readonly source: AsyncIterator<T> } & (
  { readonly result: IteratorResult<T> } | { readonly error: unknown }
);

// --8<-- [start:fan-in]
/**
 * Reads every source at once and yields each item as soon as its source produces it. Each
 * source's items keep their order; the merge ends when every source has ended.
 *
 * There is no channel to close: the merge itself is the consumer's stream, and it ends when the
 * last source's `next()` reports `done`. If the consumer stops early, or a source throws, the
 * other sources are closed through `return()` before the merge returns or rethrows; a source
 * in the middle of a step finishes that step first (an async generator runs one step at a time).
 */
export async function* merge<T>(sources: Iterable<AsyncIterable<T>>): AsyncGenerator<T, void> {
  // Every source has one `next()` pending; each step lands in `ready` as it settles, so the
  // steps are taken in the order they finished and none is lost while the consumer is busy.
  // `Promise.race` over the pending promises would pick the same winner, but every race adds a
  // reaction to each losing promise: a slow source's one pending `next()` would collect one per
  // item of the fast sources until it settles, and each item would cost one reaction per source.
  const live = new Set<AsyncIterator<T>>();
  const ready: Step<T>[] = [];
  let wake: (() => void) | undefined;
  const settle = (step: Step<T>): void => {
    ready.push(step);
    wake?.();
  };
  const pull = (source: AsyncIterator<T>): void => {
    // Both outcomes are handled, so this promise never rejects: a source's error is a step too.
    void source.next().then(
      (result) => {
        settle({ source, result });
      },
      (error: unknown) => {
        settle({ source, error });
      },
    );
  };
  for (const iterable of sources) {
    const source = iterable[Symbol.asyncIterator]();
    live.add(source);
    pull(source);
  }

  try {
    while (live.size > 0) {
      let step = ready.shift();
      while (step === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        step = ready.shift();
      }
      if ("error" in step) {
        live.delete(step.source);
        throw step.error;
      }
      if (step.result.done === true) {
        live.delete(step.source);
        continue;
      }
      // Ask for the next item before handing this one on: the source makes it while the
      // consumer works on this one. One item ahead and no more: a consumer slower than its
      // sources holds each of them to one buffered item, which is the merge's backpressure.
      pull(step.source);
      yield step.result.value;
    }
  } finally {
    await Promise.allSettled([...live].map(async (source) => source.return?.()));
  }
}
// --8<-- [end:fan-in]

// --8<-- [start:scatter-gather]
/**
 * Calls `fn` on every item with at most `limit` calls in flight; resolves with one settled
 * result per item, in input order. A failing call is a result, and the others still run; a call
 * that throws by a bug is caught the same way (`pool`), and is a result too.
 */
export function gather<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<Settled<T, R>[]> {
  return pool(items, limit, fn);
}

/**
 * Like `gather`, but the first failure, on purpose or by a bug, aborts the `signal` every running
 * call was given, starts no further call, and rejects with what that call threw once every call
 * has stopped. It never returns while a call it started is still running, so it leaves no timer
 * or promise behind. A call that ignores its signal delays the rejection until it ends.
 */
export async function gatherFailFast<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const controller = new AbortController();
  const failFast = async (item: T, signal: AbortSignal): Promise<R> => {
    try {
      return await fn(item, signal);
    } catch (error) {
      // The first reason sticks: the calls this abort cancels throw too, and change nothing.
      controller.abort(error);
      throw error;
    }
  };
  // The pool waits for every running call once the signal is aborted, then rejects with its
  // reason: that wait is what makes the cancellation structured.
  const settled = await pool(items, limit, failFast, { signal: controller.signal });
  // Any failure aborted the pool, which then rejected: every result that gets here is a value,
  // and the throw only tells the type checker so.
  return settled.map((one) => {
    if (one.ok) return one.value;
    throw one.error;
  });
}
// --8<-- [end:scatter-gather]
