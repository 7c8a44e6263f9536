"""Work queues: what controllers put keys in and their workers take keys from.

A model of client-go ``util/workqueue``:

* :class:`Queue` (``queue.go``): a FIFO of items with a *dirty* set (waiting to be processed) and
  a *processing* set (handed to a worker, not yet :meth:`~Queue.done`). Adding an item already
  dirty does nothing; adding an item being processed marks it dirty without queueing it, and
  :meth:`~Queue.done` queues it again -- so one item is never processed by two workers at once,
  and a change that arrives during processing is never lost.
* :class:`DelayingQueue` (``delaying_queue.go``): :meth:`~DelayingQueue.add_after` adds an item
  once a delay has passed; an item already waiting keeps the earlier of its two ready times.
* :class:`RateLimitingQueue` (``rate_limiting_queue.go``):
  :meth:`~RateLimitingQueue.add_rate_limited` waits as long as the rate limiter says;
  :meth:`~RateLimitingQueue.forget` clears an item's failure history.
* rate limiters (``default_rate_limiters.go``) with the upstream constants:
  :class:`ItemExponentialFailureRateLimiter` (5 ms doubling per failure, capped at 1000 s),
  :class:`BucketRateLimiter` (a token bucket, 10 per second, burst 100, as
  ``golang.org/x/time/rate``), :class:`ItemFastSlowRateLimiter`, :class:`MaxOfRateLimiter`, and
  :func:`default_controller_rate_limiter`, the max of the first two.

Nothing blocks: :meth:`Queue.get` returns a SimPy event that succeeds with ``(item, shutdown)``
when an item is available (or the queue shut down), and :meth:`Queue.run_workers` starts worker
processes that take one item at a time, run a sync function, and ``forget``/``add_rate_limited``
and ``done`` the item as controllers' ``processNextWorkItem`` does. A queue belongs to the
component that built it: when that component's host crashes, the component builds a new one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Hashable
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

import simpy

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host
    from kubelab.sim.world import World

__all__ = [
    "DEFAULT_BASE_DELAY",
    "DEFAULT_BUCKET_BURST",
    "DEFAULT_BUCKET_QPS",
    "DEFAULT_MAX_DELAY",
    "BucketRateLimiter",
    "DelayingQueue",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "Queue",
    "RateLimiter",
    "RateLimitingQueue",
    "default_controller_rate_limiter",
]

T = TypeVar("T", bound=Hashable)

#: default_rate_limiters.go DefaultControllerRateLimiter:
#: NewItemExponentialFailureRateLimiter(5*time.Millisecond, 1000*time.Second).
DEFAULT_BASE_DELAY: Final = 0.005
DEFAULT_MAX_DELAY: Final = 1000.0
#: ... and BucketRateLimiter{Limiter: rate.NewLimiter(rate.Limit(10), 100)}: "10 qps, 100 bucket
#: size. This is only for retry speed and its only the overall factor (not per item)".
DEFAULT_BUCKET_QPS: Final = 10.0
DEFAULT_BUCKET_BURST: Final = 100

_NS: Final = 1_000_000_000  # nanoseconds per second (Go durations)
_MAX_INT64: Final = 2**63 - 1


# -- rate limiters -----------------------------------------------------------------------------
class RateLimiter(Protocol):
    """``workqueue.RateLimiter``: how long to wait before retrying an item."""

    def when(self, item: Any) -> float:
        """The delay (seconds) before ``item`` may be processed again; records a retry."""
        ...

    def forget(self, item: Any) -> None:
        """Stop tracking ``item`` (it succeeded or was given up on)."""
        ...

    def num_requeues(self, item: Any) -> int:
        """How many times ``item`` has been retried."""
        ...

    def bind_clock(self, clock: Callable[[], float]) -> None:
        """Give a time-based limiter the simulated clock (others ignore it)."""
        ...


class ItemExponentialFailureRateLimiter:
    """``base_delay * 2**failures``, capped at ``max_delay``, per item.

    Computed in whole nanoseconds like the Go ``time.Duration`` it models; a delay that would
    overflow int64 nanoseconds is ``max_delay``.
    """

    def __init__(
        self, base_delay: float = DEFAULT_BASE_DELAY, max_delay: float = DEFAULT_MAX_DELAY
    ) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._failures: dict[Any, int] = {}

    def when(self, item: Any) -> float:
        """The next delay for ``item``; counts one more failure."""
        exp = self._failures.get(item, 0)
        self._failures[item] = exp + 1
        base_ns = round(self.base_delay * _NS)
        max_ns = round(self.max_delay * _NS)
        # exp is bounded so 2**exp stays a sane size; anything that large is past the cap
        backoff = base_ns * (1 << min(exp, 100))
        if exp > 100 or backoff > _MAX_INT64 or backoff > max_ns:
            return self.max_delay
        return backoff / _NS

    def forget(self, item: Any) -> None:
        """Clear ``item``'s failures."""
        self._failures.pop(item, None)

    def num_requeues(self, item: Any) -> int:
        """``item``'s failures so far."""
        return self._failures.get(item, 0)

    def bind_clock(self, clock: Callable[[], float]) -> None:
        """Not time-based: nothing to do."""


class ItemFastSlowRateLimiter:
    """``fast_delay`` for the first ``max_fast_attempts`` retries of an item, then
    ``slow_delay``."""

    def __init__(self, fast_delay: float, slow_delay: float, max_fast_attempts: int) -> None:
        self.fast_delay = fast_delay
        self.slow_delay = slow_delay
        self.max_fast_attempts = max_fast_attempts
        self._attempts: dict[Any, int] = {}

    def when(self, item: Any) -> float:
        """The next delay for ``item``."""
        n = self._attempts.get(item, 0) + 1
        self._attempts[item] = n
        return self.fast_delay if n <= self.max_fast_attempts else self.slow_delay

    def forget(self, item: Any) -> None:
        """Clear ``item``'s attempts."""
        self._attempts.pop(item, None)

    def num_requeues(self, item: Any) -> int:
        """``item``'s attempts so far."""
        return self._attempts.get(item, 0)

    def bind_clock(self, clock: Callable[[], float]) -> None:
        """Not time-based: nothing to do."""


class BucketRateLimiter:
    """A token bucket over all items: ``qps`` tokens a second, at most ``burst`` stored, full at
    the start (``golang.org/x/time/rate`` ``Limiter``; ``when`` is ``Reserve().Delay()``).

    Each call takes a token; with none left it reserves a future one and returns the wait.
    """

    def __init__(
        self,
        qps: float = DEFAULT_BUCKET_QPS,
        burst: int = DEFAULT_BUCKET_BURST,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if qps <= 0:
            raise ValueError(f"qps must be > 0, got {qps!r}")
        self.qps = float(qps)
        self.burst = int(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._last: float | None = None

    def bind_clock(self, clock: Callable[[], float]) -> None:
        """Use ``clock`` for time unless one was given already."""
        if self._clock is None:
            self._clock = clock

    def when(self, item: Any) -> float:
        """The wait before ``item`` (any item) may go: 0 while tokens are left."""
        if self._clock is None:
            raise RuntimeError("BucketRateLimiter has no clock: pass clock= or use it in a queue")
        now = self._clock()
        # rate.Limiter.advance: refill for the time since the last reservation, up to burst
        if self._last is None:
            tokens = float(self.burst)
        else:
            last = min(self._last, now)
            tokens = min(float(self.burst), self._tokens + (now - last) * self.qps)
        tokens -= 1.0
        wait = -tokens / self.qps if tokens < 0 else 0.0
        # reserveN: last becomes now, the tokens may go negative (future reservations)
        self._last = now
        self._tokens = tokens
        return wait

    def forget(self, item: Any) -> None:
        """Nothing is tracked per item."""

    def num_requeues(self, item: Any) -> int:
        """Always 0: the bucket does not count per item."""
        return 0


class MaxOfRateLimiter:
    """The longest delay of several limiters (every limiter sees every call)."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, item: Any) -> float:
        """The maximum of the limiters' delays."""
        return max(lim.when(item) for lim in self.limiters)

    def forget(self, item: Any) -> None:
        """Forget ``item`` in every limiter."""
        for lim in self.limiters:
            lim.forget(item)

    def num_requeues(self, item: Any) -> int:
        """The maximum of the limiters' counts."""
        return max(lim.num_requeues(item) for lim in self.limiters)

    def bind_clock(self, clock: Callable[[], float]) -> None:
        """Pass the clock on."""
        for lim in self.limiters:
            lim.bind_clock(clock)


def default_controller_rate_limiter(clock: Callable[[], float] | None = None) -> MaxOfRateLimiter:
    """``workqueue.DefaultControllerRateLimiter``: per-item exponential backoff 5 ms .. 1000 s,
    and an overall token bucket of 10 per second with a burst of 100."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(DEFAULT_BASE_DELAY, DEFAULT_MAX_DELAY),
        BucketRateLimiter(DEFAULT_BUCKET_QPS, DEFAULT_BUCKET_BURST, clock),
    )


# -- queues ------------------------------------------------------------------------------------
SyncResult = simpy.Event | Generator[simpy.Event, Any, Any] | None


class Queue(Generic[T]):
    """``workqueue.Type``: FIFO with the dirty/processing rules (see the module docstring)."""

    def __init__(self, world: World, *, name: str = "") -> None:
        self.world = world
        self.name = name
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        # (event, host of the waiting worker or None, that host's epoch when it asked)
        self._waiters: deque[tuple[simpy.Event, Host | None, int]] = deque()
        self._shutting_down = False
        self._drain_waiters: list[simpy.Event] = []
        #: Items added (each accepted add, not deduplicated ones) -- the ``adds`` metric.
        self.adds = 0

    def __len__(self) -> int:
        """Items queued (not the ones being processed): ``Len()``."""
        return len(self._queue)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name or ''} queued={len(self._queue)} "
            f"processing={len(self._processing)}>"
        )

    def add(self, item: T) -> None:
        """Mark ``item`` as needing processing (ignored after :meth:`shut_down`)."""
        if self._shutting_down:
            return
        if item in self._dirty:
            return
        self.adds += 1
        self._dirty.add(item)
        if item in self._processing:
            return  # queued again by done()
        self._queue.append(item)
        self._hand_out()

    def _hand_out(self) -> None:
        while self._queue and self._waiters:
            waiter, host, epoch = self._waiters.popleft()
            if host is not None and (not host.up or host.epoch != epoch):
                continue  # that worker died with its host: do not hand it an item
            item = self._take()
            waiter.succeed((item, False))

    def _take(self) -> T:
        item = self._queue.popleft()
        self._processing.add(item)
        self._dirty.discard(item)
        return item

    def get(self, host: Host | None = None) -> simpy.Event:
        """An event that succeeds with ``(item, False)`` once an item is available -- the item
        is then *processing* until :meth:`done` -- or ``(None, True)`` once the queue is shut
        down and empty. Waiters are served in the order they asked; a waiter whose ``host``
        crashed meanwhile is skipped, so no item is handed to a dead worker."""
        ev = self.world.env.event()
        if self._queue:
            ev.succeed((self._take(), False))
        elif self._shutting_down:
            ev.succeed((None, True))
        else:
            self._waiters.append((ev, host, host.epoch if host is not None else 0))
        return ev

    def try_get(self) -> tuple[T | None, bool]:
        """:meth:`get` without waiting: ``(None, False)`` when nothing is queued."""
        if self._queue:
            return self._take(), False
        return None, self._shutting_down

    def done(self, item: T) -> None:
        """``item`` is processed; if it was added meanwhile, queue it again."""
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
            self._hand_out()
        if not self._processing and self._drain_waiters:
            waiters, self._drain_waiters = self._drain_waiters, []
            for w in waiters:
                w.succeed(None)

    def shut_down(self) -> None:
        """Ignore new items; workers still get what is queued, then ``shutdown=True``."""
        self._shutting_down = True
        waiters, self._waiters = self._waiters, deque()
        for w, _, _ in waiters:
            w.succeed((None, True))

    def shut_down_with_drain(self) -> simpy.Event:
        """:meth:`shut_down`, and an event that succeeds once no item is being processed."""
        self.shut_down()
        ev = self.world.env.event()
        if not self._processing:
            ev.succeed(None)
        else:
            self._drain_waiters.append(ev)
        return ev

    @property
    def shutting_down(self) -> bool:
        """Whether :meth:`shut_down` was called."""
        return self._shutting_down

    def is_processing(self, item: T) -> bool:
        """Whether ``item`` is handed out and not yet done."""
        return item in self._processing

    def is_dirty(self, item: T) -> bool:
        """Whether ``item`` waits to be processed (queued, or re-added while processing)."""
        return item in self._dirty

    # -- workers ---------------------------------------------------------------------------------
    def run_workers(
        self,
        host: Host,
        workers: int,
        sync: Callable[[T], SyncResult],
        *,
        max_retries: int | None = None,
        on_error: Callable[[T, Exception], None] | None = None,
    ) -> list[simpy.Process]:
        """Start ``workers`` processes on ``host`` (``go wait.Until(c.worker, ...)`` ×N).

        Each takes one item, calls ``sync(item)`` -- which may return nothing, a SimPy event to
        wait for, or a generator to run -- and then, as a controller's
        ``processNextWorkItem``/``handleErr`` does: on success :meth:`forget` the item; on an
        exception re-add it rate-limited while ``num_requeues(item) < max_retries`` (always,
        when ``max_retries`` is ``None``), else forget it; then :meth:`done` it. Workers end
        when the queue shuts down (or the host crashes).
        """
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return [
            host.spawn(self._worker(host, sync, max_retries, on_error)) for _ in range(int(workers))
        ]

    def _retry(self, item: T) -> None:
        self.add(item)

    def _forget(self, item: T) -> None:
        return None

    def _requeues(self, item: T) -> int:
        return 0

    def _worker(
        self,
        host: Host,
        sync: Callable[[T], SyncResult],
        max_retries: int | None,
        on_error: Callable[[T, Exception], None] | None,
    ) -> Generator[simpy.Event, Any, None]:
        while True:
            item, shutdown = yield self.get(host)
            if shutdown:
                return
            try:
                result = sync(item)
                if isinstance(result, simpy.Event):
                    yield result
                elif isinstance(result, Generator):
                    yield from result
            except simpy.Interrupt:
                raise
            except Exception as err:
                if max_retries is None or self._requeues(item) < max_retries:
                    self._retry(item)
                else:
                    self._forget(item)
                if on_error is not None:
                    on_error(item, err)
            else:
                self._forget(item)
            self.done(item)


class DelayingQueue(Queue[T]):
    """A :class:`Queue` with :meth:`add_after`.

    ``host`` (optional) ties the delay timers to a host, so a crash cancels them.
    """

    def __init__(self, world: World, *, name: str = "", host: Host | None = None) -> None:
        super().__init__(world, name=name)
        self.host = host
        # item -> (ready time, sequence number of the timer that will add it)
        self._waiting: dict[T, tuple[float, int]] = {}
        self._seq = 0

    def add_after(self, item: T, delay: float) -> None:
        """Add ``item`` after ``delay`` seconds (at once if ``delay <= 0``). If ``item`` is
        already waiting, the earlier ready time wins (``delaying_queue.go insert``)."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        ready = self.world.now + delay
        cur = self._waiting.get(item)
        if cur is not None and cur[0] <= ready:
            return
        self._seq += 1
        seq = self._seq
        self._waiting[item] = (ready, seq)
        if self.host is not None:
            self.host.call_later(delay, self._ready, item, seq)
        else:
            ev = simpy.Timeout(self.world.env, delay)
            ev.callbacks.append(lambda _e: self._ready(item, seq))

    def _ready(self, item: T, seq: int) -> None:
        cur = self._waiting.get(item)
        if cur is None or cur[1] != seq:
            return  # replaced by an earlier ready time
        del self._waiting[item]
        if not self._shutting_down:
            self.add(item)

    def waiting(self) -> int:
        """Items waiting for their delay to pass."""
        return len(self._waiting)

    def shut_down(self) -> None:
        """Shut down; delayed items are dropped."""
        super().shut_down()
        self._waiting.clear()


class RateLimitingQueue(DelayingQueue[T]):
    """``workqueue.RateLimitingInterface``: a :class:`DelayingQueue` with a rate limiter
    (default :func:`default_controller_rate_limiter` on the world's clock)."""

    def __init__(
        self,
        world: World,
        rate_limiter: RateLimiter | None = None,
        *,
        name: str = "",
        host: Host | None = None,
    ) -> None:
        super().__init__(world, name=name, host=host)
        limiter: RateLimiter = rate_limiter or default_controller_rate_limiter()
        limiter.bind_clock(lambda: world.now)
        self.rate_limiter = limiter

    def add_rate_limited(self, item: T) -> None:
        """Add ``item`` once the rate limiter allows (``AddAfter(item, limiter.When(item))``)."""
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        """Clear ``item``'s retry history in the rate limiter."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        """How many times ``item`` was retried since it was last forgotten."""
        return self.rate_limiter.num_requeues(item)

    def _retry(self, item: T) -> None:
        self.add_rate_limited(item)

    def _forget(self, item: T) -> None:
        self.forget(item)

    def _requeues(self, item: T) -> int:
        return self.num_requeues(item)
