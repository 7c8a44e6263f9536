"""NodeAffinity (``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go``).

PreFilter: Skip when the pod has neither ``spec.nodeSelector`` nor a required node affinity
(and the profile adds none). When every required term pins ``metadata.name`` with ``In``, the
result narrows the nodes to those names (terms ORed, requirements within a term ANDed); no
name left is UnschedulableAndUnresolvable ``pod affinity terms conflict``.

Filter: ``spec.nodeSelector`` and the required terms must match the node, else
UnschedulableAndUnresolvable ``node(s) didn't match Pod's node affinity/selector``. A
profile's ``addedAffinity`` is checked first (``node(s) didn't match scheduler-enforced node
affinity``).

Score: the sum of the weights of the preferred terms the node matches; NormalizeScore is
``DefaultNormalizeScore`` (``100 * s / max``). PreScore returns Skip when there are no
preferred terms. Weight 2 in the default profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kubelab.scheduler.framework import (
    Code,
    CycleState,
    FilterPlugin,
    Handle,
    NodeScore,
    PreFilterPlugin,
    PreFilterResult,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from kubelab.scheduler.nodeselector import (
    OBJECT_NAME_FIELD,
    NodeSelector,
    PreferredSchedulingTerms,
    RequiredNodeAffinity,
    node_fields,
)
from kubelab.scheduler.plugins.helper import default_normalize_score
from kubelab.scheduler.types import NodeInfo, PodInfo

NAME = "NodeAffinity"
#: node_affinity.go error reasons.
ERR_REASON_POD: Final = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED: Final = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT: Final = "pod affinity terms conflict"
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_PRE_SCORE_KEY: Final = "PreScore" + NAME


def preferred_terms(pod: PodInfo) -> PreferredSchedulingTerms | None:
    """``getPodPreferredNodeAffinity``: None when the pod prefers nothing."""
    na = ((pod.pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}
    terms = na.get("preferredDuringSchedulingIgnoredDuringExecution")
    if not terms:
        return None
    return PreferredSchedulingTerms(terms)


def _fields(node_info: NodeInfo) -> dict[str, str]:
    return {OBJECT_NAME_FIELD: node_info.name} if node_info.name else {}


class NodeAffinity(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = NAME
    normalizes = True

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        super().__init__(args, handle)
        added = args.get("addedAffinity") or {}
        req = added.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.added_node_selector = NodeSelector(req) if req is not None else None
        pref = added.get("preferredDuringSchedulingIgnoredDuringExecution")
        self.added_pref_terms = PreferredSchedulingTerms(pref) if pref else None

    def pre_filter(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status | None]:
        spec = pod.pod.get("spec") or {}
        na = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        required = na.get("requiredDuringSchedulingIgnoredDuringExecution")
        if (
            required is None
            and self.added_node_selector is None
            and spec.get("nodeSelector") is None
        ):
            return None, Status(Code.Skip)
        state.write(_PRE_FILTER_KEY, RequiredNodeAffinity(pod.pod))
        terms = (required or {}).get("nodeSelectorTerms") or []
        if not terms:
            return None, None
        node_names: set[str] | None = None
        for t in terms:
            term_names: set[str] | None = None
            for r in t.get("matchFields") or []:
                if r.get("key") == OBJECT_NAME_FIELD and r.get("operator") == "In":
                    s = {str(v) for v in r.get("values") or []}
                    term_names = s if term_names is None else term_names & s
            if term_names is None:
                return None, None  # this term allows any node; the terms are ORed
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return None, Status(Code.UnschedulableAndUnresolvable, ERR_REASON_CONFLICT)
        return PreFilterResult(node_names), None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        fields = _fields(node_info)
        if self.added_node_selector is not None and not self.added_node_selector.matches(
            node_info.labels, fields
        ):
            return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_ENFORCED)
        req = state.get(_PRE_FILTER_KEY)
        if req is None:
            req = RequiredNodeAffinity(pod.pod)
        if not req.matches(node_info.labels, fields):
            return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_POD)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        if not nodes:
            return None
        terms = preferred_terms(pod)
        if terms is None and self.added_pref_terms is None:
            return Status(Code.Skip)
        state.write(_PRE_SCORE_KEY, terms)
        return None

    def score(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[int, Status | None]:
        fields = _fields(node_info)
        count = 0
        if self.added_pref_terms is not None:
            count += self.added_pref_terms.score(node_info.labels, fields)
        try:
            terms = state.read(_PRE_SCORE_KEY)
        except KeyError:
            terms = preferred_terms(pod)
        if terms is not None:
            count += terms.score(node_info.labels, fields)
        return count, None

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: list[NodeScore]
    ) -> Status | None:
        default_normalize_score(scores, reverse=False)
        return None

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Node", "Add"), ("Node", "Update")]


__all__ = ["ERR_REASON_POD", "NAME", "NodeAffinity", "node_fields", "preferred_terms"]
