/** A promise settled from outside, to step concurrent code by hand in tests. */

import { flush } from "./virtual-time.js";

export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` has settled once every pending promise job has run. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  const mark = () => (done = true);
  void promise.then(mark, mark);
  await flush();
  return done;
}
