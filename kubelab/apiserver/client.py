"""The Kubernetes API client every kubelab component uses (client-go ``rest`` + typed clients).

A client lives on one simulated host and talks to one or more API servers over the simulated
network, with the wire format of :mod:`kubelab.apiserver.wire`: real REST paths built from the
kinds registry (``/api/v1/namespaces/default/pods/web``,
``/apis/apps/v1/namespaces/default/deployments/web/scale``), real verbs, real query parameters
(``labelSelector``, ``fieldSelector``, ``limit``, ``continue``, ``resourceVersion``,
``watch``, ``allowWatchBookmarks``, ``timeoutSeconds``) and real bodies (``DeleteOptions``,
``Binding``, ``Eviction``, ``Scale``).

Two styles, as everything in the simulated world must be non-blocking:

* ``*_async`` methods return a SimPy event that succeeds with the decoded body or fails with a
  typed :class:`~kubelab.apiserver.errors.StatusError` subclass (:class:`NotFound`,
  :class:`Conflict`, :class:`Gone`, ...), chosen from the Status ``reason`` and, when the reason
  is unknown, the HTTP code, as ``apierrors.ReasonForError`` / ``IsNotFound`` do
  (``k8s.io/apimachinery/pkg/api/errors/errors.go``). Components yield these events.
* the plain methods (``get``, ``list``, ``create``, ...) run the world until the answer is in
  (``world.wait``) -- for notebooks and tests only.

Endpoints and failover. client-go talks to one URL; an HA control plane puts a load balancer in
front of the API servers. The model gives the client the list of API server hosts instead and
behaves like that load balancer plus one HTTP/2 connection:

* the client sticks to one endpoint while it answers, as one kept-alive connection does;
* before sending it checks the connection, as TCP would tell it: an endpoint whose host is down
  or cut off by a partition (``dial tcp ...: i/o timeout``) or that has nothing listening
  (``connect: connection refused``) is skipped for the next one, round robin, for any verb --
  nothing was sent, so retrying is safe;
* a request that was sent and got no answer within ``attempt_timeout`` (the server crashed or
  was cut off mid-request) is retried on the next endpoint only if it is a read (GET, list,
  watch): client-go never resends a write whose fate is unknown (``rest/request.go``: "We are
  not automatically retrying write operations, as they are not idempotent"); such a write fails
  with :class:`ServerUnavailable` whose ``maybe_applied`` is true;
* when no endpoint can be reached, or the overall ``timeout`` is spent, the call fails with
  :class:`ServerUnavailable` carrying the Go ``net/http`` error text.

Watches (:meth:`APIClient.watch_async`) are answered at once with 200; events then arrive as
one-way messages on a port of the client host, and a final ``None`` ends the stream. A
:class:`WatchHandle` cancels it. How a dead stream is noticed: the real client learns it from
its TCP/HTTP2 connection. The model keeps client-go's HTTP/2 health check
(``k8s.io/apimachinery/pkg/util/net/http.go``: after ``HTTP2_READ_IDLE_TIMEOUT`` = 30 s with
nothing read, send a PING; no answer within ``HTTP2_PING_TIMEOUT`` = 15 s means the connection is
lost): a watch that has been silent for 30 s pings its API server (``GET /healthz``) and, with no
answer in 15 s, ends with :class:`ServerUnavailable` ("http2: client connection lost"). A server
host that rebooted since the stream opened knows nothing of the connection and answers that
PING with a TCP reset ("connection reset by peer"): the model compares the host's boot epoch,
so such a stream ends at the next health check. As a last resort, a watch that outlives its
``timeoutSeconds`` by :data:`WATCH_DEADLINE_GRACE` seconds (the server should have ended it) is
treated as lost.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlencode

import simpy

from kubelab.api.kinds import (
    KindInfo,
    UnknownResourceError,
    all_kinds,
    kind_for_resource,
    kind_info,
)
from kubelab.apiserver import errors as apierrors
from kubelab.apiserver.errors import StatusError
from kubelab.apiserver.wire import CANCEL_PORT, PORT, APIRequest, APIResponse, ClientCertificate
from kubelab.sim.host import HostDown, RpcTimeout
from kubelab.sim.network import Envelope
from kubelab.sim.world import WorldError

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.host import Host
    from kubelab.sim.world import World

__all__ = [
    "DEFAULT_TIMEOUT",
    "HTTP2_PING_TIMEOUT",
    "HTTP2_READ_IDLE_TIMEOUT",
    "PATCH_CONTENT_TYPES",
    "WATCH_DEADLINE_GRACE",
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
    "is_expired",
    "resolve_resource",
    "resource_path",
]

#: The budget of one call in simulated seconds. kube-apiserver's ``--request-timeout`` default is
#: 60 s (FIDELITY B6): the longest the server works on a non-watch request.
DEFAULT_TIMEOUT: Final = 60.0
#: client-go's HTTP/2 connection health check (apimachinery ``util/net/http.go``
#: ``readIdleTimeoutSeconds`` 30, ``pingTimeoutSeconds`` 15).
HTTP2_READ_IDLE_TIMEOUT: Final = 30.0
HTTP2_PING_TIMEOUT: Final = 15.0
#: A model device, not an upstream constant: how long past its ``timeoutSeconds`` a watch may
#: stay open before the client treats the stream as lost (the server should have ended it).
WATCH_DEADLINE_GRACE: Final = 30.0
#: The port an API server listens on, for error texts (kube-apiserver ``--secure-port`` 6443).
SECURE_PORT: Final = 6443

#: ``patch_type`` -> ``Content-Type`` (apimachinery ``types.PatchType``).
PATCH_CONTENT_TYPES: Final[dict[str, str]] = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}

_READ_METHODS: Final = frozenset({"GET", "HEAD"})


# -- typed errors ------------------------------------------------------------------------------
class APIStatusError(StatusError):
    """Base of the client's typed errors: a :class:`StatusError` whose ``args`` hold the Status,
    so ``type(err)(*err.args)`` rebuilds it -- SimPy does exactly that when it throws a failed
    event into the process waiting for it. An answer with an unknown reason and code is raised
    as this class itself."""

    def __init__(self, status: Mapping[str, Any]) -> None:
        super().__init__(status)
        self.args = (self.status,)


class NotFound(APIStatusError):
    """404 ``NotFound``."""


class AlreadyExists(APIStatusError):
    """409 ``AlreadyExists``."""


class Conflict(APIStatusError):
    """409 ``Conflict`` (optimistic concurrency: a stale ``resourceVersion``)."""


class Forbidden(APIStatusError):
    """403 ``Forbidden`` (RBAC or admission said no)."""


class Unauthorized(APIStatusError):
    """401 ``Unauthorized`` (no valid credentials)."""


class Invalid(APIStatusError):
    """422 ``Invalid`` (validation failed; ``causes`` name the fields)."""


class BadRequest(APIStatusError):
    """400 ``BadRequest``."""


class MethodNotAllowed(APIStatusError):
    """405 ``MethodNotAllowed``."""


class Gone(APIStatusError):
    """410 ``Expired`` or ``Gone``: the resourceVersion asked for is no longer kept.

    The reflector treats both reasons alike and relists (``reflector.go isExpiredError``).
    """


class TooManyRequests(APIStatusError):
    """429 ``TooManyRequests``."""


class RequestEntityTooLarge(APIStatusError):
    """413 ``RequestEntityTooLarge``."""


class InternalError(APIStatusError):
    """500 ``InternalError``."""


class ServerTimeout(APIStatusError):
    """500 ``ServerTimeout``."""


class Timeout(APIStatusError):
    """504 ``Timeout``: the server gave up waiting (e.g. for etcd)."""


class ServiceUnavailable(APIStatusError):
    """503 ``ServiceUnavailable`` answered by a server."""


class ServerUnavailable(ServiceUnavailable):
    """No API server answered: every endpoint was unreachable, or the budget ran out.

    Raised by the client itself, not by a server; its Status is synthesised (code 503) and its
    message is the Go ``net/http`` error a real client reports (``Get "https://cp-1:6443/...":
    dial tcp cp-1:6443: connect: connection refused``). ``maybe_applied`` is true when a write
    was sent and its answer lost: it may or may not have taken effect.
    """

    def __init__(
        self,
        message: str | Mapping[str, Any],
        endpoints_tried: tuple[str, ...] = (),
        maybe_applied: bool = False,
        connection_refused: bool = False,
    ) -> None:
        status = (
            message
            if isinstance(message, Mapping)
            else apierrors.service_unavailable(message).status
        )
        super().__init__(status)
        self.endpoints_tried = tuple(endpoints_tried)
        self.maybe_applied = maybe_applied
        #: The last failure was ``connection refused`` (the reflector backs off and re-watches
        #: instead of relisting: ``reflector.go isWatchErrorRetriable``).
        self.connection_refused = connection_refused
        self.args = (self.status, self.endpoints_tried, maybe_applied, connection_refused)


_BY_REASON: Final[dict[str, type[APIStatusError]]] = {
    apierrors.REASON_NOT_FOUND: NotFound,
    apierrors.REASON_ALREADY_EXISTS: AlreadyExists,
    apierrors.REASON_CONFLICT: Conflict,
    apierrors.REASON_FORBIDDEN: Forbidden,
    apierrors.REASON_UNAUTHORIZED: Unauthorized,
    apierrors.REASON_INVALID: Invalid,
    apierrors.REASON_BAD_REQUEST: BadRequest,
    apierrors.REASON_METHOD_NOT_ALLOWED: MethodNotAllowed,
    apierrors.REASON_GONE: Gone,
    apierrors.REASON_EXPIRED: Gone,
    apierrors.REASON_TOO_MANY_REQUESTS: TooManyRequests,
    apierrors.REASON_REQUEST_ENTITY_TOO_LARGE: RequestEntityTooLarge,
    apierrors.REASON_INTERNAL_ERROR: InternalError,
    apierrors.REASON_SERVER_TIMEOUT: ServerTimeout,
    apierrors.REASON_TIMEOUT: Timeout,
    apierrors.REASON_SERVICE_UNAVAILABLE: ServiceUnavailable,
}
# When the reason is empty or unknown, the code decides (errors.go reasonForError fallbacks).
_BY_CODE: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    413: RequestEntityTooLarge,
    422: Invalid,
    429: TooManyRequests,
    500: InternalError,
    503: ServiceUnavailable,
    504: Timeout,
}


def error_from_status(status: Mapping[str, Any] | StatusError, code: int = 0) -> APIStatusError:
    """The typed error for a ``Status`` body (or an untyped :class:`StatusError`).

    The class follows ``reason``; an empty or unknown reason falls back to the HTTP ``code``
    (the Status' own ``code``, else the response code given).
    """
    if isinstance(status, StatusError):
        if isinstance(status, APIStatusError):
            return status
        body: dict[str, Any] = status.status
    else:
        body = dict(status)
    if not body.get("code") and code:
        body = {**body, "code": code}
    reason = str(body.get("reason", ""))
    cls = _BY_REASON.get(reason) or _BY_CODE.get(int(body.get("code") or 0), APIStatusError)
    return cls(body)


def is_expired(err: BaseException) -> bool:
    """Whether ``err`` is a 410 (reason ``Expired`` or ``Gone``): relist from scratch."""
    return isinstance(err, Gone)


# -- paths -------------------------------------------------------------------------------------
def resolve_resource(resource: str, group: str | None = None) -> KindInfo:
    """The kind behind ``resource`` (plural, singular or short name; ``deployments.apps``).

    ``group`` picks among kinds that share a name (``events`` in the core group or in
    ``events.k8s.io``). Raises :class:`~kubelab.api.kinds.UnknownResourceError`.
    """
    if group is None:
        return kind_for_resource(resource)
    name = resource.lower()
    for info in all_kinds():
        if info.group == group and name in (info.resource, info.singular, *info.short_names):
            return info
    raise UnknownResourceError(f"{resource}.{group}" if group else resource)


def resource_path(
    info: KindInfo,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    """The REST path of a collection, an object or a subresource.

    ``/api/v1/namespaces/{ns}/pods/{name}``, ``/apis/apps/v1/namespaces/{ns}/deployments``,
    ``/api/v1/nodes/{name}/status``, ``/api/v1/pods`` (all namespaces) -- as client-go's
    ``Request.URL`` assembles them (``rest/request.go``: prefix, ``namespaces/<ns>`` only for
    namespaced kinds, resource, name, subresource).
    """
    base = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
    if namespace:
        if not info.namespaced:
            raise ValueError(
                f"{info.kind} ({info.group_resource}) is cluster-scoped: it has no namespace, "
                f"got namespace={namespace!r}"
            )
        base += f"/namespaces/{quote(namespace, safe='')}"
    path = f"{base}/{info.resource}"
    if name:
        path += f"/{quote(name, safe='')}"
    elif subresource:
        raise ValueError(f"subresource {subresource!r} needs an object name")
    if subresource:
        path += f"/{subresource}"
    return path


def _selector(sel: str | Mapping[str, str] | None) -> str | None:
    if sel is None:
        return None
    if isinstance(sel, str):
        return sel
    return ",".join(f"{k}={sel[k]}" for k in sorted(sel))


def _go_method(method: str) -> str:
    # net/http url.Error Op: "Get", "Post", ... (urlErrorOp)
    return method[:1].upper() + method[1:].lower()


# -- calls -------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Call:
    request: APIRequest
    deadline: float
    attempt_timeout: float
    result: simpy.Event
    raw: bool
    tried: list[str] = field(default_factory=list)
    on_attempt: Callable[[str], None] | None = None
    finished: bool = False


class WatchHandle:
    """One watch stream. :attr:`started` succeeds once the server accepted the watch (or fails
    with the error it answered); :attr:`done` succeeds with ``None`` when the stream ended
    normally (the server's final ``None``, or :meth:`stop`) or with the error that ended it
    (an ``ERROR`` event's Status, a lost connection); it never fails."""

    def __init__(
        self,
        client: APIClient,
        path: str,
        port: str,
        timeout_seconds: int | None,
        on_event: Callable[[str, dict[str, Any]], None] | None,
        on_close: Callable[[Exception | None], None] | None,
    ) -> None:
        env = client.world.env
        self.client = client
        self.path = path
        self.port = port
        self.timeout_seconds = timeout_seconds
        self.on_event = on_event
        self.on_close = on_close
        self.started: simpy.Event = env.event()
        self.done: simpy.Event = env.event()
        #: The API server host currently serving the stream.
        self.endpoint: str | None = None
        #: Events delivered so far (bookmarks included).
        self.events = 0
        self.opened_at: float | None = None
        self.error: Exception | None = None
        self._last_read = client.world.now
        self._closed = False
        self._pinging = False
        self._epoch = client.host.epoch
        #: The boot (epoch) of the endpoint's host when the stream was requested.
        self._peer_epoch = 0

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<WatchHandle {self.path} via {self.endpoint} {state} events={self.events}>"

    @property
    def closed(self) -> bool:
        """Whether the stream has ended."""
        return self._closed

    def stop(self) -> None:
        """Cancel the watch: tell the server, end the stream with no error."""
        self._close(None, cancel=True)

    # -- internals -----------------------------------------------------------------------------
    def _on_message(self, env: Envelope) -> None:
        if self._closed or env.src != self.endpoint:
            return  # a stale stream from an endpoint given up on
        self._last_read = self.client.world.now
        payload = env.payload
        if payload is None:
            self._close(None, cancel=False)
            return
        if not isinstance(payload, Mapping):
            return
        etype = str(payload.get("type", ""))
        obj = payload.get("object")
        if etype == "ERROR":
            # An ERROR event carries a Status (reflector.go: apierrors.FromObject).
            status = obj if isinstance(obj, Mapping) else {"message": "watch error"}
            self._close(error_from_status(status), cancel=True)
            return
        self.events += 1
        if self.on_event is not None:
            self.on_event(etype, copy.deepcopy(obj) if isinstance(obj, dict) else {})

    def _opened(self, endpoint: str) -> None:
        world = self.client.world
        self.opened_at = world.now
        self._last_read = world.now
        if not self.started.triggered:
            self.started.succeed(endpoint)
        host = self.client.host
        host.call_later(HTTP2_READ_IDLE_TIMEOUT, self._health_check)
        if self.timeout_seconds is not None:
            host.call_later(self.timeout_seconds + WATCH_DEADLINE_GRACE, self._deadline)

    def _failed_to_open(self, err: Exception) -> None:
        if not self.started.triggered:
            self.started.defused = True
            self.started.fail(err)
        self._close(err, cancel=False)

    def _health_check(self) -> None:
        if self._closed or self._pinging:
            return
        world = self.client.world
        idle = world.now - self._last_read
        host = self.client.host
        if idle < HTTP2_READ_IDLE_TIMEOUT - 1e-9:
            host.call_later(HTTP2_READ_IDLE_TIMEOUT - idle, self._health_check)
            return
        endpoint = self.endpoint
        if endpoint is None:
            return
        peer = world.host(endpoint, create=False)
        if peer.up and peer.epoch != self._peer_epoch:
            # The server rebooted since the stream opened: the PING reaches a kernel that
            # knows no such connection and is answered with a TCP reset.
            self._close(
                ServerUnavailable(
                    f'{_go_method("GET")} "https://{endpoint}:{SECURE_PORT}{self.path}": '
                    f"read tcp {host.name}->{endpoint}:{SECURE_PORT}: read: connection reset "
                    "by peer",
                    endpoints_tried=(endpoint,),
                ),
                cancel=False,
            )
            return
        self._pinging = True
        ping = host.call(endpoint, PORT, APIRequest("GET", "/healthz"), HTTP2_PING_TIMEOUT)

        def answered(ev: simpy.Event) -> None:
            self._pinging = False
            if self._closed:
                return
            if ev.ok or not isinstance(ev.value, RpcTimeout | HostDown):
                self._last_read = world.now  # a PING ack is a read
                host.call_later(HTTP2_READ_IDLE_TIMEOUT, self._health_check)
                return
            self._close(
                ServerUnavailable(
                    f'{_go_method("GET")} "https://{endpoint}:{SECURE_PORT}{self.path}": '
                    "http2: client connection lost",
                    endpoints_tried=(endpoint,),
                ),
                cancel=True,
            )

        ping.callbacks.append(answered)

    def _deadline(self) -> None:
        if self._closed:
            return
        self._close(
            ServerUnavailable(
                f"watch {self.path} on {self.endpoint} outlived its timeoutSeconds="
                f"{self.timeout_seconds} by {WATCH_DEADLINE_GRACE:g}s: the stream is lost",
                endpoints_tried=(self.endpoint,) if self.endpoint else (),
            ),
            cancel=True,
        )

    def _close(self, err: Exception | None, *, cancel: bool) -> None:
        if self._closed:
            return
        self._closed = True
        self.error = err
        client = self.client
        host = client.host
        if host.epoch == self._epoch:
            host.unlisten(self.port)
            if cancel and self.endpoint is not None:
                host.send(self.endpoint, CANCEL_PORT, (host.name, self.port))
        if err is not None:
            client.world.log(
                host.name,
                client.component,
                "watch-closed",
                path=self.path,
                endpoint=self.endpoint or "",
                error=str(err),
            )
        if not self.started.triggered:
            self.started.defused = True
            self.started.fail(err if err is not None else ServerUnavailable("watch stopped"))
        if not self.done.triggered:
            self.done.succeed(err)
        if self.on_close is not None:
            self.on_close(err)


class APIClient:
    """A Kubernetes API client on ``host`` talking to the API servers on ``endpoints``.

    ``token`` (``Authorization: Bearer``) or ``certificate`` (x509 client certificate) identify
    the caller. ``timeout`` is the budget of one call in simulated seconds; ``attempt_timeout``
    (default ``timeout / len(endpoints)``, at least 1 s) bounds one attempt before a read moves
    on to the next endpoint. See the module docstring for the failover rules.
    """

    def __init__(
        self,
        world: World,
        host: Host | str,
        endpoints: list[str] | tuple[str, ...],
        *,
        token: str | None = None,
        certificate: ClientCertificate | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        attempt_timeout: float | None = None,
        user_agent: str = "kubelab",
    ) -> None:
        eps = list(endpoints)
        if not eps:
            raise ValueError("an API client needs at least one API server endpoint")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        self.world = world
        self.host: Host = world.host(host) if isinstance(host, str) else host
        self.endpoints = eps
        self.token = token
        self.certificate = certificate
        self.timeout = float(timeout)
        self.attempt_timeout = (
            float(attempt_timeout)
            if attempt_timeout is not None
            else max(self.timeout / len(eps), 1.0)
        )
        self.user_agent = user_agent
        #: The component name of this client's trace records.
        self.component = "apiclient"
        self._current = 0

    def __repr__(self) -> str:
        return f"<APIClient on {self.host.name} endpoints={','.join(self.endpoints)}>"

    # -- transport -----------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """The endpoint requests go to now (the one the client is 'connected' to)."""
        return self.endpoints[self._current]

    def _dial_error(self, ep: str) -> str | None:
        """Why a connection to ``ep`` cannot be made now, in Go's words; ``None`` if it can."""
        try:
            h = self.world.host(ep, create=False)
        except WorldError:
            return f"dial tcp: lookup {ep}: no such host"
        net = self.world.network
        me = self.host.name
        if not h.up or not net.connected(me, ep) or not net.connected(ep, me):
            return f"dial tcp {ep}:{SECURE_PORT}: i/o timeout"
        if h.handler(PORT) is None:
            return f"dial tcp {ep}:{SECURE_PORT}: connect: connection refused"
        return None

    def _url(self, ep: str, req: APIRequest) -> str:
        q = f"?{urlencode(req.query)}" if req.query else ""
        return f'{_go_method(req.method)} "https://{ep}:{SECURE_PORT}{req.path}{q}"'

    def _finish(self, call: _Call, ok: bool, value: Any) -> None:
        if call.finished:
            return
        call.finished = True
        if ok:
            call.result.succeed(value)
        else:
            call.result.defused = True
            call.result.fail(value)

    def _send(self, call: _Call) -> None:
        """Send ``call`` to the current endpoint, skipping unreachable ones round robin."""
        if call.finished:
            return
        if not self.host.up:
            self._finish(call, False, HostDown(f"client host {self.host.name} is down"))
            return
        remaining = call.deadline - self.world.now
        req = call.request
        if remaining <= 1e-9:
            self._finish(
                call,
                False,
                ServerUnavailable(
                    f"{self._url(self.endpoint, req)}: context deadline exceeded",
                    endpoints_tried=tuple(call.tried),
                    maybe_applied=req.method not in _READ_METHODS and bool(call.tried),
                ),
            )
            return
        n = len(self.endpoints)
        first_error = ""
        refused = False
        for k in range(n):
            idx = (self._current + k) % n
            ep = self.endpoints[idx]
            why = self._dial_error(ep)
            if why is None:
                if k:
                    self.world.log(
                        self.host.name,
                        self.component,
                        "failover",
                        endpoint=ep,
                        previous=self.endpoints[self._current],
                        reason=first_error,
                    )
                self._current = idx
                self._attempt(call, ep, min(remaining, call.attempt_timeout))
                return
            if not first_error:
                first_error = why
                refused = why.endswith("connection refused")
        self._finish(
            call,
            False,
            ServerUnavailable(
                f"{self._url(self.endpoint, req)}: {first_error}",
                endpoints_tried=tuple(call.tried),
                connection_refused=refused,
            ),
        )

    def _attempt(self, call: _Call, ep: str, per: float) -> None:
        call.tried.append(ep)
        if call.on_attempt is not None:
            call.on_attempt(ep)
        ev = self.host.call(ep, PORT, call.request, per)
        ev.callbacks.append(lambda e: self._answered(call, ep, e))

    def _answered(self, call: _Call, ep: str, ev: simpy.Event) -> None:
        if call.finished:
            return
        if ev.ok:
            resp = ev.value
            if not isinstance(resp, APIResponse):
                self._finish(call, False, TypeError(f"not an APIResponse: {resp!r}"))
            elif 200 <= resp.code < 300:
                self._finish(call, True, resp if call.raw else copy.deepcopy(resp.body))
            else:
                body = resp.body if isinstance(resp.body, Mapping) else {"message": str(resp.body)}
                self._finish(call, False, error_from_status(body, resp.code))
            return
        err = ev.value
        if isinstance(err, RpcTimeout):
            req = call.request
            if req.method in _READ_METHODS:
                # move on: the next attempt starts from the endpoint after this one
                if self.endpoints[self._current] == ep:
                    self._current = (self._current + 1) % len(self.endpoints)
                self.world.log(
                    self.host.name,
                    self.component,
                    "failover",
                    endpoint=self.endpoint,
                    previous=ep,
                    reason=f"no answer within {call.attempt_timeout:g}s",
                )
                self._send(call)
                return
            self._finish(
                call,
                False,
                ServerUnavailable(
                    f"{self._url(ep, req)}: net/http: request canceled "
                    "(Client.Timeout exceeded while awaiting headers)",
                    endpoints_tried=tuple(call.tried),
                    maybe_applied=True,
                ),
            )
            return
        if isinstance(err, StatusError):
            self._finish(call, False, error_from_status(err))
            return
        self._finish(call, False, err if isinstance(err, Exception) else RuntimeError(err))

    def request_async(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        timeout: float | None = None,
        watch_port: str | None = None,
        raw: bool = False,
        on_attempt: Callable[[str], None] | None = None,
    ) -> simpy.Event:
        """Send one request; the event succeeds with the response body (the whole
        :class:`APIResponse` with ``raw=True``) or fails with a typed error."""
        budget = self.timeout if timeout is None else float(timeout)
        req = APIRequest(
            method=method,
            path=path,
            query=dict(query or {}),
            body=copy.deepcopy(body),
            content_type=content_type,
            token=self.token,
            certificate=self.certificate,
            watch_port=watch_port,
            user_agent=self.user_agent,
        )
        call = _Call(
            request=req,
            deadline=self.world.now + budget,
            attempt_timeout=min(self.attempt_timeout, budget),
            result=self.world.env.event(),
            raw=raw,
            on_attempt=on_attempt,
        )
        self._send(call)
        return call.result

    def _wait(self, ev: simpy.Event) -> Any:
        return self.world.wait(ev)

    # -- reads ---------------------------------------------------------------------------------
    def get_async(
        self,
        resource: str,
        name: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        subresource: str | None = None,
        resource_version: str | None = None,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``GET`` one object (or one of its subresources)."""
        info = resolve_resource(resource, group)
        path = resource_path(info, _ns(info, namespace, "get"), name, subresource)
        query = {"resourceVersion": resource_version} if resource_version is not None else None
        return self.request_async("GET", path, query=query, timeout=timeout)

    def list_async(
        self,
        resource: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``GET`` a collection: a ``<Kind>List`` with ``metadata.resourceVersion`` (and
        ``metadata.continue`` when ``limit`` cut it short). ``namespace=None`` lists every
        namespace."""
        info = resolve_resource(resource, group)
        query = _list_query(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
        )
        return self.request_async(
            "GET", resource_path(info, namespace), query=query, timeout=timeout
        )

    def watch_async(
        self,
        resource: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        resource_version: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
        allow_bookmarks: bool = True,
        timeout_seconds: int | None = None,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
        on_close: Callable[[Exception | None], None] | None = None,
    ) -> WatchHandle:
        """Open a watch (``GET ...?watch=true``). ``on_event(type, object)`` is called for every
        ``ADDED``/``MODIFIED``/``DELETED``/``BOOKMARK`` event in order; ``on_close(error)``
        once when the stream ends (``None`` for a normal end). An ``ERROR`` event ends the
        stream with its Status as a typed error (a 410 :class:`Gone` for a compacted
        resourceVersion)."""
        info = resolve_resource(resource, group)
        path = resource_path(info, namespace)
        query = _list_query(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
        )
        query = {"watch": "true", **query}
        if allow_bookmarks:
            query["allowWatchBookmarks"] = "true"
        if timeout_seconds is not None:
            query["timeoutSeconds"] = str(int(timeout_seconds))
        host = self.host
        seq = host.memory.setdefault("apiclient-watch-seq", [0])
        seq[0] += 1
        port = f"apiclient/watch/{host.epoch}/{seq[0]}"
        handle = WatchHandle(self, path, port, timeout_seconds, on_event, on_close)
        if host.up:
            host.listen(port, handle._on_message)

        def attempt(ep: str) -> None:
            if handle.endpoint is not None and handle.endpoint != ep:
                host.send(handle.endpoint, CANCEL_PORT, (host.name, port))
            handle.endpoint = ep
            handle._peer_epoch = self.world.host(ep, create=False).epoch

        ev = self.request_async(
            "GET", path, query=query, watch_port=port, raw=True, on_attempt=attempt
        )

        def answered(e: simpy.Event) -> None:
            if handle.closed:
                return
            if e.ok:
                handle._opened(handle.endpoint or self.endpoint)
            else:
                err = e.value
                handle._failed_to_open(err if isinstance(err, Exception) else RuntimeError(err))

        ev.callbacks.append(answered)
        return handle

    def get(
        self,
        resource: str,
        name: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """Synchronous :meth:`get_async`."""
        return dict(
            self._wait(
                self.get_async(resource, name, namespace, group=group, subresource=subresource)
            )
        )

    def list(
        self,
        resource: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        """Synchronous :meth:`list_async`."""
        return dict(
            self._wait(
                self.list_async(
                    resource,
                    namespace,
                    group=group,
                    label_selector=label_selector,
                    field_selector=field_selector,
                    limit=limit,
                    continue_=continue_,
                    resource_version=resource_version,
                )
            )
        )

    # -- writes --------------------------------------------------------------------------------
    def _object_target(
        self, obj: Mapping[str, Any], namespace: str | None
    ) -> tuple[KindInfo, str | None, str]:
        api_version = str(obj.get("apiVersion", ""))
        kind = str(obj.get("kind", ""))
        info = kind_info(api_version, kind)
        meta = obj.get("metadata") or {}
        ns = namespace or meta.get("namespace") or None
        if info.namespaced and not ns:
            ns = "default"  # kubectl's default namespace
        return info, (ns if info.namespaced else None), str(meta.get("name", ""))

    def create_async(
        self,
        obj: Mapping[str, Any],
        namespace: str | None = None,
        *,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``POST`` ``obj`` to its collection (kind from ``apiVersion``/``kind``; namespace from
        the argument, else ``metadata.namespace``, else ``default``)."""
        info, ns, _ = self._object_target(obj, namespace)
        return self.request_async("POST", resource_path(info, ns), body=obj, timeout=timeout)

    def update_async(
        self,
        obj: Mapping[str, Any],
        namespace: str | None = None,
        *,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``PUT`` ``obj`` (its ``metadata.resourceVersion``, if set, makes it conditional: a
        stale one is answered with :class:`Conflict`)."""
        info, ns, name = self._object_target(obj, namespace)
        return self.request_async(
            "PUT", resource_path(info, ns, _need(name, "update")), body=obj, timeout=timeout
        )

    def update_status_async(
        self,
        obj: Mapping[str, Any],
        namespace: str | None = None,
        *,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``PUT`` ``obj`` to its ``/status`` subresource."""
        info, ns, name = self._object_target(obj, namespace)
        path = resource_path(info, ns, _need(name, "update status"), "status")
        return self.request_async("PUT", path, body=obj, timeout=timeout)

    def patch_async(
        self,
        resource: str,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        group: str | None = None,
        patch_type: str = "strategic",
        subresource: str | None = None,
        field_manager: str | None = None,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``PATCH`` an object; ``patch_type`` is ``strategic``, ``merge``, ``json`` or
        ``apply`` (the ``Content-Type`` of :data:`PATCH_CONTENT_TYPES`)."""
        try:
            content_type = PATCH_CONTENT_TYPES[patch_type]
        except KeyError:
            known = ", ".join(sorted(PATCH_CONTENT_TYPES))
            raise ValueError(f"unknown patch_type {patch_type!r} (one of {known})") from None
        info = resolve_resource(resource, group)
        path = resource_path(info, _ns(info, namespace, "patch"), name, subresource)
        query = {"fieldManager": field_manager} if field_manager else None
        return self.request_async(
            "PATCH", path, query=query, body=patch, content_type=content_type, timeout=timeout
        )

    def delete_async(
        self,
        resource: str,
        name: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        preconditions: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``DELETE`` an object with a ``DeleteOptions`` body, as client-go sends it.

        ``propagation_policy`` is ``Orphan``, ``Background`` or ``Foreground``;
        ``preconditions`` may hold ``uid`` and ``resourceVersion``.
        """
        info = resolve_resource(resource, group)
        path = resource_path(info, _ns(info, namespace, "delete"), name)
        return self.request_async(
            "DELETE",
            path,
            body=_delete_options(grace_period_seconds, propagation_policy, preconditions),
            timeout=timeout,
        )

    def bind_async(
        self,
        pod: str | Mapping[str, Any],
        node: str,
        namespace: str | None = None,
        *,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``POST`` a ``Binding`` to ``pods/<name>/binding`` (what the scheduler's
        DefaultBinder sends: the pod's namespace, name and uid, target the Node)."""
        meta: dict[str, Any]
        if isinstance(pod, Mapping):
            pm = pod.get("metadata") or {}
            meta = {"name": str(pm.get("name", "")), "namespace": namespace or pm.get("namespace")}
            if pm.get("uid"):
                meta["uid"] = pm["uid"]
        else:
            meta = {"name": pod, "namespace": namespace}
        meta["namespace"] = meta["namespace"] or "default"
        body = {
            "kind": "Binding",
            "apiVersion": "v1",
            "metadata": meta,
            "target": {"kind": "Node", "apiVersion": "v1", "name": node},
        }
        info = kind_info("v1", "Pod")
        path = resource_path(info, meta["namespace"], _need(meta["name"], "bind"), "binding")
        return self.request_async("POST", path, body=body, timeout=timeout)

    def evict_async(
        self,
        name: str,
        namespace: str,
        *,
        grace_period_seconds: int | None = None,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``POST`` a ``policy/v1`` ``Eviction`` to ``pods/<name>/eviction`` (what ``kubectl
        drain`` sends; the server may answer 429 while a PodDisruptionBudget forbids it)."""
        body: dict[str, Any] = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": namespace},
        }
        if grace_period_seconds is not None:
            body["deleteOptions"] = _delete_options(grace_period_seconds, None, None)
        path = resource_path(kind_info("v1", "Pod"), namespace, name, "eviction")
        return self.request_async("POST", path, body=body, timeout=timeout)

    def get_scale_async(
        self,
        resource: str,
        name: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``GET`` the ``autoscaling/v1`` ``Scale`` of a Deployment or ReplicaSet."""
        info = resolve_resource(resource, group)
        path = resource_path(info, _ns(info, namespace, "get scale"), name, "scale")
        return self.request_async("GET", path, timeout=timeout)

    def update_scale_async(
        self,
        resource: str,
        name: str,
        replicas: int | Mapping[str, Any],
        namespace: str | None = None,
        *,
        group: str | None = None,
        timeout: float | None = None,
    ) -> simpy.Event:
        """``PUT`` a ``Scale``: either a whole Scale object or just a replica count (an
        unconditional update: no resourceVersion)."""
        info = resolve_resource(resource, group)
        ns = _ns(info, namespace, "update scale")
        if isinstance(replicas, Mapping):
            body: dict[str, Any] = dict(replicas)
        else:
            body = {
                "kind": "Scale",
                "apiVersion": "autoscaling/v1",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"replicas": int(replicas)},
            }
        path = resource_path(info, ns, name, "scale")
        return self.request_async("PUT", path, body=body, timeout=timeout)

    def create(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict[str, Any]:
        """Synchronous :meth:`create_async`."""
        return dict(self._wait(self.create_async(obj, namespace)))

    def update(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict[str, Any]:
        """Synchronous :meth:`update_async`."""
        return dict(self._wait(self.update_async(obj, namespace)))

    def update_status(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict[str, Any]:
        """Synchronous :meth:`update_status_async`."""
        return dict(self._wait(self.update_status_async(obj, namespace)))

    def patch(
        self,
        resource: str,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        group: str | None = None,
        patch_type: str = "strategic",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """Synchronous :meth:`patch_async`."""
        ev = self.patch_async(
            resource,
            name,
            patch,
            namespace,
            group=group,
            patch_type=patch_type,
            subresource=subresource,
        )
        return dict(self._wait(ev))

    def delete(
        self,
        resource: str,
        name: str,
        namespace: str | None = None,
        *,
        group: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
    ) -> Any:
        """Synchronous :meth:`delete_async`: the deleted object (or a Status)."""
        ev = self.delete_async(
            resource,
            name,
            namespace,
            group=group,
            grace_period_seconds=grace_period_seconds,
            propagation_policy=propagation_policy,
        )
        return self._wait(ev)

    def bind(self, pod: str | Mapping[str, Any], node: str, namespace: str | None = None) -> Any:
        """Synchronous :meth:`bind_async`."""
        return self._wait(self.bind_async(pod, node, namespace))

    def evict(self, name: str, namespace: str) -> Any:
        """Synchronous :meth:`evict_async`."""
        return self._wait(self.evict_async(name, namespace))

    def get_scale(
        self, resource: str, name: str, namespace: str | None = None, *, group: str | None = None
    ) -> dict[str, Any]:
        """Synchronous :meth:`get_scale_async`."""
        return dict(self._wait(self.get_scale_async(resource, name, namespace, group=group)))

    def update_scale(
        self,
        resource: str,
        name: str,
        replicas: int | Mapping[str, Any],
        namespace: str | None = None,
        *,
        group: str | None = None,
    ) -> dict[str, Any]:
        """Synchronous :meth:`update_scale_async`."""
        ev = self.update_scale_async(resource, name, replicas, namespace, group=group)
        return dict(self._wait(ev))


def _ns(info: KindInfo, namespace: str | None, verb: str) -> str | None:
    if info.namespaced and not namespace:
        raise ValueError(
            f"{verb} {info.resource}: a namespace is required ({info.kind} is namespaced)"
        )
    if not info.namespaced and namespace:
        raise ValueError(
            f"{info.kind} ({info.group_resource}) is cluster-scoped: it has no namespace, "
            f"got namespace={namespace!r}"
        )
    return namespace if info.namespaced else None


def _need(name: str, verb: str) -> str:
    if not name:
        raise ValueError(f"{verb}: the object has no metadata.name")
    return name


def _list_query(
    *,
    label_selector: str | Mapping[str, str] | None = None,
    field_selector: str | None = None,
    limit: int | None = None,
    continue_: str | None = None,
    resource_version: str | None = None,
    resource_version_match: str | None = None,
) -> dict[str, str]:
    query: dict[str, str] = {}
    ls = _selector(label_selector)
    if ls:
        query["labelSelector"] = ls
    if field_selector:
        query["fieldSelector"] = field_selector
    if limit:
        query["limit"] = str(int(limit))
    if continue_:
        query["continue"] = continue_
    if resource_version is not None:
        query["resourceVersion"] = resource_version
    if resource_version_match:
        query["resourceVersionMatch"] = resource_version_match
    return query


def _delete_options(
    grace_period_seconds: int | None,
    propagation_policy: str | None,
    preconditions: Mapping[str, str] | None,
) -> dict[str, Any]:
    # metav1.DeleteOptions as client-go serialises it (omitempty fields left out).
    body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
    if grace_period_seconds is not None:
        body["gracePeriodSeconds"] = int(grace_period_seconds)
    if preconditions:
        body["preconditions"] = dict(preconditions)
    if propagation_policy is not None:
        if propagation_policy not in ("Orphan", "Background", "Foreground"):
            raise ValueError(
                f"propagation_policy must be Orphan, Background or Foreground, got "
                f"{propagation_policy!r}"
            )
        body["propagationPolicy"] = propagation_policy
    return body
