/**
 * The one table of patterns this runner implements. Adding a pattern means writing its
 * `PatternParts` (validator, run, bench input, bench) and registering it here.
 *
 * @module
 */

import type { Fields } from "./fields.js";
import type { BenchParts, CaseResult, Measurement, PatternParts } from "./protocol.js";
import { batching } from "./batching.js";
import { circuitBreakerPattern } from "./circuit-breaker.js";
import { debouncePattern } from "./debounce.js";
import { errorGroup } from "./error-group.js";
import { fanIn } from "./fan-in.js";
import { firstCompleted } from "./first-completed.js";
import { pipelinePattern } from "./pipeline.js";
import { priorityQueue } from "./priority-queue.js";
import { producerConsumer } from "./producer-consumer.js";
import { pubSub } from "./pub-sub.js";
import { retryPattern } from "./retry.js";
import { rwlockCache } from "./rwlock-cache.js";
import { slidingWindow } from "./sliding-window.js";
import { throttlePattern } from "./throttle.js";
import { timeout } from "./timeout.js";
import { tokenBucket } from "./token-bucket.js";
import { workerPool } from "./worker-pool.js";

/** A benchmark ready to run: `measure` is one run, `close` ends what the runs shared. */
export interface PreparedBench {
  readonly measure: () => Promise<Measurement>;
  readonly close: () => Promise<void>;
}

/** Anything `bench` measures, its input type hidden: validating returns what runs it. */
export interface Benchmark {
  readonly prepareBench: (size: number, params: Fields) => PreparedBench;
}

/** A pattern: a benchmark that also validates and runs cases. */
export interface Pattern extends Benchmark {
  readonly prepareRun: (input: Fields) => () => Promise<CaseResult>;
}

export function defineBenchmark<B>(parts: BenchParts<B>): Benchmark {
  return {
    prepareBench: (size, params) => {
      const valid = parts.benchInput(size, params);
      return {
        measure: () => parts.bench(valid),
        close: async () => {
          await parts.release?.(valid);
        },
      };
    },
  };
}

function definePattern<I, B>(parts: PatternParts<I, B>): Pattern {
  return {
    ...defineBenchmark(parts),
    prepareRun: (input) => {
      const valid = parts.validate(input);
      return () => parts.run(valid);
    },
  };
}

export const patterns: ReadonlyMap<string, Pattern> = new Map([
  ["worker-pool", definePattern(workerPool)],
  ["fan-in", definePattern(fanIn)],
  ["rwlock-cache", definePattern(rwlockCache)],
  ["token-bucket", definePattern(tokenBucket)],
  ["sliding-window", definePattern(slidingWindow)],
  ["producer-consumer", definePattern(producerConsumer)],
  ["pipeline", definePattern(pipelinePattern)],
  ["batching", definePattern(batching)],
  ["priority-queue", definePattern(priorityQueue)],
  ["pub-sub", definePattern(pubSub)],
  ["timeout", definePattern(timeout)],
  ["retry", definePattern(retryPattern)],
  ["first-completed", definePattern(firstCompleted)],
  ["error-group", definePattern(errorGroup)],
  ["throttle", definePattern(throttlePattern)],
  ["debounce", definePattern(debouncePattern)],
  ["circuit-breaker", definePattern(circuitBreakerPattern)],
]);
