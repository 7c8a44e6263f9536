"""Throughput of the kube-apiserver model, in wall-clock time.

    python benchmarks/apiserver_throughput.py [--pods N] [--concurrency C] [--repeat R] [--json]

Requests enter the server in-process (``KubeAPIServer.handle``, no client network hop) with
``C`` requests in flight; the server talks to a modelled etcd over the simulated network.

* creates/s: ``N`` Pod creates through the whole pipeline (authentication, RBAC, decode and
  defaults, the default admission plugins, validation, etcd transaction), 1-member etcd;
* gets/s: ``GET`` of single pods (``resourceVersion=""``: a linearizable etcd read each);
* list of ``N`` pods from the watch cache, without and with a label selector (10 % match):
  the first list after the creates and the next ones (the watch cache decodes each object
  as its etcd event arrives, so the first list costs no more than the next);
* creates/s with a 3-member etcd cluster.

Rates are measured ``R`` times, each on a fresh world, and printed as the best and the median
run (on a shared machine the best run is the one least disturbed by other work, as ``timeit``
reports its minimum). Figures depend on the machine; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from kubelab.apiserver.server import KubeAPIServer
from kubelab.apiserver.wire import APIRequest, APIResponse
from kubelab.etcd import EtcdCluster
from kubelab.sim import World


def _setup(members: int) -> tuple[World, KubeAPIServer]:
    world = World(seed=1)
    world.trace.enabled = False
    etcd = EtcdCluster(world, members=members)
    etcd.wait_for_leader()
    server = KubeAPIServer(world, "cp-1", etcd.names)
    server.wait_ready()
    server.audit.enabled = False
    server.trace_capacity = 1
    return world, server


def _pod(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"pod-{i:05d}", "labels": {"app": "web" if i % 10 == 0 else "db"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
    }


def _drive(
    world: World,
    server: KubeAPIServer,
    requests: list[APIRequest],
    concurrency: int,
    check: Callable[[APIResponse], None],
) -> float:
    """Run ``requests`` (the list is emptied) with ``concurrency`` in flight; wall seconds until
    the last answer."""
    done = world.env.event()
    # ``requests`` is emptied: a request is dropped once sent, as a client would, so the
    # benchmark keeps no request bodies alive for the garbage collector to walk
    queue = requests[::-1]
    requests.clear()
    state = {"left": len(queue)}

    def issue() -> None:
        if not queue:
            return
        server.handle(queue.pop(), answered, "bench")

    def answered(resp: Any) -> None:
        check(resp)
        state["left"] -= 1
        if state["left"] == 0:
            done.succeed()
        else:
            issue()

    start = time.perf_counter()
    for _ in range(min(concurrency, len(queue))):
        issue()
    world.wait(done)
    return time.perf_counter() - start


def _expect(code: int) -> Callable[[APIResponse], None]:
    def check(resp: APIResponse) -> None:
        if resp.code != code:
            raise RuntimeError(f"expected {code}, got {resp.code}: {resp.body}")

    return check


def _timed_list(
    world: World, server: KubeAPIServer, cert: Any, query: dict[str, str]
) -> tuple[float, int]:
    out: dict[str, Any] = {}

    def check(resp: APIResponse) -> None:
        _expect(200)(resp)
        out["n"] = len(resp.body["items"])

    req = APIRequest("GET", "/api/v1/namespaces/default/pods", query=query, certificate=cert)
    took = _drive(world, server, [req], 1, check)
    return took, int(out["n"])


def creates_per_second(
    members: int, pods: int, concurrency: int
) -> tuple[float, World, KubeAPIServer]:
    world, server = _setup(members)
    cert = server.admin_certificate()
    reqs = [
        APIRequest("POST", "/api/v1/namespaces/default/pods", body=_pod(i), certificate=cert)
        for i in range(pods)
    ]
    took = _drive(world, server, reqs, concurrency, _expect(201))
    return pods / took, world, server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3, help="fresh runs per rate (default 3)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    n, c, r = args.pods, args.concurrency, max(1, args.repeat)

    runs1 = []
    for _ in range(r):
        rate, world, server = creates_per_second(1, n, c)
        runs1.append(rate)
    cert = server.admin_certificate()
    gets = [
        APIRequest("GET", f"/api/v1/namespaces/default/pods/pod-{i % n:05d}", certificate=cert)
        for i in range(min(n, 5000))
    ]
    gets_s = len(gets) / _drive(world, server, gets, c, _expect(200))
    cold, count = _timed_list(world, server, cert, {})
    warm = statistics.median(_timed_list(world, server, cert, {})[0] for _ in range(3))
    sel_runs = [_timed_list(world, server, cert, {"labelSelector": "app=web"}) for _ in range(3)]
    selected = sel_runs[0][1]
    sel = statistics.median(t for t, _ in sel_runs)
    runs3 = [creates_per_second(3, min(n, 5000), c)[0] for _ in range(r)]

    res = {
        "pods": n,
        "concurrency": c,
        "repeat": r,
        "creates_per_s_etcd1": round(max(runs1)),
        "creates_per_s_etcd1_median": round(statistics.median(runs1)),
        "gets_per_s_etcd1": round(gets_s),
        "list_items": count,
        "list_first_ms": round(cold * 1000, 1),
        "list_ms": round(warm * 1000, 1),
        "list_selector_items": selected,
        "list_selector_ms": round(sel * 1000, 1),
        "creates_per_s_etcd3": round(max(runs3)),
        "creates_per_s_etcd3_median": round(statistics.median(runs3)),
    }
    if args.json:
        print(json.dumps(res))
        return
    rows = [
        (f"creates/s (1-member etcd), best of {r}", f"{res['creates_per_s_etcd1']:,}"),
        (f"creates/s (1-member etcd), median of {r}", f"{res['creates_per_s_etcd1_median']:,}"),
        ("gets/s (1-member etcd, linearizable)", f"{res['gets_per_s_etcd1']:,}"),
        (f"list {count:,} pods, first", f"{res['list_first_ms']} ms"),
        (f"list {count:,} pods", f"{res['list_ms']} ms"),
        (f"list with app=web ({selected:,} items)", f"{res['list_selector_ms']} ms"),
        (f"creates/s (3-member etcd), best of {r}", f"{res['creates_per_s_etcd3']:,}"),
        (f"creates/s (3-member etcd), median of {r}", f"{res['creates_per_s_etcd3_median']:,}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>12}")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>12}")


if __name__ == "__main__":
    main()
