"""Work queues and rate limiters (client-go util/workqueue), on the simulated clock."""

from __future__ import annotations

import itertools
from collections.abc import Generator
from typing import Any

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.apiserver.workqueue import (
    BucketRateLimiter,
    DelayingQueue,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    Queue,
    RateLimitingQueue,
    default_controller_rate_limiter,
)
from kubelab.sim import World

MS = 0.001


# -- the queue ---------------------------------------------------------------------------------


def test_adds_of_a_queued_item_are_deduplicated_and_order_is_fifo() -> None:
    q: Queue[str] = Queue(World())
    for item in ("b", "a", "b", "c", "a"):
        q.add(item)
    assert len(q) == 3
    assert [q.try_get()[0] for _ in range(3)] == ["b", "a", "c"]


def test_an_item_added_while_processing_is_requeued_only_after_done() -> None:
    q: Queue[str] = Queue(World())
    q.add("a")
    item, shutdown = q.try_get()
    assert (item, shutdown) == ("a", False) and q.is_processing("a")
    q.add("a")
    q.add("a")
    assert len(q) == 0 and q.is_dirty("a")  # not handed to a second worker
    assert q.try_get() == (None, False)
    q.done("a")
    assert len(q) == 1 and not q.is_processing("a")
    assert q.try_get()[0] == "a"
    q.done("a")
    assert len(q) == 0 and not q.is_dirty("a")


def test_shut_down_ignores_adds_but_hands_out_what_is_queued() -> None:
    w = World()
    q: Queue[str] = Queue(w)
    waiting_q: Queue[str] = Queue(w)
    waiter = waiting_q.get()
    q.add("a")
    q.shut_down()
    q.add("b")
    assert w.wait(q.get()) == ("a", False)
    assert w.wait(q.get()) == (None, True)
    waiting_q.shut_down()
    assert w.wait(waiter) == (None, True)


def test_get_waits_for_an_item_and_waiters_are_served_in_order() -> None:
    w = World()
    q: Queue[str] = Queue(w)
    first, second = q.get(), q.get()
    assert not first.triggered
    q.add("x")
    q.add("y")
    assert first.value == ("x", False) and second.value == ("y", False)


def test_shut_down_with_drain_waits_for_processing_to_finish() -> None:
    w = World()
    q: Queue[str] = Queue(w)
    q.add("a")
    q.try_get()
    drained = q.shut_down_with_drain()
    assert not drained.triggered
    q.done("a")
    assert drained.triggered


@settings(max_examples=30, deadline=None)
@given(
    adds=st.lists(
        st.tuples(st.floats(0, 10), st.sampled_from(["a", "b", "c"])), min_size=1, max_size=40
    ),
    workers=st.integers(1, 4),
    seed=st.integers(0, 5),
)
def test_workers_never_process_one_key_concurrently_and_lose_no_add(
    adds: list[tuple[float, str]], workers: int, seed: int
) -> None:
    w = World(seed=seed)
    host = w.add_host("controller")
    q: RateLimitingQueue[str] = RateLimitingQueue(w)
    rng = w.rng("sync")
    spans: dict[str, list[tuple[float, float]]] = {}

    def sync(key: str) -> Generator[simpy.Event, Any, None]:
        start = w.now
        yield w.env.timeout(rng.uniform(0.1, 2.0))
        spans.setdefault(key, []).append((start, w.now))

    q.run_workers(host, workers, sync)
    for t, key in sorted(adds):
        host.call_later(t, q.add, key)
    w.run(until=30)
    for intervals in spans.values():
        intervals.sort()
        for (_, end), (nxt, _) in itertools.pairwise(intervals):
            assert nxt >= end  # never two workers on one key at once
    for key in {k for _, k in adds}:
        last_add = max(t for t, k in adds if k == key)
        # the key was processed starting at or after its last add: no change lost
        assert max(s for s, _ in spans[key]) >= last_add


# -- rate limiters -----------------------------------------------------------------------------


def test_exponential_failure_backoff_doubles_from_5ms_and_caps_at_1000s() -> None:
    r = ItemExponentialFailureRateLimiter()  # DefaultControllerRateLimiter's constants
    got = [r.when("k") for _ in range(20)]
    expected = [
        0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
        5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68, 655.36, 1000.0, 1000.0,
    ]  # fmt: skip
    assert got == pytest.approx(expected)
    assert r.num_requeues("k") == 20
    assert r.when("other") == pytest.approx(0.005)  # per item
    r.forget("k")
    assert r.num_requeues("k") == 0 and r.when("k") == pytest.approx(0.005)


def test_exponential_failure_backoff_does_not_overflow() -> None:
    # default_rate_limiters_test.go TestItemExponentialFailureRateLimiterOverFlow
    r = ItemExponentialFailureRateLimiter(1 * MS, 1000.0)
    for _ in range(5):
        r.when("one")
    assert r.when("one") == pytest.approx(32 * MS)
    for _ in range(1000):
        r.when("overflow1")
    assert r.when("overflow1") == 1000.0
    r = ItemExponentialFailureRateLimiter(60.0, 1000 * 3600.0)
    for _ in range(2):
        r.when("two")
    assert r.when("two") == pytest.approx(4 * 60.0)
    for _ in range(1000):
        r.when("overflow2")
    assert r.when("overflow2") == 1000 * 3600.0


def test_bucket_limiter_allows_a_burst_of_100_then_10_per_second() -> None:
    now = [0.0]
    r = BucketRateLimiter(clock=lambda: now[0])
    assert [r.when(i) for i in range(100)] == [0.0] * 100
    assert r.when("x") == pytest.approx(0.1)
    assert r.when("y") == pytest.approx(0.2)
    assert r.num_requeues("x") == 0
    now[0] = 1.0  # 10 tokens back: 2 owed, 8 free
    assert [r.when(i) for i in range(8)] == [0.0] * 8
    assert r.when("z") == pytest.approx(0.1)
    now[0] = 1000.0  # refills only up to the burst
    assert [r.when(i) for i in range(100)] == [0.0] * 100
    assert r.when("z") == pytest.approx(0.1)


def test_max_of_rate_limiter() -> None:
    # default_rate_limiters_test.go TestMaxOfRateLimiter
    r = MaxOfRateLimiter(
        ItemFastSlowRateLimiter(5 * MS, 3.0, 3), ItemExponentialFailureRateLimiter(1 * MS, 1.0)
    )
    assert [r.when("one") for _ in range(5)] == pytest.approx([5 * MS] * 3 + [3.0, 3.0])
    assert r.num_requeues("one") == 5
    assert [r.when("two") for _ in range(2)] == pytest.approx([5 * MS] * 2)
    assert r.num_requeues("two") == 2
    r.forget("one")
    assert r.num_requeues("one") == 0
    assert r.when("one") == pytest.approx(5 * MS)


def test_default_controller_rate_limiter_is_the_max_of_backoff_and_bucket() -> None:
    now = [0.0]
    r = default_controller_rate_limiter(lambda: now[0])
    assert r.when("a") == pytest.approx(0.005)
    assert r.when("a") == pytest.approx(0.01)
    for i in range(98):
        r.when(i)
    assert r.when("fresh") == pytest.approx(0.1)  # the bucket is empty: 10 per second
    with pytest.raises(RuntimeError, match="no clock"):
        BucketRateLimiter().when("x")


# -- delaying and rate-limited queues ----------------------------------------------------------


def test_add_after_keeps_the_earlier_ready_time() -> None:
    w = World()
    q: DelayingQueue[str] = DelayingQueue(w)
    q.add_after("a", 10)
    q.add_after("a", 5)
    q.add_after("a", 20)  # does not postpone
    assert q.waiting() == 1
    w.run(until=4.9)
    assert len(q) == 0
    w.run(until=5.1)
    assert len(q) == 1 and q.waiting() == 0
    q.try_get()
    q.done("a")
    w.run(until=30)  # the replaced 10 s and 20 s entries add nothing
    assert len(q) == 0
    q.add_after("b", 0)
    assert len(q) == 1


def test_delayed_items_are_dropped_at_shutdown() -> None:
    w = World()
    q: DelayingQueue[str] = DelayingQueue(w)
    q.add_after("a", 1)
    q.shut_down()
    q.add_after("b", 1)
    w.run(until=2)
    assert len(q) == 0 and q.waiting() == 0


def test_add_rate_limited_waits_the_limiters_delay_and_forget_resets_it() -> None:
    w = World()
    q: RateLimitingQueue[str] = RateLimitingQueue(w)
    q.add_rate_limited("x")
    w.run(until=0.0049)
    assert len(q) == 0
    w.run(until=0.0051)
    assert len(q) == 1
    assert q.num_requeues("x") == 1
    q.forget("x")
    assert q.num_requeues("x") == 0


def test_workers_retry_failures_with_exponential_backoff_then_forget() -> None:
    w = World()
    host = w.add_host("c")
    q: RateLimitingQueue[str] = RateLimitingQueue(w)
    starts: list[float] = []

    def sync(key: str) -> None:
        starts.append(w.now)
        if len(starts) < 3:
            raise RuntimeError("not yet")

    q.run_workers(host, 1, sync)
    q.add("k")
    w.run(until=1)
    assert starts == pytest.approx([0.0, 0.005, 0.015])
    assert q.num_requeues("k") == 0 and not q.is_processing("k")


def test_workers_give_up_after_max_retries() -> None:
    w = World()
    host = w.add_host("c")
    q: RateLimitingQueue[str] = RateLimitingQueue(w)
    errors: list[str] = []

    def sync(key: str) -> None:
        raise ValueError(key)

    q.run_workers(host, 2, sync, max_retries=3, on_error=lambda k, e: errors.append(k))
    q.add("k")
    w.run(until=100)
    assert errors == ["k"] * 4  # the first try and 3 retries
    assert q.num_requeues("k") == 0 and len(q) == 0


def test_workers_stop_at_shutdown_and_with_their_host() -> None:
    w = World()
    host = w.add_host("c")
    q: Queue[str] = Queue(w)
    procs = q.run_workers(host, 2, lambda k: None)
    w.run(until=1)
    q.shut_down()
    w.run(until=2)
    assert not any(p.is_alive for p in procs)
    q2: Queue[str] = Queue(w)
    procs = q2.run_workers(host, 1, lambda k: None)
    host.crash()
    w.run(until=3)
    assert not procs[0].is_alive


def test_an_item_is_not_handed_to_a_worker_that_died_with_its_host() -> None:
    w = World()
    dead, alive = w.add_host("dead"), w.add_host("alive")
    q: Queue[str] = Queue(w)
    q.run_workers(dead, 1, lambda k: None)
    w.run(until=1)
    dead.crash()
    done: list[str] = []
    q.run_workers(alive, 1, done.append)
    q.add("k")
    w.run(until=2)
    assert done == ["k"] and not q.is_processing("k")
