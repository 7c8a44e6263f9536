"""Load Kubernetes manifests (YAML or JSON, one or many documents) into plain dicts.

:func:`load_manifests` does what ``kubectl apply -f`` does before anything reaches the API
server, and what the API server's decoder checks first:

* YAML is read the way ``sigs.k8s.io/yaml`` reads it (JSON is YAML, so JSON works too): dates stay
  strings, keys become strings, whole-number floats become integers (Go turns YAML into JSON
  through ``float64``); a key repeated in one mapping is an error;
* empty documents (a bare ``---``, or only comments) are skipped, as kubectl skips them;
* a ``kind: List`` document is replaced by its ``items`` (kubectl's ``FlattenListVisitor``);
* each object needs ``kind`` and ``apiVersion`` (``Object 'Kind' is missing in '...'``), and the
  pair must be a kind kubelab serves (``no matches for kind "Podz" in version "v1"``);
* field types are checked against a schema of the common fields of each kind, in the order Go's
  JSON decoder meets them, with its wording: ``Pod in version "v1" cannot be handled as a Pod:
  json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string``.
  Secret ``data`` and ConfigMap ``binaryData`` must be base64 (``illegal base64 data at input
  byte 4``).

Type-checked fields: ``metadata`` (name, generateName, namespace, uid, resourceVersion, labels,
annotations, finalizers, ownerReferences, generation) for every kind, and per kind --
Pod ``spec`` (containers and initContainers: name, image, imagePullPolicy, command, args,
workingDir, ports, env, resources, volumeMounts; restartPolicy, nodeName, nodeSelector,
serviceAccountName, schedulerName, volumes, tolerations, hostNetwork, priority, ...),
Deployment/ReplicaSet ``spec`` (replicas, selector, template, strategy, minReadySeconds, ...),
Service ``spec`` (type, selector, ports, clusterIP, ...), ConfigMap/Secret data, Namespace and
Node ``spec``, Lease ``spec``, RBAC rules/roleRef/subjects, ServiceAccount, Endpoints subsets,
EndpointSlice endpoints/ports, Event fields. Unknown fields are let through (the real server's
strict field validation, which rejects them, is not modelled); semantic rules live in
:mod:`kubelab.api.validation`.

Loading is all-or-nothing: any problem raises :class:`ManifestError` and returns nothing.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from kubelab.api.kinds import NoKindMatchError, kind_info
from kubelab.api.quantity import ERR_FORMAT_WRONG

__all__ = ["MANIFEST_SUFFIXES", "ManifestError", "load_manifests"]

#: File name endings that make a string a path rather than YAML text (kubectl's FileExtensions).
MANIFEST_SUFFIXES: Final = (".yaml", ".yml", ".json")

_STRING_SOURCE: Final = "<string>"


class ManifestError(ValueError):
    """A manifest that cannot be loaded.

    Attributes: ``source`` (the file name, or ``"<string>"``), ``document_index`` (0-based
    position of the YAML document in the file, counting empty ones; ``None`` if unknown),
    ``field`` (a path such as ``spec.containers[0].image``, or ``None``), ``rule`` (what is
    wrong, in kubectl's or the API server's words), and for YAML syntax errors ``line`` and
    ``column`` (1-based).
    """

    def __init__(
        self,
        source: str,
        document_index: int | None,
        field: str | None,
        rule: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source = source
        self.document_index = document_index
        self.field = field
        self.rule = rule
        self.line = line
        self.column = column
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """``error parsing "pod.yaml" (document 0, field metadata.name): <rule>``."""
        where = []
        if self.document_index is not None:
            where.append(f"document {self.document_index}")
        if self.field is not None:
            where.append(f"field {self.field}")
        place = f" ({', '.join(where)})" if where else ""
        return f'error parsing "{self.source}"{place}: {self.rule}'

    def __str__(self) -> str:
        return self.message


# ----------------------------------------------------------------------------- YAML reading


class _DuplicateKeyError(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp rule, and strict about repeated keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                hashable = key in seen
            except TypeError:
                continue
            if hashable:
                raise _DuplicateKeyError(str(key), key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# go-yaml leaves timestamp-looking scalars as strings when decoding into interface{}.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_DOC_START: Final = re.compile(r"---(?:[ \t]|$)")


def _document_at_line(text: str, line: int) -> int:
    """Which document (0-based) holds 0-based ``line``: count ``---`` markers before it."""
    lines = text.splitlines()
    markers = 0
    content_before_first_marker = False
    for i, raw in enumerate(lines[: line + 1]):
        if _DOC_START.match(raw):
            if i == line:
                break
            markers += 1
        elif markers == 0 and raw.strip() and not raw.lstrip().startswith(("#", "%")):
            content_before_first_marker = True
    if markers == 0:
        return 0
    return markers if content_before_first_marker else markers - 1


def _go_key(key: object) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, float) and key == int(key):
        return str(int(key))
    return str(key)


def _jsonable(value: Any) -> Any:
    """What the YAML value becomes after Go's YAML -> JSON -> object round trip."""
    if isinstance(value, dict):
        return {_go_key(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


# ----------------------------------------------------------------------------- type schema


@dataclass(frozen=True)
class _T:
    """A field type: its JSON shape and the Go type named in decode errors."""

    shape: str  # string, int, bool, object, array, map, quantity, intorstr, bytes, any
    go: str  # Go type as reflect prints it: "string", "int32", "v1.PodSpec", "[]v1.Container"
    fields: Mapping[str, _T] = field(default_factory=dict)
    elem: _T | None = None

    @property
    def struct(self) -> str:
        return self.go.rpartition(".")[2]


_STR: Final = _T("string", "string")
_I32: Final = _T("int", "int32")
_I64: Final = _T("int", "int64")
_BOOL: Final = _T("bool", "bool")
_ANY: Final = _T("any", "interface {}")
_INTSTR: Final = _T("intorstr", "intstr.IntOrString")
_QUANTITY: Final = _T("quantity", "resource.Quantity")
_BYTES: Final = _T("bytes", "[]uint8")


def _obj(go: str, **fields: _T) -> _T:
    return _T("object", go, fields)


def _arr(elem: _T) -> _T:
    return _T("array", "[]" + elem.go, elem=elem)


def _map(elem: _T, go: str | None = None) -> _T:
    return _T("map", go or "map[string]" + elem.go, elem=elem)


_STRS: Final = _arr(_STR)
_STR_MAP: Final = _map(_STR)

_OBJECT_META: Final = _obj(
    "v1.ObjectMeta",
    name=_STR,
    generateName=_STR,
    namespace=_STR,
    uid=_STR,
    resourceVersion=_STR,
    generation=_I64,
    labels=_STR_MAP,
    annotations=_STR_MAP,
    finalizers=_STRS,
    ownerReferences=_arr(
        _obj(
            "v1.OwnerReference",
            apiVersion=_STR,
            kind=_STR,
            name=_STR,
            uid=_STR,
            controller=_BOOL,
            blockOwnerDeletion=_BOOL,
        )
    ),
)
_OBJECT_REFERENCE: Final = _obj(
    "v1.ObjectReference",
    kind=_STR,
    namespace=_STR,
    name=_STR,
    uid=_STR,
    apiVersion=_STR,
    resourceVersion=_STR,
    fieldPath=_STR,
)
_LABEL_SELECTOR: Final = _obj(
    "v1.LabelSelector",
    matchLabels=_STR_MAP,
    matchExpressions=_arr(
        _obj("v1.LabelSelectorRequirement", key=_STR, operator=_STR, values=_STRS)
    ),
)
_RESOURCE_LIST: Final = _map(_QUANTITY, "v1.ResourceList")
_CONTAINER: Final = _obj(
    "v1.Container",
    name=_STR,
    image=_STR,
    imagePullPolicy=_STR,
    command=_STRS,
    args=_STRS,
    workingDir=_STR,
    ports=_arr(
        _obj(
            "v1.ContainerPort",
            name=_STR,
            hostPort=_I32,
            containerPort=_I32,
            protocol=_STR,
            hostIP=_STR,
        )
    ),
    env=_arr(_obj("v1.EnvVar", name=_STR, value=_STR)),
    resources=_obj("v1.ResourceRequirements", limits=_RESOURCE_LIST, requests=_RESOURCE_LIST),
    volumeMounts=_arr(
        _obj("v1.VolumeMount", name=_STR, readOnly=_BOOL, mountPath=_STR, subPath=_STR)
    ),
    terminationMessagePath=_STR,
    terminationMessagePolicy=_STR,
    stdin=_BOOL,
    tty=_BOOL,
)
_POD_SPEC: Final = _obj(
    "v1.PodSpec",
    volumes=_arr(_obj("v1.Volume", name=_STR)),
    initContainers=_arr(_CONTAINER),
    containers=_arr(_CONTAINER),
    restartPolicy=_STR,
    terminationGracePeriodSeconds=_I64,
    activeDeadlineSeconds=_I64,
    dnsPolicy=_STR,
    nodeSelector=_STR_MAP,
    serviceAccountName=_STR,
    automountServiceAccountToken=_BOOL,
    nodeName=_STR,
    hostNetwork=_BOOL,
    hostname=_STR,
    subdomain=_STR,
    schedulerName=_STR,
    tolerations=_arr(
        _obj(
            "v1.Toleration",
            key=_STR,
            operator=_STR,
            value=_STR,
            effect=_STR,
            tolerationSeconds=_I64,
        )
    ),
    priorityClassName=_STR,
    priority=_I32,
)
_POD_TEMPLATE_SPEC: Final = _obj("v1.PodTemplateSpec", metadata=_OBJECT_META, spec=_POD_SPEC)
_SUBJECT: Final = _obj("v1.Subject", kind=_STR, apiGroup=_STR, name=_STR, namespace=_STR)
_ROLE_REF: Final = _obj("v1.RoleRef", apiGroup=_STR, kind=_STR, name=_STR)
_POLICY_RULE: Final = _obj(
    "v1.PolicyRule",
    verbs=_STRS,
    apiGroups=_STRS,
    resources=_STRS,
    resourceNames=_STRS,
    nonResourceURLs=_STRS,
)

# The top-level fields of each kind, besides apiVersion/kind/metadata.
_KIND_FIELDS: Final[dict[str, dict[str, _T]]] = {
    "Pod": {"spec": _POD_SPEC},
    "Deployment": {
        "spec": _obj(
            "v1.DeploymentSpec",
            replicas=_I32,
            selector=_LABEL_SELECTOR,
            template=_POD_TEMPLATE_SPEC,
            strategy=_obj(
                "v1.DeploymentStrategy",
                type=_STR,
                rollingUpdate=_obj(
                    "v1.RollingUpdateDeployment", maxUnavailable=_INTSTR, maxSurge=_INTSTR
                ),
            ),
            minReadySeconds=_I32,
            revisionHistoryLimit=_I32,
            paused=_BOOL,
            progressDeadlineSeconds=_I32,
        )
    },
    "ReplicaSet": {
        "spec": _obj(
            "v1.ReplicaSetSpec",
            replicas=_I32,
            minReadySeconds=_I32,
            selector=_LABEL_SELECTOR,
            template=_POD_TEMPLATE_SPEC,
        )
    },
    "Service": {
        "spec": _obj(
            "v1.ServiceSpec",
            ports=_arr(
                _obj(
                    "v1.ServicePort",
                    name=_STR,
                    protocol=_STR,
                    appProtocol=_STR,
                    port=_I32,
                    targetPort=_INTSTR,
                    nodePort=_I32,
                )
            ),
            selector=_STR_MAP,
            clusterIP=_STR,
            clusterIPs=_STRS,
            type=_STR,
            externalIPs=_STRS,
            sessionAffinity=_STR,
            loadBalancerIP=_STR,
            externalName=_STR,
            externalTrafficPolicy=_STR,
            internalTrafficPolicy=_STR,
        )
    },
    "ConfigMap": {"immutable": _BOOL, "data": _STR_MAP, "binaryData": _map(_BYTES)},
    "Secret": {
        "immutable": _BOOL,
        "data": _map(_BYTES),
        "stringData": _STR_MAP,
        "type": _STR,
    },
    "Namespace": {"spec": _obj("v1.NamespaceSpec", finalizers=_STRS)},
    "Node": {
        "spec": _obj(
            "v1.NodeSpec",
            podCIDR=_STR,
            podCIDRs=_STRS,
            providerID=_STR,
            unschedulable=_BOOL,
            taints=_arr(_obj("v1.Taint", key=_STR, value=_STR, effect=_STR)),
        )
    },
    "ServiceAccount": {
        "secrets": _arr(_OBJECT_REFERENCE),
        "imagePullSecrets": _arr(_obj("v1.LocalObjectReference", name=_STR)),
        "automountServiceAccountToken": _BOOL,
    },
    "Endpoints": {
        "subsets": _arr(
            _obj(
                "v1.EndpointSubset",
                addresses=_arr(_obj("v1.EndpointAddress", ip=_STR, hostname=_STR, nodeName=_STR)),
                notReadyAddresses=_arr(
                    _obj("v1.EndpointAddress", ip=_STR, hostname=_STR, nodeName=_STR)
                ),
                ports=_arr(_obj("v1.EndpointPort", name=_STR, port=_I32, protocol=_STR)),
            )
        )
    },
    "EndpointSlice": {
        "addressType": _STR,
        "endpoints": _arr(
            _obj(
                "v1.Endpoint",
                addresses=_STRS,
                conditions=_obj(
                    "v1.EndpointConditions", ready=_BOOL, serving=_BOOL, terminating=_BOOL
                ),
                hostname=_STR,
                nodeName=_STR,
                zone=_STR,
            )
        ),
        "ports": _arr(_obj("v1.EndpointPort", name=_STR, protocol=_STR, port=_I32)),
    },
    "Lease": {
        "spec": _obj(
            "v1.LeaseSpec",
            holderIdentity=_STR,
            leaseDurationSeconds=_I32,
            acquireTime=_STR,
            renewTime=_STR,
            leaseTransitions=_I32,
        )
    },
    "Role": {"rules": _arr(_POLICY_RULE)},
    "ClusterRole": {"rules": _arr(_POLICY_RULE)},
    "RoleBinding": {"subjects": _arr(_SUBJECT), "roleRef": _ROLE_REF},
    "ClusterRoleBinding": {"subjects": _arr(_SUBJECT), "roleRef": _ROLE_REF},
}

_CORE_EVENT_FIELDS: Final[dict[str, _T]] = {
    "involvedObject": _OBJECT_REFERENCE,
    "reason": _STR,
    "message": _STR,
    "source": _obj("v1.EventSource", component=_STR, host=_STR),
    "firstTimestamp": _STR,
    "lastTimestamp": _STR,
    "count": _I32,
    "type": _STR,
    "eventTime": _STR,
    "action": _STR,
    "reportingComponent": _STR,
    "reportingInstance": _STR,
}
_EVENTS_V1_FIELDS: Final[dict[str, _T]] = {
    "eventTime": _STR,
    "reportingController": _STR,
    "reportingInstance": _STR,
    "action": _STR,
    "reason": _STR,
    "regarding": _OBJECT_REFERENCE,
    "related": _OBJECT_REFERENCE,
    "note": _STR,
    "type": _STR,
    "deprecatedCount": _I32,
}


def _top_level_type(api_version: str, kind: str) -> _T:
    if kind == "Event":
        extra = (
            _EVENTS_V1_FIELDS if api_version.startswith("events.k8s.io/") else _CORE_EVENT_FIELDS
        )
    else:
        extra = _KIND_FIELDS.get(kind, {})
    return _T("object", f"v1.{kind}", {"metadata": _OBJECT_META, **extra})


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"


_INT_RANGES: Final = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _base64_error(text: str) -> int | None:
    """Where Go's ``base64.StdEncoding.Decode`` fails on ``text`` (None if it decodes)."""
    src = text.encode("utf-8")
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    n = len(src)
    si = 0
    while True:
        j = 0
        while j < 4:
            if si == n:
                return None if j == 0 else si - j
            ch = src[si]
            si += 1
            if ch in b"\r\n":
                continue
            if ch in alphabet:
                j += 1
                continue
            if ch != ord("="):
                return si - 1
            # Padding.
            if j in (0, 1):
                return si - 1
            if j == 2:
                while si < n and src[si] in b"\r\n":
                    si += 1
                if si == n:
                    return n
                if src[si] != ord("="):
                    return si - 1
                si += 1
            while si < n and src[si] in b"\r\n":
                si += 1
            return si if si < n else None


class _TypeError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(path, message)
        self.path = path
        self.message = message


def _check(value: Any, typ: _T, path: str, go_path: str, struct: str) -> None:
    """Raise _TypeError for the first value Go's decoder would refuse (keys in sorted order)."""
    if value is None or typ.shape == "any":
        return  # JSON null decodes to the zero value.
    got = _json_type(value)

    def refuse(what: str, go_type: str | None = None) -> _TypeError:
        return _TypeError(
            path,
            f"json: cannot unmarshal {what} into Go struct field {struct}.{go_path} "
            f"of type {go_type or typ.go}",
        )

    shape = typ.shape
    if shape == "string":
        if got != "string":
            raise refuse(got)
    elif shape == "bool":
        if got != "bool":
            raise refuse(got)
    elif shape == "int":
        if got != "number":
            raise refuse(got)
        lo, hi = _INT_RANGES[typ.go]
        if isinstance(value, float) or not lo <= value <= hi:
            raise refuse(f"number {value}")
    elif shape == "intorstr":
        if got not in ("string", "number"):
            raise _TypeError(path, f"json: cannot unmarshal {got} into Go value of type int32")
    elif shape == "quantity":
        if got not in ("string", "number"):
            raise _TypeError(path, ERR_FORMAT_WRONG)
    elif shape == "bytes":
        if got != "string":
            raise refuse(got)
        offset = _base64_error(value)
        if offset is not None:
            raise _TypeError(path, f"illegal base64 data at input byte {offset}")
    elif shape == "array":
        if got != "array":
            raise refuse(got)
        assert typ.elem is not None
        for i, item in enumerate(value):
            elem = typ.elem
            if elem.shape == "object" and _json_type(item) not in ("object", "null"):
                raise _TypeError(
                    f"{path}[{i}]",
                    f"json: cannot unmarshal {_json_type(item)} into Go struct field "
                    f"{struct}.{go_path} of type {elem.go}",
                )
            _check(item, elem, f"{path}[{i}]", go_path, struct)
    elif shape == "map":
        if got != "object":
            raise refuse(got)
        assert typ.elem is not None
        for key in sorted(value):
            _check(value[key], typ.elem, f"{path}[{key}]", go_path, struct)
    elif shape == "object":
        if got != "object":
            raise refuse(got)
        for key in sorted(value):
            sub = typ.fields.get(key)
            if sub is None:
                continue
            child_path = f"{path}.{key}" if path else key
            child_go = f"{go_path}.{key}" if go_path else key
            _check(value[key], sub, child_path, child_go, typ.struct)


# ----------------------------------------------------------------------------- documents


def _compact_json(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _check_object(
    obj: Any, source: str, index: int, prefix: str, out: list[dict[str, Any]]
) -> None:
    def fail(field_name: str | None, rule: str) -> ManifestError:
        full = None
        if field_name is not None or prefix:
            full = ".".join(p for p in (prefix, field_name or "") if p) or None
        return ManifestError(source, index, full, rule)

    if not isinstance(obj, dict):
        raise fail(
            None,
            f"json: cannot unmarshal {_json_type(obj)} into Go value of type "
            "map[string]interface {}",
        )
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    for name, value in (("kind", kind), ("apiVersion", api_version)):
        if value is not None and not isinstance(value, str):
            raise fail(
                name,
                f"json: cannot unmarshal {_json_type(value)} into Go struct field "
                f"TypeMeta.{name} of type string",
            )
    # runtime/error.go: missingKindErr / missingVersionErr, printing the object as JSON.
    if not kind:
        raise fail("kind", f"Object 'Kind' is missing in '{_compact_json(obj)}'")
    if not api_version:
        raise fail("apiVersion", f"Object 'apiVersion' is missing in '{_compact_json(obj)}'")
    if kind == "List":
        items = obj.get("items")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise fail(
                "items",
                f"json: cannot unmarshal {_json_type(items)} into Go struct field List.items "
                "of type []runtime.RawExtension",
            )
        for i, item in enumerate(items):
            _check_object(
                item, source, index, f"{prefix}.items[{i}]" if prefix else f"items[{i}]", out
            )
        return
    try:
        info = kind_info(api_version, kind)
    except NoKindMatchError as err:
        raise fail("kind", str(err)) from None
    try:
        _check(obj, _top_level_type(api_version, kind), "", "", info.kind)
    except _TypeError as err:
        version = info.version
        raise fail(
            err.path or None,
            f'{info.kind} in version "{version}" cannot be handled as a {info.kind}: {err.message}',
        ) from None
    out.append(obj)


def _load_text(text: str, source: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    index = -1
    try:
        for index, doc in enumerate(yaml.load_all(text, Loader=_Loader)):  # a SafeLoader
            if doc is None:
                continue  # an empty document
            _check_object(_jsonable(doc), source, index, "", out)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "invalid YAML"
        if mark is None:
            raise ManifestError(
                source, None, None, f"error converting YAML to JSON: yaml: {problem}"
            ) from None
        raise ManifestError(
            source,
            _document_at_line(text, mark.line),
            None,
            f"error converting YAML to JSON: yaml: line {mark.line + 1}, column {mark.column + 1}: "
            f"{problem}",
            line=mark.line + 1,
            column=mark.column + 1,
        ) from None
    except yaml.YAMLError as err:
        raise ManifestError(
            source, None, None, f"error converting YAML to JSON: yaml: {err}"
        ) from None
    except _DuplicateKeyError as err:
        raise ManifestError(
            source,
            _document_at_line(text, err.line - 1),
            None,
            "error converting YAML to JSON: yaml: unmarshal errors: "
            f'line {err.line}: key "{err.key}" already set in map',
            line=err.line,
        ) from None
    return out


def _read(path: Path) -> list[dict[str, Any]]:
    source = str(path)
    if not path.exists():
        raise ManifestError(source, None, None, f'the path "{source}" does not exist')
    if path.is_dir():
        out: list[dict[str, Any]] = []
        for child in sorted(path.iterdir()):
            if child.is_file() and child.suffix in MANIFEST_SUFFIXES:
                out.extend(_read(child))
        return out
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ManifestError(source, None, None, f"cannot read the file: {err}") from None
    return _load_text(text, source)


def load_manifests(text_or_path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Load every object from YAML/JSON text, a file, or a directory of files.

    ``text_or_path`` is a :class:`pathlib.Path` (or other ``os.PathLike``), or a string. A string
    on one line that ends in ``.yaml``, ``.yml`` or ``.json`` is taken as a file name (an error if
    the file does not exist); any other string is YAML text (its source is ``"<string>"``). A
    directory loads its ``.yaml``/``.yml``/``.json`` files in name order, like ``kubectl apply -f
    dir/``.

    Returns plain dicts in document order, ``kind: List`` items expanded, empty documents
    skipped. Raises :class:`ManifestError` on the first problem; nothing is returned then.
    """
    if isinstance(text_or_path, str):
        if "\n" not in text_or_path and text_or_path.strip().endswith(MANIFEST_SUFFIXES):
            return _read(Path(text_or_path.strip()))
        return _load_text(text_or_path, _STRING_SOURCE)
    return _read(Path(text_or_path))
