"""What the API server checks before it stores an object: ``validate(obj) -> [FieldError]``.

A model of the create-time validation in ``pkg/apis/core/validation/validation.go``,
``pkg/apis/apps/validation``, ``pkg/apis/rbac/validation``, ``pkg/apis/coordination/validation``,
``pkg/apis/discovery/validation`` and ``apimachinery/pkg/api/validation/objectmeta.go``
(Kubernetes 1.32), with the same field paths, error types and messages, in the same order.

The API server *defaults* an object before validating it; :func:`validate` works on the object
as written, so a field that defaulting would fill (``restartPolicy``, ``protocol``,
``imagePullPolicy``, ``type``, ``sessionAffinity``, ``replicas``, ``metadata.namespace``, ...) is
checked only when present.

Rules covered:

* every kind -- ObjectMeta: ``name`` required unless ``generateName`` is set, the kind's name
  format (:func:`kubelab.api.names.name_validator_for_kind`), ``generateName`` format,
  ``namespace`` a DNS label when given (namespaced kinds), ``generation`` not negative, label keys
  and values, annotation keys and their 256 KiB total, finalizer names (and the core rule that
  an unqualified finalizer must be a standard one);
* Pod (and every pod template) -- ``spec.containers`` required; container name required, a DNS
  label, unique; ``image`` required (and, for Pods, without surrounding blanks); ports
  (``containerPort`` required and 1-65535, ``hostPort``, ``protocol`` TCP/UDP/SCTP, port names,
  duplicate names, duplicate host ports); ``env`` names; ``imagePullPolicy``;
  ``terminationMessagePolicy``; resources (names, quantities parse and are not negative, whole
  numbers for extended resources, requests <= limits, equal for non-overcommittable ones);
  ``volumeMounts`` (name required and found among the volumes, ``mountPath`` required and
  unique); volumes (one source, name a unique DNS label); ``restartPolicy``; ``nodeSelector``;
  ``serviceAccountName``; ``nodeName``; ``activeDeadlineSeconds``; ``hostname``/``subdomain``;
  tolerations; init containers as containers;
* Service -- ``ports`` required (unless headless or ExternalName), port names, ``port``,
  ``protocol``, ``targetPort``, duplicate ports and node ports, ``type``, ``sessionAffinity``,
  ``nodePort`` forbidden for ClusterIP and in 30000-32767 otherwise (the allocator's check),
  ``externalName``, ``selector`` labels;
* Deployment and ReplicaSet -- ``replicas`` >= 0, ``selector`` required, not empty, valid, and
  matching the template labels; the template as a pod template whose ``restartPolicy`` must be
  Always; ``minReadySeconds``, ``revisionHistoryLimit``, ``progressDeadlineSeconds``; the
  Deployment strategy and its rolling-update numbers;
* Namespace (``spec.finalizers``), ConfigMap and Secret (keys, duplicate keys, 1 MiB total,
  the required keys of the tls, basic-auth, ssh-auth and service-account-token types), Node
  (taints), ServiceAccount (metadata), Endpoints (addresses, ports), EndpointSlice
  (``addressType``, addresses), Lease (``leaseDurationSeconds``, ``leaseTransitions``), Role and
  ClusterRole (rules: verbs, apiGroups, resources, non-resource URLs), RoleBinding and
  ClusterRoleBinding (``roleRef``, subjects), Event (namespace agreement; for
  ``events.k8s.io/v1`` also ``eventTime``, ``type``, ``reportingController``,
  ``reportingInstance``, ``action``, ``reason``).

Not covered: everything else in those files -- probes, lifecycle hooks, security contexts,
affinity, topology spread, DNS config, most volume sources' own fields, ephemeral containers,
resource claims, cluster IPs, IP families, traffic policies, load balancer fields, update-time
rules (immutability, resourceVersion), owner references, managed fields, the docker-config
Secret types, and the admission plugins that run after validation. Quantities that do not
parse are reported here as ``Invalid value``; the real server rejects them earlier, while
decoding the request.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Final

from kubelab.api.errors import FieldError, GoLiteral, go_quote
from kubelab.api.kinds import kind_info
from kubelab.api.names import (
    NameValidator,
    is_config_map_key,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_relaxed_env_var_name,
    is_valid_ip,
    is_valid_label_value,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_label,
    name_is_dns_subdomain,
    name_validator_for_kind,
    regex_error,
    validate_path_segment_name,
)
from kubelab.api.quantity import Quantity, QuantityError, parse_quantity
from kubelab.api.selectors import SelectorError, selector_from_dict

__all__ = [
    "MAX_SECRET_SIZE",
    "NODE_PORT_RANGE",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "validate",
    "validate_label_selector",
    "validate_labels",
    "validate_object_meta",
    "validate_pod_spec",
]

#: objectmeta.go TotalAnnotationSizeLimitB: 256 KiB of annotation keys plus values.
TOTAL_ANNOTATION_SIZE_LIMIT: Final = 256 * (1 << 10)
#: core/types.go MaxSecretSize: 1 MiB of ConfigMap or Secret data.
MAX_SECRET_SIZE: Final = 1 * 1024 * 1024
#: kube-apiserver --service-node-port-range default (options.DefaultServiceNodePortRange).
NODE_PORT_RANGE: Final = (30000, 32767)

_IS_NEGATIVE: Final = "must be greater than or equal to 0"  # apimachinery IsNegativeErrorMsg
_SUPPORTED_PROTOCOLS: Final = ("SCTP", "TCP", "UDP")  # sets.List(supportedPortProtocols)
_SUPPORTED_PULL_POLICIES: Final = ("Always", "IfNotPresent", "Never")
_SUPPORTED_SERVICE_TYPES: Final = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_SUPPORTED_SESSION_AFFINITY: Final = ("ClientIP", "None")
_STANDARD_FINALIZERS: Final = frozenset({"kubernetes", "orphan", "foregroundDeletion"})

# ----------------------------------------------------------------------------- small helpers

ErrorList = list[FieldError]


def _m(value: Any) -> Mapping[str, Any]:
    if type(value) is dict:  # the common case, without the slower abstract-class check
        return value
    return value if isinstance(value, Mapping) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _i(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _child(path: str, *names: str) -> str:
    for name in names:
        path = f"{path}.{name}" if path else name
    return path


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): v if isinstance(v, str) else "" for k, v in _m(value).items()}


def _go_str_map(labels: Mapping[str, str] | None) -> object:
    if labels is None:
        return GoLiteral("map[string]string(nil)")
    return dict(labels)


def _go_struct(type_name: str, fields: Sequence[tuple[str, str]]) -> GoLiteral:
    body = ", ".join(f"{name}:{value}" for name, value in fields)
    return GoLiteral(f"{type_name}{{{body}}}")


def _dns1123_label(value: str, path: str) -> ErrorList:
    """core ValidateDNS1123Label."""
    return [FieldError.invalid(path, value, msg) for msg in is_dns1123_label(value)]


def _dns1123_subdomain(value: str, path: str) -> ErrorList:
    """core ValidateDNS1123Subdomain."""
    return [FieldError.invalid(path, value, msg) for msg in is_dns1123_subdomain(value)]


def _nonnegative(value: int, path: str) -> ErrorList:
    """ValidateNonnegativeField."""
    return [FieldError.invalid(path, value, _IS_NEGATIVE)] if value < 0 else []


# ----------------------------------------------------------------------------- metadata


def validate_labels(labels: Any, path: str) -> ErrorList:
    """metav1 validation ``ValidateLabels``: every key a qualified name, every value valid.

    Go iterates the map in random order; keys are taken in sorted order here.
    """
    errs: ErrorList = []
    raw = labels if type(labels) is dict else _m(labels)
    for key in sorted(raw, key=str) if len(raw) > 1 else raw:
        value = raw[key]
        msgs = is_qualified_name(str(key))
        if msgs:
            errs += [FieldError.invalid(path, key, msg) for msg in msgs]
        text = value if isinstance(value, str) else ""
        msgs = is_valid_label_value(text)
        if msgs:
            errs += [FieldError.invalid(path, text, msg) for msg in msgs]
    return errs


def _validate_annotations(annotations: Any, path: str) -> ErrorList:
    # objectmeta.go ValidateAnnotations: keys are qualified names ignoring case; 256 KiB total.
    errs: ErrorList = []
    raw = _m(annotations)
    total = 0
    for key in sorted(raw, key=str):
        errs += [FieldError.invalid(path, key, msg) for msg in is_qualified_name(str(key).lower())]
        value = raw[key]
        total += len(str(key).encode()) + len(value.encode() if isinstance(value, str) else b"")
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(FieldError.too_long(path, "", TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def _validate_finalizers(finalizers: Any, path: str, kube_rule: bool) -> ErrorList:
    errs: ErrorList = []
    names = [f for f in _l(finalizers) if isinstance(f, str)]
    for name in names:
        errs += [FieldError.invalid(path, name, msg) for msg in is_qualified_name(name)]
    # objectmeta.go ValidateFinalizers
    if "orphan" in names and "foregroundDeletion" in names:
        errs.append(
            FieldError.invalid(
                path, names, "finalizer orphan and foregroundDeletion cannot be both set"
            )
        )
    if kube_rule:
        # core validation.go validateKubeFinalizerName
        for name in names:
            if "/" not in name and name not in _STANDARD_FINALIZERS:
                errs.append(
                    FieldError.invalid(
                        path,
                        name,
                        "name is neither a standard finalizer name nor is it fully qualified",
                    )
                )
    return errs


def validate_object_meta(
    meta: Any,
    namespaced: bool,
    name_fn: NameValidator,
    path: str = "metadata",
    kube_finalizers: bool = True,
) -> ErrorList:
    """objectmeta.go ``ValidateObjectMetaAccessor`` (plus core's finalizer rule).

    ``name`` may be missing when ``generateName`` is set (the server generates it). The
    namespace of a namespaced object is checked when present (the server fills it from the
    request URL); a cluster-scoped object's namespace is ignored (the server clears it).
    """
    errs: ErrorList = []
    get = (meta if type(meta) is dict else _m(meta)).get
    # (every object passes here: `type(x) is str` first spares the common case a call)
    generate_name = get("generateName")
    if type(generate_name) is not str:
        generate_name = _s(generate_name)
    name = get("name")
    if type(name) is not str:
        name = _s(name)
    if generate_name:
        msgs = name_fn(generate_name, True)
        if msgs:
            errs += [
                FieldError.invalid(_child(path, "generateName"), generate_name, msg) for msg in msgs
            ]
    if not name:
        if not generate_name:
            errs.append(
                FieldError.required(_child(path, "name"), "name or generateName is required")
            )
    else:
        msgs = name_fn(name, False)
        if msgs:
            errs += [FieldError.invalid(_child(path, "name"), name, msg) for msg in msgs]
    namespace = get("namespace")
    if type(namespace) is not str:
        namespace = _s(namespace)
    if namespaced and namespace:
        msgs = name_is_dns_label(namespace, False)
        if msgs:
            errs += [FieldError.invalid(_child(path, "namespace"), namespace, msg) for msg in msgs]
    generation = get("generation")
    if generation is not None:
        generation = _i(generation)
        if generation is not None:
            errs += _nonnegative(generation, _child(path, "generation"))
    # (an empty or missing map or list has nothing to report: skip building its path)
    labels, annotations, finalizers = get("labels"), get("annotations"), get("finalizers")
    if labels:
        errs += validate_labels(labels, _child(path, "labels"))
    if annotations:
        errs += _validate_annotations(annotations, _child(path, "annotations"))
    if finalizers:
        errs += _validate_finalizers(finalizers, _child(path, "finalizers"), kube_finalizers)
    return errs


def validate_label_selector(selector: Any, path: str) -> ErrorList:
    """metav1 validation ``ValidateLabelSelector`` (values must be valid label values)."""
    errs: ErrorList = []
    if selector is None:
        return errs
    sel = _m(selector)
    errs += validate_labels(sel.get("matchLabels"), _child(path, "matchLabels"))
    for i, expr in enumerate(_l(sel.get("matchExpressions"))):
        epath = f"{_child(path, 'matchExpressions')}[{i}]"
        e = _m(expr)
        op = _s(e.get("operator"))
        values = [v for v in _l(e.get("values")) if isinstance(v, str)]
        if op in ("In", "NotIn"):
            if not values:
                errs.append(
                    FieldError.required(
                        _child(epath, "values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    )
                )
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(
                    FieldError.forbidden(
                        _child(epath, "values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        else:
            errs.append(
                FieldError.invalid(_child(epath, "operator"), op, "not a valid selector operator")
            )
        key = _s(e.get("key"))
        errs += [
            FieldError.invalid(_child(epath, "key"), key, msg) for msg in is_qualified_name(key)
        ]
        for j, value in enumerate(values):
            errs += [
                FieldError.invalid(f"{_child(epath, 'values')}[{j}]", value, msg)
                for msg in is_valid_label_value(value)
            ]
    return errs


def _go_label_selector(selector: Mapping[str, Any]) -> GoLiteral:
    # %#v of a metav1.LabelSelector value.
    labels = selector.get("matchLabels")
    if labels is None:
        labels_text = "map[string]string(nil)"
    else:
        items = ", ".join(
            f"{go_quote(str(k))}:{go_quote(_s(v))}" for k, v in sorted(_m(labels).items())
        )
        labels_text = f"map[string]string{{{items}}}"
    exprs = selector.get("matchExpressions")
    if exprs is None:
        exprs_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = []
        for expr in _l(exprs):
            e = _m(expr)
            raw_values = e.get("values")
            if raw_values is None:
                values_text = "[]string(nil)"
            else:
                values_text = "[]string{" + ", ".join(go_quote(_s(v)) for v in _l(raw_values)) + "}"
            parts.append(
                f"v1.LabelSelectorRequirement{{Key:{go_quote(_s(e.get('key')))}, "
                f"Operator:{go_quote(_s(e.get('operator')))}, Values:{values_text}}}"
            )
        exprs_text = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return GoLiteral(
        f"v1.LabelSelector{{MatchLabels:{labels_text}, MatchExpressions:{exprs_text}}}"
    )


# ----------------------------------------------------------------------------- containers

#: The keys of core/v1 VolumeSource, each naming one kind of volume (k8s.io/api core/v1
#: types.go VolumeSource), in the order validation reports them.
VOLUME_SOURCES: Final = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)

_VOLUME_SOURCES: Final = VOLUME_SOURCES
_VOLUME_SOURCE_SET: Final = frozenset(VOLUME_SOURCES)

_STANDARD_CONTAINER_RESOURCES: Final = frozenset({"cpu", "memory", "ephemeral-storage"})
_STANDARD_RESOURCES: Final = frozenset(
    {
        "cpu",
        "memory",
        "ephemeral-storage",
        "storage",
        "pods",
        "services",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "requests.storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
    }
)


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _is_native_resource(name: str) -> bool:
    # helper.IsNativeResource: no domain, or a *kubernetes.io/ domain.
    return "/" not in name or "kubernetes.io/" in name


def _is_extended_resource(name: str) -> bool:
    # helper.IsExtendedResourceName
    if _is_native_resource(name) or name.startswith("requests."):
        return False
    return not is_qualified_name("requests." + name)


def _overcommit_allowed(name: str) -> bool:
    # helper.IsOvercommitAllowed: native resources other than huge pages.
    return _is_native_resource(name) and not _is_hugepages(name)


def _validate_container_resource_name(name: str, path: str) -> ErrorList:
    # validation.go validateContainerResourceName / validateResourceName
    errs = [FieldError.invalid(path, name, msg) for msg in is_qualified_name(name)]
    if errs:
        return errs
    if "/" not in name:
        if name not in _STANDARD_RESOURCES and not _is_hugepages(name):
            return [
                FieldError.invalid(
                    path, name, "must be a standard resource type or fully qualified"
                )
            ]
        if name not in _STANDARD_CONTAINER_RESOURCES and not _is_hugepages(name):
            return [FieldError.invalid(path, name, "must be a standard resource for containers")]
    elif not _is_native_resource(name) and not _is_extended_resource(name):
        return [FieldError.invalid(path, name, "doesn't follow extended resource name standard")]
    return []


def _parse_quantities(raw: Any, path: str, errs: ErrorList) -> dict[str, tuple[Quantity, str]]:
    out: dict[str, tuple[Quantity, str]] = {}
    for name in sorted(_m(raw), key=str):
        value = _m(raw)[name]
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        try:
            out[str(name)] = (parse_quantity(text), f"{path}[{name}]")
        except QuantityError as err:
            errs.append(FieldError.invalid(f"{path}[{name}]", value, str(err)))
    return out


def _validate_quantity_value(name: str, quantity: Quantity, path: str) -> ErrorList:
    # ValidateResourceQuantityValue: not negative; whole numbers for integer resources. The
    # bad value is the Quantity itself, which prints through String() without quotes.
    errs: ErrorList = []
    if quantity.sign() < 0:
        errs.append(FieldError.invalid(path, GoLiteral(str(quantity)), _IS_NEGATIVE))
    if _is_extended_resource(name) and quantity.milli_value() % 1000 != 0:
        errs.append(FieldError.invalid(path, GoLiteral(str(quantity)), "must be an integer"))
    return errs


def _validate_resources(resources: Any, path: str) -> ErrorList:
    """validation.go ``ValidateResourceRequirements`` for a container."""
    errs: ErrorList = []
    res = _m(resources)
    lim_path, req_path = _child(path, "limits"), _child(path, "requests")
    limits = _parse_quantities(res.get("limits"), lim_path, errs)
    requests = _parse_quantities(res.get("requests"), req_path, errs)
    for name, (quantity, qpath) in limits.items():
        errs += _validate_container_resource_name(name, qpath)
        errs += _validate_quantity_value(name, quantity, qpath)
    for name, (quantity, qpath) in requests.items():
        errs += _validate_container_resource_name(name, qpath)
        errs += _validate_quantity_value(name, quantity, qpath)
        if name in limits:
            limit = limits[name][0]
            if quantity != limit and not _overcommit_allowed(name):
                errs.append(
                    FieldError.invalid(
                        req_path, str(quantity), f"must be equal to {name} limit of {limit}"
                    )
                )
            elif quantity > limit:
                errs.append(
                    FieldError.invalid(
                        req_path,
                        str(quantity),
                        f"must be less than or equal to {name} limit of {limit}",
                    )
                )
        elif not _overcommit_allowed(name):
            errs.append(
                FieldError.required(lim_path, "Limit must be set for non overcommitable resources")
            )
    return errs


def _validate_container_ports(ports: Any, path: str) -> ErrorList:
    # validation.go validateContainerPorts
    errs: ErrorList = []
    names: set[str] = set()
    for i, raw in enumerate(_l(ports)):
        p = _m(raw)
        ipath = f"{path}[{i}]"
        name = _s(p.get("name"))
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                errs += [FieldError.invalid(_child(ipath, "name"), name, m) for m in msgs]
            elif name in names:
                errs.append(FieldError.duplicate(_child(ipath, "name"), name))
            else:
                names.add(name)
        container_port = _i(p.get("containerPort")) or 0
        if container_port == 0:
            errs.append(FieldError.required(_child(ipath, "containerPort"), ""))
        else:
            errs += [
                FieldError.invalid(_child(ipath, "containerPort"), container_port, m)
                for m in is_valid_port_num(container_port)
            ]
        host_port = _i(p.get("hostPort")) or 0
        if host_port != 0:
            errs += [
                FieldError.invalid(_child(ipath, "hostPort"), host_port, m)
                for m in is_valid_port_num(host_port)
            ]
        protocol = p.get("protocol")
        if isinstance(protocol, str) and protocol not in _SUPPORTED_PROTOCOLS:
            if protocol == "":
                errs.append(FieldError.required(_child(ipath, "protocol"), ""))
            else:
                errs.append(
                    FieldError.not_supported(
                        _child(ipath, "protocol"), protocol, _SUPPORTED_PROTOCOLS
                    )
                )
    return errs


def _validate_env(env: Any, path: str) -> ErrorList:
    # validation.go ValidateEnv, with RelaxedEnvironmentVariableValidation (beta, on in 1.32).
    errs: ErrorList = []
    for i, raw in enumerate(_l(env)):
        name = _s(_m(raw).get("name"))
        npath = f"{path}[{i}].name"
        if not name:
            errs.append(FieldError.required(npath, ""))
        else:
            errs += [FieldError.invalid(npath, name, m) for m in is_relaxed_env_var_name(name)]
    return errs


def _validate_volume_mounts(mounts: Any, volumes: AbstractSet[str], path: str) -> ErrorList:
    # validation.go ValidateVolumeMounts
    errs: ErrorList = []
    seen: set[str] = set()
    for i, raw in enumerate(_l(mounts)):
        get = (raw if type(raw) is dict else _m(raw)).get
        name, mount_path = get("name"), get("mountPath")
        if type(name) is not str:
            name = _s(name)
        if type(mount_path) is not str:
            mount_path = _s(mount_path)
        if not name or name not in volumes or not mount_path or mount_path in seen:
            ipath = f"{path}[{i}]"  # (built only when there is something to report)
            if not name:
                errs.append(FieldError.required(_child(ipath, "name"), ""))
            if name not in volumes:
                errs.append(FieldError.not_found(_child(ipath, "name"), name))
            if not mount_path:
                errs.append(FieldError.required(_child(ipath, "mountPath"), ""))
            if mount_path in seen:
                errs.append(
                    FieldError.invalid(_child(ipath, "mountPath"), mount_path, "must be unique")
                )
        seen.add(mount_path)
    return errs


def _validate_container(
    ctr: Mapping[str, Any], volumes: AbstractSet[str], path: str, in_pod: bool
) -> ErrorList:
    # validation.go validateContainerCommon (+ validateContainerOnlyForPod for Pods)
    errs: ErrorList = []
    get = ctr.get
    name = get("name")
    if type(name) is not str:
        name = _s(name)
    if not name:
        errs.append(FieldError.required(_child(path, "name"), ""))
    else:
        msgs = is_dns1123_label(name)
        if msgs:
            errs += [FieldError.invalid(_child(path, "name"), name, m) for m in msgs]
    image = get("image")
    if type(image) is not str:
        image = _s(image)
    if not image:
        errs.append(FieldError.required(_child(path, "image"), ""))
    policy = get("terminationMessagePolicy")
    if isinstance(policy, str) and policy not in ("File", "FallbackToLogsOnError"):
        if policy == "":
            errs.append(FieldError.required(_child(path, "terminationMessagePolicy"), ""))
        else:
            errs.append(
                FieldError.not_supported(
                    _child(path, "terminationMessagePolicy"),
                    policy,
                    ["File", "FallbackToLogsOnError"],
                )
            )
    # (empty or missing lists have nothing to report)
    ports, env, mounts = get("ports"), get("env"), get("volumeMounts")
    if ports:
        errs += _validate_container_ports(ports, _child(path, "ports"))
    if env:
        errs += _validate_env(env, _child(path, "env"))
    if mounts:
        errs += _validate_volume_mounts(mounts, volumes, _child(path, "volumeMounts"))
    pull = get("imagePullPolicy")
    if isinstance(pull, str) and pull not in _SUPPORTED_PULL_POLICIES:
        if pull == "":
            errs.append(FieldError.required(_child(path, "imagePullPolicy"), ""))
        else:
            errs.append(
                FieldError.not_supported(
                    _child(path, "imagePullPolicy"), pull, _SUPPORTED_PULL_POLICIES
                )
            )
    resources = get("resources")
    if type(resources) is not dict:
        resources = _m(resources)
    if resources and (resources.get("limits") or resources.get("requests")):
        errs += _validate_resources(resources, _child(path, "resources"))
    if in_pod and image and image != image.strip():
        errs.append(
            FieldError.invalid(
                _child(path, "image"), image, "must not have leading or trailing whitespace"
            )
        )
    return errs


def _validate_containers(
    containers: Any, volumes: AbstractSet[str], path: str, in_pod: bool, required: bool
) -> ErrorList:
    errs: ErrorList = []
    items = _l(containers)
    if not items:
        return [FieldError.required(path, "")] if required else []
    names: set[str] = set()
    for i, raw in enumerate(items):
        ctr = raw if type(raw) is dict else _m(raw)
        cpath = f"{path}[{i}]"
        errs += _validate_container(ctr, volumes, cpath, in_pod)
        name = ctr.get("name")
        if type(name) is not str:
            name = _s(name)
        if name in names:
            errs.append(FieldError.duplicate(_child(cpath, "name"), name))
        else:
            names.add(name)
    # validation.go checkHostPortConflicts / AccumulateUniqueHostPorts
    used: set[str] = set()
    for ci, raw in enumerate(items):
        ports = (raw if type(raw) is dict else _m(raw)).get("ports")
        if not ports:
            continue
        for pi, port in enumerate(_l(ports)):
            p = _m(port)
            host_port = _i(p.get("hostPort")) or 0
            if host_port == 0:
                continue
            key = f"{_s(p.get('protocol')) or 'TCP'}/{_s(p.get('hostIP'))}/{host_port}"
            if key in used:
                errs.append(FieldError.duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            else:
                used.add(key)
    return errs


def _validate_volumes(volumes: Any, path: str) -> tuple[set[str], ErrorList]:
    # validation.go ValidateVolumes / validateVolumeSource (the count of sources only)
    errs: ErrorList = []
    names: set[str] = set()
    source_set = _VOLUME_SOURCE_SET
    for i, raw in enumerate(_l(volumes)):
        vol = raw if type(raw) is dict else _m(raw)
        sources: list[str] = []
        for k in vol:
            if k in source_set and vol[k] is not None:
                sources.append(k)
        name = vol.get("name")
        if type(name) is not str:
            name = _s(name)
        msgs = is_dns1123_label(name) if name else []
        if len(sources) == 1 and name and not msgs and name not in names:
            names.add(name)  # the common case: nothing to report, no path to build
            continue
        ipath = f"{path}[{i}]"
        vol_errs: ErrorList = []
        if len(sources) > 1:
            sources.sort(key=_VOLUME_SOURCES.index)  # reported in the order of the list
        if not sources:
            vol_errs.append(FieldError.required(ipath, "must specify a volume type"))
        for extra in sources[1:]:
            vol_errs.append(
                FieldError.forbidden(
                    _child(ipath, extra), "may not specify more than 1 volume type"
                )
            )
        if not name:
            vol_errs.append(FieldError.required(_child(ipath, "name"), ""))
        elif msgs:
            vol_errs += [FieldError.invalid(_child(ipath, "name"), name, m) for m in msgs]
        if name in names:
            vol_errs.append(FieldError.duplicate(_child(ipath, "name"), name))
        if vol_errs:
            errs += vol_errs
        else:
            names.add(name)
    return names, errs


def _validate_restart_policy(policy: Any, path: str) -> ErrorList:
    # validation.go validateRestartPolicy (checked only when given: it defaults to Always).
    if not isinstance(policy, str) or policy in ("Always", "OnFailure", "Never"):
        return []
    if policy == "":
        return [FieldError.required(path, "")]
    return [FieldError.not_supported(path, policy, ["Always", "OnFailure", "Never"])]


_TAINT_EFFECTS: Final = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _validate_taint_effect(effect: str, allow_empty: bool, path: str) -> ErrorList:
    # validation.go validateTaintEffect
    if not allow_empty and not effect:
        return [FieldError.required(path, "")]
    if effect in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
        return []
    return [FieldError.not_supported(path, effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"])]


def _validate_tolerations(tolerations: Any, path: str) -> ErrorList:
    # validation.go ValidateTolerations. (Every pod has two, from DefaultTolerationSeconds:
    # the common types are tested inline and an item's path is built only for an error.)
    errs: ErrorList = []
    for i, raw in enumerate(_l(tolerations)):
        get = (raw if type(raw) is dict else _m(raw)).get
        key, op, value, effect = get("key"), get("operator"), get("value"), get("effect")
        if type(key) is not str:
            key = _s(key)
        if type(op) is not str:
            op = _s(op)
        if type(value) is not str:
            value = _s(value)
        if type(effect) is not str:
            effect = _s(effect)
        seconds = get("tolerationSeconds")
        if type(seconds) is not int:
            seconds = _i(seconds)
        if key:
            msgs = is_qualified_name(key)
            if msgs:
                errs += [FieldError.invalid(f"{path}[{i}].key", key, m) for m in msgs]
        elif op != "Exists":
            errs.append(
                FieldError.invalid(
                    f"{path}[{i}].operator",
                    op,
                    'operator must be Exists when `key` is empty, which means "match all values '
                    'and all keys"',
                )
            )
        if seconds is not None and effect != "NoExecute":
            errs.append(
                FieldError.invalid(
                    f"{path}[{i}].effect",
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        if op == "Exists":
            if value:
                seconds_text = "(*int64)(nil)" if seconds is None else "(*int64)(0xc000000000)"
                struct = _go_struct(
                    "core.Toleration",
                    [
                        ("Key", go_quote(key)),
                        ("Operator", go_quote(op)),
                        ("Value", go_quote(value)),
                        ("Effect", go_quote(effect)),
                        ("TolerationSeconds", seconds_text),
                    ],
                )
                errs.append(
                    FieldError.invalid(
                        f"{path}[{i}].operator",
                        struct,
                        "value must be empty when `operator` is 'Exists'",
                    )
                )
        elif op == "Equal" or not op:
            msgs = is_valid_label_value(value) if value else []  # ("" is a valid label value)
            if msgs:
                errs.append(FieldError.invalid(f"{path}[{i}].operator", value, ";".join(msgs)))
        else:
            errs.append(FieldError.not_supported(f"{path}[{i}].operator", op, ["Equal", "Exists"]))
        if effect and effect not in _TAINT_EFFECTS:
            errs += _validate_taint_effect(effect, True, f"{path}[{i}].effect")
    return errs


_NO_VOLUMES: Final[frozenset[str]] = frozenset()


def validate_pod_spec(spec: Any, path: str = "spec", in_pod: bool = True) -> ErrorList:
    """validation.go ``ValidatePodSpec`` for the rules listed in the module docstring."""
    errs: ErrorList = []
    get = (spec if type(spec) is dict else _m(spec)).get
    # (optional fields that are missing or empty have nothing to report: no path is built)
    raw_volumes = get("volumes")
    volumes: AbstractSet[str] = _NO_VOLUMES
    if raw_volumes:
        volumes, vol_errs = _validate_volumes(raw_volumes, _child(path, "volumes"))
        errs += vol_errs
    errs += _validate_containers(
        get("containers"), volumes, _child(path, "containers"), in_pod, True
    )
    init_containers = get("initContainers")
    if init_containers:
        errs += _validate_containers(
            init_containers, volumes, _child(path, "initContainers"), in_pod, False
        )
    policy = get("restartPolicy")
    if isinstance(policy, str) and policy not in ("Always", "OnFailure", "Never"):
        errs += _validate_restart_policy(policy, _child(path, "restartPolicy"))
    node_selector = get("nodeSelector")
    if node_selector:
        errs += validate_labels(node_selector, _child(path, "nodeSelector"))
    sa = get("serviceAccountName")
    if sa and isinstance(sa, str):
        msgs = name_is_dns_subdomain(sa, False)
        if msgs:
            errs += [FieldError.invalid(_child(path, "serviceAccountName"), sa, m) for m in msgs]
    node = get("nodeName")
    if node and isinstance(node, str):
        msgs = name_is_dns_subdomain(node, False)
        if msgs:
            errs += [FieldError.invalid(_child(path, "nodeName"), node, m) for m in msgs]
    deadline = get("activeDeadlineSeconds")
    if deadline is not None:
        deadline = _i(deadline)
        if deadline is not None and not 1 <= deadline <= 2**31 - 1:
            errs.append(
                FieldError.invalid(
                    _child(path, "activeDeadlineSeconds"),
                    deadline,
                    "must be between 1 and 2147483647, inclusive",
                )
            )
    hostname, subdomain = get("hostname"), get("subdomain")
    if hostname and isinstance(hostname, str):
        errs += _dns1123_label(hostname, _child(path, "hostname"))
    if subdomain and isinstance(subdomain, str):
        errs += _dns1123_label(subdomain, _child(path, "subdomain"))
    tolerations = get("tolerations")
    if tolerations:
        errs += _validate_tolerations(tolerations, _child(path, "tolerations"))
    return errs


def _validate_pod_template(template: Any, path: str) -> ErrorList:
    # validation.go ValidatePodTemplateSpec: template metadata (labels, annotations) and spec.
    t = _m(template)
    md = _m(t.get("metadata"))
    errs = validate_labels(md.get("labels"), _child(path, "metadata", "labels"))
    errs += _validate_annotations(md.get("annotations"), _child(path, "metadata", "annotations"))
    errs += validate_pod_spec(t.get("spec"), _child(path, "spec"), in_pod=False)
    return errs


# ----------------------------------------------------------------------------- per kind


def _validate_pod(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    errs = validate_object_meta(obj.get("metadata"), True, name_fn)
    errs += validate_pod_spec(obj.get("spec"))
    return errs


def _go_service_port(protocol: str, port: int) -> GoLiteral:
    return _go_struct(
        "core.ServicePort",
        [
            ("Name", '""'),
            ("Protocol", go_quote(protocol)),
            ("AppProtocol", "(*string)(nil)"),
            ("Port", str(port)),
            ("TargetPort", 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}'),
            ("NodePort", "0"),
        ],
    )


def _validate_service(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # validation.go ValidateService (create)
    errs = validate_object_meta(obj.get("metadata"), True, name_fn)
    spec = _m(obj.get("spec"))
    path = "spec"
    stype = spec.get("type")
    stype_s = stype if isinstance(stype, str) else "ClusterIP"
    headless = _s(spec.get("clusterIP")) == "None"
    ports = [_m(p) for p in _l(spec.get("ports"))]
    if not ports and not headless and stype_s != "ExternalName":
        errs.append(FieldError.required(_child(path, "ports"), ""))
    if stype_s == "ExternalName":
        cname = _s(spec.get("externalName")).removesuffix(".")
        if cname:
            errs += _dns1123_subdomain(cname, _child(path, "externalName"))
        else:
            errs.append(FieldError.required(_child(path, "externalName"), ""))
    names: set[str] = set()
    for i, p in enumerate(ports):
        ppath = f"{path}.ports[{i}]"
        name = _s(p.get("name"))
        if len(ports) > 1 and not name:
            errs.append(FieldError.required(_child(ppath, "name"), ""))
        elif name:
            errs += _dns1123_label(name, _child(ppath, "name"))
            if name in names:
                errs.append(FieldError.duplicate(_child(ppath, "name"), name))
            else:
                names.add(name)
        port = _i(p.get("port")) or 0
        errs += [
            FieldError.invalid(_child(ppath, "port"), port, m) for m in is_valid_port_num(port)
        ]
        protocol = p.get("protocol")
        if isinstance(protocol, str) and protocol not in _SUPPORTED_PROTOCOLS:
            if protocol == "":
                errs.append(FieldError.required(_child(ppath, "protocol"), ""))
            else:
                errs.append(
                    FieldError.not_supported(
                        _child(ppath, "protocol"), protocol, _SUPPORTED_PROTOCOLS
                    )
                )
        target = p.get("targetPort")
        if isinstance(target, int) and not isinstance(target, bool) and target != 0:
            errs += [
                FieldError.invalid(_child(ppath, "targetPort"), target, m)
                for m in is_valid_port_num(target)
            ]
        elif isinstance(target, str):
            errs += [
                FieldError.invalid(_child(ppath, "targetPort"), target, m)
                for m in is_valid_port_name(target)
            ]
    errs += validate_labels(spec.get("selector"), _child(path, "selector"))
    affinity = spec.get("sessionAffinity")
    if isinstance(affinity, str) and affinity not in _SUPPORTED_SESSION_AFFINITY:
        if affinity == "":
            errs.append(FieldError.required(_child(path, "sessionAffinity"), ""))
        else:
            errs.append(
                FieldError.not_supported(
                    _child(path, "sessionAffinity"), affinity, _SUPPORTED_SESSION_AFFINITY
                )
            )
    if isinstance(stype, str) and stype not in _SUPPORTED_SERVICE_TYPES:
        if stype == "":
            errs.append(FieldError.required(_child(path, "type"), ""))
        else:
            errs.append(
                FieldError.not_supported(_child(path, "type"), stype, _SUPPORTED_SERVICE_TYPES)
            )
    if stype_s == "ClusterIP":
        for i, p in enumerate(ports):
            if _i(p.get("nodePort")):
                errs.append(
                    FieldError.forbidden(
                        f"{path}.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
                    )
                )
    node_ports: set[tuple[str, int]] = set()
    for i, p in enumerate(ports):
        node_port = _i(p.get("nodePort")) or 0
        if node_port == 0:
            continue
        key = (_s(p.get("protocol")) or "TCP", node_port)
        if key in node_ports:
            errs.append(FieldError.duplicate(f"{path}.ports[{i}].nodePort", node_port))
        node_ports.add(key)
    seen_ports: set[tuple[str, int]] = set()
    for i, p in enumerate(ports):
        pkey = (_s(p.get("protocol")) or "TCP", _i(p.get("port")) or 0)
        if pkey in seen_ports:
            errs.append(FieldError.duplicate(f"{path}.ports[{i}]", _go_service_port(*pkey)))
        seen_ports.add(pkey)
    if not errs and stype_s in ("NodePort", "LoadBalancer"):
        # pkg/registry/core/service/portallocator: a requested nodePort outside the range.
        lo, hi = NODE_PORT_RANGE
        for i, p in enumerate(ports):
            node_port = _i(p.get("nodePort")) or 0
            if node_port and not lo <= node_port <= hi:
                errs.append(
                    FieldError.invalid(
                        f"{path}.ports[{i}].nodePort",
                        node_port,
                        "provided port is not in the valid range. The range of valid ports is "
                        f"{lo}-{hi}",
                    )
                )
    return errs


def _int_or_percent(value: Any) -> tuple[int, bool] | None:
    # intstr value: (number, is_percent); None when not an int or a "N%" string.
    if isinstance(value, int) and not isinstance(value, bool):
        return value, False
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1]), True
    return None


def _validate_positive_int_or_percent(value: Any, path: str) -> ErrorList:
    # apps validation ValidatePositiveIntOrPercent
    if isinstance(value, str):
        if _int_or_percent(value) is None:
            return [
                FieldError.invalid(
                    path,
                    GoLiteral(value),
                    regex_error(
                        "a valid percent string must be a numeric string followed by an ending '%'",
                        "[0-9]+%",
                        "1%",
                        "93%",
                    ),
                )
            ]
        return []
    number = _i(value)
    return _nonnegative(number, path) if number is not None else []


def _validate_strategy(strategy: Any, path: str) -> ErrorList:
    # apps validation ValidateDeploymentStrategy / ValidateRollingUpdateDeployment
    if strategy is None:
        return []
    st = _m(strategy)
    stype = st.get("type")
    if stype is None:
        stype = "RollingUpdate"  # defaults.go SetDefaults_Deployment
    rolling = st.get("rollingUpdate")
    if stype == "Recreate":
        if rolling is not None:
            return [
                FieldError.forbidden(
                    _child(path, "rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    if stype == "RollingUpdate":
        ru = _m(rolling)
        rpath = _child(path, "rollingUpdate")
        max_unavailable = ru.get("maxUnavailable", "25%")
        max_surge = ru.get("maxSurge", "25%")
        errs = _validate_positive_int_or_percent(max_unavailable, _child(rpath, "maxUnavailable"))
        errs += _validate_positive_int_or_percent(max_surge, _child(rpath, "maxSurge"))
        mu, ms = _int_or_percent(max_unavailable), _int_or_percent(max_surge)
        if mu is not None and ms is not None and mu[0] == 0 and ms[0] == 0:
            errs.append(
                FieldError.invalid(
                    _child(rpath, "maxUnavailable"),
                    GoLiteral(str(max_unavailable)),
                    "may not be 0 when `maxSurge` is 0",
                )
            )
        if mu is not None and mu[1] and mu[0] > 100:
            errs.append(
                FieldError.invalid(
                    _child(rpath, "maxUnavailable"),
                    GoLiteral(str(max_unavailable)),
                    "must not be greater than 100%",
                )
            )
        return errs
    struct = _go_struct(
        "apps.DeploymentStrategy",
        [
            ("Type", go_quote(str(stype))),
            (
                "RollingUpdate",
                "(*apps.RollingUpdateDeployment)(nil)"
                if rolling is None
                else "(*apps.RollingUpdateDeployment)(0xc000000000)",
            ),
        ],
    )
    return [FieldError.not_supported(path, struct, ["Recreate", "RollingUpdate"])]


def _validate_workload(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # apps validation ValidateDeployment / ValidateReplicaSet
    kind = _s(obj.get("kind"))
    errs = validate_object_meta(obj.get("metadata"), True, name_fn)
    spec = _m(obj.get("spec"))
    path = "spec"
    replicas = _i(spec.get("replicas"))
    if replicas is not None:
        errs += _nonnegative(replicas, _child(path, "replicas"))
    if kind == "ReplicaSet":
        errs += _nonnegative(_i(spec.get("minReadySeconds")) or 0, _child(path, "minReadySeconds"))
    raw_selector = spec.get("selector")
    if raw_selector is None:
        errs.append(FieldError.required(_child(path, "selector"), ""))
    else:
        sel = _m(raw_selector)
        errs += validate_label_selector(sel, _child(path, "selector"))
        if not _m(sel.get("matchLabels")) and not _l(sel.get("matchExpressions")):
            # ReplicaSet validation reuses the Deployment wording upstream.
            errs.append(
                FieldError.invalid(
                    _child(path, "selector"),
                    _go_label_selector(sel),
                    "empty selector is invalid for deployment",
                )
            )
    template = _m(spec.get("template"))
    tpath = _child(path, "template")
    try:
        selector = selector_from_dict(_m(raw_selector) if raw_selector is not None else None)
    except SelectorError:
        errs.append(
            FieldError.invalid(
                _child(path, "selector"),
                _go_label_selector(_m(raw_selector)),
                "invalid label selector",
            )
        )
    else:
        # ValidatePodTemplateSpecForReplicaSet
        raw_labels = _m(template.get("metadata")).get("labels")
        labels = _str_map(raw_labels) if raw_labels is not None else None
        if not selector.empty() and not selector.matches(labels or {}):
            errs.append(
                FieldError.invalid(
                    _child(tpath, "metadata", "labels"),
                    _go_str_map(labels),
                    "`selector` does not match template `labels`",
                )
            )
        errs += _validate_pod_template(template, tpath)
        policy = _m(template.get("spec")).get("restartPolicy")
        if isinstance(policy, str) and policy != "Always":
            errs.append(
                FieldError.not_supported(_child(tpath, "spec", "restartPolicy"), policy, ["Always"])
            )
        if _m(template.get("spec")).get("activeDeadlineSeconds") is not None:
            errs.append(
                FieldError.forbidden(
                    _child(tpath, "spec", "activeDeadlineSeconds"),
                    "activeDeadlineSeconds in ReplicaSet is not Supported",
                )
            )
    if kind == "Deployment":
        errs += _validate_strategy(spec.get("strategy"), _child(path, "strategy"))
        min_ready = _i(spec.get("minReadySeconds")) or 0
        errs += _nonnegative(min_ready, _child(path, "minReadySeconds"))
        history = _i(spec.get("revisionHistoryLimit"))
        if history is not None:
            errs += _nonnegative(history, _child(path, "revisionHistoryLimit"))
        deadline = _i(spec.get("progressDeadlineSeconds"))
        if deadline is not None:
            errs += _nonnegative(deadline, _child(path, "progressDeadlineSeconds"))
            if deadline <= min_ready:
                errs.append(
                    FieldError.invalid(
                        _child(path, "progressDeadlineSeconds"),
                        deadline,
                        "must be greater than minReadySeconds",
                    )
                )
    return errs


def _validate_namespace(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # validation.go ValidateNamespace
    errs = validate_object_meta(obj.get("metadata"), False, name_fn)
    for name in _l(_m(obj.get("spec")).get("finalizers")):
        if isinstance(name, str):
            errs += _validate_finalizers([name], "spec.finalizers", True)
    return errs


def _validate_config_map(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # validation.go ValidateConfigMap
    errs = validate_object_meta(obj.get("metadata"), True, name_fn)
    data, binary = _m(obj.get("data")), _m(obj.get("binaryData"))
    total = 0
    for key in sorted(data, key=str):
        errs += [FieldError.invalid(f"data[{key}]", key, m) for m in is_config_map_key(str(key))]
        if key in binary:
            errs.append(
                FieldError.invalid(f"data[{key}]", key, "duplicate of key present in binaryData")
            )
        total += len(_s(data[key]).encode())
    for key in sorted(binary, key=str):
        errs += [
            FieldError.invalid(f"binaryData[{key}]", key, m) for m in is_config_map_key(str(key))
        ]
        if key in data:
            errs.append(
                FieldError.invalid(f"binaryData[{key}]", key, "duplicate of key present in data")
            )
        total += _decoded_len(binary[key])
    if total > MAX_SECRET_SIZE:
        # field.NewPath("") prints as "[]"; the bad value (the object) is not shown.
        errs.append(FieldError.too_long("[]", "", MAX_SECRET_SIZE))
    return errs


def _decoded_len(value: Any) -> int:
    text = _s(value)
    try:
        return len(base64.b64decode(text, validate=False))
    except (binascii.Error, ValueError):
        return len(text.encode())


def _validate_secret(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # validation.go ValidateSecret (stringData is merged into data before validation).
    errs = validate_object_meta(obj.get("metadata"), True, name_fn)
    data = _m(obj.get("data"))
    string_data = _m(obj.get("stringData"))
    sizes: dict[str, int] = {str(k): _decoded_len(v) for k, v in data.items()}
    sizes.update({str(k): len(_s(v).encode()) for k, v in string_data.items()})
    for key in sorted(sizes):
        errs += [FieldError.invalid(f"data[{key}]", key, m) for m in is_config_map_key(key)]
    if sum(sizes.values()) > MAX_SECRET_SIZE:
        errs.append(FieldError.too_long("data", "", MAX_SECRET_SIZE))
    stype = _s(obj.get("type"))
    if stype == "kubernetes.io/service-account-token":
        annotations = _m(_m(obj.get("metadata")).get("annotations"))
        if not _s(annotations.get("kubernetes.io/service-account.name")):
            errs.append(
                FieldError.required("metadata.annotations[kubernetes.io/service-account.name]", "")
            )
    elif stype == "kubernetes.io/basic-auth":
        if not sizes.get("username") and not sizes.get("password"):
            errs.append(FieldError.required("data[username]", ""))
            errs.append(FieldError.required("data[password]", ""))
    elif stype == "kubernetes.io/ssh-auth":
        if not sizes.get("ssh-privatekey"):
            errs.append(FieldError.required("data[ssh-privatekey]", ""))
    elif stype == "kubernetes.io/tls":
        if "tls.crt" not in sizes:
            errs.append(FieldError.required("data[tls.crt]", ""))
        if "tls.key" not in sizes:
            errs.append(FieldError.required("data[tls.key]", ""))
    return errs


def _validate_node(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # validation.go ValidateNode / validateNodeTaints
    errs = validate_object_meta(obj.get("metadata"), False, name_fn)
    path = "spec.taints"
    seen: dict[str, set[str]] = {}
    for i, raw in enumerate(_l(_m(obj.get("spec")).get("taints"))):
        t = _m(raw)
        ipath = f"{path}[{i}]"
        key, value, effect = _s(t.get("key")), _s(t.get("value")), _s(t.get("effect"))
        errs += [FieldError.invalid(_child(ipath, "key"), key, m) for m in is_qualified_name(key)]
        msgs = is_valid_label_value(value)
        if msgs:
            errs.append(FieldError.invalid(_child(ipath, "value"), value, ";".join(msgs)))
        errs += _validate_taint_effect(effect, False, _child(ipath, "effect"))
        if key in seen.get(effect, set()):
            struct = _go_struct(
                "core.Taint",
                [
                    ("Key", go_quote(key)),
                    ("Value", go_quote(value)),
                    ("Effect", go_quote(effect)),
                    ("TimeAdded", "(*v1.Time)(nil)"),
                ],
            )
            errs.append(
                FieldError(
                    ipath, "Duplicate value", struct, "taints must be unique by key and effect pair"
                )
            )
            continue
        seen.setdefault(effect, set()).add(key)
    return errs


def _validate_endpoints(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # validation.go ValidateEndpoints / validateEndpointSubsets
    errs = validate_object_meta(obj.get("metadata"), True, name_fn)
    for i, raw in enumerate(_l(obj.get("subsets"))):
        ss = _m(raw)
        ipath = f"subsets[{i}]"
        addresses, not_ready = _l(ss.get("addresses")), _l(ss.get("notReadyAddresses"))
        if not addresses and not not_ready:
            errs.append(
                FieldError.required(ipath, "must specify `addresses` or `notReadyAddresses`")
            )
        for field_name, items in (("addresses", addresses), ("notReadyAddresses", not_ready)):
            for j, addr in enumerate(items):
                errs += _validate_endpoint_address(_m(addr), f"{ipath}.{field_name}[{j}]")
        ports = _l(ss.get("ports"))
        for j, raw_port in enumerate(ports):
            p = _m(raw_port)
            ppath = f"{ipath}.ports[{j}]"
            name = _s(p.get("name"))
            if len(ports) > 1 and not name:
                errs.append(FieldError.required(_child(ppath, "name"), ""))
            elif name:
                errs += _dns1123_label(name, _child(ppath, "name"))
            port = _i(p.get("port")) or 0
            errs += [
                FieldError.invalid(_child(ppath, "port"), port, m) for m in is_valid_port_num(port)
            ]
            protocol = p.get("protocol")
            if isinstance(protocol, str) and protocol not in _SUPPORTED_PROTOCOLS:
                errs.append(
                    FieldError.not_supported(
                        _child(ppath, "protocol"), protocol, _SUPPORTED_PROTOCOLS
                    )
                    if protocol
                    else FieldError.required(_child(ppath, "protocol"), "")
                )
    return errs


def _validate_endpoint_address(addr: Mapping[str, Any], path: str) -> ErrorList:
    # validation.go validateEndpointAddress / ValidateNonSpecialIP
    ip = _s(addr.get("ip"))
    ip_path = _child(path, "ip")
    errs = [FieldError.invalid(ip_path, ip, m) for m in is_valid_ip(ip)]
    hostname = _s(addr.get("hostname"))
    if hostname:
        errs += _dns1123_label(hostname, _child(path, "hostname"))
    node = addr.get("nodeName")
    if isinstance(node, str):
        errs += [
            FieldError.invalid(_child(path, "nodeName"), node, m)
            for m in name_is_dns_subdomain(node, False)
        ]
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        errs.append(FieldError.invalid(ip_path, ip, "must be a valid IP address"))
        return errs
    if parsed.is_unspecified:
        errs.append(FieldError.invalid(ip_path, ip, f"may not be unspecified ({ip})"))
    if parsed.is_loopback:
        errs.append(
            FieldError.invalid(
                ip_path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"
            )
        )
    if parsed.is_link_local:
        errs.append(
            FieldError.invalid(
                ip_path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
            )
        )
    if (parsed.version == 4 and parsed in ipaddress.ip_network("224.0.0.0/24")) or (
        parsed.version == 6 and parsed in ipaddress.ip_network("ff02::/16")
    ):
        errs.append(
            FieldError.invalid(
                ip_path,
                ip,
                "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
            )
        )
    return errs


def _validate_endpoint_slice(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # discovery validation ValidateEndpointSlice
    errs = validate_object_meta(obj.get("metadata"), True, name_fn)
    address_type = _s(obj.get("addressType"))
    if not address_type:
        errs.append(FieldError.required("addressType", ""))
    elif address_type not in ("FQDN", "IPv4", "IPv6"):
        errs.append(FieldError.not_supported("addressType", address_type, ["FQDN", "IPv4", "IPv6"]))
    for i, raw in enumerate(_l(obj.get("endpoints"))):
        apath = f"endpoints[{i}].addresses"
        addresses = [a for a in _l(_m(raw).get("addresses")) if isinstance(a, str)]
        if not addresses:
            errs.append(FieldError.required(apath, "must contain at least 1 address"))
        elif len(addresses) > 100:
            errs.append(FieldError.too_many(apath, len(addresses), 100))
        for j, address in enumerate(addresses):
            try:
                parsed = ipaddress.ip_address(address)
            except ValueError:
                parsed = None
            if address_type == "IPv4" and (parsed is None or parsed.version != 4):
                errs.append(
                    FieldError.invalid(f"{apath}[{j}]", address, "must be a valid IPv4 address")
                )
            elif address_type == "IPv6" and (parsed is None or parsed.version != 6):
                errs.append(
                    FieldError.invalid(f"{apath}[{j}]", address, "must be a valid IPv6 address")
                )
    return errs


def _validate_lease(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # coordination validation ValidateLeaseSpec
    errs = validate_object_meta(obj.get("metadata"), True, name_fn, kube_finalizers=False)
    spec = _m(obj.get("spec"))
    duration = _i(spec.get("leaseDurationSeconds"))
    if duration is not None and duration <= 0:
        errs.append(
            FieldError.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0")
        )
    transitions = _i(spec.get("leaseTransitions"))
    if transitions is not None and transitions < 0:
        errs.append(FieldError.invalid("spec.leaseTransitions", transitions, _IS_NEGATIVE))
    return errs


_RBAC_GROUP: Final = "rbac.authorization.k8s.io"


def _validate_policy_rules(rules: Any, namespaced: bool) -> ErrorList:
    # rbac validation ValidatePolicyRule
    errs: ErrorList = []
    for i, raw in enumerate(_l(rules)):
        rule = _m(raw)
        path = f"rules[{i}]"
        if not _l(rule.get("verbs")):
            errs.append(
                FieldError.required(_child(path, "verbs"), "verbs must contain at least one value")
            )
        urls = _l(rule.get("nonResourceURLs"))
        if urls:
            if namespaced:
                errs.append(
                    FieldError.invalid(
                        _child(path, "nonResourceURLs"),
                        urls,
                        "namespaced rules cannot apply to non-resource URLs",
                    )
                )
            if (
                _l(rule.get("apiGroups"))
                or _l(rule.get("resources"))
                or _l(rule.get("resourceNames"))
            ):
                errs.append(
                    FieldError.invalid(
                        _child(path, "nonResourceURLs"),
                        urls,
                        "rules cannot apply to both regular resources and non-resource URLs",
                    )
                )
            continue
        if not _l(rule.get("apiGroups")):
            errs.append(
                FieldError.required(
                    _child(path, "apiGroups"), "resource rules must supply at least one api group"
                )
            )
        if not _l(rule.get("resources")):
            errs.append(
                FieldError.required(
                    _child(path, "resources"), "resource rules must supply at least one resource"
                )
            )
    return errs


def _validate_role(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    namespaced = _s(obj.get("kind")) == "Role"
    errs = validate_object_meta(obj.get("metadata"), namespaced, name_fn, kube_finalizers=False)
    return errs + _validate_policy_rules(obj.get("rules"), namespaced)


def _validate_binding(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    # rbac validation ValidateRoleBinding / ValidateClusterRoleBinding / ValidateRoleBindingSubject
    namespaced = _s(obj.get("kind")) == "RoleBinding"
    errs = validate_object_meta(obj.get("metadata"), namespaced, name_fn, kube_finalizers=False)
    ref = _m(obj.get("roleRef"))
    if _s(ref.get("apiGroup")) != _RBAC_GROUP:
        errs.append(
            FieldError.not_supported("roleRef.apiGroup", _s(ref.get("apiGroup")), [_RBAC_GROUP])
        )
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if _s(ref.get("kind")) not in kinds:
        errs.append(FieldError.not_supported("roleRef.kind", _s(ref.get("kind")), kinds))
    ref_name = _s(ref.get("name"))
    if not ref_name:
        errs.append(FieldError.required("roleRef.name", ""))
    else:
        errs += [
            FieldError.invalid("roleRef.name", ref_name, m)
            for m in validate_path_segment_name(ref_name, False)
        ]
    for i, raw in enumerate(_l(obj.get("subjects"))):
        subject = _m(raw)
        path = f"subjects[{i}]"
        name, kind = _s(subject.get("name")), _s(subject.get("kind"))
        group = subject.get("apiGroup")
        if not name:
            errs.append(FieldError.required(_child(path, "name"), ""))
        if kind == "ServiceAccount":
            if name:
                errs += [
                    FieldError.invalid(_child(path, "name"), name, m)
                    for m in name_is_dns_subdomain(name, False)
                ]
            if _s(group):
                errs.append(FieldError.not_supported(_child(path, "apiGroup"), _s(group), [""]))
            if not namespaced and not _s(subject.get("namespace")):
                errs.append(FieldError.required(_child(path, "namespace"), ""))
        elif kind in ("User", "Group"):
            # v1 defaulting fills an empty apiGroup with rbac.authorization.k8s.io.
            if group is not None and _s(group) not in ("", _RBAC_GROUP):
                errs.append(
                    FieldError.not_supported(_child(path, "apiGroup"), _s(group), [_RBAC_GROUP])
                )
        else:
            errs.append(
                FieldError.not_supported(
                    _child(path, "kind"), kind, ["ServiceAccount", "User", "Group"]
                )
            )
    return errs


def _validate_service_account(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    return validate_object_meta(obj.get("metadata"), True, name_fn)


def _validate_event(obj: Mapping[str, Any], name_fn: NameValidator) -> ErrorList:
    errs = validate_object_meta(obj.get("metadata"), True, name_fn, kube_finalizers=False)
    namespace = _s(_m(obj.get("metadata")).get("namespace"))
    if _s(obj.get("apiVersion")).startswith("events.k8s.io/"):
        # validation.go ValidateEventCreate, strict rules for events.k8s.io/v1.
        if not _s(obj.get("eventTime")):
            errs.append(FieldError.required("eventTime", ""))
        etype = _s(obj.get("type"))
        if etype not in ("Normal", "Warning"):
            errs.append(FieldError.invalid("type", "", f"has invalid value: {etype}"))
        controller = _s(obj.get("reportingController"))
        if not controller:
            errs.append(FieldError.required("reportingController", ""))
        errs += [
            FieldError.invalid("reportingController", controller, m)
            for m in is_qualified_name(controller)
        ]
        for fld in ("reportingInstance", "action", "reason"):
            if not _s(obj.get(fld)):
                errs.append(FieldError.required(fld, ""))
        return errs
    # legacyValidateEvent: an event without eventTime must agree with its object's namespace.
    involved = _s(_m(obj.get("involvedObject")).get("namespace"))
    if not _s(obj.get("eventTime")) and namespace:
        if not involved:
            if namespace != "default":
                errs.append(
                    FieldError.invalid(
                        "involvedObject.namespace", involved, "does not match event.namespace"
                    )
                )
        elif namespace != involved:
            errs.append(
                FieldError.invalid(
                    "involvedObject.namespace", involved, "does not match event.namespace"
                )
            )
    if namespace:
        errs += [
            FieldError.invalid("namespace", namespace, m) for m in is_dns1123_subdomain(namespace)
        ]
    return errs


_Validator = Callable[[Mapping[str, Any], NameValidator], ErrorList]

_VALIDATORS: Final[dict[str, _Validator]] = {
    "Pod": _validate_pod,
    "Service": _validate_service,
    "Deployment": _validate_workload,
    "ReplicaSet": _validate_workload,
    "Namespace": _validate_namespace,
    "ConfigMap": _validate_config_map,
    "Secret": _validate_secret,
    "Node": _validate_node,
    "ServiceAccount": _validate_service_account,
    "Endpoints": _validate_endpoints,
    "EndpointSlice": _validate_endpoint_slice,
    "Lease": _validate_lease,
    "Role": _validate_role,
    "ClusterRole": _validate_role,
    "RoleBinding": _validate_binding,
    "ClusterRoleBinding": _validate_binding,
    "Event": _validate_event,
}


def validate(obj: Mapping[str, Any]) -> list[FieldError]:
    """Validate one object as the API server does on create; an empty list means valid.

    The object is a manifest dict (as :func:`kubelab.api.load_manifests` returns). A kind
    kubelab does not know gets the ObjectMeta checks only, with the DNS subdomain name rule.
    Raise the result as an error with ``InvalidError.for_object(obj, errors)``.
    """
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if type(kind) is not str:
        kind = _s(kind)
    if type(api_version) is not str:
        api_version = _s(api_version)
    name_fn = name_validator_for_kind(kind, api_version)
    validator = _VALIDATORS.get(kind)
    if validator is None:
        try:
            namespaced = kind_info(api_version, kind).namespaced
        except KeyError:
            namespaced = True
        return validate_object_meta(obj.get("metadata"), namespaced, name_fn)
    return validator(obj, name_fn)
