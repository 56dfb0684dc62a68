/**
 * The one table of patterns this runner implements. Adding a pattern means writing its
 * `PatternParts` (validator, run, bench input, bench) and registering it here.
 *
 * @module
 */

import type { Fields } from "./fields.js";
import type { CaseResult, Measurement, PatternParts } from "./protocol.js";
import { workerPool } from "./worker-pool.js";

/** A pattern with its input type hidden: validating returns what runs the validated input. */
export interface Pattern {
  readonly prepareRun: (input: Fields) => () => Promise<CaseResult>;
  readonly prepareBench: (size: number, params: Fields) => () => Promise<Measurement>;
}

function definePattern<I>(parts: PatternParts<I>): Pattern {
  return {
    prepareRun: (input) => {
      const valid = parts.validate(input);
      return () => parts.run(valid);
    },
    prepareBench: (size, params) => {
      const valid = parts.benchInput(size, params);
      return () => parts.bench(valid);
    },
  };
}

export const patterns: ReadonlyMap<string, Pattern> = new Map([
  ["worker-pool", definePattern(workerPool)],
]);
