"""Fan-out / fan-in on threads: merge several blocking sources into one stream, and scatter calls
over a bounded number of threads, gathering the results in input order.

In production, reach for `concurrent.futures`, in the standard library: a `ThreadPoolExecutor`
bounds the threads, its futures keep each call's value or exception, `as_completed` yields them as
they finish. For merging blocking iterators there is no standard helper: a thread per source and
one `queue.Queue`, as below, is the usual answer (or move to asyncio and merge there).

A thread cannot be cancelled from outside, so stopping is cooperative: a source is asked to stop
between two items, and a fail-fast call is handed a `threading.Event` to watch. Both functions
join every thread they start before they return or raise.
"""

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, CancelledError, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from queue import Queue
from typing import TypeVar

from cookbook.outcome import Failed, Ok, Outcome

T = TypeVar("T")
J = TypeVar("J")
R = TypeVar("R")


# --8<-- [start:fan-in]
class _Ended:
    """What a source puts on the queue after its last item, with the error it died of, if any."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


@contextmanager
def merge(sources: Sequence[Iterable[T]]) -> Iterator[Iterator[T]]:
    """Read every source on a thread of its own; the `with` body reads all their items as one
    stream, each as soon as its source yields it, each source's items in their own order.

        with merge([tail(log_a), tail(log_b)]) as stream:
            for line in stream:
                ...

    The stream ends when every source has ended; a source's error is raised from the stream.
    Leaving the body, early or not, stops the sources still running and joins every thread. A
    thread cannot be interrupted: a source stops once the item it is producing (sleeping, reading)
    is handed over, and a generator source is then closed.
    """
    # Bounded: a source that runs ahead of the reader waits in `put` rather than piling items up
    # in memory. One slot per source lets every source hand over an item without waiting for the
    # others; a bound never holds an item back from a reader that is waiting for one.
    queue: Queue[T | _Ended] = Queue(maxsize=max(1, len(sources)))
    stopping = threading.Event()
    ended = 0

    def pump(source: Iterable[T]) -> None:
        error = None
        try:
            items = iter(source)
            for item in items:
                queue.put(item)
                if stopping.is_set():
                    # Close a generator now, on its own thread, so that its cleanup (a `finally`,
                    # a `with`) has run when the merge returns, not whenever it is collected.
                    if isinstance(items, Generator):
                        items.close()
                    break
        except BaseException as caught:
            # An exception that escapes a thread is printed and lost: carry it to the reader.
            error = caught
        # Who ends the stream: every source says it has ended, even when it failed, after its last
        # item (the queue is FIFO), and the reader counts them. A source that died without saying
        # so would leave the reader waiting forever.
        queue.put(_Ended(error))

    def stream() -> Iterator[T]:
        nonlocal ended
        while ended < len(sources):
            item = queue.get()
            if not isinstance(item, _Ended):
                yield item
                continue
            ended += 1
            if item.error is not None:
                raise item.error

    threads = [
        threading.Thread(target=pump, args=(source,), name=f"merge-{n}")
        for n, source in enumerate(sources)
    ]
    for thread in threads:
        thread.start()
    try:
        yield stream()
    finally:
        # The body is done, early or not. Ask the sources still running to stop, and keep draining
        # the queue, so that none waits in a full `put` forever, until each has said it ended.
        stopping.set()
        while ended < len(sources):
            if isinstance(queue.get(), _Ended):
                ended += 1
        for thread in threads:
            thread.join()


# --8<-- [end:fan-in]


# --8<-- [start:scatter-gather]
def scatter_gather(items: Sequence[J], limit: int, fn: Callable[[J], R]) -> list[Outcome[R]]:
    """Call `fn(item)` for every item on at most `limit` threads; one outcome per item, in input
    order. A call that fails is an outcome (`Failed`), and the other calls go on."""
    with _executor(limit) as executor:
        futures = [executor.submit(fn, item) for item in items]
    # Leaving the `with` joined every thread: every future is done. Input order whatever the
    # completion order, since each outcome is read from its own item's future.
    return [_outcome(future) for future in futures]


def scatter_gather_fail_fast(
    items: Sequence[J], limit: int, fn: Callable[[J, threading.Event], R]
) -> list[R]:
    """Call `fn(item, cancelled)` for every item on at most `limit` threads; the values, in input
    order.

    The first call that fails sets `cancelled` and cancels the calls not yet started; its error is
    raised once every running call has returned. Cancellation is cooperative: `fn` should stop soon
    after `cancelled` is set, and `cancelled.wait(seconds)` is a sleep that does.
    """
    cancelled = threading.Event()
    failures: list[BaseException] = []
    first = threading.Lock()

    def call(item: J) -> R:
        # A thread that picks this call off the executor's queue after the failure must not start
        # it: `future.cancel()` below comes only once the main thread has woken, and until then
        # the queue keeps handing calls to the threads the failure set free.
        if cancelled.is_set():
            raise CancelledError
        try:
            return fn(item, cancelled)
        except BaseException as error:
            # Set here, on the failing call's own thread, before the thread takes another call, so
            # the check above turns every later call away. Under the lock, so that only the first
            # failure is kept; the calls failing after it are the ones it stopped.
            with first:
                if not cancelled.is_set():
                    failures.append(error)
                    cancelled.set()
            raise

    with _executor(limit) as executor:
        futures = [executor.submit(call, item) for item in items]
        wait(futures, return_when=FIRST_EXCEPTION)
        if failures:
            for future in futures:
                # The calls still queued are turned away by `call` anyway; cancelling them spares
                # the threads the trip. Running ones are unaffected.
                future.cancel()
    # Leaving the `with` joined every thread: every call has stopped, so the caller gets the error
    # only once nothing it started is still running.
    if failures:
        raise failures[0]
    return [future.result() for future in futures]


def _executor(limit: int) -> ThreadPoolExecutor:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return ThreadPoolExecutor(max_workers=limit, thread_name_prefix="scatter-gather")


def _outcome(future: Future[R]) -> Outcome[R]:
    error = future.exception()
    if error is None:
        return Ok(future.result())
    if isinstance(error, Exception):
        return Failed(error)
    raise error  # SystemExit and the like end the program, not just one call


# --8<-- [end:scatter-gather]
