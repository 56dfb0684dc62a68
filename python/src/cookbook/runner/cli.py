"""The command line: `--variant asyncio|threads` and one of `list`, `run`, `bench`.

Exit codes (docs/contract.md): 0 when every request was answered, invalid cases included; 1 when
a bench run's self-check failed; 2 for a wrong command line; 3 for input unusable as a whole. Each
failure writes one line to stderr and never a traceback: bad input is an expected condition.
"""

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from cookbook.runner import protocol
from cookbook.runner.registry import TABLES, implementation

USAGE = "python -m cookbook.runner --variant {asyncio,threads,rust} {list,run,bench}"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's own report is a usage block plus an error line; the contract wants one line.
        self.exit(2, f"usage: {USAGE} ({message})\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="python -m cookbook.runner", usage=USAGE, description=__doc__)
    parser.add_argument("--variant", required=True, choices=sorted(TABLES))
    parser.add_argument("command", choices=["list", "run", "bench"])
    args = parser.parse_args(argv)
    impl = implementation(args.variant)
    try:
        if args.command == "list":
            protocol.write(sys.stdout, protocol.describe(impl))
        elif args.command == "run":
            protocol.serve(impl, sys.stdin.buffer, sys.stdout)
        else:
            protocol.write(sys.stdout, protocol.bench(impl, sys.stdin.buffer))
    except protocol.Unusable as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    except protocol.SelfCheckFailed as error:
        print(f"error: bench self-check failed: {error}", file=sys.stderr)
        return 1
    return 0
