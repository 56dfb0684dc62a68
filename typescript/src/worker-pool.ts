/**
 * Worker pool: a fixed number of async workers drain an iterable of jobs, never more than
 * `workers` jobs in flight, every job run exactly once, and a failing job reported as a result
 * while the others still complete.
 *
 * In production, reach for a well-kept library rather than this page's code: `p-limit` wraps
 * each call in a limiter and `p-queue` adds priorities, pausing, per-interval rate limits and
 * queue events, both maintained and widely used. Both limit *concurrency* on the one event loop,
 * which is what I/O-bound jobs need. CPU-bound jobs need *parallelism*: JavaScript on one event
 * loop runs one thing at a time, so spread them over `node:worker_threads`, most easily through
 * `piscina`, which pools threads and queues tasks for them.
 *
 * @module
 */

/**
 * The outcome of one job: its value, or whatever it threw. Failing is a result, not a crash,
 * and so is a bug in the job: which errors were expected is the caller's to say, by their class.
 */
export type Settled<J, R> =
  | { readonly job: J; readonly ok: true; readonly value: R }
  | { readonly job: J; readonly ok: false; readonly error: unknown };

export interface PoolOptions {
  /** Aborting stops the hand-out of jobs; the pool then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

// --8<-- [start:worker-pool]
/**
 * Runs `fn` on every job with at most `workers` calls in flight and resolves with one settled
 * result per job, in the order of `jobs`, each naming its job.
 *
 * `jobs` is read lazily: a worker pulls the next job only when it has finished its last one.
 * On abort no further job is started, the running ones see the same `signal`, and once they have
 * all returned the pool rejects with `signal.reason`. The pool never abandons running work: when
 * it settles, nothing it started is still running, so nothing it started can leave a timer or a
 * promise behind. A job that ignores its signal delays the rejection until it ends.
 */
export async function pool<J, R>(
  jobs: Iterable<J>,
  workers: number,
  fn: (job: J, signal: AbortSignal) => Promise<R>,
  options: PoolOptions = {},
): Promise<Settled<J, R>[]> {
  if (!Number.isSafeInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${String(workers)}`);
  }
  const signal = options.signal ?? new AbortController().signal;
  signal.throwIfAborted();

  // One iterator shared by every worker. No lock guards it: JavaScript runs on one thread, a
  // worker gives way to another only at an `await`, and taking the next job awaits nothing, so
  // two workers can never take the same job or skip one. (A generator is its own iterable, so
  // each `for...of` below continues the one sequence instead of starting over.)
  const queue = numbered(jobs);
  const results: Settled<J, R>[] = [];

  async function worker(): Promise<void> {
    for (const [index, job] of queue) {
      // Leaving a `for...of` early closes the shared generator, and with it `jobs`' iterator:
      // after an abort, every other worker finds the queue finished once its job returns.
      if (signal.aborted) return;
      // Where Go must `recover` in the worker, lest a job's panic end the program, an async job
      // that throws, on purpose or by a bug, only rejects its promise: this one catch keeps the
      // worker, and the jobs queued behind it, going. It covers a `fn` that throws before it
      // returns a promise too. What it cannot catch is a throw outside the job's promises, in a
      // callback the job left to a timer or an emitter: that ends the thread, whoever started it.
      try {
        results[index] = { job, ok: true, value: await fn(job, signal) };
      } catch (error) {
        results[index] = { job, ok: false, error };
      }
    }
  }

  // allSettled rather than all: if `jobs` itself throws, the first rejection must not let the
  // pool return while other workers are still running their jobs.
  const loops = await Promise.allSettled(Array.from({ length: workers }, worker));
  signal.throwIfAborted();
  for (const loop of loops) {
    if (loop.status === "rejected") throw loop.reason;
  }
  return results;
}

function* numbered<J>(jobs: Iterable<J>): Generator<[number, J]> {
  let index = 0;
  for (const job of jobs) yield [index++, job];
}
// --8<-- [end:worker-pool]
