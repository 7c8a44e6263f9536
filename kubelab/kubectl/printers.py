"""``kubectl get``'s tables: the columns of each kind and how every cell is computed.

The API server builds the table (``pkg/printers/internalversion/printers.go``, Kubernetes 1.32;
the server always generates the wide cells -- ``pkg/printers/storage/storage.go`` passes
``Wide: true``) and kubectl prints it (``k8s.io/cli-runtime/pkg/printers/tableprinter.go``):
headers upper-cased, columns of priority 1 only with ``-o wide``, ``NAMESPACE`` first with
``-A``, ``LABELS`` last with ``--show-labels``, ``kind/`` before the name with ``--show-kind``,
cells cut at the first line break (``...`` appended), no header at all when there are no rows,
and everything aligned by a tabwriter (minwidth 6, padding 3).

Kinds without a printer of their own (Role, ClusterRole, LimitRange, ...) get the API server's
default table (``k8s.io/apiserver/pkg/registry/rest/table.go``): ``NAME`` and ``CREATED AT``.

Objects are plain dicts shaped like the API's JSON; ``now`` is the current simulated time in
seconds and timestamps are RFC 3339 strings (:func:`kubelab.sim.clock.parse_timestamp`).
Fields the API server's defaulting always fills (``spec.replicas`` 1, service ``type``
ClusterIP, port ``protocol`` TCP, secret ``type`` Opaque) are assumed when absent.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kubelab.api.kinds import all_kinds
from kubelab.api.quantity import QuantityError, parse_quantity
from kubelab.api.selectors import SelectorError, selector_from_dict
from kubelab.kubectl.duration import human_duration
from kubelab.kubectl.goformat import format_labels, go_v
from kubelab.kubectl.tabwriter import TABLE, tabwrite
from kubelab.sim.clock import EPOCH, parse_timestamp

__all__ = [
    "Column",
    "cell_age",
    "columns",
    "join_tables",
    "kind_group",
    "kind_is_namespaced",
    "no_resources_message",
    "table",
]

Obj = Mapping[str, Any]
Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Column:
    """A ``TableColumnDefinition``: its name, priority (1 = only with ``-o wide``) and format."""

    name: str
    priority: int = 0
    format: str = ""

    @property
    def header(self) -> str:
        """What kubectl prints above the column: the name upper-cased."""
        return self.name.upper()


_NAME: Final = Column("Name", format="name")
_AGE: Final = Column("Age")


def _wide(*names: str) -> tuple[Column, ...]:
    return tuple(Column(n, priority=1) for n in names)


# ----------------------------------------------------------------------------- helpers


def _m(obj: Any, key: str) -> dict[str, Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, dict) else {}


def _l(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, list) else []


def _opt(obj: Any, key: str) -> dict[str, Any] | None:
    """A nested object that may be absent (a nil pointer in Go)."""
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, dict) else None


def _s(obj: Any, key: str, default: str = "") -> str:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, str) else default


def _i(obj: Any, key: str, default: int = 0) -> int:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _ts(value: Any) -> float | None:
    """A timestamp as simulated seconds; ``None`` is Go's zero time."""
    if not isinstance(value, str) or not value:
        return None
    return parse_timestamp(value)


def cell_age(timestamp: Any, now: float) -> str:
    """``translateTimestampSince``: ``HumanDuration(now - t)``, ``<unknown>`` for a zero time."""
    t = _ts(timestamp)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def _name(obj: Obj) -> str:
    return _s(_m(obj, "metadata"), "name")


def _age(obj: Obj, now: float) -> str:
    return cell_age(_m(obj, "metadata").get("creationTimestamp"), now)


def _join_host_port(host: str, port: int | str) -> str:
    """``net.JoinHostPort``: brackets around a host that contains a colon."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _selector_string(selector: Any) -> str:
    """``metav1.LabelSelectorAsSelector(s).String()``, ``<invalid>`` when it does not parse."""
    try:
        return str(selector_from_dict(selector if isinstance(selector, Mapping) else None))
    except SelectorError:
        return "<invalid>"


def _format_label_selector(selector: Any) -> str:
    """``metav1.FormatLabelSelector``: like the above but ``<none>`` when empty."""
    try:
        text = str(selector_from_dict(selector if isinstance(selector, Mapping) else None))
    except SelectorError:
        return "<error>"
    return text or "<none>"


def _containers_and_images(template_spec: Obj) -> tuple[str, str]:
    """``layoutContainerCells``: names and images joined by commas."""
    containers = _l(template_spec, "containers")
    return (
        ",".join(_s(c, "name") for c in containers),
        ",".join(_s(c, "image") for c in containers),
    )


def _quantity_string(value: Any) -> str:
    if value is None:
        return "0"
    try:
        return str(parse_quantity(str(value)))
    except QuantityError:
        return str(value)


# ----------------------------------------------------------------------------- Pod


def _is_restartable_init_container(container: Any) -> bool:
    return isinstance(container, Mapping) and container.get("restartPolicy") == "Always"


def _condition_true(conditions: list[Any], ctype: str) -> bool:
    """True when the first condition of ``ctype`` is True (``isPodInitializedConditionTrue``)."""
    for c in conditions:
        if isinstance(c, Mapping) and c.get("type") == ctype:
            return c.get("status") == "True"
    return False


def _later(current: float | None, candidate: float | None) -> float | None:
    """``if last.Before(&t) { last = t }`` with ``None`` as the zero time."""
    if candidate is None:
        return current
    if current is None or current < candidate:
        return candidate
    return current


def _pod_row(pod: Obj, now: float) -> list[Cell]:
    # printers.go printPod.
    spec = _m(pod, "spec")
    status = _m(pod, "status")
    meta = _m(pod, "metadata")
    restarts = 0
    sidecar_restarts = 0
    total = len(_l(spec, "containers"))
    ready = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None

    phase = _s(status, "phase")
    reason = phase
    if _s(status, "reason"):
        reason = _s(status, "reason")
    conditions = _l(status, "conditions")
    for c in conditions:
        if _s(c, "type") == "PodScheduled" and _s(c, "reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = {_s(c, "name"): c for c in _l(spec, "initContainers")}
    for c in _l(spec, "initContainers"):
        if _is_restartable_init_container(c):
            total += 1

    initializing = False
    n_init = len(_l(spec, "initContainers"))
    for i, cs in enumerate(_l(status, "initContainerStatuses")):
        restarts += _i(cs, "restartCount")
        last_term = _opt(_m(cs, "lastState"), "terminated")
        if last_term is not None:
            last_restart = _later(last_restart, _ts(last_term.get("finishedAt")))
        sidecar = _is_restartable_init_container(init_specs.get(_s(cs, "name")))
        if sidecar:
            sidecar_restarts += _i(cs, "restartCount")
            if last_term is not None:
                last_sidecar_restart = _later(
                    last_sidecar_restart, _ts(last_term.get("finishedAt"))
                )
        state = _m(cs, "state")
        terminated = _opt(state, "terminated")
        waiting = _opt(state, "waiting")
        if terminated is not None and _i(terminated, "exitCode") == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready") is True:
                ready += 1
            continue
        if terminated is not None:
            if not _s(terminated, "reason"):
                if _i(terminated, "signal") != 0:
                    reason = f"Init:Signal:{_i(terminated, 'signal')}"
                else:
                    reason = f"Init:ExitCode:{_i(terminated, 'exitCode')}"
            else:
                reason = "Init:" + _s(terminated, "reason")
        elif (
            waiting is not None
            and _s(waiting, "reason")
            and _s(waiting, "reason") != "PodInitializing"
        ):
            reason = "Init:" + _s(waiting, "reason")
        else:
            reason = f"Init:{i}/{n_init}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(_l(status, "containerStatuses")):
            restarts += _i(cs, "restartCount")
            last_term = _opt(_m(cs, "lastState"), "terminated")
            if last_term is not None:
                last_restart = _later(last_restart, _ts(last_term.get("finishedAt")))
            state = _m(cs, "state")
            waiting = _opt(state, "waiting")
            terminated = _opt(state, "terminated")
            if waiting is not None and _s(waiting, "reason"):
                reason = _s(waiting, "reason")
            elif terminated is not None and _s(terminated, "reason"):
                reason = _s(terminated, "reason")
            elif terminated is not None:
                if _i(terminated, "signal") != 0:
                    reason = f"Signal:{_i(terminated, 'signal')}"
                else:
                    reason = f"ExitCode:{_i(terminated, 'exitCode')}"
            elif cs.get("ready") is True and _opt(state, "running") is not None:
                has_running = True
                ready += 1
        # A pod whose containers completed but one still runs is Running (or NotReady).
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"

    if meta.get("deletionTimestamp") and _s(status, "reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_cell = f"{restarts} ({human_duration(now - last_restart)} ago)"

    pod_ips = _l(status, "podIPs")
    pod_ip = _s(pod_ips[0], "ip") if pod_ips else _s(status, "podIP")
    gates = _l(spec, "readinessGates")
    gates_cell = "<none>"
    if gates:
        true_count = 0
        for gate in gates:
            for c in conditions:
                if _s(c, "type") == _s(gate, "conditionType"):
                    if _s(c, "status") == "True":
                        true_count += 1
                    break
        gates_cell = f"{true_count}/{len(gates)}"
    return [
        _name(pod),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        _age(pod, now),
        pod_ip or "<none>",
        _s(spec, "nodeName") or "<none>",
        _s(status, "nominatedNodeName") or "<none>",
        gates_cell,
    ]


# ----------------------------------------------------------------------------- Node


def node_roles(node: Obj) -> list[str]:
    """``findNodeRoles``: ``node-role.kubernetes.io/<role>`` label keys and the value of a
    ``kubernetes.io/role`` label, sorted."""
    roles: set[str] = set()
    for key, value in _m(_m(node, "metadata"), "labels").items():
        if key.startswith("node-role.kubernetes.io/"):
            role = key[len("node-role.kubernetes.io/") :]
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    return sorted(roles)


def _node_address(node: Obj, kind: str) -> str:
    for address in _l(_m(node, "status"), "addresses"):
        if _s(address, "type") == kind:
            return _s(address, "address")
    return "<none>"


def _node_row(node: Obj, now: float) -> list[Cell]:
    status = _m(node, "status")
    by_type = {_s(c, "type"): c for c in _l(status, "conditions")}
    parts: list[str] = []
    ready = by_type.get("Ready")
    if ready is not None:
        parts.append("Ready" if _s(ready, "status") == "True" else "NotReady")
    if not parts:
        parts.append("Unknown")
    if _m(node, "spec").get("unschedulable") is True:
        parts.append("SchedulingDisabled")
    info = _m(status, "nodeInfo")
    return [
        _name(node),
        ",".join(parts),
        ",".join(node_roles(node)) or "<none>",
        _age(node, now),
        _s(info, "kubeletVersion"),
        _node_address(node, "InternalIP"),
        _node_address(node, "ExternalIP"),
        _s(info, "osImage") or "<unknown>",
        _s(info, "kernelVersion") or "<unknown>",
        _s(info, "containerRuntimeVersion") or "<unknown>",
    ]


# ----------------------------------------------------------------------------- Service


def _lb_ingress(status: Obj) -> str:
    """``loadBalancerStatusStringer`` (never clipped: the server prints wide)."""
    found = set()
    for ing in _l(_m(status, "loadBalancer"), "ingress"):
        if _s(ing, "ip"):
            found.add(_s(ing, "ip"))
        elif _s(ing, "hostname"):
            found.add(_s(ing, "hostname"))
    return ",".join(sorted(found))


def _service_external_ip(svc: Obj) -> str:
    spec = _m(svc, "spec")
    stype = _s(spec, "type", "ClusterIP")
    external = [str(x) for x in _l(spec, "externalIPs")]
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if stype == "LoadBalancer":
        lb = _lb_ingress(_m(svc, "status"))
        if external:
            results = (lb.split(",") if lb else []) + external
            return ",".join(results)
        return lb or "<pending>"
    if stype == "ExternalName":
        return _s(spec, "externalName")
    return "<unknown>"


def _service_ports(ports: list[Any]) -> str:
    """``makePortString``: ``80/TCP``, or ``80:30080/TCP`` with a node port."""
    pieces = []
    for p in ports:
        protocol = _s(p, "protocol", "TCP")
        if _i(p, "nodePort") > 0:
            pieces.append(f"{_i(p, 'port')}:{_i(p, 'nodePort')}/{protocol}")
        else:
            pieces.append(f"{_i(p, 'port')}/{protocol}")
    return ",".join(pieces)


def _service_row(svc: Obj, now: float) -> list[Cell]:
    spec = _m(svc, "spec")
    cluster_ips = _l(spec, "clusterIPs")
    internal = str(cluster_ips[0]) if cluster_ips else _s(spec, "clusterIP")
    return [
        _name(svc),
        _s(spec, "type", "ClusterIP"),
        internal or "<none>",
        _service_external_ip(svc),
        _service_ports(_l(spec, "ports")) or "<none>",
        _age(svc, now),
        format_labels(_m(spec, "selector")),
    ]


# ----------------------------------------------------------------------------- Endpoints


def format_endpoints(endpoints: Obj, ports: set[str] | None = None) -> str:
    """``formatEndpoints``: up to three ``ip:port`` then ``+ N more...``; ``<none>``."""
    subsets = _l(endpoints, "subsets")
    if not subsets:
        return "<none>"
    listed: list[str] = []
    maximum = 3
    more = False
    count = 0
    for ss in subsets:
        addresses = _l(ss, "addresses")
        ss_ports = _l(ss, "ports")
        if not ss_ports:
            count += len(addresses)
            for addr in addresses:
                if len(listed) == maximum:
                    more = True
                    break
                listed.append(_s(addr, "ip"))
            continue
        for port in ss_ports:
            if ports is None or _s(port, "name") in ports:
                count += len(addresses)
                for addr in addresses:
                    if len(listed) == maximum:
                        more = True
                        break
                    listed.append(_join_host_port(_s(addr, "ip"), _i(port, "port")))
    text = ",".join(listed)
    if more:
        return f"{text} + {count - maximum} more..."
    return text


def _list_with_more(listed: list[str], more: bool, count: int, maximum: int) -> str:
    text = ",".join(listed)
    if more:
        return f"{text} + {count - maximum} more..."
    return text or "<unset>"


def _endpoint_slice_row(eps: Obj, now: float) -> list[Cell]:
    ports: list[str] = []
    more = False
    count = 0
    for port in _l(eps, "ports"):
        if len(ports) < 3:
            if isinstance(port.get("port"), int):
                ports.append(str(port["port"]))
            elif isinstance(port.get("name"), str):
                ports.append(port["name"])
            else:
                ports.append("*")
        elif len(ports) == 3:
            more = True
        count += 1
    addresses: list[str] = []
    amore = False
    acount = 0
    for endpoint in _l(eps, "endpoints"):
        for address in _l(endpoint, "addresses"):
            if len(addresses) < 3:
                addresses.append(str(address))
            elif len(addresses) == 3:
                amore = True
            acount += 1
    return [
        _name(eps),
        _s(eps, "addressType"),
        _list_with_more(ports, more, count, 3),
        _list_with_more(addresses, amore, acount, 3),
        _age(eps, now),
    ]


# ----------------------------------------------------------------------------- simple kinds


def _config_map_row(cm: Obj, now: float) -> list[Cell]:
    return [_name(cm), len(_m(cm, "data")) + len(_m(cm, "binaryData")), _age(cm, now)]


def _secret_row(secret: Obj, now: float) -> list[Cell]:
    return [_name(secret), _s(secret, "type", "Opaque"), len(_m(secret, "data")), _age(secret, now)]


def _service_account_row(sa: Obj, now: float) -> list[Cell]:
    return [_name(sa), len(_l(sa, "secrets")), _age(sa, now)]


def _namespace_row(ns: Obj, now: float) -> list[Cell]:
    return [_name(ns), _s(_m(ns, "status"), "phase"), _age(ns, now)]


def _lease_row(lease: Obj, now: float) -> list[Cell]:
    return [_name(lease), _s(_m(lease, "spec"), "holderIdentity"), _age(lease, now)]


def _replicas(obj: Obj) -> int:
    return _i(_m(obj, "spec"), "replicas", 1)


def _deployment_row(d: Obj, now: float) -> list[Cell]:
    spec = _m(d, "spec")
    status = _m(d, "status")
    names, images = _containers_and_images(_m(_m(spec, "template"), "spec"))
    return [
        _name(d),
        f"{_i(status, 'readyReplicas')}/{_replicas(d)}",
        _i(status, "updatedReplicas"),
        _i(status, "availableReplicas"),
        _age(d, now),
        names,
        images,
        _selector_string(spec.get("selector")),
    ]


def _replica_set_row(rs: Obj, now: float) -> list[Cell]:
    spec = _m(rs, "spec")
    status = _m(rs, "status")
    names, images = _containers_and_images(_m(_m(spec, "template"), "spec"))
    return [
        _name(rs),
        _replicas(rs),
        _i(status, "replicas"),
        _i(status, "readyReplicas"),
        _age(rs, now),
        names,
        images,
        _format_label_selector(spec.get("selector")),
    ]


def _subjects(binding: Obj) -> tuple[str, str, str]:
    """``rbac.SubjectsStrings``: users, groups and ``namespace/name`` service accounts."""
    users, groups, sas = [], [], []
    for subject in _l(binding, "subjects"):
        kind = _s(subject, "kind")
        if kind == "ServiceAccount":
            sas.append(f"{_s(subject, 'namespace')}/{_s(subject, 'name')}")
        elif kind == "User":
            users.append(_s(subject, "name"))
        elif kind == "Group":
            groups.append(_s(subject, "name"))
    return ", ".join(users), ", ".join(groups), ", ".join(sas)


def _binding_row(binding: Obj, now: float) -> list[Cell]:
    ref = _m(binding, "roleRef")
    users, groups, sas = _subjects(binding)
    return [
        _name(binding),
        f"{_s(ref, 'kind')}/{_s(ref, 'name')}",
        _age(binding, now),
        users,
        groups,
        sas,
    ]


def _resource_quota_row(rq: Obj, now: float) -> list[Cell]:
    status = _m(rq, "status")
    hard = _m(status, "hard")
    used = _m(status, "used")
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        pieces = resource.split(".")
        target = limits if len(pieces) > 1 and pieces[0] == "limits" else requests
        target.append(
            f"{resource}: {_quantity_string(used.get(resource))}/{_quantity_string(hard[resource])}"
        )
    # Kubernetes 1.32 orders AGE before REQUEST and LIMIT (moved to the end in 1.33).
    return [_name(rq), _age(rq, now), ", ".join(requests), ", ".join(limits)]


def _event_source(event: Obj) -> str:
    source = _m(event, "source")
    # core/v1 Event: the Go field ReportingController has the JSON name reportingComponent.
    component = _s(source, "component") or _s(event, "reportingComponent")
    instance = _s(source, "host") or _s(event, "reportingInstance")
    return f"{component}, {instance}" if instance else component


def core_event(event: Obj) -> Obj:
    """An ``events.k8s.io/v1`` Event in the shape of a core ``v1`` Event (the API server
    serves both from one store); a core Event is returned unchanged."""
    if not _s(event, "apiVersion").startswith("events.k8s.io/"):
        return event
    out: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": event.get("metadata", {}),
        "involvedObject": event.get("regarding", {}),
        "reason": event.get("reason", ""),
        "message": event.get("note", ""),
        "type": event.get("type", ""),
        "eventTime": event.get("eventTime"),
        "reportingComponent": event.get("reportingController", ""),
        "reportingInstance": event.get("reportingInstance", ""),
        "source": event.get("deprecatedSource", {}),
        "firstTimestamp": event.get("deprecatedFirstTimestamp"),
        "lastTimestamp": event.get("deprecatedLastTimestamp"),
        "count": event.get("deprecatedCount", 0),
    }
    if isinstance(event.get("series"), Mapping):
        out["series"] = event["series"]
    return out


def _event_row(raw: Obj, now: float) -> list[Cell]:
    event = core_event(raw)
    first = cell_age(event.get("firstTimestamp"), now)
    if _ts(event.get("firstTimestamp")) is None:
        first = cell_age(event.get("eventTime"), now)
    last = cell_age(event.get("lastTimestamp"), now)
    if _ts(event.get("lastTimestamp")) is None:
        last = first
    count = _i(event, "count")
    series = event.get("series")
    if isinstance(series, Mapping):
        last = cell_age(series.get("lastObservedTime"), now)
        count = _i(series, "count")
    elif count == 0:
        count = 1  # singleton events of the new API have no count
    involved = _m(event, "involvedObject")
    kind = _s(involved, "kind").lower()
    target = f"{kind}/{_s(involved, 'name')}" if _s(involved, "name") else kind
    return [
        last,
        _s(event, "type"),
        _s(event, "reason"),
        target,
        _s(involved, "fieldPath"),
        _event_source(event),
        _s(event, "message").strip(),
        first,
        count,
        _name(event),
    ]


def _rfc3339_utc(timestamp: Any) -> str:
    t = _ts(timestamp)
    if t is None:
        return "0001-01-01T00:00:00Z"
    moment = EPOCH + _dt.timedelta(seconds=int(t // 1))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _default_row(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), _rfc3339_utc(_m(obj, "metadata").get("creationTimestamp"))]


# ----------------------------------------------------------------------------- registry

RowFunc = Callable[[Obj, float], list[Cell]]

_PRINTERS: Final[dict[str, tuple[tuple[Column, ...], RowFunc]]] = {
    "Pod": (
        (
            _NAME,
            Column("Ready"),
            Column("Status"),
            Column("Restarts"),
            _AGE,
            *_wide("IP", "Node", "Nominated Node", "Readiness Gates"),
        ),
        _pod_row,
    ),
    "Node": (
        (
            _NAME,
            Column("Status"),
            Column("Roles"),
            _AGE,
            Column("Version"),
            *_wide("Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"),
        ),
        _node_row,
    ),
    "Service": (
        (
            _NAME,
            Column("Type"),
            Column("Cluster-IP"),
            Column("External-IP"),
            Column("Port(s)"),
            _AGE,
            *_wide("Selector"),
        ),
        _service_row,
    ),
    "Endpoints": (
        (_NAME, Column("Endpoints"), _AGE),
        lambda ep, now: [_name(ep), format_endpoints(ep), _age(ep, now)],
    ),
    "EndpointSlice": (
        (_NAME, Column("AddressType"), Column("Ports"), Column("Endpoints"), _AGE),
        _endpoint_slice_row,
    ),
    "ConfigMap": ((_NAME, Column("Data"), _AGE), _config_map_row),
    "Secret": ((_NAME, Column("Type"), Column("Data"), _AGE), _secret_row),
    "ServiceAccount": ((_NAME, Column("Secrets"), _AGE), _service_account_row),
    "Namespace": ((_NAME, Column("Status"), _AGE), _namespace_row),
    "Deployment": (
        (
            _NAME,
            Column("Ready"),
            Column("Up-to-date"),
            Column("Available"),
            _AGE,
            *_wide("Containers", "Images", "Selector"),
        ),
        _deployment_row,
    ),
    "ReplicaSet": (
        (
            _NAME,
            Column("Desired"),
            Column("Current"),
            Column("Ready"),
            _AGE,
            *_wide("Containers", "Images", "Selector"),
        ),
        _replica_set_row,
    ),
    "Lease": ((_NAME, Column("Holder"), _AGE), _lease_row),
    "Event": (
        (
            Column("Last Seen"),
            Column("Type"),
            Column("Reason"),
            Column("Object"),
            Column("Subobject", priority=1),
            Column("Source", priority=1),
            Column("Message"),
            Column("First Seen", priority=1),
            Column("Count", priority=1),
            Column("Name", priority=1, format="name"),
        ),
        _event_row,
    ),
    "RoleBinding": (
        (_NAME, Column("Role"), _AGE, *_wide("Users", "Groups", "ServiceAccounts")),
        _binding_row,
    ),
    "ClusterRoleBinding": (
        (_NAME, Column("Role"), _AGE, *_wide("Users", "Groups", "ServiceAccounts")),
        _binding_row,
    ),
    "ResourceQuota": (
        (_NAME, _AGE, Column("Request"), Column("Limit")),
        _resource_quota_row,
    ),
}

#: rest.NewDefaultTableConvertor: what the API server answers for kinds without a printer.
_DEFAULT: Final[tuple[tuple[Column, ...], RowFunc]] = (
    (_NAME, Column("Created At")),
    _default_row,
)

# Group and scope of kinds this module prints that the object registry may not list.
_EXTRA_KINDS: Final[dict[str, tuple[str, bool]]] = {
    "LimitRange": ("", True),
    "ResourceQuota": ("", True),
    "PersistentVolume": ("", False),
    "PersistentVolumeClaim": ("", True),
    "ComponentStatus": ("", False),
    "StorageClass": ("storage.k8s.io", False),
    "PriorityClass": ("scheduling.k8s.io", False),
    "CustomResourceDefinition": ("apiextensions.k8s.io", False),
    "DaemonSet": ("apps", True),
    "StatefulSet": ("apps", True),
    "Job": ("batch", True),
    "CronJob": ("batch", True),
}


def _registry_lookup(kind: str) -> tuple[str, bool] | None:
    for info in all_kinds():
        if info.kind == kind:
            return info.group, info.namespaced
    return _EXTRA_KINDS.get(kind)


def kind_group(kind: str, objects: Sequence[Obj] = ()) -> str:
    """The API group of ``kind`` (``""`` for the core group): from the objects' ``apiVersion``
    when they have one, else from :mod:`kubelab.api.kinds`."""
    for obj in objects:
        api_version = _s(obj, "apiVersion")
        if api_version:
            return api_version.split("/")[0] if "/" in api_version else ""
    found = _registry_lookup(kind)
    return found[0] if found else ""


def kind_is_namespaced(kind: str) -> bool:
    """Whether objects of ``kind`` live in a namespace (unknown kinds are assumed to)."""
    found = _registry_lookup(kind)
    return found[1] if found else True


def columns(kind: str, wide: bool = False) -> list[str]:
    """The column headers ``kubectl get <kind>`` prints (``-o wide`` adds the priority-1 ones)."""
    cols, _ = _PRINTERS.get(kind, _DEFAULT)
    return [c.header for c in cols if wide or c.priority == 0]


def _render_cell(cell: Cell) -> str:
    """``printTable``: strings cut at the first line break (``...`` appended) and terminal
    escapes neutralised (``printers.WriteEscaped``); other values as ``fmt.Sprint``."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        text = cell
        cut = min((i for i in (text.find(c) for c in "\f\n\r") if i >= 0), default=-1)
        if cut >= 0:
            text = text[:cut]
        text = text.replace("\x1b", "^[").replace("\r", "\\r")
        return text + "..." if cut >= 0 else text
    return go_v(cell).replace("\x1b", "^[").replace("\r", "\\r")


def table(
    kind: str,
    objects: Sequence[Obj],
    now: float,
    wide: bool = False,
    show_labels: bool = False,
    all_namespaces: bool = False,
    no_headers: bool = False,
    show_kind: bool = False,
    label_columns: Sequence[str] = (),
) -> str:
    """What ``kubectl get <kind>`` writes to stdout for ``objects``, byte for byte.

    ``wide`` is ``-o wide``, ``all_namespaces`` is ``-A`` (adds ``NAMESPACE`` for namespaced
    kinds), ``show_kind`` prefixes names with ``kind[.group]/`` (kubectl does this by itself
    when one command lists several kinds), ``label_columns`` is ``-L key,...``. An empty list
    prints nothing at all: kubectl then writes :func:`no_resources_message` to stderr.
    """
    cols, row_fn = _PRINTERS.get(kind, _DEFAULT)
    with_namespace = all_namespaces and kind_is_namespaced(kind)
    group = kind_group(kind, objects)
    kind_prefix = (f"{kind}.{group}" if group else kind).lower()

    all_cols: list[Column] = list(cols)
    if with_namespace:
        all_cols.insert(0, Column("Namespace"))
    all_cols += [Column(key.split("/")[-1]) for key in label_columns]
    if show_labels:
        all_cols.append(Column("Labels"))
    name_index = next(
        (i for i, c in enumerate(all_cols) if c.format == "name"),
        -1,
    )

    rows: list[list[Cell]] = []
    for obj in objects:
        cells = list(row_fn(obj, now))
        meta = _m(obj, "metadata")
        if with_namespace:
            cells.insert(0, _s(meta, "namespace"))
        labels = _m(meta, "labels")
        cells += [str(labels.get(key, "")) for key in label_columns]
        if show_labels:
            cells.append(format_labels(labels))
        if show_kind and name_index >= 0:
            cells[name_index] = f"{kind_prefix}/{_render_cell(cells[name_index])}"
        rows.append(cells)

    if not rows:
        return ""
    keep = [i for i, c in enumerate(all_cols) if wide or c.priority == 0]
    lines = []
    if not no_headers:
        lines.append("\t".join(all_cols[i].header for i in keep))
    for cells in rows:
        lines.append("\t".join(_render_cell(cells[i]) for i in keep))
    return tabwrite("\n".join(lines) + "\n", TABLE)


def no_resources_message(
    kind: str, namespace: str = "default", all_namespaces: bool = False
) -> str:
    """What kubectl writes to stderr when ``get`` printed nothing (``get.go``): ``No resources
    found in <ns> namespace.`` for a namespaced kind in one namespace, else ``No resources
    found``. Ends with a newline."""
    if not all_namespaces and kind_is_namespaced(kind):
        return f"No resources found in {namespace} namespace.\n"
    return "No resources found\n"


def join_tables(outputs: Sequence[str], no_headers: bool = False) -> str:
    """Several kinds in one ``kubectl get``: each table aligned on its own, separated by a
    blank line when headers are printed and something was written before (``get.go``)."""
    result = ""
    for text in outputs:
        if result and text and not no_headers:
            result += "\n"
        result += text
    return result
