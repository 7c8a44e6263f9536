"""Defaulting: the fields the API server fills in on an object the user did not set.

A model of the scheme defaulters, which run when a request body is decoded (before admission):
``pkg/apis/core/v1/defaults.go``, ``pkg/apis/apps/v1/defaults.go``,
``pkg/apis/rbac/v1/defaults.go``, ``pkg/apis/discovery/v1/defaults.go`` and the
``+default`` tags compiled into each package's ``zz_generated.defaults.go``
(Kubernetes 1.32). Each rule below names its upstream function.

:func:`prepare_for_create` adds what the registry strategies set on create (after mutating
admission): a Pod's ``status.phase`` and ``status.qosClass`` (``pkg/registry/core/pod/
strategy.go``), a Namespace's ``kubernetes`` finalizer (``pkg/registry/core/namespace/
strategy.go``) and a Service's IP family fields (``pkg/registry/core/service/storage/
alloc.go``).

Quantities in resource lists are rewritten as the server stores them: rounded up to milli
precision (``SetDefaults_ResourceList``) and printed as ``Quantity.String()`` does, so ``0.5``
comes back as ``500m``.

Left out: feature-gated defaults that are off in 1.32 (pod-level resources, image volumes,
pod log stream), PersistentVolume(Claim)s, ReplicationControllers, Jobs and CronJobs,
volume plugins with their own defaults (iSCSI, RBD, AzureDisk, ScaleIO), the Service
``status.loadBalancer.ingress[].ipMode`` default, and everything the registry allocates
(cluster IPs, node ports, names from ``generateName``, uid, timestamps).
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from kubelab.api.quantity import Quantity, QuantityError, parse_quantity
from kubelab.api.validation import VOLUME_SOURCES

__all__ = [
    "DEFAULT_SCHEDULER_NAME",
    "DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS",
    "TERMINATION_MESSAGE_PATH_DEFAULT",
    "apply_defaults",
    "copy_json",
    "default_image_pull_policy",
    "parse_image_tag",
    "pod_qos_class",
    "prepare_for_create",
]

# k8s.io/api/core/v1 constants.
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS: Final = 30  # DefaultTerminationGracePeriodSeconds
DEFAULT_SCHEDULER_NAME: Final = "default-scheduler"  # DefaultSchedulerName
TERMINATION_MESSAGE_PATH_DEFAULT: Final = "/dev/termination-log"  # TerminationMessagePathDefault
DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS: Final = 10800  # 3 hours
# SecretVolumeSourceDefaultMode, ConfigMapVolumeSourceDefaultMode,
# DownwardAPIVolumeSourceDefaultMode, ProjectedVolumeSourceDefaultMode: 0644.
DEFAULT_VOLUME_MODE: Final = 0o644
DEFAULT_TOKEN_EXPIRATION_SECONDS: Final = 3600  # SetDefaults_ServiceAccountTokenProjection
LABEL_METADATA_NAME: Final = "kubernetes.io/metadata.name"  # v1.LabelMetadataName
RBAC_GROUP: Final = "rbac.authorization.k8s.io"

Obj = dict[str, Any]

# ---------------------------------------------------------------------------------------------
# small helpers

_ATOMS: Final = frozenset({str, int, float, bool, type(None)})


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON tree (dicts, lists, strings, numbers, booleans, null), like
    ``copy.deepcopy`` but several times faster; anything else is copied by ``deepcopy``."""
    t = type(value)
    atoms = _ATOMS
    if t is dict:
        # A shallow copy with the nested containers then replaced: most values are atoms,
        # and dict.copy() takes them over in C (same keys, same order).
        out = value.copy()
        for k, v in value.items():
            if type(v) not in atoms:
                out[k] = copy_json(v)
        return out
    if t is list:
        items = value.copy()
        for i, v in enumerate(value):
            if type(v) not in atoms:
                items[i] = copy_json(v)
        return items
    if t in atoms:
        return value
    return copy.deepcopy(value)


def _dict(parent: Obj, key: str) -> Obj:
    """``parent[key]`` as a dict, created when missing or null."""
    value = parent.get(key)
    if not isinstance(value, dict):
        value = {}
        parent[key] = value
    return value


def _dicts(value: Any) -> list[Obj]:
    """The dict items of a list (others are left for validation to report)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


# Go's `if x == ""` / `if x == nil`: a missing, null or empty-string field is unset.
_UNSET: Final = (None, "")


def _setdefault(obj: Obj, key: str, value: Any) -> None:
    if obj.get(key) in _UNSET:
        obj[key] = value


# ---------------------------------------------------------------------------------------------
# quantities


def _store_quantity(text: Any) -> Any:
    """A quantity as the API server stores it, or the input unchanged if it does not parse."""
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        return text
    try:
        q = parse_quantity(str(text))
    except QuantityError:
        return text
    # SetDefaults_ResourceList: Quantity.RoundUp(milliScale) -- anything finer than 1m is
    # rounded up (away from zero); the result prints in canonical form.
    rounded = Quantity.from_milli(q.milli_value(), q.format)
    if rounded != q:
        return str(rounded)
    return q.string()


def _resource_list(parent: Obj, key: str) -> None:
    value = parent.get(key)
    if isinstance(value, dict):
        parent[key] = {name: _store_quantity(v) for name, v in value.items()}


# ---------------------------------------------------------------------------------------------
# images


_PATH_COMPONENT: Final = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_COMPONENT: Final = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN: Final = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?"
_TAG: Final = r"[\w][\w.-]{0,127}"
_DIGEST: Final = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
# github.com/distribution/reference regexp.go ReferenceRegexp.
_REFERENCE_RE: Final = re.compile(
    rf"^((?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    rf"(?::({_TAG}))?(?:@({_DIGEST}))?$"
)
_NAME_TOTAL_LENGTH_MAX: Final = 255


@functools.lru_cache(maxsize=1024)
def parse_image_tag(image: str) -> str:
    """The tag ``pkg/util/parsers.ParseImageName`` finds in an image reference.

    ``nginx`` and ``nginx:latest`` give ``latest`` (no tag and no digest defaults to
    ``latest``); ``nginx:1.27`` gives ``1.27``; a digest-only reference and a reference that
    does not parse (an upper-case repository, say) give ``""``.
    """
    m = _REFERENCE_RE.match(image)
    if m is None or len(m.group(1)) > _NAME_TOTAL_LENGTH_MAX:
        return ""
    tag, digest = m.group(2) or "", m.group(3) or ""
    if not tag and not digest:
        return "latest"
    return tag


def default_image_pull_policy(image: str) -> str:
    """``SetDefaults_Container``: ``Always`` for a ``:latest`` (or untagged) image, else
    ``IfNotPresent``."""
    return "Always" if parse_image_tag(image) == "latest" else "IfNotPresent"


# ---------------------------------------------------------------------------------------------
# pods and pod templates


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    # SetDefaults_Probe: a zero is unset.
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(key):
            probe[key] = value
    _default_http_get(probe.get("httpGet"))


def _default_http_get(action: Any) -> None:
    if isinstance(action, dict):
        # SetDefaults_HTTPGetAction.
        _setdefault(action, "path", "/")
        _setdefault(action, "scheme", "HTTP")


def _default_field_ref(ref: Any) -> None:
    if isinstance(ref, dict):
        _setdefault(ref, "apiVersion", "v1")  # SetDefaults_ObjectFieldSelector


_PROBES: Final = ("livenessProbe", "readinessProbe", "startupProbe")


def _default_container(container: Obj) -> None:
    # SetDefaults_Container. (Written out rather than through _setdefault and _dicts: this
    # runs for every container of every pod the server decodes.)
    get = container.get
    if get("imagePullPolicy") in _UNSET:
        container["imagePullPolicy"] = default_image_pull_policy(str(get("image", "")))
    if get("terminationMessagePath") in _UNSET:
        container["terminationMessagePath"] = TERMINATION_MESSAGE_PATH_DEFAULT
    if get("terminationMessagePolicy") in _UNSET:
        container["terminationMessagePolicy"] = "File"
    # ContainerPort.Protocol +default="TCP" (zz_generated.defaults.go).
    ports = get("ports")
    if isinstance(ports, list):
        for port in ports:
            if isinstance(port, dict) and port.get("protocol") in _UNSET:
                port["protocol"] = "TCP"
    env = get("env")
    if isinstance(env, list):
        for item in env:
            if isinstance(item, dict):
                value_from = item.get("valueFrom")
                if isinstance(value_from, dict):
                    _default_field_ref(value_from.get("fieldRef"))
    # ResourceRequirements is a struct field: Go always serialises it, as `resources: {}`.
    resources = get("resources")
    if not isinstance(resources, dict):
        container["resources"] = {}
    elif resources:
        _resource_list(resources, "limits")
        _resource_list(resources, "requests")
    for probe in _PROBES:
        value = get(probe)
        if value is not None:
            _default_probe(value)
    lifecycle = get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if isinstance(handler, dict):
                _default_http_get(handler.get("httpGet"))


_VOLUME_SOURCES: Final = frozenset(VOLUME_SOURCES)


def _default_volume(volume: Obj) -> None:
    # SetDefaults_Volume: a volume with no source is an emptyDir.
    if not any(volume[key] is not None for key in volume if key in _VOLUME_SOURCES):
        volume["emptyDir"] = {}
    host_path = volume.get("hostPath")
    if isinstance(host_path, dict) and host_path.get("type") is None:
        host_path["type"] = ""  # SetDefaults_HostPathVolumeSource: HostPathUnset
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        source = volume.get(key)
        if isinstance(source, dict) and source.get("defaultMode") is None:
            # SetDefaults_{Secret,ConfigMap,DownwardAPI,Projected}VolumeSource.
            source["defaultMode"] = DEFAULT_VOLUME_MODE
    downward = volume.get("downwardAPI")
    if isinstance(downward, dict):
        for item in _dicts(downward.get("items")):
            _default_field_ref(item.get("fieldRef"))
    projected = volume.get("projected")
    if isinstance(projected, dict):
        for source in _dicts(projected.get("sources")):
            downward_projection = source.get("downwardAPI")
            if isinstance(downward_projection, dict):
                for item in _dicts(downward_projection.get("items")):
                    _default_field_ref(item.get("fieldRef"))
            token = source.get("serviceAccountToken")
            if isinstance(token, dict) and token.get("expirationSeconds") is None:
                # SetDefaults_ServiceAccountTokenProjection: one hour.
                token["expirationSeconds"] = DEFAULT_TOKEN_EXPIRATION_SECONDS


_CONTAINER_KEYS: Final = ("initContainers", "containers", "ephemeralContainers")
_POD_CONTAINER_KEYS: Final = ("containers", "initContainers")


def _default_pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec plus the nested defaulters (volumes, containers), as the generated
    ``SetObjectDefaults_PodTemplate`` calls them for every pod template."""
    # SetDefaults_PodSpec.
    get = spec.get
    if get("dnsPolicy") in _UNSET:
        spec["dnsPolicy"] = "ClusterFirst"
    if get("restartPolicy") in _UNSET:
        spec["restartPolicy"] = "Always"
    if get("securityContext") is None:
        spec["securityContext"] = {}
    if get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    if get("schedulerName") in _UNSET:
        spec["schedulerName"] = DEFAULT_SCHEDULER_NAME
    volumes = get("volumes")
    if isinstance(volumes, list):
        for volume in volumes:
            if isinstance(volume, dict):
                _default_volume(volume)
    for key in _CONTAINER_KEYS:
        containers = get(key)
        if isinstance(containers, list):
            for container in containers:
                if isinstance(container, dict):
                    _default_container(container)
    _resource_list(spec, "overhead")


def _default_pod_only(spec: Obj) -> None:
    """SetDefaults_Pod: rules that apply to Pods but not to pod templates."""
    get = spec.get
    for key in _POD_CONTAINER_KEYS:
        containers = get(key)
        if not isinstance(containers, list):
            continue
        for container in containers:
            if not isinstance(container, dict):
                continue
            resources = container.get("resources")
            if not isinstance(resources, dict):
                continue
            limits = resources.get("limits")
            if isinstance(limits, dict):
                # Requests default to limits, resource by resource.
                requests = _dict(resources, "requests")
                for name, value in limits.items():
                    requests.setdefault(name, value)
    if get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True  # DefaultEnableServiceLinks
    if get("hostNetwork") is True:
        # defaultHostNetworkPorts: with host networking every container port is a host port.
        for key in _POD_CONTAINER_KEYS:
            for container in _dicts(get(key)):
                for port in _dicts(container.get("ports")):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


def _default_pod(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    # SetObjectDefaults_Pod: SetDefaults_Pod first, then SetDefaults_PodSpec and the rest.
    _default_pod_only(spec)
    _default_pod_spec(spec)


def _default_template(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    template = spec.get("template")
    if isinstance(template, dict):
        _default_pod_spec(_dict(template, "spec"))


# ---------------------------------------------------------------------------------------------
# workloads (pkg/apis/apps/v1/defaults.go)


def _default_deployment(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    # SetDefaults_Deployment.
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _dict(spec, "strategy")
    _setdefault(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = "25%"
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template(obj)


def _default_replica_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1  # SetDefaults_ReplicaSet
    _default_template(obj)


def _default_daemon_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    # SetDefaults_DaemonSet.
    strategy = _dict(spec, "updateStrategy")
    _setdefault(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = 1
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(obj)


def _default_stateful_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    # SetDefaults_StatefulSet (StatefulSetAutoDeletePVC is GA and on in 1.32).
    _setdefault(spec, "podManagementPolicy", "OrderedReady")
    strategy = _dict(spec, "updateStrategy")
    if strategy.get("type") in (None, ""):
        strategy["type"] = "RollingUpdate"
        if strategy.get("rollingUpdate") is None:
            strategy["rollingUpdate"] = {}
    rolling = strategy.get("rollingUpdate")
    if (
        strategy["type"] == "RollingUpdate"
        and isinstance(rolling, dict)
        and rolling.get("partition") is None
    ):
        rolling["partition"] = 0
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    _setdefault(retention, "whenDeleted", "Retain")
    _setdefault(retention, "whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    for claim in _dicts(spec.get("volumeClaimTemplates")):
        claim_spec = _dict(claim, "spec")
        _setdefault(claim_spec, "volumeMode", "Filesystem")  # SetDefaults_PersistentVolumeClaimSpec
        resources = claim_spec.get("resources")
        if isinstance(resources, dict):
            _resource_list(resources, "limits")
            _resource_list(resources, "requests")
    _default_template(obj)


# ---------------------------------------------------------------------------------------------
# core kinds


def _externally_accessible(spec: Obj) -> bool:
    # pkg/api/v1/service ExternallyAccessible.
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )


def _default_service(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    # SetDefaults_Service.
    _setdefault(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig")
        client_ip = config.get("clientIP") if isinstance(config, dict) else None
        if not isinstance(client_ip, dict) or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {
                "clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS}
            }
    _setdefault(spec, "type", "ClusterIP")
    for port in _dicts(spec.get("ports")):
        _setdefault(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if _externally_accessible(spec):
        _setdefault(spec, "externalTrafficPolicy", "Cluster")
    if spec.get("internalTrafficPolicy") is None and spec["type"] in (
        "NodePort",
        "LoadBalancer",
        "ClusterIP",
    ):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True


def _default_namespace(obj: Obj) -> None:
    metadata = _dict(obj, "metadata")
    name = metadata.get("name")
    if isinstance(name, str) and name:
        # SetDefaults_Namespace: the immutable name label (NamespaceDefaultLabelName, GA 1.22).
        _dict(metadata, "labels")[LABEL_METADATA_NAME] = name
    status = _dict(obj, "status")
    _setdefault(status, "phase", "Active")  # SetDefaults_NamespaceStatus


def _default_node(obj: Obj) -> None:
    status = obj.get("status")
    if not isinstance(status, dict):
        return
    if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        # SetDefaults_NodeStatus: allocatable defaults to capacity.
        status["allocatable"] = dict(status["capacity"])
    _resource_list(status, "capacity")
    _resource_list(status, "allocatable")


def _default_secret(obj: Obj) -> None:
    _setdefault(obj, "type", "Opaque")  # SetDefaults_Secret


def _default_endpoints(obj: Obj) -> None:
    for subset in _dicts(obj.get("subsets")):
        for port in _dicts(subset.get("ports")):
            _setdefault(port, "protocol", "TCP")  # SetDefaults_Endpoints


def _default_endpoint_slice(obj: Obj) -> None:
    for port in _dicts(obj.get("ports")):
        # pkg/apis/discovery/v1/defaults.go SetDefaults_EndpointPort.
        if port.get("name") is None:
            port["name"] = ""
        if port.get("protocol") is None:
            port["protocol"] = "TCP"


def _default_limit_range(obj: Obj) -> None:
    for item in _dicts(_dict(obj, "spec").get("limits")):
        if item.get("type") == "Container":
            # SetDefaults_LimitRangeItem: default limit <- max; default request <- default
            # limit, then <- min.
            default = _dict(item, "default")
            default_request = _dict(item, "defaultRequest")
            for name, value in _quantity_map(item.get("max")).items():
                default.setdefault(name, value)
            for name, value in default.items():
                default_request.setdefault(name, value)
            for name, value in _quantity_map(item.get("min")).items():
                default_request.setdefault(name, value)
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            _resource_list(item, key)


def _quantity_map(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _default_resource_quota(obj: Obj) -> None:
    spec = obj.get("spec")
    if isinstance(spec, dict):
        _resource_list(spec, "hard")
    status = obj.get("status")
    if isinstance(status, dict):
        _resource_list(status, "hard")
        _resource_list(status, "used")


def _default_binding(obj: Obj) -> None:
    role_ref = obj.get("roleRef")
    if isinstance(role_ref, dict):
        _setdefault(role_ref, "apiGroup", RBAC_GROUP)  # SetDefaults_(Cluster)RoleBinding
    for subject in _dicts(obj.get("subjects")):
        # SetDefaults_Subject: ServiceAccount subjects stay in the core group ("", omitted).
        if subject.get("apiGroup") in (None, "") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = RBAC_GROUP


_DEFAULTERS: Final[dict[tuple[str, str], Callable[[Obj], None]]] = {
    ("", "Pod"): _default_pod,
    ("", "PodTemplate"): lambda obj: _default_pod_spec(_dict(_dict(obj, "template"), "spec")),
    ("", "Service"): _default_service,
    ("", "Namespace"): _default_namespace,
    ("", "Node"): _default_node,
    ("", "Secret"): _default_secret,
    ("", "Endpoints"): _default_endpoints,
    ("", "LimitRange"): _default_limit_range,
    ("", "ResourceQuota"): _default_resource_quota,
    ("apps", "Deployment"): _default_deployment,
    ("apps", "ReplicaSet"): _default_replica_set,
    ("apps", "DaemonSet"): _default_daemon_set,
    ("apps", "StatefulSet"): _default_stateful_set,
    ("discovery.k8s.io", "EndpointSlice"): _default_endpoint_slice,
    (RBAC_GROUP, "RoleBinding"): _default_binding,
    (RBAC_GROUP, "ClusterRoleBinding"): _default_binding,
}


def _group_of(obj: Mapping[str, Any]) -> str:
    # ("v1" has no "/": rpartition gives ("", "", "v1"), the core group)
    return str(obj.get("apiVersion", "")).rpartition("/")[0]


def apply_defaults(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A defaulted copy of ``obj`` (the input is not changed).

    Kinds with defaults: Pod, PodTemplate, Service, Namespace, Node, Secret, Endpoints,
    LimitRange, ResourceQuota, Deployment, ReplicaSet, DaemonSet, StatefulSet,
    EndpointSlice, RoleBinding, ClusterRoleBinding. Every other kind (ConfigMap,
    ServiceAccount, Lease, Event, Role, ClusterRole, ...) has no defaults upstream and comes
    back as a plain copy. Defaulting is idempotent.
    """
    out: dict[str, Any] = copy_json(obj if type(obj) is dict else dict(obj))
    defaulter = _DEFAULTERS.get((_group_of(out), str(out.get("kind", ""))))
    if defaulter is not None:
        defaulter(out)
    return out


# ---------------------------------------------------------------------------------------------
# QoS (pkg/apis/core/v1/helper/qos/qos.go GetPodQOS)

_QOS_RESOURCES: Final = ("cpu", "memory")  # supportedQoSComputeResources


def _positive(value: Any) -> Quantity | None:
    try:
        q = parse_quantity(str(value))
    except QuantityError:
        return None
    return q if q.sign() > 0 else None


def _has_compute_resources(container: Mapping[str, Any]) -> bool:
    resources = container.get("resources")
    if not resources or not isinstance(resources, Mapping):
        return False
    for source in ("requests", "limits"):
        values = resources.get(source)
        if values and isinstance(values, Mapping) and any(n in values for n in _QOS_RESOURCES):
            return True
    return False


def _any_compute_resources(spec: Mapping[str, Any]) -> bool:
    # Whether any container or init container has a cpu or memory request or limit (a loop,
    # not a list of the containers: most pods have none and are BestEffort).
    for key in _POD_CONTAINER_KEYS:
        containers = spec.get(key)
        if isinstance(containers, list):
            for container in containers:
                if isinstance(container, dict) and _has_compute_resources(container):
                    return True
    return False


def pod_qos_class(pod: Mapping[str, Any]) -> str:
    """``Guaranteed``, ``Burstable`` or ``BestEffort`` (``GetPodQOS``).

    Only cpu and memory count, and only values above zero. BestEffort: no container has any.
    Guaranteed: every container (init containers included) sets cpu and memory limits, and
    the summed requests equal the summed limits. Anything else is Burstable.
    """
    spec = pod.get("spec")
    if type(spec) is not dict and not isinstance(spec, Mapping):
        spec = {}
    if not _any_compute_resources(spec):
        return "BestEffort"  # no cpu or memory request or limit at all: nothing to add up
    containers = [*_dicts(spec.get("containers")), *_dicts(spec.get("initContainers"))]
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for container in containers:
        resources = container.get("resources")
        resources = resources if isinstance(resources, Mapping) else {}
        for source, total in (("requests", requests), ("limits", limits)):
            found: set[str] = set()
            values = resources.get(source)
            for name in _QOS_RESOURCES:
                if not isinstance(values, Mapping) or name not in values:
                    continue
                q = _positive(values[name])
                if q is None:
                    continue
                found.add(name)
                total[name] = total[name] + q if name in total else q
            if source == "limits" and found != set(_QOS_RESOURCES):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, req in requests.items():
            if name not in limits or limits[name] != req:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


# ---------------------------------------------------------------------------------------------
# create-time strategy fields


def prepare_for_create(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` with the fields the registry strategy sets on create.

    * Pod (``podStrategy.PrepareForCreate``): ``status`` reset to ``phase: Pending`` and
      ``qosClass`` from :func:`pod_qos_class` -- computed after mutating admission, so
      LimitRanger's defaults count.
    * Namespace (``namespaceStrategy.PrepareForCreate``): ``status.phase: Active`` and the
      ``kubernetes`` finalizer appended to ``spec.finalizers`` when missing.
    * Service (``alloc.go initIPFamilyFields``, single-stack IPv4 cluster): ``ipFamilies:
      [IPv4]`` and ``ipFamilyPolicy: SingleStack``, or ``PreferDualStack`` for a headless
      Service without a selector; nothing for ExternalName.

    Other kinds come back as a plain copy.
    """
    out: dict[str, Any] = copy_json(obj if type(obj) is dict else dict(obj))
    kind, group = str(out.get("kind", "")), _group_of(out)
    if group:
        return out
    if kind == "Pod":
        out["status"] = {"phase": "Pending", "qosClass": pod_qos_class(out)}
    elif kind == "Namespace":
        out["status"] = {"phase": "Active"}
        spec = _dict(out, "spec")
        finalizers = spec.get("finalizers")
        finalizers = list(finalizers) if isinstance(finalizers, list) else []
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers
    elif kind == "Service":
        spec = _dict(out, "spec")
        if spec.get("type") != "ExternalName":
            headless_no_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
            if spec.get("ipFamilyPolicy") in (None, ""):
                spec["ipFamilyPolicy"] = (
                    "PreferDualStack" if headless_no_selector else "SingleStack"
                )
            if not spec.get("ipFamilies"):
                spec["ipFamilies"] = ["IPv4"]
    return out
