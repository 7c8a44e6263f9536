"""``kubectl describe`` layouts (k8s.io/kubectl/pkg/describe/describe.go, kubectl 1.32).

The pod case is a full golden output: section order and wording from ``describePod``,
``describeContainers``, ``DescribeEvents``; alignment from ``tabbedString`` (Go tabwriter,
padding 2), where every run of consecutive lines that contain a tab shares one column width and
``DescribeEvents`` flushes the writer so the Events table is aligned on its own. The widths in
the comments were worked out by hand. Other kinds are checked line by line with runs of spaces
collapsed.
"""

from __future__ import annotations

import re
from typing import Any

from kubelab.kubectl import describe, pod_qos_class
from kubelab.sim.clock import micro_timestamp, timestamp


def collapse(text: str) -> list[str]:
    """Lines with their indentation kept and every inner run of spaces cut to two."""
    out = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        out.append(line[: len(line) - len(body)] + re.sub(r" {2,}", "  ", body.rstrip()))
    return out


POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "labels": {"app": "web"},
        "creationTimestamp": timestamp(0),
    },
    "spec": {
        "nodeName": "node-1",
        "serviceAccountName": "default",
        "containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}],
    },
    "status": {
        "phase": "Running",
        "hostIP": "172.18.0.2",
        "podIP": "10.244.1.5",
        "podIPs": [{"ip": "10.244.1.5"}],
        "startTime": timestamp(1),
        "conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "PodScheduled", "status": "True"},
        ],
        "containerStatuses": [
            {
                "name": "nginx",
                "ready": True,
                "restartCount": 0,
                "containerID": "containerd://abc",
                "imageID": "docker.io/library/nginx@sha256:1",
                "state": {"running": {"startedAt": timestamp(5)}},
            }
        ],
    },
}

EVENTS: list[dict[str, Any]] = [
    {
        "type": "Normal",
        "reason": "Pulled",
        "message": 'Container image "nginx:1.25" already present on machine',
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": timestamp(10),
        "lastTimestamp": timestamp(240),
        "count": 3,
    },
    {
        "type": "Normal",
        "reason": "Scheduled",
        "message": "Successfully assigned default/web to node-1",
        "eventTime": micro_timestamp(0.5),
        "reportingComponent": "default-scheduler",
        "source": {},
    },
]


def test_describe_pod_golden() -> None:
    # Widths: first block "Service Account:" 16+2 = 18; "  IP:" alone 5+2 = 7; container block
    # "    Restart Count:" 18+2 = 20; conditions + Volumes..Tolerations "  PodScheduled " 15+2 = 17;
    # events: 8+2, 9+2, 19+2, 17+2.
    expected = (
        "Name:             web\n"
        "Namespace:        default\n"
        "Service Account:  default\n"
        "Node:             node-1/172.18.0.2\n"
        "Start Time:       Mon, 01 Jan 2024 00:00:01 +0000\n"
        "Labels:           app=web\n"
        "Annotations:      <none>\n"
        "Status:           Running\n"
        "IP:               10.244.1.5\n"
        "IPs:\n"
        "  IP:  10.244.1.5\n"
        "Containers:\n"
        "  nginx:\n"
        "    Container ID:   containerd://abc\n"
        "    Image:          nginx:1.25\n"
        "    Image ID:       docker.io/library/nginx@sha256:1\n"
        "    Port:           80/TCP\n"
        "    Host Port:      0/TCP\n"
        "    State:          Running\n"
        "      Started:      Mon, 01 Jan 2024 00:00:05 +0000\n"
        "    Ready:          True\n"
        "    Restart Count:  0\n"
        "    Environment:    <none>\n"
        "    Mounts:         <none>\n"
        "Conditions:\n"
        "  Type           Status\n"
        "  Ready          True \n"
        "  PodScheduled   True \n"
        "Volumes:        <none>\n"
        "QoS Class:      BestEffort\n"
        "Node-Selectors: <none>\n"
        "Tolerations:    <none>\n"
        "Events:\n"
        "  Type    Reason     Age                  From               Message\n"
        "  ----    ------     ----                 ----               -------\n"
        "  Normal  Scheduled  4m59s                default-scheduler  "
        "Successfully assigned default/web to node-1\n"
        "  Normal  Pulled     60s (x3 over 4m50s)  kubelet            "
        'Container image "nginx:1.25" already present on machine\n'
    )
    out = describe("Pod", POD, EVENTS, 300.0)
    # The conditions block is 17 wide: rebuild those lines from the rule rather than by eye.
    block = [
        ("  Type", "Status"),
        ("  Ready ", "True "),
        ("  PodScheduled ", "True "),
        ("Volumes:", "<none>"),
        ("QoS Class:", "BestEffort"),
        ("Node-Selectors:", "<none>"),
        ("Tolerations:", "<none>"),
    ]
    rebuilt = "".join(f"{a.ljust(17)}{b}\n" for a, b in block)
    start = expected.index("  Type           Status")
    end = expected.index("Events:\n")
    expected = expected[:start] + rebuilt + expected[end:]
    assert out == expected


def test_describe_pod_without_events_section_and_empty_events() -> None:
    assert "Events" not in describe("Pod", POD, None, 300.0)
    lines = collapse(describe("Pod", POD, [], 300.0))
    assert lines[-1] == "Events:  <none>"


def test_describe_terminating_pod_and_tolerations() -> None:
    pod = {
        **POD,
        "metadata": {
            **POD["metadata"],
            "deletionTimestamp": timestamp(330),
            "deletionGracePeriodSeconds": 30,
        },
        "spec": {
            **POD["spec"],
            "tolerations": [
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {"operator": "Exists"},
            ],
        },
    }
    out = describe("Pod", pod, None, 300.0)
    lines = collapse(out)
    # The deletion timestamp lies in the future (now + grace period): HumanDuration of a
    # negative duration below -1 s is "<invalid>".
    assert "Status:  Terminating (lasts <invalid>)" in lines
    assert "Termination Grace Period:  30s" in lines
    raw = out.splitlines()
    i = next(n for n, line in enumerate(raw) if line.startswith("Tolerations:"))
    # Sorted by key (the key-less toleration first), continuation lines under the value column.
    column = raw[i].index("op=Exists")
    assert raw[i] == "Tolerations:".ljust(column) + "op=Exists"
    assert raw[i + 1 : i + 3] == [
        " " * column + "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
        " " * column + "node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
    ]


def test_describe_container_details() -> None:
    pod: dict[str, Any] = {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "app:1",
                    "command": ["/bin/app"],
                    "args": ["--port=8080"],
                    "ports": [{"containerPort": 8080}, {"containerPort": 9090, "protocol": "UDP"}],
                    "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m"}},
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                    "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5},
                    "env": [
                        {"name": "MODE", "value": "prod"},
                        {
                            "name": "NODE",
                            "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}},
                        },
                        {
                            "name": "PASSWORD",
                            "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}},
                        },
                    ],
                    "volumeMounts": [
                        {"name": "data", "mountPath": "/data"},
                        {"name": "cfg", "mountPath": "/etc/app", "readOnly": True},
                    ],
                }
            ],
            "nodeName": "n1",
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {"name": "cfg", "configMap": {"name": "app-config"}},
            ],
        },
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "app",
                    "restartCount": 2,
                    "ready": False,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": timestamp(60),
                            "finishedAt": timestamp(61),
                        }
                    },
                }
            ],
        },
    }
    lines = collapse(describe("Pod", pod, None, 300.0))
    for expected in [
        "    Ports:  8080/TCP, 9090/UDP",
        "    Host Ports:  0/TCP, 0/UDP",
        "    Command:",
        "      /bin/app",
        "    Args:",
        "      --port=8080",
        "    State:  Waiting",
        "      Reason:  CrashLoopBackOff",
        "    Last State:  Terminated",
        "      Reason:  Error",
        "      Exit Code:  1",
        "      Started:  Mon, 01 Jan 2024 00:01:00 +0000",
        "      Finished:  Mon, 01 Jan 2024 00:01:01 +0000",
        "    Ready:  False",
        "    Restart Count:  2",
        "    Limits:",
        "      memory:  256Mi",
        "    Requests:",
        "      cpu:  100m",
        "    Liveness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 "
        "#failure=3",
        "    Readiness:  tcp-socket :8080 delay=0s timeout=1s period=5s #success=1 #failure=3",
        "      MODE:  prod",
        "      NODE:  n1 (v1:spec.nodeName)",
        "      PASSWORD:  <set to the key 'pw' in secret 'db'>  Optional: false",
        "      /data from data (rw)",
        "      /etc/app from cfg (ro)",
        "    Type:  EmptyDir (a temporary directory that shares a pod's lifetime)",
        "    Medium:",
        "    SizeLimit:  <unset>",
        "    Type:  ConfigMap (a volume populated by a ConfigMap)",
        "    Name:  app-config",
        "    Optional:  false",
        "QoS Class:  Burstable",
    ]:
        assert expected in lines, expected
    # Mounts are sorted by path: /data before /etc/app.
    assert lines.index("      /data from data (rw)") < lines.index("      /etc/app from cfg (ro)")


def test_qos_classes() -> None:
    # kubectl/pkg/util/qos ComputePodQOS.
    def pod(*resources: dict[str, Any]) -> dict[str, Any]:
        return {
            "spec": {
                "containers": [{"name": str(i), "resources": r} for i, r in enumerate(resources)]
            }
        }

    both = {"cpu": "1", "memory": "1Gi"}
    assert pod_qos_class(pod({})) == "BestEffort"
    assert pod_qos_class(pod({"limits": both, "requests": both})) == "Guaranteed"
    assert pod_qos_class(pod({"limits": both})) == "Burstable"
    assert pod_qos_class(pod({"limits": both, "requests": both}, {})) == "Burstable"
    assert pod_qos_class(pod({"requests": {"cpu": "100m"}})) == "Burstable"
    assert pod_qos_class({"status": {"qosClass": "Guaranteed"}}) == "Guaranteed"


def test_describe_node() -> None:
    node = {
        "metadata": {
            "name": "node-1",
            "labels": {"kubernetes.io/hostname": "node-1"},
            "creationTimestamp": timestamp(0),
        },
        "spec": {
            "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
            "podCIDR": "10.244.1.0/24",
            "podCIDRs": ["10.244.1.0/24"],
        },
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": timestamp(290),
                    "lastTransitionTime": timestamp(10),
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                }
            ],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.3"}],
            "capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"},
            "allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"},
            "nodeInfo": {
                "kubeletVersion": "v1.32.0",
                "containerRuntimeVersion": "containerd://1.7",
            },
        },
    }
    web = {
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": timestamp(0)},
        "spec": {
            "nodeName": "node-1",
            "containers": [
                {
                    "name": "a",
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"memory": "256Mi"},
                    },
                }
            ],
        },
        "status": {"phase": "Running"},
    }
    done = {
        **web,
        "metadata": {**web["metadata"], "name": "done"},
        "status": {"phase": "Succeeded"},
    }
    elsewhere = {**web, "spec": {**web["spec"], "nodeName": "node-2"}}
    lease = {"spec": {"holderIdentity": "node-1", "renewTime": micro_timestamp(295.0)}}
    lines = collapse(describe("Node", node, [], 300.0, pods=[web, done, elsewhere], lease=lease))
    for expected in [
        "Name:  node-1",
        "Roles:  <none>",
        "Labels:  kubernetes.io/hostname=node-1",
        "CreationTimestamp:  Mon, 01 Jan 2024 00:00:00 +0000",
        "Taints:  dedicated=gpu:NoSchedule",
        "Unschedulable:  false",
        "Lease:",
        "  HolderIdentity:  node-1",
        "  AcquireTime:  <unset>",
        "  RenewTime:  Mon, 01 Jan 2024 00:04:55 +0000",
        "Conditions:",
        "  Type  Status  LastHeartbeatTime  LastTransitionTime  Reason  Message",
        "  ----  ------  -----------------  ------------------  ------  -------",
        "  Ready  True  Mon, 01 Jan 2024 00:04:50 +0000  Mon, 01 Jan 2024 00:00:10 +0000  "
        "KubeletReady  kubelet is posting ready status",
        "Addresses:",
        "  InternalIP:  172.18.0.3",
        "Capacity:",
        "  cpu:  2",
        "  memory:  4Gi",
        "  pods:  110",
        "  Kubelet Version:  v1.32.0",
        "PodCIDR:  10.244.1.0/24",
        "PodCIDRs:  10.244.1.0/24",
        # Only the non-terminated pod bound to this node.
        "Non-terminated Pods:  (1 in total)",
        "  Namespace  Name  CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age",
        # 100m/2 = 5%, 128Mi/4Gi = 3.125% -> 3, 256Mi/4Gi = 6.25% -> 6 (int64 truncation).
        "  default  web  100m (5%)  0 (0%)  128Mi (3%)  256Mi (6%)  5m",
        "Allocated resources:",
        "  (Total limits may be over 100 percent, i.e., overcommitted.)",
        "  Resource  Requests  Limits",
        "  cpu  100m (5%)  0 (0%)",
        "  memory  128Mi (3%)  256Mi (6%)",
        "  ephemeral-storage  0 (0%)  0 (0%)",
        "Events:  <none>",
    ]:
        assert expected in lines, expected


def test_describe_node_without_lease() -> None:
    node = {"metadata": {"name": "n9"}, "spec": {}, "status": {}}
    lines = collapse(describe("Node", node, None, 0.0))
    assert 'Lease:  Failed to get lease: leases.coordination.k8s.io "n9" not found' in lines


def _rs(name: str, created: float, image: str, replicas: int, owner_uid: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "creationTimestamp": timestamp(created),
            "ownerReferences": [
                {"kind": "Deployment", "name": "web", "uid": owner_uid, "controller": True}
            ],
        },
        "spec": {
            "replicas": replicas,
            "template": {
                "metadata": {"labels": {"app": "web", "pod-template-hash": name[-5:]}},
                "spec": {"containers": [{"name": "nginx", "image": image}]},
            },
        },
        "status": {"replicas": replicas},
    }


def test_describe_deployment() -> None:
    d = {
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "d-uid",
            "creationTimestamp": timestamp(0),
            "labels": {"app": "web"},
            "annotations": {"deployment.kubernetes.io/revision": "2"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]},
            },
        },
        "status": {
            "replicas": 3,
            "updatedReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    }
    old = _rs("web-aaaaa", 1, "nginx:1.24", 0, "d-uid")
    new = _rs("web-bbbbb", 2, "nginx:1.25", 3, "d-uid")
    other = _rs("web-ccccc", 3, "nginx:1.25", 1, "someone-else")
    out = describe("Deployment", d, [], 300.0, replica_sets=[new, old, other])
    lines = collapse(out)
    for expected in [
        "Name:  web",
        "CreationTimestamp:  Mon, 01 Jan 2024 00:00:00 +0000",
        "Annotations:  deployment.kubernetes.io/revision: 2",
        "Selector:  app=web",
        "Replicas:  3 desired | 3 updated | 3 total | 3 available | 0 unavailable",
        "StrategyType:  RollingUpdate",
        "MinReadySeconds:  0",
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   nginx:",
        "    Image:  nginx:1.25",
        "    Port:  <none>",
        "    Host Port:  <none>",
        "    Environment:  <none>",
        "    Mounts:  <none>",
        "  Volumes:  <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:  <none>",
        "Conditions:",
        "  Type  Status  Reason",
        "  Available  True  MinimumReplicasAvailable",
        "  Progressing  True  NewReplicaSetAvailable",
        "OldReplicaSets:  web-aaaaa (0/0 replicas created)",
        "NewReplicaSet:  web-bbbbb (3/3 replicas created)",
        "Events:  <none>",
    ]:
        assert expected in lines, expected


def test_describe_replica_set_counts_its_own_pods() -> None:
    rs = _rs("web-bbbbb", 2, "nginx:1.25", 3, "d-uid")
    rs["metadata"].update(namespace="default", uid="rs-uid")
    rs["spec"]["selector"] = {"matchLabels": {"app": "web"}}

    def pod(phase: str, owner: str) -> dict[str, Any]:
        ref = {"kind": "ReplicaSet", "name": "x", "uid": owner, "controller": True}
        return {"metadata": {"ownerReferences": [ref]}, "status": {"phase": phase}}

    pods = [pod("Running", "rs-uid"), pod("Pending", "rs-uid"), pod("Running", "other")]
    lines = collapse(describe("ReplicaSet", rs, None, 300.0, pods=pods))
    assert "Selector:  app=web" in lines
    assert "Controlled By:  Deployment/web" in lines
    assert "Replicas:  3 current / 3 desired" in lines
    assert "Pods Status:  1 Running / 1 Waiting / 0 Succeeded / 0 Failed" in lines


def test_describe_service() -> None:
    svc = {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "type": "NodePort",
            "selector": {"app": "web"},
            "clusterIP": "10.96.12.34",
            "clusterIPs": ["10.96.12.34"],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [
                {
                    "name": "http",
                    "port": 80,
                    "targetPort": 8080,
                    "nodePort": 30080,
                    "protocol": "TCP",
                }
            ],
        },
    }
    slices = [
        {
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [
                {"addresses": ["10.244.1.5"], "conditions": {"ready": True}},
                {"addresses": ["10.244.2.7"]},
                {"addresses": ["10.244.3.9"], "conditions": {"ready": False}},
            ],
        }
    ]
    lines = collapse(describe("Service", svc, [], 0.0, endpoint_slices=slices))
    assert lines == [
        "Name:  web",
        "Namespace:  default",
        "Labels:  <none>",
        "Annotations:  <none>",
        "Selector:  app=web",
        "Type:  NodePort",
        "IP Family Policy:  SingleStack",
        "IP Families:  IPv4",
        "IP:  10.96.12.34",
        "IPs:  10.96.12.34",
        "Port:  http  80/TCP",
        "TargetPort:  8080/TCP",
        "NodePort:  http  30080/TCP",
        # formatEndpointSlices: ready (or unknown) endpoints only.
        "Endpoints:  10.244.1.5:8080,10.244.2.7:8080",
        "Session Affinity:  None",
        "External Traffic Policy:  Cluster",
        "Internal Traffic Policy:  Cluster",
        "Events:  <none>",
    ]


def test_describe_namespace_and_config_map() -> None:
    ns = {"metadata": {"name": "prod"}, "status": {"phase": "Active"}}
    assert describe("Namespace", ns, None, 0.0) == (
        "Name:         prod\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Status:       Active\n"
        "\n"
        "No resource quota.\n"
        "\n"
        "No LimitRange resource.\n"
    )
    cm = {
        "metadata": {"name": "cfg", "namespace": "default"},
        "data": {"b.conf": "x=1", "a.txt": "hello"},
        "binaryData": {"blob": "AAEC"},
    }
    assert describe("ConfigMap", cm, [], 0.0) == (
        "Name:         cfg\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Data\n"
        "====\n"
        "a.txt:\n"
        "----\n"
        "hello\n"
        "\n"
        "b.conf:\n"
        "----\n"
        "x=1\n"
        "\n"
        "\n"
        "BinaryData\n"
        "====\n"
        "blob: 3 bytes\n"
        "\n"
        "Events:  <none>\n"
    )


def test_describe_generic_uses_smart_labels() -> None:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": "node-1",
            "namespace": "kube-node-lease",
            "uid": "1234",
            "resourceVersion": "42",
        },
        "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40},
    }
    lines = collapse(describe("Lease", lease, None, 0.0))
    assert lines == [
        "Name:  node-1",
        "Namespace:  kube-node-lease",
        "Labels:  <none>",
        "Annotations:  <none>",
        "API Version:  coordination.k8s.io/v1",
        "Kind:  Lease",
        "Metadata:",
        "  Resource Version:  42",
        "  UID:  1234",
        "Spec:",
        "  Holder Identity:  node-1",
        "  Lease Duration Seconds:  40",
    ]


def test_event_ages_for_repeated_events() -> None:
    # DescribeEvents: "<last> (x<count> over <first>)", sorted by lastTimestamp.
    events = [
        {
            "type": "Warning",
            "reason": "BackOff",
            "message": "Back-off restarting failed container",
            "source": {"component": "kubelet"},
            "firstTimestamp": timestamp(0),
            "lastTimestamp": timestamp(180),
            "count": 3,
        },
        {
            "type": "Normal",
            "reason": "Pulled",
            "message": "ok",
            "source": {"component": "kubelet"},
            "firstTimestamp": timestamp(100),
            "lastTimestamp": timestamp(100),
            "count": 1,
        },
    ]
    lines = collapse(describe("ConfigMap", {"metadata": {"name": "c"}}, events, 300.0))
    i = lines.index("Events:")
    assert lines[i + 3 :] == [
        "  Normal  Pulled  3m20s  kubelet  ok",
        "  Warning  BackOff  2m (x3 over 5m)  kubelet  Back-off restarting failed container",
    ]


def test_describe_secret_shows_sizes_not_values() -> None:
    secret = {
        "metadata": {"name": "db", "namespace": "default"},
        "type": "Opaque",
        "data": {"password": "c2VjcmV0", "user": "YWRtaW4="},
    }
    # describeSecret: "<key>:\t<n> bytes" (base64 "c2VjcmV0" is the 6 bytes "secret").
    assert describe("Secret", secret, None, 0.0) == (
        "Name:         db\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Type:  Opaque\n"
        "\n"
        "Data\n"
        "====\n"
        "password:  6 bytes\n"
        "user:      5 bytes\n"
    )


def test_describe_resource_quota() -> None:
    # describeQuota: scopes sorted with their help text, rows sorted by resource name, the used
    # value reprinted in the hard value's format when they differ (512Mi against 1G is printed
    # as NewQuantity(536870912, DecimalSI)); a resource without usage shows 0
    quota = {
        "metadata": {"name": "compute", "namespace": "team-a"},
        "spec": {"scopes": ["NotTerminating", "BestEffort"]},
        "status": {
            "hard": {"requests.memory": "1G", "pods": "10", "requests.cpu": "2", "secrets": "5"},
            "used": {"requests.memory": "512Mi", "pods": "1", "requests.cpu": "1500m"},
        },
    }
    assert describe("ResourceQuota", quota, [], 0.0) == (
        "Name:       compute\n"
        "Namespace:  team-a\n"
        "Scopes:     BestEffort, NotTerminating\n"
        " * Matches all pods that do not have resource requirements set. These pods have a best "
        "effort quality of service.\n"
        " * Matches all pods that do not have an active deadline. These pods usually include long "
        "running pods whose container command is not expected to terminate.\n"
        "Resource         Used       Hard\n"
        "--------         ----       ----\n"
        "pods             1          10\n"
        "requests.cpu     1500m      2\n"
        "requests.memory  536870912  1G\n"
        "secrets          0          5\n"
    )


def test_describe_limit_range() -> None:
    # describeLimitRange: one row per (type, resource), "-" where a section does not name it;
    # the name/namespace lines share the first column with the table
    lr = {
        "metadata": {"name": "limits", "namespace": "team-a"},
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "max": {"cpu": "1"},
                    "min": {"cpu": "100m"},
                    "default": {"cpu": "500m", "memory": "256Mi"},
                    "defaultRequest": {"cpu": "200m", "memory": "128Mi"},
                },
                {"type": "Pod", "max": {"memory": "1Gi"}},
            ]
        },
    }
    assert describe("LimitRange", lr, [], 0.0) == (
        "Name:       limits\n"
        "Namespace:  team-a\n"
        "Type        Resource  Min   Max  Default Request  Default Limit  Max Limit/Request Ratio\n"
        "----        --------  ---   ---  ---------------  -------------  -----------------------\n"
        "Container   cpu       100m  1    200m             500m           -\n"
        "Container   memory    -     -    128Mi            256Mi          -\n"
        "Pod         memory    -     1Gi  -                -              -\n"
    )
