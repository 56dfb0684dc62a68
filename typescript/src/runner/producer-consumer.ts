/**
 * The producer-consumer pattern as the runner serves it (docs/patterns/producer-consumer.md):
 * input validation in the documented order, one observed run, and the benchmark.
 *
 * The queue knows nothing of observation: the run hands `produceConsume` a queue that wraps the
 * real one and stamps each put and get around the real call, as `rwlock-cache.ts` wraps its lock.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import {
  BoundedQueue,
  produceConsume,
  type Channel,
  type Discipline,
} from "../producer-consumer.js";
import type { Settled } from "../worker-pool.js";
import {
  fieldPath,
  indexPath,
  optionalBoolean,
  optionalInteger,
  requireArray,
  requireChoice,
  requireInteger,
  requireObject,
  requireUniqueId,
  type Fields,
} from "./fields.js";
import {
  checkBenchResults,
  MAX_COST,
  MAX_SLEEP_MS,
  outcome,
  runJob,
  type Job,
  type JobResult,
} from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import type { Measurement, PatternParts } from "./protocol.js";

const MAX_CAPACITY = 10_000;
const MAX_CONSUMERS = 1_000;
const MAX_PRODUCERS = 1_000;
const DISCIPLINES: readonly Discipline[] = ["fifo", "lifo"];

/** An item is a job (`jobs.ts`) that never panics, put by its producer after `delayMs`. */
export interface Item extends Job {
  readonly producer: number;
  readonly delayMs: number;
}

export interface ProducerConsumerInput {
  readonly capacity: number;
  readonly discipline: Discipline;
  readonly consumers: number;
  /** Per producer, its items in order. */
  readonly producers: readonly (readonly Item[])[];
}

export interface ItemRecord {
  readonly id: number;
  readonly producer: number;
  readonly consumer: number;
  readonly putNs: number;
  readonly queuedNs: number;
  readonly getNs: number;
  readonly gotNs: number;
  readonly endNs: number;
}

export interface ProducerConsumerObserved extends Observed {
  readonly items: readonly ItemRecord[];
}

/** The item itself, `id` (unique), `delayMs`, `cost`, `sleepMs`, then `fail`. */
function validateItem(
  value: unknown,
  path: string,
  producer: number,
  seen: Map<number, string>,
): Item {
  const fields = requireObject(value, path);
  const at = (name: string) => fieldPath(path, name);
  return {
    id: requireUniqueId(fields.id, at("id"), seen),
    producer,
    delayMs: optionalInteger(fields.delayMs, at("delayMs"), 0, MAX_SLEEP_MS, 0),
    cost: optionalInteger(fields.cost, at("cost"), 0, MAX_COST, 0),
    sleepMs: optionalInteger(fields.sleepMs, at("sleepMs"), 0, MAX_SLEEP_MS, 0),
    fail: optionalBoolean(fields.fail, at("fail"), false),
    panic: false,
  };
}

/** `capacity`, `discipline`, `consumers`, `producers`, then each producer and its items. */
export function validate(input: Fields): ProducerConsumerInput {
  const capacity = requireInteger(input.capacity, "capacity", 1, MAX_CAPACITY);
  const discipline =
    input.discipline === undefined
      ? "fifo"
      : requireChoice(input.discipline, "discipline", DISCIPLINES);
  const consumers = requireInteger(input.consumers, "consumers", 1, MAX_CONSUMERS);
  const seen = new Map<number, string>();
  const producers = requireArray(input.producers, "producers", MAX_PRODUCERS).map((value, p) => {
    const path = indexPath("producers", p);
    const itemsPath = fieldPath(path, "items");
    return requireArray(requireObject(value, path).items, itemsPath).map((item, i) =>
      validateItem(item, indexPath(itemsPath, i), p, seen),
    );
  });
  return { capacity, discipline, consumers, producers };
}

/** One producer's items, each handed over `delayMs` after the previous one was put. */
async function* paced(items: readonly Item[]): AsyncGenerator<Item> {
  for (const item of items) {
    // A zero delay puts at once: Node would turn a 0 ms timer into 1 ms.
    if (item.delayMs > 0) await sleep(item.delayMs);
    yield item;
  }
}

type Stamps = Partial<Omit<ItemRecord, "id" | "producer">>;

/**
 * `inner`, with each put stamped just before and just after the real put, and each get just
 * before the real get and just after it returned an item, into that item's stamps.
 */
function observedQueue(
  inner: Channel<Item>,
  clock: Clock,
  stampsOf: (item: Item) => Stamps,
): Channel<Item> {
  return {
    async put(item, signal) {
      const putNs = clock.now();
      await inner.put(item, signal);
      Object.assign(stampsOf(item), { putNs, queuedNs: clock.now() });
    },
    async get(signal) {
      const getNs = clock.now();
      const next = await inner.get(signal);
      if (next.done !== true) Object.assign(stampsOf(next.value), { getNs, gotNs: clock.now() });
      return next;
    },
    close() {
      inner.close();
    },
  };
}

function resultsOf(settled: readonly Settled<Item, string>[]): JobResult[] {
  return settled.map((one) => ({ id: one.job.id, ...outcome(one, "item") }));
}

export async function run(input: ProducerConsumerInput): Promise<{
  output: { results: JobResult[] };
  observed: ProducerConsumerObserved;
}> {
  const clock = new Clock();
  const stamps = new Map<Item, Stamps>();
  const stampsOf = (item: Item): Stamps => {
    let found = stamps.get(item);
    if (found === undefined) stamps.set(item, (found = {}));
    return found;
  };
  const queue = observedQueue(
    new BoundedQueue<Item>(input.capacity, input.discipline),
    clock,
    stampsOf,
  );
  // `endNs` is read once the item is processed, before its consumer asks for the next one.
  const consume = async (item: Item, consumer: number, signal: AbortSignal): Promise<string> => {
    try {
      return await runJob(item, signal, "item");
    } finally {
      Object.assign(stampsOf(item), { consumer, endNs: clock.now() });
    }
  };
  const settled = await produceConsume(input.producers.map(paced), queue, input.consumers, consume);
  const elapsedNs = clock.now();

  // Every item was put, got and consumed before the run resolved: its stamps are all there.
  const items = [...stamps].map(
    ([{ id, producer }, stamp]) => ({ id, producer, ...stamp }) as ItemRecord,
  );
  return { output: { results: resultsOf(settled) }, observed: { elapsedNs, items } };
}

/** A benchmark's input: `size` items of one `cost`, which its self-check needs to know. */
export interface ProducerConsumerBench extends ProducerConsumerInput {
  readonly size: number;
  readonly cost: number;
}

/**
 * `size` items with ids `0 .. size-1`, item `i` to producer `i mod producers`, each of `cost`,
 * through a `fifo` queue of `capacity`. Validates `producers`, `consumers`, `capacity`, `cost`.
 */
export function benchInput(size: number, params: Fields): ProducerConsumerBench {
  const producerCount = requireInteger(params.producers, "params.producers", 1, MAX_PRODUCERS);
  const consumers = requireInteger(params.consumers, "params.consumers", 1, MAX_CONSUMERS);
  const capacity = requireInteger(params.capacity, "params.capacity", 1, MAX_CAPACITY);
  const cost = requireInteger(params.cost, "params.cost", 0, MAX_COST);
  const producers = Array.from({ length: producerCount }, (): Item[] => []);
  for (let id = 0; id < size; id++) {
    const producer = id % producerCount;
    producers[producer]?.push({
      id,
      producer,
      delayMs: 0,
      cost,
      sleepMs: 0,
      fail: false,
      panic: false,
    });
  }
  return { capacity, discipline: "fifo", consumers, producers, size, cost };
}

/** One measured run, then its self-check (`checkBenchResults`). */
export async function bench(input: ProducerConsumerBench): Promise<Measurement> {
  const queue = new BoundedQueue<Item>(input.capacity, input.discipline);
  const consume = (item: Item, _consumer: number, signal: AbortSignal) =>
    runJob(item, signal, "item");
  const clock = new Clock();
  const settled = await produceConsume(input.producers, queue, input.consumers, consume);
  const elapsedNs = clock.now();

  const check = checkBenchResults(resultsOf(settled), input.size, input.cost, "item");
  return { elapsedNs, check };
}

export const producerConsumer: PatternParts<ProducerConsumerInput, ProducerConsumerBench> = {
  validate,
  run,
  benchInput,
  bench,
};
