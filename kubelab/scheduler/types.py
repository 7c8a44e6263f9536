"""What the scheduler knows about pods and nodes: ``PodInfo``, ``NodeInfo``, ``Resource``.

Models ``pkg/scheduler/framework/types.go``:

* :class:`Resource` -- millicores, memory bytes, ephemeral storage, allowed pods and scalar
  (extended, hugepages) resources;
* :class:`PodInfo` -- a pod plus what is parsed once: requests, non-zero requests, pod
  (anti-)affinity terms, host ports;
* :class:`NodeInfo` -- a node plus its pods, the sum of their requests (``Requested``) and of
  their non-zero requests (``NonZeroRequested``, used for scoring), the host ports in use, the
  pods with (anti-)affinity, and the images on the node (``ImageStates``);
* :class:`AffinityTerm` -- a parsed ``PodAffinityTerm``: label selector, namespaces, namespace
  selector and topology key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.api import Selector, SelectorError, selector_from_dict
from kubelab.scheduler import resources as res

#: types.go ``DefaultBindAllHostIP``.
DEFAULT_BIND_ALL_HOST_IP: Final = "0.0.0.0"


def pod_key(pod: Mapping[str, Any]) -> str:
    """The key a pod is stored under: its UID, or ``namespace/name`` when it has none."""
    meta = pod.get("metadata") or {}
    uid = meta.get("uid")
    if uid:
        return str(uid)
    return f"{meta.get('namespace') or 'default'}/{meta.get('name') or ''}"


def pod_priority(pod: Mapping[str, Any]) -> int:
    """component-helpers ``PodPriority``: ``spec.priority``, or 0 when unset."""
    p = (pod.get("spec") or {}).get("priority")
    return int(p) if p is not None else 0


class Resource:
    """types.go ``Resource``."""

    __slots__ = ("allowed_pod_number", "ephemeral_storage", "memory", "milli_cpu", "scalar")

    def __init__(
        self,
        milli_cpu: int = 0,
        memory: int = 0,
        ephemeral_storage: int = 0,
        allowed_pod_number: int = 0,
        scalar: dict[str, int] | None = None,
    ) -> None:
        self.milli_cpu = milli_cpu
        self.memory = memory
        self.ephemeral_storage = ephemeral_storage
        self.allowed_pod_number = allowed_pod_number
        self.scalar: dict[str, int] = dict(scalar) if scalar else {}

    @classmethod
    def from_amounts(cls, amounts: Mapping[str, int]) -> Resource:
        """types.go ``Resource.Add`` over a resource list already turned into integers."""
        r = cls()
        for name, v in amounts.items():
            if name == res.CPU:
                r.milli_cpu += v
            elif name == res.MEMORY:
                r.memory += v
            elif name == res.PODS:
                r.allowed_pod_number += v
            elif name == res.EPHEMERAL_STORAGE:
                r.ephemeral_storage += v
            elif res.is_scalar_resource_name(name):
                r.scalar[name] = r.scalar.get(name, 0) + v
        return r

    def get(self, name: str) -> int:
        """The amount of one resource by its API name."""
        if name == res.CPU:
            return self.milli_cpu
        if name == res.MEMORY:
            return self.memory
        if name == res.EPHEMERAL_STORAGE:
            return self.ephemeral_storage
        if name == res.PODS:
            return self.allowed_pod_number
        return self.scalar.get(name, 0)

    def add(self, other: Resource, sign: int = 1) -> None:
        self.milli_cpu += sign * other.milli_cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage
        self.allowed_pod_number += sign * other.allowed_pod_number
        for k, v in other.scalar.items():
            self.scalar[k] = self.scalar.get(k, 0) + sign * v

    def is_zero(self) -> bool:
        return (
            self.milli_cpu == 0
            and self.memory == 0
            and self.ephemeral_storage == 0
            and not any(self.scalar.values())
        )

    def clone(self) -> Resource:
        return Resource(
            self.milli_cpu,
            self.memory,
            self.ephemeral_storage,
            self.allowed_pod_number,
            self.scalar,
        )

    def __repr__(self) -> str:
        return (
            f"Resource(milli_cpu={self.milli_cpu}, memory={self.memory}, "
            f"ephemeral_storage={self.ephemeral_storage}, pods={self.allowed_pod_number}, "
            f"scalar={self.scalar})"
        )


@dataclass
class AffinityTerm:
    """types.go ``AffinityTerm``: which pods a ``PodAffinityTerm`` selects, and where."""

    namespaces: frozenset[str]
    selector: Selector
    topology_key: str
    namespace_selector: Selector

    def matches(self, pod: PodInfo, ns_labels: Mapping[str, str] | None) -> bool:
        """types.go ``AffinityTerm.Matches``: the pod's namespace is listed (or its labels
        match the namespace selector) and its labels match the selector."""
        if pod.namespace in self.namespaces or self.namespace_selector.matches(ns_labels or {}):
            return self.selector.matches(pod.labels)
        return False


@dataclass
class WeightedAffinityTerm:
    """types.go ``WeightedAffinityTerm``."""

    term: AffinityTerm
    weight: int


def _affinity_term(namespace: str, term: Mapping[str, Any]) -> AffinityTerm:
    # types.go newAffinityTerm / getNamespacesFromPodAffinityTerm: no namespaces and no
    # namespaceSelector means "the pod's own namespace".
    selector = selector_from_dict(term.get("labelSelector"))
    ns_list = term.get("namespaces") or []
    ns_sel_raw = term.get("namespaceSelector")
    if not ns_list and ns_sel_raw is None:
        namespaces = frozenset([namespace])
    else:
        namespaces = frozenset(str(n) for n in ns_list)
    return AffinityTerm(
        namespaces, selector, str(term.get("topologyKey") or ""), selector_from_dict(ns_sel_raw)
    )


class PodInfo:
    """types.go ``PodInfo``: a pod and what the scheduler parses from it once."""

    __slots__ = (
        "deleting",
        "has_affinity",
        "has_required_anti_affinity",
        "host_ports",
        "key",
        "labels",
        "name",
        "namespace",
        "non0_cpu",
        "non0_mem",
        "parse_error",
        "pod",
        "preferred_affinity_terms",
        "preferred_anti_affinity_terms",
        "priority",
        "requests",
        "required_affinity_terms",
        "required_anti_affinity_terms",
        "start_time",
    )

    def __init__(self, pod: Mapping[str, Any]) -> None:
        self.pod: Mapping[str, Any] = pod
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.key = pod_key(pod)
        self.name: str = meta.get("name") or ""
        self.namespace: str = meta.get("namespace") or "default"
        self.labels: Mapping[str, str] = meta.get("labels") or {}
        self.priority = pod_priority(pod)
        self.deleting = meta.get("deletionTimestamp") is not None
        st = (pod.get("status") or {}).get("startTime")
        self.start_time: str | None = str(st) if st else None
        # types.go calculateResource: requests, and cpu/memory with the non-zero defaults.
        reqs, non0 = res.pod_requests_both(pod)
        self.requests = Resource.from_amounts(reqs)
        self.non0_cpu = non0.get(res.CPU, 0)
        self.non0_mem = non0.get(res.MEMORY, 0)
        self.host_ports: list[tuple[str, str, int]] = []
        for c in spec.get("containers") or ():
            for p in c.get("ports") or ():
                hp = int(p.get("hostPort") or 0)
                if hp > 0:
                    self.host_ports.append((p.get("hostIP") or "", p.get("protocol") or "", hp))
        affinity = spec.get("affinity") or {}
        pa = affinity.get("podAffinity")
        paa = affinity.get("podAntiAffinity")
        # types.go podWithAffinity / podWithRequiredAntiAffinity
        self.has_affinity = pa is not None or paa is not None
        self.has_required_anti_affinity = bool(
            paa and paa.get("requiredDuringSchedulingIgnoredDuringExecution")
        )
        self.parse_error: str | None = None
        self.required_affinity_terms: list[AffinityTerm] = []
        self.required_anti_affinity_terms: list[AffinityTerm] = []
        self.preferred_affinity_terms: list[WeightedAffinityTerm] = []
        self.preferred_anti_affinity_terms: list[WeightedAffinityTerm] = []
        if self.has_affinity:
            try:
                self._parse_affinity(pa or {}, paa or {})
            except SelectorError as err:
                self.parse_error = str(err)

    def with_pod(self, pod: Mapping[str, Any]) -> PodInfo:
        """A PodInfo for an updated copy of the same pod whose spec differs only in
        ``nodeName`` and whose status may differ: the parsed fields are shared."""
        c = PodInfo.__new__(PodInfo)
        for slot in PodInfo.__slots__:
            setattr(c, slot, getattr(self, slot))
        c.pod = pod
        st = (pod.get("status") or {}).get("startTime")
        c.start_time = str(st) if st else None
        return c

    def _parse_affinity(self, pa: Mapping[str, Any], paa: Mapping[str, Any]) -> None:
        ns = self.namespace
        req = "requiredDuringSchedulingIgnoredDuringExecution"
        pref = "preferredDuringSchedulingIgnoredDuringExecution"
        self.required_affinity_terms = [_affinity_term(ns, t) for t in pa.get(req) or []]
        self.required_anti_affinity_terms = [_affinity_term(ns, t) for t in paa.get(req) or []]
        self.preferred_affinity_terms = [
            WeightedAffinityTerm(
                _affinity_term(ns, t.get("podAffinityTerm") or {}), int(t["weight"])
            )
            for t in pa.get(pref) or []
            if t.get("weight")
        ]
        self.preferred_anti_affinity_terms = [
            WeightedAffinityTerm(
                _affinity_term(ns, t.get("podAffinityTerm") or {}), int(t["weight"])
            )
            for t in paa.get(pref) or []
            if t.get("weight")
        ]

    def __repr__(self) -> str:
        return f"PodInfo({self.namespace}/{self.name})"


@dataclass
class ImageStateSummary:
    """types.go ``ImageStateSummary``: an image's size and the nodes that hold it."""

    size: int
    nodes: set[str] = field(default_factory=set)

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)


class HostPortInfo:
    """types.go ``HostPortInfo``: host IP -> set of (protocol, port) in use."""

    __slots__ = ("ports",)

    def __init__(self) -> None:
        self.ports: dict[str, dict[tuple[str, int], int]] = {}

    @staticmethod
    def _sanitize(ip: str, protocol: str) -> tuple[str, str]:
        return (ip or DEFAULT_BIND_ALL_HOST_IP, protocol or "TCP")

    def add(self, ip: str, protocol: str, port: int, delta: int = 1) -> None:
        if port <= 0:
            return
        ip, protocol = self._sanitize(ip, protocol)
        m = self.ports.setdefault(ip, {})
        n = m.get((protocol, port), 0) + delta
        if n > 0:
            m[(protocol, port)] = n
        else:
            m.pop((protocol, port), None)
            if not m:
                del self.ports[ip]

    def check_conflict(self, ip: str, protocol: str, port: int) -> bool:
        """types.go ``HostPortInfo.CheckConflict``: 0.0.0.0 conflicts with every IP's use of
        the same protocol and port; another IP only with itself and 0.0.0.0."""
        if port <= 0:
            return False
        ip, protocol = self._sanitize(ip, protocol)
        pp = (protocol, port)
        if ip == DEFAULT_BIND_ALL_HOST_IP:
            return any(pp in m for m in self.ports.values())
        for key in (DEFAULT_BIND_ALL_HOST_IP, ip):
            m = self.ports.get(key)
            if m is not None and pp in m:
                return True
        return False

    def clone(self) -> HostPortInfo:
        h = HostPortInfo()
        h.ports = {ip: dict(m) for ip, m in self.ports.items()}
        return h

    def __len__(self) -> int:
        return sum(len(m) for m in self.ports.values())


class NodeInfo:
    """types.go ``NodeInfo``: a node and the pods on it (bound or assumed)."""

    __slots__ = (
        "allocatable",
        "generation",
        "image_states",
        "labels",
        "name",
        "node",
        "non_zero_requested",
        "pods",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "requested",
        "taints",
        "unschedulable",
        "used_ports",
    )

    def __init__(self, node: Mapping[str, Any] | None = None) -> None:
        self.pods: list[PodInfo] = []
        self.pods_with_affinity: list[PodInfo] = []
        self.pods_with_required_anti_affinity: list[PodInfo] = []
        self.used_ports = HostPortInfo()
        self.requested = Resource()
        self.non_zero_requested = Resource()
        self.image_states: dict[str, ImageStateSummary] = {}
        self.generation = 0
        self.node: Mapping[str, Any] = {}
        self.name = ""
        self.labels: Mapping[str, str] = {}
        self.taints: list[Mapping[str, Any]] = []
        self.unschedulable = False
        self.allocatable = Resource()
        if node is not None:
            self.set_node(node)

    def set_node(self, node: Mapping[str, Any]) -> None:
        """types.go ``SetNode``: the node object, its allocatable resources, labels, taints."""
        self.node = node
        meta = node.get("metadata") or {}
        spec = node.get("spec") or {}
        self.name = meta.get("name") or ""
        self.labels = meta.get("labels") or {}
        self.taints = list(spec.get("taints") or [])
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = Resource.from_amounts(
            res.resource_list((node.get("status") or {}).get("allocatable"))
        )
        self.generation += 1

    def add_pod(self, pi: PodInfo) -> None:
        """types.go ``AddPodInfo``."""
        self.pods.append(pi)
        if pi.has_affinity:
            self.pods_with_affinity.append(pi)
        if pi.has_required_anti_affinity:
            self.pods_with_required_anti_affinity.append(pi)
        self._update(pi, 1)

    def remove_pod(self, key: str) -> PodInfo | None:
        """types.go ``RemovePod``: by pod key; returns the removed PodInfo (None if absent)."""
        for i, pi in enumerate(self.pods):
            if pi.key == key:
                del self.pods[i]
                if pi.has_affinity:
                    self.pods_with_affinity = [p for p in self.pods_with_affinity if p.key != key]
                if pi.has_required_anti_affinity:
                    self.pods_with_required_anti_affinity = [
                        p for p in self.pods_with_required_anti_affinity if p.key != key
                    ]
                self._update(pi, -1)
                return pi
        return None

    def _update(self, pi: PodInfo, sign: int) -> None:
        self.requested.add(pi.requests, sign)
        self.non_zero_requested.milli_cpu += sign * pi.non0_cpu
        self.non_zero_requested.memory += sign * pi.non0_mem
        for ip, proto, port in pi.host_ports:
            self.used_ports.add(ip, proto, port, sign)
        self.generation += 1

    def clone(self) -> NodeInfo:
        """types.go ``Snapshot``: a copy whose pod lists and sums can change independently."""
        c = NodeInfo.__new__(NodeInfo)
        c.node = self.node
        c.name = self.name
        c.labels = self.labels
        c.taints = self.taints
        c.unschedulable = self.unschedulable
        c.allocatable = self.allocatable
        c.pods = list(self.pods)
        c.pods_with_affinity = list(self.pods_with_affinity)
        c.pods_with_required_anti_affinity = list(self.pods_with_required_anti_affinity)
        c.used_ports = self.used_ports.clone()
        c.requested = self.requested.clone()
        c.non_zero_requested = self.non_zero_requested.clone()
        c.image_states = self.image_states
        c.generation = self.generation
        return c

    def pod_keys(self) -> Iterable[str]:
        return (p.key for p in self.pods)

    def __repr__(self) -> str:
        return f"NodeInfo({self.name}, pods={len(self.pods)}, requested={self.requested})"
