"""NodeName: a pod that names a node fits only that node
(``pkg/scheduler/framework/plugins/nodename/node_name.go``)."""

from __future__ import annotations

from typing import Final

from kubelab.scheduler.framework import Code, CycleState, FilterPlugin, Status
from kubelab.scheduler.types import NodeInfo, PodInfo

NAME = "NodeName"
#: node_name.go ErrReason.
ERR_REASON: Final = "node(s) didn't match the requested node name"


class NodeName(FilterPlugin):
    name = NAME

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        want = (pod.pod.get("spec") or {}).get("nodeName") or ""
        if not want or want == node_info.name:
            return None
        return Status(Code.UnschedulableAndUnresolvable, ERR_REASON)

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Node", "Add"), ("Node", "Update")]
