"""The measurement side: the vectorized path under heavy ties and a search window that has to
grow, the random-stream skip it relies on, and the through-the-API benchmark run."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sched_builders import node, pod

from kubelab.scheduler import Scheduler
from kubelab.scheduler.bench import run_through_api
from kubelab.scheduler.driver import CYCLE_COST
from kubelab.scheduler.fast import _skip_draws


def _decisions(fast: bool, seed: int, tainted: int) -> list[tuple[Any, ...]]:
    # 300 nodes of two identical kinds (many equal totals: selectHost's reservoir sampling
    # draws for every tie), ``tainted`` of every 3 tainted, so that the first window of nodes
    # the fast path evaluates (numFeasibleNodesToFind + slack) holds too few feasible ones.
    s = Scheduler(rng=random.Random(seed), fast=fast)
    for i in range(300):
        taints = [{"key": "t", "value": "x", "effect": "NoSchedule"}] if i % 3 < tainted else None
        s.add_node(node(f"n{i:03d}", cpu=("4", "8")[i % 2], taints=taints, zone="abc"[i % 3]))
    for i in range(60):
        s.add_pod(pod(f"p{i:02d}", cpu=("250m", "500m")[i % 2], memory="256Mi"))
    out = []
    for r in s.run(0.0):
        out.append((r.pod, r.node, r.evaluated_nodes, r.feasible_nodes, r.fast_path))
    out.append(("next-start", s.next_start_node_index, s.rng.random()))
    return out


@pytest.mark.parametrize(("seed", "tainted", "scored"), [(1, 1, 144), (2, 2, 100)])
def test_fast_path_equals_reference_with_ties_and_a_growing_window(
    seed: int, tainted: int, scored: int
) -> None:
    ref = _decisions(False, seed, tainted)
    fast = _decisions(True, seed, tainted)
    # same node, same counts, same next start index, and the random stream in the same place
    assert [d[:4] for d in fast[:-1]] == [d[:4] for d in ref[:-1]]
    assert fast[-1] == ref[-1]
    assert all(d[4] for d in fast[:-1])
    # numFeasibleNodesToFind(300) = 300 * (50 - 300/125) / 100 = 144 nodes are scored per
    # cycle when 200 nodes fit; when only 100 fit, every node is looked at and 100 are scored
    assert {d[3] for d in ref[:-1]} == {scored}


def test_skipping_draws_moves_the_stream_as_calling_random_does() -> None:
    a, b = random.Random(7), random.Random(7)
    for _ in range(13):
        a.random()
    _skip_draws(b, 13)
    _skip_draws(b, 0)
    assert [a.random() for _ in range(3)] == [b.random() for _ in range(3)]


def test_the_through_api_benchmark_binds_every_pod() -> None:
    r = run_through_api(nodes=20, pods=40, seed=2)
    assert r["scheduled"] == 40 and r["cycles"] == 40
    assert r["percent_nodes_scored"] == 100.0  # fewer than 100 nodes: all of them
    # one Scheduled Event per pod
    assert r["events_written"] == 40
    # simulated time: one cycle every CYCLE_COST seconds at best
    assert r["sim_pods_per_second"] <= 1 / CYCLE_COST + 1e-6
