"""Speed of the simulated world itself.

    python benchmarks/sim_speed.py [--messages N] [--hosts H] [--json]

Two figures: messages delivered per wall-clock second (one host sending to the others, the path
every component's traffic takes), and simulated seconds per wall-clock second for a world of
``H`` hosts exchanging heartbeats every second.
"""

from __future__ import annotations

import argparse
import json
import time

from kubelab.sim import World
from kubelab.sim.heartbeat import Heartbeater


def messages_per_second(n: int) -> float:
    w = World(seed=1)
    a, b = w.add_host("a"), w.add_host("b")
    got = [0]

    def on(env: object) -> None:
        got[0] += 1

    b.listen("p", on)  # type: ignore[arg-type]
    start = time.perf_counter()
    for i in range(n):
        a.send("b", "p", i)
    w.run(until=10)
    took = time.perf_counter() - start
    assert got[0] == n
    return n / took


def heartbeat_speedup(hosts: int, seconds: float) -> float:
    w = World(seed=1)
    w.trace.enabled = False
    Heartbeater(w, [f"h{i}" for i in range(hosts)], interval=1.0, timeout=3.0)
    start = time.perf_counter()
    w.run(until=seconds)
    return seconds / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--hosts", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = {
        "messages": args.messages,
        "messages_per_s": round(messages_per_second(args.messages)),
        "hosts": args.hosts,
        "heartbeat_sim_s_per_wall_s": round(heartbeat_speedup(args.hosts, args.seconds)),
    }
    if args.json:
        print(json.dumps(res))
    else:
        print(f"{'figure':<44} {'value':>12}")
        print(f"{'messages delivered per wall-clock second':<44} {res['messages_per_s']:>12,}")
        label = f"simulated s per wall s ({args.hosts} hosts, heartbeats)"
        print(f"{label:<44} {res['heartbeat_sim_s_per_wall_s']:>12,}")


if __name__ == "__main__":
    main()
