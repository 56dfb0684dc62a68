import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, test } from "node:test";

import { uvThreadpoolSize } from "../src/runner/list.js";
import { work } from "../src/work.js";
import { answers, runCli } from "./support/cli.js";

const line = (request: unknown) => `${JSON.stringify(request)}\n`;
const workerPoolCase = (id: string, input: unknown) => line({ pattern: "worker-pool", id, input });

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
