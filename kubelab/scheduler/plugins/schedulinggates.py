"""SchedulingGates: a pod with ``spec.schedulingGates`` waits outside the active queue
(``pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go``).

PreEnqueue returns UnschedulableAndUnresolvable with ``waiting for scheduling gates: [a b]``
(Go's ``%v`` of the gate names) until every gate is removed.
"""

from __future__ import annotations

from kubelab.scheduler.framework import Code, PreEnqueuePlugin, Status
from kubelab.scheduler.types import PodInfo

NAME = "SchedulingGates"


class SchedulingGates(PreEnqueuePlugin):
    name = NAME

    def pre_enqueue(self, pod: PodInfo) -> Status | None:
        gates = (pod.pod.get("spec") or {}).get("schedulingGates") or []
        if not gates:
            return None
        names = " ".join(str(g.get("name")) for g in gates)
        return Status(Code.UnschedulableAndUnresolvable, f"waiting for scheduling gates: [{names}]")

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Pod", "Update")]
