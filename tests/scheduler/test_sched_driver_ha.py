"""Three kube-schedulers on three control-plane hosts: one leader over the Lease
``kube-system/kube-scheduler``, warm standbys, and a handover within the lease timings when the
leader's host crashes or its process stops.

Timings from client-go leaderelection (leaseDuration 15 s, retryPeriod 2 s, JitterFactor 1.2):
a standby takes over once it has seen no change to the Lease for a full lease duration, i.e.
between 15 s and 15 s + one jittered retry (up to 4.4 s) after the leader's last renewal.
"""

from __future__ import annotations

from typing import Any

from test_sched_driver import Lab, make_lab, pod

from kubelab.apiserver.client import APIClient
from kubelab.apiserver.wire import ClientCertificate
from kubelab.scheduler.driver import KubeScheduler, SchedulerComponent
from kubelab.sim import parse_timestamp

LEASE = 15.0
MAX_POLL = 2.0 * (1 + 1.2)


def ha_lab() -> tuple[Lab, KubeScheduler]:
    lab = make_lab(servers=3, nodes=3, seed=11)
    for host in ("cp-1", "cp-2", "cp-3"):
        # each kube-scheduler talks to its own host's API server first, as kubeadm's
        # scheduler.conf points at the local one
        eps = [host] + [e for e in lab.endpoints if e != host]
        cert = ClientCertificate("system:kube-scheduler", ())
        client = APIClient(lab.world, host, eps, certificate=cert, timeout=10.0)
        lab.schedulers[host] = SchedulerComponent(lab.world, host, client)
    lab.world.run(duration=20)
    return lab, KubeScheduler(lab.schedulers)


def lease(lab: Lab) -> dict[str, Any]:
    return lab.admin.get("leases", "kube-scheduler", "kube-system", group="coordination.k8s.io")


def bound(lab: Lab) -> dict[str, str]:
    return {
        p["metadata"]["name"]: p["spec"]["nodeName"]
        for p in lab.admin.list("pods", "default")["items"]
        if p["spec"].get("nodeName")
    }


def test_only_the_leader_schedules_and_standbys_keep_their_caches_warm() -> None:
    lab, ks = ha_lab()
    leaders = [h for h, s in lab.schedulers.items() if s.leading]
    assert len(leaders) == 1
    leader = ks.leader()
    assert leader is not None and leader.host.name == leaders[0]
    assert lease(lab)["spec"]["holderIdentity"] == leader.identity
    assert leader.identity.startswith(leader.host.name + "_")
    for i in range(6):
        lab.admin.create(pod(f"web-{i}"))
    lab.world.run(duration=3)
    assert len(bound(lab)) == 6
    assert leader.stats()["scheduled"] == 6
    for s in lab.schedulers.values():
        if s is not leader:
            assert s.stats()["cycles"] == 0 and s.stats()["scheduled"] == 0
            # the standby's cache holds the same bound pods as the leader's
            assert s.scheduler is not None and leader.scheduler is not None
            assert s.scheduler.cache.dump() == leader.scheduler.cache.dump()
    assert len(lab.bindings()) == 6
    (ev,) = {e["reportingInstance"] for e in lab.events("Scheduled")}
    assert ev == f"default-scheduler-{leader.host.name}"


def test_crashing_the_leaders_host_hands_over_within_the_lease_timings() -> None:
    lab, ks = ha_lab()
    old = ks.leader()
    assert old is not None
    last_renew = parse_timestamp(lease(lab)["spec"]["renewTime"])
    lab.world.host(old.host.name).crash()
    crashed_at = lab.world.now
    lab.world.run(duration=30)
    new = ks.leader()
    assert new is not None and new is not old
    took_over = next(
        r.time
        for r in lab.world.trace.filter(component="kube-scheduler", kind="leading")
        if r.host == new.host.name and r.time > crashed_at
    )
    assert LEASE <= took_over - last_renew <= LEASE + MAX_POLL + 0.5
    spec = lease(lab)["spec"]
    assert spec["holderIdentity"] == new.identity and spec["leaseTransitions"] == 1
    lab.admin.create(pod("after"))
    lab.world.run(duration=3)
    assert "after" in bound(lab)
    assert new.stats()["scheduled"] == 1
    # the crashed host comes back as a standby
    lab.world.host(old.host.name).start()
    lab.world.run(duration=10)
    assert old.running and not old.leading and ks.leader() is new


def test_stopping_the_leader_process_lets_a_standby_take_over_after_the_lease_expires() -> None:
    lab, ks = ha_lab()
    old = ks.leader()
    assert old is not None
    last_renew = parse_timestamp(lease(lab)["spec"]["renewTime"])
    ks.stop(old.host.name)
    assert not old.running
    lab.world.run(duration=25)
    new = ks.leader()
    assert new is not None and new is not old
    took_over = max(
        r.time for r in lab.world.trace.filter(component="kube-scheduler", kind="leading")
    )
    # the stopped process did not release the lease: the standby waited for it to expire
    assert LEASE <= took_over - last_renew <= LEASE + MAX_POLL + 0.5
    ks.start(old.host.name)
    lab.world.run(duration=5)
    assert old.running and not old.leading
    assert [r["leading"] for r in ks.status()].count(True) == 1
