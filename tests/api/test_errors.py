"""Field errors and InvalidError, rendered as the API server renders them.

Expected texts follow k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorBody, the
ErrorType strings), field/errors_test.go (TestErrorUsefulMessage: Go value formatting),
k8s.io/apimachinery/pkg/api/errors/errors.go NewInvalid, and real API server answers quoted in
kubelab's FIDELITY.md section B7 and reference/KUBECTL.md.
"""

from __future__ import annotations

import pytest

from kubelab.api.errors import (
    OMIT_VALUE,
    FieldError,
    GoLiteral,
    InvalidError,
    go_quote,
    go_value,
)

SUBDOMAIN_DETAIL = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.mark.parametrize(
    ("error", "text", "cause"),
    [
        (
            FieldError.required("spec.containers[0].image"),
            "spec.containers[0].image: Required value",
            "FieldValueRequired",
        ),
        (
            FieldError.required("metadata.name", "name or generateName is required"),
            "metadata.name: Required value: name or generateName is required",
            "FieldValueRequired",
        ),
        (
            FieldError.invalid("metadata.name", "Web_1", SUBDOMAIN_DETAIL),
            'metadata.name: Invalid value: "Web_1": ' + SUBDOMAIN_DETAIL,
            "FieldValueInvalid",
        ),
        (
            FieldError.not_supported(
                "spec.restartPolicy", "Sometimes", ["Always", "OnFailure", "Never"]
            ),
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
            '"OnFailure", "Never"',
            "FieldValueNotSupported",
        ),
        (
            FieldError.duplicate("spec.containers[1].name", "web"),
            'spec.containers[1].name: Duplicate value: "web"',
            "FieldValueDuplicate",
        ),
        (
            FieldError.forbidden(
                "spec.ports[0].nodePort", "may not be used when `type` is 'ClusterIP'"
            ),
            "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
            "FieldValueForbidden",
        ),
        (
            # Too long never prints the value (ErrorBody's first cases).
            FieldError.too_long("metadata.annotations", "x" * 10, 262144),
            "metadata.annotations: Too long: must have at most 262144 bytes",
            "FieldValueTooLong",
        ),
        (
            FieldError.not_found("spec.containers[0].volumeMounts[0].name", "data"),
            'spec.containers[0].volumeMounts[0].name: Not found: "data"',
            "FieldValueNotFound",
        ),
        (
            FieldError.too_many("endpoints[0].addresses", 101, 100),
            "endpoints[0].addresses: Too many: 101: must have at most 100 items",
            "FieldValueTooMany",
        ),
        (
            FieldError.too_many("items", -1, -1),
            "items: Too many: has too many items",
            "FieldValueTooMany",
        ),
    ],
)
def test_field_error_rendering(error: FieldError, text: str, cause: str) -> None:
    assert str(error) == text
    assert error.cause_reason == cause


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5, "5"),
        (-1, "-1"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (1.5, "1.5"),
        (100.0, "100"),  # Go %v of float64(100)
        ('a"b', '"a\\"b"'),
        ("tab\there", '"tab\\there"'),
        ({"app": "x"}, 'map[string]string{"app":"x"}'),
        ({"b": "2", "a": "1"}, 'map[string]string{"a":"1", "b":"2"}'),  # fmt sorts map keys
        (["a", "b"], '[]string{"a", "b"}'),
        ([], "[]string{}"),
        (GoLiteral("[]string(nil)"), "[]string(nil)"),
    ],
)
def test_go_value_formatting(value: object, text: str) -> None:
    assert go_value(value) == text


def test_go_quote_escapes_like_strconv_quote() -> None:
    assert go_quote("plain") == '"plain"'
    assert go_quote("a\\b") == '"a\\\\b"'
    assert go_quote("\x00") == '"\\x00"'
    assert go_quote("é") == '"é"'  # printable runes stay as they are


def test_omitted_value_prints_only_the_type() -> None:
    assert str(FieldError("f", "Invalid value", OMIT_VALUE, "why")) == "f: Invalid value: why"


def test_unknown_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="unrecognized validation error"):
        FieldError("f", "Bogus", "", "")


def test_invalid_error_one_cause() -> None:
    err = InvalidError("Pod", "web", [FieldError.required("spec.containers[0].image")])
    assert str(err) == 'Pod "web" is invalid: spec.containers[0].image: Required value'
    assert isinstance(err, ValueError)


def test_invalid_error_several_causes_in_brackets() -> None:
    err = InvalidError(
        "Pod",
        "web",
        [
            FieldError.required("spec.containers[0].image"),
            FieldError.duplicate("spec.containers[1].name", "web"),
        ],
    )
    assert str(err) == (
        'Pod "web" is invalid: [spec.containers[0].image: Required value, '
        'spec.containers[1].name: Duplicate value: "web"]'
    )


def test_invalid_error_drops_repeated_messages_but_keeps_causes() -> None:
    same = FieldError.required("spec.selector")
    err = InvalidError("Deployment", "web", [same, same], group="apps")
    assert str(err) == 'Deployment.apps "web" is invalid: spec.selector: Required value'
    assert len(err.status()["details"]["causes"]) == 2


def test_invalid_error_for_object_uses_group_from_api_version() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    err = InvalidError.for_object(obj, [FieldError.required("spec.selector")])
    assert str(err) == 'Deployment.apps "web" is invalid: spec.selector: Required value'
    rbac = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}}
    err = InvalidError.for_object(rbac, [FieldError.required("rules[0].verbs")])
    assert str(err).startswith('Role.rbac.authorization.k8s.io "r" is invalid: ')


def test_status_object_for_core_kind() -> None:
    # The shape of KUBECTL.md's observed 422 answer: no "group" key for the core group.
    err = InvalidError(
        "ConfigMap",
        "bad",
        [FieldError.invalid("metadata.name", "Bad", SUBDOMAIN_DETAIL)],
    )
    assert err.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'ConfigMap "bad" is invalid: metadata.name: Invalid value: "Bad": '
        + SUBDOMAIN_DETAIL,
        "reason": "Invalid",
        "details": {
            "name": "bad",
            "kind": "ConfigMap",
            "causes": [
                {
                    "reason": "FieldValueInvalid",
                    "message": 'Invalid value: "Bad": ' + SUBDOMAIN_DETAIL,
                    "field": "metadata.name",
                }
            ],
        },
        "code": 422,
    }
    assert list(err.status()) == [
        "kind",
        "apiVersion",
        "metadata",
        "status",
        "message",
        "reason",
        "details",
        "code",
    ]


def test_status_object_for_group_kind_and_fieldless_cause() -> None:
    err = InvalidError(
        "Deployment",
        "web",
        [FieldError.required("spec.selector"), FieldError.too_long("[]", "", 1048576)],
        group="apps",
    )
    details = err.status()["details"]
    assert details["group"] == "apps"
    assert details["kind"] == "Deployment"
    assert details["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.selector"},
        {
            "reason": "FieldValueTooLong",
            "message": "Too long: must have at most 1048576 bytes",
            "field": "[]",
        },
    ]
    assert err.code == 422
