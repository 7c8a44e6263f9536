"""TaintToleration (``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go``).

Filter: the node's first ``NoSchedule``/``NoExecute`` taint the pod does not tolerate rejects it,
UnschedulableAndUnresolvable, ``node(s) had untolerated taint {key: value}``.

Score: the number of the node's ``PreferNoSchedule`` taints the pod does not tolerate (only the
pod's tolerations with effect PreferNoSchedule or empty count); NormalizeScore is
``DefaultNormalizeScore`` reversed: ``100 - 100 * count / maxCount`` (all 100 when no node has
such a taint). Weight 3 in the default profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kubelab.scheduler.framework import (
    Code,
    CycleState,
    FilterPlugin,
    NodeScore,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from kubelab.scheduler.nodeselector import (
    PREFER_NO_SCHEDULE,
    find_untolerated_taint,
    tolerations_tolerate_taint,
)
from kubelab.scheduler.plugins.helper import default_normalize_score
from kubelab.scheduler.types import NodeInfo, PodInfo

NAME = "TaintToleration"
_PRE_SCORE_KEY: Final = "PreScore" + NAME


def untolerated_taint_reason(taint: Mapping[str, Any]) -> str:
    """The Filter reason for a taint: ``node(s) had untolerated taint {key: value}``."""
    return f"node(s) had untolerated taint {{{taint.get('key') or ''}: {taint.get('value') or ''}}}"


def prefer_no_schedule_tolerations(pod: PodInfo) -> list[Mapping[str, Any]]:
    """``getAllTolerationPreferNoSchedule``: tolerations whose effect is PreferNoSchedule or
    empty (an empty effect matches every effect)."""
    tols = (pod.pod.get("spec") or {}).get("tolerations") or []
    return [t for t in tols if not t.get("effect") or t.get("effect") == PREFER_NO_SCHEDULE]


def count_intolerable_prefer_no_schedule(
    taints: list[Mapping[str, Any]], tolerations: list[Mapping[str, Any]]
) -> int:
    """``countIntolerableTaintsPreferNoSchedule``."""
    n = 0
    for taint in taints:
        if taint.get("effect") != PREFER_NO_SCHEDULE:
            continue
        if not tolerations_tolerate_taint(tolerations, taint):
            n += 1
    return n


class TaintToleration(FilterPlugin, PreScorePlugin, ScorePlugin):
    name = NAME
    normalizes = True

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        tols = (pod.pod.get("spec") or {}).get("tolerations") or []
        taint = find_untolerated_taint(node_info.taints, tols)
        if taint is None:
            return None
        return Status(Code.UnschedulableAndUnresolvable, untolerated_taint_reason(taint))

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        state.write(_PRE_SCORE_KEY, prefer_no_schedule_tolerations(pod))
        return None

    def score(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[int, Status | None]:
        tols = state.get(_PRE_SCORE_KEY)
        if tols is None:
            tols = prefer_no_schedule_tolerations(pod)
        return count_intolerable_prefer_no_schedule(node_info.taints, tols), None

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: list[NodeScore]
    ) -> Status | None:
        default_normalize_score(scores, reverse=True)
        return None

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Node", "Add"), ("Node", "Update"), ("Pod", "Update")]
