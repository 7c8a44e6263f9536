"""A tiny deterministic in-memory network of RawNodes (like etcd raft_test.go ``network``).

Each member has a ``RawNode`` (gone while crashed), a ``Storage`` that survives crashes,
and a state machine that is simply the list of applied entries.  Messages wait in one
queue; tests deliver them in order (``stabilize``), or pick, drop, duplicate and reorder
them one by one.  Links can be cut, members isolated, crashed and restarted from their
storage.  Every Ready is handled the way a real driver must: persist, then send, then
apply, then advance.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from kubelab.etcd.raft import (
    ConfChange,
    Config,
    Entry,
    EntryType,
    HardState,
    Message,
    MessageType,
    ProposalDropped,
    RawNode,
    Ready,
    StateType,
    Storage,
)

MT = MessageType


def make_config(node_id: str, peers: Iterable[str], **kw: Any) -> Config:
    """A Config with etcd's defaults unless overridden."""
    return Config(id=node_id, peers=tuple(peers), **kw)


def new_node(
    node_id: str,
    peers: Iterable[str],
    *,
    seed: int = 0,
    storage: Storage | None = None,
    **kw: Any,
) -> RawNode:
    """A RawNode with its own seeded rng (defaults: no PreVote/CheckQuorum, like the paper)."""
    kw.setdefault("pre_vote", False)
    kw.setdefault("check_quorum", False)
    return RawNode(make_config(node_id, peers, **kw), random.Random(f"{seed}/{node_id}"), storage)


def storage_with(
    terms: Iterable[int], *, term: int = 0, vote: str = "", commit: int = 0
) -> Storage:
    """A Storage holding entries at indexes 1.. with the given terms, and a hard state."""
    st = Storage()
    ents = [Entry(t, i) for i, t in enumerate(terms, 1)]
    if ents:
        st.append(ents)
    st.set_hard_state(HardState(term=term, vote=vote, commit=commit))
    return st


def accept_and_reply(m: Message) -> Message:
    """A follower's acceptance of MsgApp ``m`` (etcd raft_paper_test.go acceptAndReply)."""
    assert m.type is MT.MsgApp
    return Message(
        MT.MsgAppResp, from_=m.to, to=m.from_, term=m.term, index=m.index + len(m.entries)
    )


def commit_noop(node: RawNode, msgs: list[Message], storage: Storage | None = None) -> None:
    """Acknowledge the new leader's MsgApps so its empty entry commits (commitNoopEntry)."""
    for m in msgs:
        if m.type is MT.MsgApp:
            node.step(accept_and_reply(m))
    drain(node, storage)


def role(node: RawNode) -> StateType:
    """The member's current role (a call, so type checkers do not carry over narrowing)."""
    return node.state


def terms_of(entries: Iterable[Entry]) -> list[int]:
    """Terms of a run of entries, in order."""
    return [e.term for e in entries]


def drain(node: RawNode, storage: Storage | None = None) -> list[Message]:
    """Handle every pending Ready of a lone node; return the messages it would send."""
    out: list[Message] = []
    while node.has_ready():
        rd = node.ready()
        if storage is not None:
            storage.save_ready(rd)
        out.extend(rd.messages)
        node.advance(rd)
    return out


def drain_readys(node: RawNode, storage: Storage | None = None) -> list[Ready]:
    """Like ``drain`` but return the Readys themselves."""
    out: list[Ready] = []
    while node.has_ready():
        rd = node.ready()
        if storage is not None:
            storage.save_ready(rd)
        out.append(rd)
        node.advance(rd)
    return out


def replicate_all(
    node: RawNode, msgs: list[Message], storage: Storage | None = None
) -> list[Entry]:
    """Let every follower accept every MsgApp until quiet; return the leader's committed entries."""
    committed: list[Entry] = []
    pending = list(msgs)
    while True:
        apps = [m for m in pending if m.type is MT.MsgApp]
        if not apps and not node.has_ready():
            return committed
        for m in apps:
            node.step(accept_and_reply(m))
        pending = []
        for rd in drain_readys(node, storage):
            committed.extend(rd.committed_entries)
            pending.extend(rd.messages)


def make_leader(node: RawNode, storage: Storage | None = None) -> list[Message]:
    """Campaign and feed granted votes from a majority of peers; return leftover messages."""
    node.campaign()
    msgs = drain(node, storage)
    quorum = len(node.voters) // 2 + 1
    granted = 1
    for peer in node.voters:
        if node.state is StateType.StateLeader:
            break
        if peer == node.id or granted >= quorum:
            continue
        kind = MT.MsgPreVoteResp if node.state is StateType.StatePreCandidate else MT.MsgVoteResp
        term = node.term + 1 if kind is MT.MsgPreVoteResp else node.term
        node.step(Message(kind, from_=peer, to=node.id, term=term))
        granted += 1
        msgs = drain(node, storage)
        if node.state is StateType.StateCandidate and kind is MT.MsgPreVoteResp:
            granted = 1  # the real election starts now
    assert node.state is StateType.StateLeader, node.state
    return msgs


@dataclass
class Member:
    """One simulated etcd member."""

    config: Config
    rng: random.Random
    storage: Storage = field(default_factory=Storage)
    node: RawNode | None = None
    applied: list[Entry] = field(default_factory=list)  # the state machine


class Network:
    """Members wired through a message queue.

    PreVote and CheckQuorum are off unless asked for, as in etcd's raft_test.go network.
    ``on_ready(id, ready)`` runs after a Ready is persisted; ``on_apply(id, entry)``
    after each entry is applied; ``on_restart(id)`` after a member restarts.
    """

    def __init__(
        self,
        ids: Iterable[str],
        *,
        seed: int = 0,
        pre_vote: bool = False,
        check_quorum: bool = False,
        **config_kw: Any,
    ) -> None:
        self.ids: list[str] = sorted(ids)
        self.seed = seed
        self.config_kw: dict[str, Any] = dict(
            pre_vote=pre_vote, check_quorum=check_quorum, **config_kw
        )
        self.members: dict[str, Member] = {}
        self.queue: list[Message] = []
        self.cut_links: set[tuple[str, str]] = set()
        self.filters: list[Callable[[Message], bool]] = []  # at delivery; True drops
        self.dropped: list[Message] = []
        self.on_ready: Callable[[str, Ready], None] | None = None
        self.on_apply: Callable[[str, Entry], None] | None = None
        self.on_restart: Callable[[str], None] | None = None
        for i in self.ids:
            self.add_member(i, self.ids)

    # --- membership and lifecycle -----------------------------------------------

    def add_member(self, node_id: str, peers: Iterable[str]) -> RawNode:
        """Start a member with an empty disk; ``peers`` is the configuration it joins."""
        cfg = make_config(node_id, sorted(peers), **self.config_kw)
        mem = Member(cfg, random.Random(f"{self.seed}/{node_id}"))
        mem.node = RawNode(cfg, mem.rng, mem.storage)
        self.members[node_id] = mem
        if node_id not in self.ids:
            self.ids.append(node_id)
            self.ids.sort()
        return mem.node

    def node(self, node_id: str) -> RawNode:
        """The live RawNode of a member (fails if crashed)."""
        n = self.members[node_id].node
        assert n is not None, f"{node_id} is down"
        return n

    def up(self) -> list[str]:
        """Ids of members that are running."""
        return [i for i in self.ids if self.members[i].node is not None]

    def crash(self, node_id: str) -> None:
        """Lose the member's volatile state; its storage stays."""
        self.members[node_id].node = None

    def restart(self, node_id: str) -> RawNode:
        """Rebuild the member from its storage: state machine from the snapshot, raft state."""
        mem = self.members[node_id]
        snap = mem.storage.snapshot
        mem.applied = list(snap.data) if snap.index > 0 else []
        mem.node = RawNode(mem.config, mem.rng, mem.storage)
        if self.on_restart is not None:
            self.on_restart(node_id)
        return mem.node

    # --- links --------------------------------------------------------------------

    def cut(self, a: str, b: str) -> None:
        """Drop every message between a and b, both ways."""
        self.cut_links.add((a, b))
        self.cut_links.add((b, a))

    def isolate(self, node_id: str) -> None:
        """Cut a member off from all others."""
        for other in self.ids:
            if other != node_id:
                self.cut(node_id, other)

    def partition(self, *groups: Iterable[str]) -> None:
        """Cut every link between different groups."""
        gs = [list(g) for g in groups]
        for i, g in enumerate(gs):
            for h in gs[i + 1 :]:
                for a in g:
                    for b in h:
                        self.cut(a, b)

    def heal(self) -> None:
        """Restore all links and remove filters."""
        self.cut_links.clear()
        self.filters.clear()

    def ignore(self, kind: MessageType) -> None:
        """Drop all messages of a type (etcd network.ignore)."""
        self.filters.append(lambda m: m.type is kind)

    # --- the driver loop ----------------------------------------------------------

    def process_ready(self, node_id: str) -> None:
        """Persist, send, apply and advance every pending Ready of a member."""
        mem = self.members[node_id]
        node = mem.node
        if node is None:
            return
        while node.has_ready():
            rd = node.ready()
            mem.storage.save_ready(rd)  # 1. persist before anything leaves the member
            if self.on_ready is not None:
                self.on_ready(node_id, rd)
            for m in rd.messages:  # 2. send
                self._route(m)
            if rd.snapshot is not None:  # 3. install the snapshot, apply entries
                mem.applied = list(rd.snapshot.data)
            for e in rd.committed_entries:
                if e.type is EntryType.EntryConfChange and isinstance(e.data, ConfChange):
                    node.apply_conf_change(e.data)
                mem.applied.append(e)
                if self.on_apply is not None:
                    self.on_apply(node_id, e)
            node.advance(rd)  # 4.

    def process_all(self) -> None:
        """Process Readys until no member has one."""
        busy = True
        while busy:
            busy = False
            for i in self.ids:
                n = self.members[i].node
                if n is not None and n.has_ready():
                    self.process_ready(i)
                    busy = True

    def _route(self, m: Message) -> None:
        if m.to not in self.members or (m.from_, m.to) in self.cut_links:
            self._drop(m)
            return
        if m.type is MT.MsgSnap and m.snapshot is not None:
            # etcd's server sends a snapshot of its current applied state and
            # configuration (etcdserver createMergedSnapshotMessage).
            sender = self.members[m.from_]
            if sender.node is not None:
                data = tuple(sender.applied)
                m = replace(m, snapshot=sender.node.snapshot_for_send(data))
        self.queue.append(m)

    def _drop(self, m: Message) -> None:
        self.dropped.append(m)
        if len(self.dropped) > 10_000:
            del self.dropped[:5_000]
        if m.type is MT.MsgSnap:
            self._report_snapshot(m, ok=False)

    def _report_snapshot(self, m: Message, ok: bool) -> None:
        # The transport tells the sender how a snapshot send ended (rafthttp).
        sender = self.members.get(m.from_)
        if sender is not None and sender.node is not None:
            sender.node.report_snapshot(m.to, ok)

    def deliver(self, m: Message) -> None:
        """Hand one message to its recipient now (if up and the link is open)."""
        mem = self.members.get(m.to)
        if (
            mem is None
            or mem.node is None
            or (m.from_, m.to) in self.cut_links
            or any(f(m) for f in self.filters)
        ):
            self._drop(m)
            return
        mem.node.step(m)
        self.process_ready(m.to)
        if m.type is MT.MsgSnap:
            self._report_snapshot(m, ok=True)

    def deliver_at(self, k: int, *, duplicate: bool = False) -> None:
        """Deliver the k-th queued message (out of order); keep a copy if ``duplicate``."""
        m = self.queue[k] if duplicate else self.queue.pop(k)
        self.deliver(m)

    def drop_at(self, k: int) -> None:
        """Lose the k-th queued message."""
        self._drop(self.queue.pop(k))

    def stabilize(self, limit: int = 100_000) -> None:
        """Process Readys and deliver messages in FIFO order until nothing is left."""
        self.process_all()
        n = 0
        while self.queue:
            m = self.queue.pop(0)
            self.deliver(m)
            n += 1
            if n > limit:
                raise RuntimeError("network did not settle")

    def send(self, *msgs: Message) -> None:
        """Inject messages (from a test) and stabilize."""
        self.queue.extend(msgs)
        self.stabilize()

    # --- time and client requests -------------------------------------------------

    def tick(self, node_id: str, n: int = 1) -> None:
        """Tick one member ``n`` times, processing its Readys (messages stay queued)."""
        for _ in range(n):
            node = self.members[node_id].node
            if node is None:
                return
            node.tick()
            self.process_ready(node_id)

    def tick_all(self, n: int = 1, *, settle: bool = True) -> None:
        """Tick every running member ``n`` times, stabilizing after each tick."""
        for _ in range(n):
            for i in self.up():
                self.tick(i)
            if settle:
                self.stabilize()

    def campaign(self, node_id: str) -> None:
        """Make a member campaign (MsgHup) and let the election run."""
        self.node(node_id).campaign()
        self.stabilize()

    def propose(self, node_id: str, data: Any, *, settle: bool = True) -> bool:
        """Propose through a member; False when the proposal was dropped."""
        try:
            self.node(node_id).propose(data)
        except ProposalDropped:
            return False
        if settle:
            self.stabilize()
        else:
            self.process_ready(node_id)
        return True

    def compact(self, node_id: str, catch_up_entries: int = 0) -> None:
        """Snapshot a member's state machine at its applied index and compact its log."""
        mem = self.members[node_id]
        node = self.node(node_id)
        index = node.applied
        if index <= node.snapshot.index:
            return
        snap = node.compact(index, tuple(mem.applied[:index]), catch_up_entries)
        mem.storage.create_snapshot(snap)
        keep_from = max(index - catch_up_entries, 0)
        if keep_from > mem.storage.first_index() - 1:
            mem.storage.compact(keep_from)

    # --- observations ---------------------------------------------------------------

    def leaders(self) -> list[str]:
        """Running members that believe they are leader."""
        return [i for i in self.up() if self.node(i).state is StateType.StateLeader]

    def leader(self) -> str | None:
        """The leader with the highest term, if any."""
        best: str | None = None
        for i in self.leaders():
            if best is None or self.node(i).term > self.node(best).term:
                best = i
        return best

    def applied_data(self, node_id: str) -> list[Any]:
        """Data of the normal entries a member applied (skipping leaders' empty entries)."""
        return [
            e.data
            for e in self.members[node_id].applied
            if e.type is EntryType.EntryNormal and e.data is not None
        ]
