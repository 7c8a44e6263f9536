"""Hosts and their disks.

A host runs processes, listens on ports and owns a disk. ``crash()`` ends its processes, drops
its memory, its listeners, its timers and its pending calls — the disk survives. ``restart()``
boots it again: every boot function registered with :meth:`Host.on_boot` runs, and components
rebuild themselves from the disk, as a real process restarting after a power cut would.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from kubelab.sim.network import Envelope

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.world import World

Handler = Callable[[Envelope], None]

#: fsync latency of a healthy SSD: etcd's performance guide says "often under 1 ms"
#: (etcd op-guide/performance.md).
DEFAULT_FSYNC = 0.0005


class RpcTimeout(TimeoutError):
    """A call that got no answer in time. Its message names the destination and the port."""


class HostDown(RuntimeError):
    """A call made from a host that is not running."""


@dataclass(slots=True)
class Disk:
    """A host's disk: a key → value store that survives crashes.

    :meth:`write` stores at once but is only durable after a sync: :meth:`sync` waits for the
    fsync latency (one sync at a time, like one device) and then calls back — unless the host
    crashed meanwhile, in which case the writes since the last completed sync are lost.
    """

    host: Host
    fsync_latency: float = DEFAULT_FSYNC
    data: dict[str, Any] = field(default_factory=dict)
    _dirty: dict[str, Any] = field(default_factory=dict)
    _busy_until: float = 0.0
    syncs: int = 0

    def read(self, key: str, default: Any = None) -> Any:
        """The durable value of ``key`` (what a restart would see)."""
        return self.data.get(key, default)

    def write(self, key: str, value: Any) -> None:
        """Buffer a write; it becomes durable when the next :meth:`sync` completes."""
        self._dirty[key] = value

    def sync(self, then: Callable[[], None] | None = None) -> None:
        """Make buffered writes durable after the fsync latency, then call ``then``."""
        pending, self._dirty = self._dirty, {}
        host = self.host
        env = host.world.env
        start = max(env.now, self._busy_until)
        done = start + self.fsync_latency
        self._busy_until = done
        epoch = host.epoch

        def complete(_e: simpy.Event) -> None:
            if host.epoch != epoch or not host.up:
                return  # crashed before the fsync finished: the writes are lost
            self.data.update(pending)
            self.syncs += 1
            if then is not None:
                then()

        ev = simpy.Timeout(env, done - env.now)
        ev.callbacks.append(complete)

    def slow(self, fsync_latency: float) -> None:
        """Make every fsync take ``fsync_latency`` seconds (a failing or overloaded disk)."""
        if not isinstance(fsync_latency, int | float) or fsync_latency < 0:
            raise ValueError(f"fsync latency must be seconds >= 0, got {fsync_latency!r}")
        self.fsync_latency = float(fsync_latency)

    def _lose_unsynced(self) -> None:
        self._dirty = {}
        self._busy_until = 0.0


class Timer:
    """A callback scheduled on a host; :meth:`cancel` it, or a crash cancels it."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run the callback."""
        self.cancelled = True


class Host:
    """A machine of the simulated world. Create hosts with :meth:`World.add_host`."""

    def __init__(self, world: World, name: str, labels: dict[str, str] | None = None) -> None:
        self.world = world
        self.name = name
        self.labels: dict[str, str] = dict(labels or {})
        self.up = True
        #: Incremented on every crash: callbacks scheduled before a crash check it and stop.
        self.epoch = 0
        self.disk = Disk(self)
        #: Volatile state of the components on this host; cleared on crash.
        self.memory: dict[str, Any] = {}
        self._handlers: dict[str, Handler] = {}
        self._boot: list[Callable[[Host], None]] = []
        self._procs: list[simpy.Process] = []
        self._pending: dict[int, simpy.Event] = {}
        self._next_call = 0

    def __repr__(self) -> str:
        return f"<Host {self.name} {'up' if self.up else 'down'}>"

    # -- lifecycle ---------------------------------------------------------------------------
    def on_boot(self, fn: Callable[[Host], None], run_now: bool = True) -> None:
        """Register ``fn(host)`` to run at every boot; runs now too if the host is up."""
        self._boot.append(fn)
        if run_now and self.up:
            fn(self)

    def crash(self) -> None:
        """Stop the host at once: processes end, memory, listeners and timers are gone."""
        if not self.up:
            return
        self.up = False
        self.epoch += 1
        self.memory.clear()
        self._handlers.clear()
        self.disk._lose_unsynced()
        pending, self._pending = self._pending, {}
        for ev in pending.values():
            if not ev.triggered:
                ev.defused = True
                ev.fail(HostDown(f"host {self.name} crashed"))
        procs, self._procs = self._procs, []
        for p in procs:
            if p.is_alive:
                p.interrupt("crash")
        self.world.log(self.name, "host", "crash")

    def start(self) -> None:
        """Boot a stopped host: run every boot function in registration order."""
        if self.up:
            return
        self.up = True
        self.world.log(self.name, "host", "start")
        for fn in list(self._boot):
            fn(self)

    def restart(self) -> None:
        """Crash (if running) and start again."""
        self.crash()
        self.start()

    # -- processes and timers ----------------------------------------------------------------
    def spawn(self, gen: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        """Run a SimPy process on this host; a crash ends it."""
        proc = self.world.env.process(_guard(gen))
        self._procs = [p for p in self._procs if p.is_alive]
        self._procs.append(proc)
        return proc

    def call_later(self, delay: float, fn: Callable[..., None], *args: Any) -> Timer:
        """Call ``fn(*args)`` after ``delay`` simulated seconds unless the host crashed first."""
        timer = Timer()
        epoch = self.epoch

        def fire(_e: simpy.Event) -> None:
            if timer.cancelled or self.epoch != epoch or not self.up:
                return
            fn(*args)

        ev = simpy.Timeout(self.world.env, delay)
        ev.callbacks.append(fire)
        return timer

    def every(self, period: float, fn: Callable[[], None], first: float | None = None) -> Timer:
        """Call ``fn()`` every ``period`` seconds (first after ``first``, default ``period``)
        until the timer is cancelled or the host crashes."""
        timer = Timer()
        epoch = self.epoch
        env = self.world.env

        def fire(_e: simpy.Event) -> None:
            if timer.cancelled or self.epoch != epoch or not self.up:
                return
            fn()
            nxt = simpy.Timeout(env, period)
            nxt.callbacks.append(fire)

        ev = simpy.Timeout(env, period if first is None else first)
        ev.callbacks.append(fire)
        return timer

    # -- network -------------------------------------------------------------------------------
    def listen(self, port: str, handler: Handler) -> None:
        """Deliver messages for ``port`` to ``handler(envelope)`` until the next crash."""
        self._handlers[port] = handler

    def unlisten(self, port: str) -> None:
        """Stop listening on ``port``."""
        self._handlers.pop(port, None)

    def handler(self, port: str) -> Handler | None:
        """The handler listening on ``port``, if any."""
        return self._handlers.get(port)

    def send(self, dst: str, port: str, payload: Any) -> None:
        """Send a one-way message (lost silently if it cannot be delivered)."""
        if self.up:
            self.world.network.send(self.name, dst, port, payload)

    def serve(self, port: str, fn: Callable[[Any, Callable[[Any], None], str], None]) -> None:
        """Answer calls on ``port``: ``fn(request, respond, caller_host)``; call ``respond``
        once with the response (an ``Exception`` instance makes the caller's call fail)."""

        def on_message(env: Envelope) -> None:
            call_id, request = env.payload
            src = env.src
            epoch = self.epoch

            def respond(response: Any) -> None:
                if self.epoch == epoch and self.up:
                    self.world.network.send(self.name, src, "rpc-reply", (call_id, response))

            fn(request, respond, src)

        self.listen(port, on_message)

    def call(self, dst: str, port: str, request: Any, timeout: float) -> simpy.Event:
        """Call ``dst``'s ``port`` with ``request``; the returned event succeeds with the
        response, or fails with :class:`RpcTimeout` after ``timeout`` seconds (or with the
        exception the server responded with)."""
        env = self.world.env
        ev = env.event()
        if not self.up:
            ev.defused = True
            ev.fail(HostDown(f"host {self.name} is down"))
            return ev
        if "rpc-reply" not in self._handlers:
            self.listen("rpc-reply", self._on_reply)
        self._next_call += 1
        call_id = self._next_call
        self._pending[call_id] = ev
        self.world.network.send(self.name, dst, port, (call_id, request))

        def expire(_e: simpy.Event) -> None:
            if self._pending.pop(call_id, None) is not None and not ev.triggered:
                ev.defused = True
                ev.fail(RpcTimeout(f"no answer from {dst} ({port}) within {timeout:g}s"))

        t = simpy.Timeout(env, timeout)
        t.callbacks.append(expire)
        return ev

    def _on_reply(self, env: Envelope) -> None:
        call_id, response = env.payload
        ev = self._pending.pop(call_id, None)
        if ev is None or ev.triggered:
            return
        if isinstance(response, Exception):
            ev.defused = True
            ev.fail(response)
        else:
            ev.succeed(response)


def _guard(gen: Generator[simpy.Event, Any, Any]) -> Generator[simpy.Event, Any, Any]:
    """Run ``gen``; a crash (an interrupt) ends it quietly."""
    try:
        return (yield from gen)
    except simpy.Interrupt:
        return None
