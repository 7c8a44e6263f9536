"""Chapter 2's tables: who may do what, what a watch delivered, where a request spent its time.

* :func:`access_matrix` asks ``kubectl auth can-i`` (a ``SelfSubjectAccessReview`` each) for
  every verb on every resource in every namespace given, as one identity, and lays the answers
  out as a table;
* :class:`WatchLog` collects the events of a watch (pass :meth:`WatchLog.on_event` to
  :meth:`kubelab.apiserver.client.APIClient.watch_async`) and shows, for each event, which
  fields changed since the previous event of the same object;
* :func:`stage_times` sums the simulated time one request spent in each pipeline stage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "IGNORED_PATHS",
    "AccessMatrix",
    "WatchEvent",
    "WatchLog",
    "access_matrix",
    "changed_paths",
    "stage_times",
]


class _KubectlRunner(Protocol):
    """Anything that runs kubectl as one identity (a :class:`kubelab.cluster.ClusterView`)."""

    user: str

    def kubectl(self, command_line: str, stdin: str | None = None) -> str: ...


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(r[i].ljust(widths[i]) for i in range(len(header))).rstrip()
        for r in [header, *rows]
    )


# ------------------------------------------------------------------------------ access matrix


@dataclass(frozen=True)
class AccessMatrix:
    """``kubectl auth can-i`` answers of one user: ``answers[(verb, resource, namespace)]``."""

    user: str
    verbs: tuple[str, ...]
    targets: tuple[tuple[str, str], ...]
    answers: Mapping[tuple[str, str, str], bool]

    def allowed(self) -> list[str]:
        """The allowed requests as ``"<verb> <resource> -n <namespace>"``, in table order."""
        return [
            f"{v} {r} -n {ns}"
            for v in self.verbs
            for r, ns in self.targets
            if self.answers[v, r, ns]
        ]

    def table(self) -> str:
        """One row per verb, one column per resource and namespace, ``yes``/``no`` cells."""
        header = ["VERB", *(f"{r} in {ns}" for r, ns in self.targets)]
        rows = [
            [v, *("yes" if self.answers[v, r, ns] else "no" for r, ns in self.targets)]
            for v in self.verbs
        ]
        return _table(header, rows)

    def __repr__(self) -> str:
        return f"can-i as {self.user}:\n{self.table()}"


def access_matrix(
    view: _KubectlRunner, verbs: Sequence[str], targets: Sequence[tuple[str, str]]
) -> AccessMatrix:
    """Run ``kubectl auth can-i <verb> <resource> -n <namespace>`` as ``view`` for every verb
    and every ``(resource, namespace)`` in ``targets``. kubectl prints ``yes`` or ``no``
    (``k8s.io/kubectl/pkg/cmd/auth/cani.go``); anything else (an error) raises ValueError."""
    answers: dict[tuple[str, str, str], bool] = {}
    for verb in verbs:
        for resource, namespace in targets:
            out = str(view.kubectl(f"auth can-i {verb} {resource} -n {namespace}"))
            first = out.strip().splitlines()[0] if out.strip() else ""
            if first not in ("yes", "no"):
                raise ValueError(f"kubectl auth can-i {verb} {resource} -n {namespace}: {out}")
            answers[verb, resource, namespace] = first == "yes"
    return AccessMatrix(view.user, tuple(verbs), tuple(targets), answers)


# ------------------------------------------------------------------------------ watch events

#: Fields every write changes, left out of :func:`changed_paths`.
IGNORED_PATHS: tuple[str, ...] = ("metadata.resourceVersion", "metadata.managedFields")


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """The dotted paths of the fields that differ between two objects, sorted: nested maps
    are compared key by key, anything else (lists included) as a whole. Paths in
    :data:`IGNORED_PATHS` are left out."""
    if prefix in IGNORED_PATHS:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in old or key not in new:
                if path not in IGNORED_PATHS:
                    out.append(path)
            else:
                out += changed_paths(old[key], new[key], path)
        return out
    return [] if old == new else [prefix]


@dataclass(frozen=True)
class WatchEvent:
    """One event of a watch, as :class:`WatchLog` keeps it."""

    type: str
    namespace: str
    name: str
    resource_version: str
    changed: tuple[str, ...]
    time: float | None = None


@dataclass
class WatchLog:
    """The events of a watch. ``clock`` (e.g. ``lambda: cluster.now``) adds a time column;
    ``BOOKMARK`` events are kept out unless ``bookmarks``."""

    clock: Callable[[], float] | None = None
    bookmarks: bool = False
    events: list[WatchEvent] = field(default_factory=list)
    _last: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)

    def on_event(self, event_type: str, obj: dict[str, Any]) -> None:
        """The ``on_event`` callback of :meth:`~kubelab.apiserver.client.APIClient.watch_async`."""
        if event_type == "BOOKMARK" and not self.bookmarks:
            return
        meta = obj.get("metadata") or {}
        key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
        changed: tuple[str, ...] = ()
        if event_type == "MODIFIED" and key in self._last:
            changed = tuple(changed_paths(self._last[key], obj))
        if event_type == "DELETED":
            self._last.pop(key, None)
        elif event_type != "BOOKMARK":
            self._last[key] = obj
        when = self.clock() if self.clock is not None else None
        self.events.append(
            WatchEvent(
                event_type, key[0], key[1], str(meta.get("resourceVersion", "")), changed, when
            )
        )

    def table(self) -> str:
        """TYPE, NAME (``namespace/name`` when the events span namespaces), RESOURCEVERSION
        and, for MODIFIED, the fields that changed; TIME(s) first when there is a clock."""
        namespaces = {e.namespace for e in self.events if e.name}
        header = ["TYPE", "NAME", "RESOURCEVERSION", "CHANGED"]
        rows = []
        for e in self.events:
            name = f"{e.namespace}/{e.name}" if len(namespaces) > 1 and e.namespace else e.name
            rows.append([e.type, name or "-", e.resource_version, ", ".join(e.changed) or "-"])
        if self.clock is not None:
            header.insert(0, "TIME(s)")
            for row, e in zip(rows, self.events, strict=True):
                row.insert(0, f"{e.time:.3f}" if e.time is not None else "-")
        return _table(header, rows)

    def __repr__(self) -> str:
        return self.table()


# ------------------------------------------------------------------------------ stage times


class _HasStages(Protocol):
    @property
    def stages(self) -> Sequence[Any]: ...


def stage_times(ctx: _HasStages) -> dict[str, float]:
    """Milliseconds per pipeline stage of one request (a
    :class:`~kubelab.apiserver.pipeline.RequestContext`), in the order the stages first ran;
    a stage that ran twice (an update reads, then writes etcd) is summed."""
    out: dict[str, float] = {}
    for s in ctx.stages:
        out[s.name] = out.get(s.name, 0.0) + (s.end - s.start) * 1000.0
    return out
