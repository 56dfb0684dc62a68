/**
 * The `bench` command: one request line in, one line of measured times out.
 *
 * @module
 */

import { optionalInteger, requireInteger, requireObject, validated } from "./fields.js";
import type { Line } from "./lines.js";
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
 * The one request among the lines of standard input, which are not blank: there must be
 * exactly one, refused if it is not. `bench` reads on to a second request, if there is one,
 * before it runs anything, so that a second request is refused, not ignored.
 */
export function onlyRequest([first, second]: readonly Line[]): Line {
  if (first === undefined) {
    throw new UnusableInputError(1, "expected one bench request, got none");
  }
  if (second !== undefined) {
    throw new UnusableInputError(second.number, "a second bench request; bench takes one");
  }
  return first;
}

/**
 * Answers the request on `line`. Validates `size`, the pattern's `params`, then `repeat`; runs
 * the benchmark `repeat` times in this process, then ends whatever the runs shared. Every run
 * checks its own answer.
 */
export async function answerBench(line: Line): Promise<BenchAnswer> {
  const request = parseLine(line);
  const [pattern, found] = requireBenchmark(request, line.number);

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
