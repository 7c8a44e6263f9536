"""The reader's cluster: hosts, etcd, API servers and whatever components are modelled, in one
simulated world -- the object most notebook cells use.

>>> from kubelab import Cluster
>>> c = Cluster(control_planes=1, nodes=2, seed=1)
>>> print(c.kubectl("get nodes"), end="")  # doctest: +NORMALIZE_WHITESPACE
NAME     STATUS   ROLES    AGE   VERSION
node-1   Ready    <none>   0s    v1.32.0
node-2   Ready    <none>   0s    v1.32.0

Layout, as kubeadm builds a cluster with stacked etcd: hosts ``cp-1..N`` each run an etcd
member and a kube-apiserver that talks to *its local* etcd member only (kubeadm writes
``--etcd-servers=https://127.0.0.1:2379`` into the static pod manifest:
``cmd/kubeadm/app/phases/controlplane/manifests.go``); hosts ``node-1..M`` are workers; the
host ``workstation`` runs the reader's kubectl and etcdctl. Clients get the list of every API
server and fail over between them (:class:`~kubelab.apiserver.client.APIClient`).

Components plug in through :func:`register_component`: each module named in
:data:`KNOWN_COMPONENT_MODULES` that can be imported registers a :class:`ComponentSpec`, and
every Cluster installs the registered components in ``order`` once etcd has a leader and the
API servers are ready. Until a ``kubelet`` component exists the Cluster registers a Node object
for every worker itself (Ready; 4 CPUs, 16Gi, 110 pods) and renews nothing.

Identities, as kubeadm makes them (``cmd/kubeadm/app/constants/constants.go``): :attr:`Cluster.
admin` is ``kubernetes-super-admin`` in ``system:masters`` (super-admin.conf, which bypasses
RBAC), the identity ``c.kubectl`` uses; :meth:`Cluster.as_user` gives a view whose requests
carry a client certificate ``CN=<name>, O=<groups>`` and go through authentication and RBAC
like anyone's.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import graphviz

from kubelab.apiserver.client import APIClient
from kubelab.apiserver.server import KubeAPIServer
from kubelab.apiserver.wire import ClientCertificate
from kubelab.etcd.client import EtcdClient
from kubelab.etcd.cluster import EtcdCluster
from kubelab.faults import Faults
from kubelab.kubectl.runtime import Kubectl, KubectlResult
from kubelab.sim.host import Host
from kubelab.sim.trace import Trace
from kubelab.sim.world import World
from kubelab.viz.render import Diagram

__all__ = [
    "ADMIN_GROUPS",
    "ADMIN_USER",
    "KNOWN_COMPONENT_MODULES",
    "STANDARD_COMPONENTS",
    "Cluster",
    "ClusterView",
    "ComponentSpec",
    "KubectlResult",
    "register_component",
    "registered_components",
]

#: kubeadm's super-admin.conf identity (kubeadm 1.29+: ``SuperAdminKubeConfigFileName``,
#: certificate CN ``kubernetes-super-admin``, O ``system:masters``).
ADMIN_USER: Final = "kubernetes-super-admin"
ADMIN_GROUPS: Final = ("system:masters",)
#: The host the reader's kubectl and etcdctl run on.
WORKSTATION: Final = "workstation"
#: Worker capacity when the Cluster registers the Nodes itself.
NODE_CPU: Final = "4"
NODE_MEMORY: Final = "16Gi"
NODE_PODS: Final = "110"  # the kubelet's --max-pods default
NODE_ZONES: Final = ("zone-a", "zone-b", "zone-c")
KUBELET_VERSION: Final = "v1.32.0"

#: The components a real cluster runs besides etcd and kube-apiserver, in the order the
#: chapters introduce them; those not installed are drawn as "not modelled yet".
STANDARD_COMPONENTS: Final = (
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "containerd",
)

#: Modules that register components when imported (missing ones are skipped).
KNOWN_COMPONENT_MODULES: Final = (
    "kubelab.controllers.manager",
    "kubelab.scheduler.driver",
    "kubelab.kubelet.driver",
    "kubelab.proxy.driver",
    "kubelab.containerd.driver",
)


@dataclass(frozen=True)
class ComponentSpec:
    """A component the Cluster installs: its name, install order (controller-manager 30,
    scheduler 40, kubelet 50, kube-proxy 60) and ``install(cluster) -> handle``, called once
    per Cluster after etcd and the API servers are up. A handle may expose ``hosts`` (the
    host names it runs on) for :meth:`Cluster.draw`."""

    name: str
    order: int
    install: Callable[[Cluster], Any]


_REGISTRY: dict[str, ComponentSpec] = {}
_IMPORTED = False


def register_component(spec: ComponentSpec) -> None:
    """Add ``spec`` to the components every new Cluster installs (a later registration under
    the same name replaces the earlier one)."""
    _REGISTRY[spec.name] = spec


def registered_components() -> list[ComponentSpec]:
    """The registered components in install order (``order``, then name)."""
    _import_known_modules()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


def _import_known_modules() -> None:
    global _IMPORTED
    if _IMPORTED:
        return
    _IMPORTED = True
    for module in KNOWN_COMPONENT_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as err:
            # only "this module (or its package) does not exist yet" is expected
            missing = err.name or ""
            if not (module == missing or module.startswith(missing + ".")):
                raise


def _hosts_of(handle: Any) -> list[str]:
    hosts = getattr(handle, "hosts", None)
    if hosts is None:
        one = getattr(handle, "host", None)
        hosts = [one] if one is not None else []
    out: list[str] = []
    for h in hosts if isinstance(hosts, list | tuple | set | frozenset) else []:
        name = h.name if isinstance(h, Host) else str(h)
        if name not in out:
            out.append(name)
    return sorted(out)


class ClusterView:
    """The cluster as one identity sees it: ``kubectl``, ``apply`` and ``etcdctl`` run on the
    workstation with that identity's client certificate."""

    def __init__(self, cluster: Cluster, user: str, groups: Sequence[str] = ()) -> None:
        self.cluster = cluster
        self.user = user
        self.groups = tuple(groups)
        self.client = cluster.client_for(WORKSTATION, user, self.groups)
        self._kubectl = Kubectl(
            cluster.world,
            self.client,
            user=user,
            groups=self.groups,
            impersonate=lambda u, g: cluster.as_user(u, g)._kubectl,
        )

    def __repr__(self) -> str:
        groups = f" groups={','.join(self.groups)}" if self.groups else ""
        return f"<ClusterView user={self.user}{groups}>"

    def kubectl(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        """Run ``kubectl <command_line>`` as this identity (``stdin`` feeds ``-f -``)."""
        return self._kubectl.run(command_line, stdin)

    def apply(self, yaml_text: str) -> KubectlResult:
        """``kubectl apply -f -`` of ``yaml_text``, all or nothing (see :meth:`Cluster.apply`)."""
        return self._kubectl.apply_text(yaml_text, atomic=True)

    def etcdctl(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        """``etcdctl`` on the workstation (etcd's own client certificates: the identity of
        this view plays no part)."""
        return self.cluster.etcdctl(command_line, stdin)


class Cluster:
    """A Kubernetes cluster in a simulated world.

    ``control_planes`` hosts ``cp-1..N`` (etcd + kube-apiserver each), ``nodes`` workers
    ``node-1..M``, ``seed`` for every random draw. ``components`` picks which registered
    components to install by name (default: all of them; ``()``: none).
    """

    def __init__(
        self,
        control_planes: int = 1,
        nodes: int = 3,
        seed: int = 0,
        *,
        components: Iterable[str] | None = None,
    ) -> None:
        if not isinstance(control_planes, int) or control_planes < 1:
            raise ValueError(f"a cluster needs at least one control plane, got {control_planes!r}")
        if not isinstance(nodes, int) or nodes < 0:
            raise ValueError(f"nodes must be a number >= 0, got {nodes!r}")
        self.world = World(seed=seed)
        self.seed = seed
        self.control_plane_hosts: list[str] = [f"cp-{i}" for i in range(1, control_planes + 1)]
        self.node_hosts: list[str] = [f"node-{i}" for i in range(1, nodes + 1)]
        for h in self.control_plane_hosts:
            self.world.add_host(h, {"role": "control-plane"})
        for h in self.node_hosts:
            self.world.add_host(h, {"role": "worker"})
        self.world.add_host(WORKSTATION, {"role": "workstation"})
        self.faults = Faults(self.world)
        self.etcd = EtcdCluster(self.world, hosts=self.control_plane_hosts)
        self.apiservers: dict[str, KubeAPIServer] = {
            h: KubeAPIServer(self.world, h, [h]) for h in self.control_plane_hosts
        }
        self.components: dict[str, Any] = {}
        self._views: dict[tuple[str, tuple[str, ...]], ClusterView] = {}
        self._etcd_client: EtcdClient | None = None
        self.etcd.wait_for_leader()
        for server in self.apiservers.values():
            server.wait_ready()
        self.admin = self.as_user(ADMIN_USER, ADMIN_GROUPS)
        specs = registered_components()
        if components is not None:
            wanted = list(components)
            known = {s.name for s in specs}
            unknown = [n for n in wanted if n not in known]
            if unknown:
                listed = ", ".join(sorted(known)) or "none"
                raise ValueError(
                    f"unknown component(s) {', '.join(unknown)} (registered: {listed})"
                )
            specs = [s for s in specs if s.name in wanted]
        if not any(s.name == "kubelet" for s in specs):
            self._register_nodes()
        for spec in specs:
            handle = spec.install(self)
            self.components[spec.name] = handle
            stop, start = getattr(handle, "stop", None), getattr(handle, "start", None)
            if callable(stop) and callable(start):
                self.faults.register_process(spec.name, stop, start)

    def __repr__(self) -> str:
        lead = self.etcd.leader()
        return (
            f"<Cluster control_planes={len(self.control_plane_hosts)} "
            f"nodes={len(self.node_hosts)} seed={self.seed} t={self.world.now:.3f}s "
            f"etcd_leader={lead.name if lead else None}>"
        )

    # -- plumbing for components -----------------------------------------------------------

    def api_endpoints(self) -> list[str]:
        """The API server host names, in order."""
        return list(self.apiservers)

    def client_for(self, host: str, user: str, groups: Sequence[str] = ()) -> APIClient:
        """An API client on ``host`` authenticated by a client certificate ``CN=user,
        O=groups``, with every API server as an endpoint."""
        return APIClient(
            self.world,
            host,
            self.api_endpoints(),
            certificate=ClientCertificate(user, tuple(groups)),
        )

    def host(self, name: str) -> Host:
        """The simulated host called ``name``."""
        return self.world.host(name, create=False)

    def _register_nodes(self) -> None:
        """Register a Ready Node for every worker, as its kubelet would
        (``pkg/kubelet/kubelet_node_status.go`` registerWithAPIServer: create, then status)."""
        client = self.admin.client
        now = self.world.timestamp()
        for i, name in enumerate(self.node_hosts, start=1):
            node = _node_object(name, i, now)
            status = node.pop("status")
            created = client.create(node)
            created["status"] = status
            client.update_status(created)

    # -- time, trace, faults ---------------------------------------------------------------

    def run(self, seconds: float) -> None:
        """Advance simulated time by ``seconds``."""
        self.world.run(duration=seconds)

    @property
    def trace(self) -> Trace:
        """Every event of the world so far."""
        return self.world.trace

    @property
    def now(self) -> float:
        """Simulated seconds since the cluster's world began."""
        return self.world.now

    # -- the reader's commands -------------------------------------------------------------

    def as_user(self, name: str, groups: Sequence[str] = ()) -> ClusterView:
        """The cluster as user ``name`` in ``groups`` sees it (a client certificate with
        CN=name, O=groups): every request is authenticated and authorized as that user."""
        key = (name, tuple(groups))
        view = self._views.get(key)
        if view is None:
            view = ClusterView(self, name, groups)
            self._views[key] = view
        return view

    def kubectl(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        """Run ``kubectl <command_line>`` as :attr:`admin`; returns what kubectl prints."""
        return self.admin.kubectl(command_line, stdin)

    def apply(self, yaml_text: str) -> KubectlResult:
        """Like ``kubectl apply -f -`` with ``yaml_text``, all or nothing: a parse error, or
        any object the server would refuse (checked with ``?dryRun=All`` first), leaves the
        cluster unchanged. Prints ``pod/web created``, ``deployment.apps/web configured``,
        ``service/web unchanged`` lines as kubectl does."""
        return self.admin.apply(yaml_text)

    def etcdctl(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        """Run ``etcdctl <command_line>`` on the workstation against every etcd member, as
        etcdctl 3.5 prints it (values the API server stored are JSON text)."""
        from kubelab.etcdctl import Etcdctl

        if self._etcd_client is None:
            # etcdctl's default: no WithRequireLeader (a member without a leader holds the call)
            self._etcd_client = EtcdClient(
                self.world, self.control_plane_hosts, host=WORKSTATION, require_leader=False
            )
        result = Etcdctl(self._etcd_client).run(command_line, stdin)
        return KubectlResult(result.stdout, result.stderr, result.exit_code)

    def explain(self, pod: str, namespace: str = "default") -> Any:
        """Why the scheduler puts a pod where it does: every filter verdict and score per
        node (:func:`kubelab.scheduler.explain`). ``pod`` is ``NAME``, ``pod/NAME`` or
        ``NAMESPACE/NAME``; needs the ``kube-scheduler`` component."""
        handle = self.components.get("kube-scheduler")
        if handle is None or not hasattr(handle, "explain"):
            raise RuntimeError(
                "kube-scheduler is not running in this cluster (not modelled yet, or left out "
                "with components=)"
            )
        return handle.explain(pod, namespace)

    # -- pictures ------------------------------------------------------------------------------

    def draw(self) -> Diagram:
        """A graphviz diagram of the live cluster: hosts, what runs on each, the etcd leader,
        crashed hosts greyed out, and the components not modelled yet."""
        g = graphviz.Digraph("cluster", graph_attr={"rankdir": "TB", "fontname": "Helvetica"})
        g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="11")
        g.attr("edge", fontname="Helvetica", fontsize="9")
        leader = self.etcd.leader()
        placed: dict[str, list[str]] = {}
        unplaced: list[str] = []
        for name, handle in sorted(self.components.items()):
            hosts = _hosts_of(handle)
            if not hosts:
                unplaced.append(name)
            for h in hosts:
                placed.setdefault(h, []).append(name)
        g.node(WORKSTATION, "workstation\nkubectl, etcdctl", fillcolor="#ffffff")
        for h in self.control_plane_hosts + self.node_hosts:
            up = self.host(h).up
            role = "control plane" if h in self.apiservers else "worker"
            with g.subgraph(name=f"cluster_{h}") as s:
                label = f"{h} ({role})" + ("" if up else " - DOWN")
                s.attr(
                    label=label,
                    style="rounded,filled" if not up else "rounded",
                    color="#4a6fa5" if role == "control plane" else "#5a8f5a",
                    fillcolor="#e0e0e0",
                    fontcolor="#000000" if up else "#808080",
                )
                fill = (lambda c: c) if up else (lambda c: "#d0d0d0")
                if h in self.apiservers:
                    is_leader = leader is not None and leader.name == h and up
                    s.node(
                        f"{h}/etcd",
                        "etcd (leader)" if is_leader else "etcd",
                        fillcolor=fill("#f7e3c4"),
                        shape="cylinder",
                        penwidth="2" if is_leader else "1",
                    )
                    s.node(f"{h}/kube-apiserver", "kube-apiserver", fillcolor=fill("#cfe0f7"))
                for comp in placed.get(h, []):
                    s.node(f"{h}/{comp}", comp, fillcolor=fill("#dcefd9"))
                if h not in self.apiservers and not placed.get(h):
                    s.node(f"{h}/idle", "(nothing modelled runs here yet)", shape="plaintext",
                           style="", fontcolor="#808080")  # fmt: skip
            if h in self.apiservers:
                g.edge(WORKSTATION, f"{h}/kube-apiserver", label="REST")
                g.edge(f"{h}/kube-apiserver", f"{h}/etcd", label="gRPC")
                for comp in placed.get(h, []):
                    g.edge(f"{h}/{comp}", f"{h}/kube-apiserver")
            else:
                for comp in placed.get(h, []):
                    g.edge(f"{h}/{comp}", f"{self.control_plane_hosts[0]}/kube-apiserver",
                           dir="back")  # fmt: skip
        for a, b in zip(self.control_plane_hosts, self.control_plane_hosts[1:], strict=False):
            g.edge(f"{a}/etcd", f"{b}/etcd", label="Raft", dir="both", style="dashed")
        missing = [c for c in STANDARD_COMPONENTS if c not in self.components]
        notes = []
        if unplaced:
            notes.append("running (hosts not reported): " + ", ".join(unplaced))
        if missing:
            notes.append("not modelled yet: " + ", ".join(missing))
        active = [f.describe() for f in self.faults.active]
        if active:
            notes.append("faults: " + "; ".join(active))
        if notes:
            g.node("notes", "\n".join(notes), shape="note", style="filled", fillcolor="#fffbe6")
        down = [h.name for h in self.world.hosts if not h.up]
        title = (
            f"cluster: {len(self.control_plane_hosts)} control plane(s), "
            f"{len(self.node_hosts)} worker(s); etcd leader "
            f"{leader.name if leader else 'none'}"
            + (f"; down: {', '.join(down)}" if down else "")
            + (f"; not modelled yet: {', '.join(missing)}" if missing else "")
        )
        return Diagram(g, title)


def _node_object(name: str, index: int, now: str) -> dict[str, Any]:
    """The Node a kubelet registers (``pkg/kubelet/nodestatus/setters.go``: the conditions
    and their messages; labels from ``kubelet_node_status.go`` initialNode)."""
    zone = NODE_ZONES[(index - 1) % len(NODE_ZONES)]
    resources = {"cpu": NODE_CPU, "memory": NODE_MEMORY, "pods": NODE_PODS}

    def condition(ctype: str, status: str, reason: str, message: str) -> dict[str, str]:
        return {
            "type": ctype,
            "status": status,
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        }

    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "topology.kubernetes.io/zone": zone,
            },
        },
        "spec": {},
        "status": {
            "capacity": dict(resources),
            "allocatable": dict(resources),
            "conditions": [
                condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                condition(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                ),
                condition(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                ),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.1.{index}"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": "containerd://1.7.24",
                "kernelVersion": "6.1.0-28-amd64",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": "",
            },
        },
    }
