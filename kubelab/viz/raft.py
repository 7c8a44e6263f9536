"""Diagrams of a Raft cluster: each member's role, term and log, with its commit index.

The input is a list of member states as :meth:`kubelab.etcd.EtcdCluster.state` returns them, so
the diagram is always drawn from live model state:
``{"name", "up", "role", "term", "commit", "applied", "log": [(index, term), ...], "lead"}``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import graphviz

from kubelab.viz.render import Diagram

ROLE_COLOURS = {
    "leader": "#f7d774",
    "follower": "#cfe0f7",
    "candidate": "#f4b6b6",
    "pre-candidate": "#f8d2b0",
    "down": "#dddddd",
}
TERM_COLOURS = ["#ffffff", "#e8f4e8", "#e8eef8", "#f8f0e0", "#f3e6f5", "#e6f5f3", "#f5e6e6"]


def _role(member: Mapping[str, Any]) -> str:
    if not member.get("up", True):
        return "down"
    return str(member.get("role", "follower")).lower().removeprefix("state")


def _log_cells(member: Mapping[str, Any], width: int) -> str:
    log: Sequence[Sequence[int]] = member.get("log", [])
    commit = int(member.get("commit", 0))
    shown = list(log)[-width:]
    cells = []
    if len(log) > len(shown):
        cells.append('<td border="0">…</td>')
    for index, term in shown:
        bg = TERM_COLOURS[term % len(TERM_COLOURS)]
        border = "3" if index <= commit else "1"
        cells.append(
            f'<td bgcolor="{bg}" border="{border}" width="28" fixedsize="false" port="i{index}">'
            f'<font point-size="9">{index}</font><br/>t{term}</td>'
        )
    if not cells:
        cells.append('<td border="0"><i>empty log</i></td>')
    return "".join(cells)


def raft_diagram(
    members: Sequence[Mapping[str, Any]], title: str = "Raft cluster", log_width: int = 12
) -> Diagram:
    """Draw each member as a box with its role, term, commit index and the tail of its log
    (entries shown as index/term; committed entries have a thick border). The leader's
    replication arrows point to the followers it sends to."""
    g = graphviz.Digraph("raft", graph_attr={"rankdir": "LR", "fontname": "Helvetica"})
    g.attr("node", shape="plaintext", fontname="Helvetica", fontsize="11")
    leader = None
    for m in members:
        role = _role(m)
        name = str(m["name"])
        if role == "leader":
            leader = name
        head = (
            f"<b>{html.escape(name)}</b> · {role} · term {m.get('term', 0)}"
            f" · commit {m.get('commit', 0)}"
        )
        label = (
            f'<<table border="1" cellborder="1" cellspacing="2" bgcolor="{ROLE_COLOURS[role]}">'
            f'<tr><td colspan="{max(1, min(log_width, len(m.get("log", []))) + 1)}" '
            f'border="0">{head}</td></tr>'
            f"<tr>{_log_cells(m, log_width)}</tr></table>>"
        )
        g.node(name, label)
    if leader is not None:
        for m in members:
            if m["name"] != leader and _role(m) != "down":
                g.edge(leader, str(m["name"]), label="AppendEntries", fontsize="9")
    roles = ", ".join(f"{m['name']}={_role(m)}" for m in members)
    return Diagram(g, f"{title}: {roles}")
