/**
 * Loading the language-neutral specs, so that each pattern's native tests run every case of its
 * spec through the same code the runner uses.
 */

import { readFileSync } from "node:fs";

/**
 * `harness/spec/` beside this package, resolved from this compiled file
 * (`dist/test/support/`), so the tests do not depend on the working directory.
 */
const SPEC_DIR = new URL("../../../../harness/spec/", import.meta.url);

export type CompareMode = "exact" | "multiset" | "set";

export type Expected =
  | { readonly output: Readonly<Record<string, unknown>> }
  | { readonly error: { readonly field: string } };

export interface SpecCase {
  readonly id: string;
  readonly description: string;
  readonly input: unknown;
  readonly expected: Expected;
  readonly compare?: Readonly<Record<string, CompareMode>>;
}

/** What the native tests read of a spec: its cases. Its invariants are the harness's to check. */
export interface Spec {
  readonly pattern: string;
  readonly cases: readonly SpecCase[];
}

/** The spec's schema is checked by the harness; here it is trusted to hold its shape. */
export function loadSpec(slug: string): Spec {
  return JSON.parse(readFileSync(new URL(`${slug}.json`, SPEC_DIR), "utf8")) as Spec;
}

export interface WorkVector {
  readonly seed: number;
  readonly n: number;
  readonly value: string;
}

export function loadWorkVectors(): readonly WorkVector[] {
  const parsed = JSON.parse(readFileSync(new URL("work.json", SPEC_DIR), "utf8")) as {
    vectors: WorkVector[];
  };
  return parsed.vectors;
}
