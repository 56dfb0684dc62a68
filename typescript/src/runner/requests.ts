/**
 * Turning one line of standard input into a request object, or deciding that the input is
 * unusable as a whole (exit code 3).
 *
 * @module
 */

import { benchmarks } from "./benchmarks.js";
import { isObject, type Fields } from "./fields.js";
import type { Line } from "./lines.js";
import { patterns, type Benchmark, type Pattern } from "./patterns.js";
import { UnusableInputError } from "./protocol.js";
import { JsonError, parseStrictJson } from "./strict-json.js";

/** The JSON object on `line`, read strictly (`strict-json.ts`). */
export function parseLine({ number, bytes }: Line): Fields {
  let parsed: unknown;
  try {
    parsed = parseStrictJson(bytes);
  } catch (error) {
    if (!(error instanceof JsonError)) throw error;
    throw new UnusableInputError(number, error.message);
  }
  if (!isObject(parsed)) throw new UnusableInputError(number, "not a JSON object");
  return parsed;
}

/** The pattern the request names: `run` serves patterns only. */
export function requirePattern(request: Fields, lineNumber: number): [string, Pattern] {
  return requireNamed(request, lineNumber, (name) => patterns.get(name));
}

/** What a bench request names: a pattern, or else a benchmark-only workload. */
export function requireBenchmark(request: Fields, lineNumber: number): [string, Benchmark] {
  return requireNamed(request, lineNumber, (name) => patterns.get(name) ?? benchmarks.get(name));
}

function requireNamed<T>(
  request: Fields,
  lineNumber: number,
  find: (name: string) => T | undefined,
): [string, T] {
  const name = request.pattern;
  if (typeof name !== "string") {
    throw new UnusableInputError(lineNumber, 'no string "pattern"');
  }
  const found = find(name);
  if (found === undefined) {
    throw new UnusableInputError(lineNumber, `pattern "${name}" is not implemented here`);
  }
  return [name, found];
}
