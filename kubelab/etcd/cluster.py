"""A whole etcd cluster on simulated hosts: what chapter 1 and the API server build on.

>>> from kubelab.sim import World
>>> w = World(seed=1)
>>> c = EtcdCluster(w, members=3)
>>> leader = c.wait_for_leader()
>>> cli = c.client()
>>> _ = cli.put("greeting", "hello")
>>> cli.get("greeting")["kvs"][0]["value"]
'hello'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kubelab.etcd.client import EtcdClient, to_text
from kubelab.etcd.mvcc import MAX_REQUEST_BYTES
from kubelab.etcd.raft import ConfChange, Entry, EntryType, HardState, StateType, Storage
from kubelab.etcd.server import (
    DEFAULT_CLUSTER_TOKEN,
    DEFAULT_ELECTION_TIMEOUT,
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES,
    DEFAULT_SNAPSHOT_COUNT,
    EtcdMember,
)

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host
    from kubelab.sim.world import World

__all__ = ["EtcdCluster", "describe_entry"]


def describe_entry(e: Entry, names: dict[str, str] | None = None) -> str:
    """A short text for one log entry, for tables and diagrams."""
    names = names or {}
    if e.type is EntryType.EntryConfChange:
        cc = e.data
        if isinstance(cc, ConfChange):
            return f"{cc.type} {names.get(cc.node_id, cc.node_id)}"
        return "conf change"
    if e.data is None:
        return "(empty)"
    try:
        _, req = e.data
        ((kind, body),) = req.items()
    except (TypeError, ValueError):
        return repr(e.data)
    body = to_text(body)
    if kind == "put":
        return f"put {body.get('key')}={body.get('value')}"
    if kind == "delete_range":
        return f"del {body.get('key')}"
    if kind == "compaction":
        return f"compact {body.get('revision')}"
    if kind in ("lease_grant", "lease_revoke"):
        return f"{kind} {int(body.get('ID', 0)):016x}"
    return str(kind)


class EtcdCluster:
    """``members`` etcd members on hosts ``etcd-1``..``etcd-N`` (or ``names``/``hosts``).

    Timing defaults are etcd's (heartbeat 100 ms, election timeout 1 s; FIDELITY A4); so is
    ``snapshot_count`` (100,000 in v3.5) — lower it to watch snapshots being sent.
    """

    def __init__(
        self,
        world: World,
        members: int = 3,
        election_timeout: float = DEFAULT_ELECTION_TIMEOUT,
        heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
        names: Iterable[str] | None = None,
        hosts: Iterable[str | Host] | None = None,
        snapshot_count: int = DEFAULT_SNAPSHOT_COUNT,
        snapshot_catch_up_entries: int = DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        cluster_token: str = DEFAULT_CLUSTER_TOKEN,
        trace_messages: bool = False,
    ) -> None:
        if names is not None and hosts is not None:
            raise ValueError("give member names or hosts, not both")
        if hosts is not None:
            chosen = [h if isinstance(h, str) else h.name for h in hosts]
        elif names is not None:
            chosen = list(names)
        else:
            if not isinstance(members, int) or isinstance(members, bool) or members < 1:
                raise ValueError(
                    f"an etcd cluster needs a whole number of members >= 1, got {members!r}"
                )
            chosen = [f"etcd-{i}" for i in range(1, members + 1)]
        if len(set(chosen)) != len(chosen) or not chosen:
            raise ValueError(f"member names must be distinct and non-empty: {chosen}")
        self.world = world
        self.directory: dict[str, str] = {}
        self._options: dict[str, Any] = {
            "election_timeout": election_timeout,
            "heartbeat_interval": heartbeat_interval,
            "snapshot_count": snapshot_count,
            "snapshot_catch_up_entries": snapshot_catch_up_entries,
            "max_request_bytes": max_request_bytes,
            "cluster_token": cluster_token,
            "trace_messages": trace_messages,
        }
        self._members: dict[str, EtcdMember] = {}
        for name in sorted(chosen):
            self._members[name] = EtcdMember(
                world, name, chosen, directory=self.directory, **self._options
            )
        self.election_timeout = float(election_timeout)
        self.heartbeat_interval = float(heartbeat_interval)
        #: The cluster ID every member reports in its response headers.
        self.cluster_id = self._members[sorted(chosen)[0]].cluster_id

    def __repr__(self) -> str:
        lead = self.leader()
        return (
            f"<EtcdCluster {len(self._members)} members, leader "
            f"{lead.name if lead else None} t={self.world.now:.3f}s>"
        )

    # -- members -------------------------------------------------------------------------------
    @property
    def members(self) -> list[EtcdMember]:
        """Every member started by this cluster object, sorted by name."""
        return [self._members[n] for n in sorted(self._members)]

    @property
    def names(self) -> list[str]:
        """The member names, sorted."""
        return sorted(self._members)

    def member(self, name: str) -> EtcdMember:
        """The member called ``name``."""
        try:
            return self._members[name]
        except KeyError:
            raise KeyError(f"no etcd member {name!r} (members: {', '.join(self.names)})") from None

    def leader(self) -> EtcdMember | None:
        """The member that is leader in the highest term, or None."""
        best: EtcdMember | None = None
        for m in self.members:
            if m.is_leader and (best is None or m.term > best.term):
                best = m
        return best

    def wait_for_leader(self, timeout: float = 10.0) -> EtcdMember:
        """Run the world until a leader has committed an entry of its term (it can serve
        writes and linearizable reads), at most ``timeout`` simulated seconds."""
        deadline = self.world.now + timeout
        while True:
            lead = self.leader()
            raw = lead.raft if lead is not None else None
            if lead is not None and raw is not None and raw.term_at(raw.commit) == raw.term:
                return lead
            remaining = deadline - self.world.now
            if remaining <= 0:
                raise TimeoutError(f"no etcd leader within {timeout:g} simulated seconds")
            self.world.run(duration=min(0.01, remaining))

    def client(
        self,
        endpoints: Iterable[str] | None = None,
        timeout: float = 5.0,
        host: str | None = None,
        require_leader: bool = True,
    ) -> EtcdClient:
        """An :class:`EtcdClient` on host ``host`` (default ``etcd-client``) talking to
        ``endpoints`` (default: every member)."""
        eps = list(endpoints) if endpoints is not None else self.names
        return EtcdClient(
            self.world,
            eps,
            timeout=timeout,
            host=host or "etcd-client",
            require_leader=require_leader,
        )

    def add_member(self, name: str, client: EtcdClient | None = None) -> EtcdMember:
        """``etcdctl member add`` then start the new member on host ``name`` (it joins with
        ``--initial-cluster-state=existing`` and catches up from the leader)."""
        if name in self._members:
            raise ValueError(f"member {name!r} already exists")
        cli = client or self.client()
        resp = cli.member_add(name)
        new = resp["member"]
        voters = [m["ID"] for m in resp["members"]]
        member = EtcdMember(
            self.world,
            name,
            [],
            directory=self.directory,
            member_id_=new["ID"],
            cluster_id_=self.cluster_id,
            initial_voters=voters,
            **self._options,
        )
        self._members[name] = member
        return member

    def remove_member(self, name: str, client: EtcdClient | None = None) -> dict[str, Any]:
        """``etcdctl member remove``: the member stops once it applies its own removal."""
        cli = client or self.client([n for n in self.names if n != name] or None)
        return cli.member_remove(name)

    # -- views ---------------------------------------------------------------------------------
    def state(self, log_limit: int = 20) -> list[dict[str, Any]]:
        """One dict per member, for tables and diagrams (:mod:`kubelab.viz.raft`):
        ``name``, ``id``, ``up``, ``role``, ``term``, ``vote``, ``lead`` (leader's name),
        ``commit``, ``applied``, ``first_index``, ``last_index``, ``snapshot_index``, ``log``
        (the last ``log_limit`` entries as ``(index, term)``), ``entries`` (the same as
        ``(index, term, text)``) and, on the leader, ``progress`` per follower. For a member
        that is down (``up`` false) the values are what its disk holds (applied 0)."""
        out: list[dict[str, Any]] = []
        for m in self.members:
            raw = m.raft
            row: dict[str, Any] = {"name": m.name, "id": m.id, "up": raw is not None}
            row["role"] = m.role
            if raw is None:
                # a member that is down: what survives on its disk (hard state and WAL)
                storage = m.host.disk.read("etcd/raft")
                hs = storage.hard_state if isinstance(storage, Storage) else HardState()
                ents = storage.all_entries()[-log_limit:] if isinstance(storage, Storage) else []
                snap_index = storage.snapshot.index if isinstance(storage, Storage) else 0
                row.update(
                    term=hs.term,
                    vote=self.directory.get(hs.vote, hs.vote) or None,
                    lead=None,
                    commit=hs.commit,
                    applied=0,
                    first_index=snap_index + 1,
                    last_index=storage.last_index() if isinstance(storage, Storage) else 0,
                    snapshot_index=snap_index,
                    log=[(e.index, e.term) for e in ents] if log_limit > 0 else [],
                    entries=[(e.index, e.term, describe_entry(e, self.directory)) for e in ents]
                    if log_limit > 0
                    else [],
                )
            else:
                ents = raw.log_entries()[-log_limit:] if log_limit > 0 else []
                row.update(
                    term=raw.term,
                    vote=self.directory.get(raw.vote, raw.vote) or None,
                    lead=self.directory.get(raw.lead, raw.lead) or None,
                    commit=raw.commit,
                    applied=m.applied_index,
                    first_index=raw.first_index,
                    last_index=raw.last_index,
                    snapshot_index=raw.snapshot.index,
                    log=[(e.index, e.term) for e in ents],
                    entries=[(e.index, e.term, describe_entry(e, self.directory)) for e in ents],
                )
                if raw.state is StateType.StateLeader:
                    row["progress"] = {
                        self.directory.get(k, k): {"match": v[0], "next": v[1], "state": v[2].value}
                        for k, v in raw.progress.items()
                    }
            out.append(row)
        return out

    def table(self) -> str:
        """:meth:`state` as a fixed-width text table (no log)."""
        cols = ["name", "role", "term", "lead", "commit", "applied", "last_index"]
        rows = [[str(r[c]) if r[c] is not None else "-" for c in cols] for r in self.state(0)]
        header = [c.upper() for c in cols]
        widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(cols))]
        return "\n".join(
            "  ".join(x[i].ljust(widths[i]) for i in range(len(cols))).rstrip()
            for x in [header, *rows]
        )
