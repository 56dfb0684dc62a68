/**
 * `skips.json` names, per pattern, the cases this language does not implement and why. It lives
 * beside `package.json`, never in code, so that a skip is visible in review.
 *
 * @module
 */

import { readFile } from "node:fs/promises";

import { isObject } from "./fields.js";
import type { SkipList } from "./protocol.js";

/** Resolved from this compiled file (`dist/src/runner/`), so the working directory is irrelevant. */
const SKIPS_FILE = new URL("../../../skips.json", import.meta.url);

export type Skips = ReadonlyMap<string, SkipList>;

/** Reads `skips.json`; every pattern it names must be one of `known`. */
export async function loadSkips(known: Iterable<string>): Promise<Skips> {
  return parseSkips(await readFile(SKIPS_FILE, "utf8"), known);
}

/** `skips.json`'s text, read as `loadSkips` reads it. */
export function parseSkips(text: string, known: Iterable<string>): Skips {
  const parsed: unknown = JSON.parse(text);
  if (!isObject(parsed)) throw new Error("skips.json must hold a JSON object");
  const names = new Set(known);
  const skips = new Map<string, SkipList>();
  for (const [pattern, list] of Object.entries(parsed)) {
    if (!names.has(pattern)) throw new Error(`skips.json names unknown pattern "${pattern}"`);
    const reasons = isObject(list) ? Object.entries(list) : undefined;
    const isReason = (entry: [string, unknown]): entry is [string, string] =>
      typeof entry[1] === "string";
    if (!reasons?.every(isReason)) {
      throw new Error(`skips.json: "${pattern}" must map case ids to reasons`);
    }
    skips.set(pattern, new Map(reasons));
  }
  return skips;
}
