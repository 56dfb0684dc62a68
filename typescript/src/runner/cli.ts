#!/usr/bin/env node
/**
 * The cookbook's TypeScript runner: `list`, `run` or `bench`, speaking the runner protocol on
 * standard input and output. Standard output carries protocol lines only; every problem is one
 * line on standard error and an exit code, never a stack trace.
 *
 * This is the main thread: it reads the lines, writes the answers and ends the process. The
 * cases and benchmarks run on the engine thread (`engine.ts`), so that a signal is answered
 * within a second however busy a pattern keeps its thread.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { onlyRequest } from "./bench.js";
import { Engine, Stopped } from "./engine.js";
import { readLines, type Line } from "./lines.js";
import { listAnswer } from "./list.js";
import { patterns } from "./patterns.js";
import {
  EXIT_OK,
  EXIT_SIGINT,
  EXIT_SIGTERM,
  EXIT_USAGE,
  OutputClosedError,
  stopFor,
  type Stop,
} from "./protocol.js";
import { loadSkips } from "./skips.js";

const USAGE = "usage: cli.js list | run | bench";

/**
 * How long a signal waits for an answer line already on its way out, so that it is not cut in
 * half, leaving time to exit within the second the contract allows. A reader too slow to take
 * the rest of the line by then gets it cut; the exit code says why.
 */
const FLUSH_GRACE_MS = 700;

let exiting = false;

/** Ends the process at once; the first call wins. */
function exit({ code, message }: { code: number; message?: string }): void {
  if (exiting) return;
  exiting = true;
  if (message !== undefined) process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Standard output, one answer line at a time. */
class Answers {
  #closed = false;
  #flushed: Promise<unknown> = Promise.resolve();

  /**
   * Writes one line and resolves once it is out: waiting for that, rather than buffering, is
   * what keeps memory bounded when the reader is slow. Rejects with `OutputClosedError` when
   * the reader has gone. Once closed, a line is never started, and the promise never settles:
   * the process is on its way out.
   */
  write(line: string): Promise<void> {
    if (this.#closed) return new Promise(() => undefined);
    const written = new Promise<void>((resolve, reject) => {
      process.stdout.write(`${line}\n`, (error) => {
        if (error === null || error === undefined) resolve();
        else reject(outputError(error));
      });
    });
    this.#flushed = written.catch(() => undefined);
    return written;
  }

  /** No line starts after this; resolves once the lines already started are out, or failed. */
  close(): Promise<unknown> {
    this.#closed = true;
    return this.#flushed;
  }
}

const answers = new Answers();

function outputError(error: Error): Error {
  return (error as NodeJS.ErrnoException).code === "EPIPE" ? new OutputClosedError() : error;
}

function stopOn(signal: NodeJS.Signals, stop: Stop): void {
  process.on(signal, () => {
    void Promise.race([answers.close(), sleep(FLUSH_GRACE_MS)]).then(() => {
      exit(stop);
    });
  });
}

/** The runner's way to end on any error: its stop, as one line. */
function fail(error: unknown): void {
  exit(error instanceof Stopped ? error.stop : stopFor(error));
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
      await answers.write(JSON.stringify(listAnswer(skips)));
      return EXIT_OK;
    case "run": {
      // Started with the first line: an empty run has no need of it.
      let engine: Engine | undefined;
      for await (const line of readLines(process.stdin)) {
        engine ??= new Engine(skips);
        await answers.write(await engine.answer({ command, line }));
      }
      return EXIT_OK;
    }
    case "bench": {
      const found: Line[] = [];
      for await (const line of readLines(process.stdin)) {
        if (found.push(line) === 2) break;
      }
      const line = onlyRequest(found);
      await answers.write(await new Engine(skips).answer({ command, line }));
      return EXIT_OK;
    }
  }
}

stopOn("SIGINT", { code: EXIT_SIGINT, message: "error: interrupted by SIGINT" });
stopOn("SIGTERM", { code: EXIT_SIGTERM, message: "error: terminated by SIGTERM" });
// Node ignores SIGPIPE, so a reader that has gone shows as EPIPE, here or on a write's callback.
process.stdout.on("error", (error: Error) => {
  fail(outputError(error));
});
// With standard error gone there is nowhere to say anything; the exit code still says it.
process.stderr.on("error", () => undefined);
// The last resort that keeps a stack trace off standard error: a bug is still one line.
process.on("uncaughtException", fail);

// The process ends here, not when its event loop empties: the engine thread keeps it alive, and
// after an unusable line standard input may still be open.
main(process.argv.slice(2)).then((code) => {
  exit({ code });
}, fail);
