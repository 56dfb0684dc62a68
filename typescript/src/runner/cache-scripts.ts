/**
 * The read-heavy cache's input: hold times, the compute, and one script of operations per
 * client, validated in the documented order, and how one operation is performed on the cache.
 *
 * @module
 */

import type { Cache } from "../rwlock-cache.js";
import {
  fieldPath,
  indexPath,
  optionalInteger,
  requireArray,
  requireChoice,
  requireInteger,
  requireObject,
  requireString,
  type Fields,
} from "./fields.js";
import { MAX_COST, MAX_SLEEP_MS } from "./jobs.js";

export const MAX_CLIENTS = 1_000;
const MAX_HOLD_MS = 10_000;
const MAX_KEY = Number.MAX_SAFE_INTEGER;

export type Op =
  | { readonly op: "get"; readonly key: number }
  | { readonly op: "set"; readonly key: number; readonly value: string }
  | { readonly op: "getOrCompute"; readonly key: number }
  | { readonly op: "sleep"; readonly ms: number };

export interface CacheInput {
  readonly readHoldMs: number;
  readonly writeHoldMs: number;
  readonly computeMs: number;
  readonly computeCost: number;
  readonly clients: readonly (readonly Op[])[];
}

/** One operation: the object itself, `op`, then `key`, `value` or `ms` as the operation needs. */
function validateOp(value: unknown, path: string): Op {
  const fields = requireObject(value, path);
  const op = requireChoice(fields.op, fieldPath(path, "op"), [
    "get",
    "set",
    "getOrCompute",
    "sleep",
  ]);
  if (op === "sleep") {
    return { op, ms: requireInteger(fields.ms, fieldPath(path, "ms"), 0, MAX_SLEEP_MS) };
  }
  const key = requireInteger(fields.key, fieldPath(path, "key"), 0, MAX_KEY);
  if (op !== "set") return { op, key };
  return { op, key, value: requireString(fields.value, fieldPath(path, "value")) };
}

/** The fields in the order of the page's table, then each client's operations in order. */
export function validate(input: Fields): CacheInput {
  const readHoldMs = optionalInteger(input.readHoldMs, "readHoldMs", 0, MAX_HOLD_MS, 0);
  const writeHoldMs = optionalInteger(input.writeHoldMs, "writeHoldMs", 0, MAX_HOLD_MS, 0);
  const computeMs = optionalInteger(input.computeMs, "computeMs", 0, MAX_SLEEP_MS, 0);
  const computeCost = optionalInteger(input.computeCost, "computeCost", 0, MAX_COST, 0);
  const clients = requireArray(input.clients, "clients", MAX_CLIENTS).map((script, c) => {
    const path = indexPath("clients", c);
    return requireArray(script, path).map((op, i) => validateOp(op, indexPath(path, i)));
  });
  return { readHoldMs, writeHoldMs, computeMs, computeCost, clients };
}

/** Performs `op` (not a sleep) on `cache`; answers the value written or read, `null` if none. */
export async function perform(
  cache: Cache<number, string>,
  op: Exclude<Op, { op: "sleep" }>,
  compute: (key: number) => Promise<string>,
): Promise<string | null> {
  switch (op.op) {
    case "get":
      return (await cache.get(op.key)) ?? null;
    case "set":
      await cache.set(op.key, op.value);
      return op.value;
    case "getOrCompute":
      return cache.getOrCompute(op.key, compute);
  }
}
