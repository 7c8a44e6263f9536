"""DefaultPreemption: the PostFilter plugin that preempts
(``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``).

The algorithm is in :mod:`kubelab.scheduler.preemption`; the plugin prefixes its message with
``preemption: `` (so the FailedScheduling event ends with e.g. ``preemption: 0/5 nodes are
available: 5 Preemption is not helpful for scheduling.``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelab.scheduler.framework import (
    CycleState,
    Handle,
    NodeToStatus,
    PostFilterPlugin,
    PostFilterResult,
    Status,
)
from kubelab.scheduler.preemption import (
    DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE,
    DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE,
    Evaluator,
)
from kubelab.scheduler.types import PodInfo

NAME = "DefaultPreemption"


class DefaultPreemption(PostFilterPlugin):
    name = NAME

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        super().__init__(args, handle)
        self.min_pct = int(
            args.get("minCandidateNodesPercentage", DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE)
        )
        self.min_abs = int(
            args.get("minCandidateNodesAbsolute", DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE)
        )

    def post_filter(
        self, state: CycleState, pod: PodInfo, m: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status | None]:
        fw = self.handle.framework
        assert fw is not None
        result, status = Evaluator(fw, self.min_pct, self.min_abs).preempt(state, pod, m)
        msg = status.message()
        if msg:
            return result, Status(status.code, "preemption: " + msg)
        return result, status
