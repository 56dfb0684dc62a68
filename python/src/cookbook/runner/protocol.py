"""The runner protocol (docs/contract.md): requests in, answers out, for any pattern.

A pattern plugs in as a `Pattern`: a validator, a run function, and a bench input builder with its
bench function. A benchmark-only workload (docs/benchmarks.md) plugs in as a `Benchmark`, which
has the bench half alone. This module does everything else: decoding lines, skips, error answers,
repeats and the exit codes.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, NotRequired, TextIO, TypedDict, TypeVar

from cookbook.runner.fields import FieldError, Fields, kind
from cookbook.runner.observe import Observed

PROTOCOL = 1
MAX_BENCH_SIZE = 10_000_000
MAX_REPEAT = 1_000

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


def serve(impl: Implementation, lines: Iterable[bytes], out: TextIO) -> None:
    """Answer each `run` request line in order, flushing each answer before reading on.

    Raises `Unusable` at the first unusable line; the lines before it stay answered.
    """
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
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
    requests = [(number, raw) for number, raw in enumerate(lines, start=1) if raw.strip()]
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
    """Write one answer line and flush it, so a reader waiting for it gets it now."""
    out.write(json.dumps(reply, separators=(",", ":")) + "\n")
    out.flush()


def _field_error(error: FieldError) -> dict[str, str]:
    return {"field": error.field, "message": error.message}


def _decode(raw: bytes, number: int) -> dict[str, Any]:
    try:
        request = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unusable(number, "not UTF-8") from None
    except (ValueError, RecursionError) as error:
        # ValueError covers malformed JSON and integers too long to convert; RecursionError,
        # arrays nested thousands deep.
        raise Unusable(number, f"not JSON ({error})") from None
    if not isinstance(request, dict):
        raise Unusable(number, f"expected a JSON object, got {kind(request)}")
    return request


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
