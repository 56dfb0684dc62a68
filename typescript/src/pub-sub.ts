/**
 * Publish-subscribe: publishers send messages to topics, and every subscriber of a topic gets
 * its own copy through a buffer of its own, read as an async iterable. The hard part is the slow
 * subscriber: either the publisher waits for room in its buffer (`block`), or the buffer drops
 * its oldest message and the subscriber is told how many it missed (`lag`, as tokio's
 * `broadcast` does).
 *
 * Node's `EventEmitter` is publish-subscribe without buffers: `emit` calls every listener at
 * once, on the publisher's stack, so a slow listener holds up the publisher and there is no
 * policy for it. For buffers and back-pressure, each subscriber gets an async iterator of its
 * own, as here; across processes, a broker (Redis, NATS, Kafka) does the buffering.
 *
 * @module
 */

import { BoundedQueue } from "./producer-consumer.js";

/** What a publish does when a subscriber's buffer is full. */
export type Policy = "block" | "lag";

/** What a subscriber's stream yields: a message, or how many it missed just before the next. */
export type Delivery<T> = { readonly message: T } | { readonly missed: number };

// --8<-- [start:pub-sub]
/** A message numbered in the order it was put into one subscriber's buffer. */
interface Numbered<T> {
  readonly seq: number;
  readonly message: T;
}

/** One subscriber's stream, over a buffer of its own. */
export class Subscription<T> implements AsyncIterable<Delivery<T>> {
  readonly topic: string;
  readonly #policy: Policy;
  readonly #buffer: BoundedQueue<Numbered<T>>;
  #seq = 0;

  constructor(topic: string, policy: Policy, bufferSize: number) {
    this.topic = topic;
    this.#policy = policy;
    this.#buffer = new BoundedQueue(bufferSize, "fifo");
  }

  /** The most messages its buffer held at once. */
  get maxBuffered(): number {
    return this.#buffer.peak;
  }

  /** `block`: waits for room in a full buffer. `lag`: never waits, a full buffer drops its oldest. */
  async deliver(message: T, signal?: AbortSignal): Promise<void> {
    const numbered = { seq: this.#seq++, message };
    if (this.#policy === "block") await this.#buffer.put(numbered, signal);
    else this.#buffer.putDroppingOldest(numbered);
  }

  /** Nothing new: the messages buffered are still read, then the stream ends. */
  end(): void {
    this.#buffer.close();
  }

  /**
   * Yields every message in its buffer, in order, until it is ended and drained. Under `lag`,
   * a message whose predecessors were dropped is preceded by a notice of how many: the gap in
   * the numbers tells it exactly, whatever was published between the take and the notice.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Delivery<T>, void, undefined> {
    let expected = 0;
    for (let next = await this.#buffer.get(); next.done !== true; next = await this.#buffer.get()) {
      const { seq, message } = next.value;
      if (seq > expected) yield { missed: seq - expected };
      expected = seq + 1;
      yield { message };
    }
  }
}

/** Topics and their subscribers. One publisher at a time: `publish` is awaited in turn. */
export class Bus<T> {
  readonly #policy: Policy;
  readonly #bufferSize: number;
  readonly #topics = new Map<string, Set<Subscription<T>>>();
  #closed = false;

  constructor(policy: Policy, bufferSize: number) {
    this.#policy = policy;
    this.#bufferSize = bufferSize;
  }

  /** A new stream on `topic`, which gets every message published from now on. */
  subscribe(topic: string): Subscription<T> {
    if (this.#closed) throw new Error("subscribe to a closed bus");
    const subscription = new Subscription<T>(topic, this.#policy, this.#bufferSize);
    let subscribers = this.#topics.get(topic);
    if (subscribers === undefined) this.#topics.set(topic, (subscribers = new Set()));
    subscribers.add(subscription);
    return subscription;
  }

  /** No new messages for `subscription`; what it has buffered is still read, then it ends. */
  unsubscribe(subscription: Subscription<T>): void {
    this.#topics.get(subscription.topic)?.delete(subscription);
    subscription.end();
  }

  /**
   * Puts `message` into the buffer of every current subscriber of `topic`. Under `block` it
   * resolves once every buffer has taken it, each full one as soon as its reader makes room;
   * under `lag` at once.
   */
  async publish(topic: string, message: T, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new Error("publish to a closed bus");
    // A snapshot: whoever subscribes or unsubscribes while this waits is not this message's.
    const subscribers = [...(this.#topics.get(topic) ?? [])];
    await Promise.all(subscribers.map((subscriber) => subscriber.deliver(message, signal)));
  }

  /** Ends every stream: each still reads what it has buffered, then ends. */
  close(): void {
    this.#closed = true;
    for (const subscribers of this.#topics.values()) {
      for (const subscription of subscribers) subscription.end();
    }
    this.#topics.clear();
  }
}
// --8<-- [end:pub-sub]
