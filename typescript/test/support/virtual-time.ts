/**
 * Virtual time for tests: `setTimeout` (global, `node:timers` and `node:timers/promises`) runs
 * only when the test moves the clock, and `Date.now()` reads that clock (from 0), so timing
 * assertions hold exactly on any machine.
 */

import { syncBuiltinESMExports } from "node:module";
import { mock } from "node:test";

/**
 * Node's mock timers replace the CommonJS exports of `node:timers/promises`; ES modules that
 * imported `setTimeout` by name see the replacement only once `syncBuiltinESMExports` runs.
 * Call it again after `mock.timers.reset()` to restore the real timers.
 */
export function useVirtualTime(): void {
  mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  syncBuiltinESMExports();
}

export function useRealTime(): void {
  mock.timers.reset();
  syncBuiltinESMExports();
}

/**
 * Moves the clock forward, then lets every continuation that the fired timers released run
 * (they are promise jobs, which all run before the next `setImmediate`, left unmocked here).
 */
export async function advance(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await flush();
}

/** The virtual clock in nanoseconds, for code that takes a clock (a live rate limiter). */
export function virtualNs(): number {
  return Date.now() * 1_000_000;
}

/** Lets every pending promise job and I/O callback run, without moving the clock. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
