"""InterPodAffinity (``pkg/scheduler/framework/plugins/interpodaffinity/``: ``plugin.go``,
``filtering.go``, ``scoring.go``; v1.32).

Counts are kept per topology pair (key, value):

* ``existing_anti_affinity_counts`` -- existing pods whose *required anti-affinity* terms match
  the incoming pod, counted at the existing pod's node's pairs;
* ``affinity_counts`` -- existing pods matching *all* the incoming pod's required affinity
  terms;
* ``anti_affinity_counts`` -- existing pods matching one of the incoming pod's required
  anti-affinity terms.

Filter, in this order:

1. the node must carry every affinity term's topology key and each pair must count a matching
   pod -- unless no pod anywhere matches and the pod matches its own terms (the first pod of a
   group) -- else UnschedulableAndUnresolvable ``node(s) didn't match pod affinity rules``;
2. no pod matching the incoming pod's anti-affinity in the node's domain, else Unschedulable
   ``node(s) didn't match pod anti-affinity rules``;
3. no existing pod whose anti-affinity forbids the incoming pod in the node's domain, else
   Unschedulable ``node(s) didn't satisfy existing pods anti-affinity rules``.

Score: for every existing pod, its node's topology pairs collect ``+weight`` for each preferred
affinity term of the incoming pod it matches, ``-weight`` for anti-affinity; the incoming pod
matching an existing pod's required affinity adds ``hardPodAffinityWeight`` (default 1), its
preferred terms ``+/-weight``. A node scores the sum over its labels; NormalizeScore is
``int(100 * (s - min) / (max - min))``. Weight 2.

Namespace selectors of the incoming pod's terms are resolved to namespace names up front
(``mergeAffinityTermNamespacesIfNotEmpty``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kubelab.api import Selector
from kubelab.scheduler.framework import (
    MAX_NODE_SCORE,
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
from kubelab.scheduler.types import AffinityTerm, NodeInfo, PodInfo, WeightedAffinityTerm

NAME = "InterPodAffinity"
#: filtering.go error reasons.
ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: Final = (
    "node(s) didn't satisfy existing pods anti-affinity rules"
)
ERR_REASON_AFFINITY_RULES_NOT_MATCH: Final = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: Final = "node(s) didn't match pod anti-affinity rules"
_PRE_FILTER_KEY: Final = "PreFilter" + NAME
_PRE_SCORE_KEY: Final = "PreScore" + NAME

Pair = tuple[str, str]


def _bump(m: dict[Pair, int], labels: Mapping[str, str], key: str, value: int) -> None:
    """``topologyToMatchedTermCount.update``: entries that fall to 0 are deleted."""
    tv = labels.get(key)
    if tv is None:
        return
    pair = (key, tv)
    n = m.get(pair, 0) + value
    if n == 0:
        m.pop(pair, None)
    else:
        m[pair] = n


def pod_matches_all_affinity_terms(terms: list[AffinityTerm], pod: PodInfo) -> bool:
    """``podMatchesAllAffinityTerms``: False for no terms."""
    if not terms:
        return False
    return all(t.matches(pod, None) for t in terms)


class IncomingPod:
    """The incoming pod's parsed terms, with namespace selectors merged into namespaces."""

    def __init__(self, pod: PodInfo, handle: Handle) -> None:
        self.pod = pod
        snap = handle.snapshot
        self.required_affinity = [self._merge(t, handle) for t in pod.required_affinity_terms]
        self.required_anti_affinity = [
            self._merge(t, handle) for t in pod.required_anti_affinity_terms
        ]
        self.preferred_affinity = [
            WeightedAffinityTerm(self._merge(w.term, handle), w.weight)
            for w in pod.preferred_affinity_terms
        ]
        self.preferred_anti_affinity = [
            WeightedAffinityTerm(self._merge(w.term, handle), w.weight)
            for w in pod.preferred_anti_affinity_terms
        ]
        self.namespace_labels = snap.namespace_labels(pod.namespace)

    @staticmethod
    def _merge(t: AffinityTerm, handle: Handle) -> AffinityTerm:
        """plugin.go ``mergeAffinityTermNamespacesIfNotEmpty``."""
        if t.namespace_selector.empty():
            return t
        names = set(t.namespaces) | set(handle.snapshot.namespaces_matching(t.namespace_selector))
        return AffinityTerm(frozenset(names), t.selector, t.topology_key, Selector.nothing())


class PreFilterState:
    """filtering.go ``preFilterState``."""

    def __init__(self, incoming: IncomingPod) -> None:
        self.incoming = incoming
        self.existing_anti_affinity_counts: dict[Pair, int] = {}
        self.affinity_counts: dict[Pair, int] = {}
        self.anti_affinity_counts: dict[Pair, int] = {}

    def update_with_pod(self, p: PodInfo, node: NodeInfo, multiplier: int) -> None:
        """``updateWithPod``: a pod added to or removed from ``node`` (preemption)."""
        inc = self.incoming
        for t in p.required_anti_affinity_terms:
            if t.matches(inc.pod, inc.namespace_labels):
                _bump(self.existing_anti_affinity_counts, node.labels, t.topology_key, multiplier)
        if pod_matches_all_affinity_terms(inc.required_affinity, p):
            for t in inc.required_affinity:
                _bump(self.affinity_counts, node.labels, t.topology_key, multiplier)
        for t in inc.required_anti_affinity:
            if t.matches(p, None):
                _bump(self.anti_affinity_counts, node.labels, t.topology_key, multiplier)

    def clone(self) -> PreFilterState:
        c = PreFilterState(self.incoming)
        c.existing_anti_affinity_counts = dict(self.existing_anti_affinity_counts)
        c.affinity_counts = dict(self.affinity_counts)
        c.anti_affinity_counts = dict(self.anti_affinity_counts)
        return c


class InterPodAffinity(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = NAME
    normalizes = True

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        super().__init__(args, handle)
        self.hard_pod_affinity_weight = int(args.get("hardPodAffinityWeight", 1))
        self.ignore_preferred_terms_of_existing_pods = bool(
            args.get("ignorePreferredTermsOfExistingPods", False)
        )

    # -- filter ------------------------------------------------------------------------------

    def calc_pre_filter_state(self, pod: PodInfo) -> PreFilterState:
        snap = self.handle.snapshot
        inc = IncomingPod(pod, self.handle)
        s = PreFilterState(inc)
        # getExistingAntiAffinityCounts
        for node in snap.have_pods_with_required_anti_affinity_list():
            for existing in node.pods_with_required_anti_affinity:
                for t in existing.required_anti_affinity_terms:
                    if t.matches(pod, inc.namespace_labels):
                        _bump(s.existing_anti_affinity_counts, node.labels, t.topology_key, 1)
        # getIncomingAffinityAntiAffinityCounts
        if inc.required_affinity or inc.required_anti_affinity:
            for node in snap.list():
                for existing in node.pods:
                    if pod_matches_all_affinity_terms(inc.required_affinity, existing):
                        for t in inc.required_affinity:
                            _bump(s.affinity_counts, node.labels, t.topology_key, 1)
                    for t in inc.required_anti_affinity:
                        if t.matches(existing, None):
                            _bump(s.anti_affinity_counts, node.labels, t.topology_key, 1)
        return s

    def pre_filter(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status | None]:
        if pod.parse_error is not None:
            return None, Status(
                Code.UnschedulableAndUnresolvable, f"parsing pod: {pod.parse_error}"
            )
        s = self.calc_pre_filter_state(pod)
        if (
            not s.existing_anti_affinity_counts
            and not s.incoming.required_affinity
            and not s.incoming.required_anti_affinity
        ):
            return None, Status(Code.Skip)
        state.write(_PRE_FILTER_KEY, s)
        return None, None

    def pre_filter_extensions(self) -> InterPodAffinity:
        return self

    def add_pod(
        self, state: CycleState, pod: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s = state.get(_PRE_FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod_to_add, node_info, 1)
        return None

    def remove_pod(
        self, state: CycleState, pod: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        s = state.get(_PRE_FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod_to_remove, node_info, -1)
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: PreFilterState | None = state.get(_PRE_FILTER_KEY)
        if s is None:
            s = self.calc_pre_filter_state(pod)
        labels = node_info.labels
        # satisfyPodAffinity
        pods_exist = True
        for t in s.incoming.required_affinity:
            v = labels.get(t.topology_key)
            if v is None:
                return Status(
                    Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY_RULES_NOT_MATCH
                )
            if s.affinity_counts.get((t.topology_key, v), 0) <= 0:
                pods_exist = False
        if not pods_exist and not (
            not s.affinity_counts
            and pod_matches_all_affinity_terms(s.incoming.required_affinity, pod)
        ):
            return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY_RULES_NOT_MATCH)
        # satisfyPodAntiAffinity
        if s.anti_affinity_counts:
            for t in s.incoming.required_anti_affinity:
                v = labels.get(t.topology_key)
                if v is not None and s.anti_affinity_counts.get((t.topology_key, v), 0) > 0:
                    return Status(Code.Unschedulable, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
        # satisfyExistingPodsAntiAffinity
        if s.existing_anti_affinity_counts:
            for k, v in labels.items():
                if s.existing_anti_affinity_counts.get((k, v), 0) > 0:
                    return Status(
                        Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH
                    )
        return None

    # -- score -------------------------------------------------------------------------------

    @staticmethod
    def _process_term(
        m: dict[str, dict[str, int]],
        term: AffinityTerm,
        weight: int,
        pod: PodInfo,
        ns_labels: Mapping[str, str] | None,
        labels: Mapping[str, str],
        multiplier: int,
    ) -> None:
        """scoring.go ``scoreMap.processTerm``."""
        if term.matches(pod, ns_labels):
            v = labels.get(term.topology_key)
            if v is not None:
                d = m.setdefault(term.topology_key, {})
                d[v] = d.get(v, 0) + weight * multiplier

    def _process_existing_pod(
        self, inc: IncomingPod, existing: PodInfo, node: NodeInfo, m: dict[str, dict[str, int]]
    ) -> None:
        """scoring.go ``processExistingPod``."""
        labels = node.labels
        if not labels:
            return
        for w in inc.preferred_affinity:
            self._process_term(m, w.term, w.weight, existing, None, labels, 1)
        for w in inc.preferred_anti_affinity:
            self._process_term(m, w.term, w.weight, existing, None, labels, -1)
        if self.hard_pod_affinity_weight > 0:
            for t in existing.required_affinity_terms:
                self._process_term(
                    m, t, self.hard_pod_affinity_weight, inc.pod, inc.namespace_labels, labels, 1
                )
        for w in existing.preferred_affinity_terms:
            self._process_term(m, w.term, w.weight, inc.pod, inc.namespace_labels, labels, 1)
        for w in existing.preferred_anti_affinity_terms:
            self._process_term(m, w.term, w.weight, inc.pod, inc.namespace_labels, labels, -1)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        if not nodes:
            return None
        has_constraints = bool(pod.preferred_affinity_terms or pod.preferred_anti_affinity_terms)
        if self.ignore_preferred_terms_of_existing_pods and not has_constraints:
            return Status(Code.Skip)
        snap = self.handle.snapshot
        all_nodes = snap.list() if has_constraints else snap.have_pods_with_affinity_list()
        inc = IncomingPod(pod, self.handle)
        m: dict[str, dict[str, int]] = {}
        for node in all_nodes:
            pods = node.pods if has_constraints else node.pods_with_affinity
            for existing in pods:
                self._process_existing_pod(inc, existing, node, m)
        if not m:
            # No existing pod produced a topology score (upstream: index == -1).
            return Status(Code.Skip)
        state.write(_PRE_SCORE_KEY, m)
        return None

    def score(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[int, Status | None]:
        m: dict[str, dict[str, int]] = state.read(_PRE_SCORE_KEY)
        total = 0
        for key, values in m.items():
            v = node_info.labels.get(key)
            if v is not None:
                total += values.get(v, 0)
        return total, None

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: list[NodeScore]
    ) -> Status | None:
        m = state.get(_PRE_SCORE_KEY)
        if not m:
            return None
        lo = min(s.score for s in scores)
        hi = max(s.score for s in scores)
        diff = hi - lo
        for s in scores:
            f = 0.0
            if diff > 0:
                f = float(MAX_NODE_SCORE) * ((s.score - lo) / diff)
            s.score = int(f)
        return None

    def events_to_register(self) -> list[tuple[str, str]]:
        return [("Pod", "*"), ("Node", "Add"), ("Node", "Update")]
