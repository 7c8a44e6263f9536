"""The default ClusterRoles and ClusterRoleBindings a new API server creates.

From ``plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`` (rules as stored, i.e. with
the lists sorted as ``PolicyRuleBuilder.Rule()`` sorts them; compare
``bootstrappolicy/testdata/cluster-roles.yaml``), Kubernetes 1.31-1.32:

* ``cluster-admin`` -- ``*`` on everything and every URL; bound to group ``system:masters``.
* ``admin``, ``edit``, ``view`` -- empty themselves, filled by the aggregation controller:
  ``view`` gathers roles labelled ``rbac.authorization.k8s.io/aggregate-to-view``; ``edit``
  gathers ``aggregate-to-edit`` (which ``view`` carries); ``admin`` gathers
  ``aggregate-to-admin`` (which ``edit`` carries). The rules live in
  ``system:aggregate-to-view``, ``system:aggregate-to-edit`` and ``system:aggregate-to-admin``.
  ``view`` cannot read Secrets; since 1.22 ``edit`` cannot write Endpoints or EndpointSlices
  (CVE-2021-25740).
* ``system:basic-user`` (self access and rules reviews, self subject review) and
  ``system:discovery`` (discovery and health paths), bound to ``system:authenticated``;
  ``system:public-info-viewer`` (health and version paths), bound to ``system:authenticated``
  and ``system:unauthenticated``.
* ``system:kube-scheduler`` -- what kube-scheduler needs (events, its leader-election Lease,
  reading nodes and pods, deleting pods to preempt them, ``pods/binding``, ``pods/status``, the
  objects that select pods, volumes and CSI objects, namespaces); bound to the user
  ``system:kube-scheduler`` (the CN of the scheduler's client certificate).

Left out, because kubelab does not serve these APIs: in the aggregate roles, the resources
``persistentvolumeclaims`` (and ``/status``), ``replicationcontrollers`` (and ``/scale``,
``/status``), ``bindings``, ``limitranges``, ``resourcequotas`` (and ``/status``),
``deployments/rollback``, ``controllerrevisions``, ``daemonsets``, ``statefulsets`` and their
subresources, the groups ``autoscaling``, ``batch``, ``extensions``, ``policy``,
``networking.k8s.io``, ``resource.k8s.io`` and ``events.k8s.io`` (Events are served in the core
group only). Also left out: every other ``system:*`` role and binding of ``policy.go``
(``system:node``, ``system:volume-scheduler``, controller roles, certificate approvers, ...).
"""

from __future__ import annotations

from typing import Any, Final

from kubelab.apiserver.rbac import RBAC_GROUP, aggregate

__all__ = [
    "AGGREGATE_TO_ADMIN",
    "AGGREGATE_TO_EDIT",
    "AGGREGATE_TO_VIEW",
    "bootstrap_objects",
    "cluster_role_bindings",
    "cluster_roles",
]

# policy.go: the verb sets.
READ: Final = ("get", "list", "watch")
WRITE: Final = ("create", "delete", "deletecollection", "patch", "update")
READ_WRITE: Final = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)

AGGREGATE_TO_ADMIN: Final = "rbac.authorization.k8s.io/aggregate-to-admin"
AGGREGATE_TO_EDIT: Final = "rbac.authorization.k8s.io/aggregate-to-edit"
AGGREGATE_TO_VIEW: Final = "rbac.authorization.k8s.io/aggregate-to-view"

# policy.go Label / Annotation: on every bootstrap object.
_LABELS: Final = {"kubernetes.io/bootstrapping": "rbac-defaults"}
_ANNOTATIONS: Final = {"rbac.authorization.kubernetes.io/autoupdate": "true"}


def _rule(
    verbs: tuple[str, ...],
    groups: tuple[str, ...] = (),
    resources: tuple[str, ...] = (),
    urls: tuple[str, ...] = (),
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"verbs": sorted(verbs)}
    if groups:
        out["apiGroups"] = list(groups)
    if resources:
        out["resources"] = sorted(resources)
    if urls:
        out["nonResourceURLs"] = sorted(urls)
    return out


def _cluster_role(
    name: str,
    rules: list[dict[str, list[str]]] | None,
    *,
    labels: dict[str, str] | None = None,
    aggregate_from: str | None = None,
) -> dict[str, Any]:
    role: dict[str, Any] = {
        "kind": "ClusterRole",
        "apiVersion": f"{RBAC_GROUP}/v1",
        "metadata": {
            "name": name,
            "labels": {**_LABELS, **(labels or {})},
            "annotations": dict(_ANNOTATIONS),
        },
        "rules": rules,
    }
    if aggregate_from is not None:
        role["aggregationRule"] = {
            "clusterRoleSelectors": [{"matchLabels": {aggregate_from: "true"}}]
        }
    return role


def _aggregate_to_admin() -> list[dict[str, list[str]]]:
    return [
        _rule(("create",), ("authorization.k8s.io",), ("localsubjectaccessreviews",)),
        _rule(READ_WRITE, (RBAC_GROUP,), ("rolebindings", "roles")),
    ]


def _aggregate_to_edit() -> list[dict[str, list[str]]]:
    pod_subs = ("pods/attach", "pods/exec", "pods/portforward", "pods/proxy")
    return [
        # Allow read on escalating resources.
        _rule(READ, ("",), (*pod_subs, "secrets", "services/proxy")),
        _rule(("impersonate",), ("",), ("serviceaccounts",)),
        _rule(WRITE, ("",), ("pods", *pod_subs)),
        _rule(("create",), ("",), ("pods/eviction",)),
        _rule(
            WRITE, ("",), ("configmaps", "secrets", "serviceaccounts", "services", "services/proxy")
        ),
        _rule(("create",), ("",), ("serviceaccounts/token",)),
        _rule(WRITE, ("",), ("events",)),
        _rule(
            WRITE,
            ("apps",),
            ("deployments", "deployments/scale", "replicasets", "replicasets/scale"),
        ),
        _rule(READ_WRITE, ("coordination.k8s.io",), ("leases",)),
    ]


def _aggregate_to_view() -> list[dict[str, list[str]]]:
    return [
        _rule(
            READ,
            ("",),
            ("configmaps", "endpoints", "pods", "serviceaccounts", "services", "services/status"),
        ),
        _rule(READ, ("",), ("namespaces/status", "pods/log", "pods/status")),
        # Reading namespaces at namespace scope means reading *this* namespace.
        _rule(READ, ("",), ("namespaces",)),
        _rule(READ, ("",), ("events",)),
        _rule(READ, ("discovery.k8s.io",), ("endpointslices",)),
        _rule(
            READ,
            ("apps",),
            (
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
            ),
        ),
    ]


def cluster_roles(*, aggregated: bool = True) -> list[dict[str, Any]]:
    """The bootstrap ClusterRoles, in ``policy.go`` order.

    With ``aggregated=True`` (default) ``admin``, ``edit`` and ``view`` carry the rules the
    aggregation controller fills in, as in a running cluster; with ``False`` their ``rules``
    are ``None`` as the API server first writes them.
    """
    roles = [
        _cluster_role(
            "cluster-admin",
            [_rule(("*",), ("*",), ("*",)), _rule(("*",), urls=("*",))],
        ),
        _cluster_role(
            "system:discovery",
            [
                _rule(
                    ("get",),
                    urls=(
                        "/livez",
                        "/readyz",
                        "/healthz",
                        "/version",
                        "/version/",
                        "/openapi",
                        "/openapi/*",
                        "/api",
                        "/api/*",
                        "/apis",
                        "/apis/*",
                    ),
                )
            ],
        ),
        _cluster_role(
            "system:basic-user",
            [
                _rule(
                    ("create",),
                    ("authorization.k8s.io",),
                    ("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                ),
                _rule(("create",), ("authentication.k8s.io",), ("selfsubjectreviews",)),
            ],
        ),
        _cluster_role(
            "system:public-info-viewer",
            [_rule(("get",), urls=("/livez", "/readyz", "/healthz", "/version", "/version/"))],
        ),
        _cluster_role("admin", None, aggregate_from=AGGREGATE_TO_ADMIN),
        _cluster_role(
            "edit", None, labels={AGGREGATE_TO_ADMIN: "true"}, aggregate_from=AGGREGATE_TO_EDIT
        ),
        _cluster_role(
            "view", None, labels={AGGREGATE_TO_EDIT: "true"}, aggregate_from=AGGREGATE_TO_VIEW
        ),
        _cluster_role(
            "system:aggregate-to-admin",
            _aggregate_to_admin(),
            labels={AGGREGATE_TO_ADMIN: "true"},
        ),
        _cluster_role(
            "system:aggregate-to-edit", _aggregate_to_edit(), labels={AGGREGATE_TO_EDIT: "true"}
        ),
        _cluster_role(
            "system:aggregate-to-view", _aggregate_to_view(), labels={AGGREGATE_TO_VIEW: "true"}
        ),
    ]
    roles.append(_cluster_role("system:kube-scheduler", _kube_scheduler()))
    return aggregate(roles) if aggregated else roles


def _kube_scheduler() -> list[dict[str, Any]]:
    """policy.go ``kubeSchedulerRules`` (Kubernetes 1.32)."""
    coordination, storage = "coordination.k8s.io", "storage.k8s.io"
    named_lease = _rule(("get", "update"), (coordination,), ("leases",))
    named_lease["resourceNames"] = ["kube-scheduler"]
    named_endpoints = _rule(("get", "update"), ("",), ("endpoints",))
    named_endpoints["resourceNames"] = ["kube-scheduler"]
    return [
        # eventsRule(): core and events.k8s.io Events
        _rule(("create", "update", "patch"), ("", "events.k8s.io"), ("events",)),
        # leader election on the Lease kube-system/kube-scheduler
        _rule(("create",), (coordination,), ("leases",)),
        named_lease,
        # left over from Endpoints-based leader election
        _rule(("create",), ("",), ("endpoints",)),
        named_endpoints,
        # fundamental resources
        _rule(READ, ("",), ("nodes",)),
        _rule(("get", "list", "watch", "delete"), ("",), ("pods",)),
        _rule(("create",), ("",), ("pods/binding", "bindings")),
        _rule(("patch", "update"), ("",), ("pods/status",)),
        # things that select pods
        _rule(READ, ("",), ("services", "replicationcontrollers")),
        _rule(READ, ("apps", "extensions"), ("replicasets",)),
        _rule(READ, ("apps",), ("statefulsets",)),
        # things that pods use or that apply to them
        _rule(READ, ("policy",), ("poddisruptionbudgets",)),
        _rule(READ, ("",), ("persistentvolumeclaims", "persistentvolumes")),
        # checking API access (non-mutating creates)
        _rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
        _rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",)),
        # volume limits
        _rule(READ, (storage,), ("csinodes",)),
        # namespaceSelector in pod affinity
        _rule(READ, ("",), ("namespaces",)),
        _rule(READ, (storage,), ("csidrivers",)),
        _rule(READ, (storage,), ("csistoragecapacities",)),
    ]


def _binding(name: str, *groups: str) -> dict[str, Any]:
    return {
        "kind": "ClusterRoleBinding",
        "apiVersion": f"{RBAC_GROUP}/v1",
        "metadata": {"name": name, "labels": dict(_LABELS), "annotations": dict(_ANNOTATIONS)},
        "subjects": [{"kind": "Group", "apiGroup": RBAC_GROUP, "name": g} for g in groups],
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
    }


def _user_binding(name: str, user: str) -> dict[str, Any]:
    crb = _binding(name)
    crb["subjects"] = [{"kind": "User", "apiGroup": RBAC_GROUP, "name": user}]
    return crb


def cluster_role_bindings() -> list[dict[str, Any]]:
    """The bootstrap ClusterRoleBindings (``policy.go clusterRoleBindings``)."""
    return [
        _binding("cluster-admin", "system:masters"),
        _binding("system:discovery", "system:authenticated"),
        _binding("system:basic-user", "system:authenticated"),
        _binding("system:public-info-viewer", "system:authenticated", "system:unauthenticated"),
        # user.KubeScheduler
        _user_binding("system:kube-scheduler", "system:kube-scheduler"),
    ]


def bootstrap_objects() -> list[dict[str, Any]]:
    """Every bootstrap object (aggregated ClusterRoles, then ClusterRoleBindings), ready for
    :class:`~kubelab.apiserver.rbac.PolicyStore` or for storage."""
    return [*cluster_roles(), *cluster_role_bindings()]
