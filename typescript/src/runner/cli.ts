#!/usr/bin/env node
/**
 * The cookbook's TypeScript runner: `list`, `run` or `bench`, speaking the runner protocol on
 * standard input and output. Standard output carries protocol lines only; every problem is one
 * line on standard error and an exit code, never a stack trace.
 *
 * @module
 */

import { once } from "node:events";
import { createInterface } from "node:readline";

import { answerBench } from "./bench.js";
import { listAnswer } from "./list.js";
import { patterns } from "./patterns.js";
import { SelfCheckError, UnusableInputError } from "./protocol.js";
import { runLines } from "./run.js";
import { loadSkips } from "./skips.js";

const USAGE = "usage: cli.js list | run | bench";

const EXIT_OK = 0;
// The runner's own check failed, or the runner itself is broken (say, an unreadable skips.json).
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_UNUSABLE_INPUT = 3;

/** Writes one protocol line, waiting when the pipe is full rather than buffering without bound. */
async function emit(message: unknown): Promise<void> {
  if (!process.stdout.write(`${JSON.stringify(message)}\n`)) await once(process.stdout, "drain");
}

function stdinLines(): AsyncIterable<string> {
  return createInterface({ input: process.stdin, crlfDelay: Infinity });
}

async function allStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of stdinLines()) lines.push(line);
  return lines;
}

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (rest.length > 0 || !(command === "list" || command === "run" || command === "bench")) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT_USAGE;
  }
  const skips = await loadSkips(patterns.keys());
  switch (command) {
    case "list":
      await emit(listAnswer(skips));
      return EXIT_OK;
    case "run":
      await runLines(stdinLines(), skips, emit);
      return EXIT_OK;
    case "bench":
      // All of standard input is read: a second request line must be refused, not ignored.
      await emit(await answerBench(await allStdinLines()));
      return EXIT_OK;
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof UnusableInputError) return EXIT_UNUSABLE_INPUT;
  return EXIT_FAILURE;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = error instanceof SelfCheckError ? "error: bench self-check failed" : "error";
  return `${prefix}: ${message.replace(/\s*\n\s*/g, " ")}`;
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${oneLine(error)}\n`);
  code = exitCodeFor(error);
}
// Exit explicitly once standard output has been flushed: after an unusable line, standard input
// may still be open, and the runner must not wait for it.
process.stdout.write("", () => process.exit(code));
