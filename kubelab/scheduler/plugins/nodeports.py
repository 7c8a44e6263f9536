"""NodePorts: a pod's ``hostPort`` must be free on the node
(``pkg/scheduler/framework/plugins/nodeports/node_ports.go``).

PreFilter collects the containers' ports with a ``hostPort`` (Skip when there are none);
Filter rejects a node where any (hostIP, protocol, hostPort) conflicts with a port in use
(``0.0.0.0`` conflicts with every address), Unschedulable, ``node(s) didn't have free ports
for the requested pod ports``.
"""

from __future__ import annotations

from typing import Final

from kubelab.scheduler.framework import (
    Code,
    CycleState,
    FilterPlugin,
    PreFilterPlugin,
    PreFilterResult,
    Status,
)
from kubelab.scheduler.types import NodeInfo, PodInfo

NAME = "NodePorts"
#: node_ports.go ErrReason.
ERR_REASON: Final = "node(s) didn't have free ports for the requested pod ports"
_KEY: Final = "PreFilter" + NAME


def fits_ports(want: list[tuple[str, str, int]], node_info: NodeInfo) -> bool:
    return not any(node_info.used_ports.check_conflict(ip, proto, port) for ip, proto, port in want)


class NodePorts(PreFilterPlugin, FilterPlugin):
    name = NAME

    def pre_filter(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status | None]:
        if not pod.host_ports:
            return None, Status(Code.Skip)
        state.write(_KEY, pod.host_ports)
        return None, None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        want = state.get(_KEY)
        if want is None:
            want = pod.host_ports
        if fits_ports(want, node_info):
            return None
        return Status(Code.Unschedulable, ERR_REASON)

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Pod", "Delete"), ("Node", "Add"), ("Node", "Update")]
