/**
 * What the two rate limiters share as the runner serves them (docs/snippets/limiter-modes.md).
 *
 * A limiter's own runner module (`token-bucket.ts`, `sliding-window.ts`) reads its parameters
 * into a factory of schedules and gets its pattern from `limiterPattern`. This module reads
 * `mode` and the mode's fields around those parameters and runs a case: on data (`decide`) or
 * live (callers sharing one `Limiter`), and benchmarks decisions on data.
 *
 * @module
 */

import { Limiter, type Schedule } from "../rate-limit.js";
import { requireChoice, requireInteger, requireTimes, type Fields } from "./fields.js";
import { Clock, type Observed } from "./observe.js";
import {
  SelfCheckError,
  type CaseResult,
  type Measurement,
  type PatternParts,
} from "./protocol.js";

const NS_PER_MS = 1_000_000;
const MAX_CALLERS = 1_000;
const MAX_REQUESTS_PER_CALLER = 10_000;

/**
 * A fresh schedule with the pattern's parameters, counting time in ticks of which the argument
 * make one millisecond: 1 when deciding on data, `NS_PER_MS` on the live clock.
 */
export type ScheduleFactory = (ticksPerMs: number) => Schedule;

/** Reads a limiter's parameters from the object at `path` (`""` for a case's input). */
export type ParameterReader = (fields: Fields, path: string) => ScheduleFactory;

export type LimiterInput =
  | { readonly mode: "decide"; readonly schedule: ScheduleFactory; readonly arrivalsMs: number[] }
  | {
      readonly mode: "live";
      readonly schedule: ScheduleFactory;
      readonly callers: number;
      readonly requestsPerCaller: number;
    };

export interface Admission {
  readonly caller: number;
  readonly requestNs: number;
  readonly atNs: number;
  readonly wokeNs: number;
}

export interface LimiterObserved extends Observed {
  /** One per `acquire` in live mode; none when deciding on data. */
  readonly admissions: readonly Admission[];
}

/** `mode`, the limiter's parameters, then `arrivalsMs`, or `callers` and `requestsPerCaller`. */
function validate(input: Fields, parameters: ParameterReader): LimiterInput {
  const mode = requireChoice(input.mode, "mode", ["decide", "live"]);
  const schedule = parameters(input, "");
  if (mode === "decide") {
    return {
      mode,
      schedule,
      arrivalsMs: requireTimes(input.arrivalsMs, "arrivalsMs", Number.MAX_SAFE_INTEGER),
    };
  }
  const callers = requireInteger(input.callers, "callers", 1, MAX_CALLERS);
  const requestsPerCaller = requireInteger(
    input.requestsPerCaller,
    "requestsPerCaller",
    0,
    MAX_REQUESTS_PER_CALLER,
  );
  return { mode, schedule, callers, requestsPerCaller };
}

/**
 * Writes the wait in ticks for each arrival into `waits`, 0 for an admission. The caller makes
 * `waits`, as long as `arrivals`, before the clock starts.
 */
function decideAll(schedule: Schedule, arrivals: readonly number[], waits: number[]): void {
  // An array filled before the clock starts is written in place; `map` would allocate here.
  arrivals.forEach((arrival, i) => {
    waits[i] = schedule.decide(arrival);
  });
}

function runDecide(schedule: ScheduleFactory, arrivalsMs: readonly number[]): CaseResult {
  const fresh = schedule(1);
  const waits = new Array<number>(arrivalsMs.length).fill(0);
  const clock = new Clock();
  decideAll(fresh, arrivalsMs, waits);
  const observed: LimiterObserved = { elapsedNs: clock.now(), admissions: [] };
  const decisions = Array.from(waits, (waitMs) =>
    waitMs === 0 ? { admit: true } : { admit: false, waitMs },
  );
  return { output: { decisions }, observed };
}

/**
 * Every caller calls `acquire` back to back on one limiter. Every time is read from the clock
 * the limiter decides with, from the start of the measured region. The callers share no state
 * but the limiter, and it needs no lock: they all run on this one thread.
 */
async function runLive(
  schedule: ScheduleFactory,
  callers: number,
  requestsPerCaller: number,
): Promise<CaseResult> {
  const clock = new Clock();
  const limiter = new Limiter(schedule(NS_PER_MS), () => clock.now());
  const caller = async (number: number): Promise<Admission[]> => {
    const admissions: Admission[] = [];
    for (let request = 0; request < requestsPerCaller; request++) {
      const requestNs = clock.now();
      const atNs = await limiter.acquire();
      admissions.push({ caller: number, requestNs, atNs, wokeNs: clock.now() });
    }
    return admissions;
  };
  const perCaller = await Promise.all(Array.from({ length: callers }, (_, n) => caller(n)));
  const observed: LimiterObserved = { elapsedNs: clock.now(), admissions: perCaller.flat() };
  return { output: { admitted: observed.admissions.length }, observed };
}

function run(input: LimiterInput): Promise<CaseResult> {
  if (input.mode === "live") {
    return runLive(input.schedule, input.callers, input.requestsPerCaller);
  }
  return Promise.resolve(runDecide(input.schedule, input.arrivalsMs));
}

interface LimiterBench {
  readonly schedule: ScheduleFactory;
  readonly arrivalsMs: readonly number[];
}

/** `size` decisions on arrivals 0, 1, 2, ... ms. */
function benchInput(size: number, params: Fields, parameters: ParameterReader): LimiterBench {
  const schedule = parameters(params, "params");
  return { schedule, arrivalsMs: Array.from({ length: size }, (_, ms) => ms) };
}

function bench({ schedule, arrivalsMs }: LimiterBench): Promise<Measurement> {
  const fresh = schedule(1);
  const waits = new Array<number>(arrivalsMs.length).fill(0);
  const clock = new Clock();
  decideAll(fresh, arrivalsMs, waits);
  const elapsedNs = clock.now();
  const bad = waits.findIndex((wait) => !Number.isSafeInteger(wait) || wait < 0);
  if (bad !== -1) {
    throw new SelfCheckError(`arrival ${String(bad)} was told to wait ${String(waits[bad])} ms`);
  }
  const admitted = waits.filter((wait) => wait === 0).length;
  return Promise.resolve({ elapsedNs, check: { count: waits.length, admitted } });
}

/** The pattern of the limiter whose parameters `parameters` reads, in its documented order. */
export function limiterPattern(
  parameters: ParameterReader,
): PatternParts<LimiterInput, LimiterBench> {
  return {
    validate: (input) => validate(input, parameters),
    run,
    benchInput: (size, params) => benchInput(size, params, parameters),
    bench,
  };
}
