"""ServiceAccount: every pod runs as a service account, and gets its API token mounted.

Model of ``plugin/pkg/admission/serviceaccount/admission.go`` (Kubernetes 1.32), for Pod
CREATEs (no subresource):

* mutate (``Admit``): an empty ``spec.serviceAccountName`` becomes ``default``; the service
  account must exist, else 403 ``pods "x" is forbidden: error looking up service account
  ns/name: serviceaccount "name" not found``; unless automounting is switched off (on the
  pod, else on the service account) a projected volume ``kube-api-access-<5 chars>`` (bound
  token, ``kube-root-ca.crt``, the namespace) is added and mounted read-only at
  ``/var/run/secrets/kubernetes.io/serviceaccount`` in every container and init container
  that has nothing mounted there; a pod without ``imagePullSecrets`` gets the service
  account's;
* validate: the service account still exists; a mirror pod (``kubernetes.io/config.mirror``
  annotation) may not name a service account, reference secrets or project tokens; a
  service account annotated ``kubernetes.io/enforce-mountable-secrets: "true"`` limits the
  secrets the pod may reference to its own ``secrets`` list.

The five random characters come from the ``random.Random`` given to the plugin (upstream:
``names.SimpleNameGenerator``, the same alphabet), so runs are reproducible.

The mountable-secrets check looks where upstream looks: secret volumes, ``env``
``secretKeyRef``s and ``imagePullSecrets`` (not ``envFrom`` or projected secrets).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Final, TypeGuard

from kubelab.apiserver import errors
from kubelab.apiserver.admission.interfaces import (
    CREATE,
    AdmissionRequest,
    Lister,
    Plugin,
    PluginResult,
    forbidden_for,
)

__all__ = [
    "DEFAULT_API_TOKEN_MOUNT_PATH",
    "DEFAULT_SERVICE_ACCOUNT_NAME",
    "SERVICE_ACCOUNT_VOLUME_NAME",
    "ServiceAccount",
    "generate_name",
    "token_volume_source",
]

DEFAULT_SERVICE_ACCOUNT_NAME: Final = "default"
ENFORCE_MOUNTABLE_SECRETS_ANNOTATION: Final = "kubernetes.io/enforce-mountable-secrets"
SERVICE_ACCOUNT_VOLUME_NAME: Final = "kube-api-access"
_TOKEN_VOLUME_PREFIX: Final = SERVICE_ACCOUNT_VOLUME_NAME + "-"
DEFAULT_API_TOKEN_MOUNT_PATH: Final = "/var/run/secrets/kubernetes.io/serviceaccount"
MIRROR_POD_ANNOTATION: Final = "kubernetes.io/config.mirror"
# pkg/serviceaccount WarnOnlyBoundTokenExpirationSeconds: one hour and seven seconds, so the
# apiserver can tell (and warn about) clients still using a token past its first hour.
WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS: Final = 60 * 60 + 7
PROJECTED_VOLUME_SOURCE_DEFAULT_MODE: Final = 0o644

# apiserver/pkg/storage/names generate.go and apimachinery/pkg/util/rand: 5 characters from
# an alphabet without vowels and look-alikes, the base cut to leave room within 63.
_ALPHANUMS: Final = "bcdfghjklmnpqrstvwxz2456789"
_RANDOM_LENGTH: Final = 5
_MAX_GENERATED_NAME_LENGTH: Final = 63 - _RANDOM_LENGTH


def generate_name(base: str, rng: random.Random) -> str:
    """``SimpleNameGenerator.GenerateName``: ``base`` plus five random characters."""
    if len(base) > _MAX_GENERATED_NAME_LENGTH:
        base = base[:_MAX_GENERATED_NAME_LENGTH]
    # _RANDOM_LENGTH (5) draws, in order, written out: once per pod create
    choice, alphabet = rng.choice, _ALPHANUMS
    return (
        base
        + choice(alphabet)
        + choice(alphabet)
        + choice(alphabet)
        + choice(alphabet)
        + choice(alphabet)
    )


def token_volume_source() -> dict[str, Any]:
    """``TokenVolumeSource``: the projected volume every pod's API credentials live in."""
    return {
        "sources": [
            {
                "serviceAccountToken": {
                    "expirationSeconds": WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
                    "path": "token",
                }
            },
            {
                "configMap": {
                    "name": "kube-root-ca.crt",
                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                }
            },
            {
                "downwardAPI": {
                    "items": [
                        {
                            "path": "namespace",
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                        }
                    ]
                }
            },
        ],
        # Set explicitly (kubernetes/kubernetes#104464), so it does not depend on defaulting.
        "defaultMode": PROJECTED_VOLUME_SOURCE_DEFAULT_MODE,
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return type(value) is dict or isinstance(value, Mapping)


_NO_ANNOTATIONS: Final[Mapping[str, Any]] = MappingProxyType({})


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object's annotations, read-only (an empty mapping when it has none)."""
    meta = obj.get("metadata")
    ann = meta.get("annotations") if type(meta) is dict or isinstance(meta, Mapping) else None
    if ann is None:
        return _NO_ANNOTATIONS
    return ann if type(ann) is dict or isinstance(ann, Mapping) else _NO_ANNOTATIONS


def _spec(pod: dict[str, Any]) -> dict[str, Any]:
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        spec = {}
        pod["spec"] = spec
    return spec


def _parse_bool(text: Any) -> bool:
    # strconv.ParseBool; an unparsable value counts as false.
    return str(text) in ("1", "t", "T", "TRUE", "true", "True")


class ServiceAccount(Plugin):
    """The ``ServiceAccount`` admission plugin."""

    name: ClassVar[str] = "ServiceAccount"
    operations: ClassVar[frozenset[str]] = frozenset({CREATE})

    def __init__(
        self,
        rng: random.Random,
        mount_service_account_token: bool = True,
        limit_secret_references: bool = False,
    ) -> None:
        self.rng = rng
        self.mount_service_account_token = mount_service_account_token
        self.limit_secret_references = limit_secret_references

    @staticmethod
    def _ignored(req: AdmissionRequest) -> bool:
        # shouldIgnore: only pods proper.
        return (
            req.resource != "pods"
            or req.group != ""
            or req.subresource != ""
            or req.object is None
            or req.object.get("kind", "Pod") != "Pod"
        )

    def _get_service_account(self, lister: Lister, namespace: str, name: str) -> Mapping[str, Any]:
        found = lister.get("serviceaccounts", namespace, name)
        if found is not None:
            return found
        for sa in lister.list("serviceaccounts", namespace):
            meta = sa.get("metadata")
            if _is_mapping(meta) and meta.get("name") == name:
                return sa
        # getServiceAccount: the NotFound names the singular resource "serviceaccount".
        raise errors.not_found("serviceaccount", name)

    def _lookup(self, req: AdmissionRequest, lister: Lister, name: str) -> Mapping[str, Any]:
        try:
            return self._get_service_account(lister, req.namespace, name)
        except errors.StatusError as err:
            raise forbidden_for(
                req, f"error looking up service account {req.namespace}/{name}: {err}"
            ) from None

    def mutate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Default the service account, mount its token, copy its image pull secrets."""
        if self._ignored(req):
            return None
        assert req.object is not None
        pod = req.object
        if MIRROR_POD_ANNOTATION in _annotations(pod):
            return self.validate(req, lister)
        spec = _spec(pod)
        # The v1 conversion reads the deprecated `serviceAccount` when `serviceAccountName` is
        # empty, and writes both back (pkg/apis/core/v1/conversion.go).
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT_NAME
        sa_name = str(spec["serviceAccountName"])
        spec["serviceAccount"] = sa_name
        sa = self._lookup(req, lister, sa_name)
        if self.mount_service_account_token and self._should_automount(sa, spec):
            self._mount_token(spec)
        pull_secrets = sa.get("imagePullSecrets")
        if pull_secrets and not spec.get("imagePullSecrets"):
            secrets = [
                {"name": s.get("name", "")} for s in _list(pull_secrets) if isinstance(s, Mapping)
            ]
            if secrets:
                spec["imagePullSecrets"] = secrets
        if type(self).validate is not ServiceAccount.validate:
            return self.validate(req, lister)
        # what validate() would do next: the same lookup gives the same service account
        return self._check_secrets(req, sa, spec)

    def validate(self, req: AdmissionRequest, lister: Lister) -> PluginResult | None:
        """Check mirror pods, that the service account exists, and mountable secrets."""
        if self._ignored(req):
            return None
        assert req.object is not None
        pod = req.object
        spec = _spec(pod)
        if MIRROR_POD_ANNOTATION in _annotations(pod):
            if spec.get("serviceAccountName"):
                raise forbidden_for(req, "a mirror pod may not reference service accounts")
            if _references_secrets(spec):
                raise forbidden_for(req, "a mirror pod may not reference secrets")
            for volume in _list(spec.get("volumes")):
                projected = volume.get("projected") if isinstance(volume, Mapping) else None
                if isinstance(projected, Mapping):
                    for source in _list(projected.get("sources")):
                        if isinstance(source, Mapping) and source.get("serviceAccountToken"):
                            raise forbidden_for(
                                req,
                                "a mirror pod may not use ServiceAccountToken volume projections",
                            )
            return None
        sa = self._lookup(req, lister, str(spec.get("serviceAccountName") or ""))
        return self._check_secrets(req, sa, spec)

    def _check_secrets(
        self, req: AdmissionRequest, sa: Mapping[str, Any], spec: Mapping[str, Any]
    ) -> PluginResult | None:
        if self._enforce_mountable_secrets(sa):
            problem = _limit_secret_references(sa, spec)
            if problem:
                raise forbidden_for(req, problem)
        return None

    def _enforce_mountable_secrets(self, sa: Mapping[str, Any]) -> bool:
        if self.limit_secret_references:
            return True
        annotations = _annotations(sa)
        if ENFORCE_MOUNTABLE_SECRETS_ANNOTATION in annotations:
            return _parse_bool(annotations[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION])
        return False

    @staticmethod
    def _should_automount(sa: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
        # shouldAutomount: the pod's preference wins, then the service account's, else true.
        if isinstance(spec.get("automountServiceAccountToken"), bool):
            return bool(spec["automountServiceAccountToken"])
        if isinstance(sa.get("automountServiceAccountToken"), bool):
            return bool(sa["automountServiceAccountToken"])
        return True

    def _mount_token(self, spec: dict[str, Any]) -> None:
        # mountServiceAccountToken: reuse a kube-api-access-* volume if the pod has one.
        volumes = spec.get("volumes")
        volumes = volumes if isinstance(volumes, list) else []
        token_volume = ""
        for volume in volumes:
            name = volume.get("name") if _is_mapping(volume) else None
            if isinstance(name, str) and name.startswith(_TOKEN_VOLUME_PREFIX):
                token_volume = name
                break
        has_volume = bool(token_volume)
        if not token_volume:
            token_volume = generate_name(_TOKEN_VOLUME_PREFIX, self.rng)
        needs_volume = False
        for key in ("initContainers", "containers"):
            containers = spec.get(key)
            if not containers or not isinstance(containers, list):
                continue
            for container in containers:
                if not isinstance(container, dict):
                    continue
                mounts = container.get("volumeMounts")
                mounts = mounts if isinstance(mounts, list) else []
                if mounts and _mounts_token_path(mounts):
                    continue  # an existing mount at the path wins
                mounts.append(
                    {
                        "name": token_volume,
                        "readOnly": True,
                        "mountPath": DEFAULT_API_TOKEN_MOUNT_PATH,
                    }
                )
                container["volumeMounts"] = mounts
                needs_volume = True
        if needs_volume and not has_volume:
            volumes.append({"name": token_volume, "projected": token_volume_source()})
            spec["volumes"] = volumes


def _mounts_token_path(mounts: list[Any]) -> bool:
    for m in mounts:
        if _is_mapping(m) and m.get("mountPath") == DEFAULT_API_TOKEN_MOUNT_PATH:
            return True
    return False


def _container_lists(spec: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    return [
        ("init container", _list(spec.get("initContainers"))),
        ("container", _list(spec.get("containers"))),
    ]


def _references_secrets(spec: Mapping[str, Any]) -> bool:
    # podutil.VisitPodSecretNames, the common cases: secret volumes, env and envFrom secret
    # references, image pull secrets.
    if _list(spec.get("imagePullSecrets")):
        return True
    for volume in _list(spec.get("volumes")):
        if isinstance(volume, Mapping) and volume.get("secret") is not None:
            return True
    for _, containers in _container_lists(spec):
        for container in containers:
            if not isinstance(container, Mapping):
                continue
            for env in _list(container.get("env")):
                value_from = env.get("valueFrom") if isinstance(env, Mapping) else None
                if isinstance(value_from, Mapping) and value_from.get("secretKeyRef"):
                    return True
            for env_from in _list(container.get("envFrom")):
                if isinstance(env_from, Mapping) and env_from.get("secretRef"):
                    return True
    return False


def _limit_secret_references(sa: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    """limitSecretReferences: the first secret reference the service account does not allow."""
    sa_name = str((sa.get("metadata") or {}).get("name", ""))
    mountable = {s.get("name") for s in _list(sa.get("secrets")) if isinstance(s, Mapping)}
    for volume in _list(spec.get("volumes")):
        secret = volume.get("secret") if isinstance(volume, Mapping) else None
        if isinstance(secret, Mapping):
            secret_name = secret.get("secretName", "")
            if secret_name not in mountable:
                return (
                    f'volume with secret.secretName="{secret_name}" is not allowed because '
                    f"service account {sa_name} does not reference that secret"
                )
    for label, containers in _container_lists(spec):
        for container in containers:
            if not isinstance(container, Mapping):
                continue
            for env in _list(container.get("env")):
                value_from = env.get("valueFrom") if isinstance(env, Mapping) else None
                ref = value_from.get("secretKeyRef") if isinstance(value_from, Mapping) else None
                if isinstance(ref, Mapping) and ref.get("name") not in mountable:
                    return (
                        f"{label} {container.get('name', '')} with envVar {env.get('name', '')} "
                        f'referencing secret.secretName="{ref.get("name", "")}" is not allowed '
                        f"because service account {sa_name} does not reference that secret"
                    )
    pull = {s.get("name") for s in _list(sa.get("imagePullSecrets")) if isinstance(s, Mapping)}
    for i, ref in enumerate(_list(spec.get("imagePullSecrets"))):
        name = ref.get("name", "") if isinstance(ref, Mapping) else ""
        if name not in pull:
            return (
                f'imagePullSecrets[{i}].name="{name}" is not allowed because service account '
                f"{sa_name} does not reference that imagePullSecret"
            )
    return ""
