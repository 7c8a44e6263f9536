"""The fields of the API types, for decoding a request body the way the API server does.

The real server decodes JSON into Go structs (``k8s.io/api/core/v1``, ``apps/v1``, ...) with
``sigs.k8s.io/json``. Two things can go wrong there, and this module finds both:

* a value of the wrong JSON type -- always an error, e.g. ``json: cannot unmarshal string into
  Go struct field PodSpec.spec.containers of type []v1.Container``
  (:func:`decode_errors`, ``UnmarshalTypeError``: the innermost struct, the full field path
  without list indices, the Go type);
* a field the type does not have -- ``unknown field "spec.containers[0].imagePull"``
  (:func:`decode_errors` as well), an error under ``fieldValidation=Strict``, a warning under
  ``Warn`` (the server's default) and nothing under ``Ignore``.

The table holds the Kubernetes 1.32 fields of the kinds kubelab serves. Types whose fields
are many and rarely written (probes, security contexts, affinity, volume sources, statuses)
are marked ``any``: anything is accepted inside them, so no unknown field is reported there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from kubelab.api.validation import VOLUME_SOURCES

__all__ = ["DecodeProblems", "decode_errors", "go_type_name", "known_kinds", "prune_unknown"]

# A field type is a scalar name, a struct type name (key of _TYPES), "[T]" (list) or "{T}"
# (map of string to T). Scalars: their JSON types and Go names.
_SCALARS: Final[dict[str, tuple[tuple[type, ...], str]]] = {
    "string": ((str,), "string"),
    "int32": ((int,), "int32"),
    "int64": ((int,), "int64"),
    "bool": ((bool,), "bool"),
    "quantity": ((str, int, float), "resource.Quantity"),
    "intstr": ((str, int), "intstr.IntOrString"),
    "time": ((str,), "v1.Time"),
    "microtime": ((str,), "v1.MicroTime"),
    "any": ((object,), "interface {}"),
}

# Volume sources: one of these keys names the kind of volume (core/v1 VolumeSource).
_VOLUME_SOURCES: Final = VOLUME_SOURCES


def _f(spec: str) -> dict[str, str]:
    """``"name:string labels:{string}"`` -> ``{"name": "string", "labels": "{string}"}``."""
    out: dict[str, str] = {}
    for part in spec.split():
        name, _, typ = part.partition(":")
        out[name] = typ
    return out


_META: Final = "apiVersion:string kind:string metadata:ObjectMeta"

#: type name -> (Go package, fields)
_TYPES: Final[dict[str, tuple[str, dict[str, str]]]] = {
    "ObjectMeta": (
        "v1",
        _f(
            "name:string generateName:string namespace:string selfLink:string uid:string "
            "resourceVersion:string generation:int64 creationTimestamp:time "
            "deletionTimestamp:time deletionGracePeriodSeconds:int64 labels:{string} "
            "annotations:{string} ownerReferences:[OwnerReference] finalizers:[string] "
            "managedFields:[any]"
        ),
    ),
    "OwnerReference": (
        "v1",
        _f(
            "apiVersion:string kind:string name:string uid:string controller:bool "
            "blockOwnerDeletion:bool"
        ),
    ),
    "LabelSelector": (
        "v1",
        _f("matchLabels:{string} matchExpressions:[LabelSelectorRequirement]"),
    ),
    "LabelSelectorRequirement": ("v1", _f("key:string operator:string values:[string]")),
    "ObjectReference": (
        "v1",
        _f(
            "kind:string namespace:string name:string uid:string apiVersion:string "
            "resourceVersion:string fieldPath:string"
        ),
    ),
    "LocalObjectReference": ("v1", _f("name:string")),
    # --- core/v1 Pod
    "Pod": ("v1", _f(f"{_META} spec:PodSpec status:any")),
    "PodSpec": (
        "v1",
        _f(
            "volumes:[Volume] initContainers:[Container] containers:[Container] "
            "ephemeralContainers:[any] restartPolicy:string terminationGracePeriodSeconds:int64 "
            "activeDeadlineSeconds:int64 dnsPolicy:string nodeSelector:{string} "
            "serviceAccountName:string serviceAccount:string automountServiceAccountToken:bool "
            "nodeName:string hostNetwork:bool hostPID:bool hostIPC:bool "
            "shareProcessNamespace:bool securityContext:any "
            "imagePullSecrets:[LocalObjectReference] hostname:string subdomain:string "
            "affinity:any schedulerName:string tolerations:[Toleration] hostAliases:[any] "
            "priorityClassName:string priority:int32 dnsConfig:any readinessGates:[any] "
            "runtimeClassName:string enableServiceLinks:bool preemptionPolicy:string "
            "overhead:{quantity} topologySpreadConstraints:[any] setHostnameAsFQDN:bool os:any "
            "hostUsers:bool schedulingGates:[any] resourceClaims:[any] resources:any"
        ),
    ),
    "Container": (
        "v1",
        _f(
            "name:string image:string command:[string] args:[string] workingDir:string "
            "ports:[ContainerPort] envFrom:[any] env:[EnvVar] resources:ResourceRequirements "
            "resizePolicy:[any] restartPolicy:string volumeMounts:[VolumeMount] "
            "volumeDevices:[any] livenessProbe:any readinessProbe:any startupProbe:any "
            "lifecycle:any terminationMessagePath:string terminationMessagePolicy:string "
            "imagePullPolicy:string securityContext:any stdin:bool stdinOnce:bool tty:bool"
        ),
    ),
    "ContainerPort": (
        "v1",
        _f("name:string hostPort:int32 containerPort:int32 protocol:string hostIP:string"),
    ),
    "EnvVar": ("v1", _f("name:string value:string valueFrom:any")),
    "ResourceRequirements": ("v1", _f("limits:{quantity} requests:{quantity} claims:[any]")),
    "VolumeMount": (
        "v1",
        _f(
            "name:string readOnly:bool recursiveReadOnly:string mountPath:string "
            "subPath:string mountPropagation:string subPathExpr:string"
        ),
    ),
    "Volume": ("v1", {"name": "string", **{s: "any" for s in _VOLUME_SOURCES}}),
    "Toleration": (
        "v1",
        _f("key:string operator:string value:string effect:string tolerationSeconds:int64"),
    ),
    "PodTemplateSpec": ("v1", _f("metadata:ObjectMeta spec:PodSpec")),
    # --- core/v1 others
    "Service": ("v1", _f(f"{_META} spec:ServiceSpec status:any")),
    "ServiceSpec": (
        "v1",
        _f(
            "ports:[ServicePort] selector:{string} clusterIP:string clusterIPs:[string] "
            "type:string externalIPs:[string] sessionAffinity:string loadBalancerIP:string "
            "loadBalancerSourceRanges:[string] externalName:string "
            "externalTrafficPolicy:string healthCheckNodePort:int32 "
            "publishNotReadyAddresses:bool sessionAffinityConfig:any ipFamilies:[string] "
            "ipFamilyPolicy:string allocateLoadBalancerNodePorts:bool "
            "loadBalancerClass:string internalTrafficPolicy:string "
            "trafficDistribution:string"
        ),
    ),
    "ServicePort": (
        "v1",
        _f(
            "name:string protocol:string appProtocol:string port:int32 targetPort:intstr "
            "nodePort:int32"
        ),
    ),
    "ConfigMap": ("v1", _f(f"{_META} data:{{string}} binaryData:{{string}} immutable:bool")),
    "Secret": (
        "v1",
        _f(f"{_META} data:{{string}} stringData:{{string}} type:string immutable:bool"),
    ),
    "Namespace": ("v1", _f(f"{_META} spec:NamespaceSpec status:any")),
    "NamespaceSpec": ("v1", _f("finalizers:[string]")),
    "Node": ("v1", _f(f"{_META} spec:NodeSpec status:any")),
    "NodeSpec": (
        "v1",
        _f(
            "podCIDR:string podCIDRs:[string] providerID:string unschedulable:bool "
            "taints:[Taint] configSource:any externalID:string"
        ),
    ),
    "Taint": ("v1", _f("key:string value:string effect:string timeAdded:time")),
    "ServiceAccount": (
        "v1",
        _f(
            f"{_META} secrets:[ObjectReference] imagePullSecrets:[LocalObjectReference] "
            "automountServiceAccountToken:bool"
        ),
    ),
    "Endpoints": ("v1", _f(f"{_META} subsets:[any]")),
    "Event": (
        "v1",
        _f(
            f"{_META} involvedObject:ObjectReference reason:string message:string source:any "
            "firstTimestamp:time lastTimestamp:time count:int32 type:string "
            "eventTime:microtime series:any action:string related:any "
            "reportingComponent:string reportingInstance:string"
        ),
    ),
    "Binding": ("v1", _f(f"{_META} target:ObjectReference")),
    # --- apps/v1
    "Deployment": ("v1", _f(f"{_META} spec:DeploymentSpec status:any")),
    "DeploymentSpec": (
        "v1",
        _f(
            "replicas:int32 selector:LabelSelector template:PodTemplateSpec "
            "strategy:DeploymentStrategy minReadySeconds:int32 revisionHistoryLimit:int32 "
            "paused:bool progressDeadlineSeconds:int32"
        ),
    ),
    "DeploymentStrategy": ("v1", _f("type:string rollingUpdate:RollingUpdateDeployment")),
    "RollingUpdateDeployment": ("v1", _f("maxUnavailable:intstr maxSurge:intstr")),
    "ReplicaSet": ("v1", _f(f"{_META} spec:ReplicaSetSpec status:any")),
    "ReplicaSetSpec": (
        "v1",
        _f("replicas:int32 minReadySeconds:int32 selector:LabelSelector template:PodTemplateSpec"),
    ),
    # --- others
    "Lease": ("v1", _f(f"{_META} spec:LeaseSpec")),
    "LeaseSpec": (
        "v1",
        _f(
            "holderIdentity:string leaseDurationSeconds:int32 acquireTime:microtime "
            "renewTime:microtime leaseTransitions:int32 strategy:string "
            "preferredHolder:string"
        ),
    ),
    "EndpointSlice": ("v1", _f(f"{_META} addressType:string endpoints:[any] ports:[any]")),
    "EventsV1Event": (
        "v1",
        _f(
            f"{_META} eventTime:microtime series:any reportingController:string "
            "reportingInstance:string action:string reason:string regarding:ObjectReference "
            "related:any note:string type:string deprecatedSource:any "
            "deprecatedFirstTimestamp:time deprecatedLastTimestamp:time deprecatedCount:int32"
        ),
    ),
    "Role": ("v1", _f(f"{_META} rules:[PolicyRule]")),
    "ClusterRole": ("v1", _f(f"{_META} rules:[PolicyRule] aggregationRule:any")),
    "PolicyRule": (
        "v1",
        _f(
            "verbs:[string] apiGroups:[string] resources:[string] resourceNames:[string] "
            "nonResourceURLs:[string]"
        ),
    ),
    "RoleBinding": ("v1", _f(f"{_META} subjects:[Subject] roleRef:RoleRef")),
    "ClusterRoleBinding": ("v1", _f(f"{_META} subjects:[Subject] roleRef:RoleRef")),
    "Subject": ("v1", _f("kind:string apiGroup:string name:string namespace:string")),
    "RoleRef": ("v1", _f("apiGroup:string kind:string name:string")),
    # --- subresource bodies
    "Scale": ("v1", _f(f"{_META} spec:ScaleSpec status:any")),
    "ScaleSpec": ("v1", _f("replicas:int32")),
    "Eviction": ("v1", _f(f"{_META} deleteOptions:DeleteOptions")),
    "DeleteOptions": (
        "v1",
        _f(
            "kind:string apiVersion:string gracePeriodSeconds:int64 preconditions:any "
            "orphanDependents:bool propagationPolicy:string dryRun:[string] "
            "ignoreStoreReadErrorWithClusterBreakingPotential:bool"
        ),
    ),
}

# Which type decodes each (apiVersion, kind).
_ROOTS: Final[dict[tuple[str, str], str]] = {
    ("events.k8s.io/v1", "Event"): "EventsV1Event",
    ("autoscaling/v1", "Scale"): "Scale",
    ("policy/v1", "Eviction"): "Eviction",
    ("v1", "DeleteOptions"): "DeleteOptions",
    ("meta.k8s.io/v1", "DeleteOptions"): "DeleteOptions",
}


def known_kinds() -> list[str]:
    """The struct types the table describes."""
    return sorted(_TYPES)


def _root_type(api_version: str, kind: str) -> str | None:
    root = _ROOTS.get((api_version, kind))
    if root is not None:
        return root
    return kind if kind in _TYPES else None


def go_type_name(typ: str) -> str:
    """The Go spelling of a field type, as ``UnmarshalTypeError`` prints it."""
    if typ.startswith("["):
        return "[]" + go_type_name(typ[1:-1])
    if typ.startswith("{"):
        return "map[string]" + go_type_name(typ[1:-1])
    scalar = _SCALARS.get(typ)
    if scalar is not None:
        return scalar[1]
    pkg, _ = _TYPES[typ]
    return f"{pkg}.{'Event' if typ == 'EventsV1Event' else typ}"


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


@dataclass
class DecodeProblems:
    """What decoding a body into its Go type found: the first type error (fatal in every
    mode) and every unknown field (``fieldValidation``-dependent)."""

    type_error: str | None
    unknown: list[str]


def _go_struct(typ: str) -> str:
    return "Event" if typ == "EventsV1Event" else typ


class _Walker:
    def __init__(self) -> None:
        self.type_error: str | None = None
        self.unknown: list[str] = []

    def mismatch(self, value: Any, struct: str, dotted: str, typ: str) -> None:
        if self.type_error is not None:
            return
        what = _json_kind(value)
        if what == "number" and typ in ("int32", "int64") and isinstance(value, float):
            what = f"number {value!r}"
        self.type_error = (
            f"json: cannot unmarshal {what} into Go struct field {_go_struct(struct)}.{dotted} "
            f"of type {go_type_name(typ)}"
        )

    def value(self, value: Any, typ: str, struct: str, dotted: str, path: str) -> None:
        if value is None:
            return  # null decodes to the zero value
        if typ.startswith("["):
            if not isinstance(value, list):
                self.mismatch(value, struct, dotted, typ)
                return
            inner = typ[1:-1]
            for i, item in enumerate(value):
                self.value(item, inner, struct, dotted, f"{path}[{i}]")
            return
        if typ.startswith("{"):
            if not isinstance(value, dict):
                self.mismatch(value, struct, dotted, typ)
                return
            inner = typ[1:-1]
            for k, item in value.items():
                self.value(item, inner, struct, dotted, f"{path}[{k}]")
            return
        scalar = _SCALARS.get(typ)
        if scalar is not None:
            kinds, _ = scalar
            ok = isinstance(value, kinds)
            if typ in ("int32", "int64"):
                ok = (isinstance(value, int) and not isinstance(value, bool)) or (
                    isinstance(value, float) and value.is_integer()
                )
            elif typ != "bool" and typ != "any" and isinstance(value, bool):
                ok = False
            if not ok:
                self.mismatch(value, struct, dotted, typ)
            return
        if not isinstance(value, dict):
            self.mismatch(value, struct, dotted, typ)
            return
        self.struct(value, typ, path, dotted)

    def struct(self, obj: Mapping[str, Any], typ: str, path: str, dotted: str) -> None:
        _, fields = _TYPES[typ]
        for k, v in obj.items():
            child = f"{path}.{k}" if path else k
            child_dotted = f"{dotted}.{k}" if dotted else k
            ftype = fields.get(k)
            if ftype is None:
                self.unknown.append(child)
                continue
            self.value(v, ftype, typ, child_dotted, child)


# A quick first pass: whether a value decodes into a type with no finding at all (no path
# strings built). Most bodies are clean; only the others are walked again by _Walker for the
# messages. A type compiles to a check function, or for a struct to the dict of its fields'
# checks, which _fields_clean walks without a call per field; string fields -- most of
# them -- are tested inline.
_Check = Callable[[Any], bool] | dict[str, Any]
_CHECKS: dict[str, _Check] = {}
_STRUCT_CHECKS: dict[str, dict[str, _Check]] = {}


def _check_of(typ: str) -> _Check:
    check = _CHECKS.get(typ)
    if check is None:
        check = _struct_checks(typ) if typ in _TYPES else _make_check(typ)
        _CHECKS[typ] = check
    return check


def _struct_checks(typ: str) -> dict[str, _Check]:
    """The check of each field of the struct type ``typ``."""
    fields = _STRUCT_CHECKS.get(typ)
    if fields is None:
        # registered before its fields are compiled, so a type may contain itself
        fields = _STRUCT_CHECKS[typ] = {}
        _CHECKS[typ] = fields
        for name, ftype in _TYPES[typ][1].items():
            fields[name] = _check_of(ftype)
    return fields


def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer()
    )


def _is_anything(value: Any) -> bool:
    return True


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)  # (a bool is no str)


def _passes(check: _Check, value: Any) -> bool:
    """Whether a non-null ``value`` passes ``check``."""
    if isinstance(check, dict):
        return isinstance(value, dict) and _fields_clean(value, check)
    return check(value)


def _make_check(typ: str) -> Callable[[Any], bool]:
    if typ.startswith("[") or typ.startswith("{"):
        inner = typ[1:-1]
        is_list = typ.startswith("[")
        # the inner check, looked up on first use
        found: list[_Check] = []

        def check_items(value: Any) -> bool:
            items: Iterable[Any]
            if is_list:
                if not isinstance(value, list):
                    return False
                items = value
            elif isinstance(value, dict):
                items = value.values()
            else:
                return False
            if not found:
                found.append(_check_of(inner))
            check = found[0]
            # (loops rather than all(): no generator per call; null decodes to the zero value)
            if check is _is_str:
                for item in items:  # noqa: SIM110
                    if item is not None and not isinstance(item, str):
                        return False
                return True
            for item in items:  # noqa: SIM110
                if item is not None and not _passes(check, item):
                    return False
            return True

        return check_items
    scalar = _SCALARS[typ]
    if typ in ("int32", "int64"):
        return _is_int
    if typ == "any":
        return _is_anything
    if typ == "bool":
        return _is_bool
    kinds = scalar[0]
    if kinds == (str,):
        return _is_str
    return lambda value: isinstance(value, kinds) and not isinstance(value, bool)


def _fields_clean(obj: Mapping[str, Any], checks: Mapping[str, _Check]) -> bool:
    is_str = _is_str
    for k, v in obj.items():
        check = checks.get(k)
        if check is None:
            return False
        if v is None:
            continue
        if check is is_str:
            if not isinstance(v, str):
                return False
        elif isinstance(check, dict):  # a struct
            if not isinstance(v, dict) or not _fields_clean(v, check):
                return False
        elif not check(v):
            return False
    return True


def decode_errors(obj: Mapping[str, Any], api_version: str, kind: str) -> DecodeProblems:
    """Decode ``obj`` as the ``apiVersion``/``kind`` type: the first type error and the
    unknown fields (paths with list indices, in document order). A kind without an entry
    decodes without findings."""
    root = _root_type(api_version, kind)
    if root is None or _fields_clean(obj, _struct_checks(root)):
        return DecodeProblems(None, [])
    walker = _Walker()
    walker.struct(obj, root, "", "")
    return DecodeProblems(walker.type_error, walker.unknown)


def _prune(value: Any, typ: str) -> None:
    if isinstance(value, list) and typ.startswith("["):
        for item in value:
            _prune(item, typ[1:-1])
    elif isinstance(value, dict) and typ.startswith("{"):
        for item in value.values():
            _prune(item, typ[1:-1])
    elif isinstance(value, dict) and typ in _TYPES:
        _, fields = _TYPES[typ]
        for k in [k for k in value if k not in fields]:
            del value[k]
        for k, v in value.items():
            _prune(v, fields[k])


def prune_unknown(obj: dict[str, Any], api_version: str, kind: str) -> None:
    """Drop, in place, every field the Go type does not have (what decoding into the struct
    does to them when they are not an error)."""
    root = _root_type(api_version, kind)
    if root is not None:
        _prune(obj, root)
