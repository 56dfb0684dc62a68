/**
 * The read-heavy cache as the runner serves it: every client's script run at once on one
 * `Cache`, with each lock taken, each compute and each operation observed; and the benchmark.
 *
 * The cache knows nothing of clients. Which client took a lock is read from an
 * `AsyncLocalStorage` set around each client's script: it follows that client's awaits, into
 * the cache and its lock, the way a request id follows a request through a server.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";

import { Cache, type CacheOptions } from "../rwlock-cache.js";
import { RwLock, type ReadWriteLock } from "../rwlock.js";
import { work } from "../work.js";
import { MAX_CLIENTS, perform, validate, type CacheInput, type Op } from "./cache-scripts.js";
import { requireInteger, type Fields } from "./fields.js";
import { Clock, type Observed } from "./observe.js";
import { SelfCheckError, type Measurement, type PatternParts } from "./protocol.js";

export interface LockRecord {
  readonly client: number;
  readonly mode: "read" | "write";
  readonly requestNs: number;
  readonly acquiredNs: number;
  readonly releasedNs: number;
}

export interface ComputeRecord {
  readonly key: number;
  readonly startNs: number;
  readonly endNs: number;
}

export interface OpRecord {
  readonly client: number;
  readonly index: number;
  readonly op: Op["op"];
  readonly key: number;
  readonly value: string | null;
  readonly invokeNs: number;
  readonly returnNs: number;
}

export interface CacheObserved extends Observed {
  readonly locks: LockRecord[];
  readonly computes: ComputeRecord[];
  readonly ops: OpRecord[];
}

/** `inner`, recording each lock taken: `acquiredNs` once held, `releasedNs` before release. */
function observedLock(
  inner: ReadWriteLock,
  clock: Clock,
  clientOf: AsyncLocalStorage<number>,
  locks: LockRecord[],
): ReadWriteLock {
  const take =
    (mode: "read" | "write") =>
    <T>(section: () => T | Promise<T>): Promise<T> => {
      const client = clientOf.getStore();
      if (client === undefined) throw new Error("a lock was taken outside every client's script");
      const requestNs = clock.now();
      const held = async (): Promise<T> => {
        const acquiredNs = clock.now();
        try {
          return await section();
        } finally {
          locks.push({ client, mode, requestNs, acquiredNs, releasedNs: clock.now() });
        }
      };
      return mode === "read" ? inner.read(held) : inner.write(held);
    };
  return { read: take("read"), write: take("write") };
}

function holds(input: CacheInput): Omit<CacheOptions, "lock"> {
  return {
    ...(input.readHoldMs > 0 ? { holdRead: () => sleep(input.readHoldMs) } : {}),
    ...(input.writeHoldMs > 0 ? { holdWrite: () => sleep(input.writeHoldMs) } : {}),
  };
}

/** `computeMs` of sleep, then `work(key, computeCost)`. */
async function computeFor(input: CacheInput, key: number): Promise<string> {
  if (input.computeMs > 0) await sleep(input.computeMs);
  return work(key, input.computeCost);
}

export async function run(input: CacheInput): Promise<{
  output: { final: { key: number; value: string }[]; computes: { key: number; count: number }[] };
  observed: CacheObserved;
}> {
  const clock = new Clock();
  const clientOf = new AsyncLocalStorage<number>();
  const observed: CacheObserved = { elapsedNs: 0, locks: [], computes: [], ops: [] };
  const lock = observedLock(new RwLock(), clock, clientOf, observed.locks);
  const cache = new Cache<number, string>({ lock, ...holds(input) });
  const compute = async (key: number): Promise<string> => {
    const startNs = clock.now();
    const value = await computeFor(input, key);
    observed.computes.push({ key, startNs, endNs: clock.now() });
    return value;
  };

  const script = async (client: number, ops: readonly Op[]): Promise<void> => {
    for (const [index, op] of ops.entries()) {
      if (op.op === "sleep") {
        if (op.ms > 0) await sleep(op.ms);
        continue;
      }
      const invokeNs = clock.now();
      const value = await perform(cache, op, compute);
      observed.ops.push({
        client,
        index,
        op: op.op,
        key: op.key,
        value,
        invokeNs,
        returnNs: clock.now(),
      });
    }
  };
  await Promise.all(input.clients.map((ops, client) => clientOf.run(client, script, client, ops)));
  const elapsedNs = clock.now();

  const counts = new Map<number, number>();
  for (const { key } of observed.computes) counts.set(key, (counts.get(key) ?? 0) + 1);
  return {
    output: {
      final: cache.entries().map(([key, value]) => ({ key, value })),
      computes: [...counts].map(([key, count]) => ({ key, count })),
    },
    observed: { ...observed, elapsedNs },
  };
}

const MAX_READ_PERCENT = 100;

/**
 * `params.clients`, `params.readPercent`, `params.keys`: client `c` runs operations `j` while
 * `n = j * clients + c < size`, a get when `work(n, 1) % 100 < readPercent`, else a set of
 * `"v"`, on key `(work(n, 1) >> 8) % keys`. No hold times.
 */
export function benchInput(size: number, params: Fields): CacheInput {
  const clients = requireInteger(params.clients, "params.clients", 1, MAX_CLIENTS);
  const readPercent = requireInteger(params.readPercent, "params.readPercent", 0, MAX_READ_PERCENT);
  const keys = BigInt(requireInteger(params.keys, "params.keys", 1, Number.MAX_SAFE_INTEGER));
  const scripts = Array.from({ length: clients }, (): Op[] => []);
  for (let n = 0; n < size; n++) {
    // work() answers 64 bits as hex; BigInt keeps all of them for the remainders.
    const x = BigInt(`0x${work(n, 1)}`);
    const key = Number((x >> 8n) % keys);
    const op: Op =
      Number(x % 100n) < readPercent ? { op: "get", key } : { op: "set", key, value: "v" };
    scripts[n % clients]?.push(op);
  }
  return { readHoldMs: 0, writeHoldMs: 0, computeMs: 0, computeCost: 0, clients: scripts };
}

/** One measured run of every script at once, then its self-check: every operation was done. */
export async function bench(input: CacheInput): Promise<Measurement> {
  const cache = new Cache<number, string>();
  const compute = (key: number) => computeFor(input, key);
  let count = 0;
  let reads = 0;
  const script = async (ops: readonly Op[]): Promise<void> => {
    for (const op of ops) {
      if (op.op === "sleep") continue;
      await perform(cache, op, compute);
      count += 1;
      if (op.op === "get") reads += 1;
    }
  };
  const clock = new Clock();
  await Promise.all(input.clients.map(script));
  const elapsedNs = clock.now();

  const planned = input.clients.flat();
  if (count !== planned.length) {
    throw new SelfCheckError(`${String(count)} of ${String(planned.length)} operations done`);
  }
  const plannedReads = planned.filter((op) => op.op === "get").length;
  if (reads !== plannedReads) {
    throw new SelfCheckError(`${String(reads)} gets done, ${String(plannedReads)} planned`);
  }
  return { elapsedNs, check: { count, reads } };
}

export const rwlockCache: PatternParts<CacheInput> = { validate, run, benchInput, bench };
