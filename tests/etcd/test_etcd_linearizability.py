"""Linearizability of the etcd model under faults, checked like Jepsen checks real etcd.

Several clients, each on its own host, issue reads, writes and compare-and-swaps (txn) on a few
keys while a nemesis crashes and restarts members, partitions them and makes links lossy. Every
call is recorded with its invoke and return time (simulated), and the history is checked with
:func:`kubelab.etcd.linearizability.check`. A request that got no answer may or may not have
taken effect (``ok=None``), as in etcd's robustness tests.

The checker must also be able to fail: serializable reads served by a member cut off from the
majority return stale values, and such a history is rejected.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import simpy

from kubelab.etcd import ErrNoLeader, ErrTimeout, EtcdClient, EtcdCluster
from kubelab.etcd.linearizability import Operation, check
from kubelab.etcd.server import ErrProposalDropped
from kubelab.sim import World

KEYS = ("x", "y")


class Recorder:
    """Closed-loop clients issuing random operations and recording them."""

    def __init__(
        self,
        world: World,
        clients: list[EtcdClient],
        rng: random.Random,
        until: float,
        serializable: bool = False,
    ) -> None:
        self.world = world
        self.clients = clients
        self.rng = rng
        self.until = until
        self.serializable = serializable
        self.history: list[Operation] = []
        self.in_flight = 0
        self._n = 0

    def start(self) -> None:
        for cli in self.clients:
            self._next(cli)

    def _later(self, delay: float, fn: Callable[[], None]) -> None:
        ev = simpy.Timeout(self.world.env, delay)
        ev.callbacks.append(lambda _e: fn())

    def _next(self, cli: EtcdClient) -> None:
        if self.world.now >= self.until:
            return
        self._later(self.rng.uniform(0.0, 0.15), lambda: self._issue(cli))

    def _issue(self, cli: EtcdClient) -> None:
        rng = self.rng
        key = rng.choice(KEYS)
        name = cli.host.name
        self._n += 1
        value = f"{name}-{self._n}"
        kind = rng.choices(["read", "write", "cas", "delete"], [4, 3, 2, 1])[0]
        invoke = self.world.now
        self.in_flight += 1

        def record(**kw: Any) -> None:
            self.in_flight -= 1
            self.history.append(Operation(client=name, key=key, invoke=invoke, **kw))
            self._next(cli)

        def outcome(err: BaseException) -> bool | None:
            # certainly not applied: the member dropped the proposal (no leader / transfer)
            return False if isinstance(err, ErrNoLeader | ErrProposalDropped) else None

        if kind == "read":

            def read_done(ok: bool, resp: Any) -> None:
                now = self.world.now
                if ok:
                    kvs = resp["kvs"]
                    got = kvs[0]["value"].decode() if kvs else None
                    record(kind="read", value=got, ok=True, complete=now)
                else:
                    record(kind="read", ok=False, complete=now)

            body = {"key": key.encode(), "serializable": self.serializable}
            cli.request("Range", body, read_done, idempotent=True)
        elif kind in ("write", "delete"):

            def write_done(ok: bool, resp: Any) -> None:
                now = self.world.now
                res = True if ok else outcome(resp)
                record(
                    kind=kind,
                    value=value if kind == "write" else None,
                    ok=res,
                    complete=now if res is not None else float("inf"),
                )

            if kind == "write":
                cli.request("Put", {"key": key.encode(), "value": value.encode()}, write_done)
            else:
                cli.request("DeleteRange", {"key": key.encode()}, write_done)
        else:
            expected = rng.choice([None, *[h.value for h in self.history[-6:] if h.value]])
            if expected is None:
                cmp = {"key": key, "target": "VERSION", "result": "EQUAL", "version": 0}
            else:
                cmp = {"key": key, "target": "VALUE", "result": "EQUAL", "value": expected}
            body = {
                "compare": [cmp],
                "success": [{"request_put": {"key": key, "value": value}}],
                "failure": [],
            }

            def cas_done(ok: bool, resp: Any) -> None:
                now = self.world.now
                res = True if ok else outcome(resp)
                record(
                    kind="cas",
                    value=value,
                    expected=expected,
                    ok=res,
                    complete=now if res is not None else float("inf"),
                    succeeded=bool(resp["succeeded"]) if ok else True,
                )

            cli.request("Txn", body, cas_done)


def _nemesis(world: World, c: EtcdCluster, rng: random.Random, until: float) -> None:
    """Random faults between t=1 s and ``until``, each undone a few seconds later."""
    env = world.env
    names = c.names

    def at(t: float, fn: Callable[[], None]) -> None:
        ev = simpy.Timeout(env, max(t - world.now, 0.0))
        ev.callbacks.append(lambda _e: fn())

    t = world.now + 1.0
    while t < until:
        kind = rng.choice(["crash", "crash-leader", "partition", "isolate-leader", "lossy"])
        dur = rng.uniform(0.5, 3.0)
        if kind in ("crash", "crash-leader"):

            def crash(kind: str = kind, dur: float = dur) -> None:
                lead = c.leader()
                m = lead if kind == "crash-leader" and lead else c.member(rng.choice(names))
                m.crash()
                at(world.now + dur, m.start)

            at(t, crash)
        elif kind in ("partition", "isolate-leader"):

            def cut(kind: str = kind) -> None:
                lead = c.leader()
                alone = lead.name if kind == "isolate-leader" and lead else rng.choice(names)
                world.network.partition([alone], [n for n in names if n != alone])

            at(t, cut)
            at(t + dur, world.network.heal)
        else:
            a, b = rng.sample(names, 2)

            def lossy(a: str = a, b: str = b) -> None:
                world.network.set_link(a, b, loss=0.3)

            at(t, lossy)
            at(t + dur, lambda a=a, b=b: world.network.reset_link(a, b))
        t += rng.uniform(0.5, 2.5)


def _run(seed: int, members: int = 3, serializable: bool = False) -> list[Operation]:
    w = World(seed=seed)
    c = EtcdCluster(w, members=members)
    c.wait_for_leader()
    clients = [c.client(host=f"client-{i}", timeout=2.0) for i in range(1, 5)]
    rng = w.rng("linearizability-test")
    until = w.now + 15.0
    rec = Recorder(w, clients, rng, until, serializable=serializable)
    rec.start()
    _nemesis(w, c, w.rng("nemesis"), until)
    w.run(until=until + 4.0)
    # quiesce: undo every fault and let the calls in flight finish
    w.network.heal()
    for a in c.names:
        for b in c.names:
            if a < b:
                w.network.reset_link(a, b)
    for m in c.members:
        if not m.host.up:
            m.start()
    w.run(duration=6.0)
    assert rec.in_flight == 0
    return rec.history


@pytest.mark.parametrize("seed", range(50))
def test_histories_under_faults_are_linearizable(seed: int) -> None:
    history = _run(seed, members=5 if seed % 5 == 4 else 3)
    completed = [op for op in history if op.ok]
    assert len(completed) >= 20, "the run must do real work"
    result = check(history)
    assert result.ok, result.explanation


def test_fault_runs_exercise_the_interesting_cases() -> None:
    # across a few seeds the histories contain lost-answer writes and failed cas
    hist = [op for seed in range(5) for op in _run(seed)]
    assert any(op.ok is None for op in hist)
    assert any(op.kind == "cas" and op.ok and not op.succeeded for op in hist)
    assert any(op.kind == "cas" and op.ok and op.succeeded for op in hist)
    assert any(op.kind == "read" and op.ok and op.value is None for op in hist)


def test_stale_serializable_reads_from_a_partitioned_member_are_rejected() -> None:
    w = World(seed=77)
    c = EtcdCluster(w, members=3)
    lead = c.wait_for_leader()
    cut = next(m for m in c.members if m is not lead)
    writer = c.client([m.name for m in c.members if m is not cut], host="writer")
    reader = c.client([cut.name], host="reader")
    history: list[Operation] = []

    def write(v: str) -> None:
        t = w.now
        writer.put("x", v)
        history.append(Operation("writer", "write", "x", v, invoke=t, complete=w.now))

    def read() -> None:
        t = w.now
        kvs = reader.get("x", serializable=True)["kvs"]
        got = kvs[0]["value"] if kvs else None
        history.append(Operation("reader", "read", "x", got, invoke=t, complete=w.now))

    write("1")
    w.run(duration=0.5)
    read()
    w.network.partition([cut.name], [m.name for m in c.members if m is not cut])
    write("2")  # the majority commits it; the cut-off member never hears of it
    w.run(duration=0.01)  # strictly after the write returned (touching intervals overlap)
    read()  # serializable: answered from the stale local store
    result = check(history)
    assert not result.ok
    assert "x" in result.failed_keys
    assert history[-1].value == "1"
    # the same read, linearizable, cannot be confirmed by a leader: it fails instead of lying
    with pytest.raises(ErrTimeout):
        c.client([cut.name], host="reader", timeout=2).get("x")


@pytest.mark.parametrize("seed", range(3))
def test_randomized_serializable_reads_under_partitions_are_caught(seed: int) -> None:
    # the broken configuration with the random workload: every read is serializable and the
    # nemesis partitions members; the checker finds the stale reads
    found = False
    for s in range(seed * 10, seed * 10 + 10):
        if not check(_run(1000 + s, serializable=True)).ok:
            found = True
            break
    assert found
