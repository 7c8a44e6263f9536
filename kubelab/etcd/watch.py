"""etcd's watchable store: watchers over a key or range, fed with every revision's events.

Follows etcd-io/etcd server/storage/mvcc/watchable_store.go, watcher.go, watcher_group.go
and the parts of server/etcdserver/api/v3rpc/watch.go that shape a WatchResponse (prev_kv,
progress notifications, compaction cancel).

A watcher whose start revision is 0 or in the future is *synced*: it only gets events of new
writes. One with a start revision in the past is *unsynced*: etcd replays its history from the
backend in a background loop (every 100 ms), at most 1000 revisions per response, and then
moves it to the synced group. This model replays at once, inside :meth:`WatchHub.watch`,
with the same batching. A start revision older than the compacted revision gets a single
response with ``compact_revision`` set and ``canceled: True``, and the watcher is dropped.
Slow watchers ("victims") and fragmenting of large responses are not modelled: a callback is
a plain function call and never blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from kubelab.etcd.errors import ErrEmptyWatcherRange, ErrWatcherDuplicateID

__all__ = [
    "PROGRESS_REPORT_INTERVAL",
    "WATCH_BATCH_MAX_REVS",
    "EventSource",
    "WatchCallback",
    "WatchHub",
    "Watcher",
]

# watcher_group.go watchBatchMaxRevs: distinct revisions per response to an unsynced watcher.
WATCH_BATCH_MAX_REVS = 1000
# v3rpc/watch.go progressReportInterval: 10 minutes (etcd adds up to 10% random jitter;
# the model does not).
PROGRESS_REPORT_INTERVAL = 600.0
# clientv3 InvalidWatchID: the watch ID of a response that belongs to no single watcher.
INVALID_WATCH_ID = -1

WatchCallback = Callable[[dict[str, Any]], None]


class EventSource(Protocol):
    """What the hub needs from the revisioned store."""

    @property
    def current_revision(self) -> int: ...

    @property
    def compact_revision(self) -> int: ...

    def events_since(self, min_rev: int) -> list[dict[str, Any]]:
        """Every stored event with revision >= min_rev, in (revision, sub-revision) order."""
        ...

    def kv_at(self, key: bytes, revision: int) -> dict[str, Any] | None:
        """The key-value pair as of ``revision`` (None if absent or compacted away)."""
        ...


@dataclass
class Watcher:
    """One watcher. ``end`` is None for a single key, b"" for every key >= ``key``."""

    id: int
    key: bytes
    end: bytes | None
    min_rev: int  # the next revision this watcher still has to receive
    start_rev: int
    prev_kv: bool
    filters: frozenset[str]
    progress_notify: bool
    callback: WatchCallback
    # v3rpc/watch.go sws.progress[id]: true when no events were sent since the last tick
    progress_due: bool = True

    def contains(self, key: bytes) -> bool:
        """Whether ``key`` falls in this watcher's key or range."""
        if self.end is None:
            return key == self.key
        return key >= self.key and (self.end == b"" or key < self.end)


def _response(
    watch_id: int,
    revision: int,
    events: list[dict[str, Any]],
    *,
    compact_revision: int = 0,
    canceled: bool = False,
) -> dict[str, Any]:
    return {
        "header": {"revision": revision},
        "watch_id": watch_id,
        "events": events,
        "compact_revision": compact_revision,
        "canceled": canceled,
    }


class WatchHub:
    """All watchers of one store; the store calls :meth:`notify` after each write."""

    def __init__(self, source: EventSource) -> None:
        self._source = source
        self._watchers: dict[int, Watcher] = {}
        # the watcher IDs in order, rebuilt after a watcher is added or removed
        self._order: list[int] | None = None
        self._next_id = 0
        self._last_progress = 0.0

    @property
    def watching(self) -> bool:
        """Whether any watcher is registered (writes skip building events otherwise)."""
        return bool(self._watchers)

    # --- watcher lifecycle ---

    def watch(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
        filters: Iterable[str] = (),
        progress_notify: bool = False,
        callback: WatchCallback,
        watch_id: int | None = None,
    ) -> int:
        """Start a watch and return its ID (replaying history first when asked).

        ``range_end`` b"\\0" means every key >= ``key`` (v3rpc/watch.go); an empty key means
        the smallest key b"\\0". ``filters`` holds "NOPUT" and/or "NODELETE".
        Raises ErrEmptyWatcherRange when key >= range_end, ErrWatcherDuplicateID for a taken
        explicit ``watch_id``.
        """
        if key == b"":
            key = b"\x00"
        end: bytes | None
        if range_end is None or range_end == b"":
            end = None
        elif range_end == b"\x00":
            end = b""
        else:
            end = range_end
        # watcher.go watchStream.Watch: reject key >= end (an empty end means "no end").
        if end and key >= end:
            raise ErrEmptyWatcherRange()
        if watch_id is None or watch_id == INVALID_WATCH_ID:
            while self._next_id in self._watchers:
                self._next_id += 1
            wid = self._next_id
            self._next_id += 1
        else:
            if watch_id in self._watchers:
                raise ErrWatcherDuplicateID()
            wid = watch_id
        flt = frozenset(filters)
        unknown = flt - {"NOPUT", "NODELETE"}
        if unknown:
            raise ValueError(f"unknown watch filter(s): {sorted(unknown)}")
        current = self._source.current_revision
        w = Watcher(
            id=wid,
            key=key,
            end=end,
            min_rev=start_revision,
            start_rev=start_revision,
            prev_kv=prev_kv,
            filters=flt,
            progress_notify=progress_notify,
            callback=callback,
        )
        # watchable_store.go watch: synced when start is 0 or in the future.
        synced = start_revision == 0 or start_revision > current
        self._order = None
        if synced:
            w.min_rev = max(current + 1, start_revision)
            self._watchers[wid] = w
            return wid
        self._watchers[wid] = w
        self._sync(w)
        return wid

    def cancel(self, watch_id: int) -> bool:
        """Stop a watcher; False if there is no such watcher."""
        if self._watchers.pop(watch_id, None) is None:
            return False
        self._order = None
        return True

    def watchers(self) -> list[Watcher]:
        """Every live watcher, by ID."""
        return [self._watchers[i] for i in sorted(self._watchers)]

    # --- delivery ---

    def notify(self, revision: int, events: list[dict[str, Any]], *, owned: bool = False) -> None:
        """Deliver the events of one committed write (one revision) to synced watchers.

        ``owned``: the events were made for this call and nobody uses them afterwards, so a
        single watcher may be handed their ``kv`` dicts without a copy."""
        order = self._order
        if order is None:
            order = self._order = sorted(self._watchers)
        watchers = self._watchers
        copy = not owned or len(order) != 1
        # ``order`` is never changed in place: a callback that adds or removes a watcher
        # makes a new list, and this loop goes on over the IDs there were at the start
        for wid in order:
            w = watchers.get(wid)
            if w is None or revision < w.min_rev:
                continue
            # Watcher.contains, inlined (one call per watcher and event otherwise)
            key, end = w.key, w.end
            if end is None:
                mine = [ev for ev in events if ev["kv"]["key"] == key]
            elif end == b"":
                mine = [ev for ev in events if ev["kv"]["key"] >= key]
            else:
                mine = [ev for ev in events if key <= ev["kv"]["key"] < end]
            if mine:
                self._send(w, mine, revision, copy)
            if revision >= w.min_rev:
                w.min_rev = revision + 1

    def resync(self) -> None:
        """Re-feed every watcher from its next revision, after the store was restored.

        watchable_store.go Restore moves every synced watcher to the unsynced group; the
        sync loop then replays (or cancels, when its revision was compacted).
        """
        for wid in sorted(self._watchers):
            w = self._watchers.get(wid)
            if w is not None and w.min_rev <= self._source.current_revision:
                self._sync(w)

    def progress(self, now: float) -> list[int]:
        """The periodic progress notification (v3rpc/watch.go progressTicker).

        Acts when at least PROGRESS_REPORT_INTERVAL seconds passed since the last tick: each
        watcher that asked for progress_notify and received no events since the previous
        tick gets a response with no events and the current revision. Returns the IDs
        notified.
        """
        if now - self._last_progress < PROGRESS_REPORT_INTERVAL:
            return []
        self._last_progress = now
        notified: list[int] = []
        current = self._source.current_revision
        for wid in sorted(self._watchers):
            w = self._watchers[wid]
            if not w.progress_notify:
                continue
            if w.progress_due:
                self._deliver(w, _response(w.id, current, []))
                notified.append(wid)
            w.progress_due = True
        return notified

    def request_progress(self) -> dict[str, Any]:
        """The answer to a WatchProgressRequest: the current revision, for every watcher.

        v3rpc/watch.go sends it once on the stream with watch ID -1; the caller broadcasts it.
        """
        return _response(INVALID_WATCH_ID, self._source.current_revision, [])

    # --- internals ---

    def _sync(self, w: Watcher) -> None:
        current = self._source.current_revision
        compacted = self._source.compact_revision
        # watcher_group.go chooseAll: a watcher needing a revision below the compacted one
        # is told the compacted revision and dropped. (The response header carries no revision.)
        if w.min_rev < compacted:
            del self._watchers[w.id]
            self._order = None
            self._deliver(w, _response(w.id, 0, [], compact_revision=compacted, canceled=True))
            return
        events = [
            ev
            for ev in self._source.events_since(w.min_rev)
            if ev["kv"]["mod_revision"] <= current and w.contains(ev["kv"]["key"])
        ]
        batch: list[dict[str, Any]] = []
        revs = 0
        last = 0
        for ev in events:
            rev = ev["kv"]["mod_revision"]
            if rev != last:
                if revs == WATCH_BATCH_MAX_REVS:
                    self._send(w, batch, current)
                    batch, revs = [], 0
                revs += 1
                last = rev
            batch.append(ev)
        if batch:
            self._send(w, batch, current)
        w.min_rev = current + 1

    def _send(
        self, w: Watcher, events: list[dict[str, Any]], revision: int, copy: bool = True
    ) -> None:
        out: list[dict[str, Any]] = []
        filters = w.filters
        for ev in events:
            typ = ev["type"]
            # v3rpc FiltersFromRequest: NOPUT drops PUT events, NODELETE drops DELETE events.
            if filters and (
                (typ == "PUT" and "NOPUT" in filters) or (typ == "DELETE" and "NODELETE" in filters)
            ):
                continue
            kv = ev["kv"]
            prev: dict[str, Any] | None = None
            # v3rpc/watch.go: prev_kv is read at mod_revision - 1, except for a create event.
            if w.prev_kv and not (typ == "PUT" and kv["version"] == 1):
                prev = self._source.kv_at(kv["key"], kv["mod_revision"] - 1)
            out.append({"type": typ, "kv": dict(kv) if copy else kv, "prev_kv": prev})
        # watcher.go send: when filters removed every event, nothing is sent.
        if not out:
            return
        if w.progress_notify:
            w.progress_due = False
        # _response and _deliver, inlined (one of these per watcher and write)
        w.callback(
            {
                "header": {"revision": revision},
                "watch_id": w.id,
                "events": out,
                "compact_revision": 0,
                "canceled": False,
            }
        )

    @staticmethod
    def _deliver(w: Watcher, response: dict[str, Any]) -> None:
        w.callback(response)
