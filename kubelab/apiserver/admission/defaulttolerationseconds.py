"""DefaultTolerationSeconds: pods ride out a node failure for five minutes, then move.

Model of ``plugin/pkg/admission/defaulttolerationseconds/admission.go``: on Pod CREATE and
UPDATE (no subresource) a pod that does not already tolerate the ``NoExecute`` taints
``node.kubernetes.io/not-ready`` and ``node.kubernetes.io/unreachable`` gets

    {key: <taint>, operator: Exists, effect: NoExecute, tolerationSeconds: 300}

for each missing one. A toleration counts as present when its key is the taint's key or empty
and its effect is ``NoExecute`` or empty. 300 is the default of the kube-apiserver flags
``--default-not-ready-toleration-seconds`` and ``--default-unreachable-toleration-seconds``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Final

from kubelab.apiserver import errors
from kubelab.apiserver.admission.interfaces import (
    CREATE,
    UPDATE,
    AdmissionRequest,
    Lister,
    Plugin,
    PluginResult,
)

__all__ = ["TAINT_NODE_NOT_READY", "TAINT_NODE_UNREACHABLE", "DefaultTolerationSeconds"]

TAINT_NODE_NOT_READY: Final = "node.kubernetes.io/not-ready"  # v1.TaintNodeNotReady
TAINT_NODE_UNREACHABLE: Final = "node.kubernetes.io/unreachable"  # v1.TaintNodeUnreachable
DEFAULT_TOLERATION_SECONDS: Final = 300


def _tolerates(tolerations: list[object], key: str) -> bool:
    for toleration in tolerations:
        if not isinstance(toleration, Mapping):
            continue
        if toleration.get("key") in (None, "", key) and toleration.get("effect") in (
            None,
            "",
            "NoExecute",
        ):
            return True
    return False


class DefaultTolerationSeconds(Plugin):
    """The ``DefaultTolerationSeconds`` admission plugin."""

    name: ClassVar[str] = "DefaultTolerationSeconds"
    operations: ClassVar[frozenset[str]] = frozenset({CREATE, UPDATE})

    def __init__(
        self,
        not_ready_seconds: int = DEFAULT_TOLERATION_SECONDS,
        unreachable_seconds: int = DEFAULT_TOLERATION_SECONDS,
    ) -> None:
        self.not_ready_seconds = not_ready_seconds
        self.unreachable_seconds = unreachable_seconds

    def mutate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Add the two NoExecute tolerations a pod lacks."""
        if req.resource != "pods" or req.group != "" or req.subresource:
            return None
        pod = req.object
        if pod is None or pod.get("kind", "Pod") != "Pod":
            raise errors.bad_request(f"expected *api.Pod but got {type(pod).__name__}")
        spec = pod.get("spec")
        if not isinstance(spec, dict):
            spec = {}
            pod["spec"] = spec
        tolerations = spec.get("tolerations")
        if not tolerations or not isinstance(tolerations, list):
            # nothing tolerated yet (the common case): both are added
            spec["tolerations"] = [
                {
                    "key": TAINT_NODE_NOT_READY,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": self.not_ready_seconds,
                },
                {
                    "key": TAINT_NODE_UNREACHABLE,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": self.unreachable_seconds,
                },
            ]
            return None
        tolerations = list(tolerations)
        added = False
        for key, seconds in (
            (TAINT_NODE_NOT_READY, self.not_ready_seconds),
            (TAINT_NODE_UNREACHABLE, self.unreachable_seconds),
        ):
            if not _tolerates(tolerations, key):
                tolerations.append(
                    {
                        "key": key,
                        "operator": "Exists",
                        "effect": "NoExecute",
                        "tolerationSeconds": seconds,
                    }
                )
                added = True
        if added:
            spec["tolerations"] = tolerations
        return None
