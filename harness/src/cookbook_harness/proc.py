"""Every subprocess the harness starts goes through `run`: an argument list (never a shell), a
timeout after which the whole process group is killed, and the child's own resource usage."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int | None
    """None when the process was killed for exceeding its timeout."""
    stdout_bytes: bytes
    """Standard output as the child wrote it; `stdout` is the same decoded."""
    stderr: str
    wall_ns: int
    cpu_ns: int
    """User plus system CPU time of the child (and of children it waited for)."""
    max_rss_kib: int
    """Peak resident set size of the child in KiB: from GNU time when `peak_memory` was asked
    for, else from wait4's rusage (which, on Linux, counts the harness's own size at the fork)."""
    timeout: float

    @property
    def stdout(self) -> str:
        """Standard output as UTF-8; a byte that is not UTF-8 shows as U+FFFD."""
        return self.stdout_bytes.decode("utf-8", errors="replace")

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def describe(self) -> str:
        """One line that says what happened, for a report or an assertion message."""
        return f"`{' '.join(self.argv)}` {self.ending()}"

    def ending(self) -> str:
        """How the process ended, and the last lines of its stderr."""
        code = self.returncode
        if code is None:
            what = f"was killed after its {self.timeout:g} s timeout"
        elif code == 0:
            what = "succeeded"
        elif code < 0:
            what = f"died of signal {-code}"
        else:
            what = f"exited with code {code}"
        tail = self.stderr.strip().splitlines()[-5:]
        stderr = (" | stderr: " + " / ".join(tail)) if tail else ""
        return what + stderr


class ToolMissingError(RuntimeError):
    """The program to run is not installed; the message says what to install."""


TIME = Path("/usr/bin/time")


def run(
    argv: Sequence[str | Path],
    *,
    timeout: float,
    cwd: Path | None = None,
    stdin: str | bytes | None = "",
    env: Mapping[str, str] | None = None,
    peak_memory: bool = False,
) -> Completed:
    """Run `argv` to completion or until `timeout` seconds have passed, feeding `stdin`.

    The child starts in a session of its own. Once it has exited (or been killed at its timeout)
    the whole session is killed, so nothing it started outlives it, and no grandchild holding the
    output pipes open can keep us waiting. Output is read on threads, chunk by chunk, so that a
    child that fills a pipe cannot deadlock against us while we are still writing its input, and
    what was read is kept even if a pipe never reaches its end.

    `stdin=None` starts the child with its standard input closed (no file descriptor 0 at all),
    as `0<&-` does in a shell.

    With `peak_memory`, the child runs under GNU time. Linux keeps a process's peak resident size
    across `execve`, so a child forked from the harness would report at least the harness's own
    size; forked from `time`, a process of a megabyte, it reports its own.
    """
    args = tuple(str(a) for a in argv)
    if peak_memory and not TIME.exists():
        raise ToolMissingError(
            f"{TIME} is missing: install Debian's `time` package to measure peak memory"
        )
    report: Path | None = None
    if peak_memory:
        handle, name = tempfile.mkstemp(prefix="peak-", suffix=".txt")
        os.close(handle)
        report = Path(name)
        args = (str(TIME), "--format=%M", f"--output={report}", *args)
    start = time.perf_counter_ns()
    try:
        child = subprocess.Popen(  # noqa: S603 - an argument list from our own table, no shell
            args,
            cwd=cwd,
            env=None if env is None else {**os.environ, **env},
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            # Closed in the child between fork and exec; nothing else runs there.
            preexec_fn=_close_stdin if stdin is None else None,
        )
    except FileNotFoundError as exc:
        raise ToolMissingError(
            f"cannot start `{args[0]}`: it is not installed or not on PATH "
            "(see README.md, Prerequisites)"
        ) from exc
    assert child.stdout is not None
    assert child.stderr is not None
    out: list[bytes] = []
    err: list[bytes] = []
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    readers = [
        threading.Thread(target=_drain, args=(child.stdout, out), daemon=True),
        threading.Thread(target=_drain, args=(child.stderr, err), daemon=True),
    ]
    if data is not None:
        readers.append(threading.Thread(target=_feed, args=(child, data), daemon=True))
    for t in readers:
        t.start()

    status: list[tuple[int, resource.struct_rusage]] = []
    # wait4 rather than Popen.wait: it also hands back the child's rusage (CPU time, peak RSS).
    reaper = threading.Thread(target=lambda: status.append(_wait4(child.pid)), daemon=True)
    reaper.start()
    reaper.join(timeout)
    timed_out = reaper.is_alive()
    if timed_out:
        _kill_group(child.pid)
        reaper.join()
    wall = time.perf_counter_ns() - start
    # The child is gone; whatever it left running in its session goes too. The session's id is
    # the child's pid, and stays valid while any member lives.
    _kill_group(child.pid)
    raw, usage = status[0]
    child.returncode = os.waitstatus_to_exitcode(raw)  # reaped above; keep Popen from waiting again
    for t in readers:
        t.join(timeout=5)
    cpu = round((usage.ru_utime + usage.ru_stime) * 1e9)
    peak = usage.ru_maxrss
    if report is not None:
        text = report.read_text().strip().splitlines()
        report.unlink()
        # GNU time writes "Command exited with non-zero status N" before the figure, and
        # nothing at all when the child was killed at its timeout.
        peak = int(text[-1]) if text and text[-1].isdigit() else 0
        args = args[3:]
    return Completed(
        argv=args,
        returncode=None if timed_out else child.returncode,
        stdout_bytes=b"".join(out),
        stderr=b"".join(err).decode("utf-8", errors="replace"),
        wall_ns=wall,
        cpu_ns=cpu,
        max_rss_kib=peak,
        timeout=timeout,
    )


def _drain(stream: IO[bytes], sink: list[bytes]) -> None:
    # os.read returns what is there as soon as it is there: a chunk read is kept even when a
    # process that escaped the session keeps the pipe open forever.
    fd = stream.fileno()
    while chunk := os.read(fd, 1 << 16):
        sink.append(chunk)


def _feed(child: subprocess.Popen[bytes], data: bytes) -> None:
    assert child.stdin
    try:
        child.stdin.write(data)
        child.stdin.close()
    except (BrokenPipeError, OSError):
        # The child exited without reading all of its input; its exit status says why.
        pass


def _close_stdin() -> None:
    os.close(0)


def _wait4(pid: int) -> tuple[int, resource.struct_rusage]:
    _, raw, usage = os.wait4(pid, 0)
    return raw, usage


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited just before the kill
        os.killpg(pid, signal.SIGKILL)
