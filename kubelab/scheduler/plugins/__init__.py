"""The in-tree plugins, one module per upstream plugin
(``pkg/scheduler/framework/plugins/registry.go`` ``NewInTreeRegistry``)."""

from __future__ import annotations

from kubelab.scheduler.framework import PluginFactory
from kubelab.scheduler.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from kubelab.scheduler.plugins.defaultbinder import DefaultBinder
from kubelab.scheduler.plugins.defaultpreemption import DefaultPreemption
from kubelab.scheduler.plugins.imagelocality import ImageLocality
from kubelab.scheduler.plugins.interpodaffinity import InterPodAffinity
from kubelab.scheduler.plugins.nodeaffinity import NodeAffinity
from kubelab.scheduler.plugins.nodename import NodeName
from kubelab.scheduler.plugins.nodeports import NodePorts
from kubelab.scheduler.plugins.noderesources_fit import NodeResourcesFit
from kubelab.scheduler.plugins.nodeunschedulable import NodeUnschedulable
from kubelab.scheduler.plugins.podtopologyspread import PodTopologySpread
from kubelab.scheduler.plugins.prioritysort import PrioritySort
from kubelab.scheduler.plugins.schedulinggates import SchedulingGates
from kubelab.scheduler.plugins.tainttoleration import TaintToleration

ALL_PLUGINS = (
    SchedulingGates,
    PrioritySort,
    NodeUnschedulable,
    NodeName,
    TaintToleration,
    NodeAffinity,
    NodePorts,
    NodeResourcesFit,
    PodTopologySpread,
    InterPodAffinity,
    DefaultPreemption,
    NodeResourcesBalancedAllocation,
    ImageLocality,
    DefaultBinder,
)


def in_tree_registry() -> dict[str, PluginFactory]:
    """Plugin name -> factory ``(args, handle) -> plugin``."""
    return {cls.name: cls for cls in ALL_PLUGINS}


__all__ = ["ALL_PLUGINS", "in_tree_registry", *[c.__name__ for c in ALL_PLUGINS]]
