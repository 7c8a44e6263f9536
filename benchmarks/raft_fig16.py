"""The Raft paper's Figure 16, repeated with etcd's Raft in the simulated world.

    python benchmarks/raft_fig16.py [--trials 1000] [--seed 1] [--cap-ms 10000] [--jobs 2]
                                    [--etcd-defaults] [--json] [--replot]

Top graph: election timeouts 150–150, 150–151, 150–155, 150–175, 150–200, 150–300 ms (the
paper ran 100 trials for 150–150 ms and 1,000 for the others; here ``--trials`` for the others
and a tenth of it for 150–150). Bottom graph: 12–24, 25–50, 50–100, 100–200, 150–300 ms.
The setup is :mod:`kubelab.etcd.fig16` (FIDELITY A5); LogCabin had neither PreVote nor
CheckQuorum, so they are off unless ``--etcd-defaults`` is given.

Writes to ``benchmarks/results/``: ``raft_fig16_top.png`` and ``raft_fig16_bottom.png`` (CDFs
on the paper's axes: top x log-scale, bottom x linear 0–600 ms), ``raft_fig16.json`` (every
downtime) and ``raft_fig16.md`` (median, 99th percentile and maximum per line, beside the
paper's). With ``--json`` it prints one JSON object. Trials that elect no leader within the cap
count as "no leader" (JSON ``null``); they sit at the top of the sorted downtimes.

Every figure is simulated time, so the result does not depend on the machine; only the run
time does (about four CPU-minutes for the default run, spread over ``--jobs`` processes; each
trial is seeded, so the split changes nothing). ``--replot`` redraws the table and plots from
the saved JSON without running the trials again.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from kubelab.etcd import fig16

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")

#: The paper's results. Quotes: Ongaro's dissertation, leaderelection/real.tex (commit
#: 42841d17, the text of the ATC'14 paper's §9.3); the numbers per line were read off the
#: dissertation's plot files leaderelection/benchmarks-randomness.svg and benchmarks-scale.svg
#: (step curves of 1,000 trials, 100 for 150–150 ms; read to about ±1 %).
PAPER_QUOTES = [
    "elections complete in under one second when the timeout range is sufficiently broad",
    "In the absence of randomness, leader election consistently took longer than 10 seconds "
    "due to many split votes.",
    "Adding just 5 ms of randomness helps significantly, resulting in a median downtime of 287 ms.",
    "with a 50 ms random range, the worst-case completion time (over 1000 trials) was 513 ms.",
    "With an election timeout of 12–24 ms, it takes only 35 ms on average to elect a leader "
    "(the longest trial took 152 ms).",
    "We recommend using a conservative election timeout such as 150–300 ms",
]
#: (median, p99, max) in ms, digitized from the dissertation's Figure 16 plot files.
PAPER: dict[str, tuple[float, float, float]] = {
    "150-150": (41_099, 527_867, 527_867),
    "150-151": (1199, 6012, 8231),
    "150-155": (287, 1242, 2143),
    "150-175": (141, 467, 610),
    "150-200": (146, 352, 512),
    "150-300": (171, 415, 603),
    "12-24": (30, 87, 152),
    "25-50": (43, 119, 276),
    "50-100": (67, 169, 253),
    "100-200": (120, 277, 335),
}


def _name(line: tuple[int, int]) -> str:
    return f"{line[0]}-{line[1]}"


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (``inf`` = no leader within the cap)."""
    if not sorted_ms:
        return math.nan
    k = max(1, math.ceil(p / 100 * len(sorted_ms)))
    return sorted_ms[k - 1]


def _chunk(args: tuple[int, int, int, int, int, bool, float]) -> list[float]:
    t_min, t_max, seed, lo, hi, etcd, cap = args
    return [
        fig16.run_trial(
            t_min,
            t_max,
            fig16.trial_seed(seed, i),
            pre_vote=etcd,
            check_quorum=etcd,
            cap_ms=cap,
        )
        for i in range(lo, hi)
    ]


def run_lines(
    lines: list[tuple[int, int, int]], seed: int, etcd: bool, cap: float, jobs: int
) -> dict[str, list[float]]:
    """Downtimes per line ("T_min-T_max" -> sorted ms), trials spread over ``jobs`` processes.
    The result is the same as :func:`kubelab.etcd.fig16.run_line` for each line."""
    tasks = []
    for t_min, t_max, n in lines:
        step = max(1, math.ceil(n / (4 * max(1, jobs))))
        for lo in range(0, n, step):
            tasks.append((t_min, t_max, seed, lo, min(n, lo + step), etcd, cap))
    out: dict[str, list[float]] = {_name((a, b)): [] for a, b, _ in lines}
    if jobs <= 1:
        results = [_chunk(t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_chunk, tasks))
    for task, res in zip(tasks, results, strict=True):
        out[_name((task[0], task[1]))].extend(res)
    return {k: sorted(v) for k, v in out.items()}


def summary(ms: list[float]) -> dict[str, Any]:
    """Median, p99, max (None = no leader within the cap) and the count without a leader."""

    def num(v: float) -> float | None:
        return None if math.isinf(v) else round(v, 1)

    return {
        "trials": len(ms),
        "median_ms": num(percentile(ms, 50)),
        "p99_ms": num(percentile(ms, 99)),
        "max_ms": num(ms[-1]),
        "no_leader": sum(1 for v in ms if math.isinf(v)),
    }


def _fmt(v: float | None, cap: float) -> str:
    return f"> {cap / 1000:g} s" if v is None else f"{v:,.0f}"


def table(results: dict[str, list[float]], cap: float) -> str:
    """The Markdown table: our median/p99/max next to the paper's."""
    head = (
        "| election timeout (ms) | trials | median (ms) | p99 (ms) | max (ms) | no leader "
        f"within {cap / 1000:g} s | paper median / p99 / max (ms) |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for name, ms in results.items():
        s = summary(ms)
        paper = PAPER.get(name)
        p = " / ".join(f"{v:,.0f}" for v in paper) if paper else "–"
        rows.append(
            f"| {name.replace('-', '–')} | {s['trials']} | {_fmt(s['median_ms'], cap)} | "
            f"{_fmt(s['p99_ms'], cap)} | {_fmt(s['max_ms'], cap)} | {s['no_leader']} | {p} |"
        )
    return head + "\n".join(rows) + "\n"


def plot(
    results: dict[str, list[float]], names: list[str], path: str, top: bool, cap: float
) -> None:
    """One CDF per line, on the paper's axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for name in names:
        ms = results[name]
        done = [v for v in ms if not math.isinf(v)]
        xs = [v for v in done for _ in (0, 1)]
        ys = [y for k in range(len(done)) for y in (k / len(ms), (k + 1) / len(ms))]
        label = f"{name.replace('-', '–')} ms"
        if len(done) < len(ms):
            label += f" ({len(ms) - len(done)} of {len(ms)} > cap)"
        if done:
            ax.plot(xs, ys, label=label, linewidth=1.2)
        else:  # no trial elected a leader within the cap: a marker at the cap
            ax.plot([min(cap, 590.0) if not top else cap], [0.0], ">", label=label, clip_on=False)
    if top:
        ax.set_xscale("log")
        ax.set_xlim(50, 1_000_000)
        ax.axvline(cap, color="grey", linestyle=":", linewidth=1)
    else:
        ax.set_xlim(0, 600)
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("time without leader (ms)")
    ax.set_ylabel("cumulative percent")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    ax.grid(True, which="both", color="#eeeeee")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=1000, help="trials per line (150-150: a tenth)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cap-ms", type=float, default=fig16.DEFAULT_CAP_MS)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--etcd-defaults", action="store_true", help="PreVote and CheckQuorum on")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--out", default=RESULTS, help="directory for the result files")
    ap.add_argument(
        "--replot", action="store_true", help="redraw the table and plots from the saved JSON"
    )
    a = ap.parse_args(argv)
    suffix = "_etcd" if a.etcd_defaults else ""
    json_path = os.path.join(a.out, f"raft_fig16{suffix}.json")

    top = [_name(line) for line in fig16.TOP_LINES]
    bottom = [_name(line) for line in fig16.BOTTOM_LINES]
    lines = []
    for t_min, t_max in dict.fromkeys(fig16.TOP_LINES + fig16.BOTTOM_LINES):
        n = max(1, a.trials // 10) if t_min == t_max else a.trials
        lines.append((t_min, t_max, n))
    wall = time.perf_counter()
    if a.replot:
        with open(json_path) as f:
            saved = json.load(f)
        a.cap_ms = float(saved["setup"]["cap_ms"])
        a.seed = int(saved["setup"]["seed"])
        results = {
            name: [math.inf if v is None else float(v) for v in line["downtimes_ms"]]
            for name, line in saved["lines"].items()
        }
    else:
        results = run_lines(lines, a.seed, a.etcd_defaults, a.cap_ms, a.jobs)
    took = time.perf_counter() - wall

    setup = {
        "servers": 5,
        "one_way_latency_ms": f"{fig16.DEFAULT_LATENCY_MS} + U[0, {fig16.DEFAULT_JITTER_MS}]",
        "fsync_ms": fig16.DEFAULT_FSYNC_MS,
        "broadcast_time_ms": round(fig16.broadcast_time_ms(), 2),
        "tick_ms": fig16.TICK_MS,
        "heartbeat_interval": "T_min/2 (whole ticks)",
        "pre_vote": a.etcd_defaults,
        "check_quorum": a.etcd_defaults,
        "cap_ms": a.cap_ms,
        "seed": a.seed,
    }
    out = {
        "setup": setup,
        "lines": {
            name: {
                **summary(ms),
                "paper_median_p99_max_ms": PAPER.get(name),
                "downtimes_ms": [None if math.isinf(v) else round(v, 3) for v in ms],
            }
            for name, ms in results.items()
        },
    }
    os.makedirs(a.out, exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    md = table(results, a.cap_ms)
    title = "etcd defaults (PreVote, CheckQuorum)" if a.etcd_defaults else "no PreVote/CheckQuorum"
    with open(os.path.join(a.out, f"raft_fig16{suffix}.md"), "w") as f:
        f.write(f"# Raft paper Figure 16 with etcd's Raft ({title})\n\n")
        f.write("Setup: " + ", ".join(f"{k} = {v}" for k, v in setup.items()) + ".\n\n")
        f.write(md)
        f.write(
            "\nThe paper's columns were read off the plot files of Ongaro's dissertation "
            "(leaderelection/benchmarks-randomness.svg, benchmarks-scale.svg; about ±1 %). "
            "Made by `python benchmarks/raft_fig16.py"
            + (" --etcd-defaults" if a.etcd_defaults else "")
            + "`.\n"
        )
    plot(results, top, os.path.join(a.out, f"raft_fig16{suffix}_top.png"), True, a.cap_ms)
    plot(results, bottom, os.path.join(a.out, f"raft_fig16{suffix}_bottom.png"), False, a.cap_ms)

    if a.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"Raft Figure 16 with etcd's Raft ({title}); {took:.0f} s wall clock")
    print("Setup: " + ", ".join(f"{k} = {v}" for k, v in setup.items()))
    print()
    print(md)
    print("The paper (Ongaro & Ousterhout 2014, §9.3 / dissertation ch. 9) reports:")
    for q in PAPER_QUOTES:
        print(f'  - "{q}"')
    print("Here:")
    for name in ("150-150", "150-155", "150-200", "12-24", "150-300"):
        s = summary(results[name])
        print(
            f"  - {name} ms: median {_fmt(s['median_ms'], a.cap_ms)}, max "
            f"{_fmt(s['max_ms'], a.cap_ms)}, {s['no_leader']} of {s['trials']} trials "
            f"without a leader after {a.cap_ms / 1000:g} s"
        )
    print(f"Files: {a.out}/raft_fig16{suffix}.{{json,md}}, raft_fig16{suffix}_{{top,bottom}}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
