"""Every REST verb with its status codes and the real Status wording.

Messages are the upstream ones: ``errors.go`` (NotFound, AlreadyExists, Conflict, Invalid),
the handlers' decode errors (``endpoints/handlers/create.go`` ``transformDecodeError``), the
strict decoder (``strict decoding error: unknown field "spec.foo"``) and go-restful's 404/405.
"""

from __future__ import annotations

import pytest
from test_server_fixtures import CONFIGMAPS, PODS, Lab, configmap, make_lab, pod


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def test_create_201_then_409_already_exists(lab: Lab) -> None:
    r = lab.admin.post(PODS, pod("web"))
    assert r.code == 201 and r.body["metadata"]["name"] == "web"
    rev = lab.revision()
    again = lab.admin.post(PODS, pod("web"))
    assert again.code == 409
    assert again.body["reason"] == "AlreadyExists"
    assert again.body["message"] == 'pods "web" already exists'
    assert again.body["details"] == {"name": "web", "kind": "pods"}
    assert lab.revision() == rev


def test_get_200_and_404(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    r = lab.admin.get(f"{CONFIGMAPS}/a")
    assert r.code == 200 and r.body["data"] == {"k": "v"}
    assert r.body["kind"] == "ConfigMap" and r.body["apiVersion"] == "v1"
    missing = lab.admin.get(f"{CONFIGMAPS}/nope")
    assert missing.code == 404
    assert missing.body["message"] == 'configmaps "nope" not found'
    assert missing.body["details"] == {"name": "nope", "kind": "configmaps"}
    dep = lab.admin.get("/apis/apps/v1/namespaces/default/deployments/nope")
    assert dep.body["message"] == 'deployments.apps "nope" not found'


def test_update_replaces_and_404s_on_a_missing_object(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    cm = lab.admin.get(f"{CONFIGMAPS}/a").body
    cm["data"] = {"k": "new"}
    r = lab.admin.put(f"{CONFIGMAPS}/a", cm)
    assert r.code == 200 and r.body["data"] == {"k": "new"}
    assert int(r.body["metadata"]["resourceVersion"]) > int(cm["metadata"]["resourceVersion"])
    r = lab.admin.put(f"{CONFIGMAPS}/b", configmap("b"))
    assert r.code == 404 and r.body["message"] == 'configmaps "b" not found'


def test_update_without_resource_version_is_unconditional(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    lab.admin.patch(f"{CONFIGMAPS}/a", {"data": {"k": "v2"}})
    r = lab.admin.put(f"{CONFIGMAPS}/a", configmap("a", {"k": "blind"}))
    assert r.code == 200 and r.body["data"] == {"k": "blind"}


def test_an_update_that_changes_nothing_writes_nothing(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    cm = lab.admin.get(f"{CONFIGMAPS}/a").body
    rev = lab.revision()
    r = lab.admin.put(f"{CONFIGMAPS}/a", cm)
    assert r.code == 200
    assert r.body["metadata"]["resourceVersion"] == cm["metadata"]["resourceVersion"]
    assert lab.revision() == rev


def test_update_with_a_mismatched_name_is_a_bad_request(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    r = lab.admin.put(f"{CONFIGMAPS}/a", configmap("b"))
    assert r.code == 400
    assert r.body["message"] == (
        "the name of the object (b) does not match the name on the URL (a)"
    )


def test_namespace_in_body_must_match_the_url(lab: Lab) -> None:
    r = lab.admin.post(CONFIGMAPS, configmap("a", namespace="other"))
    assert r.code == 400
    assert r.body["message"] == (
        "the namespace of the provided object does not match the namespace sent on the request"
    )


def test_patch_merge_json_and_strategic(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    path = f"{PODS}/web"
    r = lab.admin.patch(path, {"metadata": {"labels": {"tier": "db"}}})
    assert r.code == 200 and r.body["metadata"]["labels"] == {"app": "web", "tier": "db"}
    r = lab.admin.patch(
        path,
        [{"op": "remove", "path": "/metadata/labels/tier"}],
        content_type="application/json-patch+json",
    )
    assert r.code == 200 and r.body["metadata"]["labels"] == {"app": "web"}
    # strategic merge: containers merge by name, so only the image changes
    r = lab.admin.patch(
        path,
        {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}},
        content_type="application/strategic-merge-patch+json",
    )
    assert r.code == 200
    c = r.body["spec"]["containers"]
    assert len(c) == 1 and c[0]["image"] == "nginx:1.28" and c[0]["volumeMounts"]


def test_patch_errors_carry_the_real_status(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    rev = lab.revision()
    r = lab.admin.patch(
        f"{CONFIGMAPS}/a",
        [{"op": "test", "path": "/data/k", "value": "other"}],
        content_type="application/json-patch+json",
    )
    assert r.code == 422
    assert r.body["message"] == "the server rejected our request due to an error in our request"
    r = lab.admin.patch(f"{CONFIGMAPS}/a", {"data": 5})
    assert r.code == 400
    r = lab.admin.patch(f"{CONFIGMAPS}/zz", {"data": {}})
    assert r.code == 404 and r.body["message"] == 'configmaps "zz" not found'
    r = lab.admin.patch(f"{CONFIGMAPS}/a", {}, content_type="application/apply-patch+yaml")
    assert r.code == 415 and r.body["reason"] == "UnsupportedMediaType"
    assert lab.revision() == rev


def test_delete_answers_a_success_status_or_the_object(lab: Lab) -> None:
    uid = lab.admin.post(CONFIGMAPS, configmap("a")).body["metadata"]["uid"]
    r = lab.admin.delete(f"{CONFIGMAPS}/a")
    assert r.code == 200
    # most registries answer with a Status (store.go finalizeDelete, ReturnDeletedObject false)
    assert r.body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "a", "kind": "configmaps", "uid": uid},
    }
    assert lab.admin.get(f"{CONFIGMAPS}/a").code == 404
    again = lab.admin.delete(f"{CONFIGMAPS}/a")
    assert again.code == 404 and again.body["message"] == 'configmaps "a" not found'
    # pods answer with the deleted object
    lab.admin.post(PODS, pod("p"))
    r = lab.admin.delete(f"{PODS}/p")
    assert r.code == 200 and r.body["kind"] == "Pod" and r.body["metadata"]["name"] == "p"


def test_deletecollection_deletes_what_the_selector_matches(lab: Lab) -> None:
    for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
        lab.admin.post(CONFIGMAPS, configmap(name, labels={"app": app}))
    r = lab.admin.delete(CONFIGMAPS, labelSelector="app=web")
    assert r.code == 200 and r.body["kind"] == "ConfigMapList"
    assert sorted(i["metadata"]["name"] for i in r.body["items"]) == ["a", "b"]
    left = lab.admin.get(CONFIGMAPS).body["items"]
    assert [i["metadata"]["name"] for i in left] == ["c"]


def test_unknown_resource_and_method_not_allowed(lab: Lab) -> None:
    r = lab.admin.get("/api/v1/namespaces/default/widgets")
    assert r.code == 404
    assert r.body["message"] == "the server could not find the requested resource"
    assert r.body["details"] == {}
    r = lab.admin.put(CONFIGMAPS, configmap("a"))
    assert r.code == 405
    assert r.body["reason"] == "MethodNotAllowed"
    r = lab.admin.post("/api/v1/pods", pod("x"))
    assert r.code == 405


def test_validation_failure_is_422_invalid_with_causes(lab: Lab) -> None:
    bad = pod("web")
    del bad["spec"]["containers"][0]["image"]
    rev = lab.revision()
    r = lab.admin.post(PODS, bad)
    assert r.code == 422 and r.body["reason"] == "Invalid"
    assert r.body["message"] == 'Pod "web" is invalid: spec.containers[0].image: Required value'
    assert r.body["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": "spec.containers[0].image",
        }
    ]
    assert lab.revision() == rev


def test_unknown_fields_strict_warn_and_ignore(lab: Lab) -> None:
    bad = configmap("a")
    bad["spec"] = {"foo": 1}
    bad["metadata"]["nmae"] = "typo"
    r = lab.admin.post(CONFIGMAPS, bad, fieldValidation="Strict")
    assert r.code == 400 and r.body["reason"] == "BadRequest"
    assert r.body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "metadata.nmae", unknown field "spec"'
    )
    r = lab.admin.post(CONFIGMAPS, bad)  # the server's default is Warn
    assert r.code == 201
    assert r.warnings == ('unknown field "metadata.nmae"', 'unknown field "spec"')
    stored = lab.admin.get(f"{CONFIGMAPS}/a").body  # unknown fields are dropped on decode
    assert "spec" not in stored and "nmae" not in stored["metadata"]
    r = lab.admin.post(CONFIGMAPS, {**configmap("b"), "x": 1}, fieldValidation="Ignore")
    assert r.code == 201 and r.warnings == ()
    p = pod("p")
    p["spec"]["containers"][0]["imagePull"] = "Always"
    r = lab.admin.post(PODS, p, fieldValidation="Strict")
    assert r.body["message"].endswith('unknown field "spec.containers[0].imagePull"')
    r = lab.admin.post(PODS, p, fieldValidation="Loose")
    assert r.code == 400


def test_wrong_json_types_are_decode_errors(lab: Lab) -> None:
    p = pod("web")
    p["spec"]["containers"] = "nginx"
    r = lab.admin.post(PODS, p)
    assert r.code == 400
    assert r.body["message"] == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go '
        "struct field PodSpec.spec.containers of type []v1.Container"
    )
    p = pod("web")
    p["spec"]["containers"][0]["ports"] = [{"containerPort": "80"}]
    r = lab.admin.post(PODS, p)
    assert r.body["message"].endswith(
        "cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports."
        "containerPort of type int32"
    )


def test_wrong_api_version_or_kind_in_the_body(lab: Lab) -> None:
    r = lab.admin.post(CONFIGMAPS, {**configmap("a"), "apiVersion": "apps/v1"})
    assert r.code == 400
    assert r.body["message"] == (
        "the API version in the data (apps/v1) does not match the expected API version (v1)"
    )
    r = lab.admin.post(CONFIGMAPS, {**configmap("a"), "kind": "Secret"})
    assert r.code == 400
    assert r.body["message"].startswith('Secret in version "v1" cannot be handled as a ConfigMap')


def test_dry_run_writes_nothing(lab: Lab) -> None:
    rev = lab.revision()
    r = lab.admin.post(CONFIGMAPS, configmap("a"), dryRun="All")
    assert r.code == 201 and r.body["metadata"]["name"] == "a"
    assert "resourceVersion" not in r.body["metadata"]
    assert lab.revision() == rev
    assert lab.admin.get(f"{CONFIGMAPS}/a").code == 404


def test_creating_over_a_terminating_object_says_it_is_being_deleted(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a", finalizers=["example.com/hold"]))
    lab.admin.delete(f"{CONFIGMAPS}/a")
    r = lab.admin.post(CONFIGMAPS, configmap("a"))
    assert r.code == 409
    assert r.body["message"] == 'object is being deleted: configmaps "a" already exists'


def test_cluster_scoped_objects_lose_a_namespace_given_in_the_body(lab: Lab) -> None:
    r = lab.admin.post(
        "/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "namespace": "y"}},
    )
    assert r.code == 201 and "namespace" not in r.body["metadata"]
    assert r.body["metadata"]["labels"] == {"kubernetes.io/metadata.name": "x"}
    assert r.body["spec"] == {"finalizers": ["kubernetes"]}
    assert r.body["status"] == {"phase": "Active"}


def test_events_k8s_io_and_core_events_share_one_storage(lab: Lab) -> None:
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "web.1"},
        "eventTime": "2024-01-01T00:00:01.000000Z",
        "reportingController": "kubelab.io/scheduler",
        "reportingInstance": "scheduler-1",
        "action": "Binding",
        "reason": "Scheduled",
        "type": "Normal",
        "note": "Successfully assigned default/web to node-1",
        "regarding": {"kind": "Pod", "namespace": "default", "name": "web"},
    }
    r = lab.admin.post("/apis/events.k8s.io/v1/namespaces/default/events", event)
    assert r.code == 201, r.body
    assert r.body["apiVersion"] == "events.k8s.io/v1" and r.body["note"] == event["note"]
    # stored once, as a core v1 Event (pkg/apis/events/v1/conversion.go field names)
    core = lab.admin.get("/api/v1/namespaces/default/events/web.1").body
    assert core["apiVersion"] == "v1"
    assert core["message"] == event["note"]
    assert core["involvedObject"] == event["regarding"]
    assert core["reportingComponent"] == "kubelab.io/scheduler"
    assert lab.etcdctl.get("/registry/events/default/web.1")["count"] == 1
    listed = lab.admin.get("/apis/events.k8s.io/v1/namespaces/default/events").body
    assert listed["kind"] == "EventList" and listed["items"][0]["note"] == event["note"]
