"""Several users on one cluster: ``as_user`` identities go through x509 authentication and
RBAC; ``kubectl auth can-i`` / ``whoami`` print what kubectl 1.32 prints
(``staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go``, ``whoami.go``; the Forbidden text is
the RBAC authorizer's, ``reference/KUBECTL.md`` section 6)."""

from __future__ import annotations

import re

import pytest

from kubelab import Cluster

POD_READER = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: default}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
"""


@pytest.fixture(scope="module")
def c() -> Cluster:
    cluster = Cluster(nodes=1, components=())
    out = cluster.apply(POD_READER)
    assert out.exit_code == 0, out
    return cluster


def test_a_user_without_bindings_is_forbidden() -> None:
    c = Cluster(nodes=1, components=())
    out = c.as_user("alice").kubectl("get pods")
    assert (out.stdout, out.exit_code) == ("", 1)
    assert out.stderr == (
        'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource '
        '"pods" in API group "" in the namespace "default"\n'
    )
    out = c.as_user("alice").kubectl("auth can-i list pods")
    assert (out.stdout, out.stderr, out.exit_code) == ("no\n", "", 1)


def test_a_role_binding_grants_exactly_its_rules(c: Cluster) -> None:
    alice = c.as_user("alice")
    assert alice.kubectl("get pods").stderr == "No resources found in default namespace.\n"
    assert alice.kubectl("auth can-i list pods") == "yes\n"
    assert alice.kubectl("auth can-i list pods").exit_code == 0
    assert alice.kubectl("auth can-i delete pods") == "no\n"
    assert alice.kubectl("auth can-i list pods -n kube-system") == "no\n"
    assert alice.kubectl("auth can-i list deployments.apps") == "no\n"
    out = alice.kubectl("delete pod web")
    assert out.stderr == (
        'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot delete '
        'resource "pods" in API group "" in the namespace "default"\n'
    )
    out = alice.kubectl("get pods -n kube-system")
    assert out.stderr == (
        'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource '
        '"pods" in API group "" in the namespace "kube-system"\n'
    )


def test_group_membership_comes_from_the_certificate_organization(c: Cluster) -> None:
    assert c.as_user("carol", ["devs"]).kubectl("auth can-i watch pods") == "yes\n"
    assert c.as_user("carol").kubectl("auth can-i watch pods") == "no\n"


def test_requests_are_authenticated_as_the_user(c: Cluster) -> None:
    c.as_user("alice").kubectl("get pods")
    audit = c.apiservers["cp-1"].audit
    last = [r for r in audit if r.resource == "pods" and r.verb == "list"][-1]
    assert last.user == "alice"
    assert last.groups == ("system:authenticated",)
    assert last.decision == "allow"


def test_whoami(c: Cluster) -> None:
    # whoami.go: an ATTRIBUTE/VALUE table; groups as Go prints a []string
    assert c.as_user("alice", ["devs"]).kubectl("auth whoami").splitlines() == [
        "ATTRIBUTE   VALUE",
        "Username    alice",
        "Groups      [devs system:authenticated]",
    ]
    assert c.kubectl("auth whoami").splitlines() == [
        "ATTRIBUTE   VALUE",
        "Username    kubernetes-super-admin",
        "Groups      [system:masters system:authenticated]",
    ]


def test_can_i_list(c: Cluster) -> None:
    out = c.as_user("alice").kubectl("auth can-i --list")
    lines = out.stdout.splitlines()
    assert re.fullmatch(r"Resources +Non-Resource URLs +Resource Names +Verbs", lines[0])
    # the Role's rule, compacted to one line (cani.go printStatus)
    assert any(re.fullmatch(r"pods +\[\] +\[\] +\[get list watch\]", x) for x in lines)
    # system:basic-user lets everyone review themselves (bootstrappolicy policy.go)
    assert any(
        re.fullmatch(r"selfsubjectaccessreviews\.authorization\.k8s\.io +\[\] +\[\] +\[create\]", x)
        for x in lines
    )
    assert not any(x.startswith("deployments") for x in lines)
    bob = c.as_user("bob").kubectl("auth can-i --list")
    assert not any(x.startswith("pods ") for x in bob.stdout.splitlines())


def test_admin_is_system_masters_and_may_impersonate(c: Cluster) -> None:
    assert c.kubectl("auth can-i '*' '*'") == "yes\n"
    assert c.kubectl("auth can-i delete pods --as alice") == "no\n"
    assert c.kubectl("auth can-i get pods --as alice") == "yes\n"
    assert c.kubectl("auth can-i get pods --as dave --as-group devs") == "yes\n"
    out = c.as_user("alice").kubectl("get pods --as bob")
    # the impersonation filter's Forbidden
    assert out.stderr == (
        'Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot '
        'impersonate resource "users" in API group "" at the cluster scope\n'
    )
    assert out.exit_code == 1
    out = c.kubectl("get pods --as-group devs")
    assert out.stderr == (
        "error: requesting uid, groups or user-extra for kubernetes-super-admin without "
        "impersonating a user\n"
    )


def test_can_i_for_a_non_resource_url_and_a_quiet_check(c: Cluster) -> None:
    alice = c.as_user("alice")
    assert alice.kubectl("auth can-i get /healthz") == "yes\n"
    assert alice.kubectl("auth can-i get /metrics") == "no\n"
    quiet = alice.kubectl("auth can-i delete pods -q")
    assert (quiet.stdout, quiet.exit_code) == ("", 1)
