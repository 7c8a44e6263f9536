"""``kubectl get`` tables, golden outputs.

Columns and cell rules are those of pkg/printers/internalversion/printers.go (Kubernetes 1.32:
the column definitions in ``AddHandlers`` and the ``print<Kind>`` functions); layout is
cli-runtime tableprinter.go + tabwriter.go (headers upper-cased, each column as wide as its
widest cell plus 3 spaces and at least 6, last column unpadded). The widths written next to each
expected table were worked out by hand from those rules.

Simulated time: objects created at 0 s are "2d7h" old at ``NOW`` = 200000 s (55 h 33 m:
HumanDuration prints days+hours between 48 h and 8 days).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kubelab.kubectl import columns, join_tables, no_resources_message, table
from kubelab.sim.clock import micro_timestamp, timestamp

NOW = 200000.0


def row(*cells: tuple[str, int] | str) -> str:
    """One expected line: ``(text, width)`` cells left-justified, then the unpadded last."""
    out = ""
    for cell in cells:
        out += cell[0].ljust(cell[1]) if isinstance(cell, tuple) else cell
    return out + "\n"


def meta(name: str, created: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": timestamp(created), **extra}


def running(name: str = "app", restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "ready": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": timestamp(1)}},
    }


def pod(name: str, status: dict[str, Any], created: float = 0.0, **spec: Any) -> dict[str, Any]:
    spec.setdefault("containers", [{"name": "app", "image": "nginx"}])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, created),
        "spec": spec,
        "status": status,
    }


# ----------------------------------------------------------------------------- pods


def test_pod_table_default_columns() -> None:
    pods = [
        pod("web-1", {"phase": "Running", "containerStatuses": [running()]}),
        pod(
            "pending-1",
            {
                "phase": "Pending",
                "containerStatuses": [
                    {
                        "name": "app",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }
                ],
            },
            created=199990,
        ),
        pod(
            "crash",
            {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "app",
                        "ready": False,
                        "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {
                            "terminated": {"exitCode": 1, "finishedAt": timestamp(199880)}
                        },
                    }
                ],
            },
            created=199800,
        ),
        {
            **pod("old", {"phase": "Running", "containerStatuses": [running()]}),
            "metadata": meta("old", 0, deletionTimestamp=timestamp(199990)),
        },
        pod(
            "job-x",
            {
                "phase": "Succeeded",
                "containerStatuses": [
                    {
                        "name": "app",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    }
                ],
            },
            created=199800,
        ),
    ]
    # NAME 9+3, READY 5+3, STATUS "ContainerCreating" 17+3, RESTARTS "4 (2m ago)" 10+3.
    w = (12, 8, 20, 13)
    expected = (
        row(("NAME", w[0]), ("READY", w[1]), ("STATUS", w[2]), ("RESTARTS", w[3]), "AGE")
        + row(("web-1", w[0]), ("1/1", w[1]), ("Running", w[2]), ("0", w[3]), "2d7h")
        + row(("pending-1", w[0]), ("0/1", w[1]), ("ContainerCreating", w[2]), ("0", w[3]), "10s")
        + row(
            ("crash", w[0]),
            ("0/1", w[1]),
            ("CrashLoopBackOff", w[2]),
            ("4 (2m ago)", w[3]),
            "3m20s",
        )
        + row(("old", w[0]), ("1/1", w[1]), ("Terminating", w[2]), ("0", w[3]), "2d7h")
        + row(("job-x", w[0]), ("0/1", w[1]), ("Completed", w[2]), ("0", w[3]), "3m20s")
    )
    assert table("Pod", pods, NOW) == expected


def test_pod_table_wide_all_namespaces_show_labels() -> None:
    p1 = pod(
        "web-1",
        {
            "phase": "Running",
            "podIP": "10.244.1.5",
            "podIPs": [{"ip": "10.244.1.5"}],
            "conditions": [{"type": "example.com/ready", "status": "True"}],
            "containerStatuses": [running()],
        },
        nodeName="node-1",
        readinessGates=[{"conditionType": "example.com/ready"}],
    )
    p1["metadata"]["labels"] = {"tier": "fe", "app": "web"}
    p2 = pod("coredns-abc", {"phase": "Pending", "nominatedNodeName": "node-2"})
    p2["metadata"]["namespace"] = "kube-system"
    # NAMESPACE 11+3, NAME 11+3, READY 8, STATUS 7+3, RESTARTS 11, AGE 4+3, IP 10+3, NODE 6+3,
    # NOMINATED NODE 14+3, READINESS GATES 15+3, LABELS last.
    w = (14, 14, 8, 10, 11, 7, 13, 9, 17, 18)
    header = ("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE")
    header += ("NOMINATED NODE", "READINESS GATES")
    r1 = ("default", "web-1", "1/1", "Running", "0", "2d7h", "10.244.1.5", "node-1", "<none>")
    r1 += ("1/1",)
    r2 = ("kube-system", "coredns-abc", "0/1", "Pending", "0", "2d7h", "<none>", "<none>")
    r2 += ("node-2", "<none>")
    expected = (
        row(*zip(header, w, strict=True), "LABELS")
        + row(*zip(r1, w, strict=True), "app=web,tier=fe")
        + row(*zip(r2, w, strict=True), "<none>")
    )
    out = table("Pod", [p1, p2], NOW, wide=True, all_namespaces=True, show_labels=True)
    assert out == expected


def _cells(p: dict[str, Any]) -> list[str]:
    line = table("Pod", [p], NOW, no_headers=True).rstrip("\n")
    return re.split(r" {3,}", line)


INIT = [{"name": "init-a", "image": "busybox"}, {"name": "init-b", "image": "busybox"}]
DONE = {"name": "init-a", "restartCount": 0, "state": {"terminated": {"exitCode": 0}}}


@pytest.mark.parametrize(
    ("status", "spec", "ready", "want"),
    [
        # No container status yet: the phase.
        ({"phase": "Pending"}, {}, "0/1", "Pending"),
        # status.reason wins over the phase (e.g. kubelet eviction).
        ({"phase": "Failed", "reason": "Evicted"}, {}, "0/1", "Evicted"),
        # PodScheduled=False with reason SchedulingGated.
        (
            {
                "phase": "Pending",
                "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            },
            {},
            "0/1",
            "SchedulingGated",
        ),
        # First init container done, second running: Init:<index>/<count>.
        (
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    DONE,
                    {"name": "init-b", "restartCount": 0, "state": {"running": {}}},
                ],
            },
            {"initContainers": INIT},
            "0/1",
            "Init:1/2",
        ),
        # Waiting init container: Init:<reason>.
        (
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {
                        "name": "init-a",
                        "restartCount": 2,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    }
                ],
            },
            {"initContainers": INIT},
            "0/1",
            "Init:CrashLoopBackOff",
        ),
        # Failed init container without a reason: Init:ExitCode:<code> / Init:Signal:<n>.
        (
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {"name": "init-a", "restartCount": 0, "state": {"terminated": {"exitCode": 3}}}
                ],
            },
            {"initContainers": INIT},
            "0/1",
            "Init:ExitCode:3",
        ),
        (
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {
                        "name": "init-a",
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 137, "signal": 9}},
                    }
                ],
            },
            {"initContainers": INIT},
            "0/1",
            "Init:Signal:9",
        ),
        (
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {
                        "name": "init-a",
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 1, "reason": "Error"}},
                    }
                ],
            },
            {"initContainers": INIT},
            "0/1",
            "Init:Error",
        ),
        # Terminated container without reason: ExitCode:<code>.
        (
            {
                "phase": "Running",
                "containerStatuses": [
                    {"name": "app", "restartCount": 0, "state": {"terminated": {"exitCode": 2}}}
                ],
            },
            {},
            "0/1",
            "ExitCode:2",
        ),
        (
            {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "app",
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ImagePullBackOff"}},
                    }
                ],
            },
            {},
            "0/1",
            "ImagePullBackOff",
        ),
    ],
)
def test_pod_status_column(
    status: dict[str, Any], spec: dict[str, Any], ready: str, want: str
) -> None:
    cells = _cells(pod("p", status, **spec))
    assert cells[1] == ready
    assert cells[2] == want


TWO = [{"name": "main", "image": "a"}, {"name": "helper", "image": "b"}]


def _completed_and_running(ready_condition: str) -> dict[str, Any]:
    return pod(
        "p",
        {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": ready_condition}],
            "containerStatuses": [
                {
                    "name": "main",
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                },
                running("helper"),
            ],
        },
        containers=TWO,
    )


def test_completed_container_beside_a_running_one() -> None:
    # printPod: reason "Completed" with a running container becomes Running if the pod is
    # Ready, NotReady otherwise.
    assert _cells(_completed_and_running("True"))[1:3] == ["1/2", "Running"]
    assert _cells(_completed_and_running("False"))[1:3] == ["1/2", "NotReady"]


def test_terminating_unless_terminal_and_node_lost() -> None:
    base = pod("p", {"phase": "Running", "containerStatuses": [running()]})
    base["metadata"]["deletionTimestamp"] = timestamp(NOW)
    assert _cells(base)[2] == "Terminating"
    lost = {**base, "status": {**base["status"], "reason": "NodeLost"}}
    assert _cells(lost)[2] == "Unknown"
    done = pod(
        "p",
        {
            "phase": "Succeeded",
            "containerStatuses": [
                {
                    "name": "app",
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                }
            ],
        },
    )
    done["metadata"]["deletionTimestamp"] = timestamp(NOW)
    assert _cells(done)[2] == "Completed"


def test_restarts_sum_containers_and_show_the_latest_restart() -> None:
    statuses = [
        {
            **running("main", restarts=1),
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": timestamp(NOW - 600)}},
        },
        {
            **running("helper", restarts=2),
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": timestamp(NOW - 45)}},
        },
    ]
    p = pod("p", {"phase": "Running", "containerStatuses": statuses}, containers=TWO)
    assert _cells(p)[1:4] == ["2/2", "Running", "3 (45s ago)"]


def test_restarts_without_a_termination_time_have_no_suffix() -> None:
    p = pod("p", {"phase": "Running", "containerStatuses": [running(restarts=7)]})
    assert _cells(p)[3] == "7"


def test_sidecar_init_container_counts_in_ready() -> None:
    # A restartable (restartPolicy: Always) init container is counted in the total and, once
    # started and ready, as ready; its restarts count even after initialization.
    spec = {"initContainers": [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]}
    status = {
        "phase": "Running",
        "conditions": [{"type": "Initialized", "status": "True"}],
        "initContainerStatuses": [
            {
                "name": "proxy",
                "ready": True,
                "started": True,
                "restartCount": 1,
                "state": {"running": {}},
            }
        ],
        "containerStatuses": [running()],
    }
    assert _cells(pod("p", status, **spec))[1:4] == ["2/2", "Running", "1"]


# ----------------------------------------------------------------------------- nodes


def node(
    name: str, ready: str | None, labels: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    status: dict[str, Any] = {"nodeInfo": {"kubeletVersion": "v1.32.0"}}
    if ready is not None:
        status["conditions"] = [
            {"type": "MemoryPressure", "status": "False"},
            {"type": "Ready", "status": ready},
        ]
    m = {"name": name, "creationTimestamp": timestamp(0), "labels": labels or {}}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": m,
        "spec": {},
        "status": status,
        **extra,
    }


def test_node_table() -> None:
    cp = node("cp-1", "True", {"node-role.kubernetes.io/control-plane": ""})
    cordoned = node("node-1", "True")
    cordoned["spec"]["unschedulable"] = True
    down = node(
        "node-2", "False", {"kubernetes.io/role": "worker", "node-role.kubernetes.io/infra": ""}
    )
    unknown = node("node-3", None)
    # NAME 6+3, STATUS "Ready,SchedulingDisabled" 24+3, ROLES "control-plane" 13+3, AGE 4+3.
    w = (9, 27, 16, 7)
    expected = (
        row(("NAME", w[0]), ("STATUS", w[1]), ("ROLES", w[2]), ("AGE", w[3]), "VERSION")
        + row(("cp-1", w[0]), ("Ready", w[1]), ("control-plane", w[2]), ("2d7h", w[3]), "v1.32.0")
        + row(
            ("node-1", w[0]),
            ("Ready,SchedulingDisabled", w[1]),
            ("<none>", w[2]),
            ("2d7h", w[3]),
            "v1.32.0",
        )
        + row(
            ("node-2", w[0]), ("NotReady", w[1]), ("infra,worker", w[2]), ("2d7h", w[3]), "v1.32.0"
        )
        + row(("node-3", w[0]), ("Unknown", w[1]), ("<none>", w[2]), ("2d7h", w[3]), "v1.32.0")
    )
    assert table("Node", [cp, cordoned, down, unknown], NOW) == expected


def test_node_table_wide() -> None:
    cp = node("cp-1", "True", {"node-role.kubernetes.io/control-plane": ""})
    cp["status"]["addresses"] = [
        {"type": "Hostname", "address": "cp-1"},
        {"type": "InternalIP", "address": "172.18.0.2"},
    ]
    cp["status"]["nodeInfo"].update(
        osImage="Debian GNU/Linux 12 (bookworm)",
        kernelVersion="6.1.0",
        containerRuntimeVersion="containerd://1.7.13",
    )
    bare = node("node-1", "True")
    bare["status"]["nodeInfo"] = {}
    # NAME 6+3, STATUS 6+3, ROLES 13+3, AGE 4+3, VERSION 7+3, INTERNAL-IP 11+3, EXTERNAL-IP
    # 11+3, OS-IMAGE 30+3, KERNEL-VERSION 14+3.
    w = (9, 9, 16, 7, 10, 14, 14, 33, 17)
    h = ("NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE")
    h += ("KERNEL-VERSION",)
    r1 = ("cp-1", "Ready", "control-plane", "2d7h", "v1.32.0", "172.18.0.2", "<none>")
    r1 += ("Debian GNU/Linux 12 (bookworm)", "6.1.0")
    r2 = ("node-1", "Ready", "<none>", "2d7h", "", "<none>", "<none>", "<unknown>", "<unknown>")
    expected = (
        row(*zip(h, w, strict=True), "CONTAINER-RUNTIME")
        + row(*zip(r1, w, strict=True), "containerd://1.7.13")
        + row(*zip(r2, w, strict=True), "<unknown>")
    )
    assert table("Node", [cp, bare], NOW, wide=True) == expected


def test_nodes_are_not_namespaced_with_all_namespaces() -> None:
    out = table("Node", [node("n", "True")], NOW, all_namespaces=True)
    assert out.startswith("NAME ")


# ----------------------------------------------------------------------------- services


def svc(name: str, spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name),
        "spec": spec,
        "status": status or {},
    }


def test_service_table_wide() -> None:
    services = [
        svc(
            "kubernetes",
            {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.1",
                "clusterIPs": ["10.96.0.1"],
                "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
            },
        ),
        svc(
            "web",
            {
                "type": "NodePort",
                "clusterIPs": ["10.96.12.34"],
                "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}],
                "selector": {"app": "web"},
            },
        ),
        svc(
            "lb",
            {
                "type": "LoadBalancer",
                "clusterIP": "10.96.0.50",
                "ports": [{"port": 80, "nodePort": 31000, "protocol": "TCP"}],
                "selector": {"app": "lb"},
            },
        ),
        svc(
            "lb2",
            {
                "type": "LoadBalancer",
                "clusterIP": "10.96.0.51",
                "ports": [
                    {"port": 443, "nodePort": 32443, "protocol": "TCP"},
                    {"port": 53, "nodePort": 32053, "protocol": "UDP"},
                ],
            },
            {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
        ),
        svc("ext", {"type": "ExternalName", "externalName": "example.com"}),
        svc("headless", {"type": "ClusterIP", "clusterIP": "None", "ports": [{"port": 80}]}),
    ]
    # NAME 10+3, TYPE 12+3, CLUSTER-IP 11+3, EXTERNAL-IP 12+3, PORT(S) 26+3, AGE 4+3.
    w = (13, 15, 14, 15, 29, 7)
    h = ("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE")
    rows = [
        ("kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "2d7h", "<none>"),
        ("web", "NodePort", "10.96.12.34", "<none>", "80:30080/TCP", "2d7h", "app=web"),
        ("lb", "LoadBalancer", "10.96.0.50", "<pending>", "80:31000/TCP", "2d7h", "app=lb"),
        (
            "lb2",
            "LoadBalancer",
            "10.96.0.51",
            "203.0.113.10",
            "443:32443/TCP,53:32053/UDP",
            "2d7h",
            "<none>",
        ),
        ("ext", "ExternalName", "<none>", "example.com", "<none>", "2d7h", "<none>"),
        ("headless", "ClusterIP", "None", "<none>", "80/TCP", "2d7h", "<none>"),
    ]
    expected = row(*zip(h, w, strict=True), "SELECTOR") + "".join(
        row(*zip(r[:-1], w, strict=True), r[-1]) for r in rows
    )
    assert table("Service", services, NOW, wide=True) == expected
    assert columns("Service") == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]


# ----------------------------------------------------------------------------- workloads


def deployment(
    name: str,
    replicas: int,
    status: dict[str, Any],
    created: float,
    containers: list[Any],
    selector: dict[str, Any],
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, created),
        "spec": {
            "replicas": replicas,
            "selector": selector,
            "template": {"spec": {"containers": containers}},
        },
        "status": status,
    }


def test_deployment_table_wide() -> None:
    web = deployment(
        "web",
        3,
        {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
        199800,
        [{"name": "nginx", "image": "nginx:1.25"}, {"name": "sidecar", "image": "busybox"}],
        {"matchLabels": {"app": "web"}},
    )
    api = deployment(
        "api",
        1,
        {},
        0,
        [{"name": "api", "image": "example/api:v2"}],
        {"matchLabels": {"tier": "be", "app": "api"}},
    )
    # NAME 4+3, READY 5+3, UP-TO-DATE 10+3, AVAILABLE 9+3, AGE "3m20s" 5+3,
    # CONTAINERS "nginx,sidecar" 13+3, IMAGES "nginx:1.25,busybox" 18+3, SELECTOR last.
    w = (7, 8, 13, 12, 8, 16, 21)
    h = ("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES")
    r1 = ("web", "2/3", "3", "2", "3m20s", "nginx,sidecar", "nginx:1.25,busybox")
    r2 = ("api", "0/1", "0", "0", "2d7h", "api", "example/api:v2")
    expected = (
        row(*zip(h, w, strict=True), "SELECTOR")
        + row(*zip(r1, w, strict=True), "app=web")
        + row(*zip(r2, w, strict=True), "app=api,tier=be")
    )
    assert table("Deployment", [web, api], NOW, wide=True) == expected


def test_show_kind_prefixes_group() -> None:
    web = deployment("web", 1, {"readyReplicas": 1}, 0, [], {"matchLabels": {"a": "b"}})
    # tableprinter.go decorateTable: "<kind>.<group>/<name>", lower case (19+3 wide).
    expected = row(("NAME", 22), ("READY", 8), ("UP-TO-DATE", 13), ("AVAILABLE", 12), "AGE") + row(
        ("deployment.apps/web", 22), ("1/1", 8), ("0", 13), ("0", 12), "2d7h"
    )
    assert table("Deployment", [web], NOW, show_kind=True) == expected


def test_replica_set_table() -> None:
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta("web-5d4b9c8d7f"),
        "spec": {"replicas": 3},
        "status": {"replicas": 3, "readyReplicas": 2},
    }
    expected = row(("NAME", 17), ("DESIRED", 10), ("CURRENT", 10), ("READY", 8), "AGE") + row(
        ("web-5d4b9c8d7f", 17), ("3", 10), ("3", 10), ("2", 8), "2d7h"
    )
    assert table("ReplicaSet", [rs], NOW) == expected


# ----------------------------------------------------------------------------- config, rbac


def test_config_map_secret_service_account_namespace_lease() -> None:
    cm = {
        "kind": "ConfigMap",
        "metadata": meta("app-config", 199990),
        "data": {"a": "1", "b": "2"},
        "binaryData": {"c": "AAE="},
    }
    assert table("ConfigMap", [cm], NOW) == row(("NAME", 13), ("DATA", 7), "AGE") + row(
        ("app-config", 13), ("3", 7), "10s"
    )
    tls = {
        "kind": "Secret",
        "metadata": meta("tls"),
        "type": "kubernetes.io/tls",
        "data": {"a": "", "b": ""},
    }
    opaque = {"kind": "Secret", "metadata": meta("plain")}
    assert table("Secret", [tls, opaque], NOW) == (
        row(("NAME", 8), ("TYPE", 20), ("DATA", 7), "AGE")
        + row(("tls", 8), ("kubernetes.io/tls", 20), ("2", 7), "2d7h")
        + row(("plain", 8), ("Opaque", 20), ("0", 7), "2d7h")
    )
    sa = {"kind": "ServiceAccount", "metadata": meta("default")}
    assert table("ServiceAccount", [sa], NOW) == row(("NAME", 10), ("SECRETS", 10), "AGE") + row(
        ("default", 10), ("0", 10), "2d7h"
    )
    ns = {"kind": "Namespace", "metadata": meta("default"), "status": {"phase": "Active"}}
    assert table("Namespace", [ns], NOW) == row(("NAME", 10), ("STATUS", 9), "AGE") + row(
        ("default", 10), ("Active", 9), "2d7h"
    )
    held = {"kind": "Lease", "metadata": meta("node-1"), "spec": {"holderIdentity": "node-1"}}
    free = {"kind": "Lease", "metadata": meta("node-2"), "spec": {}}
    assert table("Lease", [held, free], NOW) == (
        row(("NAME", 9), ("HOLDER", 9), "AGE")
        + row(("node-1", 9), ("node-1", 9), "2d7h")
        + row(("node-2", 9), ("", 9), "2d7h")
    )


def test_role_binding_wide_and_roles_default_table() -> None:
    rb = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": meta("read-pods"),
        "roleRef": {"kind": "Role", "name": "pod-reader"},
        "subjects": [
            {"kind": "User", "name": "jane"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "default"},
            {"kind": "ServiceAccount", "name": "x", "namespace": "kube-system"},
        ],
    }
    # rbac.SubjectsStrings: service accounts as namespace/name, joined by ", ".
    w = (12, 18, 7, 8, 9)
    expected = row(
        *zip(("NAME", "ROLE", "AGE", "USERS", "GROUPS"), w, strict=True), "SERVICEACCOUNTS"
    ) + row(
        *zip(("read-pods", "Role/pod-reader", "2d7h", "jane", "devs"), w, strict=True),
        "default/ci, kube-system/x",
    )
    assert table("RoleBinding", [rb], NOW, wide=True) == expected
    # Roles have no printer: the API server's default table, NAME and CREATED AT (RFC 3339).
    role = {"kind": "Role", "metadata": meta("pod-reader")}
    assert table("Role", [role], NOW) == row(("NAME", 13), "CREATED AT") + row(
        ("pod-reader", 13), "2024-01-01T00:00:00Z"
    )


def test_resource_quota_columns_are_the_1_32_order() -> None:
    rq = {
        "kind": "ResourceQuota",
        "metadata": meta("compute-resources", 199990),
        "status": {
            "hard": {
                "requests.cpu": "1",
                "requests.memory": "1Gi",
                "limits.cpu": "2",
                "limits.memory": "2Gi",
                "pods": "4",
            },
            "used": {"requests.cpu": "500m", "pods": "1"},
        },
    }
    request = "pods: 1/4, requests.cpu: 500m/1, requests.memory: 0/1Gi"
    expected = row(("NAME", 20), ("AGE", 6), ("REQUEST", len(request) + 3), "LIMIT") + row(
        ("compute-resources", 20),
        ("10s", 6),
        (request, len(request) + 3),
        "limits.cpu: 0/2, limits.memory: 0/2Gi",
    )
    assert table("ResourceQuota", [rq], NOW) == expected
    assert columns("ResourceQuota") == ["NAME", "AGE", "REQUEST", "LIMIT"]


# ----------------------------------------------------------------------------- endpoints, events


def test_endpoints_and_endpoint_slices() -> None:
    web = {
        "kind": "Endpoints",
        "metadata": meta("web"),
        "subsets": [
            {
                "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
                "ports": [{"name": "http", "port": 80}, {"name": "metrics", "port": 9090}],
            }
        ],
    }
    empty = {"kind": "Endpoints", "metadata": meta("empty")}
    # formatEndpoints: at most three host:port, then "+ N more...".
    listed = "10.0.0.1:80,10.0.0.2:80,10.0.0.1:9090 + 1 more..."
    assert table("Endpoints", [web, empty], NOW) == (
        row(("NAME", 8), ("ENDPOINTS", len(listed) + 3), "AGE")
        + row(("web", 8), (listed, len(listed) + 3), "2d7h")
        + row(("empty", 8), ("<none>", len(listed) + 3), "2d7h")
    )
    eps = {
        "kind": "EndpointSlice",
        "metadata": meta("web-abc12"),
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
        "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]}],
    }
    bare = {"kind": "EndpointSlice", "metadata": meta("web-zzz"), "addressType": "IPv4"}
    w = (12, 14, 10, 20)
    assert table("EndpointSlice", [eps, bare], NOW) == (
        row(*zip(("NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS"), w, strict=True), "AGE")
        + row(*zip(("web-abc12", "IPv4", "80", "10.0.0.1,10.0.0.2"), w, strict=True), "2d7h")
        + row(*zip(("web-zzz", "IPv4", "<unset>", "<unset>"), w, strict=True), "2d7h")
    )


def test_events_table() -> None:
    scheduled = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta("web-1.1"),
        "type": "Normal",
        "reason": "Scheduled",
        "involvedObject": {"kind": "Pod", "name": "web-1"},
        "message": "Successfully assigned default/web-1 to node-1",
        "firstTimestamp": timestamp(199990),
        "lastTimestamp": timestamp(199990),
        "count": 1,
    }
    backoff = {
        **scheduled,
        "type": "Warning",
        "reason": "BackOff",
        "involvedObject": {"kind": "Pod", "name": "crash", "fieldPath": "spec.containers{app}"},
        "message": "Back-off restarting failed container\n",
        "firstTimestamp": timestamp(199800),
        "lastTimestamp": timestamp(199880),
        "count": 3,
    }
    w = (12, 10, 12, 12)
    assert table("Event", [scheduled, backoff], NOW) == (
        row(*zip(("LAST SEEN", "TYPE", "REASON", "OBJECT"), w, strict=True), "MESSAGE")
        + row(
            *zip(("10s", "Normal", "Scheduled", "pod/web-1"), w, strict=True),
            "Successfully assigned default/web-1 to node-1",
        )
        + row(
            *zip(("2m", "Warning", "BackOff", "pod/crash"), w, strict=True),
            "Back-off restarting failed container",
        )
    )


def test_new_api_event_wide() -> None:
    # events.k8s.io/v1: no first/last timestamps, eventTime and reportingController instead; a
    # singleton has count 1.
    ev = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": meta("web-1.17a"),
        "eventTime": micro_timestamp(199990.0),
        "reportingController": "default-scheduler",
        "reportingInstance": "",
        "type": "Normal",
        "reason": "Scheduled",
        "regarding": {"kind": "Pod", "name": "web-1"},
        "note": "ok",
    }
    w = (12, 9, 12, 12, 12, 20, 10, 13, 8)
    h = ("LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN")
    h += ("COUNT",)
    r = ("10s", "Normal", "Scheduled", "pod/web-1", "", "default-scheduler", "ok", "10s", "1")
    assert table("Event", [ev], NOW, wide=True) == row(*zip(h, w, strict=True), "NAME") + row(
        *zip(r, w, strict=True), "web-1.17a"
    )


# ----------------------------------------------------------------------------- empty, several kinds


def test_empty_list_prints_nothing_and_the_stderr_message() -> None:
    # get.go: no output at all, then "No resources found in <ns> namespace." on stderr, or
    # "No resources found" for cluster-scoped kinds and --all-namespaces.
    assert table("Pod", [], NOW) == ""
    assert no_resources_message("Pod", "default") == "No resources found in default namespace.\n"
    assert no_resources_message("Pod", "prod") == "No resources found in prod namespace.\n"
    assert no_resources_message("Pod", "default", all_namespaces=True) == "No resources found\n"
    assert no_resources_message("Node") == "No resources found\n"


def test_no_headers_and_several_tables() -> None:
    cm = {"kind": "ConfigMap", "metadata": meta("c"), "data": {}}
    sa = {"kind": "ServiceAccount", "metadata": meta("s")}
    a = table("ConfigMap", [cm], NOW)
    b = table("ServiceAccount", [sa], NOW)
    assert join_tables([a, b]) == a + "\n" + b
    assert table("ConfigMap", [cm], NOW, no_headers=True) == row(("c", 6), ("0", 6), "2d7h")
    plain_a = table("ConfigMap", [cm], NOW, no_headers=True)
    plain_b = table("ServiceAccount", [sa], NOW, no_headers=True)
    assert join_tables([plain_a, plain_b], no_headers=True) == plain_a + plain_b


def test_cells_are_cut_at_a_line_break() -> None:
    # tableprinter.go printTable: text after the first newline is dropped and "..." appended.
    lease = {"kind": "Lease", "metadata": meta("l"), "spec": {"holderIdentity": "a\nb"}}
    assert table("Lease", [lease], NOW, no_headers=True) == row(("l", 6), ("a...", 7), "2d7h")


def test_columns_introspection() -> None:
    assert columns("Pod") == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert columns("Pod", wide=True)[5:] == ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert columns("Deployment") == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert columns("Event") == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert columns("ClusterRole") == ["NAME", "CREATED AT"]
