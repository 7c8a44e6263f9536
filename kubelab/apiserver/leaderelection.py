"""Leader election over a ``coordination.k8s.io/v1`` Lease, as kube-scheduler and
kube-controller-manager run it.

A model of client-go ``tools/leaderelection/leaderelection.go`` with the ``LeaseLock`` of
``resourcelock/leaselock.go``. Every candidate runs the same loop against one Lease object
(``holderIdentity``, ``leaseDurationSeconds``, ``acquireTime``, ``renewTime`` as ``MicroTime``,
``leaseTransitions``), with optimistic concurrency: every update carries the resourceVersion the
candidate last read, so of two racing candidates one gets a 409 Conflict.

* **Acquire** (``acquire``): try at once, then every ``retry_period`` stretched by a random
  factor in [1, 1 + 1.2) (``wait.JitterUntil`` with ``JitterFactor`` 1.2) until it succeeds.
* **tryAcquireOrRenew**: a leader whose lease is still valid first updates it "optimistically"
  from the copy it holds; otherwise the candidate reads the Lease (creating it if missing). If
  the record changed since it last looked, it notes the time *on its own clock* (``observedTime``)
  -- the timestamps inside the record are never trusted. Someone else holds the lease while
  ``observedTime + leaseDurationSeconds`` is in the future; after that the candidate takes it
  (``leaseTransitions`` + 1). So a standby takes over once it has seen no change to the record
  for a full lease duration -- 15 s plus up to one jittered retry (2 to 4.4 s) after the leader
  last renewed.
* **Renew** (``renew``): every ``retry_period`` the leader renews; a renewal may retry every
  ``retry_period`` until ``renew_deadline`` has passed, and if none succeeds it stops leading.
  Because ``renew_deadline`` < ``lease_duration``, a leader cut off from the API server gives up
  before any standby can take over: two leaders never overlap (given no clock-rate skew).
* Each request times out after ``renew_deadline / 2`` (at least 1 s), as the client
  ``resourcelock.NewFromKubeconfig`` builds (kube-scheduler logs show ``?timeout=5s``).

Defaults 15 s / 10 s / 2 s are component-base ``RecommendedDefaultLeaderElectionConfiguration``
(FIDELITY B3, A2). Left out: the ``Events`` the lock records ("became leader", written to the
trace instead), coordinated leader election (``strategy``, ``preferredHolder``), and the
healthz watchdog.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

import simpy

from kubelab.apiserver.client import APIClient, NotFound, ServerUnavailable
from kubelab.sim.clock import parse_timestamp, timestamp

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.world import World

__all__ = [
    "DEFAULT_LEASE_DURATION",
    "DEFAULT_RENEW_DEADLINE",
    "DEFAULT_RETRY_PERIOD",
    "JITTER_FACTOR",
    "LeaderElectionRecord",
    "LeaderElector",
]

#: leaderelection.go ``JitterFactor``.
JITTER_FACTOR: Final = 1.2
#: component-base RecommendedDefaultLeaderElectionConfiguration.
DEFAULT_LEASE_DURATION: Final = 15.0
DEFAULT_RENEW_DEADLINE: Final = 10.0
DEFAULT_RETRY_PERIOD: Final = 2.0

_LEASE_API_VERSION: Final = "coordination.k8s.io/v1"
_LEASE_GROUP: Final = "coordination.k8s.io"


@dataclass(frozen=True)
class LeaderElectionRecord:
    """``resourcelock.LeaderElectionRecord``: what the lock holds, times as the Lease's
    ``MicroTime`` strings."""

    holder_identity: str = ""
    lease_duration_seconds: int = 0
    acquire_time: str = ""
    renew_time: str = ""
    leader_transitions: int = 0

    @classmethod
    def from_lease_spec(cls, spec: Mapping[str, Any]) -> LeaderElectionRecord:
        """``LeaseSpecToLeaderElectionRecord`` (missing fields read as zero values)."""
        return cls(
            holder_identity=str(spec.get("holderIdentity") or ""),
            lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
            acquire_time=str(spec.get("acquireTime") or ""),
            renew_time=str(spec.get("renewTime") or ""),
            leader_transitions=int(spec.get("leaseTransitions") or 0),
        )

    def to_lease_spec(self) -> dict[str, Any]:
        """``LeaderElectionRecordToLeaseSpec``."""
        return {
            "holderIdentity": self.holder_identity,
            "leaseDurationSeconds": self.lease_duration_seconds,
            "acquireTime": self.acquire_time,
            "renewTime": self.renew_time,
            "leaseTransitions": self.leader_transitions,
        }

    def raw(self) -> tuple[Any, ...]:
        """What ``json.Marshal(record)`` would compare: ``metav1.Time`` marshals to whole
        seconds, so two renewals within one second look the same."""
        return (
            self.holder_identity,
            self.lease_duration_seconds,
            _seconds(self.acquire_time),
            _seconds(self.renew_time),
            self.leader_transitions,
        )


def _seconds(micro: str) -> str:
    # metav1.Time.MarshalJSON: RFC 3339 at second precision
    if not micro:
        return ""
    return timestamp(parse_timestamp(micro))


class LeaderElector:
    """One candidate for the lock ``lock_namespace/lock_name``, identified by ``identity``.

    Callbacks, as upstream ``LeaderCallbacks``: ``on_started_leading()`` once the lease is
    acquired; ``on_stopped_leading()`` when :meth:`run`'s loop ends -- after losing the lease,
    or on :meth:`stop` (even if it never led, as upstream's deferred call); and
    ``on_new_leader(identity)`` whenever the observed holder changes (including to itself). A
    crash of the client's host ends the loop without callbacks.

    Raises :class:`ValueError` with upstream's messages for an invalid configuration.
    """

    def __init__(
        self,
        client: APIClient,
        lock_namespace: str,
        lock_name: str,
        identity: str,
        *,
        lease_duration: float = DEFAULT_LEASE_DURATION,
        renew_deadline: float = DEFAULT_RENEW_DEADLINE,
        retry_period: float = DEFAULT_RETRY_PERIOD,
        on_started_leading: Callable[[], None] | None = None,
        on_stopped_leading: Callable[[], None] | None = None,
        on_new_leader: Callable[[str], None] | None = None,
        release_on_cancel: bool = False,
        rng: random.Random | None = None,
        name: str = "",
    ) -> None:
        # leaderelection.go NewLeaderElector
        if lease_duration <= renew_deadline:
            raise ValueError("leaseDuration must be greater than renewDeadline")
        if renew_deadline <= JITTER_FACTOR * retry_period:
            raise ValueError("renewDeadline must be greater than retryPeriod*JitterFactor")
        if lease_duration < 1:
            raise ValueError("leaseDuration must be greater than zero")
        if renew_deadline < 1:
            raise ValueError("renewDeadline must be greater than zero")
        if retry_period < 1:
            raise ValueError("retryPeriod must be greater than zero")
        if on_started_leading is None:
            raise ValueError("OnStartedLeading callback must not be nil")
        if on_stopped_leading is None:
            raise ValueError("OnStoppedLeading callback must not be nil")
        if not identity:
            raise ValueError("Lock identity is empty")
        self.client = client
        self.world: World = client.world
        self.lock_namespace = lock_namespace
        self.lock_name = lock_name
        self.identity = identity
        self.lease_duration = float(lease_duration)
        self.renew_deadline = float(renew_deadline)
        self.retry_period = float(retry_period)
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self.release_on_cancel = release_on_cancel
        self.name = name or lock_name
        self.rng = rng or self.world.rng(f"leaderelection/{lock_namespace}/{lock_name}/{identity}")
        #: Per-request timeout: resourcelock.NewFromKubeconfig sets renewDeadline/2, >= 1 s.
        self.request_timeout = max(self.renew_deadline / 2, 1.0)
        self.observed_record = LeaderElectionRecord()
        #: Local time at which :attr:`observed_record` was last seen to change.
        self.observed_time = 0.0
        self._observed_raw: tuple[Any, ...] | None = None
        self._reported_leader = ""
        self._lease: dict[str, Any] | None = None
        self._leading = False
        self._stopped = False
        self._stop_ev: simpy.Event = self.world.env.event()
        self._proc: simpy.Process | None = None
        self._epoch = client.host.epoch

    def __repr__(self) -> str:
        return (
            f"<LeaderElector {self.describe()} identity={self.identity} "
            f"leading={self._leading} leader={self.get_leader() or '-'}>"
        )

    # -- public --------------------------------------------------------------------------------
    def describe(self) -> str:
        """``<namespace>/<name>`` of the lock (``LeaseLock.Describe``)."""
        return f"{self.lock_namespace}/{self.lock_name}"

    def get_leader(self) -> str:
        """The last observed holder (``""`` if none seen yet)."""
        return self.observed_record.holder_identity

    def is_leader(self) -> bool:
        """Whether the last observed holder is this candidate (``IsLeader``)."""
        return self.observed_record.holder_identity == self.identity

    @property
    def leading(self) -> bool:
        """Between ``on_started_leading`` and ``on_stopped_leading`` (false once the host
        crashed: the loop died with it)."""
        host = self.client.host
        return self._leading and host.up and host.epoch == self._epoch

    def run(self) -> simpy.Process:
        """Start the election loop on the client's host."""
        if self._proc is not None:
            raise RuntimeError(f"leader elector {self.identity} is already running")
        self._epoch = self.client.host.epoch
        self._proc = self.client.host.spawn(self._run())
        return self._proc

    def stop(self) -> None:
        """Cancel the loop (the ``ctx`` of ``Run``): stop acquiring or renewing."""
        self._stopped = True
        if not self._stop_ev.triggered:
            self._stop_ev.succeed(None)

    # -- bookkeeping ---------------------------------------------------------------------------
    def _log(self, kind: str, **fields: Any) -> None:
        self.world.log(
            self.client.host.name,
            "leaderelection",
            kind,
            lock=self.describe(),
            identity=self.identity,
            **fields,
        )

    def _set_observed(self, record: LeaderElectionRecord) -> None:
        self.observed_record = record
        self.observed_time = self.world.now

    def _is_lease_valid(self, now: float) -> bool:
        # observedTime + observed leaseDurationSeconds is still in the future
        return self.observed_time + self.observed_record.lease_duration_seconds > now

    def _maybe_report_transition(self) -> None:
        holder = self.observed_record.holder_identity
        if holder == self._reported_leader:
            return
        self._reported_leader = holder
        self._log("new-leader", leader=holder)
        if self.on_new_leader is not None:
            self.on_new_leader(holder)

    # -- waiting -------------------------------------------------------------------------------
    def _sleep(self, delay: float) -> Generator[simpy.Event, Any, None]:
        env = self.world.env
        if delay > 0 and not self._stopped:
            yield env.any_of([env.timeout(delay), self._stop_ev])

    def _request(
        self, make: Callable[[float], simpy.Event], deadline: float | None
    ) -> Generator[simpy.Event, Any, Any]:
        timeout = self.request_timeout
        if deadline is not None:
            timeout = min(timeout, deadline - self.world.now)
        if timeout <= 0:
            raise ServerUnavailable("context deadline exceeded")
        result = yield make(timeout)
        return result

    # -- the lease lock (resourcelock/leaselock.go) --------------------------------------------
    def _lock_get(
        self, deadline: float | None
    ) -> Generator[simpy.Event, Any, LeaderElectionRecord]:
        lease = yield from self._request(
            lambda t: self.client.get_async(
                "leases", self.lock_name, self.lock_namespace, group=_LEASE_GROUP, timeout=t
            ),
            deadline,
        )
        self._lease = lease
        return LeaderElectionRecord.from_lease_spec(lease.get("spec") or {})

    def _lock_create(
        self, record: LeaderElectionRecord, deadline: float | None
    ) -> Generator[simpy.Event, Any, None]:
        body = {
            "apiVersion": _LEASE_API_VERSION,
            "kind": "Lease",
            "metadata": {"name": self.lock_name, "namespace": self.lock_namespace},
            "spec": record.to_lease_spec(),
        }
        self._lease = yield from self._request(
            lambda t: self.client.create_async(body, self.lock_namespace, timeout=t), deadline
        )

    def _lock_update(
        self, record: LeaderElectionRecord, deadline: float | None
    ) -> Generator[simpy.Event, Any, None]:
        if self._lease is None:
            raise RuntimeError("lease not initialized, call get or create first")
        lease = dict(self._lease)
        lease["spec"] = record.to_lease_spec()
        self._lease = lease
        self._lease = yield from self._request(
            lambda t: self.client.update_async(lease, self.lock_namespace, timeout=t), deadline
        )

    # -- the algorithm -------------------------------------------------------------------------
    def _try_acquire_or_renew(self, deadline: float | None) -> Generator[simpy.Event, Any, bool]:
        now = self.world.now
        stamp = self.world.micro_timestamp(now)
        record = LeaderElectionRecord(
            holder_identity=self.identity,
            lease_duration_seconds=int(self.lease_duration),
            acquire_time=stamp,
            renew_time=stamp,
        )
        # 1. fast path: the leader updates from the record it observed last time
        if self.is_leader() and self._is_lease_valid(now):
            observed = self.observed_record
            optimistic = replace(
                record,
                acquire_time=observed.acquire_time,
                leader_transitions=observed.leader_transitions,
            )
            try:
                yield from self._lock_update(optimistic, deadline)
            except Exception as err:
                self._log(
                    "update-failed",
                    error=f"Failed to update lock optimistically: {err}, falling back to slow path",
                )
            else:
                self._set_observed(optimistic)
                return True
        # 2. obtain or create the record
        try:
            old = yield from self._lock_get(deadline)
        except NotFound:
            try:
                yield from self._lock_create(record, deadline)
            except Exception as err:
                self._log(
                    "create-failed", error=f"error initially creating leader election record: {err}"
                )
                return False
            self._set_observed(record)
            return True
        except Exception as err:
            self._log(
                "get-failed", error=f"error retrieving resource lock {self.describe()}: {err}"
            )
            return False
        # 3. record obtained: note when it last changed, on our own clock
        raw = old.raw()
        if raw != self._observed_raw:
            self._set_observed(old)
            self._observed_raw = raw
        if old.holder_identity and self._is_lease_valid(now) and not self.is_leader():
            return False  # "lock is held by %v and has not yet expired"
        # 4. take or keep it
        if self.is_leader():
            record = replace(
                record,
                acquire_time=old.acquire_time,
                leader_transitions=old.leader_transitions,
            )
        else:
            record = replace(record, leader_transitions=old.leader_transitions + 1)
        try:
            yield from self._lock_update(record, deadline)
        except Exception as err:
            self._log("update-failed", error=f"Failed to update lock: {err}")
            return False
        self._set_observed(record)
        return True

    def _acquire(self) -> Generator[simpy.Event, Any, bool]:
        self._log("acquiring", message=f"attempting to acquire leader lease {self.describe()}...")
        while not self._stopped:
            ok = yield from self._try_acquire_or_renew(None)
            self._maybe_report_transition()
            if ok and not self._stopped:
                self._log("acquired", message=f"successfully acquired lease {self.describe()}")
                return True
            # wait.JitterUntil(..., RetryPeriod, JitterFactor, sliding=true, ...)
            jittered = self.retry_period * (1.0 + self.rng.random() * JITTER_FACTOR)
            yield from self._sleep(jittered)
        return False

    def _renew(self) -> Generator[simpy.Event, Any, None]:
        # wait.Until(func, RetryPeriod): each round polls tryAcquireOrRenew every RetryPeriod
        # until it succeeds or RenewDeadline has passed.
        while not self._stopped:
            deadline = self.world.now + self.renew_deadline
            ok = False
            while not self._stopped:
                started = self.world.now
                ok = yield from self._try_acquire_or_renew(deadline)
                if ok or self.world.now >= deadline:
                    break
                yield from self._sleep(min(started + self.retry_period, deadline) - self.world.now)
                if self.world.now >= deadline:
                    break
            self._maybe_report_transition()
            if self._stopped:
                break
            if not ok:
                self._log(
                    "lost",
                    message=f"failed to renew lease {self.describe()}: context deadline exceeded",
                )
                break
            yield from self._sleep(self.retry_period)
        if self.release_on_cancel:
            yield from self._release()

    def _release(self) -> Generator[simpy.Event, Any, bool]:
        if not self.is_leader():
            return True
        stamp = self.world.micro_timestamp()
        record = LeaderElectionRecord(
            lease_duration_seconds=1,
            acquire_time=stamp,
            renew_time=stamp,
            leader_transitions=self.observed_record.leader_transitions,
        )
        try:
            yield from self._lock_update(record, None)
        except Exception as err:
            self._log("release-failed", error=f"Failed to release lock: {err}")
            return False
        self._set_observed(record)
        return True

    def _run(self) -> Generator[simpy.Event, Any, None]:
        acquired = yield from self._acquire()
        if acquired:
            self._leading = True
            self._log("started-leading", message=f"{self.identity} became leader")
            self.on_started_leading()
            yield from self._renew()
        self._leading = False
        self._log("stopped-leading", message=f"{self.identity} stopped leading")
        self.on_stopped_leading()
