"""The generic registry store: the REST verbs of every resource, with their real semantics.

A model of ``k8s.io/apiserver/pkg/registry/generic/registry/store.go`` and the REST helpers
(``registry/rest/create.go``, ``update.go``, ``delete.go``), the handlers of
``endpoints/handlers`` (``create.go``, ``update.go``, ``patch.go``, ``delete.go``,
``get.go``, ``watch.go``) and the pod subresources (``pkg/registry/core/pod/storage``:
binding, eviction), each step run as a stage of the request pipeline
(:class:`~kubelab.apiserver.pipeline.RequestContext`).

Semantics kept:

* **create** -- decode (defaults, strict fields), mutating admission, then
  ``FillObjectMetaSystemFields`` (uid, creationTimestamp), ``generateName`` (5 characters
  from ``bcdfghjklmnpqrstvwxz2456789``), ``PrepareForCreate``, validation, validating
  admission and the etcd transaction; ``409 AlreadyExists`` if the key exists
  (``object is being deleted: ...`` when it is terminating).
* **get/list** -- from etcd for ``resourceVersion=""`` gets, paginated lists
  (``limit`` with resourceVersion other than ``0``, ``continue``) and
  ``resourceVersionMatch=Exact``; otherwise from the watch cache (``ConsistentListFromCache``:
  a list without resourceVersion first learns etcd's current revision and waits for the
  cache to reach it). Label and field selectors; ``resourceVersion=0`` means any.
* **update/patch** -- ``GuaranteedUpdate``: read, apply (mutating admission, the
  resourceVersion precondition -- stale means ``409 Conflict`` with the optimistic lock
  message, missing means unconditional for most kinds --, ``BeforeUpdate``, validation,
  validating admission), then a compare-and-swap on ``mod_revision`` retried on a race; an
  update that changes nothing writes nothing.
* **delete** -- ``BeforeDelete`` and ``updateForGracefulDeletionAndFinalizers``: Pods are
  deleted gracefully (``deletionTimestamp`` + ``deletionGracePeriodSeconds``, the object stays
  until a delete with grace 0); finalizers hold any object (the DELETE answers 200 with the
  object); ``propagationPolicy`` ``Foreground``/``Orphan`` add the ``foregroundDeletion`` /
  ``orphan`` finalizers for the garbage collector; Namespaces go ``Terminating`` first.
* **watch** -- served by the watch cache (:mod:`kubelab.apiserver.watch`).
* **subresources** -- ``status`` (the spec/status split), ``scale`` (``autoscaling/v1``
  Scale), ``binding`` (``409`` when already bound), ``eviction`` (a graceful delete;
  PodDisruptionBudgets are not modelled), ``finalize`` (namespaces).

Not modelled: server-side apply (``application/apply-patch+yaml`` answers 415),
``managedFields`` (never written), Service IP and node-port allocation, the TTL lease of
Events, ResourceQuota and LimitRange objects (not served), PodDisruptionBudgets.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from kubelab.api.errors import FieldError, GoLiteral, InvalidError, go_quote
from kubelab.api.selectors import (
    DOUBLE_EQUALS,
    EQUALS,
    IN,
    FieldSelector,
    Selector,
    SelectorError,
    parse_field_selector,
    parse_selector,
    selector_from_dict,
)
from kubelab.api.validation import validate
from kubelab.apiserver import errors
from kubelab.apiserver.admission.interfaces import (
    CREATE,
    DELETE,
    UPDATE,
    AdmissionRequest,
)
from kubelab.apiserver.admission.interfaces import UserInfo as AdmissionUser
from kubelab.apiserver.defaults import apply_defaults
from kubelab.apiserver.errors import StatusError
from kubelab.apiserver.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    PatchError,
    json_merge_patch,
    json_patch,
    strategic_merge_patch,
)
from kubelab.apiserver.pipeline import RequestContext, unknown_error
from kubelab.apiserver.rbac import (
    EscalationError,
    RoleRefNotFound,
    check_binding_write,
    check_role_write,
)
from kubelab.apiserver.registry.resources import Resource, identity
from kubelab.apiserver.registry.schema import decode_errors, prune_unknown
from kubelab.apiserver.registry.strategy import FieldLabelError, NamespaceStrategy
from kubelab.apiserver.storage import (
    CONTINUE_EXPIRED,
    INCONSISTENT_CONTINUE,
    LIST_EXPIRED,
    ContinueError,
    Done,
    KeyValue,
    ListResult,
    WriteResult,
    decode_continue,
    encode_continue,
    encode_object,
)
from kubelab.apiserver.watch import (
    ADDED,
    Entry,
    TooOldResourceVersion,
    WatchCache,
)
from kubelab.etcd.client import prefix_range_end
from kubelab.etcd.errors import ErrCompacted, ErrTimeout

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.apiserver.server import Runtime

__all__ = [
    "DeleteOptions",
    "ListOptions",
    "RESTStore",
    "parse_delete_options",
    "parse_list_options",
]

Obj = dict[str, Any]

#: store.go maxLimit: the largest page the server asks etcd for when it has to refill one.
MAX_LIST_LIMIT: Final = 10000
#: --max-request-bytes of kube-apiserver's HTTP server (3 MiB, twice etcd's limit).
MAX_REQUEST_BODY_BYTES: Final = 3 * 1024 * 1024
#: storage/names: generated names are the base (cut to 58 characters) plus 5 of these.
NAME_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_NAME_LENGTH: Final = 63 - 5

# metav1 finalizers of the garbage collector.
FINALIZER_ORPHAN: Final = "orphan"
FINALIZER_FOREGROUND: Final = "foregroundDeletion"
#: The values of the fieldValidation query parameter (metav1.FieldValidation*).
FIELD_VALIDATION_VALUES: Final = ("Ignore", "Warn", "Strict")


# ------------------------------------------------------------------------------ options


@dataclass
class ListOptions:
    """``metav1.ListOptions`` from the query string."""

    label_selector: Selector = field(default_factory=Selector.everything)
    field_selector: FieldSelector = field(default_factory=FieldSelector)
    label_text: str = ""
    field_text: str = ""
    resource_version: str = ""
    resource_version_match: str = ""
    limit: int = 0
    continue_token: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    send_initial_events: bool | None = None
    timeout_seconds: int | None = None


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1")


def _invalid_options(kind: str, errs: list[FieldError]) -> StatusError:
    return errors.invalid(kind, "", errs, "meta.k8s.io")


def parse_list_options(
    query: Mapping[str, str], strategy_check: Callable[[str], None]
) -> ListOptions:
    """Decode and validate the list/watch query parameters (``ValidateListOptions``)."""
    opts = ListOptions()
    try:
        text = query.get("labelSelector", "")
        opts.label_selector = parse_selector(text) if text else Selector.everything()
        opts.label_text = text
        ftext = query.get("fieldSelector", "")
        opts.field_selector = parse_field_selector(ftext) if ftext else FieldSelector()
        opts.field_text = ftext
    except SelectorError as err:
        raise errors.bad_request(str(err)) from None
    try:
        for label in opts.field_selector.fields():
            strategy_check(label)
    except FieldLabelError as err:
        raise errors.bad_request(str(err)) from None
    opts.resource_version = query.get("resourceVersion", "")
    opts.resource_version_match = query.get("resourceVersionMatch", "")
    opts.continue_token = query.get("continue", "")
    opts.watch = _truthy(query.get("watch"))
    opts.allow_watch_bookmarks = _truthy(query.get("allowWatchBookmarks"))
    if "sendInitialEvents" in query:
        opts.send_initial_events = _truthy(query.get("sendInitialEvents"))
    for name in ("limit", "timeoutSeconds"):
        raw = query.get(name)
        if raw is None or raw == "":
            continue
        try:
            value = int(raw)
        except ValueError:
            raise errors.bad_request(
                f"strconv.ParseInt: parsing {go_quote(raw)}: invalid syntax"
            ) from None
        if name == "limit":
            opts.limit = max(value, 0)
        else:
            opts.timeout_seconds = value
    if opts.resource_version and opts.resource_version != "":
        try:
            if int(opts.resource_version) < 0:
                raise ValueError
        except ValueError:
            raise errors.bad_request(
                f"invalid resource version: strconv.ParseUint: parsing "
                f"{go_quote(opts.resource_version)}: invalid syntax"
            ) from None
    errs: list[FieldError] = []
    match = opts.resource_version_match
    if opts.watch:
        # validation.go validateWatchOptions (WatchList is on in 1.32)
        if opts.send_initial_events is not None and match != "NotOlderThan":
            errs.append(
                FieldError.forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                )
            )
        if match:
            if opts.send_initial_events is None:
                errs.append(
                    FieldError.forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents "
                        "is provided",
                    )
                )
            if match != "NotOlderThan":
                errs.append(
                    FieldError.not_supported("resourceVersionMatch", match, ["NotOlderThan"])
                )
            if opts.continue_token:
                errs.append(
                    FieldError.forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    )
                )
        if opts.send_initial_events and not opts.allow_watch_bookmarks:
            errs.append(
                FieldError.forbidden(
                    "allowWatchBookmarks",
                    "sendInitialEvents requires setting allowWatchBookmarks to true",
                )
            )
    else:
        if match:
            if not opts.resource_version:
                errs.append(
                    FieldError.forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden unless resourceVersion is provided",
                    )
                )
            if opts.continue_token:
                errs.append(
                    FieldError.forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    )
                )
            if match not in ("Exact", "NotOlderThan"):
                errs.append(
                    FieldError.not_supported(
                        "resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]
                    )
                )
            if match == "Exact" and opts.resource_version == "0":
                errs.append(
                    FieldError.forbidden(
                        "resourceVersionMatch",
                        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                    )
                )
        if opts.send_initial_events is not None:
            errs.append(
                FieldError.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
            )
    if errs:
        raise _invalid_options("ListOptions", errs)
    return opts


@dataclass
class DeleteOptions:
    """``metav1.DeleteOptions`` from the body and the query string."""

    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    orphan_dependents: bool | None = None
    uid: str | None = None
    resource_version: str | None = None
    dry_run: bool = False


def parse_delete_options(body: Any, query: Mapping[str, str]) -> DeleteOptions:
    """Decode and validate DeleteOptions (``ValidateDeleteOptions``)."""
    src: dict[str, Any] = dict(body) if isinstance(body, Mapping) else {}
    for k in ("gracePeriodSeconds", "propagationPolicy", "orphanDependents"):
        if k in query and k not in src:
            raw = query[k]
            if k == "gracePeriodSeconds":
                try:
                    src[k] = int(raw)
                except ValueError:
                    raise errors.bad_request(
                        f"strconv.ParseInt: parsing {go_quote(raw)}: invalid syntax"
                    ) from None
            elif k == "orphanDependents":
                src[k] = _truthy(raw)
            else:
                src[k] = raw
    if "dryRun" in query and "dryRun" not in src:
        src["dryRun"] = [query["dryRun"]]
    opts = DeleteOptions()
    gp = src.get("gracePeriodSeconds")
    if gp is not None:
        if isinstance(gp, bool) or not isinstance(gp, int):
            raise errors.bad_request(
                "json: cannot unmarshal into Go struct field DeleteOptions.gracePeriodSeconds "
                "of type int64"
            )
        opts.grace_period_seconds = gp
    opts.propagation_policy = src.get("propagationPolicy")
    od = src.get("orphanDependents")
    opts.orphan_dependents = od if isinstance(od, bool) else None
    pre = src.get("preconditions")
    if isinstance(pre, Mapping):
        opts.uid = pre.get("uid")
        opts.resource_version = pre.get("resourceVersion")
    dry = src.get("dryRun") or []
    errs: list[FieldError] = []
    if dry:
        if dry != ["All"]:
            errs.append(FieldError.not_supported("dryRun", dry, ["All"]))
        opts.dry_run = True
    if opts.orphan_dependents is not None and opts.propagation_policy is not None:
        errs.append(
            FieldError.invalid(
                "propagationPolicy",
                opts.propagation_policy,
                "orphanDependents and deletionPropagation cannot be both set",
            )
        )
    if opts.propagation_policy is not None and opts.propagation_policy not in (
        "Foreground",
        "Background",
        "Orphan",
    ):
        errs.append(
            FieldError.not_supported(
                "propagationPolicy",
                opts.propagation_policy,
                ["Foreground", "Background", "Orphan", "nil"],
            )
        )
    if errs:
        raise _invalid_options("DeleteOptions", errs)
    return opts


# ------------------------------------------------------------------------------ helpers


def _meta(obj: Obj) -> Obj:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
        obj["metadata"] = meta
    return meta


def _rmeta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def same_object(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal ignoring ``metadata.resourceVersion`` (what etcd would store is the same)."""
    if a.keys() != b.keys():
        return False
    for k, v in a.items():
        if k == "metadata":
            ma, mb = _rmeta(a), _rmeta(b)
            keys = (set(ma) | set(mb)) - {"resourceVersion"}
            if any(ma.get(x, _MISSING) != mb.get(x, _MISSING) for x in keys):
                return False
        elif v != b[k]:
            return False
    return True


_MISSING: Final = object()


def _status_success(details: dict[str, Any] | None = None, code: int | None = None) -> Obj:
    out: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details is not None:
        out["details"] = details
    if code is not None:
        out["code"] = code
    return out


def _timeout_or_unknown(err: BaseException) -> StatusError:
    """How an etcd failure reaches the client: a request whose deadline passed is a 504;
    anything else is reported as is (500, ``ErrorToAPIStatus``)."""
    text = str(err)
    if isinstance(err, ErrTimeout) and text.startswith("context deadline exceeded"):
        return errors.timeout(
            "request did not complete within requested timeout - context deadline exceeded"
        )
    return unknown_error(text)


class RESTStore:
    """The REST verbs of one resource over etcd and the watch cache."""

    def __init__(self, rt: Runtime, res: Resource) -> None:
        self.rt = rt
        self.res = res
        self.strategy = res.strategy

    @property
    def cache(self) -> WatchCache:
        """The watch cache of this resource."""
        return self.rt.cacher.caches[self.res.prefix]

    # -- small pieces ----------------------------------------------------------------------

    def key(self, name: str, namespace: str) -> str:
        """The etcd key of ``name``."""
        res = self.res
        if namespace and res.namespaced:  # Resource.key -> KindInfo.etcd_key, inlined
            return f"{res.prefix}/{namespace}/{name}"
        return res.key(name, namespace)

    def _served(self, obj: Obj) -> Obj:
        to_served = self.res.to_served
        return obj if to_served is identity else to_served(obj)

    def _current_revision(self, ctx: RequestContext, then: Callable[[int], None]) -> None:
        """The storage stage of a consistent read from the watch cache: etcd's current
        revision (``storage.GetCurrentResourceVersionFromStorage``), then ``then(revision)``."""
        ctx.storage(
            "current revision (consistent read)",
            lambda d: self.rt.etcd.current_revision(self.res.prefix + "/", d),
            then,
            _timeout_or_unknown,
        )

    def _not_found(self, name: str) -> StatusError:
        return errors.not_found(self.res.name, name, self.res.group)

    def _conflict(self, name: str, err: str = errors.OPTIMISTIC_LOCK_ERROR) -> StatusError:
        return errors.conflict(self.res.name, name, err, self.res.group)

    def _admission_user(self, ctx: RequestContext) -> AdmissionUser:
        u = ctx.user
        return AdmissionUser(u.name, tuple(u.groups)) if u is not None else AdmissionUser("")

    def _admission_request(
        self,
        ctx: RequestContext,
        op: str,
        obj: Obj | None,
        old: Obj | None,
        namespace: str,
        name: str,
        subresource: str = "",
        kind: str | None = None,
    ) -> AdmissionRequest:
        res = self.res
        u = ctx.user  # self._admission_user(ctx), inlined (once per write)
        user = AdmissionUser(u.name, tuple(u.groups)) if u is not None else AdmissionUser("")
        # positional (several times cheaper than by keyword, once per write): operation,
        # kind, resource, namespace, name, object, old_object, subresource, group, user, dry_run
        return AdmissionRequest(
            op,
            kind or res.kind,
            res.name,
            namespace if res.namespaced else "",
            name,
            obj,
            old,
            subresource,
            res.group,
            user,
            bool(ctx.data.get("dry_run")),
        )

    def _mutate(self, ctx: RequestContext, req: AdmissionRequest) -> Obj | None:
        result = self.rt.admission.mutate(req, self.rt.lister(ctx))
        ctx.warnings += result.warnings
        ctx.annotations.update(result.audit_annotations)
        if not result.allowed:
            ctx.decided_by = f"admission:{result.decided_by}"
            assert result.error is not None
            raise result.error
        return req.object

    def _validate_admission(self, ctx: RequestContext, req: AdmissionRequest) -> None:
        result = self.rt.admission.validate(req, self.rt.lister(ctx))
        ctx.warnings += result.warnings
        ctx.annotations.update(result.audit_annotations)
        if not result.allowed:
            ctx.decided_by = f"admission:{result.decided_by}"
            assert result.error is not None
            raise result.error
        if result.quota_updates and not req.dry_run:
            self._write_quota_usage(result.quota_updates)

    def _write_quota_usage(self, quotas: list[dict[str, Any]]) -> None:
        """The ResourceQuota plugin charges the request to each quota's ``status.used`` in
        etcd before the object is written (plugin/pkg/admission/resourcequota/controller.go
        checkQuotas -> UpdateQuotaStatus, a compare-and-swap on the quota's resourceVersion).
        Simplified: one attempt, not awaited; on a conflict the usage is recounted on the
        next request, as the quota controller's resync would do."""
        res = self.rt.resource("", "resourcequotas")
        for quota in quotas:
            meta = quota.get("metadata") or {}
            try:
                rv = int(meta.get("resourceVersion") or 0)
            except ValueError:
                continue
            key = f"{res.prefix}/{meta.get('namespace')}/{meta.get('name')}"
            self.rt.etcd.update(key, encode_object(quota), rv, lambda _ok, _resp: None)

    def _invalid(
        self, obj: Mapping[str, Any], errs: list[FieldError], name: str = ""
    ) -> StatusError:
        err = InvalidError.for_object(obj, errs)
        return errors.invalid(err.kind or self.res.kind, name or err.name, errs, self.res.group)

    def _decode(
        self,
        ctx: RequestContext,
        body: Any,
        *,
        kind: str | None = None,
        api_version: str | None = None,
        patch: bool = False,
    ) -> Obj:
        """Decode a request body into an object of this resource (defaults applied)."""
        res = self.res
        kind = kind or res.kind
        api_version = api_version or res.api_version
        if not isinstance(body, dict):
            raise errors.bad_request(
                f"the object provided is unrecognized (must be of type {kind}): "
                f"couldn't get version/kind; json parse error: cannot unmarshal "
                f"{type(body).__name__} into an object"
            )
        body_kind = body.get("kind") or kind
        body_version = body.get("apiVersion") or api_version
        if body_version != api_version:
            raise errors.bad_request(
                f"the API version in the data ({body_version}) does not match the expected "
                f"API version ({api_version})"
            )
        if body_kind != kind:
            version = api_version.rpartition("/")[2]
            raise errors.bad_request(
                f"{body_kind} in version {go_quote(version)} cannot be handled as a {kind}: "
                f"converting (v1.{body_kind}) to ({api_version.rpartition('/')[0] or 'core'}"
                f".{kind}): unknown conversion"
            )
        problems = decode_errors(body, api_version, kind)
        if problems.type_error is not None:
            version = api_version.rpartition("/")[2]
            prefix = f"{kind} in version {go_quote(version)} cannot be handled as a {kind}: "
            raise errors.bad_request(prefix + problems.type_error)
        mode = ctx.data.get("field_validation", "Warn")
        if problems.unknown and mode != "Ignore":
            texts = [f"unknown field {go_quote(p)}" for p in problems.unknown]
            if mode == "Strict":
                version = api_version.rpartition("/")[2]
                prefix = f"{kind} in version {go_quote(version)} cannot be handled as a {kind}: "
                msg = "strict decoding error: " + ", ".join(texts)
                raise errors.bad_request(msg if patch else prefix + msg)
            ctx.warnings += texts
        if (
            body.get("kind") == kind
            and body.get("apiVersion") == api_version
            and (kind != "Secret" or res.group)
        ):
            # kind and apiVersion already as set below, nothing to convert: apply_defaults
            # copies the body (without changing it), no copy of our own needed
            obj: Obj = body
        else:
            obj = dict(body)
            obj["kind"] = kind
            obj["apiVersion"] = api_version
        if kind == "Secret" and not self.res.group and isinstance(obj.get("stringData"), dict):
            # core/v1 conversion: stringData overwrites data, base64-encoded, and is dropped
            data = dict(obj.get("data") or {})
            for k, v in obj.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data
        out = apply_defaults(obj)
        if problems.unknown:
            prune_unknown(out, api_version, kind)
        to_storage = res.to_storage
        if to_storage is not identity and kind == res.kind and api_version == res.api_version:
            out = to_storage(out)
        return out

    def _validate(
        self, ctx: RequestContext, obj: Obj, old: Obj | None, status: bool = False
    ) -> None:
        """Validation (``BeforeCreate``/``BeforeUpdate``) and the RBAC escalation check."""
        served = self._served(obj)
        if self.res.group == "rbac.authorization.k8s.io" and ctx.user is not None and not status:
            try:
                if self.res.kind in ("Role", "ClusterRole"):
                    check_role_write(
                        ctx.user,
                        obj,
                        self.rt.authorizer,
                        old=self._served(old) if old is not None else None,
                    )
                else:
                    check_binding_write(ctx.user, obj, self.rt.authorizer)
            except EscalationError as err:
                ctx.annotations["kubelab/decided-by"] = "RBAC escalation check"
                raise StatusError(err.status()) from None
            except RoleRefNotFound as err:
                raise StatusError(err.status()) from None
        errs = list(validate(served))
        if old is not None:
            errs += _validate_meta_update(obj, old)
            if status:
                errs += self.strategy.validate_status_update(obj, old)
            else:
                errs += self.strategy.validate_update(obj, old)
        if errs:
            raise self._invalid(served, errs, str(_rmeta(obj).get("name") or ""))

    # -- namespace live lookup --------------------------------------------------------------

    def _ensure_namespace(
        self, ctx: RequestContext, namespace: str, then: Callable[[], None]
    ) -> None:
        """NamespaceLifecycle looks a namespace up in etcd when its informer has not seen it
        yet; do that lookup here so the plugin sees it."""
        if not self.res.namespaced or not namespace:
            then()
            return
        rt = self.rt
        if rt.namespace_key_prefix + namespace in rt.namespace_cache.entries:
            then()  # rt.namespace_cached(namespace), inlined (every create in a namespace)
            return
        ns_key = self.rt.resource("", "namespaces").key(namespace)

        def got(res: Any) -> None:
            kv = res[0]
            if kv is not None:
                ctx.data.setdefault("lister_overrides", {})[namespace] = kv.decode()
            then()

        ctx.storage(f"get {ns_key} (namespace lookup)", lambda d: self.rt.etcd.get(ns_key, d), got)

    # ======================================================================== CREATE

    def create(self, ctx: RequestContext, namespace: str, body: Any) -> None:
        """POST to the collection."""
        op = _Create(self, ctx, namespace, body)
        ctx.run("decode", op.decode, op.mutating)

    def _create_conflict(self, name: str, current: KeyValue | None, generated: bool) -> StatusError:
        err = errors.already_exists(self.res.name, name, self.res.group)
        if generated:
            # errors.NewGenerateNameConflict
            qr = self.res.qualified
            err = StatusError(
                {
                    **err.status,
                    "message": f"{qr} {go_quote(name)} already exists, the server was not able "
                    "to generate a unique name for the object",
                    "details": {**(err.details or {}), "retryAfterSeconds": 1},
                }
            )
        elif current is not None:
            try:
                cur = json.loads(current.value)
            except ValueError:
                cur = {}
            if _rmeta(cur).get("deletionTimestamp"):
                err = err.with_message(f"object is being deleted: {err.message}")
        return err

    def _ensure_request_namespace(self, obj: Obj, namespace: str) -> None:
        # rest.EnsureObjectNamespaceMatchesRequestNamespace
        meta = obj.get("metadata")
        if type(meta) is not dict:  # _meta(obj), inlined: twice per create
            meta = _meta(obj)
        have = str(meta.get("namespace") or "")
        want = namespace if self.res.namespaced else ""
        if have == want:
            if want:
                meta["namespace"] = want
            return
        if not have:
            meta["namespace"] = want
            return
        if not want:
            meta.pop("namespace", None)
            return
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )

    # ======================================================================== GET

    def get(self, ctx: RequestContext, namespace: str, name: str, query: Mapping[str, str]) -> None:
        """GET one object: from etcd, or from the cache when a resourceVersion is given."""
        rv = query.get("resourceVersion", "")
        key = self.key(name, namespace)
        if rv == "":

            def got(res: Any) -> None:
                kv = res[0]
                if kv is None:
                    raise self._not_found(name)
                ctx.finish(200, self._served(kv.decode()))

            ctx.storage(f"get {key}", lambda d: self.rt.etcd.get(key, d), got, _timeout_or_unknown)
            return
        try:
            want = int(rv)
        except ValueError:
            ctx.fail(
                errors.bad_request(
                    f"invalid resource version: strconv.ParseUint: parsing {go_quote(rv)}: "
                    "invalid syntax"
                ),
                "decode",
            )
            return

        def from_cache(ok: bool) -> None:
            if not ok:
                raise _too_large_rv(want, self.rt.cacher.rv)
            entry = self.cache.get(key)
            if entry is None:
                raise self._not_found(name)
            ctx.finish(200, self._served(entry.copy()))

        self._wait_cache(ctx, want, from_cache)

    def _wait_cache(self, ctx: RequestContext, rv: int, then: Callable[[bool], None]) -> None:
        cacher = self.rt.cacher
        ctx.wait(
            f"watch cache at resourceVersion >= {rv}",
            lambda d: cacher.when_ready(lambda: cacher.wait_for(rv, d)),
            then,
        )

    # ======================================================================== LIST

    def list_objects(self, ctx: RequestContext, namespace: str, opts: ListOptions) -> None:
        """GET the collection: from the watch cache or from etcd, as the cacher decides."""
        rv = opts.resource_version
        delegate = (
            bool(opts.continue_token)
            or (opts.limit > 0 and rv != "0")
            or (opts.resource_version_match not in ("", "NotOlderThan"))
        )
        if delegate:
            self._list_etcd(ctx, namespace, opts)
            return
        cacher = self.rt.cacher
        if rv == "":
            # ConsistentListFromCache: learn etcd's revision, wait for the cache to reach it
            def have_rev(current: int) -> None:
                def waited(ok: bool) -> None:
                    if ok:
                        self._list_cache(ctx, namespace, opts)
                    else:
                        self._list_etcd(ctx, namespace, opts)  # fall back to etcd

                self._wait_cache(ctx, current, waited)

            self._current_revision(ctx, have_rev)
            return
        want = int(rv)

        def waited(ok: bool) -> None:
            if not ok:
                raise _too_large_rv(want, cacher.rv)
            self._list_cache(ctx, namespace, opts)

        self._wait_cache(ctx, want, waited)

    def matcher(self, opts: ListOptions) -> Callable[[Mapping[str, Any]], bool] | None:
        """The selection predicate (``None`` when it selects everything)."""
        lsel, fsel = opts.label_selector, opts.field_selector
        if lsel.empty() and fsel.empty():
            return None
        fields_of = self.strategy.fields
        pairs = _equality_pairs(lsel)
        if pairs is not None and fsel.empty():
            # only key=value terms: compare the labels directly (Requirement.Matches)
            if len(pairs) == 1:
                ((key, value),) = pairs

                def match_label(obj: Mapping[str, Any]) -> bool:
                    meta = obj.get("metadata")
                    labels = meta.get("labels") if isinstance(meta, dict) else None
                    if not labels:
                        return False
                    return bool(labels.get(key) == value)

                return match_label

            def match_labels(obj: Mapping[str, Any]) -> bool:
                meta = obj.get("metadata")
                labels = meta.get("labels") if isinstance(meta, dict) else None
                if not labels:
                    return False
                return all(labels.get(k) == v for k, v in pairs)

            return match_labels

        def match(obj: Mapping[str, Any]) -> bool:
            if not lsel.empty() and not lsel.matches(_rmeta(obj).get("labels") or {}):
                return False
            return fsel.empty() or fsel.matches_fields(fields_of(obj))

        return match

    def _list_body(
        self, items: list[Obj], rv: int, cont: str = "", remaining: int | None = None
    ) -> Obj:
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if cont:
            meta["continue"] = cont
        if remaining is not None:
            meta["remainingItemCount"] = remaining
        return {
            "kind": f"{self.res.kind}List",
            "apiVersion": self.res.api_version,
            "metadata": meta,
            "items": items,
        }

    def _list_cache(self, ctx: RequestContext, namespace: str, opts: ListOptions) -> None:
        match = self.matcher(opts)
        ns = namespace if self.res.namespaced else None
        cache = self.cache
        entries = cache.entries
        items = [entries[k].obj for k in cache.keys(ns)]
        if match is not None:
            items = [o for o in items if match(o)]
        served = self.res.to_served
        if served is not identity:
            items = [served(o) for o in items]
        ctx.finish(200, self._list_body(items, self.rt.cacher.rv), stage="storage")

    def _list_etcd(self, ctx: RequestContext, namespace: str, opts: ListOptions) -> None:
        prefix = self.res.prefix + "/"
        if self.res.namespaced and namespace:
            prefix += namespace + "/"
        end = prefix_range_end(prefix.encode()).decode()
        start = prefix
        with_rev = 0
        continue_key = ""
        if opts.continue_token:
            try:
                continue_key, crv = decode_continue(opts.continue_token, prefix)
            except ContinueError as err:
                raise errors.bad_request(f"invalid continue token: {err}") from None
            if opts.resource_version not in ("", "0"):
                raise errors.bad_request(
                    "specifying resource version is not allowed when using continue"
                )
            start = continue_key
            if crv > 0:
                with_rev = crv
        elif opts.resource_version:
            rv = int(opts.resource_version)
            if opts.resource_version_match == "Exact" or (
                opts.resource_version_match == "" and opts.limit > 0 and rv > 0
            ):
                with_rev = rv
        match = self.matcher(opts)
        limit = opts.limit
        items: list[Obj] = []
        st = _Page(limit, start, with_rev)
        min_rv = int(opts.resource_version) if opts.resource_version not in ("", "0") else 0

        def page(res: ListResult) -> None:
            if min_rv and res.revision < min_rv and not st.rev:
                raise _too_large_rv(min_rv, res.revision)
            has_more = res.more
            for kv in res.kvs:
                if limit > 0 and len(items) >= limit:
                    has_more = True
                    break
                st.last = kv.key
                obj = kv.decode()
                if match is None or match(obj):
                    items.append(obj)
            if not st.rev:
                st.rev = res.revision
            if has_more and limit > 0 and len(items) < limit:
                # the selector dropped objects: fetch more, doubling the page (store.go)
                st.limit = min(st.limit * 2, MAX_LIST_LIMIT)
                st.start = st.last + "\x00"
                fetch()
                return
            cont = ""
            remaining = None
            if has_more and limit > 0:
                cont = encode_continue(st.last + "\x00", prefix, st.rev)
                if match is None:
                    remaining = max(res.count - st.limit, 0)
            body = self._list_body([self._served(o) for o in items], st.rev, cont, remaining)
            ctx.finish(200, body)

        def failed(err: BaseException) -> StatusError:
            if isinstance(err, ErrCompacted):
                if opts.continue_token:
                    try:
                        token = encode_continue(continue_key, prefix, -1)
                    except ValueError:
                        return errors.resource_expired(CONTINUE_EXPIRED)
                    status = errors.resource_expired(INCONSISTENT_CONTINUE).status
                    status["metadata"] = {"continue": token}
                    return StatusError(status)
                return errors.resource_expired(LIST_EXPIRED)
            return _timeout_or_unknown(err)

        def fetch() -> None:
            ctx.storage(
                f"range from {st.start} limit={st.limit} revision={st.rev}",
                lambda d: self.rt.etcd.list(st.start, end, d, revision=st.rev, limit=st.limit),
                page,
                failed,
            )

        fetch()

    # ======================================================================== WATCH

    def watch(self, ctx: RequestContext, namespace: str, opts: ListOptions) -> None:
        """GET with ``watch=true``: served from the watch cache."""
        port = ctx.request.watch_port
        if not port:
            ctx.fail(
                errors.bad_request("a watch request needs a watch_port to stream to"), "decode"
            )
            return
        cacher = self.rt.cacher
        match = self.matcher(opts) or (lambda _o: True)
        ns = namespace if self.res.namespaced and namespace else None
        rv_text = opts.resource_version
        if opts.timeout_seconds is not None and opts.timeout_seconds > 0:
            timeout = float(opts.timeout_seconds)
        else:
            # --min-request-timeout 1800 s, randomised to [1800, 3600) (installer.go)
            timeout = 1800.0 * (1.0 + self.rt.rng.random())

        def fail_in_stream(err: StatusError) -> None:
            # cacher.go Watch: "once we have passed authn/authz/admission, and successfully
            # parsed a resource version, other errors must fail with a watch event of type
            # ERROR, rather than a directly returned error" (newErrWatcher)
            host = self.rt.host
            caller = ctx.caller
            status = err.status

            def send() -> None:
                host.send(caller, port, {"type": "ERROR", "object": status})
                host.send(caller, port, None)

            ctx.after_response.append(send)
            ctx.annotations["watch-error"] = err.message
            ctx.finish(200, {"watch": port})

        def start(initial: str, since: int) -> None:
            cache = self.cache
            events = []
            if initial == "replay":
                try:
                    events = cache.events_since(since)
                except TooOldResourceVersion as err:
                    fail_in_stream(errors.too_old_resource_version(err.requested, err.floor))
                    return
            w = cacher.add_watch(
                cache,
                ctx.caller,
                port,
                namespace=ns,
                matches=match,
                convert=self.res.to_served,
                bookmarks=opts.allow_watch_bookmarks,
                kind=self.res.kind,
                api_version=self.res.api_version,
                timeout=timeout,
                user=ctx.user.name if ctx.user else "",
                resource=self.res.qualified,
            )
            ctx.data["watch"] = w
            rv_now = cacher.rv

            def send_initial() -> None:
                if w.closed:
                    return
                if initial == "state":
                    for e in cache.iter_entries(ns):
                        if match(e.obj):
                            cacher.send(w, ADDED, e.obj, e.rv)
                    if opts.send_initial_events and opts.allow_watch_bookmarks:
                        cacher.send_bookmark(w, rv_now, initial_end=True)
                else:
                    for ev in events:
                        out = w.event_for(ev)
                        if out is not None:
                            cacher.send(w, out[0], out[1], ev.rv)

            ctx.after_response.append(send_initial)
            ctx.finish(200, {"watch": port})

        def ready() -> None:
            if opts.send_initial_events:
                if rv_text == "":

                    def have_rev(current: int) -> None:
                        self._wait_cache(ctx, current, lambda ok: start("state", 0))

                    self._current_revision(ctx, have_rev)
                    return
                want = int(rv_text)

                def waited(ok: bool) -> None:
                    if not ok:
                        fail_in_stream(_too_large_rv(want, cacher.rv))
                        return
                    start("state", 0)

                self._wait_cache(ctx, want, waited)
                return
            if rv_text in ("", "0"):
                start("state", 0)
                return
            want = int(rv_text)

            def waited2(ok: bool) -> None:
                if not ok:
                    fail_in_stream(_too_large_rv(want, cacher.rv))
                    return
                start("replay", want)

            self._wait_cache(ctx, want, waited2)

        ready()

    # ======================================================================== UPDATE (shared loop)

    def _guaranteed_update(
        self,
        ctx: RequestContext,
        key: str,
        name: str,
        compute: Callable[[KeyValue | None, Callable[[Any], None]], None],
        then: Callable[[Any, KeyValue | None, bool], None],
    ) -> None:
        """``GuaranteedUpdate``: read the key, let ``compute(kv, cont)`` produce the new object
        (through its own stages) and compare-and-swap it in; on a lost race, compute again
        from what the key holds now. ``then(obj, kv, wrote)``; ``compute`` may instead pass a
        :class:`_Signal` to ``cont`` (handed to ``then`` as the object)."""

        def attempt(kv: KeyValue | None) -> None:
            def cont(new: Any) -> None:
                if isinstance(new, _Signal):
                    then(new, kv, False)
                    return
                if kv is not None:
                    existing = ctx.data.get("existing")
                    if isinstance(existing, dict) and same_object(new, existing):
                        then(existing, kv, False)  # GuaranteedUpdate: nothing to write
                        return
                if ctx.data.get("dry_run"):
                    then(new, kv, False)
                    return
                data = encode_object(new)
                if kv is None:
                    ctx.storage(
                        f"txn create {key}",
                        lambda d: self.rt.etcd.create(key, data, d),
                        lambda res: written(res, new),
                        _timeout_or_unknown,
                    )
                    return
                rev = kv.mod_revision
                ctx.storage(
                    f"txn update {key} if mod_revision == {rev}",
                    lambda d: self.rt.etcd.update(key, data, rev, d),
                    lambda res: written(res, new),
                    _timeout_or_unknown,
                )

            def written(res: WriteResult, new: Obj) -> None:
                if res.succeeded:
                    _meta(new)["resourceVersion"] = str(res.revision)
                    then(new, kv, True)
                    return
                ctx.data["retries"] = int(ctx.data.get("retries", 0)) + 1
                attempt(res.current)

            ctx.data["existing"] = kv.decode() if kv is not None else None
            compute(kv, cont)

        ctx.storage(f"get {key}", lambda d: self.rt.etcd.get(key, d), lambda r: attempt(r[0]),
                    _timeout_or_unknown)  # fmt: skip

    def _update_pipeline(
        self,
        ctx: RequestContext,
        namespace: str,
        name: str,
        new_object: Callable[[Obj | None], Obj],
        *,
        subresource: str = "",
        admission_kind: str | None = None,
        admission_object: Callable[[Obj], Obj] | None = None,
        finish: Callable[[Obj, bool], None] | None = None,
    ) -> None:
        """The stages of an update on top of :meth:`_guaranteed_update`: ``new_object(existing)``
        builds the new object (applying the body or the patch), then mutating admission, the
        resourceVersion precondition, ``BeforeUpdate``, validation, validating admission."""
        key = self.key(name, namespace)
        strategy = self.strategy

        def compute(kv: KeyValue | None, cont: Callable[[Any], None]) -> None:
            existing: Obj | None = ctx.data.get("existing")
            if existing is None and not (self.res.allow_create_on_update and not subresource):
                ctx.fail(self._not_found(name), "storage")
                return
            try:
                new = new_object(copy.deepcopy(existing) if existing is not None else None)
            except StatusError as err:
                ctx.fail(err, "decode")
                return
            requested_rv = str(_rmeta(new).get("resourceVersion") or "")

            def mutating() -> Obj:
                op = CREATE if existing is None else UPDATE
                adm = admission_object(new) if admission_object is not None else new
                req = self._admission_request(
                    ctx, op, adm, existing, namespace, name, subresource, admission_kind
                )
                ctx.data["req"] = req
                self._mutate(ctx, req)
                return new

            def precondition(obj: Obj) -> None:
                def check() -> Obj:
                    if existing is None:
                        return obj
                    have = str(_rmeta(existing).get("resourceVersion") or "")
                    if not requested_rv:
                        if not strategy.allow_unconditional_update:
                            raise errors.invalid(
                                self.res.name,
                                name,
                                [FieldError.invalid(
                                    "metadata.resourceVersion", GoLiteral("0x0"),
                                    "must be specified for an update")],
                                self.res.group,
                            )  # fmt: skip
                    elif requested_rv != have:
                        raise self._conflict(name)
                    _meta(obj)["resourceVersion"] = have
                    return obj

                ctx.run("storage", check, validation)

            def validation(obj: Obj) -> None:
                def check() -> Obj:
                    if existing is None:
                        meta = _meta(obj)
                        meta["creationTimestamp"] = self.rt.world.timestamp()
                        meta["uid"] = self.rt.new_uid()
                        self._ensure_request_namespace(obj, namespace)
                        out = strategy.prepare_for_create(obj)
                        self._validate(ctx, out, None)
                        return out
                    _before_update(self, obj, existing, namespace, subresource)
                    self._validate(ctx, obj, existing, status=subresource == "status")
                    return obj

                ctx.run("validation", check, validating)

            def validating(obj: Obj) -> None:
                def check() -> Any:
                    req: AdmissionRequest = ctx.data["req"]
                    if admission_object is None:
                        req.object = obj
                    self._validate_admission(ctx, req)
                    if existing is not None and _should_delete_during_update(obj, existing):
                        return _Signal("emptied-finalizers", obj)
                    return obj

                ctx.run("validating admission", check, cont)

            ctx.run("mutating admission", mutating, precondition)

        def then(obj: Any, kv: KeyValue | None, wrote: bool) -> None:
            if isinstance(obj, _Signal):
                # the last finalizer was removed from an object being deleted: delete it now
                assert kv is not None
                self._conditional_delete(
                    ctx, key, name, kv, None, lambda out: self._finish_delete(ctx, out)
                )
                return
            if finish is not None:
                finish(obj, wrote)
            else:
                ctx.finish(201 if kv is None and wrote else 200, self._served(obj))

        self._ensure_namespace(
            ctx, namespace, lambda: self._guaranteed_update(ctx, key, name, compute, then)
        )

    # ======================================================================== UPDATE (PUT)

    def update(
        self, ctx: RequestContext, namespace: str, name: str, body: Any, subresource: str = ""
    ) -> None:
        """PUT an object (or its ``status`` / ``finalize`` subresource)."""

        def decode() -> Obj:
            obj = self._decode(ctx, body)
            meta = _meta(obj)
            body_name = meta.get("name")
            if body_name and body_name != name:
                raise errors.bad_request(
                    f"the name of the object ({body_name}) does not match the name on the URL "
                    f"({name})"
                )
            meta["name"] = name
            self._ensure_request_namespace(obj, namespace)
            return obj

        def go(obj: Obj) -> None:
            def new_object(existing: Obj | None) -> Obj:
                new = copy.deepcopy(obj)
                if existing is not None and subresource == "status":
                    self.strategy.prepare_for_status_update(new, existing)
                elif existing is not None and subresource == "finalize":
                    assert isinstance(self.strategy, NamespaceStrategy)
                    self.strategy.prepare_for_finalize(new, existing)
                return new

            self._update_pipeline(ctx, namespace, name, new_object, subresource=subresource)

        ctx.run("decode", decode, go)

    # ======================================================================== PATCH

    def patch(
        self, ctx: RequestContext, namespace: str, name: str, body: Any, content_type: str,
        subresource: str = "",
    ) -> None:  # fmt: skip
        """PATCH an object (merge, JSON or strategic merge patch)."""
        ctype = content_type.split(";")[0].strip()

        def decode() -> Any:
            if ctype not in (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH):
                raise StatusError(
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "metadata": {},
                        "status": "Failure",
                        "message": "the body of the request was in an unknown format - accepted "
                        f"media types include: {JSON_PATCH}, {MERGE_PATCH}, "
                        f"{STRATEGIC_MERGE_PATCH}",
                        "reason": "UnsupportedMediaType",
                        "code": 415,
                    }
                )
            return body

        def go(patch_body: Any) -> None:
            def new_object(existing: Obj | None) -> Obj:
                if existing is None:
                    raise self._not_found(name)
                served = self._served(existing)
                try:
                    if ctype == JSON_PATCH:
                        patched = json_patch(served, patch_body)
                    elif ctype == MERGE_PATCH:
                        patched = json_merge_patch(served, patch_body)
                    else:
                        patched = strategic_merge_patch(self.res.kind, served, patch_body)
                except PatchError as err:
                    raise StatusError(err.status()) from None
                # the patched object is decoded like a request body (strict fields, defaults)
                new = self._decode(ctx, patched, patch=True)
                meta = _meta(new)
                if meta.get("name") != name:
                    raise errors.bad_request(
                        f"the name of the object ({meta.get('name')}) does not match the name "
                        f"on the URL ({name})"
                    )
                if subresource == "status":
                    self.strategy.prepare_for_status_update(new, existing)
                return new

            self._update_pipeline(ctx, namespace, name, new_object, subresource=subresource)

        ctx.run("decode", decode, go)

    # ======================================================================== SCALE

    def _scale_of(self, obj: Mapping[str, Any]) -> Obj:
        meta = _rmeta(obj)
        spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
        status = obj.get("status") if isinstance(obj.get("status"), Mapping) else {}
        assert isinstance(spec, Mapping) and isinstance(status, Mapping)
        try:
            selector = str(selector_from_dict(spec.get("selector")))
        except SelectorError:
            selector = ""
        out_meta: Obj = {}
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp"):
            if k in meta:
                out_meta[k] = meta[k]
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": out_meta,
            "spec": {"replicas": spec.get("replicas", 0)},
            "status": {"replicas": status.get("replicas", 0), "selector": selector},
        }

    def get_scale(self, ctx: RequestContext, namespace: str, name: str) -> None:
        """GET ``<resource>/scale``."""
        key = self.key(name, namespace)

        def got(res: Any) -> None:
            kv = res[0]
            if kv is None:
                raise self._not_found(name)
            ctx.finish(200, self._scale_of(kv.decode()))

        ctx.storage(f"get {key}", lambda d: self.rt.etcd.get(key, d), got, _timeout_or_unknown)

    def update_scale(
        self, ctx: RequestContext, namespace: str, name: str, body: Any, content_type: str = ""
    ) -> None:
        """PUT or PATCH ``<resource>/scale``: sets ``spec.replicas``."""
        ctype = content_type.split(";")[0].strip() if content_type else ""

        def decode() -> Any:
            if ctype and ctype not in (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH):
                raise errors.bad_request(f"unsupported patch type {ctype}")
            if not ctype:
                return self._decode_scale(ctx, body)
            return body

        def go(decoded: Any) -> None:
            def new_object(existing: Obj | None) -> Obj:
                if existing is None:
                    raise self._not_found(name)
                current = self._scale_of(existing)
                if ctype:
                    try:
                        if ctype == JSON_PATCH:
                            scale = json_patch(current, decoded)
                        elif ctype == MERGE_PATCH:
                            scale = json_merge_patch(current, decoded)
                        else:
                            scale = strategic_merge_patch("Scale", current, decoded)
                    except PatchError as err:
                        raise StatusError(err.status()) from None
                    scale = self._decode_scale(ctx, scale)
                else:
                    scale = decoded
                replicas = (scale.get("spec") or {}).get("replicas", 0)
                if not isinstance(replicas, int) or replicas < 0:
                    raise errors.invalid(
                        "Scale",
                        name,
                        [FieldError.invalid("spec.replicas", replicas,
                                            "must be greater than or equal to 0")],
                        "autoscaling",
                    )  # fmt: skip
                new = copy.deepcopy(existing)
                spec = new.setdefault("spec", {})
                spec["replicas"] = replicas
                rv = _rmeta(scale).get("resourceVersion")
                if rv:
                    _meta(new)["resourceVersion"] = rv
                ctx.data["scale"] = scale
                return new

            def finish(obj: Obj, wrote: bool) -> None:
                ctx.finish(200, self._scale_of(obj))

            self._update_pipeline(
                ctx,
                namespace,
                name,
                new_object,
                subresource="scale",
                admission_kind="Scale",
                admission_object=lambda _o: ctx.data.get("scale", {}),
                finish=finish,
            )

        ctx.run("decode", decode, go)

    def _decode_scale(self, ctx: RequestContext, body: Any) -> Obj:
        if not isinstance(body, dict):
            raise errors.bad_request("the object provided is unrecognized (must be of type Scale)")
        problems = decode_errors(body, "autoscaling/v1", "Scale")
        prefix = 'Scale in version "v1" cannot be handled as a Scale: '
        if problems.type_error:
            raise errors.bad_request(prefix + problems.type_error)
        if problems.unknown and ctx.data.get("field_validation") == "Strict":
            raise errors.bad_request(
                prefix
                + "strict decoding error: "
                + ", ".join(f"unknown field {go_quote(p)}" for p in problems.unknown)
            )
        return dict(body)

    # ======================================================================== BINDING

    def bind(self, ctx: RequestContext, namespace: str, name: str, body: Any) -> None:
        """POST ``pods/<name>/binding``: assign the pod to a node (``BindingREST.Create``)."""
        state: dict[str, Any] = {}

        def decode() -> Obj:
            binding = self._decode(ctx, body, kind="Binding", api_version="v1")
            if str(_rmeta(binding).get("name") or "") != name:
                raise errors.bad_request("name in URL does not match name in Binding object")
            target = binding.get("target") if isinstance(binding.get("target"), dict) else {}
            assert isinstance(target, dict)
            errs = []
            if target.get("kind") not in (None, "", "Node"):
                errs.append(f"target.kind: Not found: {go_quote(str(target.get('kind')))}")
            if not target.get("name"):
                errs.append("target.name: Required value")
            if errs:
                # ValidatePodBinding's errors are returned as a plain aggregate: a 500
                raise unknown_error(errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]")
            state["binding"] = binding
            return binding

        def mutating(binding: Obj) -> None:
            req = AdmissionRequest(
                operation=CREATE,
                kind="Binding",
                resource="pods",
                namespace=namespace,
                name=name,
                object=binding,
                subresource="binding",
                user=self._admission_user(ctx),
            )
            state["req"] = req
            ctx.run("mutating admission", lambda: self._mutate(ctx, req), validating)

        def validating(binding: Obj) -> None:
            ctx.run(
                "validating admission",
                lambda: self._validate_admission(ctx, state["req"]),
                lambda _r: assign(binding),
            )

        def assign(binding: Obj) -> None:
            key = self.key(name, namespace)
            target = binding.get("target") or {}
            node = str(target.get("name"))
            meta = _rmeta(binding)
            uid, rv = meta.get("uid"), meta.get("resourceVersion")

            def compute(kv: KeyValue | None, cont: Callable[[Any], None]) -> None:
                existing = ctx.data.get("existing")
                if existing is None:
                    ctx.fail(self._not_found(name), "storage")
                    return
                pod: Obj = copy.deepcopy(existing)
                pmeta = _meta(pod)
                conflict = None
                if uid and uid != pmeta.get("uid"):
                    conflict = (
                        f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
                        f"{pmeta.get('uid')}"
                    )
                elif rv and rv != pmeta.get("resourceVersion"):
                    conflict = (
                        f"Precondition failed: ResourceVersion in precondition: {rv}, "
                        f"ResourceVersion in object meta: {pmeta.get('resourceVersion')}"
                    )
                elif pmeta.get("deletionTimestamp"):
                    conflict = f"pod {name} is being deleted, cannot be assigned to a host"
                elif (pod.get("spec") or {}).get("nodeName"):
                    node_name = pod["spec"]["nodeName"]
                    conflict = f"pod {name} is already assigned to node {go_quote(node_name)}"
                elif (pod.get("spec") or {}).get("schedulingGates"):
                    conflict = f"pod {name} has non-empty .spec.schedulingGates"
                if conflict is not None:
                    ctx.fail(errors.conflict("pods/binding", name, conflict), "storage")
                    return
                pod.setdefault("spec", {})["nodeName"] = node
                ann = meta.get("annotations")
                if isinstance(ann, dict) and ann:
                    pmeta.setdefault("annotations", {}).update(ann)
                status = pod.setdefault("status", {})
                conds = [
                    c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"
                ]
                conds.append(
                    {
                        "type": "PodScheduled",
                        "status": "True",
                        "lastProbeTime": None,
                        "lastTransitionTime": self.rt.world.timestamp(),
                    }
                )
                status["conditions"] = conds
                cont(pod)

            def then(obj: Any, kv: KeyValue | None, wrote: bool) -> None:
                ctx.finish(201, _status_success(code=201))

            self._guaranteed_update(ctx, key, name, compute, then)

        ctx.run("decode", decode, mutating)

    # ======================================================================== EVICTION

    def evict(self, ctx: RequestContext, namespace: str, name: str, body: Any) -> None:
        """POST ``pods/<name>/eviction``: a graceful delete (PodDisruptionBudgets are not
        modelled, so no eviction is refused for budget reasons)."""
        state: dict[str, Any] = {}

        def decode() -> Obj:
            eviction = self._decode(ctx, body, kind="Eviction", api_version="policy/v1")
            if str(_rmeta(eviction).get("name") or "") != name:
                raise errors.bad_request("name in URL does not match name in Eviction object")
            state["options"] = parse_delete_options(eviction.get("deleteOptions"), {})
            return eviction

        def go(eviction: Obj) -> None:
            req = AdmissionRequest(
                operation=CREATE,
                kind="Eviction",
                resource="pods",
                namespace=namespace,
                name=name,
                object=eviction,
                subresource="eviction",
                group="",
                user=self._admission_user(ctx),
            )

            def adm() -> None:
                self._mutate(ctx, req)
                self._validate_admission(ctx, req)

            def delete(_r: Any) -> None:
                opts: DeleteOptions = state["options"]
                self._delete_flow(
                    ctx, namespace, name, opts,
                    lambda out: ctx.finish(201, _status_success(code=201)),
                    run_admission=False,
                )  # fmt: skip

            ctx.run("mutating admission", adm, delete)

        ctx.run("decode", decode, go)

    # ======================================================================== DELETE

    def delete(self, ctx: RequestContext, namespace: str, name: str, opts: DeleteOptions) -> None:
        """DELETE one object."""
        self._delete_flow(ctx, namespace, name, opts, lambda out: self._finish_delete(ctx, out))

    def _finish_delete(self, ctx: RequestContext, out: tuple[Obj, bool]) -> None:
        obj, deleted = out
        opts: DeleteOptions | None = ctx.data.get("delete_options")
        code = 200
        if not deleted and opts is not None and opts.orphan_dependents is False:
            code = 202
        if deleted and not self.strategy.return_deleted_object:
            meta = _rmeta(obj)
            details: dict[str, Any] = {"name": meta.get("name", "")}
            if self.res.group:
                details["group"] = self.res.group
            details["kind"] = self.res.name
            details["uid"] = meta.get("uid", "")
            ctx.finish(code, _status_success(details))
            return
        ctx.finish(code, self._served(obj))

    def _delete_flow(
        self,
        ctx: RequestContext,
        namespace: str,
        name: str,
        opts: DeleteOptions,
        done: Callable[[tuple[Obj, bool]], None],
        run_admission: bool = True,
    ) -> None:
        key = self.key(name, namespace)
        ctx.data["delete_options"] = opts
        if opts.dry_run:
            ctx.data["dry_run"] = True

        def mutating() -> None:
            if run_admission:
                req = self._admission_request(ctx, DELETE, None, None, namespace, name)
                self._mutate(ctx, req)

        def start(_r: Any) -> None:
            def got(res: Any) -> None:
                kv = res[0]
                if kv is None:
                    raise self._not_found(name)
                if isinstance(self.strategy, NamespaceStrategy):
                    self._delete_namespace(ctx, key, name, kv, opts, done)
                    return
                self._store_delete(ctx, key, name, kv, opts, done)

            ctx.storage(f"get {key}", lambda d: self.rt.etcd.get(key, d), got, _timeout_or_unknown)

        ctx.run("mutating admission", mutating, start)

    def _before_delete(self, obj: Obj, opts: DeleteOptions) -> tuple[bool, bool]:
        """``rest.BeforeDelete``: (graceful, graceful pending); may change ``obj``'s deletion
        fields and ``opts.grace_period_seconds``."""
        meta = _meta(obj)
        name = str(meta.get("name") or "")
        if opts.uid is not None and opts.uid != meta.get("uid"):
            raise self._conflict(
                name,
                f"the UID in the precondition ({opts.uid}) does not match the UID in record "
                f"({meta.get('uid')}). The object might have been deleted and then recreated",
            )
        if opts.resource_version is not None and opts.resource_version != meta.get(
            "resourceVersion"
        ):
            raise self._conflict(
                name,
                f"the ResourceVersion in the precondition ({opts.resource_version}) does not "
                f"match the ResourceVersion in record ({meta.get('resourceVersion')}). The "
                "object might have been modified",
            )
        if opts.grace_period_seconds is not None and opts.grace_period_seconds < 0:
            opts.grace_period_seconds = 1
        dgp = meta.get("deletionGracePeriodSeconds")
        if isinstance(dgp, int) and dgp < 0:
            meta["deletionGracePeriodSeconds"] = 1
            dgp = 1
        if not self.strategy.graceful:
            return False, False
        if meta.get("deletionTimestamp"):
            if dgp is None or dgp == 0:
                return False, False
            if opts.grace_period_seconds is not None:
                period = opts.grace_period_seconds
                if period >= dgp:
                    return False, True
                from kubelab.sim.clock import parse_timestamp

                old_ts = parse_timestamp(str(meta["deletionTimestamp"]))
                meta["deletionTimestamp"] = self.rt.world.timestamp(old_ts - dgp + period)
                meta["deletionGracePeriodSeconds"] = period
                return True, False
            opts.grace_period_seconds = dgp
            return False, True
        grace = self.strategy.grace_period(obj, opts.grace_period_seconds)
        if grace is None:
            return False, False
        opts.grace_period_seconds = grace
        meta["deletionTimestamp"] = self.rt.world.timestamp(self.rt.world.now + grace)
        meta["deletionGracePeriodSeconds"] = grace
        gen = meta.get("generation")
        if isinstance(gen, int) and gen > 0:
            meta["generation"] = gen + 1
        return True, False

    def _gc_finalizers(self, obj: Mapping[str, Any], opts: DeleteOptions) -> tuple[bool, list[str]]:
        """``deletionFinalizersForGarbageCollection``."""
        current = [str(f) for f in _rmeta(obj).get("finalizers") or []]
        orphan = _should_orphan(current, opts)
        foreground = _should_foreground(current, opts)
        new = [f for f in current if f not in (FINALIZER_ORPHAN, FINALIZER_FOREGROUND)]
        if orphan:
            new.append(FINALIZER_ORPHAN)
        if foreground:
            new.append(FINALIZER_FOREGROUND)
        if set(new) == set(current):
            return False, current
        return True, new

    def _store_delete(
        self,
        ctx: RequestContext,
        key: str,
        name: str,
        kv: KeyValue,
        opts: DeleteOptions,
        done: Callable[[tuple[Obj, bool]], None],
    ) -> None:
        """``Store.Delete`` after the first read."""
        obj = kv.decode()
        probe = copy.deepcopy(obj)
        probe_opts = copy.copy(opts)
        graceful, pending = self._before_delete(probe, probe_opts)
        if pending:
            done((obj, False))
            return
        should_update, _ = self._gc_finalizers(obj, opts)
        has_finalizers = bool(_rmeta(obj).get("finalizers"))
        if not (graceful or has_finalizers or should_update):
            self._conditional_delete(ctx, key, name, kv, opts, done)
            return
        outcome: dict[str, Any] = {}

        def compute(cur: KeyValue | None, cont: Callable[[Any], None]) -> None:
            existing = ctx.data.get("existing")
            if existing is None:
                ctx.fail(self._not_found(name), "storage")
                return

            def check() -> Any:
                if not ctx.data.get("delete_validated"):
                    ns = str(_rmeta(existing).get("namespace") or "")
                    req = self._admission_request(ctx, DELETE, None, existing, ns, name)
                    self._validate_admission(ctx, req)
                    ctx.data["delete_validated"] = True
                new = copy.deepcopy(existing)
                o = copy.copy(opts)
                g, p = self._before_delete(new, o)
                if p:
                    return _Signal("already-deleting", existing)
                upd, fins = self._gc_finalizers(new, o)
                if upd:
                    _meta(new)["finalizers"] = fins
                outcome["grace"] = o.grace_period_seconds or 0
                outcome["pending_finalizers"] = bool(_rmeta(new).get("finalizers"))
                if not g:
                    if outcome["pending_finalizers"]:
                        _mark_as_deleting(new, self.rt.world.timestamp(), self.rt.world.now)
                        return new
                    return _Signal("delete-now", existing)
                return new

            ctx.run("validating admission", check, cont)

        def then(out: Any, cur: KeyValue | None, wrote: bool) -> None:
            if isinstance(out, _Signal):
                if out.kind == "already-deleting":
                    done((out.obj, False))
                    return
                assert cur is not None
                self._conditional_delete(ctx, key, name, cur, opts, done)
                return
            if outcome.get("pending_finalizers") or int(outcome.get("grace", 0)) > 0:
                done((out, False))
                return
            # graceful with a zero grace period: the update is followed by the real delete,
            # its resourceVersion precondition moved to the object just written (store.go)
            rv = int(_meta(out)["resourceVersion"]) if wrote else (cur.mod_revision if cur else 0)
            fresh = KeyValue(key, encode_object(out), rv, 0, 0)
            after = copy.copy(opts)
            if after.resource_version is not None:
                after.resource_version = str(rv)
            self._conditional_delete(ctx, key, name, fresh, after, done)

        self._guaranteed_update(ctx, key, name, compute, then)

    def _conditional_delete(
        self,
        ctx: RequestContext,
        key: str,
        name: str,
        kv: KeyValue,
        opts: DeleteOptions | None,
        done: Callable[[tuple[Obj, bool]], None],
    ) -> None:
        """``conditionalDelete``: delete if mod_revision is unchanged, else re-read and retry."""
        obj = kv.decode()

        def check() -> Obj:
            if opts is not None and (opts.uid is not None or opts.resource_version is not None):
                self._before_delete(copy.deepcopy(obj), copy.copy(opts))
            if not ctx.data.get("delete_validated"):
                req = self._admission_request(
                    ctx, DELETE, None, obj, str(_rmeta(obj).get("namespace") or ""), name
                )
                self._validate_admission(ctx, req)
                ctx.data["delete_validated"] = True
            return obj

        def go(_o: Obj) -> None:
            if ctx.data.get("dry_run"):
                done((obj, True))
                return

            def deleted(res: WriteResult) -> None:
                if res.succeeded:
                    meta = _meta(obj)
                    meta["resourceVersion"] = str(res.revision)
                    done((obj, True))
                    return
                if res.current is None:
                    raise self._not_found(name)
                self._conditional_delete(ctx, key, name, res.current, opts, done)

            rev = kv.mod_revision
            ctx.storage(
                f"txn delete {key} if mod_revision == {rev}",
                lambda d: self.rt.etcd.delete(key, rev, d),
                deleted,
                _timeout_or_unknown,
            )

        ctx.run("validating admission", check, go)

    def _delete_namespace(
        self,
        ctx: RequestContext,
        key: str,
        name: str,
        kv: KeyValue,
        opts: DeleteOptions,
        done: Callable[[tuple[Obj, bool]], None],
    ) -> None:
        """pkg/registry/core/namespace/storage Delete: first delete marks the namespace
        Terminating; it is removed once ``spec.finalizers`` is empty."""
        obj = kv.decode()
        meta = _rmeta(obj)
        if not meta.get("deletionTimestamp"):

            def compute(cur: KeyValue | None, cont: Callable[[Any], None]) -> None:
                existing = ctx.data.get("existing")
                if existing is None:
                    ctx.fail(self._not_found(name), "storage")
                    return

                def check() -> Obj:
                    req = self._admission_request(ctx, DELETE, None, existing, "", name)
                    self._validate_admission(ctx, req)
                    new: Obj = copy.deepcopy(existing)
                    m = _meta(new)
                    if opts.uid is not None and opts.uid != m.get("uid"):
                        raise self._conflict(name, "Precondition failed: UID in precondition")
                    m["deletionTimestamp"] = self.rt.world.timestamp()
                    m["deletionGracePeriodSeconds"] = 0
                    status = new.setdefault("status", {})
                    status["phase"] = "Terminating"
                    upd, fins = self._gc_finalizers(new, opts)
                    if upd:
                        m["finalizers"] = fins
                    return new

                ctx.run("validating admission", check, cont)

            def then(out: Any, cur: KeyValue | None, wrote: bool) -> None:
                done((out, False))

            self._guaranteed_update(ctx, key, name, compute, then)
            return
        finalizers = (obj.get("spec") or {}).get("finalizers") or []
        if finalizers:
            done((obj, False))
            return
        self._store_delete(ctx, key, name, kv, opts, done)

    # ======================================================================== DELETECOLLECTION

    def delete_collection(
        self, ctx: RequestContext, namespace: str, list_opts: ListOptions, opts: DeleteOptions
    ) -> None:
        """DELETE the collection: list what matches, delete each object in turn."""
        match = self.matcher(list_opts)
        ns = namespace if self.res.namespaced else None

        def listed(ok: bool) -> None:
            entries: list[Entry] = [
                e for e in self.cache.iter_entries(ns) if match is None or match(e.obj)
            ]
            deleted: list[Obj] = []
            rv = self.rt.cacher.rv

            def step(i: int) -> None:
                if i >= len(entries):
                    ctx.finish(200, self._list_body([self._served(o) for o in deleted], rv))
                    return
                e = entries[i]
                name = str(_rmeta(e.obj).get("name") or "")
                ctx.data.pop("delete_validated", None)

                def one(out: tuple[Obj, bool]) -> None:
                    deleted.append(e.copy())
                    step(i + 1)

                self._delete_flow(ctx, e.namespace, name, copy.copy(opts), one)

            step(0)

        def have_rev(current: int) -> None:
            self._wait_cache(ctx, current, listed)

        self._current_revision(ctx, have_rev)


# ------------------------------------------------------------------------------ helpers


@dataclass
class _Page:
    """Where a paginated etcd list stands."""

    limit: int
    start: str
    rev: int
    last: str = ""


@dataclass
class _Signal:
    """A result of a ``compute`` step that is not an object to write."""

    kind: str
    obj: Obj


def _equality_pairs(sel: Selector) -> list[tuple[str, str]] | None:
    """``[(key, value)]`` when every requirement of ``sel`` pins one value, else ``None``."""
    if sel.matches_nothing or not sel.requirements:
        return None
    pairs = []
    for r in sel.requirements:
        if r.operator not in (EQUALS, DOUBLE_EQUALS, IN) or len(r.values) != 1:
            return None
        pairs.append((r.key, r.values[0]))
    return pairs


def _too_large_rv(wanted: int, current: int) -> StatusError:
    # storage.NewTooLargeResourceVersionError: a 504 Timeout the client retries after 1 s
    err = errors.timeout(f"Too large resource version: {wanted}, current: {current}", 1)
    st = err.status
    st["details"]["causes"] = [
        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    ]
    return StatusError(st)


def _before_update(store: RESTStore, obj: Obj, old: Obj, namespace: str, subresource: str) -> None:
    """``rest.BeforeUpdate``: system fields come from the stored object."""
    store._ensure_request_namespace(obj, namespace)
    meta = _meta(obj)
    old_meta = _rmeta(old)
    if "generation" in old_meta:
        meta["generation"] = old_meta["generation"]
    else:
        meta.pop("generation", None)
    if subresource in ("", "scale"):
        # scale writes go through the resource's own update strategy (generation bump)
        store.strategy.prepare_for_update(obj, old)
    if not meta.get("uid") and old_meta.get("uid"):
        meta["uid"] = old_meta["uid"]
    if old_meta.get("creationTimestamp"):
        meta["creationTimestamp"] = old_meta["creationTimestamp"]
    if old_meta.get("deletionTimestamp"):
        meta["deletionTimestamp"] = old_meta["deletionTimestamp"]
    if (
        old_meta.get("deletionGracePeriodSeconds") is not None
        and meta.get("deletionGracePeriodSeconds") is None
    ):
        meta["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]


def _validate_meta_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
    """objectmeta.go ``ValidateObjectMetaAccessorUpdate``."""
    errs: list[FieldError] = []
    nm, om = _rmeta(new), _rmeta(old)
    if om.get("deletionTimestamp"):
        old_f = set(om.get("finalizers") or [])
        extra = sorted(f for f in nm.get("finalizers") or [] if f not in old_f)
        if extra:
            listed = ", ".join(go_quote(str(f)) for f in extra)
            errs.append(
                FieldError.forbidden(
                    "metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers []string{{{listed}}}",
                )
            )
    for k in ("name", "namespace", "uid", "creationTimestamp"):
        if (nm.get(k) or "") != (om.get(k) or ""):
            errs.append(FieldError.invalid(f"metadata.{k}", nm.get(k) or "", "field is immutable"))
    return errs


def _should_delete_during_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    # store.go ShouldDeleteDuringUpdate
    nm, om = _rmeta(new), _rmeta(old)
    if nm.get("finalizers"):
        return False
    if not om.get("finalizers"):
        return False
    return bool(nm.get("deletionTimestamp")) and nm.get("deletionGracePeriodSeconds") == 0


def _mark_as_deleting(obj: Obj, ts: str, now: float) -> None:
    # store.go markAsDeleting
    meta = _meta(obj)
    gen = meta.get("generation")
    if not meta.get("deletionTimestamp") and isinstance(gen, int) and gen > 0:
        meta["generation"] = gen + 1
    if not meta.get("deletionTimestamp"):
        meta["deletionTimestamp"] = ts
    meta["deletionGracePeriodSeconds"] = 0


def _should_orphan(finalizers: list[str], opts: DeleteOptions) -> bool:
    # store.go shouldOrphanDependents (default policy: DeleteDependents)
    if opts.orphan_dependents is not None:
        return opts.orphan_dependents
    if opts.propagation_policy is not None:
        return opts.propagation_policy == "Orphan"
    for f in finalizers:
        if f == FINALIZER_ORPHAN:
            return True
        if f == FINALIZER_FOREGROUND:
            return False
    return False


def _should_foreground(finalizers: list[str], opts: DeleteOptions) -> bool:
    # store.go shouldDeleteDependents
    if opts.orphan_dependents is not None:
        return False
    if opts.propagation_policy is not None:
        return opts.propagation_policy == "Foreground"
    for f in finalizers:
        if f == FINALIZER_FOREGROUND:
            return True
        if f == FINALIZER_ORPHAN:
            return False
    return False


class _Create:
    """One create on its way through the stages (``RESTStore.create``): decode, mutating
    admission, validation, validating admission, the etcd transaction. Each step is a
    method (no closures built per request); the object travels from stage to stage as the
    argument the previous stage returned."""

    __slots__ = (
        "body",
        "ctx",
        "data",
        "generated",
        "key",
        "name",
        "namespace",
        "obj",
        "req",
        "store",
    )

    def __init__(self, store: RESTStore, ctx: RequestContext, namespace: str, body: Any) -> None:
        self.store = store
        self.ctx = ctx
        self.namespace = namespace
        self.body = body
        self.generated = False
        self.obj: Obj = {}
        self.req: AdmissionRequest | None = None
        self.name = ""
        self.key = ""
        self.data = b""

    def decode(self) -> Obj:
        store = self.store
        obj = store._decode(self.ctx, self.body)
        meta = obj.get("metadata")
        if type(meta) is not dict:  # _meta(obj), inlined on the way of every create
            meta = _meta(obj)
        rv = meta.get("resourceVersion")
        if rv not in (None, "", "0"):
            # etcd3 store.Create: a plain error, answered 500
            raise unknown_error("resourceVersion should not be set on objects to be created")
        store._ensure_request_namespace(obj, self.namespace)
        return obj

    def mutating(self, obj: Obj) -> None:
        self.obj = obj
        self.store._ensure_namespace(self.ctx, self.namespace, self.admit)

    def admit(self) -> None:
        obj = self.obj
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping):  # _rmeta(obj), inlined
            meta = {}
        self.req = self.store._admission_request(
            self.ctx, CREATE, obj, None, self.namespace, str(meta.get("name") or "")
        )
        self.ctx.run("mutating admission", self.mutate, self.validation)

    def mutate(self) -> Obj | None:
        assert self.req is not None
        return self.store._mutate(self.ctx, self.req)

    def validation(self, obj: Obj) -> None:
        self.obj = obj
        self.ctx.run("validation", self.validate, self.validating)

    def validate(self) -> Obj:
        store, ctx, obj = self.store, self.ctx, self.obj
        rt = store.rt
        meta = obj.get("metadata")
        if type(meta) is not dict:
            meta = _meta(obj)
        # store.go Create: FillObjectMetaSystemFields, then the generated name
        meta["creationTimestamp"] = rt.world.timestamp()
        meta["uid"] = rt.new_uid()
        meta.pop("deletionTimestamp", None)
        meta.pop("deletionGracePeriodSeconds", None)
        meta.pop("resourceVersion", None)
        if meta.get("generateName") and not meta.get("name"):
            meta["name"] = rt.generate_name(str(meta["generateName"]))
            self.generated = True
        ctx.object_name = str(meta.get("name") or "")
        store._ensure_request_namespace(obj, self.namespace)
        new = store.strategy.prepare_for_create(obj)
        store._validate(ctx, new, None)
        return new

    def validating(self, obj: Obj) -> None:
        req = self.req
        assert req is not None
        req.object = obj
        meta = obj.get("metadata")
        if type(meta) is not dict:
            meta = _meta(obj)
        req.name = str(meta.get("name") or "")
        self.obj = obj
        self.ctx.run("validating admission", self.admit_validate, self.write)

    def admit_validate(self) -> Obj:
        assert self.req is not None
        self.store._validate_admission(self.ctx, self.req)
        return self.obj

    def write(self, obj: Obj) -> None:
        store, ctx = self.store, self.ctx
        self.obj = obj
        meta = obj.get("metadata")
        if type(meta) is not dict:
            meta = _meta(obj)
        name = self.name = str(meta["name"])
        key = self.key = store.key(name, self.namespace)
        if ctx.data.get("dry_run"):
            ctx.storage(f"get {key} (dry run)", self.etcd_get, self.exists)
            return
        self.data = encode_object(obj)
        ctx.storage(f"txn create {key}", self.etcd_create, self.written, _timeout_or_unknown)

    def etcd_get(self, done: Done) -> None:
        self.store.rt.etcd.get(self.key, done)

    def exists(self, res: Any) -> None:
        store = self.store
        if res[0] is not None:
            raise errors.already_exists(store.res.name, self.name, store.res.group)
        self.ctx.finish(201, store._served(self.obj))

    def etcd_create(self, done: Done) -> None:
        self.store.rt.etcd.create(self.key, self.data, done)

    def written(self, res: WriteResult) -> None:
        store, obj = self.store, self.obj
        if not res.succeeded:
            raise store._create_conflict(self.name, res.current, self.generated)
        meta = obj.get("metadata")
        if type(meta) is not dict:
            meta = _meta(obj)
        meta["resourceVersion"] = str(res.revision)
        self.ctx.finish(201, store._served(obj))
