"""Worker pool on threads: `concurrent.futures.ThreadPoolExecutor` runs jobs on a fixed set of
threads.

`concurrent.futures` is the well-kept library here, and it is in the standard library: a
`ThreadPoolExecutor` is exactly a queue plus `max_workers` threads plus a stop protocol (on shutdown
it wakes each idle thread with a sentinel, as `cookbook.worker_pool` does by hand). Writing the same
with `queue.Queue` and `threading.Thread` would repeat that sentinel counting and add exception
plumbing that futures already do: a job's exception is stored in its future, never lost with its
thread. Use threads for blocking calls you cannot make async: a blocking client library, file I/O,
C extensions.

The GIL runs one thread's Python bytecode at a time. Sleeps and I/O release it, so waiting jobs do
overlap; pure-Python CPU work does not run in parallel, and `workers` threads computing take about
as long as one. For CPU-bound jobs use `concurrent.futures.ProcessPoolExecutor`, whose `map` has the
same shape.
"""

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from cookbook.outcome import Failed, Ok, Outcome

J = TypeVar("J")
R = TypeVar("R")


# --8<-- [start:worker-pool]
def run_pool(jobs: Iterable[J], workers: int, fn: Callable[[J], R]) -> list[Outcome[R]]:
    """Call `fn(job)` for every job on at most `workers` threads; one outcome per job, in order.

    A thread cannot be cancelled from outside: if the caller is interrupted (KeyboardInterrupt
    while it waits), the jobs not yet started are cancelled and the call returns once the jobs
    already running have finished.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    # `map` submits every job at once (one future each) and yields outcomes in job order. Leaving
    # the `with` block shuts the executor down and joins its threads, so no thread outlives the
    # call; if the caller is interrupted while it waits for outcomes, `map`'s iterator cancels the
    # futures not yet started on its way out.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="worker-pool") as executor:
        return list(executor.map(partial(_attempt, fn), jobs))


def _attempt(fn: Callable[[J], R], job: J) -> Outcome[R]:
    # A failing job must not raise out of `map`: iterating it re-raises the first job's exception
    # and abandons the rest, so one bad job would lose the results of all the others.
    try:
        return Ok(fn(job))
    except Exception as error:
        return Failed(error)


# --8<-- [end:worker-pool]
