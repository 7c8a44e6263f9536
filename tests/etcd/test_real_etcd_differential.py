"""Differential tests: the same requests against a real etcd (3.4, single member) and the model.

Each test starts its own etcd with an empty data dir, so both stores begin at revision 1.
Compared: response headers (revisions), key-value pairs (create/mod revision, version,
value, lease), prev_kv, deleted counts, txn branches and nested responses, range options,
historical reads, compaction results, lease grants (granted TTL, attached keys), watch event
sequences (live, replayed from a mid revision, and cancelled by compaction), and the kind of
every error.

Not compared: lease expiry and remaining TTL (they run on the real etcd's wall clock; the
model takes time as an argument), and the request-size limit byte for byte (the real
request header holds an ID whose varint length depends on the member ID; see
REQUEST_HEADER_BYTES).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from real_etcd import NOT_FOUND_MESSAGE, RealEtcd, WatchStream, find_etcd, running_etcd

from kubelab.etcd.errors import (
    ErrCompacted,
    ErrLeaseExist,
    ErrRequestTooLarge,
    EtcdError,
)
from kubelab.etcd.mvcc import MAX_REQUEST_BYTES, MVCCStore, request_size

pytestmark = pytest.mark.skipif(find_etcd() is None, reason=NOT_FOUND_MESSAGE)

KEYS = [b"a", b"a/1", b"a/2", b"a/3", b"b", b"b/1", b"c", b"d"]
PREFIXES = [(b"a/", b"a0"), (b"b", b"c"), (b"a", b"b")]
VALUES = [b"", b"x", b"y", b"zz", b"v1", b"v2"]
STEPS = 400


@pytest.fixture
def etcd() -> Any:
    if find_etcd() is None:
        pytest.skip(NOT_FOUND_MESSAGE)
    with running_etcd() as e:
        yield e


# --- running one request on both sides ---


def run_model(store: MVCCStore, kind: str, body: dict[str, Any]) -> tuple[str, Any]:
    try:
        if kind == "ttl":
            out = store.lease_time_to_live(body["ID"], now=0.0, keys=True)
            return "ok", {k: out[k] for k in ("ID", "TTL", "grantedTTL", "keys")}
        resp = store.apply({kind: body}, check_size=True)
    except EtcdError as err:
        return "err", type(err)
    if kind == "lease_grant":
        resp = {"header": resp["header"], "ID": resp["ID"], "TTL": resp["TTL"]}
    return "ok", resp


def run_real(etcd: RealEtcd, kind: str, body: dict[str, Any]) -> tuple[str, Any]:
    try:
        if kind == "put":
            return "ok", etcd.put(body)
        if kind == "delete_range":
            return "ok", etcd.delete_range(body)
        if kind == "range":
            return "ok", etcd.range(body)
        if kind == "txn":
            return "ok", etcd.txn(body)
        if kind == "compaction":
            return "ok", etcd.compact(body["revision"])
        if kind == "lease_grant":
            return "ok", etcd.lease_grant(body["ID"], body["TTL"])
        if kind == "lease_revoke":
            return "ok", etcd.lease_revoke(body["ID"])
        if kind == "ttl":
            return "ok", etcd.lease_time_to_live(body["ID"], keys=True)
    except EtcdError as err:
        return "err", type(err)
    raise AssertionError(kind)


def compare_ttl(model: tuple[str, Any], real: tuple[str, Any]) -> None:
    """TimeToLive: the remaining TTL is wall-clock on the real side; compare the rest."""
    assert model[0] == real[0] == "ok"
    m, r = dict(model[1]), dict(real[1])
    if r["TTL"] != -1:
        m.pop("TTL")
        r.pop("TTL")
    assert m == r


# --- the random request generator ---


class Gen:
    """Seeded random requests that stay relevant to the store's current state."""

    def __init__(self, rng: random.Random, store: MVCCStore) -> None:
        self.rng = rng
        self.store = store
        self.leases: list[int] = []
        self.next_lease = 1000

    def rev_choice(self) -> int:
        cur, comp = self.store.current_revision, max(self.store.compact_revision, 1)
        if self.rng.random() < 0.5:
            return 0
        return self.rng.randint(max(1, comp - 2), cur + 2)

    def key_or_range(self) -> tuple[bytes, bytes | None]:
        r = self.rng.random()
        if r < 0.5:
            return self.rng.choice(KEYS), None
        if r < 0.8:
            return self.rng.choice(PREFIXES)
        if r < 0.9:
            return self.rng.choice(KEYS), b"\x00"
        a, b = sorted(self.rng.sample(KEYS, 2))
        return a, b

    def put(self, key: bytes | None = None) -> dict[str, Any]:
        rng = self.rng
        body: dict[str, Any] = {"key": key or rng.choice(KEYS), "value": rng.choice(VALUES)}
        if rng.random() < 0.3:
            body["prev_kv"] = True
        r = rng.random()
        if r < 0.25 and self.leases:
            body["lease"] = rng.choice(self.leases)
        elif r < 0.3:
            body["lease"] = 999_999  # never granted
        r = rng.random()
        if r < 0.05:
            body["ignore_value"] = True
            body.pop("value")
        elif r < 0.1:
            body["ignore_lease"] = True
            body.pop("lease", None)
        return body

    def delete(self, key: bytes | None = None) -> dict[str, Any]:
        if key is not None:
            body: dict[str, Any] = {"key": key}
        else:
            k, end = self.key_or_range()
            body = {"key": k}
            if end is not None:
                body["range_end"] = end
        if self.rng.random() < 0.4:
            body["prev_kv"] = True
        return body

    def range(self) -> dict[str, Any]:
        rng = self.rng
        k, end = self.key_or_range()
        body: dict[str, Any] = {"key": k}
        if end is not None:
            body["range_end"] = end
        rev = self.rev_choice()
        if rev:
            body["revision"] = rev
        if rng.random() < 0.3:
            body["limit"] = rng.randint(1, 3)
        if rng.random() < 0.3:
            body["sort_order"] = rng.choice(["NONE", "ASCEND", "DESCEND"])
        if rng.random() < 0.3:
            body["sort_target"] = rng.choice(["KEY", "VERSION", "CREATE", "MOD", "VALUE"])
        if rng.random() < 0.1:
            body["keys_only"] = True
        if rng.random() < 0.1:
            body["count_only"] = True
        if rng.random() < 0.15:
            cur = self.store.current_revision
            field = rng.choice(
                [
                    "min_mod_revision",
                    "max_mod_revision",
                    "min_create_revision",
                    "max_create_revision",
                ]
            )
            body[field] = rng.randint(1, cur)
        return body

    def compare(self) -> dict[str, Any]:
        rng = self.rng
        k, end = self.key_or_range() if rng.random() < 0.3 else (rng.choice(KEYS), None)
        target = rng.choice(["VERSION", "CREATE", "MOD", "VALUE", "LEASE"])
        cmp: dict[str, Any] = {
            "key": k,
            "target": target,
            "result": rng.choice(["EQUAL", "NOT_EQUAL", "LESS", "GREATER"]),
        }
        if end is not None:
            cmp["range_end"] = end
        cur = self.store.current_revision
        if target == "VALUE":
            cmp["value"] = rng.choice(VALUES)
        elif target == "VERSION":
            cmp["version"] = rng.randint(0, 4)
        elif target == "CREATE":
            cmp["create_revision"] = rng.randint(0, cur)
        elif target == "MOD":
            cmp["mod_revision"] = rng.randint(0, cur)
        else:
            cmp["lease"] = rng.choice([0, *self.leases])
        return cmp

    def ops(self, depth: int) -> list[dict[str, Any]]:
        rng = self.rng
        n = rng.randint(0, 4)
        # mostly distinct keys so that most txns are valid; sometimes a duplicate
        keys = rng.sample(KEYS, n) if rng.random() < 0.85 else [rng.choice(KEYS) for _ in range(n)]
        out: list[dict[str, Any]] = []
        for key in keys:
            r = rng.random()
            if r < 0.4:
                out.append({"request_put": self.put(key)})
            elif r < 0.6:
                out.append({"request_delete_range": self.delete(key)})
            elif r < 0.9 or depth > 0:
                out.append({"request_range": self.range()})
            else:
                out.append({"request_txn": self.txn(depth + 1)})
        return out

    def txn(self, depth: int = 0) -> dict[str, Any]:
        body: dict[str, Any] = {"compare": [self.compare() for _ in range(self.rng.randint(0, 2))]}
        success, failure = self.ops(depth), self.ops(depth)
        if success:
            body["success"] = success
        if failure:
            body["failure"] = failure
        return body

    def next(self) -> tuple[str, dict[str, Any]]:
        rng = self.rng
        r = rng.random()
        cur, comp = self.store.current_revision, self.store.compact_revision
        if r < 0.3:
            return "put", self.put()
        if r < 0.42:
            return "delete_range", self.delete()
        if r < 0.6:
            return "range", self.range()
        if r < 0.8:
            if rng.random() < 0.03:
                return "txn", {"success": [{"request_range": {"key": b"a"}}] * 129}
            return "txn", self.txn()
        if r < 0.85:
            choice = rng.random()
            if choice < 0.6 and cur - 3 > comp:
                # never compact the newest revisions: the real etcd reads prev_kv for its
                # watchers asynchronously, and a compaction racing ahead would drop it
                return "compaction", {"revision": rng.randint(comp + 1, cur - 3)}
            if choice < 0.8 and comp >= 0:
                return "compaction", {"revision": rng.randint(max(0, comp - 2), comp)}
            return "compaction", {"revision": cur + rng.randint(1, 3)}
        if r < 0.9:
            if self.leases and rng.random() < 0.2:
                return "lease_grant", {"ID": rng.choice(self.leases), "TTL": 3600}
            self.next_lease += 1
            return "lease_grant", {"ID": self.next_lease, "TTL": 3600}
        if r < 0.95:
            if self.leases and rng.random() < 0.8:
                return "lease_revoke", {"ID": rng.choice(self.leases)}
            return "lease_revoke", {"ID": 999_999}
        return "ttl", {"ID": rng.choice([*self.leases, 999_999])}

    def after(self, kind: str, body: dict[str, Any], result: tuple[str, Any]) -> None:
        if result[0] != "ok":
            return
        if kind == "lease_grant":
            self.leases.append(body["ID"])
        elif kind == "lease_revoke":
            self.leases.remove(body["ID"])


# --- watch helpers ---


def model_watch(store: MVCCStore, req: dict[str, Any]) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    store.watch(
        req["key"],
        req.get("range_end"),
        start_revision=req.get("start_revision", 0),
        prev_kv=req.get("prev_kv", False),
        filters=req.get("filters", ()),
        callback=got.append,
    )
    return got


def open_real_watch(etcd: RealEtcd, req: dict[str, Any]) -> WatchStream:
    stream = etcd.watch(req, timeout=3.0)
    created = stream.read(1)
    assert created and created[0]["created"], created
    return stream


def without_id(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in ("watch_id", "created")} for r in responses]


def flat_events(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [ev for r in responses for ev in r["events"]]


# --- the tests ---


def test_fresh_store_basics_match(etcd: RealEtcd) -> None:
    store = MVCCStore(lessor_primary=True)
    # the first write of a fresh etcd gets revision 2; a read before it sees revision 1
    assert etcd.range({"key": b"k"}) == store.range(b"k")
    assert store.range(b"k")["header"]["revision"] == 1
    assert etcd.put({"key": b"k", "value": b"v"}) == store.put(b"k", b"v")
    assert store.current_revision == 2
    # compaction at 0 is accepted once on a fresh store (compactMainRev starts at -1)
    for rev in (0, 0, 1, 3):
        assert run_real(etcd, "compaction", {"revision": rev}) == run_model(
            store, "compaction", {"revision": rev}
        )
    # a TTL below the minimum is raised to MinLeaseTTL = 2 s (no keys attached: when it
    # expires on the real etcd nothing else changes)
    assert etcd.lease_grant(7, 1) == run_model(store, "lease_grant", {"ID": 7, "TTL": 1})[1]
    assert run_real(etcd, "lease_grant", {"ID": 7, "TTL": 5}) == ("err", ErrLeaseExist)
    assert run_model(store, "lease_grant", {"ID": 7, "TTL": 5}) == ("err", ErrLeaseExist)


def test_request_size_limit_matches(etcd: RealEtcd) -> None:
    store = MVCCStore()
    base = request_size({"put": {"key": b"big", "value": b""}})

    def body_of_size(size: int) -> dict[str, Any]:
        n = size - base
        while request_size({"put": {"key": b"big", "value": b"x" * n}}) > size:
            n -= 1
        while request_size({"put": {"key": b"big", "value": b"x" * (n + 1)}}) <= size:
            n += 1
        return {"key": b"big", "value": b"x" * n}

    at_limit = body_of_size(MAX_REQUEST_BYTES)
    assert request_size({"put": at_limit}) == MAX_REQUEST_BYTES
    # The real header's request ID is 1-3 bytes shorter than the model's upper bound, so the
    # real request is at most as large as the model's estimate: both accept it.
    assert run_real(etcd, "put", at_limit) == run_model(store, "put", at_limit)
    assert store.current_revision == 2
    over = body_of_size(MAX_REQUEST_BYTES + 4)
    assert run_real(etcd, "put", over) == ("err", ErrRequestTooLarge)
    assert run_model(store, "put", over) == ("err", ErrRequestTooLarge)
    assert store.current_revision == 2
    assert etcd.range({"key": b"big", "keys_only": True}) == store.range(b"big", keys_only=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequence_matches_real_etcd(etcd: RealEtcd, seed: int) -> None:
    rng = random.Random(seed)
    store = MVCCStore(lessor_primary=True)
    gen = Gen(rng, store)

    live_reqs = [
        {"key": b"\x00", "range_end": b"\x00", "prev_kv": True},
        {"key": b"a/", "range_end": b"a0", "filters": ["NODELETE"]},
        {"key": b"c", "filters": ["NOPUT"], "prev_kv": True},
    ]
    live_real = [open_real_watch(etcd, req) for req in live_reqs]
    live_model = [model_watch(store, req) for req in live_reqs]

    kinds: dict[str, int] = {}
    errors: dict[str, int] = {}
    for step in range(STEPS):
        kind, body = gen.next()
        model = run_model(store, kind, body)
        real = run_real(etcd, kind, body)
        if kind == "ttl":
            compare_ttl(model, real)
        else:
            assert model == real, f"step {step}: {kind} {body}"
        gen.after(kind, body, model)
        kinds[kind] = kinds.get(kind, 0) + 1
        if model[0] == "err":
            errors[model[1].__name__] = errors.get(model[1].__name__, 0) + 1

    # the sequence exercised what it is meant to
    assert kinds["txn"] > 30 and kinds["compaction"] > 5 and kinds["lease_revoke"] > 3
    assert {"ErrCompacted", "ErrFutureRev", "ErrLeaseNotFound", "ErrDuplicateKey"} <= set(errors)
    assert store.compact_revision > 10

    # every key at the end, and a read of everything at the compacted revision
    everything = {"key": b"\x00", "range_end": b"\x00"}
    assert run_real(etcd, "range", everything) == run_model(store, "range", everything)
    at_compact = {**everything, "revision": store.compact_revision}
    assert run_real(etcd, "range", at_compact) == run_model(store, "range", at_compact)

    # live watchers: the same events, in the same order
    for req, stream, got in zip(live_reqs, live_real, live_model, strict=True):
        real_responses = stream.read(len(got))
        stream.close()
        assert flat_events(real_responses) == flat_events(got), req
        assert flat_events(got)

    # replaying watchers: from a mid revision, from the compacted revision itself (a delete at
    # exactly that revision is gone from history), and from before it (cancelled)
    comp, cur = store.compact_revision, store.current_revision
    replays = [
        {
            "key": b"\x00",
            "range_end": b"\x00",
            "start_revision": (comp + cur) // 2,
            "prev_kv": True,
        },
        {"key": b"\x00", "range_end": b"\x00", "start_revision": comp, "prev_kv": True},
        {"key": b"a", "range_end": b"b", "start_revision": comp - 1},
    ]
    for req in replays:
        stream = open_real_watch(etcd, req)
        got = model_watch(store, req)
        assert got, req
        real_responses = stream.read(len(got))
        stream.close()
        assert without_id(real_responses) == without_id(got), req
    assert got[0]["canceled"] and got[0]["compact_revision"] == comp


def test_txn_edge_cases_match(etcd: RealEtcd) -> None:
    store = MVCCStore(lessor_primary=True)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("put", {"key": b"k", "value": b"1"}),
        ("put", {"key": b"k2", "value": b"2"}),
        # a compare on a missing key: VALUE always fails, others compare with zero
        ("txn", {"compare": [{"key": b"nope", "target": "VALUE", "result": "EQUAL"}]}),
        ("txn", {"compare": [{"key": b"nope", "target": "VERSION", "result": "EQUAL"}]}),
        (
            "txn",
            {"compare": [{"key": b"nope", "target": "MOD", "result": "LESS", "mod_revision": 1}]},
        ),
        # range compare: every key must satisfy it
        (
            "txn",
            {
                "compare": [
                    {
                        "key": b"k",
                        "range_end": b"l",
                        "target": "VALUE",
                        "result": "GREATER",
                        "value": b"0",
                    }
                ],
                "success": [{"request_put": {"key": b"k3", "value": b"s"}}],
                "failure": [{"request_put": {"key": b"k3", "value": b"f"}}],
            },
        ),
        # put then range in one txn: the range sees the put; one revision for both puts
        (
            "txn",
            {
                "success": [
                    {"request_put": {"key": b"x", "value": b"1"}},
                    {"request_put": {"key": b"y", "value": b"2"}},
                    {"request_range": {"key": b"x", "range_end": b"z"}},
                ]
            },
        ),
        # a delete of nothing inside a txn: no new revision
        ("txn", {"success": [{"request_delete_range": {"key": b"none"}}]}),
        # nested txn: compares see the state before the outer txn ran
        (
            "txn",
            {
                "success": [
                    {"request_put": {"key": b"k", "value": b"2"}},
                    {
                        "request_txn": {
                            "compare": [
                                {"key": b"k", "target": "VALUE", "result": "EQUAL", "value": b"1"}
                            ],
                            "success": [{"request_put": {"key": b"n", "value": b"old-k"}}],
                            "failure": [{"request_put": {"key": b"n", "value": b"new-k"}}],
                        }
                    },
                ]
            },
        ),
        # duplicates: put twice, put + delete, put in outer and nested
        ("txn", {"success": [{"request_put": {"key": b"d"}}, {"request_put": {"key": b"d"}}]}),
        (
            "txn",
            {
                "success": [
                    {"request_delete_range": {"key": b"a", "range_end": b"z"}},
                    {"request_put": {"key": b"d"}},
                ]
            },
        ),
        # a delete with range_end "\0" does not count as overlapping (etcd checks the
        # literal interval [key, "\0"))
        (
            "txn",
            {
                "success": [
                    {"request_delete_range": {"key": b"x", "range_end": b"\x00"}},
                    {"request_put": {"key": b"y", "value": b"again"}},
                ]
            },
        ),
        (
            "txn",
            {
                "success": [
                    {"request_put": {"key": b"d"}},
                    {"request_txn": {"success": [{"request_put": {"key": b"d"}}]}},
                ]
            },
        ),
        # then/else branches of a nested txn may put the same key
        (
            "txn",
            {
                "success": [
                    {
                        "request_txn": {
                            "success": [{"request_put": {"key": b"e", "value": b"t"}}],
                            "failure": [{"request_put": {"key": b"e", "value": b"f"}}],
                        }
                    }
                ]
            },
        ),
        # errors inside the chosen branch: future revision read, missing lease, ignore_value
        ("txn", {"success": [{"request_range": {"key": b"k", "revision": 1000}}]}),
        ("txn", {"success": [{"request_put": {"key": b"k", "lease": 5}}]}),
        ("txn", {"success": [{"request_put": {"key": b"missing", "ignore_value": True}}]}),
        # ... but not in the branch that is not taken
        (
            "txn",
            {
                "compare": [{"key": b"k", "target": "VERSION", "result": "GREATER", "version": 0}],
                "failure": [{"request_put": {"key": b"k", "lease": 5}}],
            },
        ),
        ("txn", {"compare": [{"key": b"k", "target": "VERSION", "result": "EQUAL"}] * 129}),
        ("txn", {"success": [{"request_put": {"key": b""}}]}),
        ("txn", {"compare": [{"key": b"", "target": "VERSION", "result": "EQUAL"}]}),
        ("put", {"key": b"k", "value": b"v", "ignore_value": True}),
        ("put", {"key": b"k", "lease": 3, "ignore_lease": True}),
        ("range", {"key": b""}),
        ("delete_range", {"key": b"", "range_end": b"\x00"}),
        ("delete_range", {"key": b"\x00", "range_end": b"\x00", "prev_kv": True}),
        ("range", {"key": b"\x00", "range_end": b"\x00"}),
    ]
    for i, (kind, body) in enumerate(cases):
        assert run_model(store, kind, body) == run_real(etcd, kind, body), f"case {i}: {body}"


def test_lease_revoke_and_attachments_match(etcd: RealEtcd) -> None:
    store = MVCCStore(lessor_primary=True)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("lease_grant", {"ID": 1, "TTL": 3600}),
        ("lease_grant", {"ID": 2, "TTL": 3600}),
        ("put", {"key": b"l/a", "value": b"1", "lease": 1}),
        ("put", {"key": b"l/b", "value": b"2", "lease": 1}),
        ("put", {"key": b"l/c", "value": b"3", "lease": 1}),
        ("put", {"key": b"l/d", "value": b"4", "lease": 2}),
        ("ttl", {"ID": 1}),
        # a re-put without a lease detaches the key; ignore_lease keeps the lease
        ("put", {"key": b"l/b", "value": b"22"}),
        ("put", {"key": b"l/c", "value": b"33", "ignore_lease": True}),
        # moving a key to another lease
        ("put", {"key": b"l/d", "value": b"44", "lease": 1}),
        ("ttl", {"ID": 1}),
        ("ttl", {"ID": 2}),
        ("range", {"key": b"l/", "range_end": b"l0"}),
        # revoke deletes l/a, l/c, l/d in one revision
        ("lease_revoke", {"ID": 1}),
        ("range", {"key": b"l/", "range_end": b"l0"}),
        ("ttl", {"ID": 1}),
        ("lease_revoke", {"ID": 1}),
        ("lease_revoke", {"ID": 2}),
        ("put", {"key": b"l/x", "lease": 2}),
    ]
    watch_req = {"key": b"l/", "range_end": b"l0", "prev_kv": True}
    stream = open_real_watch(etcd, watch_req)
    got = model_watch(store, watch_req)
    for i, (kind, body) in enumerate(cases):
        model, real = run_model(store, kind, body), run_real(etcd, kind, body)
        if kind == "ttl":
            compare_ttl(model, real)
        else:
            assert model == real, f"case {i}: {kind} {body}"
    # the revoke is one response (one revision) with three DELETE events
    real_responses = stream.read(len(got))
    stream.close()
    assert without_id(real_responses) == without_id(got)
    revoke = got[-1]
    assert [ev["type"] for ev in revoke["events"]] == ["DELETE"] * 3


def test_compacted_read_error_matches(etcd: RealEtcd) -> None:
    store = MVCCStore()
    for i in range(5):
        body = {"key": b"k", "value": str(i).encode()}
        assert run_model(store, "put", body) == run_real(etcd, "put", body)
    body = {"revision": 4}
    assert run_model(store, "compaction", body) == run_real(etcd, "compaction", body)
    for rev in (3, 4, 6, 7):
        rb = {"key": b"k", "revision": rev}
        assert run_model(store, "range", rb) == run_real(etcd, "range", rb)
    assert run_model(store, "range", {"key": b"k", "revision": 3}) == ("err", ErrCompacted)
