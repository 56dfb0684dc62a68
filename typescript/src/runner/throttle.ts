/**
 * The throttle as the runner serves it (docs/patterns/throttle.md): `decide` runs the decision
 * core on the arrival times given; `live` has callers share one live throttle on the real clock.
 * The decisions on data and the benchmark are shared with the debouncer (`gates.ts`).
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { throttle, Throttle, type Edges } from "../throttle.js";
import {
  optionalBoolean,
  requireBoolean,
  requireChoice,
  requireInteger,
  requireTimes,
  type Fields,
} from "./fields.js";
import {
  bench,
  benchArrivals,
  requireAnEdge,
  requirePerMs,
  runDecide,
  type FiringRule,
  type GateBench,
  type GateFactory,
} from "./gates.js";
import { Clock, type Observed } from "./observe.js";
import type { CaseResult, PatternParts } from "./protocol.js";

const MAX_INTERVAL_MS = 60_000;
const MAX_CALLERS = 100;
const MAX_CALLS_PER_CALLER = 1_000;
const MAX_GAP_MS = 1_000;

interface Parameters {
  readonly intervalMs: number;
  readonly edges: Required<Edges>;
}

export type ThrottleInput = Parameters &
  (
    | { readonly mode: "decide"; readonly arrivalsMs: readonly number[] }
    | {
        readonly mode: "live";
        readonly callers: number;
        readonly callsPerCaller: number;
        readonly gapMs: number;
      }
  );

export interface ThrottleObserved extends Observed {
  readonly calls: readonly { readonly caller: number; readonly ns: number }[];
  readonly fires: readonly { readonly atNs: number; readonly startNs: number }[];
}

/** `mode`, `intervalMs`, `leading`, `trailing`, then `arrivalsMs`, or the live callers' fields. */
export function validate(input: Fields): ThrottleInput {
  const mode = requireChoice(input.mode, "mode", ["decide", "live"]);
  const intervalMs = requireInteger(input.intervalMs, "intervalMs", 1, MAX_INTERVAL_MS);
  const leading = optionalBoolean(input.leading, "leading", true);
  const trailing = optionalBoolean(input.trailing, "trailing", false);
  requireAnEdge(leading, trailing, "trailing");
  const edges = { leading, trailing };
  if (mode === "decide") {
    const arrivalsMs = requireTimes(input.arrivalsMs, "arrivalsMs", Number.MAX_SAFE_INTEGER);
    return { mode, intervalMs, edges, arrivalsMs };
  }
  const callers = requireInteger(input.callers, "callers", 1, MAX_CALLERS);
  const callsPerCaller = requireInteger(
    input.callsPerCaller,
    "callsPerCaller",
    0,
    MAX_CALLS_PER_CALLER,
  );
  const gapMs = requireInteger(input.gapMs, "gapMs", 0, MAX_GAP_MS);
  return { mode, intervalMs, edges, callers, callsPerCaller, gapMs };
}

function core({ intervalMs, edges }: Parameters): GateFactory {
  return (fire) => new Throttle<number>(intervalMs, edges, fire);
}

/**
 * Every caller offers its calls to one throttle, `gapMs` apart, each stamped just before it is
 * offered, and never waits for the throttle; each firing is stamped as the throttled function
 * begins, beside the instant the throttle decided it. The call returns once nothing is pending.
 */
async function runLive(input: Extract<ThrottleInput, { mode: "live" }>): Promise<CaseResult> {
  const clock = new Clock();
  const calls: { caller: number; ns: number }[] = [];
  const fires: { atNs: number; startNs: number }[] = [];
  const throttled = throttle<number>(
    (_caller, atNs) => fires.push({ atNs, startNs: clock.now() }),
    input.intervalMs,
    input.edges,
    () => clock.now(),
  );
  const caller = async (number: number): Promise<void> => {
    for (let call = 0; call < input.callsPerCaller; call++) {
      if (call > 0 && input.gapMs > 0) await sleep(input.gapMs);
      calls.push({ caller: number, ns: clock.now() });
      throttled.call(number);
    }
  };
  await Promise.all(Array.from({ length: input.callers }, (_, number) => caller(number)));
  await throttled.idle();
  const observed: ThrottleObserved = { elapsedNs: clock.now(), calls, fires };
  return { output: { calls: calls.length }, observed };
}

export function run(input: ThrottleInput): Promise<CaseResult> {
  if (input.mode === "live") return runLive(input);
  return Promise.resolve(runDecide(core(input), input.arrivalsMs));
}

/** No two firings closer than the interval. */
function spacedBy(intervalMs: number): FiringRule {
  return ({ atMs }, i, fired) => {
    const before = fired[i - 1];
    return before !== undefined && atMs - before.atMs < intervalMs
      ? `came ${String(atMs - before.atMs)} ms after the firing before`
      : undefined;
  };
}

/** Validates `intervalMs`, `perMs`, `leading`, then `trailing`. */
export function benchInput(size: number, params: Fields): GateBench {
  const intervalMs = requireInteger(params.intervalMs, "params.intervalMs", 1, MAX_INTERVAL_MS);
  const perMs = requirePerMs(params);
  const leading = requireBoolean(params.leading, "params.leading");
  const trailing = requireBoolean(params.trailing, "params.trailing");
  requireAnEdge(leading, trailing, "params.trailing");
  return {
    gate: core({ intervalMs, edges: { leading, trailing } }),
    rule: spacedBy(intervalMs),
    arrivalsMs: benchArrivals(size, perMs),
  };
}

export const throttlePattern: PatternParts<ThrottleInput, GateBench> = {
  validate,
  run,
  benchInput,
  bench,
};
