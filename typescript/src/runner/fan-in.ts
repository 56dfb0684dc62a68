/**
 * The fan-in pattern as the runner serves it: `op` picks merge or scatter-gather, each with its
 * own fields (`merge.ts`, `scatter-gather.ts`); the benchmark is a merge.
 *
 * @module
 */

import { requireChoice, requireInteger, type Fields } from "./fields.js";
import {
  benchMerge,
  benchMergeInput,
  MAX_SOURCES,
  runMerge,
  validateMerge,
  type MergeInput,
} from "./merge.js";
import type { CaseResult, PatternParts } from "./protocol.js";
import { runGather, validateGather, type GatherInput } from "./scatter-gather.js";

export type FanInInput = MergeInput | GatherInput;

/** `op` first, then the fields of that operation. */
export function validate(input: Fields): FanInInput {
  const op = requireChoice(input.op, "op", ["merge", "scatter-gather"]);
  return op === "merge" ? validateMerge(input) : validateGather(input);
}

export function run(input: FanInInput): Promise<CaseResult> {
  return input.op === "merge" ? runMerge(input) : runGather(input);
}

/** `params.op` (only a merge is benchmarked), then `params.sources`. */
export function benchInput(size: number, params: Fields): MergeInput {
  requireChoice(params.op, "params.op", ["merge"]);
  return benchMergeInput(size, requireInteger(params.sources, "params.sources", 1, MAX_SOURCES));
}

export const fanIn: PatternParts<FanInInput, MergeInput> = {
  validate,
  run,
  benchInput,
  bench: benchMerge,
};
