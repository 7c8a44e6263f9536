"""PrioritySort: the queue order (``pkg/scheduler/framework/plugins/queuesort/priority_sort.go``).

A pod goes before another when its priority (``spec.priority``, 0 if unset) is higher, or,
with equal priorities, when it entered the queue earlier (its queue timestamp).
"""

from __future__ import annotations

from typing import Any

from kubelab.scheduler.framework import QueueSortPlugin

NAME = "PrioritySort"


class PrioritySort(QueueSortPlugin):
    name = NAME

    def less(self, a: Any, b: Any) -> bool:
        """``Less(pInfo1, pInfo2)``: higher priority first, then the earlier timestamp."""
        p1: int = a.pod_info.priority
        p2: int = b.pod_info.priority
        return bool(p1 > p2 or (p1 == p2 and a.timestamp < b.timestamp))

    def sort_key(self, a: Any) -> tuple[int, float]:
        """The same order as :meth:`less`, as a key: ``(-priority, timestamp)``."""
        return (-int(a.pod_info.priority), float(a.timestamp))
