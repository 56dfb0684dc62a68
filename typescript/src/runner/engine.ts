/**
 * Where the runner's work runs: on a worker thread of its own, the engine, while the main
 * thread only reads lines, writes answers and listens for signals (`cli.ts`).
 *
 * The split is what lets the runner stop within a second of a SIGINT or SIGTERM. Node runs a
 * signal's listener on the main thread's event loop, between two callbacks, and a pattern may
 * keep that loop busy for seconds: a job's `work` is synchronous, and a pool of jobs that never
 * sleep settles in one long run of promise jobs. On its own thread the engine may take the
 * CPU for as long as a case needs; the main thread stays free to answer the signal, and
 * `process.exit` then ends the engine, and any thread that the engine started, wherever each
 * one is.
 *
 * The main thread hands the engine one line at a time and waits for its answer, so cases still
 * run one after the other.
 *
 * @module
 */

import { Worker } from "node:worker_threads";

import { answerBench } from "./bench.js";
import type { Line } from "./lines.js";
import { stopFor, type Stop } from "./protocol.js";
import { answerLine } from "./run.js";
import type { Skips } from "./skips.js";

/** Compiled beside this file, so it ships in the package and resolves from any directory. */
const THREAD_SCRIPT = new URL("./engine-thread.js", import.meta.url);

/** One line for the engine to answer, as a case of `run` or as the request of `bench`. */
export interface Task {
  readonly command: "run" | "bench";
  readonly line: Line;
}

/** The engine's reply: the answer line to write, or the stop the line calls for. */
export type Reply = { readonly answer: string } | { readonly stop: Stop };

/** What the engine thread is started with. */
export interface EngineSetup {
  readonly skips: Skips;
}

/** Answers one task: the engine thread's whole job, and callable in-process for tests. */
export async function serve({ command, line }: Task, skips: Skips): Promise<Reply> {
  try {
    const answer = command === "run" ? await answerLine(line, skips) : await answerBench(line);
    return { answer: JSON.stringify(answer) };
  } catch (error) {
    return { stop: stopFor(error) };
  }
}

/** The runner's work is a stop it calls for: an unusable line, a failed self-check, a bug. */
export class Stopped extends Error {
  override readonly name = "Stopped";

  constructor(readonly stop: Stop) {
    super(stop.message);
  }
}

/** The engine thread, seen from the main thread: one task at a time. */
export class Engine {
  readonly #thread: Worker;
  #waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;

  constructor(skips: Skips) {
    const workerData: EngineSetup = { skips };
    this.#thread = new Worker(THREAD_SCRIPT, { workerData });
    this.#thread.on("message", (reply: Reply) => {
      this.#waiting?.resolve(reply);
    });
    // An error the engine did not catch (a bug), or the thread gone: no answer will come.
    this.#thread.on("error", (error) => {
      this.#fail(error);
    });
    this.#thread.on("exit", (code) => {
      this.#fail(new Error(`the engine thread exited with code ${String(code)}`));
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#waiting?.reject(this.#failure);
  }

  /** The answer line to `task`; rejects with `Stopped` if the task calls for a stop. */
  async answer(task: Task): Promise<string> {
    if (this.#waiting !== undefined) throw new Error("the engine answers one task at a time");
    if (this.#failure !== undefined) throw this.#failure;
    // The line's bytes are copied into a buffer of their own, which is then moved to the
    // thread rather than cloned. (`Buffer#slice` would share its memory, not copy it.)
    const bytes = new Uint8Array(task.line.bytes);
    const reply = new Promise<Reply>((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
    this.#thread.postMessage({ ...task, line: { ...task.line, bytes } }, [bytes.buffer]);
    try {
      const replied = await reply;
      if ("stop" in replied) throw new Stopped(replied.stop);
      return replied.answer;
    } finally {
      this.#waiting = undefined;
    }
  }
}
