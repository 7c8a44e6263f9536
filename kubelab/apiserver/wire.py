"""What travels between API clients and the API server over the simulated network.

Requests use the real REST paths and verbs (``GET /api/v1/namespaces/default/pods/web``,
``PATCH .../deployments/web/scale``), so the chapter can show what a real client sends. A call is
``host.call(apiserver_host, PORT, APIRequest(...), timeout)``, answered with an
:class:`APIResponse`. A watch (``?watch=true``) is answered at once with 200 and ``{"watch":
port}``; its events then arrive as one-way messages on the client host's ``watch_port``, each
``{"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR", "object": {...}}``, and a final
``None`` when the server ends the stream. The client cancels with a message to
:data:`CANCEL_PORT` carrying ``(client_host, watch_port)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The port the API server serves requests on (its secure port is 6443 on a real cluster).
PORT = "kube-apiserver"
#: Where clients send watch cancellations.
CANCEL_PORT = "kube-apiserver/watch-cancel"


@dataclass(frozen=True)
class ClientCertificate:
    """A client certificate's identity: user = CN, groups = O (x509 request authenticator)."""

    common_name: str
    organizations: tuple[str, ...] = ()


# APIRequest and APIResponse are built once per request: their __init__ is written out, as
# the one dataclass generates for a frozen class sets every field through object.__setattr__
# (twice as slow). It stores the same fields, in the same order, with the same defaults.


class _NewDict:
    """The default of a dict field that is not given: a new empty dict."""

    def __repr__(self) -> str:
        return "{}"


_NEW_DICT: Any = _NewDict()


@dataclass(frozen=True, init=False)
class APIRequest:
    """One HTTP request to the API server."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    content_type: str = "application/json"
    #: ``Authorization: Bearer <token>``
    token: str | None = None
    certificate: ClientCertificate | None = None
    #: For ``?watch=true``: the port on the client host that receives the events.
    watch_port: str | None = None
    user_agent: str = "kubelab"

    def __init__(
        self,
        method: str,
        path: str,
        query: dict[str, str] = _NEW_DICT,
        body: Any = None,
        content_type: str = "application/json",
        token: str | None = None,
        certificate: ClientCertificate | None = None,
        watch_port: str | None = None,
        user_agent: str = "kubelab",
    ) -> None:
        d = self.__dict__
        d["method"] = method
        d["path"] = path
        d["query"] = {} if query is _NEW_DICT else query
        d["body"] = body
        d["content_type"] = content_type
        d["token"] = token
        d["certificate"] = certificate
        d["watch_port"] = watch_port
        d["user_agent"] = user_agent


@dataclass(frozen=True, init=False)
class APIResponse:
    """One HTTP response: the status code and the JSON body (an object, a list, or a Status)."""

    code: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    #: Warnings (``Warning:`` headers), e.g. from PodSecurity in warn mode.
    warnings: tuple[str, ...] = ()

    def __init__(
        self,
        code: int,
        body: Any,
        headers: dict[str, str] = _NEW_DICT,
        warnings: tuple[str, ...] = (),
    ) -> None:
        d = self.__dict__
        d["code"] = code
        d["body"] = body
        d["headers"] = {} if headers is _NEW_DICT else headers
        d["warnings"] = warnings
