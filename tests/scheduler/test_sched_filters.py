"""Filter plugins: verdicts and the exact upstream reason strings."""

from __future__ import annotations

from typing import Any

from sched_builders import handle_for, new_state, node, node_info, pod

from kubelab.scheduler.framework import Code, Status
from kubelab.scheduler.plugins.interpodaffinity import InterPodAffinity
from kubelab.scheduler.plugins.nodeaffinity import NodeAffinity
from kubelab.scheduler.plugins.nodename import NodeName
from kubelab.scheduler.plugins.nodeports import NodePorts
from kubelab.scheduler.plugins.noderesources_fit import NodeResourcesFit
from kubelab.scheduler.plugins.nodeunschedulable import NodeUnschedulable
from kubelab.scheduler.plugins.podtopologyspread import PodTopologySpread
from kubelab.scheduler.plugins.schedulinggates import SchedulingGates
from kubelab.scheduler.plugins.tainttoleration import TaintToleration
from kubelab.scheduler.types import NodeInfo, PodInfo


def run_filter(
    cls: Any,
    p: dict[str, Any],
    target: NodeInfo,
    *others: NodeInfo,
    args: dict[str, Any] | None = None,
) -> Status | None:
    pl = cls(args or {}, handle_for(target, *others))
    st = new_state()
    pi = PodInfo(p)
    if hasattr(pl, "pre_filter"):
        _, s = pl.pre_filter(st, pi, [target, *others])
        if s is not None and s.code == Code.Skip:
            return None
        if s is not None:
            return s
    return pl.filter(st, pi, target)


def verdict(s: Status | None) -> tuple[str, tuple[str, ...]] | None:
    return None if s is None else (s.code.name, s.reasons)


def test_node_resources_fit_reasons_in_upstream_order() -> None:
    full = node_info(node("n", cpu="2", memory="1Gi", pods="1"), pod("e", "1500m", "512Mi"))
    s = run_filter(NodeResourcesFit, pod("p", "1", "1Gi"), full)
    assert verdict(s) == (
        "Unschedulable",
        ("Too many pods", "Insufficient cpu", "Insufficient memory"),
    )
    # exactly fits: 500m left, 512Mi left
    roomy = node_info(node("n", cpu="2", memory="1Gi"), pod("e", "1500m", "512Mi"))
    assert run_filter(NodeResourcesFit, pod("p", "500m", "512Mi"), roomy) is None
    assert verdict(run_filter(NodeResourcesFit, pod("p", "501m"), roomy)) == (
        "Unschedulable",
        ("Insufficient cpu",),
    )


def test_node_resources_fit_pods_without_requests_only_need_a_pod_slot() -> None:
    # A best-effort pod requests nothing, so a node with no cpu left still fits it.
    busy = node_info(node("n", cpu="1"), pod("e", "1"))
    assert run_filter(NodeResourcesFit, pod("p"), busy) is None


def test_node_resources_fit_extended_and_ephemeral() -> None:
    n = node_info(node("n", extra={"example.com/gpu": "1", "ephemeral-storage": "10Gi"}))
    s = run_filter(
        NodeResourcesFit,
        pod("p", extra_requests={"example.com/gpu": "2", "ephemeral-storage": "20Gi"}),
        n,
    )
    assert verdict(s) == (
        "Unschedulable",
        ("Insufficient ephemeral-storage", "Insufficient example.com/gpu"),
    )
    ignored = run_filter(
        NodeResourcesFit,
        pod("p", extra_requests={"example.com/gpu": "2"}),
        n,
        args={"ignoredResources": ["example.com/gpu"]},
    )
    assert ignored is None


def test_taint_toleration_filter() -> None:
    cp = node_info(
        node(
            "cp", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
        )
    )
    s = run_filter(TaintToleration, pod("p"), cp)
    assert verdict(s) == (
        "UnschedulableAndUnresolvable",
        ("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",),
    )
    tol = [
        {
            "key": "node-role.kubernetes.io/control-plane",
            "operator": "Exists",
            "effect": "NoSchedule",
        }
    ]
    assert run_filter(TaintToleration, pod("p", tolerations=tol), cp) is None
    # the first untolerated taint (in the node's order) is reported, with its value
    two = node_info(
        node(
            "n",
            taints=[
                {"key": "a", "value": "1", "effect": "PreferNoSchedule"},
                {"key": "b", "value": "2", "effect": "NoExecute"},
                {"key": "c", "value": "3", "effect": "NoSchedule"},
            ],
        )
    )
    assert verdict(run_filter(TaintToleration, pod("p"), two)) == (
        "UnschedulableAndUnresolvable",
        ("node(s) had untolerated taint {b: 2}",),
    )
    # Equal needs the same value; an empty key with Exists tolerates everything
    eq = [{"key": "b", "operator": "Equal", "value": "9"}]
    assert verdict(run_filter(TaintToleration, pod("p", tolerations=eq), two)) == (
        "UnschedulableAndUnresolvable",
        ("node(s) had untolerated taint {b: 2}",),
    )
    assert run_filter(TaintToleration, pod("p", tolerations=[{"operator": "Exists"}]), two) is None


def test_node_unschedulable_and_node_name() -> None:
    cordoned = node_info(node("n", unschedulable=True))
    assert verdict(run_filter(NodeUnschedulable, pod("p"), cordoned)) == (
        "UnschedulableAndUnresolvable",
        ("node(s) were unschedulable",),
    )
    tol = [
        {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert run_filter(NodeUnschedulable, pod("p", tolerations=tol), cordoned) is None
    other = node_info(node("other"))
    assert verdict(run_filter(NodeName, pod("p", nodeName="n"), other)) == (
        "UnschedulableAndUnresolvable",
        ("node(s) didn't match the requested node name",),
    )


def test_node_affinity_filter() -> None:
    ssd = node_info(node("a", labels={"disk": "ssd", "gen": "5"}))
    hdd = node_info(node("b", labels={"disk": "hdd", "gen": "3"}))
    sel = pod("p", nodeSelector={"disk": "ssd"})
    assert run_filter(NodeAffinity, sel, ssd) is None
    assert verdict(run_filter(NodeAffinity, sel, hdd)) == (
        "UnschedulableAndUnresolvable",
        ("node(s) didn't match Pod's node affinity/selector",),
    )
    # terms are ORed; Gt compares integers
    aff = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["4"]}]},
                    {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["nvme"]}]},
                ]
            }
        }
    }
    assert run_filter(NodeAffinity, pod("p", affinity=aff), ssd) is None
    assert run_filter(NodeAffinity, pod("p", affinity=aff), hdd) is not None


def test_node_affinity_prefilter_node_names() -> None:
    a, b = node_info(node("a")), node_info(node("b"))
    pl = NodeAffinity({}, handle_for(a, b))
    aff = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["b"]}]}
                ]
            }
        }
    }
    res, s = pl.pre_filter(new_state(), PodInfo(pod("p", affinity=aff)), [a, b])
    assert s is None and res is not None and res.node_names == {"b"}
    clash = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchFields": [
                            {"key": "metadata.name", "operator": "In", "values": ["a"]},
                            {"key": "metadata.name", "operator": "In", "values": ["b"]},
                        ]
                    }
                ]
            }
        }
    }
    _, s = pl.pre_filter(new_state(), PodInfo(pod("p", affinity=clash)), [a, b])
    assert verdict(s) == ("UnschedulableAndUnresolvable", ("pod affinity terms conflict",))


def test_node_ports() -> None:
    def with_port(name: str, port: int, ip: str = "", proto: str = "") -> dict[str, Any]:
        p = pod(name)
        entry: dict[str, Any] = {"containerPort": 80, "hostPort": port}
        if ip:
            entry["hostIP"] = ip
        if proto:
            entry["protocol"] = proto
        p["spec"]["containers"][0]["ports"] = [entry]
        return p

    used = node_info(node("n"), with_port("e", 8080, ip="10.0.0.1"))
    msg = ("Unschedulable", ("node(s) didn't have free ports for the requested pod ports",))
    # 0.0.0.0 (no hostIP) conflicts with the same port on any address
    assert verdict(run_filter(NodePorts, with_port("p", 8080), used)) == msg
    assert verdict(run_filter(NodePorts, with_port("p", 8080, ip="10.0.0.1"), used)) == msg
    assert run_filter(NodePorts, with_port("p", 8080, ip="10.0.0.2"), used) is None
    assert run_filter(NodePorts, with_port("p", 8080, proto="UDP"), used) is None
    assert run_filter(NodePorts, with_port("p", 9090), used) is None


def test_pod_topology_spread_filter() -> None:
    web = {"app": "web"}
    tsc = [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": web},
        }
    ]
    a = node_info(node("a", zone="a"), pod("w1", labels=web))
    b = node_info(node("b", zone="b"))
    nolabel = node_info(node("c"))
    p = pod("p", labels=web, topologySpreadConstraints=tsc)
    # zone a: 1 + 1 - min(0) = 2 > 1
    assert verdict(run_filter(PodTopologySpread, p, a, b, nolabel)) == (
        "Unschedulable",
        ("node(s) didn't match pod topology spread constraints",),
    )
    assert run_filter(PodTopologySpread, p, b, a, nolabel) is None
    assert verdict(run_filter(PodTopologySpread, p, nolabel, a, b)) == (
        "UnschedulableAndUnresolvable",
        ("node(s) didn't match pod topology spread constraints (missing required label)",),
    )
    # minDomains 3 with only 2 zones: the global minimum counts as 0, so zone b (0 + 1 - 0)
    # passes but zone a (1 + 1 - 0 = 2) fails even with maxSkew... and with maxSkew 2 it passes
    md = [dict(tsc[0], minDomains=3, maxSkew=2)]
    p2 = pod("p", labels=web, topologySpreadConstraints=md)
    a2 = node_info(node("a", zone="a"), pod("w1", labels=web), pod("w2", labels=web))
    b2 = node_info(node("b", zone="b"), pod("w3", labels=web))
    # zone b: 1 + 1 - 0 = 2 <= 2 passes; zone a: 2 + 1 - 0 = 3 > 2 fails. Without minDomains
    # the minimum would be 1 and zone a would pass (2 + 1 - 1 = 2).
    assert run_filter(PodTopologySpread, p2, b2, a2) is None
    assert run_filter(PodTopologySpread, p2, a2, b2) is not None
    p3 = pod("p", labels=web, topologySpreadConstraints=[dict(tsc[0], maxSkew=2)])
    assert run_filter(PodTopologySpread, p3, a2, b2) is None


def test_inter_pod_affinity_filter_reasons() -> None:
    def term(app: str, key: str = "kubernetes.io/hostname") -> dict[str, Any]:
        return {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key}

    db_node = node_info(node("n1", zone="a"), pod("db", labels={"app": "db"}))
    empty = node_info(node("n2", zone="b"))
    affinity = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                term("db", "topology.kubernetes.io/zone")
            ]
        }
    }
    assert run_filter(InterPodAffinity, pod("p", affinity=affinity), db_node, empty) is None
    assert verdict(run_filter(InterPodAffinity, pod("p", affinity=affinity), empty, db_node)) == (
        "UnschedulableAndUnresolvable",
        ("node(s) didn't match pod affinity rules",),
    )
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("db")]}}
    assert verdict(run_filter(InterPodAffinity, pod("p", affinity=anti), db_node, empty)) == (
        "Unschedulable",
        ("node(s) didn't match pod anti-affinity rules",),
    )
    assert run_filter(InterPodAffinity, pod("p", affinity=anti), empty, db_node) is None
    # an existing pod's anti-affinity keeps matching pods away from its zone
    guard = pod(
        "g",
        labels={"app": "guard"},
        affinity={
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    term("web", "topology.kubernetes.io/zone")
                ]
            }
        },
    )
    guarded = node_info(node("n3", zone="c"), guard)
    same_zone = node_info(node("n4", zone="c"))
    web = pod("w", labels={"app": "web"})
    assert verdict(run_filter(InterPodAffinity, web, same_zone, guarded)) == (
        "Unschedulable",
        ("node(s) didn't satisfy existing pods anti-affinity rules",),
    )
    assert run_filter(InterPodAffinity, web, empty, guarded) is None


def test_first_pod_of_a_self_affine_group_may_go_anywhere() -> None:
    # satisfyPodAffinity: no pod matches anywhere, but the pod matches its own term.
    aff = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "web"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    n = node_info(node("n"))
    assert run_filter(InterPodAffinity, pod("p", labels={"app": "web"}, affinity=aff), n) is None
    assert run_filter(InterPodAffinity, pod("p", labels={"app": "x"}, affinity=aff), n) is not None


def test_scheduling_gates() -> None:
    pl = SchedulingGates({}, handle_for())
    gated = PodInfo(pod("p", schedulingGates=[{"name": "example.com/a"}, {"name": "b"}]))
    assert verdict(pl.pre_enqueue(gated)) == (
        "UnschedulableAndUnresolvable",
        ("waiting for scheduling gates: [example.com/a b]",),
    )
    assert pl.pre_enqueue(PodInfo(pod("q"))) is None
