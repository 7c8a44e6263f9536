"""The audit log: one record per request the API server answered.

Modelled on ``k8s.io/apiserver/pkg/audit`` and the ``audit.k8s.io/v1`` ``Event`` at stage
``ResponseComplete``: who (user and groups), what (the Kubernetes verb -- ``get``, ``list``,
``watch``, ``create``, ``update``, ``patch``, ``delete``, ``deletecollection`` -- on which
resource, subresource, namespace and name), the authorization decision
(``authorization.k8s.io/decision``: ``allow`` or ``forbid``), the response code and the
time it took in simulated seconds. kubelab adds which pipeline stage decided the outcome
(``authentication``, ``authorization``, ``admission:<plugin>``, ``validation``,
``storage``, ...), which a real audit event only hints at in its annotations.

``AuditLog.records()`` gives plain dicts; ``AuditLog.table()`` the text table a chapter
prints; ``AuditRecord.as_event()`` the ``audit.k8s.io/v1`` Event shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from kubelab.sim.clock import micro_timestamp

__all__ = ["AuditLog", "AuditRecord"]


class _NewDict:
    """The default of a dict field that is not given: a new empty dict."""

    def __repr__(self) -> str:
        return "{}"


_NEW_DICT: Any = _NewDict()


@dataclass(frozen=True, init=False)
class AuditRecord:
    """One answered request."""

    audit_id: str
    received: float
    user: str
    groups: tuple[str, ...]
    verb: str
    method: str
    path: str
    api_group: str = ""
    #: The URL query as sent (``dryRun=All&fieldValidation=Strict``); ``requestURI`` keeps it.
    query: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    decision: str = ""  # authorization: "allow", "forbid", or "" (not reached)
    stage: str = ""  # the pipeline stage that decided the outcome
    code: int = 0
    latency: float = 0.0
    message: str = ""
    annotations: dict[str, str] = field(default_factory=dict)

    def __init__(
        self,
        audit_id: str,
        received: float,
        user: str,
        groups: tuple[str, ...],
        verb: str,
        method: str,
        path: str,
        api_group: str = "",
        query: str = "",
        resource: str = "",
        subresource: str = "",
        namespace: str = "",
        name: str = "",
        decision: str = "",
        stage: str = "",
        code: int = 0,
        latency: float = 0.0,
        message: str = "",
        annotations: dict[str, str] = _NEW_DICT,
    ) -> None:
        # one per request: the fields are stored directly (the __init__ dataclass generates
        # for a frozen class sets each through object.__setattr__, several times slower)
        d = self.__dict__
        d["audit_id"] = audit_id
        d["received"] = received
        d["user"] = user
        d["groups"] = groups
        d["verb"] = verb
        d["method"] = method
        d["path"] = path
        d["api_group"] = api_group
        d["query"] = query
        d["resource"] = resource
        d["subresource"] = subresource
        d["namespace"] = namespace
        d["name"] = name
        d["decision"] = decision
        d["stage"] = stage
        d["code"] = code
        d["latency"] = latency
        d["message"] = message
        d["annotations"] = {} if annotations is _NEW_DICT else annotations

    def as_dict(self) -> dict[str, Any]:
        """The record as a plain dict (``groups`` as a list)."""
        d = asdict(self)
        d["groups"] = list(self.groups)
        return d

    def as_event(self, server: str = "") -> dict[str, Any]:
        """The record as an ``audit.k8s.io/v1`` ``Event`` (stage ``ResponseComplete``)."""
        annotations = dict(self.annotations)
        if self.decision:
            annotations["authorization.k8s.io/decision"] = self.decision
        ref: dict[str, Any] = {}
        if self.resource:
            ref["resource"] = self.resource
            if self.namespace:
                ref["namespace"] = self.namespace
            if self.name:
                ref["name"] = self.name
            ref["apiGroup"] = self.api_group
            ref["apiVersion"] = ""
            if self.subresource:
                ref["subresource"] = self.subresource
        event: dict[str, Any] = {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": "Metadata",
            "auditID": self.audit_id,
            "stage": "ResponseComplete",
            "requestURI": self.path + (f"?{self.query}" if self.query else ""),
            "verb": self.verb,
            "user": {"username": self.user, "groups": list(self.groups)},
            "sourceIPs": [server] if server else [],
        }
        if ref:
            event["objectRef"] = ref
        status: dict[str, Any] = {"metadata": {}, "code": self.code}
        if self.code >= 400:
            status["status"] = "Failure"
            if self.message:
                status["message"] = self.message
        event["responseStatus"] = status
        event["requestReceivedTimestamp"] = micro_timestamp(self.received)
        event["stageTimestamp"] = micro_timestamp(self.received + self.latency)
        if annotations:
            event["annotations"] = annotations
        return event


_COLUMNS: tuple[tuple[str, Callable[[AuditRecord], str]], ...] = (
    ("TIME", lambda r: f"{r.received:.3f}"),
    ("USER", lambda r: r.user),
    ("VERB", lambda r: r.verb),
    ("RESOURCE", lambda r: r.resource + (f"/{r.subresource}" if r.subresource else "") or r.path),
    ("NAMESPACE", lambda r: r.namespace or "-"),
    ("NAME", lambda r: r.name or "-"),
    ("DECISION", lambda r: r.decision or "-"),
    ("STAGE", lambda r: r.stage or "-"),
    ("CODE", lambda r: str(r.code)),
    ("LATENCY(ms)", lambda r: f"{r.latency * 1000:.2f}"),
)


class AuditLog:
    """The records of one API server, oldest first (at most ``capacity`` kept)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._records: list[AuditRecord] = []
        self.enabled = True

    def add(self, record: AuditRecord) -> None:
        """Append one record (dropping the oldest beyond the capacity)."""
        if not self.enabled:
            return
        self._records.append(record)
        if len(self._records) > self.capacity:
            del self._records[: len(self._records) - self.capacity]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[AuditRecord]:
        return iter(self._records)

    def __getitem__(self, i: int) -> AuditRecord:
        return self._records[i]

    def clear(self) -> None:
        """Forget every record."""
        self._records = []

    def filter(
        self, pred: Callable[[AuditRecord], bool] | None = None, **match: Any
    ) -> list[AuditRecord]:
        """Records whose fields equal ``match`` (e.g. ``verb="create"``) and pass ``pred``."""
        out = []
        for r in self._records:
            if any(getattr(r, k) != v for k, v in match.items()):
                continue
            if pred is not None and not pred(r):
                continue
            out.append(r)
        return out

    def records(self, **match: Any) -> list[dict[str, Any]]:
        """The (matching) records as plain dicts."""
        return [r.as_dict() for r in self.filter(**match)]

    def table(self, last: int | None = None, **match: Any) -> str:
        """A fixed-width text table of the (last ``last``) matching records."""
        rows_src = self.filter(**match)
        if last is not None:
            rows_src = rows_src[-last:]
        header = [c[0] for c in _COLUMNS]
        rows = [[fn(r) for _, fn in _COLUMNS] for r in rows_src]
        widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
        return "\n".join(
            "  ".join(x[i].ljust(widths[i]) for i in range(len(header))).rstrip()
            for x in [header, *rows]
        )
