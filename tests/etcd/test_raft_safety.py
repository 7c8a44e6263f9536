"""Randomized safety tests: Raft's guarantees (paper Figure 3) under hostile conditions.

Each run drives a 3- or 5-member cluster through a few hundred random events — ticks,
message delivery in random order, loss, duplication, partitions, crashes and restarts
from storage, proposals, compaction, leadership transfers, membership changes and
ReadIndex requests — and checks after every event:

* Election Safety: at most one leader per term, over the whole run;
* Leader Append-Only: a leader never overwrites or deletes its entries;
* Log Matching: entries with the same index and term are identical, and so are the
  logs before them (checked inductively on every persisted entry, and pairwise at the end);
* Leader Completeness: every leader holds all entries committed in earlier terms;
* State Machine Safety: no two members apply different entries at one index;
* committed entries stay committed, and ReadIndex never returns an index older than a
  commit that happened before the read was issued.

The number of runs is 1,000; ``KUBELAB_RAFT_SAFETY_RUNS`` overrides it.
"""

from __future__ import annotations

import contextlib
import os
import random
from typing import Any

import pytest
from raft_harness import MT, Network

from kubelab.etcd.raft import (
    ConfChange,
    Entry,
    EntryType,
    ProposalDropped,
    Ready,
    StateType,
)

RUNS = int(os.environ.get("KUBELAB_RAFT_SAFETY_RUNS", "1000"))
STEPS = 500
CHUNKS = 10  # the runs are split over a few test items so progress is visible

_LEADER = StateType.StateLeader


class SafetyViolation(AssertionError):
    """A Raft invariant was broken."""


class Checker:
    """Watches a Network and checks the Figure 3 properties incrementally."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.leader_of_term: dict[int, str] = {}
        # (index, term) -> (type, data, term of the previous entry): Log Matching by induction.
        self.entry_ids: dict[tuple[int, int], tuple[EntryType, Any, int]] = {}
        self.committed: dict[int, Entry] = {}
        self.commit_term: dict[int, int] = {}
        self.max_committed = 0
        self.applied: dict[int, Entry] = {}
        self.seen_commit: dict[str, int] = {}
        self.leader_log: dict[tuple[str, int], tuple[int, int]] = {}
        self.read_floor: dict[int, int] = {}
        self.reads_served = 0
        net.on_ready = self.on_ready
        net.on_apply = self.on_apply
        net.on_restart = self.on_restart

    def fail(self, what: str) -> None:
        raise SafetyViolation(what)

    # --- hooks --------------------------------------------------------------------

    def on_ready(self, node_id: str, rd: Ready) -> None:
        storage = self.net.members[node_id].storage
        if rd.snapshot is not None:
            s = rd.snapshot
            known = self.committed.get(s.index)
            if known is not None and known.term != s.term:
                self.fail(f"{node_id} installed snapshot {s.index}/{s.term} over committed {known}")
            if (s.index, s.term) not in self.entry_ids:
                self.fail(f"snapshot {s.index}/{s.term} of an entry nobody persisted")
            for e in s.data:
                self._check_applied(node_id, e)
        for e in rd.entries:
            prev = storage.term(e.index - 1)
            key = (e.index, e.term)
            val = (e.type, e.data, prev)
            old = self.entry_ids.setdefault(key, val)
            if old != val:
                self.fail(f"Log Matching: {node_id} persisted {e} after term {prev}, seen {old}")
        node = self.net.node(node_id)
        if node.state is _LEADER and rd.entries:
            li_lt = self.leader_log.get((node_id, node.term))
            if li_lt is not None and rd.entries[0].index <= li_lt[0]:
                self.fail(f"Leader Append-Only: leader {node_id} rewrote from {rd.entries[0]}")
        for rs in rd.read_states:
            floor = self.read_floor.get(rs.request_ctx, 0)
            if rs.index < floor:
                self.fail(f"ReadIndex {rs.index} < commit {floor} before the read was issued")
            self.reads_served += 1

    def _check_applied(self, node_id: str, e: Entry) -> None:
        old = self.applied.setdefault(e.index, e)
        if old != e:
            self.fail(f"State Machine Safety: {node_id} applied {e}, another applied {old}")

    def on_apply(self, node_id: str, e: Entry) -> None:
        applied = self.net.members[node_id].applied
        if len(applied) != e.index:
            self.fail(f"{node_id} applied index {e.index} out of order (had {len(applied) - 1})")
        self._check_applied(node_id, e)
        known = self.committed.get(e.index)
        if known is not None and known != e:
            self.fail(f"{node_id} applied {e} but {known} is committed there")

    def on_restart(self, node_id: str) -> None:
        node = self.net.node(node_id)
        for i in range(node.first_index, node.commit + 1):
            e = node.entry_at(i)
            known = self.committed.get(i)
            if known is not None and e != known:
                self.fail(f"{node_id} lost committed entry {known} across a restart ({e})")
        self.seen_commit[node_id] = node.commit

    # --- after every event --------------------------------------------------------

    def after_step(self) -> None:
        nodes = [m.node for m in self.net.members.values() if m.node is not None]
        leaders = [n for n in nodes if n.state is _LEADER]
        for node in leaders:
            term, i = node.term, node.id
            holder = self.leader_of_term.setdefault(term, i)
            if holder != i:
                self.fail(f"Election Safety: {holder} and {i} both lead term {term}")
            key = (i, term)
            rec = self.leader_log.get(key)
            if rec is None:
                self._check_completeness(node)
            else:
                li, lt = rec
                if node.last_index < li:
                    self.fail(f"Leader Append-Only: leader {i} shrank its log below {li}")
                t = node.term_at(li)
                if t is not None and t != lt:
                    self.fail(f"Leader Append-Only: leader {i} changed entry {li}")
            li = node.last_index
            self.leader_log[key] = (li, node.term_at(li) or 0)
        seen = self.seen_commit
        for node in nodes:
            c = node.commit
            prev = seen.get(node.id, 0)
            if c > prev:
                seen[node.id] = c
                self._new_commits(node, prev, c, leaders)

    def _new_commits(self, node: Any, prev: int, c: int, leaders: list[Any]) -> None:
        """Committed entries stay committed; later leaders hold them (§5.4.3)."""
        for idx in range(max(prev + 1, node.first_index), c + 1):
            e = node.entry_at(idx)
            assert e is not None
            known = self.committed.get(idx)
            if known is None:
                self.committed[idx] = e
                self.commit_term[idx] = node.term
                for ld in leaders:
                    if ld.term > node.term and ld.entry_at(idx) not in (e, None):
                        self.fail(f"Leader Completeness: leader {ld.id} lacks {e}")
            elif known != e:
                self.fail(f"committed entry changed at {idx}: {known} -> {e} on {node.id}")
        if c > self.max_committed:
            self.max_committed = c

    def _check_completeness(self, node: Any) -> None:
        first = node.first_index
        for idx, e in self.committed.items():
            if self.commit_term[idx] < node.term and idx >= first and node.entry_at(idx) != e:
                self.fail(f"Leader Completeness: new leader {node.id} (term {node.term}) lacks {e}")

    def final_log_matching(self) -> None:
        """Pairwise Log Matching over every live member at the end of the run."""
        logs = {}
        for i in self.net.up():
            node = self.net.node(i)
            logs[i] = {e.index: e for e in node.log_entries()}
        ids = sorted(logs)
        for a_i, a in enumerate(ids):
            for b in ids[a_i + 1 :]:
                la, lb = logs[a], logs[b]
                common = sorted(set(la) & set(lb))
                match_upto = None
                for idx in reversed(common):
                    if la[idx].term == lb[idx].term:
                        match_upto = idx
                        break
                if match_upto is None:
                    continue
                for idx in common:
                    if idx > match_upto:
                        break
                    if la[idx] != lb[idx]:
                        self.fail(f"Log Matching: {a} and {b} differ at {idx} below {match_upto}")


def run_one(seed: int) -> tuple[int, int, int]:
    """One randomized run; returns (entries committed, terms with a leader, reads served)."""
    rng = random.Random(seed)
    size = 3 if rng.random() < 0.5 else 5
    ids = [str(i) for i in range(1, size + 1)]
    pre_vote = rng.random() < 0.6
    check_quorum = rng.random() < 0.6
    membership = rng.random() < 0.3
    net = Network(
        ids,
        seed=seed,
        pre_vote=pre_vote,
        check_quorum=check_quorum,
        election_tick=5,
        max_size_per_msg=rng.choice([1, 3, 64]),
        max_inflight_msgs=rng.choice([1, 4, 256]),
    )
    chk = Checker(net)
    counter = 0
    next_member = size + 1
    for _ in range(STEPS):
        r = rng.random()
        up = net.up()
        if r < 0.45:  # deliver a few messages, in random order, sometimes twice
            for _ in range(rng.randint(1, 6)):
                if not net.queue:
                    break
                k = rng.randrange(len(net.queue))
                net.deliver_at(k, duplicate=rng.random() < 0.05)
        elif r < 0.48:  # lose one
            if net.queue:
                net.drop_at(rng.randrange(len(net.queue)))
        elif r < 0.63:  # time passes for everyone
            for i in up:
                net.tick(i)
        elif r < 0.67:  # ... or for one member only (clock drift)
            if up:
                net.tick(rng.choice(up))
        elif r < 0.81:  # a client proposal, usually at the leader
            ld = net.leader()
            target = ld if ld is not None and rng.random() < 0.8 else None
            if target is None and up:
                target = rng.choice(up)
            if target is not None:
                counter += 1
                with contextlib.suppress(ProposalDropped):
                    net.node(target).propose(f"{seed}:{counter}")
                net.process_all()
        elif r < 0.825:  # crash someone, most often the leader
            ld = net.leader()
            if ld is not None and rng.random() < 0.6:
                net.crash(ld)
                if rng.random() < 0.5:  # before its last messages left the host
                    net.queue = [m for m in net.queue if m.from_ != ld]
            elif up:
                net.crash(rng.choice(up))
        elif r < 0.865:
            down = [i for i in net.ids if net.members[i].node is None]
            if down:
                net.restart(rng.choice(down))
        elif r < 0.88:
            members = list(net.ids)
            rng.shuffle(members)
            cut = rng.randrange(1, len(members))
            net.heal()
            net.partition(members[:cut], members[cut:])
        elif r < 0.91:
            net.heal()
        elif r < 0.93:
            if up:
                net.compact(rng.choice(up), catch_up_entries=rng.choice([0, 2]))
        elif r < 0.94:
            ld = net.leader()
            if ld is not None:
                net.node(ld).transfer_leader(rng.choice(net.ids))
                net.process_all()
        elif r < 0.97:
            if up:
                counter += 1
                chk.read_floor[counter] = chk.max_committed
                net.node(rng.choice(up)).read_index(counter)
                net.process_all()
        elif membership and r < 0.98:
            ld = net.leader()
            if ld is not None:
                voters = net.node(ld).voters
                if rng.random() < 0.5 and len(voters) > 2:
                    cc = ConfChange("RemoveNode", rng.choice(voters))
                else:
                    new_id = str(next_member)
                    next_member += 1
                    net.add_member(new_id, [*voters, new_id])
                    cc = ConfChange("AddNode", new_id)
                with contextlib.suppress(ProposalDropped):
                    net.node(ld).propose_conf_change(cc)
                net.process_all()
        chk.after_step()
    chk.final_log_matching()
    return chk.max_committed, len(chk.leader_of_term), chk.reads_served


def _seeds(chunk: int) -> range:
    per = -(-RUNS // CHUNKS)
    return range(chunk * per, min(RUNS, (chunk + 1) * per))


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_raft_safety_randomized(chunk: int) -> None:
    """Safety holds in every seeded run; the runs are not vacuous (they commit entries,
    elect many leaders and serve reads)."""
    seeds = _seeds(chunk)
    committed = terms = reads = 0
    for seed in seeds:
        try:
            c, t, r = run_one(seed)
        except SafetyViolation as e:
            raise AssertionError(f"seed {seed}: {e}") from e
        committed += c
        terms += t
        reads += r
    if len(seeds) >= 20:
        assert committed >= 5 * len(seeds)
        assert terms >= 2 * len(seeds)
        assert reads > 0


def test_checker_catches_a_broken_rule() -> None:
    """The checker is not vacuous: two leaders for one term are reported."""
    net = Network(["1", "2", "3"])
    chk = Checker(net)
    net.campaign("1")
    chk.after_step()
    chk.leader_of_term[net.node("1").term] = "2"
    with pytest.raises(SafetyViolation, match="Election Safety"):
        chk.after_step()
    assert MT.MsgApp.value == "MsgApp"
