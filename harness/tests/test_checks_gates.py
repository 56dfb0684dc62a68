"""The throttle, debounce and circuit-breaker checks, each shown holding and failing."""

from __future__ import annotations

from typing import Any

from cookbook_harness.checks import check_case
from cookbook_harness.spec import Case

MS = 1_000_000


def judge(
    inp: dict[str, Any], observed: dict[str, Any], *checks: dict[str, Any], output: Any = None
) -> list[str]:
    return check_case(Case("x", "t", "Catches nothing.", inp, {}, {}, checks), observed, output)


THROTTLE: dict[str, Any] = {
    "mode": "live",
    "intervalMs": 10,
    "callers": 2,
    "callsPerCaller": 2,
    "gapMs": 0,
}
SPACED = {"check": "throttle-fires-spaced"}


def throttled(fires_ms: list[float]) -> dict[str, Any]:
    calls = [{"caller": n % 2, "ns": int(t * MS)} for n, t in enumerate([0, 0, 5, 5])]
    fires = [{"atNs": int(t * MS), "startNs": int(t * MS) + 100} for t in fires_ms]
    return {"elapsedNs": 30 * MS, "calls": calls, "fires": fires}


def test_throttled_firings_an_interval_apart_pass() -> None:
    prompt = {"check": "throttle-fired-promptly", "slackMs": 2}
    assert judge(THROTTLE, throttled([0, 10]), SPACED, prompt, output={"calls": 4}) == []


def test_two_firings_inside_one_interval_are_caught() -> None:
    [problem] = judge(THROTTLE, throttled([0, 0.001]), SPACED, output={"calls": 4})
    assert "closer than 10 ms" in problem


def test_decided_firings_inside_one_interval_are_caught() -> None:
    inp = {"mode": "decide", "intervalMs": 10, "arrivalsMs": [0, 5]}
    out = {"fired": [{"call": 0, "atMs": 0}, {"call": 1, "atMs": 5}]}
    assert judge(inp, {"elapsedNs": 1}, SPACED, output=out) == [
        "throttle-fires-spaced (safety): firings at 0 and 5 ms, closer than 10 ms"
    ]


DEBOUNCE: dict[str, Any] = {
    "mode": "live",
    "quietMs": 20,
    "arrivalsMs": [0, 10],
    "runMs": 5,
    "failCalls": [1],
}
RUNS_FINISH = {"check": "debounce-runs-finish"}
QUIET = {"check": "debounce-waited-for-quiet"}


def debounced(at_ms: float, outcome: str = "failed", end_ms: float = 36) -> dict[str, Any]:
    return {
        "elapsedNs": 40 * MS,
        "arrivals": [{"call": 0, "ns": 0}, {"call": 1, "ns": 10 * MS}],
        "runs": [
            {
                "call": 1,
                "atNs": int(at_ms * MS),
                "startNs": int(at_ms * MS),
                "endNs": int(end_ms * MS),
                "outcome": outcome,
            }
        ],
    }


FIRED = {"fired": [{"call": 1, "error": "call 1 failed"}]}


def test_a_debounce_after_the_quiet_passes() -> None:
    prompt = {"check": "debounce-fired-promptly", "slackMs": 5}
    assert judge(DEBOUNCE, debounced(30.5), QUIET, RUNS_FINISH, prompt, output=FIRED) == []


def test_a_run_before_the_quiet_period_is_caught() -> None:
    [problem] = judge(DEBOUNCE, debounced(25), QUIET, output=FIRED)
    assert "before the quiet period after the call at 10.000 ms had passed" in problem


def test_a_run_cut_off_by_a_newer_call_is_caught() -> None:
    [problem] = judge(
        DEBOUNCE, debounced(30.5, "cancelled", 31), RUNS_FINISH, output={"fired": [{"call": 1}]}
    )
    assert "ended cancelled: a started call must finish" in problem


def test_a_lost_error_is_caught() -> None:
    [problem] = judge(DEBOUNCE, debounced(30.5), RUNS_FINISH, output={"fired": [{"call": 1}]})
    assert "failed, but its error is not reported" in problem


BREAKER: dict[str, Any] = {
    "mode": "live",
    "failureThreshold": 1,
    "windowMs": 100,
    "openMs": 50,
    "halfOpenProbes": 1,
    "callers": [[], []],
}


def call(
    caller: int,
    index: int,
    decided: float,
    decision: str = "ran",
    run: tuple[float, float] | None = None,
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "caller": caller,
        "index": index,
        "decidedNs": int(decided * MS),
        "decision": decision,
    }
    if decision == "ran":
        start, end = run or (decided, decided + 1)
        c.update(startNs=int(start * MS), endNs=int(end * MS))
    return c


CHANGES = [
    {"atNs": 1 * MS, "to": "open"},
    {"atNs": 51 * MS, "to": "half-open"},
    {"atNs": 60 * MS, "to": "closed"},
]
B_CHECKS = [
    {"check": "breaker-changes-in-order"},
    {"check": "no-call-while-open"},
    {"check": "probes-at-most"},
]


def test_a_breaker_that_keeps_its_states_passes() -> None:
    calls = [call(0, 0, 0, run=(0, 1)), call(1, 0, 20, "rejected"), call(0, 1, 52, run=(52, 60))]
    assert (
        judge(BREAKER, {"elapsedNs": 70 * MS, "calls": calls, "changes": CHANGES}, *B_CHECKS) == []
    )


def test_a_call_let_through_while_open_is_caught() -> None:
    calls = [call(0, 0, 0, run=(0, 1)), call(1, 0, 20)]
    [problem] = judge(
        BREAKER, {"elapsedNs": 70 * MS, "calls": calls, "changes": CHANGES}, B_CHECKS[1]
    )
    assert "ran at 20.000 ms, while the breaker was open" in problem


def test_too_many_probes_at_once_are_caught() -> None:
    calls = [call(0, 1, 52, run=(52, 59)), call(1, 1, 53, run=(53, 58))]
    [problem] = judge(
        BREAKER, {"elapsedNs": 70 * MS, "calls": calls, "changes": CHANGES}, B_CHECKS[2]
    )
    assert "2 probes ran at once in half-open" in problem


def test_a_breaker_open_too_briefly_or_out_of_order_is_caught() -> None:
    changes = [
        {"atNs": 1 * MS, "to": "open"},
        {"atNs": 20 * MS, "to": "half-open"},
        {"atNs": 30 * MS, "to": "open"},
        {"atNs": 40 * MS, "to": "closed"},
    ]
    problems = judge(BREAKER, {"elapsedNs": 70 * MS, "calls": [], "changes": changes}, B_CHECKS[0])
    assert any("less than openMs 50" in p for p in problems)
    assert any("went from open to closed" in p for p in problems)
