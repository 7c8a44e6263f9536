"""Records exchanged by the Raft state machine, shaped like etcd-io/raft's raftpb.

Everything here is plain data: enums whose values are the upstream names, frozen
dataclasses for what is persisted (entries, hard state, snapshots) and a mutable
``Message`` record for what travels between members.  Node ids are strings; the
empty string plays the role of upstream's ``None`` (id 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "CAMPAIGN_TRANSFER",
    "NONE",
    "ConfChange",
    "Config",
    "Entry",
    "EntryType",
    "HardState",
    "Message",
    "MessageType",
    "ProgressState",
    "ProposalDropped",
    "ReadState",
    "Ready",
    "Snapshot",
    "SoftState",
    "StateType",
]

#: Upstream's ``None`` node id (raft.go ``const None uint64 = 0``).
NONE = ""

#: Context of vote requests sent after MsgTimeoutNow (raft.go ``campaignTransfer``).
CAMPAIGN_TRANSFER = "CampaignTransfer"


class MessageType(StrEnum):
    """Message kinds of raftpb/raft.proto (the subset a v2-conf-change-free raft uses)."""

    MsgHup = "MsgHup"
    MsgBeat = "MsgBeat"
    MsgProp = "MsgProp"
    MsgApp = "MsgApp"
    MsgAppResp = "MsgAppResp"
    MsgVote = "MsgVote"
    MsgVoteResp = "MsgVoteResp"
    MsgSnap = "MsgSnap"
    MsgHeartbeat = "MsgHeartbeat"
    MsgHeartbeatResp = "MsgHeartbeatResp"
    MsgUnreachable = "MsgUnreachable"
    MsgSnapStatus = "MsgSnapStatus"
    MsgCheckQuorum = "MsgCheckQuorum"
    MsgTransferLeader = "MsgTransferLeader"
    MsgTimeoutNow = "MsgTimeoutNow"
    MsgReadIndex = "MsgReadIndex"
    MsgReadIndexResp = "MsgReadIndexResp"
    MsgPreVote = "MsgPreVote"
    MsgPreVoteResp = "MsgPreVoteResp"


class EntryType(StrEnum):
    """raftpb EntryType (EntryConfChangeV2 / joint consensus is not modelled)."""

    EntryNormal = "EntryNormal"
    EntryConfChange = "EntryConfChange"


class StateType(StrEnum):
    """Role of a member (raft.go ``StateType``)."""

    StateFollower = "StateFollower"
    StateCandidate = "StateCandidate"
    StateLeader = "StateLeader"
    StatePreCandidate = "StatePreCandidate"


class ProgressState(StrEnum):
    """How the leader replicates to one follower (tracker/state.go)."""

    StateProbe = "StateProbe"
    StateReplicate = "StateReplicate"
    StateSnapshot = "StateSnapshot"


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry.  ``data`` is opaque to raft; for EntryConfChange it is a ConfChange."""

    term: int
    index: int
    type: EntryType = EntryType.EntryNormal
    data: Any = None


# A frozen dataclass's __init__ sets each field through object.__setattr__; setting the slots
# directly takes a third less time, and the leader makes an entry for every proposal.
_new_object = object.__new__
_set_entry_term = Entry.__dict__["term"].__set__
_set_entry_index = Entry.__dict__["index"].__set__
_set_entry_type = Entry.__dict__["type"].__set__
_set_entry_data = Entry.__dict__["data"].__set__


def new_entry(term: int, index: int, type: EntryType, data: Any) -> Entry:
    """``Entry(term, index, type, data)``, built faster (Entry has no ``__post_init__``)."""
    e: Entry = _new_object(Entry)
    _set_entry_term(e, term)
    _set_entry_index(e, index)
    _set_entry_type(e, type)
    _set_entry_data(e, data)
    return e


@dataclass(frozen=True, slots=True)
class ConfChange:
    """A single-member configuration change (raftpb ConfChange, v1 types only)."""

    type: Literal["AddNode", "RemoveNode"]
    node_id: str


@dataclass(frozen=True, slots=True)
class HardState:
    """What must be durable before a member answers (paper Fig. 2 "persistent state")."""

    term: int = 0
    vote: str = NONE
    commit: int = 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """State machine image up to ``index`` (raftpb SnapshotMetadata; ConfState = voters)."""

    index: int
    term: int
    voters: tuple[str, ...]
    data: Any = None


@dataclass(slots=True)
class Message:
    """raftpb Message.  ``from_`` because ``from`` is a Python keyword.

    The state machine never mutates a message it was given, so a test network may
    deliver the same object twice (duplication) without copying it.
    """

    type: MessageType
    from_: str = NONE
    to: str = NONE
    term: int = 0
    log_term: int = 0
    index: int = 0
    entries: tuple[Entry, ...] = ()
    commit: int = 0
    reject: bool = False
    reject_hint: int = 0
    snapshot: Snapshot | None = None
    context: Any = None


@dataclass(frozen=True, slots=True)
class ReadState:
    """A confirmed ReadIndex: serve the read once applied >= index (read_only.go)."""

    index: int
    request_ctx: Any


@dataclass(slots=True)
class SoftState:
    """Volatile state worth showing; not persisted (node.go ``SoftState``)."""

    lead: str
    raft_state: StateType


@dataclass(slots=True)
class Ready:
    """Work handed to the driver (node.go ``Ready``), processed in this order:

    1. persist ``snapshot`` (if any), append ``entries`` and save ``hard_state`` to stable
       storage — durably (fsync) when ``must_sync``;
    2. only then send ``messages`` (they may acknowledge the persisted entries or vote);
       in a ``MsgSnap`` etcd puts its current state (``RawNode.snapshot_for_send``), and
       the transport's outcome must be reported with ``report_snapshot``;
    3. install ``snapshot`` into the state machine, then apply ``committed_entries`` in
       order (calling ``apply_conf_change`` for EntryConfChange entries);
    4. call ``RawNode.advance(rd)``.
    """

    soft_state: SoftState | None
    hard_state: HardState | None
    entries: list[Entry]
    snapshot: Snapshot | None
    committed_entries: list[Entry]
    messages: list[Message]
    read_states: list[ReadState]
    must_sync: bool


class ProposalDropped(Exception):
    """raft.go ``ErrProposalDropped``: no leader known, leadership transfer under way,
    or the leader is not in the configuration."""

    def __init__(self, reason: str = "raft proposal dropped") -> None:
        super().__init__(reason)


@dataclass
class Config:
    """Parameters of one member (raft.go ``Config``).

    ``max_size_per_msg`` caps the number of entries in one MsgApp.  etcd caps bytes
    (server/etcdserver/raft.go ``maxSizePerMsg = 1 MiB``); entry payloads are opaque
    here, so the cap counts entries instead.  ``applied`` is upstream ``Config.Applied``:
    set it when the state machine survived a restart up to that index.
    """

    id: str
    peers: tuple[str, ...]
    election_tick: int = 10  # etcd ElectionMs 1000 / TickMs 100 (FIDELITY A4)
    heartbeat_tick: int = 1  # etcd HeartbeatMs 100 / TickMs 100 (FIDELITY A4)
    pre_vote: bool = True  # embed/config.go v3.5 `PreVote: true`
    check_quorum: bool = True  # etcd server sets CheckQuorum: true
    max_size_per_msg: int = 4096
    max_inflight_msgs: int = 256
    applied: int = 0
    #: Upper end of the randomized election timeout, in ticks.  0 (the default) keeps
    #: etcd's rule, uniform in [election_tick, 2*election_tick - 1] (raft.go
    #: resetRandomizedElectionTimeout); a value >= election_tick makes it uniform in
    #: [election_tick, election_tick_max] inclusive, the Raft paper's "150-300 ms" ranges
    #: (LogCabin, paper §9.3).  Not an upstream option.
    election_tick_max: int = 0

    def validate(self) -> None:
        """Reject configurations upstream ``Config.validate`` rejects."""
        if self.id == NONE:
            raise ValueError("cannot use none as id")
        if self.heartbeat_tick <= 0:
            raise ValueError("heartbeat tick must be greater than 0")
        if self.election_tick <= self.heartbeat_tick:
            raise ValueError("election tick must be greater than heartbeat tick")
        if self.election_tick_max and self.election_tick_max < self.election_tick:
            raise ValueError("election tick max must be 0 or at least the election tick")
        if self.max_inflight_msgs <= 0:
            raise ValueError("max inflight messages must be greater than 0")
        if self.max_size_per_msg <= 0:
            raise ValueError("max size per msg must be greater than 0")
