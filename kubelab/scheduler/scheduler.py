"""kube-scheduler's main loop as a pure model: ``Scheduler.schedule_one(now)``.

Models ``pkg/scheduler/schedule_one.go`` (``ScheduleOne``, ``schedulingCycle``,
``bindingCycle``, ``schedulePod``, ``findNodesThatFitPod``, ``findNodesThatPassFilters``,
``numFeasibleNodesToFind``, ``prioritizeNodes``, ``selectHost``, ``handleSchedulingFailure``)
and ``pkg/scheduler/eventhandlers.go`` (which cluster events move which pods).

One cycle, for the pod at the head of the active queue:

1. PreFilter, then Filter over the nodes, starting where the previous cycle stopped
   (``nextStartNodeIndex``) and stopping once ``numFeasibleNodesToFind`` nodes fit -- with the
   adaptive default that is ``max(5%, 50% - nodes/125)`` of the nodes, at least 100;
2. if no node fits: PostFilter (preemption), a ``FitError`` whose text is the FailedScheduling
   event, and the pod goes back to the queue;
3. if one node fits it is taken; otherwise PreScore, Score, NormalizeScore and weights, and the
   best total wins -- ties broken uniformly at random by reservoir sampling (the seeded
   ``rng``);
4. the pod is *assumed* on the node in the cache, Reserve and Permit run, then (the binding
   cycle) PreBind, Bind, PostBind.

``Scheduler`` also takes the cluster events an informer would deliver (``add_node``,
``delete_pod``, ...). With ``self_contained=True`` (the default) it plays the API server's part
too: a bound pod is added to the cache at once and preemption victims are deleted at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.scheduler import config as cfgmod
from kubelab.scheduler.cache import Cache, CacheError
from kubelab.scheduler.framework import (
    Code,
    CycleState,
    Diagnosis,
    FitError,
    Framework,
    Handle,
    NodePluginScores,
    PostFilterResult,
    Status,
    is_success,
)
from kubelab.scheduler.plugins.defaultbinder import binding_for
from kubelab.scheduler.queue import QueuedPodInfo, SchedulingQueue
from kubelab.scheduler.types import NodeInfo, PodInfo, pod_key

#: schedule_one.go constants.
MIN_FEASIBLE_NODES_TO_FIND: Final = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: Final = 5
#: schedule_one.go ErrNoNodesAvailable.
ERR_NO_NODES_AVAILABLE: Final = "no nodes available to schedule pods"


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """schedule_one.go ``numFeasibleNodesToFind``: how many feasible nodes to look for.

    Fewer than 100 nodes: all of them. ``percentage`` 0 means adaptive:
    ``max(5, 50 - nodes/125)`` percent. Never fewer than 100.

    >>> [num_feasible_nodes_to_find(0, n) for n in (50, 1000, 5000, 6000, 20000)]
    [50, 420, 500, 300, 1000]
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        if percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    num = num_all_nodes * percentage // 100
    return max(num, MIN_FEASIBLE_NODES_TO_FIND)


def select_host(scores: Sequence[NodePluginScores], rng: random.Random) -> str:
    """schedule_one.go ``selectHost``: the highest total; among equal totals each node is kept
    with probability 1/k as the k-th one is met (reservoir sampling), so every best node is
    equally likely."""
    if not scores:
        raise ValueError("empty priorityList")
    best = scores[0].total_score
    selected = scores[0].name
    count = 1
    for ns in scores[1:]:
        if ns.total_score > best:
            best = ns.total_score
            selected = ns.name
            count = 1
        elif ns.total_score == best:
            count += 1
            if tie_draw(rng, count):
                selected = ns.name
    return selected


def tie_draw(rng: random.Random, count: int) -> bool:
    """Replace the kept node with probability ``1/count`` (Go: ``rand.Intn(count) == 0``)."""
    return rng.random() * count < 1.0


class NoNodesAvailableError(Exception):
    """schedule_one.go ``ErrNoNodesAvailable``."""

    def __str__(self) -> str:
        return ERR_NO_NODES_AVAILABLE


@dataclass
class Decision:
    """schedule_one.go ``ScheduleResult``: the chosen host and how many nodes were looked at."""

    host: str
    evaluated_nodes: int
    feasible_nodes: int
    scores: list[NodePluginScores] = field(default_factory=list)
    diagnosis: Diagnosis = field(default_factory=Diagnosis)


@dataclass
class ScheduleResult:
    """What one ``schedule_one`` did, for the driver and for the reader."""

    pod: str
    reason: str  # "Scheduled", "Unschedulable", "SchedulerError", "Skipped"
    node: str | None = None
    message: str = ""
    evaluated_nodes: int = 0
    feasible_nodes: int = 0
    scores: list[NodePluginScores] = field(default_factory=list)
    error: FitError | None = None
    nominated_node: str | None = None
    victims: list[str] = field(default_factory=list)
    victim_pods: list[Mapping[str, Any]] = field(default_factory=list)
    cleared_nominations: list[str] = field(default_factory=list)
    cleared_nomination_pods: list[Mapping[str, Any]] = field(default_factory=list)
    #: What happens to ``status.nominatedNodeName`` (``NominatingInfo``): ``Override`` sets it
    #: to :attr:`nominated_node` (cleared when that is None), ``Noop`` leaves it.
    nominating_mode: str = ""
    queue: str | None = None
    binding: dict[str, Any] | None = None
    attempts: int = 0
    fast_path: bool = False
    pod_info: PodInfo | None = None
    #: With ``defer_binding``: the binding cycle still to run (reason ``Assumed``).
    pending: PendingBinding | None = None

    @property
    def scheduled(self) -> bool:
        return self.reason == "Scheduled"

    def event(self) -> dict[str, str]:
        """The Event the scheduler records: ``Normal Scheduled`` or ``Warning
        FailedScheduling``."""
        if self.reason == "Scheduled":
            return {"type": "Normal", "reason": "Scheduled", "message": self.message}
        return {"type": "Warning", "reason": "FailedScheduling", "message": self.message}


@dataclass
class PendingBinding:
    """A pod assumed on a node whose binding cycle (PreBind, Bind, PostBind) has not run yet:
    what ``schedule_one(now, defer_binding=True)`` hands to a driver that binds through the
    API server and then calls :meth:`Scheduler.finish_binding_cycle`."""

    fw: Framework
    state: CycleState
    qpi: QueuedPodInfo
    host: str
    cycle: int
    result: ScheduleResult
    assumed: PodInfo


class Scheduler:
    """kube-scheduler: cache + queue + one framework per profile, driven by explicit calls.

    ``config`` is a ``KubeSchedulerConfiguration`` dict (defaulted and validated here);
    ``rng`` breaks score ties and picks preemption's start offset; ``fast`` uses the
    vectorized path (:mod:`kubelab.scheduler.fast`) for pods it covers.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        rng: random.Random | None = None,
        *,
        fast: bool = True,
        self_contained: bool = True,
        assumed_pod_ttl: float = 0.0,
        record_scores: bool = True,
    ) -> None:
        self.config = cfgmod.load(config)
        self.rng = rng if rng is not None else random.Random(0)
        self.self_contained = self_contained
        #: Keep per-node, per-plugin scores in each ScheduleResult (off for benchmarks).
        self.record_scores = record_scores
        self.cache = Cache(ttl=assumed_pod_ttl)
        self.percentage_of_nodes_to_score = int(self.config["percentageOfNodesToScore"])
        self.profiles: dict[str, Framework] = {}
        for prof in self.config["profiles"]:
            handle = Handle()
            handle.rng = self.rng
            fw = Framework(prof, handle=handle)
            self.profiles[fw.profile_name] = fw
        first = next(iter(self.profiles.values()))
        events: dict[str, list[tuple[str, str]]] = {}
        for fw in self.profiles.values():
            for name, evs in fw.events_by_plugin().items():
                events.setdefault(name, [])
                events[name].extend(e for e in evs if e not in events[name])
        self.queue = SchedulingQueue(
            less=first.less,
            pre_enqueue=self._pre_enqueue,
            events_by_plugin=events,
            initial_backoff=float(self.config["podInitialBackoffSeconds"]),
            max_backoff=float(self.config["podMaxBackoffSeconds"]),
            sort_key=getattr(first.queue_sort_plugins[0], "sort_key", None),
        )
        for fw in self.profiles.values():
            fw.handle.nominator = self.queue
        self.next_start_node_index = 0
        self.events: list[dict[str, str]] = []
        #: The informer's view of a pod, ``(namespace, name) -> pod or None``. When set (a
        #: driver on a real API), a failed pod goes back to the queue only if the informer still
        #: has it unassigned, as its latest version (``handleSchedulingFailure``).
        self.pod_lister: Callable[[str, str], Mapping[str, Any] | None] | None = None
        self.fast: Any = None
        if fast:
            from kubelab.scheduler.fast import FastPath

            self.fast = FastPath(self)

    # -- profiles ------------------------------------------------------------------------------

    def framework_for(self, pod: PodInfo) -> Framework | None:
        """``frameworkForPod``: the profile named by ``spec.schedulerName``."""
        name = (pod.pod.get("spec") or {}).get("schedulerName") or cfgmod.DEFAULT_SCHEDULER_NAME
        return self.profiles.get(name)

    def responsible_for(self, pod: Mapping[str, Any]) -> bool:
        name = (pod.get("spec") or {}).get("schedulerName") or cfgmod.DEFAULT_SCHEDULER_NAME
        return name in self.profiles

    def _pre_enqueue(self, pod: PodInfo) -> str | None:
        fw = self.framework_for(pod)
        if fw is None:
            return None
        s = fw.run_pre_enqueue_plugins(pod)
        return None if is_success(s) else (s.plugin if s is not None else None)

    # -- cluster events (what the informers deliver) -------------------------------------------

    def add_node(self, node: Mapping[str, Any], now: float = 0.0) -> None:
        """eventhandlers.go ``addNodeToCache``: cache, then requeue (event Node/Add)."""
        self.cache.add_node(node)
        self.queue.move_all_to_active_or_backoff_queue(("Node", "Add"), now)

    def update_node(self, node: Mapping[str, Any], now: float = 0.0) -> None:
        self.cache.update_node(node)
        self.queue.move_all_to_active_or_backoff_queue(("Node", "Update"), now)

    def remove_node(self, name: str, now: float = 0.0) -> None:
        self.cache.remove_node(name)

    def add_pod(self, pod: Mapping[str, Any], now: float = 0.0) -> str | None:
        """A pod appeared. Bound pods go to the cache (and may help unschedulable pods);
        pending pods this scheduler is responsible for go to the queue. Returns the sub-queue
        for a pending pod."""
        if (pod.get("spec") or {}).get("nodeName"):
            self.cache.add_pod(pod)
            self.queue.delete(pod_key(pod))
            self.queue.move_all_to_active_or_backoff_queue(("Pod", "Add"), now)
            return None
        if not self.responsible_for(pod):
            return None
        return self.queue.add(PodInfo(pod), now)

    def update_pod(self, pod: Mapping[str, Any], now: float = 0.0) -> None:
        key = pod_key(pod)
        if (pod.get("spec") or {}).get("nodeName"):
            if self.cache.get_pod(key) is None:
                self.add_pod(pod, now)
                return
            self.cache.update_pod(pod)
            self.queue.move_all_to_active_or_backoff_queue(("Pod", "Update"), now)
            return
        if self.responsible_for(pod):
            self.queue.update(PodInfo(pod), now)

    def delete_pod(self, pod: Mapping[str, Any] | str, now: float = 0.0) -> None:
        """A pod was deleted: assigned pods leave the cache (event Pod/Delete may let pending
        pods fit); pending pods leave the queue."""
        key = pod if isinstance(pod, str) else pod_key(pod)
        if self.cache.get_pod(key) is not None:
            self.cache.remove_pod(key)
            self.queue.delete_nominated_pod(key)
            self.queue.move_all_to_active_or_backoff_queue(("Pod", "Delete"), now)
            return
        self.queue.delete(key)

    def set_namespace(self, name: str, labels: Mapping[str, str] | None = None) -> None:
        self.cache.set_namespace(name, labels)

    def set_workloads(self, kind: str, objects: Sequence[Mapping[str, Any]]) -> None:
        self.cache.set_workloads(kind, objects)

    def tick(self, now: float) -> None:
        """The queue's and cache's background loops, run once at ``now``: backoffQ flush
        (every 1 s upstream), unschedulable leftover flush (every 30 s), expired assumed pods."""
        self.queue.flush_backoff_q_completed(now)
        self.queue.flush_unschedulable_pods_leftover(now)
        self.cache.cleanup_expired_assumed_pods(now)

    # -- scheduling ----------------------------------------------------------------------------

    def snapshot_for(self, fw: Framework) -> None:
        fw.handle.snapshot = self.cache.snapshot()

    def find_nodes_that_pass_filters(
        self,
        fw: Framework,
        state: CycleState,
        pod: PodInfo,
        diagnosis: Diagnosis,
        nodes: list[NodeInfo],
    ) -> list[NodeInfo]:
        """schedule_one.go ``findNodesThatPassFilters``: from ``nextStartNodeIndex``, until
        enough nodes fit; the index then moves past every node looked at."""
        n = len(nodes)
        pct = fw.percentage_of_nodes_to_score
        to_find = num_feasible_nodes_to_find(
            self.percentage_of_nodes_to_score if pct is None else pct, n
        )
        start = self.next_start_node_index
        if not fw.has_filter_plugins():
            return [nodes[(start + i) % n] for i in range(to_find)]
        feasible: list[NodeInfo] = []
        processed = 0
        for i in range(n):
            ni = nodes[(start + i) % n]
            processed += 1
            s = fw.run_filter_plugins_with_nominated_pods(state, pod, ni)
            if s is None or s.code == Code.Success:
                feasible.append(ni)
                if len(feasible) >= to_find:
                    break
                continue
            if s.code == Code.Error:
                raise RuntimeError(s.message())
            diagnosis.node_to_status.set(ni.name, s)
            if s.plugin:
                if s.code == Code.Pending:
                    diagnosis.pending_plugins.add(s.plugin)
                else:
                    diagnosis.unschedulable_plugins.add(s.plugin)
        self.next_start_node_index = (start + processed) % n if n else 0
        return feasible

    def find_nodes_that_fit_pod(
        self, fw: Framework, state: CycleState, pod: PodInfo
    ) -> tuple[list[NodeInfo], Diagnosis]:
        """schedule_one.go ``findNodesThatFitPod``."""
        diagnosis = Diagnosis()
        snapshot = fw.handle.snapshot
        all_nodes = snapshot.list()
        pre_res, s, plugins = fw.run_pre_filter_plugins(state, pod)
        if not is_success(s):
            assert s is not None
            if not s.is_rejected():
                raise RuntimeError(s.message())
            diagnosis.node_to_status.set_absent_nodes_status(s)
            diagnosis.pre_filter_msg = s.message()
            if s.plugin:
                diagnosis.unschedulable_plugins.add(s.plugin)
            return [], diagnosis
        nominated = (pod.pod.get("status") or {}).get("nominatedNodeName") or ""
        if nominated:
            ni = snapshot.get(nominated)
            if ni is not None:
                feasible = self.find_nodes_that_pass_filters(fw, state, pod, diagnosis, [ni])
                if feasible:
                    return feasible, diagnosis
        nodes = all_nodes
        if pre_res is not None and not pre_res.all_nodes():
            names = pre_res.node_names or set()
            nodes = [n for n in all_nodes if n.name in names]
            diagnosis.node_to_status.set_absent_nodes_status(
                Status(
                    Code.UnschedulableAndUnresolvable,
                    f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(plugins))}]",
                )
            )
        return self.find_nodes_that_pass_filters(fw, state, pod, diagnosis, nodes), diagnosis

    def prioritize_nodes(
        self, fw: Framework, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> list[NodePluginScores]:
        """schedule_one.go ``prioritizeNodes``: no score plugins means every node scores 1."""
        if not fw.has_score_plugins():
            return [NodePluginScores(n.name, [], 1) for n in nodes]
        s = fw.run_pre_score_plugins(state, pod, nodes)
        if not is_success(s):
            assert s is not None
            raise RuntimeError(s.message())
        scores, s = fw.run_score_plugins(state, pod, nodes)
        if not is_success(s):
            assert s is not None
            raise RuntimeError(s.message())
        return scores

    def schedule_pod(self, fw: Framework, state: CycleState, pod: PodInfo) -> Decision:
        """schedule_one.go ``schedulePod`` on the reference (per-node, per-plugin) path.
        Raises :class:`FitError` when no node fits."""
        num_nodes = self.cache.node_count()
        if num_nodes == 0:
            raise NoNodesAvailableError()
        feasible, diagnosis = self.find_nodes_that_fit_pod(fw, state, pod)
        if not feasible:
            raise FitError(pod, num_nodes, diagnosis)
        if len(feasible) == 1:
            return Decision(feasible[0].name, 1 + len(diagnosis.node_to_status), 1, [], diagnosis)
        scores = self.prioritize_nodes(fw, state, pod, feasible)
        host = select_host(scores, self.rng)
        return Decision(
            host, len(feasible) + len(diagnosis.node_to_status), len(feasible), scores, diagnosis
        )

    def _skip(self, pod: PodInfo) -> bool:
        """schedule_one.go ``skipPodSchedule``: deleted pods and pods already assumed/bound."""
        return pod.deleting or self.cache.get_pod(pod.key) is not None

    def schedule_one(self, now: float, *, defer_binding: bool = False) -> ScheduleResult | None:
        """schedule_one.go ``ScheduleOne``: one scheduling cycle and its binding cycle for the
        pod at the head of activeQ; None when activeQ is empty.

        With ``defer_binding`` the cycle stops once the pod is assumed and Reserve and Permit
        passed: the result has reason ``Assumed`` and a :class:`PendingBinding`, and the
        caller runs the binding cycle later (:meth:`run_pre_bind`, its own Bind, then
        :meth:`finish_binding_cycle`) -- upstream runs it in a goroutine."""
        qpi = self.queue.pop(now)
        if qpi is None:
            return None
        pod = qpi.pod_info
        name = f"{pod.namespace}/{pod.name}"
        fw = self.framework_for(pod)
        if fw is None or self._skip(pod):
            return ScheduleResult(name, "Skipped", attempts=qpi.attempts, pod_info=pod)
        cycle = self.queue.scheduling_cycle
        state = CycleState()
        self.snapshot_for(fw)
        used_fast = False
        try:
            decision = None
            if self.fast is not None:
                self.fast.used = False
                decision = self.fast.schedule_pod(fw, state, pod)
            used_fast = self.fast is not None and self.fast.used
            if decision is None:
                decision = self.schedule_pod(fw, state, pod)
        except FitError as err:
            used_fast = self.fast is not None and self.fast.used
            return self._handle_fit_error(fw, state, qpi, err, now, cycle, used_fast)
        except NoNodesAvailableError as err:
            # schedulingCycle: an UnschedulableAndUnresolvable status, so the reason is
            # Unschedulable; no plugin rejected the pod, so it goes to backoffQ
            return self._handle_failure(
                qpi, str(err), "Unschedulable", now, cycle, None, None, "Override"
            )
        result = ScheduleResult(
            name,
            "Scheduled",
            node=decision.host,
            evaluated_nodes=decision.evaluated_nodes,
            feasible_nodes=decision.feasible_nodes,
            scores=decision.scores,
            attempts=qpi.attempts,
            fast_path=used_fast,
            pod_info=pod,
        )
        return self._assume_reserve_bind(
            fw, state, qpi, decision.host, now, cycle, result, defer_binding
        )

    def _assume_reserve_bind(
        self,
        fw: Framework,
        state: CycleState,
        qpi: QueuedPodInfo,
        host: str,
        now: float,
        cycle: int,
        result: ScheduleResult,
        defer_binding: bool = False,
    ) -> ScheduleResult:
        pod = qpi.pod_info
        assumed_pod = dict(pod.pod)
        assumed_pod["spec"] = {**(pod.pod.get("spec") or {}), "nodeName": host}
        assumed = pod.with_pod(assumed_pod)
        # schedule_one.go assume: the cache counts the pod on the node from now on.
        self.cache.assume_pod(assumed, host)
        self.queue.delete_nominated_pod(pod.key)
        s = fw.run_reserve_plugins_reserve(state, assumed, host)
        if is_success(s):
            s = fw.run_permit_plugins(state, assumed, host)
        pending = PendingBinding(fw, state, qpi, host, cycle, result, assumed)
        if not is_success(s):
            assert s is not None
            return self._binding_failed(pending, s, now, cycle)
        if defer_binding:
            result.reason = "Assumed"
            result.pending = pending
            return result
        s = self.run_pre_bind(pending)
        if is_success(s):
            s = fw.run_bind_plugins(state, assumed, host)
            if s is not None and s.code == Code.Skip:
                s = Status(Code.Error, "no bind plugin handled the pod")
        return self.finish_binding_cycle(pending, s, now, cycle)

    def run_pre_bind(self, pending: PendingBinding) -> Status | None:
        """The PreBind plugins of a pending binding (the first step of the binding cycle)."""
        return pending.fw.run_pre_bind_plugins(pending.state, pending.assumed, pending.host)

    def finish_binding_cycle(
        self,
        pending: PendingBinding,
        status: Status | None,
        now: float,
        cycle: int | None = None,
    ) -> ScheduleResult:
        """The end of a binding cycle: ``status`` is PreBind's or Bind's failure, or None when
        the pod is bound. On success ``FinishBinding`` and PostBind; on failure
        ``handleBindingCycleError``: Unreserve, ``ForgetPod``, the freed room offered to
        other pods, the pod back to the queue (backoffQ: no plugin rejected it)."""
        if not is_success(status):
            assert status is not None
            if cycle is None:
                cycle = self.queue.scheduling_cycle
            return self._binding_failed(pending, status, now, cycle)
        fw, state, assumed, host = pending.fw, pending.state, pending.assumed, pending.host
        pod = pending.qpi.pod_info
        result = pending.result
        self.cache.finish_binding(assumed.key, now)
        fw.run_post_bind_plugins(state, assumed, host)
        result.reason = "Scheduled"
        result.pending = None
        result.message = f"Successfully assigned {pod.namespace}/{pod.name} to {host}"
        result.binding = binding_for(pod, host)
        self.events.append({"pod": result.pod, **result.event()})
        if self.self_contained:
            self.cache.add_pod(assumed.pod, assumed)
            self.queue.move_all_to_active_or_backoff_queue(("Pod", "Add"), now)
        return result

    def _binding_failed(
        self, pending: PendingBinding, s: Status, now: float, cycle: int
    ) -> ScheduleResult:
        fw, state, assumed, host = pending.fw, pending.state, pending.assumed, pending.host
        fw.run_reserve_plugins_unreserve(state, assumed, host)
        try:
            self.cache.forget_pod(assumed.key)
        except CacheError:
            # "scheduler cache ForgetPod failed": the informer confirmed the pod meanwhile
            pass
        else:
            # handleBindingCycleError: forgetting an assumed pod frees room, as a pod delete.
            self.queue.move_all_to_active_or_backoff_queue(("Pod", "Delete"), now)
        reason = "Unschedulable" if s.is_rejected() else "SchedulerError"
        out = self._handle_failure(
            pending.qpi, s.message(), reason, now, cycle, None, None, "Override"
        )
        out.node = None
        return out

    def _handle_fit_error(
        self,
        fw: Framework,
        state: CycleState,
        qpi: QueuedPodInfo,
        err: FitError,
        now: float,
        cycle: int,
        used_fast: bool,
    ) -> ScheduleResult:
        pod = qpi.pod_info
        nominating: PostFilterResult | None = None
        if fw.post_filter_plugins:
            res, status = fw.run_post_filter_plugins(state, pod, err.diagnosis.node_to_status)
            err.diagnosis.post_filter_msg = status.message()
            nominating = res
        qpi.unschedulable_plugins = set(err.diagnosis.unschedulable_plugins)
        qpi.pending_plugins = set(err.diagnosis.pending_plugins)
        # schedulingCycle: without PostFilter plugins the nomination is cleared; with them the
        # PostFilter result decides (none: leave it as it is).
        if not fw.post_filter_plugins:
            mode = "Override"
        else:
            mode = "Override" if nominating is not None else "Noop"
        out = self._handle_failure(
            qpi, str(err), "Unschedulable", now, cycle, nominating, err, mode
        )
        out.evaluated_nodes = self.cache.node_count()
        out.fast_path = used_fast
        return out

    def _handle_failure(
        self,
        qpi: QueuedPodInfo,
        message: str,
        reason: str,
        now: float,
        cycle: int,
        nominating: PostFilterResult | None,
        err: FitError | None,
        mode: str = "Noop",
    ) -> ScheduleResult:
        """schedule_one.go ``handleSchedulingFailure``: back to the queue, record the event,
        apply the preemption's nomination."""
        pod = qpi.pod_info
        name = f"{pod.namespace}/{pod.name}"
        result = ScheduleResult(
            name, reason, message=message, error=err, attempts=qpi.attempts, pod_info=pod
        )
        result.nominating_mode = mode
        requeue = True
        if self.pod_lister is not None:
            # "Pod doesn't exist in informer cache" / "Pod has been assigned to node. Abort
            # adding it back to queue."; otherwise requeue the informer's latest version.
            cached = self.pod_lister(pod.namespace, pod.name)
            if cached is None or (cached.get("spec") or {}).get("nodeName"):
                requeue = False
            else:
                qpi.pod_info = pod = PodInfo(cached)
        if nominating is not None and nominating.nominated_node_name:
            node = nominating.nominated_node_name
            new_pod = dict(pod.pod)
            new_pod["status"] = {**(pod.pod.get("status") or {}), "nominatedNodeName": node}
            qpi.pod_info = pod.with_pod(new_pod)
            if requeue:
                self.queue.add_nominated_pod(qpi.pod_info, node)
            result.nominated_node = node
            result.victims = [f"{v.namespace}/{v.name}" for v in nominating.victims]
            result.victim_pods = [v.pod for v in nominating.victims]
            result.cleared_nominations = [
                f"{p.namespace}/{p.name}" for p in nominating.cleared_nominations
            ]
            result.cleared_nomination_pods = [p.pod for p in nominating.cleared_nominations]
        elif mode == "Override" and (pod.pod.get("status") or {}).get("nominatedNodeName"):
            new_pod = dict(pod.pod)
            status = dict(pod.pod.get("status") or {})
            status.pop("nominatedNodeName", None)
            new_pod["status"] = status
            qpi.pod_info = pod.with_pod(new_pod)
            self.queue.delete_nominated_pod(pod.key)
        if requeue:
            where = self.queue.where(qpi.key)
            if where is None:
                result.queue = self.queue.add_unschedulable_if_not_present(qpi, now, cycle)
            else:  # upstream logs "already present" and leaves it
                result.queue = where
        self.events.append({"pod": name, **result.event()})
        if self.self_contained and nominating is not None and nominating.nominated_node_name:
            for p in nominating.cleared_nominations:
                self.queue.delete_nominated_pod(p.key)
            for v in nominating.victims:
                self.delete_pod(v.key, now)
        return result

    def run(self, now: float, max_cycles: int | None = None) -> list[ScheduleResult]:
        """Run ``schedule_one`` until activeQ is empty (or ``max_cycles``), all at ``now``."""
        out: list[ScheduleResult] = []
        while max_cycles is None or len(out) < max_cycles:
            r = self.schedule_one(now)
            if r is None:
                break
            out.append(r)
        return out

    def pending(self) -> dict[str, list[str]]:
        """The queue's pending pods by sub-queue (``/debug/api/v1/pendingpods``)."""
        return self.queue.pending_pods()

    def pod_scheduled_condition(self, result: ScheduleResult) -> dict[str, str] | None:
        """The ``PodScheduled=False`` condition a failed attempt writes to the pod status."""
        if result.reason in ("Scheduled", "Skipped"):
            return None
        return {
            "type": "PodScheduled",
            "status": "False",
            "reason": result.reason,
            "message": result.message,
        }
