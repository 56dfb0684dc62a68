/**
 * Error group as the runner serves it (docs/patterns/error-group.md): a tree of groups, each
 * `fail-fast` or `collect-all` with an optional limit, whose leaves sleep, then fail or succeed.
 * Every task of the tree is reported, depth first: how it ended, or that it never started.
 *
 * @module
 */

import { collectAll, failFast, type Task } from "../error-group.js";
import { work } from "../work.js";
import {
  fieldPath,
  indexPath,
  requireArray,
  requireChoice,
  requireInteger,
  requireObject,
  requireUniqueId,
  type Fields,
} from "./fields.js";
import { checkBenchResults, JobFailedError } from "./jobs.js";
import { Clock, type Observed } from "./observe.js";
import {
  benchResults,
  OperationLog,
  runOperation,
  validateLeaf,
  type Operation,
  type OperationRecord,
} from "./operations.js";
import type { CaseResult, Measurement, PatternParts } from "./protocol.js";

const POLICIES = ["fail-fast", "collect-all"] as const;
const MAX_LIMIT = 1_000;
const NOUN = "task";

export interface Group {
  readonly policy: (typeof POLICIES)[number];
  readonly limit: number | undefined;
  readonly tasks: readonly GroupTask[];
}

/** A leaf, which sleeps then fails or succeeds, or a task that runs a group of its own. */
export type GroupTask = Operation | { readonly id: number; readonly group: Group };

export type TaskEntry =
  | { readonly id: number; readonly status: "ok"; readonly value: string }
  | { readonly id: number; readonly status: "failed"; readonly error: string }
  | { readonly id: number; readonly status: "cancelled" | "not-started" };

export interface ErrorGroupObserved extends Observed {
  readonly tasks: readonly OperationRecord[];
}

/**
 * The group object `fields` at `path`: `policy`, `limit`, `tasks`, then each task in order:
 * itself, `id` (unique across the whole tree), then its `group`, validated the same way, or its
 * leaf fields `sleepMs` and `fail`.
 */
function validateGroup(fields: Fields, path: string, seen: Map<number, string>): Group {
  const policy = requireChoice(fields.policy, fieldPath(path, "policy"), POLICIES);
  const limitPath = fieldPath(path, "limit");
  const limit =
    fields.limit === undefined ? undefined : requireInteger(fields.limit, limitPath, 1, MAX_LIMIT);
  const tasksPath = fieldPath(path, "tasks");
  const tasks = requireArray(fields.tasks, tasksPath).map((value, i): GroupTask => {
    const taskPath = indexPath(tasksPath, i);
    const task = requireObject(value, taskPath);
    const id = requireUniqueId(task.id, fieldPath(taskPath, "id"), seen);
    if (task.group === undefined) return { id, ...validateLeaf(task, taskPath) };
    const groupPath = fieldPath(taskPath, "group");
    return { id, group: validateGroup(requireObject(task.group, groupPath), groupPath, seen) };
  });
  return { policy, limit, tasks };
}

export function validate(input: Fields): Group {
  return validateGroup(input, "", new Map());
}

/** Every task id of the tree, depth first in input order: a group task, then its tasks. */
function* treeIds(group: Group): Generator<number> {
  for (const task of group.tasks) {
    yield task.id;
    if ("group" in task) yield* treeIds(task.group);
  }
}

/** The group's run, each task recorded in `log` and each failure's message in `failures`. */
class Tree {
  readonly log: OperationLog;
  readonly failures = new Map<number, string>();

  constructor(clock: Clock) {
    this.log = new OperationLog(clock);
  }

  /** Runs `group` under `signal`, the signal of the task that runs it, if it is not the root. */
  run(group: Group, signal?: AbortSignal): Promise<unknown> {
    const tasks = group.tasks.map((task) => this.#task(task));
    const options = { limit: group.limit, signal };
    return group.policy === "fail-fast" ? failFast(tasks, options) : collectAll(tasks, options);
  }

  /** A group task succeeds with its id as its value, as a leaf does, once its group has. */
  #task(task: GroupTask): Task<string> {
    const observed = this.log.observe(
      task.id,
      "group" in task
        ? async (signal) => {
            await this.run(task.group, signal);
            return work(task.id, 0);
          }
        : (signal) => runOperation(task, signal, NOUN),
    );
    return async (signal) => {
      try {
        return await observed(signal);
      } catch (error) {
        if (error instanceof JobFailedError) this.failures.set(task.id, error.message);
        throw error;
      }
    };
  }

  /** How task `id` ended, as the protocol writes it; a task with no record never started. */
  entry(id: number, records: ReadonlyMap<number, OperationRecord>): TaskEntry {
    switch (records.get(id)?.outcome) {
      case undefined:
        return { id, status: "not-started" };
      case "ok":
        return { id, status: "ok", value: work(id, 0) };
      case "failed":
        return { id, status: "failed", error: this.failures.get(id) ?? "" };
      case "cancelled":
        return { id, status: "cancelled" };
    }
  }
}

export async function run(input: Group): Promise<CaseResult> {
  const clock = new Clock();
  const tree = new Tree(clock);
  let error: string | undefined;
  try {
    await tree.run(input);
  } catch (failure) {
    // Only a fail-fast root rejects, and only with a task's failure; anything else is a bug.
    if (!(failure instanceof JobFailedError)) throw failure;
    error = failure.message;
  }
  const elapsedNs = clock.now();
  const records = new Map(tree.log.records.map((record) => [record.id, record]));
  const tasks = Array.from(treeIds(input), (id) => tree.entry(id, records));
  const observed: ErrorGroupObserved = { elapsedNs, tasks: tree.log.records };
  return { output: error === undefined ? { tasks } : { tasks, error }, observed };
}

export interface ErrorGroupBench {
  readonly limit: number;
  readonly leaves: readonly Operation[];
}

/** One collect-all group of `size` leaves (ids `0 .. size-1`, no sleep), `params.limit` at once. */
export function benchInput(size: number, params: Fields): ErrorGroupBench {
  const limit = requireInteger(params.limit, "params.limit", 1, MAX_LIMIT);
  const leaves = Array.from({ length: size }, (_, id) => ({ id, sleepMs: 0, fail: false }));
  return { limit, leaves };
}

/**
 * One measured group, then its self-check: every task answered with its value; the check is
 * their number and the XOR of their values, which are their ids.
 */
export async function bench({ limit, leaves }: ErrorGroupBench): Promise<Measurement> {
  const tasks = leaves.map(
    (leaf): Task<string> =>
      (signal) =>
        runOperation(leaf, signal, NOUN),
  );
  const clock = new Clock();
  const settled = await collectAll(tasks, { limit });
  const elapsedNs = clock.now();
  return { elapsedNs, check: checkBenchResults(benchResults(settled), leaves.length, 0, NOUN) };
}

export const errorGroup: PatternParts<Group, ErrorGroupBench> = {
  validate,
  run,
  benchInput,
  bench,
};
