/**
 * The runner protocol's messages, and what a pattern provides to be served by it. See the
 * cookbook's contract for the wire format; these types mirror it one to one.
 *
 * @module
 */

import type { Fields } from "./fields.js";
import type { Observed } from "./observe.js";

export const PROTOCOL_VERSION = 1;
export const IMPLEMENTATION = "typescript";

/**
 * Case ids of one pattern that this language does not implement, each with the reason. A map,
 * not an object: a case id may be any string, `constructor` and `__proto__` included.
 */
export type SkipList = ReadonlyMap<string, string>;

export interface ListAnswer {
  readonly protocol: number;
  readonly implementation: string;
  readonly patterns: Readonly<Record<string, { readonly skip: Readonly<Record<string, string>> }>>;
  /** The benchmark-only workloads that `bench` accepts besides the patterns. */
  readonly benchmarks: readonly string[];
  /** The runtime settings that shape the benchmarks' figures, read from the running process. */
  readonly runtime: Readonly<Record<string, number | string>>;
}

export interface CaseRequest {
  readonly pattern: string;
  readonly id: string;
  readonly input: Fields;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export type CaseAnswer =
  | {
      readonly id: string;
      readonly status: "ok";
      readonly output: unknown;
      readonly observed: Observed;
    }
  | { readonly id: string; readonly status: "error"; readonly error: FieldProblem }
  | { readonly id: string; readonly status: "unsupported"; readonly reason: string };

/**
 * What a benchmark run answered, for the harness to compare with its reference: always `count`,
 * plus the pattern's own fields (a 16-hex-digit `digest`, the number of `reads` or `admitted`).
 */
export interface Check {
  readonly count: number;
  readonly [field: string]: number | string;
}

export type BenchAnswer =
  | {
      readonly status: "ok";
      readonly pattern: string;
      readonly size: number;
      readonly elapsedNs: readonly number[];
      /** One per run, from the workloads that time their launch (`many-tasks`). */
      readonly launchNs?: readonly number[];
      readonly check: Check;
    }
  | { readonly status: "error"; readonly error: FieldProblem };

/** What one case run produces. */
export interface CaseResult {
  readonly output: unknown;
  readonly observed: Observed;
}

/** What one benchmark repetition produces, already checked by the pattern itself. */
export interface Measurement {
  readonly elapsedNs: number;
  /** The time until the last task was started, for the workloads that report it. */
  readonly launchNs?: number;
  readonly check: Check;
}

/**
 * What anything `bench` measures provides: a benchmark input `B` built from a bench request,
 * and one measured run of it. `benchInput` throws a `FieldError` for invalid input; `bench`
 * throws a `SelfCheckError` when a run's answer is wrong.
 */
export interface BenchParts<B> {
  readonly benchInput: (size: number, params: Fields) => B;
  readonly bench: (input: B) => Promise<Measurement>;
  /**
   * Ends what the runs of `input` kept between them (the worker pool's threads), once after the
   * last run, however it ended. Without it, a run keeps nothing.
   */
  readonly release?: (input: B) => Promise<void>;
}

/**
 * Everything a pattern adds to the runner: a case input `I` validated (throwing a `FieldError`
 * when invalid) and run, and its benchmark, whose input `B` is often the same type.
 */
export interface PatternParts<I, B = I> extends BenchParts<B> {
  readonly validate: (input: Fields) => I;
  readonly run: (input: I) => Promise<CaseResult>;
}

/** A line of input that cannot be answered at all: exit code 3. */
export class UnusableInputError extends Error {
  override readonly name = "UnusableInputError";

  constructor(
    readonly line: number,
    what: string,
  ) {
    super(`line ${String(line)}: ${what}`);
  }
}

/** The runner's own check of a benchmark answer failed: exit code 1. */
export class SelfCheckError extends Error {
  override readonly name = "SelfCheckError";
}

/** Standard output's reader went away before every answer was written: exit code 141. */
export class OutputClosedError extends Error {
  override readonly name = "OutputClosedError";

  constructor() {
    super("standard output was closed");
  }
}

export const EXIT_OK = 0;
/** The runner's own check failed, or the runner itself is broken (an unreadable skips.json). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNUSABLE_INPUT = 3;
/** 128 plus the signal's number, as a shell reports a process that the signal ended. */
export const EXIT_SIGINT = 130;
export const EXIT_OUTPUT_CLOSED = 141;
export const EXIT_SIGTERM = 143;

/** How the runner ends when it cannot go on: its exit code and its one line of standard error. */
export interface Stop {
  readonly code: number;
  readonly message: string;
}

function exitCodeFor(error: unknown): number {
  if (error instanceof UnusableInputError) return EXIT_UNUSABLE_INPUT;
  if (error instanceof OutputClosedError) return EXIT_OUTPUT_CLOSED;
  return EXIT_FAILURE;
}

/** The stop that `error` calls for: every error the runner can end with is said on one line. */
export function stopFor(error: unknown): Stop {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
  const prefix = error instanceof SelfCheckError ? "error: bench self-check failed" : "error";
  return { code: exitCodeFor(error), message: `${prefix}: ${text}` };
}
