"""The bad-input corpus: inputs that every runner must answer alike, each with its expected exit
code and, per answer, the status and the field an error names.

`harness/corpus/bad-inputs.json` is the corpus as data, so that any tool can read it; this module
makes it (`python -m cookbook_harness corpus` rewrites it, and a test fails when the file and this
module disagree) and runs it. An entry's standard input is a list of pieces, each `{"text": s}`
or `{"hex": h}`, repeated `times` times (1 if absent), or `null` for a closed standard input.

Adding a pattern adds its own entries: one base input that is valid, and its fields with their
ranges, in `PATTERNS` below; the generic mutations (missing, of the wrong type, out of range,
numbers too large for any machine type) follow from the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ROOT, proc
from .runners import answer_lines, stack_trace

CORPUS = ROOT / "harness" / "corpus" / "bad-inputs.json"
MAX_LINE = 16 * 1024 * 1024
MAX_DEPTH = 64
HUGE_INTEGER = "1" + "0" * 5000


@dataclass(frozen=True)
class Answer:
    id: str
    status: str
    field: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.field is not None:
            out["field"] = self.field
        return out


@dataclass(frozen=True)
class Entry:
    name: str
    command: str  # "run" or "bench"
    stdin: tuple[dict[str, Any], ...] | None
    """Pieces of standard input; None: standard input is closed."""
    exit: int
    answers: tuple[Answer, ...] = ()
    """For `run`, every answer in order; for `bench`, the one answer (its id is "")."""
    line: int | None = None
    """For exit 3, the line that `error: line N:` names."""
    patterns: tuple[str, ...] = ()
    """The patterns the entry needs; an implementation that skips one of them whole is exempt."""
    alone: bool = False
    """Whether the entry needs a process of its own (it exits non-zero, or its input is odd as a
    whole); other `run` entries are answered together, one line each, in one batch."""

    def data(self) -> bytes | None:
        if self.stdin is None:
            return None
        out = bytearray()
        for piece in self.stdin:
            chunk = piece["text"].encode() if "text" in piece else bytes.fromhex(piece["hex"])
            out += chunk * piece.get("times", 1)
        return bytes(out)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "command": self.command,
            "stdin": None if self.stdin is None else list(self.stdin),
            "exit": self.exit,
        }
        if self.answers:
            out["answers"] = [a.as_json() for a in self.answers]
        if self.line is not None:
            out["line"] = self.line
        if self.patterns:
            out["patterns"] = list(self.patterns)
        if self.alone:
            out["alone"] = True
        return out


def entry_from_json(raw: dict[str, Any]) -> Entry:
    stdin = raw["stdin"]
    return Entry(
        name=raw["name"],
        command=raw["command"],
        stdin=None if stdin is None else tuple(stdin),
        exit=raw["exit"],
        answers=tuple(Answer(a["id"], a["status"], a.get("field")) for a in raw.get("answers", ())),
        line=raw.get("line"),
        patterns=tuple(raw.get("patterns", ())),
        alone=raw.get("alone", False),
    )


def load(path: Path = CORPUS) -> list[Entry]:
    return [entry_from_json(e) for e in json.loads(path.read_text(encoding="utf-8"))["entries"]]


def write(path: Path = CORPUS) -> int:
    entries = list(generate())
    doc = {
        "about": (
            "Bad inputs that every runner must answer alike; made by "
            "harness/src/cookbook_harness/corpus.py (`just corpus`). Each stdin is a list of "
            "pieces, text or hex, repeated `times` times; null means standard input is closed."
        ),
        "entries": [e.as_json() for e in entries],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    return len(entries)


# --- making the corpus ---------------------------------------------------------------------------


def text(s: str, times: int = 1) -> dict[str, Any]:
    return {"text": s} if times == 1 else {"text": s, "times": times}


def raw(b: bytes) -> dict[str, Any]:
    return {"hex": b.hex()}


def request(pattern: str, case_id: str, inp: Any) -> str:
    return json.dumps({"pattern": pattern, "id": case_id, "input": inp}, separators=(",", ":"))


GOOD_INPUT = {"workers": 1, "jobs": []}
GOOD = request("worker-pool", "first", GOOD_INPUT)
FIRST = Answer("first", "ok")


def unusable(name: str, line: list[dict[str, Any]]) -> Entry:
    """A good request, then `line`, which is unusable: the first is answered, then exit 3."""
    pieces = (text(GOOD + "\n"), *line, text("\n"))
    return Entry(f"run/{name}", "run", pieces, 3, (FIRST,), line=2, alone=True)


def usable(name: str, line: list[dict[str, Any]], answer: Answer, alone: bool = False) -> Entry:
    """A line that is odd but usable: it is answered."""
    return Entry(f"run/{name}", "run", (*line, text("\n")), 0, (answer,), alone=alone)


# Lines that are not JSON, or not JSON as the contract reads it: each is unusable (exit 3).
NOT_JSON: dict[str, bytes] = {
    "plain-text": b"this is not json",
    "open-brace": b"{",
    "close-brace": b"}",
    "truncated-object": b'{"pattern":"worker-pool","id":"x","input":{"workers":1,',
    "truncated-string": b'{"pattern":"worker-pool","id":"x',
    "trailing-comma-object": b'{"pattern":"worker-pool","id":"x","input":{},}',
    "trailing-comma-array": b'{"pattern":"worker-pool","id":"x","input":{"jobs":[1,]}}',
    "single-quotes": b"{'pattern':'worker-pool','id':'x','input':{}}",
    "unquoted-name": b'{pattern:"worker-pool","id":"x","input":{}}',
    "nan": b'{"pattern":"worker-pool","id":"x","input":{"workers":NaN}}',
    "infinity": b'{"pattern":"worker-pool","id":"x","input":{"workers":Infinity}}',
    "minus-infinity": b'{"pattern":"worker-pool","id":"x","input":{"workers":-Infinity}}',
    "bare-nan": b"NaN",
    "leading-zero": b'{"pattern":"worker-pool","id":"x","input":{"workers":01}}',
    "leading-plus": b'{"pattern":"worker-pool","id":"x","input":{"workers":+1}}',
    "trailing-dot": b'{"pattern":"worker-pool","id":"x","input":{"workers":1.}}',
    "leading-dot": b'{"pattern":"worker-pool","id":"x","input":{"workers":.5}}',
    "hex-number": b'{"pattern":"worker-pool","id":"x","input":{"workers":0x10}}',
    "empty-exponent": b'{"pattern":"worker-pool","id":"x","input":{"workers":1e}}',
    "python-true": b'{"pattern":"worker-pool","id":"x","input":{"x":True}}',
    "python-none": b'{"pattern":"worker-pool","id":"x","input":{"x":None}}',
    "undefined": b'{"pattern":"worker-pool","id":"x","input":{"x":undefined}}',
    "misspelt-true": b'{"pattern":"worker-pool","id":"x","input":{"x":tru}}',
    "line-comment": b'{"pattern":"worker-pool","id":"x","input":{}} // why',
    "block-comment": b'{"pattern":"worker-pool",/* why */"id":"x","input":{}}',
    "two-values": b'{"pattern":"worker-pool","id":"x","input":{}} {"id":"y"}',
    "trailing-garbage": b'{"pattern":"worker-pool","id":"x","input":{}}x',
    "raw-tab-in-string": b'{"pattern":"worker-pool","id":"a\tb","input":{}}',
    "raw-nul-in-string": b'{"pattern":"worker-pool","id":"a\x00b","input":{}}',
    "raw-control-in-string": b'{"pattern":"worker-pool","id":"a\x1fb","input":{}}',
    "nul-outside-strings": b'{"pattern":"worker-pool","id":"x","input":{}}\x00',
    "form-feed-line": b"\x0c",
    "vertical-tab-line": b"\x0b",
    "nbsp-between-tokens": '{"pattern":"worker-pool",\u00a0"id":"x","input":{}}'.encode(),
    "bad-escape": b'{"pattern":"worker-pool","id":"\\x41","input":{}}',
    "short-unicode-escape": b'{"pattern":"worker-pool","id":"\\u12","input":{}}',
    "lone-high-surrogate": b'{"pattern":"worker-pool","id":"\\ud800","input":{}}',
    "lone-low-surrogate": b'{"pattern":"worker-pool","id":"\\udc00","input":{}}',
    "high-surrogate-then-letter": b'{"pattern":"worker-pool","id":"\\ud800A","input":{}}',
    "high-surrogate-then-escape": b'{"pattern":"worker-pool","id":"\\ud800\\u0041","input":{}}',
    "two-high-surrogates": b'{"pattern":"worker-pool","id":"\\ud800\\ud800","input":{}}',
    "lone-surrogate-deep": b'{"pattern":"worker-pool","id":"x","input":{"a":[{"b":"\\udfff"}]}}',
    "byte-order-mark": b'\xef\xbb\xbf{"pattern":"worker-pool","id":"x","input":{}}',
    "invalid-utf8-byte": b'{"pattern":"worker-pool","id":"\xff","input":{}}',
    "invalid-utf8-outside-strings": b'{"pattern":"worker-pool","id":"x","input":{}}\xfe',
    "overlong-utf8": b'{"pattern":"worker-pool","id":"\xc0\xaf","input":{}}',
    "overlong-nul": b'{"pattern":"worker-pool","id":"\xc0\x80","input":{}}',
    "encoded-surrogate": b'{"pattern":"worker-pool","id":"\xed\xa0\x80","input":{}}',
    "above-max-code-point": b'{"pattern":"worker-pool","id":"\xf4\x90\x80\x80","input":{}}',
    "truncated-utf8": b'{"pattern":"worker-pool","id":"\xe2\x82","input":{}}',
    "continuation-byte-alone": b'{"pattern":"worker-pool","id":"\x80","input":{}}',
    "latin1-text": b'{"pattern":"worker-pool","id":"caf\xe9","input":{}}',
    "utf16-text": '{"id":"x"}'.encode("utf-16-le"),
    "duplicate-id": b'{"pattern":"worker-pool","id":"x","id":"y","input":{}}',
    "duplicate-pattern": b'{"pattern":"worker-pool","pattern":"fan-in","id":"x","input":{}}',
    "duplicate-input": (
        b'{"pattern":"worker-pool","id":"x","input":{"workers":1,"jobs":[]},"input":{}}'
    ),
    "duplicate-in-input": b'{"pattern":"worker-pool","id":"x","input":{"workers":1,"workers":2}}',
    "duplicate-deep": (
        b'{"pattern":"worker-pool","id":"x","input":{"workers":1,"jobs":[{"id":1,"id":2}]}}'
    ),
    "duplicate-unknown-field": b'{"pattern":"worker-pool","id":"x","input":{},"z":1,"z":1}',
    "duplicate-by-escape": b'{"pattern":"worker-pool","id":"x","i\\u0064":"y","input":{}}',
}

# Lines that are JSON but not a usable request.
NOT_A_REQUEST: dict[str, str] = {
    "array": "[1, 2, 3]",
    "empty-array": "[]",
    "number": "42",
    "string": '"worker-pool"',
    "null": "null",
    "true": "true",
    "empty-object": "{}",
    "id-missing": '{"pattern":"worker-pool","input":{}}',
    "id-number": '{"pattern":"worker-pool","id":7,"input":{}}',
    "id-null": '{"pattern":"worker-pool","id":null,"input":{}}',
    "id-array": '{"pattern":"worker-pool","id":["x"],"input":{}}',
    "id-object": '{"pattern":"worker-pool","id":{},"input":{}}',
    "pattern-missing": '{"id":"x","input":{}}',
    "pattern-number": '{"pattern":1,"id":"x","input":{}}',
    "pattern-null": '{"pattern":null,"id":"x","input":{}}',
    "pattern-unknown": '{"pattern":"no-such-pattern","id":"x","input":{}}',
    "pattern-empty": '{"pattern":"","id":"x","input":{}}',
    "pattern-wrong-case": '{"pattern":"Worker-Pool","id":"x","input":{}}',
    "pattern-snake-case": '{"pattern":"worker_pool","id":"x","input":{}}',
    "pattern-is-a-benchmark": '{"pattern":"many-tasks","id":"x","input":{}}',
    "input-missing": '{"pattern":"worker-pool","id":"x"}',
    "input-null": '{"pattern":"worker-pool","id":"x","input":null}',
    "input-array": '{"pattern":"worker-pool","id":"x","input":[]}',
    "input-string": '{"pattern":"worker-pool","id":"x","input":"{}"}',
    "input-number": '{"pattern":"worker-pool","id":"x","input":1}',
    "id-and-pattern-wrong": '{"pattern":"no-such-pattern","id":7,"input":{}}',
    "pattern-and-input-wrong": '{"pattern":"no-such-pattern","id":"x","input":[]}',
}


def nested(depth: int) -> list[dict[str, Any]]:
    """A request whose deepest array is at `depth`, the request object being depth 1: the input
    is depth 2 and holds the arrays in a field the worker pool does not read."""
    arrays = depth - 2
    return [
        text('{"pattern":"worker-pool","id":"deep","input":{"workers":1,"jobs":[],"x":'),
        text("[", arrays),
        text("]", arrays),
        text("}}"),
    ]


def wire() -> Iterator[Entry]:
    for name, line in NOT_JSON.items():
        yield unusable(f"not-json/{name}", [raw(line)])
    for name, line_text in NOT_A_REQUEST.items():
        yield unusable(f"not-a-request/{name}", [text(line_text)])
    yield unusable(f"too-deep/{MAX_DEPTH + 1}", nested(MAX_DEPTH + 1))
    yield unusable("too-deep/1000", nested(1000))
    yield unusable("too-deep/100000", nested(100_000))
    yield unusable("too-deep/objects", [text('{"a":', 70), text("1"), text("}", 70)])
    yield usable(f"deep/{MAX_DEPTH}", nested(MAX_DEPTH), Answer("deep", "ok"))
    # The longest line there may be is usable; one byte more is not, however valid its JSON.
    long_line = '{"pattern":"worker-pool","id":"long","input":{"workers":1,"jobs":[]},"p":"'
    filler = MAX_LINE - len(long_line) - len('"}')
    yield usable(
        "long-line/at-the-limit",
        [text(long_line), text("x", filler), text('"}')],
        Answer("long", "ok"),
        alone=True,
    )
    yield unusable("long-line/one-byte-over", [text(long_line), text("x", filler + 1), text('"}')])
    yield unusable("long-line/spaces-over", [text(GOOD), text(" ", MAX_LINE)])
    yield unusable("long-line/no-end", [text("x", MAX_LINE + 10)])

    # Line ends and blank lines.
    yield Entry(
        "run/crlf-line-ends",
        "run",
        (text(GOOD + "\r\n" + request("worker-pool", "second", GOOD_INPUT) + "\r\n"),),
        0,
        (FIRST, Answer("second", "ok")),
    )
    yield usable(
        "lone-cr-is-whitespace",
        [text('{"pattern":"worker-pool",\r"id":"cr","input":\r{"workers":1,"jobs":[]}}')],
        Answer("cr", "ok"),
    )
    yield Entry(
        "run/blank-lines-counted",
        "run",
        (text("\n \n\t\n\r\n" + GOOD + "\n\n" + "nope\n"),),
        3,
        (FIRST,),
        line=7,
        alone=True,
    )
    yield Entry(
        "run/only-blank-lines",
        "run",
        (text("\n  \n\t\t\n\r\n \r\n"),),
        0,
        alone=True,
    )
    yield Entry("run/empty-stdin", "run", (), 0, alone=True)
    yield Entry("run/closed-stdin", "run", None, 0, alone=True)
    yield Entry(
        "run/no-final-newline",
        "run",
        (text(GOOD + "\n" + request("worker-pool", "last", GOOD_INPUT)),),
        0,
        (FIRST, Answer("last", "ok")),
        alone=True,
    )
    yield Entry(
        "run/unusable-third-line",
        "run",
        (text(GOOD + "\n" + request("worker-pool", "second", GOOD_INPUT) + "\n[]\n" + GOOD),),
        3,
        (FIRST, Answer("second", "ok")),
        line=3,
        alone=True,
    )
    yield Entry(
        "run/unusable-first-line", "run", (text("nope\n" + GOOD + "\n"),), 3, line=1, alone=True
    )

    # Ids come back exactly as they were sent.
    odd_ids = {
        "line-separator": "a\u2028b",
        "paragraph-separator": "a\u2029b",
        "next-line": "a\u0085b",
        "lone-cr-escaped": "a\rb",
        "escaped-nul": "a\u0000b",
        "emoji": "\U0001f600",
        "escaped-pair": "\U0001f600-pair",
        "empty": "",
        "prototype-constructor": "constructor",
        "prototype-to-string": "toString",
        "prototype-proto": "__proto__",
        "prototype-has-own-property": "hasOwnProperty",
        "value-of": "valueOf",
        "quote-and-backslash": 'a"b\\c',
        "rtl-and-combining": "\u05d0\u0301e\u0301",
    }
    for name, case_id in odd_ids.items():
        # ensure_ascii=False keeps U+2028 raw in the line, as JSON allows; escapes stay for the
        # characters that must be escaped.
        line_text = json.dumps(
            {"pattern": "worker-pool", "id": case_id, "input": GOOD_INPUT}, ensure_ascii=False
        )
        yield usable(f"id/{name}", [text(line_text)], Answer(case_id, "ok"))
    yield usable(
        "id/long",
        [
            text('{"pattern":"worker-pool","id":"'),
            text("i", 20_000),
            text('","input":{"workers":1,"jobs":[]}}'),
        ],
        Answer("i" * 20_000, "ok"),
    )
    yield usable(
        "id/escaped-forms",
        [
            text(
                '{"pattern":"worker-pool","id":"\\u0041\\/\\ud83d\\ude00","input":{"workers":1,"jobs":[]}}'
            )
        ],
        Answer("A/\U0001f600", "ok"),
    )
    # Names in the input that are Object.prototype's own.
    yield usable(
        "input/prototype-names",
        [
            text(
                '{"pattern":"worker-pool","id":"proto-input","input":{"workers":1,"jobs":[],'
                '"__proto__":{"workers":0},"constructor":1,"toString":"x"}}'
            )
        ],
        Answer("proto-input", "ok"),
    )
    yield usable(
        "input/proto-as-workers",
        [
            text(
                '{"pattern":"worker-pool","id":"proto-workers","input":{"__proto__":{"workers":2},"jobs":[]}}'
            )
        ],
        Answer("proto-workers", "error", "workers"),
    )
    # Numbers of any size parse; where they are not read, they are ignored.
    for name, number in {
        "huge-exponent": "1e400",
        "tiny-exponent": "1e-400",
        "negative-huge": "-1e400",
        "long-integer": HUGE_INTEGER,
        "long-fraction": "0.3" + HUGE_INTEGER,
        "big-negative-integer": "-" + HUGE_INTEGER,
        "minus-zero": "-0",
        "exponent-uppercase": "1E+2",
    }.items():
        yield usable(
            f"unread-number/{name}",
            list(
                pieces(f'{{"pattern":"worker-pool","id":"n","input":{{"x":{number},"workers":1}}}}')
            ),
            Answer("n", "error", "jobs"),
        )


# Per pattern: a valid input, and its fields: (path, kind, low, high, required). A path is a list
# of keys and indices into the input.
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    path: Path_
    kind: str  # "integer", "boolean", "array", "object", "string", "choice" (one of some strings)
    low: int = 0
    high: int = 0
    required: bool = True


@dataclass(frozen=True)
class PatternFields:
    pattern: str
    base: dict[str, Any]
    fields: tuple[Field, ...]
    bench_params: dict[str, Any] = field(default_factory=dict)
    bench_fields: tuple[Field, ...] = ()


MAX_SAFE = 2**53 - 1

PATTERNS: tuple[PatternFields, ...] = (
    PatternFields(
        "worker-pool",
        {"workers": 2, "jobs": [{"id": 0, "cost": 1, "sleepMs": 0, "fail": False}]},
        (
            Field(("workers",), "integer", 1, 10_000),
            Field(("jobs",), "array"),
            Field(("jobs", 0), "object"),
            Field(("jobs", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("jobs", 0, "cost"), "integer", 0, 100_000_000, False),
            Field(("jobs", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("jobs", 0, "fail"), "boolean", required=False),
        ),
        {"workers": 2, "cost": 1, "sleepMs": 0},
        (
            Field(("workers",), "integer", 1, 10_000),
            Field(("cost",), "integer", 0, 100_000_000, False),
            Field(("sleepMs",), "integer", 0, 60_000, False),
        ),
    ),
    PatternFields(
        "fan-in",
        {"op": "merge", "sources": [[0, 1], [2]]},
        (
            Field(("op",), "choice"),
            Field(("sources",), "array"),
            Field(("sources", 0), "array"),
            Field(("sources", 0, 1), "integer", 0, 60_000),
        ),
        {"op": "merge", "sources": 2},
        (Field(("op",), "choice"), Field(("sources",), "integer", 1, 1000)),
    ),
    PatternFields(
        "fan-in",
        {
            "op": "scatter-gather",
            "limit": 2,
            "failFast": False,
            "items": [{"cost": 1, "sleepMs": 0}],
        },
        (
            Field(("limit",), "integer", 1, 10_000),
            Field(("failFast",), "boolean", required=False),
            Field(("items",), "array"),
            Field(("items", 0), "object"),
            Field(("items", 0, "cost"), "integer", 0, 100_000_000, False),
            Field(("items", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("items", 0, "fail"), "boolean", required=False),
        ),
    ),
    PatternFields(
        "rwlock-cache",
        {
            "readHoldMs": 0,
            "writeHoldMs": 0,
            "computeMs": 0,
            "computeCost": 1,
            "clients": [[{"op": "set", "key": 1, "value": "v"}, {"op": "sleep", "ms": 0}]],
        },
        (
            Field(("readHoldMs",), "integer", 0, 10_000, False),
            Field(("writeHoldMs",), "integer", 0, 10_000, False),
            Field(("computeMs",), "integer", 0, 60_000, False),
            Field(("computeCost",), "integer", 0, 100_000_000, False),
            Field(("clients",), "array"),
            Field(("clients", 0), "array"),
            Field(("clients", 0, 0), "object"),
            Field(("clients", 0, 0, "op"), "choice"),
            Field(("clients", 0, 0, "key"), "integer", 0, MAX_SAFE),
            Field(("clients", 0, 0, "value"), "string"),
            Field(("clients", 0, 1, "ms"), "integer", 0, 60_000),
        ),
        {"clients": 2, "readPercent": 90, "keys": 8},
        (
            Field(("clients",), "integer", 1, 1000),
            Field(("readPercent",), "integer", 0, 100),
            Field(("keys",), "integer", 1, MAX_SAFE),
        ),
    ),
    PatternFields(
        "token-bucket",
        {
            "mode": "decide",
            "refill": {"tokens": 1, "everyMs": 10},
            "burst": 2,
            "arrivalsMs": [0, 5],
        },
        (
            Field(("mode",), "choice"),
            Field(("refill",), "object"),
            Field(("refill", "tokens"), "integer", 1, 1_000_000),
            Field(("refill", "everyMs"), "integer", 1, 86_400_000),
            Field(("burst",), "integer", 1, 1_000_000),
            Field(("arrivalsMs",), "array"),
            Field(("arrivalsMs", 1), "integer", 0, MAX_SAFE),
        ),
        {"refill": {"tokens": 1, "everyMs": 2}, "burst": 10},
        (
            Field(("refill",), "object"),
            Field(("refill", "tokens"), "integer", 1, 1_000_000),
            Field(("refill", "everyMs"), "integer", 1, 86_400_000),
            Field(("burst",), "integer", 1, 1_000_000),
        ),
    ),
    PatternFields(
        "token-bucket",
        {
            "mode": "live",
            "refill": {"tokens": 1, "everyMs": 1},
            "burst": 1,
            "callers": 1,
            "requestsPerCaller": 0,
        },
        (
            Field(("callers",), "integer", 1, 1000),
            Field(("requestsPerCaller",), "integer", 0, 10_000),
        ),
    ),
    PatternFields(
        "sliding-window",
        {"mode": "decide", "limit": 2, "windowMs": 10, "arrivalsMs": [0, 5]},
        (
            Field(("mode",), "choice"),
            Field(("limit",), "integer", 1, 1_000_000),
            Field(("windowMs",), "integer", 1, 86_400_000),
            Field(("arrivalsMs",), "array"),
            Field(("arrivalsMs", 1), "integer", 0, MAX_SAFE),
        ),
        {"limit": 10, "windowMs": 100},
        (
            Field(("limit",), "integer", 1, 1_000_000),
            Field(("windowMs",), "integer", 1, 86_400_000),
        ),
    ),
    PatternFields(
        "sliding-window",
        {"mode": "live", "limit": 1, "windowMs": 1, "callers": 1, "requestsPerCaller": 0},
        (
            Field(("callers",), "integer", 1, 1000),
            Field(("requestsPerCaller",), "integer", 0, 10_000),
        ),
    ),
    PatternFields(
        "producer-consumer",
        {
            "capacity": 2,
            "discipline": "fifo",
            "consumers": 1,
            "producers": [
                {"items": [{"id": 0, "delayMs": 0, "cost": 1, "sleepMs": 0, "fail": False}]}
            ],
        },
        (
            Field(("capacity",), "integer", 1, 10_000),
            Field(("discipline",), "choice", required=False),
            Field(("consumers",), "integer", 1, 1000),
            Field(("producers",), "array"),
            Field(("producers", 0), "object"),
            Field(("producers", 0, "items"), "array"),
            Field(("producers", 0, "items", 0), "object"),
            Field(("producers", 0, "items", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("producers", 0, "items", 0, "delayMs"), "integer", 0, 60_000, False),
            Field(("producers", 0, "items", 0, "cost"), "integer", 0, 100_000_000, False),
            Field(("producers", 0, "items", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("producers", 0, "items", 0, "fail"), "boolean", required=False),
        ),
        {"producers": 1, "consumers": 2, "capacity": 4, "cost": 1},
        (
            Field(("producers",), "integer", 1, 1000),
            Field(("consumers",), "integer", 1, 1000),
            Field(("capacity",), "integer", 1, 10_000),
            Field(("cost",), "integer", 0, 100_000_000),
        ),
    ),
    PatternFields(
        "pipeline",
        {
            "stages": [{"workers": 1, "capacity": 1, "cost": 1, "sleepMs": 0}],
            "items": [{"id": 0, "sleepMs": 0, "failAt": 0}],
            "ordered": False,
        },
        (
            Field(("stages",), "array"),
            Field(("stages", 0), "object"),
            Field(("stages", 0, "workers"), "integer", 1, 1000),
            Field(("stages", 0, "capacity"), "integer", 1, 10_000),
            Field(("stages", 0, "cost"), "integer", 0, 100_000_000, False),
            Field(("stages", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("items",), "array"),
            Field(("items", 0), "object"),
            Field(("items", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("items", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("items", 0, "failAt"), "integer", 0, 0, False),
            Field(("ordered",), "boolean", required=False),
        ),
        {"stages": 2, "workers": 2, "capacity": 4, "cost": 1, "ordered": False},
        (
            Field(("stages",), "integer", 1, 16),
            Field(("workers",), "integer", 1, 1000),
            Field(("capacity",), "integer", 1, 10_000),
            Field(("cost",), "integer", 0, 100_000_000),
            Field(("ordered",), "boolean"),
        ),
    ),
    PatternFields(
        "priority-queue",
        {
            "workers": 1,
            "maxAttempts": 2,
            "jobs": [
                {"id": 0, "priority": 1, "arriveMs": 0, "cost": 1, "sleepMs": 0, "failAttempts": 1}
            ],
        },
        (
            Field(("workers",), "integer", 1, 1000),
            Field(("maxAttempts",), "integer", 1, 100),
            Field(("jobs",), "array"),
            Field(("jobs", 0), "object"),
            Field(("jobs", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("jobs", 0, "priority"), "integer", 0, 1_000_000),
            Field(("jobs", 0, "arriveMs"), "integer", 0, 60_000, False),
            Field(("jobs", 0, "cost"), "integer", 0, 100_000_000, False),
            Field(("jobs", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("jobs", 0, "failAttempts"), "integer", 0, 100, False),
        ),
        {"workers": 2, "cost": 1},
        (
            Field(("workers",), "integer", 1, 1000),
            Field(("cost",), "integer", 0, 100_000_000),
        ),
    ),
    PatternFields(
        "batching",
        {
            "mode": "decide",
            "maxSize": 2,
            "maxWaitMs": 10,
            "items": [{"id": 0, "atMs": 0}, {"id": 1, "atMs": 5}],
            "endMs": 5,
        },
        (
            Field(("mode",), "choice"),
            Field(("maxSize",), "integer", 1, 10_000),
            Field(("maxWaitMs",), "integer", 1, 60_000),
            Field(("items",), "array"),
            Field(("items", 1), "object"),
            Field(("items", 1, "id"), "integer", 1, MAX_SAFE),
            Field(("items", 1, "atMs"), "integer", 0, MAX_SAFE),
        ),
        {"maxSize": 4, "maxWaitMs": 5, "perMs": 2},
        (
            Field(("maxSize",), "integer", 1, 10_000),
            Field(("maxWaitMs",), "integer", 1, 60_000),
            Field(("perMs",), "integer", 1, 1_000_000),
        ),
    ),
    PatternFields(
        "pub-sub",
        {
            "policy": "lag",
            "bufferSize": 1,
            "subscribers": [{"id": 0, "topic": "t", "sleepMs": 0, "paused": False}],
            "script": [
                {"op": "subscribe", "subscriber": 0},
                {"op": "publish", "topic": "t", "id": 0},
            ],
        },
        (
            Field(("policy",), "choice"),
            Field(("bufferSize",), "integer", 1, 10_000),
            Field(("subscribers",), "array"),
            Field(("subscribers", 0), "object"),
            Field(("subscribers", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("subscribers", 0, "topic"), "string"),
            Field(("subscribers", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("subscribers", 0, "paused"), "boolean", required=False),
            Field(("script",), "array"),
            Field(("script", 1), "object"),
            Field(("script", 1, "op"), "choice"),
            Field(("script", 1, "topic"), "string"),
            Field(("script", 1, "id"), "integer", 0, MAX_SAFE),
        ),
        {"subscribers": 2, "bufferSize": 4},
        (
            Field(("subscribers",), "integer", 1, 1000),
            Field(("bufferSize",), "integer", 1, 10_000),
        ),
    ),
    PatternFields(
        "timeout",
        {
            "kind": "single",
            "deadlineMs": 1000,
            "innerDeadlineMs": 1000,
            "operations": [{"id": 0, "sleepMs": 0, "fail": False, "cleanupMs": 0}],
        },
        (
            Field(("kind",), "choice"),
            Field(("deadlineMs",), "integer", 1, 60_000),
            Field(("innerDeadlineMs",), "integer", 1, 60_000, False),
            Field(("operations",), "array"),
            Field(("operations", 0), "object"),
            Field(("operations", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("operations", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("operations", 0, "fail"), "boolean", required=False),
            Field(("operations", 0, "cleanupMs"), "integer", 0, 1000, False),
        ),
        {"deadlineMs": 1000},
        (Field(("deadlineMs",), "integer", 1, 60_000),),
    ),
    PatternFields(
        "retry",
        {
            "mode": "decide",
            "policy": {
                "baseMs": 1,
                "factor": 2,
                "capMs": 10,
                "maxAttempts": 3,
                "deadlineMs": 100,
                "jitter": "full",
                "seed": 1,
            },
            "attemptMs": 0,
            "outcomes": ["retryable", "ok"],
            "fallback": False,
        },
        (
            Field(("mode",), "choice"),
            Field(("policy",), "object"),
            Field(("policy", "baseMs"), "integer", 0, 60_000),
            Field(("policy", "factor"), "integer", 1, 10),
            Field(("policy", "capMs"), "integer", 0, 600_000),
            Field(("policy", "maxAttempts"), "integer", 1, 100),
            Field(("policy", "deadlineMs"), "integer", 0, 600_000, False),
            Field(("policy", "jitter"), "choice"),
            Field(("policy", "seed"), "integer", 0, MAX_SAFE, False),
            Field(("attemptMs",), "integer", 0, 60_000, False),
            Field(("outcomes",), "array"),
            Field(("outcomes", 1), "choice"),
            Field(("fallback",), "boolean", required=False),
        ),
        {"maxAttempts": 3, "jitter": "equal"},
        (Field(("maxAttempts",), "integer", 1, 100), Field(("jitter",), "choice")),
    ),
    PatternFields(
        "first-completed",
        {
            "mode": "hedge",
            "operations": [{"id": 0, "sleepMs": 0, "fail": False}, {"id": 1}],
            "hedgeAfterMs": 10,
        },
        (
            Field(("mode",), "choice"),
            Field(("operations",), "array"),
            Field(("operations", 0), "object"),
            Field(("operations", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("operations", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("operations", 0, "fail"), "boolean", required=False),
            Field(("hedgeAfterMs",), "integer", 1, 60_000),
        ),
        {"operations": 2},
        (Field(("operations",), "integer", 1, 1000),),
    ),
    PatternFields(
        "error-group",
        {
            "policy": "fail-fast",
            "limit": 2,
            "tasks": [
                {"id": 0, "sleepMs": 0, "fail": False},
                {"id": 1, "group": {"policy": "collect-all", "limit": 1, "tasks": [{"id": 2}]}},
            ],
        },
        (
            Field(("policy",), "choice"),
            Field(("limit",), "integer", 1, 1000, False),
            Field(("tasks",), "array"),
            Field(("tasks", 0), "object"),
            Field(("tasks", 0, "id"), "integer", 0, MAX_SAFE),
            Field(("tasks", 0, "sleepMs"), "integer", 0, 60_000, False),
            Field(("tasks", 0, "fail"), "boolean", required=False),
            Field(("tasks", 1, "group"), "object", required=False),
            Field(("tasks", 1, "group", "policy"), "choice"),
            Field(("tasks", 1, "group", "tasks"), "array"),
        ),
        {"limit": 4},
        (Field(("limit",), "integer", 1, 1000),),
    ),
    PatternFields(
        "throttle",
        {
            "mode": "decide",
            "intervalMs": 10,
            "leading": True,
            "trailing": True,
            "arrivalsMs": [0, 5],
        },
        (
            Field(("mode",), "choice"),
            Field(("intervalMs",), "integer", 1, 60_000),
            Field(("leading",), "boolean", required=False),
            Field(("trailing",), "boolean", required=False),
            Field(("arrivalsMs",), "array"),
            Field(("arrivalsMs", 1), "integer", 0, MAX_SAFE),
        ),
        {"intervalMs": 5, "perMs": 2, "leading": True, "trailing": False},
        (
            Field(("intervalMs",), "integer", 1, 60_000),
            Field(("perMs",), "integer", 1, 1_000_000),
            Field(("leading",), "boolean"),
            Field(("trailing",), "boolean"),
        ),
    ),
    PatternFields(
        "throttle",
        {"mode": "live", "intervalMs": 1, "callers": 1, "callsPerCaller": 0, "gapMs": 0},
        (
            Field(("callers",), "integer", 1, 100),
            Field(("callsPerCaller",), "integer", 0, 1000),
            Field(("gapMs",), "integer", 0, 1000),
        ),
    ),
    PatternFields(
        "debounce",
        {"mode": "decide", "quietMs": 10, "maxWaitMs": 20, "arrivalsMs": [0, 5]},
        (
            Field(("mode",), "choice"),
            Field(("quietMs",), "integer", 1, 60_000),
            Field(("maxWaitMs",), "integer", 10, 600_000, False),
            Field(("arrivalsMs",), "array"),
            Field(("arrivalsMs", 1), "integer", 0, MAX_SAFE),
        ),
        {"quietMs": 3, "maxWaitMs": 20, "perMs": 1},
        (
            Field(("quietMs",), "integer", 1, 60_000),
            Field(("maxWaitMs",), "integer", 3, 600_000),
            Field(("perMs",), "integer", 1, 1_000_000),
        ),
    ),
    PatternFields(
        "debounce",
        {"mode": "live", "quietMs": 1, "arrivalsMs": [0], "runMs": 0, "failCalls": [0]},
        (
            Field(("arrivalsMs", 0), "integer", 0, 60_000),
            Field(("runMs",), "integer", 0, 1000, False),
            Field(("failCalls",), "array", required=False),
            Field(("failCalls", 0), "integer", 0, 0),
        ),
    ),
    PatternFields(
        "circuit-breaker",
        {
            "mode": "decide",
            "failureThreshold": 2,
            "windowMs": 10,
            "openMs": 10,
            "halfOpenProbes": 1,
            "calls": [{"atMs": 0, "outcome": "fail"}, {"atMs": 5, "outcome": "ok"}],
        },
        (
            Field(("mode",), "choice"),
            Field(("failureThreshold",), "integer", 1, 1000),
            Field(("windowMs",), "integer", 1, 600_000),
            Field(("openMs",), "integer", 1, 600_000),
            Field(("halfOpenProbes",), "integer", 1, 1000),
            Field(("calls",), "array"),
            Field(("calls", 1), "object"),
            Field(("calls", 1, "atMs"), "integer", 0, MAX_SAFE),
            Field(("calls", 1, "outcome"), "choice"),
        ),
        {"failureThreshold": 3, "windowMs": 50, "openMs": 20, "halfOpenProbes": 2},
        (
            Field(("failureThreshold",), "integer", 1, 1000),
            Field(("windowMs",), "integer", 1, 600_000),
            Field(("openMs",), "integer", 1, 600_000),
            Field(("halfOpenProbes",), "integer", 1, 1000),
        ),
    ),
    PatternFields(
        "circuit-breaker",
        {
            "mode": "live",
            "failureThreshold": 1,
            "windowMs": 1,
            "openMs": 1,
            "halfOpenProbes": 1,
            "callers": [[{"outcome": "ok", "runMs": 0, "gapMs": 0}]],
        },
        (
            Field(("callers",), "array"),
            Field(("callers", 0), "array"),
            Field(("callers", 0, 0), "object"),
            Field(("callers", 0, 0, "outcome"), "choice"),
            Field(("callers", 0, 0, "runMs"), "integer", 0, 1000),
            Field(("callers", 0, 0, "gapMs"), "integer", 0, 1000),
        ),
    ),
)

HUGE = object()
"""Stands for a number too large for any machine type, written out in the JSON text."""


def wrong_values(f: Field) -> dict[str, Any]:
    """Each value that must be refused at `f`, by name."""
    wrong: dict[str, Any] = {"null": None}
    if f.kind not in ("string", "choice"):
        wrong["string"] = "1"
    if f.kind != "boolean":
        wrong["boolean"] = True
    if f.kind != "array":
        wrong["array"] = []
    if f.kind != "object":
        wrong["object"] = {}
    if f.kind in ("string", "choice", "boolean"):
        wrong["number"] = 1
    if f.kind == "integer":
        wrong["fraction"] = f.low + 0.5
        wrong["below"] = f.low - 1
        wrong["above"] = f.high + 1
        wrong["far-above"] = f.high + 10**12
        wrong["huge-exponent"] = HUGE
        wrong["huge-integer"] = HUGE
        wrong["huge-negative"] = HUGE
    return wrong


HUGE_TEXT = {"huge-exponent": "1e400", "huge-integer": HUGE_INTEGER, "huge-negative": "-1e400"}


def path_text(path: Path_) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def mutate(base: Any, path: Path_, value: Any, remove: bool = False) -> Any:
    copy = json.loads(json.dumps(base))
    target = copy
    for step in path[:-1]:
        target = target[step]
    if remove:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


def pieces(line: str) -> tuple[dict[str, Any], ...]:
    """`line` as stdin pieces, each five-thousand-digit number kept as a repeated piece."""
    out: list[dict[str, Any]] = []
    parts = line.split(HUGE_INTEGER)
    for n, part in enumerate(parts):
        if part:
            out.append(text(part))
        if n < len(parts) - 1:
            out += [text("1"), text("0", len(HUGE_INTEGER) - 1)]
    return tuple(out)


def encode(inp: Any, marker: str | None) -> str:
    """`inp` as compact JSON, with the HUGE placeholder replaced by the number's text."""
    line = json.dumps(inp, separators=(",", ":"))
    if marker is not None:
        line = line.replace('"__HUGE__"', HUGE_TEXT[marker])
    return line


def field_entries() -> Iterator[Entry]:
    seen_ids: set[str] = set()
    for spec in PATTERNS:
        variant = spec.base.get("op") or spec.base.get("mode") or "input"
        for f in spec.fields:
            where = path_text(f.path)
            cases: list[tuple[str, Any, bool, str | None]] = []
            if f.required and not isinstance(f.path[-1], int):
                cases.append(("missing", None, True, None))
            for name, value in wrong_values(f).items():
                huge = name if value is HUGE else None
                cases.append((name, "__HUGE__" if huge else value, False, huge))
            if f.kind == "choice":
                cases.append(("unknown-choice", "no-such-choice", False, None))
            for name, value, remove, huge in cases:
                inp = mutate(spec.base, f.path, value, remove)
                case_id = f"{spec.pattern}.{variant}.{where}.{name}"
                assert case_id not in seen_ids, case_id
                seen_ids.add(case_id)
                line = (
                    '{"pattern":"'
                    + spec.pattern
                    + '","id":'
                    + json.dumps(case_id)
                    + ',"input":'
                    + encode(inp, huge)
                    + "}"
                )
                yield Entry(
                    f"run/field/{case_id}",
                    "run",
                    pieces(line + "\n"),
                    0,
                    (Answer(case_id, "error", where),),
                    patterns=(spec.pattern,),
                )
        # The base itself is valid: a control for the mutations.
        case_id = f"{spec.pattern}.{variant}.valid"
        yield Entry(
            f"run/field/{case_id}",
            "run",
            (text(request(spec.pattern, case_id, spec.base) + "\n"),),
            0,
            (Answer(case_id, "ok"),),
            patterns=(spec.pattern,),
        )
    # Lists longer than the pattern allows, and a long one it does.
    yield Entry(
        "run/field/fan-in.merge.sources.too-many",
        "run",
        (
            text(
                request("fan-in", "too-many-sources", {"op": "merge", "sources": [[]] * 1001})
                + "\n"
            ),
        ),
        0,
        (Answer("too-many-sources", "error", "sources"),),
        patterns=("fan-in",),
    )
    yield Entry(
        "run/field/rwlock-cache.clients.too-many",
        "run",
        (text(request("rwlock-cache", "too-many-clients", {"clients": [[]] * 1001}) + "\n"),),
        0,
        (Answer("too-many-clients", "error", "clients"),),
        patterns=("rwlock-cache",),
    )
    yield Entry(
        "run/field/sliding-window.decide.arrivals.long",
        "run",
        (
            text('{"pattern":"sliding-window","id":"many-arrivals","input":{"mode":"decide",'),
            text('"limit":5,"windowMs":10,"arrivalsMs":['),
            text("0,", 49_999),
            text("0]}}\n"),
        ),
        0,
        (Answer("many-arrivals", "ok"),),
        patterns=("sliding-window",),
    )
    yield Entry(
        "run/field/token-bucket.decide.arrivals.bad-late-in-a-long-list",
        "run",
        (
            text('{"pattern":"token-bucket","id":"late-bad-arrival","input":{"mode":"decide",'),
            text('"refill":{"tokens":1,"everyMs":1},"burst":1,"arrivalsMs":['),
            text("0,", 20_000),
            text("-1]}}\n"),
        ),
        0,
        (Answer("late-bad-arrival", "error", "arrivalsMs[20000]"),),
        patterns=("token-bucket",),
    )


def bench_line(
    pattern: str, size: Any, params: Any, repeat: Any = None, huge: str | None = None
) -> str:
    req: dict[str, Any] = {"pattern": pattern, "size": size, "params": params}
    if repeat is not None:
        req["repeat"] = repeat
    return encode(req, huge)


def bench_error(name: str, line: str, want: str, pattern: str) -> Entry:
    return Entry(
        f"bench/{name}",
        "bench",
        pieces(line + "\n"),
        0,
        (Answer("", "error", want),),
        patterns=(pattern,),
        alone=True,
    )


def bench_entries() -> Iterator[Entry]:
    for spec in PATTERNS:
        if not spec.bench_fields:
            continue
        p, params = spec.pattern, spec.bench_params
        for name, size, huge in (
            ("size-zero", 0, None),
            ("size-negative", -1, None),
            ("size-above", 10_000_001, None),
            ("size-fraction", 1.5, None),
            ("size-string", "10", None),
            ("size-null", None, None),
            ("size-huge", "__HUGE__", "huge-integer"),
        ):
            yield bench_error(f"{p}/{name}", bench_line(p, size, params, huge=huge), "size", p)
        yield bench_error(
            f"{p}/size-missing", json.dumps({"pattern": p, "params": params}), "size", p
        )
        yield bench_error(
            f"{p}/params-missing", json.dumps({"pattern": p, "size": 10}), "params", p
        )
        yield bench_error(f"{p}/params-array", bench_line(p, 10, []), "params", p)
        yield bench_error(f"{p}/size-before-params", bench_line(p, 0, []), "size", p)
        for name, repeat in (("zero", 0), ("above", 1001), ("string", "2"), ("fraction", 1.5)):
            yield bench_error(f"{p}/repeat-{name}", bench_line(p, 10, params, repeat), "repeat", p)
        for f in spec.bench_fields:
            where = "params." + path_text(f.path)
            if f.kind == "integer":
                bad = mutate(params, f.path, f.high + 1)
                yield bench_error(f"{p}/{where}-above", bench_line(p, 10, bad), where, p)
                bad = mutate(params, f.path, "__HUGE__")
                yield bench_error(
                    f"{p}/{where}-huge", bench_line(p, 10, bad, huge="huge-exponent"), where, p
                )
                # params before repeat, whatever is wrong with repeat.
                bad = mutate(params, f.path, f.low - 1)
                yield bench_error(f"{p}/{where}-before-repeat", bench_line(p, 10, bad, 0), where, p)
            elif f.kind == "choice":
                bad = mutate(params, f.path, "no-such-choice")
                yield bench_error(f"{p}/{where}-unknown", bench_line(p, 10, bad), where, p)
            else:
                bad = mutate(params, f.path, [])
                yield bench_error(f"{p}/{where}-wrong-type", bench_line(p, 10, bad), where, p)
            if f.required:
                bad = mutate(params, f.path, None, remove=True)
                yield bench_error(f"{p}/{where}-missing", bench_line(p, 10, bad), where, p)
    # Unusable bench input: exit 3.
    good = bench_line("worker-pool", 10, {"workers": 1, "cost": 0, "sleepMs": 0})
    for name, line in {
        "not-json": [text("nope\n")],
        "array": [text("[]\n")],
        "pattern-missing": [text('{"size":10,"params":{}}\n')],
        "pattern-unknown": [text('{"pattern":"no-such-pattern","size":10,"params":{}}\n')],
        "pattern-number": [text('{"pattern":3,"size":10,"params":{}}\n')],
        "nan-size": [text('{"pattern":"worker-pool","size":NaN,"params":{}}\n')],
        "duplicate-size": [text('{"pattern":"worker-pool","size":10,"size":20,"params":{}}\n')],
        "invalid-utf8": [raw(b'{"pattern":"worker-\xff","size":10,"params":{}}\n')],
        "too-deep": [
            text('{"pattern":"worker-pool","size":10,"params":{"x":'),
            text("[", 70),
            text("]", 70),
            text("}}\n"),
        ],
    }.items():
        yield Entry(f"bench/unusable/{name}", "bench", tuple(line), 3, line=1, alone=True)
    # No request at all: no line to name.
    yield Entry("bench/unusable/blank-only", "bench", (text("\n \n"),), 3, alone=True)
    yield Entry("bench/unusable/empty", "bench", (), 3, alone=True)
    yield Entry("bench/unusable/closed-stdin", "bench", None, 3, alone=True)
    yield Entry(
        "bench/unusable/two-requests",
        "bench",
        (text(good + "\n" + good + "\n"),),
        3,
        line=2,
        alone=True,
    )
    yield Entry(
        "bench/unusable/second-line-after-blank",
        "bench",
        (text(good + "\n\n" + "[]\n"),),
        3,
        line=3,
        alone=True,
    )


def generate() -> Iterator[Entry]:
    yield from wire()
    yield from field_entries()
    yield from bench_entries()


# --- running the corpus --------------------------------------------------------------------------

TIMEOUT = 60.0


@dataclass(frozen=True)
class Seen:
    """What a runner did with an entry, in the terms the corpus states."""

    exit: int | None
    answers: tuple[Answer, ...]
    stderr: str
    problems: tuple[str, ...] = ()
    """What broke the contract beyond the exit code and the answers (stderr, messages)."""

    def summary(self) -> str:
        answers = ", ".join(
            f"{a.id[:40]!r} {a.status}" + (f" {a.field}" if a.field else "") for a in self.answers
        )
        return f"exit {self.exit}; answers [{answers}]"


def _answers(entry: Entry, stdout: bytes) -> tuple[list[Answer], list[str]]:
    got: list[Answer] = []
    problems: list[str] = []
    for n, line in enumerate(answer_lines(stdout), start=1):
        try:
            reply = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            problems.append(f"stdout line {n} is not a JSON answer: {line[:80]!r}")
            continue
        if not isinstance(reply, dict):
            problems.append(f"stdout line {n} is not an object")
            continue
        status = str(reply.get("status"))
        err = reply.get("error")
        fld = err.get("field") if isinstance(err, dict) else None
        if status == "error":
            message = err.get("message") if isinstance(err, dict) else None
            if not isinstance(message, str) or not isinstance(fld, str) or fld not in message:
                problems.append(f"answer {n}: the message must name the field {fld!r}: {message!r}")
        case_id = "" if entry.command == "bench" else str(reply.get("id"))
        got.append(Answer(case_id, status, fld if status == "error" else None))
    return got, problems


def run_entry(argv: list[str], entry: Entry) -> Seen:
    """Run one entry in a process of its own."""
    done = proc.run([*argv, entry.command], stdin=entry.data(), timeout=TIMEOUT, cwd=ROOT)
    answers, problems = _answers(entry, done.stdout_bytes)
    lines = done.stderr.strip().splitlines()
    if done.returncode not in (0, None):
        if len(lines) != 1:
            problems.append(f"expected one line on stderr, got {len(lines)}: {done.stderr[:300]!r}")
        elif entry.line is not None and not lines[0].startswith(f"error: line {entry.line}:"):
            problems.append(f"stderr must start `error: line {entry.line}:`, got {lines[0]!r}")
    trace = stack_trace(done.stderr)
    if trace is not None:
        problems.append(f"a stack trace on stderr: {trace}")
    if done.timed_out:
        problems.append(f"killed after its {TIMEOUT:g} s timeout")
    return Seen(done.returncode, tuple(answers), done.stderr, tuple(problems))


def run_batch(argv: list[str], entries: list[Entry]) -> dict[str, Seen] | None:
    """Run `run` entries that each answer their own lines, together in one process; None when
    the batch as a whole did not go as expected (each entry is then run alone to say which)."""
    data = b"".join(e.data() or b"" for e in entries)
    done = proc.run([*argv, "run"], stdin=data, timeout=TIMEOUT * 4, cwd=ROOT)
    if done.returncode != 0 or done.stderr.strip():
        return None
    answers, problems = _answers(entries[0], done.stdout_bytes)
    want = [a for e in entries for a in e.answers]
    if problems or answers != want:
        return None
    return {e.name: Seen(0, e.answers, "") for e in entries}


def judge(entry: Entry, seen: Seen) -> list[str]:
    """What is wrong with `seen` as the answer to `entry`; empty when it is right."""
    problems = list(seen.problems)
    if seen.exit != entry.exit or seen.answers != entry.answers:
        want = Seen(entry.exit, entry.answers, "").summary()
        problems.insert(
            0, f"expected {want}; got {seen.summary()} | stderr: {seen.stderr[-300:]!r}"
        )
    return problems
