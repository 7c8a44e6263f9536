"""A pod's resource requests as the scheduler counts them.

Models ``k8s.io/kubernetes/pkg/api/v1/resource/helpers.go`` (``PodRequests``) and
``pkg/scheduler/util/pod_resources.go`` (the non-zero defaults):

* regular containers run together, so their requests add up;
* init containers run one after another, so the pod needs the largest of them -- except
  restartable ("sidecar") init containers, which keep running and add to everything after them;
* ``spec.overhead`` is added on top;
* for *scoring*, a container that sets no ``cpu`` request counts as 100m and one that sets no
  ``memory`` request as 200 MiB (``DefaultMilliCPURequest``, ``DefaultMemoryRequest``). A
  request written as ``0`` stays 0: only a *missing* request is replaced.

CPU is counted in millicores (``MilliValue``), everything else in units (``Value``).
Left out: in-place pod resize (container statuses), pod-level resources (alpha in v1.32).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from kubelab.api import Quantity, parse_quantity

#: pod_resources.go ``DefaultMilliCPURequest``: 0.1 core.
DEFAULT_MILLI_CPU_REQUEST: Final = 100
#: pod_resources.go ``DefaultMemoryRequest``: 200 MiB.
DEFAULT_MEMORY_REQUEST: Final = 200 * 1024 * 1024

CPU: Final = "cpu"
MEMORY: Final = "memory"
PODS: Final = "pods"
EPHEMERAL_STORAGE: Final = "ephemeral-storage"

_NON_MISSING: Final[dict[str, Quantity]] = {
    CPU: Quantity.from_milli(DEFAULT_MILLI_CPU_REQUEST),
    MEMORY: Quantity.from_int(DEFAULT_MEMORY_REQUEST),
}


@lru_cache(maxsize=4096)
def quantity(text: str) -> Quantity:
    """``parse_quantity`` with a cache: the same few strings recur in every pod."""
    return parse_quantity(text)


def _q(value: Any) -> Quantity:
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool):
        raise ValueError(f"invalid quantity {value!r}")
    if isinstance(value, int | float):
        return quantity(repr(value) if isinstance(value, float) else str(value))
    return quantity(str(value))


def amount(name: str, q: Quantity) -> int:
    """The integer the scheduler keeps for a quantity: millicores for cpu, else ``Value()``."""
    return q.milli_value() if name == CPU else q.value()


def is_scalar_resource_name(name: str) -> bool:
    """pkg/scheduler/util ``IsScalarResourceName``: extended resources (``example.com/gpu``),
    ``hugepages-*``, ``attachable-volumes-*`` and ``kubernetes.io/``-prefixed native ones."""
    return "/" in name or name.startswith(("hugepages-", "attachable-volumes-"))


def _container_requests(container: Mapping[str, Any]) -> dict[str, Quantity]:
    resources = container.get("resources") or {}
    requests = resources.get("requests") or {}
    return {str(k): _q(v) for k, v in requests.items()}


def _add(into: dict[str, Quantity], other: Mapping[str, Quantity]) -> None:
    for name, q in other.items():
        have = into.get(name)
        into[name] = q if have is None else have + q


def _max(into: dict[str, Quantity], other: Mapping[str, Quantity]) -> None:
    for name, q in other.items():
        have = into.get(name)
        if have is None or q > have:
            into[name] = q


@lru_cache(maxsize=4096)
def _exact_amount(name: str, text: str) -> int | None:
    """The integer amount of ``text`` when it is exact in the unit kept (millicores for cpu,
    units otherwise), else None: sums of such integers equal the sum of the quantities."""
    q = quantity(text)
    scale = -3 if name == CPU else 0
    n = q.scaled_value(scale)
    if q.as_decimal().scaleb(-scale) != n:
        return None
    return n


def _simple_requests(pod: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int]] | None:
    """Requests and non-zero requests for the common pod: containers only, string
    quantities exact in their unit, no overhead. None when the general path is needed."""
    spec = pod.get("spec") or {}
    if spec.get("initContainers") or spec.get("overhead"):
        return None
    reqs: dict[str, int] = {}
    non0: dict[str, int] = {}
    for c in spec.get("containers") or ():
        requests = (c.get("resources") or {}).get("requests") or {}
        for name, v in requests.items():
            if not isinstance(v, str):
                return None
            a = _exact_amount(name, v)
            if a is None:
                return None
            reqs[name] = reqs.get(name, 0) + a
            non0[name] = non0.get(name, 0) + a
        if CPU not in requests:
            non0[CPU] = non0.get(CPU, 0) + DEFAULT_MILLI_CPU_REQUEST
        if MEMORY not in requests:
            non0[MEMORY] = non0.get(MEMORY, 0) + DEFAULT_MEMORY_REQUEST
    return reqs, non0


def pod_requests_both(pod: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """``(pod_requests(pod), pod_requests(pod, non_zero=True))`` in one pass when possible."""
    simple = _simple_requests(pod)
    if simple is not None:
        return simple
    return pod_requests(pod), pod_requests(pod, non_zero=True)


def pod_requests(pod: Mapping[str, Any], non_zero: bool = False) -> dict[str, int]:
    """``resource.PodRequests``: the pod's effective requests, resource name -> integer.

    ``non_zero=True`` applies ``NonMissingContainerRequests`` with the scheduler's defaults
    (100m cpu, 200Mi memory for each container that does not set them), as scoring does.
    """
    spec = pod.get("spec") or {}
    reqs: dict[str, Quantity] = {}
    for c in spec.get("containers") or ():
        creqs = _container_requests(c)
        if non_zero:
            for name, q in _NON_MISSING.items():
                creqs.setdefault(name, q)
        _add(reqs, creqs)
    restartable: dict[str, Quantity] = {}
    init_max: dict[str, Quantity] = {}
    for c in spec.get("initContainers") or ():
        creqs = _container_requests(c)
        if non_zero:
            for name, q in _NON_MISSING.items():
                creqs.setdefault(name, q)
        if c.get("restartPolicy") == "Always":
            # A sidecar keeps running: it adds to the pod's total and to every later init step.
            _add(reqs, creqs)
            _add(restartable, creqs)
            step = dict(restartable)
        else:
            step = dict(creqs)
            _add(step, restartable)
        _max(init_max, step)
    _max(reqs, init_max)
    overhead = spec.get("overhead") or {}
    _add(reqs, {str(k): _q(v) for k, v in overhead.items()})
    return {name: amount(name, q) for name, q in reqs.items()}


def resource_list(values: Mapping[str, Any] | None) -> dict[str, int]:
    """A ``ResourceList`` (``status.allocatable``) as integers: cpu in millicores."""
    return {str(k): amount(str(k), _q(v)) for k, v in (values or {}).items()}
