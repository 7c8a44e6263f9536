"""The Raft paper's Figure 16 leader-election experiment, with etcd's Raft state machine.

Ongaro & Ousterhout (USENIX ATC 2014, §9.3, Figure 16; dissertation ch. 9,
``leaderelection/real.tex``) measured how long a five-server LogCabin cluster is without a
leader after the leader crashes. This module repeats that experiment in the simulated world,
with the real :class:`~kubelab.etcd.raft.RawNode` in each server (FIDELITY A5 lists the setup):

* five servers; the leader ``s1`` crashes, four survive;
* broadcast time ≈ 15 ms = network round trip + one disk write. Choice here: one-way latency
  0.5 ms plus up to 0.1 ms jitter (the simulator's in-datacentre link) and an fsync of 13.9 ms,
  so an RPC whose receiver persists before replying (a vote, an append) takes 15.0 ms on
  average. The disk writes follow etcd's Ready rule: a candidate persists its term and vote
  before its MsgVote leaves, a voter persists its vote before answering, a leader sends in
  parallel with its own write (etcd raft.go; thesis §10.2.1);
* election timeout uniform in [T_min, T_max] ms (``Config.election_tick_max``), in ticks of
  1 ms so that "150–151 ms" is representable; each server's tick clock has its own random
  phase; heartbeat interval T_min/2 (rounded down to whole ticks);
* different log lengths: the last entries reached only ``s2`` and ``s3``, so the two other
  survivors (``s4``, ``s5``) cannot win an election (paper §5.4.1 election restriction);
* a synchronized heartbeat broadcast (etcd's leader sends MsgHeartbeat to every follower at
  once), then the crash at a uniformly random point of the heartbeat interval that follows;
* downtime = from the crash until every surviving follower has received a MsgApp or
  MsgHeartbeat from the new leader in the leader's term (the instant the last of them does).
  That is the paper's "until the other servers received the new leader's first heartbeat",
  made exact: a leader a survivor has not accepted yet does not end the outage;
* LogCabin had neither PreVote nor CheckQuorum, so the paper's lines run without them
  (``pre_vote=False, check_quorum=False``); pass ``True`` for etcd's defaults.

A trial that elects no leader within ``cap_ms`` of the crash returns ``math.inf``. The set-up
before the crash (first election, replication) runs with instant fsyncs, so that it converges
for every line, even those whose timeouts are shorter than the broadcast time.

Two rules of etcd's Raft that LogCabin does not have shape the results (raft.go): a member that
sees a higher term restarts its election timer (``becomeFollower`` → ``reset``), so a lagging
candidate pushes every timer back; and a candidate that lost its election (``VoteLost``)
becomes a follower and restarts its timer, so after a split vote the timers start together
again.

Driver: a thin Ready loop per server, like :mod:`kubelab.etcd.server` but without the MVCC
store, and with ticks applied lazily — the tick at which a timer fires gets a wake-up, the
ticks in between are applied when the next input arrives — so a 1 ms tick costs no event.
No tick is lost while a member waits for its disk (etcd's server loop, blocked in fsync, would
drop ticks of its Go ticker; with etcd's 100 ms ticks that does not happen).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import simpy

from kubelab.etcd.raft import Config, Message, MessageType, RawNode, Ready, StateType
from kubelab.sim.world import World

__all__ = [
    "BOTTOM_LINES",
    "DEFAULT_CAP_MS",
    "DEFAULT_FSYNC_MS",
    "DEFAULT_JITTER_MS",
    "DEFAULT_LATENCY_MS",
    "ELIGIBLE",
    "LAGGING",
    "LEADER",
    "SERVERS",
    "TOP_LINES",
    "TrialResult",
    "broadcast_time_ms",
    "run_line",
    "run_trial",
    "trial",
    "trial_seed",
]

#: The five servers; ``s1`` leads and crashes, ``s2``/``s3`` hold every entry, ``s4``/``s5`` lag.
SERVERS = ("s1", "s2", "s3", "s4", "s5")
LEADER = "s1"
ELIGIBLE = ("s2", "s3")
LAGGING = ("s4", "s5")

#: One-way latency and jitter of a link: the simulator's in-datacentre default
#: (kubelab.sim.network DEFAULT_LATENCY/DEFAULT_JITTER; etcd op-guide/performance.md).
DEFAULT_LATENCY_MS = 0.5
DEFAULT_JITTER_MS = 0.1
#: fsync latency chosen so that round trip + disk write = 15 ms (paper §9.3: "broadcast time
#: (network round trip plus disk write) of roughly 15 ms").
DEFAULT_FSYNC_MS = 13.9
#: A trial without a leader this long after the crash stops and counts as ``inf`` (the paper:
#: without randomness "leader election consistently took longer than 10 seconds").
DEFAULT_CAP_MS = 10_000.0
#: Ticks of 1 ms, fine enough for the "150–151 ms" line.
TICK_MS = 1.0

#: Figure 16 top (vary the randomness; the paper ran 100 trials for 150–150 ms) and bottom
#: (scale the minimum timeout, range [T, 2T]), in ms.
TOP_LINES: tuple[tuple[int, int], ...] = (
    (150, 150),
    (150, 151),
    (150, 155),
    (150, 175),
    (150, 200),
    (150, 300),
)
BOTTOM_LINES: tuple[tuple[int, int], ...] = ((12, 24), (25, 50), (50, 100), (100, 200), (150, 300))

_LEADER_STATE = StateType.StateLeader
_APP = MessageType.MsgApp
_BEAT = MessageType.MsgHeartbeat
_ROLE = {
    StateType.StateLeader: "leader",
    StateType.StateFollower: "follower",
    StateType.StateCandidate: "candidate",
    StateType.StatePreCandidate: "pre-candidate",
}


def broadcast_time_ms(
    latency_ms: float = DEFAULT_LATENCY_MS,
    jitter_ms: float = DEFAULT_JITTER_MS,
    fsync_ms: float = DEFAULT_FSYNC_MS,
) -> float:
    """Mean time of one RPC whose receiver persists before replying: two one-way trips
    (latency plus mean jitter) and one fsync."""
    return 2 * (latency_ms + jitter_ms / 2) + fsync_ms


@dataclass
class TrialResult:
    """One trial: the downtime and how the election went."""

    downtime_ms: float
    #: The server that became the stable leader ("" if none within the cap).
    leader: str
    #: Term of the stable leader minus the term at the crash: 1 = elected at the first try.
    terms: int
    #: Every server that was leader at some point after the crash, in order.
    leaders: list[str]
    #: Every server that became candidate after the crash, once per candidacy, in order.
    candidates: list[str]
    crash_at_ms: float
    #: When the leader sent its last (synchronized) heartbeat broadcast before the crash.
    heartbeat_at_ms: float
    #: Each server's (last index, its term) and commit index at the crash.
    logs_at_crash: dict[str, tuple[int, int, int]]
    t_min_ms: int
    t_max_ms: int
    #: The world the trial ran in (its trace is filled only with ``trace=True``).
    world: World = field(repr=False)

    @property
    def candidacies(self) -> int:
        """How many times a survivor became candidate (pre-candidacies not counted)."""
        return len(self.candidates)


class _Node:
    """One server: a RawNode driven by ticks, peer messages and its disk."""

    __slots__ = (
        "env",
        "et",
        "exp",
        "hb",
        "host",
        "name",
        "phase",
        "raw",
        "syncing",
        "tick_s",
        "ticks",
        "wake_gen",
        "wake_tick",
    )

    def __init__(self, exp: _Experiment, name: str, cfg: Config, phase: float) -> None:
        self.exp = exp
        self.name = name
        self.env = exp.env
        self.host = exp.world.host(name)
        self.raw = RawNode(cfg, exp.world.rng(f"{name}/raft"))
        self.et = cfg.election_tick
        self.hb = cfg.heartbeat_tick
        self.tick_s = exp.tick_s
        self.phase = phase  # tick k happens at phase + k * tick
        self.ticks = 0
        self.syncing = False
        self.wake_gen = 0
        self.wake_tick = -1
        self._schedule_wake()

    # -- time ------------------------------------------------------------------------------
    def _catch_up(self) -> None:
        """Apply every tick whose time has come (they only count unless a timer fires)."""
        due = math.floor((self.env.now - self.phase) / self.tick_s + 1e-9)
        n = due - self.ticks
        if n > 0:
            self.ticks = due
            self.raw.tick(n)

    def _schedule_wake(self) -> None:
        """Wake up at the tick on which the next timer fires (campaign or heartbeat)."""
        raw = self.raw
        if raw.state is _LEADER_STATE:
            n = self.hb - raw.heartbeat_elapsed
            if self.exp.check_quorum:
                n = min(n, self.et - raw.election_elapsed)
        else:
            n = raw.randomized_election_timeout - raw.election_elapsed
        k = self.ticks + max(1, n)
        if k == self.wake_tick:
            return
        self.wake_tick = k
        self.wake_gen += 1
        gen = self.wake_gen
        delay = max(0.0, self.phase + k * self.tick_s - self.env.now)
        ev = simpy.Timeout(self.env, delay)
        ev.callbacks.append(lambda _e: self._on_wake(gen))

    def _on_wake(self, gen: int) -> None:
        if gen != self.wake_gen or not self.host.up:
            return
        self.wake_tick = -1
        self._catch_up()
        self._run()

    # -- inputs ----------------------------------------------------------------------------
    def _deliver(self, m: Message) -> None:
        if self.host.up:  # a crashed host loses what arrives (Network._deliver)
            self._receive(m)

    def _receive(self, m: Message) -> None:
        self._catch_up()
        raw = self.raw
        raw.step(m)
        exp = self.exp
        if (
            exp.crash_at is not None
            and (m.type is _APP or m.type is _BEAT)
            and raw.lead == m.from_
            and raw.term == m.term
        ):
            exp.heard_from(self.name, m.from_, m.term)
        self._run()

    def propose(self, data: object) -> None:
        """Propose one entry (the leader, during set-up)."""
        self._catch_up()
        self.raw.propose(data)
        self._run()

    # -- the Ready loop (etcd server/etcdserver/raft.go start) -----------------------------------
    def _run(self) -> None:
        raw = self.raw
        exp = self.exp
        while not self.syncing and self.host.up and raw.has_ready():
            rd = raw.ready()
            if rd.soft_state is not None or rd.hard_state is not None:
                exp.role_changed(self.name, raw.state, raw.term)
            sent = False
            if raw.state is _LEADER_STATE and rd.messages:
                self._send(rd.messages)  # the leader writes and sends in parallel
                sent = True
            if rd.must_sync:
                self.syncing = True
                self.host.disk.sync(lambda rd=rd, sent=sent: self._synced(rd, sent))  # type: ignore[misc]
                break
            self._finish(rd, sent)
        self._schedule_wake()

    def _synced(self, rd: Ready, sent: bool) -> None:
        self.syncing = False
        self._catch_up()
        self._finish(rd, sent)
        self._run()

    def _finish(self, rd: Ready, sent: bool) -> None:
        if not sent and rd.messages:
            self._send(rd.messages)  # followers and candidates: only after the fsync
        self.raw.advance(rd)

    def _send(self, msgs: Sequence[Message]) -> None:
        """Send over the world's network links: the same latency, jitter draws (stream
        "network") and per-link FIFO order as ``Network.send``, without building an
        envelope per message (a trial sends hundreds of thousands)."""
        exp = self.exp
        me = self.name
        drop_lagging = exp.hold_back
        env = self.env
        now = env.now
        lat, jit, draw = exp.latency_s, exp.jitter_s, exp.net_random
        last_arrival = exp.last_arrival
        nodes = exp.nodes
        for m in msgs:
            if drop_lagging and m.type is _APP and m.entries and m.to in LAGGING:
                continue  # set-up: the newest entries reach only s2 and s3
            delay = lat
            if jit:
                delay += jit * draw()
            key = (me, m.to)
            last = last_arrival.get(key, 0.0)
            if now + delay < last:
                delay = last - now  # FIFO per link, as over one TCP connection
            last_arrival[key] = now + delay
            ev = simpy.Timeout(env, delay)
            ev.callbacks.append(partial(_deliver, nodes[m.to], m))


def _deliver(node: _Node, m: Message, _ev: simpy.Event) -> None:
    node._deliver(m)


class _Experiment:
    """One trial's world, servers and bookkeeping."""

    def __init__(
        self,
        t_min_ms: int,
        t_max_ms: int,
        seed: int,
        *,
        pre_vote: bool,
        check_quorum: bool,
        latency_ms: float,
        jitter_ms: float,
        fsync_ms: float,
        trace: bool,
    ) -> None:
        tick = TICK_MS
        et = round(t_min_ms / tick)
        et_max = round(t_max_ms / tick)
        hb = max(1, math.floor(t_min_ms / 2 / tick))
        self.world = world = World(seed)
        world.trace.enabled = trace
        self.env = world.env
        self.tick_s = tick / 1000
        self.check_quorum = check_quorum
        self.trace = trace
        self.hold_back = False
        self.crash_at: float | None = None
        self.heard: dict[str, tuple[str, int]] = {}
        self.leaders: list[str] = []
        self.candidates: list[str] = []
        self.heartbeat_at = math.nan
        self._roles: dict[str, tuple[StateType, int]] = {}
        self.done = self.env.event()
        self.end_time = math.inf
        world.network.set_default(latency=latency_ms / 1000, jitter=jitter_ms / 1000)
        self.latency_s = latency_ms / 1000
        self.jitter_s = jitter_ms / 1000
        self.net_random = world.rng("network").random
        self.last_arrival: dict[tuple[str, str], float] = {}
        clock = world.rng("fig16/clocks")
        self.nodes: dict[str, _Node] = {}
        self.fsync_s = fsync_ms / 1000
        for name in SERVERS:
            world.add_host(name)  # set-up runs with instant fsyncs; the crash with fsync_ms
        for name in SERVERS:
            cfg = Config(
                id=name,
                peers=SERVERS,
                election_tick=et,
                election_tick_max=et_max,
                heartbeat_tick=hb,
                pre_vote=pre_vote,
                check_quorum=check_quorum,
            )
            self.nodes[name] = _Node(self, name, cfg, clock.random() * self.tick_s)

    # -- bookkeeping -------------------------------------------------------------------------
    def role_changed(self, name: str, state: StateType, term: int) -> None:
        if self.crash_at is None or self._roles.get(name) == (state, term):
            return
        self._roles[name] = (state, term)
        if state is StateType.StateCandidate:
            self.candidates.append(name)
        elif state is _LEADER_STATE:
            self.leaders.append(name)
        if self.trace:
            self.world.log(name, "raft", f"become-{_ROLE[state]}", term=term)

    def heard_from(self, name: str, leader: str, term: int) -> None:
        key = (leader, term)
        if self.heard.get(name) == key:
            return
        self.heard[name] = key
        if self.trace:
            self.world.log(name, "raft", "leader-known", leader=leader, term=term)
        node = self.nodes[leader]
        lead = node.raw
        if not node.host.up or lead.state is not _LEADER_STATE or lead.term != term:
            return  # e.g. the old leader's last heartbeat, still in flight at the crash
        for other in SERVERS:
            if other != LEADER and other != leader and self.heard.get(other) != key:
                return
        if not self.done.triggered:
            self.end_time = self.env.now
            self.done.succeed()

    # -- the procedure -----------------------------------------------------------------------
    def _run_until(self, cond: object, limit: float) -> None:
        """Advance 1 ms at a time until ``cond()`` holds (set-up only)."""
        world = self.world
        assert callable(cond)
        end = world.now + limit
        while not cond():
            if world.now >= end:
                raise RuntimeError("fig16 set-up did not converge")
            world.run(duration=0.001)

    def setup_and_crash(self, rng: random.Random) -> float:
        nodes = self.nodes
        leader = nodes[LEADER]
        # 1. s1 becomes leader (an election at an otherwise idle cluster).
        leader.raw.campaign()
        leader._run()
        self._run_until(lambda: leader.raw.state is _LEADER_STATE, 2.0)
        # 2. three entries reach everybody ...
        for k in range(3):
            leader.propose(f"entry-{k + 1}")
        last = leader.raw.last_index
        self._run_until(lambda: all(n.raw.commit >= last for n in nodes.values()), 2.0)
        # 3. ... then two more reach only s2 and s3 (committed: 3 of 5).
        self.hold_back = True
        for k in range(3, 5):
            leader.propose(f"entry-{k + 1}")
        last = leader.raw.last_index
        self._run_until(
            lambda: (
                leader.raw.commit >= last and all(nodes[e].raw.last_index >= last for e in ELIGIBLE)
            ),
            2.0,
        )
        # 4. the crash, at a uniformly random point of a heartbeat interval that starts with a
        # synchronized broadcast: disks at their real speed, two more heartbeat rounds first.
        for name in SERVERS:
            self.world.host(name).disk.slow(self.fsync_s)
        raw = leader.raw
        hb = leader.hb
        leader._catch_up()
        beat_tick = leader.ticks + (hb - raw.heartbeat_elapsed) + hb
        beat_at = leader.phase + beat_tick * self.tick_s
        crash_at = beat_at + rng.random() * hb * self.tick_s
        self.heartbeat_at = beat_at
        self.world.run(until=crash_at)
        leader.host.crash()
        self.hold_back = False
        self.crash_at = self.world.now
        for name, node in sorted(nodes.items()):
            self._roles[name] = (node.raw.state, node.raw.term)
        return self.world.now


def trial(
    t_min_ms: int,
    t_max_ms: int,
    seed: int,
    *,
    pre_vote: bool = False,
    check_quorum: bool = False,
    latency_ms: float = DEFAULT_LATENCY_MS,
    jitter_ms: float = DEFAULT_JITTER_MS,
    fsync_ms: float = DEFAULT_FSYNC_MS,
    cap_ms: float = DEFAULT_CAP_MS,
    trace: bool = False,
) -> TrialResult:
    """Run one Figure 16 trial and return its downtime with details (see the module doc)."""
    if not (0 < t_min_ms <= t_max_ms) or int(t_min_ms) != t_min_ms or int(t_max_ms) != t_max_ms:
        raise ValueError(f"need whole milliseconds 0 < T_min <= T_max, got {t_min_ms}-{t_max_ms}")
    if t_min_ms < 3:
        raise ValueError("T_min must be at least 3 ms (heartbeat T_min/2 below the timeout)")
    exp = _Experiment(
        int(t_min_ms),
        int(t_max_ms),
        seed,
        pre_vote=pre_vote,
        check_quorum=check_quorum,
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        fsync_ms=fsync_ms,
        trace=trace,
    )
    crash_at = exp.setup_and_crash(exp.world.rng("fig16/crash"))
    term0 = exp.nodes[LEADER].raw.term
    logs = {}
    for name, node in sorted(exp.nodes.items()):
        raw = node.raw
        logs[name] = (raw.last_index, raw.term_at(raw.last_index) or 0, raw.commit)
    env = exp.env
    env.run(until=env.any_of([exp.done, env.timeout(cap_ms / 1000)]))
    if exp.done.triggered:
        leader = exp.leaders[-1]
        downtime = (exp.end_time - crash_at) * 1000
        terms = exp.nodes[leader].raw.term - term0
    else:
        leader, downtime, terms = "", math.inf, 0
    return TrialResult(
        downtime_ms=downtime,
        leader=leader,
        terms=terms,
        leaders=list(exp.leaders),
        candidates=list(exp.candidates),
        crash_at_ms=crash_at * 1000,
        heartbeat_at_ms=exp.heartbeat_at * 1000,
        logs_at_crash=logs,
        t_min_ms=int(t_min_ms),
        t_max_ms=int(t_max_ms),
        world=exp.world,
    )


def run_trial(
    t_min_ms: int,
    t_max_ms: int,
    seed: int,
    *,
    pre_vote: bool = False,
    check_quorum: bool = False,
    cap_ms: float = DEFAULT_CAP_MS,
) -> float:
    """Downtime in ms of one trial (``math.inf`` if no leader within ``cap_ms``)."""
    return trial(
        t_min_ms, t_max_ms, seed, pre_vote=pre_vote, check_quorum=check_quorum, cap_ms=cap_ms
    ).downtime_ms


def trial_seed(seed: int, i: int) -> int:
    """The world seed of trial ``i`` of a line run with ``seed`` (see :func:`run_line`)."""
    return seed * 1_000_003 + i


def run_line(
    t_min_ms: int,
    t_max_ms: int,
    trials: int,
    seed: int,
    *,
    pre_vote: bool = False,
    check_quorum: bool = False,
    cap_ms: float = DEFAULT_CAP_MS,
) -> list[float]:
    """Downtimes (ms) of ``trials`` trials of one line, in trial order. Trial ``i`` runs in a
    world seeded ``trial_seed(seed, i)``: lines run with the same ``seed`` see the same
    clocks, jitter and crash instants (common random numbers); only the timeouts differ."""
    return [
        run_trial(
            t_min_ms,
            t_max_ms,
            trial_seed(seed, i),
            pre_vote=pre_vote,
            check_quorum=check_quorum,
            cap_ms=cap_ms,
        )
        for i in range(trials)
    ]
