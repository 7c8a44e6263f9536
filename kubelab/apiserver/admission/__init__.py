"""Admission: the plugins a write passes after authorization and before it is stored.

The API server runs each write through the mutating phase (plugins may change the object),
validation, then the validating phase (plugins may only reject), in kube-apiserver's plugin
order (:mod:`.chain`). Plugins modelled, one module each, named as upstream:

* :class:`NamespaceLifecycle` (:mod:`.lifecycle`) -- no content in missing or terminating
  namespaces; the immortal namespaces cannot be deleted;
* :class:`LimitRanger` (:mod:`.limitranger`) -- LimitRange defaults and bounds;
* :class:`ServiceAccount` (:mod:`.serviceaccount`) -- the pod's service account and token
  volume;
* :class:`PodSecurity` (:mod:`.podsecurity`, checks in :mod:`.podsecurity_policy`) -- the
  Pod Security Standards by namespace label;
* :class:`DefaultTolerationSeconds` (:mod:`.defaulttolerationseconds`) -- 300 s tolerations
  for not-ready and unreachable nodes;
* :class:`ResourceQuota` (:mod:`.resourcequota`) -- quota usage and limits.

A plugin reads cluster state only through the :class:`Lister` the server passes in.
"""

from kubelab.apiserver.admission.chain import (
    ALL_ORDERED_PLUGINS,
    AdmissionChain,
    AdmissionResult,
    Step,
    chain,
    default_plugins,
)
from kubelab.apiserver.admission.defaulttolerationseconds import DefaultTolerationSeconds
from kubelab.apiserver.admission.interfaces import (
    CONNECT,
    CREATE,
    DELETE,
    UPDATE,
    AdmissionRequest,
    Lister,
    MemoryLister,
    Plugin,
    PluginResult,
    UserInfo,
)
from kubelab.apiserver.admission.lifecycle import NamespaceLifecycle
from kubelab.apiserver.admission.limitranger import LimitRanger
from kubelab.apiserver.admission.podsecurity import PodSecurity, Policy
from kubelab.apiserver.admission.resourcequota import ResourceQuota, calculate_usage
from kubelab.apiserver.admission.serviceaccount import ServiceAccount

__all__ = [
    "ALL_ORDERED_PLUGINS",
    "CONNECT",
    "CREATE",
    "DELETE",
    "UPDATE",
    "AdmissionChain",
    "AdmissionRequest",
    "AdmissionResult",
    "DefaultTolerationSeconds",
    "LimitRanger",
    "Lister",
    "MemoryLister",
    "NamespaceLifecycle",
    "Plugin",
    "PluginResult",
    "PodSecurity",
    "Policy",
    "ResourceQuota",
    "ServiceAccount",
    "Step",
    "UserInfo",
    "calculate_usage",
    "chain",
    "default_plugins",
]
