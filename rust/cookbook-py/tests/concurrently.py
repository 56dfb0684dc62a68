"""Running a function on several threads at once, as the tests that hammer the extension do."""

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def together(threads: int, work: Callable[[int], T]) -> list[T]:
    """`work(i)` for i in 0 .. threads - 1, each on its own thread, all released at once by a
    barrier so that they contend from the first call; the results in order of `i`."""
    barrier = threading.Barrier(threads)

    def start(i: int) -> T:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=threads) as executor:
        return list(executor.map(start, range(threads)))


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
