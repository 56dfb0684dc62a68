"""Every runner, told to stop or losing its reader, stops as the contract says: within a second,
with one line on stderr and its documented exit code, leaving no process behind.

These tests start the runners themselves (with subprocess, an argument list and a timeout on
every wait), because they act on a process while it runs: a signal in the middle of a batch, a
pipe closed after the first answer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from cookbook_harness import ROOT, runners
from cookbook_harness.implementations import IMPLEMENTATIONS, Implementation

STOP_WITHIN = 1.0
"""Seconds the contract gives a runner to stop."""
LOAD_ALLOWANCE = 1.0
"""On top, for a loaded machine: a late stop is a liveness failure, so it gets tolerance."""

QUICK = {"pattern": "worker-pool", "id": "quick", "input": {"workers": 1, "jobs": [{"id": 0}]}}
SLOW = {
    "pattern": "worker-pool",
    "id": "slow",
    "input": {"workers": 2, "jobs": [{"id": i, "sleepMs": 30_000} for i in range(4)]},
}
SIGNALS = {
    "SIGINT": (signal.SIGINT, 130, "error: interrupted by SIGINT"),
    "SIGTERM": (signal.SIGTERM, 143, "error: terminated by SIGTERM"),
}


def line(request: Mapping[str, object]) -> bytes:
    return json.dumps(request).encode() + b"\n"


def session_members(sid: int) -> list[int]:
    """The processes still alive in session `sid` (the runner's own, started for it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        # After the command's name: state, ppid, pgrp, session; a zombie is not alive.
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


@contextmanager
def started(impl: Implementation, command: str) -> Iterator[subprocess.Popen[bytes]]:
    runners.ensure_built(impl)
    child = subprocess.Popen(
        impl.argv(command),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield child
    finally:
        # Whatever the test saw, nothing of the runner's outlives it.
        for pid in session_members(child.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        child.kill()
        child.wait(timeout=30)
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                with suppress(OSError):
                    stream.close()


def stop_and_wait(child: subprocess.Popen[bytes], signum: int) -> tuple[float, bytes, str]:
    """Send `signum`, and return how long the runner took to exit, its remaining stdout and its
    stderr."""
    sent = time.monotonic()
    child.send_signal(signum)
    out, err = child.communicate(timeout=30)
    return time.monotonic() - sent, out, err.decode(errors="replace")


def assert_no_process_left(child: subprocess.Popen[bytes]) -> None:
    # The runner is reaped; give its children a moment to be reparented and exit if they are.
    deadline = time.monotonic() + STOP_WITHIN + LOAD_ALLOWANCE
    while (left := session_members(child.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes left running after the runner exited: {left}"


@pytest.mark.parametrize("name", SIGNALS)
@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda i: i.name)
def test_a_signal_in_the_middle_of_a_batch_stops_the_runner(
    impl: Implementation, name: str
) -> None:
    signum, code, message = SIGNALS[name]
    with started(impl, "run") as child:
        assert child.stdin is not None
        assert child.stdout is not None
        child.stdin.write(line(QUICK) + line(SLOW) + line(QUICK))
        child.stdin.flush()
        # The first answer is out: the runner is now in the middle of the slow case.
        first = child.stdout.readline()
        assert json.loads(first)["id"] == "quick"
        time.sleep(0.2)
        took, rest, err = stop_and_wait(child, signum)
        assert child.returncode == code, f"{impl.name} exited {child.returncode}: {err!r}"
        assert err.strip().splitlines() == [message], f"stderr: {err!r}"
        assert rest == b"", f"nothing may follow the answers before the signal: {rest[:200]!r}"
        assert took < STOP_WITHIN + LOAD_ALLOWANCE, f"{impl.name} took {took:.2f} s to stop"
        assert_no_process_left(child)


def bench_request(parallel: bool) -> bytes:
    params: dict[str, object] = {"workers": 2, "cost": 2_000, "sleepMs": 0}
    if parallel:
        params["mode"] = "parallel"
    return line({"pattern": "worker-pool", "size": 1_000_000, "params": params, "repeat": 1000})


def accepts_parallel(impl: Implementation) -> bool:
    """Whether the runner's worker-pool bench takes `mode` (the runtimes that have one)."""
    request = {"pattern": "worker-pool", "size": 1, "params": {"workers": 1, "mode": "parallel"}}
    answer, _ = runners.bench(impl, request)
    return answer.get("status") == "ok"


@pytest.mark.parametrize("name", SIGNALS)
@pytest.mark.parametrize("parallel", [False, True], ids=["event-loop", "parallel"])
@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda i: i.name)
def test_a_signal_in_the_middle_of_a_bench_stops_it_and_every_worker(
    impl: Implementation, parallel: bool, name: str
) -> None:
    runners.ensure_built(impl)
    if parallel and not accepts_parallel(impl):
        pytest.skip(f"{impl.name} has no parallel mode")
    signum, code, message = SIGNALS[name]
    with started(impl, "bench") as child:
        assert child.stdin is not None
        child.stdin.write(bench_request(parallel))
        child.stdin.close()
        child.stdin = None  # closed: communicate must not flush it
        # A bench says nothing until it is done: give it time to start its workers.
        time.sleep(1.5)
        assert child.poll() is None, "the bench ended before the signal"
        took, out, err = stop_and_wait(child, signum)
        assert child.returncode == code, f"{impl.name} exited {child.returncode}: {err!r}"
        assert err.strip().splitlines() == [message], f"stderr: {err!r}"
        assert out == b""
        assert took < STOP_WITHIN + LOAD_ALLOWANCE, f"{impl.name} took {took:.2f} s to stop"
        assert_no_process_left(child)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda i: i.name)
def test_stdout_closed_early_stops_the_runner_with_one_line(impl: Implementation) -> None:
    with started(impl, "run") as child:
        assert child.stdin is not None
        assert child.stdout is not None
        many = [{**QUICK, "id": f"quick-{n}"} for n in range(2_000)]
        # Fed from a thread while the runner answers: far more answers than a pipe holds, so
        # the runner must write into a pipe whose reader has gone.
        feed = b"".join(line(r) for r in many)

        def write_all() -> None:
            with suppress(BrokenPipeError, OSError):  # the runner stopped reading: as tested
                assert child.stdin is not None
                child.stdin.write(feed)
                child.stdin.close()

        feeder = threading.Thread(target=write_all, daemon=True)
        feeder.start()
        assert json.loads(child.stdout.readline())["id"] == "quick-0"
        child.stdout.close()
        child.wait(timeout=30)
        feeder.join(timeout=30)
        assert child.stderr is not None
        err = child.stderr.read().decode(errors="replace")
        assert child.returncode == 141, f"{impl.name} exited {child.returncode}: {err!r}"
        assert err.strip().splitlines() == ["error: standard output was closed"], err
        assert_no_process_left(child)
