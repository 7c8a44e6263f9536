"""RBAC matching, reasons, denial messages, aggregation, escalation checks and can-i output.

Expected values come from upstream: ``plugin/pkg/auth/authorizer/rbac/rbac_test.go`` (rule
matching), ``component-helpers/auth/rbac/validation/policy_comparator_test.go`` (Covers),
``endpoints/handlers/responsewriters/errors_test.go`` (TestForbidden, copied case by case),
``pkg/registry/rbac/validation/rule.go`` (the escalation message), the ``policybased`` storages
of roles and bindings, ``kubectl/pkg/cmd/auth/cani.go`` and the RBAC documentation page.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubelab.apiserver.authn import UserInfo
from kubelab.apiserver.bootstrap_policy import bootstrap_objects, cluster_roles
from kubelab.apiserver.rbac import (
    RBAC_GROUP,
    Attributes,
    EscalationError,
    PolicyRule,
    PolicyStore,
    RBACAuthorizer,
    RoleRefNotFound,
    aggregate,
    binding_allowed,
    binding_authorized,
    can_i,
    check_binding_write,
    check_role_write,
    compact_rules,
    confirm_no_escalation,
    covers,
    forbidden_message,
    forbidden_status,
    format_can_i_list,
    resolve_resource,
    role_escalation_allowed,
    rule_allows,
    rules_for,
)

AUTH = "system:authenticated"


def role(name: str, namespace: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Role",
        "metadata": {"name": name, "namespace": namespace},
        "rules": list(rules),
    }


def cluster_role(name: str, *rules: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"kind": "ClusterRole", "metadata": {"name": name, **meta}, "rules": list(rules)}


def binding(
    name: str, namespace: str | None, kind: str, ref: str, *subjects: dict[str, Any]
) -> dict[str, Any]:
    meta: dict[str, str] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {
        "kind": "RoleBinding" if namespace is not None else "ClusterRoleBinding",
        "metadata": meta,
        "subjects": list(subjects),
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": kind, "name": ref},
    }


def user(name: str, *groups: str) -> dict[str, str]:
    return {"kind": "User", "name": name, "apiGroup": RBAC_GROUP}


def group(name: str) -> dict[str, str]:
    return {"kind": "Group", "name": name, "apiGroup": RBAC_GROUP}


def rule(verbs: list[str], groups: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {"verbs": verbs, "apiGroups": groups, "resources": resources, **extra}


def authz(*objects: dict[str, Any], bootstrap: bool = True) -> RBACAuthorizer:
    objs = [*bootstrap_objects(), *objects] if bootstrap else list(objects)
    return RBACAuthorizer(PolicyStore(objs))


ALICE = UserInfo("alice", (AUTH,))
POD_READER = role("pod-reader", "default", rule(["get", "watch", "list"], [""], ["pods"]))


# ----------------------------------------------------------------------------- rule matching


def req(verb: str, group: str, resource: str, sub: str = "", name: str = "") -> Attributes:
    return Attributes(ALICE, verb, "ns", resource, sub, name, group)


def path(verb: str, p: str) -> Attributes:
    return Attributes(ALICE, verb, resource_request=False, path=p)


# rbac_test.go TestRuleMatches, and the wildcard rules of evaluation_helpers.go.
@pytest.mark.parametrize(
    ("rule_dict", "attrs", "allowed"),
    [
        # star verb, exact match other
        (rule(["*"], ["group1"], ["resource1"]), req("verb1", "group1", "resource1"), True),
        (rule(["*"], ["group1"], ["resource1"]), req("verb1", "group2", "resource1"), False),
        (rule(["*"], ["group1"], ["resource1"]), req("verb1", "group1", "resource2"), False),
        # star group
        (rule(["verb1"], ["*"], ["resource1"]), req("verb1", "group2", "resource1"), True),
        (rule(["verb1"], ["*"], ["resource1"]), req("verb2", "group2", "resource1"), False),
        # star resource matches subresources too
        (rule(["verb1"], ["group1"], ["*"]), req("verb1", "group1", "resource2", "sub"), True),
        # the core group is "" and only "" or "*" match it
        (rule(["get"], ["apps"], ["pods"]), req("get", "", "pods"), False),
        # tuple expansion: any listed verb x group x resource
        (rule(["v1", "v2"], ["g1", "g2"], ["r1", "r2"]), req("v2", "g1", "r2"), True),
        # subresource expansion: "r/sub" matches only that subresource
        (rule(["get"], [""], ["pods/log"]), req("get", "", "pods", "log"), True),
        (rule(["get"], [""], ["pods/log"]), req("get", "", "pods"), False),
        (rule(["get"], [""], ["pods"]), req("get", "", "pods", "log"), False),
        (rule(["get"], [""], ["pods/log"]), req("get", "", "nodes", "log"), False),
        # "*/scale" matches the scale subresource of any resource, nothing else
        (
            rule(["patch"], ["apps"], ["*/scale"]),
            req("patch", "apps", "deployments", "scale"),
            True,
        ),
        (rule(["patch"], ["apps"], ["*/scale"]), req("patch", "apps", "deployments"), False),
        (
            rule(["patch"], ["apps"], ["*/scale"]),
            req("patch", "apps", "deployments", "status"),
            False,
        ),
        # resourceNames: empty allows all; else the request's name must be listed
        (rule(["get"], [""], ["cm"], resourceNames=["a"]), req("get", "", "cm", name="a"), True),
        (rule(["get"], [""], ["cm"], resourceNames=["a"]), req("get", "", "cm", name="b"), False),
        (rule(["list"], [""], ["cm"], resourceNames=["a"]), req("list", "", "cm"), False),
        # non-resource URLs: "*", exact, prefix with a trailing "*"
        ({"verbs": ["get"], "nonResourceURLs": ["*"]}, path("get", "/foo/bar"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/foo"]}, path("get", "/foo"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/foo"]}, path("get", "/foo/"), False),
        ({"verbs": ["get"], "nonResourceURLs": ["/foo/*"]}, path("get", "/foo/bar/baz"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/foo/*"]}, path("get", "/foo/"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/foo/*"]}, path("get", "/foo"), False),
        ({"verbs": ["get"], "nonResourceURLs": ["/foo*"]}, path("get", "/foobar"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/foo/*"]}, path("post", "/foo/x"), False),
        # a resource rule never matches a path and a URL rule never matches a resource
        (rule(["*"], ["*"], ["*"]), path("get", "/healthz"), False),
        ({"verbs": ["*"], "nonResourceURLs": ["*"]}, req("get", "", "pods"), False),
    ],
)
def test_rule_matching(rule_dict: dict[str, Any], attrs: Attributes, allowed: bool) -> None:
    assert rule_allows(attrs, rule_dict) is allowed


# ----------------------------------------------------------------------------- subjects


def test_service_account_subject_defaults_to_the_binding_namespace() -> None:
    # rule.go appliesToUser: a ServiceAccount subject without a namespace means the
    # RoleBinding's own namespace; in a ClusterRoleBinding it matches nobody.
    sa = UserInfo("system:serviceaccount:ci:builder", ("system:serviceaccounts", AUTH))
    subject = {"kind": "ServiceAccount", "name": "builder"}
    a = authz(
        POD_READER,
        binding("rb", "ci", "ClusterRole", "view", subject),
        binding("crb", None, "ClusterRole", "cluster-admin", subject),
    )
    assert can_i(a, sa, "list", "pods", "ci")
    assert not can_i(a, sa, "list", "pods", "default")
    assert not can_i(a, sa, "delete", "nodes", "")


def test_user_subject_matches_a_service_account_username() -> None:
    # Matching is by user name: a User subject spelled like a SA user name is that SA.
    sa = UserInfo("system:serviceaccount:ci:builder", ("system:serviceaccounts", AUTH))
    a = authz(binding("rb", "ci", "ClusterRole", "view", user("system:serviceaccount:ci:builder")))
    assert can_i(a, sa, "get", "pods", "ci", name="x")


def test_unknown_subject_kind_matches_nobody() -> None:
    a = authz(binding("rb", "ci", "ClusterRole", "view", {"kind": "Robot", "name": "alice"}))
    assert not can_i(a, ALICE, "get", "pods", "ci", name="x")


# ----------------------------------------------------------------------------- decisions


def test_allow_reason_names_the_binding_role_and_subject() -> None:
    a = authz(POD_READER, binding("read-pods", "default", "Role", "pod-reader", user("alice")))
    d = a.authorize(Attributes(ALICE, "get", "default", "pods", name="web"))
    assert d.allowed
    assert d.reason == (
        'RBAC: allowed by RoleBinding "read-pods/default" of Role "pod-reader" to User "alice"'
    )
    admin = UserInfo("kubernetes-admin", ("kubeadm:cluster-admins", "system:masters", AUTH))
    d = a.authorize(Attributes(admin, "delete", "", "nodes", name="n1"))
    assert d.reason == (
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" '
        'to Group "system:masters"'
    )


def test_service_account_subject_is_described_as_name_slash_namespace() -> None:
    sa = UserInfo("system:serviceaccount:acme:myapp", ("system:serviceaccounts", AUTH))
    a = authz(
        binding(
            "myapp-view-binding",
            "acme",
            "ClusterRole",
            "view",
            {"kind": "ServiceAccount", "name": "myapp", "namespace": "acme"},
        )
    )
    d = a.authorize(Attributes(sa, "list", "acme", "pods"))
    assert d.reason == (
        'RBAC: allowed by RoleBinding "myapp-view-binding/acme" of ClusterRole "view" '
        'to ServiceAccount "myapp/acme"'
    )


def test_missing_role_is_a_resolution_error_in_the_denial_reason() -> None:
    # Listers answer NotFound with the singular resource (client-go listers).
    a = authz(
        binding("b1", "default", "ClusterRole", "ghost", user("alice")),
        binding("b2", "default", "Role", "phantom", user("alice")),
        bootstrap=False,
    )
    d = a.authorize(Attributes(ALICE, "list", "default", "pods"))
    assert not d.allowed
    assert d.reason == (
        'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, '
        'role.rbac.authorization.k8s.io "phantom" not found]'
    )
    msg = forbidden_message(Attributes(ALICE, "list", "default", "pods"), d.reason)
    assert msg == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the '
        'namespace "default": RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, '
        'role.rbac.authorization.k8s.io "phantom" not found]'
    )


def test_a_missing_role_does_not_hide_other_grants() -> None:
    a = authz(
        POD_READER,
        binding("a-broken", "default", "ClusterRole", "ghost", user("alice")),
        binding("b-good", "default", "Role", "pod-reader", user("alice")),
        bootstrap=False,
    )
    assert a.authorize(Attributes(ALICE, "list", "default", "pods")).allowed


def test_plain_denial_has_no_reason() -> None:
    d = authz().authorize(Attributes(ALICE, "list", "default", "pods"))
    assert d == (d.__class__(False, ""))


def test_rolebinding_to_a_role_of_another_namespace_grants_nothing() -> None:
    # A RoleBinding's Role is always looked up in the binding's own namespace.
    a = authz(POD_READER, binding("rb", "prod", "Role", "pod-reader", user("alice")))
    assert not can_i(a, ALICE, "list", "pods", "prod")
    assert not can_i(a, ALICE, "list", "pods", "default")


# ----------------------------------------------------------------------------- forbidden


NAME = UserInfo("NAME")


@pytest.mark.parametrize(
    ("attrs", "message", "details"),
    [
        # errors_test.go TestForbidden, case by case.
        (
            Attributes(NAME, "GET", resource_request=False, path="/whatever"),
            'forbidden: User "NAME" cannot GET path "/whatever"',
            {},
        ),
        (
            Attributes(NAME, "GET", resource_request=False, path="/<script>"),
            'forbidden: User "NAME" cannot GET path "/&lt;script&gt;"',
            {},
        ),
        (
            Attributes(NAME, "get", resource="pod"),
            'pod is forbidden: User "NAME" cannot get resource "pod" in API group "" at the '
            "cluster scope",
            {"kind": "pod"},
        ),
        (
            Attributes(NAME, "get", resource="pod", name="mypod"),
            'pod "mypod" is forbidden: User "NAME" cannot get resource "pod" in API group "" at '
            "the cluster scope",
            {"name": "mypod", "kind": "pod"},
        ),
        (
            Attributes(NAME, "get", "test", "pod", "quota", api_group="v2"),
            'pod.v2 is forbidden: User "NAME" cannot get resource "pod/quota" in API group "v2" '
            'in the namespace "test"',
            {"group": "v2", "kind": "pod"},
        ),
    ],
)
def test_forbidden_upstream_cases(attrs: Attributes, message: str, details: dict[str, str]) -> None:
    status = forbidden_status(attrs)
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "Forbidden",
        "details": details,
        "code": 403,
    }


def test_forbidden_messages_of_the_brief_and_docs() -> None:
    alice = UserInfo("alice", (AUTH,))
    assert forbidden_message(Attributes(alice, "list", "prod", "pods")) == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the '
        'namespace "prod"'
    )
    assert forbidden_message(Attributes(alice, "get", "prod", "pods", name="web")) == (
        'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in '
        'the namespace "prod"'
    )
    assert forbidden_message(Attributes(alice, "get", "prod", "pods", "log", "web")) == (
        'pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" '
        'in the namespace "prod"'
    )
    assert forbidden_message(Attributes(alice, "list", "", "nodes")) == (
        'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the '
        "cluster scope"
    )
    assert forbidden_message(
        Attributes(alice, "create", "prod", "deployments", api_group="apps")
    ) == (
        'deployments.apps is forbidden: User "alice" cannot create resource "deployments" in '
        'API group "apps" in the namespace "prod"'
    )
    # reference/KUBECTL.md: observed answer of a real API server.
    anon = UserInfo("system:anonymous", ("system:unauthenticated",))
    assert forbidden_message(Attributes(anon, "create", "default", "configmaps", name="x")) == (
        'configmaps "x" is forbidden: User "system:anonymous" cannot create resource '
        '"configmaps" in API group "" in the namespace "default"'
    )


# ----------------------------------------------------------------------------- aggregation


def test_aggregation_docs_monitoring_example() -> None:
    # RBAC docs, "Aggregated ClusterRoles": monitoring gathers monitoring-endpoints.
    monitoring = {
        "kind": "ClusterRole",
        "metadata": {"name": "monitoring"},
        "aggregationRule": {
            "clusterRoleSelectors": [
                {"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}
            ]
        },
        "rules": [],
    }
    endpoints = cluster_role(
        "monitoring-endpoints",
        rule(["get", "list", "watch"], [""], ["services", "endpointslices", "pods"]),
        labels={"rbac.example.com/aggregate-to-monitoring": "true"},
    )
    other = cluster_role("unrelated", rule(["*"], ["*"], ["*"]))
    out = aggregate([monitoring, endpoints, other])
    assert [r["metadata"]["name"] for r in out] == [
        "monitoring",
        "monitoring-endpoints",
        "unrelated",
    ]
    assert out[0]["rules"] == [
        rule(["get", "list", "watch"], [""], ["services", "endpointslices", "pods"])
    ]
    assert monitoring["rules"] == []  # inputs are not modified


def test_aggregation_docs_crontab_example_reaches_admin_edit_view() -> None:
    # RBAC docs, "Default roles and role bindings" / user-facing roles: a CRD's roles labelled
    # aggregate-to-admin/edit and aggregate-to-view flow into admin, edit and view.
    edit_rule = rule(
        ["get", "list", "watch", "create", "update", "patch", "delete"],
        ["stable.example.com"],
        ["crontabs"],
    )
    view_rule = rule(["get", "list", "watch"], ["stable.example.com"], ["crontabs"])
    crd_roles = [
        cluster_role(
            "aggregate-cron-tabs-edit",
            edit_rule,
            labels={
                "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                "rbac.authorization.k8s.io/aggregate-to-edit": "true",
            },
        ),
        cluster_role(
            "aggregate-cron-tabs-view",
            view_rule,
            labels={"rbac.authorization.k8s.io/aggregate-to-view": "true"},
        ),
    ]
    roles = {
        r["metadata"]["name"]: r for r in aggregate([*cluster_roles(aggregated=False), *crd_roles])
    }
    assert view_rule in roles["view"]["rules"] and edit_rule not in roles["view"]["rules"]
    assert view_rule in roles["edit"]["rules"] and edit_rule in roles["edit"]["rules"]
    assert view_rule in roles["admin"]["rules"] and edit_rule in roles["admin"]["rules"]


def test_aggregation_order_dedup_and_self_exclusion() -> None:
    # syncClusterRole: selectors in order, matching roles by name, each rule once, never itself.
    r1 = rule(["get"], [""], ["pods"])
    r2 = rule(["list"], [""], ["pods"])
    agg = {
        "kind": "ClusterRole",
        "metadata": {"name": "m", "labels": {"x": "1"}},
        "aggregationRule": {
            "clusterRoleSelectors": [{"matchLabels": {"y": "1"}}, {"matchLabels": {"x": "1"}}]
        },
        "rules": [rule(["delete"], [""], ["pods"])],
    }
    out = aggregate(
        [
            agg,
            cluster_role("b", r2, r1, labels={"x": "1"}),
            cluster_role("a", r1, labels={"x": "1", "y": "1"}),
        ]
    )
    # selector y matches a; selector x matches a (dup rule skipped) and b, by name.
    assert out[0]["rules"] == [r1, r2]


def test_aggregation_with_no_selectors_empties_the_rules() -> None:
    agg = {
        "kind": "ClusterRole",
        "metadata": {"name": "m"},
        "aggregationRule": {},
        "rules": [rule(["get"], [""], ["pods"])],
    }
    assert aggregate([agg])[0]["rules"] == []


def test_bootstrap_view_edit_admin_nest() -> None:
    roles = {r["metadata"]["name"]: r for r in cluster_roles()}
    view = [PolicyRule.from_dict(r) for r in roles["view"]["rules"]]
    edit = [PolicyRule.from_dict(r) for r in roles["edit"]["rules"]]
    admin = [PolicyRule.from_dict(r) for r in roles["admin"]["rules"]]
    assert covers(edit, view)[0] and covers(admin, edit)[0]
    assert not covers(view, edit)[0] and not covers(edit, admin)[0]
    # view cannot read secrets; edit can.
    secrets = [rule(["get"], [""], ["secrets"])]
    assert not covers(view, secrets)[0] and covers(edit, secrets)[0]
    assert cluster_roles(aggregated=False)[4]["rules"] is None


# ----------------------------------------------------------------------------- covers


@pytest.mark.parametrize(
    ("owner", "servant", "missing"),
    [
        # policy_comparator_test.go style cases
        ([rule(["get", "list"], [""], ["pods"])], [rule(["get"], [""], ["pods"])], []),
        (
            [rule(["delete"], [""], ["pods"]), rule(["update"], [""], ["pods"])],
            [rule(["delete", "update"], [""], ["pods"])],
            [],
        ),
        (
            [rule(["delete", "update"], [""], ["builds"]), rule(["delete"], [""], ["pods"])],
            [rule(["delete", "update"], [""], ["builds", "pods"])],
            [PolicyRule(("update",), ("",), ("pods",))],
        ),
        # "*/subresource" covers any resource's subresource, not the resource
        (
            [rule(["get"], [""], ["*/status"])],
            [rule(["get"], [""], ["pods/status", "pods"])],
            [PolicyRule(("get",), ("",), ("pods",))],
        ),
        # resourceNames: a named owner rule does not cover an unnamed servant rule
        (
            [rule(["get"], [""], ["cm"], resourceNames=["a"])],
            [rule(["get"], [""], ["cm"])],
            [PolicyRule(("get",), ("",), ("cm",))],
        ),
        (
            [rule(["get"], [""], ["cm"])],
            [rule(["get"], [""], ["cm"], resourceNames=["a", "b"])],
            [],
        ),
        # URLs: "*" and prefixes
        (
            [{"verbs": ["get"], "nonResourceURLs": ["*"]}],
            [{"verbs": ["get"], "nonResourceURLs": ["/x/y"]}],
            [],
        ),
        (
            [{"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}],
            [{"verbs": ["get", "post"], "nonResourceURLs": ["/apis/v1", "/api"]}],
            [
                PolicyRule(("post",), non_resource_urls=("/apis/v1",)),
                PolicyRule(("get",), non_resource_urls=("/api",)),
                PolicyRule(("post",), non_resource_urls=("/api",)),
            ],
        ),
        # wildcards in the owner cover everything
        ([rule(["*"], ["*"], ["*"])], [rule(["escalate"], [RBAC_GROUP], ["roles"])], []),
    ],
)
def test_covers(
    owner: list[dict[str, Any]], servant: list[dict[str, Any]], missing: list[PolicyRule]
) -> None:
    assert covers(owner, servant) == (not missing, missing)


_verbs = st.lists(st.sampled_from(["get", "list", "create", "*"]), min_size=1, max_size=3)
_groups = st.lists(st.sampled_from(["", "apps", "*"]), min_size=1, max_size=2)
_resources = st.lists(
    st.sampled_from(["pods", "pods/log", "deployments", "*", "*/scale", "deployments/scale"]),
    min_size=1,
    max_size=3,
)
_names = st.lists(st.sampled_from(["a", "b"]), max_size=2)
_rules = st.builds(
    lambda v, g, r, n: PolicyRule(tuple(v), tuple(g), tuple(r), tuple(n)),
    _verbs,
    _groups,
    _resources,
    _names,
)
_requests = st.tuples(
    st.sampled_from(["get", "list", "create"]),
    st.sampled_from(["", "apps"]),
    st.sampled_from(["pods", "deployments"]),
    st.sampled_from(["", "log", "scale"]),
    st.sampled_from(["", "a", "b"]),
)


@given(st.lists(_rules, max_size=3), st.lists(_rules, max_size=3), _requests)
def test_covering_rules_allow_everything_the_covered_rules_allow(
    owner: list[PolicyRule], servant: list[PolicyRule], request: tuple[str, str, str, str, str]
) -> None:
    verb, grp, res, sub, name = request
    attrs = Attributes(ALICE, verb, "ns", res, sub, name, grp)
    if covers(owner, servant)[0] and any(rule_allows(attrs, r) for r in servant):
        assert any(rule_allows(attrs, r) for r in owner)


@given(st.lists(_rules, max_size=4))
def test_rules_cover_themselves(rules: list[PolicyRule]) -> None:
    assert covers(rules, rules) == (True, [])


# ----------------------------------------------------------------------------- escalation


def test_creating_a_role_with_more_than_you_hold_is_forbidden() -> None:
    a = authz()
    with pytest.raises(EscalationError) as info:
        check_role_write(ALICE, POD_READER, a)
    err = info.value
    assert str(err) == (
        'user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions '
        'not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get" "watch" "list"]}'
    )
    status = err.status()
    assert status["message"] == (
        'roles.rbac.authorization.k8s.io "pod-reader" is forbidden: ' + str(err)
    )
    assert status["details"] == {"name": "pod-reader", "group": RBAC_GROUP, "kind": "roles"}
    assert (status["code"], status["reason"]) == (403, "Forbidden")


def test_missing_permissions_are_compacted_sorted_one_per_line() -> None:
    # ConfirmNoEscalation: break down, CompactRules per group/resource/name, CompactString,
    # sorted set joined by newlines. Groups print as Go %q of the slice.
    a = authz(POD_READER, binding("rp", "default", "Role", "pod-reader", user("alice")))
    bob = UserInfo("alice", ("dev", AUTH))
    wanted = [
        rule(["get", "delete"], [""], ["secrets", "pods"]),
        rule(["update"], [""], ["configmaps"], resourceNames=["cfg"]),
        {"verbs": ["get"], "nonResourceURLs": ["/metrics"]},
    ]
    with pytest.raises(EscalationError) as info:
        confirm_no_escalation(bob, wanted, "default", a)
    assert str(info.value) == (
        'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC '
        "permissions not currently held:\n"
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["cfg"], Verbs:["update"]}\n'
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}\n'
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}'
    )


def test_role_within_your_permissions_is_allowed() -> None:
    # You may create a role whose rules you hold, at the same scope.
    a = authz(binding("eve-edit", "dev", "ClusterRole", "edit", user("alice")))
    check_role_write(ALICE, role("pod-reader", "dev", rule(["get", "list"], [""], ["pods"])), a)
    with pytest.raises(EscalationError):
        check_role_write(ALICE, role("pod-reader", "prod", rule(["get"], [""], ["pods"])), a)
    # edit does not include roles, so a role granting them is an escalation.
    with pytest.raises(EscalationError, match=r'Resources:\["roles"\], Verbs:\["create"\]'):
        check_role_write(ALICE, role("r", "dev", rule(["create"], [RBAC_GROUP], ["roles"])), a)
    # A namespaced grant does not allow a ClusterRole with the same rules.
    with pytest.raises(EscalationError) as info:
        check_role_write(ALICE, cluster_role("pod-reader", rule(["get"], [""], ["pods"])), a)
    assert info.value.full_message.startswith(
        'clusterroles.rbac.authorization.k8s.io "pod-reader" is forbidden: user "alice"'
    )


def test_escalate_verb_allows_any_role() -> None:
    escalator = cluster_role(
        "role-escalator", rule(["create", "escalate"], [RBAC_GROUP], ["roles"])
    )
    a = authz(escalator, binding("esc", "dev", "ClusterRole", "role-escalator", user("alice")))
    assert role_escalation_allowed(ALICE, "dev", a)
    check_role_write(ALICE, role("anything", "dev", rule(["*"], ["*"], ["*"])), a)
    assert not role_escalation_allowed(ALICE, "prod", a)
    with pytest.raises(EscalationError):
        check_role_write(ALICE, role("anything", "prod", rule(["*"], ["*"], ["*"])), a)


def test_escalate_can_be_limited_by_resource_names() -> None:
    named = cluster_role(
        "esc-one", rule(["escalate"], [RBAC_GROUP], ["roles"], resourceNames=["ok"])
    )
    a = authz(named, binding("esc", "dev", "ClusterRole", "esc-one", user("alice")))
    old = role("ok", "dev")
    check_role_write(ALICE, role("ok", "dev", rule(["*"], ["*"], ["*"])), a, old=old)
    with pytest.raises(EscalationError):
        check_role_write(ALICE, role("other", "dev", rule(["*"], ["*"], ["*"])), a, old=old)
    # A create is a POST to the collection: no name, so resourceNames never match it.
    with pytest.raises(EscalationError):
        check_role_write(ALICE, role("ok", "dev", rule(["*"], ["*"], ["*"])), a)


def test_system_masters_bypasses_escalation_checks() -> None:
    a = authz(bootstrap=False)  # not even a cluster-admin binding: EscalationAllowed alone
    root = UserInfo("root", ("system:masters", AUTH))
    check_role_write(root, cluster_role("all", rule(["*"], ["*"], ["*"])), a)
    ref = {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "cluster-admin"}
    assert binding_allowed(root, ref, "", a)


def test_aggregation_rule_needs_full_authority() -> None:
    # clusterrole/policybased/storage.go: holding the rules is not enough for an aggregationRule.
    agg = cluster_role("agg", rule(["get"], [""], ["pods"]))
    agg["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]}
    reader = cluster_role("reader", rule(["get"], [""], ["pods"]))
    a = authz(reader, binding("r", None, "ClusterRole", "reader", user("alice")))
    with pytest.raises(EscalationError) as info:
        check_role_write(ALICE, agg, a)
    assert info.value.full_message == (
        'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin '
        "privileges to use the aggregationRule"
    )
    plain = cluster_role("agg", rule(["get"], [""], ["pods"]))
    check_role_write(ALICE, plain, a)
    # Removing an aggregationRule on update is checked against the old object too.
    with pytest.raises(EscalationError):
        check_role_write(ALICE, plain, a, old=agg)
    root = authz(binding("root", None, "ClusterRole", "cluster-admin", user("alice")))
    check_role_write(ALICE, agg, root)


GRANTOR = cluster_role(
    "role-grantor",
    rule(["create"], [RBAC_GROUP], ["rolebindings"]),
    rule(["bind"], [RBAC_GROUP], ["clusterroles"], resourceNames=["admin", "edit", "view"]),
)
USER1 = UserInfo("user-1", (AUTH,))


def test_bind_verb_allows_binding_roles_you_do_not_hold() -> None:
    # RBAC docs, "Restrictions on role binding creation".
    a = authz(
        GRANTOR,
        binding(
            "role-grantor-binding",
            "user-1-namespace",
            "ClusterRole",
            "role-grantor",
            user("user-1"),
        ),
    )
    admin_ref = {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "admin"}
    assert binding_authorized(USER1, admin_ref, "user-1-namespace", a)
    check_binding_write(
        USER1,
        binding("u2-admin", "user-1-namespace", "ClusterRole", "admin", user("user-2")),
        a,
    )
    # Not in another namespace, not cluster-wide, not cluster-admin.
    assert not binding_allowed(USER1, admin_ref, "default", a)
    with pytest.raises(EscalationError):
        check_binding_write(USER1, binding("x", None, "ClusterRole", "view", user("user-2")), a)
    with pytest.raises(EscalationError) as info:
        check_binding_write(
            USER1,
            binding("root", "user-1-namespace", "ClusterRole", "cluster-admin", user("user-2")),
            a,
        )
    assert info.value.full_message == (
        'rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "user-1" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently '
        'held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n'
        '{NonResourceURLs:["*"], Verbs:["*"]}'
    )


def test_binding_a_role_you_hold_needs_no_bind_verb() -> None:
    a = authz(POD_READER, binding("read-pods", "default", "Role", "pod-reader", user("alice")))
    ref = {"apiGroup": RBAC_GROUP, "kind": "Role", "name": "pod-reader"}
    assert not binding_authorized(ALICE, ref, "default", a)
    assert binding_allowed(ALICE, ref, "default", a)
    check_binding_write(ALICE, binding("more", "default", "Role", "pod-reader", user("bob")), a)


def test_binding_a_missing_role_without_bind_is_not_found() -> None:
    # The registry's resolver answers NotFound with the plural resource.
    a = authz()
    with pytest.raises(RoleRefNotFound) as info:
        check_binding_write(ALICE, binding("b", "default", "Role", "ghost", user("bob")), a)
    assert str(info.value) == 'roles.rbac.authorization.k8s.io "ghost" not found'
    assert info.value.status()["code"] == 404
    ref = {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "ghost"}
    assert not binding_allowed(ALICE, ref, "default", a)


# ----------------------------------------------------------------------------- can-i


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("pods", ("pods", "")),
        ("Pod", ("pods", "")),
        ("po", ("pods", "")),
        ("deploy", ("deployments", "apps")),
        ("deployments.apps", ("deployments", "apps")),
        ("leases", ("leases", "coordination.k8s.io")),
        ("crontabs.stable.example.com", ("crontabs", "stable.example.com")),
        ("*", ("*", "")),
        ("widgets", ("widgets", "")),
    ],
)
def test_resolve_resource(arg: str, expected: tuple[str, str]) -> None:
    assert resolve_resource(arg) == expected


def test_can_i_subresource_forms() -> None:
    logan = UserInfo("logan", (AUTH,))
    a = authz(
        role("logs", "default", rule(["get"], [""], ["pods/log"])),
        binding("l", "default", "Role", "logs", user("logan")),
    )
    assert can_i(a, logan, "get", "pods/log", "default", name="web")
    assert can_i(a, logan, "get", "pods", "default", name="web", subresource="log")
    assert not can_i(a, logan, "get", "pods", "default", name="web")
    with pytest.raises(ValueError):
        can_i(a, logan, "get", "pods/log", "default", subresource="log")


def test_rules_for_is_a_rules_review_status() -> None:
    a = authz(POD_READER, binding("read-pods", "default", "Role", "pod-reader", user("alice")))
    status = rules_for(a, ALICE, "default")
    assert status["incomplete"] is False
    assert {"verbs": ["get", "watch", "list"], "apiGroups": [""], "resources": ["pods"]} in status[
        "resourceRules"
    ]
    assert {
        "verbs": ["get"],
        "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"],
    } in status["nonResourceRules"]
    assert "evaluationError" not in status
    with pytest.raises(ValueError, match="no namespace on request"):
        rules_for(a, ALICE, "")


def test_can_i_list_for_a_pod_reader() -> None:
    # cani.go printStatus: rules sorted by the Go String() of PolicyRule (verbs first), so
    # "[get watch list]" sorts before "[get]"; every URL is its own row and the URLs granted by
    # both system:discovery and system:public-info-viewer appear twice, as on a real cluster.
    a = authz(POD_READER, binding("read-pods", "default", "Role", "pod-reader", user("alice")))
    urls = [
        "/api/*", "/api", "/apis/*", "/apis", "/healthz", "/healthz", "/livez", "/livez",
        "/openapi/*", "/openapi", "/readyz", "/readyz", "/version/", "/version/",
        "/version", "/version",
    ]  # fmt: skip
    rows = [
        ("Resources", "Non-Resource URLs", "Resource Names", "Verbs"),
        ("selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"),
        ("selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"),
        ("selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"),
        ("pods", "[]", "[]", "[get watch list]"),
        *(("", f"[{u}]", "[]", "[get]") for u in urls),
    ]
    # tabwriter: each column as wide as its widest cell plus 3 (45+3, 17+3, 14+3).
    expected = "".join(f"{a:<48}{b:<20}{c:<17}{d}\n" for a, b, c, d in rows)
    assert format_can_i_list(rules_for(a, ALICE, "default")) == expected


def test_can_i_list_cluster_admin_and_resource_names() -> None:
    # The layout of the output shown in kubernetes/kubernetes#64820 for a cluster admin.
    rules = [
        rule(["*"], ["*"], ["*"]),
        {"verbs": ["*"], "nonResourceURLs": ["*"]},
        rule(["update", "get"], [""], ["configmaps"], resourceNames=["my-configmap"]),
    ]
    assert format_can_i_list(rules) == (
        "Resources    Non-Resource URLs   Resource Names   Verbs\n"
        "*.*          []                  []               [*]\n"
        "             [*]                 []               [*]\n"
        "configmaps   []                  [my-configmap]   [update get]\n"
    )
    # minwidth 6: short cells still take 6 columns
    assert format_can_i_list(rules[:1], no_headers=True) == "*.*   []    []    [*]\n"


def test_compact_rules_merges_verbs_in_order() -> None:
    broken = [
        PolicyRule(("get",), ("",), ("pods",)),
        PolicyRule(("get",), non_resource_urls=("/x",)),
        PolicyRule(("list",), ("",), ("pods",)),
        PolicyRule(("get",), ("",), ("pods",), ("a",)),
    ]
    assert compact_rules(broken) == [
        PolicyRule(("get",), non_resource_urls=("/x",)),
        PolicyRule(("get", "list"), ("",), ("pods",)),
        PolicyRule(("get",), ("",), ("pods",), ("a",)),
    ]


# ----------------------------------------------------------------------------- store


def test_policy_store_refuses_other_kinds_and_replaces_by_name() -> None:
    store = PolicyStore([POD_READER])
    with pytest.raises(ValueError):
        store.add({"kind": "Pod", "metadata": {"name": "x", "namespace": "default"}})
    with pytest.raises(ValueError):
        store.add({"kind": "Role", "metadata": {"name": "x"}})
    store.add(role("pod-reader", "default", rule(["get"], [""], ["secrets"])))
    got = store.role("default", "pod-reader")
    assert got is not None and got["rules"][0]["resources"] == ["secrets"]
    store.remove("Role", "pod-reader", "default")
    assert store.role("default", "pod-reader") is None
