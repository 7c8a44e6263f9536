"""The scorers behind NodeResourcesFit and NodeResourcesBalancedAllocation.

Models ``pkg/scheduler/framework/plugins/noderesources/resource_allocation.go``,
``least_allocated.go``, ``most_allocated.go``, ``requested_to_capacity_ratio.go`` and the
scorer in ``balanced_allocation.go`` (v1.32).

For each configured resource the scorer takes the node's allocatable amount and the node's
requested amount plus the incoming pod's request:

* NodeResourcesFit strategies use *non-zero* requests for cpu and memory (a container without
  a request counts 100m / 200Mi, on the node and for the incoming pod);
* NodeResourcesBalancedAllocation uses the actual requests (``useRequested``);
* an extended resource the pod does not request, or that the node does not have, is left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubelab.scheduler import resources as res
from kubelab.scheduler.framework import MAX_NODE_SCORE
from kubelab.scheduler.plugins.helper import broken_linear_function
from kubelab.scheduler.types import NodeInfo, PodInfo

#: requested_to_capacity_ratio.go maxUtilization.
MAX_UTILIZATION = 100
#: config MaxCustomPriorityScore: shape scores run 0..10 and are scaled by 100/10.
MAX_CUSTOM_PRIORITY_SCORE = 10

Scorer = Callable[[Sequence[int], Sequence[int]], int]


def pod_request(pod: PodInfo, name: str, use_requested: bool) -> int:
    """``calculatePodResourceRequest``: with ``use_requested`` False, cpu and memory use the
    non-zero defaults."""
    if not use_requested:
        if name == res.CPU:
            return pod.non0_cpu
        if name == res.MEMORY:
            return pod.non0_mem
    return pod.requests.get(name)


def allocatable_and_requested(
    node: NodeInfo, name: str, pod_req: int, use_requested: bool
) -> tuple[int, int]:
    """``calculateResourceAllocatableRequest``: (allocatable, requested incl. the pod)."""
    if pod_req == 0 and res.is_scalar_resource_name(name):
        return 0, 0
    requested = node.requested if use_requested else node.non_zero_requested
    if name == res.CPU:
        return node.allocatable.milli_cpu, requested.milli_cpu + pod_req
    if name == res.MEMORY:
        return node.allocatable.memory, requested.memory + pod_req
    if name == res.EPHEMERAL_STORAGE:
        return node.allocatable.ephemeral_storage, node.requested.ephemeral_storage + pod_req
    if name in node.allocatable.scalar:
        return node.allocatable.scalar[name], node.requested.scalar.get(name, 0) + pod_req
    return 0, 0


def least_requested_score(requested: int, capacity: int) -> int:
    """least_allocated.go ``leastRequestedScore``: ``(capacity - requested) * 100 / capacity``,
    0 when the node is over-requested."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """most_allocated.go ``mostRequestedScore``: ``requested * 100 / capacity``, with
    ``requested`` capped at ``capacity`` (non-zero defaults can push it over)."""
    if capacity == 0:
        return 0
    requested = min(requested, capacity)
    return requested * MAX_NODE_SCORE // capacity


def weighted_scorer(per_resource: Callable[[int, int], int], weights: Sequence[int]) -> Scorer:
    """``leastResourceScorer`` / ``mostResourceScorer``: the weighted mean of the per-resource
    scores (integer division), skipping resources with zero allocatable."""

    def scorer(requested: Sequence[int], allocatable: Sequence[int]) -> int:
        node_score = weight_sum = 0
        for i, alloc in enumerate(allocatable):
            if alloc == 0:
                continue
            node_score += per_resource(requested[i], alloc) * weights[i]
            weight_sum += weights[i]
        return 0 if weight_sum == 0 else node_score // weight_sum

    return scorer


def requested_to_capacity_ratio_scorer(
    weights: Sequence[int], shape: Sequence[Mapping[str, Any]]
) -> Scorer:
    """requested_to_capacity_ratio.go: each resource's utilization (``requested * 100 /
    capacity``, 100 when over) mapped through the broken-linear shape (scores scaled by
    100/10); resources scoring 0 are left out of the weighted mean, which is rounded."""
    scale = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
    fn = broken_linear_function([(int(p["utilization"]), int(p["score"]) * scale) for p in shape])

    def resource_score(requested: int, capacity: int) -> int:
        if capacity == 0 or requested > capacity:
            return fn(MAX_UTILIZATION)
        return fn(requested * MAX_UTILIZATION // capacity)

    def scorer(requested: Sequence[int], allocatable: Sequence[int]) -> int:
        node_score = weight_sum = 0
        for i, alloc in enumerate(allocatable):
            if alloc == 0:
                continue
            s = resource_score(requested[i], alloc)
            if s > 0:
                node_score += s * weights[i]
                weight_sum += weights[i]
        if weight_sum == 0:
            return 0
        return round_half_away(node_score / weight_sum)

    return scorer


def round_half_away(x: float) -> int:
    """Go ``math.Round``: halves round away from zero (Python's ``round`` goes to even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def balanced_resource_scorer(requested: Sequence[int], allocatable: Sequence[int]) -> int:
    """balanced_allocation.go ``balancedResourceScorer``: ``(1 - std) * 100`` of the
    requested/allocatable fractions (each capped at 1); with two resources std is
    ``|f1 - f2| / 2``."""
    fractions: list[float] = []
    total = 0.0
    for i, alloc in enumerate(allocatable):
        if alloc == 0:
            continue
        f = requested[i] / alloc
        if f > 1:
            f = 1.0
        total += f
        fractions.append(f)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / len(fractions)
        acc = 0.0
        for f in fractions:
            acc = acc + (f - mean) * (f - mean)
        std = math.sqrt(acc / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


class ResourceAllocationScorer:
    """resource_allocation.go ``resourceAllocationScorer``."""

    def __init__(
        self, resources: Sequence[Mapping[str, Any]], scorer: Scorer, use_requested: bool
    ) -> None:
        self.resources = [str(r["name"]) for r in resources]
        self.weights = [int(r.get("weight") or 1) for r in resources]
        self.scorer = scorer
        self.use_requested = use_requested

    def pod_requests(self, pod: PodInfo) -> list[int]:
        return [pod_request(pod, r, self.use_requested) for r in self.resources]

    def score_node(self, node: NodeInfo, pod_requests: Sequence[int]) -> int:
        requested = [0] * len(self.resources)
        allocatable = [0] * len(self.resources)
        for i, name in enumerate(self.resources):
            alloc, req = allocatable_and_requested(node, name, pod_requests[i], self.use_requested)
            if alloc == 0:
                continue
            allocatable[i] = alloc
            requested[i] = req
        return self.scorer(requested, allocatable)
