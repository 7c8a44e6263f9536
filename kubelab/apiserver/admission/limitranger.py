"""LimitRanger: per-namespace defaults and bounds for container resources.

Model of ``plugin/pkg/admission/limitranger/admission.go`` (Kubernetes 1.32). For every
LimitRange in the pod's namespace (Pod CREATE only: containers cannot change afterwards;
PersistentVolumeClaims for the validation):

* mutate (``PodMutateLimitFunc``): each container and init container missing a request or
  limit that a ``type: Container`` item defaults (``defaultRequest``, ``default``) gets it,
  and the pod is annotated ``kubernetes.io/limit-ranger: LimitRanger plugin set: cpu
  request for container app; cpu limit for container app``;
* validate (``PodValidateLimitFunc``): ``min``, ``max`` and ``maxLimitRequestRatio`` of
  ``type: Container`` items per container, of ``type: Pod`` items against the pod's total
  requests and limits; for PVCs ``min``/``max`` of ``type: PersistentVolumeClaim`` on the
  storage request. Violations come back as 403, e.g. ``pods "x" is forbidden: minimum cpu
  usage per Container is 100m, but request is 50m``; several as ``[a, b]``.

LimitRange objects are read through the lister and defaulted as the server stores them
(``SetDefaults_LimitRangeItem``: default limit from ``max``, default request from the default
limit, then from ``min``). Upstream walks Go maps in random order; here resource names are
taken in sorted order so messages are reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from kubelab.api.quantity import MAX_MILLI_VALUE, Quantity
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
    aggregate_message,
    container_resources,
    parse_resource_list,
    pod_limits,
    pod_requests,
)
from kubelab.apiserver.defaults import apply_defaults

__all__ = ["LIMIT_RANGER_ANNOTATION", "LimitRanger"]

LIMIT_RANGER_ANNOTATION: Final = "kubernetes.io/limit-ranger"

_ZERO: Final = Quantity.from_int(0)


def _compare_values(req: Quantity, lim: Quantity, enforced: Quantity) -> tuple[int, int, int]:
    # requestLimitEnforcedValues: milli precision when nothing overflows, else whole units.
    values = (req.value(), lim.value(), enforced.value())
    if all(v <= MAX_MILLI_VALUE for v in values):
        return req.milli_value(), lim.milli_value(), enforced.milli_value()
    return values


def _min_constraint(
    limit_type: str, name: str, enforced: Quantity, requests: ResourceList, limits: ResourceList
) -> str:
    req, lim = requests.get(name), limits.get(name)
    req_v, lim_v, enf_v = _compare_values(req or _ZERO, lim or _ZERO, enforced)
    if req is None:
        return (
            f"minimum {name} usage per {limit_type} is {enforced.string()}.  "
            "No request is specified"
        )
    if req_v < enf_v:
        return (
            f"minimum {name} usage per {limit_type} is {enforced.string()}, "
            f"but request is {req.string()}"
        )
    if lim is not None and lim_v < enf_v:
        return (
            f"minimum {name} usage per {limit_type} is {enforced.string()}, "
            f"but limit is {lim.string()}"
        )
    return ""


def _max_constraint(
    limit_type: str, name: str, enforced: Quantity, requests: ResourceList, limits: ResourceList
) -> str:
    req, lim = requests.get(name), limits.get(name)
    req_v, lim_v, enf_v = _compare_values(req or _ZERO, lim or _ZERO, enforced)
    if lim is None:
        return (
            f"maximum {name} usage per {limit_type} is {enforced.string()}.  No limit is specified"
        )
    if lim_v > enf_v:
        return (
            f"maximum {name} usage per {limit_type} is {enforced.string()}, "
            f"but limit is {lim.string()}"
        )
    if req is not None and req_v > enf_v:
        return (
            f"maximum {name} usage per {limit_type} is {enforced.string()}, "
            f"but request is {req.string()}"
        )
    return ""


def _max_request_constraint(
    limit_type: str, name: str, enforced: Quantity, requests: ResourceList
) -> str:
    req = requests.get(name)
    req_v, _, enf_v = _compare_values(req or _ZERO, _ZERO, enforced)
    if req is None:
        return (
            f"maximum {name} usage per {limit_type} is {enforced.string()}.  "
            "No request is specified"
        )
    if req_v > enf_v:
        return (
            f"maximum {name} usage per {limit_type} is {enforced.string()}, "
            f"but request is {req.string()}"
        )
    return ""


def _ratio_constraint(
    limit_type: str, name: str, enforced: Quantity, requests: ResourceList, limits: ResourceList
) -> str:
    req, lim = requests.get(name), limits.get(name)
    req_v, lim_v, _ = _compare_values(req or _ZERO, lim or _ZERO, enforced)
    if req is None or req_v == 0:
        return (
            f"{name} max limit to request ratio per {limit_type} is {enforced.string()}, "
            "but no request is specified or request is 0"
        )
    if lim is None or lim_v == 0:
        return (
            f"{name} max limit to request ratio per {limit_type} is {enforced.string()}, "
            "but no limit is specified or limit is 0"
        )
    observed = lim_v / req_v
    display = observed
    max_ratio = float(enforced.value())
    if enforced.value() <= MAX_MILLI_VALUE:
        observed *= 1000
        max_ratio = float(enforced.milli_value())
    if observed > max_ratio:
        return (
            f"{name} max limit to request ratio per {limit_type} is {enforced.string()}, "
            f"but provided ratio is {display:f}"
        )
    return ""


def _check_all(
    item: Mapping[str, Any], limit_type: str, requests: ResourceList, limits: ResourceList
) -> list[str]:
    problems: list[str] = []
    for key, check in (
        ("min", _min_constraint),
        ("max", _max_constraint),
        ("maxLimitRequestRatio", _ratio_constraint),
    ):
        bounds = parse_resource_list(item.get(key))
        for name in sorted(bounds):
            problem = check(limit_type, name, bounds[name], requests, limits)
            if problem:
                problems.append(problem)
    return problems


def _items(limit_range: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    spec = limit_range.get("spec")
    limits = spec.get("limits") if isinstance(spec, Mapping) else None
    return [i for i in limits if isinstance(i, Mapping)] if isinstance(limits, list) else []


def _containers(spec: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = spec.get(key)
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


class LimitRanger(Plugin):
    """The ``LimitRanger`` admission plugin."""

    name: ClassVar[str] = "LimitRanger"
    operations: ClassVar[frozenset[str]] = frozenset({CREATE, UPDATE})

    @staticmethod
    def _supports(req: AdmissionRequest) -> bool:
        # DefaultLimitRangerActions.SupportsAttributes: pods (not on update) and PVCs.
        if req.subresource or req.group != "" or req.object is None:
            return False
        if req.kind == "Pod":
            return req.operation != UPDATE
        return req.kind == "PersistentVolumeClaim"

    @staticmethod
    def _limit_ranges(req: AdmissionRequest, lister: Lister) -> list[dict[str, Any]]:
        if req.old_object is not None:
            meta = req.old_object.get("metadata")
            if isinstance(meta, Mapping) and meta.get("deletionTimestamp"):
                return []  # objects being deleted are left alone
        listed = lister.list("limitranges", req.namespace)
        if not listed:
            return []  # (most namespaces have none)
        return [apply_defaults(lr) for lr in listed]

    def mutate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Fill in default requests and limits from every LimitRange in the namespace."""
        if not self._supports(req) or req.kind != "Pod":
            return None
        assert req.object is not None
        for limit_range in self._limit_ranges(req, lister):
            self._merge_defaults(req.object, limit_range)
        return None

    @staticmethod
    def _merge_defaults(pod: dict[str, Any], limit_range: Mapping[str, Any]) -> None:
        # defaultContainerResourceRequirements: later Container items override earlier ones.
        default_requests: dict[str, Any] = {}
        default_limits: dict[str, Any] = {}
        for item in _items(limit_range):
            if item.get("type") != "Container":
                continue
            for source, target in (
                ("defaultRequest", default_requests),
                ("default", default_limits),
            ):
                values = item.get(source)
                if isinstance(values, Mapping):
                    target.update(values)
        spec = pod.get("spec")
        if not isinstance(spec, dict):
            return
        notes: list[str] = []
        for key, label in (("containers", "container"), ("initContainers", "init container")):
            for container in _containers(spec, key):
                resources = container.get("resources")
                if not isinstance(resources, dict):
                    resources = {}
                    container["resources"] = resources
                set_limits = LimitRanger._fill(resources, "limits", default_limits)
                set_requests = LimitRanger._fill(resources, "requests", default_requests)
                name = container.get("name", "")
                if set_requests:
                    notes.append(f"{', '.join(sorted(set_requests))} request for {label} {name}")
                if set_limits:
                    notes.append(f"{', '.join(sorted(set_limits))} limit for {label} {name}")
        if notes:
            meta = pod.setdefault("metadata", {})
            annotations = meta.get("annotations")
            if not isinstance(annotations, dict):
                annotations = {}
                meta["annotations"] = annotations
            annotations[LIMIT_RANGER_ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)

    @staticmethod
    def _fill(resources: dict[str, Any], key: str, defaults: Mapping[str, Any]) -> list[str]:
        current = resources.get(key)
        current = dict(current) if isinstance(current, Mapping) else {}
        added = [name for name in defaults if name not in current]
        for name in added:
            current[name] = defaults[name]
        if added:
            resources[key] = current
        return added

    def validate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Enforce min, max and maxLimitRequestRatio of every LimitRange in the namespace."""
        if not self._supports(req):
            return None
        assert req.object is not None
        for limit_range in self._limit_ranges(req, lister):
            if req.kind == "Pod":
                problems = self._validate_pod(req.object, limit_range)
            else:
                problems = self._validate_claim(req.object, limit_range)
            if problems:
                raise forbidden_for(req, aggregate_message(problems))
        return None

    @staticmethod
    def _validate_pod(pod: Mapping[str, Any], limit_range: Mapping[str, Any]) -> list[str]:
        spec = pod.get("spec")
        spec = spec if isinstance(spec, Mapping) else {}
        problems: list[str] = []
        for item in _items(limit_range):
            limit_type = item.get("type")
            if limit_type == "Container":
                for key in ("containers", "initContainers"):
                    for container in _containers(spec, key):
                        problems += _check_all(
                            item,
                            "Container",
                            container_resources(container, "requests"),
                            container_resources(container, "limits"),
                        )
            elif limit_type == "Pod":
                # The limitranger's own podRequests/podLimits: no overhead.
                problems += _check_all(
                    item,
                    "Pod",
                    pod_requests(pod, include_overhead=False),
                    pod_limits(pod, include_overhead=False),
                )
        return problems

    @staticmethod
    def _validate_claim(claim: Mapping[str, Any], limit_range: Mapping[str, Any]) -> list[str]:
        spec = claim.get("spec")
        resources = spec.get("resources") if isinstance(spec, Mapping) else None
        requests = parse_resource_list(
            resources.get("requests") if isinstance(resources, Mapping) else None
        )
        problems: list[str] = []
        for item in _items(limit_range):
            if item.get("type") != "PersistentVolumeClaim":
                continue
            mins = parse_resource_list(item.get("min"))
            for name in sorted(mins):
                problem = _min_constraint("PersistentVolumeClaim", name, mins[name], requests, {})
                if problem:
                    problems.append(problem)
            maxes = parse_resource_list(item.get("max"))
            for name in sorted(maxes):
                problem = _max_request_constraint(
                    "PersistentVolumeClaim", name, maxes[name], requests
                )
                if problem:
                    problems.append(problem)
        return problems
