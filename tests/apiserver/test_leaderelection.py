"""Leader election over a Lease: one leader, handover timings, never two leaders at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from test_client_lib import FakeCluster, RealCluster

from kubelab.apiserver.client import APIClient
from kubelab.apiserver.leaderelection import JITTER_FACTOR, LeaderElector
from kubelab.sim import Host, parse_timestamp

LEASE = 15.0
RETRY = 2.0
MAX_POLL = RETRY * (1 + JITTER_FACTOR)  # a standby's longest wait between two looks: 4.4 s


@dataclass
class Election:
    """Candidates on hosts ``c1..cN``; every boot of a host starts a fresh elector there."""

    c: FakeCluster
    hosts: list[Host]
    electors: dict[str, LeaderElector] = field(default_factory=dict)
    #: (start, end or None, identity) per leadership term
    terms: list[list[Any]] = field(default_factory=list)
    new_leaders: dict[str, list[str]] = field(default_factory=dict)
    release_on_cancel: bool = False

    def boot(self, host: Host) -> None:
        identity = f"{host.name}_{host.epoch}"
        client = APIClient(self.c.world, host, self.c.endpoints, timeout=10.0)

        def started() -> None:
            self.terms.append([self.c.world.now, None, identity])

        def stopped() -> None:
            self._end(identity)

        el = LeaderElector(
            client,
            "kube-system",
            "kube-scheduler",
            identity,
            on_started_leading=started,
            on_stopped_leading=stopped,
            on_new_leader=lambda who: self.new_leaders.setdefault(identity, []).append(who),
            release_on_cancel=self.release_on_cancel,
        )
        self.electors[host.name] = el
        el.run()

    def _end(self, identity: str) -> None:
        for term in self.terms:
            if term[2] == identity and term[1] is None:
                term[1] = self.c.world.now

    def crash(self, name: str) -> None:
        host = self.c.world.host(name)
        if host.up:
            self._end(f"{name}_{host.epoch}")
            host.crash()

    def leaders_at(self, t: float) -> list[str]:
        return [who for start, end, who in self.terms if start <= t and (end is None or t < end)]

    def assert_never_two_leaders(self) -> None:
        bounds = sorted({t for s, e, _ in self.terms for t in (s, e) if t is not None})
        for t in bounds:
            assert len(self.leaders_at(t)) <= 1, (t, self.terms)

    def lease(self) -> dict[str, Any]:
        return self.c.storage.state("leases", "coordination.k8s.io")["kube-system/kube-scheduler"]


def election(n: int = 3, servers: int = 1, seed: int = 1, **kw: Any) -> Election:
    c = FakeCluster(servers=servers, seed=seed)
    hosts = [c.world.add_host(f"c{i + 1}") for i in range(n)]
    e = Election(c, hosts, **kw)
    for h in hosts:
        h.on_boot(e.boot)
    return e


def test_one_leader_among_three_and_the_lease_it_writes() -> None:
    e = election()
    e.c.world.run(until=30)
    assert len(e.terms) == 1 and e.terms[0][1] is None
    leader = e.terms[0][2]
    assert e.leaders_at(30) == [leader]
    assert e.terms[0][0] < 0.1  # the first create wins at once
    lease = e.lease()
    assert lease["apiVersion"] == "coordination.k8s.io/v1" and lease["kind"] == "Lease"
    spec = lease["spec"]
    assert spec["holderIdentity"] == leader
    assert spec["leaseDurationSeconds"] == 15
    assert spec["leaseTransitions"] == 0
    assert spec["acquireTime"] == "2024-01-01T00:00:00.000000Z"  # MicroTime of t=0
    # renewed every retryPeriod: the last renewal is at most 2 s (+ a round trip) old
    assert 30 - parse_timestamp(spec["renewTime"]) <= RETRY + 0.01
    for el in e.electors.values():
        assert el.get_leader() == leader
        assert el.is_leader() == (el.identity == leader)
    assert {who for seen in e.new_leaders.values() for who in seen} == {leader}
    requests = [r for r in e.c.requests() if r.method == "PUT"]
    assert (
        requests[0].path
        == "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler"
    )


def test_handover_after_the_leader_host_crashes() -> None:
    e = election()
    e.c.world.run(until=40)
    old = e.terms[0][2]
    last_renew = parse_timestamp(e.lease()["spec"]["renewTime"])
    e.crash(old.split("_")[0])
    crash = e.c.world.now
    e.c.world.run(until=80)
    assert len(e.terms) == 2
    start, _, new = e.terms[1]
    assert new != old
    # a standby needs a full lease duration without a change it observed (its clock), then
    # takes over at its next jittered retry: at most one poll to see the last renewal, 15 s,
    # and one more poll.
    assert LEASE <= start - last_renew <= LEASE + 2 * MAX_POLL + 0.1
    assert start - crash <= LEASE + 2 * MAX_POLL + 0.1
    spec = e.lease()["spec"]
    assert spec["holderIdentity"] == new and spec["leaseTransitions"] == 1
    assert parse_timestamp(spec["acquireTime"]) == pytest.approx(start, abs=0.01)
    survivors = [el for el in e.electors.values() if el.identity != old]
    assert [e.new_leaders[el.identity][-1] for el in survivors] == [new, new]
    e.assert_never_two_leaders()


def test_a_leader_cut_off_from_the_api_server_steps_down_before_anyone_takes_over() -> None:
    e = election()
    e.c.world.run(until=40)
    old = e.terms[0][2]
    host = old.split("_")[0]
    e.c.world.network.partition([host], ["api-1"])
    last_renew = parse_timestamp(e.lease()["spec"]["renewTime"])
    e.c.world.run(until=90)
    end = e.terms[0][1]
    assert end is not None  # on_stopped_leading ran, though the host is up
    # the next round starts 2 s after the last renewal and gives up 10 s (renewDeadline) later
    assert end - last_renew <= RETRY + 10 + 0.01
    assert len(e.terms) == 2
    start, _, new = e.terms[1]
    assert new != old and start > end
    assert start - last_renew >= LEASE  # nobody before a full lease duration after a renewal
    assert e.electors[host].get_leader() == old  # it cannot even see the new holder
    e.assert_never_two_leaders()


def test_an_api_server_crash_does_not_cost_the_leadership_when_another_answers() -> None:
    e = election(servers=2)
    e.c.world.run(until=20)
    e.c.servers[0].host.crash()
    e.c.world.run(until=120)
    assert len(e.terms) == 1 and e.terms[0][1] is None


def test_release_on_cancel_lets_a_standby_take_over_at_its_next_retry() -> None:
    e = election(release_on_cancel=True)
    e.c.world.run(until=30)
    old = e.terms[0][2]
    e.electors[old.split("_")[0]].stop()
    e.c.world.run(until=40)
    stopped = e.terms[0][1]
    assert stopped is not None
    released = [
        obj["spec"] for rv, etype, _, obj in e.c.storage.history if obj.get("kind") == "Lease"
    ]
    # leaderelection.go release(): an empty holder with leaseDurationSeconds 1
    empty = [i for i, spec in enumerate(released) if spec["holderIdentity"] == ""]
    assert len(empty) == 1
    assert released[empty[0]]["leaseDurationSeconds"] == 1
    assert released[empty[0] + 1]["holderIdentity"] not in ("", old)
    assert len(e.terms) == 2
    assert e.terms[1][0] - stopped <= MAX_POLL + 0.1
    assert e.lease()["spec"]["leaseTransitions"] == 1


def test_stop_before_leading_still_calls_on_stopped_leading() -> None:
    e = election()
    e.c.world.run(until=10)
    standby = next(h for h, el in e.electors.items() if not el.is_leader())
    calls: list[str] = []
    el = e.electors[standby]
    el.on_stopped_leading = lambda: calls.append("stopped")
    el.stop()
    e.c.world.run(until=20)
    assert calls == ["stopped"] and not el.leading


def test_no_two_leaders_through_random_crashes_and_partitions() -> None:
    e = election(n=3, seed=7)
    w = e.c.world
    rng = w.rng("chaos")
    names = [h.name for h in e.hosts]
    t = 5.0
    while t < 550:
        victim = rng.choice(names)
        if rng.random() < 0.5:
            w.run(until=t)
            e.crash(victim)
            restart_at = t + rng.uniform(5, 40)
            w.run(until=restart_at)
            w.host(victim).start()
        else:
            w.run(until=t)
            w.network.partition([victim], ["api-1"])
            w.run(until=t + rng.uniform(3, 40))
            w.network.heal()
        t = w.now + rng.uniform(5, 30)
    w.run(until=620)
    e.assert_never_two_leaders()
    assert len(e.terms) >= 3  # leadership really moved around
    assert len(e.leaders_at(w.now)) == 1  # and, with everything healed, someone leads


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {"lease_duration": 10, "renew_deadline": 10},
            "leaseDuration must be greater than renewDeadline",
        ),
        ({"renew_deadline": 2.4}, "renewDeadline must be greater than retryPeriod*JitterFactor"),
        ({"retry_period": 0.5, "renew_deadline": 5}, "retryPeriod must be greater than zero"),
        ({"on_started_leading": None}, "OnStartedLeading callback must not be nil"),
        ({"on_stopped_leading": None}, "OnStoppedLeading callback must not be nil"),
        ({"identity": ""}, "Lock identity is empty"),
    ],
)
def test_invalid_configurations_are_refused_with_upstream_messages(
    kw: dict[str, Any], message: str
) -> None:
    c = FakeCluster()
    args: dict[str, Any] = {
        "identity": "me",
        "on_started_leading": lambda: None,
        "on_stopped_leading": lambda: None,
    }
    args.update(kw)
    identity = args.pop("identity")
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        LeaderElector(c.client(), "kube-system", "x", identity, **args)


def test_election_against_kube_apiserver_hands_over_after_a_crash() -> None:
    c = RealCluster(servers=1)
    terms: list[list[Any]] = []
    electors = []
    for i in range(3):
        host = c.world.add_host(f"c{i + 1}")
        ident = f"c{i + 1}"
        el = LeaderElector(
            c.client(host.name, timeout=10.0),
            "kube-system",
            "kube-controller-manager",
            ident,
            on_started_leading=lambda ident=ident: terms.append([c.world.now, None, ident]),
            on_stopped_leading=lambda: None,
        )
        el.run()
        electors.append(el)
    c.world.run(duration=30)
    assert len(terms) == 1
    leader = terms[0][2]
    admin = c.client("admin")
    lease = admin.get(
        "leases", "kube-controller-manager", "kube-system", group="coordination.k8s.io"
    )
    assert lease["spec"]["holderIdentity"] == leader
    last_renew = parse_timestamp(lease["spec"]["renewTime"])
    crash = c.world.now
    c.world.host(leader).crash()
    terms[0][1] = crash
    c.world.run(duration=40)
    assert len(terms) == 2
    start = terms[1][0]
    assert LEASE <= start - last_renew <= LEASE + 2 * MAX_POLL + 0.5
    spec = admin.get("leases", "kube-controller-manager", "kube-system",
                     group="coordination.k8s.io")["spec"]  # fmt: skip
    assert spec["holderIdentity"] == terms[1][2] and spec["leaseTransitions"] == 1
