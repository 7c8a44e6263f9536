"""A vectorized scheduling cycle for plain pods: the same filters, scores and choice as the
per-node reference path, computed over numpy arrays.

The reference plugins loop over nodes in Python, which is fine for a chapter's ten nodes but
not for 5,000. :class:`FastPath` keeps, per node (in the cache's node-tree order), allocatable
and requested cpu/memory/ephemeral-storage/pods, the non-zero requests, a taint-set index and
label columns, refreshed from the cache's dirty nodes before each cycle. It then evaluates the
default filters (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit)
and scores (TaintToleration, NodeAffinity, NodeResourcesFit with any strategy,
NodeResourcesBalancedAllocation, ImageLocality) with the same integer and float arithmetic as
the plugins, visits nodes from the same start index, and breaks ties with the same calls on
the same random stream -- so it picks the same node with the same scores.

It declines (returns None, and the reference path runs) whenever a pod or the cluster needs
something it does not model: host ports, pod (anti-)affinity anywhere in the cluster,
topology spreading (explicit or defaulted from a Service/ReplicaSet), ``Gt``/``Lt`` or
``matchFields`` node selectors, extended resources, nominated pods, a nominated node, custom
plugins or plugin arguments it does not know.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from kubelab.api.selectors import DOES_NOT_EXIST, EXISTS, IN, NOT_IN
from kubelab.scheduler.framework import (
    MAX_NODE_SCORE,
    Code,
    CycleState,
    Diagnosis,
    FitError,
    Framework,
    NodePluginScores,
    PluginScore,
    Status,
)
from kubelab.scheduler.nodeselector import (
    NO_EXECUTE,
    NO_SCHEDULE,
    NodeSelectorTerm,
    PreferredSchedulingTerms,
    RequiredNodeAffinity,
    tolerations_tolerate_taint,
)
from kubelab.scheduler.plugins import imagelocality as il
from kubelab.scheduler.plugins import nodeaffinity as na
from kubelab.scheduler.plugins import noderesources_fit as nrf
from kubelab.scheduler.plugins import nodeunschedulable as nu
from kubelab.scheduler.plugins import tainttoleration as tt
from kubelab.scheduler.plugins.podtopologyspread import PodTopologySpread
from kubelab.scheduler.types import NodeInfo, PodInfo

if TYPE_CHECKING:
    from kubelab.scheduler.scheduler import Decision, Scheduler

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

_SUPPORTED_FILTERS: Final = frozenset(
    {
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "PodTopologySpread",
        "InterPodAffinity",
    }
)
_SUPPORTED_SCORES: Final = frozenset(
    {
        "TaintToleration",
        "NodeAffinity",
        "NodeResourcesFit",
        "NodeResourcesBalancedAllocation",
        "ImageLocality",
        "PodTopologySpread",
        "InterPodAffinity",
    }
)
_SUPPORTED_PRE: Final = frozenset(
    {
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "PodTopologySpread",
        "InterPodAffinity",
        "TaintToleration",
        "NodeResourcesBalancedAllocation",
    }
)
_BASIC_RESOURCES: Final = ("cpu", "memory", "ephemeral-storage")
#: Stands for "no such label" in a label column ("<" cannot occur in a label value).
_MISSING: Final = "<missing>"


def _go_trunc_div(a: I64, b: I64 | int) -> I64:
    """Go's integer division (toward zero) on arrays."""
    q = np.abs(a) // np.abs(b)
    return np.where((a >= 0) == (np.asarray(b) >= 0), q, -q)


def _skip_draws(rng: random.Random, k: int) -> None:
    """Advance ``rng`` as ``k`` calls of ``rng.random()`` would, without the values.

    CPython's ``random()`` takes two 32-bit outputs of the Mersenne Twister and
    ``getrandbits(n)`` takes ``ceil(n / 32)`` of them, so ``getrandbits(64 * k)`` moves the
    stream by exactly ``k`` draws (``Modules/_randommodule.c``). The equivalence tests check
    this against the per-node path, which calls ``random()`` itself."""
    if k > 0:
        rng.getrandbits(64 * k)


class FastPath:
    """Vectorized filters and scores over the scheduler's cache (see the module doc)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.sched = scheduler
        self.cache = scheduler.cache
        self._version = -1
        self.n = 0
        self.names: list[str] = []
        self.pos: dict[str, int] = {}
        self.nodes: list[NodeInfo] = []
        self._node_objs: list[Mapping[str, Any]] = []
        self._columns: dict[str, npt.NDArray[np.object_]] = {}
        self._taint_sigs: dict[tuple[tuple[str, str, str], ...], int] = {}
        self._sig_taints: list[list[Mapping[str, Any]]] = []
        self._image_pos: dict[str, tuple[int, int, I64]] = {}
        self._image_version = -1
        #: ImageLocality scores over all nodes, per list of pod images (same node list).
        self._image_scores: dict[tuple[str, ...], I64] = {}
        #: Whether each profile's plugins and arguments are covered (profiles never change).
        self._fw_ok: dict[int, tuple[Framework, bool]] = {}
        #: The arrays of the last scoring, for :meth:`last_scores`.
        self.last: dict[str, Any] = {}
        #: Whether the last ``schedule_pod`` call took the fast path.
        self.used = False

    # -- keeping the arrays in step with the cache ---------------------------------------------

    def _alloc(self) -> None:
        n = self.n
        z = np.zeros(n, dtype=np.int64)
        self.alloc_cpu, self.alloc_mem, self.alloc_eph, self.alloc_pods = (
            z.copy() for _ in range(4)
        )
        self.req_cpu, self.req_mem, self.req_eph, self.npods = (z.copy() for _ in range(4))
        self.nz_cpu, self.nz_mem = z.copy(), z.copy()
        self.unsched = np.zeros(n, dtype=bool)
        self.sig = np.zeros(n, dtype=np.int64)

    def _sig_of(self, ni: NodeInfo) -> int:
        key = tuple(
            (str(t.get("key") or ""), str(t.get("value") or ""), str(t.get("effect") or ""))
            for t in ni.taints
        )
        idx = self._taint_sigs.get(key)
        if idx is None:
            idx = len(self._sig_taints)
            self._taint_sigs[key] = idx
            self._sig_taints.append(list(ni.taints))
        return idx

    def _row(self, i: int, ni: NodeInfo) -> None:
        a, r, z = ni.allocatable, ni.requested, ni.non_zero_requested
        self.alloc_cpu[i] = a.milli_cpu
        self.alloc_mem[i] = a.memory
        self.alloc_eph[i] = a.ephemeral_storage
        self.alloc_pods[i] = a.allowed_pod_number
        self.req_cpu[i] = r.milli_cpu
        self.req_mem[i] = r.memory
        self.req_eph[i] = r.ephemeral_storage
        self.npods[i] = len(ni.pods)
        self.nz_cpu[i] = z.milli_cpu
        self.nz_mem[i] = z.memory
        if ni.node is not self._node_objs[i]:
            self._node_objs[i] = ni.node
            self.unsched[i] = ni.unschedulable
            self.sig[i] = self._sig_of(ni)
            for key, col in self._columns.items():
                col[i] = ni.labels.get(key, _MISSING)

    def sync(self) -> None:
        """Rebuild when the node list changed, else refresh the dirty rows."""
        cache = self.cache
        if cache.list_version != self._version:
            self.nodes = list(cache.node_list())
            self.n = len(self.nodes)
            self.names = [ni.name for ni in self.nodes]
            self.pos = {name: i for i, name in enumerate(self.names)}
            self._node_objs = [{} for _ in self.nodes]
            self._columns = {}
            self._alloc()
            for i, ni in enumerate(self.nodes):
                self._row(i, ni)
            self._version = cache.list_version
            self._image_pos = {}
            self._image_scores = {}
            self._image_version = cache.images_version
            cache.dirty_nodes.clear()
            return
        if cache.dirty_nodes:
            for name in cache.dirty_nodes:
                j = self.pos.get(name)
                if j is not None:
                    self._row(j, self.nodes[j])
            cache.dirty_nodes.clear()
        if cache.images_version != self._image_version:
            self._image_pos = {}
            self._image_scores = {}
            self._image_version = cache.images_version

    def column(self, key: str) -> npt.NDArray[np.object_]:
        col = self._columns.get(key)
        if col is None:
            col = np.empty(self.n, dtype=object)
            col[:] = [ni.labels.get(key, _MISSING) for ni in self.nodes]
            self._columns[key] = col
        return col

    # -- what the fast path covers -------------------------------------------------------------

    def _plugins_ok(self, fw: Framework) -> bool:
        if any(p.name not in _SUPPORTED_FILTERS for p in fw.filter_plugins):
            return False
        if any(p.name not in _SUPPORTED_PRE for p in fw.pre_filter_plugins):
            return False
        if any(p.name not in _SUPPORTED_PRE for p in fw.pre_score_plugins):
            return False
        for spl in fw.score_plugins:
            if spl.name not in _SUPPORTED_SCORES:
                return False
        naff = fw.plugins.get("NodeAffinity")
        if isinstance(naff, na.NodeAffinity) and (
            naff.added_node_selector is not None or naff.added_pref_terms is not None
        ):
            return False
        fit = fw.plugins.get("NodeResourcesFit")
        if isinstance(fit, nrf.NodeResourcesFit) and any(
            r not in _BASIC_RESOURCES for r in fit.scorer.resources
        ):
            return False
        bal = fw.plugins.get("NodeResourcesBalancedAllocation")
        if bal is not None:
            res = bal.scorer.resources  # type: ignore[attr-defined]
            if len(res) != 2 or any(r not in _BASIC_RESOURCES for r in res):
                return False
        return True

    @staticmethod
    def _selector_ok(sel: Any) -> bool:
        return all(r.operator in (IN, NOT_IN, EXISTS, DOES_NOT_EXIST) for r in sel.requirements)

    def _term_ok(self, term: NodeSelectorTerm | None) -> bool:
        if term is None:
            return True
        if term.fields is not None:
            return False
        return term.labels is None or self._selector_ok(term.labels)

    def _profile_ok(self, fw: Framework) -> bool:
        hit = self._fw_ok.get(id(fw))
        if hit is None or hit[0] is not fw:
            hit = (fw, self._plugins_ok(fw))
            self._fw_ok[id(fw)] = hit
        return hit[1]

    def supports(self, fw: Framework, pod: PodInfo) -> bool:
        """Whether this pod, on this cluster and profile, is covered."""
        if not self._profile_ok(fw):
            return False
        spec = pod.pod.get("spec") or {}
        if pod.host_ports or pod.has_affinity or spec.get("nodeName"):
            return False
        if spec.get("topologySpreadConstraints"):
            return False
        if (pod.pod.get("status") or {}).get("nominatedNodeName"):
            return False
        if pod.requests.scalar:
            return False
        if self.cache.num_pods_with_affinity:
            return False
        if self.sched.queue.has_nominations():
            return False
        na_aff = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        req = na_aff.get("requiredDuringSchedulingIgnoredDuringExecution")
        if req is not None:
            for t in req.get("nodeSelectorTerms") or []:
                if t.get("matchFields"):
                    return False
                for e in t.get("matchExpressions") or []:
                    if e.get("operator") in ("Gt", "Lt"):
                        return False
        for t in na_aff.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
            pref = t.get("preference") or {}
            if pref.get("matchFields"):
                return False
            for e in pref.get("matchExpressions") or []:
                if e.get("operator") in ("Gt", "Lt"):
                    return False
        spread = fw.plugins.get("PodTopologySpread")
        if not any(self.cache.workloads.values()):
            # No Service or workload object can select the pod: the defaulted constraints
            # (helper.DefaultSelector) have an empty selector and are dropped.
            return True
        return not (
            isinstance(spread, PodTopologySpread)
            and (
                spread._constraints(pod, "ScheduleAnyway")
                or spread._constraints(pod, "DoNotSchedule")
            )
        )

    # -- label matching ------------------------------------------------------------------------

    def _match_selector(self, sel: Any) -> B:
        m = np.ones(self.n, dtype=bool)
        for r in sel.requirements:
            col = self.column(r.key)
            if r.operator == EXISTS:
                m &= col != _MISSING
            elif r.operator == DOES_NOT_EXIST:
                m &= col == _MISSING
            else:
                hit = np.zeros(self.n, dtype=bool)
                for v in r.values:
                    hit |= np.equal(col, v)
                m &= hit if r.operator == IN else ~hit
        return m

    def _match_term(self, term: NodeSelectorTerm) -> B:
        if term.labels is None:
            return np.ones(self.n, dtype=bool)
        return self._match_selector(term.labels)

    def _required_affinity_mask(self, pod: PodInfo) -> B:
        req = RequiredNodeAffinity(pod.pod)
        m = np.ones(self.n, dtype=bool)
        if req.label_selector is not None:
            for k, v in req.label_selector.items():
                m &= np.equal(self.column(k), v)
        if req.node_selector is not None:
            any_term = np.zeros(self.n, dtype=bool)
            for term in req.node_selector.terms:
                if term is not None:
                    any_term |= self._match_term(term)
            m &= any_term
        return m

    # -- the cycle -----------------------------------------------------------------------------

    def schedule_pod(self, fw: Framework, state: CycleState, pod: PodInfo) -> Decision | None:
        """schedulePod, vectorized; None when the pod is not covered."""
        from kubelab.scheduler.scheduler import (
            Decision,
            NoNodesAvailableError,
            num_feasible_nodes_to_find,
            select_host,
        )

        if not self.supports(fw, pod):
            return None
        self.used = True
        self.sync()
        n = self.n
        if n == 0:
            raise NoNodesAvailableError()
        spec = pod.pod.get("spec") or {}
        tols = spec.get("tolerations") or []
        skip_filters: set[str] = set()
        na_aff = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        if (
            na_aff.get("requiredDuringSchedulingIgnoredDuringExecution") is None
            and spec.get("nodeSelector") is None
        ):
            skip_filters.add("NodeAffinity")
        skip_filters |= {"NodePorts", "PodTopologySpread", "InterPodAffinity"}

        ctx = self._filter_context(fw, pod, tols, skip_filters)
        pct = fw.percentage_of_nodes_to_score
        to_find = num_feasible_nodes_to_find(
            self.sched.percentage_of_nodes_to_score if pct is None else pct, n
        )
        start = self.sched.next_start_node_index
        # Nodes are visited from ``start`` round the list and the search stops once ``to_find``
        # fit: evaluate a window a little larger than that first, the rest only if needed.
        window = n if to_find >= n else min(n, to_find + to_find // 8 + 32)
        feas = np.flatnonzero(~self._failed_positions(ctx, start, 0, window))
        if len(feas) < to_find and window < n:
            rest = np.flatnonzero(~self._failed_positions(ctx, start, window, n)) + window
            feas = np.concatenate((feas, rest))
        if len(feas) >= to_find and to_find > 0:
            sel_pos = feas[:to_find]
            processed = int(sel_pos[-1]) + 1
        else:
            sel_pos = feas
            processed = n
        sel = sel_pos + start
        sel[sel >= n] -= n
        self.sched.next_start_node_index = (start + processed) % n
        num_failed = processed - len(sel)

        if len(sel) == 0:
            fails, taint_reasons, fit_parts = self._filter_parts(ctx, 0, n)
            raise FitError(
                pod, n, self._diagnosis(fails, taint_reasons, fit_parts, start, processed)
            )
        diag_len = num_failed
        if len(sel) == 1:
            self.last = {}
            d = Decision(self.names[int(sel[0])], 1 + diag_len, 1, [])
            return d

        # -- scores over the selected nodes --
        totals = np.zeros(len(sel), dtype=np.int64)
        rows: list[tuple[str, I64, I64, I64]] = []
        for spl in fw.score_plugins:
            name = spl.name
            raw: I64
            if name in ("PodTopologySpread", "InterPodAffinity"):
                continue  # PreScore returns Skip for covered pods
            if name == "TaintToleration":
                pref = tt.prefer_no_schedule_tolerations(pod)
                counts = np.array(
                    [tt.count_intolerable_prefer_no_schedule(t, pref) for t in self._sig_taints],
                    dtype=np.int64,
                )
                raw = counts[self.sig[sel]]
                norm = self._default_normalize(raw, reverse=True)
            elif name == "NodeAffinity":
                terms = na.preferred_terms(pod)
                if terms is None:
                    continue  # PreScore Skip
                raw = self._preferred_score(terms, sel)
                norm = self._default_normalize(raw, reverse=False)
            elif name == "NodeResourcesFit":
                assert isinstance(spl, nrf.NodeResourcesFit)
                raw = self._fit_score(spl, pod, sel)
                norm = raw
            elif name == "NodeResourcesBalancedAllocation":
                raw = self._balanced_score(spl, pod, sel)
                norm = raw
            elif name == "ImageLocality":
                raw = self._image_score(pod, sel)
                norm = raw
            else:  # pragma: no cover - guarded by supports()
                return None
            w = fw.score_weights.get(name, 1)
            weighted = norm * w
            totals += weighted
            rows.append((name, raw, norm, weighted))
        self.last = {"sel": sel, "rows": rows, "totals": totals}
        host = self._select(sel, totals, select_host)
        scores = self.last_scores() if self.sched.record_scores else []
        return Decision(host, len(sel) + diag_len, len(sel), scores)

    def _select(self, sel: I64, totals: I64, select_host: Any) -> str:
        """selectHost's reservoir sampling with the same draws from the same stream.

        Walking the list, a node that beats the best so far is kept (count 1); a node that
        ties it makes a draw and is kept with probability 1/count. Only the draws after the
        last new best decide the choice, but every tie draws, so the stream moves on by the
        number of ties."""
        rng = self.sched.rng
        k = len(totals)
        if k == 1:
            return self.names[int(sel[0])]
        run_max = np.maximum.accumulate(totals)
        prev = run_max[:-1]
        rest = totals[1:]
        ties = np.flatnonzero(rest == prev) + 1
        if len(ties) == 0:
            return self.names[int(sel[int(np.argmax(totals))])]
        # the position where the final best value first appeared
        best = int(run_max[-1])
        first = int(np.argmax(totals == best))
        final = ties >= first
        ft = ties[final]
        _skip_draws(rng, len(ties) - len(ft))
        if len(ft) == 0:
            return self.names[int(sel[first])]
        draw = rng.random
        draws = np.array([draw() for _ in range(len(ft))], dtype=np.float64)
        counts = np.arange(2, len(ft) + 2, dtype=np.float64)
        kept = np.flatnonzero(draws * counts < 1.0)
        chosen = int(ft[kept[-1]]) if len(kept) else first
        return self.names[int(sel[chosen])]

    def last_scores(self) -> list[NodePluginScores]:
        """The last cycle's scores as the reference path reports them."""
        if not self.last:
            return []
        sel = self.last["sel"]
        rows = self.last["rows"]
        totals = self.last["totals"]
        out: list[NodePluginScores] = []
        for j, i in enumerate(sel.tolist()):
            ps = [
                PluginScore(name, int(raw[j]), int(norm[j]), int(wt[j]))
                for name, raw, norm, wt in rows
            ]
            out.append(NodePluginScores(self.names[i], ps, int(totals[j])))
        return out

    # -- filters -------------------------------------------------------------------------------

    def _filter_context(
        self, fw: Framework, pod: PodInfo, tols: list[Any], skip: set[str]
    ) -> dict[str, Any]:
        """What the filters need for this pod, computed once per cycle: the enabled filters
        in plugin order, the verdict per taint set, the required node affinity mask."""
        ctx: dict[str, Any] = {"pod": pod, "plugins": []}
        for pl in fw.filter_plugins:
            name = pl.name
            if name in skip or name == "NodeName":  # pods with spec.nodeName are not covered
                continue
            if name == "NodeUnschedulable":
                if nu.tolerates_unschedulable(pod):
                    continue
            elif name == "TaintToleration":
                reasons: list[str | None] = []
                for taints in self._sig_taints:
                    bad = None
                    for t in taints:
                        if t.get("effect") in (
                            NO_SCHEDULE,
                            NO_EXECUTE,
                        ) and not tolerations_tolerate_taint(tols, t):
                            bad = tt.untolerated_taint_reason(t)
                            break
                    reasons.append(bad)
                ctx["taint_reasons"] = reasons
                ctx["sig_bad"] = np.array([r is not None for r in reasons], dtype=bool)
            elif name == "NodeAffinity":
                ctx["affinity_fail"] = ~self._required_affinity_mask(pod)
            elif name != "NodeResourcesFit":
                continue
            ctx["plugins"].append(name)
        return ctx

    def _filter_parts(
        self, ctx: dict[str, Any], lo: int, hi: int
    ) -> tuple[list[tuple[str, B, Code]], list[str | None], list[tuple[str, B]]]:
        """The failing mask of each enabled filter over nodes ``lo..hi-1``, with the taint
        reasons and the NodeResourcesFit reasons (for the diagnosis)."""
        pod: PodInfo = ctx["pod"]
        fails: list[tuple[str, B, Code]] = []
        fit_parts: list[tuple[str, B]] = []
        for name in ctx["plugins"]:
            if name == "NodeUnschedulable":
                fails.append((name, self.unsched[lo:hi], Code.UnschedulableAndUnresolvable))
            elif name == "TaintToleration":
                fails.append(
                    (name, ctx["sig_bad"][self.sig[lo:hi]], Code.UnschedulableAndUnresolvable)
                )
            elif name == "NodeAffinity":
                fails.append((name, ctx["affinity_fail"][lo:hi], Code.UnschedulableAndUnresolvable))
            else:  # NodeResourcesFit
                r = pod.requests
                fit_parts = [
                    (nrf.REASON_TOO_MANY_PODS, self.npods[lo:hi] + 1 > self.alloc_pods[lo:hi])
                ]
                if not r.is_zero():
                    if r.milli_cpu > 0:
                        fit_parts.append(
                            (
                                nrf.REASON_INSUFFICIENT_CPU,
                                r.milli_cpu > self.alloc_cpu[lo:hi] - self.req_cpu[lo:hi],
                            )
                        )
                    if r.memory > 0:
                        fit_parts.append(
                            (
                                nrf.REASON_INSUFFICIENT_MEMORY,
                                r.memory > self.alloc_mem[lo:hi] - self.req_mem[lo:hi],
                            )
                        )
                    if r.ephemeral_storage > 0:
                        fit_parts.append(
                            (
                                nrf.REASON_INSUFFICIENT_EPHEMERAL,
                                r.ephemeral_storage > self.alloc_eph[lo:hi] - self.req_eph[lo:hi],
                            )
                        )
                m = fit_parts[0][1].copy()
                for _, part in fit_parts[1:]:
                    m |= part
                fails.append((name, m, Code.Unschedulable))
        return fails, ctx.get("taint_reasons") or [], fit_parts

    def _failed_range(self, ctx: dict[str, Any], lo: int, hi: int) -> B:
        fails, _, _ = self._filter_parts(ctx, lo, hi)
        failed = np.zeros(hi - lo, dtype=bool)
        for _, m, _ in fails:
            failed |= m
        return failed

    def _failed_positions(self, ctx: dict[str, Any], start: int, p0: int, p1: int) -> B:
        """Whether each node at visiting positions ``p0..p1-1`` (position 0 is node
        ``start``) fails a filter."""
        n = self.n
        lo, hi = start + p0, start + p1
        if hi <= n:
            return self._failed_range(ctx, lo, hi)
        if lo >= n:
            return self._failed_range(ctx, lo - n, hi - n)
        return np.concatenate((self._failed_range(ctx, lo, n), self._failed_range(ctx, 0, hi - n)))

    def _diagnosis(
        self,
        fails: list[tuple[str, B, Code]],
        taint_reasons: list[str | None],
        fit_parts: list[tuple[str, B]],
        start: int,
        processed: int,
    ) -> Diagnosis:
        d = Diagnosis()
        n = self.n
        for k in range(processed):
            i = (start + k) % n
            for name, m, code in fails:
                if not m[i]:
                    continue
                if name == "TaintToleration":
                    reasons: tuple[str, ...] = (str(taint_reasons[int(self.sig[i])]),)
                elif name == "NodeResourcesFit":
                    reasons = tuple(reason for reason, part in fit_parts if part[i])
                elif name == "NodeUnschedulable":
                    reasons = (nu.ERR_REASON_UNSCHEDULABLE,)
                else:
                    reasons = (na.ERR_REASON_POD,)
                d.node_to_status.set(self.names[i], Status(code, *reasons, plugin=name))
                d.unschedulable_plugins.add(name)
                break
        return d

    # -- score helpers -------------------------------------------------------------------------

    @staticmethod
    def _default_normalize(raw: I64, reverse: bool) -> I64:
        hi = int(raw.max()) if len(raw) else 0
        if hi == 0:
            if reverse:
                return np.full(len(raw), MAX_NODE_SCORE, dtype=np.int64)
            return raw.copy()
        v = (MAX_NODE_SCORE * raw) // hi
        return MAX_NODE_SCORE - v if reverse else v

    def _preferred_score(self, terms: PreferredSchedulingTerms, sel: I64) -> I64:
        total = np.zeros(self.n, dtype=np.int64)
        for term, weight in terms.terms:
            total += np.where(self._match_term(term), weight, 0)
        return total[sel]

    def _resource_arrays(
        self, name: str, pod: PodInfo, sel: I64, use_requested: bool
    ) -> tuple[I64, I64]:
        """(allocatable, requested incl. the pod) over ``sel`` for one resource."""
        if name == "cpu":
            alloc = self.alloc_cpu[sel]
            base = (self.req_cpu if use_requested else self.nz_cpu)[sel]
            pr = pod.requests.milli_cpu if use_requested else pod.non0_cpu
        elif name == "memory":
            alloc = self.alloc_mem[sel]
            base = (self.req_mem if use_requested else self.nz_mem)[sel]
            pr = pod.requests.memory if use_requested else pod.non0_mem
        else:
            alloc = self.alloc_eph[sel]
            base = self.req_eph[sel]
            pr = pod.requests.ephemeral_storage
        return alloc, base + pr

    def _fit_score(self, pl: nrf.NodeResourcesFit, pod: PodInfo, sel: I64) -> I64:
        sc = pl.scorer
        k = len(sel)
        node_score = np.zeros(k, dtype=np.int64)
        weight_sum = np.zeros(k, dtype=np.int64)
        strategy = pl.strategy
        shape_fn = None
        if strategy == "RequestedToCapacityRatio":
            ss = pl.args.get("scoringStrategy") or {}
            shape = (ss.get("requestedToCapacityRatio") or {}).get("shape") or []
            shape_fn = [(int(p["utilization"]), int(p["score"]) * 10) for p in shape]
        arrays = [
            self._resource_arrays(name, pod, sel, use_requested=False) for name in sc.resources
        ]
        if strategy == "LeastAllocated" and all(int(a.min()) > 0 for a, _ in arrays):
            # every allocatable is non-zero: each resource counts with its weight
            for (alloc, req), w in zip(arrays, sc.weights, strict=True):
                node_score += (np.maximum(alloc - req, 0) * MAX_NODE_SCORE) // alloc * w
            return node_score // sum(int(w) for w in sc.weights)
        for (alloc, req), w in zip(arrays, sc.weights, strict=True):
            valid = alloc != 0
            safe = np.where(valid, alloc, 1)
            if strategy == "LeastAllocated":
                s = np.where(req > alloc, 0, ((alloc - req) * MAX_NODE_SCORE) // safe)
                node_score += np.where(valid, s * w, 0)
                weight_sum += np.where(valid, w, 0)
            elif strategy == "MostAllocated":
                s = (np.minimum(req, alloc) * MAX_NODE_SCORE) // safe
                node_score += np.where(valid, s * w, 0)
                weight_sum += np.where(valid, w, 0)
            else:
                assert shape_fn is not None
                util = np.where(req > alloc, 100, (req * 100) // safe)
                s = self._broken_linear(shape_fn, util)
                take = valid & (s > 0)
                node_score += np.where(take, s * w, 0)
                weight_sum += np.where(take, w, 0)
        out = np.zeros(k, dtype=np.int64)
        nz = weight_sum != 0
        if strategy == "RequestedToCapacityRatio":
            ratio = node_score[nz] / weight_sum[nz]
            out[nz] = np.floor(ratio + 0.5).astype(np.int64)
        else:
            out[nz] = node_score[nz] // weight_sum[nz]
        return out

    @staticmethod
    def _broken_linear(shape: list[tuple[int, int]], p: I64) -> I64:
        out = np.full(len(p), shape[-1][1], dtype=np.int64)
        done = np.zeros(len(p), dtype=bool)
        for i, (u, s) in enumerate(shape):
            here = ~done & (p <= u)
            if i == 0:
                out = np.where(here, shape[0][1], out)
            else:
                u0, s0 = shape[i - 1]
                val = s0 + _go_trunc_div((s - s0) * (p - u0), u - u0)
                out = np.where(here, val, out)
            done |= here
        return out

    def _balanced_score(self, pl: Any, pod: PodInfo, sel: I64) -> I64:
        names = pl.scorer.resources
        arrays = [self._resource_arrays(name, pod, sel, use_requested=True) for name in names]
        if all(int(a.min()) > 0 for a, _ in arrays):
            f0 = np.minimum(arrays[0][1] / arrays[0][0], 1.0)
            f1 = np.minimum(arrays[1][1] / arrays[1][0], 1.0)
            return ((1 - np.abs((f0 - f1) / 2)) * MAX_NODE_SCORE).astype(np.int64)
        fr: list[npt.NDArray[np.float64]] = []
        valids: list[B] = []
        for alloc, req in arrays:
            valid = alloc != 0
            f = np.where(valid, req / np.where(valid, alloc, 1), 0.0)
            fr.append(np.minimum(f, 1.0))
            valids.append(valid)
        both = valids[0] & valids[1]
        std = np.where(both, np.abs((fr[0] - fr[1]) / 2), 0.0)
        return ((1 - std) * MAX_NODE_SCORE).astype(np.int64)

    def _image_positions(self, image: str) -> tuple[int, int, I64] | None:
        hit = self._image_pos.get(image)
        if hit is None:
            st = self.cache.image_states.get(image)
            if st is None:
                return None
            idx = np.array(
                sorted(self.pos[nm] for nm in st.nodes if nm in self.pos), dtype=np.int64
            )
            hit = (st.size, st.num_nodes, idx)
            self._image_pos[image] = hit
        return hit

    def _image_score(self, pod: PodInfo, sel: I64) -> I64:
        images = il.pod_images(pod)
        key = tuple(images)
        full = self._image_scores.get(key)
        if full is None:
            total_nodes = self.n
            sums = np.zeros(self.n, dtype=np.int64)
            for image in images:
                hit = self._image_positions(image)
                if hit is None:
                    continue
                size, num, idx = hit
                sums[idx] += int(float(size) * (num / total_nodes))
            max_threshold = il.MAX_CONTAINER_THRESHOLD * len(images)
            s = np.minimum(np.maximum(sums, il.MIN_THRESHOLD), max_threshold)
            full = (MAX_NODE_SCORE * (s - il.MIN_THRESHOLD)) // (max_threshold - il.MIN_THRESHOLD)
            self._image_scores[key] = full
        return full[sel]


__all__ = ["FastPath", "math"]
