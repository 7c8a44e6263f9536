"""Why a pod goes where it goes: every filter verdict and every score, per node.

``explain(scheduler, pod)`` runs one scheduling cycle's PreFilter, Filter, PreScore, Score and
NormalizeScore for ``pod`` against the scheduler's current cache *without changing anything*
(no assume, no bind, the start index and random stream untouched). Unlike a real cycle it
checks every node (not only ``numFeasibleNodesToFind`` of them), and it runs every Filter
plugin on every node so a reader sees all the reasons -- ``rejected_by`` names the one
upstream would report (the first failing plugin, in plugin order).

:func:`failed_scheduling_message` builds the ``FailedScheduling`` text from a diagnosis
(types.go ``FitError.Error``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubelab.scheduler.framework import (
    Code,
    CycleState,
    Diagnosis,
    Framework,
    PluginScore,
    Status,
    fit_error_message,
    is_success,
)
from kubelab.scheduler.types import PodInfo

if TYPE_CHECKING:
    from kubelab.scheduler.scheduler import Scheduler


def failed_scheduling_message(
    diagnosis: Diagnosis, num_nodes: int, preemption_msg: str = ""
) -> str:
    """The FailedScheduling event text: ``0/N nodes are available: <count> <reason>, ....``
    followed by the preemption message (``preemption: ...``) when there is one."""
    d = Diagnosis(
        node_to_status=diagnosis.node_to_status,
        unschedulable_plugins=diagnosis.unschedulable_plugins,
        pending_plugins=diagnosis.pending_plugins,
        pre_filter_msg=diagnosis.pre_filter_msg,
        post_filter_msg=preemption_msg or diagnosis.post_filter_msg,
    )
    return fit_error_message(d, num_nodes)


@dataclass
class FilterVerdict:
    """One Filter plugin's answer for one node."""

    plugin: str
    code: str  # "Success", "Unschedulable", "UnschedulableAndUnresolvable", "Skip", ...
    reasons: tuple[str, ...] = ()


@dataclass
class NodeExplanation:
    """Everything about one node."""

    node: str
    filters: list[FilterVerdict]
    rejected_by: str | None = None
    reasons: tuple[str, ...] = ()
    scores: list[PluginScore] = field(default_factory=list)
    total: int | None = None

    @property
    def feasible(self) -> bool:
        return self.rejected_by is None


@dataclass
class Explanation:
    """The result of :func:`explain`."""

    pod: str
    pre_filter: list[FilterVerdict]
    nodes: list[NodeExplanation]
    weights: dict[str, int]
    message: str = ""
    best: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> list[str]:
        return [n.node for n in self.nodes if n.feasible]

    def node(self, name: str) -> NodeExplanation:
        for n in self.nodes:
            if n.node == name:
                return n
        raise KeyError(name)

    def table(self) -> str:
        """A text table: one row per node, filter verdict then each plugin's
        raw/normalized/weighted score and the total."""
        plugins: list[str] = []
        for n in self.nodes:
            for s in n.scores:
                if s.name not in plugins:
                    plugins.append(s.name)
        header = (
            ["NODE", "FILTER"] + [f"{p}(x{self.weights.get(p, 1)})" for p in plugins] + ["TOTAL"]
        )
        rows = [header]
        for n in self.nodes:
            verdict = "ok" if n.feasible else f"{n.rejected_by}: {', '.join(n.reasons)}"
            by = {sc.name: sc for sc in n.scores}
            cells = [n.node, verdict]
            for p in plugins:
                ps = by.get(p)
                cells.append("-" if ps is None else f"{ps.raw}->{ps.normalized}->{ps.score}")
            cells.append("-" if n.total is None else str(n.total))
            rows.append(cells)
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
        if self.message:
            lines.append("")
            lines.append(self.message)
        elif self.best:
            lines.append("")
            lines.append(f"best: {', '.join(self.best)}")
        return "\n".join(lines)


def _pod_info(pod: Mapping[str, Any] | PodInfo) -> PodInfo:
    return pod if isinstance(pod, PodInfo) else PodInfo(pod)


def explain(scheduler: Scheduler, pod: Mapping[str, Any] | PodInfo) -> Explanation:
    """Explain where ``pod`` would go on ``scheduler``'s current cluster (read-only)."""
    pi = _pod_info(pod)
    fw: Framework | None = scheduler.framework_for(pi)
    if fw is None:
        raise ValueError(f"no profile for schedulerName of pod {pi.namespace}/{pi.name}")
    scheduler.snapshot_for(fw)
    snapshot = fw.handle.snapshot
    nodes = snapshot.list()
    state = CycleState()
    name = f"{pi.namespace}/{pi.name}"
    pre: list[FilterVerdict] = []
    diagnosis = Diagnosis()
    pre_res, s, plugins = fw.run_pre_filter_plugins(state, pi)
    for pl in fw.pre_filter_plugins:
        code = "Skip" if pl.name in state.skip_filter_plugins else "Success"
        if s is not None and s.plugin == pl.name:
            code = s.code.name
        pre.append(
            FilterVerdict(pl.name, code, s.reasons if s is not None and s.plugin == pl.name else ())
        )
    out = Explanation(name, pre, [], dict(fw.score_weights))
    if not is_success(s):
        assert s is not None
        diagnosis.pre_filter_msg = s.message()
        diagnosis.node_to_status.set_absent_nodes_status(s)
        for n in nodes:
            out.nodes.append(NodeExplanation(n.name, [], s.plugin or "PreFilter", s.reasons))
        out.message = failed_scheduling_message(diagnosis, len(nodes))
        return out
    allowed = None if pre_res is None or pre_res.all_nodes() else (pre_res.node_names or set())
    feasible = []
    for n in nodes:
        verdicts: list[FilterVerdict] = []
        first: Status | None = None
        if allowed is not None and n.name not in allowed:
            reason = f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(plugins))}]"
            first = Status(Code.UnschedulableAndUnresolvable, reason, plugin="PreFilterResult")
        for fpl in fw.filter_plugins:
            if fpl.name in state.skip_filter_plugins:
                verdicts.append(FilterVerdict(fpl.name, "Skip"))
                continue
            v = fpl.filter(state, pi, n)
            vcode = Code.Success if v is None else v.code
            verdicts.append(FilterVerdict(fpl.name, vcode.name, () if v is None else v.reasons))
            if first is None and v is not None and v.code != Code.Success:
                first = Status(v.code, *v.reasons, plugin=fpl.name)
        if first is None:
            # Nominated pods of higher priority can still make the node unfit.
            nom = fw.run_filter_plugins_with_nominated_pods(state, pi, n)
            if not is_success(nom):
                assert nom is not None
                first = nom
        ne = NodeExplanation(n.name, verdicts)
        if first is not None:
            ne.rejected_by = first.plugin or "?"
            ne.reasons = first.reasons
            diagnosis.node_to_status.set(n.name, first)
            if first.plugin and first.plugin != "PreFilterResult":
                diagnosis.unschedulable_plugins.add(first.plugin)
        else:
            feasible.append(n)
        out.nodes.append(ne)
    if not feasible:
        post_msg = ""
        if fw.post_filter_plugins:
            saved = fw.handle.rng
            fw.handle.rng = random.Random(0)
            try:
                _res, ps = fw.run_post_filter_plugins(state.clone(), pi, diagnosis.node_to_status)
            finally:
                fw.handle.rng = saved
            post_msg = ps.message()
        out.message = failed_scheduling_message(diagnosis, len(nodes), post_msg)
        return out
    scores = scheduler.prioritize_nodes(fw, state, pi, feasible)
    by_name = {ns.name: ns for ns in scores}
    for ne in out.nodes:
        ns = by_name.get(ne.node)
        if ns is not None:
            ne.scores = ns.scores
            ne.total = ns.total_score
    top = max(ns.total_score for ns in scores)
    out.best = [ns.name for ns in scores if ns.total_score == top]
    return out
