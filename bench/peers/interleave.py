"""The latency loop: warm every runner up, then take turns A B C A B C ... so that drift in
clock speed, cache state or background load hits every engine alike.

Between turns the machine is left idle for `quiet_s`: engines keep their worker threads spinning
after a run (ONNX Runtime burns ~40 ms of CPU after each MiniLM run on this 2-core VM, OpenMP
runtimes a few ms), and without the pause that spinning eats into the next engine's turn. An
engine deployed alone never meets a neighbour's spinning threads, so each turn starts quiet."""
from __future__ import annotations

import time
from dataclasses import dataclass

from suite import describe


@dataclass
class Schedule:
    warmup: int      # runs per runner before anything is recorded
    rounds: int      # turns each runner gets
    per_turn: int    # runs per turn (amortizes switching between engines)
    quiet_s: float = 0.1  # idle seconds before each turn (the previous engine's spinning ends)


QUICK = Schedule(warmup=3, rounds=8, per_turn=2)
FULL = Schedule(warmup=10, rounds=30, per_turn=3)


def measure(runners: dict, schedule: Schedule) -> tuple[dict, dict]:
    """runners: key -> object with run(k) -> list of ms. Returns (latencies by key, failure
    reason by key); a runner that fails leaves the rotation, the others go on."""
    latencies = {key: [] for key in runners}
    failed = {}

    def turn(key, k, record):
        time.sleep(schedule.quiet_s)
        try:
            lat = runners[key].run(k)
        except Exception as err:  # an engine that cannot run the model is a result
            failed[key] = describe(err)
            return
        if record:
            latencies[key].extend(lat)

    for key in runners:
        turn(key, schedule.warmup, record=False)
    for _ in range(schedule.rounds):
        for key in runners:
            if key not in failed:
                turn(key, schedule.per_turn, record=True)
    return {k: v for k, v in latencies.items() if k not in failed}, failed
