"""kube-scheduler as a cluster component: informers, the binding subresource, Events, the
PodScheduled condition, assumed pods under a burst, requeue on node add, preemption through
the API -- against the real API server and etcd models.

Expected values come from upstream: the Event shape of client-go ``tools/events``
(``recorder.go`` makeEvent: reportingController = the profile's scheduler name, reportingInstance
= ``<controller>-<hostname>``, action ``Binding``/``Scheduling``/``Preempting``), the messages
of ``schedule_one.go`` (``Successfully assigned %v/%v to %v``, ``FitError.Error``) and
``preemption.go`` (``Preempted by pod %v on node %v``, the DisruptionTarget condition).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kubelab.apiserver.client import APIClient
from kubelab.apiserver.server import KubeAPIServer
from kubelab.apiserver.wire import ClientCertificate
from kubelab.etcd import EtcdCluster
from kubelab.scheduler.driver import CYCLE_COST, SchedulerComponent, update_pod_condition
from kubelab.sim import World, parse_timestamp

EVENTS = "events.k8s.io"


def node(name: str, cpu: str = "4", zone: str = "zone-a", **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone},
        },
        "spec": dict(extra),
        "status": {
            "allocatable": {"cpu": cpu, "memory": "16Gi", "pods": "110"},
            "capacity": {"cpu": cpu, "memory": "16Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def pod(name: str, cpu: str = "500m", priority: int | None = None, **spec: Any) -> dict[str, Any]:
    s: dict[str, Any] = {
        "containers": [
            {"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": cpu}}}
        ],
        **spec,
    }
    if priority is not None:
        s["priority"] = priority
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": s}


@dataclass
class Lab:
    """etcd, ``servers`` kube-apiservers on cp-1..cp-N, an admin client, and a kube-scheduler
    on each control-plane host."""

    world: World
    servers: list[KubeAPIServer]
    admin: APIClient
    schedulers: dict[str, SchedulerComponent] = field(default_factory=dict)

    @property
    def endpoints(self) -> list[str]:
        return [s.host.name for s in self.servers]

    def add_node(self, n: dict[str, Any]) -> None:
        # POST then PUT status, as the kubelet registers and then reports
        created = self.admin.create(n)
        created["status"] = n["status"]
        self.admin.update_status(created)

    def start_scheduler(self, host: str, **kw: Any) -> SchedulerComponent:
        cert = ClientCertificate("system:kube-scheduler", ())
        client = APIClient(self.world, host, self.endpoints, certificate=cert, timeout=10.0)
        comp = SchedulerComponent(self.world, host, client, **kw)
        self.schedulers[host] = comp
        return comp

    def get(self, name: str) -> dict[str, Any]:
        return self.admin.get("pods", name, "default")

    def events(self, reason: str | None = None) -> list[dict[str, Any]]:
        items = self.admin.list("events", "default", group=EVENTS)["items"]
        return [e for e in items if reason is None or e["reason"] == reason]

    def bindings(self) -> list[Any]:
        return [
            r
            for s in self.servers
            for r in s.audit
            if r.subresource == "binding" and r.verb == "create"
        ]


def make_lab(servers: int = 1, nodes: int = 3, cpu: str = "4", seed: int = 3) -> Lab:
    world = World(seed=seed)
    etcd = EtcdCluster(world, members=1)
    etcd.wait_for_leader()
    srvs = [KubeAPIServer(world, f"cp-{i + 1}", etcd.names) for i in range(servers)]
    for s in srvs:
        s.wait_ready()
    admin = APIClient(
        world, "admin", [s.host.name for s in srvs], certificate=srvs[0].admin_certificate()
    )
    lab = Lab(world, srvs, admin)
    for i in range(nodes):
        lab.add_node(node(f"node-{i + 1}", cpu=cpu, zone=("zone-a", "zone-b", "zone-c")[i % 3]))
    return lab


@pytest.fixture
def lab() -> Lab:
    lab = make_lab()
    lab.start_scheduler("cp-1")
    lab.world.run(duration=3)
    assert lab.schedulers["cp-1"].leading
    return lab


def test_a_pending_pod_is_bound_through_the_binding_subresource_with_a_scheduled_event(
    lab: Lab,
) -> None:
    created = lab.admin.create(pod("web-1"))
    lab.world.run(duration=2)
    bound = lab.get("web-1")
    target = bound["spec"]["nodeName"]
    assert target in ("node-1", "node-2", "node-3")
    # the API server's binding REST set PodScheduled=True
    cond = next(c for c in bound["status"]["conditions"] if c["type"] == "PodScheduled")
    assert cond["status"] == "True"
    # one POST .../pods/web-1/binding by system:kube-scheduler, answered 201
    (rec,) = lab.bindings()
    assert rec.path == "/api/v1/namespaces/default/pods/web-1/binding"
    assert rec.user == "system:kube-scheduler" and rec.code == 201
    (ev,) = lab.events("Scheduled")
    assert ev["apiVersion"] == "events.k8s.io/v1"
    assert ev["type"] == "Normal" and ev["action"] == "Binding"
    assert ev["note"] == f"Successfully assigned default/web-1 to {target}"
    assert ev["reportingController"] == "default-scheduler"
    assert ev["reportingInstance"] == "default-scheduler-cp-1"
    assert ev["regarding"]["kind"] == "Pod" and ev["regarding"]["name"] == "web-1"
    assert ev["regarding"]["uid"] == created["metadata"]["uid"]
    # name: <pod>.<unix nanoseconds in hex>; eventTime is a MicroTime
    prefix, hexpart = ev["metadata"]["name"].split(".")
    assert prefix == "web-1" and int(hexpart, 16) > 1_700_000_000 * 10**9
    assert ev["eventTime"].endswith("Z") and "." in ev["eventTime"]
    # the core/v1 view of the same Event: involvedObject and message
    core = lab.admin.get("events", ev["metadata"]["name"], "default")
    assert core["message"] == ev["note"] and core["involvedObject"]["name"] == "web-1"


def test_an_unschedulable_pod_gets_failed_scheduling_and_pod_scheduled_false(lab: Lab) -> None:
    lab.admin.create(pod("huge", cpu="5"))
    lab.world.run(duration=2)
    p = lab.get("huge")
    assert not p["spec"].get("nodeName")
    # FitError.Error(): "0/N nodes are available: <histogram>." then the PostFilter message
    expected = (
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod."
    )
    cond = next(c for c in p["status"]["conditions"] if c["type"] == "PodScheduled")
    assert cond["status"] == "False"
    assert cond["reason"] == "Unschedulable"
    assert cond["message"] == expected
    (ev,) = lab.events("FailedScheduling")
    assert ev["type"] == "Warning" and ev["action"] == "Scheduling"
    assert ev["note"] == expected
    assert lab.schedulers["cp-1"].pending()["unschedulablePods"] == ["default/huge"]
    assert lab.bindings() == []


def test_without_nodes_the_pod_waits_with_no_nodes_available() -> None:
    # schedule_one.go: ErrNoNodesAvailable is UnschedulableAndUnresolvable (reason
    # Unschedulable); no plugin rejected the pod, so it backs off instead of waiting for an event
    lab = make_lab(nodes=0)
    comp = lab.start_scheduler("cp-1")
    lab.world.run(duration=3)
    lab.admin.create(pod("lonely"))
    lab.world.run(duration=0.5)
    cond = next(c for c in lab.get("lonely")["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (cond["reason"], cond["message"]) == (
        "Unschedulable",
        "no nodes available to schedule pods",
    )
    assert comp.pending()["backoffQ"] == ["default/lonely"]
    lab.add_node(node("node-1"))
    lab.world.run(duration=3)
    assert lab.get("lonely")["spec"]["nodeName"] == "node-1"


def test_the_pod_is_scheduled_when_a_node_that_fits_is_added(lab: Lab) -> None:
    lab.admin.create(pod("huge", cpu="5"))
    lab.world.run(duration=2)
    assert lab.schedulers["cp-1"].pending()["unschedulablePods"] == ["default/huge"]
    t0 = lab.world.now
    lab.add_node(node("node-big", cpu="8"))
    lab.world.run(duration=4)
    # Node/Add moved the pod (rejected by NodeResourcesFit, which registered Node events) out
    # of unschedulablePods long before the 5-minute leftover flush; the node is created with
    # its status (nodeStrategy keeps it), so the next attempt fits at once. The pod failed once
    # (1 s backoff, already over by then).
    assert lab.get("huge")["spec"]["nodeName"] == "node-big"
    (ev,) = lab.events("Scheduled")
    assert 0.0 <= parse_timestamp(ev["eventTime"]) - t0 < 1.0
    assert len(lab.events("FailedScheduling")) == 1


def test_a_burst_never_overcommits_a_node_thanks_to_assumed_pods() -> None:
    lab = make_lab(nodes=3, cpu="2")
    comp = lab.start_scheduler("cp-1")
    lab.world.run(duration=3)
    # 14 pods of 500m on 3 nodes of 2 cpus: 12 fit. Create them all before any is bound.
    events = [lab.admin.create_async(pod(f"p-{i:02d}")) for i in range(14)]
    lab.world.run(duration=5)
    assert all(e.ok for e in events)
    pods = lab.admin.list("pods", "default")["items"]
    per_node: dict[str, int] = {}
    for p in pods:
        n = p["spec"].get("nodeName")
        if n:
            per_node[n] = per_node.get(n, 0) + 500
    assert per_node == {"node-1": 2000, "node-2": 2000, "node-3": 2000}
    assert len(lab.bindings()) == 12 and all(r.code == 201 for r in lab.bindings())
    # the scheduler decided several pods while earlier bindings were still in flight, so the
    # cache counted assumed pods, not only bound ones
    assert comp.stats()["max_bindings_in_flight"] > 1
    unbound = sorted(
        f"default/{p['metadata']['name']}" for p in pods if not p["spec"].get("nodeName")
    )
    assert len(unbound) == 2 and sorted(comp.pending()["unschedulablePods"]) == unbound


def test_preemption_through_the_api_deletes_the_victim_and_nominates_the_node() -> None:
    lab = make_lab(nodes=1, cpu="2")
    lab.start_scheduler("cp-1")
    lab.world.run(duration=3)
    lab.admin.create(pod("low", cpu="2", priority=0))
    lab.world.run(duration=2)
    assert lab.get("low")["spec"]["nodeName"] == "node-1"
    high = lab.admin.create(pod("high", cpu="2", priority=1000))
    lab.world.run(duration=2)
    victim = lab.get("low")
    # graceful deletion (the pod's 30 s grace period), and the DisruptionTarget condition
    assert victim["metadata"]["deletionGracePeriodSeconds"] == 30
    dt = next(c for c in victim["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert dt["status"] == "True" and dt["reason"] == "PreemptionByScheduler"
    assert dt["message"] == "default-scheduler: preempting to accommodate a higher priority pod"
    preemptor = lab.get("high")
    assert preemptor["status"]["nominatedNodeName"] == "node-1"
    assert not preemptor["spec"].get("nodeName")
    (ev,) = lab.events("Preempted")
    assert ev["action"] == "Preempting" and ev["type"] == "Normal"
    assert ev["regarding"]["name"] == "low" and ev["related"]["name"] == "high"
    assert ev["note"] == f"Preempted by pod {high['metadata']['uid']} on node node-1"
    # no kubelet here: finish the victim's termination as the kubelet would (grace 0)
    lab.admin.delete("pods", "low", "default", grace_period_seconds=0)
    lab.world.run(duration=3)
    assert lab.get("high")["spec"]["nodeName"] == "node-1"
    # everything the scheduler did -- lists and watches, the Lease, bindings, status patches,
    # the delete, Events -- was allowed by the bootstrap ClusterRole system:kube-scheduler
    mine = [r for r in lab.servers[0].audit if r.user == "system:kube-scheduler"]
    assert {r.verb for r in mine} >= {"list", "watch", "create", "update", "patch", "delete"}
    assert all(r.decision == "allow" for r in mine)


def test_repeated_failures_are_folded_into_an_event_series(lab: Lab) -> None:
    # tools/events: the 2nd isomorphic Event (same regarding object, resourceVersion included)
    # patches series {count: 2}; later ones only count until the series is written again.
    lab.admin.create(pod("huge", cpu="5"))
    lab.world.run(duration=2)
    for i in range(3):
        # a node update that does not help: the pod is retried and fails the same way
        n = lab.admin.get("nodes", "node-1")
        n["metadata"].setdefault("labels", {})["round"] = str(i)
        lab.admin.update(n)
        lab.world.run(duration=12)
    failed = lab.events("FailedScheduling")
    # 1st failure: its own Event and the PodScheduled patch (the pod's resourceVersion
    # moves on); 2nd: a new Event about the new resourceVersion, no patch (same condition);
    # 3rd and 4th: the same object again -> one series
    assert len(failed) == 2
    series = [e.get("series") for e in failed]
    assert series.count(None) == 1
    (s,) = [x for x in series if x]
    assert s["count"] == 2
    rec = lab.schedulers["cp-1"].recorder
    assert rec is not None
    counts = sorted(c.event.get("series", {}).get("count", 1) for c in rec.cache.values())
    assert counts == [1, 3]


def _done_event(lab: Lab) -> Any:
    ev = lab.world.env.event()
    ev.succeed(None)
    return ev


def _wrap_bind(
    lab: Lab,
    comp: SchedulerComponent,
    before: Callable[[Any], Any],
    rewrite: Callable[[Any, str], tuple[Any, str]] = lambda p, n: (p, n),
) -> None:
    """The scheduler's first binding waits for ``before(pod)`` (an event) and is sent as
    ``rewrite(pod, node)``; later ones go through unchanged."""
    real = comp.client.bind_async
    calls: list[str] = []

    def bind_async(p: Any, n: str, *a: Any, **k: Any) -> Any:
        calls.append(n)
        if len(calls) > 1:
            return real(p, n, *a, **k)
        out = lab.world.env.event()

        def go(_e: Any) -> None:
            inner = real(*rewrite(p, n), *a, **k)

            def done(e: Any) -> None:
                if e.ok:
                    out.succeed(e.value)
                else:
                    out.defused = True
                    out.fail(e.value)

            inner.callbacks.append(done)

        before(p).callbacks.append(go)
        return out

    comp.client.bind_async = bind_async  # type: ignore[method-assign]


def test_losing_a_binding_race_forgets_the_assumed_pod(lab: Lab) -> None:
    # Another binder assigns the pod to node-1 while the scheduler's binding is on its way:
    # the API server answers 409 and the scheduler forgets the assumed pod.
    comp = lab.schedulers["cp-1"]
    _wrap_bind(lab, comp, lambda p: lab.admin.bind_async(p, "node-1"))
    lab.admin.create(pod("web-1"))
    lab.world.run(duration=2)
    assert comp.stats()["bind_errors"] == 1
    (ev,) = lab.events("FailedScheduling")
    assert ev["note"] == (
        'running Bind plugin "DefaultBinder": Operation cannot be fulfilled on pods/binding '
        '"web-1": pod web-1 is already assigned to node "node-1"'
    )
    assert lab.get("web-1")["spec"]["nodeName"] == "node-1"
    # the cache holds the pod once, on node-1, confirmed by the informer; nothing is queued
    sched = comp.scheduler
    assert sched is not None
    assert [n for n, keys in sched.cache.dump().items() if keys] == ["node-1"]
    assert not sched.cache.assumed_pods
    assert comp.pending() == {"activeQ": [], "backoffQ": [], "unschedulablePods": []}


def test_a_failed_binding_is_retried_after_the_backoff(lab: Lab) -> None:
    # The first Binding carries a stale uid (a precondition failure, 409): the pod is still
    # unassigned, so it goes to backoffQ for 1 s (podInitialBackoffSeconds) and is bound next.
    comp = lab.schedulers["cp-1"]

    def stale_uid(p: Any, n: str) -> tuple[Any, str]:
        meta = {**p["metadata"], "uid": "00000000-0000-4000-8000-000000000000"}
        return {**p, "metadata": meta}, n

    _wrap_bind(lab, comp, lambda p: _done_event(lab), stale_uid)
    lab.admin.create(pod("web-1"))
    lab.world.run(duration=0.5)
    (failed,) = lab.events("FailedScheduling")
    assert failed["note"].startswith(
        'running Bind plugin "DefaultBinder": Operation cannot be fulfilled on pods/binding '
        '"web-1": Precondition failed: UID in precondition: 00000000-0000-4000-8000-'
    )
    assert comp.pending()["backoffQ"] == ["default/web-1"]
    cond = next(c for c in lab.get("web-1")["status"]["conditions"] if c["type"] == "PodScheduled")
    assert cond["status"] == "False" and cond["reason"] == "SchedulerError"
    lab.world.run(duration=3)
    assert lab.get("web-1")["spec"].get("nodeName")
    (ok,) = lab.events("Scheduled")
    waited = parse_timestamp(ok["eventTime"]) - parse_timestamp(failed["eventTime"])
    assert 1.0 <= waited < 2.5


def test_reconfiguring_restarts_with_the_new_scoring_strategy(lab: Lab) -> None:
    comp = lab.schedulers["cp-1"]
    first = comp.identity
    lab.admin.create(pod("a", cpu="1"))
    lab.world.run(duration=1)
    a = lab.get("a")["spec"]["nodeName"]
    lab.admin.create(pod("b", cpu="1"))
    lab.world.run(duration=1)
    # LeastAllocated (the default) spreads: b avoids a's node
    assert lab.get("b")["spec"]["nodeName"] != a
    most = {
        "profiles": [
            {
                "schedulerName": "default-scheduler",
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {"scoringStrategy": {"type": "MostAllocated"}},
                    }
                ],
            }
        ]
    }
    comp.reconfigure(most)
    lab.world.run(duration=6)
    # a new process (new identity) that got the released Lease without waiting 15 s
    assert comp.leading and comp.identity != first
    spec = lab.admin.get("leases", "kube-scheduler", "kube-system", group="coordination.k8s.io")
    assert spec["spec"]["holderIdentity"] == comp.identity
    lab.admin.create(pod("c", cpu="1"))
    lab.world.run(duration=1)
    # MostAllocated packs: c joins one of the two busy nodes
    assert lab.get("c")["spec"]["nodeName"] in {a, lab.get("b")["spec"]["nodeName"]}


def test_update_pod_condition_keeps_the_transition_time_of_an_unchanged_status() -> None:
    # pkg/api/v1/pod UpdatePodCondition
    status: dict[str, Any] = {}
    c = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "a"}
    assert update_pod_condition(status, c, "T1")
    assert status["conditions"][0]["lastTransitionTime"] == "T1"
    assert not update_pod_condition(status, c, "T2")  # identical: nothing to write
    assert update_pod_condition(status, {**c, "message": "b"}, "T3")
    assert status["conditions"][0]["lastTransitionTime"] == "T1"  # same status: kept
    assert update_pod_condition(status, {**c, "status": "True"}, "T4")
    assert status["conditions"][0]["lastTransitionTime"] == "T4"


def test_cycle_cost_is_the_stated_constant() -> None:
    # 1.5 ms: scheduler_perf SchedulingBasic 5000 nodes, 600-690 pods/s (FIDELITY A2)
    assert pytest.approx(1 / 666, rel=0.01) == CYCLE_COST
