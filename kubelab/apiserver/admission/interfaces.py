"""What an admission plugin sees and returns (``k8s.io/apiserver/pkg/admission/interfaces.go``).

* :class:`AdmissionRequest` -- ``admission.Attributes``: the operation, the kind and resource,
  the namespace and name, the object (which mutating plugins change in place), the old
  object on updates, the user and whether the request is a dry run.
* :class:`Lister` -- the read-only view of cluster state a plugin may consult (upstream: the
  informer listers the plugin initializer hands out). :class:`MemoryLister` is a small
  in-memory one for tests and notebooks.
* :class:`Plugin` -- the base class: ``mutate`` (``MutationInterface.Admit``) and/or
  ``validate`` (``ValidationInterface.Validate``); a plugin rejects a request by raising
  :class:`~kubelab.apiserver.errors.StatusError` and may return a :class:`PluginResult`
  with warnings, audit annotations or quota usage to record.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Protocol

from kubelab.api.kinds import NoKindMatchError, kind_info
from kubelab.apiserver.errors import REASON_FORBIDDEN, StatusError, forbidden

__all__ = [
    "CONNECT",
    "CREATE",
    "DELETE",
    "UPDATE",
    "AdmissionRequest",
    "Lister",
    "MemoryLister",
    "Plugin",
    "PluginResult",
    "UserInfo",
    "forbidden_for",
    "resource_for",
]

# admission.Operation values.
CREATE: Final = "CREATE"
UPDATE: Final = "UPDATE"
DELETE: Final = "DELETE"
CONNECT: Final = "CONNECT"

# Kinds the kinds registry does not list yet, with their resource and group.
_EXTRA_KINDS: Final[dict[str, tuple[str, str]]] = {
    "LimitRange": ("limitranges", ""),
    "ResourceQuota": ("resourcequotas", ""),
    "PodTemplate": ("podtemplates", ""),
    "ReplicationController": ("replicationcontrollers", ""),
    "PersistentVolumeClaim": ("persistentvolumeclaims", ""),
    "DaemonSet": ("daemonsets", "apps"),
    "StatefulSet": ("statefulsets", "apps"),
    "Job": ("jobs", "batch"),
    "CronJob": ("cronjobs", "batch"),
}


def resource_for(obj: Mapping[str, Any]) -> tuple[str, str, bool]:
    """``(resource, group, namespaced)`` of a manifest dict: ``("pods", "", True)``.

    Uses :mod:`kubelab.api.kinds`, then a short list of kinds it does not know yet
    (LimitRange, ResourceQuota, the other workload kinds); anything else is guessed as the
    lower-case plural, namespaced.
    """
    api_version = str(obj.get("apiVersion", ""))
    kind = str(obj.get("kind", ""))
    try:
        info = kind_info(api_version, kind)
    except NoKindMatchError:
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        if kind in _EXTRA_KINDS:
            resource, known_group = _EXTRA_KINDS[kind]
            return resource, known_group or group, True
        return kind.lower() + "s", group, True
    return info.resource, info.group, info.namespaced


@dataclass(frozen=True, init=False)
class UserInfo:
    """The authenticated user (``user.Info``): name and groups."""

    name: str
    groups: tuple[str, ...] = ()

    # built for every write: the __init__ a frozen dataclass generates sets each field
    # through object.__setattr__ (twice as slow); this one stores the same fields
    def __init__(self, name: str, groups: tuple[str, ...] = ()) -> None:
        d = self.__dict__
        d["name"] = name
        d["groups"] = groups


@dataclass
class AdmissionRequest:
    """One write as admission sees it (``admission.Attributes``).

    ``object`` is the new object (``None`` for DELETE); mutating plugins change it in place.
    ``group`` is the API group of the kind and resource (``""`` for the core group).
    """

    operation: str
    kind: str
    resource: str
    namespace: str = ""
    name: str = ""
    object: dict[str, Any] | None = None
    old_object: dict[str, Any] | None = None
    subresource: str = ""
    group: str = ""
    user: UserInfo = field(default_factory=lambda: UserInfo(""))
    dry_run: bool = False

    @classmethod
    def for_object(
        cls,
        operation: str,
        obj: Mapping[str, Any],
        *,
        old_object: Mapping[str, Any] | None = None,
        user: UserInfo | None = None,
        subresource: str = "",
        dry_run: bool = False,
        namespace: str | None = None,
    ) -> AdmissionRequest:
        """Build a request from a manifest (kind, resource, namespace and name taken from it).

        The object is deep-copied, so plugins never change the caller's dict. On DELETE pass
        the stored object: it becomes ``old_object`` and ``object`` stays ``None``.
        """
        resource, group, namespaced = resource_for(obj)
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        ns = namespace if namespace is not None else str(meta.get("namespace") or "")
        if not namespaced:
            ns = ""
        new: dict[str, Any] | None = copy.deepcopy(dict(obj))
        old = copy.deepcopy(dict(old_object)) if old_object is not None else None
        if operation == DELETE:
            old, new = (old if old is not None else new), None
        return cls(
            operation=operation,
            kind=str(obj.get("kind", "")),
            resource=resource,
            namespace=ns,
            name=str(meta.get("name") or ""),
            object=new,
            old_object=old,
            subresource=subresource,
            group=group,
            user=user or UserInfo(""),
            dry_run=dry_run,
        )

    @property
    def display_name(self) -> str:
        """The name admission errors print (``admission.NewForbidden``): the request name,
        else the object's ``name`` or ``generateName``, else ``Unknown``."""
        if self.name:
            return self.name
        if self.object is not None:
            meta = self.object.get("metadata")
            if isinstance(meta, Mapping):
                for key in ("name", "generateName"):
                    value = meta.get(key)
                    if isinstance(value, str) and value:
                        return value
        return "Unknown"


class Lister(Protocol):
    """The cluster state admission plugins read (upstream: shared-informer listers)."""

    def get_namespace(self, name: str) -> Mapping[str, Any] | None:
        """The Namespace object, or ``None`` if there is none."""
        ...

    def list(self, resource: str, namespace: str) -> Sequence[Mapping[str, Any]]:
        """All objects of ``resource`` (plural, e.g. ``pods``, ``limitranges``,
        ``resourcequotas``, ``serviceaccounts``) in ``namespace``, sorted by name."""
        ...

    def get(self, resource: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        """The object of ``resource`` (plural) called ``name`` in ``namespace`` (``""`` for
        a cluster-scoped resource), or ``None``: the one :meth:`list` would hold under that
        name."""
        ...


class MemoryLister:
    """A :class:`Lister` over a set of object dicts kept in memory.

    ``MemoryLister([ns, sa, quota])``; :meth:`add` replaces an object with the same
    resource, namespace and name.
    """

    def __init__(self, objects: Iterable[Mapping[str, Any]] = ()) -> None:
        self._objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        for obj in objects:
            self.add(obj)

    def add(self, obj: Mapping[str, Any]) -> None:
        """Store (a copy of) ``obj``."""
        resource, _, namespaced = resource_for(obj)
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        ns = str(meta.get("namespace") or "default") if namespaced else ""
        self._objects[(resource, ns, str(meta.get("name") or ""))] = copy.deepcopy(dict(obj))

    def remove(self, resource: str, namespace: str, name: str) -> None:
        """Forget one object (no error if absent)."""
        self._objects.pop((resource, namespace, name), None)

    def get_namespace(self, name: str) -> Mapping[str, Any] | None:
        """The Namespace named ``name``, or ``None``."""
        return self._objects.get(("namespaces", "", name))

    def list(self, resource: str, namespace: str) -> list[Mapping[str, Any]]:
        """Objects of ``resource`` in ``namespace``, sorted by name."""
        keys = sorted(k for k in self._objects if k[0] == resource and k[1] == namespace)
        return [self._objects[k] for k in keys]

    def get(self, resource: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        """The object of ``resource`` called ``name`` in ``namespace``, or ``None``."""
        return self._objects.get((resource, namespace, name))


@dataclass
class PluginResult:
    """What a plugin reports besides allow/deny.

    ``warnings`` reach the client as ``Warning:`` headers; ``audit_annotations`` go to the
    audit event; ``quota_updates`` are ResourceQuota objects with a new ``status.used`` for
    the server to write (what the ResourceQuota plugin persists before the object itself).
    """

    warnings: list[str] = field(default_factory=list)
    audit_annotations: dict[str, str] = field(default_factory=dict)
    quota_updates: list[dict[str, Any]] = field(default_factory=list)


class Plugin:
    """Base class of the admission plugins.

    ``name`` is the upstream plugin name (``--enable-admission-plugins``). ``operations`` is
    the set of operations the plugin handles (``admission.NewHandler``); the chain skips the
    plugin for others. A subclass overrides :meth:`mutate`, :meth:`validate` or both.
    """

    name: ClassVar[str] = ""
    operations: ClassVar[frozenset[str]] = frozenset({CREATE, UPDATE, DELETE, CONNECT})

    def handles(self, operation: str) -> bool:
        """``Handler.Handles``: whether the plugin looks at this operation at all."""
        return operation in self.operations

    @property
    def is_mutating(self) -> bool:
        """Whether this plugin has a mutating phase."""
        return type(self).mutate is not Plugin.mutate

    @property
    def is_validating(self) -> bool:
        """Whether this plugin has a validating phase."""
        return type(self).validate is not Plugin.validate

    def mutate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Change ``req.object`` in place, or raise ``StatusError`` to reject."""
        return None

    def validate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Check the (mutated) request; raise ``StatusError`` to reject."""
        return None


def forbidden_for(req: AdmissionRequest, err: str | BaseException) -> StatusError:
    """``admission.NewForbidden``: 403 ``<resource> "<name>" is forbidden: <err>``.

    The name is :attr:`AdmissionRequest.display_name`; an error that already is a Forbidden
    Status is returned unchanged ("do not double wrap").
    """
    if isinstance(err, StatusError) and err.reason == REASON_FORBIDDEN:
        return err
    return forbidden(req.resource, req.display_name, err, req.group)
