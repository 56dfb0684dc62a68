/**
 * The sliding-window log as the runner serves it (docs/patterns/sliding-window.md): its
 * parameters; the modes, the live runs and the benchmark are shared with the token bucket
 * (`limiters.ts`).
 *
 * @module
 */

import { SlidingWindowLog } from "../sliding-window.js";
import { fieldPath, requireInteger, type Fields } from "./fields.js";
import { limiterPattern, type ScheduleFactory } from "./limiters.js";

const MAX_LIMIT = 1_000_000;
const MAX_WINDOW_MS = 86_400_000;

/** `limit`, then `windowMs`. */
function parameters(fields: Fields, path: string): ScheduleFactory {
  const limit = requireInteger(fields.limit, fieldPath(path, "limit"), 1, MAX_LIMIT);
  const windowMs = requireInteger(fields.windowMs, fieldPath(path, "windowMs"), 1, MAX_WINDOW_MS);
  return (ticksPerMs) => new SlidingWindowLog(limit, windowMs * ticksPerMs);
}

export const slidingWindow = limiterPattern(parameters);
