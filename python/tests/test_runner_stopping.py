"""How the runner ends when it is told to, or cannot go on (docs/contract.md, exit codes): stdin
closed, stdout's reader gone, SIGINT and SIGTERM in the middle of a case or a bench, for every
variant, each through the runner started as the harness starts it."""

import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cookbook.runner.registry import TABLES

VARIANTS = sorted(TABLES)
RUNNER = [sys.executable, "-m", "cookbook.runner"]
PROMPTLY = 2.0  # the contract's second, and one more for a loaded machine (liveness)
"""Seconds from the signal to the runner's exit, its pipes closed."""


def request(case_id: str, jobs: list[dict[str, Any]], workers: int = 2) -> bytes:
    line = {"pattern": "worker-pool", "id": case_id, "input": {"workers": workers, "jobs": jobs}}
    return json.dumps(line).encode() + b"\n"


def bench(**params: object) -> bytes:
    return json.dumps({"pattern": "worker-pool", "size": 100, "params": params}).encode()


QUICK = request("quick", [{"id": 0}])
# Long enough that a runner which waits for the case to end is caught: sleeping jobs, and
# computing ones, which no thread can be made to leave.
SLEEPS = request("sleeps", [{"id": n, "sleepMs": 30_000} for n in range(4)])
COMPUTES = request("computes", [{"id": n, "cost": 50_000_000} for n in range(4)])
LONG_BENCH = bench(workers=2, cost=3_000_000, sleepMs=500)


def with_closed(fd: int, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The runner run with `args` and its file descriptor `fd` closed (`0<&-`, `1>&-`), reading
    `stdin` otherwise; what it wrote to the others."""
    return subprocess.run(
        ["sh", "-c", f'exec "$0" "$@" {fd}<&-', *RUNNER, *args],
        input=stdin if fd else None,
        stdout=subprocess.PIPE if fd != 1 else None,
        stderr=subprocess.PIPE,
        timeout=30,
        check=False,
    )


def one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert text.count("\n") == 1, text
    assert text.endswith("\n"), text
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("variant", VARIANTS)
def test_run_with_stdin_closed_answers_nothing(variant: str) -> None:
    done = with_closed(0, "--variant", variant, "run")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


@pytest.mark.parametrize("variant", VARIANTS)
def test_bench_with_stdin_closed_has_no_request(variant: str) -> None:
    done = with_closed(0, "--variant", variant, "bench")
    assert done.returncode == 3
    assert one_line(done.stderr) == "error: line 1: expected one bench request, got none\n"


@pytest.mark.parametrize("command", ["list", "run"])
def test_stdout_closed_from_the_start_exits_141(command: str) -> None:
    done = with_closed(1, "--variant", "threads", command, stdin=QUICK)
    assert done.returncode == 141
    assert one_line(done.stderr) == "error: standard output was closed\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_stdout_closed_by_its_reader_exits_141(variant: str) -> None:
    slowish = request("slowish", [{"id": n, "sleepMs": 5} for n in range(4)])
    with start(variant, "run", slowish * 200) as runner:
        assert runner.stdout is not None
        assert runner.stderr is not None
        assert json.loads(runner.stdout.readline())["id"] == "slowish"
        runner.stdout.close()
        assert runner.wait(timeout=30) == 141
        assert one_line(runner.stderr.read()) == "error: standard output was closed\n"


def start(variant: str, command: str, stdin: bytes) -> subprocess.Popen[bytes]:
    """The runner, reading `stdin` from a file, its output and error pipes to read."""
    with tempfile.TemporaryFile() as file:
        file.write(stdin)
        file.seek(0)
        return subprocess.Popen(
            [*RUNNER, "--variant", variant, command],
            stdin=file,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )


def stop(runner: subprocess.Popen[bytes], signum: int) -> tuple[bytes, bytes]:
    """Send `signum`, and wait for the runner to exit and its pipes to close, promptly."""
    sent = time.monotonic()
    runner.send_signal(signum)
    stdout, stderr = runner.communicate(timeout=30)
    assert time.monotonic() - sent < PROMPTLY
    message = {signal.SIGINT: "interrupted by SIGINT", signal.SIGTERM: "terminated by SIGTERM"}
    assert runner.returncode == 128 + signum, stderr
    assert one_line(stderr) == f"error: {message[signal.Signals(signum)]}\n"
    return stdout, stderr


def first_answer(runner: subprocess.Popen[bytes]) -> dict[str, Any]:
    assert runner.stdout is not None
    answer: dict[str, Any] = json.loads(runner.stdout.readline())
    time.sleep(0.3)  # well into the next case
    return answer


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("case", [SLEEPS, COMPUTES], ids=["sleeps", "computes"])
def test_a_signal_stops_a_run_in_the_middle_of_a_case(
    variant: str, signum: int, case: bytes
) -> None:
    runner = start(variant, "run", QUICK + case + QUICK)
    assert first_answer(runner)["id"] == "quick"
    stdout, _ = stop(runner, signum)
    assert stdout == b""  # the first answer was read, and nothing more was written


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_bench(variant: str, signum: int) -> None:
    runner = start(variant, "bench", LONG_BENCH)
    time.sleep(1.5)  # started, and measuring
    stdout, _ = stop(runner, signum)
    assert stdout == b""


def stat(pid: int) -> list[str]:
    """The state and the parent of process `pid`, from /proc (Linux); empty once it is gone."""
    try:
        # The command name, in parentheses, may hold spaces: the other fields follow its end.
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[:2]
    except OSError:
        return []


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return {child for child in pids if stat(child)[1:] == [str(pid)]}


def alive(pid: int) -> bool:
    # A zombie has ended: only its exit status is left, for its new parent to collect.
    return stat(pid)[:1] not in ([], ["Z"])


def eventually(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds children through /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_parallel_bench_and_its_processes(signum: int) -> None:
    runner = start("asyncio", "bench", bench(workers=2, cost=3_000_000, mode="parallel"))
    # The pool's processes and multiprocessing's resource tracker.
    assert eventually(lambda: len(children(runner.pid)) >= 3, 10), children(runner.pid)
    time.sleep(1.0)  # measuring
    started = children(runner.pid)
    stdout, _ = stop(runner, signum)
    assert stdout == b""
    assert eventually(lambda: not any(alive(pid) for pid in started), PROMPTLY), started
