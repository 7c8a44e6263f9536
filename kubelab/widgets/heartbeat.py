"""Chapter 0's panel: change the heartbeat timeout and see when a partitioned host is suspected."""

from __future__ import annotations

import html
from typing import Any

from kubelab.sim import World
from kubelab.sim.heartbeat import Heartbeater


def detection_time(timeout: float, interval: float = 1.0, seed: int = 0) -> float:
    """Seconds from cutting ``node-c`` off until ``node-a`` suspects it."""
    w = World(seed=seed)
    Heartbeater(w, ["node-a", "node-b", "node-c"], interval=interval, timeout=timeout)
    w.run(until=5.0)
    w.network.partition(["node-c"], ["node-a", "node-b"])
    w.run(until=5.0 + timeout + 3 * interval)
    hits = w.trace.filter(kind="suspect", host="node-a", peer="node-c")
    return round(hits[0].time - 5.0, 3) if len(hits) else float("nan")


def _report(timeout: float, interval: float) -> str:
    t = detection_time(timeout, interval)
    return (
        f"<p>heartbeat every <b>{interval:g} s</b>, timeout <b>{html.escape(f'{timeout:g}')} s</b>"
        f" → node-a suspects node-c <b>{t:g} s</b> after the partition.</p>"
    )


def heartbeat_panel(timeout: float = 3.0, interval: float = 1.0) -> Any:
    """A slider for the timeout and the resulting detection time (recomputed on change)."""
    import ipywidgets as widgets

    slider = widgets.FloatSlider(
        value=timeout, min=1.0, max=10.0, step=0.5, description="timeout (s)"
    )
    out = widgets.HTML(_report(timeout, interval))

    def changed(change: dict[str, Any]) -> None:
        out.value = _report(float(change["new"]), interval)

    slider.observe(changed, names="value")
    return widgets.VBox([slider, out])
