/**
 * One thread of the worker pool's `parallel` mode (`parallel-pool.ts`). It loads and says so;
 * then, for each run, it receives the run's shared counter, runs its share of the pool's workers
 * over the jobs handed out by that counter, and says it is done; asked for its report, it posts
 * back what it ran. It serves runs until the pool terminates it.
 *
 * A job that throws here, failing or panicking, is caught by this thread's `pool` as it would be
 * on the event loop: it is that job's result, and the thread goes on to the next job and the
 * next run. The report words each error on this thread (`errorOf`), before it is cloned.
 *
 * @module
 */

import { on } from "node:events";
import { parentPort, workerData } from "node:worker_threads";

import type { Job } from "./jobs.js";
import { DONE, READY, REPORT, type ThreadSetup } from "./parallel-pool.js";
import { runNoted, toReport, type Noted } from "./worker-pool.js";

if (parentPort === null) throw new Error("parallel-pool-thread.js runs only as a worker thread");
const port = parentPort;
const { jobs, workers } = workerData as ThreadSetup;

/**
 * The jobs, as the threads hand them out between them. `Atomics.add` raises the shared index
 * and returns its old value in one indivisible step, so no two threads take the same job and
 * none is skipped; `pool` pulls from here only when one of its workers is free.
 */
function* handedOut(next: Int32Array): Generator<Job> {
  for (;;) {
    const job = jobs[Atomics.add(next, 0, 1)];
    if (job === undefined) return;
    yield job;
  }
}

port.postMessage(READY);
let last: Noted | undefined;
for await (const [message] of on(port, "message")) {
  if (message === REPORT) {
    port.postMessage(last === undefined ? { ran: [], results: [] } : toReport(last));
    continue;
  }
  last = await runNoted(handedOut(new Int32Array(message as SharedArrayBuffer)), workers);
  port.postMessage(DONE);
}
