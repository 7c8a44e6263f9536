"""Scheduling throughput, measured the way scheduler_perf does: N nodes, M pending pods,
pods scheduled per second of (real) computing time.

``run(nodes, pods, seed)`` builds a cluster of ``nodes`` nodes (3 zones, 4-64 cpus) and
schedules ``pods`` pods with one of three workloads:

* ``plain`` -- pods with cpu/memory requests only (scheduler_perf ``SchedulingBasic``);
* ``anti-affinity`` -- groups of pods with required pod anti-affinity on the hostname
  (``SchedulingPodAntiAffinity``);
* ``spread`` -- pods with a zone topology spread constraint, DoNotSchedule
  (``TopologySpreading``).

The numbers depend on the machine; they are printed by the benchmark, never asserted by tests.
"""

from __future__ import annotations

import random
import time
from typing import Any

from kubelab.scheduler.scheduler import Scheduler

WORKLOADS = ("plain", "anti-affinity", "spread")
ZONES = ("zone-a", "zone-b", "zone-c")


def make_node(i: int, rng: random.Random) -> dict[str, Any]:
    cpus = rng.choice((4, 8, 16, 32, 64))
    name = f"node-{i:05d}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "topology.kubernetes.io/zone": ZONES[i % len(ZONES)],
            },
        },
        "spec": {},
        "status": {
            "allocatable": {"cpu": str(cpus), "memory": f"{cpus * 4}Gi", "pods": "110"},
            "images": [{"names": ["registry.k8s.io/pause:3.10"], "sizeBytes": 300_000}],
        },
    }


def make_pod(i: int, workload: str, rng: random.Random) -> dict[str, Any]:
    app = f"app-{i // 10}"
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": "c",
                "image": "registry.k8s.io/pause:3.10",
                "resources": {
                    "requests": {
                        "cpu": f"{rng.choice((100, 250, 500, 1000))}m",
                        "memory": f"{rng.choice((128, 256, 512))}Mi",
                    }
                },
            }
        ]
    }
    selector = {"matchLabels": {"app": app}}
    if workload == "anti-affinity":
        spec["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": selector, "topologyKey": "kubernetes.io/hostname"}
                ]
            }
        }
    elif workload == "spread":
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": selector,
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{i:06d}",
            "namespace": "default",
            "uid": f"uid-{i:06d}",
            "labels": {"app": app},
        },
        "spec": spec,
    }


def run(
    nodes: int, pods: int, seed: int = 0, fast: bool = True, workload: str = "plain"
) -> dict[str, Any]:
    """Schedule ``pods`` pods on ``nodes`` nodes; return throughput figures:
    ``pods_per_second``, ``seconds_per_cycle``, ``percent_nodes_scored`` (feasible nodes
    scored per cycle, as a percentage of all nodes), ``scheduled``, ``fast_path_cycles``."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; want one of {WORKLOADS}")
    rng = random.Random(seed)
    sched = Scheduler(rng=random.Random(seed), fast=fast, record_scores=False)
    for i in range(nodes):
        sched.add_node(make_node(i, rng))
    for i in range(pods):
        sched.add_pod(make_pod(i, workload, rng))
    scored = 0
    scheduled = 0
    fast_cycles = 0
    cycles = 0
    t0 = time.perf_counter()
    while True:
        r = sched.schedule_one(0.0)
        if r is None:
            break
        cycles += 1
        scored += r.feasible_nodes
        scheduled += r.scheduled
        fast_cycles += r.fast_path
    elapsed = time.perf_counter() - t0
    return {
        "nodes": nodes,
        "pods": pods,
        "workload": workload,
        "fast": fast,
        "scheduled": scheduled,
        "cycles": cycles,
        "seconds": elapsed,
        "pods_per_second": cycles / elapsed if elapsed > 0 else float("inf"),
        "seconds_per_cycle": elapsed / cycles if cycles else 0.0,
        "percent_nodes_scored": 100.0 * scored / (cycles * nodes) if cycles and nodes else 0.0,
        "fast_path_cycles": fast_cycles,
    }
