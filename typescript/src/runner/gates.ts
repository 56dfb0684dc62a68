/**
 * What the throttle and the debouncer share as the runner serves them: each decides on arrival
 * times given as data (`decide`) and answers which calls fired when, and both benchmarks decide
 * on `size` arrivals, `perMs` to a millisecond. Each pattern's own module (`throttle.ts`,
 * `debounce.ts`) reads its input, makes its core through a `GateFactory`, and runs live.
 *
 * @module
 */

import { FieldError, requireInteger, type Fields } from "./fields.js";
import { sumDigest } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import { SelfCheckError, type CaseResult, type Measurement } from "./protocol.js";

const MAX_PER_MS = 1_000_000;

/** A decision core told calls by their index, at non-decreasing times, then the end. */
export interface Gate {
  call(index: number, now: number): void;
  end(): void;
}

/** A fresh core that hands each firing to `fire`, its times in milliseconds. */
export type GateFactory = (fire: (call: number, atMs: number) => void) => Gate;

export interface Firing {
  readonly call: number;
  readonly atMs: number;
}

/** Every arrival told to a fresh core in order, then the end; the firings, in firing order. */
function decideAll(gate: GateFactory, arrivalsMs: readonly number[]): Firing[] {
  const fired: Firing[] = [];
  const core = gate((call, atMs) => fired.push({ call, atMs }));
  arrivalsMs.forEach((atMs, call) => {
    core.call(call, atMs);
  });
  core.end();
  return fired;
}

export function runDecide(gate: GateFactory, arrivalsMs: readonly number[]): CaseResult {
  const clock = new Clock();
  const fired = decideAll(gate, arrivalsMs);
  const observed: Observed = { elapsedNs: clock.now() };
  return { output: { fired }, observed };
}

/**
 * A pattern's own rule on its firings, beyond what every gate keeps: the problem with the
 * firing at `index`, or `undefined`.
 */
export type FiringRule = (
  firing: Firing,
  index: number,
  fired: readonly Firing[],
  arrivalsMs: readonly number[],
) => string | undefined;

export interface GateBench {
  readonly gate: GateFactory;
  readonly rule: FiringRule;
  readonly arrivalsMs: readonly number[];
}

/** The benchmark's `params.perMs`: how many arrivals share each millisecond. */
export function requirePerMs(params: Fields): number {
  return requireInteger(params.perMs, "params.perMs", 1, MAX_PER_MS);
}

/** `size` arrivals, arrival `i` at `i / perMs` ms (integer division). */
export function benchArrivals(size: number, perMs: number): number[] {
  return Array.from({ length: size }, (_, i) => Math.floor(i / perMs));
}

/** `params.trailing`'s error when neither edge is asked for, as a case's `trailing` would be. */
export function requireAnEdge(leading: boolean, trailing: boolean, path: string): void {
  if (!leading && !trailing) {
    throw new FieldError(path, `${path} must be true when leading is false, got false`);
  }
}

/**
 * One measured run of the decisions, then their self-check: each firing is of a later call
 * than the one before, no sooner than the one before nor than its call's arrival, and keeps the
 * pattern's rule. The check is the number of firings and the sum of their times.
 */
export function bench({ gate, rule, arrivalsMs }: GateBench): Promise<Measurement> {
  const clock = new Clock();
  const fired = decideAll(gate, arrivalsMs);
  const elapsedNs = clock.now();
  fired.forEach((firing, i) => {
    const before = fired[i - 1];
    const arrival = arrivalsMs[firing.call];
    const what = `firing ${String(i)} (call ${String(firing.call)} at ${String(firing.atMs)} ms)`;
    if (arrival === undefined || firing.atMs < arrival) {
      throw new SelfCheckError(`${what} fired before its call`);
    }
    if (before !== undefined && (firing.call <= before.call || firing.atMs < before.atMs)) {
      throw new SelfCheckError(`${what} is out of order`);
    }
    const problem = rule(firing, i, fired, arrivalsMs);
    if (problem !== undefined) throw new SelfCheckError(`${what} ${problem}`);
  });
  const digest = sumDigest(fired.map(({ atMs }) => atMs));
  return Promise.resolve({
    elapsedNs,
    check: { count: arrivalsMs.length, fired: fired.length, digest },
  });
}
