/**
 * First completed: several operations at once, and the first answer wins. `race` takes the first
 * to finish, success or failure; `any` the first to succeed, and fails only when every one has
 * failed, with every error; `hedge` sends a backup only when the primary is late, or has already
 * failed. Whichever form, the losers are cancelled, and the call returns only once they have
 * stopped.
 *
 * In production, `Promise.race` and `Promise.any` are the building blocks, and an
 * `AbortController` per operation is the cancellation they lack: both only stop waiting, and a
 * loser nobody aborts runs on, holding its socket or its timer, its result thrown away. The
 * aborting and the waiting for the losers are what this module adds.
 *
 * @module
 */

import { DueTimer, monotonicNs, NS_PER_MS } from "./clock.js";

export type Operation<T> = (signal: AbortSignal) => Promise<T>;

/** What `hedge` answers: the first success, and whether the backup was sent. */
export interface Hedged<T> {
  readonly value: T;
  readonly hedged: boolean;
}

/** An operation started with a controller of its own. */
interface Started<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  /** Set before `promise` settles, so that anyone woken by it reads it true. */
  readonly settled: boolean;
}

// --8<-- [start:first-completed]
/** The first operation to finish, whether it succeeded or failed, is the answer. */
export function race<T>(operations: readonly Operation<T>[]): Promise<T> {
  return firstOf(operations.map(start), (promises) => Promise.race(promises));
}

/**
 * The first operation to succeed is the answer; if every one fails, rejects with an
 * `AggregateError` whose `errors` are theirs, in input order (not in the order they failed).
 */
export function any<T>(operations: readonly Operation<T>[]): Promise<T> {
  return firstOf(operations.map(start), (promises) => Promise.any(promises));
}

/**
 * Starts `primary`, and `backup` too if the primary has not succeeded within `hedgeAfterMs`: at
 * once if it fails sooner, as a retry would. The first of them to succeed is the answer, as
 * with `any`; if both fail, rejects with an `AggregateError` of both errors, the primary's first.
 * The backup doubles the load only for the calls slow enough to need it. `clock` answers
 * nanoseconds (the monotonic clock by default, virtual time in tests), and the backup never
 * starts before `hedgeAfterMs` by it, though a timer may fire a little early (`DueTimer`).
 */
export async function hedge<T>(
  primary: Operation<T>,
  backup: Operation<T>,
  hedgeAfterMs: number,
  { clock = monotonicNs() }: { readonly clock?: () => number } = {},
): Promise<Hedged<T>> {
  const due = clock() + hedgeAfterMs * NS_PER_MS;
  const primaryRun = start(primary);
  const inTime = await fulfilsBy(primaryRun.promise, due, clock);
  const started = inTime ? [primaryRun] : [primaryRun, start(backup)];
  return { value: await firstOf(started, (promises) => Promise.any(promises)), hedged: !inTime };
}

function start<T>(operation: Operation<T>): Started<T> {
  const controller = new AbortController();
  let settled = false;
  const promise = (async () => {
    try {
      return await operation(controller.signal);
    } finally {
      settled = true;
    }
  })();
  return {
    promise,
    controller,
    get settled() {
      return settled;
    },
  };
}

/**
 * Settles as `pick` settles over the started operations, once every one still running has been
 * cancelled and has stopped.
 */
async function firstOf<T>(
  started: readonly Started<T>[],
  pick: (promises: Promise<T>[]) => Promise<T>,
): Promise<T> {
  try {
    return await pick(started.map(({ promise }) => promise));
  } finally {
    // Only the operations still running are aborted: the winner's signal stays live, since its
    // result may depend on it (a `fetch` response streams its body under the signal it got).
    for (const one of started) if (!one.settled) one.controller.abort();
    // Then every one is awaited: a cancelled operation stops only when it next looks at its
    // signal, and runs its cleanup then; none may still be running when the call returns.
    await Promise.allSettled(started.map(({ promise }) => promise));
  }
}

/**
 * Whether `promise` fulfils before `clock` reads `at`: false as soon as it rejects, or once that
 * instant has come. The timer is cleared either way.
 */
function fulfilsBy(promise: Promise<unknown>, at: number, clock: () => number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = new DueTimer(clock, () => {
      resolve(false);
    });
    timer.set(at);
    const answer = (fulfilled: boolean) => () => {
      timer.set(undefined);
      resolve(fulfilled);
    };
    void promise.then(answer(true), answer(false));
  });
}
// --8<-- [end:first-completed]
