"""A deliberately wrong worker-pool runner that speaks the protocol, for testing the harness.

`pool.py sequential` runs jobs one after the other; `pool.py unbounded` starts every job at once;
`pool.py crash` dies with a traceback; `pool.py hang` never answers. Each one honestly reports
what it observed, so the harness must catch it from the observations alone.

The others are a correct pool (bounded by a semaphore), and then
misbehave as a process: `trace-after` prints a traceback and exits 1, `exit3-after` exits 3,
`quiet-trace` prints a traceback and exits 0, `hold-stdout` leaves a process behind that keeps
standard output open, and `raw-unicode` writes non-ASCII characters unescaped (U+2028 included).
`undercount` reports a `maxInFlight` below what its own intervals show.
"""

import asyncio
import json
import subprocess
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 3)[0] + "/src")
from cookbook_harness.reference import to_hex, work


async def job(spec, t0, events, state):
    state["now"] += 1
    state["max"] = max(state["max"], state["now"])
    start = time.perf_counter_ns() - t0
    await asyncio.sleep(spec.get("sleepMs", 0) / 1000)
    value = to_hex(work(spec["id"], spec.get("cost", 0)))
    events.append({"id": spec["id"], "startNs": start, "endNs": time.perf_counter_ns() - t0})
    state["now"] -= 1
    if spec.get("fail"):
        return {"id": spec["id"], "error": f"job {spec['id']} failed"}
    return {"id": spec["id"], "value": value}


async def answer(mode, case):
    inp = case["input"]
    workers = inp.get("workers")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        return {
            "id": case["id"],
            "status": "error",
            "error": {
                "field": "workers",
                "message": f"workers must be at least 1, got {workers!r}",
            },
        }
    jobs = inp.get("jobs")
    if not isinstance(jobs, list) or not all(
        isinstance(j, dict) and 0 <= j.get("sleepMs", 0) <= 10_000 for j in jobs
    ):
        return {
            "id": case["id"],
            "status": "error",
            "error": {"field": "jobs", "message": "jobs must be an array"},
        }
    events, state, t0 = [], {"now": 0, "max": 0}, time.perf_counter_ns()
    if mode == "sequential":
        results = [await job(j, t0, events, state) for j in inp["jobs"]]
    elif mode == "unbounded":
        results = await asyncio.gather(*(job(j, t0, events, state) for j in inp["jobs"]))
    else:
        slots = asyncio.Semaphore(workers)

        async def bounded(spec):
            async with slots:
                return await job(spec, t0, events, state)

        results = await asyncio.gather(*(bounded(j) for j in inp["jobs"]))
    elapsed = time.perf_counter_ns() - t0
    if mode == "undercount":
        state["max"] = min(state["max"], 1)
    return {
        "id": case["id"],
        "status": "ok",
        "output": {"results": list(results)},
        "observed": {"elapsedNs": elapsed, "maxInFlight": state["max"], "events": events},
    }


def main():
    mode, command = sys.argv[1], sys.argv[2]
    if mode == "crash":
        raise RuntimeError("this runner always crashes")
    if command == "list":
        print(
            json.dumps(
                {
                    "protocol": 1,
                    "implementation": f"fake-{mode}",
                    "patterns": {"worker-pool": {"skip": {}}},
                }
            )
        )
        return
    ascii_only = mode != "raw-unicode"
    for line in sys.stdin.buffer.read().split(b"\n"):
        if not line.strip():
            continue
        if mode == "hang":
            time.sleep(3600)
        case = json.loads(line)
        try:
            result = asyncio.run(answer(mode, case))
        except (AttributeError, KeyError, TypeError):
            # The fakes do not validate jobs as the contract says; invalid cases fail, quietly.
            result = {"id": case["id"], "status": "error", "error": {"field": "?", "message": ""}}
        reply = json.dumps(result, ensure_ascii=ascii_only)
        sys.stdout.buffer.write(reply.encode() + b"\n")
        sys.stdout.flush()
    if mode in ("trace-after", "quiet-trace"):
        print("Traceback (most recent call last):", file=sys.stderr)
        print('  File "pool.py", line 1, in <module>', file=sys.stderr)
        print("RuntimeError: crashed after answering", file=sys.stderr)
        sys.exit(1 if mode == "trace-after" else 0)
    if mode == "exit3-after":
        print("error: line 99: something went wrong after the answers", file=sys.stderr)
        sys.exit(3)
    if mode == "hold-stdout":
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


main()
