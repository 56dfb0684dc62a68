/**
 * Validation helpers shared by every pattern's input validator. A failed rule throws a
 * `FieldError` naming the offending field as a path (`workers`, `jobs[2].cost`) and a message
 * that names the path, the rule and what was received, so that every language of the cookbook
 * reports the same field for the same bad input.
 *
 * @module
 */

import type { FieldProblem } from "./protocol.js";

/** An invalid field: answered as a case error, never a failure of the runner. */
export class FieldError extends Error {
  override readonly name = "FieldError";

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs a validator. A `FieldError` becomes the problem to answer; any other error is a bug and
 * propagates.
 */
export function validated<T>(
  validate: () => T,
): { readonly valid: T } | { readonly problem: FieldProblem } {
  try {
    return { valid: validate() };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return { problem: { field: error.field, message: error.message } };
  }
}

/** A parsed JSON object. */
export type Fields = Readonly<Partial<Record<string, unknown>>>;

export function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The path of a field of the object at `path`; `""` is the root, whose fields are bare keys. */
export function fieldPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** The path of an element of the array at `path`. */
export function indexPath(path: string, index: number): string {
  return `${path}[${String(index)}]`;
}

/** What was received, in words: `nothing`, `null`, `a string`, `2.5`, `an array`. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "number":
      // JSON.parse reads a number beyond a double's range (`1e400`, a 400-digit integer) as
      // ±Infinity, a value the line never held.
      return Number.isFinite(value) ? String(value) : "a number beyond a double's range";
    case "boolean":
      return String(value);
    case "string":
      return "a string";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

export function requireObject(value: unknown, path: string): Fields {
  if (!isObject(value)) {
    throw new FieldError(path, `${path} must be an object, got ${describe(value)}`);
  }
  return value;
}

/** An array, of at most `most` elements when given. */
export function requireArray(value: unknown, path: string, most?: number): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new FieldError(path, `${path} must be an array, got ${describe(value)}`);
  }
  if (most !== undefined && value.length > most) {
    throw new FieldError(
      path,
      `${path} must have at most ${String(most)} elements, got ${String(value.length)}`,
    );
  }
  return value;
}

export function requireString(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new FieldError(path, `${path} must be a string, got ${describe(value)}`);
  }
  return value;
}

/** One of the strings `options`, narrowed to their union. */
export function requireChoice<const T extends string>(
  value: unknown,
  path: string,
  options: readonly T[],
): T {
  const found = options.find((option) => option === value);
  if (found === undefined) {
    const named = options.map((option) => `"${option}"`).join(", ");
    const got = typeof value === "string" ? `"${value}"` : describe(value);
    throw new FieldError(path, `${path} must be one of ${named}, got ${got}`);
  }
  return found;
}

/** An integer from `min` to `max` inclusive, both safe integers. */
export function requireInteger(value: unknown, path: string, min: number, max: number): number {
  const rule = `${path} must be an integer from ${String(min)} to ${String(max)}`;
  if (value === undefined) throw new FieldError(path, `${rule}, got nothing`);
  // A number too large for a double is out of range, not a fraction.
  if (typeof value !== "number" || (Number.isFinite(value) && !Number.isInteger(value))) {
    throw new FieldError(path, `${path} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new FieldError(path, `${rule}, got ${describe(value)}`);
  return value;
}

export function optionalInteger(
  value: unknown,
  path: string,
  min: number,
  max: number,
  fallback: number,
): number {
  return value === undefined ? fallback : requireInteger(value, path, min, max);
}

export function requireBoolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") {
    throw new FieldError(path, `${path} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

export function optionalBoolean(value: unknown, path: string, fallback: boolean): boolean {
  return value === undefined ? fallback : requireBoolean(value, path);
}

/**
 * An id from 0 to 2^53 - 1 that `seen` does not hold yet. `seen` maps each id taken to the path
 * it was first at, and this one is added to it: a duplicate is named at its second occurrence.
 */
export function requireUniqueId(value: unknown, path: string, seen: Map<number, string>): number {
  const id = requireInteger(value, path, 0, Number.MAX_SAFE_INTEGER);
  const first = seen.get(id);
  if (first !== undefined) {
    throw new FieldError(
      path,
      `${path} must be unique, got ${String(id)} again (first at ${first})`,
    );
  }
  seen.set(id, path);
  return id;
}

/**
 * `value`, the time at `path`, unless it is earlier than `previous`, the time at `previousPath`
 * (when there is one): times that must go forward, such as arrivals.
 */
export function requireNotBefore(
  value: number,
  path: string,
  previous: number | undefined,
  previousPath: string,
): number {
  if (previous !== undefined && value < previous) {
    throw new FieldError(
      path,
      `${path} must not be earlier than ${previousPath} (${String(previous)}), got ${String(value)}`,
    );
  }
  return value;
}

/** An array of from `least` to `most` elements. */
export function requireArrayLength(
  value: unknown,
  path: string,
  least: number,
  most: number,
): readonly unknown[] {
  const array = requireArray(value, path);
  if (array.length < least || array.length > most) {
    throw new FieldError(
      path,
      `${path} must have from ${String(least)} to ${String(most)} elements, got ${String(array.length)}`,
    );
  }
  return array;
}

/**
 * An array of times from 0 to `latest` that never go back, such as arrivals. Each element is
 * checked whole (in range, then in time order) before the next.
 */
export function requireTimes(value: unknown, path: string, latest: number): number[] {
  const times: number[] = [];
  for (const [i, element] of requireArray(value, path).entries()) {
    const at = indexPath(path, i);
    const time = requireInteger(element, at, 0, latest);
    times.push(requireNotBefore(time, at, times.at(-1), indexPath(path, i - 1)));
  }
  return times;
}
