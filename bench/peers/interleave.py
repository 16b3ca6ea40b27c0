"""The latency loop: warm every runner up, then take turns A B C A B C ... so that drift in
clock speed, cache state or background load hits every engine alike.

Each turn starts after `quiet_s` idle, then `rewarm` unrecorded runs. Engines keep their worker
threads spinning after a run (ONNX Runtime burns ~40 ms of CPU after a MiniLM run on this 2-core
VM, OpenMP runtimes a few ms): without the pause that spinning ran into the next engine's turn
(octet MiniLM fp32 at 2 threads: 49 ms right after an ORT turn, 31 ms alone). The idle pause in
turn lets the VM deschedule idle vCPUs, so the first run after it pays for waking threads (MNIST
at 2 threads: 0.4 instead of 0.2 ms, for ORT and octet alike); the re-warm run absorbs that. What
is recorded is back-to-back latency with no other engine's threads running, as in a deployment
that runs one engine."""
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
    rewarm: int = 1       # unrecorded runs at the start of each recorded turn


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
            if record and schedule.rewarm:
                runners[key].run(schedule.rewarm)
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
