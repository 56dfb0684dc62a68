/**
 * The worker pool's `parallel` mode: the pool's workers spread over `node:worker_threads`, so
 * that the jobs' CPU work runs on every core instead of one job at a time on the event loop.
 *
 * Each thread is an isolate of its own, with its own event loop, that runs the same `pool` over
 * its share of the `workers` (`parallel-pool-thread.ts`). The threads take jobs from one shared
 * counter in a `SharedArrayBuffer`, raised with `Atomics.add`: a job is handed out when a
 * thread's worker is free to run it, as on the event loop, and without a message per job. A
 * message to a thread and its answer back take tens of microseconds, about what a job of cost
 * 2000 computes and many times a job of cost 100; each thread says once that it is done, when
 * the jobs run out, and posts its results back when asked, after the clock has stopped.
 *
 * The threads are started once and serve every run of a benchmark, as a program keeps its
 * thread pool: each thread's JIT warms up over the runs as the event loop's does, so that the
 * two modes are timed alike.
 *
 * @module
 */

import { once } from "node:events";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import type { Job } from "./jobs.js";
import type { BenchReport } from "./worker-pool.js";

/** Compiled beside this file, so it ships in the package and resolves from any directory. */
const THREAD_SCRIPT = new URL("./parallel-pool-thread.js", import.meta.url);

/** What a thread is started with. */
export interface ThreadSetup {
  readonly jobs: readonly Job[];
  /** How many of the pool's workers run on this thread. */
  readonly workers: number;
}

/** What a thread posts once it has loaded and can be started. */
export const READY = "ready";
/** What a thread posts once it has run its share of the jobs. */
export const DONE = "done";
/** What a thread is asked, after a run, to answer with its report of that run. */
export const REPORT = "report";

/** How many threads run `workers` workers: one per worker, at most one per usable core. */
export function threadCount(workers: number): number {
  return Math.min(workers, availableParallelism());
}

/** Threads that run `jobs` with `workers` workers between them, started on first need. */
export class ParallelPool {
  readonly #jobs: readonly Job[];
  readonly #workers: number;
  #threads: Worker[] = [];
  #started: Promise<void> | undefined;

  constructor(jobs: readonly Job[], workers: number) {
    this.#jobs = jobs;
    this.#workers = workers;
  }

  /**
   * Starts the threads, the first time, and waits until every one has loaded: thread start-up
   * belongs to the runtime, not to the pool, and is kept out of what `run` measures.
   */
  ready(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    const count = threadCount(this.#workers);
    this.#threads = Array.from({ length: count }, (_, thread) => {
      // The workers dealt out as evenly as they go: every thread runs at least one.
      const share = Math.floor(this.#workers / count) + (thread < this.#workers % count ? 1 : 0);
      const workerData: ThreadSetup = { jobs: this.#jobs, workers: share };
      return new Worker(THREAD_SCRIPT, { workerData });
    });
    await Promise.all(this.#threads.map((thread) => once(thread, "message")));
  }

  /**
   * Runs every job once, once `ready` has resolved, and resolves when every thread is done. A
   * thread's error rejects.
   */
  async run(): Promise<void> {
    // Each run hands its jobs out from a counter of its own, at 0: one 32-bit integer, the
    // index of the next job. Posting a `SharedArrayBuffer` shares it rather than copying it.
    const next = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    await this.#everyThread(next);
  }

  /**
   * What each thread ran in the last `run`. Asked for once the run is over, so that building
   * the reports and copying them between threads is kept out of what `run` measures.
   */
  async reports(): Promise<BenchReport[]> {
    return (await this.#everyThread(REPORT)).map((report) => report as BenchReport);
  }

  /** Posts `message` to every thread; resolves with each one's reply. */
  async #everyThread(message: unknown): Promise<unknown[]> {
    // Listening before posting, so that no reply can arrive unheard.
    const replies = this.#threads.map((thread) => once(thread, "message"));
    for (const thread of this.#threads) thread.postMessage(message);
    return (await Promise.all(replies)).map(([reply]: unknown[]) => reply);
  }

  /** Terminates every thread, so that none outlives the benchmark and keeps the process alive. */
  async close(): Promise<void> {
    const threads = this.#threads;
    this.#threads = [];
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
}
