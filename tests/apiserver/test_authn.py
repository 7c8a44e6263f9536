"""Authentication: certificates, bearer tokens, service accounts, anonymous.

Expected identities follow the upstream authenticators: ``request/x509/x509.go``
(CommonNameUserConversion), ``request/bearertoken/bearertoken.go``, ``token/tokenfile``,
``group/authenticated_group_adder.go``, ``request/anonymous`` and
``pkg/kubeapiserver/authenticator/config.go`` (anonymous behind a fail-on-error union), and the
"Authenticating" documentation page (token file format, service account user names and groups).
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from kubelab.apiserver.authn import (
    Authenticator,
    ClientCertificate,
    Unauthorized,
    UserInfo,
    make_service_account_username,
    split_service_account_username,
)
from kubelab.apiserver.bootstrap_policy import bootstrap_objects
from kubelab.apiserver.rbac import PolicyStore, RBACAuthorizer, can_i

AUTH = "system:authenticated"


def make(seed: int = 1, **kw: Any) -> Authenticator:
    return Authenticator(random.Random(seed), **kw)


def test_static_token_adds_system_authenticated() -> None:
    a = make()
    a.add_token("s3cret", UserInfo("alice", ("dev",), "1"))
    got = a.authenticate(authorization="Bearer s3cret")
    assert got == UserInfo("alice", ("dev", AUTH), "1")


def test_system_authenticated_is_not_added_twice() -> None:
    a = make()
    a.add_token("t", UserInfo("alice", (AUTH, "dev")))
    assert a.authenticate_token("t").groups == (AUTH, "dev")


def test_token_file_format() -> None:
    # --token-auth-file: token,user,uid,"group1,group2,group3"
    a = make()
    a.load_token_file('abc123,bob,1001,"system:masters,dev"\ndef456, carol, 1002\n,nobody,0\n')
    assert a.authenticate_token("abc123") == UserInfo(
        "bob", ("system:masters", "dev", AUTH), "1001"
    )
    assert a.authenticate_token("def456") == UserInfo("carol", (AUTH,), "1002")
    with pytest.raises(Unauthorized):
        a.authenticate_token("")
    with pytest.raises(ValueError, match="at least 3 columns"):
        a.load_token_file("only,two\n")


def test_wrong_token_is_401_with_the_real_status() -> None:
    a = make()
    a.add_token("right", UserInfo("alice"))
    with pytest.raises(Unauthorized) as info:
        a.authenticate(authorization="Bearer wrong")
    assert info.value.cause == "invalid bearer token"
    assert str(info.value) == "Unauthorized"
    assert info.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }


def test_bad_token_is_not_downgraded_to_anonymous() -> None:
    # config.go: anonymous sits behind union.NewFailOnError, so a bad credential is a 401.
    a = make(anonymous=True)
    with pytest.raises(Unauthorized):
        a.authenticate(authorization="Bearer nope")


def test_no_credentials_is_anonymous_when_enabled() -> None:
    a = make()
    assert a.authenticate() == UserInfo("system:anonymous", ("system:unauthenticated",))
    # bearertoken.go: another scheme or an empty token means "no bearer token".
    assert a.authenticate(authorization="Basic YWxpY2U6cHc=").name == "system:anonymous"
    assert a.authenticate(authorization="Bearer ").name == "system:anonymous"
    assert a.authenticate(authorization="   ").name == "system:anonymous"


def test_no_credentials_without_anonymous_is_401() -> None:
    a = make(anonymous=False)
    with pytest.raises(Unauthorized):
        a.authenticate()


def test_bearer_scheme_is_case_insensitive_and_trimmed() -> None:
    a = make()
    a.add_token("tok", UserInfo("alice"))
    assert a.authenticate(authorization="  bearer tok  ").name == "alice"
    assert a.authenticate(authorization="BEARER tok").name == "alice"


def test_client_certificate_common_name_and_organizations() -> None:
    # kubeadm's admin.conf certificate: CN=kubernetes-admin, O=kubeadm:cluster-admins.
    a = make()
    cert = a.issue_client_certificate("kubernetes-admin", ["kubeadm:cluster-admins"])
    assert a.authenticate(certificate=cert) == UserInfo(
        "kubernetes-admin", ("kubeadm:cluster-admins", AUTH)
    )
    node = ClientCertificate("system:node:node-1", ("system:nodes",))
    assert a.authenticate(certificate=node).groups == ("system:nodes", AUTH)


def test_certificate_from_another_ca_is_rejected() -> None:
    a = make()
    rogue = ClientCertificate("admin", ("system:masters",), issuer="evil-ca")
    with pytest.raises(Unauthorized) as info:
        a.authenticate(certificate=rogue)
    assert "unknown authority" in info.value.cause
    # The x509 error does not stop the chain: a valid token still authenticates.
    a.add_token("tok", UserInfo("alice"))
    assert a.authenticate(certificate=rogue, authorization="Bearer tok").name == "alice"


def test_valid_certificate_wins_over_a_token() -> None:
    a = make()
    cert = a.issue_client_certificate("alice")
    assert a.authenticate(certificate=cert, authorization="Bearer garbage").name == "alice"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))
    return decoded


def test_service_account_token_identity() -> None:
    a = make()
    token = a.issue_service_account_token("qa", "tester", uid="u-1")
    got = a.authenticate(authorization=f"Bearer {token}")
    assert got == UserInfo(
        "system:serviceaccount:qa:tester",
        ("system:serviceaccounts", "system:serviceaccounts:qa", AUTH),
        "u-1",
    )


def test_service_account_token_is_a_legacy_jwt() -> None:
    a = make()
    token = a.issue_service_account_token("qa", "tester")
    header, _payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "RS256"
    claims = _claims(token)
    assert claims["iss"] == "kubernetes/serviceaccount"
    assert claims["sub"] == "system:serviceaccount:qa:tester"
    assert claims["kubernetes.io/serviceaccount/service-account.name"] == "tester"
    assert claims["kubernetes.io/serviceaccount/namespace"] == "qa"
    assert claims["kubernetes.io/serviceaccount/secret.name"].startswith("tester-token-")
    assert len(claims["kubernetes.io/serviceaccount/secret.name"]) == len("tester-token-") + 5
    assert len(signature) == 342  # 256 bytes of RS256 signature, base64url without padding


def test_tokens_come_from_the_passed_in_random() -> None:
    t1 = make(7).issue_service_account_token("qa", "tester")
    t2 = make(7).issue_service_account_token("qa", "tester")
    t3 = make(8).issue_service_account_token("qa", "tester")
    assert t1 == t2 and t1 != t3
    assert make(7).issue_static_token(UserInfo("a")) == make(7).issue_static_token(UserInfo("a"))


def test_revoked_service_account_tokens_stop_working() -> None:
    a = make()
    t1 = a.issue_service_account_token("qa", "tester")
    t2 = a.issue_service_account_token("qa", "tester")
    other = a.issue_service_account_token("qa", "other")
    assert a.revoke_service_account_tokens("qa", "tester") == 2
    for t in (t1, t2):
        with pytest.raises(Unauthorized):
            a.authenticate_token(t)
    assert a.authenticate_token(other).name == "system:serviceaccount:qa:other"


def test_service_account_username_helpers() -> None:
    assert make_service_account_username("kube-system", "default") == (
        "system:serviceaccount:kube-system:default"
    )
    assert split_service_account_username("system:serviceaccount:qa:tester") == ("qa", "tester")
    assert split_service_account_username("system:serviceaccount:qa") is None
    assert split_service_account_username("alice") is None


def test_authenticated_identities_feed_rbac() -> None:
    # RBAC docs: group system:serviceaccounts:qa, system:public-info-viewer for anonymous.
    authn = make()
    rb = {
        "kind": "RoleBinding",
        "metadata": {"name": "qa-view", "namespace": "qa"},
        "subjects": [{"kind": "Group", "name": "system:serviceaccounts:qa"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
    }
    authz = RBACAuthorizer(PolicyStore([*bootstrap_objects(), rb]))
    sa = authn.authenticate(authorization="Bearer " + authn.issue_service_account_token("qa", "t"))
    assert can_i(authz, sa, "list", "pods", "qa")
    assert not can_i(authz, sa, "list", "pods", "default")
    anon = authn.authenticate()
    assert can_i(authz, anon, "get", "/healthz", "")
    assert not can_i(authz, anon, "get", "/api", "")
    admin = authn.authenticate(
        certificate=authn.issue_client_certificate("kubernetes-admin", ["system:masters"])
    )
    assert can_i(authz, admin, "delete", "nodes", "", name="node-1")
