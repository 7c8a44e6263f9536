"""A small scenario exercising every part of the world; the determinism test runs it in
separate processes and compares the traces byte for byte."""

from __future__ import annotations

from kubelab.sim import World
from kubelab.sim.heartbeat import Heartbeater


def run(seed: int = 3) -> str:
    w = World(seed=seed)
    names = ["node-b", "cp-1", "node-a", "etcd-x"]
    Heartbeater(w, names, interval=0.5, timeout=1.6)
    w.network.set_link("cp-1", "node-a", latency=0.01, jitter=0.02, loss=0.2, reorder=True)
    # Set-ordered data: iteration order of str sets depends on PYTHONHASHSEED.
    labels = {f"k{i}" for i in range(20)}
    for h in w.hosts:
        h.disk.write("labels", sorted(labels))
        h.disk.sync()
    w.run(until=3)
    w.network.partition({"node-a", "node-b"}, {"cp-1", "etcd-x"})
    w.run(until=6)
    w.host("cp-1").crash()
    w.network.heal()
    w.run(until=8)
    w.host("cp-1").start()
    w.log("scenario", "test", "uids", a=w.uid(), b=w.uid("other"))
    w.run(until=11)
    return w.trace.dumps()


if __name__ == "__main__":
    print(run(), end="")
