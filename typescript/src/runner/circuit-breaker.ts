/**
 * The circuit breaker as the runner serves it (docs/patterns/circuit-breaker.md): `decide` runs
 * the decision core on instantaneous calls given as data; `live` has callers share one breaker
 * on the real clock, each waiting its gap, then calling; the benchmark decides on data.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import {
  Breaker,
  CircuitBreaker,
  CircuitOpenError,
  type BreakerOptions,
  type State,
} from "../circuit-breaker.js";
import {
  fieldPath,
  indexPath,
  requireArray,
  requireArrayLength,
  requireChoice,
  requireInteger,
  requireNotBefore,
  requireObject,
  type Fields,
} from "./fields.js";
import { JobFailedError } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import {
  SelfCheckError,
  type CaseResult,
  type Measurement,
  type PatternParts,
} from "./protocol.js";

const MAX_THRESHOLD = 1_000;
const MAX_WINDOW_MS = 600_000;
const MAX_OPEN_MS = 600_000;
const MAX_PROBES = 1_000;
const MAX_CALLERS = 100;
const MAX_RUN_MS = 1_000;
const MAX_GAP_MS = 1_000;
const OUTCOMES = ["ok", "fail"] as const;

type Outcome = (typeof OUTCOMES)[number];

/** The breaker's parameters as the input gives them, in milliseconds. */
interface Parameters {
  readonly failureThreshold: number;
  readonly windowMs: number;
  readonly openMs: number;
  readonly halfOpenProbes: number;
}

export interface Call {
  readonly atMs: number;
  readonly outcome: Outcome;
}

export interface LiveCall {
  readonly outcome: Outcome;
  readonly runMs: number;
  readonly gapMs: number;
}

export type BreakerInput = Parameters &
  (
    | { readonly mode: "decide"; readonly calls: readonly Call[] }
    | { readonly mode: "live"; readonly callers: readonly (readonly LiveCall[])[] }
  );

export type CallEvent = {
  readonly caller: number;
  readonly index: number;
  readonly decidedNs: number;
} & (
  | { readonly decision: "ran"; readonly startNs: number; readonly endNs: number }
  | { readonly decision: "rejected" }
);

export interface BreakerObserved extends Observed {
  readonly calls: readonly CallEvent[];
  readonly changes: readonly { readonly atNs: number; readonly to: State }[];
}

/** `failureThreshold`, `windowMs`, `openMs`, then `halfOpenProbes`, under `prefix`. */
function parameters(fields: Fields, prefix: string): Parameters {
  return {
    failureThreshold: requireInteger(
      fields.failureThreshold,
      `${prefix}failureThreshold`,
      1,
      MAX_THRESHOLD,
    ),
    windowMs: requireInteger(fields.windowMs, `${prefix}windowMs`, 1, MAX_WINDOW_MS),
    openMs: requireInteger(fields.openMs, `${prefix}openMs`, 1, MAX_OPEN_MS),
    halfOpenProbes: requireInteger(fields.halfOpenProbes, `${prefix}halfOpenProbes`, 1, MAX_PROBES),
  };
}

/** Each call whole (object, `atMs` in range and in time order, `outcome`) before the next. */
function validateCalls(value: unknown): Call[] {
  const calls: Call[] = [];
  for (const [i, call] of requireArray(value, "calls").entries()) {
    const path = indexPath("calls", i);
    const fields = requireObject(call, path);
    const atPath = fieldPath(path, "atMs");
    const atMs = requireNotBefore(
      requireInteger(fields.atMs, atPath, 0, Number.MAX_SAFE_INTEGER),
      atPath,
      calls.at(-1)?.atMs,
      fieldPath(indexPath("calls", i - 1), "atMs"),
    );
    calls.push({
      atMs,
      outcome: requireChoice(fields.outcome, fieldPath(path, "outcome"), OUTCOMES),
    });
  }
  return calls;
}

/** `callers`, 1 to 100 of them, each an array of calls (`outcome`, `runMs`, `gapMs`). */
function validateCallers(value: unknown): LiveCall[][] {
  return requireArrayLength(value, "callers", 1, MAX_CALLERS).map((script, i) => {
    const scriptPath = indexPath("callers", i);
    return requireArray(script, scriptPath).map((call, j) => {
      const path = indexPath(scriptPath, j);
      const fields = requireObject(call, path);
      return {
        outcome: requireChoice(fields.outcome, fieldPath(path, "outcome"), OUTCOMES),
        runMs: requireInteger(fields.runMs, fieldPath(path, "runMs"), 0, MAX_RUN_MS),
        gapMs: requireInteger(fields.gapMs, fieldPath(path, "gapMs"), 0, MAX_GAP_MS),
      };
    });
  });
}

/** `mode`, the parameters, then `calls` or `callers`. */
export function validate(input: Fields): BreakerInput {
  const mode = requireChoice(input.mode, "mode", ["decide", "live"]);
  const params = parameters(input, "");
  if (mode === "decide") return { mode, ...params, calls: validateCalls(input.calls) };
  return { mode, ...params, callers: validateCallers(input.callers) };
}

function options({
  failureThreshold,
  windowMs,
  openMs,
  halfOpenProbes,
}: Parameters): BreakerOptions {
  return { failureThreshold, window: windowMs, open: openMs, halfOpenProbes };
}

interface Decided {
  readonly decisions: ("ran" | "rejected")[];
  readonly changes: { readonly atMs: number; readonly to: State }[];
}

/** Each call decided in turn by a fresh core, and, when it ran, its result told at once. */
function decideAll(params: Parameters, calls: readonly Call[]): Decided {
  const changes: { atMs: number; to: State }[] = [];
  const core = new Breaker(options(params), (to, atMs) => changes.push({ atMs, to }));
  const decisions = calls.map(({ atMs, outcome }) => {
    const ticket = core.admit(atMs);
    if (ticket === undefined) return "rejected" as const;
    core.record(ticket, atMs, outcome === "fail");
    return "ran" as const;
  });
  return { decisions, changes };
}

function runDecide(input: Extract<BreakerInput, { mode: "decide" }>): CaseResult {
  const clock = new Clock();
  const decided = decideAll(input, input.calls);
  const observed: Observed = { elapsedNs: clock.now() };
  return { output: decided, observed };
}

/**
 * Every caller waits its gap, then calls, one call after the other, all through one breaker.
 * A call that runs is stamped around its run, beside the instant the breaker let it through; a
 * rejected one has only that instant. Changes are stamped from the breaker's clock.
 */
async function runLive(input: Extract<BreakerInput, { mode: "live" }>): Promise<CaseResult> {
  const clock = new Clock();
  const calls: CallEvent[] = [];
  const changes: { atNs: number; to: State }[] = [];
  const { failureThreshold, windowMs, openMs, halfOpenProbes } = input;
  const breaker = new CircuitBreaker({
    failureThreshold,
    windowMs,
    openMs,
    halfOpenProbes,
    onChange: (to, atNs) => changes.push({ atNs, to }),
    clock: () => clock.now(),
  });
  const caller = async (number: number, script: readonly LiveCall[]): Promise<void> => {
    for (const [index, { outcome, runMs, gapMs }] of script.entries()) {
      if (gapMs > 0) await sleep(gapMs);
      try {
        await breaker.call(async (decidedNs) => {
          const startNs = clock.now();
          if (runMs > 0) await sleep(runMs);
          calls.push({
            caller: number,
            index,
            decidedNs,
            decision: "ran",
            startNs,
            endNs: clock.now(),
          });
          if (outcome === "fail") throw new JobFailedError("call", index);
        });
      } catch (error) {
        if (error instanceof CircuitOpenError) {
          calls.push({ caller: number, index, decidedNs: error.at, decision: "rejected" });
        } else if (!(error instanceof JobFailedError)) {
          throw error;
        }
      }
    }
  };
  await Promise.all(input.callers.map((script, number) => caller(number, script)));
  const observed: BreakerObserved = { elapsedNs: clock.now(), calls, changes };
  return { output: { calls: calls.length }, observed };
}

export function run(input: BreakerInput): Promise<CaseResult> {
  if (input.mode === "live") return runLive(input);
  return Promise.resolve(runDecide(input));
}

export interface BreakerBench {
  readonly params: Parameters;
  readonly calls: readonly Call[];
}

/** Call `i` at `i` ms, failing when `i mod 10 < 3`. Validates the parameters in their order. */
export function benchInput(size: number, fields: Fields): BreakerBench {
  const params = parameters(fields, "params.");
  const calls = Array.from({ length: size }, (_, i): Call => ({
    atMs: i,
    outcome: i % 10 < 3 ? "fail" : "ok",
  }));
  return { params, calls };
}

const NEXT: Readonly<Record<State, readonly State[]>> = {
  closed: ["open"],
  open: ["half-open"],
  "half-open": ["open", "closed"],
};

/**
 * The changes against the rule: closed to open to half-open to open or closed, in time order,
 * open for exactly `openMs` each time; and a call rejected exactly when the breaker was open. A
 * change to half-open at a call's instant comes before the call; one to open or closed at that
 * instant is the call's own result, after it.
 */
function checkDecisions({ params, calls }: BreakerBench, { decisions, changes }: Decided): void {
  let state: State = "closed";
  let since = 0;
  let next = 0;
  const apply = ({ atMs, to }: { atMs: number; to: State }): void => {
    const what = `the change to ${to} at ${String(atMs)} ms`;
    if (!NEXT[state].includes(to) || atMs < since) {
      throw new SelfCheckError(`${what} does not follow ${state} since ${String(since)} ms`);
    }
    if (state === "open" && atMs - since !== params.openMs) {
      throw new SelfCheckError(`${what} ends an open period that is not openMs long`);
    }
    [state, since] = [to, atMs];
  };
  calls.forEach(({ atMs }, i) => {
    for (let change = changes[next]; change !== undefined; change = changes[next]) {
      if (change.atMs > atMs || (change.atMs === atMs && change.to !== "half-open")) break;
      apply(change);
      next += 1;
    }
    if ((state === "open") !== (decisions[i] === "rejected")) {
      throw new SelfCheckError(
        `call ${String(i)} ${String(decisions[i])} with the breaker ${state}`,
      );
    }
  });
  const last = calls.at(-1)?.atMs ?? 0;
  for (const change of changes.slice(next)) {
    if (change.atMs > last) throw new SelfCheckError("a change came after the last call");
    apply(change);
  }
}

export function bench(input: BreakerBench): Promise<Measurement> {
  const clock = new Clock();
  const decided = decideAll(input.params, input.calls);
  const elapsedNs = clock.now();
  checkDecisions(input, decided);
  const ran = decided.decisions.filter((decision) => decision === "ran").length;
  return Promise.resolve({
    elapsedNs,
    check: { count: input.calls.length, ran, changes: decided.changes.length },
  });
}

export const circuitBreakerPattern: PatternParts<BreakerInput, BreakerBench> = {
  validate,
  run,
  benchInput,
  bench,
};
