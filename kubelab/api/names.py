"""Name, label and key formats, with the exact messages of the real validators.

Each ``is_*`` function returns a list of messages, empty when the value is valid -- the shape of
``k8s.io/apimachinery/pkg/util/validation/validation.go`` (Kubernetes 1.32). The ``name_is_*``
functions are the per-kind name validators of ``apimachinery/pkg/api/validation/generic.go`` and
``path/name.go``; :func:`name_validator_for_kind` says which one each kind uses, as the callers of
``ValidateObjectMeta`` in ``pkg/apis/*/validation`` choose it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Final

__all__ = [
    "DNS1035_LABEL_MAX_LENGTH",
    "DNS1123_LABEL_MAX_LENGTH",
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "LABEL_VALUE_MAX_LENGTH",
    "QUALIFIED_NAME_MAX_LENGTH",
    "NameValidator",
    "is_config_map_key",
    "is_dns1035_label",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_env_var_name",
    "is_qualified_name",
    "is_relaxed_env_var_name",
    "is_valid_ip",
    "is_valid_label_value",
    "is_valid_path_segment_name",
    "is_valid_port_name",
    "is_valid_port_num",
    "max_len_error",
    "name_is_dns1035_label",
    "name_is_dns_label",
    "name_is_dns_subdomain",
    "name_validator_for_kind",
    "regex_error",
    "validate_path_segment_name",
]

#: A name validator: ``(name, prefix) -> messages`` (``ValidateNameFunc``). ``prefix=True`` checks
#: a ``generateName`` prefix, which may end in ``-``.
NameValidator = Callable[[str, bool], list[str]]

# validation.go constants.
DNS1123_LABEL_MAX_LENGTH: Final = 63
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253
DNS1035_LABEL_MAX_LENGTH: Final = 63
QUALIFIED_NAME_MAX_LENGTH: Final = 63
LABEL_VALUE_MAX_LENGTH: Final = 63

_DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_FMT: Final = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_FMT: Final = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_MSG: Final = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_QUALIFIED_NAME_CHAR_FMT: Final = "[A-Za-z0-9]"
_QUALIFIED_NAME_EXT_CHAR_FMT: Final = "[-A-Za-z0-9_.]"
_QUALIFIED_NAME_FMT: Final = (
    "(" + _QUALIFIED_NAME_CHAR_FMT + _QUALIFIED_NAME_EXT_CHAR_FMT + "*)?" + _QUALIFIED_NAME_CHAR_FMT
)
_QUALIFIED_NAME_MSG: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_FMT: Final = "(" + _QUALIFIED_NAME_FMT + ")?"
_LABEL_VALUE_MSG: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)
_CONFIG_MAP_KEY_FMT: Final = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY_MSG: Final = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
)
_ENV_VAR_NAME_FMT: Final = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_VAR_NAME_MSG: Final = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
    "or '.', and must not start with a digit"
)
_RELAXED_ENV_VAR_NAME_MSG: Final = (
    "a valid environment variable name must consist only of printable ASCII characters other "
    "than '='"
)


def _full(fmt: str) -> re.Pattern[str]:
    # Go's regexp "^...$" anchors; \Z so a trailing newline is not accepted.
    return re.compile("(?:" + fmt + r")\Z")


_DNS1123_LABEL_RE: Final = _full(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE: Final = _full(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE: Final = _full(_DNS1035_LABEL_FMT)
_QUALIFIED_NAME_RE: Final = _full(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE: Final = _full(_LABEL_VALUE_FMT)
_CONFIG_MAP_KEY_RE: Final = _full(_CONFIG_MAP_KEY_FMT)
_ENV_VAR_NAME_RE: Final = _full(_ENV_VAR_NAME_FMT)
_PORT_NAME_CHARSET_RE: Final = _full("[-a-z0-9]+")
_PORT_NAME_LETTER_RE: Final = re.compile("[a-z]")


def _match(pattern: re.Pattern[str], value: str) -> bool:
    return pattern.match(value) is not None


# Texts already found valid, per rule. The rules are pure functions of the text, and the same
# label keys and values, container names and namespaces come back on every object, so most
# checks end in one set lookup. Each set is emptied when it reaches _KNOWN_VALID_MAX.
_KNOWN_VALID_MAX: Final = 4096
_VALID_LABEL: set[str] = set()
_VALID_SUBDOMAIN: set[str] = set()
_VALID_QUALIFIED: set[str] = set()
_VALID_LABEL_VALUE: set[str] = set()


def _known(known: set[str], value: str) -> list[str]:
    """Remember ``value`` as valid; the empty message list."""
    if len(known) >= _KNOWN_VALID_MAX:
        known.clear()
    known.add(value)
    return []


def max_len_error(length: int) -> str:
    """validation.go ``MaxLenError``."""
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.go ``RegexError`` (the odd double space before ``or`` is upstream's)."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    text = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def _empty_error() -> str:
    return "must be non-empty"


def is_dns1123_label(value: str) -> list[str]:
    """A DNS label (RFC 1123): ``my-name``; validation.go ``IsDNS1123Label``."""
    if type(value) is str and value in _VALID_LABEL:
        return []
    if len(value) <= DNS1123_LABEL_MAX_LENGTH and _DNS1123_LABEL_RE.match(value) is not None:
        return _known(_VALID_LABEL, value)
    errs: list[str] = []
    if len(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _match(_DNS1123_LABEL_RE, value):
        if _match(_DNS1123_SUBDOMAIN_RE, value):
            # A valid subdomain but not a label: with length already checked, it must be dots.
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """A DNS subdomain (RFC 1123): ``example.com``; validation.go ``IsDNS1123Subdomain``."""
    if type(value) is str and value in _VALID_SUBDOMAIN:
        return []
    if len(value) <= DNS1123_SUBDOMAIN_MAX_LENGTH and _DNS1123_SUBDOMAIN_RE.match(value):
        return _known(_VALID_SUBDOMAIN, value)
    errs: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _match(_DNS1123_SUBDOMAIN_RE, value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """A DNS label (RFC 1035, starts with a letter); validation.go ``IsDNS1035Label``."""
    errs: list[str] = []
    if len(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _match(_DNS1035_LABEL_RE, value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """A label key / qualified name: ``[prefix/]name``; validation.go ``IsQualifiedName``.

    The optional prefix is a DNS subdomain; the name part is at most 63 characters of
    ``[-A-Za-z0-9_.]`` starting and ending with an alphanumeric character.
    """
    if type(value) is str and value in _VALID_QUALIFIED:
        return []
    prefix, slash, rest = value.partition("/")
    if not slash:
        if len(value) <= QUALIFIED_NAME_MAX_LENGTH and _QUALIFIED_NAME_RE.match(value) is not None:
            return _known(_VALID_QUALIFIED, value)  # no prefix, a valid name part
    elif (
        "/" not in rest
        and len(rest) <= QUALIFIED_NAME_MAX_LENGTH
        and _QUALIFIED_NAME_RE.match(rest) is not None
        and len(prefix) <= DNS1123_SUBDOMAIN_MAX_LENGTH
        and _DNS1123_SUBDOMAIN_RE.match(prefix) is not None
    ):
        return _known(_VALID_QUALIFIED, value)  # a DNS subdomain prefix and a valid name part
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + _empty_error())
        else:
            errs.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part " + _empty_error())
    elif len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _match(_QUALIFIED_NAME_RE, name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """A label value: empty, or like a qualified name's name part; ``IsValidLabelValue``."""
    if type(value) is str and value in _VALID_LABEL_VALUE:
        return []
    if len(value) <= LABEL_VALUE_MAX_LENGTH and _LABEL_VALUE_RE.match(value) is not None:
        return _known(_VALID_LABEL_VALUE, value)
    errs: list[str] = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _match(_LABEL_VALUE_RE, value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def _has_chdir_prefix(value: str) -> list[str]:
    # validation.go hasChDirPrefix
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_config_map_key(value: str) -> list[str]:
    """A key of ConfigMap/Secret data; validation.go ``IsConfigMapKey``."""
    errs: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _match(_CONFIG_MAP_KEY_RE, value):
        errs.append(
            regex_error(
                _CONFIG_MAP_KEY_MSG, _CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"
            )
        )
    errs.extend(_has_chdir_prefix(value))
    return errs


def is_env_var_name(value: str) -> list[str]:
    """The strict environment variable name rule; validation.go ``IsEnvVarName``."""
    errs: list[str] = []
    if not _match(_ENV_VAR_NAME_RE, value):
        errs.append(
            regex_error(
                _ENV_VAR_NAME_MSG, _ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"
            )
        )
    errs.extend(_has_chdir_prefix(value))
    return errs


def is_relaxed_env_var_name(value: str) -> list[str]:
    """The relaxed rule (feature RelaxedEnvironmentVariableValidation, on by default in 1.32).

    Any printable ASCII character except ``=``; validation.go ``IsRelaxedEnvVarName``.
    """
    errs: list[str] = []
    if not value:
        errs.append("environment variable name " + _empty_error())
    for ch in value:
        if ord(ch) > 0x7F or not ch.isprintable() or ch == "=":
            errs.append(_RELAXED_ENV_VAR_NAME_MSG)
            break
    return errs


def is_valid_port_num(port: int) -> list[str]:
    """A port number 1-65535; validation.go ``IsValidPortNum``."""
    if 1 <= port <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def is_valid_port_name(port: str) -> list[str]:
    """An IANA_SVC_NAME port name (at most 15 characters); validation.go ``IsValidPortName``."""
    errs: list[str] = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not _match(_PORT_NAME_CHARSET_RE, port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if _PORT_NAME_LETTER_RE.search(port) is None:
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_ip(value: str) -> list[str]:
    """An IPv4 or IPv6 address; ``IsValidIP`` (Go's ParseIP rejects zone suffixes too)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    if "%" in value:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    return []


# path/name.go: names that would break a REST path segment.
_NAME_MAY_NOT_BE: Final = (".", "..")
_NAME_MAY_NOT_CONTAIN: Final = ("/", "%")


def is_valid_path_segment_name(name: str) -> list[str]:
    """A name usable as one URL path segment; path/name.go ``IsValidPathSegmentName``."""
    for illegal in _NAME_MAY_NOT_BE:
        if name == illegal:
            return [f"may not be '{illegal}'"]
    return [f"may not contain '{bad}'" for bad in _NAME_MAY_NOT_CONTAIN if bad in name]


def _is_valid_path_segment_prefix(name: str) -> list[str]:
    return [f"may not contain '{bad}'" for bad in _NAME_MAY_NOT_CONTAIN if bad in name]


def validate_path_segment_name(name: str, prefix: bool) -> list[str]:
    """path/name.go ``ValidatePathSegmentName`` (the RBAC kinds' name rule)."""
    if prefix:
        return _is_valid_path_segment_prefix(name)
    return is_valid_path_segment_name(name)


def _mask_trailing_dash(name: str) -> str:
    # generic.go maskTrailingDash: a generateName prefix may end in '-'; replace the last two
    # characters by "a" so the rest can be checked as a name.
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """generic.go ``NameIsDNSSubdomain``: most kinds (Pod, ConfigMap, Deployment, ...)."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """generic.go ``NameIsDNSLabel``: Namespace names."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    """generic.go ``NameIsDNS1035Label``: Service names."""
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def _no_name_rule(name: str, prefix: bool) -> list[str]:
    return []


# Which validator each kind passes to ValidateObjectMeta (pkg/apis/core/validation
# ValidatePodName, ValidateNamespaceName, ValidateServiceName, ...; apps, coordination, discovery,
# rbac ValidateRBACName = path.IsValidPathSegmentName). The core v1 Event is validated by
# legacyValidateEvent, which checks no name format.
_NAME_RULES: Final[dict[str, NameValidator]] = {
    "Namespace": name_is_dns_label,
    "Service": name_is_dns1035_label,
    "Pod": name_is_dns_subdomain,
    "Node": name_is_dns_subdomain,
    "Endpoints": name_is_dns_subdomain,
    "EndpointSlice": name_is_dns_subdomain,
    "ConfigMap": name_is_dns_subdomain,
    "Secret": name_is_dns_subdomain,
    "ServiceAccount": name_is_dns_subdomain,
    "Deployment": name_is_dns_subdomain,
    "ReplicaSet": name_is_dns_subdomain,
    "Lease": name_is_dns_subdomain,
    "Role": validate_path_segment_name,
    "ClusterRole": validate_path_segment_name,
    "RoleBinding": validate_path_segment_name,
    "ClusterRoleBinding": validate_path_segment_name,
}


def name_validator_for_kind(kind: str, api_version: str = "") -> NameValidator:
    """The name rule the API server applies to ``kind`` (DNS subdomain when unknown).

    ``Event`` in ``v1`` has no name rule (legacy validation); ``events.k8s.io/v1`` Events use
    the DNS subdomain rule.
    """
    if kind == "Event":
        return name_is_dns_subdomain if api_version.startswith("events.k8s.io/") else _no_name_rule
    return _NAME_RULES.get(kind, name_is_dns_subdomain)
