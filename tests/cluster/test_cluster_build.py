"""The reader's Cluster: layout, the plug-in point, nodes, faults, failover, determinism.

Expected layouts follow kubeadm's stacked-etcd control plane (one etcd member and one
kube-apiserver per control-plane host, each API server talking to its local member:
``cmd/kubeadm/app/phases/controlplane/manifests.go`` ``--etcd-servers=https://127.0.0.1:2379``)
and the kubelet's node registration (``pkg/kubelet/nodestatus/setters.go`` condition reasons
and messages).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import kubelab.cluster as cluster_mod
from kubelab import Cluster
from kubelab.cluster import ComponentSpec, KubectlResult, register_component

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.27
"""


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, ComponentSpec]:
    """A private component registry for the test (the known modules already imported)."""
    cluster_mod.registered_components()
    registry: dict[str, ComponentSpec] = {}
    monkeypatch.setattr(cluster_mod, "_REGISTRY", registry)
    return registry


def test_layout_follows_kubeadm_stacked_etcd() -> None:
    c = Cluster(control_planes=3, nodes=2, components=())
    assert c.control_plane_hosts == ["cp-1", "cp-2", "cp-3"]
    assert c.node_hosts == ["node-1", "node-2"]
    assert [h.name for h in c.world.hosts] == [
        "cp-1",
        "cp-2",
        "cp-3",
        "node-1",
        "node-2",
        "workstation",
    ]
    assert c.etcd.names == ["cp-1", "cp-2", "cp-3"]
    assert list(c.apiservers) == ["cp-1", "cp-2", "cp-3"]
    assert c.api_endpoints() == ["cp-1", "cp-2", "cp-3"]
    for host, server in c.apiservers.items():
        assert server.etcd_endpoints == [host]  # the local member only
        assert server.ready
    leader = c.etcd.leader()
    assert leader is not None and leader.name in c.control_plane_hosts


def test_cluster_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="at least one control plane"):
        Cluster(control_planes=0)
    with pytest.raises(ValueError, match="nodes must be"):
        Cluster(nodes=-1)


def test_workers_are_registered_as_ready_nodes_spread_over_zones() -> None:
    c = Cluster(nodes=4, components=())
    out = c.kubectl("get nodes -L topology.kubernetes.io/zone")
    # printers.go printNode columns + -L (header: the key's last segment, upper-cased)
    assert out.stdout == (
        "NAME     STATUS   ROLES    AGE   VERSION   ZONE\n"
        "node-1   Ready    <none>   0s    v1.32.0   zone-a\n"
        "node-2   Ready    <none>   0s    v1.32.0   zone-b\n"
        "node-3   Ready    <none>   0s    v1.32.0   zone-c\n"
        "node-4   Ready    <none>   0s    v1.32.0   zone-a\n"
    )
    node = json.loads(c.kubectl("get node node-2 -o json"))
    assert node["status"]["allocatable"] == {"cpu": "4", "memory": "16Gi", "pods": "110"}
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "node-2"
    assert labels["kubernetes.io/os"] == "linux"
    ready = [x for x in node["status"]["conditions"] if x["type"] == "Ready"]
    assert ready == [
        {
            "type": "Ready",
            "status": "True",
            "lastHeartbeatTime": ready[0]["lastHeartbeatTime"],
            "lastTransitionTime": ready[0]["lastTransitionTime"],
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
        }
    ]


def test_no_workers_means_no_nodes() -> None:
    c = Cluster(nodes=0, components=())
    out = c.kubectl("get nodes")
    # get.go: nodes are cluster-scoped, so the message names no namespace
    assert (out.stdout, out.stderr, out.exit_code) == ("", "No resources found\n", 0)


def test_components_install_in_order_after_the_control_plane_is_ready(
    isolated_registry: dict[str, ComponentSpec],
) -> None:
    calls: list[tuple[str, bool, int]] = []

    class Handle:
        def __init__(self, name: str, hosts: list[str]) -> None:
            self.name = name
            self.hosts = hosts

    def installer(name: str, hosts: list[str]) -> Any:
        def install(c: Cluster) -> Handle:
            ready = all(s.ready for s in c.apiservers.values())
            nodes = json.loads(c.kubectl("get nodes -o json"))["items"]
            calls.append((name, ready, len(nodes)))
            return Handle(name, hosts)

        return install

    register_component(ComponentSpec("kube-scheduler", 40, installer("sched", ["cp-1"])))
    register_component(ComponentSpec("kube-controller-manager", 30, installer("kcm", ["cp-1"])))
    register_component(ComponentSpec("kube-scheduler", 40, installer("sched2", ["cp-1"])))
    c = Cluster(nodes=2)
    # idempotent by name (the later registration wins), installed by order
    assert calls == [("kcm", True, 2), ("sched2", True, 2)]
    assert sorted(c.components) == ["kube-controller-manager", "kube-scheduler"]
    assert c.components["kube-scheduler"].name == "sched2"

    calls.clear()
    c = Cluster(nodes=1, components=["kube-scheduler"])
    assert calls == [("sched2", True, 1)]
    with pytest.raises(ValueError, match="unknown component"):
        Cluster(components=["kube-proxy"])


def test_a_kubelet_component_registers_its_own_node(
    isolated_registry: dict[str, ComponentSpec],
) -> None:
    register_component(ComponentSpec("kubelet", 50, lambda c: None))
    c = Cluster(nodes=2)
    assert c.kubectl("get nodes").stderr == "No resources found\n"


def test_draw_shows_hosts_leader_components_and_what_is_missing(
    isolated_registry: dict[str, ComponentSpec],
) -> None:
    class Proxy:
        def __init__(self) -> None:
            self.hosts = ["node-1"]

    register_component(ComponentSpec("kube-proxy", 60, lambda c: Proxy()))
    c = Cluster(control_planes=3, nodes=1)
    leader = c.etcd.leader()
    assert leader is not None
    c.faults.crash(leader.name)
    c.etcd.wait_for_leader()
    d = c.draw()
    new_leader = c.etcd.leader()
    assert new_leader is not None
    assert f"down: {leader.name}" in d.title
    assert f"etcd leader {new_leader.name}" in d.title
    assert "not modelled yet: kube-controller-manager, kube-scheduler, kubelet, containerd" in (
        d.title
    )
    assert f'"{new_leader.name}/etcd" [label="etcd (leader)"' in d.source
    assert f'label="{leader.name} (control plane) - DOWN"' in d.source
    assert '"node-1/kube-proxy" [label="kube-proxy"' in d.source
    assert "faults: crash" in d.source


def test_run_trace_and_faults() -> None:
    c = Cluster(components=())
    t0 = c.world.now
    c.run(12.5)
    assert c.world.now == pytest.approx(t0 + 12.5)
    starts = c.trace.filter(component="kube-apiserver", kind="start")
    assert [r.host for r in starts] == ["cp-1"]
    f = c.faults.crash("node-1")
    assert not c.host("node-1").up
    assert [r.fields["target"] for r in c.trace.filter(component="faults")] == ["node-1"]
    c.faults.undo(f)
    assert c.host("node-1").up


def test_three_control_planes_survive_losing_cp1() -> None:
    c = Cluster(control_planes=3, nodes=1, components=())
    assert c.apply(POD).stdout == "pod/web created\n"
    assert c.admin.client.endpoint == "cp-1"
    c.faults.crash("cp-1")
    out = c.kubectl("get pods")
    assert out.exit_code == 0
    assert out.stdout.splitlines()[1].split()[:3] == ["web", "0/1", "Pending"]
    # the client moved to the next API server and said so in the trace
    assert c.admin.client.endpoint == "cp-2"
    failover = c.trace.filter(kind="failover", host="workstation")
    assert failover.records and failover.records[0].fields["endpoint"] == "cp-2"
    # writes work through cp-2 (its etcd member has a quorum with cp-3)
    out = c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after-crash}\n")
    assert (out.stdout, out.exit_code) == ("configmap/after-crash created\n", 0)
    leader = c.etcd.leader()
    assert leader is not None and leader.name != "cp-1"


def test_no_api_server_reachable_prints_the_connection_error() -> None:
    c = Cluster(components=())
    c.apiservers["cp-1"].stop()  # the process gone, the host up: connection refused
    out = c.kubectl("get pods")
    # cmdutil.StandardErrorMessage for a *url.Error whose cause is "connection refused"
    assert out.stderr == (
        "The connection to the server cp-1:6443 was refused - did you specify the right "
        "host or port?\n"
    )
    assert out.exit_code == 1
    c.faults.crash("cp-1")  # no answer at all
    out = c.kubectl("get pods")
    assert out.stderr == "Unable to connect to the server: dial tcp cp-1:6443: i/o timeout\n"
    assert out.exit_code == 1
    version = c.kubectl("version")
    assert version.stdout == "Client Version: v1.32.0\nKustomize Version: v5.5.0\n"
    assert version.exit_code == 1


def _session(seed: int) -> tuple[list[str], str]:
    c = Cluster(control_planes=1, nodes=2, seed=seed, components=())
    outs = [
        str(c.apply(POD)),
        str(c.kubectl("get pod web -o yaml")),
        str(c.kubectl("label pod web tier=front")),
    ]
    c.run(42)
    outs.append(str(c.kubectl("get pods -o wide")))
    outs.append(str(c.kubectl("describe pod web")))
    return outs, c.trace.dumps()


def test_same_seed_same_outputs_and_trace() -> None:
    a, trace_a = _session(7)
    b, trace_b = _session(7)
    assert a == b
    assert trace_a == trace_b
    c, _ = _session(8)
    assert c[1] != a[1]  # another seed, another uid
    assert a[3].splitlines()[1].split()[4] == "42s"  # AGE on the simulated clock


def test_etcdctl_reads_what_the_api_server_stored() -> None:
    c = Cluster(components=())
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm1}\ndata: {k: v}\n")
    out = c.etcdctl("get /registry/configmaps/default/cm1")
    key, value = out.stdout.splitlines()
    assert key == "/registry/configmaps/default/cm1"
    stored = json.loads(value)
    assert stored["data"] == {"k": "v"}
    assert stored["metadata"]["name"] == "cm1"
    keys = c.etcdctl("get /registry/namespaces/ --prefix --keys-only").stdout.split()
    assert keys == [
        "/registry/namespaces/default",
        "/registry/namespaces/kube-node-lease",
        "/registry/namespaces/kube-public",
        "/registry/namespaces/kube-system",
    ]
    as_alice = c.as_user("alice").etcdctl("get /registry/configmaps/default/cm1")
    assert as_alice.stdout == out.stdout


def test_result_is_the_terminal_text() -> None:
    r = KubectlResult("pod/web created\n", "Warning: x\n", 0)
    assert r == "pod/web created\nWarning: x\n"
    assert repr(r) == "pod/web created\nWarning: x\n"
    assert r.ok and not KubectlResult("", "error: x\n", 1).ok
    printed: list[str] = []

    class Pretty:
        def text(self, s: str) -> None:
            printed.append(s)

    r._repr_pretty_(Pretty(), False)
    assert printed == ["pod/web created\nWarning: x\n"]


def test_explain_asks_the_scheduler_component(
    isolated_registry: dict[str, ComponentSpec],
) -> None:
    c = Cluster(components=())
    with pytest.raises(RuntimeError, match="kube-scheduler is not running"):
        c.explain("web")

    class Scheduler:
        def explain(self, target: str, namespace: str) -> str:
            return f"would place {namespace}/{target}"

    register_component(ComponentSpec("kube-scheduler", 40, lambda cluster: Scheduler()))
    c = Cluster(nodes=1)
    assert c.explain("pod/web") == "would place default/pod/web"
