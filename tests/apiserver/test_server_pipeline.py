"""The request pipeline: stage order, who decides, what a rejection costs (nothing in etcd),
authentication and authorization answers, the audit log and the pipeline diagram.

Order (``DefaultBuildHandlerChain`` and ``endpoints/handlers/create.go``): authentication ->
authorization -> decode -> mutating admission -> validation -> validating admission -> etcd.
401 and 403 bodies are the upstream ones (``responsewriters``, ``forbiddenMessage``).
"""

from __future__ import annotations

import pytest
from test_server_fixtures import CONFIGMAPS, PODS, Lab, configmap, make_lab, pod

from kubelab.apiserver.pipeline import STAGES, StageCosts, pipeline_diagram


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def _stages(lab: Lab, audit_id: str) -> list[tuple[str, str]]:
    ctx = lab.server.trace(audit_id)
    assert ctx is not None
    return [(s.name, s.outcome) for s in ctx.stages]


def test_a_create_passes_every_stage_in_order(lab: Lab) -> None:
    r = lab.admin.post(PODS, pod("web"))
    assert r.code == 201
    assert [name for name, _ in _stages(lab, r.headers["Audit-Id"])] == list(STAGES)
    ctx = lab.server.trace(r.headers["Audit-Id"])
    assert ctx is not None
    costs = StageCosts()
    for s in ctx.stages:
        if s.name != "storage":
            assert s.duration == pytest.approx(costs.seconds(s.name))
    starts = [s.start for s in ctx.stages]
    assert starts == sorted(starts)
    etcd = next(s for s in ctx.stages if s.name == "storage")
    assert etcd.detail == "txn create /registry/pods/default/web" and etcd.duration > 0
    assert ctx.latency == pytest.approx(sum(s.duration for s in ctx.stages))
    assert "validating admission" in ctx.table()


def test_stage_costs_are_configurable() -> None:
    lab = make_lab(stage_costs=StageCosts(0, 0, 0, 0, 0, 0, 0))
    r = lab.admin.post(CONFIGMAPS, configmap("a"))
    ctx = lab.server.trace(r.headers["Audit-Id"])
    assert ctx is not None
    etcd = sum(s.duration for s in ctx.stages if s.name == "storage")
    assert ctx.latency == pytest.approx(etcd)


def test_a_request_failing_authorization_never_reaches_admission(lab: Lab) -> None:
    jane = lab.session("jane")
    rev = lab.revision()
    r = jane.post(PODS, pod("web"))
    assert r.code == 403
    assert r.body["message"] == (
        'pods is forbidden: User "jane" cannot create resource "pods" in API group "" in the '
        'namespace "default"'
    )
    assert r.body["details"] == {"kind": "pods"}
    assert _stages(lab, r.headers["Audit-Id"]) == [
        ("authentication", "ok"),
        ("authorization", "rejected"),
    ]
    assert lab.revision() == rev


def test_an_admission_rejection_writes_nothing(lab: Lab) -> None:
    rev = lab.revision()
    r = lab.admin.post("/api/v1/namespaces/nope/pods", pod("web"))
    assert r.code == 404 and r.body["message"] == 'namespaces "nope" not found'
    stages = _stages(lab, r.headers["Audit-Id"])
    assert ("mutating admission", "rejected") in stages
    assert ("validation", "ok") not in stages
    assert lab.revision() == rev
    record = lab.server.audit[-1]
    assert record.stage == "admission:NamespaceLifecycle" and record.code == 404


def test_a_validating_admission_rejection_writes_nothing(lab: Lab) -> None:
    ns = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "locked",
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
        },
    }
    lab.admin.post("/api/v1/namespaces", ns)
    lab.world.run(duration=0.1)  # the ServiceAccount stand-in creates "default"
    rev = lab.revision()
    r = lab.admin.post("/api/v1/namespaces/locked/pods", pod("web"))
    assert r.code == 403
    assert r.body["message"].startswith(
        'pods "web" is forbidden: violates PodSecurity "restricted:latest"'
    )
    assert _stages(lab, r.headers["Audit-Id"])[-1] == ("validating admission", "rejected")
    assert lab.server.audit[-1].stage == "admission:PodSecurity"
    assert lab.revision() == rev


def test_a_validation_failure_stops_before_validating_admission(lab: Lab) -> None:
    bad = configmap("a")
    bad["data"] = {"bad key!": "v"}
    r = lab.admin.post(CONFIGMAPS, bad)
    assert r.code == 422
    stages = [n for n, _ in _stages(lab, r.headers["Audit-Id"])]
    assert stages[-1] == "validation" and "validating admission" not in stages


def test_401_for_a_bad_token_and_anonymous_requests(lab: Lab) -> None:
    from kubelab.apiserver.server import APIServerSession

    bad = APIServerSession(lab.world, "cp-1", "mallory", token="not-a-token")
    r = bad.get(PODS)
    assert r.code == 401
    assert r.body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    assert lab.server.audit[-1].stage == "authentication"
    anon = lab.anonymous().get(PODS)
    assert anon.code == 403
    assert anon.body["message"] == (
        'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" '
        'in the namespace "default"'
    )
    off = make_lab(anonymous_auth=False)
    assert off.anonymous().get(PODS).code == 401


def test_403_messages_name_the_resource_scope_and_subresource(lab: Lab) -> None:
    jane = lab.session("jane")
    lab.admin.post(PODS, pod("web"))
    r = jane.get(f"{PODS}/web")
    assert r.body["message"] == (
        'pods "web" is forbidden: User "jane" cannot get resource "pods" in API group "" in the '
        'namespace "default"'
    )
    assert r.body["details"] == {"name": "web", "kind": "pods"}
    r = jane.get("/api/v1/nodes")
    assert r.body["message"] == (
        'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the '
        "cluster scope"
    )
    r = jane.patch(f"{PODS}/web/status", {"status": {}})
    assert 'cannot patch resource "pods/status"' in r.body["message"]
    r = jane.get("/apis/apps/v1/namespaces/default/deployments")
    assert r.body["message"].startswith("deployments.apps is forbidden: ")


def test_rbac_policy_comes_from_etcd_through_the_cache(lab: Lab) -> None:
    jane = lab.session("jane")
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "pod-reader", "namespace": "default"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "jane-reads", "namespace": "default"},
        "subjects": [{"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"}],
        "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"},
    }
    rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/default"
    assert lab.admin.post(f"{rbac}/roles", role).code == 201
    assert lab.admin.post(f"{rbac}/rolebindings", binding).code == 201
    assert lab.etcdctl.get("/registry/rolebindings/default/jane-reads")["count"] == 1
    assert jane.get(PODS).code == 200
    assert jane.get("/api/v1/namespaces/kube-system/pods").code == 403
    assert jane.post(PODS, pod("x")).code == 403
    record = lab.server.audit.filter(user="jane", verb="list", code=200)[0]
    assert record.decision == "allow"
    assert record.annotations["authorization.k8s.io/reason"] == (
        'RBAC: allowed by RoleBinding "jane-reads/default" of Role "pod-reader" to User "jane"'
    )
    # deleting the binding takes the permission away again
    lab.admin.delete(f"{rbac}/rolebindings/jane-reads")
    assert jane.get(PODS).code == 403


def test_escalation_is_refused_when_writing_roles(lab: Lab) -> None:
    jane = lab.session("jane")
    role_writer = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "role-writer"},
        "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"],
                   "verbs": ["create"]}],
    }  # fmt: skip
    crb = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "jane-writes-roles"},
        "subjects": [{"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"}],
        "roleRef": {"kind": "ClusterRole", "name": "role-writer",
                    "apiGroup": "rbac.authorization.k8s.io"},
    }  # fmt: skip
    lab.admin.post("/apis/rbac.authorization.k8s.io/v1/clusterroles", role_writer)
    lab.admin.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", crb)
    greedy = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "greedy", "namespace": "default"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}],
    }
    rev = lab.revision()
    r = jane.post("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", greedy)
    assert r.code == 403
    assert r.body["message"] == (
        'roles.rbac.authorization.k8s.io "greedy" is forbidden: user "jane" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
        'currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}'
    )
    assert lab.revision() == rev


def test_the_audit_log_has_one_record_per_request(lab: Lab) -> None:
    before = len(lab.server.audit)
    lab.admin.post(CONFIGMAPS, configmap("a"))
    lab.admin.get(f"{CONFIGMAPS}/a")
    lab.admin.get(f"{CONFIGMAPS}/nope")
    lab.session("jane").delete(f"{CONFIGMAPS}/a")
    records = lab.server.audit.records()[before:]
    assert [(r["verb"], r["code"]) for r in records] == [
        ("create", 201),
        ("get", 200),
        ("get", 404),
        ("delete", 403),
    ]
    create, _, missing, denied = records
    assert create["user"] == "kubernetes-admin" and "system:masters" in create["groups"]
    assert create["resource"] == "configmaps" and create["namespace"] == "default"
    assert create["name"] == "a" and create["decision"] == "allow" and create["stage"] == "storage"
    assert create["latency"] > 0
    assert missing["stage"] == "storage"
    assert denied["decision"] == "forbid" and denied["stage"] == "authorization"
    table = lab.server.audit.table(last=4)
    assert table.splitlines()[0].split() == [
        "TIME", "USER", "VERB", "RESOURCE", "NAMESPACE", "NAME", "DECISION", "STAGE", "CODE",
        "LATENCY(ms)",
    ]  # fmt: skip
    assert len(table.splitlines()) == 5
    event = lab.server.audit[-1].as_event()
    assert event["kind"] == "Event" and event["apiVersion"] == "audit.k8s.io/v1"
    assert event["stage"] == "ResponseComplete" and event["verb"] == "delete"
    assert event["annotations"]["authorization.k8s.io/decision"] == "forbid"
    assert event["objectRef"]["resource"] == "configmaps"


def test_the_pipeline_diagram_is_drawn_from_the_live_configuration(lab: Lab) -> None:
    r = lab.admin.post("/api/v1/namespaces/nope/pods", pod("web"))
    d = pipeline_diagram(lab.server, lab.server.trace(r.headers["Audit-Id"]))
    for plugin in lab.server.admission.names:
        assert plugin in d.source
    assert "#f4b6b6" in d.source  # the rejecting stage is coloured
    assert "etcd-1" in d.source and "RBAC" in d.source
    assert d.title == "kube-apiserver request pipeline on cp-1"


def test_self_subject_access_review(lab: Lab) -> None:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}
        },
    }
    path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    assert lab.admin.post(path, review).body["status"] == {"allowed": True}
    r = lab.session("jane").post(path, review)
    assert r.code == 201 and r.body["status"] == {"allowed": False}


def test_audit_request_uri_keeps_the_query_string(lab: Lab) -> None:
    # audit.k8s.io/v1 Event.requestURI is the request's full URI, query included.
    lab.admin.post(CONFIGMAPS, configmap("dry"), dryRun="All")
    event = lab.server.audit[-1].as_event()
    assert event["requestURI"] == f"{CONFIGMAPS}?dryRun=All"
    assert lab.server.audit[-1].path == CONFIGMAPS
