"""The API server's error answers: ``Status`` objects, and how kubectl prints them.

A model of ``k8s.io/apimachinery/pkg/api/errors/errors.go``: every failed request is answered
with a ``Status`` object (``kind: Status``, ``status: Failure``, a human ``message``, a
machine ``reason``, optional ``details`` and the HTTP ``code``). :class:`StatusError` carries
that dict; the module-level constructors build it with the exact wording of the upstream
``New*`` functions (``NewNotFound`` -> :func:`not_found`, ``NewConflict`` -> :func:`conflict`,
...).

:func:`error_from_server` renders a Status the way kubectl writes it to stderr
(``staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go`` ``checkErr`` and
``StandardErrorMessage``): ``Error from server (NotFound): pods "x" not found``.

The dicts follow Go's JSON encoding of ``metav1.Status``: keys in struct order (``kind``,
``apiVersion``, ``metadata``, ``status``, ``message``, ``reason``, ``details``, ``code``),
``omitempty`` fields left out when empty, and ``details`` present (possibly ``{}``) exactly
when the upstream constructor sets it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final

from kubelab.api.errors import FieldError, InvalidError, go_quote

__all__ = [
    "OPTIMISTIC_LOCK_ERROR",
    "REASON_ALREADY_EXISTS",
    "REASON_BAD_REQUEST",
    "REASON_CONFLICT",
    "REASON_EXPIRED",
    "REASON_FORBIDDEN",
    "REASON_GONE",
    "REASON_INTERNAL_ERROR",
    "REASON_INVALID",
    "REASON_METHOD_NOT_ALLOWED",
    "REASON_NOT_FOUND",
    "REASON_REQUEST_ENTITY_TOO_LARGE",
    "REASON_SERVER_TIMEOUT",
    "REASON_SERVICE_UNAVAILABLE",
    "REASON_TIMEOUT",
    "REASON_TOO_MANY_REQUESTS",
    "REASON_UNAUTHORIZED",
    "StatusError",
    "already_exists",
    "bad_request",
    "conflict",
    "error_from_server",
    "forbidden",
    "from_invalid_error",
    "gone",
    "internal_error",
    "invalid",
    "method_not_supported",
    "not_found",
    "qualified_resource",
    "request_entity_too_large",
    "resource_expired",
    "server_timeout",
    "service_unavailable",
    "timeout",
    "too_many_requests",
    "too_many_requests_error",
    "too_old_resource_version",
    "unauthorized",
]

# metav1.StatusReason values (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
REASON_UNAUTHORIZED: Final = "Unauthorized"
REASON_FORBIDDEN: Final = "Forbidden"
REASON_NOT_FOUND: Final = "NotFound"
REASON_ALREADY_EXISTS: Final = "AlreadyExists"
REASON_CONFLICT: Final = "Conflict"
REASON_GONE: Final = "Gone"
REASON_INVALID: Final = "Invalid"
REASON_SERVER_TIMEOUT: Final = "ServerTimeout"
REASON_TIMEOUT: Final = "Timeout"
REASON_TOO_MANY_REQUESTS: Final = "TooManyRequests"
REASON_BAD_REQUEST: Final = "BadRequest"
REASON_METHOD_NOT_ALLOWED: Final = "MethodNotAllowed"
REASON_REQUEST_ENTITY_TOO_LARGE: Final = "RequestEntityTooLarge"
REASON_INTERNAL_ERROR: Final = "InternalError"
REASON_EXPIRED: Final = "Expired"
REASON_SERVICE_UNAVAILABLE: Final = "ServiceUnavailable"

#: The detail of an optimistic-concurrency conflict (apiserver storage ``OptimisticLockErrorMsg``).
OPTIMISTIC_LOCK_ERROR: Final = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


class StatusError(Exception):
    """An API error carrying the real ``Status`` dict (``errors.StatusError``).

    ``str(err)`` is the Status ``message`` (``StatusError.Error()``); :attr:`code` and
    :attr:`reason` are the HTTP code and the machine-readable reason.
    """

    def __init__(self, status: Mapping[str, Any]) -> None:
        self.status: dict[str, Any] = copy.deepcopy(dict(status))
        # args holds the Status so the error can be rebuilt as ``type(err)(*err.args)``
        # (SimPy re-raises a failed event that way); str() stays the message.
        super().__init__(self.status)

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.status.get("message", ""))

    @property
    def code(self) -> int:
        """The HTTP status code (404, 409, 422, ...)."""
        return int(self.status.get("code", 0))

    @property
    def reason(self) -> str:
        """The ``StatusReason`` (``NotFound``, ``Invalid``, ...); empty if unknown."""
        return str(self.status.get("reason", ""))

    @property
    def details(self) -> dict[str, Any] | None:
        """``details`` (name, group, kind, causes, retryAfterSeconds), or ``None``."""
        details = self.status.get("details")
        return details if isinstance(details, dict) else None

    @property
    def causes(self) -> list[dict[str, str]]:
        """``details.causes`` (each with ``reason``, ``message``, ``field``), possibly empty."""
        details = self.details or {}
        causes = details.get("causes")
        return list(causes) if isinstance(causes, list) else []

    def with_message(self, message: str) -> StatusError:
        """A copy with another message, as kubectl's ``AddSourceToErr`` rewrites it."""
        status = copy.deepcopy(self.status)
        status["message"] = message
        return StatusError(status)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"StatusError({self.code}, {self.reason!r}, {self.message!r})"


def qualified_resource(resource: str, group: str = "") -> str:
    """``schema.GroupResource.String()``: ``pods``, or ``deployments.apps`` outside the core."""
    return f"{resource}.{group}" if group else resource


def _details(
    name: str = "",
    group: str = "",
    kind: str = "",
    causes: Sequence[Mapping[str, str]] | None = None,
    retry_after_seconds: int = 0,
) -> dict[str, Any]:
    # metav1.StatusDetails: every field is omitempty; JSON order name, group, kind, uid,
    # causes, retryAfterSeconds.
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    if causes:
        details["causes"] = [dict(c) for c in causes]
    if retry_after_seconds:
        details["retryAfterSeconds"] = retry_after_seconds
    return details


def _status(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> StatusError:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
    }
    if message:
        status["message"] = message
    if reason:
        status["reason"] = reason
    if details is not None:
        status["details"] = details
    status["code"] = code
    return StatusError(status)


def _text(err: str | BaseException) -> str:
    return str(err)


def not_found(resource: str, name: str, group: str = "") -> StatusError:
    """``NewNotFound``: 404 ``pods "x" not found`` (``details.kind`` is the resource)."""
    qr = qualified_resource(resource, group)
    return _status(
        404,
        REASON_NOT_FOUND,
        f"{qr} {go_quote(name)} not found",
        _details(name=name, group=group, kind=resource),
    )


def already_exists(resource: str, name: str, group: str = "") -> StatusError:
    """``NewAlreadyExists``: 409 ``pods "x" already exists``."""
    qr = qualified_resource(resource, group)
    return _status(
        409,
        REASON_ALREADY_EXISTS,
        f"{qr} {go_quote(name)} already exists",
        _details(name=name, group=group, kind=resource),
    )


def conflict(
    resource: str, name: str, err: str | BaseException = OPTIMISTIC_LOCK_ERROR, group: str = ""
) -> StatusError:
    """``NewConflict``: 409 ``Operation cannot be fulfilled on pods "x": <err>``.

    ``err`` defaults to the optimistic-lock text the storage layer uses when a write carries a
    stale ``resourceVersion``.
    """
    qr = qualified_resource(resource, group)
    return _status(
        409,
        REASON_CONFLICT,
        f"Operation cannot be fulfilled on {qr} {go_quote(name)}: {_text(err)}",
        _details(name=name, group=group, kind=resource),
    )


def forbidden(resource: str, name: str, err: str | BaseException, group: str = "") -> StatusError:
    """``NewForbidden``: 403 ``pods "x" is forbidden: <err>``.

    Without a name: ``pods is forbidden: <err>``; without a resource: ``forbidden: <err>``.
    """
    text = _text(err)
    qr = qualified_resource(resource, group)
    if not resource and not group:
        message = f"forbidden: {text}"
    elif not name:
        message = f"{qr} is forbidden: {text}"
    else:
        message = f"{qr} {go_quote(name)} is forbidden: {text}"
    return _status(403, REASON_FORBIDDEN, message, _details(name=name, group=group, kind=resource))


def invalid(
    kind: str, name: str, field_errors: Sequence[FieldError], group: str = ""
) -> StatusError:
    """``NewInvalid``: 422 ``Pod "x" is invalid: <errors>`` with one cause per field error.

    The wording comes from :class:`kubelab.api.errors.InvalidError`; with no field errors the
    message is just ``Pod "x" is invalid``.
    """
    err = InvalidError(kind, name, field_errors, group)
    status = err.status()
    details = status["details"]
    if not details.get("causes"):
        details.pop("causes", None)
        qk = f"{kind}.{group}" if group else kind
        status["message"] = f"{qk} {go_quote(name)} is invalid"
    return StatusError(status)


def from_invalid_error(err: InvalidError) -> StatusError:
    """The 422 :class:`StatusError` for a validation failure from :mod:`kubelab.api`."""
    return invalid(err.kind, err.name, err.errors, err.group)


def bad_request(reason: str) -> StatusError:
    """``NewBadRequest``: 400, the message is ``reason`` itself."""
    return _status(400, REASON_BAD_REQUEST, reason)


def method_not_supported(resource: str, action: str, group: str = "") -> StatusError:
    """``NewMethodNotSupported``: 405 ``<action> is not supported on resources of kind "pods"``."""
    qr = qualified_resource(resource, group)
    return _status(
        405,
        REASON_METHOD_NOT_ALLOWED,
        f"{action} is not supported on resources of kind {go_quote(qr)}",
        _details(group=group, kind=resource),
    )


def gone(message: str) -> StatusError:
    """``NewGone`` (deprecated upstream): 410, reason ``Gone``."""
    return _status(410, REASON_GONE, message)


def resource_expired(message: str) -> StatusError:
    """``NewResourceExpired``: 410, reason ``Expired`` (a resourceVersion too old to serve)."""
    return _status(410, REASON_EXPIRED, message)


def too_old_resource_version(requested: int, floor: int) -> StatusError:
    """The watch cache's 410: ``too old resource version: 5 (10)``.

    ``floor`` is printed as given; the watch cache (apiserver ``storage/cacher/watch_cache.go``)
    passes the oldest revision it still holds minus one.
    """
    return resource_expired(f"too old resource version: {requested} ({floor})")


def unauthorized(reason: str = "") -> StatusError:
    """``NewUnauthorized``: 401; an empty reason reads ``not authorized``."""
    return _status(401, REASON_UNAUTHORIZED, reason or "not authorized")


def too_many_requests(message: str, retry_after_seconds: int = 0) -> StatusError:
    """``NewTooManyRequests``: 429 with the message as given (``details`` always present)."""
    return _status(
        429, REASON_TOO_MANY_REQUESTS, message, _details(retry_after_seconds=retry_after_seconds)
    )


def too_many_requests_error(message: str) -> StatusError:
    """``NewTooManyRequestsError``: 429 ``Too many requests: <message>``."""
    return _status(429, REASON_TOO_MANY_REQUESTS, f"Too many requests: {message}")


def request_entity_too_large(message: str) -> StatusError:
    """``NewRequestEntityTooLargeError``: 413 ``Request entity too large: <message>``."""
    return _status(413, REASON_REQUEST_ENTITY_TOO_LARGE, f"Request entity too large: {message}")


def timeout(message: str, retry_after_seconds: int = 0) -> StatusError:
    """``NewTimeoutError``: 504 ``Timeout: <message>``."""
    return _status(
        504,
        REASON_TIMEOUT,
        f"Timeout: {message}",
        _details(retry_after_seconds=retry_after_seconds),
    )


def server_timeout(
    resource: str, operation: str, retry_after_seconds: int = 0, group: str = ""
) -> StatusError:
    """``NewServerTimeout``: 500, reason ``ServerTimeout``; ``details.name`` is the operation."""
    qr = qualified_resource(resource, group)
    return _status(
        500,
        REASON_SERVER_TIMEOUT,
        f"The {operation} operation against {qr} could not be completed at this time, "
        "please try again.",
        _details(
            name=operation, group=group, kind=resource, retry_after_seconds=retry_after_seconds
        ),
    )


def internal_error(err: str | BaseException) -> StatusError:
    """``NewInternalError``: 500 ``Internal error occurred: <err>``, the error as sole cause."""
    text = _text(err)
    return _status(
        500,
        REASON_INTERNAL_ERROR,
        f"Internal error occurred: {text}",
        {"causes": [{"message": text}] if text else [{}]},
    )


def service_unavailable(reason: str) -> StatusError:
    """``NewServiceUnavailable``: 503, the message is ``reason`` itself."""
    return _status(503, REASON_SERVICE_UNAVAILABLE, reason)


def _as_status(status: StatusError | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(status, StatusError):
        return status.status
    return dict(status)


def error_from_server(
    status: StatusError | Mapping[str, Any], verb: str = "", source: str = ""
) -> str:
    """What kubectl prints on stderr for a failed request, without the final newline.

    kubectl ``cmdutil.checkErr``: an ``Invalid`` Status is rebuilt from its details --
    ``The Pod "x" is invalid: spec.containers[0].image: Required value``, or one ``* cause``
    per line when there are several; ``Unauthorized`` reads
    ``error: You must be logged in to the server (<message>)``; every other Status with a
    reason reads ``Error from server (<Reason>): <message>``.

    ``verb`` and ``source`` model ``AddSourceToErr`` (``kubectl create -f pod.yaml``):
    ``Error from server (Forbidden): error when creating "pod.yaml": pods "x" is forbidden: ...``.
    """
    st = _as_status(status)
    reason = str(st.get("reason", ""))
    message = str(st.get("message", ""))
    if source:
        message = f"error when {verb} {go_quote(source)}: {message}"
    if reason == REASON_INVALID:
        details = st.get("details")
        text = "The request is invalid"
        if not isinstance(details, Mapping):
            return text
        kind = str(details.get("kind", ""))
        name = str(details.get("name", ""))
        if kind or name:
            text = f"The {kind} {go_quote(name)} is invalid"
        causes = details.get("causes") or []
        # statusCausesToAggrError: "<field>: <message>", each distinct text once.
        lines: list[str] = []
        for cause in causes:
            line = f"{cause.get('field', '')}: {cause.get('message', '')}"
            if line not in lines:
                lines.append(line)
        if not lines:
            return text
        if len(lines) == 1:
            return f"{text}: {lines[0]}"
        # MultilineError: the prefix on its own line (its trailing blank kept), one "* " line
        # per error.
        return "\n".join([f"{text}: ", *(f"* {line}" for line in lines)])
    if reason == REASON_UNAUTHORIZED:
        return f"error: You must be logged in to the server ({message})"
    if reason:
        return f"Error from server ({reason}): {message}"
    return f"Error from server: {message}"
