"""Field errors and the API server's ``Invalid`` error, worded as the real API server words them.

Models two upstream files:

* ``k8s.io/apimachinery/pkg/util/validation/field/errors.go`` -- :class:`FieldError`
  (``field.Error``): a field path, an error type, the offending value and a detail, rendered as
  ``<field>: <type>[: <value>][: <detail>]``;
* ``k8s.io/apimachinery/pkg/api/errors/errors.go`` ``NewInvalid`` -- :class:`InvalidError`: all the
  field errors of one object, rendered as ``Pod "web" is invalid: <errors>`` and convertible to the
  ``Status`` object (HTTP 422, reason ``Invalid``) the API server answers with.

Bad values are printed the way Go's ``fmt`` prints them in ``ErrorBody``: strings quoted with
``%q``, numbers and booleans bare, ``None`` as ``null``, other values with ``%#v`` (for example
``map[string]string{"app":"web"}``). :class:`GoLiteral` carries a value already written in Go
syntax (``[]string(nil)``, a struct) for the few places where a Python value cannot say it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "OMIT_VALUE",
    "REASON_DUPLICATE",
    "REASON_FORBIDDEN",
    "REASON_INTERNAL",
    "REASON_INVALID",
    "REASON_NOT_FOUND",
    "REASON_NOT_SUPPORTED",
    "REASON_REQUIRED",
    "REASON_TOO_LONG",
    "REASON_TOO_MANY",
    "FieldError",
    "GoLiteral",
    "InvalidError",
    "go_quote",
    "go_value",
]

# field/errors.go ``ErrorType.String()``: the human text of each error type ...
REASON_NOT_FOUND: Final = "Not found"
REASON_REQUIRED: Final = "Required value"
REASON_DUPLICATE: Final = "Duplicate value"
REASON_INVALID: Final = "Invalid value"
REASON_NOT_SUPPORTED: Final = "Unsupported value"
REASON_FORBIDDEN: Final = "Forbidden"
REASON_TOO_LONG: Final = "Too long"
REASON_TOO_MANY: Final = "Too many"
REASON_INTERNAL: Final = "Internal error"

# ... and the machine-readable ErrorType constant, which NewInvalid copies into
# StatusCause.Type (JSON "reason").
_CAUSE_REASONS: Final[dict[str, str]] = {
    REASON_NOT_FOUND: "FieldValueNotFound",
    REASON_REQUIRED: "FieldValueRequired",
    REASON_DUPLICATE: "FieldValueDuplicate",
    REASON_INVALID: "FieldValueInvalid",
    REASON_NOT_SUPPORTED: "FieldValueNotSupported",
    REASON_FORBIDDEN: "FieldValueForbidden",
    REASON_TOO_LONG: "FieldValueTooLong",
    REASON_TOO_MANY: "FieldValueTooMany",
    REASON_INTERNAL: "InternalError",
}

# field/errors.go ErrorBody: these types never print the bad value.
_VALUELESS: Final = frozenset({REASON_REQUIRED, REASON_FORBIDDEN, REASON_TOO_LONG, REASON_INTERNAL})


@dataclass(frozen=True)
class GoLiteral:
    """A bad value already written as Go's ``%#v`` would print it, e.g. ``[]string(nil)``."""

    text: str

    def __str__(self) -> str:
        return self.text


class _Omit:
    """Marker for ``field.omitValue``: the error body shows no value at all."""

    def __repr__(self) -> str:
        return "OMIT_VALUE"


#: Pass as ``bad_value`` to print only the error type (field/errors.go ``omitValue``).
OMIT_VALUE: Final = _Omit()


def go_quote(text: str) -> str:
    """Quote ``text`` like Go's ``strconv.Quote`` (the ``%q`` verb)."""
    out = ['"']
    simple = {
        "\a": "\\a",
        "\b": "\\b",
        "\f": "\\f",
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\v": "\\v",
        "\\": "\\\\",
        '"': '\\"',
    }
    for ch in text:
        if ch in simple:
            out.append(simple[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            if code < 0x80:
                out.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _go_float(value: float) -> str:
    # fmt %v of a float64 is strconv 'g' with the shortest representation; Python's repr is the
    # same shortest digits. Go prints whole numbers below 1e21 without ".0".
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exp = text.split("e")
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").rjust(2, "0")
        text = f"{mantissa}e{sign}{digits}"
    return text


def _go_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "interface {}"


def _go_elem_type(values: Iterable[object]) -> str:
    kinds = {_go_type(v) for v in values}
    if len(kinds) == 1:
        return kinds.pop()
    return "interface {}"


def _go_sharp(value: object) -> str:
    """``%#v`` of a JSON-like value (what ErrorBody prints for maps, slices, ...)."""
    if isinstance(value, GoLiteral):
        return value.text
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping):
        vtype = _go_elem_type(value.values()) if value else "string"
        # fmt prints map keys in sorted order.
        items = ", ".join(
            f"{go_quote(str(k))}:{_go_sharp(value[k])}" for k in sorted(value, key=str)
        )
        return f"map[string]{vtype}{{{items}}}"
    if isinstance(value, Sequence):
        etype = _go_elem_type(value) if value else "string"
        items = ", ".join(_go_sharp(v) for v in value)
        return f"[]{etype}{{{items}}}"
    return str(value)


def go_value(value: object) -> str:
    """Render a bad value as ``field.Error.ErrorBody`` does (``%q``, ``%v`` or ``%#v``)."""
    if isinstance(value, GoLiteral):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping | list | tuple):
        return _go_sharp(value)
    # Anything else with a String() method (a Quantity, say) prints through it.
    return str(value)


@dataclass(frozen=True)
class FieldError:
    """One validation error about one field (``field.Error``).

    ``reason`` is the error type's text (``"Required value"``, ``"Invalid value"``, ...);
    :attr:`cause_reason` gives the matching Status cause reason (``"FieldValueRequired"``, ...).
    ``str()`` is the API server's wording, e.g. ``spec.containers[0].image: Required value``.
    """

    field: str
    reason: str
    bad_value: Any = ""
    detail: str = ""

    def __post_init__(self) -> None:
        if self.reason not in _CAUSE_REASONS:
            raise ValueError(f"unrecognized validation error: {go_quote(self.reason)}")

    @property
    def cause_reason(self) -> str:
        """The ``StatusCause.reason`` for this error, e.g. ``FieldValueInvalid``."""
        return _CAUSE_REASONS[self.reason]

    def body(self) -> str:
        """The message without the field path (``ErrorBody``; the Status cause message)."""
        if self.reason in _VALUELESS or self.bad_value is OMIT_VALUE:
            text = self.reason
        else:
            text = f"{self.reason}: {go_value(self.bad_value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    # Constructors named after field/errors.go's helpers.

    @classmethod
    def required(cls, field: str, detail: str = "") -> FieldError:
        """``field.Required``: a value that must be given was not."""
        return cls(field, REASON_REQUIRED, "", detail)

    @classmethod
    def invalid(cls, field: str, value: object, detail: str) -> FieldError:
        """``field.Invalid``: a malformed value."""
        return cls(field, REASON_INVALID, value, detail)

    @classmethod
    def not_supported(cls, field: str, value: object, valid: Sequence[str]) -> FieldError:
        """``field.NotSupported``: a value outside an enumeration, listing the valid ones."""
        detail = ""
        if valid:
            detail = "supported values: " + ", ".join(go_quote(v) for v in valid)
        return cls(field, REASON_NOT_SUPPORTED, value, detail)

    @classmethod
    def duplicate(cls, field: str, value: object) -> FieldError:
        """``field.Duplicate``: a value that must be unique is repeated."""
        return cls(field, REASON_DUPLICATE, value, "")

    @classmethod
    def forbidden(cls, field: str, detail: str) -> FieldError:
        """``field.Forbidden``: a valid value not allowed here."""
        return cls(field, REASON_FORBIDDEN, "", detail)

    @classmethod
    def too_long(cls, field: str, value: object, max_length: int) -> FieldError:
        """``field.TooLong``: the value is longer than ``max_length`` bytes."""
        return cls(field, REASON_TOO_LONG, value, f"must have at most {max_length} bytes")

    @classmethod
    def too_many(cls, field: str, actual: int, max_items: int) -> FieldError:
        """``field.TooMany``: a list has more than ``max_items`` items."""
        value: object = actual if actual >= 0 else OMIT_VALUE
        detail = f"must have at most {max_items} items" if max_items >= 0 else "has too many items"
        return cls(field, REASON_TOO_MANY, value, detail)

    @classmethod
    def not_found(cls, field: str, value: object) -> FieldError:
        """``field.NotFound``: a referenced value does not exist."""
        return cls(field, REASON_NOT_FOUND, value, "")


def _aggregate(errors: Sequence[FieldError]) -> str:
    # util/errors aggregate.Error(): one error prints bare; several print as "[e1, e2]", each
    # distinct message once (ErrorList.ToAggregate also drops repeated messages).
    seen: list[str] = []
    for err in errors:
        msg = str(err)
        if msg not in seen:
            seen.append(msg)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


class InvalidError(ValueError):
    """The API server's answer to an object that fails validation (``errors.NewInvalid``).

    ``str()`` is ``Pod "web" is invalid: spec.containers[0].image: Required value``; with several
    errors the part after ``invalid:`` is ``[e1, e2]``. A kind outside the core group carries its
    group: ``Deployment.apps "web" is invalid: ...``.
    """

    code: Final = 422

    def __init__(self, kind: str, name: str, errors: Sequence[FieldError], group: str = "") -> None:
        self.kind = kind
        self.name = name
        self.group = group
        self.errors: list[FieldError] = list(errors)
        super().__init__(self.message)

    @classmethod
    def for_object(cls, obj: Mapping[str, Any], errors: Sequence[FieldError]) -> InvalidError:
        """Build the error for a manifest dict, taking kind, group and name from it."""
        api_version = str(obj.get("apiVersion", ""))
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        meta = obj.get("metadata")
        name = ""
        if isinstance(meta, Mapping):
            raw = meta.get("name") or meta.get("generateName") or ""
            name = raw if isinstance(raw, str) else ""
        return cls(str(obj.get("kind", "")), name, errors, group)

    @property
    def qualified_kind(self) -> str:
        """``schema.GroupKind.String()``: ``Kind`` or ``Kind.group``."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def message(self) -> str:
        """The Status message (the same text as ``str()``)."""
        return f"{self.qualified_kind} {go_quote(self.name)} is invalid: {_aggregate(self.errors)}"

    def __str__(self) -> str:
        return self.message

    def status(self) -> dict[str, Any]:
        """The ``Status`` object the API server sends back (HTTP 422, reason ``Invalid``).

        Keys are in the order Go's JSON encoder writes them; empty ``group`` and ``field`` are
        left out as the ``omitempty`` tags of ``StatusDetails`` and ``StatusCause`` do (a core
        kind such as ``Pod`` has no ``group`` key, as in the real JSON).
        """
        causes: list[dict[str, str]] = []
        for err in self.errors:
            cause = {"reason": err.cause_reason, "message": err.body()}
            if err.field:
                cause["field"] = err.field
            causes.append(cause)
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        details["kind"] = self.kind
        details["causes"] = causes
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": "Invalid",
            "details": details,
            "code": self.code,
        }
