"""NodeResourcesBalancedAllocation
(``pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go``, v1.32).

Favours nodes whose cpu and memory would be used in equal proportion: with the fractions
``f_r = (node requested_r + pod request_r) / allocatable_r`` (actual requests, not the non-zero
defaults; each capped at 1) the score is ``int((1 - std) * 100)``, ``std = |f_cpu - f_mem| / 2``
for two resources. Best-effort pods are scored too (the v1.33 skip is not in v1.32). Weight 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kubelab.scheduler.framework import CycleState, Handle, PreScorePlugin, ScorePlugin, Status
from kubelab.scheduler.plugins.resource_allocation import (
    ResourceAllocationScorer,
    balanced_resource_scorer,
)
from kubelab.scheduler.types import NodeInfo, PodInfo

NAME = "NodeResourcesBalancedAllocation"
_PRE_SCORE_KEY: Final = "PreScore" + NAME


class NodeResourcesBalancedAllocation(PreScorePlugin, ScorePlugin):
    name = NAME

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        super().__init__(args, handle)
        resources = args.get("resources") or [
            {"name": "cpu", "weight": 1},
            {"name": "memory", "weight": 1},
        ]
        self.scorer = ResourceAllocationScorer(
            resources, balanced_resource_scorer, use_requested=True
        )

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
