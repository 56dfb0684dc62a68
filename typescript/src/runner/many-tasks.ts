/**
 * The `many-tasks` benchmark (`docs/benchmarks.md`): `size` tasks each sleep `params.sleepMs`
 * and are all joined. The sleep does nothing, so the figures are the cost of a task itself: the
 * time to start them all (`launchNs`), the time until the last is joined (`elapsedNs`) and, seen
 * from outside, the peak memory of a process that holds them all at once.
 *
 * What one task costs Node: no thread and no stack. A task is an async function call that ran
 * up to its first `await` and was suspended there, kept by V8 as heap objects: the promise the
 * call returned, the suspended call itself (its live variables and where to resume), and the
 * reaction and the two resuming functions that its `await` attached to the awaited promise.
 * The sleep is a promise of its own, with its resolve and reject functions (made by
 * `timers/promises`' `setTimeout`), a `Timeout` object of a dozen fields (duration, start,
 * callback, list links, async ids) and a one-element array of timer arguments. Node links every
 * `Timeout` of one duration into one list behind one libuv timer, so starting one is O(1) and a
 * million of them cost the event loop a single timer. `Promise.all` adds a reaction per task and
 * a function that stores its result. Measured on Node 20 as live heap after a full collection,
 * that is about 900 bytes per `spawn` task (400 the suspended call, 380 its sleep, the rest its
 * place in `Promise.all`) and 1,100 per `work` task, whose buffer is a typed array with its 64
 * bytes inside. The process's peak is higher: the collector reclaims what the launch left behind
 * (each `setTimeout`'s executor, for one) only when it runs, and keeps headroom in its heap.
 *
 * `spawn` and `work` are as the benchmark defines them. tokio's `join-all`, futures polled in
 * place by one task instead of spawned, has no counterpart here: an async function call starts
 * running at once and a promise is never polled, so it is answered as an unknown variant.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { AsyncQueue } from "../async-queue.js";
import { requireChoice, requireInteger, type Fields } from "./fields.js";
import { SelfCheckError, type BenchParts, type Check, type Measurement } from "./protocol.js";

/** From a millisecond, the timers' resolution, to ten minutes. */
const MIN_SLEEP_MS = 1;
const MAX_SLEEP_MS = 600_000;

const VARIANTS = ["spawn", "work"] as const;
type Variant = (typeof VARIANTS)[number];

export interface ManyTasksInput {
  readonly size: number;
  readonly sleepMs: number;
  readonly variant: Variant;
}

/** Validates `sleepMs`, then `variant`. */
export function benchInput(size: number, params: Fields): ManyTasksInput {
  const sleepMs = requireInteger(params.sleepMs, "params.sleepMs", MIN_SLEEP_MS, MAX_SLEEP_MS);
  const variant = requireChoice(params.variant, "params.variant", VARIANTS);
  return { size, sleepMs, variant };
}

/**
 * What one run saw: when the last task was started, how many tasks were joined, and for `work`
 * the sum of the indexes received.
 */
export interface Joined {
  readonly launchNs: number;
  readonly count: number;
  readonly sum?: number;
}

/** One `spawn` task: started by the call, which runs up to the `await` and returns a promise. */
async function sleeper(sleepMs: number): Promise<void> {
  await sleep(sleepMs);
}

async function spawnAll(size: number, sleepMs: number, start: bigint): Promise<Joined> {
  const tasks = Array.from({ length: size }, () => sleeper(sleepMs));
  const launchNs = since(start);
  const joined = await Promise.all(tasks);
  return { launchNs, count: joined.length };
}

/**
 * One `work` task: it fills its buffer before the sleep and reads it back after, so the buffer
 * is part of what the suspended call keeps across the sleep.
 */
async function holdThenSend(
  index: number,
  sleepMs: number,
  queue: AsyncQueue<number>,
): Promise<void> {
  // Eight copies of the index: 64 bytes, every one written.
  const buffer = new Float64Array(8).fill(index);
  await sleep(sleepMs);
  // The copies are equal, so the largest is the index.
  queue.push(Math.max(...buffer));
}

/** As `spawn`, with a buffer held across each sleep and every index sent back to the caller. */
async function workAll(size: number, sleepMs: number, start: bigint): Promise<Joined> {
  // Unbounded, because the bound is structural: each of the `size` tasks sends once. A bound
  // would make woken tasks wait for the caller, and time the caller rather than the tasks.
  const queue = new AsyncQueue<number>();
  const tasks = Array.from({ length: size }, (_, index) => holdThenSend(index, sleepMs, queue));
  const launchNs = since(start);
  // The queue closes once every task has ended, so a task that never sent shows in the count
  // instead of leaving the caller waiting for ever.
  const joined = Promise.all(tasks).finally(() => {
    queue.close();
  });
  let count = 0;
  let sum = 0;
  for await (const index of queue) {
    count += 1;
    sum += index;
  }
  await joined;
  return { launchNs, count, sum };
}

/**
 * Every task joined once, and for `work` every index from 0 to `size - 1` received once: their
 * sum is `size * (size - 1) / 2`, at most 5 * 10^13, exact in a double.
 */
export function check(input: ManyTasksInput, joined: Joined): Check {
  const { size } = input;
  if (joined.count !== size) {
    throw new SelfCheckError(`${String(joined.count)} tasks joined of ${String(size)}`);
  }
  if (joined.sum === undefined) return { count: size };
  if (joined.sum !== (size * (size - 1)) / 2) {
    throw new SelfCheckError(`indexes sum to ${String(joined.sum)} for ${String(size)} tasks`);
  }
  return { count: size, sum: joined.sum };
}

/** One run: everything it makes (tasks, timers, queue) is made here and dropped at its end. */
export async function bench(input: ManyTasksInput): Promise<Measurement> {
  const run = input.variant === "spawn" ? spawnAll : workAll;
  const start = process.hrtime.bigint();
  const joined = await run(input.size, input.sleepMs, start);
  const elapsedNs = since(start);
  return { elapsedNs, launchNs: joined.launchNs, check: check(input, joined) };
}

function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

export const manyTasks: BenchParts<ManyTasksInput> = { benchInput, bench };
