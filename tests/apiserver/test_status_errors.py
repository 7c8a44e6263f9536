"""Status errors: wording and shape as k8s.io/apimachinery/pkg/api/errors/errors.go builds them,
and kubectl's rendering (staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go checkErr)."""

from __future__ import annotations

import json

import pytest

from kubelab.api.errors import FieldError, InvalidError
from kubelab.apiserver import errors as E


def test_not_found_status_is_the_real_json() -> None:
    # `kubectl get pod nosuch -v=8` shows exactly this body for a core resource: no "group" key.
    err = E.not_found("pods", "nosuch")
    assert json.dumps(err.status, separators=(",", ":")) == (
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        '"message":"pods \\"nosuch\\" not found","reason":"NotFound",'
        '"details":{"name":"nosuch","kind":"pods"},"code":404}'
    )
    assert str(err) == 'pods "nosuch" not found'
    assert (err.code, err.reason) == (404, "NotFound")
    assert isinstance(err, Exception)


def test_not_found_in_a_named_group_qualifies_the_resource() -> None:
    err = E.not_found("deployments", "web", "apps")
    assert err.message == 'deployments.apps "web" not found'
    assert err.details == {"name": "web", "group": "apps", "kind": "deployments"}


def test_already_exists() -> None:
    err = E.already_exists("namespaces", "dev")
    assert err.message == 'namespaces "dev" already exists'
    assert (err.code, err.reason) == (409, "AlreadyExists")


def test_conflict_carries_the_optimistic_lock_text() -> None:
    err = E.conflict("pods", "web")
    assert err.message == (
        'Operation cannot be fulfilled on pods "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert (err.code, err.reason) == (409, "Conflict")
    assert E.conflict("leases", "n1", "boom", "coordination.k8s.io").message == (
        'Operation cannot be fulfilled on leases.coordination.k8s.io "n1": boom'
    )


def test_forbidden_with_and_without_a_name() -> None:
    # The RBAC denial from FIDELITY.md B7.
    reason = 'User "jane" cannot list resource "pods" in API group "" in the namespace "default"'
    err = E.forbidden("pods", "", reason)
    assert err.message == f"pods is forbidden: {reason}"
    assert err.details == {"kind": "pods"}
    assert E.forbidden("pods", "x", "nope").message == 'pods "x" is forbidden: nope'
    assert E.forbidden("", "", "nope").message == "forbidden: nope"
    assert (err.code, err.reason) == (403, "Forbidden")


def test_invalid_single_error() -> None:
    err = E.invalid("Pod", "x", [FieldError.required("spec.containers[0].image")])
    assert err.message == 'Pod "x" is invalid: spec.containers[0].image: Required value'
    assert (err.code, err.reason) == (422, "Invalid")
    assert err.details == {
        "name": "x",
        "kind": "Pod",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value",
                "field": "spec.containers[0].image",
            }
        ],
    }


def test_invalid_several_errors_are_bracketed_and_group_qualified() -> None:
    errs = [
        FieldError.required("spec.selector"),
        FieldError.invalid("spec.replicas", -1, "must be greater than or equal to 0"),
    ]
    err = E.invalid("Deployment", "web", errs, "apps")
    assert err.message == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, '
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0]"
    )
    assert err.details is not None
    assert err.details["group"] == "apps"
    assert [c["reason"] for c in err.causes] == ["FieldValueRequired", "FieldValueInvalid"]


def test_invalid_without_errors_has_no_colon() -> None:
    err = E.invalid("Pod", "x", [])
    assert err.message == 'Pod "x" is invalid'
    assert "causes" not in (err.details or {})


def test_from_invalid_error_reuses_the_api_validation_error() -> None:
    inv = InvalidError("Service", "db", [FieldError.required("spec.ports")])
    err = E.from_invalid_error(inv)
    assert err.status == inv.status()


@pytest.mark.parametrize(
    ("err", "code", "reason", "message"),
    [
        (E.bad_request("bad body"), 400, "BadRequest", "bad body"),
        (
            E.method_not_supported("pods", "deletecollection"),
            405,
            "MethodNotAllowed",
            'deletecollection is not supported on resources of kind "pods"',
        ),
        (E.gone("gone away"), 410, "Gone", "gone away"),
        (
            E.too_old_resource_version(5, 10),
            410,
            "Expired",
            "too old resource version: 5 (10)",
        ),
        (E.unauthorized(), 401, "Unauthorized", "not authorized"),
        (E.unauthorized("Unauthorized"), 401, "Unauthorized", "Unauthorized"),
        (E.too_many_requests("slow down", 1), 429, "TooManyRequests", "slow down"),
        (
            E.too_many_requests_error("limit reached"),
            429,
            "TooManyRequests",
            "Too many requests: limit reached",
        ),
        (
            E.request_entity_too_large("limit is 3145728"),
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
        ),
        (
            E.timeout("request did not complete"),
            504,
            "Timeout",
            "Timeout: request did not complete",
        ),
        (
            E.internal_error("etcdserver: leader changed"),
            500,
            "InternalError",
            "Internal error occurred: etcdserver: leader changed",
        ),
        (
            E.service_unavailable("apiserver is shutting down"),
            503,
            "ServiceUnavailable",
            "apiserver is shutting down",
        ),
        (
            E.server_timeout("pods", "create", 2),
            500,
            "ServerTimeout",
            "The create operation against pods could not be completed at this time, "
            "please try again.",
        ),
    ],
)
def test_constructor_codes_reasons_messages(
    err: E.StatusError, code: int, reason: str, message: str
) -> None:
    assert (err.code, err.reason, str(err)) == (code, reason, message)
    assert err.status["status"] == "Failure"
    assert list(err.status) == [
        k
        for k in (
            "kind",
            "apiVersion",
            "metadata",
            "status",
            "message",
            "reason",
            "details",
            "code",
        )
        if k in err.status
    ]


def test_details_presence_follows_the_go_constructors() -> None:
    # NewBadRequest and NewUnauthorized set no details; NewTooManyRequests always does.
    assert "details" not in E.bad_request("x").status
    assert "details" not in E.unauthorized().status
    assert E.too_many_requests("x").status["details"] == {}
    assert E.too_many_requests("x", 3).status["details"] == {"retryAfterSeconds": 3}
    assert E.internal_error("boom").causes == [{"message": "boom"}]
    assert E.method_not_supported("deployments", "x", "apps").details == {
        "group": "apps",
        "kind": "deployments",
    }


def test_status_error_round_trips_through_its_dict() -> None:
    err = E.conflict("pods", "web")
    again = E.StatusError(json.loads(json.dumps(err.status)))
    assert again.status == err.status
    assert str(again) == str(err)


# --- kubectl -------------------------------------------------------------------------------


def test_kubectl_prints_not_found_with_the_reason() -> None:
    # kubectl reference docs: `Error from server (NotFound): pods "nginx" not found`.
    assert E.error_from_server(E.not_found("pods", "nginx")) == (
        'Error from server (NotFound): pods "nginx" not found'
    )


def test_kubectl_adds_the_file_for_apply_and_create() -> None:
    err = E.already_exists("pods", "web")
    assert E.error_from_server(err, verb="creating", source="pod.yaml") == (
        'Error from server (AlreadyExists): error when creating "pod.yaml": '
        'pods "web" already exists'
    )


def test_kubectl_rebuilds_invalid_from_the_details() -> None:
    one = E.invalid("Pod", "x", [FieldError.required("spec.containers[0].image")])
    assert E.error_from_server(one) == (
        'The Pod "x" is invalid: spec.containers[0].image: Required value'
    )
    # The source is not printed for Invalid: kubectl ignores the message.
    assert E.error_from_server(one, verb="creating", source="p.yaml") == E.error_from_server(one)
    two = E.invalid(
        "Deployment",
        "web",
        [FieldError.required("spec.selector"), FieldError.required("spec.template")],
        "apps",
    )
    # MultilineError: prefix alone on the first line (with its trailing blank), then "* ".
    assert E.error_from_server(two) == (
        'The Deployment "web" is invalid: \n* spec.selector: Required value\n'
        "* spec.template: Required value"
    )


def test_kubectl_invalid_without_details() -> None:
    status = {"kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422}
    assert E.error_from_server(status) == "The request is invalid"


def test_kubectl_unauthorized_and_reasonless_errors() -> None:
    assert E.error_from_server(E.unauthorized("Unauthorized")) == (
        "error: You must be logged in to the server (Unauthorized)"
    )
    status = {"kind": "Status", "status": "Failure", "message": "it broke", "code": 500}
    assert E.error_from_server(status) == "Error from server: it broke"


def test_status_error_can_be_rebuilt_from_its_args() -> None:
    # SimPy re-raises a failed event's exception as type(err)(*err.args).
    err = E.not_found("pods", "x")
    again = type(err)(*err.args)
    assert str(again) == 'pods "x" not found'
    assert again.code == 404
