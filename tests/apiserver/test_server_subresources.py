"""Subresources: the status split, scale, binding, eviction, namespace finalize.

Rules: every ``PrepareForUpdate`` of ``pkg/registry/*/strategy.go`` (the main resource keeps
the stored status, ``/status`` keeps the stored spec), ``pkg/registry/apps/deployment/storage``
(``autoscaling/v1`` Scale), ``pkg/registry/core/pod/storage`` (BindingREST: ``pod x is already
assigned to node "y"`` as a Conflict on ``pods/binding``; EvictionREST).
"""

from __future__ import annotations

import pytest
from test_server_fixtures import DEPLOYMENTS, PODS, Lab, deployment, make_lab, pod


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def _binding(name: str, node: str = "node-1") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name},
        "target": {"kind": "Node", "name": node},
    }


def test_writes_to_the_main_resource_ignore_status(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    p = lab.admin.get(f"{PODS}/web").body
    p["status"] = {"phase": "Running", "podIP": "10.0.0.7"}
    p["metadata"]["labels"]["x"] = "y"
    r = lab.admin.put(f"{PODS}/web", p)
    assert r.code == 200
    assert r.body["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert r.body["metadata"]["labels"]["x"] == "y"


def test_writes_to_status_ignore_the_spec(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    p = lab.admin.get(f"{PODS}/web").body
    p["status"] = {"phase": "Running", "podIPs": [{"ip": "10.0.0.7"}]}
    p["spec"]["containers"][0]["image"] = "nginx:9"
    r = lab.admin.put(f"{PODS}/web/status", p)
    assert r.code == 200
    assert r.body["status"]["phase"] == "Running"
    assert r.body["status"]["qosClass"] == "BestEffort"  # backfilled, immutable
    assert r.body["spec"]["containers"][0]["image"] == "nginx:1.27"
    r = lab.admin.patch(f"{PODS}/web/status", {"status": {"phase": "Succeeded"}})
    assert r.code == 200 and r.body["status"]["phase"] == "Succeeded"
    # field selectors see the new phase
    names = [
        i["metadata"]["name"]
        for i in lab.admin.get(PODS, fieldSelector="status.phase=Succeeded").body["items"]
    ]
    assert names == ["web"]


def test_status_updates_do_not_bump_the_generation(lab: Lab) -> None:
    lab.admin.post(DEPLOYMENTS, deployment("web"))
    r = lab.admin.patch(
        f"{DEPLOYMENTS}/web/status", {"status": {"replicas": 2, "observedGeneration": 1}}
    )
    assert r.code == 200
    assert r.body["status"] == {"replicas": 2, "observedGeneration": 1}
    assert r.body["metadata"]["generation"] == 1


def test_scale_reads_and_writes_replicas(lab: Lab) -> None:
    lab.admin.post(DEPLOYMENTS, deployment("web", replicas=2))
    s = lab.admin.get(f"{DEPLOYMENTS}/web/scale")
    assert s.code == 200
    assert s.body["kind"] == "Scale" and s.body["apiVersion"] == "autoscaling/v1"
    assert s.body["spec"] == {"replicas": 2}
    assert s.body["status"] == {"replicas": 0, "selector": "app=web"}
    scale = s.body
    scale["spec"]["replicas"] = 5
    r = lab.admin.put(f"{DEPLOYMENTS}/web/scale", scale)
    assert r.code == 200 and r.body["spec"]["replicas"] == 5
    d = lab.admin.get(f"{DEPLOYMENTS}/web").body
    assert d["spec"]["replicas"] == 5 and d["metadata"]["generation"] == 2
    r = lab.admin.patch(f"{DEPLOYMENTS}/web/scale", {"spec": {"replicas": 1}})
    assert r.code == 200 and r.body["spec"]["replicas"] == 1
    # a stale Scale resourceVersion is a conflict on the deployment
    scale["spec"]["replicas"] = 7
    stale = lab.admin.put(f"{DEPLOYMENTS}/web/scale", scale)
    assert stale.code == 409
    assert stale.body["message"].startswith(
        'Operation cannot be fulfilled on deployments.apps "web"'
    )


def test_scale_to_a_negative_number_is_invalid(lab: Lab) -> None:
    lab.admin.post(DEPLOYMENTS, deployment("web"))
    rev = lab.revision()
    r = lab.admin.patch(f"{DEPLOYMENTS}/web/scale", {"spec": {"replicas": -1}})
    assert r.code == 422
    assert r.body["message"] == (
        'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater '
        "than or equal to 0"
    )
    assert lab.revision() == rev


def test_replicasets_have_scale_too(lab: Lab) -> None:
    rs = deployment("rs")
    rs["kind"] = "ReplicaSet"
    r = lab.admin.post("/apis/apps/v1/namespaces/default/replicasets", rs)
    assert r.code == 201
    s = lab.admin.get("/apis/apps/v1/namespaces/default/replicasets/rs/scale").body
    assert s["spec"] == {"replicas": 2} and s["status"]["selector"] == "app=rs"


def test_binding_assigns_a_node_once(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    r = lab.admin.post(f"{PODS}/web/binding", _binding("web"))
    assert r.code == 201
    assert r.body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                      "code": 201}  # fmt: skip
    p = lab.admin.get(f"{PODS}/web").body
    assert p["spec"]["nodeName"] == "node-1"
    cond = [c for c in p["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert cond and cond[0]["status"] == "True"
    rev = lab.revision()
    again = lab.admin.post(f"{PODS}/web/binding", _binding("web", "node-2"))
    assert again.code == 409 and again.body["reason"] == "Conflict"
    assert again.body["message"] == (
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to '
        'node "node-1"'
    )
    assert lab.revision() == rev


def test_binding_errors(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    r = lab.admin.post(f"{PODS}/web/binding", _binding("other"))
    assert r.code == 400
    assert r.body["message"] == "name in URL does not match name in Binding object"
    r = lab.admin.post(f"{PODS}/nope/binding", _binding("nope"))
    assert r.code == 404 and r.body["message"] == 'pods "nope" not found'
    no_target = _binding("web")
    no_target["target"] = {"kind": "Node"}
    r = lab.admin.post(f"{PODS}/web/binding", no_target)
    assert r.code == 500 and r.body["message"] == "target.name: Required value"


def test_eviction_deletes_gracefully(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    lab.admin.post(f"{PODS}/web/binding", _binding("web"))
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"}}
    r = lab.admin.post(f"{PODS}/web/eviction", eviction)
    assert r.code == 201 and r.body["status"] == "Success"
    p = lab.admin.get(f"{PODS}/web").body
    assert p["metadata"]["deletionGracePeriodSeconds"] == 30
    lab.admin.post(PODS, pod("idle"))
    r = lab.admin.post(f"{PODS}/idle/eviction", {**eviction, "metadata": {"name": "idle"}})
    assert r.code == 201
    assert lab.admin.get(f"{PODS}/idle").code == 404  # unscheduled: deleted at once
    r = lab.admin.post(f"{PODS}/nope/eviction", {**eviction, "metadata": {"name": "nope"}})
    assert r.code == 404


def test_unknown_subresources_and_verbs(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    assert lab.admin.get(f"{PODS}/web/frobnicate").code == 404
    assert lab.admin.delete(f"{PODS}/web/status").code == 405
    assert lab.admin.get(f"{PODS}/web/binding").code == 405
    assert lab.admin.get("/api/v1/namespaces/default/configmaps/x/status").code == 404
