"""Preemption: make room for a pod by evicting lower-priority pods.

Models ``pkg/scheduler/framework/preemption/preemption.go`` (``Evaluator.Preempt``,
``findCandidates``, ``DryRunPreemption``, ``SelectCandidate``, ``pickOneNodeForPreemption``)
and ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``
(``SelectVictimsOnNode``, ``PodEligibleToPreemptOthers``, ``calculateNumCandidates``).

1. A pod with ``preemptionPolicy: Never`` never preempts; nor does one whose nominated node
   still has a terminating lower-priority pod (a victim of an earlier preemption).
2. Only nodes whose filter status was Unschedulable are tried: UnschedulableAndUnresolvable
   (a taint, a selector mismatch, ...) cannot be fixed by removing pods ("Preemption is not
   helpful for scheduling").
3. Starting at a random offset, nodes are dry-run until ``max(10% of them, 100)`` candidates
   (``minCandidateNodesPercentage``, ``minCandidateNodesAbsolute``) are found. On each node all
   lower-priority pods are removed; if the pod then fits, victims are "reprieved" -- added back
   one at a time from the most important (highest priority, then earliest start) -- as long as
   the pod still fits. What cannot be added back are the victims.
4. The node is chosen by, in order: fewest PodDisruptionBudget violations; lowest
   highest-victim priority; smallest sum of victim priorities (each shifted by 2^31 so
   negative priorities count); fewest victims; latest start time of the highest-priority
   victims; then the first candidate.
5. The pod is nominated to that node (``status.nominatedNodeName``); the victims are deleted and
   lower-priority pods nominated to the same node lose their nomination.

Out of scope: PodDisruptionBudgets (every victim counts as non-violating, so criterion 1 is a
tie), extenders, the asynchronous preemption of v1.32's alpha gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any, Final

from kubelab.scheduler.framework import (
    Code,
    CycleState,
    Diagnosis,
    FitError,
    NodeToStatus,
    PostFilterResult,
    Status,
    is_success,
)
from kubelab.scheduler.types import NodeInfo, PodInfo

if TYPE_CHECKING:
    from kubelab.scheduler.framework import Framework

#: default_preemption.go / defaults.go.
DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE: Final = 10
DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE: Final = 100
#: preemption.go nodesWherePreemptionMightHelp.
PREEMPTION_NOT_HELPFUL: Final = "Preemption is not helpful for scheduling"
NO_VICTIMS: Final = "No preemption victims found for incoming pod"
_MAX_INT32: Final = 2**31 - 1
_LATEST: Final = "\uffff"  # GetPodStartTime: a pod not started yet counts as "now"


def start_time_key(p: PodInfo) -> str:
    return p.start_time if p.start_time is not None else _LATEST


def more_important_pod(a: PodInfo, b: PodInfo) -> bool:
    """pkg/scheduler/util ``MoreImportantPod``: higher priority, then earlier start time."""
    if a.priority != b.priority:
        return a.priority > b.priority
    return start_time_key(a) < start_time_key(b)


def _cmp_importance(a: PodInfo, b: PodInfo) -> int:
    if more_important_pod(a, b):
        return -1
    if more_important_pod(b, a):
        return 1
    return 0


@dataclass
class Candidate:
    """preemption.go ``candidate``: a node and the pods to evict there."""

    name: str
    victims: list[PodInfo] = field(default_factory=list)
    num_pdb_violations: int = 0


def nodes_where_preemption_might_help(
    nodes: list[NodeInfo], m: NodeToStatus
) -> tuple[list[NodeInfo], NodeToStatus]:
    """Only nodes whose status is not UnschedulableAndUnresolvable are worth trying."""
    potential: list[NodeInfo] = []
    statuses = NodeToStatus()
    for n in nodes:
        if m.get(n.name).code == Code.UnschedulableAndUnresolvable:
            statuses.set(n.name, Status(Code.UnschedulableAndUnresolvable, PREEMPTION_NOT_HELPFUL))
            continue
        potential.append(n)
    return potential, statuses


def earliest_start_of_highest_priority(victims: list[PodInfo]) -> str:
    """pkg/scheduler/util ``GetEarliestPodStartTime``."""
    earliest = start_time_key(victims[0])
    top = victims[0].priority
    for v in victims:
        if v.priority == top:
            earliest = min(earliest, start_time_key(v))
        elif v.priority > top:
            top = v.priority
            earliest = start_time_key(v)
    return earliest


def pick_one_node_for_preemption(candidates: list[Candidate]) -> str:
    """preemption.go ``pickOneNodeForPreemption``: each criterion keeps the best-scoring nodes;
    the first criterion that leaves one node decides. Victims are ordered most important
    first, so ``victims[0]`` has the highest priority."""
    if not candidates:
        return ""
    by_name = {c.name: c for c in candidates}

    def latest_start(c: Candidate) -> Any:
        # Bigger is better: invert the string order by comparing on a negated key below.
        return earliest_start_of_highest_priority(c.victims)

    criteria: list[tuple[str, Any]] = [
        ("min PDB violations", lambda c: -c.num_pdb_violations),
        ("min highest priority", lambda c: -c.victims[0].priority),
        ("min sum of priorities", lambda c: -sum(v.priority + _MAX_INT32 + 1 for v in c.victims)),
        ("min number of victims", lambda c: -len(c.victims)),
        ("latest start time", latest_start),
    ]
    names = [c.name for c in candidates]
    for _label, fn in criteria:
        best: Any = None
        selected: list[str] = []
        for name in names:
            s = fn(by_name[name])
            if best is None or s > best:
                best = s
                selected = [name]
            elif s == best:
                selected.append(name)
        if len(selected) == 1:
            return selected[0]
        names = selected
    return names[0]


class Evaluator:
    """preemption.go ``Evaluator`` with the DefaultPreemption policy."""

    def __init__(
        self,
        framework: Framework,
        min_pct: int = DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE,
        min_abs: int = DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE,
    ) -> None:
        self.fw = framework
        self.min_pct = min_pct
        self.min_abs = min_abs

    def calculate_num_candidates(self, num_nodes: int) -> int:
        """default_preemption.go ``calculateNumCandidates``."""
        n = num_nodes * self.min_pct // 100
        n = max(n, self.min_abs)
        return min(n, num_nodes)

    def pod_eligible_to_preempt_others(
        self, pod: PodInfo, nominated_status: Status
    ) -> tuple[bool, str]:
        """default_preemption.go ``PodEligibleToPreemptOthers``."""
        spec = pod.pod.get("spec") or {}
        if spec.get("preemptionPolicy") == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nom = (pod.pod.get("status") or {}).get("nominatedNodeName") or ""
        if nom:
            if nominated_status.code == Code.UnschedulableAndUnresolvable:
                return True, ""
            ni = self.fw.handle.snapshot.get(nom)
            if ni is not None:
                for p in ni.pods:
                    if p.priority < pod.priority and p.deleting:
                        return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    def select_victims_on_node(
        self, state: CycleState, pod: PodInfo, node: NodeInfo
    ) -> tuple[list[PodInfo], int, Status | None]:
        """default_preemption.go ``SelectVictimsOnNode`` (``node`` and ``state`` are copies)."""
        fw = self.fw
        potential: list[PodInfo] = []
        for p in list(node.pods):
            if p.priority < pod.priority:
                potential.append(p)
                node.remove_pod(p.key)
                s = fw.run_pre_filter_extension_remove_pod(state, pod, p, node)
                if not is_success(s):
                    return [], 0, s
        if not potential:
            return [], 0, Status(Code.UnschedulableAndUnresolvable, NO_VICTIMS)
        s = fw.run_filter_plugins_with_nominated_pods(state, pod, node)
        if not is_success(s):
            return [], 0, s
        potential.sort(key=cmp_to_key(_cmp_importance))
        victims: list[PodInfo] = []
        # PDBs are not modelled: every victim is "non-violating".
        for p in potential:
            node.add_pod(p)
            s = fw.run_pre_filter_extension_add_pod(state, pod, p, node)
            if not is_success(s):
                return [], 0, s
            if not is_success(fw.run_filter_plugins_with_nominated_pods(state, pod, node)):
                node.remove_pod(p.key)
                fw.run_pre_filter_extension_remove_pod(state, pod, p, node)
                victims.append(p)
        return victims, 0, Status(Code.Success)

    def dry_run_preemption(
        self,
        state: CycleState,
        pod: PodInfo,
        potential: list[NodeInfo],
        offset: int,
        num_candidates: int,
    ) -> tuple[list[Candidate], NodeToStatus]:
        """preemption.go ``DryRunPreemption``, one node after another from ``offset``."""
        non_violating: list[Candidate] = []
        violating: list[Candidate] = []
        statuses = NodeToStatus()
        n = len(potential)
        for i in range(n):
            node = potential[(offset + i) % n].clone()
            victims, violations, s = self.select_victims_on_node(state.clone(), pod, node)
            if is_success(s) and victims:
                c = Candidate(node.name, victims, violations)
                (non_violating if violations == 0 else violating).append(c)
                if non_violating and len(non_violating) + len(violating) >= num_candidates:
                    break
                continue
            if is_success(s):
                s = Status(Code.Error, f'expected at least one victim pod on node "{node.name}"')
            assert s is not None
            statuses.set(node.name, s)
        return non_violating + violating, statuses

    def preempt(
        self, state: CycleState, pod: PodInfo, m: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status]:
        """preemption.go ``Preempt``."""
        nom = (pod.pod.get("status") or {}).get("nominatedNodeName") or ""
        ok, msg = self.pod_eligible_to_preempt_others(pod, m.get(nom))
        if not ok:
            return None, Status(Code.Unschedulable, msg)
        all_nodes = self.fw.handle.snapshot.list()
        if not all_nodes:
            return None, Status(Code.Error, "no nodes available")
        potential, statuses = nodes_where_preemption_might_help(all_nodes, m)
        candidates: list[Candidate] = []
        if potential:
            rng = self.fw.handle.rng
            offset = rng.randrange(len(potential)) if rng is not None else 0
            candidates, statuses = self.dry_run_preemption(
                state, pod, potential, offset, self.calculate_num_candidates(len(potential))
            )
        if not candidates:
            d = Diagnosis(node_to_status=statuses)
            d.node_to_status.set_absent_nodes_status(
                Status(Code.UnschedulableAndUnresolvable, PREEMPTION_NOT_HELPFUL)
            )
            err = FitError(pod, len(all_nodes), d)
            return PostFilterResult(""), Status(Code.Unschedulable, str(err))
        best = self.select_candidate(candidates)
        lower = [
            p
            for p in self.fw.handle.nominator.nominated_pods_for_node(best.name)
            if p.priority < pod.priority
        ]
        return PostFilterResult(best.name, list(best.victims), lower), Status(Code.Success)

    def select_candidate(self, candidates: list[Candidate]) -> Candidate:
        """preemption.go ``SelectCandidate``."""
        if len(candidates) == 1:
            return candidates[0]
        name = pick_one_node_for_preemption(candidates)
        for c in candidates:
            if c.name == name:
                return c
        return candidates[0]
