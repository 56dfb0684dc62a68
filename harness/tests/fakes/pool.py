"""A deliberately wrong worker-pool runner that speaks the protocol, for testing the harness.

`pool.py sequential` runs jobs one after the other; `pool.py unbounded` starts every job at once;
`pool.py crash` dies with a traceback; `pool.py hang` never answers. Each one honestly reports
what it observed, so the harness must catch it from the observations alone.
"""

import asyncio
import json
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
    events, state, t0 = [], {"now": 0, "max": 0}, time.perf_counter_ns()
    if mode == "sequential":
        results = [await job(j, t0, events, state) for j in inp["jobs"]]
    else:
        results = await asyncio.gather(*(job(j, t0, events, state) for j in inp["jobs"]))
    elapsed = time.perf_counter_ns() - t0
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
    for line in sys.stdin:
        if mode == "hang":
            time.sleep(3600)
        print(json.dumps(asyncio.run(answer(mode, json.loads(line)))), flush=True)


main()
