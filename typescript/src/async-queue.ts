/**
 * An unbounded async queue, the channel of a Node program: producers `push` without waiting,
 * one consumer drains it with `for await` until it is closed and empty.
 *
 * Node's standard library has streams and `events.on`, but no plain queue of values: a stream
 * brings back-pressure and buffering rules of its own, and `events.on` wraps every value in an
 * array of event arguments. Producers and the consumer share one thread, so nothing here needs a
 * lock: a `push` runs to its end before the consumer sees anything.
 *
 * @module
 */

export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #closed = false;
  /** Resolves the consumer's wait for an item or for the end, when it is waiting. */
  #wake: (() => void) | undefined;

  /** Adds `item` for the consumer. Pushing to a closed queue is a bug, and throws. */
  push(item: T): void {
    if (this.#closed) throw new Error("push to a closed queue");
    this.#items.push(item);
    this.#wakeConsumer();
  }

  /** No more items will come: the consumer's loop ends once it has taken those pushed before. */
  close(): void {
    this.#closed = true;
    this.#wakeConsumer();
  }

  /** Yields every item in the order pushed; one consumer at a time. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      // The consumer takes everything queued at once and leaves producers a fresh array:
      // no `shift`, which copies the rest of a large array on every call.
      const batch = this.#items;
      this.#items = [];
      for (const item of batch) yield item;
      if (batch.length > 0) continue;
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #wakeConsumer(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
