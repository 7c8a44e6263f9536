"""``KubeSchedulerConfiguration``: defaulting, merging with the default plugins, validation.

Models ``pkg/scheduler/apis/config/v1/default_plugins.go`` (``getDefaultPlugins``,
``mergePlugins``), ``pkg/scheduler/apis/config/v1/defaults.go`` and
``pkg/scheduler/apis/config/validation/validation.go`` /
``validation_pluginargs.go``, for ``apiVersion: kubescheduler.config.k8s.io/v1`` as of
Kubernetes v1.32.

The default profile enables, through ``multiPoint`` and in this order: SchedulingGates,
PrioritySort, NodeUnschedulable, NodeName, TaintToleration (weight 3), NodeAffinity (2),
NodePorts, NodeResourcesFit (1), PodTopologySpread (2), InterPodAffinity (2),
DefaultPreemption, NodeResourcesBalancedAllocation (1), ImageLocality (1), DefaultBinder.

Out of scope: the volume plugins upstream places between NodeResourcesFit and
PodTopologySpread (VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone) -- kubelab
has no PersistentVolumes -- and DynamicResources (off by default in v1.32). Naming one of them
in ``disabled`` is accepted and has no effect; enabling one fails with "does not exist".

Merging (``mergePluginSet``): a custom ``enabled`` entry with a default plugin's name replaces it
in place (so a new weight keeps the order); other custom entries are appended; ``disabled: [{name:
"*"}]`` drops every default at that point.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final

from kubelab.api import FieldError

API_VERSION: Final = "kubescheduler.config.k8s.io/v1"
KIND: Final = "KubeSchedulerConfiguration"
DEFAULT_SCHEDULER_NAME: Final = "default-scheduler"

#: defaults.go: parallelism, backoff (seconds), percentageOfNodesToScore (0 = adaptive).
DEFAULT_PARALLELISM: Final = 16
DEFAULT_POD_INITIAL_BACKOFF_SECONDS: Final = 1
DEFAULT_POD_MAX_BACKOFF_SECONDS: Final = 10
DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE: Final = 0

#: default_plugins.go getDefaultPlugins (v1.31/v1.32), volume plugins left out.
DEFAULT_MULTI_POINT: Final[tuple[tuple[str, int | None], ...]] = (
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
)

#: Upstream defaults kubelab does not model (accepted in ``disabled`` only).
OMITTED_PLUGINS: Final = frozenset(
    {"VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "DynamicResources"}
)

EXTENSION_POINT_FIELDS: Final = (
    "multiPoint",
    "preEnqueue",
    "queueSort",
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
)

_DEFAULT_RESOURCES: Final = ({"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1})

SCORING_STRATEGIES: Final = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")
#: config/types.go MaxCustomPriorityScore: the top of a RequestedToCapacityRatio shape.
MAX_CUSTOM_PRIORITY_SCORE: Final = 10
#: config/types.go MaxWeight for a resource in a scoring strategy.
MAX_RESOURCE_WEIGHT: Final = 100

#: kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints: the system
#: default constraints (podtopologyspread/plugin.go systemDefaultConstraints).
SYSTEM_DEFAULT_CONSTRAINTS: Final = (
    {"topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 3},
    {
        "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "ScheduleAnyway",
        "maxSkew": 5,
    },
)


class ConfigError(ValueError):
    """An invalid configuration; ``errors`` are the field errors, ``str()`` joins them."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        text = "; ".join(str(e) for e in self.errors)
        super().__init__(text)


def default_plugins() -> dict[str, Any]:
    """default_plugins.go ``getDefaultPlugins``."""
    enabled: list[dict[str, Any]] = []
    for name, weight in DEFAULT_MULTI_POINT:
        entry: dict[str, Any] = {"name": name}
        if weight is not None:
            entry["weight"] = weight
        enabled.append(entry)
    return {"multiPoint": {"enabled": enabled}}


def _merge_plugin_set(default: Mapping[str, Any], custom: Mapping[str, Any]) -> dict[str, Any]:
    """default_plugins.go ``mergePluginSet``."""
    disabled: list[dict[str, Any]] = []
    disabled_names: set[str] = set()
    for p in list(custom.get("disabled") or []) + list(default.get("disabled") or []):
        disabled.append({"name": p.get("name")})
        disabled_names.add(str(p.get("name")))
    custom_enabled = list(custom.get("enabled") or [])
    by_name = {str(p.get("name")): (i, p) for i, p in enumerate(custom_enabled)}
    replaced: set[int] = set()
    enabled: list[dict[str, Any]] = []
    if "*" not in disabled_names:
        for p in default.get("enabled") or []:
            name = str(p.get("name"))
            if name in disabled_names:
                continue
            if name in by_name:
                i, cp = by_name[name]
                enabled.append(dict(cp))
                replaced.add(i)
            else:
                enabled.append(dict(p))
    for i, p in enumerate(custom_enabled):
        if i not in replaced:
            enabled.append(dict(p))
    out: dict[str, Any] = {}
    if enabled:
        out["enabled"] = enabled
    if disabled:
        out["disabled"] = disabled
    return out


def merge_plugins(custom: Mapping[str, Any] | None) -> dict[str, Any]:
    """default_plugins.go ``mergePlugins``: the defaults with a profile's ``plugins`` applied."""
    defaults = default_plugins()
    if custom is None:
        return defaults
    out: dict[str, Any] = {}
    for point in EXTENSION_POINT_FIELDS:
        merged = _merge_plugin_set(defaults.get(point) or {}, custom.get(point) or {})
        if merged:
            out[point] = merged
    return out


def default_plugin_args(name: str) -> dict[str, Any] | None:
    """The defaulted ``<Name>Args`` of a plugin that takes arguments (defaults.go
    ``SetDefaults_*Args``), or None for a plugin without arguments."""
    args: dict[str, Any]
    if name == "DefaultPreemption":
        args = {"minCandidateNodesPercentage": 10, "minCandidateNodesAbsolute": 100}
    elif name == "InterPodAffinity":
        args = {"hardPodAffinityWeight": 1, "ignorePreferredTermsOfExistingPods": False}
    elif name == "NodeAffinity":
        args = {}
    elif name == "NodeResourcesBalancedAllocation":
        args = {"resources": [dict(r) for r in _DEFAULT_RESOURCES]}
    elif name == "NodeResourcesFit":
        args = {
            "scoringStrategy": {
                "type": "LeastAllocated",
                "resources": [dict(r) for r in _DEFAULT_RESOURCES],
            }
        }
    elif name == "PodTopologySpread":
        args = {"defaultingType": "System"}
    else:
        return None
    return {"apiVersion": API_VERSION, "kind": f"{name}Args", **args}


def _default_args(name: str, args: dict[str, Any]) -> None:
    """Fill the unset fields of explicitly given args (``scheme.Default(args)``)."""
    base = default_plugin_args(name)
    if base is None:
        return
    for k, v in base.items():
        args.setdefault(k, copy.deepcopy(v))
    if name == "NodeResourcesFit":
        ss = args["scoringStrategy"]
        ss.setdefault("type", "LeastAllocated")
        if not ss.get("resources"):
            ss["resources"] = [dict(r) for r in _DEFAULT_RESOURCES]
        for r in ss["resources"]:
            if not r.get("weight"):
                r["weight"] = 1
    if name == "NodeResourcesBalancedAllocation":
        if not args.get("resources"):
            args["resources"] = [dict(r) for r in _DEFAULT_RESOURCES]
        for r in args["resources"]:
            if not r.get("weight"):
                r["weight"] = 1
    if name == "PodTopologySpread" and not args.get("defaultingType"):
        args["defaultingType"] = "System"


def _plugin_names(plugins: Mapping[str, Any]) -> list[str]:
    names: set[str] = set()
    for point in EXTENSION_POINT_FIELDS:
        for p in (plugins.get(point) or {}).get("enabled") or []:
            names.add(str(p.get("name")))
    return sorted(names)


def default(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """defaults.go ``SetDefaults_KubeSchedulerConfiguration``: a complete configuration.

    The input is not changed. With no profile, one ``default-scheduler`` profile is added;
    each profile's plugins are merged with the defaults and every plugin that takes arguments
    gets a ``pluginConfig`` entry (appended in name order, as upstream's ``pluginsNames``).
    """
    cfg: dict[str, Any] = copy.deepcopy(dict(config or {}))
    cfg.setdefault("apiVersion", API_VERSION)
    cfg.setdefault("kind", KIND)
    cfg.setdefault("parallelism", DEFAULT_PARALLELISM)
    cfg.setdefault("percentageOfNodesToScore", DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE)
    cfg.setdefault("podInitialBackoffSeconds", DEFAULT_POD_INITIAL_BACKOFF_SECONDS)
    cfg.setdefault("podMaxBackoffSeconds", DEFAULT_POD_MAX_BACKOFF_SECONDS)
    le = cfg.setdefault("leaderElection", {})
    le.setdefault("leaderElect", True)
    le.setdefault("leaseDuration", "15s")
    le.setdefault("renewDeadline", "10s")
    le.setdefault("retryPeriod", "2s")
    le.setdefault("resourceLock", "leases")
    le.setdefault("resourceName", "kube-scheduler")
    le.setdefault("resourceNamespace", "kube-system")
    cc = cfg.setdefault("clientConnection", {})
    cc.setdefault("qps", 50)
    cc.setdefault("burst", 100)
    cc.setdefault("contentType", "application/vnd.kubernetes.protobuf")
    profiles = cfg.get("profiles")
    if not profiles:
        profiles = [{}]
        cfg["profiles"] = profiles
    if len(profiles) == 1 and not profiles[0].get("schedulerName"):
        profiles[0]["schedulerName"] = DEFAULT_SCHEDULER_NAME
    for prof in profiles:
        prof["plugins"] = merge_plugins(prof.get("plugins"))
        configs = prof.setdefault("pluginConfig", [])
        have = set()
        for pc in configs:
            name = str(pc.get("name"))
            have.add(name)
            args = pc.setdefault("args", {})
            if isinstance(args, dict):
                _default_args(name, args)
        for name in _plugin_names(prof["plugins"]):
            if name in have:
                continue
            args = default_plugin_args(name)
            if args is not None:
                configs.append({"name": name, "args": args})
    return cfg


# ----------------------------------------------------------------------------- validation


def _validate_resources(path: str, resources: Any, errs: list[FieldError]) -> None:
    seen: set[str] = set()
    for i, r in enumerate(resources or []):
        p = f"{path}[{i}]"
        w = r.get("weight")
        if not isinstance(w, int) or w <= 0 or w > MAX_RESOURCE_WEIGHT:
            errs.append(
                FieldError.invalid(
                    f"{p}.weight",
                    w,
                    f"resource weight of {r.get('name')} not in valid range "
                    f"(0, {MAX_RESOURCE_WEIGHT}]",
                )
            )
        name = str(r.get("name"))
        if name in seen:
            errs.append(FieldError.duplicate(f"{p}.name", name))
        seen.add(name)


def _validate_shape(path: str, shape: Any, errs: list[FieldError]) -> None:
    # validation_pluginargs.go validateFunctionShape
    if not shape:
        errs.append(FieldError.required(path, "at least one point must be specified"))
        return
    for i in range(1, len(shape)):
        if shape[i - 1].get("utilization", 0) >= shape[i].get("utilization", 0):
            errs.append(
                FieldError.invalid(
                    f"{path}[{i}].utilization",
                    shape[i].get("utilization"),
                    "Utilization values must be sorted in increasing order",
                )
            )
            break
    for i, pt in enumerate(shape):
        u, s = pt.get("utilization", 0), pt.get("score", 0)
        if not 0 <= u <= 100:
            errs.append(
                FieldError.invalid(f"{path}[{i}].utilization", u, "not in valid range [0, 100]")
            )
        if not 0 <= s <= MAX_CUSTOM_PRIORITY_SCORE:
            errs.append(
                FieldError.invalid(
                    f"{path}[{i}].score", s, f"not in valid range [0, {MAX_CUSTOM_PRIORITY_SCORE}]"
                )
            )


def _validate_args(path: str, name: str, args: Mapping[str, Any], errs: list[FieldError]) -> None:
    if name == "NodeResourcesFit":
        ss = args.get("scoringStrategy") or {}
        t = ss.get("type")
        if t not in SCORING_STRATEGIES:
            errs.append(
                FieldError.not_supported(f"{path}.scoringStrategy.type", t, SCORING_STRATEGIES)
            )
        _validate_resources(f"{path}.scoringStrategy.resources", ss.get("resources"), errs)
        if t == "RequestedToCapacityRatio":
            rtcr = ss.get("requestedToCapacityRatio") or {}
            _validate_shape(
                f"{path}.scoringStrategy.requestedToCapacityRatio.shape", rtcr.get("shape"), errs
            )
    elif name == "NodeResourcesBalancedAllocation":
        _validate_resources(f"{path}.resources", args.get("resources"), errs)
    elif name == "DefaultPreemption":
        pct = args.get("minCandidateNodesPercentage", 0)
        ab = args.get("minCandidateNodesAbsolute", 0)
        if not 0 <= pct <= 100:
            errs.append(
                FieldError.invalid(
                    f"{path}.minCandidateNodesPercentage", pct, "not in valid range [0, 100]"
                )
            )
        if ab < 0:
            errs.append(
                FieldError.invalid(
                    f"{path}.minCandidateNodesAbsolute", ab, "not in valid range [0, inf)"
                )
            )
        if pct == 0 and ab == 0:
            errs.append(
                FieldError.invalid(
                    f"{path}.minCandidateNodesPercentage",
                    pct,
                    "cannot be zero at the same time as minCandidateNodesAbsolute",
                )
            )
    elif name == "InterPodAffinity":
        w = args.get("hardPodAffinityWeight", 1)
        if not 0 <= w <= 100:
            errs.append(
                FieldError.invalid(
                    f"{path}.hardPodAffinityWeight", w, "not in valid range [0, 100]"
                )
            )
    elif name == "PodTopologySpread":
        dt = args.get("defaultingType")
        if dt not in ("System", "List"):
            errs.append(FieldError.not_supported(f"{path}.defaultingType", dt, ["System", "List"]))
        constraints = args.get("defaultConstraints") or []
        if dt == "System" and constraints:
            errs.append(
                FieldError.invalid(
                    f"{path}.defaultingType", dt, "when .defaultConstraints are not empty"
                )
            )
        seen: set[tuple[str, str]] = set()
        for i, c in enumerate(constraints):
            p = f"{path}.defaultConstraints[{i}]"
            if int(c.get("maxSkew") or 0) <= 0:
                errs.append(
                    FieldError.invalid(
                        f"{p}.maxSkew", c.get("maxSkew"), "must be greater than zero"
                    )
                )
            if not c.get("topologyKey"):
                errs.append(FieldError.required(f"{p}.topologyKey", "can not be empty"))
            wu = c.get("whenUnsatisfiable")
            if wu not in ("DoNotSchedule", "ScheduleAnyway"):
                errs.append(
                    FieldError.not_supported(
                        f"{p}.whenUnsatisfiable", wu, ["DoNotSchedule", "ScheduleAnyway"]
                    )
                )
            pair = (str(c.get("topologyKey")), str(wu))
            if pair in seen:
                errs.append(FieldError.duplicate(f"{p}", f"{{{pair[0]}, {pair[1]}}}"))
            seen.add(pair)
            if c.get("labelSelector") is not None:
                errs.append(
                    FieldError.forbidden(
                        f"{p}.labelSelector",
                        "constraint must not define a selector, as they deduced for each pod",
                    )
                )


def validate(config: Mapping[str, Any]) -> list[FieldError]:
    """validation.go ``ValidateKubeSchedulerConfiguration`` on a defaulted configuration:
    the list of field errors (empty when valid)."""
    from kubelab.scheduler.plugins import in_tree_registry

    known = set(in_tree_registry())
    errs: list[FieldError] = []
    if config.get("apiVersion") != API_VERSION:
        errs.append(FieldError.not_supported("apiVersion", config.get("apiVersion"), [API_VERSION]))
    if config.get("kind") != KIND:
        errs.append(FieldError.not_supported("kind", config.get("kind"), [KIND]))
    par = config.get("parallelism")
    if not isinstance(par, int) or par <= 0:
        errs.append(
            FieldError.invalid("parallelism", par, "should be an integer value greater than zero")
        )
    pct = config.get("percentageOfNodesToScore")
    if not isinstance(pct, int) or not 0 <= pct <= 100:
        errs.append(
            FieldError.invalid("percentageOfNodesToScore", pct, "not in valid range [0-100]")
        )
    ib = config.get("podInitialBackoffSeconds")
    mb = config.get("podMaxBackoffSeconds")
    if not isinstance(ib, int) or ib <= 0:
        errs.append(FieldError.invalid("podInitialBackoffSeconds", ib, "must be greater than 0"))
    elif not isinstance(mb, int) or mb < ib:
        errs.append(
            FieldError.invalid(
                "podMaxBackoffSeconds",
                mb,
                "must be greater than or equal to PodInitialBackoffSeconds",
            )
        )
    profiles = config.get("profiles") or []
    if not profiles:
        errs.append(FieldError.required("profiles", ""))
    names: set[str] = set()
    queue_sort: Any = None
    for i, prof in enumerate(profiles):
        path = f"profiles[{i}]"
        name = prof.get("schedulerName")
        if not name:
            errs.append(FieldError.required(f"{path}.schedulerName", ""))
        elif name in names:
            errs.append(FieldError.duplicate(f"{path}.schedulerName", name))
        names.add(str(name))
        ppct = prof.get("percentageOfNodesToScore")
        if ppct is not None and (not isinstance(ppct, int) or not 0 <= ppct <= 100):
            errs.append(
                FieldError.invalid(
                    f"{path}.percentageOfNodesToScore", ppct, "not in valid range [0-100]"
                )
            )
        plugins = prof.get("plugins") or {}
        for point in EXTENSION_POINT_FIELDS:
            for j, p in enumerate((plugins.get(point) or {}).get("enabled") or []):
                pname = str(p.get("name"))
                if pname not in known:
                    detail = (
                        "not modelled by kubelab (volume plugins are out of scope)"
                        if pname in OMITTED_PLUGINS
                        else "plugin does not exist"
                    )
                    errs.append(
                        FieldError.invalid(
                            f"{path}.plugins.{point}.enabled[{j}].name", pname, detail
                        )
                    )
        qs = [p.get("name") for p in (plugins.get("queueSort") or {}).get("enabled") or []]
        qs += [
            p.get("name")
            for p in (plugins.get("multiPoint") or {}).get("enabled") or []
            if p.get("name") == "PrioritySort"
        ]
        if i == 0:
            queue_sort = qs
        elif qs != queue_sort:
            errs.append(
                FieldError.invalid(
                    f"{path}.plugins.queueSort", qs, "must be the same for all profiles"
                )
            )
        seen_cfg: set[str] = set()
        for j, pc in enumerate(prof.get("pluginConfig") or []):
            pcname = str(pc.get("name"))
            if pcname in seen_cfg:
                errs.append(FieldError.duplicate(f"{path}.pluginConfig[{j}].name", pcname))
            seen_cfg.add(pcname)
            _validate_args(f"{path}.pluginConfig[{j}].args", pcname, pc.get("args") or {}, errs)
    return errs


def load(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Default then validate; raises :class:`ConfigError` naming every bad field."""
    cfg = default(config)
    errs = validate(cfg)
    if errs:
        raise ConfigError(errs)
    return cfg


def plugin_args(profile: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The ``args`` a profile gives plugin ``name`` (``{}`` when none)."""
    for pc in profile.get("pluginConfig") or []:
        if pc.get("name") == name:
            return pc.get("args") or {}
    return {}
