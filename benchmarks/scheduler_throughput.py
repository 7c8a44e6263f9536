"""Scheduling throughput of the kube-scheduler model, in wall-clock time.

    python benchmarks/scheduler_throughput.py                       # the whole table + plot
    python benchmarks/scheduler_throughput.py --nodes 5000 --pods 150000 --json
    python benchmarks/scheduler_throughput.py --nodes 1000 --pods 3000 --through-api
    python benchmarks/scheduler_throughput.py --nodes 1000 --pods 1000 --workload spread

Two paths, as scheduler_perf measures (N nodes, M pending pods, pods scheduled per second):

* **pure** -- the :class:`~kubelab.scheduler.Scheduler` alone (``kubelab.scheduler.bench.run``):
  queue, cache, the default profile's plugins (the vectorized path for plain pods), assume and
  bind in the cache;
* **api** -- etcd, a kube-apiserver and the kube-scheduler component
  (``kubelab.scheduler.bench.run_through_api``): informers, ``POST pods/<name>/binding`` per
  pod, an ``events.k8s.io`` Event per pod, the bound pod coming back through the watch. The
  scheduler's client QPS/burst are raised to 5000, as scheduler_perf does; nodes and pods are
  created before the clock starts. Its simulated throughput is bounded by the modelled cycle
  cost (1.5 ms a cycle).

Workloads: ``plain`` (cpu/memory requests; scheduler_perf SchedulingBasic), ``anti-affinity``
(groups of 10 pods with required pod anti-affinity on the hostname;
SchedulingPodAntiAffinity), ``spread`` (a zone topology spread constraint, maxSkew 1,
DoNotSchedule; TopologySpreading). Sizes follow Kubernetes' documented limits: up to 5,000 nodes
and 150,000 pods (FIDELITY A1).

The whole run writes ``benchmarks/results/scheduler_throughput.{json,md,png}``. Figures depend on
the machine and its load; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from kubelab.scheduler.bench import WORKLOADS, run, run_through_api

RESULTS = Path(__file__).resolve().parent / "results"

#: (path, workload, nodes, pods) of the full run.
SUITE: tuple[tuple[str, str, int, int], ...] = (
    ("pure", "plain", 100, 5_000),
    ("pure", "plain", 1_000, 20_000),
    ("pure", "plain", 5_000, 150_000),
    ("pure", "anti-affinity", 100, 1_000),
    ("pure", "anti-affinity", 1_000, 1_000),
    ("pure", "anti-affinity", 5_000, 300),
    ("pure", "spread", 100, 1_000),
    ("pure", "spread", 1_000, 1_000),
    ("pure", "spread", 5_000, 300),
    ("api", "plain", 100, 2_000),
    ("api", "plain", 1_000, 3_000),
    ("api", "plain", 5_000, 5_000),
    ("api", "anti-affinity", 100, 500),
    ("api", "anti-affinity", 1_000, 300),
    ("api", "spread", 100, 500),
    ("api", "spread", 1_000, 300),
)

#: scheduler_perf thresholds at 5,000 nodes (pods/s; FIDELITY A2): CI floors of the in-process
#: apiserver + scheduler benchmark, ~v1.32 and ~v1.34+.
UPSTREAM = {
    "SchedulingBasic 5000 nodes (~v1.32)": 270,
    "SchedulingBasic 5000 nodes (~v1.34+)": 680,
    "TopologySpreading 5000 nodes (~v1.32)": 85,
}
#: This project's targets for the pure path on a 2-core machine.
TARGET_PODS_PER_SECOND = 2_000
TARGET_FULL_RUN_SECONDS = 120


def measure(path: str, workload: str, nodes: int, pods: int, seed: int = 0) -> dict[str, Any]:
    if path == "api":
        return run_through_api(nodes, pods, seed=seed, workload=workload)
    return run(nodes, pods, seed=seed, workload=workload)


def _row(r: dict[str, Any]) -> str:
    sim = f"{r['sim_pods_per_second']:,.0f}" if "sim_pods_per_second" in r else "-"
    return (
        f"| {r['path']} | {r['workload']} | {r['nodes']:,} | {r['pods']:,} | "
        f"{r['scheduled']:,} | {r['pods_per_second']:,.0f} | "
        f"{r['seconds_per_cycle'] * 1000:.2f} | {r['percent_nodes_scored']:.1f} | "
        f"{r['seconds']:.1f} | {sim} |"
    )


HEADER = (
    "| path | workload | nodes | pods | scheduled | pods/s (wall) | ms/cycle (wall) | "
    "% nodes scored | seconds | pods/s (simulated) |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def machine() -> str:
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s), {platform.machine()}"
    )


def write_markdown(results: list[dict[str, Any]], path: Path) -> None:
    lines = [
        "# kube-scheduler model: scheduling throughput",
        "",
        f"Measured with `benchmarks/scheduler_throughput.py` on {machine()}. Wall-clock figures "
        "depend on the machine and its load.",
        "",
        "*pure*: the Scheduler alone. *api*: etcd + kube-apiserver + the kube-scheduler "
        "component (binding subresource and an Event per pod; client QPS 5000 as in "
        "scheduler_perf). *% nodes scored*: feasible nodes scored per cycle over all nodes "
        "(`percentageOfNodesToScore` adaptive: all of them up to 100 nodes, 42 % at 1,000, 10 % "
        "at 5,000; fewer when fewer nodes fit). *seconds*: the scheduling phase only.",
        "",
        HEADER,
        *(_row(r) for r in results),
        "",
    ]
    full = next(
        (r for r in results if r["path"] == "pure" and r["nodes"] == 5000 and r["pods"] >= 150_000),
        None,
    )
    if full is not None:
        lines += [
            f"Targets (pure path): >= {TARGET_PODS_PER_SECOND:,} pods/s at 5,000 nodes with plain "
            f"pods -- measured {full['pods_per_second']:,.0f}; a 150,000-pod run in under "
            f"{TARGET_FULL_RUN_SECONDS} s -- measured {full['total_seconds']:.0f} s including "
            "building the nodes and pods.",
            "",
        ]
    lines += [
        "For comparison, scheduler_perf CI floors at 5,000 nodes (pods/s): "
        + "; ".join(f"{k}: {v}" for k, v in UPSTREAM.items())
        + " (FIDELITY A2; integration numbers, not real-cluster throughput).",
        "",
    ]
    path.write_text("\n".join(lines))


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.8))
    styles = {"pure": "-", "api": "--"}
    markers = {"plain": "o", "anti-affinity": "s", "spread": "^"}
    for path_kind in ("pure", "api"):
        for wl in WORKLOADS:
            pts = sorted(
                (r["nodes"], r["pods_per_second"])
                for r in results
                if r["path"] == path_kind and r["workload"] == wl
            )
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, styles[path_kind], marker=markers[wl], label=f"{path_kind}, {wl}")
    for label, v in UPSTREAM.items():
        ax.scatter([5000], [v], marker="x", color="black", zorder=5)
        ax.annotate(f"scheduler_perf {label}", (5000, v), textcoords="offset points",
                    xytext=(-8, 0), ha="right", va="center", fontsize=7)  # fmt: skip
    ax.axhline(TARGET_PODS_PER_SECOND, color="grey", lw=0.8, ls=":")
    ax.annotate("target, pure plain", (100, TARGET_PODS_PER_SECOND), fontsize=7,
                textcoords="offset points", xytext=(2, 3))  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("nodes")
    ax.set_ylabel("pods scheduled per wall-clock second")
    ax.set_title("kube-scheduler model: throughput vs cluster size")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(True, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--nodes", type=int)
    ap.add_argument("--pods", type=int)
    ap.add_argument("--workload", choices=WORKLOADS, default="plain")
    ap.add_argument("--through-api", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.nodes is not None or args.pods is not None:
        nodes = args.nodes if args.nodes is not None else 1000
        pods = args.pods if args.pods is not None else 1000
        path = "api" if args.through_api else "pure"
        r = measure(path, args.workload, nodes, pods, args.seed)
        if args.json:
            print(json.dumps(r))
        else:
            print(HEADER)
            print(_row(r))
        return 0
    import time

    results = []
    for path, wl, nodes, pods in SUITE:
        t0 = time.perf_counter()
        r = measure(path, wl, nodes, pods, args.seed)
        r["total_seconds"] = time.perf_counter() - t0
        results.append(r)
        print(_row(r), flush=True, file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scheduler_throughput.json").write_text(
        json.dumps({"machine": machine(), "results": results}, indent=1) + "\n"
    )
    write_markdown(results, RESULTS / "scheduler_throughput.md")
    plot(results, RESULTS / "scheduler_throughput.png")
    if args.json:
        print(json.dumps(results))
    else:
        print((RESULTS / "scheduler_throughput.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
