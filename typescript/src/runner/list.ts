/**
 * The `list` command's answer: what this runner implements, what it skips (`skips.json`), and
 * the runtime settings that shape its benchmark figures, read from the running process.
 *
 * @module
 */

import { availableParallelism } from "node:os";

import { benchmarks } from "./benchmarks.js";
import { patterns } from "./patterns.js";
import { IMPLEMENTATION, PROTOCOL_VERSION, type ListAnswer } from "./protocol.js";
import type { Skips } from "./skips.js";

/** libuv's bounds on its thread pool (`src/threadpool.c`). */
const UV_DEFAULT_THREADS = 4;
const UV_MAX_THREADS = 1024;

/**
 * The size of libuv's thread pool (file system calls, DNS lookups, crypto and zlib work), which
 * libuv reads from `UV_THREADPOOL_SIZE` when the pool first starts and Node does not report.
 * This repeats libuv's reading: C's `atoi` (leading digits, anything else 0), 0 taken as 1, and
 * anything above 1024, a negative number included once it is unsigned, taken as 1024.
 */
export function uvThreadpoolSize(value: string | undefined): number {
  if (value === undefined) return UV_DEFAULT_THREADS;
  const parsed = Number.parseInt(value, 10);
  if (Number.isNaN(parsed) || parsed === 0) return 1;
  return parsed < 0 || parsed > UV_MAX_THREADS ? UV_MAX_THREADS : parsed;
}

export function listAnswer(skips: Skips): ListAnswer {
  // `fromEntries` defines each key as the object's own, so a case id `__proto__` stays a key.
  const listed = Object.fromEntries(
    [...patterns.keys()].map((pattern) => [
      pattern,
      { skip: Object.fromEntries(skips.get(pattern) ?? []) },
    ]),
  );
  return {
    protocol: PROTOCOL_VERSION,
    implementation: IMPLEMENTATION,
    patterns: listed,
    benchmarks: [...benchmarks.keys()],
    runtime: {
      node: process.version,
      uvThreadpoolSize: uvThreadpoolSize(process.env.UV_THREADPOOL_SIZE),
      // The CPUs this process may use (its affinity mask), not merely those the machine has:
      // the ceiling of the worker pool's `parallel` mode.
      availableParallelism: availableParallelism(),
    },
  };
}
