"""What each resource's registry does besides storing: the REST strategies.

One class per resource family, named after the upstream strategy it models
(``pkg/registry/<group>/<resource>/strategy.go``), each answering the questions the generic
store asks (``k8s.io/apiserver/pkg/registry/rest`` ``RESTCreateStrategy``,
``RESTUpdateStrategy``, ``RESTDeleteStrategy``):

* ``prepare_for_create`` / ``prepare_for_update``: what the server resets -- a Pod's status
  on create; the status on a write to the main resource and the spec (and most metadata) on a
  write to ``/status`` (the spec/status split);
* generation: set to 1 on create and bumped when the spec changes, for the kinds that have
  one (Deployment, ReplicaSet, EndpointSlice; in 1.32 not Pods);
* ``validate_update``: the rules that need the old object (immutable fields);
* ``fields``: the object's selectable fields for field selectors (``GetAttrs``), and the
  error a field the resource does not support gets;
* graceful deletion (Pods only): the grace period a delete gets (``CheckGracefulDelete``);
* whether a DELETE answers with the deleted object or with a ``Status`` (``ReturnDeletedObject``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from kubelab.api.errors import FieldError, GoLiteral, go_quote
from kubelab.apiserver.defaults import (
    DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    pod_qos_class,
    prepare_for_create,
)

__all__ = [
    "DEFAULT_FIELD_LABELS",
    "POD_UPDATABLE_FIELDS",
    "DeploymentStrategy",
    "EndpointSliceStrategy",
    "FieldLabelError",
    "NamespaceStrategy",
    "NodeStrategy",
    "PodStrategy",
    "ReplicaSetStrategy",
    "Strategy",
    "strategy_for",
]

Obj = dict[str, Any]

#: fields.DefaultMetaV1FieldSelectorConversion: what every resource can select on.
DEFAULT_FIELD_LABELS: Final = ("metadata.name", "metadata.namespace")

#: pkg/apis/core/validation ValidatePodUpdate: the spec fields a pod update may change
#: (InPlacePodVerticalScaling, which would add resources, is off in 1.32).
POD_UPDATABLE_FIELDS: Final = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)


class FieldLabelError(ValueError):
    """A field selector names a field the resource cannot select on (answered 400)."""


def _m(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _m(obj.get("metadata"))


def _s(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _get(obj: Mapping[str, Any], path: str) -> Any:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def go_label_selector(selector: Any) -> GoLiteral:
    """``%#v`` of a ``metav1.LabelSelector`` (what ``field is immutable`` prints)."""
    sel = _m(selector)
    labels = sel.get("matchLabels")
    if labels is None:
        labels_text = "map[string]string(nil)"
    else:
        items = ", ".join(
            f"{go_quote(str(k))}:{go_quote(_s(v))}" for k, v in sorted(_m(labels).items())
        )
        labels_text = f"map[string]string{{{items}}}"
    exprs = sel.get("matchExpressions")
    if exprs is None:
        exprs_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = []
        for expr in exprs if isinstance(exprs, list) else []:
            e = _m(expr)
            vals = e.get("values")
            values_text = (
                "[]string(nil)"
                if vals is None
                else "[]string{" + ", ".join(go_quote(_s(v)) for v in vals) + "}"
            )
            parts.append(
                f"v1.LabelSelectorRequirement{{Key:{go_quote(_s(e.get('key')))}, "
                f"Operator:{go_quote(_s(e.get('operator')))}, Values:{values_text}}}"
            )
        exprs_text = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return GoLiteral(
        f"v1.LabelSelector{{MatchLabels:{labels_text}, MatchExpressions:{exprs_text}}}"
    )


class Strategy:
    """The defaults every resource shares (``rest.RESTCreateStrategy`` & co.)."""

    #: Whether the kind has ``metadata.generation`` (1 on create, bumped on spec changes).
    has_generation: ClassVar[bool] = False
    #: Whether ``status`` is written through the ``/status`` subresource only.
    has_status: ClassVar[bool] = False
    #: ``ReturnDeletedObject``: a DELETE answers with the object instead of a Status.
    return_deleted_object: ClassVar[bool] = False
    #: ``AllowUnconditionalUpdate``: an update without resourceVersion overwrites.
    allow_unconditional_update: ClassVar[bool] = True
    #: Graceful deletion (``RESTGracefulDeleteStrategy``).
    graceful: ClassVar[bool] = False
    #: Extra selectable fields (besides metadata.name and metadata.namespace), and whether
    #: the kind has its own field label conversion (its error text differs).
    field_labels: ClassVar[tuple[str, ...]] = ()
    custom_field_conversion: ClassVar[bool] = False

    # -- create ------------------------------------------------------------------------------

    def prepare_for_create(self, obj: Obj) -> Obj:
        """``PrepareForCreate``: reset what a user may not set; sets generation 1."""
        if self.has_status:
            obj.pop("status", None)
        if self.has_generation:
            obj.setdefault("metadata", {})["generation"] = 1
        return obj

    # -- update ------------------------------------------------------------------------------

    def spec_changed(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
        """Whether an update changes what bumps the generation."""
        return new.get("spec") != old.get("spec")

    def prepare_for_update(self, new: Obj, old: Mapping[str, Any]) -> None:
        """``PrepareForUpdate`` on the main resource: status is kept as stored."""
        if self.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        if self.has_generation and self.spec_changed(new, old):
            gen = _meta(old).get("generation")
            new.setdefault("metadata", {})["generation"] = (gen if isinstance(gen, int) else 0) + 1

    def prepare_for_status_update(self, new: Obj, old: Mapping[str, Any]) -> None:
        """The ``/status`` strategy's ``PrepareForUpdate``: everything but status and
        the metadata a status writer may touch (labels, annotations) is kept as stored
        (``ResetObjectMetaForStatus``)."""
        status = new.get("status")
        old_meta = _meta(old)
        new_meta = dict(_meta(new))
        for k in list(new):
            if k not in ("apiVersion", "kind", "metadata", "status"):
                del new[k]
        for k, v in old.items():
            if k not in ("apiVersion", "kind", "metadata", "status"):
                new[k] = copy.deepcopy(v)
        if status is None:
            new.pop("status", None)
        meta = copy.deepcopy(dict(old_meta))
        for k in ("labels", "annotations", "resourceVersion"):
            if k in new_meta:
                meta[k] = new_meta[k]
            else:
                meta.pop(k, None)
        new["metadata"] = meta

    def validate_update(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
        """``ValidateUpdate``'s rules that compare with the old object."""
        return []

    def validate_status_update(
        self, new: Mapping[str, Any], old: Mapping[str, Any]
    ) -> list[FieldError]:
        """The ``/status`` strategy's ``ValidateUpdate`` rules."""
        return []

    # -- selection ---------------------------------------------------------------------------

    def fields(self, obj: Mapping[str, Any]) -> dict[str, str]:
        """The selectable fields of ``obj`` (``ToSelectableFields``)."""
        meta = _meta(obj)
        out = {"metadata.name": _s(meta.get("name"))}
        out["metadata.namespace"] = _s(meta.get("namespace"))
        for label in self.field_labels:
            out[label] = _s(_get(obj, label))
        return out

    def check_field_label(self, label: str) -> None:
        """Raise :class:`FieldLabelError` for a field this resource cannot select on."""
        if label in DEFAULT_FIELD_LABELS or label in self.field_labels:
            return
        if self.custom_field_conversion:
            raise FieldLabelError(f"field label not supported: {label}")
        # fields.DefaultMetaV1FieldSelectorConversion (1.31+ wording)
        raise FieldLabelError(
            f'{go_quote(label)} is not a known field selector: only "metadata.name", '
            '"metadata.namespace"'
        )

    # -- delete --------------------------------------------------------------------------------

    def grace_period(self, obj: Mapping[str, Any], requested: int | None) -> int | None:
        """``CheckGracefulDelete``: the grace period to use, or ``None`` when the kind has
        no graceful deletion."""
        return None


class PodStrategy(Strategy):
    """``pkg/registry/core/pod/strategy.go``."""

    has_status = True
    return_deleted_object = True
    graceful = True
    custom_field_conversion = True
    field_labels = (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    )

    def prepare_for_create(self, obj: Obj) -> Obj:
        # podStrategy.PrepareForCreate: status = {phase: Pending, qosClass}. (Pods get a
        # generation only from 1.33 on, behind PodObservedGenerationTracking.) The same rule
        # as defaults.prepare_for_create, applied in place instead of on a copy.
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj)}
        return obj

    def prepare_for_status_update(self, new: Obj, old: Mapping[str, Any]) -> None:
        super().prepare_for_status_update(new, old)
        # podStatusStrategy: the QoS class is immutable, backfilled if a kubelet dropped it.
        status = new.get("status")
        old_status = _m(old.get("status"))
        if isinstance(status, dict) and not status.get("qosClass") and old_status.get("qosClass"):
            status["qosClass"] = old_status["qosClass"]

    def fields(self, obj: Mapping[str, Any]) -> dict[str, str]:
        out = super().fields(obj)
        spec = _m(obj.get("spec"))
        out["spec.hostNetwork"] = "true" if spec.get("hostNetwork") is True else "false"
        status = _m(obj.get("status"))
        ips = status.get("podIPs")
        first = _s(_m(ips[0]).get("ip")) if isinstance(ips, list) and ips else ""
        out["status.podIP"] = first
        out["status.podIPs"] = first
        return out

    def grace_period(self, obj: Mapping[str, Any], requested: int | None) -> int | None:
        spec = _m(obj.get("spec"))
        if requested is not None:
            period = requested
        else:
            default = spec.get("terminationGracePeriodSeconds")
            period = (
                default if isinstance(default, int) else DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
            )
        if not spec.get("nodeName"):
            period = 0  # "if the pod is not scheduled, delete immediately"
        if _m(obj.get("status")).get("phase") in ("Failed", "Succeeded"):
            period = 0  # "if the pod is already terminated, delete immediately"
        if period < 0:
            period = 1
        return period

    def validate_update(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
        # ValidatePodUpdate: only a few spec fields may change; everything else must be equal
        # once those are copied over from the old spec ("munged").
        errs: list[FieldError] = []
        new_spec = _m(new.get("spec"))
        old_spec = _m(old.get("spec"))
        munged = copy.deepcopy(dict(new_spec))
        for key in ("containers", "initContainers"):
            new_cs, old_cs = munged.get(key), old_spec.get(key)
            if isinstance(new_cs, list) and isinstance(old_cs, list) and len(new_cs) == len(old_cs):
                for nc, oc in zip(new_cs, old_cs, strict=True):
                    if isinstance(nc, dict) and isinstance(oc, Mapping):
                        if "image" in oc:
                            nc["image"] = oc["image"]
                        else:
                            nc.pop("image", None)
        new_ads = new_spec.get("activeDeadlineSeconds")
        old_ads = old_spec.get("activeDeadlineSeconds")
        if new_ads is not None:
            if not isinstance(new_ads, int) or new_ads < 0 or new_ads > 2**31 - 1:
                return [
                    FieldError.invalid(
                        "spec.activeDeadlineSeconds",
                        new_ads,
                        f"must be between 0 and {2**31 - 1}, inclusive",
                    )
                ]
            if isinstance(old_ads, int) and old_ads < new_ads:
                return [
                    FieldError.invalid(
                        "spec.activeDeadlineSeconds",
                        new_ads,
                        "must be less than or equal to previous value",
                    )
                ]
        elif old_ads is not None:
            errs.append(
                FieldError.invalid(
                    "spec.activeDeadlineSeconds",
                    GoLiteral("(*int64)(nil)"),
                    "must not update from a positive integer to nil value",
                )
            )
        if "activeDeadlineSeconds" in old_spec:
            munged["activeDeadlineSeconds"] = old_spec["activeDeadlineSeconds"]
        else:
            munged.pop("activeDeadlineSeconds", None)
        old_tols = old_spec.get("tolerations") or []
        new_tols = new_spec.get("tolerations") or []
        if isinstance(old_tols, list) and isinstance(new_tols, list):
            missing = [t for t in old_tols if t not in new_tols]
            if not missing:
                if "tolerations" in old_spec:
                    munged["tolerations"] = old_spec["tolerations"]
                else:
                    munged.pop("tolerations", None)
            else:
                errs.append(
                    FieldError.forbidden(
                        "spec.tolerations",
                        "existing toleration can not be modified except its tolerationSeconds",
                    )
                )
        old_tg = old_spec.get("terminationGracePeriodSeconds")
        if (
            isinstance(old_tg, int)
            and old_tg < 0
            and new_spec.get("terminationGracePeriodSeconds") == 1
        ):
            munged["terminationGracePeriodSeconds"] = old_tg
        if munged != dict(old_spec):
            errs.append(
                FieldError.forbidden(
                    "spec",
                    "pod updates may not change fields other than "
                    + ",".join(POD_UPDATABLE_FIELDS)
                    + "\n"
                    + spec_diff(old_spec, munged),
                )
            )
        return errs


def spec_diff(old: Mapping[str, Any], new: Mapping[str, Any], path: str = "spec") -> str:
    """A short line-per-change diff (the real server prints Go's ``cmp.Diff`` here)."""
    lines: list[str] = []

    def walk(a: Any, b: Any, p: str) -> None:
        if a == b:
            return
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            for k in sorted(set(a) | set(b)):
                walk(a.get(k), b.get(k), f"{p}.{k}")
            return
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{p}[{i}]")
            return
        lines.append(f"- {p}: {_short(a)}")
        lines.append(f"+ {p}: {_short(b)}")

    walk(old, new, path)
    return "\n".join(lines)


def _short(v: Any) -> str:
    import json

    text = json.dumps(v, separators=(",", ":"), sort_keys=True) if v is not None else "null"
    return text if len(text) <= 120 else text[:117] + "..."


class _SelectorImmutable(Strategy):
    """apps/v1 workloads: the selector cannot change (``ValidateDeploymentUpdate``)."""

    has_generation = True
    has_status = True

    def validate_update(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
        ns, os_ = _m(new.get("spec")).get("selector"), _m(old.get("spec")).get("selector")
        if ns != os_:
            return [
                FieldError.invalid("spec.selector", go_label_selector(ns), "field is immutable")
            ]
        return []


class DeploymentStrategy(_SelectorImmutable):
    """``pkg/registry/apps/deployment/strategy.go``."""

    def spec_changed(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
        # "annotation updates bump the generation because annotations are copied from
        # deployments to their replica sets"
        return new.get("spec") != old.get("spec") or _meta(new).get("annotations") != _meta(
            old
        ).get("annotations")


class ReplicaSetStrategy(_SelectorImmutable):
    """``pkg/registry/apps/replicaset/strategy.go``."""

    custom_field_conversion = True
    field_labels = ("status.replicas",)


class NamespaceStrategy(Strategy):
    """``pkg/registry/core/namespace/strategy.go``."""

    has_status = True
    return_deleted_object = True
    custom_field_conversion = True
    field_labels = ("status.phase",)

    def prepare_for_create(self, obj: Obj) -> Obj:
        return prepare_for_create(obj)

    def prepare_for_update(self, new: Obj, old: Mapping[str, Any]) -> None:
        super().prepare_for_update(new, old)
        # spec.finalizers change only through /finalize
        old_fin = _m(old.get("spec")).get("finalizers")
        spec = new.setdefault("spec", {})
        if isinstance(spec, dict):
            if old_fin is None:
                spec.pop("finalizers", None)
            else:
                spec["finalizers"] = list(old_fin)

    def prepare_for_finalize(self, new: Obj, old: Mapping[str, Any]) -> None:
        """``namespaceFinalizeStrategy``: only ``spec.finalizers`` comes from the request."""
        fin = _m(new.get("spec")).get("finalizers")
        keep = copy.deepcopy(dict(old))
        keep["metadata"] = dict(_meta(old))
        if "resourceVersion" in _meta(new):
            keep["metadata"]["resourceVersion"] = _meta(new)["resourceVersion"]
        spec = dict(_m(keep.get("spec")))
        if fin is None:
            spec.pop("finalizers", None)
        else:
            spec["finalizers"] = list(fin)
        keep["spec"] = spec
        new.clear()
        new.update(keep)


class NodeStrategy(Strategy):
    """``pkg/registry/core/node/strategy.go``."""

    has_status = True
    custom_field_conversion = True
    field_labels = ("spec.unschedulable",)

    def prepare_for_create(self, obj: Obj) -> Obj:
        # nodeStrategy: "Nodes allow *all* fields, including status, to be set on create"
        # (the kubelet registers its node with its status in one POST).
        return obj

    def fields(self, obj: Mapping[str, Any]) -> dict[str, str]:
        return {
            "metadata.name": _s(_meta(obj).get("name")),
            "spec.unschedulable": "true" if _m(obj.get("spec")).get("unschedulable") else "false",
        }

    def check_field_label(self, label: str) -> None:
        if label not in ("metadata.name", "spec.unschedulable"):
            raise FieldLabelError(f"field label not supported: {label}")

    def validate_update(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
        # ValidateNodeUpdate: podCIDR may only go from "" to a value
        old_cidr = _m(old.get("spec")).get("podCIDR")
        new_cidr = _m(new.get("spec")).get("podCIDR")
        if old_cidr and old_cidr != new_cidr:
            return [
                FieldError.forbidden(
                    "spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'
                )
            ]
        return []


class ServiceStrategy(Strategy):
    """``pkg/registry/core/service/strategy.go`` (IP allocation is not modelled)."""

    has_status = True
    return_deleted_object = True
    custom_field_conversion = True
    field_labels = ("spec.clusterIP", "spec.type")

    def prepare_for_create(self, obj: Obj) -> Obj:
        obj.pop("status", None)
        return prepare_for_create(obj)


class SecretStrategy(Strategy):
    """``pkg/registry/core/secret/strategy.go``."""

    custom_field_conversion = True
    field_labels = ("type",)

    def validate_update(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
        errs = _immutable_data(new, old)
        if new.get("type", "Opaque") != old.get("type", "Opaque"):
            errs.insert(0, FieldError.invalid("type", new.get("type", ""), "field is immutable"))
        return errs


class ConfigMapStrategy(Strategy):
    """``pkg/registry/core/configmap/strategy.go``."""

    def validate_update(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
        return _immutable_data(new, old)


def _immutable_data(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
    # ValidateConfigMapUpdate / ValidateSecretUpdate
    errs: list[FieldError] = []
    if old.get("immutable") is True:
        msg = "field is immutable when `immutable` is set"
        if new.get("immutable") is not True:
            errs.append(FieldError.forbidden("immutable", msg))
        if new.get("data") != old.get("data"):
            errs.append(FieldError.forbidden("data", msg))
        if new.get("binaryData") != old.get("binaryData"):
            errs.append(FieldError.forbidden("binaryData", msg))
    return errs


class EventStrategy(Strategy):
    """``pkg/registry/core/event/strategy.go``."""

    custom_field_conversion = True
    field_labels = (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    )

    def fields(self, obj: Mapping[str, Any]) -> dict[str, str]:
        out = super().fields(obj)
        out["source"] = _s(_m(obj.get("source")).get("component"))
        return out


class EndpointSliceStrategy(Strategy):
    """``pkg/registry/discovery/endpointslice/strategy.go``: generation bumps on any change
    outside metadata."""

    has_generation = True

    def spec_changed(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
        strip = ("metadata", "apiVersion", "kind")
        a = {k: v for k, v in new.items() if k not in strip}
        b = {k: v for k, v in old.items() if k not in strip}
        return a != b


_BY_KIND: Final[dict[tuple[str, str], type[Strategy]]] = {
    ("", "Pod"): PodStrategy,
    ("", "Namespace"): NamespaceStrategy,
    ("", "Node"): NodeStrategy,
    ("", "Service"): ServiceStrategy,
    ("", "Secret"): SecretStrategy,
    ("", "ConfigMap"): ConfigMapStrategy,
    ("", "Event"): EventStrategy,
    ("apps", "Deployment"): DeploymentStrategy,
    ("apps", "ReplicaSet"): ReplicaSetStrategy,
    ("discovery.k8s.io", "EndpointSlice"): EndpointSliceStrategy,
}


def strategy_for(group: str, kind: str) -> Strategy:
    """The strategy of a kind (the plain :class:`Strategy` for kinds without rules)."""
    return _BY_KIND.get((group, kind), Strategy)()
