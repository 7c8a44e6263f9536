"""The API server's watch cache: one etcd watch in, every client watch out.

A model of ``k8s.io/apiserver/pkg/storage/cacher`` (``cacher.go``, ``watch_cache.go``,
``cache_watcher.go``). The API server does not send each client's watch to etcd. It keeps,
per resource, a cache of every object and a window of recent events, fed by a reflector
(list everything, then watch etcd from the list's revision), and fans each event out to the
client watches whose namespace and selectors it matches:

* a watch from resourceVersion ``0`` or unset starts with a synthetic ``ADDED`` for every
  current object, then streams changes;
* a watch from a resourceVersion ``N`` replays the cached events after ``N``; when ``N``
  is older than the window (``oldest - 1``) the watch gets one ``ERROR`` event carrying the
  ``410 Expired`` Status ``too old resource version: N (oldest-1)`` and ends; when ``N`` is
  newer than the cache the request waits up to 3 s for the cache to catch up, else the
  ``ERROR`` event carries ``504 Too large resource version``;
* an object that stops matching a watch's selectors arrives as ``DELETED``, one that starts
  matching as ``ADDED`` (``cacheWatcher.convertToWatchEvent``);
* watches that asked for bookmarks get a ``BOOKMARK`` with the current resourceVersion
  every minute, and ``sendInitialEvents`` watches one right after their initial events,
  annotated ``k8s.io/initial-events-end``;
* the event window starts at 100 events and doubles while its oldest event is younger than
  75 s (up to 102,400), and halves when the newest quarter is older than that
  (``watchCache.resizeCacheLocked``).

Where kubelab differs: the real server runs one etcd watch per resource and learns the
revision of idle resources from etcd progress notifications; here one etcd watch over the
whole key space feeds every cache, so each cache knows the latest etcd revision at once
(the same answers, one stream). When that etcd watch is cancelled because its revision was
compacted away, the reflector lists again and every client watch is closed, as upstream.

Objects handed to clients from the cache (list items, watch events) are shared, read-only
dicts, as client-go's informer caches are: a client must copy one before changing it.
:meth:`Cacher.check_integrity` finds a cached object that was changed in place.
"""

from __future__ import annotations

import contextlib
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from kubelab.apiserver.storage import (
    EtcdStore,
    EtcdWatchStream,
    ListResult,
    decode_object,
    etcd_error_text,
)
from kubelab.etcd.client import EtcdClient

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host, Timer

__all__ = [
    "BLOCK_TIMEOUT",
    "BOOKMARK_FREQUENCY",
    "EVENT_FRESH_DURATION",
    "INITIAL_EVENTS_END_ANNOTATION",
    "LOWER_BOUND_CAPACITY",
    "UPPER_BOUND_CAPACITY",
    "CacheEvent",
    "Cacher",
    "Entry",
    "ServerWatch",
    "TooOldResourceVersion",
    "WatchCache",
]

# watch_cache.go constants.
#: blockTimeout: how long a request waits for the cache to reach a resourceVersion.
BLOCK_TIMEOUT: Final = 3.0
#: eventFreshDuration: how much event history the cache tries to keep.
EVENT_FRESH_DURATION: Final = 75.0
#: defaultLowerBoundCapacity / defaultUpperBoundCapacity of the event window.
LOWER_BOUND_CAPACITY: Final = 100
UPPER_BOUND_CAPACITY: Final = 100 * 1024
#: cacher.go defaultBookmarkFrequency.
BOOKMARK_FREQUENCY: Final = 60.0
#: metav1.InitialEventsAnnotationKey.
INITIAL_EVENTS_END_ANNOTATION: Final = "k8s.io/initial-events-end"

ADDED: Final = "ADDED"
MODIFIED: Final = "MODIFIED"
DELETED: Final = "DELETED"
BOOKMARK: Final = "BOOKMARK"

REGISTRY_ROOT: Final = "/registry/"


class TooOldResourceVersion(Exception):
    """A watch asked for history the cache no longer holds; ``floor`` is ``oldest - 1``."""

    def __init__(self, requested: int, floor: int) -> None:
        super().__init__(f"too old resource version: {requested} ({floor})")
        self.requested = requested
        self.floor = floor


class Entry:
    """One cached object: the value as stored in etcd and its resourceVersion.

    ``obj`` is the decoded object (with its resourceVersion), shared: it is never changed in
    place. An object that arrives by the etcd watch is decoded at once, as the real watch
    cache does; the objects of a (re)list are decoded on first use.
    """

    __slots__ = ("_obj", "key", "namespace", "raw", "rv")

    def __init__(
        self, key: str, raw: bytes, rv: int, namespace: str, obj: dict[str, Any] | None = None
    ) -> None:
        self.key = key
        self.raw = raw
        self.rv = rv
        self.namespace = namespace
        self._obj = obj

    def __repr__(self) -> str:
        return f"<Entry {self.key} rv={self.rv}>"

    @property
    def obj(self) -> dict[str, Any]:
        """The object (decoded once, shared)."""
        o = self._obj
        if o is None:
            o = self._obj = _decode(self.raw, self.rv, self.key)
        return o

    @property
    def decoded(self) -> bool:
        """Whether the object has been decoded yet."""
        return self._obj is not None

    def copy(self) -> dict[str, Any]:
        """A private copy of the object (decoded again from the stored bytes)."""
        return _decode(self.raw, self.rv, self.key)


def _decode(raw: bytes, rv: int, key: str) -> dict[str, Any]:
    try:
        return decode_object(raw, rv)
    except (ValueError, TypeError):
        # not an object the API server wrote (an etcdctl put): show what can be shown
        return {"metadata": {"name": key.rsplit("/", 1)[-1], "resourceVersion": str(rv)}}


class CacheEvent:
    """One change of one object (``watchCacheEvent``).

    ``obj`` is the new state (for ``DELETED``: the last state, at the deletion's revision);
    ``prev`` the state before (``None`` for ``ADDED``). Both are the cached entries'
    shared objects (the ``DELETED`` copy at the deletion's revision is made when a watch
    needs it).
    """

    __slots__ = ("_obj", "entry", "key", "namespace", "prev_entry", "rv", "time", "type")

    def __init__(
        self,
        type_: str,
        key: str,
        entry: Entry,
        prev_entry: Entry | None,
        rv: int,
        time: float,
        namespace: str,
    ) -> None:
        self.type = type_
        self.key = key
        self.entry = entry
        self.prev_entry = prev_entry
        self.rv = rv
        self.time = time
        self.namespace = namespace
        self._obj: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<CacheEvent {self.type} {self.key} rv={self.rv}>"

    @property
    def obj(self) -> dict[str, Any]:
        """The object the event carries."""
        if self.type != DELETED:
            return self.entry.obj
        if self._obj is None:
            self._obj = with_resource_version(self.entry.obj, self.rv)
        return self._obj

    @property
    def prev(self) -> dict[str, Any] | None:
        """The object before the change."""
        return self.prev_entry.obj if self.prev_entry is not None else None

    def prev_at_rv(self) -> dict[str, Any]:
        """``prev`` with its resourceVersion set to this event's (what a watch gets as the
        ``DELETED`` object when an object stops matching it)."""
        if self.type == DELETED:
            return self.obj
        if self._obj is None:
            assert self.prev_entry is not None
            self._obj = with_resource_version(self.prev_entry.obj, self.rv)
        return self._obj


def with_resource_version(obj: Mapping[str, Any], rv: int) -> dict[str, Any]:
    """A shallow copy of ``obj`` whose ``metadata.resourceVersion`` is ``rv``."""
    meta = dict(obj.get("metadata") or {})
    meta["resourceVersion"] = str(rv)
    out = dict(obj)
    out["metadata"] = meta
    return out


class WatchCache:
    """The cache of one resource (one etcd key prefix, e.g. ``/registry/pods``)."""

    def __init__(self, prefix: str, namespaced: bool = True) -> None:
        self.prefix = prefix.rstrip("/") + "/"
        self.namespaced = namespaced
        self.entries: dict[str, Entry] = {}
        self._keys: list[str] = []  # sorted
        # namespace -> its slice of _keys (keys()), dropped whenever _keys changes; the lists
        # are never changed in place
        self._ns_keys: dict[str, list[str]] = {}
        self._events: list[CacheEvent] = []
        self._start = 0  # index of the oldest live event in _events
        self.capacity = LOWER_BOUND_CAPACITY
        #: The revision of the list that (re)filled the cache.
        self.list_rv = 0
        #: Whether an event was dropped from the window since that list.
        self.evicted = False
        self.watchers: list[ServerWatch] = []

    def __len__(self) -> int:
        return len(self.entries)

    # -- filling ---------------------------------------------------------------------------

    def replace(self, entries: list[Entry], rv: int) -> None:
        """Start over from a list read at revision ``rv`` (``watchCache.Replace``)."""
        self.entries = {e.key: e for e in entries}
        self._keys = sorted(self.entries)
        self._ns_keys = {}
        self._events = []
        self._start = 0
        self.list_rv = rv
        self.evicted = False

    def namespace_of(self, key: str) -> str:
        """The namespace part of a key of this cache (``""`` when cluster-scoped)."""
        if not self.namespaced:
            return ""
        return key[len(self.prefix) :].partition("/")[0]

    def put(self, key: str, raw: bytes, rv: int, now: float) -> CacheEvent:
        """A PUT from etcd: the object is new (``ADDED``) or changed (``MODIFIED``)."""
        old = self.entries.get(key)
        # self.namespace_of(key), inlined (once per etcd event)
        ns = key[len(self.prefix) :].partition("/")[0] if self.namespaced else ""
        entry = Entry(key, raw, rv, ns)
        self.entries[key] = entry
        if old is None:
            insort(self._keys, key)
            if self._ns_keys:
                self._ns_keys = {}
            ev = CacheEvent(ADDED, key, entry, None, rv, now, ns)
        else:
            ev = CacheEvent(MODIFIED, key, entry, old, rv, now, ns)
        self._add_event(ev)
        return ev

    def delete(self, key: str, rv: int, now: float) -> CacheEvent | None:
        """A DELETE from etcd (``None`` if the key was not cached)."""
        old = self.entries.pop(key, None)
        if old is None:
            return None
        i = bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            del self._keys[i]
            if self._ns_keys:
                self._ns_keys = {}
        ev = CacheEvent(DELETED, key, old, old, rv, now, old.namespace)
        self._add_event(ev)
        return ev

    # -- the event window ------------------------------------------------------------------

    @property
    def window(self) -> list[CacheEvent]:
        """The events the cache still holds, oldest first."""
        return self._events[self._start :]

    def _size(self) -> int:
        return len(self._events) - self._start

    def _resize(self, now: float) -> None:
        # watch_cache.go resizeCacheLocked
        size = self._size()
        if size < self.capacity:
            return
        if now - self._events[self._start].time < EVENT_FRESH_DURATION:
            self.capacity = min(self.capacity * 2, UPPER_BOUND_CAPACITY)
            return
        quarter = self._events[len(self._events) - self.capacity // 4]
        if now - quarter.time > EVENT_FRESH_DURATION:
            new = max(self.capacity // 2, LOWER_BOUND_CAPACITY)
            if new < self.capacity:
                drop = size - new
                if drop > 0:
                    self._start += drop
                    self.evicted = True
                self.capacity = new

    def _add_event(self, ev: CacheEvent) -> None:
        if len(self._events) - self._start >= self.capacity:  # below it, _resize does nothing
            self._resize(ev.time)
            if self._size() >= self.capacity:
                self._start += 1
                self.evicted = True
        self._events.append(ev)
        if self._start > 4096 and self._start * 2 > len(self._events):
            del self._events[: self._start]
            self._start = 0

    def oldest_rv(self) -> int:
        """The oldest resourceVersion a watch can start after, plus one
        (``getAllEventsSinceLocked``'s ``oldest``)."""
        if self.list_rv > 0 and not self.evicted:
            return self.list_rv + 1
        if self._size() > 0:
            return self._events[self._start].rv
        return self.list_rv + 1

    def events_since(self, rv: int) -> list[CacheEvent]:
        """The cached events with a resourceVersion above ``rv``; raises
        :class:`TooOldResourceVersion` when ``rv`` is older than the window."""
        oldest = self.oldest_rv()
        if rv < oldest - 1:
            raise TooOldResourceVersion(rv, oldest - 1)
        i = bisect_right(self._events, rv, lo=self._start, key=_event_rv)
        return self._events[i:]

    # -- reading -----------------------------------------------------------------------------

    def get(self, key: str) -> Entry | None:
        """The cached entry under ``key``."""
        return self.entries.get(key)

    def keys(self, namespace: str | None = None) -> list[str]:
        """The cached keys in etcd order, all or those of one namespace."""
        if not namespace or not self._keys:
            return self._keys
        got = self._ns_keys.get(namespace)
        if got is None:
            lo_key = f"{self.prefix}{namespace}/"
            lo = bisect_left(self._keys, lo_key)
            hi = bisect_left(self._keys, lo_key[:-1] + "0")  # "/" + 1 == "0"
            got = self._ns_keys[namespace] = self._keys[lo:hi]
        return got

    def iter_entries(self, namespace: str | None = None) -> Iterator[Entry]:
        """The cached entries in key order (of one namespace, or all)."""
        entries = self.entries
        for k in self.keys(namespace):
            yield entries[k]


def _event_rv(ev: CacheEvent) -> int:
    return ev.rv


@dataclass(eq=False)
class ServerWatch:
    """One client watch served from the cache (``cacheWatcher``).

    ``matches(obj)`` is the request's namespace + label + field selector; ``convert`` turns
    a stored object into the version the client asked for (identity for most resources).
    """

    id: int
    client: str
    port: str
    cache: WatchCache
    namespace: str | None
    matches: Callable[[Mapping[str, Any]], bool]
    convert: Callable[[dict[str, Any]], dict[str, Any]]
    bookmarks: bool
    kind: str
    api_version: str
    user: str = ""
    resource: str = ""
    started: float = 0.0
    sent: int = 0
    last_rv: int = 0
    closed: bool = False
    timer: Timer | None = field(default=None, repr=False)

    def event_for(self, ev: CacheEvent) -> tuple[str, dict[str, Any]] | None:
        """What this watch sends for ``ev``, if anything (``convertToWatchEvent``)."""
        if self.namespace and ev.namespace != self.namespace:
            return None
        cur = ev.type != DELETED and self.matches(ev.entry.obj)
        prev = ev.prev_entry
        old = prev is not None and self.matches(prev.obj)
        if cur and not old:
            return ADDED, ev.obj
        if cur and old:
            return MODIFIED, ev.obj
        if old:
            return DELETED, ev.prev_at_rv()
        return None

    def bookmark_object(self, rv: int, initial_end: bool = False) -> dict[str, Any]:
        """The object of a BOOKMARK event: only kind, apiVersion and resourceVersion."""
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END_ANNOTATION: "true"}
        return {"kind": self.kind, "apiVersion": self.api_version, "metadata": meta}


class Cacher:
    """Every resource's :class:`WatchCache`, filled and kept current from one etcd watch.

    ``prefixes`` are the storage prefixes served (``/registry/pods``, ...). ``on_ready`` is
    called whenever the caches are (re)filled, ``on_event(cache, event)`` after each event was
    applied and fanned out (the server's own informers: RBAC, namespaces, ...).
    """

    def __init__(
        self,
        host: Host,
        client: EtcdClient,
        store: EtcdStore,
        prefixes: Mapping[str, bool],
        *,
        on_ready: Callable[[], None] | None = None,
        on_event: Callable[[WatchCache, CacheEvent], None] | None = None,
    ) -> None:
        self.host = host
        self.world = host.world
        self.client = client
        self.store = store
        self.caches: dict[str, WatchCache] = {p: WatchCache(p, ns) for p, ns in prefixes.items()}
        self._by_segment: dict[str, WatchCache] = {}
        for p, c in self.caches.items():
            if not p.startswith(REGISTRY_ROOT):
                raise ValueError(f"storage prefix {p!r} is not under {REGISTRY_ROOT}")
            self._by_segment[p[len(REGISTRY_ROOT) :]] = c
        #: The etcd revision every cache has caught up with.
        self.rv = 0
        self.ready = False
        self.stream: EtcdWatchStream | None = None
        self.relists = 0
        self._waiters: list[tuple[int, Callable[[bool], None]]] = []
        self._ready_waiters: list[Callable[[], None]] = []
        self._next_watch = 0
        self.on_ready = on_ready
        self.on_event = on_event
        self._bookmark_timer = host.every(BOOKMARK_FREQUENCY, self._send_bookmarks)

    # -- the reflector ---------------------------------------------------------------------

    def start(self) -> None:
        """List every object under ``/registry/`` from etcd, then watch from that revision."""
        self.ready = False
        epoch = self.host.epoch

        def listed(result: ListResult | None, err: BaseException | None) -> None:
            if self.host.epoch != epoch or not self.host.up:
                return
            if err is not None or result is None:
                self.world.log(
                    self.host.name,
                    "kube-apiserver",
                    "cache-list-failed",
                    error=etcd_error_text(err) if err else "no result",
                )
                self.host.call_later(1.0, self.start)
                return
            self._fill(result)

        self.store.list(REGISTRY_ROOT, REGISTRY_ROOT[:-1] + "0", listed)

    def _fill(self, result: ListResult) -> None:
        per: dict[str, list[Entry]] = {p: [] for p in self.caches}
        for kv in result.kvs:
            cache = self.cache_for_key(kv.key)
            if cache is None:
                continue
            per[cache.prefix[:-1]].append(
                Entry(kv.key, kv.value, kv.mod_revision, cache.namespace_of(kv.key))
            )
        rev = result.revision
        for p, cache in self.caches.items():
            cache.replace(per[p], rev)
        self.rv = rev
        self.stream = EtcdWatchStream(
            self.client,
            b"\x00",
            b"\x00",
            start_revision=rev + 1,
            on_events=self._on_events,
            on_canceled=self._on_canceled,
        )
        self.stream.start()
        self.ready = True
        self.world.log(
            self.host.name, "kube-apiserver", "cache-ready", revision=rev, objects=len(result.kvs)
        )
        if self.on_ready is not None:
            self.on_ready()
        waiting, self._ready_waiters = self._ready_waiters, []
        for fn in waiting:
            fn()
        self._fire_waiters()

    def _on_canceled(self, compact_revision: int) -> None:
        """The etcd watch fell behind a compaction: close every client watch, list again."""
        self.relists += 1
        self.world.log(
            self.host.name,
            "kube-apiserver",
            "cache-relist",
            reason="etcd watch compacted",
            compact_revision=compact_revision,
        )
        for cache in self.caches.values():
            for w in list(cache.watchers):
                self.stop_watch(w)
        self.start()

    def cache_for_key(self, key: str) -> WatchCache | None:
        """The cache a ``/registry/...`` key belongs to."""
        if not key.startswith(REGISTRY_ROOT):
            return None
        rest = key[len(REGISTRY_ROOT) :]
        seg, _, tail = rest.partition("/")
        cache = self._by_segment.get(seg)
        if cache is None and tail:
            cache = self._by_segment.get(f"{seg}/{tail.partition('/')[0]}")
        return cache

    def _on_events(self, events: list[dict[str, Any]], last: int) -> None:
        now = float(self.world.env._now)  # self.world.now, without its property
        for ev in events:
            kv = ev["kv"]
            raw_key = kv["key"]
            key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
            cache = self.cache_for_key(key)
            if cache is None:
                continue
            rev = int(kv["mod_revision"])
            ce: CacheEvent | None
            if ev["type"] == "PUT":
                value = kv["value"]
                raw = value if isinstance(value, bytes) else str(value).encode()
                ce = cache.put(key, raw, rev, now)
                ce.entry.obj  # noqa: B018 -- decoded as it arrives (etcd3/watcher.go prepareObjs)
            else:
                ce = cache.delete(key, rev, now)
            if ce is not None:
                if cache.watchers:  # _dispatch sends nothing without them
                    self._dispatch(cache, ce)
                if self.on_event is not None:
                    self.on_event(cache, ce)
        if last > self.rv:
            self.rv = last
        if self._waiters:
            self._fire_waiters()

    # -- waiting for freshness ----------------------------------------------------------------

    def when_ready(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` once the caches are filled (at once if they are)."""
        if self.ready:
            fn()
        else:
            self._ready_waiters.append(fn)

    def wait_for(
        self, rv: int, done: Callable[[bool], None], timeout: float = BLOCK_TIMEOUT
    ) -> None:
        """``waitUntilFreshAndBlock``: ``done(True)`` once the caches have seen revision
        ``rv``, ``done(False)`` after ``timeout`` simulated seconds."""
        if self.ready and self.rv >= rv:
            done(True)
            return
        state = {"done": False}

        def fire(ok: bool) -> None:
            if not state["done"]:
                state["done"] = True
                done(ok)

        self._waiters.append((rv, fire))
        self.host.call_later(timeout, fire, False)

    def _fire_waiters(self) -> None:
        if not self._waiters or not self.ready:
            return
        keep = []
        for rv, fn in self._waiters:
            if self.rv >= rv:
                fn(True)
            else:
                keep.append((rv, fn))
        self._waiters = keep

    # -- client watches ----------------------------------------------------------------------

    def add_watch(
        self,
        cache: WatchCache,
        client: str,
        port: str,
        *,
        namespace: str | None,
        matches: Callable[[Mapping[str, Any]], bool],
        convert: Callable[[dict[str, Any]], dict[str, Any]],
        bookmarks: bool,
        kind: str,
        api_version: str,
        timeout: float,
        user: str = "",
        resource: str = "",
    ) -> ServerWatch:
        """Register a client watch (its initial events are sent by the caller)."""
        self._next_watch += 1
        w = ServerWatch(
            self._next_watch,
            client,
            port,
            cache,
            namespace,
            matches,
            convert,
            bookmarks,
            kind,
            api_version,
            user=user,
            resource=resource,
            started=self.world.now,
        )
        cache.watchers.append(w)
        w.timer = self.host.call_later(timeout, self.stop_watch, w)
        return w

    def send(self, w: ServerWatch, type_: str, obj: dict[str, Any], rv: int) -> None:
        """Send one event to a client watch."""
        if w.closed:
            return
        w.sent += 1
        w.last_rv = rv
        self.host.send(w.client, w.port, {"type": type_, "object": w.convert(obj)})

    def send_bookmark(self, w: ServerWatch, rv: int, initial_end: bool = False) -> None:
        """Send a BOOKMARK carrying resourceVersion ``rv``."""
        if w.closed:
            return
        w.sent += 1
        w.last_rv = rv
        self.host.send(
            w.client, w.port, {"type": BOOKMARK, "object": w.bookmark_object(rv, initial_end)}
        )

    def send_error(self, w: ServerWatch, status: dict[str, Any]) -> None:
        """Send an ERROR event (a Status) and end the watch."""
        if not w.closed:
            self.host.send(w.client, w.port, {"type": "ERROR", "object": status})
        self.stop_watch(w)

    def _dispatch(self, cache: WatchCache, ev: CacheEvent) -> None:
        if not cache.watchers:
            return
        for w in cache.watchers:
            out = w.event_for(ev)
            if out is not None:
                self.send(w, out[0], out[1], ev.rv)

    def _send_bookmarks(self) -> None:
        if not self.ready:
            return
        for cache in self.caches.values():
            for w in cache.watchers:
                if w.bookmarks and not w.closed:
                    self.send_bookmark(w, self.rv)

    def stop_watch(self, w: ServerWatch) -> None:
        """End a client watch: the client gets the final ``None``."""
        if w.closed:
            return
        w.closed = True
        if w.timer is not None:
            w.timer.cancel()
        with contextlib.suppress(ValueError):
            w.cache.watchers.remove(w)
        self.host.send(w.client, w.port, None)

    def find_watch(self, client: str, port: str) -> ServerWatch | None:
        """The open watch streaming to ``client``'s ``port``."""
        for cache in self.caches.values():
            for w in cache.watchers:
                if w.client == client and w.port == port:
                    return w
        return None

    def watches(self) -> list[ServerWatch]:
        """Every open client watch."""
        return [w for c in self.caches.values() for w in c.watchers]

    # -- checks ---------------------------------------------------------------------------------

    def check_integrity(self) -> list[str]:
        """Keys whose cached object no longer equals what etcd holds for it: a client
        changed a shared object in place. Empty when all is well."""
        bad = []
        for cache in self.caches.values():
            for e in cache.entries.values():
                if e.decoded and e.obj != e.copy():
                    bad.append(e.key)
        return sorted(bad)

    def stop(self) -> None:
        """Stop the etcd watch and the bookmark timer."""
        self._bookmark_timer.cancel()
        if self.stream is not None:
            self.stream.cancel()
