import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RwLock } from "../src/rwlock.js";
import { deferred, type Deferred } from "./support/deferred.js";
import { flush } from "./support/virtual-time.js";

/**
 * Sections that record when they enter and leave, each held until the test releases it, so
 * the lock's decisions can be stepped through by hand.
 */
function harness() {
  const lock = new RwLock();
  const log: string[] = [];
  const holds = new Map<string, Deferred<void>>();
  const take = (mode: "read" | "write", name: string): Promise<void> => {
    const hold = deferred();
    holds.set(name, hold);
    return lock[mode](async () => {
      log.push(`+${name}`);
      await hold.promise;
      log.push(`-${name}`);
    });
  };
  const release = async (name: string): Promise<void> => {
    holds.get(name)?.resolve();
    await flush();
  };
  return { lock, log, take, release };
}

describe("RwLock", () => {
  test("readers share it", async () => {
    const { log, take, release } = harness();
    const reads = [take("read", "r1"), take("read", "r2")];
    await flush();
    assert.deepEqual(log, ["+r1", "+r2"]);
    await release("r1");
    await release("r2");
    await Promise.all(reads);
  });

  test("a writer has it alone: readers and writers wait until it leaves", async () => {
    const { log, take, release } = harness();
    const all = [take("write", "w1"), take("read", "r1"), take("write", "w2")];
    await flush();
    assert.deepEqual(log, ["+w1"]);
    await release("w1");
    assert.deepEqual(log, ["+w1", "-w1", "+r1"], "the queued reader goes before the next writer");
    await release("r1");
    assert.deepEqual(log.slice(3), ["-r1", "+w2"]);
    await release("w2");
    await Promise.all(all);
  });

  test("a waiting writer stops new readers, so readers arriving back to back cannot starve it", async () => {
    const { log, take, release } = harness();
    const all = [take("read", "r1"), take("write", "w"), take("read", "r2")];
    await flush();
    assert.deepEqual(log, ["+r1"], "a reader went in beside a reader while a writer waited");
    await release("r1");
    assert.deepEqual(log, ["+r1", "-r1", "+w"]);
    await release("w");
    assert.deepEqual(log.slice(3), ["-w", "+r2"]);
    await release("r2");
    await Promise.all(all);
  });

  test("readers that queued behind a writer all go in together", async () => {
    const { log, take, release } = harness();
    const all = [take("write", "w"), take("read", "r1"), take("read", "r2"), take("read", "r3")];
    await flush();
    await release("w");
    assert.deepEqual(log, ["+w", "-w", "+r1", "+r2", "+r3"]);
    for (const name of ["r1", "r2", "r3"]) await release(name);
    await Promise.all(all);
  });

  test("is released when a section throws, and the section's error reaches the caller", async () => {
    const lock = new RwLock();
    const boom = new Error("section failed");
    await assert.rejects(
      lock.write(() => {
        throw boom;
      }),
      boom,
    );
    await assert.rejects(
      lock.read(() => Promise.reject(boom)),
      boom,
    );
    assert.equal(await lock.write(() => "free again"), "free again");
  });
});
