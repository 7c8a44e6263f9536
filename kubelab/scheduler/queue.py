"""The scheduling queue: activeQ, backoffQ, unschedulable pods, and nominations.

Models ``pkg/scheduler/internal/queue/scheduling_queue.go`` (``PriorityQueue``) with the
v1.32 defaults; time is passed in explicitly (simulated seconds).

* **activeQ** -- a heap ordered by the QueueSort plugin (PrioritySort: priority, then the time
  the pod entered the queue). ``pop`` takes the head and counts an attempt.
* **backoffQ** -- pods that failed and are still backing off: ``1 s * 2^(attempts-1)``, capped
  at 10 s (``podInitialBackoffSeconds``, ``podMaxBackoffSeconds``), counted from the failure.
  :meth:`flush_backoff_q_completed` (run every 1 s upstream) moves finished ones to activeQ.
* **unschedulablePods** -- pods no node could take. A cluster event (node added or changed, an
  assigned pod deleted, ...) moves back those rejected by a plugin that registered for that
  event (to backoffQ while still backing off, else activeQ);
  :meth:`flush_unschedulable_pods_leftover` (every 30 s upstream) moves back pods that waited
  longer than 5 min (``DefaultPodMaxInUnschedulablePodsDuration``).
* pods blocked by PreEnqueue (scheduling gates) wait in unschedulablePods, marked gated,
  until an update lets them pass.
* the **nominator** remembers the node preemption nominated each pod to.

Simplified: per-plugin queueing-hint functions (SchedulerQueueingHints) are not modelled --
a registered event always requeues (the pre-hint behaviour); in-flight event tracking is
replaced by the ``moveRequestCycle`` rule.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.scheduler.types import PodInfo

#: scheduling_queue.go / defaults.go.
DEFAULT_POD_INITIAL_BACKOFF: Final = 1.0
DEFAULT_POD_MAX_BACKOFF: Final = 10.0
DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION: Final = 300.0
#: How often the queue's background loops run upstream (``Run``).
BACKOFF_FLUSH_INTERVAL: Final = 1.0
UNSCHEDULABLE_FLUSH_INTERVAL: Final = 30.0

ACTIVE_Q: Final = "activeQ"
BACKOFF_Q: Final = "backoffQ"
UNSCHEDULABLE_PODS: Final = "unschedulablePods"

#: framework/events.go: the event a leftover flush moves pods with (a wildcard).
UNSCHEDULABLE_TIMEOUT: Final = ("*", "UnschedulableTimeout")


@dataclass
class QueuedPodInfo:
    """types.go ``QueuedPodInfo``."""

    pod_info: PodInfo
    timestamp: float
    attempts: int = 0
    initial_attempt_timestamp: float | None = None
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    gated: bool = False
    gating_plugin: str = ""
    seq: int = 0

    @property
    def key(self) -> str:
        return self.pod_info.key


def is_pod_updated(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """scheduling_queue.go ``isPodUpdated``: whether anything but the resourceVersion, the
    generation, the status (except ``resourceClaimStatuses``), ``managedFields`` and the
    finalizers changed."""

    def strip(pod: Mapping[str, Any]) -> dict[str, Any]:
        p = dict(pod)
        meta = dict(p.get("metadata") or {})
        for k in ("resourceVersion", "generation", "managedFields", "finalizers"):
            meta.pop(k, None)
        p["metadata"] = meta
        claims = (pod.get("status") or {}).get("resourceClaimStatuses")
        p["status"] = {"resourceClaimStatuses": claims} if claims else {}
        return p

    return strip(old) != strip(new)


def event_matches(registered: tuple[str, str], event: tuple[str, str]) -> bool:
    """Does a plugin's registered (resource, action) cover the event?"""
    res_ok = registered[0] in ("*", event[0]) or event[0] == "*"
    act_ok = registered[1] in ("*", event[1])
    return res_ok and act_ok


class _ActiveEntry:
    __slots__ = ("key", "less", "qpi", "removed")

    def __init__(
        self,
        qpi: QueuedPodInfo,
        less: Callable[[QueuedPodInfo, QueuedPodInfo], bool],
        key: tuple[Any, ...] | None = None,
    ):
        self.qpi = qpi
        self.less = less
        self.removed = False
        #: ``sort_key(qpi) + (seq,)`` when the QueueSort plugin has a key form of ``less``.
        self.key = key

    def __lt__(self, other: _ActiveEntry) -> bool:
        if self.key is not None and other.key is not None:
            return self.key < other.key
        if self.less(self.qpi, other.qpi):
            return True
        if self.less(other.qpi, self.qpi):
            return False
        return self.qpi.seq < other.qpi.seq


class SchedulingQueue:
    """scheduling_queue.go ``PriorityQueue``.

    ``less`` is the QueueSort plugin's ordering, ``pre_enqueue`` runs the PreEnqueue plugins
    (returns the rejecting plugin's name, or None), ``events_by_plugin`` lists the cluster
    events each plugin registered. ``sort_key``, when given, maps a queued pod to a tuple whose
    order is the order ``less`` defines (ties broken by arrival), so the heap compares tuples.
    """

    def __init__(
        self,
        less: Callable[[QueuedPodInfo, QueuedPodInfo], bool],
        pre_enqueue: Callable[[PodInfo], str | None] | None = None,
        events_by_plugin: dict[str, list[tuple[str, str]]] | None = None,
        initial_backoff: float = DEFAULT_POD_INITIAL_BACKOFF,
        max_backoff: float = DEFAULT_POD_MAX_BACKOFF,
        max_in_unschedulable: float = DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION,
        sort_key: Callable[[QueuedPodInfo], tuple[Any, ...]] | None = None,
    ) -> None:
        self.less = less
        self.sort_key = sort_key
        self.pre_enqueue = pre_enqueue or (lambda pi: None)
        self.events_by_plugin = events_by_plugin or {}
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_in_unschedulable = max_in_unschedulable
        self._active: list[_ActiveEntry] = []
        self._active_by_key: dict[str, _ActiveEntry] = {}
        self._backoff: list[tuple[float, int, str]] = []
        self._backoff_by_key: dict[str, QueuedPodInfo] = {}
        self._backoff_token: dict[str, int] = {}
        self.unschedulable_pods: dict[str, QueuedPodInfo] = {}
        self._seq = itertools.count()
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self._nominated_by_node: dict[str, list[PodInfo]] = {}
        self._nominated_node_of: dict[str, str] = {}

    # -- sizes and listing ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._active_by_key) + len(self._backoff_by_key) + len(self.unschedulable_pods)

    def active_len(self) -> int:
        """How many pods wait in activeQ (ready to be popped)."""
        return len(self._active_by_key)

    def where(self, key: str) -> str | None:
        """Which sub-queue holds the pod (None when it is not queued)."""
        if key in self._active_by_key:
            return ACTIVE_Q
        if key in self._backoff_by_key:
            return BACKOFF_Q
        if key in self.unschedulable_pods:
            return UNSCHEDULABLE_PODS
        return None

    def pending_pods(self) -> dict[str, list[str]]:
        """``PendingPods``: pod ``namespace/name`` per sub-queue (activeQ in pop order)."""

        def names(qs: Iterator[QueuedPodInfo]) -> list[str]:
            return [f"{q.pod_info.namespace}/{q.pod_info.name}" for q in qs]

        active = sorted((e for e in self._active_by_key.values()), key=lambda e: _SortKey(e))
        backoff = sorted(
            self._backoff_by_key.values(), key=lambda q: (self.backoff_expiry(q), q.seq)
        )
        unsched = sorted(self.unschedulable_pods.values(), key=lambda q: q.seq)
        return {
            ACTIVE_Q: names(e.qpi for e in active),
            BACKOFF_Q: names(iter(backoff)),
            UNSCHEDULABLE_PODS: names(iter(unsched)),
        }

    def get(self, key: str) -> QueuedPodInfo | None:
        e = self._active_by_key.get(key)
        if e is not None:
            return e.qpi
        return self._backoff_by_key.get(key) or self.unschedulable_pods.get(key)

    # -- backoff -------------------------------------------------------------------------------

    def backoff_duration(self, qpi: QueuedPodInfo) -> float:
        """``calculateBackoffDuration``: 0 before any attempt, else initial * 2^(attempts-1)
        capped at the maximum."""
        if qpi.attempts == 0:
            return 0.0
        d = self.initial_backoff
        for _ in range(1, qpi.attempts):
            if d > self.max_backoff - d:
                return self.max_backoff
            d += d
        return d

    def backoff_expiry(self, qpi: QueuedPodInfo) -> float:
        """``getBackoffTime``: the pod's timestamp plus its backoff duration."""
        return qpi.timestamp + self.backoff_duration(qpi)

    def is_backing_off(self, qpi: QueuedPodInfo, now: float) -> bool:
        return self.backoff_expiry(qpi) > now

    # -- moving between sub-queues -------------------------------------------------------------

    def _push_active(self, qpi: QueuedPodInfo) -> None:
        key = None if self.sort_key is None else (*self.sort_key(qpi), qpi.seq)
        e = _ActiveEntry(qpi, self.less, key)
        self._active_by_key[qpi.key] = e
        heapq.heappush(self._active, e)

    def _push_backoff(self, qpi: QueuedPodInfo) -> None:
        self._backoff_by_key[qpi.key] = qpi
        token = next(self._seq)
        self._backoff_token[qpi.key] = token
        heapq.heappush(self._backoff, (self.backoff_expiry(qpi), token, qpi.key))

    def _move_to_active(self, qpi: QueuedPodInfo) -> str:
        """``moveToActiveQ``: run PreEnqueue; a gated pod waits in unschedulablePods."""
        rejector = self.pre_enqueue(qpi.pod_info)
        if rejector is not None:
            qpi.gated = True
            qpi.gating_plugin = rejector
            self.unschedulable_pods[qpi.key] = qpi
            return UNSCHEDULABLE_PODS
        qpi.gated = False
        qpi.gating_plugin = ""
        self._push_active(qpi)
        return ACTIVE_Q

    def _requeue(self, qpi: QueuedPodInfo, now: float) -> str:
        """``requeuePodViaQueueingHint`` with ``queueAfterBackoff``."""
        if self.is_backing_off(qpi, now):
            self._push_backoff(qpi)
            return BACKOFF_Q
        return self._move_to_active(qpi)

    def _remove(self, key: str) -> QueuedPodInfo | None:
        e = self._active_by_key.pop(key, None)
        if e is not None:
            e.removed = True
            return e.qpi
        qpi = self._backoff_by_key.pop(key, None)
        if qpi is not None:
            self._backoff_token.pop(key, None)
            return qpi
        return self.unschedulable_pods.pop(key, None)

    # -- the queue's API -----------------------------------------------------------------------

    def add(self, pod: PodInfo, now: float) -> str:
        """``Add``: a new pending pod. Returns the sub-queue it went to."""
        if self.where(pod.key) is not None:
            return self.update(pod, now)
        qpi = QueuedPodInfo(pod, timestamp=now, seq=next(self._seq))
        return self._move_to_active(qpi)

    def update(self, pod: PodInfo, now: float) -> str:
        """``Update``: a pending pod changed. A gated pod is re-checked; a pod in
        unschedulablePods is moved to backoffQ/activeQ (the update may fix it)."""
        key = pod.key
        where = self.where(key)
        if where is None:
            return self.add(pod, now)
        if where == ACTIVE_Q:
            e = self._active_by_key[key]
            e.removed = True
            e.qpi.pod_info = pod
            self._push_active(e.qpi)
            return ACTIVE_Q
        if where == BACKOFF_Q:
            self._backoff_by_key[key].pod_info = pod
            return BACKOFF_Q
        qpi = self.unschedulable_pods[key]
        old = qpi.pod_info.pod
        qpi.pod_info = pod
        if not is_pod_updated(old, pod.pod):
            # only the status (or resourceVersion) changed -- for instance the scheduler's own
            # PodScheduled condition: the pod stays where it is
            return UNSCHEDULABLE_PODS
        del self.unschedulable_pods[key]
        if qpi.gated:
            return self._move_to_active(qpi)
        return self._requeue(qpi, now)

    def delete(self, key: str) -> None:
        """``Delete``: the pod is gone (or was bound by someone else)."""
        self._remove(key)
        self.delete_nominated_pod(key)

    def pop(self, now: float) -> QueuedPodInfo | None:
        """``Pop``: the head of activeQ (None when empty); counts a scheduling attempt."""
        while self._active:
            e = heapq.heappop(self._active)
            if e.removed:
                continue
            del self._active_by_key[e.qpi.key]
            qpi = e.qpi
            qpi.attempts += 1
            # the rejections of the last attempt are forgotten for the next one
            qpi.unschedulable_plugins = set()
            qpi.pending_plugins = set()
            if qpi.initial_attempt_timestamp is None:
                qpi.initial_attempt_timestamp = now
            self.scheduling_cycle += 1
            return qpi
        return None

    def add_unschedulable_if_not_present(
        self, qpi: QueuedPodInfo, now: float, pod_scheduling_cycle: int
    ) -> str:
        """``AddUnschedulableIfNotPresent``: after a failed attempt. Pods rejected by no
        plugin (an error), or failing after a move request arrived during their cycle, go to
        backoffQ/activeQ; the others to unschedulablePods."""
        if self.where(qpi.key) is not None:
            raise ValueError(f"pod {qpi.pod_info.namespace}/{qpi.pod_info.name} is already queued")
        qpi.timestamp = now
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if self.move_request_cycle >= pod_scheduling_cycle or not rejectors:
            self._push_backoff(qpi)
            return BACKOFF_Q
        self.unschedulable_pods[qpi.key] = qpi
        return UNSCHEDULABLE_PODS

    def _worth_requeuing(self, qpi: QueuedPodInfo, event: tuple[str, str]) -> bool:
        """``isPodWorthRequeuing`` without hint functions."""
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if not rejectors or event[0] == "*":
            return True
        for plugin in sorted(rejectors):
            for reg in self.events_by_plugin.get(plugin, ()):
                if event_matches(reg, event):
                    return True
        return False

    def move_all_to_active_or_backoff_queue(
        self,
        event: tuple[str, str],
        now: float,
        pre_check: Callable[[PodInfo], bool] | None = None,
    ) -> list[str]:
        """``MoveAllToActiveOrBackoffQueue``: requeue the unschedulable pods the event may
        help. Returns the keys moved."""
        moved: list[str] = []
        for key in sorted(self.unschedulable_pods, key=lambda k: self.unschedulable_pods[k].seq):
            qpi = self.unschedulable_pods[key]
            if qpi.gated:
                continue
            if pre_check is not None and not pre_check(qpi.pod_info):
                continue
            if not self._worth_requeuing(qpi, event):
                continue
            del self.unschedulable_pods[key]
            self._requeue(qpi, now)
            moved.append(key)
        self.move_request_cycle = self.scheduling_cycle
        return moved

    def flush_backoff_q_completed(self, now: float) -> list[str]:
        """``flushBackoffQCompleted``: backoffQ pods whose backoff ended go to activeQ."""
        moved: list[str] = []
        while self._backoff:
            expiry, token, key = self._backoff[0]
            qpi = self._backoff_by_key.get(key)
            if qpi is None or self._backoff_token.get(key) != token:
                heapq.heappop(self._backoff)  # the pod left backoffQ since: a stale entry
                continue
            if expiry > now:
                break
            heapq.heappop(self._backoff)
            del self._backoff_by_key[key]
            del self._backoff_token[key]
            self._move_to_active(qpi)
            moved.append(key)
        return moved

    def flush_unschedulable_pods_leftover(self, now: float) -> list[str]:
        """``flushUnschedulablePodsLeftover``: pods unschedulable for more than 5 minutes are
        moved back (event ``UnschedulableTimeout``)."""
        keys = [
            k
            for k, q in sorted(self.unschedulable_pods.items(), key=lambda kv: kv[1].seq)
            if not q.gated and now - q.timestamp > self.max_in_unschedulable
        ]
        moved: list[str] = []
        for k in keys:
            qpi = self.unschedulable_pods.pop(k)
            self._requeue(qpi, now)
            moved.append(k)
        if keys:
            self.move_request_cycle = self.scheduling_cycle
        return moved

    def activate(self, keys: list[str], now: float) -> None:
        """``Activate``: move pods from backoffQ/unschedulablePods straight to activeQ."""
        for k in keys:
            qpi = self._backoff_by_key.pop(k, None) or self.unschedulable_pods.pop(k, None)
            self._backoff_token.pop(k, None)
            if qpi is not None:
                self._move_to_active(qpi)

    # -- nominator -----------------------------------------------------------------------------

    def add_nominated_pod(self, pod: PodInfo, node_name: str) -> None:
        """``AddNominatedPod``."""
        self.delete_nominated_pod(pod.key)
        if not node_name:
            return
        self._nominated_node_of[pod.key] = node_name
        self._nominated_by_node.setdefault(node_name, []).append(pod)

    def delete_nominated_pod(self, key: str) -> None:
        """``DeleteNominatedPodIfExists``."""
        node = self._nominated_node_of.pop(key, None)
        if node is None:
            return
        pods = [p for p in self._nominated_by_node.get(node, []) if p.key != key]
        if pods:
            self._nominated_by_node[node] = pods
        else:
            self._nominated_by_node.pop(node, None)

    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]:
        return list(self._nominated_by_node.get(node_name, ()))

    def has_nominations(self) -> bool:
        return bool(self._nominated_node_of)

    def nominated_node_of(self, key: str) -> str:
        return self._nominated_node_of.get(key, "")


class _SortKey:
    """Orders active entries by the queue's own comparison (for listing)."""

    __slots__ = ("e",)

    def __init__(self, e: _ActiveEntry) -> None:
        self.e = e

    def __lt__(self, other: _SortKey) -> bool:
        return self.e < other.e
