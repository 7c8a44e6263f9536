"""kube-apiserver: the REST front door of the cluster, stateless over etcd.

``KubeAPIServer(world, host, etcd_endpoints)`` serves :data:`kubelab.apiserver.wire.PORT` on a
simulated host. Every request passes the pipeline of :mod:`kubelab.apiserver.pipeline` --
authentication (:mod:`.authn`), authorization (``system:masters`` then RBAC, :mod:`.rbac`),
decoding with defaults and the strict field check, mutating admission, validation, validating
admission (:mod:`.admission`), etcd (:mod:`.storage`) -- and leaves one record in the audit log
(:mod:`.audit`). Reads and watches are served from the watch cache (:mod:`.watch`).

The server keeps nothing that matters in memory: objects live in etcd, and the caches are
rebuilt from etcd when its host boots again after a crash. Several servers can share one etcd.
On every boot it makes sure the system objects exist, as kube-apiserver's post-start hooks and
controllers do: the namespaces ``default``, ``kube-system``, ``kube-public`` and
``kube-node-lease`` (``bootstrap-controller`` / ``system-namespaces`` controller), the
bootstrap ClusterRoles and ClusterRoleBindings (``rbac/bootstrap-roles``). It also creates the
``default`` ServiceAccount of every namespace -- upstream the ServiceAccount controller of
kube-controller-manager does that; here the server stands in until a controller manager runs
(``service_account_controller=False`` turns it off).

Discovery (``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>[/<version>]``), ``/version``,
``/healthz``, ``/livez`` and ``/readyz`` (``?verbose``) are served too, and
``SelfSubjectAccessReview`` / ``SelfSubjectRulesReview`` (what ``kubectl auth can-i`` asks).

:class:`APIServerSession` sends one request and waits for the answer (``world.wait``): the
small synchronous helper for tests and chapter cells.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from kubelab.api import codec
from kubelab.api.errors import FieldError
from kubelab.apiserver import errors
from kubelab.apiserver.admission.chain import AdmissionChain, default_plugins
from kubelab.apiserver.admission.interfaces import Plugin
from kubelab.apiserver.audit import AuditLog, AuditRecord
from kubelab.apiserver.authn import (
    SYSTEM_PRIVILEGED_GROUP,
    Authenticator,
    Unauthorized,
    UserInfo,
)
from kubelab.apiserver.authn import ClientCertificate as AuthnCertificate
from kubelab.apiserver.bootstrap_policy import bootstrap_objects
from kubelab.apiserver.errors import StatusError
from kubelab.apiserver.pipeline import RequestContext, RequestInfo, StageCosts
from kubelab.apiserver.rbac import (
    Attributes,
    RBACAuthorizer,
    forbidden_status,
    rules_for,
)
from kubelab.apiserver.registry.resources import Resource, api_groups, build_resources
from kubelab.apiserver.registry.store import (
    FIELD_VALIDATION_VALUES,
    MAX_GENERATED_NAME_LENGTH,
    MAX_REQUEST_BODY_BYTES,
    NAME_ALPHABET,
    RESTStore,
    parse_delete_options,
    parse_list_options,
)
from kubelab.apiserver.storage import DEFAULT_COMPACTION_INTERVAL, Compactor, EtcdStore
from kubelab.apiserver.watch import CacheEvent, Cacher, WatchCache
from kubelab.apiserver.wire import CANCEL_PORT, PORT, APIRequest, APIResponse, ClientCertificate
from kubelab.etcd.client import EtcdClient
from kubelab.sim.host import Host
from kubelab.sim.network import Envelope
from kubelab.sim.world import World, uuid4_string

__all__ = [
    "KUBERNETES_VERSION",
    "APIServerSession",
    "KubeAPIServer",
    "Runtime",
    "SessionWatch",
    "parse_request_info",
]

#: What ``/version`` answers: Kubernetes v1.32.0.
KUBERNETES_VERSION: Final = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0",
    "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T17:59:15Z",
    "goVersion": "go1.23.3",
    "compiler": "gc",
    "platform": "linux/amd64",
}

#: The namespaces every cluster has (metav1.NamespaceDefault/System/Public, NamespaceNodeLease).
SYSTEM_NAMESPACES: Final = ("default", "kube-system", "kube-public", "kube-node-lease")
#: --request-timeout default.
REQUEST_TIMEOUT: Final = 60.0
#: requestinfo.go namespaceSubresources.
_NAMESPACE_SUBRESOURCES: Final = frozenset({"status", "finalize"})
_METHOD_VERBS: Final = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
_NOT_FOUND_BODY: Final = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "the server could not find the requested resource",
    "reason": "NotFound",
    "details": {},
    "code": 404,
}
_AUTHZ_GROUP: Final = "authorization.k8s.io"


def _review(kind: str, spec: Any, status: dict[str, Any]) -> dict[str, Any]:
    """The answer to a self-review create: the request's spec and the verdict, never stored."""
    return {
        "kind": kind,
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": status,
    }


def parse_request_info(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    """``RequestInfoFactory.NewRequestInfo``: what resource and verb a request is about."""
    watch = query.get("watch", "") if query else ""
    if type(watch) is not str:
        return _parse_request_info(method, path, query)
    # the answer depends on the method, the path and ?watch only; a new RequestInfo each time
    # (callers may change theirs)
    return RequestInfo(*_request_info_fields(method, path, watch))


@functools.lru_cache(maxsize=4096)
def _request_info_fields(method: str, path: str, watch: str) -> tuple[Any, ...]:
    info = _parse_request_info(method, path, {"watch": watch} if watch else {})
    return tuple(getattr(info, f.name) for f in dataclasses.fields(info))


def _parse_request_info(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    method = method.upper()
    info = RequestInfo(path, method, method.lower())
    parts = [p for p in path.strip("/").split("/") if p != ""]
    if not parts or parts[0] not in ("api", "apis"):
        return info
    if parts[0] == "api":
        if len(parts) < 2:
            return info
        info.api_prefix, info.api_group, info.api_version = "api", "", parts[1]
        rest = parts[2:]
    else:
        if len(parts) < 3:
            return info
        info.api_prefix, info.api_group, info.api_version = "apis", parts[1], parts[2]
        rest = parts[3:]
    if not rest:
        return info
    info.is_resource_request = True
    verb = _METHOD_VERBS.get(method, method.lower())
    if rest[0] == "watch":
        verb = "watch"
        rest = rest[1:]
        if not rest:
            info.is_resource_request = False
            return info
    if rest[0] == "namespaces" and len(rest) > 1:
        info.namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    info.resource = rest[0]
    if len(rest) > 1:
        info.name = rest[1]
    if len(rest) > 2:
        info.subresource = rest[2]
    if verb == "get" and not info.name:
        verb = "watch" if query.get("watch", "").lower() in ("true", "1") else "list"
    if verb == "delete" and not info.name:
        verb = "deletecollection"
    info.verb = verb
    return info


class _CachePolicyLister:
    """RBAC's view of roles and bindings: the watch caches (the authorizer's informers)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _objs(self, resource: str, namespace: str | None) -> list[Mapping[str, Any]]:
        cache = self.rt.cache_of("rbac.authorization.k8s.io", resource)
        return [e.obj for e in cache.iter_entries(namespace)]

    def roles(self, namespace: str) -> list[Mapping[str, Any]]:
        return self._objs("roles", namespace)

    def cluster_roles(self) -> list[Mapping[str, Any]]:
        return self._objs("clusterroles", None)

    def role_bindings(self, namespace: str) -> list[Mapping[str, Any]]:
        return self._objs("rolebindings", namespace)

    def cluster_role_bindings(self) -> list[Mapping[str, Any]]:
        return self._objs("clusterrolebindings", None)

    def role(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        res = self.rt.resource("rbac.authorization.k8s.io", "roles")
        e = self.rt.cache_of(res.group, res.name).get(res.key(name, namespace))
        return e.obj if e is not None else None

    def cluster_role(self, name: str) -> Mapping[str, Any] | None:
        res = self.rt.resource("rbac.authorization.k8s.io", "clusterroles")
        e = self.rt.cache_of(res.group, res.name).get(res.key(name))
        return e.obj if e is not None else None


class _AdmissionLister:
    """What admission plugins read: the watch caches, plus objects looked up in etcd for this
    request (the live lookups NamespaceLifecycle and ServiceAccount make on a cache miss)."""

    def __init__(self, rt: Runtime, overrides: Mapping[str, Any] | None) -> None:
        self.rt = rt
        self.overrides = overrides or {}

    def get_namespace(self, name: str) -> Mapping[str, Any] | None:
        if self.overrides and name in self.overrides:
            obj = self.overrides[name]
            return obj if isinstance(obj, Mapping) else None
        rt = self.rt
        e = rt.namespace_cache.entries.get(rt.namespace_key_prefix + name)
        return e.obj if e is not None else None

    def list(self, resource: str, namespace: str) -> list[Mapping[str, Any]]:
        found = self.rt.cache_by_plural.get(resource)
        if found is None:
            return []
        cache, namespaced = found
        entries = cache.entries
        if not entries:
            return []
        return [entries[k].obj for k in cache.keys(namespace if namespaced else None)]

    def get(self, resource: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        # one dict lookup where list() + a scan by name would build the namespace's list:
        # the entry under the key list() reads, if it holds an object called ``name``
        found = self.rt.cache_by_plural.get(resource)
        if found is None:
            return None
        cache, namespaced = found
        if namespaced and not namespace:  # list() reads every namespace then
            for obj in self.list(resource, namespace):
                meta = obj.get("metadata")
                if isinstance(meta, Mapping) and meta.get("name") == name:
                    return obj
            return None
        e = cache.entries.get(
            f"{cache.prefix}{namespace}/{name}" if namespaced else cache.prefix + name
        )
        if e is None:
            return None
        obj = e.obj
        meta = obj.get("metadata")
        return obj if isinstance(meta, Mapping) and meta.get("name") == name else None


class Runtime:
    """Everything one boot of a :class:`KubeAPIServer` holds in memory (lost in a crash)."""

    def __init__(self, server: KubeAPIServer) -> None:
        self.server = server
        self.world: World = server.world
        self.host: Host = server.host
        self.epoch = self.host.epoch
        self.rng = server.world.rng(f"kube-apiserver/{server.host.name}/boot-{self.epoch}")
        self._uid_stream = f"kube-apiserver/{server.host.name}/uid"
        self._uid_rng = server.world.rng(self._uid_stream)
        self._names = server.world.rng(f"kube-apiserver/{server.host.name}/names")
        self.client = EtcdClient(
            server.world,
            server.etcd_endpoints,
            timeout=server.request_timeout,
            attempt_timeout=server.etcd_attempt_timeout,
            host=server.host.name,
        )
        self.etcd = EtcdStore(self.client)
        self.resources = server.resources
        self._by_group_res = {(r.group, r.name): r for r in self.resources}
        self._by_plural: dict[str, Resource] = {}
        for r in self.resources:
            self._by_plural.setdefault(r.name, r)
        prefixes = {r.prefix: r.namespaced for r in sorted(self.resources, key=lambda r: r.prefix)}
        self.cacher = Cacher(
            self.host,
            self.client,
            self.etcd,
            prefixes,
            on_ready=self._on_cache_ready,
            on_event=self._on_cache_event,
        )
        self.stores = {(r.group, r.name): RESTStore(self, r) for r in self.resources}
        #: plural -> (watch cache, namespaced) of the resource ``resource_by_plural`` finds
        self.cache_by_plural: dict[str, tuple[WatchCache, bool]] = {
            name: (self.cacher.caches[r.prefix], r.namespaced)
            for name, r in self._by_plural.items()
        }
        ns_res = self.resource("", "namespaces")
        #: the namespaces' cache and the key prefix of a namespace (``/registry/namespaces/``)
        self.namespace_cache: WatchCache = self.cacher.caches[ns_res.prefix]
        self.namespace_key_prefix = ns_res.prefix + "/"
        #: The admission lister of requests without objects of their own (no state).
        self._cache_lister = _AdmissionLister(self, None)
        self.admission: AdmissionChain = server.admission
        self.authorizer = RBACAuthorizer(_CachePolicyLister(self))
        self.compactor = Compactor(self.etcd, self.host, server.compaction_interval)
        self.bootstrapped = False
        self._namespaces_prefix = self.resource("", "namespaces").prefix + "/"
        self._sa_pending: set[str] = set()
        self._bootstrap_left = 0

    # -- lookups ---------------------------------------------------------------------------

    def resource(self, group: str, name: str) -> Resource:
        """The served resource ``name`` of ``group``."""
        return self._by_group_res[(group, name)]

    def resource_by_plural(self, name: str) -> Resource | None:
        """The first served resource with this plural (core group preferred)."""
        return self._by_plural.get(name)

    def cache_of(self, group: str, name: str) -> WatchCache:
        """The watch cache of a resource."""
        return self.cacher.caches[self.resource(group, name).prefix]

    def namespace_cached(self, name: str) -> bool:
        """Whether the namespace is in the cache."""
        return self.namespace_key_prefix + name in self.namespace_cache.entries

    def lister(self, ctx: RequestContext) -> _AdmissionLister:
        """The admission plugins' lister for one request."""
        overrides = ctx.data.get("lister_overrides")
        if not overrides:
            return self._cache_lister  # nothing of the request's own: the shared one
        return _AdmissionLister(self, overrides)

    def new_uid(self) -> str:
        """A fresh object UID (``FillObjectMetaSystemFields``)."""
        # self.world.uid(self._uid_stream), the stream looked up once
        return uuid4_string(self._uid_rng.getrandbits(128))

    def generate_name(self, base: str) -> str:
        """``names.SimpleNameGenerator``: base (cut to 58 characters) + 5 random characters."""
        if len(base) > MAX_GENERATED_NAME_LENGTH:
            base = base[:MAX_GENERATED_NAME_LENGTH]
        return base + "".join(self._names.choice(NAME_ALPHABET) for _ in range(5))

    # -- boot: post-start hooks ------------------------------------------------------------

    def _on_cache_ready(self) -> None:
        self.server._drain_waiting()
        if self.bootstrapped:
            return
        objs: list[tuple[str, dict[str, Any]]] = []
        for ns in SYSTEM_NAMESPACES:
            objs.append(
                ("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                        "metadata": {"name": ns}})
            )  # fmt: skip
        for obj in bootstrap_objects():
            plural = "clusterroles" if obj["kind"] == "ClusterRole" else "clusterrolebindings"
            objs.append((f"/apis/rbac.authorization.k8s.io/v1/{plural}", obj))
        self._bootstrap_left = len(objs)
        for path, obj in objs:
            name = obj["metadata"]["name"]
            res = self.resource(
                "" if obj["kind"] == "Namespace" else "rbac.authorization.k8s.io",
                "namespaces" if obj["kind"] == "Namespace" else path.rsplit("/", 1)[1],
            )
            if self.cacher.caches[res.prefix].get(res.key(name)) is not None:
                self._bootstrap_step()
                continue
            self._ensure(path, obj)

    def _ensure(self, path: str, obj: dict[str, Any]) -> None:
        """Create ``obj`` unless it exists; retry every second until etcd takes it (a
        post-start hook does not give up)."""

        def answered(resp: APIResponse) -> None:
            if resp.code in (201, 409):
                self._bootstrap_step()
            else:
                self.host.call_later(1.0, self._ensure, path, obj)

        self.server._loopback("POST", path, obj, answered)

    def _bootstrap_step(self) -> None:
        self._bootstrap_left -= 1
        if self._bootstrap_left == 0 and not self.bootstrapped:
            self.bootstrapped = True
            self.world.log(self.host.name, "kube-apiserver", "bootstrap-done")
            if self.server.service_account_controller:
                for e in self.cache_of("", "namespaces").iter_entries():
                    self._ensure_default_sa(str(e.obj["metadata"]["name"]), e.obj)

    def _on_cache_event(self, cache: WatchCache, ev: CacheEvent) -> None:
        if (
            cache.prefix == self._namespaces_prefix  # first: most events are of other kinds
            and self.bootstrapped
            and self.server.service_account_controller
            and ev.type == "ADDED"
        ):
            self._ensure_default_sa(str(ev.obj["metadata"]["name"]), ev.obj)

    def _ensure_default_sa(self, namespace: str, ns_obj: Mapping[str, Any]) -> None:
        """The ServiceAccount controller's job: a ``default`` ServiceAccount per namespace."""
        if (ns_obj.get("status") or {}).get("phase") == "Terminating":
            return
        res = self.resource("", "serviceaccounts")
        if self.cacher.caches[res.prefix].get(res.key("default", namespace)) is not None:
            return
        if namespace in self._sa_pending:
            return
        self._sa_pending.add(namespace)
        body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}

        def done(_r: APIResponse) -> None:
            self._sa_pending.discard(namespace)

        self.server._loopback("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts", body, done)


class _Chain:
    """The first stages of one request -- authentication, authorization, then dispatch to
    its handler -- as methods of one small object (no closures built per request)."""

    __slots__ = ("ctx", "rt", "server")

    def __init__(self, server: KubeAPIServer, rt: Runtime, ctx: RequestContext) -> None:
        self.server = server
        self.rt = rt
        self.ctx = ctx

    def authenticate(self) -> UserInfo:
        return self.server._authenticate(self.ctx)

    def authorize(self, _user: UserInfo) -> None:
        self.ctx.run("authorization", self.check, self.dispatch)

    def check(self) -> bool:
        return self.server._check_authorization(self.rt, self.ctx)

    def dispatch(self, _ok: bool) -> None:
        self.server._dispatch(self.rt, self.ctx)


@dataclass
class _Waiting:
    request: APIRequest
    respond: Callable[[Any], None]
    caller: str


class KubeAPIServer:
    """A kube-apiserver on ``host`` (a :class:`~kubelab.sim.Host` or a host name) backed by
    the etcd members named in ``etcd_endpoints``.

    ``authenticator`` is the authenticator chain (default: a new one with anonymous auth
    on); ``admission`` the admission plugins (default: the default-on plugins,
    :func:`~kubelab.apiserver.admission.default_plugins`) or an
    :class:`~kubelab.apiserver.admission.AdmissionChain`; ``stage_costs`` the simulated
    CPU time of each pipeline stage. ``field_validation`` is what a request without
    ``fieldValidation`` gets (``Warn``, the server default).
    """

    def __init__(
        self,
        world: World,
        host: Host | str,
        etcd_endpoints: Iterable[str],
        *,
        authenticator: Authenticator | None = None,
        anonymous_auth: bool = True,
        admission: AdmissionChain | Sequence[Plugin] | None = None,
        stage_costs: StageCosts | None = None,
        compaction_interval: float = DEFAULT_COMPACTION_INTERVAL,
        field_validation: str = "Warn",
        service_account_controller: bool = True,
        request_timeout: float = REQUEST_TIMEOUT,
        etcd_attempt_timeout: float = 2.0,
        trace_capacity: int = 1000,
    ) -> None:
        self.world = world
        self.host: Host = world.host(host) if isinstance(host, str) else host
        self.etcd_endpoints = list(etcd_endpoints)
        if not self.etcd_endpoints:
            raise ValueError("kube-apiserver needs at least one etcd endpoint")
        self.authenticator = authenticator or Authenticator(
            world.rng(f"kube-apiserver/{self.host.name}/authn"), anonymous=anonymous_auth
        )
        if admission is None:
            admission = AdmissionChain(
                default_plugins(world.rng(f"kube-apiserver/{self.host.name}/admission"))
            )
        elif not isinstance(admission, AdmissionChain):
            admission = AdmissionChain(list(admission))
        self.admission: AdmissionChain = admission
        self.stage_costs = stage_costs or StageCosts()
        self.compaction_interval = float(compaction_interval)
        if field_validation not in ("Ignore", "Warn", "Strict"):
            raise ValueError(
                f"field_validation must be Ignore, Warn or Strict, not {field_validation!r}"
            )
        self.field_validation = field_validation
        self.service_account_controller = service_account_controller
        self.request_timeout = float(request_timeout)
        self.etcd_attempt_timeout = float(etcd_attempt_timeout)
        self.resources: list[Resource] = build_resources()
        self._routes = {(r.group, r.info.version, r.name): r for r in self.resources}
        self.audit = AuditLog()
        self.traces: OrderedDict[str, RequestContext] = OrderedDict()
        self.trace_capacity = trace_capacity
        self._audit_rng = world.rng(f"kube-apiserver/{self.host.name}/audit-id")
        self._waiting: list[_Waiting] = []
        # the loopback client's identity (system:apiserver in system:masters)
        self._loopback_token = (
            world.rng(f"kube-apiserver/{self.host.name}/loopback").randbytes(16).hex()
        )
        self.authenticator.add_token(
            self._loopback_token, UserInfo("system:apiserver", (SYSTEM_PRIVILEGED_GROUP,))
        )
        self._rt: Runtime | None = None
        self.host.on_boot(self._boot)

    def __repr__(self) -> str:
        state = "ready" if self.ready else ("down" if not self.host.up else "starting")
        return f"<KubeAPIServer on {self.host.name} {state}>"

    # -- lifecycle -----------------------------------------------------------------------------

    def _boot(self, host: Host) -> None:
        self._rt = Runtime(self)
        self._waiting = []
        host.serve(PORT, self.handle)
        host.listen(CANCEL_PORT, self._on_cancel)
        self.world.log(host.name, "kube-apiserver", "start", etcd=",".join(self.etcd_endpoints))
        self._rt.cacher.start()

    @property
    def runtime(self) -> Runtime:
        """The state of the current boot (raises if the host is down)."""
        rt = self._rt
        if rt is None or not self.host.up or rt.epoch != self.host.epoch:
            raise RuntimeError(f"kube-apiserver on {self.host.name} is not running")
        return rt

    @property
    def ready(self) -> bool:
        """Running, caches filled and boot-time objects in place (``/readyz`` passes, and the
        system namespaces have their ``default`` ServiceAccount when the stand-in for the
        ServiceAccount controller is on)."""
        rt = self._rt
        if not (
            rt is not None
            and self.host.up
            and rt.epoch == self.host.epoch
            and rt.cacher.ready
            and rt.bootstrapped
        ):
            return False
        if not self.service_account_controller:
            return True
        sa = rt.resource("", "serviceaccounts")
        cache = rt.cacher.caches[sa.prefix]
        return all(cache.get(sa.key("default", ns)) is not None for ns in SYSTEM_NAMESPACES)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Run the world until the server is ready (at most ``timeout`` simulated seconds)."""
        deadline = self.world.now + timeout
        while not self.ready:
            if self.world.now >= deadline:
                raise TimeoutError(
                    f"kube-apiserver on {self.host.name} not ready within {timeout:g}s"
                )
            self.world.run(duration=min(0.01, deadline - self.world.now))

    def stop(self) -> None:
        """Stop serving (the host keeps running)."""
        self.host.unlisten(PORT)
        self.host.unlisten(CANCEL_PORT)
        rt = self._rt
        if rt is not None:
            rt.compactor.stop()
            rt.cacher.stop()
        self._rt = None

    # -- tokens and certificates -----------------------------------------------------------

    def issue_token(self, user: str, groups: Sequence[str] = ()) -> str:
        """A static bearer token for ``user`` (a line of ``--token-auth-file``)."""
        return self.authenticator.issue_static_token(UserInfo(user, tuple(groups)))

    def admin_certificate(self) -> ClientCertificate:
        """A client certificate for ``kubernetes-admin`` in ``system:masters`` (what
        kubeadm's admin.conf holds)."""
        return ClientCertificate("kubernetes-admin", (SYSTEM_PRIVILEGED_GROUP,))

    # -- request entry ---------------------------------------------------------------------

    def handle(self, request: Any, respond: Callable[[Any], None], caller: str) -> None:
        """Answer one request (``host.serve`` calls this; benchmarks may call it directly)."""
        if not isinstance(request, APIRequest):
            respond(APIResponse(400, errors.bad_request("not an API request").status))
            return
        rt = self._rt
        if rt is None or rt.epoch != self.host.epoch:
            return
        path = request.path
        if path.startswith(("/healthz", "/livez", "/readyz", "/version")):
            self._process(request, respond, caller)
            return
        if not rt.cacher.ready:
            self._waiting.append(_Waiting(request, respond, caller))
            return
        self._process(request, respond, caller)

    def _drain_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for w in waiting:
            self._process(w.request, w.respond, w.caller)

    def _loopback(
        self, method: str, path: str, body: Any, done: Callable[[APIResponse], None]
    ) -> None:
        req = APIRequest(method, path, body=body, token=self._loopback_token,
                         user_agent="kube-apiserver/loopback")  # fmt: skip
        self._process(req, lambda r: done(r), self.host.name)

    def _new_audit_id(self) -> str:
        return uuid4_string(self._audit_rng.getrandbits(128))

    def _process(self, request: APIRequest, respond: Callable[[Any], None], caller: str) -> None:
        rt = self.runtime
        ctx = RequestContext(
            self.host,
            request,
            caller,
            respond,
            self.stage_costs,
            self._new_audit_id(),
            self._done,
            parse_request_info(request.method, request.path, request.query),
        )
        self.traces[ctx.audit_id] = ctx
        if len(self.traces) > self.trace_capacity:
            self.traces.popitem(last=False)
        chain = _Chain(self, rt, ctx)
        ctx.run("authentication", chain.authenticate, chain.authorize)

    def _done(self, ctx: RequestContext) -> None:
        if not self.audit.enabled:
            return  # the record would be dropped (AuditLog.add)
        info = ctx.info
        user = ctx.user
        code = ctx.code
        message = ""
        if ctx.response is not None and code >= 400 and isinstance(ctx.response.body, dict):
            message = str(ctx.response.body.get("message", ""))
        stage = ctx.decided_by or (ctx.stages[-1].name if ctx.stages else "")
        query = ctx.request.query
        self.audit.add(
            AuditRecord(
                audit_id=ctx.audit_id,
                received=ctx.received,
                user=user.name if user is not None else "",
                groups=tuple(user.groups) if user is not None else (),
                verb=info.verb,
                method=info.method,
                path=info.path,
                query=urlencode(sorted(query.items())) if query else "",
                api_group=info.api_group,
                resource=info.resource,
                subresource=info.subresource,
                namespace=info.namespace,
                name=info.name or ctx.object_name,
                decision=ctx.decision,
                stage=stage,
                code=code,
                latency=ctx.latency,
                message=message,
                annotations=dict(ctx.annotations),
            )
        )

    # -- authentication and authorization ------------------------------------------------

    def _authenticate(self, ctx: RequestContext) -> UserInfo:
        req = ctx.request
        cert = None
        if req.certificate is not None:
            cert = AuthnCertificate(
                req.certificate.common_name,
                tuple(req.certificate.organizations),
                self.authenticator.client_ca,
            )
        header = f"Bearer {req.token}" if req.token else None
        try:
            user = self.authenticator.authenticate(authorization=header, certificate=cert)
        except Unauthorized as err:
            ctx.annotations["authentication.k8s.io/error"] = err.cause
            raise StatusError(err.status()) from None
        ctx.user = user
        return user

    def _attributes(self, ctx: RequestContext) -> Attributes:
        info = ctx.info
        assert ctx.user is not None
        if not info.is_resource_request:
            return Attributes(ctx.user, info.verb, resource_request=False, path=info.path)
        return Attributes(
            ctx.user,
            info.verb,
            info.namespace,
            info.resource,
            info.subresource,
            info.name,
            info.api_group,
        )

    def authorize(self, rt: Runtime, attrs: Attributes) -> tuple[bool, str]:
        """The authorizer chain: ``system:masters`` (the privileged-groups authorizer),
        then RBAC; no opinion from all is a deny."""
        if SYSTEM_PRIVILEGED_GROUP in attrs.user.groups:
            return True, ""
        decision = rt.authorizer.authorize(attrs)
        return decision.allowed, decision.reason

    def _check_authorization(self, rt: Runtime, ctx: RequestContext) -> bool:
        """The authorization stage: allowed, or a 403 raised."""
        user = ctx.user
        if (
            user is not None
            and SYSTEM_PRIVILEGED_GROUP in user.groups
            and type(self).authorize is KubeAPIServer.authorize
            and "authorize" not in self.__dict__
        ):
            # what authorize() answers a system:masters user, without its attributes
            ctx.decision = "allow"
            return True
        attrs = self._attributes(ctx)
        allowed, reason = self.authorize(rt, attrs)
        ctx.decision = "allow" if allowed else "forbid"
        if reason:
            ctx.annotations["authorization.k8s.io/reason"] = reason
        if not allowed:
            raise StatusError(forbidden_status(attrs, reason))
        return True

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self, rt: Runtime, ctx: RequestContext) -> None:
        info = ctx.info
        try:
            if not info.is_resource_request:
                self._non_resource(rt, ctx)
                return
            if info.api_group == _AUTHZ_GROUP:
                self._access_review(rt, ctx)
                return
            res = self._routes.get((info.api_group, info.api_version, info.resource))
            if res is None:
                raise StatusError(_NOT_FOUND_BODY)
            self._resource_request(rt, ctx, res)
        except StatusError as err:
            ctx.fail(err, "decode")

    def _method_not_allowed(self) -> StatusError:
        return StatusError(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": "the server does not allow this method on the requested resource",
                "reason": "MethodNotAllowed",
                "details": {},
                "code": 405,
            }
        )

    def _resource_request(self, rt: Runtime, ctx: RequestContext, res: Resource) -> None:
        info = ctx.info
        req = ctx.request
        query = req.query
        store = rt.stores[(res.group, res.name)]
        ns = info.namespace
        # namespaced resources need a namespace except for list/watch across namespaces
        if res.namespaced:
            if not ns and (info.name or info.verb not in ("list", "watch")):
                raise self._method_not_allowed() if not info.name else StatusError(_NOT_FOUND_BODY)
        elif ns and res.name != "namespaces":
            raise StatusError(_NOT_FOUND_BODY)
        if res.name == "namespaces" and not res.group:
            ns = ""
        fv = query.get("fieldValidation", self.field_validation) or self.field_validation
        if fv not in FIELD_VALIDATION_VALUES:
            raise errors.bad_request(
                f"fieldValidation parameter unsupported: {fv}, supported values are: "
                "Ignore, Warn, Strict"
            )
        ctx.data["field_validation"] = fv
        dry = query.get("dryRun")
        if dry is not None:
            if dry != "All":
                raise errors.bad_request(f"Invalid dry run value: {dry}")
            ctx.data["dry_run"] = True
        if req.body is not None and info.verb in ("create", "update", "patch"):
            try:
                size = len(codec.dumps(req.body))
            except (TypeError, ValueError) as err:
                # an in-process body that could never be JSON on the wire (a set, an object):
                # what the decoder answers a body it cannot read
                raise errors.bad_request(
                    f"the request body is not JSON: couldn't get version/kind; json parse "
                    f"error: {err}"
                ) from None
            if size > MAX_REQUEST_BODY_BYTES:
                raise errors.request_entity_too_large(f"limit is {MAX_REQUEST_BODY_BYTES}")
        verb, sub, name = info.verb, info.subresource, info.name
        if sub:
            subres = res.subresources.get(sub)
            if subres is None:
                raise StatusError(_NOT_FOUND_BODY)
            if verb not in subres.verbs:
                raise self._method_not_allowed()
            if sub == "scale":
                if verb == "get":
                    store.get_scale(ctx, ns, name)
                elif verb == "update":
                    store.update_scale(ctx, ns, name, req.body)
                else:
                    store.update_scale(ctx, ns, name, req.body, req.content_type)
            elif sub == "binding":
                store.bind(ctx, ns, name, req.body)
            elif sub == "eviction":
                store.evict(ctx, ns, name, req.body)
            elif verb == "get":
                store.get(ctx, ns, name, query)
            elif verb == "update":
                store.update(ctx, ns, name, req.body, sub)
            else:
                store.patch(ctx, ns, name, req.body, req.content_type, sub)
            return
        if verb not in res.verbs or (verb in ("update", "patch") and not name):
            raise self._method_not_allowed()
        if verb == "get":
            store.get(ctx, ns, name, query)
        elif verb in ("list", "watch"):
            opts = parse_list_options(query, res.strategy.check_field_label)
            if opts.watch or verb == "watch":
                opts.watch = True
                store.watch(ctx, ns, opts)
            else:
                store.list_objects(ctx, ns, opts)
        elif verb == "create":
            if name:
                raise self._method_not_allowed()
            store.create(ctx, ns, req.body)
        elif verb == "update":
            store.update(ctx, ns, name, req.body)
        elif verb == "patch":
            store.patch(ctx, ns, name, req.body, req.content_type)
        elif verb == "delete":
            store.delete(ctx, ns, name, parse_delete_options(req.body, query))
        elif verb == "deletecollection":
            opts = parse_list_options(query, res.strategy.check_field_label)
            store.delete_collection(ctx, ns, opts, parse_delete_options(req.body, query))
        else:
            raise self._method_not_allowed()

    # -- SelfSubjectAccessReview / SelfSubjectRulesReview ------------------------------------

    def _access_review(self, rt: Runtime, ctx: RequestContext) -> None:
        info = ctx.info
        body = ctx.request.body if isinstance(ctx.request.body, dict) else {}
        assert ctx.user is not None
        if info.verb != "create" or info.api_version != "v1":
            raise StatusError(_NOT_FOUND_BODY)
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        if info.resource == "selfsubjectaccessreviews":
            ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
            if isinstance(ra, dict):
                attrs = Attributes(
                    ctx.user,
                    str(ra.get("verb", "")),
                    str(ra.get("namespace", "")),
                    str(ra.get("resource", "")),
                    str(ra.get("subresource", "")),
                    str(ra.get("name", "")),
                    str(ra.get("group", "")),
                )
            elif isinstance(nra, dict):
                attrs = Attributes(
                    ctx.user,
                    str(nra.get("verb", "")),
                    resource_request=False,
                    path=str(nra.get("path", "")),
                )
            else:
                raise errors.invalid(
                    "SelfSubjectAccessReview",
                    "",
                    [_required("spec.resourceAttributes",
                               "exactly one of nonResourceAttributes or resourceAttributes "
                               "must be specified")],
                    _AUTHZ_GROUP,
                )  # fmt: skip
            allowed, reason = self.authorize(rt, attrs)
            status: dict[str, Any] = {"allowed": allowed}
            if reason:
                status["reason"] = reason
            ctx.finish(201, _review("SelfSubjectAccessReview", spec, status), stage="authorization")
            return
        if info.resource == "selfsubjectrulesreviews":
            try:
                status = rules_for(rt.authorizer, ctx.user, str(spec.get("namespace", "")))
            except ValueError as err:
                raise errors.bad_request(str(err)) from None
            ctx.finish(201, _review("SelfSubjectRulesReview", spec, status), stage="authorization")
            return
        raise StatusError(_NOT_FOUND_BODY)

    # -- non-resource paths: discovery, version, health --------------------------------------

    def _non_resource(self, rt: Runtime, ctx: RequestContext) -> None:
        path = ctx.request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            ctx.finish(200, dict(KUBERNETES_VERSION), stage="response")
            return
        if parts and parts[0] in ("healthz", "livez", "readyz"):
            self._health(rt, ctx, parts)
            return
        if ctx.request.method not in ("GET", "HEAD"):
            raise self._method_not_allowed()
        body = self.discovery(path)
        if body is None:
            raise StatusError(_NOT_FOUND_BODY)
        ctx.finish(200, body, stage="response")

    def discovery(self, path: str) -> dict[str, Any] | None:
        """The discovery document at ``path`` (``None`` if there is none)."""
        parts = [p for p in path.split("/") if p]
        groups = api_groups(self.resources)
        groups[_AUTHZ_GROUP] = ["v1"]
        if parts == ["api"]:
            return {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"{self.host.name}:6443"}
                ],
            }
        if parts == ["api", "v1"]:
            return {
                "kind": "APIResourceList",
                "groupVersion": "v1",
                "resources": self._resource_list("", "v1"),
            }
        if parts == ["apis"]:
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [self._group_doc(g, v) for g, v in sorted(groups.items())],
            }
        if len(parts) == 2 and parts[0] == "apis" and parts[1] in groups:
            return {
                "kind": "APIGroup",
                "apiVersion": "v1",
                **self._group_doc(parts[1], groups[parts[1]]),
            }
        if len(parts) == 3 and parts[0] == "apis" and parts[2] in groups.get(parts[1], []):
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": f"{parts[1]}/{parts[2]}",
                "resources": self._resource_list(parts[1], parts[2]),
            }
        return None

    def _group_doc(self, group: str, versions: list[str]) -> dict[str, Any]:
        vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": vs, "preferredVersion": vs[0]}

    def _resource_list(self, group: str, version: str) -> list[dict[str, Any]]:
        if group == _AUTHZ_GROUP:
            return [
                {"name": n, "singularName": s, "namespaced": False, "kind": k, "verbs": ["create"]}
                for n, s, k in (
                    (
                        "selfsubjectaccessreviews",
                        "selfsubjectaccessreview",
                        "SelfSubjectAccessReview",
                    ),
                    ("selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview"),
                )
            ]
        out: list[dict[str, Any]] = []
        for r in sorted(
            (r for r in self.resources if r.group == group and r.info.version == version),
            key=lambda r: r.name,
        ):
            out += r.discovery()
        return out

    def _health(self, rt: Runtime, ctx: RequestContext, parts: list[str]) -> None:
        kind = parts[0]
        verbose = "verbose" in ctx.request.query
        checks: list[tuple[str, bool]] = [("ping", True), ("log", True)]

        def report(etcd_ok: bool) -> None:
            checks.append(("etcd", etcd_ok))
            if kind == "readyz":
                checks.append(("etcd-readiness", etcd_ok))
                checks.append(("informer-sync", rt.cacher.ready))
            if kind != "livez":
                checks.append(("poststarthook/start-kube-apiserver-admission-initializer", True))
                checks.append(("poststarthook/rbac/bootstrap-roles", rt.bootstrapped))
            if kind == "readyz":
                checks.append(("shutdown", True))
            ok = all(c for _, c in checks)
            if len(parts) > 1:  # a single check: /readyz/etcd
                wanted = "/".join(parts[1:])
                match = [c for n, c in checks if n == wanted]
                if not match:
                    raise StatusError(_NOT_FOUND_BODY)
                ok = match[0]
                text = "ok" if ok else "internal server error: check failed"
                ctx.finish(200 if ok else 500, text, stage="response")
                return
            if ok and not verbose:
                ctx.finish(200, "ok", stage="response")
                return
            lines = [f"[+]{n} ok" if c else f"[-]{n} failed: reason withheld" for n, c in checks]
            lines.append(f"{kind} check passed" if ok else f"{kind} check failed")
            ctx.finish(200 if ok else 500, "\n".join(lines), stage="response")

        key = "/registry/health"
        state = {"done": False}

        def answered(result: Any, err: BaseException | None) -> None:
            if not state["done"] and ctx.alive:
                state["done"] = True
                report(err is None)

        def expire() -> None:
            if not state["done"] and ctx.alive:
                state["done"] = True
                report(False)

        rt.etcd.get(key, answered)
        self.host.call_later(2.0, expire)

    # -- watch cancellation -----------------------------------------------------------------

    def _on_cancel(self, env: Envelope) -> None:
        rt = self._rt
        if rt is None:
            return
        payload = env.payload
        if not isinstance(payload, tuple) or len(payload) != 2:
            return
        client, port = payload
        w = rt.cacher.find_watch(str(client), str(port))
        if w is not None:
            rt.cacher.stop_watch(w)

    # -- looking inside ---------------------------------------------------------------------

    def trace(self, audit_id: str) -> RequestContext | None:
        """The pipeline record of a recent request, by its ``Audit-Id`` header."""
        return self.traces.get(audit_id)

    def last_trace(self, verb: str | None = None) -> RequestContext | None:
        """The most recent request (with this Kubernetes verb)."""
        for ctx in reversed(self.traces.values()):
            if verb is None or ctx.info.verb == verb:
                return ctx
        return None

    def describe_pipeline(self) -> dict[str, Any]:
        """The live configuration of the pipeline (what :func:`pipeline_diagram` draws)."""
        rt = self._rt
        cached = sum(len(c) for c in rt.cacher.caches.values()) if rt is not None else 0
        return {
            "authenticators": [
                "x509 client certificates",
                "bearer tokens (static, service account)",
                "anonymous: " + ("on" if self.authenticator.anonymous else "off"),
            ],
            "authorizers": ["system:masters (privileged groups)", "RBAC"],
            "mutating": [p.name for p in self.admission.plugins if p.is_mutating],
            "validating": [p.name for p in self.admission.plugins if p.is_validating],
            "etcd": list(self.etcd_endpoints),
            "cached_objects": cached,
            "field_validation": self.field_validation,
            "stage_costs_ms": self.stage_costs.as_dict(),
        }

    def etcd_key(
        self, resource: str, name: str, namespace: str | None = None, group: str = ""
    ) -> str:
        """The etcd key of an object of ``resource`` (``/registry/pods/default/web``)."""
        for r in self.resources:
            if r.name == resource and r.group == group:
                return r.key(name, namespace)
        raise KeyError(f"resource {resource!r} in group {group!r} is not served")

    def check_cache_integrity(self) -> list[str]:
        """Keys of cached objects that a client changed in place (should be empty)."""
        return self.runtime.cacher.check_integrity()


def _required(path: str, detail: str) -> FieldError:
    return FieldError.required(path, detail)


# ---------------------------------------------------------------------------------- sessions


class SessionWatch:
    """A watch opened by :meth:`APIServerSession.watch`: events collect as they arrive."""

    def __init__(self, session: APIServerSession, port: str, response: APIResponse) -> None:
        self.session = session
        self.port = port
        self.response = response
        self.closed = False
        self._events: list[dict[str, Any]] = []

    def _on_message(self, env: Envelope) -> None:
        if env.payload is None:
            self.closed = True
            return
        self._events.append(env.payload)

    def events(self, duration: float = 0.0) -> list[dict[str, Any]]:
        """Run the world ``duration`` simulated seconds; the events received since last time."""
        if duration > 0:
            self.session.world.run(duration=duration)
        out, self._events = self._events, []
        return out

    def cancel(self) -> None:
        """Ask the server to stop this watch."""
        host = self.session.client
        host.send(self.session.server, CANCEL_PORT, (host.name, self.port))
        self.closed = True


class APIServerSession:
    """One identity talking to one API server, one request at a time, waiting for each
    answer (``world.wait``). For tests and notebook cells; components use the client library.

    ``token`` or ``certificate`` is the credential (neither: anonymous).
    """

    def __init__(
        self,
        world: World,
        server: str,
        client: Host | str,
        *,
        token: str | None = None,
        certificate: ClientCertificate | None = None,
        timeout: float = 70.0,
    ) -> None:
        self.world = world
        self.server = server
        self.client: Host = world.host(client) if isinstance(client, str) else client
        self.token = token
        self.certificate = certificate
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Mapping[str, str] | None = None,
        content_type: str = "application/json",
        watch_port: str | None = None,
    ) -> APIResponse:
        """Send one request and wait for the response."""
        req = APIRequest(
            method.upper(),
            path,
            dict(query or {}),
            body,
            content_type,
            self.token,
            self.certificate,
            watch_port,
        )
        ev = self.client.call(self.server, PORT, req, self.timeout)
        resp = self.world.wait(ev)
        assert isinstance(resp, APIResponse)
        return resp

    def get(self, path: str, **query: str) -> APIResponse:
        """GET ``path`` with query parameters."""
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any, **query: str) -> APIResponse:
        """POST ``body`` to ``path``."""
        return self.request("POST", path, body, query=query)

    def put(self, path: str, body: Any, **query: str) -> APIResponse:
        """PUT ``body`` to ``path``."""
        return self.request("PUT", path, body, query=query)

    def patch(
        self, path: str, body: Any, content_type: str = "application/merge-patch+json", **query: str
    ) -> APIResponse:
        """PATCH ``path`` (merge patch unless ``content_type`` says otherwise)."""
        return self.request("PATCH", path, body, query=query, content_type=content_type)

    def delete(self, path: str, body: Any = None, **query: str) -> APIResponse:
        """DELETE ``path`` (``body``: DeleteOptions)."""
        return self.request("DELETE", path, body, query=query)

    def watch(self, path: str, **query: str) -> SessionWatch:
        """Open a watch on ``path``; read its events with :meth:`SessionWatch.events`."""
        n = int(self.client.memory.get("session-watch-ports", 0)) + 1
        self.client.memory["session-watch-ports"] = n
        port = f"session-watch-{n}"
        q = {"watch": "true", **query}
        holder: list[SessionWatch] = []
        pending: list[Envelope] = []

        def on(env: Envelope) -> None:
            if holder:
                holder[0]._on_message(env)
            else:
                pending.append(env)

        self.client.listen(port, on)
        resp = self.request("GET", path, query=q, watch_port=port)
        w = SessionWatch(self, port, resp)
        holder.append(w)
        for env in pending:
            w._on_message(env)
        return w
