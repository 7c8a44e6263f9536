"""The resources the API server serves: where each lives, its verbs, subresources and
discovery document.

Built from the kinds registry (:func:`kubelab.api.all_kinds`): every kind becomes a
:class:`Resource` with its strategy (:mod:`.strategy`), its etcd prefix and the
subresources upstream registers for it (``pods/status``, ``pods/binding``,
``pods/eviction``, ``deployments/scale``, ``namespaces/finalize``, ...).

Two API versions can share one storage: ``events.k8s.io/v1`` Events are stored as core
``v1`` Events under ``/registry/events`` and converted on the way in and out
(``pkg/apis/events/v1/conversion.go``), so both APIs see the same objects.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.api.kinds import KindInfo, all_kinds
from kubelab.apiserver.registry.strategy import Strategy, strategy_for

__all__ = [
    "ALL_VERBS",
    "Resource",
    "Subresource",
    "api_groups",
    "build_resources",
    "core_to_events_v1",
    "events_v1_to_core",
    "identity",
    "storage_version_hash",
]

#: The verbs of a full REST resource, in discovery order.
ALL_VERBS: Final = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)
# namespaces have no deletecollection (pkg/registry/core/namespace/storage).
_NAMESPACE_VERBS: Final = ("create", "delete", "get", "list", "patch", "update", "watch")
_STATUS_VERBS: Final = ("get", "patch", "update")

#: Kinds in the ``all`` category (``kubectl get all``).
_CATEGORY_ALL: Final = frozenset({"pods", "services", "deployments", "replicasets"})

Obj = dict[str, Any]
Convert = Callable[[Obj], Obj]


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """``storageversionhash.StorageVersionHash``: base64 of the first 8 bytes of the SHA-256
    of ``<group>/<version>/<kind>`` (``/v1/Pod`` -> ``xPOwRZ+Yhw8=``)."""
    text = f"{group}/{version}/{kind}"
    return base64.b64encode(hashlib.sha256(text.encode()).digest()[:8]).decode()


@dataclass(frozen=True)
class Subresource:
    """A subresource: its name, verbs and the kind of its body (discovery fields)."""

    name: str
    verbs: tuple[str, ...]
    kind: str
    group: str = ""
    version: str = ""


def identity(obj: Obj) -> Obj:
    """The conversion of a resource served in its storage version: none."""
    return obj


@dataclass
class Resource:
    """One served resource (a REST endpoint family), e.g. ``pods`` or ``deployments.apps``."""

    info: KindInfo
    strategy: Strategy
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: dict[str, Subresource] = field(default_factory=dict)
    #: stored form -> served form (for resources sharing storage with another version)
    to_served: Convert = identity
    #: served form -> stored form
    to_storage: Convert = identity
    #: the stored kind/apiVersion (differs for events.k8s.io Events)
    storage_api_version: str = ""
    storage_kind: str = ""
    allow_create_on_update: bool = False

    # What is read from ``info`` is kept once read (several times per request); assigning
    # ``info`` forgets it (__setattr__).

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "info":
            for derived in _FROM_INFO:
                self.__dict__.pop(derived, None)

    @functools.cached_property
    def name(self) -> str:
        """The plural resource name."""
        return self.info.resource

    @functools.cached_property
    def group(self) -> str:
        """The API group (``""`` for core)."""
        return self.info.group

    @functools.cached_property
    def kind(self) -> str:
        """The kind."""
        return self.info.kind

    @functools.cached_property
    def api_version(self) -> str:
        """``v1`` or ``group/version``."""
        return self.info.api_version

    @functools.cached_property
    def namespaced(self) -> bool:
        """Whether objects live in namespaces."""
        return self.info.namespaced

    @functools.cached_property
    def prefix(self) -> str:
        """The etcd key prefix (``/registry/pods``)."""
        return self.info.etcd_prefix

    @functools.cached_property
    def qualified(self) -> str:
        """``pods`` or ``deployments.apps`` (``GroupResource.String()``)."""
        return self.info.group_resource

    def key(self, name: str, namespace: str | None = None) -> str:
        """The etcd key of one object."""
        return self.info.etcd_key(name, namespace if self.namespaced else None)

    def discovery(self) -> list[dict[str, Any]]:
        """The ``APIResource`` entries of this resource and its subresources."""
        out: list[dict[str, Any]] = []
        entry: dict[str, Any] = {
            "name": self.name,
            "singularName": self.info.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.info.short_names:
            entry["shortNames"] = list(self.info.short_names)
        if self.name in _CATEGORY_ALL:
            entry["categories"] = ["all"]
        entry["storageVersionHash"] = storage_version_hash(self.group, self.info.version, self.kind)
        out.append(entry)
        for sub in sorted(self.subresources.values(), key=lambda s: s.name):
            e: dict[str, Any] = {
                "name": f"{self.name}/{sub.name}",
                "singularName": "",
                "namespaced": self.namespaced,
            }
            if sub.group:
                e["group"] = sub.group
            if sub.version:
                e["version"] = sub.version
            e["kind"] = sub.kind
            e["verbs"] = list(sub.verbs)
            out.append(e)
        return out


#: The attributes of a Resource worked out from its ``info``.
_FROM_INFO: Final = ("name", "group", "kind", "api_version", "namespaced", "prefix", "qualified")


# -------------------------------------------------------------------------- Event conversion

# pkg/apis/events/v1/conversion.go: events.k8s.io/v1 field <- core/v1 field
_EVENT_FIELDS: Final = (
    ("note", "message"),
    ("regarding", "involvedObject"),
    ("related", "related"),
    ("reportingController", "reportingComponent"),
    ("reportingInstance", "reportingInstance"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
    ("eventTime", "eventTime"),
    ("series", "series"),
    ("action", "action"),
    ("reason", "reason"),
    ("type", "type"),
)


def core_to_events_v1(obj: Obj) -> Obj:
    """A stored core ``v1`` Event as ``events.k8s.io/v1`` serves it."""
    out: Obj = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": obj.get("metadata")}
    for new, old in _EVENT_FIELDS:
        if old in obj:
            out[new] = obj[old]
    return out


def events_v1_to_core(obj: Obj) -> Obj:
    """An ``events.k8s.io/v1`` Event as it is stored (core ``v1``)."""
    out: Obj = {"kind": "Event", "apiVersion": "v1"}
    if "metadata" in obj:
        out["metadata"] = obj["metadata"]
    for new, old in _EVENT_FIELDS:
        if new in obj:
            out[old] = obj[new]
    return out


# -------------------------------------------------------------------------- the table


def _subresources(info: KindInfo) -> dict[str, Subresource]:
    subs: dict[str, Subresource] = {}
    key = (info.group, info.resource)
    if key in {
        ("", "pods"),
        ("", "services"),
        ("", "nodes"),
        ("", "namespaces"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
    }:
        subs["status"] = Subresource("status", _STATUS_VERBS, info.kind)
    if key == ("", "pods"):
        subs["binding"] = Subresource("binding", ("create",), "Binding")
        subs["eviction"] = Subresource("eviction", ("create",), "Eviction", "policy", "v1")
    if key in {("apps", "deployments"), ("apps", "replicasets")}:
        subs["scale"] = Subresource("scale", _STATUS_VERBS, "Scale", "autoscaling", "v1")
    if key == ("", "namespaces"):
        subs["finalize"] = Subresource("finalize", ("update",), "Namespace")
    return subs


def build_resources() -> list[Resource]:
    """Every served resource, in ``kubectl api-resources`` order."""
    out: list[Resource] = []
    for info in all_kinds():
        res = Resource(info, strategy_for(info.group, info.kind))
        res.subresources = _subresources(info)
        res.storage_api_version = info.api_version
        res.storage_kind = info.kind
        if info.resource == "namespaces" and not info.group:
            res.verbs = _NAMESPACE_VERBS
        if info.resource == "endpoints" and not info.group:
            res.allow_create_on_update = True  # endpointsStrategy.AllowCreateOnUpdate
        if info.group == "events.k8s.io":
            res.strategy = strategy_for("", "Event")
            res.to_served = core_to_events_v1
            res.to_storage = events_v1_to_core
            res.storage_api_version = "v1"
        out.append(res)
    return out


def api_groups(resources: list[Resource]) -> dict[str, list[str]]:
    """``group -> [versions]`` of the named groups served, sorted by group."""
    groups: dict[str, list[str]] = {}
    for r in resources:
        if r.group:
            versions = groups.setdefault(r.group, [])
            if r.info.version not in versions:
                versions.append(r.info.version)
    return {g: groups[g] for g in sorted(groups)}


def by_path(resources: list[Resource]) -> Mapping[tuple[str, str, str], Resource]:
    """``(group, version, plural) -> Resource``."""
    return {(r.group, r.info.version, r.name): r for r in resources}
