"""DefaultBinder: bind the pod by creating its ``pods/binding`` subresource
(``pkg/scheduler/framework/plugins/defaultbinder/default_binder.go``).

The pure scheduler has no API client: the driver gives the handle a ``bind_fn(pod, node)``
that creates ``{"apiVersion": "v1", "kind": "Binding", "metadata": {"name", "namespace",
"uid"}, "target": {"kind": "Node", "name": node}}``. Without one, binding always succeeds
(the cache alone records it).
"""

from __future__ import annotations

from typing import Any

from kubelab.scheduler.framework import BindPlugin, CycleState, Status
from kubelab.scheduler.types import PodInfo

NAME = "DefaultBinder"


def binding_for(pod: PodInfo, node_name: str) -> dict[str, Any]:
    """The ``Binding`` object default_binder.go posts."""
    meta = pod.pod.get("metadata") or {}
    binding_meta: dict[str, Any] = {"name": pod.name, "namespace": pod.namespace}
    if meta.get("uid"):
        binding_meta["uid"] = meta["uid"]
    return {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": binding_meta,
        "target": {"kind": "Node", "name": node_name},
    }


class DefaultBinder(BindPlugin):
    name = NAME

    def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        fn = self.handle.bind_fn
        if fn is None:
            return None
        return fn(pod, node_name)
