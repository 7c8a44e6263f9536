"""The vectorized path must pick the same node with the same scores as the reference path."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sched_builders import node, pod

from kubelab.scheduler import Scheduler
from kubelab.scheduler.bench import run

ZONES = ("a", "b", "c")
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def random_node(i: int, rng: random.Random) -> dict[str, Any]:
    taints = []
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        taints.append(
            {
                "key": rng.choice(("dedicated", "gpu", "spot")),
                "value": rng.choice(("", "true", "x")),
                "effect": rng.choice(EFFECTS),
            }
        )
    labels = {"disk": rng.choice(("ssd", "hdd"))} if rng.random() < 0.7 else {}
    if rng.random() < 0.3:
        labels["tier"] = rng.choice(("gold", "silver"))
    if rng.random() < 0.3:
        labels["flag"] = ""  # an empty label value is still a value
    images = []
    if rng.random() < 0.5:
        images.append((["nginx:1.25"], rng.choice((50, 150, 600)) * 1024 * 1024))
    if rng.random() < 0.2:
        images.append((["redis:7"], 120 * 1024 * 1024))
    return node(
        f"n{i:03d}",
        cpu=rng.choice(("2", "4", "8", "3500m")),
        memory=rng.choice(("4Gi", "8Gi", "16Gi", "6000Mi")),
        pods=rng.choice(("110", "110", "3")),
        labels=labels,
        taints=taints,
        images=images,
        unschedulable=rng.random() < 0.05,
        zone=rng.choice(ZONES),
        extra={"ephemeral-storage": "20Gi"} if rng.random() < 0.5 else None,
    )


def random_pod(i: int, rng: random.Random) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if rng.random() < 0.3:
        spec["tolerations"] = [
            rng.choice(
                [
                    {"key": "dedicated", "operator": "Exists"},
                    {"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
                    {"operator": "Exists"},
                    {"key": "spot", "operator": "Exists", "effect": "PreferNoSchedule"},
                ]
            )
        ]
    if rng.random() < 0.2:
        spec["nodeSelector"] = rng.choice(({"disk": "ssd"}, {"flag": ""}))
    aff: dict[str, Any] = {}
    if rng.random() < 0.2:
        aff["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {"key": "tier", "operator": rng.choice(("In", "NotIn")), "values": ["gold"]}
                    ]
                },
                {
                    "matchExpressions": [
                        {"key": "disk", "operator": rng.choice(("Exists", "DoesNotExist"))}
                    ]
                },
            ]
        }
    if rng.random() < 0.3:
        aff["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {
                "weight": rng.randint(1, 100),
                "preference": {
                    "matchExpressions": [
                        {"key": "tier", "operator": "In", "values": ["gold", "silver"]}
                    ]
                },
            },
            {
                "weight": rng.randint(1, 100),
                "preference": {
                    "matchExpressions": [{"key": "disk", "operator": "NotIn", "values": ["hdd"]}]
                },
            },
        ]
    if aff:
        spec["affinity"] = {"nodeAffinity": aff}
    extra = {"ephemeral-storage": "1Gi"} if rng.random() < 0.1 else None
    return pod(
        f"p{i:03d}",
        cpu=rng.choice((None, "100m", "500m", "1", "0")),
        memory=rng.choice((None, "128Mi", "1Gi", "3Gi")),
        image=rng.choice(("nginx:1.25", "redis:7", "busybox")),
        priority=rng.choice((None, 0, 10)),
        extra_requests=extra,
        **spec,
    )


STRATEGIES: list[dict[str, Any] | None] = [
    None,
    {
        "type": "MostAllocated",
        "resources": [{"name": "cpu", "weight": 2}, {"name": "memory", "weight": 1}],
    },
    {
        "type": "RequestedToCapacityRatio",
        "resources": [
            {"name": "cpu", "weight": 1},
            {"name": "memory", "weight": 3},
            {"name": "ephemeral-storage", "weight": 1},
        ],
        "requestedToCapacityRatio": {
            "shape": [
                {"utilization": 0, "score": 10},
                {"utilization": 30, "score": 5},
                {"utilization": 100, "score": 0},
            ]
        },
    },
]


def outcomes(
    fast: bool, seed: int, nodes: int, pods: int, strategy: dict[str, Any] | None
) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    cfg: dict[str, Any] = {"percentageOfNodesToScore": 0}
    if strategy is not None:
        cfg["profiles"] = [
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": strategy}}]}
        ]
    s = Scheduler(cfg, rng=random.Random(seed), fast=fast)
    for i in range(nodes):
        s.add_node(random_node(i, rng))
    for i in range(pods):
        s.add_pod(random_pod(i, rng))
    out = []
    for r in s.run(0.0):
        scores = sorted(
            (
                ns.name,
                ns.total_score,
                tuple((p.name, p.raw, p.normalized, p.score) for p in ns.scores),
            )
            for ns in r.scores
        )
        out.append(
            (r.pod, r.node, r.message, r.evaluated_nodes, r.feasible_nodes, scores, r.fast_path)
        )
    return out


@pytest.mark.parametrize("seed", range(6))
def test_fast_path_matches_reference(seed: int) -> None:
    nodes = (40, 120, 150)[seed % 3]
    strategy = STRATEGIES[seed % len(STRATEGIES)]
    ref = outcomes(False, seed, nodes, 40, strategy)
    fast = outcomes(True, seed, nodes, 40, strategy)
    assert [o[:-1] for o in fast] == [o[:-1] for o in ref]
    assert sum(o[-1] for o in fast) >= 30  # the fast path did the work


def test_fast_path_reports_the_same_failure() -> None:
    s_ref = Scheduler(rng=random.Random(0), fast=False)
    s_fast = Scheduler(rng=random.Random(0), fast=True)
    for s in (s_ref, s_fast):
        s.add_node(node("a", cpu="1", labels={"disk": "ssd"}))
        s.add_node(node("b", taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}]))
        s.add_node(node("c", labels={"disk": "hdd"}, unschedulable=True))
        s.add_pod(pod("x", cpu="2", nodeSelector={"disk": "ssd"}))
    r1, r2 = s_ref.schedule_one(0.0), s_fast.schedule_one(0.0)
    assert r1 is not None and r2 is not None and r2.fast_path
    assert (
        r1.message
        == r2.message
        == (
            "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}, "
            "1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption "
            "victims found for incoming pod, 2 Preemption is not helpful for scheduling."
        )
    )


def test_bench_run_reports_throughput() -> None:
    r = run(nodes=120, pods=30, seed=1)
    assert r["scheduled"] == 30 and r["fast_path_cycles"] == 30
    # 120 nodes: 50 - 0 = 50% -> 60, raised to 100 of 120 feasible nodes scored
    assert r["percent_nodes_scored"] == pytest.approx(100 * 100 / 120)
    r2 = run(nodes=30, pods=6, seed=1, workload="anti-affinity")
    assert r2["fast_path_cycles"] == 0 and r2["scheduled"] == 6
