"""The scheduling framework as a picture: a profile's extension points and plugins, in order.

:func:`pipeline_diagram` draws the scheduling cycle (queue sort, PreFilter, Filter, PostFilter,
PreScore, Score with weights, Reserve, Permit) and the binding cycle (PreBind, Bind, PostBind)
of a live :class:`~kubelab.scheduler.framework.Framework` -- the plugins it really runs, so a
changed configuration changes the drawing -- with the queue in front and the API server behind.
"""

from __future__ import annotations

import graphviz

from kubelab.scheduler.framework import Framework
from kubelab.viz.render import Diagram

__all__ = ["pipeline_diagram"]

#: Extension points in the order a pod meets them (framework/interface.go), with a caption.
_SCHEDULING_CYCLE: tuple[tuple[str, str], ...] = (
    ("preFilter", "PreFilter"),
    ("filter", "Filter: which nodes can run the pod?"),
    ("postFilter", "PostFilter: none can -- preempt?"),
    ("preScore", "PreScore"),
    ("score", "Score: which node is best? (weight)"),
    ("reserve", "Reserve"),
    ("permit", "Permit"),
)
_BINDING_CYCLE: tuple[tuple[str, str], ...] = (
    ("preBind", "PreBind"),
    ("bind", "Bind"),
    ("postBind", "PostBind"),
)


def _label(title: str, plugins: list[str]) -> str:
    body = "\\n".join(plugins) if plugins else "(no plugins)"
    return f"{title}\\n\\n{body}"


def pipeline_diagram(fw: Framework) -> Diagram:
    """The extension points of ``fw`` and their enabled plugins, as a graphviz diagram."""
    plugins = fw.list_plugins()
    weights = fw.score_weights
    g = graphviz.Digraph("scheduler", graph_attr={"rankdir": "TB", "fontname": "Helvetica"})
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10")
    g.attr("edge", fontname="Helvetica", fontsize="9")
    sort = ", ".join(plugins.get("queueSort", []))
    g.node(
        "queue",
        f"scheduling queue\\n(activeQ ordered by {sort};\\nbackoffQ; unschedulablePods)",
        fillcolor="#f7e3c4",
    )
    with g.subgraph(name="cluster_cycle") as s:
        s.attr(label="scheduling cycle (one pod at a time)", style="rounded", color="#4a6fa5")
        prev = None
        for point, title in _SCHEDULING_CYCLE:
            names = list(plugins.get(point, []))
            if point == "score":
                names = [f"{n} ({weights.get(n, 1)})" for n in names]
            s.node(point, _label(title, names), fillcolor="#cfe0f7")
            if prev is not None and point != "postFilter":
                s.edge(prev, point)
            if point != "postFilter":
                prev = point
        s.edge("filter", "postFilter", label="no node fits", style="dashed")
    with g.subgraph(name="cluster_binding") as s:
        s.attr(label="binding cycle (asynchronous)", style="rounded", color="#5a8f5a")
        for point, title in _BINDING_CYCLE:
            s.node(point, _label(title, list(plugins.get(point, []))), fillcolor="#dcefd9")
        s.edge("preBind", "bind")
        s.edge("bind", "postBind")
    g.node(
        "api", "kube-apiserver\\nPOST pods/<name>/binding\\nEvents, pod status", fillcolor="#ffffff"
    )
    g.edge("queue", "preFilter", label="pop")
    g.edge("permit", "preBind", label="assume the pod\\non its node")
    g.edge("bind", "api")
    g.edge("postFilter", "queue", label="back to the queue\\n(FailedScheduling)", style="dashed")
    g.edge("api", "queue", label="informers:\\npods, nodes", style="dotted", constraint="false")
    title = (
        f"profile {fw.profile_name}: "
        + "; ".join(f"{p}: {', '.join(v)}" for p, v in plugins.items() if v)
        + "; weights "
        + ", ".join(f"{k}={v}" for k, v in weights.items())
    )
    return Diagram(g, title)
