"""PodTopologySpread (``pkg/scheduler/framework/plugins/podtopologyspread/``: ``plugin.go``,
``common.go``, ``filtering.go``, ``scoring.go``; v1.32).

A constraint counts, per topology domain (the value of ``topologyKey`` on the nodes), the pods
in the pod's namespace matching ``labelSelector`` (terminating pods are not counted, an empty
selector counts nothing). Only nodes that carry every constraint's topology key, match the
pod's required node affinity (``nodeAffinityPolicy: Honor``, the default) and -- with
``nodeTaintsPolicy: Honor`` (default Ignore) -- whose taints the pod tolerates, make domains.

Filter (``whenUnsatisfiable: DoNotSchedule``): on node n in domain d,
``count(d) + selfMatch - globalMin <= maxSkew``, where ``globalMin`` is the smallest count over
the domains -- or 0 while there are fewer domains than ``minDomains``. Failing is Unschedulable
``node(s) didn't match pod topology spread constraints``; a node without the key is
UnschedulableAndUnresolvable ``... (missing required label)``.

Score (``ScheduleAnyway``): ``sum over constraints of count * log(size + 2) + (maxSkew - 1)``
(size = number of domains among the filtered nodes; for ``kubernetes.io/hostname`` the node's
own count and the number of filtered nodes), rounded; normalized as ``100 * (max + min - s) /
max``. Pods with no constraints get the system defaults (hostname maxSkew 3, zone maxSkew 5,
ScheduleAnyway) when a Service, ReplicaSet, StatefulSet or ReplicationController selects them.
Weight 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kubelab.api import Selector, SelectorError, selector_from_dict
from kubelab.api.selectors import EQUALS, Requirement
from kubelab.scheduler.config import SYSTEM_DEFAULT_CONSTRAINTS
from kubelab.scheduler.framework import (
    MAX_NODE_SCORE,
    Code,
    CycleState,
    FilterPlugin,
    Handle,
    NodeScore,
    PreFilterPlugin,
    PreFilterResult,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from kubelab.scheduler.nodeselector import (
    LABEL_HOSTNAME,
    RequiredNodeAffinity,
    find_untolerated_taint,
)
from kubelab.scheduler.plugins.helper import default_selector, round_half_away_float
from kubelab.scheduler.types import NodeInfo, PodInfo

NAME = "PodTopologySpread"
#: filtering.go ErrReasonConstraintsNotMatch / ErrReasonNodeLabelNotMatch.
ERR_REASON_CONSTRAINTS_NOT_MATCH: Final = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH: Final = (
    ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
)
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_PRE_SCORE_KEY: Final = "PreScore" + NAME
_MAX_INT32: Final = 2**31 - 1


@dataclass
class Constraint:
    """common.go ``topologySpreadConstraint`` (defaults: minDomains 1, nodeAffinityPolicy
    Honor, nodeTaintsPolicy Ignore)."""

    max_skew: int
    topology_key: str
    selector: Selector
    min_domains: int = 1
    node_affinity_policy: str = "Honor"
    node_taints_policy: str = "Ignore"

    def matches_inclusion(self, pod: PodInfo, node: NodeInfo, req: RequiredNodeAffinity) -> bool:
        """common.go ``matchNodeInclusionPolicies``."""
        if self.node_affinity_policy == "Honor" and not req.matches(
            node.labels, {"metadata.name": node.name}
        ):
            return False
        if self.node_taints_policy == "Honor":
            tols = (pod.pod.get("spec") or {}).get("tolerations") or []
            if find_untolerated_taint(node.taints, tols) is not None:
                return False
        return True


def count_pods_match_selector(pods: Sequence[PodInfo], selector: Selector, namespace: str) -> int:
    """common.go ``countPodsMatchSelector``: an empty selector counts nothing; terminating
    pods and pods of other namespaces are not counted."""
    if selector.empty():
        return 0
    n = 0
    for p in pods:
        if p.deleting or p.namespace != namespace:
            continue
        if selector.matches(p.labels):
            n += 1
    return n


def node_labels_match(labels: Mapping[str, str], constraints: Sequence[Constraint]) -> bool:
    """common.go ``nodeLabelsMatchSpreadConstraints``: every topology key is on the node."""
    return all(c.topology_key in labels for c in constraints)


def filter_constraints(
    constraints: Sequence[Mapping[str, Any]], pod_labels: Mapping[str, str], action: str
) -> list[Constraint]:
    """common.go ``filterTopologySpreadConstraints``: the pod's constraints for one action,
    with ``matchLabelKeys`` merged into the selector."""
    out: list[Constraint] = []
    for c in constraints:
        if c.get("whenUnsatisfiable") != action:
            continue
        selector = selector_from_dict(c.get("labelSelector"))
        keys = c.get("matchLabelKeys") or []
        extra = [Requirement(k, EQUALS, (pod_labels[k],)) for k in keys if k in pod_labels]
        if extra:
            selector = selector.add(*extra)
        out.append(
            Constraint(
                max_skew=int(c.get("maxSkew") or 0),
                topology_key=str(c.get("topologyKey") or ""),
                selector=selector,
                min_domains=int(c["minDomains"]) if c.get("minDomains") is not None else 1,
                node_affinity_policy=str(c.get("nodeAffinityPolicy") or "Honor"),
                node_taints_policy=str(c.get("nodeTaintsPolicy") or "Ignore"),
            )
        )
    return out


class CriticalPaths:
    """filtering.go ``criticalPaths``: the two smallest (domain, count) pairs, kept up to
    date as counts change; ``paths[0]`` always holds the global minimum."""

    __slots__ = ("paths",)

    def __init__(self) -> None:
        self.paths: list[list[Any]] = [["", _MAX_INT32], ["", _MAX_INT32]]

    def update(self, value: str, num: int) -> None:
        p = self.paths
        i = 0 if value == p[0][0] else 1 if value == p[1][0] else -1
        if i >= 0:
            p[i][1] = num
            if p[0][1] > p[1][1]:
                p[0], p[1] = p[1], p[0]
        elif num < p[0][1]:
            p[1] = p[0]
            p[0] = [value, num]
        elif num < p[1][1]:
            p[1] = [value, num]

    def clone(self) -> CriticalPaths:
        c = CriticalPaths()
        c.paths = [list(self.paths[0]), list(self.paths[1])]
        return c


class PreFilterState:
    """filtering.go ``preFilterState``."""

    def __init__(self, constraints: list[Constraint]) -> None:
        self.constraints = constraints
        self.critical_paths: list[CriticalPaths] = [CriticalPaths() for _ in constraints]
        self.tp_value_to_match_num: list[dict[str, int]] = [{} for _ in constraints]
        self.tp_key_to_domains_num: dict[str, int] = {}

    def min_match_num(self, i: int) -> int:
        """``minMatchNum``: the global minimum, 0 while domains < minDomains."""
        c = self.constraints[i]
        m = int(self.critical_paths[i].paths[0][1])
        if self.tp_key_to_domains_num.get(c.topology_key, 0) < c.min_domains:
            return 0
        return m

    def update_with_pod(
        self, updated: PodInfo, preemptor: PodInfo, node: NodeInfo, delta: int
    ) -> None:
        """``updateWithPod``: a pod added to / removed from ``node`` during preemption."""
        if updated.namespace != preemptor.namespace:
            return
        if not node_labels_match(node.labels, self.constraints):
            return
        req = RequiredNodeAffinity(preemptor.pod)
        for i, c in enumerate(self.constraints):
            if not c.selector.matches(updated.labels):
                continue
            if not c.matches_inclusion(preemptor, node, req):
                continue
            v = node.labels[c.topology_key]
            m = self.tp_value_to_match_num[i]
            m[v] = m.get(v, 0) + delta
            self.critical_paths[i].update(v, m[v])

    def clone(self) -> PreFilterState:
        c = PreFilterState(self.constraints)
        c.critical_paths = [p.clone() for p in self.critical_paths]
        c.tp_value_to_match_num = [dict(m) for m in self.tp_value_to_match_num]
        c.tp_key_to_domains_num = dict(self.tp_key_to_domains_num)
        return c


class PreScoreState:
    """scoring.go ``preScoreState``."""

    def __init__(self) -> None:
        self.constraints: list[Constraint] = []
        self.ignored_nodes: set[str] = set()
        self.topology_value_to_pod_counts: list[dict[str, int]] = []
        self.topology_normalizing_weight: list[float] = []


def topology_normalizing_weight(size: int) -> float:
    """scoring.go ``topologyNormalizingWeight``: ``log(size + 2)``."""
    return math.log(size + 2)


def score_for_count(cnt: int, max_skew: int, weight: float) -> float:
    """scoring.go ``scoreForCount``: ``cnt * weight + (maxSkew - 1)``."""
    return cnt * weight + (max_skew - 1)


class PodTopologySpread(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = NAME
    normalizes = True

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        super().__init__(args, handle)
        self.defaulting_type = str(args.get("defaultingType") or "System")
        if self.defaulting_type == "System":
            self.default_constraints: list[Mapping[str, Any]] = list(SYSTEM_DEFAULT_CONSTRAINTS)
            self.system_defaulted = True
        else:
            self.default_constraints = list(args.get("defaultConstraints") or [])
            self.system_defaulted = False

    # -- shared ------------------------------------------------------------------------------

    def _build_default_constraints(self, pod: PodInfo, action: str) -> list[Constraint]:
        """common.go ``buildDefaultConstraints``."""
        constraints = filter_constraints(self.default_constraints, pod.labels, action)
        if not constraints:
            return []
        selector = default_selector(pod, self.handle.snapshot)
        if selector.empty():
            return []
        for c in constraints:
            c.selector = selector
        return constraints

    def _constraints(self, pod: PodInfo, action: str) -> list[Constraint]:
        own = (pod.pod.get("spec") or {}).get("topologySpreadConstraints") or []
        if own:
            return filter_constraints(own, pod.labels, action)
        return self._build_default_constraints(pod, action)

    # -- filter ------------------------------------------------------------------------------

    def calc_pre_filter_state(self, pod: PodInfo) -> PreFilterState:
        """filtering.go ``calPreFilterState``."""
        constraints = self._constraints(pod, "DoNotSchedule")
        s = PreFilterState(constraints)
        if not constraints:
            return s
        req = RequiredNodeAffinity(pod.pod)
        domains: dict[str, set[str]] = {}
        for node in self.handle.snapshot.list():
            if not node_labels_match(node.labels, constraints):
                continue
            for i, c in enumerate(constraints):
                if not c.matches_inclusion(pod, node, req):
                    continue
                v = node.labels[c.topology_key]
                n = count_pods_match_selector(node.pods, c.selector, pod.namespace)
                m = s.tp_value_to_match_num[i]
                m[v] = m.get(v, 0) + n
                domains.setdefault(c.topology_key, set()).add(v)
        s.tp_key_to_domains_num = {k: len(v) for k, v in domains.items()}
        for i in range(len(constraints)):
            m = s.tp_value_to_match_num[i]
            for v in sorted(m):
                s.critical_paths[i].update(v, m[v])
        return s

    def pre_filter(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status | None]:
        try:
            s = self.calc_pre_filter_state(pod)
        except SelectorError as err:
            return None, Status(Code.Error, str(err))
        if not s.constraints:
            return None, Status(Code.Skip)
        state.write(_PRE_FILTER_KEY, s)
        return None, None

    def pre_filter_extensions(self) -> PodTopologySpread:
        return self

    def add_pod(
        self, state: CycleState, pod: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s = state.get(_PRE_FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod_to_add, pod, node_info, 1)
        return None

    def remove_pod(
        self, state: CycleState, pod: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s = state.get(_PRE_FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod_to_remove, pod, node_info, -1)
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: PreFilterState | None = state.get(_PRE_FILTER_KEY)
        if s is None:
            s = self.calc_pre_filter_state(pod)
        if not s.constraints:
            return None
        for i, c in enumerate(s.constraints):
            tp_val = node_info.labels.get(c.topology_key)
            if tp_val is None:
                return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_LABEL_NOT_MATCH)
            min_match = s.min_match_num(i)
            self_match = 1 if c.selector.matches(pod.labels) else 0
            match_num = s.tp_value_to_match_num[i].get(tp_val, 0)
            if match_num + self_match - min_match > c.max_skew:
                return Status(Code.Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH)
        return None

    # -- score -------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        """scoring.go ``PreScore`` / ``initPreScoreState``."""
        all_nodes = self.handle.snapshot.list()
        if not nodes or not all_nodes:
            return Status(Code.Skip)
        s = PreScoreState()
        own = bool((pod.pod.get("spec") or {}).get("topologySpreadConstraints"))
        require_all = own or not self.system_defaulted
        try:
            s.constraints = self._constraints(pod, "ScheduleAnyway")
        except SelectorError as err:
            return Status(Code.Error, str(err))
        if not s.constraints:
            return Status(Code.Skip)
        s.topology_value_to_pod_counts = [{} for _ in s.constraints]
        topo_size = [0] * len(s.constraints)
        for node in nodes:
            if require_all and not node_labels_match(node.labels, s.constraints):
                s.ignored_nodes.add(node.name)
                continue
            for i, c in enumerate(s.constraints):
                if c.topology_key == LABEL_HOSTNAME:
                    continue
                v = node.labels.get(c.topology_key, "")
                if v not in s.topology_value_to_pod_counts[i]:
                    s.topology_value_to_pod_counts[i][v] = 0
                    topo_size[i] += 1
        for i, c in enumerate(s.constraints):
            size = topo_size[i]
            if c.topology_key == LABEL_HOSTNAME:
                size = len(nodes) - len(s.ignored_nodes)
            s.topology_normalizing_weight.append(topology_normalizing_weight(size))
        req = RequiredNodeAffinity(pod.pod)
        for node in all_nodes:
            if require_all and not node_labels_match(node.labels, s.constraints):
                continue
            for i, c in enumerate(s.constraints):
                if not c.matches_inclusion(pod, node, req):
                    continue
                v = node.labels.get(c.topology_key, "")
                counts = s.topology_value_to_pod_counts[i]
                if v not in counts:
                    continue
                counts[v] += count_pods_match_selector(node.pods, c.selector, pod.namespace)
        state.write(_PRE_SCORE_KEY, s)
        return None

    def score(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[int, Status | None]:
        s: PreScoreState = state.read(_PRE_SCORE_KEY)
        if node_info.name in s.ignored_nodes:
            return 0, None
        total = 0.0
        for i, c in enumerate(s.constraints):
            v = node_info.labels.get(c.topology_key)
            if v is None:
                continue
            if c.topology_key == LABEL_HOSTNAME:
                cnt = count_pods_match_selector(node_info.pods, c.selector, pod.namespace)
            else:
                cnt = s.topology_value_to_pod_counts[i].get(v, 0)
            total += score_for_count(cnt, c.max_skew, s.topology_normalizing_weight[i])
        return round_half_away_float(total), None

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: list[NodeScore]
    ) -> Status | None:
        """scoring.go ``NormalizeScore``: ``100 * (max + min - s) / max``; ignored nodes 0."""
        s: PreScoreState = state.read(_PRE_SCORE_KEY)
        min_score = (1 << 63) - 1
        max_score = 0
        invalid: set[int] = set()
        for i, ns in enumerate(scores):
            if ns.name in s.ignored_nodes:
                invalid.add(i)
                continue
            min_score = min(min_score, ns.score)
            max_score = max(max_score, ns.score)
        for i, ns in enumerate(scores):
            if i in invalid:
                ns.score = 0
            elif max_score == 0:
                ns.score = MAX_NODE_SCORE
            else:
                ns.score = MAX_NODE_SCORE * (max_score + min_score - ns.score) // max_score
        return None

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Pod", "*"), ("Node", "*")]
