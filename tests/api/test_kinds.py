"""The kind registry against ``kubectl api-resources`` (v1.32) and the API server's etcd layout.

Short names, scopes and groups are what ``kubectl api-resources`` prints; etcd prefixes come
from pkg/kubeapiserver/default_storage_factory_builder.go (SpecialDefaultResourcePrefixes) and
kubelab's FIDELITY.md section B6.
"""

from __future__ import annotations

import pytest

from kubelab.api import KindInfo, all_kinds, kind_for_resource, kind_info
from kubelab.api.kinds import NoKindMatchError, UnknownResourceError

EXPECTED = [
    # api_version, kind, resource, namespaced, short names, etcd prefix
    ("v1", "Namespace", "namespaces", False, ("ns",), "/registry/namespaces"),
    ("v1", "Pod", "pods", True, ("po",), "/registry/pods"),
    ("v1", "Node", "nodes", False, ("no",), "/registry/minions"),
    ("v1", "Service", "services", True, ("svc",), "/registry/services/specs"),
    ("v1", "Endpoints", "endpoints", True, ("ep",), "/registry/services/endpoints"),
    ("v1", "ConfigMap", "configmaps", True, ("cm",), "/registry/configmaps"),
    ("v1", "Secret", "secrets", True, (), "/registry/secrets"),
    # kubectl api-resources: limitranges (limits), resourcequotas (quota)
    ("v1", "LimitRange", "limitranges", True, ("limits",), "/registry/limitranges"),
    ("v1", "ResourceQuota", "resourcequotas", True, ("quota",), "/registry/resourcequotas"),
    ("v1", "ServiceAccount", "serviceaccounts", True, ("sa",), "/registry/serviceaccounts"),
    ("v1", "Event", "events", True, ("ev",), "/registry/events"),
    ("apps/v1", "Deployment", "deployments", True, ("deploy",), "/registry/deployments"),
    ("apps/v1", "ReplicaSet", "replicasets", True, ("rs",), "/registry/replicasets"),
    ("coordination.k8s.io/v1", "Lease", "leases", True, (), "/registry/leases"),
    (
        "discovery.k8s.io/v1",
        "EndpointSlice",
        "endpointslices",
        True,
        (),
        "/registry/endpointslices",
    ),
    ("events.k8s.io/v1", "Event", "events", True, ("ev",), "/registry/events"),
    ("rbac.authorization.k8s.io/v1", "Role", "roles", True, (), "/registry/roles"),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "clusterroles",
        False,
        (),
        "/registry/clusterroles",
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "rolebindings",
        True,
        (),
        "/registry/rolebindings",
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        False,
        (),
        "/registry/clusterrolebindings",
    ),
]


@pytest.mark.parametrize(
    ("api_version", "kind", "resource", "namespaced", "short", "prefix"), EXPECTED
)
def test_kind_info(
    api_version: str,
    kind: str,
    resource: str,
    namespaced: bool,
    short: tuple[str, ...],
    prefix: str,
) -> None:
    info = kind_info(api_version, kind)
    assert info.kind == kind
    assert info.api_version == api_version
    assert info.resource == resource
    assert info.namespaced is namespaced
    assert info.short_names == short
    assert info.etcd_prefix == prefix


def test_all_kinds_lists_each_once() -> None:
    kinds = all_kinds()
    assert len(kinds) == len(EXPECTED)
    assert {(k.api_version, k.kind) for k in kinds} == {(e[0], e[1]) for e in EXPECTED}
    assert all(isinstance(k, KindInfo) for k in kinds)


def test_etcd_keys() -> None:
    assert kind_info("v1", "Pod").etcd_key("web-1", "default") == "/registry/pods/default/web-1"
    assert kind_info("v1", "Node").etcd_key("node-1") == "/registry/minions/node-1"
    assert (
        kind_info("v1", "Service").etcd_key("kubernetes", "default")
        == "/registry/services/specs/default/kubernetes"
    )
    assert (
        kind_info("coordination.k8s.io/v1", "Lease").etcd_key("node1", "kube-node-lease")
        == "/registry/leases/kube-node-lease/node1"
    )
    with pytest.raises(ValueError, match="namespace is required"):
        kind_info("v1", "Pod").etcd_key("web-1")


def test_group_resource() -> None:
    assert kind_info("v1", "Pod").group_resource == "pods"
    assert kind_info("apps/v1", "Deployment").group_resource == "deployments.apps"


@pytest.mark.parametrize(
    ("name", "kind", "group"),
    [
        ("pods", "Pod", ""),
        ("pod", "Pod", ""),
        ("po", "Pod", ""),
        ("PODS", "Pod", ""),
        ("no", "Node", ""),
        ("svc", "Service", ""),
        ("ep", "Endpoints", ""),
        ("cm", "ConfigMap", ""),
        ("sa", "ServiceAccount", ""),
        ("ns", "Namespace", ""),
        ("deploy", "Deployment", "apps"),
        ("deployments.apps", "Deployment", "apps"),
        ("rs", "ReplicaSet", "apps"),
        ("ev", "Event", ""),  # the legacy group wins a shared name
        ("events", "Event", ""),
        ("events.events.k8s.io", "Event", "events.k8s.io"),
        ("clusterrolebinding", "ClusterRoleBinding", "rbac.authorization.k8s.io"),
        ("leases", "Lease", "coordination.k8s.io"),
    ],
)
def test_kind_for_resource(name: str, kind: str, group: str) -> None:
    info = kind_for_resource(name)
    assert (info.kind, info.group) == (kind, group)


def test_unknown_kind_and_resource_messages() -> None:
    with pytest.raises(NoKindMatchError) as exc:
        kind_info("v1", "Podz")
    assert str(exc.value) == 'no matches for kind "Podz" in version "v1"'
    with pytest.raises(KeyError):
        kind_info("v1", "Deployment")  # Deployment lives in apps/v1
    with pytest.raises(UnknownResourceError) as exc2:
        kind_for_resource("foos")
    assert str(exc2.value) == 'the server doesn\'t have a resource type "foos"'
