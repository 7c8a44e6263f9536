"""The lessor: minimum TTL, deadlines kept only by the primary, revoke, attachments.

Rules from etcd-io/etcd server/lease/lessor.go and server/etcdserver/server.go (minTTL).
"""

from __future__ import annotations

import pytest

from kubelab.etcd.errors import (
    ErrLeaseExist,
    ErrLeaseNotFound,
    ErrLeaseTTLTooLarge,
    ErrNotPrimary,
)
from kubelab.etcd.lease import (
    EXPIRED_LEASE_RETRY_INTERVAL,
    LEASE_REVOKE_RATE,
    MAX_LEASE_TTL,
    MIN_LEASE_TTL,
    Lessor,
    min_lease_ttl,
)
from kubelab.etcd.mvcc import MVCCStore


def test_min_lease_ttl_formula() -> None:
    # ceil(((3 * electionTicks) / 2) * heartbeat), integer division of the ticks first
    assert MIN_LEASE_TTL == 2  # 15 ticks * 100 ms = 1.5 s -> 2 s (FIDELITY A4)
    assert min_lease_ttl(election_ticks=5, heartbeat_ms=100) == 1  # 7 ticks -> 0.7 s
    assert min_lease_ttl(election_ticks=20, heartbeat_ms=250) == 8  # 30 * 250 ms = 7.5 s
    assert min_lease_ttl(election_ticks=10, heartbeat_ms=200) == 3


def test_grant_raises_short_ttls_and_rejects_bad_ids() -> None:
    le = Lessor()
    assert le.grant(1, 1).ttl == 2
    assert le.grant(2, -5).ttl == 2
    assert le.grant(3, 60).ttl == 60
    assert le.grant(4, MAX_LEASE_TTL).ttl == MAX_LEASE_TTL
    with pytest.raises(ErrLeaseTTLTooLarge):
        le.grant(5, MAX_LEASE_TTL + 1)
    with pytest.raises(ErrLeaseExist):
        le.grant(3, 10)
    with pytest.raises(ErrLeaseNotFound):
        le.grant(0, 10)  # ID 0 means "no lease"
    assert le.leases() == [1, 2, 3, 4]


def test_only_the_primary_keeps_deadlines() -> None:
    follower = Lessor()
    follower.grant(1, 5, now=0.0)
    lease = follower.lookup(1)
    assert lease is not None and lease.expiry is None
    assert follower.expired(1e9) == []
    with pytest.raises(ErrNotPrimary):
        follower.keepalive(1, now=1.0)
    with pytest.raises(ErrNotPrimary):
        follower.time_to_live(1, now=1.0)


def test_expiry_on_the_primary() -> None:
    le = Lessor(primary=True)
    le.grant(1, 5, now=10.0)
    le.grant(2, 3, now=10.0)
    assert le.expired(12.9) == []
    assert le.expired(13.0) == [2]  # remaining <= 0 is expired
    # handed out once, then not again until the retry interval passed
    assert le.expired(14.0) == []
    assert le.expired(15.0) == [1]
    assert le.expired(13.0 + EXPIRED_LEASE_RETRY_INTERVAL) == [2]
    assert le.expired(100.0, limit=1) == [2]  # soonest deadline first


def test_keepalive_and_time_to_live() -> None:
    le = Lessor(primary=True)
    le.grant(1, 10, now=0.0)
    assert le.time_to_live(1, now=2.5)["TTL"] == 7  # truncated to whole seconds
    assert le.keepalive(1, now=8.0) == 10
    info = le.time_to_live(1, now=8.0, keys=True)
    assert info == {"ID": 1, "TTL": 10, "grantedTTL": 10, "keys": []}
    assert le.expired(17.9) == [] and le.expired(18.0) == [1]
    with pytest.raises(ErrLeaseNotFound):
        le.keepalive(1, now=18.5)  # past its deadline: waiting for the revoke
    with pytest.raises(ErrLeaseNotFound):
        le.keepalive(99, now=0.0)


def test_promote_extends_by_the_election_timeout_and_demote_forgets() -> None:
    le = Lessor()
    le.grant(1, 10)
    le.grant(2, 600)
    le.checkpoint(2, 100)  # a checkpointed remaining TTL is used on promotion
    le.promote(now=50.0, extend=1.0)
    assert le.primary
    a, b = le.lookup(1), le.lookup(2)
    assert a is not None and b is not None
    assert a.expiry == 61.0 and b.expiry == 151.0
    le.demote()
    assert not le.primary and a.expiry is None and b.expiry is None


def test_promote_spreads_a_pile_of_deadlines() -> None:
    # With >= 1000 leases, at most 3/4 of the revoke rate (750) may expire in the first
    # second after the common deadline; lease n > 750 gets n/750 s more (lessor.go Promote).
    le = Lessor()
    n = 2000
    for i in range(1, n + 1):
        le.grant(i, 10)
    le.promote(now=0.0, extend=0.0)
    leases = [le.lookup(i) for i in range(1, n + 1)]
    expiries = sorted(x.expiry for x in leases if x is not None and x.expiry is not None)
    assert len(expiries) == n
    target = (3 * LEASE_REVOKE_RATE) // 4
    assert sum(1 for e in expiries if e <= 11.0) == target
    assert expiries[0] == 10.0
    assert expiries[-1] == pytest.approx(10.0 + n / target)


def test_revoke_deletes_attached_keys_in_one_revision() -> None:
    s = MVCCStore(lessor_primary=True)
    s.lease_grant(1, 60)
    s.put(b"x/b", b"1", lease=1)  # 2
    s.put(b"x/a", b"2", lease=1)  # 3
    s.put(b"x/c", b"3", lease=1)  # 4
    s.put(b"x/c", b"4")  # 5: a put without a lease detaches the key
    s.put(b"y", b"5")  # 6
    assert s.lease_time_to_live(1, now=0.0, keys=True)["keys"] == [b"x/a", b"x/b"]
    assert s.lease_revoke(1) == {"header": {"revision": 7}}
    assert s.current_revision == 7  # one revision for both deletes
    assert [kv["key"] for kv in s.range(b"x", b"\x00")["kvs"]] == [b"x/c", b"y"]
    assert s.lease_time_to_live(1, now=0.0)["TTL"] == -1  # gone: the RPC answers TTL -1
    with pytest.raises(ErrLeaseNotFound):
        s.lease_revoke(1)
    with pytest.raises(ErrLeaseNotFound):
        s.put(b"z", b"v", lease=1)
    # revoking a lease with no keys creates no revision
    s.lease_grant(2, 60)
    s.lease_revoke(2)
    assert s.current_revision == 7


def test_delete_detaches_and_keepalive_rpc_shapes() -> None:
    s = MVCCStore(lessor_primary=True)
    s.lease_grant(3, 5, now=0.0)
    s.put(b"k", b"v", lease=3)
    s.delete_range(b"k")
    lease = s.lessor.lookup(3)
    assert lease is not None and lease.keys == set()
    assert s.lease_keepalive(3, now=1.0)["TTL"] == 5
    assert s.lease_keepalive(4, now=1.0)["TTL"] == 0  # unknown lease: TTL 0
    assert s.lease_leases()["leases"] == [{"ID": 3}]


def test_expired_is_only_a_list_the_store_never_revokes_by_itself() -> None:
    s = MVCCStore(lessor_primary=True)
    s.lease_grant(1, 2, now=0.0)
    s.put(b"k", b"v", lease=1)
    assert s.lessor.expired(5.0) == [1]
    assert s.range(b"k")["count"] == 1  # still there until a revoke is applied
    s.apply({"lease_revoke": {"ID": 1}})
    assert s.range(b"k")["count"] == 0


def test_leases_survive_a_snapshot_without_deadlines() -> None:
    s = MVCCStore(lessor_primary=True)
    s.lease_grant(9, 1, now=0.0)
    s.put(b"k", b"v", lease=9)
    r = MVCCStore()
    r.restore(s.snapshot())
    lease = r.lessor.lookup(9)
    assert lease is not None and lease.ttl == MIN_LEASE_TTL and lease.keys == {b"k"}
    assert lease.expiry is None
    r.lessor.promote(now=100.0, extend=1.0)
    assert lease.expiry == 103.0
    r.lease_revoke(9)
    assert r.range(b"k")["count"] == 0


def test_due_checkpoints_only_for_long_leases() -> None:
    le = Lessor(primary=True)
    le.grant(1, 60, now=0.0)  # shorter than the 5-minute checkpoint interval: never
    le.grant(2, 900, now=0.0)
    assert le.due_checkpoints(now=0.0) == []  # remaining == TTL: nothing to record
    assert le.due_checkpoints(now=300.5) == [{"ID": 2, "remaining_TTL": 600}]
