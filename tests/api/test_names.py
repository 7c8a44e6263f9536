"""Name and label formats against upstream's tables and messages.

Good/bad value tables come from k8s.io/apimachinery/pkg/util/validation/validation_test.go
(TestIsDNS1123Label, TestIsDNS1123Subdomain, TestIsDNS1035Label, TestIsQualifiedName,
TestIsValidLabelValue, TestIsConfigMapKey, TestIsValidPortName); the messages are the
constants of validation.go and path/name.go.
"""

from __future__ import annotations

import pytest

from kubelab.api.names import (
    is_config_map_key,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_relaxed_env_var_name,
    is_valid_label_value,
    is_valid_path_segment_name,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_subdomain,
    name_validator_for_kind,
    validate_path_segment_name,
)

LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


@pytest.mark.parametrize(
    "value", ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "a" * 63]
)
def test_dns1123_label_good(value: str) -> None:
    assert is_dns1123_label(value) == []


@pytest.mark.parametrize(
    "value",
    [
        *("", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_"),
        *("_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", " ", "a ", " a", "a b", "1 2"),
    ],
)
def test_dns1123_label_bad_gives_regex_message(value: str) -> None:
    assert is_dns1123_label(value) == [LABEL_MSG]


def test_dns1123_label_with_dots_says_so() -> None:
    # A valid subdomain that is not a label can only be wrong because of its dots.
    assert is_dns1123_label("a.b") == ["must not contain dots"]


def test_dns1123_label_too_long() -> None:
    assert is_dns1123_label("a" * 64) == ["must be no more than 63 characters"]


@pytest.mark.parametrize(
    "value",
    ["a", "ab", "a1", "a-1", "0", "1a", "a.a", "ab.a", "a1.a", "0.a", "a.b.c.d.e", "a" * 253],
)
def test_dns1123_subdomain_good(value: str) -> None:
    assert is_dns1123_subdomain(value) == []


@pytest.mark.parametrize(
    "value",
    [
        *("", "A", "aBc", "-", "a-", "-a", "_", "a_b", ".", "a.", ".a", "a..b", "1..2", " "),
        *("a b", "A.a", "aB.a", "ab.A", "A.B.C.D.E", "a@b", "a,b", "a;b", "a:b", "a%b", "a?b"),
        "a$b",
    ],
)
def test_dns1123_subdomain_bad(value: str) -> None:
    assert is_dns1123_subdomain(value) == [SUBDOMAIN_MSG]


def test_dns1123_subdomain_too_long_reports_length() -> None:
    assert is_dns1123_subdomain("a" * 254) == ["must be no more than 253 characters"]


@pytest.mark.parametrize("value", ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "a" * 63])
def test_dns1035_label_good(value: str) -> None:
    assert is_dns1035_label(value) == []


@pytest.mark.parametrize("value", ["0", "01", "1a", "1-a", "A", "a-", "-a", "a.b", "a_b", ""])
def test_dns1035_label_bad(value: str) -> None:
    assert is_dns1035_label(value) == [DNS1035_MSG]


@pytest.mark.parametrize(
    "value",
    [
        "simple",
        "now-with-dashes",
        "1-starts-with-num",
        "1234",
        "simple/simple",
        "now-with-dashes/simple",
        "now.with.dots/simple",
        "now-with.dashes-and.dots/simple",
        "1-num.2-num/3-num",
        "1234/5678",
        "1.2.3.4/5678",
        "Uppercase_Is_OK_123",
        "example.com/Uppercase_Is_OK_123",
        "requests.storage-foo",
        "a" * 63,
        "a" * 253 + "/" + "b" * 63,
    ],
)
def test_qualified_name_good(value: str) -> None:
    assert is_qualified_name(value) == []


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        ("nospecialchars%^=@", [NAME_PART_MSG]),
        ("cantendwithadash-", [NAME_PART_MSG]),
        ("-cantstartwithadash-", [NAME_PART_MSG]),
        ("Example.com/abc", ["prefix part " + SUBDOMAIN_MSG]),
        ("example_com/abc", ["prefix part " + SUBDOMAIN_MSG]),
        ("example.com/", ["name part must be non-empty", NAME_PART_MSG]),
        ("/simple", ["prefix part must be non-empty"]),
        ("a" * 64, ["name part must be no more than 63 characters"]),
        ("a" * 254 + "/abc", ["prefix part must be no more than 253 characters"]),
        (
            "only/one/slash",
            [
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
                "must start and end with an alphanumeric character (e.g. 'MyName',  or "
                "'my.name',  or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
                "prefix and '/' (e.g. 'example.com/MyName')"
            ],
        ),
    ],
)
def test_qualified_name_bad(value: str, messages: list[str]) -> None:
    assert is_qualified_name(value) == messages


@pytest.mark.parametrize(
    "value",
    ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "", "a" * 63],
)
def test_label_value_good(value: str) -> None:
    assert is_valid_label_value(value) == []


@pytest.mark.parametrize(
    "value",
    [
        "nospecialchars%^=@",
        "Tama-nui-te-rā.is.Māori.sun",
        "\\backslashes\\are\\bad",
        "-starts-with-dash",
        "ends-with-dash-",
        ".starts.with.dot",
        "ends.with.dot.",
    ],
)
def test_label_value_bad(value: str) -> None:
    assert is_valid_label_value(value) == [LABEL_VALUE_MSG]


def test_label_value_too_long_gives_both_messages() -> None:
    assert is_valid_label_value("a" * 64) == ["must be no more than 63 characters"]
    assert is_valid_label_value("a" * 63 + "-") == [
        "must be no more than 63 characters",
        LABEL_VALUE_MSG,
    ]


@pytest.mark.parametrize("value", ["a", "ab", "a-b", "a_b", "a.b", "A", "1", ".a.b", "KEY_NAME"])
def test_config_map_key_good(value: str) -> None:
    assert is_config_map_key(value) == []


def test_config_map_key_bad() -> None:
    regex_msg = (
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
        "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
        "'[-._a-zA-Z0-9]+')"
    )
    assert is_config_map_key("a b") == [regex_msg]
    assert is_config_map_key("") == [regex_msg]
    assert is_config_map_key(".") == ["must not be '.'"]
    assert is_config_map_key("..") == ["must not be '..'"]
    assert is_config_map_key("..a") == ["must not start with '..'"]


def test_relaxed_env_var_names() -> None:
    # RelaxedEnvironmentVariableValidation: printable ASCII except '='.
    assert is_relaxed_env_var_name("1BAD_FOR_STRICT") == []
    assert is_relaxed_env_var_name("A=B") == [
        "a valid environment variable name must consist only of printable ASCII characters "
        "other than '='"
    ]
    assert is_relaxed_env_var_name("") == ["environment variable name must be non-empty"]


def test_port_numbers_and_names() -> None:
    assert is_valid_port_num(1) == []
    assert is_valid_port_num(65535) == []
    assert is_valid_port_num(0) == ["must be between 1 and 65535, inclusive"]
    assert is_valid_port_num(65536) == ["must be between 1 and 65535, inclusive"]
    assert is_valid_port_name("http") == []
    assert is_valid_port_name("a-1") == []
    assert is_valid_port_name("longerthan15characters") == ["must be no more than 15 characters"]
    assert is_valid_port_name("1234") == ["must contain at least one letter (a-z)"]
    assert is_valid_port_name("a--b") == ["must not contain consecutive hyphens"]
    assert is_valid_port_name("-ab") == ["must not begin or end with a hyphen"]
    assert is_valid_port_name("Http") == [
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
    ]


def test_path_segment_names() -> None:
    # path/name.go: the RBAC kinds' name rule.
    assert is_valid_path_segment_name("system:admin") == []
    assert is_valid_path_segment_name(".") == ["may not be '.'"]
    assert is_valid_path_segment_name("..") == ["may not be '..'"]
    assert is_valid_path_segment_name("a/b%c") == ["may not contain '/'", "may not contain '%'"]
    # A prefix may be "." or "..": only the contents are checked.
    assert validate_path_segment_name("..", True) == []
    assert validate_path_segment_name("a/", True) == ["may not contain '/'"]


def test_generate_name_prefix_may_end_in_a_dash() -> None:
    assert name_is_dns_subdomain("web-", True) == []
    assert name_is_dns_subdomain("web-", False) == [SUBDOMAIN_MSG]


@pytest.mark.parametrize(
    ("kind", "api_version", "name", "ok"),
    [
        ("Pod", "v1", "web.v1", True),  # subdomain
        ("Namespace", "v1", "web.v1", False),  # label
        ("Service", "v1", "1web", False),  # DNS-1035: must start with a letter
        ("Pod", "v1", "1web", True),
        ("ClusterRole", "rbac.authorization.k8s.io/v1", "system:controller:x", True),
        ("Deployment", "apps/v1", "system:x", False),
        ("Event", "v1", "Any_Name", True),  # legacy validation checks no name format
        ("Event", "events.k8s.io/v1", "Any_Name", False),
    ],
)
def test_name_rule_per_kind(kind: str, api_version: str, name: str, ok: bool) -> None:
    assert (name_validator_for_kind(kind, api_version)(name, False) == []) is ok
