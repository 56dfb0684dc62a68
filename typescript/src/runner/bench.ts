/**
 * The `bench` command: one request line in, one line of measured times out.
 *
 * @module
 */

import { optionalInteger, requireInteger, requireObject, validated } from "./fields.js";
import { SelfCheckError, UnusableInputError, type BenchAnswer } from "./protocol.js";
import { parseLine, requirePattern } from "./requests.js";

const MIN_SIZE = 1;
const MAX_SIZE = 10_000_000;
const MAX_REPEAT = 1_000;

/**
 * Answers the one request among `lines` (blank lines are skipped but counted). Validates `size`,
 * the pattern's `params`, then `repeat`; runs the benchmark `repeat` times in this process.
 * Every run checks its own answer, and every run must give the first run's check.
 */
export async function answerBench(lines: readonly string[]): Promise<BenchAnswer> {
  const numbered = lines.map((line, i) => ({ line, lineNumber: i + 1 }));
  const [first, second] = numbered.filter(({ line }) => line.trim() !== "");
  if (first === undefined) throw new UnusableInputError(1, "no bench request");
  if (second !== undefined) {
    throw new UnusableInputError(second.lineNumber, "a second bench request; bench takes one");
  }
  const request = parseLine(first.line, first.lineNumber);
  const [pattern, benchmark] = requirePattern(request, first.lineNumber);

  const prepared = validated(() => {
    const size = requireInteger(request.size, "size", MIN_SIZE, MAX_SIZE);
    const measure = benchmark.prepareBench(size, requireObject(request.params, "params"));
    const repeat = optionalInteger(request.repeat, "repeat", 1, MAX_REPEAT, 1);
    return { size, measure, repeat };
  });
  if ("problem" in prepared) return { status: "error", error: prepared.problem };
  const { size, measure, repeat } = prepared.valid;

  const firstRun = await measure();
  const elapsedNs = [firstRun.elapsedNs];
  for (let run = 2; run <= repeat; run++) {
    const { elapsedNs: time, check } = await measure();
    if (check.count !== firstRun.check.count || check.digest !== firstRun.check.digest) {
      throw new SelfCheckError(
        `run ${String(run)} answered ${String(check.count)}/${check.digest}, ` +
          `run 1 answered ${String(firstRun.check.count)}/${firstRun.check.digest}`,
      );
    }
    elapsedNs.push(time);
  }
  return { status: "ok", pattern, size, elapsedNs, check: firstRun.check };
}
