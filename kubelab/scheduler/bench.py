"""Scheduling throughput, measured the way scheduler_perf does: N nodes, M pending pods,
pods scheduled per second of (real) computing time.

``run(nodes, pods, seed)`` builds a cluster of ``nodes`` nodes (3 zones, 4-64 cpus) and
schedules ``pods`` pods on the pure :class:`Scheduler`; :func:`run_through_api` does the same
with etcd, a kube-apiserver and the kube-scheduler component (informers, ``pods/binding``,
Events), as scheduler_perf's in-process API server does. Three workloads:

* ``plain`` -- pods with cpu/memory requests only (scheduler_perf ``SchedulingBasic``);
* ``anti-affinity`` -- groups of pods with required pod anti-affinity on the hostname
  (``SchedulingPodAntiAffinity``);
* ``spread`` -- pods with a zone topology spread constraint, DoNotSchedule
  (``TopologySpreading``).

The numbers depend on the machine; they are printed by the benchmark, never asserted by tests.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from kubelab.scheduler.scheduler import Scheduler

WORKLOADS = ("plain", "anti-affinity", "spread")
ZONES = ("zone-a", "zone-b", "zone-c")


def make_node(i: int, rng: random.Random) -> dict[str, Any]:
    cpus = rng.choice((4, 8, 16, 32, 64))
    name = f"node-{i:05d}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "topology.kubernetes.io/zone": ZONES[i % len(ZONES)],
            },
        },
        "spec": {},
        "status": {
            "allocatable": {"cpu": str(cpus), "memory": f"{cpus * 4}Gi", "pods": "110"},
            "images": [{"names": ["registry.k8s.io/pause:3.10"], "sizeBytes": 300_000}],
        },
    }


def make_pod(i: int, workload: str, rng: random.Random) -> dict[str, Any]:
    app = f"app-{i // 10}"
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": "c",
                "image": "registry.k8s.io/pause:3.10",
                "resources": {
                    "requests": {
                        "cpu": f"{rng.choice((100, 250, 500, 1000))}m",
                        "memory": f"{rng.choice((128, 256, 512))}Mi",
                    }
                },
            }
        ]
    }
    selector = {"matchLabels": {"app": app}}
    if workload == "anti-affinity":
        spec["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": selector, "topologyKey": "kubernetes.io/hostname"}
                ]
            }
        }
    elif workload == "spread":
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": selector,
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{i:06d}",
            "namespace": "default",
            "uid": f"uid-{i:06d}",
            "labels": {"app": app},
        },
        "spec": spec,
    }


def run(
    nodes: int, pods: int, seed: int = 0, fast: bool = True, workload: str = "plain"
) -> dict[str, Any]:
    """Schedule ``pods`` pods on ``nodes`` nodes; return throughput figures:
    ``pods_per_second``, ``seconds_per_cycle``, ``percent_nodes_scored`` (feasible nodes
    scored per cycle, as a percentage of all nodes), ``scheduled``, ``fast_path_cycles``."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; want one of {WORKLOADS}")
    rng = random.Random(seed)
    sched = Scheduler(rng=random.Random(seed), fast=fast, record_scores=False)
    for i in range(nodes):
        sched.add_node(make_node(i, rng))
    for i in range(pods):
        sched.add_pod(make_pod(i, workload, rng))
    scored = 0
    scheduled = 0
    fast_cycles = 0
    cycles = 0
    t0 = time.perf_counter()
    while True:
        r = sched.schedule_one(0.0)
        if r is None:
            break
        cycles += 1
        scored += r.feasible_nodes
        scheduled += r.scheduled
        fast_cycles += r.fast_path
    elapsed = time.perf_counter() - t0
    return {
        "nodes": nodes,
        "pods": pods,
        "workload": workload,
        "path": "pure",
        "fast": fast,
        "scheduled": scheduled,
        "cycles": cycles,
        "seconds": elapsed,
        "pods_per_second": cycles / elapsed if elapsed > 0 else float("inf"),
        "seconds_per_cycle": elapsed / cycles if cycles else 0.0,
        "percent_nodes_scored": 100.0 * scored / (cycles * nodes) if cycles and nodes else 0.0,
        "fast_path_cycles": fast_cycles,
    }


def _drive(world: Any, make: Callable[[int], Any], count: int, concurrency: int = 200) -> None:
    """Issue ``make(i)`` (an API call's event) for ``i < count`` with ``concurrency`` in
    flight; run the world until every call answered (failures raise)."""
    done = world.env.event()
    state = {"next": 0, "left": count}
    if count == 0:
        return

    def issue() -> None:
        i = state["next"]
        if i >= count:
            return
        state["next"] = i + 1
        make(i).callbacks.append(answered)

    def answered(ev: Any) -> None:
        if not ev.ok:
            raise RuntimeError(f"API call failed: {ev.value}")
        state["left"] -= 1
        if state["left"] == 0:
            done.succeed(None)
        else:
            issue()

    for _ in range(min(concurrency, count)):
        issue()
    world.wait(done)


def run_through_api(
    nodes: int,
    pods: int,
    seed: int = 0,
    workload: str = "plain",
    qps: float = 5000.0,
) -> dict[str, Any]:
    """Schedule ``pods`` pods on ``nodes`` nodes through etcd, a kube-apiserver and the
    kube-scheduler component. Nodes and pods are created first (not timed); then the
    scheduler starts, and the figures cover the time from its first leading moment until
    every pod is bound or given up. Its client QPS/burst are raised to ``qps`` as
    scheduler_perf does (``5000``); Events are written as usual.

    Returns ``pods_per_second`` (wall clock), ``seconds_per_cycle`` (wall clock),
    ``sim_pods_per_second`` (simulated time), ``percent_nodes_scored``, ``scheduled``."""
    from kubelab.apiserver.client import APIClient
    from kubelab.apiserver.server import KubeAPIServer
    from kubelab.apiserver.wire import ClientCertificate
    from kubelab.etcd import EtcdCluster
    from kubelab.scheduler.driver import SchedulerComponent
    from kubelab.sim import World

    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; want one of {WORKLOADS}")
    rng = random.Random(seed)
    world = World(seed=seed)
    world.trace.enabled = False
    etcd = EtcdCluster(world, members=1)
    etcd.wait_for_leader()
    server = KubeAPIServer(world, "cp-1", etcd.names)
    server.wait_ready()
    server.audit.enabled = False
    server.trace_capacity = 1
    admin = APIClient(world, "loader", ["cp-1"], certificate=server.admin_certificate())
    node_objs = [make_node(i, rng) for i in range(nodes)]
    created: dict[int, Any] = {}

    def create_node(i: int) -> Any:
        obj = {k: v for k, v in node_objs[i].items() if k != "status"}
        ev = admin.create_async(obj)

        def keep(e: Any) -> None:
            if e.ok:
                created[i] = e.value

        ev.callbacks.insert(0, keep)
        return ev

    def node_status(i: int) -> Any:
        obj = dict(created[i])
        obj["status"] = node_objs[i]["status"]
        return admin.update_status_async(obj)

    _drive(world, create_node, nodes)
    _drive(world, node_status, nodes)

    def create_pod(i: int) -> Any:
        pod = make_pod(i, workload, rng)
        meta: Mapping[str, Any] = pod["metadata"]
        pod["metadata"] = {k: v for k, v in meta.items() if k != "uid"}
        return admin.create_async(pod)

    _drive(world, create_pod, pods)
    cert = ClientCertificate("system:kube-scheduler", ())
    client = APIClient(world, "cp-1", ["cp-1"], certificate=cert)
    config = {"clientConnection": {"qps": qps, "burst": int(qps)}}
    comp = SchedulerComponent(world, "cp-1", client, config)
    comp.keep_results = False
    while not comp.leading:
        world.run(duration=0.05)
    sim0 = world.now
    t0 = time.perf_counter()
    last_progress = (-1, -1)
    while True:
        world.run(duration=0.25)
        st = comp.stats()
        sched = comp.scheduler
        assert sched is not None
        q = sched.queue
        idle = not q.active_len() and not len(q._backoff_by_key)
        if st["scheduled"] >= pods:
            break
        progress = (st["scheduled"], st["cycles"])
        if idle and progress == last_progress:
            break  # the rest is unschedulable
        last_progress = progress
    elapsed = time.perf_counter() - t0
    st = comp.stats()
    cycles = st["cycles"]
    return {
        "nodes": nodes,
        "pods": pods,
        "workload": workload,
        "path": "api",
        "scheduled": st["scheduled"],
        "cycles": cycles,
        "seconds": elapsed,
        "pods_per_second": st["scheduled"] / elapsed if elapsed > 0 else float("inf"),
        "seconds_per_cycle": elapsed / cycles if cycles else 0.0,
        "sim_seconds": world.now - sim0,
        "sim_pods_per_second": st["scheduled"] / (world.now - sim0),
        "percent_nodes_scored": (
            100.0 * st["feasible_nodes"] / (st["scheduled"] * nodes)
            if st["scheduled"] and nodes
            else 0.0
        ),
        "events_written": comp.recorder.writes if comp.recorder is not None else 0,
    }
