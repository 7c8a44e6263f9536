"""kube-apiserver: the REST front door of the cluster, and the client side that talks to it.

Server: :class:`KubeAPIServer` (:mod:`.server`) over etcd (:mod:`.storage`), its watch cache
(:mod:`.watch`), registry (:mod:`.registry`), request pipeline (:mod:`.pipeline`) and audit log
(:mod:`.audit`), with authentication (:mod:`.authn`), RBAC (:mod:`.rbac`,
:mod:`.bootstrap_policy`), admission (:mod:`.admission`), defaulting (:mod:`.defaults`), patches
(:mod:`.patch`) and the Status errors (:mod:`.errors`). Wire format: :mod:`.wire`.

Client side: :class:`APIClient` (:mod:`.client`), informers (:mod:`.informer`), work queues
(:mod:`.workqueue`) and leader election (:mod:`.leaderelection`).

Names are loaded on first use, so importing one module does not import them all. Where two
modules use one name, the package exports the client's (``Unauthorized``, ``WatchHandle``,
``resolve_resource``); the other stays in its module (``authn.Unauthorized``, ...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {}


def _add(module: str, *names: str) -> None:
    for n in names:
        _EXPORTS[n] = module


_add("wire", "PORT", "CANCEL_PORT", "APIRequest", "APIResponse", "ClientCertificate")
_add("errors", "StatusError", "error_from_server")
_add("authn", "Authenticator", "UserInfo", "SYSTEM_PRIVILEGED_GROUP")
_add("rbac", "RBACAuthorizer", "PolicyStore", "Attributes", "Decision", "can_i")
_add("bootstrap_policy", "bootstrap_objects")
_add("defaults", "apply_defaults")
_add(
    "patch",
    "JSON_PATCH",
    "MERGE_PATCH",
    "STRATEGIC_MERGE_PATCH",
    "PatchError",
    "json_merge_patch",
    "json_patch",
    "strategic_merge_patch",
)
_add("admission", "AdmissionChain", "default_plugins")
_add("server", "KubeAPIServer", "APIServerSession", "SessionWatch", "KUBERNETES_VERSION")
_add("pipeline", "RequestContext", "StageCosts", "StageRecord", "pipeline_diagram")
_add("audit", "AuditLog", "AuditRecord")
_add("storage", "EtcdStore", "Compactor", "EtcdWatchStream", "encode_object", "decode_object")
_add("watch", "Cacher", "WatchCache")
_add(
    "client",
    "APIClient",
    "APIStatusError",
    "AlreadyExists",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "Gone",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotFound",
    "RequestEntityTooLarge",
    "ServerTimeout",
    "ServerUnavailable",
    "ServiceUnavailable",
    "Timeout",
    "TooManyRequests",
    "Unauthorized",
    "WatchHandle",
    "error_from_status",
    "resolve_resource",
    "resource_path",
)
_add("informer", "SharedInformer", "Indexer", "meta_namespace_key")
_add("workqueue", "Queue", "DelayingQueue", "RateLimitingQueue")
_add("leaderelection", "LeaderElector", "LeaderElectionRecord")

__all__ = [
    "CANCEL_PORT",
    "JSON_PATCH",
    "KUBERNETES_VERSION",
    "MERGE_PATCH",
    "PORT",
    "STRATEGIC_MERGE_PATCH",
    "SYSTEM_PRIVILEGED_GROUP",
    "APIClient",
    "APIRequest",
    "APIResponse",
    "APIServerSession",
    "APIStatusError",
    "AdmissionChain",
    "AlreadyExists",
    "Attributes",
    "AuditLog",
    "AuditRecord",
    "Authenticator",
    "BadRequest",
    "Cacher",
    "ClientCertificate",
    "Compactor",
    "Conflict",
    "Decision",
    "DelayingQueue",
    "EtcdStore",
    "EtcdWatchStream",
    "Forbidden",
    "Gone",
    "Indexer",
    "InternalError",
    "Invalid",
    "KubeAPIServer",
    "LeaderElectionRecord",
    "LeaderElector",
    "MethodNotAllowed",
    "NotFound",
    "PatchError",
    "PolicyStore",
    "Queue",
    "RBACAuthorizer",
    "RateLimitingQueue",
    "RequestContext",
    "RequestEntityTooLarge",
    "ServerTimeout",
    "ServerUnavailable",
    "ServiceUnavailable",
    "SessionWatch",
    "SharedInformer",
    "StageCosts",
    "StageRecord",
    "StatusError",
    "Timeout",
    "TooManyRequests",
    "Unauthorized",
    "UserInfo",
    "WatchCache",
    "WatchHandle",
    "apply_defaults",
    "bootstrap_objects",
    "can_i",
    "decode_object",
    "default_plugins",
    "encode_object",
    "error_from_server",
    "error_from_status",
    "json_merge_patch",
    "json_patch",
    "meta_namespace_key",
    "pipeline_diagram",
    "resolve_resource",
    "resource_path",
    "strategic_merge_patch",
]

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.apiserver.admission import AdmissionChain, default_plugins
    from kubelab.apiserver.audit import AuditLog, AuditRecord
    from kubelab.apiserver.authn import SYSTEM_PRIVILEGED_GROUP, Authenticator, UserInfo
    from kubelab.apiserver.bootstrap_policy import bootstrap_objects
    from kubelab.apiserver.client import (
        AlreadyExists,
        APIClient,
        APIStatusError,
        BadRequest,
        Conflict,
        Forbidden,
        Gone,
        InternalError,
        Invalid,
        MethodNotAllowed,
        NotFound,
        RequestEntityTooLarge,
        ServerTimeout,
        ServerUnavailable,
        ServiceUnavailable,
        Timeout,
        TooManyRequests,
        Unauthorized,
        WatchHandle,
        error_from_status,
        resolve_resource,
        resource_path,
    )
    from kubelab.apiserver.defaults import apply_defaults
    from kubelab.apiserver.errors import StatusError, error_from_server
    from kubelab.apiserver.informer import Indexer, SharedInformer, meta_namespace_key
    from kubelab.apiserver.leaderelection import LeaderElectionRecord, LeaderElector
    from kubelab.apiserver.patch import (
        JSON_PATCH,
        MERGE_PATCH,
        STRATEGIC_MERGE_PATCH,
        PatchError,
        json_merge_patch,
        json_patch,
        strategic_merge_patch,
    )
    from kubelab.apiserver.pipeline import (
        RequestContext,
        StageCosts,
        StageRecord,
        pipeline_diagram,
    )
    from kubelab.apiserver.rbac import Attributes, Decision, PolicyStore, RBACAuthorizer, can_i
    from kubelab.apiserver.server import (
        KUBERNETES_VERSION,
        APIServerSession,
        KubeAPIServer,
        SessionWatch,
    )
    from kubelab.apiserver.storage import (
        Compactor,
        EtcdStore,
        EtcdWatchStream,
        decode_object,
        encode_object,
    )
    from kubelab.apiserver.watch import Cacher, WatchCache
    from kubelab.apiserver.wire import (
        CANCEL_PORT,
        PORT,
        APIRequest,
        APIResponse,
        ClientCertificate,
    )
    from kubelab.apiserver.workqueue import DelayingQueue, Queue, RateLimitingQueue


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kubelab.apiserver' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"kubelab.apiserver.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
