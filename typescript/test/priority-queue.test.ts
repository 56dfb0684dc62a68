import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { PriorityQueue, serve, type Attempt } from "../src/priority-queue.js";
import { xorDigest } from "../src/runner/jobs.js";
import * as runner from "../src/runner/priority-queue.js";
import { work } from "../src/work.js";
import { deferred } from "./support/deferred.js";
import { advance, flush, useRealTime, useVirtualTime } from "./support/virtual-time.js";

/** Takes everything `queue` holds, closing it first so that the last take answers undefined. */
async function drain<T>(queue: PriorityQueue<T>): Promise<T[]> {
  queue.close();
  const taken: T[] = [];
  for (let next = await queue.take(); next !== undefined; next = await queue.take()) {
    taken.push(next);
  }
  return taken;
}

describe("PriorityQueue", () => {
  test("takes the lowest priority first, and equal priorities in the order they were pushed", async () => {
    const queue = new PriorityQueue<string>();
    for (const [item, priority] of [
      ["c1", 3],
      ["a1", 1],
      ["c2", 3],
      ["b1", 2],
      ["a2", 1],
      ["c3", 3],
    ] as const) {
      queue.push(item, priority);
    }
    assert.deepEqual(await drain(queue), ["a1", "a2", "b1", "c1", "c2", "c3"]);
  });

  test("ties are broken by push order, never by the items: any item will do, even one that cannot be compared", async () => {
    // Objects compare as equal under `<` and `>` both ways, so a heap that fell back on the
    // items would take ties in whatever order its swaps left them.
    const queue = new PriorityQueue<{ readonly n: number }>();
    const items = Array.from({ length: 100 }, (_, n) => ({ n }));
    for (const item of items) queue.push(item, item.n % 3);
    const taken = (await drain(queue)).map(({ n }) => n);
    const want = [0, 1, 2].flatMap((p) => items.filter(({ n }) => n % 3 === p).map(({ n }) => n));
    assert.deepEqual(taken, want);
  });

  test("agrees with a stable sort on many pushes and takes, interleaved", async () => {
    const queue = new PriorityQueue<number>();
    const waiting: { priority: number; seq: number }[] = [];
    const taken: number[] = [];
    const want: number[] = [];
    let x = 12345;
    const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
    for (let seq = 0; seq < 2_000; seq++) {
      const priority = random() % 10;
      queue.push(seq, priority);
      waiting.push({ priority, seq });
      if (random() % 3 === 0) {
        waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
        want.push(waiting.shift()?.seq ?? -1);
        taken.push((await queue.take()) ?? -1);
      }
    }
    waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    assert.deepEqual([...taken, ...(await drain(queue))], [...want, ...waiting.map((w) => w.seq)]);
  });

  test("a take waits for a push, and every waiting take ends at the close", async () => {
    const queue = new PriorityQueue<number>();
    const first = queue.take();
    queue.push(7, 100);
    assert.equal(await first, 7);
    const waiting = [queue.take(), queue.take()];
    queue.close();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
    assert.throws(() => {
      queue.push(1, 0);
    }, /closed queue/);
  });
});

/** An attempt that waits on `gate`, then fails while its number is at most `failures[id]`. */
function gated(gate: Promise<void>, failures: Readonly<Record<string, number>> = {}) {
  const started: string[] = [];
  const attempt = async ({ job, number, priority }: Attempt<string>): Promise<string> => {
    started.push(`${job}#${String(number)}@${String(priority)}`);
    await gate;
    if (number <= (failures[job] ?? 0)) throw new Error(`${job} failed`);
    return job.toUpperCase();
  };
  return { started, attempt };
}

describe("serve", () => {
  test("a failed attempt goes back one priority less urgent, behind what already waits there", async () => {
    // One worker, held on "first" until everything is queued: "a" fails, and its retry at
    // priority 2 goes behind "b", which was waiting at 2 before it.
    const gate = deferred();
    const { started, attempt } = gated(gate.promise, { a: 1 });
    const submissions = [
      { job: "first", priority: 0 },
      { job: "a", priority: 1 },
      { job: "b", priority: 2 },
      { job: "c", priority: 3 },
    ];
    const run = serve(submissions, 1, attempt, { maxAttempts: 2 });
    await flush();
    gate.resolve();
    const outcomes = await run;
    assert.deepEqual(started, ["first#1@0", "a#1@1", "b#1@2", "a#2@2", "c#1@3"]);
    assert.deepEqual(
      outcomes.map((o) => [o.job, o.attempts, o.ok]),
      [
        ["first", 1, true],
        ["b", 1, true],
        ["a", 2, true],
        ["c", 1, true],
      ],
    );
  });

  test("a job ends failed after its last attempt, with its error and its number of attempts", async () => {
    const { attempt } = gated(Promise.resolve(), { doomed: 100, late: 2 });
    const outcomes = await serve(
      [
        { job: "doomed", priority: 0 },
        { job: "late", priority: 0 },
      ],
      2,
      attempt,
      { maxAttempts: 3 },
    );
    const byJob = new Map(outcomes.map((o) => [o.job, o]));
    const doomed = byJob.get("doomed");
    assert.equal(doomed?.attempts, 3);
    assert.equal(doomed.ok ? undefined : (doomed.error as Error).message, "doomed failed");
    assert.deepEqual([byJob.get("late")?.attempts, byJob.get("late")?.ok], [3, true]);
  });

  test("workers do not stop when the queue is empty while an attempt may still push a retry", async () => {
    // The only job fails twice: between its attempts the queue is empty and nothing is left to
    // submit, and a pool that closed its queue then would never run the third attempt.
    const { started, attempt } = gated(Promise.resolve(), { only: 2 });
    const outcomes = await serve([{ job: "only", priority: 5 }], 4, attempt, { maxAttempts: 3 });
    assert.deepEqual(started, ["only#1@5", "only#2@6", "only#3@7"]);
    assert.deepEqual(
      outcomes.map((o) => [o.attempts, o.ok]),
      [[3, true]],
    );
  });

  test("no jobs: every worker stops at once", async () => {
    const { attempt } = gated(Promise.resolve());
    assert.deepEqual(await serve([], 8, attempt, { maxAttempts: 2 }), []);
  });

  test("aborting stops the workers, and the run rejects with the reason", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    let running = 0;
    const attempt = async (_: Attempt<number>, signal: AbortSignal): Promise<number> => {
      running += 1;
      try {
        await sleep(10_000, undefined, { signal });
        return 0;
      } finally {
        running -= 1;
      }
    };
    const jobs = Array.from({ length: 10 }, (_, job) => ({ job, priority: 0 }));
    const run = serve(jobs, 3, attempt, { maxAttempts: 5, signal: controller.signal });
    await sleep(10);
    controller.abort(reason);
    await assert.rejects(run, (error) => error === reason);
    assert.equal(running, 0);
  });
});

describe("serve, in virtual time", () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  /** Jobs `[name, priority, arriveMs]` submitted at their times, each attempt taking `ms`. */
  function timed(jobs: readonly [string, number, number][], ms: number) {
    const started: [string, number][] = [];
    async function* submissions() {
      for (const [job, priority, at] of jobs) {
        if (at > Date.now()) await sleep(at - Date.now());
        yield { job, priority };
      }
    }
    const attempt = async ({ job }: Attempt<string>): Promise<string> => {
      started.push([job, Date.now()]);
      await sleep(ms);
      return job;
    };
    return {
      started,
      run: (workers: number) => serve(submissions(), workers, attempt, { maxAttempts: 1 }),
    };
  }

  test("an urgent arrival jumps the line but never preempts the running job", async () => {
    const { started, run } = timed(
      [
        ["slow", 5, 0],
        ["b", 5, 10],
        ["c", 5, 20],
        ["urgent", 0, 30],
      ],
      100,
    );
    const serving = run(1);
    for (let ms = 0; ms <= 400; ms += 10) await advance(ms === 0 ? 0 : 10);
    await serving;
    assert.deepEqual(started, [
      ["slow", 0],
      ["urgent", 100],
      ["b", 200],
      ["c", 300],
    ]);
  });

  test("an idle worker takes a job that arrives after the queue was empty", async () => {
    const { started, run } = timed(
      [
        ["early", 1, 0],
        ["late", 1, 60],
      ],
      5,
    );
    const serving = run(2);
    for (let ms = 0; ms <= 70; ms += 5) await advance(ms === 0 ? 0 : 5);
    await serving;
    assert.deepEqual(started, [
      ["early", 0],
      ["late", 60],
    ]);
  });
});

test("the benchmark answers the check of its own input: every job's value, XORed", async () => {
  const input = runner.benchInput(10, { workers: 2, cost: 5 });
  assert.deepEqual(
    input.jobs.map(({ priority }) => priority),
    [0, 19, 38, 57, 76, 95, 14, 33, 52, 71],
  );
  const want = xorDigest(Array.from({ length: 10 }, (_, id) => work(id, 5)));
  assert.deepEqual((await runner.bench(input)).check, { count: 10, digest: want });
});
