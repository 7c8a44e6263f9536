"""The kubectl verbs besides ``get`` and ``apply``, against a live simulated cluster.

Expected texts are kubectl 1.32's: ``describe.go`` (events found by involvedObject
name/namespace/uid, ``\\n\\n`` between objects, name-prefix matching), ``delete.go``
(``pod "web" deleted``, ``force deleted``, the wait), ``label.go`` / ``annotate.go``
(``labeled``/``unlabeled``/``not labeled``, the ``--overwrite`` errors), ``patch.go``
(``patched``/``patched (no change)``), ``drain.go`` cordon, ``taint.go``, ``scale.go``,
``apiresources.go``, ``version.go``, ``clusterinfo.go``; requests as recorded in
``reference/KUBECTL.md`` section 1.4.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kubelab import Cluster

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{app: web}}}}\n"
    "spec: {{{node}containers: [{{name: c, image: nginx}}]}}\n"
)


def pod(name: str, node: str = "") -> str:
    return POD.format(name=name, node=f"nodeName: {node}, " if node else "")


def _last(c: Cluster, verb: str, resource: str) -> Any:
    traces = [
        t
        for t in c.apiservers["cp-1"].traces.values()
        if t.info.verb == verb and t.info.resource == resource
    ]
    return traces[-1]


@pytest.fixture
def c() -> Cluster:
    return Cluster(nodes=2, components=())


# -- describe ----------------------------------------------------------------------------------


def test_describe_shows_the_objects_own_events(c: Cluster) -> None:
    c.apply(pod("web"))
    uid = json.loads(c.kubectl("get pod web -o json"))["metadata"]["uid"]
    events = "".join(
        f"---\napiVersion: v1\nkind: Event\nmetadata: {{name: {n}}}\n"
        f"involvedObject: {{kind: Pod, name: {target}, namespace: default, uid: '{u}'}}\n"
        f"reason: {reason}\nmessage: {msg}\ntype: Normal\nsource: {{component: {src}}}\n"
        'firstTimestamp: "2024-01-01T00:00:10Z"\nlastTimestamp: "2024-01-01T00:00:10Z"\n'
        "count: 1\n"
        for n, target, u, reason, msg, src in (
            ("web.1", "web", uid, "Scheduled", "Successfully assigned default/web to node-1",
             "default-scheduler"),
            ("other.1", "other", "x", "Pulled", "not about web", "kubelet"),
            ("web.old", "web", "an-earlier-web", "Killing", "an older pod of the same name",
             "kubelet"),
        )
    )  # fmt: skip
    assert c.apply(events).exit_code == 0
    c.run(75)
    out = c.kubectl("describe pod web")
    assert out.exit_code == 0
    assert out.stdout.startswith("Name:             web\nNamespace:        default\n")
    # describe.go DescribeEvents: its own tab writer (padding 2), Age = first seen
    assert out.stdout.endswith(
        "Events:\n"
        "  Type    Reason     Age   From               Message\n"
        "  ----    ------     ----  ----               -------\n"
        "  Normal  Scheduled  65s   default-scheduler  Successfully assigned default/web to "
        "node-1\n"
    )
    # the events request: KUBECTL.md 1.4 (name, namespace and uid of the object)
    ctx = _last(c, "list", "events")
    assert ctx.request.query["fieldSelector"] == (
        f"involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid={uid}"
    )


def test_describe_by_prefix_several_and_none(c: Cluster) -> None:
    c.apply(pod("web-1") + "---\n" + pod("web-2"))
    one = c.kubectl("describe pod web-1").stdout
    assert one.endswith("Events:                      <none>\n")
    # several objects: two blank lines between them ("\n\n%s"), and no events
    both = c.kubectl("describe pods")
    assert re.findall(r"^Name: +(\S+)$", both.stdout, re.M) == ["web-1", "web-2"]
    assert "Events:" not in both.stdout
    assert "\n\n\nName:             web-2\n" in both.stdout
    # no object called "web": every object whose name starts so, each followed by "\n"
    prefixed = c.kubectl("describe pods web")
    assert prefixed.stdout == both.stdout.replace("\n\n\nName:", "\n\nName:") + "\n"
    assert c.kubectl("describe pods web --show-events").stdout.count("Events:") == 2
    out = c.kubectl("describe pod nope")
    assert (out.stdout, out.stderr, out.exit_code) == (
        "",
        'Error from server (NotFound): pods "nope" not found\n',
        1,
    )
    out = c.kubectl("describe cm")
    assert (out.stdout, out.stderr) == ("", "No resources found in default namespace.\n")


def test_describe_node_lists_its_pods(c: Cluster) -> None:
    c.apply(pod("bound", node="node-1"))
    out = c.kubectl("describe node node-1")
    assert out.stdout.startswith("Name:               node-1\nRoles:              <none>\n")
    assert "Non-terminated Pods:          (1 in total)" in out.stdout
    assert re.search(r"^  default +bound +0 \(0%\)", out.stdout, re.M)


# -- delete ------------------------------------------------------------------------------------


def test_delete_an_unscheduled_pod(c: Cluster) -> None:
    c.apply(pod("web"))
    out = c.kubectl("delete pod web")
    assert (out.stdout, out.stderr, out.exit_code) == ('pod "web" deleted\n', "", 0)
    # KUBECTL.md 1.4: DELETE with {"propagationPolicy":"Background"}
    assert _last(c, "delete", "pods").request.body == {"propagationPolicy": "Background"}
    assert c.kubectl("get pod web").exit_code == 1
    out = c.kubectl("delete pod web")
    assert (out.stderr, out.exit_code) == (
        'Error from server (NotFound): pods "web" not found\n',
        1,
    )
    assert c.kubectl("delete pod web --ignore-not-found") == ""


def test_delete_waits_for_a_pod_no_kubelet_will_stop(c: Cluster) -> None:
    c.apply(pod("bound", node="node-1"))
    start = c.world.now
    out = c.kubectl("delete pod bound --timeout=5s")
    assert out.stdout == 'pod "bound" deleted\n'
    # wait.go: the condition never came true within --timeout
    assert out.stderr == "error: timed out waiting for the condition on pods/bound\n"
    assert out.exit_code == 1
    assert c.world.now - start == pytest.approx(5.0, abs=0.05)
    status = c.kubectl("get pod bound").stdout.splitlines()[1].split()[2]
    assert status == "Terminating"
    out = c.kubectl("delete pod bound --grace-period=0 --force")
    assert out.stdout == 'pod "bound" force deleted\n'
    assert out.stderr == (
        "Warning: Immediate deletion does not wait for confirmation that the running resource "
        "has been terminated. The resource may continue to run on the cluster indefinitely.\n"
    )
    # delete.go warns before it deletes: a terminal shows the warning first
    assert str(out) == out.stderr + out.stdout
    assert _last(c, "delete", "pods").request.body == {
        "propagationPolicy": "Background",
        "gracePeriodSeconds": 0,
    }
    assert c.kubectl("get pod bound").exit_code == 1


def test_delete_by_selector_all_and_output_name(c: Cluster) -> None:
    c.apply(pod("a") + "---\n" + pod("b"))
    assert c.kubectl("delete pods -l app=web -o name") == "pod/a\npod/b\n"
    out = c.kubectl("delete pods --all")
    assert (out.stdout, out.exit_code) == ("No resources found\n", 0)
    c.apply(DEPLOY)
    assert c.kubectl("delete deployment web --cascade=foreground --wait=false") == (
        'deployment.apps "web" deleted\n'
    )
    assert _last(c, "delete", "deployments").request.body == {"propagationPolicy": "Foreground"}


DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""


# -- label, annotate, patch -------------------------------------------------------------------


def test_label(c: Cluster) -> None:
    c.apply(pod("web"))
    assert c.kubectl("label pod web tier=front") == "pod/web labeled\n"
    # KUBECTL.md 1.4: GET, then a JSON merge patch
    ctx = _last(c, "patch", "pods")
    assert ctx.request.content_type == "application/merge-patch+json"
    assert ctx.request.body == {"metadata": {"labels": {"tier": "front"}}}
    out = c.kubectl("label pod web tier=back")
    assert (out.stdout, out.stderr, out.exit_code) == (
        "",
        "error: 'tier' already has a value (front), and --overwrite is false\n",
        1,
    )
    assert c.kubectl("label pod web tier=back --overwrite") == "pod/web labeled\n"
    assert c.kubectl("label pod web tier-") == "pod/web unlabeled\n"
    assert c.kubectl("label pod web gone-") == 'label "gone" not found.\npod/web not labeled\n'
    assert c.kubectl("get pod web -o jsonpath={.metadata.labels}") == '{"app":"web"}'
    out = c.kubectl("label pod nope a=b")
    assert out.stderr == 'Error from server (NotFound): pods "nope" not found\n'


def test_annotate(c: Cluster) -> None:
    c.apply(pod("web"))
    assert c.kubectl("annotate pod web note=hello") == "pod/web annotated\n"
    out = c.kubectl("annotate pod web note=bye")
    assert out.stderr == (
        "error: --overwrite is false but found the following declared annotation(s): 'note' "
        "already has a value (hello)\n"
    )
    assert out.exit_code == 1
    assert c.kubectl("annotate pod web note=bye --overwrite") == "pod/web annotated\n"
    # the change-cause annotation may always be overwritten
    c.kubectl("annotate pod web kubernetes.io/change-cause=one")
    assert c.kubectl("annotate pod web kubernetes.io/change-cause=two") == "pod/web annotated\n"


def test_patch(c: Cluster) -> None:
    c.apply(DEPLOY)
    out = c.kubectl("""patch deployment web -p '{"spec":{"replicas":3}}'""")
    assert out == "deployment.apps/web patched\n"
    assert _last(c, "patch", "deployments").request.content_type == (
        "application/strategic-merge-patch+json"
    )
    out = c.kubectl("""patch deployment web -p '{"spec":{"replicas":3}}'""")
    assert out == "deployment.apps/web patched (no change)\n"
    out = c.kubectl("""patch deployment web --type merge -p '{"metadata":{"labels":{"x":"y"}}}'""")
    assert out == "deployment.apps/web patched\n"
    ops = '[{"op":"replace","path":"/spec/replicas","value":4}]'
    out = c.kubectl(f"patch deployment web --type json -p '{ops}'")
    assert out == "deployment.apps/web patched\n"
    assert c.kubectl("get deploy web -o jsonpath={.spec.replicas}") == "4"
    out = c.kubectl("patch deployment web --type foo -p '{}'")
    assert (out.stderr, out.exit_code) == (
        'error: --type must be one of [json merge strategic], not "foo"\n',
        1,
    )


# -- nodes and scale ---------------------------------------------------------------------------


def test_cordon_and_uncordon(c: Cluster) -> None:
    assert c.kubectl("cordon node-1") == "node/node-1 cordoned\n"
    ctx = _last(c, "patch", "nodes")
    assert ctx.request.content_type == "application/strategic-merge-patch+json"
    assert ctx.request.body == {"spec": {"unschedulable": True}}
    assert c.kubectl("cordon node-1") == "node/node-1 already cordoned\n"
    # printNode: SchedulingDisabled joins the status
    assert c.kubectl("get node node-1 --no-headers").split()[1] == "Ready,SchedulingDisabled"
    assert c.kubectl("uncordon node-1") == "node/node-1 uncordoned\n"
    assert _last(c, "patch", "nodes").request.body == {"spec": {"unschedulable": None}}
    assert c.kubectl("uncordon node-1") == "node/node-1 already uncordoned\n"


def test_taint(c: Cluster) -> None:
    assert c.kubectl("taint nodes node-2 dedicated=gpu:NoSchedule") == "node/node-2 tainted\n"
    taints = json.loads(c.kubectl("get node node-2 -o jsonpath={.spec.taints}"))
    assert taints == [{"effect": "NoSchedule", "key": "dedicated", "value": "gpu"}]
    out = c.kubectl("taint nodes node-2 dedicated=cpu:NoSchedule")
    assert out.stderr == (
        "error: node node-2 already has dedicated taint(s) with same effect(s) and --overwrite "
        "is false\n"
    )
    assert c.kubectl("taint nodes node-2 dedicated:NoSchedule-") == "node/node-2 untainted\n"
    out = c.kubectl("taint nodes node-2 dedicated:NoSchedule-")
    assert (out.stderr, out.exit_code) == ('error: taint "dedicated:NoSchedule" not found\n', 1)
    out = c.kubectl("taint nodes node-2 a=b:Sometimes")
    assert out.stderr.startswith("error: invalid taint effect: Sometimes, unsupported taint effect")


def test_scale(c: Cluster) -> None:
    c.apply(DEPLOY)
    assert c.kubectl("scale deployment web --replicas=5") == "deployment.apps/web scaled\n"
    # KUBECTL.md: a merge patch of the scale subresource
    ctx = _last(c, "patch", "deployments")
    assert ctx.info.subresource == "scale"
    assert ctx.request.content_type == "application/merge-patch+json"
    assert ctx.request.body == {"spec": {"replicas": 5}}
    assert c.kubectl("get deploy web -o jsonpath={.spec.replicas}") == "5"
    out = c.kubectl("scale deployment web")
    assert out.stderr == 'error: required flag(s) "replicas" not set\n'


# -- create and replace ------------------------------------------------------------------------


def test_create_and_replace(c: Cluster) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n"
    assert c.kubectl("create -f -", stdin=cm) == "configmap/cm created\n"
    ctx = _last(c, "create", "configmaps")
    assert ctx.request.query == {"fieldManager": "kubectl-create", "fieldValidation": "Strict"}
    out = c.kubectl("create -f -", stdin=cm)
    assert (out.stderr, out.exit_code) == (
        'Error from server (AlreadyExists): error when creating "STDIN": configmaps "cm" '
        "already exists\n",
        1,
    )
    assert c.kubectl("replace -f -", stdin=cm.replace("k: v", "k: w")) == "configmap/cm replaced\n"
    assert _last(c, "update", "configmaps").request.query == {
        "fieldManager": "kubectl-replace",
        "fieldValidation": "Strict",
    }
    assert c.kubectl("get cm cm -o jsonpath={.data.k}") == "w"
    out = c.kubectl("replace -f -", stdin=cm.replace("name: cm", "name: nope"))
    assert out.stderr == (
        'Error from server (NotFound): error when replacing "STDIN": configmaps "nope" not found\n'
    )
    assert c.kubectl("create namespace prod") == "namespace/prod created\n"
    assert c.kubectl("get ns prod -o name") == "namespace/prod\n"


# -- discovery, version, cluster-info, explain -------------------------------------------------


def test_api_resources_and_versions(c: Cluster) -> None:
    out = c.kubectl("api-resources")
    rows = [line.split() for line in out.stdout.splitlines()]
    assert rows[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert ["pods", "po", "v1", "true", "Pod"] in rows
    assert ["nodes", "no", "v1", "false", "Node"] in rows
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in rows
    assert ["roles", "rbac.authorization.k8s.io/v1", "true", "Role"] in rows
    # the columns line up: every cell of a column starts where its header does
    header = out.stdout.splitlines()[0]
    start = header.index("APIVERSION")
    assert all(line[start - 1] == " " and line[start] != " " for line in out.stdout.splitlines())
    cluster_scoped = c.kubectl("api-resources --namespaced=false -o name").stdout.split()
    assert "nodes" in cluster_scoped and "namespaces" in cluster_scoped
    assert "clusterroles.rbac.authorization.k8s.io" in cluster_scoped
    assert "pods" not in cluster_scoped
    versions = c.kubectl("api-versions").stdout.split()
    assert versions == sorted(versions)
    assert {"v1", "apps/v1", "rbac.authorization.k8s.io/v1"} <= set(versions)


def test_version_and_cluster_info(c: Cluster) -> None:
    assert c.kubectl("version") == (
        "Client Version: v1.32.0\nKustomize Version: v5.5.0\nServer Version: v1.32.0\n"
    )
    assert c.kubectl("version --client") == "Client Version: v1.32.0\nKustomize Version: v5.5.0\n"
    assert c.kubectl("cluster-info") == (
        "Kubernetes control plane is running at https://cp-1:6443\n"
        "\n"
        "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    )


def test_explain(c: Cluster) -> None:
    out = c.kubectl("explain pods")
    assert out.stdout.startswith("KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n")
    assert "\nFIELDS:\n  apiVersion\t<string>\n" in out.stdout
    assert "\n  spec\t<PodSpec>\n" in out.stdout
    assert "abbreviated" in out.stdout
    spec = c.kubectl("explain pod.spec").stdout
    assert "FIELD: spec <PodSpec>" in spec
    assert "\n  containers\t<[]Container> -required-\n" in spec
    deploy = c.kubectl("explain deployments.spec.replicas").stdout
    assert deploy.startswith(
        "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n"
    )
    out = c.kubectl("explain pods.spec.nope")
    assert (out.stderr, out.exit_code) == ('error: field "nope" does not exist\n', 1)


def test_parse_errors_pass_through(c: Cluster) -> None:
    out = c.kubectl("frobnicate pods")
    assert out.exit_code == 1
    assert out.stderr.startswith('error: unknown command "frobnicate" for "kubectl"')
    out = c.kubectl("get pods --bogus")
    assert out.stderr == "error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n"


def test_create_generators(c: Cluster) -> None:
    # create_deployment.go: labels app=<name>, one container per image named after it; the
    # typed struct's empty fields as it serializes them (creationTimestamp: null, {} structs)
    out = c.kubectl("create deployment web --image=nginx --dry-run=client -o yaml")
    assert out.stdout == lines(
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  creationTimestamp: null",
        "  labels:",
        "    app: web",
        "  name: web",
        "spec:",
        "  replicas: 1",
        "  selector:",
        "    matchLabels:",
        "      app: web",
        "  strategy: {}",
        "  template:",
        "    metadata:",
        "      creationTimestamp: null",
        "      labels:",
        "        app: web",
        "    spec:",
        "      containers:",
        "      - image: nginx",
        "        name: nginx",
        "        resources: {}",
        "status: {}",
    )
    assert c.kubectl("get deploy").stderr == "No resources found in default namespace.\n"
    out = c.kubectl("create deployment web --image=registry.k8s.io/pause:3.10 --replicas=2")
    assert out == "deployment.apps/web created\n"
    spec = json.loads(c.kubectl("get deploy web -o json"))["spec"]
    assert spec["replicas"] == 2
    assert spec["template"]["spec"]["containers"][0]["name"] == "pause"
    out = c.kubectl("create configmap cm --from-literal=a=1 --from-literal=b=2")
    assert out == "configmap/cm created\n"
    assert c.kubectl("get cm cm -o jsonpath={.data}") == '{"a":"1","b":"2"}'
    assert c.kubectl("create serviceaccount robot -o name") == "serviceaccount/robot\n"


def test_raw_get_and_server_warnings(c: Cluster) -> None:
    assert c.kubectl("get --raw /healthz") == "ok"
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\nfoo: 1\n"
    out = c.kubectl("apply -f - --validate=warn", stdin=cm)
    # fieldValidation=Warn: the server's warning header, printed once as "Warning: ..."
    assert (out.stdout, out.stderr) == ("configmap/cm created\n", 'Warning: unknown field "foo"\n')
    out = c.kubectl("create -f -", stdin=cm.replace("name: cm", "name: cm2"))
    assert out.stderr == (
        'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" '
        'cannot be handled as a ConfigMap: strict decoding error: unknown field "foo"\n'
    )
    out = c.kubectl("scale pod web --replicas=2")
    assert out.stderr == (
        "Error from server (NotFound): the server could not find the requested resource\n"
    )


def lines(*rows: str) -> str:
    """Rows of text, each ending in a newline."""
    return "".join(row + "\n" for row in rows)


def test_describe_names_the_reporting_component(c: Cluster) -> None:
    # events.k8s.io-era reporters fill reportingComponent (the core Event's JSON name for
    # ReportingController) and no source: describe.go formatEventSource falls back to it
    c.apply(pod("web"))
    uid = json.loads(c.kubectl("get pod web -o json"))["metadata"]["uid"]
    event = (
        "apiVersion: v1\nkind: Event\nmetadata: {name: web.2}\n"
        f"involvedObject: {{kind: Pod, name: web, namespace: default, uid: '{uid}'}}\n"
        "reason: Scheduled\nmessage: assigned\ntype: Normal\n"
        "reportingComponent: default-scheduler\nreportingInstance: default-scheduler-cp-1\n"
        'eventTime: "2024-01-01T00:00:00.500000Z"\naction: Binding\n'
    )
    assert c.apply(event).exit_code == 0
    last = c.kubectl("describe pod web").stdout.splitlines()[-1]
    assert last.split() == ["Normal", "Scheduled", "0s", "default-scheduler", "assigned"]
