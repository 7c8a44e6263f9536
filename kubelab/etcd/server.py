"""An etcd member on a simulated host: Raft + MVCC store + write-ahead log on the host's disk.

This is the driver around the pure cores (:mod:`kubelab.etcd.raft`, :mod:`kubelab.etcd.mvcc`),
shaped like etcd-io/etcd ``server/etcdserver/raft.go`` (the Ready loop) and ``server.go`` /
``v3_server.go`` (proposals, linearizable reads, leases, snapshots). One member per host; the
member's name is the host's name.

The Ready loop, as etcd runs it (server/etcdserver/raft.go ``raftNode.start``):

1. everything that happens at one simulated instant (client proposals, peer messages, ticks) is
   stepped into Raft, and ONE callback later takes one ``Ready`` for all of it;
2. a leader sends its messages at once, in parallel with its own disk write (Raft thesis
   §10.2.1); any other member sends only after the write is durable;
3. entries, hard state and snapshot go to the WAL on the host's disk with one fsync per Ready
   (``Ready.must_sync``); while that fsync runs, new input keeps accumulating in Raft, so the
   next Ready carries a whole batch;
4. committed entries are applied to the MVCC store; the member that received a client request
   answers it when the entry is applied locally; then ``advance``.

Crash-safety: the raft ``Storage`` object lives on the host's disk and is only updated when an
fsync completes, so a crash loses exactly what was not yet synced. The MVCC store is rebuilt on
restart from the last snapshot plus the committed entries after it (etcd replays its WAL the
same way).

Member IDs are computed as etcd computes them (sha1 of peer URLs + cluster token,
server/etcdserver/api/membership/member.go ``computeMemberID``) and written as etcd prints
them: lower-case hex (``types.ID.String``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from kubelab.etcd.errors import (
    ErrLeaseNotFound,
    ErrNoLeader,
    ErrNotPrimary,
    ErrRequestTooLarge,
    ErrTimeout,
    EtcdError,
)
from kubelab.etcd.lease import min_lease_ttl
from kubelab.etcd.mvcc import (
    MAX_REQUEST_BYTES,
    MVCCStore,
    prepare_txn,
    prepared_txn_too_large,
    request_size,
)
from kubelab.etcd.raft import (
    ConfChange,
    Config,
    Entry,
    EntryType,
    Message,
    MessageType,
    ProposalDropped,
    RawNode,
    ReadState,
    Ready,
    Snapshot,
    SoftState,
    StateType,
    Storage,
)
from kubelab.etcd.raft_types import NONE
from kubelab.sim.clock import EPOCH
from kubelab.sim.network import Envelope
from kubelab.sim.world import WorldError

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host, Timer
    from kubelab.sim.world import World

__all__ = [
    "CLIENT_PORT",
    "DEFAULT_ELECTION_TIMEOUT",
    "DEFAULT_HEARTBEAT_INTERVAL",
    "DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES",
    "DEFAULT_SNAPSHOT_COUNT",
    "ETCD_VERSION",
    "PEER_PORT",
    "WATCH_PORT",
    "ClientRequest",
    "ErrBadLeaderTransferee",
    "ErrLeaderChanged",
    "ErrMemberExist",
    "ErrMemberNotFound",
    "ErrNotLeader",
    "ErrProposalDropped",
    "ErrStopped",
    "ErrTimeoutLeaderTransfer",
    "ErrTooManyRequests",
    "EtcdMember",
    "cluster_id",
    "member_id",
]

#: The version the model follows (FIDELITY A4 cites v3.5.17 for its defaults).
ETCD_VERSION = "3.5.17"
#: Default --heartbeat-interval and --election-timeout, in seconds (server/embed/config.go).
DEFAULT_HEARTBEAT_INTERVAL = 0.1
DEFAULT_ELECTION_TIMEOUT = 1.0
#: --snapshot-count default in v3.5 (server/etcdserver/server.go DefaultSnapshotCount).
DEFAULT_SNAPSHOT_COUNT = 100_000
#: Entries kept behind a snapshot for slow followers (server.go DefaultSnapshotCatchUpEntries).
DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES = 5000
#: server/etcdserver/raft.go maxInflightMsgs: MsgApps in flight to one follower.
MAX_INFLIGHT_MSGS = 4096 // 8
#: Default --initial-cluster-token, part of every member ID (embed/config.go).
DEFAULT_CLUSTER_TOKEN = "etcd-cluster"
#: v3_server.go readIndexRetryTime: a ReadIndex unanswered this long is sent again.
READ_INDEX_RETRY = 0.5
#: lessor.go runLoop: the primary lessor looks for expired leases every 500 ms.
LEASE_CHECK_INTERVAL = 0.5
#: v3_server.go maxGapBetweenApplyAndCommitIndex: beyond it new proposals are refused.
MAX_GAP_APPLY_COMMIT = 5000
#: v3_server.go LeaseRenew: forwarding to the leader is retried every 50 ms.
LEASE_FORWARD_RETRY = 0.05
#: rafthttp snapshot sender: how long the leader waits for the receiver to take a snapshot.
SNAPSHOT_SEND_TIMEOUT = 5.0

#: Ports on the simulated hosts.
PEER_PORT = "etcd-peer"  # raft messages (rafthttp streams)
SNAPSHOT_PORT = "etcd-peer-snapshot"  # MsgSnap with its database (rafthttp snapshot sender)
LEASE_PORT = "etcd-peer-lease"  # keepalive / time-to-live forwarded to the leader (leasehttp)
CLIENT_PORT = "etcd-client"  # the client API (gRPC on :2379)
WATCH_PORT = "etcd-watch"  # watch responses streamed back to the client's host

_LEADER = StateType.StateLeader
_FOLLOWER = StateType.StateFollower
_CANDIDATE = StateType.StateCandidate
_PRE_CANDIDATE = StateType.StatePreCandidate
_CONF = EntryType.EntryConfChange
_MSG_APP = MessageType.MsgApp
_MSG_SNAP = MessageType.MsgSnap

#: What the trace calls each Raft role (etcd-io/raft logs "became leader at term N" etc.).
ROLE_NAMES = {
    _LEADER: "leader",
    _FOLLOWER: "follower",
    _CANDIDATE: "candidate",
    _PRE_CANDIDATE: "pre-candidate",
}


# --- errors the server adds to kubelab.etcd.errors (texts: api/v3rpc/rpctypes/error.go,
# server/etcdserver/errors.go) ------------------------------------------------------------------


class ErrLeaderChanged(EtcdError):
    """A linearizable read lost its leader before the ReadIndex came back (retryable)."""

    message = "etcdserver: leader changed"
    code = "Unavailable"


class ErrNotLeader(EtcdError):
    """MoveLeader sent to a member that is not the leader."""

    message = "etcdserver: not leader"
    code = "FailedPrecondition"


class ErrBadLeaderTransferee(EtcdError):
    """MoveLeader to a member that is not a voting member."""

    message = "etcdserver: bad leader transferee"
    code = "FailedPrecondition"


class ErrTimeoutLeaderTransfer(EtcdError):
    """The leadership transfer did not finish within the request timeout."""

    message = "etcdserver: request timed out, leader transfer took too long"
    code = "Unknown"


class ErrTooManyRequests(EtcdError):
    """Applying fell more than 5000 entries behind committing."""

    message = "etcdserver: too many requests"
    code = "ResourceExhausted"


class ErrMemberNotFound(EtcdError):
    message = "etcdserver: member not found"
    code = "NotFound"


class ErrMemberExist(EtcdError):
    message = "etcdserver: member ID already exist"
    code = "FailedPrecondition"


class ErrStopped(EtcdError):
    """The member was removed from the cluster and stopped serving."""

    message = "etcdserver: server stopped"
    code = "Unavailable"


class ErrProposalDropped(EtcdError):
    """Raft refused the proposal (e.g. during a leadership transfer); nothing was written.

    raft.go ErrProposalDropped is not in v3rpc's error map, so clients see code Unknown."""

    message = "raft proposal dropped"
    code = "Unknown"


# --- identities ---------------------------------------------------------------------------------


def member_id(name: str, token: str = DEFAULT_CLUSTER_TOKEN, added_at: float | None = None) -> str:
    """The member ID etcd computes for a member whose peer URL is ``http://<name>:2380``.

    membership/member.go computeMemberID: sha1 over the sorted peer URLs joined, then the
    cluster token, then (for a member added at runtime) the Unix time in seconds; the first 8
    bytes big-endian. Returned as etcd prints it (``types.ID.String``: hex, no padding).
    """
    b = f"http://{name}:2380".encode() + token.encode()
    if added_at is not None:
        b += str(int(EPOCH.timestamp() + added_at)).encode()
    return format(int.from_bytes(hashlib.sha1(b).digest()[:8], "big"), "x")


def cluster_id(member_ids: list[str]) -> str:
    """membership/cluster.go genID: sha1 over the sorted member IDs as 8-byte big-endian."""
    ids = sorted(int(m, 16) for m in member_ids)
    b = b"".join(i.to_bytes(8, "big") for i in ids)
    return format(int.from_bytes(hashlib.sha1(b).digest()[:8], "big"), "x")


class _IDGenerator:
    """pkg/idutil Generator: 16 bits of member ID, 40 bits of millisecond time, 8-bit counter.

    Gives request IDs and lease IDs; time is the simulated clock (epoch + now)."""

    def __init__(self, member: str, now: float) -> None:
        self.prefix = (int(member, 16) & 0xFFFF) << 48
        ms = int((EPOCH.timestamp() + now) * 1000)
        self.suffix = (ms & ((1 << 40) - 1)) << 8

    def next(self) -> int:
        self.suffix += 1
        return self.prefix | (self.suffix & ((1 << 48) - 1))


@dataclass(frozen=True, slots=True)
class ClientRequest:
    """One call on the client port: the gRPC method name, its request body (v3 JSON shape,
    keys and values as bytes), the caller's deadline (gRPC propagates it: the server gives up
    on the request when the client does) and clientv3's ``WithRequireLeader`` metadata."""

    method: str
    body: Mapping[str, Any]
    deadline: float = math.inf
    require_leader: bool = False


# A frozen dataclass's __init__ sets each field through object.__setattr__; setting the slots
# directly takes a third less time, and a client makes one of these per call.
_new_object = object.__new__
_set_request_method = ClientRequest.__dict__["method"].__set__
_set_request_body = ClientRequest.__dict__["body"].__set__
_set_request_deadline = ClientRequest.__dict__["deadline"].__set__
_set_request_require_leader = ClientRequest.__dict__["require_leader"].__set__


def new_client_request(
    method: str, body: Mapping[str, Any], deadline: float, require_leader: bool
) -> ClientRequest:
    """``ClientRequest(method, body, deadline, require_leader)``, built faster
    (ClientRequest has no ``__post_init__``)."""
    r: ClientRequest = _new_object(ClientRequest)
    _set_request_method(r, method)
    _set_request_body(r, body)
    _set_request_deadline(r, deadline)
    _set_request_require_leader(r, require_leader)
    return r


Respond = Callable[[Any], None]
#: A request waiting to be applied on the member that proposed it: who to answer, until
#: when, the request as proposed and, for a txn, its normalised form (prepare_txn).
_Wait = tuple[Respond, float, Mapping[str, Any], dict[str, Any] | None]


# --- the member handle --------------------------------------------------------------------------


class EtcdMember:
    """One etcd member on the simulated host of the same name.

    The handle outlives crashes; the running server (Raft node, MVCC store, watchers, pending
    requests) lives in the host's memory and is gone after :meth:`crash`. :meth:`restart` boots
    it again from the host's disk.
    """

    def __init__(
        self,
        world: World,
        name: str,
        initial_cluster: list[str],
        *,
        directory: dict[str, str] | None = None,
        election_timeout: float = DEFAULT_ELECTION_TIMEOUT,
        heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
        snapshot_count: int = DEFAULT_SNAPSHOT_COUNT,
        snapshot_catch_up_entries: int = DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        cluster_token: str = DEFAULT_CLUSTER_TOKEN,
        member_id_: str | None = None,
        cluster_id_: str | None = None,
        initial_voters: list[str] | None = None,
        trace_messages: bool = False,
        start: bool = True,
    ) -> None:
        """``initial_cluster`` names the members of a new cluster (``--initial-cluster``).
        ``directory`` maps member IDs to host names (shared by the members of one cluster:
        the peer URLs each member knows). ``initial_voters`` (member IDs) starts a member that
        joins an existing cluster (``--initial-cluster-state=existing``)."""
        ticks = election_timeout / heartbeat_interval
        if heartbeat_interval <= 0 or abs(ticks - round(ticks)) > 1e-9 or round(ticks) < 2:
            raise ValueError(
                "election timeout must be a multiple (>= 2) of the heartbeat interval, got "
                f"{election_timeout}s / {heartbeat_interval}s"
            )
        if snapshot_count < 1 or snapshot_catch_up_entries < 0:
            raise ValueError("snapshot_count must be >= 1 and snapshot_catch_up_entries >= 0")
        self.world = world
        self.name = name
        self.host: Host = world.host(name)
        self.id = member_id_ or member_id(name, cluster_token)
        self.cluster_token = cluster_token
        self.directory: dict[str, str] = directory if directory is not None else {}
        self.directory.setdefault(self.id, name)
        for peer in initial_cluster:
            self.directory.setdefault(member_id(peer, cluster_token), peer)
        self.initial_cluster = sorted(initial_cluster)
        self.initial_voters = (
            sorted(initial_voters)
            if initial_voters is not None
            else sorted(member_id(p, cluster_token) for p in initial_cluster)
        )
        self.cluster_id = cluster_id_ or cluster_id(
            [member_id(p, cluster_token) for p in initial_cluster] or [self.id]
        )
        self.election_timeout = float(election_timeout)
        self.heartbeat_interval = float(heartbeat_interval)
        self.election_ticks = round(ticks)
        self.snapshot_count = snapshot_count
        self.snapshot_catch_up_entries = snapshot_catch_up_entries
        self.max_request_bytes = max_request_bytes
        #: Trace every Raft message sent and received (slow; for the step-by-step lesson).
        self.trace_messages = trace_messages
        # server/config ReqTimeout: 5 s + 2 × election timeout.
        self.request_timeout = 5.0 + 2 * self.election_timeout
        self.host.on_boot(self._boot, run_now=start)

    def __repr__(self) -> str:
        s = self._server
        if s is None:
            return f"<EtcdMember {self.name} ({self.id}) down>"
        return f"<EtcdMember {self.name} ({self.id}) {s.role} term={s.raw.term}>"

    # -- lifecycle -----------------------------------------------------------------------------
    def _boot(self, host: Host) -> None:
        if host.disk.read("etcd/removed"):
            self.world.log(self.name, "etcd", "refuse-start", reason="member was removed")
            return
        host.memory["etcd"] = _Server(self, host)

    def crash(self) -> None:
        """Crash the host: the server and all volatile state are gone; the disk stays."""
        self.host.crash()

    def start(self) -> None:
        """Boot the crashed host (the member recovers from its disk), or start the member
        on a running host where it is not running yet."""
        if self.host.up:
            if self._server is None and not self.host.disk.read("etcd/removed"):
                self._boot(self.host)
            return
        self.host.start()

    def restart(self) -> None:
        """Crash and start again."""
        self.host.restart()

    @property
    def up(self) -> bool:
        """Whether the member's server is running."""
        return self._server is not None

    @property
    def _server(self) -> _Server | None:
        if not self.host.up:
            return None
        s = self.host.memory.get("etcd")
        return s if isinstance(s, _Server) and not s.stopped else None

    # -- views -----------------------------------------------------------------------------------
    @property
    def raft(self) -> RawNode | None:
        """The Raft state machine (read it, do not drive it); None while down."""
        s = self._server
        return None if s is None else s.raw

    @property
    def store(self) -> MVCCStore | None:
        """The member's MVCC store; None while down."""
        s = self._server
        return None if s is None else s.store

    @property
    def role(self) -> str:
        """The member's role: leader, follower, candidate, pre-candidate, or down."""
        s = self._server
        return "down" if s is None else s.role

    @property
    def is_leader(self) -> bool:
        """Whether this member is currently the Raft leader."""
        s = self._server
        return s is not None and s.raw.state is _LEADER

    @property
    def term(self) -> int:
        """Current Raft term (0 while down)."""
        s = self._server
        return 0 if s is None else s.raw.term

    @property
    def leader_id(self) -> str:
        """The member ID this member believes is leader ("" if none or down)."""
        s = self._server
        return "" if s is None else s.raw.lead

    @property
    def applied_index(self) -> int:
        """Index of the last entry applied to the store (0 while down)."""
        s = self._server
        return 0 if s is None else s.applied

    def status(self) -> dict[str, Any]:
        """The answer to ``etcdctl endpoint status`` for this member (raises when down)."""
        s = self._server
        if s is None:
            raise ErrStopped(f"etcd member {self.name} is down")
        return s.status()

    def campaign(self) -> None:
        """Start an election on this member now (raft MsgHup), for lessons."""
        s = self._server
        if s is not None:
            s.raw.campaign()
            s.kick()


# --- the running server -------------------------------------------------------------------------


class _ReadBatch:
    """Linearizable reads waiting for one ReadIndex (v3_server.go linearizableReadLoop)."""

    __slots__ = ("ctx", "deadline", "index", "reads")

    def __init__(self, ctx: int, reads: list[tuple[Callable[[], Any], Respond]], now: float):
        self.ctx = ctx
        self.reads = reads
        self.index = -1  # the confirmed read index once known
        self.deadline = now


class _Server:
    """The volatile part of a member: built at every boot, dropped at every crash."""

    def __init__(self, member: EtcdMember, host: Host) -> None:
        self.m = member
        self.host = host
        self.world = member.world
        self.env: simpy.Environment = member.world.env
        self.epoch = host.epoch
        self.id = member.id
        self.name = member.name
        self.stopped = False
        disk = host.disk
        storage = disk.read("etcd/raft")
        fresh = storage is None
        if fresh:
            storage = Storage()
            disk.write("etcd/raft", storage)
            disk.write("etcd/voters", tuple(member.initial_voters))
            disk.sync()
        assert isinstance(storage, Storage)
        self.storage: Storage = storage
        voters = tuple(disk.read("etcd/voters") or member.initial_voters)
        self.store = MVCCStore(
            max_request_bytes=member.max_request_bytes,
            min_lease_ttl=min_lease_ttl(
                member.election_ticks, round(member.heartbeat_interval * 1000)
            ),
        )
        snap = storage.snapshot
        if snap.index > 0:
            self.store.restore(snap.data)
        self.applied = snap.index
        self.snapshot_index = snap.index
        # server/etcdserver/raft.go: CheckQuorum on, PreVote from the config (on in v3.5),
        # MaxInflightMsgs = 4096 / 8 (MaxSizePerMsg is 1 MiB there; the model caps entries).
        cfg = Config(
            id=self.id,
            peers=voters,
            election_tick=member.election_ticks,
            heartbeat_tick=1,
            pre_vote=True,
            check_quorum=True,
            max_inflight_msgs=MAX_INFLIGHT_MSGS,
            applied=snap.index,
        )
        self.raw = RawNode(cfg, member.world.rng(f"{self.name}/raft"), storage)
        self.ids = _IDGenerator(self.id, self.world.now)
        # Ready loop state
        self._scheduled = False
        self._syncing = False
        self._pending_props: list[Any] = []
        # requests waiting for their entry to be applied, by request ID
        self._waits: dict[int, _Wait] = {}
        self._deadlines: list[tuple[float, int]] = []  # heap
        self._call_deadline = math.inf  # deadline of the client call being dispatched
        self._conf_waits: dict[tuple[str, str], list[Respond]] = {}
        # linearizable reads
        self._read_queue: list[tuple[Callable[[], Any], Respond]] = []
        self._read_batch: _ReadBatch | None = None
        self._apply_waits: list[tuple[int, _ReadBatch]] = []
        # watches: (client host, client watch id) -> store watch id
        self._watches: dict[tuple[str, int], int] = {}
        self.lead = NONE
        self.role = "follower"
        self.lead_elected_at = -1.0
        self._traced_commit = storage.hard_state.commit  # with trace_messages: commits logged
        self._hosts: dict[str, Host] = {}

        host.listen(PEER_PORT, self._on_peer)
        host.serve(SNAPSHOT_PORT, self._on_snapshot)
        host.serve(LEASE_PORT, self._on_lease_forward)
        host.listen(CLIENT_PORT, self._on_client)
        self._replies: dict[tuple[str, str], list[tuple[int, Any]]] = {}
        self._replies_scheduled = False
        self._tick_timer = host.every(member.heartbeat_interval, self._tick)
        self._lease_timer: Timer | None = None
        hs = storage.hard_state
        self.world.log(
            self.name,
            "etcd",
            "start" if fresh else "restart",
            member=self.id,
            term=hs.term,
            commit=hs.commit,
            snapshot_index=snap.index,
            last_index=storage.last_index(),
        )
        if len(voters) == 1 and voters[0] == self.id:
            self._adjust_ticks(0)
        else:
            host.call_later(0.05, self._adjust_ticks, 1)

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.host.epoch == self.epoch and self.host.up and not self.stopped

    def _header(self, revision: int | None = None) -> dict[str, Any]:
        return {
            "cluster_id": self.m.cluster_id,
            "member_id": self.id,
            "revision": self.store.current_revision if revision is None else revision,
            "raft_term": self.raw.term,
        }

    def _peer_host(self, name: str) -> Host | None:
        h = self._hosts.get(name)
        if h is None:
            try:
                h = self._hosts[name] = self.world.host(name, create=False)
            except WorldError:
                return None
        return h

    def _name_of(self, mid: str) -> str:
        return self.m.directory.get(mid, mid)

    def _adjust_ticks(self, attempt: int) -> None:
        """server.go adjustTicks: fast-forward election ticks at boot so the first election
        does not wait a whole election timeout (single member: ET-1 ticks; several: ET-2
        once more than one peer connection is up, checked every 50 ms for up to 5 s)."""
        if not self.alive:
            return
        voters = self.raw.voters
        et = self.m.election_ticks
        if len(voters) == 1 and voters[0] == self.id:
            for _ in range(et - 1):
                self.raw.tick()
            self.kick()
            return
        net = self.world.network
        active = 0
        for v in voters:
            if v == self.id:
                continue
            peer = self.m.directory.get(v)
            if peer is None:
                continue
            h = self._peer_host(peer)
            if h is None:
                continue
            if h.up and net.connected(self.name, peer) and h.handler(PEER_PORT) is not None:
                active += 1
        if active > 1:
            for _ in range(et - 2):
                self.raw.tick()
            self.kick()
            return
        if attempt < 100:  # rafthttp.ConnReadTimeout (5 s) / 50 ms
            self.host.call_later(0.05, self._adjust_ticks, attempt + 1)

    # -- the Ready loop ----------------------------------------------------------------------------
    def kick(self) -> None:
        """Schedule one Ready-processing callback at the current instant: everything else
        happening at this instant is stepped into Raft first and handled by the same Ready."""
        if self._scheduled or self._syncing:
            return
        self._scheduled = True
        ev = simpy.Timeout(self.env, 0)
        ev.callbacks.append(self._on_kick)

    def poke(self) -> None:
        """End of an input handler: take the next Ready. When nothing else is due at this
        instant, a scheduled callback would run next anyway, so run the loop now; otherwise
        :meth:`kick` (one callback after every other event of this instant)."""
        if self._scheduled or self._syncing:
            return
        env = self.env
        if env.peek() > env.now:
            self._run()
        elif self._pending_props or self.raw.has_ready():
            self.kick()

    def _on_kick(self, _e: object) -> None:
        self._scheduled = False
        if self.alive:
            self._run()

    def _run(self) -> None:
        """Take Readys until there is none or one waits for its fsync (raft.go start loop).

        Only called from handlers and callbacks that cannot run after a crash."""
        raw = self.raw
        while not self._syncing and not self.stopped:
            if self._pending_props:
                self._flush_proposals()
            if not raw.has_ready():
                return
            msgs = raw.take_messages()
            if msgs is not None:
                # a Ready holding only messages (heartbeats and their answers): send them,
                # then what _finish does after advance
                self._send_all(msgs)
                if not self._after_advance():
                    return
                continue
            rd = raw.ready()
            if rd.soft_state is not None:
                self._on_soft_state(rd.soft_state)
            if rd.read_states:
                self._on_read_states(rd.read_states)
            sent = False
            if raw.state is _LEADER and rd.messages:
                # The leader writes to its disk and sends in parallel (thesis §10.2.1; etcd
                # raft.go: "the leader can write to its disk in parallel with replicating").
                self._send_all(rd.messages)
                sent = True
            if rd.must_sync or rd.snapshot is not None:
                self._syncing = True
                self.host.disk.sync(lambda rd=rd, sent=sent: self._synced(rd, sent))  # type: ignore[misc]
                return
            self._finish(rd, sent)

    def _synced(self, rd: Ready, sent: bool) -> None:
        self._syncing = False
        if not self.alive:
            return
        self._finish(rd, sent)
        self.poke()

    def _finish(self, rd: Ready, sent: bool) -> None:
        """The Ready's writes are durable: send, apply, advance (etcd raft.go / applyAll)."""
        if rd.snapshot is not None or rd.entries or rd.hard_state is not None:
            self.storage.save_ready(rd)  # the WAL record is durable now
            if self.m.trace_messages:
                self._trace_ready(rd)
        if not sent and rd.messages:
            self._send_all(rd.messages)
        if rd.snapshot is not None:
            self._install_snapshot(rd.snapshot)
        if rd.committed_entries:
            self._apply(rd.committed_entries)
        self.raw.advance(rd)
        self._after_advance()

    def _after_advance(self) -> bool:
        """What follows a Ready's advance: a snapshot when one is due, the reads that can now
        be served. False when the member has stopped meanwhile."""
        if self.stopped:
            return False
        if self.applied - self.snapshot_index > self.m.snapshot_count:
            self._take_snapshot()
        if self._apply_waits:
            self._serve_reads()
        return True

    def _trace_ready(self, rd: Ready) -> None:
        """With ``trace_messages``: what this Ready made durable (the WAL append and the
        commit index it learnt), for the step-by-step lesson."""
        world = self.world
        if rd.entries:
            world.log(
                self.name,
                "etcd",
                "wal-append",
                first=rd.entries[0].index,
                last=rd.entries[-1].index,
                term=rd.entries[-1].term,
            )
        hs = rd.hard_state
        if hs is not None and hs.commit > self._traced_commit:
            self._traced_commit = hs.commit
            world.log(self.name, "etcd", "commit", index=hs.commit, term=self.raw.term)

    def _send_all(self, msgs: list[Message]) -> None:
        world = self.world
        directory = self.m.directory
        net = world.network
        trace = self.m.trace_messages
        me = self.name
        peer_host = self._peer_host
        for m in msgs:
            dst = directory.get(m.to)
            if dst is None:
                continue
            if trace:
                world.log(me, "etcd", "msg-send", **_msg_fields(m, directory))
            h = peer_host(dst)
            if h is None:
                # no such host yet (a member added but not started): connection refused
                self.raw.report_unreachable(m.to)
                continue
            t = m.type
            if t is _MSG_SNAP:
                self._send_snapshot(dst, m)
                continue
            if t is _MSG_APP and not (h.up and net.connected(me, dst)):
                # rafthttp reports a peer whose stream is broken (server/etcdserver/api/
                # rafthttp/peer.go -> ReportUnreachable): the leader stops streaming to it.
                self.raw.report_unreachable(m.to)
            net.send(me, dst, PEER_PORT, m)

    def _on_peer(self, env: Envelope) -> None:
        m = env.payload
        if self.m.trace_messages:
            self.world.log(self.name, "etcd", "msg-recv", **_msg_fields(m, self.m.directory))
        self.raw.step(m)
        self.poke()

    def _tick(self) -> None:
        raw = self.raw
        was_follower = raw.state is _FOLLOWER
        raw.tick()
        # a follower's tick only counts down its election timer: it has something to do only
        # when the timer fired and it started a (pre-)election
        if not was_follower or raw.state is not _FOLLOWER:
            self.poke()
        dl = self._deadlines
        if dl:
            now = self.world.now
            while dl and dl[0][0] <= now:
                _, rid = heapq.heappop(dl)
                wait = self._waits.pop(rid, None)
                if wait is not None:
                    wait[0](self._timeout_error())

    def _timeout_error(self) -> EtcdError:
        """server.go parseProposeCtxErr: request timed out (with the leader-failure variant
        when the request started around a leader change)."""
        now = self.world.now
        start = now - self.m.request_timeout
        elected = self.lead_elected_at
        if elected >= 0 and elected - 2 * self.m.election_timeout < start < elected:
            return ErrTimeout(
                "etcdserver: request timed out, possibly due to previous leader failure"
            )
        return ErrTimeout()

    # -- role changes --------------------------------------------------------------------------
    def _on_soft_state(self, ss: SoftState) -> None:
        raw = self.raw
        world = self.world
        role = ROLE_NAMES[ss.raft_state]
        if role != self.role:
            fields: dict[str, Any] = {"term": raw.term}
            world.log(self.name, "etcd", f"become-{role}", **fields)
            if self.role == "leader":
                # server.go updateLeadership: a member that is no longer leader demotes its
                # lessor (leases are kept "forever" until the next leader promotes them).
                self.store.lessor.demote()
                if self._lease_timer is not None:
                    self._lease_timer.cancel()
                    self._lease_timer = None
            if role == "leader":
                # lessor.go runLoop checks for expired leases every 500 ms; it only acts on
                # the primary lessor, so the model runs it only while this member leads.
                self._lease_timer = self.host.every(LEASE_CHECK_INTERVAL, self._lease_loop)
            self.role = role
        if ss.lead != self.lead:
            old = self.lead
            self.lead = ss.lead
            if ss.lead == NONE:
                # raft node.go: "raft.node: <id> lost leader <id> at term N"
                world.log(
                    self.name, "etcd", "leader-lost", leader=self._name_of(old), term=raw.term
                )
            else:
                world.log(
                    self.name,
                    "etcd",
                    "leader-elected" if old == NONE else "leader-changed",
                    leader=self._name_of(ss.lead),
                    term=raw.term,
                )
                if ss.lead == self.id:
                    self.lead_elected_at = world.now
            # a new leader means a pending ReadIndex will never be answered: fail the batch
            # with the retryable ErrLeaderChanged (v3_server.go requestCurrentIndex).
            batch = self._read_batch
            if batch is not None and batch.index < 0 and ss.lead != NONE:
                self._read_batch = None
                for _, respond in batch.reads:
                    respond(ErrLeaderChanged())
                self._maybe_start_read()

    # -- applying ----------------------------------------------------------------------------------
    def _apply(self, entries: list[Entry]) -> None:
        store = self.store
        waits = self._waits
        now = self.world.now
        for e in entries:
            if e.type is _CONF:
                self._apply_conf_change(e)
            elif e.data is None:
                # the empty entry a new leader appends (raft.go becomeLeader)
                self._on_first_commit_in_term()
            else:
                rid, req = e.data
                wait = waits.get(rid)
                try:
                    if wait is not None and wait[3] is not None and wait[2] is req:
                        # proposed here: normalised then, when its size was checked
                        resp: Any = store.apply_prepared_txn(wait[3])
                    else:
                        resp = store.apply(req, now=now)
                except EtcdError as err:
                    resp = err
                if self.m.trace_messages:
                    self._trace_apply(e, req, resp)
                wait = waits.pop(rid, None)
                if wait is not None:
                    if isinstance(resp, dict):
                        resp["header"] = self._header(resp["header"].get("revision"))
                    wait[0](resp)
            self.applied = e.index
            if self.stopped:
                return

    def _trace_apply(self, e: Entry, req: Any, resp: Any) -> None:
        """With ``trace_messages``: one record per entry applied to the MVCC store."""
        fields: dict[str, Any] = {"index": e.index, "term": e.term}
        if isinstance(req, Mapping) and len(req) == 1:
            ((op, body),) = req.items()
            fields["op"] = op
            if isinstance(body, Mapping) and isinstance(body.get("key"), bytes):
                fields["key"] = body["key"].decode("utf-8", "replace")
        if isinstance(resp, Mapping):
            fields["revision"] = resp.get("header", {}).get("revision")
        self.world.log(self.name, "etcd", "apply", **fields)

    def _on_first_commit_in_term(self) -> None:
        if self.raw.state is _LEADER:
            # server.go applyEntryNormal: a leader that applied its first entry promotes its
            # lessor, extending every lease by the election timeout.
            self.store.lessor.promote(self.world.now, self.m.election_timeout)
        # notifyAboutFirstCommitInTerm: a ReadIndex waiting for it is sent again.
        batch = self._read_batch
        if batch is not None and batch.index < 0:
            self.raw.read_index(batch.ctx)

    def _apply_conf_change(self, e: Entry) -> None:
        cc = e.data
        assert isinstance(cc, ConfChange)
        voters = self.raw.apply_conf_change(cc)
        self.world.log(
            self.name,
            "etcd",
            "conf-change-applied",
            change=cc.type,
            member=self._name_of(cc.node_id),
            index=e.index,
            voters=[self._name_of(v) for v in voters],
        )
        for respond in self._conf_waits.pop((cc.type, cc.node_id), []):
            respond(self._member_list())
        if cc.type == "RemoveNode" and cc.node_id == self.id:
            # server.go applyConfChange: "the member has been permanently removed from the
            # cluster" -> the server stops.
            self.world.log(self.name, "etcd", "member-removed", term=self.raw.term)
            self.host.disk.write("etcd/removed", True)
            self.host.disk.sync()
            self._stop()

    def _stop(self) -> None:
        self.stopped = True
        self._tick_timer.cancel()
        if self._lease_timer is not None:
            self._lease_timer.cancel()
        for port in (PEER_PORT, SNAPSHOT_PORT, LEASE_PORT, CLIENT_PORT):
            self.host.unlisten(port)
        for wait in list(self._waits.values()):
            wait[0](ErrStopped())
        self._waits.clear()

    # -- snapshots -----------------------------------------------------------------------------
    def _take_snapshot(self) -> None:
        """server.go snapshot: save the store at the applied index, then compact the raft log
        keeping SnapshotCatchUpEntries entries for slow followers."""
        index = self.applied
        catch_up = self.m.snapshot_catch_up_entries
        snap = self.raw.compact(index, self.store.snapshot(), catch_up)
        self.snapshot_index = index
        compact_to = max(index - catch_up, 1)
        storage = self.storage

        def saved() -> None:
            if snap.index <= storage.snapshot.index:
                return  # a newer snapshot from the leader was installed meanwhile
            storage.create_snapshot(snap)
            if storage.first_index() - 1 < compact_to <= snap.index:
                storage.compact(compact_to)

        self.host.disk.sync(saved)
        self.world.log(
            self.name,
            "etcd",
            "snapshot-saved",
            index=snap.index,
            term=snap.term,
            compact_index=compact_to,
        )

    def _send_snapshot(self, dst: str, m: Message) -> None:
        # etcdserver createMergedSnapshotMessage: send the current applied state and
        # membership, not raft's stored snapshot, so a member added after the last snapshot
        # finds itself in the configuration it receives.
        snap = self.raw.snapshot_for_send(self.store.snapshot())
        m = dataclasses.replace(m, snapshot=snap)
        self.world.log(self.name, "etcd", "snapshot-send", to=dst, index=snap.index, term=snap.term)
        ev = self.host.call(dst, SNAPSHOT_PORT, m, timeout=SNAPSHOT_SEND_TIMEOUT)
        to = m.to
        epoch = self.epoch

        def done(e: simpy.Event) -> None:
            if self.host.epoch != epoch or not self.alive:
                return
            self.raw.report_snapshot(to, bool(e.ok))
            self.kick()

        ev.callbacks.append(done)

    def _on_snapshot(self, m: Any, respond: Respond, _caller: str) -> None:
        assert isinstance(m, Message) and m.snapshot is not None
        self.world.log(
            self.name, "etcd", "snapshot-receive", index=m.snapshot.index, term=m.snapshot.term
        )
        self.raw.step(m)
        self.kick()
        respond(True)

    def _install_snapshot(self, snap: Snapshot) -> None:
        self.store.restore(snap.data)
        self.applied = snap.index
        self.snapshot_index = snap.index
        self.world.log(self.name, "etcd", "snapshot-installed", index=snap.index, term=snap.term)

    # -- client requests ---------------------------------------------------------------------------
    def _on_client(self, env: Envelope) -> None:
        """A batch of client calls (requests written on one connection at one instant)."""
        reply_port, calls = env.payload
        caller = env.src
        to = (caller, reply_port)
        lead = self.raw.lead
        for call_id, req in calls:
            respond = self._responder(to, call_id)
            handler = _HANDLERS.get(req.method) if isinstance(req, ClientRequest) else None
            if handler is None:
                respond(ValueError(f"unknown etcd request {req!r}"))
                continue
            if req.require_leader and lead == NONE:
                # v3rpc/interceptor.go: a request with the "hasleader" metadata is refused
                # at once by a member that knows no leader
                respond(ErrNoLeader())
                continue
            self._call_deadline = req.deadline
            try:
                handler(self, req.body, respond, caller)
            except EtcdError as err:
                respond(err)
        self._call_deadline = math.inf
        self.poke()

    def _responder(self, to: tuple[str, str], call_id: int) -> Respond:
        """The answer to call ``call_id`` from ``to`` (caller host, reply port)."""

        def respond(resp: Any) -> None:
            box = self._replies.get(to)
            if box is None:
                self._replies[to] = [(call_id, resp)]
            else:
                box.append((call_id, resp))
            if not self._replies_scheduled:
                self._replies_scheduled = True
                ev = simpy.Timeout(self.env, 0)
                ev.callbacks.append(self._flush_replies)

        return respond

    def _flush_replies(self, _e: object) -> None:
        """Answers produced at one instant for one connection go back in one message."""
        self._replies_scheduled = False
        replies, self._replies = self._replies, {}
        if not self.alive:
            return
        host = self.host
        for (caller, port), answers in replies.items():
            host.send(caller, port, answers)

    # writes -------------------------------------------------------------------------------------
    def propose(self, request: dict[str, Any], respond: Respond) -> None:
        """v3_server.go processInternalRaftRequestOnce: size check, register a wait, propose;
        ``respond`` gets the store's response once the entry is applied here."""
        raw = self.raw
        if raw.commit > self.applied + MAX_GAP_APPLY_COMMIT:
            respond(ErrTooManyRequests())
            return
        m = self.m
        limit = m.max_request_bytes
        prepared = None
        if len(request) == 1 and (txn := request.get("txn")) is not None:
            # etcd marshals the request here: a txn is normalised once, for the size check
            # and for applying it on this member (other members apply the logged request)
            prepared = prepare_txn(txn)
            too_large = prepared_txn_too_large(prepared, limit)
        else:
            too_large = not _surely_small(request, limit) and request_size(request) > limit
        if too_large:
            respond(ErrRequestTooLarge())
            return
        rid = self.ids.next()
        # server config ReqTimeout, or sooner when the client gives up (gRPC deadline)
        deadline = self.world.now + m.request_timeout
        if self._call_deadline < deadline:
            deadline = self._call_deadline
        self._waits[rid] = (respond, deadline, request, prepared)
        heapq.heappush(self._deadlines, (deadline, rid))
        self._pending_props.append((rid, request))

    def _flush_proposals(self) -> None:
        """Hand the queued proposals to Raft as one MsgProp.

        While the member knows no leader they wait (raft node.go stops reading proposals,
        ``propc = nil``) until a leader appears or their deadline passes."""
        raw = self.raw
        waits = self._waits
        now = self.world.now
        live = [p for p in self._pending_props if (w := waits.get(p[0])) and w[1] > now]
        if raw.lead == NONE:
            self._pending_props = live
            return
        self._pending_props = []
        try:
            raw.propose_batch(live)
        except ProposalDropped as err:
            for rid, _ in live:
                wait = waits.pop(rid, None)
                if wait is not None:
                    wait[0](ErrProposalDropped(str(err)))

    # reads --------------------------------------------------------------------------------------
    def linearizable(self, fn: Callable[[], Any], respond: Respond) -> None:
        """Serve ``fn()`` once a ReadIndex confirmed by the leader has been applied here."""
        self._read_queue.append((fn, respond))
        if self._read_batch is None:
            self._maybe_start_read()

    def _maybe_start_read(self) -> None:
        if self._read_batch is not None or not self._read_queue:
            return
        reads, self._read_queue = self._read_queue, []
        batch = _ReadBatch(self.ids.next(), reads, self.world.now)
        batch.deadline = self.world.now + self.m.request_timeout
        self._read_batch = batch
        self.raw.read_index(batch.ctx)
        self.host.call_later(READ_INDEX_RETRY, self._read_retry, batch)

    def _read_retry(self, batch: _ReadBatch) -> None:
        if self._read_batch is not batch or batch.index >= 0:
            return
        if self.world.now >= batch.deadline - 1e-9:
            # v3_server.go requestCurrentIndex: "timed out waiting for read index response"
            self._read_batch = None
            for _, respond in batch.reads:
                respond(ErrTimeout())
            self._maybe_start_read()
            self.poke()
            return
        self.raw.read_index(batch.ctx)  # "waiting for ReadIndex response took too long, retrying"
        self.poke()
        delay = min(READ_INDEX_RETRY, max(batch.deadline - self.world.now, 0.0))
        self.host.call_later(delay, self._read_retry, batch)

    def _on_read_states(self, states: list[ReadState]) -> None:
        batch = self._read_batch
        if batch is None:
            return
        for rs in states:
            if rs.request_ctx == batch.ctx and batch.index < 0:
                batch.index = rs.index
                self._read_batch = None
                self._apply_waits.append((rs.index, batch))
                self._serve_reads()
                self._maybe_start_read()
                return

    def _serve_reads(self) -> None:
        applied = self.applied
        waiting = []
        for index, batch in self._apply_waits:
            if index <= applied:
                for fn, respond in batch.reads:
                    try:
                        respond(fn())
                    except EtcdError as err:
                        respond(err)
            else:
                waiting.append((index, batch))
        self._apply_waits = waiting

    def _range(self, body: Mapping[str, Any]) -> dict[str, Any]:
        resp = self.store.apply({"range": dict(body)})
        resp["header"] = self._header()
        return resp

    def _readonly_txn(self, body: Mapping[str, Any]) -> dict[str, Any]:
        resp = self.store.apply({"txn": dict(body)})
        resp["header"] = self._header()
        return resp

    # leases -------------------------------------------------------------------------------------
    def _lease_loop(self) -> None:
        """lessor.go runLoop + server.go revokeExpiredLeases: the leader proposes a revoke
        for every expired lease."""
        if self.raw.state is not _LEADER or not self.store.lessor.primary:
            return
        expired = self.store.lessor.expired(self.world.now)
        if not expired:
            return
        self.world.log(
            self.name, "etcd", "lease-expired", leases=[format(i, "016x") for i in expired]
        )
        for lease_id in expired:
            self.propose({"lease_revoke": {"ID": lease_id}}, _ignore)
        self.poke()

    def lease_on_leader(
        self, op: str, body: Mapping[str, Any], respond: Respond, deadline: float
    ) -> None:
        """LeaseKeepAlive / LeaseTimeToLive: answered by the primary lessor (the leader);
        a follower forwards them to the leader (v3_server.go LeaseRenew, leaseTimeToLive)."""
        if not self.alive:
            return
        raw = self.raw
        now = self.world.now
        if raw.state is _LEADER:
            try:
                respond(self._lease_local(op, body))
                return
            except ErrNotPrimary:
                pass  # leader not yet promoted: try again shortly
        elif raw.lead != NONE:
            leader = self.m.directory.get(raw.lead)
            if leader is not None:
                ev = self.host.call(
                    leader, LEASE_PORT, (op, dict(body)), timeout=max(deadline - now, 0.001)
                )

                def done(e: simpy.Event) -> None:
                    if not self.alive:
                        return
                    if e.ok or isinstance(e.value, ErrLeaseNotFound):
                        respond(e.value)
                    elif self.world.now + LEASE_FORWARD_RETRY < deadline:
                        self.host.call_later(
                            LEASE_FORWARD_RETRY, self.lease_on_leader, op, body, respond, deadline
                        )
                    else:
                        respond(ErrTimeout())

                ev.callbacks.append(done)
                return
        if now + LEASE_FORWARD_RETRY >= deadline:
            respond(ErrNoLeader() if raw.lead == NONE else ErrTimeout())
            return
        self.host.call_later(LEASE_FORWARD_RETRY, self.lease_on_leader, op, body, respond, deadline)

    def _lease_local(self, op: str, body: Mapping[str, Any]) -> dict[str, Any]:
        now = self.world.now
        lease_id = int(body.get("ID", 0))
        if op == "keepalive":
            resp = self.store.lease_keepalive(lease_id, now)
        else:
            if not self.store.lessor.primary:
                raise ErrNotPrimary()
            resp = self.store.lease_time_to_live(lease_id, now, bool(body.get("keys", False)))
        resp["header"] = self._header()
        return resp

    def _on_lease_forward(self, req: Any, respond: Respond, _caller: str) -> None:
        op, body = req
        if self.raw.state is not _LEADER:
            respond(ErrNotPrimary())
            return
        try:
            respond(self._lease_local(op, body))
        except EtcdError as err:
            respond(err)

    # membership ---------------------------------------------------------------------------------
    def _member_list(self) -> dict[str, Any]:
        members = []
        for mid in sorted(self.raw.voters, key=lambda x: int(x, 16)):
            name = self._name_of(mid)
            members.append(
                {
                    "ID": mid,
                    "name": name,
                    "peerURLs": [f"http://{name}:2380"],
                    "clientURLs": [f"http://{name}:2379"],
                    "isLearner": False,
                }
            )
        return {"header": self._header(), "members": members}

    def conf_change(self, cc: ConfChange, respond: Respond) -> None:
        """server.go configure: propose the change and answer when it is applied here."""
        try:
            self.raw.propose_conf_change(cc)
        except ProposalDropped:
            respond(ErrNoLeader() if self.raw.lead == NONE else ErrProposalDropped())
            return
        key = (cc.type, cc.node_id)
        self._conf_waits.setdefault(key, []).append(respond)

        def expire() -> None:
            waits = self._conf_waits.get(key)
            if waits and respond in waits:
                waits.remove(respond)
                respond(ErrTimeout())

        self.host.call_later(self.m.request_timeout, expire)
        self.kick()

    def move_leader(self, transferee: str, respond: Respond) -> None:
        """server.go MoveLeader: transfer, then poll every tick until the leader changed."""
        raw = self.raw
        if raw.state is not _LEADER:
            respond(ErrNotLeader())
            return
        if transferee not in raw.voters:
            respond(ErrBadLeaderTransferee())
            return
        self.world.log(self.name, "etcd", "leader-transfer-start", to=self._name_of(transferee))
        raw.transfer_leader(transferee)
        self.kick()
        deadline = self.world.now + self.m.request_timeout

        def poll() -> None:
            if raw.lead == transferee:
                respond({"header": self._header()})
            elif self.world.now >= deadline:
                respond(ErrTimeoutLeaderTransfer())
            else:
                self.host.call_later(self.m.heartbeat_interval, poll)

        self.host.call_later(self.m.heartbeat_interval, poll)

    # status -------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """maintenance.go Status."""
        raw = self.raw
        size = len(self.store.snapshot())
        errors = [] if raw.lead != NONE else [ErrNoLeader.message]
        return {
            "header": self._header(),
            "version": ETCD_VERSION,
            "dbSize": size,
            "dbSizeInUse": size,
            "leader": raw.lead,
            "raftIndex": raw.commit,
            "raftTerm": raw.term,
            "raftAppliedIndex": self.applied,
            "errors": errors,
            "isLearner": False,
        }

    # watches ------------------------------------------------------------------------------------
    def watch(self, body: Mapping[str, Any], respond: Respond, caller: str) -> None:
        cid = int(body["watch_id"])
        host = self.host

        def deliver(resp: dict[str, Any]) -> None:
            # the hub builds a new response for every delivery: it is completed in place
            resp["header"] = self._header(resp["header"].get("revision"))
            resp["watch_id"] = cid
            host.send(caller, WATCH_PORT, resp)

        wid = self.store.watch(
            body["key"],
            body.get("range_end"),
            start_revision=int(body.get("start_revision", 0)),
            prev_kv=bool(body.get("prev_kv", False)),
            filters=body.get("filters", ()),
            callback=deliver,
        )
        self._watches[(caller, cid)] = wid
        respond({"header": self._header(), "watch_id": cid, "created": True})

    def cancel_watch(self, body: Mapping[str, Any], respond: Respond, caller: str) -> None:
        wid = self._watches.pop((caller, int(body["watch_id"])), None)
        if wid is not None:
            self.store.cancel(wid)
        respond({"header": self._header(), "watch_id": int(body["watch_id"]), "canceled": True})


def _surely_small(request: Mapping[str, Any], limit: int) -> bool:
    """A cheap test that a put is below the request size limit, so the exact protobuf size
    (``request_size``) is only computed for large requests."""
    body = request.get("put")
    if body is None:
        return False
    key, value = body.get("key", b""), body.get("value", b"")
    if not isinstance(key, bytes) or not isinstance(value, bytes):
        return False
    return len(key) + len(value) + 256 < limit


def _ignore(_resp: Any) -> None:
    return None


def _msg_fields(m: Message, directory: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": m.type.value,
        "from": directory.get(m.from_, m.from_),
        "to": directory.get(m.to, m.to),
        "term": m.term,
    }
    t = m.type
    if t in (
        MessageType.MsgApp,
        MessageType.MsgAppResp,
        MessageType.MsgVote,
        MessageType.MsgPreVote,
    ):
        out["index"] = m.index
        out["log_term"] = m.log_term
    if t is MessageType.MsgApp:
        out["entries"] = len(m.entries)
    if t in (MessageType.MsgApp, MessageType.MsgHeartbeat):
        out["commit"] = m.commit
    if m.reject:
        out["reject"] = True
    if m.snapshot is not None:
        out["snapshot_index"] = m.snapshot.index
    return out


# --- request handlers (one per gRPC method) -----------------------------------------------------

_Handler = Callable[[_Server, Mapping[str, Any], Respond, str], None]


def _h_range(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    if body.get("serializable"):
        respond(s._range(body))  # served from the local store at once (may be stale)
    else:
        s.linearizable(lambda: s._range(body), respond)


def _h_put(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    s.propose({"put": body}, respond)


def _h_delete(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    s.propose({"delete_range": dict(body)}, respond)


def _h_txn(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    ops = [*(body.get("success") or ()), *(body.get("failure") or ())]
    for op in ops:
        if "request_range" not in op:
            s.propose({"txn": dict(body)}, respond)
            return
    # v3_server.go Txn: a read-only txn is a read (linearizable unless every range in it
    # is serializable)
    ranges = [op["request_range"] for op in ops]
    if ranges and all(r.get("serializable") for r in ranges):
        respond(s._readonly_txn(body))
    else:
        s.linearizable(lambda: s._readonly_txn(body), respond)


def _h_compact(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    s.propose({"compaction": {"revision": int(body.get("revision", 0))}}, respond)


def _h_lease_grant(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    lease_id = int(body.get("ID", 0))
    # v3_server.go LeaseGrant: no ID given -> one from the request ID generator, positive int64.
    while lease_id == 0:
        lease_id = s.ids.next() & ((1 << 63) - 1)
    s.propose({"lease_grant": {"ID": lease_id, "TTL": int(body.get("TTL", 0))}}, respond)


def _h_lease_revoke(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    s.propose({"lease_revoke": {"ID": int(body.get("ID", 0))}}, respond)


def _h_lease_keepalive(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    s.lease_on_leader("keepalive", body, respond, s.world.now + s.m.request_timeout)


def _h_lease_ttl(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    s.lease_on_leader("timetolive", body, respond, s.world.now + s.m.request_timeout)


def _h_lease_leases(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    resp = s.store.lease_leases(s.world.now)
    resp["header"] = s._header()
    respond(resp)


def _h_watch(s: _Server, body: Mapping[str, Any], respond: Respond, caller: str) -> None:
    s.watch(body, respond, caller)


def _h_watch_cancel(s: _Server, body: Mapping[str, Any], respond: Respond, caller: str) -> None:
    s.cancel_watch(body, respond, caller)


def _h_member_list(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    respond(s._member_list())


def _h_member_add(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    name = str(body["name"])
    mid = str(body.get("ID") or member_id(name, s.m.cluster_token, added_at=s.world.now))
    if mid in s.raw.voters:
        respond(ErrMemberExist())
        return
    # The conf change carries the new member's peer URLs (its context in etcd): every member
    # learns where to reach it.
    s.m.directory[mid] = name
    s.conf_change(ConfChange("AddNode", mid), respond)


def _h_member_remove(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    mid = str(body["ID"])
    if mid not in s.raw.voters:
        respond(ErrMemberNotFound())
        return
    s.conf_change(ConfChange("RemoveNode", mid), respond)


def _h_status(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    respond(s.status())


def _h_move_leader(s: _Server, body: Mapping[str, Any], respond: Respond, _c: str) -> None:
    s.move_leader(str(body["targetID"]), respond)


_HANDLERS: dict[str, _Handler] = {
    "Range": _h_range,
    "Put": _h_put,
    "DeleteRange": _h_delete,
    "Txn": _h_txn,
    "Compact": _h_compact,
    "LeaseGrant": _h_lease_grant,
    "LeaseRevoke": _h_lease_revoke,
    "LeaseKeepAlive": _h_lease_keepalive,
    "LeaseTimeToLive": _h_lease_ttl,
    "LeaseLeases": _h_lease_leases,
    "Watch": _h_watch,
    "WatchCancel": _h_watch_cancel,
    "MemberList": _h_member_list,
    "MemberAdd": _h_member_add,
    "MemberRemove": _h_member_remove,
    "Status": _h_status,
    "MoveLeader": _h_move_leader,
}
