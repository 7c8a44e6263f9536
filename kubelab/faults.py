"""Every failure an instructor can inject, each with its undo and a line in the trace.

A :class:`Fault` has a name, a target, a start time and an undo. :class:`Faults` is the one
place the failure panel (and the chapters) inject faults through, so each one is recorded and
can be undone — one at a time, or all at once with :meth:`Faults.undo_all`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kubelab.sim.network import vars_of
from kubelab.sim.world import World


class FaultError(ValueError):
    """A fault request that cannot be carried out; the message names the target and the rule."""


@dataclass
class Fault:
    """One injected failure."""

    name: str
    target: str
    started_at: float
    _undo: Callable[[], None] = field(repr=False)
    undone_at: float | None = None

    @property
    def active(self) -> bool:
        """Whether the fault is still in force."""
        return self.undone_at is None

    def describe(self) -> str:
        """One line: what, on what, since when."""
        state = "active" if self.active else f"undone at {self.undone_at:.3f}s"
        return f"{self.name} {self.target} (since {self.started_at:.3f}s, {state})"


class Faults:
    """Inject and undo failures in a :class:`~kubelab.sim.World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.history: list[Fault] = []
        self._processes: dict[str, tuple[Callable[[str], None], Callable[[str], None]]] = {}

    @property
    def active(self) -> list[Fault]:
        """Faults still in force, oldest first."""
        return [f for f in self.history if f.active]

    def _record(self, name: str, target: str, undo: Callable[[], None], **fields: object) -> Fault:
        f = Fault(name, target, self.world.now, undo)
        self.history.append(f)
        self.world.log("faults", "faults", "inject", fault=name, target=target, **fields)
        return f

    def undo(self, fault: Fault) -> None:
        """Undo one fault (no-op if already undone)."""
        if not fault.active:
            return
        fault._undo()
        fault.undone_at = self.world.now
        self.world.log("faults", "faults", "undo", fault=fault.name, target=fault.target)

    def undo_all(self) -> None:
        """Undo every active fault, newest first."""
        for f in reversed(self.active):
            self.undo(f)

    def _host(self, name: str) -> None:
        try:
            self.world.host(name, create=False)
        except ValueError as e:
            raise FaultError(str(e)) from None

    # -- hosts -----------------------------------------------------------------------------
    def crash(self, host: str) -> Fault:
        """Crash ``host`` (processes and memory gone, disk kept). Undo restarts it."""
        self._host(host)
        h = self.world.host(host)
        if not h.up:
            raise FaultError(f"cannot crash {host}: it is already down")
        h.crash()
        return self._record("crash", host, h.start)

    def restart(self, host: str) -> None:
        """Start a crashed host again (undoes its crash fault if there is one)."""
        self._host(host)
        for f in reversed(self.active):
            if f.name == "crash" and f.target == host:
                self.undo(f)
                return
        self.world.host(host).restart()

    def slow_disk(self, host: str, fsync_latency: float) -> Fault:
        """Make every fsync on ``host`` take ``fsync_latency`` seconds. Undo restores it."""
        self._host(host)
        disk = self.world.host(host).disk
        before = disk.fsync_latency
        try:
            disk.slow(fsync_latency)
        except ValueError as e:
            raise FaultError(f"slow_disk {host}: {e}") from None
        return self._record(
            "slow-disk", host, lambda: disk.slow(before), fsync_latency=fsync_latency
        )

    # -- processes -------------------------------------------------------------------------
    def register_process(
        self, component: str, stop: Callable[[str], None], start: Callable[[str], None]
    ) -> None:
        """Let :meth:`stop` stop ``component`` on a host (``stop(host)``/``start(host)``)."""
        self._processes[component] = (stop, start)

    def stop(self, component: str, host: str) -> Fault:
        """Kill one component's process on ``host`` while the host keeps running (e.g.
        ``stop("kube-scheduler", "cp-1")``). Undo starts it again."""
        self._host(host)
        if component not in self._processes:
            known = ", ".join(sorted(self._processes)) or "none"
            raise FaultError(f"cannot stop {component!r}: no such component (components: {known})")
        stop, start = self._processes[component]
        try:
            stop(host)
        except KeyError:
            raise FaultError(f"cannot stop {component}: it does not run on {host}") from None
        return self._record("stop", f"{component}@{host}", lambda: start(host))

    # -- network ---------------------------------------------------------------------------
    def partition(self, *groups: Iterable[str]) -> Fault:
        """Cut the links between the groups of hosts. Undo heals exactly those cuts."""
        gs = [sorted(set(g)) for g in groups]
        for g in gs:
            for h in g:
                self._host(h)
        before = set(self.world.network.cuts)
        try:
            self.world.network.partition(*gs)
        except ValueError as e:
            raise FaultError(str(e)) from None
        added = [c for c in self.world.network.cuts if c not in before]

        def undo() -> None:
            for a, b in added:
                self.world.network.heal(a, b)

        target = " | ".join(",".join(g) for g in gs)
        return self._record("partition", target, undo)

    def isolate(self, host: str) -> Fault:
        """Cut ``host`` off from every other host."""
        self._host(host)
        others = [h.name for h in self.world.hosts if h.name != host]
        return self.partition([host], others)

    def heal(self) -> None:
        """Undo every active partition."""
        for f in reversed(self.active):
            if f.name == "partition":
                self.undo(f)

    def _link_fault(self, name: str, a: str, b: str, **settings: float) -> Fault:
        self._host(a)
        self._host(b)
        net = self.world.network
        before = (vars_of(net.link(a, b)), vars_of(net.link(b, a)))
        try:
            net.set_link(a, b, **settings)  # type: ignore[arg-type]
        except ValueError as e:
            raise FaultError(f"{name} {a}<->{b}: {e}") from None

        def undo() -> None:
            net.set_link(a, b, both_ways=False, **before[0])
            net.set_link(b, a, both_ways=False, **before[1])

        return self._record(name, f"{a}<->{b}", undo, **settings)

    def drop(self, a: str, b: str, loss: float = 1.0) -> Fault:
        """Lose a fraction ``loss`` of the messages between ``a`` and ``b`` (both ways)."""
        return self._link_fault("drop", a, b, loss=loss)

    def delay(self, a: str, b: str, latency: float, jitter: float = 0.0) -> Fault:
        """Make messages between ``a`` and ``b`` take ``latency`` (+ up to ``jitter``) seconds."""
        return self._link_fault("delay", a, b, latency=latency, jitter=jitter)

    def table(self) -> str:
        """Every fault injected so far, one line each."""
        return "\n".join(f.describe() for f in self.history) or "no faults"
