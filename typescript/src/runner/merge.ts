/**
 * Fan-in's `merge` operation as the runner serves it: sources of delays, one async generator
 * per source, and the consumer that records when each item reached it.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { merge } from "../fan-in.js";
import { work } from "../work.js";
import { indexPath, requireArray, requireInteger, type Fields } from "./fields.js";
import { xorDigest } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import { SelfCheckError, type Measurement } from "./protocol.js";

export const MAX_SOURCES = 1_000;
const MAX_DELAY_MS = 60_000;

export interface MergeInput {
  readonly op: "merge";
  /** Per source, the delay in ms before each of its items. */
  readonly sources: readonly (readonly number[])[];
}

export interface Item {
  readonly source: number;
  readonly index: number;
}

export interface Received extends Item {
  readonly atNs: number;
}

export interface MergeObserved extends Observed {
  readonly received: readonly Received[];
}

/** `sources`, then each source in order and each of its delays in order. */
export function validateMerge(input: Fields): MergeInput {
  const sources = requireArray(input.sources, "sources", MAX_SOURCES).map((source, s) => {
    const path = indexPath("sources", s);
    return requireArray(source, path).map((delay, i) =>
      requireInteger(delay, indexPath(path, i), 0, MAX_DELAY_MS),
    );
  });
  return { op: "merge", sources };
}

/** Source `source`: waits each delay, then yields its next item. */
async function* produce(source: number, delays: readonly number[]): AsyncGenerator<Item> {
  for (const [index, delay] of delays.entries()) {
    // A zero delay yields at once: Node would turn a 0 ms timer into 1 ms.
    if (delay > 0) await sleep(delay);
    yield { source, index };
  }
}

/** Merges every source into one stream of items. */
function merged(input: MergeInput): AsyncGenerator<Item, void> {
  return merge(input.sources.map((delays, source) => produce(source, delays)));
}

export async function runMerge(
  input: MergeInput,
): Promise<{ output: { items: Item[] }; observed: MergeObserved }> {
  const clock = new Clock();
  const received: Received[] = [];
  // `atNs` is read by the consumer as it gets each item.
  for await (const item of merged(input)) received.push({ ...item, atNs: clock.now() });
  const observed = { elapsedNs: clock.now(), received };
  return { output: { items: received.map(({ source, index }) => ({ source, index })) }, observed };
}

/** `size` items over `sources` sources, item `k` being source `k % sources`'s item `k / sources`. */
export function benchMergeInput(size: number, sources: number): MergeInput {
  const counts = Array.from({ length: sources }, (_, s) =>
    Math.ceil(Math.max(0, size - s) / sources),
  );
  return { op: "merge", sources: counts.map((count) => new Array<number>(count).fill(0)) };
}

/**
 * One measured merge, then its self-check: every source's items arrived once each and in their
 * order, and the digest is the XOR of `work(source * 2^32 + index, 1)` over them.
 */
export async function benchMerge(input: MergeInput): Promise<Measurement> {
  const clock = new Clock();
  const received: Item[] = [];
  for await (const item of merged(input)) received.push(item);
  const elapsedNs = clock.now();

  const next = input.sources.map(() => 0);
  for (const { source, index } of received) {
    if (next[source] !== index) {
      throw new SelfCheckError(`source ${String(source)}: item ${String(index)} out of order`);
    }
    next[source] = index + 1;
  }
  const want = input.sources.reduce((sum, delays) => sum + delays.length, 0);
  if (received.length !== want) {
    throw new SelfCheckError(`${String(received.length)} of ${String(want)} items received`);
  }
  const digest = xorDigest(received.map(({ source, index }) => work(source * 2 ** 32 + index, 1)));
  return { elapsedNs, check: { count: received.length, digest } };
}
