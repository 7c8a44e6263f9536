"""The scheduling framework: extension points, ``Status``, ``CycleState`` and the runner.

Models ``pkg/scheduler/framework/interface.go`` (the extension points and ``Status``),
``pkg/scheduler/framework/cycle_state.go`` and ``pkg/scheduler/framework/runtime/framework.go``
(``frameworkImpl``: building the plugin lists from a profile and running each point).

A scheduling cycle runs, for one pod::

    PreFilter -> Filter (per node) -> [PostFilter if no node fits]
              -> PreScore -> Score (per node) -> NormalizeScore -> weights
              -> Reserve -> Permit                          (end of the scheduling cycle)
    PreBind -> Bind -> PostBind                             (the binding cycle)

and before that PreEnqueue (may the pod enter the active queue?) and QueueSort (its order).

Plugins return ``None`` for success, as upstream returns a nil ``*Status``.
Left out: Permit's ``Wait`` (no in-tree plugin uses it; a ``Wait`` is treated as a rejection),
extenders, metrics, the parallelizer (nodes are checked one after another, in order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ClassVar, Final, Protocol

from kubelab.scheduler.types import NodeInfo, PodInfo

#: interface.go ``MaxNodeScore`` / ``MinNodeScore`` / ``MaxTotalScore``.
MAX_NODE_SCORE: Final = 100
MIN_NODE_SCORE: Final = 0
MAX_TOTAL_SCORE: Final = (1 << 63) - 1

#: types.go ``NoNodeAvailableMsg`` and ``SeparatorFormat``.
NO_NODE_AVAILABLE_MSG: Final = "0/{} nodes are available"


class Code(IntEnum):
    """interface.go ``Code``, in upstream order (its ``String()`` is the member name)."""

    Success = 0
    Error = 1
    Unschedulable = 2
    UnschedulableAndUnresolvable = 3
    Wait = 4
    Skip = 5
    Pending = 6


class Status:
    """interface.go ``Status``: a code, reasons, and the plugin that returned it."""

    __slots__ = ("code", "plugin", "reasons")

    def __init__(self, code: Code = Code.Success, *reasons: str, plugin: str = "") -> None:
        self.code = code
        self.reasons: tuple[str, ...] = tuple(reasons)
        self.plugin = plugin

    def message(self) -> str:
        """``Message()``: the reasons joined with ", "."""
        return ", ".join(self.reasons)

    def is_success(self) -> bool:
        return self.code == Code.Success

    def is_rejected(self) -> bool:
        """``IsRejected``: Unschedulable, UnschedulableAndUnresolvable or Pending."""
        return self.code in (Code.Unschedulable, Code.UnschedulableAndUnresolvable, Code.Pending)

    def with_plugin(self, plugin: str) -> Status:
        self.plugin = plugin
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Status):
            return NotImplemented
        return (self.code, self.reasons) == (other.code, other.reasons)

    def __hash__(self) -> int:
        return hash((self.code, self.reasons))

    def __repr__(self) -> str:
        plugin = f", plugin={self.plugin!r}" if self.plugin else ""
        return f"Status({self.code.name}, {list(self.reasons)!r}{plugin})"


def is_success(status: Status | None) -> bool:
    """A nil status is a success, as in Go."""
    return status is None or status.code == Code.Success


def code_of(status: Status | None) -> Code:
    return Code.Success if status is None else status.code


class CycleState:
    """cycle_state.go ``CycleState``: per-cycle data plugins share, plus the sets of plugins
    that returned Skip at PreFilter / PreScore."""

    __slots__ = ("_data", "skip_filter_plugins", "skip_score_plugins")

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self.skip_filter_plugins: set[str] = set()
        self.skip_score_plugins: set[str] = set()

    def write(self, key: str, value: Any) -> None:
        self._data[key] = value

    def read(self, key: str) -> Any:
        """The value under ``key``; KeyError (upstream ``ErrNotFound``) when absent."""
        return self._data[key]

    def get(self, key: str) -> Any:
        return self._data.get(key)

    def clone(self) -> CycleState:
        """``Clone``: each value is copied through its own ``clone()`` when it has one."""
        c = CycleState()
        for k, v in self._data.items():
            cl = getattr(v, "clone", None)
            c._data[k] = cl() if callable(cl) else v
        c.skip_filter_plugins = set(self.skip_filter_plugins)
        c.skip_score_plugins = set(self.skip_score_plugins)
        return c


@dataclass
class PreFilterResult:
    """interface.go ``PreFilterResult``: ``node_names`` None means all nodes."""

    node_names: set[str] | None = None

    def all_nodes(self) -> bool:
        return self.node_names is None

    def merge(self, other: PreFilterResult | None) -> PreFilterResult:
        if other is None or other.all_nodes():
            return PreFilterResult(None if self.node_names is None else set(self.node_names))
        if self.all_nodes():
            return PreFilterResult(set(other.node_names or ()))
        return PreFilterResult((self.node_names or set()) & (other.node_names or set()))


@dataclass
class PostFilterResult:
    """interface.go ``PostFilterResult``: the node a preemptor is nominated to, and (in this
    model) the victims to delete and nominations to clear."""

    nominated_node_name: str = ""
    victims: list[PodInfo] = field(default_factory=list)
    cleared_nominations: list[PodInfo] = field(default_factory=list)


class NodeScore:
    """interface.go ``NodeScore``."""

    __slots__ = ("name", "score")

    def __init__(self, name: str, score: int) -> None:
        self.name = name
        self.score = score

    def __repr__(self) -> str:
        return f"NodeScore({self.name!r}, {self.score})"


@dataclass
class PluginScore:
    """interface.go ``PluginScore`` plus the raw and normalized values kept for explaining."""

    name: str
    raw: int
    normalized: int
    score: int  # normalized * weight


@dataclass
class NodePluginScores:
    """interface.go ``NodePluginScores``."""

    name: str
    scores: list[PluginScore]
    total_score: int


class NodeToStatus:
    """types.go ``NodeToStatus``: explicit per-node statuses plus one status for every node
    not in the map (``absentNodesStatus``, UnschedulableAndUnresolvable by default)."""

    __slots__ = ("absent", "statuses")

    def __init__(self) -> None:
        self.statuses: dict[str, Status] = {}
        self.absent = Status(Code.UnschedulableAndUnresolvable)

    def get(self, name: str) -> Status:
        return self.statuses.get(name, self.absent)

    def set(self, name: str, status: Status) -> None:
        self.statuses[name] = status

    def set_absent_nodes_status(self, status: Status) -> None:
        self.absent = status

    def __len__(self) -> int:
        return len(self.statuses)


@dataclass
class Diagnosis:
    """types.go ``Diagnosis``: why no node fit."""

    node_to_status: NodeToStatus = field(default_factory=NodeToStatus)
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""


def fit_error_message(diagnosis: Diagnosis, num_all_nodes: int) -> str:
    """types.go ``FitError.Error``: ``0/N nodes are available: <count> <reason>, ....`` with the
    "count reason" strings sorted as strings, then the PostFilter (preemption) message, which
    ends with its own period (e.g. ``preemption: not eligible due to preemptionPolicy=Never.``,
    as in kubernetes/kubernetes#107775)."""
    msg = NO_NODE_AVAILABLE_MSG.format(num_all_nodes) + ":"
    if diagnosis.pre_filter_msg:
        msg += f" {diagnosis.pre_filter_msg}."
    else:
        counts: dict[str, int] = {}
        m = diagnosis.node_to_status
        for status in m.statuses.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        if len(m) < num_all_nodes:
            for reason in m.absent.reasons:
                counts[reason] = counts.get(reason, 0) + num_all_nodes - len(m)
        parts = sorted(f"{n} {reason}" for reason, n in counts.items())
        if parts:
            msg += f" {', '.join(parts)}."
    if diagnosis.post_filter_msg:
        # The PostFilter (preemption) message carries its own final period.
        msg += f" {diagnosis.post_filter_msg}"
    return msg


class FitError(Exception):
    """types.go ``FitError``: the pod fits no node; ``str(err)`` is the FailedScheduling text."""

    def __init__(self, pod: PodInfo, num_all_nodes: int, diagnosis: Diagnosis) -> None:
        super().__init__()
        self.pod = pod
        self.num_all_nodes = num_all_nodes
        self.diagnosis = diagnosis

    def __str__(self) -> str:
        return fit_error_message(self.diagnosis, self.num_all_nodes)


# ------------------------------------------------------------------------- the world plugins see


class Snapshot:
    """internal/cache/snapshot.go ``Snapshot``: the node infos of one cycle, in the cache's
    zone-interleaved order, plus (standing in for informer listers) namespace labels and the
    Services/ReplicaSets/StatefulSets/ReplicationControllers the spreading defaults read."""

    def __init__(
        self,
        node_infos: Sequence[NodeInfo],
        namespaces: Mapping[str, Mapping[str, str]] | None = None,
        workloads: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        node_info_map: Mapping[str, NodeInfo] | None = None,
    ) -> None:
        self.node_info_list: list[NodeInfo] = (
            node_infos if isinstance(node_infos, list) else list(node_infos)
        )
        self.node_info_map: Mapping[str, NodeInfo] = (
            node_info_map if node_info_map is not None else {n.name: n for n in self.node_info_list}
        )
        self.namespaces: Mapping[str, Mapping[str, str]] = namespaces or {}
        self.workloads: Mapping[str, Sequence[Mapping[str, Any]]] = workloads or {}
        self._with_affinity: list[NodeInfo] | None = None
        self._with_required_anti: list[NodeInfo] | None = None

    def get(self, name: str) -> NodeInfo | None:
        return self.node_info_map.get(name)

    def have_pods_with_affinity_list(self) -> list[NodeInfo]:
        if self._with_affinity is None:
            self._with_affinity = [n for n in self.node_info_list if n.pods_with_affinity]
        return self._with_affinity

    def have_pods_with_required_anti_affinity_list(self) -> list[NodeInfo]:
        if self._with_required_anti is None:
            self._with_required_anti = [
                n for n in self.node_info_list if n.pods_with_required_anti_affinity
            ]
        return self._with_required_anti

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        """interpodaffinity ``GetNamespaceLabelsSnapshot``: labels of the namespace (the
        automatic ``kubernetes.io/metadata.name`` label included)."""
        labels = dict(self.namespaces.get(namespace, {}))
        labels.setdefault("kubernetes.io/metadata.name", namespace)
        return labels

    def namespaces_matching(self, selector: Any) -> list[str]:
        names = set(self.namespaces)
        return sorted(n for n in names if selector.matches(self.namespace_labels(n)))

    def list(self) -> list[NodeInfo]:
        """``NodeInfos().List()``: the node infos in order."""
        return self.node_info_list


class Nominator(Protocol):
    """The queue's ``PodNominator``: pods nominated to a node by preemption."""

    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]: ...


class _NoNominations:
    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]:
        return []


class Handle:
    """interface.go ``Handle``: what a plugin may reach -- the cycle's snapshot, the
    nominator, the framework's own runners (for preemption) and the bind function."""

    def __init__(self) -> None:
        self.snapshot = Snapshot([])
        self.nominator: Nominator = _NoNominations()
        self.framework: Framework | None = None
        self.bind_fn: Callable[[PodInfo, str], Status | None] | None = None
        self.rng: Any = None


# ------------------------------------------------------------------------- extension points


class Plugin:
    """interface.go ``Plugin``: every plugin has a name; built from its args and a handle."""

    name: ClassVar[str] = ""

    def __init__(self, args: Mapping[str, Any], handle: Handle) -> None:
        self.args = args
        self.handle = handle

    def events_to_register(self) -> list[tuple[str, str]]:
        """``EnqueueExtensions.EventsToRegister``: (resource, action) cluster events that may
        make a pod this plugin rejected schedulable. Resource ``Node``/``Pod``; action
        ``Add``, ``Update``, ``Delete`` or ``*``."""
        return []


class PreEnqueuePlugin(Plugin):
    def pre_enqueue(self, pod: PodInfo) -> Status | None:
        raise NotImplementedError


class QueueSortPlugin(Plugin):
    def less(self, a: Any, b: Any) -> bool:
        raise NotImplementedError


class PreFilterExtensions(Protocol):
    def add_pod(
        self, state: CycleState, pod: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None: ...

    def remove_pod(
        self, state: CycleState, pod: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None: ...


class PreFilterPlugin(Plugin):
    def pre_filter(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status | None]:
        raise NotImplementedError

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None


class FilterPlugin(Plugin):
    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        raise NotImplementedError


class PostFilterPlugin(Plugin):
    def post_filter(
        self, state: CycleState, pod: PodInfo, m: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status | None]:
        raise NotImplementedError


class PreScorePlugin(Plugin):
    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        raise NotImplementedError


class ScorePlugin(Plugin):
    #: True when the plugin has ``ScoreExtensions`` (a NormalizeScore step).
    normalizes: ClassVar[bool] = False

    def score(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[int, Status | None]:
        raise NotImplementedError

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: list[NodeScore]
    ) -> Status | None:
        return None


class ReservePlugin(Plugin):
    def reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        raise NotImplementedError

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        raise NotImplementedError


class PermitPlugin(Plugin):
    def permit(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        raise NotImplementedError


class PreBindPlugin(Plugin):
    def pre_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        raise NotImplementedError


class BindPlugin(Plugin):
    def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        raise NotImplementedError


class PostBindPlugin(Plugin):
    def post_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        raise NotImplementedError


#: The extension points in config order: (config field, plugin base class).
EXTENSION_POINTS: Final[tuple[tuple[str, type[Plugin]], ...]] = (
    ("preEnqueue", PreEnqueuePlugin),
    ("queueSort", QueueSortPlugin),
    ("preFilter", PreFilterPlugin),
    ("filter", FilterPlugin),
    ("postFilter", PostFilterPlugin),
    ("preScore", PreScorePlugin),
    ("score", ScorePlugin),
    ("reserve", ReservePlugin),
    ("permit", PermitPlugin),
    ("preBind", PreBindPlugin),
    ("bind", BindPlugin),
    ("postBind", PostBindPlugin),
)


class FrameworkError(ValueError):
    """A profile the framework cannot be built from (upstream ``NewFramework`` errors)."""


PluginFactory = Callable[[Mapping[str, Any], Handle], Plugin]


def _names(plugin_set: Mapping[str, Any] | None, key: str) -> list[Mapping[str, Any]]:
    return list((plugin_set or {}).get(key) or [])


class Framework:
    """runtime/framework.go ``frameworkImpl``, built from one defaulted profile.

    ``profile`` is a ``KubeSchedulerProfile`` dict as :func:`kubelab.scheduler.config.default`
    returns it (plugins already merged with the defaults). ``registry`` maps plugin names to
    factories; it defaults to the in-tree registry.
    """

    def __init__(
        self,
        profile: Mapping[str, Any],
        registry: Mapping[str, PluginFactory] | None = None,
        handle: Handle | None = None,
        percentage_of_nodes_to_score: int | None = None,
    ) -> None:
        from kubelab.scheduler.plugins import in_tree_registry

        self.registry = dict(registry) if registry is not None else in_tree_registry()
        self.handle = handle or Handle()
        self.handle.framework = self
        self.profile_name: str = str(profile.get("schedulerName") or "default-scheduler")
        pct = profile.get("percentageOfNodesToScore", percentage_of_nodes_to_score)
        self.percentage_of_nodes_to_score: int | None = None if pct is None else int(pct)
        plugins_cfg: Mapping[str, Any] = profile.get("plugins") or {}
        args_by_name: dict[str, Mapping[str, Any]] = {}
        for pc in profile.get("pluginConfig") or []:
            args_by_name[str(pc.get("name"))] = pc.get("args") or {}

        # frameworkImpl.pluginsNeeded: every plugin named anywhere in the profile.
        needed: list[str] = []
        for point in ("multiPoint", *(p for p, _ in EXTENSION_POINTS)):
            for p in _names(plugins_cfg.get(point), "enabled"):
                name = str(p.get("name"))
                if name not in needed:
                    needed.append(name)
        self.plugins: dict[str, Plugin] = {}
        for name in needed:
            factory = self.registry.get(name)
            if factory is None:
                raise FrameworkError(f'plugin "{name}" does not exist')
            self.plugins[name] = factory(args_by_name.get(name, {}), self.handle)

        self.points: dict[str, list[Plugin]] = {}
        for point, base in EXTENSION_POINTS:
            self.points[point] = self._expand(plugins_cfg, point, base)
        self.score_weights: dict[str, int] = self._score_weights(plugins_cfg)

        self.pre_enqueue_plugins: list[PreEnqueuePlugin] = self.points["preEnqueue"]  # type: ignore[assignment]
        self.queue_sort_plugins: list[QueueSortPlugin] = self.points["queueSort"]  # type: ignore[assignment]
        self.pre_filter_plugins: list[PreFilterPlugin] = self.points["preFilter"]  # type: ignore[assignment]
        self.filter_plugins: list[FilterPlugin] = self.points["filter"]  # type: ignore[assignment]
        self.post_filter_plugins: list[PostFilterPlugin] = self.points["postFilter"]  # type: ignore[assignment]
        self.pre_score_plugins: list[PreScorePlugin] = self.points["preScore"]  # type: ignore[assignment]
        self.score_plugins: list[ScorePlugin] = self.points["score"]  # type: ignore[assignment]
        self.reserve_plugins: list[ReservePlugin] = self.points["reserve"]  # type: ignore[assignment]
        self.permit_plugins: list[PermitPlugin] = self.points["permit"]  # type: ignore[assignment]
        self.pre_bind_plugins: list[PreBindPlugin] = self.points["preBind"]  # type: ignore[assignment]
        self.bind_plugins: list[BindPlugin] = self.points["bind"]  # type: ignore[assignment]
        self.post_bind_plugins: list[PostBindPlugin] = self.points["postBind"]  # type: ignore[assignment]
        # framework.go NewFramework: exactly one queue sort plugin, at least one binder.
        if not self.queue_sort_plugins:
            raise FrameworkError("no queue sort plugin is enabled")
        if len(self.queue_sort_plugins) > 1:
            raise FrameworkError("only one queue sort plugin can be enabled")
        if not self.bind_plugins:
            raise FrameworkError("at least one bind plugin is needed")

    # -- building ------------------------------------------------------------------------------

    def _expand(self, cfg: Mapping[str, Any], point: str, base: type[Plugin]) -> list[Plugin]:
        """framework.go ``updatePluginList`` + ``expandMultiPointPlugins``: the point's own
        plugins, then MultiPoint plugins that implement it. Order: plugins listed at the point
        that MultiPoint also lists (overrides), then the MultiPoint ones, then the rest."""
        pset = cfg.get(point) or {}
        enabled: list[str] = []
        for p in _names(pset, "enabled"):
            name = str(p.get("name"))
            if not isinstance(self.plugins[name], base):
                raise FrameworkError(f'plugin "{name}" does not extend {point} plugin')
            if name in enabled:
                raise FrameworkError(f'plugin "{name}" already registered as "{point}"')
            enabled.append(name)
        disabled = {str(p.get("name")) for p in _names(pset, "disabled")}
        multi = _names(cfg.get("multiPoint"), "enabled")
        if "*" in disabled or not multi:
            return [self.plugins[n] for n in enabled]
        overrides: list[str] = []
        multi_enabled: list[str] = []
        for p in multi:
            name = str(p.get("name"))
            if not isinstance(self.plugins[name], base) or name in disabled:
                continue
            if name in enabled:
                overrides.append(name)
                continue
            if name in multi_enabled:
                raise FrameworkError(f'plugin "{name}" already registered as "{point}"')
            multi_enabled.append(name)
        order = overrides + multi_enabled + [n for n in enabled if n not in overrides]
        return [self.plugins[n] for n in order]

    def _score_weights(self, cfg: Mapping[str, Any]) -> dict[str, int]:
        """framework.go ``getScoreWeights``: the weight at the Score point wins over the
        MultiPoint one; 0 (unset) means 1; the total must not overflow."""
        weights: dict[str, int] = {}
        total = 0
        listed = _names(cfg.get("score"), "enabled") + _names(cfg.get("multiPoint"), "enabled")
        for p in listed:
            name = str(p.get("name"))
            if not isinstance(self.plugins.get(name), ScorePlugin) or name in weights:
                continue
            w = int(p.get("weight") or 0) or 1
            weights[name] = w
            if w * MAX_NODE_SCORE > MAX_TOTAL_SCORE - total:
                raise FrameworkError("total score of Score plugins could overflow")
            total += w * MAX_NODE_SCORE
        return weights

    # -- queueing ------------------------------------------------------------------------------

    def run_pre_enqueue_plugins(self, pod: PodInfo) -> Status | None:
        """framework.go ``RunPreEnqueuePlugins``: the first rejection wins."""
        for pl in self.pre_enqueue_plugins:
            s = pl.pre_enqueue(pod)
            if not is_success(s):
                assert s is not None
                return s.with_plugin(pl.name)
        return None

    def less(self, a: Any, b: Any) -> bool:
        return self.queue_sort_plugins[0].less(a, b)

    # -- filtering -----------------------------------------------------------------------------

    def run_pre_filter_plugins(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None, list[str]]:
        """framework.go ``RunPreFilterPlugins``: Skip removes the plugin's Filter from this
        cycle; a rejection ends it; node sets returned by plugins are intersected."""
        result: PreFilterResult | None = None
        with_nodes: list[str] = []
        skip: set[str] = set()
        nodes = self.handle.snapshot.list()
        for pl in self.pre_filter_plugins:
            r, s = pl.pre_filter(state, pod, nodes)
            if s is not None and s.code == Code.Skip:
                skip.add(pl.name)
                continue
            if not is_success(s):
                assert s is not None
                s.plugin = pl.name
                if s.is_rejected():
                    return None, s, with_nodes
                return (
                    None,
                    Status(
                        Code.Error,
                        f'running PreFilter plugin "{pl.name}": {s.message()}',
                        plugin=pl.name,
                    ),
                    with_nodes,
                )
            if r is not None and not r.all_nodes():
                with_nodes.append(pl.name)
            result = r if result is None else result.merge(r)
            if result is not None and not result.all_nodes() and not result.node_names:
                if len(with_nodes) == 1:
                    msg = f"node(s) didn't satisfy plugin {with_nodes[0]}"
                else:
                    msg = (
                        f"node(s) didn't satisfy plugin(s) [{' '.join(with_nodes)}] simultaneously"
                    )
                return result, Status(Code.UnschedulableAndUnresolvable, msg), with_nodes
        state.skip_filter_plugins = skip
        return result, None, with_nodes

    def run_pre_filter_extension_add_pod(
        self, state: CycleState, pod: PodInfo, to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        for pl in self.pre_filter_plugins:
            if pl.name in state.skip_filter_plugins:
                continue
            ext = pl.pre_filter_extensions()
            if ext is not None:
                s = ext.add_pod(state, pod, to_add, node_info)
                if not is_success(s):
                    return s
        return None

    def run_pre_filter_extension_remove_pod(
        self, state: CycleState, pod: PodInfo, to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        for pl in self.pre_filter_plugins:
            if pl.name in state.skip_filter_plugins:
                continue
            ext = pl.pre_filter_extensions()
            if ext is not None:
                s = ext.remove_pod(state, pod, to_remove, node_info)
                if not is_success(s):
                    return s
        return None

    def run_filter_plugins(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        """framework.go ``RunFilterPlugins``: stop at the first plugin that rejects the node."""
        skip = state.skip_filter_plugins
        for pl in self.filter_plugins:
            if pl.name in skip:
                continue
            s = pl.filter(state, pod, node_info)
            if s is not None and s.code != Code.Success:
                if not s.is_rejected():
                    s = Status(Code.Error, f'running "{pl.name}" filter plugin: {s.message()}')
                s.plugin = pl.name
                return s
        return None

    def run_filter_plugins_with_nominated_pods(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        """framework.go ``RunFilterPluginsWithNominatedPods``: when pods of equal or higher
        priority are nominated to the node, the pod must fit both with them (first pass) and
        without them (second pass)."""
        nominated = [
            p
            for p in self.handle.nominator.nominated_pods_for_node(node_info.name)
            if p.priority >= pod.priority and p.key != pod.key
        ]
        if not nominated:
            return self.run_filter_plugins(state, pod, node_info)
        state_with = state.clone()
        info_with = node_info.clone()
        for p in nominated:
            info_with.add_pod(p)
            s = self.run_pre_filter_extension_add_pod(state_with, pod, p, info_with)
            if not is_success(s):
                return s
        status = self.run_filter_plugins(state_with, pod, info_with)
        if not is_success(status):
            return status
        return self.run_filter_plugins(state, pod, node_info)

    def run_post_filter_plugins(
        self, state: CycleState, pod: PodInfo, m: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status]:
        """framework.go ``RunPostFilterPlugins``: the first success wins; reasons of the
        rejections are gathered."""
        result: PostFilterResult | None = None
        reasons: list[str] = []
        rejector = ""
        for pl in self.post_filter_plugins:
            r, s = pl.post_filter(state, pod, m)
            if is_success(s):
                return r, Status(Code.Success, plugin=pl.name)
            assert s is not None
            if s.code == Code.UnschedulableAndUnresolvable:
                return r, s.with_plugin(pl.name)
            if not s.is_rejected():
                return None, Status(Code.Error, s.message(), plugin=pl.name)
            if r is not None:
                result = r
            reasons.extend(s.reasons)
            rejector = rejector or pl.name
        return result, Status(Code.Unschedulable, *reasons, plugin=rejector)

    # -- scoring -------------------------------------------------------------------------------

    def run_pre_score_plugins(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> Status | None:
        """framework.go ``RunPreScorePlugins``: Skip removes the plugin's Score this cycle."""
        skip: set[str] = set()
        for pl in self.pre_score_plugins:
            s = pl.pre_score(state, pod, nodes)
            if s is not None and s.code == Code.Skip:
                skip.add(pl.name)
                continue
            if not is_success(s):
                assert s is not None
                return Status(Code.Error, f'running PreScore plugin "{pl.name}": {s.message()}')
        state.skip_score_plugins = skip
        return None

    def run_score_plugins(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[list[NodePluginScores], Status | None]:
        """framework.go ``RunScorePlugins``: Score per node, NormalizeScore per plugin, then
        each score times the plugin's weight; the node total is their sum."""
        plugins = [p for p in self.score_plugins if p.name not in state.skip_score_plugins]
        out = [NodePluginScores(n.name, [], 0) for n in nodes]
        for pl in plugins:
            scores: list[NodeScore] = []
            for n in nodes:
                v, s = pl.score(state, pod, n)
                if not is_success(s):
                    assert s is not None
                    return [], Status(
                        Code.Error, f'running Score plugin "{pl.name}": {s.message()}'
                    )
                scores.append(NodeScore(n.name, v))
            raw = [ns.score for ns in scores]
            if pl.normalizes:
                s = pl.normalize_score(state, pod, scores)
                if not is_success(s):
                    assert s is not None
                    return [], Status(
                        Code.Error, f"running Normalize on Score plugins: {s.message()}"
                    )
            weight = self.score_weights.get(pl.name, 1)
            for i, ns in enumerate(scores):
                if ns.score > MAX_NODE_SCORE or ns.score < MIN_NODE_SCORE:
                    return [], Status(
                        Code.Error,
                        f'plugin "{pl.name}" returns an invalid score {ns.score}, it should in '
                        f"the range of [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing",
                    )
                weighted = ns.score * weight
                out[i].scores.append(PluginScore(pl.name, raw[i], ns.score, weighted))
                out[i].total_score += weighted
        return out, None

    # -- reserve, permit, bind -----------------------------------------------------------------

    def run_reserve_plugins_reserve(
        self, state: CycleState, pod: PodInfo, node_name: str
    ) -> Status | None:
        for pl in self.reserve_plugins:
            s = pl.reserve(state, pod, node_name)
            if not is_success(s):
                assert s is not None
                return s.with_plugin(pl.name)
        return None

    def run_reserve_plugins_unreserve(
        self, state: CycleState, pod: PodInfo, node_name: str
    ) -> None:
        """Unreserve runs in reverse order (framework.go ``RunReservePluginsUnreserve``)."""
        for pl in reversed(self.reserve_plugins):
            pl.unreserve(state, pod, node_name)

    def run_permit_plugins(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        for pl in self.permit_plugins:
            s = pl.permit(state, pod, node_name)
            if not is_success(s):
                assert s is not None
                if s.code == Code.Wait:
                    return Status(
                        Code.Unschedulable, "pod waiting at Permit is not modelled", plugin=pl.name
                    )
                return s.with_plugin(pl.name)
        return None

    def run_pre_bind_plugins(
        self, state: CycleState, pod: PodInfo, node_name: str
    ) -> Status | None:
        for pl in self.pre_bind_plugins:
            s = pl.pre_bind(state, pod, node_name)
            if not is_success(s):
                assert s is not None
                return s.with_plugin(pl.name)
        return None

    def run_bind_plugins(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        """framework.go ``RunBindPlugins``: the first binder that does not Skip decides."""
        for pl in self.bind_plugins:
            s = pl.bind(state, pod, node_name)
            if s is not None and s.code == Code.Skip:
                continue
            if not is_success(s):
                assert s is not None
                return s.with_plugin(pl.name)
            return None
        return Status(Code.Skip)

    def run_post_bind_plugins(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        for pl in self.post_bind_plugins:
            pl.post_bind(state, pod, node_name)

    # -- introspection -------------------------------------------------------------------------

    def has_filter_plugins(self) -> bool:
        return bool(self.filter_plugins)

    def has_score_plugins(self) -> bool:
        return bool(self.score_plugins)

    def list_plugins(self) -> dict[str, list[str]]:
        """The enabled plugins per extension point, in run order (``ListPlugins``)."""
        return {point: [p.name for p in pls] for point, pls in self.points.items() if pls}

    def events_by_plugin(self) -> dict[str, list[tuple[str, str]]]:
        return {name: pl.events_to_register() for name, pl in self.plugins.items()}

    def plugin_names(self) -> Iterable[str]:
        return self.plugins.keys()
