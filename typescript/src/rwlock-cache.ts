/**
 * A read-heavy cache: a `Map` behind a reader-writer lock (`rwlock.ts`), so readers share it
 * and a writer has it alone, and a missing key computed once, outside the lock, however many
 * callers miss it at the same moment (single flight).
 *
 * In production, reach for `lru-cache`: its `fetch()` with a `fetchMethod` is this single
 * flight (concurrent fetches of one key share one promise), with a bound on the entries, expiry
 * and stale-while-revalidate. `p-memoize` dedupes the calls of one async function the same way.
 * Neither takes a lock, and in Node neither needs one: they never await inside a critical
 * section. This cache does, to stand for the slow reads and writes of a real store, and that is
 * what makes its lock necessary.
 *
 * @module
 */

import { RwLock, type ReadWriteLock } from "./rwlock.js";

export interface CacheOptions {
  /** The lock; a fresh `RwLock` by default. */
  readonly lock?: ReadWriteLock;
  /** Awaited while `get` holds the read lock: the slow read of a real store. */
  readonly holdRead?: () => Promise<void>;
  /** Awaited while `set` holds the write lock: the slow write of a real store. */
  readonly holdWrite?: () => Promise<void>;
}

/** Any value but `undefined` (which `get` answers for a missing key, as `Map.get` does) or `null`. */
export type Present = string | number | boolean | bigint | symbol | object;

// --8<-- [start:rwlock-cache]
export class Cache<K, V extends Present> {
  // The lock protects this invariant: no reader sees the map while a writer is in the middle of
  // a critical section that spans an await.
  readonly #entries = new Map<K, V>();
  // The one compute in flight per key, shared by every caller that misses the key meanwhile.
  // Only touched synchronously, between awaits, so it needs no lock on one thread.
  readonly #inFlight = new Map<K, Promise<V>>();
  readonly #lock: ReadWriteLock;
  readonly #holdRead: (() => Promise<void>) | undefined;
  readonly #holdWrite: (() => Promise<void>) | undefined;

  constructor(options: CacheOptions = {}) {
    this.#lock = options.lock ?? new RwLock();
    this.#holdRead = options.holdRead;
    this.#holdWrite = options.holdWrite;
  }

  get(key: K): Promise<V | undefined> {
    return this.#lock.read(async () => {
      if (this.#holdRead !== undefined) await this.#holdRead();
      return this.#entries.get(key);
    });
  }

  set(key: K, value: V): Promise<void> {
    return this.#lock.write(async () => {
      if (this.#holdWrite !== undefined) await this.#holdWrite();
      this.#entries.set(key, value);
    });
  }

  /**
   * The cached value of `key`, or else the value of `compute(key)`, run once however many
   * callers miss `key` together; they all answer what the cache holds once it is stored. If
   * the compute fails, every caller waiting on it fails with its error, and nothing is stored.
   */
  async getOrCompute(key: K, compute: (key: K) => Promise<V>): Promise<V> {
    const cached = await this.#lock.read(() => this.#entries.get(key));
    if (cached !== undefined) return cached;
    let flight = this.#inFlight.get(key);
    if (flight === undefined) {
      flight = this.#fill(key, compute);
      this.#inFlight.set(key, flight);
    }
    return flight;
  }

  /** A snapshot of every entry. Synchronous: each write stores in one step, never seen halfway. */
  entries(): [K, V][] {
    return [...this.#entries];
  }

  async #fill(key: K, compute: (key: K) => Promise<V>): Promise<V> {
    try {
      // Looked up again: another flight for this key may have stored it and ended between our
      // miss and now, and computing again would be a second compute of a cached key.
      const stored = await this.#lock.read(() => this.#entries.get(key));
      if (stored !== undefined) return stored;
      // Outside any lock: a slow compute holds up neither readers nor misses of other keys.
      const value = await compute(key);
      return await this.#lock.write(() => {
        // Stored only if still absent: a `set` that landed while the compute ran is newer than
        // the compute's result, and overwriting it would undo a write its caller saw finish.
        const current = this.#entries.get(key);
        if (current !== undefined) return current;
        this.#entries.set(key, value);
        return value;
      });
    } finally {
      this.#inFlight.delete(key);
    }
  }
}
// --8<-- [end:rwlock-cache]
