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

/** Case ids of one pattern that this language does not implement, each with the reason. */
export type SkipList = Readonly<Record<string, string>>;

export interface ListAnswer {
  readonly protocol: number;
  readonly implementation: string;
  readonly patterns: Readonly<Record<string, { readonly skip: SkipList }>>;
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

export interface Check {
  readonly count: number;
  /** 16 lowercase hex digits. */
  readonly digest: string;
}

export type BenchAnswer =
  | {
      readonly status: "ok";
      readonly pattern: string;
      readonly size: number;
      readonly elapsedNs: readonly number[];
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
  readonly check: Check;
}

/**
 * Everything a pattern adds to the runner. `validate` and `benchInput` throw a `FieldError` for
 * invalid input; `bench` throws a `SelfCheckError` when a run's answer is wrong.
 */
export interface PatternParts<I> {
  readonly validate: (input: Fields) => I;
  readonly run: (input: I) => Promise<CaseResult>;
  readonly benchInput: (size: number, params: Fields) => I;
  readonly bench: (input: I) => Promise<Measurement>;
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
