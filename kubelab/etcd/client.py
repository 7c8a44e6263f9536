"""An etcd v3 client (clientv3 / etcdctl) running on its own simulated host.

Every call is a request over the simulated network to one member's client port. The
synchronous methods (``put``, ``get``, ...) advance simulated time with ``world.wait`` until the
answer arrives or the client's ``timeout`` (simulated seconds) is spent, then return or raise
an :class:`~kubelab.etcd.errors.EtcdError`. ``*_async`` methods return the SimPy event instead,
and :meth:`EtcdClient.request` takes a callback (no event per call), for benchmarks and
concurrent histories.

Keys and values may be given as ``str`` (encoded as UTF-8) or ``bytes``. In responses, keys and
values come back as ``str`` when they are valid UTF-8, else as ``bytes``.

Endpoint choice and retries follow clientv3 (client/v3/retry_interceptor.go,
client/v3/internal/resolver): requests are spread round robin over the endpoints; an endpoint
whose connection is down (its host is down or cut off from the client) is skipped, as the gRPC
balancer skips a broken subchannel. Reads and other idempotent calls are retried on the next
endpoint after an ``Unavailable`` error (no leader, leader changed, request timed out) or a
per-attempt timeout. Writes are only retried when the request certainly did not enter the log
(a member without a leader refused it, see ``require_leader``); a write whose answer is lost is
never sent twice (``isSafeRetryMutableRPC``), so it fails with ``ErrTimeout`` and may or may
not have been applied.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from kubelab.etcd.errors import (
    ErrCompacted,
    ErrLeaseNotFound,
    ErrNoLeader,
    ErrTimeout,
    EtcdError,
)
from kubelab.etcd.server import (
    CLIENT_PORT,
    WATCH_PORT,
    ClientRequest,
    ErrLeaderChanged,
    ErrMemberNotFound,
    ErrNotLeader,
    ErrStopped,
    new_client_request,
)
from kubelab.sim.host import HostDown, RpcTimeout
from kubelab.sim.network import Envelope
from kubelab.sim.world import World

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host

__all__ = ["EtcdClient", "WatchHandle", "prefix_range_end", "to_text"]

Key = str | bytes

#: clientv3 retry_interceptor.go defaultBackoffWaitBetween: wait between retries.
RETRY_BACKOFF = 0.025
#: How often a watch checks that its stream is alive (clientv3 keepalive, etcdctl
#: --keepalive-time default 2 s; a broken stream is replaced on another endpoint).
WATCH_KEEPALIVE = 2.0

#: Errors after which a retry on another endpoint is safe for any request: the member refused
#: the request without proposing it.
_NOT_PROPOSED: tuple[type[EtcdError], ...] = (ErrNoLeader,)
#: Unavailable errors after which an idempotent request is retried (rpctypes codes.Unavailable).
_UNAVAILABLE: tuple[type[EtcdError], ...] = (ErrNoLeader, ErrLeaderChanged, ErrTimeout, ErrStopped)


#: Per world, per host: how many client connections and watches were ever opened there. A
#: counter in the host's memory would restart after a crash of the client host and hand out
#: a reply port or watch ID that an older client object still uses.
_SEQUENCES: weakref.WeakKeyDictionary[World, dict[tuple[str, str], int]] = (
    weakref.WeakKeyDictionary()
)


def _next_seq(world: World, host: str, kind: str) -> int:
    seqs = _SEQUENCES.setdefault(world, {})
    n = seqs.get((host, kind), 0) + 1
    seqs[(host, kind)] = n
    return n


def _b(x: Key) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode()
    raise TypeError(f"keys and values must be str or bytes, got {type(x).__name__}")


def prefix_range_end(key: Key) -> bytes:
    """The range end that selects every key starting with ``key`` (clientv3 op.go
    ``GetPrefixRangeEnd``): the key with its last byte below 0xff incremented and what follows
    dropped; ``b"\\x00"`` (to the end of the keyspace) when there is no such byte."""
    end = bytearray(_b(key))
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return b"\x00"


def to_text(obj: Any) -> Any:
    """``obj`` with every bytes value that is valid UTF-8 turned into str (recursively)."""
    if isinstance(obj, bytes):
        try:
            return obj.decode()
        except UnicodeDecodeError:
            return obj
    if isinstance(obj, dict):
        return {k: to_text(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_text(v) for v in obj]
    return obj


@dataclass(slots=True)
class _Call:
    method: str
    body: Mapping[str, Any]
    deadline: float
    idempotent: bool
    transform: Callable[[Any], Any] | None
    done: Callable[[bool, Any], None]
    tried: list[str] = field(default_factory=list)
    last_error: BaseException | None = None
    finished: bool = False


class _Channel:
    """The client's connections: calls written at one simulated instant to one endpoint
    travel together in one network message, as gRPC multiplexes requests on one HTTP/2
    connection; the member answers in the same way (server.py ``_on_client``)."""

    def __init__(self, client: EtcdClient) -> None:
        self.client = client
        host = client.host
        self.port = f"etcd-client-reply-{_next_seq(client.world, host.name, 'conn')}"
        self._next_id = 0
        self._pending: dict[int, tuple[_Call, str | None]] = {}
        self._outbox: dict[str, list[tuple[int, ClientRequest]]] = {}
        self._timeouts: dict[float, list[int]] = {}
        self._flush_scheduled = False
        self._epoch = host.epoch

    def send(
        self, ep: str, req: ClientRequest, timeout: float, call: _Call, endpoint: str | None
    ) -> None:
        client = self.client
        host = client.host
        if self._epoch != host.epoch:
            # the client host restarted: every call in flight was lost with its memory
            self._epoch = host.epoch
            lost, self._pending = self._pending, {}
            for old, _ in lost.values():
                client._finish(old, False, HostDown(f"client host {host.name} crashed"))
            self._outbox.clear()
            self._timeouts.clear()
            self._flush_scheduled = False
        if host.handler(self.port) is None:
            host.listen(self.port, self._on_replies)
        self._next_id += 1
        cid = self._next_id
        self._pending[cid] = (call, endpoint)
        box = self._outbox.get(ep)
        if box is None:
            self._outbox[ep] = [(cid, req)]
        else:
            box.append((cid, req))
        group = self._timeouts.get(timeout)
        if group is None:
            self._timeouts[timeout] = [cid]
        else:
            group.append(cid)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            ev = simpy.Timeout(client.env, 0)
            ev.callbacks.append(self._flush)

    def _flush(self, _e: object) -> None:
        self._flush_scheduled = False
        host = self.client.host
        if not host.up or host.epoch != self._epoch:
            # the client host crashed before the calls left: they are lost with it
            lost, self._pending = self._pending, {}
            self._outbox.clear()
            self._timeouts.clear()
            for call, _ in lost.values():
                self.client._finish(call, False, HostDown(f"client host {host.name} crashed"))
            return
        outbox, self._outbox = self._outbox, {}
        for ep, calls in outbox.items():
            host.send(ep, CLIENT_PORT, (self.port, calls))
        timeouts, self._timeouts = self._timeouts, {}
        env = self.client.env
        for delay, ids in timeouts.items():
            ev = simpy.Timeout(env, delay)
            ev.callbacks.append(self._expirer(ids, delay))

    def _expirer(self, ids: list[int], delay: float) -> Callable[[simpy.Event], None]:
        return lambda _e: self._expire(ids, delay)

    def _expire(self, ids: list[int], delay: float) -> None:
        client = self.client
        pending = self._pending
        for cid in ids:
            item = pending.pop(cid, None)
            if item is None:
                continue
            call, endpoint = item
            ep = call.tried[-1] if call.tried else "?"
            client._on_result(
                call, endpoint, False, RpcTimeout(f"no answer from {ep} within {delay:g}s")
            )

    def _on_replies(self, env: Envelope) -> None:
        client = self.client
        pending = self._pending
        for cid, resp in env.payload:
            item = pending.pop(cid, None)
            if item is None:
                continue  # answered after its attempt timed out
            call, endpoint = item
            if isinstance(resp, Exception):
                client._on_result(call, endpoint, False, resp)
            elif not call.finished:
                # _on_result and _finish for an answer, inlined (one per call)
                call.finished = True
                call.done(True, resp if call.transform is None else call.transform(resp))


class EtcdClient:
    """A clientv3-like client on host ``host`` talking to the members named in ``endpoints``.

    ``timeout`` is the whole budget of one call in simulated seconds (etcdctl
    ``--command-timeout`` default 5 s); ``attempt_timeout`` bounds one attempt of an
    idempotent call before it moves to the next endpoint.

    ``require_leader`` sends every call with clientv3's ``WithRequireLeader`` metadata: a
    member that knows no leader refuses it at once with ``ErrNoLeader`` (and the client tries
    another endpoint). With ``require_leader=False`` (etcdctl's default) such a member holds a
    write until a leader appears or the deadline passes: ``context deadline exceeded``.
    """

    def __init__(
        self,
        world: World,
        endpoints: Iterable[str],
        *,
        timeout: float = 5.0,
        host: str = "etcd-client",
        attempt_timeout: float | None = None,
        require_leader: bool = True,
    ) -> None:
        eps = list(endpoints)
        if not eps:
            raise ValueError("an etcd client needs at least one endpoint")
        self.world = world
        self.env: simpy.Environment = world.env
        self.endpoints = eps
        self.timeout = float(timeout)
        self.attempt_timeout = (
            float(attempt_timeout)
            if attempt_timeout is not None
            else max(self.timeout / max(len(eps), 1), 0.5)
        )
        self.require_leader = require_leader
        self.host: Host = world.host(host)
        # the endpoints' hosts, found once (a world never drops or replaces a host)
        self._hosts: dict[str, Host] = {}
        self._rr = 0
        self._rpc = _Channel(self)

    def __repr__(self) -> str:
        return f"<EtcdClient on {self.host.name} endpoints={','.join(self.endpoints)}>"

    # -- transport -----------------------------------------------------------------------------
    def _host_of(self, ep: str) -> Host:
        h = self._hosts.get(ep)
        if h is None:
            h = self._hosts[ep] = self.world.host(ep, create=False)
        return h

    def _usable(self, ep: str) -> bool:
        """Whether the connection to ``ep`` is up (the gRPC subchannel is READY)."""
        h = self._host_of(ep)
        net = self.world.network
        me = self.host.name
        return h.up and net.connected(me, ep) and net.connected(ep, me)

    def _pick(self) -> str | None:
        n = len(self.endpoints)
        for k in range(n):
            ep = self.endpoints[(self._rr + k) % n]
            if self._usable(ep):
                self._rr = (self._rr + k + 1) % n
                return ep
        return None

    def request(
        self,
        method: str,
        body: Mapping[str, Any],
        done: Callable[[bool, Any], None],
        *,
        idempotent: bool = False,
        transform: Callable[[Any], Any] | None = None,
        endpoint: str | None = None,
    ) -> None:
        """Send one call and, when it is over, call ``done(True, response)`` or
        ``done(False, error)`` — the callback form of :meth:`request_async` (no SimPy
        event per call; what benchmarks use)."""
        call = _Call(method, body, self.world.now + self.timeout, idempotent, transform, done)
        self._attempt(call, endpoint)

    def request_async(
        self,
        method: str,
        body: Mapping[str, Any],
        *,
        idempotent: bool = False,
        transform: Callable[[Any], Any] | None = None,
        endpoint: str | None = None,
    ) -> simpy.Event:
        """Send one call; the event succeeds with the (transformed) response or fails with
        an EtcdError once the retries and the timeout are used up."""
        result = self.env.event()

        def done(ok: bool, value: Any) -> None:
            if ok:
                result.succeed(value)
            else:
                result.defused = True
                result.fail(value)

        self.request(
            method,
            body,
            done,
            idempotent=idempotent,
            transform=transform,
            endpoint=endpoint,
        )
        return result

    def _finish(self, call: _Call, ok: bool, value: Any) -> None:
        if call.finished:
            return
        call.finished = True
        if ok and call.transform is not None:
            value = call.transform(value)
        call.done(ok, value)

    def _attempt(self, call: _Call, endpoint: str | None = None) -> None:
        if call.finished:
            return
        now = self.world.now
        remaining = call.deadline - now
        if remaining <= 1e-12:
            self._give_up(call)
            return
        if not self.host.up:
            self._finish(call, False, HostDown(f"client host {self.host.name} is down"))
            return
        if endpoint is not None and not self._host_of(endpoint).up:
            # connection refused: a pinned endpoint whose host is down fails at once
            call.tried.append(endpoint)
            call.last_error = ErrTimeout(f"connection to {endpoint} refused")
            self._give_up(call)
            return
        ep = endpoint if endpoint is not None else self._pick()
        if ep is None or (endpoint is not None and not self._usable(ep)):
            call.last_error = ErrTimeout("no endpoint reachable")
            self._retry_later(call, endpoint)
            return
        if ep not in call.tried:
            call.tried.append(ep)
        per = min(remaining, self.attempt_timeout) if call.idempotent else remaining
        req = new_client_request(call.method, call.body, call.deadline, self.require_leader)
        self._rpc.send(ep, req, per, call, endpoint)

    def _retry_later(self, call: _Call, endpoint: str | None) -> None:
        if self.world.now + RETRY_BACKOFF < call.deadline:
            ev = simpy.Timeout(self.env, RETRY_BACKOFF)
            ev.callbacks.append(lambda _e: self._attempt(call, endpoint))
        else:
            self._give_up(call)

    def _on_result(self, call: _Call, endpoint: str | None, ok: bool, value: Any) -> None:
        if call.finished:
            return
        if ok:
            self._finish(call, True, value)
            return
        err = value
        call.last_error = err
        if isinstance(err, EtcdError):
            retry = isinstance(err, _NOT_PROPOSED) or (
                call.idempotent and isinstance(err, _UNAVAILABLE)
            )
            if retry:
                self._retry_later(call, endpoint)
            else:
                self._finish(call, False, err)
            return
        if isinstance(err, RpcTimeout) and call.idempotent:
            self._attempt(call, endpoint)
            return
        if isinstance(err, RpcTimeout | HostDown):
            self._give_up(call)
            return
        self._finish(call, False, err if isinstance(err, Exception) else RuntimeError(repr(err)))

    def _give_up(self, call: _Call) -> None:
        tried = ", ".join(call.tried) if call.tried else "none reachable"
        last = call.last_error
        err: EtcdError
        if isinstance(last, ErrNoLeader):
            err = ErrNoLeader(
                f"etcdserver: no leader (endpoints tried: {tried}; the members that answered "
                "have no leader: a quorum may be down or partitioned away)"
            )
        else:
            detail = f"; last error: {last}" if isinstance(last, EtcdError) else ""
            err = ErrTimeout(
                f"context deadline exceeded: no answer within {self.timeout:g}s "
                f"(endpoints tried: {tried}{detail})"
            )
        self._finish(call, False, err)

    def _wait(self, ev: simpy.Event) -> Any:
        return self.world.wait(ev)

    # -- KV ------------------------------------------------------------------------------------
    def put_async(self, key: Key, value: Key, lease: int = 0, prev_kv: bool = False) -> simpy.Event:
        """Async :meth:`put`."""
        body = {"key": _b(key), "value": _b(value), "lease": int(lease), "prev_kv": prev_kv}
        return self.request_async("Put", body, transform=to_text)

    def put(self, key: Key, value: Key, lease: int = 0, prev_kv: bool = False) -> dict[str, Any]:
        """Write ``key`` = ``value`` (``etcdctl put``); returns ``{"header", "prev_kv"}``."""
        return dict(self._wait(self.put_async(key, value, lease, prev_kv)))

    def get_async(
        self,
        key: Key,
        range_end: Key | None = None,
        *,
        prefix: bool = False,
        from_key: bool = False,
        revision: int = 0,
        limit: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
        serializable: bool = False,
        sort_order: str | None = None,
        sort_target: str | None = None,
    ) -> simpy.Event:
        """Async :meth:`get`."""
        k = _b(key)
        end = _range_end(k, range_end, prefix, from_key)
        if (prefix or from_key) and not k:
            k = b"\x00"  # clientv3 WithPrefix / WithFromKey on an empty key: every key
        body: dict[str, Any] = {
            "key": k,
            "range_end": end,
            "revision": int(revision),
            "limit": int(limit),
            "keys_only": keys_only,
            "count_only": count_only,
            "serializable": serializable,
            "sort_order": sort_order or "NONE",
            "sort_target": sort_target or "KEY",
        }
        return self.request_async("Range", body, idempotent=True, transform=to_text)

    def get(
        self,
        key: Key,
        range_end: Key | None = None,
        *,
        prefix: bool = False,
        from_key: bool = False,
        revision: int = 0,
        limit: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
        serializable: bool = False,
        sort_order: str | None = None,
        sort_target: str | None = None,
    ) -> dict[str, Any]:
        """Read a key, a range ``[key, range_end)`` or a prefix (``etcdctl get``).

        Linearizable unless ``serializable`` (then the member answers from its own store,
        possibly stale). Returns ``{"header", "kvs": [{"key", "value", "create_revision",
        "mod_revision", "version", "lease"}], "count", "more"}``.
        """
        ev = self.get_async(
            key,
            range_end,
            prefix=prefix,
            from_key=from_key,
            revision=revision,
            limit=limit,
            keys_only=keys_only,
            count_only=count_only,
            serializable=serializable,
            sort_order=sort_order,
            sort_target=sort_target,
        )
        return dict(self._wait(ev))

    def delete_async(
        self, key: Key, range_end: Key | None = None, *, prefix: bool = False, prev_kv: bool = False
    ) -> simpy.Event:
        """Async :meth:`delete`."""
        k = _b(key)
        end = _range_end(k, range_end, prefix, False)
        if prefix and not k:
            k = b"\x00"
        body = {"key": k, "range_end": end, "prev_kv": prev_kv}
        return self.request_async("DeleteRange", body, transform=to_text)

    def delete(
        self, key: Key, range_end: Key | None = None, *, prefix: bool = False, prev_kv: bool = False
    ) -> dict[str, Any]:
        """Delete a key, a range or a prefix (``etcdctl del``); returns ``{"header",
        "deleted", "prev_kvs"}``."""
        return dict(self._wait(self.delete_async(key, range_end, prefix=prefix, prev_kv=prev_kv)))

    def txn_async(
        self,
        compare: Iterable[Mapping[str, Any]] = (),
        success: Iterable[Mapping[str, Any]] = (),
        failure: Iterable[Mapping[str, Any]] = (),
    ) -> simpy.Event:
        """Async :meth:`txn`."""
        body = {"compare": list(compare), "success": list(success), "failure": list(failure)}
        readonly = all("request_range" in op for op in [*body["success"], *body["failure"]])
        return self.request_async("Txn", body, idempotent=readonly, transform=to_text)

    def txn(
        self,
        compare: Iterable[Mapping[str, Any]] = (),
        success: Iterable[Mapping[str, Any]] = (),
        failure: Iterable[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """An atomic if/then/else (``etcdctl txn``) in etcd's v3 JSON shape.

        ``compare``: ``[{"key", "target": "VALUE"|"VERSION"|"CREATE"|"MOD"|"LEASE",
        "result": "EQUAL"|"NOT_EQUAL"|"GREATER"|"LESS", "value"|"version"|...: x}]``;
        ``success``/``failure``: ``[{"request_put": {...}}, {"request_range": {...}},
        {"request_delete_range": {...}}, {"request_txn": {...}}]``.
        Returns ``{"header", "succeeded", "responses"}``.
        """
        return dict(self._wait(self.txn_async(compare, success, failure)))

    def compact(self, revision: int, physical: bool = False) -> dict[str, Any]:
        """Compact the history up to ``revision`` (``etcdctl compaction``)."""
        body = {"revision": int(revision), "physical": physical}
        return dict(self._wait(self.request_async("Compact", body, transform=to_text)))

    # -- leases --------------------------------------------------------------------------------
    def lease_grant(self, ttl: int, lease_id: int = 0) -> dict[str, Any]:
        """Grant a lease of ``ttl`` seconds (raised to the minimum TTL); ``{"ID", "TTL"}``."""
        body = {"TTL": int(ttl), "ID": int(lease_id)}
        return dict(self._wait(self.request_async("LeaseGrant", body)))

    def lease_revoke(self, lease_id: int) -> dict[str, Any]:
        """Revoke a lease and delete its keys; raises ErrLeaseNotFound."""
        return dict(self._wait(self.request_async("LeaseRevoke", {"ID": int(lease_id)})))

    def lease_keepalive(self, lease_id: int) -> dict[str, Any]:
        """Renew a lease once (``etcdctl lease keep-alive --once``); ``{"ID", "TTL"}``.

        Raises ErrLeaseNotFound for an unknown or expired lease (clientv3 KeepAliveOnce)."""
        resp = dict(
            self._wait(self.request_async("LeaseKeepAlive", {"ID": int(lease_id)}, idempotent=True))
        )
        if resp.get("TTL", 0) <= 0:
            raise ErrLeaseNotFound()
        return resp

    def lease_timetolive(self, lease_id: int, keys: bool = False) -> dict[str, Any]:
        """``{"ID", "TTL", "grantedTTL", "keys"}``; TTL -1 for an unknown lease."""
        body = {"ID": int(lease_id), "keys": keys}
        ev = self.request_async("LeaseTimeToLive", body, idempotent=True, transform=to_text)
        return dict(self._wait(ev))

    def lease_leases(self) -> dict[str, Any]:
        """Every lease: ``{"header", "leases": [{"ID"}]}``."""
        return dict(self._wait(self.request_async("LeaseLeases", {}, idempotent=True)))

    # -- watch ---------------------------------------------------------------------------------
    def watch(
        self,
        key: Key,
        range_end: Key | None = None,
        *,
        prefix: bool = False,
        start_revision: int = 0,
        prev_kv: bool = False,
    ) -> WatchHandle:
        """Watch a key, range or prefix (``etcdctl watch``). Read what happened with
        :meth:`WatchHandle.events`. Raises ErrCompacted when ``start_revision`` is compacted."""
        k = _b(key)
        end = _range_end(k, range_end, prefix, False)
        if prefix and not k:
            k = b"\x00"
        handle = WatchHandle(self, k, end, start_revision, prev_kv)
        handle._open()
        return handle

    # -- cluster -------------------------------------------------------------------------------
    def member_list(self) -> dict[str, Any]:
        """``etcdctl member list``: ``{"header", "members": [{"ID", "name", "peerURLs",
        "clientURLs", "isLearner"}]}`` sorted by ID."""
        return dict(self._wait(self.request_async("MemberList", {}, idempotent=True)))

    def _member_id(self, name_or_id: str) -> str:
        for m in self.member_list()["members"]:
            if name_or_id in (m["name"], m["ID"]):
                return str(m["ID"])
        raise ErrMemberNotFound(f"etcdserver: member not found: {name_or_id}")

    def member_add(self, name: str) -> dict[str, Any]:
        """``etcdctl member add <name> --peer-urls=http://<name>:2380``: add a voting member
        (start it afterwards, e.g. with ``EtcdCluster.add_member``). Returns ``{"header",
        "member", "members"}``."""
        resp = dict(self._wait(self.request_async("MemberAdd", {"name": name})))
        member = next((m for m in resp["members"] if m["name"] == name), None)
        return {"header": resp["header"], "member": member, "members": resp["members"]}

    def member_remove(self, name: str) -> dict[str, Any]:
        """``etcdctl member remove``: remove the member with this name (or ID)."""
        mid = self._member_id(name)
        return dict(self._wait(self.request_async("MemberRemove", {"ID": mid})))

    def endpoint_status(self, endpoints: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """``etcdctl endpoint status -w json``: ``[{"Endpoint", "Status": {"header",
        "version", "dbSize", "leader", "raftIndex", "raftTerm", "raftAppliedIndex", "errors",
        "isLearner"}}]``; an endpoint that does not answer gets ``"Error"`` instead."""
        out: list[dict[str, Any]] = []
        for ep in list(endpoints) if endpoints is not None else self.endpoints:
            try:
                status = self._wait(self.request_async("Status", {}, endpoint=ep, idempotent=True))
                out.append({"Endpoint": ep, "Status": status})
            except EtcdError as err:
                out.append({"Endpoint": ep, "Error": str(err)})
        return out

    def move_leader(self, name: str) -> dict[str, Any]:
        """``etcdctl move-leader``: ask the current leader to hand leadership to ``name``."""
        target = self._member_id(name)
        leader_ep = None
        for st in self.endpoint_status():
            status = st.get("Status")
            if status and status["leader"] == status["header"]["member_id"]:
                leader_ep = st["Endpoint"]
        if leader_ep is None:
            raise ErrNotLeader("etcdctl move-leader: no leader found among the endpoints")
        ev = self.request_async("MoveLeader", {"targetID": target}, endpoint=leader_ep)
        return dict(self._wait(ev))


def _range_end(key: bytes, range_end: Key | None, prefix: bool, from_key: bool) -> bytes:
    if prefix:
        return b"\x00" if not key else prefix_range_end(key)
    if from_key:
        return b"\x00"
    return b"" if range_end is None else _b(range_end)


class WatchHandle:
    """A watch opened by :meth:`EtcdClient.watch`.

    Events are buffered as they arrive over the network; :meth:`events` runs the world for a
    while and hands over what came. When the member serving the watch goes away, the watch is
    re-created on another endpoint from the next revision (clientv3 watchGrpcStream resume).
    """

    def __init__(
        self, client: EtcdClient, key: bytes, range_end: bytes, start_revision: int, prev_kv: bool
    ) -> None:
        self.client = client
        self.key = key
        self.range_end = range_end
        self.prev_kv = prev_kv
        self.next_revision = int(start_revision)
        self.canceled = False
        self.compact_revision = 0
        self.endpoint: str | None = None
        self._endpoint_epoch = -1
        self._buffer: list[dict[str, Any]] = []
        host = client.host
        registry = host.memory.setdefault("etcd-watches", {})
        self.id: int = _next_seq(client.world, host.name, "watch")
        registry[self.id] = self
        if host.handler(WATCH_PORT) is None:
            host.listen(WATCH_PORT, _dispatch_watch(host))
        self._timer = host.every(WATCH_KEEPALIVE, self._keepalive)

    def __repr__(self) -> str:
        state = "canceled" if self.canceled else f"on {self.endpoint}"
        return f"<WatchHandle {to_text(self.key)!r} {state}>"

    def _body(self) -> dict[str, Any]:
        return {
            "watch_id": self.id,
            "key": self.key,
            "range_end": self.range_end,
            "start_revision": self.next_revision,
            "prev_kv": self.prev_kv,
        }

    def _candidates(self, exclude: str | None) -> list[str]:
        c = self.client
        usable = [e for e in c.endpoints if c._usable(e)]
        return [e for e in usable if e != exclude] or usable

    def _open(self) -> None:
        c = self.client
        last: BaseException | None = None
        for ep in self._candidates(None):
            self.endpoint = ep
            self._endpoint_epoch = c.world.host(ep, create=False).epoch
            try:
                resp = c._wait(c.request_async("Watch", self._body(), endpoint=ep, idempotent=True))
            except EtcdError as err:
                last = err
                continue
            if self.next_revision == 0:
                # clientv3 serveSubstream: a watch from "now" resumes after the creation revision
                self.next_revision = int(resp["header"]["revision"]) + 1
            self._raise_if_compacted()
            return
        self.endpoint = None
        self.canceled = True
        self._timer.cancel()
        raise ErrTimeout(f"could not open the watch on any endpoint ({last or 'none reachable'})")

    def _raise_if_compacted(self) -> None:
        if self.canceled and self.compact_revision:
            raise ErrCompacted(
                f"etcdserver: mvcc: required revision has been compacted "
                f"(watch from revision {self.next_revision}, compacted at "
                f"{self.compact_revision})"
            )

    def _on_response(self, src: str, resp: dict[str, Any]) -> None:
        if self.canceled or src != self.endpoint:
            return  # a stream that was replaced
        if resp.get("canceled"):
            self.canceled = True
            self.compact_revision = int(resp.get("compact_revision", 0))
            self._timer.cancel()
            return
        events = resp.get("events") or []
        if events:
            self._buffer.extend(to_text(events))
            self.next_revision = int(events[-1]["kv"]["mod_revision"]) + 1

    def _keepalive(self) -> None:
        """Replace a broken stream (member down, restarted or cut off from the client) by a
        new watch on another endpoint from the next revision."""
        if self.canceled:
            return
        c = self.client
        old = self.endpoint
        if old is not None:
            h = c.world.host(old, create=False)
            if c._usable(old) and h.epoch == self._endpoint_epoch:
                return
        eps = self._candidates(old)
        if not eps:
            self.endpoint = None
            return
        ep = eps[0]
        c.world.log(
            c.host.name,
            "etcd-client",
            "watch-reconnect",
            old=old,
            new=ep,
            revision=self.next_revision,
        )
        self.endpoint = ep
        self._endpoint_epoch = c.world.host(ep, create=False).epoch
        ev = c.request_async("Watch", self._body(), endpoint=ep, idempotent=True)

        def opened(e: simpy.Event) -> None:
            if not e.ok and self.endpoint == ep:
                self.endpoint = None  # try again at the next keepalive

        ev.callbacks.append(opened)

    def events(self, duration: float = 0.0) -> list[dict[str, Any]]:
        """Run the world for ``duration`` simulated seconds and return the events received
        since the last call: ``[{"type": "PUT"|"DELETE", "kv": {...}, "prev_kv": ...}]``.
        Raises ErrCompacted if the watch was canceled because its revision was compacted."""
        if duration > 0:
            self.client.world.run(duration=duration)
        out, self._buffer = self._buffer, []
        if not out:
            self._raise_if_compacted()
        return out

    def cancel(self) -> None:
        """Stop watching."""
        if self.canceled:
            return
        self.canceled = True
        self._timer.cancel()
        c = self.client
        if self.endpoint is not None and c._usable(self.endpoint):
            c.request_async("WatchCancel", {"watch_id": self.id}, endpoint=self.endpoint)


def _dispatch_watch(host: Host) -> Callable[[Envelope], None]:
    def on_watch(env: Envelope) -> None:
        registry = host.memory.get("etcd-watches")
        if not registry:
            return
        resp = env.payload
        handle = registry.get(resp.get("watch_id"))
        if isinstance(handle, WatchHandle):
            handle._on_response(env.src, resp)

    return on_watch
