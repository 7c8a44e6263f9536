"""RBAC authorization, as kube-apiserver's ``--authorization-mode=RBAC`` decides it.

Roles, ClusterRoles, RoleBindings and ClusterRoleBindings are plain dicts shaped exactly as the
``rbac.authorization.k8s.io/v1`` API shapes them. What is modelled, and where it comes from:

* **Evaluation** (``plugin/pkg/auth/authorizer/rbac/rbac.go``,
  ``pkg/apis/rbac/v1/evaluation_helpers.go``, ``pkg/registry/rbac/validation/rule.go``): purely
  additive -- there are no deny rules. A request is allowed when *any* rule reached through
  *any* ClusterRoleBinding, or any RoleBinding in the request's namespace, matches it. A
  RoleBinding that references a ClusterRole grants that role's rules in the binding's namespace
  only. When nothing matches, RBAC has *no opinion*, which ends the authorizer chain in a deny.
* **Denial text** (``endpoints/handlers/responsewriters/errors.go`` ``forbiddenMessage`` and
  ``apimachinery/pkg/api/errors`` ``NewForbidden``): :func:`forbidden_message`.
* **Aggregation** (``pkg/controller/clusterroleaggregation``): :func:`aggregate`.
* **Escalation prevention** (``pkg/registry/rbac/validation/rule.go`` ``ConfirmNoEscalation``,
  ``component-helpers/auth/rbac/validation/policy_comparator.go`` ``Covers``,
  ``pkg/registry/rbac/escalation_check.go``, the ``policybased`` storages of roles and
  bindings): :func:`confirm_no_escalation`, :func:`check_role_write`,
  :func:`check_binding_write`.
* **kubectl auth can-i** (``staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go``): :func:`can_i`,
  :func:`rules_for` (the SelfSubjectRulesReview) and :func:`format_can_i_list`.

Not modelled here: the rest of the authorizer chain. kube-apiserver puts a privileged-groups
authorizer for ``system:masters`` before Node and RBAC (``pkg/kubeapiserver/authorizer``), so
that group is allowed even without the ``cluster-admin`` binding; the bootstrap binding gives
the same answers through RBAC.

Where Go iterates a map or an informer cache (binding lists, the aggregation controller's
lists), this module iterates in name order, so every answer and every reason is reproducible.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from kubelab.api.errors import go_quote
from kubelab.api.selectors import selector_from_dict
from kubelab.apiserver.authn import SYSTEM_PRIVILEGED_GROUP, UserInfo

__all__ = [
    "RBAC_GROUP",
    "Attributes",
    "Decision",
    "EscalationError",
    "PolicyLister",
    "PolicyRule",
    "PolicyStore",
    "RBACAuthorizer",
    "RoleRefNotFound",
    "UserInfo",
    "aggregate",
    "binding_allowed",
    "binding_authorized",
    "breakdown_rule",
    "can_i",
    "check_binding_write",
    "check_role_write",
    "compact_rules",
    "confirm_no_escalation",
    "covers",
    "escalation_allowed",
    "forbidden_message",
    "forbidden_status",
    "format_can_i_list",
    "resolve_resource",
    "role_escalation_allowed",
    "rule_allows",
    "rules_for",
]

#: The API group of every RBAC kind (``rbacv1.GroupName``).
RBAC_GROUP: Final = "rbac.authorization.k8s.io"

# k8s.io/api/rbac/v1 types.go: the wildcards.
VERB_ALL: Final = "*"
API_GROUP_ALL: Final = "*"
RESOURCE_ALL: Final = "*"
NON_RESOURCE_ALL: Final = "*"

_ROLE_KINDS: Final = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


def _go_list(values: Sequence[str]) -> str:
    """Go's ``%v`` of a ``[]string``: ``[a b]`` (``[]`` when empty)."""
    return "[" + " ".join(values) + "]"


def _go_quoted_list(values: Sequence[str]) -> str:
    """Go's ``%q`` of a ``[]string``: ``["a" "b"]``."""
    return "[" + " ".join(go_quote(v) for v in values) + "]"


def _aggregate_messages(messages: Sequence[str]) -> str:
    # util/errors aggregate.Error(): one message bare, several as "[a, b]", repeats dropped.
    seen: list[str] = []
    for msg in messages:
        if msg not in seen:
            seen.append(msg)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


def _strings(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return tuple(value)


# ----------------------------------------------------------------------------- policy rules


@dataclass(frozen=True)
class PolicyRule:
    """One entry of a role's ``rules`` (``rbacv1.PolicyRule``), lists kept in their order."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, rule: Mapping[str, Any]) -> PolicyRule:
        """Read a rule dict (``verbs``, ``apiGroups``, ``resources``, ``resourceNames``,
        ``nonResourceURLs``)."""
        if not isinstance(rule, Mapping):
            raise ValueError("a policy rule must be a mapping")
        return cls(
            _strings(rule.get("verbs"), "verbs"),
            _strings(rule.get("apiGroups"), "apiGroups"),
            _strings(rule.get("resources"), "resources"),
            _strings(rule.get("resourceNames"), "resourceNames"),
            _strings(rule.get("nonResourceURLs"), "nonResourceURLs"),
        )

    def to_dict(self) -> dict[str, list[str]]:
        """The rule as the API writes it: Go field order, empty lists left out."""
        out: dict[str, list[str]] = {"verbs": list(self.verbs)}
        if self.api_groups:
            out["apiGroups"] = list(self.api_groups)
        if self.resources:
            out["resources"] = list(self.resources)
        if self.resource_names:
            out["resourceNames"] = list(self.resource_names)
        if self.non_resource_urls:
            out["nonResourceURLs"] = list(self.non_resource_urls)
        return out

    def compact_string(self) -> str:
        """``rbacv1helpers.CompactString``, the form escalation errors print:
        ``{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}``."""
        parts: list[str] = []
        if self.api_groups:
            parts.append("APIGroups:" + _go_quoted_list(self.api_groups))
        if self.resources:
            parts.append("Resources:" + _go_quoted_list(self.resources))
        if self.non_resource_urls:
            parts.append("NonResourceURLs:" + _go_quoted_list(self.non_resource_urls))
        if self.resource_names:
            parts.append("ResourceNames:" + _go_quoted_list(self.resource_names))
        if self.verbs:
            parts.append("Verbs:" + _go_quoted_list(self.verbs))
        return "{" + ", ".join(parts) + "}"

    def go_string(self) -> str:
        """The generated ``(*PolicyRule).String()`` that ``SortableRuleSlice`` sorts by:
        ``&PolicyRule{Verbs:[get],APIGroups:[],Resources:[pods],ResourceNames:[],
        NonResourceURLs:[],}`` (so rules sort by their verbs first)."""
        return (
            "&PolicyRule{"
            f"Verbs:{_go_list(self.verbs)},"
            f"APIGroups:{_go_list(self.api_groups)},"
            f"Resources:{_go_list(self.resources)},"
            f"ResourceNames:{_go_list(self.resource_names)},"
            f"NonResourceURLs:{_go_list(self.non_resource_urls)},"
            "}"
        )


def _as_rule(rule: PolicyRule | Mapping[str, Any]) -> PolicyRule:
    return rule if isinstance(rule, PolicyRule) else PolicyRule.from_dict(rule)


def _role_rules(role: Mapping[str, Any]) -> tuple[PolicyRule, ...]:
    return tuple(PolicyRule.from_dict(r) for r in role.get("rules") or ())


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _name(obj: Mapping[str, Any]) -> str:
    return str(_meta(obj).get("name") or "")


def _namespace(obj: Mapping[str, Any]) -> str:
    return str(_meta(obj).get("namespace") or "")


# ----------------------------------------------------------------------------- attributes


@dataclass
class Attributes:
    """``authorizer.Attributes``: what a request wants to do.

    A resource request names ``verb`` (``get``, ``list``, ``create``, ...), ``api_group`` (core
    is ``""``), ``resource`` (plural), optional ``subresource`` and ``name``, and ``namespace``
    (``""`` = cluster scope). A non-resource request (``resource_request=False``) names a
    ``path`` such as ``/healthz`` and an HTTP-ish verb (``get``, ``post``, ...).
    """

    user: UserInfo
    verb: str
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    api_group: str = ""
    resource_request: bool = True
    path: str = ""


@dataclass(frozen=True)
class Decision:
    """What the authorizer answered.

    RBAC only ever says *allow* or *no opinion*; ``allowed=False`` is the no-opinion case that
    the authorizer chain turns into a deny. ``reason`` names the granting binding
    (``RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"``), or on a
    denial the resolution errors met (a binding to a missing role), else ``""``.
    """

    allowed: bool
    reason: str = ""


# ----------------------------------------------------------------------------- matching


def _verb_matches(rule: PolicyRule, verb: str) -> bool:
    # evaluation_helpers.go VerbMatches
    return any(v in (VERB_ALL, verb) for v in rule.verbs)


def _api_group_matches(rule: PolicyRule, group: str) -> bool:
    # evaluation_helpers.go APIGroupMatches: "*" or exact; the core group is "".
    return any(g in (API_GROUP_ALL, group) for g in rule.api_groups)


def _resource_matches(rule: PolicyRule, combined: str, subresource: str) -> bool:
    # evaluation_helpers.go ResourceMatches: "*", exact "res" or "res/sub", or "*/sub".
    for r in rule.resources:
        if r in (RESOURCE_ALL, combined):
            return True
        if subresource and r == "*/" + subresource:
            return True
    return False


def _resource_name_matches(rule: PolicyRule, name: str) -> bool:
    # evaluation_helpers.go ResourceNameMatches: an empty list allows every name; a non-empty
    # one needs the request's name in it (so list, or create without a name, never match).
    if not rule.resource_names:
        return True
    return name in rule.resource_names


def _non_resource_url_matches(rule: PolicyRule, path: str) -> bool:
    # evaluation_helpers.go NonResourceURLMatches: "*", exact, or a prefix ending in "*".
    for url in rule.non_resource_urls:
        if url in (NON_RESOURCE_ALL, path):
            return True
        if url.endswith("*") and path.startswith(url.rstrip("*")):
            return True
    return False


def rule_allows(attrs: Attributes, rule: PolicyRule | Mapping[str, Any]) -> bool:
    """``RuleAllows``: does this one rule grant the request?"""
    r = _as_rule(rule)
    if attrs.resource_request:
        combined = attrs.resource
        if attrs.subresource:
            combined = f"{attrs.resource}/{attrs.subresource}"
        return (
            _verb_matches(r, attrs.verb)
            and _api_group_matches(r, attrs.api_group)
            and _resource_matches(r, combined, attrs.subresource)
            and _resource_name_matches(r, attrs.name)
        )
    return _verb_matches(r, attrs.verb) and _non_resource_url_matches(r, attrs.path)


def _applies_to_user(user: UserInfo, subject: Mapping[str, Any], namespace: str) -> bool:
    # rule.go appliesToUser. The subject's apiGroup is not consulted.
    kind = subject.get("kind")
    name = str(subject.get("name") or "")
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        # A ServiceAccount subject without a namespace defaults to the binding's namespace; in a
        # ClusterRoleBinding (no namespace) it matches nobody.
        sa_namespace = str(subject.get("namespace") or "") or namespace
        if not sa_namespace:
            return False
        return user.name == f"system:serviceaccount:{sa_namespace}:{name}"
    return False


def _describe_subject(subject: Mapping[str, Any], binding_namespace: str) -> str:
    # rule.go describeSubject: ServiceAccounts print as "name/namespace".
    kind = str(subject.get("kind") or "")
    name = str(subject.get("name") or "")
    if kind == "ServiceAccount":
        ns = str(subject.get("namespace") or "") or binding_namespace
        return f"{kind} {go_quote(name + '/' + ns)}"
    return f"{kind} {go_quote(name)}"


# ----------------------------------------------------------------------------- storage


class PolicyLister(Protocol):
    """Read access to the RBAC objects (the informer listers the authorizer is built on)."""

    def roles(self, namespace: str) -> Sequence[Mapping[str, Any]]:
        """All Roles of a namespace."""
        ...

    def cluster_roles(self) -> Sequence[Mapping[str, Any]]:
        """All ClusterRoles."""
        ...

    def role_bindings(self, namespace: str) -> Sequence[Mapping[str, Any]]:
        """All RoleBindings of a namespace."""
        ...

    def cluster_role_bindings(self) -> Sequence[Mapping[str, Any]]:
        """All ClusterRoleBindings."""
        ...

    def role(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        """One Role, or ``None``."""
        ...

    def cluster_role(self, name: str) -> Mapping[str, Any] | None:
        """One ClusterRole, or ``None``."""
        ...


class PolicyStore:
    """An in-memory :class:`PolicyLister`, loaded from RBAC object dicts.

    Lists come back sorted by name. Adding an object with the same kind, namespace and name
    replaces the old one. Objects of other kinds are refused.
    """

    def __init__(self, objects: Iterable[Mapping[str, Any]] = ()) -> None:
        self._objects: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        for obj in objects:
            self.add(obj)

    def add(self, obj: Mapping[str, Any]) -> None:
        """Store (or replace) one Role, ClusterRole, RoleBinding or ClusterRoleBinding."""
        kind = obj.get("kind")
        if kind not in _ROLE_KINDS:
            raise ValueError(f"PolicyStore holds RBAC objects only, not kind {kind!r}")
        name = _name(obj)
        if not name:
            raise ValueError(f"{kind} has no metadata.name")
        namespace = _namespace(obj) if kind in ("Role", "RoleBinding") else ""
        if kind in ("Role", "RoleBinding") and not namespace:
            raise ValueError(f"{kind} {name!r} has no metadata.namespace")
        self._objects[(str(kind), namespace, name)] = obj

    def remove(self, kind: str, name: str, namespace: str = "") -> None:
        """Delete one object; a missing one is ignored."""
        self._objects.pop((kind, namespace if kind in ("Role", "RoleBinding") else "", name), None)

    def objects(self) -> list[Mapping[str, Any]]:
        """Every stored object, by kind, namespace, name."""
        return [self._objects[k] for k in sorted(self._objects)]

    def _list(self, kind: str, namespace: str) -> list[Mapping[str, Any]]:
        keys = sorted(k for k in self._objects if k[0] == kind and k[1] == namespace)
        return [self._objects[k] for k in keys]

    def roles(self, namespace: str) -> list[Mapping[str, Any]]:
        return self._list("Role", namespace)

    def cluster_roles(self) -> list[Mapping[str, Any]]:
        return self._list("ClusterRole", "")

    def role_bindings(self, namespace: str) -> list[Mapping[str, Any]]:
        return self._list("RoleBinding", namespace)

    def cluster_role_bindings(self) -> list[Mapping[str, Any]]:
        return self._list("ClusterRoleBinding", "")

    def role(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self._objects.get(("Role", namespace, name))

    def cluster_role(self, name: str) -> Mapping[str, Any] | None:
        return self._objects.get(("ClusterRole", "", name))


class RoleRefNotFound(LookupError):
    """A binding's ``roleRef`` names a role that does not exist (``404 NotFound``).

    ``resource`` is how the lookup names the kind: the authorizer's listers say
    ``clusterrole`` / ``role`` (client-go listers use the singular), the API registry says
    ``clusterroles`` / ``roles``.
    """

    code: Final = 404

    def __init__(self, resource: str, name: str, message: str | None = None) -> None:
        self.resource = resource
        self.name = name
        self.message = message or f"{resource}.{RBAC_GROUP} {go_quote(name)} not found"
        super().__init__(self.message)

    def status(self) -> dict[str, Any]:
        """The ``Status`` object (HTTP 404, reason ``NotFound``)."""
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": "NotFound",
            "details": {"name": self.name, "group": RBAC_GROUP, "kind": self.resource},
            "code": self.code,
        }


def _role_ref_rules(
    lister: PolicyLister, role_ref: Mapping[str, Any], namespace: str, *, plural: bool
) -> tuple[PolicyRule, ...]:
    # rule.go GetRoleReferenceRules: a Role is looked up in the binding's namespace.
    kind = role_ref.get("kind")
    name = str(role_ref.get("name") or "")
    if kind == "Role":
        role = lister.role(namespace, name)
        if role is None:
            raise RoleRefNotFound("roles" if plural else "role", name)
        return _role_rules(role)
    if kind == "ClusterRole":
        cluster_role = lister.cluster_role(name)
        if cluster_role is None:
            raise RoleRefNotFound("clusterroles" if plural else "clusterrole", name)
        return _role_rules(cluster_role)
    raise RoleRefNotFound(
        str(kind), name, f"unsupported role reference kind: {go_quote(str(kind))}"
    )


# ----------------------------------------------------------------------------- authorizer


class RBACAuthorizer:
    """``RBACAuthorizer``: allows a request when some bound rule matches it."""

    def __init__(self, lister: PolicyLister) -> None:
        self.lister = lister

    def visit_rules_for(
        self, user: UserInfo, namespace: str
    ) -> Iterator[tuple[str, PolicyRule | None, str]]:
        """``VisitRulesFor``: yield ``(source, rule, error)`` for every rule that applies.

        ClusterRoleBindings first (all of them, whatever the namespace), then -- only when
        ``namespace`` is set -- the RoleBindings of that namespace. ``source`` describes the
        binding and subject; a binding whose role is missing yields ``(source, None, error)``.
        """
        for crb in self.lister.cluster_role_bindings():
            subject = _first_applying(user, crb, "")
            if subject is None:
                continue
            role_ref = crb.get("roleRef") or {}
            source = (
                f"ClusterRoleBinding {go_quote(_name(crb))} of {role_ref.get('kind', '')} "
                f"{go_quote(str(role_ref.get('name', '')))} to {_describe_subject(subject, '')}"
            )
            try:
                rules = _role_ref_rules(self.lister, role_ref, "", plural=False)
            except RoleRefNotFound as exc:
                yield source, None, exc.message
                continue
            for rule in rules:
                yield source, rule, ""
        if not namespace:
            return
        for rb in self.lister.role_bindings(namespace):
            subject = _first_applying(user, rb, namespace)
            if subject is None:
                continue
            role_ref = rb.get("roleRef") or {}
            source = (
                f"RoleBinding {go_quote(_name(rb) + '/' + namespace)} of "
                f"{role_ref.get('kind', '')} {go_quote(str(role_ref.get('name', '')))} to "
                f"{_describe_subject(subject, namespace)}"
            )
            try:
                rules = _role_ref_rules(self.lister, role_ref, namespace, plural=False)
            except RoleRefNotFound as exc:
                yield source, None, exc.message
                continue
            for rule in rules:
                yield source, rule, ""

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[PolicyRule], list[str]]:
        """``RulesFor``: every rule that applies to ``user`` in ``namespace``, and the
        resolution errors met on the way (the rules found are still valid)."""
        rules: list[PolicyRule] = []
        errors: list[str] = []
        for _source, rule, err in self.visit_rules_for(user, namespace):
            if rule is not None:
                rules.append(rule)
            if err:
                errors.append(err)
        return rules, errors

    def authorize(self, attrs: Attributes) -> Decision:
        """``Authorize``: allow on the first matching rule, else no opinion."""
        errors: list[str] = []
        for source, rule, err in self.visit_rules_for(attrs.user, attrs.namespace):
            if rule is not None and rule_allows(attrs, rule):
                return Decision(True, f"RBAC: allowed by {source}")
            if err:
                errors.append(err)
        if errors:
            return Decision(False, f"RBAC: {_aggregate_messages(errors)}")
        return Decision(False, "")


def _first_applying(
    user: UserInfo, binding: Mapping[str, Any], namespace: str
) -> Mapping[str, Any] | None:
    # rule.go appliesTo: the first subject of the binding that is this user.
    for subject in binding.get("subjects") or ():
        if isinstance(subject, Mapping) and _applies_to_user(user, subject, namespace):
            return subject
    return None


# ----------------------------------------------------------------------------- forbidden


def _forbidden_detail(attrs: Attributes) -> str:
    # responsewriters/errors.go forbiddenMessage. The group is quoted even when it is "".
    user = go_quote(attrs.user.name)
    if not attrs.resource_request:
        return f"User {user} cannot {attrs.verb} path {go_quote(attrs.path)}"
    resource = attrs.resource
    if attrs.subresource:
        resource = f"{resource}/{attrs.subresource}"
    where = (
        f"in the namespace {go_quote(attrs.namespace)}"
        if attrs.namespace
        else "at the cluster scope"
    )
    return (
        f"User {user} cannot {attrs.verb} resource {go_quote(resource)} "
        f"in API group {go_quote(attrs.api_group)} {where}"
    )


def _sanitize(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def forbidden_message(attrs: Attributes, reason: str = "") -> str:
    """The message of the API server's ``403 Forbidden`` for a denied request.

    ``pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the
    namespace "prod"``; with a name ``pods "web" is forbidden: ...``; at cluster scope
    ``... at the cluster scope``; for a path ``forbidden: User "alice" cannot get path
    "/healthz"``. The qualified resource before ``is forbidden`` is ``resource.group`` and never
    carries the subresource. ``&``, ``<`` and ``>`` in the text are HTML-escaped; a non-empty
    authorizer ``reason`` is appended after ``": "`` (``responsewriters.Forbidden``).
    """
    # responsewriters.Forbidden escapes the text so it never looks like HTML (not the reason).
    detail = _sanitize(_forbidden_detail(attrs))
    if reason:
        detail = f"{detail}: {reason}"
    # apimachinery/pkg/api/errors NewForbidden
    qualified = attrs.resource
    if attrs.api_group:
        qualified = f"{qualified}.{attrs.api_group}"
    if not attrs.resource and not attrs.api_group:
        return f"forbidden: {detail}"
    if not attrs.name:
        return f"{qualified} is forbidden: {detail}"
    return f"{qualified} {go_quote(attrs.name)} is forbidden: {detail}"


def forbidden_status(attrs: Attributes, reason: str = "") -> dict[str, Any]:
    """The ``Status`` object of the 403 (details ``name``/``group``/``kind`` as ``NewForbidden``
    fills them: ``kind`` is the resource, empty fields left out)."""
    details: dict[str, Any] = {}
    if attrs.name:
        details["name"] = attrs.name
    if attrs.api_group:
        details["group"] = attrs.api_group
    if attrs.resource:
        details["kind"] = attrs.resource
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": forbidden_message(attrs, reason),
        "reason": "Forbidden",
        "details": details,
        "code": 403,
    }


# ----------------------------------------------------------------------------- aggregation


def aggregate(cluster_roles: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Run the ClusterRole aggregation controller to a fixed point.

    Each ClusterRole with an ``aggregationRule`` gets, as its ``rules``, the rules of every
    *other* ClusterRole whose labels match one of its ``clusterRoleSelectors`` -- selectors in
    order, matching roles by name, each distinct rule once (``clusterroleaggregation``
    ``syncClusterRole``). Aggregated roles can feed each other (``view`` feeds ``edit`` feeds
    ``admin``), so the pass repeats until nothing changes. Returns deep copies, in input order.
    """
    roles: list[dict[str, Any]] = [copy.deepcopy(dict(r)) for r in cluster_roles]
    by_name: dict[str, dict[str, Any]] = {}
    for role in roles:
        name = _name(role)
        if name in by_name:
            raise ValueError(f"duplicate ClusterRole {name!r}")
        by_name[name] = role
    names = sorted(by_name)
    for _ in range(len(names) + 1):
        changed = False
        for name in names:
            role = by_name[name]
            rule_spec = role.get("aggregationRule")
            if rule_spec is None:
                continue
            gathered: list[PolicyRule] = []
            for selector_spec in rule_spec.get("clusterRoleSelectors") or ():
                selector = selector_from_dict(selector_spec)
                for other in names:
                    if other == name:
                        continue
                    labels = _meta(by_name[other]).get("labels") or {}
                    if not selector.matches(labels):
                        continue
                    for rule in _role_rules(by_name[other]):
                        if rule not in gathered:
                            gathered.append(rule)
            # equality.Semantic: a nil and an empty list are the same.
            if tuple(gathered) != _role_rules(role):
                role["rules"] = [r.to_dict() for r in gathered]
                changed = True
        if not changed:
            break
    return roles


# ----------------------------------------------------------------------------- escalation


def breakdown_rule(rule: PolicyRule | Mapping[str, Any]) -> list[PolicyRule]:
    """``BreakdownRule``: one rule per (group, resource, verb[, name]) and per (url, verb)."""
    r = _as_rule(rule)
    out: list[PolicyRule] = []
    for group in r.api_groups:
        for resource in r.resources:
            for verb in r.verbs:
                if r.resource_names:
                    for rn in r.resource_names:
                        out.append(PolicyRule((verb,), (group,), (resource,), (rn,)))
                else:
                    out.append(PolicyRule((verb,), (group,), (resource,)))
    for url in r.non_resource_urls:
        for verb in r.verbs:
            out.append(PolicyRule((verb,), non_resource_urls=(url,)))
    return out


def _has_all(owning: Sequence[str], wanted: Sequence[str]) -> bool:
    have = set(owning)
    return all(w in have for w in wanted)


def _resource_covers_all(owner: Sequence[str], wanted: Sequence[str]) -> bool:
    # policy_comparator.go resourceCoversAll: "*", exact, or "*/sub" for "res/sub".
    if RESOURCE_ALL in owner or _has_all(owner, wanted):
        return True
    for path in wanted:
        if path in owner:
            continue
        if "/" not in path:
            return False
        if "*/" + path.split("/", 1)[1] not in owner:
            return False
    return True


def _non_resource_url_covers(owner: str, sub: str) -> bool:
    if owner == sub:
        return True
    return owner.endswith("*") and sub.startswith(owner.rstrip("*"))


def _rule_covers(owner: PolicyRule, sub: PolicyRule) -> bool:
    # policy_comparator.go ruleCovers (sub has at most one verb, resource and name). Note that
    # an owner URL of "*" covers only through the prefix rule ("*" is a prefix of everything).
    verbs = VERB_ALL in owner.verbs or _has_all(owner.verbs, sub.verbs)
    groups = API_GROUP_ALL in owner.api_groups or _has_all(owner.api_groups, sub.api_groups)
    resources = _resource_covers_all(owner.resources, sub.resources)
    urls = all(
        any(_non_resource_url_covers(o, path) for o in owner.non_resource_urls)
        for path in sub.non_resource_urls
    )
    if not sub.resource_names:
        names = not owner.resource_names
    else:
        names = not owner.resource_names or _has_all(owner.resource_names, sub.resource_names)
    return verbs and groups and resources and names and urls


def covers(
    owner_rules: Iterable[PolicyRule | Mapping[str, Any]],
    servant_rules: Iterable[PolicyRule | Mapping[str, Any]],
) -> tuple[bool, list[PolicyRule]]:
    """``validation.Covers``: do ``owner_rules`` allow everything ``servant_rules`` allow?

    Returns ``(covered, uncovered)`` where ``uncovered`` lists the broken-down servant rules
    no single owner rule covers.
    """
    owners = [_as_rule(r) for r in owner_rules]
    uncovered: list[PolicyRule] = []
    for servant in servant_rules:
        for sub in breakdown_rule(servant):
            if not any(_rule_covers(o, sub) for o in owners):
                uncovered.append(sub)
    return not uncovered, uncovered


def compact_rules(rules: Iterable[PolicyRule | Mapping[str, Any]]) -> list[PolicyRule]:
    """``CompactRules``: merge the verbs of rules naming one group, one resource and at most
    one resource name; other rules pass unchanged, first. Verbs are concatenated in order
    (repeats kept)."""
    compacted: list[PolicyRule] = []
    simple: dict[tuple[str, str, bool, str], PolicyRule] = {}
    for raw in rules:
        rule = _as_rule(raw)
        is_simple = (
            len(rule.resource_names) <= 1
            and not rule.non_resource_urls
            and len(rule.api_groups) == 1
            and len(rule.resources) == 1
        )
        if not is_simple:
            compacted.append(rule)
            continue
        key = (
            rule.api_groups[0],
            rule.resources[0],
            bool(rule.resource_names),
            rule.resource_names[0] if rule.resource_names else "",
        )
        if key in simple:
            old = simple[key]
            simple[key] = PolicyRule(
                old.verbs + rule.verbs, old.api_groups, old.resources, old.resource_names
            )
        else:
            simple[key] = rule
    # Go ranges over a map here; insertion order is the reproducible choice.
    compacted.extend(simple.values())
    return compacted


class EscalationError(Exception):
    """A write that would grant permissions its author does not hold (``403 Forbidden``).

    ``str()`` is the reason as ``ConfirmNoEscalation`` words it::

        user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions
        not currently held:
        {APIGroups:[""], Resources:["pods"], Verbs:["delete"]}

    When raised by :func:`check_role_write` / :func:`check_binding_write`, ``resource`` and
    ``name`` say which object was refused and :meth:`status` gives the full Forbidden Status.
    """

    code: Final = 403

    def __init__(self, message: str, resource: str = "", name: str = "") -> None:
        self.message = message
        self.resource = resource
        self.name = name
        super().__init__(message)

    @property
    def full_message(self) -> str:
        """``<resource>.rbac.authorization.k8s.io "<name>" is forbidden: <reason>``."""
        if not self.resource:
            return self.message
        qualified = f"{self.resource}.{RBAC_GROUP}"
        if not self.name:
            return f"{qualified} is forbidden: {self.message}"
        return f"{qualified} {go_quote(self.name)} is forbidden: {self.message}"

    def status(self) -> dict[str, Any]:
        """The ``Status`` object of the 403."""
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        details["group"] = RBAC_GROUP
        if self.resource:
            details["kind"] = self.resource
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.full_message,
            "reason": "Forbidden",
            "details": details,
            "code": self.code,
        }


def confirm_no_escalation(
    user: UserInfo,
    rules: Iterable[PolicyRule | Mapping[str, Any]],
    namespace: str,
    authorizer: RBACAuthorizer,
) -> None:
    """``ConfirmNoEscalation``: raise :class:`EscalationError` unless the rules ``user`` holds
    in ``namespace`` (cluster-wide ones included; ``""`` = cluster scope only) cover ``rules``.

    The missing permissions are broken down, compacted per resource, printed with
    ``CompactString``, sorted and de-duplicated, one per line.
    """
    owner_rules, errors = authorizer.rules_for(user, namespace)
    covered, missing = covers(owner_rules, rules)
    if covered:
        return
    descriptions = sorted({r.compact_string() for r in compact_rules(missing)})
    msg = (
        f"user {go_quote(user.name)} (groups={_go_quoted_list(user.groups)}) is attempting to "
        "grant RBAC permissions not currently held:\n" + "\n".join(descriptions)
    )
    if errors:
        # fmt %v of a []error holding the one aggregate error RulesFor returned.
        msg += f"; resolution errors: [{_aggregate_messages(errors)}]"
    raise EscalationError(msg)


def escalation_allowed(user: UserInfo) -> bool:
    """``EscalationAllowed``: members of ``system:masters`` may always write RBAC objects."""
    return SYSTEM_PRIVILEGED_GROUP in user.groups


def role_escalation_allowed(
    user: UserInfo,
    namespace: str,
    authorizer: RBACAuthorizer,
    *,
    resource: str = "roles",
    name: str = "",
) -> bool:
    """May ``user`` write a role holding more than they hold? True for ``system:masters``
    (``EscalationAllowed``) or when granted the ``escalate`` verb on ``roles`` /
    ``clusterroles`` in ``rbac.authorization.k8s.io`` (``RoleEscalationAuthorized``; the
    request's ``name`` and ``namespace`` are checked, so ``resourceNames`` can restrict it)."""
    if escalation_allowed(user):
        return True
    attrs = Attributes(user, "escalate", namespace, resource, "", name, RBAC_GROUP)
    return authorizer.authorize(attrs).allowed


def binding_authorized(
    user: UserInfo, role_ref: Mapping[str, Any], namespace: str, authorizer: RBACAuthorizer
) -> bool:
    """``BindingAuthorized``: is ``user`` granted ``bind`` on the referenced role?

    Checked in the binding's namespace (``""`` for a ClusterRoleBinding), on resource
    ``roles`` or ``clusterroles`` named ``roleRef.name`` -- so ``resourceNames`` can limit
    which roles a user may hand out.
    """
    kind = role_ref.get("kind")
    if kind == "ClusterRole":
        resource = "clusterroles"
    elif kind == "Role":
        resource = "roles"
    else:
        return False
    attrs = Attributes(
        user,
        "bind",
        namespace,
        resource,
        "",
        str(role_ref.get("name") or ""),
        str(role_ref.get("apiGroup") or ""),
    )
    return authorizer.authorize(attrs).allowed


def binding_allowed(
    user: UserInfo, role_ref: Mapping[str, Any], namespace: str, authorizer: RBACAuthorizer
) -> bool:
    """May ``user`` create a binding to ``role_ref`` in ``namespace``?

    Yes for ``system:masters``, for holders of ``bind`` on that role, and for anyone who
    already holds every permission of the role in that namespace.
    """
    try:
        _check_binding(user, role_ref, namespace, authorizer, "", "")
    except (EscalationError, RoleRefNotFound):
        return False
    return True


def _check_binding(
    user: UserInfo,
    role_ref: Mapping[str, Any],
    namespace: str,
    authorizer: RBACAuthorizer,
    resource: str,
    name: str,
) -> None:
    # rolebinding/policybased/storage.go Create: superuser, then bind, then the role's rules.
    if escalation_allowed(user) or binding_authorized(user, role_ref, namespace, authorizer):
        return
    rules = _role_ref_rules(authorizer.lister, role_ref, namespace, plural=True)
    try:
        confirm_no_escalation(user, rules, namespace, authorizer)
    except EscalationError as exc:
        raise EscalationError(exc.message, resource, name) from None


def check_binding_write(
    user: UserInfo, binding: Mapping[str, Any], authorizer: RBACAuthorizer
) -> None:
    """The escalation check of creating or updating a RoleBinding or ClusterRoleBinding.

    Raises :class:`RoleRefNotFound` (404, ``roles.rbac.authorization.k8s.io "x" not found``)
    when the user needs the role's rules and the role does not exist, and
    :class:`EscalationError` (403) when the user may not bind it.
    """
    kind = binding.get("kind")
    if kind == "RoleBinding":
        namespace, resource = _namespace(binding), "rolebindings"
    elif kind == "ClusterRoleBinding":
        namespace, resource = "", "clusterrolebindings"
    else:
        raise ValueError(f"not a binding: kind {kind!r}")
    _check_binding(
        user, binding.get("roleRef") or {}, namespace, authorizer, resource, _name(binding)
    )


# clusterrole/policybased/storage.go fullAuthority: what an aggregationRule can gather.
_FULL_AUTHORITY: Final = (
    PolicyRule(("*",), ("*",), ("*",)),
    PolicyRule(("*",), non_resource_urls=("*",)),
)


def _has_aggregation_rule(role: Mapping[str, Any] | None) -> bool:
    if role is None:
        return False
    spec = role.get("aggregationRule")
    return isinstance(spec, Mapping) and bool(spec.get("clusterRoleSelectors"))


def check_role_write(
    user: UserInfo,
    role: Mapping[str, Any],
    authorizer: RBACAuthorizer,
    old: Mapping[str, Any] | None = None,
) -> None:
    """The escalation check of creating (or, with ``old``, updating) a Role or ClusterRole.

    Passes for ``system:masters`` and holders of ``escalate`` (on the collection for a create,
    on the object for an update); otherwise the author must hold
    every rule of the new role (``roles``: in its namespace, ``clusterroles``: cluster-wide),
    and setting or changing an ``aggregationRule`` needs ``*`` on everything. Raises
    :class:`EscalationError`.
    """
    kind = role.get("kind")
    if kind == "Role":
        namespace, resource = _namespace(role), "roles"
    elif kind == "ClusterRole":
        namespace, resource = "", "clusterroles"
    else:
        raise ValueError(f"not a role: kind {kind!r}")
    name = _name(role)
    # The escalate check uses the request's name, which a create (POST to the collection)
    # does not have: resourceNames can limit escalate on updates only.
    request_name = name if old is not None else ""
    if role_escalation_allowed(user, namespace, authorizer, resource=resource, name=request_name):
        return
    try:
        confirm_no_escalation(user, _role_rules(role), namespace, authorizer)
    except EscalationError as exc:
        raise EscalationError(exc.message, resource, name) from None
    if kind == "ClusterRole" and (_has_aggregation_rule(role) or _has_aggregation_rule(old)):
        try:
            confirm_no_escalation(user, _FULL_AUTHORITY, namespace, authorizer)
        except EscalationError:
            raise EscalationError(
                "must have cluster-admin privileges to use the aggregationRule", resource, name
            ) from None


# ----------------------------------------------------------------------------- kubectl auth can-i

# (plural, singular, short names, group) of the resources kubelab serves, for resolving a
# kubectl TYPE argument the way the RESTMapper does (core group preferred).
_KNOWN_RESOURCES: Final[tuple[tuple[str, str, tuple[str, ...], str], ...]] = (
    ("pods", "pod", ("po",), ""),
    ("services", "service", ("svc",), ""),
    ("endpoints", "endpoints", ("ep",), ""),
    ("configmaps", "configmap", ("cm",), ""),
    ("secrets", "secret", (), ""),
    ("serviceaccounts", "serviceaccount", ("sa",), ""),
    ("events", "event", ("ev",), ""),
    ("namespaces", "namespace", ("ns",), ""),
    ("nodes", "node", ("no",), ""),
    ("persistentvolumeclaims", "persistentvolumeclaim", ("pvc",), ""),
    ("persistentvolumes", "persistentvolume", ("pv",), ""),
    ("replicationcontrollers", "replicationcontroller", ("rc",), ""),
    ("limitranges", "limitrange", ("limits",), ""),
    ("resourcequotas", "resourcequota", ("quota",), ""),
    ("deployments", "deployment", ("deploy",), "apps"),
    ("replicasets", "replicaset", ("rs",), "apps"),
    ("daemonsets", "daemonset", ("ds",), "apps"),
    ("statefulsets", "statefulset", ("sts",), "apps"),
    ("controllerrevisions", "controllerrevision", (), "apps"),
    ("jobs", "job", (), "batch"),
    ("cronjobs", "cronjob", ("cj",), "batch"),
    ("leases", "lease", (), "coordination.k8s.io"),
    ("endpointslices", "endpointslice", (), "discovery.k8s.io"),
    ("roles", "role", (), RBAC_GROUP),
    ("rolebindings", "rolebinding", (), RBAC_GROUP),
    ("clusterroles", "clusterrole", (), RBAC_GROUP),
    ("clusterrolebindings", "clusterrolebinding", (), RBAC_GROUP),
    ("selfsubjectaccessreviews", "selfsubjectaccessreview", (), "authorization.k8s.io"),
    ("selfsubjectrulesreviews", "selfsubjectrulesreview", (), "authorization.k8s.io"),
    ("localsubjectaccessreviews", "localsubjectaccessreview", (), "authorization.k8s.io"),
    ("subjectaccessreviews", "subjectaccessreview", (), "authorization.k8s.io"),
    ("tokenreviews", "tokenreview", (), "authentication.k8s.io"),
    ("selfsubjectreviews", "selfsubjectreview", (), "authentication.k8s.io"),
)

_RESOURCE_ALIASES: Final[dict[str, tuple[str, str]]] = {
    alias: (plural, group)
    for plural, singular, shorts, group in _KNOWN_RESOURCES
    for alias in (plural, singular, *shorts)
}


def resolve_resource(arg: str) -> tuple[str, str]:
    """Resolve a kubectl TYPE (``pods``, ``pod``, ``po``, ``deployments.apps``,
    ``deploy``) to ``(resource, group)``.

    ``*`` stays ``("*", "")`` as in ``cani.go resourceFor``. A ``resource.group`` form names its
    group explicitly (as for a CRD, ``crontabs.stable.example.com``). A type nobody knows is
    kept as the resource in the core group, which is what kubectl falls back to after warning
    ``the server doesn't have a resource type``.
    """
    arg = arg.lower()
    if arg == "*":
        return "*", ""
    if arg in _RESOURCE_ALIASES:
        return _RESOURCE_ALIASES[arg]
    if "." in arg:
        resource, group = arg.split(".", 1)
        known = _RESOURCE_ALIASES.get(resource)
        if known is not None and known[1] == group:
            return known
        return resource, group
    return arg, ""


def can_i(
    authorizer: RBACAuthorizer,
    user: UserInfo,
    verb: str,
    resource: str,
    namespace: str,
    name: str | None = None,
    subresource: str | None = None,
) -> bool:
    """``kubectl auth can-i VERB TYPE``: the SelfSubjectAccessReview answer.

    ``resource`` is a TYPE (see :func:`resolve_resource`), written in the rule notation
    ``pods/log`` for a subresource (or pass ``subresource=``), or a non-resource path starting
    with ``/`` (``/healthz``). Note the kubectl command line reads ``pods/web`` as TYPE/NAME;
    callers parsing that form must pass the name as ``name=``. ``namespace=""`` asks at cluster
    scope (``--all-namespaces``).
    """
    if resource.startswith("/"):
        attrs = Attributes(user, verb, resource_request=False, path=resource)
        return authorizer.authorize(attrs).allowed
    base, _, sub = resource.partition("/")
    if sub and subresource:
        raise ValueError("give the subresource either in the resource or as subresource=")
    res, group = resolve_resource(base)
    attrs = Attributes(user, verb, namespace, res, sub or subresource or "", name or "", group)
    return authorizer.authorize(attrs).allowed


def rules_for(authorizer: RBACAuthorizer, user: UserInfo, namespace: str) -> dict[str, Any]:
    """The ``status`` of a SelfSubjectRulesReview for ``user`` in ``namespace``.

    ``{"resourceRules": [...], "nonResourceRules": [...], "incomplete": false}``, rules in the
    order the authorizer finds them, plus ``evaluationError`` when a binding's role is missing.
    Like the API, an empty namespace is refused (``no namespace on request``).
    """
    if not namespace:
        raise ValueError("no namespace on request")
    rules, errors = authorizer.rules_for(user, namespace)
    resource_rules: list[dict[str, Any]] = []
    non_resource_rules: list[dict[str, Any]] = []
    for rule in rules:
        # rbac.go RulesFor: a rule counts as a resource rule if it names resources, and as a
        # non-resource rule if it names URLs.
        if rule.resources:
            entry: dict[str, Any] = {"verbs": list(rule.verbs)}
            if rule.api_groups:
                entry["apiGroups"] = list(rule.api_groups)
            entry["resources"] = list(rule.resources)
            if rule.resource_names:
                entry["resourceNames"] = list(rule.resource_names)
            resource_rules.append(entry)
        if rule.non_resource_urls:
            non_resource_rules.append(
                {"verbs": list(rule.verbs), "nonResourceURLs": list(rule.non_resource_urls)}
            )
    status: dict[str, Any] = {
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": False,
    }
    if errors:
        status["evaluationError"] = _aggregate_messages(errors)
    return status


def _combine_resource_group(resources: Sequence[str], groups: Sequence[str]) -> str:
    # describe.CombineResourceGroup: "pods", "deployments.apps", "deployments.apps/scale".
    if not resources:
        return ""
    head, slash, sub = resources[0].partition("/")
    combined = head
    if groups and groups[0]:
        combined = f"{combined}.{groups[0]}"
    if slash:
        combined = f"{combined}/{sub}"
    return combined


# cli-runtime printers.GetNewTabWriter: minwidth 6, padding 3, padded with spaces.
_TAB_MIN_WIDTH: Final = 6
_TAB_PADDING: Final = 3


def _tabwrite(rows: Sequence[Sequence[str]]) -> str:
    """text/tabwriter for rows whose cells but the last end in a tab."""
    if not rows:
        return ""
    ncols = len(rows[0]) - 1
    widths = [
        max(_TAB_MIN_WIDTH, *(len(row[c]) + _TAB_PADDING for row in rows)) for c in range(ncols)
    ]
    lines = []
    for row in rows:
        cells = [row[c].ljust(widths[c]) for c in range(ncols)]
        lines.append("".join(cells) + row[-1] + "\n")
    return "".join(lines)


def _status_rules(status: Mapping[str, Any]) -> list[PolicyRule]:
    # cani.go convertToPolicyRule: resource rules, then non-resource rules.
    out: list[PolicyRule] = []
    for r in status.get("resourceRules") or ():
        out.append(
            PolicyRule(
                _strings(r.get("verbs"), "verbs"),
                _strings(r.get("apiGroups"), "apiGroups"),
                _strings(r.get("resources"), "resources"),
                _strings(r.get("resourceNames"), "resourceNames"),
            )
        )
    for r in status.get("nonResourceRules") or ():
        out.append(
            PolicyRule(
                _strings(r.get("verbs"), "verbs"),
                non_resource_urls=_strings(r.get("nonResourceURLs"), "nonResourceURLs"),
            )
        )
    return out


def format_can_i_list(
    rules: Mapping[str, Any] | Iterable[PolicyRule | Mapping[str, Any]],
    *,
    no_headers: bool = False,
) -> str:
    """What ``kubectl auth can-i --list`` prints for a SelfSubjectRulesReview.

    ``rules`` is the review's ``status`` (as :func:`rules_for` returns it) or a list of rules.
    As ``cani.go printStatus``: every rule is broken down to one verb, resource and name (or
    one URL), compacted back per group/resource/name (verbs concatenated in order, repeats
    kept), sorted by the rule's Go ``String()`` -- so by verbs first -- and printed in four
    tab-aligned columns ``Resources``, ``Non-Resource URLs``, ``Resource Names``, ``Verbs``.
    """
    if isinstance(rules, Mapping):
        policy_rules = _status_rules(rules)
    else:
        policy_rules = [_as_rule(r) for r in rules]
    broken: list[PolicyRule] = []
    for rule in policy_rules:
        broken.extend(breakdown_rule(rule))
    compacted = sorted(compact_rules(broken), key=PolicyRule.go_string)
    rows: list[list[str]] = []
    if not no_headers:
        rows.append(["Resources", "Non-Resource URLs", "Resource Names", "Verbs"])
    for r in compacted:
        rows.append(
            [
                _combine_resource_group(r.resources, r.api_groups),
                _go_list(r.non_resource_urls),
                _go_list(r.resource_names),
                _go_list(r.verbs),
            ]
        )
    return _tabwrite(rows)
