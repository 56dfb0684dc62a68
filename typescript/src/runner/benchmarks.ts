/**
 * Benchmark-only workloads (`docs/benchmarks.md`): `bench` measures them as it measures a
 * pattern and `list` names them under `benchmarks`, but they have no spec and no cases to `run`.
 * Adding one is a module with its `BenchParts` and a row here.
 *
 * @module
 */

import { manyTasks } from "./many-tasks.js";
import { defineBenchmark, type Benchmark } from "./patterns.js";

export const benchmarks: ReadonlyMap<string, Benchmark> = new Map([
  ["many-tasks", defineBenchmark(manyTasks)],
]);
