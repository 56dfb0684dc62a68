import assert from "node:assert/strict";
import { test } from "node:test";

import { AsyncQueue } from "../src/async-queue.js";
import { settled } from "./support/deferred.js";

/** Collects everything `queue` yields until it is closed. */
async function drain<T>(queue: AsyncQueue<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of queue) items.push(item);
  return items;
}

test("the consumer gets every item in the order pushed, before and while it waits", async () => {
  const queue = new AsyncQueue<number>();
  queue.push(1);
  queue.push(2);
  const drained = drain(queue);
  assert.equal(await settled(drained), false, "the drain ended before the queue closed");
  queue.push(3);
  assert.equal(await settled(drained), false);
  queue.push(4);
  queue.close();
  assert.deepEqual(await drained, [1, 2, 3, 4]);
});

test("closing wakes a waiting consumer, and a closed empty queue ends at once", async () => {
  const queue = new AsyncQueue<string>();
  const drained = drain(queue);
  await settled(drained);
  queue.close();
  assert.deepEqual(await drained, []);
  assert.deepEqual(await drain(queue), []);
});

test("pushing to a closed queue throws", () => {
  const queue = new AsyncQueue<number>();
  queue.close();
  assert.throws(() => {
    queue.push(1);
  }, /closed queue/);
});
