/**
 * Publish-subscribe as the runner serves it (docs/patterns/pub-sub.md): input validation in the
 * documented order, the script run by one publisher with a reading task per subscriber, and the
 * benchmark.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { Bus, type Policy, type Subscription } from "../pub-sub.js";
import {
  FieldError,
  fieldPath,
  indexPath,
  optionalBoolean,
  optionalInteger,
  requireArray,
  requireChoice,
  requireInteger,
  requireObject,
  requireString,
  requireUniqueId,
  type Fields,
} from "./fields.js";
import { MAX_SLEEP_MS } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import {
  SelfCheckError,
  type CaseResult,
  type Measurement,
  type PatternParts,
} from "./protocol.js";

const MAX_BUFFER = 10_000;
const MAX_SUBSCRIBERS = 1_000;
const MAX_TOPIC_LENGTH = 100;
const POLICIES: readonly Policy[] = ["block", "lag"];

export interface Subscriber {
  readonly id: number;
  readonly topic: string;
  readonly sleepMs: number;
  readonly paused: boolean;
}

export type Op =
  | { readonly op: "subscribe" | "unsubscribe" | "resume"; readonly subscriber: number }
  | { readonly op: "publish"; readonly topic: string; readonly id: number };

export interface PubSubInput {
  readonly policy: Policy;
  readonly bufferSize: number;
  readonly subscribers: readonly Subscriber[];
  readonly script: readonly Op[];
}

type Seen =
  { readonly id: number; readonly ns: number } | { readonly missed: number; readonly ns: number };

export interface PubSubObserved extends Observed {
  readonly publishes: readonly {
    readonly id: number;
    readonly startNs: number;
    readonly endNs: number;
  }[];
  readonly streams: readonly {
    readonly subscriber: number;
    readonly seen: readonly Seen[];
    readonly endNs: number;
  }[];
  readonly maxBuffered: readonly { readonly subscriber: number; readonly max: number }[];
}

function requireTopic(value: unknown, path: string): string {
  const topic = requireString(value, path);
  // Characters are code points, as the other languages count them; `length` counts UTF-16 units.
  const length = Array.from(topic).length;
  if (length < 1 || length > MAX_TOPIC_LENGTH) {
    throw new FieldError(
      path,
      `${path} must be a string of 1 to ${String(MAX_TOPIC_LENGTH)} characters, ` +
        `got ${String(length)}`,
    );
  }
  return topic;
}

/** The subscriber itself, `id` (unique), `topic`, `sleepMs`, then `paused` (only under `lag`). */
function validateSubscriber(
  value: unknown,
  path: string,
  policy: Policy,
  seen: Map<number, string>,
): Subscriber {
  const fields = requireObject(value, path);
  const at = (name: string) => fieldPath(path, name);
  const id = requireUniqueId(fields.id, at("id"), seen);
  const topic = requireTopic(fields.topic, at("topic"));
  const sleepMs = optionalInteger(fields.sleepMs, at("sleepMs"), 0, MAX_SLEEP_MS, 0);
  const paused = optionalBoolean(fields.paused, at("paused"), false);
  if (paused && policy === "block") {
    throw new FieldError(
      at("paused"),
      `${at("paused")} must be false under "block": a paused subscriber would hold up every publish`,
    );
  }
  return { id, topic, sleepMs, paused };
}

/**
 * Checks the script in order against what each subscriber may do next: subscribe once,
 * unsubscribe once after that, resume once if paused; and every message id once.
 */
function scriptChecker(subscribers: readonly Subscriber[]) {
  const known = new Map(subscribers.map((s) => [s.id, s]));
  const subscribed = new Set<number>();
  const unsubscribed = new Set<number>();
  const resumed = new Set<number>();
  const messages = new Map<number, string>();
  const outOfTurn = (path: string, id: number, why: string) =>
    new FieldError(path, `${path} names subscriber ${String(id)}, which ${why}`);
  return (value: unknown, path: string): Op => {
    const fields = requireObject(value, path);
    const op = requireChoice(fields.op, fieldPath(path, "op"), [
      "subscribe",
      "unsubscribe",
      "resume",
      "publish",
    ]);
    if (op === "publish") {
      const topic = requireTopic(fields.topic, fieldPath(path, "topic"));
      return { op, topic, id: requireUniqueId(fields.id, fieldPath(path, "id"), messages) };
    }
    const subPath = fieldPath(path, "subscriber");
    const id = requireInteger(fields.subscriber, subPath, 0, Number.MAX_SAFE_INTEGER);
    const subscriber = known.get(id);
    if (subscriber === undefined) throw outOfTurn(subPath, id, "is not in subscribers");
    if (op === "subscribe") {
      if (subscribed.has(id)) throw outOfTurn(subPath, id, "has subscribed already");
      subscribed.add(id);
    } else if (op === "unsubscribe") {
      if (!subscribed.has(id)) throw outOfTurn(subPath, id, "has not subscribed");
      if (unsubscribed.has(id)) throw outOfTurn(subPath, id, "has unsubscribed already");
      unsubscribed.add(id);
    } else {
      if (!subscriber.paused || resumed.has(id)) throw outOfTurn(subPath, id, "is not paused");
      resumed.add(id);
    }
    return { op, subscriber: id };
  };
}

/** `policy`, `bufferSize`, `subscribers` and each subscriber, `script` and each operation. */
export function validate(input: Fields): PubSubInput {
  const policy = requireChoice(input.policy, "policy", POLICIES);
  const bufferSize = requireInteger(input.bufferSize, "bufferSize", 1, MAX_BUFFER);
  const ids = new Map<number, string>();
  const subscribers = requireArray(input.subscribers, "subscribers", MAX_SUBSCRIBERS).map(
    (value, k) => validateSubscriber(value, indexPath("subscribers", k), policy, ids),
  );
  const check = scriptChecker(subscribers);
  const script = requireArray(input.script, "script").map((value, n) =>
    check(value, indexPath("script", n)),
  );
  return { policy, bufferSize, subscribers, script };
}

/** A release from outside: a paused subscriber's `resume`. */
function gate(): { readonly opened: Promise<void>; readonly open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * A subscriber's task: once resumed if it is paused, it reads its stream to the end, stamping
 * each thing it yields as it comes and sleeping `sleepMs` over each message.
 */
async function read(
  subscriber: Subscriber,
  stream: Subscription<number>,
  resumed: Promise<void>,
  clock: Clock,
) {
  await resumed;
  const seen: Seen[] = [];
  for await (const delivery of stream) {
    const ns = clock.now();
    if ("missed" in delivery) {
      seen.push({ missed: delivery.missed, ns });
      continue;
    }
    seen.push({ id: delivery.message, ns });
    if (subscriber.sleepMs > 0) await sleep(subscriber.sleepMs);
  }
  return { seen, endNs: clock.now() };
}

export async function run(input: PubSubInput): Promise<CaseResult> {
  const clock = new Clock();
  const bus = new Bus<number>(input.policy, input.bufferSize);
  const byId = new Map(input.subscribers.map((s) => [s.id, s]));
  // A paused subscriber's task waits at its gate until its `resume`, or the close.
  const gates = new Map(input.subscribers.filter((s) => s.paused).map((s) => [s.id, gate()]));
  const streams = new Map<number, Subscription<number>>();
  const reading = new Map<number, ReturnType<typeof read>>();
  const publishes: { id: number; startNs: number; endNs: number }[] = [];

  for (const op of input.script) {
    if (op.op === "publish") {
      const startNs = clock.now();
      await bus.publish(op.topic, op.id);
      publishes.push({ id: op.id, startNs, endNs: clock.now() });
      continue;
    }
    const subscriber = byId.get(op.subscriber);
    // Validated: every subscriber an operation names is one of `subscribers`.
    if (subscriber === undefined) continue;
    if (op.op === "subscribe") {
      const stream = bus.subscribe(subscriber.topic);
      streams.set(subscriber.id, stream);
      const resumed = gates.get(subscriber.id)?.opened ?? Promise.resolve();
      reading.set(subscriber.id, read(subscriber, stream, resumed, clock));
    } else if (op.op === "unsubscribe") {
      const stream = streams.get(subscriber.id);
      if (stream !== undefined) bus.unsubscribe(stream);
    } else gates.get(subscriber.id)?.open();
  }
  // The close ends every stream; a subscriber still paused is resumed to drain its buffer, and
  // one that never subscribed has an empty stream that ends here.
  bus.close();
  for (const { open } of gates.values()) open();
  const closedNs = clock.now();
  const ended = await Promise.all(
    input.subscribers.map(async ({ id }) => {
      const { seen, endNs } = (await reading.get(id)) ?? { seen: [], endNs: closedNs };
      return { subscriber: id, seen, endNs };
    }),
  );
  const observed: PubSubObserved = {
    elapsedNs: clock.now(),
    publishes,
    streams: ended,
    maxBuffered: input.subscribers.map(({ id }) => ({
      subscriber: id,
      max: streams.get(id)?.maxBuffered ?? 0,
    })),
  };
  const subscribers = observed.streams.map(({ subscriber, seen }) => ({
    id: subscriber,
    received: seen.flatMap((entry) => ("id" in entry ? [entry.id] : [])),
    missed: seen.reduce((sum, entry) => sum + ("missed" in entry ? entry.missed : 0), 0),
  }));
  return { output: { subscribers }, observed };
}

export interface PubSubBench {
  readonly size: number;
  readonly subscribers: number;
  readonly bufferSize: number;
}

/** `size` messages to topic `"t"` under `block`; validates `subscribers`, then `bufferSize`. */
export function benchInput(size: number, params: Fields): PubSubBench {
  const subscribers = requireInteger(params.subscribers, "params.subscribers", 1, MAX_SUBSCRIBERS);
  const bufferSize = requireInteger(params.bufferSize, "params.bufferSize", 1, MAX_BUFFER);
  return { size, subscribers, bufferSize };
}

/**
 * A reader of the bench: it counts and sums what it receives, and notes the first thing that is
 * not the next id. It reads on after that: under `block`, a reader that stopped would hold up
 * the publisher for good.
 */
async function tally(stream: Subscription<number>) {
  let count = 0;
  let sum = 0;
  let wrong: string | undefined;
  for await (const delivery of stream) {
    if ("missed" in delivery || delivery.message !== count) {
      wrong ??= `a subscriber got ${JSON.stringify(delivery)} as message ${String(count)}`;
      continue;
    }
    sum += delivery.message;
    count += 1;
  }
  return { count, sum, wrong };
}

/**
 * One measured run: every subscriber subscribes, then `size` messages are published and every
 * stream is read to its end. The self-check: each subscriber got every message, in order.
 */
export async function bench({ size, subscribers, bufferSize }: PubSubBench): Promise<Measurement> {
  const clock = new Clock();
  const bus = new Bus<number>("block", bufferSize);
  const readers = Array.from({ length: subscribers }, () => tally(bus.subscribe("t")));
  for (let id = 0; id < size; id++) await bus.publish("t", id);
  bus.close();
  const tallies = await Promise.all(readers);
  const elapsedNs = clock.now();

  let delivered = 0;
  let sum = 0n;
  for (const { count, sum: part, wrong } of tallies) {
    if (wrong !== undefined) throw new SelfCheckError(wrong);
    if (count !== size) {
      throw new SelfCheckError(`a subscriber got ${String(count)} of ${String(size)} messages`);
    }
    delivered += count;
    // Each part is below 2^53; their total may not be.
    sum += BigInt(part);
  }
  const digest = BigInt.asUintN(64, sum).toString(16).padStart(16, "0");
  return { elapsedNs, check: { count: size, delivered, digest } };
}

export const pubSub: PatternParts<PubSubInput, PubSubBench> = { validate, run, benchInput, bench };
