"""Checks on jobs run by a bounded number of workers: the worker pool and scatter-gather."""

from __future__ import annotations

from collections import Counter

from . import Event, Seen, events, integer, invariant, peak_overlap


def job_ids(seen: Seen) -> list[int]:
    """A worker pool's jobs carry ids; scatter-gather's items are known by their index."""
    if "jobs" in seen.input:
        return [job["id"] for job in seen.input["jobs"]]
    return list(range(len(seen.input["items"])))


def sleeps_ms(seen: Seen) -> int:
    return sum(j.get("sleepMs", 0) for j in seen.input.get("jobs", seen.input.get("items", [])))


@invariant("each-job-once", "safety")
def _each_job_once(seen: Seen) -> list[str]:
    want = Counter(job_ids(seen))
    got = Counter(e.id for e in events(seen.observed))
    problems = []
    twice = sorted(i for i, n in got.items() if n > 1)
    never = sorted(i for i in want if i not in got)
    stray = sorted(i for i in got if i not in want)
    if twice:
        problems.append(f"jobs run more than once: {twice[:10]}")
    if never:
        problems.append(f"jobs never run: {never[:10]}")
    if stray:
        problems.append(f"events for jobs that do not exist: {stray[:10]}")
    return problems


@invariant("events-within-elapsed", "safety")
def _events_within(seen: Seen) -> list[str]:
    elapsed = integer(seen.observed, "elapsedNs")
    bad = [e for e in events(seen.observed) if not 0 <= e.start <= e.end <= elapsed]
    return [
        f"job {e.id} ran over [{e.start}, {e.end}] ns, outside the measured region [0, {elapsed}]"
        for e in bad[:5]
    ]


@invariant("max-in-flight-at-most", "safety")
def _at_most(seen: Seen) -> list[str]:
    limit = seen.params["limit"]
    problems = []
    reported = integer(seen.observed, "maxInFlight")
    if reported > limit:
        problems.append(f"the implementation's own counter reached {reported}, above {limit}")
    peak = peak_overlap(events(seen.observed))
    if peak > limit:
        problems.append(f"{peak} job intervals overlap at one instant, above {limit}")
    # The counter is raised before a job's `startNs` is read and lowered after its `endNs`, so at
    # the instant the intervals overlap most it held at least that many: a counter that shows
    # fewer was read before it was raised, or not shared by the workers.
    if reported < peak:
        problems.append(
            f"maxInFlight is {reported}, but {peak} job intervals overlap at one instant: "
            "the counter must count every job in flight"
        )
    return problems


@invariant("max-in-flight-reached", "liveness")
def _reached(seen: Seen) -> list[str]:
    target = seen.params["target"]
    peak = peak_overlap(events(seen.observed))
    if peak < target:
        return [f"at most {peak} jobs were ever in flight at once; expected {target} to overlap"]
    return []


@invariant("elapsed-below-serial", "liveness")
def _below_serial(seen: Seen) -> list[str]:
    serial_ns = sleeps_ms(seen) * 1_000_000
    bound = seen.params["fraction"] * serial_ns
    elapsed = integer(seen.observed, "elapsedNs")
    if elapsed > bound:
        return [
            f"took {elapsed / 1e6:.1f} ms, more than {seen.params['fraction']} of the "
            f"{serial_ns / 1e6:.0f} ms the sleeps would take one after the other"
        ]
    return []


@invariant("nothing-running-after", "safety")
def _nothing_running_after(seen: Seen) -> list[str]:
    running = integer(seen.observed, "runningAfter")
    if running:
        return [f"{running} calls were still running after the gather returned"]
    return []


def _failing(seen: Seen) -> list[int]:
    """The items that fail, by returning an error or by panicking."""
    items = seen.input.get("items", [])
    return [i for i, item in enumerate(items) if item.get("fail") or item.get("panic")]


def _first_failure(seen: Seen) -> Event | None:
    """The event of the failing call that ended first, in a fail-fast gather; None otherwise."""
    if not seen.input.get("failFast"):
        return None
    failing = set(_failing(seen))
    ended = [e for e in events(seen.observed) if e.id in failing]
    return min(ended, key=lambda e: e.end) if ended else None


@invariant("nothing-started-after-failure", "safety")
def _nothing_started_after(seen: Seen) -> list[str]:
    # A fail-fast gather records the failure before the failing call gives its slot back, so
    # from then on no call can take a slot without seeing it. A call may still read its
    # `startNs` after the failure if it took its slot before: such calls hold distinct slots at
    # the failure, beside the failing call and those still running, so there are at most
    # `limit - 1 - running` of them. Any more took a slot that was freed after the failure.
    failed = _first_failure(seen)
    if failed is None:
        return []
    evs = events(seen.observed)
    late = [e for e in evs if e.start > failed.end]
    running = sum(1 for e in evs if e is not failed and e.start <= failed.end < e.end)
    room = max(0, seen.input["limit"] - 1 - running)
    if len(late) > room:
        ids = sorted(e.id for e in late)
        return [
            f"calls {ids} started after item {failed.id} failed at {failed.end / 1e6:.1f} ms; "
            f"at most {room} could have held a slot taken before the failure"
        ]
    return []


@invariant("cancelled-promptly", "liveness")
def _cancelled_promptly(seen: Seen) -> list[str]:
    failed = _first_failure(seen)
    if failed is None:
        return [f"no event for any of the failing items {_failing(seen)[:5]}"]
    evs = events(seen.observed)
    deadline = failed.end + seen.params["slackMs"] * 1_000_000
    slack = seen.params["slackMs"]
    # Whether a call started after the failure is exact (nothing-started-after-failure); how
    # long the running ones take to stop is what needs the tolerance.
    problems = [
        f"item {e.id} ran until {e.end / 1e6:.1f} ms, more than {slack} ms after the failure"
        for e in evs
        if e.end > deadline
    ]
    elapsed = integer(seen.observed, "elapsedNs")
    if elapsed > deadline:
        problems.append(
            f"the gather returned at {elapsed / 1e6:.1f} ms, more than {slack} ms after the failure"
        )
    return problems
