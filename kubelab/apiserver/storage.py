"""The API server's storage layer: Kubernetes objects as JSON values in etcd.

A model of ``k8s.io/apiserver/pkg/storage/etcd3`` (``store.go``, ``compact.go``,
``errors.go``) and ``k8s.io/apiserver/pkg/storage/continue.go``, on top of
:class:`kubelab.etcd.EtcdClient`. Every call is asynchronous: it sends an etcd request over
the simulated network and calls ``done(result, error)`` when the answer comes, so the API
server never runs the world itself.

What the store does, as upstream:

* **Keys** come from the kinds registry: ``/registry/pods/default/web``,
  ``/registry/namespaces/default``, ``/registry/services/specs/default/kubernetes``,
  ``/registry/minions/node-1`` (:meth:`kubelab.api.KindInfo.etcd_key`).
* **Values** are the object encoded once, without ``metadata.resourceVersion``
  (``APIObjectVersioner.PrepareObjectForStorage`` clears it): the resourceVersion *is* the
  key's etcd ``mod_revision``, set again on every read (``decode``). The real server stores
  protobuf behind a ``k8s\\x00`` magic prefix (JSON only for custom resources); kubelab stores
  JSON so ``etcdctl get`` shows something a reader can read.
* **Create** is a transaction ``if create_revision(key) == 0 then put`` (``notFound``);
  **update** and **delete** compare ``mod_revision(key)`` with the revision the change was
  computed from and, when another writer got there first, read the key again in the same
  transaction's else branch (``GuaranteedUpdate``, ``conditionalDelete``).
* **Lists** page through etcd with ``limit`` and opaque ``continue`` tokens
  (base64url JSON ``{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key>"}``); a token
  whose revision was compacted away is answered ``410 Expired`` with a fresh token that
  continues at the latest revision (``handleCompactedErrorForPaging``).
* **Compaction**: every ``--etcd-compaction-interval`` (5 minutes) one API server wins a
  compare-and-swap on the key ``compact_rev_key`` and compacts etcd to the revision it saw
  at the previous tick (:class:`Compactor`).
* **Watch**: :class:`EtcdWatchStream` is an etcd watch opened from inside the simulated
  world (no ``world.wait``) whose events are handed to a callback; when the member serving
  it fails it is re-opened on another member from the next revision, so no event is lost.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from kubelab.api import codec
from kubelab.etcd.client import EtcdClient, WatchHandle, prefix_range_end
from kubelab.etcd.errors import ErrCompacted, EtcdError

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host, Timer

__all__ = [
    "COMPACT_REV_KEY",
    "CONTINUE_EXPIRED",
    "DEFAULT_COMPACTION_INTERVAL",
    "INCONSISTENT_CONTINUE",
    "LIST_EXPIRED",
    "Compactor",
    "ContinueError",
    "Done",
    "EtcdStore",
    "EtcdWatchStream",
    "KeyValue",
    "ListResult",
    "WriteResult",
    "decode_continue",
    "decode_object",
    "encode_continue",
    "encode_object",
]

#: compact.go compactRevKey: the key whose version serves as the compactors' logical clock.
COMPACT_REV_KEY: Final = "compact_rev_key"
#: kube-apiserver --etcd-compaction-interval default (storagebackend DefaultCompactInterval).
DEFAULT_COMPACTION_INTERVAL: Final = 300.0

# etcd3/errors.go: the texts of the 410s a list can end in.
LIST_EXPIRED: Final = "The resourceVersion for the provided list is too old."
CONTINUE_EXPIRED: Final = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter."
)
INCONSISTENT_CONTINUE: Final = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter, or use the continue token in "
    "this response to retrieve the remainder of the results. Continuing with the provided "
    "token results in an inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in the list."
)

#: ``done(result, error)``: exactly one of them is not ``None``.
Done = Callable[[Any, BaseException | None], None]

# The order Go's encoder writes the fields of an object and of its ObjectMeta (struct order of
# TypeMeta + ObjectMeta in k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
_TOP_ORDER: Final = ("kind", "apiVersion", "metadata")
_META_ORDER: Final = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)


#: (drop_rv, *the keys of a metadata map) -> its keys in the stored order (_meta_keys): the
#: objects of a kind share a few key sequences. Emptied when full.
_META_KEYS: dict[tuple[Any, ...], tuple[str, ...]] = {}
_META_KEYS_SIZE: Final = 1024


def _meta_keys(keys: tuple[str, ...], drop_rv: bool) -> tuple[str, ...]:
    """``keys`` of an ObjectMeta in Go's field order, the unknown ones after them as they
    come; without ``resourceVersion`` when ``drop_rv``."""
    order: list[str] = [k for k in _META_ORDER if k in keys]
    known = set(order)
    order += [k for k in keys if k not in known]
    return tuple(k for k in order if not (drop_rv and k == "resourceVersion"))


def _ordered(obj: Mapping[str, Any], drop_rv: bool) -> dict[str, Any]:
    meta = obj.get("metadata")
    out: dict[str, Any] = {}
    for k in _TOP_ORDER:
        if k in obj:
            out[k] = obj[k]
    if type(meta) is dict or isinstance(meta, Mapping):
        sig = (drop_rv, *meta)
        keys = _META_KEYS.get(sig)
        if keys is None:
            if len(_META_KEYS) >= _META_KEYS_SIZE:
                _META_KEYS.clear()
            keys = _META_KEYS[sig] = _meta_keys(sig[1:], drop_rv)
        out["metadata"] = {k: meta[k] for k in keys}
    if len(out) < len(obj):
        for k, v in obj.items():
            if k not in out:
                out[k] = v
    return out


def encode_object(obj: Mapping[str, Any]) -> bytes:
    """The bytes stored in etcd for ``obj``: compact JSON in Go's field order (kind,
    apiVersion, metadata, then the rest), without ``metadata.resourceVersion``."""
    return codec.dumps(_ordered(obj, True))


def _loads(value: bytes | str) -> Any:
    """Parse a stored value (``json.loads``, the fast way)."""
    return codec.loads(value)


def decode_object(value: bytes | str, mod_revision: int) -> dict[str, Any]:
    """Decode a stored value and set ``metadata.resourceVersion`` to the key's mod_revision
    (etcd3 ``decode`` + ``APIObjectVersioner.UpdateObject``)."""
    obj: dict[str, Any] = codec.loads(value)
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta["resourceVersion"] = str(mod_revision)
    return obj


# -------------------------------------------------------------------------- continue tokens


class ContinueError(ValueError):
    """A continue token the server cannot read (continue.go's errors); answered 400."""


def encode_continue(key: str, key_prefix: str, revision: int) -> str:
    """``EncodeContinue``: the opaque token a list page ends with."""
    if not key.startswith(key_prefix) or key == key_prefix:
        raise ValueError(
            f"unable to encode next field: the key and key prefix do not match {key_prefix} {key}"
        )
    payload = {"v": "meta.k8s.io/v1", "rv": revision, "start": key[len(key_prefix) :]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_continue(token: str, key_prefix: str) -> tuple[str, int]:
    """``DecodeContinue``: ``(start key, revision)``; raises :class:`ContinueError` with
    continue.go's wording."""
    generic = "continue key is not valid"
    try:
        padded = token + "=" * (-len(token) % 4)
        data = base64.urlsafe_b64decode(padded.encode("ascii"))
        parsed = json.loads(data)
    except (binascii.Error, ValueError, UnicodeError) as err:
        raise ContinueError(f"{generic}: {err}") from None
    if not isinstance(parsed, dict):
        raise ContinueError(f"{generic}: json: cannot unmarshal into continueToken")
    version = parsed.get("v", "")
    if version != "meta.k8s.io/v1":
        raise ContinueError(
            f"continue key is not valid: server does not recognize this encoded version {version}"
        )
    rv = parsed.get("rv", 0)
    if not isinstance(rv, int) or rv == 0:
        raise ContinueError(
            "continue key is not valid: incorrect encoded start resourceVersion "
            "(version meta.k8s.io/v1)"
        )
    start = parsed.get("start", "")
    if not isinstance(start, str) or not start:
        raise ContinueError(
            "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"
        )
    # path.Clean guards against a token that walks above the key prefix.
    key = start if start.startswith("/") else "/" + start
    if posixpath.normpath(key) != key or key.startswith("//"):
        raise ContinueError(f"{generic}: {start}")
    return key_prefix + key[1:], rv


# -------------------------------------------------------------------------- results


@dataclass(slots=True)
class KeyValue:
    """One key as etcd returned it (value bytes, revisions)."""

    key: str
    value: bytes
    mod_revision: int
    create_revision: int
    version: int

    def decode(self) -> dict[str, Any]:
        """The object, with its resourceVersion."""
        return decode_object(self.value, self.mod_revision)


@dataclass(slots=True)
class WriteResult:
    """The answer to a conditional write.

    ``succeeded`` false means the compare failed: ``current`` is what the key holds now
    (``None`` if it does not exist) and ``revision`` the store revision.
    """

    succeeded: bool
    revision: int
    current: KeyValue | None = None


@dataclass(slots=True)
class ListResult:
    """One page of a range read: the pairs, the revision read at, whether more follow, and
    how many keys the range holds in all."""

    kvs: list[KeyValue]
    revision: int
    more: bool
    count: int


def _text(x: Any) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)


def _kv(raw: Mapping[str, Any]) -> KeyValue:
    value = raw.get("value", b"")
    return KeyValue(
        _text(raw["key"]),
        value if isinstance(value, bytes) else str(value).encode(),
        int(raw.get("mod_revision", 0)),
        int(raw.get("create_revision", 0)),
        int(raw.get("version", 0)),
    )


def _range_body(
    key: bytes, end: bytes, *, revision: int = 0, limit: int = 0, count_only: bool = False
) -> dict[str, Any]:
    return {
        "key": key,
        "range_end": end,
        "revision": revision,
        "limit": limit,
        "keys_only": False,
        "count_only": count_only,
        "serializable": False,
        "sort_order": "NONE",
        "sort_target": "KEY",
    }


class EtcdStore:
    """``storage.Interface`` over an :class:`~kubelab.etcd.EtcdClient`, callback style.

    Every method returns at once; ``done(result, error)`` is called later, from inside the
    simulated world, with an :class:`~kubelab.etcd.errors.EtcdError` (or a transport error)
    when etcd could not answer.
    """

    def __init__(self, client: EtcdClient) -> None:
        self.client = client
        #: etcd round trips made, by operation (what a chapter counts).
        self.calls: dict[str, int] = {}

    def _count(self, op: str) -> None:
        self.calls[op] = self.calls.get(op, 0) + 1

    # -- reads ---------------------------------------------------------------------------------

    def get(self, key: str, done: Done) -> None:
        """Linearizable read of one key: ``done((KeyValue | None, revision), None)``."""
        self._count("get")

        def answer(ok: bool, resp: Any) -> None:
            if not ok:
                done(None, resp)
                return
            kvs = resp.get("kvs") or []
            rev = int(resp["header"]["revision"])
            done((_kv(kvs[0]) if kvs else None, rev), None)

        self.client.request("Range", _range_body(key.encode(), b""), answer, idempotent=True)

    def list(self, start: str, end: str, done: Done, *, revision: int = 0, limit: int = 0) -> None:
        """Read ``[start, end)`` at ``revision`` (0 = now), at most ``limit`` keys
        (0 = all): ``done(ListResult, None)``. A compacted revision fails with
        :class:`~kubelab.etcd.errors.ErrCompacted`."""
        self._count("list")

        def answer(ok: bool, resp: Any) -> None:
            if not ok:
                done(None, resp)
                return
            kvs = [_kv(kv) for kv in resp.get("kvs") or []]
            done(
                ListResult(
                    kvs,
                    int(resp["header"]["revision"]),
                    bool(resp.get("more")),
                    int(resp.get("count", len(kvs))),
                ),
                None,
            )

        body = _range_body(start.encode(), end.encode(), revision=revision, limit=limit)
        self.client.request("Range", body, answer, idempotent=True)

    def current_revision(self, prefix: str, done: Done) -> None:
        """The store's current revision, by a linearizable count-only read of ``prefix``
        (``GetCurrentResourceVersionFromStorage``)."""
        self._count("revision")

        def answer(ok: bool, resp: Any) -> None:
            if not ok:
                done(None, resp)
            else:
                done(int(resp["header"]["revision"]), None)

        key = prefix.encode()
        body = _range_body(key, prefix_range_end(key), count_only=True)
        self.client.request("Range", body, answer, idempotent=True)

    # -- writes --------------------------------------------------------------------------------

    def _txn(
        self, op: str, k: bytes, compare: dict[str, Any], success: dict[str, Any], done: Done
    ) -> None:
        # the compare of key ``k`` (its first field); self._count(op), inlined
        calls = self.calls
        calls[op] = calls.get(op, 0) + 1

        def answer(ok: bool, resp: Any) -> None:
            if not ok:
                done(None, resp)
                return
            rev = int(resp["header"]["revision"])
            if resp.get("succeeded"):
                done(WriteResult(True, rev), None)
                return
            current = None
            responses = resp.get("responses") or []
            if responses:
                kvs = responses[0].get("response_range", {}).get("kvs") or []
                if kvs:
                    current = _kv(kvs[0])
            done(WriteResult(False, rev, current), None)

        body = {
            "compare": [compare],
            "success": [success],
            "failure": [{"request_range": _range_body(k, b"")}],
        }
        self.client.request("Txn", body, answer)

    def create(self, key: str, value: bytes, done: Done, *, lease: int = 0) -> None:
        """``Create``: put ``value`` only if the key does not exist (create_revision == 0).
        ``done(WriteResult)``: ``succeeded`` false means it exists (``current``)."""
        k = key.encode()
        put = {"request_put": {"key": k, "value": value, "lease": lease}}
        compare = {"key": k, "target": "CREATE", "result": "EQUAL", "create_revision": 0}
        self._txn("create", k, compare, put, done)

    def update(
        self, key: str, value: bytes, mod_revision: int, done: Done, *, lease: int = 0
    ) -> None:
        """One ``GuaranteedUpdate`` attempt: put ``value`` if the key's mod_revision is still
        ``mod_revision``; otherwise ``current`` holds the newer pair."""
        k = key.encode()
        put = {"request_put": {"key": k, "value": value, "lease": lease}}
        compare = {"key": k, "target": "MOD", "result": "EQUAL", "mod_revision": mod_revision}
        self._txn("update", k, compare, put, done)

    def delete(self, key: str, mod_revision: int, done: Done) -> None:
        """One ``conditionalDelete`` attempt: delete the key if its mod_revision is still
        ``mod_revision``."""
        k = key.encode()
        delete = {"request_delete_range": {"key": k, "range_end": b""}}
        compare = {"key": k, "target": "MOD", "result": "EQUAL", "mod_revision": mod_revision}
        self._txn("delete", k, compare, delete, done)

    def lease_grant(self, ttl: int, done: Done) -> None:
        """Grant an etcd lease of ``ttl`` seconds: ``done(lease_id)``."""
        self._count("lease")

        def answer(ok: bool, resp: Any) -> None:
            if not ok:
                done(None, resp)
            else:
                done(int(resp["ID"]), None)

        self.client.request("LeaseGrant", {"TTL": int(ttl), "ID": 0}, answer)


class Compactor:
    """compact.go ``runCompactLoop``: every ``interval`` simulated seconds, compare-and-swap
    ``compact_rev_key`` and, when this API server won, compact etcd to the revision it saw
    at the previous tick. Several API servers share one etcd: only one compacts per tick.
    """

    def __init__(self, store: EtcdStore, host: Host, interval: float) -> None:
        self.store = store
        self.host = host
        self.interval = float(interval)
        self.compact_time = 0  # the version of compact_rev_key this compactor expects
        self.revision = 0  # the revision seen at the previous tick
        #: The last revision this server compacted etcd to (0 = none yet).
        self.compacted = 0
        self.timer: Timer | None = None
        if self.interval > 0:
            self.timer = host.every(self.interval, self.tick)

    def tick(self) -> None:
        """One round of the loop (``compact``)."""
        key = COMPACT_REV_KEY.encode()
        body = {
            "compare": [{"key": key, "target": "VERSION", "result": "EQUAL",
                         "version": self.compact_time}],
            "success": [{"request_put": {"key": key, "value": str(self.revision).encode()}}],
            "failure": [{"request_range": _range_body(key, b"")}],
        }  # fmt: skip
        expect, rev = self.compact_time, self.revision
        world = self.host.world

        def answer(ok: bool, resp: Any) -> None:
            if not ok:
                world.log(self.host.name, "kube-apiserver", "compact-failed", error=str(resp))
                return
            current = int(resp["header"]["revision"])
            if not resp.get("succeeded"):
                kvs = resp["responses"][0]["response_range"].get("kvs") or []
                if kvs:
                    self.compact_time = int(kvs[0]["version"])
                self.revision = current
                return
            self.compact_time = expect + 1
            self.revision = current
            if rev == 0:
                return  # "We don't compact on bootstrap."

            def compacted(ok2: bool, resp2: Any) -> None:
                if ok2 or isinstance(resp2, ErrCompacted):
                    self.compacted = rev
                    world.log(self.host.name, "kube-apiserver", "compacted", revision=rev)

            self.store.client.request("Compact", {"revision": rev, "physical": False}, compacted)

        self.store.client.request("Txn", body, answer)

    def stop(self) -> None:
        """Stop the loop."""
        if self.timer is not None:
            self.timer.cancel()


class EtcdWatchStream(WatchHandle):
    """An etcd watch opened without running the world, whose events go to a callback.

    :class:`~kubelab.etcd.client.WatchHandle` buffers events for a caller that runs the world;
    inside the world the API server needs them pushed. ``on_events(events, revision)`` gets
    each response's events (``[{"type": "PUT"|"DELETE", "kv": {...}}]``, keys and values as
    bytes) in revision order; ``on_canceled(compact_revision)`` is called once if etcd cancels
    the watch because its next revision was compacted. The stream re-opens itself on another
    member, from the next revision, when its member goes away (the handle's keepalive).
    """

    def __init__(
        self,
        client: EtcdClient,
        key: bytes,
        range_end: bytes,
        *,
        start_revision: int,
        on_events: Callable[[list[dict[str, Any]], int], None],
        on_canceled: Callable[[int], None],
    ) -> None:
        super().__init__(client, key, range_end, start_revision, False)
        self.on_events = on_events
        self.on_canceled = on_canceled
        #: True when the watch covers every key, so every revision must show up in it.
        self.contiguous = key == b"\x00" and range_end == b"\x00"
        #: How many times a gap in the revisions made the stream start again.
        self.resyncs = 0

    def start(self) -> None:
        """Send the watch request to the first usable member (the keepalive retries)."""
        c = self.client
        eps = self._candidates(None)
        if not eps:
            self.endpoint = None
            return
        ep = eps[0]
        self.endpoint = ep
        self._endpoint_epoch = c.world.host(ep, create=False).epoch

        def opened(ok: bool, resp: Any) -> None:
            if not ok and self.endpoint == ep:
                self.endpoint = None  # the keepalive picks another member

        c.request("Watch", self._body(), opened, endpoint=ep, idempotent=True)

    def _on_response(self, src: str, resp: dict[str, Any]) -> None:
        if self.canceled or src != self.endpoint:
            return
        if resp.get("canceled"):
            self.canceled = True
            self.compact_revision = int(resp.get("compact_revision", 0))
            self._timer.cancel()
            self.on_canceled(self.compact_revision)
            return
        events = resp.get("events") or []
        if not events:
            return
        nxt = self.next_revision
        last = int(events[-1]["kv"]["mod_revision"])
        if last < nxt:
            return  # a replay of what this stream already delivered
        if len(events) == 1:
            fresh = [events[0]]  # the one event is fresh (last >= nxt)
            first = last
        else:
            fresh = [e for e in events if int(e["kv"]["mod_revision"]) >= nxt]
            first = int(fresh[0]["kv"]["mod_revision"])
        if self.contiguous and first > nxt and first > 2:
            # Every revision after the empty store's revision 1 holds at least one change, so
            # a watch over the whole key space sees each of them: a jump means responses were
            # lost on the way. Open the watch again from the first missing revision (etcd
            # replays the history).
            self.resyncs += 1
            self._resync()
            return
        self.next_revision = last + 1
        self.on_events(fresh, last)

    def _resync(self) -> None:
        c = self.client
        old = self.endpoint
        if old is not None and c._usable(old):
            c.request("WatchCancel", {"watch_id": self.id}, _ignore_answer, endpoint=old)
        self.endpoint = None
        self._keepalive()


def _ignore_answer(_ok: bool, _resp: Any) -> None:
    return None


def etcd_error_text(err: BaseException) -> str:
    """What an etcd failure reads like in an API error (``err.Error()`` of the client)."""
    if isinstance(err, EtcdError):
        return str(err)
    return str(err) or type(err).__name__
