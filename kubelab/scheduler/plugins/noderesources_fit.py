"""NodeResourcesFit (``pkg/scheduler/framework/plugins/noderesources/fit.go``).

Filter: the node must have room for the pod's requests (``PodRequests``: containers summed,
the largest init container, sidecars, overhead) on top of what its pods already request, and a
free pod slot. The reasons, all kept and in this order: ``Too many pods``, ``Insufficient
cpu``, ``Insufficient memory``, ``Insufficient ephemeral-storage``, ``Insufficient <name>``
for extended resources (sorted by name here; Go map order upstream). Always Unschedulable
(preemption may help). A resource the pod does not request is never checked.

Score: the profile's ``scoringStrategy`` -- LeastAllocated (default; cpu and memory weight 1),
MostAllocated or RequestedToCapacityRatio -- over non-zero requests. Weight 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kubelab.scheduler.framework import (
    Code,
    CycleState,
    FilterPlugin,
    Handle,
    PreFilterPlugin,
    PreFilterResult,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from kubelab.scheduler.plugins.resource_allocation import (
    ResourceAllocationScorer,
    Scorer,
    least_requested_score,
    most_requested_score,
    requested_to_capacity_ratio_scorer,
    weighted_scorer,
)
from kubelab.scheduler.types import NodeInfo, PodInfo, Resource

NAME = "NodeResourcesFit"
_PRE_SCORE_KEY: Final = "PreScore" + NAME

REASON_TOO_MANY_PODS: Final = "Too many pods"
REASON_INSUFFICIENT_CPU: Final = "Insufficient cpu"
REASON_INSUFFICIENT_MEMORY: Final = "Insufficient memory"
REASON_INSUFFICIENT_EPHEMERAL: Final = "Insufficient ephemeral-storage"


def insufficient_resources(
    req: Resource,
    node: NodeInfo,
    ignored: frozenset[str] = frozenset(),
    ignored_groups: frozenset[str] = frozenset(),
) -> list[str]:
    """fit.go ``fitsRequest``: the reasons the node cannot take a pod requesting ``req``."""
    reasons: list[str] = []
    if len(node.pods) + 1 > node.allocatable.allowed_pod_number:
        reasons.append(REASON_TOO_MANY_PODS)
    if req.is_zero():
        return reasons
    alloc, used = node.allocatable, node.requested
    if req.milli_cpu > 0 and req.milli_cpu > alloc.milli_cpu - used.milli_cpu:
        reasons.append(REASON_INSUFFICIENT_CPU)
    if req.memory > 0 and req.memory > alloc.memory - used.memory:
        reasons.append(REASON_INSUFFICIENT_MEMORY)
    if req.ephemeral_storage > 0 and req.ephemeral_storage > (
        alloc.ephemeral_storage - used.ephemeral_storage
    ):
        reasons.append(REASON_INSUFFICIENT_EPHEMERAL)
    for name in sorted(req.scalar):
        q = req.scalar[name]
        if q == 0:
            continue
        if (
            "/" in name
            and not name.startswith("kubernetes.io/")
            and (name in ignored or name.split("/")[0] in ignored_groups)
        ):
            continue
        if q > alloc.scalar.get(name, 0) - used.scalar.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def build_scorer(args: Mapping[str, Any]) -> ResourceAllocationScorer:
    """fit.go ``nodeResourceStrategyTypeMap``."""
    ss = args.get("scoringStrategy") or {}
    kind = ss.get("type") or "LeastAllocated"
    resources = ss.get("resources") or [
        {"name": "cpu", "weight": 1},
        {"name": "memory", "weight": 1},
    ]
    weights = [int(r.get("weight") or 1) for r in resources]
    scorer: Scorer
    if kind == "LeastAllocated":
        scorer = weighted_scorer(least_requested_score, weights)
    elif kind == "MostAllocated":
        scorer = weighted_scorer(most_requested_score, weights)
    elif kind == "RequestedToCapacityRatio":
        shape = (ss.get("requestedToCapacityRatio") or {}).get("shape") or []
        scorer = requested_to_capacity_ratio_scorer(weights, shape)
    else:
        raise ValueError(f"scoring strategy {kind} is not supported")
    return ResourceAllocationScorer(resources, scorer, use_requested=False)


class NodeResourcesFit(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = NAME

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        super().__init__(args, handle)
        self.strategy = str((args.get("scoringStrategy") or {}).get("type") or "LeastAllocated")
        self.scorer = build_scorer(args)
        self.ignored = frozenset(args.get("ignoredResources") or ())
        self.ignored_groups = frozenset(args.get("ignoredResourceGroups") or ())

    def pre_filter(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status | None]:
        return None, None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        reasons = insufficient_resources(pod.requests, node_info, self.ignored, self.ignored_groups)
        if reasons:
            return Status(Code.Unschedulable, *reasons)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        state.write(_PRE_SCORE_KEY, self.scorer.pod_requests(pod))
        return None

    def score(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[int, Status | None]:
        reqs = state.get(_PRE_SCORE_KEY)
        if reqs is None:
            reqs = self.scorer.pod_requests(pod)
        return self.scorer.score_node(node_info, reqs), None

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Pod", "Delete"), ("Node", "Add"), ("Node", "Update")]
