"""The revisioned key-value store: revisions, ranges, txns, compaction, limits, snapshots.

Expected values follow etcd's rules (server/storage/mvcc, server/etcdserver/txn,
api/v3rpc/key.go); the differential test checks the same rules against a real etcd.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    EtcdError,
    error_from_message,
)
from kubelab.etcd.mvcc import MAX_REQUEST_BYTES, MAX_TXN_OPS, MVCCStore, request_size


def kv(store: MVCCStore, key: bytes, revision: int = 0) -> dict[str, Any] | None:
    kvs = store.range(key, revision=revision)["kvs"]
    return kvs[0] if kvs else None


def keys_of(resp: dict[str, Any]) -> list[bytes]:
    return [x["key"] for x in resp["kvs"]]


# --- revisions, versions, generations ---


def test_fresh_store_is_at_revision_1_and_first_write_gets_2() -> None:
    s = MVCCStore()
    assert s.current_revision == 1
    assert s.range(b"a") == {"header": {"revision": 1}, "kvs": [], "count": 0, "more": False}
    assert s.put(b"a", b"1") == {"header": {"revision": 2}, "prev_kv": None}
    assert s.current_revision == 2


def test_create_mod_version_and_a_new_generation_after_delete() -> None:
    s = MVCCStore()
    s.put(b"k", b"1")  # rev 2
    s.put(b"k", b"2")  # rev 3
    assert kv(s, b"k") == {
        "key": b"k",
        "create_revision": 2,
        "mod_revision": 3,
        "version": 2,
        "value": b"2",
        "lease": 0,
    }
    assert s.delete_range(b"k")["header"]["revision"] == 4
    assert kv(s, b"k") is None
    s.put(b"k", b"3")  # rev 5: a new generation starts at version 1
    got = kv(s, b"k")
    assert got is not None
    assert (got["create_revision"], got["mod_revision"], got["version"]) == (5, 5, 1)


def test_put_prev_kv_returns_the_pair_before() -> None:
    s = MVCCStore()
    assert s.put(b"k", b"1", prev_kv=True)["prev_kv"] is None
    prev = s.put(b"k", b"2", prev_kv=True)["prev_kv"]
    assert prev is not None and prev["value"] == b"1" and prev["mod_revision"] == 2
    assert s.put(b"k", b"3")["prev_kv"] is None  # not asked


def test_deleting_nothing_does_not_create_a_revision() -> None:
    s = MVCCStore()
    s.put(b"a", b"1")
    resp = s.delete_range(b"zzz")
    assert resp == {"header": {"revision": 2}, "deleted": 0, "prev_kvs": []}
    assert s.current_revision == 2


def test_delete_range_prefix_and_from_key_in_one_revision() -> None:
    s = MVCCStore()
    for k in (b"a", b"a/1", b"a/2", b"b", b"c"):
        s.put(k, k)
    resp = s.delete_range(b"a/", b"a0", prev_kv=True)
    assert resp["deleted"] == 2
    assert [x["key"] for x in resp["prev_kvs"]] == [b"a/1", b"a/2"]
    assert resp["header"]["revision"] == 7  # both deletes share revision 7
    resp = s.delete_range(b"b", b"\x00")  # every key >= "b"
    assert resp["deleted"] == 2 and resp["header"]["revision"] == 8
    assert keys_of(s.range(b"\x00", b"\x00")) == [b"a"]


def test_empty_key_is_rejected() -> None:
    s = MVCCStore()
    with pytest.raises(ErrEmptyKey):
        s.put(b"", b"v")
    with pytest.raises(ErrEmptyKey):
        s.range(b"")
    with pytest.raises(ErrEmptyKey):
        s.delete_range(b"")
    assert s.current_revision == 1


# --- range options ---


@pytest.fixture
def five() -> MVCCStore:
    """Keys a..e written in order at revisions 2..6; then c and a rewritten (7, 8)."""
    s = MVCCStore()
    for k, v in [(b"a", b"5"), (b"b", b"4"), (b"c", b"3"), (b"d", b"2"), (b"e", b"1")]:
        s.put(k, v)
    s.put(b"c", b"33")
    s.put(b"a", b"55")
    return s


def test_range_single_key_prefix_and_from_key(five: MVCCStore) -> None:
    assert keys_of(five.range(b"b")) == [b"b"]
    assert keys_of(five.range(b"b", b"d")) == [b"b", b"c"]  # range_end is exclusive
    assert keys_of(five.range(b"c", b"\x00")) == [b"c", b"d", b"e"]
    assert keys_of(five.range(b"\x00", b"\x00")) == [b"a", b"b", b"c", b"d", b"e"]
    assert keys_of(five.range(b"d", b"b")) == []  # end before key


def test_range_limit_more_and_count(five: MVCCStore) -> None:
    resp = five.range(b"a", b"z", limit=2)
    assert keys_of(resp) == [b"a", b"b"]
    assert resp["more"] is True and resp["count"] == 5
    resp = five.range(b"a", b"z", limit=5)
    assert resp["more"] is False and len(resp["kvs"]) == 5


def test_range_count_only_and_keys_only(five: MVCCStore) -> None:
    resp = five.range(b"a", b"z", count_only=True)
    assert resp["kvs"] == [] and resp["count"] == 5
    resp = five.range(b"a", b"z", keys_only=True)
    assert [x["value"] for x in resp["kvs"]] == [b""] * 5
    assert [x["version"] for x in resp["kvs"]] == [2, 1, 2, 1, 1]


def test_range_sort_orders_and_targets(five: MVCCStore) -> None:
    assert keys_of(five.range(b"a", b"z", sort_order="DESCEND")) == [
        b"e",
        b"d",
        b"c",
        b"b",
        b"a",
    ]
    by_value = five.range(b"a", b"z", sort_target="VALUE", sort_order="ASCEND")
    assert [x["value"] for x in by_value["kvs"]] == [b"1", b"2", b"33", b"4", b"55"]
    # a target other than KEY with order NONE sorts ascending (range.go sortRangeResults)
    by_mod = five.range(b"a", b"z", sort_target="MOD")
    assert [x["mod_revision"] for x in by_mod["kvs"]] == [3, 5, 6, 7, 8]
    by_create_desc = five.range(b"a", b"z", sort_target="CREATE", sort_order="DESCEND")
    assert keys_of(by_create_desc) == [b"e", b"d", b"c", b"b", b"a"]
    # ties keep key order: versions are 2,1,2,1,1
    by_version = five.range(b"a", b"z", sort_target="VERSION", sort_order="DESCEND")
    assert keys_of(by_version) == [b"a", b"c", b"b", b"d", b"e"]
    with pytest.raises(ErrInvalidSortOption):
        five.range(b"a", sort_order="SIDEWAYS")


def test_range_limit_applies_after_sorting(five: MVCCStore) -> None:
    resp = five.range(b"a", b"z", limit=2, sort_target="MOD", sort_order="DESCEND")
    assert keys_of(resp) == [b"a", b"c"] and resp["more"] is True


def test_range_revision_filters_do_not_change_count(five: MVCCStore) -> None:
    resp = five.range(b"a", b"z", min_mod_revision=6)
    assert keys_of(resp) == [b"a", b"c", b"e"] and resp["count"] == 5
    assert keys_of(five.range(b"a", b"z", max_create_revision=3)) == [b"a", b"b"]
    assert keys_of(five.range(b"a", b"z", min_create_revision=5, max_mod_revision=5)) == [b"d"]


def test_historical_reads(five: MVCCStore) -> None:
    assert keys_of(five.range(b"a", b"z", revision=3)) == [b"a", b"b"]
    old_c = kv(five, b"c", revision=6)
    assert old_c is not None and old_c["value"] == b"3"
    assert five.range(b"a", revision=1)["kvs"] == []
    # the header carries the current revision, not the read revision
    assert five.range(b"a", revision=3)["header"]["revision"] == 8
    with pytest.raises(ErrFutureRev):
        five.range(b"a", revision=9)


# --- compaction ---


def history(s: MVCCStore, key: bytes) -> list[tuple[str, int]]:
    """What a watcher from the compacted revision would replay for ``key``."""
    return [
        (ev["type"], ev["kv"]["mod_revision"]) for ev in s.events_since(0) if ev["kv"]["key"] == key
    ]


def test_compaction_keeps_the_latest_revision_at_or_below_unless_deleted() -> None:
    # key_index.go's example: put, put, tombstone, put, tombstone on "foo"
    s = MVCCStore()
    s.put(b"foo", b"1")  # 2
    s.put(b"foo", b"2")  # 3
    s.delete_range(b"foo")  # 4
    s.put(b"foo", b"3")  # 5
    s.delete_range(b"foo")  # 6
    s.put(b"bar", b"x")  # 7
    s.put(b"baz", b"y")  # 8
    assert history(s, b"foo") == [("PUT", 2), ("PUT", 3), ("DELETE", 4), ("PUT", 5), ("DELETE", 6)]
    s.compact(3)
    assert history(s, b"foo") == [("PUT", 3), ("DELETE", 4), ("PUT", 5), ("DELETE", 6)]
    s.compact(4)  # the newest revision <= 4 is a delete: it goes too
    assert history(s, b"foo") == [("PUT", 5), ("DELETE", 6)]
    s.compact(8)
    assert history(s, b"foo") == []
    # a live key keeps its newest version at or below the compaction revision
    assert history(s, b"bar") == [("PUT", 7)]
    bar = kv(s, b"bar", revision=8)
    assert bar is not None and bar["value"] == b"x"


def test_compaction_errors_and_reads() -> None:
    s = MVCCStore()
    for i in range(4):
        s.put(b"k", str(i).encode())  # revisions 2..5
    assert s.compact(0) == {"header": {"revision": 5}}  # compactMainRev starts at -1
    with pytest.raises(ErrCompacted):
        s.compact(0)
    with pytest.raises(ErrFutureRev):
        s.compact(6)
    s.compact(4)
    with pytest.raises(ErrCompacted):
        s.compact(4)
    with pytest.raises(ErrCompacted):
        s.range(b"k", revision=3)
    at4 = kv(s, b"k", revision=4)  # reading at the compacted revision itself works
    assert at4 is not None and at4["value"] == b"2"
    assert s.compact_revision == 4 and s.current_revision == 5


# --- txn ---


def cmp(key: bytes, target: str, result: str, **value: Any) -> dict[str, Any]:
    return {"key": key, "target": target, "result": result, **value}


@pytest.mark.parametrize(
    ("compare", "expected"),
    [
        (cmp(b"k", "VALUE", "EQUAL", value=b"v2"), True),
        (cmp(b"k", "VALUE", "NOT_EQUAL", value=b"v2"), False),
        (cmp(b"k", "VALUE", "GREATER", value=b"v1"), True),
        (cmp(b"k", "VALUE", "LESS", value=b"v3"), True),
        (cmp(b"k", "VERSION", "EQUAL", version=2), True),
        (cmp(b"k", "VERSION", "GREATER", version=2), False),
        (cmp(b"k", "CREATE", "EQUAL", create_revision=2), True),
        (cmp(b"k", "CREATE", "LESS", create_revision=2), False),
        (cmp(b"k", "MOD", "EQUAL", mod_revision=3), True),
        (cmp(b"k", "MOD", "LESS", mod_revision=4), True),
        (cmp(b"k", "LEASE", "EQUAL", lease=0), True),
        (cmp(b"k", "LEASE", "NOT_EQUAL", lease=0), False),
        # a missing key compares as zero values ...
        (cmp(b"none", "VERSION", "EQUAL", version=0), True),
        (cmp(b"none", "CREATE", "EQUAL", create_revision=0), True),
        (cmp(b"none", "MOD", "LESS", mod_revision=1), True),
        (cmp(b"none", "LEASE", "EQUAL", lease=0), True),
        # ... except VALUE, which always fails on it (nil == empty in gRPC)
        (cmp(b"none", "VALUE", "EQUAL", value=b""), False),
        (cmp(b"none", "VALUE", "NOT_EQUAL", value=b"x"), False),
        # a range compare must hold for every key in it
        ({**cmp(b"j", "VERSION", "GREATER", version=0), "range_end": b"l"}, True),
        ({**cmp(b"j", "VALUE", "EQUAL", value=b"v2"), "range_end": b"m"}, False),
    ],
)
def test_txn_compare(compare: dict[str, Any], expected: bool) -> None:
    s = MVCCStore()
    s.put(b"k", b"v1")  # 2
    s.put(b"k", b"v2")  # 3
    s.put(b"l", b"w")  # 4
    resp = s.txn([compare], [{"request_range": {"key": b"k"}}], [])
    assert resp["succeeded"] is expected
    assert len(resp["responses"]) == (1 if expected else 0)


def test_txn_is_one_revision_and_reads_its_own_writes() -> None:
    s = MVCCStore()
    s.put(b"x", b"0")  # 2
    resp = s.txn(
        [cmp(b"x", "VALUE", "EQUAL", value=b"0")],
        [
            {"request_put": {"key": b"x", "value": b"1"}},
            {"request_put": {"key": b"y", "value": b"2", "prev_kv": True}},
            {"request_range": {"key": b"x", "range_end": b"z"}},
            {"request_delete_range": {"key": b"nothing"}},
        ],
        [],
    )
    assert resp["succeeded"] is True and resp["header"]["revision"] == 3
    put_x, put_y, rng, dele = (next(iter(r.values())) for r in resp["responses"])
    assert put_x["header"]["revision"] == 3 and put_y["prev_kv"] is None
    assert [(x["key"], x["mod_revision"]) for x in rng["kvs"]] == [(b"x", 3), (b"y", 3)]
    assert rng["header"]["revision"] == 3
    assert dele["deleted"] == 0 and dele["header"]["revision"] == 3
    assert s.current_revision == 3


def test_read_only_or_no_change_txn_keeps_the_revision() -> None:
    s = MVCCStore()
    s.put(b"a", b"1")
    resp = s.txn([], [{"request_range": {"key": b"a"}}], [])
    assert resp["header"]["revision"] == 2
    resp = s.txn([], [{"request_delete_range": {"key": b"zz"}}], [])
    assert resp["header"]["revision"] == 2 and s.current_revision == 2


def test_nested_txn_decides_on_the_state_before_the_outer_txn() -> None:
    s = MVCCStore()
    s.put(b"k", b"1")
    inner = {
        "compare": [cmp(b"k", "VALUE", "EQUAL", value=b"1")],
        "success": [{"request_put": {"key": b"n", "value": b"saw-old"}}],
        "failure": [{"request_put": {"key": b"n", "value": b"saw-new"}}],
    }
    resp = s.txn([], [{"request_put": {"key": b"k", "value": b"2"}}, {"request_txn": inner}], [])
    nested = resp["responses"][1]["response_txn"]
    assert nested["succeeded"] is True
    assert nested["header"] == {"revision": 0}  # etcd leaves a nested header empty
    got = kv(s, b"n")
    assert got is not None and got["value"] == b"saw-old"
    assert s.current_revision == 3


@pytest.mark.parametrize(
    "ops",
    [
        [{"request_put": {"key": b"d"}}, {"request_put": {"key": b"d"}}],
        [
            {"request_delete_range": {"key": b"a", "range_end": b"e"}},
            {"request_put": {"key": b"d"}},
        ],
        [
            {"request_put": {"key": b"d"}},
            {"request_txn": {"success": [{"request_put": {"key": b"d"}}]}},
        ],
        [
            {"request_txn": {"failure": [{"request_put": {"key": b"d"}}]}},
            {"request_txn": {"success": [{"request_delete_range": {"key": b"d"}}]}},
            {"request_put": {"key": b"d"}},
        ],
    ],
)
def test_duplicate_key_in_txn(ops: list[dict[str, Any]]) -> None:
    s = MVCCStore()
    with pytest.raises(ErrDuplicateKey):
        s.txn([], ops, [])
    assert s.current_revision == 1


def test_then_and_else_of_a_nested_txn_may_put_the_same_key() -> None:
    s = MVCCStore()
    inner = {
        "success": [{"request_put": {"key": b"e"}}],
        "failure": [{"request_put": {"key": b"e"}}],
    }
    assert s.txn([], [{"request_txn": inner}], [])["succeeded"] is True
    # and a delete with range_end "\0" is not taken as overlapping (etcd checks [key, "\0"))
    ops = [
        {"request_delete_range": {"key": b"a", "range_end": b"\x00"}},
        {"request_put": {"key": b"e"}},
    ]
    s.txn([], ops, [])
    assert s.current_revision == 3


def test_too_many_ops() -> None:
    s = MVCCStore()
    ok = [{"request_range": {"key": b"a"}}] * MAX_TXN_OPS
    s.txn([], ok, [])
    with pytest.raises(ErrTooManyOps):
        s.txn([], [*ok, {"request_range": {"key": b"a"}}], [])
    with pytest.raises(ErrTooManyOps):
        s.txn([cmp(b"a", "VERSION", "EQUAL")] * (MAX_TXN_OPS + 1), [], [])
    # a nested txn has only what its parent left over: 128 - 100 = 28
    nested = {"success": [{"request_range": {"key": b"a"}}] * 29}
    with pytest.raises(ErrTooManyOps):
        s.txn([], [{"request_txn": nested}] + [{"request_range": {"key": b"a"}}] * 99, [])


def test_txn_checks_only_the_branch_taken() -> None:
    s = MVCCStore()
    s.put(b"k", b"v")
    bad = [{"request_put": {"key": b"k", "lease": 42}}]
    s.txn([cmp(b"k", "VERSION", "EQUAL", version=1)], [], bad)  # failure branch not taken
    with pytest.raises(ErrLeaseNotFound):
        s.txn([cmp(b"k", "VERSION", "EQUAL", version=1)], bad, [])
    with pytest.raises(ErrFutureRev):
        s.txn(
            [],
            [{"request_put": {"key": b"x"}}, {"request_range": {"key": b"k", "revision": 3}}],
            [],
        )
    with pytest.raises(ErrKeyNotFound):
        s.txn([], [{"request_put": {"key": b"nope", "ignore_value": True}}], [])
    with pytest.raises(ErrKeyNotFound):  # an empty RequestOp
        s.txn([], [{}], [])
    assert s.current_revision == 2
    assert s.range(b"x")["kvs"] == []


# --- put options and request checks ---


def test_ignore_value_and_ignore_lease() -> None:
    s = MVCCStore()
    s.lease_grant(7, 60)
    s.put(b"k", b"keep", lease=7)
    s.put(b"k", ignore_value=True, lease=0)  # value kept, lease dropped
    got = kv(s, b"k")
    assert got is not None and (got["value"], got["lease"]) == (b"keep", 0)
    s.put(b"k", b"new", lease=7)
    s.put(b"k", b"newer", ignore_lease=True)  # lease kept
    got = kv(s, b"k")
    assert got is not None and (got["value"], got["lease"]) == (b"newer", 7)
    with pytest.raises(ErrValueProvided):
        s.put(b"k", b"x", ignore_value=True)
    with pytest.raises(ErrLeaseProvided):
        s.put(b"k", b"x", lease=7, ignore_lease=True)
    with pytest.raises(ErrKeyNotFound):
        s.put(b"missing", ignore_value=True)
    with pytest.raises(ErrLeaseNotFound):
        s.put(b"k", b"x", lease=8)


def test_request_size_is_the_protobuf_size_plus_the_header() -> None:
    # PutRequest{key "foo", value "bar"}: (tag 1 + len 1 + 3) * 2 = 10 bytes; as field 4 of
    # InternalRaftRequest: tag 1 + len 1 + 10 = 12; plus the 14-byte request header.
    assert request_size({"put": {"key": b"foo", "value": b"bar"}}) == 26
    # a 200-byte value needs a 2-byte length varint
    assert request_size({"put": {"key": b"foo", "value": b"x" * 200}}) == 26 - 3 + 200 + 1 + 1


def test_request_too_large_writes_nothing() -> None:
    s = MVCCStore()
    s.put(b"k", b"small")
    limit_value = b"x" * MAX_REQUEST_BYTES
    with pytest.raises(ErrRequestTooLarge):
        s.put(b"k", limit_value)
    with pytest.raises(ErrRequestTooLarge):
        s.txn([], [{"request_put": {"key": b"j", "value": limit_value}}], [])
    assert s.current_revision == 2
    got = kv(s, b"k")
    assert got is not None and got["value"] == b"small"
    assert s.range(b"j")["kvs"] == []
    # a smaller limit is configurable; a read-only txn is not size-checked (not sent via Raft)
    small = MVCCStore(max_request_bytes=64)
    small.put(b"k", b"x" * 30)
    with pytest.raises(ErrRequestTooLarge):
        small.put(b"k", b"x" * 60)
    small.txn([], [{"request_range": {"key": b"k" * 100}}], [])


def test_error_texts_and_codes() -> None:
    assert str(ErrCompacted()) == "mvcc: required revision has been compacted"
    assert ErrCompacted().grpc_message == "etcdserver: mvcc: required revision has been compacted"
    assert ErrCompacted().code == "OutOfRange" and ErrCompacted().code_number == 11
    assert str(ErrRequestTooLarge()) == "etcdserver: request is too large"
    assert ErrLeaseNotFound().code == "NotFound"
    assert error_from_message("etcdserver: duplicate key given in txn request") is ErrDuplicateKey
    assert (
        error_from_message("etcdserver: mvcc: required revision is a future revision")
        is ErrFutureRev
    )
    assert issubclass(ErrTooManyOps, EtcdError)


# --- apply, determinism, snapshots ---


REQUESTS: list[dict[str, Any]] = [
    {"lease_grant": {"ID": 5, "TTL": 30}},
    {"put": {"key": "a", "value": "1", "lease": 5}},
    {"put": {"key": b"b", "value": b"2", "prev_kv": True}},
    {"txn": {"compare": [{"key": b"a", "target": "VERSION", "result": "EQUAL", "version": 1}],
             "success": [{"request_put": {"key": b"c", "value": b"3"}},
                         {"request_delete_range": {"key": b"b", "prev_kv": True}}]}},
    {"range": {"key": b"a", "range_end": b"\x00"}},
    {"compaction": {"revision": 3}},
    {"lease_checkpoint": {"checkpoints": [{"ID": 5, "remaining_TTL": 20}]}},
    {"delete_range": {"key": b"zz"}},
    {"lease_revoke": {"ID": 5}},
]  # fmt: skip


def test_apply_is_deterministic_across_members() -> None:
    a, b = MVCCStore(), MVCCStore()
    for req in REQUESTS:
        assert a.apply(req) == b.apply(req)
    assert a.snapshot() == b.snapshot()
    assert a.current_revision == 5  # puts 2, 3; txn 4; revoke deletes a at 5
    assert keys_of(a.range(b"\x00", b"\x00")) == [b"c"]
    with pytest.raises(ErrLeaseNotFound):
        a.apply({"lease_revoke": {"ID": 5}})
    with pytest.raises(ValueError):
        a.apply({"put": {"key": b"x"}, "range": {"key": b"x"}})


def test_snapshot_restore_round_trip() -> None:
    s = MVCCStore()
    for req in REQUESTS[:7]:
        s.apply(req)
    data = s.snapshot()
    r = MVCCStore()
    r.restore(data)
    assert r.snapshot() == data
    assert r.current_revision == s.current_revision and r.compact_revision == 3
    for rev in (3, 4):
        assert r.range(b"\x00", b"\x00", revision=rev) == s.range(b"\x00", b"\x00", revision=rev)
    with pytest.raises(ErrCompacted):
        r.range(b"a", revision=2)
    lease = r.lessor.lookup(5)
    assert lease is not None and lease.keys == {b"a"} and lease.remaining_ttl == 20
    # the restored store keeps working: same next revision on both
    assert r.put(b"z", b"1") == s.put(b"z", b"1")


# --- property: the store against a plain dict-of-history reference ---

KEYS = [b"a", b"a/1", b"a/2", b"b", b"c"]

op_strategy = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(KEYS), st.binary(max_size=3)),
    st.tuples(st.just("delete"), st.sampled_from(KEYS), st.sampled_from([None, b"a0", b"\x00"])),
    st.tuples(
        st.just("txn"),
        st.lists(st.tuples(st.sampled_from(KEYS), st.binary(max_size=2)), max_size=3),
        st.integers(0, 3),
    ),
    st.tuples(st.just("compact"), st.integers(0, 100), st.just(None)),
)


class Reference:
    """state[rev] = {key: (value, create, mod, version)} after each revision."""

    def __init__(self) -> None:
        self.states: list[dict[bytes, tuple[bytes, int, int, int]]] = [{}, {}]  # revs 0, 1
        self.compacted = -1

    @property
    def rev(self) -> int:
        return len(self.states) - 1

    def write(self, puts: dict[bytes, bytes], deletes: list[bytes]) -> None:
        cur = dict(self.states[-1])
        changed = False
        new_rev = self.rev + 1
        for k in deletes:
            if k in cur:
                del cur[k]
                changed = True
        for k, v in puts.items():
            old = cur.get(k)
            cur[k] = (v, old[1] if old else new_rev, new_rev, old[3] + 1 if old else 1)
            changed = True
        if changed:
            self.states.append(cur)


def in_range(k: bytes, key: bytes, end: bytes | None) -> bool:
    if end is None:
        return k == key
    return k >= key and (end == b"\x00" or k < end)


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(op_strategy, max_size=25), read_seed=st.integers(0, 10**6))
def test_store_matches_reference_model(ops: list[tuple[Any, ...]], read_seed: int) -> None:
    s = MVCCStore()
    ref = Reference()
    for op in ops:
        if op[0] == "put":
            s.put(op[1], op[2])
            ref.write({op[1]: op[2]}, [])
        elif op[0] == "delete":
            end = op[2]
            s.delete_range(op[1], end)
            ref.write({}, [k for k in ref.states[-1] if in_range(k, op[1], end)])
        elif op[0] == "txn":
            puts = dict(op[1])  # distinct keys
            want_version = op[2]
            cur_version = ref.states[-1].get(b"a", (b"", 0, 0, 0))[3]
            ok = cur_version == want_version
            resp = s.txn(
                [cmp(b"a", "VERSION", "EQUAL", version=want_version)],
                [{"request_put": {"key": k, "value": v}} for k, v in puts.items()],
                [{"request_delete_range": {"key": b"c"}}],
            )
            assert resp["succeeded"] is ok
            if ok:
                ref.write(puts, [])
            else:
                ref.write({}, [b"c"])
        else:
            rev = op[1] % (ref.rev + 2)
            if rev <= ref.compacted:
                with pytest.raises(ErrCompacted):
                    s.compact(rev)
            elif rev > ref.rev:
                with pytest.raises(ErrFutureRev):
                    s.compact(rev)
            else:
                s.compact(rev)
                ref.compacted = rev
        assert s.current_revision == ref.rev
    # every readable revision reads exactly what the reference held then
    lowest = max(ref.compacted, 1)
    for rev in range(lowest, ref.rev + 1):
        got = s.range(b"\x00", b"\x00", revision=rev)["kvs"]
        want = [
            {
                "key": k,
                "value": v[0],
                "create_revision": v[1],
                "mod_revision": v[2],
                "version": v[3],
                "lease": 0,
            }
            for k, v in sorted(ref.states[rev].items())
        ]
        assert got == want
    # and the stored history above the compaction revision is every change, in order
    events = s.events_since(lowest + 1)
    expected: list[tuple[str, bytes, int]] = []
    for rev in range(lowest + 1, ref.rev + 1):
        before, after = ref.states[rev - 1], ref.states[rev]
        changes = [("PUT", k, rev) for k in after if after[k][2] == rev]
        changes += [("DELETE", k, rev) for k in before if k not in after]
        expected.extend(sorted(changes, key=lambda c: c[1]))
    got_events = [(e["type"], e["kv"]["key"], e["kv"]["mod_revision"]) for e in events]
    assert sorted(got_events, key=lambda c: (c[2], c[1])) == expected
    if read_seed % 2 and ref.rev > lowest:
        with pytest.raises(ErrCompacted if ref.compacted > 1 else ErrFutureRev):
            s.range(b"a", revision=ref.compacted - 1 if ref.compacted > 1 else ref.rev + 1)
