"""One test per claim of the Raft paper, in the spirit of etcd-io/raft raft_paper_test.go.

"In Search of an Understandable Consensus Algorithm (Extended Version)", Ongaro and
Ousterhout, 2014.  Each test names the section it checks.  Expected values come from the
paper's rules and from the tables of etcd-io/raft raft_paper_test.go / raft_test.go.
PreVote, CheckQuorum and leader transfer are etcd's extensions (Ongaro's thesis §9.6,
§6.2, §3.10); they are tested at the end.  PreVote and CheckQuorum are off unless a
test says otherwise, as in the paper.
"""

from __future__ import annotations

import pytest
from raft_harness import (
    MT,
    Network,
    accept_and_reply,
    commit_noop,
    drain,
    make_leader,
    new_node,
    replicate_all,
    role,
    storage_with,
    terms_of,
)

from kubelab.etcd.raft import (
    ConfChange,
    Entry,
    EntryType,
    HardState,
    Message,
    ProposalDropped,
    ReadState,
    Snapshot,
    StateType,
    Storage,
)

ET = 10  # etcd ElectionTick
IDS3 = ("1", "2", "3")


def ids(n: int) -> tuple[str, ...]:
    return tuple(str(i) for i in range(1, n + 1))


def elect(net: Network, node_id: str, attempts: int = 5) -> None:
    """Campaign until ``node_id`` leads (a lost round raises the term for the next)."""
    for _ in range(attempts):
        if net.node(node_id).state is StateType.StateLeader:
            return
        net.campaign(node_id)
    assert net.node(node_id).state is StateType.StateLeader


def by_to(msgs: list[Message]) -> list[Message]:
    return sorted(msgs, key=lambda m: (m.to, m.type.value))


# --------------------------------------------------------------------------- §5.1


@pytest.mark.parametrize("start", ["follower", "candidate", "leader"])
def test_5_1_higher_term_updates_term_and_reverts_to_follower(start: str) -> None:
    """§5.1: a server seeing a larger term adopts it; a candidate or leader steps down."""
    node = new_node("1", IDS3)
    if start == "candidate":
        node.campaign()
        drain(node)
        assert node.state is StateType.StateCandidate
    elif start == "leader":
        make_leader(node)
    node.step(Message(MT.MsgApp, from_="2", to="1", term=2))
    assert node.term == 2
    assert node.state is StateType.StateFollower
    assert node.lead == "2"  # MsgApp comes from the leader of that term


def test_5_1_request_with_stale_term_is_rejected() -> None:
    """§5.1: a request with a stale term number is rejected (etcd: ignored)."""
    st = storage_with([], term=2)
    node = new_node("1", IDS3, storage=st)
    node.step(Message(MT.MsgApp, from_="2", to="1", term=1, entries=(Entry(1, 1),)))
    assert node.log_entries() == []
    assert node.term == 2
    assert drain(node, st) == []


def test_5_1_stale_leader_learns_newer_term_from_response() -> None:
    """§5.1 + raft.go Step: with CheckQuorum/PreVote, a stale MsgApp is answered with the
    current term so a deposed leader cut off by a partition steps down."""
    st = storage_with([], term=2)
    node = new_node("1", IDS3, storage=st, check_quorum=True)
    node.step(Message(MT.MsgHeartbeat, from_="2", to="1", term=1))
    assert drain(node, st) == [Message(MT.MsgAppResp, from_="1", to="2", term=2)]
    leader = new_node("2", IDS3)
    make_leader(leader)
    leader.step(Message(MT.MsgAppResp, from_="1", to="2", term=2))
    assert leader.state is StateType.StateFollower and leader.term == 2


# --------------------------------------------------------------------------- §5.2


def test_5_2_servers_start_as_followers() -> None:
    """§5.2: when servers start up, they begin as followers."""
    node = new_node("1", IDS3)
    assert node.state is StateType.StateFollower
    assert (node.term, node.vote, node.lead) == (0, "", "")


def test_5_2_leader_sends_heartbeats() -> None:
    """§5.2: a leader sends periodic heartbeats (empty AppendEntries) to all followers."""
    node = new_node("1", IDS3)
    make_leader(node)
    for i in range(10):
        node.propose(i)
    drain(node)
    node.tick()  # HeartbeatTick = 1
    # raft_paper_test.go TestLeaderBcastBeat: commit = min(match, committed) = 0.
    assert by_to(drain(node)) == [
        Message(MT.MsgHeartbeat, from_="1", to="2", term=1),
        Message(MT.MsgHeartbeat, from_="1", to="3", term=1),
    ]


@pytest.mark.parametrize("start", ["follower", "candidate"])
def test_5_2_election_timeout_starts_election(start: str) -> None:
    """§5.2: with no communication over the election timeout, a follower (or a candidate
    whose election timed out) increments its term, votes for itself and requests votes."""
    node = new_node("1", IDS3)
    if start == "candidate":
        node.campaign()
        drain(node)
    want_term = node.term + 1
    for _ in range(2 * ET - 1):  # the randomized timeout is at most 2*ET-1 ticks
        node.tick()
    msgs = drain(node)
    assert node.state is StateType.StateCandidate
    assert node.term == want_term
    assert node.vote == "1"
    assert by_to(msgs) == [
        Message(MT.MsgVote, from_="1", to="2", term=want_term),
        Message(MT.MsgVote, from_="1", to="3", term=want_term),
    ]


@pytest.mark.parametrize(
    ("size", "votes", "state"),
    [
        # raft_paper_test.go TestLeaderElectionInOneRoundRPC
        (1, {}, StateType.StateLeader),
        (3, {"2": True, "3": True}, StateType.StateLeader),
        (3, {"2": True}, StateType.StateLeader),
        (5, {"2": True, "3": True, "4": True, "5": True}, StateType.StateLeader),
        (5, {"2": True, "3": True, "4": True}, StateType.StateLeader),
        (5, {"2": True, "3": True}, StateType.StateLeader),
        (3, {"2": False, "3": False}, StateType.StateFollower),
        (5, {"2": False, "3": False, "4": False, "5": False}, StateType.StateFollower),
        (5, {"2": True, "3": False, "4": False, "5": False}, StateType.StateFollower),
        (3, {}, StateType.StateCandidate),
        (5, {"2": True}, StateType.StateCandidate),
        (5, {"2": False, "3": False}, StateType.StateCandidate),
        (5, {}, StateType.StateCandidate),
    ],
)
def test_5_2_candidate_wins_with_majority_of_votes(
    size: int, votes: dict[str, bool], state: StateType
) -> None:
    """§5.2: a candidate wins with votes from a majority, returns to follower when a
    majority refuses, and otherwise keeps waiting."""
    node = new_node("1", ids(size))
    node.campaign()
    drain(node)  # its own vote counts once persisted
    for voter, granted in sorted(votes.items()):
        node.step(Message(MT.MsgVoteResp, from_=voter, to="1", term=1, reject=not granted))
        drain(node)
    assert node.state is state
    assert node.term == 1


@pytest.mark.parametrize(
    ("vote", "candidate", "reject"),
    # raft_paper_test.go TestFollowerVote
    [("", "2", False), ("", "3", False), ("2", "2", False), ("3", "3", False),
     ("2", "3", True), ("3", "2", True)],
)  # fmt: skip
def test_5_2_one_vote_per_term_first_come_first_served(
    vote: str, candidate: str, reject: bool
) -> None:
    """§5.2: each server votes for at most one candidate in a term."""
    st = storage_with([], term=1, vote=vote)
    node = new_node("1", IDS3, storage=st)
    node.step(Message(MT.MsgVote, from_=candidate, to="1", term=1))
    assert drain(node, st) == [
        Message(MT.MsgVoteResp, from_="1", to=candidate, term=1, reject=reject)
    ]


def test_5_2_vote_is_persisted_before_it_is_sent() -> None:
    """§5.2 + Fig. 2: votedFor is on stable storage before the vote leaves the server."""
    st = storage_with([], term=1)
    node = new_node("1", IDS3, storage=st)
    node.step(Message(MT.MsgVote, from_="2", to="1", term=2))
    rd = node.ready()
    assert rd.hard_state == HardState(term=2, vote="2", commit=0)
    assert rd.must_sync
    assert rd.messages == [Message(MT.MsgVoteResp, from_="1", to="2", term=2)]


@pytest.mark.parametrize("leader_term", [1, 2])
def test_5_2_candidate_steps_down_for_legitimate_leader(leader_term: int) -> None:
    """§5.2: a candidate receiving AppendEntries from a leader with a term at least as
    large as its own returns to follower state (TestCandidateFallback)."""
    node = new_node("1", IDS3)
    node.campaign()
    drain(node)
    assert node.state is StateType.StateCandidate and node.term == 1
    node.step(Message(MT.MsgApp, from_="2", to="1", term=leader_term))
    assert role(node) is StateType.StateFollower
    assert node.term == leader_term
    assert node.lead == "2"


@pytest.mark.parametrize("start", ["follower", "candidate"])
def test_5_2_election_timeouts_are_randomized(start: str) -> None:
    """§5.2: election timeouts are chosen randomly from a fixed interval; etcd uses
    [ElectionTick, 2*ElectionTick-1] ticks (raft.go resetRandomizedElectionTimeout)."""
    node = new_node("1", IDS3, seed=7)
    seen: set[int] = set()
    for _ in range(50 * ET):
        if start == "follower":
            node.step(Message(MT.MsgHeartbeat, from_="2", to="1", term=node.term + 1))
        else:
            node.campaign()
        drain(node)
        ticks = 0
        while True:
            node.tick()
            ticks += 1
            if any(m.type is MT.MsgVote for m in drain(node)):
                break
        seen.add(ticks)
    assert seen == set(range(ET, 2 * ET))


@pytest.mark.parametrize("start", ["follower", "candidate"])
def test_5_2_randomized_timeouts_rarely_collide(start: str) -> None:
    """§5.2: randomization spreads servers out so usually only one times out at a time
    (TestFollowersElectionTimeoutNonconflict: at most 30% of rounds collide)."""
    nodes = [new_node(i, ids(5), seed=3) for i in ids(5)]
    rounds = 500
    conflicts = 0
    for _ in range(rounds):
        for n in nodes:
            if start == "follower":
                other = "2" if n.id == "1" else "1"
                n.step(Message(MT.MsgHeartbeat, from_=other, to=n.id, term=n.term + 1))
            else:
                n.campaign()
            drain(n)
        timed_out = 0
        while timed_out == 0:
            for n in nodes:
                n.tick()
                if any(m.type is MT.MsgVote for m in drain(n)):
                    timed_out += 1
        conflicts += timed_out > 1
    assert conflicts / rounds <= 0.3


# --------------------------------------------------------------------------- §5.3


def _leader_with_committed_noop(size: int = 3) -> tuple[Storage, object]:
    st = Storage()
    node = new_node("1", ids(size), storage=st)
    commit_noop(node, make_leader(node, st), st)
    return st, node


def test_5_3_leader_appends_and_replicates_in_parallel() -> None:
    """§5.3: the leader appends a command to its log (to stable storage), then sends
    AppendEntries to every follower with the index and term of the preceding entry."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    commit_noop(node, make_leader(node, st), st)
    li = node.last_index
    node.propose("some data")
    rd = node.ready()
    new = Entry(1, li + 1, EntryType.EntryNormal, "some data")
    assert rd.entries == [new]
    assert node.commit == li
    assert by_to(rd.messages) == [
        Message(MT.MsgApp, "1", to, term=1, index=li, log_term=1, entries=(new,), commit=li)
        for to in ("2", "3")
    ]


def test_5_3_leader_commits_replicated_entry_and_tells_followers() -> None:
    """§5.3: once replicated on a majority the entry is committed and applied, and the
    leader includes the new commit index in later AppendEntries."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    commit_noop(node, make_leader(node, st), st)
    li = node.last_index
    node.propose("some data")
    rd = node.ready()
    st.save_ready(rd)
    node.advance(rd)
    for m in rd.messages:
        node.step(accept_and_reply(m))
    rd2 = node.ready()
    assert node.commit == li + 1
    assert rd2.committed_entries == [Entry(1, li + 1, EntryType.EntryNormal, "some data")]
    apps = by_to([m for m in rd2.messages if m.type is MT.MsgApp])
    assert [(m.to, m.commit) for m in apps] == [("2", li + 1), ("3", li + 1)]


@pytest.mark.parametrize(
    ("size", "acceptors", "committed"),
    [
        # raft_paper_test.go TestLeaderAcknowledgeCommit
        (1, set(), True),
        (3, set(), False),
        (3, {"2"}, True),
        (3, {"2", "3"}, True),
        (5, set(), False),
        (5, {"2"}, False),
        (5, {"2", "3"}, True),
        (5, {"2", "3", "4"}, True),
        (5, {"2", "3", "4", "5"}, True),
    ],
)
def test_5_3_entry_committed_once_on_majority(
    size: int, acceptors: set[str], committed: bool
) -> None:
    """§5.3: an entry is committed once the leader replicated it on a majority."""
    st = Storage()
    node = new_node("1", ids(size), storage=st)
    commit_noop(node, make_leader(node, st), st)
    li = node.last_index
    node.propose("some data")
    rd = node.ready()
    st.save_ready(rd)
    node.advance(rd)
    for m in rd.messages:
        if m.to in acceptors:
            node.step(accept_and_reply(m))
    assert (node.commit > li) is committed


@pytest.mark.parametrize("prior_terms", [[], [2], [1, 2], [1]])
def test_5_3_committing_entry_commits_all_preceding_entries(prior_terms: list[int]) -> None:
    """§5.3: committing an entry commits all preceding entries, including entries of
    previous leaders, and they are applied in log order (TestLeaderCommitPrecedingEntries)."""
    st = storage_with(prior_terms, term=2)
    node = new_node("1", IDS3, storage=st)
    msgs = make_leader(node, st)  # term 3
    node.propose("some data")
    msgs += drain(node, st)
    applied = replicate_all(node, msgs, st)
    li = len(prior_terms)
    assert applied == [Entry(t, i) for i, t in enumerate(prior_terms, 1)] + [
        Entry(3, li + 1),
        Entry(3, li + 2, EntryType.EntryNormal, "some data"),
    ]


@pytest.mark.parametrize(
    ("terms", "commit"),
    [([1], 1), ([1, 1], 2), ([1, 1], 1)],
)
def test_5_3_follower_applies_entries_the_leader_committed(terms: list[int], commit: int) -> None:
    """§5.3: once a follower learns an entry is committed it applies it, in log order."""
    st = storage_with([], term=1)
    node = new_node("1", IDS3, storage=st)
    ents = tuple(Entry(t, i, EntryType.EntryNormal, f"d{i}") for i, t in enumerate(terms, 1))
    node.step(Message(MT.MsgApp, from_="2", to="1", term=1, entries=ents, commit=commit))
    rd = node.ready()
    assert node.commit == commit
    assert rd.committed_entries == list(ents[:commit])


@pytest.mark.parametrize(
    ("log_term", "index", "want_index", "reject", "hint", "hint_term"),
    [
        # raft_paper_test.go TestFollowerCheckMsgApp; follower log terms [1, 2], commit 1
        (0, 0, 1, False, 0, 0),  # below commit: answer with the commit index
        (1, 1, 1, False, 0, 0),  # matches a committed entry
        (2, 2, 2, False, 0, 0),  # matches an uncommitted entry
        (1, 2, 2, True, 1, 1),  # term mismatch at index 2
        (3, 3, 3, True, 2, 2),  # no entry at index 3
    ],
)
def test_5_3_follower_consistency_check(
    log_term: int, index: int, want_index: int, reject: bool, hint: int, hint_term: int
) -> None:
    """§5.3: a follower refuses AppendEntries unless its log has an entry at prevLogIndex
    with prevLogTerm; the refusal carries etcd's backtracking hint."""
    st = storage_with([1, 2], term=2, commit=1)
    node = new_node("1", IDS3, storage=st)
    node.step(Message(MT.MsgApp, from_="2", to="1", term=2, log_term=log_term, index=index))
    assert drain(node, st) == [
        Message(
            MT.MsgAppResp,
            from_="1",
            to="2",
            term=2,
            index=want_index,
            reject=reject,
            reject_hint=hint,
            log_term=hint_term,
        )
    ]


@pytest.mark.parametrize(
    ("index", "term", "ents", "want", "unstable"),
    [
        # raft_paper_test.go TestFollowerAppendEntries; follower log terms [1, 2]
        (2, 2, [(3, 3)], [1, 2, 3], [3]),
        (1, 1, [(2, 3), (3, 4)], [1, 3, 4], [3, 4]),
        (0, 0, [(1, 1)], [1, 2], []),
        (0, 0, [(1, 3)], [3], [3]),
    ],
)
def test_5_3_follower_deletes_conflicts_and_appends_new_entries(
    index: int, term: int, ents: list[tuple[int, int]], want: list[int], unstable: list[int]
) -> None:
    """§5.3: on a conflict (same index, different term) the follower deletes the entry
    and all that follow it, appends new entries, and writes them to stable storage."""
    st = storage_with([1, 2], term=2)
    node = new_node("1", IDS3, storage=st)
    m_ents = tuple(Entry(t, i) for i, t in ents)
    node.step(
        Message(MT.MsgApp, from_="2", to="1", term=2, log_term=term, index=index, entries=m_ents)
    )
    assert terms_of(node.log_entries()) == want
    assert terms_of(node.ready().entries) == unstable


FIG7_LEADER = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
FIG7_FOLLOWERS = {
    "a": [1, 1, 1, 4, 4, 5, 5, 6, 6],
    "b": [1, 1, 1, 4],
    "c": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    "d": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    "e": [1, 1, 1, 4, 4, 4, 4],
    "f": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
}


@pytest.mark.parametrize("case", sorted(FIG7_FOLLOWERS))
def test_5_3_figure_7_leader_brings_any_follower_log_into_consistency(case: str) -> None:
    """§5.3 Figure 7: whatever a follower's log looks like (missing entries, extra
    uncommitted entries, both), the leader forces it to duplicate its own."""
    net = Network(IDS3)
    net.members["1"].storage = storage_with(FIG7_LEADER, term=8, commit=len(FIG7_LEADER))
    net.members["2"].storage = storage_with(FIG7_FOLLOWERS[case], term=7)
    net.restart("1")
    net.restart("2")
    net.crash("3")  # a black hole, as etcd's nopStepper
    net.campaign("1")
    net.send(Message(MT.MsgVoteResp, from_="3", to="1", term=9))  # the third vote
    assert net.node("1").state is StateType.StateLeader
    assert net.propose("1", "x")
    lead, follower = net.node("1").log_entries(), net.node("2").log_entries()
    assert terms_of(lead) == [*FIG7_LEADER, 9, 9]
    assert follower == lead


def test_5_3_leader_never_overwrites_or_deletes_its_entries() -> None:
    """§5.3 / Fig. 3 Leader Append-Only: stale AppendEntries and rejections never change
    the leader's log; it only appends."""
    st = storage_with([1, 1], term=1)
    node = new_node("1", IDS3, storage=st)
    make_leader(node, st)  # term 2, appends (2, 3)
    before = node.log_entries()
    node.step(Message(MT.MsgApp, from_="2", to="1", term=1, entries=(Entry(1, 2), Entry(1, 3))))
    node.step(Message(MT.MsgAppResp, from_="2", to="1", term=2, index=3, reject=True))
    drain(node, st)
    assert node.log_entries() == before
    node.propose("x")
    assert node.log_entries()[:-1] == before


def test_5_3_heartbeat_carries_commit_bounded_by_follower_match() -> None:
    """§5.3: followers learn the commit index from the leader; etcd's heartbeat sends
    min(match, commit) so a follower is never told to commit entries it lacks."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    msgs = make_leader(node, st)
    for m in msgs:
        if m.to == "2":
            node.step(accept_and_reply(m))  # only follower 2 has the empty entry
    drain(node, st)
    assert node.commit == 1
    node.tick()
    beats = {m.to: m.commit for m in drain(node, st) if m.type is MT.MsgHeartbeat}
    assert beats == {"2": 1, "3": 0}
    follower = new_node("2", IDS3, storage=storage_with([1], term=1))
    follower.step(Message(MT.MsgHeartbeat, from_="1", to="2", term=1, commit=1))
    assert follower.commit == 1


def test_5_3_leader_acknowledges_its_own_entry_only_after_persisting_it() -> None:
    """§5.3 + Fig. 2: the leader counts itself towards a majority only for entries on its
    stable storage (etcd steps its own MsgAppResp at advance, after the write)."""
    node = new_node("1", ("1",))
    make_leader(node)
    c = node.commit
    node.propose("x")
    rd = node.ready()
    assert rd.entries[-1].data == "x" and rd.committed_entries == []
    assert node.commit == c
    node.advance(rd)
    assert node.commit == c + 1


# --------------------------------------------------------------------------- §5.4.1


@pytest.mark.parametrize(("terms", "want_term"), [([1], 2), ([1, 2], 3)])
def test_5_4_1_vote_request_carries_last_log_index_and_term(
    terms: list[int], want_term: int
) -> None:
    """§5.4.1: RequestVote includes the candidate's last log index and term (TestVoteRequest)."""
    node = new_node("1", IDS3)
    ents = tuple(Entry(t, i) for i, t in enumerate(terms, 1))
    node.step(Message(MT.MsgApp, from_="2", to="1", term=want_term - 1, entries=ents))
    drain(node)
    for _ in range(2 * ET - 1):
        node.tick()
    votes = by_to([m for m in drain(node) if m.type is MT.MsgVote])
    assert [(m.to, m.term, m.index, m.log_term) for m in votes] == [
        ("2", want_term, len(terms), terms[-1]),
        ("3", want_term, len(terms), terms[-1]),
    ]


@pytest.mark.parametrize(
    ("terms", "cand_log_term", "cand_index", "reject"),
    [
        # raft_paper_test.go TestVoter
        ([1], 1, 1, False),
        ([1], 1, 2, False),
        ([1, 1], 1, 1, True),
        ([1], 2, 1, False),
        ([1], 2, 2, False),
        ([1, 1], 2, 1, False),
        ([2], 1, 1, True),
        ([2], 1, 2, True),
        ([2, 2], 1, 1, True),
        ([1, 1], 1, 1, True),
    ],
)
def test_5_4_1_voter_denies_vote_to_less_up_to_date_log(
    terms: list[int], cand_log_term: int, cand_index: int, reject: bool
) -> None:
    """§5.4.1 election restriction: later last term wins; equal last terms, the longer log."""
    st = storage_with(terms)
    node = new_node("1", ("1", "2"), storage=st)
    node.step(
        Message(MT.MsgVote, from_="2", to="1", term=3, log_term=cand_log_term, index=cand_index)
    )
    msgs = drain(node, st)
    assert [(m.type, m.reject) for m in msgs] == [(MT.MsgVoteResp, reject)]


def test_5_4_1_server_missing_committed_entries_cannot_win() -> None:
    """§5.4.1: a candidate must have every committed entry to win, since a majority that
    stores them refuses to vote for it."""
    net = Network(IDS3)
    net.campaign("1")
    net.isolate("3")
    for i in range(3):
        assert net.propose("1", i)
    committed = net.node("1").commit
    net.crash("1")
    net.heal()
    net.campaign("3")
    assert net.node("3").state is not StateType.StateLeader
    net.campaign("2")
    assert net.node("2").state is StateType.StateLeader
    assert net.node("2").last_index >= committed


# --------------------------------------------------------------------------- §5.4.2


@pytest.mark.parametrize(("ack_index", "want_commit"), [(1, 0), (2, 0), (3, 3)])
def test_5_4_2_only_current_term_entries_commit_by_counting_replicas(
    ack_index: int, want_commit: int
) -> None:
    """§5.4.2: entries of earlier terms are not committed by counting replicas; only an
    entry of the leader's term is (TestLeaderOnlyCommitsLogFromCurrentTerm)."""
    st = storage_with([1, 2], term=2)
    node = new_node("1", ("1", "2"), storage=st)
    make_leader(node, st)  # term 3, empty entry at index 3
    node.step(Message(MT.MsgAppResp, from_="2", to="1", term=3, index=ack_index))
    drain(node, st)
    assert node.commit == want_commit


def _figure_8_state_c() -> Network:
    """Drive five servers to Figure 8 (c): S1 (leader again) has replicated its old-term
    entry at index 2 on a majority, but nothing of its current term."""
    # One entry per MsgApp so replication can be stopped between two entries.
    net = Network(ids(5), max_size_per_msg=1)
    # (a) S1 leads term 1; its entry "x" (index 2) reaches only S2.
    net.campaign("1")
    net.partition(["1", "2"], ["3", "4", "5"])
    assert net.propose("1", "x")
    assert net.node("2").last_index == 2 and net.node("3").last_index == 1
    # (b) S1 crashes; S5 is elected for term 2 by S3, S4 and itself and appends an entry
    # (its empty entry) at index 2, which goes nowhere before S5 crashes.
    net.crash("1")
    net.heal()
    net.filters.append(lambda m: m.from_ == "5" and m.type is MT.MsgApp)
    net.campaign("5")
    assert net.node("5").state is StateType.StateLeader and net.node("5").term == 2
    net.crash("5")
    net.heal()
    # (c) S1 restarts and is elected (term 3 after losing the term-2 round to S3/S4's
    # earlier votes); it copies index 2 to S3 and S4, but the network loses exactly the
    # messages that would have delivered its own term-3 entry at index 3.
    net.restart("1")

    def delivers_term_3_entry(m: Message) -> bool:
        if m.from_ != "1" or not any(e.term == 3 for e in m.entries):
            return False
        receiver = net.members[m.to].node
        return receiver is not None and receiver.term_at(m.index) == m.log_term

    net.filters.append(delivers_term_3_entry)
    elect(net, "1")
    assert net.node("1").term == 3
    return net


def test_5_4_2_figure_8_old_term_entry_on_majority_is_not_committed() -> None:
    """§5.4.2 Figure 8 (c)-(d): an entry from an earlier term stored on a majority can
    still be overwritten by a future leader, so the leader must not commit it by
    counting replicas."""
    net = _figure_8_state_c()
    s1 = net.node("1")
    holders = [i for i in ids(5) if i != "5" and net.node(i).term_at(2) == 1]
    assert holders == ["1", "2", "3", "4"]  # a majority stores index 2 from term 1 ...
    assert s1.commit == 1  # ... and it is not committed
    # (d) S1 crashes; S5 returns and wins with S2, S3, S4 (its last term 2 beats their 1)
    net.crash("1")
    net.heal()
    net.restart("5")
    elect(net, "5")
    # and replaces index 2 everywhere: "x" was never committed, so no harm done.
    for i in ("2", "3", "4", "5"):
        assert net.node(i).term_at(2) == 2
        assert "x" not in net.applied_data(i)


def test_5_4_2_figure_8_current_term_entry_commits_earlier_ones() -> None:
    """§5.4.2 Figure 8 (e): once S1 replicates an entry of its own term on a majority,
    that entry and the earlier-term entry before it are committed, and S5 can no longer
    win an election."""
    net = _figure_8_state_c()
    net.filters.clear()
    net.tick_all(3)  # heartbeats let S1 resume replication to S2, S3, S4
    s1 = net.node("1")
    assert s1.commit == 3
    assert s1.term_at(2) == 1 and "x" in net.applied_data("1")
    net.crash("1")
    net.restart("5")
    for _ in range(3):
        net.campaign("5")
        assert net.node("5").state is not StateType.StateLeader


# --------------------------------------------------------------------------- §5.4.3


def test_5_4_3_every_new_leader_holds_all_committed_entries() -> None:
    """§5.4.3 Leader Completeness: across leader changes, each new leader's log contains
    every entry committed before."""
    net = Network(ids(5), seed=5)
    net.campaign("1")
    rounds = [("1", "2"), ("2", "3"), ("3", "1")]
    for old, new in rounds:
        # Commit with {1, 2, 3} while 4 and 5 are cut off, then lose the leader.
        net.partition(["1", "2", "3"], ["4", "5"])
        net.tick_all(1)  # a heartbeat brings a restarted member back in
        for i in range(3):
            assert net.propose(old, f"{old}-{i}")
        n = net.node(old)
        assert n.commit == n.last_index
        committed = n.log_entries()
        net.crash(old)
        net.heal()
        for stale in ("4", "5"):  # the members missing committed entries cannot win
            net.campaign(stale)
            assert net.node(stale).state is not StateType.StateLeader
        elect(net, new)
        log = {e.index: e for e in net.node(new).log_entries()}
        assert all(log[e.index] == e for e in committed)
        net.restart(old)
        net.stabilize()


# --------------------------------------------------------------------------- §5.5


def test_5_5_append_entries_is_idempotent() -> None:
    """§5.5: RPCs are idempotent — a duplicated AppendEntries changes nothing."""
    st = storage_with([], term=1)
    node = new_node("1", IDS3, storage=st)
    m = Message(MT.MsgApp, from_="2", to="1", term=1, entries=(Entry(1, 1), Entry(1, 2)), commit=1)
    node.step(m)
    first = drain(node, st)
    log = node.log_entries()
    node.step(m)
    again = drain(node, st)
    assert node.log_entries() == log
    assert first == [Message(MT.MsgAppResp, from_="1", to="2", term=1, index=2)]
    # raft.go handleAppendEntries: prevIndex 0 is below the commit index (1) now, so the
    # copy is answered with the commit index — an older, harmless acknowledgement.
    assert again == [Message(MT.MsgAppResp, from_="1", to="2", term=1, index=1)]


# --------------------------------------------------------------------------- §6


def test_6_add_node_changes_the_majority() -> None:
    """§6 (single-server change, thesis §4.1): after AddNode the new member counts and a
    majority of four is three."""
    net = Network(IDS3)
    net.campaign("1")
    net.add_member("4", [*IDS3, "4"])
    net.node("1").propose_conf_change(ConfChange("AddNode", "4"))
    net.stabilize()
    assert all(net.node(i).voters == ("1", "2", "3", "4") for i in ids(4))
    assert net.node("4").log_entries() == net.node("1").log_entries()  # caught up
    net.partition(["1", "4"], ["2", "3"])
    before = net.node("1").commit
    assert net.propose("1", "needs-3-of-4")
    assert net.node("1").commit == before  # leader + new member are not a majority


def test_6_remove_node_changes_the_majority() -> None:
    """§6: after RemoveNode the quorum is computed over the remaining members."""
    net = Network(IDS3)
    net.campaign("1")
    net.node("1").propose_conf_change(ConfChange("RemoveNode", "3"))
    net.stabilize()
    assert net.node("1").voters == ("1", "2")
    net.crash("3")
    assert net.propose("1", "a")
    assert "a" in net.applied_data("2")
    net.isolate("2")
    before = net.node("1").commit
    assert net.propose("1", "b")
    assert net.node("1").commit == before  # one of two is not a majority


def test_6_only_one_conf_change_may_be_pending() -> None:
    """§6 / raft.go pendingConfIndex: while a conf change is unapplied, a second one is
    replaced by an empty entry (single-server changes must not overlap)."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    commit_noop(node, make_leader(node, st), st)
    node.propose_conf_change(ConfChange("AddNode", "4"))
    node.propose_conf_change(ConfChange("AddNode", "5"))
    first, second = node.log_entries()[-2:]
    assert first.type is EntryType.EntryConfChange and first.data == ConfChange("AddNode", "4")
    assert second.type is EntryType.EntryNormal and second.data is None


def test_6_new_leader_accepts_no_conf_change_before_applying_its_log() -> None:
    """§6 (thesis §4.1 bug fix, raft.go becomeLeader): a new leader may hold an
    uncommitted conf change from a previous term, so it refuses new ones until its log
    up to the election is applied."""
    st = storage_with([1, 1], term=1)
    node = new_node("1", IDS3, storage=st)
    msgs = make_leader(node, st)
    node.propose_conf_change(ConfChange("AddNode", "4"))
    assert node.log_entries()[-1].type is EntryType.EntryNormal
    replicate_all(node, msgs, st)
    assert node.applied == node.last_index
    node.propose_conf_change(ConfChange("AddNode", "4"))
    assert node.log_entries()[-1].type is EntryType.EntryConfChange


def test_6_removed_leader_steps_down() -> None:
    """§6: a leader removed from the configuration steps down once the change is
    applied, and no longer campaigns (it is not a voter)."""
    net = Network(IDS3)
    net.campaign("1")
    net.node("1").propose_conf_change(ConfChange("RemoveNode", "1"))
    net.stabilize()
    old = net.node("1")
    assert old.state is StateType.StateFollower
    assert old.voters == ("2", "3")
    with pytest.raises(ProposalDropped):
        old.propose("x")  # no leader known
    net.tick_all(3 * ET)
    assert old.state is StateType.StateFollower
    assert net.leader() in ("2", "3")


def test_6_committed_unapplied_conf_change_blocks_campaign() -> None:
    """§6 / raft.go hup: a member does not campaign while a committed conf change is not
    yet applied (TestConfChangeCheckBeforeCampaign)."""
    st = Storage()
    st.append([Entry(1, 1), Entry(1, 2, EntryType.EntryConfChange, ConfChange("AddNode", "4"))])
    st.set_hard_state(HardState(term=1, commit=2))
    node = new_node("1", IDS3, storage=st)
    node.campaign()
    assert node.state is StateType.StateFollower and node.term == 1
    rd = node.ready()
    for e in rd.committed_entries:
        if e.type is EntryType.EntryConfChange:
            node.apply_conf_change(e.data)
    node.advance(rd)
    node.campaign()
    assert role(node) is StateType.StateCandidate and node.term == 2


# --------------------------------------------------------------------------- §7


def test_7_follower_installs_snapshot() -> None:
    """§7 InstallSnapshot: the follower discards its log, keeps the snapshot, and reports
    the new last index once the snapshot is persisted."""
    st = storage_with([1, 1], term=2)
    node = new_node("1", IDS3, storage=st)
    snap = Snapshot(index=11, term=2, voters=IDS3, data="image")
    node.step(Message(MT.MsgSnap, from_="2", to="1", term=2, snapshot=snap))
    assert node.last_index == 11 and node.commit == 11 and node.log_entries() == []
    rd = node.ready()
    assert rd.snapshot == snap and rd.committed_entries == []
    assert rd.messages == [Message(MT.MsgAppResp, from_="1", to="2", term=2, index=11)]
    st.save_ready(rd)
    node.advance(rd)
    assert node.applied == 11
    assert st.snapshot == snap and st.first_index() == 12


def test_7_snapshot_older_than_commit_is_ignored() -> None:
    """§7: a snapshot describing a prefix the follower already committed is ignored
    (raft.go restore; TestRestoreIgnoreSnapshot)."""
    st = storage_with([1, 1, 1], term=1, commit=3)
    node = new_node("1", IDS3, storage=st)
    snap = Snapshot(index=2, term=1, voters=IDS3)
    node.step(Message(MT.MsgSnap, from_="2", to="1", term=1, snapshot=snap))
    assert len(node.log_entries()) == 3
    assert drain(node, st)[-1] == Message(MT.MsgAppResp, from_="1", to="2", term=1, index=3)


def test_7_snapshot_of_known_prefix_keeps_following_entries() -> None:
    """§7: if the follower already has the snapshot's last entry, it retains the entries
    after it (etcd: only the commit index moves)."""
    st = storage_with([1, 1, 1, 1], term=1, commit=1)
    node = new_node("1", IDS3, storage=st)
    node.step(Message(MT.MsgSnap, from_="2", to="1", term=1, snapshot=Snapshot(3, 1, IDS3)))
    assert node.commit == 3
    assert terms_of(node.log_entries()) == [1, 1, 1, 1]


def test_7_leader_sends_snapshot_when_needed_entries_are_compacted() -> None:
    """§7: a leader that discarded entries a follower needs sends InstallSnapshot."""
    net = Network(IDS3)
    net.campaign("1")
    net.isolate("3")
    for i in range(5):
        assert net.propose("1", i)
    net.compact("1")
    assert net.node("1").first_index == net.node("1").commit + 1
    net.heal()
    sent: list[Message] = []

    def spy(m: Message) -> bool:
        sent.append(m)
        return False

    net.filters.append(spy)
    net.tick_all(2)
    assert any(m.type is MT.MsgSnap and m.to == "3" for m in sent)
    assert net.node("3").snapshot.index == net.node("1").snapshot.index
    assert net.applied_data("3") == [0, 1, 2, 3, 4]


# --------------------------------------------------------------------------- §8


def test_8_leader_appends_empty_entry_on_election() -> None:
    """§8: a new leader commits a blank no-op entry at the start of its term."""
    st = storage_with([1, 1], term=1)
    node = new_node("1", IDS3, storage=st)
    msgs = make_leader(node, st)
    assert node.log_entries()[-1] == Entry(2, 3, EntryType.EntryNormal, None)
    assert {m.to for m in msgs if m.type is MT.MsgApp and m.entries[-1].index == 3} == {"2", "3"}


def test_8_read_index_is_served_after_a_heartbeat_quorum() -> None:
    """§8 (thesis §6.4 ReadIndex): the leader records its commit index, confirms it is
    still leader with a heartbeat round acknowledged by a majority, then serves."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    commit_noop(node, make_leader(node, st), st)
    node.read_index("req-1")
    rd = node.ready()
    st.save_ready(rd)
    node.advance(rd)
    assert rd.read_states == []
    beats = [m for m in rd.messages if m.type is MT.MsgHeartbeat]
    assert {m.to for m in beats} == {"2", "3"}
    ctx = beats[0].context
    node.step(Message(MT.MsgHeartbeatResp, from_="2", to="1", term=1, context=ctx))
    assert node.ready().read_states == [ReadState(index=node.commit, request_ctx="req-1")]


def test_8_read_index_waits_for_commit_in_leaders_term() -> None:
    """§8: a new leader does not know the commit index until its no-op commits, so it
    holds ReadIndex requests until then (raft.go pendingReadIndexMessages)."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    msgs = make_leader(node, st)
    node.read_index("early")
    assert not any(m.type is MT.MsgHeartbeat for m in drain(node, st))
    node.step(accept_and_reply(next(m for m in msgs if m.to == "2")))
    beats = [m for m in drain(node, st) if m.type is MT.MsgHeartbeat]
    assert beats and beats[0].context is not None
    node.step(Message(MT.MsgHeartbeatResp, from_="2", to="1", term=1, context=beats[0].context))
    assert node.ready().read_states == [ReadState(index=1, request_ctx="early")]


def test_8_follower_read_index_is_forwarded_to_leader() -> None:
    """§8 (thesis §6.4.1): followers ask the leader for the read index."""
    net = Network(IDS3)
    net.campaign("1")
    assert net.propose("1", "a")
    states: list[ReadState] = []
    net.on_ready = lambda i, rd: states.extend(rd.read_states) if i == "3" else None
    net.node("3").read_index("r")
    net.stabilize()
    assert states == [ReadState(index=net.node("1").commit, request_ctx="r")]


def test_8_follower_forwards_proposals_and_drops_them_without_leader() -> None:
    """§8: clients may contact any server; etcd followers forward proposals to the
    leader, and drop them when no leader is known (ErrProposalDropped)."""
    lone = new_node("2", IDS3)
    with pytest.raises(ProposalDropped):
        lone.propose("x")
    net = Network(IDS3)
    net.campaign("1")
    assert net.propose("3", "via-follower")
    assert all("via-follower" in net.applied_data(i) for i in IDS3)


# --------------------------------------------------------------------------- etcd: PreVote


def test_prevote_does_not_disturb_terms() -> None:
    """thesis §9.6 PreVote: a pre-candidate keeps its term and asks for votes for term+1;
    a voter grants a pre-vote without changing its own term or vote."""
    node = new_node("1", IDS3, pre_vote=True)
    node.campaign()
    msgs = drain(node)
    assert node.state is StateType.StatePreCandidate and node.term == 0
    assert {(m.type, m.to, m.term) for m in msgs} == {
        (MT.MsgPreVote, "2", 1),
        (MT.MsgPreVote, "3", 1),
    }
    st = storage_with([], term=0)
    voter = new_node("2", IDS3, storage=st, pre_vote=True)
    voter.step(msgs[0] if msgs[0].to == "2" else msgs[1])
    assert drain(voter, st) == [Message(MT.MsgPreVoteResp, from_="2", to="1", term=1)]
    assert (voter.term, voter.vote) == (0, "")


def test_prevote_majority_starts_real_election() -> None:
    """PreVote: after a majority of pre-votes the node becomes a candidate at term+1."""
    node = new_node("1", IDS3, pre_vote=True)
    node.campaign()
    drain(node)
    node.step(Message(MT.MsgPreVoteResp, from_="2", to="1", term=1))
    msgs = drain(node)
    assert node.state is StateType.StateCandidate and node.term == 1
    assert {(m.type, m.to) for m in msgs} == {(MT.MsgVote, "2"), (MT.MsgVote, "3")}


def test_prevote_rejected_for_stale_log_and_term() -> None:
    """PreVote: pre-votes follow the election restriction; a pre-vote with a term lower
    than ours is rejected with our term (raft.go Step)."""
    st = storage_with([2], term=2)
    voter = new_node("2", IDS3, storage=st, pre_vote=True)
    voter.step(Message(MT.MsgPreVote, from_="1", to="2", term=3, log_term=1, index=5))
    voter.step(Message(MT.MsgPreVote, from_="3", to="2", term=1, log_term=2, index=1))
    assert drain(voter, st) == [
        Message(MT.MsgPreVoteResp, from_="2", to="1", term=2, reject=True),
        Message(MT.MsgPreVoteResp, from_="2", to="3", term=2, reject=True),
    ]
    assert voter.term == 2


# --------------------------------------------------------------------------- etcd: CheckQuorum


def test_check_quorum_leader_steps_down_without_majority_contact() -> None:
    """thesis §6.2 CheckQuorum: a leader that has not heard from a majority for an
    election timeout steps down."""
    net = Network(IDS3, check_quorum=True)
    net.campaign("1")
    net.isolate("1")
    net.tick("1", ET)  # the first check covers the window in which it won the election
    assert net.node("1").state is StateType.StateLeader
    net.tick("1", ET)  # a whole window with no response from anyone
    assert net.node("1").state is StateType.StateFollower


def test_check_quorum_lease_ignores_disruptive_vote_requests() -> None:
    """thesis §4.2.3: a follower that heard from a leader within the election timeout
    ignores a higher-term vote request, unless it is part of a leadership transfer."""
    st = storage_with([], term=1)
    node = new_node("2", IDS3, storage=st, check_quorum=True)
    node.step(Message(MT.MsgHeartbeat, from_="1", to="2", term=1))
    drain(node, st)
    node.step(Message(MT.MsgVote, from_="3", to="2", term=5))
    assert node.term == 1 and drain(node, st) == []
    node.step(Message(MT.MsgVote, from_="3", to="2", term=5, context="CampaignTransfer"))
    assert node.term == 5 and node.vote == "3"


# --------------------------------------------------------------------------- etcd: transfer


def test_leader_transfer_sends_timeout_now_to_up_to_date_transferee() -> None:
    """thesis §3.10: the leader stops accepting proposals, makes sure the target is up to
    date, then sends TimeoutNow so it campaigns at once."""
    st = Storage()
    node = new_node("1", IDS3, storage=st)
    commit_noop(node, make_leader(node, st), st)
    node.transfer_leader("2")
    assert drain(node, st) == [Message(MT.MsgTimeoutNow, from_="1", to="2", term=1)]
    with pytest.raises(ProposalDropped):
        node.propose("x")
