"""The one place that starts subprocesses: timeouts kill, output and usage are kept."""

from __future__ import annotations

import sys
import time

import pytest

from cookbook_harness import proc


def test_output_exit_code_and_usage() -> None:
    code = (
        "import sys; data = sys.stdin.read(); print(data.upper()); "
        "print('warn', file=sys.stderr); sys.exit(3)"
    )
    done = proc.run([sys.executable, "-c", code], stdin="hello", timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (3, "HELLO\n", "warn\n")
    assert done.max_rss_kib > 1000  # an interpreter takes megabytes
    assert done.wall_ns > 0
    assert "exited with code 3" in done.describe()
    assert "warn" in done.describe()


def test_a_hung_child_is_killed_at_its_timeout() -> None:
    start = time.monotonic()
    done = proc.run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    assert done.timed_out
    assert time.monotonic() - start < 10
    assert "killed after its 0.5 s timeout" in done.describe()


def test_the_timeout_kills_grandchildren_too() -> None:
    # The child starts a grandchild that holds the pipes open; killing only the child would hang.
    code = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    )
    start = time.monotonic()
    done = proc.run([sys.executable, "-c", code], timeout=0.5)
    assert done.timed_out
    assert time.monotonic() - start < 10


def test_a_missing_tool_says_what_to_install() -> None:
    with pytest.raises(proc.ToolMissingError, match="not installed or not on PATH"):
        proc.run(["no-such-tool-anywhere"], timeout=5)


def test_a_child_that_ignores_its_input_does_not_block() -> None:
    done = proc.run([sys.executable, "-c", "pass"], stdin="x" * 1_000_000, timeout=30)
    assert done.returncode == 0


def test_peak_memory_is_the_childs_own_not_the_harness_size() -> None:
    # The harness holds 200 MB; a small child forked from it would report at least that through
    # wait4, since Linux keeps the peak across execve. Through GNU time it reports its own.
    ballast = bytearray(200 * 2**20)
    small = proc.run([sys.executable, "-c", "pass"], timeout=30, peak_memory=True)
    big = proc.run(
        [sys.executable, "-c", "x = bytearray(100 * 2**20); x[-1] = 1"],
        timeout=30,
        peak_memory=True,
    )
    assert ballast[-1] == 0
    assert small.returncode == 0
    assert 1_000 < small.max_rss_kib < 100 * 1024
    assert big.max_rss_kib > small.max_rss_kib + 90 * 1024
    assert small.argv[0] == sys.executable  # the wrapper does not show in reports


def test_a_grandchild_holding_stdout_is_ended_and_the_output_kept() -> None:
    # The child writes its answer, leaves a grandchild that inherited stdout, and exits 0. The
    # pipe never reaches its end while the grandchild lives: ending the session ends it, and
    # what the child wrote is still there.
    code = (
        "import subprocess, sys; print('answer', flush=True); "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
    )
    start = time.monotonic()
    done = proc.run([sys.executable, "-c", code], timeout=30)
    assert done.returncode == 0
    assert done.stdout == "answer\n"
    assert time.monotonic() - start < 4, "waited for the grandchild instead of ending it"


def test_output_is_bytes_with_every_line_separator_kept() -> None:
    code = "import sys; sys.stdout.buffer.write('a\\u2028b\\rc\\x85d\\n'.encode())"
    done = proc.run([sys.executable, "-c", code], timeout=30)
    assert done.stdout_bytes == "a\u2028b\rc\x85d\n".encode()
    assert done.stdout == "a\u2028b\rc\x85d\n"


def test_stdin_may_be_raw_bytes() -> None:
    code = "import sys; sys.stdout.write(sys.stdin.buffer.read().hex())"
    done = proc.run([sys.executable, "-c", code], stdin=b"\xff\x00\r\n", timeout=30)
    assert done.stdout == "ff000d0a"


def test_stdin_may_be_closed() -> None:
    code = "import os, sys; sys.stdout.write(str(sys.stdin is None))"
    done = proc.run([sys.executable, "-c", code], stdin=None, timeout=30)
    assert done.stdout == "True"
