/**
 * The pipeline as the runner serves it (docs/patterns/pipeline.md): input validation in the
 * documented order, one observed run, and the benchmark.
 *
 * The pipeline reports what happens to each item as it happens (`StageEvent`); the run stamps
 * each event with its clock the moment it is told, and builds one record per item and stage.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";

import { runPipeline, type StageEvent, type StageOptions } from "../pipeline.js";
import { work } from "../work.js";
import {
  FieldError,
  fieldPath,
  indexPath,
  optionalInteger,
  optionalBoolean,
  requireArray,
  requireBoolean,
  requireInteger,
  requireObject,
  requireUniqueId,
  type Fields,
} from "./fields.js";
import { MAX_COST, MAX_SLEEP_MS, xorDigest } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import {
  SelfCheckError,
  type CaseResult,
  type Measurement,
  type PatternParts,
} from "./protocol.js";

const MAX_STAGES = 16;
const MAX_WORKERS = 1_000;
const MAX_CAPACITY = 10_000;

export interface StageInput {
  readonly workers: number;
  readonly capacity: number;
  readonly cost: number;
  readonly sleepMs: number;
}

export interface PipelineItem {
  readonly id: number;
  readonly sleepMs: number;
  /** The stage the item fails in, if any. */
  readonly failAt: number | undefined;
}

export interface PipelineInput {
  readonly stages: readonly StageInput[];
  readonly items: readonly PipelineItem[];
  readonly ordered: boolean;
}

/** An item on its way through the stages, `value` as each stage left it. */
interface Flowing extends PipelineItem {
  readonly value: bigint;
}

export interface StageRecord {
  readonly id: number;
  readonly stage: number;
  readonly worker: number;
  readonly putNs: number;
  readonly queuedNs: number;
  readonly getNs: number;
  readonly gotNs: number;
  readonly endNs: number;
}

export interface PipelineObserved extends Observed {
  readonly records: readonly StageRecord[];
}

/** The failure `failAt` asks for, with the item and the stage, which are the answer. */
class ItemFailedError extends Error {
  override readonly name = "ItemFailedError";

  constructor(
    readonly id: number,
    readonly stage: number,
  ) {
    super(`item ${String(id)} failed in stage ${String(stage)}`);
  }
}

/** The stage itself, `workers`, `capacity`, `cost`, then `sleepMs`. */
function validateStage(value: unknown, path: string): StageInput {
  const fields = requireObject(value, path);
  const at = (name: string) => fieldPath(path, name);
  return {
    workers: requireInteger(fields.workers, at("workers"), 1, MAX_WORKERS),
    capacity: requireInteger(fields.capacity, at("capacity"), 1, MAX_CAPACITY),
    cost: optionalInteger(fields.cost, at("cost"), 0, MAX_COST, 0),
    sleepMs: optionalInteger(fields.sleepMs, at("sleepMs"), 0, MAX_SLEEP_MS, 0),
  };
}

/** `stages` and each stage, `items` and each item (`id`, `sleepMs`, `failAt`), `ordered`. */
export function validate(input: Fields): PipelineInput {
  const listed = requireArray(input.stages, "stages", MAX_STAGES);
  if (listed.length === 0) {
    throw new FieldError(
      "stages",
      `stages must have from 1 to ${String(MAX_STAGES)} elements, got 0`,
    );
  }
  const stages = listed.map((stage, s) => validateStage(stage, indexPath("stages", s)));
  const seen = new Map<number, string>();
  const items = requireArray(input.items, "items").map((value, i): PipelineItem => {
    const path = indexPath("items", i);
    const fields = requireObject(value, path);
    const at = (name: string) => fieldPath(path, name);
    return {
      id: requireUniqueId(fields.id, at("id"), seen),
      sleepMs: optionalInteger(fields.sleepMs, at("sleepMs"), 0, MAX_SLEEP_MS, 0),
      failAt:
        fields.failAt === undefined
          ? undefined
          : requireInteger(fields.failAt, at("failAt"), 0, stages.length - 1),
    };
  });
  const ordered = optionalBoolean(input.ordered, "ordered", false);
  return { stages, items, ordered };
}

/**
 * Stage `s`: sleep the stage's `sleepMs` plus the item's, then fail if the item fails here, or
 * transform `v` into `work(v XOR (s + 1), cost)`. The sleep ends early when the pipeline stops.
 */
function stagesOf(stages: readonly StageInput[]): StageOptions<Flowing>[] {
  return stages.map(({ workers, capacity, cost, sleepMs }, s) => ({
    workers,
    capacity,
    transform: async (item, signal) => {
      const ms = sleepMs + item.sleepMs;
      // A zero sleep is skipped: Node would turn a 0 ms timer into 1 ms.
      if (ms > 0) await sleep(ms, undefined, { signal });
      if (item.failAt === s) throw new ItemFailedError(item.id, s);
      return { ...item, value: BigInt(`0x${work(item.value ^ BigInt(s + 1), cost)}`) };
    },
  }));
}

function flowing(items: readonly PipelineItem[]): Flowing[] {
  return items.map((item) => ({ ...item, value: BigInt(item.id) }));
}

function hex(value: bigint): string {
  return value.toString(16).padStart(16, "0");
}

/**
 * Stamps each event of a run: a put's two stamps under the item and the stage it is put into,
 * a worker's `getNs` under the worker until it gets an item, the rest under the item and the
 * stage that took it. A put may be stamped `queuedNs` after the stage took the item: a push into
 * a stage that is ready hands the item over before it returns.
 */
function stamper(clock: Clock) {
  type Stamps = { -readonly [K in keyof StageRecord]?: StageRecord[K] };
  const stamps = new Map<string, Stamps>();
  const asking = new Map<string, number>();
  const stampsOf = (stage: number, id: number): Stamps => {
    const key = `${String(stage)}:${String(id)}`;
    let found = stamps.get(key);
    if (found === undefined) stamps.set(key, (found = { id, stage }));
    return found;
  };
  const onEvent = (event: StageEvent<Flowing>): void => {
    const now = clock.now();
    const worker = `${String(event.stage)}:${"worker" in event ? String(event.worker) : ""}`;
    switch (event.kind) {
      case "put":
        stampsOf(event.stage, event.value.id).putNs = now;
        break;
      case "queued":
        stampsOf(event.stage, event.value.id).queuedNs = now;
        break;
      case "get":
        asking.set(worker, now);
        break;
      case "got":
        Object.assign(stampsOf(event.stage, event.value.id), {
          worker: event.worker,
          getNs: asking.get(worker),
          gotNs: now,
        });
        break;
      case "done":
        stampsOf(event.stage, event.value.id).endNs = now;
        break;
    }
  };
  // One record per item a stage took; an item put into a queue and never taken has none.
  const records = (): StageRecord[] =>
    [...stamps.values()].filter((stamp) => stamp.gotNs !== undefined) as StageRecord[];
  return { onEvent, records };
}

export async function run(input: PipelineInput): Promise<CaseResult> {
  const clock = new Clock();
  const { onEvent, records } = stamper(clock);
  let output: unknown;
  try {
    const done = await runPipeline(flowing(input.items), stagesOf(input.stages), {
      ordered: input.ordered,
      onEvent,
    });
    output = { results: done.map(({ id, value }) => ({ id, value: hex(value) })) };
  } catch (error) {
    // An item's failure is the answer; anything else is a bug and must not look like one.
    if (!(error instanceof ItemFailedError)) throw error;
    output = { failed: { id: error.id, stage: error.stage } };
  }
  const observed: PipelineObserved = { elapsedNs: clock.now(), records: records() };
  return { output, observed };
}

/**
 * `size` items with ids `0 .. size-1` through `stages` identical stages. Validates `stages`,
 * `workers`, `capacity`, `cost`, `ordered`, in that order.
 */
export function benchInput(size: number, params: Fields): PipelineInput {
  const count = requireInteger(params.stages, "params.stages", 1, MAX_STAGES);
  const workers = requireInteger(params.workers, "params.workers", 1, MAX_WORKERS);
  const capacity = requireInteger(params.capacity, "params.capacity", 1, MAX_CAPACITY);
  const cost = requireInteger(params.cost, "params.cost", 0, MAX_COST);
  const ordered = requireBoolean(params.ordered, "params.ordered");
  const stage = { workers, capacity, cost, sleepMs: 0 };
  const items = Array.from({ length: size }, (_, id) => ({ id, sleepMs: 0, failAt: undefined }));
  return { stages: Array.from({ length: count }, () => stage), items, ordered };
}

/** What every item must come out as: the stages' transforms applied one after the other. */
function expectedValue(id: number, stages: readonly StageInput[]): string {
  let value = BigInt(id);
  for (const [s, { cost }] of stages.entries()) {
    value = BigInt(`0x${work(value ^ BigInt(s + 1), cost)}`);
  }
  return hex(value);
}

/**
 * One measured run, then its self-check against the stages applied to each item in turn: every
 * item came out once with its value, in input order when `ordered`.
 */
export async function bench(input: PipelineInput): Promise<Measurement> {
  const stages = stagesOf(input.stages);
  const clock = new Clock();
  const done = await runPipeline(flowing(input.items), stages, { ordered: input.ordered });
  const elapsedNs = clock.now();

  const seen = new Uint8Array(input.items.length);
  const values = done.map(({ id, value }, position) => {
    if (seen[id] !== 0) throw new SelfCheckError(`item ${String(id)} unknown or out twice`);
    seen[id] = 1;
    if (input.ordered && id !== position) {
      throw new SelfCheckError(`item ${String(id)} came out at position ${String(position)}`);
    }
    const got = hex(value);
    const want = expectedValue(id, input.stages);
    if (got !== want) throw new SelfCheckError(`item ${String(id)}: ${got}, expected ${want}`);
    return got;
  });
  if (values.length !== input.items.length) {
    throw new SelfCheckError(`${String(values.length)} of ${String(input.items.length)} items out`);
  }
  return { elapsedNs, check: { count: values.length, digest: xorDigest(values) } };
}

export const pipelinePattern: PatternParts<PipelineInput> = { validate, run, benchInput, bench };
