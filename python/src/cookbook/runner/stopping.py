"""How the runner stops on SIGINT and SIGTERM (docs/contract.md, exit codes 130 and 143): within a
second, in the middle of a case if need be, with one line on standard error, no half-written
answer, and nothing it started left running.

By default the runner exits at once, from the signal handler, with `os._exit`. Unwinding the run
in flight instead would wait for it: a job on a thread (the `threads` variant, or a Rust worker of
the `rust` variant) cannot be stopped from outside, and the `with` block that owns those threads,
like the interpreter on its way out, waits until every one has finished its job, which may take a
minute. Threads end with their process, so exiting at once leaves none behind.

Child processes are the exception: they outlive their parent. Code that starts some runs inside
`unwinding()`, where the handler raises `Stopped` in the main thread instead, so that the `with`
blocks on the way up stop those processes (see `parallel_pool`) and the runner exits normally,
once `multiprocessing` has cleaned up after them.

Python runs signal handlers in the main thread alone, between two bytecodes or when a blocking
call there is interrupted; code that blocks the main thread for long in native code must let
them run (the extension `cookbook_rs` checks for signals while it waits).
"""

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

SIGNALS = {signal.SIGINT: "interrupted by SIGINT", signal.SIGTERM: "terminated by SIGTERM"}


class Stopped(BaseException):
    """SIGINT or SIGTERM, raised in the main thread inside `unwinding()`. A `BaseException`, as
    `KeyboardInterrupt` is, so that no `except Exception` takes it for a job's failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(SIGNALS[signal.Signals(signum)])
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process the signal ended."""
        return 128 + self.signum


# The handler runs in the main thread only, which is also the only thread that writes answers and
# enters `unwinding()`: this state needs no lock.
_received: int | None = None
_writing = False
_unwinding = 0


def install() -> None:
    """Stop the runner on SIGINT and SIGTERM as this module says."""
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)


@contextmanager
def unwinding() -> Iterator[None]:
    """Inside this block, a signal raises `Stopped` rather than exiting at once."""
    global _unwinding  # noqa: PLW0603 (signal state is per process)
    _unwinding += 1
    try:
        yield
    finally:
        _unwinding -= 1


@contextmanager
def writing() -> Iterator[None]:
    """Hold a signal back while an answer line is written, so that it is written whole: a long
    line takes several writes, and the reader may take a while to make room for the next."""
    global _writing  # noqa: PLW0603 (signal state is per process)
    _writing = True
    try:
        yield
    finally:
        _writing = False
    if _received is not None:
        _stop(_received)


def report(problem: str) -> None:
    """Write `error: <problem>` as the one line on standard error, if there is one to write to."""
    if sys.stderr is not None:
        print(f"error: {problem}", file=sys.stderr, flush=True)


def _on_signal(signum: int, _: FrameType | None) -> None:
    global _received  # noqa: PLW0603 (signal state is per process)
    if _received is not None:
        return  # already stopping, for the first signal's reason
    _received = signum
    if not _writing:
        _stop(signum)


def _stop(signum: int) -> None:
    stopped = Stopped(signum)
    if _unwinding:
        raise stopped
    # os.write, not `print`: the handler may have interrupted a write to sys.stderr, whose lock
    # that write still holds. Without a standard error, the exit code says it alone.
    with suppress(OSError):
        os.write(2, f"error: {stopped}\n".encode())
    os._exit(stopped.exit_code)
