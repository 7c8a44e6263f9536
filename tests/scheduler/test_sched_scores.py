"""Score plugins against scores computed by hand from the upstream formulas.

Nodes have 4 cpu (4000m) and 8Gi (8192Mi) unless said otherwise; 200Mi and 100m are the
non-zero defaults for a container without requests (pkg/scheduler/util/pod_resources.go).
"""

from __future__ import annotations

from typing import Any

import pytest
from sched_builders import handle_for, new_state, node, node_info, pod

from kubelab.scheduler.cache import Cache
from kubelab.scheduler.framework import Handle, NodeScore
from kubelab.scheduler.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from kubelab.scheduler.plugins.imagelocality import ImageLocality
from kubelab.scheduler.plugins.interpodaffinity import InterPodAffinity
from kubelab.scheduler.plugins.nodeaffinity import NodeAffinity
from kubelab.scheduler.plugins.noderesources_fit import NodeResourcesFit
from kubelab.scheduler.plugins.podtopologyspread import PodTopologySpread
from kubelab.scheduler.plugins.tainttoleration import TaintToleration
from kubelab.scheduler.types import PodInfo


def fit_score(args: dict[str, Any], incoming: dict[str, Any], *existing: dict[str, Any]) -> int:
    ni = node_info(node("n"), *existing)
    pl = NodeResourcesFit(args, handle_for(ni))
    st = new_state()
    pi = PodInfo(incoming)
    pl.pre_score(st, pi, [ni])
    return pl.score(st, pi, ni)[0]


def strategy(kind: str, cpu_w: int = 1, mem_w: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "scoringStrategy": {
            "type": kind,
            "resources": [{"name": "cpu", "weight": cpu_w}, {"name": "memory", "weight": mem_w}],
            **extra,
        }
    }


LEAST = [
    # cpu (4000-1000)*100/4000 = 75; mem (8-2)*100/8 = 75; (75+75)/2 = 75
    (strategy("LeastAllocated"), pod("p", "1", "2Gi"), [], 75),
    # cpu (4000-3000)*100/4000 = 25; mem (8192-5120)*100/8192 = 37.5 -> 37; 62/2 = 31
    (strategy("LeastAllocated"), pod("p", "1", "1Gi"), [pod("e", "2", "4Gi")], 31),
    # no requests: 100m and 200Mi. cpu 3900*100/4000 = 97.5 -> 97; mem 7992*100/8192 = 97.5 -> 97
    (strategy("LeastAllocated"), pod("p"), [], 97),
    # cpu over-requested (4000+1000 > 4000) -> 0; the existing pod sets no memory request, so
    # it counts 200Mi: mem (8192-1224)*100/8192 = 85.06 -> 85; (0+85)/2 = 42
    (strategy("LeastAllocated"), pod("p", "1", "1Gi"), [pod("e", "4")], 42),
    # weights cpu 3, memory 1: cpu 50, mem 25 -> (150+25)/4 = 43
    (strategy("LeastAllocated", cpu_w=3), pod("p", "2", "6Gi"), [], 43),
]

MOST = [
    # cpu 1000*100/4000 = 25; mem 2*100/8 = 25
    (strategy("MostAllocated"), pod("p", "1", "2Gi"), [], 25),
    # cpu 3000*100/4000 = 75; mem 5120*100/8192 = 62.5 -> 62; 137/2 = 68
    (strategy("MostAllocated"), pod("p", "1", "1Gi"), [pod("e", "2", "4Gi")], 68),
    # no requests: cpu 100*100/4000 = 2.5 -> 2; mem 200*100/8192 = 2.44 -> 2
    (strategy("MostAllocated"), pod("p"), [], 2),
    # cpu 5000 capped at 4000 -> 100; mem 1224*100/8192 = 14.9 -> 14; 114/2 = 57
    (strategy("MostAllocated"), pod("p", "1", "1Gi"), [pod("e", "4")], 57),
    # weights cpu 1, memory 2: cpu 75, mem 25 -> (75 + 50)/3 = 41
    (strategy("MostAllocated", mem_w=2), pod("p", "3", "2Gi"), [], 41),
]


def rtcr(*points: tuple[int, int]) -> dict[str, Any]:
    shape = [{"utilization": u, "score": s} for u, s in points]
    return strategy("RequestedToCapacityRatio", requestedToCapacityRatio={"shape": shape})


RTCR = [
    # shape (0,0)-(100,10), scores x10: util cpu 25 -> 25; mem 25 -> 25
    (rtcr((0, 0), (100, 10)), pod("p", "1", "2Gi"), [], 25),
    # util cpu 75 -> 75; mem 5120*100/8192 = 62 -> 62; (75+62)/2 = 68.5 -> math.Round 69
    (rtcr((0, 0), (100, 10)), pod("p", "1", "1Gi"), [pod("e", "2", "4Gi")], 69),
    # shape (0,10)-(100,0): util 25 -> 100 + (0-100)*25/100 = 75
    (rtcr((0, 10), (100, 0)), pod("p", "1", "2Gi"), [], 75),
    # shape (0,10),(30,5),(100,0): util 50 -> 50 + (0-50)*(50-30)/70 = 50 + trunc(-14.29) = 36
    # (Go truncates toward zero; flooring would give 35)
    (rtcr((0, 10), (30, 5), (100, 0)), pod("p", "2", "4Gi"), [], 36),
    # cpu "0" stays 0 (not the non-zero default): util 0 -> score 0 -> left out of the mean;
    # mem 25 -> 25, mean over memory only = 25
    (rtcr((0, 0), (100, 10)), pod("p", "0", "2Gi"), [], 25),
]


@pytest.mark.parametrize(("args", "incoming", "existing", "want"), LEAST + MOST + RTCR)
def test_node_resources_fit_strategies(
    args: dict[str, Any], incoming: dict[str, Any], existing: list[dict[str, Any]], want: int
) -> None:
    assert fit_score(args, incoming, *existing) == want


def balanced(incoming: dict[str, Any], *existing: dict[str, Any]) -> int:
    ni = node_info(node("n"), *existing)
    pl = NodeResourcesBalancedAllocation({}, handle_for(ni))
    st = new_state()
    pi = PodInfo(incoming)
    pl.pre_score(st, pi, [ni])
    return pl.score(st, pi, ni)[0]


@pytest.mark.parametrize(
    ("incoming", "existing", "want"),
    [
        # fractions 0.25, 0.25 -> std 0 -> 100
        (pod("p", "1", "2Gi"), [], 100),
        # 0.25, 0.5 -> std 0.125 -> 87.5 -> 87
        (pod("p", "1", "4Gi"), [], 87),
        # actual requests (not the non-zero defaults): 0, 0 -> 100
        (pod("p"), [], 100),
        # cpu (3000+1000)/4000 = 1.0, mem 2/8 = 0.25 -> std 0.375 -> 62.5 -> 62
        (pod("p", "1", "1Gi"), [pod("e", "3", "1Gi")], 62),
        # cpu 6000/4000 capped at 1, mem 0.5 -> std 0.25 -> 75
        (pod("p", "2", "4Gi"), [pod("e", "4")], 75),
    ],
)
def test_balanced_allocation(
    incoming: dict[str, Any], existing: list[dict[str, Any]], want: int
) -> None:
    assert balanced(incoming, *existing) == want


MiB = 1024 * 1024


def image_scores(pod_spec: dict[str, Any], nodes: list[dict[str, Any]]) -> dict[str, int]:
    cache = Cache()
    for n in nodes:
        cache.add_node(n)
    h = Handle()
    h.snapshot = cache.snapshot()
    pl = ImageLocality({}, h)
    pi = PodInfo(pod_spec)
    return {ni.name: pl.score(new_state(), pi, ni)[0] for ni in h.snapshot.list()}


def test_image_locality_hand_computed() -> None:
    both = [
        (["nginx:1.25"], 250 * MiB),
        (["big:1"], 2000 * MiB),
        (["a:1"], 500 * MiB),
        (["b:1"], 500 * MiB),
    ]
    nodes = [
        node("n1", images=[*both, (["half:1"], 250 * MiB)]),
        node("n2", images=both),
        node("n3", images=[]),
    ]
    # 3 nodes. nginx on 2 of 3: 250MiB * 2/3 = 166.67MiB; 100*(166.67-23)/(1000-23) = 14.7 -> 14
    assert image_scores(pod("p", image="nginx:1.25"), nodes) == {"n1": 14, "n2": 14, "n3": 0}
    # half:1 on 1 of 3 nodes: 83.3MiB -> 100*(83.33-23)/977 = 6.17 -> 6
    assert image_scores(pod("p", image="half:1"), nodes)["n1"] == 6
    # big:1 2000MiB * 2/3 = 1333MiB, clamped to 1000MiB -> 100
    assert image_scores(pod("p", image="big:1"), nodes)["n2"] == 100
    # an init container counts: 2 containers, a:1 and b:1 (each 500MiB * 2/3 = 333.3MiB):
    # sum 666.67MiB, max 2000MiB -> 100*(666.67-23)/(2000-23) = 32.56 -> 32
    two = pod("p", image="a:1", initContainers=[{"name": "i", "image": "b:1"}])
    assert image_scores(two, nodes)["n1"] == 32
    # no tag means :latest; the node lists nginx:latest
    latest = [node("x", images=[(["nginx:latest"], 500 * MiB)])]
    # 1 of 1 nodes: 500MiB -> 100*(500-23)/977 = 48.8 -> 48
    assert image_scores(pod("p", image="nginx"), latest) == {"x": 48}


def normalized(pl: Any, st: Any, pi: PodInfo, infos: list[Any]) -> dict[str, int]:
    scores = [NodeScore(ni.name, pl.score(st, pi, ni)[0]) for ni in infos]
    pl.normalize_score(st, pi, scores)
    return {s.name: s.score for s in scores}


def prefer(key: str, value: str = "x") -> dict[str, str]:
    return {"key": key, "value": value, "effect": "PreferNoSchedule"}


@pytest.mark.parametrize(
    ("taint_sets", "tolerations", "want"),
    [
        # counts 0, 1, 2 -> 100 - 100*c/2: 100, 50, 0
        ([[], [prefer("a")], [prefer("a"), prefer("b")]], [], [100, 50, 0]),
        # no PreferNoSchedule taint anywhere -> every node 100
        ([[], [], []], [], [100, 100, 100]),
        # tolerating "a" (empty effect tolerates every effect): counts 0, 0, 1 -> 100, 100, 0
        (
            [[], [prefer("a")], [prefer("a"), prefer("b")]],
            [{"key": "a", "operator": "Exists"}],
            [100, 100, 0],
        ),
        # counts 1, 3 -> 100 - 100*1/3 = 100 - 33 = 67; 0
        ([[prefer("a")], [prefer("a"), prefer("b"), prefer("c")]], [], [67, 0]),
        # NoSchedule taints do not count in the score (counts 0, 1): 100, 0
        ([[{"key": "z", "effect": "NoSchedule"}], [prefer("a")]], [], [100, 0]),
    ],
)
def test_taint_toleration_score(
    taint_sets: list[list[dict[str, Any]]], tolerations: list[dict[str, Any]], want: list[int]
) -> None:
    infos = [node_info(node(f"n{i}", taints=t)) for i, t in enumerate(taint_sets)]
    pl = TaintToleration({}, handle_for(*infos))
    pi = PodInfo(pod("p", tolerations=tolerations))
    st = new_state()
    pl.pre_score(st, pi, infos)
    got = normalized(pl, st, pi, infos)
    assert [got[ni.name] for ni in infos] == want


def test_node_affinity_preferred_score() -> None:
    infos = [
        node_info(node("a", labels={"zone": "a", "disk": "ssd"})),  # 2 + 5 = 7
        node_info(node("b", labels={"zone": "a"})),  # 2
        node_info(node("c", labels={"disk": "ssd"})),  # 5
        node_info(node("d")),  # 0
    ]
    affinity = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 2,
                    "preference": {
                        "matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]
                    },
                },
                {
                    "weight": 5,
                    "preference": {"matchExpressions": [{"key": "disk", "operator": "Exists"}]},
                },
            ]
        }
    }
    pl = NodeAffinity({}, handle_for(*infos))
    pi = PodInfo(pod("p", affinity=affinity))
    st = new_state()
    assert pl.pre_score(st, pi, infos) is None
    assert {ni.name: pl.score(st, pi, ni)[0] for ni in infos} == {"a": 7, "b": 2, "c": 5, "d": 0}
    # 100*s/7: 100, 28.6 -> 28, 71.4 -> 71, 0
    assert normalized(pl, st, pi, infos) == {"a": 100, "b": 28, "c": 71, "d": 0}
    # no preferred terms: PreScore says Skip
    plain = PodInfo(pod("q"))
    s = pl.pre_score(new_state(), plain, infos)
    assert s is not None and s.code.name == "Skip"


def test_pod_topology_spread_score() -> None:
    web = {"app": "web"}
    infos = [
        node_info(node("n1", zone="a"), pod("w1", labels=web), pod("w2", labels=web)),
        node_info(node("n2", zone="b")),
        node_info(node("n3", zone="c"), pod("w3", labels=web), pod("x", labels={"app": "x"})),
    ]
    pl = PodTopologySpread({"defaultingType": "List"}, handle_for(*infos))
    tsc = [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": web},
        }
    ]
    pi = PodInfo(pod("p", labels=web, topologySpreadConstraints=tsc))
    st = new_state()
    assert pl.pre_score(st, pi, infos) is None
    # 3 zones: weight ln(3+2) = 1.609; score = count*1.609 + (maxSkew-1)
    # n1: 2*1.609 = 3.22 -> 3; n2: 0; n3: 1.609 -> 2
    assert {ni.name: pl.score(st, pi, ni)[0] for ni in infos} == {"n1": 3, "n2": 0, "n3": 2}
    # 100*(max+min-s)/max with max 3, min 0: n1 0, n2 100, n3 100*1/3 = 33
    assert normalized(pl, st, pi, infos) == {"n1": 0, "n2": 100, "n3": 33}


def test_pod_topology_spread_hostname_and_max_skew() -> None:
    web = {"app": "web"}
    infos = [
        node_info(node("n1"), pod("w1", labels=web)),
        node_info(node("n2")),
    ]
    pl = PodTopologySpread({"defaultingType": "List"}, handle_for(*infos))
    tsc = [
        {
            "maxSkew": 3,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": web},
        }
    ]
    pi = PodInfo(pod("p", labels=web, topologySpreadConstraints=tsc))
    st = new_state()
    pl.pre_score(st, pi, infos)
    # hostname: size = 2 filtered nodes, weight ln(4) = 1.386; maxSkew-1 = 2 is added:
    # n1: 1*1.386 + 2 = 3.39 -> 3; n2: 0 + 2 = 2
    assert {ni.name: pl.score(st, pi, ni)[0] for ni in infos} == {"n1": 3, "n2": 2}
    # max 3, min 2: n1 100*(3+2-3)/3 = 66; n2 100*(3+2-2)/3 = 100
    assert normalized(pl, st, pi, infos) == {"n1": 66, "n2": 100}


def test_inter_pod_affinity_score() -> None:
    infos = [
        node_info(node("n1", zone="a"), pod("db", labels={"app": "db"})),
        node_info(node("n2", zone="a"), pod("web", labels={"app": "web"})),
        node_info(node("n3", zone="b")),
    ]
    affinity = {
        "podAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 10,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"app": "db"}},
                        "topologyKey": "topology.kubernetes.io/zone",
                    },
                }
            ]
        },
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 5,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"app": "web"}},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }
            ]
        },
    }
    pl = InterPodAffinity({"hardPodAffinityWeight": 1}, handle_for(*infos))
    pi = PodInfo(pod("p", affinity=affinity))
    st = new_state()
    assert pl.pre_score(st, pi, infos) is None
    # zone a gets +10 (db is there); n2's hostname gets -5 (web is there)
    assert {ni.name: pl.score(st, pi, ni)[0] for ni in infos} == {"n1": 10, "n2": 5, "n3": 0}
    # 100*(s-min)/(max-min): 100, 50, 0
    assert normalized(pl, st, pi, infos) == {"n1": 100, "n2": 50, "n3": 0}


def test_inter_pod_affinity_hard_weight_of_existing_pods() -> None:
    # An existing pod with a *required* affinity to app=web adds hardPodAffinityWeight to its
    # zone for an incoming web pod, even though the incoming pod has no affinity at all.
    aff = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "web"}},
                    "topologyKey": "topology.kubernetes.io/zone",
                }
            ]
        }
    }
    infos = [
        node_info(node("n1", zone="a"), pod("cache", labels={"app": "cache"}, affinity=aff)),
        node_info(node("n2", zone="b")),
    ]
    pi = PodInfo(pod("p", labels={"app": "web"}))
    for weight, want in ((1, {"n1": 1, "n2": 0}), (7, {"n1": 7, "n2": 0})):
        pl = InterPodAffinity({"hardPodAffinityWeight": weight}, handle_for(*infos))
        st = new_state()
        assert pl.pre_score(st, pi, infos) is None
        assert {ni.name: pl.score(st, pi, ni)[0] for ni in infos} == want
    pl0 = InterPodAffinity({"hardPodAffinityWeight": 0}, handle_for(*infos))
    s = pl0.pre_score(new_state(), pi, infos)
    assert s is not None and s.code.name == "Skip"
