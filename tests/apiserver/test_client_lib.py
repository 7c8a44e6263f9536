"""The API client: REST paths, bodies, error mapping, failover across API servers, watches.

The tests run against :class:`FakeAPIServer`, a small API server written here: a dict store
shared by any number of server hosts (as several kube-apiservers share one etcd), with
resourceVersions, watches (replay from a resourceVersion, 410 once the history is compacted,
bookmarks, ``timeoutSeconds``), cancellation, and error injection. It speaks the wire format of
:mod:`kubelab.apiserver.wire`. The informer, work queue and leader election tests use it too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from kubelab.api.kinds import KindInfo, all_kinds
from kubelab.api.selectors import FieldSelector, Selector, parse_field_selector, parse_selector
from kubelab.apiserver import errors as apierrors
from kubelab.apiserver import patch as patches
from kubelab.apiserver.client import (
    HTTP2_PING_TIMEOUT,
    HTTP2_READ_IDLE_TIMEOUT,
    AlreadyExists,
    APIClient,
    APIStatusError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    InternalError,
    Invalid,
    NotFound,
    ServerTimeout,
    ServerUnavailable,
    ServiceUnavailable,
    Timeout,
    TooManyRequests,
    Unauthorized,
    error_from_status,
    resolve_resource,
    resource_path,
)
from kubelab.apiserver.errors import StatusError
from kubelab.apiserver.wire import CANCEL_PORT, PORT, APIRequest, APIResponse
from kubelab.sim import HostDown, World

# -- the fake API server -----------------------------------------------------------------------


def _info(group: str, resource: str) -> KindInfo:
    for k in all_kinds():
        if k.group == group and k.resource == resource:
            return k
    raise apierrors.not_found(resource, "", group)


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


@dataclass
class _Watcher:
    client: str
    port: str
    info: KindInfo
    namespace: str | None
    labels: Selector
    fields: FieldSelector | None
    bookmarks: bool

    def matches(self, info: KindInfo, obj: dict[str, Any]) -> bool:
        if info != self.info:
            return False
        meta = obj.get("metadata") or {}
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        if not self.labels.matches(meta.get("labels") or {}):
            return False
        return self.fields is None or self.fields.matches(obj)


class FakeStorage:
    """What the fake API servers share: objects, one revision counter, the event history."""

    def __init__(self) -> None:
        self.rv = 1
        self.objects: dict[KindInfo, dict[tuple[str, str], dict[str, Any]]] = {}
        self.history: list[tuple[int, str, KindInfo, dict[str, Any]]] = []
        #: Watches from a resourceVersion below this are answered 410.
        self.compacted = 0
        self.servers: list[FakeAPIServer] = []
        self._uid = 0

    def store(self, info: KindInfo) -> dict[tuple[str, str], dict[str, Any]]:
        return self.objects.setdefault(info, {})

    def commit(self, etype: str, info: KindInfo, obj: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        if etype == "ADDED":
            self._uid += 1
            obj["metadata"].setdefault("uid", f"uid-{self._uid}")
        if etype == "DELETED":
            self.store(info).pop(_key(obj), None)
        else:
            self.store(info)[_key(obj)] = obj
        self.history.append((self.rv, etype, info, obj))
        for server in self.servers:
            server.fanout(etype, info, obj)
        return copy.deepcopy(obj)

    def compact(self) -> None:
        """Forget the event history: watches from older resourceVersions get 410."""
        self.compacted = self.rv
        self.history.clear()

    def state(self, resource: str, group: str = "") -> dict[str, dict[str, Any]]:
        """Objects of a resource by informer key (``ns/name`` or ``name``)."""
        out = {}
        for (ns, name), obj in self.store(_info(group, resource)).items():
            out[f"{ns}/{name}" if ns else name] = obj
        return out


class FakeAPIServer:
    """A minimal API server on host ``name`` speaking the wire format."""

    def __init__(
        self,
        world: World,
        name: str,
        storage: FakeStorage,
        *,
        bookmark_period: float | None = None,
        watch_errors_as_events: bool = True,
    ) -> None:
        self.world = world
        self.storage = storage
        self.bookmark_period = bookmark_period
        self.watch_errors_as_events = watch_errors_as_events
        self.requests: list[tuple[str, APIRequest]] = []
        self.fail_next: list[StatusError] = []
        #: Accept requests but never answer (a hung server).
        self.hang = False
        storage.servers.append(self)
        self.host = world.host(name)
        self.host.on_boot(self._boot)

    def _boot(self, host: Any) -> None:
        host.serve(PORT, self._handle)
        host.listen(CANCEL_PORT, self._cancel)
        host.memory["watchers"] = {}
        if self.bookmark_period:
            host.every(self.bookmark_period, self._bookmarks)

    @property
    def watchers(self) -> dict[tuple[str, str], _Watcher]:
        w: dict[tuple[str, str], _Watcher] = self.host.memory.get("watchers", {})
        return w

    # -- watch fan-out ---------------------------------------------------------------------------
    def _send(self, w: _Watcher, etype: str, obj: dict[str, Any] | None) -> None:
        msg = None if etype == "END" else {"type": etype, "object": copy.deepcopy(obj)}
        self.host.send(w.client, w.port, msg)

    def fanout(self, etype: str, info: KindInfo, obj: dict[str, Any]) -> None:
        if not self.host.up:
            return
        for key in sorted(self.watchers):
            w = self.watchers[key]
            if w.matches(info, obj):
                self._send(w, etype, obj)

    def _bookmarks(self) -> None:
        for key in sorted(self.watchers):
            w = self.watchers[key]
            if w.bookmarks:
                meta = {"resourceVersion": str(self.storage.rv)}
                self._send(w, "BOOKMARK", {"kind": w.info.kind, "metadata": meta})

    def end_watches(self, error: StatusError | None = None) -> None:
        """End every watch (with an ERROR event first, if given)."""
        for key in sorted(self.watchers):
            w = self.watchers.pop(key)
            if error is not None:
                self.host.send(w.client, w.port, {"type": "ERROR", "object": error.status})
            self._send(w, "END", None)

    def _cancel(self, env: Any) -> None:
        self.watchers.pop(tuple(env.payload), None)

    # -- requests --------------------------------------------------------------------------------
    def _handle(self, req: APIRequest, respond: Callable[[Any], None], src: str) -> None:
        self.requests.append((src, req))
        if self.hang:
            return
        if self.fail_next:
            err = self.fail_next.pop(0)
            respond(APIResponse(err.code, err.status))
            return
        try:
            resp = self._dispatch(req, respond, src)
        except StatusError as err:
            resp = APIResponse(err.code, err.status)
        if resp is not None:
            respond(resp)

    def _parse(self, path: str) -> tuple[KindInfo, str | None, str | None, str | None]:
        parts = path.strip("/").split("/")
        if parts[0] == "api":
            group, rest = "", parts[2:]
        else:
            group, rest = parts[1], parts[3:]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        info = _info(group, rest[0])
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        return info, ns, name, sub

    def _dispatch(
        self, req: APIRequest, respond: Callable[[Any], None], src: str
    ) -> APIResponse | None:
        if req.path == "/healthz":
            return APIResponse(200, "ok")
        info, ns, name, sub = self._parse(req.path)
        store = self.storage.store(info)
        st = self.storage
        if name is None:
            if req.method == "GET" and req.query.get("watch") == "true":
                return self._watch(req, info, ns, respond, src)
            if req.method == "GET":
                return self._list(req, info, ns)
            if req.method == "POST":
                body = copy.deepcopy(req.body)
                body.setdefault("metadata", {})
                if ns:
                    body["metadata"]["namespace"] = ns
                if _key(body) in store:
                    raise apierrors.already_exists(
                        info.resource, body["metadata"]["name"], info.group
                    )
                body["metadata"]["creationTimestamp"] = self.world.timestamp()
                return APIResponse(201, st.commit("ADDED", info, body))
            raise apierrors.method_not_supported(info.resource, req.method, info.group)
        cur = store.get((ns or "", name))
        if req.method == "POST" and sub == "binding":
            if cur is None:
                raise apierrors.not_found(info.resource, name, info.group)
            if cur.get("spec", {}).get("nodeName"):
                raise apierrors.conflict(
                    info.resource,
                    name,
                    f'pod {name} is already assigned to node "{cur["spec"]["nodeName"]}"',
                )
            new = copy.deepcopy(cur)
            new.setdefault("spec", {})["nodeName"] = req.body["target"]["name"]
            st.commit("MODIFIED", info, new)
            return APIResponse(
                201,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Success",
                    "code": 201,
                },
            )
        if cur is None:
            raise apierrors.not_found(info.resource, name, info.group)
        if req.method == "POST" and sub == "eviction":
            st.commit("DELETED", info, cur)
            return APIResponse(
                201,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Success",
                    "code": 201,
                },
            )
        if req.method == "GET" and sub == "scale":
            return APIResponse(200, self._scale(cur))
        if req.method == "GET":
            return APIResponse(200, copy.deepcopy(cur))
        if req.method == "PUT":
            body = copy.deepcopy(req.body)
            rv = (body.get("metadata") or {}).get("resourceVersion")
            if rv and rv != cur["metadata"]["resourceVersion"]:
                raise apierrors.conflict(info.resource, name, group=info.group)
            new = copy.deepcopy(cur)
            if sub == "status":
                new["status"] = body.get("status")
            elif sub == "scale":
                new.setdefault("spec", {})["replicas"] = body["spec"]["replicas"]
            else:
                body["metadata"] = {**cur["metadata"], **body["metadata"]}
                new = body
            out = st.commit("MODIFIED", info, new)
            return APIResponse(200, self._scale(out) if sub == "scale" else out)
        if req.method == "PATCH":
            if req.content_type == patches.MERGE_PATCH:
                new = patches.json_merge_patch(cur, req.body)
            elif req.content_type == patches.JSON_PATCH:
                new = patches.json_patch(cur, req.body)
            else:
                new = patches.strategic_merge_patch(info.kind, cur, req.body)
            return APIResponse(200, st.commit("MODIFIED", info, new))
        if req.method == "DELETE":
            return APIResponse(200, st.commit("DELETED", info, cur))
        raise apierrors.method_not_supported(info.resource, req.method, info.group)

    def _scale(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "resourceVersion")},
            "spec": {"replicas": obj.get("spec", {}).get("replicas", 1)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0)},
        }

    def _selectors(self, req: APIRequest) -> tuple[Selector, FieldSelector | None]:
        labels = parse_selector(req.query.get("labelSelector", ""))
        fs = req.query.get("fieldSelector")
        return labels, parse_field_selector(fs) if fs else None

    def _list(self, req: APIRequest, info: KindInfo, ns: str | None) -> APIResponse:
        labels, fields = self._selectors(req)
        w = _Watcher("", "", info, ns, labels, fields, False)
        store = self.storage.store(info)
        items = [copy.deepcopy(store[k]) for k in sorted(store) if w.matches(info, store[k])]
        body = {
            "kind": f"{info.kind}List",
            "apiVersion": info.api_version,
            "metadata": {"resourceVersion": str(self.storage.rv)},
            "items": items,
        }
        return APIResponse(200, body)

    def _watch(
        self,
        req: APIRequest,
        info: KindInfo,
        ns: str | None,
        respond: Callable[[Any], None],
        src: str,
    ) -> None:
        st = self.storage
        since = req.query.get("resourceVersion", "")
        assert req.watch_port is not None
        if since not in ("", "0") and int(since) < st.compacted:
            err = apierrors.too_old_resource_version(int(since), st.compacted)
            if not self.watch_errors_as_events:
                respond(APIResponse(410, err.status))
                return
            respond(APIResponse(200, {"watch": req.watch_port}))
            self.host.send(src, req.watch_port, {"type": "ERROR", "object": err.status})
            self.host.send(src, req.watch_port, None)
            return
        labels, fields = self._selectors(req)
        w = _Watcher(
            src,
            req.watch_port,
            info,
            ns,
            labels,
            fields,
            req.query.get("allowWatchBookmarks") == "true",
        )
        respond(APIResponse(200, {"watch": req.watch_port}))
        if since in ("", "0"):
            store = st.store(info)
            for k in sorted(store):
                if w.matches(info, store[k]):
                    self._send(w, "ADDED", store[k])
        else:
            for rv, etype, i, obj in st.history:
                if rv > int(since) and w.matches(i, obj):
                    self._send(w, etype, obj)
        key = (src, req.watch_port)
        self.watchers[key] = w
        if "timeoutSeconds" in req.query:
            epoch = self.host.epoch

            def end() -> None:
                if self.host.epoch == epoch and self.watchers.pop(key, None) is not None:
                    self._send(w, "END", None)

            self.host.call_later(float(req.query["timeoutSeconds"]), end)


class FakeCluster:
    """A world with API servers ``api-1`` .. ``api-N`` sharing one :class:`FakeStorage`."""

    def __init__(self, servers: int = 1, seed: int = 1, **server_opts: Any) -> None:
        self.world = World(seed=seed)
        self.storage = FakeStorage()
        self.servers = [
            FakeAPIServer(self.world, f"api-{i + 1}", self.storage, **server_opts)
            for i in range(servers)
        ]
        self.endpoints = [s.host.name for s in self.servers]

    def client(self, host: str = "client", **opts: Any) -> APIClient:
        return APIClient(self.world, host, self.endpoints, **opts)

    def requests(self) -> list[APIRequest]:
        return [r for s in self.servers for _, r in s.requests]


class RealCluster:
    """etcd and ``servers`` real kube-apiservers (``cp-1`` .. ``cp-N``) sharing it, with
    admin clients -- for the integration tests against :mod:`kubelab.apiserver.server`."""

    def __init__(self, servers: int = 1, seed: int = 1) -> None:
        server_mod = pytest.importorskip("kubelab.apiserver.server")
        from kubelab.etcd import EtcdCluster

        self.world = World(seed=seed)
        self.etcd = EtcdCluster(self.world, members=1)
        self.etcd.wait_for_leader()
        self.servers = [
            server_mod.KubeAPIServer(self.world, f"cp-{i + 1}", self.etcd.names)
            for i in range(servers)
        ]
        for s in self.servers:
            s.wait_ready()
        self.endpoints = [s.host.name for s in self.servers]

    def client(self, host: str = "client", **opts: Any) -> APIClient:
        cert = self.servers[0].admin_certificate()
        return APIClient(self.world, host, self.endpoints, certificate=cert, **opts)


def pod(name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]},
    }


# -- paths and bodies --------------------------------------------------------------------------


def test_resource_paths_follow_the_rest_layout() -> None:
    # Paths as in the Kubernetes API reference (API concepts: "Resource URIs").
    assert resource_path(resolve_resource("pods"), "default", "web") == (
        "/api/v1/namespaces/default/pods/web"
    )
    assert resource_path(resolve_resource("deploy"), "prod", "web", "scale") == (
        "/apis/apps/v1/namespaces/prod/deployments/web/scale"
    )
    assert resource_path(resolve_resource("nodes"), None, "n1", "status") == (
        "/api/v1/nodes/n1/status"
    )
    assert resource_path(resolve_resource("pods")) == "/api/v1/pods"
    assert resource_path(resolve_resource("leases", "coordination.k8s.io"), "kube-system") == (
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"
    )
    assert resource_path(resolve_resource("events", "events.k8s.io"), "default") == (
        "/apis/events.k8s.io/v1/namespaces/default/events"
    )
    assert resource_path(resolve_resource("namespaces"), None, "kube-system") == (
        "/api/v1/namespaces/kube-system"
    )
    with pytest.raises(ValueError, match="cluster-scoped"):
        resource_path(resolve_resource("nodes"), "default", "n1")


def test_each_verb_sends_the_real_method_path_query_and_body() -> None:
    c = FakeCluster()
    cl = c.client()
    cl.create(pod("web", app="web"))
    cl.get("pods", "web", "default")
    cl.list(
        "pods",
        "default",
        label_selector={"app": "web", "tier": "fe"},
        limit=5,
        field_selector="spec.nodeName=n1",
        resource_version="0",
    )
    cl.patch("pods", "web", {"metadata": {"labels": {"x": "y"}}}, "default", patch_type="merge")
    cl.bind(cl.get("pods", "web", "default"), "node-1")
    cl.delete("pods", "web", "default", grace_period_seconds=0, propagation_policy="Background")
    sent = c.requests()
    assert [(r.method, r.path) for r in sent] == [
        ("POST", "/api/v1/namespaces/default/pods"),
        ("GET", "/api/v1/namespaces/default/pods/web"),
        ("GET", "/api/v1/namespaces/default/pods"),
        ("PATCH", "/api/v1/namespaces/default/pods/web"),
        ("GET", "/api/v1/namespaces/default/pods/web"),
        ("POST", "/api/v1/namespaces/default/pods/web/binding"),
        ("DELETE", "/api/v1/namespaces/default/pods/web"),
    ]
    assert sent[2].query == {
        "labelSelector": "app=web,tier=fe",
        "fieldSelector": "spec.nodeName=n1",
        "limit": "5",
        "resourceVersion": "0",
    }
    assert sent[3].content_type == "application/merge-patch+json"
    binding = sent[5].body
    assert binding["kind"] == "Binding" and binding["target"] == {
        "kind": "Node",
        "apiVersion": "v1",
        "name": "node-1",
    }
    assert binding["metadata"]["uid"] == "uid-1"
    assert sent[6].body == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "gracePeriodSeconds": 0,
        "propagationPolicy": "Background",
    }


def test_patch_types_map_to_their_content_types() -> None:
    c = FakeCluster()
    cl = c.client()
    cl.create(pod("p"))
    cl.patch("pods", "p", {"metadata": {"labels": {"a": "1"}}}, "default")
    cl.patch(
        "pods",
        "p",
        [{"op": "add", "path": "/metadata/labels/b", "value": "2"}],
        "default",
        patch_type="json",
    )
    assert [r.content_type for r in c.requests()[1:]] == [
        "application/strategic-merge-patch+json",
        "application/json-patch+json",
    ]
    assert cl.get("pods", "p", "default")["metadata"]["labels"] == {"a": "1", "b": "2"}
    with pytest.raises(ValueError, match="unknown patch_type"):
        cl.patch_async("pods", "p", {}, "default", patch_type="yaml")


def test_scale_status_and_eviction_subresources() -> None:
    c = FakeCluster()
    cl = c.client()
    cl.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"replicas": 2},
        }
    )
    assert cl.get_scale("deployments", "web", "prod")["spec"] == {"replicas": 2}
    out = cl.update_scale("deployments", "web", 5, "prod")
    assert out["kind"] == "Scale" and out["spec"]["replicas"] == 5
    put = c.requests()[-1]
    assert (put.method, put.path) == ("PUT", "/apis/apps/v1/namespaces/prod/deployments/web/scale")
    assert put.body["apiVersion"] == "autoscaling/v1"
    node = cl.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    node["status"] = {"phase": "Running"}
    cl.update_status(node)
    assert c.requests()[-1].path == "/api/v1/nodes/n1/status"
    cl.create(pod("victim"))
    cl.evict("victim", "default")
    ev = c.requests()[-1]
    assert (ev.method, ev.path) == ("POST", "/api/v1/namespaces/default/pods/victim/eviction")
    assert ev.body["apiVersion"] == "policy/v1" and ev.body["kind"] == "Eviction"
    with pytest.raises(NotFound):
        cl.get("pods", "victim", "default")


def test_credentials_and_user_agent_travel_with_every_request() -> None:
    c = FakeCluster()
    cl = c.client(token="abc", user_agent="kube-scheduler/v1.32.0")
    cl.list("nodes")
    req = c.requests()[0]
    assert (req.token, req.user_agent) == ("abc", "kube-scheduler/v1.32.0")


def test_a_namespaced_call_without_namespace_is_refused_before_sending() -> None:
    c = FakeCluster()
    with pytest.raises(ValueError, match="a namespace is required"):
        c.client().get_async("pods", "web")
    assert c.requests() == []


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (apierrors.not_found("pods", "x"), NotFound),
        (apierrors.already_exists("pods", "x"), AlreadyExists),
        (apierrors.conflict("pods", "x"), Conflict),
        (apierrors.forbidden("pods", "x", "no"), Forbidden),
        (apierrors.unauthorized(), Unauthorized),
        (apierrors.invalid("Pod", "x", []), Invalid),
        (apierrors.bad_request("bad"), BadRequest),
        (apierrors.gone("gone"), Gone),
        (apierrors.too_old_resource_version(5, 10), Gone),
        (apierrors.too_many_requests("slow down"), TooManyRequests),
        (apierrors.internal_error("boom"), InternalError),
        (apierrors.server_timeout("pods", "get"), ServerTimeout),
        (apierrors.timeout("etcd"), Timeout),
        (apierrors.service_unavailable("down"), ServiceUnavailable),
    ],
)
def test_status_answers_raise_typed_errors_carrying_the_status(
    status: StatusError, cls: type[StatusError]
) -> None:
    c = FakeCluster()
    c.servers[0].fail_next.append(status)
    with pytest.raises(cls) as info:
        c.client().get("pods", "x", "default")
    assert type(info.value) is cls
    assert info.value.status == status.status
    assert str(info.value) == status.message


def test_typed_errors_survive_being_thrown_into_a_waiting_process() -> None:
    # SimPy throws a failed event into the waiting process as type(err)(*err.args).
    c = FakeCluster()
    cl = c.client()
    caught: list[Exception] = []

    def proc() -> Any:
        try:
            yield cl.get_async("pods", "missing", "default")
        except NotFound as err:
            caught.append(err)
        c.servers[0].host.unlisten(PORT)  # the process is gone, the host is up
        try:
            yield cl.get_async("pods", "missing", "default")
        except ServerUnavailable as err:
            caught.append(err)

    c.world.wait(c.world.env.process(proc()))
    assert caught[0].status == apierrors.not_found("pods", "missing").status
    assert isinstance(caught[1], ServerUnavailable)
    assert str(caught[1]).endswith("dial tcp api-1:6443: connect: connection refused")
    assert caught[1].connection_refused  # the attributes the reflector reads survive


def test_an_unknown_reason_falls_back_to_the_http_code() -> None:
    # apierrors.IsNotFound: an unknown reason with code 404 still counts as NotFound.
    err = error_from_status({"kind": "Status", "status": "Failure", "reason": "Odd", "code": 404})
    assert isinstance(err, NotFound)
    assert isinstance(error_from_status({"message": "?"}, 409), Conflict)
    assert type(error_from_status({"reason": "Odd", "code": 418})) is APIStatusError


def test_optimistic_concurrency_conflict_and_already_exists() -> None:
    c = FakeCluster()
    cl = c.client()
    first = cl.create(pod("web"))
    with pytest.raises(AlreadyExists, match='pods "web" already exists'):
        cl.create(pod("web"))
    fresh = cl.update({**first, "spec": {"containers": [{"name": "app", "image": "v2"}]}})
    assert int(fresh["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
    with pytest.raises(Conflict, match="the object has been modified"):
        cl.update(first)  # stale resourceVersion


def test_responses_are_copies_not_shared_with_the_server() -> None:
    c = FakeCluster()
    cl = c.client()
    got = cl.create(pod("web"))
    got["metadata"]["labels"]["mutated"] = "yes"
    assert "mutated" not in c.storage.state("pods")["default/web"]["metadata"]["labels"]


# -- failover ----------------------------------------------------------------------------------


def test_failover_to_the_next_endpoint_when_one_api_server_crashes() -> None:
    c = FakeCluster(servers=2)
    cl = c.client()
    cl.create(pod("a"))
    assert cl.endpoint == "api-1"
    c.servers[0].host.crash()
    start = c.world.now
    assert cl.get("pods", "a", "default")["metadata"]["name"] == "a"
    cl.create(pod("b"))  # a write fails over too: nothing was sent to the dead server
    assert cl.endpoint == "api-2"
    assert c.world.now - start < 0.01  # no timeout was waited for
    failovers = c.world.trace.filter(kind="failover")
    assert [r.fields["endpoint"] for r in failovers] == ["api-2"]
    c.servers[0].host.start()
    c.servers[1].host.crash()
    assert cl.get("pods", "b", "default")["metadata"]["name"] == "b"
    assert cl.endpoint == "api-1"


def test_partitioned_endpoint_is_skipped_round_robin() -> None:
    c = FakeCluster(servers=3)
    cl = c.client()
    c.world.network.partition(["client"], ["api-1", "api-2"])
    cl.list("pods")
    assert cl.endpoint == "api-3"
    assert [h for h, _ in c.servers[2].requests] == ["client"]


def test_no_reachable_endpoint_fails_at_once_with_the_go_dial_error() -> None:
    c = FakeCluster(servers=2)
    cl = c.client()
    c.servers[0].host.crash()
    c.servers[1].host.unlisten(PORT)
    with pytest.raises(ServerUnavailable) as info:
        cl.get("pods", "a", "default")
    msg = str(info.value)
    assert msg.startswith('Get "https://api-1:6443/api/v1/namespaces/default/pods/a": dial tcp')
    assert info.value.code == 503 and not info.value.maybe_applied
    assert isinstance(info.value, ServiceUnavailable)


def test_a_read_lost_in_flight_is_retried_on_the_next_endpoint() -> None:
    c = FakeCluster(servers=2)
    cl = c.client(timeout=10.0)  # attempt timeout 5 s
    c.storage.commit("ADDED", resolve_resource("pods"), pod("a"))
    c.servers[0].hang = True
    start = c.world.now
    assert cl.get("pods", "a", "default")["metadata"]["name"] == "a"
    assert c.world.now - start == pytest.approx(5.0, abs=0.01)
    assert cl.endpoint == "api-2"


def test_a_write_lost_in_flight_is_not_resent() -> None:
    c = FakeCluster(servers=2)
    cl = c.client(timeout=10.0)
    c.servers[0].hang = True
    with pytest.raises(ServerUnavailable, match=r"Client\.Timeout exceeded") as info:
        cl.create(pod("a"))
    assert info.value.maybe_applied
    assert c.servers[1].requests == []


def test_a_crashed_client_host_fails_its_calls() -> None:
    c = FakeCluster()
    cl = c.client()
    c.servers[0].hang = True
    ev = cl.get_async("pods", "a", "default")
    c.world.run(duration=0.1)
    cl.host.crash()
    with pytest.raises(HostDown):
        c.world.wait(ev)


# -- watch -------------------------------------------------------------------------------------


def _collect(c: FakeCluster, cl: APIClient, **kw: Any) -> tuple[Any, list[Any], list[Any]]:
    events: list[tuple[str, str]] = []
    closed: list[Any] = []
    h = cl.watch_async(
        "pods",
        "default",
        on_event=lambda t, o: events.append((t, o["metadata"].get("name", ""))),
        on_close=closed.append,
        **kw,
    )
    return h, events, closed


def test_watch_streams_events_in_order_and_sends_the_real_query() -> None:
    c = FakeCluster()
    cl = c.client()
    cl.create(pod("a"))
    rv = cl.list("pods", "default")["metadata"]["resourceVersion"]
    h, events, closed = _collect(c, cl, resource_version=rv, timeout_seconds=300)
    c.world.wait(h.started)
    cl.create(pod("b"))
    cl.patch("pods", "b", {"metadata": {"labels": {"x": "1"}}}, "default")
    cl.delete("pods", "a", "default")
    c.world.run(duration=1)
    assert events == [("ADDED", "b"), ("MODIFIED", "b"), ("DELETED", "a")]
    watch_req = next(r for r in c.requests() if r.query.get("watch") == "true")
    assert watch_req.path == "/api/v1/namespaces/default/pods"
    assert watch_req.query == {
        "watch": "true",
        "resourceVersion": rv,
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "300",
    }
    assert watch_req.watch_port == h.port
    h.stop()
    c.world.run(duration=1)
    assert closed == [None] and c.servers[0].watchers == {}
    cl.create(pod("c"))
    c.world.run(duration=1)
    assert len(events) == 3


def test_watch_from_a_compacted_resource_version_ends_with_gone() -> None:
    for as_event in (True, False):
        c = FakeCluster(watch_errors_as_events=as_event)
        cl = c.client()
        cl.create(pod("a"))
        cl.create(pod("b"))
        c.storage.compact()
        h, events, closed = _collect(c, cl, resource_version="2")
        c.world.run(duration=1)
        assert events == []
        assert len(closed) == 1 and isinstance(closed[0], Gone)
        assert closed[0].reason == "Expired"
        assert str(closed[0]) == "too old resource version: 2 (3)"
        assert c.world.wait(h.done) is closed[0]


def test_watch_ends_normally_when_the_server_times_it_out() -> None:
    c = FakeCluster()
    cl = c.client()
    h, _, closed = _collect(c, cl, timeout_seconds=60)
    c.world.run(duration=61)
    assert closed == [None] and h.closed


def test_a_silent_watch_to_a_dead_server_is_detected_by_the_http2_health_check() -> None:
    c = FakeCluster(servers=2)
    cl = c.client()
    h, _, closed = _collect(c, cl, timeout_seconds=600)
    c.world.wait(h.started)
    c.world.run(duration=5)
    c.servers[0].host.crash()
    crash = c.world.now
    c.world.wait(h.done)
    # last read at the watch's start (t=0): ping after 30 s idle, no answer within 15 s
    assert c.world.now == pytest.approx(HTTP2_READ_IDLE_TIMEOUT + HTTP2_PING_TIMEOUT, abs=0.01)
    assert c.world.now - crash < HTTP2_READ_IDLE_TIMEOUT + HTTP2_PING_TIMEOUT
    assert isinstance(closed[0], ServerUnavailable)
    assert "http2: client connection lost" in str(closed[0])


def test_a_watch_to_a_rebooted_server_is_reset_at_the_next_health_check() -> None:
    c = FakeCluster()
    cl = c.client()
    h, _, closed = _collect(c, cl, timeout_seconds=600)
    c.world.run(duration=5)
    c.servers[0].host.restart()  # up again at once, but the stream is gone with its memory
    c.world.wait(h.done)
    assert c.world.now == pytest.approx(HTTP2_READ_IDLE_TIMEOUT, abs=0.01)
    assert str(closed[0]).endswith("read: connection reset by peer")


def test_a_quiet_healthy_watch_survives_health_checks() -> None:
    c = FakeCluster()
    cl = c.client()
    h, _, closed = _collect(c, cl, timeout_seconds=3000)
    c.world.run(duration=500)
    assert closed == [] and not h.closed
    pings = [r for r in c.requests() if r.path == "/healthz"]
    assert len(pings) == pytest.approx(500 / HTTP2_READ_IDLE_TIMEOUT, abs=1)


def test_bookmarks_reach_the_watch_and_keep_it_from_pinging() -> None:
    c = FakeCluster(bookmark_period=10.0)
    cl = c.client()
    _, events, _ = _collect(c, cl, timeout_seconds=3000)
    c.world.run(duration=101)
    assert [t for t, _ in events] == ["BOOKMARK"] * 10
    assert [r for r in c.requests() if r.path == "/healthz"] == []


# -- against the real kube-apiserver -----------------------------------------------------------


def test_against_kube_apiserver_verbs_errors_watch_and_failover() -> None:
    c = RealCluster(servers=2)
    cl = c.client()
    created = cl.create(pod("web", app="web"))
    assert created["metadata"]["namespace"] == "default" and created["metadata"]["uid"]
    with pytest.raises(AlreadyExists, match='pods "web" already exists'):
        cl.create(pod("web"))
    with pytest.raises(NotFound, match='pods "nope" not found'):
        cl.get("pods", "nope", "default")
    rv = cl.list("pods", "default", label_selector={"app": "web"})["metadata"]["resourceVersion"]
    events: list[tuple[str, str]] = []
    h = cl.watch_async(
        "pods",
        "default",
        resource_version=rv,
        timeout_seconds=300,
        on_event=lambda t, o: events.append((t, o["metadata"]["name"])),
    )
    c.world.wait(h.started)
    labelled = cl.patch("pods", "web", {"metadata": {"labels": {"tier": "fe"}}}, "default")
    with pytest.raises(Conflict, match="the object has been modified"):
        cl.update(created)  # its resourceVersion is stale now
    cl.bind(labelled, "node-1")
    assert cl.get("pods", "web", "default")["spec"]["nodeName"] == "node-1"
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    cl.create(deploy, "default")
    assert cl.update_scale("deployments", "d", 3, "default")["spec"]["replicas"] == 3
    c.world.run(duration=1)
    assert events[:2] == [("MODIFIED", "web"), ("MODIFIED", "web")]
    c.servers[0].host.crash()
    assert cl.get("deployments", "d", "default")["spec"]["replicas"] == 3
    assert cl.endpoint == "cp-2"
    # the watch on cp-1 is noticed dead by the HTTP/2 health check
    c.world.wait(h.done)
    assert isinstance(h.error, ServerUnavailable)
