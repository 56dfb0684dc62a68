/**
 * The `run` command's work on one line: the case it holds, answered. The lines themselves are
 * read, and the answers written, one after the other (`cli.ts`), so that no two cases overlap
 * and each case's observations measure that case alone.
 *
 * @module
 */

import { describe, isObject, validated } from "./fields.js";
import type { Line } from "./lines.js";
import { patterns } from "./patterns.js";
import { UnusableInputError, type CaseAnswer, type CaseRequest } from "./protocol.js";
import { parseLine, requirePattern } from "./requests.js";
import type { Skips } from "./skips.js";

/** The case on `line`, checked in the contract's order: an object, `id`, `pattern`, `input`. */
export function parseCaseRequest(line: Line): CaseRequest {
  const request = parseLine(line);
  if (typeof request.id !== "string") throw new UnusableInputError(line.number, 'no string "id"');
  const [pattern] = requirePattern(request, line.number);
  if (!isObject(request.input)) {
    throw new UnusableInputError(line.number, `no object "input", got ${describe(request.input)}`);
  }
  return { pattern, id: request.id, input: request.input };
}

/** Answers one case: unsupported if skipped, an error if its input is invalid, else its run. */
export async function answerCase(request: CaseRequest, skips: Skips): Promise<CaseAnswer> {
  const { id } = request;
  const reason = skips.get(request.pattern)?.get(id);
  if (reason !== undefined) return { id, status: "unsupported", reason };
  const pattern = patterns.get(request.pattern);
  if (pattern === undefined) throw new Error(`pattern "${request.pattern}" is not implemented`);
  const prepared = validated(() => pattern.prepareRun(request.input));
  if ("problem" in prepared) return { id, status: "error", error: prepared.problem };
  const { output, observed } = await prepared.valid();
  return { id, status: "ok", output, observed };
}

/** Answers the case on `line`; throws `UnusableInputError` if the line cannot be answered. */
export function answerLine(line: Line, skips: Skips): Promise<CaseAnswer> {
  return answerCase(parseCaseRequest(line), skips);
}
