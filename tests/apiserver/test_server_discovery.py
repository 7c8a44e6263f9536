"""Discovery, /version and the health endpoints.

Shapes from a real v1.32 server: ``/api`` is ``APIVersions``, ``/api/v1`` and
``/apis/<group>/<version>`` are ``APIResourceList`` (subresources as ``pods/status``,
``deployments/scale`` with group ``autoscaling``), ``storageVersionHash`` is the base64 of the
first 8 bytes of SHA-256 of ``<group>/<version>/<kind>`` (``/v1/Pod`` -> ``xPOwRZ+Yhw8=``).
"""

from __future__ import annotations

import pytest
from test_server_fixtures import Lab, make_lab

from kubelab.api import all_kinds


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def _entry(resources: list[dict], name: str) -> dict:
    return next(r for r in resources if r["name"] == name)


def test_core_discovery(lab: Lab) -> None:
    api = lab.admin.get("/api").body
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]
    v1 = lab.admin.get("/api/v1").body
    assert v1["kind"] == "APIResourceList" and v1["groupVersion"] == "v1"
    pods = _entry(v1["resources"], "pods")
    assert pods == {
        "name": "pods",
        "singularName": "pod",
        "namespaced": True,
        "kind": "Pod",
        "verbs": [
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ],
        "shortNames": ["po"],
        "categories": ["all"],
        "storageVersionHash": "xPOwRZ+Yhw8=",
    }
    assert _entry(v1["resources"], "pods/status")["verbs"] == ["get", "patch", "update"]
    assert _entry(v1["resources"], "pods/binding")["kind"] == "Binding"
    eviction = _entry(v1["resources"], "pods/eviction")
    assert (eviction["group"], eviction["version"], eviction["kind"]) == (
        "policy",
        "v1",
        "Eviction",
    )
    assert "deletecollection" not in _entry(v1["resources"], "namespaces")["verbs"]
    assert _entry(v1["resources"], "namespaces")["storageVersionHash"] == "Q3oi5N2YM8M="
    assert _entry(v1["resources"], "configmaps")["storageVersionHash"] == "qFsyl6wFWjQ="
    assert _entry(v1["resources"], "nodes")["namespaced"] is False


def test_group_discovery(lab: Lab) -> None:
    groups = lab.admin.get("/apis").body
    assert groups["kind"] == "APIGroupList"
    names = [g["name"] for g in groups["groups"]]
    assert names == sorted(names)
    assert {"apps", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io",
            "rbac.authorization.k8s.io", "authorization.k8s.io"} <= set(names)  # fmt: skip
    apps = lab.admin.get("/apis/apps").body
    assert apps["kind"] == "APIGroup"
    assert apps["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    v1 = lab.admin.get("/apis/apps/v1").body
    assert v1["groupVersion"] == "apps/v1"
    assert _entry(v1["resources"], "deployments")["storageVersionHash"] == "8aSe+NMegvE="
    scale = _entry(v1["resources"], "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    assert lab.admin.get("/apis/nope/v1").code == 404


def test_every_served_kind_is_discoverable(lab: Lab) -> None:
    for info in all_kinds():
        path = "/api/v1" if not info.group else f"/apis/{info.group}/{info.version}"
        kinds = {(r["name"], r["kind"]) for r in lab.admin.get(path).body["resources"]}
        assert (info.resource, info.kind) in kinds


def test_version(lab: Lab) -> None:
    v = lab.anonymous().get("/version").body
    assert v["major"] == "1" and v["minor"] == "32" and v["gitVersion"] == "v1.32.0"
    assert v["platform"] == "linux/amd64"


def test_health_endpoints(lab: Lab) -> None:
    anon = lab.anonymous()  # system:public-info-viewer lets anyone read them
    for path in ("/healthz", "/livez", "/readyz"):
        r = anon.get(path)
        assert (r.code, r.body) == (200, "ok")
    verbose = anon.get("/readyz", verbose="").body.splitlines()
    assert verbose[0] == "[+]ping ok" and verbose[-1] == "readyz check passed"
    assert "[+]poststarthook/rbac/bootstrap-roles ok" in verbose
    assert lab.admin.get("/readyz/etcd").body == "ok"
    # system:public-info-viewer names exact paths: a single check needs system:discovery
    assert anon.get("/readyz/etcd").code == 403
    # discovery needs an authenticated user (system:discovery)
    r = anon.get("/api")
    assert r.code == 403
    assert r.body["message"] == 'forbidden: User "system:anonymous" cannot get path "/api"'


def test_readyz_fails_while_etcd_is_down(lab: Lab) -> None:
    lab.world.host(lab.etcd.names[0]).crash()
    r = lab.admin.get("/readyz", verbose="")
    assert r.code == 500
    lines = r.body.splitlines()
    assert "[-]etcd failed: reason withheld" in lines and lines[-1] == "readyz check failed"
    assert lab.admin.get("/livez/ping").body == "ok"
