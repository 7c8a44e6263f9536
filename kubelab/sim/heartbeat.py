"""A toy failure detector for chapter 0: hosts that send each other heartbeats.

Each host sends a heartbeat to every peer every ``interval`` seconds and suspects a peer it has
not heard from for ``timeout`` seconds. This is the idea under every real liveness check in a
cluster (etcd's Raft heartbeats, the kubelet's node Lease), reduced to its core; it is not a
model of any one component.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubelab.sim.host import Host
from kubelab.sim.network import Envelope
from kubelab.sim.world import World

PORT = "heartbeat"


@dataclass
class Heartbeater:
    """Heartbeats among ``hosts``; the verdicts land in the trace as ``suspect``/``alive``."""

    world: World
    hosts: list[str]
    interval: float = 1.0
    timeout: float = 3.0
    last_seen: dict[str, dict[str, float]] = field(default_factory=dict)
    suspected: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in sorted(self.hosts):
            self.world.host(name).on_boot(self._boot)

    def _boot(self, host: Host) -> None:
        me = host.name
        peers = [p for p in sorted(self.hosts) if p != me]
        self.last_seen[me] = {p: self.world.now for p in peers}
        self.suspected[me] = set()

        def on_beat(env: Envelope) -> None:
            self.last_seen[me][env.src] = self.world.now
            self.world.log(me, "heartbeat", "heartbeat", src=env.src)
            if env.src in self.suspected[me]:
                self.suspected[me].discard(env.src)
                self.world.log(me, "heartbeat", "alive", peer=env.src)

        def beat() -> None:
            for p in peers:
                host.send(p, PORT, None)
            for p in peers:
                silent = self.world.now - self.last_seen[me][p]
                if silent >= self.timeout and p not in self.suspected[me]:
                    self.suspected[me].add(p)
                    self.world.log(me, "heartbeat", "suspect", peer=p, silent=round(silent, 3))

        host.listen(PORT, on_beat)
        host.every(self.interval, beat, first=0.0)

    def view(self) -> dict[str, list[str]]:
        """For each host, the sorted peers it currently suspects."""
        return {h: sorted(s) for h, s in sorted(self.suspected.items())}
