"""The etcd client against a simulated cluster: every call, its response shape, str/bytes
handling, retries and the errors a client sees."""

from __future__ import annotations

import pytest
import simpy

from kubelab.etcd import (
    ErrCompacted,
    ErrFutureRev,
    ErrLeaseNotFound,
    ErrNoLeader,
    ErrRequestTooLarge,
    ErrTimeout,
    EtcdClient,
    EtcdCluster,
    prefix_range_end,
)
from kubelab.etcd.mvcc import MAX_REQUEST_BYTES
from kubelab.sim import HostDown, World


@pytest.fixture
def env() -> tuple[World, EtcdCluster, EtcdClient]:
    w = World(seed=31)
    c = EtcdCluster(w, members=3)
    c.wait_for_leader()
    return w, c, c.client()


def test_prefix_range_end_is_clientv3_get_prefix_range_end() -> None:
    # client/v3/op.go getPrefix: increment the last byte below 0xff, drop what follows; no such
    # byte -> "\x00" (noPrefixEnd, i.e. to the end of the keyspace)
    assert prefix_range_end("foo") == b"fop"
    assert prefix_range_end(b"a\xff") == b"b"
    assert prefix_range_end(b"a\xff\xff") == b"b"
    assert prefix_range_end(b"\xff\xff") == b"\x00"
    assert prefix_range_end("") == b"\x00"
    assert prefix_range_end("/registry/pods/") == b"/registry/pods0"


def test_put_and_get_shapes(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _w, c, cli = env
    put = cli.put("foo", "bar")
    assert set(put) == {"header", "prev_kv"}
    assert set(put["header"]) == {"cluster_id", "member_id", "revision", "raft_term"}
    assert put["header"]["revision"] == 2  # a new store is at revision 1; the put makes 2
    assert put["prev_kv"] is None
    ids = {m.id for m in c.members}
    assert put["header"]["member_id"] in ids
    assert put["header"]["raft_term"] == c.leader().term  # type: ignore[union-attr]
    got = cli.get("foo")
    assert set(got) == {"header", "kvs", "count", "more"}
    assert got["count"] == 1 and got["more"] is False
    assert got["kvs"] == [
        {
            "key": "foo",
            "value": "bar",
            "create_revision": 2,
            "mod_revision": 2,
            "version": 1,
            "lease": 0,
        }
    ]
    put2 = cli.put("foo", "baz", prev_kv=True)
    assert put2["prev_kv"]["value"] == "bar"
    again = cli.get("foo")["kvs"][0]
    assert (again["create_revision"], again["mod_revision"], again["version"]) == (2, 3, 2)
    missing = cli.get("missing")
    assert (missing["kvs"], missing["count"], missing["more"]) == ([], 0, False)


def test_str_and_bytes_keys_and_values(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _, _, cli = env
    cli.put(b"bin", b"\xff\x00\x01")
    cli.put("text", "héllo".encode())
    cli.put(b"caf\xc3\xa9", "ok")
    assert cli.get("bin")["kvs"][0]["value"] == b"\xff\x00\x01"  # not UTF-8: stays bytes
    assert cli.get(b"text")["kvs"][0]["value"] == "héllo"  # valid UTF-8: str
    assert cli.get("café")["kvs"][0]["key"] == "café"
    with pytest.raises(TypeError):
        cli.put("k", 3)  # type: ignore[arg-type]


def test_ranges_prefixes_limits_and_sorting(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _, _, cli = env
    for k, v in [("/a/1", "z"), ("/a/2", "y"), ("/a/3", "x"), ("/b/1", "w")]:
        cli.put(k, v)
    pre = cli.get("/a/", prefix=True)
    assert [kv["key"] for kv in pre["kvs"]] == ["/a/1", "/a/2", "/a/3"]
    assert cli.get("/a/1", "/a/3")["count"] == 2
    lim = cli.get("/a/", prefix=True, limit=2)
    assert len(lim["kvs"]) == 2 and lim["more"] is True and lim["count"] == 3
    keys = cli.get("/", prefix=True, keys_only=True)
    assert all(kv["value"] == "" for kv in keys["kvs"])
    cnt = cli.get("/", prefix=True, count_only=True)
    assert cnt["count"] == 4 and cnt["kvs"] == []
    by_value = cli.get("/a/", prefix=True, sort_order="ASCEND", sort_target="VALUE")
    assert [kv["value"] for kv in by_value["kvs"]] == ["x", "y", "z"]
    everything = cli.get("", prefix=True)  # clientv3 WithPrefix on "": every key
    assert everything["count"] == 4
    assert cli.get("/a/2", from_key=True)["count"] == 3


def test_reading_an_old_revision_and_the_revision_errors(
    env: tuple[World, EtcdCluster, EtcdClient],
) -> None:
    _, _, cli = env
    r1 = cli.put("k", "v1")["header"]["revision"]
    r2 = cli.put("k", "v2")["header"]["revision"]
    assert cli.get("k", revision=r1)["kvs"][0]["value"] == "v1"
    with pytest.raises(ErrFutureRev) as fut:
        cli.get("k", revision=r2 + 10)
    assert str(fut.value) == "mvcc: required revision is a future revision"
    cli.compact(r2)
    with pytest.raises(ErrCompacted) as comp:
        cli.get("k", revision=r1)
    assert str(comp.value) == "mvcc: required revision has been compacted"
    assert comp.value.grpc_message == "etcdserver: mvcc: required revision has been compacted"
    assert cli.get("k", revision=r2)["kvs"][0]["value"] == "v2"
    with pytest.raises(ErrCompacted):
        cli.compact(r1)  # not above the last compaction


def test_serializable_reads_answer_locally(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    w, c, cli = env
    cli.put("s", "1")
    lead = c.leader()
    assert lead is not None
    follower = next(m for m in c.members if m is not lead)
    w.network.partition([follower.name], [m.name for m in c.members if m is not follower])
    cli.put("s", "2")
    fcli = c.client([follower.name], host="local-reader")
    # a serializable read is served from the partitioned member's own store: stale but fast
    stale = fcli.get("s", serializable=True)
    assert stale["kvs"][0]["value"] == "1"
    assert stale["header"]["member_id"] == follower.id
    # a linearizable read there cannot be confirmed by a leader: it times out
    fcli_short = c.client([follower.name], host="local-reader", timeout=2)
    with pytest.raises(ErrTimeout):
        fcli_short.get("s")


def test_delete_shapes(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _, _, cli = env
    for k in ("d/1", "d/2", "d/3", "e"):
        cli.put(k, k.upper())
    one = cli.delete("e", prev_kv=True)
    assert one["deleted"] == 1 and one["prev_kvs"][0]["value"] == "E"
    many = cli.delete("d/", prefix=True)
    assert many["deleted"] == 3 and many["prev_kvs"] == []
    assert cli.delete("nothing")["deleted"] == 0
    assert cli.get("d/", prefix=True)["count"] == 0


def test_txn_compare_and_swap(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _, _, cli = env
    cli.put("lock", "free")

    def cas(expect: str, new: str) -> dict:  # type: ignore[type-arg]
        return cli.txn(
            compare=[{"key": "lock", "target": "VALUE", "result": "EQUAL", "value": expect}],
            success=[{"request_put": {"key": "lock", "value": new}}],
            failure=[{"request_range": {"key": "lock"}}],
        )

    ok = cas("free", "held")
    assert ok["succeeded"] is True
    assert set(ok["responses"][0]) == {"response_put"}
    no = cas("free", "stolen")
    assert no["succeeded"] is False
    assert no["responses"][0]["response_range"]["kvs"][0]["value"] == "held"
    # a create-if-absent: version == 0
    create = cli.txn(
        compare=[{"key": "new", "target": "VERSION", "result": "EQUAL", "version": 0}],
        success=[{"request_put": {"key": "new", "value": "1"}}],
    )
    assert create["succeeded"] is True
    # a read-only txn is served as a (linearizable) read: no new revision
    rev = cli.get("lock")["header"]["revision"]
    ro = cli.txn(success=[{"request_range": {"key": "lock"}}])
    assert ro["header"]["revision"] == rev


def test_request_too_large_writes_nothing(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    w, _c, cli = env
    rev = cli.get("big")["header"]["revision"]
    with pytest.raises(ErrRequestTooLarge) as err:
        cli.put("big", b"x" * MAX_REQUEST_BYTES)
    assert str(err.value) == "etcdserver: request is too large"
    w.run(duration=0.5)
    assert cli.get("big")["kvs"] == []
    assert cli.get("big")["header"]["revision"] == rev
    # just under the limit goes through (1.5 MiB includes the request's own framing)
    cli.put("big", b"x" * (MAX_REQUEST_BYTES - 100))
    assert len(cli.get("big")["kvs"][0]["value"]) == MAX_REQUEST_BYTES - 100


def test_leases(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    w, _, cli = env
    g = cli.lease_grant(60)
    assert set(g) >= {"ID", "TTL"} and g["TTL"] == 60 and g["ID"] > 0
    tiny = cli.lease_grant(1)
    assert tiny["TTL"] == 2  # raised to the minimum TTL: ceil(1.5 * 10 ticks * 100 ms)
    cli.put("a", "1", lease=g["ID"])
    cli.put("b", "2", lease=g["ID"])
    assert cli.get("a")["kvs"][0]["lease"] == g["ID"]
    ids = [le["ID"] for le in cli.lease_leases()["leases"]]
    assert sorted(ids) == sorted([g["ID"], tiny["ID"]])
    w.run(duration=10)  # the 2-second lease expires meanwhile
    ttl = cli.lease_timetolive(g["ID"], keys=True)
    assert ttl["grantedTTL"] == 60
    assert 49 <= ttl["TTL"] <= 50
    assert sorted(ttl["keys"]) == ["a", "b"]
    ka = cli.lease_keepalive(g["ID"])
    assert ka["ID"] == g["ID"] and ka["TTL"] == 60
    assert cli.lease_timetolive(g["ID"])["TTL"] >= 59
    assert [le["ID"] for le in cli.lease_leases()["leases"]] == [g["ID"]]
    cli.lease_revoke(g["ID"])
    assert cli.get("a")["kvs"] == [] and cli.get("b")["kvs"] == []
    assert cli.lease_timetolive(g["ID"])["TTL"] == -1
    with pytest.raises(ErrLeaseNotFound) as err:
        cli.lease_revoke(g["ID"])
    assert str(err.value) == "etcdserver: requested lease not found"
    with pytest.raises(ErrLeaseNotFound):
        cli.lease_keepalive(12345)
    with pytest.raises(ErrLeaseNotFound):
        cli.put("c", "3", lease=12345)
    assert cli.get("c")["kvs"] == []


def test_keepalive_sent_to_a_follower_is_forwarded_to_the_leader(
    env: tuple[World, EtcdCluster, EtcdClient],
) -> None:
    w, c, _cli = env
    lead = c.leader()
    assert lead is not None
    follower = next(m for m in c.members if m is not lead)
    fcli = c.client([follower.name], host="follower-client")
    lease = fcli.lease_grant(3)
    fcli.put("alive", "yes", lease=lease["ID"])
    for _ in range(8):
        w.run(duration=1)
        assert fcli.lease_keepalive(lease["ID"])["TTL"] == 3
    assert fcli.get("alive")["kvs"]


def test_watch_sees_puts_and_deletes_in_order(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _w, _, cli = env
    watch = cli.watch("/w/", prefix=True, prev_kv=True)
    cli.put("/w/a", "1")
    cli.put("/other", "x")
    cli.put("/w/a", "2")
    cli.delete("/w/a")
    evs = watch.events(0.1)
    assert [(e["type"], e["kv"]["key"]) for e in evs] == [
        ("PUT", "/w/a"),
        ("PUT", "/w/a"),
        ("DELETE", "/w/a"),
    ]
    assert evs[1]["kv"]["value"] == "2" and evs[1]["prev_kv"]["value"] == "1"
    assert evs[0]["prev_kv"] is None  # a create has no previous pair
    assert watch.events(1.0) == []
    watch.cancel()
    cli.put("/w/b", "3")
    assert watch.events(0.5) == []


def test_watch_from_an_old_revision_replays_history(
    env: tuple[World, EtcdCluster, EtcdClient],
) -> None:
    _, _, cli = env
    first = cli.put("h", "1")["header"]["revision"]
    cli.put("h", "2")
    watch = cli.watch("h", start_revision=first)
    assert [e["kv"]["value"] for e in watch.events(0.1)] == ["1", "2"]


def test_watch_from_a_compacted_revision_raises_err_compacted(
    env: tuple[World, EtcdCluster, EtcdClient],
) -> None:
    _, _, cli = env
    first = cli.put("c", "1")["header"]["revision"]
    last = cli.put("c", "2")["header"]["revision"]
    cli.compact(last)
    with pytest.raises(ErrCompacted) as err:
        cli.watch("c", start_revision=first)
    assert f"compacted at {last}" in str(err.value)


def test_watch_moves_to_another_member_when_its_member_crashes(
    env: tuple[World, EtcdCluster, EtcdClient],
) -> None:
    w, c, cli = env
    watch = cli.watch("m", prefix=True)
    serving = c.member(watch.endpoint or "")
    serving.crash()
    others = c.client([m.name for m in c.members if m is not serving], host="writer")
    c.wait_for_leader(timeout=10)
    others.put("m1", "after-crash")
    evs = watch.events(5.0)  # the keepalive notices the broken stream and resumes
    assert [e["kv"]["value"] for e in evs] == ["after-crash"]
    assert watch.endpoint != serving.name
    assert w.trace.filter(kind="watch-reconnect")


def test_member_list_and_endpoint_status(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _, c, cli = env
    members = cli.member_list()["members"]
    assert [m["name"] for m in members] == sorted(
        (m.name for m in c.members), key=lambda n: int(c.member(n).id, 16)
    )
    assert members[0]["peerURLs"] == [f"http://{members[0]['name']}:2380"]
    assert members[0]["clientURLs"] == [f"http://{members[0]['name']}:2379"]
    assert all(len(m["ID"]) <= 16 and int(m["ID"], 16) > 0 for m in members)
    statuses = cli.endpoint_status()
    assert [s["Endpoint"] for s in statuses] == c.names
    lead = c.leader()
    assert lead is not None
    for s in statuses:
        st = s["Status"]
        assert st["leader"] == lead.id
        assert st["version"].startswith("3.5.")
        assert st["raftTerm"] == lead.term
        assert st["raftAppliedIndex"] <= st["raftIndex"]
        assert st["isLearner"] is False
        assert st["errors"] == []
    c.member("etcd-3").crash()
    down = cli.endpoint_status()
    assert "Error" in down[2] and "etcd-3" in down[2]["Error"]


def test_no_quorum_gives_a_clear_error_naming_the_endpoints() -> None:
    w = World(seed=32)
    c = EtcdCluster(w, members=3)
    lead = c.wait_for_leader()
    survivors = [m for m in c.members if m is not lead]
    lead.crash()
    survivors[0].crash()
    w.run(duration=4)  # the last member has given up on its leader
    cli = c.client(timeout=2)
    start = w.now
    with pytest.raises(ErrNoLeader) as err:
        cli.put("k", "v")
    assert w.now - start == pytest.approx(2, abs=0.05)
    assert survivors[1].name in str(err.value)
    assert "no leader" in str(err.value)
    # reads fail the same way: there is no leader to confirm a read index
    with pytest.raises((ErrNoLeader, ErrTimeout)) as rerr:
        cli.get("k")
    assert survivors[1].name in str(rerr.value)


def test_without_require_leader_a_leaderless_member_holds_the_write() -> None:
    # raft node.go stops taking proposals while there is no leader; etcd answers nothing and
    # the client's deadline ends the call ("context deadline exceeded"); gRPC cancels the
    # server side too, so the write is never made
    w = World(seed=35)
    c = EtcdCluster(w, members=3)
    lead = c.wait_for_leader()
    lonely = next(m for m in c.members if m is not lead)
    w.network.partition([lonely.name], [m.name for m in c.members if m is not lonely])
    w.run(duration=3)
    assert lonely.leader_id == ""
    cli = c.client([lonely.name], timeout=2, require_leader=False)
    start = w.now
    with pytest.raises(ErrTimeout) as err:
        cli.put("held", "1")
    assert str(err.value).startswith("context deadline exceeded")
    assert w.now - start == pytest.approx(2, abs=0.01)
    w.network.heal()
    w.run(duration=2)
    assert c.client().get("held")["kvs"] == []
    # a write held while the leader is unknown goes through once the member finds it
    w.network.partition([lonely.name], [m.name for m in c.members if m is not lonely])
    w.run(duration=3)
    heal = simpy.Timeout(w.env, 0.5)
    heal.callbacks.append(lambda _e: w.network.heal())
    assert cli.put("held", "2")["header"]["member_id"] == lonely.id
    assert c.client().get("held")["kvs"][0]["value"] == "2"


def test_a_write_is_not_retried_after_an_ambiguous_timeout() -> None:
    # clientv3 retries a mutation only when it surely was not sent; here the request reaches a
    # member in a minority partition and its fate is unknown: the client gives up, once.
    w = World(seed=33)
    c = EtcdCluster(w, members=3)
    lead = c.wait_for_leader()
    minority = next(m for m in c.members if m is not lead)
    w.network.partition([minority.name], [m.name for m in c.members if m is not minority])
    cli = c.client([minority.name, lead.name], timeout=3)
    cli._rr = 0  # the first request goes to the minority member
    with pytest.raises(ErrTimeout) as err:
        cli.put("k", "v")
    assert "endpoints tried: " + minority.name + ")" in str(err.value)


def test_reads_fail_over_to_another_endpoint() -> None:
    w = World(seed=34)
    c = EtcdCluster(w, members=3)
    lead = c.wait_for_leader()
    cli = c.client()
    cli.put("k", "v")
    minority = next(m for m in c.members if m is not lead)
    w.network.partition([minority.name], [m.name for m in c.members if m is not minority])
    cli._rr = c.names.index(minority.name)
    got = cli.get("k")  # first attempt on the cut-off member times out, the next succeeds
    assert got["kvs"][0]["value"] == "v"
    assert got["header"]["member_id"] != minority.id


def test_async_calls_return_simpy_events(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    w, _, cli = env
    evs = [cli.put_async(f"k{i}", str(i)) for i in range(20)]
    w.wait(w.env.all_of(evs))
    revs = sorted(ev.value["header"]["revision"] for ev in evs)
    assert revs == list(range(revs[0], revs[0] + 20))  # one revision per put
    got = cli.get_async("k", prefix=True)
    assert w.wait(got)["count"] == 20
    fail = cli.get_async("k", revision=10_000)
    with pytest.raises(ErrFutureRev):
        w.wait(fail)


def test_a_crash_of_the_client_host_fails_its_calls(
    env: tuple[World, EtcdCluster, EtcdClient],
) -> None:
    w, _, cli = env
    ev = cli.put_async("k", "v")
    cli.host.crash()
    with pytest.raises(HostDown):
        w.wait(ev)
    cli.host.start()
    other = EtcdClient(w, ["etcd-1"], host=cli.host.name)  # a second client on that host
    assert cli.put("k", "again")["header"]["revision"] >= 2
    assert other.get("k")["kvs"][0]["value"] == "again"


def test_membership_calls_through_the_client(env: tuple[World, EtcdCluster, EtcdClient]) -> None:
    _w, _c, cli = env
    added = cli.member_add("etcd-9")
    assert added["member"]["name"] == "etcd-9"
    assert len(added["members"]) == 4
    removed = cli.member_remove("etcd-9")
    assert len(removed["members"]) == 3
