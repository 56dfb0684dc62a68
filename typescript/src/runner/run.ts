/**
 * The `run` command: one case per line in, one answer per line out, in request order.
 *
 * @module
 */

import { describe, isObject, validated } from "./fields.js";
import { patterns } from "./patterns.js";
import { UnusableInputError, type CaseAnswer, type CaseRequest } from "./protocol.js";
import { parseLine, requirePattern } from "./requests.js";
import type { Skips } from "./skips.js";

export function parseCaseRequest(line: string, lineNumber: number): CaseRequest {
  const request = parseLine(line, lineNumber);
  if (typeof request.id !== "string") throw new UnusableInputError(lineNumber, 'no string "id"');
  const [pattern] = requirePattern(request, lineNumber);
  if (!isObject(request.input)) {
    throw new UnusableInputError(lineNumber, `no object "input", got ${describe(request.input)}`);
  }
  return { pattern, id: request.id, input: request.input };
}

/** Answers one case: unsupported if skipped, an error if its input is invalid, else its run. */
export async function answerCase(request: CaseRequest, skips: Skips): Promise<CaseAnswer> {
  const { id } = request;
  const reason = skips.get(request.pattern)?.[id];
  if (reason !== undefined) return { id, status: "unsupported", reason };
  const pattern = patterns.get(request.pattern);
  if (pattern === undefined) throw new Error(`pattern "${request.pattern}" is not implemented`);
  const prepared = validated(() => pattern.prepareRun(request.input));
  if ("problem" in prepared) return { id, status: "error", error: prepared.problem };
  const { output, observed } = await prepared.valid();
  return { id, status: "ok", output, observed };
}

/**
 * Cases run one after the other, never overlapping, so that each case's observations measure
 * that case alone. Blank lines are skipped but counted. Throws `UnusableInputError` at the first
 * unusable line; the lines before it have been answered already.
 */
export async function runLines(
  lines: AsyncIterable<string>,
  skips: Skips,
  emit: (answer: CaseAnswer) => Promise<void>,
): Promise<void> {
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === "") continue;
    await emit(await answerCase(parseCaseRequest(line, lineNumber), skips));
  }
}
