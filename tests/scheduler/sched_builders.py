"""Small builders for scheduler tests: nodes and pods as Kubernetes API dicts."""

from __future__ import annotations

from typing import Any

from kubelab.scheduler.framework import CycleState, Handle, Snapshot
from kubelab.scheduler.types import NodeInfo, PodInfo


def node(
    name: str,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, Any]] | None = None,
    images: list[tuple[list[str], int]] | None = None,
    unschedulable: bool = False,
    zone: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    lab = {"kubernetes.io/hostname": name, **(labels or {})}
    if zone is not None:
        lab["topology.kubernetes.io/zone"] = zone
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": lab},
        "spec": spec,
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})},
            "images": [{"names": n, "sizeBytes": s} for n, s in (images or [])],
        },
    }


def pod(
    name: str,
    cpu: str | None = None,
    memory: str | None = None,
    *,
    labels: dict[str, str] | None = None,
    namespace: str = "default",
    priority: int | None = None,
    node_name: str | None = None,
    image: str = "registry.k8s.io/pause:3.10",
    start_time: str | None = None,
    extra_requests: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    req: dict[str, str] = {}
    if cpu is not None:
        req["cpu"] = cpu
    if memory is not None:
        req["memory"] = memory
    req.update(extra_requests or {})
    s: dict[str, Any] = {
        "containers": [{"name": "c", "image": image, "resources": {"requests": req}}],
        **spec,
    }
    if priority is not None:
        s["priority"] = priority
    if node_name is not None:
        s["nodeName"] = node_name
    p: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-{namespace}-{name}",
            "labels": labels or {},
        },
        "spec": s,
    }
    if start_time is not None:
        p["status"] = {"startTime": start_time}
    return p


def node_info(n: dict[str, Any], *pods: dict[str, Any]) -> NodeInfo:
    ni = NodeInfo(n)
    for p in pods:
        ni.add_pod(PodInfo(p))
    return ni


def handle_for(*infos: NodeInfo) -> Handle:
    h = Handle()
    h.snapshot = Snapshot(list(infos))
    return h


def new_state() -> CycleState:
    return CycleState()
