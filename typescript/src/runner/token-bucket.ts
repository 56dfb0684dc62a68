/**
 * The token bucket as the runner serves it (docs/patterns/token-bucket.md): its parameters;
 * the modes, the live runs and the benchmark are shared with the sliding window (`limiters.ts`).
 *
 * @module
 */

import { TokenBucket } from "../token-bucket.js";
import { fieldPath, requireInteger, requireObject, type Fields } from "./fields.js";
import { limiterPattern, type ScheduleFactory } from "./limiters.js";

const MAX_TOKENS = 1_000_000;
const MAX_EVERY_MS = 86_400_000;
const MAX_BURST = 1_000_000;

/** `refill` (itself, then `tokens`, `everyMs`), then `burst`. */
function parameters(fields: Fields, path: string): ScheduleFactory {
  const refillPath = fieldPath(path, "refill");
  const refill = requireObject(fields.refill, refillPath);
  const tokens = requireInteger(refill.tokens, fieldPath(refillPath, "tokens"), 1, MAX_TOKENS);
  const everyMs = requireInteger(refill.everyMs, fieldPath(refillPath, "everyMs"), 1, MAX_EVERY_MS);
  const burst = requireInteger(fields.burst, fieldPath(path, "burst"), 1, MAX_BURST);
  // A token costs `everyMs` ticks' worth of credits: in milliseconds when deciding on data, in
  // nanoseconds live, so the rate is the same on either clock.
  return (ticksPerMs) => new TokenBucket(tokens, everyMs * ticksPerMs, burst);
}

export const tokenBucket = limiterPattern(parameters);
