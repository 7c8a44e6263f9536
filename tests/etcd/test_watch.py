"""Watchers: live delivery per revision, replay, prev_kv, filters, compaction, progress.

Rules from etcd-io/etcd server/storage/mvcc/watchable_store.go, watcher.go,
watcher_group.go and server/etcdserver/api/v3rpc/watch.go.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubelab.etcd.errors import ErrEmptyWatcherRange, ErrWatcherDuplicateID
from kubelab.etcd.mvcc import MVCCStore
from kubelab.etcd.watch import PROGRESS_REPORT_INTERVAL, WATCH_BATCH_MAX_REVS


def summary(responses: list[dict[str, Any]]) -> list[tuple[int, list[tuple[str, bytes, int]]]]:
    return [
        (
            r["header"]["revision"],
            [(ev["type"], ev["kv"]["key"], ev["kv"]["mod_revision"]) for ev in r["events"]],
        )
        for r in responses
    ]


def test_live_events_one_response_per_revision() -> None:
    s = MVCCStore()
    got: list[dict[str, Any]] = []
    wid = s.watch(b"a", b"c", callback=got.append)
    assert wid == 0
    s.put(b"a", b"1")  # 2
    s.put(b"zzz", b"x")  # 3: outside the range
    s.txn([], [{"request_put": {"key": b"b"}}, {"request_put": {"key": b"a"}}], [])  # 4
    s.delete_range(b"a", b"c")  # 5
    assert summary(got) == [
        (2, [("PUT", b"a", 2)]),
        (4, [("PUT", b"b", 4), ("PUT", b"a", 4)]),  # one response, events in op order
        (5, [("DELETE", b"a", 5), ("DELETE", b"b", 5)]),
    ]
    assert all(r["watch_id"] == 0 and not r["canceled"] for r in got)
    # a DELETE event carries only the key and the revision
    assert got[2]["events"][0]["kv"] == {
        "key": b"a",
        "create_revision": 0,
        "mod_revision": 5,
        "version": 0,
        "value": b"",
        "lease": 0,
    }


def test_start_revision_zero_is_the_next_revision_and_future_starts_wait() -> None:
    s = MVCCStore()
    s.put(b"k", b"1")  # 2
    now: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    s.watch(b"k", callback=now.append)
    s.watch(b"k", start_revision=4, callback=later.append)
    s.put(b"k", b"2")  # 3
    s.put(b"k", b"3")  # 4
    assert summary(now) == [(3, [("PUT", b"k", 3)]), (4, [("PUT", b"k", 4)])]
    assert summary(later) == [(4, [("PUT", b"k", 4)])]


def test_replay_from_the_past_with_prev_kv() -> None:
    s = MVCCStore()
    s.put(b"k", b"1")  # 2
    s.put(b"k", b"2")  # 3
    s.delete_range(b"k")  # 4
    s.put(b"k", b"3")  # 5
    got: list[dict[str, Any]] = []
    s.watch(b"k", start_revision=2, prev_kv=True, callback=got.append)
    # unsynced: the whole history in one response, headed with the current revision
    assert summary(got) == [
        (5, [("PUT", b"k", 2), ("PUT", b"k", 3), ("DELETE", b"k", 4), ("PUT", b"k", 5)])
    ]
    prevs = [ev["prev_kv"] for ev in got[0]["events"]]
    # no prev_kv for a create (version 1); otherwise the pair at mod_revision - 1
    assert prevs[0] is None
    assert prevs[1] is not None and prevs[1]["value"] == b"1"
    assert prevs[2] is not None and prevs[2]["value"] == b"2"
    assert prevs[3] is None
    # then live
    s.put(b"k", b"4")
    assert summary(got[1:]) == [(6, [("PUT", b"k", 6)])]
    assert got[1]["events"][0]["prev_kv"]["value"] == b"3"


def test_replay_is_batched_by_1000_revisions() -> None:
    s = MVCCStore()
    for i in range(WATCH_BATCH_MAX_REVS + 1):
        s.put(b"k", str(i).encode())  # revisions 2 .. 1002
    got: list[dict[str, Any]] = []
    s.watch(b"k", start_revision=2, callback=got.append)
    assert [len(r["events"]) for r in got] == [WATCH_BATCH_MAX_REVS, 1]
    assert got[1]["events"][0]["kv"]["mod_revision"] == 1002


def test_filters() -> None:
    s = MVCCStore()
    no_put: list[dict[str, Any]] = []
    no_delete: list[dict[str, Any]] = []
    s.watch(b"k", filters=["NOPUT"], callback=no_put.append)
    s.watch(b"k", filters=["NODELETE"], callback=no_delete.append)
    s.put(b"k", b"1")  # 2
    s.delete_range(b"k")  # 3
    # a response whose events are all filtered out is not sent at all
    assert summary(no_put) == [(3, [("DELETE", b"k", 3)])]
    assert summary(no_delete) == [(2, [("PUT", b"k", 2)])]


def test_prefix_and_from_key_watches() -> None:
    s = MVCCStore()
    prefix: list[dict[str, Any]] = []
    from_key: list[dict[str, Any]] = []
    s.watch(b"a/", b"a0", callback=prefix.append)
    s.watch(b"b", b"\x00", callback=from_key.append)
    for k in (b"a", b"a/1", b"b", b"zz"):
        s.put(k, b"v")
    assert [ev["kv"]["key"] for r in prefix for ev in r["events"]] == [b"a/1"]
    assert [ev["kv"]["key"] for r in from_key for ev in r["events"]] == [b"b", b"zz"]


def test_cancel() -> None:
    s = MVCCStore()
    got: list[dict[str, Any]] = []
    wid = s.watch(b"k", callback=got.append)
    s.put(b"k", b"1")
    assert s.cancel(wid) is True
    s.put(b"k", b"2")
    assert len(got) == 1
    assert s.cancel(wid) is False


def test_watch_from_a_compacted_revision_is_cancelled() -> None:
    s = MVCCStore()
    for i in range(5):
        s.put(b"k", str(i).encode())  # 2..6
    s.compact(4)
    got: list[dict[str, Any]] = []
    wid = s.watch(b"k", start_revision=3, callback=got.append)
    assert got == [
        {
            "header": {"revision": 0},
            "watch_id": wid,
            "events": [],
            "compact_revision": 4,
            "canceled": True,
        }
    ]
    s.put(b"k", b"x")
    assert len(got) == 1  # the watcher is gone
    # starting exactly at the compacted revision is allowed (etcd cancels below it)
    ok: list[dict[str, Any]] = []
    s.watch(b"k", start_revision=4, callback=ok.append)
    assert summary(ok) == [
        (7, [("PUT", b"k", 4), ("PUT", b"k", 5), ("PUT", b"k", 6), ("PUT", b"k", 7)])
    ]


def test_lease_revoke_is_one_response_in_key_order() -> None:
    s = MVCCStore()
    s.lease_grant(1, 60)
    for k in (b"c", b"a", b"b"):
        s.put(k, b"v", lease=1)
    got: list[dict[str, Any]] = []
    s.watch(b"\x00", b"\x00", callback=got.append)
    s.lease_revoke(1)
    assert summary(got) == [(5, [("DELETE", b"a", 5), ("DELETE", b"b", 5), ("DELETE", b"c", 5)])]


def test_progress_notifications() -> None:
    s = MVCCStore()
    quiet: list[dict[str, Any]] = []
    busy: list[dict[str, Any]] = []
    plain: list[dict[str, Any]] = []
    s.watch(b"q", progress_notify=True, callback=quiet.append)
    s.watch(b"b", progress_notify=True, callback=busy.append)
    s.watch(b"q", callback=plain.append)
    assert s.progress(now=PROGRESS_REPORT_INTERVAL - 1) == []  # not yet 10 minutes
    s.put(b"b", b"1")  # 2
    # the busy watcher got an event since the last tick: its notification is skipped once
    assert s.progress(now=PROGRESS_REPORT_INTERVAL) == [0]
    assert quiet == [
        {
            "header": {"revision": 2},
            "watch_id": 0,
            "events": [],
            "compact_revision": 0,
            "canceled": False,
        }
    ]
    assert len(busy) == 1 and plain == []
    assert s.progress(now=PROGRESS_REPORT_INTERVAL + 10) == []  # interval not over
    assert s.progress(now=2 * PROGRESS_REPORT_INTERVAL) == [0, 1]
    # on-demand progress: one response for the whole stream, watch ID -1
    assert s.hub.request_progress() == {
        "header": {"revision": 2},
        "watch_id": -1,
        "events": [],
        "compact_revision": 0,
        "canceled": False,
    }


def test_watch_ids_and_bad_ranges() -> None:
    s = MVCCStore()
    assert s.watch(b"a", callback=lambda r: None) == 0
    assert s.watch(b"a", callback=lambda r: None, watch_id=5) == 5
    assert s.watch(b"a", callback=lambda r: None) == 1
    with pytest.raises(ErrWatcherDuplicateID):
        s.watch(b"a", callback=lambda r: None, watch_id=5)
    with pytest.raises(ErrEmptyWatcherRange):
        s.watch(b"b", b"a", callback=lambda r: None)


def test_restore_refeeds_watchers_from_their_next_revision() -> None:
    leader = MVCCStore()
    follower = MVCCStore()
    got: list[dict[str, Any]] = []
    follower.watch(b"k", callback=got.append)
    for i in range(3):
        leader.put(b"k", str(i).encode())  # 2..4
    follower.restore(leader.snapshot())
    assert summary(got) == [(4, [("PUT", b"k", 2), ("PUT", b"k", 3), ("PUT", b"k", 4)])]
    follower.put(b"k", b"next")
    assert summary(got[1:]) == [(5, [("PUT", b"k", 5)])]
