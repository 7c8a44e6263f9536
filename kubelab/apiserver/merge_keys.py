"""Patch metadata of the built-in kinds: which lists merge, and on which key.

A strategic merge patch needs to know, for every list in an object, whether the list is
*atomic* (a patch replaces it whole) or *merging* (a patch names items by a merge key and only
those items change). The real API server reads this from Go struct tags on the API types, e.g.
in ``k8s.io/api/core/v1/types.go``::

    Containers []Container `json:"containers" patchStrategy:"merge" patchMergeKey:"name"`

and walks them with ``LookupPatchMetadataForStruct`` (``k8s.io/apimachinery/pkg/util/
strategicpatch/meta.go``). This module holds the same tags for the kinds kubelab serves, as a
table of *types*: each type lists only its fields that carry a tag or lead to a type that does.
Every other field is untagged, which is what most fields are upstream: maps merge key by key,
lists are replaced whole.

The tags are those of Kubernetes v1.32 (``k8s.io/api`` v0.32): ``core/v1/types.go``,
``apps/v1/types.go``, ``batch/v1/types.go``, ``policy/v1/types.go`` and, for ObjectMeta,
``k8s.io/apimachinery/pkg/apis/meta/v1/types.go``. Kinds whose types carry no tags at all
(ConfigMap, Secret, Endpoints, EndpointSlice, Lease, Event, the RBAC kinds, ...) are still
listed: a strategic merge patch works on them, it just never merges a list (``rules``,
``subjects``, ``subsets``, ``endpoints`` are atomic).

What is simplified: upstream the lookup fails for a field the Go type does not have
(``unable to find api field in struct PodSpec for the json field "foo"``) when both sides of
a merge hold a map or list there. Here an unknown field is simply untagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

__all__ = [
    "KIND_ROOTS",
    "TYPES",
    "FieldMeta",
    "MergeInfo",
    "lookup",
    "merge_info",
    "root_type",
    "supports_strategic_merge",
]

# strategicpatch/patch.go: the values a patchStrategy tag may hold (comma separated).
MERGE: Final = "merge"
REPLACE: Final = "replace"
RETAIN_KEYS: Final = "retainKeys"


@dataclass(frozen=True)
class FieldMeta:
    """The patch tags of one field, and the type of its value (of each item, for a list).

    ``strategy`` is the ``patchStrategy`` tag as written upstream (``""``, ``"merge"``,
    ``"replace"``, ``"retainKeys"`` or ``"merge,retainKeys"``); ``merge_key`` the
    ``patchMergeKey`` tag (``None`` for a merging list of primitives such as ``finalizers``);
    ``type`` names an entry of :data:`TYPES`, or is ``None`` for an untagged value.
    """

    strategy: str = ""
    merge_key: str | None = None
    type: str | None = None

    @property
    def strategies(self) -> tuple[str, ...]:
        """The tag split on commas, as ``strings.Split(patchStrategy, ",")`` does."""
        return tuple(s for s in self.strategy.split(",") if s)


#: An untagged field: maps merge, lists are replaced.
UNTAGGED: Final = FieldMeta()

# Shared pieces, named after the Go types they model.
_OBJECT_META: Final = FieldMeta(type="ObjectMeta")
_CONDITIONS_BY_TYPE: Final = FieldMeta(MERGE, "type")


def _object(**fields: FieldMeta) -> dict[str, FieldMeta]:
    """A top-level kind: ``metadata`` is ObjectMeta, plus the given fields."""
    return {"metadata": _OBJECT_META, **fields}


#: Go type name -> the fields of that type that carry patch metadata (or lead to some).
#: ``ConditionsStatus`` and ``WorkloadSpec`` stand for the several Go types that share the same
#: tagged fields (``status.conditions`` merged by ``type``; ``spec.template``).
TYPES: Final[dict[str, dict[str, FieldMeta]]] = {
    # --- k8s.io/apimachinery/pkg/apis/meta/v1/types.go
    "ObjectMeta": {
        "ownerReferences": FieldMeta(MERGE, "uid"),
        # A merging list of strings: items are added by a patch, removed with
        # $deleteFromPrimitiveList/finalizers.
        "finalizers": FieldMeta(MERGE),
    },
    # --- k8s.io/api/core/v1/types.go
    "Container": {
        "ports": FieldMeta(MERGE, "containerPort"),
        "env": FieldMeta(MERGE, "name"),
        "volumeMounts": FieldMeta(MERGE, "mountPath"),
        "volumeDevices": FieldMeta(MERGE, "devicePath"),
    },
    # EphemeralContainer inlines EphemeralContainerCommon, which repeats Container's tags.
    "EphemeralContainer": {
        "ports": FieldMeta(MERGE, "containerPort"),
        "env": FieldMeta(MERGE, "name"),
        "volumeMounts": FieldMeta(MERGE, "mountPath"),
        "volumeDevices": FieldMeta(MERGE, "devicePath"),
    },
    "PodSpec": {
        # "merge,retainKeys": a changed volume carries $retainKeys, so switching its source
        # (emptyDir -> configMap) clears the old one.
        "volumes": FieldMeta(f"{MERGE},{RETAIN_KEYS}", "name"),
        "initContainers": FieldMeta(MERGE, "name", "Container"),
        "containers": FieldMeta(MERGE, "name", "Container"),
        "ephemeralContainers": FieldMeta(MERGE, "name", "EphemeralContainer"),
        "imagePullSecrets": FieldMeta(MERGE, "name"),
        "hostAliases": FieldMeta(MERGE, "ip"),
        "topologySpreadConstraints": FieldMeta(MERGE, "topologyKey"),
        "schedulingGates": FieldMeta(MERGE, "name"),
        "resourceClaims": FieldMeta(f"{MERGE},{RETAIN_KEYS}", "name"),
        # tolerations, affinity, readinessGates, ... carry no tag: atomic.
    },
    "PodStatus": {
        "conditions": _CONDITIONS_BY_TYPE,
        "hostIPs": FieldMeta(MERGE, "ip"),
        "podIPs": FieldMeta(MERGE, "ip"),
        "resourceClaimStatuses": FieldMeta(f"{MERGE},{RETAIN_KEYS}", "name"),
        # containerStatuses carries no tag: atomic.
    },
    "PodTemplateSpec": {"metadata": _OBJECT_META, "spec": FieldMeta(type="PodSpec")},
    "Pod": _object(spec=FieldMeta(type="PodSpec"), status=FieldMeta(type="PodStatus")),
    "PodTemplate": _object(template=FieldMeta(type="PodTemplateSpec")),
    "ReplicationControllerSpec": {"template": FieldMeta(type="PodTemplateSpec")},
    "ConditionsStatus": {"conditions": _CONDITIONS_BY_TYPE},
    "ReplicationController": _object(
        spec=FieldMeta(type="ReplicationControllerSpec"), status=FieldMeta(type="ConditionsStatus")
    ),
    "ServiceSpec": {"ports": FieldMeta(MERGE, "port")},
    "Service": _object(
        spec=FieldMeta(type="ServiceSpec"), status=FieldMeta(type="ConditionsStatus")
    ),
    "ServiceAccount": _object(secrets=FieldMeta(MERGE, "name")),  # imagePullSecrets: atomic
    "NodeSpec": {"podCIDRs": FieldMeta(MERGE)},  # taints: atomic
    "NodeStatus": {"conditions": _CONDITIONS_BY_TYPE, "addresses": FieldMeta(MERGE, "type")},
    "Node": _object(spec=FieldMeta(type="NodeSpec"), status=FieldMeta(type="NodeStatus")),
    "Namespace": _object(status=FieldMeta(type="ConditionsStatus")),  # spec.finalizers: atomic
    "PersistentVolumeClaim": _object(status=FieldMeta(type="ConditionsStatus")),
    "ComponentStatus": _object(conditions=_CONDITIONS_BY_TYPE),
    "ConfigMap": _object(),
    "Secret": _object(),
    "Endpoints": _object(),  # subsets: atomic
    "Event": _object(),
    "LimitRange": _object(),
    "ResourceQuota": _object(),
    "PersistentVolume": _object(),
    # --- k8s.io/api/apps/v1/types.go
    "DeploymentSpec": {
        "template": FieldMeta(type="PodTemplateSpec"),
        # patchStrategy:"retainKeys": kubectl sends $retainKeys, so changing the strategy type
        # drops the old type's parameters (rollingUpdate).
        "strategy": FieldMeta(RETAIN_KEYS),
    },
    "Deployment": _object(
        spec=FieldMeta(type="DeploymentSpec"), status=FieldMeta(type="ConditionsStatus")
    ),
    "WorkloadSpec": {"template": FieldMeta(type="PodTemplateSpec")},
    "ReplicaSet": _object(
        spec=FieldMeta(type="WorkloadSpec"), status=FieldMeta(type="ConditionsStatus")
    ),
    "StatefulSet": _object(
        spec=FieldMeta(type="WorkloadSpec"), status=FieldMeta(type="ConditionsStatus")
    ),
    "DaemonSet": _object(
        spec=FieldMeta(type="WorkloadSpec"), status=FieldMeta(type="ConditionsStatus")
    ),
    "ControllerRevision": _object(),
    # --- k8s.io/api/batch/v1/types.go
    "Job": _object(spec=FieldMeta(type="WorkloadSpec"), status=FieldMeta(type="ConditionsStatus")),
    "JobTemplateSpec": {"metadata": _OBJECT_META, "spec": FieldMeta(type="WorkloadSpec")},
    "CronJobSpec": {"jobTemplate": FieldMeta(type="JobTemplateSpec")},
    "CronJob": _object(spec=FieldMeta(type="CronJobSpec")),
    # --- k8s.io/api/policy/v1/types.go
    # patchStrategy:"replace" on a map: a patch's selector replaces the old one whole.
    "PodDisruptionBudgetSpec": {"selector": FieldMeta(REPLACE)},
    "PodDisruptionBudget": _object(
        spec=FieldMeta(type="PodDisruptionBudgetSpec"), status=FieldMeta(type="ConditionsStatus")
    ),
    # --- kinds whose Go types carry no patch tags (discovery/v1, coordination/v1, events/v1,
    # rbac/v1, networking/v1, scheduling/v1, storage/v1).
    "EndpointSlice": _object(),  # endpoints, ports: atomic
    "Lease": _object(),
    "Role": _object(),  # rules: atomic (PolicyRule has no merge key)
    "ClusterRole": _object(),
    "RoleBinding": _object(),  # subjects: atomic
    "ClusterRoleBinding": _object(),
    "NetworkPolicy": _object(),
    "Ingress": _object(),
    "IngressClass": _object(),
    "PriorityClass": _object(),
    "StorageClass": _object(),
}

#: Kind -> the entry of :data:`TYPES` describing its objects. Each kind is its own root type.
KIND_ROOTS: Final[dict[str, str]] = {
    name: name
    for name in (
        "Pod",
        "PodTemplate",
        "ReplicationController",
        "Service",
        "ServiceAccount",
        "Node",
        "Namespace",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "ComponentStatus",
        "ConfigMap",
        "Secret",
        "Endpoints",
        "Event",
        "LimitRange",
        "ResourceQuota",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "ControllerRevision",
        "Job",
        "CronJob",
        "PodDisruptionBudget",
        "EndpointSlice",
        "Lease",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "NetworkPolicy",
        "Ingress",
        "IngressClass",
        "PriorityClass",
        "StorageClass",
    )
}


class MergeInfo(NamedTuple):
    """What :func:`merge_info` answers for one field path."""

    merge_key: str | None
    strategy: str


def supports_strategic_merge(kind: str) -> bool:
    """Whether the API server accepts ``application/strategic-merge-patch+json`` for ``kind``.

    True for the built-in kinds listed here; custom resources have no Go struct to read tags
    from, so the API server refuses strategic merge patches for them.
    """
    return kind in KIND_ROOTS


def root_type(kind: str) -> str:
    """The type name describing objects of ``kind``; ``KeyError`` for an unknown kind."""
    try:
        return KIND_ROOTS[kind]
    except KeyError:
        raise KeyError(f"no strategic merge patch metadata for kind {kind!r}") from None


def lookup(type_name: str | None, field: str) -> FieldMeta:
    """The patch metadata of ``field`` in type ``type_name`` (untagged when unknown)."""
    if type_name is None:
        return UNTAGGED
    return TYPES[type_name].get(field, UNTAGGED)


def merge_info(kind: str, path: str) -> MergeInfo:
    """How a strategic merge patch treats the field at ``path`` of a ``kind`` object.

    ``path`` is dotted, with ``[*]`` (or ``[]``, ``[3]``, or nothing) after a list to step into
    its items: ``merge_info("Deployment", "spec.template.spec.containers[*].env")`` is
    ``MergeInfo(merge_key="name", strategy="merge")``. A list whose strategy is ``""`` is atomic
    (replaced whole); ``merge_key`` is ``None`` for such lists and for merging lists of
    primitives (``metadata.finalizers``). Raises ``KeyError`` for a kind without metadata.
    """
    type_name: str | None = root_type(kind)
    meta = UNTAGGED
    for segment in path.split("."):
        name = segment.split("[", 1)[0]
        meta = lookup(type_name, name)
        type_name = meta.type
    return MergeInfo(meta.merge_key, meta.strategy)
