"""``kubectl get`` against a live simulated cluster: each kind's table, the output formats,
selectors, several kinds at once, errors and watches.

Expected tables are written from the column definitions of
``pkg/printers/internalversion/printers.go`` (Kubernetes 1.32) and the tab writer kubectl
prints them with (``cli-runtime printers.GetNewTabWriter``: minimum width 6, padding 3);
AGE is ``duration.HumanDuration`` of the simulated clock. The other formats and messages are
``staging/src/k8s.io/kubectl/pkg/cmd/get/get.go``'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from kubelab import Cluster

OBJECTS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: web
    image: nginx:1.27
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: frontend}
spec:
  replicas: 3
  selector: {matchLabels: {tier: frontend}}
  template:
    metadata: {labels: {tier: frontend}}
    spec:
      containers: [{name: php, image: php:8}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: 10.96.12.34
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue, size: large}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: node-1, namespace: kube-node-lease}
spec: {holderIdentity: node-1, leaseDurationSeconds: 40}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: Event
metadata: {name: web.1}
involvedObject: {kind: Pod, name: web, namespace: default}
reason: Scheduled
message: Successfully assigned default/web to node-1
type: Normal
source: {component: default-scheduler}
firstTimestamp: "2024-01-01T00:00:10Z"
lastTimestamp: "2024-01-01T00:00:10Z"
count: 1
"""


def lines(*rows: str) -> str:
    """Rows of text, each ending in a newline."""
    return "".join(row + "\n" for row in rows)


@pytest.fixture(scope="module")
def c() -> Cluster:
    """Every object created in the first simulated second, then 75 s later."""
    cluster = Cluster(nodes=2, components=())
    out = cluster.apply(OBJECTS)
    assert out.exit_code == 0, out
    cluster.run(75)
    return cluster


TABLES = {
    "get pods": lines(
        "NAME   READY   STATUS    RESTARTS   AGE",
        "web    0/1     Pending   0          75s",
    ),
    "get deployments": lines(
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE",
        "web    0/2     0            0           75s",
    ),
    "get rs": lines(
        "NAME       DESIRED   CURRENT   READY   AGE",
        "frontend   3         0         0       75s",
    ),
    "get svc": lines(
        "NAME   TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)   AGE",
        "web    ClusterIP   10.96.12.34   <none>        80/TCP    75s",
    ),
    "get cm": lines("NAME       DATA   AGE", "settings   2      75s"),
    "get secrets": lines("NAME    TYPE     DATA   AGE", "creds   Opaque   1      75s"),
    "get sa": lines("NAME      SECRETS   AGE", "default   0         75s"),
    "get ns": lines(
        "NAME              STATUS   AGE",
        "default           Active   75s",
        "kube-node-lease   Active   75s",
        "kube-public       Active   75s",
        "kube-system       Active   75s",
    ),
    "get nodes": lines(
        "NAME     STATUS   ROLES    AGE   VERSION",
        "node-1   Ready    <none>   75s   v1.32.0",
        "node-2   Ready    <none>   75s   v1.32.0",
    ),
    "get leases -n kube-node-lease": lines("NAME     HOLDER   AGE", "node-1   node-1   75s"),
    # kinds without a printer get the server's default table (rest/table.go)
    "get roles": lines("NAME         CREATED AT", "pod-reader   2024-01-01T00:00:00Z"),
    "get rolebindings": lines(
        "NAME        ROLE              AGE",
        "read-pods   Role/pod-reader   75s",
    ),
    # printEvent: LAST SEEN is lastTimestamp's age; OBJECT is kind/name lower-cased
    "get events": lines(
        "LAST SEEN   TYPE     REASON      OBJECT    MESSAGE",
        "65s         Normal   Scheduled   pod/web   Successfully assigned default/web to node-1",
    ),
}


@pytest.mark.parametrize("command", sorted(TABLES))
def test_each_kinds_table(c: Cluster, command: str) -> None:
    out = c.kubectl(command)
    assert (out.stdout, out.stderr, out.exit_code) == (TABLES[command], "", 0)


def test_wide_all_namespaces_labels_and_no_headers(c: Cluster) -> None:
    assert c.kubectl("get pods -o wide") == (
        "NAME   READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   "
        "READINESS GATES\n"
        "web    0/1     Pending   0          75s   <none>   <none>   <none>           <none>\n"
    )
    assert c.kubectl("get svc web -o wide") == lines(
        "NAME   TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)   AGE   SELECTOR",
        "web    ClusterIP   10.96.12.34   <none>        80/TCP    75s   app=web",
    )
    assert c.kubectl("get pods -A") == lines(
        "NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE",
        "default     web    0/1     Pending   0          75s",
    )
    assert c.kubectl("get pods --show-labels") == lines(
        "NAME   READY   STATUS    RESTARTS   AGE   LABELS",
        "web    0/1     Pending   0          75s   app=web",
    )
    assert c.kubectl("get pods -L app,tier") == lines(
        "NAME   READY   STATUS    RESTARTS   AGE   APP   TIER",
        "web    0/1     Pending   0          75s   web   ",
    )
    # without the header row the columns are only as wide as the cells (minimum 6)
    assert c.kubectl("get pods --no-headers") == "web   0/1   Pending   0     75s\n"


def test_selectors(c: Cluster) -> None:
    assert c.kubectl("get pods -l app=web -o name") == "pod/web\n"
    assert c.kubectl("get pods --field-selector metadata.name=web -o name") == "pod/web\n"
    out = c.kubectl("get pods -l app=db")
    assert (out.stdout, out.stderr, out.exit_code) == (
        "",
        "No resources found in default namespace.\n",
        0,
    )
    out = c.kubectl("get pods -l app=db -n kube-system")
    assert out.stderr == "No resources found in kube-system namespace.\n"
    # request sent: the server filters (KUBECTL.md 1.4: ?labelSelector=app%3Dweb&limit=500)
    ctx = c.apiservers["cp-1"].last_trace("list")
    assert ctx is not None
    assert ctx.request.query == {"labelSelector": "app=db", "limit": "500"}


def test_output_formats(c: Cluster) -> None:
    pod = json.loads(c.kubectl("get pod web -o json"))
    assert (pod["kind"], pod["metadata"]["name"]) == ("Pod", "web")
    listed = json.loads(c.kubectl("get pods -o json"))
    # get.go printGeneric: several objects (or a list request) print as a List
    assert listed["kind"] == "List" and listed["apiVersion"] == "v1"
    assert listed["metadata"] == {"resourceVersion": ""}
    assert [(i["kind"], i["apiVersion"]) for i in listed["items"]] == [("Pod", "v1")]
    yaml_text = c.kubectl("get cm settings -o yaml").stdout
    assert yaml_text.startswith("apiVersion: v1\ndata:\n  color: blue\n  size: large\nkind: ")
    assert c.kubectl("get deploy,rs -o name") == lines(
        "deployment.apps/web",
        "replicaset.apps/frontend",
    )
    assert c.kubectl("get pod web -o jsonpath={.spec.containers[0].image}") == "nginx:1.27"
    assert c.kubectl("get pods -o jsonpath='{.items[*].metadata.name}'") == "web"
    columns = "NAME:.metadata.name,IMAGE:.spec.containers[0].image"
    assert c.kubectl(f"get pods -o custom-columns={columns}") == lines(
        "NAME   IMAGE",
        "web    nginx:1.27",
    )


def test_several_kinds_print_with_their_kind(c: Cluster) -> None:
    assert c.kubectl("get pods,cm") == lines(
        "NAME      READY   STATUS    RESTARTS   AGE",
        "pod/web   0/1     Pending   0          75s",
        "",
        "NAME                 DATA   AGE",
        "configmap/settings   2      75s",
    )
    out = c.kubectl("get all")
    assert out.stdout.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    names = [line.split()[0] for line in out.stdout.splitlines() if "/" in line]
    # the "all" category, in discovery order
    assert names == ["pod/web", "service/web", "deployment.apps/web", "replicaset.apps/frontend"]


def test_sort_by() -> None:
    c = Cluster(nodes=1, components=())
    for name, image in (("b", "redis:7"), ("a", "nginx:1"), ("c", "alpine:3")):
        c.apply(
            f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\n"
            f"spec: {{containers: [{{name: x, image: '{image}'}}]}}\n"
        )
    by_image = c.kubectl("get pods --sort-by=.spec.containers[0].image -o name")
    assert by_image == "pod/c\npod/a\npod/b\n"
    out = c.kubectl("get pods --sort-by=.metadata.name --no-headers")
    assert [line.split()[0] for line in out.stdout.splitlines()] == ["a", "b", "c"]


def test_errors(c: Cluster) -> None:
    out = c.kubectl("get pod nope")
    assert (out.stdout, out.stderr, out.exit_code) == (
        "",
        'Error from server (NotFound): pods "nope" not found\n',
        1,
    )
    out = c.kubectl("get deploy nope")
    assert out.stderr == ('Error from server (NotFound): deployments.apps "nope" not found\n')
    out = c.kubectl("get pod web nope")
    assert out.stdout == TABLES["get pods"]
    assert out.stderr == 'Error from server (NotFound): pods "nope" not found\n'
    assert out.exit_code == 1
    out = c.kubectl("get podz")
    assert (out.stderr, out.exit_code) == (
        'error: the server doesn\'t have a resource type "podz"\n',
        1,
    )
    out = c.kubectl("get")
    assert out.stderr == (
        'You must specify the type of resource to get. Use "kubectl api-resources" for a '
        "complete list of supported resources.\n\n"
        "error: Required resource not specified.\n"
        'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. '
        "kubectl explain pods).\n"
        "See 'kubectl get -h' for help and examples\n"
    )
    assert out.exit_code == 1
    assert c.kubectl("get pod nope --ignore-not-found") == ""
    assert c.kubectl("get pod nope --ignore-not-found").exit_code == 0


def _later(c: Cluster, delay: float, fn: Callable[[], object]) -> None:
    ev = c.world.env.timeout(delay)
    ev.callbacks.append(lambda _e: fn())


def test_watch_prints_a_row_per_event() -> None:
    c = Cluster(nodes=1, components=())
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: first}\n"
            "spec: {containers: [{name: c, image: nginx}]}\n")  # fmt: skip
    other = c.client_for("workstation", "kubernetes-super-admin", ["system:masters"])
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "second-pod"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    _later(c, 1.0, lambda: other.create_async(pod))
    _later(c, 2.0, lambda: other.patch_async("pods", "first", {"metadata": {"labels": {"a": "b"}}},
                                             "default"))  # fmt: skip
    start = c.world.now
    out = c.kubectl("get pods -w")
    assert c.world.now - start == pytest.approx(5.0, abs=0.05)  # the default --duration
    # the list is one table; each event is flushed on its own, so it is aligned alone (the
    # second pod is new when it arrives: 0s old; the first was made in second 0)
    assert out.stdout == lines(
        "NAME    READY   STATUS    RESTARTS   AGE",
        "first   0/1     Pending   0          0s",
        "second-pod   0/1   Pending   0     0s",
        "first   0/1   Pending   0     2s",
    )
    assert out.exit_code == 0
    # one object by name: its row, then changes only (the replayed ADDED event is dropped)
    _later(c, 0.5, lambda: other.patch_async("pods", "first", {"metadata": {"labels": {"a": "c"}}},
                                             "default"))  # fmt: skip
    out = c.kubectl("get pod first -w --duration=2s -o name")
    assert out.stdout == "pod/first\npod/first\n"


def test_watch_on_an_empty_list_prints_the_header_with_the_first_row() -> None:
    c = Cluster(nodes=1, components=())
    other = c.client_for("workstation", "kubernetes-super-admin", ["system:masters"])
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}}
    _later(c, 1.0, lambda: other.create_async(cm))
    out = c.kubectl("get cm -w --duration=3s")
    assert out.stdout == "NAME   DATA   AGE\nlate   0      0s\n"
    out = c.kubectl("get pods,cm -w")
    assert out.stderr == (
        "error: watch is only supported on individual resources and resource collections, "
        "but 2 resources were found\n"
    )
