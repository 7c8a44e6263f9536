"""How the API server keeps objects in etcd: keys, values, resourceVersions, system fields.

Expected values come from the real layout (k8s ``storage/etcd3/store.go``,
``pkg/kubeapiserver/default_storage_factory_builder.go``): keys ``/registry/<resource>/
<namespace>/<name>``, resourceVersion = the key's mod_revision and not stored in the value,
a list's resourceVersion = the store revision.
"""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
from test_server_fixtures import (
    CONFIGMAPS,
    DEPLOYMENTS,
    PODS,
    Lab,
    configmap,
    deployment,
    make_lab,
    pod,
)

from kubelab.apiserver.storage import (
    ContinueError,
    decode_continue,
    encode_continue,
    encode_object,
)
from kubelab.sim.clock import parse_timestamp


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def test_pod_is_stored_as_json_under_registry_pods_namespace_name(lab: Lab) -> None:
    created = lab.admin.post(PODS, pod("web")).body
    kv = lab.etcdctl.get("/registry/pods/default/web")["kvs"][0]
    stored = json.loads(kv["value"])
    # resourceVersion is the key's mod_revision and is not part of the stored value
    assert created["metadata"]["resourceVersion"] == str(kv["mod_revision"])
    assert "resourceVersion" not in stored["metadata"]
    assert kv["create_revision"] == kv["mod_revision"] and kv["version"] == 1
    # Go encodes TypeMeta first: kind, then apiVersion, then metadata
    assert kv["value"].startswith('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web"')
    assert stored["metadata"]["uid"] == created["metadata"]["uid"]
    assert stored["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


@pytest.mark.parametrize(
    ("path", "obj", "key"),
    [
        (
            "/api/v1/namespaces/default/services",
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"ports": [{"port": 80}]}},
            "/registry/services/specs/default/web",
        ),
        (
            "/api/v1/namespaces/default/endpoints",
            {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}},
            "/registry/services/endpoints/default/web",
        ),
        (
            "/api/v1/nodes",
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}},
            "/registry/minions/node-1",
        ),
        (
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}},
            "/registry/namespaces/prod",
        ),
        (
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
            {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "n1"}},
            "/registry/leases/kube-node-lease/n1",
        ),
    ],
)  # fmt: skip
def test_storage_keys_follow_the_real_layout(lab: Lab, path: str, obj: dict, key: str) -> None:
    resp = lab.admin.post(path, obj)
    assert resp.code == 201, resp.body
    assert lab.etcdctl.get(key)["count"] == 1


def test_bootstrap_objects_are_in_etcd(lab: Lab) -> None:
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert lab.etcdctl.get(f"/registry/namespaces/{ns}")["count"] == 1
        assert lab.etcdctl.get(f"/registry/serviceaccounts/{ns}/default")["count"] == 1
    for name in ("cluster-admin", "admin", "edit", "view", "system:discovery"):
        assert lab.etcdctl.get(f"/registry/clusterroles/{name}")["count"] == 1
    assert lab.etcdctl.get("/registry/clusterrolebindings/cluster-admin")["count"] == 1


def test_system_fields_uid_creation_timestamp_and_generation(lab: Lab) -> None:
    before = lab.world.now
    d = lab.admin.post(DEPLOYMENTS, deployment("web")).body
    meta = d["metadata"]
    assert uuid.UUID(meta["uid"]).version == 4
    ts = parse_timestamp(meta["creationTimestamp"])
    assert int(before) <= ts <= lab.world.now  # metav1.Time: whole seconds
    assert meta["generation"] == 1  # deploymentStrategy.PrepareForCreate
    assert "status" not in d or d["status"] == {}
    p = lab.admin.post(PODS, pod("web")).body
    assert "generation" not in p["metadata"]  # pods have no generation in 1.32
    assert p["metadata"]["uid"] != meta["uid"]


def test_generation_bumps_on_spec_and_annotation_changes_only(lab: Lab) -> None:
    path = f"{DEPLOYMENTS}/web"
    lab.admin.post(DEPLOYMENTS, deployment("web"))
    r = lab.admin.patch(path, {"metadata": {"labels": {"tier": "front"}}})
    assert r.body["metadata"]["generation"] == 1  # labels: no bump
    r = lab.admin.patch(path, {"spec": {"replicas": 5}})
    assert r.body["metadata"]["generation"] == 2
    r = lab.admin.patch(path, {"metadata": {"annotations": {"a": "b"}}})
    assert r.body["metadata"]["generation"] == 3  # Deployment: annotations bump too
    # a client cannot set the generation
    body = lab.admin.get(path).body
    body["metadata"]["generation"] = 99
    assert lab.admin.put(path, body).body["metadata"]["generation"] == 3


def test_generate_name_appends_five_characters_of_the_upstream_alphabet(lab: Lab) -> None:
    manifest = pod("x")
    manifest["metadata"] = {"generateName": "web-"}
    names = {lab.admin.post(PODS, manifest).body["metadata"]["name"] for _ in range(5)}
    assert len(names) == 5
    for name in names:
        assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", name), name
    long = pod("x")
    long["metadata"] = {"generateName": "a" * 70}
    name = lab.admin.post(PODS, long).body["metadata"]["name"]
    assert len(name) == 63 and name.startswith("a" * 58)


def test_list_resource_version_is_the_store_revision(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    lab.admin.post(CONFIGMAPS, configmap("b"))
    lst = lab.admin.get(CONFIGMAPS).body
    assert lst["kind"] == "ConfigMapList" and lst["apiVersion"] == "v1"
    assert [i["metadata"]["name"] for i in lst["items"]] == ["a", "b"]
    assert lst["metadata"]["resourceVersion"] == str(lab.revision())
    # the revision advances with writes to any resource, not only configmaps
    lab.admin.post(PODS, pod("p"))
    assert lab.admin.get(CONFIGMAPS).body["metadata"]["resourceVersion"] == str(lab.revision())


def test_creating_with_a_resource_version_is_refused(lab: Lab) -> None:
    manifest = configmap("a")
    manifest["metadata"]["resourceVersion"] = "5"
    r = lab.admin.post(CONFIGMAPS, manifest)
    # etcd3 store.Create returns a plain error: a 500 without reason
    assert r.code == 500
    assert r.body["message"] == "resourceVersion should not be set on objects to be created"
    assert "reason" not in r.body


def test_an_object_over_etcds_request_limit_is_refused_and_nothing_is_written(lab: Lab) -> None:
    big = pod("big")
    big["spec"]["containers"][0]["env"] = [{"name": "BLOB", "value": "x" * (2 * 1024 * 1024)}]
    rev = lab.revision()
    r = lab.admin.post(PODS, big)
    # etcd answers "request is too large" (max-request-bytes 1.5 MiB); the API server passes
    # etcd's error through as a 500 whose message is etcd's (ErrorToAPIStatus)
    assert r.code == 500
    assert r.body["message"] == "etcdserver: request is too large"
    assert lab.revision() == rev
    assert lab.admin.get(f"{PODS}/big").code == 404


def test_a_body_over_three_mebibytes_is_refused_with_413(lab: Lab) -> None:
    big = configmap("big", {"a": "x" * (3 * 1024 * 1024)})
    rev = lab.revision()
    r = lab.admin.post(CONFIGMAPS, big)
    assert r.code == 413
    assert r.body["reason"] == "RequestEntityTooLarge"
    assert r.body["message"] == "Request entity too large: limit is 3145728"
    assert lab.revision() == rev


def test_secret_string_data_is_stored_base64_encoded_in_data(lab: Lab) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "stringData": {"password": "hunter2"},
    }
    r = lab.admin.post("/api/v1/namespaces/default/secrets", secret)
    assert r.code == 201
    assert r.body["data"] == {"password": base64.b64encode(b"hunter2").decode()}
    assert "stringData" not in r.body
    assert r.body["type"] == "Opaque"


def test_encode_object_orders_fields_as_go_and_drops_the_resource_version() -> None:
    obj = {"spec": {}, "metadata": {"resourceVersion": "9", "labels": {}, "name": "n"},
           "apiVersion": "v1", "kind": "ConfigMap"}  # fmt: skip
    assert encode_object(obj) == (
        b'{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"n","labels":{}},"spec":{}}'
    )


def test_continue_tokens_round_trip_and_bad_ones_are_refused() -> None:
    prefix = "/registry/pods/default/"
    token = encode_continue(prefix + "web\x00", prefix, 42)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert json.loads(raw) == {"v": "meta.k8s.io/v1", "rv": 42, "start": "web\x00"}
    assert "=" not in token  # base64.RawURLEncoding: no padding
    assert decode_continue(token, prefix) == (prefix + "web\x00", 42)

    def tok(payload: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()

    # continue.go's errors
    with pytest.raises(ContinueError, match=r"incorrect encoded start resourceVersion"):
        decode_continue(tok({"v": "meta.k8s.io/v1", "rv": 0, "start": "a"}), prefix)
    with pytest.raises(ContinueError, match=r"encoded start key empty"):
        decode_continue(tok({"v": "meta.k8s.io/v1", "rv": 3, "start": ""}), prefix)
    with pytest.raises(ContinueError, match=r"server does not recognize this encoded version"):
        decode_continue(tok({"v": "v2", "rv": 3, "start": "a"}), prefix)
    with pytest.raises(ContinueError, match=r"^continue key is not valid: \.\./x$"):
        decode_continue(tok({"v": "meta.k8s.io/v1", "rv": 3, "start": "../x"}), prefix)


def test_the_compactor_compacts_to_the_revision_seen_one_interval_earlier() -> None:
    lab = make_lab(compaction_interval=10.0)
    start = lab.world.now
    member = lab.etcd.members[0]
    assert member.store is not None
    lab.admin.post(CONFIGMAPS, configmap("a"))
    lab.world.run(until=start + 10.5)  # first tick: CAS on compact_rev_key, no compaction
    assert member.store.compact_revision == -1  # "We don't compact on bootstrap."
    first = lab.etcdctl.get("compact_rev_key")["kvs"][0]
    assert first["value"] == "0" and first["version"] == 1
    lab.admin.post(CONFIGMAPS, configmap("b"))
    lab.world.run(until=start + 20.5)  # second tick: compacts to the revision tick 1 saw
    second = lab.etcdctl.get("compact_rev_key")["kvs"][0]
    assert second["version"] == 2
    assert second["value"] == str(first["mod_revision"])
    assert member.store.compact_revision == first["mod_revision"]
    assert lab.server.runtime.compactor.compacted == first["mod_revision"]


def test_a_whole_keyspace_stream_from_revision_1_sees_the_first_write() -> None:
    # An empty etcd is at revision 1, which holds no change: the first write is revision 2,
    # and a stream opened from revision 1 must take it as the next event, not as a gap.
    from kubelab.apiserver.storage import EtcdWatchStream
    from kubelab.etcd import EtcdClient, EtcdCluster
    from kubelab.sim import World

    world = World(seed=3)
    etcd = EtcdCluster(world, members=1)
    etcd.wait_for_leader()
    client = EtcdClient(world, etcd.names, host="cp-1")
    seen: list[tuple[bytes, int]] = []
    stream = EtcdWatchStream(
        client,
        b"\x00",
        b"\x00",
        start_revision=1,
        on_events=lambda events, rev: seen.extend((e["kv"]["key"], rev) for e in events),
        on_canceled=lambda rev: None,
    )
    stream.start()
    world.run(duration=0.5)
    client.put(b"/a", b"1")
    client.put(b"/b", b"2")
    world.run(duration=0.5)
    assert seen == [(b"/a", 2), (b"/b", 3)]
    assert stream.resyncs == 0


def test_a_body_that_is_not_json_is_a_400_and_writes_nothing(lab: Lab) -> None:
    # a set can never travel as JSON: the server answers as its decoder would, 400
    before = lab.revision()
    resp = lab.admin.post(
        "/api/v1/namespaces/default/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "odd"}, "data": {1, 2}},
    )
    assert resp.code == 400
    assert resp.body["reason"] == "BadRequest"
    assert "not JSON" in resp.body["message"]
    assert lab.revision() == before
