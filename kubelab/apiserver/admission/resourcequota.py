"""ResourceQuota: per-namespace caps on object counts and compute, charged at admission.

Model of ``k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go``
``CheckRequest`` with the evaluators of ``pkg/quota/v1/evaluator/core`` (pods, services) and
``k8s.io/apiserver/pkg/quota/v1/generic`` (object counts), Kubernetes 1.32.

For a CREATE (and the updates an evaluator cares about) the plugin takes every ResourceQuota
in the namespace whose ``status.hard`` names a resource the object uses (and whose scopes
match it), then

* rejects a pod that leaves out a cpu/memory request or limit a quota constrains:
  ``failed quota: compute: must specify limits.cpu for: app; limits.memory for: app``;
* rejects when a quota has no ``status.used`` yet for such a resource (``status unknown for
  quota: ...``);
* adds the object's usage to ``status.used`` and rejects if that passes ``status.hard``:
  ``exceeded quota: pods-max, requested: pods=1, used: pods=2, limited: pods=2``;
* otherwise returns the quotas with their new ``status.used`` in
  :attr:`~kubelab.apiserver.admission.interfaces.PluginResult.quota_updates` -- the server
  writes them before the object, as the plugin does upstream (not for dry runs).

Rejections are 403 ``<resource> "<name>" is forbidden: <reason>``.

Usage: a pod charges ``pods``, ``count/pods``, ``cpu``/``requests.cpu``, ``limits.cpu``,
``memory``/``requests.memory``, ``limits.memory``, ``ephemeral-storage`` (requests and
limits), hugepages and extended resources (``requests.<name>``), from the pod's effective
requests and limits (:mod:`.podresources`); a terminal pod (Succeeded/Failed) only
``count/pods``. A service charges ``services``, ``count/services``,
``services.loadbalancers`` and ``services.nodeports``. Every other resource charges
``count/<resource>[.<group>]``, and configmaps, secrets, resourcequotas,
replicationcontrollers and persistentvolumeclaims also their legacy name (``configmaps``, ...).
Events are not counted (the default ignored resources).

:func:`calculate_usage` is the resource quota controller's recount (``CalculateUsage``): the
server calls it for a new quota and after deletes. With ``assume_synced=True`` (the default)
the plugin treats a quota without a ``status`` as if that recount had run (upstream the
controller fills it within moments of creation); with ``False`` it answers ``status unknown``
as the real server does until then.

Left out: the admission configuration's ``limitedResources``, the ``PriorityClass`` scope's
``In``/``NotIn`` on objects other than pods, PVC storage and storage-class resources, the
``deletionTimestamp`` grace-period rule for stuck pods, and the retry loop on quota update
conflicts.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from kubelab.api.quantity import Quantity
from kubelab.apiserver.admission.interfaces import (
    CREATE,
    UPDATE,
    AdmissionRequest,
    Lister,
    Plugin,
    PluginResult,
    forbidden_for,
)
from kubelab.apiserver.admission.podresources import (
    ResourceList,
    add_resource_list,
    container_resources,
    parse_resource_list,
    pod_limits,
    pod_requests,
    render_resource_list,
)
from kubelab.apiserver.defaults import pod_qos_class

__all__ = [
    "ResourceQuota",
    "calculate_usage",
    "evaluator_for",
    "object_count_name",
    "pretty_print",
]

_ONE: Final = Quantity.from_int(1)
_ZERO: Final = Quantity.from_int(0)

# pkg/quota/v1/evaluator/core: the resources a pod's usage can name.
_POD_RESOURCES: Final = frozenset(
    {
        "count/pods",
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "pods",
    }
)
_POD_RESOURCE_PREFIXES: Final = ("hugepages-", "requests.hugepages-")
# validationSet: quota on these makes every container state them ("this was a mistake").
_VALIDATION_SET: Final = frozenset(
    {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
)
# pkg/quota/v1/evaluator/core registry.go legacyObjectCountAliases.
_LEGACY_ALIASES: Final[dict[str, str]] = {
    "configmaps": "configmaps",
    "resourcequotas": "resourcequotas",
    "replicationcontrollers": "replicationcontrollers",
    "secrets": "secrets",
    "persistentvolumeclaims": "persistentvolumeclaims",
}
# install.DefaultIgnoredResources.
_IGNORED: Final = frozenset({("", "events")})
_NATIVE_PREFIX: Final = "kubernetes.io/"


def object_count_name(resource: str, group: str = "") -> str:
    """``ObjectCountQuotaResourceNameFor``: ``count/pods``, ``count/deployments.apps``."""
    return f"count/{resource}.{group}" if group else f"count/{resource}"


def pretty_print(values: ResourceList) -> str:
    """``prettyPrint``: ``name=value`` pairs, sorted by name, joined with commas."""
    return ",".join(f"{name}={values[name].string()}" for name in sorted(values))


def _is_extended_resource(name: str) -> bool:
    # helper.IsExtendedResourceName: a qualified name outside kubernetes.io, not requests.*.
    return "/" in name and not name.startswith(_NATIVE_PREFIX) and not name.startswith("requests.")


def _pod_compute_usage(requests: ResourceList, limits: ResourceList) -> ResourceList:
    """podComputeUsageHelper."""
    result: ResourceList = {"pods": _ONE}
    for base in ("cpu", "memory", "ephemeral-storage"):
        if base in requests:
            result[base] = requests[base]
            result[f"requests.{base}"] = requests[base]
        if base in limits:
            result[f"limits.{base}"] = limits[base]
    for name, value in requests.items():
        if name.startswith("hugepages-"):
            result[name] = value
            result[f"requests.{name}"] = value
        elif _is_extended_resource(name):
            result[f"requests.{name}"] = value
    return result


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


@dataclass(frozen=True)
class _Selector:
    """One scope selector requirement (``ScopedResourceSelectorRequirement``)."""

    scope: str
    operator: str = "Exists"
    values: tuple[str, ...] = ()


def _scope_selectors(quota: Mapping[str, Any]) -> list[_Selector]:
    # getScopeSelectorsFromQuota: spec.scopes as Exists, then scopeSelector.matchExpressions.
    spec = _spec(quota)
    selectors = [_Selector(str(s)) for s in spec.get("scopes") or [] if isinstance(s, str)]
    scope_selector = spec.get("scopeSelector")
    if isinstance(scope_selector, Mapping):
        for expr in scope_selector.get("matchExpressions") or []:
            if isinstance(expr, Mapping):
                selectors.append(
                    _Selector(
                        str(expr.get("scopeName", "")),
                        str(expr.get("operator", "")),
                        tuple(str(v) for v in expr.get("values") or []),
                    )
                )
    return selectors


class _Evaluator:
    """quota.Evaluator for one group/resource (the generic object-count behaviour)."""

    def __init__(self, resource: str, group: str) -> None:
        self.resource = resource
        self.group = group
        self.count_name = object_count_name(resource, group)
        self.alias = _LEGACY_ALIASES.get(resource) if group == "" else None

    def names(self) -> frozenset[str]:
        return frozenset(n for n in (self.count_name, self.alias) if n)

    def matching_resources(self, names: Sequence[str]) -> list[str]:
        return [n for n in names if n in self.names()]

    def handles(self, req: AdmissionRequest) -> bool:
        return req.operation == CREATE  # ObjectCountEvaluator.Handles

    def matches_scope(self, selector: _Selector, obj: Mapping[str, Any]) -> bool:
        return False  # MatchesNoScopeFunc

    def constraints(self, required: Sequence[str], obj: Mapping[str, Any]) -> str:
        return ""

    def usage(self, obj: Mapping[str, Any]) -> ResourceList:
        return {name: _ONE for name in sorted(self.names())}


class _ServiceEvaluator(_Evaluator):
    """pkg/quota/v1/evaluator/core/services.go."""

    def __init__(self) -> None:
        super().__init__("services", "")

    def names(self) -> frozenset[str]:
        return frozenset(
            {"count/services", "services", "services.loadbalancers", "services.nodeports"}
        )

    def handles(self, req: AdmissionRequest) -> bool:
        return req.operation in (CREATE, UPDATE)

    def usage(self, obj: Mapping[str, Any]) -> ResourceList:
        spec = _spec(obj)
        ports = len(spec.get("ports") or [])
        result: ResourceList = {
            "count/services": _ONE,
            "services": _ONE,
            "services.loadbalancers": _ZERO,
            "services.nodeports": _ZERO,
        }
        kind = spec.get("type")
        if kind == "NodePort":
            result["services.nodeports"] = Quantity.from_int(ports)
        elif kind == "LoadBalancer":
            result["services.loadbalancers"] = _ONE
            if spec.get("allocateLoadBalancerNodePorts") is not False:
                result["services.nodeports"] = Quantity.from_int(ports)
        return result


class _PodEvaluator(_Evaluator):
    """pkg/quota/v1/evaluator/core/pods.go."""

    def __init__(self) -> None:
        super().__init__("pods", "")

    def matching_resources(self, names: Sequence[str]) -> list[str]:
        out = [n for n in names if n in _POD_RESOURCES]
        out += [
            n
            for n in names
            if n not in _POD_RESOURCES
            and (n.startswith(_POD_RESOURCE_PREFIXES) or self._extended_quota_name(n))
        ]
        return out

    @staticmethod
    def _extended_quota_name(name: str) -> bool:
        # isExtendedResourceNameForQuota: requests.<non-native resource>.
        return name.startswith("requests.") and _is_extended_resource(name[len("requests.") :])

    def handles(self, req: AdmissionRequest) -> bool:
        if req.subresource:
            return False
        if req.operation == UPDATE and req.object is not None and req.old_object is not None:
            # A change of the Terminating scope is charged on update.
            return _is_terminating(req.object) != _is_terminating(req.old_object)
        return req.operation == CREATE

    def matches_scope(self, selector: _Selector, obj: Mapping[str, Any]) -> bool:
        scope = selector.scope
        if scope == "Terminating":
            return _is_terminating(obj)
        if scope == "NotTerminating":
            return not _is_terminating(obj)
        if scope == "BestEffort":
            return pod_qos_class(obj) == "BestEffort"
        if scope == "NotBestEffort":
            return pod_qos_class(obj) != "BestEffort"
        if scope == "PriorityClass":
            priority_class = str(_spec(obj).get("priorityClassName") or "")
            return _match_priority_class(selector, priority_class)
        if scope == "CrossNamespacePodAffinity":
            return _uses_cross_namespace_affinity(obj)
        return False

    def constraints(self, required: Sequence[str], obj: Mapping[str, Any]) -> str:
        required_set = set(required) & _VALIDATION_SET
        missing: dict[str, set[str]] = {}
        spec = _spec(obj)
        for key in ("containers", "initContainers"):
            for container in spec.get(key) or []:
                if not isinstance(container, Mapping):
                    continue
                usage = _pod_compute_usage(
                    container_resources(container, "requests"),
                    container_resources(container, "limits"),
                )
                for name in required_set - set(usage):
                    missing.setdefault(name, set()).add(str(container.get("name", "")))
        if not missing:
            return ""
        parts = [f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing)]
        return "must specify " + "; ".join(parts)

    def usage(self, obj: Mapping[str, Any]) -> ResourceList:
        result: ResourceList = {"count/pods": _ONE}
        status = obj.get("status")
        phase = status.get("phase") if isinstance(status, Mapping) else None
        if phase in ("Succeeded", "Failed"):
            return result  # QuotaV1Pod: terminal pods only count as objects
        add_resource_list(result, _pod_compute_usage(pod_requests(obj), pod_limits(obj)))
        return result


def _is_terminating(pod: Mapping[str, Any]) -> bool:
    seconds = _spec(pod).get("activeDeadlineSeconds")
    return isinstance(seconds, int) and not isinstance(seconds, bool) and seconds >= 0


def _match_priority_class(selector: _Selector, priority_class: str) -> bool:
    # podMatchesSelector: a label selector over {"PriorityClass": <name>} (empty map if none).
    present = bool(priority_class)
    op = selector.operator
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op == "In":
        return present and priority_class in selector.values
    if op == "NotIn":
        return not present or priority_class not in selector.values
    return False


def _uses_cross_namespace_affinity(pod: Mapping[str, Any]) -> bool:
    affinity = _spec(pod).get("affinity")
    if not isinstance(affinity, Mapping):
        return False
    for kind in ("podAffinity", "podAntiAffinity"):
        section = affinity.get(kind)
        if not isinstance(section, Mapping):
            continue
        terms = list(section.get("requiredDuringSchedulingIgnoredDuringExecution") or [])
        for weighted in section.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
            if isinstance(weighted, Mapping):
                terms.append(weighted.get("podAffinityTerm") or {})
        for term in terms:
            if isinstance(term, Mapping) and (
                term.get("namespaces") or term.get("namespaceSelector") is not None
            ):
                return True
    return False


def evaluator_for(resource: str, group: str = "") -> _Evaluator:
    """The usage evaluator for one group/resource (pods, services, or an object count)."""
    if group == "" and resource == "pods":
        return _PodEvaluator()
    if group == "" and resource == "services":
        return _ServiceEvaluator()
    return _Evaluator(resource, group)


def _evaluators_for_names(names: Sequence[str]) -> list[_Evaluator]:
    """Evaluators whose resources appear among ``names`` (the controller's registry)."""
    evaluators: dict[tuple[str, str], _Evaluator] = {}
    for ev in (_PodEvaluator(), _ServiceEvaluator()):
        evaluators[(ev.group, ev.resource)] = ev
    for alias in _LEGACY_ALIASES:
        evaluators.setdefault(("", alias), _Evaluator(alias, ""))
    for name in names:
        if name.startswith("count/"):
            resource, _, group = name[len("count/") :].partition(".")
            evaluators.setdefault((group, resource), _Evaluator(resource, group))
    return [ev for _, ev in sorted(evaluators.items()) if ev.matching_resources(names)]


def _quota_matches(ev: _Evaluator, quota: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
    # generic.Matches: at least one hard resource, and every scope selector.
    hard = sorted(_hard(quota))
    if not ev.matching_resources(hard):
        return False
    return all(ev.matches_scope(sel, obj) for sel in _scope_selectors(quota))


def _status(quota: Mapping[str, Any]) -> Mapping[str, Any]:
    status = quota.get("status")
    return status if isinstance(status, Mapping) else {}


def _hard(quota: Mapping[str, Any]) -> ResourceList:
    return parse_resource_list(_status(quota).get("hard"))


def calculate_usage(quota: Mapping[str, Any], lister: Lister) -> dict[str, str]:
    """The resource quota controller's recount of ``status.used`` (``CalculateUsage``).

    Every resource of ``spec.hard`` that an evaluator knows gets a value (``0`` when
    nothing uses it), summed over the objects in the quota's namespace that match its scopes.
    """
    spec_hard = parse_resource_list(_spec(quota).get("hard"))
    names = sorted(spec_hard)
    namespace = str(_meta(quota).get("namespace") or "")
    selectors = _scope_selectors(quota)
    used: ResourceList = {}
    for ev in _evaluators_for_names(names):
        matched = ev.matching_resources(names)
        for name in matched:
            used.setdefault(name, _ZERO)
        for item in lister.list(ev.resource, namespace):
            if not all(ev.matches_scope(sel, item) for sel in selectors):
                continue
            usage = ev.usage(item)
            add_resource_list(used, {n: usage[n] for n in matched if n in usage})
    return render_resource_list(used)


def _synced(quota: Mapping[str, Any], lister: Lister) -> dict[str, Any]:
    out = copy.deepcopy(dict(quota))
    status = out.get("status")
    if not isinstance(status, dict):
        status = {}
        out["status"] = status
    if status.get("hard") is None:
        status["hard"] = copy.deepcopy(_spec(out).get("hard") or {})
    if status.get("used") is None:
        status["used"] = calculate_usage(out, lister)
    return out


def _subtract_non_negative(a: ResourceList, b: ResourceList) -> ResourceList:
    # quota.SubtractWithNonNegativeResult.
    out: ResourceList = {}
    for name, value in a.items():
        diff = value - b[name] if name in b else value
        out[name] = diff if diff.sign() >= 0 else _ZERO
    for name in b:
        if name not in out:
            out[name] = _ZERO
    return out


class ResourceQuota(Plugin):
    """The ``ResourceQuota`` admission plugin (validating, last in the chain)."""

    name: ClassVar[str] = "ResourceQuota"
    operations: ClassVar[frozenset[str]] = frozenset({CREATE, UPDATE})

    def __init__(self, assume_synced: bool = True) -> None:
        self.assume_synced = assume_synced

    def validate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Check every matching quota and charge the object's usage to it."""
        if (req.group, req.resource) in _IGNORED or req.object is None or not req.namespace:
            return None
        # a namespace without quotas has nothing to check (the evaluator is pure: asking it
        # first or after changes nothing)
        listed = lister.list("resourcequotas", req.namespace)
        if not listed:
            return None
        ev = evaluator_for(req.resource, req.group)
        if not ev.handles(req):
            return None
        quotas = [dict(q) for q in listed]
        if not quotas:
            return None
        if self.assume_synced:
            quotas = [_synced(q, lister) for q in quotas]
        updated = self.check_request(req, ev, quotas)
        if req.dry_run:
            return None
        return PluginResult(quota_updates=updated)

    @staticmethod
    def check_request(
        req: AdmissionRequest, ev: _Evaluator, quotas: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """``CheckRequest``: the quotas with new ``status.used``, or a 403."""
        obj = req.object
        assert obj is not None
        interesting: list[Mapping[str, Any]] = []
        for quota in quotas:
            if not _quota_matches(ev, quota, obj):
                continue
            quota_name = str(_meta(quota).get("name", ""))
            restricted = ev.matching_resources(sorted(_hard(quota)))
            problem = ev.constraints(restricted, obj)
            if problem:
                raise forbidden_for(req, f"failed quota: {quota_name}: {problem}")
            used = parse_resource_list(_status(quota).get("used"))
            if any(name not in used for name in restricted):
                raise forbidden_for(
                    req,
                    f"status unknown for quota: {quota_name}, "
                    f"resources: {','.join(sorted(restricted))}",
                )
            interesting.append(quota)

        delta = ev.usage(obj)
        negative = sorted(name for name, q in delta.items() if q.sign() < 0)
        if negative:
            raise forbidden_for(
                req, f"quota usage is negative for resource(s): {','.join(negative)}"
            )
        if req.operation == UPDATE:
            old = req.old_object
            if old is None:
                raise forbidden_for(
                    req,
                    "unable to get previous usage since prior version of object was not found",
                )
            if _meta(old).get("resourceVersion"):
                delta = _subtract_non_negative(delta, ev.usage(old))
        if all(q.is_zero() for q in delta.values()):
            return []

        updated: list[dict[str, Any]] = []
        for quota in interesting:
            hard = _hard(quota)
            used = parse_resource_list(_status(quota).get("used"))
            requested = {name: q for name, q in delta.items() if name in hard}
            new_used = dict(used)
            add_resource_list(new_used, requested)
            exceeded = sorted(
                name for name in requested if name in hard and new_used[name] > hard[name]
            )
            if exceeded:
                raise forbidden_for(
                    req,
                    f"exceeded quota: {_meta(quota).get('name', '')}, "
                    f"requested: {pretty_print({n: requested[n] for n in exceeded})}, "
                    f"used: {pretty_print({n: used[n] for n in exceeded if n in used})}, "
                    f"limited: {pretty_print({n: hard[n] for n in exceeded})}",
                )
            out = copy.deepcopy(dict(quota))
            status = out.setdefault("status", {})
            status["used"] = render_resource_list(new_used)
            updated.append(out)
        return updated
