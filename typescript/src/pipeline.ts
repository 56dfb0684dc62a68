/**
 * Pipeline: items flow through stages, each stage with its own workers, connected by bounded
 * queues, so that every step is busy at once: while item 2 is parsed, item 3 is fetched. An
 * error in any stage stops all of them and is what the pipeline rejects with.
 *
 * This is Node's own idiom: `stream.pipeline` over object-mode streams, whose buffers are the
 * queues and whose back-pressure makes a fast stage wait for a slow one; `pipeline` destroys
 * every stream when one fails. A `Transform` handles one chunk at a time, so each stage here keeps
 * up to `workers` chunks in flight itself. In production, the same shape with less code: Node's
 * `readable.map(fn, { concurrency })` (still experimental in Node 20) or `p-map` per stage.
 *
 * @module
 */

import { Readable, Transform, Writable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";

import { requirePositive } from "./rate-limit.js";

export interface StageOptions<T> {
  /** How many items this stage works on at once. */
  readonly workers: number;
  /** The capacity of the queue that feeds this stage. */
  readonly capacity: number;
  /** The stage's work on one item; its rejection stops the whole pipeline. */
  readonly transform: (value: T, signal: AbortSignal) => Promise<T>;
}

/**
 * What happens to items, as it happens, for whoever observes the pipeline (the runner stamps
 * each with its clock): a put into `stage`'s queue begins and ends; a worker of `stage` asks
 * for an item, gets one, and is done with it (transformed, failed or cancelled).
 */
export type StageEvent<T> =
  | { readonly kind: "put" | "queued"; readonly stage: number; readonly value: T }
  | { readonly kind: "get"; readonly stage: number; readonly worker: number }
  | {
      readonly kind: "got" | "done";
      readonly stage: number;
      readonly worker: number;
      readonly value: T;
    };

export interface PipelineOptions<T> {
  /** Results in input order rather than in the order they are done. */
  readonly ordered?: boolean;
  /** Aborting destroys every stage, as a failure does; the pipeline rejects with the reason. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: StageEvent<T>) => void;
}

const ignore = (): void => undefined;

// --8<-- [start:pipeline]
/** An item on its way, with its place in the input for the reorder buffer. */
interface Chunk<T> {
  readonly seq: number;
  readonly value: T;
}

/*
 * Where the queues are. A `Transform` has two buffers, a writable side for chunks not yet
 * transformed and a readable side for results not yet read, and `highWaterMark` sizes each:
 * a queue of `capacity` between two stages would be the upstream's readable buffer plus the
 * downstream's writable buffer, twice `capacity`, and more, since `push` buffers whatever it is
 * given. So the queue that feeds a stage is the readable buffer in front of it (the source's, or
 * the previous stage's), of `readableHighWaterMark` = its capacity, and every put into it waits
 * for room (`Outbox`). The stage's own writable side holds one chunk, and takes it only when a
 * worker is free: no chunk ever waits there without a worker.
 */

/**
 * Puts chunks into a stream's readable buffer, each once there is room. `push` never waits: it
 * buffers what it is given and only answers whether there is room left. A put that finds the
 * buffer full waits for the stream's `_read`, which Node calls when the reader takes a chunk.
 */
class Outbox<T> {
  readonly #stream: Readable;
  readonly #signal: AbortSignal;
  readonly #waiting: (() => void)[] = [];

  constructor(stream: Readable, signal: AbortSignal) {
    this.#stream = stream;
    this.#signal = signal;
  }

  async put(chunk: Chunk<T>): Promise<void> {
    this.#signal.throwIfAborted();
    while (this.#stream.readableLength >= this.#stream.readableHighWaterMark) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.#signal.throwIfAborted();
    }
    this.#stream.push(chunk);
  }

  /** From the stream's `_read`, and once it is destroyed: every waiting put looks again. */
  wake(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

/** Puts the items, in input order, into stage 0's queue; a task of its own, like a worker. */
class Source<T> extends Readable {
  readonly #items: Iterable<T>;
  readonly #onEvent: (event: StageEvent<T>) => void;
  readonly #cancel = new AbortController();
  readonly #outbox = new Outbox<T>(this, this.#cancel.signal);
  #putting: Promise<void> | undefined;

  constructor(items: Iterable<T>, capacity: number, onEvent: (event: StageEvent<T>) => void) {
    super({ objectMode: true, highWaterMark: capacity });
    this.#items = items;
    this.#onEvent = onEvent;
  }

  async #putAll(): Promise<void> {
    let seq = 0;
    for (const value of this.#items) {
      this.#onEvent({ kind: "put", stage: 0, value });
      await this.#outbox.put({ seq: seq++, value });
      this.#onEvent({ kind: "queued", stage: 0, value });
    }
    this.push(null);
  }

  /** Resolves once the source has stopped putting. */
  async stopped(): Promise<void> {
    await Promise.allSettled([this.#putting]);
  }

  override _read(): void {
    // The first read starts the source; each later one tells a waiting put that there is room.
    this.#putting ??= this.#putAll().catch((error: unknown) => {
      this.destroy(error as Error);
    });
    this.#outbox.wake();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#cancel.abort(error ?? new Error("the pipeline was destroyed"));
    this.#outbox.wake();
    done(error);
  }
}

class Stage<T> extends Transform {
  readonly #index: number;
  readonly #transform: StageOptions<T>["transform"];
  readonly #onEvent: (event: StageEvent<T>) => void;
  /** Workers waiting for an item; one of them takes the next chunk written to this stage. */
  readonly #idle: number[];
  readonly #running = new Set<Promise<void>>();
  readonly #cancel = new AbortController();
  readonly #outbox = new Outbox<T>(this, this.#cancel.signal);
  /** The writable side's callback, held while every worker is busy: no chunk comes meanwhile. */
  #takeNext: TransformCallback | undefined;

  constructor(
    index: number,
    { workers, transform }: StageOptions<T>,
    nextCapacity: number,
    onEvent: (event: StageEvent<T>) => void,
  ) {
    super({ objectMode: true, writableHighWaterMark: 1, readableHighWaterMark: nextCapacity });
    this.#index = index;
    this.#transform = transform;
    this.#onEvent = onEvent;
    this.#idle = Array.from({ length: workers }, (_, worker) => workers - 1 - worker);
    for (const worker of this.#idle) onEvent({ kind: "get", stage: index, worker });
  }

  override _transform(chunk: Chunk<T>, _encoding: BufferEncoding, takeNext: TransformCallback) {
    // This stage asks for a chunk only while it has an idle worker.
    const worker = this.#idle.pop();
    if (worker === undefined) {
      takeNext(new Error("a chunk came to a stage with no idle worker"));
      return;
    }
    this.#onEvent({ kind: "got", stage: this.#index, worker, value: chunk.value });
    const work = this.#work(worker, chunk);
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work));
    if (this.#idle.length > 0) takeNext();
    else this.#takeNext = takeNext;
  }

  async #work(worker: number, { seq, value }: Chunk<T>): Promise<void> {
    try {
      const result = await this.#transform(value, this.#cancel.signal);
      this.#onEvent({ kind: "put", stage: this.#index + 1, value: result });
      await this.#outbox.put({ seq, value: result });
      this.#onEvent({ kind: "queued", stage: this.#index + 1, value: result });
    } catch (error) {
      // `pipeline` sees the error, destroys every other stage, and rejects with it.
      this.destroy(error as Error);
    } finally {
      this.#onEvent({ kind: "done", stage: this.#index, worker, value });
    }
    if (this.destroyed) return;
    this.#idle.push(worker);
    this.#onEvent({ kind: "get", stage: this.#index, worker });
    const takeNext = this.#takeNext;
    this.#takeNext = undefined;
    takeNext?.();
  }

  /** Resolves once every worker that has an item is done with it. */
  async stopped(): Promise<void> {
    await Promise.allSettled(this.#running);
  }

  override _read(size: number): void {
    super._read(size);
    this.#outbox.wake();
  }

  /** The input has ended: finish what the workers hold, then end the next stage's input. */
  override _flush(done: TransformCallback): void {
    void this.stopped().then(() => {
      done();
    });
  }

  /**
   * `pipeline` destroys every stage on the first error (or abort): cancel this stage's workers
   * and report it destroyed only once they have all returned.
   */
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#cancel.abort(error ?? new Error("the pipeline was destroyed"));
    this.#outbox.wake();
    void this.stopped().then(() => {
      done(error);
    });
  }
}

/**
 * Runs every item through every stage and resolves with the results, in the order they were
 * done, or in input order when `ordered`. Rejects with the first error a stage throws, once
 * every stage has stopped.
 */
export async function runPipeline<T>(
  items: Iterable<T>,
  stages: readonly StageOptions<T>[],
  { ordered = false, signal, onEvent = ignore }: PipelineOptions<T> = {},
): Promise<T[]> {
  for (const [s, { workers, capacity }] of stages.entries()) {
    requirePositive(`stages[${String(s)}].workers`, workers);
    requirePositive(`stages[${String(s)}].capacity`, capacity);
  }
  const results: T[] = [];
  // The reorder buffer: results that are done before an earlier item's, held until it is. It
  // is not bounded by the queues: every item behind a slow one may be done meanwhile.
  const early = new Map<number, T>();
  let nextSeq = 0;
  const collector = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write({ seq, value }: Chunk<T>, _encoding, done) {
      if (!ordered) results.push(value);
      else {
        early.set(seq, value);
        for (let ready = early.get(nextSeq); ready !== undefined; ready = early.get(nextSeq)) {
          early.delete(nextSeq++);
          results.push(ready);
        }
      }
      done();
    },
  });
  const source = new Source(items, stages[0]?.capacity ?? 1, onEvent);
  const capacityAfter = (s: number): number => stages[s + 1]?.capacity ?? 1;
  const running = stages.map((stage, s) => new Stage(s, stage, capacityAfter(s), onEvent));
  try {
    await pipeline([source, ...running, collector], signal === undefined ? {} : { signal });
  } finally {
    // On an error, Node 20's `pipeline` destroys every stream at once but may settle before
    // each has called back from `_destroy` (nodejs/node#51540): wait for the source and the
    // stages here as well, so that nothing the pipeline started is still running when it returns.
    await Promise.all([source, ...running].map((stream) => stream.stopped()));
  }
  return results;
}
// --8<-- [end:pipeline]
