"""The simulated world: clock, named random streams, hosts, network and trace, on SimPy."""

from __future__ import annotations

import gc
import hashlib
import random
import uuid
from typing import Any, Final

import simpy

from kubelab.sim.clock import micro_timestamp, timestamp
from kubelab.sim.host import Host
from kubelab.sim.network import Network
from kubelab.sim.trace import Record, Trace

# RFC 4122: the variant bits (10) and the version nibble (4) of a version 4 UUID.
_UUID4_KEEP: Final = ((1 << 128) - 1) & ~(0xC000 << 48) & ~(0xF000 << 64)
_UUID4_SET: Final = (0x8000 << 48) | (4 << 76)


def uuid4_string(value: int) -> str:
    """``str(uuid.UUID(int=value, version=4))`` for a 128-bit ``value``: the RFC 4122 variant
    and version 4 bits set, printed ``8-4-4-4-12``."""
    if not 0 <= value < 1 << 128:
        return str(uuid.UUID(int=value, version=4))  # let uuid raise its error
    h = ((value & _UUID4_KEEP) | _UUID4_SET).to_bytes(16, "big").hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


#: The garbage collector's first-generation threshold while a world runs. A simulation keeps
#: many objects alive (stores, caches, logs) while it creates and drops many more; with
#: CPython's default of 700 it spends up to a third of its time in full collections. The
#: value in force before the run is restored after it.
RUN_GC_THRESHOLD: Final = 100_000


class WorldError(ValueError):
    """A request to the world that cannot be carried out (unknown host, bad duration)."""


class World:
    """One deterministic simulated world.

    Same ``seed`` ⇒ same random draws, same event order, same trace — in any process, whatever
    ``PYTHONHASHSEED`` is. Time is in simulated seconds from 0.

    >>> w = World(seed=7)
    >>> a = w.add_host("a")
    >>> w.run(duration=1.5)
    >>> w.now
    1.5
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.env = simpy.Environment()
        self._rngs: dict[str, random.Random] = {}
        self._hosts: dict[str, Host] = {}
        self.trace = Trace()
        self.network = Network(self)

    def __repr__(self) -> str:
        return f"<World seed={self.seed} t={self.now:.3f}s hosts={len(self._hosts)}>"

    # -- time --------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the world began."""
        return float(self.env._now)  # env.now, without its property call (read very often)

    def run(self, until: float | None = None, duration: float | None = None) -> None:
        """Advance simulated time to ``until`` or by ``duration`` seconds (exactly one of
        them), processing every event on the way."""
        if (until is None) == (duration is None):
            raise WorldError("run() needs exactly one of until= or duration=")
        if duration is not None and not (isinstance(duration, int | float) and duration >= 0):
            raise WorldError(f"run() needs a duration of seconds >= 0, got {duration!r}")
        target = until if until is not None else self.now + float(duration or 0.0)
        if target < self.now:
            raise WorldError(f"cannot run back in time: now={self.now}, until={target}")
        if target == self.now:
            return
        self._run_env(target)

    def wait(self, event: simpy.Event, timeout: float | None = None) -> Any:
        """Run the world until ``event`` has happened and return its value (or raise its
        exception). With ``timeout``, give up after that many simulated seconds with
        :class:`TimeoutError`."""
        if timeout is not None:
            limit = self.env.timeout(timeout)
            race = self.env.any_of([event, limit])
            self._run_env(race)
            if not event.triggered:
                raise TimeoutError(f"no result within {timeout:g} simulated seconds")
            if not event.processed:
                self._run_env(event)
        else:
            if not self.env._queue and not event.triggered:  # nothing left to happen
                raise WorldError("the event can never happen: the world has nothing scheduled")
            self._run_env(event)
        value = event.value
        if not event.ok:
            assert isinstance(value, BaseException)
            raise value
        return value

    def _run_env(self, until: float | simpy.Event) -> None:
        """``env.run(until)`` with the collector's first threshold raised to
        :data:`RUN_GC_THRESHOLD` meanwhile (restored after, also on an exception)."""
        old = gc.get_threshold()
        if old[0] >= RUN_GC_THRESHOLD:
            self.env.run(until=until)
            return
        gc.set_threshold(RUN_GC_THRESHOLD, *old[1:])
        try:
            self.env.run(until=until)
        finally:
            gc.set_threshold(*old)

    def timestamp(self, at: float | None = None) -> str:
        """Kubernetes RFC 3339 time for simulated time ``at`` (default now)."""
        return timestamp(float(self.env._now) if at is None else at)

    def micro_timestamp(self, at: float | None = None) -> str:
        """Kubernetes ``MicroTime`` for simulated time ``at`` (default now)."""
        return micro_timestamp(self.now if at is None else at)

    # -- randomness ------------------------------------------------------------------------
    def rng(self, name: str) -> random.Random:
        """The random stream called ``name``: seeded from the world seed and the name only,
        so adding a stream never changes the draws of another."""
        r = self._rngs.get(name)
        if r is None:
            digest = hashlib.sha256(f"{self.seed}/{name}".encode()).digest()
            r = random.Random(int.from_bytes(digest[:8], "big"))
            self._rngs[name] = r
        return r

    def uid(self, stream: str = "uid") -> str:
        """A random (version 4) UUID drawn from the named stream, as Kubernetes UIDs look."""
        return uuid4_string(self.rng(stream).getrandbits(128))

    # -- hosts ---------------------------------------------------------------------------------
    def add_host(self, name: str, labels: dict[str, str] | None = None) -> Host:
        """Create a running host called ``name``."""
        if not isinstance(name, str) or not name:
            raise WorldError(f"a host name must be a non-empty string, got {name!r}")
        if name in self._hosts:
            raise WorldError(f"host {name!r} already exists")
        h = Host(self, name, labels)
        self._hosts[name] = h
        return h

    def host(self, name: str, create: bool = True) -> Host:
        """The host called ``name``; created if missing unless ``create=False``, in which case
        an unknown name raises :class:`WorldError`."""
        h = self._hosts.get(name)
        if h is None:
            if not create:
                known = ", ".join(sorted(self._hosts)) or "none"
                raise WorldError(f"no host named {name!r} (hosts: {known})")
            h = self.add_host(name)
        return h

    def find_host(self, name: str) -> Host | None:
        """The host called ``name``, or ``None``."""
        return self._hosts.get(name)

    @property
    def hosts(self) -> list[Host]:
        """All hosts, sorted by name."""
        return [self._hosts[n] for n in sorted(self._hosts)]

    # -- trace ---------------------------------------------------------------------------------
    def log(self, host: str, component: str, kind: str, **fields: Any) -> None:
        """Add one record to the trace at the current simulated time."""
        self.trace.add(Record(self.now, host, component, kind, fields))
