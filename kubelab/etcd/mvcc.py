"""etcd v3's revisioned key-value store (MVCC), with its lessor and watchers.

A pure, deterministic model of what every etcd member applies after Raft commits a request:
etcd-io/etcd server/storage/mvcc/kvstore.go, kvstore_txn.go, key_index.go, index.go, and the
request semantics of server/etcdserver/txn/*.go (applyCompare, Put, DeleteRange, Range,
Txn) and api/v3rpc/key.go (request checks). No clock, no threads, no I/O.

Rules the model keeps:

- The store revision starts at 1; each write transaction that changes something creates one
  new revision, however many keys it touches. A delete that matches nothing, a read-only
  txn, a compaction and a lease grant do not.
- Every key has ``create_revision`` (first put of its current generation), ``mod_revision``
  (last change), ``version`` (puts in the current generation: 1 after a create) and
  ``lease``. A delete ends the generation; the next put starts a new one at version 1.
- Old revisions stay readable until compacted. ``compact(rev)`` keeps, for every key, the
  revisions above ``rev`` and the newest one at or below it, unless that one is a delete.
- Requests and responses are plain dicts with the field names of etcd's v3 JSON API
  (``{"put": {"key": ..., "value": ...}}``); keys and values are ``bytes`` (``str`` is
  accepted and encoded as UTF-8).
"""

from __future__ import annotations

import base64
import json
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from kubelab.etcd.errors import (
    ErrCompacted,
    ErrDuplicateKey,
    ErrEmptyKey,
    ErrFutureRev,
    ErrInvalidSortOption,
    ErrKeyNotFound,
    ErrLeaseNotFound,
    ErrLeaseProvided,
    ErrRequestTooLarge,
    ErrTooManyOps,
    ErrValueProvided,
)
from kubelab.etcd.lease import MIN_LEASE_TTL, NO_LEASE, Lessor
from kubelab.etcd.watch import WatchCallback, WatchHub

__all__ = [
    "COMPARE_RESULTS",
    "COMPARE_TARGETS",
    "MAX_REQUEST_BYTES",
    "MAX_TXN_OPS",
    "REQUEST_HEADER_BYTES",
    "SORT_ORDERS",
    "SORT_TARGETS",
    "MVCCStore",
    "prepare_txn",
    "prepared_txn_too_large",
    "request_size",
]

JSON = dict[str, Any]

# server/embed/config.go DefaultMaxRequestBytes = 1.5 MiB (--max-request-bytes).
MAX_REQUEST_BYTES = int(1.5 * 1024 * 1024)
# server/embed/config.go DefaultMaxTxnOps = 128 (--max-txn-ops).
MAX_TXN_OPS = 128
# etcd marshals the whole InternalRaftRequest and compares its size with MaxRequestBytes
# (etcdserver/v3_server.go processInternalRaftRequestOnce). The model computes the protobuf
# size of the request body exactly and adds the RequestHeader field: tag 100 (2 bytes),
# length (1) and the request ID, a uint64 whose top 16 bits come from the member ID
# (pkg/idutil) — counted as a 10-byte varint, its largest size.
REQUEST_HEADER_BYTES = 14

# Enum names in their protobuf order (api/etcdserverpb/rpc.proto).
SORT_ORDERS = ("NONE", "ASCEND", "DESCEND")
SORT_TARGETS = ("KEY", "VERSION", "CREATE", "MOD", "VALUE")
COMPARE_RESULTS = ("EQUAL", "GREATER", "LESS", "NOT_EQUAL")
COMPARE_TARGETS = ("VERSION", "CREATE", "MOD", "VALUE", "LEASE")
_TARGET_FIELD = {
    "VERSION": "version",
    "CREATE": "create_revision",
    "MOD": "mod_revision",
    "VALUE": "value",
    "LEASE": "lease",
}
_UNION_FIELDS = ("version", "create_revision", "mod_revision", "value", "lease")
_OP_KINDS = ("request_range", "request_put", "request_delete_range", "request_txn")


# ---------------------------------------------------------------------------
# input normalisation
# ---------------------------------------------------------------------------


def _b(x: object) -> bytes:
    if type(x) is bytes:
        return x
    if x is None:
        return b""
    if isinstance(x, bytes):
        return x
    if isinstance(x, bytearray | memoryview):
        return bytes(x)
    if isinstance(x, str):
        return x.encode()
    raise TypeError(f"expected bytes or str, got {type(x).__name__}")


def _i(x: object) -> int:
    if type(x) is int:
        return x
    if x is None:
        return 0
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int | str):
        return int(x)
    raise TypeError(f"expected an integer, got {type(x).__name__}")


def _enum(x: object, names: tuple[str, ...]) -> str | None:
    """An enum given by name or number; None when it is not a valid value."""
    if x is None:
        return names[0]
    if isinstance(x, int) and not isinstance(x, bool):
        return names[x] if 0 <= x < len(names) else None
    if isinstance(x, str):
        return x if x in names else None
    return None


# The normalisers convert field by field in a fixed order (so the first bad field raises);
# a field that already has its normal type (bytes, int, a valid enum name) is taken as is,
# anything else goes through _b/_i/_enum.


def _norm_range(d: Mapping[str, Any]) -> JSON:
    get = d.get
    return {
        "key": k if type(k := get("key")) is bytes else _b(k),
        "range_end": e if type(e := get("range_end")) is bytes else _b(e),
        "limit": n if type(n := get("limit")) is int else _i(n),
        "revision": r if type(r := get("revision")) is int else _i(r),
        "sort_order": (
            o if type(o := get("sort_order")) is str and o in SORT_ORDERS else _enum(o, SORT_ORDERS)
        ),
        "sort_target": (
            t
            if type(t := get("sort_target")) is str and t in SORT_TARGETS
            else _enum(t, SORT_TARGETS)
        ),
        "serializable": bool(get("serializable", False)),
        "keys_only": bool(get("keys_only", False)),
        "count_only": bool(get("count_only", False)),
        # these four are usually left out
        "min_mod_revision": 0 if (a := get("min_mod_revision")) is None else _i(a),
        "max_mod_revision": 0 if (b := get("max_mod_revision")) is None else _i(b),
        "min_create_revision": 0 if (c := get("min_create_revision")) is None else _i(c),
        "max_create_revision": 0 if (x := get("max_create_revision")) is None else _i(x),
    }


def _norm_put(d: Mapping[str, Any]) -> JSON:
    get = d.get
    return {
        "key": k if type(k := get("key")) is bytes else _b(k),
        "value": v if type(v := get("value")) is bytes else _b(v),
        "lease": n if type(n := get("lease")) is int else _i(n),
        "prev_kv": bool(get("prev_kv", False)),
        "ignore_value": bool(get("ignore_value", False)),
        "ignore_lease": bool(get("ignore_lease", False)),
    }


def _norm_delete(d: Mapping[str, Any]) -> JSON:
    return {
        "key": _b(d.get("key")),
        "range_end": _b(d.get("range_end")),
        "prev_kv": bool(d.get("prev_kv", False)),
    }


def _norm_compare(d: Mapping[str, Any]) -> JSON:
    get = d.get
    t, r = get("target"), get("result")
    target = t if type(t) is str and t in COMPARE_TARGETS else _enum(t, COMPARE_TARGETS)
    result = r if type(r) is str and r in COMPARE_RESULTS else _enum(r, COMPARE_RESULTS)
    if target is None or result is None:
        raise ValueError(f"invalid compare target/result: {d.get('target')!r}/{d.get('result')!r}")
    union: tuple[str, Any] | None = None
    for name in _UNION_FIELDS:
        # ``get`` is None both for a missing field and for an explicit None
        if (u := get(name)) is not None:
            if name == "value":
                union = (name, u if type(u) is bytes else _b(u))
            else:
                union = (name, u if type(u) is int else _i(u))
            break
    e = get("range_end")  # usually left out: a compare on one key
    return {
        "key": k if type(k := get("key")) is bytes else _b(k),
        "range_end": e if type(e) is bytes else b"" if e is None else _b(e),
        "target": target,
        "result": result,
        "union": union,
    }


def _norm_op(d: Mapping[str, Any]) -> tuple[str, JSON | None]:
    get = d.get
    # the first member of the oneof that is set, in _OP_KINDS order
    if (body := get("request_range")) is not None:
        return "request_range", _norm_range(body)
    if (body := get("request_put")) is not None:
        return "request_put", _norm_put(body)
    if (body := get("request_delete_range")) is not None:
        return "request_delete_range", _norm_delete(body)
    if (body := get("request_txn")) is not None:
        return "request_txn", _norm_txn(body)
    return "", None  # an empty RequestOp


def _norm_txn(d: Mapping[str, Any]) -> JSON:
    get = d.get
    return {
        "compare": list(map(_norm_compare, get("compare") or ())),
        "success": list(map(_norm_op, get("success") or ())),
        "failure": list(map(_norm_op, get("failure") or ())),
    }


def _gte_end(range_end: bytes) -> bytes | None:
    """txn/delete.go mkGteRange: b"" is a single key (None), b"\\0" means "to the end" (b"")."""
    if range_end == b"":
        return None
    if range_end == b"\x00":
        return b""
    return range_end


# ---------------------------------------------------------------------------
# request checks done by the gRPC layer (api/v3rpc/key.go)
# ---------------------------------------------------------------------------


def _check_range_req(r: JSON) -> None:
    if not r["key"]:
        raise ErrEmptyKey()
    if r["sort_order"] is None or r["sort_target"] is None:
        raise ErrInvalidSortOption()


def _check_put_req(p: JSON) -> None:
    if not p["key"]:
        raise ErrEmptyKey()
    if p["ignore_value"] and p["value"]:
        raise ErrValueProvided()
    if p["ignore_lease"] and p["lease"] != NO_LEASE:
        raise ErrLeaseProvided()


def _check_delete_req(d: JSON) -> None:
    if not d["key"]:
        raise ErrEmptyKey()


def _check_txn_req(t: JSON, max_ops: int) -> bool:
    """key.go checkTxnRequest: no list longer than max_ops; nested txns share the budget.

    Returns whether the txn writes: txn.go IsTxnReadonly is false when an op at the top
    level is not a range (a nested txn counts as a write)."""
    compare, success, failure = t["compare"], t["success"], t["failure"]
    opc = max(len(compare), len(success), len(failure))
    if opc > max_ops:
        raise ErrTooManyOps()
    for c in compare:
        if not c["key"]:
            raise ErrEmptyKey()
    writes = False
    for ops in (success, failure):
        for kind, body in ops:
            if body is None:
                # key.go checkRequestOp: an empty union is answered with ErrGRPCKeyNotFound.
                raise ErrKeyNotFound()
            if kind == "request_range":
                _check_range_req(body)
                continue
            writes = True
            if kind == "request_put":
                _check_put_req(body)
            elif kind == "request_delete_range":
                _check_delete_req(body)
            else:
                _check_txn_req(body, max_ops - opc)
    return writes


def _affine_lt(a: bytes, b: bytes) -> bool:
    """a < b where b"" stands for +infinity (pkg/adt StringAffineComparable)."""
    if b == b"":
        return a != b""
    if a == b"":
        return False
    return a < b


def _intersects(ivs: list[tuple[bytes, bytes]], key: bytes) -> bool:
    """Whether the point interval [key, key+"\\0") overlaps one of ``ivs``."""
    point_end = key + b"\x00"
    return any(_affine_lt(begin, point_end) and _affine_lt(key, end) for begin, end in ivs)


def _check_intervals(ops: list[tuple[str, JSON | None]]) -> tuple[set[bytes], list[Any]]:
    """key.go checkIntervals: no key is put twice, or put and deleted, by one txn.

    Deletes are intervals [key, range_end) taken literally: a range_end of "\\0" is the
    smallest key, so such a delete overlaps nothing here (as in etcd).
    """
    dels: list[tuple[bytes, bytes]] = []
    for kind, body in ops:
        if kind == "request_delete_range" and body is not None:
            end = body["range_end"] if body["range_end"] else body["key"] + b"\x00"
            dels.append((body["key"], end))
    puts: set[bytes] = set()
    for kind, body in ops:
        if kind != "request_txn" or body is None:
            continue
        puts_then, dels_then = _check_intervals(body["success"])
        puts_else, dels_else = _check_intervals(body["failure"])
        for k in sorted(puts_then):
            if k in puts or _intersects(dels, k):
                raise ErrDuplicateKey()
            puts.add(k)
        for k in sorted(puts_else):
            if k in puts and k not in puts_then:
                raise ErrDuplicateKey()
            if _intersects(dels, k):
                raise ErrDuplicateKey()
            puts.add(k)
        dels.extend(dels_then)
        dels.extend(dels_else)
    for kind, body in ops:
        if kind != "request_put" or body is None:
            continue
        k = body["key"]
        if k in puts or _intersects(dels, k):
            raise ErrDuplicateKey()
        puts.add(k)
    return puts, dels


# ---------------------------------------------------------------------------
# protobuf sizes (for the request size limit)
# ---------------------------------------------------------------------------


def _vlen(v: int) -> int:
    if v < 0:
        return 10
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def _tag(f: int) -> int:
    return _vlen(f << 3)


def _fb(f: int, b: bytes) -> int:
    return _tag(f) + _vlen(len(b)) + len(b) if b else 0


def _fi(f: int, v: int) -> int:
    return _tag(f) + _vlen(v) if v else 0


def _fbool(f: int, v: bool) -> int:
    return _tag(f) + 1 if v else 0


def _fm(f: int, size: int) -> int:
    return _tag(f) + _vlen(size) + size


def _size_range(r: JSON) -> int:
    order = SORT_ORDERS.index(r["sort_order"]) if r["sort_order"] in SORT_ORDERS else 0
    target = SORT_TARGETS.index(r["sort_target"]) if r["sort_target"] in SORT_TARGETS else 0
    return (
        _fb(1, r["key"])
        + _fb(2, r["range_end"])
        + _fi(3, r["limit"])
        + _fi(4, r["revision"])
        + _fi(5, order)
        + _fi(6, target)
        + _fbool(7, r["serializable"])
        + _fbool(8, r["keys_only"])
        + _fbool(9, r["count_only"])
        + _fi(10, r["min_mod_revision"])
        + _fi(11, r["max_mod_revision"])
        + _fi(12, r["min_create_revision"])
        + _fi(13, r["max_create_revision"])
    )


def _size_put(p: JSON) -> int:
    return (
        _fb(1, p["key"])
        + _fb(2, p["value"])
        + _fi(3, p["lease"])
        + _fbool(4, p["prev_kv"])
        + _fbool(5, p["ignore_value"])
        + _fbool(6, p["ignore_lease"])
    )


def _size_delete(d: JSON) -> int:
    return _fb(1, d["key"]) + _fb(2, d["range_end"]) + _fbool(3, d["prev_kv"])


def _size_compare(c: JSON) -> int:
    n = (
        _fi(1, COMPARE_RESULTS.index(c["result"]))
        + _fi(2, COMPARE_TARGETS.index(c["target"]))
        + _fb(3, c["key"])
        + _fb(64, c["range_end"])
    )
    if c["union"] is not None:
        name, value = c["union"]
        num = 4 + _UNION_FIELDS.index(name)  # version=4 create=5 mod=6 value=7 lease=8
        # a oneof member is encoded even when it holds the zero value
        n += _tag(num) + (_vlen(len(value)) + len(value) if name == "value" else _vlen(value))
    return n


def _size_op(kind: str, body: JSON | None) -> int:
    if body is None:
        return 0
    if kind == "request_range":
        return _fm(1, _size_range(body))
    if kind == "request_put":
        return _fm(2, _size_put(body))
    if kind == "request_delete_range":
        return _fm(3, _size_delete(body))
    return _fm(4, _size_txn(body))


def _size_txn(t: JSON) -> int:
    return (
        sum(_fm(1, _size_compare(c)) for c in t["compare"])
        + sum(_fm(2, _size_op(k, b)) for k, b in t["success"])
        + sum(_fm(3, _size_op(k, b)) for k, b in t["failure"])
    )


def request_size(request: Mapping[str, Any]) -> int:
    """Approximate marshalled size of an InternalRaftRequest in the ``apply`` shape.

    Exact protobuf size of the body plus REQUEST_HEADER_BYTES for the request header.
    """
    ((kind, body),) = request.items()
    if kind == "put":
        return _sized_put(_norm_put(body))
    if kind == "delete_range":
        return _sized_delete(_norm_delete(body))
    if kind == "txn":
        return _sized_txn(_norm_txn(body))
    if kind == "range":
        size = _fm(3, _size_range(_norm_range(body)))
    elif kind == "compaction":
        size = _fm(7, _fi(1, _i(body.get("revision"))) + _fbool(2, bool(body.get("physical"))))
    elif kind == "lease_grant":
        size = _fm(8, _fi(1, _i(body.get("TTL"))) + _fi(2, _i(body.get("ID"))))
    elif kind == "lease_revoke":
        size = _fm(9, _fi(1, _i(body.get("ID"))))
    elif kind == "lease_checkpoint":
        inner = sum(
            _fm(1, _fi(1, _i(c.get("ID"))) + _fi(2, _i(c.get("remaining_TTL"))))
            for c in body.get("checkpoints") or ()
        )
        size = _fm(11, inner)
    else:
        raise ValueError(f"unknown request kind {kind!r}")
    return size + REQUEST_HEADER_BYTES


def _sized_put(p: JSON) -> int:
    return _fm(4, _size_put(p)) + REQUEST_HEADER_BYTES


def _sized_delete(d: JSON) -> int:
    return _fm(5, _size_delete(d)) + REQUEST_HEADER_BYTES


def _sized_txn(t: JSON) -> int:
    return _fm(6, _size_txn(t)) + REQUEST_HEADER_BYTES


# A txn as the member that proposes it sees it: normalised once, when its size is checked
# (etcd marshals the request there), and applied in that form by the same member
# (MVCCStore.apply_prepared_txn); the other members normalise the logged request themselves.
# The size limit is decided by a cheap upper bound of the normalised txn, and by its exact
# size only when the bound is over the limit.

_FIELD_BOUND: Final = 11  # a field's tag and a varint of a 64-bit int; or tag and length
_INT_MIN: Final = -(1 << 63)
_INT_MAX: Final = (1 << 63) - 1
# Each message counts 16 bytes for its own tag and length in its parent, an op 16 more for
# its headers, a compare 8 more (range_end has a two-byte tag); then _FIELD_BOUND per field.
_COMPARE_BOUND: Final = 24 + 5 * _FIELD_BOUND  # key, range_end, target, result, union
_RANGE_BOUND: Final = 32 + 13 * _FIELD_BOUND
_PUT_BOUND: Final = 32 + 6 * _FIELD_BOUND
_DELETE_BOUND: Final = 32 + 3 * _FIELD_BOUND
_EMPTY_OP_BOUND: Final = 32


#: ``prepare_txn(body)``: the normalised form of a txn request body; raises as
#: ``request_size({"txn": body})`` and ``apply({"txn": body})`` would on a badly typed request.
prepare_txn: Final = _norm_txn


def _prepared_bound(t: JSON) -> int:
    """An upper bound of the request size of a normalised txn (bytes fields count their
    length on top of the bounds above); -1 for a nested txn or an integer beyond 64 bits."""
    total = 32  # the txn's message header and the request header
    for c in t["compare"]:
        total += _COMPARE_BOUND + len(c["key"]) + len(c["range_end"])
        union = c["union"]
        if union is not None:
            v = union[1]
            if type(v) is bytes:
                total += len(v)
            elif not _INT_MIN <= v <= _INT_MAX:
                return -1
    for ops in (t["success"], t["failure"]):
        for kind, b in ops:
            if kind == "request_range":
                ints = (
                    b["limit"],
                    b["revision"],
                    b["min_mod_revision"],
                    b["max_mod_revision"],
                    b["min_create_revision"],
                    b["max_create_revision"],
                )
                if min(ints) < _INT_MIN or max(ints) > _INT_MAX:
                    return -1
                total += _RANGE_BOUND + len(b["key"]) + len(b["range_end"])
            elif kind == "request_put":
                if not _INT_MIN <= b["lease"] <= _INT_MAX:
                    return -1
                total += _PUT_BOUND + len(b["key"]) + len(b["value"])
            elif kind == "request_delete_range":
                total += _DELETE_BOUND + len(b["key"]) + len(b["range_end"])
            elif kind == "request_txn":
                return -1
            else:
                total += _EMPTY_OP_BOUND  # an empty op still has its tag and length
    return total


def prepared_txn_too_large(t: JSON, limit: int) -> bool:
    """Whether the request size of a normalised txn is over ``limit``
    (``request_size({"txn": body}) > limit``)."""
    bound = _prepared_bound(t)
    if 0 <= bound <= limit:
        return False
    return _sized_txn(t) > limit


# ---------------------------------------------------------------------------
# the store
# ---------------------------------------------------------------------------


class _Rec(NamedTuple):
    """One revision of one key; ``value`` None marks a delete (tombstone). A named tuple:
    immutable, cheap to build, and left alone by the garbage collector."""

    main: int
    sub: int
    value: bytes | None
    create_revision: int
    version: int
    lease: int


def _main(r: _Rec) -> int:
    return r.main


# compare target -> the position in a record of the value it compares
_REC_INDEX: Final[dict[str, int]] = {
    target: _Rec._fields.index("main" if name == "mod_revision" else name)
    for target, name in _TARGET_FIELD.items()
}


@dataclass(frozen=True, slots=True)
class _Path:
    """Which branch each (nested) txn takes, decided before anything is executed."""

    ok: bool
    children: tuple[_Path, ...] = ()


# the paths of a txn without nested txns, shared (a path is never changed)
_PATH_OK: Final = _Path(True)
_PATH_FAILED: Final = _Path(False)


class _WriteTxn:
    __slots__ = ("begin_rev", "changes")

    def __init__(self, begin_rev: int) -> None:
        self.begin_rev = begin_rev
        self.changes: list[tuple[bytes, _Rec]] = []

    @property
    def read_rev(self) -> int:
        """kvstore_txn.go: reads inside a write txn see its own changes."""
        return self.begin_rev + 1 if self.changes else self.begin_rev


def _kv(key: bytes, r: _Rec, keys_only: bool = False) -> JSON:
    return {
        "key": key,
        "create_revision": r.create_revision,
        "mod_revision": r.main,
        "version": r.version,
        "value": b"" if keys_only or r.value is None else r.value,
        "lease": r.lease,
    }


def _event(key: bytes, r: _Rec) -> JSON:
    if r.value is None:
        # watchable_store_txn.go: a delete event carries only the key and its revision
        return {
            "type": "DELETE",
            "kv": {
                "key": key,
                "create_revision": 0,
                "mod_revision": r.main,
                "version": 0,
                "value": b"",
                "lease": 0,
            },
        }
    return {"type": "PUT", "kv": _kv(key, r)}


def _holds(result: str, v: Any, want: Any) -> bool:
    """A compare's result on one value; ``v`` and ``want`` are both ints or both bytes."""
    ok: bool
    if result == "EQUAL":
        ok = v == want
    elif result == "NOT_EQUAL":
        ok = v != want
    elif result == "GREATER":
        ok = v > want
    elif result == "LESS":
        ok = v < want
    else:
        raise KeyError(result)
    return ok


class MVCCStore:
    """The revisioned key-value store of one etcd member, with its lessor and watchers.

    Every method that changes state is deterministic, so members that apply the same
    committed requests in the same order end in the same state and return the same
    responses and errors.
    """

    def __init__(
        self,
        *,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        max_txn_ops: int = MAX_TXN_OPS,
        min_lease_ttl: int = MIN_LEASE_TTL,
        lessor_primary: bool = False,
    ) -> None:
        self.max_request_bytes = max_request_bytes
        self.max_txn_ops = max_txn_ops
        self._rev = 1  # kvstore.go: a new store is at revision 1
        self._compact_rev = -1  # kvstore.go compactMainRev starts at -1
        self._index: dict[bytes, list[_Rec]] = {}
        self._keys: list[bytes] = []  # sorted keys that have any stored revision
        self.lessor = Lessor(min_ttl=min_lease_ttl, primary=lessor_primary)
        self.lessor.range_deleter = self._delete_keys
        self.hub = WatchHub(self)
        self._applying = False

    # --- revisions ---

    @property
    def current_revision(self) -> int:
        """The revision of the last committed change (1 for an empty store)."""
        return self._rev

    @property
    def compact_revision(self) -> int:
        """The last compaction revision (-1 before the first compaction)."""
        return self._compact_rev

    # --- index access ---

    def _live_at(self, key: bytes, rev: int) -> _Rec | None:
        recs = self._index.get(key)
        if not recs:
            return None
        i = bisect_right(recs, rev, key=_main) - 1
        if i < 0 or recs[i].value is None:
            return None
        return recs[i]

    def _keys_in(self, key: bytes, end: bytes | None) -> list[bytes]:
        if end is None:
            return [key] if key in self._index else []
        lo = bisect_left(self._keys, key)
        hi = len(self._keys) if end == b"" else bisect_left(self._keys, end)
        return self._keys[lo:hi]

    def _live_range(self, key: bytes, end: bytes | None, rev: int) -> list[tuple[bytes, _Rec]]:
        out = []
        for k in self._keys_in(key, end):
            r = self._live_at(k, rev)
            if r is not None:
                out.append((k, r))
        return out

    def kv_at(self, key: bytes, revision: int) -> JSON | None:
        """The pair as of ``revision``; None if absent, compacted away or in the future."""
        if revision < self._compact_rev or revision > self._rev:
            return None
        r = self._live_at(key, revision if revision > 0 else self._rev)
        return None if r is None else _kv(key, r)

    def events_since(self, min_rev: int) -> list[JSON]:
        """Every stored change with revision >= ``min_rev`` as watch events, in order."""
        found: list[tuple[int, int, JSON]] = []
        for key in self._keys:
            for r in self._index[key]:
                if r.main >= min_rev:
                    found.append((r.main, r.sub, _event(key, r)))
        found.sort(key=lambda t: (t[0], t[1]))
        return [ev for _, _, ev in found]

    # --- write transactions ---

    def _tx_put(self, tx: _WriteTxn, key: bytes, value: bytes, lease: int) -> None:
        rev = tx.begin_rev + 1
        prev = self._live_at(key, rev)
        changes = tx.changes
        # _Rec(main, sub, value, create_revision, version, lease): positional arguments
        # build a NamedTuple faster than keywords
        if prev is None:
            rec = _Rec(rev, len(changes), value, rev, 1, lease)
        else:
            rec = _Rec(rev, len(changes), value, prev.create_revision, prev.version + 1, lease)
        recs = self._index.get(key)  # _append, inlined
        if recs is None:
            self._index[key] = [rec]
            insort(self._keys, key)
        else:
            recs.append(rec)
        changes.append((key, rec))
        old = self.lessor.get_lease(key)
        if old != NO_LEASE:
            self.lessor.detach(old, key)
        if lease != NO_LEASE:
            self.lessor.attach(lease, key)

    def _tx_delete(self, tx: _WriteTxn, key: bytes, end: bytes | None) -> int:
        rev = tx.begin_rev + 1
        keys = [k for k, _ in self._live_range(key, end, tx.read_rev)]
        for k in keys:
            rec = _Rec(
                main=rev, sub=len(tx.changes), value=None, create_revision=0, version=0, lease=0
            )
            self._append(k, rec)
            tx.changes.append((k, rec))
            old = self.lessor.get_lease(k)
            if old != NO_LEASE:
                self.lessor.detach(old, k)
        return len(keys)

    def _append(self, key: bytes, rec: _Rec) -> None:
        recs = self._index.get(key)
        if recs is None:
            self._index[key] = [rec]
            insort(self._keys, key)
        else:
            recs.append(rec)

    def _end(self, tx: _WriteTxn) -> None:
        changes = tx.changes
        if not changes:
            return
        rev = self._rev = tx.begin_rev + 1
        hub = self.hub
        if hub.watching:
            hub.notify(rev, [_event(k, r) for k, r in changes], owned=True)

    def _delete_keys(self, keys: Sequence[bytes]) -> None:
        """The lessor's range deleter: delete keys in one write transaction (one revision)."""
        tx = _WriteTxn(self._rev)
        for key in keys:
            self._tx_delete(tx, key, None)
        self._end(tx)

    def _check_size(self, size: int) -> None:
        if size > self.max_request_bytes:
            raise ErrRequestTooLarge()

    # --- range ---

    def _do_range(self, r: JSON, cur_rev: int) -> JSON:
        """txn/range.go executeRange over kvstore_txn.go rangeKeys, read at ``cur_rev``."""
        rev = r["revision"]
        if rev > cur_rev:
            raise ErrFutureRev()
        if rev <= 0:
            rev = cur_rev
        if rev < self._compact_rev:
            raise ErrCompacted()
        order, target = r["sort_order"], r["sort_target"]
        has_filters = any(
            r[f]
            for f in (
                "min_mod_revision",
                "max_mod_revision",
                "min_create_revision",
                "max_create_revision",
            )
        )
        # Fetch limit+1 (to know "more") unless sorting or filters need every match first.
        fetch = r["limit"]
        if order != "NONE" or has_filters:
            fetch = 0
        if fetch > 0:
            fetch += 1
        found = self._live_range(r["key"], _gte_end(r["range_end"]), rev)
        count = len(found)
        if r["count_only"]:
            return {"header": {"revision": cur_rev}, "kvs": [], "count": count, "more": False}
        if 0 < fetch < len(found):
            found = found[:fetch]
        if r["max_mod_revision"]:
            found = [(k, x) for k, x in found if x.main <= r["max_mod_revision"]]
        if r["min_mod_revision"]:
            found = [(k, x) for k, x in found if x.main >= r["min_mod_revision"]]
        if r["max_create_revision"]:
            found = [(k, x) for k, x in found if x.create_revision <= r["max_create_revision"]]
        if r["min_create_revision"]:
            found = [(k, x) for k, x in found if x.create_revision >= r["min_create_revision"]]
        # A target other than KEY with order NONE sorts ascending (range.go sortRangeResults).
        if target != "KEY" and order == "NONE":
            order = "ASCEND"
        if order != "NONE":
            sort_key: dict[str, Any] = {
                "KEY": lambda t: t[0],
                "VERSION": lambda t: t[1].version,
                "CREATE": lambda t: t[1].create_revision,
                "MOD": lambda t: t[1].main,
                "VALUE": lambda t: t[1].value,
            }
            # Stable sort; etcd's sort.Sort is stable for the small (<= 12) result sets its
            # insertion-sort path handles, and ties keep key order there too.
            found = sorted(found, key=sort_key[target], reverse=order == "DESCEND")
        more = False
        if r["limit"] > 0 and len(found) > r["limit"]:
            found = found[: r["limit"]]
            more = True
        return {
            "header": {"revision": cur_rev},
            "kvs": [_kv(k, x, r["keys_only"]) for k, x in found],
            "count": count,
            "more": more,
        }

    def range(
        self,
        key: bytes | str,
        range_end: bytes | str | None = None,
        *,
        revision: int = 0,
        limit: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
        sort_order: str = "NONE",
        sort_target: str = "KEY",
        serializable: bool = False,
        min_mod_revision: int = 0,
        max_mod_revision: int = 0,
        min_create_revision: int = 0,
        max_create_revision: int = 0,
    ) -> JSON:
        """Read a key (``range_end`` None), a range [key, range_end), or all keys >= key
        (``range_end`` b"\\0"), at the current or an older ``revision``.

        Returns ``{"header": {"revision"}, "kvs": [...], "count", "more"}``; ``count`` is the
        number of keys in the range (before limit and revision filters). Raises ErrEmptyKey,
        ErrCompacted, ErrFutureRev, ErrInvalidSortOption.
        """
        r = _norm_range(
            {
                "key": key,
                "range_end": range_end,
                "revision": revision,
                "limit": limit,
                "keys_only": keys_only,
                "count_only": count_only,
                "sort_order": sort_order,
                "sort_target": sort_target,
                "serializable": serializable,
                "min_mod_revision": min_mod_revision,
                "max_mod_revision": max_mod_revision,
                "min_create_revision": min_create_revision,
                "max_create_revision": max_create_revision,
            }
        )
        return self._range(r)

    def _range(self, r: JSON) -> JSON:
        _check_range_req(r)
        return self._do_range(r, self._rev)

    # --- put ---

    def put(
        self,
        key: bytes | str,
        value: bytes | str = b"",
        *,
        lease: int = 0,
        prev_kv: bool = False,
        ignore_value: bool = False,
        ignore_lease: bool = False,
    ) -> JSON:
        """Write one key; returns ``{"header": {"revision"}, "prev_kv": kv | None}``.

        ``prev_kv`` asks for the pair as it was before. ``ignore_value``/``ignore_lease``
        keep the current value/lease. A put without a lease detaches the key from its old
        lease. Raises ErrEmptyKey, ErrValueProvided, ErrLeaseProvided, ErrRequestTooLarge,
        ErrLeaseNotFound, ErrKeyNotFound (ignore_* on a missing key). Nothing is written
        when it raises.
        """
        p = _norm_put(
            {
                "key": key,
                "value": value,
                "lease": lease,
                "prev_kv": prev_kv,
                "ignore_value": ignore_value,
                "ignore_lease": ignore_lease,
            }
        )
        return self._put(p)

    def _put(self, p: JSON) -> JSON:
        _check_put_req(p)
        if not self._applying:
            self._check_size(_sized_put(p))
        if p["lease"] != NO_LEASE and self.lessor.lookup(p["lease"]) is None:
            raise ErrLeaseNotFound()
        tx = _WriteTxn(self._rev)
        resp = self._do_put(tx, p)
        self._end(tx)
        return resp

    def _do_put(self, tx: _WriteTxn, p: JSON) -> JSON:
        """txn/put.go put: read the previous pair when needed, then write."""
        prev: _Rec | None = None
        need_prev = p["prev_kv"] or p["ignore_value"] or p["ignore_lease"]
        if need_prev:
            prev = self._live_at(p["key"], tx.read_rev)
            if (p["ignore_value"] or p["ignore_lease"]) and prev is None:
                raise ErrKeyNotFound()
        value, lease = p["value"], p["lease"]
        if p["ignore_value"] and prev is not None and prev.value is not None:
            value = prev.value  # a live revision always has a value
        if p["ignore_lease"] and prev is not None:
            lease = prev.lease
        self._tx_put(tx, p["key"], value, lease)
        return {
            "header": {"revision": tx.begin_rev + 1},
            "prev_kv": _kv(p["key"], prev) if p["prev_kv"] and prev is not None else None,
        }

    # --- delete ---

    def delete_range(
        self, key: bytes | str, range_end: bytes | str | None = None, *, prev_kv: bool = False
    ) -> JSON:
        """Delete a key, a range, or all keys >= key (``range_end`` b"\\0").

        Returns ``{"header": {"revision"}, "deleted": n, "prev_kvs": [...]}``. Deleting
        nothing does not create a revision. Raises ErrEmptyKey, ErrRequestTooLarge.
        """
        d = _norm_delete({"key": key, "range_end": range_end, "prev_kv": prev_kv})
        return self._delete(d)

    def _delete(self, d: JSON) -> JSON:
        _check_delete_req(d)
        if not self._applying:
            self._check_size(_sized_delete(d))
        tx = _WriteTxn(self._rev)
        resp = self._do_delete(tx, d)
        self._end(tx)
        return resp

    def _do_delete(self, tx: _WriteTxn, d: JSON) -> JSON:
        end = _gte_end(d["range_end"])
        prev_kvs: list[JSON] = []
        if d["prev_kv"]:
            prev_kvs = [_kv(k, r) for k, r in self._live_range(d["key"], end, tx.read_rev)]
        n = self._tx_delete(tx, d["key"], end)
        # kvstore_txn.go DeleteRange: the txn's next revision if it changed anything so far
        rev = tx.begin_rev + 1 if n or tx.changes else tx.begin_rev
        return {"header": {"revision": rev}, "deleted": n, "prev_kvs": prev_kvs}

    # --- txn ---

    def txn(
        self,
        compare: Iterable[Mapping[str, Any]] = (),
        success: Iterable[Mapping[str, Any]] = (),
        failure: Iterable[Mapping[str, Any]] = (),
    ) -> JSON:
        """If every compare holds, run ``success``, else ``failure`` — atomically, as one
        revision (none if nothing changed).

        Compares: ``{"key", "range_end"?, "target": VERSION|CREATE|MOD|VALUE|LEASE,
        "result": EQUAL|NOT_EQUAL|LESS|GREATER, <target field>: x}``; a missing key compares
        as zero values, except that a VALUE compare on it always fails. Ops:
        ``{"request_range"|"request_put"|"request_delete_range"|"request_txn": {...}}``.
        Returns ``{"header", "succeeded", "responses": [{"response_range": ...}, ...]}``.
        Raises ErrTooManyOps, ErrDuplicateKey, ErrEmptyKey, ErrRequestTooLarge,
        ErrLeaseNotFound, ErrKeyNotFound, ErrCompacted, ErrFutureRev; nothing is written then.
        """
        t = _norm_txn(
            {"compare": list(compare), "success": list(success), "failure": list(failure)}
        )
        return self._txn(t)

    def _txn(self, t: JSON) -> JSON:
        is_write = _check_txn_req(t, self.max_txn_ops)
        # one put, range or delete alone cannot overlap anything
        success, failure = t["success"], t["failure"]
        if len(success) > 1 or (success and success[0][0] == "request_txn"):
            _check_intervals(success)
        if len(failure) > 1 or (failure and failure[0][0] == "request_txn"):
            _check_intervals(failure)
        if is_write and not self._applying:
            self._check_size(_sized_txn(t))
        path = self._compare_path(t)
        if is_write:
            self._check_puts(t, path)
        self._check_ranges(t, path)
        tx = _WriteTxn(self._rev)
        resp = self._exec_txn(tx, t, path)
        self._end(tx)
        resp["header"]["revision"] = tx.begin_rev + 1 if tx.changes else tx.begin_rev  # read_rev
        return resp

    def _compare_path(self, t: JSON) -> _Path:
        ok = True
        for c in t["compare"]:
            if not self._compare(c):
                ok = False
                break
        ops = t["success"] if ok else t["failure"]
        for kind, _ in ops:
            if kind == "request_txn":
                return _Path(ok, tuple([self._compare_path(b) for k, b in ops if k == kind]))
        return _PATH_OK if ok else _PATH_FAILED

    def _compare(self, c: JSON) -> bool:
        """txn.go applyCompare: every key in the range must satisfy the compare."""
        target, result = c["target"], c["result"]
        union = c["union"]
        want: Any = union[1] if union is not None and union[0] == _TARGET_FIELD[target] else None
        if want is None:
            want = b"" if target == "VALUE" else 0
        if c["range_end"] == b"":
            # one key (the usual case): the range would be that key alone
            r = self._live_at(c["key"], self._rev)
            found = [] if r is None else [r]
        else:
            found = [r for _, r in self._live_range(c["key"], _gte_end(c["range_end"]), self._rev)]
        if not found:
            if target == "VALUE":
                # nil and empty are the same in gRPC, so a missing value never compares
                return False
            return _holds(result, 0, want)
        i = _REC_INDEX[target]
        for r in found:  # noqa: SIM110 -- all() over a generator costs more for one key
            if not _holds(result, r[i], want):
                return False
        return True

    def _check_puts(self, t: JSON, path: _Path) -> None:
        """apply.go checkRequestPut on the chosen branches: ignore_* needs the key, a lease
        must exist."""
        ops = t["success"] if path.ok else t["failure"]
        children = iter(path.children)
        for kind, body in ops:
            if kind == "request_put":
                needs_key = body["ignore_value"] or body["ignore_lease"]
                if needs_key and self._live_at(body["key"], self._rev) is None:
                    raise ErrKeyNotFound()
                if body["lease"] != NO_LEASE and self.lessor.lookup(body["lease"]) is None:
                    raise ErrLeaseNotFound()
            elif kind == "request_txn":
                self._check_puts(body, next(children))

    def _check_ranges(self, t: JSON, path: _Path) -> None:
        """apply.go checkRequestRange: a read revision must be neither future nor compacted."""
        ops = t["success"] if path.ok else t["failure"]
        children = iter(path.children)
        for kind, body in ops:
            if kind == "request_range":
                rev = body["revision"]
                if rev == 0:
                    continue
                if rev > self._rev:
                    raise ErrFutureRev()
                if rev < self._compact_rev:
                    raise ErrCompacted()
            elif kind == "request_txn":
                self._check_ranges(body, next(children))

    def _exec_txn(self, tx: _WriteTxn, t: JSON, path: _Path) -> JSON:
        ops = t["success"] if path.ok else t["failure"]
        children = iter(path.children)
        responses: list[JSON] = []
        for kind, body in ops:
            if kind == "request_range":
                responses.append({"response_range": self._do_range(body, tx.read_rev)})
            elif kind == "request_put":
                responses.append({"response_put": self._do_put(tx, body)})
            elif kind == "request_delete_range":
                responses.append({"response_delete_range": self._do_delete(tx, body)})
            else:
                # a nested txn's own header stays empty (revision 0), as etcd sends it
                responses.append({"response_txn": self._exec_txn(tx, body, next(children))})
        return {"header": {"revision": 0}, "succeeded": path.ok, "responses": responses}

    # --- compaction ---

    def compact(self, revision: int) -> JSON:
        """Drop history at and below ``revision``, keeping each key's newest version there.

        kvstore.go updateCompactRev: ErrCompacted if ``revision`` is not above the last
        compaction, ErrFutureRev if above the current revision. key_index.go compact: for
        each key, revisions <= ``revision`` go except the newest, which goes too if it is a
        delete. Reads at or above ``revision`` are unchanged. Returns ``{"header"}``.
        """
        if revision <= self._compact_rev:
            raise ErrCompacted()
        if revision > self._rev:
            raise ErrFutureRev()
        self._compact_rev = revision
        for key in list(self._keys):
            recs = self._index[key]
            i = bisect_right(recs, revision, key=_main) - 1
            if i < 0:
                continue
            kept = recs[i:]
            if kept[0].value is None:
                kept = kept[1:]
            if kept:
                self._index[key] = kept
            else:
                del self._index[key]
                self._keys.pop(bisect_left(self._keys, key))
        return {"header": {"revision": self._rev}}

    # --- leases ---

    def lease_grant(self, lease_id: int, ttl: int, now: float = 0.0) -> JSON:
        """Grant a lease; ``TTL`` in the answer is the granted one (at least the minimum)."""
        lease = self.lessor.grant(lease_id, ttl, now)
        return {"header": {"revision": self._rev}, "ID": lease.id, "TTL": lease.ttl, "error": ""}

    def lease_revoke(self, lease_id: int) -> JSON:
        """Revoke a lease, deleting its keys in one revision. Raises ErrLeaseNotFound."""
        self.lessor.revoke(lease_id)
        return {"header": {"revision": self._rev}}

    def lease_keepalive(self, lease_id: int, now: float) -> JSON:
        """Renew on the primary; an unknown or expired lease answers TTL 0 (v3rpc/lease.go)."""
        try:
            ttl = self.lessor.keepalive(lease_id, now)
        except ErrLeaseNotFound:
            ttl = 0
        return {"header": {"revision": self._rev}, "ID": lease_id, "TTL": ttl}

    def lease_time_to_live(self, lease_id: int, now: float, keys: bool = False) -> JSON:
        """LeaseTimeToLive; an unknown lease answers TTL -1 (v3rpc/lease.go)."""
        try:
            info = self.lessor.time_to_live(lease_id, now, keys)
        except ErrLeaseNotFound:
            info = {"ID": lease_id, "TTL": -1, "grantedTTL": 0, "keys": []}
        return {"header": {"revision": self._rev}, **info}

    def lease_leases(self, now: float = 0.0) -> JSON:
        """LeaseLeases: every lease ID."""
        return {
            "header": {"revision": self._rev},
            "leases": [{"ID": i} for i in self.lessor.leases(now)],
        }

    # --- watch ---

    def watch(
        self,
        key: bytes | str,
        range_end: bytes | str | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
        filters: Iterable[str] = (),
        progress_notify: bool = False,
        callback: WatchCallback,
        watch_id: int | None = None,
    ) -> int:
        """Watch a key or range; ``callback`` gets WatchResponse-like dicts.

        See :meth:`kubelab.etcd.watch.WatchHub.watch`. ``start_revision`` 0 means "from the
        next revision"; an older one replays history first (synchronously).
        """
        return self.hub.watch(
            _b(key),
            None if range_end is None else _b(range_end),
            start_revision=start_revision,
            prev_kv=prev_kv,
            filters=filters,
            progress_notify=progress_notify,
            callback=callback,
            watch_id=watch_id,
        )

    def cancel(self, watch_id: int) -> bool:
        """Cancel a watcher; False if it does not exist."""
        return self.hub.cancel(watch_id)

    def progress(self, now: float) -> list[int]:
        """Periodic progress notifications; see :meth:`WatchHub.progress`."""
        return self.hub.progress(now)

    # --- the apply entry point ---

    def apply(
        self, request: Mapping[str, Any], *, now: float = 0.0, check_size: bool = False
    ) -> JSON:
        """Apply one committed request in etcd's InternalRaftRequest shape.

        ``{"put": {...}}``, ``{"delete_range": {...}}``, ``{"txn": {...}}``,
        ``{"range": {...}}``, ``{"compaction": {"revision": n}}``,
        ``{"lease_grant": {"ID", "TTL"}}``, ``{"lease_revoke": {"ID"}}``,
        ``{"lease_checkpoint": {"checkpoints": [{"ID", "remaining_TTL"}]}}``.
        ``now`` only matters for a lease grant on the primary lessor (its first deadline).
        Errors are raised as EtcdError subclasses, the same on every member.
        """
        if len(request) != 1:
            raise ValueError("a request holds exactly one operation")
        # The size limit is checked by the member that proposes (etcdserver
        # processInternalRaftRequestOnce), not again when every member applies;
        # ``check_size=True`` does both steps, as a single-member request would see them.
        self._applying = not check_size
        try:
            return self._apply(request, now)
        finally:
            self._applying = False

    def apply_prepared_txn(self, t: JSON) -> JSON:
        """``apply({"txn": body})`` for a txn normalised by :func:`prepare_txn` (the member
        that proposed it checked its size already)."""
        self._applying = True
        try:
            return self._txn(t)
        finally:
            self._applying = False

    def _apply(self, request: Mapping[str, Any], now: float) -> JSON:
        ((kind, body),) = request.items()
        if kind == "put":
            return self._put(_norm_put(body))
        if kind == "delete_range":
            return self._delete(_norm_delete(body))
        if kind == "txn":
            return self._txn(_norm_txn(body))
        if kind == "range":
            return self._range(_norm_range(body))
        if kind == "compaction":
            return self.compact(_i(body.get("revision")))
        if kind == "lease_grant":
            return self.lease_grant(_i(body.get("ID")), _i(body.get("TTL")), now)
        if kind == "lease_revoke":
            return self.lease_revoke(_i(body.get("ID")))
        if kind == "lease_checkpoint":
            for cp in body.get("checkpoints") or ():
                self.lessor.checkpoint(_i(cp.get("ID")), _i(cp.get("remaining_TTL")))
            return {"header": {"revision": self._rev}}
        raise ValueError(f"unknown request kind {kind!r}")

    # --- snapshots ---

    def to_dict(self) -> JSON:
        """The replicated state as plain JSON-compatible data (keys/values base64)."""

        def enc(b: bytes) -> str:
            return base64.b64encode(b).decode()

        return {
            "revision": self._rev,
            "compact_revision": self._compact_rev,
            "kvs": [
                {
                    "key": enc(k),
                    "revs": [
                        [
                            r.main,
                            r.sub,
                            None if r.value is None else enc(r.value),
                            r.create_revision,
                            r.version,
                            r.lease,
                        ]
                        for r in self._index[k]
                    ],
                }
                for k in self._keys
            ],
            "leases": self.lessor.to_dict(),
        }

    def from_dict(self, data: Mapping[str, Any]) -> None:
        """Replace the whole state (a Raft snapshot); watchers are re-fed afterwards."""
        index: dict[bytes, list[_Rec]] = {}
        for entry in data["kvs"]:
            key = base64.b64decode(entry["key"])
            index[key] = [
                _Rec(
                    main=int(m),
                    sub=int(s),
                    value=None if v is None else base64.b64decode(v),
                    create_revision=int(c),
                    version=int(ver),
                    lease=int(le),
                )
                for m, s, v, c, ver, le in entry["revs"]
            ]
        self._index = index
        self._keys = sorted(index)
        self._rev = int(data["revision"])
        self._compact_rev = int(data["compact_revision"])
        items: dict[bytes, int] = {}
        for key in self._keys:
            r = self._live_at(key, self._rev)
            if r is not None and r.lease != NO_LEASE:
                items[key] = r.lease
        self.lessor.restore(list(data["leases"]), items)
        self.hub.resync()

    def snapshot(self) -> bytes:
        """Serialise the replicated state (deterministic bytes)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode()

    def restore(self, data: bytes) -> None:
        """Load a state written by :meth:`snapshot`."""
        self.from_dict(json.loads(data))
