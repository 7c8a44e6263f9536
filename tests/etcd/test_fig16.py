"""The Raft paper's Figure 16 experiment (kubelab.etcd.fig16): its setup and its invariants.

Expected values come from the paper's setup (Ongaro & Ousterhout 2014 §9.3; dissertation
leaderelection/real.tex; FIDELITY A5) and from the Raft rules, not from runs of the model.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys

import pytest

from kubelab.etcd import fig16
from kubelab.etcd.raft import Config, RawNode


# -- the randomization range (Config.election_tick_max) ---------------------------------------
def _timeouts(cfg: Config, n: int = 400) -> set[int]:
    node = RawNode(cfg, random.Random(5))
    seen = set()
    for _ in range(n):
        node.campaign()  # every new term re-draws the randomized timeout (raft.go reset)
        seen.add(node.randomized_election_timeout)
    return seen


def test_paper_range_is_uniform_over_both_ends_inclusive() -> None:
    # "150-151 ms" means timeouts chosen uniformly between 150 and 151 ms (paper Fig. 16).
    cfg = Config(
        id="a", peers=("a", "b", "c"), election_tick=150, election_tick_max=151, pre_vote=False
    )
    assert _timeouts(cfg) == {150, 151}
    cfg = Config(
        id="a", peers=("a", "b", "c"), election_tick=150, election_tick_max=150, pre_vote=False
    )
    assert _timeouts(cfg) == {150}


def test_default_keeps_etcds_rule() -> None:
    # raft.go resetRandomizedElectionTimeout: electionTimeout + rand.Intn(electionTimeout).
    cfg = Config(id="a", peers=("a", "b", "c"), election_tick=10, pre_vote=False)
    assert _timeouts(cfg) == set(range(10, 20))


def test_a_max_below_the_minimum_is_rejected() -> None:
    cfg = Config(id="a", peers=("a",), election_tick=10, election_tick_max=9)
    with pytest.raises(ValueError, match="election tick max"):
        cfg.validate()


@pytest.mark.parametrize("pre_vote", [False, True])
def test_tick_n_is_n_single_ticks(pre_vote: bool) -> None:
    # RawNode.tick(n), the fast path the experiment's driver uses, must leave the node exactly
    # where n calls of tick() leave it, campaigns (and their random draws) included.
    def run(batched: bool) -> list[tuple[object, ...]]:
        cfg = Config(
            id="a",
            peers=("a", "b", "c"),
            election_tick=15,
            election_tick_max=30,
            pre_vote=pre_vote,
        )
        node = RawNode(cfg, random.Random(3))
        seen: list[tuple[object, ...]] = []
        for n in [1, 7, 13, 2, 40, 1, 1, 29, 64, 5, 14, 16]:
            if batched:
                node.tick(n)
            else:
                for _ in range(n):
                    node.tick()
            sent: tuple[object, ...] = ()
            if node.has_ready():
                rd = node.ready()
                sent = tuple((m.type, m.to, m.term) for m in rd.messages)
                node.advance(rd)
            seen.append(
                (
                    node.state,
                    node.term,
                    node.election_elapsed,
                    node.randomized_election_timeout,
                    sent,
                )
            )
        return seen

    batched = run(True)
    assert batched == run(False)
    assert sum(1 for s in batched if s[4]) >= 3  # the timer fired several times


# -- the setup -----------------------------------------------------------------------------------
def test_broadcast_time_is_about_15_ms() -> None:
    # paper §9.3: "broadcast time (network round trip plus disk write) of roughly 15 ms"
    assert fig16.broadcast_time_ms() == pytest.approx(15.0, abs=0.5)


def test_at_the_crash_two_survivors_hold_shorter_logs() -> None:
    r = fig16.trial(150, 300, seed=4, cap_ms=0)
    assert not r.world.host(fig16.LEADER).up
    last, term, commit = r.logs_at_crash[fig16.LEADER]
    for e in fig16.ELIGIBLE:
        assert r.logs_at_crash[e][:2] == (last, term)
    for g in fig16.LAGGING:
        assert r.logs_at_crash[g][0] < last
    # the newest entries were committed by a majority (leader + s2 + s3 = 3 of 5)
    assert commit == last


@pytest.mark.parametrize(("t_min", "t_max"), [(150, 300), (50, 100)])
def test_crash_falls_uniformly_inside_the_heartbeat_interval(t_min: int, t_max: int) -> None:
    hb = t_min // 2
    offsets = []
    for i in range(40):
        r = fig16.trial(t_min, t_max, seed=fig16.trial_seed(7, i), cap_ms=0)
        offsets.append(r.crash_at_ms - r.heartbeat_at_ms)
    assert all(0 <= o < hb for o in offsets)
    # uniform on [0, hb): both halves of the interval are hit
    assert min(offsets) < hb / 4 and max(offsets) > 3 * hb / 4


# -- what the experiment must show ----------------------------------------------------------------
@pytest.mark.parametrize(("t_min", "t_max"), [(150, 300), (150, 200), (50, 100), (25, 50)])
def test_lagging_survivors_never_win_and_downtime_is_at_least_half_the_minimum(
    t_min: int, t_max: int
) -> None:
    for i in range(25):
        r = fig16.trial(t_min, t_max, seed=fig16.trial_seed(11, i))
        assert math.isfinite(r.downtime_ms)
        # election restriction (paper §5.4.1): only s2 or s3 can collect three votes
        assert r.leader in fig16.ELIGIBLE
        assert set(r.leaders) <= set(fig16.ELIGIBLE)
        # the paper's lower bound: "the smallest possible downtime was about half of the
        # minimum election timeout"
        assert r.downtime_ms >= t_min / 2


def test_downtime_ends_when_the_last_survivor_hears_the_new_leader() -> None:
    r = fig16.trial(150, 300, seed=21, trace=True)
    known = r.world.trace.filter(kind="leader-known", leader=r.leader)
    followers = {n for n in fig16.SERVERS if n not in (fig16.LEADER, r.leader)}
    final = [x for x in known if x.fields["term"] == max(y.fields["term"] for y in known)]
    assert {x.host for x in final} == followers
    assert max(x.time for x in final) * 1000 - r.crash_at_ms == pytest.approx(r.downtime_ms)


def test_without_randomness_votes_split_for_more_than_a_whole_timeout() -> None:
    # 150-150 ms: timers started by one heartbeat broadcast expire together, so the first
    # election splits and the cluster waits at least one more full election timeout.
    for i in range(3):
        r = fig16.trial(150, 150, seed=fig16.trial_seed(2, i), cap_ms=2000)
        assert r.downtime_ms > 150 / 2 + 150  # beyond any election without a split vote
        assert r.candidacies >= 4  # several servers ran in the same term


def test_with_prevote_lagging_servers_never_become_candidates() -> None:
    # PreVote (thesis §9.6, raft.go campaign): a pre-candidate moves to a new term only with a
    # majority of pre-votes; s2 and s3 refuse theirs (shorter log), so s4/s5 get 2 of 5.
    for i in range(15):
        r = fig16.trial(150, 300, seed=fig16.trial_seed(3, i), pre_vote=True, check_quorum=True)
        assert r.leader in fig16.ELIGIBLE
        assert not set(r.candidates) & set(fig16.LAGGING)


def test_a_trial_without_a_leader_within_the_cap_is_infinite() -> None:
    assert fig16.run_trial(150, 150, seed=1, cap_ms=300) == math.inf


def test_bad_ranges_are_rejected() -> None:
    with pytest.raises(ValueError, match="T_min <= T_max"):
        fig16.run_trial(200, 150, seed=1)
    with pytest.raises(ValueError, match="whole milliseconds"):
        fig16.run_trial(150.5, 300, seed=1)  # type: ignore[arg-type]


# -- determinism ------------------------------------------------------------------------------
def test_same_seed_same_downtimes() -> None:
    a = fig16.run_line(150, 300, trials=6, seed=9)
    assert a == fig16.run_line(150, 300, trials=6, seed=9)
    assert a != fig16.run_line(150, 300, trials=6, seed=10)


def test_same_downtimes_in_another_process_with_another_hash_seed() -> None:
    code = "from kubelab.etcd import fig16; print(repr(fig16.run_line(50, 100, trials=4, seed=5)))"
    outs = set()
    for hs in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hs}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outs.add(out.stdout)
    assert len(outs) == 1
    assert outs.pop().strip() == repr(fig16.run_line(50, 100, trials=4, seed=5))
