"""The scheduling queue (order, backoff, unschedulable pool) and the cache (assumed pods,
node-tree order), plus numFeasibleNodesToFind and the rotating start index."""

from __future__ import annotations

import random

import pytest
from sched_builders import node, pod

from kubelab.scheduler import Scheduler, num_feasible_nodes_to_find
from kubelab.scheduler.cache import Cache
from kubelab.scheduler.framework import Handle
from kubelab.scheduler.plugins.prioritysort import PrioritySort
from kubelab.scheduler.queue import QueuedPodInfo, SchedulingQueue
from kubelab.scheduler.types import PodInfo


def new_queue() -> SchedulingQueue:
    ps = PrioritySort({}, Handle())
    return SchedulingQueue(
        less=ps.less,
        events_by_plugin={
            "NodeResourcesFit": [("Pod", "Delete"), ("Node", "Add"), ("Node", "Update")]
        },
    )


def test_active_queue_orders_by_priority_then_arrival() -> None:
    q = new_queue()
    q.add(PodInfo(pod("a", priority=1)), now=0.0)
    q.add(PodInfo(pod("b", priority=5)), now=1.0)
    q.add(PodInfo(pod("c", priority=5)), now=0.5)
    q.add(PodInfo(pod("d")), now=0.1)
    order = []
    while (qpi := q.pop(2.0)) is not None:
        order.append(qpi.pod_info.name)
    assert order == ["c", "b", "a", "d"]


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(0, 0.0), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)],
)
def test_backoff_doubles_from_1s_to_10s(attempts: int, seconds: float) -> None:
    q = new_queue()
    qpi = QueuedPodInfo(PodInfo(pod("p")), timestamp=0.0, attempts=attempts)
    assert q.backoff_duration(qpi) == seconds


def test_failed_pod_backoff_and_unschedulable_timings() -> None:
    q = new_queue()
    q.add(PodInfo(pod("p")), now=0.0)
    qpi = q.pop(0.0)
    assert qpi is not None and qpi.attempts == 1
    qpi.unschedulable_plugins = {"NodeResourcesFit"}
    assert (
        q.add_unschedulable_if_not_present(qpi, now=10.0, pod_scheduling_cycle=1)
        == "unschedulablePods"
    )
    # an event no rejecting plugin registered for does not move it
    assert q.move_all_to_active_or_backoff_queue(("Pod", "Add"), now=10.2) == []
    # a node was added: still inside its 1 s backoff (failed at 10.0) -> backoffQ
    assert q.move_all_to_active_or_backoff_queue(("Node", "Add"), now=10.5) == [qpi.key]
    assert q.where(qpi.key) == "backoffQ"
    assert q.flush_backoff_q_completed(10.99) == []
    assert q.flush_backoff_q_completed(11.0) == [qpi.key]
    assert q.where(qpi.key) == "activeQ"
    # second failure: 2 s backoff, and after 5 minutes the leftover flush moves it back
    qpi = q.pop(11.0)
    assert qpi is not None and qpi.attempts == 2
    qpi.unschedulable_plugins = {"NodeResourcesFit"}
    q.add_unschedulable_if_not_present(qpi, now=20.0, pod_scheduling_cycle=q.scheduling_cycle)
    assert q.backoff_expiry(qpi) == 22.0
    assert q.flush_unschedulable_pods_leftover(320.0) == []  # exactly 300 s: not yet
    assert q.flush_unschedulable_pods_leftover(320.5) == [qpi.key]
    assert q.where(qpi.key) == "activeQ"


def test_error_without_rejecting_plugin_goes_to_backoff() -> None:
    q = new_queue()
    q.add(PodInfo(pod("p")), now=0.0)
    qpi = q.pop(0.0)
    assert qpi is not None
    assert q.add_unschedulable_if_not_present(qpi, 0.0, q.scheduling_cycle) == "backoffQ"


def test_assumed_pods_prevent_overcommit_in_a_burst() -> None:
    # Bindings are not confirmed (no informer echo): only the assumed pods hold the room.
    s = Scheduler(rng=random.Random(0), fast=False, self_contained=False)
    s.add_node(node("n1", cpu="4"))
    for i in range(10):
        s.add_pod(pod(f"p{i}", cpu="1"))
    results = s.run(0.0)
    placed = [r for r in results if r.scheduled]
    assert len(placed) == 4
    assert s.cache.is_assumed("uid-default-p0")
    assert s.cache.nodes["n1"].requested.milli_cpu == 4000
    assert {r.message for r in results if not r.scheduled} == {
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    }
    # confirming a binding keeps the count; forgetting one frees its room
    s.cache.add_pod(dict(pod("p0", cpu="1"), spec={**pod("p0", cpu="1")["spec"], "nodeName": "n1"}))
    assert not s.cache.is_assumed("uid-default-p0")
    s.cache.forget_pod("uid-default-p1")
    assert s.cache.nodes["n1"].requested.milli_cpu == 3000


def test_assumed_pod_ttl_expiry() -> None:
    c = Cache(ttl=30.0)
    c.add_node(node("n1"))
    pi = PodInfo(pod("p", cpu="1", node_name="n1"))
    c.assume_pod(pi, "n1")
    c.finish_binding(pi.key, now=100.0)
    assert c.cleanup_expired_assumed_pods(129.0) == []
    assert c.cleanup_expired_assumed_pods(130.0) == [pi.key]
    assert c.nodes["n1"].requested.milli_cpu == 0
    never = Cache()  # kube-scheduler's TTL 0: assumed pods never expire
    never.add_node(node("n1"))
    never.assume_pod(pi, "n1")
    never.finish_binding(pi.key, now=0.0)
    assert never.cleanup_expired_assumed_pods(1e9) == []


def test_node_tree_lists_zones_round_robin() -> None:
    c = Cache()
    for name, zone in [
        ("a1", "a"),
        ("a2", "a"),
        ("a3", "a"),
        ("b1", "b"),
        ("c1", "c"),
        ("c2", "c"),
    ]:
        c.add_node(node(name, zone=zone))
    assert [n.name for n in c.node_list()] == ["a1", "b1", "c1", "a2", "c2", "a3"]
    c.remove_node("b1")
    assert [n.name for n in c.node_list()] == ["a1", "c1", "a2", "c2", "a3"]


@pytest.mark.parametrize(
    ("pct", "nodes", "want"),
    [
        (0, 50, 50),  # fewer than 100 nodes: all
        (0, 99, 99),
        (0, 100, 100),  # 50% of 100 = 50, raised to the minimum 100
        (0, 1000, 420),  # 50 - 1000/125 = 42%
        (0, 5000, 500),  # 50 - 40 = 10%
        (0, 6000, 300),  # 50 - 48 = 2% -> at least 5%
        (0, 20000, 1000),
        (30, 1000, 300),
        (100, 1000, 1000),
        (1, 5000, 100),  # 50 nodes, raised to 100
    ],
)
def test_num_feasible_nodes_to_find(pct: int, nodes: int, want: int) -> None:
    assert num_feasible_nodes_to_find(pct, nodes) == want


def test_search_resumes_where_the_previous_cycle_stopped() -> None:
    s = Scheduler(rng=random.Random(0), fast=False)
    for i in range(300):
        s.add_node(node(f"n{i:03d}"))
    # 300 nodes: 50 - 300/125 = 48% -> 144 nodes per cycle
    s.add_pod(pod("a", cpu="10m"))
    s.add_pod(pod("b", cpu="10m"))
    r = s.schedule_one(0.0)
    assert r is not None and r.feasible_nodes == 144 and r.evaluated_nodes == 144
    assert s.next_start_node_index == 144
    s.schedule_one(0.0)
    assert s.next_start_node_index == 288
