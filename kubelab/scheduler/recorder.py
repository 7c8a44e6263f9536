"""The Events kube-scheduler writes: ``events.k8s.io/v1``, with series for repeats.

A model of client-go ``tools/events`` (``recorder.go`` ``makeEvent``, ``event_broadcaster.go``
``recordToSink``, ``recordEvent``, ``finishSeries``, ``refreshExistingEventSeries``), which
kube-scheduler uses since the API server offers ``events.k8s.io/v1``
(``NewEventBroadcasterAdapter``; the recorder is ``NewRecorder(scheme, profile.SchedulerName)``).

* An Event is named ``<regarding name>.<time in nanoseconds, hex>`` in the namespace of the
  object it is about, with ``eventTime`` (``MicroTime``), ``reportingController`` (the
  scheduler name, ``default-scheduler``), ``reportingInstance`` (``<controller>-<hostname>``),
  ``action`` (``Scheduling``, ``Binding``, ``Preempting``), ``reason``, ``note`` (the message),
  ``type`` and the ``regarding``/``related`` object references. The deprecated core fields
  (``count``, ``firstTimestamp``, ``lastTimestamp``, ``source``) stay empty: the ``events.k8s.io``
  API refuses them on create.
* Repeats are folded into a **series**, keyed by type, action, reason, reporting controller and
  instance, regarding and related object (the note is not part of the key, the regarding
  object's resourceVersion is): the second occurrence patches the Event with
  ``series: {count: 2, lastObservedTime}``; later ones only count in memory. Every 6 minutes
  (``finishTime``) series not seen for 6 minutes are written with their final count and
  forgotten, singletons older than that are forgotten; every 30 minutes (``refreshTime``) open
  series are written again.
* A write that fails for lack of a server is retried up to 12 times (``maxTriesPerEvent``),
  10 s apart with 25 % jitter; a rejected one is dropped ("will not retry!").

The writes go through their own client-side rate limiter (kube-scheduler makes a separate
clientset for events, with the same QPS and burst).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import simpy

from kubelab.apiserver.client import AlreadyExists, APIClient, APIStatusError, NotFound
from kubelab.sim.clock import EPOCH

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.apiserver.workqueue import BucketRateLimiter
    from kubelab.sim.host import Host, Timer
    from kubelab.sim.world import World

__all__ = [
    "FINISH_TIME",
    "MAX_TRIES_PER_EVENT",
    "NOTE_LENGTH_LIMIT",
    "REFRESH_TIME",
    "EventRecorder",
    "object_reference",
    "truncate_message",
]

#: tools/events/event_broadcaster.go.
MAX_TRIES_PER_EVENT: Final = 12
FINISH_TIME: Final = 6 * 60.0
REFRESH_TIME: Final = 30 * 60.0
DEFAULT_SLEEP: Final = 10.0
SLEEP_JITTER: Final = 0.25
#: pkg/apis/core/validation ``NoteLengthLimit``: the longest Event note.
NOTE_LENGTH_LIMIT: Final = 1024

_EPOCH_NS: Final = int(EPOCH.timestamp()) * 1_000_000_000


def truncate_message(message: str) -> str:
    """schedule_one.go ``truncateMessage``: at most 1024 characters, ending in `` ...`` when
    cut."""
    if len(message) <= NOTE_LENGTH_LIMIT:
        return message
    suffix = " ..."
    return message[: NOTE_LENGTH_LIMIT - len(suffix)] + suffix


def object_reference(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``reference.GetReference``: kind, namespace, name, uid, apiVersion, resourceVersion."""
    meta = obj.get("metadata") or {}
    ref: dict[str, Any] = {"kind": obj.get("kind") or "Pod"}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    ref["name"] = meta.get("name") or ""
    if meta.get("uid"):
        ref["uid"] = meta["uid"]
    ref["apiVersion"] = obj.get("apiVersion") or "v1"
    if meta.get("resourceVersion"):
        ref["resourceVersion"] = meta["resourceVersion"]
    return ref


def _key(event: Mapping[str, Any]) -> tuple[Any, ...]:
    """event_broadcaster.go ``getKey``: the note is not part of it."""

    def ref(r: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((k, str(v)) for k, v in (r or {}).items()))

    return (
        event.get("type"),
        event.get("action"),
        event.get("reason"),
        event.get("reportingController"),
        event.get("reportingInstance"),
        ref(event.get("regarding")),
        ref(event.get("related")),
    )


@dataclass
class _Cached:
    event: dict[str, Any]
    #: simulated time of the first occurrence (``eventTime``) and of the last one
    first: float
    last: float


class EventRecorder:
    """An ``events.k8s.io/v1`` recorder and broadcaster on ``host`` writing through ``client``.

    ``limiter`` is the events client's token bucket (its ``when`` gives the wait before the
    next request); ``rng`` draws the retry jitter. :meth:`start` starts the series timers.
    """

    def __init__(
        self,
        world: World,
        host: Host,
        client: APIClient,
        reporting_controller: str,
        *,
        limiter: BucketRateLimiter | None = None,
        rng: random.Random | None = None,
        alive: Callable[[], bool] | None = None,
    ) -> None:
        self.world = world
        self.host = host
        self.client = client
        self.reporting_controller = reporting_controller
        self.reporting_instance = f"{reporting_controller}-{host.name}"
        self.limiter = limiter
        self.rng = rng or world.rng(f"{host.name}/{reporting_controller}/events")
        self.alive = alive or (lambda: True)
        self.cache: dict[tuple[Any, ...], _Cached] = {}
        self._last_ns = 0
        #: Writes sent (create or patch), for lessons and tests.
        self.writes = 0
        self.dropped = 0

    def start(self) -> list[Timer]:
        """Start ``finishSeries`` (every 6 min) and ``refreshExistingEventSeries`` (every
        30 min); returns their timers."""
        return [
            self.host.every(FINISH_TIME, self._finish_series),
            self.host.every(REFRESH_TIME, self._refresh_series),
        ]

    # -- recording ---------------------------------------------------------------------------

    def _name(self, regarding: Mapping[str, Any]) -> str:
        # recorder.go: fmt.Sprintf("%v.%x", refRegarding.Name, t.UnixNano()); two events in
        # the same simulated nanosecond get the next nanosecond (distinct clock readings).
        ns = _EPOCH_NS + round(self.world.now * 1e9)
        ns = max(ns, self._last_ns + 1)
        self._last_ns = ns
        return f"{regarding.get('name')}.{ns:x}"

    def eventf(
        self,
        regarding: Mapping[str, Any],
        related: Mapping[str, Any] | None,
        event_type: str,
        reason: str,
        action: str,
        note: str,
    ) -> dict[str, Any]:
        """``Eventf``: build the Event about ``regarding`` (an object) and send it; returns
        the Event as built."""
        ref = object_reference(regarding)
        ns = ref.get("namespace") or "default"
        event: dict[str, Any] = {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": self._name(ref), "namespace": ns},
            "eventTime": self.world.micro_timestamp(),
            "reportingController": self.reporting_controller,
            "reportingInstance": self.reporting_instance,
            "action": action,
            "reason": reason,
            "regarding": ref,
            "note": note,
            "type": event_type,
        }
        if related is not None:
            event["related"] = object_reference(related)
        self._record_to_sink(event)
        return event

    def _record_to_sink(self, event: dict[str, Any]) -> None:
        key = _key(event)
        now = self.world.now
        hit = self.cache.get(key)
        if hit is not None:
            hit.last = now
            series = hit.event.get("series")
            if series is not None:
                series["count"] += 1
                series["lastObservedTime"] = self.world.micro_timestamp()
                return
            hit.event["series"] = {"count": 2, "lastObservedTime": self.world.micro_timestamp()}
            self._attempt(copy.deepcopy(hit.event), 0)
            return
        self.cache[key] = _Cached(copy.deepcopy(event), now, now)
        self._attempt(event, 0)

    # -- writing -------------------------------------------------------------------------------

    def _attempt(self, event: dict[str, Any], tries: int) -> None:
        if not self.alive():
            return
        wait = self.limiter.when(None) if self.limiter is not None else 0.0
        if wait > 0:
            self.host.call_later(wait, self._send, event, tries)
        else:
            self._send(event, tries)

    def _send(self, event: dict[str, Any], tries: int) -> None:
        if not self.alive():
            return
        self.writes += 1
        meta = event["metadata"]
        series = event.get("series")
        if series is not None:
            # createPatchBytesForSeries: a strategic merge patch that only adds the series
            patch = {"series": dict(series)}
            ev = self.client.patch_async(
                "events",
                meta["name"],
                patch,
                meta["namespace"],
                group="events.k8s.io",
                patch_type="strategic",
            )
        else:
            ev = self.client.create_async(event)

        def done(e: simpy.Event) -> None:
            if e.ok:
                return
            err = e.value
            if series is not None and isinstance(err, NotFound):
                # the Event to patch is gone (expired): create it, series and all
                fresh = copy.deepcopy(event)
                fresh["metadata"].pop("resourceVersion", None)
                self._create_series(fresh, tries)
                return
            self._handle_error(event, err, tries, is_series=series is not None)

        ev.callbacks.append(done)

    def _create_series(self, event: dict[str, Any], tries: int) -> None:
        if not self.alive():
            return
        self.writes += 1
        ev = self.client.create_async(event)

        def done(e: simpy.Event) -> None:
            if not e.ok:
                self._handle_error(event, e.value, tries, is_series=True)

        ev.callbacks.append(done)

    def _handle_error(
        self, event: dict[str, Any], err: Any, tries: int, *, is_series: bool
    ) -> None:
        # recordEvent: a Status error means the server rejected the Event -- give up, except an
        # AlreadyExists while writing a series (retry); anything else (no server) is retried.
        rejected = isinstance(err, APIStatusError) and not _is_transport(err)
        if rejected and not (is_series and isinstance(err, AlreadyExists)):
            self.dropped += 1
            return
        tries += 1
        if tries >= MAX_TRIES_PER_EVENT:
            self.dropped += 1
            self.world.log(
                self.host.name,
                self.reporting_controller,
                "event-dropped",
                reason=event.get("reason"),
                message="Unable to write event (retry limit exceeded!)",
            )
            return
        delay = DEFAULT_SLEEP * (1.0 + self.rng.random() * SLEEP_JITTER)  # wait.Jitter
        self.host.call_later(delay, self._attempt, event, tries)

    # -- series bookkeeping --------------------------------------------------------------------

    def _finish_series(self) -> None:
        now = self.world.now
        for key in list(self.cache):
            c = self.cache[key]
            if c.event.get("series") is not None:
                if c.last < now - FINISH_TIME:
                    self._attempt(copy.deepcopy(c.event), 0)
                    del self.cache[key]
            elif c.first < now - FINISH_TIME:
                del self.cache[key]

    def _refresh_series(self) -> None:
        for c in list(self.cache.values()):
            if c.event.get("series") is not None:
                self._attempt(copy.deepcopy(c.event), 0)


def _is_transport(err: APIStatusError) -> bool:
    """Errors that mean no server answered (client-side), as opposed to a server's answer."""
    from kubelab.apiserver.client import ServerUnavailable

    return isinstance(err, ServerUnavailable)
