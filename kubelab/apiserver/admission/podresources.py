"""Resource lists and a pod's effective requests and limits.

``pod_requests`` and ``pod_limits`` follow ``k8s.io/component-helpers/resource/helpers.go``
``PodRequests``/``PodLimits`` (Kubernetes 1.32, in-place resize and pod-level resources off):
the sum over the regular containers and the restartable ("sidecar") init containers, raised
to the largest single init container (which runs alone, next to the sidecars started before
it), plus ``spec.overhead`` -- for limits only where a limit is already set.

Resource lists here map names to :class:`~kubelab.api.quantity.Quantity`; values that do not
parse are skipped (validation reports them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kubelab.api.quantity import Quantity, QuantityError, parse_quantity

__all__ = [
    "ResourceList",
    "add_resource_list",
    "aggregate_message",
    "container_resources",
    "max_resource_list",
    "parse_resource_list",
    "pod_limits",
    "pod_requests",
    "render_resource_list",
]

ResourceList = dict[str, Quantity]


def parse_resource_list(values: Any) -> ResourceList:
    """A ``{name: "500m"}`` dict as Quantities (unparsable values left out)."""
    out: ResourceList = {}
    if not isinstance(values, Mapping):
        return out
    for name, value in values.items():
        if isinstance(value, Quantity):
            out[str(name)] = value
            continue
        try:
            out[str(name)] = parse_quantity(str(value))
        except QuantityError:
            continue
    return out


def render_resource_list(values: ResourceList) -> dict[str, str]:
    """Quantities back to the strings the API server writes (``Quantity.String()``)."""
    return {name: q.string() for name, q in values.items()}


def add_resource_list(total: ResourceList, more: ResourceList) -> None:
    """``addResourceList``: add ``more`` into ``total`` in place."""
    for name, q in more.items():
        total[name] = total[name] + q if name in total else q


def max_resource_list(total: ResourceList, other: ResourceList) -> None:
    """``maxResourceList``: raise each entry of ``total`` to ``other``'s where larger."""
    for name, q in other.items():
        if name not in total or q > total[name]:
            total[name] = q


def container_resources(container: Mapping[str, Any], key: str) -> ResourceList:
    """A container's ``resources.requests`` or ``resources.limits``."""
    resources = container.get("resources")
    if not isinstance(resources, Mapping):
        return {}
    return parse_resource_list(resources.get(key))


def _containers(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = spec.get(key)
    return [c for c in value if isinstance(c, Mapping)] if isinstance(value, list) else []


def _aggregate(spec: Mapping[str, Any], key: str) -> ResourceList:
    total: ResourceList = {}
    for container in _containers(spec, "containers"):
        add_resource_list(total, container_resources(container, key))
    sidecars: ResourceList = {}
    init_max: ResourceList = {}
    for container in _containers(spec, "initContainers"):
        values = container_resources(container, key)
        if container.get("restartPolicy") == "Always":
            # A sidecar keeps running: it adds to the total and to every later init container.
            add_resource_list(total, values)
            add_resource_list(sidecars, values)
            values = dict(sidecars)
        else:
            combined: ResourceList = {}
            add_resource_list(combined, values)
            add_resource_list(combined, sidecars)
            values = combined
        max_resource_list(init_max, values)
    max_resource_list(total, init_max)
    return total


def _spec(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = pod.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def pod_requests(pod: Mapping[str, Any], include_overhead: bool = True) -> ResourceList:
    """``PodRequests``: what the pod asks for as a whole."""
    spec = _spec(pod)
    total = _aggregate(spec, "requests")
    if include_overhead:
        add_resource_list(total, parse_resource_list(spec.get("overhead")))
    return total


def pod_limits(pod: Mapping[str, Any], include_overhead: bool = True) -> ResourceList:
    """``PodLimits``: the pod's limits; overhead only adds to resources that have a limit."""
    spec = _spec(pod)
    total = _aggregate(spec, "limits")
    if include_overhead:
        for name, q in parse_resource_list(spec.get("overhead")).items():
            if name in total:
                total[name] = total[name] + q
    return total


def aggregate_message(messages: Iterable[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one message bare, several as ``[a, b]``,
    repeats dropped."""
    seen: list[str] = []
    for msg in messages:
        if msg not in seen:
            seen.append(msg)
    if not seen:
        return ""
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"
