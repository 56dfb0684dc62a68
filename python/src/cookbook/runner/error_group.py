"""Error groups as the runner speaks them (docs/patterns/error-group.md), on asyncio: a tree of
groups whose leaves sleep, then fail or succeed, and whose group tasks each run a group of
their own.

The pattern (`cookbook.error_group`) knows nothing of observation: every task, leaf or group,
stamps its own run once it holds its group's slot (`operations.Runs`). The threads variant lists
the pattern without implementing it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cookbook.error_group import Cancelled, ErrorGroup, GroupFailed, NotStarted, Status
from cookbook.outcome import Failed, Ok
from cookbook.runner import operations
from cookbook.runner.fields import Fields, Unique
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.operations import Operation, Run, Runs
from cookbook.runner.protocol import Measured, Pattern, Ran, unavailable
from cookbook.work import to_hex

MAX_LIMIT = 1000
NOUN = "task"  # a leaf fails with `task 3 failed`


@dataclass(frozen=True)
class Group:
    fail_fast: bool
    limit: int | None
    tasks: Sequence["Task"]


@dataclass(frozen=True)
class Task:
    id: int
    body: Operation | Group
    """A leaf's sleep and failure, or the group a group task runs."""


class GroupObserved(Observed):
    tasks: list[Run]


def validate(input: Fields) -> Group:
    """The group, then each of its tasks in order, depth first: see `_group`."""
    return _group(input, Unique())


def _group(fields: Fields, ids: Unique) -> Group:
    """`policy`, `limit`, `tasks`, then each task: itself, `id` (unique across the whole tree),
    then `group` (read as this one is) if given, else `sleepMs` and `fail`."""
    fail_fast = fields.choice("policy", ("fail-fast", "collect-all")) == "fail-fast"
    limit = fields.optional_integer("limit", 1, MAX_LIMIT)
    tasks: list[Task] = []
    for task in fields.objects("tasks"):
        task_id = operations.read_id(task, ids)
        group = task.optional_obj("group")
        if group is None:
            tasks.append(Task(task_id, operations.read_sleep_and_fail(task, task_id)))
        else:
            # A group's tasks are read before the next task of this one: depth first.
            tasks.append(Task(task_id, _group(group, ids)))
    return Group(fail_fast, limit, tasks)


def bench_input(size: int, params: Fields) -> Group:
    """One collect-all group of `size` leaves (ids 0 to size-1, no sleep, none failing), at
    most `limit` at once."""
    limit = params.integer("limit", 1, MAX_LIMIT)
    return Group(False, limit, [Task(i, Operation(i)) for i in range(size)])


def run(group: Group) -> Ran:
    return asyncio.run(_run(group))


async def _run(top: Group) -> Ran:
    clock = Clock()
    runs = Runs(clock)
    # Each group of the tree, by the id of the task that runs it: its statuses are read once the
    # whole tree has stopped, whether that task finished, failed or was cancelled.
    inner: dict[int, ErrorGroup[int]] = {}

    def calls(group: Group) -> list[Callable[[], Awaitable[int]]]:
        return [call(task) for task in group.tasks]

    def call(task: Task) -> Callable[[], Awaitable[int]]:
        async def stamped() -> int:
            with runs.stamped(task.id):
                if isinstance(task.body, Operation):
                    return await operations.sleep_then_end(task.body, NOUN)
                await inner[task.id].run(calls(task.body))
                return task.id  # a group task's value is its id, as a leaf's is

        return stamped

    for task in _walk(top):
        if isinstance(task.body, Group):
            inner[task.id] = ErrorGroup(fail_fast=task.body.fail_fast, limit=task.body.limit)
    group: ErrorGroup[int] = ErrorGroup(fail_fast=top.fail_fast, limit=top.limit)
    output: dict[str, Any] = {}
    try:
        await group.run(calls(top))
    except GroupFailed as failed:
        output["error"] = str(failed)
    output = {"tasks": list(_entries(top, group.statuses, inner)), **output}
    observed: GroupObserved = {"elapsedNs": clock.now(), "tasks": runs.records}
    return {"output": output, "observed": observed}


def bench(group: Group) -> Measured:
    leaves = [task.body for task in group.tasks if isinstance(task.body, Operation)]
    calls = [_plain(leaf) for leaf in leaves]

    async def timed() -> tuple[list[Status[int]], int]:
        start = time.perf_counter_ns()
        statuses = await ErrorGroup[int](fail_fast=False, limit=group.limit).run(calls)
        return statuses, time.perf_counter_ns() - start

    statuses, elapsed = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": operations.all_succeeded(statuses, leaves)}


ASYNCIO = Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)
THREADS: Pattern[Any] = unavailable(
    "policy", "is not available in python-threads: the error group is written on asyncio alone"
)


def _plain(leaf: Operation) -> Callable[[], Awaitable[int]]:
    return lambda: operations.sleep_then_end(leaf, NOUN)


def _walk(group: Group) -> Iterator[Task]:
    """Every task of the tree, depth first in input order: a group task, then its tasks."""
    for task in group.tasks:
        yield task
        if isinstance(task.body, Group):
            yield from _walk(task.body)


def _entries(
    group: Group, statuses: Sequence[Status[int]], inner: dict[int, ErrorGroup[int]]
) -> Iterator[dict[str, Any]]:
    # A group that never ran (its task never started) has no statuses: none of its tasks started.
    for task, status in zip(
        group.tasks, statuses or [NotStarted()] * len(group.tasks), strict=True
    ):
        yield _entry(task.id, status)
        if isinstance(task.body, Group):
            yield from _entries(task.body, inner[task.id].statuses, inner)


def _entry(task_id: int, status: Status[int]) -> dict[str, Any]:
    match status:
        case Ok(value):
            return {"id": task_id, "status": "ok", "value": to_hex(value)}
        case Failed(error):
            return {"id": task_id, "status": "failed", "error": str(error)}
        case Cancelled():
            return {"id": task_id, "status": "cancelled"}
        case NotStarted():
            return {"id": task_id, "status": "not-started"}
