"""Helpers shared by score plugins.

* :func:`default_normalize_score` -- ``pkg/scheduler/framework/plugins/helper/
  normalize_score.go``;
* :func:`broken_linear_function` -- ``plugins/helper/shape_score.go``
  (``BuildBrokenLinearFunction``);
* :func:`default_selector` -- ``plugins/helper/spread.go`` (``DefaultSelector``): the selector
  of the Services, ReplicationControllers, ReplicaSets and StatefulSets a pod belongs to;
* :func:`go_div` -- Go's integer division, which truncates toward zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubelab.api import Selector, SelectorError, selector_from_dict, selector_from_set
from kubelab.scheduler.framework import MAX_NODE_SCORE, NodeScore, Snapshot
from kubelab.scheduler.types import PodInfo


def go_div(a: int, b: int) -> int:
    """``a / b`` on Go integers: truncated toward zero (Python's ``//`` floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def default_normalize_score(
    scores: list[NodeScore], reverse: bool, max_priority: int = MAX_NODE_SCORE
) -> None:
    """normalize_score.go ``DefaultNormalizeScore``: scale to ``[0, max_priority]`` by the
    highest score (``max * s / highest``, integer); ``reverse`` flips it (``max - s``). When
    every score is 0 they stay 0, or all become ``max_priority`` when reversed."""
    highest = 0
    for s in scores:
        if s.score > highest:
            highest = s.score
    if highest == 0:
        if reverse:
            for s in scores:
                s.score = max_priority
        return
    for s in scores:
        v = go_div(max_priority * s.score, highest)
        s.score = max_priority - v if reverse else v


def broken_linear_function(shape: Sequence[tuple[int, int]]) -> Callable[[int], int]:
    """shape_score.go ``BuildBrokenLinearFunction``: a piecewise-linear function through the
    (utilization, score) points, flat before the first and after the last point."""
    pts = list(shape)

    def f(p: int) -> int:
        for i, (u, s) in enumerate(pts):
            if p <= u:
                if i == 0:
                    return pts[0][1]
                u0, s0 = pts[i - 1]
                return s0 + go_div((s - s0) * (p - u0), u - u0)
        return pts[-1][1]

    return f


def _owner(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def default_selector(pod: PodInfo, snapshot: Snapshot) -> Selector:
    """spread.go ``DefaultSelector``: the union of the selectors of the Services that select
    the pod and of its controlling ReplicationController, ReplicaSet or StatefulSet."""
    label_set: dict[str, str] = {}
    for svc in snapshot.workloads.get("services", ()):
        meta = svc.get("metadata") or {}
        if (meta.get("namespace") or "default") != pod.namespace:
            continue
        sel = (svc.get("spec") or {}).get("selector")
        if sel is None:
            continue
        if selector_from_set(sel).matches(pod.labels):
            label_set.update(sel)
    selector = selector_from_set(label_set)
    owner = _owner(pod.pod)
    if owner is None:
        return selector
    kind, api = owner.get("kind"), owner.get("apiVersion")
    found = None
    collection = {
        ("ReplicationController", "v1"): "replicationcontrollers",
        ("ReplicaSet", "apps/v1"): "replicasets",
        ("StatefulSet", "apps/v1"): "statefulsets",
    }.get((str(kind), str(api)))
    if collection is None:
        return selector
    for obj in snapshot.workloads.get(collection, ()):
        meta = obj.get("metadata") or {}
        if (
            meta.get("name") == owner.get("name")
            and (meta.get("namespace") or "default") == pod.namespace
        ):
            found = obj
            break
    if found is None:
        return selector
    spec_sel = (found.get("spec") or {}).get("selector")
    if collection == "replicationcontrollers":
        label_set.update(spec_sel or {})
        return selector_from_set(label_set)
    try:
        other = selector_from_dict(spec_sel)
    except SelectorError:
        return selector
    if other.matches_nothing:
        return selector
    return selector.add(*other.requirements)


def round_half_away_float(x: float) -> int:
    """Go ``int64(math.Round(x))``: halves round away from zero."""
    import math

    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)
