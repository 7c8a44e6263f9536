"""Chapter 0's picture: a cluster's hosts, the components on each, and who talks to whom."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import graphviz

from kubelab.viz.render import Diagram


@dataclass(frozen=True)
class Component:
    """A cluster component: its name, where it runs, and its job in one sentence."""

    name: str
    runs_on: str
    job: str
    chapter: int


#: The components of a cluster and their jobs (kubernetes.io/docs/concepts/overview/components/).
COMPONENTS: tuple[Component, ...] = (
    Component(
        "etcd",
        "control plane",
        "Consistent, highly available key-value store that holds all cluster state.",
        1,
    ),
    Component(
        "kube-apiserver",
        "control plane",
        "The front end: authenticates, authorizes, validates and stores every request.",
        2,
    ),
    Component(
        "kube-controller-manager",
        "control plane",
        "Runs the reconcile loops that move actual state towards desired state.",
        3,
    ),
    Component(
        "kube-scheduler",
        "control plane",
        "Picks a node for every pod that has none.",
        4,
    ),
    Component(
        "kubelet",
        "every node",
        "Makes the pods bound to its node run, and reports their status.",
        5,
    ),
    Component(
        "kube-proxy",
        "every node",
        "Programs the node's network so that Service addresses reach pods.",
        6,
    ),
    Component(
        "containerd",
        "every node",
        "Container runtime: pulls images and runs containers for the kubelet (through CRI).",
        7,
    ),
)

CONTROL_PLANE = ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager")
NODE = ("kubelet", "kube-proxy", "containerd")


def component_table() -> str:
    """The components as a fixed-width text table."""
    rows = [("COMPONENT", "RUNS ON", "CHAPTER", "JOB")] + [
        (c.name, c.runs_on, str(c.chapter), c.job) for c in COMPONENTS
    ]
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}" for r in rows)


def cluster_diagram(description: Mapping[str, Sequence[str]]) -> Diagram:
    """Draw a cluster from ``{"control_plane": [hosts], "nodes": [hosts]}``.

    Each control-plane host runs the four control-plane components, each node the three node
    components. Arrows: every component talks to the API server (the kubelet and kube-proxy on
    every node, the scheduler and controller manager on every control-plane host); only the API
    server talks to etcd; the kubelet drives containerd through CRI; kube-proxy programs its
    node's network.
    """
    cps = list(description.get("control_plane", ()))
    nodes = list(description.get("nodes", ()))
    if not cps:
        raise ValueError("a cluster description needs at least one control_plane host")
    g = graphviz.Digraph("cluster", graph_attr={"rankdir": "TB", "fontname": "Helvetica"})
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9")
    g.node("user", "kubectl (user)", shape="plaintext", style="")
    for cp in cps:
        with g.subgraph(name=f"cluster_{cp}") as s:
            s.attr(label=f"{cp} (control plane)", style="rounded", color="#4a6fa5")
            s.node(f"{cp}/kube-apiserver", "kube-apiserver", fillcolor="#cfe0f7")
            s.node(f"{cp}/etcd", "etcd", fillcolor="#f7e3c4", shape="cylinder")
            s.node(f"{cp}/kube-scheduler", "kube-scheduler", fillcolor="#dcefd9")
            s.node(f"{cp}/kube-controller-manager", "kube-controller-manager", fillcolor="#dcefd9")
        api = f"{cp}/kube-apiserver"
        g.edge("user", api, label="REST")
        g.edge(api, f"{cp}/etcd", label="gRPC", dir="both")
        g.edge(f"{cp}/kube-scheduler", api, label="watch, bind")
        g.edge(f"{cp}/kube-controller-manager", api, label="watch, update")
    for a, b in itertools.pairwise(cps):
        g.edge(f"{a}/etcd", f"{b}/etcd", label="Raft", dir="both", style="dashed")
    api0 = f"{cps[0]}/kube-apiserver"
    for n in nodes:
        with g.subgraph(name=f"cluster_{n}") as s:
            s.attr(label=f"{n} (worker)", style="rounded", color="#5a8f5a")
            s.node(f"{n}/kubelet", "kubelet", fillcolor="#e5d9f2")
            s.node(f"{n}/kube-proxy", "kube-proxy", fillcolor="#e5d9f2")
            s.node(f"{n}/containerd", "containerd", fillcolor="#eeeeee")
            s.node(f"{n}/net", "iptables rules", shape="note", fillcolor="#ffffff")
        # Drawn from the API server with the arrowhead reversed, so workers sit below it.
        g.edge(api0, f"{n}/kubelet", label="watch pods, report status", dir="back")
        g.edge(api0, f"{n}/kube-proxy", label="watch services", dir="back")
        g.edge(f"{n}/kubelet", f"{n}/containerd", label="CRI")
        g.edge(f"{n}/kube-proxy", f"{n}/net", label="programs")
    title = f"cluster: {len(cps)} control-plane host(s), {len(nodes)} worker node(s)"
    return Diagram(g, title)
