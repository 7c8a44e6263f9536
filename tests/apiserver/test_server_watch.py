"""Watch: events in resourceVersion order, replay, selectors, bookmarks, 410, etcd failures.

A watch that cannot start from the resourceVersion it asked for is answered 200 and then gets
one ``ERROR`` event carrying the 410 (or 504) Status, as the real cacher does.

Rules from ``storage/cacher``: ``watch_cache.go`` (``getAllEventsSinceLocked``: a watch from
``rv < oldest - 1`` is ``too old resource version: rv (oldest-1)``; ``resizeCacheLocked``:
the 100-event window doubles while its oldest event is younger than 75 s), ``cache_watcher.go``
(``convertToWatchEvent``: selector transitions become ADDED/DELETED), ``cacher.go`` (bookmarks
every minute, ``k8s.io/initial-events-end``, re-list and close every watch when the etcd watch
is compacted away).
"""

from __future__ import annotations

import json

import pytest
from test_server_fixtures import CONFIGMAPS, PODS, Lab, configmap, make_lab, pod

from kubelab.apiserver.watch import INITIAL_EVENTS_END_ANNOTATION


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def _brief(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in events]


def _rvs(events: list[dict]) -> list[int]:
    return [int(e["object"]["metadata"]["resourceVersion"]) for e in events]


def test_events_arrive_in_resource_version_order(lab: Lab) -> None:
    w = lab.admin.watch(CONFIGMAPS)
    assert w.response.code == 200 and w.response.body == {"watch": w.port}
    lab.admin.post(CONFIGMAPS, configmap("a"))
    lab.admin.patch(f"{CONFIGMAPS}/a", {"data": {"k": "2"}})
    lab.admin.post(CONFIGMAPS, configmap("b"))
    lab.admin.delete(f"{CONFIGMAPS}/a")
    events = w.events(0.1)
    assert _brief(events) == [("ADDED", "a"), ("MODIFIED", "a"), ("ADDED", "b"), ("DELETED", "a")]
    rvs = _rvs(events)
    assert rvs == sorted(rvs) and len(set(rvs)) == 4
    # the DELETED object is the last state, at the deletion's resourceVersion
    assert events[3]["object"]["data"] == {"k": "2"}
    assert rvs[3] == int(events[2]["object"]["metadata"]["resourceVersion"]) + 1


def test_resource_version_zero_or_unset_starts_with_the_current_state(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    lab.admin.post(CONFIGMAPS, configmap("b"))
    for query in ({"resourceVersion": "0"}, {}):
        w = lab.admin.watch(CONFIGMAPS, **query)
        assert _brief(w.events(0.01)) == [("ADDED", "a"), ("ADDED", "b")]
        w.cancel()


def test_a_watch_from_a_resource_version_replays_what_came_after(lab: Lab) -> None:
    rv = lab.admin.post(CONFIGMAPS, configmap("a")).body["metadata"]["resourceVersion"]
    lab.admin.post(CONFIGMAPS, configmap("b"))
    lab.admin.delete(f"{CONFIGMAPS}/a")
    w = lab.admin.watch(CONFIGMAPS, resourceVersion=rv)
    assert _brief(w.events(0.01)) == [("ADDED", "b"), ("DELETED", "a")]


def test_selector_transitions_become_added_and_deleted(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a", labels={"app": "db"}))
    w = lab.admin.watch(CONFIGMAPS, labelSelector="app=web")
    assert w.events(0.01) == []
    lab.admin.patch(f"{CONFIGMAPS}/a", {"metadata": {"labels": {"app": "web"}}})
    lab.admin.patch(f"{CONFIGMAPS}/a", {"data": {"k": "2"}})
    lab.admin.patch(f"{CONFIGMAPS}/a", {"metadata": {"labels": {"app": "db"}}})
    events = w.events(0.1)
    assert _brief(events) == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    # leaving the selection: the last matching state at the new resourceVersion
    assert events[2]["object"]["metadata"]["labels"] == {"app": "web"}
    assert _rvs(events)[2] == int(
        lab.admin.get(f"{CONFIGMAPS}/a").body["metadata"]["resourceVersion"]
    )


def test_namespace_and_name_scoping(lab: Lab) -> None:
    lab.admin.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "other"}})  # fmt: skip
    lab.world.run(duration=0.1)
    mine = lab.admin.watch(PODS, fieldSelector="metadata.name=web")
    everywhere = lab.admin.watch("/api/v1/pods")
    lab.admin.post(PODS, pod("web"))
    lab.admin.post(PODS, pod("db"))
    lab.admin.post("/api/v1/namespaces/other/pods", pod("web"))
    assert _brief(mine.events(0.1)) == [("ADDED", "web")]
    assert len(everywhere.events()) == 3


def test_bookmarks_only_when_asked(lab: Lab) -> None:
    with_bm = lab.admin.watch(CONFIGMAPS, allowWatchBookmarks="true", resourceVersion="0")
    without = lab.admin.watch(CONFIGMAPS)
    lab.admin.post(CONFIGMAPS, configmap("a"))
    events = with_bm.events(61.0)
    marks = [e for e in events if e["type"] == "BOOKMARK"]
    assert marks, events
    obj = marks[0]["object"]
    assert obj["kind"] == "ConfigMap" and obj["apiVersion"] == "v1"
    assert set(obj["metadata"]) == {"resourceVersion"}
    assert int(obj["metadata"]["resourceVersion"]) >= _rvs([events[0]])[0]
    assert all(e["type"] != "BOOKMARK" for e in without.events())


def test_send_initial_events_ends_with_an_annotated_bookmark(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    w = lab.admin.watch(
        CONFIGMAPS,
        sendInitialEvents="true",
        allowWatchBookmarks="true",
        resourceVersionMatch="NotOlderThan",
    )
    events = w.events(0.1)
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["annotations"] == {INITIAL_EVENTS_END_ANNOTATION: "true"}
    bad = lab.admin.request(
        "GET", CONFIGMAPS, query={"watch": "true", "sendInitialEvents": "true"}, watch_port="p"
    )
    assert bad.code == 422
    assert (
        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
        in bad.body["message"]
    )


def test_timeout_and_cancel_end_the_stream(lab: Lab) -> None:
    short = lab.admin.watch(CONFIGMAPS, timeoutSeconds="5")
    lab.world.run(duration=5.1)
    assert short.closed
    w = lab.admin.watch(CONFIGMAPS)
    w.cancel()
    lab.world.run(duration=0.1)
    lab.admin.post(CONFIGMAPS, configmap("a"))
    assert w.events(0.1) == []
    assert lab.server.runtime.cacher.watches() == []


def _error_event(lab: Lab, **query: str) -> dict:
    """Open a watch expected to fail inside the stream: the answer is 200, then one ERROR
    event carrying the Status, then the end of the stream (cacher.go newErrWatcher)."""
    w = lab.admin.watch(CONFIGMAPS, **query)
    assert w.response.code == 200
    events = w.events(0.01)
    assert [e["type"] for e in events] == ["ERROR"] and w.closed
    status: dict = events[0]["object"]
    assert status["kind"] == "Status" and status["status"] == "Failure"
    return status


def test_a_watch_older_than_the_event_window_is_410(lab: Lab) -> None:
    first = int(lab.admin.post(CONFIGMAPS, configmap("first")).body["metadata"]["resourceVersion"])
    lab.world.run(duration=100.0)  # older than eventFreshDuration (75 s)
    for i in range(100):
        lab.admin.post(CONFIGMAPS, configmap(f"cm{i:03d}"))
    # the 101st event did not fit: the window (100) dropped the oldest, since it was stale
    status = _error_event(lab, resourceVersion=str(first - 1))
    assert status["code"] == 410 and status["reason"] == "Expired"
    assert status["message"] == f"too old resource version: {first - 1} ({first})"
    ok = lab.admin.watch(CONFIGMAPS, resourceVersion=str(first))
    assert ok.response.code == 200 and len(ok.events(0.01)) == 100


def test_the_window_grows_while_its_events_are_fresh(lab: Lab) -> None:
    first = int(lab.admin.post(CONFIGMAPS, configmap("first")).body["metadata"]["resourceVersion"])
    for i in range(150):
        lab.admin.post(CONFIGMAPS, configmap(f"cm{i:03d}"))
    w = lab.admin.watch(CONFIGMAPS, resourceVersion=str(first - 1))
    assert w.response.code == 200 and len(w.events(0.01)) == 151
    cache = lab.server.runtime.cacher.caches["/registry/configmaps"]
    assert cache.capacity == 200


def test_after_a_restart_an_old_resource_version_is_410(lab: Lab) -> None:
    rv = int(lab.admin.post(CONFIGMAPS, configmap("a")).body["metadata"]["resourceVersion"])
    lab.admin.post(CONFIGMAPS, configmap("b"))
    lab.world.host("cp-1").restart()
    lab.server.wait_ready()
    current = int(lab.admin.get(CONFIGMAPS).body["metadata"]["resourceVersion"])
    status = _error_event(lab, resourceVersion=str(rv))
    # the cache starts at the list it made on boot: nothing older can be served
    assert status["code"] == 410
    assert status["message"] == f"too old resource version: {rv} ({current})"


def test_a_future_resource_version_waits_then_times_out(lab: Lab) -> None:
    current = int(lab.admin.get(CONFIGMAPS).body["metadata"]["resourceVersion"])
    start = lab.world.now
    status = _error_event(lab, resourceVersion=str(current + 50))
    assert status["code"] == 504
    assert status["message"] == (
        f"Timeout: Too large resource version: {current + 50}, current: {current}"
    )
    assert lab.world.now - start >= 3.0


def test_no_event_is_lost_across_an_etcd_leader_crash() -> None:
    lab = make_lab(seed=3, members=3)
    w = lab.admin.watch(CONFIGMAPS)
    leader = lab.etcd.leader()
    assert leader is not None
    codes = []
    for i in range(16):
        if i == 5:
            lab.world.host(leader.name).crash()  # mid-stream
        codes.append(lab.admin.post(CONFIGMAPS, configmap(f"cm{i:02d}")).code)
    assert codes.count(201) >= 12
    events = w.events(5.0)
    # everything etcd holds was delivered once, in revision order, with no gap
    survivors = lab.etcd.client(host="check").get("/registry/configmaps/default/", prefix=True)[
        "kvs"
    ]
    expected = sorted((kv["mod_revision"], kv["key"].rsplit("/", 1)[1]) for kv in survivors)
    got = [
        (int(e["object"]["metadata"]["resourceVersion"]), e["object"]["metadata"]["name"])
        for e in events
    ]
    assert [e["type"] for e in events] == ["ADDED"] * len(events)
    assert got == expected


def test_an_etcd_watch_behind_the_compaction_relists_and_closes_client_watches() -> None:
    lab = make_lab(seed=4)
    lab.admin.post(CONFIGMAPS, configmap("a"))
    w = lab.admin.watch(CONFIGMAPS, resourceVersion="0")
    first = w.events(0.01)
    assert _brief(first) == [("ADDED", "a")]
    last_seen = _rvs(first)[-1]
    member = lab.etcd.names[0]
    lab.world.network.partition(["cp-1"], [member])
    lab.world.run(duration=3.0)  # longer than the etcd client's 2 s watch keepalive
    # meanwhile someone writes to etcd directly, and etcd is compacted
    raw = {"kind": "ConfigMap", "apiVersion": "v1",
           "metadata": {"name": "b", "namespace": "default", "uid": "u"}}  # fmt: skip
    lab.etcdctl.put("/registry/configmaps/default/b", json.dumps(raw))
    lab.etcdctl.put("/registry/configmaps/default/b", json.dumps(raw))
    lab.etcdctl.compact(lab.revision())  # past the revision the API server's watch needs next
    lab.world.network.heal()
    lab.world.run(duration=5.0)
    cacher = lab.server.runtime.cacher
    assert cacher.relists == 1
    assert w.closed  # the reflector re-listed: every watch is closed, clients re-watch
    # a client resuming from the resourceVersion it had is told to relist
    status = _error_event(lab, resourceVersion=str(last_seen))
    assert status["code"] == 410 and status["reason"] == "Expired"
    assert status["message"].startswith(f"too old resource version: {last_seen} (")
    names = [
        i["metadata"]["name"] for i in lab.admin.get(CONFIGMAPS, resourceVersion="0").body["items"]
    ]
    assert names == ["a", "b"]


def test_lost_etcd_watch_responses_are_detected_and_replayed() -> None:
    lab = make_lab(seed=5)
    w = lab.admin.watch(CONFIGMAPS)
    member = lab.etcd.names[0]
    # a partition shorter than the keepalive: the etcd watch stream looks healthy, but the
    # responses sent meanwhile are lost
    lab.world.network.partition(["cp-1"], [member])
    lab.etcdctl.put("/registry/configmaps/default/x", json.dumps(configmap("x")))
    lab.world.network.heal()
    lab.admin.post(CONFIGMAPS, configmap("y"))
    events = w.events(1.0)
    assert _brief(events) == [("ADDED", "x"), ("ADDED", "y")]
    assert lab.server.runtime.cacher.stream is not None
    assert lab.server.runtime.cacher.stream.resyncs == 1
