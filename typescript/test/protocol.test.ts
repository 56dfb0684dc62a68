import assert from "node:assert/strict";
import { describe, test } from "node:test";

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

  test("list names the implementation, its patterns and skips.json's skips", async () => {
    const { code, stdout } = await runCli(["list"]);
    assert.equal(code, 0);
    assert.deepEqual(answers(stdout), [
      { protocol: 1, implementation: "typescript", patterns: { "worker-pool": { skip: {} } } },
    ]);
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

  test("a request that is not JSON exits 3", async () => {
    const { code, stderr } = await runCli(["bench"], "{\n");
    assert.equal(code, 3);
    assertOneStderrLine(stderr, /^error: line 1: not JSON/);
  });
});
