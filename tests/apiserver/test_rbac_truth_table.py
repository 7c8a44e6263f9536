"""RBAC decisions for the examples of the Kubernetes RBAC documentation page.

Objects come from https://kubernetes.io/docs/reference/access-authn-authz/rbac/ (the YAML
examples and the ``kubectl create rolebinding/clusterrolebinding`` commands of its "Command-line
utilities" and "Service account permissions" sections), loaded together with the bootstrap
policy. Each case says which example it exercises; the expected answer is what the page (and
the matching rules of ``evaluation_helpers.go``) says a real cluster answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kubelab.apiserver.authn import UserInfo
from kubelab.apiserver.bootstrap_policy import bootstrap_objects
from kubelab.apiserver.rbac import RBAC_GROUP, PolicyStore, RBACAuthorizer, can_i

AUTH = "system:authenticated"


def _role(name: str, namespace: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"namespace": namespace, "name": name},
        "rules": rules,
    }


def _cluster_role(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": rules,
    }


def _subject(spec: str) -> dict[str, str]:
    kind, _, rest = spec.partition(":")
    if kind == "sa":
        ns, _, name = rest.partition(":")
        return {"kind": "ServiceAccount", "name": name, "namespace": ns}
    return {"kind": {"user": "User", "group": "Group"}[kind], "name": rest, "apiGroup": RBAC_GROUP}


def _binding(
    name: str, namespace: str | None, role_kind: str, role: str, *subjects: str
) -> dict[str, Any]:
    meta: dict[str, str] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding" if namespace is not None else "ClusterRoleBinding",
        "metadata": meta,
        "subjects": [_subject(s) for s in subjects],
        "roleRef": {"kind": role_kind, "name": role, "apiGroup": RBAC_GROUP},
    }


DOC_OBJECTS: list[dict[str, Any]] = [
    # "Role example": pod-reader in "default".
    _role(
        "pod-reader",
        "default",
        [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]}],
    ),
    # "ClusterRole example": secret-reader.
    _cluster_role(
        "secret-reader",
        [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "watch", "list"]}],
    ),
    # "RoleBinding examples": read-pods lets "jane" read pods in "default".
    _binding("read-pods", "default", "Role", "pod-reader", "user:jane"),
    # "RoleBinding examples": read-secrets lets "dave" read secrets in "development" only.
    _binding("read-secrets", "development", "ClusterRole", "secret-reader", "user:dave"),
    # "ClusterRoleBinding example": any user in group "manager" reads secrets everywhere.
    _binding("read-secrets-global", None, "ClusterRole", "secret-reader", "group:manager"),
    # "Referring to resources": pods and the pods/log subresource (bound to "logan" here).
    _role(
        "pod-and-pod-logs-reader",
        "default",
        [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}],
    ),
    _binding("read-pod-logs", "default", "Role", "pod-and-pod-logs-reader", "user:logan"),
    # "Referring to resources": configmap-updater, resourceNames ["my-configmap"] (for "cathy").
    _role(
        "configmap-updater",
        "default",
        [
            {
                "apiGroups": [""],
                "resources": ["configmaps"],
                "resourceNames": ["my-configmap"],
                "verbs": ["update", "get"],
            }
        ],
    ),
    _binding("update-my-configmap", "default", "Role", "configmap-updater", "user:cathy"),
    # "ClusterRole examples": GET and POST to /healthz and all subpaths; only effective from
    # a ClusterRoleBinding ("monitor") -- the RoleBinding to "rb-monitor" grants nothing.
    _cluster_role(
        "healthz-poster",
        [{"nonResourceURLs": ["/healthz", "/healthz/*"], "verbs": ["get", "post"]}],
    ),
    _binding("monitor-healthz", None, "ClusterRole", "healthz-poster", "user:monitor"),
    _binding("rb-monitor-healthz", "default", "ClusterRole", "healthz-poster", "user:rb-monitor"),
    # "Command-line utilities": kubectl create rolebinding bob-admin-binding --clusterrole=admin
    # --user=bob --namespace=acme
    _binding("bob-admin-binding", "acme", "ClusterRole", "admin", "user:bob"),
    # kubectl create rolebinding myapp-view-binding --clusterrole=view
    # --serviceaccount=acme:myapp --namespace=acme
    _binding("myapp-view-binding", "acme", "ClusterRole", "view", "sa:acme:myapp"),
    # kubectl create rolebinding myappnamespace-myapp-view-binding --clusterrole=view
    # --serviceaccount=myappnamespace:myapp --namespace=acme
    _binding(
        "myappnamespace-myapp-view-binding",
        "acme",
        "ClusterRole",
        "view",
        "sa:myappnamespace:myapp",
    ),
    # kubectl create clusterrolebinding root-cluster-admin-binding --clusterrole=cluster-admin
    # --user=root
    _binding("root-cluster-admin-binding", None, "ClusterRole", "cluster-admin", "user:root"),
    # "Default roles and role bindings", edit: bound to "eve" in "dev".
    _binding("eve-edit", "dev", "ClusterRole", "edit", "user:eve"),
    # "Service account permissions" 1: kubectl create rolebinding my-sa-view
    # --clusterrole=view --serviceaccount=my-namespace:my-sa --namespace=my-namespace
    _binding("my-sa-view", "my-namespace", "ClusterRole", "view", "sa:my-namespace:my-sa"),
    # 2: kubectl create rolebinding default-view --clusterrole=view
    # --serviceaccount=my-namespace:default --namespace=my-namespace
    _binding("default-view", "my-namespace", "ClusterRole", "view", "sa:my-namespace:default"),
    # 3: kubectl create rolebinding serviceaccounts-view --clusterrole=view
    # --group=system:serviceaccounts:my-namespace --namespace=my-namespace
    _binding(
        "serviceaccounts-view",
        "my-namespace",
        "ClusterRole",
        "view",
        "group:system:serviceaccounts:my-namespace",
    ),
    # "Referring to subjects": all service accounts in the "qa" namespace (Group
    # system:serviceaccounts:qa), given view in "qa".
    _binding("qa-view", "qa", "ClusterRole", "view", "group:system:serviceaccounts:qa"),
    # 4: kubectl create clusterrolebinding add-on-cluster-admin --clusterrole=cluster-admin
    # --serviceaccount=kube-system:default
    _binding(
        "add-on-cluster-admin", None, "ClusterRole", "cluster-admin", "sa:kube-system:default"
    ),
    # "Restrictions on role binding creation": role-grantor may create rolebindings and bind
    # admin, edit and view, in user-1-namespace.
    _cluster_role(
        "role-grantor",
        [
            {
                "apiGroups": ["rbac.authorization.k8s.io"],
                "resources": ["rolebindings"],
                "verbs": ["create"],
            },
            {
                "apiGroups": ["rbac.authorization.k8s.io"],
                "resources": ["clusterroles"],
                "verbs": ["bind"],
                "resourceNames": ["admin", "edit", "view"],
            },
        ],
    ),
    _binding(
        "role-grantor-binding", "user-1-namespace", "ClusterRole", "role-grantor", "user:user-1"
    ),
]


def _user(spec: str) -> UserInfo:
    """``jane`` -> authenticated user; ``sa:ns:name`` -> service account; ``anonymous``."""
    if spec == "anonymous":
        return UserInfo("system:anonymous", ("system:unauthenticated",))
    if spec.startswith("sa:"):
        _, ns, name = spec.split(":")
        return UserInfo(
            f"system:serviceaccount:{ns}:{name}",
            ("system:serviceaccounts", f"system:serviceaccounts:{ns}", AUTH),
        )
    name, _, groups = spec.partition("@")
    return UserInfo(name, (*(g for g in groups.split("+") if g), AUTH))


@dataclass(frozen=True)
class Case:
    doc: str
    user: str
    verb: str
    resource: str
    namespace: str
    name: str | None
    allowed: bool


CASES = [
    # --- Role pod-reader + RoleBinding read-pods (jane, default)
    Case("read-pods: get pods", "jane", "get", "pods", "default", "web", True),
    Case("read-pods: list pods", "jane", "list", "pods", "default", None, True),
    Case("read-pods: watch pods", "jane", "watch", "pods", "default", None, True),
    Case("read-pods: no delete verb", "jane", "delete", "pods", "default", "web", False),
    Case("read-pods: no create verb", "jane", "create", "pods", "default", None, False),
    Case("read-pods: Role is namespaced", "jane", "list", "pods", "kube-system", None, False),
    Case("read-pods: not at cluster scope", "jane", "list", "pods", "", None, False),
    Case(
        "read-pods: pods/log needs its own entry",
        "jane",
        "get",
        "pods/log",
        "default",
        "web",
        False,
    ),
    Case("read-pods: other resource", "jane", "list", "secrets", "default", None, False),
    Case(
        "read-pods: apps group is not core",
        "jane",
        "list",
        "deployments.apps",
        "default",
        None,
        False,
    ),
    # --- RoleBinding read-secrets -> ClusterRole secret-reader (dave, development)
    Case("read-secrets: in development", "dave", "get", "secrets", "development", "s", True),
    Case("read-secrets: list in development", "dave", "list", "secrets", "development", None, True),
    Case(
        "read-secrets: RoleBinding scopes the ClusterRole",
        "dave",
        "get",
        "secrets",
        "default",
        "s",
        False,
    ),
    Case("read-secrets: not cluster-wide", "dave", "list", "secrets", "", None, False),
    Case("read-secrets: read-only", "dave", "update", "secrets", "development", "s", False),
    # --- ClusterRoleBinding read-secrets-global (group manager)
    Case(
        "read-secrets-global: any namespace", "sam@manager", "get", "secrets", "default", "s", True
    ),
    Case("read-secrets-global: all namespaces", "sam@manager", "list", "secrets", "", None, True),
    Case(
        "read-secrets-global: kube-system",
        "sam@manager",
        "watch",
        "secrets",
        "kube-system",
        None,
        True,
    ),
    Case(
        "read-secrets-global: read-only", "sam@manager", "delete", "secrets", "default", "s", False
    ),
    Case("read-secrets-global: needs the group", "sam", "list", "secrets", "default", None, False),
    # --- Referring to resources: pods and pods/log
    Case("pods/log: get log", "logan", "get", "pods/log", "default", "web", True),
    Case("pods/log: list pods", "logan", "list", "pods", "default", None, True),
    Case(
        "pods/log: exec is another subresource",
        "logan",
        "create",
        "pods/exec",
        "default",
        "web",
        False,
    ),
    Case(
        "pods/log: verbs get and list only", "logan", "watch", "pods/log", "default", "web", False
    ),
    # --- Referring to resources: configmap-updater with resourceNames
    Case(
        "configmap-updater: get the named one",
        "cathy",
        "get",
        "configmaps",
        "default",
        "my-configmap",
        True,
    ),
    Case(
        "configmap-updater: update the named one",
        "cathy",
        "update",
        "configmaps",
        "default",
        "my-configmap",
        True,
    ),
    Case("configmap-updater: other name", "cathy", "get", "configmaps", "default", "other", False),
    Case(
        "configmap-updater: list has no name", "cathy", "list", "configmaps", "default", None, False
    ),
    Case(
        "configmap-updater: create has no name",
        "cathy",
        "create",
        "configmaps",
        "default",
        None,
        False,
    ),
    Case(
        "configmap-updater: watch not granted",
        "cathy",
        "watch",
        "configmaps",
        "default",
        "my-configmap",
        False,
    ),
    Case(
        "configmap-updater: delete not granted",
        "cathy",
        "delete",
        "configmaps",
        "default",
        "my-configmap",
        False,
    ),
    # --- nonResourceURLs /healthz and /healthz/*
    Case("healthz: get", "monitor", "get", "/healthz", "", None, True),
    Case("healthz: post a subpath", "monitor", "post", "/healthz/ready", "", None, True),
    Case(
        "healthz: /healthz/* is not /healthzfoo", "monitor", "post", "/healthzfoo", "", None, False
    ),
    Case("healthz: delete not granted", "monitor", "delete", "/healthz", "", None, False),
    Case("healthz: other path", "monitor", "get", "/metrics", "", None, False),
    Case(
        "healthz: RoleBinding cannot grant paths", "rb-monitor", "post", "/healthz", "", None, False
    ),
    # --- Default roles: discovery, public info, basic user
    Case(
        "system:public-info-viewer: anonymous /healthz",
        "anonymous",
        "get",
        "/healthz",
        "",
        None,
        True,
    ),
    Case(
        "system:public-info-viewer: anonymous /version",
        "anonymous",
        "get",
        "/version",
        "",
        None,
        True,
    ),
    Case(
        "system:discovery is for authenticated users only",
        "anonymous",
        "get",
        "/api",
        "",
        None,
        False,
    ),
    Case("system:discovery: /api/*", "jane", "get", "/api/v1", "", None, True),
    Case("system:discovery: /apis", "jane", "get", "/apis", "", None, True),
    Case(
        "system:basic-user: not anonymous",
        "anonymous",
        "create",
        "selfsubjectaccessreviews",
        "",
        None,
        False,
    ),
    Case(
        "system:basic-user: authenticated",
        "jane",
        "create",
        "selfsubjectaccessreviews.authorization.k8s.io",
        "",
        None,
        True,
    ),
    # --- Default roles: cluster-admin via system:masters and root-cluster-admin-binding
    Case(
        "cluster-admin via system:masters",
        "kubernetes-admin@system:masters",
        "delete",
        "nodes",
        "",
        "node-1",
        True,
    ),
    Case(
        "cluster-admin: any path",
        "kubernetes-admin@system:masters",
        "get",
        "/metrics",
        "",
        None,
        True,
    ),
    Case(
        "cluster-admin: any group",
        "kubernetes-admin@system:masters",
        "create",
        "deployments.apps",
        "kube-system",
        None,
        True,
    ),
    Case("root-cluster-admin-binding", "root", "delete", "namespaces", "", "prod", True),
    # --- bob-admin-binding: admin in acme
    Case("admin: roles", "bob", "create", "roles.rbac.authorization.k8s.io", "acme", None, True),
    Case("admin: rolebindings", "bob", "create", "rolebindings", "acme", None, True),
    Case("admin: secrets", "bob", "get", "secrets", "acme", "s", True),
    Case("admin: deployments", "bob", "delete", "deployments.apps", "acme", "web", True),
    Case("admin: exec", "bob", "create", "pods/exec", "acme", "web", True),
    Case(
        "admin: localsubjectaccessreviews",
        "bob",
        "create",
        "localsubjectaccessreviews",
        "acme",
        None,
        True,
    ),
    Case("admin: read its own namespace", "bob", "get", "namespaces", "acme", "acme", True),
    Case(
        "admin: no write to the namespace itself",
        "bob",
        "delete",
        "namespaces",
        "acme",
        "acme",
        False,
    ),
    Case("admin: cannot create namespaces", "bob", "create", "namespaces", "", None, False),
    Case("admin: no resource quota writes", "bob", "update", "resourcequotas", "acme", "q", False),
    Case("admin: only in acme", "bob", "list", "pods", "default", None, False),
    # --- myapp-view-binding: view for ServiceAccount acme:myapp
    Case("view: pods", "sa:acme:myapp", "list", "pods", "acme", None, True),
    Case("view: pod logs", "sa:acme:myapp", "get", "pods/log", "acme", "web", True),
    Case("view: no secrets", "sa:acme:myapp", "list", "secrets", "acme", None, False),
    Case("view: read-only", "sa:acme:myapp", "create", "pods", "acme", None, False),
    Case("view: no roles", "sa:acme:myapp", "get", "roles", "acme", "r", False),
    # --- myappnamespace-myapp-view-binding: a ServiceAccount of another namespace
    Case(
        "foreign SA: in the binding's namespace",
        "sa:myappnamespace:myapp",
        "list",
        "services",
        "acme",
        None,
        True,
    ),
    Case(
        "foreign SA: not its own namespace",
        "sa:myappnamespace:myapp",
        "list",
        "services",
        "myappnamespace",
        None,
        False,
    ),
    Case(
        "foreign SA: same name, other namespace",
        "sa:other:myapp",
        "list",
        "services",
        "acme",
        None,
        False,
    ),
    # --- edit for eve in dev
    Case("edit: write secrets", "eve", "create", "secrets", "dev", None, True),
    Case("edit: read secrets", "eve", "get", "secrets", "dev", "s", True),
    Case("edit: no roles", "eve", "create", "roles", "dev", None, False),
    Case("edit: no rolebindings", "eve", "list", "rolebindings", "dev", None, False),
    Case("edit: no endpoints writes since 1.22", "eve", "create", "endpoints", "dev", None, False),
    Case("edit: scale deployments", "eve", "patch", "deployments.apps/scale", "dev", "web", True),
    Case("edit: no status writes", "eve", "update", "pods/status", "dev", "web", False),
    Case(
        "edit: service account tokens",
        "eve",
        "create",
        "serviceaccounts/token",
        "dev",
        "default",
        True,
    ),
    Case(
        "edit: impersonate service accounts",
        "eve",
        "impersonate",
        "serviceaccounts",
        "dev",
        "default",
        True,
    ),
    # --- Service account permissions
    Case("my-sa-view", "sa:my-namespace:my-sa", "get", "configmaps", "my-namespace", "c", True),
    Case("default-view", "sa:my-namespace:default", "get", "configmaps", "my-namespace", "c", True),
    Case(
        "serviceaccounts-view: any SA of the namespace",
        "sa:my-namespace:builder",
        "list",
        "deployments.apps",
        "my-namespace",
        None,
        True,
    ),
    Case(
        "serviceaccounts-view: not other namespaces' SAs",
        "sa:other-ns:builder",
        "list",
        "deployments",
        "my-namespace",
        None,
        False,
    ),
    Case("system:serviceaccounts:qa", "sa:qa:tester", "list", "pods", "qa", None, True),
    Case(
        "system:serviceaccounts:qa: only in qa",
        "sa:qa:tester",
        "list",
        "pods",
        "default",
        None,
        False,
    ),
    Case("add-on-cluster-admin", "sa:kube-system:default", "delete", "nodes", "", "node-1", True),
    Case(
        "add-on-cluster-admin: only that SA",
        "sa:kube-system:other",
        "delete",
        "nodes",
        "",
        "node-1",
        False,
    ),
    # --- Restrictions on role binding creation: role-grantor
    Case(
        "role-grantor: create rolebindings",
        "user-1",
        "create",
        "rolebindings",
        "user-1-namespace",
        None,
        True,
    ),
    Case(
        "role-grantor: bind admin",
        "user-1",
        "bind",
        "clusterroles.rbac.authorization.k8s.io",
        "user-1-namespace",
        "admin",
        True,
    ),
    Case(
        "role-grantor: bind view",
        "user-1",
        "bind",
        "clusterroles",
        "user-1-namespace",
        "view",
        True,
    ),
    Case(
        "role-grantor: not cluster-admin",
        "user-1",
        "bind",
        "clusterroles",
        "user-1-namespace",
        "cluster-admin",
        False,
    ),
    Case(
        "role-grantor: bind needs a name",
        "user-1",
        "bind",
        "clusterroles",
        "user-1-namespace",
        None,
        False,
    ),
    Case(
        "role-grantor: only in user-1-namespace",
        "user-1",
        "create",
        "rolebindings",
        "default",
        None,
        False,
    ),
]


@pytest.fixture(scope="module")
def authorizer() -> RBACAuthorizer:
    return RBACAuthorizer(PolicyStore([*bootstrap_objects(), *DOC_OBJECTS]))


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.doc for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.doc for c in CASES])
def test_truth_table(authorizer: RBACAuthorizer, case: Case) -> None:
    user = _user(case.user)
    got = can_i(authorizer, user, case.verb, case.resource, case.namespace, name=case.name)
    assert got is case.allowed
