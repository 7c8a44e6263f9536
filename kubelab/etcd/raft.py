"""Raft consensus as a pure state machine, in the shape of etcd-io/raft.

A ``RawNode`` has no clock, no network and no disk.  A driver feeds it ``tick()``
(one logical clock tick, 100 ms in etcd), ``step(message)`` for every message from a
peer, and client requests (``propose``, ``read_index``, ...).  Whenever
``has_ready()`` is true it takes a ``Ready`` — entries and hard state to persist,
messages to send, committed entries to apply — and hands it back with ``advance``.

The persistence rule (paper Fig. 2, "updated on stable storage before responding to
RPCs"; node.go ``Ready``): the driver must durably write ``Ready.snapshot``,
``Ready.entries`` and ``Ready.hard_state`` (fsync when ``Ready.must_sync``) BEFORE
sending any of ``Ready.messages``.  Votes and append acknowledgements are in those
messages, and the leader's acknowledgement of its own entries is only counted when
``advance`` is called, i.e. after they are on disk.  ``Storage.save_ready`` does the
writing; after a crash, ``RawNode(config, rng, storage)`` resumes from what was saved.

What is left out of upstream: learners and joint consensus (ConfChangeV2), async
storage writes, ReadOnlyLeaseBased reads, the uncommitted-size limit, byte-based flow
control (counts of entries instead), MsgForgetLeader.
"""

from __future__ import annotations

import contextlib
import random
from collections import deque
from collections.abc import Iterable
from typing import Any

from kubelab.etcd.raft_log import EMPTY_SNAPSHOT, RaftLog, Storage
from kubelab.etcd.raft_types import (
    CAMPAIGN_TRANSFER,
    NONE,
    ConfChange,
    Config,
    Entry,
    EntryType,
    HardState,
    Message,
    MessageType,
    ProgressState,
    ProposalDropped,
    ReadState,
    Ready,
    Snapshot,
    SoftState,
    StateType,
    new_entry,
)

__all__ = [
    "ConfChange",
    "Config",
    "Entry",
    "EntryType",
    "HardState",
    "Message",
    "MessageType",
    "Progress",
    "ProgressState",
    "ProposalDropped",
    "RawNode",
    "ReadState",
    "Ready",
    "Snapshot",
    "SoftState",
    "StateType",
    "Storage",
]

MT = MessageType
_Follower = StateType.StateFollower
_Candidate = StateType.StateCandidate
_PreCandidate = StateType.StatePreCandidate
_Leader = StateType.StateLeader
_Probe = ProgressState.StateProbe
_Replicate = ProgressState.StateReplicate
_Snap = ProgressState.StateSnapshot
_NORMAL = EntryType.EntryNormal
_CONF = EntryType.EntryConfChange

# campaign types (raft.go CampaignType)
_CAMPAIGN_PRE_ELECTION = "CampaignPreElection"
_CAMPAIGN_ELECTION = "CampaignElection"

# util.go isLocalMsg: never accepted from the network.
_LOCAL_MSGS = frozenset(
    {MT.MsgHup, MT.MsgBeat, MT.MsgUnreachable, MT.MsgSnapStatus, MT.MsgCheckQuorum}
)
# util.go isResponseMsg: dropped when the sender is not in the configuration.
_RESPONSE_MSGS = frozenset(
    {
        MT.MsgAppResp,
        MT.MsgVoteResp,
        MT.MsgHeartbeatResp,
        MT.MsgUnreachable,
        MT.MsgReadIndexResp,
        MT.MsgPreVoteResp,
    }
)
# raft.go send(): responses that acknowledge durable state go out only after persistence.
_AFTER_APPEND = frozenset({MT.MsgAppResp, MT.MsgVoteResp, MT.MsgPreVoteResp})
_VOTE_MSGS = frozenset({MT.MsgVote, MT.MsgPreVote, MT.MsgVoteResp, MT.MsgPreVoteResp})


class Progress:
    """The leader's view of one follower (tracker/progress.go ``Progress``).

    ``inflights`` holds the last index of each MsgApp not yet acknowledged
    (tracker/inflights.go), bounded by ``max_inflight_msgs``.
    """

    __slots__ = (
        "inflights",
        "match",
        "max_inflight",
        "next",
        "paused",
        "pending_snapshot",
        "recent_active",
        "sent_commit",
        "state",
    )

    def __init__(self, match: int, next_: int, max_inflight: int, recent_active: bool = False):
        self.match = match
        self.next = next_
        self.state = _Probe
        self.pending_snapshot = 0
        self.recent_active = recent_active
        self.paused = False  # MsgAppFlowPaused
        self.inflights: deque[int] = deque()
        self.max_inflight = max_inflight
        self.sent_commit = 0

    def _reset_state(self, state: ProgressState) -> None:
        self.paused = False
        self.pending_snapshot = 0
        self.state = state
        self.inflights.clear()

    def become_probe(self) -> None:
        """Send one MsgApp per heartbeat until the follower's position is found."""
        if self.state is _Snap:
            pending = self.pending_snapshot
            self._reset_state(_Probe)
            self.next = max(self.match + 1, pending + 1)
        else:
            self._reset_state(_Probe)
            self.next = self.match + 1
        self.sent_commit = min(self.sent_commit, self.next - 1)

    def become_replicate(self) -> None:
        """Stream entries optimistically, up to ``max_inflight`` messages ahead."""
        self._reset_state(_Replicate)
        self.next = self.match + 1

    def become_snapshot(self, snapshot_index: int) -> None:
        """Wait for a snapshot to be installed; no MsgApp meanwhile."""
        self._reset_state(_Snap)
        self.pending_snapshot = snapshot_index
        self.next = snapshot_index + 1
        self.sent_commit = snapshot_index

    def inflights_full(self) -> bool:
        """tracker/inflights.go ``Full``."""
        return len(self.inflights) >= self.max_inflight

    def sent_entries(self, n: int) -> None:
        """Account for a MsgApp carrying ``n`` entries (progress.go ``SentEntries``)."""
        if self.state is _Replicate:
            if n > 0:
                self.next += n
                self.inflights.append(self.next - 1)
            self.paused = len(self.inflights) >= self.max_inflight
        elif n > 0:
            self.paused = True  # StateProbe: one message per heartbeat interval

    def can_bump_commit(self, index: int) -> bool:
        """progress.go ``CanBumpCommit``: the follower may not know ``index`` is committed."""
        return index > self.sent_commit and self.sent_commit < self.next - 1

    def maybe_update(self, n: int) -> bool:
        """An acknowledgement up to ``n`` (progress.go ``MaybeUpdate``)."""
        if n <= self.match:
            return False
        self.match = n
        if self.next < n + 1:
            self.next = n + 1
        self.paused = False
        return True

    def maybe_decr_to(self, rejected: int, match_hint: int) -> bool:
        """A rejected MsgApp at ``rejected`` (progress.go ``MaybeDecrTo``)."""
        if self.state is _Replicate:
            if rejected <= self.match:
                return False  # stale rejection
            self.next = self.match + 1
            self.sent_commit = min(self.sent_commit, self.next - 1)
            return True
        if self.next - 1 != rejected:
            return False  # stale rejection of an earlier probe
        self.next = max(min(rejected, match_hint + 1), self.match + 1)
        self.sent_commit = min(self.sent_commit, self.next - 1)
        self.paused = False
        return True

    def is_paused(self) -> bool:
        """progress.go ``IsPaused``."""
        return self.state is _Snap or self.paused

    def free_le(self, index: int) -> None:
        """Forget in-flight messages up to ``index`` (inflights.go ``FreeLE``)."""
        inflights = self.inflights
        while inflights and inflights[0] <= index:
            inflights.popleft()


class _ReadOnly:
    """Pending ReadIndex requests awaiting a heartbeat quorum (read_only.go, ReadOnlySafe)."""

    __slots__ = ("acks", "confirmed", "unconfirmed")

    def __init__(self) -> None:
        self.acks: dict[str, int] = {}
        self.unconfirmed: list[tuple[Message, int]] = []
        self.confirmed = 0

    def add_request(self, commit: int, req: Message) -> None:
        self.unconfirmed.append((req, commit))

    def recv_ack(self, frm: str, ctx: Any) -> None:
        if isinstance(ctx, int) and ctx > self.acks.get(frm, 0):
            self.acks[frm] = ctx

    def heartbeat_ctx(self) -> int | None:
        """Position of the newest request: a heartbeat ack for it confirms all before it."""
        if not self.unconfirmed:
            return None
        return self.confirmed + len(self.unconfirmed)

    def maybe_advance(self, voters: tuple[str, ...]) -> list[tuple[Message, int]]:
        """Requests whose position a quorum of voters acknowledged (quorum CommittedIndex)."""
        n = len(voters)
        if n == 0:
            return []
        acked = sorted(self.acks.get(v, 0) for v in voters)
        new_confirmed = acked[n - (n // 2 + 1)]
        if new_confirmed <= self.confirmed:
            return []
        k = new_confirmed - self.confirmed
        done = self.unconfirmed[:k]
        del self.unconfirmed[:k]
        self.confirmed = new_confirmed
        return done


class RawNode:
    """One Raft member, driven from outside (etcd-io/raft rawnode.go + raft.go).

    Read-only attributes for visualisation and tests: ``id``, ``term``, ``vote``,
    ``state``, ``lead``, ``randomized_election_timeout``; properties ``commit``,
    ``applied``, ``last_index``, ``voters``, ``progress``, ``election_elapsed``,
    ``heartbeat_elapsed``.
    """

    def __init__(self, config: Config, rng: random.Random, storage: Storage | None = None) -> None:
        config.validate()
        self.id = config.id
        self._rng = rng
        self._election_timeout = config.election_tick
        self._election_timeout_max = config.election_tick_max
        self._heartbeat_timeout = config.heartbeat_tick
        self._check_quorum = config.check_quorum
        self._pre_vote = config.pre_vote
        self._max_msg = config.max_size_per_msg
        self._max_inflight = config.max_inflight_msgs

        log = RaftLog()
        hs = HardState()
        snap = EMPTY_SNAPSHOT
        if storage is not None:
            # raft.go newRaft + log.go newLog: resume from what the driver persisted.
            hs = storage.hard_state
            snap = storage.snapshot
            log.dummy_index = storage.first_index() - 1
            log.dummy_term = storage.term(log.dummy_index)
            log.ents = storage.all_entries()
            log.snapshot = snap
            log.unstable_from = log.last_index + 1
            if hs.commit > log.last_index:
                # raft.go loadState panics the same way.
                raise ValueError(
                    f"{self.id} state.commit {hs.commit} is out of range "
                    f"[{log.dummy_index}, {log.last_index}]"
                )
        log.committed = max(hs.commit, log.dummy_index, snap.index)
        log.applied = log.applying = min(max(config.applied, snap.index), log.committed)
        self._log = log
        self.term = hs.term
        self.vote = hs.vote
        self.lead = NONE
        self.state = _Follower

        # The configuration: the snapshot's ConfState, else the bootstrap peers.
        voters = snap.voters if snap.index > 0 else config.peers
        self._voters: tuple[str, ...] = tuple(sorted(set(voters)))
        self._peers: tuple[str, ...] = tuple(v for v in self._voters if v != self.id)
        self._prs: dict[str, Progress] = {}
        self._votes: dict[str, bool] = {}

        self._msgs: list[Message] = []
        self._msgs_after_append: list[Message] = []
        self._steps_on_advance: list[Message] = []
        self._read_states: list[ReadState] = []
        self._read_only = _ReadOnly()
        self._pending_read_index: list[Message] = []
        self._lead_transferee = NONE
        self._pending_conf_index = 0
        self._election_elapsed = 0
        self._heartbeat_elapsed = 0
        self.randomized_election_timeout = 0
        self._bcast_pending = False
        self._ready_pending = False
        self._snap_on_advance: Snapshot | None = None
        self._applying_on_advance = 0

        self._become_follower(self.term, NONE)
        # rawnode.go NewRawNode: the first Ready reports only what changed from here.
        self._prev_soft = SoftState(self.lead, self.state)
        self._prev_hard = HardState(self.term, self.vote, log.committed)

    # ------------------------------------------------------------------ views

    @property
    def commit(self) -> int:
        """Highest index known committed."""
        return self._log.committed

    @property
    def applied(self) -> int:
        """Highest index the driver reported applied."""
        return self._log.applied

    @property
    def last_index(self) -> int:
        """Index of the last log entry."""
        return self._log.last_index

    @property
    def first_index(self) -> int:
        """Index of the first entry still in the log (after compaction)."""
        return self._log.first_index

    @property
    def voters(self) -> tuple[str, ...]:
        """Current voting members, sorted."""
        return self._voters

    @property
    def lead_transferee(self) -> str:
        """Target of a leadership transfer in progress ("" if none)."""
        return self._lead_transferee

    @property
    def snapshot(self) -> Snapshot:
        """The latest snapshot this member holds (index 0 when none)."""
        return self._log.snapshot

    @property
    def progress(self) -> dict[str, tuple[int, int, ProgressState]]:
        """peer -> (match, next, state) as the leader tracks it; empty unless leader."""
        if self.state is not _Leader:
            return {}
        return {k: (p.match, p.next, p.state) for k, p in sorted(self._prs.items())}

    @property
    def election_elapsed(self) -> int:
        """Ticks since the election timer was last reset (leader: since the last quorum
        check); a follower or candidate campaigns when it reaches
        ``randomized_election_timeout``."""
        return self._election_elapsed

    @property
    def heartbeat_elapsed(self) -> int:
        """Ticks since the leader last broadcast heartbeats (0 unless leader)."""
        return self._heartbeat_elapsed

    def log_entries(self) -> list[Entry]:
        """Every entry held, including ones not yet persisted (a copy)."""
        return list(self._log.ents)

    def term_at(self, index: int) -> int | None:
        """Term of the entry at ``index``; None when compacted or beyond the log."""
        return self._log.term(index)

    def entry_at(self, index: int) -> Entry | None:
        """The entry at ``index`` if still held."""
        return self._log.entry(index)

    def soft_state(self) -> SoftState:
        """Current leader and role."""
        return SoftState(self.lead, self.state)

    def hard_state(self) -> HardState:
        """Current term, vote and commit."""
        return HardState(self.term, self.vote, self._log.committed)

    # ------------------------------------------------------------------ inputs

    def tick(self, n: int = 1) -> None:
        """Advance the logical clock by one tick (raft.go ``tickElection``/``tickHeartbeat``),
        or by ``n`` ticks: the same as calling ``tick()`` ``n`` times, but the ticks of a
        follower or candidate that only count towards its election timeout cost nothing (a
        driver with fine ticks calls ``tick(n)`` when it catches up)."""
        while n > 0:
            if self.state is _Leader:
                self._tick_heartbeat()
                n -= 1
                continue
            quiet = self.randomized_election_timeout - self._election_elapsed - 1
            if quiet > 0:
                k = n if n < quiet else quiet
                self._election_elapsed += k  # _tick_election without reaching the timeout
                n -= k
                continue
            self._tick_election()
            n -= 1

    def step(self, m: Message) -> None:
        """Process a message from a peer (rawnode.go ``Step``).

        Local message types arriving from the network and responses from members not
        in the configuration are dropped, as upstream; so are proposals a leader
        cannot accept.
        """
        t = m.type
        if t in _LOCAL_MSGS:
            return  # ErrStepLocalMsg
        if t in _RESPONSE_MSGS and m.from_ not in self._prs:
            return  # ErrStepPeerNotFound
        with contextlib.suppress(ProposalDropped):
            self._step(m)

    def campaign(self) -> None:
        """Start an election now (MsgHup); a pre-election first when PreVote is on."""
        self._step(Message(MT.MsgHup, from_=self.id))

    def propose(self, data: Any) -> None:
        """Propose one normal entry; raises ProposalDropped (raft.go ``ErrProposalDropped``)."""
        self.propose_batch((data,))

    def propose_batch(self, datas: Iterable[Any]) -> None:
        """Propose several normal entries as one MsgProp (raft.go steps many entries at once)."""
        if self.state is _Leader:
            self._check_leader_accepts()
            log = self._log
            t = self.term
            base = log.last_index
            ents = [new_entry(t, base + k, _NORMAL, d) for k, d in enumerate(datas, 1)]
            if ents:
                self._append_entries(ents)
                self._bcast_pending = True
            return
        entries = tuple([new_entry(0, 0, _NORMAL, d) for d in datas])
        if entries:
            self._step(Message(MT.MsgProp, from_=self.id, entries=entries))

    def propose_conf_change(self, cc: ConfChange) -> None:
        """Propose a membership change.

        As upstream (raft.go stepLeader MsgProp), a leader that still has an unapplied
        conf change (``pendingConfIndex > applied``) appends an empty normal entry in
        its place; the change never takes effect and may be proposed again later.
        """
        if cc.type not in ("AddNode", "RemoveNode"):
            raise ValueError(f"unexpected conf type {cc.type}")
        self._step(Message(MT.MsgProp, from_=self.id, entries=(Entry(0, 0, _CONF, cc),)))

    def apply_conf_change(self, cc: ConfChange) -> tuple[str, ...]:
        """Apply a committed conf change when its entry is applied; returns the new voters.

        Single-member change (confchange.go ``Simple``): a new voter starts probing at
        the leader's last index and counts as recently active; a removed member's
        progress disappears.  A leader that removed itself steps down
        (raft.go ``switchToConfig`` with StepDownOnRemoval) and, no longer being in the
        configuration, never campaigns again.
        """
        voters = set(self._voters)
        if cc.type == "AddNode":
            if cc.node_id not in voters:
                voters.add(cc.node_id)
                # confchange.go initProgress: Next = max(lastIndex, 1), RecentActive.
                self._prs[cc.node_id] = Progress(
                    0, max(self._log.last_index, 1), self._max_inflight, recent_active=True
                )
        elif cc.type == "RemoveNode":
            if cc.node_id in voters:
                if len(voters) == 1:
                    raise ValueError("removed all voters")
                voters.discard(cc.node_id)
                self._prs.pop(cc.node_id, None)
        else:
            raise ValueError(f"unexpected conf type {cc.type}")
        self._set_voters(voters)
        return self._switch_to_config()

    def read_index(self, ctx: Any) -> None:
        """Request a linearizable read point; the answer arrives in ``Ready.read_states``.

        ReadOnlySafe (read_only.go): the leader records its commit index, then confirms
        it is still leader with a round of heartbeats acknowledged by a quorum.
        """
        self._step(Message(MT.MsgReadIndex, entries=(Entry(0, 0, _NORMAL, ctx),)))

    def transfer_leader(self, transferee: str) -> None:
        """Ask the leader to hand leadership to ``transferee`` (MsgTransferLeader)."""
        self._step(Message(MT.MsgTransferLeader, from_=transferee, to=self.id))

    def report_unreachable(self, peer: str) -> None:
        """The transport failed to reach ``peer``: stop streaming to it (MsgUnreachable)."""
        self._step(Message(MT.MsgUnreachable, from_=peer, to=self.id))

    def report_snapshot(self, peer: str, ok: bool) -> None:
        """Outcome of sending a MsgSnap to ``peer`` (rawnode.go ``ReportSnapshot``)."""
        self._step(Message(MT.MsgSnapStatus, from_=peer, to=self.id, reject=not ok))

    def compact(self, index: int, data: Any, catch_up_entries: int = 0) -> Snapshot:
        """Snapshot the state machine at applied ``index`` and drop the log before it.

        ``data`` is the state machine image.  The log keeps ``catch_up_entries`` entries
        before ``index`` so slightly lagging followers still get MsgApp instead of a
        snapshot (etcd ``SnapshotCatchUpEntries`` = 5000).  The driver saves the result
        with ``Storage.create_snapshot`` and ``Storage.compact``.
        """
        log = self._log
        if index <= log.snapshot.index:
            raise ValueError("requested index is older than the existing snapshot")
        if index > log.applied:
            raise ValueError(f"snapshot index {index} is beyond applied index {log.applied}")
        t = log.term(index)
        if t is None:
            raise ValueError(f"no entry at index {index}")
        snap = Snapshot(index, t, self._voters, data)
        log.snapshot = snap
        log.compact_to(max(log.dummy_index, index - catch_up_entries))
        return snap

    def snapshot_for_send(self, data: Any) -> Snapshot:
        """A snapshot at the applied index with the current configuration, log untouched.

        etcd's server does not send raft's stored snapshot as is: it replaces an outgoing
        MsgSnap's snapshot by its current applied state and configuration
        (etcdserver ``createMergedSnapshotMessage``), so a member added after the last
        snapshot finds itself in the configuration it receives.  ``data`` is the state
        machine image at ``applied``.
        """
        log = self._log
        t = log.term(log.applied)
        assert t is not None, "applied index must be in the log"
        return Snapshot(log.applied, t, self._voters, data)

    # ------------------------------------------------------------------ Ready

    def has_ready(self) -> bool:
        """True if there is anything to persist, send, apply or report (rawnode.go)."""
        if self._bcast_pending:
            self._flush_bcast()
        if self._msgs or self._msgs_after_append or self._read_states:
            return True
        log = self._log
        if log.unstable_from <= log.dummy_index + len(log.ents):
            return True  # entries to persist
        if log.pending_snapshot is None:
            if log.committed > log.applying:
                return True  # entries to apply
        elif not log.snapshot_offered:
            return True  # a snapshot to persist and install
        prev_soft, prev_hard = self._prev_soft, self._prev_hard
        return (
            self.lead != prev_soft.lead
            or self.state is not prev_soft.raft_state
            or self.term != prev_hard.term
            or self.vote != prev_hard.vote
            or log.committed != prev_hard.commit
        )

    def take_messages(self) -> list[Message] | None:
        """``ready()`` followed at once by ``advance()`` when the only pending work is
        messages to send (no entries, commit, snapshot, state change or read state; nothing
        held until persisted): those messages, taken. None otherwise (nothing is changed).

        The heartbeats and their answers of an idle cluster take this path, without a
        Ready. Call it after :meth:`has_ready` (which flushes a pending broadcast)."""
        if self._ready_pending or self._bcast_pending or self._msgs_after_append:
            return None
        msgs = self._msgs
        if not msgs or self._read_states:
            return None
        log = self._log
        last = log.dummy_index + len(log.ents)
        if log.unstable_from <= last or log.pending_snapshot is not None:
            return None
        if log.committed > log.applying or log.applying > log.applied:
            return None
        prev_soft, prev_hard = self._prev_soft, self._prev_hard
        if (
            self.lead != prev_soft.lead
            or self.state is not prev_soft.raft_state
            or self.term != prev_hard.term
            or self.vote != prev_hard.vote
            or log.committed != prev_hard.commit
        ):
            return None
        # what ready() and advance() would leave behind
        self._msgs = []
        log.unstable_from = last + 1
        self._applying_on_advance = log.applying
        return msgs

    def ready(self) -> Ready:
        """Collect the pending work (rawnode.go ``readyWithoutAccept`` + ``acceptReady``).

        Must be followed by ``advance`` before the next ``ready``.
        """
        if self._ready_pending:
            raise RuntimeError("two accepted Ready structs without call to Advance")
        if self._bcast_pending:
            self._flush_bcast()
        log = self._log
        entries = log.unstable_entries()
        committed = log.next_committed_entries()

        soft: SoftState | None = None
        if self.lead != self._prev_soft.lead or self.state is not self._prev_soft.raft_state:
            soft = SoftState(self.lead, self.state)
            self._prev_soft = soft
        prev_hard = self._prev_hard
        must_sync = bool(entries) or self.term != prev_hard.term or self.vote != prev_hard.vote
        hard: HardState | None = None
        if (
            self.term != prev_hard.term
            or self.vote != prev_hard.vote
            or log.committed != prev_hard.commit
        ):
            hard = HardState(self.term, self.vote, log.committed)
            self._prev_hard = hard

        snap: Snapshot | None = None
        if log.pending_snapshot is not None and not log.snapshot_offered:
            snap = log.pending_snapshot
            log.snapshot_offered = True
        self._snap_on_advance = snap

        msgs = self._msgs
        if self._msgs_after_append:
            me = self.id
            for m in self._msgs_after_append:
                if m.to == me:
                    self._steps_on_advance.append(m)
                else:
                    msgs.append(m)
            self._msgs_after_append = []
        self._msgs = []
        read_states = self._read_states
        self._read_states = []

        log.unstable_from = log.last_index + 1
        if committed:
            log.applying = committed[-1].index
        self._applying_on_advance = log.applying
        self._ready_pending = True
        return Ready(
            soft_state=soft,
            hard_state=hard,
            entries=entries,
            snapshot=snap,
            committed_entries=committed,
            messages=msgs,
            read_states=read_states,
            must_sync=must_sync,
        )

    def advance(self, rd: Ready) -> None:
        """The driver persisted and applied ``rd`` (rawnode.go ``Advance``).

        Steps the member's own acknowledgements that waited for persistence (its
        MsgAppResp and votes), then records the snapshot and entries as applied.
        """
        if not self._ready_pending:
            raise RuntimeError("advance called without a Ready")
        self._ready_pending = False
        steps = self._steps_on_advance
        self._steps_on_advance = []
        for m in steps:
            self._step(m)
        log = self._log
        snap = self._snap_on_advance
        if snap is not None:
            self._snap_on_advance = None
            if log.pending_snapshot is snap:
                log.pending_snapshot = None
                log.snapshot_offered = False
                # raft.go appliedSnap
                log.applied = max(log.applied, snap.index)
                log.applying = max(log.applying, snap.index)
        if self._applying_on_advance > log.applied:
            log.applied = self._applying_on_advance

    # ------------------------------------------------------------------ internals

    def _set_voters(self, voters: Iterable[str]) -> None:
        self._voters = tuple(sorted(voters))
        self._peers = tuple(v for v in self._voters if v != self.id)

    def _send(self, m: Message) -> None:
        """raft.go ``send``: stamp the term; hold acknowledgements until persisted."""
        t = m.type
        if t in _VOTE_MSGS:
            if m.term == 0:
                raise RuntimeError(f"term should be set when sending {t.value}")
        elif t is not MT.MsgProp and t is not MT.MsgReadIndex:
            m.term = self.term
        if not m.from_:
            m.from_ = self.id
        if t in _AFTER_APPEND:
            self._msgs_after_append.append(m)
        else:
            self._msgs.append(m)

    def _reset_randomized_election_timeout(self) -> None:
        # raft.go resetRandomizedElectionTimeout: electionTimeout + rand.Intn(electionTimeout),
        # i.e. uniform in [ET, 2ET-1] ticks (FIDELITY A4).
        et = self._election_timeout
        hi = self._election_timeout_max
        if hi:
            # Config.election_tick_max: the paper's inclusive [T_min, T_max] range instead.
            self.randomized_election_timeout = et + self._rng.randrange(hi - et + 1)
        else:
            self.randomized_election_timeout = et + self._rng.randrange(et)

    def _reset(self, term: int) -> None:
        """raft.go ``reset``: new term clears the vote; fresh progress for every voter."""
        if self.term != term:
            self.term = term
            self.vote = NONE
        self.lead = NONE
        self._election_elapsed = 0
        self._heartbeat_elapsed = 0
        self._reset_randomized_election_timeout()
        self._lead_transferee = NONE
        self._votes = {}
        last = self._log.last_index
        mi = self._max_inflight
        me = self.id
        self._prs = {v: Progress(last if v == me else 0, last + 1, mi) for v in self._voters}
        self._pending_conf_index = 0
        self._read_only = _ReadOnly()
        self._bcast_pending = False

    def _become_follower(self, term: int, lead: str) -> None:
        self._reset(term)
        self.lead = lead
        self.state = _Follower

    def _become_candidate(self) -> None:
        if self.state is _Leader:
            raise RuntimeError("invalid transition [leader -> candidate]")
        self._reset(self.term + 1)  # paper §5.2: increment currentTerm, vote for self
        self.vote = self.id
        self.state = _Candidate

    def _become_pre_candidate(self) -> None:
        # raft.go becomePreCandidate: term and vote unchanged (PreVote, thesis §9.6).
        if self.state is _Leader:
            raise RuntimeError("invalid transition [leader -> pre-candidate]")
        self._votes = {}
        self.lead = NONE
        self.state = _PreCandidate

    def _become_leader(self) -> None:
        if self.state is _Follower:
            raise RuntimeError("invalid transition [follower -> leader]")
        self._reset(self.term)
        self.lead = self.id
        self.state = _Leader
        pr = self._prs[self.id]
        pr.become_replicate()
        pr.recent_active = True
        # raft.go becomeLeader: conservatively treat the whole log as possibly holding
        # an unapplied conf change, so none is accepted before this term's first
        # entries are applied.
        self._pending_conf_index = self._log.last_index
        # Paper §8 / raft.go: an empty entry of the new term lets earlier entries commit.
        self._append_entries([Entry(self.term, self._log.last_index + 1, _NORMAL, None)])

    def _append_entries(self, ents: list[Entry]) -> None:
        """raft.go ``appendEntry``: append at the leader, acknowledge itself after persistence."""
        log = self._log
        log.ents.extend(ents)  # always at the end: indexes were assigned from last_index
        li = log.last_index
        # One self-acknowledgement per Ready is enough: a later index subsumes earlier ones.
        after = self._msgs_after_append
        if after:
            last = after[-1]
            if last.type is MT.MsgAppResp and last.to == self.id and last.term == self.term:
                last.index = li
                return
        self._send(Message(MT.MsgAppResp, from_=self.id, to=self.id, index=li))

    def _tick_election(self) -> None:
        self._election_elapsed += 1
        # raft.go tickElection: campaign once electionElapsed >= randomizedElectionTimeout.
        if self._promotable() and self._election_elapsed >= self.randomized_election_timeout:
            self._election_elapsed = 0
            self._step(Message(MT.MsgHup, from_=self.id))

    def _tick_heartbeat(self) -> None:
        self._heartbeat_elapsed += 1
        self._election_elapsed += 1
        if self._election_elapsed >= self._election_timeout:
            self._election_elapsed = 0
            if self._check_quorum:
                self._step(Message(MT.MsgCheckQuorum, from_=self.id))
            # raft.go tickHeartbeat: a transfer not done within an election timeout is aborted.
            if self.state is _Leader and self._lead_transferee:
                self._lead_transferee = NONE
        if self.state is not _Leader:
            return
        if self._heartbeat_elapsed >= self._heartbeat_timeout:
            self._heartbeat_elapsed = 0
            self._step(Message(MT.MsgBeat, from_=self.id))

    def _promotable(self) -> bool:
        """raft.go ``promotable``: a voter with no snapshot being installed."""
        return self.id in self._prs and self._log.pending_snapshot is None

    def _hup(self, campaign_type: str) -> None:
        if self.state is _Leader:
            return
        if not self._promotable():
            return
        # raft.go hup: never campaign with a committed but unapplied conf change.
        if self._log.has_unapplied_conf_changes():
            return
        self._campaign(campaign_type)

    def _campaign(self, campaign_type: str) -> None:
        if campaign_type == _CAMPAIGN_PRE_ELECTION:
            self._become_pre_candidate()
            vote_msg, resp_msg = MT.MsgPreVote, MT.MsgPreVoteResp
            term = self.term + 1  # ask for votes in the next term without moving to it
        else:
            self._become_candidate()
            vote_msg, resp_msg = MT.MsgVote, MT.MsgVoteResp
            term = self.term
        log = self._log
        last_index, last_term = log.last_index, log.last_term()
        ctx = CAMPAIGN_TRANSFER if campaign_type == CAMPAIGN_TRANSFER else None
        for v in self._voters:
            if v == self.id:
                # The member votes for itself once that vote is persisted (after Ready).
                self._send(Message(resp_msg, from_=self.id, to=self.id, term=term))
                continue
            self._send(
                Message(
                    vote_msg,
                    from_=self.id,
                    to=v,
                    term=term,
                    index=last_index,
                    log_term=last_term,
                    context=ctx,
                )
            )

    def _poll(self, frm: str, granted: bool) -> str:
        """Record a vote and tally it (tracker.go ``RecordVote``/``TallyVotes``, majority.go)."""
        if frm not in self._votes:
            self._votes[frm] = granted
        yes = missing = 0
        for v in self._voters:
            got = self._votes.get(v)
            if got is None:
                missing += 1
            elif got:
                yes += 1
        q = len(self._voters) // 2 + 1
        if yes >= q:
            return "won"
        if yes + missing >= q:
            return "pending"
        return "lost"

    def _step(self, m: Message) -> None:
        """raft.go ``Step``: term bookkeeping common to all roles, then role dispatch."""
        t = m.type
        mterm = m.term
        if mterm == 0:
            pass  # local message
        elif mterm > self.term:
            if t is MT.MsgVote or t is MT.MsgPreVote:
                # CheckQuorum lease (thesis §4.2.3): a member that heard from a leader
                # within the election timeout ignores vote requests, unless the candidate
                # was told to campaign by the leader itself (leadership transfer).
                force = m.context == CAMPAIGN_TRANSFER
                in_lease = (
                    self._check_quorum
                    and self.lead != NONE
                    and self._election_elapsed < self._election_timeout
                )
                if not force and in_lease:
                    return
            if t is MT.MsgPreVote:
                pass  # never change term on a pre-vote request
            elif t is MT.MsgPreVoteResp and not m.reject:
                pass  # granted pre-votes carry the future term; the term moves on MsgVote
            else:
                # Paper §5.1: a higher term always wins; become follower.
                if t is MT.MsgApp or t is MT.MsgHeartbeat or t is MT.MsgSnap:
                    self._become_follower(mterm, m.from_)
                else:
                    self._become_follower(mterm, NONE)
        elif mterm < self.term:
            if (self._check_quorum or self._pre_vote) and (t is MT.MsgHeartbeat or t is MT.MsgApp):
                # A leader cut off by a partition may never see a higher term otherwise:
                # answer so it learns ours and steps down (raft.go Step, stale term).
                self._send(Message(MT.MsgAppResp, to=m.from_))
            elif t is MT.MsgPreVote:
                self._send(Message(MT.MsgPreVoteResp, to=m.from_, term=self.term, reject=True))
            # Paper §5.1: a request with a stale term is rejected (ignored).
            return

        if t is MT.MsgHup:
            self._hup(_CAMPAIGN_PRE_ELECTION if self._pre_vote else _CAMPAIGN_ELECTION)
        elif t is MT.MsgVote or t is MT.MsgPreVote:
            self._handle_vote_request(m)
        elif self.state is _Leader:
            self._step_leader(m)
        elif self.state is _Follower:
            self._step_follower(m)
        else:
            self._step_candidate(m)

    def _handle_vote_request(self, m: Message) -> None:
        # Paper §5.2: at most one vote per term (first come, first served) — we can vote
        # again for the same candidate (duplicate request), or if we have not voted and
        # know no leader; pre-votes for a future term do not bind us.
        can_vote = (
            self.vote == m.from_
            or (self.vote == NONE and self.lead == NONE)
            or (m.type is MT.MsgPreVote and m.term > self.term)
        )
        resp = MT.MsgVoteResp if m.type is MT.MsgVote else MT.MsgPreVoteResp
        # Paper §5.4.1: election restriction — only vote for an at-least-as-up-to-date log.
        if can_vote and self._log.is_up_to_date(m.index, m.log_term):
            self._send(Message(resp, to=m.from_, term=m.term))
            if m.type is MT.MsgVote:
                self._election_elapsed = 0
                self.vote = m.from_
        else:
            self._send(Message(resp, to=m.from_, term=self.term, reject=True))

    # --- leader -------------------------------------------------------------------

    def _check_leader_accepts(self) -> None:
        if self.id not in self._prs:
            raise ProposalDropped("raft proposal dropped: leader is not in the configuration")
        if self._lead_transferee:
            # raft.go stepLeader: proposals are dropped while leadership is transferred.
            raise ProposalDropped(
                f"raft proposal dropped: transfer leadership to {self._lead_transferee} "
                "is in progress"
            )

    def _step_leader(self, m: Message) -> None:
        t = m.type
        if t is MT.MsgBeat:
            self._bcast_heartbeat()
            return
        if t is MT.MsgCheckQuorum:
            # raft.go stepLeader MsgCheckQuorum: step down unless a quorum was heard from
            # during the last election timeout.
            if not self._quorum_active():
                self._become_follower(self.term, NONE)
            for v, other in self._prs.items():
                if v != self.id:
                    other.recent_active = False
            return
        if t is MT.MsgProp:
            self._check_leader_accepts()
            log = self._log
            base = log.last_index
            term = self.term
            ents: list[Entry] = []
            for k, e in enumerate(m.entries, 1):
                if e.type is _CONF:
                    if self._pending_conf_index > log.applied:
                        # Only one conf change in flight (raft.go: "possible unapplied conf
                        # change"): replaced by an empty normal entry.
                        ents.append(Entry(term, base + k, _NORMAL, None))
                        continue
                    self._pending_conf_index = base + k
                ents.append(new_entry(term, base + k, e.type, e.data))
            if ents:
                self._append_entries(ents)
                self._bcast_pending = True
            return
        if t is MT.MsgReadIndex:
            if len(self._voters) == 1:
                self._respond_read_index(m, self._log.committed)
            elif not self._committed_entry_in_current_term():
                # Thesis §6.4: a new leader does not know the commit index until it has
                # committed an entry of its own term; hold the request until then.
                self._pending_read_index.append(m)
            else:
                self._send_read_index_response(m)
            return

        pr = self._prs.get(m.from_)
        if pr is None:
            return
        if t is MT.MsgAppResp:
            self._handle_append_response(m, pr)
        elif t is MT.MsgHeartbeatResp:
            pr.recent_active = True
            pr.paused = False
            if pr.match < self._log.last_index or pr.state is _Probe:
                self._maybe_send_append(m.from_, True)
            if m.context is None:
                return
            ro = self._read_only
            ro.recv_ack(m.from_, m.context)
            for req, index in ro.maybe_advance(self._voters):
                self._respond_read_index(req, index)
        elif t is MT.MsgSnapStatus:
            if pr.state is not _Snap:
                return
            if m.reject:
                pr.pending_snapshot = 0  # failed: probe from match+1 again
            pr.become_probe()
            # Wait for a heartbeat response before probing (raft.go MsgSnapStatus).
            pr.paused = True
        elif t is MT.MsgUnreachable:
            if pr.state is _Replicate:
                pr.become_probe()
        elif t is MT.MsgTransferLeader:
            transferee = m.from_
            if self._lead_transferee:
                if self._lead_transferee == transferee:
                    return  # same transfer already under way
                self._lead_transferee = NONE
            if transferee == self.id:
                return
            # Thesis §3.10: the transfer must finish within an election timeout.
            self._election_elapsed = 0
            self._lead_transferee = transferee
            if pr.match == self._log.last_index:
                self._send(Message(MT.MsgTimeoutNow, to=transferee))
            else:
                self._maybe_send_append(transferee, True)  # catch it up first

    def _handle_append_response(self, m: Message, pr: Progress) -> None:
        frm = m.from_
        pr.recent_active = True
        log = self._log
        if m.reject:
            # Fast backtracking (raft.go stepLeader MsgAppResp): the follower's hint is
            # (index, term) of its last entry that might match; skip to our last entry
            # with a term <= that term.
            next_probe = m.reject_hint
            if m.log_term > 0:
                next_probe, _ = log.find_conflict_by_term(m.reject_hint, m.log_term)
            if pr.maybe_decr_to(m.index, next_probe):
                if pr.state is _Replicate:
                    pr.become_probe()
                self._maybe_send_append(frm, True)
            return
        if not (pr.maybe_update(m.index) or (pr.match == m.index and pr.state is _Probe)):
            return
        if pr.state is _Probe:
            pr.become_replicate()
        elif pr.state is _Snap and pr.match + 1 >= log.first_index:
            # The snapshot (or later entries) reached it: resume normal replication.
            pr.become_probe()
            pr.become_replicate()
        elif pr.state is _Replicate:
            pr.free_le(m.index)
        if self._maybe_commit():
            self._release_pending_read_index()
            self._bcast_append()
        elif frm != self.id and pr.can_bump_commit(log.committed):
            self._maybe_send_append(frm, True)
        if frm != self.id:
            while self._maybe_send_append(frm, False):
                pass
        if frm == self._lead_transferee and pr.match == log.last_index:
            self._send(Message(MT.MsgTimeoutNow, to=frm))

    def _quorum_committed(self) -> int:
        """Largest index replicated on a majority of voters (quorum/majority.go)."""
        voters = self._voters
        n = len(voters)
        if n == 0:
            return 0
        prs = self._prs
        matches = sorted(prs[v].match for v in voters)
        return matches[n - (n // 2 + 1)]

    def _maybe_commit(self) -> bool:
        # Paper §5.4.2 / Fig. 8: only an entry of the current term is committed by
        # counting replicas; earlier entries are committed indirectly with it.
        return self._log.maybe_commit(self._quorum_committed(), self.term)

    def _quorum_active(self) -> bool:
        """tracker.go ``QuorumActive``: a majority of voters was heard from recently."""
        active = 0
        for v in self._voters:
            pr = self._prs.get(v)
            if pr is not None and (pr.recent_active or v == self.id):
                active += 1
        return active >= len(self._voters) // 2 + 1

    def _maybe_send_append(self, to: str, send_if_empty: bool) -> bool:
        """raft.go ``maybeSendAppend``: MsgApp from pr.next, or a snapshot if compacted."""
        pr = self._prs[to]
        if pr.is_paused():
            return False
        log = self._log
        prev_index = pr.next - 1
        prev_term = log.term(prev_index)
        if prev_term is None:
            return self._maybe_send_snapshot(to, pr)
        ents: tuple[Entry, ...] = ()
        if pr.state is not _Replicate or len(pr.inflights) < pr.max_inflight:
            lo = pr.next
            hi = min(log.last_index + 1, lo + self._max_msg)
            if hi > lo:
                ents = tuple(log.slice(lo, hi))
        if not ents and not send_if_empty:
            return False
        committed = log.committed
        self._send(
            Message(
                MT.MsgApp,
                from_=self.id,
                to=to,
                index=prev_index,
                log_term=prev_term,
                entries=ents,
                commit=committed,
            )
        )
        pr.sent_entries(len(ents))
        pr.sent_commit = committed
        return True

    def _maybe_send_snapshot(self, to: str, pr: Progress) -> bool:
        if not pr.recent_active:
            return False  # raft.go: do not send a snapshot to a member not recently active
        snap = self._log.snapshot
        if snap.index == 0:
            raise RuntimeError("need non-empty snapshot")
        pr.become_snapshot(snap.index)
        self._send(Message(MT.MsgSnap, from_=self.id, to=to, snapshot=snap))
        return True

    def _flush_bcast(self) -> None:
        """Broadcast entries proposed since the last Ready, batched per follower.

        Upstream broadcasts on every MsgProp; proposals between two Ready calls are
        never visible to peers separately, so sending them together is the same as one
        MsgProp carrying all of them (up to ``max_size_per_msg`` entries per MsgApp).
        """
        self._bcast_pending = False
        if self.state is not _Leader:
            return
        for v in self._peers:
            # As many MsgApps as flow control allows (one while probing).
            while self._maybe_send_append(v, False):
                pass

    def _bcast_append(self) -> None:
        for v in self._peers:
            self._maybe_send_append(v, True)

    def _bcast_heartbeat(self) -> None:
        ctx = self._read_only.heartbeat_ctx()
        committed = self._log.committed
        for v in self._peers:
            pr = self._prs[v]
            # raft.go sendHeartbeat: never tell a follower to commit beyond what it has.
            commit = min(pr.match, committed)
            self._send(Message(MT.MsgHeartbeat, from_=self.id, to=v, commit=commit, context=ctx))
            pr.sent_commit = commit

    def _committed_entry_in_current_term(self) -> bool:
        return self._log.term(self._log.committed) == self.term

    def _send_read_index_response(self, m: Message) -> None:
        ro = self._read_only
        ro.add_request(self._log.committed, m)
        ro.recv_ack(self.id, ro.heartbeat_ctx())
        self._bcast_heartbeat()

    def _respond_read_index(self, req: Message, index: int) -> None:
        if req.from_ == NONE or req.from_ == self.id:
            self._read_states.append(ReadState(index, req.entries[0].data))
        else:
            self._send(Message(MT.MsgReadIndexResp, to=req.from_, index=index, entries=req.entries))

    def _release_pending_read_index(self) -> None:
        if not self._pending_read_index or not self._committed_entry_in_current_term():
            return
        pending = self._pending_read_index
        self._pending_read_index = []
        for m in pending:
            self._send_read_index_response(m)

    def _switch_to_config(self) -> tuple[str, ...]:
        """raft.go ``switchToConfig`` after a conf change was applied."""
        if self.id not in self._prs and self.state is _Leader:
            self._become_follower(self.term, NONE)  # StepDownOnRemoval
            return self._voters
        if self.state is not _Leader or not self._voters:
            return self._voters
        # The quorum changed: maybe more is committed now; probe new members.
        if self._maybe_commit():
            self._bcast_append()
        else:
            for v in self._peers:
                self._maybe_send_append(v, False)
        if self._lead_transferee and self._lead_transferee not in self._prs:
            self._lead_transferee = NONE
        return self._voters

    # --- candidate and follower -----------------------------------------------------

    def _step_candidate(self, m: Message) -> None:
        t = m.type
        my_resp = MT.MsgPreVoteResp if self.state is _PreCandidate else MT.MsgVoteResp
        if t is MT.MsgProp:
            raise ProposalDropped("raft proposal dropped: no leader")
        if t is MT.MsgApp or t is MT.MsgHeartbeat or t is MT.MsgSnap:
            # Paper §5.2: a candidate that hears from a leader of its term steps down.
            self._become_follower(m.term, m.from_)
            if t is MT.MsgApp:
                self._handle_append_entries(m)
            elif t is MT.MsgHeartbeat:
                self._handle_heartbeat(m)
            else:
                self._handle_snapshot(m)
        elif t is my_resp:
            result = self._poll(m.from_, not m.reject)
            if result == "won":
                if self.state is _PreCandidate:
                    self._campaign(_CAMPAIGN_ELECTION)
                else:
                    self._become_leader()
                    self._bcast_append()
            elif result == "lost":
                # A vote response with reject at our term: fall back to follower.
                self._become_follower(self.term, NONE)

    def _step_follower(self, m: Message) -> None:
        t = m.type
        if t is MT.MsgProp:
            if self.lead == NONE:
                raise ProposalDropped("raft proposal dropped: no leader")
            self._send(Message(MT.MsgProp, from_=m.from_, to=self.lead, entries=m.entries))
        elif t is MT.MsgApp:
            self._election_elapsed = 0
            self.lead = m.from_
            self._handle_append_entries(m)
        elif t is MT.MsgHeartbeat:
            self._election_elapsed = 0
            self.lead = m.from_
            self._handle_heartbeat(m)
        elif t is MT.MsgSnap:
            self._election_elapsed = 0
            self.lead = m.from_
            self._handle_snapshot(m)
        elif t is MT.MsgTransferLeader:
            if self.lead != NONE:
                self._send(Message(MT.MsgTransferLeader, from_=m.from_, to=self.lead))
        elif t is MT.MsgTimeoutNow:
            # The leader asks us to campaign at once, skipping PreVote (thesis §3.10).
            self._hup(CAMPAIGN_TRANSFER)
        elif t is MT.MsgReadIndex:
            if self.lead != NONE:
                self._send(Message(MT.MsgReadIndex, from_=self.id, to=self.lead, entries=m.entries))
        elif t is MT.MsgReadIndexResp and len(m.entries) == 1:
            self._read_states.append(ReadState(m.index, m.entries[0].data))

    def _handle_append_entries(self, m: Message) -> None:
        log = self._log
        if m.index < log.committed:
            self._send(Message(MT.MsgAppResp, to=m.from_, index=log.committed))
            return
        last_new = log.maybe_append(m.index, m.log_term, m.commit, m.entries)
        if last_new is not None:
            self._send(Message(MT.MsgAppResp, to=m.from_, index=last_new))
            return
        # Paper §5.3 consistency check failed.  Hint the leader with our last entry at
        # or below its prevIndex whose term is <= prevLogTerm (raft.go handleAppendEntries).
        hint_index = min(m.index, log.last_index)
        hint_index, hint_term = log.find_conflict_by_term(hint_index, m.log_term)
        self._send(
            Message(
                MT.MsgAppResp,
                to=m.from_,
                index=m.index,
                reject=True,
                reject_hint=hint_index,
                log_term=hint_term,
            )
        )

    def _handle_heartbeat(self, m: Message) -> None:
        self._log.commit_to(m.commit)
        self._send(Message(MT.MsgHeartbeatResp, to=m.from_, context=m.context))

    def _handle_snapshot(self, m: Message) -> None:
        snap = m.snapshot
        if snap is None:
            return
        log = self._log
        if self._restore(snap):
            self._send(Message(MT.MsgAppResp, to=m.from_, index=log.last_index))
        else:
            self._send(Message(MT.MsgAppResp, to=m.from_, index=log.committed))

    def _restore(self, snap: Snapshot) -> bool:
        """raft.go ``restore``: install a snapshot from the leader (paper §7)."""
        log = self._log
        if snap.index <= log.committed:
            return False
        if self.state is not _Follower:
            # raft.go: defensive, should never happen — step down and refuse.
            self._become_follower(self.term + 1, NONE)
            return False
        if self.id not in snap.voters:
            return False
        if log.term(snap.index) == snap.term:
            # We already hold the snapshot's last entry: just fast-forward the commit.
            log.commit_to(snap.index)
            return False
        log.restore(snap)
        self._set_voters(snap.voters)
        last = log.last_index
        self._prs = {
            v: Progress(last if v == self.id else 0, last + 1, self._max_inflight)
            for v in self._voters
        }
        return True
