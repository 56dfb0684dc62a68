"""The command line: `--variant asyncio|threads|rust` and one of `list`, `run`, `bench`.

Exit codes (docs/contract.md): 0 when every request was answered, invalid cases included; 1 when
a bench run's self-check failed; 2 for a wrong command line; 3 for input unusable as a whole; 130
and 143 on SIGINT and SIGTERM (`cookbook.runner.stopping`); 141 when standard output's reader went
away. Each failure writes one line to stderr and never a traceback: they are expected conditions.
"""

import argparse
import errno
import io
import os
import sys
from collections.abc import Sequence
from typing import IO, NoReturn, TextIO

from cookbook.runner import protocol, stopping
from cookbook.runner.registry import TABLES, implementation

USAGE = "python -m cookbook.runner --variant {asyncio,threads,rust} {list,run,bench}"
OUTPUT_CLOSED = 128 + 13  # as a shell reports a process that SIGPIPE ended


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's own report is a usage block plus an error line; the contract wants one line.
        self.exit(2, f"usage: {USAGE} ({message})\n")


def main(argv: Sequence[str] | None = None) -> int:
    stopping.install()
    parser = _Parser(prog="python -m cookbook.runner", usage=USAGE, description=__doc__)
    parser.add_argument("--variant", required=True, choices=sorted(TABLES))
    parser.add_argument("command", choices=["list", "run", "bench"])
    args = parser.parse_args(argv)
    impl = implementation(args.variant)
    out = _output()
    try:
        if args.command == "list":
            protocol.write(out, protocol.describe(impl))
        elif args.command == "run":
            protocol.serve(impl, protocol.lines(_input()), out)
        else:
            protocol.write(out, protocol.bench(impl, protocol.lines(_input())))
    except protocol.Unusable as error:
        stopping.report(str(error))
        return 3
    except protocol.SelfCheckFailed as error:
        stopping.report(f"bench self-check failed: {error}")
        return 1
    except stopping.Stopped as stopped:
        stopping.report(str(stopped))
        return stopped.exit_code
    except BrokenPipeError:
        stopping.report("standard output was closed")
        _discard_output()
        return OUTPUT_CLOSED
    return 0


def _input() -> IO[bytes]:
    # Started with its standard input closed (`0<&-`), the interpreter has no sys.stdin: that
    # is no input at all.
    return io.BytesIO() if sys.stdin is None else sys.stdin.buffer


def _output() -> TextIO:
    # Started with its standard output closed, likewise: any answer then finds no reader.
    return _Closed() if sys.stdout is None else sys.stdout


class _Closed(io.StringIO):
    """A standard output that was closed before the runner started."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "standard output is closed")


def _discard_output() -> None:
    # The interpreter flushes sys.stdout on its way out, which would fail again on what the failed
    # write left in its buffer ("Exception ignored ... BrokenPipeError"): standard output goes to
    # /dev/null instead, as the documentation of `signal` advises for SIGPIPE.
    if sys.stdout is not None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
