"""Informers: list-then-watch cache, handlers, relist after 410, indexers, resync, failover."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_client_lib import FakeCluster, RealCluster, pod

from kubelab.apiserver import errors as apierrors
from kubelab.apiserver.client import PORT, NotFound, resolve_resource
from kubelab.apiserver.informer import (
    MIN_WATCH_TIMEOUT,
    NAMESPACE_INDEX,
    DeletedFinalStateUnknown,
    ExponentialBackoff,
    Indexer,
    SharedInformer,
    meta_namespace_key,
    split_meta_namespace_key,
)

PODS = resolve_resource("pods")


def _name(o: Any) -> str:
    if isinstance(o, DeletedFinalStateUnknown):
        return f"unknown:{o.key}"
    return str(o["metadata"]["name"])


class Recorder:
    """Handlers that log every notification, and a shadow cache built only from them."""

    def __init__(self, inf: SharedInformer, tag: str = "", **kw: Any) -> None:
        self.log: list[tuple[str, str]] = []
        self.shadow: dict[str, dict[str, Any]] = {}
        self.tag = tag
        self.resyncs = 0
        self.reg = inf.add_event_handler(self.add, self.update, self.delete, **kw)

    def add(self, o: dict[str, Any]) -> None:
        self.log.append((self.tag + "add", _name(o)))
        self.shadow[meta_namespace_key(o)] = o

    def update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old is new:
            self.resyncs += 1
        self.log.append((self.tag + "update", _name(new)))
        self.shadow[meta_namespace_key(new)] = new

    def delete(self, o: Any) -> None:
        self.log.append((self.tag + "delete", _name(o)))
        key = o.key if isinstance(o, DeletedFinalStateUnknown) else meta_namespace_key(o)
        self.shadow.pop(key, None)


def _rvs(objs: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {k: v["metadata"]["resourceVersion"] for k, v in objs.items()}


def _synced(c: FakeCluster, **kw: Any) -> tuple[SharedInformer, Recorder]:
    inf = SharedInformer(c.client(), "pods", **kw)
    rec = Recorder(inf)
    inf.run()
    c.world.wait(inf.wait_for_cache_sync())
    c.world.run(duration=1)  # the watch is open
    return inf, rec


# -- the cache follows the server --------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["create", "update", "delete", "wait", "expire"]),
            st.integers(0, 5),
        ),
        max_size=30,
    ),
    seed=st.integers(0, 3),
)
def test_cache_and_handlers_converge_to_the_server_state(
    ops: list[tuple[str, int]], seed: int
) -> None:
    c = FakeCluster(seed=seed)
    st_ = c.storage
    inf, rec = _synced(c)
    for op, i in ops:
        name = f"p{i}"
        cur = st_.store(PODS).get(("default", name))
        if op == "create" and cur is None:
            st_.commit("ADDED", PODS, pod(name))
        elif op == "update" and cur is not None:
            new = {**cur, "metadata": {**cur["metadata"], "labels": {"v": str(i)}}}
            st_.commit("MODIFIED", PODS, new)
        elif op == "delete" and cur is not None:
            st_.commit("DELETED", PODS, cur)
        elif op == "wait":
            c.world.run(duration=0.5 * i + 0.1)
        elif op == "expire":
            # the watch cache lost our position: 410 on the stream, history gone
            st_.compact()
            c.servers[0].end_watches(apierrors.too_old_resource_version(1, st_.rv))
        c.world.run(duration=0.01)
    c.world.run(duration=300)
    server = st_.state("pods")
    assert _rvs({o["metadata"]["name"]: o for o in inf.list()}) == {
        k.split("/")[1]: v for k, v in _rvs(server).items()
    }
    assert _rvs(rec.shadow) == _rvs(server)
    assert inf.last_sync_resource_version == str(st_.rv)


def test_first_list_asks_for_resource_version_zero_then_watches_from_the_list() -> None:
    c = FakeCluster()
    c.storage.commit("ADDED", PODS, pod("a"))
    inf, rec = _synced(c)
    assert inf.has_synced()
    c.world.run(duration=1)
    first, second = c.requests()[:2]
    assert first.query == {"resourceVersion": "0"}
    assert second.query["watch"] == "true" and second.query["resourceVersion"] == "2"
    assert second.query["allowWatchBookmarks"] == "true"
    assert MIN_WATCH_TIMEOUT <= int(second.query["timeoutSeconds"]) < 2 * MIN_WATCH_TIMEOUT
    assert rec.log == [("add", "a")]


def test_watch_events_become_add_update_delete_in_order() -> None:
    c = FakeCluster()
    inf, rec = _synced(c)
    a = c.storage.commit("ADDED", PODS, pod("a"))
    c.storage.commit("MODIFIED", PODS, {**a, "spec": {"nodeName": "n1"}})
    c.storage.commit("DELETED", PODS, a)
    c.world.run(duration=1)
    assert rec.log == [("add", "a"), ("update", "a"), ("delete", "a")]
    assert inf.list() == [] and inf.last_sync_resource_version == str(c.storage.rv)


def test_handlers_run_in_registration_order_and_late_handlers_get_the_cache() -> None:
    c = FakeCluster()
    c.storage.commit("ADDED", PODS, pod("b"))
    c.storage.commit("ADDED", PODS, pod("a"))
    inf = SharedInformer(c.client(), "pods")
    log: list[tuple[str, str]] = []
    for tag in ("first", "second"):
        inf.add_event_handler(on_add=lambda o, t=tag: log.append((t, _name(o))))
    inf.run()
    c.world.wait(inf.wait_for_cache_sync())
    assert log == [("first", "a"), ("second", "a"), ("first", "b"), ("second", "b")]
    late = Recorder(inf, "late-")
    assert late.log == [("late-add", "a"), ("late-add", "b")]


def test_removed_handler_hears_nothing_more() -> None:
    c = FakeCluster()
    inf, rec = _synced(c)
    inf.remove_event_handler(rec.reg)
    c.storage.commit("ADDED", PODS, pod("a"))
    c.world.run(duration=1)
    assert rec.log == [] and len(inf.list()) == 1


# -- relist ------------------------------------------------------------------------------------


def test_relist_after_410_synthesizes_adds_updates_and_deleted_final_state_unknown() -> None:
    c = FakeCluster()
    st_ = c.storage
    for n in ("a", "b"):
        st_.commit("ADDED", PODS, pod(n))
    inf, rec = _synced(c)
    last_rv = inf.last_sync_resource_version
    b_cached = inf.get_by_key("default/b")
    # While the watch is cut off (its events are lost), b goes away and c arrives, and the
    # history is compacted; then the server ends the stream with a 410.
    c.world.network.partition(["client"], ["api-1"])
    st_.commit("DELETED", PODS, st_.store(PODS)[("default", "b")])
    st_.commit("ADDED", PODS, pod("c"))
    st_.compact()
    c.world.network.heal()
    c.servers[0].end_watches(apierrors.too_old_resource_version(int(last_rv), st_.rv))
    ended = c.world.now
    c.world.run(duration=60)
    assert inf.lists == 2
    # watch expiry: list from the last seen RV ("not older than"), as reflector.go does
    lists = [r for r in c.requests() if "watch" not in r.query and r.path != "/healthz"]
    assert [r.query["resourceVersion"] for r in lists] == ["0", last_rv]
    relist = next(r for r in c.world.trace.filter(kind="listed") if r.time > ended)
    assert 0.8 <= relist.time - ended < 1.6 + 0.01  # first backoff step: 0.8 s × [1, 2)
    # the relist: listed objects in order (a unchanged -> a sync update, c new -> add), then
    # the missing b as DeletedFinalStateUnknown holding its last cached state
    assert rec.log == [
        ("add", "a"),
        ("add", "b"),
        ("update", "a"),
        ("add", "c"),
        ("delete", "unknown:default/b"),
    ]
    assert _rvs(rec.shadow) == _rvs(st_.state("pods"))
    assert b_cached is not None and b_cached["metadata"]["name"] == "b"


def test_a_list_answered_410_is_retried_at_once_with_a_consistent_read() -> None:
    c = FakeCluster()
    inf, _ = _synced(c)
    last_rv = inf.last_sync_resource_version
    c.servers[0].fail_next.append(apierrors.too_old_resource_version(int(last_rv), 9))
    c.servers[0].end_watches(apierrors.too_old_resource_version(int(last_rv), 9))
    c.world.run(duration=5)
    lists = [r for r in c.requests() if "watch" not in r.query and r.path != "/healthz"]
    assert [r.query["resourceVersion"] for r in lists] == ["0", last_rv, ""]
    assert inf.lists == 2


def test_a_normal_watch_end_rewatches_from_the_last_resource_version_without_relisting() -> None:
    c = FakeCluster()
    inf, _ = _synced(c)
    c.world.run(duration=2000)
    watches = [r for r in c.requests() if r.query.get("watch") == "true"]
    assert inf.lists == 1 and len(watches) >= 4  # each lasts 300..600 s
    for w in watches:
        assert 300 <= int(w.query["timeoutSeconds"]) < 600
        assert w.query["resourceVersion"] == "1"


def test_connection_refused_backs_off_and_rewatches_without_relisting() -> None:
    c = FakeCluster()
    inf, rec = _synced(c)
    server = c.servers[0]
    server.host.unlisten(PORT)  # the apiserver process is gone, the host still up
    server.end_watches()
    c.world.run(duration=20)
    server.host.serve(PORT, server._handle)
    c.storage.commit("ADDED", PODS, pod("late"))
    c.world.run(duration=60)
    assert inf.lists == 1
    assert ("add", "late") in rec.log
    backoffs = c.world.trace.filter(kind="watch-backoff")
    assert len(backoffs) >= 2 and "connection refused" in backoffs[0].fields["error"]


def test_a_dead_api_server_is_left_for_another_endpoint() -> None:
    c = FakeCluster(servers=2)
    inf, rec = _synced(c)
    assert inf.client.endpoint == "api-1"
    c.world.run(duration=10)
    c.servers[0].host.crash()
    crash = c.world.now
    c.storage.commit("ADDED", PODS, pod("while-down"))
    c.world.run(duration=60)
    assert ("add", "while-down") in rec.log
    relisted = c.world.trace.filter(kind="listed")[-1]
    # silent stream noticed after 30 s idle + 15 s ping timeout (counted from the last read,
    # t=0 here), then one backoff step before listing through api-2
    assert relisted.time - crash <= 45 + 1.6
    assert inf.client.endpoint == "api-2" and inf.lists == 2
    assert [h for h, r in c.servers[1].requests if "watch" not in r.query] == ["client"]


def test_stop_ends_the_watch_and_freezes_the_cache() -> None:
    c = FakeCluster()
    inf, rec = _synced(c)
    inf.stop()
    c.world.run(duration=1)
    assert c.servers[0].watchers == {}
    c.storage.commit("ADDED", PODS, pod("after"))
    c.world.run(duration=5)
    assert rec.log == [] and inf.list() == []


# -- resync ------------------------------------------------------------------------------------


def test_resync_replays_the_cache_to_due_handlers_only() -> None:
    c = FakeCluster()
    c.storage.commit("ADDED", PODS, pod("a"))
    c.storage.commit("ADDED", PODS, pod("b"))
    inf = SharedInformer(c.client(), "pods", resync_period=30)
    every30 = Recorder(inf, "30-")
    every60 = Recorder(inf, "60-", resync_period=60)
    never = Recorder(inf, "0-", resync_period=0)
    inf.run()
    c.world.run(duration=125)
    # checks at ~30, 60, 90, 120 s: the 30 s handler is due each time, the 60 s one at 60, 120
    assert every30.resyncs == 4 * 2
    assert every60.resyncs == 2 * 2
    assert never.resyncs == 0
    assert inf.resyncs == 4


def test_an_informer_without_resync_period_never_resyncs() -> None:
    # determineResyncPeriod: a handler period is ignored when the informer's check period is 0
    c = FakeCluster()
    c.storage.commit("ADDED", PODS, pod("a"))
    inf = SharedInformer(c.client(), "pods")
    rec = Recorder(inf, resync_period=10)
    inf.run()
    c.world.run(duration=100)
    assert rec.resyncs == 0 and rec.reg.resync_period == 0


# -- indexers ----------------------------------------------------------------------------------


def _by_node(o: dict[str, Any]) -> list[str]:
    node = (o.get("spec") or {}).get("nodeName")
    return [node] if node else []


def test_namespace_and_custom_indexes_follow_the_cache() -> None:
    c = FakeCluster()
    st_ = c.storage
    st_.commit("ADDED", PODS, {**pod("a", "prod"), "spec": {"nodeName": "n1"}})
    st_.commit("ADDED", PODS, {**pod("b", "prod"), "spec": {"nodeName": "n2"}})
    st_.commit("ADDED", PODS, {**pod("c", "dev"), "spec": {"nodeName": "n1"}})
    inf, _ = _synced(c, indexers={"node": _by_node})
    names = lambda objs: [o["metadata"]["name"] for o in objs]  # noqa: E731
    assert names(inf.by_index(NAMESPACE_INDEX, "prod")) == ["a", "b"]
    assert names(inf.by_index("node", "n1")) == ["c", "a"]  # sorted by key: dev/c, prod/a
    a = st_.store(PODS)[("prod", "a")]
    st_.commit("MODIFIED", PODS, {**a, "spec": {"nodeName": "n2"}})
    st_.commit("DELETED", PODS, st_.store(PODS)[("dev", "c")])
    c.world.run(duration=1)
    assert names(inf.by_index("node", "n1")) == []
    assert names(inf.by_index("node", "n2")) == ["a", "b"]
    assert inf.indexer.list_index_func_values("node") == ["n2"]
    assert inf.indexer.list_index_func_values(NAMESPACE_INDEX) == ["prod"]
    assert inf.get_by_key("prod/a")["spec"]["nodeName"] == "n2"  # type: ignore[index]


def test_indexer_rules() -> None:
    idx = Indexer({"ns": lambda o: [o["metadata"].get("namespace", "")]})
    idx.add({"metadata": {"name": "n1"}})
    idx.add({"metadata": {"name": "x", "namespace": "a"}})
    assert idx.list_keys() == ["a/x", "n1"]
    with pytest.raises(KeyError, match="Index with name nope does not exist"):
        idx.by_index("nope", "a")
    with pytest.raises(ValueError, match="indexer conflict"):
        idx.add_indexers({"ns": lambda o: []})
    idx.add_indexers({"name": lambda o: [o["metadata"]["name"]]})  # indexes existing items
    assert idx.index_keys("name", "x") == ["a/x"]
    idx.delete("a/x")
    assert idx.by_index("ns", "a") == [] and idx.index_keys("name", "x") == []
    idx.replace([{"metadata": {"name": "y", "namespace": "b"}}])
    assert idx.list_keys() == ["b/y"] and idx.index_keys("ns", "b") == ["b/y"]
    assert split_meta_namespace_key("ns/name") == ("ns", "name")
    assert split_meta_namespace_key("node-1") == ("", "node-1")
    with pytest.raises(ValueError, match='unexpected key format: "a/b/c"'):
        split_meta_namespace_key("a/b/c")


# -- backoff -----------------------------------------------------------------------------------


def test_reflector_backoff_doubles_from_800ms_to_30s_with_jitter_and_resets() -> None:
    b = ExponentialBackoff(random.Random(3))
    t = 0.0
    bases = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]
    for base in bases:
        d = b.next(t)
        assert base <= d < 2 * base
        t += d
    # more than 2 minutes since the last backoff began: back to 0.8 s
    assert 0.8 <= b.next(t + 121) < 1.6


# -- against the real kube-apiserver -----------------------------------------------------------


def test_informer_against_kube_apiserver_through_random_changes_and_a_restart() -> None:
    c = RealCluster(servers=2)
    writer = c.client("writer")
    inf = SharedInformer(c.client("controller"), "configmaps", "default")
    rec = Recorder(inf)
    inf.run()
    c.world.wait(inf.wait_for_cache_sync())
    rng = random.Random(5)
    names = [f"cm{i}" for i in range(6)]
    for step in range(60):
        name = rng.choice(names)
        try:
            cur = writer.get("configmaps", name, "default")
        except NotFound:
            cur = None
        if cur is None:
            writer.create(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}, "default"
            )
        elif rng.random() < 0.5:
            writer.update({**cur, "data": {"step": str(step)}})
        else:
            writer.delete("configmaps", name, "default")
        if step == 30:
            c.world.host("cp-1").restart()  # the informer's stream is lost with it
        c.world.run(duration=rng.uniform(0.1, 3))
    c.world.run(duration=120)
    server = writer.list("configmaps", "default")["items"]
    want = {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in server}
    got = {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in inf.list()}
    assert got == want
    assert {k.split("/")[1]: v for k, v in _rvs(rec.shadow).items()} == want
    assert inf.lists >= 2  # the restart forced a relist
