/**
 * An async reader-writer lock over promises: readers share it, a writer has it alone, and a
 * waiting writer is not starved by readers that keep arriving.
 *
 * Node runs JavaScript on one thread, and code between two `await`s runs to the end before
 * anything else does: a `Map` read or written synchronously needs no lock at all. A lock is
 * needed only when a critical section spans an `await` (a read-through to a slower tier, a
 * value serialised on a worker), because other tasks run while it waits. Node's standard
 * library has no such lock, hence this small one; on npm, `async-mutex` has the exclusive kind.
 *
 * @module
 */

/** What a cache needs of a lock: run a section while holding it shared, or alone. */
export interface ReadWriteLock {
  read<T>(section: () => T | Promise<T>): Promise<T>;
  write<T>(section: () => T | Promise<T>): Promise<T>;
}

// --8<-- [start:rwlock]
/**
 * Writer-preferring: once a writer waits, new readers wait behind it, so a stream of
 * overlapping readers cannot keep it out forever (a reader-preferring lock would let each new
 * reader in beside the ones already reading). Readers that queued meanwhile all go in together
 * when the writer leaves, before the next writer, so a stream of writers cannot starve readers
 * either. Writers go in the order they asked.
 */
export class RwLock implements ReadWriteLock {
  #readers = 0;
  #writing = false;
  readonly #waitingWriters: (() => void)[] = [];
  #waitingReaders: (() => void)[] = [];

  /** Runs `section` holding the lock shared with other readers; releases it however it ends. */
  async read<T>(section: () => T | Promise<T>): Promise<T> {
    if (this.#writing || this.#waitingWriters.length > 0) {
      await new Promise<void>((resolve) => this.#waitingReaders.push(resolve));
    } else {
      this.#readers += 1;
    }
    try {
      return await section();
    } finally {
      this.#readers -= 1;
      if (this.#readers === 0) this.#admitWriter();
    }
  }

  /** Runs `section` holding the lock alone; releases it however it ends. */
  async write<T>(section: () => T | Promise<T>): Promise<T> {
    if (this.#writing || this.#readers > 0) {
      await new Promise<void>((resolve) => this.#waitingWriters.push(resolve));
    } else {
      this.#writing = true;
    }
    try {
      return await section();
    } finally {
      this.#writing = false;
      if (this.#waitingReaders.length > 0) this.#admitReaders();
      else this.#admitWriter();
    }
  }

  // The lock is handed over, not left for the waiters to grab: the state is updated for them
  // before they are woken, so nobody can slip in between a release and the waiter's turn.

  #admitReaders(): void {
    const readers = this.#waitingReaders;
    this.#waitingReaders = [];
    this.#readers += readers.length;
    for (const wake of readers) wake();
  }

  #admitWriter(): void {
    const wake = this.#waitingWriters.shift();
    if (wake === undefined) return;
    this.#writing = true;
    wake();
  }
}
// --8<-- [end:rwlock]
