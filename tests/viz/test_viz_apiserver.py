"""Chapter 2's tables: the can-i matrix, the watch log and the time per pipeline stage."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from kubelab import Cluster
from kubelab.viz.apiserver import (
    AccessMatrix,
    WatchLog,
    access_matrix,
    changed_paths,
    stage_times,
)

ROLE_AND_BINDING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: dev
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: alice-reads-pods
  namespace: dev
subjects:
- kind: User
  name: alice
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
"""


@pytest.fixture
def cluster() -> Cluster:
    return Cluster(control_planes=1, nodes=0, seed=3, components=())


# -- access matrix -------------------------------------------------------------------------------


def test_access_matrix_follows_a_role_bound_in_one_namespace(cluster: Cluster) -> None:
    assert cluster.kubectl("create namespace dev").ok
    assert cluster.kubectl("apply -f -", ROLE_AND_BINDING).ok
    targets = [("pods", "dev"), ("pods", "default"), ("secrets", "dev")]
    m = access_matrix(cluster.as_user("alice"), ["get", "list", "watch", "delete"], targets)
    # RBAC: a Role grants only its verbs, only on its resources, only in its namespace
    assert m.allowed() == ["get pods -n dev", "list pods -n dev"]
    assert m.answers["watch", "pods", "dev"] is False
    assert m.answers["get", "pods", "default"] is False
    assert m.answers["get", "secrets", "dev"] is False
    assert m.table().splitlines() == [
        "VERB    pods in dev  pods in default  secrets in dev",
        "get     yes          no               no",
        "list    yes          no               no",
        "watch   no           no               no",
        "delete  no           no               no",
    ]
    assert repr(m).startswith("can-i as alice:\n")


def test_system_masters_may_do_everything(cluster: Cluster) -> None:
    m = access_matrix(cluster.admin, ["create", "delete"], [("secrets", "kube-system")])
    assert m.allowed() == ["create secrets -n kube-system", "delete secrets -n kube-system"]


@dataclass
class _FakeView:
    user: str
    answers: dict[str, str]
    asked: list[str] = field(default_factory=list)

    def kubectl(self, command_line: str, stdin: str | None = None) -> str:
        self.asked.append(command_line)
        return self.answers[command_line]


def test_access_matrix_asks_kubectl_auth_can_i_once_per_cell() -> None:
    view = _FakeView(
        "bob",
        {
            "auth can-i get pods -n a": "yes\n",
            "auth can-i get pods -n b": "no\n",
        },
    )
    m = access_matrix(view, ["get"], [("pods", "a"), ("pods", "b")])
    assert view.asked == ["auth can-i get pods -n a", "auth can-i get pods -n b"]
    assert m == AccessMatrix("bob", ("get",), (("pods", "a"), ("pods", "b")), m.answers)
    assert m.allowed() == ["get pods -n a"]


def test_an_error_instead_of_yes_or_no_is_raised() -> None:
    view = _FakeView("bob", {"auth can-i get pods -n a": "error: you must be logged in\n"})
    with pytest.raises(ValueError, match="you must be logged in"):
        access_matrix(view, ["get"], [("pods", "a")])


# -- changed paths and the watch log ------------------------------------------------------------


def test_changed_paths_compares_maps_by_key_and_lists_whole() -> None:
    old = {
        "metadata": {"name": "p", "resourceVersion": "5", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "a"}], "nodeName": None},
    }
    new = {
        "metadata": {"name": "p", "resourceVersion": "6", "labels": {"app": "web", "tier": "x"}},
        "spec": {"containers": [{"name": "b"}]},
        "status": {"phase": "Running"},
    }
    assert changed_paths(old, new) == [
        "metadata.labels.tier",
        "spec.containers",
        "spec.nodeName",
        "status",
    ]
    assert changed_paths(old, old) == []
    # the resourceVersion changes on every write: never reported
    assert changed_paths({"metadata": {"resourceVersion": "1"}}, {"metadata": {}}) == []


def _pod(name: str, rv: str, ns: str = "default", **extra: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "resourceVersion": rv}, **extra}


def test_watch_log_shows_what_changed_between_events_of_one_object() -> None:
    now = [1.0]
    log = WatchLog(clock=lambda: now[0])
    log.on_event("ADDED", _pod("a", "10"))
    log.on_event("ADDED", _pod("b", "11"))
    now[0] = 2.5
    log.on_event("MODIFIED", _pod("a", "12", spec={"nodeName": "node-1"}))
    log.on_event("BOOKMARK", {"metadata": {"resourceVersion": "13"}})
    log.on_event("DELETED", _pod("a", "14", spec={"nodeName": "node-1"}))
    log.on_event("ADDED", _pod("a", "15"))
    log.on_event("MODIFIED", _pod("a", "16"))
    assert [(e.type, e.name, e.resource_version, e.changed) for e in log.events] == [
        ("ADDED", "a", "10", ()),
        ("ADDED", "b", "11", ()),
        ("MODIFIED", "a", "12", ("spec",)),
        ("DELETED", "a", "14", ()),
        ("ADDED", "a", "15", ()),  # a new object of the same name starts afresh
        ("MODIFIED", "a", "16", ()),
    ]
    assert log.table().splitlines() == [
        "TIME(s)  TYPE      NAME  RESOURCEVERSION  CHANGED",
        "1.000    ADDED     a     10               -",
        "1.000    ADDED     b     11               -",
        "2.500    MODIFIED  a     12               spec",
        "2.500    DELETED   a     14               -",
        "2.500    ADDED     a     15               -",
        "2.500    MODIFIED  a     16               -",
    ]


def test_watch_log_keeps_bookmarks_when_asked_and_names_namespaces_when_several() -> None:
    log = WatchLog(bookmarks=True)
    log.on_event("ADDED", _pod("a", "1", ns="x"))
    log.on_event("ADDED", _pod("a", "2", ns="y"))
    log.on_event("BOOKMARK", {"metadata": {"resourceVersion": "3"}})
    assert log.table().splitlines() == [
        "TYPE      NAME  RESOURCEVERSION  CHANGED",
        "ADDED     x/a   1                -",
        "ADDED     y/a   2                -",
        "BOOKMARK  -     3                -",
    ]


def test_a_real_watch_reports_etcd_revisions_as_resource_versions(cluster: Cluster) -> None:
    log = WatchLog()
    client = cluster.admin.client
    handle = client.watch_async("configmaps", "default", on_event=log.on_event)
    cluster.run(0.01)
    cm = client.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w"}, "data": {"k": "1"}}
    )
    cm["data"] = {"k": "2"}
    client.update(cm)
    rev = json.loads(cluster.etcdctl("get /registry/configmaps/default/w -w json"))["kvs"][0]
    client.delete("configmaps", "w", "default")
    cluster.run(0.1)
    handle.stop()
    mine = [e for e in log.events if e.name == "w"]
    assert [e.type for e in mine] == ["ADDED", "MODIFIED", "DELETED"]
    assert mine[1].changed == ("data.k",)
    # metadata.resourceVersion is the key's etcd mod_revision
    assert mine[1].resource_version == str(rev["mod_revision"])
    assert int(mine[0].resource_version) == rev["create_revision"]
    assert int(mine[2].resource_version) > rev["mod_revision"]


# -- stage times ------------------------------------------------------------------------------


@dataclass
class _Stage:
    name: str
    start: float
    end: float


@dataclass
class _Ctx:
    stages: list[_Stage]


def test_stage_times_sums_a_stage_that_ran_twice_in_order_of_first_run() -> None:
    ctx = _Ctx(
        [
            _Stage("authentication", 0.0, 0.001),
            _Stage("storage", 0.001, 0.003),
            _Stage("validation", 0.003, 0.004),
            _Stage("storage", 0.004, 0.010),
        ]
    )
    got = stage_times(ctx)
    assert list(got) == ["authentication", "storage", "validation"]
    assert got["storage"] == pytest.approx(8.0)
    assert got["validation"] == pytest.approx(1.0)


def test_the_stages_of_a_create_add_up_to_its_latency(cluster: Cluster) -> None:
    assert cluster.kubectl("create configmap c --from-literal=a=b").ok
    api = cluster.apiservers["cp-1"]
    record = api.audit.filter(verb="create", resource="configmaps", name="c")[-1]
    ctx = api.trace(record.audit_id)
    assert ctx is not None
    times = stage_times(ctx)
    # a create passes every stage of the write pipeline once
    assert list(times) == [
        "authentication",
        "authorization",
        "decode",
        "mutating admission",
        "validation",
        "validating admission",
        "storage",
        "response",
    ]
    assert sum(times.values()) == pytest.approx(ctx.latency * 1000)
