"""Informers: a local, indexed cache of one resource kept current by list-then-watch.

A model of client-go ``tools/cache``: the reflector (``reflector.go``) lists the resource, then
watches from the list's resourceVersion and applies every event to an :class:`Indexer`
(``store.go``, ``thread_safe_store.go``, ``index.go``); the shared informer
(``shared_informer.go``) tells its event handlers about each change. Controllers read the cache,
never the API server, and react to the handlers.

What the reflector does, as upstream:

* the first list asks for ``resourceVersion=0`` (any cached state will do); later lists ask for
  the last resourceVersion seen ("not older than"), and after a 410 for ``""`` (a consistent
  read); a list answered 410 is retried at once with ``""`` (``relistResourceVersion``);
* the watch starts at the list's resourceVersion with ``allowWatchBookmarks=true`` and
  ``timeoutSeconds`` drawn uniformly from [300, 600) (``minWatchTimeout`` 5 min); bookmarks only
  move the resourceVersion on;
* a watch that ends normally is reopened from the last resourceVersion without a list; a watch
  that ends with an error -- a 410 ``Expired``/``Gone`` (``too old resource version``), an
  ``ERROR`` event, a lost connection -- ends the cycle, and after a backoff the reflector lists
  again; ``connection refused`` and 429 only back off and re-watch (``isWatchErrorRetriable``);
* the backoff is ``wait.NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)``: 0.8 s,
  1.6 s, 3.2 s ... capped at 30 s, each stretched by a random factor in [1, 2), and reset to
  0.8 s when the last backoff began more than 2 minutes ago.

How a dead API server is noticed: the reflector's watch goes through
:meth:`~kubelab.apiserver.client.APIClient.watch_async`, whose stream keeps client-go's HTTP/2
health check -- after 30 s with nothing received it pings the server and, with no answer in
15 s, the stream ends with an error. So a watch whose API server crashed or was cut off ends
within 45 s of the last event; the reflector backs off and lists again, and the client sends that
list to the next reachable endpoint. A server that restarted (and forgot the stream) answers the
first PING with a connection reset, so that stream ends within 30 s of its last event. Bookmarks,
which the API server sends to idle watches, keep a healthy but quiet stream from being pinged
needlessly.

DeltaFIFO, simplified: upstream the reflector pushes *deltas* into a ``DeltaFIFO`` and a second
goroutine pops them, updates the indexer and notifies each handler through its own buffered
channel. Here the reflector applies each event to the indexer at once and calls the handlers
synchronously, in registration order -- the order and content of notifications are those the
DeltaFIFO would produce (one delta per event; no coalescing of several queued deltas of one key,
which upstream only happens when the consumer falls behind):

* an ``ADDED``/``MODIFIED`` event (or a listed object) whose key is in the cache updates it and
  calls ``on_update(old, new)``; otherwise it adds it and calls ``on_add(new)``;
* a ``DELETED`` event removes the key and calls ``on_delete(obj)`` with the event's object;
* a relist (``Replace``) treats every listed object as above, in list order, then removes every
  cached key the list lacks, in key order, calling ``on_delete`` with a
  :class:`DeletedFinalStateUnknown` that holds the last cached state;
* an update whose resourceVersion did not change (a relist of an unchanged object, a resync) is
  a *sync* notification: it goes only to handlers that are due for a resync. As upstream, a
  handler counts as due until the first resync check, so with no resync period every relist
  brings ``on_update`` for every object;
* every ``resync_period`` the cache is replayed as ``on_update(obj, obj)`` to the handlers whose
  own resync period has elapsed (``sharedProcessor.shouldResync``).

An informer runs as a process on its client's host and dies with it; a component rebuilds its
informers when its host boots again.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import simpy

from kubelab.apiserver.client import (
    APIClient,
    ServerUnavailable,
    TooManyRequests,
    WatchHandle,
    is_expired,
    resolve_resource,
)
from kubelab.apiserver.errors import StatusError
from kubelab.sim.host import HostDown

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Timer

__all__ = [
    "BACKOFF_CAP",
    "BACKOFF_INITIAL",
    "BACKOFF_RESET",
    "MINIMUM_RESYNC_PERIOD",
    "MIN_WATCH_TIMEOUT",
    "NAMESPACE_INDEX",
    "DeletedFinalStateUnknown",
    "ExponentialBackoff",
    "Indexer",
    "SharedInformer",
    "deletion_handling_meta_namespace_key",
    "meta_namespace_index_func",
    "meta_namespace_key",
    "split_meta_namespace_key",
]

#: ``cache.NamespaceIndex``: the index every informer has, by ``metadata.namespace``.
NAMESPACE_INDEX: Final = "namespace"
#: reflector.go ``defaultMinWatchTimeout``: watch ``timeoutSeconds`` is drawn from
#: [minWatchTimeout, 2*minWatchTimeout).
MIN_WATCH_TIMEOUT: Final = 300.0
#: reflector.go ``NewExponentialBackoffManager(800*time.Millisecond, 30*time.Second,
#: 2*time.Minute, 2.0, 1.0, ...)``.
BACKOFF_INITIAL: Final = 0.8
BACKOFF_CAP: Final = 30.0
BACKOFF_RESET: Final = 120.0
BACKOFF_FACTOR: Final = 2.0
BACKOFF_JITTER: Final = 1.0
#: shared_informer.go ``minimumResyncPeriod``.
MINIMUM_RESYNC_PERIOD: Final = 1.0
#: reflector.go: a watch that ends within 1 s with no event is an error ("very short watch").
_SHORT_WATCH: Final = 1.0

Obj = dict[str, Any]
ObjList = list[Obj]
StrList = list[str]
IndexFunc = Callable[[Obj], StrList]


# -- keys --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeletedFinalStateUnknown:
    """What ``on_delete`` gets for an object that vanished while the watch was down: its key and
    the last state the cache held (``cache.DeletedFinalStateUnknown``)."""

    key: str
    obj: Obj


def meta_namespace_key(obj: Mapping[str, Any]) -> str:
    """``cache.MetaNamespaceKeyFunc``: ``<namespace>/<name>``, or ``<name>`` with no namespace."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", ""))
    ns = meta.get("namespace")
    return f"{ns}/{name}" if ns else name


def deletion_handling_meta_namespace_key(obj: Any) -> str:
    """``cache.DeletionHandlingMetaNamespaceKeyFunc``: the key of an object or of a
    :class:`DeletedFinalStateUnknown`."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    return meta_namespace_key(obj)


def split_meta_namespace_key(key: str) -> tuple[str, str]:
    """``cache.SplitMetaNamespaceKey``: ``(namespace, name)``; the namespace is ``""`` for a
    cluster-scoped key."""
    parts = key.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise ValueError(f'unexpected key format: "{key}"')


def meta_namespace_index_func(obj: Mapping[str, Any]) -> list[str]:
    """``cache.MetaNamespaceIndexFunc``: ``[metadata.namespace]`` (``[""]`` when
    cluster-scoped)."""
    meta = obj.get("metadata") or {}
    return [str(meta.get("namespace") or "")]


# -- the indexer -------------------------------------------------------------------------------
class Indexer:
    """A keyed store with secondary indexes (``cache.Indexer`` over a ``threadSafeMap``).

    Every index function maps an object to index values; :meth:`by_index` finds the objects with
    a value. Results are sorted by key (upstream returns them in map order).
    """

    def __init__(
        self,
        indexers: Mapping[str, IndexFunc] | None = None,
        key_func: Callable[[Mapping[str, Any]], str] = meta_namespace_key,
    ) -> None:
        self.key_func = key_func
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = {}
        # index name -> index value -> set of keys
        self._indices: dict[str, dict[str, set[str]]] = {}
        if indexers:
            self.add_indexers(indexers)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # -- writes ----------------------------------------------------------------------------------
    def add(self, obj: Obj) -> None:
        """Add or replace ``obj`` under its key."""
        self._put(self.key_func(obj), obj)

    def update(self, obj: Obj) -> None:
        """Same as :meth:`add` (upstream ``Update`` is an upsert too)."""
        self._put(self.key_func(obj), obj)

    def delete(self, obj: Any) -> None:
        """Remove the object's key (an object, a :class:`DeletedFinalStateUnknown` or a key)."""
        key = obj if isinstance(obj, str) else deletion_handling_meta_namespace_key(obj)
        old = self._items.pop(key, None)
        if old is not None:
            self._update_indices(old, None, key)

    def replace(self, objs: Iterable[Obj]) -> None:
        """Make the store hold exactly ``objs`` (indexes rebuilt)."""
        self._items = {self.key_func(o): o for o in objs}
        self._indices = {name: {} for name in self._indexers}
        for key in sorted(self._items):
            self._update_indices(None, self._items[key], key)

    def _put(self, key: str, obj: Obj) -> None:
        old = self._items.get(key)
        self._items[key] = obj
        self._update_indices(old, obj, key)

    def _update_indices(self, old: Obj | None, new: Obj | None, key: str) -> None:
        # thread_safe_store.go updateIndices: drop the key from values it no longer has, add it
        # to the new ones.
        for name, fn in self._indexers.items():
            index = self._indices.setdefault(name, {})
            old_values = set(fn(old)) if old is not None else set()
            new_values = set(fn(new)) if new is not None else set()
            for value in old_values - new_values:
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
            for value in new_values - old_values:
                index.setdefault(value, set()).add(key)

    # -- reads -----------------------------------------------------------------------------------
    def get(self, obj: Mapping[str, Any]) -> Obj | None:
        """The cached object with ``obj``'s key, or ``None``."""
        return self._items.get(self.key_func(obj))

    def get_by_key(self, key: str) -> Obj | None:
        """The cached object under ``key`` (``"ns/name"`` or ``"name"``), or ``None``."""
        return self._items.get(key)

    def list(self) -> ObjList:
        """Every cached object, sorted by key."""
        return [self._items[k] for k in sorted(self._items)]

    def list_keys(self) -> StrList:
        """Every key, sorted."""
        return sorted(self._items)

    def _index(self, index_name: str) -> dict[str, set[str]]:
        if index_name not in self._indexers:
            # thread_safe_store.go: fmt.Errorf("Index with name %s does not exist", indexName)
            raise KeyError(f"Index with name {index_name} does not exist")
        return self._indices.setdefault(index_name, {})

    def index_keys(self, index_name: str, value: str) -> StrList:
        """The keys whose ``index_name`` values include ``value``, sorted."""
        return sorted(self._index(index_name).get(value, set()))

    def by_index(self, index_name: str, value: str) -> ObjList:
        """The objects whose ``index_name`` values include ``value``, sorted by key."""
        return [self._items[k] for k in self.index_keys(index_name, value)]

    def index(self, index_name: str, obj: Obj) -> ObjList:
        """The objects sharing any ``index_name`` value with ``obj``, sorted by key."""
        index = self._index(index_name)
        keys: set[str] = set()
        for value in self._indexers[index_name](obj):
            keys |= index.get(value, set())
        return [self._items[k] for k in sorted(keys)]

    def list_index_func_values(self, index_name: str) -> StrList:
        """Every value ``index_name`` currently has, sorted."""
        return sorted(self._index(index_name))

    def get_indexers(self) -> dict[str, IndexFunc]:
        """The index functions by name."""
        return dict(self._indexers)

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add index functions (indexing what the store already holds). A name already in use
        is an error, as upstream (``indexer conflict``)."""
        clash = sorted(set(indexers) & set(self._indexers))
        if clash:
            raise ValueError(f"indexer conflict: {clash}")
        for name in sorted(indexers):
            self._indexers[name] = indexers[name]
            self._indices[name] = {}
        fresh = {name: indexers[name] for name in indexers}
        for key in sorted(self._items):
            obj = self._items[key]
            for name, fn in fresh.items():
                for value in fn(obj):
                    self._indices[name].setdefault(value, set()).add(key)


# -- backoff -----------------------------------------------------------------------------------
class ExponentialBackoff:
    """``wait.NewExponentialBackoffManager``: ``initial`` doubling (``factor``) to ``cap``, each
    step stretched by a random factor in [1, 1 + ``jitter``), back to ``initial`` when the
    previous backoff began more than ``reset`` seconds ago."""

    def __init__(
        self,
        rng: random.Random,
        initial: float = BACKOFF_INITIAL,
        cap: float = BACKOFF_CAP,
        reset: float = BACKOFF_RESET,
        factor: float = BACKOFF_FACTOR,
        jitter: float = BACKOFF_JITTER,
    ) -> None:
        self.rng = rng
        self.initial = initial
        self.cap = cap
        self.reset = reset
        self.factor = factor
        self.jitter = jitter
        self._duration = initial
        self._last_start: float | None = None

    def next(self, now: float) -> float:
        """The next wait, starting at ``now``."""
        if self._last_start is None or now - self._last_start > self.reset:
            self._duration = self.initial
        self._last_start = now
        # wait.Backoff.Step: use the current duration, then grow it (capped)
        duration = self._duration
        self._duration = min(self._duration * self.factor, self.cap)
        if self.jitter > 0:
            duration += self.rng.random() * self.jitter * duration
        return duration


# -- the shared informer -----------------------------------------------------------------------
@dataclass(eq=False)
class EventHandlerRegistration:
    """One handler of a :class:`SharedInformer` (a ``processorListener``); pass it to
    :meth:`SharedInformer.remove_event_handler`."""

    on_add: Callable[[Obj], None] | None
    on_update: Callable[[Obj, Obj], None] | None
    on_delete: Callable[[Any], None] | None
    requested_resync_period: float
    resync_period: float
    next_resync: float
    #: Receives sync notifications; upstream every listener starts as syncing.
    syncing: bool = True
    #: Objects delivered through on_add / on_update / on_delete (for lessons and tests).
    notifications: int = field(default=0)


def _resource_version(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return str(meta.get("resourceVersion", ""))


def _is_too_large_resource_version(err: BaseException) -> bool:
    # reflector.go isTooLargeResourceVersionError
    if not isinstance(err, StatusError):
        return False
    if any(c.get("reason") == "ResourceVersionTooLarge" for c in err.causes):
        return True
    return err.code == 504 and "Too large resource version" in err.message


class SharedInformer:
    """A list-then-watch cache of ``resource`` (in ``namespace``, or all namespaces) with event
    handlers -- ``cache.SharedIndexInformer``.

    ``indexers`` adds index functions to the default namespace index. ``resync_period``
    (seconds, 0 = never) is the default resync period of handlers. ``rng`` (default: the
    world's stream ``"<host>/reflector/<resource>"``) draws watch timeouts and backoff jitter.
    Call :meth:`run` to start it; :meth:`has_synced` turns true once the first list is in the
    cache.
    """

    def __init__(
        self,
        client: APIClient,
        resource: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        resync_period: float = 0.0,
        indexers: Mapping[str, IndexFunc] | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
        rng: random.Random | None = None,
        name: str | None = None,
    ) -> None:
        if resync_period < 0:
            raise ValueError(f"resync_period must be >= 0 seconds, got {resync_period!r}")
        self.client = client
        self.world = client.world
        self.info = resolve_resource(resource, group)
        self.resource = self.info.resource
        self.group = self.info.group
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        host = client.host
        self.name = name or f"{self.info.group_resource}"
        self.rng = rng or self.world.rng(f"{host.name}/reflector/{self.info.group_resource}")
        all_indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: meta_namespace_index_func}
        all_indexers.update(indexers or {})
        self.indexer = Indexer(all_indexers)
        self.default_resync_period = float(resync_period)
        #: How often the reflector checks whether a handler is due for a resync.
        self.resync_check_period = float(resync_period)
        self._handlers: list[EventHandlerRegistration] = []
        self._backoff = ExponentialBackoff(self.rng)
        self._last_rv = ""
        self._rv_unavailable = False
        self._synced = False
        self._synced_event: simpy.Event = self.world.env.event()
        self._started = False
        self._stopped = False
        self._proc: simpy.Process | None = None
        self._watch: WatchHandle | None = None
        self._resync_timer: Timer | None = None
        #: Counters for lessons and tests: lists done, watches opened, resyncs run.
        self.lists = 0
        self.watches = 0
        self.resyncs = 0

    def __repr__(self) -> str:
        return (
            f"<SharedInformer {self.name} on {self.client.host.name} items={len(self.indexer)} "
            f"rv={self._last_rv or '-'} synced={self._synced}>"
        )

    # -- handlers --------------------------------------------------------------------------------
    def add_event_handler(
        self,
        on_add: Callable[[Obj], None] | None = None,
        on_update: Callable[[Obj, Obj], None] | None = None,
        on_delete: Callable[[Any], None] | None = None,
        *,
        resync_period: float | None = None,
    ) -> EventHandlerRegistration:
        """Register handlers; they are called in registration order.

        ``on_delete`` gets the deleted object, or a :class:`DeletedFinalStateUnknown` when the
        deletion was only noticed by a relist. A handler added after the informer started gets
        ``on_add`` at once for every cached object, as upstream. ``resync_period`` (default the
        informer's) follows upstream ``AddEventHandlerWithResyncPeriod``: raised to at least
        1 s; a shorter period than the informer's check period lowers the check period before
        :meth:`run` and is raised to it after; an informer created with ``resync_period=0``
        never resyncs, whatever its handlers ask.
        """
        if self._stopped:
            raise RuntimeError(
                "handler was not added to shared informer because it has stopped already"
            )
        period = self.default_resync_period if resync_period is None else float(resync_period)
        if period > 0:
            period = max(period, MINIMUM_RESYNC_PERIOD)
            if period < self.resync_check_period:
                if self._started:
                    period = self.resync_check_period
                else:
                    self.resync_check_period = period
                    for h in self._handlers:
                        h.resync_period = _determine_resync_period(
                            h.requested_resync_period, period
                        )
        now = self.world.now
        reg = EventHandlerRegistration(
            on_add=on_add,
            on_update=on_update,
            on_delete=on_delete,
            requested_resync_period=period,
            resync_period=_determine_resync_period(period, self.resync_check_period),
            next_resync=0.0,
        )
        reg.next_resync = now + reg.resync_period
        self._handlers.append(reg)
        if self._started and on_add is not None:
            for obj in self.indexer.list():
                reg.notifications += 1
                on_add(obj)
        return reg

    def remove_event_handler(self, registration: EventHandlerRegistration) -> None:
        """Stop calling a handler (unknown registrations are ignored)."""
        self._handlers = [h for h in self._handlers if h is not registration]

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add index functions to the cache."""
        self.indexer.add_indexers(indexers)

    def _notify_add(self, obj: Obj) -> None:
        for h in list(self._handlers):
            if h.on_add is not None:
                h.notifications += 1
                h.on_add(obj)

    def _notify_update(self, old: Obj, new: Obj) -> None:
        # shared_informer.go OnUpdate: an unchanged resourceVersion makes it a sync notification
        is_sync = _resource_version(old) == _resource_version(new)
        for h in list(self._handlers):
            if is_sync and not h.syncing:
                continue
            if h.on_update is not None:
                h.notifications += 1
                h.on_update(old, new)

    def _notify_delete(self, obj: Any) -> None:
        for h in list(self._handlers):
            if h.on_delete is not None:
                h.notifications += 1
                h.on_delete(obj)

    # -- cache reads -----------------------------------------------------------------------------
    def get_by_key(self, key: str) -> Obj | None:
        """The cached object under ``"ns/name"`` (or ``"name"``), or ``None``."""
        return self.indexer.get_by_key(key)

    def list(self) -> ObjList:
        """Every cached object, sorted by key."""
        return self.indexer.list()

    def by_index(self, index_name: str, value: str) -> ObjList:
        """The cached objects whose ``index_name`` values include ``value``."""
        return self.indexer.by_index(index_name, value)

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion of the last list or event applied."""
        return self._last_rv

    def has_synced(self) -> bool:
        """Whether the first list has been applied to the cache (and handlers told)."""
        return self._synced

    def wait_for_cache_sync(self) -> simpy.Event:
        """An event that succeeds once :meth:`has_synced` is true."""
        return self._synced_event

    # -- lifecycle -------------------------------------------------------------------------------
    def run(self) -> simpy.Process:
        """Start the reflector on the client's host (once)."""
        if self._started:
            raise RuntimeError(
                "The sharedIndexInformer has started, run more than once is not allowed"
            )
        host = self.client.host
        if not host.up:
            raise HostDown(f"cannot start informer {self.name}: host {host.name} is down")
        self._started = True
        self._proc = host.spawn(self._run())
        return self._proc

    def stop(self) -> None:
        """Stop listing and watching; the cache keeps its last contents."""
        if self._stopped:
            return
        self._stopped = True
        self._stop_resync()
        if self._watch is not None:
            self._watch.stop()
        proc = self._proc
        if (
            proc is not None
            and proc.is_alive
            and self.client.host.up
            and proc is not self.world.env.active_process
        ):
            proc.interrupt("stop")

    # -- the reflector ---------------------------------------------------------------------------
    def _log(self, kind: str, **fields: Any) -> None:
        self.world.log(self.client.host.name, "reflector", kind, informer=self.name, **fields)

    def _run(self) -> Generator[simpy.Event, Any, None]:
        env = self.world.env
        while not self._stopped:
            yield from self._list_and_watch()
            if self._stopped:
                return
            # wait.BackoffUntil(..., sliding=true): the backoff follows every ListAndWatch
            yield env.timeout(self._backoff.next(self.world.now))

    def _relist_resource_version(self) -> str:
        # reflector.go relistResourceVersion
        if self._rv_unavailable:
            return ""
        return self._last_rv or "0"

    def _list(self, rv: str) -> simpy.Event:
        return self.client.list_async(
            self.resource,
            self.namespace,
            group=self.group,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            resource_version=rv,
        )

    def _list_and_watch(self) -> Generator[simpy.Event, Any, None]:
        rv = self._relist_resource_version()
        try:
            try:
                result = yield self._list(rv)
            except StatusError as err:
                if not (is_expired(err) or _is_too_large_resource_version(err)):
                    raise
                # retry at once with a consistent read (reflector.go list)
                self._rv_unavailable = True
                rv = self._relist_resource_version()
                result = yield self._list(rv)
        except (StatusError, HostDown) as err:
            self._log("list-failed", resourceVersion=rv, error=str(err))
            return
        self._rv_unavailable = False
        self.lists += 1
        items = [o for o in result.get("items") or [] if isinstance(o, dict)]
        list_rv = str((result.get("metadata") or {}).get("resourceVersion", ""))
        self._replace(items, list_rv)
        self._log("listed", resourceVersion=list_rv, items=len(items))
        self._start_resync()
        try:
            yield from self._watch_loop()
        finally:
            self._stop_resync()

    def _watch_loop(self) -> Generator[simpy.Event, Any, None]:
        env = self.world.env
        while not self._stopped:
            start = self.world.now
            timeout_seconds = int(MIN_WATCH_TIMEOUT * (self.rng.random() + 1.0))
            handle = self.client.watch_async(
                self.resource,
                self.namespace,
                group=self.group,
                resource_version=self._last_rv,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                allow_bookmarks=True,
                timeout_seconds=timeout_seconds,
                on_event=self._on_watch_event,
            )
            self._watch = handle
            self.watches += 1
            err: Exception | None
            try:
                yield handle.started
            except (StatusError, HostDown) as e:
                err = e
            else:
                err = yield handle.done
            if self._stopped:
                return
            if err is None:
                if self.world.now - start < _SHORT_WATCH and handle.events == 0:
                    self._log(
                        "watch-ended",
                        error="very short watch: Unexpected watch close - "
                        "watch lasted less than a second and no items received",
                    )
                    return
                continue  # a normal end (timeoutSeconds): watch again from the last RV
            if (isinstance(err, ServerUnavailable) and err.connection_refused) or isinstance(
                err, TooManyRequests
            ):
                self._log("watch-backoff", error=str(err))
                yield env.timeout(self._backoff.next(self.world.now))
                continue
            self._log("watch-ended", error=str(err), expired=is_expired(err))
            return

    def _replace(self, items: ObjList, rv: str) -> None:
        # DeltaFIFO.Replace + processDeltas: listed objects first (Replaced), then the cached
        # keys the list lacks (Deleted, DeletedFinalStateUnknown).
        listed: set[str] = set()
        for obj in items:
            key = self.indexer.key_func(obj)
            listed.add(key)
            old = self.indexer.get_by_key(key)
            self.indexer.update(obj)
            if old is not None:
                self._notify_update(old, obj)
            else:
                self._notify_add(obj)
        for key in self.indexer.list_keys():
            if key in listed:
                continue
            gone = self.indexer.get_by_key(key)
            assert gone is not None
            self.indexer.delete(key)
            self._notify_delete(DeletedFinalStateUnknown(key, gone))
        self._last_rv = rv
        if not self._synced:
            self._synced = True
            self._synced_event.succeed(True)

    def _on_watch_event(self, etype: str, obj: Obj) -> None:
        if self._stopped or not isinstance(obj.get("metadata"), Mapping):
            return
        if etype in ("ADDED", "MODIFIED"):
            old = self.indexer.get(obj)
            self.indexer.update(obj)
            if old is not None:
                self._notify_update(old, obj)
            else:
                self._notify_add(obj)
        elif etype == "DELETED":
            self.indexer.delete(obj)
            self._notify_delete(obj)
        elif etype != "BOOKMARK":
            return
        rv = _resource_version(obj)
        if rv:
            self._last_rv = rv

    # -- resync ----------------------------------------------------------------------------------
    def _start_resync(self) -> None:
        self._stop_resync()
        if self.resync_check_period > 0:
            self._resync_timer = self.client.host.every(self.resync_check_period, self._resync)

    def _stop_resync(self) -> None:
        if self._resync_timer is not None:
            self._resync_timer.cancel()
            self._resync_timer = None

    def _should_resync(self) -> bool:
        # sharedProcessor.shouldResync: mark which handlers are due, schedule their next one
        now = self.world.now
        any_due = False
        for h in self._handlers:
            due = h.resync_period > 0 and now >= h.next_resync - 1e-9
            h.syncing = due
            if due:
                any_due = True
                h.next_resync = now + h.resync_period
        return any_due

    def _resync(self) -> None:
        if self._stopped or not self._should_resync():
            return
        self.resyncs += 1
        # DeltaFIFO.Resync: a Sync delta for every cached key; processDeltas turns each into
        # OnUpdate(old, new) with old == new, delivered to the syncing handlers only.
        for obj in self.indexer.list():
            self._notify_update(obj, obj)


def _determine_resync_period(desired: float, check: float) -> float:
    # shared_informer.go determineResyncPeriod
    if desired == 0:
        return 0.0
    if check == 0:
        return 0.0
    return max(desired, check)
