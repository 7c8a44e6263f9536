"""NodeUnschedulable: no new pods on a cordoned node
(``pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go``).

A node with ``spec.unschedulable: true`` rejects a pod unless the pod tolerates the taint
``node.kubernetes.io/unschedulable:NoSchedule`` (DaemonSet pods do).
"""

from __future__ import annotations

from typing import Final

from kubelab.scheduler.framework import Code, CycleState, FilterPlugin, Status
from kubelab.scheduler.nodeselector import (
    NO_SCHEDULE,
    TAINT_NODE_UNSCHEDULABLE,
    tolerations_tolerate_taint,
)
from kubelab.scheduler.types import NodeInfo, PodInfo

NAME = "NodeUnschedulable"
#: node_unschedulable.go ErrReasonUnschedulable.
ERR_REASON_UNSCHEDULABLE: Final = "node(s) were unschedulable"
_TAINT: Final = {"key": TAINT_NODE_UNSCHEDULABLE, "effect": NO_SCHEDULE}


def tolerates_unschedulable(pod: PodInfo) -> bool:
    return tolerations_tolerate_taint((pod.pod.get("spec") or {}).get("tolerations") or [], _TAINT)


class NodeUnschedulable(FilterPlugin):
    name = NAME

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if not node_info.unschedulable:
            return None
        if tolerates_unschedulable(pod):
            return None
        return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE)

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Node", "Add"), ("Node", "Update")]
