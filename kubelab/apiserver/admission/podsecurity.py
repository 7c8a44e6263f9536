"""PodSecurity: the Pod Security Standards, enforced per namespace by labels.

Model of ``k8s.io/pod-security-admission/admission`` (``admission.go``, ``response.go``),
``api/helpers.go`` and the kube-apiserver wrapper ``plugin/pkg/admission/security/
podsecurity``, Kubernetes 1.32. A namespace chooses a level per mode with labels::

    pod-security.kubernetes.io/enforce: restricted      # reject violating pods
    pod-security.kubernetes.io/enforce-version: v1.30   # optional, default latest
    pod-security.kubernetes.io/warn: baseline           # admit, but warn the client
    pod-security.kubernetes.io/audit: baseline          # admit, annotate the audit event

Levels are ``privileged`` (no checks), ``baseline`` and ``restricted``
(:mod:`.podsecurity_policy`). With no labels the cluster default applies
(``privileged:latest`` for all three modes unless configured).

* Pods (CREATE, and UPDATEs that change an image; ``status``, ``binding``, ``exec`` and
  the other non-spec subresources are skipped): an ``enforce`` violation is a 403
  ``pods "x" is forbidden: violates PodSecurity "restricted:latest": <reason (detail)>, ...``;
  a ``warn`` violation becomes the warning ``would violate PodSecurity "baseline:latest":
  ...``; an ``audit`` violation the audit annotation
  ``pod-security.kubernetes.io/audit-violations``.
* Workload objects with a pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet,
  Job, CronJob, ReplicationController, PodTemplate): ``warn`` and ``audit`` only -- they
  are never rejected, their pods are.
* Namespaces: bad label values are a 422 (``metadata.labels[pod-security.kubernetes.io/
  enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted``);
  tightening ``enforce`` on an existing namespace warns about the pods already there that
  would now be rejected.

An invalid ``enforce`` level fails closed (evaluated as ``restricted``), invalid ``warn`` and
``audit`` levels fail open (``privileged``); an invalid version reads as ``latest``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from kubelab.api.errors import FieldError
from kubelab.apiserver import errors
from kubelab.apiserver.admission.interfaces import (
    CREATE,
    UPDATE,
    AdmissionRequest,
    Lister,
    Plugin,
    PluginResult,
)
from kubelab.apiserver.admission.podresources import aggregate_message
from kubelab.apiserver.admission.podsecurity_policy import (
    LATEST,
    LEVEL_BASELINE,
    LEVEL_PRIVILEGED,
    LEVEL_RESTRICTED,
    LevelVersion,
    Version,
    aggregate_check_results,
    evaluate_pod,
)

__all__ = [
    "AUDIT_LEVEL_LABEL",
    "DEFAULT_POLICY",
    "ENFORCE_LEVEL_LABEL",
    "WARN_LEVEL_LABEL",
    "PodSecurity",
    "Policy",
    "policy_to_evaluate",
]

_LABEL_PREFIX: Final = "pod-security.kubernetes.io/"
ENFORCE_LEVEL_LABEL: Final = _LABEL_PREFIX + "enforce"
ENFORCE_VERSION_LABEL: Final = _LABEL_PREFIX + "enforce-version"
AUDIT_LEVEL_LABEL: Final = _LABEL_PREFIX + "audit"
AUDIT_VERSION_LABEL: Final = _LABEL_PREFIX + "audit-version"
WARN_LEVEL_LABEL: Final = _LABEL_PREFIX + "warn"
WARN_VERSION_LABEL: Final = _LABEL_PREFIX + "warn-version"
# Audit annotation keys, prefixed with the label prefix by the kube-apiserver wrapper.
EXEMPTION_REASON_ANNOTATION: Final = "exempt"
AUDIT_VIOLATIONS_ANNOTATION: Final = "audit-violations"
ENFORCED_POLICY_ANNOTATION: Final = "enforce-policy"

_LEVELS: Final = (LEVEL_PRIVILEGED, LEVEL_BASELINE, LEVEL_RESTRICTED)
_LEVEL_RANK: Final = {LEVEL_PRIVILEGED: 0, LEVEL_BASELINE: 1, LEVEL_RESTRICTED: 2}
NAMESPACE_MAX_PODS_TO_CHECK: Final = 3000  # defaultNamespaceMaxPodsToCheck

# ignoredPodSubresources
_IGNORED_POD_SUBRESOURCES: Final = frozenset(
    {"exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"}
)
# defaultPodSpecResources other than pods: (group, resource) -> path to the pod template.
_POD_TEMPLATE_PATHS: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("", "replicationcontrollers"): ("spec", "template"),
    ("", "podtemplates"): ("template",),
    ("apps", "replicasets"): ("spec", "template"),
    ("apps", "deployments"): ("spec", "template"),
    ("apps", "statefulsets"): ("spec", "template"),
    ("apps", "daemonsets"): ("spec", "template"),
    ("batch", "jobs"): ("spec", "template"),
    ("batch", "cronjobs"): ("spec", "jobTemplate", "spec", "template"),
}
_VERSION_ERROR: Final = 'must be "latest" or "v1.x"'


_PRIVILEGED_LATEST: Final = LevelVersion(LEVEL_PRIVILEGED, LATEST)
_PRIVILEGED_LATEST_TEXT: Final = str(LevelVersion(LEVEL_PRIVILEGED))
_ENFORCED_POLICY_KEY: Final = _LABEL_PREFIX + ENFORCED_POLICY_ANNOTATION
_POLICY_LABELS: Final = (
    ENFORCE_LEVEL_LABEL,
    ENFORCE_VERSION_LABEL,
    AUDIT_LEVEL_LABEL,
    AUDIT_VERSION_LABEL,
    WARN_LEVEL_LABEL,
    WARN_VERSION_LABEL,
)
_POLICY_LABEL_SET: Final = frozenset(_POLICY_LABELS)


@dataclass(frozen=True)
class Policy:
    """The three modes' level and version (``api.Policy``)."""

    enforce: LevelVersion = _PRIVILEGED_LATEST
    audit: LevelVersion = _PRIVILEGED_LATEST
    warn: LevelVersion = _PRIVILEGED_LATEST

    def fully_privileged(self) -> bool:
        """All three modes at ``privileged``."""
        return (
            self.enforce.level == LEVEL_PRIVILEGED
            and self.audit.level == LEVEL_PRIVILEGED
            and self.warn.level == LEVEL_PRIVILEGED
        )


#: The kube-apiserver default: every mode at privileged:latest.
DEFAULT_POLICY: Final = Policy()


def _equivalent(a: LevelVersion, b: LevelVersion) -> bool:
    return (a.level == LEVEL_PRIVILEGED and b.level == LEVEL_PRIVILEGED) or a == b


def _parse_level(text: str) -> tuple[str, str]:
    if text in _LEVELS:
        return text, ""
    return LEVEL_RESTRICTED, "must be one of " + ", ".join(_LEVELS)


def _parse_version(text: str) -> tuple[Version, str]:
    if text == "latest":
        return LATEST, ""
    prefix = "v1."
    minor = text[len(prefix) :]
    if (
        text.startswith(prefix)
        and minor.isascii()
        and minor.isdigit()
        and (minor == "0" or not minor.startswith("0"))
    ):
        return Version(1, int(minor)), ""
    return LATEST, _VERSION_ERROR


def policy_to_evaluate(
    labels: Mapping[str, Any] | None, defaults: Policy = DEFAULT_POLICY
) -> tuple[Policy, list[FieldError]]:
    """``api.PolicyToEvaluate``: the namespace labels over the defaults, and label errors.

    Without a ``warn`` label, ``warn`` is raised to the ``enforce`` level (and version), so
    a namespace that enforces also warns.
    """
    if not labels:
        return defaults, []
    if labels.keys().isdisjoint(_POLICY_LABEL_SET):
        if type(defaults) is Policy:
            return defaults, []  # (immutable: the same values as a copy)
        return Policy(defaults.enforce, defaults.audit, defaults.warn), []
    errs: list[FieldError] = []

    def error(label: str, value: str, detail: str) -> None:
        if detail:
            errs.append(FieldError.invalid(f"metadata.labels[{label}]", value, detail))

    enforce, audit, warn = defaults.enforce, defaults.audit, defaults.warn
    has_enforce_level = has_warn_level = has_warn_version = False
    if ENFORCE_LEVEL_LABEL in labels:
        value = str(labels[ENFORCE_LEVEL_LABEL])
        level, err = _parse_level(value)
        enforce = LevelVersion(level, enforce.version)
        has_enforce_level = not err
        error(ENFORCE_LEVEL_LABEL, value, err)
    if ENFORCE_VERSION_LABEL in labels:
        value = str(labels[ENFORCE_VERSION_LABEL])
        version, err = _parse_version(value)
        enforce = LevelVersion(enforce.level, version)
        error(ENFORCE_VERSION_LABEL, value, err)
    if AUDIT_LEVEL_LABEL in labels:
        value = str(labels[AUDIT_LEVEL_LABEL])
        level, err = _parse_level(value)
        audit = LevelVersion(LEVEL_PRIVILEGED if err else level, audit.version)
        error(AUDIT_LEVEL_LABEL, value, err)
    if AUDIT_VERSION_LABEL in labels:
        value = str(labels[AUDIT_VERSION_LABEL])
        version, err = _parse_version(value)
        audit = LevelVersion(audit.level, version)
        error(AUDIT_VERSION_LABEL, value, err)
    if WARN_LEVEL_LABEL in labels:
        has_warn_level = True
        value = str(labels[WARN_LEVEL_LABEL])
        level, err = _parse_level(value)
        warn = LevelVersion(LEVEL_PRIVILEGED if err else level, warn.version)
        error(WARN_LEVEL_LABEL, value, err)
    if WARN_VERSION_LABEL in labels:
        has_warn_version = True
        value = str(labels[WARN_VERSION_LABEL])
        version, err = _parse_version(value)
        warn = LevelVersion(warn.level, version)
        error(WARN_VERSION_LABEL, value, err)
    if (
        not has_warn_level
        and has_enforce_level
        and _LEVEL_RANK[enforce.level] > _LEVEL_RANK[warn.level]
    ):
        warn = LevelVersion(enforce.level, warn.version if has_warn_version else enforce.version)
    return Policy(enforce, audit, warn), errs


def _labels(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if obj is None:
        return {}
    meta = obj.get("metadata")
    labels = meta.get("labels") if type(meta) is dict or isinstance(meta, Mapping) else None
    return labels if type(labels) is dict or isinstance(labels, Mapping) else {}


def _get(obj: Mapping[str, Any], path: Sequence[str]) -> Mapping[str, Any] | None:
    current: Any = obj
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current if isinstance(current, Mapping) else None


def _meta_spec(obj: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    meta = obj.get("metadata")
    spec = obj.get("spec")
    return (
        meta if isinstance(meta, Mapping) else {},
        spec if isinstance(spec, Mapping) else {},
    )


def _images(spec: Mapping[str, Any], key: str) -> list[Any]:
    containers = spec.get(key)
    if not isinstance(containers, list):
        return []
    return [c.get("image") if isinstance(c, Mapping) else None for c in containers]


def _significant_pod_update(pod: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    # isSignificantPodUpdate: only container images (and added ephemeral containers) matter.
    _, spec = _meta_spec(pod)
    _, old_spec = _meta_spec(old)
    for key in ("containers", "initContainers"):
        if _images(spec, key) != _images(old_spec, key):
            return True
    old_ephemeral = {
        c.get("name"): c.get("image")
        for c in old_spec.get("ephemeralContainers") or []
        if isinstance(c, Mapping)
    }
    for c in spec.get("ephemeralContainers") or []:
        if not isinstance(c, Mapping):
            continue
        if c.get("name") not in old_ephemeral or old_ephemeral[c.get("name")] != c.get("image"):
            return True
    return False


@dataclass
class PodSecurity(Plugin):
    """The ``PodSecurity`` admission plugin (validating).

    ``defaults`` is the ``PodSecurityConfiguration`` default policy; the exemption lists
    skip pods in those namespaces, created by those users, or with those runtime classes.
    """

    name: ClassVar[str] = "PodSecurity"
    operations: ClassVar[frozenset[str]] = frozenset({CREATE, UPDATE})

    defaults: Policy = field(default_factory=Policy)
    exempt_namespaces: frozenset[str] = frozenset()
    exempt_usernames: frozenset[str] = frozenset()
    exempt_runtime_classes: frozenset[str] = frozenset()

    def validate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Evaluate pods (enforce, warn, audit), pod templates (warn, audit), namespaces."""
        if req.group == "" and req.resource == "namespaces":
            return self._validate_namespace(req, lister)
        if req.group == "" and req.resource == "pods":
            return self._validate_pod(req, lister)
        if (req.group, req.resource) in _POD_TEMPLATE_PATHS:
            return self._validate_pod_controller(req, lister)
        return None

    # -- namespaces ---------------------------------------------------------------------

    def _validate_namespace(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        if req.subresource or req.object is None:
            return None
        new_policy, new_errs = policy_to_evaluate(_labels(req.object), self.defaults)
        ns_name = req.name or str((req.object.get("metadata") or {}).get("name", ""))
        if req.operation == CREATE:
            if new_errs:
                raise errors.invalid(req.kind, req.name, new_errs)
            warning = self._exempt_namespace_warning(ns_name, new_policy, _labels(req.object))
            if ns_name in self.exempt_namespaces and warning:
                return PluginResult(warnings=[warning])
            return None
        old_policy, old_errs = policy_to_evaluate(_labels(req.old_object), self.defaults)
        if new_errs and (not old_errs or [str(e) for e in new_errs] != [str(e) for e in old_errs]):
            raise errors.invalid(req.kind, req.name, new_errs)
        new, old = new_policy.enforce, old_policy.enforce
        if new == old or new.level == LEVEL_PRIVILEGED:
            return None
        if new.version == old.version and _LEVEL_RANK[new.level] <= _LEVEL_RANK[old.level]:
            return None
        if ns_name in self.exempt_namespaces:
            warning = self._exempt_namespace_warning(ns_name, new_policy, _labels(req.object))
            return PluginResult(warnings=[warning]) if warning else None
        return PluginResult(warnings=self.evaluate_pods_in_namespace(ns_name, new, lister))

    def _exempt_namespace_warning(
        self, namespace: str, policy: Policy, labels: Mapping[str, Any]
    ) -> str:
        if policy.fully_privileged() or all(
            _equivalent(a, b)
            for a, b in (
                (policy.enforce, self.defaults.enforce),
                (policy.audit, self.defaults.audit),
                (policy.warn, self.defaults.warn),
            )
        ):
            return ""
        parts = []
        for mode, lv, level_label, version_label in (
            ("enforce", policy.enforce, ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL),
            ("audit", policy.audit, AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL),
            ("warn", policy.warn, WARN_LEVEL_LABEL, WARN_VERSION_LABEL),
        ):
            if lv.level != LEVEL_PRIVILEGED and (level_label in labels or version_label in labels):
                parts.append(f"{mode}={lv}")
        return (
            f'namespace "{namespace}" is exempt from Pod Security, and the policy '
            f"({', '.join(parts)}) will be ignored"
        )

    def evaluate_pods_in_namespace(
        self, namespace: str, enforce: LevelVersion, lister: Lister
    ) -> list[str]:
        """``EvaluatePodsInNamespace``: warnings about existing pods a new level would reject.

        One warning per distinct set of failed checks, naming the first pod (by name) and
        how many others share it; pods of the same controller are checked after one of each.
        """
        pods = self._prioritize(lister.list("pods", namespace))
        total = len(pods)
        checked = pods[:NAMESPACE_MAX_PODS_TO_CHECK]
        order: list[str] = []
        first: dict[str, str] = {}
        count: dict[str, int] = {}
        for pod in checked:
            meta, spec = _meta_spec(pod)
            result = aggregate_check_results(evaluate_pod(enforce, meta, spec))
            if result.allowed:
                continue
            warning = result.forbidden_reason()
            name = str(meta.get("name", ""))
            if warning not in first:
                first[warning] = name
                order.append(warning)
            elif name < first[warning]:
                first[warning] = name
            count[warning] = count.get(warning, 0) + 1
        warnings = []
        if len(checked) < total:
            warnings.append(
                "new PodSecurity enforce level only checked against the first "
                f"{len(checked)} of {total} existing pods"
            )
        if order:
            warnings.append(
                f'existing pods in namespace "{namespace}" violate the new PodSecurity '
                f'enforce level "{enforce}"'
            )
        decorated = []
        for warning in order:
            n = count[warning]
            if n == 1:
                decorated.append(f"{first[warning]}: {warning}")
            elif n == 2:
                decorated.append(f"{first[warning]} (and 1 other pod): {warning}")
            else:
                decorated.append(f"{first[warning]} (and {n - 1} other pods): {warning}")
        return warnings + sorted(decorated)

    def _prioritize(self, pods: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        # prioritizePods: one pod per controller first, the rest of each controller's after.
        first: list[Mapping[str, Any]] = []
        rest: list[Mapping[str, Any]] = []
        seen: set[str] = set()
        for pod in pods:
            meta, spec = _meta_spec(pod)
            if self._exempt_runtime_class(spec):
                continue
            owner = next(
                (
                    o
                    for o in meta.get("ownerReferences") or []
                    if isinstance(o, Mapping) and o.get("controller") is True
                ),
                None,
            )
            if owner is None:
                first.append(pod)
                continue
            uid = str(owner.get("uid", ""))
            if uid in seen:
                rest.append(pod)
                continue
            seen.add(uid)
            first.append(pod)
        return first + rest

    # -- pods and pod templates ------------------------------------------------------------

    def _exempt_runtime_class(self, spec: Mapping[str, Any]) -> bool:
        runtime_class = spec.get("runtimeClassName")
        return bool(runtime_class) and runtime_class in self.exempt_runtime_classes

    def _exemption(self, req: AdmissionRequest) -> str:
        if req.namespace and req.namespace in self.exempt_namespaces:
            return "namespace"
        if req.user.name and req.user.name in self.exempt_usernames:
            return "user"
        return ""

    def _validate_pod(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        if req.subresource in _IGNORED_POD_SUBRESOURCES or req.object is None:
            return None
        exemption = self._exemption(req)
        if exemption:
            return PluginResult(
                audit_annotations={_LABEL_PREFIX + EXEMPTION_REASON_ANNOTATION: exemption}
            )
        namespace = lister.get_namespace(req.namespace)
        if namespace is None:
            raise errors.internal_error(f'failed to lookup namespace "{req.namespace}"')
        policy, policy_errs = policy_to_evaluate(_labels(namespace), self.defaults)
        if not policy_errs and policy.fully_privileged():
            return PluginResult(audit_annotations={_ENFORCED_POLICY_KEY: _PRIVILEGED_LATEST_TEXT})
        if (
            req.operation == UPDATE
            and req.old_object is not None
            and not _significant_pod_update(req.object, req.old_object)
        ):
            return None
        meta, spec = _meta_spec(req.object)
        return self._evaluate(req, policy, policy_errs, meta, spec, enforce=True)

    def _validate_pod_controller(
        self, req: AdmissionRequest, lister: Lister
    ) -> PluginResult | None:
        if req.subresource or req.object is None:
            return None
        exemption = self._exemption(req)
        if exemption:
            return PluginResult(
                audit_annotations={_LABEL_PREFIX + EXEMPTION_REASON_ANNOTATION: exemption}
            )
        namespace = lister.get_namespace(req.namespace)
        if namespace is None:
            return PluginResult(
                audit_annotations={
                    "error": f'failed to lookup namespace "{req.namespace}": '
                    f'namespaces "{req.namespace}" not found'
                }
            )
        policy, policy_errs = policy_to_evaluate(_labels(namespace), self.defaults)
        if not policy_errs and all(
            lv.level == LEVEL_PRIVILEGED for lv in (policy.warn, policy.audit)
        ):
            return None
        template = _get(req.object, _POD_TEMPLATE_PATHS[(req.group, req.resource)])
        if template is None:
            return None
        meta, spec = _meta_spec(template)
        return self._evaluate(req, policy, policy_errs, meta, spec, enforce=False)

    def _evaluate(
        self,
        req: AdmissionRequest,
        policy: Policy,
        policy_errs: list[FieldError],
        meta: Mapping[str, Any],
        spec: Mapping[str, Any],
        enforce: bool,
    ) -> PluginResult:
        """``Admission.EvaluatePod``."""
        if self._exempt_runtime_class(spec):
            return PluginResult(
                audit_annotations={_LABEL_PREFIX + EXEMPTION_REASON_ANNOTATION: "runtimeClass"}
            )
        annotations: dict[str, str] = {}
        if policy_errs:
            annotations["error"] = "Failed to parse policy: " + aggregate_message(
                str(e) for e in policy_errs
            )
        cached = {}
        if enforce:
            annotations[_LABEL_PREFIX + ENFORCED_POLICY_ANNOTATION] = str(policy.enforce)
            result = aggregate_check_results(evaluate_pod(policy.enforce, meta, spec))
            if not result.allowed:
                raise errors.forbidden(
                    req.resource,
                    req.name,
                    f'violates PodSecurity "{policy.enforce}": {result.forbidden_detail()}',
                    req.group,
                )
            cached[policy.enforce] = result
        audit = cached.get(policy.audit) or aggregate_check_results(
            evaluate_pod(policy.audit, meta, spec)
        )
        cached[policy.audit] = audit
        if not audit.allowed:
            annotations[_LABEL_PREFIX + AUDIT_VIOLATIONS_ANNOTATION] = (
                f'would violate PodSecurity "{policy.audit}": {audit.forbidden_detail()}'
            )
        warnings = []
        warn = cached.get(policy.warn) or aggregate_check_results(
            evaluate_pod(policy.warn, meta, spec)
        )
        if not warn.allowed:
            warnings.append(f'would violate PodSecurity "{policy.warn}": {warn.forbidden_detail()}')
        return PluginResult(warnings=warnings, audit_annotations=annotations)
