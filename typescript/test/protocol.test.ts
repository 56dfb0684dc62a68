import assert from "node:assert/strict";
import { once } from "node:events";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { MAX_LINE_BYTES } from "../src/runner/lines.js";
import { listAnswer, uvThreadpoolSize } from "../src/runner/list.js";
import { patterns } from "../src/runner/patterns.js";
import { answerCase } from "../src/runner/run.js";
import { parseSkips } from "../src/runner/skips.js";

/**
 * The second the contract gives a runner to stop, and one more for a loaded machine: a late stop
 * is a liveness failure, so it gets tolerance, as in the harness's fault tests.
 */
const STOP_WITHIN_MS = 2_000;
import { work } from "../src/work.js";
import { answers, finished, runCli, runCliWithStdinClosed, startCli } from "./support/cli.js";

const line = (request: unknown) => `${JSON.stringify(request)}\n`;
const workerPoolCase = (id: string, input: unknown) => line({ pattern: "worker-pool", id, input });

/** The shortest valid request of every table below, and ways to vary one part of it. */
const REQUEST = '{"pattern":"worker-pool","id":"x","input":{"workers":1,"jobs":[]}}';
const withId = (id: string) => REQUEST.replace('"x"', id);
/** `REQUEST` with `raw` bytes as its id, between the quotes. */
const withIdBytes = (raw: number[]) => {
  const [before = "", after = ""] = REQUEST.split("x");
  return Buffer.concat([Buffer.from(before), Buffer.from(raw), Buffer.from(after)]);
};
const withExtra = (extra: string) => REQUEST.replace('"jobs":[]', `"jobs":[],"extra":${extra}`);
/** A request whose deepest array is at `depth`, the request object being depth 1. */
const nestedTo = (depth: number) => withExtra("[".repeat(depth - 2) + "]".repeat(depth - 2));

/** `REQUEST` padded with trailing spaces to exactly `size` bytes. */
const paddedTo = (size: number) => REQUEST + " ".repeat(size - REQUEST.length);

/** Runs `jobs` a few at a time: each starts a Node process. */
async function fewAtATime<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all([lane(), lane(), lane()]);
  return results;
}

function assertOneStderrLine(stderr: string, pattern: RegExp): void {
  assert.match(stderr, /^[^\n]+\n$/, `expected one line, got ${JSON.stringify(stderr)}`);
  assert.match(stderr, pattern);
}

describe("runner command line", () => {
  test("an unknown command exits 2 with one line of usage", async () => {
    const { code, stdout, stderr } = await runCli(["frobnicate"]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assertOneStderrLine(stderr, /^usage: /);
  });

  test("a missing command or an extra argument exits 2", async () => {
    assert.equal((await runCli([])).code, 2);
    assert.equal((await runCli(["run", "--fast"])).code, 2);
  });

  test("list names the implementation, its patterns, skips.json's skips and the benchmarks", async () => {
    const { code, stdout } = await runCli(["list"]);
    assert.equal(code, 0);
    const none = { skip: {} };
    const [{ runtime, ...listed }] = answers(stdout) as [Record<string, unknown>];
    assert.deepEqual(listed, {
      protocol: 1,
      implementation: "typescript",
      patterns: {
        "worker-pool": none,
        "fan-in": none,
        "rwlock-cache": none,
        "token-bucket": none,
        "sliding-window": none,
        "producer-consumer": none,
        pipeline: none,
        batching: none,
        "priority-queue": none,
        "pub-sub": none,
        timeout: none,
        "first-completed": none,
        "error-group": none,
        retry: none,
        throttle: none,
        debounce: none,
        "circuit-breaker": none,
      },
      benchmarks: ["many-tasks"],
    });
    assert.equal(typeof runtime, "object");
  });

  test("list reports the runtime settings of the running process", async () => {
    const runtime = async (threadpoolSize: string | undefined) => {
      const env = { ...process.env, UV_THREADPOOL_SIZE: threadpoolSize };
      // An environment variable set to `undefined` is left out of the child's environment.
      const { stdout } = await runCli(["list"], "", { env });
      return (answers(stdout)[0] as { runtime: unknown }).runtime;
    };
    const usual = { node: process.version, availableParallelism: availableParallelism() };
    assert.deepEqual(await runtime(undefined), { ...usual, uvThreadpoolSize: 4 });
    assert.deepEqual(await runtime("7"), { ...usual, uvThreadpoolSize: 7 });
  });

  test("the thread pool's size is read as libuv reads UV_THREADPOOL_SIZE", () => {
    assert.equal(uvThreadpoolSize(undefined), 4);
    assert.equal(uvThreadpoolSize("16"), 16);
    assert.equal(uvThreadpoolSize(" 8 threads"), 8);
    assert.equal(uvThreadpoolSize("0"), 1);
    assert.equal(uvThreadpoolSize("many"), 1);
    assert.equal(uvThreadpoolSize("2000"), 1024);
    assert.equal(uvThreadpoolSize("-1"), 1024);
  });
});

describe("runner run", () => {
  test("a line that is not JSON exits 3 with one line on standard error", async () => {
    const { code, stdout, stderr } = await runCli(["run"], "not json\n");
    assert.equal(code, 3);
    assert.equal(stdout, "");
    assertOneStderrLine(stderr, /^error: line 1: /);
  });

  test("an unusable line ends the run even while standard input stays open", async () => {
    const { code } = await runCli(["run"], "not json\n", { keepStdinOpen: true, timeoutMs: 5_000 });
    assert.equal(code, 3);
  });

  test("lines before an unusable line stay answered", async () => {
    const input = workerPoolCase("fine", { workers: 1, jobs: [] }) + "[1, 2]\n";
    const { code, stdout, stderr } = await runCli(["run"], input);
    assert.equal(code, 3);
    assert.equal(answers(stdout).length, 1);
    assertOneStderrLine(stderr, /^error: line 2: not a JSON object/);
  });

  test("blank lines are skipped but counted", async () => {
    const input = `\n${workerPoolCase("fine", { workers: 1, jobs: [] })}  \nnot json\n`;
    const { code, stdout, stderr } = await runCli(["run"], input);
    assert.equal(code, 3);
    assert.equal(answers(stdout).length, 1);
    assertOneStderrLine(stderr, /^error: line 4: not JSON/);
  });

  test("a request without an object input is unusable", async () => {
    const { code, stderr } = await runCli(["run"], line({ pattern: "worker-pool", id: "x" }));
    assert.equal(code, 3);
    assertOneStderrLine(stderr, /^error: line 1: no object "input"/);
  });

  test("a request without a string id, or naming an unknown pattern, is unusable", async () => {
    const noId = await runCli(["run"], line({ pattern: "worker-pool", id: 7, input: {} }));
    assert.equal(noId.code, 3);
    assertOneStderrLine(noId.stderr, /^error: line 1: no string "id"/);
    const unknown = await runCli(["run"], line({ pattern: "no-such-pattern", id: "x", input: {} }));
    assert.equal(unknown.code, 3);
    assertOneStderrLine(unknown.stderr, /^error: line 1: pattern "no-such-pattern"/);
  });

  test("invalid input is an answer naming the field, and the run goes on", async () => {
    const input =
      workerPoolCase("zero", { workers: 0, jobs: [] }) +
      workerPoolCase("four", { workers: "four", jobs: [] }) +
      workerPoolCase("fine", { workers: 2, jobs: [{ id: 1, cost: 1 }] });
    const { code, stdout, stderr } = await runCli(["run"], input);
    assert.equal(code, 0, stderr);
    const [zero, four, fine] = answers(stdout);
    assert.deepEqual(zero, {
      id: "zero",
      status: "error",
      error: { field: "workers", message: "workers must be an integer from 1 to 10000, got 0" },
    });
    assert.deepEqual(four, {
      id: "four",
      status: "error",
      error: { field: "workers", message: "workers must be an integer, got a string" },
    });
    assert.deepEqual((fine as { output: unknown }).output, {
      results: [{ id: 1, value: work(1, 1) }],
    });
  });
});

describe("skips", () => {
  const known = [...patterns.keys()];
  const input = { workers: 1, jobs: [] };

  test("a case id is looked up as a key of skips.json, never as a property of an object", async () => {
    const skips = parseSkips(
      '{"worker-pool":{"constructor":"not here","__proto__":"nor here"}}',
      known,
    );
    const answer = (id: string) => answerCase({ pattern: "worker-pool", id, input }, skips);
    assert.deepEqual(await answer("constructor"), {
      id: "constructor",
      status: "unsupported",
      reason: "not here",
    });
    assert.deepEqual(await answer("__proto__"), {
      id: "__proto__",
      status: "unsupported",
      reason: "nor here",
    });
    for (const id of ["toString", "hasOwnProperty", "valueOf"]) {
      assert.equal((await answer(id)).status, "ok", id);
    }
  });

  test("list names every skip, a case id __proto__ included", () => {
    const skips = parseSkips('{"fan-in":{"__proto__":"a reason"}}', known);
    const listed = JSON.parse(JSON.stringify(listAnswer(skips))) as {
      patterns: Record<string, { skip: Record<string, string> }>;
    };
    assert.deepEqual(Object.entries(listed.patterns["fan-in"]?.skip ?? {}), [
      ["__proto__", "a reason"],
    ]);
  });

  test("skips.json must map each known pattern's case ids to reasons", () => {
    assert.throws(() => parseSkips('{"no-such":{}}', known), /unknown pattern "no-such"/);
    assert.throws(() => parseSkips('{"fan-in":"a reason"}', known), /must map case ids/);
    assert.throws(() => parseSkips('{"fan-in":{"a":1}}', known), /must map case ids/);
  });
});

describe("runner bench", () => {
  test("answers the times of every run and a check the harness can verify", async () => {
    const request = {
      pattern: "worker-pool",
      size: 50,
      params: { workers: 4, cost: 10 },
      repeat: 3,
    };
    const { code, stdout, stderr } = await runCli(["bench"], line(request));
    assert.equal(code, 0, stderr);
    const [answer] = answers(stdout) as [Record<string, unknown>];
    let digest = 0n;
    for (let id = 0; id < 50; id++) digest ^= BigInt(`0x${work(id, 10)}`);
    assert.deepEqual(answer.check, { count: 50, digest: digest.toString(16).padStart(16, "0") });
    assert.equal(answer.status, "ok");
    assert.equal(answer.size, 50);
    assert.ok(Array.isArray(answer.elapsedNs) && answer.elapsedNs.length === 3);
  });

  test("each pattern answers the check of its own benchmark input", async () => {
    const bench = async (pattern: string, size: number, params: unknown) => {
      const { code, stdout, stderr } = await runCli(["bench"], line({ pattern, size, params }));
      assert.equal(code, 0, stderr);
      return (answers(stdout)[0] as { check: unknown }).check;
    };
    let digest = 0n;
    for (let k = 0; k < 10; k++)
      digest ^= BigInt(`0x${work((k % 3) * 2 ** 32 + Math.floor(k / 3), 1)}`);
    assert.deepEqual(await bench("fan-in", 10, { op: "merge", sources: 3 }), {
      count: 10,
      digest: digest.toString(16).padStart(16, "0"),
    });
    // Two admissions in each window of 10 ms, on arrivals 0, 1, ..., 29 ms.
    assert.deepEqual(await bench("sliding-window", 30, { limit: 2, windowMs: 10 }), {
      count: 30,
      admitted: 6,
    });
    // A bucket of 3 refilled by one token every 10 ms: 3 at once, then 0 + 10, 20.
    const refill = { tokens: 1, everyMs: 10 };
    assert.deepEqual(await bench("token-bucket", 30, { refill, burst: 3 }), {
      count: 30,
      admitted: 5,
    });
    let reads = 0;
    for (let n = 0; n < 40; n++) reads += BigInt(`0x${work(n, 1)}`) % 100n < 50n ? 1 : 0;
    assert.deepEqual(await bench("rwlock-cache", 40, { clients: 3, readPercent: 50, keys: 4 }), {
      count: 40,
      reads,
    });
  });

  test("an invalid nested parameter is named by its path within the request", async () => {
    const params = { refill: { tokens: 0, everyMs: 10 }, burst: 1 };
    const { stdout } = await runCli(["bench"], line({ pattern: "token-bucket", size: 5, params }));
    const [answer] = answers(stdout) as [{ error: { field: string; message: string } }];
    assert.equal(answer.error.field, "params.refill.tokens");
    assert.match(answer.error.message, /^params\.refill\.tokens must be an integer from 1/);
  });

  test("invalid parameters are an error answer", async () => {
    const request = { pattern: "worker-pool", size: 10, params: { workers: 0 } };
    const { code, stdout } = await runCli(["bench"], line(request));
    assert.equal(code, 0);
    const [answer] = answers(stdout) as [{ status: string; error: { field: string } }];
    assert.equal(answer.status, "error");
    assert.equal(answer.error.field, "params.workers");
  });

  test("a second request line exits 3, naming its line", async () => {
    const request = line({ pattern: "worker-pool", size: 5, params: { workers: 2 } });
    const { code, stdout, stderr } = await runCli(["bench"], `${request}\n${request}`);
    assert.equal(code, 3);
    assert.equal(stdout, "");
    assertOneStderrLine(stderr, /^error: line 3: /);
  });

  test("a size below 1 is an error answer naming size", async () => {
    const request = { pattern: "worker-pool", size: 0, params: { workers: 2 }, repeat: 0 };
    const { code, stdout } = await runCli(["bench"], line(request));
    assert.equal(code, 0);
    const [answer] = answers(stdout) as [{ error: { field: string } }];
    assert.equal(answer.error.field, "size");
  });

  test("many-tasks answers a launch time per run beside the elapsed times", async () => {
    const request = { pattern: "many-tasks", size: 20, params: { sleepMs: 1, variant: "work" } };
    const { code, stdout, stderr } = await runCli(["bench"], line({ ...request, repeat: 2 }));
    assert.equal(code, 0, stderr);
    const [answer] = answers(stdout) as [Record<string, unknown>];
    assert.deepEqual(Object.keys(answer), [
      "status",
      "pattern",
      "size",
      "elapsedNs",
      "launchNs",
      "check",
    ]);
    assert.deepEqual(answer.check, { count: 20, sum: 190 });
    const [elapsed, launch] = [answer.elapsedNs, answer.launchNs] as [number[], number[]];
    assert.equal(launch.length, 2);
    assert.ok(
      launch.every((ns, run) => Number.isInteger(ns) && ns > 0 && ns <= (elapsed[run] ?? 0)),
    );
  });

  test("many-tasks without a variant of this runner is an error naming params.variant", async () => {
    const params = { sleepMs: 1, variant: "join-all" };
    const { code, stdout } = await runCli(
      ["bench"],
      line({ pattern: "many-tasks", size: 1, params }),
    );
    assert.equal(code, 0);
    assert.deepEqual(answers(stdout), [
      {
        status: "error",
        error: {
          field: "params.variant",
          message: 'params.variant must be one of "spawn", "work", got "join-all"',
        },
      },
    ]);
  });

  test("many-tasks is a benchmark, not a pattern: run refuses it", async () => {
    const request = line({ pattern: "many-tasks", id: "x", input: {} });
    const { code, stderr } = await runCli(["run"], request);
    assert.equal(code, 3);
    assertOneStderrLine(stderr, /^error: line 1: pattern "many-tasks" is not implemented/);
  });

  test("the worker pool answers the same check in parallel as on the event loop", async () => {
    const checks = [];
    for (const mode of ["event-loop", "parallel"]) {
      const params = { workers: 2, cost: 50, mode };
      const request = { pattern: "worker-pool", size: 40, params, repeat: 2 };
      const { code, stdout, stderr } = await runCli(["bench"], line(request));
      assert.equal(code, 0, stderr);
      checks.push((answers(stdout)[0] as { check: unknown }).check);
    }
    assert.deepEqual(checks[0], checks[1]);
  });

  test("an unknown mode of the worker pool is an error naming params.mode", async () => {
    const params = { workers: 2, mode: "threads" };
    const { stdout } = await runCli(["bench"], line({ pattern: "worker-pool", size: 5, params }));
    const [answer] = answers(stdout) as [{ error: { field: string } }];
    assert.equal(answer.error.field, "params.mode");
  });

  test("a request that is not JSON exits 3", async () => {
    const { code, stderr } = await runCli(["bench"], "{\n");
    assert.equal(code, 3);
    assertOneStderrLine(stderr, /^error: line 1: not JSON/);
  });
});

describe("what a line is, and what JSON is", () => {
  // Each input is unusable as a whole: exit 3, nothing answered, one line naming line 1.
  const unusable: [string, string | Buffer][] = [
    ["a duplicate name in the request", withId('"x","id":"y"')],
    ["a duplicate name deep in the input", withExtra('{"a":[{"k":1,"k":2}]}')],
    ["a duplicate name spelled with an escape", withExtra('{"a":1,"\\u0061":2}')],
    ["a duplicate __proto__", withExtra('{"__proto__":1,"__proto__":2}')],
    ["nesting 65 deep", nestedTo(65)],
    ["nesting 100000 deep", nestedTo(100_000)],
    ["a lone high surrogate", withId('"\\ud800"')],
    ["a lone low surrogate", withId('"\\udc00"')],
    ["a high surrogate before a character", withId('"\\ud800x"')],
    ["a high surrogate before an escaped non-surrogate", withId('"\\ud800\\u0041"')],
    ["two high surrogates", withId('"\\ud800\\ud800"')],
    ["a stray byte", withIdBytes([0xff])],
    ["a stray continuation byte", withIdBytes([0x80])],
    ["an overlong form", withIdBytes([0xc0, 0xaf])],
    ["an encoded surrogate", withIdBytes([0xed, 0xa0, 0x80])],
    ["a code point above U+10FFFF", withIdBytes([0xf4, 0x90, 0x80, 0x80])],
    ["a truncated sequence", withIdBytes([0xe2, 0x82])],
    ["a byte order mark", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(REQUEST)])],
    ["NaN", withExtra("NaN")],
    ["Infinity", withExtra("Infinity")],
    ["-Infinity", withExtra("-Infinity")],
    ["a comment", withExtra("/* no */ 1")],
    ["a trailing comma in an array", withExtra("[1,]")],
    ["a trailing comma in an object", withExtra('{"a":1,}')],
    ["single quotes", withExtra("'a'")],
    ["a leading zero", withExtra("01")],
    ["an unescaped NUL", withId('"a\u0000b"')],
    ["an unescaped tab", withId('"a\tb"')],
    ["a second value", `${REQUEST} ${REQUEST}`],
    ["trailing garbage", `${REQUEST}x`],
    ["a lone CR, which does not end a line", `${REQUEST}\r${REQUEST}\n`],
    ["U+2028 outside a string", `${REQUEST}\u2028`],
    ["U+0085 outside a string", `${REQUEST}\u0085`],
    ["a line one byte over 16 MiB", paddedTo(MAX_LINE_BYTES + 1)],
  ];
  test("an unusable line exits 3, naming its line, whatever makes it unusable", async () => {
    const results = await fewAtATime(unusable, ([, input]) => runCli(["run"], input));
    // Every row that went wrong, each with what the runner did instead.
    const wrong = results.flatMap(({ code, stdout, stderr }, i) =>
      code === 3 && stdout === "" && /^error: line 1: [^\n]+\n$/.test(stderr)
        ? []
        : [`${unusable[i]?.[0] ?? ""}: exit ${String(code)}, ${stderr || stdout.slice(0, 80)}`],
    );
    assert.deepEqual(wrong, []);
  });

  /** Answers `input` as one run, which must answer every line. */
  async function runAll(input: string | Buffer): Promise<Record<string, unknown>[]> {
    const { code, stdout, stderr } = await runCli(["run"], input);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, "");
    return answers(stdout) as Record<string, unknown>[];
  }

  test("a line ends at LF, with one CR before it dropped; the last needs no LF", async () => {
    const input = `${withId('"a"')}\r\n${withId('"b"')}\n${withId('"c"')}`;
    assert.deepEqual(
      (await runAll(input)).map(({ id }) => id),
      ["a", "b", "c"],
    );
  });

  test("a blank line holds spaces, tabs and CRs only, and is counted", async () => {
    const { code, stdout, stderr } = await runCli(["run"], ` \t\r\n${REQUEST}\n\r\n\n[]\n`);
    assert.equal(code, 3);
    assert.equal(answers(stdout).length, 1);
    assertOneStderrLine(stderr, /^error: line 5: /);
  });

  test("an id comes back exactly as sent, whatever it holds", async () => {
    const ids = ["😀", "\u2028\u2029\u0085", "\u0000", "\r", 'a\\b"c'];
    const escaped = JSON.stringify(ids.map((id) => ({ id })));
    // Sent raw: U+2028 and U+2029 unescaped inside the string, and once escaped.
    const raw = ids.map((id) => withId(JSON.stringify(id)));
    const input = [...raw, withId('"\\ud83d\\ude00"'), withId('"\\u2028"')].join("\n");
    assert.deepEqual(
      (await runAll(input)).map(({ id }) => ({ id })),
      [...(JSON.parse(escaped) as { id: string }[]), { id: "😀" }, { id: "\u2028" }],
    );
  });

  test("nesting 64 deep is usable", async () => {
    assert.equal((await runAll(nestedTo(64)))[0]?.status, "ok");
  });

  test("a line of exactly 16 MiB is usable, its line end not counted", async () => {
    const line = paddedTo(MAX_LINE_BYTES);
    const answered = await runAll(`${line}\r\n${line}`);
    assert.deepEqual(
      answered.map(({ status }) => status),
      ["ok", "ok"],
    );
  });

  test("every number is read: too large for a field is that field's error", async () => {
    const huge = "9".repeat(5000);
    const input = [
      REQUEST.replace('"workers":1', '"workers":1e400'),
      REQUEST.replace('"workers":1', '"workers":-1e400'),
      REQUEST.replace('"workers":1', `"workers":${huge}`),
      REQUEST.replace('"jobs":[]', '"jobs":[{"id":0,"cost":1e400}]'),
      REQUEST.replace('"jobs":[]', `"jobs":[{"id":${huge}}]`),
    ].join("\n");
    const fields = (await runAll(input)).map(
      (answer) => (answer.error as { field: string } | undefined)?.field,
    );
    assert.deepEqual(fields, ["workers", "workers", "workers", "jobs[0].cost", "jobs[0].id"]);
  });

  test("numbers in fields nobody reads are ignored, however long", async () => {
    const extras = ["1e400", "-1e400", "0.1e-999", "9".repeat(5000), `-0.${"1".repeat(5000)}e-5`];
    const answered = await runAll(extras.map(withExtra).join("\n"));
    assert.deepEqual(
      answered.map(({ status }) => status),
      extras.map(() => "ok"),
    );
  });

  test("a case id named like a property of every object is answered, not skipped", async () => {
    const ids = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"];
    const answered = await runAll(ids.map((id) => withId(JSON.stringify(id))).join("\n"));
    assert.deepEqual(
      answered.map(({ id, status }) => [id, status]),
      ids.map((id) => [id, "ok"]),
    );
  });

  test("a __proto__ member of the input is a member like any other", async () => {
    const input = [
      '{"pattern":"worker-pool","id":"a","input":{"__proto__":{"workers":2},"jobs":[]}}',
      '{"pattern":"worker-pool","id":"b","input":{"workers":1,"jobs":[],"__proto__":{"x":1}}}',
      '{"pattern":"worker-pool","id":"c","__proto__":{"input":{}},"input":{"workers":1,"jobs":[]}}',
    ].join("\n");
    const answered = await runAll(input);
    assert.deepEqual(
      answered.map(({ status }) => status),
      ["error", "ok", "ok"],
    );
    assert.equal((answered[0]?.error as { field: string }).field, "workers");
  });

  test("standard input closed: run answers nothing and exits 0", async () => {
    assert.deepEqual(await runCliWithStdinClosed(["run"]), {
      code: 0,
      signal: null,
      stdout: "",
      stderr: "",
    });
  });

  test("standard input closed: bench has no request and exits 3", async () => {
    const { code, stdout, stderr } = await runCliWithStdinClosed(["bench"]);
    assert.equal(code, 3);
    assert.equal(stdout, "");
    assertOneStderrLine(stderr, /^error: line 1: expected one bench request, got none\n$/);
  });

  test("bench reads its request as run reads a line", async () => {
    const request = '{"pattern":"worker-pool","size":1,"params":{"workers":1},"size":2}';
    const { code, stderr } = await runCli(["bench"], request);
    assert.equal(code, 3);
    assertOneStderrLine(stderr, /^error: line 1: /);
  });
});

describe("signals and a closed standard output", () => {
  const slowJob = (id: string, job: Record<string, unknown>) =>
    `${JSON.stringify({ pattern: "worker-pool", id, input: { workers: 1, jobs: [{ id: 0, ...job }] } })}\n`;

  /**
   * Starts the runner, waits until it is surely in the middle of its work (its first answer
   * line, or `settleMs`), signals it, and answers how long it took to end after the signal.
   */
  async function interrupted(
    args: string[],
    stdin: string,
    signal: NodeJS.Signals,
    { settleMs = 600, firstLine = false } = {},
  ) {
    const child = startCli(args);
    const result = finished(child);
    child.stdin.end(stdin);
    if (firstLine) await once(child.stdout, "data");
    await sleep(settleMs);
    const sent = performance.now();
    child.kill(signal);
    const ended = await result;
    return { ...ended, afterMs: performance.now() - sent };
  }

  const EXPECTED = {
    SIGINT: { code: 130, stderr: "error: interrupted by SIGINT\n" },
    SIGTERM: { code: 143, stderr: "error: terminated by SIGTERM\n" },
  };

  const scenarios: [string, string[], string, { firstLine?: boolean }][] = [
    [
      "a run, in the middle of a case that sleeps",
      ["run"],
      slowJob("quick", {}) + slowJob("sleeps", { sleepMs: 20_000 }),
      { firstLine: true },
    ],
    [
      "a run, in the middle of a case that computes",
      ["run"],
      slowJob("quick", {}) + slowJob("computes", { cost: 100_000_000 }).repeat(10),
      { firstLine: true },
    ],
    [
      "a run, in the middle of a pipeline whose stages sleep",
      ["run"],
      slowJob("quick", {}) +
        line({
          pattern: "pipeline",
          id: "stages-sleep",
          input: { stages: [{ workers: 2, capacity: 1, sleepMs: 20_000 }], items: [{ id: 0 }] },
        }),
      { firstLine: true },
    ],
    [
      "a long bench on the event loop",
      ["bench"],
      line({ pattern: "worker-pool", size: 1_000_000, params: { workers: 4, cost: 1_000 } }),
      {},
    ],
    [
      "a long bench over worker threads",
      ["bench"],
      line({
        pattern: "worker-pool",
        size: 1_000_000,
        params: { workers: 4, cost: 1_000, mode: "parallel" },
      }),
      {},
    ],
  ];
  for (const [what, args, stdin, options] of scenarios) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      test(`${signal} ends ${what} within a second, with one line`, async () => {
        const ended = await interrupted(args, stdin, signal, options);
        assert.deepEqual(
          { code: ended.code, signal: ended.signal, stderr: ended.stderr },
          { ...EXPECTED[signal], signal: null },
        );
        // Answers already written stay written, whole.
        assert.ok(ended.stdout === "" || ended.stdout.endsWith("\n"), ended.stdout);
        assert.ok(
          ended.afterMs < STOP_WITHIN_MS,
          `ended ${String(ended.afterMs)} ms after the signal`,
        );
      });
    }
  }

  test("standard output closed: one line, exit 141", async () => {
    const child = startCli(["run"]);
    const result = finished(child);
    child.stdin.end(slowJob("slow-ish", { sleepMs: 5 }).repeat(200));
    await once(child.stdout, "data");
    child.stdout.destroy();
    const { code, signal, stderr } = await result;
    assert.deepEqual(
      { code, signal, stderr },
      { code: 141, signal: null, stderr: "error: standard output was closed\n" },
    );
  });
});
