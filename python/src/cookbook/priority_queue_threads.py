"""Priority queue on threads: worker threads take the most urgent job waiting from a
`queue.PriorityQueue`, and a failed attempt goes back into it less urgent than before.

In production, reach for `queue.PriorityQueue`, the thread-safe heap of the standard library,
with `(priority, sequence, job)` entries as in `cookbook.priority_queue`: the sequence number keeps
ties in push order and means the jobs are never compared.
"""

import itertools
import threading
from collections.abc import Callable, Iterable
from queue import PriorityQueue
from typing import TypeVar

from cookbook.outcome import Failed, Ok, Outcome
from cookbook.priority_queue import Finished

J = TypeVar("J")
R = TypeVar("R")


# --8<-- [start:priority-queue]
class _Stop:
    """What each worker takes last: pushed once every job has finished."""


def run_by_priority(
    jobs: Iterable[tuple[int, J]],
    workers: int,
    attempt: Callable[[J, int], R],
    max_attempts: int,
) -> list[Finished[J, R]]:
    """Push each `(priority, job)` as `jobs` yields it, from the calling thread (lower is more
    urgent); `workers` threads each take the most urgent job waiting, earliest pushed first among
    equals, and call `attempt(job, number)`, numbered from 1. An attempt that raises is pushed
    back at priority + 1, behind everything already waiting there, until `max_attempts` attempts
    have been made. Returns once every job has finished, one `Finished` per job, every thread
    joined. A running attempt is never preempted.
    """
    if workers < 1 or max_attempts < 1:
        raise ValueError(
            f"workers and max_attempts must be at least 1, got {workers}, {max_attempts}"
        )
    # Unbounded: workers push retries into it themselves, and a worker blocked on a full queue
    # that only workers empty could block with every other worker forever.
    queue: PriorityQueue[tuple[int, int, J | _Stop, int]] = PriorityQueue()
    sequence = itertools.count()
    # Numbering and pushing in one step: two threads that took their numbers in one order and
    # pushed in the other would put a later push ahead of an earlier one at the same priority.
    pushing = threading.Lock()
    # One list per worker, each appended to by its own thread alone: nothing shared to lock.
    finished: list[list[Finished[J, R]]] = [[] for _ in range(workers)]

    def push(priority: int, job: J | _Stop, number: int) -> None:
        with pushing:
            # The tie-breaker: unique, so a comparison of two entries never reaches the job.
            queue.put((priority, next(sequence), job, number))

    def work(mine: list[Finished[J, R]]) -> None:
        while True:
            priority, _, job, number = queue.get()
            if isinstance(job, _Stop):
                return
            try:
                outcome = _attempt(attempt, job, number)
                if isinstance(outcome, Failed) and number < max_attempts:
                    # Pushed back before this entry is marked done, so `join()` cannot see an
                    # empty queue while a retry is on its way into it.
                    push(priority + 1, job, number + 1)
                else:
                    mine.append(Finished(job, outcome, number))
            finally:
                queue.task_done()

    threads = [
        threading.Thread(target=work, args=(mine,), name=f"priority-worker-{n}")
        for n, mine in enumerate(finished)
    ]
    for thread in threads:
        thread.start()
    for priority, job in jobs:
        push(priority, job, 1)
    # Every job has been pushed, and `join()` returns once every entry, retries included, has
    # been marked done. Only then do the stops go in, one per idle worker: nothing is left for a
    # stop to overtake, whatever its priority.
    queue.join()
    for _ in threads:
        push(0, _Stop(), 0)
    for thread in threads:
        thread.join()
    return [done for mine in finished for done in mine]


def _attempt(attempt: Callable[[J, int], R], job: J, number: int) -> Outcome[R]:
    # A failed attempt is an outcome to retry, not an exception that ends the worker's thread.
    try:
        return Ok(attempt(job, number))
    except Exception as error:
        return Failed(error)


# --8<-- [end:priority-queue]
