"""The request pipeline: the stages every API request passes, in the real order, with times.

kube-apiserver's handler chain (``k8s.io/apiserver/pkg/server/config.go``
``DefaultBuildHandlerChain``) and REST handlers (``endpoints/handlers/create.go`` & co.) run a
write through::

    authentication -> authorization -> decode (+ defaulting, strict field check)
      -> mutating admission -> validation -> validating admission -> storage (etcd) -> response

Any stage can reject the request, and a rejected request writes nothing. Reads skip the
admission and validation stages; updates read the current object from etcd first (the
``storage`` stage appears twice). kubelab charges each stage a simulated CPU time
(:class:`StageCosts`, illustrative values -- a real server spends microseconds to a few
milliseconds per stage, depending on the object and the plugins); the etcd round trip is not
a configured cost but the real simulated network and Raft time.

:class:`RequestContext` carries one request through the stages and records each one
(:class:`StageRecord`: start, end, outcome); the server keeps recent contexts so a chapter can
trace one create through every stage (:meth:`RequestContext.table`).
:func:`pipeline_diagram` draws the pipeline from a server's live configuration.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Final

from kubelab.apiserver.errors import StatusError, internal_error
from kubelab.apiserver.wire import APIRequest, APIResponse
from kubelab.sim.scheduling import call_after

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.apiserver.authn import UserInfo
    from kubelab.apiserver.server import KubeAPIServer
    from kubelab.sim.host import Host
    from kubelab.viz.render import Diagram

__all__ = [
    "STAGES",
    "RequestContext",
    "RequestInfo",
    "StageCosts",
    "StageRecord",
    "pipeline_diagram",
]

#: The stages of a write, in order.
STAGES: Final = (
    "authentication",
    "authorization",
    "decode",
    "mutating admission",
    "validation",
    "validating admission",
    "storage",
    "response",
)


@dataclass(frozen=True)
class StageCosts:
    """Simulated CPU time per stage, in milliseconds (the etcd round trip is measured, not
    configured). Illustrative defaults; set all to 0 for a zero-cost pipeline."""

    authentication: float = 0.05
    authorization: float = 0.05
    decode: float = 0.1
    mutating_admission: float = 0.1
    validation: float = 0.1
    validating_admission: float = 0.05
    response: float = 0.05

    def __post_init__(self) -> None:
        # every stage's cost in seconds, worked out once (looked up for each stage run)
        secs = {
            f.name.replace("_", " "): float(getattr(self, f.name)) / 1000.0 for f in fields(self)
        }
        object.__setattr__(self, "_seconds", secs)

    def seconds(self, stage: str) -> float:
        """The cost of ``stage`` in seconds (0 for stages without a configured cost)."""
        secs: dict[str, float] = self._seconds  # type: ignore[attr-defined]
        cost = secs.get(stage)
        if cost is not None:
            return cost
        ms = getattr(self, stage.replace(" ", "_"), 0.0)
        return float(ms) / 1000.0

    def as_dict(self) -> dict[str, float]:
        """Stage name -> milliseconds."""
        return {f.name.replace("_", " "): float(getattr(self, f.name)) for f in fields(self)}


@dataclass
class RequestInfo:
    """What a request is about (``k8s.io/apiserver/pkg/endpoints/request.RequestInfo``)."""

    path: str
    method: str
    verb: str
    is_resource_request: bool = False
    api_prefix: str = ""
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""


@dataclass(slots=True)
class StageRecord:
    """One stage of one request: when it started and ended (simulated seconds), and how it
    went (``ok``, ``rejected``, ``error``), with a short detail."""

    name: str
    start: float
    end: float
    outcome: str = "ok"
    detail: str = ""

    @property
    def duration(self) -> float:
        """Seconds spent in the stage."""
        return self.end - self.start


class RequestContext:
    """One request travelling through the pipeline.

    Stages are run with :meth:`run` (synchronous work, charged its configured cost) and
    :meth:`storage` (an asynchronous etcd call, charged its real round trip). The first
    stage that raises a :class:`~kubelab.apiserver.errors.StatusError` ends the request with
    that Status. Continuations stop quietly when the server's host crashed meanwhile.
    """

    def __init__(
        self,
        host: Host,
        request: APIRequest,
        caller: str,
        respond: Callable[[APIResponse], None],
        costs: StageCosts,
        audit_id: str,
        on_done: Callable[[RequestContext], None] | None = None,
        info: RequestInfo | None = None,
    ) -> None:
        self.host = host
        self.world = host.world
        env = self.env = host.world.env
        self.epoch = host.epoch
        self.request = request
        self.caller = caller
        self._respond = respond
        self.costs = costs
        self.audit_id = audit_id
        self.received = float(env.now)
        self.info = info if info is not None else RequestInfo(request.path, request.method, "")
        self.user: UserInfo | None = None
        #: The object's name when the URL has none (a create): what the audit record shows.
        self.object_name = ""
        self.decision = ""
        self.decided_by = ""
        self.stages: list[StageRecord] = []
        self.warnings: list[str] = []
        self.annotations: dict[str, str] = {}
        self.response: APIResponse | None = None
        self.finished_at: float | None = None
        self._on_done = on_done
        #: Per-request scratch space of the handlers.
        self.data: dict[str, Any] = {}
        #: Called right after the response was sent (a watch's initial events follow it).
        self.after_response: list[Callable[[], None]] = []

    @property
    def costs(self) -> StageCosts:
        """The simulated CPU time of each stage."""
        return self._costs

    @costs.setter
    def costs(self, costs: StageCosts) -> None:
        self._costs = costs
        # stage -> seconds, read without a call per stage (StageCosts.seconds inlined; a
        # subclass that overrides seconds() is asked every time)
        secs: dict[str, float] = costs._seconds  # type: ignore[attr-defined]
        self._stage_seconds = secs if type(costs).seconds is StageCosts.seconds else {}

    # -- state ---------------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """Whether the server that took the request is still the one running."""
        host = self.host
        return host.up and host.epoch == self.epoch and self.response is None

    @property
    def code(self) -> int:
        """The response code (0 while the request is in flight)."""
        return self.response.code if self.response is not None else 0

    @property
    def latency(self) -> float:
        """Simulated seconds from arrival to response (so far)."""
        end = self.finished_at if self.finished_at is not None else float(self.env.now)
        return end - self.received

    # -- running stages ------------------------------------------------------------------------

    def _after(self, delay: float, fn: Callable[..., None], *args: Any) -> None:
        if delay > 0:
            # host.call_later(delay, self._guarded, fn, *args) without its timer: the request
            # being alive implies the host has not crashed since (same epoch, still up)
            call_after(self.env, delay, self._end_stage, fn, args)
        else:
            fn(*args)

    def _end_stage(self, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        host = self.host  # self.alive, inlined: this runs for every stage
        if host.up and host.epoch == self.epoch and self.response is None:
            fn(*args)

    def _guarded(self, fn: Callable[..., None], *args: Any) -> None:
        if self.alive:
            fn(*args)

    def run(self, stage: str, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Run ``fn`` as ``stage``: on success call ``then(result)`` once the stage's cost has
        passed; a raised StatusError ends the request (after the same cost)."""
        host = self.host  # self.alive, inlined
        if not (host.up and host.epoch == self.epoch and self.response is None):
            return
        start = float(self.env._now)
        cost = self._stage_seconds.get(stage)
        if cost is None:
            cost = self._costs.seconds(stage)
        try:
            result = fn()
        except StatusError as err:
            self.stages.append(StageRecord(stage, start, start + cost, "rejected", err.message))
            self._after(cost, self._fail_now, err, stage)
            return
        self.stages.append(StageRecord(stage, start, start + cost, "ok"))
        self._after(cost, then, result)

    def storage(
        self,
        detail: str,
        call: Callable[[Callable[[Any, BaseException | None], None]], None],
        then: Callable[[Any], None],
        on_error: Callable[[BaseException], StatusError] | None = None,
    ) -> None:
        """Run one etcd call as the ``storage`` stage: ``call(done)`` starts it; ``then``
        gets the result; an etcd error becomes ``on_error(err)`` (default: a 500 whose
        message is the etcd error, as ``ErrorToAPIStatus`` reports an unknown error)."""
        host = self.host  # self.alive, inlined
        if not (host.up and host.epoch == self.epoch and self.response is None):
            return
        now = float(self.env._now)
        record = StageRecord("storage", now, now, "ok", detail)
        self.stages.append(record)

        def done(result: Any, err: BaseException | None) -> None:
            if not (host.up and host.epoch == self.epoch and self.response is None):
                return  # not self.alive (inlined; host is self.host)
            record.end = float(self.env._now)
            if err is not None:
                status = on_error(err) if on_error is not None else unknown_error(str(err))
                record.outcome = "error"
                record.detail = f"{detail}: {err}"
                self._fail_now(status, "storage")
                return
            try:
                then(result)
            except StatusError as e:
                self._fail_now(e, "storage")

        call(done)

    def wait(
        self,
        detail: str,
        start: Callable[[Callable[[bool], None]], None],
        then: Callable[[bool], None],
    ) -> None:
        """A wait that is part of the storage stage (the watch cache catching up)."""
        if not self.alive:
            return
        record = StageRecord("storage", float(self.env.now), float(self.env.now), "ok", detail)
        self.stages.append(record)

        def done(ok: bool) -> None:
            if not self.alive:
                return
            record.end = float(self.env.now)
            if not ok:
                record.outcome = "error"
            try:
                then(ok)
            except StatusError as e:
                self._fail_now(e, "storage")

        start(done)

    # -- answering -----------------------------------------------------------------------------

    def finish(self, code: int, body: Any, stage: str = "storage") -> None:
        """Answer ``code`` with ``body`` after the response stage's cost."""
        host = self.host  # self.alive, inlined
        if not (host.up and host.epoch == self.epoch and self.response is None):
            return
        if not self.decided_by:
            self.decided_by = stage
        cost = self._stage_seconds.get("response")
        if cost is None:
            cost = self._costs.seconds("response")
        now = float(self.env._now)
        self.stages.append(StageRecord("response", now, now + cost, "ok", str(code)))
        self._after(cost, self._send, code, body)

    def fail(self, err: StatusError, stage: str) -> None:
        """End the request with ``err``, decided by ``stage``."""
        if self.alive:
            self._fail_now(err, stage)

    def _fail_now(self, err: StatusError, stage: str) -> None:
        if not self.alive:
            return
        if not self.decided_by:
            self.decided_by = stage
        self._send(err.code, err.status)

    def _send(self, code: int, body: Any) -> None:
        host = self.host  # self.alive, inlined
        if not (host.up and host.epoch == self.epoch and self.response is None):
            return
        headers = {"Audit-Id": self.audit_id}
        if code >= 400 and isinstance(body, dict):
            retry = (body.get("details") or {}).get("retryAfterSeconds")
            if retry:
                headers["Retry-After"] = str(retry)
        self.response = APIResponse(code, body, headers, tuple(self.warnings))
        self.finished_at = float(self.env._now)
        if self._on_done is not None:
            self._on_done(self)
        self._respond(self.response)
        hooks = self.after_response
        if hooks:
            self.after_response = []
            for fn in hooks:
                fn()

    # -- reading the trace --------------------------------------------------------------------

    def trace(self) -> list[dict[str, Any]]:
        """The stages as dicts: name, start/end in ms since arrival, duration, outcome."""
        t0 = self.received
        return [
            {
                "stage": s.name,
                "start_ms": round((s.start - t0) * 1000, 3),
                "end_ms": round((s.end - t0) * 1000, 3),
                "duration_ms": round(s.duration * 1000, 3),
                "outcome": s.outcome,
                "detail": s.detail,
            }
            for s in self.stages
        ]

    def table(self) -> str:
        """The trace as a text table."""
        header = ["STAGE", "START(ms)", "END(ms)", "TOOK(ms)", "OUTCOME", "DETAIL"]
        rows = [
            [
                t["stage"],
                f"{t['start_ms']:.3f}",
                f"{t['end_ms']:.3f}",
                f"{t['duration_ms']:.3f}",
                t["outcome"],
                str(t["detail"])[:60],
            ]
            for t in self.trace()
        ]
        widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
        return "\n".join(
            "  ".join(x[i].ljust(widths[i]) for i in range(len(header))).rstrip()
            for x in [header, *rows]
        )

    def __repr__(self) -> str:
        return (
            f"<RequestContext {self.request.method} {self.request.path} "
            f"code={self.code or '-'} stages={len(self.stages)}>"
        )


def unknown_error(message: str, code: int = 500) -> StatusError:
    """``ErrorToAPIStatus`` of an error that is no Status: code 500, no reason, the error's
    text as message (what an etcd failure looks like to a client)."""
    return StatusError(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "code": code,
        }
    )


def internal(err: BaseException) -> StatusError:
    """A 500 Internal error for an unexpected failure."""
    return internal_error(err)


# ------------------------------------------------------------------------------ the diagram


def pipeline_diagram(server: KubeAPIServer, trace: RequestContext | None = None) -> Diagram:
    """A graphviz diagram of ``server``'s request pipeline as configured now: the
    authenticators, the authorizers, the admission plugins of each phase, validation, the
    etcd members and the watch cache, with each stage's cost. With ``trace``, the stages that
    request passed are coloured (green ok, red where it was rejected)."""
    import graphviz

    from kubelab.viz.render import Diagram

    cfg = server.describe_pipeline()
    outcome: dict[str, str] = {}
    if trace is not None:
        for s in trace.stages:
            if s.outcome != "ok":
                outcome[s.name] = "rejected"
            else:
                outcome.setdefault(s.name, "ok")
    g = graphviz.Digraph("pipeline")
    g.attr(rankdir="LR", fontname="Helvetica", fontsize="10")
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10")
    costs = server.stage_costs.as_dict()

    def colour(stage: str) -> str:
        o = outcome.get(stage)
        if o == "rejected":
            return "#f4b6b6"
        if o == "ok":
            return "#c8e6c9"
        return "#eef3fb"

    def label(title: str, lines: list[str], stage: str) -> str:
        cost = costs.get(stage)
        head = f"<b>{html.escape(title)}</b>"
        if cost is not None:
            head += f"<br/><font point-size='8'>{cost:g} ms</font>"
        body = "".join(f"<br/>{html.escape(x)}" for x in lines)
        return f"<{head}{body}>"

    g.node("client", "client", shape="ellipse", fillcolor="#ffffff")
    steps = [
        ("authentication", "authentication", cfg["authenticators"]),
        ("authorization", "authorization", cfg["authorizers"]),
        ("decode", "decode + defaults", [f"fieldValidation default: {cfg['field_validation']}"]),
        ("mutating admission", "mutating admission", cfg["mutating"] or ["(none)"]),
        ("validation", "validation", ["schema + registry strategy", "RBAC escalation check"]),
        ("validating admission", "validating admission", cfg["validating"] or ["(none)"]),
        ("storage", "etcd", cfg["etcd"]),
        ("response", "response", ["Status or object", "audit record"]),
    ]
    prev = "client"
    for stage, title, lines in steps:
        g.node(stage, label(title, list(lines), stage), fillcolor=colour(stage))
        g.edge(prev, stage)
        prev = stage
    g.node("cache", label("watch cache", [f"{cfg['cached_objects']} objects"], "cache"),
           fillcolor="#fff4d6")  # fmt: skip
    g.edge("storage", "cache", label="watch", style="dashed", fontsize="8")
    g.edge("cache", "authorization", label="RBAC policy", style="dotted", fontsize="8")
    g.edge("cache", "mutating admission", label="listers", style="dotted", fontsize="8")
    title = f"kube-apiserver request pipeline on {server.host.name}"
    return Diagram(g, title)
