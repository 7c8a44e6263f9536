"""Authentication: who is making this request?

Models the kube-apiserver's authenticator chain (``pkg/kubeapiserver/authenticator/config.go``)
for the credentials a learner meets:

* **client certificates** (``k8s.io/apiserver/pkg/authentication/request/x509/x509.go``,
  ``CommonNameUserConversion``): user name = the subject's Common Name, groups = its
  Organization entries. A certificate not signed by the cluster CA is rejected;
* **static bearer tokens** (``--token-auth-file``, ``.../authentication/token/tokenfile``):
  a table ``token -> user``, loadable from the CSV file format;
* **service account tokens** (``pkg/serviceaccount``): user
  ``system:serviceaccount:<ns>:<name>``, groups ``system:serviceaccounts`` and
  ``system:serviceaccounts:<ns>``;
* **anonymous requests** (``.../authentication/request/anonymous``): a request with no
  credentials at all is ``system:anonymous`` in group ``system:unauthenticated`` when
  ``--anonymous-auth`` is on (the default), otherwise ``401 Unauthorized``.

Every authenticated (non-anonymous) user gets the group ``system:authenticated`` appended
(``.../authentication/group/authenticated_group_adder.go``). Credentials that are *presented but
wrong* are never downgraded to anonymous: the anonymous authenticator sits behind a fail-on-error
union, so a bad token is a 401 even with anonymous auth on.

Service account tokens have the shape of the legacy (secret-based) JWTs -- header, claims and a
signature part, each base64url -- but the signature is random bytes from the passed-in
``random.Random`` and tokens are checked by table lookup, not by RSA. Bound (TokenRequest) tokens
with audiences and expiry are left out: they need the simulated clock.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "ALL_AUTHENTICATED",
    "ALL_SERVICE_ACCOUNTS_GROUP",
    "ALL_UNAUTHENTICATED",
    "ANONYMOUS",
    "SERVICE_ACCOUNT_GROUP_PREFIX",
    "SERVICE_ACCOUNT_USERNAME_PREFIX",
    "SYSTEM_PRIVILEGED_GROUP",
    "Authenticator",
    "ClientCertificate",
    "Unauthorized",
    "UserInfo",
    "make_service_account_username",
    "service_account_group_names",
    "split_service_account_username",
]

# k8s.io/apiserver/pkg/authentication/user/user.go: well-known users and groups.
SYSTEM_PRIVILEGED_GROUP: Final = "system:masters"
ALL_AUTHENTICATED: Final = "system:authenticated"
ALL_UNAUTHENTICATED: Final = "system:unauthenticated"
ANONYMOUS: Final = "system:anonymous"

# k8s.io/apiserver/pkg/authentication/serviceaccount/util.go
SERVICE_ACCOUNT_USERNAME_PREFIX: Final = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS_GROUP: Final = "system:serviceaccounts"
SERVICE_ACCOUNT_GROUP_PREFIX: Final = "system:serviceaccounts:"

# pkg/serviceaccount/legacy.go: the issuer of legacy service account tokens.
LEGACY_ISSUER: Final = "kubernetes/serviceaccount"

# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated name suffixes (no vowels, no
# look-alike characters).
_ALPHANUMS: Final = "bcdfghjklmnpqrstvwxz2456789"


class _NewDict:
    """The default of a dict field that is not given: a new empty dict."""

    def __repr__(self) -> str:
        return "{}"


_NEW_DICT: Any = _NewDict()


# UserInfo and ClientCertificate are built for every request: their __init__ is written out,
# as the one dataclass generates for a frozen class sets every field through
# object.__setattr__ (twice as slow). It stores the same fields, in the same order.


@dataclass(frozen=True, init=False)
class UserInfo:
    """``user.Info``: the identity a request was authenticated as.

    ``groups`` keep their order (it shows in error messages); ``extra`` carries the
    authenticator's extra attributes and does not take part in hashing.
    """

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def __init__(
        self,
        name: str,
        groups: Sequence[str] = (),
        uid: str = "",
        extra: Mapping[str, tuple[str, ...]] = _NEW_DICT,
    ) -> None:
        d = self.__dict__
        d["name"] = name
        d["groups"] = groups if isinstance(groups, tuple) else tuple(groups)
        d["uid"] = uid
        d["extra"] = {} if extra is _NEW_DICT else extra


def make_service_account_username(namespace: str, name: str) -> str:
    """``serviceaccount.MakeUsername``: ``system:serviceaccount:<namespace>:<name>``."""
    return f"{SERVICE_ACCOUNT_USERNAME_PREFIX}{namespace}:{name}"


def split_service_account_username(username: str) -> tuple[str, str] | None:
    """``serviceaccount.SplitUsername``: ``(namespace, name)``, or ``None`` if not a SA user."""
    if not username.startswith(SERVICE_ACCOUNT_USERNAME_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_USERNAME_PREFIX) :].split(":")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def service_account_group_names(namespace: str) -> tuple[str, str]:
    """``serviceaccount.MakeGroupNames``: all service accounts, then those of the namespace."""
    return (ALL_SERVICE_ACCOUNTS_GROUP, SERVICE_ACCOUNT_GROUP_PREFIX + namespace)


class Unauthorized(Exception):
    """``401 Unauthorized``: the credentials were missing (anonymous off) or not valid.

    The API server's answer carries no detail of what was wrong
    (``endpoints/handlers/responsewriters``: ``apierrors.NewUnauthorized("Unauthorized")``);
    ``cause`` keeps the authenticator's own error for the trace, e.g. ``invalid bearer token``.
    """

    code: Final = 401

    def __init__(self, cause: str = "") -> None:
        self.cause = cause
        super().__init__("Unauthorized")

    def status(self) -> dict[str, Any]:
        """The ``Status`` object sent back with HTTP 401 (no ``details``, as upstream)."""
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": self.code,
        }


@dataclass(frozen=True, init=False)
class ClientCertificate:
    """The parts of an X.509 client certificate the API server reads.

    ``issuer`` is the Common Name of the CA that signed it; kubeadm's cluster CA is
    ``kubernetes``.
    """

    common_name: str
    organizations: tuple[str, ...] = ()
    issuer: str = "kubernetes"

    def __init__(
        self, common_name: str, organizations: tuple[str, ...] = (), issuer: str = "kubernetes"
    ) -> None:
        d = self.__dict__
        d["common_name"] = common_name
        d["organizations"] = organizations
        d["issuer"] = issuer


def _b64url(data: bytes) -> str:
    # JWS compact serialization: base64url without padding (RFC 7515 section 2).
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_segment(obj: Mapping[str, Any]) -> str:
    return _b64url(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode())


def _with_authenticated(user: UserInfo) -> UserInfo:
    # group/authenticated_group_adder.go: append system:authenticated unless the user is
    # anonymous or already carries system:authenticated or system:unauthenticated.
    if user.name == ANONYMOUS:
        return user
    if ALL_AUTHENTICATED in user.groups or ALL_UNAUTHENTICATED in user.groups:
        return user
    return UserInfo(user.name, (*user.groups, ALL_AUTHENTICATED), user.uid, user.extra)


class Authenticator:
    """The API server's authenticator chain: client certificate, bearer token, anonymous.

    ``rng`` is the only source of randomness (token bytes, key id, secret name suffixes).
    """

    def __init__(
        self,
        rng: random.Random,
        *,
        anonymous: bool = True,
        client_ca: str = "kubernetes",
    ) -> None:
        self._rng = rng
        self.anonymous = anonymous
        self.client_ca = client_ca
        self._tokens: dict[str, UserInfo] = {}
        self._sa_tokens: dict[str, tuple[str, str]] = {}
        # A real key id is the base64url SHA-256 of the signing key (43 characters).
        self._kid = _b64url(rng.randbytes(32))

    # --------------------------------------------------------------- credentials

    def add_token(self, token: str, user: UserInfo) -> None:
        """Register a static bearer token (one line of ``--token-auth-file``)."""
        if not token:
            raise ValueError("token must not be empty")
        self._tokens[token] = user

    def issue_static_token(self, user: UserInfo) -> str:
        """Make a random static token for ``user`` (32 hex digits, like the docs' recipe
        ``head -c 16 /dev/urandom | od -An -t x``) and register it."""
        token = self._rng.randbytes(16).hex()
        self.add_token(token, user)
        return token

    def load_token_file(self, text: str) -> None:
        """Load a static token file: CSV lines ``token,user,uid[,"group1,group2"]``.

        Follows ``tokenfile.NewCSV``: leading spaces of fields are trimmed, a line with fewer
        than 3 columns is an error, a line with an empty token is skipped, a later line with the
        same token replaces an earlier one, and the fourth column is split on commas.
        """
        reader = csv.reader(io.StringIO(text), skipinitialspace=True)
        for lineno, record in enumerate(reader, start=1):
            if not record:
                continue
            if len(record) < 3:
                raise ValueError(
                    f"token file must have at least 3 columns (token, user name, user uid), "
                    f"found {len(record)} on line {lineno}"
                )
            token, name, uid = record[0], record[1], record[2]
            if not token:
                continue
            groups = tuple(record[3].split(",")) if len(record) >= 4 else ()
            self.add_token(token, UserInfo(name, groups, uid))

    def issue_service_account_token(self, namespace: str, name: str, uid: str = "") -> str:
        """Issue a token for ServiceAccount ``namespace/name`` and return it.

        The token is a JWT with the legacy claims (``pkg/serviceaccount/legacy.go``): issuer
        ``kubernetes/serviceaccount``, subject ``system:serviceaccount:<ns>:<name>`` and the
        ``kubernetes.io/serviceaccount/*`` claims naming the account and its token Secret
        (``<name>-token-<5 random characters>``).
        """
        if not namespace or not name:
            raise ValueError("a service account token needs a namespace and a name")
        suffix = "".join(self._rng.choice(_ALPHANUMS) for _ in range(5))
        header = {"alg": "RS256", "kid": self._kid}
        claims = {
            "iss": LEGACY_ISSUER,
            "kubernetes.io/serviceaccount/namespace": namespace,
            "kubernetes.io/serviceaccount/secret.name": f"{name}-token-{suffix}",
            "kubernetes.io/serviceaccount/service-account.name": name,
            "kubernetes.io/serviceaccount/service-account.uid": uid,
            "sub": make_service_account_username(namespace, name),
        }
        # RS256 with a 2048-bit key signs to 256 bytes.
        token = ".".join(
            (_json_segment(header), _json_segment(claims), _b64url(self._rng.randbytes(256)))
        )
        self._sa_tokens[token] = (namespace, name)
        self._tokens[token] = UserInfo(
            make_service_account_username(namespace, name),
            service_account_group_names(namespace),
            uid,
        )
        return token

    def revoke_service_account_tokens(self, namespace: str, name: str) -> int:
        """Invalidate every token of a ServiceAccount (it or its Secret was deleted).

        Returns how many tokens were revoked.
        """
        doomed = sorted(t for t, owner in self._sa_tokens.items() if owner == (namespace, name))
        for token in doomed:
            del self._sa_tokens[token]
            del self._tokens[token]
        return len(doomed)

    def issue_client_certificate(
        self, common_name: str, organizations: Sequence[str] = ()
    ) -> ClientCertificate:
        """A client certificate signed by this cluster's CA (``CN=user, O=group...``)."""
        return ClientCertificate(common_name, tuple(organizations), self.client_ca)

    # ------------------------------------------------------------ authentication

    def _from_certificate(self, cert: ClientCertificate) -> UserInfo:
        # x509.go: verify the chain against the client CA, then CommonNameUserConversion.
        if cert.issuer != self.client_ca:
            raise Unauthorized(
                "verifying certificate failed: x509: certificate signed by unknown authority"
            )
        if not cert.common_name:
            raise Unauthorized("common name of client certificate is empty")
        return UserInfo(cert.common_name, cert.organizations)

    def authenticate_token(self, token: str) -> UserInfo:
        """Authenticate a bare bearer token; raise :class:`Unauthorized` if it is unknown."""
        user = self._tokens.get(token)
        if user is None:
            # bearertoken.go: a token no authenticator accepts is "invalid bearer token".
            raise Unauthorized("invalid bearer token")
        return _with_authenticated(user)

    def authenticate(
        self,
        *,
        authorization: str | None = None,
        certificate: ClientCertificate | None = None,
    ) -> UserInfo:
        """Authenticate one request from its ``Authorization`` header and client certificate.

        Order as upstream: a valid client certificate wins; otherwise a ``Bearer`` token;
        otherwise, if no credential was presented at all, the anonymous user (when enabled).
        A header that is not a ``Bearer`` header (e.g. ``Basic ...``) counts as no credential,
        as in ``bearertoken.go``. Raises :class:`Unauthorized` on any presented credential
        that is wrong, or when nothing was presented and anonymous auth is off.
        """
        errors: list[str] = []
        if certificate is not None:
            try:
                return _with_authenticated(self._from_certificate(certificate))
            except Unauthorized as exc:
                errors.append(exc.cause)
        token = _bearer_token(authorization)
        if token is not None:
            try:
                return self.authenticate_token(token)
            except Unauthorized as exc:
                errors.append(exc.cause)
        if errors:
            raise Unauthorized(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        if self.anonymous:
            return UserInfo(ANONYMOUS, (ALL_UNAUTHENTICATED,))
        raise Unauthorized("")


def _bearer_token(header: str | None) -> str | None:
    # bearertoken.go: trim, split on the first spaces, scheme compared case-insensitively;
    # an empty token or another scheme means "no bearer token here".
    if header is None:
        return None
    auth = header.strip()
    if not auth:
        return None
    parts = auth.split(" ", 2)
    if len(parts) < 2 or parts[0].lower() != "bearer":
        return None
    return parts[1] or None
