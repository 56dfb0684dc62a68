"""The worker pool's `parallel` mode (docs/benchmarks.md): the asyncio pool run in every process
of a `concurrent.futures.ProcessPoolExecutor`, so that the jobs' work runs on every core.

Pure-Python work holds the GIL, so the jobs of one interpreter compute one at a time however many
threads it has; only processes compute at once. The executor's usual use, one message per job
(`await loop.run_in_executor(executor, work, ...)`), pickles each call and its answer through
two pipes and the executor's own threads: about 0.3 ms there and back on the machine this was
measured on, a third of what a job of cost 2000 computes, and two processes fed that way took
longer than the event loop alone. So each process runs `cookbook.worker_pool.run_pool` itself,
with its share of the `workers`, and takes its jobs from one counter in shared memory: a job is
handed out when a worker of some process is free to run it, as on the event loop, at the cost
of a lock taken for a microsecond, and each process sends its results back once.

The processes are started and waited for before the measured region (`ProcessPool(...)`), since
starting an interpreter belongs to the runtime and not to the pool, and each `ProcessPool` serves
one run: it is made with that run's jobs and shut down after it, or killed if the run is
interrupted.
"""

import asyncio
import multiprocessing
import os
import signal
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Barrier
from types import TracebackType
from typing import Any, Generic, TypeVar

from cookbook import worker_pool
from cookbook.outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")


def cpu_count() -> int:
    """The machine's cores, as Python counts them: the most processes a pool starts."""
    return os.cpu_count() or 1


def process_count(workers: int) -> int:
    """How many processes run `workers` workers: one per worker, at most one per core."""
    return min(workers, cpu_count())


def shares(workers: int, processes: int) -> list[int]:
    """The workers dealt out over the processes as evenly as they go, each getting at least one
    when `workers >= processes`: the pool runs at most `workers` jobs at once in all."""
    return [workers // processes + (p < workers % processes) for p in range(processes)]


class ProcessPool(Generic[J, R]):
    """Processes, started and ready, that will run `fn` over `jobs` with `workers` workers between
    them, once. `fn` and the jobs go to each process when it starts, so they must pickle: `fn` a
    module-level async function.

    Use it as a context manager: leaving the block shuts the processes down.
    """

    def __init__(self, jobs: Sequence[J], workers: int, fn: Callable[[J], Awaitable[R]]) -> None:
        processes = process_count(workers)
        self._shares = shares(workers, processes)
        # "spawn" starts each process as a fresh interpreter, the one start method that works
        # everywhere: forking this process would copy its event loop and its executor's threads
        # half-way through whatever they were doing.
        context = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(
            processes,
            mp_context=context,
            initializer=_start,
            initargs=(_Setup(jobs, fn, context.Value("q", 0)), context.Barrier(processes)),
        )
        self._pids: set[int] = set()
        try:
            # The executor starts a process per task submitted while none is idle, and none is:
            # each process waits at the barrier until every other has started. So these tasks
            # start every process, and their results are in only once every process has passed
            # the barrier.
            for ready in [self._executor.submit(_ready) for _ in range(processes)]:
                self._pids.add(ready.result())
        except BaseException:
            self._shut_down(kill=True)
            raise

    def __enter__(self) -> "ProcessPool[J, R]":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._shut_down(kill=error is not None)

    def _shut_down(self, kill: bool) -> None:
        """Shut the processes down once idle, or, with `kill`, at once. A block left on an
        exception (SIGINT or SIGTERM among them: see `cookbook.runner.stopping`) kills them:
        the executor would otherwise wait for each to finish the share it is running, however
        long that takes, and a process that is not waited for outlives this one."""
        if kill:
            # `active_children` holds every process this one started and has not yet waited
            # for, so a pid there is still one of the pool's and cannot have been reused.
            for process in multiprocessing.active_children():
                if process.pid in self._pids:
                    process.kill()
        # Once its processes are gone, the executor finds them so and shuts down at once.
        self._executor.shutdown(cancel_futures=True)

    def run(self) -> list[Outcome[R]]:
        """One outcome per job run, in job order. A job run twice or never shows in the length of
        the list and in which job answers where, which the caller checks."""
        # A process is idle until its share arrives and serves one share at a time, so each of
        # these goes to a process of its own.
        answers = [self._executor.submit(_run_share, share) for share in self._shares]
        ran = [pair for answer in answers for pair in answer.result()]
        return [outcome for _, outcome in sorted(ran, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class _Setup(Generic[J, R]):
    """What every process is started with: the jobs, the job function, and the index of the next
    job to hand out, shared by all of them."""

    jobs: Sequence[J]
    fn: Callable[[J], Awaitable[R]]
    next_index: "Synchronized[int]"


# This process's `_Setup`, set once when the process starts: the executor's `initializer` is the
# one place that runs in each process before its tasks.
_setup: _Setup[Any, Any] | None = None


def _start(setup: _Setup[Any, Any], started: Barrier) -> None:
    global _setup  # noqa: PLW0603 (per-process state is what an initializer is for)
    _setup = setup
    # A terminal's Ctrl-C interrupts every process of its group, this one included: the process
    # that started the pool decides when it stops (see `ProcessPool`), and kills it then.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    started.wait()


def _ready() -> int:
    """A task that does nothing but say which process ran it: once it has, that process has
    started."""
    return os.getpid()


def _run_share(workers: int) -> list[tuple[int, Outcome[Any]]]:
    """Run the pool with `workers` workers in this process until the jobs run out, and answer
    each job's index with its outcome."""
    if _setup is None:
        raise RuntimeError("a ProcessPool task ran in a process that ProcessPool did not start")
    setup = _setup
    taken: list[int] = []

    def handed_out() -> Iterator[Any]:
        for index in _indexes(setup.next_index, len(setup.jobs)):
            taken.append(index)
            yield setup.jobs[index]

    # `run_pool` pulls a job only when it has room for one, so this process takes no more than a
    # few jobs ahead of its workers, and the processes share the jobs as they free up.
    outcomes = asyncio.run(worker_pool.run_pool(handed_out(), workers, setup.fn))
    return list(zip(taken, outcomes, strict=True))


def _indexes(next_index: "Synchronized[int]", size: int) -> Iterator[int]:
    """Job indexes taken from the shared counter until it passes `size`. The lock makes reading
    and raising the counter one step, so no two processes take the same index."""
    while True:
        with next_index.get_lock():
            index = next_index.value
            next_index.value = index + 1
        if index >= size:
            return
        yield index
