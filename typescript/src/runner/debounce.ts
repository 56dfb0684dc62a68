/**
 * The debouncer as the runner serves it (docs/patterns/debounce.md): `decide` runs the decision
 * core on the arrival times given; `live` makes the calls at those times on the real clock, each
 * firing starting a run that may fail. The decisions on data and the benchmark are shared with
 * the throttle (`gates.ts`).
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { NS_PER_MS, sleepUntil } from "../clock.js";
import { debounce, Debounce } from "../debounce.js";
import {
  indexPath,
  optionalInteger,
  requireArray,
  requireChoice,
  requireInteger,
  requireTimes,
  type Fields,
} from "./fields.js";
import {
  bench,
  benchArrivals,
  requirePerMs,
  runDecide,
  type FiringRule,
  type GateBench,
  type GateFactory,
} from "./gates.js";
import { errorOf, JobFailedError } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import type { CaseResult, PatternParts } from "./protocol.js";

const MAX_QUIET_MS = 60_000;
const MAX_MAX_WAIT_MS = 600_000;
const MAX_LIVE_MS = 60_000;
const MAX_RUN_MS = 1_000;

interface Parameters {
  readonly quietMs: number;
  readonly maxWaitMs: number | undefined;
}

export type DebounceInput = Parameters & { readonly arrivalsMs: readonly number[] } & (
    | { readonly mode: "decide" }
    | { readonly mode: "live"; readonly runMs: number; readonly failCalls: ReadonlySet<number> }
  );

export interface RunEvent {
  readonly call: number;
  readonly atNs: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly outcome: "ok" | "failed";
}

export interface DebounceObserved extends Observed {
  readonly arrivals: readonly { readonly call: number; readonly ns: number }[];
  readonly runs: readonly RunEvent[];
}

/** `mode`, `quietMs`, `maxWaitMs`, `arrivalsMs`, then, live, `runMs` and `failCalls`. */
export function validate(input: Fields): DebounceInput {
  const mode = requireChoice(input.mode, "mode", ["decide", "live"]);
  const quietMs = requireInteger(input.quietMs, "quietMs", 1, MAX_QUIET_MS);
  // The cap is on the wait of a burst's first call, which the quiet period already makes wait.
  const maxWaitMs =
    input.maxWaitMs === undefined
      ? undefined
      : requireInteger(input.maxWaitMs, "maxWaitMs", quietMs, MAX_MAX_WAIT_MS);
  const latest = mode === "decide" ? Number.MAX_SAFE_INTEGER : MAX_LIVE_MS;
  const arrivalsMs = requireTimes(input.arrivalsMs, "arrivalsMs", latest);
  if (mode === "decide") return { mode, quietMs, maxWaitMs, arrivalsMs };
  const runMs = optionalInteger(input.runMs, "runMs", 0, MAX_RUN_MS, 0);
  const indices = input.failCalls === undefined ? [] : requireArray(input.failCalls, "failCalls");
  const failCalls = new Set(
    indices.map((call, i) =>
      requireInteger(call, indexPath("failCalls", i), 0, arrivalsMs.length - 1),
    ),
  );
  return { mode, quietMs, maxWaitMs, arrivalsMs, runMs, failCalls };
}

function core({ quietMs, maxWaitMs }: Parameters): GateFactory {
  return (fire) => new Debounce<number>(quietMs, maxWaitMs, fire);
}

/**
 * Each call is made at its time after the start, stamped just before; each run is stamped
 * around, beside the instant the debouncer decided it, and fails as `failCalls` says. The call
 * returns once nothing is pending and every run has finished, with every outcome drained.
 */
async function runLive(input: Extract<DebounceInput, { mode: "live" }>): Promise<CaseResult> {
  const clock = new Clock();
  const arrivals: { call: number; ns: number }[] = [];
  const runs: RunEvent[] = [];
  const run = async (call: number, atNs: number): Promise<void> => {
    const startNs = clock.now();
    const fails = input.failCalls.has(call);
    if (input.runMs > 0) await sleep(input.runMs);
    runs.push({ call, atNs, startNs, endNs: clock.now(), outcome: fails ? "failed" : "ok" });
    if (fails) throw new JobFailedError("call", call);
  };
  const now = () => clock.now();
  const debounced = debounce<number>(run, input.quietMs, input.maxWaitMs, now);
  // Each call is made at its time, and never sooner after the call before than the case says:
  // the debouncer measures its periods from the calls as it saw them, so a call made late must
  // not bring the next one closer to it. Then a call that the case puts at the very instant a
  // burst is due is never ahead of that due time, whatever the timers' jitter.
  let previousNs = 0;
  let previousMs = 0;
  for (const [call, atMs] of input.arrivalsMs.entries()) {
    await sleepUntil(Math.max(atMs * NS_PER_MS, previousNs + (atMs - previousMs) * NS_PER_MS), now);
    arrivals.push({ call, ns: clock.now() });
    debounced.call(call);
    previousNs = clock.now();
    previousMs = atMs;
  }
  const fired = (await debounced.drain()).map((done) =>
    done.ok
      ? { call: done.call }
      : { call: done.call, error: errorOf("call", done.call, done.error) },
  );
  const observed: DebounceObserved = { elapsedNs: clock.now(), arrivals, runs };
  return { output: { fired }, observed };
}

export function run(input: DebounceInput): Promise<CaseResult> {
  if (input.mode === "live") return runLive(input);
  return Promise.resolve(runDecide(core(input), input.arrivalsMs));
}

/**
 * Each firing is of its burst's last call, at the quiet period after it or at the cap after the
 * burst's first, whichever is sooner: the burst runs from the call after the last firing's.
 */
function quietRule({ quietMs, maxWaitMs }: Parameters): FiringRule {
  return ({ call, atMs }, i, fired, arrivalsMs) => {
    const first = arrivalsMs[(fired[i - 1]?.call ?? -1) + 1] ?? 0;
    const last = arrivalsMs[call] ?? 0;
    const due =
      maxWaitMs === undefined ? last + quietMs : Math.min(last + quietMs, first + maxWaitMs);
    const next = arrivalsMs[call + 1];
    if (atMs !== due) return `is not due then (due at ${String(due)} ms)`;
    return next !== undefined && next < atMs ? "ends a burst that went on" : undefined;
  };
}

/** Validates `quietMs`, `maxWaitMs` (required here), then `perMs`. */
export function benchInput(size: number, params: Fields): GateBench {
  const quietMs = requireInteger(params.quietMs, "params.quietMs", 1, MAX_QUIET_MS);
  const maxWaitMs = requireInteger(params.maxWaitMs, "params.maxWaitMs", quietMs, MAX_MAX_WAIT_MS);
  const perMs = requirePerMs(params);
  const gate = { quietMs, maxWaitMs };
  return { gate: core(gate), rule: quietRule(gate), arrivalsMs: benchArrivals(size, perMs) };
}

export const debouncePattern: PatternParts<DebounceInput, GateBench> = {
  validate,
  run,
  benchInput,
  bench,
};
