"""kube-scheduler as a component of the simulated cluster: the pure :class:`Scheduler` bound to a
host, the API server and the simulated clock.

What runs on the host, as ``cmd/kube-scheduler`` and ``pkg/scheduler`` do (Kubernetes 1.32):

* **informers** (:class:`~kubelab.apiserver.informer.SharedInformer`) on pods -- all but
  finished ones (field selector ``status.phase!=Succeeded,status.phase!=Failed``,
  ``NewInformerFactory``) --, nodes, namespaces, Services and ReplicaSets. Their handlers are
  ``eventhandlers.go``'s: an assigned pod goes to the cache (``addPodToCache``, ...); an
  unassigned pod whose ``spec.schedulerName`` names a profile goes to the scheduling queue
  (``addPodToSchedulingQueue``, ...), and an update of a pod whose binding is in flight (an
  *assumed* pod) or whose resourceVersion did not change is ignored; a pod that becomes
  assigned leaves the queue and enters the cache. Nodes go to the cache; Services and
  ReplicaSets feed the spreading defaults.
* **leader election** on the Lease ``kube-system/kube-scheduler`` (15 s / 10 s / 2 s,
  :class:`~kubelab.apiserver.leaderelection.LeaderElector`). Every instance keeps its informers
  and queue warm; only the leader schedules. A leader that loses its lease exits, as
  kube-scheduler does (``klog.FlushAndExit`` in ``OnStoppedLeading``), and the kubelet starts it
  again at once: here it restarts as a fresh standby.
* **the scheduling loop** (``ScheduleOne`` repeated): one pod per cycle, each cycle costing
  :data:`CYCLE_COST` simulated seconds of CPU; the loop sleeps while activeQ is empty. The
  queue's flushes run every 1 s (backoffQ) and 30 s (unschedulable leftovers) while leading.
* **the binding cycle**, asynchronous as upstream's goroutine: the pod is *assumed* on its node
  in the scheduling cycle, then PreBind and DefaultBinder's ``POST pods/<name>/binding``; on
  success ``FinishBinding`` and the ``Scheduled`` event (``Successfully assigned
  default/web-1 to node-2``); on failure Unreserve, ``ForgetPod``, a ``FailedScheduling`` event
  (``running Bind plugin "DefaultBinder": ...``) and the pod back to the queue with backoff.
* **failures** (``handleSchedulingFailure``): a ``FailedScheduling`` event with the
  ``0/N nodes are available: ...`` message, and -- in the loop, which waits for it -- a
  strategic merge patch of ``pods/<name>/status`` setting the ``PodScheduled=False`` condition
  (reason ``Unschedulable`` or ``SchedulerError``) and ``nominatedNodeName`` when they change
  (``updatePod``, ``util.PatchPodStatus``).
* **preemption** (``prepareCandidate``, synchronous in 1.32): each victim gets the
  ``DisruptionTarget`` condition (reason ``PreemptionByScheduler``), is deleted with its grace
  period, and a ``Preempted`` event is recorded; lower-priority pods nominated to the node lose
  their nomination; the preemptor's status gets ``nominatedNodeName``.
* **Events** are ``events.k8s.io/v1`` (:mod:`kubelab.scheduler.recorder`), reporting controller
  ``default-scheduler``, instance ``default-scheduler-<host>``.
* **client-side rate limits**: kube-scheduler's clientset has a token bucket of
  ``clientConnection.qps`` / ``burst`` (50 / 100); bindings, status patches and deletions share
  one, Events have their own (a separate clientset). The informers' LIST/WATCH requests are not
  counted.

Simplified: one scheduling profile's binder (DefaultBinder) is the only Bind plugin; Permit's
``Wait`` is not modelled; queueing hints are not modelled (see :mod:`.queue`); PATCH retries
on transient errors (``retry.OnError``) are not made; the kube-scheduler's own health and
metrics endpoints are not served.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import simpy

from kubelab.apiserver.client import APIClient, NotFound
from kubelab.apiserver.informer import DeletedFinalStateUnknown, SharedInformer
from kubelab.apiserver.leaderelection import LeaderElector
from kubelab.apiserver.patch import create_two_way_merge_patch
from kubelab.apiserver.workqueue import BucketRateLimiter
from kubelab.scheduler import config as cfgmod
from kubelab.scheduler.explain import Explanation, explain
from kubelab.scheduler.framework import Code, Status
from kubelab.scheduler.queue import BACKOFF_FLUSH_INTERVAL, UNSCHEDULABLE_FLUSH_INTERVAL
from kubelab.scheduler.recorder import EventRecorder, truncate_message
from kubelab.scheduler.scheduler import PendingBinding, Scheduler, ScheduleResult
from kubelab.scheduler.types import pod_key

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host, Timer
    from kubelab.sim.world import World

__all__ = [
    "COMPONENT",
    "CYCLE_COST",
    "KubeScheduler",
    "SchedulerComponent",
    "explain_pod",
    "install",
    "pod_scheduled_condition",
    "update_pod_condition",
]

#: The trace component name (and the process name on the host).
COMPONENT: Final = "kube-scheduler"
#: Simulated CPU seconds one scheduling cycle takes: scheduler_perf's SchedulingBasic at 5,000
#: nodes averages 600-690 pods/s (FIDELITY A2), about 1.5 ms a pod.
CYCLE_COST: Final = 0.0015
#: ``NewInformerFactory``: the scheduler does not watch finished pods.
POD_FIELD_SELECTOR: Final = "status.phase!=Succeeded,status.phase!=Failed"
#: pkg/apis/core types: reasons and condition types the scheduler writes.
REASON_UNSCHEDULABLE: Final = "Unschedulable"
REASON_PREEMPTION_BY_SCHEDULER: Final = "PreemptionByScheduler"
DISRUPTION_TARGET: Final = "DisruptionTarget"
POD_SCHEDULED: Final = "PodScheduled"

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(value: Any) -> float:
    """A Go duration (``15s``, ``1m30s``, ``500ms``) or a number, in seconds."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"invalid duration {text!r}")
    return sum(float(n) * _UNITS[u] for n, u in parts)


# ----------------------------------------------------------------------------- pod conditions


def update_pod_condition(status: dict[str, Any], condition: Mapping[str, Any], now: str) -> bool:
    """pkg/api/v1/pod ``UpdatePodCondition``: put ``condition`` into ``status`` (in place);
    ``lastTransitionTime`` moves to ``now`` only when the condition's status changes. Returns
    whether anything changed."""
    conds: list[dict[str, Any]] = [dict(c) for c in status.get("conditions") or []]
    new = {
        "type": condition["type"],
        "status": condition["status"],
        "lastProbeTime": condition.get("lastProbeTime"),
        "lastTransitionTime": now,
    }
    if condition.get("reason"):
        new["reason"] = condition["reason"]
    if condition.get("message"):
        new["message"] = condition["message"]
    for i, old in enumerate(conds):
        if old.get("type") != new["type"]:
            continue
        if old.get("status") == new["status"]:
            new["lastTransitionTime"] = old.get("lastTransitionTime")
        same = all(
            old.get(k) == new.get(k)
            for k in ("status", "reason", "message", "lastProbeTime", "lastTransitionTime")
        )
        conds[i] = new
        status["conditions"] = conds
        return not same
    conds.append(new)
    status["conditions"] = conds
    return True


def pod_scheduled_condition(pod: Mapping[str, Any]) -> dict[str, Any] | None:
    """The pod's ``PodScheduled`` condition, if any."""
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == POD_SCHEDULED:
            return dict(c)
    return None


def _assigned(pod: Mapping[str, Any]) -> bool:
    return bool((pod.get("spec") or {}).get("nodeName"))


def _obj(obj: Any) -> dict[str, Any]:
    return dict(obj.obj) if isinstance(obj, DeletedFinalStateUnknown) else dict(obj)


def _outcome(ev: simpy.Event) -> tuple[bool, Any]:
    """The ``(ok, body or error)`` an event of :meth:`SchedulerComponent._call` carries."""
    pair = ev.value
    assert isinstance(pair, tuple)
    return bool(pair[0]), pair[1]


# ----------------------------------------------------------------------------- one incarnation


@dataclass
class _Run:
    """The volatile state of one run of the kube-scheduler process."""

    sched: Scheduler
    informers: dict[str, SharedInformer]
    limiter: BucketRateLimiter
    recorder: EventRecorder
    epoch: int
    alive: bool = True
    leading: bool = False
    synced: bool = False
    elector: LeaderElector | None = None
    wake: simpy.Event | None = None
    loop: simpy.Process | None = None
    timers: list[Timer] = field(default_factory=list)
    bindings_in_flight: int = 0
    stats: dict[str, int] = field(
        default_factory=lambda: {
            "cycles": 0,
            "scheduled": 0,
            "failed": 0,
            "bind_errors": 0,
            "max_bindings_in_flight": 0,
            "feasible_nodes": 0,
        }
    )


class SchedulerComponent:
    """One kube-scheduler process on ``host``, talking to the API server through ``client``.

    ``config`` is a ``KubeSchedulerConfiguration`` (defaulted and validated as
    :func:`kubelab.scheduler.config.load` does); its ``leaderElection`` and
    ``clientConnection`` sections are honoured. ``identity`` fixes the leader-election
    identity; by default every start takes a new ``<host>_<uuid>`` (``os.Hostname() + "_" +
    uuid``). ``cycle_cost`` is the simulated CPU time of one scheduling cycle.

    The process starts now if the host is up, and again every time the host boots;
    :meth:`stop` and :meth:`start` stop and start it without touching the host.
    """

    def __init__(
        self,
        world: World,
        host: Host | str,
        client: APIClient,
        config: Mapping[str, Any] | None = None,
        *,
        identity: str | None = None,
        cycle_cost: float = CYCLE_COST,
    ) -> None:
        self.world = world
        self.host: Host = world.host(host) if isinstance(host, str) else host
        self.client = client
        self.cycle_cost = float(cycle_cost)
        self._apply_config(config)
        self._fixed_identity = identity
        #: The leader-election identity of the current run (a new one at every start).
        self.identity = identity or ""
        self.events_client = APIClient(
            world,
            self.host,
            client.endpoints,
            token=client.token,
            certificate=client.certificate,
            timeout=client.timeout,
            user_agent=client.user_agent,
        )
        self._run: _Run | None = None
        self._stopped = False
        self._starts = 0
        #: Every scheduling result of this component's runs, newest last (for lessons; the
        #: benchmark turns it off with ``keep_results = False``).
        self.results: list[ScheduleResult] = []
        self.keep_results = True
        #: Keep every node's per-plugin scores in the results (costly at scale; use
        #: :meth:`KubeScheduler.explain` to see one pod's scores).
        self.record_scores = False
        self.host.on_boot(self._boot)

    def __repr__(self) -> str:
        state = "stopped" if self._run is None else ("leading" if self.leading else "standby")
        return f"<SchedulerComponent {self.host.name} {state}>"

    def _apply_config(self, config: Mapping[str, Any] | None) -> None:
        self.config = cfgmod.load(config)
        le = self.config["leaderElection"]
        self.leader_elect = bool(le.get("leaderElect", True))
        self.lease_duration = _seconds(le.get("leaseDuration", "15s"))
        self.renew_deadline = _seconds(le.get("renewDeadline", "10s"))
        self.retry_period = _seconds(le.get("retryPeriod", "2s"))
        self.lock_namespace = str(le.get("resourceNamespace", "kube-system"))
        self.lock_name = str(le.get("resourceName", "kube-scheduler"))
        cc = self.config["clientConnection"]
        self.qps = float(cc.get("qps", 50))
        self.burst = int(cc.get("burst", 100))

    def reconfigure(self, config: Mapping[str, Any] | None) -> None:
        """Run with a new ``KubeSchedulerConfiguration``: as editing the file behind
        ``--config`` and letting the kubelet restart the static pod, the process ends
        gracefully (releasing a held lease, ``ReleaseOnCancel``) and starts again with it.
        Raises :class:`~kubelab.scheduler.config.ConfigError` (nothing changes) if the
        configuration is invalid."""
        cfgmod.load(config)  # validate first
        self._apply_config(config)
        if self._run is not None and self.host.up and not self._stopped:
            self._end_run("reconfigured", release=True)
            self._begin()

    # -- public state ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """The process runs (host up, not stopped)."""
        run = self._run
        return run is not None and run.alive and self._current(run)

    @property
    def leading(self) -> bool:
        """This instance holds the lease and schedules."""
        run = self._run
        return run is not None and self._current(run) and run.leading

    @property
    def scheduler(self) -> Scheduler | None:
        """The pure scheduler of the current run (its cache and queue), or None."""
        run = self._run
        return run.sched if run is not None and self._current(run) else None

    @property
    def recorder(self) -> EventRecorder | None:
        """The Event recorder of the current run, or None."""
        run = self._run
        return run.recorder if run is not None and self._current(run) else None

    def has_synced(self) -> bool:
        """All informers listed once (``WaitForCacheSync``)."""
        run = self._run
        return run is not None and self._current(run) and run.synced

    def pending(self) -> dict[str, list[str]]:
        """The scheduling queue's pods by sub-queue (``/debug/api/v1/pendingpods``)."""
        sched = self.scheduler
        return sched.pending() if sched is not None else {}

    def stats(self) -> dict[str, int]:
        """Cycles run, pods bound, failed attempts, binding errors and the most bindings in
        flight at once, for the current run."""
        run = self._run
        return dict(run.stats) if run is not None else {}

    def pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The pod as this instance's informer has it."""
        run = self._run
        if run is None or not self._current(run):
            return None
        return run.informers["pods"].get_by_key(f"{namespace}/{name}")

    # -- process lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        """Kill the kube-scheduler process (the host keeps running): informers, election and
        loop end; a held lease is not released, so a standby takes over after it expires."""
        self._stopped = True
        self._end_run("stopped")

    def start(self) -> None:
        """Start the process again after :meth:`stop` (no-op if it runs or the host is
        down)."""
        self._stopped = False
        if self.host.up and not self.running:
            self._begin()

    def _current(self, run: _Run) -> bool:
        return run.alive and self.host.up and run.epoch == self.host.epoch

    def _boot(self, host: Host) -> None:
        if not self._stopped:
            self._begin()

    def _log(self, kind: str, **fields: Any) -> None:
        self.world.log(self.host.name, COMPONENT, kind, **fields)

    def _end_run(self, why: str, *, release: bool = False) -> None:
        run = self._run
        if run is None:
            return
        self._run = None
        was_alive = run.alive and self.host.up and run.epoch == self.host.epoch
        run.alive = False
        run.leading = False
        if not was_alive:
            return
        for inf in run.informers.values():
            inf.stop()
        for t in run.timers:
            t.cancel()
        if run.elector is not None:
            run.elector.release_on_cancel = release
            run.elector.stop()
        if run.wake is not None and not run.wake.triggered:
            run.wake.succeed(None)
        self._log("exit", reason=why)

    def _begin(self) -> None:
        self._end_run("restart")
        self._starts += 1
        host = self.host
        # server.go: id = hostname + "_" + uuid, new at every start
        self.identity = self._fixed_identity or (
            f"{host.name}_{self.world.uid(f'{host.name}/kube-scheduler/identity')}"
        )
        sched = Scheduler(
            self.config,
            rng=self.world.rng(f"{host.name}/kube-scheduler/{self._starts}"),
            self_contained=False,
            record_scores=self.record_scores,
        )
        limiter = BucketRateLimiter(self.qps, self.burst, clock=lambda: self.world.now)
        events_limiter = BucketRateLimiter(self.qps, self.burst, clock=lambda: self.world.now)
        run = _Run(
            sched=sched,
            informers={},
            limiter=limiter,
            recorder=EventRecorder(
                self.world,
                host,
                self.events_client,
                cfgmod.DEFAULT_SCHEDULER_NAME,
                limiter=events_limiter,
                rng=self.world.rng(f"{host.name}/kube-scheduler/events/{self._starts}"),
            ),
            epoch=host.epoch,
        )
        run.recorder.alive = lambda: self._current(run)
        self._run = run
        sched.pod_lister = lambda ns, name: run.informers["pods"].get_by_key(f"{ns}/{name}")
        self._log("start", identity=self.identity)
        self._start_informers(run)
        host.spawn(self._main(run))

    def _main(self, run: _Run) -> Generator[simpy.Event, Any, None]:
        # app/server.go Run: start informers, WaitForCacheSync, then leader election or Run.
        yield self.world.env.all_of([i.wait_for_cache_sync() for i in run.informers.values()])
        if not self._current(run):
            return
        run.synced = True
        run.timers.extend(run.recorder.start())
        if not self.leader_elect:
            self._started_leading(run)
            return
        run.elector = LeaderElector(
            self.client,
            self.lock_namespace,
            self.lock_name,
            self.identity,
            lease_duration=self.lease_duration,
            renew_deadline=self.renew_deadline,
            retry_period=self.retry_period,
            on_started_leading=lambda: self._started_leading(run),
            on_stopped_leading=lambda: self._stopped_leading(run),
            rng=self.world.rng(f"{self.host.name}/kube-scheduler/leaderelection/{self._starts}"),
            name="kube-scheduler",
        )
        run.elector.run()

    def _started_leading(self, run: _Run) -> None:
        if not self._current(run):
            return
        run.leading = True
        self._log("leading", identity=self.identity)
        # SchedulingQueue.Run: the flush loops; then ScheduleOne until the context ends.
        run.timers.append(self.host.every(BACKOFF_FLUSH_INTERVAL, lambda: self._flush_backoff(run)))
        run.timers.append(
            self.host.every(UNSCHEDULABLE_FLUSH_INTERVAL, lambda: self._flush_leftover(run))
        )
        run.loop = self.host.spawn(self._loop(run))

    def _stopped_leading(self, run: _Run) -> None:
        if not self._current(run):
            return
        if not run.leading:
            return  # stopped before ever leading (our own stop())
        # server.go OnStoppedLeading: "leaderelection lost" and the process exits; the
        # kubelet starts the static pod's container again.
        self._log("leaderelection-lost", identity=self.identity)
        self._end_run("leaderelection lost")
        if not self._stopped:
            self.host.call_later(0.0, self._restart_after_exit)

    def _restart_after_exit(self) -> None:
        if not self._stopped and not self.running:
            self._begin()

    # -- informers -------------------------------------------------------------------------------

    def _start_informers(self, run: _Run) -> None:
        c = self.client
        pods = SharedInformer(c, "pods", field_selector=POD_FIELD_SELECTOR)
        nodes = SharedInformer(c, "nodes")
        namespaces = SharedInformer(c, "namespaces")
        services = SharedInformer(c, "services")
        replicasets = SharedInformer(c, "replicasets", group="apps")
        run.informers.update(
            pods=pods, nodes=nodes, namespaces=namespaces, services=services, rs=replicasets
        )
        sched = run.sched

        def guard(fn: Callable[..., None]) -> Callable[..., None]:
            def call(*args: Any) -> None:
                if self._current(run):
                    fn(*args)
                    self._kick(run)

            return call

        # eventhandlers.go: the "scheduled pod cache" handler, then the "unscheduled pod queue"
        def on_pod_add(pod: dict[str, Any]) -> None:
            # addPodToCache for an assigned pod; addPodToSchedulingQueue for an unassigned one
            # of ours (Scheduler.add_pod tells them apart and ignores the others)
            sched.add_pod(pod, self.world.now)

        def on_pod_update(old: dict[str, Any], new: dict[str, Any]) -> None:
            now = self.world.now
            if _assigned(new):
                if _assigned(old):
                    sched.update_pod(new, now)
                else:
                    # FilteringResourceEventHandler: leaves the queue (OnDelete of the queue
                    # handler), enters the cache (OnAdd of the cache handler)
                    sched.queue.delete(pod_key(old))
                    sched.add_pod(new, now)
                return
            if not sched.responsible_for(new):
                if sched.responsible_for(old):
                    sched.queue.delete(pod_key(old))
                return
            # updatePodInSchedulingQueue
            meta_old, meta_new = old.get("metadata") or {}, new.get("metadata") or {}
            if meta_old.get("resourceVersion") == meta_new.get("resourceVersion"):
                return
            if sched.cache.is_assumed(pod_key(new)):
                return
            sched.update_pod(new, now)

        def on_pod_delete(obj: Any) -> None:
            pod = _obj(obj)
            key = pod_key(pod)
            if _assigned(pod):
                sched.delete_pod(pod, self.world.now)
            else:
                sched.queue.delete(key)

        pods.add_event_handler(guard(on_pod_add), guard(on_pod_update), guard(on_pod_delete))

        def on_node_add(node: dict[str, Any]) -> None:
            sched.add_node(node, self.world.now)

        def on_node_update(old: dict[str, Any], new: dict[str, Any]) -> None:
            sched.update_node(new, self.world.now)

        def on_node_delete(obj: Any) -> None:
            name = (_obj(obj).get("metadata") or {}).get("name") or ""
            if sched.cache.nodes.get(name) is not None and sched.cache.nodes[name].node:
                sched.remove_node(name, self.world.now)

        nodes.add_event_handler(guard(on_node_add), guard(on_node_update), guard(on_node_delete))

        def on_namespace(obj: Any, new: Any = None) -> None:
            ns = _obj(new if new is not None else obj)
            meta = ns.get("metadata") or {}
            sched.set_namespace(str(meta.get("name") or ""), meta.get("labels") or {})

        def on_namespace_delete(obj: Any) -> None:
            name = (_obj(obj).get("metadata") or {}).get("name") or ""
            sched.cache.namespaces.pop(str(name), None)

        namespaces.add_event_handler(
            guard(on_namespace), guard(on_namespace), guard(on_namespace_delete)
        )

        def workloads(kind: str, inf: SharedInformer) -> Callable[..., None]:
            def refresh(*_: Any) -> None:
                sched.set_workloads(kind, inf.list())

            return refresh

        for kind, inf in (("services", services), ("replicasets", replicasets)):
            h = guard(workloads(kind, inf))
            inf.add_event_handler(h, h, h)
        for inf in run.informers.values():
            inf.run()

    # -- the scheduling loop ---------------------------------------------------------------------

    def _kick(self, run: _Run) -> None:
        if run.wake is not None and not run.wake.triggered and run.sched.queue.active_len():
            run.wake.succeed(None)

    def _flush_backoff(self, run: _Run) -> None:
        if not self._current(run) or not run.leading:
            return
        now = self.world.now
        run.sched.queue.flush_backoff_q_completed(now)
        run.sched.cache.cleanup_expired_assumed_pods(now)
        self._kick(run)

    def _flush_leftover(self, run: _Run) -> None:
        if not self._current(run) or not run.leading:
            return
        run.sched.queue.flush_unschedulable_pods_leftover(self.world.now)
        self._kick(run)

    def _loop(self, run: _Run) -> Generator[simpy.Event, Any, None]:
        env = self.world.env
        while self._current(run) and run.leading:
            if not run.sched.queue.active_len():
                run.wake = env.event()
                yield run.wake
                run.wake = None
                continue
            yield env.timeout(self.cycle_cost)
            if not (self._current(run) and run.leading):
                return
            result = run.sched.schedule_one(self.world.now, defer_binding=True)
            if result is None:
                continue
            run.stats["cycles"] += 1
            waits = self._handle(run, result)
            if waits:
                yield env.all_of(waits)

    def _handle(self, run: _Run, result: ScheduleResult) -> list[simpy.Event]:
        """Act on one scheduling cycle's result; returns the API calls the loop waits for."""
        if self.keep_results:
            self.results.append(result)
        if result.reason == "Assumed":
            assert result.pending is not None
            run.stats["feasible_nodes"] += result.feasible_nodes
            self._binding_cycle(run, result.pending)
            return []
        if result.reason == "Skipped":
            return []
        run.stats["failed"] += 1
        waits: list[simpy.Event] = []
        if result.nominated_node:
            waits = self._prepare_candidate(run, result)
            if waits:
                # prepareCandidate runs before handleSchedulingFailure: wait for it first
                done = self.world.env.all_of(waits)
                after = self.world.env.event()

                def then(_e: simpy.Event) -> None:
                    if not self._current(run):
                        after.succeed(None)
                        return
                    inner = self._handle_scheduling_failure(run, result)

                    def finished(_x: simpy.Event) -> None:
                        after.succeed(None)

                    inner.callbacks.append(finished)

                done.callbacks.append(then)
                return [after]
        return [self._handle_scheduling_failure(run, result)]

    # -- API calls (through the client-side rate limiter) ----------------------------------------

    def _call(self, run: _Run, send: Callable[[], simpy.Event]) -> simpy.Event:
        """Send a request once the token bucket allows; the returned event always succeeds,
        with ``(True, body)`` or ``(False, error)``."""
        out = self.world.env.event()
        wait = run.limiter.when(None)

        def go() -> None:
            if not self._current(run):
                out.succeed((False, RuntimeError("kube-scheduler stopped")))
                return
            ev = send()

            def done(e: simpy.Event) -> None:
                out.succeed((True, e.value) if e.ok else (False, e.value))

            ev.callbacks.append(done)

        if wait > 0:
            self.host.call_later(wait, go)
        else:
            go()
        return out

    def _patch_status(
        self, run: _Run, pod: Mapping[str, Any], new_status: Mapping[str, Any]
    ) -> simpy.Event | None:
        """util.PatchPodStatus: the two-way strategic merge patch from the pod's status to
        ``new_status``, sent to ``pods/<name>/status``; None when there is nothing to send."""
        patch = create_two_way_merge_patch(
            "Pod", {"status": dict(pod.get("status") or {})}, {"status": dict(new_status)}
        )
        if not patch:
            return None
        meta = pod.get("metadata") or {}
        name, ns = str(meta.get("name")), str(meta.get("namespace") or "default")
        return self._call(
            run,
            lambda: self.client.patch_async("pods", name, patch, ns, subresource="status"),
        )

    # -- binding cycle ---------------------------------------------------------------------------

    def _binding_cycle(self, run: _Run, pending: PendingBinding) -> None:
        sched = run.sched
        run.bindings_in_flight += 1
        run.stats["max_bindings_in_flight"] = max(
            run.stats["max_bindings_in_flight"], run.bindings_in_flight
        )
        s = sched.run_pre_bind(pending)
        if s is not None and s.code != Code.Success:
            self._binding_done(run, pending, s)
            return
        pod = pending.qpi.pod_info.pod
        host = pending.host

        def answered(e: simpy.Event) -> None:
            if not self._current(run):
                return
            ok, value = _outcome(e)
            if ok:
                self._binding_done(run, pending, None)
            else:
                # framework.go RunBindPlugins wraps the plugin's error
                msg = f'running Bind plugin "DefaultBinder": {value}'
                self._binding_done(run, pending, Status(Code.Error, msg))

        self._call(run, lambda: self.client.bind_async(pod, host)).callbacks.append(answered)

    def _binding_done(self, run: _Run, pending: PendingBinding, status: Status | None) -> None:
        run.bindings_in_flight -= 1
        result = run.sched.finish_binding_cycle(pending, status, self.world.now)
        if result.reason == "Scheduled":
            run.stats["scheduled"] += 1
            self._log("scheduled", pod=result.pod, node=pending.host)
            # finishBinding: the event is about the assumed pod
            run.recorder.eventf(
                pending.assumed.pod, None, "Normal", "Scheduled", "Binding", result.message
            )
            return
        run.stats["bind_errors"] += 1
        run.stats["failed"] += 1
        if self.keep_results:
            self.results.append(result)
        self._handle_scheduling_failure(run, result)
        self._kick(run)

    # -- failures --------------------------------------------------------------------------------

    def _handle_scheduling_failure(self, run: _Run, result: ScheduleResult) -> simpy.Event:
        """handleSchedulingFailure: the FailedScheduling event and ``updatePod``. Returns an
        event for the status patch (already succeeded when nothing is sent)."""
        assert result.pod_info is not None
        pod = result.pod_info.pod
        self._log("failed", pod=result.pod, reason=result.reason, message=result.message)
        run.recorder.eventf(
            pod, None, "Warning", "FailedScheduling", "Scheduling", truncate_message(result.message)
        )
        status = dict(pod.get("status") or {})
        cond = {
            "type": POD_SCHEDULED,
            "status": "False",
            "lastProbeTime": None,
            "reason": result.reason,
            "message": result.message,
        }
        changed = update_pod_condition(status, cond, self.world.timestamp())
        nnn_changed = False
        if result.nominating_mode == "Override":
            target = result.nominated_node or ""
            if (pod.get("status") or {}).get("nominatedNodeName", "") != target:
                nnn_changed = True
                if target:
                    status["nominatedNodeName"] = target
                else:
                    status.pop("nominatedNodeName", None)
        if not (changed or nnn_changed):
            return self._done()
        ev = self._patch_status(run, pod, status)
        return ev if ev is not None else self._done()

    def _done(self) -> simpy.Event:
        ev = self.world.env.event()
        ev.succeed((True, None))
        return ev

    def _prepare_candidate(self, run: _Run, result: ScheduleResult) -> list[simpy.Event]:
        """preemption.go ``prepareCandidate``: for every victim the DisruptionTarget condition,
        a graceful delete and a ``Preempted`` event; then the lower-priority nominations on the
        node are cleared."""
        assert result.pod_info is not None
        preemptor = result.pod_info.pod
        node = result.nominated_node or ""
        scheduler_name = (preemptor.get("spec") or {}).get(
            "schedulerName"
        ) or cfgmod.DEFAULT_SCHEDULER_NAME
        uid = (preemptor.get("metadata") or {}).get("uid", "")
        waits: list[simpy.Event] = []
        for victim in result.victim_pods:
            waits.append(self._preempt_victim(run, victim, preemptor, node, scheduler_name, uid))
        self._log("preempt", pod=result.pod, node=node, victims=",".join(result.victims))
        for p in result.cleared_nomination_pods:
            status = dict(p.get("status") or {})
            if status.pop("nominatedNodeName", None):
                ev = self._patch_status(run, p, status)
                if ev is not None:
                    waits.append(ev)
        return waits

    def _preempt_victim(
        self,
        run: _Run,
        victim: Mapping[str, Any],
        preemptor: Mapping[str, Any],
        node: str,
        scheduler_name: str,
        preemptor_uid: str,
    ) -> simpy.Event:
        out = self.world.env.event()
        meta = victim.get("metadata") or {}
        name, ns = str(meta.get("name")), str(meta.get("namespace") or "default")
        status = dict(victim.get("status") or {})
        cond = {
            "type": DISRUPTION_TARGET,
            "status": "True",
            "lastProbeTime": None,
            "reason": REASON_PREEMPTION_BY_SCHEDULER,
            "message": f"{scheduler_name}: preempting to accommodate a higher priority pod",
        }
        updated = update_pod_condition(status, cond, self.world.timestamp())

        def record() -> None:
            run.recorder.eventf(
                victim,
                preemptor,
                "Normal",
                "Preempted",
                "Preempting",
                f"Preempted by pod {preemptor_uid} on node {node}",
            )

        def delete(prev: simpy.Event | None = None) -> None:
            if prev is not None:
                ok, err = _outcome(prev)
                if not ok:
                    out.succeed(None)  # NotFound: already deleted; others: give up
                    if isinstance(err, NotFound):
                        record()
                    return
            ev = self._call(run, lambda: self.client.delete_async("pods", name, ns))

            def deleted(e: simpy.Event) -> None:
                ok, err = _outcome(e)
                if ok or isinstance(err, NotFound):
                    record()
                out.succeed(None)

            ev.callbacks.append(deleted)

        patch = self._patch_status(run, victim, status) if updated else None
        if patch is None:
            delete()
        else:
            patch.callbacks.append(delete)
        return out


# ----------------------------------------------------------------------------- the cluster's handle


class KubeScheduler:
    """The kube-scheduler instances of a cluster, one per control-plane host."""

    def __init__(self, instances: Mapping[str, SchedulerComponent]) -> None:
        self.instances: dict[str, SchedulerComponent] = dict(instances)

    def __repr__(self) -> str:
        leader = self.leader()
        who = leader.host.name if leader is not None else "none"
        return f"<KubeScheduler instances={','.join(self.instances)} leader={who}>"

    def leader(self) -> SchedulerComponent | None:
        """The instance that schedules now, if any."""
        for name in sorted(self.instances):
            inst = self.instances[name]
            if inst.leading:
                return inst
        return None

    def active(self) -> SchedulerComponent | None:
        """The leader, else the first running instance with synced caches."""
        leader = self.leader()
        if leader is not None:
            return leader
        for name in sorted(self.instances):
            inst = self.instances[name]
            if inst.has_synced():
                return inst
        return None

    def stop(self, host: str) -> None:
        """Stop the kube-scheduler on ``host`` (a failure-panel fault)."""
        self.instances[host].stop()

    def start(self, host: str) -> None:
        """Start it again."""
        self.instances[host].start()

    def reconfigure(self, config: Mapping[str, Any] | None) -> None:
        """Restart every instance with a new ``KubeSchedulerConfiguration`` (see
        :meth:`SchedulerComponent.reconfigure`)."""
        for name in sorted(self.instances):
            self.instances[name].reconfigure(config)

    @property
    def hosts(self) -> list[str]:
        """The hosts a kube-scheduler runs on (for the Cluster's drawing)."""
        return sorted(self.instances)

    def explain(self, target: str | Mapping[str, Any], namespace: str = "default") -> Explanation:
        """Why a pod goes (or would go) where it goes: ``target`` is ``pod/NAME`` (see
        :func:`explain_pod`) or the pod object."""
        if isinstance(target, Mapping):
            meta = target.get("metadata") or {}
            return _explain(self, str(meta.get("name")), str(meta.get("namespace") or namespace))
        return _explain(self, target, namespace)

    def status(self) -> list[dict[str, Any]]:
        """One row per instance: host, running, leading, pending pods, cycles, bound pods."""
        rows = []
        for name in sorted(self.instances):
            inst = self.instances[name]
            pending = inst.pending()
            st = inst.stats()
            rows.append(
                {
                    "host": name,
                    "running": inst.running,
                    "leading": inst.leading,
                    "pending": sum(len(v) for v in pending.values()),
                    "cycles": st.get("cycles", 0),
                    "scheduled": st.get("scheduled", 0),
                }
            )
        return rows


def install(cluster: Any) -> KubeScheduler:
    """The Cluster plug-in: one kube-scheduler per control-plane host, each with a client
    certificate for ``system:kube-scheduler`` (what kubeadm's ``scheduler.conf`` holds)."""
    instances: dict[str, SchedulerComponent] = {}
    for host in cluster.control_plane_hosts:
        client = cluster.client_for(host, "system:kube-scheduler")
        # kubeadm's scheduler.conf points at the local API server: try it first
        if host in client.endpoints:
            client.endpoints = [host] + [e for e in client.endpoints if e != host]
        instances[host] = SchedulerComponent(cluster.world, host, client)
    return KubeScheduler(instances)


def _parse_target(target: str, namespace: str) -> tuple[str, str]:
    text = target.strip()
    for prefix in ("pod/", "pods/", "po/"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if "/" in text:
        ns, name = text.split("/", 1)
        return ns, name
    return namespace, text


def _explain(handle: KubeScheduler, target: str, namespace: str) -> Explanation:
    ns, name = _parse_target(target, namespace)
    inst = handle.active()
    if inst is None or inst.scheduler is None:
        raise RuntimeError("no kube-scheduler is running with synced caches")
    pod = inst.pod(ns, name)
    if pod is None:
        raise KeyError(f'pods "{name}" not found')
    sched = inst.scheduler
    cache = sched.cache
    key = pod_key(pod)
    # A bound pod is explained as if it were not there yet (its own requests would otherwise
    # count on its node).
    ps = cache.get_pod(key)
    removed = None
    if ps is not None and not cache.is_assumed(key):
        removed = cache.remove_pod(key)
    try:
        unbound = dict(pod)
        unbound["spec"] = {k: v for k, v in (pod.get("spec") or {}).items() if k != "nodeName"}
        return explain(sched, unbound)
    finally:
        if removed is not None:
            cache.add_pod(pod)


def explain_pod(cluster: Any, target: str, namespace: str = "default") -> Explanation:
    """``cluster.explain("pod/NAME")``: every filter verdict and score, node by node, for the
    pod on the scheduler's current view of the cluster (see :func:`kubelab.scheduler.explain`).
    ``target`` is ``pod/NAME``, ``NAME`` or ``NAMESPACE/NAME``."""
    handle = cluster.components.get(COMPONENT)
    if not isinstance(handle, KubeScheduler):
        raise RuntimeError("this cluster runs no kube-scheduler")
    return _explain(handle, target, namespace)


def _register() -> None:
    """Register with the Cluster's plug-in point when the Cluster module is there."""
    try:
        cluster_mod = importlib.import_module("kubelab.cluster")
    except ImportError:
        return
    spec_cls: Any = getattr(cluster_mod, "ComponentSpec", None)
    register: Any = getattr(cluster_mod, "register_component", None)
    if spec_cls is not None and register is not None:
        register(spec_cls(COMPONENT, 40, install))


_register()
