/**
 * The `bench` command: one request line in, one line of measured times out.
 *
 * @module
 */

import { optionalInteger, requireInteger, requireObject, validated } from "./fields.js";
import {
  SelfCheckError,
  UnusableInputError,
  type BenchAnswer,
  type Check,
  type Measurement,
} from "./protocol.js";
import { parseLine, requireBenchmark } from "./requests.js";

const MIN_SIZE = 1;
const MAX_SIZE = 10_000_000;
const MAX_REPEAT = 1_000;

/**
 * Answers the one request among `lines` (blank lines are skipped but counted). Validates `size`,
 * the pattern's `params`, then `repeat`; runs the benchmark `repeat` times in this process,
 * then ends whatever the runs shared. Every run checks its own answer.
 */
export async function answerBench(lines: readonly string[]): Promise<BenchAnswer> {
  const numbered = lines.map((line, i) => ({ line, lineNumber: i + 1 }));
  const [first, second] = numbered.filter(({ line }) => line.trim() !== "");
  if (first === undefined) throw new UnusableInputError(1, "no bench request");
  if (second !== undefined) {
    throw new UnusableInputError(second.lineNumber, "a second bench request; bench takes one");
  }
  const request = parseLine(first.line, first.lineNumber);
  const [pattern, found] = requireBenchmark(request, first.lineNumber);

  const prepared = validated(() => {
    const size = requireInteger(request.size, "size", MIN_SIZE, MAX_SIZE);
    const benchmark = found.prepareBench(size, requireObject(request.params, "params"));
    const repeat = optionalInteger(request.repeat, "repeat", 1, MAX_REPEAT, 1);
    return { size, benchmark, repeat };
  });
  if ("problem" in prepared) return { status: "error", error: prepared.problem };
  const { size, benchmark, repeat } = prepared.valid;
  try {
    return { status: "ok", pattern, size, ...(await measureRuns(benchmark.measure, repeat)) };
  } finally {
    await benchmark.close();
  }
}

/** Runs `measure` `repeat` times; every run must give the first run's check. */
async function measureRuns(
  measure: () => Promise<Measurement>,
  repeat: number,
): Promise<{ elapsedNs: number[]; launchNs?: number[]; check: Check }> {
  const firstRun = await measure();
  const elapsedNs = [firstRun.elapsedNs];
  const launchNs = firstRun.launchNs === undefined ? [] : [firstRun.launchNs];
  for (let run = 2; run <= repeat; run++) {
    const { elapsedNs: time, launchNs: launch, check } = await measure();
    // A pattern builds its check in one place, so equal checks serialise alike.
    if (JSON.stringify(check) !== JSON.stringify(firstRun.check)) {
      throw new SelfCheckError(
        `run ${String(run)} answered ${JSON.stringify(check)}, ` +
          `run 1 answered ${JSON.stringify(firstRun.check)}`,
      );
    }
    elapsedNs.push(time);
    if (launch !== undefined) launchNs.push(launch);
  }
  return { elapsedNs, ...(launchNs.length > 0 ? { launchNs } : {}), check: firstRun.check };
}
