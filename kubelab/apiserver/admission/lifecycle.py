"""NamespaceLifecycle: no new content in a namespace that is missing or being deleted.

Model of ``k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go``
(a mutating-phase plugin upstream, ``Admit``):

* deleting one of the immortal namespaces ``default``, ``kube-system``, ``kube-public`` ->
  403 ``namespaces "default" is forbidden: this namespace may not be deleted``;
* cluster-scoped objects, namespaces themselves and every DELETE are let through;
* any other write into a namespace that does not exist -> the 404 of looking it up,
  ``namespaces "x" not found``;
* a CREATE into a namespace whose ``status.phase`` is ``Terminating`` -> 403
  ``unable to create new content in namespace x because it is being terminated``, with a
  ``NamespaceTerminating`` cause on ``metadata.namespace``.

Left out: the informer-cache wait and live lookup (the lister here is always current) and
the access-review exception (``localsubjectaccessreviews``), a resource kubelab does not serve.
"""

from __future__ import annotations

from typing import ClassVar, Final

from kubelab.apiserver import errors
from kubelab.apiserver.admission.interfaces import (
    CREATE,
    DELETE,
    UPDATE,
    AdmissionRequest,
    Lister,
    Plugin,
    PluginResult,
    forbidden_for,
)

__all__ = ["IMMORTAL_NAMESPACES", "NamespaceLifecycle"]

#: metav1.NamespaceDefault, NamespaceSystem, NamespacePublic (lifecycle ``Register``).
IMMORTAL_NAMESPACES: Final = frozenset({"default", "kube-system", "kube-public"})

NAMESPACE_TERMINATING_CAUSE: Final = "NamespaceTerminating"  # v1.NamespaceTerminatingCause


class NamespaceLifecycle(Plugin):
    """The ``NamespaceLifecycle`` admission plugin."""

    name: ClassVar[str] = "NamespaceLifecycle"
    operations: ClassVar[frozenset[str]] = frozenset({CREATE, UPDATE, DELETE})

    def __init__(self, immortal_namespaces: frozenset[str] = IMMORTAL_NAMESPACES) -> None:
        self.immortal_namespaces = immortal_namespaces

    def mutate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Reject writes into missing or terminating namespaces, and deleting immortal ones."""
        is_namespace = req.kind == "Namespace" and req.group == ""
        if req.operation == DELETE and is_namespace and req.name in self.immortal_namespaces:
            raise errors.forbidden(
                req.resource, req.name, "this namespace may not be deleted", req.group
            )
        if not req.namespace and not is_namespace:
            return None  # cluster-scoped
        if is_namespace:
            return None  # every operation on namespaces themselves is allowed
        if req.operation == DELETE:
            return None  # deleting content is always allowed
        namespace = lister.get_namespace(req.namespace)
        if namespace is None:
            # The live lookup's own NotFound is what the client sees.
            raise errors.not_found("namespaces", req.namespace)
        status = namespace.get("status")
        phase = status.get("phase") if isinstance(status, dict) else None
        if req.operation == CREATE and phase == "Terminating":
            err = forbidden_for(
                req,
                f"unable to create new content in namespace {req.namespace} "
                "because it is being terminated",
            )
            details = err.status.setdefault("details", {})
            details.setdefault("causes", []).append(
                {
                    "reason": NAMESPACE_TERMINATING_CAUSE,
                    "message": f"namespace {req.namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            )
            raise err
        return None
