"""Running kubectl commands against the simulated API server.

:class:`Kubectl` takes a command line, parses it with :func:`kubelab.kubectl.cli.parse`, sends
the requests real kubectl 1.32 sends (``reference/KUBECTL.md`` section 1.4) through an
:class:`~kubelab.apiserver.client.APIClient` over the simulated network, and prints what real
kubectl prints, as a :class:`KubectlResult` (stdout, stderr, exit code). Every request takes
its round trip in simulated time, so a command moves the clock a little; ``get -w`` runs the
world for ``--duration`` (default 5 s) and prints the watch rows as they arrive.

What kubectl computes on the client is computed here: tables from the API objects
(:mod:`kubelab.kubectl.printers`, since kubelab's server answers JSON rather than
``meta.k8s.io`` Tables), ``-o`` formats (:mod:`kubelab.kubectl.output`), ``describe``
(:mod:`kubelab.kubectl.describe`), client-side apply's three-way strategic merge patch
(:func:`kubelab.apiserver.patch.create_three_way_merge_patch`), label/annotate's JSON merge
patches, and the error texts (``cmdutil.CheckErr``, :func:`kubelab.apiserver.errors.
error_from_server`).

Simplifications, said plainly:

* discovery (``kubectl api-resources``) is read from the server, but resource words resolve
  through kubelab's kinds registry (the parser does it), as a warm discovery cache would;
* ``--as``/``--as-group``: kubelab's API server has no impersonation filter, so the client
  asks the server (a SelfSubjectAccessReview for ``impersonate`` on ``users``/``groups``)
  whether the caller may impersonate, answers ``Forbidden`` as the filter would when not, and
  otherwise sends the requests with the impersonated identity's credentials;
* ``auth whoami`` sends the SelfSubjectReview; when the server does not serve
  ``authentication.k8s.io`` the identity shown is what the x509 authenticator makes of the
  client certificate (CN = user, O = groups, plus ``system:authenticated``);
* ``delete`` waits for the object to go (as ``--wait=true`` does) for at most ``--timeout``,
  or :data:`DEFAULT_DELETE_WAIT` simulated seconds when no timeout is given (real kubectl
  would wait up to a week);
* ``explain`` prints the field tree of kubelab's schema of each kind, with short descriptions;
* not modelled, and refused as such: ``apply --server-side``, ``logs``, ``rollout``,
  ``drain`` and the verbs the parser refuses (``exec``, ``edit``, ...).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import yaml

from kubelab.api.kinds import KindInfo, kind_info
from kubelab.api.manifests import ManifestError, load_manifests
from kubelab.apiserver.authn import UserInfo
from kubelab.apiserver.client import (
    APIClient,
    APIStatusError,
    NotFound,
    ServerUnavailable,
    resource_path,
)
from kubelab.apiserver.errors import StatusError, error_from_server
from kubelab.apiserver.patch import (
    PatchError,
    create_merge_patch,
    create_three_way_merge_patch,
    create_two_way_merge_patch,
)
from kubelab.apiserver.rbac import Attributes, forbidden_status, format_can_i_list
from kubelab.kubectl import cli
from kubelab.kubectl.describe import describe
from kubelab.kubectl.goformat import go_json, go_quote
from kubelab.kubectl.output import (
    OutputError,
    custom_columns,
    jsonpath,
    sort_by,
    to_json,
    to_name,
    to_yaml,
)
from kubelab.kubectl.printers import join_tables, table
from kubelab.kubectl.tabwriter import TABLE, tabwrite
from kubelab.sim.host import HostDown

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim.world import World

__all__ = [
    "CLIENT_VERSION",
    "DEFAULT_DELETE_WAIT",
    "DEFAULT_WATCH_DURATION",
    "KUSTOMIZE_VERSION",
    "LAST_APPLIED",
    "Kubectl",
    "KubectlResult",
]

#: ``kubectl version``'s client side: kubectl v1.32.0 embeds kustomize v5.5.0
#: (``staging/src/k8s.io/kubectl/go.mod`` of the 1.32 release).
CLIENT_VERSION: Final = "v1.32.0"
KUSTOMIZE_VERSION: Final = "v5.5.0"
#: ``corev1.LastAppliedConfigAnnotation``.
LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
#: How long ``get -w`` runs when ``--duration`` is not given (simulated seconds).
DEFAULT_WATCH_DURATION: Final = 5.0
#: How long ``delete`` waits for the object to disappear when ``--timeout`` is not given.
DEFAULT_DELETE_WAIT: Final = 60.0
#: The SECURE_PORT of every API server (``--secure-port`` default).
SECURE_PORT: Final = 6443
#: ``polymorphichelpers.ChangeCauseAnnotation``: annotate may always overwrite it.
CHANGE_CAUSE: Final = "kubernetes.io/change-cause"

_JSON: Final = "application/json"
_MERGE: Final = "application/merge-patch+json"
_STRATEGIC: Final = "application/strategic-merge-patch+json"
_JSON_PATCH: Final = "application/json-patch+json"
_PATCH_TYPES: Final = {"strategic": _STRATEGIC, "merge": _MERGE, "json": _JSON_PATCH}

Obj = dict[str, Any]


# -------------------------------------------------------------------------------- the result


class KubectlResult(str):
    """What a kubectl run printed: :attr:`stdout`, :attr:`stderr` and :attr:`exit_code`.

    It *is* a string -- what a terminal shows: both streams in the order kubectl wrote them
    (``shown``; stdout followed by stderr when not given) -- so a notebook cell shows the output
    as plain text, ``json.loads(c.kubectl("get pod web -o json"))`` works, and
    ``"web" in c.kubectl("get pods")`` reads naturally.
    """

    stdout: str
    stderr: str
    exit_code: int

    def __new__(
        cls, stdout: str = "", stderr: str = "", exit_code: int = 0, shown: str | None = None
    ) -> KubectlResult:
        obj = super().__new__(cls, stdout + stderr if shown is None else shown)
        obj.stdout = stdout
        obj.stderr = stderr
        obj.exit_code = exit_code
        return obj

    @property
    def ok(self) -> bool:
        """Whether the command succeeded (exit code 0)."""
        return self.exit_code == 0

    def __repr__(self) -> str:
        return str.__str__(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str.__str__(self))


# -------------------------------------------------------------------------------- internals


class _Fail(Exception):
    """Stop the command: ``text`` goes to stderr (newline added), exit code ``code``."""

    def __init__(self, text: str, code: int = 1) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


@dataclass
class _Out:
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    #: Both streams, in the order written: what a terminal shows.
    both: list[str] = field(default_factory=list)
    code: int = 0

    def print(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.both.append(text)

    def error(self, text: str, code: int = 1) -> None:
        self.warn(text)
        self.code = code

    def warn(self, text: str) -> None:
        line = text if text.endswith("\n") else text + "\n"
        self.err.append(line)
        self.both.append(line)

    @property
    def printed(self) -> bool:
        return any(self.out)

    def result(self) -> KubectlResult:
        return KubectlResult("".join(self.out), "".join(self.err), self.code, "".join(self.both))


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def _name_of(obj: Mapping[str, Any]) -> str:
    return str(_meta(obj).get("name", ""))


def _kind_prefix(info: KindInfo) -> str:
    """``pod``, ``deployment.apps``: what name printers write before ``/``."""
    return f"{info.kind.lower()}.{info.group}" if info.group else info.kind.lower()


def _gvr(info: KindInfo) -> str:
    """``schema.GroupVersionResource.String()``: ``/v1, Resource=pods``."""
    return f"{info.group}/{info.version}, Resource={info.resource}"


def _gvk(info: KindInfo) -> str:
    """``schema.GroupVersionKind.String()``: ``/v1, Kind=Pod``."""
    return f"{info.group}/{info.version}, Kind={info.kind}"


def _info_string(info: KindInfo, name: str, namespace: str) -> str:
    """``resource.Info.String()`` (cli-runtime ``resource/visitor.go``)."""
    return (
        f"Resource: {go_quote(_gvr(info))}, GroupVersionKind: {go_quote(_gvk(info))}\n"
        f"Name: {go_quote(name)}, Namespace: {go_quote(namespace)}"
    )


def _connection_error(err: ServerUnavailable) -> str:
    """``cmdutil.StandardErrorMessage`` for a ``*url.Error``: connection refused names the
    server; anything else is ``Unable to connect to the server: <cause>``."""
    message = err.message
    # ServerUnavailable's message is the url.Error text: `Get "https://h:6443/...": cause`.
    url, sep, cause = message.partition('": ')
    if not sep:
        return f"Unable to connect to the server: {message}"
    if "connection refused" in cause:
        host = url.split("://", 1)[-1].split("/", 1)[0]
        return (
            f"The connection to the server {host} was refused - did you specify the right "
            "host or port?"
        )
    return f"Unable to connect to the server: {cause}"


def _error_text(err: BaseException, verb: str = "", source: str = "") -> str:
    """What ``cmdutil.CheckErr`` prints for ``err`` (without the newline)."""
    if isinstance(err, ServerUnavailable):
        return _connection_error(err)
    if isinstance(err, StatusError):
        return error_from_server(err.status, verb, source)
    if isinstance(err, HostDown):
        return f"Unable to connect to the server: {err}"
    text = str(err)
    return text if text.startswith("error: ") else f"error: {text}"


def _list_items(body: Any, info: KindInfo) -> list[Obj]:
    """The items of a list response, each with its ``apiVersion`` and ``kind`` set, as
    kubectl's unstructured list decoding gives them."""
    items = body.get("items") if isinstance(body, dict) else None
    out: list[Obj] = []
    for item in items or []:
        if isinstance(item, dict):
            obj = dict(item)
            obj.setdefault("apiVersion", info.api_version)
            obj.setdefault("kind", info.kind)
            out.append(obj)
    return out


def _with_type(obj: Any, info: KindInfo) -> Obj:
    out = dict(obj) if isinstance(obj, dict) else {}
    out.setdefault("apiVersion", info.api_version)
    out.setdefault("kind", info.kind)
    return out


def _printable(kind: str, objs: Sequence[Obj]) -> list[Obj]:
    """Objects as :mod:`kubelab.kubectl.printers` and :mod:`.describe` read them."""
    return list(objs)


def _object_info(obj: Mapping[str, Any]) -> KindInfo:
    return kind_info(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))


@dataclass
class _Target:
    """One object a command acts on, read from the server or from a manifest."""

    info: KindInfo
    name: str
    namespace: str | None
    obj: Obj | None = None
    source: str = ""


# -------------------------------------------------------------------------------- kubectl


class Kubectl:
    """kubectl on a simulated workstation.

    ``client`` carries the identity (its client certificate or token) and the list of API
    servers; ``user``/``groups`` are that identity as kubectl knows it (for ``auth whoami``
    when the server cannot answer); ``namespace`` is the kubeconfig context's namespace.
    ``impersonate(user, groups)`` makes the :class:`Kubectl` that ``--as`` switches to.
    """

    def __init__(
        self,
        world: World,
        client: APIClient,
        *,
        user: str = "",
        groups: Sequence[str] = (),
        namespace: str = "default",
        impersonate: Callable[[str, tuple[str, ...]], Kubectl] | None = None,
    ) -> None:
        self.world = world
        self.client = client
        self.user = user
        self.groups = tuple(groups)
        self.namespace = namespace
        self._impersonate = impersonate
        self._o = _Out()
        self._stdin: str | None = None
        self._mute_warnings = False

    def __repr__(self) -> str:
        return f"<Kubectl as {self.user or '?'} via {self.client.endpoint}>"

    # -- entry points ---------------------------------------------------------------------

    def run(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        """Run one kubectl command line (``"get pods -o wide"``; a leading ``kubectl`` is
        optional); ``stdin`` is what ``-f -`` reads."""
        try:
            cmd = cli.parse(command_line)
        except cli.ParseError as err:
            return KubectlResult(err.stdout, err.stderr, err.exit_code)
        return self.execute(cmd, stdin)

    def execute(self, cmd: cli.Command, stdin: str | None = None) -> KubectlResult:
        """Run an already parsed :class:`~kubelab.kubectl.cli.Command`."""
        if cmd.as_user is not None or cmd.as_groups:
            return self._run_as(cmd, stdin)

        def run() -> None:
            for w in cmd.warnings:
                self._o.warn(w)
            self._dispatch(cmd)

        return self._captured(run, stdin)

    def apply_text(
        self,
        text: str,
        *,
        source: str = "STDIN",
        atomic: bool = True,
        namespace: str | None = None,
    ) -> KubectlResult:
        """``kubectl apply -f -`` with ``text`` on stdin.

        With ``atomic`` (what :meth:`kubelab.cluster.Cluster.apply` uses) nothing is written
        unless every object passes first: the manifests are parsed, then each object is sent
        once with ``?dryRun=All`` (the server runs admission and validation but stores
        nothing), and only when all of them pass are they applied for real. Real kubectl
        applies object by object and keeps going after a failure.
        """

        def run() -> None:
            self._apply(self._load(text, source), namespace, atomic=atomic)

        return self._captured(run, self._stdin)

    def _captured(self, body: Callable[[], None], stdin: str | None) -> KubectlResult:
        """Run ``body`` with fresh output streams and ``stdin``; what it printed, with a
        failure or an API error written to stderr as kubectl writes it."""
        saved, saved_stdin = self._o, self._stdin
        self._o, self._stdin = _Out(), stdin
        try:
            try:
                body()
            except _Fail as fail:
                self._o.error(fail.text, fail.code)
            except (APIStatusError, StatusError, ServerUnavailable, HostDown) as err:
                self._o.error(_error_text(err))
            return self._o.result()
        finally:
            self._o, self._stdin = saved, saved_stdin

    # -- plumbing ----------------------------------------------------------------------------

    def _run_as(self, cmd: cli.Command, stdin: str | None) -> KubectlResult:
        """``--as``/``--as-group``: check ``impersonate`` permission, then run as them."""
        if not cmd.as_user:
            # client-go's impersonation config check (clientcmd validation.go)
            return KubectlResult(
                "",
                f"error: requesting uid, groups or user-extra for {self.user} without "
                "impersonating a user\n",
                1,
            )
        user = cmd.as_user
        groups = tuple(cmd.as_groups)
        checks = [("users", user)] + [("groups", g) for g in groups]
        for resource, name in checks:
            try:
                allowed = self._access_review(
                    {"verb": "impersonate", "resource": resource, "name": name}
                )
            except (APIStatusError, ServerUnavailable, HostDown) as err:
                return KubectlResult("", _error_text(err) + "\n", 1)
            if not allowed:
                # the impersonation filter's answer (apiserver endpoints/filters/impersonation.go)
                attrs = Attributes(
                    UserInfo(self.user, self.groups), "impersonate", "", resource, "", name, ""
                )
                return KubectlResult("", error_from_server(forbidden_status(attrs)) + "\n", 1)
        if self._impersonate is None:
            return KubectlResult("", "error: impersonation is not available here\n", 1)
        other = self._impersonate(user, groups)
        stripped = copy.copy(cmd)
        stripped.flags = dict(cmd.flags, **{"as": "", "as-group": []})
        return other.execute(stripped, stdin)

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = _JSON,
    ) -> Any:
        """One request; the decoded body. Server warnings go to stderr as ``Warning: ...``.
        Failures raise the client's typed errors."""
        ev = self.client.request_async(
            method, path, query=query, body=body, content_type=content_type, raw=True
        )
        resp = self.world.wait(ev)
        if not self._mute_warnings:
            for w in getattr(resp, "warnings", ()):
                self._o.warn(f"Warning: {w}")
        return copy.deepcopy(resp.body)

    def _get(self, info: KindInfo, name: str, namespace: str | None) -> Obj:
        ns = namespace if info.namespaced else None
        return _with_type(self._request("GET", resource_path(info, ns, name)), info)

    def _list(
        self,
        info: KindInfo,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Obj], str]:
        """Every object of a kind (``namespace=None``: across namespaces) and the list's
        resourceVersion. kubectl pages by 500 (``--chunk-size``)."""
        ns = namespace if info.namespaced else None
        query: dict[str, str] = {}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        items: list[Obj] = []
        rv = ""
        while True:
            q = dict(query, limit="500")
            body = self._request("GET", resource_path(info, ns), query=q)
            items += _list_items(body, info)
            meta = body.get("metadata", {}) if isinstance(body, dict) else {}
            rv = str(meta.get("resourceVersion", ""))
            cont = meta.get("continue")
            if not cont:
                break
            query["continue"] = str(cont)
        return items, rv

    def _ns(self, cmd: cli.Command) -> str:
        return cmd.namespace or self.namespace

    def _access_review(self, attrs: Mapping[str, str]) -> bool:
        body = {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "spec": {"resourceAttributes": dict(attrs)},
            "status": {"allowed": False},
        }
        resp = self._request(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=body
        )
        status = resp.get("status", {}) if isinstance(resp, dict) else {}
        return bool(status.get("allowed"))

    def _dispatch(self, cmd: cli.Command) -> None:
        verb = cmd.verb
        handler = _HANDLERS.get((verb, cmd.subverb)) or _HANDLERS.get((verb, None))
        if handler is None:
            raise _Fail(f'error: kubelab does not model "kubectl {verb}"')
        handler(self, cmd)

    # -- manifests -----------------------------------------------------------------------------

    def _load(self, text: str | None, source: str) -> list[Obj]:
        if text is None:
            raise _Fail("error: no objects passed to apply")
        try:
            return load_manifests(text)
        except ManifestError as err:
            where = ManifestError(
                source, err.document_index, err.field, err.rule, err.line, err.column
            )
            raise _Fail(f"error: {where.message}") from None

    def _read_files(self, cmd: cli.Command) -> list[tuple[Obj, str]]:
        """Every object of every ``-f`` (``-`` reads stdin), with its source name."""
        out: list[tuple[Obj, str]] = []
        for name in cmd.filenames:
            if name == "-":
                objs = self._load(self._stdin, "STDIN")
                out += [(o, "STDIN") for o in objs]
                continue
            if not os.path.exists(name):
                raise _Fail(f'error: the path "{name}" does not exist')
            try:
                objs = load_manifests(Path(name))
            except ManifestError as err:
                raise _Fail(f"error: {err.message}") from None
            out += [(o, name) for o in objs]
        return out

    def _manifest_targets(
        self, objects: Sequence[tuple[Obj, str]], namespace: str | None, enforce: bool
    ) -> list[_Target]:
        """Resolve each manifest object: its kind and its namespace (``-n`` fills it in;
        ``-n`` that contradicts the object's own is kubectl's error)."""
        default_ns = namespace or self.namespace
        targets: list[_Target] = []
        for obj, source in objects:
            info = _object_info(obj)
            meta = obj.setdefault("metadata", {})
            ns: str | None = None
            if info.namespaced:
                own = meta.get("namespace")
                if enforce and namespace and own and own != namespace:
                    # cli-runtime resource/visitor.go SetNamespace with enforceNamespace
                    raise _Fail(
                        f"error: the namespace from the provided object {go_quote(str(own))} "
                        f"does not match the namespace {go_quote(namespace)}. You must pass "
                        f"'--namespace={own}' to perform this operation."
                    )
                ns = str(own or default_ns)
                meta["namespace"] = ns
            targets.append(_Target(info, str(meta.get("name", "")), ns, obj, source))
        return targets

    # -- get -----------------------------------------------------------------------------------

    def _fetch(
        self, cmd: cli.Command
    ) -> tuple[list[tuple[KindInfo, list[Obj], str]], list[str], bool]:
        """What ``get``/``describe`` act on: per requested kind, the objects and the list
        resourceVersion; the error texts; whether one object was asked for by name."""
        ns = self._ns(cmd)
        groups: list[tuple[KindInfo, list[Obj], str]] = []
        errors: list[str] = []
        single = len(cmd.resources) == 1 and len(cmd.resources[0][1]) == 1
        if cmd.filenames:
            for t in self._manifest_targets(self._read_files(cmd), cmd.namespace, True):
                try:
                    groups.append((t.info, [self._get(t.info, t.name, t.namespace)], ""))
                except (APIStatusError, ServerUnavailable) as err:
                    errors.append(_error_text(err))
            single = len(groups) + len(errors) == 1
            return groups, errors, single
        for info, names in cmd.resources:
            if names:
                objs: list[Obj] = []
                for name in names:
                    try:
                        objs.append(self._get(info, name, ns))
                    except APIStatusError as err:
                        if isinstance(err, NotFound) and cmd.flag("ignore-not-found"):
                            continue
                        errors.append(_error_text(err))
                groups.append((info, objs, ""))
                continue
            where = None if cmd.all_namespaces else ns
            items, rv = self._list(
                info, where, label_selector=cmd.selector, field_selector=cmd.field_selector
            )
            groups.append((info, items, rv))
        return groups, errors, single

    def cmd_get(self, cmd: cli.Command) -> None:
        """``kubectl get``."""
        if cmd.flag("raw"):
            self._raw(str(cmd.flag("raw")))
            return
        if cmd.flag("watch") or cmd.flag("watch-only"):
            self._watch(cmd)
            return
        groups, errors, single = self._fetch(cmd)
        fmt = cmd.output_format
        o = self._o
        if fmt in (None, "wide"):
            self._print_tables(cmd, groups)
            if not o.printed and not errors and not cmd.flag("ignore-not-found"):
                every_namespaced = not cmd.all_namespaces and all(
                    info.namespaced for info, _, _ in groups
                )
                if every_namespaced:
                    o.warn(f"No resources found in {self._ns(cmd)} namespace.")
                else:
                    o.warn("No resources found")
        else:
            objects = [obj for _, objs, _ in groups for obj in objs]
            if single and errors:
                pass
            else:
                self._print_generic(cmd, objects, single and len(objects) == 1)
        for text in errors:
            o.error(text)

    def _raw(self, url: str) -> None:
        """``get --raw PATH``: the response body as the server sent it."""
        path, _, qs = url.partition("?")
        query = dict(p.partition("=")[::2] for p in qs.split("&") if p)
        body = self._request("GET", path, query=query)
        self._o.print(body if isinstance(body, str) else go_json(body) + "\n")

    def _print_tables(
        self, cmd: cli.Command, groups: Sequence[tuple[KindInfo, list[Obj], str]]
    ) -> None:
        now = self.world.now
        kinds = {(i.group, i.kind) for i, objs, _ in groups if objs}
        show_kind = bool(cmd.flag("show-kind")) or len(cmd.resources) > 1 or len(kinds) > 1
        texts: list[str] = []
        sort_expr = str(cmd.flag("sort-by") or "")
        for info, objs, _ in groups:
            if not objs:
                continue
            if sort_expr:
                try:
                    objs = [dict(x) for x in sort_by(objs, sort_expr)]
                except OutputError as err:
                    raise _Fail(f"error: {err}") from None
            texts.append(
                table(
                    info.kind,
                    _printable(info.kind, objs),
                    now,
                    wide=cmd.output_format == "wide",
                    show_labels=bool(cmd.flag("show-labels")),
                    all_namespaces=cmd.all_namespaces,
                    no_headers=bool(cmd.flag("no-headers")),
                    show_kind=show_kind,
                    label_columns=list(cmd.flag("label-columns") or []),
                )
            )
        self._o.print(join_tables(texts, bool(cmd.flag("no-headers"))))

    def _render(self, cmd: cli.Command, objects: Sequence[Obj], single: bool) -> str:
        fmt = cmd.output_format
        arg = cmd.output_template or str(cmd.flag("template") or "")
        doc: Obj | list[Obj] = dict(objects[0]) if single else list(objects)
        try:
            if fmt == "json":
                return to_json(doc)
            if fmt == "yaml":
                return to_yaml(doc)
            if fmt == "name":
                return to_name(list(objects))
            if fmt in ("jsonpath", "jsonpath-as-json"):
                text = jsonpath(arg, doc, bool(cmd.flag("allow-missing-template-keys", True)))
                return text
            if fmt == "custom-columns":
                return custom_columns(arg, list(objects), bool(cmd.flag("no-headers")))
        except OutputError as err:
            raise _Fail(f"error: {err}") from None
        raise _Fail(f'error: kubelab does not model the output format "{fmt}"')

    def _print_generic(self, cmd: cli.Command, objects: Sequence[Obj], single: bool) -> None:
        sort_expr = str(cmd.flag("sort-by") or "")
        if sort_expr and not single:
            try:
                objects = [dict(x) for x in sort_by(objects, sort_expr)]
            except OutputError as err:
                raise _Fail(f"error: {err}") from None
        self._o.print(self._render(cmd, objects, single))

    def _watch(self, cmd: cli.Command) -> None:
        """``get -w``: the current state, then a row per watch event for ``--duration``."""
        ns = self._ns(cmd)
        if len(cmd.resources) != 1 or len(cmd.resources[0][1]) > 1:
            count = sum(max(len(n), 1) for _, n in cmd.resources)
            raise _Fail(
                "error: watch is only supported on individual resources and resource "
                f"collections, but {count} resources were found"
            )
        info, names = cmd.resources[0]
        where = None if cmd.all_namespaces else ns
        field_selector = cmd.field_selector
        if names:
            # get.go watch: GET the object, then watch it by name from resourceVersion 0 and
            # drop the initial ADDED event it replays.
            first = [self._get(info, names[0], ns)]
            rv = "0"
            field_selector = f"metadata.name={names[0]}"
            drop_first = True
        else:
            first, rv = self._list(
                info, where, label_selector=cmd.selector, field_selector=field_selector
            )
            drop_first = False
        fmt = cmd.output_format
        human = fmt in (None, "wide")
        printed_headers = False

        def print_objects(objs: Sequence[Obj], now: float) -> None:
            nonlocal printed_headers
            if not objs:
                return
            if human:
                text = table(
                    info.kind,
                    _printable(info.kind, objs),
                    now,
                    wide=fmt == "wide",
                    show_labels=bool(cmd.flag("show-labels")),
                    all_namespaces=cmd.all_namespaces,
                    no_headers=bool(cmd.flag("no-headers")) or printed_headers,
                    label_columns=list(cmd.flag("label-columns") or []),
                )
                printed_headers = True
                self._o.print(text)
            else:
                for obj in objs:
                    text = self._render(cmd, [obj], True)
                    if fmt == "yaml" and printed_headers:
                        text = "---\n" + text
                    printed_headers = True
                    self._o.print(text)

        if not cmd.flag("watch-only"):
            print_objects(first, self.world.now)
        events: list[tuple[float, Obj]] = []

        def on_event(etype: str, obj: dict[str, Any]) -> None:
            if etype in ("ADDED", "MODIFIED", "DELETED"):
                events.append((self.world.now, _with_type(obj, info)))

        handle = self.client.watch_async(
            info.resource,
            where if info.namespaced else None,
            group=info.group,
            resource_version=rv,
            label_selector=cmd.selector,
            field_selector=field_selector,
            allow_bookmarks=False,
            on_event=on_event,
        )
        duration = cmd.duration if "duration" in cmd.changed else DEFAULT_WATCH_DURATION
        self.world.run(duration=duration)
        handle.stop()
        if drop_first and events:
            events = events[1:]
        for at, obj in events:
            print_objects([obj], at)

    # -- describe ------------------------------------------------------------------------------

    def cmd_describe(self, cmd: cli.Command) -> None:
        """``kubectl describe`` (cmd/describe/describe.go Run): every object asked for,
        separated by two blank lines; events only when one object is described (unless
        ``--show-events`` is given); ``TYPE NAME`` that does not exist describes every object
        whose name starts with NAME instead."""
        ns = self._ns(cmd)
        errors: list[BaseException] = []
        pairs: list[tuple[KindInfo, Obj]] = []
        if cmd.filenames:
            for t in self._manifest_targets(self._read_files(cmd), cmd.namespace, True):
                try:
                    pairs.append((t.info, self._get(t.info, t.name, t.namespace)))
                except (APIStatusError, ServerUnavailable) as err:
                    errors.append(err)
        for info, names in cmd.resources:
            if names:
                for name in names:
                    try:
                        pairs.append((info, self._get(info, name, ns)))
                    except (APIStatusError, ServerUnavailable) as err:
                        errors.append(err)
                continue
            where = None if cmd.all_namespaces else ns
            items, _ = self._list(info, where, label_selector=cmd.selector)
            pairs += [(info, o) for o in items]
        explicit = "show-events" in cmd.changed
        show_events = bool(cmd.flag("show-events", True))
        if not explicit and (errors or len(pairs) > 1):
            show_events = False
        if (
            len(errors) == 1
            and not pairs
            and isinstance(errors[0], NotFound)
            and len(cmd.args) == 2
            and cmd.resources
        ):
            # DescribeMatchingResources: every object whose name starts with the prefix
            info = cmd.resources[0][0]
            items, _ = self._list(info, ns if info.namespaced else None)
            found = [o for o in items if _name_of(o).startswith(cmd.args[1])]
            if not found:
                self._o.error(_error_text(errors[0]))
                return
            for obj in found:
                self._o.print(self._describe_one(info, obj, show_events) + "\n")
            return
        texts = [self._describe_one(info, obj, show_events) for info, obj in pairs]
        if texts:
            self._o.print(texts[0] + "".join("\n\n" + t for t in texts[1:]))
        elif not errors:
            if cmd.all_namespaces:
                self._o.warn("No resources found")
            else:
                self._o.warn(f"No resources found in {ns} namespace.")
        for failure in errors:
            self._o.error(_error_text(failure))

    def _events_for(self, obj: Obj, info: KindInfo) -> list[Obj] | None:
        """``searchEvents``: the core Events whose involvedObject is ``obj`` (by name,
        namespace and uid). ``None`` when they cannot be listed (describe then omits them)."""
        meta = _meta(obj)
        name = str(meta.get("name", ""))
        ns = str(meta.get("namespace", "")) if info.namespaced else ""
        uids = [str(meta.get("uid", ""))]
        if info.kind == "Node":
            # describe.go DescribeNode: the controllers use the node's uid, the kubelet its name
            uids.append(name)
        events_info = kind_info("v1", "Event")
        out: list[Obj] = []
        try:
            for uid in uids:
                parts = [f"involvedObject.name={name}"]
                if ns:
                    parts.append(f"involvedObject.namespace={ns}")
                if uid:
                    parts.append(f"involvedObject.uid={uid}")
                items, _ = self._list(events_info, ns or None, field_selector=",".join(parts))
                out += _printable("Event", items)
        except (APIStatusError, ServerUnavailable):
            return None
        return out

    def _quiet_list(
        self, info: KindInfo, namespace: str | None, **kw: str | None
    ) -> list[Obj] | None:
        try:
            return self._list(info, namespace, **kw)[0]
        except (APIStatusError, ServerUnavailable):
            return None

    def _describe_one(self, info: KindInfo, obj: Obj, show_events: bool) -> str:
        meta = _meta(obj)
        ns = str(meta.get("namespace", "")) or None
        name = str(meta.get("name", ""))
        events = self._events_for(obj, info) if show_events else None
        extra: dict[str, Any] = {}
        kind = info.kind
        if kind == "Node":
            selector = f"spec.nodeName={name},status.phase!=Failed,status.phase!=Succeeded"
            extra["pods"] = self._quiet_list(kind_info("v1", "Pod"), None, field_selector=selector)
            try:
                extra["lease"] = self._get(
                    kind_info("coordination.k8s.io/v1", "Lease"), name, "kube-node-lease"
                )
            except (APIStatusError, ServerUnavailable):
                extra["lease"] = None
        elif kind in ("Deployment", "ReplicaSet"):
            selector = _selector_string(obj)
            if kind == "Deployment":
                sets = self._quiet_list(
                    kind_info("apps/v1", "ReplicaSet"), ns, label_selector=selector
                )
                uid = meta.get("uid")
                extra["replica_sets"] = [rs for rs in sets or [] if _controlled_by(rs, uid)]
            else:
                extra["pods"] = self._quiet_list(
                    kind_info("v1", "Pod"), ns, label_selector=selector
                )
        elif kind == "Service":
            extra["endpoint_slices"] = self._quiet_list(
                kind_info("discovery.k8s.io/v1", "EndpointSlice"),
                ns,
                label_selector=f"kubernetes.io/service-name={name}",
            )
        elif kind == "Namespace":
            extra["resource_quotas"] = self._quiet_list(kind_info("v1", "ResourceQuota"), name)
            extra["limit_ranges"] = self._quiet_list(kind_info("v1", "LimitRange"), name)
        return describe(kind, obj, events, self.world.now, **extra)

    # -- apply, create, replace ---------------------------------------------------------------

    def cmd_apply(self, cmd: cli.Command) -> None:
        """``kubectl apply -f`` (client-side apply)."""
        if cmd.flag("server-side"):
            raise _Fail('error: kubelab does not model "kubectl apply --server-side"')
        objects = self._read_files(cmd)
        if not objects:
            raise _Fail("error: no objects passed to apply")
        self._apply_targets(
            self._manifest_targets(objects, cmd.namespace, True),
            atomic=False,
            dry_run=cmd.dry_run,
            field_manager=str(cmd.flag("field-manager") or "kubectl-client-side-apply"),
            validation=_validation(cmd),
        )

    def _apply(self, objects: list[Obj], namespace: str | None, *, atomic: bool) -> None:
        if not objects:
            raise _Fail("error: no objects passed to apply")
        targets = self._manifest_targets([(o, "STDIN") for o in objects], namespace, True)
        self._apply_targets(
            targets,
            atomic=atomic,
            dry_run="none",
            field_manager="kubectl-client-side-apply",
            validation="Strict",
        )

    def _apply_targets(
        self,
        targets: list[_Target],
        *,
        atomic: bool,
        dry_run: str,
        field_manager: str,
        validation: str,
    ) -> None:
        if atomic and dry_run == "none":
            # Check every object with the server before writing any of them.
            creating: set[str] = set()
            for t in targets:
                self._mute_warnings = True
                try:
                    passed = self._apply_one(
                        t,
                        field_manager,
                        validation,
                        server_dry_run=True,
                        quiet=True,
                        batch_namespaces=creating,
                    )
                finally:
                    self._mute_warnings = False
                if not passed:
                    return
                if t.info.kind == "Namespace":
                    creating.add(t.name)
        for t in targets:
            self._apply_one(
                t,
                field_manager,
                validation,
                server_dry_run=dry_run == "server",
                client_dry_run=dry_run == "client",
            )

    def _apply_one(
        self,
        t: _Target,
        field_manager: str,
        validation: str,
        *,
        server_dry_run: bool = False,
        client_dry_run: bool = False,
        quiet: bool = False,
        batch_namespaces: set[str] | None = None,
    ) -> bool:
        """apply.go applyOneObject for one object: GET it; POST it with the
        last-applied-configuration annotation if missing, else PATCH the three-way strategic
        merge patch (nothing when the patch is empty). Prints the outcome or the error;
        returns whether it went through."""
        o = self._o
        info, obj = t.info, t.obj or {}
        ns = t.namespace or ""
        retrieving = (
            "retrieving current configuration of:\n"
            f"{_info_string(info, t.name, ns)}\nfrom server for:"
        )
        if not t.name:
            o.error(
                f"error: error when {retrieving} {go_quote(t.source)}: resource name may not "
                "be empty"
            )
            return False
        modified = _with_last_applied(obj)
        query = {"fieldManager": field_manager, "fieldValidation": validation}
        if server_dry_run:
            query["dryRun"] = "All"
        suffix = " (server dry run)" if server_dry_run and not quiet else ""
        if client_dry_run:
            suffix = " (dry run)"
        try:
            current: Obj | None = self._get(info, t.name, t.namespace)
        except NotFound:
            current = None
        except (APIStatusError, ServerUnavailable) as err:
            o.error(_error_text(err, retrieving, t.source))
            return False
        prefix = f"{_kind_prefix(info)}/{t.name}"
        if current is None:
            if not client_dry_run:
                try:
                    self._request(
                        "POST",
                        resource_path(info, t.namespace if info.namespaced else None),
                        query=query,
                        body=modified,
                    )
                except (APIStatusError, ServerUnavailable) as err:
                    if (
                        quiet
                        and batch_namespaces
                        and isinstance(err, NotFound)
                        and _missing_namespace(err) in batch_namespaces
                    ):
                        return True  # its namespace is created earlier in this batch
                    o.error(_error_text(err, "creating", t.source))
                    return False
            if not quiet:
                o.print(f"{prefix} created{suffix}\n")
            return True
        annotations = _meta(current).get("annotations") or {}
        original_text = annotations.get(LAST_APPLIED)
        if original_text is None and not quiet:
            o.warn(
                f"Warning: resource {info.resource}/{t.name} is missing the {LAST_APPLIED} "
                "annotation which is required by kubectl apply. kubectl apply should only be "
                "used on resources created declaratively by either kubectl create "
                "--save-config or kubectl apply. The missing annotation will be patched "
                "automatically."
            )
        original: Obj | None = None
        if original_text:
            try:
                loaded = json.loads(original_text)
                original = loaded if isinstance(loaded, dict) else None
            except ValueError:
                original = None
        try:
            patch = create_three_way_merge_patch(info.kind, original, modified, current)
        except PatchError as err:
            o.error(f"error: {err}")
            return False
        if not patch:
            if not quiet:
                o.print(f"{prefix} unchanged\n")
            return True
        if not client_dry_run:
            try:
                self._request(
                    "PATCH",
                    resource_path(info, t.namespace if info.namespaced else None, t.name),
                    query=query,
                    body=patch,
                    content_type=_STRATEGIC,
                )
            except (APIStatusError, ServerUnavailable) as err:
                verb = (
                    f"applying patch:\n{go_json(patch)}\nto:\n{_info_string(info, t.name, ns)}"
                    "\nfor:"
                )
                o.error(_error_text(err, verb, t.source))
                return False
        if not quiet:
            o.print(f"{prefix} configured{suffix}\n")
        return True

    def cmd_create(self, cmd: cli.Command) -> None:
        """``kubectl create -f`` (the generator subcommands are not modelled)."""
        if cmd.subverb is not None:
            self._create_sub(cmd)
            return
        targets = self._manifest_targets(self._read_files(cmd), cmd.namespace, True)
        if not targets:
            raise _Fail("error: no objects passed to create")
        query = {
            "fieldManager": str(cmd.flag("field-manager") or "kubectl-create"),
            "fieldValidation": _validation(cmd),
        }
        dry = cmd.dry_run
        if dry == "server":
            query["dryRun"] = "All"
        suffix = {"server": " (server dry run)", "client": " (dry run)"}.get(dry, "")
        for t in targets:
            body = _with_last_applied(t.obj or {}) if cmd.flag("save-config") else t.obj
            if dry != "client":
                try:
                    self._request(
                        "POST",
                        resource_path(t.info, t.namespace if t.info.namespaced else None),
                        query=query,
                        body=body,
                    )
                except (APIStatusError, ServerUnavailable) as err:
                    self._o.error(_error_text(err, "creating", t.source))
                    continue
            self._o.print(f"{_kind_prefix(t.info)}/{t.name} created{suffix}\n")

    def _create_sub(self, cmd: cli.Command) -> None:
        """``kubectl create namespace|serviceaccount|configmap|deployment NAME``: the object
        the generator builds (``create_namespace.go``, ``create_serviceaccount.go``,
        ``create_configmap.go``, ``create_deployment.go``), POSTed, or printed with
        ``--dry-run=client -o yaml``."""
        if cmd.subverb not in ("namespace", "serviceaccount", "configmap", "deployment"):
            raise _Fail(f'error: kubelab does not model "kubectl create {cmd.subverb}"')
        info, names = cmd.resources[0]
        name = names[0]
        ns = self._ns(cmd) if info.namespaced else None
        obj = _generated(cmd.subverb or "", name, cmd)
        dry = cmd.dry_run
        if dry == "client":
            result = obj
        else:
            query = {"fieldManager": str(cmd.flag("field-manager") or "kubectl-create")}
            if dry == "server":
                query["dryRun"] = "All"
            if cmd.flag("validate") is not None and cmd.subverb in ("configmap", "deployment"):
                query["fieldValidation"] = _validation(cmd)
            body = _drop_nulls(obj)
            if ns is not None:
                body.setdefault("metadata", {})["namespace"] = ns
            result = _with_type(
                self._request("POST", resource_path(info, ns), query=query, body=body), info
            )
        if cmd.output_format:
            self._o.print(self._render(cmd, [result], True))
            return
        suffix = {"server": " (server dry run)", "client": " (dry run)"}.get(dry, "")
        self._o.print(f"{_kind_prefix(info)}/{name} created{suffix}\n")

    def cmd_replace(self, cmd: cli.Command) -> None:
        """``kubectl replace -f``: PUT each object."""
        targets = self._manifest_targets(self._read_files(cmd), cmd.namespace, True)
        query = {
            "fieldManager": str(cmd.flag("field-manager") or "kubectl-replace"),
            "fieldValidation": _validation(cmd),
        }
        for t in targets:
            body = _with_last_applied(t.obj or {}) if cmd.flag("save-config") else t.obj
            try:
                self._request(
                    "PUT",
                    resource_path(t.info, t.namespace if t.info.namespaced else None, t.name),
                    query=query,
                    body=body,
                )
            except (APIStatusError, ServerUnavailable) as err:
                self._o.error(_error_text(err, "replacing", t.source))
                continue
            self._o.print(f"{_kind_prefix(t.info)}/{t.name} replaced\n")

    # -- delete --------------------------------------------------------------------------------

    def _targets(self, cmd: cli.Command, *, allow_list: bool = True) -> list[_Target]:
        """The objects a mutating verb acts on: named, selected (``-l``/``--all``) or from
        ``-f``."""
        ns = self._ns(cmd)
        if cmd.filenames:
            return self._manifest_targets(self._read_files(cmd), cmd.namespace, True)
        out: list[_Target] = []
        for info, names in cmd.resources:
            where = ns if info.namespaced else None
            if names:
                out += [_Target(info, n, where) for n in names]
            elif allow_list:
                listed = None if cmd.all_namespaces and info.namespaced else where
                items, _ = self._list(
                    info, listed, label_selector=cmd.selector, field_selector=cmd.field_selector
                )
                out += [
                    _Target(
                        info,
                        _name_of(o),
                        str(_meta(o).get("namespace")) if info.namespaced else None,
                        o,
                    )
                    for o in items
                ]
        return out

    def cmd_delete(self, cmd: cli.Command) -> None:
        """``kubectl delete``: one DELETE per object, then wait for each to be gone."""
        targets = self._targets(cmd)
        if not targets:
            self._o.print("No resources found\n")
            return
        grace = int(cmd.flag("grace-period", -1))
        body: Obj = {"propagationPolicy": str(cmd.flag("cascade", "background")).capitalize()}
        if grace >= 0:
            body["gracePeriodSeconds"] = grace
        dry = cmd.dry_run
        query = {"dryRun": "All"} if dry == "server" else None
        operation = "force deleted" if grace == 0 else "deleted"
        operation += {"server": " (server dry run)", "client": " (dry run)"}.get(dry, "")
        deleted: list[tuple[_Target, str]] = []
        for t in targets:
            if dry != "client":
                try:
                    resp = self._request(
                        "DELETE",
                        resource_path(t.info, t.namespace, t.name),
                        query=query,
                        body=body,
                    )
                except APIStatusError as err:
                    if isinstance(err, NotFound) and cmd.flag("ignore-not-found"):
                        continue
                    self._o.error(_error_text(err, "deleting", t.source))
                    continue
                uid = str(_meta(resp).get("uid", "")) if resp.get("kind") != "Status" else ""
                deleted.append((t, uid))
            if cmd.output_format == "name":
                self._o.print(f"{_kind_prefix(t.info)}/{t.name}\n")
            else:
                self._o.print(f'{_kind_prefix(t.info)} "{t.name}" {operation}\n')
        if not cmd.flag("wait", True) or dry != "none":
            return
        limit = float(cmd.flag("timeout", 0.0)) or DEFAULT_DELETE_WAIT
        deadline = self.world.now + limit
        for t, uid in deleted:
            if not self._wait_gone(t, uid, deadline):
                self._o.error(
                    f"error: timed out waiting for the condition on {t.info.group_resource}/"
                    f"{t.name}"
                )
                return

    def _wait_gone(self, t: _Target, uid: str, deadline: float) -> bool:
        """wait.go IsDeleted: GET; gone (404 or another uid) ends it, else watch by name
        until a DELETED event or the deadline."""
        try:
            obj = self._get(t.info, t.name, t.namespace)
        except NotFound:
            return True
        if uid and str(_meta(obj).get("uid", "")) != uid:
            return True
        rv = str(_meta(obj).get("resourceVersion", ""))
        done = self.world.env.event()

        def on_event(etype: str, ev_obj: dict[str, Any]) -> None:
            if etype == "DELETED" and not done.triggered:
                done.succeed(True)

        handle = self.client.watch_async(
            t.info.resource,
            t.namespace,
            group=t.info.group,
            resource_version=rv,
            field_selector=f"metadata.name={t.name}",
            on_event=on_event,
        )
        remaining = max(deadline - self.world.now, 0.0)
        try:
            self.world.wait(done, timeout=remaining)
            return True
        except TimeoutError:
            return False
        finally:
            handle.stop()

    # -- label, annotate, patch ----------------------------------------------------------------

    def _live_targets(self, cmd: cli.Command) -> list[tuple[_Target, Obj]]:
        out: list[tuple[_Target, Obj]] = []
        for t in self._targets(cmd):
            if t.obj is not None and t.source == "":
                out.append((t, t.obj))
                continue
            try:
                out.append((t, self._get(t.info, t.name, t.namespace)))
            except APIStatusError as err:
                self._o.error(_error_text(err))
        return out

    def cmd_label(self, cmd: cli.Command) -> None:
        """``kubectl label``: GET, then a JSON merge patch of ``metadata.labels``."""
        self._label_like(cmd, "labels")

    def cmd_annotate(self, cmd: cli.Command) -> None:
        """``kubectl annotate``: GET, then a JSON merge patch of ``metadata.annotations``."""
        self._label_like(cmd, "annotations")

    def _label_like(self, cmd: cli.Command, key: str) -> None:
        overwrite = bool(cmd.flag("overwrite"))
        manager = "kubectl-label" if key == "labels" else "kubectl-annotate"
        query = {"fieldManager": str(cmd.flag("field-manager") or manager)}
        if cmd.dry_run == "server":
            query["dryRun"] = "All"
        for t, live in self._live_targets(cmd):
            old = copy.deepcopy(live)
            new = copy.deepcopy(live)
            meta = new.setdefault("metadata", {})
            current = dict(meta.get(key) or {})
            if cmd.flag("list"):
                for k in sorted(current):
                    self._o.print(f"{k}={current[k]}\n")
                continue
            if key == "labels":
                for r in cmd.removals:
                    if r not in current:
                        self._o.print(f"label {go_quote(r)} not found.\n")
            if not overwrite:
                # label.go validateNoOverwrites / annotate.go validateNoAnnotationOverwrites
                clash = [k for k in sorted(cmd.pairs) if k in current]
                if key == "annotations":
                    clash = [k for k in clash if k != CHANGE_CAUSE]
                if clash and key == "labels":
                    self._o.error(
                        "\n".join(
                            f"error: '{k}' already has a value ({current[k]}), and --overwrite "
                            "is false"
                            for k in clash
                        )
                    )
                    continue
                if clash:
                    listed = "; ".join(f"'{k}' already has a value ({current[k]})" for k in clash)
                    self._o.error(
                        "error: --overwrite is false but found the following declared "
                        f"annotation(s): {listed}"
                    )
                    continue
            current.update(cmd.pairs)
            for r in cmd.removals:
                current.pop(r, None)
            meta[key] = current
            old_json, new_json = go_json(old), go_json(new)
            patch = create_merge_patch(old, new)
            if cmd.dry_run != "client":
                self._request(
                    "PATCH",
                    resource_path(t.info, t.namespace, t.name),
                    query=query,
                    body=patch,
                    content_type=_MERGE,
                )
            if key == "labels":
                # label.go updateDataChangeMsg
                msg = "not labeled"
                if old_json != new_json:
                    msg = "labeled"
                    if not overwrite and len(new_json) < len(old_json):
                        msg = "unlabeled"
            else:
                msg = "annotated"
            suffix = {"server": " (server dry run)", "client": " (dry run)"}.get(cmd.dry_run, "")
            self._o.print(f"{_kind_prefix(t.info)}/{t.name} {msg}{suffix}\n")

    def cmd_patch(self, cmd: cli.Command) -> None:
        """``kubectl patch``: GET, then PATCH; ``patched`` or ``patched (no change)``."""
        ptype = str(cmd.flag("type") or "strategic")
        text = cmd.patch or ""
        if not text and cmd.flag("patch-file"):
            text = _read_text(str(cmd.flag("patch-file")))
        try:
            body = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise _Fail(f"error: unable to parse {go_quote(text)}: yaml: {err}") from None
        query = {"fieldManager": str(cmd.flag("field-manager") or "kubectl-patch")}
        if cmd.dry_run == "server":
            query["dryRun"] = "All"
        sub = str(cmd.flag("subresource") or "") or None
        for t in self._targets(cmd):
            try:
                before = self._get(t.info, t.name, t.namespace)
                after = _with_type(
                    self._request(
                        "PATCH",
                        resource_path(t.info, t.namespace, t.name, sub),
                        query=query,
                        body=body,
                        content_type=_PATCH_TYPES[ptype],
                    ),
                    t.info,
                )
            except (APIStatusError, ServerUnavailable) as err:
                self._o.error(_error_text(err))
                continue
            # patch.go: didPatch := !reflect.DeepEqual(info.Object, patchedObj)
            what = "patched" if after != before else "patched (no change)"
            self._o.print(f"{_kind_prefix(t.info)}/{t.name} {what}\n")

    # -- nodes and scale -----------------------------------------------------------------------

    def cmd_cordon(self, cmd: cli.Command) -> None:
        """``kubectl cordon|uncordon``: a strategic merge patch of ``spec.unschedulable``."""
        wanted = cmd.verb == "cordon"
        if cmd.verb == "drain":
            raise _Fail('error: kubelab does not model "kubectl drain" yet')
        for t, live in self._live_targets(cmd):
            spec = live.get("spec") or {}
            word = "cordoned" if wanted else "uncordoned"
            if bool(spec.get("unschedulable")) == wanted:
                self._o.print(f"node/{t.name} already {word}\n")
                continue
            new = copy.deepcopy(live)
            new_spec = new.setdefault("spec", {})
            if wanted:
                new_spec["unschedulable"] = True
            else:
                new_spec.pop("unschedulable", None)
            patch = create_two_way_merge_patch("Node", live, new)
            if cmd.dry_run != "client":
                query = {"dryRun": "All"} if cmd.dry_run == "server" else None
                self._request(
                    "PATCH",
                    resource_path(t.info, None, t.name),
                    query=query,
                    body=patch,
                    content_type=_STRATEGIC,
                )
            suffix = {"server": " (server dry run)", "client": " (dry run)"}.get(cmd.dry_run, "")
            self._o.print(f"node/{t.name} {word}{suffix}\n")

    def cmd_taint(self, cmd: cli.Command) -> None:
        """``kubectl taint nodes``: a strategic merge patch of ``spec.taints``."""
        overwrite = bool(cmd.flag("overwrite"))
        for t, live in self._live_targets(cmd):
            old_taints = list((live.get("spec") or {}).get("taints") or [])
            try:
                new_taints, operation = _reorganize_taints(
                    t.name,
                    old_taints,
                    overwrite,
                    cmd.taints_to_add,
                    cmd.taints_to_remove,
                    self.world.timestamp(),
                )
            except ValueError as err:
                self._o.error(f"error: {err}")
                continue
            new = copy.deepcopy(live)
            new.setdefault("spec", {})["taints"] = new_taints
            if not new_taints:
                new["spec"].pop("taints")
            patch = create_two_way_merge_patch("Node", live, new)
            query = {"fieldManager": str(cmd.flag("field-manager") or "kubectl-taint")}
            if cmd.dry_run != "client":
                if cmd.dry_run == "server":
                    query["dryRun"] = "All"
                self._request(
                    "PATCH",
                    resource_path(t.info, None, t.name),
                    query=query,
                    body=patch,
                    content_type=_STRATEGIC,
                )
            self._o.print(f"node/{t.name} {operation}\n")

    def cmd_scale(self, cmd: cli.Command) -> None:
        """``kubectl scale``: a merge patch of the ``scale`` subresource (kinds without one
        get the server's 404)."""
        replicas = int(cmd.flag("replicas"))
        for t in self._targets(cmd):
            query = {"dryRun": "All"} if cmd.dry_run == "server" else None
            if cmd.dry_run != "client":
                try:
                    self._request(
                        "PATCH",
                        resource_path(t.info, t.namespace, t.name, "scale"),
                        query=query,
                        body={"spec": {"replicas": replicas}},
                        content_type=_MERGE,
                    )
                except (APIStatusError, ServerUnavailable) as err:
                    self._o.error(_error_text(err))
                    continue
            self._o.print(f"{_kind_prefix(t.info)}/{t.name} scaled\n")

    # -- auth ----------------------------------------------------------------------------------

    def cmd_can_i(self, cmd: cli.Command) -> None:
        """``kubectl auth can-i``: a SelfSubjectAccessReview (or RulesReview for ``--list``);
        ``yes`` exits 0, ``no`` exits 1."""
        ns = "" if cmd.all_namespaces else self._ns(cmd)
        if cmd.flag("list"):
            body = {
                "kind": "SelfSubjectRulesReview",
                "apiVersion": "authorization.k8s.io/v1",
                "metadata": {"creationTimestamp": None},
                "spec": {"namespace": self._ns(cmd)},
                "status": {"resourceRules": None, "nonResourceRules": None, "incomplete": False},
            }
            resp = self._request(
                "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", body=body
            )
            status = resp.get("status", {}) if isinstance(resp, dict) else {}
            self._o.print(format_can_i_list(status, no_headers=bool(cmd.flag("no-headers"))))
            return
        spec: Obj
        if cmd.non_resource_url is not None:
            spec = {"nonResourceAttributes": {"path": cmd.non_resource_url,
                                              "verb": cmd.access_verb or ""}}  # fmt: skip
        else:
            target = cmd.args[1]
            word, _, name = target.partition("/")
            if cmd.resources:
                info = cmd.resources[0][0]
                resource, group = info.resource, info.group
            else:
                resource, group = (word.lower(), "") if word != "*" else ("*", "")
            attrs: Obj = {"namespace": ns, "verb": cmd.access_verb or "", "resource": resource}
            if group:
                attrs["group"] = group
            sub = str(cmd.flag("subresource") or "")
            if sub:
                attrs["subresource"] = sub
            if name:
                attrs["name"] = name
            spec = {"resourceAttributes": attrs}
        body = {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "spec": spec,
            "status": {"allowed": False},
        }
        resp = self._request(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=body
        )
        status = resp.get("status", {}) if isinstance(resp, dict) else {}
        quiet = bool(cmd.flag("quiet"))
        if status.get("allowed"):
            if not quiet:
                self._o.print("yes\n")
            return
        # cani.go RunAccessCheck: "no", then " - reason" and " - evaluationError" if any
        line = "no"
        if status.get("reason"):
            line += f" - {status['reason']}"
        if status.get("evaluationError"):
            line += f" - {status['evaluationError']}"
        if not quiet:
            self._o.print(line + "\n")
        self._o.code = 1

    def cmd_whoami(self, cmd: cli.Command) -> None:
        """``kubectl auth whoami``: a SelfSubjectReview, printed as an ATTRIBUTE/VALUE table."""
        body = {
            "kind": "SelfSubjectReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "status": {"userInfo": {}},
        }
        try:
            resp = self._request(
                "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", body=body
            )
            info = (resp.get("status") or {}).get("userInfo") or {}
        except NotFound:
            # Not served by kubelab's server: what its x509 authenticator makes of our
            # certificate (authn.go; the authenticated-group adder appends the last group).
            groups = list(self.groups)
            if "system:authenticated" not in groups:
                groups.append("system:authenticated")
            info = {"username": self.user, "groups": groups}
            resp = {
                "kind": "SelfSubjectReview",
                "apiVersion": "authentication.k8s.io/v1",
                "metadata": {"creationTimestamp": None},
                "status": {"userInfo": info},
            }
        fmt = cmd.output_format
        if fmt:
            self._o.print(self._render(cmd, [resp], True))
            return
        rows = ["ATTRIBUTE\tVALUE", f"Username\t{info.get('username', '')}"]
        if info.get("uid"):
            rows.append(f"UID\t{info['uid']}")
        if info.get("groups"):
            rows.append(f"Groups\t[{' '.join(info['groups'])}]")
        for k in sorted(info.get("extra") or {}):
            rows.append(f"Extra: {k}\t[{' '.join(info['extra'][k])}]")
        self._o.print(tabwrite("\n".join(rows) + "\n", TABLE))

    # -- discovery, explain, version -------------------------------------------------------

    def _discovery(self) -> list[tuple[str, list[Obj]]]:
        """``(groupVersion, resources)`` for every served group version, in server order."""
        out: list[tuple[str, list[Obj]]] = []
        api = self._request("GET", "/api")
        for v in api.get("versions", []):
            doc = self._request("GET", f"/api/{v}")
            out.append((str(v), list(doc.get("resources", []))))
        apis = self._request("GET", "/apis")
        for g in apis.get("groups", []):
            gv = str((g.get("preferredVersion") or {}).get("groupVersion", ""))
            if not gv:
                continue
            doc = self._request("GET", f"/apis/{gv}")
            out.append((gv, list(doc.get("resources", []))))
        return out

    def cmd_api_resources(self, cmd: cli.Command) -> None:
        """``kubectl api-resources``: NAME SHORTNAMES APIVERSION NAMESPACED KIND."""
        fmt = str(cmd.flag("output") or "")
        group_filter = str(cmd.flag("api-group") or "")
        ns_filter = cmd.flag("namespaced", True) if "namespaced" in cmd.changed else None
        verbs = list(cmd.flag("verbs") or [])
        rows: list[tuple[str, str, str, bool, str, list[str], list[str], str]] = []
        for gv, resources in self._discovery():
            group = gv.split("/")[0] if "/" in gv else ""
            if "api-group" in cmd.changed and group != group_filter:
                continue
            for res in resources:
                name = str(res.get("name", ""))
                if "/" in name:
                    continue
                if ns_filter is not None and bool(res.get("namespaced")) != ns_filter:
                    continue
                rverbs = [str(v) for v in res.get("verbs", [])]
                if verbs and not all(v in rverbs for v in verbs):
                    continue
                rows.append(
                    (
                        name,
                        ",".join(res.get("shortNames") or []),
                        gv,
                        bool(res.get("namespaced")),
                        str(res.get("kind", "")),
                        rverbs,
                        [str(c) for c in res.get("categories") or []],
                        group,
                    )
                )
        sort = str(cmd.flag("sort-by") or "")
        if sort == "name":
            rows.sort(key=lambda r: r[0])
        elif sort == "kind":
            rows.sort(key=lambda r: r[4])
        if fmt == "name":
            self._o.print("".join(f"{r[0]}.{r[7]}\n" if r[7] else f"{r[0]}\n" for r in rows))
            return
        lines = []
        if not cmd.flag("no-headers"):
            head = "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND"
            lines.append(head + ("\tVERBS\tCATEGORIES" if fmt == "wide" else ""))
        for r in rows:
            line = f"{r[0]}\t{r[1]}\t{r[2]}\t{str(r[3]).lower()}\t{r[4]}"
            if fmt == "wide":
                line += f"\t[{' '.join(r[5])}]\t{','.join(r[6])}"
            lines.append(line)
        if rows:
            self._o.print(tabwrite("\n".join(lines) + "\n", TABLE))

    def cmd_api_versions(self, cmd: cli.Command) -> None:
        """``kubectl api-versions``: every group version, sorted."""
        gvs = sorted(gv for gv, _ in self._discovery())
        self._o.print("".join(f"{gv}\n" for gv in gvs))

    def cmd_version(self, cmd: cli.Command) -> None:
        """``kubectl version``: client, kustomize and server versions."""
        client = {
            "major": "1",
            "minor": "32",
            "gitVersion": CLIENT_VERSION,
            "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
            "gitTreeState": "clean",
            "buildDate": "2024-12-11T18:05:36Z",
            "goVersion": "go1.23.3",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
        fmt = cmd.output_format
        server: Obj | None = None
        err: BaseException | None = None
        if not cmd.flag("client"):
            try:
                server = self._request("GET", "/version")
            except (APIStatusError, ServerUnavailable) as e:
                err = e
        if fmt in ("json", "yaml"):
            doc: Obj = {"clientVersion": client, "kustomizeVersion": KUSTOMIZE_VERSION}
            if server is not None:
                doc["serverVersion"] = server
            self._o.print(to_json(doc) if fmt == "json" else to_yaml(doc))
        else:
            self._o.print(f"Client Version: {CLIENT_VERSION}\n")
            self._o.print(f"Kustomize Version: {KUSTOMIZE_VERSION}\n")
            if server is not None:
                self._o.print(f"Server Version: {server.get('gitVersion', '')}\n")
        if err is not None:
            self._o.error(_error_text(err))

    def cmd_cluster_info(self, cmd: cli.Command) -> None:
        """``kubectl cluster-info``: where the control plane answers, and the cluster
        services (``kubernetes.io/cluster-service=true`` in kube-system)."""
        if cmd.subverb == "dump":
            raise _Fail('error: kubelab does not model "kubectl cluster-info dump"')
        base = f"https://{self.client.endpoint}:{SECURE_PORT}"
        services, _ = self._list(
            kind_info("v1", "Service"),
            "kube-system",
            label_selector="kubernetes.io/cluster-service=true",
        )
        base = f"https://{self.client.endpoint}:{SECURE_PORT}"
        lines = [f"Kubernetes control plane is running at {base}\n"]
        for svc in services:
            name = _name_of(svc)
            label = (_meta(svc).get("labels") or {}).get("kubernetes.io/name", name)
            ports = (svc.get("spec") or {}).get("ports") or []
            port = ports[0].get("name") if ports else ""
            link = f"{base}/api/v1/namespaces/kube-system/services/{name}"
            link += f":{port}/proxy" if port else "/proxy"
            lines.append(f"{label} is running at {link}\n")
        lines.append(
            "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
        )
        self._o.print("".join(lines))

    def cmd_explain(self, cmd: cli.Command) -> None:
        """``kubectl explain``: the fields of a kind (or of a field), from kubelab's schema."""
        info = cmd.resources[0][0]
        try:
            self._o.print(explain(info, cmd.field_path, recursive=bool(cmd.flag("recursive"))))
        except KeyError as err:
            raise _Fail(f"error: {err.args[0]}") from None

    def cmd_help(self, cmd: cli.Command) -> None:
        """``kubectl --help``: kubelab prints a short pointer instead of the full help."""
        self._o.print(
            "kubectl controls the Kubernetes cluster manager.\n\n"
            " Find more information at: https://kubernetes.io/docs/reference/kubectl/\n"
        )


# -------------------------------------------------------------------------------- helpers


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as err:
        raise _Fail(f"error: {err}") from None


def _validation(cmd: cli.Command) -> str:
    value = str(cmd.flag("validate", "strict"))
    lowered = {"true": "Strict", "strict": "Strict", "warn": "Warn", "ignore": "Ignore"}
    return lowered.get(
        value.lower(), "Ignore" if value.lower() in ("false", "0", "f") else "Strict"
    )


def _with_last_applied(obj: Mapping[str, Any]) -> Obj:
    """util/apply.go GetModifiedConfiguration(obj, annotate=true): the object without the
    annotation, serialized as JSON (``json.Encoder`` ends it with a newline), stored as the
    ``last-applied-configuration`` annotation of the object sent."""
    out = copy.deepcopy(dict(obj))
    meta = out.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    text = go_json(out) + "\n"
    annotations = dict(annotations)
    annotations[LAST_APPLIED] = text
    meta["annotations"] = annotations
    return out


def _container_name(image: str) -> str:
    """create_deployment.go buildPodSpec: the image's last path part, tag and digest cut."""
    name = image.split("/")[-1].split(":")[0].split("@")[0]
    return name.replace("_", "-")


def _generated(what: str, name: str, cmd: cli.Command) -> Obj:
    """The object a ``kubectl create <what>`` generator builds, as the typed Go struct
    serializes it (``creationTimestamp: null``, empty ``spec``/``status`` structs)."""
    meta: Obj = {"creationTimestamp": None, "name": name}
    if what == "namespace":
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta, "spec": {},
                "status": {}}  # fmt: skip
    if what == "serviceaccount":
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
    if what == "configmap":
        data: dict[str, str] = {}
        for literal in cmd.flag("from-literal") or []:
            key, sep, value = str(literal).partition("=")
            if not sep or not key:
                raise _Fail(f"error: invalid literal source {literal}, expected key=value")
            if key in data:
                raise _Fail(
                    f"error: cannot add key {key}, another key by that name already exists in "
                    f"Data for ConfigMap {go_quote(name)}"
                )
            data[key] = value
        if cmd.flag("from-file") or cmd.flag("from-env-file"):
            raise _Fail('error: kubelab does not model "kubectl create configmap --from-file"')
        out: Obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
        if data:
            out["data"] = data
        return out
    labels = {"app": name}
    containers: list[Obj] = [
        {"image": str(image), "name": _container_name(str(image)), "resources": {}}
        for image in cmd.flag("image") or []
    ]
    port = int(cmd.flag("port", -1))
    if port >= 0 and containers:
        containers[0]["ports"] = [{"containerPort": port}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {**meta, "labels": dict(labels)},
        "spec": {
            "replicas": int(cmd.flag("replicas", 1)),
            "selector": {"matchLabels": dict(labels)},
            "strategy": {},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": dict(labels)},
                "spec": {"containers": containers},
            },
        },
        "status": {},
    }


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _missing_namespace(err: StatusError) -> str:
    details = err.details or {}
    if details.get("kind") == "namespaces":
        return str(details.get("name", ""))
    return ""


def _selector_string(obj: Mapping[str, Any]) -> str:
    sel = (obj.get("spec") or {}).get("selector") or {}
    labels = sel.get("matchLabels") or {}
    parts = [f"{k}={labels[k]}" for k in sorted(labels)]
    for req in sel.get("matchExpressions") or []:
        op = str(req.get("operator", ""))
        key = str(req.get("key", ""))
        values = ",".join(sorted(str(v) for v in req.get("values") or []))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _controlled_by(obj: Mapping[str, Any], uid: Any) -> bool:
    for ref in _meta(obj).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("uid") == uid:
            return True
    return False


def _reorganize_taints(
    node: str,
    old: list[Obj],
    overwrite: bool,
    add: Sequence[Mapping[str, str]],
    remove: Sequence[Mapping[str, str]],
    now: str,
) -> tuple[list[Obj], str]:
    """taint.go reorganizeTaints + validateNoTaintOverwrites: the node's new taints and the
    word kubectl prints (``tainted``, ``untainted``, ``modified``)."""
    if not overwrite:
        for a in add:
            for t in old:
                if t.get("key") == a["key"] and t.get("effect") == a["effect"]:
                    raise ValueError(
                        f"node {node} already has {a['key']} taint(s) with same effect(s) and "
                        "--overwrite is false"
                    )
    new: list[Obj] = []
    for a in add:
        taint: Obj = {"key": a["key"], "effect": a["effect"]}
        if a.get("value"):
            taint["value"] = a["value"]
        if a["effect"] == "NoExecute":
            taint["timeAdded"] = now
        new.append(taint)
    # taint.go: keep the old taints that are neither replaced nor removed
    all_removed: list[Obj] = []
    for t in old:
        replaced = any(t.get("key") == a["key"] and t.get("effect") == a["effect"] for a in add)
        removed = any(
            t.get("key") == r["key"] and (not r["effect"] or t.get("effect") == r["effect"])
            for r in remove
        )
        if removed:
            all_removed.append(t)
        if not replaced and not removed:
            new.append(copy.deepcopy(t))
    for r in remove:
        if not any(
            t.get("key") == r["key"] and (not r["effect"] or t.get("effect") == r["effect"])
            for t in old
        ):
            spec = f"{r['key']}:{r['effect']}" if r["effect"] else r["key"]
            raise ValueError(f"taint {go_quote(spec)} not found")
    if add and remove:
        operation = "modified"
    elif add:
        operation = "tainted"
    else:
        operation = "untainted"
    # strategic patch order: added taints first, then the old ones kept
    return new, operation


_Handler = Callable[[Kubectl, cli.Command], None]
_HANDLERS: Final[dict[tuple[str, str | None], _Handler]] = {
    ("get", None): Kubectl.cmd_get,
    ("describe", None): Kubectl.cmd_describe,
    ("apply", None): Kubectl.cmd_apply,
    ("create", None): Kubectl.cmd_create,
    ("replace", None): Kubectl.cmd_replace,
    ("delete", None): Kubectl.cmd_delete,
    ("label", None): Kubectl.cmd_label,
    ("annotate", None): Kubectl.cmd_annotate,
    ("patch", None): Kubectl.cmd_patch,
    ("cordon", None): Kubectl.cmd_cordon,
    ("uncordon", None): Kubectl.cmd_cordon,
    ("drain", None): Kubectl.cmd_cordon,
    ("taint", None): Kubectl.cmd_taint,
    ("scale", None): Kubectl.cmd_scale,
    ("auth", "can-i"): Kubectl.cmd_can_i,
    ("auth", "whoami"): Kubectl.cmd_whoami,
    ("api-resources", None): Kubectl.cmd_api_resources,
    ("api-versions", None): Kubectl.cmd_api_versions,
    ("version", None): Kubectl.cmd_version,
    ("cluster-info", None): Kubectl.cmd_cluster_info,
    ("explain", None): Kubectl.cmd_explain,
    ("help", None): Kubectl.cmd_help,
}


# -------------------------------------------------------------------------------- explain

_CONVENTIONS: Final = (
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
)

#: Short descriptions of the kinds, written for kubelab (the API reference has the full text).
_KIND_DOCS: Final[dict[str, str]] = {
    "Pod": "A group of containers that share a network namespace and volumes, scheduled "
    "together onto one node.",
    "Deployment": "Declares the desired state of a set of identical pods; its controller "
    "rolls ReplicaSets forward (and back) to reach it.",
    "ReplicaSet": "Keeps a given number of pods matching its selector running.",
    "Service": "A stable virtual address and name in front of the pods its selector matches.",
    "ConfigMap": "Non-secret configuration data as key-value pairs, for pods to consume.",
    "Secret": "Sensitive data (passwords, tokens, keys) as base64-encoded key-value pairs.",
    "Namespace": "A scope for names; most objects live in exactly one namespace.",
    "Node": "A worker machine; its kubelet registers it and reports its status.",
    "ServiceAccount": "An identity for processes that run in pods.",
    "Endpoints": "The addresses behind a Service (superseded by EndpointSlices).",
    "EndpointSlice": "A slice of the network endpoints behind a Service.",
    "Event": "A report of something that happened to an object, for people to read.",
    "Lease": "A short-lived claim: leader election and node heartbeats use Leases.",
    "Role": "A namespaced set of RBAC permission rules.",
    "ClusterRole": "A cluster-wide set of RBAC permission rules.",
    "RoleBinding": "Grants the rules of a Role or ClusterRole to subjects within a namespace.",
    "ClusterRoleBinding": "Grants the rules of a ClusterRole to subjects in every namespace.",
    "LimitRange": "Default and allowed resource requests and limits in a namespace.",
    "ResourceQuota": "Caps the total resources and object counts of a namespace.",
}

#: Short descriptions of common fields (``Type.field``), written for kubelab.
_FIELD_DOCS: Final[dict[str, str]] = {
    "*.apiVersion": "The versioned schema of this object (group/version). More info: "
    f"{_CONVENTIONS}#resources",
    "*.kind": "The REST resource this object represents, in CamelCase. More info: "
    f"{_CONVENTIONS}#types-kinds",
    "*.metadata": f"Standard object metadata. More info: {_CONVENTIONS}#metadata",
    "*.spec": f"The desired state, written by users. More info: {_CONVENTIONS}#spec-and-status",
    "*.status": "The observed state, written by the system; read-only for users. More info: "
    f"{_CONVENTIONS}#spec-and-status",
    "ObjectMeta.name": "Unique name within the namespace (per kind); cannot be updated.",
    "ObjectMeta.generateName": "A prefix the server completes with random characters when "
    "no name is given.",
    "ObjectMeta.namespace": "The namespace the object lives in; empty for cluster-scoped objects.",
    "ObjectMeta.uid": "Unique identity the server assigns on creation; never reused.",
    "ObjectMeta.resourceVersion": "Opaque version of this object, for optimistic "
    "concurrency and watches.",
    "ObjectMeta.generation": "Sequence number of changes to the desired state.",
    "ObjectMeta.creationTimestamp": "When the server created the object.",
    "ObjectMeta.deletionTimestamp": "When graceful deletion of the object was requested.",
    "ObjectMeta.labels": "Key-value pairs that selectors match on.",
    "ObjectMeta.annotations": "Unstructured key-value data for tools; not used by selectors.",
    "ObjectMeta.ownerReferences": "The objects this one depends on; the garbage collector "
    "deletes it when they are gone.",
    "ObjectMeta.finalizers": "Tasks that must finish before the object is removed.",
    "PodSpec.containers": "The containers of the pod; at least one.",
    "PodSpec.initContainers": "Containers run to completion, in order, before the others start.",
    "PodSpec.nodeName": "The node the pod is bound to; set by the scheduler.",
    "PodSpec.nodeSelector": "Labels a node must have for the pod to be scheduled there.",
    "PodSpec.restartPolicy": "Always, OnFailure or Never. Default: Always.",
    "PodSpec.serviceAccountName": "The ServiceAccount the pod runs as.",
    "PodSpec.schedulerName": "Which scheduler places the pod. Default: default-scheduler.",
    "PodSpec.tolerations": "Taints the pod tolerates.",
    "PodSpec.affinity": "Node and pod affinity and anti-affinity rules.",
    "PodSpec.volumes": "Volumes the containers may mount.",
    "PodSpec.priority": "Scheduling priority, filled in from priorityClassName.",
    "PodSpec.terminationGracePeriodSeconds": "Seconds between the stop signal and the kill "
    "signal on deletion. Default: 30.",
    "Container.name": "Name of the container, unique within the pod (a DNS label).",
    "Container.image": "Container image name.",
    "Container.command": "Entrypoint array; replaces the image's ENTRYPOINT.",
    "Container.args": "Arguments to the entrypoint; replace the image's CMD.",
    "Container.ports": "Ports the container exposes (informational).",
    "Container.env": "Environment variables to set in the container.",
    "Container.resources": "Compute resources the container requests and may use at most.",
    "Container.imagePullPolicy": "Always, Never or IfNotPresent. Default: Always for the "
    ":latest tag, IfNotPresent otherwise.",
    "Container.volumeMounts": "Volumes mounted into the container's filesystem.",
    "Container.livenessProbe": "Restarts the container when the probe fails.",
    "Container.readinessProbe": "Removes the pod from Service endpoints while the probe fails.",
    "ResourceRequirements.requests": "The resources the scheduler reserves for the container.",
    "ResourceRequirements.limits": "The most the container may use.",
    "DeploymentSpec.replicas": "Number of desired pods. Default: 1.",
    "DeploymentSpec.selector": "Label selector for the pods; must match the template's "
    "labels and cannot change.",
    "DeploymentSpec.template": "The pods to create.",
    "DeploymentSpec.strategy": "How to replace old pods with new ones.",
    "DeploymentSpec.minReadySeconds": "Seconds a new pod must be ready to count as available.",
    "DeploymentSpec.revisionHistoryLimit": "Old ReplicaSets to keep for rollback. Default: 10.",
    "DeploymentSpec.paused": "Whether the rollout is paused.",
    "DeploymentSpec.progressDeadlineSeconds": "Seconds before a stalled rollout is reported "
    "as failed. Default: 600.",
    "ReplicaSetSpec.replicas": "Number of desired pods. Default: 1.",
    "ReplicaSetSpec.selector": "Label selector for the pods it owns.",
    "ReplicaSetSpec.template": "The pods to create when too few exist.",
    "ServiceSpec.type": "ClusterIP, NodePort, LoadBalancer or ExternalName. Default: ClusterIP.",
    "ServiceSpec.selector": "Pods with these labels receive the Service's traffic.",
    "ServiceSpec.ports": "The ports the Service exposes.",
    "ServiceSpec.clusterIP": "The virtual IP of the Service, usually allocated by the server.",
    "ServicePort.port": "The port the Service listens on.",
    "ServicePort.targetPort": "The port (number or name) on the pods. Default: port.",
    "ServicePort.nodePort": "The port on every node for NodePort and LoadBalancer Services.",
    "ServicePort.protocol": "TCP, UDP or SCTP. Default: TCP.",
    "NodeSpec.unschedulable": "Whether new pods may be scheduled here (kubectl cordon sets it).",
    "NodeSpec.taints": "Taints that repel pods which do not tolerate them.",
}

#: Required fields (the ``-required-`` mark), from the API types' ``+required`` markers.
_REQUIRED: Final = frozenset(
    {
        "PodSpec.containers",
        "Container.name",
        "ContainerPort.containerPort",
        "EnvVar.name",
        "VolumeMount.name",
        "VolumeMount.mountPath",
        "Volume.name",
        "DeploymentSpec.selector",
        "DeploymentSpec.template",
        "ReplicaSetSpec.selector",
        "ServicePort.port",
        "LabelSelectorRequirement.key",
        "LabelSelectorRequirement.operator",
        "OwnerReference.apiVersion",
        "OwnerReference.kind",
        "OwnerReference.name",
        "OwnerReference.uid",
        "PolicyRule.verbs",
        "RoleRef.apiGroup",
        "RoleRef.kind",
        "RoleRef.name",
        "Subject.kind",
        "Subject.name",
        "Taint.key",
        "Taint.effect",
        "RoleBinding.roleRef",
        "ClusterRoleBinding.roleRef",
    }
)

_EXPLAIN_NOTE: Final = (
    "(kubelab: descriptions are abbreviated; the Kubernetes API reference has them in full)\n"
)


def _schema_types() -> tuple[dict[str, tuple[str, dict[str, str]]], dict[tuple[str, str], str]]:
    """The API server's decoding table (type name -> (Go package, {field: type})) and the
    root type of each (apiVersion, kind); empty when that module's layout is not the one
    expected (explain then shows only the top-level fields)."""
    from kubelab.apiserver.registry import schema

    types = getattr(schema, "_TYPES", None)
    roots = getattr(schema, "_ROOTS", None)
    if not isinstance(types, dict) or not isinstance(roots, dict):
        return {}, {}
    return types, roots


def _type_word(typ: str) -> str:
    """How ``kubectl explain`` names a field's type (``<[]Container>``, ``<integer>``)."""
    if typ.startswith("["):
        return "[]" + _type_word(typ[1:-1])
    if typ.startswith("{"):
        return "map[string]" + _type_word(typ[1:-1])
    return {
        "string": "string",
        "int32": "integer",
        "int64": "integer",
        "bool": "boolean",
        "quantity": "Quantity",
        "intstr": "IntOrString",
        "time": "string",
        "microtime": "string",
        "any": "Object",
        "EventsV1Event": "Event",
    }.get(typ, typ)


def _struct_of(typ: str) -> str:
    while typ.startswith(("[", "{")):
        typ = typ[1:-1]
    return typ


def _wrap(text: str, indent: int) -> str:
    import textwrap

    pad = " " * indent
    return (
        textwrap.fill(
            text,
            width=80,
            initial_indent=pad,
            subsequent_indent=pad,
            break_on_hyphens=False,
            break_long_words=False,
        )
        + "\n"
    )


def _field_doc(struct: str, name: str) -> str:
    return (
        _FIELD_DOCS.get(f"{struct}.{name}")
        or _FIELD_DOCS.get(f"*.{name}")
        or "(not described in kubelab's abbreviated schema)"
    )


def explain(info: KindInfo, path: Sequence[str], *, recursive: bool = False) -> str:
    """What ``kubectl explain <resource>[.field...]`` prints, from kubelab's field schema
    (:mod:`kubelab.apiserver.registry.schema`) with short descriptions. Raises ``KeyError``
    with kubectl's ``field "x" does not exist``."""
    types, roots = _schema_types()
    root = roots.get((info.api_version, info.kind)) or info.kind
    if root in types:
        fields = dict(types[root][1])
    else:
        fields = {
            "apiVersion": "string",
            "kind": "string",
            "metadata": "ObjectMeta",
            "spec": "any",
            "status": "any",
        }
    struct, typ, doc = root, root, _KIND_DOCS.get(info.kind, "")
    field_name = ""
    for part in path:
        if part not in fields:
            raise KeyError(f"field {go_quote(part)} does not exist")
        typ = fields[part]
        doc = _field_doc(struct, part)
        field_name = part
        struct = _struct_of(typ)
        fields = dict(types[struct][1]) if struct in types else {}
    out: list[str] = []
    if info.group:
        out.append(f"GROUP:      {info.group}\n")
    out.append(f"KIND:       {info.kind}\n")
    out.append(f"VERSION:    {info.version}\n\n")
    if field_name:
        out.append(f"FIELD: {field_name} <{_type_word(typ)}>\n\n")
    out.append("DESCRIPTION:\n")
    out.append(_wrap(doc or "(not described in kubelab's abbreviated schema)", 4))
    out.append("    \n")
    if fields:
        out.append("FIELDS:\n")

        def walk(
            struct_name: str, flds: Mapping[str, str], level: int, seen: tuple[str, ...]
        ) -> None:
            for name, ftype in flds.items():
                req = " -required-" if f"{struct_name}.{name}" in _REQUIRED else ""
                out.append(f"{'  ' * level}{name}\t<{_type_word(ftype)}>{req}\n")
                inner = _struct_of(ftype)
                if recursive:
                    if inner in types and inner not in seen:
                        walk(inner, types[inner][1], level + 1, (*seen, inner))
                else:
                    out.append(_wrap(_field_doc(struct_name, name), 2 * level + 2))
                    out.append("\n")

        walk(struct, fields, 1, (struct,))
    out.append("\n" + _EXPLAIN_NOTE)
    return "".join(out)
