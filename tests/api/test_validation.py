"""Per-kind validation, each case with the API server's exact error text.

Expected texts are built from the rules and messages of pkg/apis/core/validation/validation.go,
pkg/apis/apps/validation/validation.go, pkg/apis/rbac/validation/validation.go,
pkg/apis/coordination/validation, pkg/apis/discovery/validation,
apimachinery/pkg/api/validation/objectmeta.go and metav1/validation (Kubernetes 1.32), and
from error messages real clusters print (the nodePort range message, the Deployment selector
messages ``spec.selector: Required value`` and ``spec.template.metadata.labels: Invalid value:
map[string]string{"app":"x"}: `selector` does not match template `labels```).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubelab.api import FieldError, InvalidError, load_manifests, validate

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
QUANTITY_MSG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def pod(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]},
    }
    base["spec"].update(spec)
    return base


def with_meta(obj: dict[str, Any], **meta: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["metadata"] = {k: v for k, v in {**out["metadata"], **meta}.items() if v is not None}
    return out


def container(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in {"name": "web", "image": "nginx", **fields}.items() if v is not None}


def service(spec: dict[str, Any], name: str = "web") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def deployment(spec_overrides: dict[str, Any], kind: str = "Deployment") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "x"}},
        "template": {
            "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    }
    for key, value in spec_overrides.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web"}, "spec": spec}


def obj(api_version: str, kind: str, name: str = "x", **fields: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, **fields}


RBAC = "rbac.authorization.k8s.io/v1"

CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("valid pod", pod(), []),
    (
        "pod name not a subdomain",
        with_meta(pod(), name="Web_1"),
        [f'metadata.name: Invalid value: "Web_1": {SUBDOMAIN_MSG}'],
    ),
    (
        "pod name required",
        with_meta(pod(), name=None),
        ["metadata.name: Required value: name or generateName is required"],
    ),
    ("generateName instead of name", with_meta(pod(), name=None, generateName="web-"), []),
    (
        "generateName checked as a prefix",
        with_meta(pod(), name=None, generateName="Web-"),
        [f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_MSG}'],
    ),
    (
        "namespace must be a DNS label",
        with_meta(pod(), namespace="Prod"),
        [f'metadata.namespace: Invalid value: "Prod": {LABEL_MSG}'],
    ),
    (
        "label value",
        with_meta(pod(), labels={"app": "a b"}),
        [f'metadata.labels: Invalid value: "a b": {LABEL_VALUE_MSG}'],
    ),
    (
        "label key",
        with_meta(pod(), labels={"bad key": "x"}),
        [f'metadata.labels: Invalid value: "bad key": {NAME_PART_MSG}'],
    ),
    (
        "annotations total size",
        with_meta(pod(), annotations={"a": "x" * (256 * 1024)}),
        ["metadata.annotations: Too long: must have at most 262144 bytes"],
    ),
    (
        "annotation keys ignore case",
        with_meta(pod(), annotations={"Example.COM/Key": "v"}),
        [],
    ),
    (
        "unqualified finalizer must be standard",
        with_meta(pod(), finalizers=["kubernetes", "mine"]),
        [
            'metadata.finalizers: Invalid value: "mine": name is neither a standard finalizer '
            "name nor is it fully qualified"
        ],
    ),
    ("containers required", pod(containers=[]), ["spec.containers: Required value"]),
    (
        "image required",
        pod(containers=[container(image=None)]),
        ["spec.containers[0].image: Required value"],
    ),
    (
        "container name a DNS label",
        pod(containers=[container(name="Web")]),
        [f'spec.containers[0].name: Invalid value: "Web": {LABEL_MSG}'],
    ),
    (
        "container names unique",
        pod(containers=[container(), container()]),
        ['spec.containers[1].name: Duplicate value: "web"'],
    ),
    (
        "container ports",
        pod(
            containers=[
                container(
                    ports=[
                        {"containerPort": 0},
                        {"containerPort": 70000},
                        {"containerPort": 80, "protocol": "HTTP"},
                    ]
                )
            ]
        ),
        [
            "spec.containers[0].ports[0].containerPort: Required value",
            "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 "
            "and 65535, inclusive",
            'spec.containers[0].ports[2].protocol: Unsupported value: "HTTP": supported values: '
            '"SCTP", "TCP", "UDP"',
        ],
    ),
    (
        "port names unique",
        pod(
            containers=[
                container(
                    ports=[
                        {"name": "http", "containerPort": 80},
                        {"name": "http", "containerPort": 81},
                    ]
                )
            ]
        ),
        ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ),
    (
        "requests above limits",
        pod(
            containers=[container(resources={"requests": {"cpu": "1"}, "limits": {"cpu": "500m"}})]
        ),
        [
            'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal '
            "to cpu limit of 500m"
        ],
    ),
    (
        "requests equal to limits",
        pod(
            containers=[
                container(resources={"requests": {"memory": "1Gi"}, "limits": {"memory": "1Gi"}})
            ]
        ),
        [],
    ),
    (
        "quantity that does not parse",
        pod(containers=[container(resources={"limits": {"cpu": "1x"}})]),
        [f'spec.containers[0].resources.limits[cpu]: Invalid value: "1x": {QUANTITY_MSG}'],
    ),
    (
        "negative quantity",
        pod(containers=[container(resources={"requests": {"memory": "-1"}})]),
        [
            "spec.containers[0].resources.requests[memory]: Invalid value: -1: must be greater "
            "than or equal to 0"
        ],
    ),
    (
        "non-standard container resource",
        pod(containers=[container(resources={"limits": {"pods": "1"}})]),
        [
            'spec.containers[0].resources.limits[pods]: Invalid value: "pods": must be a standard '
            "resource for containers"
        ],
    ),
    (
        "extended resources are whole and not overcommitted",
        pod(
            containers=[
                container(
                    resources={
                        "requests": {"example.com/gpu": "1"},
                        "limits": {"example.com/gpu": "2"},
                    }
                )
            ]
        ),
        [
            'spec.containers[0].resources.requests: Invalid value: "1": must be equal to '
            "example.com/gpu limit of 2"
        ],
    ),
    (
        "restart policy",
        pod(restartPolicy="Sometimes"),
        [
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
            '"OnFailure", "Never"'
        ],
    ),
    (
        "env names",
        pod(containers=[container(env=[{"name": "A=B"}, {"value": "x"}, {"name": "1_OK"}])]),
        [
            'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable '
            "name must consist only of printable ASCII characters other than '='",
            "spec.containers[0].env[1].name: Required value",
        ],
    ),
    (
        "image pull policy",
        pod(containers=[container(imagePullPolicy="Sometimes")]),
        [
            'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: '
            '"Always", "IfNotPresent", "Never"'
        ],
    ),
    (
        "volumes",
        pod(
            volumes=[
                {"name": "data", "emptyDir": {}},
                {"name": "data", "emptyDir": {}},
                {"name": "nothing"},
            ]
        ),
        [
            'spec.volumes[1].name: Duplicate value: "data"',
            "spec.volumes[2]: Required value: must specify a volume type",
        ],
    ),
    (
        "volume mounts",
        pod(
            volumes=[{"name": "data", "emptyDir": {}}],
            containers=[
                container(
                    volumeMounts=[
                        {"name": "logs", "mountPath": "/logs"},
                        {"name": "data", "mountPath": "/logs"},
                    ]
                )
            ],
        ),
        [
            'spec.containers[0].volumeMounts[0].name: Not found: "logs"',
            'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/logs": must be unique',
        ],
    ),
    (
        "pod image without surrounding blanks",
        pod(containers=[container(image=" nginx")]),
        [
            'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing '
            "whitespace"
        ],
    ),
    (
        "tolerations",
        pod(tolerations=[{"operator": "Equal", "value": "x"}, {"key": "k", "operator": "Maybe"}]),
        [
            'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when '
            '`key` is empty, which means "match all values and all keys"',
            'spec.tolerations[1].operator: Unsupported value: "Maybe": supported values: "Equal", '
            '"Exists"',
        ],
    ),
    (
        "node name and service account name",
        pod(nodeName="Node_1", serviceAccountName="Robot"),
        [
            f'spec.serviceAccountName: Invalid value: "Robot": {SUBDOMAIN_MSG}',
            f'spec.nodeName: Invalid value: "Node_1": {SUBDOMAIN_MSG}',
        ],
    ),
    ("valid service", service({"selector": {"app": "web"}, "ports": [{"port": 80}]}), []),
    (
        "service ports required",
        service({"selector": {"app": "web"}}),
        ["spec.ports: Required value"],
    ),
    ("headless service needs no ports", service({"clusterIP": "None"}), []),
    (
        "service name is a DNS-1035 label",
        service({"ports": [{"port": 80}]}, name="1web"),
        [f'metadata.name: Invalid value: "1web": {DNS1035_MSG}'],
    ),
    (
        "service port range",
        service({"ports": [{"port": 0}]}),
        ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"],
    ),
    (
        "service type",
        service({"type": "Internal", "ports": [{"port": 80}]}),
        [
            'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", '
            '"ExternalName", "LoadBalancer", "NodePort"'
        ],
    ),
    (
        "several ports need names",
        service({"ports": [{"port": 80}, {"port": 443}]}),
        ["spec.ports[0].name: Required value", "spec.ports[1].name: Required value"],
    ),
    (
        "node port range",
        service({"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]}),
        [
            "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. "
            "The range of valid ports is 30000-32767"
        ],
    ),
    (
        "node port on a ClusterIP service",
        service({"ports": [{"port": 80, "nodePort": 30080}]}),
        ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ),
    (
        "target port name",
        service({"ports": [{"port": 80, "targetPort": "HTTP"}]}),
        [
            'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric '
            "characters (a-z, 0-9), and hyphens (-)",
            'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter '
            "(a-z)",
        ],
    ),
    (
        "external name required",
        service({"type": "ExternalName"}),
        ["spec.externalName: Required value"],
    ),
    ("valid deployment", deployment({}), []),
    (
        "deployment selector required",
        deployment({"selector": None}),
        [
            "spec.selector: Required value",
            'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: '
            "`selector` does not match template `labels`",
        ],
    ),
    (
        "selector must match template labels",
        deployment({"selector": {"matchLabels": {"app": "y"}}}),
        [
            'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: '
            "`selector` does not match template `labels`"
        ],
    ),
    (
        "empty selector",
        deployment({"selector": {}}),
        [
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
            "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
            "deployment"
        ],
    ),
    (
        "replicas not negative",
        deployment({"replicas": -1}),
        ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "template restart policy must be Always",
        deployment(
            {
                "template": {
                    "metadata": {"labels": {"app": "x"}},
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]},
                }
            }
        ),
        [
            'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: '
            '"Always"'
        ],
    ),
    (
        "template containers required",
        deployment({"template": {"metadata": {"labels": {"app": "x"}}, "spec": {}}}),
        ["spec.template.spec.containers: Required value"],
    ),
    (
        "replicaset selector expression without values",
        deployment(
            {"selector": {"matchExpressions": [{"key": "app", "operator": "In"}]}},
            kind="ReplicaSet",
        ),
        [
            "spec.selector.matchExpressions[0].values: Required value: must be specified when "
            "`operator` is 'In' or 'NotIn'",
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
            "MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{"
            'Key:"app", Operator:"In", Values:[]string(nil)}}}: invalid label selector',
        ],
    ),
    (
        "rolling update numbers",
        deployment(
            {
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0},
                }
            }
        ),
        [
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
            "`maxSurge` is 0"
        ],
    ),
    (
        "namespace name",
        obj("v1", "Namespace", "team.a"),
        ['metadata.name: Invalid value: "team.a": must not contain dots'],
    ),
    (
        "config map keys",
        obj("v1", "ConfigMap", data={"a b": "1", "..": "2", "ok": "3"}, binaryData={"ok": "aGk="}),
        [
            "data[..]: Invalid value: \"..\": must not be '..'",
            f'data[a b]: Invalid value: "a b": {CONFIG_KEY_MSG}',
            'data[ok]: Invalid value: "ok": duplicate of key present in binaryData',
            'binaryData[ok]: Invalid value: "ok": duplicate of key present in data',
        ],
    ),
    (
        "config map size",
        obj("v1", "ConfigMap", data={"a": "x" * (1024 * 1024 + 1)}),
        ["[]: Too long: must have at most 1048576 bytes"],
    ),
    (
        "tls secret keys",
        obj("v1", "Secret", type="kubernetes.io/tls", data={}),
        ["data[tls.crt]: Required value", "data[tls.key]: Required value"],
    ),
    (
        "node taints",
        obj("v1", "Node", "node-1", spec={"taints": [{"key": "k", "effect": "Sometimes"}]}),
        [
            'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: '
            '"NoSchedule", "PreferNoSchedule", "NoExecute"'
        ],
    ),
    (
        "lease duration",
        obj("coordination.k8s.io/v1", "Lease", "node-1", spec={"leaseDurationSeconds": 0}),
        ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"],
    ),
    (
        "role rules",
        obj(RBAC, "Role", "reader", rules=[{"resources": ["pods"]}]),
        [
            "rules[0].verbs: Required value: verbs must contain at least one value",
            "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
        ],
    ),
    (
        "namespaced role with non-resource URLs",
        obj(RBAC, "Role", "health", rules=[{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]),
        [
            'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules '
            "cannot apply to non-resource URLs"
        ],
    ),
    (
        "cluster role with non-resource URLs",
        obj(
            RBAC,
            "ClusterRole",
            "system:health",
            rules=[{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
        ),
        [],
    ),
    (
        "rbac names are path segments",
        obj(RBAC, "ClusterRole", "a/b", rules=[]),
        ["metadata.name: Invalid value: \"a/b\": may not contain '/'"],
    ),
    (
        "role binding role ref",
        obj(
            RBAC,
            "RoleBinding",
            "rb",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Pod", "name": "x"},
            subjects=[{"kind": "User", "name": "alice"}],
        ),
        ['roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"'],
    ),
    (
        "cluster role binding subjects",
        obj(
            RBAC,
            "ClusterRoleBinding",
            "crb",
            roleRef={
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "view",
            },
            subjects=[
                {"kind": "ServiceAccount", "name": "default"},
                {"kind": "Robot", "name": "r"},
            ],
        ),
        [
            "subjects[0].namespace: Required value",
            'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", '
            '"User", "Group"',
        ],
    ),
    (
        "service account name",
        obj("v1", "ServiceAccount", "Robot"),
        [f'metadata.name: Invalid value: "Robot": {SUBDOMAIN_MSG}'],
    ),
    (
        "endpoints addresses",
        obj(
            "v1",
            "Endpoints",
            "web",
            subsets=[
                {"addresses": [{"ip": "127.0.0.1"}], "ports": [{"port": 80}]},
                {"ports": [{"port": 80}]},
            ],
        ),
        [
            'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback '
            "range (127.0.0.0/8, ::1/128)",
            "subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`",
        ],
    ),
    (
        "endpoint slice",
        obj("discovery.k8s.io/v1", "EndpointSlice", "web-abc", endpoints=[{"addresses": []}]),
        [
            "addressType: Required value",
            "endpoints[0].addresses: Required value: must contain at least 1 address",
        ],
    ),
    (
        "core event namespace agreement",
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "web.17a", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "other"},
        },
        ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    ),
    (
        "events.k8s.io event required fields",
        obj("events.k8s.io/v1", "Event", "web.17a", type="Normal", reason="Started"),
        [
            "eventTime: Required value",
            "reportingController: Required value",
            'reportingController: Invalid value: "": name part must be non-empty',
            f'reportingController: Invalid value: "": {NAME_PART_MSG}',
            "reportingInstance: Required value",
            "action: Required value",
        ],
    ),
]


@pytest.mark.parametrize(("case", "manifest", "expected"), CASES, ids=[c[0] for c in CASES])
def test_validate(case: str, manifest: dict[str, Any], expected: list[str]) -> None:
    assert [str(e) for e in validate(manifest)] == expected


def test_at_least_thirty_error_cases() -> None:
    assert sum(1 for _, _, expected in CASES if expected) >= 30


def test_errors_are_field_errors_with_cause_reasons() -> None:
    errs = validate(pod(containers=[container(image=None), container()]))
    assert [(e.field, e.reason, e.cause_reason) for e in errs] == [
        ("spec.containers[0].image", "Required value", "FieldValueRequired"),
        ("spec.containers[1].name", "Duplicate value", "FieldValueDuplicate"),
    ]
    assert all(isinstance(e, FieldError) for e in errs)


def test_invalid_error_for_a_loaded_deployment() -> None:
    [dep] = load_manifests(
        """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels: {app: x}
    spec:
      containers:
      - name: c
        image: nginx
"""
    )
    err = InvalidError.for_object(dep, validate(dep))
    assert str(err) == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, '
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` '
        "does not match template `labels`]"
    )
    status = err.status()
    assert status["code"] == 422
    assert status["details"]["group"] == "apps"
    assert [c["field"] for c in status["details"]["causes"]] == [
        "spec.selector",
        "spec.template.metadata.labels",
    ]


def test_unknown_kind_gets_metadata_checks_only() -> None:
    thing = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "W"}}
    assert [str(e) for e in validate(thing)] == [
        f'metadata.name: Invalid value: "W": {SUBDOMAIN_MSG}'
    ]


def test_validate_does_not_change_the_object() -> None:
    manifest = deployment({"selector": None})
    before = copy.deepcopy(manifest)
    validate(manifest)
    assert manifest == before
