"""Kubernetes objects as plain dicts: kinds, manifests, quantities, selectors, names, validation.

Everything a component needs to read what a user writes and to answer as the API server does:

* :func:`load_manifests` -- YAML/JSON text or files to a list of object dicts (all-or-nothing,
  errors as :class:`ManifestError` naming the source, document and field);
* :func:`kind_info`, :func:`kind_for_resource`, :func:`all_kinds` -- the kinds kubelab serves,
  with their resource names, short names, scope and etcd key prefix;
* :class:`Quantity` / :func:`parse_quantity` -- ``500m``, ``1Gi``;
* :func:`parse_selector`, :func:`selector_from_dict`, :func:`parse_field_selector` -- label and
  field selectors;
* :mod:`kubelab.api.names` -- DNS labels/subdomains, qualified names, label values;
* :func:`validate` -- the API server's validation, as a list of :class:`FieldError`, raised as
  :class:`InvalidError` (whose :meth:`~InvalidError.status` is the 422 ``Status`` object).
"""

from kubelab.api.errors import FieldError, GoLiteral, InvalidError
from kubelab.api.kinds import (
    KindInfo,
    NoKindMatchError,
    UnknownResourceError,
    all_kinds,
    kind_for_resource,
    kind_info,
)
from kubelab.api.manifests import ManifestError, load_manifests
from kubelab.api.names import (
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
    name_validator_for_kind,
)
from kubelab.api.quantity import Quantity, QuantityError, parse_quantity
from kubelab.api.selectors import (
    FieldRequirement,
    FieldSelector,
    Requirement,
    Selector,
    SelectorError,
    parse_field_selector,
    parse_selector,
    selector_from_dict,
    selector_from_set,
)
from kubelab.api.validation import validate

__all__ = [
    "FieldError",
    "FieldRequirement",
    "FieldSelector",
    "GoLiteral",
    "InvalidError",
    "KindInfo",
    "ManifestError",
    "NoKindMatchError",
    "Quantity",
    "QuantityError",
    "Requirement",
    "Selector",
    "SelectorError",
    "UnknownResourceError",
    "all_kinds",
    "is_dns1035_label",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_qualified_name",
    "is_valid_label_value",
    "kind_for_resource",
    "kind_info",
    "load_manifests",
    "name_validator_for_kind",
    "parse_field_selector",
    "parse_quantity",
    "parse_selector",
    "selector_from_dict",
    "selector_from_set",
    "validate",
]
