"""The admission chain: every mutating plugin in order, then every validating plugin in order.

Model of ``k8s.io/apiserver/pkg/admission/chain.go`` with the plugin order of kube-apiserver
(``pkg/kubeapiserver/options/plugins.go`` ``AllOrderedPlugins``, Kubernetes 1.32). The API
server calls the mutating phase before it validates the object and the validating phase
after; here :meth:`AdmissionChain.admit` runs both back to back, and
:meth:`AdmissionChain.mutate` / :meth:`AdmissionChain.validate` run one phase each.

The first plugin that rejects ends the request; the result names it and its phase, with the
trail of plugins that ran (what an audit log or a notebook timeline shows).
"""

from __future__ import annotations

import operator
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.apiserver.admission.defaulttolerationseconds import DefaultTolerationSeconds
from kubelab.apiserver.admission.interfaces import AdmissionRequest, Lister, Plugin, PluginResult
from kubelab.apiserver.admission.lifecycle import NamespaceLifecycle
from kubelab.apiserver.admission.limitranger import LimitRanger
from kubelab.apiserver.admission.podsecurity import PodSecurity
from kubelab.apiserver.admission.resourcequota import ResourceQuota
from kubelab.apiserver.admission.serviceaccount import ServiceAccount
from kubelab.apiserver.errors import StatusError

__all__ = [
    "ALL_ORDERED_PLUGINS",
    "MUTATING",
    "VALIDATING",
    "AdmissionChain",
    "AdmissionResult",
    "Step",
    "chain",
    "default_plugins",
]

#: ``AllOrderedPlugins`` in Kubernetes 1.32: the order plugins run in, whatever order they
#: are enabled in. Unknown plugins go where upstream inserts new ones, before the webhooks.
ALL_ORDERED_PLUGINS: Final = (
    "AlwaysAdmit",
    "NamespaceAutoProvision",
    "NamespaceLifecycle",
    "NamespaceExists",
    "LimitPodHardAntiAffinityTopology",
    "LimitRanger",
    "ServiceAccount",
    "NodeRestriction",
    "TaintNodesByCondition",
    "AlwaysPullImages",
    "ImagePolicyWebhook",
    "PodSecurity",
    "PodNodeSelector",
    "Priority",
    "DefaultTolerationSeconds",
    "PodTolerationRestriction",
    "EventRateLimit",
    "ExtendedResourceToleration",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "OwnerReferencesPermissionEnforcement",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "DenyServiceExternalIPs",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
    "AlwaysDeny",
)
_INSERT_NEW_AT: Final = ALL_ORDERED_PLUGINS.index("MutatingAdmissionPolicy")

MUTATING: Final = "mutating"
VALIDATING: Final = "validating"


def _rank(plugin: Plugin) -> float:
    if plugin.name in ALL_ORDERED_PLUGINS:
        return ALL_ORDERED_PLUGINS.index(plugin.name)
    return _INSERT_NEW_AT - 0.5


@dataclass(frozen=True)
class Step:
    """One plugin call: which plugin, in which phase, and whether it admitted the request."""

    plugin: str
    phase: str
    allowed: bool


# Steps are immutable: one instance per (plugin, phase, verdict) serves every trail.
_STEPS: dict[tuple[str, str, bool], Step] = {}


def _step(plugin: str, phase: str, allowed: bool) -> Step:
    key = (plugin, phase, allowed)
    step = _STEPS.get(key)
    if step is None:
        step = Step(plugin, phase, allowed)
        if len(_STEPS) < 1024:
            _STEPS[key] = step
    return step


@dataclass
class AdmissionResult:
    """The chain's verdict on one request.

    ``object`` is the object after the mutating plugins. When a plugin rejects,
    ``allowed`` is false, ``error`` the Status it answered with, and ``decided_by`` and
    ``phase`` say which plugin, in which phase.
    """

    allowed: bool
    object: dict[str, Any] | None
    error: StatusError | None = None
    decided_by: str = ""
    phase: str = ""
    warnings: list[str] = field(default_factory=list)
    audit_annotations: dict[str, str] = field(default_factory=dict)
    quota_updates: list[dict[str, Any]] = field(default_factory=list)
    trail: list[Step] = field(default_factory=list)

    def raise_for_status(self) -> None:
        """Raise the rejecting plugin's :class:`StatusError`, if any."""
        if self.error is not None:
            raise self.error

    def _merge(self, result: PluginResult) -> None:
        self.warnings += result.warnings
        self.audit_annotations.update(result.audit_annotations)
        self.quota_updates += result.quota_updates

    def _deny(self, plugin: Plugin, phase: str, err: StatusError) -> AdmissionResult:
        self.trail.append(_step(plugin.name, phase, False))
        self.allowed = False
        self.error = err
        self.decided_by = plugin.name
        self.phase = phase
        self.quota_updates = []
        return self


def _base_handles(plugin: Plugin) -> bool:
    """Whether ``plugin.handles`` is ``Plugin.handles`` (``operation in plugin.operations``)."""
    return type(plugin).handles is Plugin.handles and "handles" not in getattr(
        plugin, "__dict__", {}
    )


class AdmissionChain:
    """An ordered set of admission plugins (``admission.chainAdmissionHandler``)."""

    def __init__(self, plugins: Sequence[Plugin]) -> None:
        self.plugins: list[Plugin] = sorted(plugins, key=_rank)
        # the plugins as last seen, and which of them have a mutating / validating phase,
        # each with the trail step it leaves when it admits the request
        self._seen: list[Plugin] = []
        self._mutating: list[tuple[Plugin, Step, bool]] = []
        self._validating: list[tuple[Plugin, Step, bool]] = []

    def _phase_plugins(self, mutating: bool) -> list[tuple[Plugin, Step, bool]]:
        """The plugins with a mutating (or validating) phase, in order, with their step and
        whether they keep the base ``handles`` (then the chain tests ``operations`` itself,
        a call less per plugin and request); worked out again whenever ``plugins`` changed."""
        plugins, seen = self.plugins, self._seen
        if len(plugins) != len(seen) or not all(map(operator.is_, plugins, seen)):
            self._seen = list(self.plugins)
            self._mutating = [
                (p, _step(p.name, MUTATING, True), _base_handles(p))
                for p in self._seen
                if p.is_mutating
            ]
            self._validating = [
                (p, _step(p.name, VALIDATING, True), _base_handles(p))
                for p in self._seen
                if p.is_validating
            ]
        return self._mutating if mutating else self._validating

    @property
    def names(self) -> list[str]:
        """The plugin names, in the order they run."""
        return [p.name for p in self.plugins]

    def mutate(
        self, req: AdmissionRequest, lister: Lister, result: AdmissionResult | None = None
    ) -> AdmissionResult:
        """The mutating phase: each mutating plugin may change ``req.object`` or reject."""
        result = result or AdmissionResult(True, req.object)
        op = req.operation
        trail = result.trail
        for plugin, step, base_handles in self._phase_plugins(True):
            if not (op in plugin.operations if base_handles else plugin.handles(op)):
                continue
            try:
                outcome = plugin.mutate(req, lister)
            except StatusError as err:
                return result._deny(plugin, MUTATING, err)
            if step.plugin != plugin.name:  # renamed since the steps were worked out
                step = _step(plugin.name, MUTATING, True)
            trail.append(step)
            if outcome is not None:
                result._merge(outcome)
        result.object = req.object
        return result

    def validate(
        self, req: AdmissionRequest, lister: Lister, result: AdmissionResult | None = None
    ) -> AdmissionResult:
        """The validating phase: each validating plugin may only reject."""
        result = result or AdmissionResult(True, req.object)
        if not result.allowed:
            return result
        op = req.operation
        trail = result.trail
        for plugin, step, base_handles in self._phase_plugins(False):
            if not (op in plugin.operations if base_handles else plugin.handles(op)):
                continue
            try:
                outcome = plugin.validate(req, lister)
            except StatusError as err:
                return result._deny(plugin, VALIDATING, err)
            if step.plugin != plugin.name:  # renamed since the steps were worked out
                step = _step(plugin.name, VALIDATING, True)
            trail.append(step)
            if outcome is not None:
                result._merge(outcome)
        return result

    def admit(self, req: AdmissionRequest, lister: Lister) -> AdmissionResult:
        """Both phases: mutate, then validate the mutated object."""
        result = self.mutate(req, lister)
        if not result.allowed:
            return result
        return self.validate(req, lister, result)


def default_plugins(rng: random.Random) -> list[Plugin]:
    """The default-on plugins kubelab models, configured as kube-apiserver's defaults.

    ``rng`` feeds the ServiceAccount plugin's token volume names.
    """
    return [
        NamespaceLifecycle(),
        LimitRanger(),
        ServiceAccount(rng),
        PodSecurity(),
        DefaultTolerationSeconds(),
        ResourceQuota(),
    ]


def chain(plugins: Sequence[Plugin]) -> AdmissionChain:
    """An :class:`AdmissionChain` running ``plugins`` in upstream order."""
    return AdmissionChain(plugins)
