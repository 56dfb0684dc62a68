/**
 * Batching as the runner serves it (docs/patterns/batching.md): `mode` picks the decision core
 * on the times given (`decide`) or the live batcher on the real clock (`live`); the benchmark
 * decides on data.
 *
 * @module
 */

import { batched, Batcher, type Batch, type Reason } from "../batching.js";
import {
  fieldPath,
  indexPath,
  requireArray,
  requireChoice,
  requireInteger,
  requireNotBefore,
  requireObject,
  requireUniqueId,
  type Fields,
} from "./fields.js";
import { Clock, sleepUntil, type Observed } from "./observe.js";
import {
  SelfCheckError,
  type CaseResult,
  type Measurement,
  type PatternParts,
} from "./protocol.js";

const MAX_SIZE = 10_000;
const MAX_WAIT_MS = 60_000;
const MAX_LIVE_MS = 60_000;
const MAX_PER_MS = 1_000_000;

export interface Arrival {
  readonly id: number;
  readonly atMs: number;
}

export interface BatchingInput {
  readonly mode: "decide" | "live";
  readonly maxSize: number;
  readonly maxWaitMs: number;
  readonly items: readonly Arrival[];
  readonly endMs: number;
}

export interface LiveObserved extends Observed {
  readonly arrivals: readonly { readonly id: number; readonly ns: number }[];
  readonly endNs: number;
  readonly flushes: readonly { readonly batch: number; readonly ns: number }[];
}

/** `mode`, `maxSize`, `maxWaitMs`, `items` and each item (`id`, `atMs`), then `endMs`. */
export function validate(input: Fields): BatchingInput {
  const mode = requireChoice(input.mode, "mode", ["decide", "live"]);
  const latest = mode === "decide" ? Number.MAX_SAFE_INTEGER : MAX_LIVE_MS;
  const maxSize = requireInteger(input.maxSize, "maxSize", 1, MAX_SIZE);
  const maxWaitMs = requireInteger(input.maxWaitMs, "maxWaitMs", 1, MAX_WAIT_MS);
  const seen = new Map<number, string>();
  const items: Arrival[] = [];
  for (const [i, value] of requireArray(input.items, "items").entries()) {
    const path = indexPath("items", i);
    const fields = requireObject(value, path);
    const id = requireUniqueId(fields.id, fieldPath(path, "id"), seen);
    const atPath = fieldPath(path, "atMs");
    const atMs = requireInteger(fields.atMs, atPath, 0, latest);
    const previousPath = fieldPath(indexPath("items", i - 1), "atMs");
    items.push({ id, atMs: requireNotBefore(atMs, atPath, items.at(-1)?.atMs, previousPath) });
  }
  const last = items.at(-1)?.atMs;
  const lastPath = fieldPath(indexPath("items", items.length - 1), "atMs");
  const endMs =
    input.endMs === undefined
      ? (last ?? 0)
      : requireNotBefore(requireInteger(input.endMs, "endMs", 0, latest), "endMs", last, lastPath);
  return { mode, maxSize, maxWaitMs, items, endMs };
}

/** Every arrival and the end, fed to a fresh core in time order; the batches, in flush order. */
function decideAll(input: BatchingInput): Batch<number>[] {
  const batches: Batch<number>[] = [];
  const core = new Batcher<number>(input.maxSize, input.maxWaitMs, (batch) => batches.push(batch));
  for (const { id, atMs } of input.items) core.add(id, atMs);
  core.end(input.endMs);
  return batches;
}

function runDecide(input: BatchingInput): CaseResult {
  const clock = new Clock();
  const batches = decideAll(input);
  const observed: Observed = { elapsedNs: clock.now() };
  const output = batches.map(({ items, at, reason }) => ({ ids: items, flushMs: at, reason }));
  return { output: { batches: output }, observed };
}

/**
 * The source hands each item to the batcher at `atMs` after the start, each stamped just
 * before, and ends the stream at `endMs`, stamped just before too; each batch is stamped as
 * the batcher hands it out. Every time is read from the clock the batcher decides with.
 */
async function runLive(input: BatchingInput): Promise<CaseResult> {
  const clock = new Clock();
  const arrivals: { id: number; ns: number }[] = [];
  let endNs = 0;
  async function* source(): AsyncGenerator<number> {
    for (const { id, atMs } of input.items) {
      await sleepUntil(clock, atMs);
      arrivals.push({ id, ns: clock.now() });
      yield id;
    }
    await sleepUntil(clock, input.endMs);
    endNs = clock.now();
  }
  const batches: { ids: readonly number[]; reason: Reason }[] = [];
  const flushes: { batch: number; ns: number }[] = [];
  for await (const { items, reason } of batched(source(), input.maxSize, input.maxWaitMs, () =>
    clock.now(),
  )) {
    flushes.push({ batch: batches.length, ns: clock.now() });
    batches.push({ ids: items, reason });
  }
  const observed: LiveObserved = { elapsedNs: clock.now(), arrivals, endNs, flushes };
  return { output: { batches }, observed };
}

export function run(input: BatchingInput): Promise<CaseResult> {
  return input.mode === "live" ? runLive(input) : Promise.resolve(runDecide(input));
}

/**
 * `size` items with ids `0 .. size-1`, item `i` at `i / perMs` ms (integer division), the
 * stream ending at the last one. Validates `maxSize`, `maxWaitMs`, then `perMs`.
 */
export function benchInput(size: number, params: Fields): BatchingInput {
  const maxSize = requireInteger(params.maxSize, "params.maxSize", 1, MAX_SIZE);
  const maxWaitMs = requireInteger(params.maxWaitMs, "params.maxWaitMs", 1, MAX_WAIT_MS);
  const perMs = requireInteger(params.perMs, "params.perMs", 1, MAX_PER_MS);
  const items = Array.from({ length: size }, (_, id) => ({ id, atMs: Math.floor(id / perMs) }));
  return { mode: "decide", maxSize, maxWaitMs, items, endMs: items.at(-1)?.atMs ?? 0 };
}

/**
 * Each batch against its rule: the items, all of them in arrival order, none in two batches;
 * a full batch of `maxSize` flushed at its last arrival, a due one `maxWaitMs` after its first,
 * an end one at the end, never before its last arrival.
 */
function checkBatches(input: BatchingInput, batches: readonly Batch<number>[]): void {
  let next = 0;
  for (const [b, { items, at, reason }] of batches.entries()) {
    const first = input.items[next];
    const last = input.items[next + items.length - 1];
    const what = `batch ${String(b)} (${reason} at ${String(at)})`;
    if (first === undefined || last === undefined || items.length > input.maxSize) {
      throw new SelfCheckError(`${what} holds ${String(items.length)} items`);
    }
    items.forEach((id, i) => {
      if (id !== next + i)
        throw new SelfCheckError(`${what} holds item ${String(id)} out of order`);
    });
    const rule = { full: last.atMs, due: first.atMs + input.maxWaitMs, end: input.endMs }[reason];
    if (at !== rule || at < last.atMs || (reason === "full" && items.length !== input.maxSize)) {
      throw new SelfCheckError(`${what} breaks its rule`);
    }
    next += items.length;
  }
  if (next !== input.items.length) {
    throw new SelfCheckError(`${String(next)} of ${String(input.items.length)} items batched`);
  }
}

/** The sum over batches of `flushMs * 65536 + size`, modulo 2^64, as 16 hex digits. */
function batchDigest(batches: readonly Batch<number>[]): string {
  let sum = 0n;
  for (const { items, at } of batches) sum += BigInt(at) * 65_536n + BigInt(items.length);
  return BigInt.asUintN(64, sum).toString(16).padStart(16, "0");
}

/** One measured run of the decisions, then their self-check. */
export function bench(input: BatchingInput): Promise<Measurement> {
  const clock = new Clock();
  const batches = decideAll(input);
  const elapsedNs = clock.now();
  checkBatches(input, batches);
  const check = {
    count: input.items.length,
    batches: batches.length,
    digest: batchDigest(batches),
  };
  return Promise.resolve({ elapsedNs, check });
}

export const batching: PatternParts<BatchingInput> = { validate, run, benchInput, bench };
