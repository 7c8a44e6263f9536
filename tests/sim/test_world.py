"""Tests of the simulated world: clock, randomness, hosts, disks, network, calls, trace."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import simpy

from kubelab.sim import (
    HostDown,
    NetworkError,
    RpcTimeout,
    World,
    WorldError,
    micro_timestamp,
    parse_timestamp,
    timestamp,
)


# -- clock ---------------------------------------------------------------------------------------
def test_timestamps_are_epoch_plus_simulated_seconds_in_rfc3339_z() -> None:
    assert timestamp(0) == "2024-01-01T00:00:00Z"
    # metav1.Time drops sub-second precision.
    assert timestamp(3661.9) == "2024-01-01T01:01:01Z"
    assert timestamp(86400 * 31) == "2024-02-01T00:00:00Z"
    assert micro_timestamp(1.5) == "2024-01-01T00:00:01.500000Z"
    assert parse_timestamp("2024-01-01T01:00:00Z") == 3600.0


def test_run_advances_clock_by_duration_or_to_until() -> None:
    w = World()
    w.run(duration=2.5)
    assert w.now == 2.5
    w.run(until=10)
    assert w.now == 10
    assert w.timestamp() == "2024-01-01T00:00:10Z"
    with pytest.raises(WorldError, match="exactly one"):
        w.run()
    with pytest.raises(WorldError, match="back in time"):
        w.run(until=1)


# -- randomness ----------------------------------------------------------------------------------
def test_named_streams_are_seeded_and_independent() -> None:
    a, b = World(seed=1), World(seed=1)
    assert [a.rng("x").random() for _ in range(3)] == [b.rng("x").random() for _ in range(3)]
    # Drawing from another stream first does not change stream "x".
    c = World(seed=1)
    c.rng("y").random()
    assert c.rng("x").random() == World(seed=1).rng("x").random()
    assert World(seed=2).rng("x").random() != World(seed=1).rng("x").random()


def test_uids_are_version4_uuids_from_the_seed() -> None:
    u = World(seed=5).uid()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
    assert u == World(seed=5).uid()
    w = World(seed=5)
    assert w.uid() != w.uid()


# -- hosts and disks -----------------------------------------------------------------------------
def test_crash_ends_processes_and_memory_but_disk_survives() -> None:
    w = World()
    h = w.add_host("h")
    ticks: list[float] = []

    def loop() -> simpy.events.ProcessGenerator:
        while True:
            yield w.env.timeout(1)
            ticks.append(w.now)

    h.spawn(loop())
    h.memory["cache"] = 1
    h.disk.write("term", 4)
    h.disk.sync()
    w.run(until=2.5)
    h.crash()
    w.run(until=6)
    assert ticks == [1, 2]
    assert h.memory == {}
    assert h.disk.read("term") == 4
    assert not h.up


def test_unsynced_writes_are_lost_on_crash_and_sync_calls_back_after_fsync() -> None:
    w = World()
    h = w.add_host("h")
    h.disk.slow(0.01)
    done: list[float] = []
    h.disk.write("a", 1)
    h.disk.sync(lambda: done.append(w.now))
    w.run(until=1)
    assert done == [pytest.approx(0.01)]
    h.disk.write("b", 2)
    h.disk.sync(lambda: done.append(w.now))
    w.run(duration=0.005)
    h.crash()  # before the fsync completes
    w.run(duration=1)
    assert h.disk.read("a") == 1
    assert h.disk.read("b") is None
    assert len(done) == 1


def test_fsyncs_are_serial_on_one_disk() -> None:
    w = World()
    h = w.add_host("h")
    h.disk.slow(0.1)
    done: list[float] = []
    for _ in range(3):
        h.disk.sync(lambda: done.append(round(w.now, 6)))
    w.run(until=1)
    assert done == [0.1, 0.2, 0.3]


def test_restart_runs_boot_functions_again() -> None:
    w = World()
    h = w.add_host("h")
    boots: list[int] = []
    h.on_boot(lambda host: boots.append(host.epoch))
    h.restart()
    assert boots == [0, 1]
    assert [r.kind for r in w.trace.filter(host="h")] == ["crash", "start"]


def test_timers_stop_at_crash_and_can_be_cancelled() -> None:
    w = World()
    h = w.add_host("h")
    fired: list[str] = []
    h.call_later(1, fired.append, "a")
    t = h.call_later(1, fired.append, "b")
    t.cancel()
    h.call_later(3, fired.append, "c")
    h.every(1, lambda: fired.append("tick"))
    w.run(until=2.5)
    h.crash()
    h.start()
    w.run(until=5)
    assert fired == ["a", "tick", "tick"]


# -- network -------------------------------------------------------------------------------------
def test_latency_and_jitter_bound_delivery_time() -> None:
    w = World()
    a, b = w.add_host("a"), w.add_host("b")
    w.network.set_link("a", "b", latency=0.1, jitter=0.05)
    got: list[float] = []
    b.listen("p", lambda env: got.append(w.now))
    for _ in range(50):
        a.send("b", "p", None)
    w.run(until=1)
    assert len(got) == 50
    assert all(0.1 <= t <= 0.15 for t in got)
    assert got == sorted(got)  # FIFO per link


def test_reordering_link_can_reorder() -> None:
    w = World(seed=1)
    a, b = w.add_host("a"), w.add_host("b")
    w.network.set_link("a", "b", latency=0.0, jitter=1.0, reorder=True)
    got: list[int] = []
    b.listen("p", lambda env: got.append(env.payload))
    for i in range(20):
        a.send("b", "p", i)
    w.run(until=2)
    assert sorted(got) == list(range(20))
    assert got != list(range(20))


def test_loss_drops_about_the_given_fraction() -> None:
    w = World(seed=2)
    a, b = w.add_host("a"), w.add_host("b")
    w.network.set_link("a", "b", loss=0.3)
    got: list[int] = []
    b.listen("p", lambda env: got.append(1))
    for _ in range(2000):
        a.send("b", "p", None)
    w.run(until=1)
    assert 1250 < len(got) < 1550  # 1400 expected; ±150 is > 6 standard deviations


def test_partition_loses_messages_both_ways_until_heal() -> None:
    w = World()
    a, b, c = w.add_host("a"), w.add_host("b"), w.add_host("c")
    got: list[tuple[str, str]] = []
    for h in (a, b, c):
        h.listen("p", lambda env, h=h: got.append((env.src, h.name)))
    w.network.partition(["a"], ["b"])
    a.send("b", "p", None)
    b.send("a", "p", None)
    a.send("c", "p", None)
    w.run(until=1)
    assert got == [("a", "c")]
    assert not w.network.connected("a", "b")
    w.network.heal()
    a.send("b", "p", None)
    w.run(until=2)
    assert got[-1] == ("a", "b")


def test_message_in_flight_when_partition_starts_is_lost() -> None:
    w = World()
    a, b = w.add_host("a"), w.add_host("b")
    w.network.set_link("a", "b", latency=1.0, jitter=0)
    got: list[int] = []
    b.listen("p", lambda env: got.append(1))
    a.send("b", "p", None)
    w.run(until=0.5)
    w.network.isolate("b")
    w.run(until=2)
    assert got == []


def test_sending_to_a_crashed_host_never_raises() -> None:
    w = World()
    a, b = w.add_host("a"), w.add_host("b")
    b.listen("p", lambda env: None)
    b.crash()
    a.send("b", "p", None)
    a.send("b", "nobody", None)
    w.run(until=1)
    assert w.network.dropped == 2


def test_bad_fault_requests_name_the_problem() -> None:
    w = World()
    w.add_host("a")
    w.add_host("b")
    with pytest.raises(WorldError, match="no host named 'zz' \\(hosts: a, b\\)"):
        w.network.partition(["a"], ["zz"])
    with pytest.raises(NetworkError, match="loss must be a probability between 0 and 1, got 2"):
        w.network.set_link("a", "b", loss=2)
    with pytest.raises(NetworkError, match="more than one group"):
        w.network.partition(["a"], ["a", "b"])
    with pytest.raises(NetworkError, match="at least two groups"):
        w.network.partition(["a"])


# -- calls ---------------------------------------------------------------------------------------
def test_call_returns_response_after_round_trip() -> None:
    w = World()
    a, b = w.add_host("a"), w.add_host("b")
    w.network.set_link("a", "b", latency=0.2, jitter=0)
    b.serve("echo", lambda req, respond, src: respond((src, req)))
    assert w.wait(a.call("b", "echo", "hi", timeout=5)) == ("a", "hi")
    assert w.now == pytest.approx(0.4)


def test_call_times_out_and_server_errors_propagate() -> None:
    w = World()
    a, b = w.add_host("a"), w.add_host("b")
    b.serve("boom", lambda req, respond, src: respond(KeyError("nope")))
    with pytest.raises(KeyError):
        w.wait(a.call("b", "boom", None, timeout=5))
    b.crash()
    with pytest.raises(RpcTimeout, match=r"no answer from b \(boom\) within 5s"):
        w.wait(a.call("b", "boom", None, timeout=5))
    assert w.now == pytest.approx(5.0 + 0.001, abs=0.001)


def test_caller_crash_fails_its_pending_calls() -> None:
    w = World()
    a, b = w.add_host("a"), w.add_host("b")
    b.serve("slow", lambda req, respond, src: b.call_later(10, respond, "late"))
    ev = a.call("b", "slow", None, timeout=60)
    w.run(until=1)
    a.crash()
    with pytest.raises(HostDown):
        w.wait(ev)


def test_wait_with_timeout_gives_up_in_simulated_time() -> None:
    w = World()
    with pytest.raises(TimeoutError, match="within 3 simulated seconds"):
        w.wait(w.env.event(), timeout=3)
    assert w.now == 3


# -- trace ---------------------------------------------------------------------------------------
def test_trace_filter_and_table() -> None:
    w = World()
    w.log("a", "etcd", "elected", term=2)
    w.run(until=1)
    w.log("b", "etcd", "vote", term=2, to="a")
    w.log("b", "kubelet", "started")
    t = w.trace
    assert len(t.filter(host="b")) == 2
    assert len(t.filter(component="etcd", term=2)) == 2
    assert len(t.filter(kind=["vote", "started"], since=0.5)) == 2
    assert len(t.filter(until=0.5)) == 1
    text = t.table()
    assert text.splitlines()[0].split() == ["TIME", "HOST", "COMPONENT", "KIND", "FIELDS"]
    assert "term=2 to=a" in text
    assert t.dumps().count("\n") == 3


def test_timeline_plots_one_lane_per_host() -> None:
    import matplotlib

    matplotlib.use("Agg")
    w = World()
    w.log("a", "x", "k1")
    w.log("b", "x", "k2")
    ax = w.trace.timeline()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]


# -- determinism ---------------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_traces_across_processes() -> None:
    script = Path(__file__).with_name("scenario.py")
    root = Path(__file__).resolve().parents[2]
    outs = []
    for hashseed in ("0", "12345", "random"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed, PYTHONPATH=str(root))
        res = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
        )
        outs.append(res.stdout)
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].count("\n") > 100
    assert '"kind":"crash"' in outs[0] and '"kind":"suspect"' in outs[0]


def test_sending_to_a_host_that_does_not_exist_is_a_lost_message() -> None:
    w = World()
    a = w.add_host("a")
    a.send("nowhere", "p", None)
    w.run(until=1)
    assert w.network.dropped == 1


def test_running_for_zero_seconds_is_a_no_op() -> None:
    w = World()
    w.run(duration=0)
    w.run(until=0)
    assert w.now == 0


def test_a_negative_duration_is_refused_with_the_rule() -> None:
    w = World()
    with pytest.raises(WorldError, match="needs a duration of seconds >= 0, got -1"):
        w.run(duration=-1)
