"""The deterministic simulated world every kubelab component runs in (on SimPy)."""

from kubelab.sim.clock import EPOCH, micro_timestamp, parse_timestamp, timestamp
from kubelab.sim.host import Disk, Host, HostDown, RpcTimeout, Timer
from kubelab.sim.network import Envelope, Link, Network, NetworkError
from kubelab.sim.trace import Record, Trace
from kubelab.sim.world import World, WorldError

__all__ = [
    "EPOCH",
    "Disk",
    "Envelope",
    "Host",
    "HostDown",
    "Link",
    "Network",
    "NetworkError",
    "Record",
    "RpcTimeout",
    "Timer",
    "Trace",
    "World",
    "WorldError",
    "micro_timestamp",
    "parse_timestamp",
    "timestamp",
]
