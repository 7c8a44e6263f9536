"""The kinds kubelab knows: group, version, resource names, scope, short names, etcd key prefix.

What ``kubectl api-resources`` prints for these kinds (NAME, SHORTNAMES, APIVERSION, NAMESPACED,
KIND), plus where the API server keeps each one in etcd. Storage prefixes follow
``pkg/kubeapiserver/default_storage_factory_builder.go``: every resource is stored under
``/registry/<resource>`` except the ``SpecialDefaultResourcePrefixes`` -- Services under
``/registry/services/specs``, Endpoints under ``/registry/services/endpoints``, Nodes under
``/registry/minions``. ``events.k8s.io/v1`` Events share the core Events' storage
(``AddCohabitatingResources``), so both live under ``/registry/events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "REGISTRY_PREFIX",
    "KindInfo",
    "NoKindMatchError",
    "UnknownResourceError",
    "all_kinds",
    "kind_for_resource",
    "kind_info",
]

#: storagebackend.Config Prefix default.
REGISTRY_PREFIX: Final = "/registry"


class NoKindMatchError(KeyError):
    """``meta.NoKindMatchError``: no kind of that name in that group/version."""

    def __init__(self, kind: str, api_version: str) -> None:
        super().__init__(kind, api_version)
        self.kind = kind
        self.api_version = api_version

    def __str__(self) -> str:
        return f'no matches for kind "{self.kind}" in version "{self.api_version}"'


class UnknownResourceError(KeyError):
    """kubectl's answer to a resource name it cannot map to a kind."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f'the server doesn\'t have a resource type "{self.name}"'


@dataclass(frozen=True)
class KindInfo:
    """One kind as the API server serves it."""

    group: str
    version: str
    kind: str
    resource: str  # plural, lower case: "pods"
    singular: str  # "pod"
    namespaced: bool
    short_names: tuple[str, ...]
    etcd_prefix: str  # "/registry/pods"

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``<group>/<version>`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``schema.GroupResource.String()``: ``pods`` or ``deployments.apps``."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def etcd_key(self, name: str, namespace: str | None = None) -> str:
        """The etcd key of one object: ``/registry/pods/default/web`` or ``/registry/minions/n1``.

        (apiserver registry ``NamespaceKeyFunc`` / ``NoNamespaceKeyFunc``.)
        """
        if self.namespaced:
            if not namespace:
                raise ValueError(f"{self.kind} is namespaced: a namespace is required")
            return f"{self.etcd_prefix}/{namespace}/{name}"
        return f"{self.etcd_prefix}/{name}"


def _k(
    group: str,
    version: str,
    kind: str,
    resource: str,
    namespaced: bool,
    short_names: tuple[str, ...] = (),
    storage: str | None = None,
) -> KindInfo:
    return KindInfo(
        group=group,
        version=version,
        kind=kind,
        resource=resource,
        singular=kind.lower(),
        namespaced=namespaced,
        short_names=short_names,
        etcd_prefix=f"{REGISTRY_PREFIX}/{storage or resource}",
    )


# Order: as `kubectl api-resources` lists them (core group first, then groups by name).
_KINDS: Final[tuple[KindInfo, ...]] = (
    _k("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    _k("", "v1", "Endpoints", "endpoints", True, ("ep",), storage="services/endpoints"),
    _k("", "v1", "Event", "events", True, ("ev",)),
    _k("", "v1", "LimitRange", "limitranges", True, ("limits",)),
    _k("", "v1", "Namespace", "namespaces", False, ("ns",)),
    _k("", "v1", "Node", "nodes", False, ("no",), storage="minions"),
    _k("", "v1", "Pod", "pods", True, ("po",)),
    _k("", "v1", "ResourceQuota", "resourcequotas", True, ("quota",)),
    _k("", "v1", "Secret", "secrets", True),
    _k("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",)),
    _k("", "v1", "Service", "services", True, ("svc",), storage="services/specs"),
    _k("apps", "v1", "Deployment", "deployments", True, ("deploy",)),
    _k("apps", "v1", "ReplicaSet", "replicasets", True, ("rs",)),
    _k("coordination.k8s.io", "v1", "Lease", "leases", True),
    _k("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    _k("events.k8s.io", "v1", "Event", "events", True, ("ev",)),
    _k("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _k("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    _k("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    _k("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
)

_BY_GVK: Final[dict[tuple[str, str], KindInfo]] = {(k.api_version, k.kind): k for k in _KINDS}


def _resource_index() -> dict[str, KindInfo]:
    index: dict[str, KindInfo] = {}
    for info in _KINDS:
        # The first kind listed wins a shared name: "events" and "ev" resolve to the core group,
        # as kubectl's group priority puts the legacy group first.
        names = [info.resource, info.singular, *info.short_names]
        names += [f"{n}.{info.group}" for n in (info.resource, info.singular) if info.group]
        for name in names:
            index.setdefault(name, info)
    return index


_BY_RESOURCE: Final[dict[str, KindInfo]] = _resource_index()


def kind_info(api_version: str, kind: str) -> KindInfo:
    """Look up a kind by ``apiVersion`` and ``kind`` exactly as a manifest writes them.

    Raises :class:`NoKindMatchError` (a ``KeyError``) whose text is kubectl's
    ``no matches for kind "X" in version "v"``.
    """
    try:
        return _BY_GVK[(api_version, kind)]
    except KeyError:
        raise NoKindMatchError(kind, api_version) from None


def kind_for_resource(name: str) -> KindInfo:
    """Resolve what a user types after ``kubectl get``: plural, singular or short name.

    Case-insensitive; ``deployments.apps`` style (resource.group) is accepted too. Raises
    :class:`UnknownResourceError` (a ``KeyError``) with kubectl's
    ``the server doesn't have a resource type "x"`` text.
    """
    try:
        return _BY_RESOURCE[name.lower()]
    except KeyError:
        raise UnknownResourceError(name) from None


def all_kinds() -> list[KindInfo]:
    """Every known kind, in ``kubectl api-resources`` order."""
    return list(_KINDS)
