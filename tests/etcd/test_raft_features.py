"""etcd-specific behaviour of the Raft model, scenario by scenario.

Snapshots and log compaction, PreVote, CheckQuorum, leadership transfer, membership
changes, restart from storage, batching and flow control, fast log backtracking, and the
Ready contract.  Expected outcomes follow etcd-io/raft (raft_test.go, raft_snap_test.go,
raft_flow_control_test.go, rawnode.go) as cited per test.
"""

from __future__ import annotations

import random

import pytest
from raft_harness import (
    MT,
    Network,
    accept_and_reply,
    commit_noop,
    drain,
    make_leader,
    new_node,
    storage_with,
    terms_of,
)

from kubelab.etcd.raft import (
    ConfChange,
    Config,
    Entry,
    HardState,
    Message,
    ProgressState,
    ProposalDropped,
    RawNode,
    SoftState,
    StateType,
    Storage,
)

ET = 10
IDS3 = ("1", "2", "3")
IDS5 = ("1", "2", "3", "4", "5")


def elect(net: Network, node_id: str, attempts: int = 5) -> None:
    for _ in range(attempts):
        if net.node(node_id).state is StateType.StateLeader:
            return
        net.campaign(node_id)
    assert net.node(node_id).state is StateType.StateLeader


def collect(net: Network) -> list[Message]:
    """Record every message the network routes from now on."""
    seen: list[Message] = []

    def spy(m: Message) -> bool:
        seen.append(m)
        return False

    net.filters.append(spy)
    return seen


# --------------------------------------------------------------------------- snapshots


def test_lagging_follower_catches_up_from_snapshot_then_entries() -> None:
    """raft_snap_test.go: a follower whose next entry was compacted away receives
    MsgSnap, installs it, and then gets the entries after it by MsgApp."""
    net = Network(IDS3)
    elect(net, "1")
    net.crash("3")
    for i in range(20):
        assert net.propose("1", i)
    net.compact("1")
    snap_index = net.node("1").snapshot.index
    for i in range(20, 25):
        assert net.propose("1", i)
    net.restart("3")
    seen = collect(net)
    net.tick_all(2)
    snaps = [m for m in seen if m.type is MT.MsgSnap]
    # One snapshot, of the leader's applied state (at least the compaction point).
    assert [m.to for m in snaps] == ["3"]
    assert snaps[0].snapshot is not None and snaps[0].snapshot.index >= snap_index
    assert net.node("3").snapshot == snaps[0].snapshot
    assert net.node("1").progress["3"][2] is ProgressState.StateReplicate
    seen.clear()
    assert net.propose("1", 25)
    assert not any(m.type is MT.MsgSnap for m in seen)
    assert any(m.type is MT.MsgApp and m.to == "3" and m.entries for m in seen)
    assert net.applied_data("3") == list(range(26))


def test_catch_up_entries_spare_slow_followers_a_snapshot() -> None:
    """etcd keeps SnapshotCatchUpEntries after a snapshot so a slightly lagging follower
    is caught up with MsgApp, not a snapshot."""
    net = Network(IDS3)
    elect(net, "1")
    net.isolate("3")
    for i in range(10):
        assert net.propose("1", i)
    net.compact("1", catch_up_entries=50)
    assert net.node("1").first_index == 1  # nothing dropped: all within the catch-up window
    net.heal()
    seen = collect(net)
    net.tick_all(2)
    assert not any(m.type is MT.MsgSnap for m in seen)
    assert net.applied_data("3") == list(range(10))


def test_failed_snapshot_is_retried() -> None:
    """raft.go MsgSnapStatus: a reported failure sends the follower back to probing, and
    the next heartbeat response triggers a new snapshot."""
    net = Network(IDS3)
    elect(net, "1")
    net.crash("3")
    for i in range(5):
        assert net.propose("1", i)
    net.compact("1")
    net.restart("3")
    net.ignore(MT.MsgSnap)  # the first snapshot transfer fails
    net.tick_all(1)
    assert net.node("1").progress["3"][2] is ProgressState.StateProbe
    assert net.node("3").snapshot.index == 0
    net.heal()
    net.tick_all(2)
    assert net.applied_data("3") == list(range(5))


def test_restart_after_compaction_replays_only_entries_after_snapshot() -> None:
    """A member restarted from storage resumes at the snapshot: applied = snapshot index,
    and only later committed entries are handed out again (etcd raftNode restart)."""
    net = Network(IDS3)
    elect(net, "1")
    for i in range(6):
        assert net.propose("1", i)
    net.compact("2")
    snap = net.node("2").snapshot
    for i in range(6, 8):
        assert net.propose("1", i)
    net.crash("2")
    replayed: list[Entry] = []
    net.on_apply = lambda i, e: replayed.append(e) if i == "2" else None
    node = net.restart("2")
    assert node.applied == snap.index
    net.process_all()
    assert [e.index for e in replayed] == list(range(snap.index + 1, node.commit + 1))
    assert net.applied_data("2") == list(range(8))


# --------------------------------------------------------------------------- PreVote


def test_prevote_stops_rejoining_partitioned_node_from_inflating_terms() -> None:
    """thesis §9.6 / TestDisruptiveFollowerPreVote: an isolated member keeps failing its
    pre-vote, so its term stays put; when it rejoins, the leader is undisturbed."""
    net = Network(IDS3, pre_vote=True, check_quorum=True)
    elect(net, "1")
    net.isolate("3")
    net.tick("3", 5 * ET)
    assert net.node("3").term == 1
    assert net.node("3").state is StateType.StatePreCandidate
    net.heal()
    net.tick_all(3)
    assert [net.node(i).term for i in IDS3] == [1, 1, 1]
    assert net.leader() == "1"
    assert net.node("3").state is StateType.StateFollower


def test_without_prevote_rejoining_node_disrupts_the_leader() -> None:
    """The problem PreVote solves (TestDisruptiveFollower): without it the isolated member
    inflates its term and forces the working leader to step down when it returns."""
    net = Network(IDS3, pre_vote=False, check_quorum=True)
    elect(net, "1")
    net.isolate("3")
    net.tick("3", 5 * ET)
    assert net.node("3").term > 1
    net.heal()
    net.tick_all(1)
    # Its answer to the leader's heartbeat carries the inflated term: the leader steps down.
    assert net.node("1").term == net.node("3").term > 1
    assert net.node("1").state is StateType.StateFollower


# --------------------------------------------------------------------------- CheckQuorum


def test_check_quorum_minority_leader_steps_down_and_majority_elects() -> None:
    """thesis §6.2: the leader cut into a minority steps down within two election
    timeouts; the majority side elects a new leader and the old one follows it on heal."""
    net = Network(IDS5, pre_vote=True, check_quorum=True, seed=11)
    elect(net, "1")
    net.partition(["1", "2"], ["3", "4", "5"])
    net.tick_all(4 * ET)
    # Stepped down (and then only pre-campaigns, which cannot succeed or raise terms).
    assert net.node("1").state in (StateType.StateFollower, StateType.StatePreCandidate)
    assert net.node("1").term == 1
    new = net.leader()
    assert new in ("3", "4", "5")
    with pytest.raises(ProposalDropped):
        net.node("2").propose("lost")  # no leader on the minority side
    net.heal()
    net.tick_all(2)
    assert net.leaders() == [new]
    assert len({net.node(i).term for i in IDS5}) == 1


# --------------------------------------------------------------------------- leader transfer


def test_leader_transfer_to_up_to_date_follower() -> None:
    """TestLeaderTransferToUpToDateNode: MsgTimeoutNow makes the target win the next term."""
    net = Network(IDS3, pre_vote=True, check_quorum=True)
    elect(net, "1")
    assert net.propose("1", "a")
    net.node("1").transfer_leader("2")
    net.stabilize()
    assert net.leader() == "2"
    assert net.node("2").term == 2
    assert net.node("1").state is StateType.StateFollower


def test_leader_transfer_requested_at_follower_is_forwarded() -> None:
    """TestLeaderTransferToUpToDateNodeFromFollower: followers forward the request."""
    net = Network(IDS3)
    elect(net, "1")
    net.node("3").transfer_leader("3")
    net.stabilize()
    assert net.leader() == "3"


def test_leader_transfer_catches_up_slow_transferee_first() -> None:
    """TestLeaderTransferToSlowFollower: the leader replicates to the target, then sends
    MsgTimeoutNow once its match equals the leader's last index."""
    net = Network(IDS3)
    elect(net, "1")
    net.isolate("3")
    assert net.propose("1", "a")
    net.heal()
    assert net.node("1").progress["3"][0] < net.node("1").last_index
    net.node("1").transfer_leader("3")
    net.stabilize()
    assert net.leader() == "3"
    assert "a" in net.applied_data("3")


def test_leader_transfer_aborted_after_election_timeout_and_drops_proposals() -> None:
    """TestLeaderTransferTimeout / IgnoreProposal: proposals are dropped while a transfer
    is pending; it is abandoned after an election timeout."""
    net = Network(IDS3)
    elect(net, "1")
    net.isolate("3")
    lead = net.node("1")
    lead.transfer_leader("3")
    net.stabilize()
    assert lead.lead_transferee == "3"
    with pytest.raises(ProposalDropped):
        lead.propose("x")
    net.tick("1", ET - 1)
    assert lead.lead_transferee == "3"
    net.tick("1", 1)
    assert lead.lead_transferee == "" and lead.state is StateType.StateLeader
    assert net.propose("1", "after")


@pytest.mark.parametrize("target", ["1", "9"])
def test_leader_transfer_to_self_or_non_member_is_ignored(target: str) -> None:
    """TestLeaderTransferToSelf / ToNonExistingNode."""
    net = Network(IDS3)
    elect(net, "1")
    net.node("1").transfer_leader(target)
    net.stabilize()
    assert net.leader() == "1" and net.node("1").lead_transferee == ""


def test_leader_transfer_overrides_check_quorum_lease() -> None:
    """TestLeaderTransferWithCheckQuorum: the transferee's vote requests carry
    CampaignTransfer, so followers within their lease still vote."""
    net = Network(IDS3, pre_vote=True, check_quorum=True)
    elect(net, "1")
    net.tick_all(1)  # every follower has heard from the leader: leases are live
    net.node("1").transfer_leader("2")
    net.stabilize()
    assert net.leader() == "2"


# --------------------------------------------------------------------------- membership


def test_added_member_catches_up_from_snapshot_and_can_lead() -> None:
    """A member added after compaction receives a snapshot carrying the configuration,
    then counts as a voter; leadership can move to it."""
    net = Network(IDS3)
    elect(net, "1")
    for k in range(5):
        assert net.propose("1", k)
    for i in IDS3:
        net.compact(i)
    net.add_member("4", [*IDS3, "4"])
    net.node("1").propose_conf_change(ConfChange("AddNode", "4"))
    net.stabilize()
    net.tick_all(2)
    assert net.node("4").voters == ("1", "2", "3", "4")
    assert net.node("4").snapshot.index > 0
    assert net.applied_data("4") == list(range(5))
    net.node("1").transfer_leader("4")
    net.stabilize()
    assert net.leader() == "4"


def test_removed_leader_is_replaced_by_election_among_the_rest() -> None:
    """raft.go switchToConfig with StepDownOnRemoval: after removing itself the leader
    steps down; the remaining members elect a leader and keep committing."""
    net = Network(IDS3, pre_vote=True, check_quorum=True)
    elect(net, "1")
    net.node("1").propose_conf_change(ConfChange("RemoveNode", "1"))
    net.stabilize()
    assert net.node("1").state is StateType.StateFollower
    net.tick_all(3 * ET)
    new = net.leader()
    assert new in ("2", "3")
    assert net.node(new).voters == ("2", "3")
    assert net.propose(new, "after-removal")
    assert "after-removal" in net.applied_data("2") and "after-removal" in net.applied_data("3")


def test_removed_member_progress_is_dropped_and_its_messages_ignored() -> None:
    """rawnode.go Step: responses from a member no longer in the configuration are dropped."""
    net = Network(IDS3)
    elect(net, "1")
    net.node("1").propose_conf_change(ConfChange("RemoveNode", "3"))
    net.stabilize()
    lead = net.node("1")
    assert set(lead.progress) == {"1", "2"}
    commit = lead.commit
    lead.step(Message(MT.MsgAppResp, from_="3", to="1", term=lead.term, index=lead.last_index))
    assert lead.commit == commit and set(lead.progress) == {"1", "2"}


# --------------------------------------------------------------------------- restart


def test_full_cluster_restart_restores_term_vote_log_and_state_machine() -> None:
    """Fig. 2 persistent state: after every member restarts from its storage, terms,
    votes and logs are back, a leader is elected and every committed entry survives."""
    net = Network(IDS3, pre_vote=True, check_quorum=True, seed=2)
    elect(net, "1")
    for k in range(5):
        assert net.propose("1", k)
    before = {i: (net.node(i).term, net.node(i).vote, net.node(i).log_entries()) for i in IDS3}
    for i in IDS3:
        net.crash(i)
    for i in IDS3:
        n = net.restart(i)
        assert (n.term, n.vote, n.log_entries()) == before[i]
        assert n.state is StateType.StateFollower
    net.tick_all(3 * ET)
    assert net.leader() is not None
    for i in IDS3:
        assert net.applied_data(i) == list(range(5))


def test_persisted_vote_prevents_second_vote_after_restart() -> None:
    """§5.2 + Fig. 2: votedFor survives a crash, so a member cannot vote twice in a term."""
    st = storage_with([], term=4)
    node = new_node("2", IDS3, storage=st)
    node.step(Message(MT.MsgVote, from_="1", to="2", term=5))
    assert drain(node, st) == [Message(MT.MsgVoteResp, from_="2", to="1", term=5)]
    again = new_node("2", IDS3, storage=st)
    assert (again.term, again.vote) == (5, "1")
    again.step(Message(MT.MsgVote, from_="3", to="2", term=5))
    assert drain(again, st) == [Message(MT.MsgVoteResp, from_="2", to="3", term=5, reject=True)]


def test_restart_rejects_commit_beyond_log() -> None:
    """raft.go loadState: a hard state committing past the stored log is corruption."""
    st = storage_with([1], term=1, commit=3)
    with pytest.raises(ValueError, match="out of range"):
        new_node("1", IDS3, storage=st)


# --------------------------------------------------------------------------- batching


def test_proposals_between_readys_travel_in_one_msgapp() -> None:
    """Many proposals, one Ready: each follower gets one MsgApp carrying all of them."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    commit_noop(node, make_leader(node, st), st)
    for i in range(100):
        node.propose(i)
    node.propose_batch(range(100, 150))
    rd = node.ready()
    assert len(rd.entries) == 150
    apps = [m for m in rd.messages if m.type is MT.MsgApp]
    assert sorted(m.to for m in apps) == ["2", "3"]
    assert all([e.data for e in m.entries] == list(range(150)) for m in apps)


def test_max_size_per_msg_and_inflight_limit_bound_replication() -> None:
    """raft_flow_control_test.go: in StateReplicate at most max_inflight_msgs MsgApps are
    outstanding, each with at most max_size_per_msg entries; an ack frees room."""
    st = Storage()
    node = new_node("1", ("1", "2"), storage=st, max_size_per_msg=3, max_inflight_msgs=2)
    commit_noop(node, make_leader(node, st), st)
    for i in range(20):
        node.propose(i)
    apps = [m for m in drain(node, st) if m.type is MT.MsgApp]
    assert [len(m.entries) for m in apps] == [3, 3]
    assert node.progress["2"][2] is ProgressState.StateReplicate
    node.step(accept_and_reply(apps[0]))
    more = [m for m in drain(node, st) if m.type is MT.MsgApp]
    assert [len(m.entries) for m in more] == [3]  # one slot freed, one more message
    assert more[0].index == apps[1].index + 3


def test_probing_follower_gets_one_msgapp_per_heartbeat() -> None:
    """tracker/progress.go StateProbe: one MsgApp, then paused until a response."""
    st = Storage()
    node = new_node("1", ("1", "2"), storage=st)
    make_leader(node, st)  # follower 2 is probed with the empty entry
    for i in range(5):
        node.propose(i)
    assert not any(m.type is MT.MsgApp for m in drain(node, st))
    node.tick()  # heartbeat; its response unpauses the probe
    drain(node, st)
    node.step(Message(MT.MsgHeartbeatResp, from_="2", to="1", term=1))
    apps = [m for m in drain(node, st) if m.type is MT.MsgApp]
    assert len(apps) == 1


def test_report_unreachable_switches_replicate_to_probe() -> None:
    """raft.go MsgUnreachable: stop streaming to a peer the transport could not reach."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    commit_noop(node, make_leader(node, st), st)
    before = node.progress["2"][2]
    node.report_unreachable("2")
    after = node.progress["2"][2]
    assert (before, after) == (ProgressState.StateReplicate, ProgressState.StateProbe)


# --------------------------------------------------------------------------- backtracking


def test_fast_backtracking_skips_a_whole_divergent_term_per_round_trip() -> None:
    """raft.go findConflictByTerm (TestFastLogRejection): a follower with 50 divergent
    entries is repaired in a couple of rejections, not one per entry."""
    net = Network(IDS3)
    net.members["1"].storage = storage_with([1] * 5 + [3] * 50, term=3)
    net.members["2"].storage = storage_with([1] * 5 + [2] * 50, term=3)
    net.members["3"].storage = storage_with([1] * 5 + [3] * 50, term=3)
    for i in IDS3:
        net.restart(i)
    seen = collect(net)
    elect(net, "1")
    rejects = [m for m in seen if m.type is MT.MsgAppResp and m.reject and m.from_ == "2"]
    assert 1 <= len(rejects) <= 2
    assert net.node("2").log_entries() == net.node("1").log_entries()


# --------------------------------------------------------------------------- Ready contract


def test_ready_reports_only_changes() -> None:
    """rawnode.go: SoftState/HardState appear in a Ready only when changed; MustSync only
    when entries, term or vote must be durable (a commit-only change need not fsync)."""
    st = storage_with([1, 1], term=1)
    node = new_node("2", IDS3, storage=st)
    assert not node.has_ready()
    node.step(Message(MT.MsgHeartbeat, from_="1", to="2", term=1, commit=2))
    rd = node.ready()
    assert rd.soft_state == SoftState(lead="1", raft_state=StateType.StateFollower)
    assert rd.hard_state == HardState(term=1, vote="", commit=2)
    assert not rd.must_sync
    assert [e.index for e in rd.committed_entries] == [1, 2]
    st.save_ready(rd)
    node.advance(rd)
    node.step(Message(MT.MsgHeartbeat, from_="1", to="2", term=1, commit=2))
    rd = node.ready()
    assert rd.soft_state is None and rd.hard_state is None and rd.committed_entries == []
    node.advance(rd)
    assert node.applied == 2


def test_ready_must_be_advanced_before_the_next() -> None:
    """rawnode.go: two accepted Readys without Advance is a driver bug."""
    node = new_node("1", IDS3)
    node.campaign()
    node.ready()
    with pytest.raises(RuntimeError):
        node.ready()


def test_compaction_rules() -> None:
    """MemoryStorage CreateSnapshot/Compact: only applied indexes can be snapshotted, and
    never one older than the current snapshot."""
    net = Network(IDS3)
    elect(net, "1")
    assert net.propose("1", "a")
    node = net.node("1")
    with pytest.raises(ValueError, match="beyond applied"):
        node.compact(node.applied + 1, None)
    net.compact("1")
    with pytest.raises(ValueError, match="older than the existing snapshot"):
        node.compact(node.applied, None)
    st = net.members["1"].storage
    assert st.snapshot.index == node.applied and st.first_index() == node.applied + 1


def test_storage_append_replaces_conflicting_suffix() -> None:
    """MemoryStorage.Append: a later append at an existing index truncates what follows."""
    st = storage_with([1, 1, 1])
    st.append([Entry(2, 2)])
    assert terms_of(st.entries(1, st.last_index() + 1)) == [1, 2]
    with pytest.raises(ValueError, match="missing log entry"):
        st.append([Entry(2, 5)])


def test_same_seed_same_history() -> None:
    """Determinism: the only randomness is the rng passed in."""

    def run(seed: int) -> list[tuple[int, int, str]]:
        net = Network(IDS5, seed=seed, pre_vote=True, check_quorum=True)
        net.tick_all(3 * ET)
        return [(net.node(i).term, net.node(i).randomized_election_timeout, net.node(i).lead)
                for i in IDS5]  # fmt: skip

    assert run(4) == run(4)
    node = RawNode(Config("1", IDS3), random.Random(1))
    assert ET <= node.randomized_election_timeout <= 2 * ET - 1
