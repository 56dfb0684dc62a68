"""What a line is, and what JSON is (docs/contract.md): the runner's reading of its input, in
process, through `cli.main`, as exit codes and answers."""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from cookbook.runner import cli, protocol

FINE = {"workers": 1, "jobs": []}


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str

    @property
    def answers(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines()]


Runner = Callable[..., Done]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runner:
    def run(stdin: bytes, command: str = "run") -> Done:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = cli.main(["--variant", "threads", command])
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return run


def line(input: str = json.dumps(FINE), id: str = '"x"') -> bytes:
    """A worker-pool request line with `input` and `id` written as given, unparsed."""
    return f'{{"id": {id}, "pattern": "worker-pool", "input": {input}}}'.encode()


def nested(depth: int) -> bytes:
    """A request nesting `depth` arrays and objects, itself and `input` included."""
    arrays = depth - 2
    return line('{"workers": 1, "jobs": [], "deep": ' + "[" * arrays + "]" * arrays + "}")


@pytest.mark.parametrize(
    ("stdin", "problem"),
    [
        # RFC 8259, strictly.
        (line('{"workers": NaN, "jobs": []}'), "NaN is not JSON"),
        (line('{"workers": Infinity, "jobs": []}'), "Infinity is not JSON"),
        (line('{"workers": -Infinity, "jobs": []}'), "-Infinity is not JSON"),
        (line() + b" // a comment", "not JSON"),
        (b"/* a comment */ " + line(), "not JSON"),
        (line('{"workers": 1, "jobs": [],}'), "not JSON"),
        (line('{"workers": 1, "jobs": [1,]}'), "not JSON"),
        (b"{'id': 'x', 'pattern': 'worker-pool', 'input': {}}", "not JSON"),
        (line('{"workers": 01, "jobs": []}'), "not JSON"),
        (line(id='"a\x01b"'), "not JSON"),
        (line(id='"a\x00b"'), "not JSON"),
        (line(id='"a\tb"'), "not JSON"),
        (line() + b" x", "not JSON"),
        (line() + b" " + line(), "not JSON"),
        # I-JSON: names once per object, at any depth, and no lone surrogate.
        (b'{"id": "x", "id": "y", "pattern": "worker-pool", "input": {}}', 'name "id" twice'),
        (line('{"workers": 1, "workers": 2, "jobs": []}'), 'name "workers" twice'),
        (line('{"workers": 1, "jobs": [{"id": 0, "cost": 1, "cost": 1}]}'), '"cost" twice'),
        (line(id='"\\ud800"'), "lone surrogate"),
        (line(id='"\\udc00"'), "lone surrogate"),
        (line(id='"\\ud800x"'), "lone surrogate"),
        (line(id='"\\ude00\\ud83d"'), "lone surrogate"),
        (line('{"workers": 1, "jobs": [], "\\udfff": 0}'), "lone surrogate"),
        (line('{"workers": 1, "jobs": [], "deep": [[["\\ud800"]]]}'), "lone surrogate"),
        # Depth.
        (nested(65), "nested deeper than 64"),
        (b"[" * 100_000, "nested deeper than 64"),
        # UTF-8, strictly, and no byte order mark.
        (b"\xef\xbb\xbf" + line(), "byte order mark"),
        (line(id='"\\u0041"').replace(b"\\u0041", b"\xc0\xc1"), "not UTF-8"),  # overlong
        (line(id='"\\u0041"').replace(b"\\u0041", b"\xed\xa0\x80"), "not UTF-8"),  # surrogate
        (line(id='"\\u0041"').replace(b"\\u0041", b"\xf4\x90\x80\x80"), "not UTF-8"),  # too big
        (line(id='"\\u0041"').replace(b"\\u0041", b"\x80"), "not UTF-8"),  # stray
        (line(id='"\\u0041"').replace(b"\\u0041", b"\xe2\x82"), "not UTF-8"),  # cut short
        # Only space, tab and \r make a line blank; anything else is a line to read.
        (b"\x0b", "not JSON"),
        (b"\x0c", "not JSON"),
        (b"\xc2\x85", "not JSON"),
        (b"\xe2\x80\xa8", "not JSON"),
        (b"\xe2\x80\xa9", "not JSON"),
        (b"\x00", "not JSON"),
        (b"\x1a", "not JSON"),
    ],
)
def test_an_unusable_line_exits_3_naming_it(runner: Runner, stdin: bytes, problem: str) -> None:
    done = runner(stdin + b"\n")
    assert done.code == 3, done
    assert done.out == ""
    assert done.err.startswith("error: line 1: "), done.err
    assert done.err.count("\n") == 1
    assert problem in done.err


def test_a_lone_carriage_return_is_part_of_the_line(runner: Runner) -> None:
    # JSON whitespace where it stands: the line is one request, answered.
    done = runner(b'{"id": "x",\r"pattern": "worker-pool",\r"input": {"workers": 1, "jobs": []}}')
    assert [answer["id"] for answer in done.answers] == ["x"]
    # Inside a string, a raw \r is an unescaped control character.
    assert runner(line(id='"a\rb"') + b"\n").code == 3


def test_lines_end_at_newline_alone_and_lose_one_carriage_return(runner: Runner) -> None:
    stdin = line(id='"a"') + b"\r\n" + line(id='"b"') + b"\r\r\n" + line(id='"c"')
    done = runner(stdin)
    assert done.code == 0, done
    assert [answer["id"] for answer in done.answers] == ["a", "b", "c"]


def test_blank_lines_are_skipped_and_counted(runner: Runner) -> None:
    done = runner(b"\n \t\r\n\r\n" + line() + b"\n\t\nnot json\n")
    assert done.code == 3
    assert len(done.answers) == 1
    assert done.err.startswith("error: line 6: not JSON")


@pytest.mark.parametrize(
    "id",
    [
        "\u2028 \u2029 \u0085 \U0001f600 \x7f",
        "a\x00b",
        "",
    ],
)
def test_the_id_comes_back_exactly(runner: Runner, id: str) -> None:
    for written in [json.dumps(id), json.dumps(id, ensure_ascii=False)]:
        done = runner(line(id=written))
        assert done.code == 0, done
        assert done.answers[0]["id"] == json.loads(written)


def test_an_escaped_surrogate_pair_is_one_character(runner: Runner) -> None:
    done = runner(line(id='"\\ud83d\\ude00"'))
    assert done.answers[0]["id"] == "\U0001f600"


def test_depth_64_is_fine(runner: Runner) -> None:
    done = runner(nested(64))
    assert done.code == 0, done
    assert done.answers[0]["status"] == "ok"


@pytest.mark.parametrize(
    "number",
    ["1e400", "-1e400", "0.1e-999", "1" * 5000, "-" + "9" * 5000, "1" * 5000 + ".5e-9", "-0"],
)
def test_every_number_is_read_and_an_unread_one_is_ignored(runner: Runner, number: str) -> None:
    done = runner(line(f'{{"workers": 2, "jobs": [], "unread": {number}, "more": [{number}]}}'))
    assert done.code == 0, done
    assert done.answers[0]["status"] == "ok"


@pytest.mark.parametrize(
    ("number", "got"),
    [
        ("1e400", "got float"),
        ("-1e400", "got float"),
        ("0.1e-999", "got float"),
        ("1" * 5000, "got an integer of 5000 digits"),
        ("-" + "9" * 5000, "got an integer of 5000 digits"),
    ],
)
def test_a_number_a_pattern_reads_is_a_field_error(runner: Runner, number: str, got: str) -> None:
    done = runner(line(f'{{"workers": {number}, "jobs": []}}'))
    assert done.code == 0, done
    [answer] = done.answers
    assert answer["status"] == "error"
    assert answer["error"]["field"] == "workers"
    assert answer["error"]["message"].startswith("workers must be an integer")
    assert answer["error"]["message"].endswith(got)


def test_a_long_integer_in_a_bench_request_is_a_field_error(runner: Runner) -> None:
    request = '{"pattern": "worker-pool", "size": ' + "7" * 5000 + ', "params": {"workers": 1}}'
    done = runner(request.encode(), "bench")
    assert done.code == 0, done
    assert done.answers[0]["error"]["field"] == "size"


LIMIT = protocol.MAX_LINE_BYTES


def padded(length: int) -> bytes:
    """A usable request line of exactly `length` bytes, padded with JSON whitespace."""
    request = line()
    return request + b" " * (length - len(request))


@pytest.mark.parametrize("end", [b"", b"\n", b"\r\n"])
def test_a_line_of_16_mib_is_read(runner: Runner, end: bytes) -> None:
    done = runner(line(id='"first"') + b"\n" + padded(LIMIT) + end)
    assert done.code == 0, done.err
    assert [answer["id"] for answer in done.answers] == ["first", "x"]


@pytest.mark.parametrize("end", [b"", b"\n", b"\r\n", b"\r"])
def test_a_longer_line_exits_3(runner: Runner, end: bytes) -> None:
    done = runner(line(id='"first"') + b"\n" + padded(LIMIT + 1) + end + line())
    assert done.code == 3
    assert done.err == f"error: line 2: longer than {LIMIT} bytes\n"
    assert [answer["id"] for answer in done.answers] == ["first"]


def test_a_too_long_line_is_not_read_whole() -> None:
    stream = io.BytesIO(b"x" * (3 * LIMIT))
    with pytest.raises(protocol.Unusable, match="line 1: longer than"):
        next(protocol.lines(stream))
    assert stream.tell() <= LIMIT + 2


@pytest.mark.parametrize("command", ["run", "bench"])
def test_a_bench_or_run_line_is_read_the_same_way(runner: Runner, command: str) -> None:
    done = runner(b'{"pattern": "worker-pool", "size": 1, "size": 2, "params": {}}', command)
    assert done.code == 3
    assert 'name "size" twice' in done.err
