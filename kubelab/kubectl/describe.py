"""``kubectl describe``: the multi-section report of one object.

Layout, wording and order follow ``k8s.io/kubectl/pkg/describe/describe.go`` (kubectl 1.32):
each line is written with a two-space indent per level, fields are separated from their
values by a tab, and a Go ``text/tabwriter`` (minwidth 0, padding 2) aligns each run of lines
(:mod:`kubelab.kubectl.tabwriter`). The Events table is aligned on its own (describe.go flushes
the writer before it) and sorted by ``lastTimestamp``; an empty event list prints
``Events:  <none>``.

The caller passes what kubectl would have fetched besides the object: its ``events`` (``None``
means ``--show-events=false``), and per kind ``pods`` (Node: pods bound to it; ReplicaSet: its
pods), ``lease`` (Node: ``kube-node-lease/<name>``), ``replica_sets`` (Deployment),
``endpoint_slices`` (Service), ``resource_quotas`` and ``limit_ranges`` (Namespace).

Times print as ``time.RFC1123Z`` in UTC (kubectl uses the machine's zone); ages are
``HumanDuration(now - t)``. Map iteration that Go leaves random (ConfigMap data, LimitRange
resources) is sorted.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from kubelab.api.quantity import Quantity, QuantityError, parse_quantity
from kubelab.api.selectors import SelectorError, selector_from_dict
from kubelab.kubectl.goformat import format_labels, go_v, rfc1123z
from kubelab.kubectl.printers import cell_age, core_event, node_roles
from kubelab.kubectl.tabwriter import DESCRIBE, tabwrite
from kubelab.sim.clock import parse_timestamp

__all__ = ["describe", "describe_events", "pod_qos_class"]

Obj = Mapping[str, Any]

#: describe.go maxAnnotationLen.
MAX_ANNOTATION_LEN: Final = 140
#: Annotations describe never prints (skipAnnotations).
SKIP_ANNOTATIONS: Final = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})


# ----------------------------------------------------------------------------- small helpers


def _m(obj: Any, key: str) -> dict[str, Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, dict) else {}


def _opt(obj: Any, key: str) -> dict[str, Any] | None:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, dict) else None


def _l(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, list) else []


def _s(obj: Any, key: str, default: str = "") -> str:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, str) else default


def _i(obj: Any, key: str, default: int = 0) -> int:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _b(obj: Any, key: str) -> bool:
    return isinstance(obj, Mapping) and obj.get(key) is True


def _bool(value: bool) -> str:
    """Go ``%v`` / ``%t`` of a bool."""
    return "true" if value else "false"


def _int_or_string(value: Any) -> str:
    """``intstr.IntOrString.String()``."""
    if isinstance(value, bool) or value is None:
        return "0" if value is None else str(value)
    return str(value)


def _quantity(value: Any) -> Quantity:
    if value is None:
        return parse_quantity("0")
    try:
        return parse_quantity(str(value))
    except QuantityError:
        return parse_quantity("0")


def _selector(selector: Any) -> str:
    try:
        return str(selector_from_dict(selector if isinstance(selector, Mapping) else None))
    except SelectorError:
        return "<error>"


def _format_label_selector(selector: Any) -> str:
    """``metav1.FormatLabelSelector``."""
    try:
        text = str(selector_from_dict(selector if isinstance(selector, Mapping) else None))
    except SelectorError:
        return "<error>"
    return text or "<none>"


def _controller_of(obj: Obj) -> Obj | None:
    for ref in _l(_m(obj, "metadata"), "ownerReferences"):
        if isinstance(ref, Mapping) and ref.get("controller") is True:
            return ref
    return None


def _go_int64(f: float) -> int:
    """``int64(f)`` on amd64: truncation; NaN and infinities give the minimum int64."""
    if math.isnan(f) or math.isinf(f):
        return -(2**63)
    return int(f)


def _ratio(num: int, den: int) -> float:
    """``float64(num) / float64(den) * 100`` with Go's IEEE division by zero."""
    if den == 0:
        if num == 0:
            return math.nan
        return math.inf if num > 0 else -math.inf
    return num / den * 100


class _Writer:
    """describe.go ``prefixWriter`` over a ``tabwriter.Writer``; :meth:`flush` ends a
    tabwriter flush (the Events table is aligned separately)."""

    def __init__(self) -> None:
        self._segments: list[list[str]] = [[]]

    def write(self, level: int, text: str) -> None:
        # printers.WriteEscaped: neutralise terminal escapes.
        self._segments[-1].append(("  " * level + text).replace("\x1b", "^[").replace("\r", "\\r"))

    def line(self, text: str) -> None:
        """``WriteLine``: ``fmt.Sprintln``."""
        self.write(0, text + "\n")

    def flush(self) -> None:
        self._segments.append([])

    def render(self) -> str:
        return "".join(tabwrite("".join(seg), DESCRIBE) for seg in self._segments)


def _labels_multiline(
    w: _Writer,
    title: str,
    labels: Mapping[str, Any] | None,
    initial_indent: str = "",
    inner_indent: str = "\t",
) -> None:
    """``printLabelsMultilineWithIndent``: one ``key=value`` per line, sorted."""
    w.write(0, f"{initial_indent}{title}:{inner_indent}")
    keys = sorted(labels or {})
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, initial_indent)
            w.write(0, inner_indent)
        w.write(0, f"{key}={go_v((labels or {})[key])}\n")


def _shorten(s: str, max_length: int) -> str:
    raw = s.encode()
    if len(raw) > max_length:
        return raw[:max_length].decode(errors="ignore") + "..."
    return s


def _annotations_multiline(w: _Writer, title: str, annotations: Mapping[str, Any] | None) -> None:
    """``printAnnotationsMultiline``: long or multi-line values go on their own lines."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k not in SKIP_ANNOTATIONS)
    if not keys:
        w.line("<none>")
        return
    indent = "\t"
    for i, key in enumerate(keys):
        if i:
            w.write(0, indent)
        value = str((annotations or {})[key])
        if value.endswith("\n"):
            value = value[:-1]
        if len(value.encode()) + len(key.encode()) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                w.write(0, f"{indent}  {_shorten(part, MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _tolerations_multiline(
    w: _Writer, title: str, tolerations: list[Any], initial_indent: str = ""
) -> None:
    """``printTolerationsMultilineWithIndent``."""
    w.write(0, f"{initial_indent}{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    ordered = sorted(tolerations, key=lambda t: _s(t, "key"))
    for i, t in enumerate(ordered):
        if i:
            w.write(0, initial_indent)
            w.write(0, "\t")
        text = _s(t, "key")
        if _s(t, "value"):
            text += "=" + _s(t, "value")
        if _s(t, "effect"):
            text += ":" + _s(t, "effect")
        if _s(t, "operator") == "Exists" and not _s(t, "value"):
            text += " op=Exists" if _s(t, "key") or _s(t, "effect") else "op=Exists"
        if isinstance(t.get("tolerationSeconds"), int):
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def _taint_string(taint: Obj) -> str:
    """``Taint.ToString``: ``key=value:Effect`` or ``key:Effect``."""
    if not _s(taint, "value"):
        return f"{_s(taint, 'key')}:{_s(taint, 'effect')}"
    return f"{_s(taint, 'key')}={_s(taint, 'value')}:{_s(taint, 'effect')}"


def _taints_multiline(w: _Writer, title: str, taints: list[Any]) -> None:
    w.write(0, f"{title}:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda t: _s(t, "effect") + "," + _s(t, "key"))
    for i, taint in enumerate(ordered):
        if i:
            w.write(0, "\t")
        w.write(0, _taint_string(taint) + "\n")


# ----------------------------------------------------------------------------- events


def describe_events(events: Sequence[Obj], now: float) -> str:
    """``DescribeEvents`` on its own: the ``Type Reason Age From Message`` table, oldest first.

    Age is the first occurrence's age; repeated events read ``2m (x3 over 5m)`` (last seen,
    count, first seen). An empty list prints ``Events:  <none>``.
    """
    w = _Writer()
    _events(w, events, now)
    return w.render()


def _events(writer: _Writer, events: Sequence[Obj], now: float) -> None:
    if not events:
        writer.write(0, "Events:\t<none>\n")
        return
    writer.flush()
    items = [core_event(e) for e in events]

    def last_seen(e: Obj) -> float:
        value = e.get("lastTimestamp")
        return parse_timestamp(value) if isinstance(value, str) and value else -math.inf

    # sort.Sort(SortableEvents): by lastTimestamp (insertion sort for small lists: stable).
    items.sort(key=last_seen)
    writer.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    writer.write(1, "----\t------\t----\t----\t-------\n")
    for e in items:
        if isinstance(e.get("eventTime"), str) and e.get("eventTime"):
            first = cell_age(e.get("eventTime"), now)
        else:
            first = cell_age(e.get("firstTimestamp"), now)
        series = e.get("series")
        if isinstance(series, Mapping):
            interval = (
                f"{cell_age(series.get('lastObservedTime'), now)} "
                f"(x{_i(series, 'count')} over {first})"
            )
        elif _i(e, "count") > 1:
            interval = f"{cell_age(e.get('lastTimestamp'), now)} (x{_i(e, 'count')} over {first})"
        else:
            interval = first
        source = _s(_m(e, "source"), "component") or _s(e, "reportingComponent")
        writer.write(
            1,
            f"{_s(e, 'type')}\t{_s(e, 'reason')}\t{interval}\t{source}\t"
            f"{_s(e, 'message').strip()}\n",
        )


# ----------------------------------------------------------------------------- containers


def _probe(probe: Obj) -> str:
    """``DescribeProbe`` (probe defaults: timeout 1 s, period 10 s, success 1, failure 3)."""
    attrs = (
        f"delay={_i(probe, 'initialDelaySeconds')}s timeout={_i(probe, 'timeoutSeconds', 1)}s "
        f"period={_i(probe, 'periodSeconds', 10)}s #success={_i(probe, 'successThreshold', 1)} "
        f"#failure={_i(probe, 'failureThreshold', 3)}"
    )
    exec_ = _opt(probe, "exec")
    http = _opt(probe, "httpGet")
    tcp = _opt(probe, "tcpSocket")
    grpc = _opt(probe, "grpc")
    if exec_ is not None:
        return f"exec {go_v(_l(exec_, 'command'))} {attrs}"
    if http is not None:
        scheme = _s(http, "scheme", "HTTP").lower()
        port = _int_or_string(http.get("port"))
        host = _s(http, "host")
        if port:
            host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        url = f"{scheme}:" if scheme else ""
        url += "//" + host
        path = _s(http, "path")
        if path and not path.startswith("/") and host:
            url += "/"
        url += path
        return f"http-get {url} {attrs}"
    if tcp is not None:
        return f"tcp-socket {_s(tcp, 'host')}:{_int_or_string(tcp.get('port'))} {attrs}"
    if grpc is not None:
        return f"grpc <pod>:{_i(grpc, 'port')} {_s(grpc, 'service')} {attrs}"
    return f"unknown {attrs}"


def _field_value(pod: Obj, field_path: str) -> str:
    """``fieldpath.ExtractFieldPathAsString`` for the paths the downward API allows."""
    meta = _m(pod, "metadata")
    for prefix, source in (("metadata.labels", "labels"), ("metadata.annotations", "annotations")):
        if field_path.startswith(prefix + "['") and field_path.endswith("']"):
            key = field_path[len(prefix) + 2 : -2]
            return str(_m(meta, source).get(key, ""))
        if field_path == prefix:
            values = _m(meta, source)
            return "\n".join(f'{k}="{values[k]}"' for k in sorted(values))
    simple = {
        "metadata.name": _s(meta, "name"),
        "metadata.namespace": _s(meta, "namespace"),
        "metadata.uid": _s(meta, "uid"),
        "spec.nodeName": _s(_m(pod, "spec"), "nodeName"),
        "spec.serviceAccountName": _s(_m(pod, "spec"), "serviceAccountName"),
        "status.hostIP": _s(_m(pod, "status"), "hostIP"),
        "status.podIP": _s(_m(pod, "status"), "podIP"),
        "status.hostIPs": ",".join(_s(x, "ip") for x in _l(_m(pod, "status"), "hostIPs")),
        "status.podIPs": ",".join(_s(x, "ip") for x in _l(_m(pod, "status"), "podIPs")),
    }
    return simple.get(field_path, "")


def _resource_value(ref: Obj, container: Obj) -> str:
    """``ExtractContainerResourceValue``: the container's limit or request in divisor units."""
    resources = _m(container, "resources")
    resource = _s(ref, "resource")
    divisor_text = ref.get("divisor")
    divisor = _quantity(divisor_text) if divisor_text not in (None, "0") else parse_quantity("1")
    if divisor.is_zero():
        divisor = parse_quantity("1")
    section, _, name = resource.partition(".")
    amount = _quantity(_m(resources, section).get(name))
    if name == "cpu":
        return str(-(-amount.milli_value() // divisor.milli_value()))
    if name in ("memory", "ephemeral-storage") or name.startswith("hugepages-"):
        return str(-(-amount.value() // divisor.value()))
    return ""


def _describe_env(w: _Writer, container: Obj, pod: Obj | None) -> None:
    env_from = _l(container, "envFrom")
    if env_from:
        w.write(2, "Environment Variables from:\n")
        for e in env_from:
            cm = _opt(e, "configMapRef")
            secret = _opt(e, "secretRef")
            src = cm if cm is not None else secret
            kind = "ConfigMap" if cm is not None else ("Secret" if secret is not None else "")
            optional = _bool(_b(src, "optional"))
            if _s(e, "prefix"):
                w.write(
                    3,
                    f"{_s(src, 'name')}\t{kind} with prefix '{_s(e, 'prefix')}'\t"
                    f"Optional: {optional}\n",
                )
            else:
                w.write(3, f"{_s(src, 'name')}\t{kind}\tOptional: {optional}\n")
    env = _l(container, "env")
    w.write(2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for e in env:
        value_from = _opt(e, "valueFrom")
        name = _s(e, "name")
        if value_from is None:
            for i, part in enumerate(_s(e, "value").split("\n")):
                w.write(3, f"{name}:\t{part}\n" if i == 0 else f"\t{part}\n")
            continue
        field_ref = _opt(value_from, "fieldRef")
        resource_ref = _opt(value_from, "resourceFieldRef")
        secret_ref = _opt(value_from, "secretKeyRef")
        cm_ref = _opt(value_from, "configMapKeyRef")
        if field_ref is not None:
            value = _field_value(pod, _s(field_ref, "fieldPath")) if pod is not None else ""
            w.write(
                3,
                f"{name}:\t{value} ({_s(field_ref, 'apiVersion', 'v1')}:"
                f"{_s(field_ref, 'fieldPath')})\n",
            )
        elif resource_ref is not None:
            value = _resource_value(resource_ref, container)
            resource = _s(resource_ref, "resource")
            if value == "0" and resource in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{name}:\t{value} ({resource})\n")
        elif secret_ref is not None:
            w.write(
                3,
                f"{name}:\t<set to the key '{_s(secret_ref, 'key')}' in secret "
                f"'{_s(secret_ref, 'name')}'>\tOptional: {_bool(_b(secret_ref, 'optional'))}\n",
            )
        elif cm_ref is not None:
            w.write(
                3,
                f"{name}:\t<set to the key '{_s(cm_ref, 'key')}' of config map "
                f"'{_s(cm_ref, 'name')}'>\tOptional: {_bool(_b(cm_ref, 'optional'))}\n",
            )


def _describe_state(w: _Writer, title: str, state: Obj) -> None:
    """``describeStatus``."""
    running = _opt(state, "running")
    waiting = _opt(state, "waiting")
    terminated = _opt(state, "terminated")
    if running is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(running.get('startedAt'))}\n")
    elif waiting is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if _s(waiting, "reason"):
            w.write(3, f"Reason:\t{_s(waiting, 'reason')}\n")
    elif terminated is not None:
        w.write(2, f"{title}:\tTerminated\n")
        if _s(terminated, "reason"):
            w.write(3, f"Reason:\t{_s(terminated, 'reason')}\n")
        if _s(terminated, "message"):
            w.write(3, f"Message:\t{_s(terminated, 'message')}\n")
        w.write(3, f"Exit Code:\t{_i(terminated, 'exitCode')}\n")
        if _i(terminated, "signal") > 0:
            w.write(3, f"Signal:\t{_i(terminated, 'signal')}\n")
        w.write(3, f"Started:\t{rfc1123z(terminated.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(terminated.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def _describe_resources(w: _Writer, resources: Obj | None, level: int) -> None:
    if resources is None:
        return
    for section, title in (("limits", "Limits"), ("requests", "Requests")):
        values = _m(resources, section)
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{_quantity(values[name])}\n")


def _describe_containers(
    w: _Writer,
    label: str,
    containers: list[Any],
    statuses: list[Any],
    pod: Obj | None,
    space: str,
) -> None:
    by_name = {_s(s, "name"): s for s in statuses}
    w.write(0, f"{space}{label}:{' <none>' if not containers else ''}\n")
    name_indent = " " if space else ""
    for c in containers:
        status = by_name.get(_s(c, "name"))
        w.write(1, f"{name_indent}{_s(c, 'name')}:\n")
        if status is not None:
            w.write(2, f"Container ID:\t{_s(status, 'containerID')}\n")
        w.write(2, f"Image:\t{_s(c, 'image')}\n")
        if status is not None:
            w.write(2, f"Image ID:\t{_s(status, 'imageID')}\n")
        ports = _l(c, "ports")
        port_text = ", ".join(f"{_i(p, 'containerPort')}/{_s(p, 'protocol', 'TCP')}" for p in ports)
        host_text = ", ".join(f"{_i(p, 'hostPort')}/{_s(p, 'protocol', 'TCP')}" for p in ports)
        if "," in port_text:
            w.write(2, f"Ports:\t{port_text}\n")
        else:
            w.write(2, f"Port:\t{port_text or '<none>'}\n")
        if "," in host_text:
            w.write(2, f"Host Ports:\t{host_text}\n")
        else:
            w.write(2, f"Host Port:\t{host_text or '<none>'}\n")
        seccomp = _opt(_m(c, "securityContext"), "seccompProfile")
        if seccomp is not None:
            w.write(2, f"SeccompProfile:\t{_s(seccomp, 'type')}\n")
            if _s(seccomp, "type") == "Localhost":
                w.write(3, f"LocalhostProfile:\t{_s(seccomp, 'localhostProfile')}\n")
        for field, title in (("command", "Command"), ("args", "Args")):
            values = _l(c, field)
            if values:
                w.write(2, f"{title}:\n")
                for value in values:
                    for part in str(value).split("\n"):
                        w.write(3, f"{part}\n")
        if status is not None:
            _describe_state(w, "State", _m(status, "state"))
            last = _m(status, "lastState")
            if _opt(last, "terminated") is not None:
                _describe_state(w, "Last State", last)
            w.write(2, f"Ready:\t{'True' if _b(status, 'ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{_i(status, 'restartCount')}\n")
        _describe_resources(w, _m(c, "resources"), 2)
        for field, title in (
            ("livenessProbe", "Liveness"),
            ("readinessProbe", "Readiness"),
            ("startupProbe", "Startup"),
        ):
            probe = _opt(c, field)
            if probe is not None:
                w.write(2, f"{title}:\t{_probe(probe)}\n")
        _describe_env(w, c, pod)
        mounts = _l(c, "volumeMounts")
        w.write(2, "Mounts:" + ("" if mounts else "\t<none>") + "\n")
        for mount in sorted(mounts, key=lambda m: _s(m, "mountPath")):
            flags = ["ro" if _b(mount, "readOnly") else "rw"]
            if _s(mount, "subPath"):
                flags.append(f'path="{_s(mount, "subPath")}"')
            w.write(3, f"{_s(mount, 'mountPath')} from {_s(mount, 'name')} ({','.join(flags)})\n")
        devices = _l(c, "volumeDevices")
        if devices:
            w.write(2, "Devices:" + ("" if mounts else "\t<none>") + "\n")
            for device in sorted(devices, key=lambda d: _s(d, "devicePath")):
                w.write(3, f"{_s(device, 'devicePath')} from {_s(device, 'name')}\n")


# ----------------------------------------------------------------------------- volumes


def _optional_pointer(obj: Obj, key: str) -> str:
    """``%v`` of a ``*bool``: ``<nil>`` when unset (kubectl prints an address otherwise; the
    value is printed here instead)."""
    value = obj.get(key)
    return "<nil>" if value is None else _bool(value is True)


def _describe_volumes(w: _Writer, volumes: list[Any], space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    name_indent = " " if space else ""
    for v in volumes:
        w.write(1, f"{name_indent}{_s(v, 'name')}:\n")
        host_path = _opt(v, "hostPath")
        empty_dir = _opt(v, "emptyDir")
        secret = _opt(v, "secret")
        config_map = _opt(v, "configMap")
        pvc = _opt(v, "persistentVolumeClaim")
        downward = _opt(v, "downwardAPI")
        projected = _opt(v, "projected")
        csi = _opt(v, "csi")
        if host_path is not None:
            hp_type = host_path.get("type")
            w.write(
                2,
                "Type:\tHostPath (bare host directory volume)\n"
                f"    Path:\t{_s(host_path, 'path')}\n"
                f"    HostPathType:\t{'<none>' if hp_type is None else hp_type}\n",
            )
        elif empty_dir is not None:
            limit = empty_dir.get("sizeLimit")
            size = "<unset>"
            if limit is not None and _quantity(limit).sign() > 0:
                size = str(_quantity(limit))
            w.write(
                2,
                "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                f"    Medium:\t{_s(empty_dir, 'medium')}\n"
                f"    SizeLimit:\t{size}\n",
            )
        elif secret is not None:
            w.write(
                2,
                "Type:\tSecret (a volume populated by a Secret)\n"
                f"    SecretName:\t{_s(secret, 'secretName')}\n"
                f"    Optional:\t{_bool(_b(secret, 'optional'))}\n",
            )
        elif config_map is not None:
            w.write(
                2,
                "Type:\tConfigMap (a volume populated by a ConfigMap)\n"
                f"    Name:\t{_s(config_map, 'name')}\n"
                f"    Optional:\t{_bool(_b(config_map, 'optional'))}\n",
            )
        elif pvc is not None:
            w.write(
                2,
                "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the "
                "same namespace)\n"
                f"    ClaimName:\t{_s(pvc, 'claimName')}\n"
                f"    ReadOnly:\t{_bool(_b(pvc, 'readOnly'))}\n",
            )
        elif downward is not None:
            w.write(
                2,
                "Type:\tDownwardAPI (a volume populated by information about the pod)\n"
                "    Items:\n",
            )
            for item in _l(downward, "items"):
                if _opt(item, "fieldRef") is not None:
                    w.write(3, f"{_s(_m(item, 'fieldRef'), 'fieldPath')} -> {_s(item, 'path')}\n")
                if _opt(item, "resourceFieldRef") is not None:
                    res = _s(_m(item, "resourceFieldRef"), "resource")
                    w.write(3, f"{res} -> {_s(item, 'path')}\n")
        elif projected is not None:
            w.write(
                2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            )
            for source in _l(projected, "sources"):
                if _opt(source, "secret") is not None:
                    src = _m(source, "secret")
                    w.write(
                        2,
                        f"SecretName:\t{_s(src, 'name')}\n"
                        f"    SecretOptionalName:\t{_optional_pointer(src, 'optional')}\n",
                    )
                elif _opt(source, "downwardAPI") is not None:
                    w.write(2, "DownwardAPI:\ttrue\n")
                elif _opt(source, "configMap") is not None:
                    src = _m(source, "configMap")
                    w.write(
                        2,
                        f"ConfigMapName:\t{_s(src, 'name')}\n"
                        f"    ConfigMapOptional:\t{_optional_pointer(src, 'optional')}\n",
                    )
                elif _opt(source, "serviceAccountToken") is not None:
                    seconds = _i(_m(source, "serviceAccountToken"), "expirationSeconds", 3600)
                    w.write(2, f"TokenExpirationSeconds:\t{seconds}\n")
        elif csi is not None:
            w.write(
                2,
                "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
                f"    Driver:\t{_s(csi, 'driver')}\n"
                f"    FSType:\t{_s(csi, 'fsType')}\n"
                f"    ReadOnly:\t{_bool(_b(csi, 'readOnly'))}\n",
            )
            attrs = _m(csi, "volumeAttributes")
            w.write(2, "VolumeAttributes:\t")
            if not attrs:
                w.line("<none>")
            for i, key in enumerate(sorted(attrs)):
                if i:
                    w.write(2, "")
                    w.write(2, "\t")
                text = f"{key}={attrs[key]}"
                if len(text) > MAX_ANNOTATION_LEN:
                    text = text[:MAX_ANNOTATION_LEN] + "..."
                w.write(2, f"{text}\n")
        else:
            w.write(1, "<unknown>\n")


# ----------------------------------------------------------------------------- Pod


def _positive(value: Any) -> bool:
    return _quantity(value).sign() > 0


def pod_qos_class(pod: Obj) -> str:
    """``qos.GetPodQOS``: ``status.qosClass`` if set, else BestEffort / Guaranteed / Burstable
    computed from the cpu and memory requests and limits (``kubectl/pkg/util/qos``)."""
    if _s(_m(pod, "status"), "qosClass"):
        return _s(_m(pod, "status"), "qosClass")
    spec = _m(pod, "spec")
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True

    def add(target: dict[str, Quantity], values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if name in ("cpu", "memory") and _positive(value):
                q = _quantity(value)
                target[name] = target[name] + q if name in target else q

    def limit_covers(values: Mapping[str, Any]) -> bool:
        return all(name in values and _positive(values[name]) for name in ("cpu", "memory"))

    pod_resources = _opt(spec, "resources")
    if pod_resources is not None:
        add(requests, _m(pod_resources, "requests"))
        if "limits" in pod_resources:
            add(limits, _m(pod_resources, "limits"))
            if not limit_covers(_m(pod_resources, "limits")):
                guaranteed = False
    else:
        for c in _l(spec, "containers") + _l(spec, "initContainers"):
            resources = _m(c, "resources")
            add(requests, _m(resources, "requests"))
            add(limits, _m(resources, "limits"))
            if not limit_covers(_m(resources, "limits")):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, req in requests.items():
            if name not in limits or limits[name].cmp(req) != 0:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _describe_pod(pod: Obj, events: Sequence[Obj] | None, now: float) -> str:
    w = _Writer()
    meta = _m(pod, "metadata")
    spec = _m(pod, "spec")
    status = _m(pod, "status")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    if isinstance(spec.get("priority"), int):
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if _s(spec, "priorityClassName"):
        w.write(0, f"Priority Class Name:\t{_s(spec, 'priorityClassName')}\n")
    if _s(spec, "runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{_s(spec, 'runtimeClassName')}\n")
    if _s(spec, "serviceAccountName"):
        w.write(0, f"Service Account:\t{_s(spec, 'serviceAccountName')}\n")
    if not _s(spec, "nodeName"):
        w.write(0, "Node:\t<none>\n")
    else:
        w.write(0, f"Node:\t{_s(spec, 'nodeName')}/{_s(status, 'hostIP')}\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(status.get('startTime'))}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    phase = _s(status, "phase")
    if meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {cell_age(meta.get('deletionTimestamp'), now)})\n")
        w.write(0, f"Termination Grace Period:\t{_i(meta, 'deletionGracePeriodSeconds')}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    if _s(status, "reason"):
        w.write(0, f"Reason:\t{_s(status, 'reason')}\n")
    if _s(status, "message"):
        w.write(0, f"Message:\t{_s(status, 'message')}\n")
    seccomp = _opt(_m(spec, "securityContext"), "seccompProfile")
    if seccomp is not None:
        w.write(0, f"SeccompProfile:\t{_s(seccomp, 'type')}\n")
        if _s(seccomp, "type") == "Localhost":
            w.write(0, f"LocalhostProfile:\t{_s(seccomp, 'localhostProfile')}\n")
    w.write(0, f"IP:\t{_s(status, 'podIP')}\n")
    pod_ips = _l(status, "podIPs")
    if not pod_ips:
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in pod_ips:
            w.write(1, f"IP:\t{_s(ip, 'ip')}\n")
    controller = _controller_of(pod)
    if controller is not None:
        w.write(0, f"Controlled By:\t{_s(controller, 'kind')}/{_s(controller, 'name')}\n")
    if _s(status, "nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{_s(status, 'nominatedNodeName')}\n")
    if _opt(spec, "resources") is not None:
        w.write(0, "Resources:\n")
        _describe_resources(w, _opt(spec, "resources"), 1)
    if _l(spec, "initContainers"):
        _describe_containers(
            w,
            "Init Containers",
            _l(spec, "initContainers"),
            _l(status, "initContainerStatuses"),
            pod,
            "",
        )
    _describe_containers(
        w, "Containers", _l(spec, "containers"), _l(status, "containerStatuses"), pod, ""
    )
    conditions = _l(status, "conditions")
    gates = _l(spec, "readinessGates")
    if gates:
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for gate in gates:
            gate_status = "<none>"
            for c in conditions:
                if _s(c, "type") == _s(gate, "conditionType"):
                    gate_status = _s(c, "status")
                    break
            w.write(1, f"{_s(gate, 'conditionType')} \t{gate_status} \n")
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in conditions:
            w.write(1, f"{_s(c, 'type')} \t{_s(c, 'status')} \n")
    _describe_volumes(w, _l(spec, "volumes"), "")
    w.write(0, f"QoS Class:\t{pod_qos_class(pod)}\n")
    _labels_multiline(w, "Node-Selectors", _m(spec, "nodeSelector"))
    _tolerations_multiline(w, "Tolerations", _l(spec, "tolerations"))
    _topology_spread(w, _l(spec, "topologySpreadConstraints"), "")
    if events is not None:
        _events(w, events, now)
    return w.render()


def _topology_spread(w: _Writer, constraints: list[Any], space: str) -> None:
    if not constraints:
        return
    ordered = sorted(constraints, key=lambda c: _s(c, "topologyKey"))
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, c in enumerate(ordered):
        if i:
            w.write(0, space)
            w.write(0, "\t")
        text = f"{_s(c, 'topologyKey')}:{_s(c, 'whenUnsatisfiable')}"
        text += f" when max skew {_i(c, 'maxSkew')} is exceeded"
        if _opt(c, "labelSelector") is not None:
            text += f" for selector {_format_label_selector(c['labelSelector'])}"
        w.write(0, text + "\n")


def _describe_pod_template(w: _Writer, template: Obj | None) -> None:
    """``DescribePodTemplate``."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    meta = _m(template, "metadata")
    spec = _m(template, "spec")
    _labels_multiline(w, "  Labels", _m(meta, "labels"))
    if _m(meta, "annotations"):
        _annotations_multiline(w, "  Annotations", _m(meta, "annotations"))
    if _s(spec, "serviceAccountName"):
        w.write(1, f"Service Account:\t{_s(spec, 'serviceAccountName')}\n")
    if _l(spec, "initContainers"):
        _describe_containers(w, "Init Containers", _l(spec, "initContainers"), [], None, "  ")
    _describe_containers(w, "Containers", _l(spec, "containers"), [], None, "  ")
    _describe_volumes(w, _l(spec, "volumes"), "  ")
    _topology_spread(w, _l(spec, "topologySpreadConstraints"), "  ")
    if _s(spec, "priorityClassName"):
        w.write(1, f"Priority Class Name:\t{_s(spec, 'priorityClassName')}\n")
    _labels_multiline(w, "  Node-Selectors", _m(spec, "nodeSelector"))
    _tolerations_multiline(w, "  Tolerations", _l(spec, "tolerations"))


# ----------------------------------------------------------------------------- Node

_STANDARD_RESOURCES: Final = frozenset({"cpu", "memory", "ephemeral-storage"})


def _add(target: dict[str, Quantity], values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        q = _quantity(value)
        target[name] = target[name] + q if name in target else q


def _max_into(target: dict[str, Quantity], values: Mapping[str, Quantity]) -> None:
    for name, q in values.items():
        if name not in target or q.cmp(target[name]) > 0:
            target[name] = q


def pod_requests_and_limits(pod: Obj) -> tuple[dict[str, Quantity], dict[str, Quantity]]:
    """``resourcehelper.PodRequestsAndLimits``: containers summed, init containers as a
    maximum (sidecars added), plus pod overhead."""
    spec = _m(pod, "spec")
    result = []
    for section in ("requests", "limits"):
        total: dict[str, Quantity] = {}
        for c in _l(spec, "containers"):
            _add(total, _m(_m(c, "resources"), section))
        sidecars: dict[str, Quantity] = {}
        init_max: dict[str, Quantity] = {}
        for c in _l(spec, "initContainers"):
            values = _m(_m(c, "resources"), section)
            if _s(c, "restartPolicy") == "Always":
                _add(total, values)
                _add(sidecars, values)
                current = dict(sidecars)
            else:
                current = {}
                _add(current, values)
                _add(current, {k: str(v) for k, v in sidecars.items()})
            _max_into(init_max, current)
        _max_into(total, init_max)
        overhead = _m(spec, "overhead")
        if section == "requests":
            _add(total, overhead)
        else:
            for name, value in overhead.items():
                if name in total and not total[name].is_zero():
                    total[name] = total[name] + _quantity(value)
        result.append(total)
    return result[0], result[1]


def _describe_node_resources(w: _Writer, node: Obj, pods: Sequence[Obj], now: float) -> None:
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    )
    w.write(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    )
    status = _m(node, "status")
    allocatable = _m(status, "allocatable") or _m(status, "capacity")
    alloc_cpu = _quantity(allocatable.get("cpu")).milli_value()
    alloc_mem = _quantity(allocatable.get("memory")).value()
    zero = parse_quantity("0")
    for pod in pods:
        req, lim = pod_requests_and_limits(pod)
        cells = []
        for q, den, milli in (
            (req.get("cpu", zero), alloc_cpu, True),
            (lim.get("cpu", zero), alloc_cpu, True),
            (req.get("memory", zero), alloc_mem, False),
            (lim.get("memory", zero), alloc_mem, False),
        ):
            num = q.milli_value() if milli else q.value()
            cells.append(f"{q} ({_go_int64(_ratio(num, den))}%)")
        meta = _m(pod, "metadata")
        w.write(
            1,
            f"{_s(meta, 'namespace')}\t{_s(meta, 'name')}\t\t{cells[0]}\t{cells[1]}\t"
            f"{cells[2]}\t{cells[3]}\t{cell_age(meta.get('creationTimestamp'), now)}\n",
        )
    w.write(
        0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n"
    )
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    reqs: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    for pod in pods:
        r, lim = pod_requests_and_limits(pod)
        _add(reqs, {k: str(v) for k, v in r.items()})
        _add(limits, {k: str(v) for k, v in lim.items()})
    for name, milli in (("cpu", True), ("memory", False), ("ephemeral-storage", False)):
        den_q = _quantity(allocatable.get(name))
        den = den_q.milli_value() if milli else den_q.value()
        rq, lq = reqs.get(name, zero), limits.get(name, zero)
        fr = fl = 0.0
        if den != 0:
            fr = _ratio(rq.milli_value() if milli else rq.value(), den)
            fl = _ratio(lq.milli_value() if milli else lq.value(), den)
        w.write(1, f"{name}\t{rq} ({_go_int64(fr)}%)\t{lq} ({_go_int64(fl)}%)\n")
    huge = sorted(n for n in allocatable if n.startswith("hugepages-"))
    extended = sorted(
        n
        for n in allocatable
        if not n.startswith("hugepages-") and n not in _STANDARD_RESOURCES and n != "pods"
    )
    for name in huge:
        den = _quantity(allocatable.get(name)).value()
        rq, lq = reqs.get(name, zero), limits.get(name, zero)
        fr = fl = 0.0
        if den != 0:
            fr, fl = _ratio(rq.value(), den), _ratio(lq.value(), den)
        w.write(1, f"{name}\t{rq} ({_go_int64(fr)}%)\t{lq} ({_go_int64(fl)}%)\n")
    for name in extended:
        w.write(1, f"{name}\t{reqs.get(name, zero)}\t{limits.get(name, zero)}\n")


def _describe_node(
    node: Obj,
    events: Sequence[Obj] | None,
    now: float,
    pods: Sequence[Obj] | None,
    lease: Obj | None,
) -> str:
    w = _Writer()
    meta = _m(node, "metadata")
    spec = _m(node, "spec")
    status = _m(node, "status")
    name = _s(meta, "name")
    w.write(0, f"Name:\t{name}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    _taints_multiline(w, "Taints", _l(spec, "taints"))
    w.write(0, f"Unschedulable:\t{_bool(_b(spec, 'unschedulable'))}\n")
    if lease is None:
        w.write(
            0,
            f'Lease:\tFailed to get lease: leases.coordination.k8s.io "{name}" not found\n',
        )
    else:
        lspec = _m(lease, "spec")
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{_s(lspec, 'holderIdentity') or '<unset>'}\n")
        for field, title in (("acquireTime", "AcquireTime"), ("renewTime", "RenewTime")):
            value = lspec.get(field)
            w.write(1, f"{title}:\t{rfc1123z(value) if value else '<unset>'}\n")
    conditions = _l(status, "conditions")
    if conditions:
        w.write(
            0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        )
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(
                1,
                f"{_s(c, 'type')} \t{_s(c, 'status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                f"{rfc1123z(c.get('lastTransitionTime'))} \t{_s(c, 'reason')} \t"
                f"{_s(c, 'message')}\n",
            )
    w.write(0, "Addresses:\n")
    for address in _l(status, "addresses"):
        w.write(1, f"{_s(address, 'type')}:\t{_s(address, 'address')}\n")
    for field, title in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        values = _m(status, field)
        if values:
            w.write(0, f"{title}:\n")
            for res in sorted(values):
                w.write(0, f"  {res}:\t{_quantity(values[res])}\n")
    info = _m(status, "nodeInfo")
    w.write(0, "System Info:\n")
    for field, title in (
        ("machineID", "Machine ID"),
        ("systemUUID", "System UUID"),
        ("bootID", "Boot ID"),
        ("kernelVersion", "Kernel Version"),
        ("osImage", "OS Image"),
        ("operatingSystem", "Operating System"),
        ("architecture", "Architecture"),
        ("containerRuntimeVersion", "Container Runtime Version"),
        ("kubeletVersion", "Kubelet Version"),
        ("kubeProxyVersion", "Kube-Proxy Version"),
    ):
        w.write(0, f"  {title}:\t{_s(info, field)}\n")
    if _s(spec, "podCIDR"):
        w.write(0, f"PodCIDR:\t{_s(spec, 'podCIDR')}\n")
    if _l(spec, "podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(str(x) for x in _l(spec, 'podCIDRs'))}\n")
    if _s(spec, "providerID"):
        w.write(0, f"ProviderID:\t{_s(spec, 'providerID')}\n")
    # NodeDescriber lists pods with spec.nodeName=<node>, status.phase not Succeeded/Failed.
    on_node = [
        p
        for p in (pods or [])
        if _s(_m(p, "spec"), "nodeName") == name
        and _s(_m(p, "status"), "phase") not in ("Succeeded", "Failed")
    ]
    _describe_node_resources(w, node, on_node, now)
    if events is not None:
        _events(w, events, now)
    return w.render()


# ----------------------------------------------------------------------------- workloads


def _template_equal_ignoring_hash(a: Any, b: Any) -> bool:
    """``equalIgnoreHash`` with ``Semantic.DeepEqual`` (nil and empty are equal)."""

    def norm(value: Any) -> Any:
        if isinstance(value, Mapping):
            out = {k: norm(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v not in (None, {}, [], "")}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    def strip(t: Any) -> Any:
        t = norm(t)
        labels = t.get("metadata", {}).get("labels", {}) if isinstance(t, dict) else {}
        if isinstance(labels, dict):
            labels.pop("pod-template-hash", None)
        return norm(t)

    return bool(strip(a) == strip(b))


def _conditions_table(w: _Writer, conditions: list[Any]) -> None:
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{_s(c, 'type')} \t{_s(c, 'status')}\t{_s(c, 'reason')}\n")


def _replica_sets_line(sets: list[Obj]) -> str:
    text = ", ".join(
        f"{_s(_m(rs, 'metadata'), 'name')} ({_i(_m(rs, 'status'), 'replicas')}/"
        f"{_i(_m(rs, 'spec'), 'replicas', 1)} replicas created)"
        for rs in sets
    )
    return text or "<none>"


def _describe_deployment(
    d: Obj, events: Sequence[Obj] | None, now: float, replica_sets: Sequence[Obj] | None
) -> str:
    w = _Writer()
    meta = _m(d, "metadata")
    spec = _m(d, "spec")
    status = _m(d, "status")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    w.write(0, f"Selector:\t{_selector(spec.get('selector'))}\n")
    w.write(
        0,
        f"Replicas:\t{_i(spec, 'replicas', 1)} desired | {_i(status, 'updatedReplicas')} updated "
        f"| {_i(status, 'replicas')} total | {_i(status, 'availableReplicas')} available | "
        f"{_i(status, 'unavailableReplicas')} unavailable\n",
    )
    strategy = _m(spec, "strategy")
    stype = _s(strategy, "type", "RollingUpdate")
    w.write(0, f"StrategyType:\t{stype}\n")
    w.write(0, f"MinReadySeconds:\t{_i(spec, 'minReadySeconds')}\n")
    if stype == "RollingUpdate":
        ru = _m(strategy, "rollingUpdate")
        unavailable = _int_or_string(ru.get("maxUnavailable", "25%"))
        surge = _int_or_string(ru.get("maxSurge", "25%"))
        w.write(0, f"RollingUpdateStrategy:\t{unavailable} max unavailable, {surge} max surge\n")
    _describe_pod_template(w, _opt(spec, "template"))
    _conditions_table(w, _l(status, "conditions"))
    uid = _s(meta, "uid")
    owned = [
        rs
        for rs in (replica_sets or [])
        if (c := _controller_of(rs)) is not None and _s(c, "uid") == uid
    ]

    def by_creation(rs: Obj) -> tuple[float, str]:
        ts = _m(rs, "metadata").get("creationTimestamp")
        t = parse_timestamp(ts) if isinstance(ts, str) and ts else -math.inf
        return t, _s(_m(rs, "metadata"), "name")

    owned.sort(key=by_creation)
    new = next(
        (
            rs
            for rs in owned
            if _template_equal_ignoring_hash(_m(rs, "spec").get("template"), spec.get("template"))
        ),
        None,
    )
    old = [rs for rs in owned if rs is not new]
    if old or new is not None:
        w.write(0, f"OldReplicaSets:\t{_replica_sets_line(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_sets_line([new] if new is not None else [])}\n")
    if events is not None:
        _events(w, events, now)
    return w.render()


def _describe_replica_set(
    rs: Obj, events: Sequence[Obj] | None, now: float, pods: Sequence[Obj] | None
) -> str:
    w = _Writer()
    meta = _m(rs, "metadata")
    spec = _m(rs, "spec")
    status = _m(rs, "status")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    w.write(0, f"Selector:\t{_format_label_selector(spec.get('selector'))}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    controller = _controller_of(rs)
    if controller is not None:
        w.write(0, f"Controlled By:\t{_s(controller, 'kind')}/{_s(controller, 'name')}\n")
    w.write(0, f"Replicas:\t{_i(status, 'replicas')} current / {_i(spec, 'replicas', 1)} desired\n")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    uid = _s(meta, "uid")
    for pod in pods or []:
        ref = _controller_of(pod)
        if ref is None or _s(ref, "uid") != uid:
            continue
        phase = _s(_m(pod, "status"), "phase")
        if phase in counts:
            counts[phase] += 1
    w.write(0, "Pods Status:\t")
    w.write(
        0,
        f"{counts['Running']} Running / {counts['Pending']} Waiting / "
        f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed\n",
    )
    _describe_pod_template(w, _opt(spec, "template"))
    _conditions_table(w, _l(status, "conditions"))
    if events is not None:
        _events(w, events, now)
    return w.render()


# ----------------------------------------------------------------------------- Service


def _format_endpoint_slices(slices: Sequence[Obj], port_name: str) -> str:
    """``formatEndpointSlices`` for one service port: ready endpoints as ``ip:port``."""
    if not slices:
        return "<none>"
    listed: list[str] = []
    maximum = 3
    more = False
    count = 0
    for eps in slices:
        ports = _l(eps, "ports")
        endpoints = _l(eps, "endpoints")
        if not ports:
            for ep in endpoints:
                if len(listed) == maximum:
                    more = True
                if _m(ep, "conditions").get("ready") is False:
                    continue
                if not more:
                    listed.append(str(_l(ep, "addresses")[0]) if _l(ep, "addresses") else "")
                count += 1
            continue
        for port in ports:
            if _s(port, "name") != port_name:
                continue
            for ep in endpoints:
                if len(listed) == maximum:
                    more = True
                addresses = _l(ep, "addresses")
                addr = str(addresses[0]) if addresses else ""
                if _m(ep, "conditions").get("ready") is False:
                    continue
                if not more:
                    host = f"[{addr}]" if ":" in addr else addr
                    listed.append(f"{host}:{_i(port, 'port')}")
                count += 1
    text = ",".join(listed)
    if more:
        return f"{text} + {count - maximum} more..."
    return text


def _describe_service(
    svc: Obj, events: Sequence[Obj] | None, now: float, slices: Sequence[Obj] | None
) -> str:
    w = _Writer()
    meta = _m(svc, "metadata")
    spec = _m(svc, "spec")
    status = _m(svc, "status")
    stype = _s(spec, "type", "ClusterIP")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    w.write(0, f"Selector:\t{format_labels(_m(spec, 'selector'))}\n")
    w.write(0, f"Type:\t{stype}\n")
    if _s(spec, "ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{_s(spec, 'ipFamilyPolicy')}\n")
    families = [str(f) for f in _l(spec, "ipFamilies")]
    w.write(0, f"IP Families:\t{','.join(families) or '<none>'}\n")
    w.write(0, f"IP:\t{_s(spec, 'clusterIP')}\n")
    cluster_ips = [str(x) for x in _l(spec, "clusterIPs")] or (
        [_s(spec, "clusterIP")] if _s(spec, "clusterIP") else []
    )
    w.write(0, f"IPs:\t{','.join(cluster_ips) or '<none>'}\n")
    if _l(spec, "externalIPs"):
        w.write(0, f"External IPs:\t{','.join(str(x) for x in _l(spec, 'externalIPs'))}\n")
    if _s(spec, "loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{_s(spec, 'loadBalancerIP')}\n")
    if _s(spec, "externalName"):
        w.write(0, f"External Name:\t{_s(spec, 'externalName')}\n")
    ingress = _l(_m(status, "loadBalancer"), "ingress")
    if ingress:
        parts = []
        for ing in ingress:
            if _s(ing, "ip"):
                parts.append(
                    _s(ing, "ip") + (f" ({_s(ing, 'ipMode')})" if _s(ing, "ipMode") else "")
                )
            else:
                parts.append(_s(ing, "hostname"))
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(parts)}\n")
    for port in _l(spec, "ports"):
        name = _s(port, "name") or "<unset>"
        protocol = _s(port, "protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{_i(port, 'port')}/{protocol}\n")
        target = port.get("targetPort", _i(port, "port"))
        w.write(0, f"TargetPort:\t{target}/{protocol}\n")
        if _i(port, "nodePort"):
            w.write(0, f"NodePort:\t{name}\t{_i(port, 'nodePort')}/{protocol}\n")
        w.write(0, f"Endpoints:\t{_format_endpoint_slices(slices or [], _s(port, 'name'))}\n")
    w.write(0, f"Session Affinity:\t{_s(spec, 'sessionAffinity', 'None')}\n")
    external_policy = _s(spec, "externalTrafficPolicy")
    if not external_policy and stype in ("NodePort", "LoadBalancer"):
        external_policy = "Cluster"  # SetDefaults_Service
    if external_policy:
        w.write(0, f"External Traffic Policy:\t{external_policy}\n")
    internal_policy = _s(spec, "internalTrafficPolicy")
    if not internal_policy and stype != "ExternalName":
        internal_policy = "Cluster"  # SetDefaults_Service
    if internal_policy:
        w.write(0, f"Internal Traffic Policy:\t{internal_policy}\n")
    if _i(spec, "healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{_i(spec, 'healthCheckNodePort')}\n")
    if _l(spec, "loadBalancerSourceRanges"):
        ranges = ",".join(str(x) for x in _l(spec, "loadBalancerSourceRanges"))
        w.write(0, f"LoadBalancer Source Ranges:\t{ranges}\n")
    if events is not None:
        _events(w, events, now)
    return w.render()


# ----------------------------------------------------------------------------- Namespace


_QUOTA_SCOPE_HELP: Final = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited "
    "lifespan on a node before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually "
    "include long running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have "
    "a best effort quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These "
    "pods have a burstable or guaranteed quality of service.",
}


def _describe_namespace(
    ns: Obj, quotas: Sequence[Obj] | None, limit_ranges: Sequence[Obj] | None
) -> str:
    w = _Writer()
    meta = _m(ns, "metadata")
    status = _m(ns, "status")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    w.write(0, f"Status:\t{_s(status, 'phase')}\n")
    conditions = _l(status, "conditions")
    if conditions:
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(
                1,
                f"{_s(c, 'type')}\t{_s(c, 'status')}\t{rfc1123z(c.get('lastTransitionTime'))}\t"
                f"{_s(c, 'reason')}\t{_s(c, 'message')}\n",
            )
    w.write(0, "\n")
    if not quotas:
        w.write(0, "No resource quota.\n")
    else:
        w.write(0, "Resource Quotas\n")
        for q in sorted(quotas, key=lambda q: _s(_m(q, "metadata"), "name")):
            w.write(1, f"Name:\t{_s(_m(q, 'metadata'), 'name')}\n")
            _quota_scopes(w, 1, q, "* ")
            w.write(1, "Resource\tUsed\tHard\n")
            w.write(1, "--------\t---\t---\n")
            hard = _m(_m(q, "status"), "hard")
            used = _m(_m(q, "status"), "used")
            for res in sorted(hard):
                w.write(1, f"{res}\t{_quantity(used.get(res))}\t{_quantity(hard[res])}\n")
    w.write(0, "\n")
    if not limit_ranges:
        w.write(0, "No LimitRange resource.\n")
    else:
        w.write(0, f"Resource Limits\n {_LIMIT_HEADER}\n")
        w.write(0, f" {_LIMIT_RULE}\n")
        for lr in limit_ranges:
            _limit_range_rows(w, lr, " ")
    return w.render()


# ----------------------------------------------------------------------------- ResourceQuota


def _quota_scopes(w: _Writer, level: int, quota: Obj, bullet: str) -> None:
    scopes = sorted(str(s) for s in _l(_m(quota, "spec"), "scopes"))
    if scopes:
        w.write(level, f"Scopes:\t{', '.join(scopes)}\n")
        for scope in scopes:
            help_text = _QUOTA_SCOPE_HELP.get(scope, "")
            if help_text:
                w.write(level, f"{bullet}{help_text}\n")


def _describe_quota(quota: Obj) -> str:
    """``describeQuota`` (k8s.io/kubectl/pkg/describe/describe.go): the scopes, then one row per
    resource in ``status.hard``, sorted, with ``status.used`` printed in the hard value's format
    (``NewQuantity(used.Value(), hard.Format)`` when the formats differ)."""
    w = _Writer()
    meta = _m(quota, "metadata")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    _quota_scopes(w, 0, quota, " * ")
    w.write(0, "Resource\tUsed\tHard\n")
    w.write(0, "--------\t----\t----\n")
    hard = _m(_m(quota, "status"), "hard")
    used = _m(_m(quota, "status"), "used")
    for res in sorted(hard):
        hard_q = _quantity(hard[res])
        used_q = _quantity(used.get(res))
        if used_q.format != hard_q.format:
            used_q = Quantity.from_int(used_q.value(), hard_q.format)
        w.write(0, f"{res}\t{used_q}\t{hard_q}\n")
    return w.render()


def _limit_range_rows(w: _Writer, limit_range: Obj, prefix: str) -> None:
    """``describeLimitRangeSpec``: one row per (limit type, resource); ``-`` where unset. Go
    walks a map here (random order); kubelab sorts the resource names."""
    for item in _l(_m(limit_range, "spec"), "limits"):
        sections = [
            _m(item, k) for k in ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")
        ]
        for res in sorted({n for section in sections for n in section}):
            cells = [str(_quantity(sec[res])) if res in sec else "-" for sec in sections]
            w.write(0, f"{prefix}{_s(item, 'type')}\t{res}\t" + "\t".join(cells) + "\n")


def _describe_limit_range(limit_range: Obj) -> str:
    """``describeLimitRange`` (describe.go)."""
    w = _Writer()
    meta = _m(limit_range, "metadata")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    w.write(0, f"{_LIMIT_HEADER}\n")
    w.write(0, f"{_LIMIT_RULE}\n")
    _limit_range_rows(w, limit_range, "")
    return w.render()


_LIMIT_HEADER: Final = (
    "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio"
)
_LIMIT_RULE: Final = (
    "----\t--------\t---\t---\t---------------\t-------------\t-----------------------"
)


# ----------------------------------------------------------------------------- ConfigMap


def _describe_config_map(cm: Obj, events: Sequence[Obj] | None, now: float) -> str:
    w = _Writer()
    meta = _m(cm, "metadata")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    w.write(0, "\nData\n====\n")
    data = _m(cm, "data")
    for key in sorted(data):
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{data[key]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    binary = _m(cm, "binaryData")
    for key in sorted(binary):
        w.write(0, f"{key}: {_decoded_length(binary[key])} bytes\n")
    w.write(0, "\n")
    if events is not None:
        _events(w, events, now)
    return w.render()


def _decoded_length(value: Any) -> int:
    """Bytes in a base64 ``data``/``binaryData`` value (the API's ``[]byte``)."""
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def _describe_secret(secret: Obj) -> str:
    """``describeSecret``: sizes only, except a service-account token, which is shown."""
    w = _Writer()
    meta = _m(secret, "metadata")
    stype = _s(secret, "type", "Opaque")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    w.write(0, f"\nType:\t{stype}\n")
    w.write(0, "\nData\n====\n")
    data = _m(secret, "data")
    for key in sorted(data):
        if key == "token" and stype == "kubernetes.io/service-account-token":
            try:
                token = base64.b64decode(str(data[key])).decode(errors="replace")
            except (binascii.Error, ValueError):
                token = str(data[key])
            w.write(0, f"{key}:\t{token}\n")
        else:
            w.write(0, f"{key}:\t{_decoded_length(data[key])} bytes\n")
    return w.render()


# ----------------------------------------------------------------------------- generic


def _camel_split(text: str) -> list[str]:
    """``github.com/fatih/camelcase.Split``."""

    def cls(ch: str) -> int:
        if ch.islower():
            return 1
        if ch.isupper():
            return 2
        if ch.isdigit():
            return 3
        return 4

    runs: list[list[str]] = []
    last = 0
    for ch in text:
        c = cls(ch)
        if c == last and runs:
            runs[-1].append(ch)
        else:
            runs.append([ch])
        last = c
    for i in range(len(runs) - 1):
        if runs[i] and runs[i][0].isupper() and runs[i + 1][0].islower():
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(r) for r in runs if r]


def smart_label(field: str) -> str:
    """``smartLabelFor``: ``apiVersion`` -> ``API Version``, ``clusterIP`` -> ``Cluster IP``;
    fields with characters other than letters and ``-`` are left as they are."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts = []
    for part in _camel_split(field):
        if part == "_":
            continue
        if part.upper() in ("API", "URL", "UID", "OSB", "GUID"):
            parts.append(part.upper())
        else:
            parts.append(part[:1].upper() + part[1:])
    return " ".join(parts)


_GENERIC_SKIP: Final = (
    ".metadata.managedFields",
    ".metadata.name",
    ".metadata.namespace",
    ".metadata.labels",
    ".metadata.annotations",
)


def _unstructured(w: _Writer, level: int, content: Mapping[str, Any], prefix: str) -> None:
    """``printUnstructuredContent``: every field, sorted, nested maps indented."""
    for field in sorted(content):
        value = content[field]
        path = f"{prefix}.{field}"
        if path in _GENERIC_SKIP:
            continue
        if isinstance(value, Mapping):
            w.write(level, f"{smart_label(field)}:\n")
            _unstructured(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, Mapping):
                    _unstructured(w, level + 1, child, path)
                else:
                    w.write(level + 1, f"{go_v(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{go_v(value)}\n")


def _describe_generic(obj: Obj, events: Sequence[Obj] | None, now: float) -> str:
    w = _Writer()
    meta = _m(obj, "metadata")
    w.write(0, f"Name:\t{_s(meta, 'name')}\n")
    w.write(0, f"Namespace:\t{_s(meta, 'namespace')}\n")
    _labels_multiline(w, "Labels", _m(meta, "labels"))
    _annotations_multiline(w, "Annotations", _m(meta, "annotations"))
    _unstructured(w, 0, obj, "")
    if events is not None:
        _events(w, events, now)
    return w.render()


# ----------------------------------------------------------------------------- entry point


def describe(
    kind: str,
    obj: Obj,
    events: Sequence[Obj] | None,
    now: float,
    *,
    pods: Sequence[Obj] | None = None,
    lease: Obj | None = None,
    replica_sets: Sequence[Obj] | None = None,
    endpoint_slices: Sequence[Obj] | None = None,
    resource_quotas: Sequence[Obj] | None = None,
    limit_ranges: Sequence[Obj] | None = None,
) -> str:
    """What ``kubectl describe <kind> <name>`` prints for ``obj``.

    Pod, Node, Deployment, ReplicaSet, Service, Namespace, ConfigMap, Secret, ResourceQuota and
    LimitRange have their own layout; any other kind gets the generic one (every field, nested,
    with smart labels).
    """
    describers: dict[str, Callable[[], str]] = {
        "Pod": lambda: _describe_pod(obj, events, now),
        "Node": lambda: _describe_node(obj, events, now, pods, lease),
        "Deployment": lambda: _describe_deployment(obj, events, now, replica_sets),
        "ReplicaSet": lambda: _describe_replica_set(obj, events, now, pods),
        "Service": lambda: _describe_service(obj, events, now, endpoint_slices),
        "Namespace": lambda: _describe_namespace(obj, resource_quotas, limit_ranges),
        "ConfigMap": lambda: _describe_config_map(obj, events, now),
        "Secret": lambda: _describe_secret(obj),
        "ResourceQuota": lambda: _describe_quota(obj),
        "LimitRange": lambda: _describe_limit_range(obj),
    }
    describer = describers.get(kind)
    return describer() if describer is not None else _describe_generic(obj, events, now)
