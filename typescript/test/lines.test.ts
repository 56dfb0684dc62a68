import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { isBlank, readLines } from "../src/runner/lines.js";
import { UnusableInputError } from "../src/runner/protocol.js";

/** `text` in chunks cut after every `size` bytes, so that lines span chunks. */
async function* chunked(text: string | Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  for (let at = 0; at < bytes.length; at += size) {
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
  }
}

/** Every line read, as `[number, text]`, whatever size the chunks come in. */
async function split(text: string, limit?: number): Promise<[number, string][]> {
  const seen = new Set<string>();
  let lines: [number, string][] = [];
  for (const size of [1, 2, 3, 7, 1 << 16]) {
    lines = [];
    for await (const { number, bytes } of readLines(chunked(text, size), limit)) {
      lines.push([number, Buffer.from(bytes).toString("utf8")]);
    }
    seen.add(JSON.stringify(lines));
  }
  assert.equal(seen.size, 1, "the same lines from chunks of any size");
  return lines;
}

async function refused(text: string, limit: number): Promise<number> {
  try {
    await split(text, limit);
  } catch (error) {
    assert.ok(error instanceof UnusableInputError, String(error));
    assert.match(error.message, /^line \d+: longer than \d+ bytes/);
    return error.line;
  }
  assert.fail("no line was refused");
}

describe("lines", () => {
  test("a line ends at LF, one CR before it dropped; the last needs no LF", async () => {
    assert.deepEqual(await split('a\r\nb\nc\r\r\n"d"'), [
      [1, "a"],
      [2, "b"],
      [3, "c\r"],
      [4, '"d"'],
    ]);
  });

  test("a lone CR, U+0085, U+2028 and U+2029 are part of their line", async () => {
    assert.deepEqual(await split("a\rb\u0085c\u2028d\u2029e\n"), [
      [1, "a\rb\u0085c\u2028d\u2029e"],
    ]);
  });

  test("blank lines (spaces, tabs, CRs) are skipped but counted", async () => {
    assert.deepEqual(await split("\n \t\r\n\r\na\n\r\n \nb\n \t"), [
      [4, "a"],
      [7, "b"],
    ]);
    assert.deepEqual(await split(""), []);
    assert.deepEqual(await split("\n\n"), []);
  });

  test("anything else is not blank: a form feed, a NUL, a non-breaking space", () => {
    assert.equal(isBlank(Buffer.from(" \t\r")), true);
    for (const text of ["\f", "\0", "\u00a0", "\u2028", "\v"]) {
      assert.equal(isBlank(Buffer.from(text)), false, JSON.stringify(text));
    }
  });

  test("a line holds at most the limit, not counting its line end", async () => {
    assert.deepEqual(await split("12345678\n12345678\r\n12345678", 8), [
      [1, "12345678"],
      [2, "12345678"],
      [3, "12345678"],
    ]);
    assert.equal(await refused("123456789\n", 8), 1);
    assert.equal(await refused("ok\n123456789", 8), 2);
    // A CR that ends no line is part of it, and counts.
    assert.equal(await refused("12345678\r", 8), 1);
    assert.equal(await refused("12345678\r1\n", 8), 1);
    // Blank lines count as lines, and are held to the limit like any other.
    assert.equal(await refused("\n         \n", 8), 2);
  });

  test("a line past the limit is refused without reading the rest of it", async () => {
    let read = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        read += 1024;
        await Promise.resolve();
        yield new Uint8Array(1024).fill(0x61);
      }
    }
    await assert.rejects(async () => {
      for await (const line of readLines(endless(), 10_000)) assert.fail(String(line.number));
    }, UnusableInputError);
    // The tenth chunk takes the line past its limit: it is refused there, nothing read ahead.
    assert.equal(read, 10 * 1024);
  });
});
