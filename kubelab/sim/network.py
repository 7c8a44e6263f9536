"""The simulated network: links with latency, jitter and loss; partitions; heal.

A message is delivered to a port handler on the destination host after the link's latency, or
silently lost: when the link is cut by a partition, when the loss draw says so, or when the
destination is down or has nothing listening on that port. Sending never raises.

Messages on one link arrive in the order they were sent (like etcd's TCP streams between
members) unless the link is set to ``reorder=True``. Delivery is a plain scheduled callback, not
a SimPy process, because a generator round trip costs about 15x more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import simpy

from kubelab.sim.scheduling import call_after

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.world import World

#: One-way latency of a link when none is set: an in-datacentre network, where etcd's docs
#: give round trips "up to several hundred microseconds" (etcd op-guide/performance.md).
DEFAULT_LATENCY = 0.0005
DEFAULT_JITTER = 0.0001


class NetworkError(ValueError):
    """A fault request on the network that cannot be carried out (unknown host, bad value)."""


@dataclass(slots=True)
class Link:
    """Properties of the link from one host to another (one direction)."""

    latency: float = DEFAULT_LATENCY
    jitter: float = DEFAULT_JITTER
    loss: float = 0.0
    duplicate: float = 0.0
    reorder: bool = False


@dataclass(frozen=True, slots=True, init=False)
class Envelope:
    """A message in flight: who sent it, to whom, which port, the payload and when."""

    src: str
    dst: str
    port: str
    payload: Any
    sent_at: float

    def __init__(self, src: str, dst: str, port: str, payload: Any, sent_at: float) -> None:
        # one per message: the fields' slots are set directly, as the frozen dataclass's own
        # __init__ does through object.__setattr__ (slower)
        _set_src(self, src)
        _set_dst(self, dst)
        _set_port(self, port)
        _set_payload(self, payload)
        _set_sent_at(self, sent_at)


_set_src: Final = Envelope.__dict__["src"].__set__
_set_dst: Final = Envelope.__dict__["dst"].__set__
_set_port: Final = Envelope.__dict__["port"].__set__
_set_payload: Final = Envelope.__dict__["payload"].__set__
_set_sent_at: Final = Envelope.__dict__["sent_at"].__set__


class Network:
    """All links of a :class:`~kubelab.sim.World`. Use :meth:`send` (or ``host.send``)."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._env: simpy.Environment = world.env
        self._links: dict[tuple[str, str], Link] = {}
        self._default = Link()
        self._cuts: set[tuple[str, str]] = set()
        self._last_arrival: dict[tuple[str, str], float] = {}
        self._rng = world.rng("network")
        self.sent = 0
        self.delivered = 0
        self.dropped = 0
        #: When true, every send, delivery and drop is written to the trace (slow; for lessons).
        self.trace_messages = False

    # -- configuration -----------------------------------------------------------------------
    def link(self, src: str, dst: str) -> Link:
        """The link from ``src`` to ``dst`` (the default link if none was set)."""
        return self._links.get((src, dst), self._default)

    def set_default(self, latency: float | None = None, jitter: float | None = None) -> None:
        """Change the latency/jitter of every link that has no settings of its own."""
        if latency is not None:
            self._default.latency = _non_negative("latency", latency)
        if jitter is not None:
            self._default.jitter = _non_negative("jitter", jitter)

    def set_link(
        self,
        a: str,
        b: str,
        *,
        latency: float | None = None,
        jitter: float | None = None,
        loss: float | None = None,
        duplicate: float | None = None,
        reorder: bool | None = None,
        both_ways: bool = True,
    ) -> None:
        """Set properties of the link a→b (and b→a unless ``both_ways=False``)."""
        for h in (a, b):
            self._world.host(h, create=False)
        pairs = [(a, b), (b, a)] if both_ways else [(a, b)]
        for pair in pairs:
            cur = self._links.get(pair)
            new = Link(**vars_of(cur if cur is not None else self._default))
            if latency is not None:
                new.latency = _non_negative("latency", latency)
            if jitter is not None:
                new.jitter = _non_negative("jitter", jitter)
            if loss is not None:
                new.loss = _probability("loss", loss)
            if duplicate is not None:
                new.duplicate = _probability("duplicate", duplicate)
            if reorder is not None:
                new.reorder = reorder
            self._links[pair] = new

    def reset_link(self, a: str, b: str, both_ways: bool = True) -> None:
        """Return the link a→b (and b→a) to the default settings."""
        self._links.pop((a, b), None)
        if both_ways:
            self._links.pop((b, a), None)

    def partition(self, *groups: Iterable[str]) -> None:
        """Cut every link between hosts of different groups (hosts in no group are not
        affected). ``partition(["a"], ["b", "c"])`` isolates ``a`` from ``b`` and ``c``."""
        gs = [sorted(set(g)) for g in groups]
        if len(gs) < 2:
            raise NetworkError("a partition needs at least two groups of hosts")
        seen: set[str] = set()
        for g in gs:
            for h in g:
                self._world.host(h, create=False)
                if h in seen:
                    raise NetworkError(f"host {h!r} is in more than one group of the partition")
                seen.add(h)
        for i, g in enumerate(gs):
            for other in gs[i + 1 :]:
                for a in g:
                    for b in other:
                        self._cuts.add((a, b))
                        self._cuts.add((b, a))
        self._world.log("network", "network", "partition", groups=[list(g) for g in gs])

    def isolate(self, host: str) -> None:
        """Cut ``host`` off from every other host."""
        others = [h.name for h in self._world.hosts if h.name != host]
        self.partition([host], others)

    def heal(self, a: str | None = None, b: str | None = None) -> None:
        """Remove every cut (or only the cut between ``a`` and ``b``)."""
        if a is None and b is None:
            self._cuts.clear()
        elif a is not None and b is not None:
            self._cuts.discard((a, b))
            self._cuts.discard((b, a))
        else:
            raise NetworkError("heal() takes no hosts or two hosts")
        self._world.log("network", "network", "heal", between=[a, b] if a else "all")

    def connected(self, a: str, b: str) -> bool:
        """Whether a message from ``a`` can currently reach ``b`` (ignoring loss)."""
        return (a, b) not in self._cuts

    @property
    def cuts(self) -> list[tuple[str, str]]:
        """The cut (src, dst) pairs, sorted."""
        return sorted(self._cuts)

    # -- sending -------------------------------------------------------------------------------
    def send(self, src: str, dst: str, port: str, payload: Any) -> None:
        """Send ``payload`` from ``src`` to ``dst``'s ``port``. Never raises for an unreachable,
        crashed or partitioned destination: the message is lost."""
        self.sent += 1
        key = (src, dst)
        if self._cuts and key in self._cuts:
            self._drop(src, dst, port, "partitioned")
            return
        link = self._links.get(key, self._default) if self._links else self._default
        rng = self._rng
        if link.loss and rng.random() < link.loss:
            self._drop(src, dst, port, "lost")
            return
        copies = 2 if link.duplicate and rng.random() < link.duplicate else 1
        sim = self._env
        now = sim._now  # sim.now
        fifo = not link.reorder and src != dst
        for _ in range(copies):
            delay = link.latency
            if link.jitter:
                delay += link.jitter * rng.random()
            if fifo:
                # FIFO per link, as over one TCP connection.
                last = self._last_arrival.get(key, 0.0)
                if now + delay < last:
                    delay = last - now
                self._last_arrival[key] = now + delay
            env = Envelope(src, dst, port, payload, now)
            if self.trace_messages:
                self._world.log(src, "network", "send", dst=dst, port=port)
            call_after(sim, delay, self._deliver, env)

    def _deliver(self, env: Envelope) -> None:
        if self._cuts and (env.src, env.dst) in self._cuts:
            self._drop(env.src, env.dst, env.port, "partitioned")
            return
        host = self._world.find_host(env.dst)
        if host is None:
            self._drop(env.src, env.dst, env.port, "no such host")
            return
        handler = host._handlers.get(env.port) if host.up else None  # host.handler(port)
        if handler is None:
            self._drop(env.src, env.dst, env.port, "down" if not host.up else "no listener")
            return
        self.delivered += 1
        if self.trace_messages:
            self._world.log(env.dst, "network", "deliver", src=env.src, port=env.port)
        handler(env)

    def _drop(self, src: str, dst: str, port: str, why: str) -> None:
        self.dropped += 1
        if self.trace_messages:
            self._world.log(src, "network", "drop", dst=dst, port=port, why=why)


def vars_of(link: Link) -> dict[str, Any]:
    """The fields of a :class:`Link` as a dict (slots dataclasses have no ``__dict__``)."""
    return {
        "latency": link.latency,
        "jitter": link.jitter,
        "loss": link.loss,
        "duplicate": link.duplicate,
        "reorder": link.reorder,
    }


def _non_negative(name: str, v: float) -> float:
    if not isinstance(v, int | float) or v < 0:
        raise NetworkError(f"{name} must be a number of seconds >= 0, got {v!r}")
    return float(v)


def _probability(name: str, v: float) -> float:
    if not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
        raise NetworkError(f"{name} must be a probability between 0 and 1, got {v!r}")
    return float(v)
