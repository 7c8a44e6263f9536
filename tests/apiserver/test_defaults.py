"""Defaulting: each expectation is the value pkg/apis/core/v1/defaults.go, apps/v1/defaults.go,
rbac/v1/defaults.go or a registry strategy sets (Kubernetes 1.32), as `kubectl get -o yaml`
shows it for an object created without the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.apiserver.defaults import (
    apply_defaults,
    default_image_pull_policy,
    pod_qos_class,
    prepare_for_create,
)


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": list(containers), **spec},
    }


def test_minimal_pod_gets_the_documented_defaults() -> None:
    out = apply_defaults(pod({"name": "app", "image": "nginx"}))
    assert out["spec"] == {
        "containers": [
            {
                "name": "app",
                "image": "nginx",
                "imagePullPolicy": "Always",  # untagged means :latest
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "resources": {},
            }
        ],
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "terminationGracePeriodSeconds": 30,
        "securityContext": {},
        "enableServiceLinks": True,
    }


def test_defaulting_copies_and_is_idempotent() -> None:
    original = pod({"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]})
    before = copy.deepcopy(original)
    once = apply_defaults(original)
    assert original == before
    assert apply_defaults(once) == once


def test_explicit_values_are_kept() -> None:
    out = apply_defaults(
        pod(
            {"name": "app", "image": "nginx", "imagePullPolicy": "Never"},
            restartPolicy="OnFailure",
            terminationGracePeriodSeconds=0,
            enableServiceLinks=False,
        )
    )
    assert out["spec"]["containers"][0]["imagePullPolicy"] == "Never"
    assert out["spec"]["restartPolicy"] == "OnFailure"
    assert out["spec"]["terminationGracePeriodSeconds"] == 0  # 0 is set, not unset
    assert out["spec"]["enableServiceLinks"] is False


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("docker.io/library/nginx:1.27-alpine", "IfNotPresent"),
        ("localhost:5000/app", "Always"),  # a registry port is not a tag
        ("localhost:5000/app:v1", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),  # digest only: no tag
        ("nginx:latest@sha256:" + "a" * 64, "Always"),
        ("NGINX", "IfNotPresent"),  # not a valid reference: ParseImageName fails, no tag
    ],
)
def test_image_pull_policy(image: str, policy: str) -> None:
    assert default_image_pull_policy(image) == policy


def test_container_ports_env_probes_and_lifecycle() -> None:
    container = {
        "name": "app",
        "image": "nginx:1.27",
        "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "livenessProbe": {"httpGet": {"port": 80}},
        "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5},
        "lifecycle": {"preStop": {"httpGet": {"port": 80}}},
    }
    out = apply_defaults(pod(container))["spec"]["containers"][0]
    assert [p["protocol"] for p in out["ports"]] == ["TCP", "UDP"]
    assert out["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert out["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert out["readinessProbe"]["periodSeconds"] == 5
    assert out["lifecycle"]["preStop"]["httpGet"] == {"port": 80, "path": "/", "scheme": "HTTP"}


def test_pod_requests_default_to_limits_but_templates_do_not() -> None:
    limited = {
        "name": "app",
        "image": "nginx",
        "resources": {"limits": {"cpu": "0.5", "memory": "128Mi"}, "requests": {"cpu": "100m"}},
    }
    out = apply_defaults(pod(limited))["spec"]["containers"][0]["resources"]
    # SetDefaults_Pod fills only the missing request; quantities come back canonical.
    assert out == {
        "limits": {"cpu": "500m", "memory": "128Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [copy.deepcopy(limited)]}}},
    }
    tmpl = apply_defaults(deploy)["spec"]["template"]["spec"]
    assert tmpl["containers"][0]["resources"]["requests"] == {"cpu": "100m"}
    assert "enableServiceLinks" not in tmpl  # SetDefaults_Pod is Pod-only
    assert tmpl["dnsPolicy"] == "ClusterFirst"  # SetDefaults_PodSpec applies to templates


def test_quantities_round_up_to_milli() -> None:
    out = apply_defaults(
        pod({"name": "a", "image": "x:1", "resources": {"requests": {"cpu": "0.0001"}}})
    )
    assert out["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1m"}


def test_host_network_turns_container_ports_into_host_ports() -> None:
    out = apply_defaults(
        pod({"name": "a", "image": "x:1", "ports": [{"containerPort": 9100}]}, hostNetwork=True)
    )
    assert out["spec"]["containers"][0]["ports"][0]["hostPort"] == 9100


def test_volume_defaults() -> None:
    volumes = [
        {"name": "scratch"},
        {"name": "cfg", "configMap": {"name": "c"}},
        {"name": "tls", "secret": {"secretName": "s"}},
        {"name": "host", "hostPath": {"path": "/var/log"}},
        {"name": "tok", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
    ]
    out = {v["name"]: v for v in apply_defaults(pod(volumes=volumes))["spec"]["volumes"]}
    assert out["scratch"] == {"name": "scratch", "emptyDir": {}}
    assert out["cfg"]["configMap"]["defaultMode"] == 420  # 0644
    assert out["tls"]["secret"]["defaultMode"] == 420
    assert out["host"]["hostPath"]["type"] == ""
    assert out["tok"]["projected"]["defaultMode"] == 420
    assert out["tok"]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 3600


def test_deployment_defaults() -> None:
    out = apply_defaults(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx"}]}}},
        }
    )["spec"]
    assert out["replicas"] == 1
    assert out["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert out["revisionHistoryLimit"] == 10
    assert out["progressDeadlineSeconds"] == 600
    assert out["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always"


def test_recreate_deployment_gets_no_rolling_update() -> None:
    out = apply_defaults(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"replicas": 0, "strategy": {"type": "Recreate"}},
        }
    )["spec"]
    assert out["strategy"] == {"type": "Recreate"}
    assert out["replicas"] == 0


def test_replicaset_and_daemonset_defaults() -> None:
    rs = apply_defaults({"apiVersion": "apps/v1", "kind": "ReplicaSet", "spec": {}})
    assert rs["spec"]["replicas"] == 1
    ds = apply_defaults({"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {}})
    assert ds["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert ds["spec"]["revisionHistoryLimit"] == 10


def service(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}, "spec": spec}


def test_cluster_ip_service_defaults() -> None:
    out = apply_defaults(service(selector={"app": "db"}, ports=[{"port": 5432}]))["spec"]
    assert out["type"] == "ClusterIP"
    assert out["sessionAffinity"] == "None"
    assert out["ports"] == [{"port": 5432, "protocol": "TCP", "targetPort": 5432}]
    assert out["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in out
    created = prepare_for_create(apply_defaults(service(selector={"app": "db"})))["spec"]
    assert created["ipFamilyPolicy"] == "SingleStack"
    assert created["ipFamilies"] == ["IPv4"]


def test_service_variants() -> None:
    named = apply_defaults(service(ports=[{"port": 80, "targetPort": "http"}]))["spec"]
    assert named["ports"][0]["targetPort"] == "http"
    node_port = apply_defaults(service(type="NodePort", ports=[{"port": 80}]))["spec"]
    assert node_port["externalTrafficPolicy"] == "Cluster"
    lb = apply_defaults(service(type="LoadBalancer"))["spec"]
    assert lb["allocateLoadBalancerNodePorts"] is True
    sticky = apply_defaults(service(sessionAffinity="ClientIP"))["spec"]
    assert sticky["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    external = apply_defaults(service(type="ExternalName", externalName="db.example.com"))
    assert "internalTrafficPolicy" not in external["spec"]
    assert "ipFamilies" not in prepare_for_create(external)["spec"]
    headless = prepare_for_create(apply_defaults(service(clusterIP="None")))["spec"]
    assert headless["ipFamilyPolicy"] == "PreferDualStack"


def test_namespace_defaults_and_create() -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}
    out = apply_defaults(ns)
    assert out["metadata"]["labels"] == {"kubernetes.io/metadata.name": "dev"}
    assert out["status"] == {"phase": "Active"}
    created = prepare_for_create(out)
    assert created["spec"]["finalizers"] == ["kubernetes"]
    mine = prepare_for_create({**ns, "spec": {"finalizers": ["example.com/x"]}})
    assert mine["spec"]["finalizers"] == ["example.com/x", "kubernetes"]


def test_node_allocatable_defaults_to_capacity() -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1"},
        "status": {"capacity": {"cpu": "4", "memory": "8192Mi", "pods": "110"}},
    }
    out = apply_defaults(node)["status"]
    assert out["allocatable"] == {"cpu": "4", "memory": "8Gi", "pods": "110"}


def test_secret_type_and_kinds_without_defaults() -> None:
    assert apply_defaults({"apiVersion": "v1", "kind": "Secret"})["type"] == "Opaque"
    tls = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls"}
    assert apply_defaults(tls)["type"] == "kubernetes.io/tls"
    for obj in (
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"}},
        {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}},
    ):
        assert apply_defaults(obj) == obj


def test_rbac_binding_defaults() -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b", "namespace": "dev"},
        "roleRef": {"kind": "Role", "name": "r"},
        "subjects": [
            {"kind": "User", "name": "jane"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "dev"},
        ],
    }
    out = apply_defaults(binding)
    assert out["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert [s.get("apiGroup") for s in out["subjects"]] == [
        "rbac.authorization.k8s.io",
        "rbac.authorization.k8s.io",
        None,
    ]


def test_limit_range_item_defaults() -> None:
    lr = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "lr"},
        "spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}, "min": {"memory": "64Mi"}}]},
    }
    item = apply_defaults(lr)["spec"]["limits"][0]
    # default <- max; defaultRequest <- default, then <- min.
    assert item["default"] == {"cpu": "1"}
    assert item["defaultRequest"] == {"cpu": "1", "memory": "64Mi"}


def test_prepare_for_create_sets_pod_phase_and_qos() -> None:
    out = prepare_for_create(apply_defaults(pod({"name": "a", "image": "x:1"})))
    assert out["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def res(requests: dict[str, str] | None = None, limits: dict[str, str] | None = None) -> Any:
    resources: dict[str, Any] = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return {"name": "c", "image": "x:1", "resources": resources}


@pytest.mark.parametrize(
    ("containers", "qos"),
    [
        ([res()], "BestEffort"),
        ([res({"cpu": "0"})], "BestEffort"),  # zero values do not count
        ([res({"cpu": "100m"})], "Burstable"),
        ([res(limits={"cpu": "1"})], "Burstable"),  # memory limit missing
        ([res({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})], "Guaranteed"),
        ([res({"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})], "Burstable"),
        (
            [res({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}), res()],
            "Burstable",  # every container must set both limits
        ),
        ([res({"ephemeral-storage": "1Gi"})], "BestEffort"),  # only cpu and memory matter
    ],
)
def test_pod_qos_class(containers: list[dict[str, Any]], qos: str) -> None:
    assert pod_qos_class(pod(*containers)) == qos


def test_guaranteed_when_requests_come_from_limits() -> None:
    limited = res(limits={"cpu": "1", "memory": "1Gi"})
    assert pod_qos_class(apply_defaults(pod(limited))) == "Guaranteed"
    init = res(limits={"cpu": "2", "memory": "1Gi"}, requests={"cpu": "1"})
    assert (
        pod_qos_class(
            pod(
                res({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}),
                initContainers=[init],
            )
        )
        == "Burstable"
    )


_QUANTITIES = st.sampled_from(["100m", "0.5", "1", "1.5", "128Mi", "1Gi", "2e3", "0"])
_RESOURCES = st.dictionaries(st.sampled_from(["cpu", "memory"]), _QUANTITIES, max_size=2)
_CONTAINERS = st.builds(
    lambda name, image, requests, limits, ports: {
        "name": name,
        "image": image,
        "resources": {"requests": requests, "limits": limits},
        "ports": [{"containerPort": p} for p in ports],
    },
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["nginx", "nginx:1.27", "registry:5000/x", "x@sha256:" + "0" * 64]),
    _RESOURCES,
    _RESOURCES,
    st.lists(st.integers(1, 65535), max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_CONTAINERS, min_size=1, max_size=3), st.booleans())
def test_defaulting_is_idempotent_and_never_removes_a_field(
    containers: list[dict[str, Any]], host_network: bool
) -> None:
    original = pod(*containers, hostNetwork=host_network)
    snapshot = copy.deepcopy(original)
    once = apply_defaults(original)
    assert original == snapshot
    assert apply_defaults(once) == once
    for before, after in zip(
        original["spec"]["containers"], once["spec"]["containers"], strict=True
    ):
        assert set(before) <= set(after)
        # Pod requests cover at least every resource the container limits.
        assert set(after["resources"]["limits"]) <= set(after["resources"]["requests"])
