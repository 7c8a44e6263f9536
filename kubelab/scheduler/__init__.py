"""kube-scheduler as a working model: the scheduling framework and its default plugins.

* :class:`Scheduler` -- cache, queue and one :class:`Framework` per profile;
  ``schedule_one(now)`` runs a scheduling cycle and returns a :class:`ScheduleResult`;
* :mod:`~kubelab.scheduler.config` -- ``KubeSchedulerConfiguration`` defaulting and validation;
* :mod:`~kubelab.scheduler.plugins` -- one module per upstream plugin;
* :func:`explain` -- every filter verdict and every score, per node, for one pod;
* :mod:`~kubelab.scheduler.fast` -- a vectorized path with the same results for plain pods;
* :func:`num_feasible_nodes_to_find` -- ``percentageOfNodesToScore``'s adaptive rule;
* :mod:`~kubelab.scheduler.driver` -- kube-scheduler as a component of the simulated cluster
  (informers, leader election, the binding subresource, Events), imported on its own;
* :mod:`~kubelab.scheduler.recorder` -- the ``events.k8s.io/v1`` Events it writes;
* :mod:`~kubelab.scheduler.diagram` -- a profile's extension points and plugins as a diagram.
"""

from kubelab.scheduler.cache import Cache
from kubelab.scheduler.config import ConfigError
from kubelab.scheduler.explain import Explanation, explain, failed_scheduling_message
from kubelab.scheduler.framework import (
    Code,
    CycleState,
    Diagnosis,
    FitError,
    Framework,
    NodeToStatus,
    Status,
)
from kubelab.scheduler.queue import QueuedPodInfo, SchedulingQueue
from kubelab.scheduler.scheduler import (
    Scheduler,
    ScheduleResult,
    num_feasible_nodes_to_find,
    select_host,
)
from kubelab.scheduler.types import NodeInfo, PodInfo, Resource

__all__ = [
    "Cache",
    "Code",
    "ConfigError",
    "CycleState",
    "Diagnosis",
    "Explanation",
    "FitError",
    "Framework",
    "NodeInfo",
    "NodeToStatus",
    "PodInfo",
    "QueuedPodInfo",
    "Resource",
    "ScheduleResult",
    "Scheduler",
    "SchedulingQueue",
    "Status",
    "explain",
    "failed_scheduling_message",
    "num_feasible_nodes_to_find",
    "select_host",
]
