"""Scenario tests of etcd members on simulated hosts: election, replication, failures,
persistence, snapshots, membership, leases, determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubelab.etcd import (
    ErrLeaseNotFound,
    ErrNoLeader,
    ErrTimeout,
    EtcdCluster,
    EtcdMember,
    member_id,
)
from kubelab.etcd.server import cluster_id
from kubelab.sim import World


def _cluster(seed: int = 1, members: int = 3, **kw: object) -> tuple[World, EtcdCluster]:
    w = World(seed=seed)
    return w, EtcdCluster(w, members=members, **kw)  # type: ignore[arg-type]


def _leaders(c: EtcdCluster) -> list[EtcdMember]:
    return [m for m in c.members if m.is_leader]


# -- identities ------------------------------------------------------------------------------------
def test_member_ids_are_computed_like_etcd() -> None:
    # membership/member.go computeMemberID with a single peer URL and the default token: the
    # first 8 bytes of sha1("http://infra1:2380" + "etcd-cluster"), printed in hex.
    import hashlib

    want = hashlib.sha1(b"http://infra1:2380etcd-cluster").digest()[:8].hex().lstrip("0")
    assert member_id("infra1") == want
    assert member_id("infra1") != member_id("infra1", token="other")
    # a runtime-added member also hashes the Unix time, so it differs from a bootstrap one
    assert member_id("infra1", added_at=5.0) != member_id("infra1")
    ids = [member_id(n) for n in ("a", "b", "c")]
    assert cluster_id(ids) == cluster_id(list(reversed(ids)))  # order-independent (sorted)


# -- election --------------------------------------------------------------------------------
@pytest.mark.parametrize("members", [3, 5])
def test_cluster_elects_exactly_one_leader_that_everyone_follows(members: int) -> None:
    w, c = _cluster(seed=members, members=members)
    lead = c.wait_for_leader(timeout=5)
    w.run(duration=2)
    assert _leaders(c) == [lead]
    assert {m.leader_id for m in c.members} == {lead.id}
    assert {m.term for m in c.members} == {lead.term}
    # exactly one become-leader per term in the trace (election safety, Raft §5.2)
    terms = [r.fields["term"] for r in w.trace.filter(component="etcd", kind="become-leader")]
    assert len(terms) == len(set(terms))


def test_first_election_is_fast_thanks_to_tick_advance() -> None:
    # server.go adjustTicks fast-forwards ET-2 ticks once peers are connected: the first
    # election starts after 2..11 ticks (randomized timeout 10..19 ticks minus 8) instead
    # of 10..19, i.e. well under one election timeout plus the 50 ms connection check.
    w, c = _cluster(seed=11)
    c.wait_for_leader(timeout=5)
    first = w.trace.filter(component="etcd", kind="become-pre-candidate")[0]
    assert 0.1 <= first.time <= 1.2


def test_a_write_is_replicated_to_every_member() -> None:
    w, c = _cluster(seed=2)
    c.wait_for_leader()
    cli = c.client()
    resp = cli.put("foo", "bar")
    w.run(duration=0.5)
    rev = resp["header"]["revision"]
    for m in c.members:
        store = m.store
        assert store is not None
        got = store.range("foo")
        assert got["kvs"][0]["value"] == b"bar", m.name
        assert got["kvs"][0]["mod_revision"] == rev
        assert store.current_revision == rev
    assert len({m.applied_index for m in c.members}) == 1


def test_killing_the_leader_elects_a_new_one_and_writes_continue() -> None:
    w, c = _cluster(seed=3)
    old = c.wait_for_leader()
    cli = c.client()
    cli.put("a", "1")
    crashed_at = w.now
    old.crash()
    new = c.wait_for_leader(timeout=10)
    assert new is not old
    # followers notice after their randomized election timeout (1..1.9 s) plus pre-vote and
    # vote round trips; a split vote costs another timeout: "a few election timeouts".
    assert w.now - crashed_at < 5 * c.election_timeout
    lost = w.trace.filter(component="etcd", kind="leader-lost", since=crashed_at)
    assert {r.host for r in lost} == {m.name for m in c.members if m is not old}
    cli.put("a", "2")
    assert cli.get("a")["kvs"][0]["value"] == "2"


def test_minority_cannot_write_majority_can_and_minority_catches_up_after_heal() -> None:
    w, c = _cluster(seed=4)
    lead = c.wait_for_leader()
    cli = c.client()
    cli.put("k", "before")
    minority = next(m for m in c.members if m is not lead)
    majority = [m.name for m in c.members if m is not minority]
    w.network.partition([minority.name], majority)
    w.run(duration=3)  # the minority member loses its leader and keeps pre-voting
    assert minority.leader_id == ""
    mcli = c.client([minority.name], timeout=3, host="minority-client")
    with pytest.raises((ErrNoLeader, ErrTimeout)) as err:
        mcli.put("k", "minority")
    assert minority.name in str(err.value)
    # the majority side keeps its leader (CheckQuorum holds: 2 of 3 are in touch)
    assert c.leader() is lead
    term_before = lead.term
    majority_cli = c.client(majority)
    for i in range(5):
        majority_cli.put("k", f"v{i}")
    w.network.heal()
    w.run(duration=3)
    # PreVote: the isolated member never bumped its term, so it did not depose the leader
    assert c.leader() is lead and lead.term == term_before
    revs = {m.store.current_revision for m in c.members if m.store is not None}
    assert len(revs) == 1
    ms = minority.store
    assert ms is not None
    # the minority's put never happened anywhere; the majority's last write is everywhere
    assert ms.range("k")["kvs"][0]["value"] == b"v4"
    assert ms.range("k")["kvs"][0]["version"] == 6


def test_an_isolated_leader_steps_down_and_the_majority_elects_another() -> None:
    w, c = _cluster(seed=16)
    old = c.wait_for_leader()
    rest = [m for m in c.members if m is not old]
    w.network.partition([old.name], [m.name for m in rest])
    cut_at = w.now
    w.run(duration=3 * c.election_timeout)
    # CheckQuorum: a leader that heard from no quorum for an election timeout steps down
    stepped = w.trace.filter(host=old.name, kind="become-follower", since=cut_at)
    assert stepped and stepped[0].time - cut_at <= 2 * c.election_timeout + 0.1
    new = c.leader()
    assert new is not None and new is not old and new.term > old.term
    c.client([m.name for m in rest]).put("k", "new-leader")
    w.network.heal()
    w.run(duration=1)
    assert old.leader_id == new.id and old.term == new.term
    assert old.store is not None
    assert old.store.range("k")["kvs"][0]["value"] == b"new-leader"


def test_state_rows_describe_every_member_for_diagrams() -> None:
    w, c = _cluster(seed=17)
    lead = c.wait_for_leader()
    c.client().put("k", "v")
    w.run(duration=0.2)
    c.member("etcd-3").crash()
    rows = {r["name"]: r for r in c.state()}
    down = rows["etcd-3"]
    assert down["role"] == "down" and down["up"] is False
    lr = rows[lead.name]
    # a crashed member shows what its disk kept: the synced term and log
    assert down["term"] == lead.term and down["log"] == lr["log"]
    assert lr["role"] == "leader" and lr["lead"] == lead.name and lr["up"] is True
    assert lr["entries"][-1][2] == "put k=v"
    assert lr["log"][-1] == (lr["last_index"], lead.term)
    assert lr["commit"] == lr["last_index"]
    assert set(lr["progress"]) == set(c.names)
    table = c.table().splitlines()
    assert table[0].split() == ["NAME", "ROLE", "TERM", "LEAD", "COMMIT", "APPLIED", "LAST_INDEX"]
    assert "down" in table[3]


def test_crash_and_restart_recovers_term_log_and_data_from_disk() -> None:
    w, c = _cluster(seed=5)
    c.wait_for_leader()
    cli = c.client()
    for i in range(10):
        cli.put(f"key{i}", f"value{i}")
    w.run(duration=0.5)
    victim = next(m for m in c.members if not m.is_leader)
    raw = victim.raft
    assert raw is not None
    term, last, commit = raw.term, raw.last_index, raw.commit
    log = [(e.index, e.term) for e in raw.log_entries()]
    victim.crash()
    assert victim.raft is None and victim.store is None and victim.role == "down"
    victim.start()
    raw2 = victim.raft
    assert raw2 is not None
    assert raw2.term == term
    assert raw2.last_index == last
    assert [(e.index, e.term) for e in raw2.log_entries()] == log
    assert raw2.commit >= commit - 1  # the last commit index may not have been synced
    w.run(duration=1)
    store = victim.store
    assert store is not None
    assert store.range("key9")["kvs"][0]["value"] == b"value9"
    restarts = w.trace.filter(host=victim.name, component="etcd", kind="restart")
    assert restarts[0].fields["term"] == term and restarts[0].fields["last_index"] == last


def test_whole_cluster_restart_keeps_every_acknowledged_write() -> None:
    w, c = _cluster(seed=6)
    c.wait_for_leader()
    cli = c.client()
    acked = {}
    for i in range(20):
        cli.put(f"k{i}", f"v{i}")
        acked[f"k{i}"] = f"v{i}"
    for m in c.members:
        m.crash()
    w.run(duration=1)
    for m in c.members:
        m.start()
    c.wait_for_leader(timeout=10)
    got = cli.get("k", prefix=True)
    assert {kv["key"]: kv["value"] for kv in got["kvs"]} == acked


def test_unsynced_entries_are_lost_on_crash() -> None:
    # a member crashing in the middle of an fsync loses exactly what that fsync carried
    w, c = _cluster(seed=7)
    lead = c.wait_for_leader()
    follower = next(m for m in c.members if m is not lead)
    follower.host.disk.slow(0.5)
    cli = c.client([lead.name])
    cli.put("x", "1")  # committed by the leader and the third member
    w.run(duration=0.1)  # the slow follower is still inside its fsync
    raw = follower.raft
    assert raw is not None
    in_memory = raw.last_index
    follower.crash()
    follower.host.disk.slow(0.0005)
    follower.start()
    raw2 = follower.raft
    assert raw2 is not None
    assert raw2.last_index < in_memory


def test_far_behind_follower_catches_up_with_a_snapshot() -> None:
    w, c = _cluster(seed=8, snapshot_count=20, snapshot_catch_up_entries=5)
    lead = c.wait_for_leader()
    laggard = next(m for m in c.members if m is not lead)
    laggard.crash()
    cli = c.client([m.name for m in c.members if m is not laggard])
    for i in range(60):
        cli.put(f"k{i % 7}", f"v{i}")
    saved = w.trace.filter(component="etcd", kind="snapshot-saved", host=lead.name)
    assert saved, "the leader snapshots every snapshot_count applied entries"
    raw = lead.raft
    assert raw is not None
    assert raw.first_index > 1  # log compacted, keeping snapshot_catch_up_entries
    laggard.start()
    w.run(duration=2)
    sent = w.trace.filter(component="etcd", kind="snapshot-send", host=lead.name)
    installed = w.trace.filter(component="etcd", kind="snapshot-installed", host=laggard.name)
    assert sent and installed
    assert sent[0].fields["to"] == laggard.name
    assert installed[0].fields["index"] == sent[0].fields["index"]
    ls, ms = laggard.store, lead.store
    assert ls is not None and ms is not None
    assert ls.current_revision == ms.current_revision
    assert ls.range("k", b"l")["kvs"] == ms.range("k", b"l")["kvs"]
    # and it keeps up with new writes afterwards
    cli.put("after", "snapshot")
    w.run(duration=0.5)
    assert ls.range("after")["kvs"][0]["value"] == b"snapshot"


def test_slow_disk_on_the_leader_slows_writes() -> None:
    def write_latency(fsync: float) -> float:
        w, c = _cluster(seed=9)
        lead = c.wait_for_leader()
        lead.host.disk.slow(fsync)
        cli = c.client([lead.name])
        start = w.now
        for i in range(10):
            cli.put("k", str(i))
        return (w.now - start) / 10

    fast = write_latency(0.0005)
    slow = write_latency(0.05)
    # a put is applied on the leader only after its own WAL fsync: >= 50 ms each
    assert fast < 0.01
    assert slow >= 0.05
    assert slow > 10 * fast


def test_member_add_and_remove_through_raft_conf_changes() -> None:
    w, c = _cluster(seed=10)
    c.wait_for_leader()
    cli = c.client()
    cli.put("before", "add")
    new = c.add_member("etcd-4")
    w.run(duration=2)
    names = sorted(m["name"] for m in cli.member_list()["members"])
    assert names == ["etcd-1", "etcd-2", "etcd-3", "etcd-4"]
    assert new.store is not None
    assert new.store.range("before")["kvs"][0]["value"] == b"add"
    assert new.status()["header"]["cluster_id"] == c.cluster_id  # joined, not a new cluster
    applied = w.trace.filter(component="etcd", kind="conf-change-applied", change="AddNode")
    assert {r.host for r in applied} >= {"etcd-1", "etcd-2", "etcd-3"}
    # remove a follower: it stops, the others go on with three voters
    victim = next(m for m in c.members if not m.is_leader and m is not new)
    c.remove_member(victim.name)
    w.run(duration=1)
    assert not victim.up
    assert w.trace.filter(component="etcd", kind="member-removed", host=victim.name)
    rest = [m.name for m in c.members if m is not victim]
    cli2 = c.client(rest)
    assert sorted(m["name"] for m in cli2.member_list()["members"]) == rest
    cli2.put("after", "remove")
    lead = c.leader()
    assert lead is not None and lead.raft is not None
    assert len(lead.raft.voters) == 3
    # a removed member does not come back after a restart
    victim.restart()
    assert not victim.up


def test_leader_transfer_hands_leadership_to_the_chosen_member() -> None:
    w, c = _cluster(seed=12)
    old = c.wait_for_leader()
    target = next(m for m in c.members if m is not old)
    cli = c.client()
    cli.put("k", "v")
    term = old.term
    cli.move_leader(target.name)
    assert c.leader() is target
    assert target.term == term + 1  # MsgTimeoutNow: campaign at once, no pre-vote
    assert w.trace.filter(component="etcd", kind="leader-transfer-start", host=old.name)
    cli.put("k", "after")
    assert cli.get("k")["kvs"][0]["value"] == "after"


def test_lease_expiry_deletes_keys_and_keepalive_prevents_it() -> None:
    w, c = _cluster(seed=13)
    c.wait_for_leader()
    cli = c.client()
    short = cli.lease_grant(5)
    kept = cli.lease_grant(5)
    cli.put("short", "x", lease=short["ID"])
    cli.put("kept", "y", lease=kept["ID"])
    start = w.now
    while w.now - start < 12:
        w.run(duration=1)
        cli.lease_keepalive(kept["ID"])
    assert cli.get("short")["kvs"] == []
    assert cli.get("kept")["kvs"][0]["value"] == "y"
    expired = w.trace.filter(component="etcd", kind="lease-expired")
    assert expired and f"{short['ID']:016x}" in expired[0].fields["leases"]
    # expiry is checked every 500 ms by the leader: revoked between TTL and TTL + ~0.6 s
    assert 5.0 <= expired[0].time - start <= 5.7
    with pytest.raises(ErrLeaseNotFound):
        cli.lease_keepalive(short["ID"])


def test_leases_survive_a_leader_change_extended_by_the_election_timeout() -> None:
    w, c = _cluster(seed=14)
    lead = c.wait_for_leader()
    cli = c.client([m.name for m in c.members if m is not lead])
    lease = cli.lease_grant(4)
    cli.put("owned", "x", lease=lease["ID"])
    lead.crash()
    new = c.wait_for_leader(timeout=10)
    w.run(duration=1.0)
    assert cli.get("owned")["kvs"], "not expired right after the new leader took over"
    w.run(duration=10)
    assert cli.get("owned")["kvs"] == []
    # lessor.go Promote: the new leader's deadline is promotion + election timeout + TTL,
    # and its lessor looks for expired leases every 500 ms
    elected = w.trace.filter(kind="become-leader", host=new.name)[-1].time
    expired = w.trace.filter(kind="lease-expired", host=new.name)[0].time
    assert elected + 1.0 + 4 <= expired <= elected + 1.0 + 4 + 0.6


def test_trace_shows_elections_but_not_messages_unless_asked() -> None:
    w, c = _cluster(seed=15)
    c.wait_for_leader()
    kinds = set(w.trace.filter(component="etcd").kinds())
    assert {"start", "become-pre-candidate", "become-candidate", "become-leader"} <= kinds
    assert "msg-send" not in kinds
    w2, c2 = _cluster(seed=15, trace_messages=True)
    c2.wait_for_leader()
    sends = w2.trace.filter(component="etcd", kind="msg-send")
    assert {r.fields["type"] for r in sends} >= {"MsgPreVote", "MsgVote", "MsgApp"}


def _scenario(seed: int) -> str:
    w, c = _cluster(seed=seed, snapshot_count=10, snapshot_catch_up_entries=2)
    lead = c.wait_for_leader()
    cli = c.client()
    for i in range(15):
        cli.put(f"k{i}", str(i))
    lead.crash()
    w.network.partition(["etcd-1"], ["etcd-2", "etcd-3"])
    w.run(duration=3)
    w.network.heal()
    lead.start()
    w.run(duration=3)
    return w.trace.dumps()


def test_same_seed_same_trace() -> None:
    assert _scenario(21) == _scenario(21)
    assert _scenario(21) != _scenario(22)


def test_same_seed_same_trace_across_processes_and_hash_seeds() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r}); "
        "from tests.etcd.test_server import _scenario; sys.stdout.write(_scenario(21))"
    )
    outs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        outs.append(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    assert outs[0] == outs[1] == _scenario(21)


def test_member_added_after_log_compaction_catches_up_from_a_snapshot() -> None:
    # The new member's first entries were compacted away, so the leader must send a snapshot;
    # it must carry the current membership (etcdserver createMergedSnapshotMessage), or the
    # new member never finds itself in the configuration and refuses it.
    w, c = _cluster(seed=12, snapshot_count=10, snapshot_catch_up_entries=2)
    c.wait_for_leader()
    cli = c.client()
    for i in range(40):
        cli.put(f"k{i}", f"v{i}")
    new = c.add_member("etcd-4")
    w.run(duration=3)
    assert w.trace.filter(component="etcd", kind="snapshot-installed", host="etcd-4")
    assert new.store is not None
    assert new.store.range("k39")["kvs"][0]["value"] == b"v39"
    cli.put("after", "join")
    w.run(duration=1)
    assert new.store.range("after")["kvs"][0]["value"] == b"join"


def test_member_count_must_be_a_whole_number() -> None:
    import pytest

    for bad in (0, -1, 2.5, "3"):
        with pytest.raises(ValueError, match="whole number of members >= 1"):
            EtcdCluster(World(), members=bad)  # type: ignore[arg-type]
