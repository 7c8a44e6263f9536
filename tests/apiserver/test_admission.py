"""Admission plugins: allow and reject cases with the messages kube-apiserver 1.32 answers.

Expected texts come from the upstream format strings (plugin/pkg/admission/*,
k8s.io/apiserver/pkg/admission/plugin/{namespace/lifecycle,resourcequota},
k8s.io/pod-security-admission/policy) and the upstream unit tests' expectations where they
exist (pod-security-admission policy/check_*_test.go, admission/admission_test.go).
"""

from __future__ import annotations

import copy
import random
import re
from typing import Any

import pytest

from kubelab.apiserver.admission import (
    ALL_ORDERED_PLUGINS,
    CREATE,
    DELETE,
    UPDATE,
    AdmissionRequest,
    DefaultTolerationSeconds,
    LimitRanger,
    MemoryLister,
    NamespaceLifecycle,
    Plugin,
    PodSecurity,
    ResourceQuota,
    ServiceAccount,
    UserInfo,
    calculate_usage,
    chain,
    default_plugins,
)
from kubelab.apiserver.admission.podsecurity_policy import (
    LevelVersion,
    Version,
    aggregate_check_results,
    evaluate_pod,
)
from kubelab.apiserver.defaults import apply_defaults
from kubelab.apiserver.errors import StatusError, error_from_server

Obj = dict[str, Any]

# --- fixtures --------------------------------------------------------------------------------


def namespace(name: str, labels: dict[str, str] | None = None, phase: str = "Active") -> Obj:
    meta: Obj = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta, "status": {"phase": phase}}


def service_account(name: str = "default", ns: str = "default", **fields: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": ns},
        **fields,
    }


def container(name: str = "app", image: str = "nginx", **fields: Any) -> Obj:
    return {"name": name, "image": image, **fields}


def make_pod(name: str = "web", ns: str = "default", *containers: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": list(containers) or [container()], **spec},
    }


def with_resources(
    requests: dict[str, str] | None = None, limits: dict[str, str] | None = None, name: str = "app"
) -> Obj:
    resources: Obj = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return container(name, resources=resources)


def lister(*objects: Obj) -> MemoryLister:
    return MemoryLister([namespace("default"), service_account(), *objects])


def request(op: str, obj: Obj, old: Obj | None = None, **kw: Any) -> AdmissionRequest:
    return AdmissionRequest.for_object(op, apply_defaults(obj), old_object=old, **kw)


def run(plugin: Plugin, req: AdmissionRequest, objects: MemoryLister) -> Obj:
    """Both phases of one plugin; the (mutated) object, ``{}`` for a DELETE."""
    if plugin.handles(req.operation):
        plugin.mutate(req, objects)
        plugin.validate(req, objects)
    return req.object if req.object is not None else {}


def denial(plugin: Plugin, req: AdmissionRequest, objects: MemoryLister) -> StatusError:
    with pytest.raises(StatusError) as info:
        run(plugin, req, objects)
    return info.value


# --- NamespaceLifecycle ------------------------------------------------------------------------


def test_lifecycle_rejects_content_in_a_missing_namespace() -> None:
    err = denial(NamespaceLifecycle(), request(CREATE, make_pod(ns="ghost")), lister())
    assert (err.code, str(err)) == (404, 'namespaces "ghost" not found')
    # Updates too (the lookup fails the same way); deletes pass.
    req = request(UPDATE, make_pod(ns="ghost"), old=make_pod(ns="ghost"))
    assert denial(NamespaceLifecycle(), req, lister()).code == 404
    run(NamespaceLifecycle(), request(DELETE, make_pod(ns="ghost")), lister())


def test_lifecycle_rejects_creates_in_a_terminating_namespace() -> None:
    objects = lister(namespace("old", phase="Terminating"))
    err = denial(NamespaceLifecycle(), request(CREATE, make_pod(ns="old")), objects)
    assert err.code == 403
    assert str(err) == (
        'pods "web" is forbidden: unable to create new content in namespace old '
        "because it is being terminated"
    )
    assert err.causes == [
        {
            "reason": "NamespaceTerminating",
            "message": "namespace old is being terminated",
            "field": "metadata.namespace",
        }
    ]
    # Updating what is already there is still allowed.
    run(NamespaceLifecycle(), request(UPDATE, make_pod(ns="old"), old=make_pod(ns="old")), objects)


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_lifecycle_protects_the_immortal_namespaces(name: str) -> None:
    err = denial(NamespaceLifecycle(), request(DELETE, namespace(name)), lister())
    assert str(err) == f'namespaces "{name}" is forbidden: this namespace may not be deleted'


def test_lifecycle_allows_cluster_scoped_objects_and_other_namespace_deletes() -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}
    run(NamespaceLifecycle(), request(CREATE, node), lister())
    run(NamespaceLifecycle(), request(DELETE, namespace("dev")), lister(namespace("dev")))
    run(NamespaceLifecycle(), request(CREATE, namespace("new")), lister())


# --- ServiceAccount ----------------------------------------------------------------------------

TOKEN_NAME = re.compile(r"^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$")


def test_service_account_defaults_and_mounts_the_token() -> None:
    out = run(ServiceAccount(random.Random(7)), request(CREATE, make_pod()), lister())
    spec = out["spec"]
    assert spec["serviceAccountName"] == "default"
    assert spec["serviceAccount"] == "default"  # the deprecated alias, as the v1 API writes it
    [volume] = spec["volumes"]
    assert TOKEN_NAME.match(volume["name"])
    assert volume["projected"] == {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {
                "configMap": {
                    "name": "kube-root-ca.crt",
                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                }
            },
            {
                "downwardAPI": {
                    "items": [
                        {
                            "path": "namespace",
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                        }
                    ]
                }
            },
        ],
        "defaultMode": 420,
    }
    assert spec["containers"][0]["volumeMounts"] == [
        {
            "name": volume["name"],
            "readOnly": True,
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        }
    ]


def test_service_account_volume_name_comes_from_the_given_rng() -> None:
    names = {
        run(ServiceAccount(random.Random(seed)), request(CREATE, make_pod()), lister())["spec"][
            "volumes"
        ][0]["name"]
        for seed in (1, 1, 2)
    }
    assert len(names) == 2  # same seed, same name; another seed, another name


def test_service_account_must_exist() -> None:
    pod = make_pod(serviceAccountName="robot")
    err = denial(ServiceAccount(random.Random(0)), request(CREATE, pod), lister())
    assert err.code == 403
    assert str(err) == (
        'pods "web" is forbidden: error looking up service account default/robot: '
        'serviceaccount "robot" not found'
    )


def test_service_account_automount_preferences() -> None:
    sa_off = service_account(automountServiceAccountToken=False)
    objects = MemoryLister([namespace("default"), sa_off])
    out = run(ServiceAccount(random.Random(0)), request(CREATE, make_pod()), objects)
    assert "volumes" not in out["spec"]
    # The pod's own setting wins over the service account's.
    pod = make_pod(automountServiceAccountToken=True)
    out = run(ServiceAccount(random.Random(0)), request(CREATE, pod), objects)
    assert len(out["spec"]["volumes"]) == 1


def test_service_account_mounts_init_containers_but_respects_existing_mounts() -> None:
    taken = container(
        "sidecar",
        volumeMounts=[
            {"name": "own", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
        ],
    )
    pod = make_pod("web", "default", container(), taken, initContainers=[container("init")])
    out = run(ServiceAccount(random.Random(0)), request(CREATE, pod), lister())
    spec = out["spec"]
    token = spec["volumes"][-1]["name"]
    assert [m["name"] for m in spec["initContainers"][0]["volumeMounts"]] == [token]
    assert [m["name"] for m in spec["containers"][0]["volumeMounts"]] == [token]
    assert [m["name"] for m in spec["containers"][1]["volumeMounts"]] == ["own"]


def test_service_account_copies_image_pull_secrets() -> None:
    sa = service_account(imagePullSecrets=[{"name": "regcred"}])
    objects = MemoryLister([namespace("default"), sa])
    out = run(ServiceAccount(random.Random(0)), request(CREATE, make_pod()), objects)
    assert out["spec"]["imagePullSecrets"] == [{"name": "regcred"}]


def test_service_account_mirror_pods() -> None:
    mirror = make_pod(serviceAccountName="default")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    err = denial(ServiceAccount(random.Random(0)), request(CREATE, mirror), lister())
    assert str(err) == 'pods "web" is forbidden: a mirror pod may not reference service accounts'
    del mirror["spec"]["serviceAccountName"]
    out = run(ServiceAccount(random.Random(0)), request(CREATE, mirror), lister())
    assert "serviceAccountName" not in out["spec"]  # mirror pods are never modified


def test_service_account_enforces_mountable_secrets_when_annotated() -> None:
    sa = service_account(secrets=[{"name": "mine"}])
    sa["metadata"]["annotations"] = {"kubernetes.io/enforce-mountable-secrets": "true"}
    objects = MemoryLister([namespace("default"), sa])
    pod = make_pod(volumes=[{"name": "s", "secret": {"secretName": "other"}}])
    err = denial(ServiceAccount(random.Random(0)), request(CREATE, pod), objects)
    assert str(err) == (
        'pods "web" is forbidden: volume with secret.secretName="other" is not allowed '
        "because service account default does not reference that secret"
    )


def test_service_account_ignores_updates_and_other_resources() -> None:
    plugin = ServiceAccount(random.Random(0))
    assert not plugin.handles(UPDATE)
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default"},
    }
    assert run(plugin, request(CREATE, cm), lister()) == apply_defaults(cm)


# --- DefaultTolerationSeconds --------------------------------------------------------------------

NOT_READY = {
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}
UNREACHABLE = {**NOT_READY, "key": "node.kubernetes.io/unreachable"}


def test_default_tolerations_are_added() -> None:
    out = run(DefaultTolerationSeconds(), request(CREATE, make_pod()), lister())
    assert out["spec"]["tolerations"] == [NOT_READY, UNREACHABLE]


def test_existing_tolerations_are_respected() -> None:
    mine = {**NOT_READY, "tolerationSeconds": 60}
    out = run(DefaultTolerationSeconds(), request(CREATE, make_pod(tolerations=[mine])), lister())
    assert out["spec"]["tolerations"] == [mine, UNREACHABLE]
    # An empty key with no effect tolerates every taint: nothing to add.
    everything = {"operator": "Exists"}
    out = run(
        DefaultTolerationSeconds(), request(CREATE, make_pod(tolerations=[everything])), lister()
    )
    assert out["spec"]["tolerations"] == [everything]
    # A NoSchedule toleration does not cover NoExecute.
    no_schedule = {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoSchedule",
    }
    out = run(
        DefaultTolerationSeconds(), request(CREATE, make_pod(tolerations=[no_schedule])), lister()
    )
    assert out["spec"]["tolerations"] == [no_schedule, NOT_READY, UNREACHABLE]


# --- LimitRanger -------------------------------------------------------------------------------


def limit_range(*items: Obj, name: str = "limits") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"limits": list(items)},
    }


DEFAULTS = {
    "type": "Container",
    "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
    "default": {"cpu": "500m", "memory": "256Mi"},
}


def test_limit_ranger_fills_defaults_and_annotates() -> None:
    out = run(LimitRanger(), request(CREATE, make_pod()), lister(limit_range(DEFAULTS)))
    assert out["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    assert out["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container app; "
        "cpu, memory limit for container app"
    )


def test_limit_ranger_only_fills_what_is_missing() -> None:
    pod = make_pod(
        "web",
        "default",
        with_resources({"cpu": "200m"}, {"cpu": "300m"}),
        initContainers=[container("init")],
    )
    out = run(LimitRanger(), request(CREATE, pod), lister(limit_range(DEFAULTS)))
    assert out["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "200m", "memory": "128Mi"},
        "limits": {"cpu": "300m", "memory": "256Mi"},
    }
    assert out["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: memory request for container app; "
        "memory limit for container app; "
        "cpu, memory request for init container init; cpu, memory limit for init container init"
    )


def test_limit_ranger_minimum() -> None:
    objects = lister(limit_range({"type": "Container", "min": {"cpu": "100m"}}))
    pod = make_pod("web", "default", with_resources({"cpu": "50m"}))
    err = denial(LimitRanger(), request(CREATE, pod), objects)
    assert (err.code, str(err)) == (
        403,
        'pods "web" is forbidden: minimum cpu usage per Container is 100m, but request is 50m',
    )
    ok = make_pod("web", "default", with_resources({"cpu": "100m"}))
    run(LimitRanger(), request(CREATE, ok), objects)


def test_limit_ranger_maximum_and_several_violations() -> None:
    objects = lister(limit_range({"type": "Container", "max": {"cpu": "1", "memory": "1Gi"}}))
    pod = make_pod("web", "default", with_resources(limits={"cpu": "2", "memory": "2Gi"}))
    err = denial(LimitRanger(), request(CREATE, pod), objects)
    assert str(err) == (
        'pods "web" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, '
        "maximum memory usage per Container is 1Gi, but limit is 2Gi]"
    )
    # Without a limit the default (from max) is filled in by the mutating phase ...
    out = run(LimitRanger(), request(CREATE, make_pod()), objects)
    assert out["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    # ... and a validating phase that never saw it reports the missing limit.
    with pytest.raises(StatusError) as info:
        LimitRanger().validate(request(CREATE, make_pod()), objects)
    assert str(info.value) == (
        'pods "web" is forbidden: [maximum cpu usage per Container is 1.  No limit is specified, '
        "maximum memory usage per Container is 1Gi.  No limit is specified]"
    )


def test_limit_ranger_limit_to_request_ratio() -> None:
    objects = lister(limit_range({"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}}))
    pod = make_pod("web", "default", with_resources({"cpu": "100m"}, {"cpu": "500m"}))
    err = denial(LimitRanger(), request(CREATE, pod), objects)
    assert str(err) == (
        'pods "web" is forbidden: cpu max limit to request ratio per Container is 2, '
        "but provided ratio is 5.000000"
    )


def test_limit_ranger_pod_type_sums_the_containers() -> None:
    objects = lister(limit_range({"type": "Pod", "max": {"cpu": "1"}}))
    pod = make_pod(
        "web",
        "default",
        with_resources(limits={"cpu": "800m"}, name="a"),
        with_resources(limits={"cpu": "700m"}, name="b"),
    )
    err = denial(LimitRanger(), request(CREATE, pod), objects)
    assert str(err) == 'pods "web" is forbidden: maximum cpu usage per Pod is 1, but limit is 1500m'


def test_limit_ranger_skips_pod_updates_and_checks_claims() -> None:
    objects = lister(
        limit_range(
            {"type": "Container", "min": {"cpu": "1"}},
            {"type": "PersistentVolumeClaim", "max": {"storage": "2Gi"}},
        )
    )
    pod = make_pod()
    run(LimitRanger(), request(UPDATE, pod, old=pod), objects)  # containers are immutable
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "default"},
        "spec": {"resources": {"requests": {"storage": "5Gi"}}},
    }
    err = denial(LimitRanger(), request(CREATE, claim), objects)
    assert str(err) == (
        'persistentvolumeclaims "data" is forbidden: maximum storage usage per '
        "PersistentVolumeClaim is 2Gi, but request is 5Gi"
    )


# --- ResourceQuota -----------------------------------------------------------------------------


def quota(name: str, hard: dict[str, str], status: Obj | None = None, **spec: Any) -> Obj:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"hard": hard, **spec},
    }
    if status is not None:
        obj["status"] = status
    return obj


def pods(n: int, **resources: Any) -> list[Obj]:
    out = []
    for i in range(n):
        c = with_resources(**resources) if resources else container()
        out.append(apply_defaults(make_pod(f"old-{i}", "default", c)))
    return out


def test_quota_under_and_at_the_limit_charges_the_pod() -> None:
    objects = lister(quota("pod-count", {"pods": "2"}), *pods(1))
    result = ResourceQuota().validate(request(CREATE, make_pod("new")), objects)
    assert result is not None
    [updated] = result.quota_updates
    assert updated["metadata"]["name"] == "pod-count"
    assert updated["status"] == {"hard": {"pods": "2"}, "used": {"pods": "2"}}


def test_quota_over_the_limit() -> None:
    objects = lister(quota("pod-count", {"pods": "2"}), *pods(2))
    err = denial(ResourceQuota(), request(CREATE, make_pod("web-3")), objects)
    assert (err.code, str(err)) == (
        403,
        'pods "web-3" is forbidden: exceeded quota: pod-count, requested: pods=1, '
        "used: pods=2, limited: pods=2",
    )


def test_quota_uses_the_synced_status_when_present() -> None:
    # The controller's status wins over a recount (here it is stale on purpose).
    synced = quota("q", {"pods": "5"}, status={"hard": {"pods": "5"}, "used": {"pods": "5"}})
    err = denial(ResourceQuota(), request(CREATE, make_pod()), lister(synced))
    assert "used: pods=5, limited: pods=5" in str(err)


def test_quota_status_unknown_before_the_controller_syncs() -> None:
    fresh = quota("q", {"pods": "5"}, status={"hard": {"pods": "5"}})
    err = denial(ResourceQuota(assume_synced=False), request(CREATE, make_pod()), lister(fresh))
    assert str(err) == 'pods "web" is forbidden: status unknown for quota: q, resources: pods'


def test_quota_requires_compute_fields_it_constrains() -> None:
    objects = lister(quota("compute", {"requests.cpu": "1", "limits.memory": "1Gi"}))
    pod = make_pod("web", "default", container("app"), with_resources({"cpu": "1"}, name="sidecar"))
    err = denial(ResourceQuota(), request(CREATE, pod), objects)
    assert str(err) == (
        'pods "web" is forbidden: failed quota: compute: must specify limits.memory for: '
        "app,sidecar; requests.cpu for: app"
    )


def test_quota_compute_accounting() -> None:
    hard = {"requests.cpu": "1", "requests.memory": "1Gi"}
    objects = lister(quota("compute", hard), *pods(1, requests={"cpu": "600m", "memory": "128Mi"}))
    fits = make_pod("a", "default", with_resources({"cpu": "400m", "memory": "256Mi"}))
    result = ResourceQuota().validate(request(CREATE, fits), objects)
    assert result is not None
    assert result.quota_updates[0]["status"]["used"] == {
        "requests.cpu": "1",
        "requests.memory": "384Mi",
    }
    too_big = make_pod("b", "default", with_resources({"cpu": "500m", "memory": "128Mi"}))
    err = denial(ResourceQuota(), request(CREATE, too_big), objects)
    assert str(err) == (
        'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, '
        "used: requests.cpu=600m, limited: requests.cpu=1"
    )


def test_quota_object_counts() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "default"}}
    existing = {**cm, "metadata": {"name": "c1", "namespace": "default"}}
    objects = lister(quota("q", {"configmaps": "1", "count/deployments.apps": "1"}), existing)
    new = {**cm, "metadata": {"name": "c2", "namespace": "default"}}
    err = denial(ResourceQuota(), request(CREATE, new), objects)
    assert str(err) == (
        'configmaps "c2" is forbidden: exceeded quota: q, requested: configmaps=1, '
        "used: configmaps=1, limited: configmaps=1"
    )
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {},
    }
    result = ResourceQuota().validate(request(CREATE, deploy), objects)
    assert result is not None
    assert result.quota_updates[0]["status"]["used"] == {
        "configmaps": "1",
        "count/deployments.apps": "1",
    }


def test_quota_services_and_node_ports() -> None:
    objects = lister(quota("svc", {"services": "5", "services.nodeports": "1"}))
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"type": "NodePort", "ports": [{"port": 80}, {"port": 443}]},
    }
    err = denial(ResourceQuota(), request(CREATE, svc), objects)
    assert str(err) == (
        'services "web" is forbidden: exceeded quota: svc, requested: services.nodeports=2, '
        "used: services.nodeports=0, limited: services.nodeports=1"
    )


def test_quota_dry_run_checks_but_charges_nothing() -> None:
    objects = lister(quota("pod-count", {"pods": "2"}))
    assert ResourceQuota().validate(request(CREATE, make_pod(), dry_run=True), objects) is None


def test_quota_scopes_and_terminal_pods() -> None:
    best_effort = quota("be", {"pods": "1"}, scopes=["BestEffort"])
    objects = lister(best_effort, *pods(1))
    # A Burstable pod is outside a BestEffort quota.
    burstable = make_pod("b", "default", with_resources({"cpu": "100m"}))
    assert ResourceQuota().validate(request(CREATE, burstable), objects) is not None
    assert denial(ResourceQuota(), request(CREATE, make_pod("c")), objects).code == 403
    # Finished pods stop counting as "pods" but still count as objects.
    done = apply_defaults(make_pod("done"))
    done["status"] = {"phase": "Succeeded"}
    counted = quota("q", {"pods": "9", "count/pods": "9"})
    assert calculate_usage(counted, lister(counted, done, *pods(2))) == {
        "count/pods": "3",
        "pods": "2",
    }


def test_quota_ignores_events() -> None:
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "default"}}
    objects = lister(quota("q", {"count/events": "0"}))
    assert ResourceQuota().validate(request(CREATE, event), objects) is None


# --- PodSecurity -------------------------------------------------------------------------------

NGINX_RESTRICTED = (
    'allowPrivilegeEscalation != false (container "app" must set '
    "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "
    '"app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or '
    'container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or '
    'container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or '
    '"Localhost")'
)


def psa_namespace(**labels: str) -> MemoryLister:
    full = {f"pod-security.kubernetes.io/{k.replace('_', '-')}": v for k, v in labels.items()}
    return MemoryLister([namespace("default", full), service_account()])


def sc(**fields: Any) -> Obj:
    return container(securityContext=fields)


RESTRICTED_OK = make_pod(
    "ok",
    "default",
    sc(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]}),
    securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
)


@pytest.mark.parametrize(
    ("pod", "detail"),
    [
        (make_pod(hostNetwork=True), "host namespaces (hostNetwork=true)"),
        (
            # Defaulting makes every port of a hostNetwork pod a host port, so both fire.
            make_pod("web", "default", container(ports=[{"containerPort": 80}]), hostNetwork=True),
            'host namespaces (hostNetwork=true), hostPort (container "app" uses hostPort 80)',
        ),
        (
            make_pod("web", "default", sc(privileged=True)),
            'privileged (container "app" must not set securityContext.privileged=true)',
        ),
        (
            make_pod(volumes=[{"name": "logs", "hostPath": {"path": "/var/log"}}]),
            'hostPath volumes (volume "logs")',
        ),
        (
            make_pod("web", "default", sc(capabilities={"add": ["SYS_ADMIN", "NET_ADMIN"]})),
            'non-default capabilities (container "app" must not include "NET_ADMIN", "SYS_ADMIN" '
            "in securityContext.capabilities.add)",
        ),
        (
            make_pod(securityContext={"seccompProfile": {"type": "Unconfined"}}),
            'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
        ),
        (
            make_pod("web", "default", sc(appArmorProfile={"type": "Unconfined"})),
            'forbidden AppArmor profile (container "app" must not set AppArmor profile type to '
            '"Unconfined")',
        ),
        (
            make_pod("web", "default", sc(seLinuxOptions={"type": "spc_t"})),
            'seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: '
            'type "spc_t")',
        ),
        (
            make_pod("web", "default", sc(procMount="Unmasked")),
            'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
        ),
        (
            make_pod(securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}),
            "forbidden sysctls (kernel.msgmax)",
        ),
    ],
)
def test_pod_security_baseline_rejects(pod: Obj, detail: str) -> None:
    err = denial(PodSecurity(), request(CREATE, pod), psa_namespace(enforce="baseline"))
    assert err.code == 403
    assert str(err) == f'pods "web" is forbidden: violates PodSecurity "baseline:latest": {detail}'


def test_pod_security_baseline_admits_an_ordinary_pod_without_warnings() -> None:
    result = PodSecurity().validate(request(CREATE, make_pod()), psa_namespace(enforce="baseline"))
    assert result is not None
    assert result.warnings == []
    assert result.audit_annotations == {
        "pod-security.kubernetes.io/enforce-policy": "baseline:latest"
    }


def test_pod_security_restricted_message_for_a_plain_pod() -> None:
    # The message the Pod Security Admission docs show for a plain nginx pod.
    err = denial(PodSecurity(), request(CREATE, make_pod()), psa_namespace(enforce="restricted"))
    assert str(err) == (
        f'pods "web" is forbidden: violates PodSecurity "restricted:latest": {NGINX_RESTRICTED}'
    )
    assert error_from_server(err, verb="creating", source="pod.yaml").startswith(
        'Error from server (Forbidden): error when creating "pod.yaml": pods "web" is forbidden'
    )


def test_pod_security_restricted_admits_a_hardened_pod() -> None:
    objects = psa_namespace(enforce="restricted")
    req = request(CREATE, RESTRICTED_OK)
    # With the service account token volume added (projected volumes are allowed).
    ServiceAccount(random.Random(0)).mutate(req, objects)
    result = PodSecurity().validate(req, objects)
    assert result is not None and result.warnings == []


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (
            lambda p: p["spec"]["containers"][0]["securityContext"]["capabilities"].update(
                add=["SYS_TIME", "NET_BIND_SERVICE"]
            ),
            'unrestricted capabilities (container "app" must not include "SYS_TIME" in '
            "securityContext.capabilities.add)",
        ),
        (
            lambda p: p["spec"]["securityContext"].update(runAsUser=0),
            "runAsUser=0 (pod must not set runAsUser=0)",
        ),
        (
            # restrictedVolumes replaces the baseline hostPath check at this level.
            lambda p: p["spec"].update(volumes=[{"name": "h", "hostPath": {"path": "/"}}]),
            'restricted volume types (volume "h" uses restricted volume type "hostPath")',
        ),
        (
            lambda p: p["spec"]["containers"][0]["securityContext"].update(runAsNonRoot=False),
            'runAsNonRoot != true (container "app" must not set '
            "securityContext.runAsNonRoot=false)",
        ),
    ],
)
def test_pod_security_restricted_rejects(change: Any, detail: str) -> None:
    pod = copy.deepcopy(RESTRICTED_OK)
    change(pod)
    err = denial(PodSecurity(), request(CREATE, pod), psa_namespace(enforce="restricted"))
    assert str(err) == f'pods "ok" is forbidden: violates PodSecurity "restricted:latest": {detail}'


def test_pod_security_windows_pods_skip_linux_only_checks() -> None:
    pod = make_pod(securityContext={"runAsNonRoot": True}, os={"name": "windows"})
    PodSecurity().validate(request(CREATE, pod), psa_namespace(enforce="restricted"))


def test_pod_security_versions() -> None:
    root = copy.deepcopy(RESTRICTED_OK)
    root["spec"]["securityContext"]["runAsUser"] = 0
    # runAsUser=0 is a restricted rule only from v1.23.
    PodSecurity().validate(
        request(CREATE, root), psa_namespace(enforce="restricted", enforce_version="v1.22")
    )
    err = denial(
        PodSecurity(),
        request(CREATE, root),
        psa_namespace(enforce="restricted", enforce_version="v1.23"),
    )
    assert 'violates PodSecurity "restricted:v1.23": runAsUser=0' in str(err)
    # container_engine_t became an allowed SELinux type in v1.31.
    engine = make_pod("web", "default", sc(seLinuxOptions={"type": "container_engine_t"}))
    PodSecurity().validate(request(CREATE, engine), psa_namespace(enforce="baseline"))
    assert (
        denial(
            PodSecurity(),
            request(CREATE, engine),
            psa_namespace(enforce="baseline", enforce_version="v1.30"),
        ).code
        == 403
    )


def test_pod_security_warn_mode_admits_with_a_warning_and_audit_annotation() -> None:
    objects = psa_namespace(warn="restricted", audit="baseline")
    priv = make_pod("web", "default", sc(privileged=True))
    result = PodSecurity().validate(request(CREATE, priv), objects)
    assert result is not None
    assert result.warnings == [
        'would violate PodSecurity "restricted:latest": privileged (container "app" must not '
        "set securityContext.privileged=true), allowPrivilegeEscalation != false (container "
        '"app" must set securityContext.allowPrivilegeEscalation=false), unrestricted '
        'capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")'
    ]
    assert result.audit_annotations["pod-security.kubernetes.io/audit-violations"] == (
        'would violate PodSecurity "baseline:latest": privileged (container "app" must not set '
        "securityContext.privileged=true)"
    )


def test_pod_security_enforce_implies_warn_and_controllers_only_warn() -> None:
    objects = psa_namespace(enforce="restricted")
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [container()]}}},
    }
    result = PodSecurity().validate(request(CREATE, deploy), objects)
    assert result is not None
    assert result.warnings == [f'would violate PodSecurity "restricted:latest": {NGINX_RESTRICTED}']


def test_pod_security_invalid_labels() -> None:
    bad = namespace("dev", {"pod-security.kubernetes.io/enforce": "strict"})
    err = denial(PodSecurity(), request(CREATE, bad), MemoryLister())
    assert (err.code, str(err)) == (
        422,
        'Namespace "dev" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: '
        'Invalid value: "strict": must be one of privileged, baseline, restricted',
    )
    # A pod in a namespace whose enforce label is invalid is judged as restricted (fail closed).
    objects = MemoryLister([bad, service_account(ns="dev")])
    err = denial(PodSecurity(), request(CREATE, make_pod(ns="dev")), objects)
    assert 'violates PodSecurity "restricted:latest"' in str(err)


def test_pod_security_tightening_a_namespace_warns_about_existing_pods() -> None:
    rs = [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "web",
            "uid": "u1",
            "controller": True,
        }
    ]
    web = [apply_defaults(make_pod(f"web-{i}", "dev")) for i in (1, 2)]
    for p in web:
        p["metadata"]["ownerReferences"] = rs
    db = apply_defaults(make_pod("db", "dev", sc(privileged=True)))
    old = namespace("dev")
    new = namespace("dev", {"pod-security.kubernetes.io/enforce": "restricted"})
    objects = MemoryLister([old, *web, db])
    result = PodSecurity().validate(request(UPDATE, new, old=old), objects)
    assert result is not None
    assert result.warnings == [
        'existing pods in namespace "dev" violate the new PodSecurity enforce level '
        '"restricted:latest"',
        "db: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, "
        "runAsNonRoot != true, seccompProfile",
        "web-1 (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, "
        "runAsNonRoot != true, seccompProfile",
    ]


def test_pod_security_exemptions_and_insignificant_updates() -> None:
    objects = psa_namespace(enforce="restricted")
    plugin = PodSecurity(exempt_usernames=frozenset({"system:serviceaccount:kube-system:ds"}))
    user = UserInfo("system:serviceaccount:kube-system:ds")
    result = plugin.validate(request(CREATE, make_pod(), user=user), objects)
    assert result is not None
    assert result.audit_annotations == {"pod-security.kubernetes.io/exempt": "user"}
    # A label change on a running pod is not re-evaluated; an image change is.
    old = apply_defaults(make_pod())
    relabelled = copy.deepcopy(old)
    relabelled["metadata"]["labels"] = {"a": "b"}
    assert PodSecurity().validate(request(UPDATE, relabelled, old=old), objects) is None
    new_image = copy.deepcopy(old)
    new_image["spec"]["containers"][0]["image"] = "nginx:1.27"
    assert denial(PodSecurity(), request(UPDATE, new_image, old=old), objects).code == 403


def test_policy_checks_match_upstream_multi_container_expectations() -> None:
    # Expectations from pod-security-admission v0.32.0 policy/check_*_test.go.
    def detail(level: str, spec: Obj, meta: Obj | None = None) -> str:
        result = aggregate_check_results(
            evaluate_pod(LevelVersion(level, Version(1, 32)), meta or {}, spec)
        )
        return result.forbidden_detail()

    ports = {
        "containers": [
            {"name": "a", "ports": [{"hostPort": 0}]},
            {"name": "b", "ports": [{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 20}]},
            {"name": "c", "ports": [{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 30}]},
        ]
    }
    assert detail("baseline", ports) == 'hostPort (containers "b", "c" use hostPorts 10, 20, 30)'
    caps = {
        "containers": [
            {"name": "a", "securityContext": {"capabilities": {"add": ["FOO", "BAR"]}}},
            {"name": "b", "securityContext": {"capabilities": {"add": ["BAR", "BAZ"]}}},
            {
                "name": "c",
                "securityContext": {
                    "capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]}
                },
            },
        ]
    }
    restricted = detail("restricted", caps)
    assert (
        'unrestricted capabilities (containers "a", "b" must set '
        'securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include '
        '"BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add)'
    ) in restricted
    assert "non-default capabilities" not in restricted  # overridden at restricted
    apparmor = {
        "container.apparmor.security.beta.kubernetes.io/": "bogus",
        "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/d": "localhost/foo",
        "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
    }
    assert detail("baseline", {}, {"annotations": apparmor}) == (
        "forbidden AppArmor profiles (annotations must not set AppArmor profile type to "
        '"container.apparmor.security.beta.kubernetes.io/="bogus"", '
        '"container.apparmor.security.beta.kubernetes.io/e="unconfined"")'
    )
    host = {
        "hostNetwork": True,
        "hostPID": True,
        "hostIPC": True,
        "securityContext": {"windowsOptions": {"hostProcess": True}},
        "containers": [{"name": "e", "securityContext": {"windowsOptions": {"hostProcess": True}}}],
    }
    assert detail("baseline", host) == (
        "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostProcess (pod and "
        'container "e" must not set securityContext.windowsOptions.hostProcess=true)'
    )


# --- the chain ---------------------------------------------------------------------------------


def test_chain_runs_plugins_in_kube_apiserver_order() -> None:
    plugins = default_plugins(random.Random(0))
    random.Random(3).shuffle(plugins)
    assert chain(plugins).names == [
        "NamespaceLifecycle",
        "LimitRanger",
        "ServiceAccount",
        "PodSecurity",
        "DefaultTolerationSeconds",
        "ResourceQuota",
    ]
    assert ALL_ORDERED_PLUGINS[-2:] == ("ResourceQuota", "AlwaysDeny")


def test_chain_admits_and_reports_everything_the_plugins_did() -> None:
    objects = lister(limit_range(DEFAULTS), quota("compute", {"requests.cpu": "2", "pods": "3"}))
    req = request(CREATE, make_pod())
    result = chain(default_plugins(random.Random(1))).admit(req, objects)
    assert result.allowed and result.error is None
    assert result.object is not None
    spec = result.object["spec"]
    assert spec["serviceAccountName"] == "default"
    assert spec["tolerations"] == [NOT_READY, UNREACHABLE]
    assert spec["containers"][0]["resources"]["requests"]["cpu"] == "100m"
    # Quota is charged with what LimitRanger filled in.
    assert result.quota_updates[0]["status"]["used"] == {"pods": "1", "requests.cpu": "100m"}
    assert [(s.plugin, s.phase) for s in result.trail] == [
        ("NamespaceLifecycle", "mutating"),
        ("LimitRanger", "mutating"),
        ("ServiceAccount", "mutating"),
        ("DefaultTolerationSeconds", "mutating"),
        ("LimitRanger", "validating"),
        ("ServiceAccount", "validating"),
        ("PodSecurity", "validating"),
        ("ResourceQuota", "validating"),
    ]


def test_chain_names_the_plugin_that_decided() -> None:
    admission = chain(default_plugins(random.Random(0)))
    missing = admission.admit(request(CREATE, make_pod(ns="ghost")), lister())
    assert (missing.allowed, missing.decided_by, missing.phase) == (
        False,
        "NamespaceLifecycle",
        "mutating",
    )
    assert missing.error is not None and missing.error.code == 404
    over = admission.admit(request(CREATE, make_pod()), lister(quota("q", {"pods": "0"})))
    assert (over.decided_by, over.phase) == ("ResourceQuota", "validating")
    assert over.quota_updates == []
    with pytest.raises(StatusError):
        over.raise_for_status()
