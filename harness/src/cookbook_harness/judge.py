"""The verdict on one answer: does it match the case's expectation and hold its invariants?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .checks import check_case
from .compare import differences
from .spec import Case

STATUSES = ("pass", "fail", "unsupported", "error")
"""`error` means the runner gave no usable answer (crashed, timed out, broke the protocol)."""


@dataclass(frozen=True)
class Verdict:
    status: str
    detail: str = ""
    elapsed_ns: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "unsupported")


def judge(
    case: Case, answer: dict[str, Any] | None, skips: dict[str, str], no_answer: str = ""
) -> Verdict:
    if answer is None:
        return Verdict("error", f"no answer: {no_answer}" if no_answer else "no answer")
    status = answer.get("status")
    if status == "unsupported":
        if case.id in skips:
            return Verdict("unsupported", skips[case.id])
        return Verdict(
            "fail", "answered unsupported, but the case is not in the language's skips.json"
        )
    if case.id in skips:
        return Verdict("fail", f"listed as skipped ({skips[case.id]}) but answered {status!r}")
    if case.expects_error:
        return _judge_error(case, answer)
    if status == "error":
        err = answer.get("error") or {}
        return Verdict("fail", f"rejected a valid input: {err.get('field')}: {err.get('message')}")
    if status != "ok":
        return Verdict("error", f"unknown status {status!r}")
    observed = answer.get("observed")
    elapsed = observed.get("elapsedNs") if isinstance(observed, dict) else None
    problems = differences(case.expected["output"], answer.get("output"), case.compare)
    problems += check_case(case, observed, answer.get("output"))
    if problems:
        return Verdict("fail", "; ".join(problems), elapsed)
    return Verdict("pass", "", elapsed)


def _judge_error(case: Case, answer: dict[str, Any]) -> Verdict:
    want = case.expected["error"]["field"]
    if answer.get("status") != "error":
        return Verdict("fail", f"accepted an invalid input; expected an error naming {want!r}")
    err = answer.get("error")
    if not isinstance(err, dict):
        return Verdict("fail", "an error answer must carry an error object")
    field, message = err.get("field"), err.get("message")
    if field != want:
        return Verdict("fail", f"the error names field {field!r}, expected {want!r} ({message})")
    if not isinstance(message, str) or want not in message:
        return Verdict(
            "fail", f"the error message must name {want!r} and the problem, got {message!r}"
        )
    return Verdict("pass")
