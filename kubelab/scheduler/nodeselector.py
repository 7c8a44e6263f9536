"""Node selectors, required and preferred node affinity, taints and tolerations.

Models ``k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go``
(``NodeSelector``, ``LazyErrorNodeSelector``, ``PreferredSchedulingTerms``,
``GetRequiredNodeAffinity``), ``k8s.io/api/core/v1/toleration.go`` (``ToleratesTaint``) and
``pkg/apis/core/v1/helper/helpers.go`` (``FindMatchingUntoleratedTaint``,
``TolerationsTolerateTaint``).

Rules kept:

* the terms of a ``nodeSelector`` (``nodeSelectorTerms``) are ORed; the requirements inside one
  term are ANDed; a term with neither ``matchExpressions`` nor ``matchFields`` selects nothing;
* a term that fails to parse is skipped (the "lazy error" selector), so other terms can match;
* ``matchFields`` only knows ``metadata.name`` with ``In``/``NotIn`` and exactly one value;
* ``Gt``/``Lt`` compare the label value as an integer;
* ``spec.nodeSelector`` and the required node affinity must both match;
* a toleration with an empty key and operator ``Exists`` tolerates every taint; an empty
  effect matches every effect; an empty operator means ``Equal``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kubelab.api import Requirement, Selector, SelectorError
from kubelab.api.selectors import (
    DOES_NOT_EXIST,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_IN,
    new_requirement,
)

#: core/v1 well-known names used by the scheduler.
LABEL_HOSTNAME: Final = "kubernetes.io/hostname"
LABEL_TOPOLOGY_ZONE: Final = "topology.kubernetes.io/zone"
LABEL_TOPOLOGY_REGION: Final = "topology.kubernetes.io/region"
LABEL_FAILURE_DOMAIN_BETA_ZONE: Final = "failure-domain.beta.kubernetes.io/zone"
LABEL_FAILURE_DOMAIN_BETA_REGION: Final = "failure-domain.beta.kubernetes.io/region"
TAINT_NODE_UNSCHEDULABLE: Final = "node.kubernetes.io/unschedulable"
OBJECT_NAME_FIELD: Final = "metadata.name"

NO_SCHEDULE: Final = "NoSchedule"
PREFER_NO_SCHEDULE: Final = "PreferNoSchedule"
NO_EXECUTE: Final = "NoExecute"

_LABEL_OPS: Final = {
    "In": IN,
    "NotIn": NOT_IN,
    "Exists": EXISTS,
    "DoesNotExist": DOES_NOT_EXIST,
    "Gt": GREATER_THAN,
    "Lt": LESS_THAN,
}


class NodeSelectorError(ValueError):
    """A node selector requirement that cannot be parsed."""


@dataclass(frozen=True)
class FieldTerm:
    """One ``matchFields`` requirement: ``metadata.name`` equal (In) or not equal (NotIn)."""

    key: str
    equal: bool
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        have = fields.get(self.key, "")
        return (have == self.value) if self.equal else (have != self.value)


@dataclass(frozen=True)
class NodeSelectorTerm:
    """A parsed ``NodeSelectorTerm``; ``labels``/``fields`` None when the term has none."""

    labels: Selector | None
    fields: tuple[FieldTerm, ...] | None

    def matches(self, node_labels: Mapping[str, str], node_fields: Mapping[str, str]) -> bool:
        """nodeaffinity.go ``nodeSelectorTerm.match``."""
        if self.labels is not None and not self.labels.matches(node_labels):
            return False
        if self.fields is not None and node_fields:
            return all(f.matches(node_fields) for f in self.fields)
        return True


def _label_requirements(exprs: Sequence[Mapping[str, Any]]) -> Selector:
    reqs: list[Requirement] = []
    for expr in exprs:
        op = _LABEL_OPS.get(str(expr.get("operator", "")))
        if op is None:
            raise NodeSelectorError(
                f'"{expr.get("operator", "")}" is not a valid selector operator'
            )
        values = expr.get("values")
        try:
            reqs.append(new_requirement(str(expr.get("key", "")), op, list(values or []) or None))
        except SelectorError as err:
            raise NodeSelectorError(str(err)) from None
    return Selector(tuple(reqs))


def _field_requirements(exprs: Sequence[Mapping[str, Any]]) -> tuple[FieldTerm, ...]:
    out: list[FieldTerm] = []
    for expr in exprs:
        op = expr.get("operator")
        values = list(expr.get("values") or [])
        if op not in ("In", "NotIn"):
            raise NodeSelectorError(f'Unsupported value: "{op}": supported values: "In", "NotIn"')
        if len(values) != 1:
            raise NodeSelectorError("must have one element")
        out.append(FieldTerm(str(expr.get("key", "")), op == "In", str(values[0])))
    return tuple(out)


def parse_term(term: Mapping[str, Any]) -> NodeSelectorTerm | None:
    """A ``NodeSelectorTerm`` dict parsed; None for an empty term (it selects nothing).
    Raises :class:`NodeSelectorError` for a bad requirement."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return None
    return NodeSelectorTerm(
        _label_requirements(exprs) if exprs else None,
        _field_requirements(fields) if fields else None,
    )


def node_fields(node: Mapping[str, Any]) -> dict[str, str]:
    """nodeaffinity.go ``extractNodeFields``: only ``metadata.name``."""
    name = (node.get("metadata") or {}).get("name") or ""
    return {OBJECT_NAME_FIELD: name} if name else {}


class NodeSelector:
    """``LazyErrorNodeSelector``: ORed terms; terms that did not parse never match."""

    __slots__ = ("terms",)

    def __init__(self, selector: Mapping[str, Any]) -> None:
        self.terms: list[NodeSelectorTerm | None] = []
        for term in selector.get("nodeSelectorTerms") or []:
            if not (term.get("matchExpressions") or term.get("matchFields")):
                continue  # nil or empty term selects no objects
            try:
                self.terms.append(parse_term(term))
            except NodeSelectorError:
                self.terms.append(None)

    def matches(self, labels: Mapping[str, str], fields: Mapping[str, str]) -> bool:
        return any(term is not None and term.matches(labels, fields) for term in self.terms)


class PreferredSchedulingTerms:
    """nodeaffinity.go ``PreferredSchedulingTerms``: weighted terms; ``score`` sums the weights
    of the terms a node matches. Terms of weight 0 or empty are dropped."""

    __slots__ = ("terms",)

    def __init__(self, terms: Sequence[Mapping[str, Any]]) -> None:
        self.terms: list[tuple[NodeSelectorTerm, int]] = []
        for t in terms:
            weight = int(t.get("weight") or 0)
            pref = t.get("preference") or {}
            if weight == 0:
                continue
            parsed = parse_term(pref)  # raises on a bad term, as NewPreferredSchedulingTerms
            if parsed is None:
                continue
            self.terms.append((parsed, weight))

    def score(self, labels: Mapping[str, str], fields: Mapping[str, str]) -> int:
        total = 0
        for term, weight in self.terms:
            if term.matches(labels, fields):
                total += weight
        return total


class RequiredNodeAffinity:
    """nodeaffinity.go ``GetRequiredNodeAffinity``: ``spec.nodeSelector`` AND the required
    node affinity of a pod."""

    __slots__ = ("label_selector", "node_selector")

    def __init__(self, pod: Mapping[str, Any]) -> None:
        spec = pod.get("spec") or {}
        ns = spec.get("nodeSelector")
        self.label_selector: dict[str, str] | None = dict(ns) if ns else None
        required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        self.node_selector = NodeSelector(required) if required is not None else None

    def is_empty(self) -> bool:
        return self.label_selector is None and self.node_selector is None

    def matches(self, labels: Mapping[str, str], fields: Mapping[str, str]) -> bool:
        if self.label_selector is not None:
            for k, v in self.label_selector.items():
                if labels.get(k) != v:
                    return False
        if self.node_selector is not None:
            return self.node_selector.matches(labels, fields)
        return True

    def matches_node(self, node: Mapping[str, Any]) -> bool:
        labels = (node.get("metadata") or {}).get("labels") or {}
        return self.matches(labels, node_fields(node))


# ----------------------------------------------------------------------- taints and tolerations


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """core/v1 toleration.go ``ToleratesTaint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or ""
    if op in ("", "Equal"):
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return op == "Exists"


def tolerations_tolerate_taint(
    tolerations: Sequence[Mapping[str, Any]], taint: Mapping[str, Any]
) -> bool:
    """helpers.go ``TolerationsTolerateTaint``."""
    return any(tolerates(t, taint) for t in tolerations)


def find_untolerated_taint(
    taints: Sequence[Mapping[str, Any]],
    tolerations: Sequence[Mapping[str, Any]],
    effects: tuple[str, ...] = (NO_SCHEDULE, NO_EXECUTE),
) -> Mapping[str, Any] | None:
    """helpers.go ``FindMatchingUntoleratedTaint`` with ``DoNotScheduleTaintsFilterFunc``: the
    first NoSchedule/NoExecute taint (in the node's order) no toleration tolerates."""
    for taint in taints:
        if taint.get("effect") not in effects:
            continue
        if not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None


def zone_key(labels: Mapping[str, str]) -> str:
    """pkg/util/node ``GetZoneKey``: ``region:\\x00:zone`` or "" when neither label is set."""
    zone = labels.get(LABEL_TOPOLOGY_ZONE, labels.get(LABEL_FAILURE_DOMAIN_BETA_ZONE, ""))
    region = labels.get(LABEL_TOPOLOGY_REGION, labels.get(LABEL_FAILURE_DOMAIN_BETA_REGION, ""))
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"
