"""The Pod Security Standards as checks: ``baseline`` and ``restricted``, by version.

Model of ``k8s.io/pod-security-admission/policy`` at Kubernetes 1.32 (``v0.32.0``): one
check per rule, each with an ID, a level and versioned implementations
(``check_*.go``), evaluated in the registry's order (``registry.go``): the baseline check
IDs sorted, then the restricted ones sorted. A restricted check may override a baseline one
(``capabilities_restricted`` replaces ``capabilities_baseline``, ``restrictedVolumes``
replaces ``hostPathVolumes``, ``seccompProfile_restricted`` replaces
``seccompProfile_baseline``). ``latest`` and any version past 1.32 evaluate as 1.32.

Each failed check gives a reason and a detail, and :class:`AggregateCheckResult` joins them
the way the admission messages print them::

    allowPrivilegeEscalation != false (container "app" must set
    securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (...)

Left out: the ``UserNamespacesPodSecurityStandards`` relaxation (alpha, off in 1.32) and the
checks added after 1.32 (host probes and lifecycle hooks, restricted ``procMount``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.api.errors import go_quote

__all__ = [
    "CHECKS",
    "LEVEL_BASELINE",
    "LEVEL_PRIVILEGED",
    "LEVEL_RESTRICTED",
    "MAX_VERSION",
    "AggregateCheckResult",
    "Check",
    "CheckResult",
    "LevelVersion",
    "Version",
    "aggregate_check_results",
    "evaluate_pod",
]

LEVEL_PRIVILEGED: Final = "privileged"
LEVEL_BASELINE: Final = "baseline"
LEVEL_RESTRICTED: Final = "restricted"


@dataclass(frozen=True, order=True)
class Version:
    """A policy version: ``v1.<minor>`` or ``latest`` (``api.Version``)."""

    major: int = 1
    minor: int = 0
    latest: bool = False

    def __str__(self) -> str:
        return "latest" if self.latest else f"v{self.major}.{self.minor}"

    def older(self, other: Version) -> bool:
        """``Version.Older``: ``latest`` is newer than every numbered version."""
        if self.latest:
            return False
        if other.latest:
            return True
        return (self.major, self.minor) < (other.major, other.minor)


LATEST: Final = Version(latest=True)
#: The newest MinimumVersion among the 1.32 checks (sysctls v1.32).
MAX_VERSION: Final = Version(1, 32)


@dataclass(frozen=True)
class LevelVersion:
    """A level at a version, printed ``restricted:latest`` or ``baseline:v1.30``."""

    level: str
    version: Version = LATEST

    def __str__(self) -> str:
        return f"{self.level}:{self.version}"


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict (``policy.CheckResult``)."""

    allowed: bool
    forbidden_reason: str = ""
    forbidden_detail: str = ""


ALLOWED: Final = CheckResult(True)

CheckFn = Callable[[Mapping[str, Any], Mapping[str, Any]], CheckResult]


@dataclass(frozen=True)
class VersionedCheck:
    """One implementation of a check, used from ``minimum_version`` on."""

    minimum_version: Version
    check: CheckFn
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """A Pod Security Standards rule (``policy.Check``)."""

    id: str
    level: str
    versions: tuple[VersionedCheck, ...]


@dataclass
class AggregateCheckResult:
    """All failed checks of one evaluation (``policy.AggregateCheckResult``)."""

    allowed: bool
    forbidden_reasons: list[str] = field(default_factory=list)
    forbidden_details: list[str] = field(default_factory=list)

    def forbidden_reason(self) -> str:
        """The reasons, comma-separated (used for existing-pod warnings)."""
        return ", ".join(self.forbidden_reasons)

    def forbidden_detail(self) -> str:
        """``reason (detail), reason (detail)`` -- the text of admission messages."""
        parts = []
        for reason, detail in zip(self.forbidden_reasons, self.forbidden_details, strict=True):
            parts.append(f"{reason} ({detail})" if detail else reason)
        return ", ".join(parts)


def aggregate_check_results(results: list[CheckResult]) -> AggregateCheckResult:
    """``AggregateCheckResults``: collect the failures, in check order."""
    reasons: list[str] = []
    details: list[str] = []
    for result in results:
        if not result.allowed:
            reasons.append(result.forbidden_reason or "unknown forbidden reason")
            details.append(result.forbidden_detail)
    return AggregateCheckResult(not reasons, reasons, details)


# ---------------------------------------------------------------------------------------------
# helpers (policy/helpers.go, visitor.go)


def _join_quote(items: list[str]) -> str:
    return '"' + '", "'.join(items) + '"' if items else ""


def _pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _m(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _containers(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    # visitContainers: init containers, containers, ephemeral containers.
    out: list[Mapping[str, Any]] = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        out += [c for c in _l(spec.get(key)) if isinstance(c, Mapping)]
    return out


def _name(container: Mapping[str, Any]) -> str:
    return str(container.get("name", ""))


def _sc(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    sc = obj.get("securityContext")
    return sc if isinstance(sc, Mapping) else None


def _containers_phrase(names: list[str]) -> str:
    return f"{_pluralize('container', 'containers', len(names))} {_join_quote(names)}"


def _is_windows(spec: Mapping[str, Any]) -> bool:
    return _m(spec.get("os")).get("name") == "windows"


# ---------------------------------------------------------------------------------------------
# baseline checks


def _app_armor_profile(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_appArmorProfile.go
    allowed_types = ("RuntimeDefault", "Localhost")
    bad_setters: list[str] = []
    bad_values: set[str] = set()
    pod_sc = _sc(spec)
    if pod_sc is not None and isinstance(pod_sc.get("appArmorProfile"), Mapping):
        profile_type = str(pod_sc["appArmorProfile"].get("type", ""))
        if profile_type not in allowed_types:
            bad_setters.append("pod")
            bad_values.add(profile_type)
    bad_containers: list[str] = []
    for c in _containers(spec):
        sc = _sc(c)
        if sc is not None and isinstance(sc.get("appArmorProfile"), Mapping):
            profile_type = str(sc["appArmorProfile"].get("type", ""))
            if profile_type not in allowed_types:
                bad_containers.append(_name(c))
                bad_values.add(profile_type)
    if bad_containers:
        bad_setters.append(_containers_phrase(bad_containers))
    forbidden_annotations = []
    prefix = "container.apparmor.security.beta.kubernetes.io/"
    for key, value in _m(meta.get("annotations")).items():
        value = str(value)
        allowed = not value or value == "runtime/default" or value.startswith("localhost/")
        if str(key).startswith(prefix) and not allowed:
            forbidden_annotations.append(f"{key}={go_quote(value)}")
    bad_value_list = sorted(bad_values)
    if forbidden_annotations:
        bad_value_list += sorted(forbidden_annotations)
        bad_setters.append(_pluralize("annotation", "annotations", len(forbidden_annotations)))
    if bad_setters:
        return CheckResult(
            False,
            _pluralize(
                "forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad_value_list)
            ),
            f"{' and '.join(bad_setters)} must not set AppArmor profile type to "
            f"{_join_quote(bad_value_list)}",
        )
    return ALLOWED


_CAPABILITIES_ALLOWED_1_0: Final = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def _capabilities_baseline(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_capabilities_baseline.go
    bad_containers: list[str] = []
    non_default: set[str] = set()
    for c in _containers(spec):
        sc = _sc(c)
        if sc is None or not isinstance(sc.get("capabilities"), Mapping):
            continue
        valid = True
        for cap in _l(sc["capabilities"].get("add")):
            if str(cap) not in _CAPABILITIES_ALLOWED_1_0:
                valid = False
                non_default.add(str(cap))
        if not valid:
            bad_containers.append(_name(c))
    if bad_containers:
        return CheckResult(
            False,
            "non-default capabilities",
            f"{_containers_phrase(bad_containers)} must not include "
            f"{_join_quote(sorted(non_default))} in securityContext.capabilities.add",
        )
    return ALLOWED


def _host_namespaces(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_hostNamespaces.go
    found = [
        f"{key}=true" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key) is True
    ]
    if found:
        return CheckResult(False, "host namespaces", ", ".join(found))
    return ALLOWED


def _host_path_volumes(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_hostPathVolumes.go
    names = [
        str(v.get("name", ""))
        for v in _l(spec.get("volumes"))
        if isinstance(v, Mapping) and v.get("hostPath") is not None
    ]
    if names:
        return CheckResult(
            False,
            "hostPath volumes",
            f"{_pluralize('volume', 'volumes', len(names))} {_join_quote(names)}",
        )
    return ALLOWED


def _host_ports(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_hostPorts.go
    bad_containers: list[str] = []
    ports: set[str] = set()
    for c in _containers(spec):
        valid = True
        for port in _l(c.get("ports")):
            host_port = _m(port).get("hostPort")
            if host_port not in (None, 0):
                valid = False
                ports.add(str(host_port))
        if not valid:
            bad_containers.append(_name(c))
    if bad_containers:
        return CheckResult(
            False,
            "hostPort",
            f"{_containers_phrase(bad_containers)} "
            f"{_pluralize('uses', 'use', len(bad_containers))} "
            f"{_pluralize('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}",
        )
    return ALLOWED


def _privileged(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_privileged.go
    bad = [_name(c) for c in _containers(spec) if _m(_sc(c)).get("privileged") is True]
    if bad:
        return CheckResult(
            False,
            "privileged",
            f"{_containers_phrase(bad)} must not set securityContext.privileged=true",
        )
    return ALLOWED


def _proc_mount(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_procMount.go
    bad: list[str] = []
    types: set[str] = set()
    for c in _containers(spec):
        value = _m(_sc(c)).get("procMount")
        if value is not None and value != "Default":
            bad.append(_name(c))
            types.add(str(value))
    if bad:
        return CheckResult(
            False,
            "procMount",
            f"{_containers_phrase(bad)} must not set securityContext.procMount to "
            f"{_join_quote(sorted(types))}",
        )
    return ALLOWED


_SELINUX_TYPES_1_0: Final = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_SELINUX_TYPES_1_31: Final = _SELINUX_TYPES_1_0 | {"container_engine_t"}


def _se_linux_options(allowed_types: frozenset[str]) -> CheckFn:
    # check_seLinuxOptions.go
    def check(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
        bad_types: set[str] = set()
        flags = {"user": False, "role": False}

        def valid(opts: Mapping[str, Any]) -> bool:
            ok = True
            selinux_type = str(opts.get("type") or "")
            if selinux_type not in allowed_types:
                ok = False
                bad_types.add(selinux_type)
            for key in ("user", "role"):
                if opts.get(key):
                    ok = False
                    flags[key] = True
            return ok

        bad_setters: list[str] = []
        pod_opts = _m(_sc(spec)).get("seLinuxOptions")
        if isinstance(pod_opts, Mapping) and not valid(pod_opts):
            bad_setters.append("pod")
        bad_containers = []
        for c in _containers(spec):
            opts = _m(_sc(c)).get("seLinuxOptions")
            if isinstance(opts, Mapping) and not valid(opts):
                bad_containers.append(_name(c))
        if bad_containers:
            bad_setters.append(_containers_phrase(bad_containers))
        if bad_setters:
            bad_data = []
            if bad_types:
                bad_data.append(
                    f"{_pluralize('type', 'types', len(bad_types))} "
                    f"{_join_quote(sorted(bad_types))}"
                )
            if flags["user"]:
                bad_data.append("user may not be set")
            if flags["role"]:
                bad_data.append("role may not be set")
            return CheckResult(
                False,
                "seLinuxOptions",
                f"{' and '.join(bad_setters)} set forbidden securityContext.seLinuxOptions: "
                f"{'; '.join(bad_data)}",
            )
        return ALLOWED

    return check


_SECCOMP_POD_ANNOTATION: Final = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_PREFIX: Final = "container.seccomp.security.alpha.kubernetes.io/"


def _valid_seccomp(profile_type: Any) -> bool:
    return profile_type in ("Localhost", "RuntimeDefault")


def _seccomp_baseline_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_seccompProfile_baseline.go, before 1.19: the alpha annotations.
    annotations = _m(meta.get("annotations"))

    def valid(value: str) -> bool:
        return value in ("runtime/default", "docker/default") or value.startswith("localhost/")

    forbidden: set[str] = set()
    if _SECCOMP_POD_ANNOTATION in annotations:
        value = str(annotations[_SECCOMP_POD_ANNOTATION])
        if not valid(value):
            forbidden.add(f"{_SECCOMP_POD_ANNOTATION}={go_quote(value)}")
    for c in _containers(spec):
        key = _SECCOMP_CONTAINER_PREFIX + _name(c)
        if key in annotations and not valid(str(annotations[key])):
            forbidden.add(f"{key}={go_quote(str(annotations[key]))}")
    if forbidden:
        return CheckResult(
            False,
            "seccompProfile",
            f"forbidden {_pluralize('annotation', 'annotations', len(forbidden))} "
            f"{', '.join(sorted(forbidden))}",
        )
    return ALLOWED


def _seccomp_baseline_1_19(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_seccompProfile_baseline.go, 1.19 on: the securityContext fields.
    bad_setters: list[str] = []
    bad_values: set[str] = set()
    pod_profile = _m(_sc(spec)).get("seccompProfile")
    if isinstance(pod_profile, Mapping) and not _valid_seccomp(pod_profile.get("type")):
        bad_setters.append("pod")
        bad_values.add(str(pod_profile.get("type", "")))
    bad_containers = []
    for c in _containers(spec):
        profile = _m(_sc(c)).get("seccompProfile")
        if isinstance(profile, Mapping) and not _valid_seccomp(profile.get("type")):
            bad_containers.append(_name(c))
            bad_values.add(str(profile.get("type", "")))
    if bad_containers:
        bad_setters.append(_containers_phrase(bad_containers))
    if bad_setters:
        return CheckResult(
            False,
            "seccompProfile",
            f"{' and '.join(bad_setters)} must not set securityContext.seccompProfile.type to "
            f"{_join_quote(sorted(bad_values))}",
        )
    return ALLOWED


_SYSCTLS_1_0: Final = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
_SYSCTLS_1_27: Final = _SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
_SYSCTLS_1_29: Final = _SYSCTLS_1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
_SYSCTLS_1_32: Final = _SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}


def _sysctls(allowed: frozenset[str]) -> CheckFn:
    # check_sysctls.go
    def check(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
        forbidden = [
            str(_m(s).get("name", ""))
            for s in _l(_m(_sc(spec)).get("sysctls"))
            if str(_m(s).get("name", "")) not in allowed
        ]
        if forbidden:
            return CheckResult(False, "forbidden sysctls", ", ".join(forbidden))
        return ALLOWED

    return check


def _windows_host_process(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_windowsHostProcess.go
    def host_process(sc: Mapping[str, Any] | None) -> bool:
        return _m(_m(sc).get("windowsOptions")).get("hostProcess") is True

    setters = ["pod"] if host_process(_sc(spec)) else []
    bad = [_name(c) for c in _containers(spec) if host_process(_sc(c))]
    if bad:
        setters.append(_containers_phrase(bad))
    if setters:
        return CheckResult(
            False,
            "hostProcess",
            f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
        )
    return ALLOWED


# ---------------------------------------------------------------------------------------------
# restricted checks


def _allow_privilege_escalation(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_allowPrivilegeEscalation.go (1.8): unset counts as allowed, so it must be false.
    bad = [
        _name(c)
        for c in _containers(spec)
        if _sc(c) is None or _m(_sc(c)).get("allowPrivilegeEscalation") is not False
    ]
    if bad:
        return CheckResult(
            False,
            "allowPrivilegeEscalation != false",
            f"{_containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false",
        )
    return ALLOWED


def _capabilities_restricted(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_capabilities_restricted.go (1.22): drop ALL; add at most NET_BIND_SERVICE.
    missing_drop: list[str] = []
    adding: list[str] = []
    forbidden: set[str] = set()
    for c in _containers(spec):
        caps = _m(_sc(c)).get("capabilities")
        if not isinstance(caps, Mapping):
            missing_drop.append(_name(c))
            continue
        if "ALL" not in [str(x) for x in _l(caps.get("drop"))]:
            missing_drop.append(_name(c))
        added = [str(x) for x in _l(caps.get("add")) if str(x) != "NET_BIND_SERVICE"]
        if added:
            forbidden.update(added)
            adding.append(_name(c))
    details = []
    if missing_drop:
        details.append(
            f'{_containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]'
        )
    if adding:
        details.append(
            f"{_containers_phrase(adding)} must not include {_join_quote(sorted(forbidden))} "
            "in securityContext.capabilities.add"
        )
    if details:
        return CheckResult(False, "unrestricted capabilities", "; ".join(details))
    return ALLOWED


# check_restrictedVolumes.go: allowed sources, then the names of the others in switch order.
_ALLOWED_VOLUME_SOURCES: Final = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
_RESTRICTED_VOLUME_SOURCES: Final = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)


def _restricted_volumes(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad: list[str] = []
    types: set[str] = set()
    for volume in _l(spec.get("volumes")):
        if not isinstance(volume, Mapping):
            continue
        if any(volume.get(key) is not None for key in _ALLOWED_VOLUME_SOURCES):
            continue
        bad.append(str(volume.get("name", "")))
        kind = next((k for k in _RESTRICTED_VOLUME_SOURCES if volume.get(k) is not None), None)
        types.add(kind or "unknown")
    if bad:
        return CheckResult(
            False,
            "restricted volume types",
            f"{_pluralize('volume', 'volumes', len(bad))} {_join_quote(bad)} "
            f"{_pluralize('uses', 'use', len(bad))} "
            f"{_pluralize('restricted volume type', 'restricted volume types', len(types))} "
            f"{_join_quote(sorted(types))}",
        )
    return ALLOWED


def _run_as_non_root(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_runAsNonRoot.go
    bad_setters: list[str] = []
    pod_value = _m(_sc(spec)).get("runAsNonRoot")
    pod_non_root = False
    if isinstance(pod_value, bool):
        if pod_value:
            pod_non_root = True
        else:
            bad_setters.append("pod")
    explicit: list[str] = []
    implicit: list[str] = []
    for c in _containers(spec):
        value = _m(_sc(c)).get("runAsNonRoot")
        if isinstance(value, bool):
            if not value:
                explicit.append(_name(c))
        elif not pod_non_root:
            implicit.append(_name(c))
    if explicit:
        bad_setters.append(_containers_phrase(explicit))
    if bad_setters:
        return CheckResult(
            False,
            "runAsNonRoot != true",
            f"{' and '.join(bad_setters)} must not set securityContext.runAsNonRoot=false",
        )
    if implicit:
        return CheckResult(
            False,
            "runAsNonRoot != true",
            f"pod or {_containers_phrase(implicit)} must set securityContext.runAsNonRoot=true",
        )
    return ALLOWED


def _run_as_user(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_runAsUser.go (1.23)
    def is_root(sc: Mapping[str, Any] | None) -> bool:
        value = _m(sc).get("runAsUser")
        return isinstance(value, int) and not isinstance(value, bool) and value == 0

    setters = ["pod"] if is_root(_sc(spec)) else []
    bad = [_name(c) for c in _containers(spec) if is_root(_sc(c))]
    if bad:
        setters.append(_containers_phrase(bad))
    if setters:
        return CheckResult(
            False, "runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0"
        )
    return ALLOWED


def _seccomp_restricted(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    # check_seccompProfile_restricted.go (1.19): RuntimeDefault or Localhost must be set.
    bad_setters: list[str] = []
    bad_values: set[str] = set()
    pod_set = False
    pod_profile = _m(_sc(spec)).get("seccompProfile")
    if isinstance(pod_profile, Mapping):
        if not _valid_seccomp(pod_profile.get("type")):
            bad_setters.append("pod")
            bad_values.add(str(pod_profile.get("type", "")))
        else:
            pod_set = True
    explicit: list[str] = []
    implicit: list[str] = []
    for c in _containers(spec):
        profile = _m(_sc(c)).get("seccompProfile")
        if isinstance(profile, Mapping):
            if not _valid_seccomp(profile.get("type")):
                explicit.append(_name(c))
                bad_values.add(str(profile.get("type", "")))
        elif not pod_set:
            implicit.append(_name(c))
    if explicit:
        bad_setters.append(_containers_phrase(explicit))
    if bad_setters:
        return CheckResult(
            False,
            "seccompProfile",
            f"{' and '.join(bad_setters)} must not set securityContext.seccompProfile.type to "
            f"{_join_quote(sorted(bad_values))}",
        )
    if implicit:
        return CheckResult(
            False,
            "seccompProfile",
            f"pod or {_containers_phrase(implicit)} must set securityContext.seccompProfile.type "
            'to "RuntimeDefault" or "Localhost"',
        )
    return ALLOWED


def _not_on_windows(check: CheckFn) -> CheckFn:
    """The 1.25 versions of three restricted checks: Windows pods (``spec.os.name``) pass."""

    def wrapped(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
        if _is_windows(spec):
            return ALLOWED
        return check(meta, spec)

    return wrapped


def _v(minor: int, check: CheckFn, *overrides: str) -> VersionedCheck:
    return VersionedCheck(Version(1, minor), check, tuple(overrides))


#: Every check of 1.32, as registered by the policy package's ``init`` functions.
CHECKS: Final[tuple[Check, ...]] = (
    Check("appArmorProfile", LEVEL_BASELINE, (_v(0, _app_armor_profile),)),
    Check("capabilities_baseline", LEVEL_BASELINE, (_v(0, _capabilities_baseline),)),
    Check("hostNamespaces", LEVEL_BASELINE, (_v(0, _host_namespaces),)),
    Check("hostPathVolumes", LEVEL_BASELINE, (_v(0, _host_path_volumes),)),
    Check("hostPorts", LEVEL_BASELINE, (_v(0, _host_ports),)),
    Check("privileged", LEVEL_BASELINE, (_v(0, _privileged),)),
    Check("procMount", LEVEL_BASELINE, (_v(0, _proc_mount),)),
    Check(
        "seLinuxOptions",
        LEVEL_BASELINE,
        (
            _v(0, _se_linux_options(_SELINUX_TYPES_1_0)),
            _v(31, _se_linux_options(_SELINUX_TYPES_1_31)),
        ),
    ),
    Check(
        "seccompProfile_baseline",
        LEVEL_BASELINE,
        (_v(0, _seccomp_baseline_1_0), _v(19, _seccomp_baseline_1_19)),
    ),
    Check(
        "sysctls",
        LEVEL_BASELINE,
        (
            _v(0, _sysctls(_SYSCTLS_1_0)),
            _v(27, _sysctls(_SYSCTLS_1_27)),
            _v(29, _sysctls(_SYSCTLS_1_29)),
            _v(32, _sysctls(_SYSCTLS_1_32)),
        ),
    ),
    Check("windowsHostProcess", LEVEL_BASELINE, (_v(0, _windows_host_process),)),
    Check(
        "allowPrivilegeEscalation",
        LEVEL_RESTRICTED,
        (_v(8, _allow_privilege_escalation), _v(25, _not_on_windows(_allow_privilege_escalation))),
    ),
    Check(
        "capabilities_restricted",
        LEVEL_RESTRICTED,
        (
            _v(22, _capabilities_restricted, "capabilities_baseline"),
            _v(25, _not_on_windows(_capabilities_restricted), "capabilities_baseline"),
        ),
    ),
    Check(
        "restrictedVolumes",
        LEVEL_RESTRICTED,
        (_v(0, _restricted_volumes, "hostPathVolumes"),),
    ),
    Check("runAsNonRoot", LEVEL_RESTRICTED, (_v(0, _run_as_non_root),)),
    Check("runAsUser", LEVEL_RESTRICTED, (_v(23, _run_as_user),)),
    Check(
        "seccompProfile_restricted",
        LEVEL_RESTRICTED,
        (
            _v(19, _seccomp_restricted, "seccompProfile_baseline"),
            _v(25, _not_on_windows(_seccomp_restricted), "seccompProfile_baseline"),
        ),
    ),
)

# registry.go populate: baseline IDs sorted, then restricted IDs sorted.
_ORDERED: Final[tuple[Check, ...]] = tuple(
    sorted((c for c in CHECKS if c.level == LEVEL_BASELINE), key=lambda c: c.id)
) + tuple(sorted((c for c in CHECKS if c.level == LEVEL_RESTRICTED), key=lambda c: c.id))


def _active(check: Check, version: Version) -> VersionedCheck | None:
    current = None
    for vc in check.versions:
        if not version.older(vc.minimum_version):
            current = vc
    return current


def evaluate_pod(
    lv: LevelVersion, pod_metadata: Mapping[str, Any], pod_spec: Mapping[str, Any]
) -> list[CheckResult]:
    """``checkRegistry.EvaluatePod``: every check of the level at the version, in order."""
    if lv.level == LEVEL_PRIVILEGED:
        return []
    version = lv.version
    if MAX_VERSION.older(version):
        version = MAX_VERSION
    active = [(c, _active(c, version)) for c in _ORDERED]
    present = [(c, vc) for c, vc in active if vc is not None]
    if lv.level == LEVEL_BASELINE:
        chosen = [vc for c, vc in present if c.level == LEVEL_BASELINE]
    else:
        overridden = {o for c, vc in present if c.level == LEVEL_RESTRICTED for o in vc.overrides}
        chosen = [vc for c, vc in present if c.id not in overridden]
    return [vc.check(pod_metadata, pod_spec) for vc in chosen]
