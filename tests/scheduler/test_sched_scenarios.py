"""Whole-scheduler golden scenarios: where pods land, and the FailedScheduling text."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from sched_builders import node, pod

from kubelab.scheduler import Scheduler, explain

CP_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def cluster(*nodes: dict[str, Any], fast: bool = False, **kw: Any) -> Scheduler:
    s = Scheduler(rng=random.Random(1), fast=fast, **kw)
    for n in nodes:
        s.add_node(n)
    return s


def test_resource_exhaustion_failed_scheduling_message() -> None:
    s = cluster(
        node("w1", cpu="1"),
        node("w2", cpu="1"),
        node("cp1", taints=[CP_TAINT]),
        node("cp2", taints=[CP_TAINT]),
        node("cp3", taints=[CP_TAINT]),
    )
    s.add_pod(pod("big", cpu="2"))
    r = s.schedule_one(0.0)
    assert r is not None and r.reason == "Unschedulable"
    # Reasons counted per node, the "count reason" strings sorted; preemption cannot help on
    # tainted nodes (UnschedulableAndUnresolvable) and finds no lower-priority pods elsewhere.
    assert r.message == (
        "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }. preemption: 0/5 nodes are available: "
        "2 No preemption victims found for incoming pod, 3 Preemption is not helpful for "
        "scheduling."
    )
    assert r.event() == {"type": "Warning", "reason": "FailedScheduling", "message": r.message}
    assert s.queue.where("uid-default-big") == "unschedulablePods"


def test_preemption_not_helpful_for_any_node() -> None:
    s = cluster(node("cp1", taints=[CP_TAINT]), node("w1", unschedulable=True))
    s.add_pod(pod("p", cpu="1"))
    r = s.schedule_one(0.0)
    assert r is not None
    assert r.message == (
        "0/2 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable. "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    )


def test_taints_and_tolerations_steer_pods() -> None:
    s = cluster(
        node("gpu", taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}]),
        node("cp", taints=[CP_TAINT]),
    )
    s.add_pod(pod("plain", cpu="100m"))
    s.add_pod(
        pod(
            "ml",
            cpu="100m",
            tolerations=[
                {"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
            ],
        )
    )
    results = {r.pod: r for r in s.run(0.0)}
    assert results["default/ml"].node == "gpu"
    assert results["default/plain"].node is None
    assert "2 node(s) had untolerated taint" not in results["default/plain"].message
    assert results["default/plain"].message.startswith(
        "0/2 nodes are available: 1 node(s) had untolerated taint {gpu: true}, "
        "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }."
    )


def test_prefer_no_schedule_is_avoided_when_possible() -> None:
    s = cluster(node("a", taints=[{"key": "k", "effect": "PreferNoSchedule"}]), node("b"))
    for i in range(4):
        s.add_pod(pod(f"p{i}", cpu="100m"))
    # TaintToleration (weight 3) gives a 0 and b 300; resource scores differ by far less.
    assert {r.node for r in s.run(0.0)} == {"b"}


def test_node_affinity_required_and_preferred() -> None:
    s = cluster(
        node("ssd1", labels={"disk": "ssd"}),
        node("ssd2", labels={"disk": "ssd", "zone": "z1"}),
        node("hdd", labels={"disk": "hdd"}),
    )
    aff = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}
                ]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 50,
                    "preference": {"matchExpressions": [{"key": "zone", "operator": "Exists"}]},
                }
            ],
        }
    }
    s.add_pod(pod("p", cpu="100m", affinity=aff))
    r = s.schedule_one(0.0)
    assert r is not None and r.node == "ssd2"
    by_node = {ns.name: {ps.name: ps for ps in ns.scores} for ns in r.scores}
    assert set(by_node) == {"ssd1", "ssd2"}
    assert by_node["ssd2"]["NodeAffinity"].score == 200  # 100 normalized x weight 2
    assert by_node["ssd1"]["NodeAffinity"].score == 0


def test_spreading_across_zones() -> None:
    nodes = [node(f"{z}{i}", zone=z) for z in ("a", "b", "c") for i in range(2)]
    s = cluster(*nodes)
    web = {"app": "web"}
    tsc = [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": web},
        }
    ]
    for i in range(7):
        s.add_pod(pod(f"w{i}", cpu="100m", labels=web, topologySpreadConstraints=tsc))
    placed = [r.node for r in s.run(0.0)]
    assert all(placed)
    zones = Counter(str(n)[0] for n in placed)
    assert sorted(zones.values()) == [2, 2, 3]


def test_inter_pod_anti_affinity_one_replica_per_node() -> None:
    s = cluster(node("n1"), node("n2"), node("n3"))
    web = {"app": "web"}
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": web}, "topologyKey": "kubernetes.io/hostname"}
            ]
        }
    }
    for i in range(4):
        s.add_pod(pod(f"w{i}", cpu="100m", labels=web, affinity=anti))
    results = s.run(0.0)
    assert sorted(str(r.node) for r in results[:3]) == ["n1", "n2", "n3"]
    assert results[3].message == (
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: "
        "0/3 nodes are available: 3 No preemption victims found for incoming pod."
    )


def test_preemption_picks_the_node_with_the_lowest_priority_victims() -> None:
    s = cluster(node("n1"), node("n2"))
    t = "2024-01-01T00:00:0{}Z"
    s.add_pod(pod("low1", "2", priority=10, node_name="n1", start_time=t.format(1)))
    s.add_pod(pod("low2", "2", priority=10, node_name="n1", start_time=t.format(2)))
    s.add_pod(pod("mid", "2", priority=100, node_name="n2", start_time=t.format(3)))
    s.add_pod(pod("low3", "2", priority=5, node_name="n2", start_time=t.format(4)))
    s.add_pod(pod("vip", "2", priority=1000))
    r = s.schedule_one(0.0)
    assert r is not None and r.reason == "Unschedulable"
    # n1 would lose low2 (priority 10: low1 started first and is reprieved); n2 loses only
    # low3 (priority 5; mid is reprieved). The lowest highest-victim priority wins: n2.
    assert r.nominated_node == "n2"
    assert r.victims == ["default/low3"]
    assert r.message == "0/2 nodes are available: 2 Insufficient cpu."
    assert s.cache.get_pod("uid-default-low3") is None
    # The victim's deletion moved the preemptor to backoffQ (1 s); then it lands on n2.
    assert s.queue.where("uid-default-vip") == "backoffQ"
    assert s.schedule_one(0.5) is None
    s.tick(1.0)
    r2 = s.schedule_one(1.0)
    assert r2 is not None and r2.node == "n2" and r2.reason == "Scheduled"


def test_preemption_policy_never() -> None:
    s = cluster(node("n1", cpu="1"))
    s.add_pod(pod("low", "1", priority=1, node_name="n1"))
    s.add_pod(pod("p", "1", priority=100, preemptionPolicy="Never"))
    r = s.schedule_one(0.0)
    assert r is not None
    assert r.message == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible "
        "due to preemptionPolicy=Never."
    )
    assert r.victims == []


def test_explain_reports_every_filter_and_score() -> None:
    s = cluster(node("a"), node("b", cpu="1"), node("cp", taints=[CP_TAINT]))
    e = explain(s, pod("p", cpu="2"))
    assert e.feasible == ["a"]
    b = e.node("b")
    assert b.rejected_by == "NodeResourcesFit" and b.reasons == ("Insufficient cpu",)
    cp = e.node("cp")
    assert cp.rejected_by == "TaintToleration"
    # every filter ran on cp: NodeResourcesFit passed there
    assert {f.plugin: f.code for f in cp.filters}["NodeResourcesFit"] == "Success"
    assert e.node("a").total is not None
    assert "a" in e.table() and "TaintToleration(x3)" in e.table()
    # read-only: nothing was assumed or consumed
    assert s.cache.dump() == {"a": [], "b": [], "cp": []}
    e2 = explain(s, pod("q", cpu="8"))
    # "1 node(s)..." sorts before "2 Insufficient cpu" (sort.Strings on "count reason")
    assert e2.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes "
        "are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims "
        "found for incoming pod."
    )


def test_scheduling_gates_hold_a_pod_until_removed() -> None:
    s = cluster(node("n1"))
    gated = pod("g", cpu="100m", schedulingGates=[{"name": "wait"}])
    assert s.add_pod(gated) == "unschedulablePods"
    assert s.schedule_one(0.0) is None
    s.add_node(node("n2"), now=1.0)  # a cluster event does not release a gated pod
    assert s.schedule_one(1.0) is None
    open_pod = pod("g", cpu="100m")
    s.update_pod(open_pod, now=2.0)
    r = s.schedule_one(2.0)
    assert r is not None and r.reason == "Scheduled"
