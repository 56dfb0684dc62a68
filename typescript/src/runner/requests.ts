/**
 * Turning one line of standard input into a request object, or deciding that the input is
 * unusable as a whole (exit code 3).
 *
 * @module
 */

import { isObject, type Fields } from "./fields.js";
import { patterns, type Pattern } from "./patterns.js";
import { UnusableInputError } from "./protocol.js";

export function parseLine(line: string, lineNumber: number): Fields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnusableInputError(lineNumber, `not JSON: ${reason}`);
  }
  if (!isObject(parsed)) throw new UnusableInputError(lineNumber, "not a JSON object");
  return parsed;
}

export function requirePattern(request: Fields, lineNumber: number): [string, Pattern] {
  const name = request.pattern;
  if (typeof name !== "string") {
    throw new UnusableInputError(lineNumber, 'no string "pattern"');
  }
  const pattern = patterns.get(name);
  if (pattern === undefined) {
    throw new UnusableInputError(lineNumber, `pattern "${name}" is not implemented here`);
  }
  return [name, pattern];
}
