"""``Cluster.apply`` and ``kubectl apply``: client-side apply as kubectl 1.32 does it.

The request sequence, the annotation and the patch body are those recorded from real kubectl
in ``reference/KUBECTL.md`` (sections 1.4 and 3); the printed lines and error texts are
kubectl's (``staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go``, ``cmdutil.AddSourceToErr``,
``resource.Info.String``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubelab import Cluster

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

DEPLOY_V1 = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: a
        image: nginx:1
        env:
        - name: X
          value: "1"
      - name: b
        image: busybox:1.36
"""

# container a: new image and X=2; container b removed (the KUBECTL.md section 3 case)
DEPLOY_V2 = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: a
        image: nginx:2
        env:
        - name: X
          value: "2"
"""

V2_LAST_APPLIED = (
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"web",'
    '"namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},'
    '"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"env":[{"name":'
    '"X","value":"2"}],"image":"nginx:2","name":"a"}]}}}}\n'
)


def _traces(c: Cluster, verb: str) -> list[Any]:
    return [t for s in c.apiservers.values() for t in s.traces.values() if t.info.verb == verb]


def _revision(c: Cluster) -> int:
    return int(c.etcd.client(host="workstation").get("/registry/")["header"]["revision"])


@pytest.fixture
def c() -> Cluster:
    return Cluster(nodes=1, components=())


def test_created_unchanged_configured_unchanged(c: Cluster) -> None:
    assert c.apply(DEPLOY_V1) == "deployment.apps/web created\n"
    patches = len(_traces(c, "patch"))
    assert c.apply(DEPLOY_V1) == "deployment.apps/web unchanged\n"
    assert len(_traces(c, "patch")) == patches  # an empty patch is not sent
    out = c.apply(DEPLOY_V2)
    assert (out.stdout, out.stderr, out.exit_code) == ("deployment.apps/web configured\n", "", 0)
    assert c.apply(DEPLOY_V2) == "deployment.apps/web unchanged\n"


def test_create_posts_the_manifest_with_its_last_applied_annotation(c: Cluster) -> None:
    c.apply(DEPLOY_V2)
    creates = [t for t in _traces(c, "create") if t.info.resource == "deployments"]
    # all-or-nothing: a server-side dry run first, then the real POST
    assert [t.request.query for t in creates] == [
        {
            "fieldManager": "kubectl-client-side-apply",
            "fieldValidation": "Strict",
            "dryRun": "All",
        },
        {"fieldManager": "kubectl-client-side-apply", "fieldValidation": "Strict"},
    ]
    stored = json.loads(c.kubectl("get deployment web -o json"))
    assert stored["metadata"]["annotations"] == {LAST_APPLIED: V2_LAST_APPLIED}


def test_configure_sends_the_three_way_strategic_merge_patch(c: Cluster) -> None:
    c.apply(DEPLOY_V1)
    c.apply(DEPLOY_V2)
    (patch,) = [t for t in _traces(c, "patch") if "dryRun" not in t.request.query]
    assert patch.request.content_type == "application/strategic-merge-patch+json"
    assert patch.request.query == {
        "fieldManager": "kubectl-client-side-apply",
        "fieldValidation": "Strict",
    }
    # KUBECTL.md section 3, "Observed body when one container's image and env changed and
    # container b was removed"
    assert patch.request.body == {
        "metadata": {"annotations": {LAST_APPLIED: V2_LAST_APPLIED}},
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "a"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "X"}],
                            "env": [{"name": "X", "value": "2"}],
                            "image": "nginx:2",
                            "name": "a",
                        },
                        {"$patch": "delete", "name": "b"},
                    ],
                }
            }
        },
    }
    stored = json.loads(c.kubectl("get deployment web -o json"))
    containers = stored["spec"]["template"]["spec"]["containers"]
    assert [x["name"] for x in containers] == ["a"]
    assert containers[0]["image"] == "nginx:2"
    assert containers[0]["env"] == [{"name": "X", "value": "2"}]


def test_apply_keeps_what_others_added_merging_lists_by_name(c: Cluster) -> None:
    c.apply(DEPLOY_V1)
    # someone else adds env Z to container a and a container c (strategic merge by name)
    patch = (
        '{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"Z",'
        '"value":"z"}]},{"name":"c","image":"redis:7"}]}}}}'
    )
    assert c.kubectl(f"patch deployment web -p '{patch}'") == "deployment.apps/web patched\n"
    out = c.apply(DEPLOY_V1.replace('value: "1"', 'value: "3"'))
    assert out == "deployment.apps/web configured\n"
    stored = json.loads(c.kubectl("get deployment web -o json"))
    by_name = {x["name"]: x for x in stored["spec"]["template"]["spec"]["containers"]}
    assert sorted(by_name) == ["a", "b", "c"]  # c was never applied: kept
    env = {e["name"]: e["value"] for e in by_name["a"]["env"]}
    assert env == {"X": "3", "Z": "z"}  # merged by name; Z never applied: kept


def test_several_documents_print_one_line_each(c: Cluster) -> None:
    text = DEPLOY_V1 + (
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
        "spec:\n  selector: {app: web}\n  ports: [{port: 80}]\n"
    )
    assert c.apply(text) == "deployment.apps/web created\nservice/web created\n"
    assert c.apply(text) == "deployment.apps/web unchanged\nservice/web unchanged\n"


def test_bad_yaml_changes_nothing(c: Cluster) -> None:
    before = _revision(c)
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {a\n"
    out = c.apply(text)
    assert out.stdout == ""
    assert out.stderr.startswith(
        'error: error parsing "STDIN" (document 1): error converting YAML to JSON: yaml: line '
    )
    assert out.exit_code == 1
    assert _revision(c) == before
    assert c.kubectl("get cm a").exit_code == 1


def test_one_invalid_object_and_nothing_is_written(c: Cluster) -> None:
    before = _revision(c)
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n"
    )
    out = c.apply(text)
    # checkErr rebuilds an Invalid Status from its causes
    assert (out.stdout, out.stderr, out.exit_code) == (
        "",
        'The Pod "p" is invalid: spec.containers[0].image: Required value\n',
        1,
    )
    assert _revision(c) == before
    # real kubectl apply goes object by object: the ConfigMap is created, the Pod refused
    out = c.kubectl("apply -f -", stdin=text)
    assert (out.stdout, out.exit_code) == ("configmap/a created\n", 1)
    assert out.stderr == 'The Pod "p" is invalid: spec.containers[0].image: Required value\n'


def test_a_namespace_and_its_objects_in_one_apply(c: Cluster) -> None:
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: prod}\n"
    )
    assert c.apply(text) == "namespace/prod created\nconfigmap/settings created\n"
    assert c.kubectl("get cm settings -n prod -o name") == "configmap/settings\n"
    out = c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nope}\n")
    assert out.stderr == (
        'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found\n'
    )


def test_live_object_without_the_annotation_gets_a_warning(c: Cluster) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n"
    assert c.kubectl("create -f -", stdin=cm) == "configmap/cm created\n"
    out = c.apply(cm.replace("k: v", "k: w"))
    assert out.stdout == "configmap/cm configured\n"
    # apply.go warningNoLastAppliedConfigAnnotation, naming info.ObjectName()
    assert out.stderr == (
        "Warning: resource configmaps/cm is missing the kubectl.kubernetes.io/last-applied-"
        "configuration annotation which is required by kubectl apply. kubectl apply should "
        "only be used on resources created declaratively by either kubectl create "
        "--save-config or kubectl apply. The missing annotation will be patched "
        "automatically.\n"
    )


def test_apply_as_a_user_without_rights(c: Cluster) -> None:
    out = c.as_user("alice").apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n")
    assert out.exit_code == 1
    assert out.stderr == (
        "Error from server (Forbidden): error when retrieving current configuration of:\n"
        'Resource: "/v1, Resource=configmaps", GroupVersionKind: "/v1, Kind=ConfigMap"\n'
        'Name: "cm", Namespace: "default"\n'
        'from server for: "STDIN": configmaps "cm" is forbidden: User "alice" cannot get '
        'resource "configmaps" in API group "" in the namespace "default"\n'
    )


def test_namespace_flag_must_agree_with_the_manifest(c: Cluster) -> None:
    out = c.kubectl(
        "apply -f - -n kube-system",
        stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\n",
    )
    assert out.stderr == (
        'error: the namespace from the provided object "default" does not match the namespace '
        "\"kube-system\". You must pass '--namespace=default' to perform this operation.\n"
    )
    assert out.exit_code == 1
    out = c.kubectl("apply -f - -n kube-system", stdin="apiVersion: v1\nkind: ConfigMap\n"
                    "metadata: {name: cm}\n")  # fmt: skip
    assert out == "configmap/cm created\n"
    assert c.kubectl("get cm cm -n kube-system -o name") == "configmap/cm\n"


def test_server_side_dry_run_writes_nothing(c: Cluster) -> None:
    before = _revision(c)
    out = c.kubectl(
        "apply -f - --dry-run=server",
        stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
    )
    assert out == "configmap/cm created (server dry run)\n"
    assert _revision(c) == before
