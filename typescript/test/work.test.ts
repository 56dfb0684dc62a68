import assert from "node:assert/strict";
import { test } from "node:test";

import { work, workBigInt } from "../src/work.js";
import { loadWorkVectors } from "./support/spec.js";

/** The contract's definition, written plainly in BigInt: slow, but obviously right. */
function referenceWork(seed: bigint, n: number): string {
  const u64 = (x: bigint) => BigInt.asUintN(64, x);
  let x = seed;
  for (let i = 0; i < n; i++) {
    let z = u64(x + 0x9e3779b97f4a7c15n);
    z = u64((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = u64((z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    x = z ^ (z >> 31n);
  }
  return x.toString(16).padStart(16, "0");
}

test("work matches every vector of harness/spec/work.json", () => {
  const vectors = loadWorkVectors();
  assert.ok(vectors.length > 0);
  for (const { seed, n, value } of vectors) {
    assert.equal(work(seed, n), value, `work(${String(seed)}, ${String(n)})`);
    assert.equal(work(BigInt(seed), n), value, `work(${String(seed)}n, ${String(n)})`);
  }
});

test("work matches the BigInt definition across the whole 64-bit range", () => {
  const seeds = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 63n, 2n ** 64n - 1n];
  let x = 0x0123_4567_89ab_cdefn;
  for (let i = 0; i < 50; i++) {
    x = BigInt.asUintN(64, x * 6364136223846793005n + 1442695040888963407n);
    seeds.push(x);
  }
  for (const seed of seeds) {
    for (const n of [0, 1, 2, 7, 64]) {
      assert.equal(work(seed, n), referenceWork(seed, n), `work(${String(seed)}n, ${String(n)})`);
    }
  }
});

test("workBigInt is work's value as a BigInt", () => {
  for (const seed of [0n, 1n, 2n ** 53n - 1n, 2n ** 63n, 2n ** 64n - 1n]) {
    for (const n of [0, 1, 7]) {
      assert.equal(workBigInt(seed, n), BigInt(`0x${work(seed, n)}`));
    }
  }
});

test("work rejects seeds and counts it cannot represent exactly", () => {
  assert.throws(() => work(-1, 1), RangeError);
  assert.throws(() => work(2 ** 53, 1), RangeError);
  assert.throws(() => work(1.5, 1), RangeError);
  assert.throws(() => work(-1n, 1), RangeError);
  assert.throws(() => work(2n ** 64n, 1), RangeError);
  assert.throws(() => work(0, -1), RangeError);
  assert.throws(() => work(0, 0.5), RangeError);
});
