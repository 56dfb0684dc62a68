"""The runner protocol (docs/contract.md): requests in, answers out, for any pattern.

A pattern plugs in as a `Pattern`: a validator, a run function, and a bench input builder with its
bench function. A benchmark-only workload (docs/benchmarks.md) plugs in as a `Benchmark`, which
has the bench half alone. This module does everything else: reading lines, decoding them, skips,
error answers, repeats. The command line (`cli`) turns the outcome into an exit code.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, count
from typing import IO, Any, Generic, NoReturn, NotRequired, TextIO, TypedDict, TypeVar

from cookbook.runner import stopping
from cookbook.runner.fields import FieldError, Fields, LongInteger, kind
from cookbook.runner.observe import Observed

PROTOCOL = 1
MAX_BENCH_SIZE = 10_000_000
MAX_REPEAT = 1_000
MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest line, not counting its line end (docs/contract.md, "What a line is")."""
MAX_DEPTH = 64
"""The deepest nesting of arrays and objects, the request object being depth 1."""

In = TypeVar("In")  # the input a pattern's validator builds
BenchIn = TypeVar("BenchIn")  # the input a benchmark-only workload's `size` and `params` build


class Unusable(Exception):
    """The input is unusable as a whole (exit 3): the message is `line N: <what is wrong>`."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")


class SelfCheckFailed(Exception):
    """A bench run's own answer is wrong (exit 1)."""


class Ran(TypedDict):
    """What one `run` produced: the pattern's output and what the recorder observed."""

    output: dict[str, Any]
    observed: Observed


class Measured(TypedDict):
    """One timed bench run: the measured region's length and the pattern's `check` of its answer;
    for a workload that starts tasks, also the time until the last one was started."""

    elapsedNs: int
    check: dict[str, Any]
    launchNs: NotRequired[int]


@dataclass(frozen=True)
class Pattern(Generic[In]):
    """One pattern, as a variant implements it. Every callable raises `FieldError` on bad input."""

    validate: Callable[[Fields], In]
    """Build the run input from the request's `input`, in the pattern's validation order."""
    run: Callable[[In], Ran]
    """Run one case, observed."""
    bench_input: Callable[[int, Fields], In]
    """Build the benchmark input from `size` and `params`."""
    bench: Callable[[In], Measured]
    """Run the benchmark input once, timed and not observed; raise `SelfCheckFailed` if wrong."""


def unavailable(field: str, reason: str) -> Pattern[NoReturn]:
    """A pattern that a variant lists without implementing it, so that `list` reports the reason
    of each of its cases from skips.json, as the harness expects of a runner that skips cases. A
    request that is not skipped (a bench, a case the spec gained since) is refused at `field`, the
    first the pattern reads, before anything runs: `<field> <reason>`."""

    def refuse(*args: object) -> NoReturn:
        # `validate` gets the input's fields, `bench_input` the bench's `params` as well: the
        # path is the field's within whichever it was.
        fields = next((arg for arg in args if isinstance(arg, Fields)), None)
        path = fields.at(field) if fields is not None else field
        raise FieldError(path, f"{path} {reason}")

    return Pattern(validate=refuse, run=refuse, bench_input=refuse, bench=refuse)


@dataclass(frozen=True)
class Benchmark(Generic[BenchIn]):
    """A benchmark-only workload: `bench` measures it as it does a pattern, but it has no spec and
    no cases to `run`."""

    bench_input: Callable[[int, Fields], BenchIn]
    """Build the benchmark input from `size` and `params`; raise `FieldError` on bad input."""
    bench: Callable[[BenchIn], Measured]
    """Run the benchmark input once, timed; raise `SelfCheckFailed` if wrong."""


@dataclass(frozen=True)
class Implementation:
    """A runner's patterns and benchmark-only workloads, by slug, the cases it skips (pattern ->
    case id -> reason), and how to read the runtime settings that shape its figures."""

    name: str
    patterns: Mapping[str, Pattern[Any]]
    skips: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    benchmarks: Mapping[str, Benchmark[Any]] = field(default_factory=dict)
    runtime: Callable[[], Mapping[str, object]] | None = None


def describe(impl: Implementation) -> dict[str, Any]:
    """The answer to `list`; `benchmarks` and `runtime` only where the runner has them."""
    listing: dict[str, Any] = {
        "protocol": PROTOCOL,
        "implementation": impl.name,
        "patterns": {slug: {"skip": dict(impl.skips.get(slug, {}))} for slug in impl.patterns},
    }
    if impl.benchmarks:
        listing["benchmarks"] = list(impl.benchmarks)
    if impl.runtime is not None:
        listing["runtime"] = dict(impl.runtime())
    return listing


def lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of `stream` without their line ends: each ends at `\\n` alone, and loses one
    `\\r` right before it. Raises `Unusable` at a line longer than `MAX_LINE_BYTES`, having read
    no more of it than two bytes past that."""
    for number in count(1):
        # Room for a line of the longest length and its `\r\n`: whatever comes back without a
        # `\n` is either the last line or one too long, and the rest of a long one stays unread.
        chunk = stream.readline(MAX_LINE_BYTES + 2)
        if not chunk:
            return
        line = chunk.removesuffix(b"\n")
        if len(line) < len(chunk):
            line = line.removesuffix(b"\r")
        if len(line) > MAX_LINE_BYTES:
            raise Unusable(number, f"longer than {MAX_LINE_BYTES} bytes")
        yield line


def serve(impl: Implementation, lines: Iterable[bytes], out: TextIO) -> None:
    """Answer each `run` request line (see `lines`) in order, flushing each answer before reading
    on.

    Raises `Unusable` at the first unusable line; the lines before it stay answered.
    """
    for number, raw in enumerate(lines, start=1):
        if _blank(raw):
            continue
        request = _decode(raw, number)
        if not isinstance(request.get("id"), str):
            raise Unusable(number, f'"id" must be a string, got {kind(request.get("id"))}')
        _pattern(request, number, impl)
        if not isinstance(request.get("input"), dict):
            raise Unusable(number, f'"input" must be an object, got {kind(request.get("input"))}')
        write(out, answer(impl, request))


def answer(impl: Implementation, request: Mapping[str, Any]) -> dict[str, Any]:
    """The answer to one `run` request whose `id`, `pattern` and `input` are usable."""
    case_id, slug = request["id"], request["pattern"]
    if case_id in impl.skips.get(slug, {}):
        return {"id": case_id, "status": "unsupported", "reason": impl.skips[slug][case_id]}
    pattern = impl.patterns[slug]
    try:
        ran = pattern.run(pattern.validate(Fields(request["input"])))
    except FieldError as error:
        return {"id": case_id, "status": "error", "error": _field_error(error)}
    return {"id": case_id, "status": "ok", "output": ran["output"], "observed": ran["observed"]}


def bench(impl: Implementation, lines: Iterable[bytes]) -> dict[str, Any]:
    """The answer to `bench`: one request line, run `repeat` times.

    Raises `Unusable` unless the input holds exactly one usable request, and `SelfCheckFailed` if
    a run's answer is wrong or differs from the first run's.
    """
    requests = [(number, raw) for number, raw in enumerate(lines, start=1) if not _blank(raw)]
    if not requests:
        raise Unusable(1, "expected one bench request, got none")
    if len(requests) > 1:
        raise Unusable(requests[1][0], "expected one bench request, got another")
    number, raw = requests[0]
    request = _decode(raw, number)
    slug = _pattern(request, number, impl, benchmarks=True)
    workload = impl.patterns.get(slug) or impl.benchmarks[slug]
    fields = Fields(request)
    try:
        size = fields.integer("size", 1, MAX_BENCH_SIZE)
        bench_input = workload.bench_input(size, fields.obj("params"))
        repeat = fields.integer("repeat", 1, MAX_REPEAT, default=1)
    except FieldError as error:
        return {"status": "error", "error": _field_error(error)}
    runs = [workload.bench(bench_input) for _ in range(repeat)]
    for index, run in enumerate(runs[1:], start=2):
        if run["check"] != runs[0]["check"]:
            raise SelfCheckFailed(f"run {index} answered {run['check']}, run 1 {runs[0]['check']}")
    reply: dict[str, Any] = {
        "status": "ok",
        "pattern": slug,
        "size": size,
        "elapsedNs": [run["elapsedNs"] for run in runs],
        "check": runs[0]["check"],
    }
    if "launchNs" in runs[0]:
        reply["launchNs"] = [run["launchNs"] for run in runs]
    return reply


def write(out: TextIO, reply: Mapping[str, Any]) -> None:
    """Write one answer line and flush it, so a reader waiting for it gets it now; a signal
    arriving meanwhile waits until the line is whole."""
    line = json.dumps(reply, separators=(",", ":")) + "\n"
    with stopping.writing():
        out.write(line)
        out.flush()


def _field_error(error: FieldError) -> dict[str, str]:
    return {"field": error.field, "message": error.message}


def _blank(line: bytes) -> bool:
    # Not `bytes.strip()`, which also strips \x0b and \x0c: the contract's blank is narrower.
    return not line.strip(b" \t\r")


class _NotIJson(ValueError):
    """JSON that `json` accepts and the contract does not (RFC 8259 strictly, and RFC 7493)."""


def _refuse_constant(name: str) -> NoReturn:
    raise _NotIJson(f"{name} is not JSON")


def _integer(digits: str) -> int | LongInteger:
    try:
        return int(digits)
    except ValueError:  # more digits than `int()` converts: see `LongInteger`
        return LongInteger(digits)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) < len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _NotIJson(f"an object holds the name {_shown(name)} twice")
            seen.add(name)
    return members


# Python's `json` reads a superset of JSON: the constants NaN and Infinity, a repeated name (the
# last one wins), lone surrogates, and integers without limit of length but for `int()`'s. The
# hooks refuse the first two and keep long integers as what they are; `_check_nesting` does the
# rest.
_DECODER = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_int=_integer, object_pairs_hook=_object
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_BOM = "\ufeff".encode()


def _decode(raw: bytes, number: int) -> dict[str, Any]:
    if raw.startswith(_BOM):
        raise Unusable(number, "starts with a byte order mark (U+FEFF), which is not JSON")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unusable(number, f"not UTF-8: {error.reason} at byte {error.start + 1}") from None
    try:
        request = _DECODER.decode(text)
    except _NotIJson as error:
        raise Unusable(number, str(error)) from None
    except json.JSONDecodeError as error:
        raise Unusable(number, f"not JSON: {error.msg} at character {error.pos + 1}") from None
    except RecursionError:
        # The decoder recurses once per level, and the interpreter's limit (1000 by default)
        # is far beyond the contract's.
        raise Unusable(number, f"nested deeper than {MAX_DEPTH}") from None
    _check_nesting(request, raw, number)
    if not isinstance(request, dict):
        raise Unusable(number, f"expected a JSON object, got {kind(request)}")
    return request


def _check_nesting(value: object, raw: bytes, number: int) -> None:
    """Refuse nesting deeper than `MAX_DEPTH` and a string holding a lone surrogate, which only
    a `\\u` escape can write (the line is UTF-8, which cannot). A line with no such escape and
    too few brackets to nest that deep is not walked at all."""
    if b"\\u" not in raw and raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise Unusable(number, f"{_shown(item)} holds a lone surrogate: not I-JSON")
            continue
        if isinstance(item, dict):
            children: Iterable[object] = chain(item, item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            raise Unusable(number, f"nested deeper than {MAX_DEPTH}")
        stack.extend((child, depth + 1) for child in children)


def _shown(text: str, most: int = 40) -> str:
    """`text` quoted as JSON, in ASCII, and cut short when long, for a message."""
    quoted = json.dumps(text)
    return quoted if len(quoted) <= most else quoted[: most - 4] + '..."'


def _pattern(
    request: Mapping[str, Any], number: int, impl: Implementation, benchmarks: bool = False
) -> str:
    """The request's `pattern`: one of the runner's patterns or, with `benchmarks`, also one of
    its benchmark-only workloads, which have no cases to `run`."""
    slug = request.get("pattern")
    if not isinstance(slug, str):
        raise Unusable(number, f'"pattern" must be a string, got {kind(slug)}')
    if slug in impl.patterns or (benchmarks and slug in impl.benchmarks):
        return slug
    if slug in impl.benchmarks:
        raise Unusable(number, f'"{slug}" is a benchmark of {impl.name}, with no cases to run')
    raise Unusable(number, f'pattern "{slug}" is not implemented by {impl.name}')
